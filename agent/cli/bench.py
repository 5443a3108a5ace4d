"""`polya bench SUITE...`: every policy on every problem under one backend and one per-problem
budget; results appended to OUT/results.jsonl as runs finish (resumable), then the summary table
(Markdown, CSV), the plot (PNG, and inline in an HTML report) and, for countdown problems, the
judge's calibration."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from agent.errors import InputError

DEFAULT_POLICIES = "direct,cot,self-consistency:5,tot,llm,bandit"


def register(sub: argparse._SubParsersAction) -> None:
    from agent.cli import ListFormatter
    from agent.policyspec import help_text

    p = sub.add_parser("bench", help="compare policies (the loop and the baselines) on problem suites",
                       description="Run every policy on every problem of the suites under one backend and one "
                                   "per-problem budget, then write summary.md/.csv, plot.png and report.html.",
                       epilog=help_text(), formatter_class=ListFormatter)
    p.add_argument("suites", nargs="*", help="suite files (YAML), e.g. problems/digits/dev.yaml")
    p.add_argument("--policies", default=None,
                   help="comma-separated policies from the list below; a piece that is not a policy name "
                        "continues the options of the one before (tot:b=2,values=1) (default: "
                        f"{DEFAULT_POLICIES}); with --report-only, report only these")
    p.add_argument("--backend", default="local", help="backend spec: local, local:small, openai:MODEL[@URL], ...")
    p.add_argument("--budget", default="tokens=4000",
                   help="per-problem budget on top of steps=12: steps=N,tokens=N,cost=USD,wall=S (default: %(default)s)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", dest="settings",
                   help="a backend setting, e.g. --set dialect=json_object or --set timeout=60 (repeatable; no API keys)")
    p.add_argument("--limit", type=int, help="at most N problems from each suite (the first N)")
    p.add_argument("--experience", help="experience file for the learned policy (default: the one shipped)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--concurrency", type=int, default=1, help="runs in flight at once (default 1)")
    p.add_argument("--executor", default="local",
                   help="where runs execute: local (this process), ray (a local Ray cluster started for the bench), "
                        "ray:auto (the running cluster) or ray:HOST:PORT; see docs/bench.md (default: %(default)s)")
    p.add_argument("--workers", type=int, help="Ray workers (default: one per CPU of the cluster)")
    p.add_argument("--out", default="bench-results/run", help="output directory (default: %(default)s)")
    p.add_argument("--resume", action="store_true", help="continue OUT/results.jsonl, skipping finished runs")
    p.add_argument("--calibration", action="store_true",
                   help="also report the judge's calibration (countdown problems, loop policies)")
    p.add_argument("--report-only", action="store_true", help="only rebuild the reports from OUT/results.jsonl")
    p.add_argument("--complete-only", action="store_true",
                   help="report only the problems every policy finished (a stopped bench, compared fairly)")
    p.add_argument("--title", default="polya bench")
    p.add_argument("--no-progress", action="store_true", help="one line per finished run instead of a bar")
    p.set_defaults(func=main)


def _policies(text: str) -> list[str]:
    """Every policy checked before anything runs or is written: a bad one is bad input (exit 2)."""
    from agent.policyspec import parse_policy_list

    return [str(spec) for spec in parse_policy_list(text)]


def main(args: argparse.Namespace) -> int:
    from rich.console import Console

    from agent.bench.report import write_reports
    from agent.bench.results import latest_rows, read_rows
    from agent.bench.runner import BenchConfig, load_suites, plan_tasks
    from agent.loop.run import DEFAULT_BUDGET, parse_budget
    from agent.problems.models import Budget

    out = Path(args.out)
    console = Console(stderr=True)
    if args.report_only:
        rows = latest_rows(read_rows(out / "results.jsonl"))
        if args.policies:
            chosen = _policies(args.policies)
            rows = [r for r in rows if r.policy in chosen]
        if not rows:
            raise InputError(f"no results in {out / 'results.jsonl'}" + (f" for {args.policies}" if args.policies else ""))
        if args.suites:
            _fill_groups(rows, load_suites(args.suites))
    else:
        if not args.suites:
            raise InputError("give at least one suite file, e.g. problems/digits/dev.yaml")
        if args.concurrency < 1:
            raise InputError("--concurrency must be at least 1")
        if args.limit is not None and args.limit < 1:
            raise InputError("--limit must be at least 1")
        from agent.backends.config import parse_settings
        from agent.bench.ray_executor import check_executor

        check_executor(args.executor, args.workers)

        budget = parse_budget(args.budget, Budget(steps=DEFAULT_BUDGET.steps))
        if args.experience:
            from agent.experience.guard import with_experience

            args.policies = ",".join(with_experience(p, args.experience) if p == "learned" else p
                                     for p in _policies(args.policies or DEFAULT_POLICIES))
        config = BenchConfig(suites=args.suites, policies=_policies(args.policies or DEFAULT_POLICIES), backend=args.backend,
                             budget=budget, limit=args.limit, seed=args.seed, concurrency=args.concurrency,
                             out=out, resume=args.resume, backend_settings=parse_settings(args.settings),
                             executor=args.executor, workers=args.workers)
        tasks = plan_tasks(load_suites(args.suites), config.policies, limit=args.limit, seed=args.seed)
        from agent.experience.guard import refuse_seen

        refuse_seen(config.policies, [t.problem.id for t in tasks])
        if config.executor == "local":   # a dead backend is bad input before OUT is made (Ray: checked on workers)
            asyncio.run(_check_backend(config))
        rows = _run(config, tasks, console, progress=not args.no_progress and console.is_terminal)
    if args.complete_only:
        from agent.bench.results import complete_problems

        total = len({(r.suite, r.problem_id) for r in rows})
        rows = complete_problems(rows)
        if not rows:
            raise InputError("no problem has a finished run of every policy yet")
        print(f"{len({(r.suite, r.problem_id) for r in rows})} of {total} problems have a finished run "
              "of every policy; reporting those", file=sys.stderr)
    calibration_md = None
    if args.calibration:
        from agent.bench.calibration import calibrate_traces, calibration_markdown

        calibration_md = calibration_markdown(calibrate_traces([r.trace_path for r in rows if r.trace_path]))
    paths = write_reports(rows, out, title=args.title, calibration_md=calibration_md)
    from agent.bench.summary import summarize, summarize_groups, to_markdown

    print(to_markdown(summarize(rows)))
    if any(r.group for r in rows):
        print(to_markdown(summarize_groups(rows)))
    if calibration_md:
        print(calibration_md)
    print("wrote " + ", ".join(str(p.resolve()) for p in paths.values()))
    return 0


def _fill_groups(rows, suites) -> None:
    """Rows written before groups existed get them from the suites given with --report-only."""
    from agent.bench.groups import problem_group

    problems = {(label, p.id): p for label, _, ps in suites for p in ps}
    for row in rows:
        if not row.group and (row.suite, row.problem_id) in problems:
            row.group = problem_group(problems[(row.suite, row.problem_id)])


async def _check_backend(config) -> None:
    from agent.backends import open_backend

    backend = await open_backend(config.backend, **config.backend_settings)
    await backend.aclose()


def _run(config, tasks, console, *, progress: bool):
    from agent.bench.runner import run_bench

    solved = {"n": 0}
    if not progress:
        def line(row, i, total):
            solved["n"] += row.solved
            what = row.harness_error or (f"{row.status}" + (f" {row.answer!r}" if row.solved else ""))
            print(f"[{i}/{total}] {row.suite} {row.problem_id} {row.policy}: {what} "
                  f"({row.tokens} tokens, {row.llm_calls} calls, {row.wall_s:.1f}s)", file=sys.stderr, flush=True)

        return asyncio.run(run_bench(config, tasks, on_row=line))
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        job = bar.add_task("bench", total=None)

        def tick(row, i, total):
            solved["n"] += row.solved
            bar.update(job, total=total, completed=i,
                       description=f"bench: {solved['n']} solved, last {row.problem_id} {row.policy} {row.status}")

        return asyncio.run(run_bench(config, tasks, on_row=tick))
