"""Find the answer inside text the way a model writes it: reasoning blocks, `\\boxed{}`, "Answer: ..."."""

from __future__ import annotations

import re

_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.S | re.I)
_ANSWER_LINE = re.compile(
    r"(?:final\s+answer|answer)[\"']?\s*(?:is)?\s*\**\s*[:：]\s*\**\s*(.+)", re.I)
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")


def strip_reasoning(text: str) -> str:
    """Drop <think>...</think> blocks (an unclosed one runs to the end)."""
    return _THINK.sub(" ", text)


def last_boxed(text: str) -> str | None:
    """Content of the last \\boxed{...} (or \\fbox{...}), braces balanced; None if there is none."""
    matches = list(_BOXED.finditer(text))
    for m in reversed(matches):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if depth == 0:
            return text[m.end():i - 1].strip()
    return None


def answer_line(text: str) -> str | None:
    """What follows the last "Answer:" / "Final answer:" on its line."""
    found = None
    for line in text.splitlines():
        m = _ANSWER_LINE.search(line)
        if m:
            found = m.group(1).strip().strip("*").strip()
            while found.endswith("}") and found.count("}") > found.count("{"):   # {"Answer": 16}
                found = found[:-1].rstrip().rstrip(",").strip().strip('"')
    return found or None


def focus(text: str) -> str:
    """The part of a model's output that holds its answer: the last \\boxed{}, else the last
    "Answer:" line, else the whole text (reasoning blocks removed)."""
    text = strip_reasoning(text)
    boxed = last_boxed(text)
    if boxed is not None:
        return boxed
    line = answer_line(text)
    return line if line is not None else text.strip()


_FENCE = re.compile(r"```[a-zA-Z]*[ \t]*\n([^\n`]{1,80})\n[ \t]*```")


def fenced_answer(text: str) -> str | None:
    """A one-line fenced block at the end of a reply ("The answer is:\n```\n18\n```"), not code."""
    matches = _FENCE.findall(text)
    if not matches:
        return None
    last = matches[-1].strip()
    return None if not last or re.search(r"\b(print|def|import|return)\b|=", last) else last


def parse_answer(text: str) -> tuple[str | None, str]:
    """The answer a free-text reply gives, and how it was found: the last \\boxed{}, else the last
    "Answer:" line, else a one-line fenced block; (None, "none") when the reply has none of them."""
    text = strip_reasoning(text)
    boxed = last_boxed(text)
    if boxed:
        return boxed, "boxed"
    line = answer_line(text)
    if line:
        return line, "answer line"
    fenced = fenced_answer(text)
    return (fenced, "fenced") if fenced else (None, "none")
