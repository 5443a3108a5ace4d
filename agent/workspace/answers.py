"""The workspace of a problem with a short answer (GSM8K, MATH): candidate answers, each with how it
was obtained.

A person with a word problem and two answers that disagree does not vote on prose: they work it
again by another method and see which answer the methods agree on. Each entry here is one answer
and its method — `reasoning` (a plain chain of thought) or `program` (a program that computes the
answer and was run in the sandbox) — with the move and step that produced it. The tools group the
answers by mathematical equivalence (math-verify + sympy, as for grading, but between the run's own
answers: no reference is involved) and say which answer two independent methods agree on.

This is the only solve-time check an answer problem has; the hidden reference grades the run's
final answer once, after the run.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, PrivateAttr

from agent.verify.answer import answers_agree, float_noise

Method = Literal["reasoning", "program"]

# An answer reached this many times, with no other answer reached more than once, is accepted
# even when only one method reached it (self-consistency's majority, at its smallest).
MAJORITY = 3


class AnswerEntry(BaseModel):
    answer: str
    method: Method
    move: str
    step: int
    how: str = ""            # "chain of thought", "program: <its first comment line>"
    shown: bool = False      # the move was shown earlier answers (backwards, counterexamples): not independent

    def line(self) -> str:
        return f"{self.answer} — {self.method} ({self.move}, step {self.step}{': ' + self.how if self.how else ''})"


class AnswerGroup(BaseModel):
    """Answers the tools found equivalent; `answer` is the first one written, unless that is a
    program's double-precision float (4.999999999999999) and a later entry wrote the same value
    exactly: graded after the run, the float would not count as 5."""

    answer: str
    entries: list[AnswerEntry]

    @property
    def methods(self) -> set[str]:
        return {e.method for e in self.entries}

    def independent(self) -> list[AnswerEntry]:
        """The entries that reached this answer without being shown an earlier one."""
        return [e for e in self.entries if not e.shown]

    def line(self) -> str:
        counts = {m: sum(e.method == m for e in self.entries) for m in ("reasoning", "program")}
        by = ", ".join(f"{m} ×{n}" for m, n in counts.items() if n)
        return f"{self.answer}: reached by {by}"


class AnswerWorkspace(BaseModel):
    # Only entries made without seeing earlier answers settle a run (`_votes`). On the recorded
    # GSM8K/MATH runs, 3 of the 4 runs settled by a move that had been shown the answer it "agreed"
    # with were wrong (MATH prealgebra-1622: the first attempt's 42 was right; a program printed 126;
    # `backwards`, shown both, chose 126 and the two settled it).
    entries: list[AnswerEntry] = Field(default_factory=list)
    failures: list[str] = Field(default_factory=list)     # "step 3 (patterns): the program printed nothing"
    # what a learned judge reads beside the answers (agent/experience/answer_features.py): never a reference
    statement: str = Field(default="", exclude=True)
    tags: list[str] = Field(default_factory=list, exclude=True)
    # (answer, why) once a learned judge stopped on the leading answer (strategies/answers/signals.py)
    accepted: tuple[str, str] | None = Field(default=None, exclude=True)
    # (entries grouped so far, their groups): entries are only appended, and each verdict, prompt
    # and trace summary asks for the groups, so a new entry is compared once, not once per ask
    _grouped: tuple[int, list[AnswerGroup]] = PrivateAttr(default_factory=lambda: (0, []))

    def add(self, answer: str, method: Method, move: str, step: int, how: str = "", shown: bool = False) -> AnswerEntry:
        entry = AnswerEntry(answer=answer.strip()[:200], method=method, move=move, step=step, how=how[:120],
                            shown=shown)
        self.entries.append(entry)
        return entry

    def fail(self, move: str, step: int, why: str) -> None:
        self.failures.append(f"step {step} ({move}): {why[:160]}")

    def groups(self) -> list[AnswerGroup]:
        """Entries grouped by equivalence, in order of first appearance (shared: do not modify)."""
        done, groups = self._grouped
        for entry in self.entries[done:]:
            for g in groups:
                if answers_agree(g.answer, entry.answer):
                    g.entries.append(entry)
                    if float_noise(g.answer) and not float_noise(entry.answer):
                        g.answer = entry.answer
                    break
            else:
                groups.append(AnswerGroup(answer=entry.answer, entries=[entry]))
        self._grouped = (len(self.entries), groups)
        return groups

    def agreed(self) -> tuple[str, str] | None:
        """(answer, why) when the entries settle it: two independent methods reached the same
        answer, or one answer was reached MAJORITY times while no other was reached twice."""
        groups = self.groups()
        votes = self._votes
        both = [g for g in groups if len({e.method for e in votes(g)}) == 2]
        if both:
            g = max(both, key=lambda g: len(votes(g)))
            return g.answer, f"{g.answer} was reached by reasoning and by a program independently"
        for g in groups:
            rivals = [len(votes(o)) for o in groups if o is not g]
            if len(votes(g)) >= MAJORITY and max(rivals, default=0) <= 1:
                return g.answer, f"{g.answer} was reached {len(votes(g))} times, no other answer more than once"
        return None

    def best(self) -> str | None:
        """The answer to give when the budget ends unsettled: the one reached by the most methods,
        then the most often (votes counted as agreed() counts them); ties go to the earliest, i.e.
        the first attempt. On the 26 recorded GSM8K/MATH runs that ended on the budget, "ties to
        the latest" gave 0 right answers and this rule 2 (gsm8k-0015, -0016: the first attempt's)."""
        groups = self.groups()
        if not groups:
            return None

        def key(g: AnswerGroup) -> tuple[int, int, int]:
            votes = self._votes(g)
            return len({e.method for e in votes}), len(votes), -min(e.step for e in g.entries)

        return max(groups, key=key).answer

    @staticmethod
    def _votes(g: AnswerGroup) -> list[AnswerEntry]:
        return g.independent()

    def leading(self, k: int = 2) -> list[AnswerGroup]:
        return sorted(self.groups(), key=lambda g: (-len(g.entries), -max(e.step for e in g.entries)))[:k]

    def render(self) -> str:
        groups = self.groups()
        if not groups:
            lines = ["Candidate answers: none yet"]
        else:
            lines = ["Candidate answers (grouped by equivalence):"] + [f"- {g.line()}" for g in groups[:6]]
        lines += [f"- no answer: {f}" for f in self.failures[-3:]]
        return "\n".join(lines)

    def summary(self) -> dict:
        groups = self.groups()
        return {"entries": len(self.entries), "groups": [g.line() for g in groups[:6]],
                "failures": len(self.failures), "agreed": (self.agreed() or (None,))[0]}
