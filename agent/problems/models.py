"""Problem models, one pydantic class per kind, read through a discriminated union on `kind`.

Every kind owns its verifier (see `agent.verify`). The loop only relies on the common fields and
on `verify(problem, candidate)`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Budget(BaseModel):
    """Limits for one run. None means unlimited for that dimension."""

    model_config = ConfigDict(extra="forbid")

    steps: int | None = Field(default=None, ge=1)
    tokens: int | None = Field(default=None, ge=1)
    cost_usd: float | None = Field(default=None, ge=0)
    wall_s: float | None = Field(default=None, gt=0)


class ProblemBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    title: str = ""
    statement: str = ""
    source: str = ""
    tags: list[str] = Field(default_factory=list)
    budget: Budget | None = None

    @property
    def has_exact_verifier(self) -> bool:
        return True


class CountdownProblem(ProblemBase):
    """Reach `target` from `numbers` with + - * / under a named rule set (digits, game24, countdown)."""

    kind: Literal["countdown"] = "countdown"
    rules: Literal["digits", "game24", "countdown"]
    numbers: list[int] = Field(min_length=1, max_length=12)
    target: int


class AnswerProblem(ProblemBase):
    """A short final answer compared with `answer` by math equivalence."""

    kind: Literal["answer"] = "answer"
    answer: str
    choices: dict[str, str] | None = None  # multiple choice: letter -> value


class SequenceProblem(ProblemBase):
    """Predict the next terms of an integer sequence; `hidden` holds the true continuation."""

    kind: Literal["sequence"] = "sequence"
    terms: list[int] = Field(min_length=1)
    hidden: list[int] = Field(min_length=1)


class ConjectureProblem(ProblemBase):
    """A claim checked by running code: `definition` defines things, `check` is a Python predicate
    `check(candidate) -> bool | str` run on the candidate in a separate process."""

    kind: Literal["conjecture"] = "conjecture"
    definition: str = ""
    check: str


class ProofProblem(ProblemBase):
    """No exact verifier: the judge grades and results are marked unverified.

    `definition` may hold Python code that generates examples (e.g. a sequence from a prefix)."""

    kind: Literal["proof", "open"] = "proof"
    definition: str = ""

    @property
    def has_exact_verifier(self) -> bool:
        return False


Problem = Annotated[
    CountdownProblem | AnswerProblem | SequenceProblem | ConjectureProblem | ProofProblem,
    Field(discriminator="kind"),
]
