"""bubblewrap, the sandbox's second way to namespaces: with it forced (POLYA_SANDBOX_BACKEND=bwrap) a
program has no network, cannot write outside its scratch dir, cannot see the home directories, leaves
nothing behind, and still runs normally; with neither unshare nor bwrap, model-written code is refused.

The checks look for the mount/namespace effect itself (EROFS, ENOENT, only `lo`), not just a refusal
that the throw-away uid alone would also cause. Skipped where bwrap is missing or cannot work.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import agent.sandbox
from agent.sandbox import _probe, probe_isolation, run
from agent.sandbox._probe import ALLOW_UNISOLATED_ENV, BACKEND_ENV, NO_NAMESPACES_ENV, refusal
from tests.hostile.harness import HostileWorld, leftover_processes, load_programs, new_marker, runnable_here

REPO = Path(__file__).resolve().parents[1]


def _probe_with(monkeypatch, **env: str):
    for name in (BACKEND_ENV, NO_NAMESPACES_ENV):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    probe_isolation.cache_clear()
    return probe_isolation()


@pytest.fixture(autouse=True)
def _fresh_probe():
    probe_isolation.cache_clear()
    yield
    probe_isolation.cache_clear()  # monkeypatch has not undone the environment yet: the next probe redoes it


@pytest.fixture
def bwrap(monkeypatch):
    iso = _probe_with(monkeypatch, **{BACKEND_ENV: "bwrap"})
    if iso.backend != "bwrap":
        why = iso.tried.split("; ")[-1]  # "bwrap: not installed" or "bwrap: cannot create namespaces"
        pytest.skip(f"bubblewrap not usable here ({why}); `apt-get install bubblewrap` to run these")
    return iso


# --- bwrap forced: the same guarantees as the unshare path --------------------------------------------
def test_normal_program_output_exit_code_and_isolation_named(bwrap):
    result = run("import sys, sympy\ndata = sys.stdin.read()\nprint(data.upper(), sympy.factor('x**2-1'))\n"
                 "print('oops', file=sys.stderr)\nraise SystemExit(3)", stdin="hello", timeout_s=30)
    assert result.stdout == "HELLO (x - 1)*(x + 1)\n" and result.stderr == "oops\n"
    assert result.exit_code == 3 and result.killed_reason is None and not result.timed_out
    assert result.isolation.startswith("bwrap: netns+pidns+mountns+allow-list-root+scratch-tmpfs+ro-fs+")


def test_program_can_write_its_scratch_dir_and_it_is_gone_afterwards(bwrap):
    result = run("import os\nopen('out.txt', 'w').write('x' * 1000)\nprint(os.getcwd(), os.path.getsize('out.txt'))")
    scratch, size = result.stdout.split()
    assert size == "1000" and os.path.basename(scratch).startswith("polya-sbx-")
    assert not os.path.exists(scratch)


def test_no_network_not_even_the_hosts_loopback_nor_name_resolution(bwrap):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    try:
        result = run(f"""
import socket
print(sorted(name for _, name in socket.if_nameindex()))
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2)
    print("CONNECTED")
except OSError as exc:
    print("connect", exc.errno)
try:
    print("RESOLVED", socket.getaddrinfo("example.com", 80)[0][4])
except socket.gaierror:
    print("no resolution")
""")
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):  # nothing reached the host's listener
            listener.accept()
    finally:
        listener.close()
    interfaces, connect, resolve = result.stdout.splitlines()
    assert interfaces == "['lo']"  # a network namespace of its own: the host's interfaces are not there
    assert connect in (f"connect {errno.ECONNREFUSED}", f"connect {errno.ENETUNREACH}")
    assert resolve == "no resolution"


def test_writes_outside_scratch_hit_a_read_only_filesystem(bwrap):
    (REPO / ".cache").mkdir(exist_ok=True)
    open_dir = tempfile.mkdtemp(prefix="sandbox-bwrap-", dir=REPO / ".cache")
    os.chmod(open_dir, 0o777)  # world-writable: only the read-only mount can stop the write
    name = f"polya-escape-{secrets.token_hex(4)}"
    targets = [f"{open_dir}/{name}", f"/etc/{name}", f"/var/tmp/{name}", f"/tmp/{name}", f"/dev/shm/{name}"]
    try:
        result = run(f"""
for path in {targets!r}:
    try:
        open(path, "w").write("ESCAPED")
        print(path, "written")
    except OSError as exc:
        print(path, exc.errno)
""")
        # the allow-list root is read-only (EROFS where the directory is there: /etc, /tmp) and holds
        # none of the others (ENOENT: the checkout's .cache, /var, /dev/shm)
        there = {f"/etc/{name}", f"/tmp/{name}"}
        want = [f"{p} {errno.EROFS if p in there else errno.ENOENT}" for p in targets]
        assert result.stdout.splitlines() == want, result.stdout
        assert not any(os.path.lexists(p) for p in targets)
    finally:
        shutil.rmtree(open_dir, ignore_errors=True)


def test_home_directories_are_hidden_not_just_unreadable(bwrap):
    home = Path(tempfile.mkdtemp(prefix=".polya-bwrap-secret-", dir=Path.home()))
    try:
        os.chmod(home, 0o755)
        secret = home / "token.txt"
        secret.write_text("sk-polya-bwrap-" + secrets.token_hex(8))
        os.chmod(secret, 0o644)
        result = run(f"""
import os
print(sorted(os.listdir({str(Path.home())!r})))
try:
    print("ESCAPED", open({str(secret)!r}).read())
except OSError as exc:
    print("open", exc.errno)
""")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    listing, opened = result.stdout.splitlines()
    assert home.name not in listing  # an empty tmpfs (plus the interpreter's own dirs) over the home
    assert opened == f"open {errno.ENOENT}", result.stdout  # not there at all (EACCES would be the uid alone)


def test_nothing_is_left_behind_after_the_wall_timeout(bwrap):
    marker = f"polya-bwrap-daemon-{secrets.token_hex(4)}"
    result = run(f"""
import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", {marker!r}])
    os._exit(0)
print("daemon started", flush=True)
time.sleep(600)
""", timeout_s=1.5)
    assert result.stdout == "daemon started\n"
    assert result.timed_out and result.killed_reason == "wall timeout 1.5s"
    assert leftover_processes(marker, result.run_id) == []  # neither the daemon nor bwrap itself


PROGRAMS = load_programs()


@pytest.fixture(scope="module")
def world():
    with HostileWorld() as w:
        yield w


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_hostile_program_is_contained_under_bwrap(program, world, bwrap):
    why_not = runnable_here(program)
    if why_not:
        pytest.skip(why_not)
    marker = new_marker(program)
    result = agent.sandbox.run(world.render(program, marker), timeout_s=2, memory_mb=256, output_limit=20_000)
    problems = world.check(program, result, marker, 20_000)
    assert not problems, f"{program.name}: {problems}\nstdout={result.stdout[-800:]!r}\nstderr={result.stderr[-800:]!r}"
    assert result.isolation.startswith("bwrap: ")


def test_a_checkout_under_tmp_runs_its_bootstrap_and_still_hides_the_rest(bwrap):
    # A fresh clone in /tmp once printed nothing under bwrap: /tmp is hidden behind a tmpfs before the
    # bootstrap script (in the clone) is opened. The script is bound back; the clone's other files are not.
    checkout = Path(tempfile.mkdtemp(prefix="polya-checkout-", dir="/tmp"))
    try:
        shutil.copytree(REPO / "agent", checkout / "agent", ignore=shutil.ignore_patterns("__pycache__"))
        (checkout / "secret.txt").write_text("not for the program")
        program = ("import os\nprint(6 * 7)\n"
                   f"print(os.path.exists({str(checkout / 'secret.txt')!r}))")
        probe = f"from agent.sandbox import run\nr = run({program!r})\nprint(repr(r.stdout), repr(r.stderr))"
        done = subprocess.run([sys.executable, "-c", probe], cwd=checkout, capture_output=True, text=True,
                              timeout=120, env={**os.environ, BACKEND_ENV: "bwrap", "PYTHONPATH": str(checkout)})
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == repr("42\nFalse\n") + " ''"
    finally:
        shutil.rmtree(checkout, ignore_errors=True)


# --- how the way is chosen ------------------------------------------------------------------------------
def test_bwrap_is_taken_by_itself_when_unshare_is_missing(monkeypatch, tmp_path):
    real = shutil.which("bwrap", path=_probe._TOOL_PATH)
    if real is None or _probe_with(monkeypatch, **{BACKEND_ENV: "bwrap"}).backend != "bwrap":
        pytest.skip("bubblewrap not usable here; `apt-get install bubblewrap` to run this")
    os.symlink(real, tmp_path / "bwrap")  # a tool path that has bwrap but no unshare
    monkeypatch.setattr(_probe, "_TOOL_PATH", str(tmp_path))
    iso = _probe_with(monkeypatch)
    assert iso.backend == "bwrap" and iso.mountns and refusal(iso) is None
    assert run("print(6 * 7)").stdout == "42\n"


def test_unshare_stays_the_first_choice_and_is_named(monkeypatch):
    iso = _probe_with(monkeypatch)
    if iso.backend != "unshare" or not iso.mountns:
        pytest.skip(f"unshare cannot create namespaces here ({iso.tried})")
    assert run("pass").isolation.startswith("unshare: netns+pidns+mountns+")
    assert _probe_with(monkeypatch, **{BACKEND_ENV: "unshare"}).backend == "unshare"


async def test_without_unshare_and_bwrap_model_code_is_refused_naming_both_ways(monkeypatch, tmp_path):
    from agent.tools import ToolSource

    monkeypatch.delenv(ALLOW_UNISOLATED_ENV, raising=False)
    monkeypatch.setattr(_probe, "_TOOL_PATH", str(tmp_path))  # neither tool installed
    iso = _probe_with(monkeypatch)
    assert iso.backend == "" and not iso.netns and not iso.mountns
    assert iso.tried == "unshare: not installed; bwrap: not installed"
    refused = await ToolSource().run("print('ran')", timeout_s=5, memory_mb=256)
    assert refused.stdout == "" and refused.killed_reason == "isolation unavailable"
    assert refused.isolation == "none: refused"
    why = refused.stderr
    assert "could reach the network and files and secrets outside its scratch directory" in why
    assert "unshare: not installed; bwrap: not installed" in why
    assert "`unshare` create namespaces" in why and "apt-get install bubblewrap" in why
    assert f"{ALLOW_UNISOLATED_ENV}=1" in why


def test_installed_tools_that_cannot_make_namespaces_are_refused_too(monkeypatch, tmp_path):
    """Namespaces off in the kernel: both tools are there but fail, as they would with user namespaces off."""
    monkeypatch.delenv(ALLOW_UNISOLATED_ENV, raising=False)
    for tool in ("unshare", "bwrap"):
        (tmp_path / tool).write_text("#!/bin/sh\necho 'Operation not permitted' >&2\nexit 1\n")
        (tmp_path / tool).chmod(0o755)
    monkeypatch.setattr(_probe, "_TOOL_PATH", str(tmp_path))
    iso = _probe_with(monkeypatch)
    assert iso.backend == "" and not iso.netns
    assert iso.tried == "unshare: cannot make net+pid+mount namespaces; bwrap: cannot create namespaces"
    why = refusal(iso)
    assert why and iso.tried in why and "apt-get install bubblewrap" in why and ALLOW_UNISOLATED_ENV in why


@pytest.mark.parametrize("env, tried", [
    ({NO_NAMESPACES_ENV: "1"}, f"{NO_NAMESPACES_ENV}=1"),
    ({BACKEND_ENV: "firejail"}, f"{BACKEND_ENV}='firejail' is neither unshare nor bwrap"),
])
def test_simulated_no_namespaces_and_unknown_backends_fail_closed(monkeypatch, env, tried):
    monkeypatch.delenv(ALLOW_UNISOLATED_ENV, raising=False)
    iso = _probe_with(monkeypatch, **env)
    assert iso.backend == "" and iso.tried == tried
    why = refusal(iso)
    assert why and tried in why and "apt-get install bubblewrap" in why


@pytest.mark.parametrize("forced, other", [("bwrap", "unshare"), ("unshare", "bwrap")])
def test_a_forced_way_that_is_missing_does_not_fall_back_to_the_other(monkeypatch, tmp_path, forced, other):
    monkeypatch.delenv(ALLOW_UNISOLATED_ENV, raising=False)
    present = shutil.which(other, path=_probe._TOOL_PATH)
    if present:
        os.symlink(present, tmp_path / other)  # the other way is installed, the forced one is not
    monkeypatch.setattr(_probe, "_TOOL_PATH", str(tmp_path))
    iso = _probe_with(monkeypatch, **{BACKEND_ENV: forced})
    assert iso.backend == "" and not iso.netns
    assert iso.tried == f"{other} not tried ({BACKEND_ENV}={forced}); {forced}: not installed"
    assert f"{forced}: not installed" in refusal(iso)


def test_polya_backends_says_which_isolation_this_machine_gives(monkeypatch, capsys):
    from agent.cli import main as cli_main

    monkeypatch.delenv(ALLOW_UNISOLATED_ENV, raising=False)
    iso = _probe_with(monkeypatch)
    assert cli_main(["backends"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("sandbox: "))
    assert line.startswith(f"sandbox: {iso.backend}: netns+" if iso.backend else "sandbox: ")
    assert line.endswith("(model-written code runs)") == (refusal(iso) is None)
