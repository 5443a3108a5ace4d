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
    executor: str = "local"      # "local" (this process) or "ray[:ADDRESS]" (agent.bench.ray_executor)
    workers: int | None = None   # Ray workers (None: one per CPU of the cluster)

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


def pending_tasks(config: BenchConfig, tasks: list[Task]) -> tuple[list[ResultRow], list[Task]]:
    """The rows already in the results file and the tasks still to run (a harness error is rerun)."""
    old = latest_rows(read_rows(config.results_path))
    if old and not config.resume:
        raise InputError(f"{config.results_path} already has {len(old)} results: pass --resume to continue "
                         "it, or choose another --out")
    check_resumable(old, config)
    done = {r.key for r in old if r.harness_error is None}
    return old, [t for t in tasks if t.key not in done]


async def run_task(task: Task, config: BenchConfig, backend: Any, *, trace_dir: Path | None = None,
                   solve: Callable[..., Any] | None = None) -> ResultRow:
    """One run's row; a run that raises is recorded as a harness error (retried on --resume) rather
    than ending the bench."""
    from agent.loop.run import asolve

    started = time.monotonic()
    try:
        result = await (solve or asolve)(task.problem, backend=backend, policy=task.policy, budget=config.budget,
                                         seed=task.seed, trace_dir=trace_dir or config.trace_dir,
                                         problem_file=task.suite_path)
        return result_row(task, config, result)
    except InputError as err:
        return result_row(task, config, error=f"InputError: {err}")
    except Exception as err:  # one broken run must not end the bench
        row = result_row(task, config, error=f"{type(err).__name__}: {err}")
        row.wall_s = round(time.monotonic() - started, 3)
        return row


class RowSink:
    """Where finished rows go, in the order they finish: appended (and fsynced) to the results file,
    kept for the summary, and reported to `on_row` (the progress bar)."""

    def __init__(self, config: BenchConfig, old: list[ResultRow], total: int,
                 on_row: Callable[[ResultRow, int, int], None] | None):
        self.writer = RowWriter(config.results_path)
        self.rows, self.total, self.finished, self.on_row = list(old), total, 0, on_row

    def add(self, row: ResultRow) -> None:
        self.writer.write(row)
        self.rows.append(row)
        self.finished += 1
        if self.on_row:
            self.on_row(row, self.finished, self.total)


async def run_bench(config: BenchConfig, tasks: list[Task], *, backend: Any = None,
                    on_row: Callable[[ResultRow, int, int], None] | None = None,
                    solve: Callable[..., Any] | None = None) -> list[ResultRow]:
    """Run the tasks not yet in the results file. `backend` is a Backend object shared by every run
    (made from `config.backend` when omitted, and closed at the end). Returns all rows, old and new.
    With `config.executor` "ray[:ADDRESS]" the runs go to a Ray cluster instead (the backend is made
    on each worker)."""
    old, todo = pending_tasks(config, tasks)
    sink = RowSink(config, old, len(todo), on_row)
    try:
        if config.executor != "local":
            from agent.bench.ray_executor import run_on_ray

            if todo:
                await run_on_ray(config, todo, sink)
        else:
            await _run_local(config, todo, sink, backend, solve)
    finally:
        sink.writer.close()
    return latest_rows(sink.rows)


async def _run_local(config: BenchConfig, todo: list[Task], sink: RowSink, backend: Any,
                     solve: Callable[..., Any] | None) -> None:
    """At most `config.concurrency` runs in flight in this process, sharing one backend."""
    owns = backend is None
    if owns:
        from agent.backends import open_backend
        from agent.bench.sizing import idle_cpus, model_settings

        backend = await open_backend(config.backend, **model_settings(   # checked before the first run
            config.backend, config.backend_settings, config.concurrency, idle_cpus()))
    if todo and callable(getattr(backend, "load", None)):
        # Load a local model before the clock of the first run starts: its wall time is the run's.
        await asyncio.to_thread(backend.load)
    queue: asyncio.Queue[Task] = asyncio.Queue()
    for t in todo:
        queue.put_nowait(t)

    async def worker() -> None:
        while True:
            try:
                task = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            sink.add(await run_task(task, config, backend, solve=solve))

    try:
        await asyncio.gather(*(worker() for _ in range(max(1, config.concurrency))))
    finally:
        if owns:
            await backend.aclose()
