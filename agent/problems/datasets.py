"""Readers that turn a data file (JSONL, CSV, OEIS text) into problem dicts for a suite file.

A suite file points at data with `data: {path: ..., format: NAME, start: 0, limit: N, options: {...}}`.
Each reader yields `(location, fields)`: `location` names the row for error messages ("line 17"),
`fields` are problem fields merged over the suite's `defaults` and validated by the problem models.
Add a format by decorating a function with `@reader("name")`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from agent.errors import InputError

Row = tuple[str, dict[str, Any]]
Reader = Callable[[Path, dict[str, Any]], Iterator[Row]]
READERS: dict[str, Reader] = {}

MAX_DATA_BYTES = 64 * 1024 * 1024


def reader(name: str) -> Callable[[Reader], Reader]:
    def register(fn: Reader) -> Reader:
        READERS[name] = fn
        return fn
    return register


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_DATA_BYTES:
        raise InputError(f"data file is {size} bytes, more than the {MAX_DATA_BYTES} allowed", where=str(path))


def _jsonl(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    _check_size(path)
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"malformed JSON at column {err.colno}: {err.msg}", where=f"{path}:{lineno}") from None
            if not isinstance(row, dict):
                raise InputError("each line must be a JSON object", where=f"{path}:{lineno}")
            yield f"{path}:{lineno}", row


def _need(row: dict[str, Any], key: str, where: str) -> Any:
    if key not in row:
        raise InputError(f"missing field {key!r}", where=where)
    return row[key]


def _int_list(text: Any, where: str, sep: str | None = None) -> list[int]:
    if isinstance(text, list):
        items = text
    else:
        items = [t for t in re.split(sep or r"[\s,]+", str(text).strip()) if t]
    try:
        return [int(x) for x in items]
    except (TypeError, ValueError):
        raise InputError(f"expected a list of integers, got {text!r}", where=where) from None


@reader("jsonl")
def read_plain_jsonl(path: Path, options: dict[str, Any]) -> Iterator[Row]:
    """Rows that already are problem fields (merged over the suite's defaults)."""
    yield from _jsonl(path)


@reader("nyt_digits")
def read_nyt_digits(path: Path, options: dict[str, Any]) -> Iterator[Row]:
    for where, row in _jsonl(path):
        day, puzzle = int(_need(row, "day_index", where)), int(_need(row, "puzzle", where))
        date = row.get("date_assumed", "")
        yield where, {
            "id": f"nyt-d{day:03d}-p{puzzle}",
            "title": f"NYT Digits {date} #{puzzle}".replace("  ", " "),
            "kind": "countdown", "rules": "digits",
            "numbers": _int_list(_need(row, "numbers", where), where),
            "target": int(_need(row, "target", where)),
        }


@reader("game24_csv")
def read_game24_csv(path: Path, options: dict[str, Any]) -> Iterator[Row]:
    _check_size(path)
    with path.open(encoding="utf-8", newline="") as fh:
        for lineno, row in enumerate(csv.DictReader(fh), 2):
            where = f"{path}:{lineno}"
            rank = int(_need(row, "Rank", where))
            tags = [f"solved-rate:{row['Solved rate']}"] if row.get("Solved rate") else []
            yield where, {
                "id": f"g24-r{rank:04d}", "title": f"Game of 24, rank {rank}",
                "kind": "countdown", "rules": "game24", "target": 24,
                "numbers": _int_list(_need(row, "Puzzles", where), where), "tags": tags,
            }


@reader("countdown_tinyzero")
def read_countdown_tinyzero(path: Path, options: dict[str, Any]) -> Iterator[Row]:
    for where, row in _jsonl(path):
        index = int(_need(row, "index", where))
        yield where, {"id": f"cd-tz-{index:05d}", "kind": "countdown", "rules": "countdown",
                      "numbers": _int_list(_need(row, "nums", where), where),
                      "target": int(_need(row, "target", where))}


@reader("countdown_d1")
def read_countdown_d1(path: Path, options: dict[str, Any]) -> Iterator[Row]:
    for i, (where, row) in enumerate(_jsonl(path)):
        yield where, {"id": f"cd3-{i:03d}", "kind": "countdown", "rules": "countdown",
                      "numbers": _int_list(_need(row, "input", where), where, sep=r"\s*,\s*"),
                      "target": int(_need(row, "output", where))}


@reader("math500")
def read_math500(path: Path, options: dict[str, Any]) -> Iterator[Row]:
    for where, row in _jsonl(path):
        uid = str(_need(row, "unique_id", where))  # "test/precalculus/807.json"
        parts = uid.removesuffix(".json").split("/")
        subject = row.get("subject", "")
        yield where, {
            "id": "math500-" + "-".join(p.replace("_", "-") for p in parts[1:]),
            "title": f"MATH {subject} level {row.get('level', '?')}", "kind": "answer",
            "statement": _need(row, "problem", where), "answer": str(_need(row, "answer", where)),
            "tags": [t for t in (subject.lower().replace(" ", "-"), f"level-{row.get('level')}") if t],
        }


@reader("aime")
def read_aime(path: Path, options: dict[str, Any]) -> Iterator[Row]:
    prefix = options.get("id_prefix", "aime")
    for where, row in _jsonl(path):
        yield where, {"id": f"{prefix}-{_need(row, 'id', where)}", "kind": "answer",
                      "statement": _need(row, "problem", where), "answer": str(_need(row, "answer", where)),
                      "source": row.get("url", "")}


@reader("amc")
def read_amc(path: Path, options: dict[str, Any]) -> Iterator[Row]:
    prefix = options.get("id_prefix", "amc")
    for where, row in _jsonl(path):
        answer = _need(row, "answer", where)
        if isinstance(answer, float) and answer.is_integer():
            answer = int(answer)  # stored as 27.0; all integer-valued
        yield where, {"id": f"{prefix}-{int(_need(row, 'id', where)):02d}", "kind": "answer",
                      "statement": _need(row, "problem", where), "answer": str(answer),
                      "source": row.get("url", "")}


@reader("gsm8k")
def read_gsm8k(path: Path, options: dict[str, Any]) -> Iterator[Row]:
    for i, (where, row) in enumerate(_jsonl(path)):
        worked = str(_need(row, "answer", where))
        if "####" not in worked:
            raise InputError("answer has no '#### N' final line", where=where)
        final = worked.rsplit("####", 1)[1].strip().replace(",", "")
        yield where, {"id": f"gsm8k-{i:04d}", "kind": "answer", "statement": _need(row, "question", where),
                      "answer": final}


@reader("oeis")
def read_oeis(path: Path, options: dict[str, Any]) -> Iterator[Row]:
    """OEIS stripped format, one `A000045 ,0,1,1,2,...,` per line. Options: shown (terms given,
    default 20), hidden (terms to predict, default 5)."""
    shown, hidden = int(options.get("shown", 20)), int(options.get("hidden", 5))
    _check_size(path)
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            where = f"{path}:{lineno}"
            if not line.strip() or line.startswith("#"):
                continue
            anum, _, rest = line.partition(" ")
            terms = _int_list(rest.strip().strip(","), where, sep=r",")
            if len(terms) < shown + hidden:
                continue  # too short for this split
            yield where, {"id": f"oeis-{anum.strip()}", "title": f"OEIS {anum.strip()}", "kind": "sequence",
                          "terms": terms[:shown], "hidden": terms[shown:shown + hidden],
                          "source": f"OEIS {anum.strip()} (CC BY-SA 4.0)"}


@reader("suite")
def read_suite(path: Path, options: dict[str, Any]) -> Iterator[Row]:
    """The problems of another suite file, whole (its defaults applied), so a part of a hand-written
    suite (`start`, `limit`) can be a suite of its own without copying it: the experience split of
    the hunt claims (problems/experience/learn-hunt.yaml)."""
    from agent.problems.loader import load_suite  # noqa: PLC0415 - the loader imports this module

    for p in load_suite(path).problems:
        yield f"{path}: {p.id}", p.model_dump(mode="json", exclude_none=True)
