"""The summary table: per policy (and per suite x policy) solved with a 95% Wilson interval, LLM
calls, tokens, cost, wall time, tokens per problem and per solved problem; Markdown and CSV."""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter, defaultdict
from pathlib import Path

from pydantic import BaseModel, Field

from agent.bench.results import ResultRow


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for k successes in n trials (sensible at k=0 and small n)."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


class PolicySummary(BaseModel):
    policy: str
    suite: str = "all"
    group: str = ""                            # a problem group (agent.bench.groups), "" when not split by group
    problems: int
    solved: int
    rate: float
    ci_low: float
    ci_high: float
    llm_calls: int
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    cost_usd: float
    wall_s: float
    tokens_per_problem: float
    tokens_per_solved: float | None            # all tokens spent / problems solved (None: none solved)
    statuses: dict[str, int] = Field(default_factory=dict)
    solved_ids: list[str] = Field(default_factory=list)


def _summary(policy: str, suite: str, rows: list[ResultRow], group: str = "") -> PolicySummary:
    n, k = len(rows), sum(r.solved for r in rows)
    lo, hi = wilson(k, n)
    tokens = sum(r.tokens for r in rows)
    return PolicySummary(
        policy=policy, suite=suite, group=group, problems=n, solved=k, rate=k / n if n else 0.0, ci_low=lo, ci_high=hi,
        llm_calls=sum(r.llm_calls for r in rows), prompt_tokens=sum(r.prompt_tokens for r in rows),
        completion_tokens=sum(r.completion_tokens for r in rows),
        reasoning_tokens=sum(r.reasoning_tokens for r in rows), cost_usd=round(sum(r.cost_usd for r in rows), 6),
        wall_s=round(sum(r.wall_s for r in rows), 1), tokens_per_problem=tokens / n if n else 0.0,
        tokens_per_solved=tokens / k if k else None,
        statuses=dict(Counter(r.status for r in rows)),
        solved_ids=[f"{r.suite}:{r.problem_id}" for r in rows if r.solved])


def policy_order(rows: list[ResultRow]) -> list[str]:
    return list(dict.fromkeys(r.policy for r in rows))


def summarize(rows: list[ResultRow], *, by_suite: bool = False) -> list[PolicySummary]:
    """One summary per policy over every suite; with `by_suite`, one per (suite, policy) too."""
    by_policy: dict[str, list[ResultRow]] = defaultdict(list)
    for r in rows:
        by_policy[r.policy].append(r)
    out = [_summary(p, "all", by_policy[p]) for p in policy_order(rows)]
    if by_suite:
        for suite in dict.fromkeys(r.suite for r in rows):
            for p in policy_order(rows):
                group = [r for r in by_policy[p] if r.suite == suite]
                if group:
                    out.append(_summary(p, suite, group))
    return out


def summarize_groups(rows: list[ResultRow]) -> list[PolicySummary]:
    """One summary per (suite, group, policy) for the rows that have a group, groups in first-seen
    order within each suite: false and true claims apart, sequences a fit explains apart."""
    out = []
    for suite in dict.fromkeys(r.suite for r in rows if r.group):
        in_suite = [r for r in rows if r.suite == suite and r.group]
        for group in sorted(dict.fromkeys(r.group for r in in_suite)):
            for p in policy_order(rows):
                chosen = [r for r in in_suite if r.group == group and r.policy == p]
                if chosen:
                    out.append(_summary(p, suite, chosen, group))
    return out


COLUMNS = ["suite", "policy", "problems", "solved", "solve rate [95% CI]", "LLM calls", "prompt tok",
           "completion tok", "reasoning tok", "cost $", "wall s", "tokens/problem", "tokens/solved", "ended"]


def _cells(s: PolicySummary) -> list[str]:
    ended = ", ".join(f"{k} {v}" for k, v in sorted(s.statuses.items()))
    return [f"{s.suite}: {s.group}" if s.group else s.suite, s.policy, str(s.problems), str(s.solved),
            f"{s.rate:.0%} [{s.ci_low:.0%}, {s.ci_high:.0%}]", str(s.llm_calls), str(s.prompt_tokens),
            str(s.completion_tokens), str(s.reasoning_tokens), f"{s.cost_usd:.4f}", f"{s.wall_s:.0f}",
            f"{s.tokens_per_problem:.0f}", "-" if s.tokens_per_solved is None else f"{s.tokens_per_solved:.0f}",
            ended]


def to_markdown(summaries: list[PolicySummary]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(_cells(s)) + " |" for s in summaries]
    return "\n".join(lines) + "\n"


def to_csv(summaries: list[PolicySummary]) -> str:
    buf = io.StringIO()
    fields = ["suite", "group", "policy", "problems", "solved", "rate", "ci_low", "ci_high", "llm_calls", "prompt_tokens",
              "completion_tokens", "reasoning_tokens", "cost_usd", "wall_s", "tokens_per_problem",
              "tokens_per_solved", "statuses", "solved_ids"]
    w = csv.DictWriter(buf, fieldnames=fields)
    w.writeheader()
    for s in summaries:
        d = s.model_dump()
        d["statuses"] = ";".join(f"{k}={v}" for k, v in sorted(s.statuses.items()))
        d["solved_ids"] = ";".join(s.solved_ids)
        w.writerow({k: d[k] for k in fields})
    return buf.getvalue()


_INDEX = re.compile(r":\d+$")


def purpose_family(purpose: str) -> str:
    """`baseline:sc:3` -> `baseline:sc`, `move:examples:repair` -> `move:examples`."""
    p = purpose.removesuffix(":repair")
    while _INDEX.search(p):
        p = _INDEX.sub("", p)
    return p or "(none)"


def tokens_by_purpose(rows: list[ResultRow]) -> dict[str, dict[str, list[int]]]:
    """policy -> purpose family -> [calls, prompt tokens, completion tokens], read from the traces
    (where the tokens went). Rows whose trace is missing are skipped."""
    from agent.trace.reader import iter_events

    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for row in rows:
        if not row.trace_path or not Path(row.trace_path).exists():
            continue
        for event in iter_events(row.trace_path):
            if getattr(event, "type", "") != "llm_call" or event.response is None or event.replayed:
                continue
            usage = event.response.get("usage", {})
            cell = out[row.policy][purpose_family(event.purpose)]
            cell[0] += 1
            cell[1] += usage.get("prompt_tokens", 0)
            cell[2] += usage.get("completion_tokens", 0)
    return {p: dict(v) for p, v in out.items()}


def purpose_markdown(breakdown: dict[str, dict[str, list[int]]]) -> str:
    lines = ["| policy | call purpose | calls | prompt tok | completion tok | share of policy's tokens |",
             "|---|---|---|---|---|---|"]
    for policy, purposes in breakdown.items():
        total = sum(p + c for _, p, c in purposes.values()) or 1
        for name, (calls, p, c) in sorted(purposes.items(), key=lambda kv: -(kv[1][1] + kv[1][2])):
            lines.append(f"| {policy} | {name} | {calls} | {p} | {c} | {(p + c) / total:.0%} |")
    return "\n".join(lines) + "\n"


class AnswerStats(BaseModel):
    """What a policy put in front of the verifier, read from the traces' verification events."""

    runs: int = 0
    runs_with_answer: int = 0
    checked: int = 0
    accepted: int = 0
    rejections: list[str] = Field(default_factory=list)   # a few reasons, as the verifier gave them


def answers_by_policy(rows: list[ResultRow], *, examples: int = 3) -> dict[str, AnswerStats]:
    """policy -> AnswerStats. A run that ends with no answer checked cannot be solved, however well
    it explored: this separates "answered wrong" from "never answered"."""
    from agent.trace.reader import iter_events

    out: dict[str, AnswerStats] = {p: AnswerStats() for p in policy_order(rows)}
    for row in rows:
        if not row.trace_path or not Path(row.trace_path).exists():
            continue
        stats = out[row.policy]
        stats.runs += 1
        checks = [e for e in iter_events(row.trace_path) if getattr(e, "type", "") == "verification"]
        stats.runs_with_answer += bool(checks)
        stats.checked += len(checks)
        stats.accepted += sum(c.ok for c in checks)
        for c in checks:
            if not c.ok and len(stats.rejections) < examples:
                stats.rejections.append(f"{c.candidate[:60]} — {c.reason[:100]}")
    return out


def answers_markdown(stats: dict[str, AnswerStats]) -> str:
    lines = ["| policy | runs | runs with an answer checked | answers checked | accepted | rejected, e.g. |",
             "|---|---|---|---|---|---|"]
    for policy, s in stats.items():
        examples = "; ".join(r.replace("|", "/") for r in s.rejections) or "-"  # "|" would split the cell
        lines.append(f"| {policy} | {s.runs} | {s.runs_with_answer} | {s.checked} | {s.accepted} | {examples} |")
    return "\n".join(lines) + "\n"
