"""Re-score a bench directory under a changed run setting, paying only for the runs it changes.

    python benchmarks/whatif_rows.py bench-results/hunt-loop bench-results/hunt-loop-20s \
        --setting code_timeout_s=20 [--policies llm,random] [--dry-run]

Run settings are numbers (agent.loop.context.RunSettings: token limits, program time and memory,
temperature); there are no behaviour switches, so a changed rule is a code change, which the mode
without `--setting` below measures. Only traces recorded at this loop version rerun (docs/traces.md).

For each row (loop policies only), its trace is rerun with the setting changed and zero model
calls (`polya replay --rerun --setting`); program outputs are served as recorded, so a changed time
limit shows where it changes a prompt (a hunt's search clock). A run the rule would not have
changed keeps its row as recorded. A run it changes, at the verdict of step k, is forked at step k+1 under the setting: steps
1..k replay from the trace and the rest runs live on the recorded backend, graded once after the
run as in a bench. The new rows go to OUT/results.jsonl with `reason` prefixed "what-if: unchanged"
or "what-if: forked at step N", and the summary says how many runs the rule changed. A trace that
no longer reruns exactly at this commit (benchmarks/rerun_sweep.py) is left out and counted.

Without `--setting`, the rule is the code at this commit: each trace is rerun as it is, and a run
that no longer reruns exactly is the change (e.g. a fix to how the run compares its own answers),
forked at the step after its first diverging verdict. Use it to bring rows recorded before a fix up
to the current code without paying for the runs it did not change.

Live continuations sample at the run's temperature, so a forked row is one sample of the rule's
effect, not the effect itself; a fork whose changed verdict ends the run makes no model call and is
exact.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.bench.results import ResultRow, read_rows  # noqa: E402
from agent.errors import InputError, ReplayDivergence  # noqa: E402
from agent.loop.rerun import afork, arerun, parse_overrides, same_loop  # noqa: E402
from agent.trace.files import trace_stem  # noqa: E402
from agent.trace.reader import iter_events  # noqa: E402

BASELINES = ("direct", "cot", "pot", "fit", "self-consistency", "tot")


def diverging_step(message: str) -> int | None:
    marker = "diverges at step "
    if marker not in message:
        return None
    return int(re.match(r"\d+", message.split(marker, 1)[1]).group())


async def rescore(src: Path, out: Path, overrides: dict, policies: set[str] | None, dry_run: bool,
                  backend: Any = None) -> None:
    """`backend`: what a fork continues live on (a spec or a Backend); default the recorded one."""
    rows = [r for r in read_rows(src / "results.jsonl") if r.harness_error is None and r.trace_path
            and not r.policy.startswith(BASELINES) and (not policies or r.policy in policies)]
    (out / "traces").mkdir(parents=True, exist_ok=True)
    done = {(r.problem_id, r.policy) for r in read_rows(out / "results.jsonl")}
    changed = skipped = 0
    for row in rows:
        if (row.problem_id, row.policy) in done:
            continue
        try:        # only the loop version that recorded a trace reruns it (agent/loop/rerun.py)
            same_loop(next(iter_events(row.trace_path)), str(row.trace_path))   # the run_start line alone
        except InputError as err:
            print(f"{row.problem_id} {row.policy}: {err}; left out", flush=True)
            skipped += 1
            continue
        scratch = out / "traces" / f"whatif-{trace_stem(row.trace_path)}.jsonl"
        scratch.unlink(missing_ok=True)
        if overrides:      # a trace that no longer reruns as recorded cannot say what a setting would change
            try:
                await arerun(row.trace_path, trace=scratch)
            except ReplayDivergence:
                print(f"{row.problem_id} {row.policy}: the trace does not rerun at this commit; left out", flush=True)
                skipped += 1
                continue
            finally:
                scratch.unlink(missing_ok=True)
        try:
            await arerun(row.trace_path, trace=scratch, settings=overrides)
            step = None
        except ReplayDivergence as err:
            step = diverging_step(str(err))
            if step is None:
                raise
        finally:
            scratch.unlink(missing_ok=True)
        if step is None:
            new = row.model_copy(update={"reason": f"what-if: unchanged; {row.reason}"})
            target = out / "traces" / Path(row.trace_path).name
            shutil.copy2(row.trace_path, target)
            new.trace_path = str(target)
        else:
            changed += 1
            print(f"{row.problem_id} {row.policy}: the rule changes step {step}" + (" (dry run)" if dry_run else ", forking"),
                  flush=True)
            if dry_run:
                continue
            target = out / "traces" / f"fork-{trace_stem(row.trace_path)}.jsonl"
            target.unlink(missing_ok=True)
            result = await afork(row.trace_path, fork_at=step + 1, trace=target, settings=overrides, backend=backend)
            u = result.used
            new = row.model_copy(update=dict(
                status=result.status, solved=result.solved and result.verified, verified=result.verified,
                answer=result.answer, reason=f"what-if: forked at step {step + 1}; {result.reason}",
                steps=result.steps, llm_calls=u.llm_calls, prompt_tokens=u.prompt_tokens,
                completion_tokens=u.completion_tokens, wall_s=u.wall_s, trace_path=str(target),
                run_id=result.run_id))
        with open(out / "results.jsonl", "a", encoding="utf-8") as fh:
            fh.write(ResultRow.model_validate(new.model_dump()).model_dump_json() + "\n")
    rule = json.dumps(overrides) if overrides else "the code at this commit"
    print(f"{changed} of {len(rows) - skipped} runs changed by {rule}"
          + (f"; {skipped} left out (their traces no longer rerun)" if skipped else ""))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("src")
    p.add_argument("out")
    p.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE",
                   help="the changed run setting (repeatable); none: the code at this commit is the rule")
    p.add_argument("--policies", help="only these policies (comma-separated)")
    p.add_argument("--backend", help="forks continue live on this backend (default: each run's recorded one)")
    p.add_argument("--dry-run", action="store_true", help="only say which runs the rule changes")
    args = p.parse_args()
    policies = set(args.policies.split(",")) if args.policies else None
    asyncio.run(rescore(Path(args.src), Path(args.out), parse_overrides(args.setting), policies, args.dry_run,
                        args.backend))


if __name__ == "__main__":
    main()
