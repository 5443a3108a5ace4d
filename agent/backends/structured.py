"""What every chat-completions backend shares: building the request body for a structured-output
dialect, reading an OpenAI-shaped response dict, separating reasoning from the answer, parsing and
validating JSON, and the one repair attempt.

Dialects, best first:
  json_schema  - `response_format={"type": "json_schema", "json_schema": {..., "strict": true}}`
                 (OpenAI, llama.cpp server, vLLM, recent Ollama, LM Studio)
  json_object  - `response_format={"type": "json_object", "schema": {...}}` (llama-cpp-python's server;
                 plain JSON mode elsewhere, the schema then travels in the instruction too)
  instruction  - no response_format; the schema is given in words and the reply parsed leniently
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError

from agent.backends.base import LLMRequest, LLMResponse, Message, Usage
from agent.errors import InvalidOutput, ServerError

DIALECTS = ("json_schema", "json_object", "instruction")

_THINK = re.compile(r"<think>(.*?)(?:</think>|$)", re.DOTALL)
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


@functools.cache
def _strict_schema_of(output_type: type) -> dict[str, Any]:
    from openai.lib._pydantic import to_strict_json_schema

    return to_strict_json_schema(output_type)


def strict_schema(request: LLMRequest) -> dict[str, Any]:
    """The schema in OpenAI's strict form (every property required, no extra properties); cached per
    type, as the loop asks with the same few types many times. Treat the result as read-only."""
    if request.output_type is not None:
        return _strict_schema_of(request.output_type)
    return request.output_schema or {}


def schema_instruction(schema: dict[str, Any]) -> str:
    return ("Reply with one JSON object only, no prose and no code fences. It must match this JSON schema:\n"
            + json.dumps(schema, separators=(",", ":")))


def _with_instruction(messages: list[Message], schema: dict[str, Any]) -> list[dict[str, str]]:
    # Appended to the last user turn, never to the system prompt: the shared prefix (system prompt,
    # problem) stays byte-identical across calls, so llama.cpp's prefix cache keeps hitting.
    out = [m.model_dump() for m in messages]
    note = schema_instruction(schema)
    if out and out[-1]["role"] == "user":
        out[-1] = {"role": "user", "content": out[-1]["content"] + "\n\n" + note}
    else:
        out.append({"role": "user", "content": note})
    return out


def chat_body(request: LLMRequest, messages: list[Message], dialect: str | None, *,
              token_param: str = "max_tokens", sampling: bool = True, reasoning_effort: bool = False,
              model: str | None = None) -> dict[str, Any]:
    """The chat-completions body for `request` (its structured part in `dialect`)."""
    body: dict[str, Any] = {}
    if model is not None:
        body["model"] = model
    schema = request.output_schema
    if schema is not None and dialect in ("json_object", "instruction"):
        body["messages"] = _with_instruction(messages, schema)
    else:
        body["messages"] = [m.model_dump() for m in messages]
    body[token_param] = request.max_tokens
    if sampling:  # o-series models refuse temperature and top_p
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.top_p is not None:
            body["top_p"] = request.top_p
    if request.seed is not None:
        body["seed"] = request.seed
    if request.stop:
        body["stop"] = request.stop
    if reasoning_effort and request.reasoning_effort:
        body["reasoning_effort"] = request.reasoning_effort
    if schema is not None and dialect == "json_schema":
        body["response_format"] = {"type": "json_schema", "json_schema": {
            "name": re.sub(r"[^A-Za-z0-9_-]", "_", request.schema_name or "output")[:64],
            "schema": strict_schema(request), "strict": True}}
    elif schema is not None and dialect == "json_object":
        body["response_format"] = {"type": "json_object", "schema": schema}
    return body


def split_reasoning(message: dict[str, Any]) -> tuple[str, str | None]:
    """(answer text, reasoning text) from a response message: `reasoning_content` (DeepSeek,
    llama.cpp), `reasoning` (OpenRouter, Ollama) and `<think>` blocks inside the content."""
    content = message.get("content") or ""
    if not isinstance(content, str):  # content parts
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    parts = [r for r in (message.get("reasoning_content"), message.get("reasoning")) if isinstance(r, str) and r]
    thinks = _THINK.findall(content)
    if thinks:
        parts.extend(t.strip() for t in thinks if t.strip())
        content = _THINK.sub("", content)
    elif "</think>" in content:  # template opened <think> in the prompt; only the close is in the reply
        head, _, content = content.partition("</think>")
        parts.append(head.strip())
    return content.strip(), ("\n\n".join(parts) if parts else None)


def read_completion(data: dict[str, Any]) -> LLMResponse:
    """An LLMResponse (no `parsed` yet) from an OpenAI-shaped chat completion dict. A body of another
    shape (`"choices": "no"`, a message that is a number, usage that is a string...) is a ServerError."""
    if not isinstance(data, dict):
        raise ServerError(f"the server's answer is not a chat completion: {str(data)[:200]!r}")
    try:
        return _read_completion(data)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as err:
        raise ServerError(f"the server's answer is not a well-formed chat completion ({type(err).__name__}: "
                          f"{str(err)[:200]})") from None


def _read_completion(data: dict[str, Any]) -> LLMResponse:
    choices = data.get("choices")
    if not choices:
        raise ServerError(f"the server returned no choices (model {data.get('model')!r})")
    choice = choices[0]
    text, reasoning = split_reasoning(choice.get("message") or {})
    u = data.get("usage") or {}
    prompt_details = u.get("prompt_tokens_details") or {}
    completion_details = u.get("completion_tokens_details") or {}
    cached = prompt_details.get("cached_tokens") or u.get("prompt_cache_hit_tokens") or 0  # DeepSeek names it so
    usage = Usage(prompt_tokens=u.get("prompt_tokens") or 0, completion_tokens=u.get("completion_tokens") or 0,
                  reasoning_tokens=completion_details.get("reasoning_tokens") or 0, cached_tokens=cached)
    raw_timings = data.get("timings")
    timings = ({k: float(v) for k, v in raw_timings.items() if isinstance(v, (int, float))}
               if isinstance(raw_timings, dict) else None)
    return LLMResponse(text=text, reasoning=reasoning, usage=usage, model=data.get("model") or "",
                       finish_reason=choice.get("finish_reason"), timings=timings or None)


def extract_json(text: str) -> Any:
    """The JSON value in a reply: the whole text, a fenced block, or the outermost {...}."""
    candidates = [text.strip()]
    candidates += [m.strip() for m in _FENCE.findall(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start:end + 1])
    first_error = None
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except json.JSONDecodeError as err:
            first_error = first_error or err
    raise ValueError(f"not valid JSON ({first_error.msg} at line {first_error.lineno} column {first_error.colno})"
                     if first_error else "empty reply")


def parse_output(text: str, request: LLMRequest) -> dict[str, Any]:
    """The validated object for a structured request; ValueError saying what is wrong."""
    value = extract_json(text)
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, got {type(value).__name__}")
    if request.output_type is not None:
        try:
            return request.output_type.model_validate(value).model_dump(mode="json")
        except ValidationError as err:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in err.errors()[:5])
            raise ValueError(f"does not match the schema: {problems}") from None
    missing = [k for k in (request.output_schema or {}).get("required", []) if k not in value]
    if missing:
        raise ValueError(f"does not match the schema: missing {', '.join(missing)}")
    return value


def repair_messages(request: LLMRequest, bad_text: str, problem: str) -> list[Message]:
    return [*request.messages, Message(role="assistant", content=bad_text[:4000]),
            Message(role="user", content=f"That reply is {problem}. Reply again with only the corrected JSON "
                                         f"object.\n{schema_instruction(request.output_schema or {})}")]


Call = Callable[[list[Message]], Awaitable[LLMResponse]]


async def complete_structured(request: LLMRequest, call: Call) -> LLMResponse:
    """Run `call` on the request's messages; for a structured request parse and validate the
    reply, with one repair round on failure (its usage and latency added), else InvalidOutput."""
    first = await call(request.messages)
    if request.output_schema is None:
        return first
    try:
        first.parsed = parse_output(first.text, request)
        return first
    except ValueError as err:
        problem = str(err)
    if not request.repair:
        raise InvalidOutput(f"{request.schema_name or 'output'}: the reply is {problem} (no repair: the budget "
                            f"could not pay for one); reply began {first.text[:120]!r}", usage=first.usage)
    second = await call(repair_messages(request, first.text, problem))
    second.usage = first.usage + second.usage
    second.latency_s = round(first.latency_s + second.latency_s, 6)
    second.timings = None  # two calls: per-call server timings no longer describe the whole
    second.reasoning = "\n\n".join(r for r in (first.reasoning, second.reasoning) if r) or None
    try:
        second.parsed = parse_output(second.text, request)
        return second
    except ValueError as err:
        raise InvalidOutput(f"{request.schema_name or 'output'}: the reply is {err} (first reply: {problem}; "
                            f"one repair attempt made); reply began {second.text[:120]!r}",
                            usage=second.usage) from None
