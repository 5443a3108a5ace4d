"""The allow-list filesystem (agent/sandbox/_allow.py), under each way to namespaces: a program sees the
interpreter, the standard library, sympy (and mpmath, numpy), a minimal /etc, /dev/null, /dev/urandom
and its scratch directory, and nothing else.

Secrets are planted world-readable (mode 0644 in 0755 directories: only the mount can stop a read,
not the throw-away uid) in the checkout, in the problem data directory, in a trace directory and in a
directory outside every place the old sandbox hid; the program can neither open nor list any of them,
and a walk of its whole root never meets their names. Real benchmark references (the GSM8K answers)
are not there either. bwrap cases skip with a message where bubblewrap is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest

from agent.sandbox import _allow, probe_isolation, run
from agent.sandbox._probe import BACKEND_ENV, NO_NAMESPACES_ENV

REPO = Path(__file__).resolve().parents[1]
GSM8K = REPO / "problems" / "data" / "gsm8k" / "test_sample.jsonl"


@pytest.fixture(params=["unshare", "bwrap"])
def backend(request, monkeypatch):
    monkeypatch.delenv(NO_NAMESPACES_ENV, raising=False)
    monkeypatch.setenv(BACKEND_ENV, request.param)
    probe_isolation.cache_clear()
    iso = probe_isolation()
    if iso.backend != request.param or not iso.mountns:
        pytest.skip(f"{request.param} cannot make namespaces here ({iso.tried}); "
                    "`apt-get install bubblewrap` for the bwrap cases")
    yield request.param
    probe_isolation.cache_clear()


def _outside_dir() -> Path:
    """A new directory outside the checkout and outside /root, /home, /tmp, /var/tmp, /run, ..."""
    for parent in ("/var/lib", "/opt", "/usr/local/share", str(REPO.parent)):
        if os.access(parent, os.W_OK):
            return Path(tempfile.mkdtemp(prefix="polya-secret-", dir=parent))
    raise AssertionError("no writable directory outside the hidden ones to plant a secret in")


@pytest.fixture
def planted():
    """{where: secret file} with a fresh value in each; removed afterwards."""
    (REPO / ".cache").mkdir(exist_ok=True)
    traces = REPO / "traces" / "runs"
    traces.mkdir(parents=True, exist_ok=True)
    dirs = {"checkout": Path(tempfile.mkdtemp(prefix="polya-secret-", dir=REPO / ".cache")),
            "problem data": Path(tempfile.mkdtemp(prefix="polya-secret-", dir=GSM8K.parent)),
            "trace dir": Path(tempfile.mkdtemp(prefix="polya-secret-", dir=traces)),
            "outside": _outside_dir()}
    files = {}
    try:
        for where, d in dirs.items():
            os.chmod(d, 0o755)
            f = d / f"secret-{secrets.token_hex(4)}.jsonl"
            f.write_text(json.dumps({"answer": "sk-polya-" + secrets.token_hex(8)}) + "\n")
            os.chmod(f, 0o644)
            files[where] = f
        yield files
    finally:
        for d in dirs.values():
            shutil.rmtree(d, ignore_errors=True)


PROBE = """
import json, os, sys
paths, needles = %r
found = {}
for path in paths:
    row = {}
    try:
        row["read"] = open(path).read()
    except OSError as exc:
        row["read_errno"] = exc.errno
    try:
        row["list"] = os.listdir(os.path.dirname(path))
    except OSError as exc:
        row["list_errno"] = exc.errno
    found[path] = row
met, walked = set(), 0
for top, dirs, files in os.walk("/"):
    walked += len(dirs) + len(files)
    met |= set(needles) & set(dirs + files)
print(json.dumps({"found": found, "met": sorted(met), "walked": walked, "root": sorted(os.listdir("/"))}))
"""


def test_planted_secrets_can_be_neither_read_nor_listed(backend, planted):
    paths = [str(f) for f in planted.values()] + [str(GSM8K), str(REPO / "README.md")]
    needles = sorted({f.name for f in planted.values()} | {f.parent.name for f in planted.values()}
                     | {GSM8K.name, "problems", "traces", "agent", "polya_agent.egg-info", ".git"})
    result = run(PROBE % ((paths, needles),), timeout_s=60)
    assert result.exit_code == 0, result.stderr
    seen = json.loads(result.stdout)
    on_the_way = {part for op in _allow.plan() for part in op[2].split("/")}  # e.g. the venv in the checkout
    for path in paths:
        row = seen["found"][path]
        assert "read" not in row and "read_errno" in row, (path, row)           # no content
        assert set(row.get("list", [])) <= on_the_way, (path, row)              # no other name
    for f in planted.values():
        assert "list" not in seen["found"][str(f)], seen["found"][str(f)]      # no listing at all
    assert seen["met"] == [] and seen["walked"] > 1000             # nowhere in the whole root it walked
    assert not any(f.read_text().split('"')[3] in result.stdout for f in planted.values())
    assert seen["root"] == sorted(_expected_root())


def _expected_root() -> set[str]:
    """The top-level names the plan puts in the root, plus the scratch directory's first component."""
    tops = {op[2].strip("/").split("/")[0] for op in _allow.plan()}
    return tops | {tempfile.gettempdir().strip("/").split("/")[0]}


def test_sympy_and_numpy_import_but_nothing_else_installed(backend):
    result = run("""
import importlib, sympy, numpy, mpmath
print(sympy.factor("x**2 - 1"), int(numpy.arange(4).sum()), mpmath.mpf(1) / 4)
for name in ("agent", "pydantic", "pytest", "yaml", "httpx", "pip"):
    try:
        importlib.import_module(name)
        print("imported", name)
    except ImportError:
        pass
import os, site
print(sorted(os.listdir(site.getsitepackages()[0])))
""", timeout_s=60)
    assert result.exit_code == 0, result.stderr
    first, listing = result.stdout.splitlines()
    assert first == "(x - 1)*(x + 1) 6 0.25"                 # and no "imported ..." line in between
    allowed = {os.path.basename(p) for p in _allow.package_paths(_allow.package_dists())}
    assert set(eval(listing)) <= allowed and {"sympy", "mpmath"} <= set(eval(listing))


def test_the_root_is_read_only_and_etc_is_the_minimal_one(backend):
    result = run("""
import os
print(sorted(os.listdir("/etc")), sorted(os.listdir("/dev")))
for path in ("/etc/passwd", "/new-file", "/dev/new"):
    try:
        open(path, "a").write("x")
        print(path, "written")
    except OSError as exc:
        print(path, exc.errno)
open("/dev/null", "w").write("fine")
print(len(open("/dev/urandom", "rb").read(8)), open("here.txt", "w").write("scratch is writable"))
""")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{sorted(os.listdir(_allow.ETC_DIR) + ['ld.so.cache'])} ['null', 'urandom']"
    # EROFS outside scratch (the throw-away uid meets EACCES first on root's own /etc/passwd)
    assert lines[1] in ("/etc/passwd 30", "/etc/passwd 13") and lines[2:4] == ["/new-file 30", "/dev/new 30"], lines
    assert lines[4] == "8 19"


def test_a_plan_that_cannot_be_made_fails_closed_with_one_message(backend, monkeypatch, tmp_path):
    gone = tmp_path / "vanished"
    gone.mkdir()
    monkeypatch.setattr(_allow, "plan", lambda: (("bind", str(gone), str(gone)),))
    gone.rmdir()  # in the plan, no longer on disk: the root cannot be built
    result = run("print('ran')")
    assert result.stdout == "" and result.killed_reason == "isolation unavailable", result
    assert result.exit_code != 0 and result.stderr.strip()


def _rerun_module():
    spec = importlib.util.spec_from_file_location("tool_rerun_live", REPO / "benchmarks" / "tool_rerun_live.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_recorded_hunt_and_example_programs_print_the_same_live(backend):
    # `polya replay --rerun` reuses recorded tool output; here the recorded programs run again for real.
    # A sample of those that use no clock or chance (others print how far a time budget got).
    live = _rerun_module()
    runs = [r for r in live.recorded_runs([REPO / "docs" / "results" / "hunt-43" / "traces", REPO / "traces" / "examples"])
            if live.deterministic(r[1])][::6]
    assert len(runs) >= 12
    differ = {name: why for name, event in runs for kind, why in [live.rerun(event)] if kind != "same"}
    assert differ == {}
