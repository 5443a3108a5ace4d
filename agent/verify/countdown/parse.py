"""A real parser for countdown candidates (never `eval`): tokens, an expression tree, and the
extraction of an expression or a list of steps from text the way a model writes it.

Tree: `Num` leaves and `Chain` nodes. A chain is a flat run of + and - terms (kind "add") or of
* and / factors (kind "mul") written without parentheses; a parenthesised group is one child.
Chains matter for Digits: a flat run may be played in any legal order on the board.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

MAX_CANDIDATE_CHARS = 20_000
MAX_DEPTH = 60


class ParseError(ValueError):
    """The candidate is not an arithmetic expression; the message says where and why."""


@dataclass
class Num:
    value: int | Fraction
    text: str
    pos: int


@dataclass
class Chain:
    kind: str                                  # "add" or "mul"
    items: list[tuple[str, Node]] = field(default_factory=list)  # (op, child); the first op is + or *


Node = Num | Chain


@dataclass
class Step:
    """One claimed step: an expression and, when written, the value it claims (`... = 14`)."""

    expr: Node
    text: str
    claim: int | Fraction | None = None
    claim_text: str = ""


# Symbol normalisation: what models write -> the four ASCII operators and round brackets.
_SYMBOLS = {
    "×": "*", "✕": "*", "✖": "*", "·": "*", "⋅": "*", "∗": "*", "÷": "/", "∕": "/", "−": "-", "–": "-",
    "—": "-", "[": "(", "]": ")", "{": "(", "}": ")", "＋": "+", "＝": "=",
}
_LATEX = [
    (re.compile(r"\\(?:times|cdot|ast)\b"), "*"), (re.compile(r"\\div\b"), "/"),
    (re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)\b\s*"), ""),
    (re.compile(r"\\d?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}"), r"((\1)/(\2))"),
    (re.compile(r"\\[,;!: ]|\\quad|\\qquad|\$|\\\(|\\\)|\\\[|\\\]"), " "),
]
_TIMES_X = re.compile(r"(?<=[\d)\s])[xX](?=[\s\d(])")
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([-+*/()=]))")


def normalize_text(text: str) -> str:
    for pattern, repl in _LATEX:
        text = pattern.sub(repl, text)
    text = "".join(_SYMBOLS.get(ch, ch) for ch in text)
    text = text.replace("**", " ")      # markdown bold, not a power
    return _TIMES_X.sub("*", text)


def _number(text: str) -> int | Fraction:
    value = Fraction(text)
    return value.numerator if value.denominator == 1 else value


def tokenize(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, position) with kind NUM or the operator/bracket itself."""
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if not m:
            raise ParseError(f"unexpected character {text[pos]!r} at position {pos + 1}")
        kind = "NUM" if m.group(1) else m.group(2)
        tokens.append((kind, m.group(1) or m.group(2), m.start(m.lastindex)))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]], source: str):
        self.tokens, self.i, self.source, self.depth = tokens, 0, source, 0

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def where(self) -> str:
        if self.i >= len(self.tokens):
            return "at the end"
        kind, text, pos = self.tokens[self.i]
        return f"at {text!r} (position {pos + 1})"

    def expr(self) -> Node:
        items: list[tuple[str, Node]] = [("+", self.term())]
        while self.peek() in ("+", "-"):
            op = self.tokens[self.i][0]
            self.i += 1
            items.append((op, self.term()))
        return items[0][1] if len(items) == 1 else Chain("add", items)

    def term(self) -> Node:
        items: list[tuple[str, Node]] = [("*", self.factor())]
        while True:
            nxt = self.peek()
            if nxt in ("*", "/"):
                self.i += 1
                items.append((nxt, self.factor()))
            elif nxt == "(" or (nxt == "NUM" and self.tokens[self.i - 1][0] == ")"):
                items.append(("*", self.factor()))  # implicit product: 2(3+4), (1+2)(3+4)
            else:
                break
        return items[0][1] if len(items) == 1 else Chain("mul", items)

    def factor(self) -> Node:
        kind = self.peek()
        if kind == "NUM":
            _, text, pos = self.tokens[self.i]
            self.i += 1
            return Num(_number(text), text, pos)
        if kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ParseError(f"brackets nested more than {MAX_DEPTH} deep")
            self.i += 1
            inner = self.expr()
            if self.peek() != ")":
                raise ParseError(f"expected ')' {self.where()}")
            self.i += 1
            self.depth -= 1
            return inner
        if kind in ("-", "+"):
            raise ParseError(f"a sign before a number {self.where()} is not an operation of the game "
                             "(every operation combines two numbers)")
        raise ParseError(f"expected a number or '(' {self.where()}")


def parse_expression(text: str) -> Node:
    """Parse one arithmetic expression (no '=')."""
    tokens = tokenize(text)
    if not tokens:
        raise ParseError("empty expression")
    parser = _Parser(tokens, text)
    node = parser.expr()
    if parser.i != len(tokens):
        raise ParseError(f"unexpected {parser.where()[3:]}")
    return node


def leaves(node: Node) -> list[Num]:
    if isinstance(node, Num):
        return [node]
    out: list[Num] = []
    for _, child in node.items:
        out.extend(leaves(child))
    return out


def plain_value(node: Node) -> int | Fraction | None:
    """Exact value with no game rules (None on division by zero); used to read '= ...' chains."""
    if isinstance(node, Num):
        return node.value
    acc: Fraction | None = None
    for op, child in node.items:
        v = plain_value(child)
        if v is None:
            return None
        if acc is None:
            acc = Fraction(v)
        elif op == "+":
            acc += v
        elif op == "-":
            acc -= v
        elif op == "*":
            acc *= v
        else:
            if v == 0:
                return None
            acc /= v
    assert acc is not None
    return acc.numerator if acc.denominator == 1 else acc


def to_text(node: Node) -> str:
    if isinstance(node, Num):
        return node.text
    out = []
    for k, (op, child) in enumerate(node.items):
        s = to_text(child)
        if isinstance(child, Chain) and (child.kind == "add" or node.kind == "mul"):
            s = f"({s})"
        out.append(s if k == 0 else f"{op} {s}")
    return " ".join(out)
