"""Samples for hunts and sequences experience, read from loop traces: at every step, what the run
had before it (move_features.py), the move it ran, and whether the move paid.

"Pays", read from what the step did (offline, after the runs; the reference labels training rows
only, as the countdown solver does):
- hunts: the step confirmed a counterexample; or, on a claim with no counterexample, it extended the
  check by at least STALL_GAIN of hunt_progress (about a factor 1.5 in the furthest n checked: the
  hunt's own stall rule, strategies/hunts/signals.py). A hunt's rows stop at its first confirmed
  counterexample (the run answers with it: no choice is left).
- sequences: the step added to the ledger a rule that explains every shown term and whose next
  terms are the hidden ones, or gave those terms as its answer (the model's free-text attempt),
  where no step had before.

The opening's moves are the same computations as two choosable ones, and are read as them: on a
hunt `obvious` is a timed search (`counterexamples`) and `understand` a scan (`examples`); on a
sequence `obvious` runs the guessers, then the model's rule (`patterns`), and `understand` writes
out the tables (`examples`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agent.experience.data import trace_files
from agent.experience.move_features import (
    MOVES,
    STALL_GAIN,
    HuntView,
    SequenceView,
    claim_features,
    hunt_context,
    sequence_context,
    sequence_features,
)
from agent.problems.loader import validate_problem
from agent.trace.reader import iter_events

OPENING = {"hunts": {"obvious": "counterexamples", "understand": "examples"},
           "sequences": {"obvious": "patterns", "understand": "examples"}}
BASELINES = ("direct", "cot", "pot", "fit")
_CHECKED = re.compile(r"it reports: CHECKED\b[^;]*?(-?\d+)\s*$")
_SURVIVED = re.compile(r"\(([^()]*), ([\w:]+)\) explains all \d+ given terms; next: ([-\d, ]+)")
_INT = re.compile(r"-?\d+")
_REFUTED_MODEL = re.compile(r", model\) is refuted at ")


@dataclass
class MoveRun:
    """The rows of one loop run on a hunt or a sequence: the context before each step (move_features.py),
    the move, and whether it paid; `move_row(context, move)` is what a model reads."""

    family: str                  # "hunts" or "sequences"
    problem_id: str
    claim: str                   # the problem without its form: ce-X and cj-X are one claim
    suite: str
    policy: str
    run_id: str
    rows: list[tuple[dict[str, float], str, int]] = field(default_factory=list)   # (context, move, pays)


def claim_key(problem_id: str) -> str:
    """One claim in both forms: ce-goldbach (counterexample form) and cj-goldbach (conjecture form)."""
    return re.sub(r"^(ce|cj)-", "", problem_id)


def both_forms(problem_id: str) -> list[str]:
    key = claim_key(problem_id)
    return [f"ce-{key}", f"cj-{key}"] if key != problem_id else [problem_id]


def _family(problem: dict) -> str | None:
    if problem.get("kind") == "counterexample" or (problem.get("kind") == "conjecture"
                                                   and problem.get("candidate") == "integer"):
        return "hunts"
    return "sequences" if problem.get("kind") == "sequence" else None


def _no_counterexample(problem: dict) -> bool:
    """The reference's word (offline only): the claim has no counterexample."""
    if problem.get("kind") == "counterexample":
        return str(problem.get("answer", "")).strip().lower() == "none"
    return "group:true claim" in problem.get("tags", [])


def _suite(problem_file: str | None) -> str:
    parts = Path(problem_file or "?").with_suffix("").parts
    return "/".join(parts[-2:])


def _hunt_step(view: HuntView, ev) -> HuntView:
    """The hunt after one move, from its move_end (the workspace summary and the search's own line)."""
    ws = ev.workspace or {}
    out = view.model_copy(update={"scanned_to": int(ws.get("scanned_to", view.scanned_to)),
                                  "families": int(ws.get("families", view.families)),
                                  "failures": len(ws.get("failures", []))})
    text = ev.summary or ""
    m = _CHECKED.search(text)
    if "search program" in text and "found none" in text and m:
        out.empty_searches += 1
        out.reported = max(out.reported, int(m.group(1)))
    if "did not finish" in text or "not checked" in text:
        out.failed_programs += 1
    return out


def _read_hunt(run: MoveRun, events, problem: dict, step_of) -> None:
    claim, none = claim_features(validate_problem(problem, "trace")), _no_counterexample(problem)
    view = HuntView()
    for ev in events:
        if ev.type != "move_end":
            continue
        after = _hunt_step(view, ev)
        move = OPENING["hunts"].get(ev.move, ev.move)
        if move in MOVES:
            pays = after.failures > view.failures or (none and after.progress() - view.progress() >= STALL_GAIN)
            run.rows.append((hunt_context(claim, view, step_of(ev)), move, int(pays)))
        view = after
        if view.failures:
            return


def _read_sequence(run: MoveRun, events, problem: dict, step_of) -> None:
    seq, hidden = sequence_features(problem["terms"]), [int(t) for t in problem.get("hidden") or []]
    view, right = SequenceView(), False
    results: list[str] = []
    for ev in events:
        if ev.type == "tool_call":
            results.append(ev.result or "")
            continue
        if ev.type != "move_end":
            continue
        found = [m for r in results for m in _SURVIVED.finditer(r)]
        answers = [m.group(3) for m in found] + list(ev.findings.candidates if ev.findings else [])
        now_right = right or any([int(x) for x in _INT.findall(a)] == hidden for a in answers)
        model = sum(m.group(2) == "model" for m in found) + sum(len(_REFUTED_MODEL.findall(r)) for r in results)
        move = OPENING["sequences"].get(ev.move, ev.move)
        if move in MOVES:
            run.rows.append((sequence_context(seq, view, step_of(ev)), move, int(now_right and not right)))
        view = view.model_copy(update={"survives": view.survives + len(found), "model_rules": view.model_rules + model,
                                       "guessers_tried": view.guessers_tried or move == "patterns"})
        right, results = now_right, []


def read_move_trace(path: Path) -> MoveRun | None:
    """The rows of one loop trace of a hunt or a sequence; None for any other trace."""
    events = iter(iter_events(path))
    start = next(events, None)
    if start is None or start.type != "run_start" or start.policy in BASELINES:
        return None
    family = _family(start.problem)
    if family is None or start.policy.startswith("self-consistency"):
        return None
    pid = start.problem["id"]
    run = MoveRun(family, pid, claim_key(pid), _suite(start.problem_file), start.policy, start.run_id)
    read = _read_hunt if family == "hunts" else _read_sequence
    read(run, events, start.problem, lambda ev: max(0, ev.step - 1))   # steps taken before this one
    return run if run.rows else None


def read_move_runs(sources: Iterable[str | Path], only: set[str] | None = None) -> list[MoveRun]:
    """Runs of hunts and sequences under `sources` (each run once), restricted to the problems in
    `only` (either form of a claim counts) when given."""
    runs, seen = [], set()
    for path in trace_files(sources):
        run = read_move_trace(path)
        if run is None or run.run_id in seen:
            continue
        if only is not None and not (set(both_forms(run.problem_id)) & only):
            continue
        seen.add(run.run_id)
        runs.append(run)
    return runs
