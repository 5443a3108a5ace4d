"""The moves on a countdown workspace (Digits, Game of 24, Countdown): what each computes.

The family (strategies/countdown/__init__.py) maps each move name to one of these. No move here asks the
model anything: the model's judgement is the controller's pick among the listed options
(agent/loop/choose.py). Every result is computed by an exact tool, recorded as a `tool_call`
event, and enters the notebook with its provenance (`source="tool:NAME"`).

| move       | computes                                                                      |
|------------|-------------------------------------------------------------------------------|
| understand | the board, the target, the rules, unusual numbers; near-target facts of the root |
| backwards  | takes the picked backward option: a subgoal with the numbers left for it        |
| examples   | takes the picked forward option: two free numbers combined into one             |
| patterns   | near-target facts of the current node (factorisations, divisors, closing steps) |
| counterexamples | tests the current node against the size bound (can its goal still be made?) |
| reframe    | returns to another node (a subgoal set aside, or the board as given)           |
| attempt    | writes out an answer the workspace already holds (a closed node, or a closing step) |
"""

from __future__ import annotations

import sympy

from agent.trace.events import Findings, ToolCall
from agent.workspace.boards import CountdownWorkspace
from agent.workspace.countdown import Node, forward_options, near_target, settle, take, upper_bound
from strategies.base import MoveInput, MoveOutcome


def _ws(inp: MoveInput) -> CountdownWorkspace:
    return inp.state.workspace


def _attack(inp: MoveInput) -> str:
    return inp.state.current_attack or "-"


def _record(inp: MoveInput, tool: str, args: dict, result: str) -> None:
    chosen = "" if inp.choice is None else "policy"
    inp.ctx.emit(ToolCall(run_id="", step=inp.ctx.step, tool=tool, args=args, result=result, chosen_by=chosen))


def _node_facts(inp: MoveInput, node: Node, limit: int = 4) -> list[str]:
    facts = [node.render()]
    if node.status == "open":
        nt = near_target(node, _ws(inp).rules)
        _record(inp, "near_target", {"node": node.id}, "\n".join(nt.lines()))
        facts += nt.lines(limit=limit)
    elif node.status == "dead":
        facts.append(f"{node.id} is a dead end: {node.dead_reason}")
    return facts


def _outcome(inp: MoveInput, node: Node, summary: str, limit: int = 4) -> MoveOutcome:
    findings = Findings(source="tool:countdown", facts=_node_facts(inp, node, limit),
                        candidates=[node.answer] if node.status == "closed" and node.answer else [])
    return MoveOutcome(findings, summary=summary)


async def understand(inp: MoveInput) -> MoveOutcome:
    ws, p = _ws(inp), inp.problem
    unusual = []
    for n in sorted(set(p.numbers)):
        if n == 1:
            unusual.append("1 (multiplying or dividing by it changes nothing)")
        elif n > 1 and sympy.isprime(n) and n > 10:
            unusual.append(f"{n} (a prime: it divides only its own multiples)")
        elif n >= max(p.numbers) and n >= 25:
            unusual.append(f"{n} (the largest number)")
    facts = [f"Target {p.target} from {', '.join(map(str, p.numbers))} under {p.rules} rules",
             f"{p.target} = {near_target(ws.root, ws.rules).factors}"]
    if unusual:
        facts.append("Unusual numbers: " + "; ".join(unusual))
    if ws.root.status == "dead":
        facts.append(f"The target cannot be made: {ws.root.dead_reason}")
    out = _outcome(inp, ws.root, "board read; near-target facts of the target computed", limit=24)
    out.findings.facts = facts + out.findings.facts[1:]
    return out


async def take_step(inp: MoveInput) -> MoveOutcome:
    """backwards / examples: take the option the controller picked."""
    ws, choice = _ws(inp), inp.choice
    child = ws.apply(_attack(inp), choice.option)
    _record(inp, "take", {"from": child.parent, "option": choice.option.text}, child.render())
    return _outcome(inp, child, f"{choice.option.text} -> {child.render()}")


async def return_to(inp: MoveInput) -> MoveOutcome:
    """reframe: work from another node (a subgoal set aside, or the board as given)."""
    ws, choice = _ws(inp), inp.choice
    if choice is None or choice.node_id is None:
        node = ws.move_to(_attack(inp), ws.root.id)
    else:
        node = ws.move_to(_attack(inp), choice.node_id)
    _record(inp, "move_to", {"node": node.id}, node.render())
    return _outcome(inp, node, f"now working from {node.render()}")


async def patterns(inp: MoveInput) -> MoveOutcome:
    node = _ws(inp).at(_attack(inp))
    return _outcome(inp, node, f"near-target facts of {node.id}")


async def counterexamples(inp: MoveInput) -> MoveOutcome:
    """Test the node against the size bound: a goal beyond what the free numbers can make is dead."""
    ws = _ws(inp)
    node = ws.at(_attack(inp))
    settle(node, ws.rules)
    bound = upper_bound(node)
    _record(inp, "upper_bound", {"node": node.id}, str(bound))
    fact = f"{node.id}: the free numbers make at most {bound}; the goal {node.goal} is " + (
        "beyond that (dead end)" if node.status == "dead" else "within it")
    out = _outcome(inp, node, fact)
    out.findings.facts.insert(0, fact)
    return out


async def attempt(inp: MoveInput) -> MoveOutcome | None:
    """An answer the workspace already holds: a closed node, or the current node's closing step.
    None when it holds none (the caller decides whether to ask the model)."""
    ws = _ws(inp)
    closed = ws.closed()
    if closed:
        return MoveOutcome(Findings(source="tool:countdown", candidates=[n.answer for n in closed]),
                           summary=f"written out from {closed[-1].id}")
    node = ws.at(_attack(inp))
    if node.status == "open":
        for option in forward_options(node, ws.rules):
            if option.result == node.goal and take(node, option, ws.rules, new_id="?").status == "closed":
                child = ws.apply(_attack(inp), option)
                _record(inp, "take", {"from": node.id, "option": option.text}, child.render())
                return _outcome(inp, child, f"closing step {option.text}")
    return None
