"""Read problem files: one problem, or a suite (an inline list and/or a reference to a data file).

Accepted shapes of a YAML file:
- a mapping with `kind`: one problem;
- a mapping with `problems:` (a list) and/or `data:` (a data-file reference), plus optional `suite`,
  `title`, `description`, `defaults` (fields every problem of the suite inherits);
- a list of problems.

Every error is an `InputError` naming the file and the field or position, never a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from agent.errors import InputError
from agent.problems.datasets import READERS
from agent.problems.models import KIND_MODELS, KINDS, Problem

MAX_PROBLEM_FILE_BYTES = 4 * 1024 * 1024
PROBLEM_FILE_SUFFIXES = (".yaml", ".yml")

_problem_adapter: TypeAdapter[Problem] = TypeAdapter(Problem)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DataRef(BaseModel):
    """A suite's pointer at a data file in the repository (path relative to the suite file)."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1)
    format: str = Field(min_length=1)
    start: int = Field(default=0, ge=0)
    limit: int | None = Field(default=None, ge=1)
    options: dict[str, Any] = Field(default_factory=dict)


class SuiteHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")

    suite: str = ""
    title: str = ""
    description: str = ""
    defaults: dict[str, Any] = Field(default_factory=dict)
    problems: list[Any] = Field(default_factory=list)
    data: DataRef | None = None


class Suite(BaseModel):
    """A loaded problem file: its name (the file stem for a single problem) and its problems."""

    name: str
    title: str = ""
    path: str
    problems: list[Problem]

    @property
    def kinds(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for p in self.problems:
            counts[p.kind] = counts.get(p.kind, 0) + 1
        return counts


def _format_validation(err: ValidationError, fields: type[BaseModel] | None = None) -> str:
    """One pydantic failure as one line that says what to write. An unknown field comes first (a
    typo such as `number:` also makes `numbers` missing, and the typo is the news); union tags and
    pydantic's "Value error, " prefixes are stripped."""
    errors = err.errors()
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = [str(x) for x in first["loc"]]
    if first["type"] == "union_tag_invalid":
        tag = first.get("ctx", {}).get("tag")
        return f"field 'kind': unknown kind {tag!r} (expected one of {', '.join(KINDS)})"
    if first["type"] == "union_tag_not_found":
        return f"field 'kind' is missing (expected one of {', '.join(KINDS)})"
    if loc and loc[0] in KINDS:
        fields = KIND_MODELS[loc[0]]
        loc = loc[1:]  # the discriminator's branch name, not a field
    field, kind, got = ".".join(loc), first["type"], first.get("input")
    if kind == "missing":
        return f"missing field {field!r}" + (f" ({_needs(fields)})" if fields and len(loc) == 1 else "")
    if kind == "extra_forbidden":
        return f"unknown field {field!r}" + (_suggest(loc[-1], fields) if fields and len(loc) == 1 else "")
    if field == "rules" and kind == "literal_error":
        return f"field 'rules': unknown rule set {got!r} (expected digits, game24 or countdown)"
    if kind == "value_error":
        msg = str(first.get("ctx", {}).get("error") or first["msg"].removeprefix("Value error, "))
    elif kind == "string_type":
        shown = "yes/no (YAML reads yes, no, true, false, on, off that way)" if isinstance(got, bool) else repr(got)
        msg = f"expected text, got {shown}; put it in quotes"
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        msg = f"expected a whole number, got {got!r}"
    elif kind in ("float_type", "float_parsing"):
        msg = f"expected a number, got {got!r}"
    elif kind == "list_type":
        msg = f"expected a list such as [1, 2, 3], got {got!r}"
    else:
        msg = first["msg"]
    return f"field {field!r}: {msg}" if field else msg


def _fields(model: type[BaseModel]) -> list[str]:
    return [name for name in model.model_fields if name != "kind"]


def _needs(model: type[BaseModel]) -> str:
    required = [n for n, f in model.model_fields.items() if f.is_required()]
    return f"a {getattr(model.model_fields.get('kind'), 'default', None) or 'suite'} needs {', '.join(required)}"


def _suggest(name: str, model: type[BaseModel]) -> str:
    close = difflib.get_close_matches(name, _fields(model), n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(_fields(model))})"


def validate_problem(fields: Any, where: str) -> Problem:
    if not isinstance(fields, dict):
        raise InputError(f"a problem must be a mapping of fields, got {type(fields).__name__}", where=where)
    try:
        return _problem_adapter.validate_python(fields)
    except ValidationError as err:
        raise InputError(_format_validation(err), where=where) from None


def _read_yaml(path: Path) -> Any:
    if not path.exists():
        raise InputError("no such file", where=str(path))
    if path.is_dir():
        raise InputError("is a folder, not a problem file", where=str(path))
    size = path.stat().st_size
    if size > MAX_PROBLEM_FILE_BYTES:
        raise InputError(f"file is {size} bytes, more than the {MAX_PROBLEM_FILE_BYTES} allowed "
                         "(put large sets in a data file and reference it with `data:`)", where=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text (byte {err.start})", where=str(path)) from None
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror}", where=str(path)) from None
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise InputError(f"malformed YAML: {problem}", where=where) from None
    if doc is None:
        raise InputError("empty file (expected a problem or a suite)", where=str(path))
    return doc


def _data_rows(ref: DataRef, suite_path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    where = f"{suite_path}: data"
    fn = READERS.get(ref.format)
    if fn is None:
        raise InputError(f"unknown data format {ref.format!r} (known: {', '.join(sorted(READERS))})",
                         where=f"{where}.format")
    data_path = Path(ref.path)
    if data_path.is_absolute():
        raise InputError("data path must be relative to the suite file", where=f"{where}.path")
    data_path = (suite_path.parent / data_path).resolve()
    if not data_path.is_file():
        raise InputError(f"data file {ref.path!r} not found (looked at {data_path})", where=f"{where}.path")
    stop = None if ref.limit is None else ref.start + ref.limit
    for i, row in enumerate(fn(data_path, ref.options)):
        if i < ref.start:
            continue
        if stop is not None and i >= stop:
            break
        yield row


def load_suite(path: str | Path) -> Suite:
    """Load one problem file (a single problem or a suite) and validate every problem in it."""
    path = Path(path)
    doc = _read_yaml(path)
    if isinstance(doc, list):
        doc = {"problems": doc}
    if not isinstance(doc, dict):
        raise InputError(f"expected a mapping or a list at the top, got {type(doc).__name__}", where=str(path))
    if "kind" in doc or ("id" in doc and "problems" not in doc and "data" not in doc):
        problem = validate_problem(doc, str(path))
        return Suite(name=path.stem, title=problem.title, path=str(path), problems=[problem])
    try:
        header = SuiteHeader.model_validate(doc)
    except ValidationError as err:
        raise InputError(_format_validation(err, SuiteHeader), where=str(path)) from None
    if not header.problems and header.data is None:
        raise InputError("a suite needs `problems:` (a list) or `data:` (a data file)", where=str(path))

    problems: list[Problem] = []
    for i, item in enumerate(header.problems):
        fields = {**header.defaults, **item} if isinstance(item, dict) else item
        problems.append(validate_problem(fields, f"{path}: problems[{i}]"))
    if header.data is not None:
        for row_where, row in _data_rows(header.data, path):
            problems.append(validate_problem({**header.defaults, **row}, f"{path}: {row_where}"))
    if not problems:
        raise InputError("the suite selects no problems", where=str(path))
    seen: set[str] = set()
    for p in problems:
        if p.id in seen:
            raise InputError(f"duplicate problem id {p.id!r}", where=str(path))
        seen.add(p.id)
    return Suite(name=header.suite or path.stem, title=header.title, path=str(path), problems=problems)


def load_problems(path: str | Path) -> list[Problem]:
    """All problems of one file (a single problem or a suite). Raises InputError naming file/field."""
    return load_suite(path).problems


def load_problem(path: str | Path, id: str | None = None) -> Problem:  # noqa: A002 - the CLI's name
    """One problem: the only one in the file, or the one with `id` in a suite."""
    problems = load_problems(path)
    if id is None:
        if len(problems) > 1:
            raise InputError(f"holds a suite of {len(problems)} problems; pick one with --id "
                             f"(first ids: {', '.join(p.id for p in problems[:3])})", where=str(path))
        return problems[0]
    for p in problems:
        if p.id == id:
            return p
    raise InputError(f"no problem with id {id!r}", where=str(path))


def iter_problem_files(path: str | Path) -> Iterator[Path]:
    """Problem files under a folder (recursively, sorted; hidden folders skipped), or the file itself."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or folder", where=str(path))
    if path.is_file():
        yield path
        return
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path).parts
        if p.suffix in PROBLEM_FILE_SUFFIXES and p.is_file() and not any(part.startswith(".") for part in rel):
            yield p
