"""The conjecture miner as the exploration family's own move `mine`, the model's conjectures after
it, and the statement-code check (strategies/exploration/mining.py): the real sandbox and the
committed IMO 2024 P3 problem; the model is a FunctionBackend (unit tests)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from agent.errors import InputError
from agent.loop.policies import LLMPolicy, make_policy
from agent.loop.run import asolve
from agent.problems import load_problem
from agent.problems.models import Budget
from agent.trace.reader import read_events
from agent.workspace.miner import mine_run
from strategies.exploration import ExplorationFamily
from strategies.exploration.mining import compare, restated
from strategies.family import family_for
from tests.loop_helpers import P269, FunctionBackend

ROOT = Path(__file__).resolve().parents[1]
IMO = load_problem(ROOT / "problems/olympiad/imo-2024-p3.yaml")
AT_LEAST_ONE = "at least one of the parity classes of seq is eventually periodic"

# the miner's own measurement of "eventually periodic", written as a model would write a predicate
PERIODIC = '''
def _periodic(s):
    n = len(s)
    for p in range(1, min(60, n // 3) + 1):
        pre = next((i + 1 for i in range(n - p - 1, -1, -1) if s[i] != s[i + p]), 0)
        if pre <= n // 2 and n - pre >= 3 * p:
            return True
    return False

def conjecture(ex):
    return _periodic(ex["seq"][0::2]) or _periodic(ex["seq"][1::2])
'''
REPEATS = "def conjecture(ex):\n    return len(set(ex['seq'])) < len(ex['seq'])"
POSITIVE = "def conjecture(ex):\n    return min(ex['seq']) >= 1"


def test_the_miner_is_offered_on_its_family_only():
    explore, countdown = family_for(IMO), family_for(P269)
    assert explore.offered_moves()[-1] == "mine" and "mine" not in countdown.offered_moves()
    assert make_policy("fixed:mine,patterns").sequence == ["mine", "patterns"]
    with pytest.raises(InputError, match="move 'mine' is not offered on countdown problems"):
        countdown.move_fn("mine")

    class Inp:
        family = explore

    llm = LLMPolicy()
    assert "mine" not in llm.moves_text()
    llm._offer(Inp())
    assert "- mine: run the conjecture miner" in llm.moves_text()
    assert llm.schema(move="mine", new_attack=False, goal="", reason="r").move == "mine"


def _examples(n: int = 60) -> list[dict]:
    rng = random.Random(3)
    out = []
    for _ in range(n):
        small = [rng.randint(1, 4) for _ in range(rng.choice([2, 3]))]
        seq = [x for k in range(60) for x in (small[k % len(small)], 20 + k)]
        out.append({"seq": seq})
    return out


def test_the_statement_code_check_compares_a_predicate_with_what_its_words_decide():
    examples = _examples()
    described = [f"example {i}" for i in range(len(examples))]
    run = mine_run(examples, described)
    mid = next(m.id for m in run.ledger if m.statement == AT_LEAST_ONE)
    want = run.verdicts[mid]
    assert all(want[:60]) and not all(want[60:])          # true on the examples, mostly false shuffled
    ok, trusted = compare(mid, list(want), run, described)
    assert trusted and ok.startswith(f"its code gives {mid}'s verdict on all 110 examples (50 of them with shuffled")
    why, trusted = compare(mid, [True] * 110, run, described)
    first = want.index(False) - 60
    assert not trusted and why.startswith("its code tests something else than its words")
    assert why.endswith(f"on example example {first} with its columns shuffled")
    why, trusted = compare("", [True] * 110, run, described)
    assert not trusted and "holds on every example with shuffled columns too" in why
    why, trusted = compare("", list(want), run, described)
    assert not trusted and "computes exactly" in why
    other = [True] * 60 + [i % 2 == 0 for i in range(50)]
    why, trusted = compare("M99", other, run, described)
    assert trusted and why.startswith("it names M99, which the miner did not state; no mined conjecture decides")
    never = next(m.id for m in run.ledger if not any(run.verdicts[m.id]))
    why, trusted = compare(never, [False] * 110, run, described)   # an always-False predicate "agrees"
    assert trusted and why.startswith(f"the check decides nothing: {never}, which its words restate, is False")
    assert restated("Statement: x\nRestates: m3\n") == "M3" and restated("**Restates:** none") == ""


def _reply(req) -> str:
    """After the miner: a predicate that restates a mined conjecture wrongly, one that restates it
    rightly, one that holds on anything."""
    prompt = req.messages[-1].content
    mid = re.search(r"^(M\d+) \[tool:miner\] held on all \d+ examples \([^)]*\): " + AT_LEAST_ONE + ";", prompt, re.M)
    assert "A conjecture miner has already run" in prompt and mid
    k = len(re.findall(r"^C\d+ ", prompt, re.M))     # the conjectures made so far, in the ledger the prompt shows
    code, restates = [(REPEATS, mid.group(1)), (PERIODIC, mid.group(1)), (POSITIVE, "none")][min(k, 2)]
    return f"Statement: {AT_LEAST_ONE}\nRestates: {restates}\n```python\n{code}\n```"


async def test_the_miner_fills_the_ledger_and_the_model_conjectures_get_the_statement_code_check(tmp_path):
    table = {"move:attempt": "Proof sketch.", "judge": {"assessment": "a", "progress": 0.5, "decision": "persist"}}
    be = FunctionBackend(lambda req: _reply(req) if req.purpose == "move:patterns" else table.get(req.purpose))
    await asolve(IMO, backend=be, policy="fixed:mine,patterns,patterns,patterns", budget=Budget(steps=6),
                 trace=tmp_path / "t.jsonl", family=ExplorationFamily(mine_examples=100))
    events = read_events(tmp_path / "t.jsonl")
    tools = {e.tool: e for e in events if e.type == "tool_call"}
    head = tools["mine"].result.splitlines()[0]
    assert head.startswith("37 conjectures from the templates on 100 examples (seeds 8..107")
    assert "[tool:miner] held on all 100 examples" in tools["mine"].result
    checks = [e.result for e in events if e.type == "tool_call" and e.tool == "code_check"]
    assert len(checks) == 3
    assert "held on all 108 examples" in checks[0] and "NOT TRUSTED: its code tests something else" in checks[0]
    assert "held on all 108 examples" in checks[1] and "NOT TRUSTED" not in checks[1]
    assert "its code gives M" in checks[1] and "150 examples (50 of them with shuffled columns)" in checks[1]
    assert "NOT TRUSTED" in checks[2] and "tests nothing the order of the terms decides" in checks[2]
    verdicts = [e for e in events if e.type == "verdict"]
    assert verdicts[0].overrides == ["mined"] and verdicts[1].overrides == ["statement_code_mismatch"]
    end = [e for e in events if e.type == "move_end" and e.workspace][-1].workspace
    assert end["mined"] == 37 and end["untrusted"] == 2 and end["conjectures"] == 40


async def test_the_committed_imo_run_with_no_model_reruns_exactly_and_its_ledger_holds(tmp_path):
    """traces/examples/imo-2024-p3-mine-nomodel.jsonl (docs/imo-2024-p3.md): the null backend, a fixed
    policy; the miner proposes the structure and refutes the false siblings with the example."""
    from agent.loop.rerun import arerun
    from agent.trace.events import LLMCall, ToolCall

    example = ROOT / "traces" / "examples" / "imo-2024-p3-mine-nomodel.jsonl"
    recorded = read_events(example)
    await arerun(example, trace=tmp_path / "rerun.jsonl")
    again = read_events(tmp_path / "rerun.jsonl")
    calls = [e for e in again if isinstance(e, LLMCall)]
    assert [c.purpose for c in calls] == ["move:attempt"] and calls[0].replayed and calls[0].response is None
    tools = [(e.tool, e.result) for e in recorded if isinstance(e, ToolCall)]
    assert [(e.tool, e.result) for e in again if isinstance(e, ToolCall)] == tools
    mined = dict(tools)["mine"].splitlines()
    assert mined[0].startswith("37 conjectures from the templates on 500 examples")
    final = {ln.split(" ", 1)[0]: ln for ln in [t for tool, t in tools if tool == "recheck_mined"][-1].splitlines()}
    lines = {re.sub(r"^M\d+ \[tool:miner\] ", "", ln): ln for ln in mined[1:]}

    def held(statement: str) -> int:
        line = next(ln for s, ln in lines.items() if statement in s and "REFUTED" not in s)
        return int(re.search(r"held on all (\d+) examples", final[line.split(" ", 1)[0]]).group(1))

    for statement in ("exactly one of the parity classes of seq is eventually periodic and the others are unbounded",
                      AT_LEAST_ONE, "eventually every term of one of the parity classes of seq is smaller than",
                      "in seq, small values recur and large ones are seen finitely often: some T"):
        assert held(statement) >= 500
    for sibling in ("all of the parity classes of seq are eventually periodic",
                    "one of the parity classes of seq is eventually periodic with period",
                    "the same threshold T =", "seq_1, seq_3, ... is eventually periodic"):
        line = next(ln for s, ln in lines.items() if sibling in s)
        assert "REFUTED" in line and " fails on prefix [" in line
