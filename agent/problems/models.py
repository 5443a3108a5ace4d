"""Problem models, one pydantic class per kind, read through a discriminated union on `kind`.

Every kind owns its verifier (see `agent.verify`). The loop only relies on the common fields, on
`describe()` (the full text a model should see) and on `verify(problem, candidate)`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

RuleSetName = Literal["digits", "game24", "countdown"]

# Plain-words rules for each countdown rule set, shown to the model by `describe()`.
RULES_TEXT: dict[str, str] = {
    "digits": (
        "Rules (NYT Digits): use any subset of the numbers, each at most once; combine them with "
        "+, -, × and ÷; every intermediate result must be a positive integer (no fractions, no zero, "
        "no negative numbers)."
    ),
    "game24": (
        "Rules (Game of 24): use all of the numbers, each exactly once; combine them with +, -, × and ÷; "
        "fractions and negative numbers are allowed along the way."
    ),
    "countdown": (
        "Rules (Countdown): use all of the numbers, each exactly once; combine them with +, -, × and ÷; "
        "fractions and negative numbers are allowed along the way."
    ),
}

FINAL_ANSWER_ONLY = "Give the final answer only (for example: Answer: 42)."


def _number_as_text(value):
    """`answer: 45` unquoted is a YAML number: read it as the text "45" (true/false stay errors)."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


# A reference answer or a choice: text, or a number written without quotes.
AnswerText = Annotated[str, BeforeValidator(_number_as_text), Field(min_length=1)]


class Budget(BaseModel):
    """Limits for one run. None means unlimited for that dimension."""

    model_config = ConfigDict(extra="forbid")

    steps: int | None = Field(default=None, ge=1)
    tokens: int | None = Field(default=None, ge=1)
    cost_usd: float | None = Field(default=None, ge=0)
    wall_s: float | None = Field(default=None, gt=0)


class ProblemBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    title: str = ""
    statement: str = ""
    source: str = ""
    tags: list[str] = Field(default_factory=list)
    budget: Budget | None = None

    @property
    def has_exact_verifier(self) -> bool:
        return True

    @property
    def checkable_at_solve_time(self) -> bool:
        """Whether a candidate can be checked during a run with only what a user has: the rules and
        the problem's own definitions (countdown rules, a conjecture's check). Otherwise checking
        needs the hidden reference (an answer, held-back terms): that grades the final answer once,
        after the run, and never reaches a prompt, a fact or a verdict."""
        return False

    def describe(self) -> str:  # pragma: no cover - every kind overrides it
        return self.statement


class CountdownProblem(ProblemBase):
    """Reach `target` from `numbers` with + - * / under a named rule set (digits, game24, countdown)."""

    kind: Literal["countdown"] = "countdown"
    rules: RuleSetName
    numbers: list[int] = Field(min_length=1, max_length=12)
    target: int

    @property
    def checkable_at_solve_time(self) -> bool:
        return True     # the rules are the check: no reference answer involved

    @model_validator(mode="after")
    def _check_rules(self) -> CountdownProblem:
        if self.rules == "digits":
            if any(n <= 0 for n in self.numbers):
                raise ValueError("digits rules need positive numbers")
            if self.target <= 0:
                raise ValueError("digits rules need a positive target")
        if self.rules in ("game24", "countdown") and len(self.numbers) < 2:
            raise ValueError(f"{self.rules} rules need at least two numbers")
        return self

    def describe(self) -> str:
        nums = ", ".join(str(n) for n in self.numbers)
        task = self.statement.strip() or f"Reach the target {self.target} using the numbers {nums}."
        return "\n".join([
            task,
            f"Numbers: {nums}. Target: {self.target}.",
            RULES_TEXT[self.rules],
            "Answer format: give one arithmetic expression that equals the target, for example "
            "(a + b) * c - d, or the steps one per line as 'a op b = c'.",
        ])


class AnswerProblem(ProblemBase):
    """A short final answer compared with `answer` by math equivalence."""

    kind: Literal["answer"] = "answer"
    answer: AnswerText
    choices: dict[str, AnswerText] | None = None  # multiple choice: letter -> value

    def describe(self) -> str:
        parts = [self.statement.strip() or self.title]
        if self.choices:
            parts.append("Choices:\n" + "\n".join(f"({k}) {v}" for k, v in self.choices.items()))
            parts.append("Answer format: give the letter of the correct choice only (for example: Answer: B).")
        else:
            parts.append("Answer format: " + FINAL_ANSWER_ONLY + " Exact values (fractions, radicals, π) "
                         "are preferred to decimals.")
        return "\n\n".join(parts)


class SequenceProblem(ProblemBase):
    """Predict the next terms of an integer sequence.

    The true continuation is `hidden`, or, when `hidden` is omitted, is computed by running
    `definition` (Python code defining `a(n)` for n = 1, 2, ...) in the sandbox."""

    kind: Literal["sequence"] = "sequence"
    terms: list[int] = Field(min_length=1)
    hidden: list[int] | None = Field(default=None, min_length=1)
    definition: str = ""
    predict: int | None = Field(default=None, ge=1, le=100)  # how many next terms to ask for

    @model_validator(mode="after")
    def _check_source(self) -> SequenceProblem:
        if self.hidden is None and not self.definition.strip():
            raise ValueError("a sequence problem needs `hidden` (the next terms) or `definition` (code for a(n))")
        if self.hidden is not None and self.predict is not None and self.predict > len(self.hidden):
            raise ValueError(f"predict={self.predict} but only {len(self.hidden)} hidden terms are given")
        return self

    @property
    def n_predict(self) -> int:
        if self.predict is not None:
            return self.predict
        return len(self.hidden) if self.hidden else 5

    def describe(self) -> str:
        shown = ", ".join(str(t) for t in self.terms)
        task = self.statement.strip() or "Find the rule behind this integer sequence and continue it."
        return (f"{task}\n\nTerms: {shown}\n\nAnswer format: give the next {self.n_predict} terms, "
                "comma-separated (for example: Answer: 1, 2, 3).")


CANDIDATE_FORMS = ("text", "integer")
# Names the hunt gives a conjecture's check (agent.verify.hunt.claim_code); a problem defining them
# itself would be shadowed, and its check would call the hunt's own holds() back.
HUNT_NAMES = ("in_domain", "holds", "candidates")


class ConjectureProblem(ProblemBase):
    """A claim checked by running code: `definition` defines things, `check` is a Python predicate
    `check(candidate) -> bool | str` run on the candidate in a separate process.

    `candidate: integer` says the check decides single integers (a counterexample to a claim about
    integers): the hunts family takes the problem and checks each n it tries with `check(str(n))`,
    as it checks `holds(n)` of a `counterexample` problem. `text` (the default): anything else."""

    kind: Literal["conjecture"] = "conjecture"
    definition: str = ""
    check: str = Field(min_length=1)
    candidate: str = "text"
    answer_format: str = "Give the final answer only."
    timeout_s: float = Field(default=10.0, gt=0, le=600)

    @field_validator("candidate", mode="before")
    @classmethod
    def _candidate_form(cls, value):
        if value not in CANDIDATE_FORMS:
            raise ValueError(f"write 'integer' (check(candidate) decides one integer: the loop hunts for it "
                             f"n by n) or 'text' (any other answer), not {value!r}")
        return value

    @model_validator(mode="after")
    def _free_hunt_names(self) -> ConjectureProblem:
        if self.candidate == "integer":
            for name in HUNT_NAMES:
                if re.search(rf"^\s*def {name}\(", f"{self.definition}\n{self.check}", re.M):
                    raise ValueError(f"with candidate: integer, {name}() is the hunt's own name: rename "
                                     f"your {name}() (for example to claim_{name})")
        return self

    @property
    def hunted(self) -> bool:
        """Whether the check decides single integers: a claim hunted n by n."""
        return self.candidate == "integer"

    @property
    def checkable_at_solve_time(self) -> bool:
        return True     # the statement's own predicate checks a claimed counterexample

    def describe(self) -> str:
        task = self.statement.strip() or self.title
        text = f"{task}\n\nAnswer format: {self.answer_format}"
        if self.hunted:
            # what the hunt's programs may call (agent.verify.hunt.claim_code); the check's code is not shown
            text += ("\n\nIn your programs, holds(n) runs the problem's own check on the integer n: it is False "
                     "exactly when n is an answer the check accepts (in_domain(n) is True for every n).")
        return text


NO_COUNTEREXAMPLE = "none"
_HUNT_TASK = ("Task: find an integer n with in_domain(n) true and holds(n) false (a counterexample), "
              "or conclude that there is none.\n"
              # no example number: a model copies it, and for many claims any number breaks them
              "Answer format: 'Answer: <n>' with the counterexample n alone, or, if you found none, "
              f"'Answer: {NO_COUNTEREXAMPLE}' and the range you searched.")


class CounterexampleProblem(ProblemBase):
    """A claim "for every integer n in the domain, holds(n)": find an n where it fails, or conclude
    there is none. `definition` defines `in_domain(n)` and `holds(n)`; it is part of the problem: a
    program may run it (the hunt prepends it to every search), a baseline's prompt shows it. A
    claimed counterexample is checked at solve time by running the definition (no reference
    involved). "none" can only be graded against the hidden `answer` (the smallest counterexample,
    or "none" when `holds` was checked for every n up to `searched`), once, after the run."""

    kind: Literal["counterexample"] = "counterexample"
    definition: str = Field(min_length=1)
    answer: AnswerText
    searched: int | None = Field(default=None, ge=1)   # with answer none: checked for every n up to this
    timeout_s: float = Field(default=10.0, gt=0, le=600)

    @model_validator(mode="after")
    def _check_answer(self) -> CounterexampleProblem:
        if "def in_domain" not in self.definition or "def holds" not in self.definition:
            raise ValueError("the definition must define in_domain(n) and holds(n)")
        if self.answer != NO_COUNTEREXAMPLE and not self.answer.lstrip("-").isdigit():
            raise ValueError(f"field 'answer': write the smallest counterexample (an integer such as 5777) "
                             f"or {NO_COUNTEREXAMPLE!r}, not {self.answer!r}")
        if self.answer == NO_COUNTEREXAMPLE and self.searched is None:
            raise ValueError("with answer 'none', give `searched: N`: the claim holds for every n in the "
                             "domain up to N")
        return self

    @property
    def checkable_at_solve_time(self) -> bool:
        return True     # a claimed counterexample is checked by the statement's own definition

    def describe_for_programs(self) -> str:
        """The claim in words, for prompts whose programs get the definition prepended (the hunt's
        searches): shown the code, the 1.5B model copied it into its search, redefined the harness's
        names around it and called nothing."""
        claim = self.statement.strip() or self.title
        return (f"{claim}\n\n{_HUNT_TASK}\n\n"
                "In your programs, in_domain(n) and holds(n) run the problem's own definition of the claim.")

    def describe(self) -> str:
        claim = self.statement.strip() or self.title
        return (f"{claim}\n\nThe claim, as Python (part of the problem; you may run it):\n"
                f"```python\n{self.definition.strip()}\n```\n{_HUNT_TASK}")


class ProofProblem(ProblemBase):
    """No exact verifier: the judge grades and results are marked unverified.

    `definition` may hold Python code that generates examples (e.g. a sequence from a prefix); run
    it with `agent.verify.code.run_definition`."""

    kind: Literal["proof", "open"] = "proof"
    definition: str = ""

    @property
    def has_exact_verifier(self) -> bool:
        return False

    def describe(self) -> str:
        task = self.statement.strip() or self.title
        what = "a complete proof" if self.kind == "proof" else "your best answer with its justification"
        text = f"{task}\n\nAnswer format: give {what}; there is no automatic checker, the argument is graded."
        if self.definition.strip():
            text += ("\n\nA Python definition that generates examples comes with the problem:\n"
                     f"```python\n{self.definition.strip()}\n```")
        return text


Problem = Annotated[
    CountdownProblem | AnswerProblem | SequenceProblem | ConjectureProblem | CounterexampleProblem | ProofProblem,
    Field(discriminator="kind"),
]

KINDS = ("countdown", "answer", "sequence", "conjecture", "counterexample", "proof", "open")
KIND_MODELS: dict[str, type[ProblemBase]] = {
    "countdown": CountdownProblem, "answer": AnswerProblem, "sequence": SequenceProblem,
    "conjecture": ConjectureProblem, "counterexample": CounterexampleProblem, "proof": ProofProblem,
    "open": ProofProblem,
}
