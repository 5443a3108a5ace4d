"""One streaming pass over a trace -> a small typed summary (steps, attacks, totals).

The summary never holds prompts or responses, so it stays small however large the trace is; the
terminal view, `--json`, `polya traces` and the HTML page's header are all drawn from it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from agent.errors import InputError
from agent.trace import events as ev
from agent.trace.blocks import BlockReader
from agent.trace.reader import ReadReport, _parse, iter_lines


class Check(BaseModel):
    """One verifier verdict on a candidate answer."""

    candidate: str
    ok: bool
    verified: bool
    reason: str = ""


def verdict_text(verdict: ev.Verdict) -> str:
    """A verdict's reason for people: an escalation ("escalate to the moves: disagrees") gets the
    check's own words from its evidence (what the program printed, against which answer)."""
    shown = verdict.evidence[0] if verdict.evidence else ""
    if "escalate" in verdict.overrides and shown not in ("", "-") and shown not in verdict.reason:
        return f"{verdict.reason} ({shown})"
    return verdict.reason


class StepSummary(BaseModel):
    step: int
    move: str
    attack_id: str
    chosen_by: str = ""                 # the controller's reason for this move ("" for persist / understand)
    finding: str = ""                   # the key finding, one line
    new_findings: int = 0
    error: str | None = None
    checks: list[Check] = Field(default_factory=list)
    decision: ev.Decision | None = None
    progress: float | None = None
    reason: str = ""
    model_decision: ev.Decision | None = None
    overrides: list[str] = Field(default_factory=list)
    llm_calls: int = 0
    replayed_calls: int = 0
    failed_calls: int = 0
    tool_runs: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    llm_s: float = 0.0                  # sum of model latencies
    tool_s: float = 0.0                 # sum of sandbox durations
    wall_s: float = 0.0                 # from the end of the previous step to the end of this one

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class AttackSummary(BaseModel):
    id: str
    goal: str
    status: str = "open"
    opened_step: int = 0
    closed_step: int | None = None
    close_reason: str = ""
    steps: list[int] = Field(default_factory=list)


class TraceSummary(BaseModel):
    path: str
    bytes: int = 0
    run_id: str
    problem_id: str
    problem_kind: str = ""
    problem_text: str = ""
    backend: str
    policy: str
    budget: dict[str, Any] = Field(default_factory=dict)
    seed: int = 0
    started: float = 0.0
    fork: ev.ForkInfo | None = None
    resumed_from: str | None = None
    status: str = "incomplete"          # the run_end status, or "incomplete" for a killed run
    answer: str | None = None
    verified: bool = False
    end_reason: str = ""
    used: ev.BudgetState = Field(default_factory=ev.BudgetState)
    paid_calls: int = 0                 # LLM calls actually made (not served from a parent trace)
    replayed_calls: int = 0
    paid_tokens: int = 0
    tool_runs: int = 0
    events: int = 0
    event_counts: dict[str, int] = Field(default_factory=dict)
    steps: list[StepSummary] = Field(default_factory=list)
    attacks: list[AttackSummary] = Field(default_factory=list)
    torn_last_line: bool = False
    warnings: list[str] = Field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.status != "incomplete"

    def progress_points(self) -> list[tuple[int, str, float]]:
        """(step, attack, progress) for every judged step, in order."""
        return [(s.step, s.attack_id, s.progress) for s in self.steps if s.progress is not None]


def key_finding(findings: ev.Findings) -> str:
    """The most telling thing a move found: a candidate beats a counterexample beats a conjecture ..."""
    sections = _sections(findings)
    total = sum(map(len, sections))
    for section in sections:
        if section:
            return " ".join(section[0].split())[:160] + (f" (+{total - 1} more)" if total > 1 else "")
    return ""


def _sections(f: ev.Findings) -> tuple[list[str], ...]:
    return f.candidates, f.counterexamples, f.conjectures, f.examples, f.facts


class _Builder:
    def __init__(self, start: ev.RunStart, path: Path):
        problem = start.problem
        self.s = TraceSummary(
            path=str(path), bytes=path.stat().st_size, run_id=start.run_id,
            problem_id=str(problem.get("id", "?")), problem_kind=str(problem.get("kind", "")),
            problem_text=str(problem.get("statement") or problem.get("title") or ""),
            backend=start.backend, policy=start.policy, budget=start.budget, seed=start.seed, started=start.ts,
            fork=start.fork, resumed_from=start.resumed_from)
        self.by_step: dict[int, StepSummary] = {}
        self.attacks: dict[str, AttackSummary] = {}
        self.pending_reason = ""           # controller reason waiting for its move_start
        self.last_end_ts = start.ts
        self.counts: Counter[str] = Counter()
        self.computed = ev.BudgetState()
        self.step_start: dict[int, float] = {}
        self.orphans: list[tuple[int, CallFacts]] = []   # controller calls made before their move starts

    def step_for(self, step: int) -> StepSummary | None:
        return self.by_step.get(step)

    def add(self, e: ev.EventBase | CallFacts) -> None:
        self.counts[e.type] += 1  # type: ignore[union-attr]
        if isinstance(e, ev.MoveStart):
            st = StepSummary(step=e.step, move=e.move, attack_id=e.attack_id, chosen_by=self.pending_reason)
            self.pending_reason = ""
            self.by_step[e.step] = st
            self.step_start[e.step] = self.last_end_ts
            self.s.steps.append(st)
            self.computed.steps = max(self.computed.steps, e.step)
            if self.orphans:      # the controller's calls for this move: counted now, so a step is complete when it ends
                for _, call in (o for o in self.orphans if o[0] == e.step):
                    self._count_call(st, call)
                self.orphans = [o for o in self.orphans if o[0] != e.step]
            if e.attack_id in self.attacks:
                self.attacks[e.attack_id].steps.append(e.step)
        elif isinstance(e, CallFacts):
            self._llm(e)
        elif isinstance(e, ev.LLMCall):       # read whole (for the HTML page): take the same facts from it
            try:
                self._llm(_CALL_ADAPTER.validate_python(e, from_attributes=True))
            except ValidationError:
                pass                          # as on the fast path: a call whose facts do not read is not counted
        elif isinstance(e, ev.ToolRun):
            st = self.step_for(e.step)
            self.s.tool_runs += 1
            if st:
                st.tool_runs += 1
                st.tool_s += e.duration_s
        elif isinstance(e, ev.MoveEnd):
            st = self.step_for(e.step)
            if st:
                st.finding, st.new_findings, st.error = key_finding(e.findings), e.new_findings, e.error
                self._end(st, e.ts)
        elif isinstance(e, ev.Verification):
            st = self.step_for(e.step)
            if st:
                st.checks.append(Check(candidate=e.candidate, ok=e.ok, verified=e.verified, reason=e.reason))
                self._end(st, e.ts)
        elif isinstance(e, ev.Verdict):
            st = self.step_for(e.step)
            if st:
                st.decision, st.progress, st.reason = e.decision, e.progress, verdict_text(e)
                st.model_decision, st.overrides = e.model_decision, list(e.overrides)
                self._end(st, e.ts)
        elif isinstance(e, ev.ControllerChoice):
            self.pending_reason = e.reason
        elif isinstance(e, ev.AttackOpen):
            self.attacks[e.attack_id] = AttackSummary(id=e.attack_id, goal=e.goal, opened_step=e.step)
        elif isinstance(e, ev.AttackClose):
            a = self.attacks.get(e.attack_id)
            if a:
                a.status, a.closed_step, a.close_reason = e.status, e.step, e.reason
        elif isinstance(e, ev.RunEnd):
            self.s.status, self.s.answer, self.s.verified = e.status, e.answer, e.verified
            self.s.end_reason, self.s.used = e.reason or (e.error or ""), e.used

    def _llm(self, e: CallFacts) -> None:
        # The controller's call is made at the end of step k and decides step k+1: count it there.
        target = e.step + 1 if e.purpose == "controller" else e.step
        usage = e.response.usage if e.response else None
        pt, ct = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        self.computed.llm_calls += 1
        self.computed.prompt_tokens += pt
        self.computed.completion_tokens += ct
        if e.replayed:
            self.s.replayed_calls += 1
        else:
            self.s.paid_calls += 1
            self.s.paid_tokens += pt + ct
        st = self.step_for(target)
        if st is None and target != e.step:
            self.orphans.append((target, e))      # the next move has not started yet
            return
        self._count_call(st, e)

    def _count_call(self, st: StepSummary | None, e: CallFacts) -> None:
        if st is None:
            return
        usage = e.response.usage if e.response else None
        st.llm_calls += 1
        st.replayed_calls += int(e.replayed)
        st.failed_calls += int(e.error is not None)
        st.prompt_tokens += usage.prompt_tokens if usage else 0
        st.completion_tokens += usage.completion_tokens if usage else 0
        st.llm_s += e.response.latency_s if e.response else 0.0

    def _end(self, st: StepSummary, ts: float) -> None:
        # A step runs from the end of the previous one (so the controller's choice counts) to its
        # last move_end / verification / verdict event.
        st.wall_s = round(max(0.0, ts - self.step_start[st.step]), 3)
        self.last_end_ts = ts

    def finish(self, report: ReadReport) -> TraceSummary:
        for target, e in self.orphans:
            self._count_call(self.step_for(target), e)
        s = self.s
        s.attacks = list(self.attacks.values())
        s.event_counts = dict(self.counts)
        s.events = sum(self.counts.values()) + 1
        s.torn_last_line, s.warnings = report.torn_last_line, list(report.warnings)
        if not s.complete:
            s.used = self.computed
        return s


class _Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class _Response(BaseModel):
    usage: _Usage = Field(default_factory=_Usage)
    latency_s: float = 0.0


class CallFacts(BaseModel):
    """What a summary needs of an llm_call: its prompt and reply (most of a trace's bytes) are
    skipped without being turned into Python objects."""

    schema_version: int
    type: str
    step: int
    purpose: str
    replayed: bool = False
    response: _Response | None = None
    error: dict[str, Any] | None = None     # type, message and, for a failed reply, its usage


_CALL_ADAPTER = TypeAdapter(CallFacts)
_CALL_MARK = b'"type":"llm_call"'


def _events(path: Path, report: ReadReport, whole_calls: bool = False) -> Iterator[ev.EventBase | CallFacts]:
    """Like `iter_events` (streaming, torn last line reported, schema version checked) but reads
    llm_call lines as CallFacts, which is several times faster on large traces. The prompts of the
    lines read that way are never expanded, so a line read in full may refer to a block defined on
    one of them: the block reader is lenient (the summary does not use prompt text).
    whole_calls: llm_call lines are read whole instead, their prompts as stored (`content_parts`)."""
    blocks = BlockReader(lenient=True)
    for lineno, raw in iter_lines(path, report, binary=True):
        if not raw.strip():
            continue
        try:
            if not whole_calls and _CALL_MARK in raw[:200]:
                try:
                    facts = _CALL_ADAPTER.validate_json(raw)
                    if facts.schema_version in ev.READABLE_VERSIONS:
                        yield facts
                        continue
                except ValidationError:
                    pass          # let the full reader say what is wrong
            yield _parse(path, lineno, raw.decode("utf-8", errors="replace"), blocks, expand=not whole_calls)
        except InputError:
            if raw.endswith(b"\n"):
                raise
            report.torn_last_line = True
            report.warnings.append(f"{path}:{lineno}: torn last line ignored (was the run killed?)")


def summarize(path: str | Path,
              on_event: Callable[[ev.EventBase, dict[int, StepSummary]], None] | None = None) -> TraceSummary:
    """Read a trace once, streaming, and summarise it. on_event, if given, sees every event after
    run_start, llm_calls whole (prompts as stored), with the steps summarised so far: the HTML page
    is written in the same pass."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such trace file", where=str(path))
    report = ReadReport()
    events = _events(path, report, whole_calls=on_event is not None)
    first = next(events, None)
    if not isinstance(first, ev.RunStart):
        raise InputError("a trace must start with a run_start event", where=str(path))
    b = _Builder(first, path)
    for e in events:
        b.add(e)
        if on_event is not None:
            on_event(e, b.by_step)  # type: ignore[arg-type]
    return b.finish(report)
