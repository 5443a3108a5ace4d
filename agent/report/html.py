"""`polya view TRACE -o report.html`: one self-contained HTML page (inline CSS, JS and SVG; no
network) with the lines of attack as lanes, progress over steps, and every step with its LLM
calls, program runs, verifier checks and verdict.

Two streaming passes: the summary (small) for the header, lanes and plot; then the events again,
written out step by step, so a large trace is never held in memory. A message text already shown
earlier (the system prompt, the problem: the same prefix in every call) is shown once and then
referred to, which keeps the page a fraction of the trace's size.
"""

from __future__ import annotations

import hashlib
import json
from html import escape
from importlib import resources
from pathlib import Path
from string import Template
from typing import IO

from agent.report.summary import StepSummary, TraceSummary, summarize
from agent.trace import events as ev
from agent.trace.reader import iter_events

COLORS = ["#4a7bd0", "#d9822b", "#2e9e6b", "#a64ca6", "#c94f4f", "#3a9fb0", "#8c6d1f", "#5b5fc7"]


def e(text: object) -> str:
    return escape(str(text), quote=True)


def _template() -> tuple[str, str]:
    text = resources.files("agent.report").joinpath("view.html").read_text(encoding="utf-8")
    head, tail = text.split("<!--STEPS-->")
    return head, tail


# -- header: totals, lanes, plot ------------------------------------------------------------------
def header_html(s: TraceSummary) -> str:
    u = s.used
    decisions = [st.decision for st in s.steps if st.decision]
    rows = [
        ("status", f'<span class="status status-{e(s.status)}">{e(s.status)}</span> <span class="muted">{e(s.end_reason)}</span>'),
        ("answer", f"<code>{e(s.answer)}</code> ({'verified' if s.verified else 'unverified'})" if s.answer else "-"),
        ("backend", f"<code>{e(s.backend)}</code>"), ("policy", f"<code>{e(s.policy)}</code>"),
        ("budget", e(", ".join(f"{k}={v}" for k, v in s.budget.items() if v is not None) or "none")),
        ("steps", f"{len(s.steps)} moves, {len(s.attacks)} attack(s), {len(decisions)} verdicts"),
        ("llm", f"{u.llm_calls} calls ({s.paid_calls} paid, {s.replayed_calls} replayed); {s.tool_runs} program run(s)"),
        ("tokens", f"{u.prompt_tokens} prompt ({u.cached_tokens} cached) + {u.completion_tokens} completion"),
        ("time", f"{u.wall_s:.1f} s" + (f", ${u.cost_usd:.4f}" if u.cost_usd else "")),
        ("trace", f"<code>{e(Path(s.path).name)}</code> ({s.events} events, {s.bytes / 1024:.0f} KB), run {e(s.run_id)}, seed {s.seed}"),
    ]
    parts = [f"<h1>{e(s.problem_id)}</h1>"]
    if s.problem_text:
        parts.append(f'<div class="muted">{e(s.problem_text)}</div>')
    if s.fork:
        parts.append(f'<p class="warn">Forked from <code>{e(s.fork.parent_trace)}</code> (run {e(s.fork.parent_run_id)}) '
                     f"at step {s.fork.fork_step}: earlier steps were replayed from it.</p>")
    if s.resumed_from:
        parts.append(f'<p class="warn">Resumed from <code>{e(s.resumed_from)}</code>.</p>')
    parts += [f'<p class="warn">{e(w)}</p>' for w in s.warnings]
    parts.append('<div class="card totals">' + "".join(f"<b>{k}</b><span>{v}</span>" for k, v in rows) + "</div>")
    parts.append("<h2>Lines of attack</h2>" + lanes_html(s))
    parts.append("<h2>Progress over steps</h2>" + plot_svg(s))
    return "\n".join(parts)


def _cell(st: StepSummary) -> str:
    mark = ""
    if st.checks:
        mark = " ✓" if any(c.ok for c in st.checks) else " ✗"
    verdict = ""
    if st.decision:   # the verdict timeline: decision, progress, and what decided it (a signal, or the model)
        why = ", ".join(st.overrides) if st.overrides else ("model" if st.model_decision else "")
        said = f" (model: {st.model_decision})" if st.model_decision and st.model_decision != st.decision else ""
        verdict = (f'<br><span class="d-{st.decision}">{st.decision} {st.progress:.2f}</span>'
                   + (f'<br><span class="muted">{e(why)}{e(said)}</span>' if why or said else ""))
    return (f'<td class="cell bg-{st.decision or "none"}"><a href="#step-{st.step}" title="{e(st.finding)}">'
            f"{e(st.move)}{mark}{verdict}</a></td>")


def lanes_html(s: TraceSummary) -> str:
    """A grid: one row per line of attack, one column per step."""
    head = "<tr><th>attack</th><th class=goal>goal</th>" + "".join(f"<th>{st.step}</th>" for st in s.steps) + "</tr>"
    lanes = [("-", "before any line of attack", "")] + [(a.id, a.goal, a.status) for a in s.attacks]
    body = []
    for lane, goal, status in lanes:
        cells = "".join(_cell(st) if st.attack_id == lane or (lane == "-" and st.attack_id not in {a.id for a in s.attacks})
                        else "<td></td>" for st in s.steps)
        label = f"{e(lane)}" + (f' <span class="muted">[{e(status)}]</span>' if status else "")
        body.append(f'<tr class="lane" data-attack="{e(lane)}"><th>{label}</th><th class=goal>{e(goal)}</th>{cells}</tr>')
    return f'<div style="overflow-x:auto"><table class="lanes">{head}{"".join(body)}</table></div>'


def plot_svg(s: TraceSummary, width: int = 900, height: int = 220) -> str:
    """Judged progress per step, one polyline per line of attack; verifier-accepted steps starred."""
    pad_l, pad_r, pad_t, pad_b = 40, 20, 12, 28
    last = max((st.step for st in s.steps), default=1)
    first = min((st.step for st in s.steps), default=1)
    span = max(1, last - first)

    def x(step: int) -> float:
        return round(pad_l + (step - first) / span * (width - pad_l - pad_r), 1)

    def y(p: float) -> float:
        return round(pad_t + (1 - p) * (height - pad_t - pad_b), 1)

    out = [f'<svg id="progress-plot" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="progress over steps">',
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff" stroke="#e3e6ec"/>']
    for p in (0, 0.25, 0.5, 0.75, 1.0):
        out.append(f'<line x1="{pad_l}" x2="{width - pad_r}" y1="{y(p)}" y2="{y(p)}" stroke="#eef0f4"/>'
                   f'<text x="{pad_l - 6}" y="{y(p) + 4}" text-anchor="end">{p:.2f}</text>')
    for st in s.steps:
        out.append(f'<text x="{x(st.step)}" y="{height - 8}" text-anchor="middle">{st.step}</text>')
    for i, a in enumerate(s.attacks):
        color = COLORS[i % len(COLORS)]
        pts = [(st.step, st.progress, st.decision) for st in s.steps if st.attack_id == a.id and st.progress is not None]
        if len(pts) > 1:
            out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                       f'points="{" ".join(f"{x(p[0])},{y(p[1])}" for p in pts)}"/>')
        for step, prog, decision in pts:
            out.append(f'<circle class="pt" cx="{x(step)}" cy="{y(prog)}" r="4" fill="{color}">'
                       f"<title>step {step} ({a.id}): {decision} {prog:.2f}</title></circle>")
        out.append(f'<text x="{pad_l + 8 + 70 * i}" y="{pad_t + 10}" fill="{color}" style="fill:{color}">{e(a.id)}</text>')
    for st in s.steps:
        if any(c.ok and c.verified for c in st.checks):
            out.append(f'<text x="{x(st.step)}" y="{y(1.0) + 4}" text-anchor="middle" style="fill:#1b5e20;font-size:16px">★</text>')
    out.append("</svg>")
    return "".join(out)


# -- steps: streamed ------------------------------------------------------------------------------
class _StepWriter:
    def __init__(self, out: IO[str], summary: TraceSummary):
        self.out = out
        self.steps = {st.step: st for st in summary.steps}
        self.seen: dict[str, str] = {}          # message hash -> where it was first shown
        self.full: dict[tuple[str, int], tuple[str, str]] = {}   # (purpose, index) -> last text shown whole
        self.pending: list[str] = []            # controller calls and attack events before the next move
        self.open = False

    def write(self, event: ev.EventBase) -> None:
        if isinstance(event, ev.MoveStart):
            self._close()
            self._open(event)
        elif isinstance(event, ev.LLMCall):
            self._put(self._call(event), before_move=event.purpose == "controller")
        elif isinstance(event, ev.ToolRun):
            self._put(self._tool(event))
        elif isinstance(event, ev.Verification):
            kind = ("ok" if event.ok else "rejected") if event.verified else "unverified"
            text = ("verifier: CORRECT" if event.ok else f"verifier: rejected, {event.reason}") if event.verified \
                else f"no exact verifier: {'accepted' if event.ok else event.reason}"
            self._put(f'<div class="check {kind}">{e(text)} — <code>{e(event.candidate)}</code></div>')
        elif isinstance(event, ev.Verdict):
            over = (f' <span class="muted">(model said {e(event.model_decision)}; overrides: {e(", ".join(event.overrides))})</span>'
                    if event.overrides else "")
            evidence = "".join(f"<li>{e(x)}</li>" for x in event.evidence)
            self._put(f'<div class="verdict bg-{event.decision}">judge: <b class="d-{event.decision}">{e(event.decision)}</b> '
                      f"progress {event.progress:.2f} — {e(event.reason)}{over}"
                      + (f"<ul>{evidence}</ul>" if evidence else "") + "</div>")
        elif isinstance(event, ev.MoveEnd):
            self._put(self._move_end(event))
        elif isinstance(event, (ev.AttackOpen, ev.AttackClose, ev.ControllerChoice)):
            self._put(f'<div class="event">{e(_event_line(event))}</div>', before_move=True)
        elif isinstance(event, ev.RunEnd):
            self._close()
            self.out.write(f'<div class="card">run end: <b>{e(event.status)}</b> {e(event.reason)}'
                           + (f" — answer <code>{e(event.answer)}</code>" if event.answer else "") + "</div>")

    def finish(self) -> None:
        self._close()
        if self.pending:
            self.out.write("".join(self.pending))

    def _put(self, html: str, before_move: bool = False) -> None:
        # Events between a verdict and the next move_start (controller choice, attacks) belong to the next step.
        if before_move or not self.open:
            self.pending.append(html)
        else:
            self.out.write(html)

    def _open(self, event: ev.MoveStart) -> None:
        st = self.steps.get(event.step)
        cost = ""
        if st:
            cost = (f"{st.tokens} tokens · {st.llm_calls} LLM call(s) · {st.tool_runs} run(s) · "
                    f"{st.wall_s:.1f} s (model {st.llm_s:.1f} s, programs {st.tool_s:.1f} s)")
        self.out.write(f'<section class="step" id="step-{event.step}" data-move="{e(event.move)}" '
                       f'data-attack="{e(event.attack_id)}"><h3>step {event.step}: {e(event.move)} '
                       f'<span class="muted">attack {e(event.attack_id)}</span></h3><div class="muted">{cost}</div>')
        if st and st.chosen_by:
            self.out.write(f'<div class="event">why this move: {e(st.chosen_by)}</div>')
        self.out.write("".join(self.pending))
        self.pending = []
        self.open = True

    def _close(self) -> None:
        if self.open:
            self.out.write("</section>\n")
            self.open = False

    def _move_end(self, m: ev.MoveEnd) -> str:
        items = []
        for section in ("candidates", "counterexamples", "conjectures", "examples", "facts"):
            for text in getattr(m.findings, section):
                items.append(f"<li><b>{section[:-1]}</b>: {e(text)}</li>")
        err = f'<div class="failed">move failed: {e(m.error)}</div>' if m.error else ""
        summary = f"<div>{e(m.summary)}</div>" if m.summary else ""
        return (f'<div class="findings">{summary}<div>findings: {m.new_findings} new</div>'
                + (f"<ul>{''.join(items)}</ul>" if items else "") + err + "</div>")

    def _message(self, call: ev.LLMCall, i: int, msg: dict) -> str:
        content = str(msg.get("content", ""))
        key = hashlib.blake2b(content.encode(), digest_size=12).hexdigest()
        role = e(msg.get("role", "?"))
        if key in self.seen:
            return f'<div class="same">{role}: same as {self.seen[key]} ({len(content)} characters)</div>'
        anchor = f"m-{call.call_index}-{i}"
        ref = f'<a href="#{anchor}">call #{call.call_index} message {i}</a>'
        self.seen[key] = ref
        # Prompts share most of their text with the previous call of the same purpose (problem,
        # notebook so far, task): show only what changed, and where the rest is.
        slot = (call.purpose, i)
        base = self.full.get(slot)
        if base is not None:
            base_text, base_ref = base
            head, tail = _shared(base_text, content)
            if head + tail >= len(content) // 2:
                middle = content[head:len(content) - tail]
                return (f'<details id="{anchor}"><summary>{role} ({len(content)} characters; '
                        f'{len(content) - head - tail} new)</summary>'
                        f'<div class="same">first {head} and last {tail} characters as in {base_ref}</div>'
                        f"<pre>{e(middle)}</pre></details>")
        self.full[slot] = (content, ref)
        return f'<details id="{anchor}"><summary>{role} ({len(content)} characters)</summary><pre>{e(content)}</pre></details>'

    def _call(self, call: ev.LLMCall) -> str:
        r = call.response or {}
        usage = r.get("usage", {})
        tags = '<span class="replayed">replayed</span> ' if call.replayed else ""
        status = f'<span class="failed">failed: {e(call.error.get("type"))}</span> ' if call.error else ""
        summary = (f"LLM call #{call.call_index} <b>{e(call.purpose)}</b> {tags}{status}"
                   f'<span class="muted">{usage.get("prompt_tokens", 0)}+{usage.get("completion_tokens", 0)} tokens, '
                   f'{float(r.get("latency_s", 0.0)):.2f} s {e(r.get("model", ""))}</span>')
        msgs = "".join(self._message(call, i, m) for i, m in enumerate(call.request.get("messages", [])))
        body = [f"<div>request:</div>{msgs}"]
        if call.error:
            body.append(f'<pre class="failed">{e(call.error.get("message", ""))}</pre>')
        if r:
            shown = json.dumps(r["parsed"], indent=2, ensure_ascii=False) if r.get("parsed") is not None else r.get("text", "")
            body.append(f"<div>response ({e(r.get('finish_reason') or '-')}, {e(r.get('dialect') or '-')}):</div><pre>{e(shown)}</pre>")
            if r.get("reasoning"):
                body.append(f"<details><summary>reasoning</summary><pre>{e(r['reasoning'])}</pre></details>")
        return f'<details class="llm-call"><summary>{summary}</summary>{"".join(body)}</details>'

    def _tool(self, t: ev.ToolRun) -> str:
        ok = t.exit_code == 0 and not t.timed_out
        status = "ok" if ok else (t.killed_reason or f"exit {t.exit_code}")
        out = f"<details class=\"tool-run\"><summary>program run #{t.tool_index} ({e(t.tool)}): {e(status)}, {t.duration_s:.2f} s</summary>"
        out += f"<div>code:</div><pre>{e(t.code)}</pre><div>stdout:</div><pre>{e(t.stdout)}</pre>"
        if t.stderr:
            out += f"<div>stderr:</div><pre>{e(t.stderr)}</pre>"
        return out + "</details>"


def _shared(a: str, b: str) -> tuple[int, int]:
    """Lengths of the common prefix and (not overlapping it) common suffix of a and b. Binary
    search over slice comparisons: the comparing is done in C, which matters for 10,000 calls."""
    def longest(limit: int, same) -> int:
        lo, hi = 0, limit
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if same(mid) else (lo, mid - 1)
        return lo

    head = longest(min(len(a), len(b)), lambda k: a[:k] == b[:k])
    tail = longest(min(len(a), len(b)) - head, lambda k: a[len(a) - k:] == b[len(b) - k:])
    return head, tail


def _event_line(event: ev.EventBase) -> str:
    if isinstance(event, ev.AttackOpen):
        return f"open attack {event.attack_id}: {event.goal}" + (f" ({event.reason})" if event.reason else "")
    if isinstance(event, ev.AttackClose):
        return f"close attack {event.attack_id} ({event.status}): {event.reason}"
    if isinstance(event, ev.ControllerChoice):
        return f"controller ({event.policy}): {event.move} in {event.attack_id}" + (f" — {event.reason}" if event.reason else "")
    return event.type  # type: ignore[attr-defined]


def write_html(trace: str | Path, out_path: str | Path) -> TraceSummary:
    """Render `trace` to one self-contained HTML file at `out_path`; returns the summary."""
    summary = summarize(trace)
    head, tail = _template()
    counts = {
        "title": e(f"Polya trace: {summary.problem_id} ({summary.status})"),
        "moves": len(summary.steps), "verdicts": sum(1 for st in summary.steps if st.decision),
        "checks": sum(len(st.checks) for st in summary.steps), "llm_calls": summary.used.llm_calls,
        "header": header_html(summary),
    }
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as out:
        out.write(Template(head).substitute(counts))
        writer = _StepWriter(out, summary)
        events = iter_events(trace)
        next(events)                            # run_start: already in the header
        for event in events:
            writer.write(event)
        writer.finish()
        out.write(tail)
    return summary
