"""Reframe: restate, change representation, or solve a simpler version and lift it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.trace.events import Findings
from strategies.base import MoveInput, MoveOutcome, clipped, clipped_list, messages, move, render


class Reframing(BaseModel):
    new_view: clipped(300) = Field(description="the problem seen another way (a named quantity, a new representation)")
    simpler_version: clipped(300) = Field(description="a simpler or special version worth solving first")
    facts: clipped_list(3) = Field(default_factory=list, description="what the new view shows")


@move("reframe", "restate the problem another way or solve a simpler version first")
async def reframe(inp: MoveInput) -> MoveOutcome:
    out, _ = await inp.ctx.ask("move:reframe", messages(inp, render("reframe")), Reframing)
    facts = [f"Reframed: {out.new_view}", f"Simpler version: {out.simpler_version}"] + out.facts
    return MoveOutcome(Findings(facts=facts), summary=out.new_view)
