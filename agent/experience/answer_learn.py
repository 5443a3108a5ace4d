"""Learning answers experience (GSM8K, MATH) from graded loop traces with scikit-learn.

Two logistic models (model.py, `AnswerModels`): `lead`, the chance that the leading answer is
right given how it was reached, and `method`, the chance that a method run next reaches a right
answer independently. The stop threshold is chosen on the learning traces alone, from predictions
made with the trace's own problem held apart (five folds by problem): the lowest value at which
stopping a run there loses no right answer against where the recorded run ended (`choose_stop`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from agent.errors import InputError
from agent.experience.answer_data import AnswerRun, read_answer_trace
from agent.experience.answer_features import LEAD_WORDS, METHOD_WORDS
from agent.experience.data import trace_files
from agent.experience.learn import _sklearn, fit
from agent.experience.model import AnswerModels, LearnedFrom

FOLDS = 5
ASK_WITHIN = 0.02    # the model is asked only when the two best methods' values are this close (unsure)
GRID = [round(0.3 + 0.01 * i, 2) for i in range(70)]


def read_answer_runs(sources: Iterable[str | Path], only: set[str] | None = None) -> list[AnswerRun]:
    """Loop runs of answer problems under `sources` (each run once, by run id), restricted to the
    problems in `only` when given (the learning part)."""
    runs, seen = [], set()
    for path in trace_files(sources):
        run = read_answer_trace(path)
        if run is None or (only is not None and run.problem.id not in only) or run.run_id in seen:
            continue
        seen.add(run.run_id)
        runs.append(run)
    return runs


def _held_out_predictions(rows, y, groups) -> list[float]:
    """Each row's prediction by a model fitted without its problem (GroupKFold)."""
    np, LogisticRegression, _, _ = _sklearn()
    from sklearn.model_selection import GroupKFold

    names = sorted(rows[0])
    x = np.array([[r.get(n, 0.0) for n in names] for r in rows], dtype=float)
    target = np.array(y)
    out = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=FOLDS).split(x, target, np.array(groups)):
        mean, scale = x[train].mean(axis=0), x[train].std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(max_iter=2000).fit((x[train] - mean) / scale, target[train])
        out[test] = model.predict_proba((x[test] - mean) / scale)[:, 1]
    return out.tolist()


def choose_stop(runs: list[AnswerRun], predicted: list[float]) -> tuple[float, dict[str, int]]:
    """The stop threshold: the lowest value at which stopping each learning run at its first state
    after the opening whose (held-apart) chance reaches it, or that is settled, gives a right answer
    as often as the run's own end did. Runs the opening's self-check accepted are left out (a learned
    run accepts them too). Returns it with its counts (runs stopped early, right then, right at the end)."""
    states, k = [], 0
    for run in runs:
        states.append([(x, y, predicted[k + i]) for i, (x, y) in enumerate(run.leads)])
        k += len(run.leads)
    for t in GRID:
        early = right_then = right_end = 0
        for run in states:
            if run[0][0]["settled"] == 1.0:
                continue
            first = next(((y, p) for x, y, p in run if x["steps"] > 1 and (p >= t or x["settled"] == 1.0)), None)
            if first is not None:
                early += 1
                right_then += first[0]
                right_end += run[-1][1]
        if early >= 10 and right_then >= right_end:
            return t, {"runs_stopped": early, "right_when_stopped": right_then, "right_at_their_end": right_end}
    return 0.99, {}


def auc(predicted: list[float], labels: list[int]) -> float:
    _, _, roc_auc_score, _ = _sklearn()
    return round(float(roc_auc_score(labels, predicted)), 3) if len(set(labels)) == 2 else float("nan")


def learn_answers(runs: list[AnswerRun], seed: int = 0) -> AnswerModels:
    if not runs:
        raise InputError("no loop trace of an answer problem among the sources")
    lead_x = [x for r in runs for x, _ in r.leads]
    lead_y = [y for r in runs for _, y in r.leads]
    lead_g = [r.problem.id for r in runs for _ in r.leads]
    meth_x = [x for r in runs for x, _ in r.methods]
    meth_y = [y for r in runs for _, y in r.methods]
    meth_g = [r.problem.id for r in runs for _ in r.methods]
    lead, _, _ = fit(lead_x, lead_y, lead_g, seed)
    method, _, _ = fit(meth_x, meth_y, meth_g, seed)
    held = _held_out_predictions(lead_x, lead_y, lead_g)
    stop, stopped = choose_stop(runs, held)
    held_m = _held_out_predictions(meth_x, meth_y, meth_g)
    learned_from = LearnedFrom(suites=sorted({r.suite for r in runs}), problems=sorted({r.problem.id for r in runs}),
                               traces=len(runs), labels="graded", policies=sorted({r.policy for r in runs}))
    return AnswerModels(lead=lead, method=method, stop=stop, ask_within=ASK_WITHIN, learned_from=learned_from,
                        samples={"leads": len(lead_y), "right_leads": sum(lead_y), "methods": len(meth_y),
                                 "right_methods": sum(meth_y)},
                        checks={"lead_auc": auc(held, lead_y), "method_auc": auc(held_m, meth_y),
                                **{f"stop_{k}": v for k, v in stopped.items()}})


def explain_answers(m: AnswerModels, top: int = 8) -> list[str]:
    words = {**LEAD_WORDS, **METHOD_WORDS}
    lines = [f"answers: learned from {m.learned_from.traces} traces of {len(m.learned_from.problems)} problems "
             f"({', '.join(m.learned_from.suites)}); {m.samples.get('leads', 0)} leading answers, "
             f"{m.samples.get('methods', 0)} next methods; AUC with each problem held apart: leading answer "
             f"{m.checks.get('lead_auc')}, method {m.checks.get('method_auc')}; a run stops at {m.stop}"]
    for title, model in (("chance the leading answer is right", m.lead),
                         ("chance the next method reaches a right answer independently", m.method)):
        lines.append(f"  {title} rises with / falls with:")
        lines += model.strongest(words, top)
    return lines
