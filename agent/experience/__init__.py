"""Experience: judgement learned from Polya's own traces (docs/experience.md).

`polya learn` reads countdown traces (or makes them by self-play), labels the nodes the runs stood
on and the steps listed there, and fits small logistic models with scikit-learn; the `learned`
policy (agent/loop/learned.py) picks steps by their learned value and its judge uses the learned
node value. Evaluating a model needs no library: `node_value` and `step_value` are plain functions.
"""

from __future__ import annotations

from agent.experience.answer_features import lead_features, method_features
from agent.experience.features import judge_features, step_features
from agent.experience.model import Experience, load_experience
from agent.experience.move_features import (
    HuntView,
    SequenceView,
    claim_features,
    hunt_context,
    move_row,
    sequence_context,
    sequence_features,
)
from agent.workspace.answers import AnswerWorkspace
from agent.workspace.countdown import Node, Option


def node_value(exp: Experience, node: Node, rules: str, board: int) -> float:
    """The learned chance that `node`'s goal can still be made from its free numbers (0 for a dead
    node, 1 for a closed one): the learned judge's progress."""
    if node.status != "open":
        return 1.0 if node.status == "closed" else 0.0
    return exp.for_rules(rules).node.predict(judge_features(node, rules, board))


def step_value(exp: Experience, node: Node, option: Option, child: Node, rules: str, board: int) -> float:
    """The learned chance that the node a listed step makes (`child`, from `take`) can still be made."""
    if child.status != "open":
        return 1.0 if child.status == "closed" else 0.0
    return exp.for_rules(rules).step.predict(step_features(node, option, child, rules, board))


def lead_chance(exp: Experience, ws: AnswerWorkspace, step: int) -> float:
    """The learned chance that the leading answer (`ws.best()`) is right after `step`; 0 with no answer yet."""
    x = lead_features(ws, step)
    return exp.answers.lead.predict(x) if x else 0.0


def method_values(exp: Experience, ws: AnswerWorkspace, methods: list[str]) -> dict[str, float]:
    """The learned chance that each method, run next, reaches a right answer independently."""
    return {m: exp.answers.method.predict(method_features(ws, m)) for m in methods}


def hunt_view(ws) -> HuntView:
    """What a live hunt (agent/workspace/hunt.py) has checked, as the traces are read (move_data.py)."""
    return HuntView(scanned_to=ws.scanned_to, reported=ws.searched_to(), empty_searches=ws.empty_searches(),
                    failed_programs=sum(bool(s.failed) for s in ws.searches)
                    + sum(f.status == "unchecked" for f in ws.families),
                    families=len(ws.families), failures=len(ws.failures))


def sequence_view(ws, step: int) -> SequenceView:
    """The live sequence ledger (agent/workspace/sequences.py); the opening runs the guessers first."""
    return SequenceView(survives=sum(f.status == "survived" for f in ws.ledger),
                        model_rules=sum(f.source == "model" for f in ws.ledger), guessers_tried=step > 0)


def move_values(exp: Experience, family: str, problem, ws, step: int, moves: list[str]) -> dict[str, float]:
    """The learned chance that each move pays now, on a hunt or a sequence (`step`: steps taken)."""
    if family == "hunts":
        context = hunt_context(claim_features(problem), hunt_view(ws), step)
    else:
        context = sequence_context(sequence_features(list(problem.terms)), sequence_view(ws, step), step)
    model = getattr(exp, family).value
    return {m: model.predict(move_row(context, m)) for m in moves}


__all__ = ["move_values", "Experience", "lead_chance", "load_experience", "method_values", "node_value", "step_value"]
