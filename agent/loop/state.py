"""The run's state: notebook, lines of attack, budget used. Small, serialisable, pydantic.

The notebook is the agent's working memory, shared across attacks. Entries are de-duplicated by
normalised text so the judge can see when a move only repeats what is already known.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, PrivateAttr

from agent.trace.events import BudgetState, Decision, Findings
from agent.workspace.answers import AnswerWorkspace
from agent.workspace.boards import CountdownWorkspace, StepChoice
from agent.workspace.explore import ExplorationWorkspace
from agent.workspace.hunt import HuntWorkspace
from agent.workspace.sequences import Fit

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


class Notebook(BaseModel):
    facts: list[Entry] = Field(default_factory=list)
    examples: list[Entry] = Field(default_factory=list)
    conjectures: list[Entry] = Field(default_factory=list)
    counterexamples: list[Entry] = Field(default_factory=list)
    candidates: list[Candidate] = Field(default_factory=list)
    # normalised texts per section, with the entry count they were computed for (rebuilt when an
    # entry was appended elsewhere): adding stays O(new entries), not O(notebook), per step
    _keys: dict[str, tuple[int, set[str]]] = PrivateAttr(default_factory=dict)
    # the same for candidates: answer key -> candidate, with the count it was built for
    _tried: tuple[int, dict[str, Candidate]] = PrivateAttr(default=(-1, {}))

    def _seen(self, section: str) -> set[str]:
        entries = getattr(self, section)
        count, keys = self._keys.get(section, (-1, set()))
        if count != len(entries):
            keys = {_norm(e.text) for e in entries}
        self._keys[section] = (len(entries), keys)
        return keys

    def add(self, findings: Findings, *, step: int, move: str, attack_id: str) -> int:
        """Add findings; return how many were new (not already in the notebook)."""
        new = 0
        for section in NOTEBOOK_SECTIONS:
            entries: list[Entry] = getattr(self, section)
            seen = self._seen(section)
            for text in getattr(findings, section):
                key = _norm(text)
                if key and key not in seen:
                    seen.add(key)
                    entries.append(Entry(text=text.strip(), step=step, move=move, attack_id=attack_id,
                                         source=findings.source))
                    new += 1
            self._keys[section] = (len(entries), seen)
        count, tried = self._tried
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
                if _norm(text) not in self._seen("facts"):
                    self.facts.append(Entry(text=text, step=step, move="verify", attack_id=attack_id,
                                            source="checked"))
        self._tried = (len(self.candidates), tried)
        return new

    def unverified(self) -> list[Candidate]:
        return [c for c in self.candidates if c.ok is None and not c.graded_later]

    def render(self, *, limit_per_section: int = 12, attack_id: str | None = None) -> str:
        """Plain-text notebook for prompts. Oldest first so the prompt prefix stays stable. With
        `attack_id`, only what that attack and the opening moves found: an abandoned attack's
        claims no longer shape the next prompts (the trace keeps them). The verifier's rejections
        are always shown, none scrolled out, and so is what the opening `understand` found."""
        parts: list[str] = []
        for section in NOTEBOOK_SECTIONS:
            pinned, others = [], []
            for e in getattr(self, section):
                if e.move == "verify" or e.attack_id == "-":
                    pinned.append(e)
                elif attack_id is None or e.attack_id == attack_id:
                    others.append(e)
            entries = sorted(pinned + others[-limit_per_section:], key=lambda e: e.step)
            if entries:
                parts.append(f"{section.capitalize()}:")
                parts.extend(f"- {e.text}" for e in entries)
        return "\n".join(parts) if parts else "(empty)"


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
    """Everything the graph's nodes read and write. `route` tells the graph where to go next."""

    step: int = 0
    notebook: Notebook = Field(default_factory=Notebook)
    attacks: list[Attack] = Field(default_factory=list)
    current_attack: str | None = None
    plans: list[str] = Field(default_factory=list)      # lines of attack proposed by `understand`
    next_move: str | None = None
    next_choice: StepChoice | None = None   # the listed option the controller picked (workspace kinds)
    workspace: CountdownWorkspace | None = None   # typed, exact working state (countdown family)
    ledger: list[Fit] = Field(default_factory=list)  # sequence problems: every rule tried, with its status
    hunt: HuntWorkspace | None = None        # counterexample problems: what is checked, exactly
    explore: ExplorationWorkspace | None = None   # proofs that can be played with: examples and a conjecture ledger
    answers: AnswerWorkspace | None = None   # answer problems: candidate answers, each with its method
    last_move: str | None = None
    last_new_findings: int = 0
    last_verdict: LastVerdict | None = None
    consecutive_errors: int = 0
    route: str = ""                     # the node the graph goes to next ("end" to stop)
    status: str = "running"             # running | solved | unsolved | budget | gave_up | error
    answer: str | None = None
    verified: bool = False
    end_reason: str = ""
    used: BudgetState = Field(default_factory=BudgetState)

    def attack(self, attack_id: str | None = None) -> Attack | None:
        wanted = attack_id or self.current_attack
        return next((a for a in self.attacks if a.id == wanted), None)

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
