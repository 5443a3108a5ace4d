"""Work backwards from the goal: what would suffice, and what is reachable just before it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.trace.events import Findings
from strategies.base import MoveInput, MoveOutcome, clipped_list, messages, move, render


class Backwards(BaseModel):
    subgoals: clipped_list(4) = Field(default_factory=list,
                                description="intermediate results that would suffice to reach the goal")
    facts: clipped_list(4) = Field(default_factory=list, description="things established on the way")


@move("backwards", "work back from the goal: which intermediate results would suffice")
async def backwards(inp: MoveInput) -> MoveOutcome:
    out, _ = await inp.ctx.ask("move:backwards", messages(inp, render("backwards")), Backwards)
    facts = [f"Would suffice: {s}" for s in out.subgoals] + out.facts
    return MoveOutcome(Findings(facts=facts), summary="; ".join(out.subgoals[:2]))
