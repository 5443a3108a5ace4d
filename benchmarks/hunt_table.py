"""The counterexample-hunt table: for each policy, false claims refuted with a verified
counterexample and true claims not falsely refuted, with tokens and wall time per problem.

    python benchmarks/hunt_table.py bench-results/hunt-1.5b [problems/conjectures/hunt.yaml] [--policies llm,random,pot]

Only problems every policy finished are counted, so the columns compare like with like
(`--policies`: only these policies, e.g. to leave out one that was run on fewer problems).
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.problems import load_problems  # noqa: E402


def main(out_dir: str, suite: str = "problems/conjectures/hunt.yaml", only: list[str] | None = None) -> None:
    truth = {p.id: p.answer for p in load_problems(suite)}
    rows = [json.loads(line) for line in (Path(out_dir) / "results.jsonl").read_text().splitlines() if line.strip()]
    latest = {(r["problem_id"], r["policy"]): r for r in rows if r["harness_error"] is None}
    policies = sorted({p for _, p in latest if not only or p in only}, key=["llm", "bandit", "random", "pot", "cot"].index)
    common = sorted(pid for pid in truth if all((pid, p) in latest for p in policies))
    false_ids = [pid for pid in common if truth[pid] != "none"]
    true_ids = [pid for pid in common if truth[pid] == "none"]
    print(f"{len(common)} problems finished by every policy: {len(false_ids)} false claims, {len(true_ids)} true\n")
    print("| policy | false claims refuted | true claims kept | overall | LLM calls/problem | tokens/problem | wall s/problem (median) |")
    print("|---|---|---|---|---|---|---|")
    for p in policies:
        rs = [latest[(pid, p)] for pid in common]
        refuted = sum(latest[(pid, p)]["solved"] for pid in false_ids)
        kept = sum(latest[(pid, p)]["solved"] for pid in true_ids)
        tokens = statistics.mean(r["prompt_tokens"] + r["completion_tokens"] for r in rs)
        calls = statistics.mean(r["llm_calls"] for r in rs)
        wall = [r["wall_s"] for r in rs]
        print(f"| `{p}` | {refuted}/{len(false_ids)} | {kept}/{len(true_ids)} | {refuted + kept}/{len(common)} | "
              f"{calls:.1f} | {tokens:,.0f} | {statistics.mean(wall):.0f} ({statistics.median(wall):.0f}) |")
    print("\nPer problem (S = correct):\n")
    print("| problem | truth | " + " | ".join(policies) + " |")
    print("|---|---|" + "---|" * len(policies))
    by = defaultdict(dict)
    for (pid, p), r in latest.items():
        by[pid][p] = "S" if r["solved"] else "-"
    for pid in common:
        print(f"| {pid} | {truth[pid]} | " + " | ".join(by[pid][p] for p in policies) + " |")


if __name__ == "__main__":
    args = sys.argv[1:]
    chosen = None
    if "--policies" in args:
        i = args.index("--policies")
        chosen, args = args[i + 1].split(","), args[:i] + args[i + 2:]
    main(*args, only=chosen)
