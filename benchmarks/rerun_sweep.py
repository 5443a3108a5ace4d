"""Rerun every trace under a directory with zero model calls and count which still rerun exactly
at this commit, per directory; list the first divergence of each that does not.

    python benchmarks/rerun_sweep.py docs/results [--list]

A trace stops rerunning exactly when a prompt, a budget rule or a judge rule changed after it was
recorded; a trace recorded at another loop version is not rerun at all and counts as not
rerunnable (docs/traces.md: its rerun names the release that reruns it). The figure for
docs/results is in docs/results/README.md.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.errors import InputError, ReplayDivergence  # noqa: E402
from agent.loop.rerun import arerun  # noqa: E402
from agent.trace.files import find_traces  # noqa: E402


async def sweep(paths: list[Path]) -> tuple[dict[str, Counter], dict[str, list[str]]]:
    by_dir: dict[str, Counter] = defaultdict(Counter)
    firsts: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        where = str(path.parent.parent)
        with tempfile.TemporaryDirectory() as tmp:
            try:
                await arerun(path, trace=os.path.join(tmp, "rerun.jsonl"))
                by_dir[where]["exact"] += 1
            except ReplayDivergence as err:
                by_dir[where]["diverges"] += 1
                firsts[where].append(f"{path.name}: {str(err)[:160]}")
            except InputError as err:          # an unfinished run, a torn trace
                by_dir[where]["not rerunnable"] += 1
                firsts[where].append(f"{path.name}: {err}")
    return by_dir, firsts


def main(root: str, show: bool = False) -> None:
    paths = find_traces(root, "**/traces/")
    by_dir, firsts = asyncio.run(sweep(paths))
    total = Counter()
    print("| directory | traces | rerun exactly | diverge |")
    print("|---|---|---|---|")
    for where, c in sorted(by_dir.items()):
        total.update(c)
        print(f"| {where} | {sum(c.values())} | {c['exact']} | {c['diverges'] + c['not rerunnable']} |")
    print(f"| all | {sum(total.values())} | {total['exact']} | {total['diverges'] + total['not rerunnable']} |")
    if show:
        for where, lines in sorted(firsts.items()):
            print(f"\n{where}:")
            print("\n".join(f"  {ln}" for ln in lines))


if __name__ == "__main__":
    main(sys.argv[1], "--list" in sys.argv[2:])
