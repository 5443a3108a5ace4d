"""Trace events and the streaming reader: every event type round-trips through its pydantic model;
a torn last line is reported and the rest used; an unknown schema version is refused clearly."""

from __future__ import annotations

import json

import pytest

from agent.errors import InputError
from agent.trace import events as ev
from agent.trace.reader import ReadReport, iter_events, read_events
from agent.trace.writer import TraceWriter

EXAMPLES: list[ev.EventBase] = [
    ev.RunStart(run_id="r", problem={"id": "p", "kind": "countdown"}, problem_file="p.yaml", backend="local:small",
                policy="llm", budget={"steps": 6}, seed=3, config={"settings": {"temperature": 0.7}},
                versions={"python": "3.11"}, fork=ev.ForkInfo(parent_trace="a.jsonl", parent_run_id="q", fork_step=4),
                resumed_from="b.jsonl"),
    ev.AttackOpen(run_id="r", step=1, attack_id="A1", goal="work backwards", reason="plan 1"),
    ev.AttackClose(run_id="r", step=5, attack_id="A1", status="abandoned", reason="stagnant"),
    ev.ControllerChoice(run_id="r", step=1, policy="llm", move="examples", attack_id="A1", new_attack=True, reason="r"),
    ev.MoveStart(run_id="r", step=2, move="examples", attack_id="A1"),
    ev.LLMCall(run_id="r", step=2, call_index=1, purpose="move:examples",
               request={"messages": [{"role": "user", "content": "hi"}], "max_tokens": 10}, fingerprint="abc",
               response={"text": "{}", "parsed": {}, "usage": {"prompt_tokens": 5}}, replayed=True),
    ev.LLMCall(run_id="r", step=2, call_index=2, purpose="judge", request={}, fingerprint="def",
               error={"type": "BackendTimeout", "message": "slow"}),
    ev.ToolRun(run_id="r", step=2, tool_index=0, code="print(1)", stdout="1\n", stderr="", exit_code=0, duration_s=0.1),
    ev.ToolRun(run_id="r", step=2, tool_index=1, code="while 1: pass", timed_out=True, killed_reason="wall timeout"),
    ev.ToolCall(run_id="r", step=3, tool="take", args={"from": "N1", "option": "X - 25 = 269 -> make 294"},
                result="N2: make 294 from [2, 3, 7, 20, 21]", chosen_by="policy"),
    ev.MoveEnd(run_id="r", step=2, move="examples", attack_id="A1", summary="s",
               findings=ev.Findings(facts=["f"], examples=["e"], conjectures=["c"], counterexamples=["x"], candidates=["1+2"]),
               new_findings=5, error=None),
    ev.Verification(run_id="r", step=2, attack_id="A1", candidate="1+2", ok=False, verified=True, reason="equals 3"),
    ev.Verdict(run_id="r", step=2, attack_id="A1", move="examples", decision="switch", progress=0.4, reason="meh",
               evidence=["e1"], model_decision="persist", overrides=["no_new_findings"]),
    ev.RunEnd(run_id="r", status="budget", answer=None, reason="steps", used=ev.BudgetState(steps=6, llm_calls=9,
              prompt_tokens=100, completion_tokens=20, cached_tokens=7, cost_usd=0.01, wall_s=3.5), attacks=2),
]


def test_examples_cover_every_event_type():
    assert {e.type for e in EXAMPLES} == set(ev.EVENT_TYPES)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.type)
def test_every_event_round_trips_through_its_model(event):
    line = event.model_dump_json()
    back = ev.EVENT_ADAPTER.validate_json(line)
    assert type(back) is type(event)
    assert back == event
    assert back.model_dump_json() == line


def _write(path, events):
    with TraceWriter(path, "run1", fsync=False) as w:
        for e in events:
            w.write(e.model_copy())


def test_written_trace_reads_back_in_order(tmp_path):
    path = tmp_path / "t.jsonl"
    _write(path, EXAMPLES)
    got = read_events(path)
    assert [e.type for e in got] == [e.type for e in EXAMPLES]
    assert [e.seq for e in got] == list(range(len(EXAMPLES)))
    assert all(e.run_id == "run1" for e in got)


def test_torn_last_line_is_reported_and_the_rest_used(tmp_path):
    path = tmp_path / "t.jsonl"
    _write(path, EXAMPLES[:5])
    with open(path, "a") as fh:
        fh.write(EXAMPLES[5].model_dump_json()[:40])          # a write cut short by a kill
    report = ReadReport()
    got = read_events(path, report)
    assert len(got) == 5
    assert report.torn_last_line
    assert "torn last line" in report.warnings[0] and ":6:" in report.warnings[0]


def test_complete_last_line_without_newline_is_kept(tmp_path):
    path = tmp_path / "t.jsonl"
    _write(path, EXAMPLES[:3])
    path.write_text(path.read_text().rstrip("\n"))
    report = ReadReport()
    assert len(read_events(path, report)) == 3 and not report.torn_last_line


def test_broken_line_in_the_middle_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "t.jsonl"
    lines = [e.model_dump_json() for e in EXAMPLES[:4]]
    lines[2] = lines[2][:30]
    path.write_text("\n".join(lines) + "\n")
    events = iter_events(path)
    assert next(events).type == "run_start" and next(events).type == "attack_open"   # streamed, not read whole
    with pytest.raises(InputError, match=r"t\.jsonl:3: not valid JSON"):
        next(events)


def test_unknown_schema_version_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "t.jsonl"
    raw = json.loads(EXAMPLES[0].model_dump_json())
    raw["schema_version"] = 99
    path.write_text(json.dumps(raw) + "\n")
    with pytest.raises(InputError, match=r"unknown trace schema_version 99; this Polya reads versions 1, 2"):
        read_events(path)


def test_invalid_event_names_the_field(tmp_path):
    path = tmp_path / "t.jsonl"
    raw = json.loads(EXAMPLES[-2].model_dump_json())
    raw["decision"] = "maybe"
    path.write_text(json.dumps(raw) + "\n")
    with pytest.raises(InputError, match=r"invalid verdict event: .*decision"):
        read_events(path)


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(InputError, match="no such trace file"):
        read_events(tmp_path / "nope.jsonl")


async def test_repeated_prompt_lines_are_stored_once_and_read_back_whole(tmp_path):
    """Schema 2: a prompt line or message seen before in the file is a ref; the reader (and the
    documented stdlib reader) restores exactly what the backend was sent."""
    import importlib.util
    import json

    from agent.errors import InputError
    from agent.loop.run import asolve
    from agent.problems.models import Budget
    from agent.trace.reader import read_events
    from tests.loop_helpers import PROSE269, CannedTools, FunctionBackend

    backend = FunctionBackend()
    trace = tmp_path / "t.jsonl"
    await asolve(PROSE269, backend=backend, policy="bandit", budget=Budget(steps=6), trace=trace,
                 tools=CannedTools())
    raw = [json.loads(line) for line in trace.read_text().splitlines()]
    calls = [e for e in raw if e["type"] == "llm_call"]
    assert all(e["schema_version"] == 2 for e in raw)
    defined = {e["request"]["messages"][0].get("content_id") for e in calls} - {None}
    whole_refs = [e for e in calls if e["request"]["messages"][0]["content_parts"] in [[{"ref": [d]}] for d in defined]]
    assert defined and len(whole_refs) >= len(calls) - len(defined)          # a system prompt seen before: one ref
    assert any("output_schema_ref" in e["request"] for e in calls)          # a purpose's schema, once

    sent = [[m.content for m in r.messages] for r in backend.requests]
    read = [[m["content"] for m in e.request["messages"]] for e in read_events(trace) if e.type == "llm_call"]
    assert read == sent and len(read) == len(calls)
    spec = importlib.util.spec_from_file_location("read_trace", "docs/examples/read_trace.py")
    doc_reader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(doc_reader)
    assert [[m["content"] for m in e["request"]["messages"]] for e in doc_reader.events(trace)
            if e["type"] == "llm_call"] == sent

    cut = tmp_path / "cut.jsonl"       # the first call (which defines the blocks) removed
    lines = trace.read_text().splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if '"type":"llm_call"' in line)
    cut.write_text("".join(lines[:first] + lines[first + 1:]))
    with pytest.raises(InputError, match="used before it is defined"):
        read_events(cut)


def test_a_one_line_message_defines_its_block_before_anything_refers_to_it():
    from agent.trace.blocks import BlockReader, BlockWriter

    writer, reader = BlockWriter(), BlockReader()
    line = "You solve puzzles and mathematics problems carefully."          # one line, >= MIN_BLOCK
    for _ in range(2):
        raw = {"request": writer.compress_request({"messages": [{"role": "system", "content": line}]})}
        reader.expand_event(raw, "t:1")
        assert raw["request"]["messages"][0]["content"] == line


def test_a_lone_surrogate_is_written_as_its_escape_and_reads_back_the_same(tmp_path):
    """Half an emoji ('\\ud83d') in a string cannot be encoded as UTF-8; the writer must not lose the run."""
    half = "smile \ud83d here"
    events = [ev.ToolRun(run_id="r", step=1, tool_index=0, code="print(1)", stdout=half, exit_code=0),
              ev.LLMCall(run_id="r", step=1, call_index=0, purpose="move:examples", request={}, fingerprint="f",
                         response={"text": half, "usage": {}})]
    path = tmp_path / "t.jsonl"
    _write(path, events)
    got = read_events(path)
    assert got[0].stdout == half and got[1].response["text"] == half


async def test_a_reply_with_a_lone_surrogate_is_cleaned_at_the_backend_boundary(tmp_path):
    from agent.backends.base import LLMResponse
    from agent.loop.run import asolve
    from agent.problems.models import AnswerProblem, Budget
    from tests.loop_helpers import FunctionBackend

    assert LLMResponse(text="a\ud83db", parsed={"k": ["\udc00"]}).model_dump()["text"] == "a\ufffdb"
    problem = AnswerProblem(id="q", statement="What is 6 * 7?", answer="42")
    be = FunctionBackend(lambda req: "6 * 7 = 42 \ud83d\nAnswer: 42")
    result = await asolve(problem, backend=be, policy="cot", budget=Budget(steps=2), trace=tmp_path / "t.jsonl")
    assert result.solved and result.answer == "42"
    texts = [e.response["text"] for e in read_events(tmp_path / "t.jsonl") if e.type == "llm_call"]
    assert texts and all("\ufffd" in t and "\ud83d" not in t for t in texts)
