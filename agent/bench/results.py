"""One result row per finished run, appended to a JSONL file as each run ends (and flushed), so a
killed bench keeps everything it finished and `--resume` skips it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from agent.errors import InputError
from agent.trace.files import resolve


class ResultRow(BaseModel):
    suite: str                     # suite label, e.g. "digits/dev"
    problem_id: str
    policy: str
    group: str = ""                # the problem's group for the report (agent.bench.groups), "" for none
    backend: str
    seed: int
    budget: dict[str, Any]
    status: str
    solved: bool = False
    verified: bool = False
    answer: str | None = None
    reason: str = ""
    steps: int = 0
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0
    wall_s: float = 0.0
    trace_path: str = ""
    run_id: str = ""
    harness_error: str | None = None   # the run itself raised (a bug or a dead backend): retried on --resume
    finished_at: float = Field(default_factory=time.time)

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.suite, self.problem_id, self.policy, self.seed)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def read_rows(path: str | Path) -> list[ResultRow]:
    """Rows of a results file; a torn last line (a killed bench) is skipped, other bad lines are an error."""
    path = Path(path)
    if not path.exists():
        return []
    rows: list[ResultRow] = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            continue   # a line torn by a kill mid-write: that run is simply run again
        try:
            row = ResultRow.model_validate(data)
        except ValidationError as err:
            raise InputError(f"line {i} is not a result row: {str(err).splitlines()[0]}", where=str(path)) from None
        rows.append(_moved_trace(row, path.parent / "traces"))
    return rows


def _moved_trace(row: ResultRow, trace_dir: Path) -> ResultRow:
    """A bench directory that was copied or moved (e.g. into docs/) still finds its traces, and so
    does one whose traces were gzipped since (agent/trace/files.py)."""
    if row.trace_path and not Path(row.trace_path).exists():
        found = resolve(row.trace_path) or resolve(trace_dir / Path(row.trace_path).name)
        if found is not None:
            row.trace_path = str(found)
    return row


def latest_rows(rows: list[ResultRow]) -> list[ResultRow]:
    """One row per (suite, problem, policy, seed): the last one written wins (a retried error)."""
    by_key: dict[tuple, ResultRow] = {}
    for row in rows:
        by_key[row.key] = row
    return list(by_key.values())


def complete_problems(rows: list[ResultRow]) -> list[ResultRow]:
    """Only the problems every policy has a finished run on: a stopped bench compared fairly, with
    no policy's numbers resting on problems another policy never saw."""
    policies = {r.policy for r in rows}
    by_problem: dict[tuple[str, str, int], list[ResultRow]] = {}
    for row in rows:
        by_problem.setdefault((row.suite, row.problem_id, row.seed), []).append(row)
    keep = {k for k, group in by_problem.items()
            if {r.policy for r in group if r.harness_error is None} == policies}
    return [r for r in rows if (r.suite, r.problem_id, r.seed) in keep]


class RowWriter:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
        # A torn last line from a killed bench: start on a fresh line.
        if self.path.stat().st_size and not self.path.read_bytes().endswith(b"\n"):
            self._fh.write("\n")

    def write(self, row: ResultRow) -> None:
        self._fh.write(row.model_dump_json() + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()
