"""Run the hostile suite through the sandbox and print what was tried and contained, per category,
plus the sandbox's start-up overhead (median wall time of `print(1)`).

    python benchmarks/sandbox_report.py [--verbose] [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.hostile.harness

import agent.sandbox  # noqa: E402
from tests.hostile.harness import HostileWorld, load_programs, new_marker, runnable_here  # noqa: E402

OUTPUT_LIMIT = 20_000


def overhead(runs: int) -> tuple[float, float]:
    """Median wall time of run('print(1)') and of a bare `python -I -c 'print(1)'` for comparison."""
    import subprocess

    sandboxed, bare = [], []
    for _ in range(runs):
        t = time.monotonic()
        assert agent.sandbox.run("print(1)").stdout == "1\n"
        sandboxed.append(time.monotonic() - t)
        t = time.monotonic()
        subprocess.run([sys.executable, "-I", "-c", "print(1)"], capture_output=True, check=True)
        bare.append(time.monotonic() - t)
    return statistics.median(sandboxed), statistics.median(bare)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--verbose", action="store_true", help="one line per program with its outcome")
    ap.add_argument("--runs", type=int, default=20, help="repetitions for the overhead median")
    args = ap.parse_args()
    tried: dict[str, int] = defaultdict(int)
    contained: dict[str, int] = defaultdict(int)
    failures = []
    skipped: list[str] = []
    with HostileWorld() as world:
        for program in load_programs():
            why_not = runnable_here(program)
            if why_not:
                skipped.append(f"{program.name}: {why_not}")
                continue
            marker = new_marker(program)
            result = agent.sandbox.run(world.render(program, marker), timeout_s=2, memory_mb=256,
                                       output_limit=OUTPUT_LIMIT)
            problems = world.check(program, result, marker, OUTPUT_LIMIT)
            tried[program.category] += 1
            contained[program.category] += not problems
            if problems:
                failures.append((program.name, problems))
            if args.verbose:
                print(f"  {program.name:38s} {'contained' if not problems else 'NOT CONTAINED':13s} "
                      f"reason={result.killed_reason!s:22s} exit={result.exit_code} {result.duration_s:.2f}s")
    print(f"isolation: {agent.sandbox.run('pass').isolation}")
    print("\n| category | tried | contained |\n|---|---|---|")
    for cat in sorted(tried):
        print(f"| {cat} | {tried[cat]} | {contained[cat]} |")
    print(f"| **total** | {sum(tried.values())} | {sum(contained.values())} |")
    for line in skipped:
        print(f"skipped {line}")
    for name, problems in failures:
        print(f"NOT CONTAINED {name}: {problems}")
    med, bare = overhead(args.runs)
    print(f"\nstart-up: run('print(1)') median {med * 1000:.0f} ms over {args.runs} runs "
          f"(bare `python -I -c 'print(1)'`: {bare * 1000:.0f} ms; sandbox overhead ~{(med - bare) * 1000:.0f} ms)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
