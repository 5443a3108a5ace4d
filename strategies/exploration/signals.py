"""The exploration family's hard signals: the conjecture ledger says what a step did."""

from __future__ import annotations

import math

from agent.workspace.explore import ExplorationWorkspace
from strategies.family import Combined, Signals
from strategies.hunts.signals import HUNT_STREAK


def explore_progress(ws: ExplorationWorkspace) -> float:
    """0..0.8: conjectures that survived, weighted by how many examples they held on."""
    held = [c for c in ws.conjectures if c.status == "survived"]
    score = sum(min(1.0, math.log10(c.checked + 1) / 2) for c in held)
    return round(min(0.8, 0.2 * score), 3)


def explore_verdict(ws: ExplorationWorkspace, s: Signals) -> Combined:
    """Hard signals on the conjecture ledger; no model call. A conjecture that could not be run or
    was refuted makes the policy choose again; a move that added something may run again twice."""
    progress = explore_progress(ws)
    evidence = [c.line() for c in ws.conjectures[-4:]] or [f"{len(ws.seeds)} examples"]
    last = ws.conjectures[-1] if ws.conjectures and s.move == "patterns" else None
    if s.move_error:
        return Combined("switch", progress, f"the step failed: {s.move_error}", evidence, ["move_failed"], None)
    if last is not None and last.status == "broken":
        return Combined("switch", progress, f"{last.id} could not be run: {last.error}", evidence, ["program_failed"], None)
    if s.refuted:
        return Combined("switch", progress, "a conjecture was refuted: look again", evidence, ["conjecture_refuted"], None)
    if s.new_findings and s.persist_streak < HUNT_STREAK:
        return Combined("persist", progress, "the last move added to the ledger", evidence, ["ledger_growing"], None)
    return Combined("switch", progress, "let the policy choose the next move", evidence, ["explore_choose"], None)
