"""llama-cpp-python's own OpenAI-compatible server, for real: the dialect probe settles on what it
accepts (it answers strict json_schema with HTTP 500), and `polya ping` and a short `polya run`
work against it with no extra settings.

The server compiles for ~8 minutes on 2 cores, so it is built once into a venv of its own
(`make llama-cpp-python`, which `make test` runs; kept in ~/.cache/polya/llama-cpp-python like the
model weights) and these tests skip, saying how to build it, where it is not there.
POLYA_LLAMA_CPP_PYTHON may name another Python that has `llama_cpp.server`.

A server that answers `/v1/models` is not yet a working one: a native (`-march=native`) build once
started, listed its model and died of a general protection fault in libggml-cpu.so at the first
chat request. So the fixture does not hand the server out before a real chat completion came back
with the server still alive, and says what the server logged when it did not.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from agent.cli import main as cli_main

SERVER_VENV = Path.home() / ".cache" / "polya" / "llama-cpp-python"


def server_python() -> str | None:
    """A Python with llama-cpp-python's server installed, or None."""
    candidate = os.environ.get("POLYA_LLAMA_CPP_PYTHON") or str(SERVER_VENV / "bin" / "python")
    if not Path(candidate).is_file():
        return None
    probe = subprocess.run([candidate, "-c", "import llama_cpp.server"], capture_output=True, timeout=60)
    return candidate if probe.returncode == 0 else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_cpp_python_url(tmp_path_factory):
    python = server_python()
    if python is None:
        pytest.skip("llama-cpp-python's server is not built here: `make llama-cpp-python` builds it "
                    f"into {SERVER_VENV} (~8 min compile), or set POLYA_LLAMA_CPP_PYTHON")
    from agent.backends.weights import ensure_model
    from agent.errors import BackendUnavailable

    try:
        model = ensure_model("small")
    except BackendUnavailable as err:
        pytest.skip(f"the 0.5B weights are not installed: {err}")
    port = _free_port()
    log = tmp_path_factory.mktemp("llama-cpp-python") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([python, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                                 "--port", str(port), "--n_ctx", "4096", "--n_threads", "1"],
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(url + "/models", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"llama-cpp-python's server did not start: {log.read_text()[-2000:]}")
            time.sleep(1)
        _first_chat(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _chat(url: str, text: str) -> dict:
    body = json.dumps({"model": "qwen-small", "max_tokens": 8, "temperature": 0,
                       "messages": [{"role": "user", "content": text}]}).encode()
    req = urllib.request.Request(url + "/chat/completions", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def _first_chat(url: str, proc: subprocess.Popen, log: Path) -> None:
    """One real chat completion, the step a build for the wrong CPU dies at (not at /v1/models)."""
    try:
        reply = _chat(url, "Say hi.")
    except OSError as err:
        time.sleep(1)
        died = f"the server died (exit {proc.poll()})" if proc.poll() is not None else "no answer"
        pytest.fail(f"llama-cpp-python's server answered /v1/models but not a chat request ({err}; {died}); "
                    f"a build for another CPU (GGML_NATIVE) crashes here: rebuild with `make llama-cpp-python`. "
                    f"Its log: {log.read_text()[-2000:]}")
    assert reply["choices"][0]["message"]["content"] is not None, reply


def test_a_chat_request_is_answered_and_the_server_stays_up(llama_cpp_python_url):
    reply = _chat(llama_cpp_python_url, "What is 2 + 2? Answer with the number.")
    assert reply["choices"][0]["finish_reason"] in ("stop", "length")
    assert reply["usage"]["completion_tokens"] >= 1
    with urllib.request.urlopen(llama_cpp_python_url + "/models", timeout=10) as r:   # still alive
        assert r.status == 200


def test_ping_settles_on_json_object_with_no_extra_settings(llama_cpp_python_url, capsys):
    assert cli_main(["ping", f"openai:qwen-small@{llama_cpp_python_url}", "--max-tokens", "40", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dialect"] == "json_object"          # its 500 on strict json_schema was read as a refusal
    assert [c["call"] for c in out["calls"]] == ["plain", "structured"]
    assert isinstance(out["parsed"]["sides"], int)


def test_a_short_run_talks_to_it_and_keeps_a_complete_trace(llama_cpp_python_url, tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text("id: six-sevens\nkind: answer\nstatement: What is 6 times 7?\nanswer: '42'\n")
    trace = tmp_path / "t.jsonl"
    code = cli_main(["run", str(problem), "--backend", f"openai:qwen-small@{llama_cpp_python_url}",
                     "--budget", "steps=3,tokens=4000", "--trace", str(trace)])
    assert code in (0, 1)                            # solved or not: a result, not a failure
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    calls = [e for e in events if e["type"] == "llm_call"]
    assert calls and all(e.get("error") in (None, "") for e in calls)
    assert events[-1]["type"] == "run_end" and events[-1]["status"] != "error"
