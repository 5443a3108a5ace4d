"""The bench's outputs: summary.md, summary.csv, plot.png and report.html (self-contained: the plot
is inline SVG, no network), written next to results.jsonl."""

from __future__ import annotations

import html
import io
import time
from pathlib import Path

from agent.bench.results import ResultRow
from agent.bench.summary import (
    PolicySummary,
    answers_by_policy,
    answers_markdown,
    policy_order,
    purpose_markdown,
    summarize,
    summarize_groups,
    to_csv,
    to_markdown,
    tokens_by_purpose,
)

GROUPS_NOTE = ("Each problem's group (agent/bench/groups.py): a counterexample claim is false or true (read "
               "from the reference, for this report only); a sequence is one sympy's fitting explains from "
               "the shown terms or not; a problem tag group:NAME names its own.")


def solve_curve(rows: list[ResultRow], policy: str, xs: list[int]) -> list[float]:
    """Fraction of the policy's problems solved having spent at most x tokens, for each x. Exact at
    the budget that ran; below it, it reads a run that solved with t tokens as solved under any cap
    >= t (true for the baselines; the loop also sees the budget fraction, so there it is an estimate)."""
    mine = [r for r in rows if r.policy == policy]
    if not mine:
        return [0.0 for _ in xs]
    return [sum(r.solved and r.tokens <= x for r in mine) / len(mine) for x in xs]


def make_figure(rows: list[ResultRow], title: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cap = max([r.budget.get("tokens") or 0 for r in rows] + [r.tokens for r in rows] + [1])
    xs = sorted({0, cap} | {r.tokens for r in rows if r.solved})
    fig, ax = plt.subplots(figsize=(7.5, 4.5), dpi=110)
    for policy in policy_order(rows):
        ys = solve_curve(rows, policy, xs)
        line, = ax.step(xs, [100 * y for y in ys], where="post", label=policy)
        s = summarize([r for r in rows if r.policy == policy])[0]
        ax.plot([s.tokens_per_problem], [100 * s.rate], "o", color=line.get_color())
    ax.set_xlabel("tokens per problem (prompt + completion)")
    ax.set_ylabel("solved (%)")
    ax.set_title(title, fontsize=10)
    ax.set_xlim(0, cap * 1.02)
    top = max([100 * s.rate for s in summarize(rows)] + [5])
    ax.set_ylim(-1, min(100, top * 1.3 + 2))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.text(0.01, 0.01, "lines: solved within x tokens; dots: mean tokens per problem at the final solve rate",
             fontsize=7, color="#555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def figure_bytes(fig, fmt: str) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    return buf.getvalue()


def _table_html(summaries: list[PolicySummary]) -> str:
    md = to_markdown(summaries).splitlines()
    head = [c.strip() for c in md[0].strip("|").split("|")]
    body = [[c.strip() for c in line.strip("|").split("|")] for line in md[2:]]
    out = ["<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr>"]
    out += ["<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in body]
    return "\n".join(out) + "</table>"


def _md_to_html_table(md: str) -> str:
    lines = [ln for ln in md.strip().splitlines() if ln.startswith("|")]
    if len(lines) < 2:
        return f"<pre>{html.escape(md)}</pre>"
    rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]
    out = ["<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in rows[0]) + "</tr>"]
    out += ["<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[2:]]
    return "\n".join(out) + "</table>"


CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#f3f3f3}td:nth-child(-n+2){text-align:left}h1{font-size:20px}h2{font-size:16px;margin-top:1.6em}
.meta{color:#555;font-size:13px}svg{max-width:100%;height:auto}"""


def write_reports(rows: list[ResultRow], out: Path, *, title: str = "polya bench",
                  calibration_md: str | None = None) -> dict[str, Path]:
    """Write summary.md / summary.csv / plot.png / report.html into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    overall = summarize(rows)
    full = summarize(rows, by_suite=True)
    groups = summarize_groups(rows)
    breakdown = purpose_markdown(tokens_by_purpose(rows))
    answers = answers_markdown(answers_by_policy(rows))
    backends = sorted({r.backend for r in rows})
    budgets = sorted({", ".join(f"{k}={v}" for k, v in r.budget.items() if v is not None) for r in rows})
    meta = (f"backend {', '.join(backends)}; budget per problem {', '.join(budgets)}; "
            f"seed {', '.join(sorted({str(r.seed) for r in rows}))}; {len(rows)} runs")
    md = [f"# {title}", "", meta, "", "## Per policy (all suites)", "", to_markdown(overall),
          "## Per suite and policy", "", to_markdown(full[len(overall):])]
    if groups:
        md += ["## Per group and policy", "", GROUPS_NOTE, "", to_markdown(groups)]
    md += ["## Solved problems", ""]
    md += [f"- **{s.policy}**: {', '.join(s.solved_ids) or 'none'}" for s in overall]
    md += ["", "## Answers put to the verifier (from the traces)", "", answers]
    md += ["## Where the tokens went (from the traces)", "", breakdown]
    from agent.report.behaviour import behaviour_markdown

    behaviour = behaviour_markdown([r.trace_path for r in rows if r.trace_path and Path(r.trace_path).exists()])
    md += ["## What the loop did (from the traces)", "", behaviour]
    if calibration_md:
        md += ["## Judge calibration", "", calibration_md]
    paths = {"md": out / "summary.md", "csv": out / "summary.csv", "png": out / "plot.png",
             "html": out / "report.html"}
    paths["md"].write_text("\n".join(md), encoding="utf-8")
    paths["csv"].write_text(to_csv(full + groups), encoding="utf-8")
    import matplotlib.pyplot as plt

    problems = len({(r.suite, r.problem_id) for r in rows})
    fig = make_figure(rows, f"{title}\n{', '.join(backends)}; {', '.join(budgets)} per problem; {problems} problems")
    paths["png"].write_bytes(figure_bytes(fig, "png"))
    svg = figure_bytes(fig, "svg").decode("utf-8")
    plt.close(fig)
    svg = svg[svg.find("<svg"):]   # drop the XML prologue: inline SVG in HTML
    page = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
            f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>",
            f"<p class='meta'>{html.escape(meta)} — generated {time.strftime('%Y-%m-%d %H:%M')}</p>",
            "<h2>Per policy (all suites)</h2>", _table_html(overall), svg,
            "<h2>Per suite and policy</h2>", _table_html(full[len(overall):])]
    if groups:
        page += ["<h2>Per group and policy</h2>", f"<p>{html.escape(GROUPS_NOTE)}</p>", _table_html(groups)]
    page += ["<h2>Solved problems</h2><ul>"]
    page += [f"<li><b>{html.escape(s.policy)}</b>: {html.escape(', '.join(s.solved_ids) or 'none')}</li>"
             for s in overall]
    page += ["</ul><h2>Answers put to the verifier</h2>", _md_to_html_table(answers)]
    page += ["<h2>Where the tokens went</h2>", _md_to_html_table(breakdown)]
    page += ["<h2>What the loop did</h2>", _md_to_html_table(behaviour) if behaviour.startswith("|")
             else f"<p>{html.escape(behaviour)}</p>"]
    if calibration_md:
        page += ["<h2>Judge calibration</h2>"]
        page += [_md_to_html_table(block) if block.lstrip().startswith("|") else f"<p>{html.escape(block)}</p>"
                 for block in calibration_md.split("\n\n") if block.strip()]
    page += ["</body></html>"]
    paths["html"].write_text("\n".join(page), encoding="utf-8")
    return paths
