"""Reframe: restate, change representation, or solve a simpler version and lift it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.trace.events import Findings
from strategies.base import MoveInput, MoveOutcome, messages, move, render


class Reframing(BaseModel):
    new_view: str = Field(description="the problem seen another way (a named quantity, a new representation)")
    simpler_version: str = Field(description="a simpler or special version worth solving first")
    facts: list[str] = Field(default_factory=list, max_length=3, description="what the new view shows")


@move("reframe", "restate the problem another way or solve a simpler version first")
async def reframe(inp: MoveInput) -> MoveOutcome:
    out, _ = await inp.ctx.ask("move:reframe", messages(inp, render("reframe")), Reframing)
    facts = [f"Reframed: {out.new_view}", f"Simpler version: {out.simpler_version}"] + out.facts
    return MoveOutcome(Findings(facts=facts), summary=out.new_view)
