"""The countdown workspace: exact one-step tools, the rule that they never search deeper, and what
each move does to the workspace."""

from __future__ import annotations

from fractions import Fraction

import pytest

from agent.workspace import boards, countdown
from agent.workspace.boards import CountdownWorkspace
from agent.workspace.countdown import (
    ToolError,
    backward_options,
    factor_text,
    forward_options,
    near_target,
    parse_value,
    product_split,
    root_node,
    settle,
    take,
    upper_bound,
)

BOARD, TARGET = [2, 3, 7, 20, 21, 25], 269


def root():
    return settle(root_node(BOARD, TARGET), "digits")


def option(node, text_start, rules="digits"):
    opts = backward_options(node, rules) + forward_options(node, rules)
    return next(o for o in opts if o.text.startswith(text_start))


# -- tools: exact values --------------------------------------------------------------------------
def test_backward_options_are_the_exact_inverses():
    opts = {o.text: o.new_goal for o in backward_options(root(), "digits")}
    assert opts["X - 25 = 269 -> make 294"] == "294"
    assert opts["X + 25 = 269 -> make 244"] == "244"
    assert opts["X / 2 = 269 -> make 538"] == "538"
    # 269 is prime: no X * n, and n - X / n / X are never positive integers here
    assert not any(" * " in t or t.startswith(("25 - X", "25 / X")) for t in opts)


def test_forward_options_follow_the_rules():
    node = root()
    digits = {o.text for o in forward_options(node, "digits")}
    assert "21 / 7 = 3" in digits and "7 * 21 = 147" in digits
    assert "3 / 2 = 3/2" not in digits and not any(t.startswith("2 - ") for t in digits)  # no fractions, no negatives
    g24 = settle(root_node([1, 5, 9, 11], 24), "game24")
    fractions = {o.text for o in forward_options(g24, "game24")}
    assert "5 / 9 = 5/9" in fractions and "9 / 5 = 9/5" in fractions


def test_take_backward_then_forward_closes_269_exactly():
    n2 = take(root(), option(root(), "X - 25 = 269"), "digits", "N2")
    assert (n2.goal, n2.wrap, n2.status) == ("294", "(X - 25)", "open")
    assert [i.value for i in n2.items] == ["2", "3", "7", "20", "21"]
    n3 = take(n2, option(n2, "X * 21 = 294"), "digits", "N3")
    assert n3.goal == "14" and n3.wrap == "((X * 21) - 25)"
    n4 = take(n3, option(n3, "2 * 7 = 14"), "digits", "N4")
    assert n4.status == "closed" and n4.answer == "((2 * 7) * 21) - 25"
    assert eval(n4.answer) == TARGET


def test_settle_marks_dead_ends_with_the_reason():
    node = settle(root_node([2, 3], 100), "digits")
    assert node.status == "dead" and "at most 6" in node.dead_reason   # max(2, 2) * max(3, 2) = 6
    one = settle(root_node([5], 3), "digits")
    assert one.status == "dead" and "is not 3" in one.dead_reason
    use_all = settle(root_node([24, 1], 24), "game24")
    assert use_all.status == "open"        # 24 is on the board, but game24 must use every number


def test_near_target_facts_are_exact():
    nt = near_target(root(), "digits")
    assert nt.factors == "269"
    assert "X - 25 = 269 -> make 294 = 2·3·7^2" in nt.neighbours
    n = settle(root_node([2, 3, 7, 20, 21], 294), "digits")
    nt = near_target(n, "digits")
    assert nt.divisors_on_board == ["2", "3", "7", "21"]
    assert product_split(n, "digits") == "294 = 2 × 7 × 21"
    closing = settle(root_node([2, 7, 20], 14), "digits")
    assert near_target(closing, "digits").closing_steps == ["2 * 7 = 14"]


def test_small_helpers():
    assert factor_text(294) == "2·3·7^2" and factor_text(Fraction(1, 24)) == "1/24" and factor_text(1) == "1"
    assert parse_value("3/4") == Fraction(3, 4) and parse_value("12") == 12
    assert upper_bound(settle(root_node([1, 1, 5], 3), "digits")) == 20
    with pytest.raises(ToolError, match="not an exact number"):
        parse_value("three")


def test_bad_input_is_a_tool_error():
    node = root()
    bad = option(node, "X - 25 = 269").model_copy(update={"a": 17})
    with pytest.raises(ToolError, match="does not fit"):
        take(node, bad, "digits", "N9")
    ws = CountdownWorkspace.start(BOARD, TARGET, "digits")
    with pytest.raises(ToolError, match="no node"):
        ws.node("N99")


# -- the rule: one step deep, never more ----------------------------------------------------------
def test_listing_choices_computes_each_option_once_and_nothing_deeper(monkeypatch):
    """Listing the options of a node takes each listed step exactly once (to state its consequence)
    and never takes a step from the node that step makes."""
    calls: list[str] = []
    real_take = countdown.take

    def counting_take(node, opt, rules, new_id, attack_id="-"):
        calls.append(node.id)
        return real_take(node, opt, rules, new_id, attack_id)

    monkeypatch.setattr(boards, "take", counting_take)
    ws = CountdownWorkspace.start(BOARD, TARGET, "digits")
    ws.choices("A1")
    n_options = len(backward_options(ws.root, "digits")) + len(forward_options(ws.root, "digits"))
    assert calls and set(calls) == {"N1"} and len(calls) == n_options


def test_the_exhaustive_solver_never_runs_inside_a_solve(monkeypatch, tmp_path):
    import asyncio
    import importlib

    from agent.loop.run import asolve
    from agent.problems.models import Budget, CountdownProblem

    solver = importlib.import_module("agent.verify.countdown.solve")
    from tests.loop_helpers import FunctionBackend

    def forbidden(*_a, **_k):
        raise AssertionError("the exhaustive solver ran inside a solve")

    import agent.verify.countdown as countdown_verify

    for module in (solver, countdown_verify):
        monkeypatch.setattr(module, "solve", forbidden)
        monkeypatch.setattr(module, "reachable", forbidden)
    monkeypatch.setattr(solver._Search, "__init__", forbidden)
    for numbers, target, rules in (([2, 3, 7, 20, 21, 25], 269, "digits"), ([1, 5, 9, 11], 24, "game24")):
        problem = CountdownProblem(id="p", rules=rules, numbers=numbers, target=target)
        result = asyncio.run(asolve(problem, backend=FunctionBackend(), policy="random", budget=Budget(steps=10),
                                    trace=tmp_path / f"{target}.jsonl"))
        assert result.status in ("solved", "budget")


# -- the workspace and its attacks ----------------------------------------------------------------
def test_workspace_tracks_where_each_attack_stands_and_reuses_equal_nodes():
    ws = CountdownWorkspace.start(BOARD, TARGET, "digits")
    n2 = ws.apply("A1", option(ws.root, "X - 25 = 269"))
    assert ws.at("A1").id == n2.id and ws.at("A2").id == "N1"     # a new attack starts at the board
    again = ws.apply("A2", option(ws.root, "X - 25 = 269"))
    assert again.id == n2.id and len(ws.nodes) == 2                # same goal, numbers and wrap: one node
    texts = [c.text for c in ws.choices("A2")]
    assert any(t.startswith("start again") or t.startswith("step back") for t in texts)
    # an option taken once from a node is not listed there again
    assert not any(t.startswith("X - 25 = 269") for t in (c.text for c in ws.choices("A3")))


def test_choices_say_what_each_step_gives_and_mark_closing_steps():
    ws = CountdownWorkspace.start([2, 3, 7, 20, 21], 294, "digits")
    by_text = {c.text: c for c in ws.choices("A1")}
    split = by_text["PRODUCT OF FREE NUMBERS: X * 21 = 294 -> make 14, 14 = 2 × 7"]
    assert split.closes == 2 and split.move == "backwards"
    ws2 = CountdownWorkspace.start([2, 7, 20], 14, "digits")
    closes = [c for c in ws2.choices("A1") if c.closes == 1]
    assert sorted(c.text for c in closes) == ["CLOSES: 2 * 7 = 14", "CLOSES: X * 2 = 14 -> make 7",
                                              "CLOSES: X * 7 = 14 -> make 2"]
    # a backward step into a dead end is not listed (294 * 25 is beyond what [2, 3] can make)
    ws3 = CountdownWorkspace.start([2, 3, 25], 294, "digits")
    assert not any("make 7350" in c.text for c in ws3.choices("A1"))


# -- each move's effect on the workspace ------------------------------------------------------------
def ws_input(tmp_path, numbers=BOARD, target=TARGET, rules="digits"):
    from agent.problems.models import CountdownProblem
    from tests.loop_helpers import FunctionBackend, move_input

    backend = FunctionBackend()
    problem = CountdownProblem(id="p", rules=rules, numbers=numbers, target=target)
    inp = move_input(tmp_path, problem, backend)
    inp.state.current_attack = "A1"
    return inp, backend


def pick(inp, text_start):
    return next(c for c in inp.state.workspace.choices("A1") if text_start in c.text)


async def run_move(name, inp):

    return await inp.family.move_fn(name)(inp)


async def test_understand_reads_the_board_with_tools_and_no_model_call(tmp_path):
    inp, backend = ws_input(tmp_path)
    out = await run_move("understand", inp)
    assert backend.requests == [] and out.findings.source == "tool:countdown"
    assert out.findings.facts[0] == "Target 269 from 2, 3, 7, 20, 21, 25 under digits rules"
    assert "269 = 269" in out.findings.facts
    assert "X - 25 = 269 -> make 294 = 2·3·7^2" in out.findings.facts


async def test_backwards_and_examples_take_the_picked_step(tmp_path):
    inp, backend = ws_input(tmp_path)
    inp.choice = pick(inp, "X - 25 = 269")
    out = await run_move("backwards", inp)
    ws = inp.state.workspace
    assert ws.at("A1").goal == "294" and out.findings.facts[0].startswith("N2: make 294 from [2, 3, 7, 20, 21]")
    inp.choice = pick(inp, "PRODUCT OF FREE NUMBERS: 2 * 7 = 14")
    out = await run_move("examples", inp)
    assert [i.value for i in ws.at("A1").items] == ["3", "20", "21", "14"] and ws.at("A1").goal == "294"
    inp.choice = pick(inp, "CLOSES: X * 21 = 294")
    out = await run_move("backwards", inp)
    assert out.findings.candidates == ["((2 * 7) * 21) - 25"] and ws.at("A1").status == "closed"
    assert backend.requests == []


async def test_reframe_returns_to_the_node_picked(tmp_path):
    inp, _ = ws_input(tmp_path)
    inp.choice = pick(inp, "X - 25 = 269")
    await run_move("backwards", inp)
    inp.choice = pick(inp, "step back")
    out = await run_move("reframe", inp)
    assert inp.state.workspace.at("A1").id == "N1" and "N1" in out.summary


async def test_patterns_and_counterexamples_compute_facts_of_the_current_node(tmp_path):
    inp, _ = ws_input(tmp_path, numbers=[2, 3, 7, 20, 21], target=294)
    out = await run_move("patterns", inp)
    assert "free numbers dividing 294: 2, 3, 7, 21" in out.findings.facts
    out = await run_move("counterexamples", inp)
    assert out.findings.facts[0] == "N1: the free numbers make at most 17640; the goal 294 is within it"
    dead, _ = ws_input(tmp_path, numbers=[2, 3], target=100)
    out = await run_move("counterexamples", dead)
    assert "beyond that (dead end)" in out.findings.facts[0]


async def test_attempt_writes_out_what_the_workspace_holds_without_a_model_call(tmp_path):
    inp, backend = ws_input(tmp_path, numbers=[2, 7, 20], target=14)
    out = await run_move("attempt", inp)     # the node has a closing step: attempt takes it
    assert out.findings.candidates == ["2 * 7"] and backend.requests == []
    out = await run_move("attempt", inp)     # a closed node is written out again, no model call
    assert out.findings.candidates == ["2 * 7"] and backend.requests == []


async def test_random_policy_solves_269_with_zero_model_calls_and_the_closing_rule_decides(tmp_path):
    from agent.loop.run import asolve
    from agent.problems.models import Budget
    from agent.trace.events import ControllerChoice, Verdict
    from agent.trace.reader import read_events
    from tests.loop_helpers import P269, FunctionBackend

    backend = FunctionBackend()
    result = await asolve(P269, backend=backend, policy="random", budget=Budget(steps=12), seed=0,
                          trace=tmp_path / "r.jsonl")
    events = read_events(result.trace_path)
    assert result.solved and result.verified and eval(result.answer) == 269 and backend.requests == []
    assert all(c.reason.startswith("rule:") for c in events if isinstance(c, ControllerChoice))
    verdicts = [v for v in events if isinstance(v, Verdict)]
    assert verdicts and all(v.model_decision is None and v.overrides == ["node_open"] for v in verdicts)


async def test_llm_policy_asks_the_model_only_when_no_rule_decides(tmp_path):
    """1 5 9 11 -> 24: nothing closes at the start, so the model picks; its pick is mapped back
    through the shuffle to the option it saw."""
    from agent.loop.run import asolve
    from agent.problems.models import Budget, CountdownProblem
    from agent.trace.events import ControllerChoice, LLMCall
    from agent.trace.reader import read_events
    from tests.loop_helpers import FunctionBackend

    def first(request):
        return {"choice": 1}

    problem = CountdownProblem(id="g", rules="game24", numbers=[1, 5, 9, 11], target=24)
    backend = FunctionBackend(first)
    result = await asolve(problem, backend=backend, policy="llm", budget=Budget(steps=2), seed=4,
                          trace=tmp_path / "l.jsonl")
    events = read_events(result.trace_path)
    first_choice = next(e for e in events if isinstance(e, ControllerChoice))
    shown = backend.requests[0].messages[-1].content.split("\n1) ", 1)[1].split("\n", 1)[0]
    assert first_choice.reason.startswith("model: " + shown)
    assert [e.purpose for e in events if isinstance(e, LLMCall)] == ["controller"] * len(backend.requests)


async def test_a_pick_off_the_list_falls_back_to_the_rng_and_says_so(tmp_path):
    from agent.loop.run import asolve
    from agent.problems.models import Budget, CountdownProblem
    from agent.trace.events import ControllerChoice
    from agent.trace.reader import read_events
    from tests.loop_helpers import FunctionBackend

    problem = CountdownProblem(id="g", rules="game24", numbers=[1, 5, 9, 11], target=24)
    result = await asolve(problem, backend=FunctionBackend(lambda r: {"choice": 999}), policy="llm",
                          budget=Budget(steps=2), seed=4, trace=tmp_path / "f.jsonl")
    choice = next(e for e in read_events(result.trace_path) if isinstance(e, ControllerChoice))
    assert choice.reason.startswith("random: the model picked 999, not on the list")


def test_a_node_with_two_numbers_that_cannot_make_its_goal_in_one_step_is_dead():
    assert settle(root_node([3, 5], 7), "digits").dead_reason == "no one step of 3 and 5 makes 7"
    assert settle(root_node([3, 5], 15), "digits").status == "open"
    assert settle(root_node([3, 5], -2), "game24").status == "open"        # 3 - 5 under rational rules
    assert settle(root_node([3, 5], 8), "game24").status == "open"


async def test_committed_workspace_example_from_the_1_5b_model_reruns_exactly(tmp_path):
    """A real bench run (Game of 24 rank 801, `llm`, 13 model picks): the rerun serves every pick
    from the trace, recomputes every tool result, and reaches the same verdicts and answer."""
    from pathlib import Path

    from agent.loop.rerun import arerun
    from agent.trace.events import LLMCall, ToolCall
    from agent.trace.reader import read_events

    example = Path(__file__).resolve().parents[1] / "traces" / "examples" / "g24-r0801-workspace-local.jsonl"
    recorded = read_events(example)
    assert recorded[0].backend == "local" and recorded[0].policy == "llm"
    result, _ = await arerun(example, trace=tmp_path / "rerun.jsonl")
    again = read_events(tmp_path / "rerun.jsonl")
    assert result.status == recorded[-1].status == "solved" and result.answer == recorded[-1].answer
    assert all(e.replayed for e in again if isinstance(e, LLMCall))
    assert [(e.tool, e.result) for e in again if isinstance(e, ToolCall)] == \
        [(e.tool, e.result) for e in recorded if isinstance(e, ToolCall)]


def test_behaviour_stats_say_who_decided_each_step(tmp_path, capsys):
    import asyncio

    from agent.cli import main as cli
    from agent.loop.run import asolve
    from agent.problems.models import Budget
    from agent.report.behaviour import run_behaviour, who
    from tests.loop_helpers import P269, FunctionBackend

    result = asyncio.run(asolve(P269, backend=FunctionBackend(), policy="random", budget=Budget(steps=12), seed=0,
                                trace=tmp_path / "runs" / "r.jsonl"))
    b = run_behaviour(result.trace_path)
    assert b.decided_by == {"rule": result.steps - 1} and b.status == "solved" and b.answer_from
    assert sum(b.moves.values()) == result.steps - 1 and b.attacks_opened == 1
    assert [who(r) for r in ("rule: x", "model: y", "random: the model picked 9, not on the list", "random: m")] == \
        ["rule", "model", "fallback", "random"]
    assert cli(["traces", str(tmp_path / "runs"), "--stats"]) == 0
    out = capsys.readouterr().out
    assert "| random | 1 |" in out and "choices by model / rule / random / fallback" in out


def test_false_claims_checks_explicit_arithmetic_only():
    from agent.workspace.claims import false_claims

    assert false_claims("2 + 3 + 7 = 11 and 14 * 21 = 294") == ["2 + 3 + 7 = 11 is false: 2 + 3 + 7 = 12"]
    assert false_claims("(3+4)×2 = 15") == ["(3+4)×2 = 15 is false: (3+4)×2 = 14"]
    assert false_claims("1/3 + 1/6 = 1/2") == [] and false_claims("6 / 4 = 1.5") == []
    assert false_claims("the sum is 55, x = 5") == [] and false_claims("1 / 0 = 3") == []


async def test_attempt_under_use_all_rules_does_not_take_a_step_that_leaves_numbers(tmp_path):
    """2 * 7 = 14 reaches 14 but leaves 5 and 1 unused: under Game-of-24 rules that is no answer, so
    attempt writes nothing and the attack stays where it stood."""
    from strategies.countdown import moves as countdown_moves

    inp, _ = ws_input(tmp_path, numbers=[2, 7, 5, 1], target=14, rules="game24")
    held = await countdown_moves.attempt(inp)
    assert held is None and inp.state.workspace.at("A1").id == "N1" and len(inp.state.workspace.nodes) == 1


# -- the viability estimate and the looks-dead rule (strategies/countdown/signals.py) ---------------
def test_a_node_with_only_stepping_back_left_is_left_not_persisted_on():
    from agent.loop.state import Attack
    from strategies.countdown.signals import workspace_verdict
    from strategies.family import Signals

    # 1000 = X * 2 leaves 500 from [3, 4, 50]: every step from there makes a dead end, so the only
    # choices listed are stepping back to the board (a move of the attack, not a step of the node)
    ws = CountdownWorkspace.start([3, 4, 50, 2], 1000, "digits")
    ws.apply("A1", option(ws.root, "X * 2"))
    assert [c.option for c in ws.choices("A1")] == [None] and ws.choices("A1")[0].node_id == ws.root.id
    attack = Attack(id="A1", goal="x", moves=["backwards"])
    verdict = workspace_verdict(ws, attack, Signals("backwards", 1))
    assert verdict.decision == "abandon" and verdict.overrides == ["node_exhausted"] and "N2" in verdict.reason
    # a node that still has a step of its own is not exhausted: 24 from [4, 6, 1] (4 * 6)
    near = CountdownWorkspace.start([4, 6, 1], 24, "digits")
    assert workspace_verdict(near, attack, Signals("backwards", 1)).overrides == ["node_open"]


def test_one_step_distance_is_measured_from_the_free_numbers_and_their_one_step_results():
    assert countdown.one_step_distance(root_node([3, 8, 1], 24), "digits") == 0.0      # 3 * 8
    assert countdown.one_step_distance(root_node([3, 8], 30), "digits") == pytest.approx(0.2)   # 24 is nearest
    assert countdown.one_step_distance(root_node([10, 11, 3], 300), "digits") == pytest.approx(190 / 300)  # 110


def test_viability_rises_with_nearness_and_free_numbers_and_a_node_that_looks_dead_is_abandoned():
    from agent.loop.state import Attack
    from strategies.countdown.signals import LOOKS_DEAD, viability, workspace_verdict
    from strategies.family import Signals

    near = CountdownWorkspace.start([4, 6, 1], 24, "digits")
    far = CountdownWorkspace.start([10, 11, 3], 300, "digits")
    wide = CountdownWorkspace.start([10, 11, 3, 2], 300, "digits")
    assert viability(near, "A1") > viability(wide, "A1") > viability(far, "A1")
    assert viability(far, "A1") < LOOKS_DEAD <= viability(wide, "A1")
    # 396 from [4, 9, 11]: steps are left (it is not exhausted), but none comes near 396 (11 * 9 = 99)
    attack = Attack(id="A1", goal="x", moves=["backwards"])
    ws = CountdownWorkspace.start([4, 9, 11], 396, "digits")
    verdict = workspace_verdict(ws, attack, Signals("backwards", 1))
    assert verdict.decision == "abandon" and verdict.overrides == ["looks_dead"] and "396" in verdict.reason
    assert workspace_verdict(near, attack, Signals("backwards", 1)).overrides == ["node_open"]


def test_a_claim_scan_is_linear_on_a_long_run_of_digits():
    # The nested pattern this replaced backtracked exponentially here (25 minutes of CPU on a MATH run).
    import time

    from agent.workspace.claims import false_claims

    start = time.process_time()
    assert false_claims("a program printed (9.65685424949238-8.828427124746192j)" * 3) == []
    assert time.process_time() - start < 5.0     # a hang check, not a speed target
    assert false_claims("1.5 + 1.5 = 4") == ["1.5 + 1.5 = 4 is false: 1.5 + 1.5 = 3"]


def test_a_forward_step_that_joins_the_goal_to_a_product_of_free_numbers_is_listed():
    """[3, 3, 3, 5] -> 24 (Game of 24) is made only by joining two sub-results, 3 × 3 + 3 × 5: neither
    forward step closes the goal or makes a factor of it, so the listing states the join instead
    (24 - 9 = 15 = 3 × 5), and no other forward step of the board is listed for it."""
    ws = CountdownWorkspace.start([3, 3, 3, 5], 24, "game24")
    joins = [c for c in ws.choices("A1") if c.text.startswith("JOINS")]
    assert [c.option.text for c in joins] == ["3 * 3 = 9", "3 * 5 = 15"]
    assert all(c.closes == 2 for c in joins)
    assert "X + 9 = 24 -> make 15, 15 = 3 × 5" in joins[0].text
    ws.apply("A1", joins[0].option)
    after = {c.text for c in ws.choices("A1") if c.closes == 2}
    assert "JOINS FREE NUMBERS: 3 * 5 = 15, then X + 15 = 24 -> make 9, a free number" in after
