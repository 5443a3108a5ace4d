"""Programs the model wrote, run in the sandbox: what a move sees of a run (`ToolResult`), where
results come from (`ToolSource`: the sandbox, or a recording), and the recorded runner. Lives
outside the loop so that moves (`strategies/`) and replay depend on it, not on the run context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class ToolResult:
    """What a move sees of a sandbox run (a subset of the sandbox's result, as recorded)."""

    stdout: str
    stderr: str
    exit_code: int | None
    timed_out: bool
    killed_reason: str | None
    duration_s: float
    isolation: str = ""          # what the sandbox contained the program with (SandboxResult.isolation)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def for_prompt(self, limit: int = 1500) -> str:
        out = self.stdout.strip()
        if len(out) > limit:
            out = out[:limit] + f"\n... ({len(self.stdout) - limit} more characters cut)"
        if self.ok:
            return out or "(the program printed nothing)"
        err = self.stderr.strip().splitlines()[-6:]
        why = self.killed_reason or f"exit code {self.exit_code}"
        return f"(the program failed: {why})\n{out}\n" + "\n".join(err)


class ToolSource:
    """Where tool results come from: the real sandbox, or a recording (agent/backends/replay.py)."""

    async def run(self, code: str, *, timeout_s: float, memory_mb: int) -> ToolResult:
        from agent import sandbox  # imported late: the sandbox is optional for pure-LLM runs
        from agent.sandbox._probe import refusal

        why = refusal(sandbox.probe_isolation())
        if why is not None:       # fail closed: uncontained model-written code does not run
            return ToolResult("", why, None, False, "isolation unavailable", 0.0, isolation="none: refused")
        res = await sandbox.arun(code, timeout_s=timeout_s, memory_mb=memory_mb)
        return ToolResult(res.stdout, res.stderr, res.exit_code, res.timed_out, res.killed_reason, res.duration_s,
                          isolation=res.isolation)


@dataclass
class ToolRunner:
    """Runs a model-written program through a ToolSource and records the run (code, output, exit
    status, time) as a `tool_run` event."""

    source: ToolSource
    emit: Callable[[Any], Any]
    timeout_s: float
    memory_mb: int
    runs: int = 0

    async def run(self, code: str, step: int) -> ToolResult:
        from agent.trace.events import ToolRun

        result = await self.source.run(code, timeout_s=self.timeout_s, memory_mb=self.memory_mb)
        self.emit(ToolRun(run_id="", step=step, tool_index=self.runs, code=code, stdout=result.stdout,
                          stderr=result.stderr, exit_code=result.exit_code, timed_out=result.timed_out,
                          killed_reason=result.killed_reason, duration_s=result.duration_s,
                          isolation=result.isolation))
        self.runs += 1
        return result
