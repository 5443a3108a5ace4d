"""Problem groups for the bench report: the split a table of results needs to be read right.

A counterexample suite is half false claims, half true ones, and a policy that always answers
"none" gets every true claim; a sequence suite mixes sequences sympy's fitting already explains
with ones it does not. One solve rate over either hides what was measured, so the report also
gives one row per (group, policy).

`problem_group(problem)` names the group, or "" for a problem with none:

- counterexample: "false claim" or "true claim", read from the reference answer. This is for the
  report after the runs only; nothing here reaches a run.
- sequence: "sympy fit" when the lowest-degree polynomial or lowest-order linear recurrence
  explains every shown term (a tool with no model call, from the shown terms only), else
  "no sympy fit".

A problem file can name the group itself with a tag `group:NAME` (e.g. `tags: [group:hard]`),
which wins over the kind's rule.
"""

from __future__ import annotations

from typing import Any

TAG_PREFIX = "group:"


def problem_group(problem: Any) -> str:
    for tag in getattr(problem, "tags", None) or []:
        if str(tag).startswith(TAG_PREFIX):
            return str(tag)[len(TAG_PREFIX):]
    kind = getattr(problem, "kind", "")
    if kind == "counterexample":
        return "true claim" if problem.answer.strip().lower() == "none" else "false claim"
    if kind == "sequence":
        from agent.workspace.sequences import fit_polynomial, fit_recurrence

        fitted = fit_polynomial(problem.terms, problem.n_predict) or fit_recurrence(problem.terms, problem.n_predict)
        return "sympy fit" if fitted else "no sympy fit"
    return ""
