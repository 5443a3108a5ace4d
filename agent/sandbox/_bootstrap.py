"""Runs inside the sandbox, before the model's code. Standard library only; started as `python -I -S -c
<this file's text> <config>` (no file of the checkout needs to be visible inside).

argv[1] is a JSON config written by `agent.sandbox`. File descriptor 3 (if given) is a pipe back to
the parent: this script writes one JSON line to it saying which protections held and, when it acts
as the namespace's init, how the model's program ended.

Two shapes:
- inside fresh namespaces (`unshare --net --pid --mount ...`), this process is PID 1: it builds the
  allow-list root (`setup_root`: a read-only tmpfs holding only what `_allow.plan()` lists, plus the
  scratch tmpfs) and switches to it, forks the model's program with
  limits applied and privileges dropped, reaps until that program ends, and reports its status.
  When PID 1 exits the kernel kills everything left in the PID namespace. Under bwrap the same, except
  that bwrap has made the same root (config "mounts": false) and bwrap's own init is PID 1 above us.
- without namespaces it just applies limits, drops privileges if it can, and execs the program.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import resource
import signal
import sys

MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_REMOUNT, MS_RDONLY, MS_PRIVATE = 2, 4, 4096, 16384, 32, 1, 1 << 18
MNT_DETACH = 2
AT_FDCWD, AT_RECURSIVE = -100, 0x8000
MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID = 0x1, 0x2
SYS_MOUNT_SETATTR = 442  # x86-64 and arm64 share this number (asm-generic since 5.12)
SYS_PIVOT_ROOT = 155 if os.uname().machine == "x86_64" else 41  # arm64 (asm-generic)
PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP = 38, 24

_libc = ctypes.CDLL(None, use_errno=True)


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(src: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    def enc(s):
        return (s.encode() if s is not None else None)
    _check(_libc.mount(enc(src), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


def _mount_setattr(path: str, recursive: bool, set_: int = 0, clr: int = 0) -> None:
    attr = _MountAttr(set_, clr, 0, 0)
    flags = AT_RECURSIVE if recursive else 0
    _check(_libc.syscall(SYS_MOUNT_SETATTR, AT_FDCWD, path.encode(), flags, ctypes.byref(attr),
                         ctypes.sizeof(attr)), f"mount_setattr {path}")


def _bind(src: str, target: str, device: bool = False) -> None:
    if os.path.isdir(src):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        open(target, "ab").close()
    _mount(src, target, None, MS_BIND | (0 if device else MS_REC))


def setup_root(cfg: dict, held: list[str]) -> None:
    """Build the allow-list root (`agent.sandbox._allow`: only the interpreter, the allowed packages, a
    minimal /etc, two devices) on a fresh tmpfs, add the scratch tmpfs, switch to it, make it read-only."""
    scratch = cfg["scratch"]
    code = open(os.path.join(scratch, "main.py"), "rb").read()
    os.umask(0o022)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    new = scratch  # an existing directory to mount the new root on; in our namespace only
    _mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for kind, src, dest in cfg["plan"]:
        target = new + dest
        if kind == "symlink":
            os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
            os.symlink(src, target)
        elif kind == "empty":
            os.makedirs(target, mode=0o755, exist_ok=True)
            _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "size=4k,mode=0755")
        else:
            _bind(src, target, device=kind == "dev")
    held.append("allow-list-root")
    os.makedirs(new + scratch, mode=0o755, exist_ok=True)
    uid = cfg.get("uid")
    owner = f",uid={uid},gid={uid}" if uid is not None else ""
    _mount("tmpfs", new + scratch, "tmpfs", MS_NOSUID | MS_NODEV, f"size={cfg['scratch_mb']}m,mode=0700{owner}")
    path = new + os.path.join(scratch, "main.py")
    with open(path, "wb") as f:
        f.write(code)
    if uid is not None:
        os.chown(path, uid, uid)
    held.append("scratch-tmpfs")
    # pivot_root(".", "."): the old root ends up under the new one and is detached at once.
    os.chdir(new)
    _check(_libc.syscall(SYS_PIVOT_ROOT, b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")
    try:
        _mount_setattr("/", True, set_=MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID)
        _mount_setattr(scratch, False, clr=MOUNT_ATTR_RDONLY)
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EINVAL, errno.EPERM):
            raise
        # Older kernels: each mount of the plan, and the root, read-only one by one.
        for kind, _src, dest in cfg["plan"]:
            if kind != "symlink":
                _mount(None, dest, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID)
        _mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    held.append("ro-fs")


def apply_limits(cfg: dict) -> None:
    cpu = int(cfg["cpu_s"])
    # Soft < hard so the program gets SIGXCPU first; hard SIGKILL one second later.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (cfg["mem_bytes"], cfg["mem_bytes"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (cfg["fsize_bytes"], cfg["fsize_bytes"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    resource.setrlimit(resource.RLIMIT_NPROC, (cfg["nproc"], cfg["nproc"]))


def drop_privileges(cfg: dict) -> None:
    uid = cfg.get("uid")
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    # Empty the capability bounding set so exec'ing as (namespace) root gains nothing back.
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
            break
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


# --- seccomp: a small deny-list (x86-64 only) ------------------------------------------------------
# Namespaces do not cover path-named UNIX sockets (a world-writable socket anywhere on the host stays
# connectable), and namespace root could otherwise mount, unshare or ptrace. Denied calls fail with
# EPERM; clone3 gets ENOSYS so libc falls back to clone, whose namespace flags are checked.
AUDIT_ARCH_X86_64 = 0xC000003E
RET_ALLOW, RET_EPERM, RET_ENOSYS = 0x7FFF0000, 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS
DENIED_SYSCALLS = {
    101: "ptrace", 165: "mount", 166: "umount2", 272: "unshare", 308: "setns", 155: "pivot_root",
    161: "chroot", 246: "kexec_load", 175: "init_module", 313: "finit_module", 176: "delete_module",
    248: "add_key", 249: "request_key", 250: "keyctl", 321: "bpf", 298: "perf_event_open",
    323: "userfaultfd", 310: "process_vm_readv", 311: "process_vm_writev", 303: "name_to_handle_at",
    304: "open_by_handle_at", 428: "open_tree", 429: "move_mount", 430: "fsopen", 432: "fsmount",
    442: "mount_setattr", 167: "swapon", 168: "swapoff", 169: "reboot", 163: "acct",
}
SYS_SOCKET, SYS_CLONE, SYS_CLONE3, AF_UNIX = 41, 56, 435, 1
CLONE_NAMESPACE_FLAGS = 0x7E020000  # NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_SockFilter))]


def _seccomp_program() -> list[tuple[int, int, int, int]]:
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    prog = [(ld, 0, 0, 4), (jeq, 1, 0, AUDIT_ARCH_X86_64), (ret, 0, 0, RET_EPERM), (ld, 0, 0, 0),
            (jge, 0, 1, 0x40000000), (ret, 0, 0, RET_EPERM)]  # x32 ABI numbers: refuse
    for nr in DENIED_SYSCALLS:
        prog += [(jeq, 0, 1, nr), (ret, 0, 0, RET_EPERM)]
    prog += [(jeq, 0, 1, SYS_CLONE3), (ret, 0, 0, RET_ENOSYS),
             (jeq, 0, 4, SYS_SOCKET), (ld, 0, 0, 16), (jeq, 0, 1, AF_UNIX), (ret, 0, 0, RET_EPERM),
             (ret, 0, 0, RET_ALLOW),
             (jeq, 0, 3, SYS_CLONE), (ld, 0, 0, 16), (jset, 0, 1, CLONE_NAMESPACE_FLAGS), (ret, 0, 0, RET_EPERM),
             (ret, 0, 0, RET_ALLOW)]
    return prog


def install_seccomp() -> bool:
    import platform

    if platform.machine() not in ("x86_64", "AMD64"):
        return False
    prog = _seccomp_program()
    filters = (_SockFilter * len(prog))(*[_SockFilter(*ins) for ins in prog])
    fprog = _SockFprog(len(prog), filters)
    PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "seccomp")
    return True


def exec_program(cfg: dict) -> None:
    os.chdir(cfg["scratch"])
    apply_limits(cfg)
    drop_privileges(cfg)
    if cfg.get("seccomp"):
        install_seccomp()
    python = cfg["python"]
    os.execve(python, [python, "-I", "main.py"], cfg["env"])


def _report(fd: int | None, payload: dict) -> None:
    if fd is None:
        return
    os.write(fd, (json.dumps(payload) + "\n").encode())


def main() -> None:
    cfg = json.loads(sys.argv[1])
    fd = cfg.get("report_fd")
    held: list[str] = []
    if not cfg["as_init"]:
        _report(fd, {"held": held})
        if fd is not None:
            os.close(fd)
        exec_program(cfg)
        return
    try:
        if cfg["mounts"]:
            setup_root(cfg, held)
        elif cfg.get("uid") is not None:  # bwrap made the scratch tmpfs, as root: hand it to the program's uid
            os.chown(cfg["scratch"], cfg["uid"], cfg["uid"])
    except OSError as exc:  # fail closed: without the allow-list root the program does not run
        why = f"sandbox: the program's allow-list filesystem could not be made ({exc}); program not run"
        os.write(2, (why + "\n").encode())
        _report(fd, {"held": held, "refused": why})
        os._exit(126)
    child = os.fork()
    if child == 0:
        try:
            if fd is not None:
                os.close(fd)
            exec_program(cfg)
        except BaseException as exc:  # noqa: BLE001 - the parent must always hear why
            os.write(2, f"sandbox: could not start the program: {exc!r}\n".encode())
        finally:
            os._exit(126)
    _report(fd, {"held": held})
    while True:  # PID 1 reaps every orphan; stops when the model's own program ends
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(125)
        if pid == child:
            break
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + (sig or 0)
    _report(fd, {"exit_code": code, "signal": signal.Signals(sig).name if sig else None})
    os._exit(code)


if __name__ == "__main__":
    main()
