"""Each move parses its model output into findings; plugins register with one decorator."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from strategies.base import MoveInput, get_move, parse_program, registry, solving_moves
from tests.loop_helpers import PROSE269, CannedTools, FunctionBackend, move_input


def make_input(tmp_path, backend, tools=None) -> MoveInput:
    """The general (prose) moves on the notebook, as the test `prose` family runs them."""
    return move_input(tmp_path, PROSE269, backend, tools or CannedTools(), goal="use a product near 269")


def test_builtin_moves_registered():
    assert set(solving_moves()) >= {"examples", "patterns", "counterexamples", "backwards", "reframe", "attempt"}
    assert "understand" in registry() and "understand" not in solving_moves()


async def test_understand_returns_plans_and_facts(tmp_path):
    out = await get_move("understand").fn(make_input(tmp_path, FunctionBackend()))
    assert out.plans == ["use a product near 269", "work back from 269"]
    assert "Goal: expression for 269" in out.findings.facts


async def test_examples_runs_code_and_records_output_lines(tmp_path):
    tools = CannedTools("a\n\nb\n")
    out = await get_move("examples").fn(make_input(tmp_path, FunctionBackend(), tools))
    assert out.findings.examples == ["a", "b"] and tools.codes == ["print('2*7=14')"]


async def test_examples_repairs_a_failing_program_once(tmp_path):
    tools = CannedTools("", exit_code=1)
    backend = FunctionBackend()
    out = await get_move("examples").fn(make_input(tmp_path, backend, tools))
    assert [r.purpose for r in backend.requests] == ["move:examples", "move:examples:repair"]
    assert "failed" in backend.requests[1].messages[-1].content
    assert out.findings.examples == [] and "failed" in out.findings.facts[0]


def with_conjecture(inp: MoveInput) -> MoveInput:
    from agent.trace.events import Findings

    inp.state.notebook.add(Findings(conjectures=["n^2+n+41 is prime"]), step=1, move="patterns", attack_id="A1")
    return inp


async def test_counterexamples_parses_marked_lines(tmp_path):
    tools = CannedTools("COUNTEREXAMPLE: n=40\nCOUNTEREXAMPLE: n=41\nCHECKED 100 cases")
    inp = with_conjecture(make_input(tmp_path, FunctionBackend(), tools))
    out = await get_move("counterexamples").fn(inp)
    assert out.findings.counterexamples == ["the conjecture: n^2+n+41 is prime fails for n=40",
                                            "the conjecture: n^2+n+41 is prime fails for n=41"]


async def test_counterexample_search_that_finds_nothing_is_a_fact(tmp_path):
    inp = with_conjecture(make_input(tmp_path, FunctionBackend(), CannedTools("CHECKED 100 cases")))
    out = await get_move("counterexamples").fn(inp)
    assert "survived a counterexample search" in out.findings.facts[0] and "CHECKED 100" in out.findings.facts[0]


async def test_counterexamples_with_nothing_to_test_costs_no_call(tmp_path):
    backend = FunctionBackend()
    out = await get_move("counterexamples").fn(make_input(tmp_path, backend))
    assert out.findings.is_empty() and backend.requests == []


@pytest.mark.parametrize("name,section,expected", [
    ("patterns", "conjectures", "269 = 14*21 - 25"),
    ("backwards", "facts", "Would suffice: 294 = 269 + 25"),
    ("reframe", "facts", "Simpler version: reach 294"),
    ("attempt", "candidates", "2*7*21-25"),
])
async def test_llm_moves_parse_into_findings(tmp_path, name, section, expected):
    out = await get_move(name).fn(make_input(tmp_path, FunctionBackend()))
    assert expected in getattr(out.findings, section)


def test_prompts_keep_a_stable_prefix(tmp_path):
    """System prompt and problem come first and do not change between moves (prefix cache)."""
    from strategies.base import messages

    inp = make_input(tmp_path, FunctionBackend())
    a, b = messages(inp, "task A"), messages(inp, "task B")
    assert a[0] == b[0]
    prefix = a[1].content.split("NOTEBOOK")[0]
    assert b[1].content.startswith(prefix) and "269" in prefix


def test_program_is_read_from_a_fenced_block_not_a_json_string():
    reply = 'It prints "a op b" lines.\n```python\nfor a in (2, 7):\n    print(f"{a}\\n")\n```\nDone.'
    program = parse_program(reply)
    assert program.plan == 'It prints "a op b" lines.'
    assert program.code == 'for a in (2, 7):\n    print(f"{a}\\n")'     # quotes and \\n kept as written
    cut = parse_program("Counts.\n```py\nprint(1)\nprint(2")              # max_tokens hit inside the block
    assert cut.code == "print(1)\nprint(2" and cut.plan == "Counts."
    assert parse_program("print(3)\n").code == "print(3)"                   # no fence: bare code
    prose = parse_program("Compute sums of pairs (1+1, 4+6). Print each on a new line.")
    assert prose.code == "" and prose.plan.startswith("Compute sums")         # no fence, not Python: no program
    assert parse_program("```\nx = 1\n```").code == "x = 1"


async def test_code_moves_ask_for_text_and_run_the_fenced_code(tmp_path):
    tools = CannedTools("2*7=14")
    backend = FunctionBackend()
    await get_move("examples").fn(make_input(tmp_path, backend, tools))
    request = backend.requests[0]
    assert request.output_type is None and request.output_schema is None      # no JSON grammar
    assert "```python" in request.messages[-1].content
    assert tools.codes == ["print('2*7=14')"]


@pytest.fixture
def restore_registry():
    from strategies import base

    saved = dict(base._REGISTRY)
    yield
    base._REGISTRY.clear()
    base._REGISTRY.update(saved)


async def test_example_plugin_move_registers_and_runs(tmp_path, restore_registry):
    path = Path(__file__).parents[1] / "docs" / "examples" / "parity_move.py"
    spec = importlib.util.spec_from_file_location("parity_move", path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    assert "parity" in solving_moves()
    backend = FunctionBackend(overrides={"move:parity": {"observations": ["269 is odd, so an odd term is needed"]}})
    out = await get_move("parity").fn(make_input(tmp_path, backend))
    assert out.findings.facts == ["Parity: 269 is odd, so an odd term is needed"]


def test_every_bounded_reply_fits_in_the_tokens_it_is_given():
    # A grammar-constrained reply that runs out of max_tokens is cut mid-string and the call fails;
    # the bounds on each schema and the max_tokens each call asks for must agree.
    from agent.baselines.tot import PROPOSE_MAX_TOKENS, VALUE_MAX_TOKENS, Proposals, StateValue
    from agent.loop.judge import JUDGE_MAX_TOKENS, JudgeAssessment
    from agent.loop.policies import CONTROLLER_MAX_TOKENS, LLMPolicy
    from strategies.base import FINAL_ANSWER_MAX_TOKENS, FinalAnswer, token_room

    pairs = {FinalAnswer: FINAL_ANSWER_MAX_TOKENS, Proposals: PROPOSE_MAX_TOKENS,
             StateValue: VALUE_MAX_TOKENS, JudgeAssessment: JUDGE_MAX_TOKENS,
             LLMPolicy().schema: CONTROLLER_MAX_TOKENS}
    too_small = {t.__name__: (token_room(t), m) for t, m in pairs.items() if token_room(t) > m}
    assert too_small == {}
    # the check itself bites: a 1300-character bound does not fit in 512 tokens
    from pydantic import create_model

    from strategies.base import clipped
    assert token_room(create_model("Long", reasoning=(clipped(1300), ...)), chars_per_token=1.6) > 512


async def test_an_empty_text_reply_is_a_recorded_invalid_output(tmp_path):
    from agent.errors import InvalidOutput
    from agent.trace.reader import read_events

    backend = FunctionBackend(overrides={"move:examples": "  \n"})
    with pytest.raises(InvalidOutput, match="empty reply"):
        await get_move("examples").fn(make_input(tmp_path, backend))
    call = [e for e in read_events(tmp_path / "t.jsonl") if e.type == "llm_call"][0]
    assert call.error["type"] == "InvalidOutput" and call.response["text"].strip() == ""


async def test_a_reply_without_a_program_is_not_run_and_the_repair_says_so(tmp_path):
    tools = CannedTools("2*7=14")
    backend = FunctionBackend(overrides={"move:examples": "3 * 4 = 12\n12 + 5 = 17"})   # expected output, no code
    out = await get_move("examples").fn(make_input(tmp_path, backend, tools))
    assert tools.codes == []                                                   # nothing went to the sandbox
    assert [r.purpose for r in backend.requests] == ["move:examples", "move:examples:repair"]
    assert "no ```python block" in backend.requests[1].messages[-1].content
    assert "no program in the reply" in out.findings.facts[0]



async def test_attempt_reasons_in_text_and_keeps_a_proof_whole(tmp_path):
    from agent.problems.models import ProofProblem

    backend = FunctionBackend(overrides={"move:attempt": "2*7 = 14, 14*21 = 294, 294-25 = 269.\nAnswer: 2*7*21-25"})
    inp = make_input(tmp_path, backend)
    out = await get_move("attempt").fn(inp)
    assert out.findings.candidates == ["2*7*21-25"] and backend.requests[0].output_schema is None
    assert "JSON" not in backend.requests[0].messages[0].content
    proof = "Suppose not. " + "Then the sequence is bounded, and so on. " * 20 + "This is a contradiction."
    backend = FunctionBackend(overrides={"move:attempt": proof})
    inp = make_input(tmp_path, backend)
    inp.problem = ProofProblem(id="p", statement="Prove it.")
    out = await get_move("attempt").fn(inp)
    assert out.findings.candidates == [proof] and len(proof) > 500       # never clipped


def test_a_programs_first_comment_is_its_plan_when_no_prose_comes_first():
    from strategies.base import parse_program

    p = parse_program("```python\n# smallest odd composite without a prime + 2k^2\nprint(5777)\n```")
    assert p.plan == "smallest odd composite without a prime + 2k^2" and p.code.endswith("print(5777)")
    assert parse_program("Searches.\n```python\n# other\nprint(1)\n```").plan == "Searches."
