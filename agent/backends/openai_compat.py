"""`openai`: any OpenAI-compatible chat-completions server through the `openai` SDK.

Specs: `openai:MODEL` (api.openai.com), `openai:MODEL@BASE_URL` (vLLM, llama.cpp's server,
llama-cpp-python, LM Studio, OpenRouter, DeepSeek, ...), `ollama:MODEL` (a local Ollama server).

Retries are the SDK's own (429, 408/409, 5xx, connection errors and timeouts; `Retry-After` and
`retry-after-ms` honoured): we only set their number, the timeout, and the backoff curve
(exponential with up-to-25% jitter), by overriding the one method that computes the wait.

Structured output: the first structured call tries strict `json_schema`; a 400/422 answer moves to
`json_object` with the schema, then to an instruction in words; the dialect that worked is kept for
later calls. Every object is validated with pydantic, with one repair round.
"""

from __future__ import annotations

import os
import random
import re
import time
from typing import Any

import openai

from agent.backends.base import LLMRequest, LLMResponse, Message
from agent.backends.config import cost_usd, find_api_key, is_local_url, provider_for, redact
from agent.backends.structured import DIALECTS, chat_body, complete_structured, read_completion
from agent.errors import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    InputError,
    RateLimited,
    ServerError,
)

_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")


def is_reasoning_model(model: str) -> bool:
    """OpenAI's reasoning models: no temperature/top_p, `max_completion_tokens`, `reasoning_effort`."""
    return bool(_REASONING_MODEL.match(model.rsplit("/", 1)[-1].lower()))


_FORMAT_WORDS = re.compile(r"response_format|json_schema|json_object", re.I)


def refuses_response_format(response_or_error: Any) -> bool:
    """Whether an error answer is about the response format (a validation message naming
    response_format / json_schema), whatever its status code."""
    try:
        text = response_or_error.text if hasattr(response_or_error, "text") else str(response_or_error)
    except Exception:  # noqa: BLE001 - a body not read yet: not known to be about the format
        return False
    return bool(_FORMAT_WORDS.search(text or ""))


class _Client(openai.AsyncOpenAI):
    """AsyncOpenAI with a configurable backoff curve (the SDK's is 0.5 s doubling to 8 s)."""

    def __init__(self, *, backoff_initial: float, backoff_max: float, max_retry_after: float, **kwargs: Any):
        super().__init__(**kwargs)
        self._backoff = (backoff_initial, backoff_max, max_retry_after)
        self.retries_made = 0

    def _should_retry(self, response) -> bool:
        # llama-cpp-python's server refuses a strict json_schema response_format with HTTP 500 and a
        # validation message: a refusal that no retry can change, so the dialect probe moves on.
        if response.status_code >= 500 and refuses_response_format(response):
            return False
        return super()._should_retry(response)

    def _calculate_retry_timeout(self, remaining_retries, options, response_headers=None) -> float:
        self.retries_made += 1
        initial, most, max_after = self._backoff
        after = self._parse_retry_after_header(response_headers)
        if after is not None and 0 < after < float("inf"):
            return min(after, max_after)  # the server said how long; our ceiling still applies
        nb = min(options.get_max_retries(self.max_retries) - remaining_retries, 1000)
        return min(initial * 2.0 ** nb, most) * (1 - 0.25 * random.random())


def ollama_base_url() -> str:
    host = os.environ.get("OLLAMA_HOST", "127.0.0.1:11434")
    if not host.startswith(("http://", "https://")):
        host = "http://" + host
    return host.rstrip("/") + "/v1"


class OpenAIBackend:
    def __init__(self, model: str, base_url: str | None = None, *, spec: str | None = None,
                 api_key: str | None = None, api_key_env: str | None = None, timeout: float = 180.0,
                 connect_timeout: float = 10.0, max_retries: int = 3, backoff_initial: float = 0.5,
                 backoff_max: float = 8.0, max_retry_after: float = 60.0, dialect: str | None = None,
                 reasoning: bool | None = None, token_param: str | None = None,
                 extra_body: dict[str, Any] | None = None, organization: str | None = None):
        if not model:
            raise InputError("the openai backend needs a model name: openai:MODEL or openai:MODEL@BASE_URL")
        if dialect is not None and dialect not in DIALECTS:
            raise InputError(f"dialect must be one of {', '.join(DIALECTS)}, not {dialect!r}")
        self.model = model
        self.base_url = base_url.rstrip("/") if base_url else None
        self.spec = spec or (f"openai:{model}@{self.base_url}" if self.base_url else f"openai:{model}")
        key = api_key or find_api_key(self.base_url, api_key_env)
        if not key:
            if not is_local_url(self.base_url):
                provider, env_name = provider_for(self.base_url)
                raise BackendUnavailable(
                    f"no API key for {self.spec}: set {api_key_env or env_name} in the environment or "
                    f"`{provider} = \"...\"` under [keys] in the config file (never on the command line)")
            key = "not-needed"  # local servers ignore it; the SDK wants something
        self._api_key = key
        self._connect_timeout = float(connect_timeout)
        self.dialect = dialect            # settled structured-output dialect (None: not probed yet)
        self._dialect_forced = dialect is not None
        self.reasoning = is_reasoning_model(model) if reasoning is None else reasoning
        # Reasoning models count hidden reasoning against `max_completion_tokens` and refuse `max_tokens`;
        # every other server (llama.cpp, vLLM, DeepSeek, Ollama) knows `max_tokens`.
        self.token_param = token_param or ("max_completion_tokens" if self.reasoning else "max_tokens")
        self.extra_body = dict(extra_body or {})
        self.client = _Client(api_key=key, base_url=self.base_url, organization=organization,
                              timeout=openai.Timeout(float(timeout), connect=float(connect_timeout)),
                              max_retries=int(max_retries), backoff_initial=float(backoff_initial),
                              backoff_max=float(backoff_max), max_retry_after=float(max_retry_after))

    def __repr__(self) -> str:  # never shows the key
        return f"OpenAIBackend({self.spec!r})"

    async def preflight(self) -> None:
        """Before a run's first move: can a connection to the server be opened at all? Only a TCP
        connect (no request, so no tokens, no retries and nothing a server counts); a dead URL is
        found now instead of after three failed moves. Skipped behind a proxy, which the SDK uses."""
        import asyncio
        import urllib.request
        from urllib.parse import urlsplit

        url = urlsplit(str(self.client.base_url))
        host, port = url.hostname or "", url.port or (443 if url.scheme == "https" else 80)
        if urllib.request.getproxies().get(url.scheme) and not urllib.request.proxy_bypass(host):
            return
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), self._connect_timeout)
        except OSError as err:   # TimeoutError included
            why = ("timed out" if isinstance(err, TimeoutError) else "connection refused"
                   if isinstance(err, ConnectionRefusedError) else str(err) or type(err).__name__)
            raise BackendUnavailable(f"cannot connect to {url.scheme}://{url.netloc} ({why}); is the server "
                                     "running and the URL right?") from None
        writer.close()

    @property
    def retries_made(self) -> int:
        return self.client.retries_made

    async def complete(self, request: LLMRequest) -> LLMResponse:
        return await complete_structured(request, lambda messages: self._call_with_dialect(request, messages))

    async def _call_with_dialect(self, request: LLMRequest, messages: list[Message]) -> LLMResponse:
        if request.output_schema is None:
            return await self._call(request, messages, None)
        if self.dialect is not None:
            return await self._call(request, messages, self.dialect)
        first_error: BackendError | None = None
        for dialect in DIALECTS:  # probe once, best first; keep what works
            try:
                response = await self._call(request, messages, dialect)
            except _Rejected as err:
                first_error = first_error or err.error
                continue
            self.dialect = dialect
            return response
        raise first_error or BackendError("no structured-output dialect worked")

    async def _call(self, request: LLMRequest, messages: list[Message], dialect: str | None) -> LLMResponse:
        body = chat_body(request, messages, dialect, token_param=self.token_param, sampling=not self.reasoning,
                         reasoning_effort=self.reasoning, model=self.model)
        started = time.perf_counter()
        try:
            completion = await self.client.chat.completions.create(**body, extra_body=self.extra_body or None)
        except (openai.BadRequestError, openai.UnprocessableEntityError) as err:
            mapped = BackendError(self._message("rejected the request", err))
            if dialect in ("json_schema", "json_object") and not self._dialect_forced and self.dialect is None:
                raise _Rejected(mapped) from None  # maybe the response_format: try the next dialect
            raise mapped from None
        except openai.InternalServerError as err:
            probing = dialect in ("json_schema", "json_object") and not self._dialect_forced and self.dialect is None
            if probing and refuses_response_format(err.response):   # a 500 that names the format: a refusal
                raise _Rejected(BackendError(self._message("refused the response format", err))) from None
            raise self._map_error(err) from None
        except openai.OpenAIError as err:
            raise self._map_error(err) from None
        except ValueError as err:  # the SDK lets a body that is not JSON through as JSONDecodeError
            raise ServerError(self._message("sent a body that is not valid JSON", err)) from None
        latency = time.perf_counter() - started
        if not isinstance(completion, openai.types.chat.ChatCompletion):
            raise ServerError(f"{self.spec}: the server's answer is not a chat completion: {str(completion)[:200]!r}")
        try:
            response = read_completion(completion.model_dump())
        except ServerError as err:
            raise ServerError(f"{self.spec}: {err}") from None
        response.latency_s = round(latency, 6)
        response.model = response.model or self.model
        response.dialect = dialect
        u = response.usage
        u.cost_usd = cost_usd(self.model, u.prompt_tokens, u.cached_tokens, u.completion_tokens)
        return response

    def _message(self, what: str, err: Exception) -> str:
        detail = getattr(err, "message", None) or str(err)
        return redact(f"{self.spec} {what}: {detail}", self._api_key)

    def _map_error(self, err: openai.OpenAIError) -> BackendError:
        retries = f" (after {self.client.max_retries} retries)" if self.client.max_retries else ""
        if isinstance(err, openai.APITimeoutError):
            return BackendTimeout(self._message(f"timed out{retries}", err))
        if isinstance(err, openai.APIConnectionError):
            cause = err.__cause__
            if type(cause).__name__ == "ConnectError":
                return BackendUnavailable(self._message(f"cannot connect (is the server running?){retries}", cause))
            return ServerError(self._message(f"connection failed{retries}", cause or err))
        if isinstance(err, openai.RateLimitError):
            return RateLimited(self._message(f"is rate limited{retries}", err))
        if isinstance(err, (openai.AuthenticationError, openai.PermissionDeniedError)):
            _, env_name = provider_for(self.base_url)
            return BackendUnavailable(self._message(f"refused the API key (check {env_name})", err))
        if isinstance(err, openai.NotFoundError):
            return BackendUnavailable(self._message(f"does not know model {self.model!r} or the URL is wrong", err))
        if isinstance(err, openai.APIStatusError):
            if err.status_code >= 500:
                return ServerError(self._message(f"server error {err.status_code}{retries}", err))
            return BackendError(self._message(f"HTTP {err.status_code}", err))
        if isinstance(err, openai.APIResponseValidationError):
            return ServerError(self._message("sent an invalid response", err))
        return BackendError(self._message("failed", err))

    async def aclose(self) -> None:
        await self.client.close()


class _Rejected(Exception):
    def __init__(self, error: BackendError):
        self.error = error
