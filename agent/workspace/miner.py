"""A conjecture miner for an examples table: templates run as predicates over every example.

An example is a JSON object made by a problem's definition (agent/workspace/explore.py); its
integer lists of at least MIN_COLUMN terms are its columns (an example that is itself such a list is
the column `a`). Each column is split into subsequences: the whole column, its parity classes
(a_1, a_3, ... and a_2, a_4, ..., counting from 1 as a problem does) and its residue classes mod 3.

Per example and subsequence the miner measures, within the horizon (the terms the example has):
- eventually periodic: the smallest pre-period + period whose periodic tail covers at least half
  of the terms and repeats at least three times;
- unbounded: a new maximum is set in the last quarter; eventually monotone: the second half never
  decreases;
- values: T = the largest value seen in the first half that still occurs in the last quarter.
  "Small values recur, large ones finitely often" holds when every value <= T of the second half
  occurs in the last quarter, and values > T still occur there (new large ones keep coming).
Conjectures over all examples are made from these (each class, all / at least one / exactly one
class of a group periodic, a fixed period or threshold for every example, one class eventually below
the other). A parameter a conjecture pins (a period, a threshold) is read off the first FIT_EXAMPLES
examples and then checked on all of them, so every conjecture can be refuted. Each result says how
many examples it held on, up to which horizon, and how many distinct examples those were, or the
first example that refuted it (described by the problem's `describe`).

Ranking: surprise (how rarely the predicate holds on the same examples with each column shuffled:
-log2 of that rate) plus specificity (how much the statement pins down). Nothing here is a proof.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

MIN_COLUMN = 40
FIT_EXAMPLES = 20
NULL_EXAMPLES = 50          # examples shuffled for the surprise estimate
MAX_PERIOD = 60

Features = dict[str, dict[str, Any]]      # subsequence name -> measurements


class Mined(BaseModel):
    id: str
    statement: str
    template: str
    source: str = "tool:miner"
    status: Literal["survived", "refuted"] = "survived"
    held: int = 0                     # examples it held on (all of them if it survived)
    distinct: int = 0                 # distinct examples among those
    horizon: int = 0                  # the fewest terms an example had
    refuted_by: str = ""              # the example that refuted it, described
    surprise: float = 0.0             # bits: -log2(rate it holds on shuffled columns)
    specificity: int = 1

    def line(self) -> str:
        where = f"(held on {self.held} examples, {self.distinct} distinct, horizon {self.horizon} terms)"
        if self.status == "refuted":
            return f"{self.id} REFUTED after {self.held} examples: {self.statement} - fails on {self.refuted_by}"
        return f"{self.id} [{self.source}] {self.statement} {where}; surprise {self.surprise:.1f} bits, specificity {self.specificity}"


# -- measurements -----------------------------------------------------------------------------------
def columns(ex: Any) -> dict[str, list[int]]:
    if _int_list(ex):
        return {"a": list(ex)}
    if isinstance(ex, dict):
        return {k: list(v) for k, v in ex.items() if _int_list(v)}
    return {}


def _int_list(v: Any) -> bool:
    return isinstance(v, list) and len(v) >= MIN_COLUMN and all(isinstance(x, int) and not isinstance(x, bool) for x in v)


def groups(name: str) -> dict[str, list[str]]:
    """The subsequence groups of a column: its parity classes and its residue classes mod 3."""
    return {f"the parity classes of {name}": [f"{name}_1, {name}_3, ...", f"{name}_2, {name}_4, ..."],
            f"the classes of {name} mod 3": [f"{name}_1, {name}_4, ...", f"{name}_2, {name}_5, ...", f"{name}_3, {name}_6, ..."]}


def subsequences(name: str, col: list[int]) -> dict[str, list[int]]:
    parity, mod3 = groups(name).values()
    return {name: col, parity[0]: col[0::2], parity[1]: col[1::2], **{mod3[r]: col[r::3] for r in range(3)}}


def eventual_period(s: list[int]) -> tuple[int, int] | None:
    """The smallest pre-period + period (period <= MAX_PERIOD) whose periodic tail covers at least half
    of the terms and repeats at least three times; None if there is none within the horizon."""
    n, best = len(s), None
    for p in range(1, min(MAX_PERIOD, n // 3) + 1):
        pre = next((i + 1 for i in range(n - p - 1, -1, -1) if s[i] != s[i + p]), 0)  # the last break, + 1
        if pre <= n // 2 and n - pre >= 3 * p and (best is None or pre + p < sum(best)):
            best = (pre, p)
    return best


def value_split(s: list[int]) -> int | None:
    """T when small values recur and large ones are seen finitely often (module docstring), else None."""
    n = len(s)
    first, second, tail = set(s[:n // 2]), s[n // 2:], set(s[-(n // 4):])
    both = first & tail
    if not both:
        return None
    t = max(both)
    if any(v > t for v in tail) and all(v in tail for v in second if v <= t):
        return t
    return None


def measure(ex: Any) -> Features:
    out: Features = {}
    for name, col in columns(ex).items():
        for sub, s in subsequences(name, col).items():
            quarter = len(s) - len(s) // 4
            out[sub] = {"period": eventual_period(s), "len": len(s),
                        "unbounded": max(s[quarter:]) > max(s[:quarter]),
                        "monotone": all(x <= y for x, y in zip(s[len(s) // 2:], s[len(s) // 2 + 1:], strict=False)),
                        "split": value_split(s), "tail": s[len(s) // 2:]}
    return out


# -- conjectures --------------------------------------------------------------------------------------
@dataclass
class Candidate:
    statement: str
    template: str
    specificity: int
    holds: Callable[[Features], bool]


def _periodic(f: Features, sub: str) -> bool:
    return f[sub]["period"] is not None


def _separated(f: Features, lo: str, hi: str) -> bool:
    return max(f[lo]["tail"]) < min(f[hi]["tail"])


def candidates(fit: list[Features]) -> list[Candidate]:
    """Every template instance; pinned parameters are read off `fit` (the first examples)."""
    if not fit:
        return []
    out: list[Candidate] = []
    names = sorted(k for k in fit[0] if "," not in k)          # the whole columns (classes have commas)
    for name in names:
        out += _column_candidates(name, fit)
        for group, members in groups(name).items():
            out += _group_candidates(group, members, fit)
    for i, x in enumerate(names):
        for y in names[i + 1:]:
            out += _pair_candidates(x, y)
    return out


def _termwise(f: Features, x: str, y: str, op: Callable[[int, int], bool]) -> bool:
    return len(f[x]["tail"]) == len(f[y]["tail"]) and all(op(a, b) for a, b in zip(f[x]["tail"], f[y]["tail"], strict=True))


def _pair_candidates(x: str, y: str) -> list[Candidate]:
    """Simple relations between two columns, term by term over the second half."""
    return [Candidate(f"eventually {x} = {y} term by term", "relation: equal", 2,
                      lambda f: _termwise(f, x, y, lambda a, b: a == b)),
            Candidate(f"eventually {x} <= {y} term by term", "relation: at most", 1,
                      lambda f: _termwise(f, x, y, lambda a, b: a <= b)),
            Candidate(f"eventually {x} >= {y} term by term", "relation: at least", 1,
                      lambda f: _termwise(f, x, y, lambda a, b: a >= b))]


def _common(values: list[Any]) -> Any:
    values = [v for v in values if v is not None]
    return Counter(values).most_common(1)[0][0] if values else None


def _column_candidates(name: str, fit: list[Features]) -> list[Candidate]:
    out = []
    for sub in [name, *[m for ms in groups(name).values() for m in ms]]:
        out.append(Candidate(f"{sub} is eventually periodic", "eventually periodic", 1, lambda f, s=sub: _periodic(f, s)))
        out.append(Candidate(f"{sub} is unbounded (new maxima in the last quarter)", "unbounded", 1,
                             lambda f, s=sub: f[s]["unbounded"]))
        out.append(Candidate(f"{sub} is bounded (no new maximum in the last quarter)", "bounded", 1,
                             lambda f, s=sub: not f[s]["unbounded"]))
        out.append(Candidate(f"{sub} is eventually non-decreasing", "eventually monotone", 1,
                             lambda f, s=sub: f[s]["monotone"]))
    out.append(Candidate(f"in {name}, small values recur and large ones are seen finitely often: some T has every "
                         f"value <= T of the second half recur in the last quarter, no first-half value > T there, "
                         f"and new values > T keep coming", "values: finitely / infinitely often", 3,
                         lambda f: f[name]["split"] is not None))
    t0 = _common([f[name]["split"] for f in fit])
    if t0 is not None:
        out.append(Candidate(f"in {name}, small values recur and large ones are seen finitely often, with the same "
                             f"threshold T = {t0} for every example", "values: fixed threshold", 4,
                             lambda f: f[name]["split"] == t0))
    return out


def _group_candidates(group: str, members: list[str], fit: list[Features]) -> list[Candidate]:
    def count(f):
        return sum(_periodic(f, m) for m in members)

    def periodic_one(f):
        return next((m for m in members if _periodic(f, m)), None)

    out = [Candidate(f"all of {group} are eventually periodic", "eventually periodic: all", 2, lambda f: count(f) == len(members)),
           Candidate(f"at least one of {group} is eventually periodic", "eventually periodic: some", 1, lambda f: count(f) >= 1),
           Candidate(f"exactly one of {group} is eventually periodic", "eventually periodic: exactly one", 2,
                     lambda f: count(f) == 1),
           Candidate(f"exactly one of {group} is eventually periodic and the others are unbounded",
                     "eventually periodic and unbounded", 3,
                     lambda f: count(f) == 1 and all(f[m]["unbounded"] for m in members if not _periodic(f, m)))]
    p0 = _common([f[periodic_one(f)]["period"][1] for f in fit if periodic_one(f)])
    if p0 is not None:
        out.append(Candidate(f"one of {group} is eventually periodic with period {p0}, the same for every example",
                             "eventually periodic: fixed period", 3,
                             lambda f: any(f[m]["period"] is not None and f[m]["period"][1] == p0 for m in members)))
    if len(members) == 2:
        a, b = members
        out.append(Candidate(f"eventually every term of one of {group} is smaller than every term of the other "
                             f"(second halves)", "relation: one class below the other", 3,
                             lambda f: _separated(f, a, b) or _separated(f, b, a)))
        out.append(Candidate(f"eventually every term of {a} is smaller than every term of {b}",
                             "relation: this class below that one", 3, lambda f: _separated(f, a, b)))
    return out


# -- running them -------------------------------------------------------------------------------------
def _key(ex: Any) -> str:
    short = {k: v for k, v in ex.items() if not _int_list(v)} if isinstance(ex, dict) else ex[:MIN_COLUMN]
    return json.dumps(short, sort_keys=True)


def _shuffled(ex: Any, rng: random.Random) -> Any:
    def mix(v):
        v = list(v)
        rng.shuffle(v)
        return v
    if _int_list(ex):
        return mix(ex)
    return {k: mix(v) if _int_list(v) else v for k, v in ex.items()}


@dataclass
class MinerRun:
    """The ledger and what the statement-code check needs: every conjecture's verdict on each
    example and on each contrast example (the first NULL_EXAMPLES examples with every column shuffled,
    where an order-dependent template is mostly false)."""

    ledger: list[Mined]
    verdicts: dict[str, list[bool]]      # Mined.id -> verdict per example, then per contrast example
    contrast: list[Any]
    checks: dict[str, Callable[[Features], bool]]   # Mined.id -> its predicate on measured features
    keys: set[str] = field(default_factory=set)      # the distinct examples seen, mined and rechecked

    def first_failures(self, examples: list[Any], ids: list[str]) -> dict[str, int | None]:
        """For more examples (fresh seeds): the index of the first one each conjecture fails on, or
        None; the examples join the distinct ones seen."""
        feats = [measure(ex) for ex in examples]
        self.keys |= {_key(ex) for ex in examples}
        return {i: next((k for k, f in enumerate(feats) if not self.checks[i](f)), None) for i in ids}


def mine(examples: list[Any], described: list[str] | None = None, seed: int = 0) -> list[Mined]:
    """Every candidate run on every example: survivors first (by surprise + specificity), then the
    refuted, each with the example that refuted it."""
    return mine_run(examples, described, seed).ledger


def mine_run(examples: list[Any], described: list[str] | None = None, seed: int = 0) -> MinerRun:
    """`mine`, keeping each conjecture's verdicts on the examples and on the contrast examples."""
    feats = [measure(ex) for ex in examples]
    described = described or [json.dumps(ex)[:200] for ex in examples]
    rng = random.Random(seed)
    contrast = [_shuffled(ex, rng) for ex in examples[:NULL_EXAMPLES]]
    null = [measure(ex) for ex in contrast]
    horizon = min((len(c) for ex in examples for c in columns(ex).values()), default=0)
    rows = []
    for cand in candidates(feats[:FIT_EXAMPLES]):
        real, shuffled = [cand.holds(f) for f in feats], [cand.holds(f) for f in null]
        failed = next((i for i, ok in enumerate(real) if not ok), None)
        rate = sum(shuffled) / len(null) if null else 1.0
        held = len(feats) if failed is None else failed
        rows.append((Mined(id="", statement=cand.statement, template=cand.template,
                           status="survived" if failed is None else "refuted", held=held,
                           distinct=len({_key(ex) for ex in examples[:held]}), horizon=horizon,
                           refuted_by="" if failed is None else described[failed],
                           surprise=round(-math.log2(max(rate, 1 / (len(null) + 1))), 2),
                           specificity=cand.specificity), real + shuffled, cand.holds))
    rows.sort(key=lambda r: (r[0].status != "survived",
                             -(r[0].surprise + r[0].specificity) if r[0].status == "survived" else -r[0].held))
    for i, (m, _, _) in enumerate(rows, 1):
        m.id = f"M{i}"
    return MinerRun([m for m, _, _ in rows], {m.id: v for m, v, _ in rows}, contrast, {m.id: h for m, _, h in rows},
                    {_key(ex) for ex in examples})


def fetch_examples(problem, seeds: list[int], timeout_s: float = 60.0, batch: int = 100
                   ) -> tuple[list[Any], list[str], str]:
    """The definition's examples for these seeds and their descriptions, made in the sandbox (the
    definition is the problem's code), `batch` seeds per run (the sandbox's output limit):
    (examples, described, why they could not all be made)."""
    examples: list[Any] = []
    described: list[str] = []
    for start in range(0, len(seeds), batch):
        ex, de, why = _fetch(problem, seeds[start:start + batch], timeout_s)
        examples, described = examples + ex, described + de
        if why:
            return examples, described, why
    return examples, described, ""


def _fetch(problem, seeds: list[int], timeout_s: float) -> tuple[list[Any], list[str], str]:
    from agent import sandbox

    mark = "__POLYA_MINER__"
    body = (f"{problem.definition}\n\nimport json as _json, random as _random\n"
            f"for _s in {seeds!r}:\n"
            "    _ex = make_example(_random.Random(_s))\n"
            f"    print({mark!r} + _json.dumps([_ex, str(describe(_ex))[:300]]))\n")
    res = sandbox.run(body, timeout_s=timeout_s, output_limit=64_000 + 8_000 * len(seeds))
    rows = [json.loads(ln[len(mark):]) for ln in res.stdout.splitlines() if ln.startswith(mark)]
    why = "" if len(rows) == len(seeds) else (res.killed_reason or (res.stderr.strip().splitlines() or ["no output"])[-1][:300])
    return [r[0] for r in rows], [r[1] for r in rows], why
