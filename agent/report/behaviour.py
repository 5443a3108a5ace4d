"""Behaviour analytics from traces: what the loop did, not only whether it solved.

Per run and per policy: which moves were chosen, who decided each controller choice (the model,
a hard rule, the RNG, or a fallback after a failed model call), attacks opened and abandoned,
steps per attack, what the judge's verdicts were and which hard signal decided them, and which
moves made the findings the final answer came from.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field

from agent.errors import InputError
from agent.trace.files import find_traces


class RunBehaviour(BaseModel):
    trace: str
    problem_id: str
    policy: str
    status: str
    steps: int = 0
    moves: Counter = Field(default_factory=Counter)
    decided_by: Counter = Field(default_factory=Counter)     # model | rule | random | learned | fallback | policy
    attacks_opened: int = 0
    attacks_abandoned: int = 0
    verdicts: Counter = Field(default_factory=Counter)       # decision -> count
    signals: Counter = Field(default_factory=Counter)        # override (hard signal) -> count
    answer_from: list[str] = Field(default_factory=list)     # moves of the steps that made the final answer


def who(reason: str) -> str:
    """Who made a controller choice, from its recorded reason."""
    if reason.startswith("rule:"):
        return "rule"
    if reason.startswith("model"):
        return "model"
    if reason.startswith("random: the model") or "fallback" in reason:
        return "fallback"
    if reason.startswith("random"):
        return "random"
    if reason.startswith("learned"):
        return "learned"     # the learned policy's pick by learned value (agent/loop/learned.py)
    return "policy"


def run_behaviour(path: str | Path) -> RunBehaviour | None:
    """None for a trace of a baseline (no moves) or one that cannot be read."""
    from agent.trace.reader import iter_events

    b: RunBehaviour | None = None
    step_move: dict[int, str] = {}
    for e in iter_events(path):
        kind = e.type
        if kind == "run_start":
            b = RunBehaviour(trace=str(path), problem_id=e.problem.get("id", ""), policy=e.policy, status="running")
        elif b is None:
            continue
        elif kind == "move_start" and e.move != "understand":
            b.moves[e.move] += 1
            step_move[e.step] = e.move
        elif kind == "controller":
            b.decided_by[who(e.reason)] += 1
        elif kind == "attack_open":
            b.attacks_opened += 1
        elif kind == "attack_close" and e.status == "abandoned":
            b.attacks_abandoned += 1
        elif kind == "verdict":
            b.verdicts[e.decision] += 1
            for o in e.overrides:
                b.signals[o] += 1
        elif kind == "verification" and e.ok:
            b.answer_from = [step_move.get(e.step, "?")]
        elif kind == "run_end":
            b.status, b.steps = e.status, e.used.steps
    if b is None or not (b.moves or b.decided_by):
        return None
    return b


def top(counts: Counter, k: int = 4) -> str:
    return ", ".join(f"{n} {v}" for n, v in counts.most_common(k)) or "-"


def behaviour_markdown(paths: list[str | Path]) -> str:
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(find_traces(p) if p.is_dir() else [p])
    runs = []
    for f in files:
        try:
            found = run_behaviour(f)
        except InputError:     # not a trace (a bench's results.jsonl, say): skip it
            continue
        if found is not None:
            runs.append(found)
    if not runs:
        return "No loop runs in these traces (baselines have no moves).\n"
    lines = ["| policy | runs | steps | choices by model / rule / random / fallback | moves | attacks opened "
             "(abandoned) | steps per attack | verdicts | hard signals | solving step's move |",
             "|" + "---|" * 10]
    for policy in dict.fromkeys(r.policy for r in runs):
        mine = [r for r in runs if r.policy == policy]
        def total(attr: str, runs_of_policy=mine) -> Counter:
            return sum((getattr(r, attr) for r in runs_of_policy), Counter())

        by = total("decided_by")
        steps = sum(r.steps for r in mine)
        opened = sum(r.attacks_opened for r in mine)
        solved_by = Counter(m for r in mine for m in r.answer_from)
        # the learned policy's own picks, after the four (the header stays as committed summaries have it)
        learned = f" (+{by['learned']} learned)" if by["learned"] else ""
        lines.append(f"| {policy} | {len(mine)} | {steps} | {by['model']} / {by['rule']} / {by['random']} / "
                     f"{by['fallback']}{learned} | {top(total('moves'))} | {opened} ({sum(r.attacks_abandoned for r in mine)}) | "
                     f"{steps / opened:.1f} | {top(total('verdicts'))} | {top(total('signals'))} | {top(solved_by)} |"
                     if opened else
                     f"| {policy} | {len(mine)} | {steps} | - | {top(total('moves'))} | 0 | - | - | - | - |")
    return "\n".join(lines) + "\n"
