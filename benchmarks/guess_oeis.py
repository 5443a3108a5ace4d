"""The sequence guessers alone (agent/workspace/guess.py) on a range of the OEIS sample, no model:
next-5-terms right, wrong (a confident wrong continuation) and no answer, with the time per sequence
and how often agreeing rules were right.

    python benchmarks/guess_oeis.py [--start 0] [--stop 300] [--shown 20] [--hidden 5] [--json OUT]

The first 300 sequences are the dev set the trust rule was chosen on; 300-500 were not looked at
while choosing it (problems/data/oeis/OEIS_sample.txt is the first 500 of OEIS_clean.txt).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "problems" / "data" / "oeis" / "OEIS_sample.txt"


def main(argv: list[str] | None = None) -> int:
    from agent.workspace.guess import guess_all

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--stop", type=int, default=300)
    ap.add_argument("--shown", type=int, default=20)
    ap.add_argument("--hidden", type=int, default=5)
    ap.add_argument("--json", help="write one row per sequence here")
    args = ap.parse_args(argv)
    rows, by_agree = [], Counter()
    for line in SAMPLE.read_text().splitlines()[args.start:args.stop]:
        anum, _, rest = line.partition(" ")
        terms = [int(x) for x in rest.strip().strip(",").split(",")]
        if len(terms) < args.shown + args.hidden:
            continue
        shown, hidden = terms[:args.shown], terms[args.shown:args.shown + args.hidden]
        t0 = time.process_time()
        found = guess_all(shown, args.hidden)
        cpu = time.process_time() - t0
        result = "none" if found.answer is None else ("right" if found.next_terms == hidden else "wrong")
        by_agree[(min(found.agree, 3), result)] += found.answer is not None
        rows.append({"anum": anum, "result": result, "cpu_s": round(cpu, 3), "agree": found.agree,
                     "rule": found.answer.rule if found.answer else None,
                     "form": found.answer.form if found.answer else None,
                     "transform": found.answer.transform if found.answer else None})
    count = Counter(r["result"] for r in rows)
    cpu = sorted(r["cpu_s"] for r in rows)
    print(f"sequences {args.start}-{args.stop}: {len(rows)}; right {count['right']}, wrong {count['wrong']}, "
          f"no answer {count['none']}; CPU per sequence median {cpu[len(cpu) // 2]:.2f} s, max {cpu[-1]:.2f} s")
    print("answers by agreeing rules (1, 2, 3+): " + ", ".join(
        f"{k}: {by_agree[(k, 'right')]} right / {by_agree[(k, 'wrong')]} wrong" for k in (1, 2, 3)))
    print("right answers by form: " + ", ".join(f"{f} {n}" for f, n in Counter(
        r["form"].split(",")[0].split(" (")[0] + (" on a transform" if r["transform"] else "")
        for r in rows if r["result"] == "right").most_common()))
    if args.json:
        Path(args.json).write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
