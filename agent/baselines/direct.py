"""`direct`: ask once for the answer, no reasoning, greedy decoding, plain text ("Answer: ...")."""

from __future__ import annotations

from agent.baselines import baseline
from agent.baselines._common import begin_step, check, fail_status, finish, render
from agent.baselines.cot import text_messages
from agent.errors import BackendError
from agent.verify.extract import parse_answer, strip_reasoning

DIRECT_MAX_TOKENS = 128


@baseline("direct")
async def direct(ctx, problem, state) -> None:
    begin_step(ctx, state)
    try:
        text, _ = await ctx.ask_text("baseline:direct", text_messages(problem, render("direct")),
                                     max_tokens=DIRECT_MAX_TOKENS, temperature=0.0)
    except BackendError as err:
        fail_status(state, [f"{type(err).__name__}: {err}"])
        return
    answer, _ = parse_answer(text)
    if answer is None:   # told to reply with the answer alone: a bare reply is the answer
        lines = [ln.strip() for ln in strip_reasoning(text).splitlines() if ln.strip()]
        answer = lines[-1] if lines else ""
    finish(state, answer, check(ctx, state, problem, answer) if answer else None)
