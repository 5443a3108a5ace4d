"""Exploring a statement to prove: an examples table made by the problem's own definition, and a
ledger of conjectures, each a runnable predicate with its status.

A proof problem whose `definition` defines `make_example(rng)` (a JSON-able example from a seeded
`random.Random`) and `describe(ex)` (one short line) can be played with. The tools:

- `make_examples(problem, seeds)`: the definition's examples for these seeds, described;
- `check_conjecture(problem, code, seeds)`: a model-written `conjecture(ex) -> bool` run on the
  example of every seed, in the sandbox; the first seed it fails on refutes it.

Each computes the consequence of one choice (these seeds, this predicate). Conjectures that
survive are evidence, not proof: the ledger says on how many examples each held.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, Field

EXAMPLES_PER_STEP = 8          # new examples per `examples` step
FRESH_PER_HUNT = 40            # fresh examples per counterexample hunt over the ledger
_MARK = "__POLYA_EXPLORE__"


def can_explore(problem) -> bool:
    d = getattr(problem, "definition", "") or ""
    return getattr(problem, "kind", "") in ("proof", "open") and "def make_example" in d and "def describe" in d


class Conjecture(BaseModel):
    id: str                                          # C1, C2, ...
    statement: str                                   # the model's sentence
    code: str                                        # defines conjecture(ex) -> bool
    status: Literal["open", "survived", "refuted", "broken"] = "open"
    checked: int = 0                                 # examples it held on
    refuted_by: str = ""                             # the described example it failed on
    error: str = ""                                  # why it could not be run

    def line(self) -> str:
        if self.status == "refuted":
            return f"{self.id} REFUTED after {self.checked} examples: {self.statement} — fails on {self.refuted_by}"
        if self.status == "broken":
            return f"{self.id} could not be run ({self.error}): {self.statement}"
        return f"{self.id} held on all {self.checked} examples so far: {self.statement}"


class ExplorationWorkspace(BaseModel):
    seeds: list[int] = Field(default_factory=list)   # examples made so far, by seed
    shown: list[str] = Field(default_factory=list)   # a few described examples, for prompts
    conjectures: list[Conjecture] = Field(default_factory=list)

    def next_seeds(self, k: int) -> list[int]:
        start = max(self.seeds, default=-1) + 1
        return list(range(start, start + k))

    def render(self) -> str:
        lines = [f"{len(self.seeds)} examples made by the definition (seeds 0..{max(self.seeds, default=-1)}); a few:"]
        lines += [f"  {s}" for s in self.shown[:8]]
        lines += [c.line() for c in self.conjectures[-8:]] or ["No conjecture tested yet."]
        return "\n".join(lines)

    def summary(self) -> dict:
        by = {s: sum(c.status == s for c in self.conjectures) for s in ("survived", "refuted", "broken")}
        return {"examples": len(self.seeds), "conjectures": len(self.conjectures), **by}

    def ledger_text(self) -> str:
        return "\n".join(c.line() for c in self.conjectures) or "(no conjectures)"


def _run(problem, body: str, timeout_s: float):
    from agent import sandbox

    res = sandbox.run(f"{problem.definition}\n\nimport json as _json, random as _random\n{body}", timeout_s=timeout_s)
    line = next((ln[len(_MARK):] for ln in reversed(res.stdout.splitlines()) if ln.startswith(_MARK)), None)
    if line is None:
        why = res.killed_reason or ("timed out" if res.timed_out else
                                    (res.stderr.strip().splitlines() or [f"exit {res.exit_code}"])[-1][:300])
        return None, why
    return json.loads(line), ""


def make_examples(problem, seeds: list[int], timeout_s: float = 20.0) -> tuple[list[str] | None, str]:
    body = (f"print({_MARK!r} + _json.dumps([str(describe(make_example(_random.Random(_s))))[:300] "
            f"for _s in {seeds!r}]))\n")
    return _run(problem, body, timeout_s)


def check_conjecture(problem, code: str, seeds: list[int], timeout_s: float = 20.0) -> tuple[dict | None, str]:
    """{"checked": k, "failed_seed": s | None, "failed": description, "error": ""} for the model's
    `conjecture(ex)` over the examples of `seeds`, stopping at the first failure."""
    body = (f"{code}\n\n_out = {{'checked': 0, 'failed_seed': None, 'failed': '', 'error': ''}}\n"
            f"for _s in {seeds!r}:\n"
            "    _ex = make_example(_random.Random(_s))\n"
            "    try:\n        _ok = bool(conjecture(_ex))\n"
            "    except Exception as _e:\n"
            "        _out['error'] = f'{type(_e).__name__}: {_e}'[:200]\n        break\n"
            "    if not _ok:\n        _out['failed_seed'], _out['failed'] = _s, str(describe(_ex))[:300]\n        break\n"
            "    _out['checked'] += 1\n"
            f"print({_MARK!r} + _json.dumps(_out))\n")
    return _run(problem, body, timeout_s)
