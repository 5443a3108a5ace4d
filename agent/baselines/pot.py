"""`pot`: program of thought (Chen et al. 2022, "Program of Thoughts Prompting"; Gao et al. 2022,
PAL) — the model writes one program that computes the answer, the sandbox runs it, and the last
line the program prints is the answer, which the verifier checks. One call, greedy decoding, for
every kind of problem (a countdown program may search the board: it is the model's own code).

A problem's own definition (a claim's `in_domain`/`holds`, a sequence's `a(n)`) is prepended to
the program, as for the loop's search programs: it is part of what a user has.

`pot:repairs=N` lets the model see a failed run (an exception, a timeout, no output) and fix its
program up to N times; the default, 0, is the form the papers report.
"""

from __future__ import annotations

from agent.backends.base import Message
from agent.baselines import baseline
from agent.baselines._common import begin_step, check, fail_status, finish, options, render
from agent.baselines.cot import text_messages
from agent.errors import BackendError
from agent.verify.hunt import claim_code
from strategies.base import parse_program

# The program alone: asked for "one sentence, then the program" (the loop's code format), the 1.5B
# model wrote the sentence ("The program computes that there is no integer n ...") and stopped.
POT_FORMAT = "Reply with the complete program in a single ```python fenced block, and nothing else."

PRINTED_ANSWER_CHARS = 400   # the answer line; longer output is a dump, not an answer


def printed_answer(stdout: str) -> str:
    """The last non-empty line a program printed, without an `Answer:` prefix."""
    from agent.verify.extract import parse_answer

    last = next((ln.strip() for ln in reversed(stdout.splitlines()) if ln.strip()), "")
    parsed, _ = parse_answer(last)
    return (parsed or last).strip()[:PRINTED_ANSWER_CHARS]


@baseline("pot")
async def pot(ctx, problem, state) -> None:
    repairs = options(ctx.policy_spec)["repairs"]
    # A problem's own definition (a claim's in_domain/holds, a sequence's a(n)) is what a user has:
    # it is defined at the top of the program, as for the loop's search programs.
    # An integer conjecture's check is its holds(n) (agent.verify.hunt.claim_code), as in the loop's hunts.
    prefix = claim_code(problem) if getattr(problem, "hunted", False) else getattr(problem, "definition", "") or ""
    given = ("\nThe functions of the problem's Python definition are ALREADY DEFINED at the top of your "
             "program: call them, do not copy them.") if prefix.strip() else ""
    msgs = text_messages(problem, f"{render('pot')}{given}\n{POT_FORMAT}")
    failures: list[str] = []
    result = None
    for attempt in range(repairs + 1):
        begin_step(ctx, state)
        try:
            reply, _ = await ctx.ask_text("baseline:pot" + (":repair" if attempt else ""), msgs,
                                          max_tokens=ctx.settings.code_max_tokens, temperature=0.0)
        except BackendError as err:
            failures.append(f"{type(err).__name__}: {err}")
            break
        program = parse_program(reply)
        if not program.code.strip():
            failures.append("InvalidOutput: the reply had no program")
            feedback = "Your reply had no ```python block with a program."
        else:
            result = await ctx.run_code(f"{prefix}\n\n{program.code}" if prefix.strip() else program.code)
            answer = printed_answer(result.stdout) if result.ok else ""
            if answer:
                finish(state, answer, check(ctx, state, problem, answer))
                return
            why = result.killed_reason or (f"exit {result.exit_code}" if not result.ok else "it printed nothing")
            failures.append(f"InvalidOutput: the program gave no answer ({why})")
            feedback = "You ran it. Output:\n" + result.for_prompt(800)
        msgs = msgs + [Message(role="assistant", content=reply),
                       Message(role="user", content=feedback + "\nFix the program so it prints the answer. " + POT_FORMAT)]
    fail_status(state, failures)
