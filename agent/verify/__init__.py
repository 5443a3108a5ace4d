"""`verify(problem, candidate)`: the verifier, not the model, decides whether a problem is solved.

Sync and pure except for `conjecture` (and `sequence` with a code definition), whose checks run in
the sandbox. A candidate that cannot be read is a rejection with a reason; only a bad *problem*
raises (ValueError).
"""

from __future__ import annotations

from agent.problems.models import (
    AnswerProblem,
    ConjectureProblem,
    CountdownProblem,
    CounterexampleProblem,
    ProofProblem,
    SequenceProblem,
)
from agent.verify.result import VerifyResult

__all__ = ["MAX_CANDIDATE_CHARS", "VerifyResult", "solve_time_check", "verify"]

MAX_CANDIDATE_CHARS = 200_000  # a model's whole output fits; anything longer is not an answer


def verify(problem, candidate: str) -> VerifyResult:
    if not isinstance(candidate, str):
        return VerifyResult.unreadable(f"the candidate must be text, got {type(candidate).__name__}")
    if len(candidate) > MAX_CANDIDATE_CHARS:
        return VerifyResult.unreadable(f"the candidate is {len(candidate)} characters long "
                                       f"(at most {MAX_CANDIDATE_CHARS})")
    if isinstance(problem, CountdownProblem):
        from agent.verify.countdown import ParseError, check_candidate

        try:
            ok, reason, normalized = check_candidate(problem.numbers, problem.target, problem.rules, candidate)
        except ParseError as err:
            return VerifyResult.unreadable(f"cannot read the candidate: {err}")
        return VerifyResult(ok=ok, reason=reason, normalized=normalized)
    if isinstance(problem, AnswerProblem):
        from agent.verify.answer import verify_answer  # math-verify + sympy: imported when first needed

        return verify_answer(problem, candidate)
    if isinstance(problem, SequenceProblem):
        from agent.verify.code import verify_sequence

        return verify_sequence(problem, candidate)
    if isinstance(problem, ConjectureProblem):
        from agent.verify.code import verify_conjecture

        return verify_conjecture(problem, candidate)
    if isinstance(problem, CounterexampleProblem):
        from agent.verify.hunt import verify_hunt

        return verify_hunt(problem, candidate)
    if isinstance(problem, ProofProblem):
        return VerifyResult(ok=False, verified=False, normalized=candidate.strip() or None,
                            reason=f"no exact verifier for {problem.kind} problems: the result stays unverified")
    raise ValueError(f"no verifier for {type(problem).__name__}")


def solve_time_check(problem, candidate: str) -> VerifyResult | None:
    """The check a run may use as often as it likes: the rules or the problem's own definition,
    never the hidden reference. None when the candidate can only be graded against the reference,
    once, after the run (an `answer`, held-back terms, "no counterexample")."""
    if isinstance(problem, CounterexampleProblem):
        from agent.verify.hunt import claims_none

        return None if claims_none(candidate) else verify(problem, candidate)
    return verify(problem, candidate) if problem.checkable_at_solve_time else None
