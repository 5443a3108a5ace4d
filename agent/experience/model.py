"""The experience file: what `polya learn` wrote, as readable, versioned JSON (never a pickle).

One file holds, per rule set, two logistic models over named features (agent/experience/
features.py): `node` (the chance a node's goal can still be made: the judge's value) and `step`
(the same chance for the node a listed step makes: the policy's value of the step). Each model is
its feature names, the mean and scale it standardised them with, one coefficient each and an
intercept, so a person can read what it relies on and a run evaluates it with no library at all.
The file names the suites and problem ids it learned from, so a run can refuse to be measured on
them (`check_unseen`). Format and an example: docs/experience.md.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from agent.errors import InputError

FORMAT = "polya-experience"
VERSION = 3
# version 2 added the optional `answers` section, version 3 the optional `hunts` and `sequences`
# sections; files of the earlier versions still load (with no such experience)
READS = (1, 2, 3)
PACKAGED = "experience.json"   # agent/experience/experience.json, learned from the dev learning parts


class LinearModel(BaseModel):
    """P(label) = 1 / (1 + exp(-(intercept + sum coef_i * (x_i - mean_i) / scale_i)))."""

    kind: Literal["logistic"] = "logistic"
    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float

    @model_validator(mode="after")
    def _same_length(self) -> LinearModel:
        if not len(self.features) == len(self.mean) == len(self.scale) == len(self.coef):
            raise ValueError("features, mean, scale and coef must have one entry per feature")
        if any(s <= 0 for s in self.scale):
            raise ValueError("every scale must be positive")
        return self

    def strongest(self, words: dict[str, str], top: int) -> list[str]:
        """The `top` weights largest in size, strongest first, in words (`polya learn` prints them): a
        coefficient is the change in log-odds per standard deviation of its feature."""
        ranked = sorted(zip(self.coef, self.features, strict=True), key=lambda cf: -abs(cf[0]))[:top]
        return [f"    {'+' if c > 0 else '-'}{abs(c):.2f}  {words.get(f, f)}" for c, f in ranked]

    def predict(self, x: dict[str, float]) -> float:
        z = self.intercept
        for name, m, s, c in zip(self.features, self.mean, self.scale, self.coef, strict=True):
            z += c * (x.get(name, 0.0) - m) / s
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


class RuleModels(BaseModel):
    node: LinearModel
    step: LinearModel
    looks_dead: float = Field(ge=0.0, le=1.0)   # the judge abandons a node whose value is below this
    samples: dict[str, int] = Field(default_factory=dict)       # rows learned from, per model
    checks: dict[str, float] = Field(default_factory=dict)      # AUC on problems held apart while learning


class LearnedFrom(BaseModel):
    suites: list[str]
    problems: list[str]
    traces: int
    labels: str             # "solver" or "runs" (agent/experience/data.py)
    policies: list[str] = Field(default_factory=list)


class AnswerModels(BaseModel):
    """Answers experience (GSM8K, MATH): `lead` is the chance that the leading answer is right given
    how it was reached; `method` the chance that a method run next reaches a right answer
    independently. A learned run stops once `lead` reaches `stop` (or two independent methods agree),
    and asks the model which method only when the two best methods' values are within `ask_within`."""

    lead: LinearModel
    method: LinearModel
    stop: float = Field(ge=0.0, le=1.0)
    ask_within: float = Field(default=0.0, ge=0.0, le=1.0)
    learned_from: LearnedFrom
    samples: dict[str, int] = Field(default_factory=dict)
    checks: dict[str, float] = Field(default_factory=dict)


class MoveModels(BaseModel):
    """Hunts or sequences experience (version 3): `value` is the chance that a move pays, given the
    claim's or the sequence's features and what the run has so far (move_features.py). `unlikely`
    is the value below which the judge says that no move is likely to pay (at most 2% of the moves
    that paid, held apart while learning, were valued below it). `learned_from.problems` names
    every problem learned from, both forms of a claim."""

    value: LinearModel
    moves: list[str]
    unlikely: float = Field(default=0.0, ge=0.0, le=1.0)
    learned_from: LearnedFrom
    samples: dict[str, int] = Field(default_factory=dict)
    checks: dict[str, float] = Field(default_factory=dict)


FAMILIES = ("countdown", "answers", "hunts", "sequences")


class Experience(BaseModel):
    format: Literal["polya-experience"] = FORMAT
    version: Literal[1, 2, 3] = VERSION
    family: str = "countdown"      # the families it holds, joined by "+": "countdown+answers+hunts"
    learned_from: LearnedFrom              # the countdown models' (and the whole file's, see problems_seen)
    models: dict[str, RuleModels] = Field(default_factory=dict)     # countdown: rule set name -> its models
    answers: AnswerModels | None = None    # version 2: answer problems
    hunts: MoveModels | None = None        # version 3: claims about integers, in either form
    sequences: MoveModels | None = None    # version 3: integer sequences
    notes: str = ""

    @model_validator(mode="after")
    def _known_families(self) -> Experience:
        unknown = [f for f in self.family.split("+") if f and f not in FAMILIES]
        if unknown:
            raise ValueError(f"unknown family {unknown[0]!r} (known: {', '.join(FAMILIES)})")
        return self

    def sections(self) -> dict[str, AnswerModels | MoveModels]:
        """The optional sections present, by family name."""
        return {name: m for name in ("answers", "hunts", "sequences") if (m := getattr(self, name)) is not None}

    def problems_seen(self) -> set[str]:
        seen = set(self.learned_from.problems)
        for section in self.sections().values():
            seen |= set(section.learned_from.problems)
        return seen

    def for_rules(self, rules: str) -> RuleModels:
        if rules in self.models:
            return self.models[rules]
        # Game of 24 and Countdown share their rules (use all, any rational): one may stand in for the other.
        twin = {"game24": "countdown", "countdown": "game24"}.get(rules)
        if twin in self.models:
            return self.models[twin]
        raise InputError(f"the experience file has no model for {rules} rules (it has {', '.join(self.models)})")

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.model_dump(mode="json"), indent=1) + "\n", encoding="utf-8")

    def check_unseen(self, problem_ids: list[str]) -> None:
        """Refuse to be evaluated on a problem it learned from."""
        seen = self.problems_seen()
        hit = [p for p in dict.fromkeys(problem_ids) if p in seen]   # a bench names a problem once per policy
        if hit:
            more = f" and {len(hit) - 1} more" if len(hit) > 1 else ""
            raise InputError(f"the experience file learned from {hit[0]}{more}: evaluate it on problems it has "
                             "not seen (docs/experience.md, the split)")


def load_experience(path: str | Path | None = None) -> Experience:
    """The file at `path`, or the one shipped in the package when None."""
    if path is None:
        return _packaged()
    if not Path(path).is_file():
        return _read(None, str(path))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not JSON text (a pickle or another binary file?)", where=str(path)) from None
    return _read(text, str(path))


@cache
def _packaged() -> Experience:
    text = resources.files("agent.experience").joinpath(PACKAGED).read_text(encoding="utf-8")
    return _read(text, f"agent/experience/{PACKAGED}")


def _read(text: str | None, where: str) -> Experience:
    if text is None:
        raise InputError("no such experience file", where=where)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"not JSON ({err.msg} at line {err.lineno})", where=where) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(f"not an experience file (no \"format\": \"{FORMAT}\")", where=where)
    if doc.get("version") not in READS:
        raise InputError(f"experience file version {doc.get('version')!r}; this Polya reads "
                         f"{', '.join(map(str, READS))}", where=where)
    try:
        return Experience.model_validate(doc)
    except ValidationError as err:
        first = err.errors()[0]
        raise InputError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}", where=where) from None
