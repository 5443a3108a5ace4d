"""Experience: judgement learned from Polya's own traces (docs/experience.md).

`polya learn` reads countdown traces (or makes them by self-play), labels the nodes the runs stood
on and the steps listed there, and fits small logistic models with scikit-learn; the `learned`
policy (agent/loop/learned.py) picks steps by their learned value and its judge uses the learned
node value. Evaluating a model needs no library: `node_value` and `step_value` are plain functions.
"""

from __future__ import annotations

from agent.experience.features import judge_features, step_features
from agent.experience.model import Experience, load_experience
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


__all__ = ["Experience", "load_experience", "node_value", "step_value"]
