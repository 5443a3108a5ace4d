"""Threads and slots of the embedded model for a bench.

The embedded model's own defaults (one llama.cpp slot, half the CPUs as threads) suit one run at a
time on a shared machine. A bench with `--concurrency N` needs N slots, or its runs queue for the
one slot; and llama.cpp decodes all slots together in one batch on its threads, so N runs want up
to N threads (on 2 cores, `--concurrency 2` with the defaults kept one core busy and the other
idle). Never more threads than the bench's idle cores (`idle_cpus`): a Ray worker reserves one CPU,
so its model gets one thread, and a loaded machine keeps the model's default. What was measured is in docs/bench.md ("Sizing the embedded model").
An explicit `--set threads=N` / `--set parallel=N`, POLYA_THREADS or POLYA_PARALLEL always wins.
"""

from __future__ import annotations

import os
from typing import Any


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask, which containers and `taskset` narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:   # not on Linux
        return max(1, os.cpu_count() or 1)


def idle_cpus() -> int:
    """The available CPUs less what other processes keep busy (the 1-minute load average), at least
    one: on a shared, loaded machine extra llama.cpp threads wait on each other instead of working
    (measured: two threads for one run on the busy 2-core machine finished nothing in 10 minutes)."""
    try:
        busy = int(os.getloadavg()[0])
    except OSError:
        busy = 0
    return max(1, available_cpus() - busy)


def model_settings(spec: str, settings: dict[str, Any], concurrency: int, cpus: int) -> dict[str, Any]:
    """`settings` plus threads and slots sized for `concurrency` runs on `cpus` cores, when the
    backend is the embedded model and neither is given already."""
    from agent.backends import parse_spec

    if parse_spec(spec)[0] != "local":
        return dict(settings)
    out = dict(settings)
    if "parallel" not in out and not os.environ.get("POLYA_PARALLEL"):
        out["parallel"] = max(1, concurrency)
    if "threads" not in out and not os.environ.get("POLYA_THREADS"):
        from agent.backends.llamacpp import default_threads

        out["threads"] = max(1, min(cpus, max(default_threads(), concurrency)))
    return out
