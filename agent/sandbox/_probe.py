"""Find out, once per process, which isolation this machine allows, and helpers to sweep a uid clean."""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass, field

from agent.sandbox._allow import bwrap_args

# Throw-away uids for sandboxed programs when we run as root: no passwd entry, no files anywhere,
# a fresh one per run so RLIMIT_NPROC counts only that run and runs cannot signal each other.
_UID_BASE, _UID_SPAN = 2_000_000, 1_000_000
_FULL_NS = ["--net", "--pid", "--fork", "--kill-child", "--mount", "--mount-proc"]
# bubblewrap, the second way to the same namespaces; it makes the mounts itself (see Isolation.launcher).
_BWRAP_NS = ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--die-with-parent", "--new-session"]
_BWRAP_PROBE = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",  # every kind of mount a run needs
                "--perms", "0755", "--size", "1048576", "--tmpfs", "/tmp", "--remount-ro", "/tmp"]
_TOOL_PATH = "/usr/bin:/bin:/usr/sbin:/sbin"  # where unshare and bwrap are looked for
NO_NAMESPACES_ENV = "POLYA_SANDBOX_NO_NAMESPACES"  # 1: act as if no way to namespaces worked (tests, debugging)
BACKEND_ENV = "POLYA_SANDBOX_BACKEND"  # unshare or bwrap: use only that way (default: unshare, then bwrap)


@dataclass(frozen=True)
class Isolation:
    backend: str = ""  # the way to namespaces: "unshare", "bwrap", or "" (none)
    prefix: list[str] = field(default_factory=list)  # command that creates the namespaces, or []
    netns: bool = False
    pidns: bool = False
    mountns: bool = False
    drop_uid: bool = False  # run as a throw-away uid (only possible as root)
    seccomp: bool = field(default_factory=lambda: _seccomp_supported())
    tried: str = ""  # why full isolation was not had, e.g. "unshare: not installed; bwrap: not installed"

    @property
    def namespaces(self) -> bool:
        """The bootstrap heads a new PID namespace and reaps the program (PID 1; under bwrap, bwrap's init is)."""
        return self.pidns

    @property
    def bootstrap_mounts(self) -> bool:
        """The bootstrap makes the mounts itself (unshare); bwrap makes them before it starts."""
        return self.mountns and self.backend == "unshare"

    def launcher(self, scratch: str, scratch_mb: int) -> list[str]:
        """The command (before the bootstrap's) that starts one run in this isolation; under bwrap it
        carries the allow-list root (`_allow.bwrap_args`). May raise `_allow.AllowListError`."""
        if self.backend != "bwrap":
            return list(self.prefix)
        return [*self.prefix, *bwrap_args(scratch, scratch_mb)]

    def sandbox_uid(self) -> int | None:
        return _UID_BASE + secrets.randbelow(_UID_SPAN) if self.drop_uid else None

    def nproc_limit(self, max_processes: int) -> int:
        # RLIMIT_NPROC counts every task of the real uid: with a private uid it is exact, otherwise
        # allow what the user already runs plus the budget.
        if self.drop_uid:
            return max_processes
        return _tasks_of_uid(os.getuid()) + max_processes

    def describe(self, held: list[str]) -> str:
        parts = [name for name, on in (("netns", self.netns), ("pidns", self.pidns),
                                       ("mountns", self.mountns)) if on]
        parts += (["allow-list-root", "scratch-tmpfs", "ro-fs"] if self.backend == "bwrap" else []) + held
        if self.drop_uid:
            parts.append("uid-drop")
        if self.seccomp:
            parts.append("seccomp")
        what = "+".join(parts + ["rlimits"]) if parts else "rlimits only"
        return f"{self.backend}: {what}" if self.backend else what


def _seccomp_supported() -> bool:
    import platform

    return sys.platform.startswith("linux") and platform.machine() == "x86_64"


def _works(cmd: list[str]) -> bool:
    try:
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=10, env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _world_reachable(path: str) -> bool:
    """Can a uid with no rights of its own reach (traverse) `path`?"""
    path = os.path.realpath(path)
    while True:
        try:
            if not os.stat(path).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def _interpreter_dirs() -> list[str]:
    dirs = {sys.prefix, sys.base_prefix, os.path.dirname(sys.executable)}
    dirs |= {os.path.realpath(d) for d in list(dirs)}
    dirs.add(os.path.dirname(os.path.realpath(sys.executable)))
    return sorted(dirs)


ALLOW_UNISOLATED_ENV = "POLYA_ALLOW_UNISOLATED"   # 1: run model-written code without namespaces (recorded)


def missing_for_model_code(iso: Isolation) -> str | None:
    """What model-written code would not be contained from, or None when network, filesystem and
    secrets are all contained (network and mount namespaces)."""
    missing = [what for what, held in (("the network", iso.netns),
                                        ("files and secrets outside its scratch directory", iso.mountns)) if not held]
    return " and ".join(missing) or None


def refusal(iso: Isolation) -> str | None:
    """The message a code-running move gets when isolation is missing and the risk is not accepted."""
    missing = missing_for_model_code(iso)
    if missing is None or os.environ.get(ALLOW_UNISOLATED_ENV) == "1":
        return None
    return (f"model-written code not run: this machine gives no network/mount namespaces ({iso.tried or 'none'}), "
            f"so a program could reach {missing}. Two ways to enable them: let `unshare` create namespaces "
            f"(unprivileged user namespaces, e.g. sysctl kernel.unprivileged_userns_clone=1, or run as root), "
            f"or install bubblewrap (`apt-get install bubblewrap`; `bwrap` must be able to create namespaces). "
            f"Or accept the risk with {ALLOW_UNISOLATED_ENV}=1 (recorded in the trace)")


@functools.lru_cache(maxsize=1)
def probe_isolation() -> Isolation:
    """Decide what the sandbox can use here: unshare's namespaces, else bwrap's, else unshare's network
    namespace alone, else none. Cached; `probe_isolation.cache_clear()` to redo."""
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    expose = _interpreter_dirs()
    want = os.environ.get(BACKEND_ENV, "")
    if not sys.platform.startswith("linux"):
        tried = ["not Linux"]
    elif os.environ.get(NO_NAMESPACES_ENV) == "1":
        tried = [f"{NO_NAMESPACES_ENV}=1"]
    elif want not in ("", "unshare", "bwrap"):
        tried = [f"{BACKEND_ENV}={want!r} is neither unshare nor bwrap"]
    else:
        tried = [f"{other} not tried ({BACKEND_ENV}={want})" for other in ("unshare", "bwrap") if want and other != want]
        unshare = shutil.which("unshare", path=_TOOL_PATH) if want != "bwrap" else None
        user = [] if is_root else ["--user", "--map-root-user"]
        if want != "bwrap":
            full = [unshare or "unshare", *user, *_FULL_NS]
            if unshare and _works([*full, "/bin/true"]):
                return Isolation("unshare", full, netns=True, pidns=True, mountns=True, drop_uid=is_root)
            tried.append("unshare: " + ("cannot make net+pid+mount namespaces" if unshare else "not installed"))
        if want != "unshare":
            bwrap = shutil.which("bwrap", path=_TOOL_PATH)
            launch = [bwrap or "bwrap", *_BWRAP_NS]
            if bwrap and _works([*launch, *_BWRAP_PROBE, "/bin/true"]):
                return Isolation("bwrap", launch, netns=True, pidns=True, mountns=True, drop_uid=is_root)
            tried.append("bwrap: " + ("cannot create namespaces" if bwrap else "not installed"))
        net_only = [unshare or "unshare", *user, "--net"]
        if unshare and _works([*net_only, "/bin/true"]):
            return Isolation("unshare", net_only, netns=True, drop_uid=is_root and _reachable(expose),
                             tried="; ".join(tried))
    return Isolation(drop_uid=is_root and _reachable(expose), tried="; ".join(tried))


def _reachable(paths: list[str]) -> bool:
    return all(_world_reachable(p) for p in paths)


def _status_fields(pid: str) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/status") as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except OSError:
        return {}


def processes_of_uid(uid: int) -> list[int]:
    """Pids whose real uid is `uid` (Linux /proc; empty elsewhere)."""
    if not os.path.isdir("/proc"):
        return []
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            uids = _status_fields(pid).get("Uid", "").split()
            if uids and int(uids[0]) == uid:
                found.append(int(pid))
    return found


def processes_with_env(entry: str) -> list[int]:
    """Pids whose environment holds `entry` exactly (e.g. "POLYA_SANDBOX_RUN=abc"); readable ones only."""
    needle = entry.encode()
    found = []
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if needle in f.read().split(b"\0"):
                        found.append(int(pid))
            except OSError:
                continue
    return found


def _tasks_of_uid(uid: int) -> int:
    total = 0
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if pid.isdigit():
            fields = _status_fields(pid)
            uids = fields.get("Uid", "").split()
            if uids and int(uids[0]) == uid:
                total += int(fields.get("Threads", "1") or 1)
    return total


def kill_uid(uid: int, rounds: int = 5) -> None:
    """SIGKILL every process of `uid` from a helper running as that uid (kill(-1) is then scoped to it)."""
    # /bin/kill, not our interpreter: the interpreter may live where the throw-away uid cannot reach.
    kill = shutil.which("kill", path="/usr/bin:/bin") or "/bin/kill"
    for _ in range(rounds):  # a fork bomb may fork between sweeps; a few rounds catch the stragglers
        subprocess.run([kill, "-KILL", "--", "-1"], user=uid, group=uid, extra_groups=[],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={}, cwd="/")
        if not processes_of_uid(uid):
            return
