"""Samples for answers experience, read from traces of answer problems (GSM8K, MATH) and graded
after the runs.

A trace names every answer a move reached (`move_end` findings: the candidate, its method in
`source`), so each run's workspace is rebuilt step by step with the same `AnswerWorkspace` the run
used. Two kinds of row per step:
- the leading answer (`best()`) after the step, labelled 1 when the reference grades it right;
- the move taken next, labelled 1 when it reached an answer independently (not shown the leading
  ones) that the reference grades right.

Labels come from the problem's reference, after the runs: learning is offline, and only traces of
learning problems may be given to it (`polya learn --problems`; docs/experience.md, the split).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from agent.experience.answer_features import METHODS, lead_features, method_features
from agent.problems.models import AnswerProblem
from agent.trace.reader import iter_events
from agent.verify.answer import verify_answer
from agent.workspace.answers import AnswerWorkspace

LOOP_MOVES = {"obvious", *METHODS}
BASELINES = ("direct", "cot", "pot")


@dataclass
class AnswerRun:
    problem: AnswerProblem
    suite: str
    policy: str
    run_id: str
    leads: list[tuple[dict[str, float], int]] = field(default_factory=list)      # (features, lead right)
    methods: list[tuple[dict[str, float], int]] = field(default_factory=list)    # (features, independent right)
    method_steps: list[int] = field(default_factory=list)                        # the step of each method row


def _suite(problem_file: str | None) -> str:
    if not problem_file:
        return "?"
    parts = Path(problem_file).with_suffix("").parts
    return "/".join(parts[-2:]) if len(parts) >= 2 else parts[-1]


def _add(ws: AnswerWorkspace, ev) -> None:
    """What one move added to the workspace, as the move itself added it (strategies/answers/moves.py,
    strategies/obvious.py)."""
    found, move, step = ev.findings.candidates, ev.move, ev.step
    if move == "obvious":
        if not found:
            return
        ws.add(found[0], "reasoning", "obvious", step, "chain of thought (greedy)")
        agreed = any("it agrees with" in f for f in ev.findings.facts)
        if len(found) > 1 or agreed:    # the self-check's printed answer (equivalent to the first when it agreed)
            ws.add(found[1] if len(found) > 1 else found[0], "program", "obvious", step, "program: the self-check")
        elif "the check failed" in ev.summary:
            ws.fail("obvious", step, "the self-check program")
        return
    method = ev.findings.source.removeprefix("tool:")
    if method not in ("reasoning", "program"):
        return
    if not found:
        ws.fail(move, step, "no answer")
        return
    shown = (move == "backwards" and len(ws.groups()) >= 2) or (move == "counterexamples" and bool(ws.leading(1)))
    ws.add(found[0], method, move, step, shown=shown)


def read_answer_trace(path: Path) -> AnswerRun | None:
    """The graded rows of one loop trace of an answer problem; None for any other trace."""
    run: AnswerRun | None = None
    ws = AnswerWorkspace()
    before: AnswerWorkspace | None = None     # the workspace the next move starts from
    for ev in iter_events(path):
        if ev.type == "run_start":
            if ev.problem.get("kind") != "answer" or ev.policy in BASELINES or ev.policy.startswith("self-consistency"):
                return None
            problem = AnswerProblem.model_validate(ev.problem)
            run = AnswerRun(problem, _suite(ev.problem_file), ev.policy, ev.run_id)
            ws = AnswerWorkspace(statement=problem.statement, tags=list(problem.tags))
        elif run is None:
            return None
        elif ev.type == "move_end" and ev.move in LOOP_MOVES:
            n = len(ws.entries)
            _add(ws, ev)
            if before is not None and ev.move in METHODS:
                right = any(_right(run.problem, e.answer) for e in ws.entries[n:] if not e.shown)
                run.methods.append((method_features(before, ev.move), int(right)))
                run.method_steps.append(ev.step)
            lead = lead_features(ws, ev.step)
            if lead:
                run.leads.append((lead, int(_right(run.problem, ws.best()))))
            before = AnswerWorkspace(entries=list(ws.entries), failures=list(ws.failures), statement=ws.statement,
                                     tags=ws.tags)     # a fresh copy: the groups are cached per workspace
    return run if run is not None and run.leads else None


def _right(problem: AnswerProblem, answer: str | None) -> bool:
    return bool(answer) and verify_answer(problem, answer).ok
