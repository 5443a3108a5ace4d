"""Verifiers that run a problem's own code in the sandbox: `conjecture` checks and `sequence`
definitions. The code comes from the problem file; the candidate only ever enters the program as a
string literal (repr), never as code.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from agent.problems.models import ConjectureProblem, ProofProblem, SequenceProblem
from agent.verify.extract import focus
from agent.verify.result import VerifyResult

RESULT_MARK = "__POLYA_RESULT__"
_INT_RUN = re.compile(r"-?\d+(?:\s*[,;]\s*-?\d+)+")
_INT = re.compile(r"-?\d+")
_SPACED_RUN = re.compile(r"(?<![\w.])-?\d+(?:[ \t]+-?\d+)+(?![\w.])")   # "1 1 2 3 5", as a program prints a list


def _sandbox_run(code: str, timeout_s: float, memory_mb: int = 512):
    from agent import sandbox  # imported late: the sandbox probes the OS on first use

    return sandbox.run(code, timeout_s=timeout_s, memory_mb=memory_mb)


def _result_line(stdout: str) -> str | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return line[len(RESULT_MARK):]
    return None


def _failure(res, what: str) -> str:
    if res.timed_out or res.killed_reason:
        return f"{what} did not finish: {res.killed_reason or 'timed out'}"
    last = (res.stderr.strip().splitlines() or ["no output"])[-1]
    return f"{what} failed (exit {res.exit_code}): {last[:300]}"


# -- sequence -------------------------------------------------------------------------------------

@lru_cache(maxsize=256)
def sequence_terms(definition: str, count: int, timeout_s: float = 10.0) -> tuple[int, ...]:
    """a(1)..a(count) from a definition that defines `a(n)`. Raises ValueError if it cannot run:
    a bad definition is a bad problem."""
    code = (f"{definition}\n\nimport json as _json\n"
            f"print({RESULT_MARK!r} + _json.dumps([int(a(_n)) for _n in range(1, {count} + 1)]))\n")
    res = _sandbox_run(code, timeout_s)
    line = _result_line(res.stdout)
    if res.exit_code != 0 or line is None:
        raise ValueError(_failure(res, "the sequence definition"))
    return tuple(json.loads(line))


def expected_terms(problem: SequenceProblem) -> list[int]:
    n = problem.n_predict
    if problem.hidden is not None:
        return problem.hidden[:n]
    start = len(problem.terms)
    terms = sequence_terms(problem.definition, start + n)
    if list(terms[:start]) != problem.terms:
        raise ValueError(f"problem {problem.id}: its definition does not reproduce its shown terms")
    return list(terms[start:])


def read_terms(candidate: str) -> list[int]:
    """The integers a model gave as the next terms: the last comma-separated run in its answer, else
    the last run separated by spaces alone (`print(*terms)`), else its last integer."""
    text = focus(candidate).replace("\\,", "")
    runs = _INT_RUN.findall(text) or _SPACED_RUN.findall(text)
    if runs:
        return [int(x) for x in _INT.findall(runs[-1])]
    return [int(x) for x in _INT.findall(text)][-1:]


def verify_sequence(problem: SequenceProblem, candidate: str) -> VerifyResult:
    want = expected_terms(problem)
    got = read_terms(candidate)
    if len(got) > len(want) and got[:len(problem.terms)] == problem.terms:
        got = got[len(problem.terms):]   # the model repeated the given terms first
    shown = ", ".join(str(x) for x in got) or None
    if not got:
        return VerifyResult.unreadable("no integers found in the answer")
    if len(got) < len(want):
        return VerifyResult.reject(f"gives {len(got)} term(s); the next {len(want)} were asked for", shown)
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        if g != w:
            right = f"the first {i} are right" if i else "none before it"
            return VerifyResult.reject(f"term {len(problem.terms) + i + 1} of the sequence (number {i + 1} of "
                                       f"the {len(want)} asked) is wrong ({right})", shown)
    return VerifyResult.correct(", ".join(str(x) for x in got[:len(want)]))


# -- conjecture -----------------------------------------------------------------------------------

def verify_conjecture(problem: ConjectureProblem, candidate: str) -> VerifyResult:
    answer = focus(candidate)
    code = (f"{problem.definition}\n\n{problem.check}\n\n"
            "import json as _json\n"
            f"_r = check({answer!r})\n"
            f"print({RESULT_MARK!r} + _json.dumps(_r if isinstance(_r, (bool, str)) else repr(_r)))\n")
    res = _sandbox_run(code, problem.timeout_s)
    line = _result_line(res.stdout)
    if res.timed_out or res.killed_reason:
        return VerifyResult(ok=False, verified=False, reason=_failure(res, "the check"), normalized=answer)
    if line is None:
        return VerifyResult.reject(_failure(res, "the check on this answer"), answer)
    value = json.loads(line)
    if value is True:
        return VerifyResult.correct(answer)
    if value is False:
        return VerifyResult.reject("the check returned False for this answer", answer)
    return VerifyResult.reject(str(value) or "the check rejected this answer", answer)


def run_definition(problem: ProofProblem | ConjectureProblem | SequenceProblem, timeout_s: float = 10.0):
    """Run a problem's `definition` as a program (it may print examples); returns the SandboxResult."""
    if not problem.definition.strip():
        raise ValueError(f"problem {problem.id} has no definition to run")
    return _sandbox_run(problem.definition, timeout_s)
