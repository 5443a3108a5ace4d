"""Gzip the plain traces of bench directories in place: `traces/NAME.jsonl` -> `traces/NAME.jsonl.gz`.

    python benchmarks/compress_traces.py docs/results [DIR ...]

Every `traces/` directory under each DIR is searched; each plain trace is written as gzip level 9
with no name or time in the header (`agent/trace/files.py: compress_trace`), read back and compared
with the original, and only then deleted. results.jsonl is left as it is: a row naming
`NAME.jsonl` finds `NAME.jsonl.gz` (agent/bench/results.py), so every table rebuilds unchanged.
`benchmarks/collect_rows.py` already writes the traces it collects gzipped; this is for a
directory written some other way (a bench, `whatif_rows.py`) before it is committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.trace.files import compress_trace, find_traces, is_gzip, open_bytes  # noqa: E402


def compress_dir(root: Path) -> tuple[int, int, int]:
    """(traces compressed, bytes before, bytes after) for the plain traces under root/**/traces/."""
    count = before = after = 0
    for plain in find_traces(root, "**/traces/"):
        if is_gzip(plain):
            continue
        packed = compress_trace(plain, plain.with_name(plain.name + ".gz"))
        with open_bytes(packed) as fh:
            same = fh.read() == plain.read_bytes()
        if not same:
            packed.unlink()
            raise SystemExit(f"{plain}: the compressed copy does not read back the same; left plain")
        count, before, after = count + 1, before + plain.stat().st_size, after + packed.stat().st_size
        plain.unlink()
    return count, before, after


def main(dirs: list[str]) -> int:
    if not dirs:
        print(__doc__, file=sys.stderr)
        return 2
    for d in map(Path, dirs):
        if not d.is_dir():
            print(f"{d}: not a directory", file=sys.stderr)
            return 2
        n, before, after = compress_dir(d)
        print(f"{d}: {n} traces gzipped, {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
