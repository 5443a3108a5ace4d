"""How often does the loop's first self-check only echo a number given in the problem? For each loop
run on an answer problem whose first step escalated because the check program disagreed, whether
the number that program printed appears in the statement, and which of the two answers (the first
attempt's or the echoed number) the hidden reference grades right.

    python benchmarks/echo_checks.py docs/results/math-50 [problems/math/*.yaml ...] [--list]

Analysis after the runs, like first_vs_final.py: nothing here was seen by a run. A check that
prints a given (`4 ** math.log(8, 4)` printing the 8 of "what power of 4 is 8") is weak evidence
against a reasoned first attempt, but the answer can also be a given, so counting both cases is
what a rule about it would have to start from.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.experience.answer_features import is_given  # noqa: E402
from agent.verify import verify  # noqa: E402
from benchmarks.first_vs_final import SUITES, first_verdict, loop_runs, obvious_candidates  # noqa: E402


def tally(out_dir: Path, suites: list[str]) -> tuple[Counter, list[str]]:
    counts, named = Counter(), []
    for problem, r, trace in loop_runs(out_dir, suites):
        counts["runs"] += 1
        candidates = obvious_candidates(trace)   # [first attempt, what the disagreeing check printed]
        if first_verdict(trace) != "escalated: disagrees" or len(candidates) < 2:
            continue
        first, printed = candidates[:2]
        counts["check disagreed"] += 1
        if not is_given(printed, problem.statement):
            continue
        counts["check echoed a given"] += 1
        first_ok = verify(problem, first).ok
        echo_ok = verify(problem, printed).ok
        final_ok = bool(r["solved"])
        counts["first attempt right"] += first_ok
        counts["echoed number right"] += echo_ok
        counts["final right"] += final_ok
        counts["lost (first right, final wrong)"] += first_ok and not final_ok
        named.append(f"{problem.id} {r['policy']}: printed {printed!r}, first {first!r} "
                     f"({'right' if first_ok else 'wrong'}), final {r['answer']!r} ({'right' if final_ok else 'wrong'})")
    return counts, named


def main(argv: list[str]) -> None:
    listing = "--list" in argv
    args = [a for a in argv if a != "--list"]
    if not args:
        raise SystemExit(__doc__)
    counts, named = tally(Path(args[0]), args[1:] or SUITES)
    for key in ("runs", "check disagreed", "check echoed a given", "first attempt right", "echoed number right",
                "final right", "lost (first right, final wrong)"):
        print(f"{key}: {counts[key]}")
    if listing:
        print()
        print("\n".join(named))


if __name__ == "__main__":
    main(sys.argv[1:])
