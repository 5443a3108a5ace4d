"""`cot`: chain-of-thought — reason step by step, then answer; one call, greedy decoding."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.baselines import baseline
from agent.baselines._common import ask_or_none, begin_step, check, fail_status, finish, messages, render
from strategies.base import clipped

# Room for the bounded reasoning (see strategies.base.token_room); 512 cut replies mid-string, and a
# greedy 1.5B sample can loop ("add 1 ... subtract 1 ...") until the string bound closes it.
COT_MAX_TOKENS = 1024


class ReasonedAnswer(BaseModel):
    reasoning: clipped(1300) = Field(description="short numbered steps that lead to the answer")
    answer: clipped(120) = Field(description="the final answer only, in the format the problem asks for")


async def reasoned_sample(ctx, problem, *, purpose: str, temperature: float, failures: list[str]):
    """One chain-of-thought sample (shared with self-consistency)."""
    return await ask_or_none(ctx, purpose, messages(problem, render("cot")), ReasonedAnswer,
                             max_tokens=COT_MAX_TOKENS, temperature=temperature, failures=failures)


@baseline("cot")
async def cot(ctx, problem, state) -> None:
    begin_step(ctx, state)
    failures: list[str] = []
    out = await reasoned_sample(ctx, problem, purpose="baseline:cot", temperature=0.0, failures=failures)
    if out is None:
        fail_status(state, failures)
        return
    answer = out.answer.strip()
    finish(state, answer, check(ctx, state, problem, answer) if answer else None)
