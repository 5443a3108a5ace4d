"""Features for hunts and sequences experience: which move pays for which claim or sequence.

Every feature is something a person has at the moment of choosing, read without the answer:
- a claim about integers (hunts): what its statement and its own definition use (primes, powers,
  divisibility, digits, squares and representations, pseudoprimes), the domain's shape, the form
  it is written in; and the hunt so far (how far the check got, empty searches, steps);
- a sequence: its shown terms (how many, how fast they grow, sign changes, whether a difference
  row or the ratios are constant) and the ledger so far (a surviving rule, the model's rules tried).
A row for one move is the move's one-hot beside every context feature crossed with the move
(`m*x` is x when the move is m, else 0), so one logistic model can value each move differently in
each context, as the answers method model does (answer_features.py).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

from pydantic import BaseModel

# The moves a controller may choose on these families (strategies.base.solving_moves()).
MOVES = ("examples", "patterns", "counterexamples", "backwards", "reframe", "attempt")
STALL_GAIN = 0.02     # a step "extends the check" by this much hunt_progress (strategies/hunts/signals.py)

CLAIM_WORDS = {
    "uses_prime": "the claim is about primes",
    "uses_power": "the claim uses powers",
    "uses_divisibility": "the claim is about divisibility or remainders",
    "uses_digits": "the claim is about digits",
    "uses_squares": "the claim is about squares or sums (representations)",
    "uses_pseudoprime": "the claim is about pseudoprimes or Carmichael numbers",
    "domain_parity": "the domain is the even or the odd numbers",
    "domain_restricted": "the domain is not just n >= k",
    "conjecture_form": "the claim is written as a conjecture (find n with check(n) false)",
}
HUNT_WORDS = {
    "log_far": "how far the check got (log10 of the furthest n)",
    "scanned": "small n were checked one by one",
    "empty_searches": "search programs that came back empty",
    "failed_programs": "programs that gave no checkable output",
    "families": "families of candidates tried",
    "steps": "steps so far",
}
SEQUENCE_WORDS = {
    "terms": "number of terms shown",
    "log_size": "size of the largest term (log10)",
    "growth": "growth over the second half of the terms (log10)",
    "sign_changes": "sign changes among the terms",
    "zeros": "share of zero terms",
    "diff_regular": "a difference row is constant (a polynomial)",
    "ratio_regular": "the ratios are constant (geometric)",
    "rule_survives": "a rule in the ledger explains every given term",
    "guessers_tried": "the sequence guessers have already run",
    "model_rules": "rules the model proposed so far",
    "steps": "steps so far",
}


class HuntView(BaseModel):
    """What a hunt has checked so far: read from the live workspace or rebuilt from a trace."""

    scanned_to: int = -1
    reported: int = -1          # the furthest n a search program's CHECKED line reports
    empty_searches: int = 0
    failed_programs: int = 0
    families: int = 0
    failures: int = 0

    def far(self) -> int:
        return max(self.scanned_to, self.reported, 0)

    def progress(self) -> float:
        """hunt_progress's scale (strategies/hunts/signals.py): log10 of the furthest n, to 10^7."""
        return min(0.8, math.log10(self.far() + 1) / 7 * 0.8)


class SequenceView(BaseModel):
    """The sequence ledger so far: read from the live workspace or rebuilt from a trace."""

    survives: int = 0           # rules that explain every given term
    model_rules: int = 0
    guessers_tried: bool = False


def _has(text: str, *words: str) -> float:
    return float(any(w in text for w in words))


def _function(code: str, name: str) -> str:
    m = re.search(rf"^def {name}\(.*?(?=^def |\Z)", code, re.M | re.S)
    return m.group(0) if m else ""


def claim_features(problem: Any) -> dict[str, float]:
    """What the claim's statement and definition use; nothing from its answer or its tags."""
    statement = str(getattr(problem, "statement", "")).lower()
    code = f"{getattr(problem, 'definition', '')}\n{getattr(problem, 'check', '')}"
    rule = (_function(code, "holds") or _function(code, "check")).lower()
    domain = _function(code, "in_domain").lower()
    text = f"{statement}\n{rule}"
    return {
        "uses_prime": _has(text, "prime"),
        "uses_power": _has(text, "^", "**", "pow(", "power"),
        "uses_divisibility": _has(text, "divid", "divisib", " mod ", "%"),
        "uses_digits": _has(text, "digit", "str("),
        "uses_squares": _has(text, "square", "isqrt", "sqrt", "sum of", "sums of"),
        "uses_pseudoprime": _has(text, "pseudoprime", "carmichael", "psp"),
        "domain_parity": _has(domain + statement, "% 2", "even integer", "odd integer", "every even", "every odd"),
        "domain_restricted": float(bool(domain) and re.fullmatch(r"def in_domain\(n\):\s*return n >= -?\d+\s*",
                                                               domain.strip() + "\n") is None),
        "conjecture_form": float(getattr(problem, "kind", "") == "conjecture"),
    }


def hunt_context(claim: dict[str, float], view: HuntView, step: int) -> dict[str, float]:
    return {**claim, "log_far": math.log10(view.far() + 1), "scanned": float(view.scanned_to >= 0),
            "empty_searches": float(view.empty_searches), "failed_programs": float(view.failed_programs),
            "families": float(view.families), "steps": float(step)}


def _constant(row: list) -> bool:
    return len(row) >= 3 and all(v == row[0] for v in row)


def sequence_features(terms: list[int]) -> dict[str, float]:
    """What the shown terms look like, as a person sees them in the difference and ratio tables."""
    n = len(terms)
    size = [math.log10(abs(t) + 1) for t in terms]
    signs = [t > 0 for t in terms if t != 0]
    rows, row = [], list(terms)
    for _ in range(3):
        row = [b - a for a, b in zip(row, row[1:], strict=False)]
        rows.append(row)
    ratios = [Fraction(b, a) for a, b in zip(terms, terms[1:], strict=False) if a != 0]
    return {
        "terms": float(n),
        "log_size": max(size, default=0.0),
        "growth": (size[-1] - size[n // 2]) if n >= 2 else 0.0,
        "sign_changes": float(sum(a != b for a, b in zip(signs, signs[1:], strict=False))),
        "zeros": sum(t == 0 for t in terms) / max(1, n),
        "diff_regular": float(any(_constant(r) for r in rows)),
        "ratio_regular": float(len(ratios) == n - 1 and _constant(ratios)),
    }


def sequence_context(seq: dict[str, float], view: SequenceView, step: int) -> dict[str, float]:
    return {**seq, "rule_survives": float(view.survives > 0), "guessers_tried": float(view.guessers_tried),
            "model_rules": float(view.model_rules), "steps": float(step)}


def move_row(context: dict[str, float], move: str) -> dict[str, float]:
    """The features of running `move` in this context: its one-hot and the context crossed with it."""
    row = {m: float(m == move) for m in MOVES}
    for m in MOVES:
        for name, value in context.items():
            row[f"{m}*{name}"] = value if m == move else 0.0
    return row


def move_words(context_words: dict[str, str]) -> dict[str, str]:
    words = {m: f"the move is {m}" for m in MOVES}
    words.update({f"{m}*{k}": f"{m}, with {w}" for m in MOVES for k, w in context_words.items()})
    return words
