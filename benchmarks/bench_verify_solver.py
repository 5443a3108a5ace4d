"""Speed figures for the report: `python benchmarks/bench_verify_solver.py`.

- the exhaustive solver's time per Digits puzzle over the 300 dev puzzles (median, max; wall and CPU),
  checking each count against problems/data/nyt_digits/solution_counts.jsonl;
- Digits candidates verified per second;
- Game of 24: solver time per puzzle over the dev suite.
CPU time is reported next to wall time because the machine may be shared.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.problems import load_problem, load_problems  # noqa: E402
from agent.verify import verify  # noqa: E402
from agent.verify.countdown import solve  # noqa: E402


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def ms(xs):
    return f"median {statistics.median(xs) * 1e3:.1f} ms, max {max(xs) * 1e3:.1f} ms"


def main() -> int:
    rows = [json.loads(x) for x in (ROOT / "problems/data/nyt_digits/solution_counts.jsonl").read_text().splitlines()]
    wall, cpu, wrong = [], [], 0
    for r in rows:
        res, w, c = timed(lambda r=r: solve(r["numbers"], r["target"], "digits"))
        wall.append(w)
        cpu.append(c)
        wrong += res.count != r["solutions_no_unit_moves"]
    print(f"digits solve-all (solvable, shortest, count) over {len(rows)} puzzles: wall {ms(wall)}; cpu {ms(cpu)}; "
          f"count mismatches {wrong}")

    p = load_problem(ROOT / "problems/digits/nyt-269.yaml")
    cands = ["2*7*21-25", "21*7+21*7-25", "2 * 7 = 14; 14 * 21 = 294; 294 - 25 = 269",
             "The answer is \\boxed{2 \\times 7 \\times 21 - 25}", "(3-21)+25", "2*7*21-20"] * 500
    _, w, c = timed(lambda: [verify(p, x) for x in cands])
    print(f"digits verify: {len(cands)} candidates, {len(cands) / w:.0f}/s wall, {len(cands) / c:.0f}/s cpu")

    g24 = load_problems(ROOT / "problems/game24/dev.yaml")
    wall, cpu = [], []
    for q in g24:
        _, w, c = timed(lambda q=q: solve(q.numbers, 24, "game24"))
        wall.append(w)
        cpu.append(c)
    print(f"game24 solve-all over {len(g24)} puzzles: wall {ms(wall)}; cpu {ms(cpu)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
