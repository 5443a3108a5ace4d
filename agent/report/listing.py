"""A cheap row per trace for `polya traces`: the first line (run_start) and the last (run_end) are
enough for a finished run, plus one streaming pass that only looks at each line's ends (a broken
middle line, which `polya replay` refuses, lists the run as "broken", not as its recorded status);
only a killed run (no run_end) is parsed through, streaming, to count what it did. A gzipped trace
is read the same way, decompressed as it streams (gzip cannot seek back from its end).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

from pydantic import BaseModel

from agent.errors import InputError
from agent.trace import events as ev
from agent.trace.files import find_traces, is_gzip, open_bytes, open_text
from agent.trace.reader import _parse

TAIL_BYTES = 1 << 16


class RunRow(BaseModel):
    path: str
    name: str
    problem_id: str
    backend: str
    policy: str
    status: str
    answer: str | None = None
    steps: int = 0
    tokens: int = 0
    wall_s: float = 0.0
    started: float = 0.0
    fork: bool = False
    error: str | None = None


def _last_line(path: Path) -> str:
    if is_gzip(path):
        last = ""
        try:
            with open_text(path) as fh:
                for line in fh:
                    last = line if line.strip() else last
        except (EOFError, gzip.BadGzipFile):
            return ""          # cut short: no run_end to read, summarize() says what it can
        return last.strip()
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - TAIL_BYTES))
        tail = fh.read().decode("utf-8", errors="replace")
    lines = [ln for ln in tail.split("\n") if ln.strip()]
    return lines[-1] if lines else ""


def _broken_line(path: Path) -> int | None:
    """The first line before the last that is not shaped as one JSON object (`{...}`), or None: a
    streaming look at each line's ends, no parsing, so a listing still costs one pass of reading.
    The last line may be torn (a killed run), which replay and resume tolerate."""
    suspect = None
    with open_bytes(path) as fh:
        try:
            for lineno, line in enumerate(fh, 1):
                text = line.strip()
                if suspect is not None and text:
                    return suspect            # a bad line with more after it: not a torn last line
                if text and not (text.startswith(b"{") and text.endswith(b"}")):
                    suspect = lineno
        except (EOFError, gzip.BadGzipFile):
            pass                              # a gzip stream cut short ends like a torn last line
    return None


def run_row(path: Path) -> RunRow:
    try:
        with open_text(path) as fh:
            first = fh.readline()
    except (EOFError, gzip.BadGzipFile) as err:
        raise InputError(f"not a readable gzip file ({err})", where=str(path)) from None
    start = _parse(path, 1, first)
    if not isinstance(start, ev.RunStart):
        raise InputError("a trace must start with a run_start event", where=str(path))
    row = RunRow(path=str(path), name=path.name, problem_id=str(start.problem.get("id", "?")), backend=start.backend,
                 policy=start.policy, status="incomplete", started=start.ts, fork=start.fork is not None)
    last = _last_line(path)
    end = None
    if '"run_end"' in last:
        try:
            end = _parse(path, 0, last)
        except InputError:
            end = None
    broken = _broken_line(path)
    if broken:
        row.status, row.error = "broken", f"line {broken} is not a JSON event: `polya replay` refuses this trace"
    elif isinstance(end, ev.RunEnd):
        row.status, row.answer, row.steps = end.status, end.answer, end.used.steps
        row.tokens, row.wall_s = end.used.tokens, end.used.wall_s
    else:
        from agent.report.summary import summarize

        s = summarize(path)
        row.steps, row.tokens = len(s.steps), s.used.tokens
        row.wall_s = round(sum(st.wall_s for st in s.steps), 3)
    return row


def list_runs(root: Path) -> list[RunRow]:
    rows = []
    for path in find_traces(root):
        try:
            rows.append(run_row(path))
        except InputError as err:
            rows.append(RunRow(path=str(path), name=path.name, problem_id="?", backend="?", policy="?",
                               status="unreadable", error=str(err)))
    rows.sort(key=lambda r: r.started, reverse=True)
    return rows
