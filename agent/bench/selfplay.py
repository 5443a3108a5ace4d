"""Self-play: traces to learn from, made by running a policy (by default `random`, ~0.1-0.5 s a
puzzle, no model call) on the problems of a suite. Run i plays problem i mod n with seed i // n,
so more runs than problems replay each problem with new seeds."""

from __future__ import annotations

import asyncio
from pathlib import Path

from agent.errors import InputError


async def aself_play(suites: list[str], runs: int, *, policy: str = "random", backend: str = "local",
                     budget: str = "steps=30", seed: int = 0, trace_dir: str | Path, on_run=None) -> list[str]:
    from agent.backends import make_backend
    from agent.loop.run import asolve, parse_budget
    from agent.problems import load_problems

    problems = [p for s in suites for p in load_problems(s) if p.kind == "countdown"]
    if not problems:
        raise InputError("self-play needs countdown problems; the suites hold none")
    if runs < 1:
        raise InputError("--runs must be at least 1")
    files = {p.id: s for s in suites for p in load_problems(s)}
    model = make_backend(backend)
    paths = []
    try:
        for i in range(runs):
            problem = problems[i % len(problems)]
            result = await asolve(problem, backend=model, policy=policy, budget=parse_budget(budget),
                                  seed=seed + i // len(problems), trace_dir=trace_dir, problem_file=files[problem.id])
            paths.append(result.trace_path)
            if on_run:
                on_run(i + 1, result)
    finally:
        await model.aclose()
    return paths


def self_play(suites: list[str], runs: int, **kwargs) -> list[str]:
    return asyncio.run(aself_play(suites, runs, **kwargs))
