"""Learning hunts and sequences experience from loop traces with scikit-learn: the chance that a
move pays given the claim's or the sequence's features and what the run has so far.

One logistic model per family (model.py, `MoveModels`) over move rows (move_features.py), fitted
by `learn.fit`: a fifth of the problems is held apart to score it (a claim's two forms are one
group, so they fall on the same side). The judge's `unlikely` threshold is set on those held-apart
rows: the value below which at most 2% of the moves that paid fall.
"""

from __future__ import annotations

from agent.errors import InputError
from agent.experience.learn import fit, looks_dead_threshold
from agent.experience.model import LearnedFrom, MoveModels
from agent.experience.move_data import MoveRun, both_forms
from agent.experience.move_features import (
    CLAIM_WORDS,
    HUNT_WORDS,
    MOVES,
    SEQUENCE_WORDS,
    move_row,
    move_words,
)

WORDS = {"hunts": move_words({**CLAIM_WORDS, **HUNT_WORDS}), "sequences": move_words(SEQUENCE_WORDS)}


def learn_moves(runs: list[MoveRun], family: str, seed: int = 0) -> MoveModels:
    rows = [(move_row(x, m), m, y, r.claim) for r in runs if r.family == family for x, m, y in r.rows]
    if not rows:
        raise InputError(f"no loop trace of a {family} problem among the sources")
    value, auc, held = fit([x for x, *_ in rows], [y for _, _, y, _ in rows], [g for *_, g in rows], seed)
    ids = sorted({i for r in runs if r.family == family for i in both_forms(r.problem_id)})
    mine = [r for r in runs if r.family == family]
    learned_from = LearnedFrom(suites=sorted({r.suite for r in mine}), problems=ids, traces=len(mine),
                               labels="pays", policies=sorted({r.policy for r in mine}))
    paid = {m: sum(y for _, mm, y, _ in rows if mm == m) for m in MOVES}
    taken = {m: sum(1 for _, mm, _, _ in rows if mm == m) for m in MOVES}
    return MoveModels(value=value, moves=list(MOVES), unlikely=looks_dead_threshold(held), learned_from=learned_from,
                      samples={"steps": len(rows), "paid": sum(paid.values()),
                               **{f"{m}_taken": taken[m] for m in MOVES}, **{f"{m}_paid": paid[m] for m in MOVES}},
                      checks={"value_auc": round(auc, 3)})


def move_prior(m: MoveModels, move: str) -> float:
    """How often the move paid in the learning rows, whatever the context: what a bandit learns."""
    taken = m.samples.get(f"{move}_taken", 0)
    return (m.samples.get(f"{move}_paid", 0) + 0.5) / (taken + 1)


def explain_moves(family: str, m: MoveModels, top: int = 8) -> list[str]:
    """What the model relies on, strongest first: a coefficient is the change in the log-odds that
    the move pays per standard deviation of the feature."""
    lines = [f"{family}: learned from {m.learned_from.traces} traces of {len(m.learned_from.problems)} problem ids "
             f"({', '.join(m.learned_from.suites)}); {m.samples.get('steps', 0)} steps, "
             f"{m.samples.get('paid', 0)} paid; AUC on held-apart problems {m.checks.get('value_auc')}; "
             f"the judge says no move is likely to pay below {m.unlikely}"]
    lines.append("  paid / taken: " + ", ".join(f"{mv} {m.samples.get(f'{mv}_paid', 0)}/{m.samples.get(f'{mv}_taken', 0)}"
                                              for mv in m.moves))
    lines.append("  chance that a move pays rises with / falls with:")
    return lines + m.value.strongest(WORDS.get(family, {}), top)
