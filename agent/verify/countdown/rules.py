"""Countdown-family rule sets and exact arithmetic on ints and Fractions (never floats)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

Value = int | Fraction


@dataclass(frozen=True)
class RuleSet:
    name: str
    use_all: bool            # every number exactly once (else: any subset, each at most once)
    positive_integers: bool  # every intermediate must be a positive integer (else: any rational)
    count_unit_moves: bool   # solution-count convention: do moves "x * 1" and "x / 1" count?


RULES: dict[str, RuleSet] = {
    "digits": RuleSet("digits", use_all=False, positive_integers=True, count_unit_moves=False),
    "game24": RuleSet("game24", use_all=True, positive_integers=False, count_unit_moves=True),
    "countdown": RuleSet("countdown", use_all=True, positive_integers=False, count_unit_moves=True),
}

OP_SYMBOL = {"+": "+", "-": "-", "*": "*", "/": "/"}


def get_rules(rules: str | RuleSet) -> RuleSet:
    if isinstance(rules, RuleSet):
        return rules
    try:
        return RULES[rules]
    except KeyError:
        raise ValueError(f"unknown rule set {rules!r} (expected one of {', '.join(RULES)})") from None


def norm(v: Value) -> Value:
    """Fractions with denominator 1 become ints, so equal values hash and print alike."""
    if isinstance(v, Fraction) and v.denominator == 1:
        return v.numerator
    return v


def fmt(v: Value) -> str:
    v = norm(v)
    return str(v) if isinstance(v, int) else f"{v.numerator}/{v.denominator}"


def apply_op(a: Value, op: str, b: Value, rules: RuleSet) -> tuple[Value | None, str | None]:
    """The exact result of `a op b`, or (None, reason) when the rule set forbids the move."""
    if op == "+":
        c = a + b
    elif op == "-":
        c = a - b
    elif op == "*":
        c = a * b
    elif op == "/":
        if b == 0:
            return None, f"{fmt(a)} / {fmt(b)} divides by zero"
        c = Fraction(a) / Fraction(b)
    else:  # pragma: no cover - the parser only makes these four
        raise ValueError(f"unknown operator {op!r}")
    c = norm(c)
    if rules.positive_integers:
        if not isinstance(c, int):
            return None, (f"{fmt(a)} {op} {fmt(b)} = {fmt(c)} is not an integer "
                          f"({rules.name} rules need every intermediate to be a positive integer)")
        if c <= 0:
            return None, (f"{fmt(a)} {op} {fmt(b)} = {fmt(c)} is not positive "
                          f"({rules.name} rules need every intermediate to be a positive integer)")
    return c, None
