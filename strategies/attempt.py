"""Attempt: construct a candidate answer and hand it to the checks.

On a workspace (countdown boards, a sequence's ledger) an answer the workspace already holds is
written out with no model call. Otherwise the model reasons in plain text and ends with an answer
line, which a parser takes (one short structured call only when there is none). A proof attempt is
kept whole, never clipped, and stays unverified.
"""

from __future__ import annotations

from agent.trace.events import Findings
from agent.verify.extract import parse_answer, strip_reasoning
from strategies import answer as answer_moves
from strategies import countdown, hunt, sequence
from strategies.base import (
    MoveInput,
    MoveOutcome,
    ask_final_answer,
    messages,
    move,
    render,
    sequence_workspace,
)

ATTEMPT_MAX_TOKENS = 768
ANSWER_LINE = "End with the final answer, in the format the problem asks for, on the last line as: Answer: <answer>"
PROOF_KINDS = ("proof", "open")


@move("attempt", "construct a candidate answer and submit it to the verifier")
async def attempt(inp: MoveInput) -> MoveOutcome:
    if answer_moves.answer_workspace(inp):    # one answer by a named method (strategies/answer.py)
        return await answer_moves.attempt(inp)
    if inp.state.workspace is not None:
        held = await countdown.attempt(inp)
        if held is not None:      # an answer the workspace holds needs no model call to spell
            return held
    if sequence_workspace(inp):
        held = await sequence.attempt(inp)
        if held is not None:      # the next terms from a rule that explains every given term
            return held
    if hunt.hunt_workspace(inp):
        held = await hunt.attempt(inp)
        if held is not None:      # a counterexample the definition confirmed
            return held
    proof = getattr(inp.problem, "kind", "") in PROOF_KINDS
    task = render("attempt") + ("" if proof else "\n" + ANSWER_LINE)
    msgs = messages(inp, task, text=True)
    text, _ = await inp.ctx.ask_text("move:attempt", msgs,
                                     max_tokens=max(inp.ctx.settings.max_tokens_per_call, ATTEMPT_MAX_TOKENS))
    if proof:
        answer = strip_reasoning(text).strip()           # the whole argument, unclipped
    else:
        answer, _ = parse_answer(text)
        if answer is None:                               # no answer line: ask for the answer alone
            answer = await ask_final_answer(inp.ctx, "move:attempt:extract", msgs, text)
        answer = answer.strip()
    findings = Findings(candidates=[answer] if answer else [],
                        facts=[] if answer else ["An attempt produced no answer."])
    return MoveOutcome(findings, summary=" ".join(strip_reasoning(text).split())[:300])
