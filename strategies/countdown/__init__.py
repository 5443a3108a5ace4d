"""The countdown family (NYT Digits, Game of 24, Countdown): boards and subgoals with exact tools.

The workspace (agent/workspace/boards.py) lists the one-step options from where an attack stands;
the policy picks one; the move takes it with an exact tool (strategies/countdown/moves.py); the
node it lands on gives the verdict (strategies/countdown/signals.py). No move here asks the model:
its judgement is the controller's pick among the listed options.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.workspace.boards import CountdownWorkspace
from strategies.attempt import attempt_with
from strategies.countdown import moves as countdown
from strategies.countdown.signals import ATTACK_STEPS_PER_NUMBER, LOOKS_DEAD, workspace_verdict
from strategies.family import Family, family


@family
@dataclass
class CountdownFamily(Family):
    looks_dead: float = LOOKS_DEAD                       # a node below this viability is abandoned
    steps_per_number: int = ATTACK_STEPS_PER_NUMBER      # an attack this long per board number is left

    name = "countdown"
    version = "2"     # 2: forward steps that join the goal to a free number or a product of them are listed
    lists_options = True
    moves = {
        "understand": countdown.understand,
        "examples": countdown.take_step,        # a forward option: two free numbers combined
        "backwards": countdown.take_step,       # a backward option: a subgoal with the numbers left
        "reframe": countdown.return_to,         # another node: a subgoal set aside, or the board
        "patterns": countdown.patterns,
        "counterexamples": countdown.counterexamples,
        "attempt": attempt_with(countdown.attempt),
    }

    @classmethod
    def matches(cls, problem) -> bool:
        return problem.kind == "countdown"

    def start(self, problem) -> CountdownWorkspace:
        return CountdownWorkspace.start(problem.numbers, problem.target, problem.rules)

    def options(self, state, attack_id):
        return state.workspace.choices(attack_id)

    def workspace_text(self, state) -> str:
        return state.workspace.render(state.current_attack or "-", facts=0)

    def verdict(self, state, attack, signals, node_value=None):
        return workspace_verdict(state.workspace, attack, signals, looks_dead=self.looks_dead,
                                 steps_per_number=self.steps_per_number, value=node_value)
