"""Streaming trace reader: line by line (a 100 MB trace is never loaded whole), plain or gzipped
(agent/trace/files.py), tolerant of a torn last line (a killed run), strict about everything else."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent.errors import InputError
from agent.trace.blocks import BlockReader
from agent.trace.events import EVENT_ADAPTER, READABLE_VERSIONS, SCHEMA_VERSION, Event
from agent.trace.files import open_bytes, open_text


@dataclass
class ReadReport:
    """What the reader noticed besides the events (filled while iterating)."""

    torn_last_line: bool = False
    lines: int = 0
    warnings: list[str] = field(default_factory=list)


def iter_events(path: str | Path, report: ReadReport | None = None) -> Iterator[Event]:
    path = Path(path)
    report = report if report is not None else ReadReport()
    if not path.is_file():
        raise InputError("no such trace file", where=str(path))
    blocks = BlockReader()
    for lineno, line in iter_lines(path, report):
        if not line.strip():
            continue
        if line.endswith("\n"):
            yield _parse(path, lineno, line, blocks)
            continue
        # Only the last line can lack its newline: a write cut short by a killed run.
        try:
            yield _parse(path, lineno, line, blocks)
        except InputError:
            report.torn_last_line = True
            report.warnings.append(f"{path}:{lineno}: torn last line ignored (was the run killed?)")


def iter_lines(path: Path, report: ReadReport, binary: bool = False) -> Iterator[tuple[int, Any]]:
    """(number, line) of a plain or gzipped trace, counted in report.lines. A gzip stream cut short
    (a copy or compression interrupted) ends like a torn last line: what was decompressed is kept."""
    with open_bytes(path) if binary else open_text(path) as fh:
        try:
            for lineno, line in enumerate(fh, start=1):
                report.lines = lineno
                yield lineno, line
        except EOFError:
            report.torn_last_line = True
            report.warnings.append(f"{path}:{report.lines + 1}: compressed trace cut short; the rest ignored")
        except gzip.BadGzipFile as err:
            raise InputError(f"not a gzip file ({err})", where=str(path)) from None


def _parse(path: Path, lineno: int, line: str, blocks: BlockReader | None = None, *, expand: bool = True) -> Event:
    """One line -> one event. expand=False leaves an llm_call's prompt as stored (`content_parts`):
    for the HTML page, which shows it that way (agent/report/html.py)."""
    where = f"{path}:{lineno}"
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as err:
        raise InputError(f"not valid JSON: {err.msg} (column {err.colno})", where=where) from None
    if not isinstance(raw, dict):
        raise InputError("an event must be a JSON object", where=where)
    version = raw.get("schema_version")
    if version not in READABLE_VERSIONS:
        raise InputError(
            f"unknown trace schema_version {version!r}; this Polya reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))} (writes {SCHEMA_VERSION})",
            where=where,
        )
    if expand and raw.get("type") == "llm_call":
        (blocks or BlockReader()).expand_event(raw, where)
    try:
        return EVENT_ADAPTER.validate_python(raw)
    except ValidationError as err:
        first = err.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise InputError(f"invalid {raw.get('type', 'event')!s} event: {loc}: {first['msg']}", where=where) from None


def read_events(path: str | Path, report: ReadReport | None = None) -> list[Event]:
    return list(iter_events(path, report))
