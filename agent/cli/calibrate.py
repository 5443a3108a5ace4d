"""`polya calibrate TRACES...`: how often the judge abandoned a viable line of attack, and how long it
stayed on dead ones, for countdown-family problems (exhaustive solver). Definition: docs/bench.md."""

from __future__ import annotations

import argparse

from agent.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="judge calibration on countdown traces (viable vs dead lines)",
                       description="Check every judge verdict in the traces against the exhaustive solver.")
    p.add_argument("traces", nargs="+", help="trace files or directories of traces")
    p.add_argument("--verdicts", action="store_true", help="also list every verdict with its state")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from pathlib import Path

    from agent.bench.calibration import calibrate_traces, calibration_markdown

    missing = [t for t in args.traces if not Path(t).exists()]
    if missing:
        raise InputError(f"no such trace file or directory: {missing[0]}")
    checks = calibrate_traces(args.traces)
    print(calibration_markdown(checks))
    if args.verdicts:
        for c in checks:
            state = "uncommitted" if not c.committed else ("viable" if c.viable else "DEAD")
            print(f"{c.problem_id} {c.policy} {c.attack_id} step {c.step}: {c.decision} "
                  f"(model {c.model_decision}, overrides {','.join(c.overrides) or '-'}) -> {state} [{c.boards} boards]")
    return 0
