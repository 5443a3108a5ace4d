"""Rerun, fork and resume a recorded run.

- rerun: same problem, seed, policy, budget and settings; every LLM response and tool result is
  served from the trace; zero model calls; the decisions must come out identical.
- fork: the same up to a step, then live with another backend, policy or budget.
- resume: a killed run continues live after its last recorded call, paying for nothing twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from agent.backends.replay import ReplayBackend, ReplayTools
from agent.errors import InputError, ReplayDivergence
from agent.loop.context import RunSettings
from agent.loop.policies import Policy, make_policy
from agent.loop.run import LOOP_VERSION, RunResult, asolve
from agent.problems.models import Budget
from agent.trace.events import ForkInfo, LLMCall, MoveStart, RunEnd, RunStart, ToolRun, Verdict, Verification
from agent.trace.reader import ReadReport, iter_events
from strategies.family import family_named


@dataclass
class RecordedRun:
    path: Path
    start: RunStart
    calls: list[LLMCall] = field(default_factory=list)
    tools: list[ToolRun] = field(default_factory=list)
    decisions: list[tuple[int, str, str]] = field(default_factory=list)   # (step, move, decision)
    end: RunEnd | None = None
    torn: bool = False
    last_step: int = 0                    # the highest step that started
    warnings: list[str] = field(default_factory=list)
    checkpoints: list[tuple[int, str, str]] = field(default_factory=list)   # (step, what, detail), in order


def checkpoint(ev: Any) -> tuple[int, str, str] | None:
    """The events a rerun must reproduce exactly, reduced to what they decide."""
    if isinstance(ev, MoveStart):
        return ev.step, "move", f"{ev.move} in attack {ev.attack_id}"
    if isinstance(ev, Verification):
        return ev.step, "verifier", f"{ev.candidate!r} {'accepted' if ev.ok else 'rejected'}"
    if isinstance(ev, Verdict):
        return ev.step, "verdict", f"{ev.move} -> {ev.decision} (progress {ev.progress:.2f})"
    return None


class _Watch:
    """on_event hook for an exact rerun: raises at the first move, check or verdict that differs
    from the recording, so the error names the step where the run went elsewhere."""

    def __init__(self, expected: list[tuple[int, str, str]], chained: Any = None):
        self.expected, self.index, self.chained = expected, 0, chained

    def __call__(self, ev: Any) -> None:
        if self.chained is not None:
            self.chained(ev)
        got = checkpoint(ev)
        if got is None:
            return
        want = self.expected[self.index] if self.index < len(self.expected) else None
        self.index += 1
        if got != want:
            where = f"step {(want or got)[0]}"
            was = f"{want[1]} {want[2]}" if want else "the run to end"
            raise ReplayDivergence(f"rerun diverges at {where}: recorded {was}, now {got[1]} {got[2]}")


@dataclass
class ForkReport:
    """Filled by `afork`: what was served from the parent trace and what was paid for."""

    replayed_calls: int = 0
    live_calls: int = 0
    replayed_tools: int = 0
    mismatches: list[str] = field(default_factory=list)   # prefix requests that differ from the recorded ones


def load_run(path: str | Path) -> RecordedRun:
    report = ReadReport()
    events = iter_events(path, report)
    first = next(events, None)
    if not isinstance(first, RunStart):
        raise InputError("a trace must start with a run_start event", where=str(path))
    run = RecordedRun(Path(path), first)
    for ev in events:
        if isinstance(ev, LLMCall):
            # Requests are most of a trace; replay compares fingerprints, and reads a request back
            # from the file only to explain a difference (ReplayBackend._recorded).
            ev.request = {}
            run.calls.append(ev)
        elif isinstance(ev, ToolRun):
            run.tools.append(ev)
        elif isinstance(ev, Verdict):
            run.decisions.append((ev.step, ev.move, ev.decision))
        elif isinstance(ev, RunEnd):
            run.end = ev
        elif isinstance(ev, MoveStart):
            run.last_step = max(run.last_step, ev.step)
        point = checkpoint(ev)
        if point is not None:
            run.checkpoints.append(point)
    run.torn = report.torn_last_line
    run.warnings = list(report.warnings)
    return run


class _ForkPolicy(Policy):
    """The recorded policy decides before the fork step, the new one after; both observe all."""

    def __init__(self, before: Policy, after: Policy, fork_step: int):
        self.before, self.after, self.fork_step = before, after, fork_step
        self.name, self.version = after.name, after.version

    def _now(self, inp) -> Policy:
        return self.before if inp.state.step + 1 < self.fork_step else self.after

    async def choose(self, inp, *, must_open, avoid):
        return await self._now(inp).choose(inp, must_open=must_open, avoid=avoid)

    async def choose_step(self, inp, choices):
        return await self._now(inp).choose_step(inp, choices)

    def at_step(self, step: int) -> Policy:
        return self.before if step < self.fork_step else self.after

    @property
    def hard_rules(self) -> bool:
        return self.after.hard_rules

    @property
    def judge_model(self) -> bool:
        return self.after.judge_model

    def observe(self, move, reward):
        self.before.observe(move, reward)
        self.after.observe(move, reward)


def _fresh(trace: str | Path | None) -> None:
    # The trace writer appends: writing a rerun into an existing trace would mix two runs.
    if trace is not None and Path(trace).exists():
        raise InputError("the new trace file already exists; name another with --trace", where=str(trace))


def parse_overrides(pairs: list[str] | None) -> dict[str, Any]:
    """`KEY=VALUE` pairs naming RunSettings fields, each value read as its field's type: a what-if
    rerun or a fork under a changed number (a temperature, a time limit)."""
    types = typing.get_type_hints(RunSettings)
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or key not in types:
            raise InputError(f"--setting {pair!r}: give KEY=VALUE with KEY one of the run settings "
                             f"({', '.join(sorted(types))})")
        try:     # pydantic reads the text as the field's type
            out[key] = TypeAdapter(types[key]).validate_python(raw)
        except ValidationError:
            raise InputError(f"--setting {pair!r}: {raw!r} is not a {types[key].__name__}") from None
    return out


def _settings(start: RunStart, overrides: dict[str, Any] | None = None) -> RunSettings:
    recorded = dict(start.config.get("settings", {})) | dict(overrides or {})
    known = {f.name for f in dataclasses.fields(RunSettings)}
    return RunSettings(**{k: v for k, v in recorded.items() if k in known})


def same_loop(start: RunStart, where: str) -> None:
    """An exact rerun or a fork needs the loop and the family version that made the trace: refuse
    one made by another."""
    recorded = start.versions.get("loop")
    made_by = start.versions.get("polya-agent", "an earlier version")
    if recorded != LOOP_VERSION:
        raise InputError(f"this trace was recorded by loop version {recorded or '1'} (polya-agent {made_by}); this is "
                         f"loop version {LOOP_VERSION}: rerun it exactly with `pip install polya-agent=={made_by}`",
                         where=where)
    policy = None if start.config.get("family") is None else make_policy(start.policy)   # None: a baseline
    made_as = start.versions.get("policy", "1")     # absent: recorded before policies had versions
    if policy is not None and made_as != policy.version:
        raise InputError(f"this trace was recorded by version {made_as} of the {policy.name} policy (polya-agent "
                         f"{made_by}); this is version {policy.version}: rerun it exactly with "
                         f"`pip install polya-agent=={made_by}`", where=where)
    name = start.config.get("family")
    cls = family_named(name) if name else None
    made_with = start.versions.get("family", "1")     # absent: recorded before families had versions
    if cls is not None and made_with != cls.version:
        raise InputError(f"this trace was recorded by version {made_with} of the {name} "
                         f"family (polya-agent {made_by}); this is version {cls.version}: rerun it exactly with "
                         f"`pip install polya-agent=={made_by}`", where=where)


async def arerun(path: str | Path, *, trace: str | Path | None = None, on_event: Any = None,
                 settings: dict[str, Any] | None = None) -> tuple[RunResult, RecordedRun]:
    """Exact rerun with zero LLM calls; raises ReplayDivergence at the first difference. With
    `settings` (RunSettings fields) it is a what-if rerun: identical means the changed rule would
    not have changed this run; a divergence names the first step it would have changed."""
    _fresh(trace)
    rec = load_run(path)
    s = rec.start
    same_loop(s, str(path))
    if rec.end is None:
        raise InputError("the run did not finish (no run_end event); continue it with `polya resume`", where=str(path))
    ended_by_budget = rec.end.reason if rec.end and rec.end.status == "budget" else None
    backend = ReplayBackend(rec.calls, source=str(path), ended_by_budget=ended_by_budget)
    result = await asolve(s.problem, backend=backend, policy=s.policy, budget=Budget(**s.budget), seed=s.seed,
                          trace=trace, settings=_settings(s, settings), on_event=_Watch(rec.checkpoints, on_event),
                          problem_file=s.problem_file, tools=ReplayTools(rec.tools), clock_enabled=False,
                          family=s.config.get("family_params"))
    new = load_run(result.trace_path)
    if new.decisions != rec.decisions:
        i = next((i for i, (a, b) in enumerate(zip(rec.decisions, new.decisions, strict=False)) if a != b),
                 min(len(rec.decisions), len(new.decisions)))
        was, now = (d[i] if i < len(d) else None for d in (rec.decisions, new.decisions))
        step = (was or now)[0]

        def show(d):
            return f"{d[1]} -> {d[2]}" if d else "no verdict"

        raise ReplayDivergence(f"rerun diverges at step {step}: recorded {show(was)}, now {show(now)}")
    if rec.end is not None and (rec.end.status, rec.end.answer) != (result.status, result.answer):
        raise ReplayDivergence(f"rerun ended {result.status} {result.answer!r}, recorded {rec.end.status} {rec.end.answer!r}")
    if backend.served != len(rec.calls):
        raise ReplayDivergence(f"rerun used {backend.served} of {len(rec.calls)} recorded model calls")
    return result, rec


async def afork(path: str | Path, *, fork_at: int | None = None, backend: Any = None, policy: str | None = None,
                budget: Budget | None = None, trace: str | Path | None = None, on_event: Any = None,
                resume: bool = False, tools: Any = None, report: ForkReport | None = None,
                backend_settings: dict[str, Any] | None = None, settings: dict[str, Any] | None = None) -> RunResult:
    """Replay the recorded prefix (steps < fork_at; everything when fork_at is None) for free,
    then continue live. `backend` defaults to the recorded backend spec; `tools` to the real
    sandbox (a ToolSource for the live part). The choice of step fork_at's move is made live."""
    _fresh(trace)
    rec = load_run(path)
    s = rec.start
    same_loop(s, str(path))
    if resume and rec.end is not None:
        raise InputError(f"the run already finished ({rec.end.status}); use --rerun or --fork-at", where=str(path))
    if fork_at is not None and fork_at < 1:
        raise InputError("--fork-at must be a step number >= 1")
    if fork_at is not None and fork_at > rec.last_step + 1:
        raise InputError(f"--fork-at {fork_at}: the trace has {rec.last_step} steps (fork at 1..{rec.last_step + 1})",
                         where=str(path))
    live_spec = backend or s.backend
    if isinstance(live_spec, str) and live_spec.startswith("replay:"):
        raise InputError("the recorded backend was itself a replay; name a live backend with --backend")
    if isinstance(live_spec, str):
        from agent.backends import make_backend

        live = make_backend(live_spec, **(backend_settings or {}))
    else:
        live = live_spec
    # Not strict: the prefix is taken as recorded even when a new budget changes its prompts.
    replay = ReplayBackend(rec.calls, live=live, until_step=fork_at, source=str(path), strict=False)
    tool_source = ReplayTools(rec.tools, until_step=fork_at, live=tools or True)
    if fork_at and policy and policy != s.policy:
        policy_obj: Policy | str = _ForkPolicy(make_policy(s.policy), make_policy(policy), fork_at)
    else:
        policy_obj = policy or s.policy     # a string: baselines resolve by name inside asolve
    fork_info = None if resume else ForkInfo(parent_trace=str(path), parent_run_id=s.run_id,
                                             fork_step=fork_at or 0)
    try:
        return await asolve(s.problem, backend=replay, policy=policy_obj, budget=budget or Budget(**s.budget),
                            seed=s.seed, trace=trace, settings=_settings(s, settings), on_event=on_event,
                            problem_file=s.problem_file, tools=tool_source, fork=fork_info,
                            resumed_from=str(path) if resume else None, family=s.config.get("family_params"))
    finally:
        if report is not None:
            report.replayed_calls, report.live_calls = replay.served, replay.live_calls
            report.replayed_tools, report.mismatches = tool_source.index, list(replay.mismatches)
        await replay.aclose()


def rerun(path: str | Path, **kwargs: Any):
    return asyncio.run(arerun(path, **kwargs))


def fork(path: str | Path, **kwargs: Any) -> RunResult:
    return asyncio.run(afork(path, **kwargs))
