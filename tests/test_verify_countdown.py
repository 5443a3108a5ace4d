"""Countdown family: the parser, the checker's exact reasons, and the exhaustive solver's ground truth."""

from __future__ import annotations

import json
import random
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.problems import load_problems
from agent.problems.models import CountdownProblem
from agent.verify import verify
from agent.verify.countdown import apply_steps, parse_expression, reachable, solve
from agent.verify.countdown.parse import plain_value

ROOT = Path(__file__).resolve().parents[1]
COUNTS = [json.loads(line) for line in (ROOT / "problems/data/nyt_digits/solution_counts.jsonl").read_text().splitlines()]
P269 = CountdownProblem(id="nyt-269", rules="digits", numbers=[2, 3, 7, 20, 21, 25], target=269)
P327 = CountdownProblem(id="nyt-327", rules="digits", numbers=[1, 3, 5, 9, 11, 20], target=327)
G24 = CountdownProblem(id="g", rules="game24", numbers=[4, 7, 8, 8], target=24)


@pytest.mark.parametrize("candidate", [
    "2*7*21-25",
    "2 × 7 × 21 − 25",
    "2 x 7 x 21 - 25",
    "2*7*21-25 = 269",
    "2 * 7 = 14; 14 * 21 = 294; 294 - 25 = 269",
    "2 * 7 = 14\n14 * 21 = 294\n294 - 25 = 269",
    "1. 2*7 = 14\n2. 14*21 = 294\n3. 294-25 = 269",
    "First, 2 * 7 = 14. Then 14 * 21 = 294. Finally 294 - 25 = 269.",
    "2*7 = 14*21 = 294-25 = 269",
    "2*7*21 - 25 = 294 - 25 = 269",
    "The answer is \\boxed{2 \\times 7 \\times 21 - 25}",
    "$2 \\cdot 7 \\cdot 21 - 25 = 269$",
    "Answer: (2*7)*21-25",
    "**Answer:** 21 * (2 * 7) - 25",
    "<think>maybe 21*7+21*7-25</think> 2*7*21-25",
    "After some tries: 3*20 = 60 is too small. So 2*7*21-25 = 269",
    "[2*7]*21-25",
])
def test_accepts_a_correct_answer_written_many_ways(candidate):
    result = verify(P269, candidate)
    assert result.ok and result.verified and result.reason == "correct", result.reason
    assert result.normalized == "2 * 7 = 14; 14 * 21 = 294; 294 - 25 = 269" or "21 * 14" in result.normalized


def test_the_o1_answer_is_rejected_for_reusing_21_and_7():
    result = verify(P269, "21*7+21*7-25")
    assert not result.ok and result.verified
    assert result.reason == "uses 21 twice, but there is only one 21; uses 7 twice, but there is only one 7"


def test_parenthesised_product_and_sum():
    assert verify(P327, "(5*20+9)*3").ok
    assert verify(P327, "(5 × 20 + 9) × 3 = 327").ok


@pytest.mark.parametrize("candidate,reason", [
    ("2*7*21-24", "uses 24, which is not one of the numbers (2, 3, 7, 20, 21, 25)"),
    ("2*7*21-20", "the expression equals 274, not the target 269"),
    ("(3-21)+25", "3 - 21 = -18 is not positive (digits rules need every intermediate to be a positive integer)"),
    ("21/2*7", "147 / 2 = 147/2 is not an integer (digits rules need every intermediate to be a positive integer)"),
    ("25-25", "uses 25 twice, but there is only one 25"),
    ("2*7*21-25 = 270", "2*7*21-25 = 270 is false: 2*7*21-25 = 269"),
    ("2 * 7 = 14\n14 * 21 = 284\n284 - 15 = 269", "step 2: 14 * 21 = 284 is false: 14 * 21 = 294"),
    ("2*7=14; 7*21=147", "step 2 uses 7, but that 7 was already used in step 1 and none is left"),
    ("2*7=14; 15*21=315", "step 2 uses 15, which is neither one of the numbers nor the result of an earlier step"),
    ("2*7=14; 14*21=294", "the last step gives 294, not the target 269"),
    ("hello", "cannot read the candidate: no arithmetic expression found in 'hello'"),
    ("", "cannot read the candidate: empty candidate"),
    ("2*(7+21", "cannot read the candidate: expected ')' at the end"),
    ("2*7*21-25)", "cannot read the candidate: unexpected ')' (position 10)"),
    ("-25 + 2*7*21*1", "cannot read the candidate: a sign before a number at '-' (position 1) is not an operation "
                       "of the game (every operation combines two numbers)"),
    ("25", "the expression equals 25, not the target 269"),
])
def test_rejections_name_the_exact_reason(candidate, reason):
    result = verify(P269, candidate)
    assert not result.ok and result.verified
    assert result.reason == reason


def test_digits_flat_runs_are_played_in_a_legal_order():
    # 3 - 21 + 25 = 7 is legal on the board as 3 + 25 = 28, 28 - 21 = 7.
    p = CountdownProblem(id="x", rules="digits", numbers=[3, 21, 25], target=7)
    result = verify(p, "3 - 21 + 25")
    assert result.ok and result.normalized == "3 + 25 = 28; 28 - 21 = 7"
    assert not verify(p, "(3 - 21) + 25").ok  # brackets ask for 3 - 21 first


def test_zero_and_division_by_zero():
    p = CountdownProblem(id="x", rules="game24", numbers=[3, 3, 8, 1], target=24)
    assert verify(p, "8 / (3 - 3) + 1").reason == "8 / 0 divides by zero"
    d = CountdownProblem(id="d", rules="digits", numbers=[3, 3, 8], target=8)
    assert "is not positive" in verify(d, "8 + (3 - 3)").reason


def test_game24_needs_every_number_and_allows_fractions():
    assert verify(G24, "(7 - 8/8) * 4").ok
    assert verify(G24, "4 * 7 - 8 + 8 - 4").reason == "uses 4 twice, but there is only one 4"
    assert verify(G24, "4 * 8 - 8").reason == "does not use 7 (game24 rules need every number used exactly once)"
    frac = CountdownProblem(id="f", rules="game24", numbers=[3, 3, 8, 8], target=24)
    assert verify(frac, "8 / (3 - 8/3)").ok
    neg = CountdownProblem(id="n", rules="game24", numbers=[1, 5, 5, 5], target=24)
    assert verify(neg, "5 * (5 - 1/5)").ok
    assert not verify(CountdownProblem(id="d", rules="digits", numbers=[3, 3, 8, 8], target=24), "8/(3-8/3)").ok


def test_apply_steps_gives_the_remaining_board_for_partial_states():
    applied = apply_steps([2, 3, 7, 20, 21, 25], "2 * 7 = 14; 14 * 21 = 294", "digits")
    assert applied.ok and applied.remaining == [3, 20, 25, 294] and applied.final == 294
    assert reachable(applied.remaining, 269, "digits")
    assert not reachable([3, 20], 269, "digits")


def test_parser_never_evaluates_code():
    for text in ["__import__('os').system('true')", "2**10", "1e3", "abs(-3)"]:
        with pytest.raises(ValueError):
            parse_expression(text)
    assert verify(P269, "__import__('os')").ok is False


# -- the solver ----------------------------------------------------------------------------------

EXAMPLES = {69: ([1, 2, 4, 9, 22, 25], 1309), 183: ([2, 9, 10, 15, 17, 25], 640), 269: ([2, 3, 7, 20, 21, 25], 331),
            327: ([1, 3, 5, 9, 11, 20], 161), 431: ([3, 4, 6, 9, 11, 15], 56)}


@pytest.mark.parametrize("target", sorted(EXAMPLES))
def test_solver_reproduces_the_counts_quoted_for_the_five_examples(target):
    numbers, count = EXAMPLES[target]
    res = solve(numbers, target, "digits")
    assert res.solvable and res.count == count
    assert verify(CountdownProblem(id="x", rules="digits", numbers=numbers, target=target), res.shortest).ok
    assert res.moves == len(res.steps.split(";"))


def _check_counts(rows):
    for row in rows:
        res = solve(row["numbers"], row["target"], "digits")
        assert res.count == row["solutions_no_unit_moves"], row
        problem = CountdownProblem(id="x", rules="digits", numbers=row["numbers"], target=row["target"])
        assert verify(problem, res.shortest).ok, (row, res)


def test_solver_counts_match_the_dataset_on_a_sample():
    _check_counts(COUNTS[::10])
    for row in COUNTS[:8]:  # the other convention: unit moves counted
        assert solve(row["numbers"], row["target"], "digits", count_unit_moves=True).count == row["solutions_all_moves"]


@pytest.mark.slow
def test_solver_counts_match_the_dataset_on_all_300_puzzles():
    _check_counts(COUNTS)


def test_shortest_is_shortest_and_unsolvable_is_reported():
    nums = [2, 3, 7, 20, 21, 25]
    res = solve(nums, 269, "digits")
    assert res.moves == 3

    def results(a, b):
        out = {a + b, a * b, abs(a - b)}
        if a % b == 0:
            out.add(a // b)
        if b % a == 0:
            out.add(b // a)
        return out - {0}

    pairs = [(i, j) for i in range(6) for j in range(6) if i < j]
    one_move = {c for i, j in pairs for c in results(nums[i], nums[j])}
    two_moves = {d for i, j in pairs for c in results(nums[i], nums[j])
                 for k in range(6) if k not in (i, j) for d in results(c, nums[k])}
    assert 269 not in one_move and 269 not in two_moves
    none = solve([2, 3], 100, "digits")
    assert (none.solvable, none.shortest, none.count) == (False, None, 0)
    assert not reachable([2, 3], 100, "digits")
    same = solve([5, 9], 9, "digits")
    assert same.solvable and same.moves == 0 and same.count == 1


def test_game24_solver_on_a_sample_of_the_dev_suite():
    problems = load_problems(ROOT / "problems/game24/dev.yaml")
    rng = random.Random(7)
    for p in rng.sample(problems, 60):
        res = solve(p.numbers, 24, "game24")
        assert res.solvable and res.count >= 1 and res.moves == 3, p.id
        assert verify(p, res.shortest).ok, (p.id, res.shortest)
        assert reachable(p.numbers, 24, "game24")
    assert solve([1, 1, 4, 6], 24, "game24").count >= 1   # needs a unit move (x * 1)
    assert not solve([1, 1, 1, 1], 24, "game24").solvable


def test_countdown_sets_are_solvable_under_their_rules():
    for p in load_problems(ROOT / "problems/countdown/cd3.yaml")[:40]:
        res = solve(p.numbers, p.target, "countdown")
        assert res.solvable and verify(p, res.shortest).ok, p.id


# -- properties ----------------------------------------------------------------------------------

def _expr(draw, depth):
    if depth == 0 or draw(st.booleans()):
        return str(draw(st.integers(1, 30)))
    op = draw(st.sampled_from("+-*/"))
    return f"({_expr(draw, depth - 1)} {op} {_expr(draw, depth - 1)})"


@st.composite
def expressions(draw):
    return _expr(draw, 3)


def _reference_value(text):
    # Evaluate the same tree with Fractions by a tiny independent recursive reader.
    def parse(s, i):
        if s[i] == "(":
            left, i = parse(s, i + 1)
            op = s[i + 1]
            right, i = parse(s, i + 3)
            if op == "/" and right == 0:
                raise ZeroDivisionError
            val = {"+": left + right, "-": left - right, "*": left * right,
                   "/": left / right if right else None}[op]
            return val, i + 1
        j = i
        while j < len(s) and s[j].isdigit():
            j += 1
        return Fraction(int(s[i:j])), j
    return parse(text, 0)[0]


@settings(max_examples=200, deadline=None)
@given(expressions())
def test_parser_value_matches_an_independent_evaluation(text):
    try:
        want = _reference_value(text)
    except ZeroDivisionError:
        return
    assert plain_value(parse_expression(text)) == want


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 25), min_size=3, max_size=5), st.integers(1, 400))
def test_solver_and_reachable_agree_and_solutions_verify(numbers, target):
    res = solve(numbers, target, "digits")
    assert res.solvable == reachable(numbers, target, "digits")
    if res.solvable:
        assert res.count >= 1
        assert verify(CountdownProblem(id="x", rules="digits", numbers=numbers, target=target), res.shortest).ok


def test_huge_or_deeply_nested_candidates_are_unreadable_not_crashes():
    deep = "(" * 500 + "2" + ")" * 500
    r = verify(P269, deep)
    assert not r.ok and not r.readable and "nested more than" in r.reason
    assert verify(P269, "+".join(["2"] * 5000)).reason == "uses 2 5000 times, but there is only one 2"
    r = verify(P269, "+".join(["2"] * 20000))
    assert not r.ok and not r.readable and "characters long" in r.reason
    r = verify(P269, "2" * 300_000)
    assert not r.ok and not r.readable
    assert verify(P269, None).readable is False  # type: ignore[arg-type]
