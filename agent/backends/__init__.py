"""Backends and the registry that turns spec strings into them.

    make_backend("local")                                   # embedded Qwen2.5-Coder-1.5B
    make_backend("local:small", threads=1, n_ctx=2048)      # the 0.5B sibling
    make_backend("openai:gpt-4o-mini")                      # key from OPENAI_API_KEY or the config file
    make_backend("openai:qwen@http://127.0.0.1:8080/v1")    # any OpenAI-compatible server
    make_backend("ollama:qwen2.5-coder:1.5b")

A spec is `SCHEME` or `SCHEME:REST`. A scheme maps to a factory `factory(rest, **settings) -> Backend`:
built-ins here, code can add one with `register_backend(scheme, factory)`, and installed packages
through the entry point group `polya.backends` (name = scheme, value = the factory).
Settings come from keyword arguments, then the config file's `[backend.SCHEME]` table.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from agent.backends.base import Backend, LLMRequest, LLMResponse, Message, Usage
from agent.errors import BackendUnavailable, InputError

__all__ = ["Backend", "LLMRequest", "LLMResponse", "Message", "Usage", "make_backend", "open_backend", "available_backends",
           "register_backend", "BackendInfo", "parse_spec"]

Factory = Callable[..., Backend]
ENTRY_POINT_GROUP = "polya.backends"


@dataclass
class BackendInfo:
    scheme: str
    summary: str
    source: str              # builtin | registered | entry point "pkg.module:func"
    available: bool = True
    detail: str = ""         # why not available, or what is installed


def _local(rest: str, **settings: Any) -> Backend:
    from agent.backends.local import LocalBackend

    return LocalBackend(rest, **settings)


_URL_SPLIT = re.compile(r"^(?P<model>.*?)@(?P<url>https?://.+)$")


def _openai(rest: str, **settings: Any) -> Backend:
    from agent.backends.openai_compat import OpenAIBackend

    match = _URL_SPLIT.match(rest)
    model, url = (match["model"], match["url"]) if match else (rest, None)
    return OpenAIBackend(model, url, **settings)


def _ollama(rest: str, **settings: Any) -> Backend:
    from agent.backends.openai_compat import OpenAIBackend, ollama_base_url

    if not rest:
        raise InputError("ollama needs a model name: ollama:MODEL (e.g. ollama:qwen2.5-coder:1.5b)")
    return OpenAIBackend(rest, settings.pop("base_url", None) or ollama_base_url(), spec=f"ollama:{rest}", **settings)


def _scripted(rest: str, **settings: Any) -> Backend:
    from agent.backends.scripted import from_spec

    return from_spec(rest, **settings)


_BUILTINS: dict[str, tuple[Factory, str]] = {
    "local": (_local, "embedded llama.cpp (xllamacpp): local, local:small, local:PATH.gguf"),
    "openai": (_openai, "OpenAI or any compatible server: openai:MODEL, openai:MODEL@BASE_URL"),
    "ollama": (_ollama, "a local Ollama server: ollama:MODEL"),
    "scripted": (_scripted, "canned answers for tests: scripted:FILE.json, scripted:echo"),
}
# Settings of a scheme's config table apply to the schemes built on it too.
_CONFIG_SCHEME = {"ollama": "openai"}

_registered: dict[str, tuple[Factory, str]] = {}
_lock = threading.Lock()


async def open_backend(spec: str, **settings: Any) -> Backend:
    """`make_backend`, then the cheap check the backend offers before a run's first move
    (`preflight()`: the openai backend's TCP connect; the local backend checks its weights when it
    is made). A backend that cannot be had (no weights, a dead URL) is bad input: InputError, one
    line, before any trace is written, not a run that fails three moves in."""
    try:
        backend = make_backend(spec, **settings)
    except BackendUnavailable as err:
        raise InputError(str(err), where=f"backend {spec}") from None
    check = getattr(backend, "preflight", None)
    try:
        if check is not None:
            await check()
    except BackendUnavailable as err:
        await backend.aclose()
        raise InputError(str(err), where=f"backend {spec}") from None
    return backend


def register_backend(scheme: str, factory: Factory, summary: str = "", *, replace: bool = False) -> None:
    """Make `SCHEME:...` specs build backends with `factory(rest, **settings)`."""
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", scheme):
        raise ValueError(f"backend scheme must be lower-case letters, digits, - or _: {scheme!r}")
    with _lock:
        if not replace and (scheme in _registered or scheme in _BUILTINS):
            raise ValueError(f"backend scheme {scheme!r} is already registered")
        _registered[scheme] = (factory, summary or (factory.__doc__ or "").strip().split("\n")[0])


def unregister_backend(scheme: str) -> None:
    with _lock:
        _registered.pop(scheme, None)


def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def parse_spec(spec: str) -> tuple[str, str]:
    """(scheme, rest) of a spec string."""
    if not isinstance(spec, str) or not spec.strip():
        raise InputError("empty backend spec; try `local`, `openai:MODEL` or see `polya backends`")
    scheme, _, rest = spec.strip().partition(":")
    return scheme.lower(), rest


def _factory(scheme: str) -> Factory:
    with _lock:
        if scheme in _registered:
            return _registered[scheme][0]
    if scheme in _BUILTINS:
        return _BUILTINS[scheme][0]
    eps = _entry_points()
    if scheme in eps:
        try:
            return eps[scheme].load()
        except Exception as err:  # a broken plugin must not take the CLI down with a traceback
            raise BackendUnavailable(f"backend plugin {scheme!r} ({eps[scheme].value}) failed to load: {err}") from None
    known = sorted(set(_BUILTINS) | set(_registered) | set(eps))
    raise InputError(f"unknown backend {scheme!r} (known: {', '.join(known)}); see `polya backends`")


def make_backend(spec: str, **settings: Any) -> Backend:
    """The backend named by `spec`; `settings` override the config file's `[backend.SCHEME]`."""
    from agent.backends.config import scheme_settings

    scheme, rest = parse_spec(spec)
    factory = _factory(scheme)
    merged = {**scheme_settings(_CONFIG_SCHEME.get(scheme, scheme)), **settings}
    try:
        return factory(rest, **merged)
    except TypeError as err:
        if "unexpected keyword argument" in str(err):
            raise InputError(f"backend {scheme!r} does not take that setting: {err}") from None
        raise


def available_backends() -> list[BackendInfo]:
    """Every known scheme, with whether it can be used here (cheap: loads no model)."""
    infos = [BackendInfo(s, summary, "builtin") for s, (_, summary) in _BUILTINS.items()]
    with _lock:
        infos += [BackendInfo(s, summary, "registered") for s, (_, summary) in _registered.items()]
    known = {i.scheme for i in infos}
    for name, ep in sorted(_entry_points().items()):
        if name not in known:
            infos.append(BackendInfo(name, "", f"entry point {ep.value}"))
    for info in infos:
        if info.scheme == "local":
            info.available, info.detail = _local_status()
    return infos


def _local_status() -> tuple[bool, str]:
    from agent.backends import llamacpp, weights

    try:
        llamacpp.import_xllamacpp()
    except BackendUnavailable as err:
        return False, str(err)
    lines, any_ok = [], False
    for alias, w in weights.MODELS.items():
        name = f"local:{alias}" if alias else "local"
        assembled = (weights.cache_dir() / w.filename).is_file()
        if assembled or weights.parts_installed(w):
            any_ok = True
            lines.append(f"{name}: {w.description}" + ("" if assembled else " (assembled on first use)"))
        else:
            lines.append(f"{name}: not installed ({weights.install_command(w)})")
    return any_ok, "; ".join(lines)
