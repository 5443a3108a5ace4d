"""Test doubles for the solving loop: a backend that answers by purpose, and canned tool runs.

Unit tests only; end-to-end tests use the real local model."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from agent.backends.base import LLMRequest, LLMResponse, Usage
from agent.loop.calls import estimate_prompt_tokens
from agent.problems.models import CountdownProblem
from agent.tools import ToolResult, ToolSource
from strategies.family import Family, family

P269 = CountdownProblem(id="nyt-269", rules="digits", numbers=[2, 3, 7, 20, 21, 25], target=269,
                        statement="Reach 269 from 2 3 7 20 21 25 (NYT Digits rules).")
# The same puzzle for the prose family below: tests of the loop's own mechanics (judge rules,
# budgets, replay, faults) need a run that asks the model at every step and has an exact verifier.
PROSE269 = P269.model_copy(update={"id": "prose-nyt-269"})


@family
class ProseFamily(Family):
    """A test family: the general moves (prose, on the notebook) and the model's judge, for problems
    whose id starts with `prose-`. Registered like any plugin family (tried before the built-ins)."""

    name = "prose"

    @classmethod
    def matches(cls, problem) -> bool:
        return problem.id.startswith("prose-")

DEFAULTS: dict[str, Any] = {
    "move:understand": {"restatement": "make 269", "givens": ["2 3 7 20 21 25"], "goal": "expression for 269",
                        "plans": ["use a product near 269", "work back from 269"]},
    "move:examples": "Products of pairs.\n```python\nprint('2*7=14')\n```",
    "move:counterexamples": "Check it.\n```python\nprint('CHECKED 10 cases')\n```",
    "move:patterns": {"conjectures": ["269 = 14*21 - 25"], "how_it_helps": "gives an expression"},
    "move:backwards": {"subgoals": ["294 = 269 + 25"], "facts": ["294 = 14 * 21"]},
    "move:reframe": {"new_view": "target plus 25", "simpler_version": "reach 294", "facts": []},
    "move:attempt": {"reasoning": "2*7*21-25", "answer": "2*7*21-25"},
    "judge": {"assessment": "some progress", "progress": 0.5, "decision": "persist"},
    "reflect": {"assessment": "some progress", "progress": 0.5, "decision": "persist", "next_move": "attempt",
                "new_goal": ""},
    "controller": {"move": "attempt", "new_attack": False, "goal": "", "reason": "try it"},
}


COMPLETION_TOKENS = 20   # what every FunctionBackend reply costs, unless max_tokens is smaller


class FunctionBackend:
    """Answers each request with `fn(request)` (a dict for structured calls); records requests."""

    def __init__(self, fn: Callable[[LLMRequest], Any] | None = None, overrides: dict[str, Any] | None = None,
                 prompt_tokens: dict[str, int] | None = None):
        self.fn = fn
        self.overrides = overrides or {}
        # purpose -> prompt tokens a call costs; by default the context's own estimate of the prompt,
        # so the budget's pre-call estimate and the usage charged after the call agree
        self.prompt_tokens = prompt_tokens or {}
        self.requests: list[LLMRequest] = []
        self.spec = "function:test"

    async def complete(self, request: LLMRequest) -> LLMResponse:
        self.requests.append(request)
        purpose = request.purpose.removesuffix(":repair")
        out = self.fn(request) if self.fn else None
        if out is None:
            out = self.overrides.get(purpose, DEFAULTS.get(purpose))
        if callable(out):
            out = out(request)
        if isinstance(out, Exception):
            raise out
        text, parsed = (out, None) if isinstance(out, str) else (json.dumps(out), out)   # str: a text reply
        prompt = self.prompt_tokens.get(purpose) or estimate_prompt_tokens(request.messages)
        completion = min(COMPLETION_TOKENS, request.max_tokens)
        return LLMResponse(text=text, parsed=parsed, usage=Usage(prompt_tokens=prompt, completion_tokens=completion),
                           model="function", dialect="json_schema")

    async def aclose(self) -> None:
        pass


def move_input(tmp_path, problem, backend=None, tools=None, *, goal: str = "", settings=None, start: bool = True):
    """A MoveInput as the loop makes one (the problem's family, its started workspace), for calling
    one move directly: `inp.family.move_fn(name)(inp)`. Programs run in the real sandbox unless
    `tools` is given."""
    from agent.loop.run import new_context
    from agent.loop.state import RunState
    from agent.problems.models import Budget
    from agent.trace.writer import TraceWriter
    from strategies.base import MoveInput
    from strategies.family import family_for

    state, fam = RunState(), family_for(problem)
    ctx = new_context(backend or FunctionBackend(), TraceWriter(tmp_path / "t.jsonl", "r"), Budget(steps=10), state,
                      problem, seed=1, settings=settings, tools=tools)
    if start:
        state.workspace = fam.start(problem)
    return MoveInput(ctx, problem, state, goal, family=fam)


class CannedTools(ToolSource):
    """Returns a fixed result for every program (no sandbox in unit tests)."""

    def __init__(self, stdout: str = "2*7=14\n14*21=294", exit_code: int = 0):
        self.stdout, self.exit_code = stdout, exit_code
        self.codes: list[str] = []

    async def run(self, code: str, *, timeout_s: float, memory_mb: int) -> ToolResult:
        self.codes.append(code)
        return ToolResult(self.stdout, "", self.exit_code, False, None, 0.01)


def sequence(*items: Any) -> Callable[[LLMRequest], Any]:
    """Answers in turn from `items` (the last one repeats)."""
    state = {"i": 0}

    def next_item(_req: LLMRequest) -> Any:
        item = items[min(state["i"], len(items) - 1)]
        state["i"] += 1
        return item

    return next_item


class CountingBackend(FunctionBackend):
    """A FunctionBackend that counts prompts exactly, like the local model: its count (70% of the
    estimate, roughly what Qwen's tokenizer gives on these prompts) is also what a call is charged."""

    async def count_prompt_tokens(self, messages, purpose: str = "") -> int:
        return int(estimate_prompt_tokens(messages) * 0.7)

    async def complete(self, request: LLMRequest) -> LLMResponse:
        response = await super().complete(request)
        if request.purpose.removesuffix(":repair") not in self.prompt_tokens:
            response.usage.prompt_tokens = await self.count_prompt_tokens(request.messages)
        return response

