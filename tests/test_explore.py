"""Exploring a statement to prove: examples made by the problem's own definition, conjectures run
as predicates over them, a ledger of what survived and what was refuted (scripted backend, real
sandbox, the committed IMO 2024 P3 problem)."""

from __future__ import annotations

from pathlib import Path

from agent.loop.run import asolve
from agent.problems import load_problem
from agent.problems.models import Budget
from agent.trace.reader import read_events
from agent.workspace.explore import can_explore, check_conjecture, make_examples
from tests.loop_helpers import FunctionBackend

IMO = load_problem(Path(__file__).resolve().parents[1] / "problems/olympiad/imo-2024-p3.yaml")
BOUNDED = "Statement: every term is below 1000.\n```python\ndef conjecture(ex):\n    return max(ex['seq']) < 1000\n```"
FALSE = "Statement: the first term is 1.\n```python\ndef conjecture(ex):\n    return ex['seq'][0] == 1\n```"


def test_the_definition_makes_described_examples_and_runs_a_predicate_over_them():
    assert can_explore(IMO)
    described, why = make_examples(IMO, [0, 1])
    assert why == "" and len(described) == 2 and described[0].startswith("prefix [")
    out, _ = check_conjecture(IMO, "def conjecture(ex):\n    return len(ex['seq']) == 600", list(range(10)))
    assert out == {"checked": 10, "failed_seed": None, "failed": "", "error": ""}
    out, _ = check_conjecture(IMO, "def conjecture(ex):\n    return ex['seq'][0] == 1", list(range(10)))
    assert out["failed_seed"] is not None and out["failed"].startswith("prefix [")
    out, _ = check_conjecture(IMO, "def conjecture(ex):\n    return ex['nope']", [0])
    assert out["error"].startswith("KeyError")
    out, why = check_conjecture(IMO, "def conjecture(ex):\n    while True:\n        pass", [0], timeout_s=1)
    assert out is None and why


def backend(*conjectures):
    replies = iter(conjectures)
    table = {"move:attempt": "Proof sketch: by the ledger.", "judge": {"assessment": "a", "progress": 0.5, "decision": "persist"}}
    return FunctionBackend(lambda req: next(replies) if req.purpose == "move:patterns" else table.get(req.purpose))


async def test_conjectures_are_run_on_every_example_and_the_ledger_records_their_fate(tmp_path):
    be = backend(BOUNDED, FALSE)
    result = await asolve(IMO, backend=be, policy="fixed:patterns,counterexamples,patterns", budget=Budget(steps=5),
                          trace=tmp_path / "t.jsonl")
    events = read_events(tmp_path / "t.jsonl")
    checks = [e.result for e in events if e.type == "tool_call" and e.tool == "check_conjecture"]
    assert checks[0].startswith("C1 held on all 8 examples")           # the first examples, made by understand
    assert any(c.startswith("C1 held on all 48 examples") for c in checks)   # + 40 fresh ones in the hunt
    assert any(c.startswith("C2 REFUTED") for c in checks)
    verdicts = [e for e in events if e.type == "verdict"]
    assert any(v.overrides == ["conjecture_refuted"] for v in verdicts)
    assert all(v.model_decision is None for v in verdicts if v.move != "attempt")   # hard signals: no judge call
    assert "judge" not in [r.purpose for r in be.requests[:-1]]
    assert result.answer and result.answer.startswith("Proof sketch") and not result.verified   # kept whole, unverified
    ends = [e for e in events if e.type == "move_end" and e.workspace]
    assert ends[-1].workspace["survived"] == 1 and ends[-1].workspace["refuted"] == 1


async def test_the_committed_imo_exploration_reruns_exactly_and_recomputes_its_ledger(tmp_path):
    """A real run of the 1.5B model on IMO 2024 P3 (docs/imo-2024-p3.md): the rerun serves every
    model call from the trace and recomputes every example and every conjecture check."""
    from agent.loop.rerun import arerun
    from agent.trace.events import LLMCall, ToolCall

    example = Path(__file__).resolve().parents[1] / "traces" / "examples" / "imo-2024-p3-explore-local.jsonl"
    recorded = read_events(example)
    result, _ = await arerun(example, trace=tmp_path / "rerun.jsonl")
    again = read_events(tmp_path / "rerun.jsonl")
    assert all(e.replayed for e in again if isinstance(e, LLMCall))
    checks = [(e.tool, e.result) for e in recorded if isinstance(e, ToolCall)]
    assert [(e.tool, e.result) for e in again if isinstance(e, ToolCall)] == checks
    assert any("REFUTED" in r for t, r in checks if t == "check_conjecture")
    assert any("held on all 184 examples" in r for t, r in checks if t == "check_conjecture")
