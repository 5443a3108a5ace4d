"""What a newcomer meets at the command line and in the Python API: a dead backend found before
the first move, the API's budget=, where files land, and the small things (issue 36)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from agent.cli import main
from agent.errors import InputError
from tests.loop_helpers import FunctionBackend

ROOT = Path(__file__).resolve().parents[1]
P269 = str(ROOT / "problems/digits/nyt-269.yaml")


def polya(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("spec", [f"openai:foo@http://127.0.0.1:{closed_port()}", "local:nope.gguf"])
def test_a_dead_backend_is_bad_input_before_the_first_move(tmp_path, capsys, monkeypatch, spec):
    monkeypatch.chdir(tmp_path)
    code, out, err = polya(capsys, "run", P269, "--backend", spec, "--quiet")
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith(f"polya: backend {spec}: ")
    assert not (tmp_path / "traces").exists()
    code, _, err = polya(capsys, "bench", P269, "--backend", spec, "--policies", "cot", "--out", "b", "--no-progress")
    assert code == 2 and err.startswith(f"polya: backend {spec}: ") and not (tmp_path / "b").exists()


def test_the_api_accepts_the_clis_budget_and_refuses_a_bad_one_before_writing(tmp_path):
    import agent

    for budget in ("steps=6", {"steps": 6}):
        result = agent.solve(P269, policy="random", backend=FunctionBackend(), budget=budget, trace_dir=tmp_path / "ok")
        assert result.solved
    for bad in ("steps=x", {"stepz": 6}, 6):
        with pytest.raises(InputError, match="budget"):
            agent.solve(P269, policy="random", backend=FunctionBackend(), budget=bad, trace_dir=tmp_path / "bad")
    assert not (tmp_path / "bad").exists()
    with pytest.raises(InputError, match="missing field 'target'"):
        agent.solve({"id": "x", "kind": "countdown", "rules": "digits", "numbers": [1]}, backend=FunctionBackend())


def test_run_and_view_print_where_their_files_went(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = polya(capsys, "run", P269, "--backend", "scripted:echo", "--policy", "random", "--quiet")
    assert code == 0
    trace = Path(next(ln for ln in out.splitlines() if ln.startswith("trace")).split(None, 1)[1])
    assert trace.is_absolute() and trace.is_file() and trace.parent == tmp_path / "traces" / "runs"
    code, out, _ = polya(capsys, "view", str(trace.relative_to(tmp_path)))
    assert code == 0 and out.startswith(f"wrote {trace.with_suffix('.html')} (")
    assert "2 verdicts" in out and "1 LLM call" not in out
    code, out, _ = polya(capsys, "replay", str(trace))
    assert "model said None" not in out and "no model asked; overrides: node_open" in out


def test_a_trace_with_a_broken_middle_line_is_listed_as_broken(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert polya(capsys, "run", P269, "--backend", "scripted:echo", "--policy", "random", "--quiet")[0] == 0
    trace = next((tmp_path / "traces" / "runs").glob("*.jsonl"))
    lines = trace.read_text().splitlines()
    lines[3] = lines[3][: len(lines[3]) // 2]          # a line cut in the middle of a string
    trace.write_text("\n".join(lines) + "\n")
    code, _, err = polya(capsys, "replay", str(trace))
    assert code == 2 and ":4: not valid JSON: " in err and " at (column " in err and "at at" not in err
    code, out, _ = polya(capsys, "traces", "--json", str(tmp_path / "traces"))
    assert code == 0 and '"status": "broken"' in out and "line 4 is not a JSON event" in out


def test_version_and_timing(capsys, tmp_path):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("polya 0.")
    trace = ROOT / "traces/examples/nyt-269-local-small.jsonl"
    code, _, err = polya(capsys, "replay", str(trace), "--timing")
    assert code == 0 and err.startswith("timing: ")


def test_the_live_view_never_cuts_a_word():
    from agent.cli.live import clip

    text = "openai:foo@http://127.0.0.1:9 cannot connect (is the server running?) after 3 retries"
    short = clip(text, 40)
    assert len(short) <= 40 and short.endswith("…") and short[:-1] in text
    assert all(word in text.split() for word in short[:-1].split())
    assert clip("short", 40) == "short"


def test_an_escalation_shows_what_the_check_printed():
    from agent.report.summary import verdict_text
    from agent.trace.events import Verdict

    verdict = Verdict(run_id="r", step=1, attack_id="A1", move="obvious", decision="abandon", progress=0.0,
                      reason="escalate to the moves: disagrees", overrides=["escalate"],
                      evidence=["A program computing the answer independently printed 42: it disagrees with 48"])
    assert verdict_text(verdict).endswith("(A program computing the answer independently printed 42: it disagrees with 48)")
