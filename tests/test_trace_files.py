"""Gzipped traces (`NAME.jsonl.gz`) read like plain ones: the reader, a torn or cut-short end,
`polya traces`/`replay`/`view`, and the committed results under docs/results."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from agent.bench.results import read_rows
from agent.cli import main as cli
from agent.report.summary import summarize
from agent.trace.files import compress_trace, find_traces, resolve, trace_stem
from agent.trace.reader import ReadReport, read_events

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = find_traces(ROOT / "traces" / "examples")[0]     # a committed real run


def _gist(shown: str, path: Path) -> list[str]:
    return re.sub(r"\d+ KB", "", shown.replace(str(path), "TRACE")).split()   # but its name and size


def test_a_gzipped_trace_reads_the_same_events_as_the_plain_one(tmp_path):
    packed = compress_trace(EXAMPLE, tmp_path / "run.jsonl.gz")
    assert packed.stat().st_size < EXAMPLE.stat().st_size / 3
    assert read_events(packed) == read_events(EXAMPLE)
    plain, gz = summarize(EXAMPLE), summarize(packed)
    assert gz.model_dump(exclude={"path", "bytes"}) == plain.model_dump(exclude={"path", "bytes"})
    again = compress_trace(EXAMPLE, tmp_path / "again.jsonl.gz")     # no name or time in the header
    assert again.read_bytes() == packed.read_bytes()
    assert compress_trace(packed, tmp_path / "twice.jsonl.gz").read_bytes() == packed.read_bytes()


def test_a_torn_last_line_is_tolerated_in_a_gzipped_trace_as_in_a_plain_one(tmp_path):
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    plain = tmp_path / "torn.jsonl"
    plain.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2], encoding="utf-8")
    packed = compress_trace(plain, tmp_path / "torn.jsonl.gz")
    seen = []
    for path in (plain, packed):
        report = ReadReport()
        seen.append(read_events(path, report))
        assert report.torn_last_line and "torn last line ignored" in report.warnings[0]
        assert summarize(path).torn_last_line
    assert seen[0] == seen[1] and len(seen[0]) == len(lines) - 1


def test_a_gzip_stream_cut_short_keeps_what_it_holds(tmp_path):
    data = compress_trace(EXAMPLE, tmp_path / "whole.jsonl.gz").read_bytes()
    runs = tmp_path / "runs"
    runs.mkdir()
    cut = runs / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    report = ReadReport()
    events = read_events(cut, report)
    assert report.torn_last_line and "cut short" in report.warnings[-1]
    assert 0 < len(events) < len(read_events(EXAMPLE)) and events == read_events(EXAMPLE)[: len(events)]
    assert cli(["traces", str(runs), "--json"]) == 0                   # listed as a killed run, no traceback


def test_a_file_named_gz_that_is_not_gzip_is_one_clear_error(tmp_path, capsys):
    fake = tmp_path / "fake.jsonl.gz"
    shutil.copy(EXAMPLE, fake)
    assert cli(["replay", str(fake)]) == 2
    err = capsys.readouterr().err
    assert "not a gzip file" in err and "Traceback" not in err


def test_traces_replay_and_view_accept_a_gzipped_trace(tmp_path, capsys):
    runs = tmp_path / "runs"
    runs.mkdir()
    packed = compress_trace(EXAMPLE, runs / "example.jsonl.gz")
    plain = shutil.copy(EXAMPLE, tmp_path / "example.jsonl")
    assert cli(["traces", str(runs), "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert cli(["traces", str(tmp_path), "--json"]) == 0             # recursive: the plain copy and the gz
    both = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(both) == {"example.jsonl", "example.jsonl.gz"}
    assert {k: v for k, v in row.items() if k not in ("path", "name")} == \
        {k: v for k, v in both["example.jsonl"].items() if k not in ("path", "name")}
    assert cli(["replay", str(plain)]) == 0
    shown_plain = capsys.readouterr().out
    assert cli(["replay", str(packed)]) == 0
    assert _gist(capsys.readouterr().out, packed) == _gist(shown_plain, plain)      # the same run shown, but its file size
    assert cli(["view", str(packed)]) == 0
    assert (runs / "example.html").stat().st_size > 10_000 and "wrote" in capsys.readouterr().out
    assert cli(["traces", "--compare", str(packed), str(plain)]) == 0


def test_paths_and_names_find_either_form(tmp_path):
    packed = compress_trace(EXAMPLE, tmp_path / "run.jsonl.gz")
    assert resolve(tmp_path / "run.jsonl") == packed and resolve(packed) == packed
    assert resolve(tmp_path / "none.jsonl") is None
    assert trace_stem(packed) == trace_stem(tmp_path / "run.jsonl") == "run"
    (tmp_path / "sub" / "traces").mkdir(parents=True)
    shutil.copy(EXAMPLE, tmp_path / "sub" / "traces" / "plain.jsonl")
    assert [p.name for p in find_traces(tmp_path)] == ["run.jsonl.gz", "plain.jsonl"]
    assert [p.name for p in find_traces(tmp_path, "")] == ["run.jsonl.gz"]
    assert [p.name for p in find_traces(tmp_path, "**/traces/")] == ["plain.jsonl"]


def test_the_committed_results_keep_their_traces_gzipped_and_every_row_finds_its_trace():
    results = ROOT / "docs" / "results"
    assert not [p for p in find_traces(results) if p.name != "results.jsonl" and not p.name.endswith(".gz")]
    for rows_file in results.rglob("results.jsonl"):
        for row in read_rows(rows_file):
            if row.trace_path and (rows_file.parent / "traces").is_dir():
                assert row.trace_path.endswith(".jsonl.gz") and Path(row.trace_path).is_file(), row.trace_path
