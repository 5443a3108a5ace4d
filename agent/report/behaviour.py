"""Behaviour analytics from traces: what the loop did, not only whether it solved.

Per run and per policy: which moves were chosen, who decided each controller choice (the model,
a hard rule, the RNG, or a fallback after a failed model call), attacks opened and abandoned,
steps per attack, what the judge's verdicts were and which hard signal decided them, and which
moves made the findings the final answer came from. Given a family measure of which steps paid
(agent/experience/paid.py, passed in by the CLI), also how often the steps each of them chose paid.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
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
    decided_by: Counter = Field(default_factory=Counter)     # who(): model | rule | random | learned | ...
    attacks_opened: int = 0
    attacks_abandoned: int = 0
    verdicts: Counter = Field(default_factory=Counter)       # decision -> count
    signals: Counter = Field(default_factory=Counter)        # override (hard signal) -> count
    answer_from: list[str] = Field(default_factory=list)     # moves of the steps that made the final answer
    decisions: list[tuple[int, str]] = Field(default_factory=list)   # (step it chose, who decided)


# The budget's forced answer attempts (agent/loop/budget.py): no one chose them.
BUDGET = re.compile(r"^(last step of the budget|the \d+ tokens left are kept for an answer|\$?[\d.]+ (tokens )?left, a step costs)")

# bandit and fixed on a countdown board (agent/loop/policies.py, choose_step): "bandit chose examples; model"
STEP_PICK = re.compile(r"^\S+ chose \S+; (.+)$", re.S)


def who(reason: str, policy: str = "") -> str:
    """Who made a controller choice, from its recorded reason and the policy that recorded it: the
    model, a hard rule, the RNG, the learned values, a fallback (a failed or refused model choice),
    the budget (a forced answer attempt), or the policy's own rule (bandit, fixed)."""
    if reason.startswith("rule:"):
        return "rule"
    if BUDGET.match(reason):
        return "budget"
    if reason.startswith("random: the model") or "fallback" in reason or "bandit chose instead" in reason:
        return "fallback"
    picked = STEP_PICK.match(reason)
    if picked:    # a countdown step: the policy chose the move, then someone the option
        return who(picked.group(1))
    if reason.startswith(("model", "reflect:")):
        return "model"
    if reason.startswith("random") or reason == "uniform random move":
        return "random"
    if reason.startswith("learned"):
        return "learned"     # the learned policy's pick by learned value (agent/loop/learned.py)
    if policy.split(":")[0] == "llm":
        return "model"       # the llm policy records the model's own reason for its choice
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
            decider = who(e.reason, e.policy)
            b.decided_by[decider] += 1
            b.decisions.append((e.step + 1, decider))    # a choice made after step s is step s + 1's
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


PaidSteps = Callable[[Path], "dict[int, bool] | None"]


def behaviour_markdown(paths: list[str | Path], paid: PaidSteps | None = None) -> str:
    """The behaviour table per policy; with `paid` (step -> whether it paid, per trace), a second
    table: who decided the choices and how often the step chosen paid."""
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
    out = "\n".join(lines) + "\n"
    return out + paid_markdown(runs, paid) if paid is not None else out


def paid_markdown(runs: list[RunBehaviour], paid: PaidSteps) -> str:
    """Per policy and decider: the choices, and how many of the steps chosen paid by the family's
    measure (a choice whose step the measure does not read, e.g. a countdown step that made no
    node, is counted among the choices only)."""
    counts: Counter = Counter()
    for run in runs:
        labels = paid(Path(run.trace)) or {}
        for step, decider in run.decisions:
            counts[(run.policy, decider, "choices")] += 1
            if step in labels:
                counts[(run.policy, decider, "measured")] += 1
                counts[(run.policy, decider, "paid")] += labels[step]
    lines = ["", "| policy | decided by | choices | steps measured | paid | paid share |", "|---|---|---|---|---|---|"]
    for policy, decider in dict.fromkeys((p, d) for p, d, _ in counts):
        measured, paid_n = counts[(policy, decider, "measured")], counts[(policy, decider, "paid")]
        share = f"{paid_n / measured:.0%}" if measured else "-"
        lines.append(f"| {policy} | {decider} | {counts[(policy, decider, 'choices')]} | {measured} | {paid_n} | {share} |")
    return "\n".join(lines) + "\n"
