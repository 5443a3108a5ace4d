"""The learned policy's rows on answer problems beside the committed rows of other policies on the
same problems: solved, tokens (prompt + completion), model calls and wall time per problem.

    python benchmarks/answers_bench_table.py NEW_DIR [--against docs/results/math-50] [--policies llm,random]

Only the problems NEW_DIR has a row for are compared (a partial bench compares what it ran).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path


def rows(out_dir: Path) -> list[dict]:
    return [json.loads(x) for x in (out_dir / "results.jsonl").read_text().splitlines() if x.strip()]


def table(new: list[dict], old: list[dict], policies: list[str]) -> list[str]:
    lines = ["| suite | policy | problems | solved | tokens/problem | model calls/problem | wall s/problem |",
             "|---|---|---|---|---|---|---|"]
    kinds = {"gsm8k": "GSM8K", "math500": "MATH-500"}
    for key, name in kinds.items():
        done = {r["problem_id"]: r for r in new if r["problem_id"].startswith(key) and r["harness_error"] is None}
        if not done:
            continue
        for policy in sorted({r["policy"] for r in done.values()}) + policies:
            mine = done if policy in {r["policy"] for r in done.values()} else \
                {r["problem_id"]: r for r in old if r["policy"] == policy and r["problem_id"] in done}
            if not mine:
                continue
            rs = list(mine.values())
            lines.append(f"| {name} | {policy} | {len(rs)} | {sum(r['solved'] for r in rs)} | "
                         f"{statistics.mean(r['prompt_tokens'] + r['completion_tokens'] for r in rs):,.0f} | "
                         f"{statistics.mean(r['llm_calls'] for r in rs):.1f} | {statistics.mean(r['wall_s'] for r in rs):.0f} |")
    return lines


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("new")
    p.add_argument("--against", default="docs/results/math-50")
    p.add_argument("--policies", default="llm,random")
    args = p.parse_args(argv)
    print("\n".join(table(rows(Path(args.new)), rows(Path(args.against)), args.policies.split(","))))


if __name__ == "__main__":
    main(sys.argv[1:])
