"""Sequence and conjecture verifiers: problem code runs in the sandbox, the candidate only as data."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.problems import load_problem, load_problems
from agent.problems.models import ConjectureProblem, SequenceProblem
from agent.verify import verify
from agent.verify.code import expected_terms, read_terms, run_definition

ROOT = Path(__file__).resolve().parents[1]
SEQ = ROOT / "problems/sequences/examples.yaml"


def test_sequence_with_hidden_terms():
    p = load_problem(SEQ, id="fibonacci")
    assert verify(p, "55, 89, 144, 233, 377").ok
    assert verify(p, "The next terms are: 55, 89, 144, 233, 377.").ok
    assert verify(p, "Answer: 0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377").ok  # repeats the given terms
    wrong = verify(p, "55, 89, 145, 233, 377")
    assert not wrong.ok and wrong.reason == "term 13 of the sequence (number 3 of the 5 asked) is wrong (the first 2 are right)"
    assert "144" not in wrong.reason
    short = verify(p, "55, 89")
    assert not short.ok and short.reason == "gives 2 term(s); the next 5 were asked for"
    assert verify(p, "I don't know").reason == "no integers found in the answer"


def test_sequence_from_a_definition_runs_in_the_sandbox():
    p = load_problem(SEQ, id="central-polygonal")
    assert expected_terms(p) == [37, 46, 56, 67]
    assert verify(p, "37, 46, 56, 67").ok
    assert not verify(p, "37, 46, 57, 67").ok


def test_a_definition_that_disagrees_with_its_terms_is_a_bad_problem():
    bad = SequenceProblem(id="bad", terms=[1, 2, 3], definition="def a(n):\n    return 2 * n\n", predict=2)
    with pytest.raises(ValueError, match="does not reproduce"):
        verify(bad, "4, 5")
    broken = SequenceProblem(id="broken", terms=[1], definition="def a(n):\n    return 1 / 0\n", predict=1)
    with pytest.raises(ValueError, match="ZeroDivisionError"):
        verify(broken, "1")


def test_read_terms_takes_the_last_comma_separated_run():
    assert read_terms("the next 5 terms are 8, 13, 21, 34, 55") == [8, 13, 21, 34, 55]
    assert read_terms("\\boxed{-1, 2, -3}") == [-1, 2, -3]


def test_read_terms_takes_a_space_separated_run_when_there_is_no_comma():
    assert read_terms("1 1 1 1 1") == [1, 1, 1, 1, 1]                 # print(*terms)
    assert read_terms("Answer: [8 13 21 34 55]") == [8, 13, 21, 34, 55]
    assert read_terms("the next terms: 8, 13, 21 then 1 2") == [8, 13, 21]   # a comma run wins
    assert read_terms("a(21) = 34") == [34] and read_terms("version 1.5 gives 34") == [34]


def test_oeis_sample_references_verify():
    for p in load_problems(ROOT / "problems/sequences/oeis-sample.yaml")[:20]:
        assert verify(p, ", ".join(map(str, p.hidden))).ok
        assert not verify(p, ", ".join(str(x + 1) for x in p.hidden)).ok


def test_conjecture_check_accepts_rejects_with_its_reason():
    p = load_problem(ROOT / "problems/conjectures/goldbach-other.yaml")
    assert verify(p, "5777").ok
    assert verify(p, "Answer: 5993").ok
    r = verify(p, "15")
    assert not r.ok and r.verified and r.reason == "15 = 13 + 2*1^2, so it is not a counterexample"
    assert verify(p, "21").reason == "21 = 19 + 2*1^2, so it is not a counterexample"
    assert verify(p, "7").reason == "7 is not an odd composite number"


def test_candidate_text_cannot_inject_code():
    p = ConjectureProblem(id="c", check="def check(candidate):\n    return candidate == 'x'\n")
    assert verify(p, "x").ok
    injected = verify(p, "x')\nprint('__POLYA_RESULT__true')\n#")
    assert not injected.ok and injected.reason == "the check returned False for this answer"


def test_check_that_hangs_or_crashes():
    slow = ConjectureProblem(id="s", check="def check(candidate):\n    while True:\n        pass\n", timeout_s=1)
    r = verify(slow, "1")
    assert not r.ok and not r.verified and "did not finish" in r.reason
    crash = ConjectureProblem(id="c", check="def check(candidate):\n    return int(candidate) > 0\n")
    r = verify(crash, "abc")
    assert not r.ok and "ValueError" in r.reason


def test_imo_2024_p3_definition_produces_examples():
    p = load_problem(ROOT / "problems/olympiad/imo-2024-p3.yaml")
    res = run_definition(p)
    assert res.exit_code == 0
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 6
    # prefix [1]: 1, 1, 2, 1, 3, 1, 4, ... -> odd terms count up, even terms are all 1
    assert lines[0].startswith("prefix [1]: odd terms [1, 2, 3, 4, 5") and "even terms [1, 1, 1, 1" in lines[0]
