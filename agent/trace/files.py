"""Trace files on disk, plain (`NAME.jsonl`) or gzip-compressed (`NAME.jsonl.gz`): every command and
script that opens or finds a trace goes through here, so a compressed trace reads like a plain one.

A run always writes plain JSONL (each event is flushed and fsynced as it happens, and a killed run
can be resumed by appending: neither works inside a gzip stream). Compression is for traces kept
for good, e.g. the bench directories under docs/results (`compress_trace`, `benchmarks/compress_traces.py`).
A results row may name `NAME.jsonl` after its trace was compressed: `resolve` finds `NAME.jsonl.gz`.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path
from typing import IO

GZ = ".gz"
TRACE_PATTERNS = ("*.jsonl", "*.jsonl.gz")


def is_gzip(path: str | Path) -> bool:
    return str(path).endswith(GZ)


def open_text(path: str | Path) -> IO[str]:
    """A trace opened for reading as text, lines with their newlines (as `open` gives them)."""
    if is_gzip(path):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")  # noqa: SIM115 - the caller closes it


def open_bytes(path: str | Path) -> IO[bytes]:
    """A trace opened for reading as bytes (decompressed when gzipped)."""
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")  # noqa: SIM115 - the caller closes it


def trace_stem(path: str | Path) -> str:
    """The trace's name without `.jsonl` or `.jsonl.gz`: `run.jsonl.gz` -> `run`."""
    name = Path(path).name
    for suffix in (".jsonl" + GZ, ".jsonl"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return Path(name).stem


def find_traces(root: str | Path, pattern: str = "**/") -> list[Path]:
    """Trace files under root, plain and gzipped, sorted by path. `pattern` is the directory part of
    the glob: "**/" (the default) searches recursively, "" only root itself, "**/traces/" only
    directories named traces."""
    root = Path(root)
    found = {p for suffix in TRACE_PATTERNS for p in root.glob(pattern + suffix) if p.is_file()}
    return sorted(found)


def resolve(path: str | Path) -> Path | None:
    """The file a trace path names, whether it is stored plain or compressed; None if neither exists."""
    path = Path(path)
    if path.exists():
        return path
    other = Path(str(path)[: -len(GZ)]) if is_gzip(path) else Path(str(path) + GZ)
    return other if other.exists() else None


def compress_trace(src: str | Path, dest: str | Path) -> Path:
    """Write src (plain or gzipped) to dest as gzip level 9. The header carries no name or time, so
    compressing the same trace twice gives the same bytes (no spurious change in git)."""
    with open_bytes(src) as fin, open(dest, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as out:
        shutil.copyfileobj(fin, out)
    return Path(dest)
