"""The run's budget: its limits, what is used (one counter per quantity) and the answer reserve.

Every model call asks the meter what it may spend before it is made and reports what it spent
after; every step is counted here and nowhere else (`RunState.step` reads `used.steps`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from agent.errors import AnswerReserve, BudgetExceeded
from agent.problems.models import Budget
from agent.trace.events import BudgetState

ANSWER_PURPOSE = "move:attempt"   # the calls that may spend the answer reserve (and its repairs)
MIN_COMPLETION_TOKENS = 16        # below this a reply cannot say anything: the budget is spent
# Tokens of a token budget that only an answer attempt may spend: one attempt (prompt with the
# notebook, plus the reply) measured ~1,000 tokens on the 1.5B model. A single move with a code
# repair can cost 2,500, so a mean-based rule alone still ended runs with no answer proposed.
ANSWER_RESERVE_FRACTION = 0.25
ANSWER_RESERVE_MAX = 2000
# A step is forced to `attempt` when fewer than this many mean steps' worth of budget are left.
LAST_STEP_MARGIN = 1.5


def answer_reserve(limits: Budget) -> int:
    return 0 if limits.tokens is None else min(int(limits.tokens * ANSWER_RESERVE_FRACTION), ANSWER_RESERVE_MAX)


@dataclass
class BudgetMeter:
    limits: Budget
    used: BudgetState = field(default_factory=BudgetState)
    clock_enabled: bool = True        # False in exact reruns: the wall clock must not decide
    answer_reserve: int = 0           # tokens only an answer attempt may spend (a loop with a verifier)
    answer_only: bool = False         # set when a non-answer call no longer fits: attempts only
    started: float = field(default_factory=time.monotonic)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def begin_step(self) -> int:
        self.used.steps += 1
        return self.used.steps

    def exhausted(self) -> str | None:
        """Name of the first exhausted budget dimension, or None. Checked before every call."""
        used, b = self.used, self.limits
        used.wall_s = round(self.elapsed(), 3)
        if b.tokens is not None and used.tokens >= b.tokens:
            return f"token budget {b.tokens} spent ({used.tokens} used)"
        if b.cost_usd is not None and used.cost_usd >= b.cost_usd:
            return f"cost budget ${b.cost_usd} spent"
        if self.clock_enabled and b.wall_s is not None and used.wall_s >= b.wall_s:
            return f"wall-time budget {b.wall_s}s spent"
        return None

    def tokens_left(self) -> int | None:
        return None if self.limits.tokens is None else self.limits.tokens - self.used.tokens

    def steps_left(self) -> int | None:
        return None if self.limits.steps is None else self.limits.steps - self.used.steps

    def in_answer_reserve(self) -> bool:
        if self.answer_only:
            return True
        left = self.tokens_left()
        return bool(self.answer_reserve) and left is not None and left <= self.answer_reserve

    def fraction_used(self) -> float:
        """Fraction of the tightest limited dimension spent. Wall time is left out on purpose: what
        the judge is told must not depend on the clock, or exact reruns would diverge."""
        used, b = self.used, self.limits
        fractions = [0.0]
        if b.steps:
            fractions.append(used.steps / b.steps)
        if b.tokens:
            fractions.append(used.tokens / b.tokens)
        if b.cost_usd:
            fractions.append(used.cost_usd / b.cost_usd)
        return min(1.0, max(fractions))

    def check_call(self, purpose: str) -> None:
        """Before a model call: BudgetExceeded when a dimension is spent, AnswerReserve when only an
        answer attempt may still spend."""
        why = self.exhausted()
        if why:
            raise BudgetExceeded(why)
        if self.in_answer_reserve() and not purpose.startswith(ANSWER_PURPOSE):
            raise AnswerReserve(f"{purpose}: the {self.tokens_left()} tokens left are kept for an answer attempt")

    def affordable_max_tokens(self, purpose: str, needs: int | None, wanted: int) -> int:
        """`wanted`, clipped so prompt (`needs` tokens) + completion fit in the tokens left. When
        even a short reply would not fit: a loop (which keeps an answer reserve) spends what is left
        on attempts only (AnswerReserve, and every later non-answer call is refused too); otherwise
        BudgetExceeded."""
        left = self.tokens_left()
        if left is None or needs is None:
            return wanted
        answering = purpose.startswith(ANSWER_PURPOSE)
        # only an answer attempt may spend the reserve: anything else is clipped above it
        room = left - needs - (0 if answering else self.answer_reserve)
        if room >= MIN_COMPLETION_TOKENS:
            return min(wanted, room)
        if self.answer_reserve and not answering:
            self.answer_only = True
            raise AnswerReserve(f"{purpose}: its prompt ({needs} tokens) does not fit the {left} tokens left; "
                                "they are kept for an answer")
        raise BudgetExceeded(f"token budget {self.limits.tokens}: {left} tokens left, "
                             f"the next prompt alone needs {needs}")

    def can_pay_a_repair(self, needs: int | None, max_tokens: int) -> bool:
        """A repair round resends the prompt with the bad reply and asks again: worst case the call
        costs 2 prompts + 3 replies. Without the room for that, a bad reply is simply a failed call."""
        left = self.tokens_left()
        return left is None or needs is None or left >= 2 * needs + 3 * max_tokens

    def count(self, usage) -> None:
        used = self.used
        used.prompt_tokens += usage.prompt_tokens
        used.completion_tokens += usage.completion_tokens
        used.reasoning_tokens += usage.reasoning_tokens
        used.cached_tokens += usage.cached_tokens
        used.cost_usd = round(used.cost_usd + usage.cost_usd, 8)

    def last_step(self) -> str:
        """Why this is the last step the budget can pay for, or "" when it is not. A step costs the
        move, the judge and (for `llm`) the controller; the mean so far, with a margin, says whether
        one more will fit, so the loop attempts while it can still pay for an answer."""
        if self.steps_left() == 1:
            return "last step of the budget: attempt an answer"
        if self.in_answer_reserve():
            return f"the {self.tokens_left()} tokens left are kept for an answer: attempt"
        used, limits, steps = self.used, self.limits, max(self.used.steps, 1)
        if limits.tokens is not None and used.steps:
            left, per_step = limits.tokens - used.tokens, used.tokens / steps
            if left < LAST_STEP_MARGIN * per_step:
                return f"{left} tokens left, a step costs ~{per_step:.0f}: attempt an answer"
        if limits.cost_usd is not None and used.steps and used.cost_usd:
            left, per_step = limits.cost_usd - used.cost_usd, used.cost_usd / steps
            if left < LAST_STEP_MARGIN * per_step:
                return f"${left:.4f} left, a step costs ~${per_step:.4f}: attempt an answer"
        return ""
