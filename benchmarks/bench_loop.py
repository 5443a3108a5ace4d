"""Framework overhead per step: graph + judge bookkeeping + verifier + trace writes, with a
zero-latency function backend and canned tool results, over a 200-step run of the test `prose`
family (tests/loop_helpers.py: the general moves on the notebook and the model's judge, so every
step asks the backend and the whole path runs) — side by side with a bare LangGraph of the same
five nodes and routes doing nothing, in the same process, so the ratio is load-independent.

    python benchmarks/bench_loop.py [--steps 200] [--fsync] [--repeats 5]

Per-step time is the gap between consecutive move_start events. Reports median and p95. With
`--repeats N` the Polya run and the bare graph alternate N times and the medians of both CPU
figures are compared (on a loaded machine one pair can be off by 2x either way).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.loop.graph import TARGETS  # noqa: E402
from agent.loop.run import asolve  # noqa: E402
from agent.problems.models import Budget  # noqa: E402
from agent.trace import writer  # noqa: E402
from agent.trace.reader import read_events  # noqa: E402
from tests.loop_helpers import PROSE269, CannedTools, FunctionBackend  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--fsync", action="store_true", help="fsync every event (default: flush only)")
    ap.add_argument("--repeats", type=int, default=1, help="alternate Polya and bare runs N times, compare medians")
    args = ap.parse_args()
    if args.fsync:
        original = writer.TraceWriter.__init__

        def with_fsync(self, *a, **k):
            k["fsync"] = True
            original(self, *a, **k)

        writer.TraceWriter.__init__ = with_fsync
    counter = iter(range(10**6))
    backend = FunctionBackend(overrides={
        # always something new, never solved: the run goes the whole budget
        "move:attempt": lambda req: {"reasoning": "", "answer": f"2+3+{next(counter)}"},
        "move:patterns": lambda req: {"conjectures": [f"c{next(counter)}"], "how_it_helps": "x"},
    })
    with tempfile.TemporaryDirectory() as tmp:
        # warm-up: first-use imports (moves, verifiers, prompts) are not per-step overhead
        asyncio.run(asolve(PROSE269, backend=backend, policy="bandit", budget=Budget(steps=5),
                           trace=Path(tmp) / "warm.jsonl", tools=CannedTools()))
        trace = Path(tmp) / "bench.jsonl"
        t0, cpu0 = time.perf_counter(), time.process_time()
        result = asyncio.run(asolve(PROSE269, backend=backend, policy="bandit", budget=Budget(steps=args.steps),
                                    trace=trace, tools=CannedTools()))
        total, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        events = read_events(trace)
        size = trace.stat().st_size
    starts = [e.ts for e in events if e.type == "move_start"]
    gaps = sorted((b - a) * 1000 for a, b in zip(starts, starts[1:], strict=False))
    p95 = gaps[int(0.95 * (len(gaps) - 1))]
    print(f"steps {result.steps}, events {len(events)}, LLM calls {result.used.llm_calls}, trace {size / 1024:.0f} KiB")
    print(f"per step: median {statistics.median(gaps):.2f} ms, p95 {p95:.2f} ms, max {gaps[-1]:.2f} ms"
          f" (fsync per event: {args.fsync}); whole run {total:.2f} s wall, {cpu:.2f} s CPU"
          f" = {cpu / result.steps * 1000:.2f} ms CPU per step (load-independent)")
    bare = bare_graph_ms(result.steps)
    print(f"bare LangGraph, same nodes and routes, no-op nodes: {bare:.2f} ms CPU per step; "
          f"Polya / bare = {cpu / result.steps * 1000 / bare:.2f}x")
    if args.repeats > 1:
        polya_ms, bare_ms = [cpu / result.steps * 1000], [bare]
        for _ in range(args.repeats - 1):
            polya_ms.append(polya_cpu_ms(backend, args.steps))
            bare_ms.append(bare_graph_ms(args.steps))
        p, b = statistics.median(polya_ms), statistics.median(bare_ms)
        print(f"{args.repeats} alternating repeats: Polya median {p:.2f} ms CPU per step "
              f"({', '.join(f'{x:.2f}' for x in polya_ms)}), bare median {b:.2f} "
              f"({', '.join(f'{x:.2f}' for x in bare_ms)}); Polya / bare = {p / b:.2f}x")


def polya_cpu_ms(backend, steps: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        cpu0 = time.process_time()
        result = asyncio.run(asolve(PROSE269, backend=backend, policy="bandit", budget=Budget(steps=steps),
                                    trace=Path(tmp) / "bench.jsonl", tools=CannedTools()))
        return (time.process_time() - cpu0) / result.steps * 1000


class S(TypedDict):
    n: int
    route: str


def bare_graph_ms(steps: int) -> float:
    """CPU per step of a LangGraph with Polya's nodes and routes whose nodes only route: a step is
    controller -> move -> verify -> judge, as in the loop."""
    from langgraph.graph import END, START, StateGraph

    nxt = {"opening": "controller", "controller": "move", "move": "verify", "verify": "judge", "judge": "controller"}

    def node(name):
        async def run(s: S) -> S:
            n = s["n"] + (name == "move")
            return {"n": n, "route": "end" if n >= steps else nxt[name]}
        return run

    async def route(s: S) -> str:
        return s["route"]

    g = StateGraph(S)
    for name in TARGETS:
        g.add_node(name, node(name))
    g.add_edge(START, "opening")
    for name, targets in TARGETS.items():
        g.add_conditional_edges(name, route, {t: t for t in targets} | {"end": END})
    app = g.compile()
    cpu0 = time.process_time()
    asyncio.run(app.ainvoke({"n": 0, "route": ""}, config={"recursion_limit": 10 * steps}))
    return (time.process_time() - cpu0) / steps * 1000


if __name__ == "__main__":
    main()
