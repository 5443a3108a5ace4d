"""The hunts family (`counterexample` problems: claims about integers). The claim's own definition
(`in_domain(n)`, `holds(n)`) checks every case, so the workspace (agent/workspace/hunt.py) holds
only what is checked: scans of small n, families of candidates a program printed, search programs
on the harness's clock, and confirmed counterexamples. "none" is the hunt's conclusion when no
counterexample is confirmed, graded once after the run.
"""

from __future__ import annotations

from agent.workspace.hunt import HuntWorkspace
from strategies.attempt import attempt_with
from strategies.family import Family, family
from strategies.hunts import moves as hunts
from strategies.hunts.signals import hunt_verdict


async def _patterns(inp):
    return await hunts.family(inp)


async def _backwards(inp):
    return await hunts.family(inp, "move:backwards", "hunt_backwards")


@family
class HuntsFamily(Family):
    name = "hunts"
    moves = {
        "obvious": hunts.obvious,             # a search program first
        "understand": hunts.examples,         # a person tries the small cases first
        "examples": hunts.examples,
        "patterns": _patterns,
        "backwards": _backwards,
        "counterexamples": hunts.search,
        "attempt": attempt_with(hunts.attempt),
    }

    @classmethod
    def matches(cls, problem) -> bool:
        return problem.kind == "counterexample"

    def start(self, problem) -> HuntWorkspace:
        return HuntWorkspace()

    def opening(self, problem):
        return ("obvious", "understand")

    def verdict(self, state, attack, signals):
        return hunt_verdict(state.workspace, signals)

    def final_answer(self, state):
        return state.workspace.conclusion()
