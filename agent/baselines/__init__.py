"""Baseline controllers compared against the metacognitive loop in the same harness.

A baseline is `async fn(ctx: RunContext, problem, state: RunState) -> None`: it makes its LLM
calls through `ctx.ask` (recorded and budgeted like the loop's), verifies candidates with
`agent.verify.verify`, emits Verification events, and sets `state.status / answer / verified`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

BaselineFn = Callable[[Any, Any, Any], Awaitable[None]]

_BASELINES: dict[str, BaselineFn] = {}


def baseline(name: str) -> Callable[[BaselineFn], BaselineFn]:
    def register(fn: BaselineFn) -> BaselineFn:
        _BASELINES[name] = fn
        return fn

    return register


def get_baseline(policy: str) -> BaselineFn | None:
    """The baseline for a policy spec such as `cot`, `self-consistency` or `self-consistency:5`
    (None for the loop's policies); InputError for a spec agent.policyspec does not accept."""
    from agent.policyspec import parse_policy

    spec = parse_policy(policy)
    if not spec.is_baseline:
        return None
    _load()
    return _BASELINES[spec.name]


def baseline_names() -> list[str]:
    _load()
    return sorted(_BASELINES)


def _load() -> None:
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
