"""Live terminal view of a run, fed by trace events: the current attack, move, verdict and budget."""

from __future__ import annotations

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from agent.problems.models import Budget
from agent.report.summary import verdict_text
from agent.trace import events as ev

DECISION_STYLE = {"persist": "green", "switch": "yellow", "abandon": "red", "solved": "bold green",
                  "give_up": "bold red"}


def clip(text: str, width: int) -> str:
    """At most `width` characters, cut at a word boundary and marked, never mid-word."""
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"


class LiveView:
    """On a terminal: a panel redrawn in place. Elsewhere (pipes, CI): one line per notable event."""

    def __init__(self, console: Console, budget: Budget, title: str):
        self.console, self.budget, self.title = console, budget, title
        self.attack, self.move, self.verdict, self.last_line = "-", "-", None, ""
        self.used = ev.BudgetState()
        self.live = Live(self._render(), console=console, refresh_per_second=8, transient=False) \
            if console.is_terminal else None

    def __enter__(self):
        if self.live:
            self.live.__enter__()
        return self

    def __exit__(self, *exc):
        if self.live:
            self.live.__exit__(*exc)

    def __call__(self, event: ev.EventBase) -> None:
        line = self._line(event)
        if isinstance(event, ev.LLMCall) and event.response:
            usage = event.response.get("usage", {})
            self.used.llm_calls += 1
            self.used.prompt_tokens += usage.get("prompt_tokens", 0)
            self.used.completion_tokens += usage.get("completion_tokens", 0)
        if self.live:
            if line:
                self.last_line = line
            self.live.update(self._render())
        elif line:
            self.console.print(line, highlight=False, markup=False)

    def _line(self, e: ev.EventBase) -> str:
        if isinstance(e, ev.AttackOpen):
            self.attack = f"{e.attack_id}: {e.goal}"
            return f"[step {e.step}] open attack {e.attack_id}: {e.goal}"
        if isinstance(e, ev.MoveStart):
            self.move = e.move
            self.used.steps = e.step
            return ""
        if isinstance(e, ev.MoveEnd):
            f = e.findings
            found = f.candidates or f.counterexamples or f.conjectures or f.examples or f.facts
            what = (clip(found[0], 90) if found else "nothing") + (f"  (error: {clip(e.error, 160)})" if e.error else "")
            return f"[step {e.step}] {e.move}: +{e.new_findings} new | {what}"
        if isinstance(e, ev.Verification):
            return f"[step {e.step}] verifier: {e.candidate!r} -> {'CORRECT' if e.ok else 'rejected: ' + e.reason}"
        if isinstance(e, ev.Verdict):
            self.verdict = e
            over = f" [overrides: {', '.join(e.overrides)}]" if e.overrides else ""
            return f"[step {e.step}] judge: {e.decision} (progress {e.progress:.2f}) {clip(verdict_text(e), 200)}{over}"
        return ""

    def _bar(self, used: float, total: float | None) -> ProgressBar | Text:
        if not total:
            return Text(f"{used:g} (no limit)")
        return ProgressBar(total=total, completed=min(used, total), width=30)

    def _render(self) -> Panel:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold")
        grid.add_column()
        grid.add_row("attack", self.attack)
        grid.add_row("move", self.move)
        if self.verdict:
            v = self.verdict
            grid.add_row("verdict", Text(f"{v.decision} ({v.progress:.2f}) {clip(verdict_text(v), 160)}",
                                         style=DECISION_STYLE.get(v.decision, "")))
        grid.add_row("steps", Group(self._bar(self.used.steps, self.budget.steps),
                                    Text(f"{self.used.steps}/{self.budget.steps or '-'}")))
        grid.add_row("tokens", Group(self._bar(self.used.tokens, self.budget.tokens),
                                     Text(f"{self.used.tokens}/{self.budget.tokens or '-'} in {self.used.llm_calls} calls")))
        grid.add_row("last", clip(self.last_line, 160))
        return Panel(grid, title=self.title)
