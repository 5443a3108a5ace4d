"""Short final answers compared by math equivalence, built on HuggingFace's math-verify.

math-verify (latex2sympy2-extended + sympy) already reads LaTeX (\\frac, \\sqrt, \\boxed, \\pi,
tuples, intervals, degrees, percentages, thousands separators, \\text{(C)}) and compares with sympy.
What this module adds:
- base-n subscripts (`52_8`, `1011_{2}`, `\\text{A3}_{16}`): converted to their value on both sides;
  a bare numeral is also read in the reference's base (52 for 52_8);
- multiple choice: letters compared as letters, and a choice's value maps to its letter;
- "where the problem allows": a decimal is not accepted when the statement asks for a common
  fraction or a simplest radical form;
- reading the candidate both as LaTeX and as plain math, after finding the answer in prose;
- Python's complex numbers as printed by a program, `(6+9j)`, read as 6 + 9i.
"""

from __future__ import annotations

import math
import re
import threading
from functools import lru_cache
from typing import Any

from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse
from math_verify import verify as mv_verify

from agent.problems.models import AnswerProblem
from agent.verify.extract import focus, strip_reasoning
from agent.verify.result import VerifyResult

_BASE_N = re.compile(r"(?:\\(?:text|mathrm)\{)?\b([0-9A-Za-z]+)\}?_\{?(\d{1,2})\}?")
_LATEX_WRAP = re.compile(r"\\(?:text|textbf|mathrm|mathbf)\s*\{|[{}]|\\[()\[\]]")
_LETTER = re.compile(r"^\(?\s*([A-Ea-e])\s*\)?$")
_LETTER_PREFIX = re.compile(r"^\(([A-E])\)\s")
_DECIMAL = re.compile(r"(?<![\d.])\d*\.\d+")
_EXACT_FORM = re.compile(r"common fraction|simplest radical form|in terms of \\?pi|exact (?:value|form)", re.I)
_LATEX_CFG = [LatexExtractionConfig(boxed_match_priority=0), ExprExtractionConfig()]
MAX_ANSWER_CHARS = 20_000


_PI_WORD = re.compile(r"(?<![\\A-Za-z])pi(?![A-Za-z])|π")
_SQRT_CALL = re.compile(r"(?:(?<![\\A-Za-z])sqrt|√)\s*\(")
_SQRT_BARE = re.compile(r"√\s*([0-9A-Za-z]+)")


# A number followed by j, as Python prints a complex number: (6+9j), -2.5j. Not j in a word or a name.
_PY_IMAGINARY = re.compile(r"(?<![A-Za-z_\\])(\d+(?:\.\d+)?(?:e[+-]?\d+)?)j(?![A-Za-z_0-9])")


def python_complex(text: str) -> str:
    """(6+9j) -> (6+9i): a program's complex result in the notation the problems use. math-verify
    reads "9j" as 9*j, so a program that computed 6+9i disagreed with the chain of thought that said so
    (MATH algebra-1098, 2026-12-01: eight steps spent on one number written two ways)."""
    return _PY_IMAGINARY.sub(r"\1i", text)


def plain_to_latex(text: str) -> str:
    """What models write in plain text, in LaTeX: pi / π -> \\pi, sqrt(x) / √(x) / √x -> \\sqrt{x},
    ° -> ^\\circ, ∞ -> \\infty. math-verify reads "pi" as i*p and "70 sqrt(2)" as 70."""
    text = _PI_WORD.sub(r"\\pi ", python_complex(text)).replace("∞", r"\infty ").replace("°", r"^\circ ")
    while m := _SQRT_CALL.search(text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        if depth:
            break  # unbalanced: leave the rest as it is
        text = f"{text[:m.start()]}\\sqrt{{{text[m.end():i - 1]}}}{text[i:]}"
    return _SQRT_BARE.sub(r"\\sqrt{\1}", text)


def _timeout() -> int | None:
    # math-verify's timeouts use SIGALRM, which only works in the main thread.
    return 5 if threading.current_thread() is threading.main_thread() else None


def _parse(text: str) -> list[Any]:
    return parse(text, extraction_config=_LATEX_CFG, parsing_timeout=_timeout())


def base_n_value(text: str) -> tuple[int, int] | None:
    """(value, base) when the whole text is one numeral with a base subscript, like 52_8."""
    m = _BASE_N.fullmatch(text.strip().strip("$").strip())
    if not m:
        return None
    digits, base = m.group(1), int(m.group(2))
    if not 2 <= base <= 36:
        return None
    try:
        return int(digits, base), base
    except ValueError:
        return None


def _letter(text: str) -> str | None:
    """The choice letter of an answer written as C, (C), \\text{(C)}, $\\textbf{C}$, "(C) 29"."""
    bare = _LATEX_WRAP.sub("", text).replace("$", "").strip().rstrip(".").strip()
    m = _LETTER.match(bare) or _LETTER_PREFIX.match(bare)
    return m.group(1).upper() if m else None


_WORDS_ONLY = re.compile(r"[^\d\\$]*[A-Za-z]{3,}[^\d\\$]*")   # words, no digit, no LaTeX


def _is_number(value: Any) -> bool:
    return bool(getattr(value, "is_number", False))


@lru_cache(maxsize=4096)
def _gold(answer: str) -> tuple[Any, ...]:
    base = base_n_value(answer)
    if base is not None:
        return tuple(_parse(f"${base[0]}$"))
    return tuple(_parse(f"${python_complex(answer)}$"))


def _readings(candidate: str) -> list[str]:
    """Texts to try for the candidate's answer: the focused answer, then the whole output."""
    focused = focus(candidate)
    out = [focused]
    whole = strip_reasoning(candidate).strip()
    if whole != focused:
        out.append(whole)
    return out


def _equivalent(gold: tuple[Any, ...], text: str, whole_output: bool) -> tuple[bool, str | None]:
    preds: list[Any] = []
    if not whole_output:
        latex = plain_to_latex(text)
        preds += _parse(f"${latex}$")
        if latex != text:
            preds += _parse(f"${text}$")
    preds += _parse(text)
    shown = next((str(p) for p in preds if not isinstance(p, str)), None) or (str(preds[0]) if preds else None)
    if not preds:
        return False, None
    return bool(mv_verify(list(gold), preds, timeout_seconds=_timeout())), shown


def verify_answer(problem: AnswerProblem, candidate: str) -> VerifyResult:
    if len(candidate) > MAX_ANSWER_CHARS:
        return VerifyResult.unreadable(f"candidate is {len(candidate)} characters long (at most {MAX_ANSWER_CHARS})")
    readings = _readings(candidate)
    if not readings[0]:
        return VerifyResult.unreadable("empty answer")
    answer = problem.answer.strip()

    # Multiple choice: compare letters; a choice's value counts as its letter.
    gold_letter = _letter(answer) if re.search(r"[A-E]", answer) else None
    if problem.choices or gold_letter:
        letter = _letter(readings[0])
        if letter is None and problem.choices:
            for key, value in problem.choices.items():
                if value.strip() and _equivalent(_gold(value.strip()), readings[0], False)[0]:
                    letter = key.upper()
                    break
        if gold_letter is None and problem.choices:
            gold_letter = next((k.upper() for k, v in problem.choices.items() if v.strip() == answer), None)
        if gold_letter is not None:
            if letter is None:
                return VerifyResult.reject("no choice letter found in the answer")
            if letter == gold_letter:
                return VerifyResult.correct(letter)
            return VerifyResult.reject(f"choice {letter} is not the correct choice", normalized=letter)

    base = base_n_value(answer)
    if base is not None:
        value, b = base
        cand = readings[0].strip().strip("$").strip()
        as_base = base_n_value(cand)
        if as_base is not None:
            if as_base[0] == value:
                return VerifyResult.correct(f"{as_base[0]} (base 10)")
            return VerifyResult.reject(f"{cand} = {as_base[0]} in base 10 is not equivalent to the reference answer",
                                       normalized=str(as_base[0]))
        if re.fullmatch(r"[0-9A-Za-z]+", cand):
            try:
                if int(cand, b) == value:
                    return VerifyResult.correct(f"{cand}_{b}")
            except ValueError:
                pass

    gold = _gold(answer)
    if not gold:
        raise ValueError(f"problem {problem.id}: the reference answer {answer!r} cannot be read")
    shown = None
    for i, text in enumerate(readings):
        ok, seen = _equivalent(gold, text, whole_output=i > 0)
        shown = shown or seen
        if ok:
            if _EXACT_FORM.search(problem.statement) and _DECIMAL.search(text) and not _DECIMAL.search(answer):
                m = _EXACT_FORM.search(problem.statement)
                assert m is not None
                return VerifyResult.reject(f"the problem asks for {m.group(0)}; a decimal is not accepted",
                                           normalized=seen)
            return VerifyResult.correct(seen)
    if shown is None:
        return VerifyResult.unreadable(f"could not read a mathematical answer in {readings[0][:80]!r}")
    if _is_number(gold[0]) and _WORDS_ONLY.fullmatch(readings[0]):
        # "forty-five" parses as a product of letters; the reference is a number: say so plainly
        return VerifyResult.unreadable(f"the answer {readings[0][:80]!r} could not be read as a number; "
                                       "write it in digits")
    return VerifyResult.reject(f"the answer {shown} is not equivalent to the reference answer", normalized=shown)


def answers_agree(first: str, second: str) -> bool:
    """Whether two answers the run produced itself are mathematically the same (math-verify, as for
    grading). Used for a self-check by another method: no reference answer is involved."""
    a, b = focus(first).strip(), focus(second).strip()
    if not a or not b:
        return False
    if a == b:
        return True
    try:
        gold = _gold(a)
        return (bool(gold) and _equivalent(gold, b, whole_output=False)[0]) or _float_noise_agree(a, b)
    except Exception:  # noqa: BLE001 - an unreadable answer simply does not agree
        return False


# A float as a program prints it with full double precision: 4.999999999999999, 0.30000000000000004.
_LONG_FLOAT = re.compile(r"-?\d+\.\d{10,}(?:e[+-]?\d+)?")


def float_noise(text: str) -> bool:
    """Whether an answer is a float printed at full double precision."""
    return bool(_LONG_FLOAT.fullmatch(text.strip()))


def _float_noise_agree(a: str, b: str) -> bool:
    """A program's double-precision float against the other answer's value, to 1e-9 relative: the
    program computed 5 and printed 4.999999999999999, which math-verify reads as not 5 (MATH
    geometry-248, 2026-12-01: a right first attempt escalated on it). Only between the run's own
    answers; grading keeps math-verify's strict reading."""
    for noisy, other in ((a, b), (b, a)):
        if not float_noise(noisy):
            continue
        try:
            value = float(other)
        except ValueError:
            parsed = [p for p in _gold(other) if not isinstance(p, str)]
            try:
                value = complex(parsed[0].evalf()) if parsed else None
            except (TypeError, AttributeError):
                value = None
            if value is None or value.imag:
                continue
            value = value.real
        if math.isclose(float(noisy), value, rel_tol=1e-9, abs_tol=1e-12):
            return True
    return False
