"""Issue 7.5: a fake API key planted in the environment and in the config file never appears in a
trace, an HTML report, a listing, captured stdout/stderr or an error message — also when the server
echoes the key back in its error bodies (as some providers do)."""

from __future__ import annotations

import subprocess
import sys

from tests.fault_server import Fault, FaultServer
from tests.reliability_kit import FAKE_KEY, MODEL, PROBLEM_YAML, CannedResponder, FaultInjector, cli_env

CONFIG_KEY = "sk-polya-config-SECRET-5678"
FRAGMENTS = [FAKE_KEY, CONFIG_KEY, FAKE_KEY[:12] + FAKE_KEY[12:], "SECRET-1234", "SECRET-5678"]


def leaks(text: str) -> list[str]:
    return [f for f in FRAGMENTS if f in text]


def echo_key(request) -> Fault:
    """A server that quotes the Authorization header back in its error, like an 'invalid key' reply."""
    auth = request.headers.get("authorization", "")
    return Fault.error(401 if "401" in request.path else 500, f"bad key {auth} for {auth.removeprefix('Bearer ')}")


def run(args, env, cwd):
    return subprocess.run([sys.executable, "-m", "agent", *args], capture_output=True, text=True, timeout=120,
                          env=env, cwd=cwd)


def test_key_never_leaks(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text(PROBLEM_YAML)
    env = cli_env(tmp_path, OPENAI_API_KEY=FAKE_KEY, POLYA_API_KEY=FAKE_KEY)
    with open(env["POLYA_CONFIG"], "a") as fh:
        fh.write(f'\n[keys]\nopenai = "{CONFIG_KEY}"\ncustom = "{CONFIG_KEY}"\n"127.0.0.1" = "{CONFIG_KEY}"\n')
    outputs: list[str] = []
    traces = []
    # 1. faults that echo the key in every error body, 2. random faults, 3. a normal run
    servers = [FaultServer(echo_key), FaultServer(FaultInjector(CannedResponder(), seed=3, p=0.5, hang_s=1.0)),
               FaultServer(CannedResponder())]
    for i, srv in enumerate(servers):
        with srv:
            trace = tmp_path / f"t{i}.jsonl"
            proc = run(["run", str(problem), "--backend", f"openai:{MODEL}@{srv.base_url}", "--budget", "steps=4",
                        "--trace", str(trace)], env, tmp_path)
            outputs += [proc.stdout, proc.stderr]
            assert proc.returncode in (0, 1), proc.stderr
            traces.append(trace)
            # the key did reach the server (so the test would see a leak if there were one)
            assert any(FAKE_KEY in r.headers.get("authorization", "") for r in srv.requests)
    # the config-file key, with the environment's removed, and a key-refusing server (401)
    env2 = {k: v for k, v in env.items() if k not in ("OPENAI_API_KEY", "POLYA_API_KEY")}
    with FaultServer(echo_key) as srv:
        proc = run(["ping", f"openai:{MODEL}@{srv.url}/401/v1"], env2, tmp_path)
        outputs += [proc.stdout, proc.stderr]
        assert any(CONFIG_KEY in r.headers.get("authorization", "") for r in srv.requests)
    # a key on the command line is refused without being echoed
    proc = run(["ping", f"openai:{MODEL}@http://127.0.0.1:9/v1", "--set", f"api_key={FAKE_KEY}"], env, tmp_path)
    assert proc.returncode == 2
    outputs += [proc.stdout, proc.stderr]
    # everything made from the traces: terminal replay, JSON summary, HTML, listing
    for trace in traces:
        for args in (["replay", str(trace)], ["replay", str(trace), "--json"],
                     ["view", str(trace), "-o", str(trace.with_suffix(".html"))]):
            proc = run(args, env, tmp_path)
            outputs += [proc.stdout, proc.stderr]
    proc = run(["traces", str(tmp_path)], env, tmp_path)
    outputs += [proc.stdout, proc.stderr]
    assert "401" in "".join(outputs) or "refused the API key" in "".join(outputs)
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "config.toml"]
    assert any(p.suffix == ".html" for p in files) and len(traces) == 3
    leaked = {str(p): leaks(p.read_text(errors="replace")) for p in files}
    leaked = {k: v for k, v in leaked.items() if v}
    assert leaked == {}
    assert leaks("\n".join(outputs)) == []
    # the echoed errors are recorded, scrubbed: the trace holds the error text with *** in place of the key
    first = traces[0].read_text()
    assert "bad key" in first and "***" in first
