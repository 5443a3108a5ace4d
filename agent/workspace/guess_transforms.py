"""Transforms a person applies to a sequence before looking for a rule, each with its way back.

`forward(terms)` gives the transformed sequence (or None where the transform does not apply);
`back(terms, extended)` turns the transformed sequence continued by a guesser into the continued
terms. The guessers check that the way back reproduces every shown term before they trust it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from math import comb

import sympy


@dataclass(frozen=True)
class Transform:
    name: str
    forward: Callable[[list[int]], list[int] | None]
    back: Callable[[list[int], list[int]], list[int] | None]


def differences(a: list[int]) -> list[int]:
    return [y - x for x, y in zip(a, a[1:], strict=False)]


def partial_sums(a: list[int]) -> list[int]:
    return list(accumulate(a))


def binomial(a: list[int]) -> list[int]:
    """b(n) = sum_k C(n,k) a(k)."""
    return [sum(comb(n, k) * a[k] for k in range(n + 1)) for n in range(len(a))]


def inverse_binomial(b: list[int]) -> list[int]:
    return [sum((-1) ** (n - k) * comb(n, k) * b[k] for k in range(n + 1)) for n in range(len(b))]


def euler(a: list[int]) -> list[int]:
    """Euler transform: 1 + sum b(n) x^n = prod_k (1 - x^k)^(-a(k)), a indexed from 1; b from b(0) = 1."""
    c = [0] + [sum(d * a[d - 1] for d in sympy.divisors(n)) for n in range(1, len(a) + 1)]
    b = [1]
    for n in range(1, len(a) + 1):
        b.append((c[n] + sum(c[k] * b[n - k] for k in range(1, n))) // n)
    return b


def inverse_euler(b: list[int]) -> list[int] | None:
    """a with euler(a) == b (b(0) must be 1); None where a is not integral."""
    if not b or b[0] != 1:
        return None
    c = [0]
    for n in range(1, len(b)):
        c.append(n * b[n] - sum(c[k] * b[n - k] for k in range(1, n)))
    a = []
    for n in range(1, len(b)):
        s = sum(sympy.mobius(n // d) * c[d] for d in sympy.divisors(n))
        if s % n:
            return None
        a.append(int(s) // n)
    return a


def ratios(a: list[int]) -> list[int] | None:
    if 0 in a or any(y % x for x, y in zip(a, a[1:], strict=False)):
        return None
    return [y // x for x, y in zip(a, a[1:], strict=False)]


def divisor_sums(a: list[int]) -> list[int]:
    """b(n) = sum over d | n of a(d), the first term at n = 1 (the inverse Moebius transform)."""
    return [sum(a[d - 1] for d in sympy.divisors(n)) for n in range(1, len(a) + 1)]


def moebius(b: list[int]) -> list[int]:
    """a(n) = sum over d | n of mu(n/d) b(d): undoes divisor_sums."""
    return [int(sum(sympy.mobius(n // d) * b[d - 1] for d in sympy.divisors(n))) for n in range(1, len(b) + 1)]


def _times_n(a: list[int]) -> list[int]:
    return divisor_sums([n * x for n, x in enumerate(a, 1)])


def _divide_n(b: list[int]) -> list[int] | None:
    m = moebius(b)
    if any(x % n for n, x in enumerate(m, 1)):
        return None
    return [x // n for n, x in enumerate(m, 1)]


def _from(start: int, fwd: Callable[[list[int]], list[int] | None]) -> Callable[[list[int]], list[int] | None]:
    """A transform of a(1), a(2), ...: with the first term at n = 0 it is set aside."""
    return (lambda a: fwd(a)) if start == 1 else (lambda a: fwd(a[1:]))


def _back_from(start: int, back: Callable[[list[int]], list[int] | None]):
    def undo(a: list[int], t: list[int]) -> list[int] | None:
        got = back(t)
        return got if start == 1 or got is None else [a[0]] + got
    return undo


def _products(terms: list[int], r: list[int]) -> list[int]:
    out = [terms[0]]
    for x in r:
        out.append(out[-1] * x)
    return out


TRANSFORMS = [
    Transform("differences", lambda a: differences(a) if len(set(a)) > 1 else None,
              lambda a, t: list(accumulate([a[0]] + t))),
    Transform("partial sums", partial_sums, lambda a, t: [t[0]] + differences(t)),
    Transform("inverse binomial transform", inverse_binomial, lambda a, t: binomial(t)),
    Transform("binomial transform", binomial, lambda a, t: inverse_binomial(t)),
    Transform("inverse Euler transform (first term a(0) = 1)", inverse_euler, lambda a, t: euler(t)),
    Transform("inverse Euler transform (a(0) = 1 before the first term)",
              lambda a: inverse_euler([1] + a), lambda a, t: euler(t)[1:]),
    Transform("Euler transform", lambda a: euler(a)[1:], lambda a, t: inverse_euler([1] + t)),
    Transform("ratios a(n+1)/a(n)", ratios, _products),
    *[Transform(f"{name} (first term at n = {start})", _from(start, fwd), _back_from(start, back))
      for start in (1, 0) for name, fwd, back in (("Moebius transform", moebius, divisor_sums),
                                                   ("sums over divisors", divisor_sums, moebius),
                                                   ("sums over divisors d of d*a(d)", _times_n, _divide_n))],
]
