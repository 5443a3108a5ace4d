"""The workspace of a counterexample hunt: what is known, exactly, about where a claim holds.

- `scanned_to`: every integer 0..scanned_to was checked one at a time by the `scan` tool (playing
  with small cases: one block of `SCAN_BLOCK` per step, never a search on the agent's behalf);
- `families`: the ledger of conjectures about *where it breaks* — each a set of candidates the
  model's program proposed, every one checked by the definition, with its status (survived k
  values / refuted by n);
- `searches`: the model's own search programs and the range each says it covered (a claim with the
  program as its provenance: the program is the model's, the tool only checks what it prints);
- `failures`: counterexamples the definition confirmed.

All checks run the problem's own definition (`agent.verify.hunt.run_checks`): no reference answer.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

SCAN_BLOCK = 200          # integers checked per `examples` step
MAX_FAMILY = 2000         # candidates of one family the tool checks


class Family(BaseModel):
    label: str                                   # what the model said the family is
    source: str = "program"                      # who proposed the candidates
    checked: int = 0                             # candidates in the domain that were checked
    status: Literal["survived", "refuted", "unchecked"] = "unchecked"
    refuted_by: int | None = None
    note: str = ""                               # why unchecked, or what was skipped

    def line(self) -> str:
        if self.status == "refuted":
            return f"family '{self.label}' ({self.source}): REFUTED, the claim fails at n = {self.refuted_by}"
        if self.status == "survived":
            return f"family '{self.label}' ({self.source}): the claim held at all {self.checked} candidates"
        return f"family '{self.label}' ({self.source}): not checked ({self.note})"


class Search(BaseModel):
    plan: str                                    # the program's one-line description
    claimed: str = ""                            # its own "CHECKED ..." line, as printed
    found: list[int] = Field(default_factory=list)
    failed: str = ""                             # why the program did not finish, if it did not

    def line(self) -> str:
        if self.failed:
            return f"search program '{self.plan}' did not finish: {self.failed}"
        what = f"printed counterexample(s) {', '.join(map(str, self.found[:5]))}" if self.found else "found none"
        return f"search program '{self.plan}': {what}; it reports: {self.claimed or '(no CHECKED line)'}"


class HuntWorkspace(BaseModel):
    scanned_to: int = -1                         # 0..scanned_to checked one by one (tool)
    in_domain_seen: int = 0                      # how many of those were in the domain
    families: list[Family] = Field(default_factory=list)
    searches: list[Search] = Field(default_factory=list)
    failures: list[int] = Field(default_factory=list)
    progress_seen: list[float] = Field(default_factory=list)   # hunt_progress at each verdict, in order

    def next_block(self) -> list[int]:
        start = self.scanned_to + 1
        return list(range(start, start + SCAN_BLOCK))

    def record_scan(self, values: list[int], rows: list[tuple[bool, bool | None]]) -> int | None:
        """Fold one scanned block in; the first failure in it, if any."""
        failure = None
        for n, (in_domain, holds) in zip(values, rows, strict=True):
            self.in_domain_seen += bool(in_domain)
            if in_domain and holds is False and failure is None:
                failure = n
        self.scanned_to = max(self.scanned_to, values[-1])
        if failure is not None:
            self.add_failure(failure)
        return failure

    def add_failure(self, n: int) -> None:
        if n not in self.failures:
            self.failures.append(n)

    def render(self) -> str:
        lines = [f"Checked one by one (tool): every n from 0 to {self.scanned_to} "
                 f"({self.in_domain_seen} of them in the domain)" if self.scanned_to >= 0
                 else "Checked one by one (tool): nothing yet"]
        lines += [f.line() for f in self.families[-6:]]
        lines += [s.line() for s in self.searches[-4:]]
        if self.failures:
            lines.append(f"Counterexamples confirmed by the definition: {', '.join(map(str, self.failures))}")
        return "\n".join(lines)

    def summary(self) -> dict:
        return {"scanned_to": self.scanned_to, "families": len(self.families),
                "refuted_families": sum(f.status == "refuted" for f in self.families),
                "searches": len(self.searches), "failures": list(self.failures)}

    def _empty(self) -> list[Search]:
        """Search programs that ran to their end (a CHECKED line) and found nothing."""
        return [s for s in self.searches if not s.found and not s.failed and s.claimed]

    def searched_to(self) -> int:
        """The furthest n an empty search reports checking (its CHECKED line: a claim, with the
        program as provenance), or -1."""
        ends = [int(m.group(1)) for s in self._empty() if (m := re.search(r"to\s+(-?\d+)\s*$", s.claimed))]
        return max(ends, default=-1)

    def empty_searches(self) -> int:
        return len(self._empty())

    def conclusion(self) -> str:
        """The hunt's answer when no counterexample was confirmed: "none", with what was checked."""
        parts = [f"n <= {self.scanned_to} checked one by one"] if self.scanned_to >= 0 else []
        parts += [f"{f.checked} candidates of '{f.label}'" for f in self.families if f.status == "survived"][:3]
        parts += [f"a search program reports {s.claimed}" for s in self.searches if s.claimed and not s.found][:2]
        return "none" + (f" (no counterexample found: {'; '.join(parts)})" if parts else "")
