"""Sequence guessers (agent/workspace/guess.py): each finds its kind of rule, every rule is checked on
every shown term, the transforms go back exactly, and a rule fitted with too many numbers is no answer."""

from __future__ import annotations

from math import comb, factorial

from agent.workspace.guess import (
    MIN_CHECKS,
    Rule,
    compresses,
    guess_all,
    guess_periodic,
    guess_polynomial,
    guess_precursive,
    guess_rational_gf,
    guess_residues,
    guess_sympy,
    trusted,
)
from agent.workspace.guess_arith import fit_arithmetic
from agent.workspace.guess_transforms import (
    binomial,
    divisor_sums,
    euler,
    inverse_binomial,
    inverse_euler,
    moebius,
)

CATALAN = [comb(2 * n, n) // (n + 1) for n in range(25)]
MOTZKIN = [1, 1, 2, 4, 9, 21, 51, 127, 323, 835, 2188, 5798, 15511, 41835, 113634, 310572, 853467, 2356779,
           6536382, 18199284, 50852019, 142547559, 400763223, 1129760415, 3192727797]
PARTITIONS = [1, 1, 2, 3, 5, 7, 11, 15, 22, 30, 42, 56, 77, 101, 135, 176, 231, 297, 385, 490, 627, 792, 1002, 1255, 1575]


def split(seq, shown=20):
    return seq[:shown], seq[shown:]


def test_each_base_guesser_finds_its_kind_and_predicts_exactly():
    squares = [n * n + 1 for n in range(1, 26)]
    terms, hidden = split(squares)
    fit = trusted(guess_polynomial(terms, 5), terms, 5)
    assert fit.form == "polynomial, degree 2" and fit.rule == "a(n) = n**2 + 1" and fit.next_terms == hidden
    assert (fit.params, fit.checks) == (3, 17)

    lucas_late = [7, 7, 2, 1, 3, 4, 7, 11, 18, 29, 47, 76, 123, 199, 322, 521, 843, 1364, 2207, 3571, 5778, 9349]
    terms, hidden = split(lucas_late, 17)                  # a recurrence only from the third term on
    fit = trusted(guess_rational_gf(terms, 5), terms, 5)
    assert fit.form == "rational generating function, order 2" and fit.next_terms == hidden

    for seq in (CATALAN, MOTZKIN):
        terms, hidden = split(seq)
        fit = trusted(guess_precursive(terms, 5), terms, 5)
        assert fit.form.startswith("P-recursive, order") and fit.next_terms == hidden
    assert guess_rational_gf(CATALAN[:20], 5) is None or trusted(guess_rational_gf(CATALAN[:20], 5), CATALAN[:20], 5) is None

    periodic = [5, 9] + [1, 2, 3] * 8
    fit = trusted(guess_periodic(periodic[:20], 3), periodic[:20], 3)
    assert fit.form == "eventually periodic, pre-period 2, period 3" and fit.next_terms == periodic[20:23]

    facts = [factorial(n) for n in range(1, 16)]
    fit = trusted(guess_sympy(facts[:12], 3), facts[:12], 3)
    assert fit is not None and fit.next_terms == facts[12:15]


def test_arithmetic_functions_of_n_with_the_offset():
    tau = [1, 2, 2, 3, 2, 4, 2, 4, 3, 4, 2, 6, 2, 4, 4, 5, 2, 6, 2, 6, 4, 4, 2, 8, 3]
    form, rule, params, values = fit_arithmetic(tau[:20], 5)
    assert form == "arithmetic function of n (number of divisors)" and values[20:] == tau[20:]
    assert "first term at n = 1" in rule and params == 3
    aliquot = [0, 1, 1, 3, 1, 6, 1, 7, 4, 8, 1, 16, 1, 10, 9, 15, 1, 21, 1, 22, 11, 14, 1, 36, 6]   # sigma(n) - n
    form, rule, params, values = fit_arithmetic(aliquot[:20], 5)
    assert "sum of divisors" in form and values[20:] == aliquot[20:] and params == 4
    assert fit_arithmetic([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4], 5) is None


def test_a_rule_is_trusted_only_if_it_reproduces_every_term_and_enough_beyond_its_fit():
    terms = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11]
    assert trusted(Rule("line", "a(n) = n", 2, list(range(1, 16))), terms, 5) is None          # misses the last term
    assert trusted(Rule("line", "a(n) = n", 2, list(range(1, 16))), terms[:9], 5) is not None
    few = Rule("table", "the terms", len(terms) - MIN_CHECKS + 1, terms + [0] * 5)
    assert trusted(few, terms, 5) is None                                                      # too few checks


def test_transforms_go_back_exactly():
    a = [1, 0, 2, -3, 5, 7, 0, 1]
    assert inverse_binomial(binomial(a)) == a
    assert euler(inverse_euler([1] + a[1:] + [4])) == [1] + a[1:] + [4] or inverse_euler([1] + a[1:] + [4]) is None
    assert inverse_euler(PARTITIONS[:20]) == [1] * 19                       # partitions: prod 1/(1-x^k)
    assert euler([1] * 24) == PARTITIONS
    assert moebius(divisor_sums(a)) == a and divisor_sums([1] * 12) == [1, 2, 2, 3, 2, 4, 2, 4, 3, 4, 2, 6]


def test_divisor_transforms_and_arithmetic_on_differences():
    lyndon = [1, 2, 1, 2, 3, 6, 9, 18, 30, 56, 99, 186, 335, 630, 1161, 2182, 4080, 7710, 14532, 27594,
              52377, 99858, 190557, 364722, 698870]                     # binary Lyndon words, from n = 0
    terms, hidden = split(lyndon)
    found = guess_all(terms, 5)
    assert found.next_terms == hidden and found.answer.transform == "sums over divisors d of d*a(d) (first term at n = 0)"
    weights = [0, 1, 2, 4, 5, 7, 9, 12, 13, 15, 17, 20, 22, 25, 28, 32, 33, 35, 37, 40, 42, 45, 48, 52, 54]
    terms, hidden = split(weights)                                        # partial sums of the binary digit sum
    found = guess_all(terms, 5)
    assert found.next_terms == hidden and found.answer.transform == "differences" and "binary digit sum" in found.answer.rule


def test_guess_all_uses_transforms_and_counts_agreeing_rules():
    terms, hidden = split(PARTITIONS)
    found = guess_all(terms, 5)
    assert found.next_terms == hidden and "inverse Euler" in found.answer.transform
    assert found.agree >= 2 and all(f.next_terms == hidden for f in found.fits if compresses(f))
    assert any(line.startswith("sympy guess on the terms") for line in found.tried)
    assert any(line.startswith("each residue class mod 2") for line in found.tried)


def test_residue_classes_are_fitted_apart():
    mixed = [n * n if n % 2 else 2 ** n for n in range(1, 26)]
    terms, hidden = split(mixed)
    fit = guess_residues(terms, 5, 2)
    assert fit is not None and fit.next_terms == hidden and fit.transform == "residue classes mod 2"
    assert guess_all(terms, 5).next_terms == hidden


def test_no_answer_where_no_rule_compresses_the_terms():
    pi = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4]
    found = guess_all(pi, 5)
    assert found.answer is None and found.next_terms == [] and len(found.tried) > 20
    # A001305 (partitions into parts of 1, 2, 5, 10, 20, 50): a 10-term pre-period fits, but predicts wrong
    coins = [1, 2, 4, 6, 9, 13, 18, 24, 31, 39, 50, 62, 77, 93, 112, 134, 159, 187, 218, 252]
    found = guess_all(coins, 5)
    assert found.fits and all(not compresses(f) for f in found.fits) and found.answer is None


def test_the_docs_example_runs():
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "guessers.md").read_text()
    block = re.search(r"```python\n(.*?)```", doc, re.S).group(1)
    exec(compile(block, "docs/guessers.md", "exec"), {})
