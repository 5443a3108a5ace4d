"""Features of a countdown node and of a listed step, each computed by the family's own one-step
tools (agent/workspace/countdown.py) and each with the words a person would use for it.

A node's features are facts about its goal and its free numbers only: how the goal factors, which
free numbers divide it, whether it is a product of free numbers, how far it is from the free
numbers (distance and ratio), how many numbers are left. `one_step_near` (the judge's node value
only) reads the node's own listed forward steps, as today's viability estimate does. A step's
features are the features of the node it makes (what the listing already computes to show it:
`take`, `product_split`, `near_target`), its kind and operation, and how the goal changes — never
anything about the steps of that node.
"""

from __future__ import annotations

import math
from fractions import Fraction

import sympy

from agent.verify.countdown.rules import RuleSet, Value, get_rules
from agent.workspace.countdown import Node, Option, one_step_distance, product_split

# feature name -> what it means, in words (`polya learn` prints these beside the weights)
NODE_WORDS: dict[str, str] = {
    "numbers_left": "numbers still free",
    "share_left": "share of the board still free",
    "goal_fraction": "the goal is a fraction",
    "log_goal": "size of the goal (log10)",
    "goal_prime": "the goal is a prime",
    "goal_factors": "prime factors of the goal (with multiplicity)",
    "free_divisors": "free numbers dividing the goal",
    "any_free_divisor": "the goal is divisible by a free number",
    "product_of_free": "the goal is a product of free numbers",
    "near": "a free number is near the goal (log scale)",
    "ratio_max": "goal over the largest free number (log10)",
    "ratio_sum": "goal over the sum of the free numbers (log10)",
    "beyond_sum": "the goal is more than the free numbers add up to",
    "ratio_bound": "goal over the most the free numbers can make (log10)",
    "ones": "free numbers equal to 1",
}
JUDGE_WORDS = {"one_step_near": "one listed step comes near the goal (log scale)"}
STEP_WORDS: dict[str, str] = {
    "backward": "a backward step (sets a number aside for the last operation)",
    **{f"op_{op}": f"the operation is {shown}" for op, shown in
       (("add", "+"), ("sub", "-"), ("mul", "*"), ("div", "/"), ("rsub", "n - X"), ("rdiv", "n / X"))},
    "goal_change": "how the goal changes (log10 of new goal over old)",
    "makes_factor": "a forward step that makes a factor of the goal",
    **{f"child_{k}": f"after the step: {v}" for k, v in NODE_WORDS.items()},
}
OP_NAMES = {"+": "add", "-": "sub", "*": "mul", "/": "div", "r-": "rsub", "r/": "rdiv"}


def _log(x: float) -> float:
    return math.log10(max(abs(x), 1e-6))


def _bound(values: list[Value], rs: RuleSet) -> float:
    """The most the free numbers can make under positive-integer rules (countdown.upper_bound's
    formula); under rational rules the same product, a scale rather than a bound."""
    out = 1.0
    for v in values:
        out *= max(abs(float(v)), 2.0)
    return out


def node_features(goal: Value, values: list[Value], rules: str | RuleSet, board: int) -> dict[str, float]:
    """What a person sees at a node: goal `goal` to make from the free `values` (board size `board`)."""
    rs = get_rules(rules)
    g = float(goal)
    is_int = isinstance(goal, int)
    ints = [v for v in values if isinstance(v, int) and v > 1]
    divisors = sum(1 for v in ints if is_int and goal % v == 0)
    factors = sum(sympy.factorint(goal).values()) if is_int and 1 < goal < 10**12 else 0
    nearest = min((abs(float(v) - g) for v in values), default=abs(g)) / max(abs(g), 1.0)
    big = max((abs(float(v)) for v in values), default=1.0)
    total = sum(abs(float(v)) for v in values) or 1.0
    split = product_split(_bare(goal, values), rs) is not None
    return {
        "numbers_left": float(len(values)),
        "share_left": len(values) / max(board, 1),
        "goal_fraction": float(not is_int),
        "log_goal": _log(g + 1),
        "goal_prime": float(is_int and goal > 1 and sympy.isprime(goal)),
        "goal_factors": float(min(factors, 8)),
        "free_divisors": float(divisors),
        "any_free_divisor": float(divisors > 0),
        "product_of_free": float(split),
        "near": min(1.0, -math.log10(min(nearest, 1.0) + 0.001) / 3),
        "ratio_max": _log(g / max(big, 1e-6)),
        "ratio_sum": _log(g / total),
        "beyond_sum": float(g > total),
        "ratio_bound": _log(g / _bound(values, rs)),
        "ones": float(sum(1 for v in values if v == 1)),
    }


def _bare(goal: Value, values: list[Value]) -> Node:
    """A node holding only what the features read (a goal and free numbers), for the tools."""
    from agent.verify.countdown.rules import fmt
    from agent.workspace.countdown import Item

    return Node(id="?", goal=fmt(goal), items=[Item(value=fmt(v), expr=fmt(v)) for v in values])


def judge_features(node: Node, rules: str | RuleSet, board: int) -> dict[str, float]:
    """The node's features plus what its own listed forward steps show (the judge's node value)."""
    feats = node_features(node.g, [it.v for it in node.items], rules, board)
    near = one_step_distance(node, rules) if node.items else 1.0
    feats["one_step_near"] = min(1.0, -math.log10(near + 0.001) / 3)
    return feats


def step_features(node: Node, option: Option, child: Node, rules: str | RuleSet, board: int) -> dict[str, float]:
    """A listed step from `node`, read through the node it makes (`child`, from `take`)."""
    feats = {f"child_{k}": v for k, v in node_features(child.g, [it.v for it in child.items], rules, board).items()}
    feats["backward"] = float(option.kind == "backward")
    for op, name in OP_NAMES.items():
        feats[f"op_{name}"] = float(option.op == op)
    g, ng = float(node.g), float(child.g)
    feats["goal_change"] = _log(ng / g) if g else 0.0
    made = Fraction(option.result) if option.result else None
    feats["makes_factor"] = float(made is not None and option.kind == "forward" and isinstance(node.g, int)
                                  and made.denominator == 1 and 1 < made < node.g and node.g % made == 0)
    return feats
