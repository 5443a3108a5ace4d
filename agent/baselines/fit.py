"""`fit`: sympy's fitting alone, no model call — the floor a sequence problem's agent must clear.

The same exact tools the loop's `patterns` move runs first on a sequence (agent/workspace/sequences.py):
the lowest-degree polynomial in n, then the lowest-order linear recurrence with a constant term,
each fitted on the shown terms and kept only if it reproduces every one of them. The first that
survives gives the next terms; if none does, there is no answer. What the loop solves beyond this
row is what its model and moves add to the tools.
"""

from __future__ import annotations

from agent.baselines import baseline
from agent.baselines._common import begin_step, check, finish
from agent.trace.events import ToolCall
from agent.workspace.sequences import fit_polynomial, fit_recurrence


@baseline("fit")
async def fit(ctx, problem, state) -> None:
    begin_step(ctx, state)
    if getattr(problem, "kind", "") != "sequence":
        state.status, state.end_reason = "unsolved", f"`fit` applies to sequence problems, not {problem.kind}"
        return
    for name, tool in (("fit_polynomial", fit_polynomial), ("fit_recurrence", fit_recurrence)):
        found = tool(problem.terms, problem.n_predict)
        ctx.emit(ToolCall(run_id="", step=state.step, tool=name, args={"terms": len(problem.terms)},
                          result=found.line() if found else "no fit explains every term"))
        if found is not None:
            answer = ", ".join(map(str, found.next_terms))
            finish(state, answer, check(ctx, state, problem, answer), why=f"{found.rule} ({found.form})")
            return
    finish(state, None, None, why="no polynomial of degree <= 4 and no linear recurrence of order <= 4 explains every term")
