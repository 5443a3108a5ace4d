"""The general family: any problem no other family takes (a conjecture whose answer is text, a proof
with nothing to generate examples from). The moves are the general ones, in prose on the notebook
(strategies/understand.py ... attempt.py); the judge is the model's, bounded by hard rules.
"""

from __future__ import annotations

from strategies.family import Family, family

FIRST_ATTEMPT_KINDS = ("conjecture",)   # a candidate the problem's own check decides: try the obvious


@family
class GeneralFamily(Family):
    name = "general"

    @classmethod
    def matches(cls, problem) -> bool:
        return True

    def opening(self, problem):
        return ("obvious", "understand") if problem.kind in FIRST_ATTEMPT_KINDS else ("understand",)
