"""How well does the learned move value (hunts, sequences) rank the moves that paid, beside the
move prior, on held-out loop traces?

    python benchmarks/moves_calibration.py [--experience FILE] [--problems SUITE ...] DIRS...

Every step of every loop run of a hunt or a sequence (each run once; move_data.py says what "paid"
means), scored two ways: the learned chance that the move pays in that context, and the move prior
(how often that move paid in the learning rows whatever the context: what a bandit converges to
across problems). Reported per family: the AUC of each on all steps and on the steps a policy chose
(after the two opening steps, which every policy takes), and how often the chosen step paid when the
move taken was the one each scores highest there and when it was not; and on how many chosen steps
the learned judge would note that no move is likely to pay, and how many of those paid. `--problems` keeps only the
problems of these suites (the evaluation part; either form of a claim counts).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.experience.answer_learn import auc  # noqa: E402
from agent.experience.model import load_experience  # noqa: E402
from agent.experience.move_data import read_move_runs  # noqa: E402
from agent.experience.move_features import MOVES, move_row  # noqa: E402
from agent.experience.move_learn import move_prior  # noqa: E402
from agent.problems import load_problems  # noqa: E402

OPENING_STEPS = 2


def _share(rows: list[int]) -> str:
    return f"{sum(rows)}/{len(rows)} ({sum(rows) / len(rows):.0%})" if rows else "-"


def evaluate(section, runs) -> dict[str, str]:
    rows = [(x, m, y) for r in runs for x, m, y in r.rows]
    learned = [section.value.predict(move_row(x, m)) for x, m, _ in rows]
    prior = [move_prior(section, m) for _, m, _ in rows]
    labels = [y for *_, y in rows]
    chosen = [i for i, (x, _, _) in enumerate(rows) if x["steps"] >= OPENING_STEPS]
    out = {"runs": str(len(runs)), "steps (paid)": _share(labels), "chosen steps (paid)": _share([labels[i] for i in chosen]),
           "AUC learned, all steps": str(auc(learned, labels)), "AUC move prior, all steps": str(auc(prior, labels)),
           "AUC learned, chosen steps": str(auc([learned[i] for i in chosen], [labels[i] for i in chosen])),
           "AUC move prior, chosen steps": str(auc([prior[i] for i in chosen], [labels[i] for i in chosen]))}
    unlikely = [i for i in chosen if max(section.value.predict(move_row(rows[i][0], m)) for m in MOVES) < section.unlikely]
    out[f"chosen steps where the judge notes no move is likely to pay (below {section.unlikely}): paid"] = \
        _share([labels[i] for i in unlikely])
    top_prior = max(MOVES, key=lambda m: move_prior(section, m))
    for name, top in (("learned", lambda x: max(MOVES, key=lambda m: section.value.predict(move_row(x, m)))),
                      ("move prior", lambda x: top_prior)):
        hit = [rows[i][2] for i in chosen if rows[i][1] == top(rows[i][0])]
        miss = [rows[i][2] for i in chosen if rows[i][1] != top(rows[i][0])]
        out[f"paid when the move taken was the {name} top / was not"] = f"{_share(hit)} / {_share(miss)}"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--experience", default=None)
    ap.add_argument("--problems", action="append", default=[])
    args = ap.parse_args(argv)
    exp = load_experience(args.experience)
    only = {p.id for s in args.problems for p in load_problems(s)} if args.problems else None
    runs = read_move_runs(args.dirs, only)
    learned_from = exp.problems_seen()
    leak = sorted({r.problem_id for r in runs} & learned_from)
    if leak:
        print(f"warning: {len(leak)} of these problems were learned from (e.g. {leak[0]})")
    for family in ("hunts", "sequences"):
        mine = [r for r in runs if r.family == family]
        section = getattr(exp, family)
        if not mine or section is None:
            continue
        print(f"\n## {family}\n\n| measure | value |\n|---|---|")
        for k, v in evaluate(section, mine).items():
            print(f"| {k} | {v} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
