"""`polya verify PROBLEM_FILE ANSWER`: exit 0 and "correct" when the verifier accepts, exit 1 with the
reason when it rejects, exit 2 for bad input (a bad problem file, or an answer in which nothing can be
read, e.g. an expression that does not parse). ANSWER "-" reads the answer from standard input."""

from __future__ import annotations

import argparse
import json
import sys

from agent.errors import InputError

MAX_STDIN_CHARS = 1_000_000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="check one answer with the problem's exact verifier",
                       description="Exit 0 when the answer is correct, 1 when it is rejected, 2 for bad input.")
    p.add_argument("problem", help="problem file (YAML); a suite file needs --id")
    p.add_argument("answer", help="the candidate answer, as a model would write it ('-' reads stdin)")
    p.add_argument("--id", help="problem id within a suite file")
    p.add_argument("--json", action="store_true", help="print the VerifyResult as JSON")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from agent.problems import load_problem
    from agent.verify import verify

    problem = load_problem(args.problem, id=args.id)
    answer = args.answer
    if answer == "-":
        answer = sys.stdin.read(MAX_STDIN_CHARS + 1)
        if len(answer) > MAX_STDIN_CHARS:
            raise InputError(f"answer on stdin is longer than {MAX_STDIN_CHARS} characters")
    try:
        result = verify(problem, answer)
    except ValueError as err:  # the problem itself is bad (e.g. an unreadable reference answer)
        raise InputError(str(err), where=args.problem) from None
    if not result.readable and not args.json:
        raise InputError(result.reason, where="ANSWER")
    if args.json:
        print(json.dumps(result.model_dump()))
    elif result.ok:
        print("correct" + (f"  ({result.normalized})" if result.normalized else ""))
    elif not result.verified:
        print(f"unverified: {result.reason}")
    else:
        print(f"rejected: {result.reason}")
    return 0 if result.ok else (1 if result.readable else 2)
