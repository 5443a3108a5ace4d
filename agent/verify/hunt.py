"""Counterexample claims (`counterexample` problems, and `conjecture` problems with `candidate:
integer`): a claimed n is checked by running the statement's own definition (or check) in the
sandbox — the candidate enters the program only as an integer literal. "None" (no counterexample) needs the hidden reference, so only the after-run grading
(`verify`) judges it; during a run it is not checkable (`solve_time_check` returns None for it).
"""

from __future__ import annotations

import json
import re

from agent.problems.models import NO_COUNTEREXAMPLE, ConjectureProblem, CounterexampleProblem
from agent.verify.extract import focus
from agent.verify.result import VerifyResult

MAX_DIGITS = 40          # a longer integer is not a claim this check can settle in its time limit
_NONE = re.compile(r"^\W*(?:none\b|no\s+counterexample)", re.I)
_INT = re.compile(r"-?\d+")
_MARK = "__POLYA_HUNT__"


def claims_none(candidate: str) -> bool:
    """Whether the answer says there is no counterexample ("none", "No counterexample up to ...")."""
    return bool(_NONE.search(focus(candidate)))


def read_claim(candidate: str) -> int | None:
    """The integer a counterexample answer names: the first integer of its answer part."""
    m = _INT.search(focus(candidate).replace(",", ""))
    return int(m.group()) if m else None


def check_program(definition: str, values: list[int]) -> str:
    """A program printing, for each value, [in_domain, holds] (holds is None outside the domain)."""
    return (f"{definition}\n\nimport json as _json\n_out = []\nfor _n in {values!r}:\n"
            "    _d = bool(in_domain(_n))\n    _out.append([_d, bool(holds(_n)) if _d else None])\n"
            f"print({_MARK!r} + _json.dumps(_out))\n")


# A conjecture's check as a claim about every integer: n is a counterexample exactly when check(str(n))
# is True. A check that raises rejects n, as `polya verify` would.
_CHECK_AS_CLAIM = """
def in_domain(n):
    return True


def holds(n):
    try:
        return check(str(n)) is not True
    except Exception:
        return True
"""


def claim_code(problem: CounterexampleProblem | ConjectureProblem) -> str:
    """The code that defines `in_domain(n)` and `holds(n)` for a claim about integers: a
    counterexample problem's definition, or an integer conjecture's definition and check."""
    if isinstance(problem, ConjectureProblem):
        return f"{problem.definition}\n\n{problem.check}\n\n{_CHECK_AS_CLAIM}"
    return problem.definition


def run_checks(problem: CounterexampleProblem | ConjectureProblem, values: list[int], timeout_s: float | None = None):
    """[(in_domain, holds)] for each value, or (None, why) when the definition could not answer in
    time. Runs in the sandbox: the definition comes from a problem file."""
    from agent import sandbox

    res = sandbox.run(check_program(claim_code(problem), values), timeout_s=timeout_s or problem.timeout_s)
    line = next((ln[len(_MARK):] for ln in reversed(res.stdout.splitlines()) if ln.startswith(_MARK)), None)
    if line is None:
        why = res.killed_reason or ("timed out" if res.timed_out else
                                    (res.stderr.strip().splitlines() or [f"exit {res.exit_code}"])[-1][:300])
        return None, why
    return [tuple(x) for x in json.loads(line)], ""


def check_counterexample(problem: CounterexampleProblem, n: int) -> VerifyResult:
    if len(str(abs(n))) > MAX_DIGITS:
        return VerifyResult(ok=False, verified=False, normalized=str(n),
                            reason=f"{n} has more than {MAX_DIGITS} digits: too large for this check")
    rows, why = run_checks(problem, [n])
    if rows is None:
        return VerifyResult(ok=False, verified=False, normalized=str(n),
                            reason=f"the claim's definition could not be checked at {n}: {why}")
    in_domain, holds = rows[0]
    if not in_domain:
        return VerifyResult.reject(f"{n} is outside the claim's domain (in_domain({n}) is False)", str(n))
    if holds:
        return VerifyResult.reject(f"the claim holds at n = {n}: not a counterexample", str(n))
    return VerifyResult.correct(str(n))


def verify_hunt(problem: CounterexampleProblem, candidate: str) -> VerifyResult:
    """Full grading: a counterexample by the definition; "none" against the hidden reference."""
    if claims_none(candidate):
        if problem.answer == NO_COUNTEREXAMPLE:
            return VerifyResult.correct(NO_COUNTEREXAMPLE)
        return VerifyResult.reject("the claim has a counterexample (the reference knows one)", NO_COUNTEREXAMPLE)
    n = read_claim(candidate)
    if n is None:
        return VerifyResult.unreadable(f"no integer and no '{NO_COUNTEREXAMPLE}' in the answer")
    return check_counterexample(problem, n)
