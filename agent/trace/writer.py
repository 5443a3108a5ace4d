"""Append-only trace writer: one event per line, flushed per event so a killed run leaves a
readable trace.

A flush hands the line to the operating system, which keeps it even when the process is killed
(SIGKILL included). fsync additionally survives a power cut or kernel crash but costs ~1-80 ms per
event on this machine's disk, so it is opt-in: POLYA_TRACE_FSYNC=1 or fsync=True."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO

from agent.trace.blocks import BlockWriter
from agent.trace.events import EventBase, LLMCall


class TraceWriter:
    def __init__(self, path: str | Path, run_id: str, *, start_seq: int = 0, fsync: bool | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.run_id = run_id
        self.seq = start_seq
        self.fsync = os.environ.get("POLYA_TRACE_FSYNC") == "1" if fsync is None else fsync
        # A new run starts a new file: appending to an existing trace (e.g. `polya run --trace t.jsonl`
        # twice) would leave two runs in one file, which no reader accepts. start_seq > 0 continues one.
        self._fh: IO[str] | None = open(self.path, "a" if start_seq else "w", encoding="utf-8")
        self.blocks = BlockWriter()   # repeated prompt lines stored once per file

    def write(self, event: EventBase) -> EventBase:
        if self._fh is None:
            raise RuntimeError(f"trace {self.path} is closed")
        event.run_id = self.run_id
        event.seq = self.seq
        self.seq += 1
        if isinstance(event, LLMCall):
            data = event.model_dump(mode="json")
            data["request"] = self.blocks.compress_request(data["request"])
            line = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        else:
            line = event.model_dump_json()
        self._fh.write(line + "\n")
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
