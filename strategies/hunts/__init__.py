"""The hunts family: claims about integers, as `counterexample` problems or as `conjecture` problems
with `candidate: integer` (whose check(str(n)) is the claim's `holds`: agent.verify.hunt.claim_code).
The claim's own definition (`in_domain(n)`, `holds(n)`) checks every case, so the workspace (agent/workspace/hunt.py) holds
only what is checked: scans of small n, families of candidates a program printed, search programs
on the harness's clock, and confirmed counterexamples. "none" is the hunt's conclusion when no
counterexample is confirmed, graded once after the run.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.workspace.hunt import HuntWorkspace
from strategies.attempt import attempt_with
from strategies.family import Family, family
from strategies.hunts import moves as hunts
from strategies.hunts.signals import HUNT_LET_GO, HUNT_STALL_GAIN, HUNT_STALL_STEPS, HUNT_STREAK, hunt_verdict


async def _patterns(inp):
    return await hunts.family(inp)


async def _backwards(inp):
    return await hunts.family(inp, "move:backwards", "hunt_backwards")


@family
@dataclass
class HuntsFamily(Family):
    name = "hunts"
    # 2: the first search program is asked greedily (temperature 0); claims in words.
    # 3: a bare `candidates()` statement calls the program's own candidates() (keep_harness_names)
    version = "3"
    search_share: float = hunts.SEARCH_SHARE    # of the program time limit, for a search's own clock
    let_go_after: int = HUNT_LET_GO             # empty search programs, then "none so far"
    streak: int = HUNT_STREAK                   # the same move this many times, then the policy chooses
    stall_steps: int = HUNT_STALL_STEPS         # steps that together checked less than stall_gain ...
    stall_gain: float = HUNT_STALL_GAIN         # ... further (of hunt_progress): let go

    def bound_moves(self):
        return {
            # a search first, the model's most likely program (greedy, as the one-program baseline
            # `pot` asks): sampled at 0.7 it missed 1,729 and 26,861 that `pot` found (issue 37)
            "obvious": hunts.timed_search(self.search_share, "move:attempt:obvious", temperature=0.0),
            "understand": hunts.examples,         # a person tries the small cases first
            "examples": hunts.examples,
            "patterns": _patterns,
            "backwards": _backwards,
            "counterexamples": hunts.timed_search(self.search_share),
            "attempt": attempt_with(hunts.attempt),
        }

    @classmethod
    def matches(cls, problem) -> bool:
        # one treatment for a claim about integers, in whichever form it is written (issue 37)
        return problem.kind == "counterexample" or getattr(problem, "hunted", False)

    def start(self, problem) -> HuntWorkspace:
        return HuntWorkspace()

    def opening(self, problem):
        return ("obvious", "understand")

    def verdict(self, state, attack, signals, node_value=None):
        return hunt_verdict(state.workspace, signals, let_go_after=self.let_go_after, streak=self.streak,
                            stall_steps=self.stall_steps, stall_gain=self.stall_gain)

    def describe(self, problem) -> str:
        # the claim in words: its definition is prepended to every search, and shown the code the
        # 1.5B model copied it and wrapped the harness's names around it (issue 37)
        if problem.kind == "counterexample":
            return problem.describe_for_programs()
        return super().describe(problem)

    def final_answer(self, state):
        return state.workspace.conclusion()
