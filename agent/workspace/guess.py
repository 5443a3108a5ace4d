"""Sequence guessers: exact rules fitted to the shown terms of an integer sequence, each checked on
every shown term before it is trusted, ranked by simplicity (Occam), and each saying what it tried.

A guesser proposes a `Rule`: the values it gives from the first shown term on, computed from the
rule alone (a polynomial from its first values, a recurrence from its initial conditions). One
check, `trusted`, compares them with every shown term and keeps the rule only if it reproduces all of
them and at least MIN_CHECKS of them beyond the `params` numbers it was fitted on. The guessers:

- polynomial in n (constant k-th differences), degree <= 6;
- rational generating function (linear recurrence with constant coefficients, any pre-period),
  via sympy's `find_simple_recurrence_vector` (the denominator of `guess_generating_function_rational`);
- P-recursive: sum_i P_i(n) a(n-i) = 0 with polynomial coefficients (order <= 3, degree <= 3), the
  one-dimensional nullspace of the exact linear system;
- eventually periodic (pre-period, period);
- sympy's `guess` (products of rational functions: factorials, binomials, Catalan-like);
- a(n) against arithmetic functions of n (agent/workspace/guess_arith.py: divisor functions,
  totient, digit sums, the n-th prime, ...);

run on the terms and on their transforms (agent/workspace/guess_transforms.py: differences,
partial sums, binomial and Euler transforms both ways, integer ratios) and on the residue classes
mod 2 and 3 separately. Pure functions: no model, no loop. Only the shown terms are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import comb

import sympy
from pydantic import BaseModel
from sympy.concrete.guess import find_simple_recurrence_vector
from sympy.concrete.guess import guess as sympy_guess
from sympy.polys.matrices import DomainMatrix

from agent.workspace.guess_arith import fit_arithmetic
from agent.workspace.guess_transforms import TRANSFORMS
from agent.workspace.sequences import Fit

MIN_CHECKS = 3              # shown terms a rule must reproduce beyond the numbers it was fitted on
MAX_DEGREE = 6
MAX_PREC_ORDER, MAX_PREC_DEGREE = 3, 3
SYMPY_GUESS_MAX_DIGITS = 40  # sympy's `guess` is slow on huge terms; it is skipped there


@dataclass
class Rule:
    form: str               # "polynomial, degree 2"
    rule: str               # how to compute it, for a reader
    params: int             # numbers fitted from the terms
    values: list[int]       # from the first shown term on, len(terms) + predict of them


def trusted(rule: Rule | None, terms: list[int], predict: int, source: str = "tool:guess",
            transform: str = "") -> Fit | None:
    """The rule as a ledger entry if it reproduces every shown term and MIN_CHECKS beyond its fit."""
    if rule is None or len(rule.values) < len(terms) + predict:
        return None
    checks = len(terms) - rule.params
    if checks < MIN_CHECKS or rule.values[:len(terms)] != list(terms):
        return None
    return Fit(form=rule.form, rule=rule.rule, source=source, explains=len(terms), params=rule.params,
               checks=checks, transform=transform, next_terms=rule.values[len(terms):len(terms) + predict])


# -- the base guessers: (terms, predict) -> Rule | None ----------------------------------------------
def _differences(row: list[int]) -> list[int]:
    return [b - a for a, b in zip(row, row[1:], strict=False)]


def guess_polynomial(terms: list[int], predict: int) -> Rule | None:
    """The lowest degree d with constant d-th differences; values by Newton's forward formula from the
    first d+1 terms alone."""
    rows = [list(terms)]
    for d in range(MAX_DEGREE + 1):
        if len(terms) - (d + 1) < MIN_CHECKS or not rows[-1]:
            return None
        if len(set(rows[-1])) == 1:
            heads = [r[0] for r in rows]
            values = [sum(comb(i, k) * heads[k] for k in range(d + 1)) for i in range(len(terms) + predict)]
            n = sympy.Symbol("n")
            poly = sympy.expand(sympy.interpolate(list(zip(range(1, d + 2), terms[:d + 1], strict=False)), n))
            return Rule(f"polynomial, degree {d}", f"a(n) = {poly}", d + 1, values)
        rows.append(_differences(rows[-1]))
    return None


def guess_rational_gf(terms: list[int], predict: int) -> Rule | None:
    """sympy's Padé-type denominator q; the numerator p = q * terms; values from p and q alone."""
    if len(terms) < 2 * MIN_CHECKS or not any(terms):
        return None
    try:
        q = [int(c) for c in find_simple_recurrence_vector([sympy.Integer(t) for t in terms])]
    except IndexError:                     # sympy 1.14 runs off the end of some lists starting with zeros
        return None
    if len(q) <= 1 or q[0] == 0:
        return None
    p = [sum(terms[i - k] * q[k] for k in range(min(i + 1, len(q)))) for i in range(len(terms))]
    deg = max((i for i, c in enumerate(p) if c), default=-1)
    p = p[:deg + 1]
    values: list[int] = []
    for i in range(len(terms) + predict):
        num = (p[i] if i < len(p) else 0) - sum(q[k] * values[i - k] for k in range(1, min(i + 1, len(q))))
        if num % q[0]:
            return None
        values.append(num // q[0])
    x = sympy.Symbol("x")
    gf = sympy.factor(sum(c * x**k for k, c in enumerate(p)) / sum(c * x**k for k, c in enumerate(q)))
    return Rule(f"rational generating function, order {len(q) - 1}", f"g.f. {gf}", len(p) + len(q) - 1, values)


def _nullspace(rows: list[list[int]]) -> list[list[Fraction]]:
    m = DomainMatrix([[sympy.ZZ(x) for x in r] for r in rows], (len(rows), len(rows[0])), sympy.ZZ)
    return [[Fraction(int(c.numerator), int(c.denominator)) for c in v] for v in m.to_field().nullspace().to_list()]


def guess_precursive(terms: list[int], predict: int) -> Rule | None:
    """sum_{i<=r} P_i(n) a(n-i) = 0 for every shown n >= r, deg P_i <= d, with the fewest unknowns and a
    one-dimensional solution space; values from the first r terms alone (n counts from 0)."""
    N = len(terms)
    shapes = sorted(((r + 1) * (d + 1), r, d) for r in range(1, MAX_PREC_ORDER + 1) for d in range(1, MAX_PREC_DEGREE + 1))
    for unknowns, r, d in shapes:
        if (N - r) - (unknowns - 1) < MIN_CHECKS:
            continue
        rows = [[n**j * terms[n - i] for i in range(r + 1) for j in range(d + 1)] for n in range(r, N)]
        basis = _nullspace(rows)
        if len(basis) != 1:
            continue
        c = basis[0]
        P = [c[i * (d + 1):(i + 1) * (d + 1)] for i in range(r + 1)]
        if not any(P[0]) or not any(P[r]):    # a relation of lower order, found at its own shape
            continue
        values, free = list(terms[:r]), 0
        for n in range(r, N + predict):
            p0 = sum(cj * n**j for j, cj in enumerate(P[0]))
            if p0 == 0:                    # the rule does not determine a(n) here: one more fitted number
                if n >= N:
                    break
                values.append(terms[n])
                free += 1
                continue
            v = -sum(sum(cj * n**j for j, cj in enumerate(P[i])) * values[n - i] for i in range(1, r + 1)) / p0
            if v.denominator != 1:
                break
            values.append(int(v))
        else:
            return Rule(f"P-recursive, order {r}, degree {d}", _prec_text(P), unknowns - 1 + r + free, values)
    return None


def _prec_text(P: list[list[Fraction]]) -> str:
    n = sympy.Symbol("n")
    lcm = sympy.ilcm(*[c.denominator for row in P for c in row])
    parts = []
    for i, row in enumerate(P):
        poly = sympy.factor(sum(sympy.Integer(int(c * lcm)) * n**j for j, c in enumerate(row)))
        if poly != 0:
            parts.append(f"({poly})*a(n-{i})" if i else f"({poly})*a(n)")
    return " + ".join(parts) + " = 0 (n from 0)"


def guess_periodic(terms: list[int], predict: int) -> Rule | None:
    """The smallest pre-period + period with the periodic part seen at least twice."""
    N = len(terms)
    for cost in range(1, N - MIN_CHECKS + 1):
        for period in range(1, cost + 1):
            pre = cost - period
            if N - pre < 2 * period:
                continue
            if all(terms[i] == terms[i + period] for i in range(pre, N - period)):
                values = list(terms[:pre + period])
                while len(values) < N + predict:
                    values.append(values[len(values) - period])
                cycle = ", ".join(map(str, terms[pre:pre + period]))
                return Rule(f"eventually periodic, pre-period {pre}, period {period}",
                            f"from term {pre + 1} on, repeats {cycle}", cost, values)
    return None


def guess_sympy(terms: list[int], predict: int) -> Rule | None:
    """sympy's `guess` (iterated ratios and rational interpolation), cost = its operation count + 1."""
    if len(terms) < 2 * MIN_CHECKS or max(abs(t) for t in terms) >= 10**SYMPY_GUESS_MAX_DIGITS or 0 in terms:
        return None
    for expr in sympy_guess([sympy.Integer(t) for t in terms]):
        if len(expr.free_symbols) != 1:
            continue
        (i0,) = expr.free_symbols                 # sympy's index, from 1 at the first term
        try:
            values = [expr.subs(i0, i).doit() for i in range(1, len(terms) + predict + 1)]
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if all(getattr(v, "is_Integer", False) for v in values):
            return Rule("sympy guess (product form)", f"a(n) = {expr.subs(i0, sympy.Symbol('n'))}",
                        int(sympy.count_ops(expr)) + 1, [int(v) for v in values])
    return None


def guess_arithmetic(terms: list[int], predict: int) -> Rule | None:
    found = fit_arithmetic(terms, predict)
    return Rule(*found) if found else None


BASE = {"polynomial": guess_polynomial, "rational g.f.": guess_rational_gf, "P-recursive": guess_precursive,
        "eventually periodic": guess_periodic}
ARITHMETIC_TOO = ("differences", "partial sums")       # transforms the arithmetic functions also run on
ON_TERMS_ONLY = {"sympy guess": guess_sympy, "arithmetic function of n": guess_arithmetic}


class Guesses(BaseModel):
    """What every guesser tried and found on one sequence, simplest rule first."""
    tried: list[str] = []         # "polynomial on the differences: none" / "...: degree 2, 17 checks"
    fits: list[Fit] = []          # every rule that reproduces the terms, by cost (params, a transform's +1)
    answer: Fit | None = None     # the simplest rule that compresses the terms (see `compresses`)
    next_terms: list[int] = []    # the answer's ([] = no guesser explains the terms)
    agree: int = 0                # rules (guesser x transform) giving exactly these next terms


def compresses(fit: Fit) -> bool:
    """A rule is an answer only if it reproduces at least as many shown terms beyond its fit as it
    has fitted numbers: 11 numbers fitted to 20 terms predict nothing (on the first 300 OEIS sample
    sequences, every wrong continuation came from such a rule)."""
    return fit.checks >= fit.params


def cost(fit: Fit) -> int:
    return fit.params + (1 if fit.transform else 0)


def _note(tried: list[str], what: str, fit: Fit | None) -> None:
    tried.append(f"{what}: " + (f"{fit.form}, {fit.params} fitted, {fit.checks} more checked" if fit else "none"))


def guess_residues(terms: list[int], predict: int, m: int) -> Fit | None:
    """Each residue class of the index mod m fitted on its own (the simplest base rule of each)."""
    classes, nexts = [], {}
    for r in range(m):
        sub = terms[r::m]
        want = sum(1 for i in range(len(terms), len(terms) + predict) if i % m == r)
        fits = [f for f in (trusted(g(sub, want), sub, want) for g in BASE.values()) if f is not None]
        if not fits:
            return None
        best = min(fits, key=cost)
        classes.append(best)
        nexts[r] = list(best.next_terms)
    values = [nexts[i % m].pop(0) for i in range(len(terms), len(terms) + predict)]
    rule = "; ".join(f"n = {r + 1} mod {m}: {f.rule}" for r, f in enumerate(classes))
    return Fit(form=f"bisection mod {m}: " + ", ".join(f.form for f in classes), rule=rule, source="tool:guess",
               explains=len(terms), params=sum(f.params for f in classes), checks=min(f.checks for f in classes),
               transform=f"residue classes mod {m}", next_terms=values)


def guess_all(terms: list[int], predict: int) -> Guesses:
    """Every guesser on the terms, on each transform and on the residue classes mod 2 and 3."""
    out = Guesses()
    terms = list(terms)
    for name, g in {**BASE, **ON_TERMS_ONLY}.items():
        fit = trusted(g(terms, predict), terms, predict)
        _note(out.tried, f"{name} on the terms", fit)
        out.fits += [fit] if fit else []
    for t in TRANSFORMS:
        seq = t.forward(terms)
        if not seq or len(seq) < 2 * MIN_CHECKS:
            out.tried.append(f"{t.name}: does not apply")
            continue
        extra = {"arithmetic function of n": guess_arithmetic} if t.name in ARITHMETIC_TOO else {}
        for name, g in {**BASE, **extra}.items():
            fit = trusted(g(seq, predict), seq, predict, transform=t.name)
            if fit is not None:
                fit = _back(t, terms, seq, fit, predict)
            _note(out.tried, f"{name} on the {t.name}", fit)
            out.fits += [fit] if fit else []
    for m in (2, 3):
        fit = guess_residues(terms, predict, m)
        _note(out.tried, f"each residue class mod {m}", fit)
        out.fits += [fit] if fit else []
    out.fits.sort(key=cost)
    out.answer = next((f for f in out.fits if compresses(f)), None)
    if out.answer is not None:
        out.next_terms = list(out.answer.next_terms)
        out.agree = sum(1 for f in out.fits if f.next_terms == out.next_terms)
    return out


def _back(t, terms: list[int], seq: list[int], fit: Fit, predict: int) -> Fit | None:
    """The continued transformed sequence taken back; kept only if it gives back every shown term."""
    full = t.back(terms, seq + fit.next_terms)
    if full is None or full[:len(terms)] != terms or len(full) < len(terms) + predict:
        return None
    return fit.model_copy(update={"next_terms": full[len(terms):len(terms) + predict],
                                  "rule": f"{t.name} of a(n): {fit.rule}"})
