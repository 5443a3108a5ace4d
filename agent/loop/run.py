"""Run one problem: `asolve` (async) and `solve` (sync wrapper) return a typed RunResult and
write a strategy trace as they go."""

from __future__ import annotations

import asyncio
import functools
import importlib.metadata
import platform
import random
import time
import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agent.backends.base import Backend
from agent.errors import BudgetExceeded, InputError
from agent.loop.budget import BudgetMeter
from agent.loop.budget import answer_reserve as reserve_for
from agent.loop.calls import ModelCalls
from agent.loop.context import RunContext, RunSettings
from agent.loop.graph import build_graph
from agent.loop.policies import Policy, make_policy
from agent.loop.state import RunState
from agent.loop.steps import Run
from agent.problems.models import Budget
from agent.tools import ToolRunner, ToolSource
from agent.trace.events import BudgetState, ForkInfo, RunEnd, RunStart, Verification
from agent.trace.writer import TraceWriter
from strategies.family import Family, family_for

# The loop's version: what an exact rerun needs besides the recorded calls. It changes whenever a
# change to the loop, a family or a move could change a decision; a trace recorded at another
# version is shown and compared, and rerun exactly by the package version that made it.
LOOP_VERSION = "2"

DEFAULT_BUDGET = Budget(steps=12, tokens=30_000)
DEFAULT_TRACE_DIR = Path("traces") / "runs"


class RunResult(BaseModel):
    run_id: str
    problem_id: str
    status: str
    answer: str | None
    verified: bool
    reason: str
    steps: int
    attacks: int
    used: BudgetState
    trace_path: str

    @property
    def solved(self) -> bool:
        return self.status == "solved"


def parse_budget(text: str | None, base: Budget | None = None) -> Budget:
    """`steps=12,tokens=20000,cost=0.5,wall=300` on top of `base` (unnamed fields keep base's value)."""
    values = (base or DEFAULT_BUDGET).model_dump()
    aliases = {"steps": "steps", "tokens": "tokens", "cost": "cost_usd", "cost_usd": "cost_usd",
               "wall": "wall_s", "wall_s": "wall_s", "time": "wall_s"}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        key, _, raw = part.partition("=")
        if key not in aliases or not raw:
            raise InputError(f"bad budget item {part!r}; use steps=N,tokens=N,cost=USD,wall=SECONDS")
        try:
            values[aliases[key]] = None if raw in ("none", "inf") else float(raw) if "." in raw else int(raw)
        except ValueError:
            raise InputError(f"bad budget value in {part!r}") from None
    try:
        return Budget.model_validate(values)
    except Exception as err:
        raise InputError(f"bad budget: {err}") from None


def as_budget(value: Any, base: Budget | None = None) -> Budget | None:
    """What the Python API's `budget=` accepts: a Budget, the CLI's text (`"steps=6,tokens=20000"`,
    on top of `base`), or a dict with the same keys (`{"steps": 6}`); InputError otherwise."""
    if value is None or isinstance(value, Budget):
        return value
    if isinstance(value, dict):
        value = ",".join(f"{k}={'none' if v is None else v}" for k, v in value.items())
    if isinstance(value, str):
        return parse_budget(value, base)
    raise InputError(f"budget must be a Budget, text such as 'steps=6,tokens=20000' or a dict such as "
                     f"{{'steps': 6}}, not {type(value).__name__}")


def package_versions() -> dict[str, str]:
    return dict(_package_versions())


@functools.cache   # reading package metadata costs ~90 ms; a bench calls this once per run
def _package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "loop": LOOP_VERSION}
    for dist in ("polya-agent", "langgraph", "openai", "pydantic", "sympy", "xllamacpp"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def default_trace_path(problem_id: str, run_id: str, trace_dir: Path | None = None) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in problem_id)[:60]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return (trace_dir or DEFAULT_TRACE_DIR) / f"{stamp}-{safe}-{run_id}.jsonl"


async def asolve(
    problem: Any,
    *,
    backend: str | Backend = "local",
    policy: str | Policy = "llm",
    budget: Budget | str | dict | None = None,
    seed: int = 0,
    trace: str | Path | None = None,
    trace_dir: str | Path | None = None,
    settings: RunSettings | None = None,
    on_event: Any = None,
    problem_file: str | None = None,
    tools: ToolSource | None = None,
    clock_enabled: bool = True,
    fork: ForkInfo | None = None,
    resumed_from: str | None = None,
    backend_settings: dict[str, Any] | None = None,
    family: Family | dict[str, Any] | None = None,
) -> RunResult:
    """Solve one problem with the metacognitive loop. `problem` is a Problem, a dict of one, or
    the path of a problem file. `family`: the problem family to run, configured (e.g.
    `HuntsFamily(let_go_after=5)`), or the parameters of the registry's choice; default: the
    registry's choice with its default parameters."""
    if isinstance(policy, str):   # a bad policy is bad input before anything is loaded or written
        from agent.policyspec import parse_policy

        policy = str(parse_policy(policy))
    problem, problem_file = _as_problem(problem, problem_file)
    budget = as_budget(budget, problem.budget) or problem.budget or DEFAULT_BUDGET   # checked before any trace
    if isinstance(backend, str):
        from agent.backends import open_backend

        backend_obj, owns_backend = await open_backend(backend, **(backend_settings or {})), True
    else:
        backend_obj, owns_backend = backend, False
    baseline = _baseline(policy) if isinstance(policy, str) else None
    policy_obj = policy if not isinstance(policy, str) else _Named(policy) if baseline else make_policy(policy)
    settings = settings or RunSettings()
    run_id = uuid.uuid4().hex[:12]
    path = Path(trace) if trace else default_trace_path(problem.id, run_id, Path(trace_dir) if trace_dir else None)
    writer = TraceWriter(path, run_id)
    state = RunState()
    if baseline is not None:
        family = None
    elif not isinstance(family, Family):
        family = family_for(problem, family)
    ctx = new_context(backend_obj, writer, budget, state, problem, seed=seed, settings=settings,
                      tools=tools or ToolSource(), on_event=on_event, clock_enabled=clock_enabled,
                      policy_spec=policy if isinstance(policy, str) else policy_obj.name,
                      answer_reserve=family is not None and problem.has_exact_verifier
                      and family.attempt_calls_model)
    ctx.emit(RunStart(run_id=run_id, problem=problem.model_dump(mode="json"), problem_file=problem_file,
                      backend=backend_obj.spec, policy=policy_obj.name, budget=budget.model_dump(), seed=seed,
                      config={"settings": vars(settings), "family": family.name if family else None,
                              "family_params": family.params() if family else None},
                      versions=package_versions() | ({"family": family.version} if family else {})
                      | ({"policy": policy_obj.version} if hasattr(policy_obj, "version") else {}), fork=fork,
                      resumed_from=resumed_from))
    error: str | None = None
    try:
        state = await _play(ctx, problem, state, baseline or Run(ctx, problem, policy_obj, family))
    except (asyncio.CancelledError, KeyboardInterrupt):
        state.status, state.end_reason = "interrupted", "interrupted by the user"
        raise
    except Exception as err:  # recorded, then raised again: a bug or an unrecoverable failure
        state.status, error = "error", f"{type(err).__name__}: {err}"
        state.end_reason = error
        raise
    finally:
        if state.status == "running":
            state.status = "unsolved"
        state.used.wall_s = round(ctx.meter.elapsed(), 3)
        ctx.emit(RunEnd(run_id=run_id, status=state.status, answer=state.answer, verified=state.verified,
                        reason=state.end_reason, used=state.used, attacks=len(state.attacks), error=error))
        writer.close()
        if owns_backend:
            await backend_obj.aclose()
    return RunResult(run_id=run_id, problem_id=problem.id, status=state.status, answer=state.answer,
                     verified=state.verified, reason=state.end_reason, steps=state.used.steps,
                     attacks=len(state.attacks), used=state.used, trace_path=str(path))


def _as_problem(problem: Any, problem_file: str | None) -> tuple[Any, str | None]:
    """A Problem from a Problem, a dict of one or a problem file's path (which becomes the file named)."""
    if isinstance(problem, str | Path):
        from agent.problems import load_problem

        return load_problem(problem), problem_file or str(problem)
    if isinstance(problem, dict):
        from agent.problems.loader import validate_problem

        return validate_problem(problem, "problem"), problem_file
    return problem, problem_file


async def _play(ctx: RunContext, problem: Any, state: RunState, player: Run | Any) -> RunState:
    """A baseline's one pass, or the loop's graph and then its final answer graded once."""
    if not isinstance(player, Run):
        try:
            await player(ctx, problem, state)
        except BudgetExceeded as err:
            state.status, state.end_reason = "budget", str(err)
        return state
    limit = 10 * (ctx.meter.limits.steps or 200) + 50
    state = (await build_graph(player).ainvoke({"run": state}, config={"recursion_limit": limit}))["run"]
    grade_final(ctx, problem, state, player.family)
    return state


def run_vote(answers: list[str]) -> str | None:
    """The run's own final answer when nothing was accepted: the answer its attempts and
    independent checks (a self-check program's result is a candidate too) agree on most often, the
    latest on a tie. Only the run's own answers are compared: no reference is involved."""
    if not answers:
        return None
    from agent.verify.answer import answers_agree

    classes: list[list[int]] = []            # indices of mutually agreeing answers
    for i, a in enumerate(answers):
        for members in classes:
            if answers_agree(answers[members[0]], a):
                members.append(i)
                break
        else:
            classes.append([i])
    best = max(classes, key=lambda m: (len(m), m[-1]))
    return answers[best[-1]]


def grade_final(ctx: RunContext, problem: Any, state: RunState, family: Family) -> None:
    """Grade the loop's final answer once, after the run, for kinds whose check needs the hidden
    reference (answers, held-back terms, "none" for a hunt). The final answer is the one the judge
    accepted, else the family's (a hunt's conclusion, the answers' best), else the one the run's
    own candidates agree on most (`run_vote`). Nothing of this reaches the run: it has ended."""
    from agent.verify import verify

    if state.status == "solved":
        return   # verified during the run (a counterexample the definition confirmed, a board)
    answer = state.answer or family.final_answer(state)
    if answer is None and problem.checkable_at_solve_time:
        return   # every candidate was checked during the run, by the rules alone
    answer = answer or run_vote([c.answer for c in state.notebook.candidates])
    if state.status == "answered" and answer is None:
        state.status = "unsolved"
    if answer is None:
        return
    result = verify(problem, answer)
    ctx.emit(Verification(run_id="", step=state.step, attack_id="final", candidate=answer, ok=result.ok,
                          verified=result.verified, reason=result.reason, graded_after_run=True))
    state.answer, state.verified = answer, bool(result.ok and result.verified)
    if result.ok:
        state.status = "solved"
        state.end_reason = (state.end_reason + "; " if state.end_reason else "") + "graded after the run: correct"
    elif not result.verified and state.status == "answered":
        state.status = "solved"     # no exact verifier (proof): accepted by the judge, unverified
    else:
        if state.status in ("answered", "running"):
            state.status = "unsolved"
        state.end_reason = (state.end_reason + "; " if state.end_reason else "") + f"graded after the run: {result.reason}"


def new_context(backend: Backend, writer: TraceWriter, budget: Budget, state: RunState, problem: Any, *,
                seed: int = 0, settings: RunSettings | None = None, tools: ToolSource | None = None,
                on_event: Any = None, clock_enabled: bool = True, policy_spec: str = "",
                answer_reserve: bool = False) -> RunContext:
    """The run's live parts: the trace fan-out, the budget meter (sharing the state's usage), the
    recorded model calls and program runs, and an RNG seeded with the seed and the problem (a bench
    at one seed gives each problem its own stream). A loop with a verifier keeps an answer reserve."""
    settings = settings or RunSettings()

    def emit(event):
        writer.write(event)
        if on_event is not None:
            on_event(event)
        return event

    meter = BudgetMeter(budget, state.used, clock_enabled=clock_enabled)
    if answer_reserve:
        meter.answer_reserve = reserve_for(budget)
    calls = ModelCalls(backend, meter, emit, seed, settings.max_tokens_per_call, settings.temperature)
    runner = ToolRunner(tools or ToolSource(), emit, settings.code_timeout_s, settings.code_memory_mb)
    # a str seed is hashed with SHA-512 by `random`: the same stream on every machine and run
    rng = random.Random(f"{seed}:{problem.id}")
    return RunContext(meter, calls, runner, emit, rng, settings, policy_spec)


class _Named:
    def __init__(self, name: str):
        self.name = name


def _baseline(policy: str):
    """Baselines (direct, cot, self-consistency, tot) run in the same harness instead of the graph:
    same backend, verifier, budget accounting and trace format."""
    try:
        from agent.baselines import get_baseline
    except ImportError:
        return None
    return get_baseline(policy)


def solve(problem: Any, **kwargs: Any) -> RunResult:
    """Synchronous wrapper around `asolve`."""
    return asyncio.run(asolve(problem, **kwargs))
