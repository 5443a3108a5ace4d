"""Sequence tools (exact fits, tables, formula checks) and what each move computes on a sequence."""

from __future__ import annotations

import pytest

from agent.workspace.sequences import (
    check_formula,
    difference_rows,
    fit_polynomial,
    fit_recurrence,
    ratio_row,
    safe_formula,
)


def test_tables_are_exact():
    assert difference_rows([1, 4, 9, 16, 25]) == [[3, 5, 7, 9], [2, 2, 2], [0, 0]]
    assert ratio_row([0, 2, 3, 6]) == ["-", "3/2", "2"]


def test_fits_find_the_simplest_rule_and_predict():
    poly = fit_polynomial([2, 5, 10, 17, 26, 37], 3)
    assert poly.rule == "a(n) = n**2 + 1" and poly.next_terms == [50, 65, 82] and poly.form.endswith("degree 2")
    fib = fit_recurrence([1, 1, 2, 3, 5, 8, 13, 21, 34], 2)
    assert fib.form.endswith("order 2") and fib.next_terms == [55, 89]
    affine = fit_recurrence([1, 3, 7, 15, 31, 63, 127], 2)
    assert affine.rule == "a(n) = 2*a(n-1) + 1" and affine.next_terms == [255, 511]
    assert fit_polynomial([1, 1, 2, 3, 5, 8, 13, 21, 34], 3) is None      # not a polynomial of degree <= 4
    assert fit_recurrence([2, 3, 5, 7, 11, 13, 17, 19, 23], 2) is None     # the primes fit no short recurrence


def test_a_formula_is_checked_against_every_term_and_never_evaluated_as_code():
    ok = check_formula("n^2 + 1", [2, 5, 10], 2)
    assert ok.status == "survived" and ok.next_terms == [17, 26]
    wrong = check_formula("n**2", [1, 4, 10], 1)
    assert wrong.status == "refuted" and wrong.refuted_at == "n=3: gives 9, the term is 10" and wrong.explains == 2
    evil = check_formula("__import__('os').system('touch /tmp/polya-pwned')", [1, 2], 1)
    assert evil.status == "refuted" and "not a closed form" in evil.refuted_at
    assert not safe_formula("n.__class__") and safe_formula("binomial(2*n, n)/(n+1)")
    assert check_formula("n/2", [1, 1], 1).status == "refuted"      # n/2 at n=1 is not the term 1


@pytest.fixture
def unexplained(monkeypatch):
    """Terms no guesser explains: the guessers find factorials, and these tests are about what
    happens without a rule from the tools (the model's rule programs, checked against the terms)."""
    from agent.workspace.guess import Guesses

    monkeypatch.setattr("strategies.sequences.moves.guess_all", lambda terms, predict: Guesses(tried=["(none)"]))


@pytest.fixture
def seq_input(tmp_path):
    from agent.loop.context import RunSettings
    from agent.problems.models import SequenceProblem
    from tests.loop_helpers import FunctionBackend, move_input

    def make(terms, backend=None, **settings):
        backend = backend or FunctionBackend()
        problem = SequenceProblem(id="s", terms=terms, hidden=[0, 0], predict=2)
        return move_input(tmp_path, problem, backend, settings=RunSettings(**settings)), backend
    return make


async def test_sequence_moves_compute_without_the_model_when_a_fit_exists(seq_input):

    inp, backend = seq_input([1, 1, 2, 3, 5, 8, 13, 21, 34])
    out = await inp.family.move_fn("examples")(inp)
    assert out.findings.examples[1] == "differences 1: 0, 1, 1, 2, 3, 5, 8, 13" and out.findings.source == "tool:sequence"
    out = await inp.family.move_fn("patterns")(inp)
    assert out.findings.conjectures[0].endswith("explains all 9 given terms; next: 55, 89")
    out = await inp.family.move_fn("attempt")(inp)
    assert out.findings.candidates == ["55, 89"] and backend.requests == []


async def test_counterexamples_checks_a_models_claim_in_the_notebook(seq_input):
    from agent.trace.events import Findings

    inp, _ = seq_input([1, 3, 6, 10, 15])
    inp.state.notebook.add(Findings(conjectures=["a(n) = n*(n+1)/2", "a(n) = 2*n - 1"]), step=1, move="patterns",
                           attack_id="A1")
    out = await inp.family.move_fn("counterexamples")(inp)
    assert out.findings.conjectures[0].startswith("a(n) = n*(n+1)/2 (formula, model) explains all 5")
    assert out.findings.counterexamples == ["a(n) = 2*n - 1 (formula, model) is refuted at n=3: gives 5, the term is 6"]


CUBES = "Cubes.\n```python\n# n cubed\ndef a(n):\n    return n ** 3\n```"
TABLE = "```python\n# the terms\ndef a(n):\n    return [1, 2, 6, 24, 120, 720, 5040, 40320, 362880][n - 1]\n```"
FACTORIAL = ("Each term is n times the one before.\n```python\n# n factorial\nimport math\n"
             "def a(n):\n    return math.factorial(n)\n```")


async def test_without_a_fit_the_model_writes_its_rule_as_a_program_that_the_harness_runs_and_checks(seq_input, unexplained):
    from tests.loop_helpers import FunctionBackend

    backend = FunctionBackend(overrides={"move:patterns": CUBES})
    inp, _ = seq_input([1, 2, 6, 24, 120, 720, 5040], backend)          # n!, as if no guesser fitted it
    out = await inp.family.move_fn("patterns")(inp)
    assert out.findings.counterexamples == ["Cubes. (program, model) is refuted at n=2: a(2) gives 8, the term is 2"]
    backend.overrides["move:patterns"] = TABLE     # a lookup table of the answer is not a rule
    out = await inp.family.move_fn("patterns")(inp)
    assert "writes out 7 given terms in a row" in out.findings.counterexamples[0]
    chain = "".join(f"    {'if' if k == 1 else 'elif'} n == {k}:\n        return {t}\n"
                    for k, t in enumerate([1, 2, 6, 24, 120, 720, 5040], 1))
    backend.overrides["move:patterns"] = f"```python\n# by cases\ndef a(n):\n{chain}    return 40320\n```"
    out = await inp.family.move_fn("patterns")(inp)      # an if/elif chain of the terms is a table too
    assert "writes out 7 given terms in a row" in out.findings.counterexamples[0]
    backend.overrides["move:patterns"] = FACTORIAL
    out = await inp.family.move_fn("patterns")(inp)
    assert "explains all 7 given terms; next: 40320, 362880" in out.findings.conjectures[0]
    assert "Rules already tried:" in backend.requests[-1].messages[-1].content    # the refuted ones are shown
    assert "Cubes. (program, model) is refuted" in backend.requests[-1].messages[-1].content
    out = await inp.family.move_fn("attempt")(inp)
    assert out.findings.candidates == ["40320, 362880"]


async def test_every_sequence_move_computes_understand_tabulates_backwards_and_reframe_propose_checked_rules(
        seq_input, unexplained):
    from strategies.sequences.moves import BACKWARDS, REFRAME
    from tests.loop_helpers import FunctionBackend

    backend = FunctionBackend(overrides={"move:backwards": CUBES, "move:reframe": FACTORIAL})
    inp, _ = seq_input([1, 2, 6, 24, 120, 720, 5040], backend)
    out = await inp.family.move_fn("understand")(inp)
    assert out.findings.examples[0] == "terms: 1, 2, 6, 24, 120, 720, 5040" and backend.requests == []
    out = await inp.family.move_fn("backwards")(inp)
    assert "is refuted at n=2" in out.findings.counterexamples[0] and BACKWARDS in backend.requests[-1].messages[-1].content
    out = await inp.family.move_fn("reframe")(inp)
    assert "explains all 7 given terms" in out.findings.conjectures[0] and REFRAME in backend.requests[-1].messages[-1].content


async def test_a_rule_that_never_returns_at_n_0_is_stopped_and_keeps_the_terms_it_reached(seq_input, unexplained):
    from tests.loop_helpers import FunctionBackend

    hangs = FACTORIAL.replace("    return math.factorial(n)", "    while n == 0:\n        pass\n    return math.factorial(n)")
    backend = FunctionBackend(overrides={"move:patterns": hangs})
    inp, _ = seq_input([1, 2, 6, 24, 120, 720, 5040], backend, code_timeout_s=2)
    out = await inp.family.move_fn("patterns")(inp)
    assert "explains all 7 given terms; next: 40320, 362880" in out.findings.conjectures[0]


async def test_the_first_attempt_on_a_sequence_is_the_fit_then_the_models_rule_checked_against_the_terms(tmp_path,
                                                                                                       monkeypatch):
    """A fit ends the run with no model call; without one, the model's program is the first attempt,
    accepted because it reproduces every given term (solve time), graded once after the run."""
    from agent.loop.run import asolve
    from agent.problems.models import Budget, SequenceProblem
    from agent.trace.reader import read_events
    from tests.loop_helpers import FunctionBackend

    fib = SequenceProblem(id="fib", terms=[1, 1, 2, 3, 5, 8, 13, 21, 34], hidden=[55, 89], predict=2)
    be = FunctionBackend()
    result = await asolve(fib, backend=be, policy="random", budget=Budget(steps=6), trace=tmp_path / "f.jsonl")
    assert result.status == "solved" and result.answer == "55, 89" and be.requests == []
    from agent.workspace.guess import Guesses  # terms no guesser explains (see `unexplained`)

    monkeypatch.setattr("strategies.sequences.moves.guess_all", lambda terms, predict: Guesses())
    fact = SequenceProblem(id="fact", terms=[1, 2, 6, 24, 120, 720, 5040], hidden=[40320, 0], predict=2)
    be = FunctionBackend(overrides={"move:attempt:obvious": FACTORIAL})
    result = await asolve(fact, backend=be, policy="random", budget=Budget(steps=6), trace=tmp_path / "n.jsonl")
    assert result.answer == "40320, 362880" and result.status != "solved"     # the hidden terms say 40320, 0
    assert [r.purpose for r in be.requests] == ["move:attempt:obvious"]
    events = read_events(tmp_path / "n.jsonl")
    verdict = next(e for e in events if e.type == "verdict")
    assert verdict.overrides == ["consistent_with_given_terms"] and verdict.decision == "solved"
    end = next(e for e in events if e.type == "run_end")
    assert "comes from a rule that reproduces every given term" in end.reason
    graded = [e for e in events if e.type == "verification"]
    assert len(graded) == 1 and graded[0].graded_after_run and "40320, 0" not in str(be.requests[0].messages)


async def test_the_guessers_answer_first_and_the_model_is_asked_only_where_none_explains_the_terms(tmp_path):
    """n! and the Catalan numbers are beyond the old polynomial/recurrence fits: the guessers settle
    them with no model call; digits of pi compress to no rule, so the model is asked for one."""
    from agent.loop.run import asolve
    from agent.problems.models import Budget, SequenceProblem
    from agent.trace.reader import read_events
    from tests.loop_helpers import FunctionBackend

    for terms, hidden in (([1, 2, 6, 24, 120, 720, 5040, 40320], [362880]),
                          ([1, 1, 2, 5, 14, 42, 132, 429, 1430, 4862, 16796], [58786])):
        be = FunctionBackend()
        result = await asolve(SequenceProblem(id=f"s{len(terms)}", terms=terms, hidden=hidden, predict=1),
                              backend=be, policy="random", budget=Budget(steps=4), trace=tmp_path / f"{len(terms)}.jsonl")
        assert result.status == "solved" and be.requests == []
        assert any(e.type == "tool_call" and e.tool == "guess_all" for e in read_events(result.trace_path))
    be = FunctionBackend(overrides={"move:attempt:obvious": CUBES})
    await asolve(SequenceProblem(id="pi", terms=[3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7], hidden=[9], predict=1),
                 backend=be, policy="random", budget=Budget(steps=2), trace=tmp_path / "pi.jsonl")
    assert be.requests and be.requests[0].purpose == "move:attempt:obvious"


async def test_with_no_rule_that_explains_the_terms_the_run_gives_no_answer_and_never_guesses_in_words(tmp_path):
    """Family version 2: the attempt gives a checked rule's next terms or none; the model's next terms
    in words (right 2, wrong 52 in docs/results/oeis-loop-100) are never asked for, so a run whose
    rule programs are all refuted ends with no answer rather than a confident wrong one."""
    from agent.loop.run import asolve
    from agent.problems.models import Budget, SequenceProblem
    from agent.trace.reader import read_events
    from strategies.sequences.moves import NO_RULE
    from tests.loop_helpers import FunctionBackend

    be = FunctionBackend(fn=lambda req: CUBES if req.purpose.startswith("move:") else None)
    digits = SequenceProblem(id="pi", terms=[3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7], hidden=[9], predict=1)
    result = await asolve(digits, backend=be, policy="fixed:attempt", budget=Budget(steps=4),
                          trace=tmp_path / "pi.jsonl")
    assert not result.answer and result.status != "solved"
    words = [r.purpose for r in be.requests
             if r.purpose.startswith("move:attempt") and not r.purpose.startswith("move:attempt:obvious")]
    assert words == []          # only the first step's rule program (and its repair) was asked for
    attempts = [e for e in read_events(result.trace_path) if e.type == "move_end" and e.move == "attempt"]
    assert attempts and all(e.summary == NO_RULE and not e.findings.candidates for e in attempts)


async def test_a_sequence_run_keeps_no_answer_reserve_and_its_ledger_answers_when_the_budget_ends(tmp_path):
    """Family version 3: the attempt is a tool, so the tokens a loop keeps for an answer elsewhere are
    spent on rule programs here (at version 2 a third of them were left unspent); a rule that a
    program found on the last call still answers, from the ledger, after the run."""
    from agent.loop.run import asolve
    from agent.problems.models import Budget, SequenceProblem
    from agent.trace.reader import read_events
    from agent.workspace.sequences import Fit, SequenceWorkspace
    from strategies.sequences import SequencesFamily
    from tests.loop_helpers import FunctionBackend

    be = FunctionBackend(fn=lambda req: CUBES if req.purpose.startswith("move:") else None)
    digits = SequenceProblem(id="pi", terms=[3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7], hidden=[9], predict=1)
    result = await asolve(digits, backend=be, policy="fixed:reframe", budget=Budget(steps=40, tokens=6000),
                          trace=tmp_path / "pi.jsonl")
    events = read_events(result.trace_path)
    end = next(e for e in events if e.type == "run_end")
    assert end.status == "budget" and "token budget" in end.reason and result.answer is None
    assert not any("kept for an answer" in (getattr(e, "reason", "") or "") for e in events)
    assert 6000 - end.used.tokens < 1000     # what is left would not pay for one more rule program

    state = type("State", (), {"workspace": SequenceWorkspace(ledger=[
        Fit(form="program", rule="a(n) = n**3", status="refuted", refuted_at="n=1"),
        Fit(form="program", rule="a(n) = n!", explains=7, next_terms=[40320, 362880])])})()
    assert SequencesFamily().final_answer(state) == "40320, 362880"
    assert SequencesFamily().final_answer(type("State", (), {"workspace": SequenceWorkspace()})()) is None
