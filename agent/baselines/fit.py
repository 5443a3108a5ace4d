"""`fit`: every sequence guesser, no model call — the floor a sequence problem's agent must clear.

The exact guessers of agent/workspace/guess.py (polynomials, rational generating functions,
P-recursive recurrences, eventually periodic, sympy's `guess`, arithmetic functions of n) on the
shown terms, on their transforms (differences, partial sums, binomial and Euler transforms, ratios)
and on the residue classes of the index. Every rule is checked on every shown term; the simplest
one that reproduces more terms beyond its fit than it has fitted numbers gives the next terms. If
none does, there is no answer: a confident wrong continuation is worse than none. What the loop
solves beyond this row is what its model and moves add to the tools.
"""

from __future__ import annotations

from agent.baselines import baseline
from agent.baselines._common import begin_step, check, finish
from agent.trace.events import ToolCall
from agent.workspace.guess import guess_all


@baseline("fit")
async def fit(ctx, problem, state) -> None:
    begin_step(ctx, state)
    if getattr(problem, "kind", "") != "sequence":
        state.status, state.end_reason = "unsolved", f"`fit` applies to sequence problems, not {problem.kind}"
        return
    found = guess_all(problem.terms, problem.n_predict)
    lines = [f.line() + (f" [{f.transform}]" if f.transform else "") for f in found.fits]
    summary = (f"answer: {found.answer.line()} ({found.agree} rules agree)" if found.answer
               else "no rule explains the terms with more checks than fitted numbers")
    ctx.emit(ToolCall(run_id="", step=state.step, tool="guess_all", args={"terms": len(problem.terms)},
                      result="\n".join([summary, *lines, "tried:", *found.tried])))
    if found.answer is not None:
        answer = ", ".join(map(str, found.next_terms))
        why = f"{found.answer.rule} ({found.answer.form}{', ' + found.answer.transform if found.answer.transform else ''})"
        finish(state, answer, check(ctx, state, problem, answer), why=why)
        return
    finish(state, None, None, why="no guesser explains every term with more checks than fitted numbers")
