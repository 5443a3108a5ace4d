"""Ground truth for a problem, for `polya check --solve`: solve countdown puzzles exhaustively, read
each reference answer, run code definitions. Raises ValueError when the problem itself is bad."""

from __future__ import annotations

from pydantic import BaseModel

from agent.problems.models import (
    NO_COUNTEREXAMPLE,
    AnswerProblem,
    ConjectureProblem,
    CountdownProblem,
    CounterexampleProblem,
    ProofProblem,
    SequenceProblem,
)

NONE_SPOT_CHECK = 200   # a claim whose reference is "none" is run on n = 1..this (or `searched`)


class GroundTruth(BaseModel):
    problem_id: str
    solvable: bool | None = None   # None where "solvable" does not apply
    detail: str


def ground_truth(problem) -> GroundTruth:
    pid = problem.id
    if isinstance(problem, CountdownProblem):
        from agent.verify.countdown import solve

        res = solve(problem.numbers, problem.target, problem.rules)
        if not res.solvable:
            return GroundTruth(problem_id=pid, solvable=False, detail="no solution")
        return GroundTruth(problem_id=pid, solvable=True,
                           detail=f"{res.count} solutions; shortest ({res.moves} moves): {res.shortest}")
    if isinstance(problem, AnswerProblem):
        from agent.verify.answer import _gold

        parsed = _gold(problem.answer.strip())
        if not parsed:
            raise ValueError(f"the reference answer {problem.answer!r} cannot be read")
        return GroundTruth(problem_id=pid, detail=f"reference answer reads as {parsed[0]}")
    if isinstance(problem, SequenceProblem):
        from agent.verify.code import expected_terms

        want = expected_terms(problem)
        return GroundTruth(problem_id=pid, detail=f"next {len(want)} terms: {', '.join(map(str, want))}")
    if isinstance(problem, ConjectureProblem | ProofProblem):
        if problem.definition.strip():
            from agent.verify.code import run_definition

            res = run_definition(problem)
            if res.exit_code != 0:
                last = (res.stderr.strip().splitlines() or [res.killed_reason or "no output"])[-1]
                raise ValueError(f"its definition fails: {last}")
            first = (res.stdout.strip().splitlines() or [""])[0]
            return GroundTruth(problem_id=pid, detail=f"definition runs; first line: {first[:100]}")
        return GroundTruth(problem_id=pid, detail="no definition to run")
    if isinstance(problem, CounterexampleProblem):
        return _counterexample_truth(problem)
    raise ValueError(f"unknown problem type {type(problem).__name__}")


def _counterexample_truth(problem: CounterexampleProblem) -> GroundTruth:
    """The reference counterexample is confirmed by the claim's own definition; a "none" claim is
    run on the first integers, where it must hold (a cheap check, not the search behind `searched`)."""
    from agent.verify.hunt import check_counterexample, run_checks

    if problem.answer != NO_COUNTEREXAMPLE:
        res = check_counterexample(problem, int(problem.answer))
        if not res.ok:
            raise ValueError(f"the reference counterexample {problem.answer} is not one: {res.reason}")
        return GroundTruth(problem_id=problem.id, solvable=True,
                           detail=f"reference counterexample {problem.answer} confirmed by the definition")
    upto = min(problem.searched or NONE_SPOT_CHECK, NONE_SPOT_CHECK)
    rows, why = run_checks(problem, list(range(1, upto + 1)))
    if rows is None:
        raise ValueError(f"its definition fails: {why}")
    broken = [n for n, (in_domain, holds) in enumerate(rows, 1) if in_domain and not holds]
    if broken:
        raise ValueError(f"the reference says none, but the claim fails at n = {broken[0]}")
    checked = sum(1 for in_domain, _ in rows if in_domain)
    return GroundTruth(problem_id=problem.id, solvable=None,
                       detail=f"reference none (searched to {problem.searched}); holds at the {checked} "
                              f"n <= {upto} in the domain")
