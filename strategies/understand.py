"""Understand the statement: restate it, list what is given, and propose lines of attack."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.trace.events import Findings
from strategies.base import MoveInput, MoveOutcome, clipped, clipped_list, messages, move, render


class Understanding(BaseModel):
    restatement: clipped(400) = Field(description="the problem in your own words, one or two sentences")
    givens: clipped_list(5) = Field(default_factory=list, description="what is given, one item each")
    goal: clipped(200) = Field(description="exactly what must be produced")
    plans: clipped_list(3) = Field(default_factory=list, description="1-3 different lines of attack")


@move("understand", "restate the problem, list the givens and propose lines of attack")
async def understand(inp: MoveInput) -> MoveOutcome:
    out, _ = await inp.ctx.ask("move:understand", messages(inp, render("understand")), Understanding)
    facts = [f"Restated: {out.restatement}", f"Goal: {out.goal}"] + [f"Given: {g}" for g in out.givens]
    plans = [p for p in out.plans if p.strip()][:3]
    return MoveOutcome(Findings(facts=facts), summary=out.restatement, plans=plans)
