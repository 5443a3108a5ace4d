"""`polya view`: one self-contained HTML file; rendered by headless Chromium without console
messages, showing as many moves and verdicts as the trace holds."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest

from agent.cli import main as cli
from agent.errors import InputError
from agent.report.html import write_html
from agent.trace.events import LLMCall, MoveStart, ToolRun, Verdict, Verification
from agent.trace.reader import read_events
from tests.test_replay import make_trace

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("view")
    trace = tmp / "run.jsonl"
    asyncio.run(make_trace(trace, policy="fixed:examples,patterns,attempt", steps=8))
    html = tmp / "report.html"
    assert cli(["view", str(trace), "-o", str(html)]) == 0
    events = read_events(trace)
    counts = {cls: sum(isinstance(e, cls) for e in events) for cls in (MoveStart, Verdict, Verification, LLMCall, ToolRun)}
    return trace, html, counts


def test_page_is_self_contained(page):
    _, html, _ = page
    text = html.read_text()
    assert "<script src" not in text and "<link" not in text and "@import" not in text
    urls = set(re.findall(r"https?://[^\s\"'<)]+", text)) - {"http://www.w3.org/2000/svg"}
    assert not urls, urls


def test_page_has_every_step_call_run_check_and_verdict(page):
    trace, html, counts = page
    text = html.read_text()
    assert text.count('<section class="step"') == counts[MoveStart]
    assert text.count('<div class="verdict') == counts[Verdict] > 0
    assert text.count('<details class="llm-call"') == counts[LLMCall]
    assert text.count('<details class="tool-run"') == counts[ToolRun] > 0
    assert text.count('<div class="check ') == counts[Verification] > 0
    assert '<svg id="progress-plot"' in text and text.count('class="pt"') == counts[Verdict]


def prompt_lines(trace) -> set[str]:
    from agent.trace.blocks import MIN_BLOCK

    return {line for e in read_events(trace) if isinstance(e, LLMCall) for m in e.request["messages"]
            for line in m["content"].splitlines(keepends=True) if len(line) >= MIN_BLOCK}


def test_repeated_prompt_text_is_shown_once(page):
    trace, html, _ = page
    text = html.read_text()
    system = next(e for e in read_events(trace) if isinstance(e, LLMCall)).request["messages"][0]["content"]
    assert text.count(system[:60].replace("&", "&amp;").replace("<", "&lt;")) == 1
    assert "same as <a href=" in text
    # every prompt line is written once; where it comes again, a reference the page's script fills in
    shown = [unescape(t) for t in re.findall(r'<span id="b\d+">(.*?)</span>', text, flags=re.S)]
    assert len(shown) == len(set(shown)) and set(shown) == prompt_lines(trace)
    assert re.search(r'<i class="r" id="b\d+" data-r="[\d ]+">\[\d+ characters shown earlier\]</i>', text)
    assert len(text) < sum(len(e.model_dump_json()) for e in read_events(trace))   # smaller than the prompts whole


def test_a_growing_prompt_refers_to_the_same_run_last_time():
    """The notebook grows by a line a call: the next call's run of old lines is the last call's run
    plus the new line, two numbers on the page however long the notebook."""
    from agent.report.html import _Prompts
    from agent.trace.blocks import BlockWriter

    writer, prompts, pages = BlockWriter(), _Prompts(), []
    notebook = [f"- fact number {i} found by a move of the solver\n" for i in range(40)]
    for k in (30, 31, 32):
        msg = writer.compress_request({"messages": [{"role": "user", "content": "TASK\n" + "".join(notebook[:k])}]})
        pages.append(prompts.message(msg["messages"][0], ("judge", 1), f"m-{k}-1", f"call #{k}", "t.jsonl"))
    runs = [re.findall(r'<i class="r" id="b(\d+)" data-r="([\d ]+)"', p) for p in pages]
    assert runs[0] == []                                   # call 30: every line is new
    [(run31, nums31)] = runs[1]
    assert len(nums31.split()) == 30                       # call 31: call 30's lines, a number each
    new31 = re.search(r'<span id="b(\d+)"', pages[1])[1]    # and its new line
    assert runs[2][0][1].split() == [run31, new31]          # call 32: two numbers
    content = "TASK\n" + "".join(notebook[:32])
    new = len("TASK\n") + len(notebook[31])                # a short line is literal text, written each time
    assert f"({len(content)} characters; {new} new)" in pages[2]


def test_a_schema_1_trace_gives_the_same_page(page, tmp_path):
    """Prompts stored whole (schema 1, before prompt blocks) are split into lines as the writer
    would: the steps read the same."""
    trace, html, _ = page
    old = tmp_path / "schema1.jsonl"
    old.write_text("".join(json.dumps({**e.model_dump(mode="json"), "schema_version": 1}) + "\n" for e in read_events(trace)))
    write_html(old, tmp_path / "old.html")

    def steps(text: str) -> str:
        return text[text.index('<h2 id="steps-heading">'):]

    assert steps((tmp_path / "old.html").read_text()) == steps(html.read_text())


def test_a_prompt_block_used_before_it_is_defined_is_an_input_error(page, tmp_path):
    trace, _, _ = page
    lines = trace.read_text().splitlines(keepends=True)
    first_call = next(i for i, line in enumerate(lines) if '"type":"llm_call"' in line)
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(lines[:first_call] + lines[first_call + 1:]))
    with pytest.raises(InputError, match="used before it is defined"):
        write_html(cut, tmp_path / "cut.html")
    assert not (tmp_path / "cut.html").exists()


def test_torn_trace_still_renders_with_a_warning(page, tmp_path):
    trace, _, _ = page
    lines = trace.read_text().splitlines(keepends=True)
    torn = tmp_path / "torn.jsonl"
    torn.write_text("".join(lines[:12]) + lines[12][:20])
    summary = write_html(torn, tmp_path / "torn.html")
    assert summary.status == "incomplete" and summary.torn_last_line
    assert "torn last line" in (tmp_path / "torn.html").read_text()


def chromium(url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr",
         "--v=0", *extra, url],
        capture_output=True, text=True, timeout=120)


def console_messages(stderr: str) -> list[str]:
    # Chromium logs every console message (and uncaught error) of the page as ":CONSOLE(" lines.
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@needs_chromium
def test_chromium_detects_console_errors(tmp_path):
    """The check below would notice a broken page: a page with an error logs a CONSOLE line."""
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>notDefinedAnywhere();</script></body></html>")
    run = chromium(bad.as_uri(), tmp_path, "--dump-dom")
    assert any("notDefinedAnywhere" in m for m in console_messages(run.stderr))


@needs_chromium
def test_chromium_renders_the_page_without_console_messages(page, tmp_path):
    _, html, counts = page
    run = chromium(html.resolve().as_uri(), tmp_path, "--dump-dom")
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_messages(run.stderr) == []
    dom = run.stdout
    # the page's script ran and counted what it shows
    match = re.search(r'data-rendered-moves="(\d+)" data-rendered-verdicts="(\d+)"', dom)
    assert match, dom[:500]
    assert (int(match[1]), int(match[2])) == (counts[MoveStart], counts[Verdict])
    assert f"{counts[MoveStart]} moves, {counts[Verdict]} verdicts" in dom


@needs_chromium
def test_chromium_fills_in_every_prompt_when_opened(page, tmp_path):
    """Opened, every message reads as the trace's whole prompt: the lines shown earlier come back."""
    trace, html, _ = page
    opened = tmp_path / "opened.html"
    opened.write_text(html.read_text().replace(
        "</body>", '<script>document.querySelectorAll("details").forEach(function (d) { d.open = true; });</script></body>'))
    run = chromium(opened.as_uri(), tmp_path, "--virtual-time-budget=10000", "--dump-dom")   # the toggle events run
    assert run.returncode == 0 and console_messages(run.stderr) == []
    shown = {(int(c), int(i)): unescape(re.sub(r"<[^>]+>", "", body)) for c, i, body in
             re.findall(r'<details id="m-(\d+)-(\d+)"[^>]*>.*?<pre[^>]*>(.*?)</pre>', run.stdout, flags=re.S)}
    calls = {e.call_index: [m["content"] for m in e.request["messages"]] for e in read_events(trace) if isinstance(e, LLMCall)}
    assert shown and 'class="r"' not in run.stdout
    assert all(text == calls[c][i] for (c, i), text in shown.items())


def test_committed_example_from_the_local_model_shows_and_views(tmp_path, capsys):
    example = Path(__file__).resolve().parents[1] / "traces" / "examples" / "nyt-269-local-small.jsonl"
    events = read_events(example)
    assert events[0].backend == "local:small" and events[-1].type == "run_end"
    assert cli(["replay", str(example)]) == 0
    assert capsys.readouterr().out.count("judge: ") == sum(isinstance(e, Verdict) for e in events)
    summary = write_html(example, tmp_path / "example.html")
    assert len(summary.steps) == sum(isinstance(e, MoveStart) for e in events)


def test_the_attack_lanes_say_what_decided_each_verdict():
    from agent.report.html import _cell
    from agent.report.summary import StepSummary

    by_signal = _cell(StepSummary(step=3, move="backwards", attack_id="A1", decision="abandon", progress=0.0,
                                  overrides=["dead_end"]))
    assert "abandon 0.00" in by_signal and "dead_end" in by_signal
    by_model = _cell(StepSummary(step=4, move="examples", attack_id="A2", decision="switch", progress=0.3,
                                 model_decision="persist", overrides=["no_new_findings"]))
    assert "no_new_findings (model: persist)" in by_model
