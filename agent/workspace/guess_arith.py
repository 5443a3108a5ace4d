"""a(n) against n's arithmetic: a(n) = c*f(n + s) + e for a function f of n's factorisation or digits
(divisor functions, totient, Moebius, prime factors, digit sums) or the n-th prime, with c and e fitted
on two terms and checked on every other. s is the offset (the first shown term is a(s)); the usual
OEIS offsets 0 and 1 are tried, and 2.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from functools import cache

import sympy
from sympy.functions.combinatorial.numbers import partition
from sympy.ntheory import digits as _digits
from sympy.polys.matrices import DomainMatrix

OFFSETS = (0, 1, 2)
PARAMS = 3                 # the choice of f and offset, c, e


def _digit_sum(base: int) -> Callable[[int], int]:
    return lambda n: sum(_digits(n, base)[1:])


def _factor(n: int) -> dict[int, int]:
    return sympy.factorint(n) if n > 0 else {}


FUNCTIONS: dict[str, Callable[[int], int]] = {
    "number of divisors": lambda n: int(sympy.divisor_count(n)) if n > 0 else 0,
    "sum of divisors": lambda n: int(sympy.divisor_sigma(n)) if n > 0 else 0,
    "sum of squares of divisors": lambda n: int(sympy.divisor_sigma(n, 2)) if n > 0 else 0,
    "Euler totient": lambda n: int(sympy.totient(n)) if n > 0 else 0,
    "Moebius": lambda n: int(sympy.mobius(n)) if n > 0 else 0,
    "distinct prime factors": lambda n: len(_factor(n)),
    "prime factors with multiplicity": lambda n: sum(_factor(n).values()),
    "largest prime factor": lambda n: max(_factor(n), default=1),
    "smallest prime factor": lambda n: min(_factor(n), default=1),
    "squarefree kernel": lambda n: int(sympy.prod(_factor(n))) if n > 0 else 0,
    "2-adic valuation": lambda n: _factor(n).get(2, 0),
    "odd part": lambda n: n >> (_factor(n).get(2, 0)) if n > 0 else 0,
    "number of odd divisors": lambda n: int(sympy.divisor_count(n >> _factor(n).get(2, 0))) if n > 0 else 0,
    "sum of odd divisors": lambda n: int(sympy.divisor_sigma(n >> _factor(n).get(2, 0))) if n > 0 else 0,
    "binary digit sum": _digit_sum(2),
    "2 to the binary digit sum": lambda n: 2 ** _digit_sum(2)(n),
    "ternary digit sum": _digit_sum(3),
    "decimal digit sum": _digit_sum(10),
    "the n-th prime": lambda n: int(sympy.prime(n)) if n > 0 else 0,
    "square of the n-th prime": lambda n: int(sympy.prime(n)) ** 2 if n > 0 else 0,
    "gap after the n-th prime": lambda n: int(sympy.nextprime(sympy.prime(n)) - sympy.prime(n)) if n > 0 else 0,
    "number of primes <= n": lambda n: int(sympy.primepi(n)),
    "partitions of n": lambda n: int(partition(n)),
    "floor(sqrt(n))": lambda n: int(sympy.integer_nthroot(n, 2)[0]),
}


def fit_arithmetic(terms: list[int], predict: int) -> tuple[str, str, int, list[int]] | None:
    """The first (f, offset) in FUNCTIONS order with a(n) = c*f(n+s) + e on every shown term, else the
    first with a(n) = c*f(n+s) + d*(n+s) + e: (form, rule, params, values)."""
    count = len(terms) + predict
    for with_n in (False, True):
        for name in FUNCTIONS:
            table = _table(name, count + max(OFFSETS))
            for s in OFFSETS:
                xs = table[s:s + count]
                cols = [xs, [i + s for i in range(count)], [1] * count] if with_n else [xs, [1] * count]
                coef = _solve(cols, terms)
                if coef is None or coef[0] == 0:
                    continue
                values = [sum(c * col[i] for c, col in zip(coef, cols, strict=True)) for i in range(count)]
                if values[:len(terms)] != terms or any(v.denominator != 1 for v in values):
                    continue
                text = " + ".join(f"{c}*{v}" for c, v in zip(coef, ["f(n)", "n", "1"] if with_n else ["f(n)", "1"],
                                                               strict=False) if c)
                return (f"arithmetic function of n ({name})", f"a(n) = {text}, f = {name}, first term at n = {s}",
                        PARAMS + with_n, [int(v) for v in values])
    return None


@cache
def _table(name: str, size: int) -> tuple[int, ...]:
    return tuple(FUNCTIONS[name](n) for n in range(size))


def _solve(cols: list[list[int]], terms: list[int]) -> list[Fraction] | None:
    """The coefficients with sum c_k col_k = terms on every shown term (exact row reduction), or None
    when no choice, or more than one, does."""
    k = len(cols)
    rows = [[sympy.QQ(col[i]) for col in cols] + [sympy.QQ(t)] for i, t in enumerate(terms)]
    reduced, pivots = DomainMatrix(rows, (len(rows), k + 1), sympy.QQ).rref()
    if pivots != tuple(range(k)):
        return None
    top = reduced.to_list()
    return [Fraction(int(top[j][k].numerator), int(top[j][k].denominator)) for j in range(k)]
