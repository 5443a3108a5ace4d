"""How well does the learned "the leading answer is right" chance judge, beside today's hand-set rule
(two independent methods agree = settled), on committed loop traces of answer problems?

    python benchmarks/answers_calibration.py [--experience FILE] [--problems SUITE ...] DIRS...

For every step of every loop run (each run once), the leading answer after the step, graded after
the run against the reference: the AUC of the learned chance and of the hand-set rule (a yes/no
score); the AUC of the learned method value on every method a run took (labelled by whether it
reached a right answer independently), with each method's rate; and, per run, where each rule
stops — the hand-set rule where the recorded run stopped (first settled state, the opening's
agreeing self-check included), the learned judge at the first settled state or the first whose
chance reaches the file's `stop` (the opening's agreeing self-check still accepts, as in a learned
run) — and whether the answer it stops on is right. A run the learned judge would not have stopped
within its recorded steps is counted apart: it would have run on, to states no trace shows.
`--problems` keeps only the problems of these suites (the evaluation part).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.experience.answer_features import METHODS  # noqa: E402
from agent.experience.answer_learn import auc, read_answer_runs  # noqa: E402
from agent.experience.model import load_experience  # noqa: E402
from agent.problems import load_problems  # noqa: E402


def tally(runs, exp) -> tuple[dict, Counter]:
    chances, hand, labels = [], [], []
    stops: Counter = Counter()
    for run in runs:
        learned_at = hand_at = None
        for i, (x, right) in enumerate(run.leads):
            chance = exp.answers.lead.predict(x)
            chances.append(chance)
            hand.append(x["settled"])
            labels.append(right)
            opening_accept = x["steps"] == 1 and x["settled"] == 1.0
            if hand_at is None and x["settled"] == 1.0:
                hand_at = right
            if learned_at is None and (opening_accept or (x["steps"] > 1 and (chance >= exp.answers.stop
                                                                               or x["settled"] == 1.0))):
                learned_at = right
                if i < len(run.leads) - 1:     # earlier than the recorded run ended
                    stops["learned: stops before the recorded end"] += 1
                    stops["  right there"] += right
                    stops["  right at the recorded end"] += run.leads[-1][1]
                    stops["  steps saved"] += int(run.leads[-1][0]["steps"] - x["steps"])
        stops["runs"] += 1
        stops["hand: stopped right" if hand_at else "hand: stopped wrong" if hand_at == 0 else "hand: never settled"] += 1
        stops["learned: stops right" if learned_at else "learned: stops wrong" if learned_at == 0
              else "learned: would run on"] += 1
    figures = {"states": len(labels), "right leading answers": sum(labels),
               "AUC learned chance": auc(chances, labels), "AUC hand-set rule (settled yes/no)": auc(hand, labels),
               **method_figures(runs, exp)}
    return figures, stops


def method_figures(runs, exp) -> dict:
    """How the learned method value ranks the methods the runs took, and each method's rate of
    reaching a right answer independently."""
    rows = [(x, right) for run in runs for x, right in run.methods]
    if not rows:
        return {}
    figures = {"methods taken": len(rows), "AUC learned method value": auc(
        [exp.answers.method.predict(x) for x, _ in rows], [right for _, right in rows])}
    for method in METHODS:
        taken = [right for x, right in rows if x.get(method) == 1.0]
        if taken:
            figures[f"{method} right"] = f"{sum(taken)}/{len(taken)}"
    return figures


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dirs", nargs="+")
    p.add_argument("--experience")
    p.add_argument("--problems", action="append", default=[])
    args = p.parse_args(argv)
    only = {q.id for s in args.problems for q in load_problems(s)} if args.problems else None
    exp = load_experience(args.experience)
    runs = read_answer_runs(args.dirs, only)
    for suite in sorted({r.suite for r in runs}):
        figures, stops = tally([r for r in runs if r.suite == suite], exp)
        print(f"{suite}: " + "; ".join(f"{k} {v}" for k, v in {**figures, **stops}.items()))
    figures, stops = tally(runs, exp)
    print("all: " + "; ".join(f"{k} {v}" for k, v in {**figures, **stops}.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
