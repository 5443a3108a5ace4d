"""The controller graph. Nodes are thin: each calls plain functions (moves, judge, policy,
verifier) and records what happened; `state.route` says where to go next.

    understand -> controller -> move -> [verify] -> judge --persist--> move
                      ^                                |--switch/abandon--> controller
                      +--------------------------------+--solved/give_up/budget--> END
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, TypedDict

from langgraph.graph import END, START, StateGraph

from agent.errors import AnswerReserve, BackendError, BudgetExceeded
from agent.loop.judge import Signals, assess, budget_fraction, combine, reflect
from agent.loop.policies import Choice, Policy
from agent.loop.state import LastVerdict, RunState
from agent.trace.events import (
    AttackClose,
    AttackOpen,
    ControllerChoice,
    Findings,
    MoveEnd,
    MoveStart,
    ToolCall,
    Verdict,
    Verification,
)
from agent.verify import solve_time_check
from agent.workspace.answers import AnswerWorkspace
from agent.workspace.boards import CountdownWorkspace
from agent.workspace.claims import checked_findings
from agent.workspace.explore import ExplorationWorkspace, can_explore
from agent.workspace.hunt import HuntWorkspace
from agent.workspace.signals import answer_verdict, explore_verdict, hunt_verdict, workspace_verdict
from strategies.base import MoveInput, MoveOutcome, get_move

if TYPE_CHECKING:   # LangGraph hands a node the run's config when `config` is annotated with it
    from langchain_core.runnables import RunnableConfig

# A step is forced to `attempt` when fewer than this many mean steps' worth of budget are left.
LAST_STEP_MARGIN = 1.5
# Tokens of a token budget that only an answer attempt may spend: one attempt (prompt with the
# notebook, plus the reply) measured ~1,000 tokens on the 1.5B model. A single move with a code
# repair can cost 2,500, so a mean-based rule alone still ended runs with no answer proposed.
ANSWER_RESERVE_FRACTION = 0.25
ANSWER_RESERVE_MAX = 2000


def answer_reserve(budget) -> int:
    return 0 if budget.tokens is None else min(int(budget.tokens * ANSWER_RESERVE_FRACTION), ANSWER_RESERVE_MAX)


# Kinds whose first step is the obvious attempt (countdown has its workspace; a proof has no check).
FIRST_ATTEMPT_KINDS = ("answer", "sequence", "conjecture", "counterexample")


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


def _workspace_summary(st: RunState) -> dict | None:
    ws = st.workspace or st.hunt or st.explore or st.answers
    return ws.summary() if ws is not None else None


def _attempt_now(reason: str) -> Choice:
    return Choice(move="attempt", goal="best answer before the budget runs out", reason=reason)


class GraphState(TypedDict):
    run: RunState


class Solver:
    """Holds the run's live parts; its methods are the graph's nodes."""

    def __init__(self, ctx, problem, policy: Policy):
        self.ctx, self.problem, self.policy = ctx, problem, policy
        self.last_signals: Signals | None = None
        if problem.has_exact_verifier:
            ctx.answer_reserve = answer_reserve(ctx.budget)

    # -- helpers ---------------------------------------------------------------------------
    def _input(self, st: RunState) -> MoveInput:
        attack = st.attack()
        return MoveInput(self.ctx, self.problem, st, attack.goal if attack else "", choice=st.next_choice)

    def _steps_spent(self, st: RunState) -> bool:
        left = self.ctx.steps_left()
        if left is not None and left <= 0:
            st.status, st.end_reason, st.route = "budget", f"step budget {self.ctx.budget.steps} spent", "end"
            return True
        return False

    def _last_step(self, st: RunState) -> str:
        """Why this is the last step the budget can pay for, or "" when it is not. A step costs
        the move, the judge and (for `llm`) the controller; the mean so far, with a margin, says
        whether one more will fit, so the loop attempts while it can still pay for an answer."""
        if self.ctx.steps_left() == 1:
            return "last step of the budget: attempt an answer"
        if self.ctx.in_answer_reserve():
            return f"the {self.ctx.tokens_left()} tokens left are kept for an answer: attempt"
        used, budget, steps = st.used, self.ctx.budget, max(st.used.steps, 1)
        if budget.tokens is not None and used.steps:
            left, per_step = budget.tokens - used.tokens, used.tokens / steps
            if left < LAST_STEP_MARGIN * per_step:
                return f"{left} tokens left, a step costs ~{per_step:.0f}: attempt an answer"
        if budget.cost_usd is not None and used.steps and used.cost_usd:
            left, per_step = budget.cost_usd - used.cost_usd, used.cost_usd / steps
            if left < LAST_STEP_MARGIN * per_step:
                return f"${left:.4f} left, a step costs ~${per_step:.4f}: attempt an answer"
        return ""

    def _final_step_move(self, st: RunState, move: str) -> tuple[str, str]:
        """On the last affordable step, a problem with an exact verifier gets an attempt, not more
        exploring: a run that ends on its budget with no answer proposed cannot be solved."""
        if move == "attempt" or not (self.problem.has_exact_verifier or st.explore is not None):
            return move, ""
        why = self._last_step(st)
        return ("attempt", why) if why else (move, "")

    async def _run_move(self, st: RunState, name: str, attack_id: str):
        st.step += 1
        st.used.steps += 1
        self.ctx.step = st.step
        self.ctx.emit(MoveStart(run_id="", step=st.step, move=name, attack_id=attack_id))
        error = None
        try:
            outcome = await get_move(name).fn(self._input(st))
        except BackendError as err:
            outcome, error = MoveOutcome(), f"{type(err).__name__}: {err}"
        except AnswerReserve as err:   # the move reached the tokens kept for the answer: not a failure
            outcome, error = MoveOutcome(summary=f"stopped: {err}"), None
        outcome.findings, refuted = checked_findings(outcome.findings)
        if refuted:    # a model's false arithmetic is recorded as refuted, never as a fact
            self.ctx.emit(ToolCall(run_id="", step=st.step, tool="check_arithmetic", args={"move": name},
                                   result="\n".join(refuted)))
        new = st.notebook.add(outcome.findings, step=st.step, move=name, attack_id=attack_id)
        st.last_move, st.last_new_findings = name, new
        st.consecutive_errors = st.consecutive_errors + 1 if error else 0
        self.ctx.emit(MoveEnd(run_id="", step=st.step, move=name, attack_id=attack_id, summary=outcome.summary,
                              findings=outcome.findings, new_findings=new, error=error,
                              workspace=_workspace_summary(st)))
        return outcome, error

    # -- nodes -------------------------------------------------------------------------------
    async def understand(self, st: RunState) -> None:
        if self.problem.kind == "countdown" and self.ctx.settings.workspace:   # boards, subgoals, exact tools
            st.workspace = CountdownWorkspace.start(self.problem.numbers, self.problem.target, self.problem.rules)
        elif self.problem.kind == "counterexample" and self.ctx.settings.workspace:   # what is checked
            st.hunt = HuntWorkspace()
        elif can_explore(self.problem) and self.ctx.settings.workspace:   # examples and a conjecture ledger
            st.explore = ExplorationWorkspace()
        elif self.problem.kind == "answer" and self.ctx.settings.workspace and self.ctx.settings.answer_workspace:
            # candidate answers, each with the method that reached it
            st.answers = AnswerWorkspace(independent=self.ctx.settings.independent_agreement,
                                         prefer_first=self.ctx.settings.unsettled_first)
        if st.workspace is None and self.ctx.settings.first_attempt and self.problem.kind in FIRST_ATTEMPT_KINDS:
            if await self._obvious_first(st):
                return
            if st.answers is not None:      # the first attempt already stated the problem's answers
                st.route = "controller"
                return
        outcome, _ = await self._run_move(st, "understand", "-")
        st.plans = outcome.plans
        st.route = "controller"

    async def _obvious_first(self, st: RunState) -> bool:
        """One plain attempt, checked by another method, before any campaign. Its verdict is
        recorded like any other: accept (the run ends) or escalate to the moves. True if it ended."""
        attack = st.open_attack("the obvious attempt: one plain pass, checked by another method")
        self.ctx.emit(AttackOpen(run_id="", step=st.step, attack_id=attack.id, goal=attack.goal,
                                 reason="a person tries the obvious first"))
        outcome, error = await self._run_move(st, "obvious", attack.id)
        attack.moves.append("obvious")
        self.last_signals = Signals(move="obvious", new_findings=st.last_new_findings, move_error=error)
        if st.notebook.unverified():
            await self.verify(st)      # a solve-time check (conjecture): may end the run here
        if st.status == "solved":
            return True
        accept = error is None and outcome.check in ("agrees", "consistent")
        candidate = st.notebook.candidates[-1].answer if st.notebook.candidates else None
        if accept and outcome.check == "consistent":     # a sequence rule that reproduces every given term
            decision, override, progress = "solved", "consistent_with_given_terms", 0.9
            reason = f"the first attempt {candidate} comes from a rule that reproduces every given term: accepted"
        elif accept:
            decision, override, progress = "solved", "self_check_agrees", 0.9
            reason = f"the first attempt {candidate} agrees with an independent program: accepted"
        else:
            decision, override, progress = "abandon", "escalate", 0.0
            reason = f"escalate to the moves: {error or outcome.check or 'no answer'}"
        if accept:
            st.status, st.answer, st.end_reason = "answered", candidate, reason
        st.last_verdict = LastVerdict(decision=decision, progress=progress, reason=reason)
        self.ctx.emit(Verdict(run_id="", step=st.step, attack_id=attack.id, move="obvious", decision=decision,
                              progress=progress, reason=reason, evidence=[outcome.summary or "-"],
                              model_decision=None, overrides=[override]))
        attack.status = "succeeded" if accept else "abandoned"
        self.ctx.emit(AttackClose(run_id="", step=st.step, attack_id=attack.id, status=attack.status, reason=reason))
        if accept:
            st.route = "end"
        return accept

    async def controller(self, st: RunState) -> None:
        if self._steps_spent(st):
            return
        attack = st.attack()
        must_open = attack is None or attack.status != "open"
        exhausted = self.ctx.budget_exhausted()
        if exhausted:
            raise BudgetExceeded(exhausted)
        if st.workspace is not None:
            await self._choose_step(st, attack, must_open)
            return
        forced = self._last_step(st) if (self.problem.has_exact_verifier or st.explore is not None) else ""
        if forced:   # the answer attempt is decided: no controller call the budget cannot spare
            choice = _attempt_now(forced)
        else:
            avoid = st.last_move if st.last_verdict and st.last_verdict.decision == "switch" else None
            try:
                choice = await self.policy.choose(self._input(st), must_open=must_open, avoid=avoid)
            except AnswerReserve as err:   # the controller's own call no longer fits: attempt
                choice = _attempt_now(str(err))
        move, why = self._final_step_move(st, choice.move)
        if choice.new_attack or must_open:
            if attack is not None and attack.status == "open":
                attack.status = "abandoned"
                self.ctx.emit(AttackClose(run_id="", step=st.step, attack_id=attack.id, status="abandoned",
                                          reason="controller opened a new line of attack"))
            attack = st.open_attack(choice.goal or f"line of attack #{len(st.attacks) + 1}")
            self.ctx.emit(AttackOpen(run_id="", step=st.step, attack_id=attack.id, goal=attack.goal,
                                     reason=choice.reason))
        self.ctx.emit(ControllerChoice(run_id="", step=st.step, policy=self.policy.name, move=move,
                                       attack_id=attack.id, new_attack=choice.new_attack or must_open,
                                       reason=why or choice.reason))
        st.next_move, st.route = move, "move"

    async def _choose_step(self, st: RunState, attack, must_open: bool) -> None:
        """Workspace kinds: the tools list the one-step options from where the attack stands, the
        policy picks one (the model, or the RNG for `random`), the move node takes it."""
        if must_open:
            if attack is not None and attack.status == "open":
                attack.status = "abandoned"
            reason = st.last_verdict.reason if st.last_verdict else "first line of attack"
            attack = st.open_attack(f"from {st.workspace.root.render()}")
            self.ctx.emit(AttackOpen(run_id="", step=st.step, attack_id=attack.id, goal=attack.goal, reason=reason))
        choices = st.workspace.choices(attack.id)
        if not choices:
            st.status, st.route = "gave_up", "end"
            st.end_reason = "no one-step option is left anywhere in the workspace"
            return
        try:
            index, who = closing_rule(choices, self.ctx.rng) if self.policy.hard_rules else (None, "")
            if index is None:   # no hard signal decides: the policy's judgement (or the RNG's)
                index, who = await self.policy.choose_step(self._input(st), choices)
        except AnswerReserve as err:
            st.status, st.end_reason, st.route = "budget", str(err), "end"
            return
        chosen = choices[index]
        st.next_move, st.next_choice, st.route = chosen.move, chosen, "move"
        self.ctx.emit(ControllerChoice(run_id="", step=st.step, policy=self.policy.name, move=chosen.move,
                                       attack_id=attack.id, new_attack=must_open,
                                       reason=f"{who}: {chosen.text} ({len(choices)} options)"))

    async def move(self, st: RunState) -> None:
        attack = st.attack()
        outcome, error = await self._run_move(st, st.next_move, attack.id)
        attack.moves.append(st.next_move)
        streak = 0
        for m in reversed(attack.moves):
            if m != st.next_move:
                break
            streak += 1
        self.last_signals = Signals(move=st.next_move, new_findings=st.last_new_findings, move_error=error,
                                    persist_streak=streak, attack_progress=list(attack.progress),
                                    attack_moves=len(attack.moves), refuted=bool(outcome.findings.counterexamples))
        st.route = "verify" if st.notebook.unverified() else "judge"

    async def verify(self, st: RunState) -> None:
        attack = st.attack()
        st.route = "judge"
        for cand in st.notebook.unverified():
            result = solve_time_check(self.problem, cand.answer)
            if result is None:
                # Checking would need the hidden reference: the candidate is graded once, after the
                # run (agent.loop.run.grade_final), and nothing about it comes back into the run.
                cand.graded_later, cand.reason = True, "proposed; graded after the run"
                continue
            cand.ok, cand.verified, cand.reason = result.ok, result.verified, result.reason
            self.ctx.emit(Verification(run_id="", step=st.step, attack_id=attack.id, candidate=cand.answer,
                                       ok=result.ok, verified=result.verified, reason=result.reason))
            if result.ok and result.verified:
                st.status, st.answer, st.verified, st.route = "solved", cand.answer, True, "end"
                st.end_reason = "the verifier accepted the answer"
                attack.status = "succeeded"
                self.ctx.emit(AttackClose(run_id="", step=st.step, attack_id=attack.id, status="succeeded",
                                          reason="verified answer"))
                return
            if result.verified:   # an exact verifier said no: the reason becomes a fact
                st.notebook.add(Findings(facts=[f"Rejected answer {cand.answer}: {result.reason}"]),
                                step=st.step, move="verify", attack_id=attack.id)
                self.last_signals.rejections.append(result.reason)

    async def judge(self, st: RunState) -> None:
        attack, signals = st.attack(), self.last_signals
        hard = self._hard_verdict(st, attack, signals)
        if hard is not None:    # the workspace says what happened exactly: no model call
            self._emit_verdict(st, attack, hard)
            st.route = self._route_after(st, st.last_verdict.decision)
            return
        signals.budget_used = budget_fraction(st.used, self.ctx.budget)
        inp = self._input(st)
        model = None
        if not self.policy.judge_model:    # the random ablation: verdicts from hard signals alone
            signals.judge_skipped = "judge not asked: the random ablation has no model judgement"
        elif self.ctx.in_answer_reserve():   # the tokens left are for answer attempts, not for judging
            signals.judge_skipped = f"judge not asked: the {self.ctx.tokens_left()} tokens left are kept for an answer"
        elif signals.move_error is None:
            try:
                model = await self._assess(st, inp, signals.move)
            except AnswerReserve as err:   # the judge's prompt no longer fits: the rest is for answers
                signals.judge_skipped = f"judge not asked: {err}"
        verdict = combine(model, signals)
        self._emit_verdict(st, attack, verdict)
        st.route = self._route_after(st, st.last_verdict.decision)

    def _hard_verdict(self, st: RunState, attack, signals):
        """The verdict of a workspace's hard signals, or None where the model is asked: countdown
        nodes, a hunt's checks, the conjecture ledger (a proof attempt itself is judged by the model)."""
        if st.status == "solved":
            return None
        if st.workspace is not None:
            settings = self.ctx.settings
            return workspace_verdict(st.workspace, attack, signals, settings.viability_estimate,
                                     settings.exhausted_nodes, value=getattr(self.policy, "node_value", None))
        if st.hunt is not None:
            settings = self.ctx.settings
            return hunt_verdict(st.hunt, signals, settings.hunt_let_go, settings.hunt_stall)
        if st.explore is not None and st.last_move != "attempt":
            return explore_verdict(st.explore, signals)
        if st.answers is not None:
            return answer_verdict(st.answers, signals, st.step)
        return None

    async def _assess(self, st: RunState, inp: MoveInput, move: str):
        """The model's view of the step: one reflect call (verdict and next move) for a policy that
        reflects, else the judge call alone (the controller asks separately)."""
        if self.policy.reflects and self.ctx.settings.reflect:
            out = await reflect(inp, move, self._step_result_text(st), self.policy.reflect_schema,
                                self.policy.moves_text(), self.policy.plans_hint(st))
            if out is not None:
                self.policy.remember(st.step, out)
            return out
        return await assess(inp, move, self._step_result_text(st))

    def _emit_verdict(self, st: RunState, attack, verdict) -> None:
        signals = self.last_signals
        decision = verdict.decision
        if (not self.problem.checkable_at_solve_time and st.notebook.candidates
                and st.notebook.candidates[-1].step == st.step and verdict.progress >= 0.9):
            decision = "solved"   # no solve-time check: the judge accepts; a reference grades it after the run
            st.status, st.answer, st.verified = "answered", st.notebook.candidates[-1].answer, False
            st.end_reason = "the judge accepted the answer"
        settled = st.answers.agreed() if decision == "solved" and st.answers is not None else None
        if settled is not None:      # settled by the run's own methods
            st.status, st.verified = "answered", False
            st.answer, st.end_reason = settled
        attack.progress.append(verdict.progress)
        self.policy.observe(signals.move, verdict.progress)
        st.last_verdict = LastVerdict(decision=decision, progress=verdict.progress, reason=verdict.reason)
        self.ctx.emit(Verdict(run_id="", step=st.step, attack_id=attack.id, move=signals.move, decision=decision,
                              progress=verdict.progress, reason=verdict.reason, evidence=verdict.evidence,
                              model_decision=verdict.model_decision, overrides=verdict.overrides))

    def _route_after(self, st: RunState, decision: str) -> str:
        if decision == "solved":
            return "end"
        if st.consecutive_errors >= self.ctx.settings.max_consecutive_errors:
            st.status, st.end_reason = "error", f"{st.consecutive_errors} moves in a row failed"
            return "end"
        if decision == "give_up":
            st.status, st.end_reason = "gave_up", st.last_verdict.reason
            return "end"
        if self._steps_spent(st):
            return "end"
        if decision == "abandon":
            attack = st.attack()
            attack.status = "abandoned"
            self.ctx.emit(AttackClose(run_id="", step=st.step, attack_id=attack.id, status="abandoned",
                                      reason=st.last_verdict.reason))
            return "controller"
        if decision == "persist" and st.workspace is not None:
            return "controller"     # the next listed option is the controller's choice again
        if decision == "persist":
            move, why = self._final_step_move(st, st.next_move)
            if why:
                self.ctx.emit(ControllerChoice(run_id="", step=st.step, policy=self.policy.name, move=move,
                                               attack_id=st.current_attack, reason=why))
            st.next_move = move
            return "move"
        return "controller"

    def _step_result_text(self, st: RunState) -> str:
        new = [e for sec in ("facts", "examples", "conjectures", "counterexamples")
               for e in _this_step(getattr(st.notebook, sec), st.step)]
        lines = [f"- {e.text}" for e in new[:10]]
        lines += [f"- answer {c.answer}: {'verified correct' if c.ok else c.reason}"
                  for c in _this_step(st.notebook.candidates, st.step)]
        return "\n".join(lines) if lines else "(nothing new)"


def _this_step(entries: list, step: int) -> list:
    """The entries (or candidates) added at `step`: they are appended in step order, so read
    from the end."""
    out = []
    for e in reversed(entries):
        if e.step != step:
            break
        out.append(e)
    return out[::-1]


def _node(name: str):
    async def node(gs: GraphState, config: RunnableConfig) -> GraphState:
        st = gs["run"]
        try:
            await getattr(config["configurable"]["solver"], name)(st)
        except BudgetExceeded as err:
            st.status, st.end_reason, st.route = "budget", str(err), "end"
        return {"run": st}

    node.__name__ = name
    return node


async def _route(gs: GraphState) -> str:
    # async on purpose: LangGraph runs a sync router in a thread pool, ~2 ms per edge
    return gs["run"].route


# The real routes: where each node may send the run next ("end" from any node: budget, solved).
ROUTES: dict[str, tuple[str, ...]] = {
    "understand": ("controller",),
    "controller": ("move",),
    "move": ("verify", "judge"),
    "verify": ("judge",),
    "judge": ("move", "controller"),
}


def build_graph(solver: Solver):
    """The graph, bound to this run's solver (its nodes find it in the run's config)."""
    return _compiled().with_config(configurable={"solver": solver})


@functools.cache
def _compiled():
    # Compiled once per process: compiling costs ~1.5 ms (LangGraph inspects every node), and
    # nothing in the graph depends on the run.
    graph = StateGraph(GraphState)
    for name in ROUTES:
        graph.add_node(name, _node(name))
    graph.add_edge(START, "understand")
    for name, targets in ROUTES.items():
        graph.add_conditional_edges(name, _route, {t: t for t in targets} | {"end": END})
    return graph.compile()
