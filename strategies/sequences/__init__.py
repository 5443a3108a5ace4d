"""The sequences family (give the next terms of an integer sequence): a ledger of rules, each
checked against every given term before it is trusted. Tools first — difference and ratio tables,
the sequence guessers (agent/workspace/guess.py, docs/guessers.md) — and the model's rule, as a
program a(n), only where no guesser's rule compresses the terms (strategies/sequences/moves.py).
"""

from __future__ import annotations

from agent.workspace.sequences import SequenceWorkspace
from strategies.family import Family, family
from strategies.sequences import moves as sequences


async def _backwards(inp):
    return await sequences.rule_move(inp, "move:backwards", sequences.BACKWARDS)


async def _reframe(inp):
    return await sequences.rule_move(inp, "move:reframe", sequences.REFRAME)


@family
class SequencesFamily(Family):
    name = "sequences"
    # 2: `attempt` gives a checked rule's next terms or no answer; it no longer asks the model for
    #    next terms in words (right 2 times, wrong 52 in docs/results/oeis-loop-100)
    # 3: no answer reserve (the attempt is a tool: at version 2 a run left a third of its tokens
    #    unspent, and 4.5 of its 12 steps to attempts that cost nothing), and a rule found on the last
    #    affordable call still answers (`final_answer`)
    version = "3"
    attempt_calls_model = False
    moves = {
        "obvious": sequences.first_rule,       # the fits, else the model's rule as a program
        "understand": sequences.examples,      # a person writes out the terms, differences and ratios
        "examples": sequences.examples,
        "patterns": sequences.patterns,
        "backwards": _backwards,
        "reframe": _reframe,
        "counterexamples": sequences.counterexamples,
        "attempt": sequences.attempt,          # a checked rule's next terms, or no answer: never a guess
    }

    @classmethod
    def matches(cls, problem) -> bool:
        return problem.kind == "sequence"

    def start(self, problem) -> SequenceWorkspace:
        return SequenceWorkspace()

    def opening(self, problem):
        return ("obvious", "understand")

    def final_answer(self, state) -> str | None:
        return sequences.next_terms(state.workspace.ledger)
