"""`polya view TRACE -o report.html`: a self-contained HTML page of a run (no network; opens from disk)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("view", help="write a self-contained HTML page of a run",
                       description="Write one HTML file (inline CSS, JS and SVG; no network) showing the lines of "
                                   "attack, progress over steps, every LLM call and program run, and the verifier's checks.")
    p.add_argument("trace", help="a trace file (JSONL, or gzipped JSONL: .jsonl.gz)")
    p.add_argument("-o", "--output", help="the HTML file to write (default: next to the trace, its name with .html)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from agent.cli import plural
    from agent.report.html import write_html
    from agent.trace.files import trace_stem

    out = Path(args.output) if args.output else Path(args.trace).with_name(trace_stem(args.trace) + ".html")
    summary = write_html(args.trace, out)
    verdicts = sum(1 for st in summary.steps if st.decision)
    print(f"wrote {out.resolve()} ({out.stat().st_size / 1024:.0f} KB): {plural(len(summary.steps), 'move')}, "
          f"{plural(verdicts, 'verdict')}, {plural(summary.used.llm_calls, 'LLM call')}")
    for w in summary.warnings:
        print(f"warning: {w}")
    return 0
