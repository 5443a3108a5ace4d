"""Who decided each step and how often the step paid (`polya traces --stats`): each family's measure
(agent/experience/paid.py) and the deciders read from controller reasons (agent/report/behaviour.py)."""

from __future__ import annotations

from pathlib import Path

from agent.cli import main
from agent.experience.answer_data import read_answer_trace
from agent.experience.paid import paid_steps
from agent.report.behaviour import behaviour_markdown, run_behaviour, who
from tests.test_answers_experience import _solve, example_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "traces/examples"


def test_a_countdown_step_paid_when_its_node_is_on_the_path_to_the_verified_answer():
    # NYT 269: the rule took three steps, each on the path; the 1.5B Game-of-24 run left its first line
    assert paid_steps(EXAMPLES / "nyt-269-local-small.jsonl") == {2: True, 3: True, 4: True}
    g24 = paid_steps(EXAMPLES / "g24-r0801-workspace-local.jsonl")
    assert g24[2] is False and g24[9] is True and sum(g24.values()) == 3


def test_a_hunt_step_paid_when_it_confirmed_a_counterexample():
    (trace,) = (ROOT / "docs/results/claims-hunts-v3/traces").glob("*ce-euler-41-973771519456*")
    assert paid_steps(trace) == {1: True}
    assert paid_steps(EXAMPLES / "imo-2024-p3-mine-nomodel.jsonl") is None     # an exploration run: no measure


def test_an_answer_method_paid_when_it_reached_a_right_answer_independently(tmp_path):
    result, _ = _solve(tmp_path, example_file(tmp_path), steps=3)
    assert paid_steps(result.trace_path) == {2: False, 3: False}       # 20 twice; 18 is right
    assert read_answer_trace(result.trace_path).method_steps == [2, 3]
    table = behaviour_markdown([result.trace_path], paid=paid_steps)
    assert "| decided by | choices | steps measured | paid | paid share |" in table
    policy = f"learned:{tmp_path / 'answers.json'}"
    assert f"| {policy} | learned | 1 | 1 | 0 | 0% |" in table          # patterns, by learned value
    assert f"| {policy} | budget | 1 | 1 | 0 | 0% |" in table           # the last step's forced attempt


def test_the_stats_table_says_who_decided_and_how_often_it_paid(tmp_path, capsys):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "nyt.jsonl").write_bytes((EXAMPLES / "nyt-269-local-small.jsonl").read_bytes())
    assert main(["traces", str(runs), "--stats"]) == 0
    out = capsys.readouterr().out
    policy = run_behaviour(runs / "nyt.jsonl").policy
    assert f"| {policy} | rule | 3 | 3 | 3 | 100% |" in out


def test_who_reads_the_budget_fallbacks_and_the_llm_policys_own_reasons():
    assert who("the 2000 tokens left are kept for an answer: attempt") == "budget"
    assert who("last step of the budget: attempt an answer") == "budget"
    assert who("3210 tokens left, a step costs ~2395: attempt an answer") == "budget"
    assert who("model chose examples again after a switch verdict; bandit chose instead") == "fallback"
    assert who("The claim holds for n up to 199, so search further", "llm") == "model"
    assert who("reflect: the search found nothing") == "model"
    assert who("uniform random move", "random") == "random"
    assert who("untried move", "bandit") == "policy"
    assert who("bandit chose examples; model", "bandit") == "model"      # the model picked the option
    assert who("fixed chose backwards; random: the model picked 9, not on the list", "fixed:backwards") == "fallback"
