"""The exploration family's hard signals: the conjecture ledger says what a step did."""

from __future__ import annotations

import math

from agent.workspace.explore import ExplorationWorkspace
from strategies.family import Combined, Signals
from strategies.hunts.signals import HUNT_STREAK


def explore_progress(ws: ExplorationWorkspace) -> float:
    """0..0.8: conjectures that survived (the miner's and the model's trusted ones), weighted by how
    many examples they held on."""
    held = [c for c in ws.conjectures if c.status == "survived" and c.trusted]
    score = sum(min(1.0, math.log10(c.checked + 1) / 2) for c in held)
    return round(min(0.8, 0.2 * score), 3)


def explore_verdict(ws: ExplorationWorkspace, s: Signals) -> Combined:
    """Hard signals on the conjecture ledger; no model call. A conjecture that could not be run or
    was refuted makes the policy choose again; a move that added something may run again twice."""
    progress = explore_progress(ws)
    evidence = [c.line() for c in ws.model_conjectures()[-4:]] or [f"{len(ws.seeds)} examples"]
    last = ws.model_conjectures()[-1] if ws.model_conjectures() and s.move == "patterns" else None
    if s.move_error:
        return Combined("switch", progress, f"the step failed: {s.move_error}", evidence, ["move_failed"], None)
    if s.move == "mine":      # the miner has run on its examples: running it again adds nothing
        mined = ws.mined()
        held = sum(c.status == "survived" for c in mined)
        return Combined("switch", progress, f"the miner's ledger: {held} held, {len(mined) - held} refuted",
                        [c.line() for c in mined[:4]] or evidence, ["mined"], None)
    if last is not None and last.status == "broken":
        return Combined("switch", progress, f"{last.id} could not be run: {last.error}", evidence, ["program_failed"], None)
    if last is not None and not last.trusted:
        return Combined("switch", progress, f"{last.id}'s code tests something else than its words", evidence,
                        ["statement_code_mismatch"], None)
    if s.refuted:
        return Combined("switch", progress, "a conjecture was refuted: look again", evidence, ["conjecture_refuted"], None)
    if s.new_findings and s.persist_streak < HUNT_STREAK:
        return Combined("persist", progress, "the last move added to the ledger", evidence, ["ledger_growing"], None)
    return Combined("switch", progress, "let the policy choose the next move", evidence, ["explore_choose"], None)
