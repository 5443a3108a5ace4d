"""Run the programs recorded in traces again, live in today's sandbox, and compare their stdout with
the recording (`polya replay --rerun` reuses the recorded output instead, so it cannot tell).

    python benchmarks/tool_rerun_live.py docs/results/hunt-43/traces traces/examples [--list] [--every N]
    POLYA_SANDBOX_BACKEND=bwrap python benchmarks/tool_rerun_live.py ...

Only runs that ended on their own are compared (exit code recorded, no timeout or kill): a program
killed at its wall timeout prints whatever it reached by then. Same settings as the loop's
(`RunSettings`: 10 s, 768 MB). Prints matched / differed and, with --list, each difference.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent import sandbox  # noqa: E402
from agent.loop.context import RunSettings  # noqa: E402
from agent.trace.files import find_traces, open_text  # noqa: E402


def recorded_runs(paths: list[Path]) -> list[tuple[str, dict]]:
    """(trace name:seq, tool_run event) for every comparable program under `paths`, in a stable order."""
    files = sorted(f for p in paths for f in ([p] if p.is_file() else find_traces(p)))   # plain or gzipped
    runs = []
    for f in files:
        with open_text(f) as fh:
            events = [json.loads(line) for line in fh if line.strip()]
        for event in events:
            if (event.get("type") == "tool_run" and event.get("code") and not event.get("timed_out")
                    and event.get("killed_reason") is None and event.get("exit_code") is not None):
                runs.append((f"{f.name}:{event['seq']}", event))
    return runs


# Programs whose output can depend on the clock or on chance: a time budget ("CHECKED 0 to N" as far
# as it got in 2 s), a printed duration, an unseeded random choice.
_CLOCK_OR_CHANCE = re.compile(r"\b(time|datetime|random|perf_counter|monotonic)\b")


def deterministic(event: dict) -> bool:
    """A recorded program whose stdout should not change between runs or machines."""
    return (not _CLOCK_OR_CHANCE.search(event["code"]) and "0x" not in event["stdout"]
            and event.get("duration_s", 0) < 2)


def kind_of_difference(recorded: dict, now: sandbox.SandboxResult) -> str:
    """Why a live run differs: timed out now (the machine is busier), only an object's address, only
    numbers (how far a time budget got, a printed duration), or something else (what must not happen)."""
    if now.timed_out:
        return "timed out now"
    def blank(text: str, pattern: str) -> str:
        return re.sub(pattern, "#", text)
    if now.exit_code == recorded["exit_code"]:
        if blank(now.stdout, r"0x[0-9a-f]+") == blank(recorded["stdout"], r"0x[0-9a-f]+"):
            return "object address"
        if blank(now.stdout, r"[0-9.e+-]+") == blank(recorded["stdout"], r"[0-9.e+-]+"):
            return "numbers only"
    return "other"


def rerun(event: dict) -> tuple[str, str]:
    """Run the recorded program now: ("same" or the kind of difference, a one-line account of it)."""
    settings = RunSettings()
    now = sandbox.run(event["code"], timeout_s=settings.code_timeout_s, memory_mb=settings.code_memory_mb)
    if now.stdout == event["stdout"] and now.exit_code == event["exit_code"]:
        return "same", ""
    return kind_of_difference(event, now), (
        f"exit {event['exit_code']} -> {now.exit_code} ({now.killed_reason}); stdout "
        f"{event['stdout'][:60]!r} -> {now.stdout[:60]!r}; stderr {now.stderr[-160:]!r}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--every", type=int, default=1, help="take every Nth program (a sample)")
    ap.add_argument("--list", action="store_true", help="list each program whose output differs")
    ap.add_argument("--deterministic", action="store_true",
                    help="only programs that use no clock or chance and took under 2 s (what the tests rerun)")
    args = ap.parse_args()
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"tool_rerun_live: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    runs = [r for r in recorded_runs(args.paths) if deterministic(r[1]) or not args.deterministic]
    runs = runs[:: max(args.every, 1)]
    print(f"isolation: {sandbox.run('pass').isolation}")
    kinds: Counter = Counter()
    for name, event in runs:
        kind, why = rerun(event)
        kinds[kind] += 1
        if kind != "same" and args.list:
            print(f"  {kind}: {name}: {why}")
    print(f"{kinds['same']}/{len(runs)} recorded programs give the same stdout and exit code live; the others: "
          + (", ".join(f"{k} {n}" for k, n in kinds.most_common() if k != "same") or "none"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
