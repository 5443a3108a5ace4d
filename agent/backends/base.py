"""The one backend protocol: `async complete(LLMRequest) -> LLMResponse`.

Requests and responses are pydantic models so they can be written to traces whole and read back
for exact replay. A structured request carries the pydantic class it wants (`output_type`, kept out
of serialisation) and its JSON schema (`output_schema`, serialised); the backend returns the
validated object as a plain dict in `parsed`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


@functools.cache
def _json_schema(output_type: type[BaseModel]) -> dict[str, Any]:
    # Building a schema costs ~5 ms; the loop asks for the same few types hundreds of times.
    # One dict per type, shared by every request of it: never mutated.
    return output_type.model_json_schema()


# json.dumps(obj, sort_keys=True), without building an encoder per call (a tenth of a fingerprint)
_sorted_json = json.JSONEncoder(sort_keys=True).encode


class LLMRequest(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    messages: list[Message]
    output_type: type[BaseModel] | None = Field(default=None, exclude=True)
    output_schema: dict[str, Any] | None = None
    schema_name: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int = 512
    seed: int | None = None
    reasoning_effort: Literal["low", "medium", "high"] | None = None
    stop: list[str] | None = None
    # What the call is for ("understand", "move:examples", "judge", ...): shown in traces, not sent.
    purpose: str = ""
    # Whether an invalid structured reply gets one repair round (a second call). The run context
    # turns it off when the token budget could not pay for that second call. Not sent.
    repair: bool = True

    @model_validator(mode="after")
    def _schema_from_type(self) -> LLMRequest:
        if self.output_type is not None and self.output_schema is None:
            self.output_schema = _json_schema(self.output_type)
            self.schema_name = self.schema_name or self.output_type.__name__
        return self

    def fingerprint(self, dumped: dict | None = None) -> str:
        """Stable hash of everything that is sent to the model (used by replay to detect divergence).
        `dumped`: this request's `model_dump(mode="json")` when the caller has it already."""
        if dumped is None:
            payload = self.model_dump(mode="json", exclude={"purpose", "repair"})
        else:
            payload = {k: v for k, v in dumped.items() if k not in ("purpose", "repair")}
        return hashlib.sha256(_sorted_json(payload).encode()).hexdigest()[:16]


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            cost_usd=self.cost_usd + other.cost_usd,
        )


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(value: Any) -> Any:
    """A lone UTF-16 surrogate (half an emoji: the local model's JSON reply carried '\\ud83d' once)
    becomes U+FFFD. Left in, it cannot be encoded as UTF-8: the trace line, the sandbox's source file
    and the next request would all fail on it."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


class LLMResponse(BaseModel):
    text: str
    parsed: dict[str, Any] | None = None
    reasoning: str | None = None
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    model: str = ""
    finish_reason: str | None = None
    # How structured output was obtained: json_schema | json_object | instruction | none
    dialect: str | None = None
    # Server-side timings when the server reports them (llama.cpp: prompt_n, prompt_ms, predicted_n,
    # predicted_ms, cache_n, prompt_per_second, predicted_per_second); for figures, never for decisions.
    timings: dict[str, float] | None = None

    @field_validator("text", "reasoning", "parsed")
    @classmethod
    def _no_lone_surrogates(cls, value: Any) -> Any:
        return _clean(value)


@runtime_checkable
class Backend(Protocol):
    """Anything with a `spec` and an async `complete` is a backend. A backend may also offer
    `async count_prompt_tokens(messages, purpose) -> int | None`, the exact prompt size of a call
    (the local model tokenizes with its own chat template); without it a token budget estimates."""

    spec: str

    async def complete(self, request: LLMRequest) -> LLMResponse: ...

    async def aclose(self) -> None: ...
