"""The moves of the exploration family: a proof problem that can be played with (its definition makes examples,
agent/workspace/explore.py): what each computes.

| move            | computes                                                                     |
|-----------------|------------------------------------------------------------------------------|
| understand      | the first examples, made by the definition (tool, no model call)             |
| examples        | more examples (new seeds); every live conjecture is checked on them too      |
| mine            | the conjecture miner's templates on 500 fresh examples, into the ledger (tool, no model call; mining.py) |
| patterns        | the model states one conjecture as a predicate `conjecture(ex)`; it is run on every example so far; after `mine`, it is asked for what the templates cannot state and its predicate gets the statement-code check |
| counterexamples | a hunt: fresh examples, every live conjecture checked on them (tool, no model call) |
| attempt         | the model writes the proof, with the ledger in front of it (kept whole, unverified) |

A conjecture that survives is evidence, never a fact: the ledger says on how many examples it held.
"""

from __future__ import annotations

import re

from agent.trace.events import Findings, ToolCall
from agent.workspace.explore import (
    EXAMPLES_PER_STEP,
    FRESH_PER_HUNT,
    Conjecture,
    ExplorationWorkspace,
    check_conjecture,
    make_examples,
)
from strategies.base import MoveInput, MoveOutcome, messages, parse_program, render
from strategies.exploration.mining import code_check, recheck_mined, restated

CONJECTURE_MAX_TOKENS = 512
_STATEMENT = re.compile(r"^\s*\**statement\**\s*:\s*(.+)$", re.I | re.M)


def explore_workspace(inp: MoveInput) -> ExplorationWorkspace:
    return inp.state.workspace


def _record(inp: MoveInput, tool: str, args: dict, result: str) -> None:
    inp.ctx.emit(ToolCall(run_id="", step=inp.ctx.step, tool=tool, args=args, result=result[:2000]))


def _check(inp: MoveInput, conj: Conjecture, seeds: list[int]) -> None:
    """Run one conjecture on these examples and update its status in place."""
    out, why = check_conjecture(inp.problem, conj.code, seeds)
    if out is None or out["error"]:
        conj.status, conj.error = "broken", (why or out["error"])[:200]
    elif out["failed_seed"] is not None:
        conj.checked += out["checked"]
        conj.status, conj.refuted_by = "refuted", out["failed"]
    else:
        conj.checked += out["checked"]
        conj.status = "survived"
    _record(inp, "check_conjecture", {"id": conj.id, "examples": len(seeds)}, conj.line())


def _findings(conjs: list[Conjecture], examples: list[str] | None = None) -> Findings:
    return Findings(source="checked", examples=examples or [],
                    conjectures=[c.line() for c in conjs if c.status == "survived"],
                    counterexamples=[c.line() for c in conjs if c.status == "refuted"],
                    facts=[c.line() for c in conjs if c.status == "broken"])


async def examples(inp: MoveInput) -> MoveOutcome:
    ws = explore_workspace(inp)
    seeds = ws.next_seeds(EXAMPLES_PER_STEP)
    described, why = make_examples(inp.problem, seeds)
    if described is None:
        _record(inp, "make_examples", {"seeds": len(seeds)}, f"failed: {why}")
        return MoveOutcome(Findings(source="tool:make_examples", facts=[f"The definition failed to make examples: {why}"]),
                           summary="no examples")
    ws.seeds += seeds
    ws.shown = described[:EXAMPLES_PER_STEP]
    _record(inp, "make_examples", {"seeds": f"{seeds[0]}..{seeds[-1]}"}, "\n".join(described))
    live = ws.live()
    for conj in live:
        _check(inp, conj, seeds)
    live += recheck_mined(inp, seeds)
    found = _findings(live, described[:4])
    found.source = "tool:make_examples"
    return MoveOutcome(found, summary=f"{len(seeds)} examples made; {len(live)} live conjecture(s) checked on them")


async def patterns(inp: MoveInput) -> MoveOutcome:
    ws = explore_workspace(inp)
    if not ws.seeds:
        await examples(inp)
    # after the miner, the model is shown its ledger and asked for what the templates cannot state
    prompt = "explore_conjecture_mined" if ws.mined() else "explore_conjecture"
    text, _ = await inp.ctx.ask_text("move:patterns", messages(inp, render(prompt, workspace=ws.render()),
                                                               text=True), max_tokens=CONJECTURE_MAX_TOKENS)
    program = parse_program(text)
    m = _STATEMENT.search(text)
    statement = " ".join((m.group(1) if m else program.plan or "unstated").split())[:240]
    conj = Conjecture(id=f"C{len(ws.model_conjectures()) + 1}", statement=statement, code=program.code,
                      restates=restated(text) if ws.mined() else "")
    ws.conjectures.append(conj)
    if "def conjecture" not in program.code:
        conj.status, conj.error = "broken", "the reply had no function conjecture(ex)"
        _record(inp, "check_conjecture", {"id": conj.id}, conj.line())
    else:
        _check(inp, conj, ws.seeds)
        code_check(inp, conj)
    return MoveOutcome(_findings([conj]), summary=conj.line())


async def counterexamples(inp: MoveInput) -> MoveOutcome:
    ws = explore_workspace(inp)
    live = ws.live()
    if not live and not any(c.status == "survived" for c in ws.mined()):
        return MoveOutcome(summary="no live conjecture to hunt a counterexample for")
    seeds = ws.next_seeds(FRESH_PER_HUNT)
    ws.seeds += seeds
    for conj in live:
        _check(inp, conj, seeds)
    live += recheck_mined(inp, seeds)
    return MoveOutcome(_findings(live), summary=f"{len(live)} conjecture(s) checked on {len(seeds)} fresh examples: "
                       f"{sum(c.status == 'refuted' for c in live)} refuted")
