"""RunContext: the live, non-serialisable parts of a run (backend, trace writer, clock, RNG) and
the two ways a move touches the world — `ask` (an LLM call) and `run_code` (a sandbox run) — each
recorded whole in the trace, each counted against the budget.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from agent.backends.base import Backend, LLMRequest, LLMResponse, Message
from agent.errors import AnswerReserve, BackendError, BudgetExceeded, InvalidOutput
from agent.problems.models import Budget
from agent.tools import ToolResult
from agent.trace.events import EventBase, LLMCall, ToolRun
from agent.trace.writer import TraceWriter

T = TypeVar("T", bound=BaseModel)

ANSWER_PURPOSE = "move:attempt"   # the calls that may spend the answer reserve (and its repairs)

# A token budget is a ceiling, not a target: each call's max_tokens is clipped to what is left after
# its prompt. The local model counts a prompt exactly; for other backends it is estimated at 2.8
# characters per token plus the chat template's tokens per message. On the 1.5B bench the estimate
# was 1.2-1.4x the true count for prose, and up to 8% low for code-heavy repair prompts.
PROMPT_CHARS_PER_TOKEN = 2.8
PROMPT_TOKENS_PER_MESSAGE = 8
MIN_COMPLETION_TOKENS = 16        # below this a reply cannot say anything: the budget is spent
# an LLMRequest's dumped fields, in model_dump's order
_REQUEST_FIELDS = tuple(name for name, f in LLMRequest.model_fields.items() if not f.exclude)


def estimate_prompt_tokens(messages: list[Message]) -> int:
    chars = sum(len(m.content) for m in messages)
    return int(chars / PROMPT_CHARS_PER_TOKEN) + PROMPT_TOKENS_PER_MESSAGE * len(messages)


class ToolSource:
    """Where tool results come from: the real sandbox, or a recording (replay)."""

    async def run(self, code: str, *, timeout_s: float, memory_mb: int) -> ToolResult:
        from agent import sandbox  # imported late: the sandbox is optional for pure-LLM runs
        from agent.sandbox._probe import refusal

        why = refusal(sandbox.probe_isolation())
        if why is not None:       # fail closed: uncontained model-written code does not run
            return ToolResult("", why, None, False, "isolation unavailable", 0.0, isolation="none: refused")
        res = await sandbox.arun(code, timeout_s=timeout_s, memory_mb=memory_mb)
        return ToolResult(res.stdout, res.stderr, res.exit_code, res.timed_out, res.killed_reason, res.duration_s,
                          isolation=res.isolation)


@dataclass
class RunSettings:
    max_tokens_per_call: int = 384
    code_max_tokens: int = 1024           # a program needs more room than a short JSON answer
    code_timeout_s: float = 10.0
    code_memory_mb: int = 768
    temperature: float = 0.7
    max_consecutive_errors: int = 3
    # Countdown problems work on the typed workspace (boards, subgoals, exact tools). False gives the
    # notebook-only loop of earlier versions: traces recorded before the workspace rerun with it.
    workspace: bool = True
    # The first step on an answer, sequence or conjecture problem is one plain chain of thought,
    # checked by another method (strategies/obvious.py); the moves start only if it fails.
    first_attempt: bool = True
    # One reflect call after a move gives the verdict and the next move (policy `llm`); False gives
    # a judge call and a separate controller call, as traces recorded before it did.
    reflect: bool = True
    # Answer problems (GSM8K, MATH) keep their candidate answers with how each was obtained
    # (agent/workspace/answers.py) and the moves compute on it; False gives the notebook moves that
    # traces recorded before it used.
    answer_workspace: bool = True
    # A new attack's goal that pastes a move's description (with words of its own after it) is
    # replaced by the next plan; False keeps such goals, as traces recorded before it did.
    strict_goals: bool = True
    # Countdown verdicts: progress is the one-step viability estimate, and a node that looks dead is
    # abandoned (agent/workspace/signals.py); False gives the measure of traces recorded before it.
    viability_estimate: bool = True
    # Countdown verdicts: a node with no step of its own left (only stepping back) is left, with the
    # signal `node_exhausted`, not persisted on; False persists there, as traces recorded before it did.
    exhausted_nodes: bool = True
    # On an answer workspace the `llm` controller sees the problem and the answers so far, and picks
    # the method of the next answer (agent/loop/prompts/choose_method.md); False gives the full
    # controller prompt (notebook, lines of attack, a new attack's goal), as traces recorded before it did.
    compact_control: bool = True
    # A hunt's search program loops over `candidates()`, from the first n not checked upward until the
    # harness's clock stops the generator (strategies/hunt.py). The clock is held in the generator's
    # default arguments: an earlier version handed the program a `time_left()` function, and the
    # 1.5B model assigned `time_left = 8` over it and looped until killed. False: the model picks its
    # own range, as traces recorded before did.
    timed_search: bool = True
    # A hunt lets go (verdict give_up, answer "none" with what was checked) after three search
    # programs found nothing, and each search starts where the last one reported stopping; False
    # runs to the budget and starts every search after the scans, as traces recorded before did.
    hunt_let_go: bool = True
    # A hunt also lets go (signal `hunt_stalled`) once a search program came back empty and the last
    # two steps together checked little further (agent/workspace/signals.py); False waits for three
    # empty searches, as traces recorded before it did.
    hunt_stall: bool = True
    # Answer problems: only answers reached without being shown earlier ones settle a run; an entry
    # from `backwards` or `counterexamples` (shown the leading answers) counts as a vote, not as an
    # independent method (agent/workspace/answers.py). False lets it settle, as traces recorded before did.
    independent_agreement: bool = True
    # Answer problems: when the budget ends with nothing settled, the answer given is the one with
    # the most methods, then the most votes (counted as for agreement), ties going to the earliest,
    # i.e. the first attempt (agent/workspace/answers.py). False breaks ties toward the latest and
    # counts shown answers too, as traces recorded before it did.
    unsettled_first: bool = True
    # Sequences: the first attempt is the sympy fits, else the model's rule written as a program
    # a(n) and checked against every given term; `patterns` proposes such programs when no fit
    # survives (strategies/sequence.py). False gives the chain-of-thought first attempt and one closed
    # form per `patterns`, as traces recorded before it did.
    sequence_programs: bool = True
    # The run's RNG is seeded with the seed and the problem's id, so a bench at one seed gives each
    # problem its own random stream (with the seed alone, `random` made the same move sequence on
    # every answer problem); False seeds with the seed alone, as traces recorded before it did.
    rng_per_problem: bool = True


@dataclass
class RunContext:
    backend: Backend
    trace: TraceWriter
    budget: Budget
    seed: int
    settings: RunSettings = field(default_factory=RunSettings)
    tools: ToolSource = field(default_factory=ToolSource)
    clock_enabled: bool = True            # False in exact reruns: the wall clock must not decide
    on_event: Any = None                  # callable(event) for live views
    policy_spec: str = ""                 # e.g. "self-consistency:5": baselines read their options here
    rng: random.Random = field(init=False)
    started: float = field(init=False)
    llm_calls: int = 0
    tool_runs: int = 0
    step: int = 0
    state: Any = None                     # the RunState, set by the runner (budget usage lives there)
    answer_reserve: int = 0               # tokens only an answer attempt may spend (set by the loop)
    answer_only: bool = False             # set when a non-answer call no longer fits: attempts only
    problem_id: str = ""                  # mixed into the RNG's seed (RunSettings.rng_per_problem)

    def __post_init__(self) -> None:
        # a str seed is hashed with SHA-512 by `random`: the same stream on every machine and run
        per_problem = self.problem_id and self.settings.rng_per_problem
        self.rng = random.Random(f"{self.seed}:{self.problem_id}" if per_problem else self.seed)
        self.started = time.monotonic()

    # -- events ---------------------------------------------------------------------------
    def emit(self, event: EventBase) -> EventBase:
        self.trace.write(event)
        if self.on_event is not None:
            self.on_event(event)
        return event

    # -- budget ---------------------------------------------------------------------------
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def budget_exhausted(self) -> str | None:
        """Name of the first exhausted budget dimension, or None. Checked before every call."""
        used, b = self.state.used, self.budget
        used.wall_s = round(self.elapsed(), 3)
        if b.tokens is not None and used.tokens >= b.tokens:
            return f"token budget {b.tokens} spent ({used.tokens} used)"
        if b.cost_usd is not None and used.cost_usd >= b.cost_usd:
            return f"cost budget ${b.cost_usd} spent"
        if self.clock_enabled and b.wall_s is not None and used.wall_s >= b.wall_s:
            return f"wall-time budget {b.wall_s}s spent"
        return None

    def tokens_left(self) -> int | None:
        return None if self.budget.tokens is None else self.budget.tokens - self.state.used.tokens

    def in_answer_reserve(self) -> bool:
        if self.answer_only:
            return True
        left = self.tokens_left()
        return bool(self.answer_reserve) and left is not None and left <= self.answer_reserve

    def steps_left(self) -> int | None:
        return None if self.budget.steps is None else self.budget.steps - self.state.used.steps

    # -- the two ways to touch the world -------------------------------------------------
    async def ask(
        self,
        purpose: str,
        messages: list[Message],
        output_type: type[T],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> tuple[T, LLMResponse]:
        """One structured LLM call, recorded whole. Raises BudgetExceeded before a call the
        budget cannot afford, BackendError (recorded) when the backend fails."""
        response = await self._call(purpose, messages, output_type, max_tokens, temperature)
        if response.parsed is None:
            raise InvalidOutput(f"{purpose}: the backend returned no structured output")
        return output_type.model_validate(response.parsed), response

    async def ask_text(self, purpose: str, messages: list[Message], *, max_tokens: int | None = None,
                       temperature: float | None = None) -> tuple[str, LLMResponse]:
        """One free-text LLM call (a program in a fenced block, say), recorded and budgeted like
        `ask`. Code is asked for as text: inside a JSON string a small model's quotes and newlines
        break it (most of the syntax errors in the first 1.5B bench were JSON artefacts)."""
        response = await self._call(purpose, messages, None, max_tokens, temperature)
        return response.text, response

    async def _call(self, purpose: str, messages: list[Message], output_type: type[BaseModel] | None,
                    max_tokens: int | None, temperature: float | None) -> LLMResponse:
        why = self.budget_exhausted()
        if why:
            raise BudgetExceeded(why)
        if self.in_answer_reserve() and not purpose.startswith(ANSWER_PURPOSE):
            raise AnswerReserve(f"{purpose}: the {self.tokens_left()} tokens left are kept for an answer attempt")
        prompt_tokens = await self._prompt_tokens(purpose, messages)
        capped = self._affordable_max_tokens(purpose, prompt_tokens, max_tokens or self.settings.max_tokens_per_call)
        request = LLMRequest(
            messages=messages,
            output_type=output_type,
            max_tokens=capped,
            repair=self._can_pay_a_repair(prompt_tokens, capped),
            temperature=self.settings.temperature if temperature is None else temperature,
            seed=self.seed + self.llm_calls,
            purpose=purpose,
        )
        index = self.llm_calls
        self.llm_calls += 1
        self.state.used.llm_calls += 1
        # dumped once: the trace and the fingerprint share it. The schema is the type's one object,
        # not a copy: the trace writer hashes a schema once per object (BlockWriter._schema_id).
        if request.output_schema is None:
            dumped = request.model_dump(mode="json")
        else:
            rest = request.model_dump(mode="json", exclude={"output_schema"})
            dumped = {k: request.output_schema if k == "output_schema" else rest[k] for k in _REQUEST_FIELDS}
        event = LLMCall(run_id="", step=self.step, call_index=index, purpose=purpose,
                        request=dumped, fingerprint=request.fingerprint(dumped), budget_prompt_tokens=prompt_tokens)
        try:
            response = await self.backend.complete(request)
        except BackendError as err:
            event.replayed = bool(getattr(self.backend, "last_was_replayed", False))
            event.error = {"type": type(err).__name__, "message": str(err)}
            if err.usage is not None:   # a failed call still spent tokens: count them
                self._count_usage(err.usage)
                event.error["usage"] = err.usage.model_dump()
            self.emit(event)
            raise
        event.replayed = bool(getattr(self.backend, "last_was_replayed", False))
        self._count(response)
        event.response = response.model_dump(mode="json")
        if output_type is None and not response.text.strip():   # nothing a text call can use
            event.error = {"type": "InvalidOutput", "message": f"{purpose}: the backend returned an empty reply"}
            self.emit(event)
            raise InvalidOutput(event.error["message"])
        self.emit(event)
        return response

    async def _prompt_tokens(self, purpose: str, messages: list[Message]) -> int | None:
        """The prompt size the token ceiling works with: the backend's exact count when it can give
        one (the local model can), else the estimate. None without a token budget (nothing to clip)."""
        if self.budget.tokens is None:
            return None
        count = getattr(self.backend, "count_prompt_tokens", None)
        exact = await count(messages, purpose) if count is not None else None
        return exact if exact is not None else estimate_prompt_tokens(messages)

    def _affordable_max_tokens(self, purpose: str, needs: int | None, wanted: int) -> int:
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
        raise BudgetExceeded(f"token budget {self.budget.tokens}: {left} tokens left, "
                             f"the next prompt alone needs {needs}")

    def _can_pay_a_repair(self, needs: int | None, max_tokens: int) -> bool:
        """A repair round resends the prompt with the bad reply and asks again: worst case the call
        costs 2 prompts + 3 replies. Without the room for that, a bad reply is simply a failed call."""
        left = self.tokens_left()
        return left is None or needs is None or left >= 2 * needs + 3 * max_tokens

    def _count(self, response: LLMResponse) -> None:
        self._count_usage(response.usage)

    def _count_usage(self, u) -> None:
        used = self.state.used
        used.prompt_tokens += u.prompt_tokens
        used.completion_tokens += u.completion_tokens
        used.reasoning_tokens += u.reasoning_tokens
        used.cached_tokens += u.cached_tokens
        used.cost_usd = round(used.cost_usd + u.cost_usd, 8)

    async def run_code(self, code: str) -> ToolResult:
        result = await self.tools.run(code, timeout_s=self.settings.code_timeout_s,
                                      memory_mb=self.settings.code_memory_mb)
        self.emit(ToolRun(run_id="", step=self.step, tool_index=self.tool_runs, code=code,
                          stdout=result.stdout, stderr=result.stderr, exit_code=result.exit_code,
                          timed_out=result.timed_out, killed_reason=result.killed_reason,
                          duration_s=result.duration_s, isolation=result.isolation))
        self.tool_runs += 1
        return result
