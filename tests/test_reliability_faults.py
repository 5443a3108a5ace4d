"""Issue 7.2 and 7.6: whole runs against a server that injects faults at seeded random points
(timeouts, 429 + Retry-After, 5xx bursts, dropped connections, truncated bodies, bodies that are no
chat completion, replies that break the schema). Each run either completes or stops cleanly with
status `error`; its trace is readable, holds every call the server saw, records no call twice, and
its totals stay within the budget plus one call. benchmarks/reliability_report.py runs more seeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fault_server import FaultServer
from tests.reliability_kit import (
    FAULT_KINDS,
    MODEL,
    PRICE,
    PROBLEM_YAML,
    CannedResponder,
    FaultInjector,
    check_trace,
    fault_run,
    seeds_to_indexes,
)


@pytest.mark.parametrize("seed", range(16))
async def test_random_faults_whole_run(seed, tmp_path):
    out = await fault_run(seed, tmp_path / "run.jsonl")
    assert out.escaped is None
    assert out.problems == []
    assert out.status in ("solved", "unsolved", "budget", "gave_up", "error")


@pytest.mark.parametrize("kind", FAULT_KINDS)
async def test_every_call_failing_ends_in_a_clean_error(kind, tmp_path):
    """Only faults, of one kind: three failed moves in a row end the run with status error."""
    from agent.backends import make_backend
    from agent.loop.run import asolve
    from agent.problems.models import Budget
    from tests.loop_helpers import PROSE269, CannedTools

    injector = FaultInjector(CannedResponder(), seed=1, p=1.0, hang_s=1.0, kinds=(kind,))
    with FaultServer(injector) as srv:
        backend = make_backend(f"openai:{MODEL}@{srv.base_url}", timeout=0.3, connect_timeout=0.3, max_retries=1,
                               backoff_initial=0.01, backoff_max=0.02, max_retry_after=0.05)
        result = await asolve(PROSE269, backend=backend, policy="llm", budget=Budget(steps=8), seed=5,
                              trace=tmp_path / "t.jsonl", tools=CannedTools())
        await backend.aclose()
    assert result.status == "error" and "in a row" in result.reason
    check = check_trace(result.trace_path)
    assert check.problems == []
    calls = [e for e in check.events if e.type == "llm_call"]
    # every failure is on record, typed; `{"unexpected": true}` is a valid reply only where the
    # output schema requires no field (Backwards: both lists default to empty)
    accepted = [c for c in calls if not c.error]
    assert calls and all(kind == "schema_invalid" and not (c.request.get("output_schema") or {}).get("required")
                         for c in accepted)
    calls = [c for c in calls if c.error]
    assert {c.error["type"] for c in calls} <= {"ServerError", "RateLimited", "BackendTimeout", "InvalidOutput",
                                                "BackendUnavailable", "BackendError"}
    assert seeds_to_indexes(injector.inner.seeds_seen, 5) == set(check.call_indexes)


def _cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(f'[backend.openai]\ntimeout = 0.3\nconnect_timeout = 0.3\nmax_retries = 1\n'
                      f'backoff_initial = 0.01\nbackoff_max = 0.02\nmax_retry_after = 0.05\n\n'
                      f'[prices."{MODEL}"]\ninput = {PRICE["input"]}\noutput = {PRICE["output"]}\n')
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(POLYA_CONFIG=str(config), PYTHONPATH=str(Path(__file__).resolve().parents[1]), **extra)
    return env


@pytest.mark.parametrize("seed,p", [(3, 0.3), (4, 1.0)])
def test_polya_run_command_under_faults(seed, p, tmp_path):
    """The real command in a subprocess: exit 0/1 (never a traceback), a summary, a checked trace."""
    problem = tmp_path / "p.yaml"
    problem.write_text(PROBLEM_YAML)
    trace = tmp_path / "t.jsonl"
    injector = FaultInjector(CannedResponder(), seed=seed, p=p, hang_s=1.0)
    with FaultServer(injector) as srv:
        proc = subprocess.run([sys.executable, "-m", "agent", "run", str(problem), "--backend",
                               f"openai:{MODEL}@{srv.base_url}", "--policy", "bandit", "--seed", "7",
                               "--budget", "steps=6,tokens=6000,cost=0.02", "--trace", str(trace),
                               "--quiet"],
                              capture_output=True, text=True, timeout=120, env=_cli_env(tmp_path))
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode in (0, 1)
    check = check_trace(trace)
    assert check.problems == []
    assert f"status   {check.end.status}" in proc.stdout
    if p == 1.0:
        assert check.end.status == "error" and proc.returncode == 1
    assert seeds_to_indexes(injector.inner.seeds_seen, 7) == set(check.call_indexes)
