"""Answers experience (docs/experience.md, "Answers"): features of the answer workspace, graded
rows rebuilt from traces, `polya learn` on committed traces, the learned policy on an answer problem
(method by learned value, the model only when unsure, the learned stop), exact reruns, no leakage."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from agent.cli import main
from agent.experience import lead_chance, load_experience, method_values
from agent.experience.answer_data import read_answer_trace
from agent.experience.answer_features import answer_type, lead_features
from agent.experience.model import Experience
from agent.loop.rerun import arerun
from agent.loop.run import asolve
from agent.problems import load_problems
from agent.problems.models import Budget
from agent.report.behaviour import behaviour_markdown, who
from agent.trace.events import ControllerChoice, Verdict
from agent.trace.reader import read_events
from agent.workspace.answers import AnswerWorkspace
from tests.loop_helpers import FunctionBackend
from tests.test_answers import PROBLEM, PrintedTools, program

ROOT = Path(__file__).resolve().parents[1]


def answers_example() -> dict:
    """The documented version-2 file with an answers section (docs/experience.md)."""
    text = (ROOT / "docs/experience.md").read_text(encoding="utf-8")
    return next(json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, re.S) if '"answers"' in b)


def example_file(tmp_path, **answers) -> Path:
    doc = answers_example()
    doc["answers"].update(answers)
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def echo_workspace() -> AnswerWorkspace:
    """The first attempt said 18; its self-check program printed 16, a number given in the problem."""
    ws = AnswerWorkspace(statement=PROBLEM.statement, tags=["gsm8k"])
    ws.add("18", "reasoning", "obvious", 1)
    ws.add("16", "program", "obvious", 1)
    return ws


# -- features -------------------------------------------------------------------------------------
def test_lead_features_say_how_the_leading_answer_was_reached():
    ws = echo_workspace()
    f = lead_features(ws, 1)
    assert ws.best() == "18" and f["lead_first"] == 1 and f["lead_first_check"] == 0
    assert f["check_echoed"] == 1 and f["lead_given"] == 0 and f["distinct_answers"] == 2
    assert f["settled"] == 0 and f["type_integer"] == 1 and f["gsm8k"] == 1
    ws.add("18", "program", "patterns", 2)
    f = lead_features(ws, 2)
    assert f["settled"] == 1 and f["lead_methods"] == 2 and f["lead_votes"] == 2 and f["rival_votes"] == 1
    assert [answer_type(a) for a in ("42", "3.5", "\\frac{1}{2}", "x^2+1", "6 + 9i")] == [
        "integer", "fraction", "fraction", "expression", "expression"]


def test_the_documented_answers_example_loads_and_a_version_1_file_still_does(tmp_path):
    exp = load_experience(example_file(tmp_path))
    assert exp.version == 2 and exp.answers.stop == 0.69 and exp.models == {}
    # intercept -0.5 + 1.6 * (1 - 1.5) / 0.8 - 0.4 * (1 - 0.1) / 0.3 = -2.7
    assert lead_chance(exp, echo_workspace(), 1) == pytest.approx(1 / (1 + 2.718281828 ** 2.7))
    values = method_values(exp, echo_workspace(), ["attempt", "patterns"])
    assert values["patterns"] > values["attempt"]     # only reasoning reached 18: a program next
    assert exp.problems_seen() == {"gsm8k-0000", "gsm8k-0001"}
    old = json.loads((ROOT / "docs/experience.md").read_text().split("```json\n")[1].split("```")[0])
    assert old["version"] == 1 and load_experience_text(tmp_path, old).answers is None


def load_experience_text(tmp_path, doc) -> Experience:
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return load_experience(path)


# -- the learned policy on an answer problem -----------------------------------------------------
def _solve(tmp_path, exp_path: Path, outputs=("16\n", "20\n"), steps=4, controller=None):
    replies = {"move:attempt:obvious": "Answer: 18", "move:attempt:check": program("16"),
               "controller": controller or {"move": "attempt", "reason": "why not"}}
    for move in ("patterns", "examples", "counterexamples"):
        replies[f"move:{move}"] = program("20")
    backend = FunctionBackend(fn=lambda r: replies.get(r.purpose.removesuffix(":repair"), "Answer: 17"))
    return asyncio.run(asolve(PROBLEM, backend=backend, policy=f"learned:{exp_path}", budget=Budget(steps=steps),
                              trace=tmp_path / "t.jsonl", tools=PrintedTools(*outputs))), backend


def test_learned_runs_the_method_of_highest_value_with_no_model_call_and_reruns_exactly(tmp_path):
    result, backend = _solve(tmp_path, example_file(tmp_path))
    events = read_events(result.trace_path)
    choices = [e for e in events if isinstance(e, ControllerChoice)]
    assert choices and all(c.reason.startswith("learned: patterns 0.") for c in choices[:1])
    assert {who(c.reason) for c in choices if not c.reason.startswith("last step")} == {"learned"}
    assert not [r for r in backend.requests if r.purpose == "controller"]      # the experience was sure
    verdicts = [v for v in events if isinstance(v, Verdict)][1:]
    assert all("learned_continue" in v.overrides for v in verdicts)
    assert any("learned: the leading answer 18 is right with chance 0.0" in line for v in verdicts for line in v.evidence)
    rerun, _ = asyncio.run(arerun(result.trace_path, trace=tmp_path / "rerun.jsonl"))
    assert (rerun.answer, rerun.status, rerun.steps) == (result.answer, result.status, result.steps)
    assert "| 0 / 0 / 0 / 0 (+2 learned) |" in behaviour_markdown([result.trace_path])     # polya traces --stats


def test_learned_stops_once_the_leading_answer_is_likely_right(tmp_path):
    result, _ = _solve(tmp_path, example_file(tmp_path, stop=0.05))
    verdicts = [v for v in read_events(result.trace_path) if isinstance(v, Verdict)]
    assert verdicts[-1].overrides == ["learned_stop"] and verdicts[-1].decision == "solved"
    assert result.answer == "18" and result.steps == 2 and result.verified     # graded after the run
    assert "is right with chance" in verdicts[-1].reason


def test_the_model_is_asked_only_where_the_experience_is_unsure(tmp_path):
    result, backend = _solve(tmp_path, example_file(tmp_path, ask_within=1.0), steps=3)
    choices = [e for e in read_events(result.trace_path) if isinstance(e, ControllerChoice)
               and not e.reason.startswith("last step")]
    assert [r.purpose for r in backend.requests].count("controller") == len(choices) >= 1
    assert choices[0].reason.startswith("model (learned unsure: patterns 0.") and who(choices[0].reason) == "model"
    assert choices[0].move == "attempt"


# -- learning from committed traces --------------------------------------------------------------
def test_rows_are_rebuilt_from_a_trace_and_graded_after_the_run(tmp_path):
    result, _ = _solve(tmp_path, example_file(tmp_path), steps=3)
    run = read_answer_trace(result.trace_path)
    assert run.problem.id == "ducks" and run.policy.startswith("learned:")
    assert [y for _, y in run.leads] == [1, 1, 1]          # 18 leads throughout, and 18 is right
    assert [x["distinct_answers"] for x, _ in run.leads] == [2, 3, 4]
    assert [y for _, y in run.methods] == [0, 0] and run.methods[0][0]["patterns"] == 1.0   # 20 is wrong


def test_polya_learn_on_committed_answer_traces_names_what_it_learned_from(tmp_path, capsys):
    pytest.importorskip("sklearn")
    out = tmp_path / "a.json"
    code = main(["learn", str(ROOT / "docs/results/math-answers-1.5b/compact-controller"), "--problems",
                 str(ROOT / "problems/experience/learn-gsm8k.yaml"), "-o", str(out)])
    assert code == 0
    exp = load_experience(out)
    assert exp.family == "answers" and exp.models == {} and 0.3 <= exp.answers.stop <= 0.99
    assert exp.answers.learned_from.problems == [f"gsm8k-{i:04d}" for i in range(17)]
    printed = capsys.readouterr().out
    assert "chance the leading answer is right rises with / falls with" in printed
    assert "independent answers that agree with the leading answer" in printed
    # nothing from the evaluation part
    assert main(["learn", str(ROOT / "docs/results/math-answers-1.5b/compact-controller"), "--problems",
                 str(ROOT / "problems/experience/eval-gsm8k.yaml"), "-o", str(out)]) == 2


def test_the_shipped_file_learned_answers_from_the_learning_part_only_and_refuses_it(tmp_path, capsys):
    exp = load_experience()
    learn = {p.id for s in ("learn-gsm8k", "learn-math500") for p in load_problems(ROOT / f"problems/experience/{s}.yaml")}
    held = [p.id for s in ("eval-gsm8k", "eval-math500") for p in load_problems(ROOT / f"problems/experience/{s}.yaml")]
    assert exp.answers is not None and set(exp.answers.learned_from.problems) == learn
    assert set(exp.models) >= {"digits", "game24", "countdown"}          # the countdown models are kept
    exp.check_unseen(held)
    suite = str(ROOT / "problems/math/gsm8k-sample.yaml")
    assert main(["run", suite, "--id", "gsm8k-0003", "--policy", "learned", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("polya: the experience file learned from gsm8k-0003") and len(err.splitlines()) == 1
    code = main(["bench", suite, "--limit", "2", "--policies", "learned", "--out", str(tmp_path / "b")])
    assert code == 2 and not (tmp_path / "b" / "results.jsonl").exists()


def test_the_calibration_benchmark_ranks_the_methods_a_run_took(tmp_path):
    """benchmarks/answers_calibration.py: the method value's AUC and each method's count of right
    independent answers, from the rows of a learned run (two methods taken, both wrong)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("answers_calibration", ROOT / "benchmarks/answers_calibration.py")
    calibration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(calibration)
    path = example_file(tmp_path)
    result, _ = _solve(tmp_path, path, steps=3)
    run = read_answer_trace(result.trace_path)
    figures = calibration.method_figures([run], load_experience(path))
    assert figures["methods taken"] == 2
    assert figures["patterns right"] == "0/1"
    assert sum(int(v.split("/")[1]) for k, v in figures.items() if k.endswith(" right")) == 2
    assert figures["AUC learned method value"] != figures["AUC learned method value"]    # one label only: nan
