"""Backend settings, API keys and prices.

Precedence for a setting: keyword given in code > environment > config file > default.
The config file is TOML at $POLYA_CONFIG, else ~/.config/polya/config.toml:

    [backend.openai]          # settings for every `openai:` spec (and `ollama:`, which is openai underneath)
    timeout = 60
    max_retries = 4

    [backend.local]
    threads = 2

    [keys]                    # API keys by provider; the environment wins over these
    openrouter = "sk-or-..."

    [prices."my-model"]       # USD per million tokens
    input = 0.2
    cached_input = 0.05
    output = 0.8

API keys never come from the command line and never appear in a spec, a trace or a log line:
`redact()` scrubs them from every error message a backend raises.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pydantic import BaseModel

from agent.errors import InputError


def config_path() -> Path:
    env = os.environ.get("POLYA_CONFIG")
    return Path(env).expanduser() if env else Path.home() / ".config" / "polya" / "config.toml"


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"not valid TOML: {err}", where=path) from None


def load_config() -> dict[str, Any]:
    path = config_path()
    if not path.is_file():
        return {}
    return _load(str(path), path.stat().st_mtime)


def scheme_settings(scheme: str) -> dict[str, Any]:
    """The `[backend.SCHEME]` table of the config file."""
    table = load_config().get("backend", {}).get(scheme, {})
    if not isinstance(table, dict):
        raise InputError(f"[backend.{scheme}] must be a table", where=str(config_path()))
    if "api_key" in table:
        raise InputError("put API keys under [keys] (by provider), not in [backend.*]", where=str(config_path()))
    return dict(table)


# -- API keys --------------------------------------------------------------------------------
# Known providers by host: the environment variable that holds their key.
PROVIDERS: dict[str, tuple[str, str]] = {
    # host suffix: (provider name, environment variable)
    "api.openai.com": ("openai", "OPENAI_API_KEY"),
    "openrouter.ai": ("openrouter", "OPENROUTER_API_KEY"),
    "api.deepseek.com": ("deepseek", "DEEPSEEK_API_KEY"),
    "api.together.xyz": ("together", "TOGETHER_API_KEY"),
    "api.groq.com": ("groq", "GROQ_API_KEY"),
}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


def provider_for(base_url: str | None) -> tuple[str, str]:
    """(provider name, key variable) for a base URL; OpenAI itself when there is none."""
    if not base_url:
        return PROVIDERS["api.openai.com"]
    host = (urlparse(base_url).hostname or "").lower()
    for suffix, found in PROVIDERS.items():
        if host == suffix or host.endswith("." + suffix):
            return found
    return (host or "custom", "OPENAI_API_KEY")


def is_local_url(base_url: str | None) -> bool:
    return bool(base_url) and (urlparse(base_url).hostname or "").lower() in LOCAL_HOSTS


def find_api_key(base_url: str | None, key_env: str | None = None) -> str | None:
    """The key for a server: $key_env if named, else the provider's variable, else the config file."""
    provider, env_name = provider_for(base_url)
    for name in (key_env, env_name, "POLYA_API_KEY"):
        if name and os.environ.get(name):
            return os.environ[name]
    keys = load_config().get("keys", {})
    value = keys.get(provider) if isinstance(keys, dict) else None
    return str(value) if value else None


def redact(text: str, *secrets: str | None) -> str:
    """`text` with every secret (and its first 12 characters, which servers like to echo) masked."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
            if len(secret) > 16:
                text = text.replace(secret[:12], "***")
    return text


# -- prices ----------------------------------------------------------------------------------
class Price(BaseModel):
    """USD per million tokens."""

    input: float
    output: float
    cached_input: float | None = None


# A few well-known list prices; extend or override with register_price() or [prices] in the config.
PRICES: dict[str, Price] = {
    "gpt-4o": Price(input=2.5, cached_input=1.25, output=10.0),
    "gpt-4o-mini": Price(input=0.15, cached_input=0.075, output=0.6),
    "gpt-4.1": Price(input=2.0, cached_input=0.5, output=8.0),
    "gpt-4.1-mini": Price(input=0.4, cached_input=0.1, output=1.6),
    "gpt-4.1-nano": Price(input=0.1, cached_input=0.025, output=0.4),
    "o1": Price(input=15.0, cached_input=7.5, output=60.0),
    "o3": Price(input=2.0, cached_input=0.5, output=8.0),
    "o3-mini": Price(input=1.1, cached_input=0.55, output=4.4),
    "o4-mini": Price(input=1.1, cached_input=0.275, output=4.4),
    "deepseek-chat": Price(input=0.27, cached_input=0.07, output=1.1),
    "deepseek-reasoner": Price(input=0.55, cached_input=0.14, output=2.19),
}


def register_price(model: str, *, input: float, output: float, cached_input: float | None = None) -> None:
    PRICES[model] = Price(input=input, output=output, cached_input=cached_input)


def price_for(model: str) -> Price | None:
    table = load_config().get("prices", {})
    if isinstance(table, dict) and model in table:
        try:
            return Price.model_validate(table[model])
        except ValueError as err:
            raise InputError(f"[prices.{model!r}]: {err}", where=str(config_path())) from None
    if model in PRICES:
        return PRICES[model]
    # Dated snapshots ("gpt-4o-mini-2024-07-18") and provider prefixes ("openai/gpt-4o") use the base price.
    base = model.rsplit("/", 1)[-1]
    for name in sorted(PRICES, key=len, reverse=True):
        if base == name or base.startswith(name + "-2"):
            return PRICES[name]
    return None


def cost_usd(model: str, prompt_tokens: int, cached_tokens: int, completion_tokens: int) -> float:
    """Cost of one call; completion tokens include reasoning tokens (as OpenAI bills them)."""
    price = price_for(model)
    if price is None:
        return 0.0
    cached = min(cached_tokens, prompt_tokens)
    cached_rate = price.cached_input if price.cached_input is not None else price.input
    total = (prompt_tokens - cached) * price.input + cached * cached_rate + completion_tokens * price.output
    return round(total / 1_000_000, 8)


def parse_settings(pairs: list[str] | None) -> dict[str, Any]:
    """`KEY=VALUE` strings from the command line as settings (values read as JSON when they parse).
    API keys are refused here: they come from the environment or the config file only."""
    import json

    settings: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise InputError(f"setting {pair!r} is not KEY=VALUE")
        if "key" in key.lower() and key != "api_key_env":
            raise InputError("API keys are not taken on the command line: set the provider's environment "
                             "variable (e.g. OPENAI_API_KEY) or [keys] in the config file; "
                             "api_key_env=NAME names another variable")
        try:
            settings[key] = json.loads(value)
        except json.JSONDecodeError:
            settings[key] = value
    return settings
