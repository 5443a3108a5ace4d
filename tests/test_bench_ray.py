"""`polya bench --executor ray:ADDRESS` on a real Ray cluster this module starts (`ray start --head`,
2 CPUs: two workers), driven through the CLI as a user runs it. The workers talk to a real HTTP
endpoint on 127.0.0.1 (tests/fault_server.py) that answers every call after a delay, so runs last
long enough to kill things mid-run. Kept to a few benches: the whole module takes about a minute."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

from agent.bench.results import read_rows
from agent.cli import main
from tests.fault_server import Fault, FaultServer

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
# Fields that differ between any two runs of the same thing (clock, random run id, file name).
VOLATILE = {"wall_s", "finished_at", "trace_path", "run_id"}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster():
    """A head node with 2 CPUs, token authentication on (as Ray's own default), in its own temp dir
    and process session so teardown stops exactly what it started."""
    temp = Path(tempfile.mkdtemp(prefix="ray"))          # short: Ray's socket paths must fit 107 bytes
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}
    port = _free_port()
    log = open(temp / "head.log", "w")  # noqa: SIM115 - closed at teardown
    head = subprocess.Popen([str(BIN / "ray"), "start", "--head", "--block", f"--port={port}", "--num-cpus=2",
                             "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}",
                             "--object-store-memory=80000000"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while "Ray runtime started" not in (temp / "head.log").read_text():
            assert head.poll() is None and time.monotonic() < deadline, (temp / "head.log").read_text()[-2000:]
            time.sleep(0.5)
        yield {"address": f"127.0.0.1:{port}", "env": env, "session": head.pid}
    finally:
        for sig, wait in ((signal.SIGTERM, 2), (signal.SIGKILL, 10)):   # the whole session: raylet, workers
            try:
                os.killpg(head.pid, sig)
            except ProcessLookupError:
                break
            try:
                head.wait(wait)
            except subprocess.TimeoutExpired:
                pass
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture
def endpoint():
    """A chat endpoint that answers every call with a countdown answer line after 2 s: long enough
    for the test to act while runs are in flight, even on a loaded machine."""
    with FaultServer(default=Fault.completion("Answer: (1+2+3)*4", delay_s=2.0)) as server:
        yield server


def _bench(cluster, out: Path, *args: str, executor: str | None = None, popen: bool = False):
    cmd = [str(BIN / "polya"), "bench", *args, "--out", str(out), "--no-progress",
           "--executor", executor or f"ray:{cluster['address']}"]
    if popen:
        # SIGINT back to its default: a test run in the background of a shell inherits it ignored.
        return subprocess.Popen(cmd, env=cluster["env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    return subprocess.run(cmd, env=cluster["env"], capture_output=True, text=True, timeout=300)


def _suite(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "g24.yaml"
    path.write_text("suite: g24\nproblems:\n" + "".join(
        f"  - {{id: p{i:02d}, kind: countdown, rules: game24, numbers: [1, 2, 3, {4 + i}], target: 24}}\n"
        for i in range(n)))
    return path


def _stable(rows) -> dict:
    return {r.key: {k: v for k, v in r.model_dump().items() if k not in VOLATILE} for r in rows}


def _workers(session: int) -> list[int]:
    """Pids of the bench's worker actors in the cluster's process session."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            title = (proc / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
            sid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[3])
        except (OSError, IndexError, ValueError):
            continue
        if title.startswith("ray::BenchWorker") and sid == session:
            pids.append(int(proc.name))
    return pids


def _wait_rows(path: Path, n: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not (path.exists() and len(read_rows(path)) >= n):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_deterministic_policies_give_the_local_rows(cluster, endpoint, tmp_path):
    backend = ["--backend", f"openai:m@{endpoint.base_url}"]
    for suite, policy in (("problems/countdown/cd3.yaml", "random"), ("problems/sequences/oeis-sample.yaml", "fit")):
        args = [suite, "--limit", "6", "--policies", policy, *backend]
        assert main(["bench", *args, "--out", str(tmp_path / f"local-{policy}"), "--no-progress"]) == 0
        ray = _bench(cluster, tmp_path / f"ray-{policy}", *args)
        assert ray.returncode == 0, ray.stderr[-3000:]
        assert "ray: 2 workers on 2 CPUs" in ray.stderr
        local_rows, ray_rows = (read_rows(tmp_path / f"{x}-{policy}" / "results.jsonl") for x in ("local", "ray"))
        assert len(ray_rows) == 6 and _stable(ray_rows) == _stable(local_rows)
        assert all(Path(r.trace_path).is_file() and Path(r.trace_path).parent == tmp_path / f"ray-{policy}" / "traces"
                   for r in ray_rows)
        assert (tmp_path / f"ray-{policy}" / "summary.md").is_file()
        assert any(r.solved for r in ray_rows)


def test_a_worker_killed_mid_bench_loses_no_run_and_duplicates_none(cluster, endpoint, tmp_path):
    suite, out = _suite(tmp_path, 8), tmp_path / "out"
    proc = _bench(cluster, out, str(suite), "--policies", "cot", "--backend", f"openai:m@{endpoint.base_url}",
                  popen=True)
    _wait_rows(out / "results.jsonl", 1, proc)
    time.sleep(0.3)                                       # both workers now inside a 2 s call
    victims = _workers(cluster["session"])
    assert len(victims) == 2
    os.kill(victims[0], signal.SIGKILL)                  # mid-run: every run waits 2 s on the endpoint
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err[-3000:]
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    keys = Counter(x["problem_id"] for x in lines)
    assert keys == {f"p{i:02d}": 1 for i in range(8)}    # every run exactly once
    assert not [x for x in lines if x["harness_error"]]
    assert len(endpoint.requests) > 8                     # the killed run was run again
    assert len(list((out / "traces").iterdir())) == 8    # no trace of the lost attempt


def test_ctrl_c_stops_the_workers_and_resume_after_a_killed_driver_completes_the_set(cluster, endpoint, tmp_path):
    suite, out = _suite(tmp_path, 10), tmp_path / "out"
    args = [str(suite), "--policies", "cot", "--backend", f"openai:m@{endpoint.base_url}"]
    proc = _bench(cluster, out, *args, popen=True)
    _wait_rows(out / "results.jsonl", 1, proc)
    proc.send_signal(signal.SIGINT)                       # Ctrl-C
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted" in err, err[-3000:]
    deadline = time.monotonic() + 60                      # its runs in flight end with its workers
    while _workers(cluster["session"]):
        assert time.monotonic() < deadline
        time.sleep(0.5)
    proc = _bench(cluster, out, *args, "--resume", popen=True)
    _wait_rows(out / "results.jsonl", 3, proc)
    proc.kill()                                           # the driver, SIGKILL: no cleanup of its own
    proc.communicate()
    first = len(read_rows(out / "results.jsonl"))
    assert 3 <= first < 10
    again = _bench(cluster, out, *args, "--resume")
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"[{10 - first}/{10 - first}]" in again.stderr   # only the missing runs ran
    keys = Counter(json.loads(x)["problem_id"] for x in (out / "results.jsonl").read_text().splitlines())
    assert keys == {f"p{i:02d}": 1 for i in range(10)}   # every run exactly once
    assert len(list((out / "traces").iterdir())) == 10


def test_executor_errors_are_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    suite = str(_suite(tmp_path, 1))
    assert main(["bench", suite, "--executor", "dask", "--out", str(tmp_path / "a")]) == 2
    assert main(["bench", suite, "--workers", "2", "--out", str(tmp_path / "b")]) == 2
    monkeypatch.setitem(sys.modules, "ray", None)         # Ray not installed: `import ray` fails
    assert main(["bench", suite, "--executor", "ray", "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "polya: --executor ray needs Ray: pip install 'polya-agent[ray]'"
    assert "unknown executor 'dask'" in err[0] and "--workers goes with --executor ray" in err[1]
    assert not (tmp_path / "c").exists()


def test_the_embedded_model_is_sized_to_the_bench(monkeypatch):
    from agent.bench.sizing import idle_cpus, model_settings

    monkeypatch.delenv("POLYA_THREADS", raising=False)
    monkeypatch.delenv("POLYA_PARALLEL", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)      # the model's own default: half of them, 4
    assert model_settings("local", {}, 2, 2) == {"parallel": 2, "threads": 2}     # 2 runs, 2 cores
    assert model_settings("local", {}, 1, 2) == {"parallel": 1, "threads": 2}     # capped by the cores...
    assert model_settings("local", {}, 1, 8) == {"parallel": 1, "threads": 4}     # ...else the default
    assert model_settings("local", {}, 6, 8) == {"parallel": 6, "threads": 6}
    assert model_settings("local", {}, 2, 1) == {"parallel": 2, "threads": 1}     # a Ray worker's one CPU
    assert model_settings("local:small", {"threads": 1}, 3, 8) == {"threads": 1, "parallel": 3}
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.4, 0.0, 0.0))
    assert idle_cpus() == 2
    monkeypatch.setattr(os, "getloadavg", lambda: (18.0, 0.0, 0.0))               # a loaded machine
    assert idle_cpus() == 1
    assert model_settings("openai:m", {"timeout": 5}, 4, 8) == {"timeout": 5}     # not a local model
    monkeypatch.setenv("POLYA_PARALLEL", "1")
    assert model_settings("local", {}, 2, 2) == {"threads": 2}                    # the variable wins
