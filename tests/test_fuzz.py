"""Issue 7.4: fuzzed inputs (hypothesis) — problem files, candidate answers, traces and CLI
arguments. Never a traceback: every case ends with exit 0/1 or one clear `polya: ...` message and
exit 2. The CLI is called in-process (`agent.cli.main`), which is what a traceback would escape
from; a few subprocess calls check the real entry point. benchmarks/reliability_report.py runs
the same targets with more examples and counts tracebacks instead of stopping at the first."""

from __future__ import annotations

import contextlib
import io
import json
import math
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

SEED_PROBLEMS = [
    {"id": "d", "kind": "countdown", "rules": "digits", "numbers": [2, 3, 7, 20, 21, 25], "target": 269},
    {"id": "g", "kind": "countdown", "rules": "game24", "numbers": [4, 7, 8, 8], "target": 24},
    {"id": "a", "kind": "answer", "statement": "What is 3/6?", "answer": "\\frac{1}{2}"},
    {"id": "c", "kind": "answer", "statement": "Which is prime?", "choices": {"A": "21", "B": "29"}, "answer": "B"},
    {"suite": "s", "defaults": {"tags": ["x"], "budget": {"steps": 3}},
     "problems": [{"id": "p1", "kind": "countdown", "rules": "digits", "numbers": [1, 2, 3], "target": 6}]},
]


@dataclass
class Outcome:
    code: int | None
    out: str
    err: str
    traceback: str | None      # an exception that escaped the CLI (a bug)

    def clean(self) -> bool:
        if self.traceback is not None or "Traceback" in self.err:
            return False
        if self.code == 2:      # bad input: one clear message
            return bool(self.err.strip()) and "polya" in self.err
        return self.code in (0, 1)


def run_cli(argv: list[str], stdin: str = "") -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli_main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
    except Exception as exc:  # noqa: BLE001 - this is what the fuzzing looks for
        return Outcome(None, out.getvalue(), err.getvalue(), f"{type(exc).__name__}: {exc}")
    finally:
        sys.stdin = old_stdin
    return Outcome(code, out.getvalue(), err.getvalue(), None)


# -- strategies --------------------------------------------------------------------------------------
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                    st.sampled_from(["digits", "game24", "countdown", "answer", "proof", "999999999999", "-1",
                                     "1e400", "\\frac{1}{0}", "", "../../etc/passwd"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=8)


@st.composite
def mutated_problem(draw) -> object:
    """A valid problem (or suite) with a few random changes: a key dropped, replaced or added."""
    data = json.loads(json.dumps(draw(st.sampled_from(SEED_PROBLEMS))))
    for _ in range(draw(st.integers(1, 3))):
        target = data
        if "problems" in data and draw(st.booleans()):
            target = data["problems"][0] if data["problems"] and isinstance(data["problems"][0], dict) else data
        if not isinstance(target, dict):
            break
        keys = list(target) + ["extra", "numbers", "target", "rules", "budget", "data", "id"]
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["drop", "set", "set"]))
        if action == "drop":
            target.pop(key, None)
        else:
            target[key] = draw(values)
    return data


problem_texts = st.one_of(
    mutated_problem().map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    st.text(max_size=200),
    st.sampled_from(["", "---\n", "[1, 2", "id: x\nkind: countdown\nnumbers: [1, 2]\n\t:", "!!python/object:os.system x",
                     "a: &a [*a]", "id: x\nkind: answer\nanswer: 1\nstatement: " + "x" * 10, "\x00\x01binary"]),
)

answers = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789+-*/()^. =xX!%,", max_size=40),
    st.sampled_from(["2*7*21-25", "9**9**9**9", "10^10^10", "1/0", "(((((((((((1", "()", "25" * 200,
                     "\\frac{1}{2}", "\\frac{1}{0}", "\\sqrt{-1}", "oo", "nan", "1e999", "B", "-", "\\left(", "$$"]),
)


def _write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))   # lone surrogates too: bytes that are not UTF-8
    return path


# -- targets (also run by benchmarks/reliability_report.py) -----------------------------------------
def case_problem_file(text: str) -> Outcome:
    from agent.errors import InputError
    from agent.problems import load_problems

    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), "p.yaml", text)
        outcome = run_cli(["check", str(path)])
        if not outcome.clean():
            return outcome
        try:
            load_problems(path)
        except InputError:
            pass
        except Exception as exc:  # noqa: BLE001
            return Outcome(None, "", "", f"load_problems: {type(exc).__name__}: {exc}")
        return outcome


def case_answer(problem: dict, answer: str, stdin: bool = False) -> Outcome:
    from agent.problems.models import Problem  # noqa: F401 - imported for the adapter below
    from agent.verify import verify

    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), "p.yaml", yaml.safe_dump(problem))
        outcome = run_cli(["verify", str(path), "-" if stdin else answer], stdin=answer if stdin else "")
        if not outcome.clean():
            return outcome
        from agent.problems import load_problem

        try:
            result = verify(load_problem(path), answer)
            json.dumps(result.model_dump())
        except Exception as exc:  # noqa: BLE001
            return Outcome(None, "", "", f"verify: {type(exc).__name__}: {exc}")
        return outcome


_TRACE_LINES: list[str] = []


def valid_trace_lines() -> list[str]:
    """A small real trace (scripted backend, canned tools), made once."""
    if not _TRACE_LINES:
        import asyncio

        from agent.loop.run import asolve
        from agent.problems.models import Budget
        from tests.loop_helpers import P269, CannedTools, FunctionBackend

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "t.jsonl"
            asyncio.run(asolve(P269, backend=FunctionBackend(), policy="bandit", budget=Budget(steps=4), seed=1,
                               trace=path, tools=CannedTools()))
            _TRACE_LINES.extend(path.read_text().splitlines(keepends=True))
    return list(_TRACE_LINES)


@st.composite
def mutated_trace(draw, base: list[str] | None = None) -> str:
    lines = list(base or _TRACE_LINES)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["field", "field", "text", "drop", "cut", "dup", "truncate_file"]))
        if action == "field":
            try:
                event = json.loads(lines[i])
            except json.JSONDecodeError:
                continue
            if not isinstance(event, dict):
                continue
            key = draw(st.sampled_from(sorted(event) + ["extra"]))
            event[key] = draw(values)
            lines[i] = json.dumps(event) + "\n"
        elif action == "text":
            lines[i] = draw(st.text(max_size=40)).replace("\n", " ") + "\n"
        elif action == "drop":
            del lines[i]
        elif action == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif action == "dup":
            lines.insert(i, lines[i])
        else:
            lines = lines[: i + 1]
        if not lines:
            break
    return "".join(lines)


def case_trace(text: str, command: str) -> Outcome:
    from agent.errors import InputError
    from agent.trace.reader import read_events

    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), "t.jsonl", text)
        argv = {"replay": ["replay", str(path)], "json": ["replay", str(path), "--json"],
                "lanes": ["replay", str(path), "--layout", "lanes"],
                "view": ["view", str(path), "-o", str(Path(tmp) / "v.html")],
                "traces": ["traces", str(tmp)]}[command]
        outcome = run_cli(argv)
        if not outcome.clean():
            return outcome
        try:
            read_events(path)
        except InputError:
            pass
        except Exception as exc:  # noqa: BLE001
            return Outcome(None, "", "", f"read_events: {type(exc).__name__}: {exc}")
        return outcome


TOKENS = ["run", "check", "verify", "replay", "view", "resume", "traces", "bench", "backends", "--budget", "--backend",
          "--id", "--seed", "--policy", "--trace", "--rerun", "--fork-at", "--json", "--layout", "-o", "--quiet",
          "steps=2", "steps=-1", "tokens=abc", "cost=1e999", "wall=nan", "x=1", "steps=", ",,,", "bogus:x",
          "fixed:", "fixed:nope", "bandit", "llm", "--help", "-", "", "nope.yaml", "{P}", "{T}", "--set", "api_key=sk-1",
          "9" * 30, "-5", "lanes", "∞", "--stats"]


@st.composite
def argv_lists(draw) -> list[str]:
    return draw(st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=12)), min_size=0, max_size=7))


_SAFE_COMMANDS = {"check", "verify", "replay", "view", "traces"}  # never reach a model or a long job


def case_argv(argv: list[str], problem: Path, trace: Path, out_dir: Path) -> Outcome | None:
    argv = [str(problem) if a == "{P}" else str(trace) if a == "{T}" else a for a in argv]
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in ("run", "resume"):
        # these would run the loop: keep only the variants that must be refused before any call
        if "--backend" not in argv or "--trace" in argv:
            return None
        argv = [*argv, "--trace", str(out_dir / "t.jsonl")]
        if "--budget" not in argv:
            argv = [*argv, "--budget", "steps=abc"]
    elif command not in _SAFE_COMMANDS or "--rerun" in argv or "--fork-at" in argv or "-o" in argv:
        return None
    return run_cli(argv)


# -- the tests --------------------------------------------------------------------------------------------
@FAST
@given(problem_texts)
def test_fuzz_problem_files(text):
    outcome = case_problem_file(text)
    assert outcome.clean(), outcome


@FAST
@given(st.sampled_from(SEED_PROBLEMS[:4]), answers, st.booleans())
def test_fuzz_answers(problem, answer, stdin):
    outcome = case_answer(problem, answer, stdin)
    assert outcome.clean(), outcome


valid_trace_lines()   # made at import: a strategy must not run the loop (it seeds `random`)


@FAST
@given(mutated_trace(), st.sampled_from(["replay", "json", "lanes", "view"]))
def test_fuzz_traces(text, command):
    outcome = case_trace(text, command)
    assert outcome.clean(), outcome


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(argv_lists())
def test_fuzz_cli_arguments(tmp_path_factory, argv):
    tmp = tmp_path_factory.mktemp("argv")
    problem = _write(tmp, "p.yaml", yaml.safe_dump(SEED_PROBLEMS[0]))
    trace = _write(tmp, "t.jsonl", "".join(valid_trace_lines()))
    outcome = case_argv(argv, problem, trace, tmp)
    if outcome is not None:
        assert outcome.clean(), (argv, outcome)


def test_the_clean_check_catches_a_traceback():
    """The oracle itself: an escaping exception and a message-less exit 2 are both unclean."""
    assert not Outcome(None, "", "", "KeyError: 'x'").clean()
    assert not Outcome(2, "", "", None).clean()
    assert Outcome(2, "", "polya: p.yaml: numbers: required\n", None).clean()
    assert not math.isnan(1.0)


@pytest.mark.parametrize("argv", [
    ["check", "{bad}"], ["verify", "{bad}", "1"], ["replay", "{badtrace}"], ["view", "{badtrace}"],
    ["run", "{bad}", "--backend", "scripted:echo"], ["run", "{good}", "--budget", "steps=zz", "--backend", "scripted:echo"],
])
def test_real_entry_point_exit_2_one_message(argv, tmp_path):
    bad = _write(tmp_path, "bad.yaml", "id: x\nkind: countdown\nnumbers: [1, two]\n")
    good = _write(tmp_path, "good.yaml", yaml.safe_dump(SEED_PROBLEMS[0]))
    badtrace = _write(tmp_path, "bad.jsonl", '{"schema_version": 1, "type": "run_start"}\n{not json\n')
    argv = [a.format(bad=bad, good=good, badtrace=badtrace) for a in argv]
    proc = subprocess.run([sys.executable, "-m", "agent", *argv], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("polya") and len(proc.stderr.strip().splitlines()) <= 3
