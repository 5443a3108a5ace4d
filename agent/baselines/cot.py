"""`cot`: chain-of-thought as the literature runs it — the model reasons in plain text and ends with
"Answer: ..." (Wei et al. 2022; Kojima et al. 2022); one call, greedy decoding.

The answer is taken from the text by a parser (`agent.verify.extract`: the last \\boxed{}, else the
last "Answer:" line). Only when neither is there does one small structured call ask for the final
answer alone, with the reasoning shown. Reasoning written inside a JSON string made the 1.5B model
weaker: on GSM8K it wrote one step and answered (1 of 8 solved, against 4 of 8 in plain text).
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.backends.base import Message
from agent.baselines import baseline
from agent.baselines._common import (
    begin_step,
    check,
    fail_status,
    finish,
    load_prompt,
    problem_text,
    render,
)
from agent.errors import BackendError
from agent.verify.extract import parse_answer
from strategies.base import ask_final_answer

COT_MAX_TOKENS = 1024


@dataclass
class Sample:
    reasoning: str
    answer: str
    parsed_by: str          # "answer line", "boxed", "extraction call", or "none"


def text_messages(problem, task: str) -> list[Message]:
    return [Message(role="system", content=load_prompt("system_text").strip()),
            Message(role="user", content=f"{problem_text(problem)}\n\n{task}")]


async def reasoned_sample(ctx, problem, *, purpose: str, temperature: float, failures: list[str]) -> Sample | None:
    """One chain-of-thought sample in free text (shared with self-consistency)."""
    msgs = text_messages(problem, render("cot"))
    try:
        text, _ = await ctx.ask_text(purpose, msgs, max_tokens=COT_MAX_TOKENS, temperature=temperature)
    except BackendError as err:
        failures.append(f"{type(err).__name__}: {err}")
        return None
    answer, how = parse_answer(text)
    if answer is None:   # no answer line: one short structured call for the answer alone
        try:
            answer, how = await ask_final_answer(ctx, purpose + ":extract", msgs, text), "extraction call"
        except BackendError as err:
            failures.append(f"{type(err).__name__}: {err}")
            answer, how = "", "none"
    return Sample(reasoning=text, answer=answer.strip(), parsed_by=how)


@baseline("cot")
async def cot(ctx, problem, state) -> None:
    begin_step(ctx, state)
    failures: list[str] = []
    out = await reasoned_sample(ctx, problem, purpose="baseline:cot", temperature=0.0, failures=failures)
    if out is None or not out.answer:
        fail_status(state, failures or ["InvalidOutput: the reply gave no answer"])
        return
    finish(state, out.answer, check(ctx, state, problem, out.answer))
