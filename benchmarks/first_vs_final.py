"""Did the loop ever lose what its first attempt had? For each loop run on an answer problem, the
first attempt's answer (the `obvious` move's chain of thought) and the run's final answer, both
graded against the hidden reference.

    python benchmarks/first_vs_final.py docs/results/math-50 [problems/math/*.yaml ...] [--list]

This is analysis after the runs: the run itself only ever saw its final answer graded, once, after
it ended (issue 18's "no oracle during a solve"). Grading the first attempt here answers the aim
"the loop never loses to its own first attempt": `lost` counts runs whose first attempt was right
and whose final answer is wrong, `gained` the reverse. `--list` names the runs of both.

A second table splits the runs by what the first step's verdict did with the first attempt: accepted
it (its self-check by a program agreed), or escalated to the moves and why (the check disagreed, the
program failed, no answer line). Escalation is where a run can gain or lose.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.problems import load_problems  # noqa: E402
from agent.trace.files import open_text, resolve  # noqa: E402
from agent.verify import verify  # noqa: E402

SUITES = ["problems/math/gsm8k-sample.yaml", "problems/math/math500-dev.yaml"]
LOOP = ("llm", "random", "bandit")


def obvious_candidates(trace: Path) -> list[str]:
    """The candidates of the run's first `obvious` move: the first attempt's answer, then (when the
    self-check disagreed) what the check program printed."""
    with open_text(trace) as fh:
        for line in fh:
            event = json.loads(line)
            if event.get("type") == "move_end" and event.get("move") == "obvious":
                return (event.get("findings") or {}).get("candidates") or []
    return []


def first_attempt(trace: Path) -> str | None:
    """The first attempt's answer, if any."""
    return next(iter(obvious_candidates(trace)), None)


def first_verdict(trace: Path) -> str:
    """What the first step's verdict did: "accepted", or "escalated: <why>" (from its reason)."""
    with open_text(trace) as fh:
        for line in fh:
            event = json.loads(line)
            if event.get("type") == "verdict":
                reason = event.get("reason") or ""
                if "escalate" in (event.get("overrides") or []) or reason.startswith("escalate"):
                    return "escalated: " + reason.split(":", 1)[-1].strip()
                return "accepted" if event.get("decision") == "solved" else str(event.get("decision"))
    return "no verdict"


def loop_runs(out_dir: Path, suites: list[str]) -> Iterator[tuple[Any, dict, Path]]:
    """(problem, row, trace file) of each loop run in a bench directory, the latest row per
    (problem, policy), sorted; a trace moved with its rows is found under out_dir/traces."""
    problems = {p.id: p for s in suites for p in load_problems(s)}
    rows = [json.loads(x) for x in (out_dir / "results.jsonl").read_text().splitlines() if x.strip()]
    latest = {(r["problem_id"], r["policy"]): r for r in rows
              if r["policy"] in LOOP and r["harness_error"] is None and r["problem_id"] in problems}
    for (pid, _), r in sorted(latest.items()):
        trace = Path(r["trace_path"])
        found = resolve(trace) or resolve(out_dir / "traces" / trace.name)
        yield problems[pid], r, found or trace


def tally(out_dir: Path, suites: list[str], split: bool = False) -> tuple[dict[tuple[str, ...], Counter], list[str]]:
    """Counts per (suite, policy), or per (suite, policy, first verdict) with `split`."""
    counts: dict[tuple[str, str], Counter] = {}
    named = []
    for problem, r, trace in loop_runs(out_dir, suites):
        pid, policy = problem.id, r["policy"]
        first = first_attempt(trace)
        first_ok = first is not None and verify(problem, first).ok
        final_ok = bool(r["solved"])
        key = (r["suite"], policy) + ((first_verdict(trace),) if split else ())
        c = counts.setdefault(key, Counter())
        c["runs"] += 1
        c["first right"] += first_ok
        c["final right"] += final_ok
        if first_ok != final_ok:
            kind = "lost" if first_ok else "gained"
            c[kind] += 1
            named.append(f"{kind}: {pid} {policy}: first attempt {first!r}, final {r['answer']!r}")
    return counts, named


def main(argv: list[str]) -> None:
    listing = "--list" in argv
    args = [a for a in argv if a != "--list"]
    if not args:
        raise SystemExit(__doc__)
    split, named = tally(Path(args[0]), args[1:] or SUITES, split=True)
    counts: dict[tuple[str, ...], Counter] = {}
    for (suite, policy, _), c in split.items():     # the traces are read and graded once
        counts.setdefault((suite, policy), Counter()).update(c)
    print("| suite | policy | runs | first attempt right | final answer right | lost | gained |")
    print("|---|---|---|---|---|---|---|")
    for (suite, policy), c in sorted(counts.items()):
        print(f"| {suite} | {policy} | {c['runs']} | {c['first right']} | {c['final right']} | {c['lost']} | {c['gained']} |")
    print()
    print("| suite | policy | first step | runs | first attempt right | final answer right | lost | gained |")
    print("|---|---|---|---|---|---|---|---|")
    for (suite, policy, verdict), c in sorted(split.items()):
        print(f"| {suite} | {policy} | {verdict} | {c['runs']} | {c['first right']} | {c['final right']} "
              f"| {c['lost']} | {c['gained']} |")
    if listing:
        print()
        print("\n".join(named))


if __name__ == "__main__":
    main(sys.argv[1:])
