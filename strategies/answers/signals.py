"""The answers family's hard signals: two independent methods agreeing settle an answer."""

from __future__ import annotations

from agent.workspace.answers import AnswerWorkspace
from strategies.family import Combined, Signals


def answer_progress(ws: AnswerWorkspace) -> float:
    """0..0.8 while unsettled: the share of the entries behind the leading answer, once there are
    two or more (0.9 is reserved for a settled answer)."""
    lead = ws.leading(1)
    if len(ws.entries) < 2 or not lead:
        return 0.0
    return round(0.8 * len(lead[0].entries) / len(ws.entries), 3)


def answer_verdict(ws: AnswerWorkspace, s: Signals, step: int, value=None) -> Combined:
    """Hard signals on the candidate answers; no model call. Two independent methods agreeing (or a
    clear majority) settles the answer; otherwise the policy chooses the next method.

    `value(ws, step)`: a learned judge's (chance that the leading answer is right, the chance at which
    it stops), agent/loop/learned.py: it also stops an unsettled run on its leading answer once the
    chance reaches that value (docs/experience.md)."""
    evidence = ws.render().splitlines()[:7]
    settled = ws.agreed()
    if settled is not None:
        return Combined("solved", 0.9, settled[1], evidence, ["methods_agree"], None)
    learned = value(ws, step) if value is not None else None
    if learned is not None:
        return _learned_verdict(ws, s, step, evidence, *learned)
    return _unsettled(ws, s, step, evidence, answer_progress(ws), [])


def _learned_verdict(ws: AnswerWorkspace, s: Signals, step: int, evidence: list[str], chance: float,
                     stop: float) -> Combined:
    lead = ws.best()
    said = f"learned: the leading answer {lead} is right with chance {chance:.2f} (stops at {stop:.2f})"
    if lead is not None and chance >= stop:
        ws.accepted = (lead, said)
        return Combined("solved", 0.9, said, evidence, ["learned_stop"], None)
    return _unsettled(ws, s, step, evidence + [said], round(min(chance, 0.8), 3), ["learned_continue"])


def _unsettled(ws: AnswerWorkspace, s: Signals, step: int, evidence: list[str], progress: float,
               rules: list[str]) -> Combined:
    if s.move_error:
        return Combined("switch", progress, f"the step failed: {s.move_error}", evidence, ["move_failed", *rules], None)
    if not any(e.step == step for e in ws.entries):
        why = ws.failures[-1] if ws.failures else "the move gave no answer"
        return Combined("switch", progress, why, evidence, ["no_answer", *rules], None)
    return Combined("switch", progress, "the answers so far do not settle it: another method", evidence,
                    ["answers_disagree", *rules], None)
