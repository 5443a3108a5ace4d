"""The exploration family's tools for patterns: the conjecture miner as a move, and the
statement-code check of the model's conjectures against it.

`mine` (no model call): MINE_EXAMPLES examples (the family's `mine_examples`) made by the problem's own definition in the sandbox
(fresh seeds), every template of agent/workspace/miner.py run on every one of them; each mined
conjecture goes into the ledger with `source: tool:miner`, how many examples it held on (distinct,
horizon) or the example that refuted it, ranked as the miner ranks them. A tool, not a solver: it
lists what held on the examples and what was refuted by which one.

The statement-code check (`code_check`): a model conjecture is words and a predicate. After the
miner has run, the predicate is also run on the miner's examples and on its contrast examples (the
same examples with each column shuffled), and compared with what the miner measured there:
- its reply names the mined conjecture its words restate (`Restates: M3`): the predicate must give
  the miner's verdict on every one of those examples, else it tests something else than its words
  (when that conjecture has one verdict on all of them, agreeing decides nothing and is said so);
- it names none: a predicate that computes exactly a mined conjecture's verdicts (its words claim
  something the templates cannot state, its code states one of them), or that holds on every
  shuffled example too (it tests nothing the order of the terms decides), is marked the same way.
A marked conjecture stays in the ledger with its count, `trusted: false` and the reason.
"""

from __future__ import annotations

import re

from agent.trace.events import Findings, ToolCall
from agent.workspace.explore import Conjecture, ExplorationWorkspace, predicate_verdicts
from agent.workspace.miner import MinerRun, fetch_examples, mine_run
from strategies.base import MoveInput, MoveOutcome

MINE_EXAMPLES = 500
_RESTATES = re.compile(r"^\s*\**restates\**\s*:\s*\**\s*(M\d+|none)\b", re.I | re.M)


async def mine(inp: MoveInput, examples: int = MINE_EXAMPLES) -> MoveOutcome:
    ws: ExplorationWorkspace = inp.state.workspace
    if ws.mined():
        return MoveOutcome(summary=f"the miner has already run on this table ({len(ws.mined())} conjectures)")
    seeds = ws.next_seeds(examples)
    examples, described, why = fetch_examples(inp.problem, seeds)
    if why:
        inp.ctx.emit(ToolCall(run_id="", step=inp.ctx.step, tool="fetch_examples", args={"seeds": len(seeds)},
                              result=f"failed after {len(examples)}: {why}"))
        return MoveOutcome(Findings(source="tool:miner", facts=[f"The definition failed to make examples: {why}"]),
                           summary="no examples to mine")
    run = mine_run(examples, described)
    ws.seeds += seeds
    ws.shown = ws.shown or described[:8]
    ws.conjectures += [Conjecture.from_mined(m) for m in run.ledger]
    ws.set_miner(run, seeds, described)
    held = [c for c in ws.mined() if c.status == "survived"]
    refuted = [c for c in ws.mined() if c.status == "refuted"]
    head = (f"{len(run.ledger)} conjectures from the templates on {len(examples)} examples (seeds {seeds[0]}..{seeds[-1]}, "
            f"{len(run.keys)} distinct): {len(held)} held on every one, {len(refuted)} refuted")
    inp.ctx.emit(ToolCall(run_id="", step=inp.ctx.step, tool="mine", args={"examples": len(examples),
                          "seeds": f"{seeds[0]}..{seeds[-1]}"}, result="\n".join([head, *(c.line() for c in ws.mined())])))
    return MoveOutcome(Findings(source="tool:miner", facts=[f"The conjecture miner: {head}."],
                                conjectures=[c.line() for c in held],
                                # the refuting examples are in the ledger and the tool call: the
                                # notebook (in every prompt) keeps the statements
                                counterexamples=[c.mined_line(example_chars=0) for c in refuted]),
                       summary=head)


def recheck_mined(inp: MoveInput, seeds: list[int]) -> list[Conjecture]:
    """The mined conjectures still standing, run again on the examples of fresh seeds."""
    ws: ExplorationWorkspace = inp.state.workspace
    run, live = ws.miner(), [c for c in ws.mined() if c.status == "survived"]
    if run is None or not live:
        return []
    examples, described, why = fetch_examples(inp.problem, seeds)
    if why:
        return []
    fails = run.first_failures(examples, [c.id for c in live])
    for conj in live:
        k = fails[conj.id]
        conj.checked += len(examples) if k is None else k
        if k is None:
            conj.distinct = len(run.keys)
        else:
            conj.status, conj.refuted_by = "refuted", described[k]
    inp.ctx.emit(ToolCall(run_id="", step=inp.ctx.step, tool="recheck_mined", args={"examples": len(examples)},
                          result="\n".join(c.line() for c in live)[:2000]))
    return live


def restated(text: str) -> str:
    """The mined conjecture a reply says its words restate ("Restates: M3"), or ""."""
    m = _RESTATES.search(text)
    return m.group(1).upper() if m and m.group(1).lower() != "none" else ""


def code_check(inp: MoveInput, conj: Conjecture) -> None:
    """The statement-code check (module docstring): fills `conj.code_check` and `conj.trusted`."""
    ws: ExplorationWorkspace = inp.state.workspace
    run = ws.miner()
    if run is None or conj.status == "broken":
        return
    seeds, described = ws.miner_examples()
    got, why = predicate_verdicts(inp.problem, conj.code, seeds, run.contrast)
    if got is None:
        conj.code_check = f"the statement-code check could not run: {why}"[:200]
    else:
        conj.code_check, conj.trusted = compare(conj.restates, got, run, described)
    inp.ctx.emit(ToolCall(run_id="", step=inp.ctx.step, tool="code_check",
                          args={"id": conj.id, "restates": conj.restates or "none", "examples": len(got or [])},
                          result=conj.line()))


def compare(restates: str, got: list[bool | None], run: MinerRun, described: list[str]) -> tuple[str, bool]:
    """What the predicate's verdicts `got` (on the miner's examples, then its contrast examples) say
    about its words: (the finding, whether it is trusted)."""
    n_real, n = len(described), len(got)
    where = f"{n} examples ({n - n_real} of them with shuffled columns)"

    def example(i: int) -> str:
        return described[i] if i < n_real else f"example {described[i - n_real][:80]} with its columns shuffled"

    if restates and restates in run.verdicts:
        want = run.verdicts[restates]
        if len(set(want)) == 1:      # agreeing with a constant decides nothing (an always-False predicate would)
            return (f"the check decides nothing: {restates}, which its words restate, is {want[0]} on all {where}"
                    ), True
        i = next((i for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b), None)
        if i is None:
            return f"its code gives {restates}'s verdict on all {where}", True
        return (f"its code tests something else than its words: it says {got[i]} where {restates} (which its words "
                f"restate) says {want[i]}, on {example(i)}"), False
    note = f"it names {restates}, which the miner did not state; " if restates else ""
    if got[n_real:] and all(got[n_real:]) and all(got[:n_real]):
        return (f"{note}its code holds on every example with shuffled columns too: it tests nothing the order "
                "of the terms decides"), False
    same = next((mid for mid, v in run.verdicts.items() if v == got), None)
    if same is not None:
        return (f"{note}its code computes exactly {same}'s verdicts on all {where}: its words claim something "
                "the templates cannot state, its code states one of them"), False
    return f"{note}no mined conjecture decides its words; its code was run on all {where}", True
