"""llama.cpp in-process through xllamacpp: one loaded model per GGUF per process, shared.

`xllamacpp.Server` loads the model and runs llama.cpp's own server inside this process: it answers
`handle_chat_completions(dict)` directly and also listens on HTTP (127.0.0.1 only, a free port), so
the same loaded model can serve the `local` backend and an OpenAI client (`server_url()`).
`handle_chat_completions` blocks; calls are admitted per model by a thread semaphore with one permit
per llama.cpp slot (taken inside the worker thread, so it holds across event loops too). One slot by
default: every call then extends the same cached prefix. More slots (`POLYA_PARALLEL=N`) let
llama.cpp decode N requests in one batch, which pays off for concurrent bench runs; the context is
split between the slots.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.errors import BackendUnavailable

ALTERNATIVES = ("use any local OpenAI-compatible server instead, e.g. `ollama:MODEL` (Ollama), or "
                "`openai:MODEL@http://127.0.0.1:PORT/v1` for llama.cpp's llama-server, llama-cpp-python "
                "(pip install 'llama-cpp-python[server]', which compiles), vLLM or LM Studio")


@dataclass(frozen=True)
class LlamaSettings:
    threads: int = 1
    n_ctx: int = 8192
    port: int = 0                 # 0: a free port
    cache_ram_mib: int = 512      # host-memory prompt cache (llama.cpp's default is 8 GiB)
    verbosity: int = -1           # llama.cpp log level; its default (3) logs every request
    parallel: int = 1             # llama.cpp slots (requests decoded together); n_ctx is split between them


@dataclass
class LoadedModel:
    path: Path
    settings: LlamaSettings
    server: Any
    load_s: float
    slots: threading.Semaphore = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.slots is None:
            self.slots = threading.Semaphore(max(1, self.settings.parallel))
    calls: int = 0

    @property
    def base_url(self) -> str:
        """OpenAI-compatible base URL of the same model over HTTP (127.0.0.1)."""
        return self.server.listening_address.rstrip("/") + "/v1"

    def count_tokens(self, messages: list[dict[str, Any]]) -> int:
        """Prompt tokens of a chat request, as the server counts them: its chat template, then its
        tokenizer (llama.cpp's /apply-template and /tokenize endpoints)."""
        prompt = _post_json(self.server.listening_address, "/apply-template", {"messages": messages})["prompt"]
        tokens = _post_json(self.server.listening_address, "/tokenize", {"content": prompt, "add_special": True})
        return len(tokens["tokens"])

    def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        """One blocking chat completion (run it in a worker thread)."""
        with self.slots:
            self.calls += 1
            return self.server.handle_chat_completions(body)


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _post_json(address: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(address.rstrip("/") + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with _NO_PROXY.open(request, timeout=30) as reply:   # 127.0.0.1: never through a proxy
        return json.loads(reply.read())


_MODELS: dict[str, LoadedModel] = {}
_LOAD_LOCK = threading.Lock()


def default_parallel() -> int:
    env = os.environ.get("POLYA_PARALLEL", "")
    return int(env) if env.isdigit() and int(env) > 0 else 1


def default_threads() -> int:
    env = os.environ.get("POLYA_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    # Half the logical CPUs: llama.cpp decodes fastest on physical cores, and one thread beats two
    # when another process is busy on a 2-core machine.
    return max(1, (os.cpu_count() or 2) // 2)


def import_xllamacpp():
    """The xllamacpp module, or BackendUnavailable saying why not and what to use instead."""
    machine = platform.machine().lower()
    if sys.platform.startswith("linux") and machine in ("x86_64", "amd64"):
        try:
            flags = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            flags = "avx2"
        if "avx2" not in flags:
            raise BackendUnavailable(f"this CPU lacks AVX2, which xllamacpp's wheels need; {ALTERNATIVES}")
    try:
        import xllamacpp
    except ImportError as err:
        raise BackendUnavailable(
            f"the embedded model needs xllamacpp, which is not installed or has no wheel for "
            f"{sys.platform}/{machine} ({err}); install it with: pip install 'polya-agent[local]', or "
            f"{ALTERNATIVES}") from None
    return xllamacpp


def load(path: str | os.PathLike, settings: LlamaSettings | None = None) -> LoadedModel:
    """The loaded model for `path`, loading it on first use (the first caller's settings win)."""
    key = str(Path(path).resolve())
    with _LOAD_LOCK:
        model = _MODELS.get(key)
        if model is not None:
            return model
        settings = settings or LlamaSettings(threads=default_threads())
        xl = import_xllamacpp()
        if not Path(key).is_file():
            raise BackendUnavailable(f"no model file at {key}")
        params = xl.CommonParams()
        params.model.path = key
        params.model_alias = {Path(key).stem}
        params.n_ctx = settings.n_ctx
        params.n_parallel = max(1, settings.parallel)
        params.cpuparams.n_threads = settings.threads
        params.cpuparams_batch.n_threads = settings.threads
        params.use_jinja = True        # the model's own chat template
        params.cache_prompt = True
        params.cache_ram_mib = settings.cache_ram_mib
        params.verbosity = settings.verbosity
        params.hostnames = ["127.0.0.1"]  # no API key on this server: never listen beyond loopback
        params.port = settings.port
        started = time.perf_counter()
        try:
            server = xl.Server(params)
        except Exception as err:  # llama.cpp reports a bad file as a generic runtime error
            raise BackendUnavailable(f"llama.cpp could not load {key}: {err}") from None
        model = LoadedModel(Path(key), settings, server, round(time.perf_counter() - started, 3))
        _MODELS[key] = model
        return model


def loaded_models() -> list[LoadedModel]:
    with _LOAD_LOCK:
        return list(_MODELS.values())
