"""Controller policies: which move next, and whether to open a new line of attack.

`llm` asks the model; `bandit` runs UCB1 over moves rewarded by judged progress; `fixed:a,b,c`
cycles through a given sequence. All randomness comes from the run's seeded RNG.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field, create_model

from agent.errors import BackendError, InputError
from strategies.base import MoveInput, clipped, messages, registry, render, solving_moves


@dataclass
class Choice:
    move: str
    new_attack: bool = False
    goal: str = ""
    reason: str = ""


CONTROLLER_MAX_TOKENS = 256    # fits ControllerChoice at its bounds (strategies.base.token_room)

class Policy:
    name = "policy"

    async def choose(self, inp: MoveInput, *, must_open: bool, avoid: str | None) -> Choice:
        raise NotImplementedError

    def observe(self, move: str, reward: float) -> None:
        """Feedback after the judge's verdict on `move` (reward = judged progress, 0..1)."""


def next_goal(inp: MoveInput, move: str) -> str:
    """Goal for a new attack when the policy itself does not write one: the next plan from
    `understand` not yet used, else a generic restart named after the move."""
    used = {a.goal for a in inp.state.attacks}
    for plan in inp.state.plans:
        if plan not in used:
            return plan
    return f"fresh line of attack #{len(inp.state.attacks) + 1}, starting with {move}"


class FixedPolicy(Policy):
    def __init__(self, sequence: list[str]):
        unknown = [m for m in sequence if m not in registry()]
        if not sequence or unknown:
            raise InputError(f"fixed policy needs known moves; unknown: {', '.join(unknown) or '(empty)'}")
        self.sequence = sequence
        self.name = "fixed:" + ",".join(sequence)
        self.position = 0

    async def choose(self, inp, *, must_open, avoid):
        move = self.sequence[self.position % len(self.sequence)]
        self.position += 1
        return Choice(move, must_open, next_goal(inp, move) if must_open else "", "next in the fixed sequence")


class BanditPolicy(Policy):
    name = "bandit"

    def __init__(self, exploration: float = 1.0):
        self.exploration = exploration
        self.pulls: dict[str, int] = {}
        self.reward: dict[str, float] = {}

    async def choose(self, inp, *, must_open, avoid):
        arms = [m for m in solving_moves() if m != avoid] or solving_moves()
        untried = [m for m in arms if not self.pulls.get(m)]
        if untried:
            move = inp.ctx.rng.choice(sorted(untried))
            reason = "untried move"
        else:
            total = sum(self.pulls[m] for m in arms)

            def ucb(m: str) -> float:
                n = self.pulls[m]
                return self.reward[m] / n + self.exploration * math.sqrt(2 * math.log(total) / n)

            best = max(ucb(m) for m in arms)
            move = inp.ctx.rng.choice(sorted(m for m in arms if ucb(m) >= best - 1e-12))
            reason = f"highest UCB score {best:.3f}"
        return Choice(move, must_open, next_goal(inp, move) if must_open else "", reason)

    def observe(self, move, reward):
        self.pulls[move] = self.pulls.get(move, 0) + 1
        self.reward[move] = self.reward.get(move, 0.0) + reward


class LLMPolicy(Policy):
    """The model picks the move and may open a new attack. A choice that breaks the judge's
    ruling (the move it just said to switch away from) is replaced by the bandit's."""

    name = "llm"

    def __init__(self):
        self.fallback = BanditPolicy()
        names = tuple(solving_moves())
        self.schema: type[BaseModel] = create_model(
            "ControllerChoice",
            move=(Literal[names], Field(description="the next move")),  # type: ignore[valid-type]
            new_attack=(bool, Field(description="open a new line of attack instead of the current one")),
            goal=(clipped(160), Field(description="goal of the new line of attack, if new_attack")),
            reason=(clipped(160), Field(description="why this move now, one sentence")),
        )

    async def choose(self, inp, *, must_open, avoid):
        state = inp.state
        moves_text = "\n".join(f"- {s.name}: {s.description}" for s in registry().values() if s.name != "understand")
        last = state.last_verdict
        plans_hint = ("; unused plans: " + " | ".join(p for p in state.plans if p not in {a.goal for a in state.attacks})
                      if state.plans else "")
        prompt = render("controller", attacks=state.render_attacks(), moves=moves_text, plans_hint=plans_hint,
                        last_verdict=f"{last.decision} (progress {last.progress:.2f}): {last.reason}" if last else "none yet")
        if must_open:
            prompt += "\nThe current line of attack was abandoned: you must open a new one (new_attack true, with a goal)."
        try:
            out, _ = await inp.ctx.ask("controller", messages(inp, prompt), self.schema,
                                           max_tokens=CONTROLLER_MAX_TOKENS)
        except BackendError:
            choice = await self.fallback.choose(inp, must_open=must_open, avoid=avoid)
            choice.reason = "controller call failed; bandit fallback: " + choice.reason
            return choice
        if out.move == avoid:
            choice = await self.fallback.choose(inp, must_open=must_open, avoid=avoid)
            choice.reason = f"model chose {avoid} again after a switch verdict; bandit chose instead"
            return choice
        new_attack = must_open or bool(out.new_attack)
        goal = ""
        if new_attack:
            # small models echo a move's description or paste every plan: fall back to the next plan
            descriptions = {s.description.lower() for s in registry().values()}
            written = out.goal.strip()
            usable = written and written.lower() not in descriptions and written.count("|") == 0
            goal = written if usable else next_goal(inp, out.move)
        return Choice(out.move, new_attack, goal, out.reason)

    def observe(self, move, reward):
        self.fallback.observe(move, reward)


def make_policy(spec: str) -> Policy:
    if spec == "llm":
        return LLMPolicy()
    if spec == "bandit":
        return BanditPolicy()
    if spec.startswith("fixed:"):
        return FixedPolicy([m.strip() for m in spec[len("fixed:"):].split(",") if m.strip()])
    raise InputError(f"unknown policy {spec!r}; use llm, bandit or fixed:move1,move2,...")
