"""Learning an experience file from traces with scikit-learn, and saying what it learned in words.

Per rule set, two logistic regressions (scikit-learn's, on standardised features): the node model
and the step model (model.py). Before the final fit on every sample, a fifth of the problems is
held apart and the models fitted on the rest are scored on it (ROC AUC): those are the `checks`
in the file. The judge's abandon threshold is set on the same held-apart nodes: the value below
which at most 2% of the viable nodes fall.
"""

from __future__ import annotations

from pathlib import Path

from agent.errors import InputError
from agent.experience.data import Samples, TraceNodes, collect, read_trace, trace_files
from agent.experience.features import JUDGE_WORDS, NODE_WORDS, STEP_WORDS
from agent.experience.model import Experience, LearnedFrom, LinearModel, RuleModels

HELD_APART = 0.2         # share of the learning problems held apart to check the models
VIABLE_BELOW = 0.02      # the judge's threshold lets at most this share of viable nodes look dead
MAX_ROWS = 60_000        # per model and rule set: a seeded sample above this keeps learning quick


def _sklearn():
    try:
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score
        from sklearn.model_selection import GroupShuffleSplit
    except ImportError:
        raise InputError("polya learn needs scikit-learn: pip install -e '.[learn]'") from None
    return np, LogisticRegression, roc_auc_score, GroupShuffleSplit


def fit(rows: list[dict[str, float]], y: list[int], groups: list[str], seed: int = 0) -> tuple[LinearModel, float, list]:
    """A logistic model of `y`; its AUC on held-apart problems; and its held-apart (prediction, label) pairs."""
    np, LogisticRegression, roc_auc_score, GroupShuffleSplit = _sklearn()
    if len(set(y)) < 2:
        raise InputError(f"every one of the {len(y)} samples has the same label: nothing to learn from")
    names = sorted(rows[0])
    x = np.array([[r[n] for n in names] for r in rows], dtype=float)
    target, group = np.array(y), np.array(groups)
    if len(x) > MAX_ROWS:
        keep = np.random.default_rng(seed).choice(len(x), MAX_ROWS, replace=False)
        x, target, group = x[keep], target[keep], group[keep]
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    auc, held = float("nan"), []
    if len(set(group)) >= 5:
        train, test = next(GroupShuffleSplit(1, test_size=HELD_APART, random_state=seed).split(z, target, group))
        if len(set(target[test])) == 2 and len(set(target[train])) == 2:
            probe = LogisticRegression(max_iter=2000).fit(z[train], target[train])
            p = probe.predict_proba(z[test])[:, 1]
            auc, held = float(roc_auc_score(target[test], p)), list(zip(p.tolist(), target[test].tolist(), strict=True))
    model = LogisticRegression(max_iter=2000).fit(z, target)
    return (LinearModel(features=names, mean=mean.round(6).tolist(), scale=scale.round(6).tolist(),
                        coef=model.coef_[0].round(6).tolist(), intercept=round(float(model.intercept_[0]), 6)),
            auc, held)


def looks_dead_threshold(held: list[tuple[float, int]]) -> float:
    viable = sorted(p for p, y in held if y)
    if not viable:
        return 0.0
    return round(min(0.5, viable[int(VIABLE_BELOW * len(viable))]), 3)


def learn_rules(s: Samples, seed: int = 0) -> RuleModels:
    node, node_auc, held = fit(s.node_x, s.node_y, s.node_problem, seed)
    step, step_auc, _ = fit(s.step_x, s.step_y, s.step_problem, seed)
    return RuleModels(node=node, step=step, looks_dead=looks_dead_threshold(held),
                      samples={"nodes": len(s.node_y), "steps": len(s.step_y),
                               "viable_nodes": sum(s.node_y), "viable_steps": sum(s.step_y)},
                      checks={"node_auc": round(node_auc, 3), "step_auc": round(step_auc, 3)})


def read_traces(sources: list[str | Path], only: set[str] | None = None) -> list[TraceNodes]:
    out = []
    for path in trace_files(sources):
        t = read_trace(path)
        if t is not None and (only is None or t.problem_id in only):
            out.append(t)
    return out


def learn(sources: list[str | Path], labels: str = "solver", seed: int = 0,
          policies: list[str] | None = None, only: set[str] | None = None,
          merge: Experience | None = None) -> Experience:
    """An experience file from the countdown, answer, hunt and sequence traces among `sources`
    (only those of the problems in `only`, when given: either form of a claim counts); `merge`: a
    file whose sections of the families not found here are kept (the shipped file holds them all)."""
    from agent.experience.answer_learn import learn_answers, read_answer_runs
    from agent.experience.move_data import read_move_runs
    from agent.experience.move_learn import learn_moves

    traces = read_traces(sources, only)
    runs = read_answer_runs(sources, only)
    moves = read_move_runs(sources, only)
    if not traces and not runs and not moves:
        raise InputError("no countdown workspace trace and no loop trace of an answer, hunt or sequence problem "
                         "among the sources")
    exp = merge.model_copy() if merge is not None else None
    if traces:
        models = {rules: learn_rules(s, seed) for rules, s in sorted(collect(traces, labels).items())}
        learned_from = LearnedFrom(suites=sorted({t.suite for t in traces}),
                                   problems=sorted({t.problem_id for t in traces}),
                                   traces=len(traces), labels=labels, policies=sorted(set(policies or [])))
        kept = {k: getattr(exp, k) for k in ("answers", "hunts", "sequences")} if exp else {}
        exp = Experience(learned_from=learned_from, models=models, **kept)
    if exp is None:
        exp = Experience(learned_from=LearnedFrom(suites=[], problems=[], traces=0, labels="none"))
    update = {"answers": learn_answers(runs, seed)} if runs else {}
    for family in ("hunts", "sequences"):
        if any(r.family == family for r in moves):
            update[family] = learn_moves(moves, family, seed)
    exp = exp.model_copy(update=update)
    families = ["countdown"] * bool(exp.models) + list(exp.sections())
    return exp.model_copy(update={"family": "+".join(families), "version": 3})


def explain(exp: Experience, top: int = 6) -> list[str]:
    """What each model relies on, strongest first, in words: a coefficient is the change in the
    log-odds of "can still be made" per standard deviation of the feature."""
    words = {**NODE_WORDS, **JUDGE_WORDS, **STEP_WORDS}
    from agent.experience.answer_learn import explain_answers

    lines = [f"learned from {exp.learned_from.traces} traces of {len(exp.learned_from.problems)} problems "
             f"({', '.join(exp.learned_from.suites)}), labels: {exp.learned_from.labels}"] if exp.models else []
    for rules, m in exp.models.items():
        lines.append(f"{rules}: {m.samples.get('nodes', 0)} nodes, {m.samples.get('steps', 0)} listed steps; "
                     f"AUC on held-apart problems: node {m.checks.get('node_auc')}, step {m.checks.get('step_auc')}; "
                     f"the judge abandons a node below {m.looks_dead}")
        for title, model in (("value of a listed step", m.step), ("value of a node (the judge)", m.node)):
            lines.append(f"  {title} rises with / falls with:")
            lines += model.strongest(words, top)
    from agent.experience.move_learn import explain_moves

    lines += explain_answers(exp.answers) if exp.answers is not None else []
    for family in ("hunts", "sequences"):
        section = getattr(exp, family)
        lines += explain_moves(family, section) if section is not None else []
    return lines
