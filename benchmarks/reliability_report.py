"""Issue 7's table with larger randomized counts than the pytest suite:

    python benchmarks/reliability_report.py [--fault-runs 200] [--kills 30] [--fuzz 400] [--no-sandbox]

Fault runs: whole loop runs against tests/fault_server.py injecting seeded random faults
(tests/reliability_kit.py). Kills: `polya run` SIGKILLed at seeded points inside the run, then
`polya resume`, compared with the uninterrupted run. Fuzz: the targets of tests/test_fuzz.py with
hypothesis, tracebacks counted instead of stopping at the first. Budget truth is checked on every
fault run (tokens and cost never above the budget plus the largest single call). Hostile programs:
benchmarks/sandbox_report.py."""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def fault_runs(n: int) -> tuple[int, int, int, int, list[str], Counter]:
    from tests.reliability_kit import fault_run

    clean = lost = budget_bad = 0
    bad: list[str] = []
    statuses: Counter = Counter()

    async def go():
        nonlocal clean, lost, budget_bad
        with tempfile.TemporaryDirectory() as tmp:
            for seed in range(n):
                out = await fault_run(seed, Path(tmp) / f"{seed}.jsonl")
                statuses[out.status] += 1
                clean += out.clean
                lost += out.lost
                budget_bad += any("budget" in p for p in out.problems)
                if not out.clean:
                    bad.append(f"seed {seed}: {out.problems}")
    asyncio.run(go())
    return n, clean, lost, budget_bad, bad, statuses


def kills(n: int) -> tuple[int, int, int, int, list[str]]:
    from tests.fault_server import FaultServer
    from tests.reliability_kit import CannedResponder, cli_env, kill_and_resume, reference_run

    ok = finished = unreadable = 0
    bad: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = cli_env(Path(tmp))
        responder = CannedResponder(delay_s=0.05)
        with FaultServer(responder) as srv:
            ref, wall = reference_run(Path(tmp), srv.base_url, env)
            rng = random.Random(7)
            for k in range(n):
                out = kill_and_resume(Path(tmp), srv.base_url, responder, ref, rng.uniform(0.02, 1.0) * wall, env,
                                      name=f"k{k}")
                finished += out.finished_before_kill
                unreadable += not out.readable
                if out.problems:
                    bad.append(f"kill {k} at {out.killed_at:.2f}s: {out.problems}")
                elif not out.finished_before_kill:
                    ok += 1
    return n, ok, finished, unreadable, bad


def fuzz(n: int) -> tuple[int, int, list[str]]:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    import tests.test_fuzz as F

    cases = tracebacks = 0
    bad: list[str] = []
    cfg = settings(max_examples=n, deadline=None, suppress_health_check=list(HealthCheck), database=None)

    def record(outcome, what):
        nonlocal cases, tracebacks
        if outcome is None:
            return
        cases += 1
        if not outcome.clean():
            tracebacks += 1
            bad.append(f"{what!r}: {outcome.traceback or outcome.err[-300:]}")

    @cfg
    @given(F.problem_texts)
    def files(text):
        record(F.case_problem_file(text), text[:80])

    @cfg
    @given(st.sampled_from(F.SEED_PROBLEMS[:4]), F.answers, st.booleans())
    def answers(problem, answer, stdin):
        record(F.case_answer(problem, answer, stdin), answer[:80])

    @cfg
    @given(F.mutated_trace(), st.sampled_from(["replay", "json", "lanes", "view"]))
    def traces(text, command):
        record(F.case_trace(text, command), command)

    tmp = Path(tempfile.mkdtemp())
    problem = F._write(tmp, "p.yaml", __import__("yaml").safe_dump(F.SEED_PROBLEMS[0]))
    trace = F._write(tmp, "t.jsonl", "".join(F.valid_trace_lines()))

    @cfg
    @given(F.argv_lists())
    def argv(args):
        record(F.case_argv(args, problem, trace, tmp), args)

    for target in (files, answers, traces, argv):
        target()
    return cases, tracebacks, bad


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fault-runs", type=int, default=200)
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--fuzz", type=int, default=400, help="hypothesis examples per fuzz target (4 targets)")
    ap.add_argument("--no-sandbox", action="store_true")
    a = ap.parse_args()
    rows, notes = [], []
    if not a.no_sandbox:
        proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "sandbox_report.py")], capture_output=True,
                              text=True, cwd=ROOT)
        print(proc.stdout)
    n, clean, lost, budget_bad, bad, statuses = fault_runs(a.fault_runs)
    rows.append(("fault-injection runs / clean outcomes / records lost", f"{n} / {clean} / {lost}"))
    rows.append(("fault runs over budget by more than one call", f"{budget_bad}"))
    notes += bad
    print("fault-run statuses:", dict(statuses))
    k, ok, finished, unreadable, bad = kills(a.kills)
    rows.append(("kills / clean resumes (finished before the kill; unreadable)", f"{k} / {ok} ({finished}; {unreadable})"))
    notes += bad
    cases, tb, bad = fuzz(a.fuzz)
    rows.append(("fuzz cases / tracebacks or unclear exits", f"{cases} / {tb}"))
    notes += bad
    print("| measure | count |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")
    if notes:
        print("\nNot clean:")
        for line in notes[:50]:
            print(" -", line)


if __name__ == "__main__":
    main()
