"""Attempt: construct a candidate answer and hand it to the checks.

The model reasons in plain text and ends with an answer line, which a parser takes (one short
structured call only when there is none). A proof attempt is kept whole, never clipped, and stays
unverified. A family whose workspace can already hold an answer (a closed countdown node, a
sequence rule that explains every term, a confirmed counterexample) writes it out first with no
model call: `attempt_with(held)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from agent.trace.events import Findings
from agent.verify.extract import parse_answer, strip_reasoning
from strategies.base import MoveFn, MoveInput, MoveOutcome, ask_final_answer, messages, move, render

ATTEMPT_MAX_TOKENS = 768
ANSWER_LINE = "End with the final answer, in the format the problem asks for, on the last line as: Answer: <answer>"
PROOF_KINDS = ("proof", "open")


@move("attempt", "construct a candidate answer and submit it to the verifier")
async def attempt(inp: MoveInput) -> MoveOutcome:
    proof = getattr(inp.problem, "kind", "") in PROOF_KINDS
    task = render("attempt") + ("" if proof else "\n" + ANSWER_LINE)
    msgs = messages(inp, task, text=True)
    text, _ = await inp.ctx.ask_text("move:attempt", msgs,
                                     max_tokens=max(inp.ctx.settings.max_tokens_per_call, ATTEMPT_MAX_TOKENS))
    if proof:
        answer = strip_reasoning(text).strip()           # the whole argument, unclipped
    else:
        answer, _ = parse_answer(text)
        if answer is None:                               # no answer line: ask for the answer alone
            answer = await ask_final_answer(inp.ctx, "move:attempt:extract", msgs, text)
        answer = answer.strip()
    findings = Findings(candidates=[answer] if answer else [],
                        facts=[] if answer else ["An attempt produced no answer."])
    return MoveOutcome(findings, summary=" ".join(strip_reasoning(text).split())[:300])


def attempt_with(held: Callable[[MoveInput], Awaitable[MoveOutcome | None]]) -> MoveFn:
    """An attempt that writes out the answer the family's workspace holds (`held` returns it, or
    None), and asks the model only when it holds none."""

    async def attempt_held_first(inp: MoveInput) -> MoveOutcome:
        out = await held(inp)
        return out if out is not None else await attempt(inp)

    return attempt_held_first
