"""`polya resume TRACE`: continue a killed run (a trace without run_end, maybe with a torn last line).
Every recorded model call and program run is served from the trace, not paid for again; the run
then continues live with the recorded backend (or --backend) into a new trace."""

from __future__ import annotations

import argparse
import asyncio

from rich.console import Console


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("resume", help="continue a killed run from its trace without paying twice",
                       description="Continue a run that was killed. Exit codes as for polya run.")
    p.add_argument("trace", help="the killed run's trace (no run_end event)")
    p.add_argument("--backend", help="the live backend (default: the recorded one)")
    p.add_argument("--trace", dest="out", help="where to write the resumed trace")
    p.add_argument("--quiet", action="store_true", help="no live view, only the summary")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", dest="settings",
                   help="a backend setting, e.g. --set dialect=json_object or --set timeout=60 (repeatable; no API keys)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from agent.backends.config import parse_settings
    from agent.cli.live import LiveView
    from agent.cli.run import EXIT_SOLVED, EXIT_UNSOLVED, print_summary
    from agent.loop.rerun import ForkReport, afork, load_run
    from agent.problems.models import Budget

    backend_settings = parse_settings(args.settings)
    rec = load_run(args.trace)
    console = Console()
    for warning in rec.warnings:
        console.print(f"warning  {warning}", markup=False)
    report = ForkReport()
    view = None if args.quiet else LiveView(console, Budget(**rec.start.budget), f"polya resume {rec.start.problem.get('id')}")

    async def go():
        return await afork(args.trace, backend=args.backend, trace=args.out, on_event=view, resume=True, report=report,
                           backend_settings=backend_settings)

    if view:
        with view:
            result = asyncio.run(go())
    else:
        result = asyncio.run(go())
    console.print(f"resume   {report.replayed_calls} recorded model calls and {report.replayed_tools} program runs "
                  f"served from the trace; {report.live_calls} live calls", markup=False)
    print_summary(console, result)
    return EXIT_SOLVED if result.solved and result.verified else EXIT_UNSOLVED
