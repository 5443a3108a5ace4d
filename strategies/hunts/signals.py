"""The hunts family's hard signals: how far a claim is checked, and when a hunt lets go."""

from __future__ import annotations

import math
import re

from agent.workspace.hunt import HuntWorkspace
from strategies.family import Combined, Signals

HUNT_LET_GO = 3      # search programs that found nothing, then a hunt lets go
HUNT_STREAK = 2      # the same move this many times in a row, then the policy chooses again
HUNT_STALL_STEPS = 2    # steps that together extended the check by less than HUNT_STALL_GAIN, then let go
HUNT_STALL_GAIN = 0.02  # of hunt_progress: a factor of about 1.5 in the furthest n checked


def hunt_progress(ws: HuntWorkspace) -> float:
    """0..0.8 from how far the claim is checked: the largest n checked one by one, or reported by a
    search program, on a log scale up to 10^7 (a confirmed counterexample ends the run anyway)."""
    reported = [int(m) for s in ws.searches if s.claimed for m in re.findall(r"\d+", s.claimed)[-1:]]
    far = max([ws.scanned_to, *reported, 0])
    return round(min(0.8, math.log10(far + 1) / 7 * 0.8), 3)


def hunt_verdict(ws: HuntWorkspace, s: Signals, *, let_go_after: int = HUNT_LET_GO, streak: int = HUNT_STREAK,
                 stall_steps: int = HUNT_STALL_STEPS, stall_gain: float = HUNT_STALL_GAIN) -> Combined:
    """Hard signals on a hunt; no model call. A failed program makes the policy choose another
    move; a move that added something may run again, up to `streak` times. After
    `let_go_after` search programs ran to their time limit and found nothing, the hunt stops and
    answers "none" with what it checked (persisting costs a model call per search, each reaching
    less further on a log scale than the one before). Once a search program has come
    back empty, the hunt also lets go when its last `stall_steps` steps, whatever they were,
    together extended the check by less than `stall_gain`: on the recorded runs the steps after
    a search of a true claim to 10^6 re-scanned a few hundred n or re-answered "none"."""
    progress = hunt_progress(ws)
    before = ws.progress_seen[-stall_steps] if len(ws.progress_seen) >= stall_steps else None
    ws.progress_seen.append(progress)
    evidence = ws.render().splitlines()[:6]
    last_family = ws.families[-1] if ws.families and s.move in ("patterns", "backwards") else None
    last_search = ws.searches[-1] if ws.searches and s.move == "counterexamples" else None
    if s.move_error:
        return Combined("switch", progress, f"the step failed: {s.move_error}", evidence, ["move_failed"], None)
    if (last_family and last_family.status == "unchecked") or (last_search and last_search.failed):
        why = last_family.note if last_family else last_search.failed
        return Combined("switch", progress, f"the program did not give checkable output: {why}", evidence,
                        ["program_failed"], None)
    if s.move == "counterexamples" and ws.empty_searches() >= let_go_after and not ws.failures:
        return Combined("give_up", progress, f"{ws.empty_searches()} search programs found nothing (the furthest "
                        f"reports n <= {ws.searched_to()}): let go, the answer is none so far", evidence,
                        ["hunt_let_go"], None)
    if (before is not None and progress - before < stall_gain and ws.empty_searches()
            and not ws.failures):
        return Combined("give_up", progress, f"a search program found nothing (the furthest reports n <= "
                        f"{ws.searched_to()}) and the last {stall_steps} steps checked little further: "
                        "let go, the answer is none so far", evidence, ["hunt_stalled"], None)
    if s.new_findings and s.persist_streak < streak:
        return Combined("persist", progress, "the last move added to what is checked", evidence, ["hunt_growing"], None)
    return Combined("switch", progress, "let the policy choose the next way to look", evidence, ["hunt_choose"], None)
