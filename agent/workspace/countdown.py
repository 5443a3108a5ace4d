"""The countdown-family workspace (Digits, Game of 24, Countdown) and its exact tools.

A *node* is one line of work on the board, read the way a person reads it: a goal value still to
be made, the numbers still free (each with the expression that made it), and a *wrap* — what the
rest of the answer does with the goal once it is made. The root node is the problem itself
(goal = target, numbers = the board, wrap = "X"). Two kinds of step make a child node:

- forward: combine two free numbers into one (`7 * 21 = 147`), the goal unchanged;
- backward: set one free number aside for the last operation, so the goal changes
  (`269 = X - 25` makes the goal 294 from the other five numbers, wrap `X - 25`).

A node is *closed* when a free number equals its goal (and, under use-all rules, it is the only
number left): the answer is the wrap with that number's expression put in. Everything here is
exact (ints and Fractions, the rule set's own `apply_op`), fast, and one step deep: a tool lists
or applies the options of one node, never the options of the options (docs/loop.md, "The rule
for tools"). Deeper search is the agent's own recorded steps.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations
from typing import Literal

import sympy
from pydantic import BaseModel, Field

from agent.verify.countdown.rules import RuleSet, Value, apply_op, fmt, get_rules, norm

# Inverse of "X op n = goal" (and "n op X = goal" for the non-commutative ops): the new goal.
BACKWARD_OPS = ("+", "-", "*", "/", "r-", "r/")
MAX_GOAL = 10**6          # backward goals beyond this are not listed (a board cannot come back down)


class ToolError(ValueError):
    """A tool was asked for something the rules or the node do not allow (bad index, illegal op)."""


def parse_value(text: str) -> Value:
    """'12' -> 12, '3/4' -> Fraction(3, 4): the exact form values are stored in."""
    try:
        return norm(Fraction(text.strip()))
    except (ValueError, ZeroDivisionError):
        raise ToolError(f"not an exact number: {text!r}") from None


class Item(BaseModel):
    value: str                 # exact, as fmt() prints it ("12", "3/4")
    expr: str                  # how it was made from the board ("(7 * 21)" or "7")

    @property
    def v(self) -> Value:
        return parse_value(self.value)


class Node(BaseModel):
    id: str
    parent: str | None = None
    attack_id: str = "-"
    goal: str                  # the value this node still has to make
    items: list[Item]          # the numbers still free
    wrap: str = "X"            # the rest of the answer; X stands for the expression making `goal`
    step: str = "the board as given"   # the step that made this node, in words
    depth: int = 0
    status: Literal["open", "closed", "dead"] = "open"
    answer: str | None = None  # the full expression, once closed
    dead_reason: str = ""

    @property
    def g(self) -> Value:
        return parse_value(self.goal)

    def numbers(self) -> str:
        return ", ".join(i.value for i in self.items) or "(none)"

    def render(self) -> str:
        head = f"{self.id}: make {self.goal} from [{self.numbers()}]"
        if self.wrap != "X":
            head += f", then the answer is {self.wrap}"
        return head + ("" if self.status == "open" else f" ({self.status})")


class Option(BaseModel):
    """One step from a node, with the exact consequence of taking it."""

    kind: Literal["forward", "backward"]
    a: int                     # index of the (first) free number used
    op: str
    b: int | None = None       # index of the second number (forward only)
    text: str                  # "7 * 21 = 147" or "X - 25 = 269, so make 294"
    new_goal: str
    result: str | None = None  # the value made (forward only)


def root_node(numbers: list[int], target: int) -> Node:
    return Node(id="N1", goal=str(target), items=[Item(value=str(n), expr=str(n)) for n in numbers])


def _sub(wrap: str, inner: str) -> str:
    return wrap.replace("X", inner, 1)


def _strip(expr: str) -> str:
    return expr[1:-1] if expr.startswith("(") and expr.endswith(")") and _balanced(expr[1:-1]) else expr


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


# -- one-step options ----------------------------------------------------------------------------
def forward_options(node: Node, rules: str | RuleSet) -> list[Option]:
    """Every legal `a op b` of two free numbers (commutative pairs once; for - and / the larger
    first, so under Digits rules every listed result is a positive integer)."""
    rs = get_rules(rules)
    out: list[Option] = []
    seen: set[tuple[str, str, str]] = set()
    for i, x in enumerate(node.items):
        for j, y in enumerate(node.items):
            if i == j:
                continue
            for op in ("+", "-", "*", "/"):
                if op in "+*" and j < i:
                    continue
                c, why = apply_op(x.v, op, y.v, rs)
                if why or c is None:
                    continue
                if op == "-" and x.v < y.v:
                    continue   # a - b and b - a differ only in sign: list the non-negative one
                key = (x.value, op, y.value) if op in "-/" else (min(x.value, y.value), op, max(x.value, y.value))
                if key in seen:
                    continue
                seen.add(key)
                out.append(Option(kind="forward", a=i, op=op, b=j, new_goal=node.goal, result=fmt(c),
                                  text=f"{x.value} {op} {y.value} = {fmt(c)}"))
    return out


def _inverse(goal: Value, op: str, n: Value, rs: RuleSet) -> Value | None:
    """X such that `X op n = goal` ("r-": n - X = goal, "r/": n / X = goal), if legal."""
    try:
        x = {"+": lambda: goal - n, "-": lambda: goal + n, "*": lambda: Fraction(goal) / n,
             "/": lambda: goal * n, "r-": lambda: n - goal, "r/": lambda: Fraction(n) / goal}[op]()
    except ZeroDivisionError:
        return None
    x = norm(Fraction(x))
    if rs.positive_integers and (not isinstance(x, int) or x <= 0):
        return None
    if x == 0 or abs(x) > MAX_GOAL:
        return None
    if op == "*" and n == 1 or op == "/" and n == 1:
        return None   # X * 1 = goal changes nothing but spends a number
    return x


def backward_options(node: Node, rules: str | RuleSet) -> list[Option]:
    """For each free number n and each way it could be the last operation, the new goal:
    X + n = goal -> make goal - n; X - n -> goal + n; X * n -> goal / n (exact only under Digits
    rules); X / n -> goal * n; n - X -> n - goal; n / X -> n / goal."""
    rs = get_rules(rules)
    out: list[Option] = []
    seen: set[tuple[str, str]] = set()
    if len(node.items) < 2:
        return out
    g = node.g
    for i, it in enumerate(node.items):
        for op in BACKWARD_OPS:
            x = _inverse(g, op, it.v, rs)
            if x is None or (it.value, op) in seen:
                continue
            seen.add((it.value, op))
            shown = {"r-": f"{it.value} - X", "r/": f"{it.value} / X"}.get(op, f"X {op} {it.value}")
            out.append(Option(kind="backward", a=i, op=op, new_goal=fmt(x),
                              text=f"{shown} = {node.goal} -> make {fmt(x)}"))
    return out


def take(node: Node, option: Option, rules: str | RuleSet, new_id: str, attack_id: str = "-") -> Node:
    """The child node that taking `option` makes (checked again here, exactly)."""
    rs = get_rules(rules)
    items = list(node.items)
    if option.a >= len(items) or (option.b is not None and option.b >= len(items)):
        raise ToolError(f"option {option.text!r} does not fit node {node.id}")
    if option.kind == "forward":
        x, y = items[option.a], items[option.b]
        c, why = apply_op(x.v, option.op, y.v, rs)
        if why:
            raise ToolError(why)
        made = Item(value=fmt(c), expr=f"({x.expr} {option.op} {y.expr})")
        rest = [it for k, it in enumerate(items) if k not in (option.a, option.b)]
        child_items, wrap, goal = rest + [made], node.wrap, node.goal
        step = f"{x.value} {option.op} {y.value} = {fmt(c)}"
    else:
        n = items[option.a]
        x = _inverse(node.g, option.op, n.v, rs)
        if x is None:
            raise ToolError(f"no legal number X with {option.text!r} under {rs.name} rules")
        inner = {"r-": f"({n.expr} - X)", "r/": f"({n.expr} / X)"}.get(option.op, f"(X {option.op} {n.expr})")
        child_items = [it for k, it in enumerate(items) if k != option.a]
        wrap, goal, step = _sub(node.wrap, inner), fmt(x), option.text
    child = Node(id=new_id, parent=node.id, attack_id=attack_id, goal=goal, items=child_items, wrap=wrap,
                 step=step, depth=node.depth + 1)
    return settle(child, rs)


def settle(node: Node, rules: str | RuleSet) -> Node:
    """Mark a node closed (a free number is its goal, and under use-all rules the only one left)
    or dead (no step can make the goal any more); otherwise it stays open."""
    rs = get_rules(rules)
    g = node.g
    for it in node.items:
        if it.v == g and (not rs.use_all or len(node.items) == 1):
            node.status, node.answer = "closed", _strip(_sub(node.wrap, it.expr))
            return node
    if rs.positive_integers and isinstance(g, int) and g > upper_bound(node):
        node.status = "dead"
        node.dead_reason = f"{node.goal} is more than the free numbers can make (at most {upper_bound(node)})"
        return node
    if len(node.items) == 2 and not _one_step_makes(node.items[0].v, node.items[1].v, g, rs):
        a, b = (it.value for it in node.items)
        node.status = "dead"
        node.dead_reason = f"no one step of {a} and {b} makes {node.goal}"
        return node
    if len(node.items) <= 1:
        node.status = "dead"
        node.dead_reason = (f"no numbers left to make {node.goal}" if not node.items else
                            f"the last number {node.items[0].value} is not {node.goal}")
    return node


def _one_step_makes(x: Value, y: Value, goal: Value, rs: RuleSet) -> bool:
    for a, b in ((x, y), (y, x)):
        for op in ("+", "-", "*", "/"):
            c, why = apply_op(a, op, b, rs)
            if why is None and c == goal:
                return True
    return False


def upper_bound(node: Node) -> int:
    """Under positive-integer rules no expression of the free numbers exceeds the product of
    max(v, 2) over them (a op b <= max(a, 2) * max(b, 2) for every legal op)."""
    out = 1
    for it in node.items:
        out *= max(int(it.v), 2)
    return out


# -- near-target analysis ------------------------------------------------------------------------
class NearTarget(BaseModel):
    """Facts about one node's goal, each computed exactly: its factorisation, the free numbers that
    divide it, goal ± n and goal ÷ n for each free number n, and any single step that closes it."""

    goal: str
    factors: str                       # "2 · 3 · 7^2"
    divisors_on_board: list[str] = Field(default_factory=list)
    closing_steps: list[str] = Field(default_factory=list)     # "2 * 7 = 14" (one forward step)
    neighbours: list[str] = Field(default_factory=list)        # "269 + 25 = 294 = 2 · 3 · 7^2"

    def lines(self, limit: int = 8) -> list[str]:
        out = [f"{self.goal} = {self.factors}"]
        if self.divisors_on_board:
            out.append(f"free numbers dividing {self.goal}: {', '.join(self.divisors_on_board)}")
        out += [f"closes {self.goal}: {s}" for s in self.closing_steps[:3]]
        out += self.neighbours[:limit]
        return out


def factor_text(value: Value) -> str:
    """Prime factorisation, '2 · 3 · 7^2'; fractions and non-positive values are shown as they are."""
    if not isinstance(value, int) or value < 2:
        return fmt(value)
    parts = sympy.factorint(value)
    return "·".join(f"{p}^{e}" if e > 1 else f"{p}" for p, e in sorted(parts.items()))


def near_target(node: Node, rules: str | RuleSet) -> NearTarget:
    """One node's near-target facts. Closing steps are the forward options whose result is the
    goal (and, under use-all rules, only when those are the last two numbers)."""
    rs = get_rules(rules)
    g = node.g
    divisors = [it.value for it in node.items
                if isinstance(g, int) and isinstance(it.v, int) and it.v > 1 and g % it.v == 0]
    closing = []
    if not rs.use_all or len(node.items) == 2:
        closing = [o.text for o in forward_options(node, rs) if o.result == node.goal]
    neighbours = []
    for o in backward_options(node, rs):
        if o.op in ("+", "-", "*"):
            neighbours.append(f"{o.text} = {factor_text(parse_value(o.new_goal))}")
    return NearTarget(goal=node.goal, factors=factor_text(g), divisors_on_board=divisors,
                      closing_steps=closing, neighbours=neighbours)


def product_split(node: Node, rules: str | RuleSet) -> str | None:
    """The goal written as a product of two or three free numbers ("294 = 2 × 7 × 21"), if it is
    one — the near-target fact a person looks for ("which pairs of board numbers multiply to a
    factor, and is the cofactor on the board"). Under use-all rules the product must use every
    free number. A factorisation question about one number, not a search of the board's moves."""
    rs = get_rules(rules)
    g = node.g
    if not isinstance(g, int) or g < 2:
        return None
    vals = [(k, it.v) for k, it in enumerate(node.items) if isinstance(it.v, int) and it.v > 1]
    for size in (2, 3):
        if rs.use_all and size != len(node.items):
            continue
        for combo in combinations(vals, size):
            prod = 1
            for _, v in combo:
                prod *= v
            if prod == g:
                return f"{node.goal} = " + " × ".join(str(v) for _, v in combo)
    return None


def distance(node: Node) -> float:
    """How far the node's nearest free number is from its goal, relative to the goal (0 = closed).
    A measured quantity for progress, not a heuristic any tool acts on."""
    g = node.g
    if not node.items:
        return 1.0
    best = min(abs(it.v - g) for it in node.items)
    return float(min(1.0, best / max(abs(g), 1)))


def one_step_distance(node: Node, rules: str | RuleSet) -> float:
    """How near the goal the node gets in one step: the smallest |v - goal| / |goal| over its free
    numbers and the results of its listed forward options (0: one step makes the goal). Measured
    from the one-step options, not searched beyond them."""
    g = node.g
    if not node.items:
        return 1.0
    values = [it.v for it in node.items] + [parse_value(o.result) for o in forward_options(node, rules) if o.result]
    return float(min(1.0, min(abs(v - g) for v in values) / max(abs(g), 1)))
