"""Work backwards from the goal: what would suffice, and what is reachable just before it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.trace.events import Findings
from strategies import answer as answer_moves
from strategies import countdown, hunt, sequence
from strategies.base import MoveInput, MoveOutcome, clipped_list, messages, move, render


class Backwards(BaseModel):
    subgoals: clipped_list(4) = Field(default_factory=list,
                                description="intermediate results that would suffice to reach the goal")
    facts: clipped_list(4) = Field(default_factory=list, description="things established on the way")


@move("backwards", "work back from the goal: which intermediate results would suffice")
async def backwards(inp: MoveInput) -> MoveOutcome:
    if answer_moves.answer_workspace(inp):    # one answer by a named method (strategies/answer.py)
        return await answer_moves.backwards(inp)
    if inp.state.workspace is not None:
        return await countdown.take_step(inp)
    if hunt.hunt_workspace(inp):
        return await hunt.family(inp, "move:backwards", "hunt_backwards")
    if sequence.rule_programs(inp):
        return await sequence.rule_move(inp, "move:backwards", sequence.BACKWARDS)
    out, _ = await inp.ctx.ask("move:backwards", messages(inp, render("backwards")), Backwards)
    facts = [f"Would suffice: {s}" for s in out.subgoals] + out.facts
    return MoveOutcome(Findings(facts=facts), summary="; ".join(out.subgoals[:2]))
