"""docs/traces.md documents every event and field; docs/examples/read_trace.py reads real traces."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from agent.trace import events as ev
from agent.trace.files import compress_trace
from tests.test_replay import decisions, make_trace

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "traces.md"
EXAMPLE = ROOT / "docs" / "examples" / "read_trace.py"
MODELS = [ev.RunStart, ev.AttackOpen, ev.AttackClose, ev.ControllerChoice, ev.MoveStart, ev.LLMCall, ev.ToolRun,
          ev.MoveEnd, ev.Verification, ev.Verdict, ev.RunEnd, ev.ForkInfo, ev.Findings, ev.BudgetState]


def test_doc_names_every_event_and_field():
    text = DOC.read_text()
    missing = [f"{m.__name__}.{name}" for m in MODELS for name in m.model_fields if f"`{name}`" not in text
               and f"{name}," not in text and f"{name}}}" not in text and f"{{{name}" not in text]
    assert not missing, missing
    assert all(f"`{t}`" in text for t in ev.EVENT_TYPES)


def test_example_script_reads_a_trace_and_a_killed_one(tmp_path):
    trace = tmp_path / "run.jsonl"
    result = asyncio.run(make_trace(trace))
    out = subprocess.run([sys.executable, str(EXAMPLE), str(trace)], capture_output=True, text=True, check=True).stdout
    assert out.count("judge ") == len(decisions(trace))
    assert f"status {result.status} answer {result.answer}" in out
    packed = compress_trace(trace, tmp_path / "run.jsonl.gz")
    assert subprocess.run([sys.executable, str(EXAMPLE), str(packed)], capture_output=True, text=True, check=True).stdout == out
    lines = trace.read_text().splitlines(keepends=True)
    killed = tmp_path / "killed.jsonl"
    killed.write_text("".join(lines[:10]) + lines[10][:25])
    run = subprocess.run([sys.executable, str(EXAMPLE), str(killed)], capture_output=True, text=True, check=True)
    assert "did not finish" in run.stdout and "torn" in run.stderr
