"""Shared pieces of the reliability suite (tests/test_reliability_*.py, tests/test_fuzz.py,
tests/test_secrets.py and benchmarks/reliability_report.py):

- `canned_object(schema, rng)`: a schema-valid JSON object for any structured request the loop
  makes (its JSON schema travels in `response_format`), with plausible values for the fields the
  loop acts on (`code`, `answer`, `move`, `decision`, `progress`).
- `CannedResponder`: a FaultServer default that answers every chat request with such an object.
  The answer is a function of the request only (the run seed + call index the loop sends as `seed`,
  and the schema name), so an uninterrupted run and a killed-then-resumed run get the same answers.
  It also records which call seeds the server saw.
- `FaultInjector`: wraps a responder and, at seeded random points, answers with a fault instead:
  a hang past the client's timeout, 429 + Retry-After, a 5xx burst, a dropped connection, a
  truncated body, a body that is not a chat completion, a reply that violates the schema.
- `check_trace(path, ...)`: the invariants every finished or killed run's trace must hold.
"""

from __future__ import annotations

import json
import random
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fault_server import Fault, RecordedRequest

MODEL = "polya-fault-model"          # the fake model name; tests give it a price
PRICE = {"input": 2.0, "output": 8.0}  # USD per million tokens
FAKE_KEY = "sk-polya-test-SECRET-1234"

# A problem of the general family (a claim with its own check): every step asks the model, so the
# faults the server injects meet the loop at every step. The check is the problem's own code.
PROBLEM_YAML = """\
id: fault-269
kind: conjecture
statement: Write an arithmetic expression that makes 269 from 2 3 7 20 21 25, each used at most once.
answer_format: "Give the expression only (for example: Answer: (2+3)*7)."
check: |
  import ast
  from collections import Counter
  def check(candidate):
      tree = ast.parse(candidate.replace("×", "*").replace("÷", "/"), mode="eval")
      used = Counter(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant))
      if used - Counter([2, 3, 7, 20, 21, 25]):
          return "uses a number that is not on the board, or one twice"
      return eval(compile(tree, "<answer>", "eval")) == 269 or "does not make 269"
"""

ANSWERS = ["2*7*21-25", "2*7*21", "25*11-6", "20*13+9", "(25-3)*(21-7)/2"]
PROGRAMS = ["print('2*7=14')\nprint('14*21=294')", "for a in (2, 3, 7):\n    print(a, a * 21)", "print(sum([2, 3, 7]))"]


# -- schema-valid canned answers ------------------------------------------------------------------
def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        ref = schema["$ref"].split("/")[-1]
        schema = {**root.get("$defs", root.get("definitions", {}))[ref], **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def canned_value(name: str, schema: dict[str, Any], root: dict[str, Any], rng: random.Random, solve_p: float) -> Any:
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if _resolve(s, root).get("type") != "null"] or schema["anyOf"]
        return canned_value(name, options[0], root, rng, solve_p)
    if "enum" in schema:
        return rng.choice(schema["enum"])
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        return {k: canned_value(k, s, root, rng, solve_p) for k, s in schema.get("properties", {}).items()}
    if kind == "array":
        lo, hi = schema.get("minItems", 0), min(schema.get("maxItems", 3), 3)
        return [canned_value(name, schema.get("items", {"type": "string"}), root, rng, solve_p)
                for _ in range(rng.randint(min(max(lo, 1), hi), hi) if hi else lo)]
    if kind in ("number", "integer"):
        lo = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        hi = schema.get("maximum", schema.get("exclusiveMaximum", 1 if kind == "number" else 5))
        return rng.randint(int(lo), int(hi)) if kind == "integer" else round(rng.uniform(lo, hi), 2)
    if kind == "boolean":
        return rng.random() < 0.3
    # strings
    if name == "code":
        text = rng.choice(PROGRAMS)
    elif name == "answer":
        text = ANSWERS[0] if rng.random() < solve_p else rng.choice(ANSWERS[1:])
    else:
        text = f"{name} {rng.randint(0, 999)}: 2*7=14, 14*21=294, 294-25=269"
    lo, hi = schema.get("minLength", 0), schema.get("maxLength", 10_000)
    return text[:hi].ljust(lo, "x")


def canned_object(body: dict[str, Any], solve_p: float = 0.1) -> tuple[str, dict[str, Any] | None]:
    """(schema name, object) for one chat request body; the object is None for an unstructured request."""
    rf = body.get("response_format") or {}
    schema = (rf.get("json_schema") or {}).get("schema") or rf.get("schema")
    name = (rf.get("json_schema") or {}).get("name") or "output"
    if not schema:
        return name, None
    rng = random.Random(f"{body.get('seed')}-{name}")
    return name, canned_value("root", schema, schema, rng, solve_p)


def canned_text(body: dict[str, Any]) -> str:
    """A reply to an unstructured request: a fenced program when one is asked for."""
    last = (body.get("messages") or [{}])[-1].get("content") or ""
    if "```python" in last:
        program = random.Random(f"{body.get('seed')}-code").choice(PROGRAMS)
        return f"Prints a few products.\n```python\n{program}\n```"
    return "2*7*21-25"


def usage_for(body: dict[str, Any]) -> dict[str, int]:
    prompt = sum(len(m.get("content") or "") for m in body.get("messages", [])) // 4
    completion = 20 + (int(body.get("seed") or 0) * 7) % 60
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


@dataclass
class CannedResponder:
    """FaultServer default: a schema-valid answer for every request (optionally after `delay_s`)."""

    delay_s: float = 0.0
    solve_p: float = 0.1
    seeds_seen: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, body: dict[str, Any]) -> Fault:
        _, obj = canned_object(body, self.solve_p)
        content = json.dumps(obj) if obj is not None else canned_text(body)
        return Fault.completion(content, model=MODEL, usage=usage_for(body), delay_s=self.delay_s)

    def __call__(self, request: RecordedRequest) -> Fault:
        body = request.json or {}
        with self._lock:
            self.seeds_seen.append(body.get("seed"))
        return self.answer(body)


FAULT_KINDS = ("hang", "429", "5xx_burst", "drop", "truncated", "not_completion", "schema_invalid", "bad_content")


@dataclass
class FaultInjector:
    """Answers like `inner`, except that each request is, with probability `p`, a seeded random fault."""

    inner: CannedResponder
    seed: int
    p: float = 0.25
    hang_s: float = 2.0
    kinds: tuple[str, ...] = FAULT_KINDS
    injected: list[str] = field(default_factory=list)
    _burst: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def __call__(self, request: RecordedRequest) -> Fault:
        body = request.json or {}
        with self._lock:
            self.inner.seeds_seen.append(body.get("seed"))
            if self._burst:
                self._burst -= 1
                self.injected.append("5xx_burst")
                return Fault.error(self.rng.choice([500, 502, 503]))
            if self.rng.random() >= self.p:
                return self.inner.answer(body)
            kind = self.rng.choice(self.kinds)
            self.injected.append(kind)
        good = self.inner.answer(body)
        if kind == "hang":
            return Fault.hang(self.hang_s)
        if kind == "429":
            return Fault.error(429, "slow down", retry_after=self.rng.choice([0.01, 0.05]))
        if kind == "5xx_burst":
            with self._lock:
                self._burst = self.rng.randint(1, 5)
            return Fault.error(500)
        if kind == "drop":
            return Fault.dropped()
        if kind == "truncated":
            text = json.dumps(good.body)
            return Fault.raw(text[: self.rng.randint(1, len(text) - 1)])
        if kind == "not_completion":
            return Fault(body=self.rng.choice([{"hello": "world"}, [], {"choices": "no"}, {"choices": []}, 42]))
        usage = usage_for(body)
        if kind in ("schema_invalid", "bad_content") and not body.get("response_format"):
            return Fault.completion("", model=MODEL, usage=usage)   # a text request: unusable = empty
        if kind == "schema_invalid":   # parses as JSON but misses every required field
            return Fault.completion(json.dumps({"unexpected": True}), model=MODEL, usage=usage)
        return Fault.completion('{"answer": "2*7', model=MODEL, usage=usage)  # bad_content: cut-off JSON


# -- trace invariants ---------------------------------------------------------------------------------
@dataclass
class TraceCheck:
    events: list[Any]
    torn: bool
    problems: list[str]
    max_call_tokens: int
    max_call_cost: float
    call_indexes: list[int]

    @property
    def end(self):
        return self.events[-1] if self.events and self.events[-1].type == "run_end" else None


def call_usage(event) -> tuple[int, float]:
    u = (event.response or {}).get("usage") or (event.error or {}).get("usage") or {}
    return int(u.get("prompt_tokens", 0)) + int(u.get("completion_tokens", 0)), float(u.get("cost_usd", 0.0))


def check_trace(path: str | Path, *, finished: bool = True, budget: dict[str, Any] | None = None) -> TraceCheck:
    """Read a trace and list every broken invariant: readable, seq contiguous, each llm_call index
    recorded once and in order, run_end present (when `finished`) and its totals equal to the sum
    of the recorded calls, and no budget exceeded by more than the largest single call."""
    from agent.trace.reader import ReadReport, read_events

    report = ReadReport()
    problems: list[str] = []
    events = read_events(path, report)
    if not events or events[0].type != "run_start":
        problems.append("first event is not run_start")
    seqs = [e.seq for e in events]
    if seqs != list(range(len(seqs))):
        problems.append(f"seq not contiguous: {seqs[:5]}...")
    calls = [e for e in events if e.type == "llm_call"]
    idx = [c.call_index for c in calls]
    if len(set(idx)) != len(idx):
        problems.append(f"an LLM call recorded twice: {sorted(i for i in set(idx) if idx.count(i) > 1)}")
    if idx != list(range(len(idx))):
        problems.append(f"call indexes not 0..n-1 in order: {idx}")
    usages = [call_usage(c) for c in calls]
    max_tokens = max((t for t, _ in usages), default=0)
    max_cost = max((c for _, c in usages), default=0.0)
    ends = [e for e in events if e.type == "run_end"]
    if finished and len(ends) != 1:
        problems.append(f"{len(ends)} run_end events")
    if ends:
        end = ends[-1]
        used = end.used
        if used.llm_calls != len(calls):
            problems.append(f"run_end counts {used.llm_calls} calls, trace holds {len(calls)}")
        live = [u for c, u in zip(calls, usages, strict=True) if not c.replayed]
        tokens = sum(t for t, _ in usages)
        if used.tokens != tokens and not any(c.replayed for c in calls):
            problems.append(f"run_end tokens {used.tokens} != recorded calls' {tokens}")
        del live
        budget = budget or (events[0].budget if events and events[0].type == "run_start" else {}) or {}
        if budget.get("tokens") is not None and used.tokens > budget["tokens"] + max_tokens:
            problems.append(f"tokens {used.tokens} > budget {budget['tokens']} + one call {max_tokens}")
        if budget.get("cost_usd") is not None and used.cost_usd > budget["cost_usd"] + max_cost + 1e-9:
            problems.append(f"cost {used.cost_usd} > budget {budget['cost_usd']} + one call {max_cost}")
        if end.status == "error" and not end.reason:
            problems.append("status error without a reason")
    return TraceCheck(events, report.torn_last_line, problems, max_tokens, max_cost, idx)


def seeds_to_indexes(seeds: list[Any], run_seed: int) -> set[int]:
    return {int(s) - run_seed for s in seeds if isinstance(s, int)}


def decisions(events) -> list[tuple[int, str, str]]:
    return [(e.step, e.move, e.decision) for e in events if e.type == "verdict"]


# -- one fault-injected run -----------------------------------------------------------------------------
@dataclass
class FaultRunOutcome:
    seed: int
    status: str
    clean: bool
    escaped: str | None          # an exception that escaped asolve (a bug), if any
    problems: list[str]
    lost: int                    # calls the server saw that the trace does not record
    injected: list[str]
    trace: str


async def fault_run(seed: int, trace: Path, *, p: float | None = None, steps: int = 8, policy: str = "llm",
                    hang_s: float = 1.0, timeout: float = 0.3) -> FaultRunOutcome:
    """One whole run of the loop against a FaultServer injecting seeded random faults."""
    from agent.backends import make_backend
    from agent.backends.config import register_price
    from agent.loop.run import asolve
    from agent.problems.models import Budget
    from tests.fault_server import FaultServer
    from tests.loop_helpers import PROSE269, CannedTools

    register_price(MODEL, **PRICE)
    rng = random.Random(seed)
    budget = Budget(steps=steps, tokens=rng.choice([None, None, 5000, 12000]),
                    cost_usd=rng.choice([None, None, 0.012, 0.03]))
    p = rng.choice([0.1, 0.3, 0.6]) if p is None else p
    injector = FaultInjector(CannedResponder(solve_p=0.05), seed=seed, p=p, hang_s=hang_s)
    escaped = None
    status = "?"
    with FaultServer(injector) as srv:
        backend = make_backend(f"openai:{MODEL}@{srv.base_url}", timeout=timeout, connect_timeout=timeout,
                               max_retries=rng.choice([0, 1, 2]), backoff_initial=0.01, backoff_max=0.05,
                               max_retry_after=0.1)
        try:
            result = await asolve(PROSE269, backend=backend, policy=policy, budget=budget, seed=seed * 1000,
                                  trace=trace, tools=CannedTools())
            status = result.status
        except Exception as err:  # noqa: BLE001 - an escape is what we measure
            escaped = f"{type(err).__name__}: {err}"
        finally:
            await backend.aclose()
    check = check_trace(trace, budget=budget.model_dump())
    end = check.end
    if end is not None:
        status = end.status
    lost = len(seeds_to_indexes(injector.inner.seeds_seen, seed * 1000) - set(check.call_indexes))
    problems = list(check.problems)
    if escaped:
        problems.append(f"exception escaped: {escaped}")
    if lost:
        problems.append(f"{lost} call(s) the server saw are not in the trace")
    if end is not None and end.status not in ("solved", "unsolved", "budget", "gave_up", "error"):
        problems.append(f"unexpected status {end.status}")
    return FaultRunOutcome(seed, status, not problems, escaped, problems, lost, injector.injected, str(trace))


# -- SIGKILL and resume ---------------------------------------------------------------------------------
def cli_env(tmp: Path, **extra: str) -> dict[str, str]:
    """Environment for `python -m agent ...` subprocesses: a config with fast-failing openai settings
    and a price for the fake model, no real API keys."""
    import os

    config = Path(tmp) / "config.toml"
    config.write_text('[backend.openai]\ntimeout = 0.3\nconnect_timeout = 0.3\nmax_retries = 1\n'
                      'backoff_initial = 0.01\nbackoff_max = 0.02\nmax_retry_after = 0.05\n\n'
                      f'[prices."{MODEL}"]\ninput = {PRICE["input"]}\noutput = {PRICE["output"]}\n')
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(POLYA_CONFIG=str(config), PYTHONPATH=str(Path(__file__).resolve().parents[1]), **extra)
    return env


RUN_ARGS = ["--policy", "llm", "--seed", "11", "--budget", "steps=8,tokens=none"]
RUN_SEED = 11


@dataclass
class KillOutcome:
    killed_at: float
    finished_before_kill: bool
    readable: bool
    torn: bool
    recorded_calls: int
    repeated_calls: list[int]       # recorded call indexes the server was asked for again on resume
    same_decisions: bool
    same_end: bool
    resume_exit: int | None
    problems: list[str]


def polya(args: list[str], env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "agent", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def kill_and_resume(tmp: Path, server_url: str, responder: CannedResponder, reference: Path, at: float,
                    env: dict[str, str], name: str = "k") -> KillOutcome:
    """Start `polya run`, SIGKILL it `at` seconds after its trace file appears (so the kill lands inside
    the run, not in the interpreter's start-up), check the trace, `polya resume` it, and compare with
    the uninterrupted `reference` trace (same server, same answers)."""
    import signal
    import subprocess
    import sys
    import time

    from agent.trace.reader import read_events

    problem = Path(tmp) / "p.yaml"
    problem.write_text(PROBLEM_YAML)
    killed = Path(tmp) / f"{name}.jsonl"
    resumed = Path(tmp) / f"{name}-resumed.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "agent", "run", str(problem), "--backend",
                             f"openai:{MODEL}@{server_url}", *RUN_ARGS, "--trace", str(killed), "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 120
        while not killed.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(at)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    problems: list[str] = []
    try:
        check = check_trace(killed, finished=False)
        readable, torn, events = True, check.torn, check.events
    except Exception as err:  # noqa: BLE001 - unreadable is what we count
        return KillOutcome(at, False, False, False, 0, [], False, False, None, [f"unreadable: {err}"])
    problems += check.problems
    if any(e.type == "run_end" for e in events) or not events:
        return KillOutcome(at, bool(events), readable, torn, len(check.call_indexes), [], True, True, None, problems)
    recorded = set(check.call_indexes)
    before = len(responder.seeds_seen)
    proc2 = polya(["resume", str(killed), "--trace", str(resumed), "--quiet"], env)
    asked_again = seeds_to_indexes(responder.seeds_seen[before:], RUN_SEED) & recorded
    if proc2.returncode not in (0, 1) or "Traceback" in proc2.stderr:
        problems.append(f"resume exit {proc2.returncode}: {proc2.stderr.strip()[-300:]}")
        return KillOutcome(at, False, readable, torn, len(recorded), sorted(asked_again), False, False,
                           proc2.returncode, problems)
    new = check_trace(resumed)
    problems += [f"resumed trace: {p}" for p in new.problems]
    ref = read_events(reference)
    same_decisions = decisions(new.events) == decisions(ref)
    same_end = (new.end.status, new.end.answer, new.end.used.steps) == (ref[-1].status, ref[-1].answer,
                                                                       ref[-1].used.steps)
    if not same_decisions:
        problems.append("decisions differ from the uninterrupted run")
    if not same_end:
        problems.append(f"end differs: {new.end.status}/{new.end.answer} vs {ref[-1].status}/{ref[-1].answer}")
    if asked_again:
        problems.append(f"recorded calls asked again: {sorted(asked_again)}")
    return KillOutcome(at, False, readable, torn, len(recorded), sorted(asked_again), same_decisions, same_end,
                       proc2.returncode, problems)


def reference_run(tmp: Path, server_url: str, env: dict[str, str]) -> tuple[Path, float]:
    """The uninterrupted run: its trace and its wall time inside the run."""
    problem = Path(tmp) / "p.yaml"
    problem.write_text(PROBLEM_YAML)
    ref = Path(tmp) / "reference.jsonl"
    proc = polya(["run", str(problem), "--backend", f"openai:{MODEL}@{server_url}", *RUN_ARGS, "--trace", str(ref),
                  "--quiet"], env)
    if proc.returncode not in (0, 1) or not ref.exists():
        raise RuntimeError(f"reference run failed ({proc.returncode}): {proc.stdout[-300:]} {proc.stderr[-500:]}")
    from agent.trace.reader import read_events

    return ref, read_events(ref)[-1].used.wall_s
