"""Throughput of `polya bench` with the local executor against `--executor ray` on this machine.

Runs the same bench through the CLI, once per executor (alternating, `--rounds` times), each into a
fresh directory, and prints per run: the wall time of the whole command (start-up, model load,
reports included), the runs per minute over the command, and the runs per minute while running
(from the first to the last row's finish time: the steady rate a long sweep sees).

    python benchmarks/bench_executors.py problems/countdown/tinyzero-sample.yaml --limit 300 \\
        --policies random --backend local --executors local,ray/1,ray --rounds 2
    python benchmarks/bench_executors.py problems/math/gsm8k-sample.yaml --limit 20 --policies cot \\
        --backend local --executors local,ray --extra=--concurrency=2

Each executor's stderr lines starting with "ray:" (connect time, workers ready) are echoed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from agent.bench.results import read_rows

POLYA = str(Path(sys.executable).parent / "polya")


def one(suite: list[str], args: argparse.Namespace, executor: str, out: Path) -> dict:
    name, _, workers = executor.partition("/")        # ray/1: --executor ray --workers 1
    cmd = [POLYA, "bench", *suite, "--limit", str(args.limit), "--policies", args.policies, "--backend", args.backend,
           "--budget", args.budget, "--out", str(out), "--no-progress", "--executor", name, *args.extra]
    cmd += ["--workers", workers] if workers else []
    started = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.time() - started
    if proc.returncode != 0:
        raise SystemExit(f"{executor}: exit {proc.returncode}\n{proc.stderr[-2000:]}")
    rows = read_rows(out / "results.jsonl")
    done = sorted(r.finished_at for r in rows)
    steady = (len(done) - 1) / (done[-1] - done[0]) * 60 if len(done) > 1 and done[-1] > done[0] else float("nan")
    notes = [line for line in proc.stderr.splitlines() if line.startswith("ray:")]
    return {"executor": executor, "runs": len(rows), "wall_s": wall, "per_min": len(rows) / wall * 60,
            "steady_per_min": steady, "first_row_s": done[0] - started if done else float("nan"), "notes": notes}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("suites", nargs="+")
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--policies", default="random")
    ap.add_argument("--backend", default="local")
    ap.add_argument("--budget", default="tokens=4000")
    ap.add_argument("--executors", default="local,ray", help="comma-separated; ray/N: Ray with --workers N")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--extra", action="append", default=[], help="one more bench argument, e.g. --extra=--concurrency=2")
    args = ap.parse_args()
    print("| executor | runs | wall s | runs/min (whole command) | runs/min (first to last row) | first row after s |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for executor in args.executors.split(","):
                m = one(args.suites, args, executor, Path(tmp) / f"{executor}-{r}")
                print(f"| {m['executor']} | {m['runs']} | {m['wall_s']:.1f} | {m['per_min']:.1f} | "
                      f"{m['steady_per_min']:.1f} | {m['first_row_s']:.1f} |", flush=True)
                for note in m["notes"]:
                    print(f"  {note}", file=sys.stderr)


if __name__ == "__main__":
    main()
