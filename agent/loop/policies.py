"""Controller policies: which move next, and whether to open a new line of attack.

`llm` asks the model; `bandit` runs UCB1 over moves rewarded by progress; `fixed:a,b,c` cycles
through a given sequence; `random` is the ablation: the same moves and tools, every choice uniform
at random, no model call. All randomness comes from the run's seeded RNG.

On a workspace kind (countdown family) the controller's choice is one of the listed one-step
options (`choose_step`): `llm` lets the model pick among all of them, `bandit` and `fixed` pick the
move and let the model pick among that move's options, `random` picks both uniformly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field, create_model

from agent.errors import BackendError, InputError
from agent.loop.choose import compact_messages, model_pick, render_loop_prompt
from strategies.base import MoveInput, clipped, messages, registry, solving_moves
from strategies.family import move_names


@dataclass
class Choice:
    move: str
    new_attack: bool = False
    goal: str = ""
    reason: str = ""


CONTROLLER_MAX_TOKENS = 256    # fits ControllerChoice at its bounds (strategies.base.token_room)
METHOD_MAX_TOKENS = 96         # fits MethodChoice at its bounds

class Policy:
    name = "policy"
    # Bumped when a change makes this policy decide differently: a trace records it
    # (run_start.versions.policy) and an exact rerun of one made by another version is refused.
    version = "1"
    reflects = False       # the judge's call also chooses the next move (one call per step, not two)
    hard_rules = True      # the controller's shared hard signals (graph.closing_rule) apply
    judge_model = True     # the judge may ask the model (the random ablation never does)

    async def choose(self, inp: MoveInput, *, must_open: bool, avoid: str | None) -> Choice:
        raise NotImplementedError

    def observe(self, move: str, reward: float) -> None:
        """Feedback after the judge's verdict on `move` (reward = judged progress, 0..1)."""

    def at_step(self, step: int) -> Policy:
        """The policy that judges step `step` (a fork hands the recorded prefix to the recorded one)."""
        return self

    async def choose_step(self, inp: MoveInput, choices: list) -> tuple[int, str]:
        """Which listed one-step option to take (agent.workspace.boards.StepChoice); returns the
        index and who chose ("model", "random: ...", "rule: ..."). Default: the policy picks the
        move (`pick_move`), the model picks among that move's options."""
        moves = sorted({c.move for c in choices})
        move = await self.pick_move(inp, moves)
        idx = [i for i, c in enumerate(choices) if c.move == move]
        k, who = await model_pick(inp, f"choose:{move}", workspace_text(inp), [choices[i].text for i in idx])
        return idx[k], f"{self.name} chose {move}; {who}"

    async def pick_move(self, inp: MoveInput, moves: list[str]) -> str:
        return inp.ctx.rng.choice(moves)


def offered(inp: MoveInput) -> list[str]:
    """The moves a controller may choose on this problem: the registered ones and its family's own."""
    return inp.family.offered_moves() if inp.family is not None else solving_moves()


def choosable(inp: MoveInput, avoid: str | None) -> list[str]:
    """The moves on offer less the one just judged `switch` (all of them if that leaves none)."""
    moves = offered(inp)
    return [m for m in moves if m != avoid] or moves


def workspace_text(inp: MoveInput) -> str:
    return inp.family.workspace_text(inp.state)


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
        unknown = [m for m in sequence if m not in move_names()]
        if not sequence or unknown:
            raise InputError(f"fixed policy needs known moves; unknown: {', '.join(unknown) or '(empty)'}")
        self.sequence = sequence
        self.name = "fixed:" + ",".join(sequence)
        self.position = 0

    async def choose(self, inp, *, must_open, avoid):
        move = self.sequence[self.position % len(self.sequence)]
        self.position += 1
        return Choice(move, must_open, next_goal(inp, move) if must_open else "", "next in the fixed sequence")

    async def pick_move(self, inp, moves):
        for _ in range(len(self.sequence)):
            move = self.sequence[self.position % len(self.sequence)]
            self.position += 1
            if move in moves:
                return move
        return moves[0]


class BanditPolicy(Policy):
    name = "bandit"

    def __init__(self, exploration: float = 1.0):
        self.exploration = exploration
        self.pulls: dict[str, int] = {}
        self.reward: dict[str, float] = {}

    async def choose(self, inp, *, must_open, avoid):
        move, reason = self._ucb(inp, choosable(inp, avoid))
        return Choice(move, must_open, next_goal(inp, move) if must_open else "", reason)

    def _ucb(self, inp, arms: list[str]) -> tuple[str, str]:
        """UCB1 over `arms`; an untried arm first; ties broken by the run's seeded RNG."""
        untried = [m for m in arms if not self.pulls.get(m)]
        if untried:
            return inp.ctx.rng.choice(sorted(untried)), "untried move"
        total = sum(self.pulls[m] for m in arms)

        def ucb(m: str) -> float:
            n = self.pulls[m]
            return self.reward[m] / n + self.exploration * math.sqrt(2 * math.log(total) / n)

        best = max(ucb(m) for m in arms)
        return inp.ctx.rng.choice(sorted(m for m in arms if ucb(m) >= best - 1e-12)), f"highest UCB score {best:.3f}"

    def observe(self, move, reward):
        self.pulls[move] = self.pulls.get(move, 0) + 1
        self.reward[move] = self.reward.get(move, 0.0) + reward

    async def pick_move(self, inp, moves):
        return self._ucb(inp, moves)[0]


class LLMPolicy(Policy):
    """The model picks the move and may open a new attack. A choice that breaks the judge's
    ruling (the move it just said to switch away from) is replaced by the bandit's."""

    name = "llm"

    def __init__(self):
        self.fallback = BanditPolicy()
        self.own: dict[str, str] = {}                 # the family's own moves on offer (Family.own_moves)
        self._schemas(tuple(solving_moves()))
        self.pending: tuple[int, Choice] | None = None   # (step, choice) from this step's reflect call
        self.method_schema: type[BaseModel] | None = None   # made from the family's methods on first use

    def _schemas(self, names: tuple[str, ...]) -> None:
        """The controller's and the reflection's output types, for the moves on offer (`names`)."""
        self.names = names
        self.schema: type[BaseModel] = create_model(
            "ControllerChoice",
            move=(Literal[names], Field(description="the next move")),  # type: ignore[valid-type]
            new_attack=(bool, Field(description="open a new line of attack instead of the current one")),
            goal=(clipped(160), Field(description="goal of the new line of attack, if new_attack")),
            reason=(clipped(160), Field(description="why this move now, one sentence")),
        )

        self.reflect_schema: type[BaseModel] = create_model(
            "Reflection",
            assessment=(clipped(240), Field(description="one or two sentences on what the move achieved")),
            progress=(float, Field(ge=0.0, le=1.0, description="progress towards a verified answer, 0 to 1")),
            decision=(Literal["persist", "switch", "abandon", "give_up"], Field(description="what to do with this line")),
            next_move=(Literal[names], Field(description="the move to make next")),  # type: ignore[valid-type]
            new_goal=(clipped(160), Field(description="after abandon: the goal of the next line of attack; else empty")),
        )

    def _method_schema(self, methods: dict[str, str]) -> type[BaseModel]:
        if self.method_schema is None:
            names = tuple(m for m in methods if m in solving_moves())
            self.method_schema = create_model(
                "MethodChoice",
                move=(Literal[names], Field(description="the method for the next answer")),  # type: ignore[valid-type]
                reason=(clipped(100), Field(description="why, in a few words")),
            )
        return self.method_schema

    reflects = True

    def moves_text(self) -> str:
        """The moves on offer, one line each: the registered ones, then the family's own."""
        lines = {s.name: s.description for s in registry().values() if s.name in self.names}
        lines |= {m: d for m, d in self.own.items() if m in self.names and m not in lines}
        return "\n".join(f"- {m}: {d}" for m, d in lines.items())

    def _offer(self, inp: MoveInput) -> None:
        """The schemas for this problem's moves (its family's own moves added), made again only
        when they change."""
        self.own = inp.family.own_moves if inp.family is not None else {}
        names = tuple(offered(inp))
        if names != self.names:
            self._schemas(names)

    @staticmethod
    def plans_hint(state) -> str:
        return ("; unused plans: " + " | ".join(p for p in state.plans if p not in {a.goal for a in state.attacks})
                if state.plans else "")

    def remember(self, step: int, reflection) -> None:
        """The reflect call's choice of the next move, used by `choose` this step instead of a call."""
        self.pending = (step, Choice(reflection.next_move, reflection.decision == "abandon", reflection.new_goal,
                                     f"reflect: {reflection.assessment}"))

    async def choose(self, inp, *, must_open, avoid):
        self._offer(inp)
        state = inp.state
        if self.pending is not None and self.pending[0] == state.step:
            _, pending = self.pending
            self.pending = None
            return await self._accept(inp, pending.move, must_open or pending.new_attack, pending.goal,
                                      pending.reason, avoid=avoid)
        if inp.family is not None and inp.family.methods:
            return await self._choose_method(inp, must_open=must_open, avoid=avoid)
        moves_text = self.moves_text()
        last = state.last_verdict
        plans_hint = self.plans_hint(state)
        prompt = render_loop_prompt("controller", attacks=state.render_attacks(), moves=moves_text, plans_hint=plans_hint,
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
        return await self._accept(inp, out.move, must_open or bool(out.new_attack), out.goal, out.reason, avoid=avoid)

    async def _choose_method(self, inp, *, must_open, avoid) -> Choice:
        """On a family with named methods (answers): which method makes the next answer, from the
        problem and the answers so far alone (no notebook, no lines of attack: ~450 prompt tokens measured, not ~600). The
        line of attack changes only when the verdict abandoned it."""
        state = inp.state
        last = state.last_verdict
        methods = inp.family.methods
        shown = {m: d for m, d in methods.items() if m != avoid and m in solving_moves()}
        prompt = render_loop_prompt("choose_method", answers=inp.family.workspace_text(state),
                                    methods="\n".join(f"- {m}: {d}" for m, d in shown.items()),
                                    last_verdict=f"{last.decision}: {last.reason}" if last else "none yet")
        try:
            out, _ = await inp.ctx.ask("controller", compact_messages(inp.problem, prompt), self._method_schema(methods),
                                       max_tokens=METHOD_MAX_TOKENS)
        except BackendError:
            choice = await self.fallback.choose(inp, must_open=must_open, avoid=avoid)
            choice.reason = "controller call failed; bandit fallback: " + choice.reason
            return choice
        return await self._accept(inp, out.move, must_open, "", out.reason, avoid=avoid)

    async def _accept(self, inp, move: str, new_attack: bool, written_goal: str, reason: str, *, avoid) -> Choice:
        """The model's choice, checked: the move it was just told to switch away from is replaced by
        the bandit's; an unusable goal for a new attack by the next plan."""
        if move == avoid:
            choice = await self.fallback.choose(inp, must_open=new_attack, avoid=avoid)
            choice.reason = f"model chose {avoid} again after a switch verdict; bandit chose instead"
            return choice
        goal = ""
        if new_attack:
            # small models echo a move's description or paste every plan: fall back to the next plan
            descriptions = {s.description.lower() for s in registry().values()}
            written = written_goal.strip()
            # ... often with words of their own after it ("compute small cases ... to understand the pattern")
            pasted = any(d[:40] in written.lower() for d in descriptions)
            usable = written and not pasted and written.count("|") == 0
            goal = written if usable else next_goal(inp, move)
        return Choice(move, new_attack, goal, reason)

    def observe(self, move, reward):
        self.fallback.observe(move, reward)

    async def choose_step(self, inp, choices):
        return await model_pick(inp, "controller", workspace_text(inp), [c.text for c in choices])


class RandomPolicy(Policy):
    """The ablation: the same moves, tools and options, every choice uniform at random, no model
    call of its own. What `llm` solves beyond this is what the model's judgement adds."""

    name = "random"

    judge_model = False

    def __init__(self, bare: bool = False):
        self.hard_rules = not bare       # random:bare also drops the shared closing rule
        self.name = "random:bare" if bare else "random"

    async def choose(self, inp, *, must_open, avoid):
        move = inp.ctx.rng.choice(sorted(choosable(inp, avoid)))
        return Choice(move, must_open, next_goal(inp, move) if must_open else "", "uniform random move")

    async def choose_step(self, inp, choices):
        move = inp.ctx.rng.choice(sorted({c.move for c in choices}))
        idx = [i for i, c in enumerate(choices) if c.move == move]
        return inp.ctx.rng.choice(idx), f"random: {move}, then one of its {len(idx)} options"


def make_policy(spec: str) -> Policy:
    """The loop's controller for a policy spec (grammar and names: agent.policyspec)."""
    from agent.policyspec import parse_policy

    parsed = parse_policy(spec)
    if parsed.name == "llm":
        return LLMPolicy()
    if parsed.name == "bandit":
        return BanditPolicy()
    if parsed.name == "random":
        return RandomPolicy(bare=bool(parsed.options["bare"]))
    if parsed.name == "learned":
        from agent.loop.learned import LearnedPolicy  # noqa: PLC0415 - it imports this module

        return LearnedPolicy(parsed.options["experience"] or None)
    if parsed.name == "fixed":
        return FixedPolicy(list(parsed.moves))
    raise InputError(f"policy {spec!r} is a baseline, not a controller of the loop")
