"""`scripted`: a backend for unit tests that answers from a list or a function and records every request.

Each answer may be
  - a dict: the object for a structured request (also sent as its JSON text);
  - a str: the reply text (parsed and validated like a real model's reply for a structured request);
  - an LLMResponse: returned as is;
  - an exception (instance or class): raised, e.g. RateLimited("slow down");
  - a callable(request) returning any of the above.
Structured replies are validated against the request's `output_type`, like every backend does;
an invalid one raises InvalidOutput (no repair round: tests say exactly what they want).

Specs: `scripted:FILE.json` / `scripted:FILE.jsonl` (a list of answers), `scripted:echo` (echoes the
last user message), `scripted:` with a JSON list inline, e.g. `scripted:["hi", {"a": 1}]`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from agent.backends.base import LLMRequest, LLMResponse, Usage
from agent.backends.structured import parse_output
from agent.errors import BackendError, InputError, InvalidOutput

Answer = Any


class ScriptedBackend:
    def __init__(self, answers: Iterable[Answer] | Callable[[LLMRequest], Answer] = (), *,
                 spec: str = "scripted:", cycle: bool = False, model: str = "scripted"):
        self.spec = spec
        self.model = model
        self.fn = answers if callable(answers) else None
        self.answers = [] if callable(answers) else list(answers)
        self.cycle = cycle
        self.requests: list[LLMRequest] = []  # everything received, in order

    def _next(self, request: LLMRequest) -> Answer:
        if self.fn is not None:
            return self.fn(request)
        index = len(self.requests) - 1
        if index >= len(self.answers):
            if not (self.cycle and self.answers):
                raise BackendError(f"{self.spec}: no scripted answer left for request #{index} "
                                   f"({request.purpose or 'no purpose'}); {len(self.answers)} were given")
            index %= len(self.answers)
        return self.answers[index]

    async def complete(self, request: LLMRequest) -> LLMResponse:
        self.requests.append(request)
        answer = self._next(request)
        if callable(answer) and not isinstance(answer, type):
            answer = answer(request)
        if isinstance(answer, BaseException) or (isinstance(answer, type) and issubclass(answer, BaseException)):
            raise answer
        if isinstance(answer, LLMResponse):
            return answer
        text = answer if isinstance(answer, str) else json.dumps(answer)
        response = LLMResponse(text=text, model=self.model, finish_reason="stop",
                               usage=Usage(prompt_tokens=sum(len(m.content) // 4 for m in request.messages),
                                           completion_tokens=max(1, len(text) // 4)))
        if request.output_schema is not None:
            try:
                response.parsed = parse_output(text, request)
            except ValueError as err:
                raise InvalidOutput(f"{self.spec}: scripted reply for {request.purpose or 'request'} is {err}") from None
            response.dialect = "json_schema"
        return response

    async def aclose(self) -> None:
        pass


def _echo(request: LLMRequest) -> Answer:
    last = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    return {"echo": last} if request.output_schema is not None and request.output_type is None else last


def from_spec(rest: str, **settings: Any) -> ScriptedBackend:
    spec = f"scripted:{rest}"
    if rest == "echo":
        return ScriptedBackend(_echo, spec=spec, **settings)
    text = rest.strip()
    if text.startswith("["):
        try:
            answers = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(f"scripted: the inline answers are not a JSON list ({err.msg})") from None
        return ScriptedBackend(answers, spec=spec, **settings)
    if not text:
        return ScriptedBackend([], spec=spec, **settings)
    path = Path(text).expanduser()
    if not path.is_file():
        raise InputError(f"scripted: no such file {path} (give FILE.json, FILE.jsonl, echo or an inline JSON list)")
    raw = path.read_text()
    try:
        if path.suffix == ".jsonl":
            answers = [json.loads(line) for line in raw.splitlines() if line.strip()]
        else:
            answers = json.loads(raw)
    except json.JSONDecodeError as err:
        raise InputError(f"not valid JSON ({err.msg}, line {err.lineno})", where=str(path)) from None
    if not isinstance(answers, list):
        raise InputError("expected a JSON list of answers", where=str(path))
    return ScriptedBackend(answers, spec=spec, **settings)
