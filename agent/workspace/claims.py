"""Check the arithmetic a model claims. A fact such as "2 + 3 + 7 + 20 = 33" is evaluated exactly
(Fractions, no floats); a false one is recorded as refuted, never as a fact. Only explicit
arithmetic is checked — numbers, + - * / × ÷ and brackets on the left of "=", a number on the
right — prose such as "the sum is 55" is left as the model's claim (source "model")."""

from __future__ import annotations

import re
from fractions import Fraction

from agent.verify.countdown.check import RuleBreak, evaluate
from agent.verify.countdown.parse import ParseError, normalize_text, parse_expression
from agent.verify.countdown.rules import get_rules

# One character class, not (?:[\d.]+|...)+: the nested form backtracks exponentially on a long run
# of digits with no "=" after it (a program's "9.65685424949238-8.828427124746192j" took a MATH run
# 25 minutes of CPU in this function). Same strings matched.
_CLAIM = re.compile(r"([-+*/×÷()\s\d.]+?)\s*=\s*(-?\d+(?:\.\d+)?(?:/\d+)?)(?![\d.]*\s*[-+*/×÷(])")
_HAS_OP = re.compile(r"\d\s*\)*\s*[-+*/×÷]\s*\(*\s*\d")


def _value(expr: str) -> Fraction:
    """Exact value of plain arithmetic, read by the countdown parser (rational rules: any result)."""
    return Fraction(evaluate(parse_expression(normalize_text(expr)), get_rules("countdown"), []))


def false_claims(text: str) -> list[str]:
    """Each explicit arithmetic claim in `text` that exact arithmetic refutes, said plainly:
    "2 + 3 + 7 = 11 is false: 2 + 3 + 7 = 12"."""
    out = []
    for m in _CLAIM.finditer(text):
        left, right = m.group(1).strip(), m.group(2)
        if not _HAS_OP.search(left):
            continue
        try:
            got, claimed = _value(left), Fraction(right)
        except (ParseError, RuleBreak, ValueError, ZeroDivisionError):
            continue        # not plain arithmetic (a leading sign, a division by zero): not checked
        if got != claimed:
            shown = str(got.numerator) if got.denominator == 1 else f"{got.numerator}/{got.denominator}"
            out.append(f"{left} = {right} is false: {left} = {shown}")
    return out


def checked_findings(findings):
    """The findings with every model entry whose arithmetic is false moved to counterexamples
    ("refuted by exact arithmetic: ..."), and the refutations. Entries computed by a tool or a
    program are left as they are."""
    if findings.source != "model":
        return findings, []
    refuted: list[str] = []
    kept = {}
    for section in ("facts", "examples", "conjectures"):
        keep = []
        for entry in getattr(findings, section):
            wrong = false_claims(entry)
            if wrong:
                refuted.append(f"Refuted by exact arithmetic: {'; '.join(wrong)} (claimed: {entry[:160]})")
            else:
                keep.append(entry)
        kept[section] = keep
    if not refuted:
        return findings, []
    return findings.model_copy(update=kept | {"counterexamples": findings.counterexamples + refuted}), refuted
