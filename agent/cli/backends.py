"""`polya backends`: the backend schemes known here and whether each can be used."""

from __future__ import annotations

import argparse
import os


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backends", help="list the model backends and whether each is usable here",
                       description="List backend schemes (built-in, registered, plugins) and their state.")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from agent.backends import available_backends
    from agent.backends.config import config_path
    from agent.backends.weights import cache_dir

    for info in available_backends():
        mark = "ok " if info.available else "-- "
        print(f"{mark} {info.scheme:<10} {info.summary}" + ("" if info.source == "builtin" else f"  [{info.source}]"))
        details = info.detail.split("; ") if info.detail else []
        if info.scheme == "openai":
            have = [v for v in ("OPENAI_API_KEY", "OPENROUTER_API_KEY", "DEEPSEEK_API_KEY") if os.environ.get(v)]
            details.append("keys in the environment: " + (", ".join(have) if have else "none")
                           + " (local servers need none)")
        for line in details:
            print(f"{'':15}{line}")
    from agent.sandbox import isolation_report

    print(f"\n{isolation_report()}")
    print(f"model cache: {cache_dir()}    config: {config_path()}")
    print("try: polya ping local:small   |   polya ping openai:MODEL@http://127.0.0.1:PORT/v1")
    return 0
