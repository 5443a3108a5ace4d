"""Model calls, recorded whole: every request and response (or error) goes into the trace with its
usage, and is counted against the budget. This is what makes exact replay possible."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from agent.backends.base import Backend, LLMRequest, LLMResponse, Message
from agent.errors import BackendError, InvalidOutput
from agent.loop.budget import BudgetMeter
from agent.trace.events import LLMCall

T = TypeVar("T", bound=BaseModel)

# A token budget is a ceiling, not a target: each call's max_tokens is clipped to what is left after
# its prompt. The local model counts a prompt exactly; for other backends it is estimated at 2.8
# characters per token plus the chat template's tokens per message. On the 1.5B bench the estimate
# was 1.2-1.4x the true count for prose, and up to 8% low for code-heavy repair prompts.
PROMPT_CHARS_PER_TOKEN = 2.8
PROMPT_TOKENS_PER_MESSAGE = 8
# an LLMRequest's dumped fields, in model_dump's order
_REQUEST_FIELDS = tuple(name for name, f in LLMRequest.model_fields.items() if not f.exclude)


def estimate_prompt_tokens(messages: list[Message]) -> int:
    chars = sum(len(m.content) for m in messages)
    return int(chars / PROMPT_CHARS_PER_TOKEN) + PROMPT_TOKENS_PER_MESSAGE * len(messages)


@dataclass
class ModelCalls:
    backend: Backend
    meter: BudgetMeter
    emit: Callable[[Any], Any]
    seed: int
    max_tokens_per_call: int
    temperature: float

    async def ask(self, purpose: str, messages: list[Message], output_type: type[T], *,
                  max_tokens: int | None = None, temperature: float | None = None) -> tuple[T, LLMResponse]:
        """One structured call. Raises BudgetExceeded before a call the budget cannot afford,
        BackendError (recorded) when the backend fails."""
        response = await self._call(purpose, messages, output_type, max_tokens, temperature)
        if response.parsed is None:
            raise InvalidOutput(f"{purpose}: the backend returned no structured output")
        return output_type.model_validate(response.parsed), response

    async def ask_text(self, purpose: str, messages: list[Message], *, max_tokens: int | None = None,
                       temperature: float | None = None) -> tuple[str, LLMResponse]:
        """One free-text call (a program in a fenced block, say). Code is asked for as text: inside
        a JSON string a small model's quotes and newlines break it (most of the syntax errors in the
        first 1.5B bench were JSON artefacts)."""
        response = await self._call(purpose, messages, None, max_tokens, temperature)
        return response.text, response

    async def _call(self, purpose: str, messages: list[Message], output_type: type[BaseModel] | None,
                    max_tokens: int | None, temperature: float | None) -> LLMResponse:
        meter = self.meter
        meter.check_call(purpose)
        prompt_tokens = await self._prompt_tokens(purpose, messages)
        capped = meter.affordable_max_tokens(purpose, prompt_tokens, max_tokens or self.max_tokens_per_call)
        index = meter.used.llm_calls
        request = LLMRequest(messages=messages, output_type=output_type, max_tokens=capped,
                             repair=meter.can_pay_a_repair(prompt_tokens, capped),
                             temperature=self.temperature if temperature is None else temperature,
                             seed=self.seed + index, purpose=purpose)
        meter.used.llm_calls += 1
        # dumped once: the trace and the fingerprint share it. The schema is the type's one object,
        # not a copy: the trace writer hashes a schema once per object (BlockWriter._schema_id).
        if request.output_schema is None:
            dumped = request.model_dump(mode="json")
        else:
            rest = request.model_dump(mode="json", exclude={"output_schema"})
            dumped = {k: request.output_schema if k == "output_schema" else rest[k] for k in _REQUEST_FIELDS}
        event = LLMCall(run_id="", step=meter.used.steps, call_index=index, purpose=purpose, request=dumped,
                        fingerprint=request.fingerprint(dumped), budget_prompt_tokens=prompt_tokens)
        try:
            response = await self.backend.complete(request)
        except BackendError as err:
            event.replayed = bool(getattr(self.backend, "last_was_replayed", False))
            event.error = {"type": type(err).__name__, "message": str(err)}
            if err.usage is not None:   # a failed call still spent tokens: count them
                meter.count(err.usage)
                event.error["usage"] = err.usage.model_dump()
            self.emit(event)
            raise
        event.replayed = bool(getattr(self.backend, "last_was_replayed", False))
        meter.count(response.usage)
        event.response = response.model_dump(mode="json")
        if output_type is None and not response.text.strip():   # nothing a text call can use
            event.error = {"type": "InvalidOutput", "message": f"{purpose}: the backend returned an empty reply"}
            self.emit(event)
            raise InvalidOutput(event.error["message"])
        self.emit(event)
        return response

    async def _prompt_tokens(self, purpose: str, messages: list[Message]) -> int | None:
        """The prompt size the token ceiling works with: the backend's exact count when it can give
        one (the local model can), else the estimate. None without a token budget (nothing to clip)."""
        if self.meter.limits.tokens is None:
            return None
        count = getattr(self.backend, "count_prompt_tokens", None)
        exact = await count(messages, purpose) if count is not None else None
        return exact if exact is not None else estimate_prompt_tokens(messages)
