"""The moves of the hunts family (`counterexample` problems): what each computes.

| move            | computes                                                                      |
|-----------------|-------------------------------------------------------------------------------|
| understand      | `scan` of the first block (no model call): the small cases first                   |
| obvious         | the model's first search program, asked greedily as `pot` is (the definition is prepended); what it prints is checked |
| examples        | `scan`: the next block of small n, each checked by the definition (tool, no model) |
| patterns        | the model's program prints a family of candidates (where it would break); the tool checks each |
| backwards       | the same, for n satisfying a necessary condition for failure                 |
| counterexamples | the model's search program (definition prepended), looping over `candidates()` on the harness's clock |
| attempt         | a confirmed counterexample is the answer (no model call); otherwise the model's free-text attempt |

Every candidate a program prints is checked by the problem's own definition
(`agent.verify.hunt.run_checks`), never trusted; a search program's "CHECKED a to b" line is the
model's claim and is recorded as such. No reference answer is used: "none" is the hunt's
conclusion when the run ends without a confirmed counterexample, graded once after the run.
"""

from __future__ import annotations

import re

from agent.trace.events import Findings, ToolCall
from agent.verify.hunt import claim_code, run_checks
from agent.workspace.hunt import MAX_FAMILY, Family, HuntWorkspace, Search
from strategies.base import MoveInput, MoveOutcome, render, write_and_run

_INT = re.compile(r"-?\d+")
_COUNTEREXAMPLE = re.compile(r"COUNTEREXAMPLE\s*:\s*(-?\d+)", re.I)
_CHECKED = re.compile(r"^\s*CHECKED\b.*$", re.I | re.M)


def hunt_workspace(inp: MoveInput) -> HuntWorkspace:
    return inp.state.workspace


def _record(inp: MoveInput, tool: str, args: dict, result: str) -> None:
    inp.ctx.emit(ToolCall(run_id="", step=inp.ctx.step, tool=tool, args=args, result=result))


def check_values(inp: MoveInput, values: list[int]) -> tuple[list[int], int, str]:
    """Check candidates with the definition: (failures, how many were in the domain, error)."""
    rows, why = run_checks(inp.problem, values)
    if rows is None:
        return [], 0, why
    failures = [n for n, (d, h) in zip(values, rows, strict=True) if d and h is False]
    return failures, sum(bool(d) for d, _ in rows), ""


async def examples(inp: MoveInput) -> MoveOutcome:
    ws = hunt_workspace(inp)
    values = ws.next_block()
    rows, why = run_checks(inp.problem, values)
    if rows is None:
        _record(inp, "scan", {"from": values[0], "to": values[-1]}, f"could not run: {why}")
        return MoveOutcome(Findings(source="tool:scan", facts=[f"Checking n = {values[0]}..{values[-1]} did not finish: {why}"]),
                           summary="scan failed")
    failure = ws.record_scan(values, rows)
    in_domain = sum(bool(d) for d, _ in rows)
    if failure is None:
        text = f"The claim holds for every n from {values[0]} to {values[-1]} in the domain ({in_domain} of them)."
        found = Findings(source="tool:scan", examples=[text])
    else:
        text = f"The claim FAILS at n = {failure} (checked by the definition)."
        found = Findings(source="tool:scan", examples=[text], candidates=[str(failure)])
    _record(inp, "scan", {"from": values[0], "to": values[-1]}, text)
    return MoveOutcome(found, summary=text)


async def _program(inp: MoveInput, purpose: str, instruction: str, *, prefix: str = "", rewrite=None,
                   temperature: float | None = None):
    """The model's program, run (after `prefix`), one repair; a search cut by its time limit
    still reports. Returns (plan, ToolResult); a reply with no program is a failed result."""
    program, result = await write_and_run(inp, purpose, instruction, prefix=prefix, text=True, keep_cut_output=True,
                                          rewrite=rewrite, temperature=temperature)
    return program.plan, result


_HARNESS_NAMES = ("candidates", "in_domain", "holds")     # defined before the model's search code runs
_OWN_DEF = re.compile(rf"^(\s*)def ({'|'.join(_HARNESS_NAMES)})\(", re.M)
_HARNESS_IMPORT = re.compile(r"^(\s*)(from\s+[\w.]+\s+import\s+\(?\s*([\w\s,]+?)\s*\)?)\s*$", re.M)


def _drop_harness_import(match: re.Match) -> str:
    names = {n.strip() for n in match.group(3).split(",") if n.strip()}
    if not names or not names <= set(_HARNESS_NAMES):
        return match.group(0)
    return f"{match.group(1)}pass  # already defined: {match.group(2)}"


_BARE_CANDIDATES_CALL = re.compile(r"^(\s*)candidates\(\)(\s*(?:#.*)?)$", re.M)


def keep_harness_names(code: str) -> str:
    """The model's own `def candidates/in_domain/holds(` is renamed `_own_...`, so its calls reach the
    harness's clocked generator and the problem's definition. Told these are already defined, the
    1.5B model still wrote its own candidates() without a clock, in most of its first searches, and
    looped until killed. But a bare statement `candidates()` calls its own: the harness's generator
    called and dropped does nothing, and the model wrote its whole search as a candidates() it then
    called so (the sandbox's time limit stops it; what it printed is kept). An import of only these
    names (`from problem import in_domain, holds`, a module that does not exist; written and
    repaired into the same line greedily) becomes `pass`."""
    renamed = _OWN_DEF.sub(r"\1def _own_\2(", code)
    if "def _own_candidates(" in renamed:
        renamed = _BARE_CANDIDATES_CALL.sub(r"\1_own_candidates()\2", renamed)
    return _HARNESS_IMPORT.sub(_drop_harness_import, renamed)


async def family(inp: MoveInput, purpose: str = "move:patterns", prompt: str = "hunt_family") -> MoveOutcome:
    """The model names where the claim might break, as a program printing candidates; the tool
    checks every one."""
    ws = hunt_workspace(inp)
    plan, result = await _program(inp, purpose, render(prompt, workspace=ws.render()))
    label = (plan or prompt)[:120]
    if not result.ok:
        why = result.killed_reason or f"exit {result.exit_code}"
        ws.families.append(Family(label=label, note=f"the program failed: {why}"))
        return MoveOutcome(Findings(source="program", facts=[f"A candidate program failed ({why})."]), summary=label)
    values = list(dict.fromkeys(int(m.group()) for ln in result.stdout.splitlines() if (m := _INT.search(ln))))
    entry = Family(label=label, note="" if len(values) <= MAX_FAMILY else f"first {MAX_FAMILY} of {len(values)}")
    values = values[:MAX_FAMILY]
    if not values:
        entry.note = "the program printed no integers"
    else:
        failures, in_domain, why = check_values(inp, values)
        entry.checked = in_domain
        if why:
            entry.note = f"the check did not finish: {why}"
        elif failures:
            entry.status, entry.refuted_by = "refuted", min(failures)
            for n in failures[:5]:
                ws.add_failure(n)
        elif in_domain == 0:
            entry.note = f"none of the {len(values)} printed values is in the claim's domain"
        else:
            entry.status = "survived"
    ws.families.append(entry)
    _record(inp, "check_values", {"family": label, "values": len(values)}, entry.line())
    found = Findings(source="checked", conjectures=[entry.line()] if entry.status == "survived" else [],
                     counterexamples=[entry.line()] if entry.status == "refuted" else [],
                     candidates=[str(entry.refuted_by)] if entry.refuted_by is not None else [])
    return MoveOutcome(found, summary=entry.line())


def search_clock(start: int, seconds: int) -> str:
    """Code prepended to a timed search (after the definition): `candidates()` yields START, START + 1,
    ... and stops by itself when the time is up, then prints how far it got. The clock lives in the
    generator's default arguments, so a program that assigns over a name (the 1.5B model once wrote
    `time_left = 8` over a clock function and looped until killed) cannot stop it; stdout is line
    buffered so what was printed survives the sandbox's kill if the program ignores the generator."""
    return (f"import sys as _polya_sys\nimport time as _polya_time\n_polya_sys.stdout.reconfigure(line_buffering=True)\n"
            f"START = {start}\n\n\n"
            f"def candidates(_start={start}, _stop=_polya_time.monotonic() + {seconds}, _now=_polya_time.monotonic):\n"
            f"    n = _start\n    while _now() < _stop:\n        yield n\n        n += 1\n"
            f"    print(f'CHECKED {{_start}} to {{n - 1}}')\n")


SEARCH_SHARE = 0.8    # of the program time limit: the harness's clock stops the search before the sandbox does


def timed_search(share: float = SEARCH_SHARE, purpose: str = "move:counterexamples", temperature: float | None = None):
    """The search move, its clock set to `share` of the run's program time limit; `temperature` of
    its first request (None: the run's)."""

    async def search_move(inp: MoveInput) -> MoveOutcome:
        return await search(inp, purpose, share, temperature)

    return search_move


async def search(inp: MoveInput, purpose: str = "move:counterexamples", share: float = SEARCH_SHARE,
                 temperature: float | None = None) -> MoveOutcome:
    """The model's own search program; the definition is prepended, and whatever it prints as a
    counterexample is checked by the definition before it counts. The program loops over
    `candidates()`, upward from where the scans and the last search reported stopping, until the
    harness's clock stops it (left to choose its own range, the 1.5B model wrote range(1, 1000) and
    missed 5,777)."""
    ws = hunt_workspace(inp)
    seconds = max(1, int(inp.ctx.settings.code_timeout_s * share))
    start = max(ws.scanned_to, ws.searched_to()) + 1      # scanned_to is -1 before any scan
    instruction = render("hunt_search_timed", workspace=ws.render(), seconds=seconds, start=start)
    prefix = f"{claim_code(inp.problem)}\n\n{search_clock(start, seconds)}"
    plan, result = await _program(inp, purpose, instruction, prefix=prefix, rewrite=keep_harness_names,
                                  temperature=temperature)
    entry = Search(plan=(plan or "search")[:120])
    if not result.ok:
        entry.failed = result.killed_reason or f"exit {result.exit_code}"
    out = result.stdout
    printed = [int(m) for m in _COUNTEREXAMPLE.findall(out)][:20]
    checked = _CHECKED.findall(out)
    entry.claimed = checked[-1].strip()[:120] if checked else ""
    if printed:
        failures, _, why = check_values(inp, printed)
        entry.found = failures
        for n in failures:
            ws.add_failure(n)
        wrong = [n for n in printed if n not in failures]
        _record(inp, "check_values", {"printed": len(printed)},
                f"confirmed {failures or 'none'}; not counterexamples: {wrong[:5] or 'none'}{'; ' + why if why else ''}")
    ws.searches.append(entry)
    facts = [] if entry.found else [entry.line()]
    return MoveOutcome(Findings(source="program", facts=facts, candidates=[str(n) for n in entry.found[:1]],
                                counterexamples=[entry.line()] if entry.found else []), summary=entry.line(),
                       check="counterexample confirmed" if entry.found else "no counterexample confirmed")


async def attempt(inp: MoveInput) -> MoveOutcome | None:
    ws = hunt_workspace(inp)
    if not ws.failures:
        return None
    n = min(ws.failures)
    return MoveOutcome(Findings(source="checked", candidates=[str(n)]), summary=f"the confirmed counterexample {n}")
