"""The integer-sequence table: next-term accuracy per policy, split by whether sympy's fitting alone
gets the sequence (the `fit` rows), with wrong answers counted apart from no answer (a confident
wrong continuation is worse than none), and LLM calls, tokens and wall time per problem.

    python benchmarks/sequence_table.py docs/results/oeis-loop-100 docs/results/oeis-fit-100 docs/results/oeis-pot-100 \
        [--policies llm,random,pot,fit]

Every directory holds a `results.jsonl`; the rows are pooled (a later row for the same problem and
policy replaces an earlier one). Only problems every policy finished are counted, so the columns
compare like with like; the `fit` rows must be among them for the split. `--policies` counts only
those policies (e.g. to leave out one that was run on fewer sequences). A second table counts, in
each loop run's trace where no fit exists, the model's rule programs and how many reproduced every
shown term: the only way a loop answers beyond the guessers.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.trace.files import resolve  # noqa: E402
from agent.trace.reader import iter_events  # noqa: E402

ORDER = ["learned", "llm", "bandit", "random", "pot", "cot", "fit"]
BASELINES = {"pot", "cot", "fit"}      # one call or none: no ledger of rules


def load(dirs: list[str]) -> dict[tuple[str, str], dict]:
    latest = {}
    for d in dirs:
        for line in (Path(d) / "results.jsonl").read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                if r["harness_error"] is None:
                    r["dir"] = d
                    latest[(r["problem_id"], r["policy"])] = r
    return latest


def model_rules(row: dict) -> tuple[int, int]:
    """The model's rule programs in one loop run's trace: (asked, survived the check on every shown
    term), read from the ledger lines its moves report (`Fit.line`: "RULE (FORM, model) ...")."""
    trace = Path(row["trace_path"])
    found = resolve(trace) or resolve(Path(row["dir"]) / "traces" / trace.name)
    if row["llm_calls"] == 0 or found is None:
        return 0, 0
    asked = survived = 0
    for e in iter_events(found):
        if e.type == "move_end" and e.findings is not None:
            survived += sum(", model)" in line for line in e.findings.conjectures)
            asked += sum(", model)" in line for line in e.findings.conjectures + e.findings.counterexamples)
    return asked, survived


def main(*args: str) -> None:
    dirs, only = list(args), None
    if "--policies" in dirs:
        i = dirs.index("--policies")
        only, dirs = set(dirs[i + 1].split(",")), dirs[:i] + dirs[i + 2:]
    latest = {k: r for k, r in load(dirs).items() if only is None or k[1] in only | {"fit"}}
    policies = sorted({p for _, p in latest}, key=lambda p: ORDER.index(p) if p in ORDER else len(ORDER))
    problems = sorted({pid for pid, _ in latest})
    common = [pid for pid in problems if all((pid, p) in latest for p in policies)]
    fits = {pid for pid in common if ("fit" in policies and latest[(pid, "fit")]["solved"])}
    rest = [pid for pid in common if pid not in fits]
    print(f"{len(common)} sequences finished by every policy; sympy's fitting alone gets {len(fits)}\n")
    print("| policy | right | wrong | no answer | where a fit exists | where none does | LLM calls/problem "
          "| tokens/problem | wall s/problem (median) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for p in policies:
        rs = [latest[(pid, p)] for pid in common]
        right = sum(r["solved"] for r in rs)
        wrong = sum(1 for r in rs if not r["solved"] and (r["answer"] or "").strip())
        on_fit = sum(latest[(pid, p)]["solved"] for pid in fits)
        on_rest = sum(latest[(pid, p)]["solved"] for pid in rest)
        calls = statistics.mean(r["llm_calls"] for r in rs)
        tokens = statistics.mean(r["prompt_tokens"] + r["completion_tokens"] for r in rs)
        wall = [r["wall_s"] for r in rs]
        print(f"| `{p}` | {right}/{len(common)} | {wrong} | {len(rs) - right - wrong} | {on_fit}/{len(fits)} | "
              f"{on_rest}/{len(rest)} | {calls:.1f} | "
              f"{tokens:,.0f} | {statistics.mean(wall):.0f} ({statistics.median(wall):.0f}) |")
    beyond = {p: [pid for pid in rest if latest[(pid, p)]["solved"]] for p in policies}
    print("\nRight where no fit exists: " + "; ".join(f"{p}: {', '.join(ids) or 'none'}" for p, ids in beyond.items()))
    print("\nThe model's rule programs in the loop runs where no fit exists (each checked on every shown term):\n")
    print("| policy | runs | programs asked | survived the check | runs right |")
    print("|---|---|---|---|---|")
    for p in policies:
        if p in BASELINES:
            continue
        counts = [model_rules(latest[(pid, p)]) for pid in rest]
        print(f"| `{p}` | {len(rest)} | {sum(a for a, _ in counts)} | {sum(s for _, s in counts)} | {len(beyond[p])} |")


if __name__ == "__main__":
    main(*sys.argv[1:])
