"""What happens in one step, as plain functions the graph's nodes call: run a move, check the
candidates it proposed, turn a verdict into the state's next move, open and close attacks. Each
records what it did as trace events; none decides which node runs next (the graph's edges do).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.errors import AnswerReserve, BackendError
from agent.loop.state import LastVerdict, RunState
from agent.trace.events import (
    AttackClose,
    AttackOpen,
    Findings,
    MoveEnd,
    MoveStart,
    ToolCall,
    Verdict,
    Verification,
)
from agent.verify import solve_time_check
from agent.workspace.claims import checked_findings
from strategies.base import MoveInput, MoveOutcome
from strategies.family import Combined, Family, Signals


@dataclass
class Run:
    """The live parts of one run that the nodes share (never serialised)."""

    ctx: Any                 # agent.loop.context.RunContext
    problem: Any
    policy: Any              # agent.loop.policies.Policy
    family: Family
    last_signals: Signals | None = field(default=None)

    def emit(self, event) -> None:
        self.ctx.emit(event)

    def move_input(self, st: RunState) -> MoveInput:
        attack = st.attack()
        return MoveInput(self.ctx, self.problem, st, attack.goal if attack else "", choice=st.next_choice,
                         family=self.family)


async def run_move(run: Run, st: RunState, name: str, attack_id: str) -> tuple[MoveOutcome, str | None]:
    """One recorded step: the family's implementation of `name`, its findings checked (a model's
    false arithmetic is recorded as refuted, never as a fact) and added to the notebook."""
    step = run.ctx.meter.begin_step()
    run.emit(MoveStart(run_id="", step=step, move=name, attack_id=attack_id))
    error = None
    try:
        outcome = await run.family.move_fn(name)(run.move_input(st))
    except BackendError as err:
        outcome, error = MoveOutcome(), f"{type(err).__name__}: {err}"
    except AnswerReserve as err:   # the move reached the tokens kept for the answer: not a failure
        outcome, error = MoveOutcome(summary=f"stopped: {err}"), None
    outcome.findings, refuted = checked_findings(outcome.findings)
    if refuted:
        run.emit(ToolCall(run_id="", step=step, tool="check_arithmetic", args={"move": name}, result="\n".join(refuted)))
    new = st.notebook.add(outcome.findings, step=step, move=name, attack_id=attack_id)
    st.last_move, st.last_new_findings = name, new
    st.consecutive_errors = st.consecutive_errors + 1 if error else 0
    run.emit(MoveEnd(run_id="", step=step, move=name, attack_id=attack_id, summary=outcome.summary,
                     findings=outcome.findings, new_findings=new, error=error, workspace=run.family.summary(st)))
    return outcome, error


def check_candidates(run: Run, st: RunState) -> None:
    """Hand every new candidate to the solve-time check. An exact verifier's "no" becomes a fact
    with its reason; a candidate whose check needs the hidden reference waits for the grading
    after the run, and nothing about it comes back into the run."""
    attack = st.attack()
    for cand in st.notebook.unverified():
        result = solve_time_check(run.problem, cand.answer)
        if result is None:
            cand.graded_later, cand.reason = True, "proposed; graded after the run"
            continue
        cand.ok, cand.verified, cand.reason = result.ok, result.verified, result.reason
        run.emit(Verification(run_id="", step=st.step, attack_id=attack.id, candidate=cand.answer,
                              ok=result.ok, verified=result.verified, reason=result.reason))
        if result.ok and result.verified:
            st.answer, st.verified = cand.answer, True
            st.end("solved", "the verifier accepted the answer")
            close_attack(run, st, attack, "succeeded", "verified answer")
            return
        if result.verified:
            st.notebook.add(Findings(facts=[f"Rejected answer {cand.answer}: {result.reason}"]),
                            step=st.step, move="verify", attack_id=attack.id)
            if run.last_signals is not None:
                run.last_signals.rejections.append(result.reason)


def open_attack(run: Run, st: RunState, goal: str, reason: str):
    attack = st.open_attack(goal)
    run.emit(AttackOpen(run_id="", step=st.step, attack_id=attack.id, goal=attack.goal, reason=reason))
    return attack


def close_attack(run: Run, st: RunState, attack, status: str, reason: str, *, record: bool = True) -> None:
    attack.status = status
    if record:
        run.emit(AttackClose(run_id="", step=st.step, attack_id=attack.id, status=status, reason=reason))


def record_verdict(run: Run, st: RunState, attack, verdict: Combined) -> None:
    """Apply a verdict: an answer the judge accepts (a kind with no solve-time check) or the run's
    own methods settled ends the run as answered; progress is kept on the attack."""
    signals, decision = run.last_signals, verdict.decision
    if (not run.problem.checkable_at_solve_time and st.notebook.candidates
            and st.notebook.candidates[-1].step == st.step and verdict.progress >= 0.9):
        decision = "solved"   # no solve-time check: the judge accepts; a reference grades it after the run
        st.answer, st.verified = st.notebook.candidates[-1].answer, False
        st.status, st.end_reason = "answered", "the judge accepted the answer"
    settled = run.family.settled(st) if decision == "solved" else None
    if settled is not None:      # settled by the run's own methods
        st.status, st.verified = "answered", False
        st.answer, st.end_reason = settled
    attack.progress.append(verdict.progress)
    run.policy.observe(signals.move, verdict.progress)
    st.last_verdict = LastVerdict(decision=decision, progress=verdict.progress, reason=verdict.reason)
    run.emit(Verdict(run_id="", step=st.step, attack_id=attack.id, move=signals.move, decision=decision,
                     progress=verdict.progress, reason=verdict.reason, evidence=verdict.evidence,
                     model_decision=verdict.model_decision, overrides=verdict.overrides))


def step_result_text(st: RunState) -> str:
    """What this step added, for the judge's prompt."""
    new = [e for sec in ("facts", "examples", "conjectures", "counterexamples")
           for e in _this_step(getattr(st.notebook, sec), st.step)]
    lines = [f"- {e.text}" for e in new[:10]]
    lines += [f"- answer {c.answer}: {'verified correct' if c.ok else c.reason}"
              for c in _this_step(st.notebook.candidates, st.step)]
    return "\n".join(lines) if lines else "(nothing new)"


def _this_step(entries: list, step: int) -> list:
    """The entries (or candidates) added at `step`: appended in step order, so read from the end."""
    out = []
    for e in reversed(entries):
        if e.step != step:
            break
        out.append(e)
    return out[::-1]
