"""What every baseline shares: prompts as package data, messages, the verifier, and the run's
bookkeeping (steps, Verification events, the final status)."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from agent.backends.base import Message
from agent.errors import BackendError, InvalidOutput
from agent.trace.events import Verification

ATTACK_ID = "baseline"   # baselines have no lines of attack; their events carry this id


@cache
def load_prompt(name: str) -> str:
    return resources.files("agent.baselines").joinpath("prompts", f"{name}.md").read_text(encoding="utf-8")


def render(name: str, **values: Any) -> str:
    return string.Template(load_prompt(name)).safe_substitute(**values).strip()


def problem_text(problem: Any) -> str:
    from strategies.base import describe_problem

    return describe_problem(problem)


def messages(problem: Any, task: str) -> list[Message]:
    """System prompt, then the problem, then the task: the same prefix for every call of a run."""
    return [Message(role="system", content=load_prompt("system").strip()),
            Message(role="user", content=f"PROBLEM\n{problem_text(problem)}\n\nYOUR TASK\n{task}")]


def options(spec: str) -> dict[str, int]:
    """Options from a policy spec (`tot`, `tot:5`, `tot:b=5,values=3`), defaults filled in from the
    one list in agent.policyspec."""
    from agent.policyspec import parse_policy

    return {k: int(v) for k, v in parse_policy(spec).options.items()}


def begin_step(ctx: Any, state: Any) -> int:
    """Count one step (one sample, one search level) the way the loop counts moves."""
    return ctx.meter.begin_step()


def check(ctx: Any, state: Any, problem: Any, candidate: str) -> Any:
    """Hand a candidate to the problem's verifier and record the result as a Verification event."""
    from agent.verify import verify

    result = verify(problem, candidate)
    ctx.emit(Verification(run_id="", step=state.step, attack_id=ATTACK_ID, candidate=candidate,
                          ok=result.ok, verified=result.verified, reason=result.reason))
    return result


def finish(state: Any, candidate: str | None, result: Any, why: str = "") -> None:
    """Set the run's outcome from the verifier's result on the submitted answer."""
    state.answer = candidate
    if result is not None and result.ok:
        state.status, state.verified = "solved", bool(result.verified)
        state.end_reason = why or ("the verifier accepted the answer" if result.verified
                                   else "accepted without an exact verifier (unverified)")
    else:
        state.status, state.verified = "unsolved", False
        reason = result.reason if result is not None else "no answer"
        state.end_reason = (f"{why}; " if why else "") + f"rejected: {reason}"


async def ask_or_none(ctx: Any, purpose: str, msgs: list[Message], output_type: type, *,
                      max_tokens: int, temperature: float | None, failures: list[str]) -> Any:
    """One call; a backend failure or unparsable output is recorded (the trace has the call) and
    returns None so a sampling baseline can go on. BudgetExceeded propagates: the run ends."""
    try:
        out, _ = await ctx.ask(purpose, msgs, output_type, max_tokens=max_tokens, temperature=temperature)
        return out
    except BackendError as err:
        failures.append(f"{type(err).__name__}: {err}")
        return None


def fail_status(state: Any, failures: list[str]) -> None:
    """Every call failed: invalid output is the model's failure (unsolved); anything else is the
    backend's (error)."""
    last = failures[-1] if failures else "no answer"
    state.status = "unsolved" if failures and failures[-1].startswith(InvalidOutput.__name__) else "error"
    state.end_reason = last


_SPACE = re.compile(r"\s+")
_ANSWER_PREFIX = re.compile(r"^(?:final\s+answer|answer)\s*(?:is)?\s*[:：]\s*", re.I)


def vote_key(answer: str, normalize: Callable[[str], str] | None = None) -> str:
    """What majority voting compares: the answer with spacing, an `Answer:` prefix, operator
    spellings and a trailing `= target` removed."""
    text = _ANSWER_PREFIX.sub("", answer.strip())
    if normalize:
        text = normalize(text)
    text = text.replace("×", "*").replace("÷", "/").replace("−", "-")
    text = _SPACE.sub("", text).rstrip(".").lower()
    return text
