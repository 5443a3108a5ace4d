"""Problems: the kinds (pydantic models), problem files and suites, and the data readers behind suites."""

from agent.problems.loader import Suite, iter_problem_files, load_problem, load_problems, load_suite
from agent.problems.models import (
    AnswerProblem,
    Budget,
    ConjectureProblem,
    CountdownProblem,
    CounterexampleProblem,
    Problem,
    ProofProblem,
    SequenceProblem,
)

__all__ = [
    "AnswerProblem", "Budget", "ConjectureProblem", "CountdownProblem", "CounterexampleProblem", "Problem", "ProofProblem",
    "SequenceProblem", "Suite", "iter_problem_files", "load_problem", "load_problems", "load_suite",
]
