"""Verifier speed with pytest-benchmark: `python -m pytest benchmarks/bench_verify.py --benchmark-enable`.

Candidates checked per second for Digits and for MATH answers, and the exhaustive solver on one
Digits puzzle. The solver over all 300 dev puzzles (median and max) is `bench_verify_solver.py`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.problems import load_problem, load_problems
from agent.verify import verify
from agent.verify.countdown import reachable, solve

ROOT = Path(__file__).resolve().parents[1]
P269 = load_problem(ROOT / "problems/digits/nyt-269.yaml")
DIGITS_CANDIDATES = ["2*7*21-25", "21*7+21*7-25", "2 * 7 = 14; 14 * 21 = 294; 294 - 25 = 269",
                     "The answer is \\boxed{2 \\times 7 \\times 21 - 25}", "(3-21)+25", "2*7*21-20"]
MATH = load_problems(ROOT / "problems/math/math500-dev.yaml")[:50]


def test_digits_verify(benchmark):
    def run():
        return [verify(P269, c).ok for c in DIGITS_CANDIDATES]
    assert benchmark(run) == [True, False, True, True, False, False]


def test_math_verify(benchmark):
    def run():
        return sum(verify(p, f"The answer is $\\boxed{{{p.answer}}}$").ok for p in MATH)
    assert benchmark.pedantic(run, rounds=3, iterations=1) == len(MATH)


@pytest.mark.parametrize("target", [269, 431])
def test_digits_solve(benchmark, target):
    p = load_problem(ROOT / f"problems/digits/nyt-{target}.yaml")
    res = benchmark(solve, p.numbers, p.target, "digits")
    assert res.solvable


def test_digits_reachable_cold(benchmark):
    from agent.verify.countdown.solve import _reachable

    def run():
        _reachable.cache_clear()
        return reachable([3, 20, 25, 294], 269, "digits")
    assert benchmark(run)
