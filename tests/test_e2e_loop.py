"""End-to-end: the whole loop on the real local model (0.5B, small caps), then an exact rerun of
its trace. Checks structure and control flow, not that a weak model solves the puzzle."""

from __future__ import annotations

import pytest

from agent.loop.context import RunSettings
from agent.loop.rerun import arerun
from agent.loop.run import asolve
from agent.problems.models import Budget
from agent.trace.events import LLMCall, MoveEnd, MoveStart, RunEnd, RunStart, ToolRun, Verdict
from agent.trace.reader import read_events

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def real_run(local_small, tmp_path_factory):
    import asyncio

    import yaml

    from agent.problems.models import ConjectureProblem
    from tests.reliability_kit import PROBLEM_YAML

    trace = tmp_path_factory.mktemp("e2e") / "run.jsonl"
    # 269 as a claim with its own check: the general family, where every step asks the model (the
    # countdown family's workspace loop is tested below)
    problem = ConjectureProblem(**yaml.safe_load(PROBLEM_YAML))
    settings = RunSettings(max_tokens_per_call=200, code_timeout_s=5)
    result = asyncio.run(asolve(problem, backend=local_small.backend, policy="fixed:examples,patterns,attempt",
                                budget=Budget(steps=5, tokens=12_000), seed=3, trace=trace, settings=settings))
    return result, read_events(trace)


def test_trace_is_complete_and_valid(real_run):
    result, events = real_run
    assert isinstance(events[0], RunStart) and isinstance(events[-1], RunEnd)
    assert events[0].backend == "local:small" and events[0].seed == 3
    assert [e.seq for e in events] == list(range(len(events)))
    assert events[-1].status == result.status and result.status in ("solved", "unsolved", "budget", "error")


def test_at_least_two_moves_and_a_verdict_after_each(real_run):
    _, events = real_run
    moves = [e for e in events if isinstance(e, MoveEnd) and e.move != "understand"]
    verdicts = [e for e in events if isinstance(e, Verdict)]
    assert len({m.move for m in moves}) >= 2
    # every solving move is followed by its verdict (the last may be cut by the budget or a verified answer)
    assert len(moves) - len(verdicts) in (0, 1)
    for verdict in verdicts:
        assert any(m.step == verdict.step for m in moves)
    starts = [e for e in events if isinstance(e, MoveStart)]
    assert len(starts) == len(moves) + 1   # + understand


def test_every_llm_call_recorded_whole_with_usage(real_run):
    result, events = real_run
    calls = [e for e in events if isinstance(e, LLMCall)]
    assert len(calls) == result.used.llm_calls >= 4
    assert [c.call_index for c in calls] == list(range(len(calls)))
    for call in calls:
        assert call.request["messages"] and (call.response or call.error)
    # answered calls and failed calls that still spent tokens (a reply cut off mid-JSON) both count
    usages = [c.response["usage"] for c in calls if c.response]
    usages += [c.error["usage"] for c in calls if c.error and c.error.get("usage")]
    assert sum(u["prompt_tokens"] for u in usages) == result.used.prompt_tokens > 0
    assert sum(u["completion_tokens"] for u in usages) == result.used.completion_tokens > 0
    # the token ceiling used the model's exact prompt count (a repair round adds a second prompt)
    answered = [c for c in calls if c.response]
    assert all(c.budget_prompt_tokens <= c.response["usage"]["prompt_tokens"] for c in answered)
    assert sum(c.budget_prompt_tokens == c.response["usage"]["prompt_tokens"] for c in answered) >= len(answered) / 2
    # every examples move that got a program from the model ran it in the sandbox, recorded (a
    # reply with no program in it is not run)
    from strategies.base import parse_program

    tool_steps = {e.step for e in events if isinstance(e, ToolRun)}
    for move in (e for e in events if isinstance(e, MoveEnd) and e.move == "examples"):
        program_calls = [c for c in calls if c.step == move.step and c.purpose.startswith("move:examples")
                         and c.response and parse_program(c.response["text"]).code.strip()]
        assert (move.step in tool_steps) == bool(program_calls)


async def test_rerun_of_real_trace_is_identical_with_zero_model_calls(real_run, tmp_path):
    result, events = real_run
    rerun_result, recorded = await arerun(result.trace_path, trace=tmp_path / "rerun.jsonl")
    assert (rerun_result.status, rerun_result.answer) == (result.status, result.answer)
    new_calls = [e for e in read_events(tmp_path / "rerun.jsonl") if isinstance(e, LLMCall)]
    assert len(new_calls) == len(recorded.calls) and all(c.replayed for c in new_calls)


async def test_workspace_loop_on_the_real_model_picks_listed_options_and_reruns_exactly(local_small, tmp_path):
    """Game of 24 from 1 5 9 11 (rank 801): no listed step closes at the start, so the model picks."""
    from agent.problems.models import CountdownProblem
    from agent.trace.events import ControllerChoice, ToolCall

    problem = CountdownProblem(id="g24-r0801", rules="game24", numbers=[1, 5, 9, 11], target=24)
    trace = tmp_path / "ws.jsonl"
    result = await asolve(problem, backend=local_small.backend, policy="llm", budget=Budget(steps=4), seed=2,
                          trace=trace)
    events = read_events(trace)
    calls = [e for e in events if isinstance(e, LLMCall)]
    choices = [e for e in events if isinstance(e, ControllerChoice)]
    assert len(choices) == 3 and result.used.steps == 4      # understand + three picked steps
    # every pick the model made is one structured call, answered with a number on the list (or the
    # fallback says why), and the step it picked was taken with the tools
    model_picks = [c for c in choices if c.reason.startswith(("model", "random: the model"))]
    assert len(calls) == len(model_picks) >= 1
    assert all(c.purpose == "controller" and c.request["output_schema"] for c in calls)
    assert sum(isinstance(e, ToolCall) and e.tool == "take" for e in events) >= 2
    rerun_result, recorded = await arerun(trace, trace=tmp_path / "rerun.jsonl")
    assert (rerun_result.status, rerun_result.steps) == (result.status, result.steps)
    assert all(c.replayed for c in read_events(tmp_path / "rerun.jsonl") if isinstance(c, LLMCall))
