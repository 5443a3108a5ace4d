"""The conjecture miner (agent/workspace/miner.py): its measurements, that every conjecture is run on
every example (survivors with counts, the refuted with the example), and IMO 2024 P3 with no model."""

from __future__ import annotations

import random

from agent.workspace.miner import eventual_period, fetch_examples, measure, mine, value_split


def test_measurements_within_the_horizon():
    assert eventual_period([9, 8, 7] + [1, 2] * 30) == (3, 2)
    assert eventual_period([5] * 50) == (0, 1)
    assert eventual_period(list(range(60))) is None
    assert eventual_period([3, 1, 4, 1, 5, 9, 2, 6, 5, 8] + [1, 2, 3] * 3) is None    # the tail must cover half
    small_and_large = [x for k in range(1, 80) for x in (k % 3 + 1, 10 + k)]     # 1,2,3 recur; 11, 12, ... once each
    assert value_split(small_and_large) == 3
    assert value_split([k % 7 for k in range(200)]) is None                         # nothing new keeps coming
    f = measure({"prefix": [1], "seq": small_and_large})
    assert f["seq_1, seq_3, ..."]["period"] == (0, 3) and f["seq_2, seq_4, ..."]["unbounded"]
    assert f["seq_2, seq_4, ..."]["monotone"] and not f["seq"]["monotone"]


def _example(rng: random.Random) -> dict:
    """One class cycles with a period of 2 or 3, the other counts up; which one is which varies."""
    period = rng.choice([2, 3])
    small = [rng.randint(1, 5) for _ in range(period)]
    start = rng.randint(20, 40)
    pairs = [(small[k % period], start + k) for k in range(100)]
    flip = rng.random() < 0.5
    seq = [x for a, b in pairs for x in ((b, a) if flip else (a, b))]
    return {"tag": [period, int(flip)] + small, "seq": seq}


def test_every_conjecture_is_run_on_every_example_and_the_refuted_keep_their_example():
    rng = random.Random(5)
    examples = [_example(rng) for _ in range(60)]
    ledger = {m.statement: m for m in mine(examples, [f"example {i}" for i in range(60)])}
    exactly = ledger["exactly one of the parity classes of seq is eventually periodic"]
    assert exactly.status == "survived" and exactly.held == 60 and exactly.source == "tool:miner"
    assert exactly.horizon == 200 and 1 < exactly.distinct <= 60 and exactly.surprise > 3
    both = ledger["all of the parity classes of seq are eventually periodic"]
    assert both.status == "refuted" and both.refuted_by == "example 0" and both.held == 0
    fixed = next(m for s, m in ledger.items() if "the same for every example" in s and "period" in s)
    p0 = int(fixed.statement.split("with period ")[1].split(",")[0])
    parity = ("seq_1, seq_3, ...", "seq_2, seq_4, ...")
    periods = [[c["period"][1] for k, c in measure(ex).items() if k in parity and c["period"]] for ex in examples]
    first_other = next(i for i, ps in enumerate(periods) if p0 not in ps)
    assert fixed.status == "refuted" and fixed.refuted_by == f"example {first_other}"
    odd = ledger["seq_1, seq_3, ... is eventually periodic"]
    first_flip = next(i for i, ex in enumerate(examples) if ex["tag"][1])
    assert odd.status == "refuted" and odd.held == first_flip
    order = [m.status for m in mine(examples)]
    assert order == sorted(order, key=lambda s: s != "survived")       # survivors first


def test_imo_2024_p3_with_no_model_call():
    """500 examples from the problem's own definition (in the sandbox): the miner proposes that one
    parity class is eventually periodic, and the sharper structure, and refutes the false siblings."""
    from agent.problems.loader import load_problem

    problem = load_problem("problems/olympiad/imo-2024-p3.yaml")
    examples, described, why = fetch_examples(problem, list(range(500)))
    assert why == "" and len(examples) == 500
    ledger = {m.statement: m for m in mine(examples, described)}
    survivors = [m for m in ledger.values() if m.status == "survived"]
    for statement in ("exactly one of the parity classes of seq is eventually periodic and the others are unbounded",
                      "at least one of the parity classes of seq is eventually periodic",
                      "eventually every term of one of the parity classes of seq is smaller than every term of the "
                      "other (second halves)"):
        m = ledger[statement]
        assert m.status == "survived" and m.held == 500 and m.distinct >= 300 and m.horizon == 600
    assert any(m.template == "values: finitely / infinitely often" and m.held == 500 for m in survivors)
    both = ledger["all of the parity classes of seq are eventually periodic"]
    assert both.status == "refuted" and both.refuted_by.startswith("prefix [")
    fixed = [m for m in ledger.values() if m.template == "eventually periodic: fixed period"]
    assert fixed and all(m.status == "refuted" and m.refuted_by.startswith("prefix [") for m in fixed)
    assert ledger["seq_1, seq_3, ... is eventually periodic"].status == "refuted"
    assert ledger["seq_2, seq_4, ... is eventually periodic"].status == "refuted"
    assert survivors[0].template in ("eventually periodic and unbounded", "relation: one class below the other",
                                     "values: finitely / infinitely often")


def test_relations_between_two_columns():
    rng = random.Random(2)
    examples = []
    for _ in range(30):
        x = [rng.randint(1, 50) for _ in range(80)]
        examples.append({"x": x, "y": [v + rng.randint(0, 3) for v in x]})
    ledger = {m.statement: m for m in mine(examples)}
    assert ledger["eventually x <= y term by term"].status == "survived"
    assert ledger["eventually x <= y term by term"].held == 30
    assert ledger["eventually x >= y term by term"].status == "refuted"
    assert ledger["eventually x = y term by term"].status == "refuted"
