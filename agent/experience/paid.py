"""Whether each step of a run paid, by the measure its family's experience learns from (the labels
of agent/experience), read from the trace after the run and, where the measure needs it, graded
with the problem's reference then:

- countdown: the step made, or returned to, a node on the path to the verified answer;
- answers (GSM8K, MATH): the method reached a right answer independently (not shown the leading ones);
- hunts: a counterexample was confirmed, or, on a claim that has none, the check was extended;
- sequences: a rule or an answer gave the hidden terms for the first time.

`polya traces --stats` puts this beside who decided each step (agent/report/behaviour.py).
"""

from __future__ import annotations

from pathlib import Path

from agent.experience.answer_data import read_answer_trace
from agent.experience.data import read_trace
from agent.experience.move_data import read_move_trace


def paid_steps(path: str | Path) -> dict[int, bool] | None:
    """Step number -> whether that step paid; None for a trace no family measure reads (a baseline's,
    an exploration run's)."""
    path = Path(path)
    nodes = read_trace(path)
    if nodes is not None:
        on_path = set(nodes.solution_path)
        return {step: any(n in on_path for n in made) for step, made in nodes.step_nodes.items()}
    answers = read_answer_trace(path)
    if answers is not None:
        return {step: bool(right) for step, (_, right) in zip(answers.method_steps, answers.methods, strict=True)}
    moves = read_move_trace(path)
    if moves is not None:
        return {int(context["steps"]) + 1: bool(pays) for context, _, pays in moves.rows}
    return None
