"""Play with examples: compute small or special cases by program and write the data out."""

from __future__ import annotations

from agent.trace.events import Findings
from strategies.base import (
    MoveInput,
    MoveOutcome,
    move,
    output_lines,
    render,
    write_and_run,
)


@move("examples", "compute small or special cases with a short program and look at the data", uses_code=True)
async def examples(inp: MoveInput) -> MoveOutcome:
    program, result = await write_and_run(inp, "move:examples", render("examples"))
    if not result.ok:
        fact = f"An examples program failed ({result.killed_reason or 'exit ' + str(result.exit_code)})."
        return MoveOutcome(Findings(facts=[fact]), summary=program.plan)
    return MoveOutcome(Findings(source="program", examples=output_lines(result.stdout)), summary=program.plan)
