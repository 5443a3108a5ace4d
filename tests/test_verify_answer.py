"""Answer kind: math-verify equivalence plus what it lacks (base-n, choices, exact-form requests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.problems import load_problem, load_problems
from agent.problems.models import AnswerProblem, ProofProblem
from agent.verify import verify
from agent.verify.extract import answer_line, focus, last_boxed

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "problems/math/examples.yaml"


def ans(answer: str, statement: str = "", **kw) -> AnswerProblem:
    return AnswerProblem(id="t", answer=answer, statement=statement, **kw)


@pytest.mark.parametrize("gold,candidate", [
    ("\\frac{1}{2}", "1/2"),
    ("\\frac{1}{2}", "0.5"),
    ("\\frac{1}{2}", "\\dfrac{1}{2}"),
    ("\\left( 3, \\frac{\\pi}{2} \\right)", "(3, \\pi/2)"),
    ("3\\sqrt{2}", "\\sqrt{18}"),
    ("1000", "1,000"),
    ("90^\\circ", "90"),
    ("[2,5)", "[2, 5)"),
    ("x^2+1", "1 + x^2"),
    ("\\text{(C)}", "C"),
    ("\\text{(C)}", "$\\text{(C)}$"),
    ("10\\%", "10"),
    ("42", "The answer is $\\boxed{42}$."),
    ("42", "Answer: 42"),
    ("42", "<think>maybe 41</think>\nFinal answer: 42"),
    ("-1", "\\boxed{-1}"),
    ("12\\pi", "12pi"),
    ("-\\frac{\\pi}{6}", "-pi/6"),
    ("70 \\sqrt{2}", "70 sqrt(2)"),
    ("(-\\sqrt{3}, \\sqrt{3})", "(-sqrt(3), sqrt(3))"),
    ("\\sqrt{2}+\\pi", "√2 + π"),
    ("6+9i", "(6+9j)"),                  # Python's complex, as a program prints it
    ("-2.5i", "-2.5j"),
])
def test_equivalent_answers_are_accepted(gold, candidate):
    result = verify(ans(gold), candidate)
    assert result.ok and result.verified and result.reason == "correct", result.reason


@pytest.mark.parametrize("gold,candidate", [
    ("\\frac{1}{2}", "1/3"),
    ("\\frac{1}{3}", "0.333"),
    ("3\\sqrt{2}", "2\\sqrt{3}"),
    ("[2,5)", "[2, 5]"),
    ("42", "The answer is $\\boxed{43}$."),
    ("\\text{(C)}", "B"),
    ("6+9i", "(6+8j)"),
])
def test_wrong_answers_are_rejected_without_revealing_the_reference(gold, candidate):
    result = verify(ans(gold), candidate)
    assert not result.ok and result.verified
    assert gold not in result.reason


def test_unreadable_candidate_is_a_rejection_not_an_exception():
    for candidate in ["", "   ", "no idea", "\\frac{"]:
        result = verify(ans("\\frac{1}{2}"), candidate)
        assert not result.ok and result.reason


def test_base_n_subscripts_which_math_verify_lacks():
    p = load_problem(EXAMPLES, id="base-8")
    assert verify(p, "52_8").ok
    assert verify(p, "52_{8}").ok
    assert verify(p, "Answer: 52").ok          # the numeral in the asked base
    assert verify(p, "42").ok                  # its decimal value
    assert not verify(p, "53_8").ok
    assert not verify(p, "51").ok
    assert verify(ans("1011_2"), "11").ok and verify(ans("1011_2"), "1011_2").ok


def test_decimal_is_refused_where_the_problem_asks_for_an_exact_form():
    assert verify(load_problem(EXAMPLES, id="half"), "0.5").ok
    refused = verify(load_problem(EXAMPLES, id="half-common-fraction"), "0.5")
    assert not refused.ok and "common fraction" in refused.reason
    assert verify(load_problem(EXAMPLES, id="half-common-fraction"), "\\frac{1}{2}").ok


def test_multiple_choice_letters_and_values():
    p = load_problem(EXAMPLES, id="choice")
    for good in ["C", "(C)", "\\boxed{C}", "Answer: (C) 29", "29"]:
        assert verify(p, good).ok, good
    wrong = verify(p, "B")
    assert not wrong.ok and wrong.reason == "choice B is not the correct choice"
    assert not verify(p, "27").ok


def test_proof_problems_are_never_verified():
    result = verify(ProofProblem(id="p", statement="Prove it."), "Proof: trivial.")
    assert not result.ok and not result.verified and "unverified" in result.reason


def test_extraction_helpers():
    assert last_boxed("a \\boxed{\\frac{1}{2}} then \\boxed{x^{2}}") == "x^{2}"
    assert last_boxed("\\boxed{unclosed") is None
    assert answer_line("work\n**Final Answer:** 12\n") == "12"
    assert focus("<think>\\boxed{1}</think> Answer: 2") == "2"


def test_math500_sample_accepts_boxed_and_rejects_wrong():
    """A sample of the MATH-500 dev file (the full run is benchmarks/bench_verify_math500.py)."""
    problems = load_problems(ROOT / "problems/math/math500-dev.yaml")
    rows = [json.loads(line) for line in (ROOT / "problems/data/math500/test_dev.jsonl").read_text().splitlines()]
    for p, row in list(zip(problems, rows, strict=True))[::10]:
        boxed = last_boxed(row["solution"])
        assert verify(p, f"So the answer is $\\boxed{{{boxed}}}$.").ok, (p.id, p.answer)
        assert verify(p, f"Answer: {p.answer}").ok, (p.id, p.answer)
        if p.answer.strip().lstrip("-").isdigit():
            assert not verify(p, str(int(p.answer) + 1)).ok, p.id


def test_gsm8k_aime_amc_references_verify():
    for name in ["gsm8k-sample", "aime24", "amc23"]:
        for p in load_problems(ROOT / f"problems/math/{name}.yaml")[:15]:
            assert verify(p, f"The answer is \\boxed{{{p.answer}}}").ok, p.id
            assert not verify(p, f"The answer is \\boxed{{{int(p.answer) + 7}}}").ok, p.id


def test_a_programs_complex_number_agrees_with_the_same_number_in_i_notation():
    from agent.verify.answer import answers_agree, python_complex

    assert answers_agree("6 + 9i", "(6+9j)") and answers_agree("(6+9j)", "6 + 9i")
    assert not answers_agree("(6+9j)", "9 + 9i")
    assert python_complex("j = 3, adj, 2j, x_2j, 1e3j") == "j = 3, adj, 2i, x_2j, 1e3i"   # names and words stay


def test_a_programs_float_noise_agrees_with_the_exact_value_but_is_not_graded_as_it():
    from agent.verify.answer import answers_agree

    assert answers_agree("5", "4.999999999999999") and answers_agree("4.999999999999999", "5")
    assert answers_agree("\\sqrt{25}", "5.000000000000001") and answers_agree("-\\frac{7}{2}", "-3.4999999999999996")
    assert not answers_agree("6", "4.999999999999999") and not answers_agree("\\frac{1}{3}", "0.33")  # short: not noise
    five = AnswerProblem(id="t", statement="What is 2 + 3?", answer="5")
    assert not verify(five, "4.999999999999999").ok      # grading stays strict
