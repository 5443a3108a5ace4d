"""The exploration family: a statement to prove whose definition makes examples (IMO 2024 P3).
An examples table made by the definition and a conjecture ledger: every conjecture is a predicate
run on every example, kept with how many it held on or the example that refuted it
(strategies/exploration/moves.py); the conjecture miner is this family's own move `mine`
(strategies/exploration/mining.py), offered on its problems only. The proof itself is judged by the
model and stays unverified.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from agent.workspace.explore import ExplorationWorkspace, can_explore
from strategies.exploration import moves as exploration
from strategies.exploration.mining import MINE_EXAMPLES, mine
from strategies.exploration.signals import explore_verdict
from strategies.family import Family, family


@family
@dataclass
class ExplorationFamily(Family):
    name = "exploration"
    mine_examples: int = MINE_EXAMPLES       # examples per `mine` step (fresh seeds)
    moves = {
        "understand": exploration.examples,     # a person plays with examples before conjecturing
        "examples": exploration.examples,
        "patterns": exploration.patterns,
        "counterexamples": exploration.counterexamples,
        "mine": mine,
    }
    own_moves = {"mine": f"run the conjecture miner's templates over {MINE_EXAMPLES} examples the definition makes "
                         "(a tool: what held on every example, what was refuted and by which)"}

    def bound_moves(self):
        return {**self.moves, "mine": partial(mine, examples=self.mine_examples)}

    @classmethod
    def matches(cls, problem) -> bool:
        return can_explore(problem)

    def start(self, problem) -> ExplorationWorkspace:
        return ExplorationWorkspace()

    def verdict(self, state, attack, signals, node_value=None):
        # a proof attempt is judged by the model; the ledger judges the rest
        return None if state.last_move == "attempt" else explore_verdict(state.workspace, signals)

    def attempts_at_end(self, problem) -> bool:
        return True
