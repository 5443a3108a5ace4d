"""Play with examples: compute small or special cases by program and write the data out."""

from __future__ import annotations

from agent.trace.events import Findings
from strategies import answer as answer_moves
from strategies import countdown, explore, hunt, sequence
from strategies.base import (
    MoveInput,
    MoveOutcome,
    move,
    output_lines,
    render,
    sequence_workspace,
    write_and_run,
)


@move("examples", "compute small or special cases with a short program and look at the data", uses_code=True)
async def examples(inp: MoveInput) -> MoveOutcome:
    if answer_moves.answer_workspace(inp):    # one answer by a named method (strategies/answer.py)
        return await answer_moves.examples(inp)
    if inp.state.workspace is not None:
        return await countdown.take_step(inp)
    if sequence_workspace(inp):
        return await sequence.examples(inp)
    if hunt.hunt_workspace(inp):
        return await hunt.examples(inp)
    if explore.explore_workspace(inp):
        return await explore.examples(inp)
    program, result = await write_and_run(inp, "move:examples", render("examples"))
    if not result.ok:
        fact = f"An examples program failed ({result.killed_reason or 'exit ' + str(result.exit_code)})."
        return MoveOutcome(Findings(facts=[fact]), summary=program.plan)
    return MoveOutcome(Findings(source="program", examples=output_lines(result.stdout)), summary=program.plan)
