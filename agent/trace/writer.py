"""Append-only trace writer: one event per line, handed to the operating system per event (one
unbuffered write, as good as a flush) so a killed run leaves a readable trace.

A write hands the line to the operating system, which keeps it even when the process is killed
(SIGKILL included). fsync additionally survives a power cut or kernel crash but costs ~1-80 ms per
event on this machine's disk, so it is opt-in: POLYA_TRACE_FSYNC=1 or fsync=True."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO

from pydantic_core import PydanticSerializationError, to_jsonable_python

from agent.trace.blocks import BlockWriter
from agent.trace.events import EventBase, LLMCall

_LLM_FIELDS = tuple(LLMCall.model_fields)
# json.dumps(data, ensure_ascii=False, separators=(",", ":")), refusing NaN (see _llm_line)
_json_line = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


class TraceWriter:
    def __init__(self, path: str | Path, run_id: str, *, start_seq: int = 0, fsync: bool | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.run_id = run_id
        self.seq = start_seq
        self.fsync = os.environ.get("POLYA_TRACE_FSYNC") == "1" if fsync is None else fsync
        # A new run starts a new file: appending to an existing trace (e.g. `polya run --trace t.jsonl`
        # twice) would leave two runs in one file, which no reader accepts. start_seq > 0 continues one.
        # Unbuffered bytes: each event is one write() call, which hands it to the operating system
        # as a flush would, without the text and buffer layers (~1 us of a small event's ~3 us).
        self._fh: IO[bytes] | None = open(self.path, "ab" if start_seq else "wb", buffering=0)  # noqa: SIM115
        self.blocks = BlockWriter()   # repeated prompt lines stored once per file

    def write(self, event: EventBase) -> EventBase:
        if self._fh is None:
            raise RuntimeError(f"trace {self.path} is closed")
        event.run_id = self.run_id
        event.seq = self.seq
        self.seq += 1
        if isinstance(event, LLMCall):
            line = self._llm_line(event)
        else:
            try:
                line = event.model_dump_json()
            except PydanticSerializationError:   # a lone surrogate in a string: written as its escape below
                line = json.dumps(event.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))
        # backslashreplace writes a lone surrogate as the JSON escape \udXXX it came from: the line
        # stays valid JSON and reads back to the same string (a crash here would lose the run).
        data = (line + "\n").encode("utf-8", errors="backslashreplace")
        written = self._fh.write(data)
        while written < len(data):    # rare on a file, but the rest of the line must not be dropped
            written += self._fh.write(data[written:])
        if self.fsync:
            os.fsync(self._fh.fileno())
        return event

    def _llm_line(self, event: LLMCall) -> str:
        # The request and response are JSON-ready dicts already (RunContext dumped them once), so
        # they are not dumped a second time: the fields are taken as they are, in model_dump's
        # order. A value json cannot write as pydantic would (an object, NaN) takes pydantic's way.
        fields = event.__dict__
        data = {name: fields[name] for name in _LLM_FIELDS}
        data["request"] = self.blocks.compress_request(data["request"])
        try:
            return _json_line(data)
        except (TypeError, ValueError):
            return json.dumps(to_jsonable_python(data, inf_nan_mode="null"), ensure_ascii=False, separators=(",", ":"))

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
