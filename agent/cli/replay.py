"""`polya replay TRACE`: show a recorded run; `--rerun` re-executes it from the trace with zero model
calls; `--fork-at STEP` replays the steps before STEP for free and continues live.

Exit codes: show 0; rerun 0 identical, 1 diverged (the message names the step); fork like
`polya run` (0 solved and verified, 1 not); 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from rich.console import Console

from agent.cli import plural
from agent.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="show, rerun (zero LLM calls) or fork a recorded run",
                       description="Show a recorded run; --rerun re-executes it from the trace (exit 0 identical, "
                                   "1 diverged); --fork-at STEP reruns steps before STEP for free, then continues live.")
    p.add_argument("trace", help="a trace file (JSONL, or gzipped: .jsonl.gz) written by polya run")
    p.add_argument("--layout", choices=("tree", "lanes"), default="tree", help="attacks as a tree (default) or lanes")
    p.add_argument("--json", action="store_true", help="print a machine-readable summary instead")
    p.add_argument("--rerun", action="store_true", help="re-execute the graph with the recorded responses")
    p.add_argument("--fork-at", type=int, metavar="STEP", help="replay steps before STEP, then continue live")
    p.add_argument("--backend", help="fork: the live backend (default: the recorded one)")
    p.add_argument("--policy", help="fork: the policy from STEP on (default: the recorded one)")
    p.add_argument("--budget", help="fork: a new budget, e.g. steps=12 (on top of the recorded one)")
    p.add_argument("--setting", action="append", metavar="KEY=VALUE", dest="run_settings",
                   help="rerun/fork under a changed run setting, e.g. --setting code_max_tokens=2000 (repeatable): "
                        "a what-if rerun exits 0 if the run would not change, 1 naming the first step it would")
    p.add_argument("--trace", dest="out", help="rerun/fork: where to write the new trace")
    p.add_argument("--timing", action="store_true", help="print time and peak memory on stderr")
    p.add_argument("--stats", action="store_true", dest="timing", help=argparse.SUPPRESS)   # the old name
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    fork_opts = [o for o in ("backend", "policy", "budget") if getattr(args, o)]
    if fork_opts and args.fork_at is None:
        raise InputError(f"--{fork_opts[0]} needs --fork-at STEP")
    if args.rerun and args.fork_at is not None:
        raise InputError("use either --rerun or --fork-at")
    if args.run_settings and not (args.rerun or args.fork_at is not None):
        raise InputError("--setting needs --rerun or --fork-at STEP")
    if args.timing:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        if args.rerun:
            code = _rerun(args)
        elif args.fork_at is not None:
            code = _fork(args)
        else:
            code = _show(args)
    finally:
        if args.timing:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"timing: {time.perf_counter() - started:.3f}s, peak Python memory {peak / 2**20:.1f} MB",
                  file=sys.stderr)
    return code


def _show(args: argparse.Namespace) -> int:
    from agent.report.summary import summarize
    from agent.report.terminal import make_console, render

    summary = summarize(args.trace)
    if args.json:
        print(summary.model_dump_json(indent=2))
    else:
        render(summary, make_console(), args.layout)
    return 0


def _rerun(args: argparse.Namespace) -> int:
    from agent.loop.rerun import arerun, parse_overrides
    from agent.report.summary import summarize

    overrides = parse_overrides(args.run_settings)
    with tempfile.TemporaryDirectory(prefix="polya-rerun-") as tmp:
        out = Path(args.out) if args.out else Path(tmp) / "rerun.jsonl"
        # ReplayDivergence propagates: the CLI prints it (it names the step) and exits 1.
        result, rec = asyncio.run(arerun(args.trace, trace=out, settings=overrides))
        new = summarize(out)
    line = (f"rerun identical: {plural(len(rec.decisions), 'verdict')}, status {result.status}"
            + (f", answer {result.answer}" if result.answer else "")
            + f"; {new.replayed_calls} model calls served from the trace, {new.paid_calls} made")
    if args.json:
        print(new.model_dump_json(indent=2))
    else:
        print(line)
        if args.out:
            print(f"trace    {Path(args.out).resolve()}")
    return 0


def _fork(args: argparse.Namespace) -> int:
    from agent.cli.run import EXIT_SOLVED, EXIT_UNSOLVED, print_summary
    from agent.loop.rerun import ForkReport, afork, load_run, parse_overrides
    from agent.loop.run import parse_budget
    from agent.problems.models import Budget

    rec = load_run(args.trace)
    budget = parse_budget(args.budget, Budget(**rec.start.budget)) if args.budget else None
    report = ForkReport()
    result = asyncio.run(afork(args.trace, fork_at=args.fork_at, backend=args.backend, policy=args.policy,
                               budget=budget, trace=args.out, report=report,
                               settings=parse_overrides(args.run_settings)))
    console = Console()
    console.print(f"fork     steps 1..{args.fork_at - 1} replayed ({report.replayed_calls} model calls free), "
                  f"{report.live_calls} live calls from step {args.fork_at}", markup=False)
    if report.mismatches:
        console.print(f"note     {len(report.mismatches)} replayed request(s) differ from the recorded ones "
                      f"(first: {report.mismatches[0][:120]})", markup=False)
    print_summary(console, result)
    return EXIT_SOLVED if result.solved and result.verified else EXIT_UNSOLVED
