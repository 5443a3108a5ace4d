"""Hunt counterexamples: try to break the latest conjecture or candidate with a search program."""

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


def _target(inp: MoveInput) -> str | None:
    nb = inp.state.notebook
    if nb.conjectures:
        return f"the conjecture: {nb.conjectures[-1].text}"
    if nb.candidates:
        return f"the candidate answer: {nb.candidates[-1].answer}"
    return None


@move("counterexamples", "search for a case that breaks the latest conjecture or candidate", uses_code=True)
async def counterexamples(inp: MoveInput) -> MoveOutcome:
    target = _target(inp)
    if target is None:   # nothing to break yet: say so for free instead of paying for a program
        return MoveOutcome(summary="no conjecture or candidate to test yet")
    program, result = await write_and_run(inp, "move:counterexamples", render("counterexamples", target=target))
    if not result.ok:
        return MoveOutcome(Findings(facts=[f"A counterexample search for {target} failed to run."]), program.plan)
    lines = output_lines(result.stdout, limit=20)
    found = [ln.split(":", 1)[1].strip() for ln in lines if ln.upper().startswith("COUNTEREXAMPLE:")]
    if found:
        return MoveOutcome(Findings(source="program", counterexamples=[f"{target} fails for {c}" for c in found[:5]]),
                           program.plan)
    checked = next((ln for ln in lines if ln.upper().startswith("CHECKED")), "")
    fact = f"{target[0].upper() + target[1:]} survived a counterexample search. {checked}".strip()
    return MoveOutcome(Findings(source="program", facts=[fact]), summary=program.plan)
