"""The controller graph. Nodes are thin: each calls plain functions (agent/loop/steps.py, the
family, the policy, the judge) and writes what happened into the state; edge functions read the
state and decide where the run goes next.

    opening -> controller -> move -> [verify] -> judge --persist--> move
                   ^                                |--switch/abandon--> controller
                   +--------------------------------+--solved/give_up/budget--> END
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, TypedDict

from langgraph.graph import END, START, StateGraph

from agent.errors import AnswerReserve, BudgetExceeded
from agent.loop.judge import assess, combine, reflect
from agent.loop.opening import opening
from agent.loop.policies import Choice
from agent.loop.state import RunState
from agent.loop.steps import (
    Run,
    check_candidates,
    close_attack,
    open_attack,
    record_verdict,
    run_move,
    step_result_text,
)
from agent.trace.events import ControllerChoice
from strategies.family import Signals

if TYPE_CHECKING:   # LangGraph hands a node the run's config when `config` is annotated with it
    from langchain_core.runnables import RunnableConfig


def closing_rule(choices, rng) -> tuple[int | None, str]:
    """The hard signal every policy shares, `random` included: when a listed step reaches the goal
    (or leaves a goal that is a product of free numbers), take it — no judgement is needed to see
    that. None when no listed step does."""
    for level in (1, 2):
        hits = [i for i, c in enumerate(choices) if c.closes == level]
        if hits:
            what = "reaches the goal" if level == 1 else "leaves a goal that is a product of free numbers"
            return rng.choice(hits), f"rule: this step {what}"
    return None, ""


def _attempt_now(reason: str) -> Choice:
    return Choice(move="attempt", goal="best answer before the budget runs out", reason=reason)


def _steps_spent(run: Run, st: RunState) -> bool:
    left = run.ctx.meter.steps_left()
    if left is not None and left <= 0:
        st.end("budget", f"step budget {run.ctx.meter.limits.steps} spent")
        return True
    return False


def _final_step_move(run: Run, move: str) -> tuple[str, str]:
    """On the last affordable step a family that must answer gets an attempt, not more exploring: a
    run that ends on its budget with no answer proposed cannot be solved."""
    if move == "attempt" or not run.family.attempts_at_end(run.problem):
        return move, ""
    why = run.ctx.meter.last_step()
    return ("attempt", why) if why else (move, "")


# -- nodes ----------------------------------------------------------------------------------------

async def controller(run: Run, st: RunState) -> None:
    """Decide the next move: a listed option (a family that lists them) or the policy's move."""
    if _steps_spent(run, st):
        return
    exhausted = run.ctx.meter.exhausted()
    if exhausted:
        raise BudgetExceeded(exhausted)
    attack = st.attack()
    must_open = attack is None or attack.status != "open"
    if run.family.lists_options:
        await _choose_option(run, st, attack, must_open)
        return
    forced = run.ctx.meter.last_step() if run.family.attempts_at_end(run.problem) else ""
    if forced:   # the answer attempt is decided: no controller call the budget cannot spare
        choice = _attempt_now(forced)
    else:
        avoid = st.last_move if st.last_verdict and st.last_verdict.decision == "switch" else None
        try:
            choice = await run.policy.choose(run.move_input(st), must_open=must_open, avoid=avoid)
        except AnswerReserve as err:   # the controller's own call no longer fits: attempt
            choice = _attempt_now(str(err))
    move, why = _final_step_move(run, choice.move)
    if choice.new_attack or must_open:
        if attack is not None and attack.status == "open":
            close_attack(run, st, attack, "abandoned", "controller opened a new line of attack")
        attack = open_attack(run, st, choice.goal or f"line of attack #{len(st.attacks) + 1}", choice.reason)
    run.emit(ControllerChoice(run_id="", step=st.step, policy=run.policy.name, move=move, attack_id=attack.id,
                              new_attack=choice.new_attack or must_open, reason=why or choice.reason))
    st.next_move = move


async def _choose_option(run: Run, st: RunState, attack, must_open: bool) -> None:
    """The family lists the one-step options from where the attack stands; the shared closing rule
    or the policy (the model, or the RNG for `random`) picks one; the move node takes it."""
    if must_open:
        if attack is not None and attack.status == "open":
            close_attack(run, st, attack, "abandoned", "", record=False)
        reason = st.last_verdict.reason if st.last_verdict else "first line of attack"
        attack = open_attack(run, st, f"from {st.workspace.root.render()}", reason)
    choices = run.family.options(st, attack.id)
    if not choices:
        st.end("gave_up", "no one-step option is left anywhere in the workspace")
        return
    try:
        index, who = closing_rule(choices, run.ctx.rng) if run.policy.hard_rules else (None, "")
        if index is None:   # no hard signal decides: the policy's judgement (or the RNG's)
            index, who = await run.policy.choose_step(run.move_input(st), choices)
    except AnswerReserve as err:
        st.end("budget", str(err))
        return
    chosen = choices[index]
    st.next_move, st.next_choice = chosen.move, chosen
    run.emit(ControllerChoice(run_id="", step=st.step, policy=run.policy.name, move=chosen.move, attack_id=attack.id,
                              new_attack=must_open, reason=f"{who}: {chosen.text} ({len(choices)} options)"))


async def move(run: Run, st: RunState) -> None:
    attack, name = st.attack(), st.next_move
    outcome, error = await run_move(run, st, name, attack.id)
    attack.moves.append(name)
    streak = next((i for i, m in enumerate(reversed(attack.moves)) if m != name), len(attack.moves))
    run.last_signals = Signals(move=name, new_findings=st.last_new_findings, move_error=error, persist_streak=streak,
                               attack_progress=list(attack.progress), attack_moves=len(attack.moves),
                               refuted=bool(outcome.findings.counterexamples))


async def verify(run: Run, st: RunState) -> None:
    check_candidates(run, st)


async def judge(run: Run, st: RunState) -> None:
    """The verdict on the step: the family's hard signals where they decide, else the model's
    assessment bounded by the judge's rules; then what it means for the next step."""
    attack, signals = st.attack(), run.last_signals
    value = getattr(run.policy.at_step(st.step), "node_value", None)   # a learned judge (agent/loop/learned.py)
    verdict = run.family.verdict(st, attack, signals, value) if st.status != "solved" else None
    if verdict is None:
        verdict = combine(await _assess(run, st, signals), signals)
    note = getattr(run.policy.at_step(st.step), "judge_note", None)   # what experience says (agent/loop/learned.py)
    said = note(run.move_input(st)) if note is not None and not st.ended else None
    if said and verdict.decision != "solved":   # a dead end, by calibrated experience: stop spending on it
        verdict.evidence.append(said)
        verdict.overrides.append("learned_unlikely")
        verdict.decision, verdict.reason = "give_up", said
    record_verdict(run, st, attack, verdict)
    _apply(run, st, st.last_verdict.decision)


async def _assess(run: Run, st: RunState, signals: Signals):
    """The model's view of the step, or None (recorded why) when it is not asked: one reflect call
    (verdict and next move) for a policy that reflects, else the judge call alone."""
    signals.budget_used = run.ctx.meter.fraction_used()
    policy, meter = run.policy.at_step(st.step), run.ctx.meter
    if not policy.judge_model:    # random (the ablation), learned: verdicts from hard signals and learned values
        signals.judge_skipped = f"judge not asked: the {policy.name} policy does not ask the model to judge"
        return None
    if meter.in_answer_reserve():   # the tokens left are for answer attempts, not for judging
        signals.judge_skipped = f"judge not asked: the {meter.tokens_left()} tokens left are kept for an answer"
        return None
    if signals.move_error is not None:
        return None
    inp = run.move_input(st)
    try:
        if policy.reflects:
            out = await reflect(inp, signals.move, step_result_text(st), policy.reflect_schema, policy.moves_text(),
                                policy.plans_hint(st))
            if out is not None:
                policy.remember(st.step, out)
            return out
        return await assess(inp, signals.move, step_result_text(st))
    except AnswerReserve as err:   # the judge's prompt no longer fits: the rest is for answers
        signals.judge_skipped = f"judge not asked: {err}"
        return None


def _apply(run: Run, st: RunState, decision: str) -> None:
    """What the verdict means for the next step: end the run, persist (the same move again), or
    leave the choice to the controller (`next_move` None), closing an abandoned attack."""
    st.next_move = None
    if decision == "solved":
        st.ended = True
        return
    if st.consecutive_errors >= run.ctx.settings.max_consecutive_errors:
        st.end("error", f"{st.consecutive_errors} moves in a row failed")
    elif decision == "give_up":
        st.end("gave_up", st.last_verdict.reason)
    elif _steps_spent(run, st):
        return
    elif decision == "abandon":
        close_attack(run, st, st.attack(), "abandoned", st.last_verdict.reason)
    elif decision == "persist" and not run.family.lists_options:
        name, why = _final_step_move(run, st.last_move)
        if why:
            run.emit(ControllerChoice(run_id="", step=st.step, policy=run.policy.name, move=name,
                                      attack_id=st.current_attack, reason=why))
        st.next_move = name


# -- edges: where the run goes next, from the state alone (an ended run goes to END from any node) --

def after_move(st: RunState) -> str:
    return "verify" if st.notebook.unverified() else "judge"


def after_judge(st: RunState) -> str:
    return "move" if st.next_move else "controller"


class GraphState(TypedDict):
    run: RunState


NODES = {"opening": opening, "controller": controller, "move": move, "verify": verify, "judge": judge}
EDGES = {"opening": lambda st: "controller", "controller": lambda st: "move", "move": after_move,
         "verify": lambda st: "judge", "judge": after_judge}
TARGETS = {"opening": ["controller"], "controller": ["move"], "move": ["verify", "judge"], "verify": ["judge"],
           "judge": ["move", "controller"]}


def _node(name: str):
    step = NODES[name]

    async def node(gs: GraphState, config: RunnableConfig) -> GraphState:
        st = gs["run"]
        try:
            await step(config["configurable"]["run"], st)
        except BudgetExceeded as err:
            st.end("budget", str(err))
        return {"run": st}

    node.__name__ = name
    return node


def build_graph(run: Run):
    """The graph, bound to this run's live parts (its nodes find them in the run's config)."""
    return _compiled().with_config(configurable={"run": run})


def _edge(name: str):
    edge = EDGES[name]

    # async: LangGraph runs a sync edge function in a thread pool (~2 ms an edge); these read a field
    async def route(gs: GraphState) -> str:
        st = gs["run"]
        return END if st.ended else edge(st)

    route.__name__ = f"after_{name}"
    return route


@functools.cache
def _compiled():
    # Compiled once per process: compiling costs ~1.5 ms, and nothing in the graph depends on the run.
    graph = StateGraph(GraphState)
    for name in NODES:
        graph.add_node(name, _node(name))
    graph.add_edge(START, "opening")
    for name, targets in TARGETS.items():
        graph.add_conditional_edges(name, _edge(name), [*targets, END])
    return graph.compile()
