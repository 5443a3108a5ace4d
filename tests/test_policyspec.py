"""One grammar and one list of policies: `polya run`, `polya bench`, their help and their errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli import build_parser, main
from agent.errors import InputError
from agent.policyspec import POLICIES, parse_policy, parse_policy_list

ROOT = Path(__file__).resolve().parents[1]
P269 = str(ROOT / "problems/digits/nyt-269.yaml")


def _help(command: str) -> str:
    parser = build_parser()
    return next(a for a in parser._subparsers._group_actions[0].choices.items() if a[0] == command)[1].format_help()


@pytest.mark.parametrize("command", ["run", "bench"])
def test_every_help_lists_every_policy_with_its_options(command):
    text = _help(command)
    for info in POLICIES.values():
        assert f"  {info.usage()} " in text, (command, info.name)
    for usage in ("random[:bare]", "pot[:repairs=N]", "tot[:b=N,proposals=N,values=N]", "fixed:MOVE,MOVE,..."):
        assert usage in text


def test_one_grammar_in_run_and_bench():
    assert str(parse_policy("tot:b=2+values=1")) == str(parse_policy("tot:b=2,values=1")) == "tot:b=2,values=1"
    assert parse_policy("tot:b=2,values=1").options == {"b": 2, "proposals": 8, "values": 1}
    assert [str(p) for p in parse_policy_list("cot,tot:b=2,values=1,fixed:examples,backwards,random:bare")] == \
        ["cot", "tot:b=2,values=1", "fixed:examples,backwards", "random:bare"]
    assert [str(p) for p in parse_policy_list("fixed:examples+backwards,self-consistency:5")] == \
        ["fixed:examples,backwards", "self-consistency:5"]
    assert parse_policy("self-consistency:5").options == {"k": 5}
    assert parse_policy("pot:repairs=0").options == {"repairs": 0}


def test_errors_name_the_real_policies_and_moves():
    with pytest.raises(InputError) as err:
        parse_policy("work-backwards")
    for name in ("llm", "bandit", "random[:bare]", "cot", "pot[:repairs=N]", "fit", "self-consistency[:k=N]"):
        assert name in str(err.value)
    with pytest.raises(InputError) as err:
        parse_policy("fixed:work-backwards")
    assert "unknown move(s) 'work-backwards'" in str(err.value) and "backwards, counterexamples" in str(err.value)
    with pytest.raises(InputError, match="takes b, proposals, values"):
        parse_policy("tot:x=1")


@pytest.mark.parametrize("spec", ["tot:x", "pot:repairs=x", "self-consistency:0", "cot:3", "fixed:work-backwards"])
def test_a_bad_policy_option_is_bad_input_in_bench_and_run(tmp_path, capsys, spec, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "bench-out"
    assert main(["bench", P269, "--policies", f"cot,{spec}", "--backend", "scripted", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("polya: policy") and not out.exists()
    assert main(["run", P269, "--policy", spec, "--backend", "scripted", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("polya: policy") and not (tmp_path / "traces").exists()


def test_the_python_api_refuses_a_bad_policy_before_writing_a_trace(tmp_path):
    import agent

    with pytest.raises(InputError, match="unknown policy 'nope'"):
        agent.solve(P269, policy="nope", backend="scripted", trace_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def test_policyspec_sits_below_the_loop_the_bench_and_the_cli():
    code = ("import sys, agent.policyspec as p; p.parse_policy('fixed:examples'); "
            "bad = [m for m in sys.modules if m.startswith(('agent.loop', 'agent.bench', 'agent.cli'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
