"""The answers family (`answer` problems: GSM8K, MATH): candidate answers, each with the method
that reached it. The first step is the obvious attempt checked by a program; after it each move
makes one answer by a named method (strategies/answers/moves.py), and two independent methods
agreeing settle the run (strategies/answers/signals.py). The hidden reference grades the final
answer once, after the run.
"""

from __future__ import annotations

from agent.workspace.answers import AnswerWorkspace
from strategies.answers import moves as answers
from strategies.answers.signals import answer_verdict
from strategies.family import Family, family


@family
class AnswersFamily(Family):
    name = "answers"
    moves = answers.MOVES
    methods = answers.METHODS

    @classmethod
    def matches(cls, problem) -> bool:
        return problem.kind == "answer"

    def start(self, problem) -> AnswerWorkspace:
        return AnswerWorkspace(statement=problem.statement, tags=list(problem.tags))

    def opening(self, problem):
        # the obvious attempt already states the problem's answers: no `understand` after it
        return ("obvious",)

    def verdict(self, state, attack, signals, node_value=None):
        return answer_verdict(state.workspace, signals, state.step, node_value)

    def settled(self, state):
        return state.workspace.accepted or state.workspace.agreed()

    def prompt_block(self, state):
        return "ANSWERS SO FAR (every attempt, with its method)", state.workspace.render()

    def final_answer(self, state):
        return state.workspace.best()
