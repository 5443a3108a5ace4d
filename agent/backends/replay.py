"""Replay: serve a trace's recorded LLM responses (and tool results) in order.

Exact rerun: every request must match the recorded one (same fingerprint); the first mismatch
raises ReplayDivergence naming the step, the call and what differs. Fork/resume: recorded calls
are served up to a step, then a live backend takes over.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from agent.backends.base import LLMRequest, LLMResponse, Usage
from agent.errors import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    BudgetExceeded,
    InvalidOutput,
    RateLimited,
    ReplayDivergence,
    ServerError,
)
from agent.tools import ToolResult, ToolSource
from agent.trace.events import LLMCall, ToolRun

REFUSED_IN_RECORDING = 10**9   # a prompt size no budget affords: the call is refused, as it was

_ERRORS = {cls.__name__: cls for cls in (BackendError, BackendTimeout, BackendUnavailable, InvalidOutput,
                                         RateLimited, ServerError)}


def _around(a: str, b: str, width: int = 60) -> tuple[str, str]:
    """The two texts from a little before their first differing character."""
    i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(0, i - 20)
    return a[start:start + width], b[start:start + width]


def _first_difference(recorded: dict, asked: dict) -> str:
    for key in sorted(set(recorded) | set(asked)):
        if recorded.get(key) != asked.get(key):
            if key == "messages":
                for i, (a, b) in enumerate(zip(recorded[key], asked[key], strict=False)):
                    if a != b:
                        was, now = _around(a.get("content", ""), b.get("content", ""))
                        return f"message {i} ({b.get('role')}) differs: recorded ...{was!r}... now ...{now!r}..."
                return f"message count differs: recorded {len(recorded[key])}, now {len(asked[key])}"
            was, now = _around(json.dumps(recorded.get(key), sort_keys=True), json.dumps(asked.get(key), sort_keys=True))
            return f"{key} differs: recorded ...{was}... now ...{now}..."
    return "purpose differs"


@dataclass
class _Cursor:
    index: int = 0


def before_step(call: LLMCall, step: int) -> bool:
    """Whether a recorded call belongs to the steps before `step`. The controller's call is made
    after step k-1's verdict but chooses step k's move, so at the fork point it is left out: the
    choice of the forked step's move is made live."""
    return call.step < step and not (call.step == step - 1 and call.purpose == "controller")


class ReplayBackend:
    """Serves recorded calls of the steps before `until_step` (all, when None); after that hands
    requests to `live`, or raises ReplayDivergence when there is no live backend.

    `strict` (exact rerun): every request must equal the recorded one. Not strict (fork, resume):
    the recorded prefix is taken as given, so a request only has to be for the same purpose;
    requests that differ otherwise (a fork with another budget changes "budget left" in the judge's
    prompt) are counted in `mismatches`."""

    def __init__(self, calls: list[LLMCall], *, live=None, until_step: int | None = None, source: str = "trace",
                 ended_by_budget: str | None = None, strict: bool = True):
        # When the recorded run ended on its wall-time budget, a rerun (whose clock is off) ends
        # at the same point: running out of recorded calls is that budget expiring again.
        self.ended_by_budget = ended_by_budget
        self.calls = [c for c in calls if until_step is None or before_step(c, until_step)]
        self.strict = strict
        self.mismatches: list[str] = []
        self.live = live
        self.until_step = until_step
        # A fork or resume records the live backend it continues with; a pure rerun records replay.
        self.spec = live.spec if live is not None else f"replay:{source}"
        self.source = source
        self.last_was_replayed = False
        self.cursor = _Cursor()
        self.served = 0
        self.live_calls = 0

    @property
    def exhausted(self) -> bool:
        return self.cursor.index >= len(self.calls)

    async def complete(self, request: LLMRequest) -> LLMResponse:
        if self.exhausted:
            if self.live is None and self.ended_by_budget:
                raise BudgetExceeded(self.ended_by_budget)
            if self.live is None:
                raise ReplayDivergence(
                    f"the rerun asks for model call #{self.cursor.index} ({request.purpose}) but the trace "
                    f"recorded only {len(self.calls)} calls")
            self.live_calls += 1
            self.last_was_replayed = False
            return await self.live.complete(request)
        call = self.calls[self.cursor.index]
        if request.purpose != call.purpose or (self.strict and request.fingerprint() != call.fingerprint):
            asked = request.model_dump(mode="json")
            raise ReplayDivergence(
                f"rerun diverges at step {call.step}, model call #{call.call_index} "
                f"(recorded {call.purpose!r}, now {request.purpose!r}): {_first_difference(self._recorded(call), asked)}")
        if request.fingerprint() != call.fingerprint:
            self.mismatches.append(f"step {call.step} call #{call.call_index} ({call.purpose}): "
                                   + _first_difference(self._recorded(call), request.model_dump(mode="json")))
        self.cursor.index += 1
        self.served += 1
        self.last_was_replayed = True
        if call.error is not None:
            usage = call.error.get("usage")
            raise _ERRORS.get(call.error["type"], BackendError)(
                call.error["message"], usage=Usage.model_validate(usage) if usage else None)
        return LLMResponse.model_validate(call.response)

    async def count_prompt_tokens(self, messages, purpose: str = "") -> int | None:
        """The prompt size the recorded run's token ceiling used for this call, so a rerun clips
        max_tokens as it did. A request the recording has no call for was refused by the ceiling
        there (the next recorded call is for something else, or there is none): refuse it again.
        After the recorded prefix a live backend counts; None means estimate."""
        if self.exhausted:
            if self.live is not None:
                count = getattr(self.live, "count_prompt_tokens", None)
                return await count(messages, purpose) if count is not None else None
            if self.ended_by_budget:   # the recorded run ended here on a budget: end the same way
                raise BudgetExceeded(self.ended_by_budget)
            return REFUSED_IN_RECORDING
        call = self.calls[self.cursor.index]
        return call.budget_prompt_tokens if call.purpose == purpose else REFUSED_IN_RECORDING

    def _recorded(self, call: LLMCall) -> dict:
        """The recorded request. `load_run` drops requests to keep a long trace's rerun small;
        they are only needed to explain a difference, so read that one back from the file."""
        if call.request or not Path(self.source).is_file():
            return call.request
        from agent.trace.reader import iter_events

        found = next((e for e in iter_events(self.source)
                      if isinstance(e, LLMCall) and e.call_index == call.call_index), None)
        return found.request if found is not None else {}

    async def aclose(self) -> None:
        if self.live is not None:
            await self.live.aclose()


class ReplayTools(ToolSource):
    """Serves recorded sandbox results while the code matches; runs the sandbox after the
    recorded prefix (fork/resume) or raises on a mismatch (exact rerun)."""

    def __init__(self, runs: list[ToolRun], *, until_step: int | None = None, live: bool | ToolSource = False):
        self.runs = [r for r in runs if until_step is None or r.step < until_step]
        self.index = 0
        # live: False (exact rerun), True (the real sandbox), or a ToolSource to continue with
        self.live = live

    async def run(self, code: str, *, timeout_s: float, memory_mb: int) -> ToolResult:
        if self.index >= len(self.runs):
            if not self.live:
                raise ReplayDivergence(f"the rerun runs more programs than the trace recorded ({len(self.runs)})")
            if isinstance(self.live, ToolSource):
                return await self.live.run(code, timeout_s=timeout_s, memory_mb=memory_mb)
            return await super().run(code, timeout_s=timeout_s, memory_mb=memory_mb)
        rec = self.runs[self.index]
        if rec.code != code:
            raise ReplayDivergence(f"rerun diverges at step {rec.step}: program #{rec.tool_index} differs from the recorded one")
        self.index += 1
        return ToolResult(rec.stdout, rec.stderr, rec.exit_code, rec.timed_out, rec.killed_reason, rec.duration_s,
                          isolation=rec.isolation)
