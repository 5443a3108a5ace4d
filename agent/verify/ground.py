"""Ground truth for a problem, for `polya check --solve`: solve countdown puzzles exhaustively, read
each reference answer, run code definitions. Raises ValueError when the problem itself is bad."""

from __future__ import annotations

from pydantic import BaseModel

from agent.problems.models import (
    AnswerProblem,
    ConjectureProblem,
    CountdownProblem,
    ProofProblem,
    SequenceProblem,
)


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
    raise ValueError(f"unknown problem type {type(problem).__name__}")
