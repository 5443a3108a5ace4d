"""`polya view TRACE -o report.html`: one self-contained HTML page (inline CSS, JS and SVG; no
network) with the lines of attack as lanes, progress over steps, and every step with its LLM
calls, program runs, verifier checks and verdict.

One streaming pass: the summary's reader hands every event to the page's writer, which writes the
steps to a temporary file; then the page is the header (lanes and plot, drawn from the summary),
those steps and the script. A large trace is never held in memory. Prompt text is shown the way
the trace stores it: each line once, later a reference the page's script fills in when its message
is opened (`_Prompts`), which keeps the page a fraction of the trace's size.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from html import escape
from importlib import resources
from pathlib import Path
from string import Template
from typing import IO, Any

from agent.errors import InputError
from agent.report.summary import StepSummary, TraceSummary, summarize
from agent.trace import events as ev
from agent.trace.blocks import BlockWriter

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
        ("steps", f"{len(s.steps)} moves, {len(s.attacks)} attack(s), {len(decisions)} verdict{'' if len(decisions) == 1 else 's'}"),
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
    """A grid: one row per line of attack, one column per step. A row's empty stretch is one cell
    (colspan): 450 attacks over 1,400 steps were 640,000 empty cells, 5.7 MB of the page."""
    head = "<tr><th>attack</th><th class=goal>goal</th>" + "".join(f"<th>{st.step}</th>" for st in s.steps) + "</tr>"
    lanes = [("-", "before any line of attack", "")] + [(a.id, a.goal, a.status) for a in s.attacks]
    ids = {a.id for a in s.attacks}
    columns: dict[str, list[int]] = {}
    for i, st in enumerate(s.steps):
        columns.setdefault(st.attack_id if st.attack_id in ids else "-", []).append(i)
    body = []
    for lane, goal, status in lanes:
        cells, last = [], -1
        for i in columns.get(lane, []):
            cells += [_gap(i - last - 1), _cell(s.steps[i])]
            last = i
        cells.append(_gap(len(s.steps) - last - 1))
        label = f"{e(lane)}" + (f' <span class="muted">[{e(status)}]</span>' if status else "")
        body.append(f'<tr class="lane" data-attack="{e(lane)}"><th>{label}</th><th class=goal>{e(goal)}</th>{"".join(cells)}</tr>')
    return f'<div style="overflow-x:auto"><table class="lanes">{head}{"".join(body)}</table></div>'


def _gap(n: int) -> str:
    return "" if n <= 0 else "<td></td>" if n == 1 else f'<td colspan="{n}"></td>'


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
    judged: dict[str, list[tuple[int, float, str | None]]] = {}     # attack -> its judged steps (one pass, not one per attack)
    for st in s.steps:
        if st.progress is not None:
            judged.setdefault(st.attack_id, []).append((st.step, st.progress, st.decision))
    for i, a in enumerate(s.attacks):
        color = COLORS[i % len(COLORS)]
        pts = judged.get(a.id, [])
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


# -- steps: written in the summary's pass ---------------------------------------------------------
class _StepWriter:
    """The steps' HTML, written while the summary reads the trace (one pass). A step is held until
    it ends, since the cost line under its title needs all its calls: memory is one step's HTML."""

    def __init__(self, out: IO[str], trace: str):
        self.out = out
        self.trace = trace
        self.prompts = _Prompts()
        self.step: StepSummary | None = None    # the open step's summary, filled in as its events are read
        self.head = ""
        self.body: list[str] = []
        self.pending: list[str] = []            # controller calls and attack events before the next move
        self.open = False

    def write(self, event: ev.EventBase, steps: dict[int, StepSummary]) -> None:
        if isinstance(event, ev.MoveStart):
            self._close()
            self._open(event, steps.get(event.step))
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
            said = f"model said {e(event.model_decision)}; " if event.model_decision else "no model asked; "
            over = (f' <span class="muted">({said}overrides: {e(", ".join(event.overrides))})</span>'
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
            self.pending = []

    def _put(self, html: str, before_move: bool = False) -> None:
        # Events between a verdict and the next move_start (controller choice, attacks) belong to the next step.
        if before_move or not self.open:
            self.pending.append(html)
        else:
            self.body.append(html)

    def _open(self, event: ev.MoveStart, st: StepSummary | None) -> None:
        self.head = (f'<section class="step" id="step-{event.step}" data-move="{e(event.move)}" '
                     f'data-attack="{e(event.attack_id)}"><h3>step {event.step}: {e(event.move)} '
                     f'<span class="muted">attack {e(event.attack_id)}</span></h3>')
        self.step = st
        self.body = [f'<div class="event">why this move: {e(st.chosen_by)}</div>'] if st and st.chosen_by else []
        self.body += self.pending
        self.pending = []
        self.open = True

    def _close(self) -> None:
        if not self.open:
            return
        st, cost = self.step, ""
        if st:
            cost = (f"{st.tokens} tokens · {st.llm_calls} LLM call(s) · {st.tool_runs} run(s) · "
                    f"{st.wall_s:.1f} s (model {st.llm_s:.1f} s, programs {st.tool_s:.1f} s)")
        self.out.write(f'{self.head}<div class="muted">{cost}</div>{"".join(self.body)}</section>\n')
        self.body = []
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

    def _call(self, call: ev.LLMCall) -> str:
        r = call.response or {}
        usage = r.get("usage") if isinstance(r.get("usage"), dict) else {}
        tags = '<span class="replayed">replayed</span> ' if call.replayed else ""
        status = f'<span class="failed">failed: {e(call.error.get("type"))}</span> ' if call.error else ""
        summary = (f"LLM call #{call.call_index} <b>{e(call.purpose)}</b> {tags}{status}"
                   f'<span class="muted">{e(usage.get("prompt_tokens", 0))}+{e(usage.get("completion_tokens", 0))} tokens, '
                   f'{_float(r.get("latency_s")):.2f} s {e(r.get("model", ""))}</span>')
        messages = call.request.get("messages")
        where = f"{self.trace}: llm_call #{call.call_index}"
        msgs = "".join(self.prompts.message(m, (call.purpose, i), f"m-{call.call_index}-{i}", f"call #{call.call_index} message {i}", where)
                       for i, m in enumerate(messages if isinstance(messages, list) else []))
        body = [f"<div>request:</div>{msgs}"]
        if call.error:
            body.append(f'<pre class="failed">{e(call.error.get("message", ""))}</pre>')
        if r:
            shown = json.dumps(r["parsed"], indent=2, ensure_ascii=False) if r.get("parsed") is not None else r.get("text", "")
            body.append(f"<div>response ({e(r.get('finish_reason') or '-')}, {e(r.get('dialect') or '-')}):</div>"
                        f"<pre>{_text(str(shown))}</pre>")
            if r.get("reasoning"):
                body.append(f"<details><summary>reasoning</summary><pre>{_text(str(r['reasoning']))}</pre></details>")
        return f'<details class="llm-call"><summary>{summary}</summary>{"".join(body)}</details>'

    def _tool(self, t: ev.ToolRun) -> str:
        ok = t.exit_code == 0 and not t.timed_out
        status = "ok" if ok else (t.killed_reason or f"exit {t.exit_code}")
        out = f"<details class=\"tool-run\"><summary>program run #{t.tool_index} ({e(t.tool)}): {e(status)}, {t.duration_s:.2f} s</summary>"
        out += f"<div>code:</div><pre>{_text(t.code)}</pre><div>stdout:</div><pre>{_text(t.stdout)}</pre>"
        if t.stderr:
            out += f"<div>stderr:</div><pre>{_text(t.stderr)}</pre>"
        return out + "</details>"


# -- prompts: each line once -----------------------------------------------------------------------
MAX_DEPTH = 32    # a reference to a reference to ...: bounded, so the page's script never recurses deeply


class _Prompts:
    """Prompt text on the page the way the trace stores it (agent/trace/blocks.py): a line is shown
    where it first appears (`<span id="bN">`); a run of lines seen before is a reference (`<i
    class="r" id="bM" data-r="N ...">`) that the page's script fills in when its message is opened;
    a whole message seen before is a link to it. A message's runs mostly repeat the runs of the
    previous call of the same purpose and message, plus a line or two (the notebook grows), so a
    run that does starts with a reference to that earlier run: a trace's ~620,000 line references
    become ~40,000 numbers on the page. (Written out whole, they made the 10,800-event benchmark
    trace a 40 MB page.) Memory: a number and a length per distinct line, as the trace reader
    keeps, and the runs of one message per purpose."""

    def __init__(self) -> None:
        self.num: dict[str, int] = {}       # block ID -> its number on the page
        self.length: dict[int, int] = {}    # number of a line or message -> characters
        self.link: dict[int, str] = {}      # number of a whole message -> a link to where it is shown
        self.count = 0                      # numbers given so far (lines, messages, runs)
        self.last: dict[tuple[str, int], dict[str, tuple[list[str], int, int, int]]] = {}
        # (purpose, message index) -> first block ID -> (block IDs, number, characters, depth) of the
        # runs in the last such message
        self.split = BlockWriter()          # a message stored whole (schema 1) is split as the writer would

    def message(self, msg: Any, slot: tuple[str, int], anchor: str, label: str, where: str) -> str:
        if not isinstance(msg, dict):
            msg = {"content": msg}
        role = e(msg.get("role", "?"))
        if "content_parts" not in msg:
            content = msg.get("content", "")
            msg = self.split.compress_request({"messages": [{"content": str(content)}]})["messages"][0]
            if "content_parts" not in msg:      # shorter than a block
                return (f'<details id="{anchor}"><summary>{role} ({len(msg["content"])} characters)</summary>'
                        f'<pre>{_text(msg["content"])}</pre></details>')
        parts, whole = msg["content_parts"], msg.get("content_id")
        if isinstance(parts, list) and len(parts) == 1 and isinstance(parts[0], dict):
            refs = parts[0].get("ref")
            n = self.num.get(refs[0]) if isinstance(refs, list) and len(refs) == 1 and type(refs[0]) is str else None
            if n in self.link:
                return f'<div class="same">{role}: same as {self.link[n]} ({self.length[n]} characters)</div>'
        html, total, new = self._parts(parts, slot, where)
        pre = "<pre>"
        if type(whole) is str and whole not in self.num:
            n = self._add(whole, total)
            self.link[n] = f'<a href="#{anchor}">{label}</a>'
            pre = f'<pre id="b{n}">'
        sizes = f"{total} characters" + (f"; {new} new" if new < total else "")
        return f'<details id="{anchor}"><summary>{role} ({sizes})</summary>{pre}{html}</pre></details>'

    def _add(self, bid: str, length: int) -> int:
        n = self.num[bid] = self.count
        self.length[n] = length
        self.count += 1
        return n

    def _parts(self, parts: Any, slot: tuple[str, int], where: str) -> tuple[str, int, int]:
        """(HTML, characters, characters not shown before) of a message's content_parts."""
        if not isinstance(parts, list):
            raise InputError("content_parts must be a list", where=where)
        html: list[str] = []
        total = new = 0
        before, runs = self.last.get(slot, {}), {}
        for part in parts:
            if type(part) is str:
                html.append(_text(part))
                total += len(part)
                new += len(part)
                continue
            refs = part.get("ref") if isinstance(part, dict) else None
            if isinstance(refs, list):
                if not refs:
                    continue
                ref, run = self._run(refs, before, where)
                html.append(ref)
                runs[refs[0]] = run
                total += run[2]
            elif isinstance(part, dict) and type(part.get("def")) is str and isinstance(part.get("text"), str):
                text = part["text"]
                total += len(text)
                n = self.num.get(part["def"])
                if n is not None:            # defined again (a resumed run's trace): still shown once
                    html.append(f'<i class="r" data-r="{n}">[{len(text)} characters shown earlier]</i>')
                else:
                    html.append(f'<span id="b{self._add(part["def"], len(text))}">{_text(text)}</span>')
                    new += len(text)
            else:
                raise InputError(f"a content part must be text, a def or a ref, got {part!r:.80}", where=where)
        self.last[slot] = runs
        return "".join(html), total, new

    def _run(self, refs: list, before: dict, where: str) -> tuple[str, tuple[list[str], int, int, int]]:
        """A run of lines shown earlier: its reference, and (IDs, number, characters, depth)."""
        prev = before.get(refs[0]) if type(refs[0]) is str else None
        head, chars, depth, rest = [], 0, 0, refs
        if prev and prev[3] < MAX_DEPTH and refs[:len(prev[0])] == prev[0]:
            head, chars, depth, rest = [prev[1]], prev[2], prev[3] + 1, refs[len(prev[0]):]
        try:
            nums = head + [self.num[bid] for bid in rest]
        except (KeyError, TypeError):
            missing = next(b for b in rest if type(b) is not str or b not in self.num)
            raise InputError(f"prompt block {missing!r} is used before it is defined "
                             "(a trace cut at the front, or lines out of order)", where=where) from None
        chars += sum([self.length[n] for n in nums[len(head):]])
        n, self.count = self.count, self.count + 1
        ref = f'<i class="r" id="b{n}" data-r="{" ".join(map(str, nums))}">[{chars} characters shown earlier]</i>'
        return ref, (refs, n, chars, depth)


# Fills in the references above when a message is opened (toggle events do not bubble: captured).
# It is the page's own script, after the steps: view.html's template holds the rest.
SCRIPT = """<style>i.r { color: var(--mute); } pre .seen { color: #4a5263; }</style>
<script>
(function () {
  "use strict";
  function text(n) {
    var el = document.getElementById("b" + n);
    if (!el) { return ""; }
    if (el.matches("i.r")) { return fill(el).textContent; }
    el.querySelectorAll("i.r").forEach(fill);
    return el.textContent;
  }
  function fill(ref) {
    if (!ref.isConnected) { return ref; }
    var seen = document.createElement("span");
    seen.className = "seen";
    if (ref.id) { seen.id = ref.id; }
    seen.textContent = ref.getAttribute("data-r").split(" ").map(function (n) { return text(Number(n)); }).join("");
    ref.replaceWith(seen);
    return seen;
  }
  document.addEventListener("toggle", function (ev) {
    if (ev.target.open) { ev.target.querySelectorAll("i.r").forEach(fill); }
  }, true);
})();
</script>
"""


def _text(s: str) -> str:
    """Escape text for an element's content (quotes need no escaping there)."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _float(x: object) -> float:
    return float(x) if isinstance(x, (int, float)) else 0.0


def _event_line(event: ev.EventBase) -> str:
    if isinstance(event, ev.AttackOpen):
        return f"open attack {event.attack_id}: {event.goal}" + (f" ({event.reason})" if event.reason else "")
    if isinstance(event, ev.AttackClose):
        return f"close attack {event.attack_id} ({event.status}): {event.reason}"
    if isinstance(event, ev.ControllerChoice):
        return f"controller ({event.policy}): {event.move} in {event.attack_id}" + (f" — {event.reason}" if event.reason else "")
    return event.type  # type: ignore[attr-defined]


def write_html(trace: str | Path, out_path: str | Path) -> TraceSummary:
    """Render `trace` to one self-contained HTML file at `out_path`; returns the summary.

    One pass: the steps go to a temporary file as the summary is read, then the page is the header
    (drawn from the summary), those steps, and the script."""
    out_path = Path(out_path)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as steps:
        writer = _StepWriter(steps, str(trace))
        summary = summarize(trace, writer.write)
        writer.finish()
        head, tail = _template()
        counts = {
            "title": e(f"Polya trace: {summary.problem_id} ({summary.status})"),
            "moves": len(summary.steps), "verdicts": sum(1 for st in summary.steps if st.decision),
            "checks": sum(len(st.checks) for st in summary.steps), "llm_calls": summary.used.llm_calls,
            "header": header_html(summary),
        }
        steps.seek(0)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        with open(out_path, "w", encoding="utf-8") as out:
            out.write(Template(head).substitute(counts))
            shutil.copyfileobj(steps, out, 1 << 20)
            out.write(SCRIPT)
            out.write(tail)
    return summary
