"""`polya bench --executor ray[:ADDRESS]`: the bench's runs on a Ray cluster.

Each worker is a Ray actor that makes the backend once (the embedded model is loaded once per
worker; an endpoint backend is one client per worker) and runs `--concurrency` runs at a time,
each (problem, policy) run one actor task. The driver (this process) keeps the queue, hands a run
to a worker with a free slot, and writes each row and its trace into OUT as the run finishes, so
`results.jsonl` looks exactly as with the local executor and a killed driver loses only the runs in
flight. Traces come back with the row (a worker on another machine cannot write into OUT).

Faults: a worker that dies (its process killed, its node lost) fails its runs with a Ray actor
error; each such run goes back to the queue for another worker, and after MAX_TRIES deaths it is
recorded as a harness error with the reason (rerun by --resume). The dead worker is replaced.
Ctrl-C kills the workers (and with them their runs) and leaves OUT resumable.

`ray` starts a local cluster for the bench; `ray:auto` joins the running cluster (`ray start
--head` on this machine), `ray:HOST:PORT` the one at that address.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.bench.runner import BenchConfig, RowSink, Task, result_row, run_task
from agent.errors import BackendUnavailable, InputError

MAX_TRIES = 3            # worker deaths one run may see before it is recorded as a harness error
INSTALL_HINT = "--executor ray needs Ray: pip install 'polya-agent[ray]'"


def parse_executor(text: str) -> str | None:
    """None for the local executor, else the Ray address ("" to start a local cluster)."""
    name, _, address = (text or "local").partition(":")
    if name == "local" and not address:
        return None
    if name != "ray":
        raise InputError(f"unknown executor {text!r}: use local, ray, ray:auto or ray:HOST:PORT")
    return address


def check_executor(text: str, workers: int | None) -> None:
    """Bad --executor / --workers, or Ray missing: one message before anything runs."""
    if workers is not None and workers < 1:
        raise InputError("--workers must be at least 1")
    if parse_executor(text) is None:
        if workers is not None:
            raise InputError("--workers goes with --executor ray")
        return
    import_ray()


def import_ray():
    try:
        import ray
    except ImportError:
        raise InputError(INSTALL_HINT) from None
    return ray


class BenchWorker:
    """The actor: one backend for the worker's life, runs executed on it (async, up to the actor's
    max_concurrency at once)."""

    def __init__(self, config: BenchConfig):
        import ray

        from agent.backends import make_backend
        from agent.bench.sizing import model_settings

        cpus = int(ray.get_runtime_context().get_assigned_resources().get("CPU", 1)) or 1
        self.config = config
        self.backend = make_backend(config.backend, **model_settings(
            config.backend, config.backend_settings, config.concurrency, cpus))
        if callable(getattr(self.backend, "load", None)):
            self.backend.load()   # before the first run's clock starts, as the local executor does
        self.trace_dir = Path(tempfile.mkdtemp(prefix="polya-bench-"))

    def ready(self) -> int:
        return os.getpid()

    async def run(self, task: Task) -> tuple[Any, str, bytes]:
        """The row, and the trace's file name and bytes (removed here once read)."""
        row = await run_task(task, self.config, self.backend, trace_dir=self.trace_dir)
        if not row.trace_path:
            return row, "", b""
        path = Path(row.trace_path)
        data = path.read_bytes() if path.is_file() else b""
        path.unlink(missing_ok=True)
        return row, path.name, data


@dataclass
class _Worker:
    handle: Any
    up: bool = False
    busy: int = 0
    dead: bool = False


def connect(address: str) -> bool:
    """Connect to (or start) the cluster; True when this process started it."""
    ray = import_ray()
    quiet = dict(logging_level=logging.WARNING, log_to_driver=False)
    try:
        if address:
            ray.init(address=address, **quiet)
            return False
        ray.init(address="local", include_dashboard=False, **quiet)   # never a stale running cluster
        return True
    except (ConnectionError, ValueError, RuntimeError) as err:
        raise InputError(f"cannot reach the Ray cluster at {address or 'a new local cluster'}: "
                         f"{str(err).splitlines()[0]}") from None


def worker_count(config: BenchConfig) -> int:
    import ray

    if config.workers:
        return config.workers
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


async def run_on_ray(config: BenchConfig, todo: list[Task], sink: RowSink) -> None:
    address = parse_executor(config.executor)
    ray = import_ray()
    started = time.monotonic()
    connect(address or "")
    pool = _Pool(ray, config, sink)
    try:
        n = worker_count(config)
        print(f"ray: {n} workers on {ray.cluster_resources().get('CPU', 0):g} CPUs "
              f"(connected in {time.monotonic() - started:.1f}s)", file=sys.stderr, flush=True)
        for _ in range(n):
            pool.spawn()
        await pool.drain(deque(todo))
    finally:
        pool.stop()
        ray.shutdown()


class _Pool:
    """The driver's loop: free slots get queued runs; finished runs are written; dead workers'
    runs are requeued and the workers replaced."""

    def __init__(self, ray: Any, config: BenchConfig, sink: RowSink):
        self.ray, self.config, self.sink = ray, config, sink
        self.remote = ray.remote(num_cpus=1, max_restarts=0, max_concurrency=max(1, config.concurrency))(BenchWorker)
        self.workers: list[_Worker] = []
        self.waiting: dict[Any, tuple[_Worker, Task | None]] = {}   # ref -> (worker, run or None for "up")
        self.tries: dict[tuple, int] = {}
        self.started = time.monotonic()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ray-wait")
        self._wait: Future | None = None

    def spawn(self) -> None:
        worker = _Worker(self.remote.remote(self.config))
        self.workers.append(worker)
        self.waiting[worker.handle.ready.remote()] = (worker, None)

    async def drain(self, queue: deque[Task]) -> None:
        while queue or any(task is not None for _, task in self.waiting.values()):
            for worker in self.workers:
                while worker.up and not worker.dead and worker.busy < self.config.concurrency and queue:
                    task = queue.popleft()
                    worker.busy += 1
                    self.waiting[worker.handle.run.remote(task)] = (worker, task)
            # In a thread, so Ctrl-C (asyncio.run cancels this coroutine) ends the bench at once;
            # stop() lets this wait (at most 1 s) end before it tears the connection down.
            self._wait = self._thread.submit(self.ray.wait, list(self.waiting), num_returns=1, timeout=1.0)
            ready, _ = await asyncio.wrap_future(self._wait)
            for ref in ready:
                self._finish(ref, queue)

    def _finish(self, ref: Any, queue: deque[Task]) -> None:
        from ray.exceptions import RayActorError

        worker, task = self.waiting.pop(ref)
        try:
            value = self.ray.get(ref)
        except RayActorError as err:
            if getattr(err, "actor_init_failed", False):   # its constructor raised: every worker would
                raise BackendUnavailable(f"a Ray worker could not make the backend: {_reason(err, last=True)}") from None
            self._lost(worker)
            if task is not None:
                self._retry(task, queue, _reason(err))
            return
        if task is None:
            worker.up = True
            self._report_up()
            return
        worker.busy -= 1
        row, name, data = value
        if name:
            self.config.trace_dir.mkdir(parents=True, exist_ok=True)
            path = self.config.trace_dir / name
            path.write_bytes(data)
            row.trace_path = str(path)
        self.sink.add(row)

    def _report_up(self) -> None:
        """The start-up cost: when the first and the last of the first workers had their backend
        made (the model loaded)."""
        ups = sum(w.up for w in self.workers)
        if ups == 1 or (ups == len(self.workers) and not any(w.dead for w in self.workers)):
            print(f"ray: {ups} of {len(self.workers)} workers ready after {time.monotonic() - self.started:.1f}s",
                  file=sys.stderr, flush=True)

    def _lost(self, worker: _Worker) -> None:
        """A worker died: replace it once (its other runs fail the same way and land here too)."""
        if not worker.dead:
            worker.dead = True
            self.spawn()

    def _retry(self, task: Task, queue: deque[Task], reason: str) -> None:
        tries = self.tries[task.key] = self.tries.get(task.key, 0) + 1
        if tries < MAX_TRIES:
            queue.appendleft(task)
            return
        self.sink.add(result_row(task, self.config, error=f"WorkerDied: the run's Ray worker died {tries} times "
                                                          f"(last: {reason})"))

    def stop(self) -> None:
        """Kill every worker: their runs in flight end with them (Ctrl-C, or the bench is done)."""
        if self._wait is not None:
            wait_futures([self._wait], timeout=10)
        self._thread.shutdown(wait=False)
        for worker in self.workers:
            if not worker.dead:
                try:
                    self.ray.kill(worker.handle)
                except Exception:  # noqa: BLE001 - already gone; stopping must go on
                    pass


def _reason(err: Exception, *, last: bool = False) -> str:
    """One line of a Ray error: its first, or its last (the original exception, after Ray's traceback)."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    if not lines:
        return type(err).__name__
    return (lines[-1] if last else lines[0])[:300]
