"""MATH-500 dev acceptance of the answer verifier: `python benchmarks/bench_verify_math500.py [--limit N]`.

For every problem of problems/math/math500-dev.yaml it checks that the verifier
  - accepts the last \\boxed{} of the problem's own solution,
  - accepts reasonable rewrites of the reference (prose around it, `Answer:`, $...$, \\dfrac -> \\frac,
    a/b for \\frac{a}{b}, a decimal for a terminating fraction where the problem does not ask for an
    exact form, thousands separators, plain-text pi and sqrt(...)),
  - rejects wrong answers (the reference plus one for numbers; the next problem's reference otherwise,
    when it reads as a different value),
and prints the rates, the failures, and the answers checked per second.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.problems import load_suite  # noqa: E402
from agent.verify import verify  # noqa: E402
from agent.verify.answer import _EXACT_FORM  # noqa: E402
from agent.verify.extract import last_boxed  # noqa: E402

SUITE = ROOT / "problems/math/math500-dev.yaml"
DATA = ROOT / "problems/data/math500/test_dev.jsonl"


def rewrites(answer: str, statement: str) -> list[str]:
    out = [f"The final answer is $\\boxed{{{answer}}}$.", f"Answer: {answer}", f"${answer}$"]
    if "\\dfrac" in answer:
        out.append(answer.replace("\\dfrac", "\\frac"))
    m = re.fullmatch(r"(-?)\\d?frac\{(\d+)\}\{(\d+)\}", answer.strip())
    if m:
        sign, a, b = m.groups()
        out.append(f"{sign}{a}/{b}")
        value = Fraction(int(a), int(b))
        den = value.denominator
        while den % 2 == 0:
            den //= 2
        while den % 5 == 0:
            den //= 5
        if den == 1 and not _EXACT_FORM.search(statement):
            out.append(f"{sign}{float(value)}")
    if re.fullmatch(r"\d{4,}", answer.strip()):
        out.append(f"{int(answer):,}")
    if re.fullmatch(r"-?\d+", answer.strip()):
        out.append(f"So there are {answer} of them, i.e. x = {answer}.")
    if "\\pi" in answer:   # plain-text forms models write
        out.append(answer.replace("\\pi", "pi"))
    if "\\sqrt" in answer:
        out.append(re.sub(r"\\sqrt\{([^{}]*)\}", r"sqrt(\1)", answer))
    return out


def wrong(answer: str, other: str) -> str:
    a = answer.strip()
    if re.fullmatch(r"-?\d+", a):
        return str(int(a) + 1)
    return other


def main() -> int:
    import json

    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()
    problems = load_suite(SUITE).problems[: args.limit]
    rows = [json.loads(line) for line in DATA.read_text().splitlines()][: len(problems)]
    stats = {"boxed": [0, 0], "rewrite": [0, 0], "reject": [0, 0]}
    failures: list[str] = []
    n_checks, t0, c0 = 0, time.perf_counter(), time.process_time()
    for i, (p, row) in enumerate(zip(problems, rows, strict=True)):
        boxed = last_boxed(row["solution"])
        cases = [("boxed", f"... so the answer is $\\boxed{{{boxed}}}$.", True)]
        cases += [("rewrite", r, True) for r in rewrites(p.answer, p.statement)]
        other = problems[(i + 1) % len(problems)].answer
        bad = wrong(p.answer, other)
        if bad.strip() != p.answer.strip():
            cases.append(("reject", f"Answer: {bad}", False))
        for label, cand, expect in cases:
            res = verify(p, cand)
            n_checks += 1
            if label == "reject" and not res.ok == expect and verify(problems[(i + 1) % len(problems)],
                                                                    f"Answer: {p.answer}").ok:
                continue  # the two references are equivalent: not a wrong answer after all
            stats[label][1] += 1
            if res.ok == expect:
                stats[label][0] += 1
            else:
                failures.append(f"{p.id} [{label}] answer={p.answer!r} candidate={cand!r} -> {res.reason}")
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    for label, (good, total) in stats.items():
        print(f"{label:8s} {good}/{total} = {100 * good / max(total, 1):.1f}%")
    print(f"{n_checks} checks in {dt:.1f}s wall = {n_checks / dt:.0f} answers/s; {cpu:.1f}s CPU = "
          f"{n_checks / cpu:.0f} answers/s")
    print(f"{len(failures)} failures:")
    for f in failures:
        print("  " + f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
