"""`polya replay TRACE` in the terminal: the run as a tree of attacks (or as lanes), each move with
its key finding, the judge's verdict, the verifier's checks, tokens and time, then a summary."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rich.console import Console
from rich.segment import Segment, Segments
from rich.table import Table
from rich.text import Text

from agent.report.summary import StepSummary, TraceSummary

DECISION_STYLE = {"persist": "green", "switch": "yellow", "abandon": "red", "solved": "bold green",
                  "give_up": "bold red"}
MAX_LANES = 8
_NEWLINE = Segment.line()
STATUS_STYLE = {"solved": "bold green", "incomplete": "bold magenta", "error": "bold red"}


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def cost_line(s: StepSummary) -> str:
    parts = [f"{s.tokens} tok" if s.tokens else "", f"{s.llm_calls} call{'s' if s.llm_calls != 1 else ''}",
             f"{s.tool_runs} run{'s' if s.tool_runs != 1 else ''}" if s.tool_runs else "", f"{s.wall_s:.1f}s"]
    if s.replayed_calls:
        parts.append(f"{s.replayed_calls} replayed")
    return " · ".join(p for p in parts if p)


def step_lines(s: StepSummary, first: str = "", rest: str = "") -> list[Text]:
    """A move, then its checks and verdict, as a few lines; `first` and `rest` are the tree's
    drawing before the first line and the others."""
    head = Text(first)
    head.append(f"step {s.step} ", style="bold")
    head.append(s.move, style="bold cyan")
    head.append(f"  +{s.new_findings} new", style="dim")
    if s.finding:
        head.append(f" | {_clip(s.finding, 90)}")
    if s.error:
        head.append(f"  error: {_clip(s.error, 80)}", style="red")
    head.append(f"   [{cost_line(s)}]", style="dim")
    lines = [head]
    if s.chosen_by:
        lines.append(Text(rest).append(f"  why: {_clip(s.chosen_by, 110)}", style="dim"))
    for c in s.checks:
        mark = ("CORRECT" if c.ok else "rejected: " + _clip(c.reason, 90)) if c.verified else \
            f"unverified ({'accepted' if c.ok else c.reason})"
        lines.append(Text(rest).append(f"  verifier: {_clip(c.candidate, 60)!r} -> {mark}",
                                       style="bold green" if c.ok and c.verified else "magenta"))
    if s.decision:
        v = Text(rest + "  judge: ")
        v.append(s.decision, style=DECISION_STYLE.get(s.decision, ""))
        v.append(f" (progress {s.progress:.2f}) {_clip(s.reason, 200)}")
        if s.overrides:
            said = f"model said {s.model_decision}; " if s.model_decision else "no model asked; "
            v.append(f" [{said}overrides: {', '.join(s.overrides)}]", style="yellow")
        lines.append(v)
    return lines


def header(s: TraceSummary) -> Text:
    t = Text()
    t.append(f"{s.problem_id}", style="bold")
    t.append(f"  backend {s.backend}  policy {s.policy}  seed {s.seed}  run {s.run_id}\n")
    if s.problem_text:
        t.append(_clip(s.problem_text, 160) + "\n", style="dim")
    if s.fork:
        t.append(f"forked from {s.fork.parent_trace} (run {s.fork.parent_run_id}) at step {s.fork.fork_step}\n",
                 style="yellow")
    if s.resumed_from:
        t.append(f"resumed from {s.resumed_from}\n", style="yellow")
    for w in s.warnings:
        t.append(f"warning: {w}\n", style="magenta")
    return t


def tree_lines(s: TraceSummary) -> Iterator[Text]:
    """The run as a tree: steps before any attack at the top level, then each line of attack with
    its steps. Drawn as plain lines (rich's Tree is too slow for runs of thousands of steps)."""
    by_attack = {a.id: a for a in s.attacks}
    groups: list[tuple[str | None, list[StepSummary]]] = []
    for st in s.steps:
        key = st.attack_id if st.attack_id in by_attack else None
        if key is not None and groups and groups[-1][0] == key:
            groups[-1][1].append(st)
        elif key is None:
            groups.append((None, [st]))
        else:
            groups.append((key, [st]))
    yield header(s)
    for gi, (key, steps) in enumerate(groups):
        last_group = gi == len(groups) - 1
        branch, stem = ("└── ", "    ") if last_group else ("├── ", "│   ")
        if key is None:
            yield from step_lines(steps[0], branch, stem)
            continue
        a = by_attack[key]
        label = Text(branch)
        label.append(a.id, style="bold")
        label.append(f" [{a.status}] ", style={"abandoned": "red", "succeeded": "bold green"}.get(a.status, "blue"))
        label.append(_clip(a.goal, 100))
        if a.closed_step is not None and a.close_reason:
            label.append(f"  (closed at step {a.closed_step}: {_clip(a.close_reason, 70)})", style="dim")
        yield label
        for si, st in enumerate(steps):
            sub_branch, sub_stem = ("└── ", "    ") if si == len(steps) - 1 else ("├── ", "│   ")
            yield from step_lines(st, stem + sub_branch, stem + sub_stem)


def print_lines(console: Console, lines: Iterable[Text], chunk: int = 500) -> None:
    """Print lines as rich would print them joined (soft wrap: the terminal folds long lines), a
    chunk at a time: rendering each line to segments is over twice as fast as printing one long Text for
    a run of thousands of steps, and the run is never held whole."""
    segments: list[Segment] = []
    for n, line in enumerate(lines, start=1):
        for part in line.split("\n", allow_blank=True) if "\n" in line.plain else (line,):
            segments += part.render(console)     # styles end at each line's end, as rich prints them
            segments.append(_NEWLINE)
        if n % chunk == 0:
            console.print(Segments(segments), end="", soft_wrap=True)
            segments = []
    console.print(Segments(segments), end="", soft_wrap=True)


def lanes_view(s: TraceSummary) -> Table:
    """One column per line of attack, one row per step: where the run went, at a glance. Beyond
    MAX_LANES attacks, the earlier ones share an "older" column (a table of hundreds of columns
    is unreadable and slow to draw)."""
    lanes = [a.id for a in s.attacks][-MAX_LANES:]
    table = Table(title=f"{s.problem_id} — {s.policy} on {s.backend}", show_lines=False)
    table.add_column("step", justify="right")
    table.add_column("-" if len(s.attacks) <= MAX_LANES else "- / older", overflow="fold")
    for lane in lanes:
        table.add_column(lane, overflow="fold")
    for st in s.steps:
        cell = Text(st.move, style="bold cyan")
        if st.checks:
            ok = any(c.ok for c in st.checks)
            cell.append(" ✓" if ok else " ✗", style="green" if ok else "red")
        if st.decision:
            cell.append(f"\n{st.decision} {st.progress:.2f}", style=DECISION_STYLE.get(st.decision, ""))
        row = [Text("") for _ in range(len(lanes) + 1)]
        if st.attack_id not in lanes and st.attack_id != "-":
            cell = Text(f"{st.attack_id} ") + cell
        row[lanes.index(st.attack_id) + 1 if st.attack_id in lanes else 0] = cell
        table.add_row(str(st.step), *row)
    return table


def totals(s: TraceSummary) -> Table:
    u = s.used
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    status = Text(s.status, style=STATUS_STYLE.get(s.status, "yellow"))
    if s.end_reason:
        status.append(f"  ({_clip(s.end_reason, 100)})", style="")
    grid.add_row("status", status)
    if s.answer:
        grid.add_row("answer", f"{s.answer}  [{'verified' if s.verified else 'unverified'}]")
    decisions = [st.decision for st in s.steps if st.decision]
    counts = ", ".join(f"{d} {decisions.count(d)}" for d in dict.fromkeys(decisions))
    grid.add_row("steps", f"{len(s.steps)} moves, {len(s.attacks)} attack(s), {len(decisions)} verdict{'' if len(decisions) == 1 else 's'} ({counts or '-'})")
    grid.add_row("checks", f"{sum(len(st.checks) for st in s.steps)} verifier check(s), "
                           f"{sum(c.ok for st in s.steps for c in st.checks)} accepted")
    grid.add_row("llm", f"{u.llm_calls} calls ({s.paid_calls} paid, {s.replayed_calls} replayed), "
                        f"{s.tool_runs} tool run(s)")
    grid.add_row("tokens", f"{u.prompt_tokens} prompt ({u.cached_tokens} cached) + {u.completion_tokens} completion"
                           f"; {s.paid_tokens} paid")
    grid.add_row("time", f"{u.wall_s:.1f}s" + (f"   cost ${u.cost_usd:.4f}" if u.cost_usd else ""))
    grid.add_row("trace", f"{s.path} ({s.events} events, {s.bytes / 1024:.0f} KB)")
    return grid


def render(s: TraceSummary, console: Console, layout: str = "tree") -> None:
    if layout == "lanes":
        console.print(header(s))
        console.print(lanes_view(s))
    else:
        print_lines(console, tree_lines(s))
    console.print(totals(s))


def make_console() -> Console:
    """The terminal's width on a terminal; a wide fixed width in pipes and files (rich's 80 folds tables)."""
    import sys

    return Console() if sys.stdout.isatty() else Console(width=160)
