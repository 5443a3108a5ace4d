"""The moves of the answers family (`answer` problems: GSM8K, MATH), on its answer workspace
(agent/workspace/answers.py): each move produces one answer by a named method,
and the judge's hard signal is whether two independent methods agree.

| move            | computes                                                                      |
|-----------------|-------------------------------------------------------------------------------|
| understand      | nothing new: the workspace as the first attempt left it (no model call)       |
| attempt         | a fresh plain chain of thought, sampled (reasoning)                           |
| reframe         | the givens restated as a list with units, then solved from the list (reasoning) |
| backwards       | the leading answers shown side by side; the model works the problem again and decides (reasoning) |
| patterns        | a program that computes the answer from the givens, run (program)             |
| examples        | a program that prints every intermediate quantity by name, then the answer (program) |
| counterexamples | a program that recomputes the answer without assuming the leading one and checks the problem's conditions (program) |

A program's answer is what it printed on its last line, after it ran in the sandbox; a chain of
thought's is its `Answer:` line (no extraction call: a reply without one is a failure, recorded).
Independent attempts see the problem alone, not earlier answers; only `backwards` and
`counterexamples` are shown the leading answers, and say so in the entry (`shown`): such an entry
adds to an answer's count but never settles a run.
"""

from __future__ import annotations

from agent.trace.events import Findings
from agent.verify.extract import parse_answer
from agent.workspace.answers import AnswerWorkspace, Method
from strategies.base import MoveInput, MoveOutcome, last_printed, render, text_messages, write_and_run

# What each move computes on an answer problem, in one line: the compact controller shows these
# (agent/loop/policies.py, through the family's `methods`), not the moves' general descriptions.
METHODS = {
    "attempt": "a fresh chain of thought, sampled (reasoning)",
    "reframe": "the givens restated as a list with units, then solved from the list (reasoning)",
    "backwards": "the leading answers side by side; work the problem again and decide (reasoning)",
    "patterns": "a program that computes the answer from the givens (program)",
    "examples": "a program that prints every intermediate quantity by name, then the answer (program)",
    "counterexamples": "a program that recomputes the answer and checks the problem's conditions (program)",
}

REASONING_MAX_TOKENS = 1024     # the obvious attempt's room: GSM8K chains of thought run 200-600 tokens
REASONING_TEMPERATURE = 0.7     # a second greedy pass would repeat the first attempt word for word


def answer_workspace(inp: MoveInput) -> AnswerWorkspace:
    return inp.state.workspace


def _outcome(inp: MoveInput, move: str, method: Method, answer: str | None, how: str, why_not: str,
             facts: list[str] | None = None, shown: bool = False) -> MoveOutcome:
    ws, step = answer_workspace(inp), inp.ctx.step
    if not answer:
        ws.fail(move, step, why_not)
        return MoveOutcome(Findings(source=f"tool:{method}", facts=[f"No answer from {how}: {why_not}"]),
                           summary=f"no answer ({why_not})")
    ws.add(answer, method, move, step, how, shown=shown)
    summary = f"{method} ({how}): {answer}"
    return MoveOutcome(Findings(source=f"tool:{method}", candidates=[answer], facts=list(facts or [])),
                       summary=summary)


async def _reasoning(inp: MoveInput, move: str, instruction: str, how: str, *, shown: bool = False) -> MoveOutcome:
    text, _ = await inp.ctx.ask_text(f"move:{move}", text_messages(inp, instruction),
                                     max_tokens=REASONING_MAX_TOKENS, temperature=REASONING_TEMPERATURE)
    answer, _ = parse_answer(text)
    return _outcome(inp, move, "reasoning", answer, how, "the reply had no answer line", shown=shown)


async def _program(inp: MoveInput, move: str, instruction: str, how: str, *, show_lines: bool = False,
                   shown: bool = False) -> MoveOutcome:
    program, result = await write_and_run(inp, f"move:{move}", instruction, bare=True)
    printed = last_printed(result.stdout) if result.ok else ""
    why = (result.killed_reason or f"exit {result.exit_code}") if not result.ok else "it printed nothing"
    facts = []
    if show_lines and printed:     # the named intermediate quantities, as computed (not claimed)
        lines = [ln.strip() for ln in result.stdout.splitlines() if "=" in ln][:8]
        facts = [f"computed by a program: {ln[:120]}" for ln in lines]
    plan = f"{how}: {program.plan}" if program.plan else how
    return _outcome(inp, move, "program", printed[:200] or None, plan, why, facts, shown=shown)


def _leading_text(ws: AnswerWorkspace) -> str:
    return "\n".join(f"- {g.line()}" for g in ws.leading(3)) or "- (none yet)"


async def understand(inp: MoveInput) -> MoveOutcome:
    return MoveOutcome(summary=answer_workspace(inp).render())


async def attempt(inp: MoveInput) -> MoveOutcome:
    return await _reasoning(inp, "attempt", render("obvious"), "chain of thought")


async def reframe(inp: MoveInput) -> MoveOutcome:
    return await _reasoning(inp, "reframe", render("answer_reframe"), "givens restated, then solved")


async def backwards(inp: MoveInput) -> MoveOutcome:
    ws = answer_workspace(inp)
    if len(ws.groups()) < 2:    # nothing to compare: a fresh chain of thought instead
        return await _reasoning(inp, "backwards", render("obvious"), "chain of thought")
    return await _reasoning(inp, "backwards", render("answer_compare", candidates=_leading_text(ws)),
                            "the leading answers compared", shown=True)


async def patterns(inp: MoveInput) -> MoveOutcome:
    return await _program(inp, "patterns", render("answer_program"), "program")


async def examples(inp: MoveInput) -> MoveOutcome:
    return await _program(inp, "examples", render("answer_quantities"), "program", show_lines=True)


async def counterexamples(inp: MoveInput) -> MoveOutcome:
    ws = answer_workspace(inp)
    lead = ws.leading(1)
    if not lead:
        return await _program(inp, "counterexamples", render("answer_program"), "program")
    return await _program(inp, "counterexamples", render("answer_test", leading=lead[0].answer),
                          f"program testing {lead[0].answer[:40]}", shown=True)


MOVES = {"understand": understand, "attempt": attempt, "reframe": reframe, "backwards": backwards,
         "patterns": patterns, "examples": examples, "counterexamples": counterexamples}
