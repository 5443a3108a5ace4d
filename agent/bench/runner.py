"""Plan and run a bench: every (problem, policy) pair under one backend, one budget and one seed,
with at most `concurrency` runs in flight (asyncio), each run's row appended as it finishes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.bench.results import ResultRow, RowWriter, latest_rows, read_rows
from agent.errors import InputError
from agent.problems.models import Budget

DEFAULT_POLICIES = ("direct", "cot", "self-consistency:5", "tot", "llm", "bandit")


@dataclass
class Task:
    suite: str          # label, e.g. "digits/dev"
    suite_path: str
    problem: Any
    policy: str
    seed: int

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.suite, self.problem.id, self.policy, self.seed)


@dataclass
class BenchConfig:
    suites: list[str]
    policies: list[str] = field(default_factory=lambda: list(DEFAULT_POLICIES))
    backend: str = "local"
    budget: Budget = field(default_factory=lambda: Budget(steps=12, tokens=4000))
    limit: int | None = None
    seed: int = 0
    concurrency: int = 1
    out: Path = Path("bench-results/run")
    resume: bool = False
    backend_settings: dict = field(default_factory=dict)   # --set KEY=VALUE (no API keys)

    @property
    def results_path(self) -> Path:
        return self.out / "results.jsonl"

    @property
    def trace_dir(self) -> Path:
        return self.out / "traces"


def suite_label(path: str | Path) -> str:
    p = Path(path)
    return f"{p.parent.name}/{p.stem}" if p.parent.name else p.stem


def plan_tasks(suites: list[tuple[str, str, list[Any]]], policies: list[str], *, limit: int | None,
               seed: int) -> list[Task]:
    """Problem-major and suites interleaved (digits #1, 24 #1, digits #2, ...), every policy on a
    problem before the next problem: a bench stopped early still compares policies on the same
    problems, from both suites."""
    picked = [(label, path, problems[:limit] if limit else problems) for label, path, problems in suites]
    tasks: list[Task] = []
    for i in range(max((len(p) for _, _, p in picked), default=0)):
        for label, path, problems in picked:
            if i < len(problems):
                tasks.extend(Task(label, path, problems[i], policy, seed) for policy in policies)
    return tasks


def load_suites(paths: list[str]) -> list[tuple[str, str, list[Any]]]:
    from agent.problems import load_problems

    out, seen = [], set()
    for path in paths:
        label = suite_label(path)
        if label in seen:
            raise InputError(f"suite {label} is given twice")
        seen.add(label)
        out.append((label, path, load_problems(path)))
    return out


def check_resumable(rows: list[ResultRow], config: BenchConfig) -> None:
    """A results file holds one comparison: same backend and budget throughout."""
    budget = config.budget.model_dump()
    for row in rows:
        if row.backend != config.backend or row.budget != budget:
            raise InputError(f"{config.results_path} holds runs with backend {row.backend} and budget "
                             f"{row.budget}; this bench uses {config.backend} and {budget}. "
                             "Use another --out, or the same settings to resume")


def result_row(task: Task, config: BenchConfig, result: Any = None, error: str | None = None) -> ResultRow:
    from agent.bench.groups import problem_group

    base = dict(suite=task.suite, problem_id=task.problem.id, policy=task.policy, group=problem_group(task.problem),
                backend=config.backend,
                seed=task.seed, budget=config.budget.model_dump())
    if result is None:
        return ResultRow(**base, status="error", reason=error or "", harness_error=error or "unknown error")
    u = result.used
    return ResultRow(**base, status=result.status, solved=result.solved and result.verified,
                     verified=result.verified, answer=result.answer, reason=result.reason, steps=result.steps,
                     llm_calls=u.llm_calls, prompt_tokens=u.prompt_tokens, completion_tokens=u.completion_tokens,
                     reasoning_tokens=u.reasoning_tokens, cached_tokens=u.cached_tokens, cost_usd=u.cost_usd,
                     wall_s=u.wall_s, trace_path=result.trace_path, run_id=result.run_id)


async def run_bench(config: BenchConfig, tasks: list[Task], *, backend: Any = None,
                    on_row: Callable[[ResultRow, int, int], None] | None = None,
                    solve: Callable[..., Any] | None = None) -> list[ResultRow]:
    """Run the tasks not yet in the results file. `backend` is a Backend object shared by every run
    (made from `config.backend` when omitted, and closed at the end). Returns all rows, old and new."""
    from agent.loop.run import asolve

    solve = solve or asolve
    old = latest_rows(read_rows(config.results_path))
    if old and not config.resume:
        raise InputError(f"{config.results_path} already has {len(old)} results: pass --resume to continue "
                         "it, or choose another --out")
    check_resumable(old, config)
    done = {r.key for r in old if r.harness_error is None}
    todo = [t for t in tasks if t.key not in done]
    owns = backend is None
    if owns:
        from agent.backends import make_backend

        backend = make_backend(config.backend, **config.backend_settings)
    if todo and callable(getattr(backend, "load", None)):
        # Load a local model before the clock of the first run starts: its wall time is the run's.
        await asyncio.to_thread(backend.load)
    writer = RowWriter(config.results_path)
    rows = list(old)
    queue: asyncio.Queue[Task] = asyncio.Queue()
    for t in todo:
        queue.put_nowait(t)
    finished = 0

    async def worker() -> None:
        nonlocal finished
        while True:
            try:
                task = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.monotonic()
            try:
                result = await solve(task.problem, backend=backend, policy=task.policy, budget=config.budget,
                                     seed=task.seed, trace_dir=config.trace_dir, problem_file=task.suite_path)
                row = result_row(task, config, result)
            except InputError as err:
                row = result_row(task, config, error=f"InputError: {err}")
            except Exception as err:  # one broken run must not end the bench; recorded and retried on --resume
                row = result_row(task, config, error=f"{type(err).__name__}: {err}")
                row.wall_s = round(time.monotonic() - started, 3)
            writer.write(row)
            rows.append(row)
            finished += 1
            if on_row:
                on_row(row, finished, len(todo))

    try:
        await asyncio.gather(*(worker() for _ in range(max(1, config.concurrency))))
    finally:
        writer.close()
        if owns:
            await backend.aclose()
    return latest_rows(rows)
