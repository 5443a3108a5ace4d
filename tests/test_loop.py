"""The solving loop with a function backend: every judge path, the verifier feeding rejections
back, budgets, policies, and the trace it writes."""

from __future__ import annotations

import pytest

from agent.errors import BackendTimeout
from agent.loop.context import RunSettings
from agent.loop.judge import JudgeAssessment, combine
from agent.loop.run import asolve, parse_budget
from agent.problems.models import Budget, ProofProblem
from agent.trace.events import ControllerChoice, LLMCall, MoveEnd, RunEnd, RunStart, Verdict, Verification
from agent.trace.reader import read_events
from strategies.family import Signals
from tests.loop_helpers import PROSE269, CannedTools, FunctionBackend, sequence


async def run(tmp_path, backend, policy="fixed:examples,patterns,attempt", budget=None, problem=PROSE269, **kw):
    kw.setdefault("tools", CannedTools())
    result = await asolve(problem, backend=backend, policy=policy, budget=budget or Budget(steps=8),
                          trace=tmp_path / "t.jsonl", **kw)
    return result, read_events(result.trace_path)


def of(events, cls):
    return [e for e in events if isinstance(e, cls)]


async def test_verified_answer_ends_run_solved(tmp_path):
    result, events = await run(tmp_path, FunctionBackend(), policy="fixed:attempt")
    assert result.status == "solved" and result.verified and result.answer == "2*7*21-25"
    assert of(events, Verification)[0].ok
    assert isinstance(events[0], RunStart) and isinstance(events[-1], RunEnd)
    assert [e.seq for e in events] == list(range(len(events)))


async def test_hallucinated_solution_is_rejected_and_reason_fed_back(tmp_path):
    backend = FunctionBackend(overrides={"move:attempt": sequence(
        {"reasoning": "21*7=147; 21*7=147; 147+147-25=269, three steps", "answer": "21*7+21*7-25"},
        {"reasoning": "2*7*21-25", "answer": "2*7*21-25"})})
    result, events = await run(tmp_path, backend, policy="fixed:attempt")
    checks = of(events, Verification)
    assert [c.ok for c in checks] == [False, True]
    assert "21" in checks[0].reason and "7" in checks[0].reason
    second_attempt = [r for r in backend.requests if r.purpose == "move:attempt"][1]
    assert "Rejected answer 21*7+21*7-25" in second_attempt.messages[-1].content
    assert result.status == "solved"


async def test_every_move_gets_a_verdict_and_every_call_is_recorded(tmp_path):
    backend = FunctionBackend(overrides={"move:attempt": {"reasoning": "", "answer": "2+3"}})
    result, events = await run(tmp_path, backend, policy="fixed:examples,patterns,backwards,attempt")
    moves = [e for e in of(events, MoveEnd) if e.move != "understand"]
    assert len(of(events, Verdict)) == len(moves) == result.steps - 1
    assert len(of(events, LLMCall)) == len(backend.requests)
    assert {m.move for m in moves} >= {"examples", "patterns"}


async def test_step_budget_ends_with_status_budget_and_final_step_attempts(tmp_path):
    backend = FunctionBackend(overrides={"move:attempt": {"reasoning": "", "answer": "2+3"}})
    result, events = await run(tmp_path, backend, policy="fixed:examples,patterns", budget=Budget(steps=5))
    assert result.status == "budget" and result.steps == 5
    assert [e for e in of(events, MoveEnd)][-1].move == "attempt"   # last step forced to attempt


async def test_token_budget_is_a_ceiling_not_a_target(tmp_path):
    backend = FunctionBackend(overrides={"move:attempt": {"reasoning": "", "answer": "2+3"}})
    result, events = await run(tmp_path, backend, budget=Budget(steps=100, tokens=5000))
    assert result.status == "budget" and result.used.tokens <= 5000
    assert "the next prompt alone needs" in result.reason       # refused before the call, not after


async def test_last_call_max_tokens_is_clipped_to_what_the_budget_has_left(tmp_path):
    from agent.loop.calls import estimate_prompt_tokens

    backend = FunctionBackend(overrides={"move:attempt": {"reasoning": "", "answer": "2+3"}})
    result, _ = await run(tmp_path, backend, policy="fixed:attempt", budget=Budget(tokens=10_000))
    first = backend.requests[0]                                   # move:understand
    tight = reserve_tight(estimate_prompt_tokens(first.messages) + 50)   # room above the reserve: 50
    backend = FunctionBackend(overrides={"move:attempt": {"reasoning": "", "answer": "2+3"}})
    result, events = await run(tmp_path, backend, policy="fixed:attempt", budget=Budget(tokens=tight))
    assert backend.requests[0].max_tokens == 50                   # not allowed into the answer reserve
    assert of(events, LLMCall)[0].request["max_tokens"] == 50      # the trace records the clipped value


def reserve_tight(needed: int) -> int:
    """The token budget B whose room above its answer reserve is exactly `needed`."""
    from agent.loop.budget import answer_reserve

    budget = int(needed / 0.75)
    while budget - answer_reserve(Budget(tokens=budget)) < needed:
        budget += 1
    while budget - answer_reserve(Budget(tokens=budget)) > needed:
        budget -= 1
    return budget


async def test_token_budget_running_out_makes_the_loop_attempt_while_it_can_still_pay(tmp_path):
    # Each step here costs 2 calls of ~750-950 tokens. Without the last-affordable-step rule the
    # fixed policy explores until a call is refused and never proposes an answer.
    backend = FunctionBackend(overrides={"move:attempt": {"reasoning": "", "answer": "2+3"}})
    result, events = await run(tmp_path, backend, policy="fixed:examples,patterns", budget=Budget(tokens=9000))
    moves = [e.move for e in of(events, MoveEnd)]
    assert "attempt" in moves, moves
    assert [c.candidate for c in of(events, Verification)] == ["2+3"]
    assert result.used.tokens <= 9000


async def test_last_affordable_step_skips_the_controller_call(tmp_path):
    backend = FunctionBackend(overrides={
        "controller": {"move": "examples", "new_attack": True, "goal": "try", "reason": "more"},
        "reflect": {"assessment": "ok", "progress": 0.3, "decision": "abandon", "next_move": "examples",
                    "new_goal": "try"},
        "move:attempt": {"reasoning": "", "answer": "2+3"}})
    result, events = await run(tmp_path, backend, policy="llm", budget=Budget(tokens=8000))
    purposes = [e.purpose for e in of(events, LLMCall)]
    attempt_at = purposes.index("move:attempt")
    assert purposes[attempt_at - 1] == "reflect"          # no controller call before the forced attempt
    forced = [e for e in of(events, ControllerChoice) if e.move == "attempt"]
    assert forced and "tokens left" in forced[0].reason


async def test_answer_reserve_keeps_tokens_for_an_attempt_after_an_expensive_move(tmp_path):
    # Seen on the 1.5B model: a code move and its repair cost 3,000 of 4,000 tokens and the judge
    # call after it spent the rest; the run ended with no answer proposed. The last quarter of a
    # token budget (at most 2,000) is kept for attempts: the judge is skipped and the loop attempts.
    backend = FunctionBackend(overrides={"move:attempt": {"reasoning": "", "answer": "2+3"}},
                              prompt_tokens={"move:examples": 1200, "judge": 680})
    result, events = await run(tmp_path, backend, policy="fixed:examples", budget=Budget(tokens=4000),
                               tools=CannedTools(stdout="", exit_code=1))
    purposes = [e.purpose for e in of(events, LLMCall)]
    assert purposes[:4] == ["move:understand", "move:examples", "move:examples:repair", "move:attempt"]
    assert [c.candidate for c in of(events, Verification)] == ["2+3"]
    verdict = of(events, Verdict)[0]
    assert verdict.move == "examples" and verdict.model_decision is None     # no judge call in the reserve
    assert "judge_skipped" in verdict.overrides and "kept for an answer" in verdict.reason
    assert all(p.startswith("move:attempt") for p in purposes[3:])


async def test_a_move_call_that_no_longer_fits_leaves_the_tokens_to_attempts(tmp_path):
    # Seen on the 1.5B model with the token ceiling: a failed program's repair prompt (the long
    # program plus its error) did not fit the 2,110 tokens left, and the run ended with no answer.
    long_program = "Sets x.\n```python\n" + "x = 1\n" * 1000 + "```"
    backend = FunctionBackend(overrides={"move:examples": long_program,
                                         "move:attempt": {"reasoning": "", "answer": "2+3"}})
    result, events = await run(tmp_path, backend, policy="fixed:examples", budget=Budget(tokens=3000),
                               tools=CannedTools(stdout="", exit_code=1))
    purposes = [e.purpose for e in of(events, LLMCall)]
    assert purposes[:3] == ["move:understand", "move:examples", "move:attempt"]     # no repair, no judge
    assert [c.candidate for c in of(events, Verification)][:1] == ["2+3"]
    assert "does not fit" in of(events, MoveEnd)[1].summary
    assert result.used.tokens <= 3000


async def _budget_that_refuses(tmp_path, policy, purpose):
    """A token budget at which the first `purpose` call's prompt no longer fits (the calls before it
    cost 21 tokens each here, so neither the answer reserve nor the last-step rule fires first)."""
    from agent.loop.calls import estimate_prompt_tokens

    cheap = {"move:understand": 1, "move:examples": 1}
    probe = FunctionBackend(prompt_tokens=cheap)
    (tmp_path / "probe").mkdir()
    await run(tmp_path / "probe", probe, policy=policy, budget=Budget(steps=3))
    at = next(i for i, r in enumerate(probe.requests) if r.purpose == purpose)
    before = 21 * at
    return Budget(tokens=reserve_tight(before + estimate_prompt_tokens(probe.requests[at].messages))), cheap


@pytest.mark.parametrize("policy,purpose", [("fixed:examples", "judge"), ("llm", "controller")])
async def test_a_judge_or_controller_call_that_does_not_fit_leads_to_an_attempt(tmp_path, policy, purpose):
    budget, cheap = await _budget_that_refuses(tmp_path, policy, purpose)
    backend = FunctionBackend(prompt_tokens=cheap, overrides={"move:attempt": {"reasoning": "", "answer": "2+3"}})
    result, events = await run(tmp_path, backend, policy=policy, budget=budget)
    assert purpose not in [r.purpose for r in backend.requests]        # refused before it was sent
    assert [c.candidate for c in of(events, Verification)][:1] == ["2+3"]
    assert "does not fit" in " ".join(e.reason for e in of(events, Verdict) + of(events, ControllerChoice))
    assert result.used.tokens <= budget.tokens


async def test_an_exact_prompt_count_drives_the_ceiling_and_a_rerun_reproduces_its_refusals(tmp_path):
    from agent.loop.calls import estimate_prompt_tokens
    from agent.loop.rerun import arerun
    from tests.loop_helpers import CountingBackend

    backend = CountingBackend(overrides={"move:attempt": {"reasoning": "", "answer": "2+3"}})
    result, events = await run(tmp_path, backend, policy="fixed:examples,patterns", budget=Budget(tokens=4000))
    calls = of(events, LLMCall)
    for call, request in zip(calls, backend.requests, strict=True):
        counted = int(estimate_prompt_tokens(request.messages) * 0.7)
        assert call.budget_prompt_tokens == counted == call.response["usage"]["prompt_tokens"]
    assert result.used.tokens <= 4000
    import re

    needed = int(re.search(r"the next prompt alone needs (\d+)", result.reason).group(1))
    assert 4000 - result.used.tokens < needed           # it stopped only when the next prompt could not fit
    assert calls[-1].request["max_tokens"] < backend.requests[-2].max_tokens    # the last attempt was clipped
    assert "the next prompt alone needs" in result.reason                       # and the one after refused
    rerun_result, _ = await arerun(result.trace_path, trace=tmp_path / "rerun.jsonl")
    assert (rerun_result.status, rerun_result.used.tokens) == (result.status, result.used.tokens)
    again = read_events(tmp_path / "rerun.jsonl")
    assert [c.request["max_tokens"] for c in of(again, LLMCall)] == [c.request["max_tokens"] for c in calls]


async def test_no_repair_round_when_the_budget_could_not_pay_for_it(tmp_path):
    backend = FunctionBackend(overrides={"move:attempt": {"reasoning": "", "answer": "2+3"}})
    await run(tmp_path, backend, policy="fixed:attempt", budget=Budget(tokens=100_000))
    assert backend.requests[0].repair                                   # plenty left: repair allowed
    first = backend.requests[0]
    from agent.loop.calls import estimate_prompt_tokens

    tight = estimate_prompt_tokens(first.messages) + 200
    backend = FunctionBackend(overrides={"move:attempt": {"reasoning": "", "answer": "2+3"}})
    _, events = await run(tmp_path, backend, policy="fixed:attempt", budget=Budget(tokens=tight))
    assert backend.requests[0].repair is False
    assert of(events, LLMCall)[0].request["repair"] is False


async def test_give_up_too_early_becomes_abandon_then_late_give_up_stops(tmp_path):
    backend = FunctionBackend(overrides={
        "judge": {"assessment": "hopeless", "progress": 0.1, "decision": "give_up"},
        "move:attempt": {"reasoning": "", "answer": "2+3"}})
    result, events = await run(tmp_path, backend, policy="fixed:examples", budget=Budget(steps=10))
    verdicts = of(events, Verdict)
    assert verdicts[0].decision == "abandon" and "too_early_to_give_up" in verdicts[0].overrides
    assert result.status == "gave_up" and verdicts[-1].decision == "give_up"
    assert len(of(events, RunEnd)) == 1


async def test_persist_repeats_move_then_cap_forces_switch(tmp_path):
    backend = FunctionBackend(overrides={
        "move:examples": lambda req: f"p\n```python\nprint({len(req.messages)})\n```"})
    tools = iter(range(100))

    class Fresh(CannedTools):
        async def run(self, code, *, timeout_s, memory_mb):
            self.stdout = f"fresh example {next(tools)}"
            return await super().run(code, timeout_s=timeout_s, memory_mb=memory_mb)

    result = await asolve(PROSE269, backend=backend, policy="fixed:examples,patterns", budget=Budget(steps=6),
                          trace=tmp_path / "t.jsonl", tools=Fresh())
    verdicts = of(read_events(result.trace_path), Verdict)
    assert [v.decision for v in verdicts[:3]] == ["persist", "persist", "switch"]
    assert [v.move for v in verdicts[:3]] == ["examples"] * 3
    assert "persist_cap" in verdicts[2].overrides


async def test_no_new_findings_turns_persist_into_switch(tmp_path):
    result, events = await run(tmp_path, FunctionBackend(), policy="fixed:patterns,patterns,attempt")
    verdicts = of(events, Verdict)
    # the second `patterns` repeats the same conjecture: nothing new, so no persisting
    assert verdicts[1].decision == "switch" and "no_new_findings" in verdicts[1].overrides


async def test_stagnant_attack_is_abandoned_and_new_attack_opened(tmp_path):
    backend = FunctionBackend(overrides={
        "judge": {"assessment": "meh", "progress": 0.1, "decision": "switch"},
        "move:backwards": lambda req: {"subgoals": [f"goal {len(str(req.messages))}"], "facts": []}})
    result = await asolve(PROSE269, backend=backend, policy="fixed:backwards,reframe", budget=Budget(steps=7),
                          trace=tmp_path / "t.jsonl", tools=CannedTools())
    events = read_events(result.trace_path)
    verdicts = of(events, Verdict)
    assert verdicts[2].decision == "abandon" and "stagnant" in verdicts[2].overrides
    opened = [e for e in events if e.type == "attack_open"]
    assert len(opened) >= 2 and opened[1].goal == "work back from 269"   # next plan from `understand`


async def test_move_backend_error_is_recorded_and_judged_as_failure(tmp_path):
    backend = FunctionBackend(overrides={"move:patterns": BackendTimeout("server timed out after 30s")})
    result, events = await run(tmp_path, backend, policy="fixed:patterns,attempt")
    failed = [e for e in of(events, MoveEnd) if e.move == "patterns"][0]
    assert "timed out" in failed.error
    assert any(c.error and c.error["type"] == "BackendTimeout" for c in of(events, LLMCall))
    assert result.status == "solved"


async def test_repeated_backend_errors_end_run_with_status_error(tmp_path):
    backend = FunctionBackend(fn=lambda req: BackendTimeout("down") if req.purpose.startswith("move:") else None)
    result, events = await run(tmp_path, backend, policy="fixed:examples,patterns")
    assert result.status == "error" and "in a row failed" in result.reason


async def test_proof_problem_solved_only_unverified(tmp_path):
    problem = ProofProblem(id="p", statement="Prove that 1 = 1.")
    backend = FunctionBackend(overrides={"judge": {"assessment": "complete proof", "progress": 1.0,
                                                   "decision": "persist"}})
    result, events = await run(tmp_path, backend, policy="fixed:attempt", problem=problem)
    assert result.status == "solved" and result.verified is False
    assert of(events, Verification)[0].verified is False


async def test_bandit_policy_is_deterministic_for_a_seed(tmp_path):
    backend = FunctionBackend(overrides={"move:attempt": {"reasoning": "", "answer": "2+3"}})
    paths = []
    for i, seed in enumerate((7, 7, 8)):
        result = await asolve(PROSE269, backend=backend, policy="bandit", budget=Budget(steps=8), seed=seed,
                              trace=tmp_path / f"{i}.jsonl", tools=CannedTools())
        paths.append([e.move for e in of(read_events(result.trace_path), MoveEnd)])
    assert paths[0] == paths[1]
    assert len(set(paths[0][1:])) >= 3     # explores several moves


async def test_llm_policy_choice_after_switch_cannot_repeat_the_move(tmp_path):
    backend = FunctionBackend(overrides={
        "controller": {"move": "examples", "new_attack": False, "goal": "", "reason": "more"},
        "reflect": {"assessment": "ok", "progress": 0.3, "decision": "switch", "next_move": "examples", "new_goal": ""},
        "move:attempt": {"reasoning": "", "answer": "2+3"}})
    result, events = await run(tmp_path, backend, policy="llm", budget=Budget(steps=4))
    moves = [e.move for e in of(events, MoveEnd)]
    assert moves[1] == "examples" and moves[2] != "examples"


def test_combine_rules():
    m = JudgeAssessment(assessment="x", progress=0.7, decision="persist")
    assert combine(m, Signals("examples", new_findings=2)).decision == "persist"
    assert combine(m, Signals("examples", new_findings=0, attack_progress=[0.4])).progress == 0.4
    assert combine(m, Signals("examples", new_findings=1, persist_streak=3)).decision == "switch"
    assert combine(m, Signals("examples", new_findings=1, move_error="boom")).decision == "switch"
    assert combine(None, Signals("examples", new_findings=1)).overrides == ["judge_unavailable"]
    g = JudgeAssessment(assessment="x", progress=0.1, decision="give_up")
    assert combine(g, Signals("examples", 1, budget_used=0.9)).decision == "give_up"
    assert combine(JudgeAssessment(assessment="x", progress=1.0, decision="persist"), Signals("a", 1)).progress == 0.95


@pytest.mark.parametrize("text,expected", [
    ("steps=5", {"steps": 5, "tokens": 30000}),
    ("tokens=100,cost=0.5,wall=20", {"tokens": 100, "cost_usd": 0.5, "wall_s": 20}),
    ("tokens=none", {"tokens": None}),
])
def test_parse_budget(text, expected):
    b = parse_budget(text).model_dump()
    assert all(b[k] == v for k, v in expected.items())


@pytest.mark.parametrize("text", ["steps", "bogus=3", "steps=-1", "tokens=abc"])
def test_parse_budget_rejects_bad_input(text):
    from agent.errors import InputError

    with pytest.raises(InputError):
        parse_budget(text)


def test_abandon_after_one_move_becomes_switch_unless_refuted():
    a = JudgeAssessment(assessment="x", progress=0.0, decision="abandon")
    early = combine(a, Signals("examples", 1, attack_moves=1))
    assert early.decision == "switch" and "too_early_to_abandon" in early.overrides
    assert combine(a, Signals("counterexamples", 1, attack_moves=1, refuted=True)).decision == "abandon"
    assert combine(a, Signals("examples", 1, attack_moves=2)).decision == "abandon"


async def test_tokens_of_failed_calls_count_against_the_budget_and_replay(tmp_path):
    from agent.backends.base import Usage
    from agent.errors import InvalidOutput
    from agent.loop.rerun import arerun

    failing = InvalidOutput("Patterns: reply cut off mid-JSON", usage=Usage(prompt_tokens=300, completion_tokens=200))
    backend = FunctionBackend(overrides={"move:patterns": failing})
    result, events = await run(tmp_path, backend, policy="fixed:patterns,attempt")
    failed = [c for c in of(events, LLMCall) if c.error]
    assert failed and failed[0].error["usage"]["completion_tokens"] == 200
    answered = sum(c.response["usage"]["completion_tokens"] for c in of(events, LLMCall) if c.response)
    assert result.used.completion_tokens == answered + 200
    rerun_result, _ = await arerun(result.trace_path, trace=tmp_path / "rerun.jsonl")
    assert rerun_result.used.completion_tokens == result.used.completion_tokens


async def test_a_reference_answer_never_reaches_a_run_and_grades_the_final_answer_once(tmp_path):
    """An `answer` problem has no solve-time check: candidates are not graded during the run (no
    verification event, nothing in any prompt), and the final answer is graded once, at the end."""
    from agent.problems.models import AnswerProblem

    problem = AnswerProblem(id="ref", statement="What is 6 times 7?", answer="42")
    guesses = sequence({"reasoning": "r", "answer": "41"}, {"reasoning": "r", "answer": "42"})
    backend = FunctionBackend(overrides={"move:attempt": guesses})
    result, events = await run(tmp_path, backend, policy="fixed:attempt", problem=problem, budget=Budget(steps=4))
    checks = of(events, Verification)
    assert len(checks) == 1 and checks[0].graded_after_run and checks[0].attack_id == "final"
    assert events.index(checks[0]) == len(events) - 2          # after every step, just before run_end
    assert result.status == "solved" and result.answer == "42" and result.verified
    for request in backend.requests:                            # no prompt ever saw a grading
        text = "\n".join(m.content for m in request.messages)
        assert "reference" not in text.lower() and "Rejected answer" not in text
    wrong = FunctionBackend(overrides={"move:attempt": {"reasoning": "r", "answer": "41"}})
    result, events = await run(tmp_path / "w", wrong, policy="fixed:attempt", problem=problem, budget=Budget(steps=3))
    assert result.status == "budget" and not result.verified and "graded after the run" in result.reason
    assert [v.candidate for v in of(events, Verification)] == ["41"]


# -- the obvious attempt first (strategies/obvious.py) ------------------------------------------------
def obvious_backend(answer_text: str, **more):
    return FunctionBackend(overrides={"move:attempt:obvious": answer_text,
                                      "move:attempt:check": "It recomputes.\n```python\nprint(6 * 7)\n```", **more})


async def test_an_obvious_attempt_that_its_self_check_confirms_ends_the_run(tmp_path):
    from agent.problems.models import AnswerProblem

    problem = AnswerProblem(id="easy", statement="What is 6 times 7?", answer="42")
    backend = obvious_backend("6 * 7 = 42.\nAnswer: 42")
    result, events = await run(tmp_path, backend, policy="llm", problem=problem, settings=RunSettings(),
                               tools=CannedTools("42\n"))
    assert [r.purpose for r in backend.requests] == ["move:attempt:obvious", "move:attempt:check"]
    verdict = of(events, Verdict)[0]
    assert verdict.move == "obvious" and verdict.decision == "solved" and verdict.overrides == ["self_check_agrees"]
    assert verdict.model_decision is None
    assert result.status == "solved" and result.verified and result.steps == 1
    assert [v.graded_after_run for v in of(events, Verification)] == [True]


async def test_a_self_check_that_disagrees_escalates_to_the_moves(tmp_path):
    from agent.problems.models import AnswerProblem

    problem = AnswerProblem(id="easy", statement="What is 6 times 7?", answer="42")
    backend = obvious_backend("6 * 7 = 48.\nAnswer: 48")
    result, events = await run(tmp_path, backend, policy="fixed:attempt", problem=problem, budget=Budget(steps=3),
                               settings=RunSettings(), tools=CannedTools("42\n"))
    first = of(events, Verdict)[0]
    assert first.decision == "abandon" and first.overrides == ["escalate"] and "disagrees" in first.reason
    purposes = [r.purpose for r in backend.requests]
    # with the answer workspace, `understand` has nothing to ask: the next call is the first move's
    assert purposes[:3] == ["move:attempt:obvious", "move:attempt:check", "move:attempt"]
    assert len({e.attack_id for e in of(events, MoveEnd)} - {"-"}) == 2    # the escalation opened a new attack


async def test_an_obvious_attempt_with_a_solve_time_check_is_verified_not_self_checked(tmp_path):
    from agent.problems.models import ConjectureProblem

    problem = ConjectureProblem(id="c", statement="Name the smallest odd prime.", check="def check(c):\n    return int(c) == 3\n")
    backend = obvious_backend("2 is even, so 3.\nAnswer: 3")
    result, events = await run(tmp_path, backend, policy="llm", problem=problem, settings=RunSettings())
    assert [r.purpose for r in backend.requests] == ["move:attempt:obvious"]
    assert result.status == "solved" and result.verified and not of(events, Verdict)
    assert [v.graded_after_run for v in of(events, Verification)] == [False]


async def test_a_models_false_arithmetic_is_recorded_as_refuted_never_as_a_fact(tmp_path):
    from agent.trace.events import ToolCall

    claims = {"restatement": "make 269", "givens": ["2 + 3 + 7 + 20 + 21 + 25 = 55", "14 * 21 = 294"],
              "goal": "expression for 269", "plans": ["work back from 269"]}
    backend = FunctionBackend(overrides={"move:understand": claims})
    result, events = await run(tmp_path, backend, policy="fixed:attempt", budget=Budget(steps=2))
    understand = next(e for e in of(events, MoveEnd) if e.move == "understand")
    assert "Given: 14 * 21 = 294" in understand.findings.facts
    assert not any("= 55" in f for f in understand.findings.facts)
    assert understand.findings.counterexamples == [
        "Refuted by exact arithmetic: 2 + 3 + 7 + 20 + 21 + 25 = 55 is false: 2 + 3 + 7 + 20 + 21 + 25 = 78"
        " (claimed: Given: 2 + 3 + 7 + 20 + 21 + 25 = 55)"]
    assert [e.tool for e in events if isinstance(e, ToolCall)] == ["check_arithmetic"]


def test_the_notebook_shown_is_scoped_to_the_attack_and_keeps_every_rejection():
    from agent.loop.state import Notebook
    from agent.trace.events import Findings

    nb = Notebook()
    nb.add(Findings(facts=["opening fact"]), step=1, move="understand", attack_id="-")
    nb.add(Findings(facts=["A1 claim"], candidates=["2*7"]), step=2, move="patterns", attack_id="A1")
    nb.candidates[0].ok, nb.candidates[0].reason = False, "uses 7 twice"
    nb.add(Findings(facts=["Rejected answer 2*7: uses 7 twice"]), step=2, move="verify", attack_id="A1")
    for i in range(15):
        nb.add(Findings(facts=[f"A2 fact {i}"]), step=3 + i, move="examples", attack_id="A2")
    shown = nb.render(attack_id="A2")
    assert "opening fact" in shown and "A1 claim" not in shown and "Rejected answer 2*7" in shown
    assert "A2 fact 14" in shown and "A2 fact 2" not in shown            # others are clipped, rejections are not
    assert nb.add(Findings(candidates=["2 * 7"]), step=20, move="attempt", attack_id="A2") == 0
    assert nb.facts[-1].text == "Answer 2 * 7 was proposed again; it was already rejected: uses 7 twice"




def reflection(decision="persist", next_move="examples", new_goal="", progress=0.4):
    return {"assessment": "it helped", "progress": progress, "decision": decision, "next_move": next_move,
            "new_goal": new_goal}


async def test_one_reflect_call_per_step_gives_the_verdict_and_the_next_move(tmp_path):
    replies = iter([reflection("switch", "patterns"), reflection("switch", "backwards"), reflection("switch", "attempt")])
    backend = FunctionBackend(overrides={"reflect": lambda req: next(replies),
                                         "controller": {"move": "examples", "new_attack": False, "goal": "", "reason": "r"},
                                         "move:attempt": {"reasoning": "x", "answer": "2*7*21-25"}})
    result, events = await run(tmp_path, backend, policy="llm")
    purposes = [r.purpose for r in backend.requests]
    assert result.status == "solved"
    assert purposes.count("controller") == 1 and "judge" not in purposes      # only the very first move is asked for
    assert [c.move for c in of(events, ControllerChoice)] == ["examples", "patterns", "backwards", "attempt"]
    assert all(c.reason.startswith("reflect:") for c in of(events, ControllerChoice)[1:])


async def test_a_reflection_that_keeps_the_move_it_switches_from_is_overruled(tmp_path):
    backend = FunctionBackend(overrides={"reflect": reflection("switch", "examples"),
                                         "controller": {"move": "examples", "new_attack": False, "goal": "", "reason": "r"}})
    _, events = await run(tmp_path, backend, policy="llm", budget=Budget(steps=5))
    second = of(events, ControllerChoice)[1]
    assert second.move != "examples" and "bandit chose instead" in second.reason


async def test_abandon_in_a_reflection_opens_the_attack_it_names(tmp_path):
    backend = FunctionBackend(overrides={
        "reflect": reflection("abandon", "backwards", new_goal="work back from 269 + 25 = 294"),
        "controller": {"move": "examples", "new_attack": False, "goal": "", "reason": "r"},
        "move:examples": "Products.\n```python\nprint('2*7=14')\n```"})
    _, events = await run(tmp_path, backend, policy="llm", budget=Budget(steps=4))
    from agent.trace.events import AttackOpen

    goals = [a.goal for a in of(events, AttackOpen)]
    assert "work back from 269 + 25 = 294" in goals


async def test_a_goal_that_pastes_a_move_description_with_words_of_its_own_is_replaced(tmp_path):
    from agent.trace.events import AttackOpen
    from strategies.base import get_move

    pasted = get_move("examples").description + " to understand the pattern of products"
    backend = FunctionBackend(overrides={
        "reflect": reflection("abandon", "backwards", new_goal=pasted),
        "controller": {"move": "examples", "new_attack": False, "goal": "", "reason": "r"},
        "move:examples": "Products.\n```python\nprint('2*7=14')\n```"})
    _, events = await run(tmp_path, backend, policy="llm", budget=Budget(steps=6))
    goals = [a.goal for a in of(events, AttackOpen)]
    assert len(goals) >= 2 and pasted not in goals
    assert goals[1] == "work back from 269"          # the next unused plan from `understand`


def test_the_final_answer_without_acceptance_is_the_one_the_runs_own_candidates_agree_on():
    from agent.loop.run import run_vote

    assert run_vote([]) is None
    assert run_vote(["18", "16", "18.0", "20"]) == "18.0"          # 18 and 18.0 agree: two votes
    assert run_vote(["1/2", "0.5", "3"]) == "0.5"
    assert run_vote(["7", "9"]) == "9"                               # a tie: the latest
