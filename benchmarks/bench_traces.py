"""Trace tooling at scale: time and peak memory to show, view and rerun a ~10,000-event trace, and
what a trace is made of (bytes per step, per event type, how much is repeated prompt text).

    python benchmarks/bench_traces.py                     # makes a 10,000-event trace with a function backend
    python benchmarks/bench_traces.py --trace T.jsonl     # measures an existing trace (show, view, size; rerun too)
    python benchmarks/bench_traces.py --no-rerun --repeat 5   # show and view only; median of 5 runs each

Peak memory is Python's (tracemalloc), measured in a second, separate pass so it does not slow the
timed one; the process's max RSS is printed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import io
import json
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402

from agent.loop.rerun import arerun  # noqa: E402
from agent.loop.run import asolve  # noqa: E402
from agent.problems.models import Budget  # noqa: E402
from agent.report.html import write_html  # noqa: E402
from agent.report.summary import summarize  # noqa: E402
from agent.report.terminal import render  # noqa: E402
from agent.trace.blocks import BlockReader  # noqa: E402
from tests.loop_helpers import PROSE269, CannedTools, FunctionBackend  # noqa: E402

MOVES = ["examples", "patterns", "backwards", "reframe", "counterexamples", "attempt"]


def _answer(request):
    """Deterministic, never solves, varied decisions: a long run with every kind of event."""
    h = int(hashlib.sha256("".join(m.content for m in request.messages).encode()).hexdigest(), 16)
    purpose = request.purpose.removesuffix(":repair")
    if purpose == "judge":
        return {"assessment": "ok", "progress": round(0.2 + (h >> 8) % 60 / 100, 2),
                "decision": ["persist", "switch", "abandon", "persist"][h % 4]}
    if purpose == "controller":
        return {"move": MOVES[h % len(MOVES)], "new_attack": h % 7 == 0, "goal": f"goal {h % 997}", "reason": "r"}
    if purpose == "move:attempt":
        return {"reasoning": "try", "answer": f"{h % 50}+3"}
    if purpose == "move:patterns":
        return {"conjectures": [f"conjecture {h % 10007}"], "how_it_helps": "maybe"}
    return None


async def make_trace(path: Path, events: int) -> float:
    steps = max(10, events // 7)
    started = time.perf_counter()
    await asolve(PROSE269, backend=FunctionBackend(_answer), policy="llm", budget=Budget(steps=steps), trace=path,
                 tools=CannedTools())     # the prose family: a model call every step
    return time.perf_counter() - started


def measure(label: str, fn, repeat: int = 1) -> dict:
    """Median seconds of `repeat` runs (the machine may be busy: one run is noisy), then peak memory."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    seconds = statistics.median(times)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<28} {seconds:7.3f} s   peak {peak / 2**20:6.1f} MB")
    return {"seconds": round(seconds, 3), "peak_mb": round(peak / 2**20, 1)}


def composition(path: Path) -> dict:
    """Bytes by event type and how much of the LLM requests is message text seen before."""
    by_type: Counter[str] = Counter()
    msg_total = msg_unique = 0
    seen: set[str] = set()
    steps = 0
    blocks = BlockReader()      # schema 2 stores repeated prompt text once: count the text whole
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            e = json.loads(line)
            by_type[e["type"]] += len(line.encode())
            steps = max(steps, e.get("step") or 0)
            if e["type"] == "llm_call":
                blocks.expand_event(e, str(path))
                for m in e["request"].get("messages", []):
                    n = len(m["content"].encode())
                    msg_total += n
                    key = hashlib.blake2b(m["content"].encode(), digest_size=16).hexdigest()
                    if key not in seen:
                        seen.add(key)
                        msg_unique += n
    raw = path.read_bytes()
    size = len(raw)
    gz = len(gzip.compress(raw, compresslevel=6))
    out = {"bytes": size, "steps": steps, "bytes_per_step": round(size / max(1, steps)),
           "by_type": {k: v for k, v in by_type.most_common()}, "message_bytes": msg_total,
           "message_bytes_unique": msg_unique, "gzip_bytes": gz}
    print(f"size {size / 2**20:.2f} MB, {steps} steps, {out['bytes_per_step']} bytes/step, gzip {gz / 2**20:.2f} MB "
          f"({size / max(1, gz):.1f}x)")
    print("by event type: " + ", ".join(f"{k} {v / size:.0%}" for k, v in by_type.most_common()))
    print(f"LLM request messages: {msg_total / size:.0%} of the trace; unique message text is "
          f"{msg_unique / max(1, msg_total):.0%} of it (whole messages repeated verbatim: {1 - msg_unique / max(1, msg_total):.0%})")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--trace", help="measure this trace instead of making one")
    ap.add_argument("--no-rerun", action="store_true")
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--repeat", type=int, default=1, help="time show and view this many times; report the median")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-traces-"))
    results: dict = {}
    if args.trace:
        path = Path(args.trace)
    else:
        path = tmp / "big.jsonl"
        results["make_s"] = round(asyncio.run(make_trace(path, args.events)), 3)
        print(f"made the trace in {results['make_s']:.1f} s (function backend, fsync per event)")
    summary = summarize(path)
    results["events"] = summary.events
    print(f"{summary.events} events, {len(summary.steps)} steps, {summary.used.llm_calls} LLM calls, "
          f"{path.stat().st_size / 2**20:.1f} MB; recorded run took {summary.used.wall_s:.1f} s")
    results["recorded_wall_s"] = summary.used.wall_s

    def show() -> None:
        render(summarize(path), Console(file=io.StringIO(), width=160))

    results["show"] = measure("show (summary + terminal)", show, args.repeat)
    results["json"] = measure("show --json", lambda: summarize(path).model_dump_json(), args.repeat)
    html = tmp / "view.html"
    results["view"] = measure("view (HTML)", lambda: write_html(path, html), args.repeat)
    results["html_bytes"] = html.stat().st_size
    print(f"HTML page {html.stat().st_size / 2**20:.2f} MB")
    if not args.no_rerun:
        def rerun() -> None:
            out = tmp / "rerun.jsonl"
            out.unlink(missing_ok=True)
            asyncio.run(arerun(path, trace=out))

        results["rerun"] = measure("rerun (zero LLM calls)", rerun)
    results["composition"] = composition(path)
    results["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(f"process max RSS {results['max_rss_mb']} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
