"""Exploring a statement to prove: an examples table made by the problem's own definition, and a
ledger of conjectures, each a runnable predicate with its status.

A proof problem whose `definition` defines `make_example(rng)` (a JSON-able example from a seeded
`random.Random`) and `describe(ex)` (one short line) can be played with. The tools:

- `make_examples(problem, seeds)`: the definition's examples for these seeds, described;
- `check_conjecture(problem, code, seeds)`: a model-written `conjecture(ex) -> bool` run on the
  example of every seed, in the sandbox; the first seed it fails on refutes it;
- `predicate_verdicts(problem, code, seeds, extra)`: the predicate's verdict on every one of these
  examples and of some given ones (the statement-code check, strategies/exploration/mining.py).

Each computes the consequence of one choice (these seeds, this predicate). Conjectures that
survive are evidence, not proof: the ledger says on how many examples each held. The ledger holds
the model's conjectures (`source: model`) and the conjecture miner's (`source: tool:miner`,
agent/workspace/miner.py), each with its provenance.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, Field, PrivateAttr

from agent.workspace.miner import Mined, MinerRun

EXAMPLES_PER_STEP = 8          # new examples per `examples` step
FRESH_PER_HUNT = 40            # fresh examples per counterexample hunt over the ledger
_MARK = "__POLYA_EXPLORE__"


def can_explore(problem) -> bool:
    d = getattr(problem, "definition", "") or ""
    return getattr(problem, "kind", "") in ("proof", "open") and "def make_example" in d and "def describe" in d


class Conjecture(BaseModel):
    id: str                                          # C1, C2, ... (the model's); M1, M2, ... (the miner's)
    statement: str                                   # the model's sentence, or the template's
    code: str = ""                                   # defines conjecture(ex) -> bool (the model's only)
    status: Literal["open", "survived", "refuted", "broken"] = "open"
    checked: int = 0                                 # examples it held on
    refuted_by: str = ""                             # the described example it failed on
    error: str = ""                                  # why it could not be run
    # Added with the miner; the defaults keep older ledgers readable.
    source: str = "model"                            # "model" or "tool:miner"
    template: str = ""                               # the miner's template
    distinct: int = 0                                # distinct examples among those it held on (miner)
    horizon: int = 0                                 # terms each example had (miner)
    surprise: float = 0.0                            # bits (miner: how rarely it holds on shuffled columns)
    specificity: int = 0                             # how much the statement pins down (miner)
    restates: str = ""                               # the mined conjecture the model says its words restate
    code_check: str = ""                             # what the statement-code check found
    trusted: bool = True                             # False: its code tests something else than its words

    @classmethod
    def from_mined(cls, m: Mined) -> Conjecture:
        return cls(id=m.id, statement=m.statement, status=m.status, checked=m.held, refuted_by=m.refuted_by,
                   source=m.source, template=m.template, distinct=m.distinct, horizon=m.horizon,
                   surprise=m.surprise, specificity=m.specificity)

    def line(self) -> str:
        if self.source != "model":
            return self.mined_line()
        if self.status == "refuted":
            text = f"{self.id} REFUTED after {self.checked} examples: {self.statement} — fails on {self.refuted_by}"
        elif self.status == "broken":
            text = f"{self.id} could not be run ({self.error}): {self.statement}"
        else:
            text = f"{self.id} held on all {self.checked} examples so far: {self.statement}"
        if self.code_check:
            text += f" [{'' if self.trusted else 'NOT TRUSTED: '}{self.code_check}]"
        return text

    def mined_line(self, example_chars: int = 300) -> str:
        """The miner's entry; a refuted one with the first `example_chars` of its example (0: none)."""
        if self.status == "refuted":
            where = self.refuted_by[:example_chars] if example_chars else "an example in the ledger"
            return f"{self.id} [{self.source}] REFUTED after {self.checked} examples: {self.statement} — fails on {where}"
        return (f"{self.id} [{self.source}] held on all {self.checked} examples ({self.distinct} distinct, "
                f"{self.horizon} terms each): {self.statement}; surprise {self.surprise:.1f} bits")


class ExplorationWorkspace(BaseModel):
    seeds: list[int] = Field(default_factory=list)   # examples made so far, by seed
    shown: list[str] = Field(default_factory=list)   # a few described examples, for prompts
    conjectures: list[Conjecture] = Field(default_factory=list)
    # the miner's last run (verdicts per example and contrast example, for the statement-code check)
    _miner: MinerRun | None = PrivateAttr(default=None)
    _miner_seeds: list[int] = PrivateAttr(default_factory=list)
    _miner_described: list[str] = PrivateAttr(default_factory=list)

    def next_seeds(self, k: int) -> list[int]:
        start = max(self.seeds, default=-1) + 1
        return list(range(start, start + k))

    def set_miner(self, run: MinerRun, seeds: list[int], described: list[str]) -> None:
        self._miner, self._miner_seeds, self._miner_described = run, seeds, described

    def miner(self) -> MinerRun | None:
        return self._miner

    def miner_examples(self) -> tuple[list[int], list[str]]:
        """The seeds the miner ran on and their described examples."""
        return self._miner_seeds, self._miner_described

    def model_conjectures(self) -> list[Conjecture]:
        return [c for c in self.conjectures if c.source == "model"]

    def mined(self) -> list[Conjecture]:
        return [c for c in self.conjectures if c.source != "model"]

    def live(self) -> list[Conjecture]:
        """The model's conjectures still standing (the ones with a predicate to run again)."""
        return [c for c in self.model_conjectures() if c.status == "survived"]

    def render(self) -> str:
        lines = [f"{len(self.seeds)} examples made by the definition (seeds 0..{max(self.seeds, default=-1)}); a few:"]
        lines += [f"  {s}" for s in self.shown[:8]]
        mined = self.mined()
        if mined:
            lines += self._mined_block(mined)
        lines += [c.line() for c in self.model_conjectures()[-8:]] or ["No conjecture tested yet."]
        return "\n".join(lines)

    @staticmethod
    def _mined_block(mined: list[Conjecture], refuted_shown: int = 10) -> list[str]:
        held = [c for c in mined if c.status == "survived"]
        refuted = [c for c in mined if c.status == "refuted"]
        lines = [f"The conjecture miner's templates ({len(mined)} conjectures): {len(held)} held on every example, "
                 f"ranked by how surprising and specific they are; {len(refuted)} refuted, with the example:"]
        lines += [c.mined_line() for c in held]
        lines += [c.mined_line(example_chars=60) for c in refuted[:refuted_shown]]
        if len(refuted) > refuted_shown:
            lines.append(f"... {len(refuted) - refuted_shown} more refuted")
        return lines

    def summary(self) -> dict:
        by = {s: sum(c.status == s for c in self.conjectures) for s in ("survived", "refuted", "broken")}
        mined = len(self.mined())
        return {"examples": len(self.seeds), "conjectures": len(self.conjectures), **by,
                **({"mined": mined, "untrusted": sum(not c.trusted for c in self.conjectures)} if mined else {})}

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


def predicate_verdicts(problem, code: str, seeds: list[int], extra: list, timeout_s: float = 30.0
                       ) -> tuple[list[bool | None] | None, str]:
    """The model's `conjecture(ex)` on the example of every seed, then on each of `extra` (examples
    given as data): True / False, or None where it raised. Unlike `check_conjecture` it does not
    stop at a failure: the statement-code check compares every verdict."""
    body = (f"{code}\n\n_extra = _json.loads({json.dumps(extra)!r})\n"
            f"_exs = [make_example(_random.Random(_s)) for _s in {seeds!r}] + _extra\n"
            "_out = []\n"
            "for _ex in _exs:\n"
            "    try:\n        _out.append(bool(conjecture(_ex)))\n"
            "    except Exception:\n        _out.append(None)\n"
            f"print({_MARK!r} + _json.dumps(_out))\n")
    return _run(problem, body, timeout_s)
