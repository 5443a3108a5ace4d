"""Look for patterns: state conjectures precise enough to be tested, and say how they help."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.trace.events import Findings
from strategies.base import (
    MoveInput,
    MoveOutcome,
    clipped,
    clipped_list,
    messages,
    move,
    render,
)


class Patterns(BaseModel):
    conjectures: clipped_list(3) = Field(default_factory=list,
                                   description="precise, testable statements suggested by the examples")
    how_it_helps: clipped(300) = Field(description="how the conjecture would get us closer to the goal")


@move("patterns", "state a precise, testable conjecture suggested by the examples")
async def patterns(inp: MoveInput) -> MoveOutcome:
    out, _ = await inp.ctx.ask("move:patterns", messages(inp, render("patterns")), Patterns)
    facts = [f"Why it matters: {out.how_it_helps}"] if out.conjectures and out.how_it_helps.strip() else []
    return MoveOutcome(Findings(conjectures=out.conjectures, facts=facts), summary=out.how_it_helps)
