"""Judge calibration for countdown-family problems, computed from traces after the fact.

For every verdict the loop's judge gave, was the attack it judged still *viable*?

The attack's state. A line of attack on a countdown puzzle commits to sub-results: "2*7 = 14",
"14*21 = 294". We read every arithmetic sub-expression in the findings of the attack's own moves
up to that verdict (facts, examples, conjectures, counterexamples, candidates; the shared
`understand` step belongs to no attack), evaluate it exactly under the rule set (the model's
claimed values are ignored), and play it on the boards the attack has reached so far, starting
from the given numbers: "2*7" turns {2,3,7,20,21,25} into {3,14,20,21,25}, and "14*21" then
applies to that board. A sub-expression that uses a number not on a board, or breaks the rules,
makes no board. The attack's state is the set of boards it reached other than the starting one.

- An attack with no such board is *uncommitted*: its state is the whole puzzle, viable whenever
  the puzzle is solvable. Reported apart, never counted as viable or dead.
- A committed attack is *viable* if at least one of its boards can still reach the target
  (`agent.verify.countdown.reachable`, exhaustive), else *dead*. "At least one" is generous to the
  attack: combining two disjoint sub-results never reaches more than keeping either alone.

Runs on the countdown workspace need no reading of prose: every verdict names the node the attack
stands on ("N3: make 14 from [2, 3, 7, 20], then ..."), and the node is viable if its goal can be
made from its free numbers (exhaustive, after the run). The board as given is uncommitted.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agent.trace.files import find_traces

MAX_BOARDS = 400           # per attack; far above what a run's findings produce
_RUN = re.compile(r"[\d(][\d \t.+\-*/()]*")
_HAS_OP = re.compile(r"\d\s*\)*\s*[-+*/]\s*\(*\s*\d")


class VerdictCheck(BaseModel):
    trace: str
    policy: str
    problem_id: str
    attack_id: str
    step: int
    decision: str
    model_decision: str | None = None
    overrides: list[str] = Field(default_factory=list)
    committed: bool
    viable: bool | None = None           # None when uncommitted
    boards: int = 0
    progress: float | None = None        # the judge's progress at this verdict


_NODE = re.compile(r"^N(\d+): make (\S+) from \[([^\]]*)\]")


def node_viability(evidence: list[str], rules: Any) -> tuple[bool, bool | None] | None:
    """(committed, viable) from a workspace verdict's evidence, or None for a notebook verdict."""
    from fractions import Fraction

    from agent.verify.countdown import reachable

    m = _NODE.match(evidence[0]) if evidence else None
    if m is None:
        return None
    if m.group(1) == "1":
        return False, None
    goal = Fraction(m.group(2))
    items = [Fraction(x) for x in m.group(3).split(",") if x.strip()]
    if not items:
        return True, False
    return True, reachable(items, goal, rules)


def expressions(text: str) -> list[Any]:
    """Parsed arithmetic sub-expressions (with at least one operator) written in `text`."""
    from agent.verify.countdown.parse import ParseError, normalize_text, parse_expression

    out = []
    for line in normalize_text(text).splitlines():
        for part in line.split("="):
            for m in _RUN.finditer(part):
                seg = m.group(0).strip().rstrip("+-*/ ")
                if not _HAS_OP.search(seg):
                    continue
                try:
                    out.append(parse_expression(seg))
                except ParseError:
                    continue
    return out


class AttackState:
    """Boards an attack has reached from the given numbers by playing its sub-expressions."""

    def __init__(self, numbers: list[int], rules: Any):
        self.rules = rules
        self.root = tuple(sorted(numbers))
        self.boards: set[tuple] = set()

    def add_text(self, text: str) -> None:
        from agent.verify.countdown.check import RuleBreak, evaluate
        from agent.verify.countdown.parse import leaves

        for node in expressions(text):
            used = Counter(leaf.value for leaf in leaves(node))
            try:
                value = evaluate(node, self.rules, [])
            except (RuleBreak, ZeroDivisionError):
                continue
            for board in [self.root, *self.boards]:
                have = Counter(board)
                if any(have[v] < n for v, n in used.items()):
                    continue
                new = tuple(sorted((have - used + Counter([value])).elements(), key=float))
                if new != self.root and len(self.boards) < MAX_BOARDS:
                    self.boards.add(new)

    def viable(self, target: int) -> bool | None:
        from agent.verify.countdown import reachable

        if not self.boards:
            return None
        return any(reachable(list(b), target, self.rules) for b in self.boards)


def check_trace(path: str | Path) -> list[VerdictCheck]:
    """One VerdictCheck per judge verdict in a countdown trace (none for other kinds or baselines)."""
    from agent.trace.reader import iter_events
    from agent.verify.countdown import get_rules

    checks: list[VerdictCheck] = []
    problem: dict[str, Any] = {}
    policy, rules = "", None
    attacks: dict[str, AttackState] = {}
    for e in iter_events(path):
        kind = getattr(e, "type", "")
        if kind == "run_start":
            problem, policy = e.problem, e.policy
            if problem.get("kind") != "countdown":
                return []
            rules = get_rules(problem["rules"])
        elif kind == "move_end" and rules is not None and e.attack_id != "-":
            state = attacks.setdefault(e.attack_id, AttackState(problem["numbers"], rules))
            f = e.findings
            for text in [*f.facts, *f.examples, *f.conjectures, *f.counterexamples, *f.candidates]:
                state.add_text(text)
        elif kind == "verdict" and rules is not None:
            node = node_viability(e.evidence, rules)
            if node is not None:
                committed, viable = node
                boards = 1
            else:
                state = attacks.setdefault(e.attack_id, AttackState(problem["numbers"], rules))
                viable = state.viable(problem["target"])
                committed, boards = viable is not None, len(state.boards)
            checks.append(VerdictCheck(trace=str(path), policy=policy, problem_id=problem.get("id", ""),
                                       attack_id=e.attack_id, step=e.step, decision=e.decision,
                                       model_decision=e.model_decision, overrides=e.overrides,
                                       committed=committed, viable=viable, boards=boards, progress=e.progress))
    return checks


def calibrate_traces(paths: list[str | Path]) -> list[VerdictCheck]:
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(find_traces(p, "") if p.is_dir() else [p])
    out: list[VerdictCheck] = []
    for f in files:
        if f.exists():
            out.extend(check_trace(f))
    return out


class Calibration(BaseModel):
    policy: str
    verdicts: int
    abandons: int
    abandons_uncommitted: int
    abandons_committed: int
    abandoned_viable: int                 # the judge left a line that could still reach the target
    abandoned_dead: int
    persists: int
    persists_uncommitted: int
    persists_committed: int
    persisted_dead: int                   # persist verdicts on a line that could no longer reach the target
    dead_attacks: int                     # attacks that were dead at some verdict
    dead_attacks_abandoned: int
    verdicts_on_dead_mean: float | None   # verdicts given on a dead attack (how long it stayed)
    verdicts_on_dead_max: int
    persists_on_dead_mean: float | None
    progress_auc: float | None = None     # P(progress on a viable verdict > on a dead one), committed only


def auc(checks: list[VerdictCheck]) -> float | None:
    """ROC AUC of the judge's progress as a score for viability (ties count half): 0.5 is chance."""
    pos = [c.progress for c in checks if c.viable is True and c.progress is not None]
    neg = [c.progress for c in checks if c.viable is False and c.progress is not None]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return round(wins / (len(pos) * len(neg)), 3)


def summarize_calibration(checks: list[VerdictCheck]) -> list[Calibration]:
    out = []
    for policy in dict.fromkeys(c.policy for c in checks):
        mine = [c for c in checks if c.policy == policy]
        ab = [c for c in mine if c.decision == "abandon"]
        pe = [c for c in mine if c.decision == "persist"]
        per_attack: dict[tuple[str, str], list[VerdictCheck]] = {}
        for c in mine:
            per_attack.setdefault((c.trace, c.attack_id), []).append(c)
        dead = {k: [c for c in v if c.viable is False] for k, v in per_attack.items()}
        dead = {k: v for k, v in dead.items() if v}
        stays = [len(v) for v in dead.values()]
        persists = [sum(c.decision == "persist" for c in v) for v in dead.values()]
        out.append(Calibration(
            policy=policy, verdicts=len(mine), abandons=len(ab),
            abandons_uncommitted=sum(not c.committed for c in ab), abandons_committed=sum(c.committed for c in ab),
            abandoned_viable=sum(c.viable is True for c in ab), abandoned_dead=sum(c.viable is False for c in ab),
            persists=len(pe), persists_uncommitted=sum(not c.committed for c in pe),
            persists_committed=sum(c.committed for c in pe), persisted_dead=sum(c.viable is False for c in pe),
            dead_attacks=len(dead), dead_attacks_abandoned=sum(any(c.decision == "abandon" for c in v)
                                                               for v in dead.values()),
            verdicts_on_dead_mean=sum(stays) / len(stays) if stays else None, verdicts_on_dead_max=max(stays, default=0),
            persists_on_dead_mean=sum(persists) / len(persists) if persists else None, progress_auc=auc(mine)))
    return out


def calibration_markdown(checks: list[VerdictCheck]) -> str:
    if not checks:
        return "No judge verdicts on countdown problems in these traces (baselines have no judge).\n"
    rows = summarize_calibration(checks)
    head = ("| policy | verdicts | abandons (uncommitted) | abandoned viable / committed | persists (uncommitted) "
            "| persisted on dead / committed | dead attacks (abandoned) | verdicts on a dead attack: mean, max "
            "| persists on a dead attack: mean | AUC of progress vs viable |")
    lines = [head, "|" + "---|" * 10]

    def frac(a: int, b: int) -> str:
        return f"{a}/{b}" + (f" ({a / b:.0%})" if b else "")

    def num(x: float | None) -> str:
        return "-" if x is None else f"{x:.1f}"

    for c in rows:
        lines.append(f"| {c.policy} | {c.verdicts} | {c.abandons} ({c.abandons_uncommitted}) | "
                     f"{frac(c.abandoned_viable, c.abandons_committed)} | {c.persists} ({c.persists_uncommitted}) | "
                     f"{frac(c.persisted_dead, c.persists_committed)} | {c.dead_attacks} ({c.dead_attacks_abandoned}) | "
                     f"{num(c.verdicts_on_dead_mean)}, {c.verdicts_on_dead_max} | {num(c.persists_on_dead_mean)} | "
                     f"{'-' if c.progress_auc is None else f'{c.progress_auc:.2f}'} |")
    note = ("A committed attack's state is the boards its own findings reached by exact arithmetic from the given "
            "numbers; it is viable if one of them can still reach the target (exhaustive search). Uncommitted "
            "attacks (no sub-result yet) are counted apart. On the countdown workspace the state is the node the "
            "verdict names. AUC: how well the judge's progress separates viable from dead verdicts (0.5 = chance). "
            "Definition: docs/bench.md.")
    return "\n".join(lines) + "\n\n" + note + "\n"
