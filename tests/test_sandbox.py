"""The sandbox runs ordinary programs correctly and reports what happened; fallback mode still contains."""

from __future__ import annotations

import asyncio
import glob
import os
import tempfile

import pytest

import agent.sandbox
from agent.sandbox import SandboxResult, arun, run
from agent.sandbox._probe import NO_NAMESPACES_ENV, probe_isolation
from tests.hostile.harness import HostileWorld, load_programs, new_marker

SYMPY_PROGRAM = """
import sympy as sp
x = sp.symbols("x")
print(sp.factor(x**4 - 1))
print(sp.isprime(2**31 - 1))
print(sum(sp.primerange(1, 100)))
"""


def test_sympy_program_runs_and_prints():
    result = run(SYMPY_PROGRAM, timeout_s=30)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["(x - 1)*(x + 1)*(x**2 + 1)", "True", "1060"]
    assert result.killed_reason is None and not result.timed_out
    assert result.ok
    assert isinstance(result, SandboxResult) and result.isolation


def test_exit_code_stderr_and_stdin():
    result = run("import sys\ndata = sys.stdin.read()\nprint(data.upper())\nprint('oops', file=sys.stderr)\n"
                 "raise SystemExit(3)", stdin="hello")
    assert result.stdout == "HELLO\n"
    assert result.stderr == "oops\n"
    assert result.exit_code == 3 and result.killed_reason is None and not result.ok


def test_exception_is_reported_not_raised():
    result = run("1/0")
    assert result.exit_code == 1
    assert "ZeroDivisionError" in result.stderr


def test_environment_is_scrubbed_and_home_is_scratch(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak")
    monkeypatch.setenv("PYTHONPATH", "/nowhere")
    result = run("import os, sys\nprint(sorted(os.environ))\nprint(os.environ['HOME'] == os.getcwd())\n"
                 "print(os.environ['PATH'])\nprint('/nowhere' in sys.path)")
    names, home_is_cwd, path, pythonpath_used = result.stdout.splitlines()
    assert "OPENAI_API_KEY" not in names and "PYTHONPATH" not in names
    assert home_is_cwd == "True"
    assert path == "/usr/local/bin:/usr/bin:/bin"
    assert pythonpath_used == "False"


def test_scratch_directory_is_removed_afterwards(tmp_path, monkeypatch):
    # a temp root of its own: other processes' sandboxes in /tmp (a parallel test run) must not count
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = run("import os\nopen('out.txt', 'w').write('x')\nprint(os.getcwd())")
    assert result.exit_code == 0
    scratch = result.stdout.strip()
    assert os.path.basename(scratch).startswith("polya-sbx-")
    assert os.path.dirname(scratch) == str(tmp_path)
    assert not os.path.exists(scratch)
    assert glob.glob(str(tmp_path / "polya-sbx-*")) == []


def test_output_is_truncated_and_said_so():
    result = run("print('a' * 5000)", output_limit=1000)
    assert result.stdout_truncated and result.killed_reason == "output limit"
    assert result.stdout.startswith("a" * 1000)
    assert "[output truncated by sandbox]" in result.stdout
    assert len(result.stdout) < 1100


def test_wall_timeout_reports_timed_out():
    result = run("import time\ntime.sleep(60)", timeout_s=0.5)
    assert result.timed_out and result.killed_reason == "wall timeout 0.5s"


def test_network_is_unreachable_where_namespaces_work():
    if not probe_isolation().netns:
        pytest.skip("no network namespace here")
    result = run("import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
                 "except OSError as e:\n    print(e.errno)")
    assert result.stdout.strip() == "101"  # ENETUNREACH: no interface in the namespace
    assert "netns" in result.isolation


async def test_arun_does_not_block_the_event_loop():
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.ensure_future(ticker())
    result = await arun("import time\ntime.sleep(0.5)\nprint('done')")
    task.cancel()
    assert result.stdout == "done\n"
    assert ticks > 5  # the loop kept running while the program slept


async def test_sync_run_works_inside_a_running_loop():
    assert run("print(7)").stdout == "7\n"


async def test_concurrent_runs_are_independent():
    results = await asyncio.gather(*(arun(f"print({i} * {i})") for i in range(4)))
    assert [r.stdout for r in results] == ["0\n", "1\n", "4\n", "9\n"]
    assert len({r.run_id for r in results}) == 4


# --- fallback: no namespaces -------------------------------------------------------------------------
# Without namespaces only some protections hold (docs/sandbox.md); these programs must still be contained.
FALLBACK_CONTAINED = ["01_busy_loop", "02_sleep_forever", "05_memory_list_bomb", "09_fork_bomb",
                      "11_double_fork_daemon", "12_nohup_new_session", "27_env_secrets", "35_huge_stdout",
                      "38_close_pipes_and_hang", "39_leaked_descriptors"]


@pytest.fixture
def no_namespaces(monkeypatch):
    monkeypatch.setenv(NO_NAMESPACES_ENV, "1")
    probe_isolation.cache_clear()
    yield probe_isolation()
    monkeypatch.delenv(NO_NAMESPACES_ENV)
    probe_isolation.cache_clear()


def test_fallback_says_what_held(no_namespaces):
    result = run("print(1)")
    assert result.stdout == "1\n"
    assert "netns" not in result.isolation and "pidns" not in result.isolation
    assert result.isolation.endswith("rlimits") or result.isolation == "rlimits only"


@pytest.mark.parametrize("name", FALLBACK_CONTAINED)
def test_fallback_still_contains(name, no_namespaces):
    program = next(p for p in load_programs() if p.name == name)
    marker = new_marker(program)
    with HostileWorld() as world:
        result = agent.sandbox.run(world.render(program, marker), timeout_s=2, memory_mb=256,
                                   output_limit=20_000)
        problems = world.check(program, result, marker, 20_000)
    assert not problems, f"{name}: {problems}\n{result.stdout[-500:]}\n{result.stderr[-500:]}"


async def test_model_code_fails_closed_without_isolation_unless_the_risk_is_accepted(monkeypatch):
    """Namespaces off (simulated): a code-running move's program is refused with what is missing
    and how to enable it; POLYA_ALLOW_UNISOLATED=1 accepts the risk, and the run records what held."""
    from agent.sandbox import probe_isolation
    from agent.sandbox._probe import ALLOW_UNISOLATED_ENV, NO_NAMESPACES_ENV
    from agent.tools import ToolSource

    monkeypatch.setenv(NO_NAMESPACES_ENV, "1")
    monkeypatch.delenv(ALLOW_UNISOLATED_ENV, raising=False)
    probe_isolation.cache_clear()
    try:
        refused = await ToolSource().run("print('ran')", timeout_s=5, memory_mb=256)
        assert refused.stdout == "" and refused.killed_reason == "isolation unavailable"
        assert "could reach the network" in refused.stderr and ALLOW_UNISOLATED_ENV in refused.stderr
        assert refused.isolation == "none: refused"
        monkeypatch.setenv(ALLOW_UNISOLATED_ENV, "1")
        accepted = await ToolSource().run("print('ran')", timeout_s=5, memory_mb=256)
        assert accepted.stdout.strip() == "ran" and "netns" not in accepted.isolation
    finally:
        monkeypatch.delenv(NO_NAMESPACES_ENV)
        probe_isolation.cache_clear()
    contained = await ToolSource().run("print('ran')", timeout_s=5, memory_mb=256)
    assert contained.stdout.strip() == "ran" and "netns" in contained.isolation and "mountns" in contained.isolation
