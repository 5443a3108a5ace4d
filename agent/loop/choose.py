"""Choosing one of the listed one-step options: the model's judgement, or the `random` ablation's.

A tool lists the options (agent/workspace); the chooser picks one. This is the only place the
model's judgement enters a countdown step, so it is what the `random` policy replaces.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template

from pydantic import BaseModel, Field

from agent.backends.base import Message
from agent.errors import BackendError
from strategies.base import describe_problem, load_prompt

CHOICE_MAX_TOKENS = 24


class OptionPick(BaseModel):
    choice: int = Field(ge=1, description="the number of the chosen option")


@cache
def loop_prompt(name: str) -> str:
    return resources.files("agent.loop").joinpath("prompts", f"{name}.md").read_text(encoding="utf-8").strip()


def render_loop_prompt(name: str, **values) -> str:
    """A loop prompt (judge, controller, choose_step) with its $placeholders filled."""
    return Template(loop_prompt(name)).safe_substitute(**values).strip()


def numbered(texts: list[str]) -> str:
    return "\n".join(f"{i}) {t}" for i, t in enumerate(texts, 1))


def compact_messages(problem, task: str) -> list[Message]:
    """System prompt and problem first (identical on every call: llama.cpp's prefix cache keeps
    them), then only what this choice needs. No notebook: the workspace already says what is true."""
    return [Message(role="system", content=load_prompt("system").strip()),
            Message(role="user", content=f"PROBLEM\n{describe_problem(problem)}\n\n{task}")]


async def model_pick(inp, purpose: str, workspace_text: str, texts: list[str]) -> tuple[int, str]:
    """Index of the option the model picks, and who picked it. A failed call, or a number that is
    not on the list, falls back to the run's seeded RNG and says so."""
    if len(texts) == 1:
        return 0, "rule: the only option"
    # Shown in a seeded random order: a small model favours the first lines, and a fixed order
    # would credit that bias (or the tool's order) to the model's judgement.
    order = list(range(len(texts)))
    inp.ctx.rng.shuffle(order)
    prompt = render_loop_prompt("choose_step", workspace=workspace_text, options=numbered([texts[i] for i in order]))
    try:
        out, _ = await inp.ctx.ask(purpose, compact_messages(inp.problem, prompt), OptionPick,
                                   max_tokens=CHOICE_MAX_TOKENS, temperature=0.0)
    except BackendError as err:
        return inp.ctx.rng.randrange(len(texts)), f"random: the model's pick failed ({type(err).__name__})"
    if not 1 <= out.choice <= len(texts):
        return inp.ctx.rng.randrange(len(texts)), f"random: the model picked {out.choice}, not on the list"
    return order[out.choice - 1], "model"
