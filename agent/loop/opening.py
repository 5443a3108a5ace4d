"""The first step(s) of a run: the family's workspace is started, then its opening moves run — the
obvious attempt checked by another method (a person tries the obvious first), and/or `understand`.
"""

from __future__ import annotations

from agent.loop.state import LastVerdict, RunState
from agent.loop.steps import Run, check_candidates, close_attack, open_attack, run_move
from agent.trace.events import Verdict
from strategies.family import Signals


async def opening(run: Run, st: RunState) -> None:
    st.workspace = run.family.start(run.problem)
    for name in run.family.opening(run.problem):
        if name == "obvious":
            if await obvious_first(run, st):
                return
            continue
        outcome, _ = await run_move(run, st, name, "-")
        if name == "understand":
            st.plans = outcome.plans


async def obvious_first(run: Run, st: RunState) -> bool:
    """One plain attempt, checked by another method, before any campaign. Its verdict is recorded
    like any other: accept (the run ends) or escalate to the moves. True if it ended the run."""
    attack = open_attack(run, st, "the obvious attempt: one plain pass, checked by another method",
                         "a person tries the obvious first")
    outcome, error = await run_move(run, st, "obvious", attack.id)
    attack.moves.append("obvious")
    run.last_signals = Signals(move="obvious", new_findings=st.last_new_findings, move_error=error)
    if st.notebook.unverified():
        check_candidates(run, st)      # a solve-time check (conjecture): may end the run here
    if st.status == "solved":
        return True
    accept = error is None and outcome.check in ("agrees", "consistent")
    candidate = st.notebook.candidates[-1].answer if st.notebook.candidates else None
    if accept and outcome.check == "consistent":     # a sequence rule that reproduces every given term
        decision, override, progress = "solved", "consistent_with_given_terms", 0.9
        reason = f"the first attempt {candidate} comes from a rule that reproduces every given term: accepted"
    elif accept:
        decision, override, progress = "solved", "self_check_agrees", 0.9
        reason = f"the first attempt {candidate} agrees with an independent program: accepted"
    else:
        decision, override, progress = "abandon", "escalate", 0.0
        reason = f"escalate to the moves: {error or outcome.check or 'no answer'}"
    if accept:
        st.answer = candidate
        st.end("answered", reason)
    st.last_verdict = LastVerdict(decision=decision, progress=progress, reason=reason)
    run.emit(Verdict(run_id="", step=st.step, attack_id=attack.id, move="obvious", decision=decision,
                     progress=progress, reason=reason, evidence=[outcome.summary or "-"],
                     model_decision=None, overrides=[override]))
    close_attack(run, st, attack, "succeeded" if accept else "abandoned", reason)
    return accept
