"""docs/cli.md, generated from the argparse parsers themselves, so the help and the docs cannot
disagree: `python -m agent.cli._reference > docs/cli.md` (or `make docs-cli`);
tests/test_cli_reference.py fails when the page is stale."""

from __future__ import annotations

import argparse
import os
from unittest import mock

WIDTH = "100"   # argparse wraps to $COLUMNS: a fixed width makes the page the same on every terminal

HEADER = """# Command line reference

Generated from the parsers by `python -m agent.cli._reference > docs/cli.md` (`make docs-cli`);
`tests/test_cli_reference.py` fails when this page and `polya COMMAND --help` disagree. Exit
status everywhere: 0 done (solved, correct, valid), 1 a result that is not (unsolved, rejected), 2 bad
input (one line on stderr naming the file, field or option; nothing written).

The policies of `polya run --policy` and `polya bench --policies` are one list with one grammar
(`agent/policyspec.py`), shown at the end of both commands' help.
"""


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sorted(action.choices.items()))


def render() -> str:
    with mock.patch.dict(os.environ, {"COLUMNS": WIDTH}):
        from agent.cli import build_parser

        parser = build_parser()
        parts = [HEADER, "## polya\n", "```text", parser.format_help().rstrip(), "```\n"]
        for name, sub in _subparsers(parser).items():
            parts += [f"## polya {name}\n", "```text", sub.format_help().rstrip(), "```\n"]
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
