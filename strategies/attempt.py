"""Attempt: construct a candidate answer and hand it to the verifier."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.trace.events import Findings
from strategies import countdown, sequence
from strategies.base import MoveInput, MoveOutcome, clipped, messages, move, render, sequence_workspace

ATTEMPT_MAX_TOKENS = 448     # fits Attempt at its bounds (strategies.base.token_room)


class Attempt(BaseModel):
    reasoning: clipped(500) = Field(description="a few short steps that lead to the answer")
    answer: clipped(120) = Field(description="the final answer only, in the format the problem asks for")


@move("attempt", "construct a candidate answer and submit it to the verifier")
async def attempt(inp: MoveInput) -> MoveOutcome:
    if inp.state.workspace is not None:
        held = await countdown.attempt(inp)
        if held is not None:      # an answer the workspace holds needs no model call to spell
            return held
    if sequence_workspace(inp):
        held = await sequence.attempt(inp)
        if held is not None:      # the next terms from a rule that explains every given term
            return held
    out, _ = await inp.ctx.ask("move:attempt", messages(inp, render("attempt")), Attempt,
                               max_tokens=max(inp.ctx.settings.max_tokens_per_call, ATTEMPT_MAX_TOKENS))
    answer = out.answer.strip()
    findings = Findings(candidates=[answer] if answer else [],
                        facts=[] if answer else ["An attempt produced no answer."])
    return MoveOutcome(findings, summary=out.reasoning[:300])
