"""`polya` command line. Each subcommand lives in its own module here and exposes
`register(subparsers)`; the module is discovered automatically, so adding a command is adding a file.

Errors: `PolyaError` subclasses become one message on stderr and their exit code (2 for bad input);
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from agent.errors import PolyaError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own errors: one line, exit 2
        self.print_usage(sys.stderr)
        print(f"polya: error: {message}", file=sys.stderr)
        raise SystemExit(2)


class ListFormatter(argparse.HelpFormatter):
    """Wraps descriptions like the default, but keeps text with line breaks (the policy list of an
    epilog) as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def plural(n: int, word: str) -> str:
    """`1 verdict`, `2 verdicts`."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def build_parser() -> argparse.ArgumentParser:
    from agent import __version__

    parser = _Parser(prog="polya", description="Metacognitive problem solving with language models.")
    parser.add_argument("--version", action="version", version=f"polya {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except PolyaError as err:
        print(f"polya: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("polya: interrupted", file=sys.stderr)
        return 130


def run() -> None:
    raise SystemExit(main())
