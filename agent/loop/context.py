"""RunContext: what a move may use of the run, and nothing else — one recorded, budgeted model call
(`ask`, `ask_text`), one recorded sandbox run (`run_code`), the trace (`emit`), the run's seeded
RNG and its settings. The parts live in their own modules: the budget (agent/loop/budget.py), the
model calls (agent/loop/calls.py) and the program runner (agent/tools.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from agent.backends.base import LLMResponse, Message
from agent.loop.budget import BudgetMeter
from agent.loop.calls import ModelCalls
from agent.tools import ToolResult, ToolRunner

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class RunSettings:
    """The run's numbers. There are no switches between old and new behaviour: a trace records the
    package and loop version that made it, and an exact rerun needs that version."""

    max_tokens_per_call: int = 384
    code_max_tokens: int = 1024           # a program needs more room than a short JSON answer
    code_timeout_s: float = 10.0
    code_memory_mb: int = 768
    temperature: float = 0.7
    max_consecutive_errors: int = 3


@dataclass
class RunContext:
    meter: BudgetMeter
    calls: ModelCalls
    tools: ToolRunner
    emit: Callable[[Any], Any]
    rng: random.Random
    settings: RunSettings
    policy_spec: str = ""                 # e.g. "self-consistency:5": baselines read their options here

    @property
    def step(self) -> int:
        return self.meter.used.steps

    async def ask(self, purpose: str, messages: list[Message], output_type: type[T], *,
                  max_tokens: int | None = None, temperature: float | None = None) -> tuple[T, LLMResponse]:
        return await self.calls.ask(purpose, messages, output_type, max_tokens=max_tokens, temperature=temperature)

    async def ask_text(self, purpose: str, messages: list[Message], *, max_tokens: int | None = None,
                       temperature: float | None = None) -> tuple[str, LLMResponse]:
        return await self.calls.ask_text(purpose, messages, max_tokens=max_tokens, temperature=temperature)

    async def run_code(self, code: str) -> ToolResult:
        return await self.tools.run(code, self.step)
