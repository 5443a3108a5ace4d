"""The conjecture miner (agent/workspace/miner.py) on a problem's examples table, no model call:
prints the ledger (survivors by surprise + specificity, then the refuted with the example).

    python benchmarks/mine_examples.py problems/olympiad/imo-2024-p3.yaml [--examples 500] [--top 12]

The examples are made by the problem's own definition in the sandbox, seeds 0..N-1.
"""

from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    from agent.problems.loader import load_problem
    from agent.workspace.miner import fetch_examples, mine

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problem")
    ap.add_argument("--examples", type=int, default=500)
    ap.add_argument("--top", type=int, default=12, help="survivors to print (all refuted are printed)")
    args = ap.parse_args(argv)
    problem = load_problem(args.problem)
    t0 = time.time()
    examples, described, why = fetch_examples(problem, list(range(args.examples)))   # in batches of 100
    if why:
        print(f"examples stopped at {len(examples)}: {why}", file=sys.stderr)
        return 2
    t1 = time.time()
    ledger = mine(examples, described)
    t2 = time.time()
    survived = [m for m in ledger if m.status == "survived"]
    refuted = [m for m in ledger if m.status == "refuted"]
    print(f"{problem.id}: {len(examples)} examples ({t1 - t0:.1f} s in the sandbox), {len(ledger)} conjectures mined "
          f"in {t2 - t1:.1f} s: {len(survived)} survived, {len(refuted)} refuted\n")
    for m in survived[:args.top]:
        print(m.line())
    if len(survived) > args.top:
        print(f"... {len(survived) - args.top} more survivors")
    print()
    for m in refuted:
        print(m.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
