"""Rerun (zero LLM calls, same decisions, first divergence named), fork (free prefix, live after),
and the `polya replay` command on traces made with a function backend."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from agent.backends import register_backend
from agent.cli import main as cli
from agent.errors import InputError, ReplayDivergence
from agent.loop.rerun import ForkReport, afork, arerun, load_run
from agent.loop.run import asolve
from agent.problems.models import Budget
from agent.trace.events import LLMCall, RunStart, Verdict
from agent.trace.files import compress_trace
from agent.trace.reader import read_events
from tests.loop_helpers import PROSE269, CannedTools, FunctionBackend

MOVES = ["examples", "patterns", "backwards", "reframe", "counterexamples", "attempt"]


def _h(request) -> int:
    text = "".join(m.content for m in request.messages)
    return int(hashlib.sha256(text.encode()).hexdigest(), 16)


def varied(request):
    """Stateless and deterministic (a function of the request only), with varied decisions: the
    same requests always get the same answers, so a resumed run can be compared with a whole one."""
    h, purpose = _h(request), request.purpose.removesuffix(":repair")
    if purpose == "judge":
        return {"assessment": "a", "progress": round(0.2 + (h >> 8) % 60 / 100, 2),
                "decision": ["persist", "switch", "abandon", "persist"][h % 4]}
    if purpose == "reflect":     # the llm policy's verdict and next move, in one call
        return {"assessment": "a", "progress": round(0.2 + (h >> 8) % 60 / 100, 2),
                "decision": ["persist", "switch", "abandon", "persist"][h % 4],
                "next_move": MOVES[(h >> 4) % len(MOVES)], "new_goal": f"goal {h % 97}"}
    if purpose == "controller":
        return {"move": MOVES[h % len(MOVES)], "new_attack": h % 5 == 0, "goal": f"goal {h % 97}", "reason": "r"}
    if purpose == "move:attempt":
        return {"reasoning": "", "answer": "2*7*21-25" if h % 3 == 0 else f"{h % 50}+3"}
    return None


def varied_backend() -> FunctionBackend:
    return FunctionBackend(varied)


async def make_trace(path, *, backend=None, policy="llm", steps=10):
    return await asolve(PROSE269, backend=backend or varied_backend(), policy=policy, budget=Budget(steps=steps),
                        trace=path, tools=CannedTools())


def decisions(path):
    return [(e.step, e.move, e.decision) for e in read_events(path) if isinstance(e, Verdict)]


@pytest.fixture
def recorded(tmp_path):
    import asyncio

    path = tmp_path / "run.jsonl"
    result = asyncio.run(make_trace(path))
    return path, result


async def test_rerun_reproduces_decisions_with_zero_llm_calls(recorded, tmp_path):
    path, original = recorded
    result, rec = await arerun(path, trace=tmp_path / "rerun.jsonl")
    assert len(rec.decisions) >= 5
    assert decisions(tmp_path / "rerun.jsonl") == decisions(path)
    assert (result.status, result.answer, result.steps) == (original.status, original.answer, original.steps)
    calls = [e for e in read_events(tmp_path / "rerun.jsonl") if isinstance(e, LLMCall)]
    assert len(calls) == len(rec.calls) and all(c.replayed for c in calls)     # zero calls paid for
    assert read_events(tmp_path / "rerun.jsonl")[0].backend.startswith("replay:")


def test_a_gzipped_trace_reruns_like_the_plain_one(recorded, tmp_path, capsys):
    path, _ = recorded
    packed = compress_trace(path, tmp_path / "run.jsonl.gz")
    assert cli(["replay", str(packed), "--rerun", "--trace", str(tmp_path / "rerun.jsonl")]) == 0
    assert "rerun identical" in capsys.readouterr().out
    assert decisions(tmp_path / "rerun.jsonl") == decisions(path)


async def test_rerun_names_the_step_where_a_recorded_verdict_no_longer_follows(recorded, tmp_path):
    path, _ = recorded
    verdicts = [e for e in read_events(path) if isinstance(e, Verdict)]
    # a verdict the hard signals left alone, so what the judge says is what the verdict records
    target = next(v for v in verdicts[1:] if not v.overrides and v.progress >= 0.1)
    lines = []
    for line in path.read_text().splitlines():   # the judge "said" something else at that step
        e = json.loads(line)
        if e["type"] == "llm_call" and e["purpose"] == "reflect" and e["step"] == target.step:
            e["response"]["parsed"]["progress"] = 0.0
        lines.append(json.dumps(e))
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReplayDivergence, match=rf"rerun diverges at step {target.step}: recorded verdict "):
        await arerun(bad, trace=tmp_path / "r.jsonl")


async def test_rerun_names_the_first_changed_prompt(recorded, tmp_path, monkeypatch):
    import agent.loop.choose as choose

    path, _ = recorded
    real = choose.render_loop_prompt

    def changed(name, **kw):          # a prompt edited since the run was recorded
        text = real(name, **kw)
        return text + "\nBe brief." if name == "reflect" else text

    monkeypatch.setattr("agent.loop.judge.render_loop_prompt", changed)
    first_judge = next(e for e in read_events(path) if isinstance(e, LLMCall) and e.purpose == "reflect")
    with pytest.raises(ReplayDivergence) as err:
        await arerun(path, trace=tmp_path / "r.jsonl")
    msg = str(err.value)
    assert f"step {first_judge.step}, model call #{first_judge.call_index}" in msg
    assert "'reflect'" in msg and "Be brief" in msg


async def test_rerun_of_a_killed_run_says_to_resume(recorded, tmp_path):
    path, _ = recorded
    killed = tmp_path / "killed.jsonl"
    killed.write_text("".join(path.read_text().splitlines(keepends=True)[:20]))
    with pytest.raises(InputError, match="polya resume"):
        await arerun(killed)


async def test_fork_replays_prefix_for_free_then_continues_on_another_backend(recorded, tmp_path):
    path, _ = recorded
    parent = load_run(path)
    fork_at = 5
    live = FunctionBackend(overrides={"judge": {"assessment": "x", "progress": 0.1, "decision": "abandon"},
                                      "reflect": {"assessment": "x", "progress": 0.1, "decision": "abandon",
                                                  "next_move": "patterns", "new_goal": "g"},
                                      "controller": {"move": "patterns", "new_attack": False, "goal": "", "reason": "r"}})
    report = ForkReport()
    result = await afork(path, fork_at=fork_at, backend=live, trace=tmp_path / "fork.jsonl", tools=CannedTools(),
                         report=report)
    events = read_events(result.trace_path)
    start = events[0]
    assert isinstance(start, RunStart) and start.backend == "function:test"
    assert start.fork.parent_trace == str(path) and start.fork.fork_step == fork_at
    assert start.fork.parent_run_id == parent.start.run_id
    calls = [e for e in events if isinstance(e, LLMCall)]
    replayed = [c for c in calls if c.replayed]
    assert replayed and all(c.step < fork_at for c in replayed)
    assert len(live.requests) == len(calls) - len(replayed) == report.live_calls > 0
    assert report.replayed_calls == len(replayed)
    before = [d for d in decisions(result.trace_path) if d[0] < fork_at]
    assert before == [d for d in parent.decisions if d[0] < fork_at]
    after = [d for d in decisions(result.trace_path) if d[0] >= fork_at]
    assert after and after[0][2] == "abandon"          # the new backend's judge decides from the fork on


async def test_fork_with_another_policy_and_budget(recorded, tmp_path):
    path, _ = recorded
    result = await afork(path, fork_at=4, backend=varied_backend(), policy="fixed:patterns", budget=Budget(steps=7),
                         trace=tmp_path / "fork.jsonl", tools=CannedTools())
    events = read_events(result.trace_path)
    assert events[0].policy == "fixed:patterns" and events[0].budget["steps"] == 7
    moves = {e.step: e.move for e in events if e.type == "move_start"}
    parent = {e.step: e.move for e in read_events(path) if e.type == "move_start"}
    assert [moves[k] for k in (1, 2, 3)] == [parent[k] for k in (1, 2, 3)]     # the replayed prefix
    assert moves[4] in ("patterns", parent[3])      # the new policy, unless step 3's verdict said persist
    assert [moves[k] for k in (5, 6, 7)] == ["patterns", "patterns", "attempt"]   # the last step attempts
    assert result.steps == 7


async def test_fork_outside_the_recorded_steps_is_bad_input(recorded):
    path, _ = recorded
    last = load_run(path).last_step
    with pytest.raises(InputError, match=f"the trace has {last} steps"):
        await afork(path, fork_at=last + 2, backend=varied_backend())


# -- the command ---------------------------------------------------------------------------------
def test_replay_shows_moves_verdicts_and_summary(recorded, capsys):
    path, result = recorded
    assert cli(["replay", str(path)]) == 0
    out = capsys.readouterr().out
    verdicts = decisions(path)
    assert out.count("judge: ") == len(verdicts)
    assert f"status  {result.status}" in out
    assert "step 1 understand" in out
    assert cli(["replay", str(path), "--layout", "lanes"]) == 0
    assert "A1" in capsys.readouterr().out


def test_replay_json_summary(recorded, capsys):
    path, result = recorded
    assert cli(["replay", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == result.status and len(data["steps"]) == result.steps
    assert [(s["step"], s["move"], s["decision"]) for s in data["steps"] if s["decision"]] == decisions(path)
    assert sum(s["llm_calls"] for s in data["steps"]) == data["used"]["llm_calls"] == data["paid_calls"]


def test_replay_rerun_exit_codes(recorded, tmp_path, capsys):
    path, _ = recorded
    assert cli(["replay", str(path), "--rerun"]) == 0
    assert "rerun identical" in capsys.readouterr().out
    tampered = []
    for line in path.read_text().splitlines():   # the opening move "found" something else this time
        ev = json.loads(line)
        if ev["type"] == "llm_call" and ev["purpose"] == "move:understand":
            ev["response"]["parsed"]["restatement"] = "tampered"
        tampered.append(json.dumps(ev))
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(tampered) + "\n")
    assert cli(["replay", str(bad), "--rerun"]) == 1
    assert "rerun diverges at step" in capsys.readouterr().err


def test_replay_fork_via_the_command(recorded, tmp_path, capsys):
    path, _ = recorded
    register_backend("testvaried", lambda rest, **kw: varied_backend(), replace=True)
    out = tmp_path / "fork.jsonl"
    code = cli(["replay", str(path), "--fork-at", "3", "--backend", "testvaried", "--trace", str(out)])
    assert code in (0, 1)
    text = capsys.readouterr().out
    assert "steps 1..2 replayed" in text
    assert read_events(out)[0].fork.fork_step == 3


def test_fork_options_need_fork_at(recorded, capsys):
    path, _ = recorded
    assert cli(["replay", str(path), "--backend", "local"]) == 2
    assert "--backend needs --fork-at" in capsys.readouterr().err


def test_traces_lists_and_compares(recorded, tmp_path, capsys):
    path, result = recorded
    runs = tmp_path / "runs"
    runs.mkdir()
    shutil.copy(path, runs / "a.jsonl")
    (runs / "killed.jsonl").write_text("".join(path.read_text().splitlines(keepends=True)[:15]))
    assert cli(["traces", str(runs), "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["a.jsonl"]["status"] == result.status and rows["a.jsonl"]["steps"] == result.steps
    assert rows["a.jsonl"]["tokens"] == result.used.tokens and rows["a.jsonl"]["problem_id"] == "prose-nyt-269"
    assert rows["killed.jsonl"]["status"] == "incomplete"
    assert cli(["traces", str(runs)]) == 0
    assert "a.jsonl" in capsys.readouterr().out
    assert cli(["traces", "--compare", str(path), str(runs / "killed.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "A vs B" in out and "≠" in out


async def test_replay_shows_a_trace_whose_failed_call_carries_usage(tmp_path, capsys):
    """A failed reply's error carries its usage (a dict). The summary's fast reader must take it,
    and a line it reads in full may refer to prompt blocks defined on lines it skipped."""
    from agent.backends.base import Usage
    from agent.errors import InvalidOutput

    failing = InvalidOutput("Patterns: reply cut off mid-JSON", usage=Usage(prompt_tokens=300, completion_tokens=200))
    backend = FunctionBackend(overrides={"move:patterns": failing})
    result = await asolve(PROSE269, backend=backend, policy="fixed:patterns,attempt", budget=Budget(steps=8),
                          trace=tmp_path / "t.jsonl", tools=CannedTools())
    failed = [e for e in read_events(result.trace_path) if isinstance(e, LLMCall) and e.error]
    assert failed and failed[0].error["usage"]["completion_tokens"] == 200
    assert cli(["replay", result.trace_path, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["used"]["llm_calls"] == result.used.llm_calls


def test_a_trace_from_another_loop_version_is_shown_but_not_rerun(tmp_path, capsys):
    """A committed bench trace recorded by loop version 1 (polya-agent 0.1.0): `show`, `view` and
    `traces` read it; an exact rerun, a fork or a resume needs the release that made it."""
    old = next((Path(__file__).parents[1] / "docs" / "results" / "hunt-43" / "traces").glob("*.jsonl*"))
    assert cli(["replay", str(old)]) == 0
    assert cli(["view", str(old), "-o", str(tmp_path / "old.html")]) == 0
    capsys.readouterr()
    for args in (["replay", str(old), "--rerun"], ["replay", str(old), "--fork-at", "2", "--backend", "scripted:echo"]):
        assert cli(args) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "loop version 1" in err[0] and "pip install polya-agent==0.1.0" in err[0]


def test_a_trace_from_another_version_of_its_family_is_refused_and_others_still_rerun(tmp_path, capsys):
    """A family's version is recorded beside the loop's: a countdown trace made before the countdown
    family changed its listing is refused (exit 2, one line); a trace of another family recorded at
    the same loop version is not affected by it (the committed IMO example reruns: test_explore)."""
    import asyncio

    from agent.loop.run import asolve
    from strategies.countdown import CountdownFamily

    path = tmp_path / "cd.jsonl"
    asyncio.run(asolve({"id": "g", "kind": "countdown", "rules": "game24", "numbers": [3, 3, 3, 5], "target": 24},
                       backend="scripted:echo", policy="random", budget="steps=6", trace=path))
    start = json.loads(path.read_text().splitlines()[0])
    assert start["versions"]["family"] == CountdownFamily.version
    assert cli(["replay", str(path), "--rerun"]) == 0
    start["versions"]["family"] = "1"
    old = tmp_path / "old.jsonl"
    old.write_text("\n".join([json.dumps(start), *path.read_text().splitlines()[1:]]) + "\n")
    capsys.readouterr()
    assert cli(["replay", str(old), "--rerun"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "version 1 of the countdown family" in err[0]
