"""The experience figures (docs/experience.md): per suite, policy and seed, puzzles solved, median
steps to solve and `gave_up` endings (and how many of those puzzles the exhaustive solver says are
solvable, checked after the runs), from bench folders; and the calibration of the learned node
value beside the hand-set viability estimate on the same traces.

    python benchmarks/experience_table.py bench-results/exp-8 bench-results/exp-12 ...
    python benchmarks/experience_table.py --calibration DIR [--experience FILE] bench-results/exp-30
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.bench.results import latest_rows, read_rows  # noqa: E402


def table(dirs: list[str]) -> list[str]:
    from agent.problems import load_problems
    from agent.verify.countdown import solve

    rows = [r for d in dirs for r in latest_rows(read_rows(Path(d) / "results.jsonl"))]
    problems = {}
    for r in rows:
        if r.problem_id not in problems and r.status == "gave_up":
            problems[r.problem_id] = None
    groups: dict[tuple, list] = {}
    for r in rows:
        groups.setdefault((r.suite, r.budget.get("steps"), r.policy, r.seed), []).append(r)
    solvable = {}
    if problems:
        suites = {r.suite for r in rows}
        for path in Path("problems").rglob("*.yaml"):
            if f"{path.parent.name}/{path.stem}" in suites:
                for p in load_problems(path):
                    if p.id in problems and p.id not in solvable:
                        solvable[p.id] = solve(p.numbers, p.target, p.rules).solvable
    out = ["| suite | steps | policy | seed | solved | median steps to solve | gave_up (solvable) |",
           "|---|---|---|---|---|---|---|"]
    for (suite, steps, policy, seed), rs in sorted(groups.items(), key=lambda kv: tuple(map(str, kv[0]))):
        won = [r.steps for r in rs if r.solved]
        gave = [r for r in rs if r.status == "gave_up"]
        gave_solvable = sum(1 for r in gave if solvable.get(r.problem_id))
        median = f"{statistics.median(won):g}" if won else "-"
        out.append(f"| {suite} | {steps} | {policy} | {seed} | {len(won)}/{len(rs)} ({100 * len(won) / len(rs):.0f}%) "
                   f"| {median} | {len(gave)} ({gave_solvable}) |")
    return out


def calibration(dirs: list[str], experience: str | None) -> list[str]:
    """AUC of the recorded progress (the hand-set viability estimate, for `random`) and of the
    learned node value, on the nodes the verdicts stood on, labelled by the exhaustive solver."""
    from sklearn.metrics import roc_auc_score

    from agent.bench.calibration import node_viability
    from agent.experience import load_experience, node_value
    from agent.experience.data import bare_node, parse_node, trace_files
    from agent.trace.reader import iter_events
    from agent.workspace.countdown import settle
    from strategies.countdown.signals import LOOKS_DEAD

    exp = load_experience(experience)
    hand, learned, label, cut = [], [], [], []
    for path in trace_files([Path(d) / "traces" for d in dirs]):
        rules = board = None
        for ev in iter_events(path):
            if ev.type == "run_start":
                if ev.problem.get("kind") != "countdown" or not ev.policy.startswith("random"):
                    break
                rules, board = ev.problem["rules"], len(ev.problem["numbers"])
            elif ev.type == "verdict" and ev.evidence:
                graded = node_viability(ev.evidence, rules)
                parsed = parse_node(ev.evidence[0])
                if graded is None or parsed is None or not graded[0] or parsed[3] != "open":
                    continue
                node = settle(bare_node(parsed[1], parsed[2]), rules)
                hand.append(ev.progress)
                learned.append(node_value(exp, node, rules, board))
                label.append(int(graded[1]))
                cut.append(exp.for_rules(rules).looks_dead)
    if len(set(label)) < 2:
        return ["calibration: too few verdicts on committed nodes"]
    def rates(values, cuts) -> str:
        """Below the threshold the judge abandons: how many viable nodes it would leave, how many
        dead ones it would stay on."""
        viable = [v < c for v, c, y in zip(values, cuts, label, strict=True) if y]
        dead = [v >= c for v, c, y in zip(values, cuts, label, strict=True) if not y]
        return (f"would abandon {sum(viable)}/{len(viable)} viable ({sum(viable) / len(viable):.0%}), "
                f"persist on {sum(dead)}/{len(dead)} dead ({sum(dead) / len(dead):.0%})")

    return [f"verdicts on committed open nodes: {len(label)} ({sum(label)} viable)",
            f"hand-set viability estimate (recorded progress): AUC {roc_auc_score(label, hand):.3f}; at "
            f"{LOOKS_DEAD}: {rates(hand, [LOOKS_DEAD] * len(hand))}",
            f"learned node value: AUC {roc_auc_score(label, learned):.3f}; at the file's thresholds: "
            f"{rates(learned, cut)}"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+", help="bench output folders")
    ap.add_argument("--calibration", action="store_true", help="AUC of the learned value vs the viability estimate")
    ap.add_argument("--experience", help="experience file (default: the packaged one)")
    args = ap.parse_args()
    print("\n".join(calibration(args.dirs, args.experience) if args.calibration else table(args.dirs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
