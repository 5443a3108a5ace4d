"""Problem families: the registry picks one per problem, and a new family is a module and one
registration (docs/extending.md's example runs here end to end)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from agent.loop.run import asolve
from agent.problems.models import AnswerProblem, Budget, CountdownProblem, ProofProblem, SequenceProblem
from agent.trace.events import LLMCall, RunStart, ToolCall
from agent.trace.reader import read_events
from strategies.family import Family, families, family_for
from tests.loop_helpers import FunctionBackend

EXAMPLE = Path(__file__).parents[1] / "docs" / "examples" / "equation_family.py"


@pytest.mark.parametrize(("problem", "name"), [
    (CountdownProblem(id="c", rules="digits", numbers=[2, 3], target=6), "countdown"),
    (AnswerProblem(id="a", statement="1+1?", answer="2"), "answers"),
    (SequenceProblem(id="s", terms=[1, 2, 3, 4, 5], hidden=[6], predict=1), "sequences"),
    (ProofProblem(id="p", statement="Prove it."), "general"),
])
def test_each_kind_goes_to_its_family(problem, name):
    assert family_for(problem).name == name


def test_every_builtin_family_implements_the_protocol_it_is_tried_in_order():
    names = [f.name for f in families()]
    assert names[-6:] == ["countdown", "answers", "hunts", "sequences", "exploration", "general"]
    for cls in families():
        assert issubclass(cls, Family) and cls.name != Family.name
        for move, fn in cls().bound_moves().items():
            assert callable(fn), (cls.name, move)


async def test_a_family_is_configured_by_its_typed_parameters_and_a_rerun_builds_the_same_one(tmp_path):
    from agent.loop.rerun import arerun
    from strategies.hunts import HuntsFamily

    assert family_for(CountdownProblem(id="c", rules="digits", numbers=[2, 3], target=6), {"looks_dead": 0.4}).looks_dead == 0.4
    problem = CountdownProblem(id="c", rules="digits", numbers=[2, 3, 7, 20, 21, 25], target=523)
    strict = await asolve(problem, backend=FunctionBackend(), policy="random", budget=Budget(steps=3),
                          trace=tmp_path / "strict.jsonl", family={"looks_dead": 0.95})
    start = read_events(strict.trace_path)[0]
    assert start.config["family"] == "countdown" and start.config["family_params"]["looks_dead"] == 0.95
    assert any("looks_dead" in e.overrides for e in read_events(strict.trace_path) if e.type == "verdict")
    rerun, _ = await arerun(strict.trace_path, trace=tmp_path / "rerun.jsonl")
    assert read_events(rerun.trace_path)[0].config["family_params"]["looks_dead"] == 0.95
    assert HuntsFamily(let_go_after=5).params()["let_go_after"] == 5


def load_example():
    spec = importlib.util.spec_from_file_location("equation_family", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)      # its @family registers it, before the built-in ones
    return module


async def test_the_example_family_from_docs_solves_with_tools_alone(tmp_path):
    load_example()
    problem = AnswerProblem(id="eq-1", statement="Solve 3*x + 5 = 20 for x.", answer="5", tags=["equation"])
    assert family_for(problem).name == "equations"
    backend = FunctionBackend()
    result = await asolve(problem, backend=backend, policy="random", budget=Budget(steps=6), trace=tmp_path / "t.jsonl")
    events = read_events(result.trace_path)
    assert result.status == "solved" and result.answer == "5"      # graded once, after the run
    assert backend.requests == [] and not any(isinstance(e, LLMCall) for e in events)
    assert next(e for e in events if isinstance(e, RunStart)).config["family"] == "equations"
    assert [e.tool for e in events if isinstance(e, ToolCall)][:2] == ["read_equation", "solve"]
    # an untagged answer problem still belongs to the answers family
    assert family_for(AnswerProblem(id="a", statement="1+1?", answer="2")).name == "answers"
