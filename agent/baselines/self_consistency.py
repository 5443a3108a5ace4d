"""`self-consistency[:k]`: k chain-of-thought samples at the run's temperature, majority vote over
the final answers (Wang et al. 2022). Only the winning answer goes to the verifier: the verifier
grades the policy's answer, it does not pick among samples.

If the budget runs out part way, the vote is taken over the samples already drawn."""

from __future__ import annotations

import re
from collections import Counter

from agent.baselines import baseline
from agent.baselines._common import begin_step, check, fail_status, finish, options, vote_key
from agent.baselines.cot import reasoned_sample
from agent.errors import BudgetExceeded
from agent.verify.answer import answers_agree


def majority(answers: list[str], target: int | None = None, *, math: bool = False) -> tuple[str, int]:
    """The most common answer (ties: the earliest) and its vote count. With `math`, answers vote
    together when they are mathematically equivalent (`0.5`, `\\frac{1}{2}`, `1/2`), as the MATH
    literature grades self-consistency; the check is between samples, no reference is involved."""
    def normalize(text: str) -> str:   # "(8-4)*6 = 24" and "(8-4)*6" are the same answer
        return re.sub(rf"=\s*{target}\s*$", "", text) if target is not None else text

    keys = [vote_key(a, normalize) for a in answers]
    if math:      # each answer takes the key of the first earlier answer it agrees with
        for i, answer in enumerate(answers):
            keys[i] = next((keys[j] for j in range(i) if answers_agree(answers[j], answer)), keys[i])
    counts = Counter(keys)
    best = max(counts.values())
    winner = next(k for k in keys if counts[k] == best)
    return answers[keys.index(winner)], best


@baseline("self-consistency")
async def self_consistency(ctx, problem, state) -> None:
    k = options(ctx.policy_spec)["k"]
    answers: list[str] = []
    failures: list[str] = []
    stopped = ""
    for i in range(k):
        try:
            begin_step(ctx, state)
            out = await reasoned_sample(ctx, problem, purpose=f"baseline:sc:{i + 1}",
                                        temperature=ctx.settings.temperature, failures=failures)
        except BudgetExceeded as err:
            stopped = str(err)
            break
        if out is not None and out.answer.strip():
            answers.append(out.answer.strip())
    if not answers:
        if stopped:
            state.status, state.end_reason = "budget", stopped
        else:
            fail_status(state, failures)
        return
    winner, votes = majority(answers, getattr(problem, "target", None), math=problem.kind == "answer")
    from agent.verify import verify

    any_ok = sum(verify(problem, a).ok for a in answers)   # informational only, not used to choose
    why = (f"majority {votes}/{len(answers)} answers" + (f" (budget stopped sampling: {stopped})" if stopped else "")
           + f"; {any_ok} of {len(answers)} samples were correct")
    finish(state, winner, check(ctx, state, problem, winner), why)
    if state.status != "solved" and stopped:
        state.status = "budget"
