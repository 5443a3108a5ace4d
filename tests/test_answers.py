"""The answer workspace (agent/workspace/answers.py) and the moves that compute on it
(strategies/answers/): candidate answers with their methods, the agreement rule, the final answer."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from agent.loop.rerun import arerun
from agent.loop.run import asolve
from agent.problems.models import AnswerProblem, Budget
from agent.tools import ToolResult, ToolSource
from agent.trace.events import AttackOpen, MoveEnd, Verdict, Verification
from agent.trace.reader import read_events
from agent.workspace.answers import AnswerWorkspace
from strategies.answers.moves import METHODS
from strategies.answers.signals import answer_verdict
from strategies.family import Signals
from tests.loop_helpers import FunctionBackend

PROBLEM = AnswerProblem(id="ducks", statement="Janet's ducks lay 16 eggs a day. She eats 3 and bakes with 4, "
                        "and sells the rest at $2 each. How many dollars does she make a day?", answer="18")


class PrintedTools(ToolSource):
    """Each program run prints the next of `outputs` (the last repeats): no sandbox in unit tests."""

    def __init__(self, *outputs: str):
        self.outputs, self.codes = list(outputs), []

    async def run(self, code: str, *, timeout_s: float, memory_mb: int) -> ToolResult:
        self.codes.append(code)
        out = self.outputs[min(len(self.codes) - 1, len(self.outputs) - 1)]
        return ToolResult(out, "", 0, False, None, 0.01)


def program(value: str) -> str:
    return f"```python\n# the answer\nprint({value})\n```"


async def run(tmp_path, backend, tools, policy, steps=6):
    result = await asolve(PROBLEM, backend=backend, policy=policy, budget=Budget(steps=steps),
                          trace=tmp_path / "t.jsonl", tools=tools)
    return result, read_events(result.trace_path)


def of(events, cls):
    return [e for e in events if isinstance(e, cls)]


# -- the workspace's tools -------------------------------------------------------------------------

def test_groups_by_equivalence_and_settles_on_two_independent_methods():
    ws = AnswerWorkspace()
    ws.add("18", "reasoning", "obvious", 1)
    ws.add("20", "program", "obvious", 1)
    assert ws.agreed() is None and [g.answer for g in ws.groups()] == ["18", "20"]
    ws.add("\\$18.00", "reasoning", "attempt", 2)           # equivalent to 18, but the same method
    assert ws.agreed() is None and len(ws.groups()) == 2 and len(ws.groups()[0].entries) == 2
    ws.add("18", "program", "patterns", 3)
    answer, why = ws.agreed()
    assert answer == "18" and "reasoning and by a program" in why


def test_a_group_started_by_a_programs_float_noise_takes_the_exact_answer_written_later():
    ws = AnswerWorkspace()
    ws.add("4.999999999999999", "program", "obvious", 1)
    ws.add("5", "reasoning", "attempt", 2)
    assert [g.answer for g in ws.groups()] == ["5"] and ws.agreed()[0] == "5"


def test_an_answer_a_move_was_shown_is_a_vote_never_a_settling_method():
    ws = AnswerWorkspace()
    ws.add("42", "reasoning", "obvious", 1)
    ws.add("126", "program", "obvious", 1)
    ws.add("126", "reasoning", "backwards", 2, shown=True)     # shown 42 and 126, chose 126
    assert ws.agreed() is None and ws.groups()[1].independent() == ws.groups()[1].entries[:1]
    ws.add("126", "program", "counterexamples", 3, shown=True)
    ws.add("126", "reasoning", "attempt", 4, shown=True)
    assert ws.agreed() is None                                  # three shown votes are no majority either
    ws.add("126", "reasoning", "reframe", 5)                    # an independent chain of thought
    assert ws.agreed()[0] == "126"


def test_a_clear_majority_of_one_method_settles_only_without_a_rival_reached_twice():
    ws = AnswerWorkspace()
    for step in (1, 2, 3):
        ws.add("3/4", "reasoning", "attempt", step)
    ws.add("0.5", "reasoning", "reframe", 4)
    assert ws.agreed()[0] == "3/4"                          # 3 against 1
    ws2 = AnswerWorkspace()
    for step, a in enumerate(["7", "7", "9", "9", "7"]):
        ws2.add(a, "reasoning", "attempt", step)
    assert ws2.agreed() is None                             # 3 against 2: not settled


def test_best_prefers_more_methods_then_more_votes():
    ws = AnswerWorkspace()
    assert ws.best() is None
    ws.add("5", "reasoning", "obvious", 1)
    ws.add("5", "reasoning", "attempt", 2)
    ws.add("6", "program", "patterns", 3)
    assert ws.best() == "5"
    ws.add("6", "reasoning", "reframe", 4)                  # 6: two methods
    assert ws.best() == "6"


def test_an_unsettled_end_goes_to_the_first_attempt_on_a_tie_and_shown_answers_do_not_count():
    # gsm8k-0015 as recorded: the first attempt 125 (right), a program 2971, then `backwards`, shown
    # both, wrote 2971 too; an independent reframe reached 125 again.
    ws = AnswerWorkspace()
    ws.add("125", "reasoning", "obvious", 1)
    ws.add("2971.0", "program", "obvious", 1)
    ws.add("125", "reasoning", "reframe", 6)
    ws.add("2971", "reasoning", "backwards", 7, shown=True)
    assert ws.best() == "125"         # 2 independent votes against 1: the shown one does not count
    tie = AnswerWorkspace()
    tie.add("230", "reasoning", "obvious", 1)
    tie.add("160", "reasoning", "attempt", 5)
    assert tie.best() == "230"        # a tie goes to the first attempt


def test_the_verdict_is_a_hard_signal_and_says_which():
    ws = AnswerWorkspace()
    ws.add("18", "reasoning", "obvious", 1)
    ws.fail("patterns", 2, "exit 1")
    v = answer_verdict(ws, Signals("patterns", 0), step=2)
    assert v.decision == "switch" and v.overrides == ["no_answer"] and "exit 1" in v.reason
    ws.add("20", "program", "examples", 3)
    v = answer_verdict(ws, Signals("examples", 1), step=3)
    assert v.decision == "switch" and v.overrides == ["answers_disagree"] and v.model_decision is None
    ws.add("18", "program", "patterns", 4)
    v = answer_verdict(ws, Signals("patterns", 1), step=4)
    assert v.decision == "solved" and v.overrides == ["methods_agree"] and v.progress == 0.9


# -- the moves, in a run ---------------------------------------------------------------------------

async def test_an_escalated_run_ends_when_a_new_method_agrees_and_the_reference_is_used_once(tmp_path):
    """Obvious: reasoning says 16, its self-check program 18 (disagree: escalate). A second program
    (patterns) prints 20; a chain of thought (attempt) says 18: reasoning and a program agree on 18."""
    backend = FunctionBackend(overrides={
        "move:attempt:obvious": "16 eggs a day.\nAnswer: 16",
        "move:attempt:check": program("(16-3-4)*2"),
        "move:patterns": program("20"),
        "move:attempt": "16 - 3 - 4 = 9 eggs, 9 * 2 = 18.\nAnswer: 18"})
    tools = PrintedTools("18\n", "20\n")
    result, events = await run(tmp_path, backend, tools, "fixed:patterns,attempt")
    purposes = [r.purpose for r in backend.requests]
    assert purposes == ["move:attempt:obvious", "move:attempt:check", "move:patterns", "move:attempt"]
    verdicts = of(events, Verdict)
    assert [v.overrides for v in verdicts] == [["escalate"], ["answers_disagree"], ["methods_agree"]]
    assert result.status == "solved" and result.answer == "18" and result.verified
    checks = of(events, Verification)
    assert len(checks) == 1 and checks[0].graded_after_run        # the reference, once, after the run
    ws = of(events, MoveEnd)[-1].workspace
    assert ws["agreed"] == "18" and ws["entries"] == 4
    for request in backend.requests:
        assert "reference" not in "\n".join(m.content for m in request.messages).lower()


def _compare_backend():
    return FunctionBackend(overrides={
        "move:attempt:obvious": "Answer: 16",
        "move:attempt:check": program("18"),
        "move:examples": "```python\n# quantities\nprint('eggs_left = 9')\nprint(18)\n```",
        "move:backwards": "Recheck: 9 eggs at $2.\nAnswer: 18"})


async def test_independent_methods_see_the_problem_alone_and_compare_sees_the_leading_answers(tmp_path):
    backend = _compare_backend()
    tools = PrintedTools("18\n", "eggs_left = 9\n20\n")
    result, events = await run(tmp_path, backend, tools, "fixed:examples,backwards")
    first = {}
    for r in backend.requests:
        first.setdefault(r.purpose, "\n".join(m.content for m in r.messages))
    assert "16" not in first["move:examples"].split("PROBLEM", 1)[1].split("YOUR TASK", 1)[1]
    assert "- 16: reached by reasoning ×1" in first["move:backwards"]
    assert "- 18: reached by program ×1" in first["move:backwards"]
    facts = [f for e in of(events, MoveEnd) if e.move == "examples" for f in e.findings.facts]
    assert facts[0] == "computed by a program: eggs_left = 9"      # computed, not claimed
    # `backwards` was shown 18 (the self-check's) and chose it: a vote, not a second independent method
    after_compare = [v for v in of(events, Verdict) if v.move == "backwards"][0]
    assert after_compare.decision != "solved" and after_compare.overrides == ["answers_disagree"]
    assert not any("methods_agree" in v.overrides for v in of(events, Verdict))
    # at the budget: 20 twice (examples' program, independently), 18 once independently and once shown
    assert [e.move for e in of(events, MoveEnd)].count("examples") == 2 and result.answer == "20"


async def test_a_reply_without_an_answer_line_is_a_recorded_failure_and_the_best_answer_is_graded(tmp_path):
    backend = FunctionBackend(overrides={
        "move:attempt:obvious": "Answer: 16",
        "move:attempt:check": program("18"),
        "move:reframe": "Givens: 16 eggs. I am not sure.",
        "move:attempt": "Answer: 17"})
    result, events = await run(tmp_path, backend, PrintedTools("18\n"), "fixed:reframe,attempt", steps=3)
    reframe = [v for v in of(events, Verdict) if v.move == "reframe"][0]
    assert reframe.overrides == ["no_answer"] and "no answer line" in reframe.reason
    # unsettled at the budget: 16 (reasoning), 18 (program), 17 (reasoning) -> a tie: the first attempt
    assert result.status == "budget" and result.answer == "16" and not result.verified
    assert of(events, Verification)[-1].candidate == "16"


async def test_a_run_on_the_answer_workspace_reruns_exactly(tmp_path):
    backend = FunctionBackend(overrides={
        "move:attempt:obvious": "Answer: 16",
        "move:attempt:check": program("18"),
        "move:counterexamples": program("18"),
        "controller": {"move": "counterexamples", "new_attack": False, "goal": "", "reason": "test 16"},
        "move:attempt": "Answer: 18"})
    result, events = await run(tmp_path, backend, PrintedTools("18\n", "9 eggs: True\n18\n"), "llm")
    assert result.answer == "18" and result.verified
    assert "An earlier attempt answered" in "\n".join(
        m.content for r in backend.requests if r.purpose == "move:counterexamples" for m in r.messages)
    rerun, _ = await arerun(result.trace_path, trace=tmp_path / "rerun.jsonl")
    assert (rerun.answer, rerun.status, rerun.steps) == (result.answer, result.status, result.steps)
    assert [v.overrides for v in of(events, Verdict)] == [["escalate"], ["answers_disagree"], ["methods_agree"]]


def _first_listed_method(request):
    """The controller's reply: the first method its prompt lists."""
    listed = [ln[2:].split(":")[0] for ln in request.messages[-1].content.splitlines() if ln.startswith("- ")]
    return {"move": next(m for m in listed if m in METHODS), "reason": "first listed"}


async def test_the_llm_controller_on_answers_sees_the_answers_not_the_notebook_and_keeps_its_attack(tmp_path):
    backend = FunctionBackend(overrides={
        "move:attempt:obvious": "Answer: 16",
        "move:attempt:check": program("20"),
        "controller": _first_listed_method,
        "move:attempt": "Answer: 17",
        "move:reframe": "Givens: 16, 3, 4, $2.\nAnswer: 19"})
    result, events = await run(tmp_path, backend, PrintedTools("20\n"), "llm", steps=4)
    controls = [r for r in backend.requests if r.purpose == "controller"]
    assert len(controls) == 2 and all(r.schema_name == "MethodChoice" for r in controls)   # the last step: attempt
    text = "\n".join(m.content for m in controls[-1].messages)
    assert "NOTEBOOK" not in text and "Lines of attack" not in text
    assert "- 16: reached by reasoning ×1" in text and "- 17: reached by reasoning ×1" in text
    # the method a switch verdict moved away from is not offered again
    assert [e.move for e in of(events, MoveEnd)] == ["obvious", "attempt", "reframe", "attempt"]
    assert "- attempt:" not in controls[1].messages[-1].content and "- reframe:" in controls[1].messages[-1].content
    # the obvious attempt's line, and the one its escalation opened: the controller opens none itself
    assert len(of(events, AttackOpen)) == 2


def test_a_programs_answer_is_its_last_line_without_an_answer_prefix():
    from strategies.base import last_printed

    assert last_printed("eggs = 9\nAnswer: 18\n\n") == "18"
    assert last_printed("The answer is 3/4") == "3/4"
    assert last_printed("x = 2\n42") == "42"
    assert last_printed("") == ""


async def test_random_makes_its_own_move_sequence_per_problem_at_one_seed(tmp_path):
    """With the seed alone every answer problem got the same random moves; the problem's id is
    mixed into the seed, and the same problem at the same seed makes the same moves."""
    def moves(problem_id):
        backend = FunctionBackend(overrides={"move:attempt:obvious": "Answer: 16",
                                             "move:attempt:check": program("18")})
        problem = PROBLEM.model_copy(update={"id": problem_id})
        result = asolve(problem, backend=backend, policy="random", budget=Budget(steps=8),
                        trace=tmp_path / f"{problem_id}-{__import__('uuid').uuid4().hex}.jsonl",
                        tools=PrintedTools("18\n", "20\n"))
        return result

    sequences, paths = {}, {}
    for pid in ("p1", "p2", "p3", "p4"):
        result = await moves(pid)
        paths[pid] = result.trace_path
        sequences[pid] = [e.move for e in read_events(result.trace_path) if isinstance(e, MoveEnd)]
    assert len({tuple(s) for s in sequences.values()}) > 1
    again = await moves("p2")
    assert [e.move for e in read_events(again.trace_path) if isinstance(e, MoveEnd)] == sequences["p2"]
    rerun, _ = await arerun(paths["p2"], trace=tmp_path / "rerun.jsonl")
    assert rerun.steps == len(sequences["p2"])


async def test_a_what_if_rerun_names_the_step_a_changed_setting_would_change(tmp_path, capsys):
    """`polya replay --rerun --setting K=V`: the recorded run under another number, zero model calls."""
    from agent.cli import main

    result, _ = await run(tmp_path, _compare_backend(), PrintedTools("18\n", "eggs_left = 9\n20\n"),
                          "fixed:examples,backwards")
    trace = str(result.trace_path)
    assert await asyncio.to_thread(main, ["replay", "--rerun", trace]) == 0
    assert await asyncio.to_thread(main, ["replay", "--rerun", trace, "--setting", "max_consecutive_errors=5"]) == 0
    # a larger reply ceiling changes the first request: the rerun names the call where it departs
    assert await asyncio.to_thread(main, ["replay", "--rerun", trace, "--setting", "code_max_tokens=2000"]) == 1
    assert "diverges at step 1" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["replay", "--rerun", trace, "--setting", "code_max_tokens=lots"]) == 2
    assert await asyncio.to_thread(main, ["replay", "--rerun", trace, "--setting", "hunt_stall=true"]) == 2
    assert await asyncio.to_thread(main, ["replay", trace, "--setting", "code_max_tokens=2"]) == 2


async def test_first_vs_final_counts_a_run_that_lost_its_right_first_attempt(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("first_vs_final", "benchmarks/first_vs_final.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    # first attempt 18 (right); its check and two later programs print 20, which settles on 20 (wrong)
    backend = FunctionBackend(overrides={"move:attempt:obvious": "Answer: 18", "move:attempt:check": program("20"),
                                         "move:patterns": program("20")})
    result, _ = await run(tmp_path, backend, PrintedTools("20\n"), "fixed:patterns", steps=4)
    assert result.answer.startswith("20") and not result.verified
    suite = tmp_path / "suite.yaml"
    suite.write_text("problems:\n  - id: ducks\n    kind: answer\n    statement: |\n      "
                     + PROBLEM.statement + "\n    answer: '18'\n")
    row = {"suite": "t", "problem_id": "ducks", "policy": "fixed:patterns", "harness_error": None,
           "trace_path": str(result.trace_path), "solved": False, "answer": result.answer}
    (tmp_path / "results.jsonl").write_text(json.dumps(row) + "\n" + json.dumps(row | {"policy": "llm"}) + "\n")
    counts, named = mod.tally(tmp_path, [str(suite)])
    assert list(counts) == [("t", "llm")]                       # loop policies only
    c = counts[("t", "llm")]
    assert (c["runs"], c["first right"], c["final right"], c["lost"], c["gained"]) == (1, 1, 0, 1, 0)
    assert named == [f"lost: ducks llm: first attempt '18', final {result.answer!r}"]
    split, _ = mod.tally(tmp_path, [str(suite)], split=True)
    assert list(split) == [("t", "llm", "escalated: disagrees")]  # the check's 20 disagreed with 18


async def test_echo_checks_counts_a_check_that_printed_a_given_number(tmp_path):
    """benchmarks/echo_checks.py: a disagreeing check that printed 16 (a number of the statement) is
    counted as an echo; one that printed 20 (not in the statement) is a disagreement only."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("echo_checks", "benchmarks/echo_checks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    suite = tmp_path / "suite.yaml"
    suite.write_text("problems:\n  - id: ducks\n    kind: answer\n    statement: |\n      "
                     + PROBLEM.statement + "\n    answer: '18'\n")
    rows = []
    for printed, policy in (("16.0", "llm"), ("20", "random")):
        backend = FunctionBackend(overrides={"move:attempt:obvious": "Answer: 18",
                                             "move:attempt:check": program(printed)})
        result, _ = await run(tmp_path / policy, backend, PrintedTools(printed + "\n"), "fixed:attempt", steps=2)
        rows.append({"suite": "t", "problem_id": "ducks", "policy": policy, "harness_error": None,
                     "trace_path": str(result.trace_path), "solved": result.verified, "answer": result.answer})
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    counts, named = mod.tally(tmp_path, [str(suite)])
    assert (counts["runs"], counts["check disagreed"], counts["check echoed a given"]) == (2, 2, 1)
    assert (counts["first attempt right"], counts["echoed number right"]) == (1, 0)
    assert len(named) == 1 and named[0].startswith("ducks llm: printed '16.0', first '18' (right)")


async def test_whatif_rows_without_a_setting_rescores_a_run_the_current_code_would_change(tmp_path):
    """benchmarks/whatif_rows.py with no --setting: a row whose trace no longer reruns exactly is
    forked after its first changed verdict; a run that verdict ends costs no new model call."""
    import importlib.util

    from agent.bench.results import ResultRow, read_rows

    spec = importlib.util.spec_from_file_location("whatif_rows", "benchmarks/whatif_rows.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    backend = FunctionBackend(overrides={"move:attempt:obvious": "Answer: 18", "move:attempt:check": program("20")})
    result, events = await run(tmp_path, backend, PrintedTools("20\n"), "fixed:attempt", steps=2)
    assert "escalate" in of(events, Verdict)[0].overrides and result.steps == 2   # 18 and 20 disagreed
    # as if recorded by code that read a program's 17.999999999999996 as disagreeing with 18
    src = tmp_path / "src"
    (src / "traces").mkdir(parents=True)
    old = src / "traces" / "old.jsonl"
    recorded = Path(result.trace_path).read_text()
    assert '"stdout":"20\\n"' in recorded
    old.write_text(recorded.replace('"stdout":"20\\n"', '"stdout":"17.999999999999996\\n"'))
    row = ResultRow(suite="t", problem_id="ducks", policy="llm", backend="function", seed=0, budget={},
                    status="budget", answer="20", trace_path=str(old))
    (src / "results.jsonl").write_text(row.model_dump_json() + "\n")
    live = FunctionBackend()
    await mod.rescore(src, tmp_path / "out", {}, None, dry_run=False, backend=live)
    assert live.requests == []
    [new] = read_rows(tmp_path / "out" / "results.jsonl")
    assert new.solved and new.answer == "18" and new.reason.startswith("what-if: forked at step 2")
    assert "agrees with an independent program" in new.reason
    assert new.llm_calls == 2 and new.steps == 1          # the recorded first step's two calls, nothing live
