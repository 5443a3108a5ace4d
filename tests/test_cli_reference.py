"""docs/cli.md is generated from the parsers: it fails here when a help text changed and the page
was not regenerated (`make docs-cli`)."""

from __future__ import annotations

from pathlib import Path

from agent.cli._reference import render

ROOT = Path(__file__).resolve().parents[1]


def test_the_cli_reference_page_is_current():
    page = (ROOT / "docs/cli.md").read_text(encoding="utf-8")
    assert page == render(), "docs/cli.md is stale: run `make docs-cli` (python -m agent.cli._reference > docs/cli.md)"


def test_the_page_has_every_command_and_the_policy_list():
    page = render()
    for command in ("backends", "bench", "calibrate", "check", "ping", "replay", "resume", "run", "traces",
                    "verify", "view"):
        assert f"\n## polya {command}\n" in page
    assert page.count("  random[:bare]  ") == 2          # in run's help and in bench's
    assert "--version" in page
