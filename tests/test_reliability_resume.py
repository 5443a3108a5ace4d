"""Issue 7.3: `polya run` killed with SIGKILL at seeded random points inside the run leaves a
readable trace; `polya resume` continues it without asking the server again for any recorded call,
and ends with the decisions (step, move, decision) and end of the run that was never killed.
benchmarks/reliability_report.py runs more kills."""

from __future__ import annotations

import random

import pytest

from tests.fault_server import FaultServer
from tests.reliability_kit import CannedResponder, check_trace, cli_env, kill_and_resume, reference_run


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kills")
    env = cli_env(tmp)
    responder = CannedResponder(delay_s=0.05)   # slow enough that kills land between calls and mid-call
    with FaultServer(responder) as srv:
        ref, wall = reference_run(tmp, srv.base_url, env)
        yield tmp, env, responder, srv, ref, wall


def test_reference_run_is_clean(setup):
    _, _, _, _, ref, _ = setup
    check = check_trace(ref)
    assert check.problems == [] and check.end.used.llm_calls > 8


@pytest.mark.parametrize("k", range(4))
def test_sigkill_then_resume(setup, k):
    tmp, env, responder, srv, ref, wall = setup
    at = random.Random(k).uniform(0.05, 0.9) * wall
    out = kill_and_resume(tmp, srv.base_url, responder, ref, at, env, name=f"kill{k}")
    assert out.readable
    assert out.problems == []
    if not out.finished_before_kill:
        assert out.resume_exit in (0, 1)
        assert out.repeated_calls == []
        assert out.same_decisions and out.same_end


def test_torn_last_line_then_resume(setup):
    """A kill mid-write leaves half a line: the reader skips it and resume continues."""
    tmp, env, responder, srv, ref, _ = setup
    lines = ref.read_text().splitlines(keepends=True)
    torn = tmp / "torn.jsonl"
    torn.write_text("".join(lines[:12]) + lines[12][: len(lines[12]) // 2])
    from tests.reliability_kit import RUN_SEED, decisions, polya, seeds_to_indexes

    check = check_trace(torn, finished=False)
    assert check.torn and check.problems == []
    before = len(responder.seeds_seen)
    proc = polya(["resume", str(torn), "--trace", str(tmp / "torn-resumed.jsonl"), "--quiet"], env)
    assert proc.returncode in (0, 1), proc.stderr
    assert "torn last line" in proc.stdout
    assert not seeds_to_indexes(responder.seeds_seen[before:], RUN_SEED) & set(check.call_indexes)
    new = check_trace(tmp / "torn-resumed.jsonl")
    assert new.problems == [] and decisions(new.events) == decisions(check_trace(ref).events)
