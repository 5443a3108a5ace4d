"""Check a countdown candidate (one expression or a list of steps) against a problem's rules.

Every rejection names the exact reason: which number is used more often than it is available,
which step's arithmetic is false, which intermediate breaks the rule, what the expression equals
instead of the target, which numbers a use-all rule set left unused.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from agent.verify.countdown.parse import (
    MAX_CANDIDATE_CHARS,
    Chain,
    Node,
    Num,
    ParseError,
    Step,
    leaves,
    normalize_text,
    parse_expression,
    plain_value,
)
from agent.verify.countdown.rules import RuleSet, Value, apply_op, fmt, get_rules
from agent.verify.extract import focus, strip_reasoning

Move = tuple[Value, str, Value, Value]  # a op b = c

_LIST_MARKER = re.compile(r"^\s*(?:[-*•>]\s+|(?:step\s*)?\d+\s*[.):]\s+|step\s*\d+\s*)", re.I | re.M)
_NON_DECIMAL_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")
_RUN = re.compile(r"[-+\d(][\d \t.+\-*/()=]*")
_HAS_OP = re.compile(r"\d\s*\)*\s*[-+*/]\s*\(*\s*\d")


class RuleBreak(Exception):
    pass


@dataclass
class Applied:
    """The outcome of playing a candidate's steps on the numbers."""

    errors: list[str] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    remaining: list[Value] = field(default_factory=list)  # the pool after the steps (unused + made)
    final: Value | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def normalized(self) -> str:
        return "; ".join(f"{fmt(a)} {op} {fmt(b)} = {fmt(c)}" for a, op, b, c in self.moves)


def evaluate(node: Node, rules: RuleSet, moves: list[Move]) -> Value:
    """Exact value under the rule set, recording each move. Under positive-integer rules a flat run
    (a - b + c, a / b * c) is played in a legal order: additions before subtractions,
    multiplications before divisions; a bracketed group is always its own move(s)."""
    if isinstance(node, Num):
        return node.value
    vals = [(op, evaluate(child, rules, moves)) for op, child in node.items]
    if rules.positive_integers:
        first = "+" if node.kind == "add" else "*"
        vals = [x for x in vals if x[0] == first] + [x for x in vals if x[0] != first]
    acc = vals[0][1]
    for op, v in vals[1:]:
        c, why = apply_op(acc, op, v, rules)
        if why:
            raise RuleBreak(why)
        moves.append((acc, op, v, c))
        acc = c
    return acc


def _count_words(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _usage_errors(used: list[Num], numbers: list[int]) -> list[str]:
    """For a single expression: numbers not in the puzzle, and numbers used more often than given."""
    have, want = Counter(numbers), Counter(n.value for n in used)
    errors = []
    for value, times in want.items():
        if have[value] == 0:
            errors.append(f"uses {fmt(value)}, which is not one of the numbers "
                          f"({', '.join(str(n) for n in numbers)})")
        elif times > have[value]:
            avail = f"there is only one {fmt(value)}" if have[value] == 1 else f"there are only {have[value]}"
            errors.append(f"uses {fmt(value)} {_count_words(times)}, but {avail}")
    return errors


def apply_steps(numbers: list[int], steps: list[Step] | str, rules: str | RuleSet) -> Applied:
    """Play `steps` (parsed, or text such as "2 * 7 = 14; 14 * 21 = 294") on `numbers`: consume each
    number a step uses from the pool (the given numbers plus earlier results), check the arithmetic
    and the rules, and put each result back. `remaining` is the board afterwards, so a judge can ask
    `reachable(applied.remaining, target, rules)` about a partial solution. Raises ParseError for
    text that does not read."""
    rules = get_rules(rules)
    if isinstance(steps, str):
        steps = parse_candidate(steps)
    out = Applied()
    pool: Counter[Value] = Counter(numbers)
    used_in: dict[Value, int] = {}
    single = len(steps) == 1
    if single:
        out.errors = _usage_errors(leaves(steps[0].expr), numbers)
        if out.errors:
            return out
    for k, step in enumerate(steps, 1):
        label = "" if single else f"step {k}: "
        if not single:
            for leaf in leaves(step.expr):
                v = leaf.value
                if pool[v] > 0:
                    pool[v] -= 1
                    used_in[v] = k
                elif v in used_in:
                    out.errors.append(f"step {k} uses {fmt(v)}, but that {fmt(v)} was already used in step "
                                      f"{used_in[v]} and none is left")
                    return out
                else:
                    out.errors.append(f"step {k} uses {fmt(v)}, which is neither one of the numbers nor "
                                      "the result of an earlier step")
                    return out
        try:
            value = evaluate(step.expr, rules, out.moves)
        except RuleBreak as why:
            out.errors.append(f"{label}{why}")
            return out
        if step.claim is not None and step.claim != value:
            out.errors.append(f"{label}{step.text.strip()} = {step.claim_text or fmt(step.claim)} is false: "
                              f"{step.text.strip()} = {fmt(value)}")
            return out
        if single:
            pool.subtract(Counter(n.value for n in leaves(step.expr)))
        pool[value] += 1
        out.final = value
    out.remaining = sorted((v for v, c in pool.items() for _ in range(c)), key=float)
    return out


def _steps_from_run(run: str) -> list[Step]:
    """One run of arithmetic: an expression, `expr = value`, an equal chain `a = b = c`, or a
    running chain `2*7 = 14*21 = 294-25 = 269` (each segment starts with the previous result)."""
    segments = run.split("=")
    nodes = []
    for seg in segments:
        if not seg.strip():
            raise ParseError(f"an '=' with nothing on one side in {run.strip()!r}")
        nodes.append(parse_expression(seg))
    if len(nodes) == 1:
        return [Step(nodes[0], segments[0])]
    values = [plain_value(n) for n in nodes]
    first_bad = next((j for j in range(1, len(nodes)) if values[j] != values[0]), None)
    if first_bad is None:
        return [Step(nodes[0], segments[0], claim=values[-1], claim_text=segments[-1].strip())]

    def lead(n: Node) -> Value:
        while isinstance(n, Chain):
            n = n.items[0][1]
        return n.value

    if all(lead(nodes[i]) == values[i - 1] for i in range(1, len(nodes))):
        steps = [Step(nodes[i], segments[i], claim=values[i], claim_text=fmt(values[i]))
                 for i in range(len(nodes) - 1)]
        if isinstance(nodes[-1], Chain):
            steps.append(Step(nodes[-1], segments[-1]))
        return steps
    return [Step(nodes[0], segments[0], claim=values[first_bad], claim_text=segments[first_bad].strip())]


def _runs(text: str) -> list[str]:
    text = _LIST_MARKER.sub(" ", text)
    text = _NON_DECIMAL_DOT.sub("\n", text)
    runs = [m.group(0).strip().rstrip("=+-*/ ") for m in _RUN.finditer(text)]
    return [r for r in runs if _HAS_OP.search(r)]


def interpretations(candidate: str) -> tuple[list[list[Step]], int]:
    """Readings of a candidate, and the index of the preferred one (whose reason is reported when
    none is accepted). Raises ParseError when nothing arithmetic can be found."""
    if len(candidate) > MAX_CANDIDATE_CHARS:
        raise ParseError(f"candidate is {len(candidate)} characters long (at most {MAX_CANDIDATE_CHARS})")
    focused = normalize_text(focus(candidate))
    runs = _runs(focused)
    if not runs:
        runs = _runs(normalize_text(strip_reasoning(candidate)))
    if not runs:
        shown = focused.strip()
        if not shown:
            raise ParseError("empty candidate")
        if not re.fullmatch(r"[\d\s().+\-*/=]+", shown):
            raise ParseError(f"no arithmetic expression found in {shown[:60]!r}")
        return [[Step(parse_expression(shown), shown)]], 0  # a lone number, or a parse error with its position
    parsed: list[tuple[str, list[Step]]] = []
    error: ParseError | None = None
    for run in runs:
        try:
            parsed.append((run, _steps_from_run(run)))
        except ParseError as err:  # a stray fragment of prose; the others may still read
            error = err
    if not parsed:
        assert error is not None
        raise error
    if len(parsed) == 1:
        return [parsed[0][1]], 0
    last_alone = parsed[-1][1]
    all_steps = [s for _, steps in parsed for s in steps]
    readings = [last_alone, all_steps]
    looks_like_steps = all("=" in run for run, _ in parsed)
    return readings, (1 if looks_like_steps else 0)


def parse_candidate(candidate: str) -> list[Step]:
    """The preferred reading of a candidate as a list of steps (one step for a single expression)."""
    readings, preferred = interpretations(candidate)
    return readings[preferred]


def judge_steps(numbers: list[int], target: int, steps: list[Step], rules: RuleSet) -> tuple[bool, str, Applied]:
    applied = apply_steps(numbers, steps, rules)
    if not applied.ok:
        return False, "; ".join(applied.errors), applied
    assert applied.final is not None
    what = "the expression equals" if len(steps) == 1 else "the last step gives"
    if applied.final != target:
        return False, f"{what} {fmt(applied.final)}, not the target {target}", applied
    if rules.use_all:
        rest = list(applied.remaining)
        rest.remove(applied.final)
        if rest:
            return False, (f"does not use {', '.join(fmt(v) for v in rest)} ({rules.name} rules need every "
                           "number used exactly once)"), applied
    return True, "correct", applied


def check_candidate(numbers: list[int], target: int, rules: str | RuleSet, candidate: str) -> tuple[bool, str, str | None]:
    """(ok, reason, normalized steps) for a candidate written the way a model writes it. Raises
    ParseError when nothing in it reads as arithmetic."""
    rules = get_rules(rules)
    readings, preferred = interpretations(candidate)
    results = [judge_steps(numbers, target, steps, rules) for steps in readings]
    for ok, reason, applied in results:
        if ok:
            return True, reason, applied.normalized
    _, reason, applied = results[preferred]
    return False, reason, applied.normalized or None
