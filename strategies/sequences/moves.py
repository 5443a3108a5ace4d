"""The moves of the sequences family (integer sequences: give the next terms): what each computes.

| move            | computes                                                                     |
|-----------------|------------------------------------------------------------------------------|
| examples        | the term table with differences and exact ratios (tool)                      |
| understand      | the tables, as `examples` (no model call)                                    |
| backwards       | the model's rule program, asked how each term is built from the ones before  |
| reframe         | the model's rule program, asked to see the terms another way                 |
| obvious (first) | every sequence guesser (tools, agent/workspace/guess.py); if no rule compresses the terms, the model's rule as a program `a(n)`, run and checked against every given term |
| patterns        | the guessers' simplest rule that compresses the terms, as a ledger entry; if there is none, the model's rule as a program `a(n)`, checked against every term |
| counterexamples | every conjecture in the notebook of the form "a(n) = ..." checked against every given term |
| attempt         | the next terms from the surviving ledger entry (no model call); the model only when none survives |

The ledger (the workspace, agent/workspace/sequences.py `SequenceWorkspace`) keeps every entry with its status; a refuted model formula is a
counterexample in the notebook, never a fact.
"""

from __future__ import annotations

import re

from agent.trace.events import Findings, ToolCall
from agent.workspace.guess import guess_all
from agent.workspace.sequences import (
    Fit,
    check_formula,
    check_program,
    copies_terms,
    program_suffix,
    tables,
)
from strategies.base import MoveInput, MoveOutcome, parse_program, render, text_messages

RULE_MAX_TOKENS = 512      # a rule is a short program; a longer reply is prose the model was asked not to write
_RULE = re.compile(r"a\(n\)\s*=\s*(.+)$")


def _record(inp: MoveInput, tool: str, args: dict, result: str) -> None:
    inp.ctx.emit(ToolCall(run_id="", step=inp.ctx.step, tool=tool, args=args, result=result))


def _add(inp: MoveInput, fit: Fit) -> Fit:
    inp.state.workspace.ledger.append(fit)
    return fit


def _findings(fits: list[Fit], source: str) -> Findings:
    return Findings(source=source, conjectures=[f.line() for f in fits if f.status == "survived"],
                    counterexamples=[f.line() for f in fits if f.status == "refuted"])


async def examples(inp: MoveInput) -> MoveOutcome:
    lines = tables(inp.problem.terms)
    _record(inp, "tables", {"terms": len(inp.problem.terms)}, "\n".join(lines))
    return MoveOutcome(Findings(source="tool:sequence", examples=lines), summary="difference and ratio tables")


def _fits(inp: MoveInput) -> list[Fit]:
    """Every sequence guesser (agent/workspace/guess.py: polynomials, rational generating functions,
    P-recursive and periodic rules, arithmetic functions of n, on the terms, their transforms and
    residue classes), no model call. Only the simplest rule that compresses the terms enters the
    ledger as surviving: a rule with as many fitted numbers as checks predicts nothing."""
    p = inp.problem
    found = guess_all(p.terms, p.n_predict)
    head = (f"answer: {found.answer.line()} ({found.agree} rules agree)" if found.answer
            else "no rule explains the terms with more checks than fitted numbers")
    _record(inp, "guess_all", {"terms": len(p.terms)}, "\n".join([head, "tried:", *found.tried]))
    return [_add(inp, found.answer)] if found.answer is not None else []


BACKWARDS = ("Work backwards: how is each term built from the terms before it (a recurrence, perhaps "
             "non-linear or involving n), or what would have to hold for the next term?")
REFRAME = ("See the terms another way: their differences or partial sums, their factorisations, their digits, "
           "or what they could be counting.")


async def rule_move(inp: MoveInput, purpose: str, angle: str) -> MoveOutcome:
    """A move that proposes a rule from its own angle: a program a(n), checked against every term."""
    fit = await propose_rule(inp, purpose, angle)
    return MoveOutcome(_findings([fit], "checked"), summary=fit.line())


async def propose_rule(inp: MoveInput, purpose: str, angle: str = "") -> Fit:
    """The model's rule as a program defining a(n); the harness calls a(0..) in the sandbox and the
    values are checked against every given term (a lookup table of the terms is refused)."""
    p = inp.problem
    tried = [f.line() for f in inp.state.workspace.ledger if f.source == "model"]
    task = render("sequence_rule", angle=angle, tables="\n".join(tables(p.terms)),
                  tried=("Rules already tried:\n" + "\n".join(tried[-4:])) if tried else "")
    reply, _ = await inp.ctx.ask_text(purpose, text_messages(inp, task), max_tokens=RULE_MAX_TOKENS)
    program = parse_program(reply)
    rule = (program.plan or "a(n), the model's program")[:120]
    if "def a(" not in program.code:
        fit = check_program("", "the reply defines no a(n)", rule, p.terms, p.n_predict)
    elif copies_terms(program.code, p.terms):
        fit = check_program("", "", rule, p.terms, p.n_predict, copied=True)
    else:
        result = await inp.ctx.run_code(program.code + program_suffix(len(p.terms) + p.n_predict))
        failed = "" if result.ok else (result.killed_reason or f"exit {result.exit_code}: {result.stderr.strip()[-160:]}")
        fit = check_program(result.stdout, failed, rule, p.terms, p.n_predict)
    _record(inp, "check_program", {"rule": rule}, fit.line())
    return _add(inp, fit)


async def first_rule(inp: MoveInput) -> MoveOutcome:
    """The obvious attempt on a sequence: the fits a person with sympy tries first, else the model's
    rule as a program. Consistency with every given term is the solve-time check."""
    fits = [f for f in _fits(inp) if f.status == "survived"] or [await propose_rule(inp, "move:attempt:obvious")]
    fit = fits[0]
    if fit.status != "survived":
        return MoveOutcome(_findings([fit], "checked"), summary=fit.line(), check="refuted")
    answer = ", ".join(map(str, fit.next_terms))
    return MoveOutcome(Findings(source=fit.source, candidates=[answer], conjectures=[fit.line()]),
                       summary=fit.line(), check="consistent")


async def patterns(inp: MoveInput) -> MoveOutcome:
    fits = _fits(inp)
    if fits:
        return MoveOutcome(_findings(fits, "tool:fit"), summary=fits[0].line())
    fit = await propose_rule(inp, "move:patterns")
    return MoveOutcome(_findings([fit], "checked"), summary=fit.line())


async def counterexamples(inp: MoveInput) -> MoveOutcome:
    p = inp.problem
    checked = []
    for entry in inp.state.notebook.conjectures:
        m = _RULE.search(entry.text.split(" (", 1)[0])
        if m and entry.source == "model":
            fit = _add(inp, check_formula(m.group(1), p.terms, p.n_predict))
            _record(inp, "check_formula", {"formula": m.group(1)}, fit.line())
            checked.append(fit)
    if not checked:
        return MoveOutcome(summary="no unchecked conjecture of the form a(n) = ... to test")
    return MoveOutcome(_findings(checked, "checked"), summary=f"{len(checked)} conjecture(s) checked")


def best_fit(ledger: list[Fit]) -> Fit | None:
    survived = [f for f in ledger if f.status == "survived" and f.next_terms]
    return survived[0] if survived else None     # tools first, in the order tried: the simplest form


def _answer(fit: Fit) -> str:
    return ", ".join(map(str, fit.next_terms))


def next_terms(ledger: list[Fit]) -> str | None:
    """The answer the ledger gives: the simplest surviving rule's next terms, or None."""
    fit = best_fit(ledger)
    return None if fit is None else _answer(fit)


NO_RULE = "no rule explains every given term: no answer (next terms no rule gives would be a guess)"


async def attempt(inp: MoveInput) -> MoveOutcome:
    """The next terms of the simplest rule that explains every given term, and with none, no answer
    and no model call. The model's next terms written in words, which no rule checks, were right 2
    times and wrong 52 in the 100-sequence bench of three loop policies (docs/results/oeis-loop-100):
    a confident wrong continuation is worse than none. The model still proposes rules, as programs
    checked on every term (`patterns`, `backwards`, `reframe`)."""
    fit = best_fit(inp.state.workspace.ledger)
    if fit is None:
        return MoveOutcome(Findings(source="tool:fit", facts=[NO_RULE]), summary=NO_RULE)
    answer = _answer(fit)
    return MoveOutcome(Findings(source="tool:fit", candidates=[answer]), summary=f"next terms from {fit.rule}")
