"""`polya check PATH...`: validate problem files or whole folders; one summary line per suite.

Exit 0 when every file is valid, 2 when any is not (each bad file gets one line naming the file and
the field or position). `--solve` also checks each problem's ground truth (exhaustive countdown
solver, reference answers readable, code definitions run, reference counterexamples confirmed by
their claim's definition); a problem whose ground truth fails, or a countdown puzzle with no
solution, is an error too (exit 2).
"""

from __future__ import annotations

import argparse
import re
import sys
import time

from agent.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="validate problem files (and with --solve, their ground truth)",
                       description="Validate problem files or folders. Exit 0 if all are valid, 2 if any is not "
                                   "(with --solve: or if a problem's ground truth fails or a puzzle has no solution).")
    p.add_argument("paths", nargs="+", metavar="PATH", help="problem files or folders")
    p.add_argument("--solve", action="store_true",
                   help="also solve countdown puzzles exhaustively, read reference answers, run definitions, "
                        "confirm reference counterexamples")
    p.add_argument("--verbose", "-v", action="store_true", help="with --solve: one line per problem")
    p.set_defaults(func=main)


def _kinds(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))


def _solve_suite(suite, verbose: bool) -> tuple[list[str], int]:
    """Lines to print and how many problems are bad: a ground truth that fails, or a countdown
    puzzle with no solution (a script checking its puzzles must see that in the exit status)."""
    from agent.verify.ground import ground_truth

    lines, bad, unsolvable, t0 = [], 0, [], time.perf_counter()
    show_each = verbose or len(suite.problems) <= 5
    for p in suite.problems:
        try:
            gt = ground_truth(p)
        except ValueError as err:
            lines.append(f"  {p.id}: bad problem: {err}")
            bad += 1
            continue
        if gt.solvable is False:
            unsolvable.append(p.id)
            bad += 1
        if show_each:
            lines.append(f"  {p.id}: {gt.detail}" + (" (the target cannot be reached: an error)"
                                                      if gt.solvable is False else ""))
    summary = f"  ground truth checked in {time.perf_counter() - t0:.1f}s"
    if unsolvable:
        summary += f"; unsolvable: {', '.join(unsolvable[:10])}" + (" ..." if len(unsolvable) > 10 else "")
    lines.append(summary)
    return lines, bad


_ONE_INTEGER = re.compile(r"\b(?:one|an?|single)\s+(?:\w+\s+)?(?:integer|whole number|number n)\b", re.I)


def _route_hints(suite) -> list[str]:
    """A conjecture whose answer is said to be one integer but that says `candidate: text` would get
    the general prose moves, not the hunt (issue 37): say so, with the line to add. A counterexample
    claim with no statement: the hunt's prompts show the claim in words only (HuntsFamily.describe)."""
    return [f"  {p.id}: hint: its answer is one integer? add `candidate: integer` and the loop hunts for it "
            "n by n (docs/problems.md, 'Which kind?')"
            for p in suite.problems if p.kind == "conjecture" and not p.hunted
            and _ONE_INTEGER.search(f"{p.answer_format} {p.statement}")] + [
        f"  {p.id}: hint: no statement: the hunt's prompts show the claim in words, not its definition; "
        "write the whole claim in `statement`" for p in suite.problems
        if p.kind == "counterexample" and not p.statement.strip()]


def main(args: argparse.Namespace) -> int:
    from agent.problems import iter_problem_files, load_suite

    n_files = bad_files = n_problems = bad_problems = 0
    for path in args.paths:
        try:
            files = list(iter_problem_files(path))
        except InputError as err:
            print(f"polya: {err}", file=sys.stderr)
            bad_files += 1
            continue
        if not files:
            print(f"polya: {path}: no problem files (*.yaml, *.yml)", file=sys.stderr)
            bad_files += 1
        for f in files:
            n_files += 1
            try:
                suite = load_suite(f)
            except InputError as err:
                print(f"polya: {err}", file=sys.stderr)
                bad_files += 1
                continue
            n = len(suite.problems)
            n_problems += n
            what = f"{n} problem" + ("s" if n != 1 else "")
            print(f"{f}: {what} ({_kinds(suite.kinds)})" + (f" suite {suite.name}" if n > 1 else ""))
            for hint in _route_hints(suite):
                print(hint)
            if args.solve:
                lines, bad = _solve_suite(suite, args.verbose)
                print("\n".join(lines))
                bad_problems += bad
    summary = f"{n_files} file(s), {n_problems} problem(s); {bad_files} file(s) invalid"
    print(summary + (f", {bad_problems} problem(s) with errors" if args.solve else ""))
    return 2 if bad_files or bad_problems else 0
