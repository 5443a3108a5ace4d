"""Run model-written Python in a separate, limited, offline process.

    result = agent.sandbox.run("print(1)")           # sync entry point
    result = await agent.sandbox.arun("print(1)")    # the async core

Each run gets a fresh scratch directory (its working directory and HOME, deleted afterwards), a
scrubbed environment, CPU / memory / process / file-size limits, a wall timeout that kills the
whole process tree, and capped output. Where the OS allows it, the program also runs in new
network, PID and mount namespaces (no network, no survivors, read-only filesystem, homes hidden),
made by `unshare` or else by bubblewrap (`bwrap`), and, when we are root, as a throw-away uid.
`SandboxResult.isolation` says what actually held. See docs/sandbox.md for the threat model.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time

from pydantic import BaseModel

from agent.sandbox import _allow
from agent.sandbox._probe import Isolation, kill_uid, probe_isolation, processes_of_uid, processes_with_env

__all__ = ["SandboxResult", "run", "arun", "probe_isolation", "isolation_report"]

# Passed with `-c`: inside the allow-list root no file of the checkout is there to open.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bootstrap.py"), encoding="utf-8") as _f:
    _BOOTSTRAP_CODE = _f.read()
_SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
_FSIZE_MB = 64  # largest single file the program may write
_SCRATCH_MB = 128  # size of the scratch tmpfs (namespace mode)
_READ_CHUNK = 65536
REFUSED = "isolation unavailable"  # killed_reason when the allow-list root could not be made


class SandboxResult(BaseModel):
    stdout: str
    stderr: str
    exit_code: int  # the program's exit status; -N when it was killed by signal N
    timed_out: bool
    killed_reason: str | None  # None, or a short reason: "wall timeout 10s", "memory limit 512 MB", ...
    duration_s: float
    isolation: str  # which protections held, e.g. "netns+pidns+mountns+ro-fs+homes-hidden+uid-drop+rlimits"
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    run_id: str = ""  # also in the program's environment as POLYA_SANDBOX_RUN (lets tests find strays)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.killed_reason is None


class _Capture:
    """Reads one pipe, keeping at most `limit` bytes; `overflow` is set once more arrives."""

    def __init__(self, stream: asyncio.StreamReader, limit: int, on_overflow) -> None:
        self.data = bytearray()
        self.overflow = False
        self._stream, self._limit, self._on_overflow = stream, limit, on_overflow

    async def pump(self) -> None:
        while chunk := await self._stream.read(_READ_CHUNK):
            room = self._limit - len(self.data)
            self.data += chunk[: max(room, 0)]
            if len(chunk) > room and not self.overflow:
                self.overflow = True
                self._on_overflow()

    def text(self) -> str:
        out = self.data.decode("utf-8", errors="replace")
        return out + "\n[output truncated by sandbox]\n" if self.overflow else out


def run(code: str, *, timeout_s: float = 10, memory_mb: int = 512, output_limit: int = 64_000,
        stdin: str = "", max_processes: int = 32) -> SandboxResult:
    """Blocking wrapper around `arun`; safe to call from inside a running event loop (uses a thread)."""
    coro_args = dict(timeout_s=timeout_s, memory_mb=memory_mb, output_limit=output_limit, stdin=stdin,
                     max_processes=max_processes)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(arun(code, **coro_args))
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(arun(code, **coro_args))).result()


def isolation_report() -> str:
    """What this machine's sandbox gives (from a real run of `pass`) and whether model-written code runs."""
    from agent.sandbox._probe import ALLOW_UNISOLATED_ENV, missing_for_model_code, refusal

    iso = probe_isolation()
    held = run("pass", timeout_s=10).isolation
    why = refusal(iso)
    if why:
        return f"sandbox: {held}\n  {why}"
    if missing_for_model_code(iso):
        return f"sandbox: {held} (model-written code runs uncontained: {ALLOW_UNISOLATED_ENV}=1)"
    return f"sandbox: {held} (model-written code runs)"


async def arun(code: str, *, timeout_s: float = 10, memory_mb: int = 512, output_limit: int = 64_000,
               stdin: str = "", max_processes: int = 32) -> SandboxResult:
    iso = probe_isolation()
    run_id = secrets.token_hex(8)
    scratch = tempfile.mkdtemp(prefix="polya-sbx-")
    try:
        return await _run_in(scratch, iso, run_id, code, timeout_s, memory_mb, output_limit, stdin,
                             max_processes)
    finally:
        _remove_tree(scratch)


async def _run_in(scratch: str, iso: Isolation, run_id: str, code: str, timeout_s: float, memory_mb: int,
                  output_limit: int, stdin: str, max_processes: int) -> SandboxResult:
    with open(os.path.join(scratch, "main.py"), "w", encoding="utf-8") as f:
        f.write(code)
    uid = iso.sandbox_uid()
    if uid is not None and not iso.namespaces:
        os.chown(scratch, uid, uid)
        os.chown(os.path.join(scratch, "main.py"), uid, uid)
    env = {"PATH": _SAFE_PATH, "HOME": scratch, "TMPDIR": scratch, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
           "POLYA_SANDBOX_RUN": run_id}
    report_r, report_w = os.pipe()
    cfg = {
        "python": sys.executable, "scratch": scratch, "env": env, "report_fd": report_w,
        "as_init": iso.namespaces, "mounts": iso.bootstrap_mounts, "uid": uid,
        "cpu_s": max(1, int(timeout_s + 0.999)), "mem_bytes": memory_mb * 1024 * 1024,
        "fsize_bytes": _FSIZE_MB * 1024 * 1024, "scratch_mb": _SCRATCH_MB,
        "nproc": iso.nproc_limit(max_processes), "seccomp": iso.seccomp,
    }
    try:
        if iso.bootstrap_mounts:
            cfg["plan"] = [list(op) for op in _allow.plan()]
        launcher = iso.launcher(scratch, _SCRATCH_MB)
    except (_allow.AllowListError, OSError) as exc:  # fail closed: no allow-list, no run
        os.close(report_r)
        os.close(report_w)
        return _refused(f"sandbox: the program's allow-list filesystem could not be made ({exc}); program not run",
                        iso, run_id)
    argv = [*launcher, sys.executable, "-I", "-S", "-c", _BOOTSTRAP_CODE, json.dumps(cfg)]
    started = time.monotonic()
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env, cwd=scratch, start_new_session=True,
            pass_fds=(report_w,), limit=_READ_CHUNK * 2)
    finally:
        os.close(report_w)
    reasons: list[str] = []

    # Namespace mode: killing the group takes PID 1 down, and the kernel empties the namespace.
    sweep = {} if iso.namespaces else {"uid": uid, "run_id": run_id}

    def kill(reason: str) -> None:
        if not reasons:
            reasons.append(reason)
        _kill_tree(proc.pid, **sweep)

    out = _Capture(proc.stdout, output_limit, lambda: kill("output limit"))
    err = _Capture(proc.stderr, output_limit, lambda: kill("output limit"))
    pumps = [asyncio.ensure_future(out.pump()), asyncio.ensure_future(err.pump())]
    feeder = asyncio.ensure_future(_feed(proc.stdin, stdin.encode()))
    try:
        if not await _exited(proc, timeout_s):
            kill(f"wall timeout {timeout_s:g}s")
            await _exited(proc, None)
    finally:
        if proc.returncode is None:  # cancelled by our caller: never leave the tree behind
            _kill_tree(proc.pid, **sweep)
    # Whatever the program left behind goes too (namespace mode: already gone with PID 1).
    _kill_tree(proc.pid, **sweep)
    duration = time.monotonic() - started
    # Pipes close when the last holder dies; a stray holder must not hang us.
    _done, pending = await asyncio.wait(pumps + [feeder], timeout=2)
    for task in pending:
        task.cancel()
    report = _read_report(report_r)
    exit_code, sig = _exit_status(proc.returncode, report)
    reason = reasons[0] if reasons else _reason_from_status(sig, exit_code, err.text(), memory_mb)
    if not reasons and iso.mountns and ("refused" in report or "held" not in report):
        reason = REFUSED  # the root was not made (bwrap or the bootstrap said why on stderr)
    return SandboxResult(
        stdout=out.text(), stderr=err.text(), exit_code=exit_code, timed_out=reason is not None
        and reason.startswith("wall timeout"), killed_reason=reason, duration_s=round(duration, 4),
        isolation=iso.describe(report.get("held", [])), stdout_truncated=out.overflow,
        stderr_truncated=err.overflow, run_id=run_id)


def _refused(why: str, iso: Isolation, run_id: str) -> SandboxResult:
    return SandboxResult(stdout="", stderr=why + "\n", exit_code=126, timed_out=False, killed_reason=REFUSED,
                         duration_s=0.0, isolation=iso.describe(["refused"]), run_id=run_id)


async def _exited(proc: asyncio.subprocess.Process, timeout_s: float | None) -> bool:
    """Wait until the process itself has exited. Not `proc.wait()`: that also waits for its pipes to
    close, which a left-behind child holding stdout would delay until the wall timeout."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while proc.returncode is None:
        if deadline is not None and time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def _feed(pipe: asyncio.StreamWriter, data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        if data:
            pipe.write(data)
            await pipe.drain()
        pipe.close()


def _kill_tree(pid: int, uid: int | None = None, run_id: str | None = None) -> None:
    """SIGKILL the session's process group; then every process of the program's own uid, or (no PID
    namespace, no own uid) every process still carrying this run's id in its environment."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    if uid is not None and processes_of_uid(uid):
        kill_uid(uid)
    elif uid is None and run_id:
        for stray in processes_with_env(f"POLYA_SANDBOX_RUN={run_id}"):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(stray, signal.SIGKILL)


def _read_report(fd: int) -> dict:
    os.set_blocking(fd, False)
    data = b""
    try:
        while chunk := os.read(fd, 65536):
            data += chunk
    except BlockingIOError:
        pass
    finally:
        os.close(fd)
    merged: dict = {}
    for line in data.decode(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            merged.update(json.loads(line))
    return merged


def _exit_status(returncode: int, report: dict) -> tuple[int, str | None]:
    if "exit_code" in report:  # namespace mode: PID 1 told us how the program itself ended
        sig = report.get("signal")
        return (-int(signal.Signals[sig]), sig) if sig else (int(report["exit_code"]), None)
    if returncode < 0:
        return returncode, signal.Signals(-returncode).name
    return returncode, None


def _reason_from_status(sig: str | None, exit_code: int, stderr: str, memory_mb: int) -> str | None:
    if sig == "SIGXCPU":
        return "CPU time limit"
    if sig == "SIGXFSZ":
        return f"file size limit {_FSIZE_MB} MB"
    if sig:
        return f"signal {sig}"
    if exit_code == 0:
        return None
    # The program died of an exception: name the limit it ran into when the message says so.
    tail = stderr[-2000:]
    for needle, reason in _LIMIT_MESSAGES:
        if needle in tail:
            return reason.format(memory_mb=memory_mb, fsize_mb=_FSIZE_MB)
    return None


_LIMIT_MESSAGES = [
    ("MemoryError", "memory limit {memory_mb} MB"),
    ("Cannot allocate memory", "memory limit {memory_mb} MB"),
    ("can't start new thread", "process limit"),
    ("Resource temporarily unavailable", "process limit"),
    ("File too large", "file size limit {fsize_mb} MB"),
    ("No space left on device", "disk limit"),
]


def _remove_tree(path: str) -> None:
    def fix_and_retry(func, p, _exc):
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(p), 0o700)
            os.chmod(p, 0o700)
            func(p)

    shutil.rmtree(path, onerror=fix_and_retry)
    if os.path.exists(path):
        shutil.rmtree(path, ignore_errors=True)
