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
