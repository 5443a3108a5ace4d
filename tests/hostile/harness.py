"""Loads the hostile programs (NN_name.py beside this file) and checks that a sandbox run contained one.

Each program starts with header comments:
    # tries: what it attempts            # contained: what containment means for it
    # category: cpu|memory|processes|...  # expect: killed_reason prefixes joined by "|", or none / any
    # needs: scratch-tmpfs (private scratch space) or not-host-root (the program would harm the host if
    #        it ran as the real root: kernel knobs, mounts, ptrace); skipped where that does not hold
Placeholders (__PORT__, __SENTINEL_DIR__, ...) are filled in by `HostileWorld.render`.
Used by tests/test_sandbox_hostile.py and benchmarks/sandbox_report.py.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import socket
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import agent.sandbox

HOSTILE_DIR = Path(__file__).parent
REPO = HOSTILE_DIR.parents[1]
SECRET_PREFIX = "sk-polya-test-"


@dataclass(frozen=True)
class HostileProgram:
    name: str
    category: str
    tries: str
    contained: str
    expect: list[str]  # [] means killed_reason must be None; ["any"] means not checked
    needs: str | None
    source: str


def runnable_here(program: HostileProgram) -> str | None:
    """None if the program may run here; else why it is skipped (never run a harmful one unsandboxed)."""
    iso = agent.sandbox.probe_isolation()
    if program.needs == "scratch-tmpfs" and not iso.mountns:
        return "needs a private scratch tmpfs (mount namespace); would fill the real disk"
    if program.needs == "not-host-root" and os.geteuid() == 0 and not iso.drop_uid:
        return "would run as the host's real root here (no throw-away uid)"
    return None


def _header(source: str, key: str) -> str | None:
    m = re.search(rf"^# {key}: (.*)$", source, re.MULTILINE)
    return m.group(1).strip() if m else None


def load_programs() -> list[HostileProgram]:
    programs = []
    for path in sorted(HOSTILE_DIR.glob("[0-9][0-9]_*.py")):
        src = path.read_text()
        expect = _header(src, "expect") or "none"
        programs.append(HostileProgram(
            name=path.stem, category=_header(src, "category") or "misc", tries=_header(src, "tries") or "",
            contained=_header(src, "contained") or "", expect=[] if expect == "none" else expect.split("|"),
            needs=_header(src, "needs"), source=src))
    return programs


class _Listener:
    """TCP (IPv4 + IPv6 when available), UDP and UNIX listeners that record anything that reaches them."""

    def __init__(self, unix_path: str) -> None:
        self.received: list[str] = []
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        self.sockets = [self.tcp]
        try:
            self.sockets.append(socket.create_server(("::1", self.port), family=socket.AF_INET6))
        except OSError:
            pass
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp_port = self.udp.getsockname()[1]
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(unix_path)
        self.unix.listen()
        os.chmod(unix_path, 0o777)  # world-writable: only the sandbox itself may stop a connection
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._serve, args=(s,), daemon=True)
                         for s in [*self.sockets, self.unix, self.udp]]
        for t in self._threads:
            t.start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                if sock.type == socket.SOCK_DGRAM:
                    data, _ = sock.recvfrom(65536)
                    self.received.append(f"udp:{data[:60]!r}")
                    continue
                conn, _ = sock.accept()
            except (TimeoutError, OSError):
                continue
            conn.settimeout(0.5)
            try:
                data = conn.recv(65536)
            except OSError:
                data = b""
            self.received.append(f"{sock.family.name}:{data[:60]!r}")
            conn.close()

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        for s in [*self.sockets, self.udp, self.unix]:
            s.close()


@dataclass
class HostileWorld:
    """Everything a hostile program could damage or reach, set up outside the sandbox so we can check it."""

    sentinel_dir: str = ""
    secret_home: str = ""
    secret_value: str = ""
    listener: _Listener | None = None
    snapshot: dict[str, str] = field(default_factory=dict)
    agent_file: str = str(Path(agent.sandbox.__file__))
    agent_hash: str = ""

    def __enter__(self) -> HostileWorld:
        base = REPO / ".cache"
        base.mkdir(exist_ok=True)
        # World-writable on purpose: only the sandbox (read-only mounts, throw-away uid) protects it.
        self.sentinel_dir = tempfile.mkdtemp(prefix="sandbox-sentinel-", dir=base)
        os.chmod(self.sentinel_dir, 0o777)
        sentinel = Path(self.sentinel_dir, "sentinel.txt")
        sentinel.write_text("original content\n")
        os.chmod(sentinel, 0o666)
        self.listener = _Listener(os.path.join(self.sentinel_dir, "host.sock"))
        self.secret_value = SECRET_PREFIX + secrets.token_hex(8)
        self.secret_home = tempfile.mkdtemp(prefix=".polya-sandbox-secret-", dir=Path.home())
        for rel, text in ((".config/polya/config.toml", f'openai_api_key = "{self.secret_value}"\n'),
                          (".ssh/id_ed25519", f"-----BEGIN OPENSSH PRIVATE KEY-----\n{self.secret_value}\n")):
            p = Path(self.secret_home, rel)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        self._saved_env = os.environ.get("OPENAI_API_KEY")
        os.environ["OPENAI_API_KEY"] = self.secret_value  # planted: the sandbox must not pass it on
        self.snapshot = self._snapshot()
        self.agent_hash = _hash(self.agent_file)
        return self

    def __exit__(self, *exc) -> None:
        if self._saved_env is None:
            os.environ.pop("OPENAI_API_KEY", None)
        else:
            os.environ["OPENAI_API_KEY"] = self._saved_env
        if self.listener:
            self.listener.close()
        shutil.rmtree(self.sentinel_dir, ignore_errors=True)
        shutil.rmtree(self.secret_home, ignore_errors=True)

    def _snapshot(self) -> dict[str, str]:
        if not os.path.isdir(self.sentinel_dir):
            return {"sentinel dir": "deleted"}
        out = {}
        for p in sorted(Path(self.sentinel_dir).rglob("*")):
            out[str(p)] = p.read_text() if p.is_file() else f"mode={p.stat().st_mode:o}"
        out[self.sentinel_dir] = f"mode={os.stat(self.sentinel_dir).st_mode:o}"
        return out

    def render(self, program: HostileProgram, marker: str) -> str:
        assert self.listener is not None
        subs = {"__PORT__": str(self.listener.port), "__UDP_PORT__": str(self.listener.udp_port),
                "__UNIX_SOCK__": os.path.join(self.sentinel_dir, "host.sock"),
                "__SENTINEL_DIR__": self.sentinel_dir, "__SECRET_HOME__": self.secret_home,
                "__TEST_PID__": str(os.getpid()), "__MARKER__": marker, "__AGENT_FILE__": self.agent_file}
        src = program.source
        for key, value in subs.items():
            src = src.replace(key, value)
        return src

    def host_files(self, marker: str) -> list[str]:
        """Paths a program might have dropped outside its scratch dir."""
        purelib = sysconfig.get_paths()["purelib"]
        return [f"/tmp/polya-escape-{marker}", f"/var/tmp/polya-escape-{marker}", f"/etc/polya-escape-{marker}",
                f"/tmp/polya-drop-{marker}", f"/var/tmp/polya-drop-{marker}", f"/dev/shm/polya-drop-{marker}",
                os.path.join(purelib, "polya_escape.pth"), os.path.join(os.path.dirname(os.__file__), "polya_escape.py")]

    def check(self, program: HostileProgram, result: agent.sandbox.SandboxResult, marker: str,
              output_limit: int) -> list[str]:
        """Everything that shows the program was NOT contained; empty when it was."""
        problems = []
        text = result.stdout + result.stderr
        if "ESCAPED" in text:
            problems.append("program reports an escape: " + _lines_with(text, "ESCAPED"))
        if self.secret_value in text:
            problems.append("a planted secret reached the program's output")
        if program.expect != ["any"]:
            reason = result.killed_reason
            if not program.expect and reason is not None:
                problems.append(f"expected a normal end, got killed_reason={reason!r}")
            allowed = (reason is None and "none" in program.expect) or (
                reason is not None and any(reason.startswith(e) for e in program.expect if e != "none"))
            if program.expect and not allowed:
                problems.append(f"expected killed_reason in {program.expect}, got {reason!r}")
        if len(result.stdout) > output_limit + 100 or len(result.stderr) > output_limit + 100:
            problems.append("captured output exceeds the limit")
        if result.killed_reason == "output limit" and not (result.stdout_truncated or result.stderr_truncated):
            problems.append("output limit hit but truncation not reported")
        survivors = leftover_processes(marker, result.run_id)
        if survivors:
            problems.append(f"processes left running: {survivors}")
        if self._snapshot() != self.snapshot:
            problems.append("sentinel directory changed")
        assert self.listener is not None
        if self.listener.received:
            problems.append(f"listener received: {self.listener.received}")
        for path in self.host_files(marker):
            if os.path.lexists(path):
                problems.append(f"file created outside scratch: {path}")
                os.remove(path)
        if _hash(self.agent_file) != self.agent_hash:
            problems.append("framework source modified")
        if problems:  # start the next program from a clean world
            self.__exit__(None, None, None)
            self.__enter__()
        return problems


def leftover_processes(marker: str, run_id: str, settle_s: float = 1.0) -> list[str]:
    """Processes carrying the marker in their command line or the run id in their environment."""
    deadline = time.monotonic() + settle_s
    while True:
        found = []
        env_needle = f"POLYA_SANDBOX_RUN={run_id}".encode()
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                env = Path(f"/proc/{pid}/environ").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmd or (run_id and env_needle in env):
                shown = cmd.replace(b"\0", b" ")[:80].decode(errors="replace")
                found.append(f"{pid}:{shown}")
        if not found or time.monotonic() > deadline:  # the kernel may need a moment to reap a namespace
            return found
        time.sleep(0.05)


def _hash(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _lines_with(text: str, needle: str) -> str:
    return " | ".join(line[:120] for line in text.splitlines() if needle in line)[:500]


def new_marker(program: HostileProgram) -> str:
    return f"polya-hostile-{program.name}-{secrets.token_hex(4)}"
