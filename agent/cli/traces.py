"""`polya traces [DIR]`: list recorded runs; `polya traces --compare A B`: two runs side by side."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.table import Table
from rich.text import Text

from agent.errors import InputError
from agent.report.terminal import make_console

DEFAULT_DIR = Path("traces") / "runs"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("traces", help="list recorded runs, or compare two",
                       description="List the runs in DIR (default traces/runs), newest first; "
                                   "--compare A B puts two runs of the same problem side by side.")
    p.add_argument("dir", nargs="?", default=str(DEFAULT_DIR), help="a directory of traces (searched recursively)")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="two trace files to compare")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--stats", action="store_true",
                   help="behaviour analytics per policy: moves, who decided each choice and how often the step "
                        "it chose paid (the family's measure), attacks, verdicts, signals")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if args.compare:
        return compare(*args.compare, as_json=args.json)
    from agent.report.listing import list_runs

    root = Path(args.dir)
    if not root.is_dir():
        raise InputError("not a directory", where=str(root))
    if args.stats:
        from agent.experience.paid import paid_steps
        from agent.report.behaviour import behaviour_markdown

        print(behaviour_markdown([root], paid=paid_steps), end="")
        return 0
    rows = list_runs(root)
    if args.json:
        print(json.dumps([r.model_dump() for r in rows], indent=2))
        return 0
    table = Table(title=f"{len(rows)} run(s) in {root}")
    for col in ("trace", "problem", "backend", "policy", "status", "steps", "tokens", "time"):
        table.add_column(col, justify="right" if col in ("steps", "tokens", "time") else "left", overflow="fold")
    for r in rows:
        status = r.status + (f" {r.answer}" if r.answer else "")
        if r.fork:
            status += " (fork)"
        table.add_row(r.name, r.problem_id, r.backend, r.policy, status, str(r.steps), str(r.tokens), f"{r.wall_s:.1f}s")
    make_console().print(table)
    return 0


def compare(a: str, b: str, *, as_json: bool = False) -> int:
    from agent.report.summary import summarize

    sa, sb = summarize(a), summarize(b)
    if as_json:
        print(json.dumps({"a": sa.model_dump(mode="json"), "b": sb.model_dump(mode="json")}, indent=2))
        return 0
    console = make_console()
    if sa.problem_id != sb.problem_id:
        console.print(f"note: different problems ({sa.problem_id} vs {sb.problem_id})", style="yellow")
    head = Table(title=f"{sa.problem_id}: A vs B")
    head.add_column("")
    head.add_column("A " + Path(a).name, overflow="fold")
    head.add_column("B " + Path(b).name, overflow="fold")
    for label, fa in (("backend", lambda s: s.backend), ("policy", lambda s: s.policy),
                      ("status", lambda s: s.status), ("answer", lambda s: f"{s.answer or '-'}"
                                                       + (" (verified)" if s.verified else "")),
                      ("steps", lambda s: str(len(s.steps))), ("attacks", lambda s: str(len(s.attacks))),
                      ("llm calls", lambda s: f"{s.used.llm_calls} ({s.paid_calls} paid)"),
                      ("tokens", lambda s: str(s.used.tokens)), ("time", lambda s: f"{s.used.wall_s:.1f}s"),
                      ("fork of", lambda s: f"{Path(s.fork.parent_trace).name} @ step {s.fork.fork_step}" if s.fork else "-")):
        va, vb = fa(sa), fa(sb)
        head.add_row(label, va, Text(vb, style="bold" if va != vb else ""))
    console.print(head)
    steps = Table(title="step by step (first difference marked)")
    steps.add_column("step", justify="right")
    steps.add_column("A", overflow="fold")
    steps.add_column("B", overflow="fold")
    by_a, by_b = {s.step: s for s in sa.steps}, {s.step: s for s in sb.steps}
    marked = False
    for n in sorted(set(by_a) | set(by_b)):
        ca, cb = _cell(by_a.get(n)), _cell(by_b.get(n))
        differs = ca != cb
        label = Text(str(n) + (" ≠" if differs and not marked else ""), style="bold red" if differs and not marked else "")
        marked = marked or differs
        steps.add_row(label, ca, Text(cb, style="" if not differs else "yellow"))
    console.print(steps)
    return 0


def _cell(st) -> str:
    if st is None:
        return "-"
    text = f"{st.move} [{st.attack_id}]"
    if st.checks:
        text += " ✓" if any(c.ok for c in st.checks) else " ✗"
    if st.decision:
        text += f" → {st.decision} {st.progress:.2f}"
    return text
