"""The judge: after every move, persist / switch / abandon / solved / give_up.

The verdict combines the model's assessment with hard signals that a model tends to ignore:
a move that added nothing new, a streak on one move, an attack whose progress has stalled, a
give-up while most of the budget is left, a failed move. `combine` is a pure function so every
rule is testable without a model or a graph.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from agent.errors import BackendError
from agent.loop.choose import render_loop_prompt
from strategies.base import MoveInput, clipped, messages
from strategies.family import Combined, Signals

PERSIST_CAP = 3          # the same move runs at most this many times in a row
STAGNANT_WINDOW = 3      # this many non-improving verdicts in one attack ...
STAGNANT_CEILING = 0.5   # ... all below this progress -> abandon the attack
GIVE_UP_FLOOR = 0.8      # refuse give_up before this fraction of the budget is spent
MIN_MOVES_TO_ABANDON = 2 # a line of attack gets at least this many moves unless something refutes it
JUDGE_MAX_TOKENS = 216   # fits JudgeAssessment at its bounds (strategies.base.token_room)


class JudgeAssessment(BaseModel):
    assessment: clipped(240) = Field(description="one or two sentences on what the move achieved")
    progress: float = Field(ge=0.0, le=1.0, description="progress towards a verified answer, 0 to 1")
    decision: Literal["persist", "switch", "abandon", "give_up"]


def combine(model: JudgeAssessment | None, s: Signals) -> Combined:
    prev = s.attack_progress[-1] if s.attack_progress else 0.0
    overrides: list[str] = []
    evidence = [f"{s.new_findings} new finding(s) from {s.move}"]
    evidence += [f"verifier rejected an answer: {r}" for r in s.rejections]
    if model is None:
        decision, progress = ("persist" if s.new_findings else "switch"), prev
        reason = s.judge_skipped or "judge unavailable"
        overrides.append("judge_skipped" if s.judge_skipped else "judge_unavailable")
    else:
        decision, progress, reason = model.decision, model.progress, model.assessment
    if s.move_error:
        evidence.append(f"move failed: {s.move_error}")
        if decision == "persist":
            decision = "switch"
            overrides.append("move_failed")
        progress = min(progress, prev)
    if s.new_findings == 0:
        progress = min(progress, prev)
        if decision == "persist":
            decision = "switch"
            overrides.append("no_new_findings")
    if decision == "persist" and s.persist_streak >= PERSIST_CAP:
        decision = "switch"
        overrides.append("persist_cap")
    history = s.attack_progress + [progress]
    window = history[-STAGNANT_WINDOW:]
    if (decision in ("persist", "switch") and len(window) == STAGNANT_WINDOW
            and max(window) < STAGNANT_CEILING and all(b <= a for a, b in zip(window, window[1:], strict=False))):
        decision = "abandon"
        overrides.append("stagnant")
        evidence.append(f"progress stalled over the last {STAGNANT_WINDOW} verdicts: {window}")
    if (decision == "abandon" and s.attack_moves < MIN_MOVES_TO_ABANDON and not s.refuted
            and not s.rejections and "stagnant" not in overrides):
        decision = "switch"   # one failed move is a slow road, not yet a dead end
        overrides.append("too_early_to_abandon")
    if decision == "give_up" and s.budget_used < GIVE_UP_FLOOR:
        decision = "abandon"
        overrides.append("too_early_to_give_up")
    return Combined(decision, round(min(progress, 0.95), 3), reason, evidence, overrides,
                    model.decision if model else None)


REFLECT_MAX_TOKENS = 320  # JudgeAssessment plus the next move and a goal


async def reflect(inp: MoveInput, move: str, result_text: str, schema: type[BaseModel], moves_text: str,
                  plans_hint: str = ""):
    """One call instead of a judge call and a controller call: the verdict on the move, a progress
    estimate, the next move and, on abandon, the next line of attack. None when the call fails."""
    state, ctx = inp.state, inp.ctx
    attack = state.attack()
    left = max(0.0, 1.0 - ctx.meter.fraction_used())
    prompt = render_loop_prompt("reflect", move=move, goal=inp.attack_goal, result=result_text,
                                attack=attack_summary(attack) if attack else "-", budget_left=f"{left:.0%}",
                                moves=moves_text, plans_hint=plans_hint)
    try:
        out, _ = await ctx.ask("reflect", messages(inp, prompt), schema, max_tokens=REFLECT_MAX_TOKENS, temperature=0.0)
    except BackendError:
        return None
    return out


ATTACK_TAIL = 6   # the judge sees the attack's last moves and progress, not its whole history


def attack_summary(attack) -> str:
    """A bounded view of the attack: how long it is, its last moves and their judged progress."""
    moves, progress = attack.moves[-ATTACK_TAIL:], [round(p, 2) for p in attack.progress[-ATTACK_TAIL:]]
    head = f"{len(attack.moves)} moves; " + ("last " if len(attack.moves) > ATTACK_TAIL else "")
    return f"{head}{', '.join(moves) or '-'}; progress {progress}"


async def assess(inp: MoveInput, move: str, result_text: str) -> JudgeAssessment | None:
    """The model's view of the step; None when the judge call itself fails (recorded in the trace)."""
    state, ctx = inp.state, inp.ctx
    attack = state.attack()
    attack_text = attack_summary(attack) if attack else "-"
    left = max(0.0, 1.0 - ctx.meter.fraction_used())
    prompt = render_loop_prompt("judge", move=move, goal=inp.attack_goal, result=result_text, attack=attack_text,
                    budget_left=f"{left:.0%}")
    try:
        out, _ = await ctx.ask("judge", messages(inp, prompt), JudgeAssessment, max_tokens=JUDGE_MAX_TOKENS,
                              temperature=0.0)
    except BackendError:
        return None
    return out
