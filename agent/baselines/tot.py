"""`tot[:b]`: breadth-first Tree-of-Thoughts for countdown-family puzzles (Game of 24, Digits), after
Yao et al. 2023: at each level the model proposes next moves for every state in the frontier, values
each new state as sure / likely / impossible, and the best `b` states (default 5) go on.

A state is the board: the numbers still available, each with the expression that made it. Our
choices, documented in docs/bench.md:
- the result of a proposed move is computed exactly by us, and a move that uses a number not on
  the board or breaks the rule set is dropped (the paper lets the model write the new board);
- a board with a single wrong number is worth 0 without asking the model; every other board is
  valued by the model (`values` samples, default 1; the paper used 3; scores sure=20, likely=1,
  impossible=0.001 summed over samples, as in the paper), values cached per board;
- the search stops as soon as a board holds the target (Digits: anywhere on the board; use-all
  rules: as the only number) and the verifier accepts the expression that made it.

Options: `tot:5` or `tot:b=5,proposals=8,values=1`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, Field

from agent.baselines import baseline
from agent.baselines._common import begin_step, check, finish, messages, options, render
from agent.errors import BackendError, InputError
from strategies.base import clipped, clipped_list

SCORES = {"sure": 20.0, "likely": 1.0, "impossible": 0.001}
PROPOSE_MAX_TOKENS, VALUE_MAX_TOKENS = 240, 144   # room for Proposals / StateValue at their bounds
RULE_HINTS = {
    "digits": "You may leave numbers unused; every result must be a positive whole number.",
    "game24": "Every number must be used in the end; fractions and negative numbers are fine.",
    "countdown": "Every number must be used in the end; fractions and negative numbers are fine.",
}


class Proposals(BaseModel):
    moves: clipped_list(8, 40) = Field(description='next moves, each written "a op b" with a and b on the board')


class StateValue(BaseModel):
    reasoning: clipped(140) = Field(description="one or two quick tries")
    verdict: Literal["sure", "likely", "impossible"]


@dataclass(frozen=True)
class Board:
    items: tuple[tuple[object, str], ...]    # (exact value, expression that made it), sorted by value

    @classmethod
    def of(cls, pairs) -> Board:
        return cls(tuple(sorted(pairs, key=lambda p: (float(p[0]), p[1]))))

    @property
    def key(self) -> tuple:
        return tuple(v for v, _ in self.items)

    def show(self) -> str:
        from agent.verify.countdown.rules import fmt

        return " ".join(fmt(v) for v, _ in self.items)


def _value(text: str) -> object | None:
    text = text.strip().strip("()").strip()
    try:
        v = Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None
    return v.numerator if v.denominator == 1 else v


def parse_move(text: str, board: Board, rules) -> Board | None:
    """The board after the move `text` ("a op b", maybe followed by "= c (left: ...)"), or None if
    the move cannot be read, uses a number not on the board, or breaks the rules."""
    from agent.verify.countdown.parse import normalize_text
    from agent.verify.countdown.rules import apply_op

    text = normalize_text(text).split("=")[0].split("(left")[0].strip()
    for i, ch in enumerate(text):
        if ch not in "+-*/" or i == 0:
            continue
        a, b = _value(text[:i]), _value(text[i + 1:])
        if a is None or b is None:
            continue
        have = Counter(board.key)
        have[a] -= 1
        have[b] -= 1
        if have[a] < 0 or have[b] < 0:
            continue
        c, _why = apply_op(a, ch, b, rules)
        if c is None:
            return None
        rest = list(board.items)
        ea = rest.pop(next(j for j, (v, _) in enumerate(rest) if v == a))[1]
        eb = rest.pop(next(j for j, (v, _) in enumerate(rest) if v == b))[1]
        return Board.of(rest + [(c, f"({ea} {ch} {eb})")])
    return None


def solution(board: Board, target: int, rules) -> str | None:
    """The expression that reaches the target on this board, if any."""
    hits = [expr for v, expr in board.items if v == target]
    if hits and (not rules.use_all or len(board.items) == 1):
        expr = hits[0]
        return expr[1:-1] if expr.startswith("(") and expr.endswith(")") else expr
    return None


@baseline("tot")
async def tot(ctx, problem, state) -> None:
    if getattr(problem, "kind", None) != "countdown":
        raise InputError(f"tot handles countdown-family problems (Digits, 24, Countdown), not {problem.kind!r}")
    from agent.verify.countdown.rules import fmt, get_rules

    opts = options(ctx.policy_spec)
    rules = get_rules(problem.rules)
    hint = RULE_HINTS[problem.rules]
    root = Board.of((n, str(n)) for n in problem.numbers)
    frontier, values, failures = [root], {}, 0
    example = f"{problem.numbers[0]} + {problem.numbers[1]}"
    for _level in range(max(1, len(problem.numbers) - 1)):
        step = begin_step(ctx, state)
        children: dict[tuple, Board] = {}
        for board in frontier:
            task = render("tot_propose", board=board.show(), target=problem.target, rule_hint=hint,
                          n=opts["proposals"], example=example)
            try:
                out, _ = await ctx.ask(f"baseline:tot:propose:{step}", messages(problem, task), Proposals,
                                       max_tokens=PROPOSE_MAX_TOKENS)
            except BackendError:
                failures += 1
                continue
            for text in out.moves[: opts["proposals"]]:
                child = parse_move(text, board, rules)
                if child is not None and child.key not in children:
                    children[child.key] = child
        for child in children.values():
            expr = solution(child, problem.target, rules)
            if expr is not None:
                result = check(ctx, state, problem, expr)
                if result.ok:
                    finish(state, expr, result, f"search reached the target at depth {step}")
                    return
        for key, child in children.items():
            if key in values:
                continue
            if len(child.items) == 1:    # a lone number that is not the target: dead, no need to ask
                values[key] = 0.0
                continue
            task = render("tot_value", board=child.show(), target=problem.target, rule_hint=hint)
            total = 0.0
            for _ in range(opts["values"]):
                try:
                    out, _ = await ctx.ask(f"baseline:tot:value:{step}", messages(problem, task), StateValue,
                                           max_tokens=VALUE_MAX_TOKENS)
                    total += SCORES[out.verdict]
                except BackendError:
                    failures += 1
            values[key] = total
        ranked = sorted(children.values(), key=lambda c: -values[c.key])   # stable: proposal order breaks ties
        kept = [c for c in ranked if values[c.key] > 0][: opts["b"]]
        if not kept:
            break
        frontier = kept
    best = frontier[0].show()
    state.status = "unsolved"
    state.end_reason = (f"search ended without reaching {fmt(problem.target)} (best board left: {best}"
                        + (f"; {failures} calls failed" if failures else "") + ")")
