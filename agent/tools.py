"""What a move sees of a program run in the sandbox. Lives outside the loop so that moves
(`strategies/`) depend on this small interface, not on the run context."""

from __future__ import annotations

from dataclasses import dataclass


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
