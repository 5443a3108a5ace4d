"""Hunts and sequences experience (docs/experience.md): features read without the answer, rows and
labels rebuilt from traces, `polya learn` on a tiny fixture of committed traces, the version-3 file
and older ones, the learned policy choosing moves by value on a hunt and a sequence, its judge's
note, and no leakage: a file that learned from a claim refuses it in both forms."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

import pytest

from agent.cli import main
from agent.experience import load_experience, move_values
from agent.experience.move_data import both_forms, read_move_trace
from agent.experience.move_features import MOVES, claim_features, sequence_features
from agent.loop.rerun import arerun
from agent.loop.run import asolve
from agent.problems import load_problem
from agent.problems.models import Budget
from agent.report.behaviour import who
from agent.trace.events import ControllerChoice, Verdict
from agent.trace.reader import read_events
from agent.workspace.hunt import HuntWorkspace
from tests.loop_helpers import FunctionBackend

ROOT = Path(__file__).resolve().parents[1]
HUNT = ROOT / "problems/conjectures/hunt.yaml"
HUNT_CJ = ROOT / "problems/conjectures/hunt-conjecture.yaml"


def v3_example() -> dict:
    text = (ROOT / "docs/experience.md").read_text(encoding="utf-8")
    return next(json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, re.S) if '"hunts"' in b)


def example_file(tmp_path, **update) -> Path:
    doc = v3_example()
    for family, fields in update.items():
        doc[family].update(fields)
    path = tmp_path / "moves.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def hunt_traces() -> list[Path]:
    """Loop traces of ce-goldbach (no counterexample) and ce-euler-41 (counterexample 40) from hunt-43."""
    from agent.trace.reader import iter_events

    out = []
    for path in sorted((ROOT / "docs/results/hunt-43/traces").iterdir()):
        if not re.fullmatch(r"\d+-\d+-ce-(goldbach|euler-41)-[0-9a-f]{12}\.jsonl\.gz", path.name):
            continue
        start = next(iter(iter_events(path)))
        if start.policy in ("random", "llm", "bandit"):
            out.append(path)
    return out


# -- features and rows ------------------------------------------------------------------------------
def test_features_read_the_claim_and_the_terms_not_the_answer():
    goldbach = load_problem(HUNT, "ce-goldbach")
    f = claim_features(goldbach)
    assert f["uses_prime"] == 1 and f["domain_parity"] == 1 and f["conjecture_form"] == 0
    cj = claim_features(load_problem(HUNT_CJ, "cj-goldbach"))
    assert cj["uses_prime"] == 1 and cj["conjecture_form"] == 1
    squares = sequence_features([n * n for n in range(1, 21)])
    assert squares["diff_regular"] == 1 and squares["ratio_regular"] == 0 and squares["sign_changes"] == 0
    powers = sequence_features([3 * 2 ** n for n in range(20)])
    assert powers["ratio_regular"] == 1 and powers["growth"] > 2
    assert sequence_features([(-1) ** n for n in range(20)])["sign_changes"] == 19


def test_rows_are_rebuilt_from_traces_and_labelled_by_what_the_step_did():
    runs = {p.name: read_move_trace(p) for p in hunt_traces()}
    assert runs and all(r is not None and r.family == "hunts" for r in runs.values())
    goldbach = [r for n, r in runs.items() if "goldbach" in n]
    assert len(goldbach) == 3 and all(r.claim == "goldbach" for r in goldbach)
    for run in goldbach:
        assert {m for _, m, _ in run.rows} <= set(MOVES)
        # the opening's search (obvious, read as counterexamples) reports n <= 10^6 checked: it paid;
        # the scan of n <= 199 after it (understand, read as examples) extended nothing
        (x0, m0, y0), (x1, m1, y1) = run.rows[:2]
        assert (m0, y0, x0["steps"], m1, y1) == ("counterexamples", 1, 0, "examples", 0)
        assert x1["log_far"] > 6 and x1["empty_searches"] == 1
    # a false claim: the opening's search confirmed 40, and the rows stop at the confirmed counterexample
    euler = [r for n, r in runs.items() if "euler" in n]
    assert len(euler) == 3 and all([y for *_, y in r.rows] == [1] for r in euler)
    assert both_forms("ce-goldbach") == ["ce-goldbach", "cj-goldbach"] and both_forms("oeis-A1") == ["oeis-A1"]


OEIS_LOOP = ROOT / "docs/results/oeis-loop-100/traces"
FLOOR_SQRT = OEIS_LOOP / "20261201-101628-oeis-A000196-f19a90b69b6b.jsonl.gz"    # bandit, 1.5B model
FIBONACCI = OEIS_LOOP / "20261130-201402-oeis-A000045-6bb6a1d42cec.jsonl.gz"     # llm, 1.5B model


def test_sequence_rows_pay_for_a_rule_or_an_answer_that_gives_the_hidden_terms():
    fib = read_move_trace(FIBONACCI)
    assert fib.family == "sequences" and [(m, y) for _, m, y in fib.rows] == [("patterns", 1)]   # the opening's fit
    run = read_move_trace(FLOOR_SQRT)
    moves = [(m, y) for _, m, y in run.rows]
    # no fit, the model's rules refuted; the last free-text attempt gave 4, 4, 4, 4, 4: it paid
    assert moves == [("patterns", 0), ("examples", 0), ("reframe", 0), ("backwards", 0), ("attempt", 0), ("attempt", 1)]
    first, later = run.rows[0][0], run.rows[2][0]
    assert first["guessers_tried"] == 0 and later["guessers_tried"] == 1 and later["model_rules"] == 1
    assert later["rule_survives"] == 0 and later["terms"] == 20 and later["steps"] == 2


def test_polya_learn_on_a_tiny_fixture_names_both_forms_and_says_what_it_relies_on(tmp_path, capsys):
    for path in [*hunt_traces(), FLOOR_SQRT, FIBONACCI]:
        shutil.copy(path, tmp_path / path.name)
    out = tmp_path / "exp.json"
    assert main(["learn", str(tmp_path), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "hunts: learned from" in printed and "chance that a move pays rises with / falls with" in printed
    assert "sequences: learned from 2 traces of 2 problem ids" in printed
    exp = load_experience(out)
    assert exp.version == 3 and exp.family == "hunts+sequences" and exp.models == {}
    assert exp.sequences.learned_from.problems == ["oeis-A000045", "oeis-A000196"]
    assert {"ce-goldbach", "cj-goldbach", "ce-euler-41", "cj-euler-41"} <= set(exp.hunts.learned_from.problems)
    assert exp.hunts.samples["steps"] == sum(len(read_move_trace(p).rows) for p in hunt_traces())


# -- the file ---------------------------------------------------------------------------------------
def test_the_documented_version_3_example_loads_and_older_files_still_do(tmp_path):
    exp = load_experience(example_file(tmp_path))
    assert exp.version == 3 and set(exp.sections()) == {"hunts", "sequences"}
    assert exp.problems_seen() == {"ce-goldbach", "cj-goldbach", "oeis-A001572"}
    blocks = re.findall(r"```json\n(.*?)```", (ROOT / "docs/experience.md").read_text(encoding="utf-8"), re.S)
    for doc in map(json.loads, blocks):
        if doc["version"] < 3:
            path = tmp_path / f"v{doc['version']}.json"
            path.write_text(json.dumps(doc), encoding="utf-8")
            old = load_experience(path)
            assert old.hunts is None and old.sequences is None
    ws = HuntWorkspace(scanned_to=199)
    values = move_values(exp, "hunts", load_problem(HUNT, "ce-goldbach"), ws, 2, list(MOVES))
    assert max(values, key=values.get) == "counterexamples"      # far enough for a scan: a search next
    bad = v3_example() | {"family": "hunts+poetry"}
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    assert main(["learn", "--merge", str(tmp_path / "bad.json"), str(tmp_path), "-o", str(tmp_path / "o.json")]) == 2


# -- no leakage -------------------------------------------------------------------------------------
def test_a_learned_claim_is_refused_in_both_forms(tmp_path, capsys):
    path = str(example_file(tmp_path))
    for suite, pid in ((HUNT, "ce-goldbach"), (HUNT_CJ, "cj-goldbach")):
        assert main(["run", str(suite), "--id", pid, "--policy", "learned", "--experience", path, "--quiet"]) == 2
        err = capsys.readouterr().err.strip()
        assert err == (f"polya: the experience file learned from {pid}: evaluate it on problems it has not seen "
                       "(docs/experience.md, the split)")
    code = main(["bench", str(HUNT_CJ), "--limit", "2", "--policies", "learned,random", "--experience", path,
                 "--backend", "scripted:echo", "--out", str(tmp_path / "b")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("polya: the experience file learned from cj-goldbach: ")   # once, not per policy
    assert not (tmp_path / "b" / "results.jsonl").exists()


# -- the learned policy -----------------------------------------------------------------------------
def _solve(tmp_path, problem, exp_path, steps=6):
    backend = FunctionBackend(fn=lambda r: "I have no program for this.")
    return asyncio.run(asolve(problem, backend=backend, policy=f"learned:{exp_path}", budget=Budget(steps=steps),
                              trace=tmp_path / "t.jsonl"))


def _chosen_by_value(trace) -> list[ControllerChoice]:
    choices = [e for e in read_events(trace) if isinstance(e, ControllerChoice) and who(e.reason) == "learned"]
    for c in choices:
        ranked = re.findall(r"(\w+) (\d\.\d\d)", c.reason)
        if c.reason.startswith("learned (best)"):
            best = max(float(v) for _, v in ranked)
            assert dict(ranked)[c.move] == f"{best:.2f}", c.reason
    return choices


def test_learned_picks_the_move_of_highest_value_on_a_hunt(tmp_path):
    problem = load_problem(HUNT, "ce-lagrange-four-squares")     # true: the scans never end the run
    result = _solve(tmp_path, problem, example_file(tmp_path))
    choices = _chosen_by_value(result.trace_path)
    assert any(c.move == "counterexamples" and c.reason.startswith("learned (best)") for c in choices)
    assert all(c.reason.count(".") >= 5 for c in choices)        # every move's value is in the event
    rerun, _ = asyncio.run(arerun(result.trace_path, trace=tmp_path / "rerun.jsonl"))
    assert (rerun.answer, rerun.status, rerun.steps) == (result.answer, result.status, result.steps)
    assert [c.reason for c in _chosen_by_value(rerun.trace_path)] == [c.reason for c in choices]


def test_learned_on_a_sequence_picks_by_value_and_its_judge_gives_up_when_nothing_is_likely_to_pay(tmp_path):
    problem = load_problem(ROOT / "problems/experience/eval-oeis.yaml", "oeis-A001975")
    result = _solve(tmp_path, problem, example_file(tmp_path), steps=8)
    choices = _chosen_by_value(result.trace_path)
    assert choices and all(c.move != "patterns" for c in choices if "best" in c.reason)
    verdicts = [v for v in read_events(result.trace_path) if isinstance(v, Verdict)]
    notes = [v for v in verdicts if "learned_unlikely" in v.overrides]
    assert len(notes) == 1 and notes[0] is verdicts[-1] and notes[0].decision == "give_up"
    assert notes[0].reason.startswith("learned: no move is likely to pay here")
    assert "98% of the moves that paid while learning were valued at 0.4 or more" in notes[0].reason
    assert result.status == "gave_up" and result.steps == notes[0].step < 8


def test_a_learned_trace_reruns_exactly_and_one_made_by_the_policy_before_its_give_up_is_refused(tmp_path, capsys):
    """Policy version 2 gives up where version 1 only noted it: a version-1 trace is not rerun as if
    today's policy had made it (exit 2, one line, the trace untouched)."""
    problem = load_problem(ROOT / "problems/experience/eval-oeis.yaml", "oeis-A001975")
    result = _solve(tmp_path, problem, example_file(tmp_path), steps=8)
    start = read_events(result.trace_path)[0]
    assert start.versions["policy"] == "2"
    rerun, _ = asyncio.run(arerun(result.trace_path, trace=tmp_path / "rerun.jsonl"))
    assert (rerun.status, rerun.steps) == (result.status, result.steps)
    lines = Path(result.trace_path).read_text().splitlines()
    first = json.loads(lines[0])
    del first["versions"]["policy"]          # as recorded before policies had versions
    old = tmp_path / "v1.jsonl"
    old.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    before = old.read_bytes()
    capsys.readouterr()
    assert main(["replay", str(old), "--rerun"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "version 1 of the learned" in err and "this is version 2" in err
    assert old.read_bytes() == before


def test_without_a_section_the_learned_policy_falls_back_to_the_bandit(tmp_path):
    doc = v3_example()
    del doc["sequences"]
    doc["family"] = "hunts"
    path = tmp_path / "hunts-only.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    problem = load_problem(ROOT / "problems/experience/eval-oeis.yaml", "oeis-A001975")
    result = _solve(tmp_path, problem, path, steps=4)
    reasons = [e.reason for e in read_events(result.trace_path) if isinstance(e, ControllerChoice)]
    assert reasons and not any(r.startswith("learned") for r in reasons)


@pytest.mark.parametrize("form", ["learn-hunt", "learn-hunt-conjecture"])
def test_the_shipped_file_learned_hunts_from_the_learning_part_and_refuses_it(form, capsys):
    exp = load_experience()
    assert exp.hunts is not None and exp.sequences is not None and exp.answers is not None and exp.models
    assert set(exp.hunts.learned_from.problems) == {i for p in load_problems_of("learn-hunt") for i in both_forms(p)}
    seen = set(exp.sequences.learned_from.problems)
    assert seen <= set(load_problems_of("learn-oeis"))          # OEIS sample 300-399
    from agent.problems import load_problems

    assert not seen & {p.id for p in load_problems(ROOT / "problems/sequences/oeis-sample.yaml")[:300]}
    first = load_problems_of(form)[0]
    assert main(["run", str(ROOT / f"problems/experience/{form}.yaml"), "--id", first, "--policy", "learned",
                 "--quiet"]) == 2
    assert "learned from" in capsys.readouterr().err


def load_problems_of(name: str) -> list[str]:
    from agent.problems import load_problems

    return [p.id for p in load_problems(ROOT / f"problems/experience/{name}.yaml")]
