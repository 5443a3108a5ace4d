"""`direct`: ask once for the answer, no reasoning, greedy decoding."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.baselines import baseline
from agent.baselines._common import ask_or_none, begin_step, check, fail_status, finish, messages, render
from strategies.base import clipped


class DirectAnswer(BaseModel):
    answer: clipped(120) = Field(description="the final answer only, in the format the problem asks for")


@baseline("direct")
async def direct(ctx, problem, state) -> None:
    begin_step(ctx, state)
    failures: list[str] = []
    out = await ask_or_none(ctx, "baseline:direct", messages(problem, render("direct")), DirectAnswer,
                            max_tokens=128, temperature=0.0, failures=failures)
    if out is None:
        fail_status(state, failures)
        return
    answer = out.answer.strip()
    finish(state, answer, check(ctx, state, problem, answer) if answer else None)
