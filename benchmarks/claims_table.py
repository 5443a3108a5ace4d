"""The claims-in-both-forms table (issue 37): the same claims benched as `counterexample` problems
(ids `ce-NAME`, problems/conjectures/hunt.yaml) and as `conjecture` problems (ids `cj-NAME`,
problems/conjectures/hunt-conjecture.yaml), per form and policy: false claims refuted, true claims
kept, tokens and wall seconds per claim, and the aim's check — the loop (`llm`, `learned`, `bandit`, `random`)
refutes every claim `pot` refutes in the same form.

    python benchmarks/claims_table.py OUT_DIR [OUT_DIR ...]            # the per-policy table
    python benchmarks/claims_table.py OUT_DIR [OUT_DIR ...] --claims   # one row per claim
    python benchmarks/claims_table.py OUT_DIR [...] --only problems/experience/eval-hunt.yaml
                                            # only the claims of a suite (either form), e.g. an evaluation part

Rows are read from each directory's results.jsonl (the newest row of a claim, form and policy wins);
a row's `group` ("false claim" / "true claim") was read from the reference or the `group:` tag by the
bench, for the report only. A true claim is kept when the run says it holds: in the counterexample
form the grader accepts the answer `none`; the conjecture form asks for an integer where the claim
fails, so a true claim there has no right answer (the bench row says `gave_up` or `budget`), and it
is kept when the run's answer is the hunt's conclusion `none ...` rather than a candidate.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

FORMS = {"cj": "conjecture form", "ce": "counterexample form"}
POLICIES = ["llm", "learned", "bandit", "random", "pot", "cot"]
LOOP = ("llm", "learned", "bandit", "random")


def load_rows(dirs: list[str]) -> dict[tuple[str, str, str], dict]:
    """(form, claim, policy) -> the newest row without a harness error."""
    latest: dict[tuple[str, str, str], dict] = {}
    for d in dirs:
        results = Path(d) / "results.jsonl"
        if not results.is_file():
            print(f"claims_table: no bench rows at {results}", file=sys.stderr)
            sys.exit(2)
        for line in results.read_text().splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            form, _, claim = row["problem_id"].partition("-")
            # rows from before the bench wrote a group (older loops) are left out: like with like
            if form in FORMS and row["harness_error"] is None and row.get("group"):
                latest[(form, claim, row["policy"])] = row
    return latest


def kept(form: str, row: dict) -> bool:
    if form == "ce":
        return bool(row["solved"])
    return str(row["answer"] or "").strip().lower().startswith("none")


def right(form: str, row: dict) -> bool:
    """Refuted a false claim (the check accepted a counterexample), or kept a true one."""
    return bool(row["solved"]) if row["group"] == "false claim" else kept(form, row)


def policy_table(latest: dict) -> list[str]:
    lines = ["| form | policy | false claims refuted | true claims kept | overall | LLM calls/claim | "
             "tokens/claim | wall s/claim (median) |", "|---|---|---|---|---|---|---|---|"]
    for form, form_name in FORMS.items():
        for policy in POLICIES:
            rows = [r for (f, _, p), r in latest.items() if f == form and p == policy]
            rows = [r | {"solved": right(form, r)} for r in rows]
            if not rows:
                continue
            false = [r for r in rows if r["group"] == "false claim"]
            true = [r for r in rows if r["group"] == "true claim"]
            refuted, kept = sum(r["solved"] for r in false), sum(r["solved"] for r in true)
            lines.append(
                f"| {form_name} | `{policy}` | {refuted}/{len(false)} | {kept}/{len(true)} | "
                f"{refuted + kept}/{len(rows)} | {statistics.mean(r['llm_calls'] for r in rows):.1f} | "
                f"{statistics.mean(r['prompt_tokens'] + r['completion_tokens'] for r in rows):.0f} | "
                f"{statistics.median(r['wall_s'] for r in rows):.0f} |")
    return lines


def pot_check(latest: dict) -> list[str]:
    """Per form and loop policy: the claims `pot` refuted that the loop did not (the aim: none)."""
    lines = []
    for form, form_name in FORMS.items():
        pot_refuted = {c for (f, c, p), r in latest.items() if f == form and p == "pot" and r["solved"]
                       and r["group"] == "false claim"}
        for policy in LOOP:
            ran = {c: r for (f, c, p), r in latest.items() if f == form and p == policy}
            if not ran or not pot_refuted:
                continue
            missed = sorted(c for c in pot_refuted if c in ran and not ran[c]["solved"])
            unmeasured = sorted(c for c in pot_refuted if c not in ran)
            lines.append(f"- {form_name}, `{policy}`: refutes {len(pot_refuted) - len(missed) - len(unmeasured)} of "
                         f"the {len(pot_refuted)} claims `pot` refutes"
                         + (f"; misses {', '.join(missed)}" if missed else "")
                         + (f"; not run on {', '.join(unmeasured)}" if unmeasured else ""))
    return lines


def claim_table(latest: dict) -> list[str]:
    columns = [(f, p) for f in FORMS for p in POLICIES if any(k[0] == f and k[2] == p for k in latest)]
    lines = ["| claim | " + " | ".join(f"{f} `{p}`" for f, p in columns) + " |", "|---" * (len(columns) + 1) + "|"]
    # bold: right (a counterexample the claim's own check confirms, or a true claim kept)
    groups = {c: r["group"] for (_, c, _), r in latest.items()}
    for claim in sorted(groups, key=lambda c: (groups[c], c)):
        cells = []
        for form, policy in columns:
            row = latest.get((form, claim, policy))
            if row is None:
                cells.append("-")
                continue
            answer = (str(row["answer"]).split(" ")[0] if row["answer"] else "-")[:12]
            tokens = row["prompt_tokens"] + row["completion_tokens"]
            cells.append(f"{'**' + answer + '**' if right(form, row) else answer} {tokens}t {row['wall_s']:.0f}s")
        lines.append(f"| {claim} ({groups[claim]}) | " + " | ".join(cells) + " |")
    return lines


def claims_of(suite: str) -> set[str]:
    """The claim names (ids without the form's prefix) of a suite file."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from agent.problems import load_suite

    return {p.id.partition("-")[2] for p in load_suite(suite).problems}


def main(argv: list[str]) -> None:
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    dirs = [a for i, a in enumerate(argv) if not a.startswith("--") and (i == 0 or argv[i - 1] != "--only")]
    latest = load_rows(dirs)
    if only is not None:
        keep = claims_of(only)
        latest = {k: r for k, r in latest.items() if k[1] in keep}
    print("\n".join(claim_table(latest) if "--claims" in argv else policy_table(latest) + [""] + pot_check(latest)))


if __name__ == "__main__":
    main(sys.argv[1:])
