"""Exact tools for integer sequences: derived tables, sympy fits, and checking a rule against every
given term. Each computes the consequence of one choice (this table, this model form, this
formula); none searches beyond it.

A fit is a ledger entry: the rule, where it came from (a tool or the model), how many given terms
it explains, the first term it gets wrong (refuted) or none (survived), and the next terms it
predicts. Consistency with the given terms is a check a user has at solve time; the held-back
terms are the reference and are never used here.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Literal

import sympy
from pydantic import BaseModel, Field

MAX_DEGREE = 4
MAX_ORDER = 4
MIN_EXTRA_CHECKS = 2       # a fit must explain at least this many terms beyond those it was fitted on


class Fit(BaseModel):
    form: str                                   # "polynomial, degree 2", "linear recurrence, order 2", "formula"
    rule: str                                   # "a(n) = n**2 + 1" or "a(n) = a(n-1) + a(n-2)"
    source: str = "tool:fit"                    # tool:fit | model
    status: Literal["survived", "refuted"] = "survived"
    explains: int = 0                           # given terms it reproduces
    refuted_at: str = ""                        # "n=7: predicts 50, the term is 49"
    next_terms: list[int] = []
    # Set by the guessers (agent/workspace/guess.py); the defaults keep older ledgers readable.
    params: int = 0                             # free parameters fitted: the Occam cost
    checks: int = 0                             # given terms it reproduces beyond those it was fitted on
    transform: str = ""                         # "differences", "inverse Euler transform", ... ("" = the terms)

    def line(self) -> str:
        if self.status == "refuted":
            return f"{self.rule} ({self.form}, {self.source}) is refuted at {self.refuted_at}"
        return (f"{self.rule} ({self.form}, {self.source}) explains all {self.explains} given terms; "
                f"next: {', '.join(map(str, self.next_terms))}")


class SequenceWorkspace(BaseModel):
    """The sequences family's ledger: every rule tried (fits, the model's programs), with its status."""

    ledger: list[Fit] = Field(default_factory=list)

    def summary(self) -> dict:
        return {"rules": len(self.ledger), "survived": [f.line() for f in self.ledger if f.status == "survived"][:3]}


def difference_rows(terms: list[int], depth: int = 3) -> list[list[int]]:
    rows, row = [], list(terms)
    for _ in range(depth):
        row = [b - a for a, b in zip(row, row[1:], strict=False)]
        if not row:
            break
        rows.append(row)
    return rows


def ratio_row(terms: list[int]) -> list[str]:
    """Exact ratios of consecutive terms ('-' where a term is 0)."""
    out = []
    for a, b in zip(terms, terms[1:], strict=False):
        out.append("-" if a == 0 else str(Fraction(b, a)))
    return out


def tables(terms: list[int]) -> list[str]:
    """The derived tables a person writes out, as lines."""
    lines = [f"terms: {', '.join(map(str, terms))}"]
    for k, row in enumerate(difference_rows(terms), 1):
        lines.append(f"differences {k}: {', '.join(map(str, row[:12]))}")
    lines.append(f"ratios: {', '.join(ratio_row(terms)[:12])}")
    return lines


def fit_polynomial(terms: list[int], predict: int) -> Fit | None:
    """The lowest-degree polynomial in n (n = 1, 2, ...) through the first degree+1 terms that
    reproduces every given term, if one of degree <= MAX_DEGREE exists."""
    n = sympy.Symbol("n")
    for degree in range(0, min(MAX_DEGREE, len(terms) - 1 - MIN_EXTRA_CHECKS) + 1):
        points = list(zip(range(1, degree + 2), terms[:degree + 1], strict=False))
        poly = sympy.expand(sympy.interpolate(points, n))
        values = [poly.subs(n, i) for i in range(1, len(terms) + predict + 1)]
        if all(v == t for v, t in zip(values, terms, strict=False)) and all(v.is_integer for v in values):
            return Fit(form=f"polynomial, degree {degree}", rule=f"a(n) = {poly}", explains=len(terms),
                       next_terms=[int(v) for v in values[len(terms):]])
    return None


def fit_recurrence(terms: list[int], predict: int) -> Fit | None:
    """The lowest-order linear recurrence a(n) = c1 a(n-1) + ... + ck a(n-k) + c0 with rational
    coefficients, solved exactly from the first equations, that reproduces every given term."""
    for order in range(1, MAX_ORDER + 1):
        unknowns = order + 1                       # c1..ck and the constant
        equations = len(terms) - order
        if equations < unknowns + MIN_EXTRA_CHECKS:
            break
        rows = [[sympy.Integer(terms[i - j]) for j in range(1, order + 1)] + [sympy.Integer(1)]
                for i in range(order, order + unknowns)]
        rhs = [sympy.Integer(terms[i]) for i in range(order, order + unknowns)]
        matrix = sympy.Matrix(rows)
        if matrix.det() == 0:
            continue
        coeffs = list(matrix.LUsolve(sympy.Matrix(rhs)))
        seq = list(terms)
        ok = True
        for i in range(order, len(terms) + predict):
            value = sum(coeffs[j - 1] * seq[i - j] for j in range(1, order + 1)) + coeffs[-1]
            if i < len(terms):
                if value != terms[i]:
                    ok = False
                    break
            else:
                if not value.is_integer:
                    ok = False
                    break
                seq.append(int(value))
        if ok:
            parts = [f"{c}*a(n-{j})" for j, c in enumerate(coeffs[:-1], 1) if c != 0]
            if coeffs[-1] != 0:
                parts.append(str(coeffs[-1]))
            return Fit(form=f"linear recurrence, order {order}", rule="a(n) = " + (" + ".join(parts) or "0"),
                       explains=len(terms), next_terms=seq[len(terms):])
    return None


# What a closed form may contain: numbers, n, arithmetic, brackets and these functions. A model's
# text is checked against this before sympy reads it (sympify evaluates Python).
SAFE_FUNCTIONS = {"factorial", "binomial", "floor", "ceiling", "sqrt", "fibonacci", "prime", "Abs", "gcd", "lcm",
                  "mod", "Mod", "log", "exp"}
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_]\w*)|(\*\*|[-+*/^(),%!]))")


def safe_formula(expr: str) -> bool:
    pos, text = 0, expr.strip()
    if not text or len(text) > 200:
        return False
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            return False
        name = m.group(2)
        if name is not None and name != "n" and name not in SAFE_FUNCTIONS:
            return False
        pos = m.end()
    return True


def check_formula(expr: str, terms: list[int], predict: int, source: str = "model") -> Fit:
    """A closed form in n (sympy syntax) checked against every given term, n = 1, 2, ... An
    expression that cannot be read, or holds anything but arithmetic and a few named functions,
    is refuted with the reason, never trusted or evaluated."""
    n = sympy.Symbol("n")
    rule = f"a(n) = {expr.strip()}"
    if not safe_formula(expr):
        return Fit(form="formula", rule=rule, source=source, status="refuted",
                   refuted_at="not a closed form in n (only arithmetic and named functions are read)")
    try:
        f = sympy.sympify(expr.replace("^", "**"), locals={"n": n}, rational=True)
        values = [f.subs(n, i) for i in range(1, len(terms) + predict + 1)]
    except (sympy.SympifyError, TypeError, ValueError, SyntaxError, AttributeError) as err:
        return Fit(form="formula", rule=rule, source=source, status="refuted",
                   refuted_at=f"cannot be read ({type(err).__name__})")
    for i, (v, t) in enumerate(zip(values, terms, strict=False), 1):
        if v != t:
            return Fit(form="formula", rule=rule, source=source, status="refuted", explains=i - 1,
                       refuted_at=f"n={i}: gives {v}, the term is {t}")
    nxt = values[len(terms):]
    if not all(getattr(v, "is_integer", False) for v in nxt):
        return Fit(form="formula", rule=rule, source=source, status="refuted", explains=len(terms),
                   refuted_at="the next terms it gives are not integers")
    return Fit(form="formula", rule=rule, source=source, explains=len(terms), next_terms=[int(v) for v in nxt])


# A rule written as a program: the model defines a(n); the harness calls a(1) .. a(len + predict),
# then a(0) (the other usual offset; last, so an a(0) that never returns costs nothing else), and
# prints each value on its own marker line as it comes, so a slow rule that is stopped by its time
# limit still shows the terms it reached. The model's own prints are ignored.
TERMS_MARKER = "POLYA_TERM"
COPY_RUN = 8               # this many given terms in a row, written out in the code, is a lookup table


def program_suffix(count: int) -> str:
    return (f"\n\nfor _polya_n in list(range(1, {count + 1})) + [0]:\n"
            "    try:\n        _polya_v = int(a(_polya_n))\n"
            "    except Exception:\n        _polya_v = None\n"
            f"    print({TERMS_MARKER!r}, _polya_n, _polya_v, flush=True)\n")


def read_values(stdout: str) -> list[int | None]:
    """a(0), a(1), ... from the marker lines (None where a(n) failed or was never reached)."""
    got: dict[int, int | None] = {}
    for ln in stdout.splitlines():
        parts = ln.split()
        if len(parts) == 3 and parts[0] == TERMS_MARKER and parts[1].isdigit():
            got[int(parts[1])] = int(parts[2]) if parts[2].lstrip("-").isdigit() else None
    return [got.get(n) for n in range(max(got) + 1)] if got else []


def copies_terms(code: str, terms: list[int]) -> bool:
    """The code writes out COPY_RUN consecutive given terms, in order (a list, or an if/elif chain
    with the indices in between): a table of the answer, not a rule."""
    written = [int(x) for x in re.findall(r"-?\d+", code)]
    need = min(COPY_RUN, len(terms))
    for start in range(len(terms) - need + 1):
        it = iter(written)
        if all(any(w == t for w in it) for t in terms[start:start + need]):   # a subsequence of `written`
            return True
    return False


def check_program(stdout: str, failed: str, rule: str, terms: list[int], predict: int, copied: bool = False) -> Fit:
    """The values a(0), a(1), ... the harness read back, checked against every given term with the
    first term at n = 1 (or at n = 0, the other usual offset). `failed`: why the program did not run."""
    def refuted(why: str, explains: int = 0) -> Fit:
        return Fit(form="program", rule=rule, source="model", status="refuted", explains=explains, refuted_at=why)

    if copied:
        return refuted(f"every n: the code writes out {min(COPY_RUN, len(terms))} given terms in a row (a table, not a rule)")
    values = read_values(stdout)
    if not any(v is not None for v in values):
        return refuted(f"every n: {failed or 'a(n) gave no values'}")
    best = None
    for offset in (1, 0):
        got = values[offset:offset + len(terms)]
        agree = next((i for i, (v, t) in enumerate(zip(got, terms, strict=False)) if v != t), len(got))
        if agree == len(terms):
            nxt = values[offset + len(terms):offset + len(terms) + predict]
            if len(nxt) < predict or any(v is None for v in nxt):
                return refuted(f"n={offset + len(terms)}: a(n) fails past the given terms", len(terms))
            return Fit(form="program", rule=rule, source="model", explains=len(terms), next_terms=nxt)
        if best is None or agree > best[0]:
            best = (agree, offset, got)
    agree, offset, got = best
    n = agree + offset
    shown = "an error" if agree < len(got) and got[agree] is None else (got[agree] if agree < len(got) else "nothing")
    return refuted(f"n={n}: a({n}) gives {shown}, the term is {terms[agree]}", agree)
