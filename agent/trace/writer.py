"""Append-only trace writer: one event per line, flushed (and fsynced) per event so a killed run
leaves a readable trace."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from agent.trace.events import EventBase


class TraceWriter:
    def __init__(self, path: str | Path, run_id: str, *, start_seq: int = 0, fsync: bool = True):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.run_id = run_id
        self.seq = start_seq
        self.fsync = fsync
        self._fh: IO[str] | None = open(self.path, "a", encoding="utf-8")

    def write(self, event: EventBase) -> EventBase:
        if self._fh is None:
            raise RuntimeError(f"trace {self.path} is closed")
        event.run_id = self.run_id
        event.seq = self.seq
        self.seq += 1
        self._fh.write(event.model_dump_json() + "\n")
        self._fh.flush()
        if self.fsync:
            os.fsync(self._fh.fileno())
        return event

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
