"""The obvious attempt first: one plain chain of thought, then a self-check by another method.

A person does not open a campaign on an easy problem: they try the obvious, check it, and escalate
only when the check fails. The first step of the answers and general families is
this move: the model reasons in plain text and ends with "Answer: ...", then writes a short program
that computes the answer independently; the program runs in the sandbox and the two answers are
compared (math equivalence — no reference answer is involved). Where a solve-time check exists
(a conjecture's own predicate), the verifier checks the answer instead. The graph turns the
outcome into a recorded verdict: accept, or escalate to the moves (agent/loop/graph.py).
"""

from __future__ import annotations

from agent.trace.events import Findings
from agent.verify.extract import parse_answer
from agent.workspace.answers import AnswerWorkspace
from strategies.base import (
    CODE_FORMAT,
    MoveInput,
    MoveOutcome,
    last_printed,
    move,
    parse_program,
    render,
    text_messages,
)

OBVIOUS_MAX_TOKENS = 1024


@move("obvious", "one strong, cheap attempt first: a plain chain of thought, checked by another method")
async def obvious(inp: MoveInput) -> MoveOutcome:
    ctx = inp.ctx
    text, _ = await ctx.ask_text("move:attempt:obvious", text_messages(inp, render("obvious")),
                                 max_tokens=OBVIOUS_MAX_TOKENS, temperature=0.0)
    answer_text, how = parse_answer(text)
    if not answer_text:
        return MoveOutcome(Findings(facts=["The first attempt gave no answer line."]), summary="no answer",
                           check="no answer")
    findings = Findings(candidates=[answer_text])
    ws = inp.state.workspace if isinstance(inp.state.workspace, AnswerWorkspace) else None
    if ws is not None:
        ws.add(answer_text, "reasoning", "obvious", ctx.step, "chain of thought (greedy)")
    if inp.problem.checkable_at_solve_time:      # the verifier checks it: no self-check needed
        return MoveOutcome(findings, summary=f"first attempt: {answer_text} ({how})", check="verifier")
    reply, _ = await ctx.ask_text("move:attempt:check", text_messages(inp, f"{render('obvious_check')}\n{CODE_FORMAT}"),
                                  max_tokens=ctx.settings.code_max_tokens, temperature=0.0)
    program = parse_program(reply)
    if not program.code.strip():
        return MoveOutcome(findings, summary=f"first attempt: {answer_text}; the check wrote no program", check="no program")
    result = await ctx.run_code(program.code)
    # an "Answer:" prefix is not part of an answer (a conjecture's check keeps the line as printed)
    printed = last_printed(result.stdout, strip_prefix=ws is not None)
    if not result.ok or not printed:
        why = result.killed_reason or f"exit {result.exit_code}" if not result.ok else "printed nothing"
        if ws is not None:
            ws.fail("obvious", ctx.step, f"the self-check program: {why}")
        return MoveOutcome(findings, summary=f"first attempt: {answer_text}; the check failed ({why})", check="check failed")
    from agent.verify.answer import answers_agree

    agree = answers_agree(answer_text, printed)
    if ws is not None:
        ws.add(printed, "program", "obvious", ctx.step, "program: the self-check")
    fact = (f"A program computing the answer independently printed {printed[:80]}: "
            f"it {'agrees' if agree else 'disagrees'} with {answer_text}")
    findings.facts.append(fact)
    if not agree:    # an independent method's answer is a candidate too: later attempts may side with it
        findings.candidates.append(printed[:200])
    return MoveOutcome(findings, summary=fact, check="agrees" if agree else "disagrees")
