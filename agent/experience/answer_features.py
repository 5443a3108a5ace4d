"""Features of an answer problem's workspace (agent/workspace/answers.py) for answers experience:
how the leading answer was reached, and what the next method could add.

The leading answer is the one the run would give if it ended now (`AnswerWorkspace.best`). Every
feature is read from the workspace and the problem's statement and tags; none from a reference.
"""

from __future__ import annotations

import re

from agent.verify.answer import answers_agree
from agent.workspace.answers import AnswerGroup, AnswerWorkspace

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
INTEGER = re.compile(r"-?\d+(?:\.0+)?")
FRACTION = re.compile(r"-?\d+(?:\.\d+)?(?:\s*/\s*\d+)?|-?\\[dt]?frac\{\d+\}\{\d+\}")

# The methods a learned policy chooses among (strategies/answers/moves.py, METHODS).
METHODS = ("attempt", "reframe", "backwards", "patterns", "examples", "counterexamples")

LEAD_WORDS = {
    "lead_methods": "methods (reasoning, program) that reached the leading answer independently",
    "lead_votes": "independent answers that agree with the leading answer",
    "lead_shown": "answers for the leading one from moves shown it",
    "rival_votes": "independent answers for the strongest other answer",
    "distinct_answers": "distinct answers so far",
    "failures": "moves that gave no answer",
    "lead_share": "share of all answers behind the leading one",
    "lead_first": "the leading answer is the first attempt's",
    "lead_first_check": "the first self-check program printed the leading answer",
    "check_echoed": "the first self-check only printed a number given in the problem",
    "lead_given": "the leading answer is a number given in the problem",
    "settled": "two independent methods agree (today's hand-set rule)",
    "type_integer": "the leading answer is an integer",
    "type_fraction": "the leading answer is a fraction or decimal",
    "type_expression": "the leading answer is an expression (not a plain number)",
    "gsm8k": "a GSM8K word problem (else MATH)",
    "level": "the MATH level (0 for GSM8K)",
    "steps": "steps taken so far",
}
METHOD_WORDS = {m: f"the next method is {m}" for m in METHODS}
METHOD_WORDS.update({f"{m}*gsm8k": f"{m} on a GSM8K word problem" for m in METHODS})
METHOD_WORDS.update({f"{m}*lead_program_only": f"{m} when only programs reached the leading answer" for m in METHODS})
METHOD_WORDS.update({f"{m}*lead_reasoning_only": f"{m} when only reasoning reached the leading answer"
                     for m in METHODS})
METHOD_WORDS.update({f"{m}*expression": f"{m} when the leading answer is an expression" for m in METHODS})


def is_given(printed: str, statement: str) -> bool:
    """Whether a printed answer is a number, and one written in the statement (4.0 is the 4 given).
    Only a bare number counts: a sentence ending in a given is not an echo of it."""
    return NUMBER.fullmatch(printed.strip()) is not None and any(
        answers_agree(printed, n) for n in set(NUMBER.findall(statement.replace(",", ""))))


def answer_type(answer: str) -> str:
    text = answer.strip().replace(",", "").strip("$ ")
    if INTEGER.fullmatch(text):
        return "integer"
    if FRACTION.fullmatch(text):
        return "fraction"
    return "expression"


def _level(tags: list[str]) -> float:
    return next((float(t.split("-", 1)[1]) for t in tags if t.startswith("level-") and t[6:].isdigit()), 0.0)


def _lead(ws: AnswerWorkspace) -> AnswerGroup | None:
    best = ws.best()
    return next((g for g in ws.groups() if g.answer == best), None)


def lead_features(ws: AnswerWorkspace, step: int) -> dict[str, float]:
    """The features of the leading answer (the one `best()` would give now); {} when there is none."""
    lead = _lead(ws)
    if lead is None:
        return {}
    groups, statement, tags = ws.groups(), ws.statement, ws.tags
    votes = lead.independent()
    first = ws.entries[0] if ws.entries and ws.entries[0].move == "obvious" else None
    check = next((e for e in ws.entries if e.move == "obvious" and e.method == "program"), None)
    kind = answer_type(lead.answer)
    return {
        "lead_methods": float(len({e.method for e in votes})),
        "lead_votes": float(len(votes)),
        "lead_shown": float(len(lead.entries) - len(votes)),
        "rival_votes": float(max((len(g.independent()) for g in groups if g is not lead), default=0)),
        "distinct_answers": float(len(groups)),
        "failures": float(len(ws.failures)),
        "lead_share": len(lead.entries) / max(1, len(ws.entries)),
        "lead_first": float(first is not None and first in lead.entries),
        "lead_first_check": float(check is not None and check in lead.entries),
        "check_echoed": float(check is not None and first is not None and check.answer != first.answer
                              and not answers_agree(check.answer, first.answer) and is_given(check.answer, statement)),
        "lead_given": float(is_given(lead.answer, statement)),
        "settled": float(ws.agreed() is not None),
        "type_integer": float(kind == "integer"),
        "type_fraction": float(kind == "fraction"),
        "type_expression": float(kind == "expression"),
        "gsm8k": float("gsm8k" in tags),
        "level": _level(tags),
        "steps": float(step),
    }


def method_features(ws: AnswerWorkspace, method: str) -> dict[str, float]:
    """The features of running `method` next from this workspace: the method, and the method beside
    what the leading answer lacks (a program's, a reasoned one) and the kind of problem."""
    lead = _lead(ws)
    methods = {e.method for e in lead.independent()} if lead is not None else set()
    context = {"gsm8k": float("gsm8k" in ws.tags), "lead_program_only": float(methods == {"program"}),
               "lead_reasoning_only": float(methods == {"reasoning"}),
               "expression": float(lead is not None and answer_type(lead.answer) == "expression")}
    row = {m: float(m == method) for m in METHODS}
    for m in METHODS:
        for name, value in context.items():
            row[f"{m}*{name}"] = value if m == method else 0.0
    return row
