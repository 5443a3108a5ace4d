"""The run's state: notebook, lines of attack, budget used. Small, serialisable, pydantic.

The notebook is the agent's working memory, shared across attacks. Entries are de-duplicated by
normalised text so the judge can see when a move only repeats what is already known.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr

from agent.trace.events import BudgetState, Decision, Findings
from agent.workspace.boards import StepChoice

NOTEBOOK_SECTIONS = ("facts", "examples", "conjectures", "counterexamples")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower()).rstrip(".")


def _answer_key(answer: str) -> str:
    """Answers that differ only in spacing or case are the same answer ("2*7" and "2 * 7")."""
    return re.sub(r"\s+", "", answer.lower()).rstrip(".")


class Entry(BaseModel):
    text: str
    step: int
    move: str
    attack_id: str
    source: str = "model"      # model (claimed) | tool:NAME | program | checked (see Findings.source)


class Candidate(BaseModel):
    answer: str
    step: int
    attack_id: str
    ok: bool | None = None          # None until verified
    verified: bool = False
    reason: str = ""
    graded_later: bool = False      # no solve-time check: graded once, after the run


@dataclass
class _Memo:
    """What the notebook's methods keep between calls, never serialised. Entries are only
    appended (never edited), so each cache is checked against the entry count it was made for
    and rebuilt when an entry was appended elsewhere: a step's work stays O(new entries). One
    object, read once per call (see Notebook._caches)."""

    keys: dict[str, tuple[int, set[str]]] = field(default_factory=dict)   # section -> (count, normalised texts)
    tried: tuple[int, dict[str, Candidate]] = field(default_factory=lambda: (-1, {}))   # (count, key -> candidate)
    rendered: dict[str, tuple] = field(default_factory=dict)   # section -> (entries, count, attack_id, limit, text)


class Notebook(BaseModel):
    facts: list[Entry] = Field(default_factory=list)
    examples: list[Entry] = Field(default_factory=list)
    conjectures: list[Entry] = Field(default_factory=list)
    counterexamples: list[Entry] = Field(default_factory=list)
    candidates: list[Candidate] = Field(default_factory=list)
    _memo: _Memo = PrivateAttr(default_factory=_Memo)

    def _caches(self) -> _Memo:
        # straight from the private values: `self._memo` goes through pydantic's __getattr__,
        # ~1.7 us a read, and every prompt reads it
        return self.__pydantic_private__["_memo"]

    def _seen(self, section: str, memo: _Memo) -> set[str]:
        entries = getattr(self, section)
        count, keys = memo.keys.get(section, (-1, set()))
        if count != len(entries):
            keys = {_norm(e.text) for e in entries}
        memo.keys[section] = (len(entries), keys)
        return keys

    def add(self, findings: Findings, *, step: int, move: str, attack_id: str) -> int:
        """Add findings; return how many were new (not already in the notebook)."""
        memo = self._caches()
        new = 0
        for section in NOTEBOOK_SECTIONS:
            texts = getattr(findings, section)
            if not texts:
                continue
            entries: list[Entry] = getattr(self, section)
            seen = self._seen(section, memo)
            for text in texts:
                key = _norm(text)
                if key and key not in seen:
                    seen.add(key)
                    entries.append(Entry(text=text.strip(), step=step, move=move, attack_id=attack_id,
                                         source=findings.source))
                    new += 1
            memo.keys[section] = (len(entries), seen)
        if not findings.candidates:
            return new
        count, tried = memo.tried
        if count != len(self.candidates):
            tried = {_answer_key(c.answer): c for c in self.candidates}
        for answer in findings.candidates:
            key = _answer_key(answer)
            if key and key not in tried:
                tried[key] = Candidate(answer=answer.strip(), step=step, attack_id=attack_id)
                self.candidates.append(tried[key])
                new += 1
            elif key and tried[key].ok is False:   # refused with the earlier reason, not silently dropped
                text = f"Answer {answer.strip()} was proposed again; it was already rejected: {tried[key].reason}"
                if _norm(text) not in self._seen("facts", memo):
                    self.facts.append(Entry(text=text, step=step, move="verify", attack_id=attack_id,
                                            source="checked"))
        memo.tried = (len(self.candidates), tried)
        return new

    def unverified(self) -> list[Candidate]:
        return [c for c in self.candidates if c.ok is None and not c.graded_later]

    def render(self, *, limit_per_section: int = 12, attack_id: str | None = None) -> str:
        """Plain-text notebook for prompts. Oldest first so the prompt prefix stays stable. With
        `attack_id`, only what that attack and the opening moves found: an abandoned attack's
        claims no longer shape the next prompts (the trace keeps them). The verifier's rejections
        are always shown, none scrolled out, and so is what the opening `understand` found."""
        # Every prompt renders the notebook and most sections did not change since the last one:
        # a section's text is kept with the list and entry count it was made from, and made
        # again only when they changed.
        cache = self._caches().rendered
        parts: list[str] = []
        for section in NOTEBOOK_SECTIONS:
            entries = getattr(self, section)
            hit = cache.get(section)
            if hit is None or hit[0] is not entries or hit[1:4] != (len(entries), attack_id, limit_per_section):
                hit = cache[section] = (entries, len(entries), attack_id, limit_per_section,
                                        _render_section(section, entries, attack_id, limit_per_section))
            if hit[4]:
                parts.append(hit[4])
        return "\n".join(parts) if parts else "(empty)"


def _render_section(section: str, entries: list[Entry], attack_id: str | None, limit: int) -> str:
    pinned, others = [], []
    for e in entries:
        if e.move == "verify" or e.attack_id == "-":
            pinned.append(e)
        elif attack_id is None or e.attack_id == attack_id:
            others.append(e)
    shown = sorted(pinned + others[-limit:], key=_step)
    return "\n".join([f"{section.capitalize()}:", *(f"- {e.text}" for e in shown)]) if shown else ""


_step = operator.attrgetter("step")


class Attack(BaseModel):
    id: str
    goal: str
    moves: list[str] = Field(default_factory=list)
    progress: list[float] = Field(default_factory=list)
    status: Literal["open", "abandoned", "succeeded"] = "open"
    opened_step: int = 0


class LastVerdict(BaseModel):
    decision: Decision
    progress: float
    reason: str = ""


class RunState(BaseModel):
    """Everything the graph's nodes read and write; the graph's edge functions read it to route."""

    notebook: Notebook = Field(default_factory=Notebook)
    attacks: list[Attack] = Field(default_factory=list)
    current_attack: str | None = None
    plans: list[str] = Field(default_factory=list)      # lines of attack proposed by `understand`
    next_move: str | None = None
    next_choice: StepChoice | None = None   # the listed option the controller picked (a family that lists options)
    workspace: Any = None                    # the family's typed, exact working state (strategies/<family>)
    last_move: str | None = None
    last_new_findings: int = 0
    last_verdict: LastVerdict | None = None
    consecutive_errors: int = 0
    ended: bool = False                 # the run is over: every edge goes to END
    status: str = "running"             # running | solved | unsolved | budget | gave_up | error
    answer: str | None = None
    verified: bool = False
    end_reason: str = ""
    used: BudgetState = Field(default_factory=BudgetState)

    @property
    def step(self) -> int:
        """The step in progress: one counter, the budget's (`used.steps`)."""
        return self.used.steps

    def end(self, status: str, reason: str) -> None:
        self.status, self.end_reason, self.ended = status, reason, True

    def attack(self, attack_id: str | None = None) -> Attack | None:
        wanted = attack_id or self.current_attack
        # newest first: the current attack is almost always the last one (ids are unique)
        return next((a for a in reversed(self.attacks) if a.id == wanted), None)

    def open_attack(self, goal: str) -> Attack:
        attack = Attack(id=f"A{len(self.attacks) + 1}", goal=goal, opened_step=self.step)
        self.attacks.append(attack)
        self.current_attack = attack.id
        return attack

    def render_attacks(self) -> str:
        lines = []
        for a in self.attacks:
            prog = ", ".join(f"{p:.2f}" for p in a.progress[-5:]) or "-"
            mark = " (current)" if a.id == self.current_attack else ""
            lines.append(f"{a.id}{mark} [{a.status}] goal: {a.goal} | moves: {', '.join(a.moves[-6:]) or '-'} | progress: {prog}")
        return "\n".join(lines) or "(none yet)"
