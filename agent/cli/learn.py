"""`polya learn SOURCES... -o FILE`: learn an experience file from countdown traces and loop traces
of answer, hunt and sequence problems (files, folders, bench folders), optionally after self-play (`--self-play SUITE
--runs N`), and print what the learned models rely on (docs/experience.md)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from agent.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("learn", help="learn an experience file (values of steps and nodes) from traces",
                       description="Learn, per rule set, the value of each listed step and of each node from "
                                   "countdown traces, and from graded loop traces of answer problems the chance that "
                                   "the leading answer is right and the value of each method, and from loop traces of hunts and "
                                   "sequences the chance that each move pays; save it as a readable "
                                   "JSON experience file, and say what it relies on.")
    p.add_argument("sources", nargs="*", help="trace files, folders of traces, or bench output folders")
    p.add_argument("-o", "--out", required=True, help="experience file to write (JSON)")
    p.add_argument("--self-play", action="append", metavar="SUITE", default=[],
                   help="first play the problems of this suite (repeatable) and learn from those traces too")
    p.add_argument("--runs", type=int, default=0, help="self-play runs in all (default: one per problem)")
    p.add_argument("--policy", default="random", help="the policy that plays (default: %(default)s)")
    p.add_argument("--backend", default="local", help="backend for self-play (random and learned never call it)")
    p.add_argument("--budget", default="steps=30", help="per-run budget for self-play (default: %(default)s)")
    p.add_argument("--traces-out", help="folder for the self-play traces (default: next to the output file)")
    p.add_argument("--labels", choices=("solver", "runs"), default="solver",
                   help="solver: the exhaustive solver says which nodes can still be made (training traces "
                        "only); runs: on the path of a verified answer (default: %(default)s)")
    p.add_argument("--problems", action="append", metavar="SUITE", default=[],
                   help="learn only from traces of this suite's problems (repeatable; either form of a claim "
                        "counts): the learning part, e.g. problems/experience/learn-gsm8k.yaml")
    p.add_argument("--merge", metavar="FILE",
                   help="keep the models of the families the sources have no trace of from this experience file")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from agent.experience.learn import explain, learn
    from agent.experience.model import load_experience
    from agent.problems import load_problems

    if not args.sources and not args.self_play:
        raise InputError("give trace files or folders to learn from, or --self-play SUITE")
    out = Path(args.out)
    if out.suffix != ".json":
        raise InputError("the experience file is JSON: give -o FILE.json")
    sources = list(args.sources)
    start = time.perf_counter()
    if args.self_play:
        sources.append(_self_play(args, out))
    played = time.perf_counter() - start
    only = {p.id for suite in args.problems for p in load_problems(suite)} if args.problems else None
    merge = load_experience(args.merge) if args.merge else None
    exp = learn(sources, labels=args.labels, seed=args.seed, policies=[args.policy] if args.self_play else [],
                only=only, merge=merge)
    out.parent.mkdir(parents=True, exist_ok=True)
    exp.save(out)
    learned = time.perf_counter() - start - played
    print("\n".join(explain(exp)))
    print(f"wrote {out} ({out.stat().st_size:,} bytes); self-play {played:.1f} s, learning {learned:.1f} s")
    return 0


def _self_play(args: argparse.Namespace, out: Path) -> str:
    import sys

    from agent.bench.selfplay import self_play
    from agent.problems import load_problems

    runs = args.runs or sum(len(load_problems(s)) for s in args.self_play)
    trace_dir = Path(args.traces_out or out.with_suffix("")).with_name(out.stem + "-traces") \
        if not args.traces_out else Path(args.traces_out)
    solved = {"n": 0}

    def tick(i, result):
        solved["n"] += result.status == "solved"
        if i % 50 == 0 or i == runs:
            print(f"self-play: {i}/{runs} runs, {solved['n']} solved", file=sys.stderr, flush=True)

    self_play(args.self_play, runs, policy=args.policy, backend=args.backend, budget=args.budget,
              seed=args.seed, trace_dir=trace_dir, on_run=tick)
    return str(trace_dir)
