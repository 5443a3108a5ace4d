"""The countdown family (NYT Digits, Game of 24, Countdown): parser, checker and exhaustive solver."""

from agent.verify.countdown.check import (
    Applied,
    apply_steps,
    check_candidate,
    interpretations,
    parse_candidate,
)
from agent.verify.countdown.parse import ParseError, Step, parse_expression
from agent.verify.countdown.rules import RULES, RuleSet, get_rules
from agent.verify.countdown.solve import MAX_SOLVER_NUMBERS, SolveResult, reachable, solve

__all__ = [
    "Applied", "MAX_SOLVER_NUMBERS", "ParseError", "RULES", "RuleSet", "SolveResult", "Step", "apply_steps",
    "check_candidate", "get_rules", "interpretations", "parse_candidate", "parse_expression", "reachable", "solve",
]
