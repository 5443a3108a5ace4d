"""`polya run PROBLEM_FILE`: solve one problem with a live view; exit 0 solved, 1 not, 2 bad input."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from agent.loop.run import RunResult

EXIT_SOLVED, EXIT_UNSOLVED = 0, 1


def register(sub: argparse._SubParsersAction) -> None:
    from agent.cli import ListFormatter
    from agent.policyspec import help_text

    p = sub.add_parser("run", help="solve one problem with the metacognitive loop (or a baseline)",
                       description="Solve one problem. Exit 0 when solved and verified, 1 when not, 2 for bad input.",
                       epilog=help_text(), formatter_class=ListFormatter)
    p.add_argument("problem", help="problem file (YAML); a suite file needs --id")
    p.add_argument("--id", help="problem id within a suite file")
    p.add_argument("--backend", default="local", help="backend spec: local, local:small, openai:MODEL[@URL], ...")
    p.add_argument("--policy", default="llm", help="a policy from the list below (default: %(default)s)")
    p.add_argument("--experience", help="experience file for --policy learned (default: the one shipped)")
    p.add_argument("--budget", help="e.g. steps=12,tokens=20000,cost=0.5,wall=300 (on top of the problem's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--trace", help="trace file to write (default: traces/runs/<time>-<problem>-<run>.jsonl under the "
                                   "current directory, not the checkout)")
    p.add_argument("--quiet", action="store_true", help="no live view, only the summary")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", dest="settings",
                   help="a backend setting, e.g. --set dialect=json_object or --set timeout=60 (repeatable; no API keys)")
    p.set_defaults(func=main)


def print_summary(console: Console, result: RunResult) -> None:
    u = result.used
    verdict = "verified" if result.verified else "unverified"
    console.print(f"status   {result.status}" + (f"  ({result.reason})" if result.reason else ""), markup=False)
    if result.answer:
        console.print(f"answer   {result.answer}  [{verdict}]", markup=False)
    console.print(f"steps    {result.steps} moves, {result.attacks} attack(s), {u.llm_calls} LLM calls", markup=False)
    console.print(f"tokens   {u.prompt_tokens} prompt ({u.cached_tokens} cached) + {u.completion_tokens} completion"
                  + (f" + {u.reasoning_tokens} reasoning" if u.reasoning_tokens else ""), markup=False)
    console.print(f"cost     ${u.cost_usd:.4f}   time {u.wall_s:.1f}s", markup=False)
    # where it went, wherever the current directory is; never wrapped, so it can be copied
    console.print(f"trace    {Path(result.trace_path).resolve()}", markup=False, soft_wrap=True)


def main(args: argparse.Namespace) -> int:
    # imported here: langgraph takes seconds to import and other commands should not pay for it
    from agent.backends.config import parse_settings
    from agent.cli.live import LiveView
    from agent.loop.run import asolve, parse_budget
    from agent.policyspec import parse_policy
    from agent.problems import load_problem

    backend_settings = parse_settings(args.settings)
    parse_policy(args.policy)   # a bad policy is bad input before anything is loaded or written
    problem = load_problem(args.problem, id=args.id)
    budget = parse_budget(args.budget, problem.budget)
    from agent.experience.guard import refuse_seen, with_experience

    args.policy = with_experience(args.policy, args.experience)
    refuse_seen([args.policy], [problem.id])
    console = Console(stderr=False)
    view = None if args.quiet else LiveView(console, budget, f"polya run {problem.id}")

    async def go() -> RunResult:
        return await asolve(problem, backend=args.backend, policy=args.policy, budget=budget, seed=args.seed,
                            trace=args.trace, on_event=view, problem_file=args.problem,
                            backend_settings=backend_settings)

    if view:
        with view:
            result = asyncio.run(go())
    else:
        result = asyncio.run(go())
    print_summary(console, result)
    return EXIT_SOLVED if result.solved and result.verified else EXIT_UNSOLVED
