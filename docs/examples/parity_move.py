"""An example third-party move: look at the parity of the givens.

Register it by importing this module (or, in a package, through the `polya.moves` entry point):

    [project.entry-points."polya.moves"]
    parity = "my_package.parity_move"

then use it like any built-in move: `polya run FILE --policy fixed:parity,attempt`.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.trace.events import Findings
from strategies.base import MoveInput, MoveOutcome, messages, move


class ParityView(BaseModel):
    observations: list[str] = Field(default_factory=list, max_length=3,
                                    description="what parity (odd/even) says about the problem")


@move("parity", "look at odd and even: which combinations can produce the goal's parity")
async def parity(inp: MoveInput) -> MoveOutcome:
    instruction = ("Look at the parity (odd or even) of every given and of the goal. "
                   "Which combinations can produce the goal's parity? State what you find.")
    out, _ = await inp.ctx.ask("move:parity", messages(inp, instruction), ParityView)
    return MoveOutcome(Findings(facts=[f"Parity: {o}" for o in out.observations]), summary="parity check")
