"""The bench harness: planning, resumable results, bounded concurrency, summary, reports, CLI."""

from __future__ import annotations

import asyncio
import csv
import gzip
import importlib.util
import io
import json
import shutil

import pytest

from agent.bench.report import solve_curve, write_reports
from agent.bench.results import ResultRow, read_rows
from agent.bench.runner import BenchConfig, Task, plan_tasks, run_bench
from agent.bench.summary import purpose_family, summarize, to_csv, to_markdown, wilson
from agent.errors import InputError
from agent.problems.models import Budget, CountdownProblem
from tests.loop_helpers import FunctionBackend

D = [CountdownProblem(id=f"d{i}", rules="digits", numbers=[2, 3, 7, 20, 21, 25], target=269) for i in range(3)]
G = [CountdownProblem(id=f"g{i}", rules="game24", numbers=[1, 2, 3, 4], target=24) for i in range(2)]
SUITES = [("digits/dev", "problems/digits/dev.yaml", D), ("game24/dev", "problems/game24/dev.yaml", G)]


def answers(req):
    problem = req.messages[1].content
    if req.purpose == "baseline:direct":
        return "Answer: " + ("2*7*21-25" if "269" in problem else "1+2")
    return "r\nAnswer: " + ("(1+2+3)*4" if "24." in problem else "1")


def _script(name: str):
    """A script under benchmarks/, loaded as a module."""
    spec = importlib.util.spec_from_file_location(name, f"benchmarks/{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def config(tmp_path, **kw):
    base = dict(suites=[], policies=["direct", "cot"], backend="function:test", budget=Budget(tokens=1000),
                out=tmp_path / "out")
    return BenchConfig(**(base | kw))


def test_plan_is_problem_major_and_interleaves_suites():
    tasks = plan_tasks(SUITES, ["direct", "cot"], limit=2, seed=3)
    assert [(t.problem.id, t.policy) for t in tasks] == [
        ("d0", "direct"), ("d0", "cot"), ("g0", "direct"), ("g0", "cot"),
        ("d1", "direct"), ("d1", "cot"), ("g1", "direct"), ("g1", "cot")]
    assert all(t.seed == 3 for t in tasks)


async def test_rows_are_appended_and_resume_skips_finished_runs(tmp_path):
    cfg = config(tmp_path)
    tasks = plan_tasks(SUITES, cfg.policies, limit=None, seed=0)
    rows = await run_bench(cfg, tasks[:4], backend=FunctionBackend(answers))
    assert len(read_rows(cfg.results_path)) == 4
    assert {(r.problem_id, r.policy): r.solved for r in rows} == {
        ("d0", "direct"): True, ("d0", "cot"): False, ("g0", "direct"): False, ("g0", "cot"): True}
    assert all((tmp_path / "out" / "traces").glob("*.jsonl"))
    assert len(list((tmp_path / "out" / "traces").glob("*.jsonl"))) == 4      # one trace per run
    with pytest.raises(InputError, match="--resume"):
        await run_bench(cfg, tasks, backend=FunctionBackend(answers))
    backend = FunctionBackend(answers)
    cfg.resume = True
    rows = await run_bench(cfg, tasks, backend=backend)
    assert len(backend.requests) == len(tasks) - 4          # only the unfinished ones ran
    assert len(rows) == len(tasks) == len(read_rows(cfg.results_path))


async def test_resume_refuses_other_settings_and_tolerates_a_torn_line(tmp_path):
    cfg = config(tmp_path)
    tasks = plan_tasks(SUITES, cfg.policies, limit=1, seed=0)
    await run_bench(cfg, tasks[:1], backend=FunctionBackend(answers))
    with open(cfg.results_path, "a") as fh:
        fh.write('{"suite": "digits/dev", "probl')           # killed mid-write
    assert len(read_rows(cfg.results_path)) == 1
    other = config(tmp_path, budget=Budget(tokens=5), resume=True)
    with pytest.raises(InputError, match="budget"):
        await run_bench(other, tasks, backend=FunctionBackend(answers))
    cfg.resume = True
    await run_bench(cfg, tasks, backend=FunctionBackend(answers))
    assert len(read_rows(cfg.results_path)) == len(tasks)


async def test_a_run_that_raises_is_recorded_and_retried_on_resume(tmp_path):
    cfg = config(tmp_path, policies=["direct"])
    tasks = plan_tasks(SUITES, cfg.policies, limit=1, seed=0)

    async def broken(problem, **kw):
        raise RuntimeError("backend fell over")

    rows = await run_bench(cfg, tasks, backend=FunctionBackend(answers), solve=broken)
    assert [r.status for r in rows] == ["error", "error"] and "fell over" in rows[0].harness_error
    cfg.resume = True
    rows = await run_bench(cfg, tasks, backend=FunctionBackend(answers))
    assert sorted(r.status for r in rows) == ["solved", "unsolved"]


async def test_concurrency_is_bounded_and_used(tmp_path):
    state = {"now": 0, "max": 0}

    async def slow_solve(problem, **kw):
        state["now"] += 1
        state["max"] = max(state["max"], state["now"])
        await asyncio.sleep(0.01)
        state["now"] -= 1
        raise RuntimeError("not needed")

    tasks = [Task("s", "s.yaml", D[0].model_copy(update={"id": f"p{i}"}), "direct", 0) for i in range(10)]
    await run_bench(config(tmp_path, concurrency=3), tasks, backend=FunctionBackend(answers), solve=slow_solve)
    assert state["max"] == 3


def row(policy, solved, tokens, suite="digits/dev", pid="p"):
    return ResultRow(suite=suite, problem_id=pid, policy=policy, backend="b", seed=0, budget={"tokens": 1000},
                     status="solved" if solved else "budget", solved=solved, prompt_tokens=tokens - 10,
                     completion_tokens=10, llm_calls=2, wall_s=1.5)


def test_wilson_interval():
    lo, hi = wilson(0, 10)
    assert lo == 0 and hi == pytest.approx(0.2775, abs=1e-3)
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-3) and hi == pytest.approx(0.7634, abs=1e-3)


def test_summary_counts_tokens_per_solved_problem():
    rows = [row("cot", True, 100, pid="a"), row("cot", False, 300, pid="b"), row("direct", False, 50, pid="a")]
    cot, direct = summarize(rows)
    assert (cot.solved, cot.problems, cot.tokens_per_problem, cot.tokens_per_solved) == (1, 2, 200, 400)
    assert direct.tokens_per_solved is None and direct.statuses == {"budget": 1}
    md = to_markdown([cot, direct])
    assert "| all | cot | 2 | 1 | 50% [" in md and "| - |" in md
    parsed = list(csv.DictReader(io.StringIO(to_csv([cot]))))
    assert parsed[0]["tokens_per_solved"] == "400.0" and parsed[0]["solved_ids"] == "digits/dev:a"
    by_suite = summarize(rows + [row("cot", True, 10, suite="game24/dev")], by_suite=True)
    assert [(s.suite, s.policy) for s in by_suite][2:] == [("digits/dev", "cot"), ("digits/dev", "direct"),
                                                             ("game24/dev", "cot")]


def test_solve_curve_counts_solves_within_the_token_cap():
    rows = [row("cot", True, 100, pid="a"), row("cot", True, 300, pid="b"), row("cot", False, 50, pid="c"),
            row("cot", False, 20, pid="d")]
    assert solve_curve(rows, "cot", [0, 99, 100, 300, 1000]) == [0, 0, 0.25, 0.5, 0.5]


def test_purpose_families():
    assert purpose_family("baseline:sc:3") == "baseline:sc"
    assert purpose_family("baseline:tot:value:2") == "baseline:tot:value"
    assert purpose_family("move:examples:repair") == "move:examples"


def test_reports_are_written_and_self_contained(tmp_path):
    rows = [row("cot", True, 100, pid="a"), row("direct", False, 50, pid="a")]
    paths = write_reports(rows, tmp_path, title="t", calibration_md="| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = paths["html"].read_text()
    assert "<svg" in page and "<script" not in page and "<link" not in page and "<img src=\"http" not in page
    assert "Judge calibration" in page and "digits/dev:a" in page
    assert "| all | cot |" in paths["md"].read_text()
    assert paths["csv"].read_text().startswith("suite,group,policy")
    assert "Per group and policy" not in paths["md"].read_text()   # no groups, no split table


def test_cli_bench_end_to_end_with_a_scripted_backend(tmp_path, capsys):
    from agent.cli import main

    suite = tmp_path / "mini.yaml"
    suite.write_text("suite: mini\nproblems:\n  - {id: m1, kind: countdown, rules: game24, numbers: [1, 2, 3, 4], target: 24}\n")
    script = tmp_path / "answers.json"
    script.write_text(json.dumps(["Answer: 1*2*3*4", "r\\nAnswer: 4+3"]))
    out = tmp_path / "out"
    code = main(["bench", str(suite), "--policies", "direct,cot", "--backend", f"scripted:{script}",
                 "--budget", "tokens=500", "--out", str(out), "--no-progress", "--calibration"])
    assert code == 0
    text = capsys.readouterr().out
    assert "| all | direct | 1 | 1 |" in text and "| all | cot | 1 | 0 |" in text
    assert {p.name for p in out.iterdir()} >= {"results.jsonl", "summary.md", "summary.csv", "plot.png", "report.html"}
    summary = (out / "summary.md").read_text()
    assert "| direct | 1 | 1 | 1 | 1 | - |" in summary                       # answered, accepted
    assert "| cot | 1 | 1 | 1 | 0 | 4+3 — the expression equals 7" in summary   # answered, rejected
    assert main(["bench", "--out", str(out), "--report-only"]) == 0
    assert main(["bench", "--out", str(out), "--report-only", "--complete-only"]) == 0
    assert "1 of 1 problems have a finished run of every policy" in capsys.readouterr().err
    moved = tmp_path / "docs" / "copy"   # a bench directory copied elsewhere still reads its traces
    shutil.copytree(out, moved)
    shutil.rmtree(out)
    assert main(["bench", "--out", str(moved), "--report-only"]) == 0
    assert "| cot | 1 | 1 | 1 | 0 | 4+3" in (moved / "summary.md").read_text()
    before = (moved / "summary.md").read_text()
    assert _script("compress_traces").main([str(moved)]) == 0     # traces gzipped in place, rows left as they are
    assert [p.name.endswith(".jsonl.gz") for p in (moved / "traces").iterdir()] == [True, True]
    assert main(["bench", "--out", str(moved), "--report-only"]) == 0
    assert (moved / "summary.md").read_text() == before
    assert main(["bench", str(suite), "--policies", "nope"]) == 2
    assert main(["bench", "--out", str(tmp_path / "empty"), "--report-only"]) == 2


def test_complete_only_keeps_the_problems_every_policy_finished():
    from agent.bench.results import complete_problems

    broken = row("cot", False, 10, pid="c")
    broken.harness_error = "BackendTimeout: no reply"
    rows = [row("cot", True, 100, pid="a"), row("direct", False, 50, pid="a"),
            row("cot", False, 30, pid="b"), broken, row("direct", False, 20, pid="c")]
    kept = complete_problems(rows)
    assert {(r.problem_id, r.policy) for r in kept} == {("a", "cot"), ("a", "direct")}


def test_problem_groups_split_claims_and_sequences():
    from agent.bench.groups import problem_group
    from agent.problems import load_problems
    from agent.problems.models import SequenceProblem

    hunts = {p.id: p for p in load_problems("problems/conjectures/hunt.yaml")}
    assert problem_group(hunts["ce-euler-41"]) == "false claim"         # answer 40
    assert problem_group(hunts["ce-goldbach"]) == "true claim"          # answer none
    squares = SequenceProblem(id="sq", terms=[n * n for n in range(1, 21)], hidden=[441, 484])
    primes = SequenceProblem(id="pr", terms=[2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37], hidden=[41])
    assert problem_group(squares) == "sympy fit" and problem_group(primes) == "no sympy fit"
    assert problem_group(primes.model_copy(update={"tags": ["oeis", "group:primes"]})) == "primes"
    assert problem_group(D[0]) == ""


def test_group_table_in_the_report(tmp_path):
    from agent.bench.summary import summarize_groups

    rows = [row("llm", True, 100, pid="a"), row("llm", False, 100, pid="b"), row("pot", True, 10, pid="a"),
            row("pot", True, 10, pid="b"), row("llm", True, 5, suite="x/y", pid="c")]
    for r, group in zip(rows, ["false claim", "true claim", "false claim", "true claim", ""], strict=True):
        r.group = group
    split = summarize_groups(rows)
    assert [(s.group, s.policy, s.solved, s.problems) for s in split] == [
        ("false claim", "llm", 1, 1), ("false claim", "pot", 1, 1), ("true claim", "llm", 0, 1), ("true claim", "pot", 1, 1)]
    md = write_reports(rows, tmp_path)["md"].read_text()
    assert "## Per group and policy" in md and "| digits/dev: true claim | llm | 1 | 0 |" in md


def test_report_only_fills_groups_from_the_suites_and_keeps_the_chosen_policies(tmp_path, capsys):
    from agent.cli import main

    out = tmp_path / "old"
    out.mkdir()
    old = [row(p, ok, 100, suite="conjectures/hunt", pid=pid) for p, ok, pid in
           [("llm", True, "ce-euler-41"), ("pot", False, "ce-euler-41"), ("llm", True, "ce-goldbach"),
            ("pot", True, "ce-goldbach"), ("cot", False, "ce-euler-41")]]
    (out / "results.jsonl").write_text("".join(r.model_dump_json(exclude={"group"}) + "\n" for r in old))
    assert main(["bench", "problems/conjectures/hunt.yaml", "--out", str(out), "--report-only",
                 "--complete-only", "--policies", "llm,pot"]) == 0
    printed = capsys.readouterr().out
    assert "| conjectures/hunt: false claim | llm | 1 | 1 |" in printed
    assert "| conjectures/hunt: true claim | pot | 1 | 1 |" in printed
    assert "cot" not in printed                                    # left out by --policies, and complete-only kept both problems
    assert main(["bench", "--out", str(out), "--report-only", "--policies", "bandit"]) == 2


def test_collect_rows_pools_sources_and_brings_their_traces(tmp_path):
    mod = _script("collect_rows")
    a, b, out = tmp_path / "a", tmp_path / "b", tmp_path / "docs" / "t"
    for d, rows in ((a, [row("cot", False, 10, pid="p"), row("pot", True, 10, pid="p")]), (b, [row("cot", True, 20, pid="p")])):
        (d / "traces").mkdir(parents=True)
        for r in rows:
            r.trace_path = str(d / "elsewhere" / f"{d.name}-{r.policy}.jsonl")   # moved: found in d/traces
            (d / "traces" / f"{d.name}-{r.policy}.jsonl").write_text("{}\n")
        (d / "results.jsonl").write_text("".join(r.model_dump_json() + "\n" for r in rows))
    assert mod.collect(out, mod.parse([str(out), str(a), "--policies", "cot,pot", str(b)])[1]) == 2
    kept = {r.policy: r for r in read_rows(out / "results.jsonl")}
    assert kept["cot"].solved and kept["cot"].trace_path == str(out / "traces" / "b-cot.jsonl.gz")   # the later source wins
    assert sorted(p.name for p in (out / "traces").iterdir()) == ["a-pot.jsonl.gz", "b-cot.jsonl.gz"]   # gzipped
    assert gzip.decompress((out / "traces" / "a-pot.jsonl.gz").read_bytes()) == b"{}\n"
    assert mod.collect(out, [(out, None, None)]) == 2          # collecting a directory into itself keeps its traces
    assert sorted(p.name for p in (out / "traces").iterdir()) == ["a-pot.jsonl.gz", "b-cot.jsonl.gz"]
    other = row("cot", True, 5, pid="q")
    other.budget = {"tokens": 99}
    (b / "results.jsonl").write_text(other.model_dump_json() + "\n")
    with pytest.raises(SystemExit, match="more than one backend/budget"):
        mod.collect(out, [(a, None, None), (b, None, None)])
