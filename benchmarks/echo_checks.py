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

import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.problems import load_problems  # noqa: E402
from agent.verify import verify  # noqa: E402

SUITES = ["problems/math/gsm8k-sample.yaml", "problems/math/math500-dev.yaml"]
LOOP = ("llm", "random", "bandit")
# The fact the `obvious` move records when its check program disagrees (agent/moves, attempt check).
DISAGREES = re.compile(r"independently printed (?P<printed>.+?): it disagrees with (?P<first>.+)$")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def numbers_in(text: str) -> set[str]:
    """The numbers written in a statement, thousands separators dropped, trailing `.0` normalised."""
    return {normal(m) for m in NUMBER.findall(text.replace(",", ""))}


def normal(number: str) -> str:
    number = number.strip().rstrip(".")
    try:
        value = float(number)
    except ValueError:
        return number
    return str(int(value)) if value == int(value) else str(value)


def disagreement(trace: Path) -> tuple[str, str] | None:
    """(printed, first attempt) of the first `obvious` move's disagreeing check, or None."""
    for line in trace.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event.get("type") == "move_end" and event.get("move") == "obvious":
            for fact in (event.get("findings") or {}).get("facts") or []:
                m = DISAGREES.search(fact)
                if m:
                    return m["printed"].strip(), m["first"].strip()
            return None
    return None


def tally(out_dir: Path, suites: list[str]) -> tuple[Counter, list[str]]:
    problems = {p.id: p for s in suites for p in load_problems(s)}
    rows = [json.loads(x) for x in (out_dir / "results.jsonl").read_text().splitlines() if x.strip()]
    latest = {(r["problem_id"], r["policy"]): r for r in rows
              if r["policy"] in LOOP and r["harness_error"] is None and r["problem_id"] in problems}
    counts, named = Counter(), []
    for (pid, policy), r in sorted(latest.items()):
        trace = Path(r["trace_path"])
        if not trace.is_file():
            trace = out_dir / "traces" / trace.name
        counts["runs"] += 1
        found = disagreement(trace)
        if found is None:
            continue
        printed, first = found
        counts["check disagreed"] += 1
        if normal(printed) not in numbers_in(problems[pid].statement):
            continue
        counts["check echoed a given"] += 1
        first_ok = verify(problems[pid], first).ok
        echo_ok = verify(problems[pid], printed).ok
        final_ok = bool(r["solved"])
        counts["first attempt right"] += first_ok
        counts["echoed number right"] += echo_ok
        counts["final right"] += final_ok
        counts["lost (first right, final wrong)"] += first_ok and not final_ok
        named.append(f"{pid} {policy}: printed {printed!r}, first {first!r} ({'right' if first_ok else 'wrong'}), "
                     f"final {r['answer']!r} ({'right' if final_ok else 'wrong'})")
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
