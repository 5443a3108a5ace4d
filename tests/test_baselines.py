"""Baselines run in the same harness as the loop: scripted backend, real verifier, real traces."""

from __future__ import annotations

import pytest

from agent.baselines import baseline_names, get_baseline
from agent.baselines.self_consistency import majority
from agent.baselines.tot import Board, parse_move, solution
from agent.errors import InputError
from agent.loop.run import asolve
from agent.problems.models import AnswerProblem, Budget, CountdownProblem
from agent.trace.reader import read_events
from agent.verify.countdown import get_rules
from tests.loop_helpers import P269, FunctionBackend

G24 = CountdownProblem(id="g24-test", rules="game24", numbers=[1, 2, 3, 4], target=24)


def by_purpose(table):
    """A FunctionBackend fn answering by purpose prefix; values may be lists (served in turn)."""
    served: dict[str, int] = {}

    def fn(req):
        for prefix, out in table.items():
            if req.purpose.startswith(prefix):
                if isinstance(out, list):
                    i = served.get(prefix, 0)
                    served[prefix] = i + 1
                    return out[min(i, len(out) - 1)]
                return out(req) if callable(out) else out
        raise AssertionError(f"unexpected purpose {req.purpose}")

    return fn


async def run(problem, policy, table, tmp_path, budget=None):
    backend = FunctionBackend(by_purpose(table))
    result = await asolve(problem, backend=backend, policy=policy, budget=budget or Budget(tokens=10_000),
                          trace=tmp_path / "t.jsonl")
    return result, backend, read_events(tmp_path / "t.jsonl")


def test_registry_has_the_six_baselines():
    assert {"direct", "cot", "self-consistency", "tot", "pot", "fit"} <= set(baseline_names())
    assert get_baseline("self-consistency:7") is get_baseline("self-consistency")
    assert get_baseline("llm") is None


async def test_direct_solves_with_one_greedy_call_and_records_the_verification(tmp_path):
    result, backend, events = await run(P269, "direct", {"baseline:direct": "Answer: 2*7*21-25"}, tmp_path)
    assert result.status == "solved" and result.verified and result.answer == "2*7*21-25"
    assert result.used.llm_calls == 1 and result.steps == 1
    assert backend.requests[0].temperature == 0.0
    kinds = [e.type for e in events]
    assert kinds[0] == "run_start" and kinds[-1] == "run_end" and "verification" in kinds
    assert events[0].policy == "direct"


async def test_direct_wrong_answer_is_unsolved_with_the_verifiers_reason(tmp_path):
    result, _, _ = await run(P269, "direct", {"baseline:direct": "25*21"}, tmp_path)
    assert result.status == "unsolved" and not result.verified
    assert "525" in result.reason   # the verifier says what it equals instead


async def test_cot_reasons_in_free_text_and_the_answer_line_is_parsed(tmp_path):
    out = "1. 2*7 = 14\n2. 14*21 = 294\n3. 294 - 25 = 269\nAnswer: 2*7*21-25"
    result, backend, _ = await run(P269, "cot", {"baseline:cot": out}, tmp_path)
    assert result.status == "solved" and result.answer == "2*7*21-25"
    assert backend.requests[0].output_schema is None and len(backend.requests) == 1   # plain text, one call
    assert "step by step" in backend.requests[0].messages[-1].content


async def test_cot_without_an_answer_line_makes_one_small_extraction_call(tmp_path):
    table = {"baseline:cot:extract": {"answer": "2*7*21-25"},     # prefixes: the longer first
             "baseline:cot": "2*7 is 14, times 21 is 294, minus 25 is 269."}
    result, backend, _ = await run(P269, "cot", table, tmp_path)
    assert [r.purpose for r in backend.requests] == ["baseline:cot", "baseline:cot:extract"]
    assert backend.requests[1].output_schema is not None and result.status == "solved"


@pytest.mark.parametrize("text, expected", [
    ("so x = 3.\nAnswer: 18", ("18", "answer line")),
    ("Final answer: $\\frac{1}{2}$", ("$\\frac{1}{2}$", "answer line")),
    ("thus \\boxed{\\frac{3}{4}} is it\nAnswer: 7", ("\\frac{3}{4}", "boxed")),
    ("<think>Answer: 1</think> no answer here", (None, "none")),
    ('{"Answer": 16}', ("16", "answer line")),          # JSON where text was asked: still read
    ("So the total is:\n```\n18\n```", ("18", "fenced")),   # a one-line fenced block
    ("```python\nprint(18)\n```", (None, "none")),        # code is not an answer
    ("", (None, "none")),
])
def test_answer_parser(text, expected):
    from agent.verify.extract import parse_answer

    assert parse_answer(text) == expected


async def test_invalid_output_is_unsolved_not_a_crash(tmp_path):
    from agent.errors import InvalidOutput

    result, _, _ = await run(P269, "cot", {"baseline:cot": InvalidOutput("not JSON")}, tmp_path)
    assert result.status == "unsolved" and "not JSON" in result.reason


def test_majority_ignores_spacing_prefix_and_trailing_target():
    winner, votes = majority(["1+2", "Answer: 2 * 7 * 21 - 25 = 269", "2*7*21-25"], 269)
    assert votes == 2 and "21" in winner
    assert majority(["a", "b"])[0] == "a"   # ties: the earliest


def test_majority_on_math_answers_groups_equivalent_spellings():
    samples = ["3/4", "\\frac{1}{2}", "0.5", "1/2 "]
    assert majority(samples) == ("3/4", 1)                       # as strings, four different answers
    assert majority(samples, math=True) == ("\\frac{1}{2}", 3)   # as numbers, one half wins 3 to 1


async def test_self_consistency_submits_the_majority_only(tmp_path):
    cot = lambda a: f"r\nAnswer: {a}"  # noqa: E731
    table = {"baseline:sc": [cot("25*21"), cot("2*7*21-25"), cot("25 * 21")]}
    result, backend, events = await run(P269, "self-consistency:3", table, tmp_path)
    assert len(backend.requests) == 3 and result.steps == 3
    assert all(r.temperature == 0.7 for r in backend.requests)
    assert result.status == "unsolved" and result.answer == "25*21"     # the majority, though one sample was right
    assert "1 of 3 samples were correct" in result.reason
    assert [e.candidate for e in events if e.type == "verification"] == ["25*21"]


async def test_self_consistency_votes_over_what_the_budget_allowed(tmp_path):
    table = {"baseline:sc": "r\nAnswer: 2*7*21-25"}
    (tmp_path / "probe").mkdir()
    probe, _, _ = await run(P269, "self-consistency:1", table, tmp_path / "probe")
    per_call = probe.used.tokens          # every sample sends the same prompt
    result, backend, _ = await run(P269, "self-consistency:5", table, tmp_path,
                                   budget=Budget(tokens=3 * per_call + per_call // 2))
    assert len(backend.requests) == 3      # the 4th call's prompt alone would not fit: refused before it
    assert result.used.tokens <= 3 * per_call + per_call // 2
    assert result.status == "solved" and "budget stopped sampling" in result.reason


def test_options_are_validated():
    from agent.baselines._common import options

    assert options("tot:3") == {"b": 3, "proposals": 8, "values": 1}
    assert options("tot:b=2,values=3") == {"b": 2, "proposals": 8, "values": 3}
    assert options("pot") == {"repairs": 0}
    with pytest.raises(InputError):
        options("tot:width=3")
    with pytest.raises(InputError):
        options("self-consistency:0")


def test_tot_moves_are_checked_against_the_board_and_the_rules():
    digits = get_rules("digits")
    board = Board.of((n, str(n)) for n in [2, 3, 7, 20, 21, 25])
    after = parse_move("2 * 7 = 14 (left: 3 14 20 21 25)", board, digits)
    assert after.key == (3, 14, 20, 21, 25)
    assert parse_move("2 * 9", board, digits) is None          # 9 is not on the board
    assert parse_move("7 / 2", board, digits) is None          # not an integer under Digits rules
    assert parse_move("2 × 2", board, digits) is None          # only one 2
    assert parse_move("nonsense", board, digits) is None
    g = Board.of((n, str(n)) for n in [24])
    assert solution(g, 24, get_rules("game24")) == "24"
    two = Board.of([(24, "(4 * 6)"), (1, "1")])
    assert solution(two, 24, get_rules("game24")) is None      # use-all: 1 is left
    assert solution(two, 24, digits) == "4 * 6"


async def test_tot_searches_breadth_first_and_submits_a_verified_expression(tmp_path):
    table = {
        "baseline:tot:propose:1": {"moves": ["4 - 3", "1 * 2", "9 + 9", "2 * 3"]},   # 9 + 9 is illegal
        "baseline:tot:propose:2": lambda req: {"moves": ["1 * 2", "6 * 4", "2 * 4"]},
        "baseline:tot:propose:3": lambda req: {"moves": ["24 * 1", "6 * 4", "8 * 3"]},
        "baseline:tot:value": lambda req: {"reasoning": "r",
                                           "verdict": "impossible" if "1 1 2" in req.messages[-1].content else "likely"},
    }
    result, backend, events = await run(G24, "tot:2", table, tmp_path)
    assert result.status == "solved" and result.verified
    proposes = [r for r in backend.requests if ":propose:" in r.purpose]
    assert [r.purpose.rsplit(":", 1)[1] for r in proposes] == ["1", "2", "2", "3", "3"]   # b=2 states per level
    assert sum(":propose:1" in r.purpose for r in backend.requests) == 1
    assert not any("1 1 2" in r.messages[-1].content for r in proposes)   # the impossible board was pruned
    assert [e for e in events if e.type == "verification"][-1].ok


async def test_tot_ends_unsolved_when_no_proposed_move_is_legal(tmp_path):
    # "impossible" boards keep a tiny score (0.001, as in the paper), so level 2 still runs; there
    # "1 + 2" is not on the board {3, 3, 4}, no child is left and the search ends.
    table = {"baseline:tot:propose": {"moves": ["1 + 2"]},
             "baseline:tot:value": {"reasoning": "r", "verdict": "impossible"}}
    result, backend, _ = await run(G24, "tot", table, tmp_path)
    assert result.status == "unsolved" and result.steps == 2
    assert "3 3 4" in result.reason and len(backend.requests) == 3


async def test_tot_refuses_problems_without_a_board(tmp_path):
    problem = AnswerProblem(id="a", statement="1+1?", answer="2")
    with pytest.raises(InputError):
        await run(problem, "tot", {}, tmp_path)


POT_269 = "It searches nothing: the product is known.\n```python\nprint('trying')\nprint('2*7*21-25')\n```"


async def test_pot_runs_the_models_program_and_the_last_printed_line_is_the_answer(tmp_path):
    result, backend, events = await run(P269, "pot", {"baseline:pot": POT_269}, tmp_path)
    assert result.status == "solved" and result.verified and result.answer == "2*7*21-25"
    assert len(backend.requests) == 1 and backend.requests[0].output_schema is None
    runs = [e for e in events if e.type == "tool_run"]
    assert len(runs) == 1 and "print('2*7*21-25')" in runs[0].code and runs[0].stdout.splitlines()[-1] == "2*7*21-25"


async def test_pot_program_that_fails_is_unsolved_and_a_repair_sees_the_error(tmp_path):
    broken = "Divides.\n```python\nprint(1 // 0)\n```"
    result, backend, _ = await run(P269, "pot", {"baseline:pot": broken}, tmp_path)
    assert result.status == "unsolved" and "no answer" in result.reason and len(backend.requests) == 1

    table = {"baseline:pot:repair": POT_269, "baseline:pot": broken}
    result, backend, _ = await run(P269, "pot:repairs=1", table, tmp_path)
    assert [r.purpose for r in backend.requests] == ["baseline:pot", "baseline:pot:repair"]
    assert "ZeroDivisionError" in backend.requests[1].messages[-1].content
    assert result.status == "solved" and result.steps == 2


async def test_pot_answer_line_prefix_is_stripped_and_graded_once(tmp_path):
    problem = AnswerProblem(id="a", statement="What is 6 times 7?", answer="42")
    reply = "Multiplies.\n```python\nprint('Answer:', 6 * 7)\n```"
    result, _, events = await run(problem, "pot", {"baseline:pot": reply}, tmp_path)
    assert result.answer == "42" and result.status == "solved"
    assert sum(e.type == "verification" for e in events) == 1


async def test_pot_gets_the_problems_definition_prepended(tmp_path):
    from agent.problems.models import CounterexampleProblem

    claim = CounterexampleProblem(id="c", statement="Claim: n^2 + n + 41 is prime for n >= 0.", answer="40", searched=50,
                                  definition="def in_domain(n):\n    return n >= 0\ndef holds(n):\n"
                                             "    m = n * n + n + 41\n    return all(m % d for d in range(2, int(m ** 0.5) + 1))\n")
    uses = "```python\nprint(next(n for n in range(100) if not holds(n)))\n```"
    result, backend, events = await run(claim, "pot", {"baseline:pot": uses}, tmp_path)
    assert result.status == "solved" and result.answer == "40"
    assert "ALREADY DEFINED" in backend.requests[0].messages[-1].content


# -- fit: sympy's fitting alone (agent/baselines/fit.py) ------------------------------------------
async def test_fit_continues_a_fitted_sequence_with_no_model_call_and_gives_none_without_a_fit(tmp_path):
    from agent.problems.models import SequenceProblem
    from agent.trace.events import ToolCall, Verification

    squares = SequenceProblem(id="sq", statement="continue", terms=[n * n + 1 for n in range(1, 11)],
                              hidden=[122, 145, 170])
    backend = FunctionBackend()
    result = await asolve(squares, backend=backend, policy="fit", trace=tmp_path / "a.jsonl")
    events = read_events(result.trace_path)
    assert result.solved and result.answer == "122, 145, 170" and backend.requests == []
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert [e.tool for e in calls] == ["guess_all"] and "polynomial, degree 2" in calls[0].result
    assert "tried:" in calls[0].result and "each residue class mod 3" in calls[0].result
    assert [v.ok for v in events if isinstance(v, Verification)] == [True]
    primes = SequenceProblem(id="p", statement="continue", terms=[2, 3, 5, 7, 11, 13, 17, 19, 23, 29], hidden=[31])
    result = await asolve(primes, backend=backend, policy="fit", trace=tmp_path / "b.jsonl")
    assert result.solved and result.answer == "31" and "the n-th prime" in result.reason
    pi = SequenceProblem(id="pi", statement="continue", terms=[3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9], hidden=[3])
    result = await asolve(pi, backend=backend, policy="fit", trace=tmp_path / "c.jsonl")
    assert result.status == "unsolved" and result.answer is None and "no guesser explains" in result.reason
    assert not [e for e in read_events(result.trace_path) if isinstance(e, Verification)]
