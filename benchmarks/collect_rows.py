"""Collect bench rows (and the traces they name) from working bench directories into one directory,
e.g. a committed table under docs/results/, so `polya bench --out DIR --report-only` reads it whole.

    python benchmarks/collect_rows.py docs/results/math500-20 \
        bench-results/math-1.5b --suite math/math500-dev --policies direct,cot,pot \
        bench-results/math500-loop

Each source directory may be followed by `--suite S` and/or `--policies a,b` (only those rows).
Rows are pooled in the order given, one per (suite, problem, policy, seed): a later source replaces
an earlier row. The output's results.jsonl is rewritten (plain JSONL), its traces/ holds exactly
the traces the rows name, gzipped (`NAME.jsonl.gz`, docs/traces.md), and every row's trace_path
points there. Rows from different backends or budgets are
refused: a table compares runs under one budget.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.trace.files import compress_trace, find_traces, resolve, trace_stem  # noqa: E402


def parse(args: list[str]) -> tuple[Path, list[tuple[Path, str | None, set[str] | None]]]:
    if not args:
        raise SystemExit(__doc__)
    out, sources = Path(args[0]), []
    i = 1
    while i < len(args):
        src, suite, policies = Path(args[i]), None, None
        i += 1
        while i < len(args) and args[i] in ("--suite", "--policies"):
            if args[i] == "--suite":
                suite = args[i + 1]
            else:
                policies = set(args[i + 1].split(","))
            i += 2
        sources.append((src, suite, policies))
    return out, sources


def collect(out: Path, sources: list[tuple[Path, str | None, set[str] | None]]) -> int:
    rows: dict[tuple, dict] = {}
    for src, suite, policies in sources:
        for line in (src / "results.jsonl").read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue      # a line torn by a killed bench
            if (suite and row["suite"] != suite) or (policies and row["policy"] not in policies):
                continue
            trace = Path(row.get("trace_path") or "")
            found = resolve(trace) or resolve(src / "traces" / trace.name) if row.get("trace_path") else None
            row["_trace_file"] = str(found or "")
            rows[(row["suite"], row["problem_id"], row["policy"], row["seed"])] = row
    settings = {(r["backend"], json.dumps(r["budget"], sort_keys=True)) for r in rows.values()}
    if len(settings) > 1:
        raise SystemExit(f"rows under more than one backend/budget: {sorted(settings)}")
    traces = out / "traces"
    traces.mkdir(parents=True, exist_ok=True)
    named = set()
    lines = []
    for row in rows.values():
        source = row.pop("_trace_file")
        if source:
            target = traces / f"{trace_stem(source)}.jsonl.gz"
            if Path(source).resolve() != target.resolve():
                compress_trace(source, target)
            row["trace_path"] = str(target)
            named.add(target.name)
        lines.append(json.dumps(row))
    for stale in find_traces(traces, ""):
        if stale.name not in named:
            stale.unlink()
    (out / "results.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


if __name__ == "__main__":
    target, chosen = parse(sys.argv[1:])
    print(f"{collect(target, chosen)} rows in {target / 'results.jsonl'}")
