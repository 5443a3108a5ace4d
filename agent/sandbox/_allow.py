"""The allow-list filesystem: the only paths a sandboxed program sees.

A run's root is a fresh, read-only tmpfs holding just these, bound read-only at their host paths:
- the interpreter (the venv's `python` and the symlinks it goes through), `pyvenv.cfg`, the standard
  library (its `site-packages` replaced by an empty directory) and the shared libraries the
  interpreter and the allowed extension modules load (`ldd`);
- the allowed packages (`ALLOWED_PACKAGES` and what they require), each bound alone into an
  otherwise empty site-packages, so `import agent` or any other installed package fails;
- a minimal `/etc` (this package's `etc/` files, plus the host's `ld.so.cache`);
- `/dev/null` and `/dev/urandom`;
- the run's own scratch directory (added per run by the launcher or the bootstrap).

Nothing else: not the checkout, `problems/`, traces, bench directories, homes, `/tmp`, `/proc`, ...
`plan()` computes the list once per process; `bwrap_args()` renders it for bubblewrap, and the
bootstrap (`_bootstrap.setup_root`) performs the same list itself on the `unshare` path.
"""

from __future__ import annotations

import functools
import glob
import importlib.metadata as metadata
import os
import re
import shutil
import subprocess
import sys
import sysconfig

# What a model-written program may import besides the standard library (with what they require).
ALLOWED_PACKAGES = ("sympy", "numpy")
ETC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "etc")
HOST_ETC_FILES = ("/etc/ld.so.cache",)  # the loader's index of the library directories bound below
DEVICES = ("/dev/null", "/dev/urandom")
# Where the libraries are when `ldd` is not there to say (e.g. musl systems).
FALLBACK_LIB_DIRS = ("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib")

# An op is (kind, source, destination): "bind" (read-only), "dev" (a device node), "empty" (an empty
# read-only directory over what is there), "symlink" (source is the link's text).
Op = tuple[str, str, str]


class AllowListError(RuntimeError):
    """The allow-list cannot be built here (a path the interpreter needs cannot be found)."""


def _under(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip("/") + "/")


def package_dists(names: tuple[str, ...] = ALLOWED_PACKAGES) -> list[metadata.Distribution]:
    """The installed distributions of `names` and, transitively, of what they require (extras left out);
    names not installed are skipped (numpy is optional)."""
    found: dict[str, metadata.Distribution] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found[key] = dist
        for req in dist.requires or []:
            if "extra" not in req.partition(";")[2]:
                todo.append(re.match(r"[A-Za-z0-9._-]+", req).group(0))
    return list(found.values())


def package_paths(dists: list[metadata.Distribution]) -> list[str]:
    """The top-level files and directories each distribution installed (sympy/, isympy.py, numpy.libs/, ...)."""
    paths = set()
    for dist in dists:
        for f in dist.files or []:
            top = f.parts[0]
            if top not in ("..", "__pycache__"):
                paths.add(os.path.abspath(str(dist.locate_file(top))))
    return sorted(p for p in paths if os.path.exists(p))


def shared_libraries(binaries: list[str]) -> list[str]:
    """Every library the loader resolves for `binaries`, and the loader itself (from `ldd`)."""
    ldd = shutil.which("ldd", path="/usr/bin:/bin")
    if ldd is None or not binaries:
        return []
    done = subprocess.run([ldd, *binaries], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
    libs = set()
    for line in done.stdout.splitlines():
        m = re.search(r"(?:=>\s+)?(/\S+)\s+\(0x", line)
        if m:
            libs.add(m.group(1))
    return sorted(libs)


def _ensure(path: str, ops: list[Op], bound: list[str]) -> None:
    """Ops that make `path` exist in the new root as on the host: each symlink on the way is recreated
    (and followed), and the real file or directory at the end is bound read-only."""
    path = os.path.abspath(path)
    if any(_under(path, b) for b in bound):
        return
    parts = path.strip("/").split("/")
    for i in range(1, len(parts) + 1):
        prefix = "/" + "/".join(parts[:i])
        if os.path.islink(prefix):
            target = os.readlink(prefix)
            if ("symlink", target, prefix) not in ops:
                ops.append(("symlink", target, prefix))
            resolved = os.path.join(os.path.dirname(prefix), target)
            _ensure(os.path.normpath(os.path.join(resolved, *parts[i:])), ops, bound)
            return
    if not os.path.exists(path):
        raise AllowListError(f"{path} is needed by the sandboxed interpreter but does not exist")
    ops.append(("bind", path, path))
    bound.append(path)


@functools.lru_cache(maxsize=1)
def plan() -> tuple[Op, ...]:
    """The allow-list as mount ops, in an order that works: binds (parents before children), then symlinks."""
    stdlib = sysconfig.get_paths()["stdlib"]
    dists = package_dists()
    packages = package_paths(dists)
    ops: list[Op] = []
    bound: list[str] = []
    _ensure(stdlib, ops, bound)
    site = [sysconfig.get_paths()[k] for k in ("purelib", "platlib")]
    site += [os.path.join(stdlib, "site-packages")]
    empties = sorted({p for p in site if os.path.isdir(p) and _under(p, stdlib)})
    ops += [("empty", p, p) for p in empties]   # the base interpreter's other packages
    for p in packages:
        _ensure(p, ops, [b for b in bound if not any(_under(p, e) for e in empties)])
        bound.append(p)
    _ensure(sys.executable, ops, bound)
    if sys.prefix != sys.base_prefix and os.path.isfile(os.path.join(sys.prefix, "pyvenv.cfg")):
        _ensure(os.path.join(sys.prefix, "pyvenv.cfg"), ops, bound)
    binaries = [os.path.realpath(sys.executable)]
    binaries += glob.glob(os.path.join(stdlib, "lib-dynload", "*.so"))
    binaries += [f for p in packages if os.path.isdir(p) for f in glob.glob(os.path.join(p, "**", "*.so*"),
                                                                             recursive=True)]
    python_dirs = [sys.prefix, sys.base_prefix, *packages]
    lib_dirs = set()
    for lib in shared_libraries(binaries):
        if any(_under(os.path.realpath(lib), d) for d in python_dirs):
            _ensure(lib, ops, bound)          # libpython: the file alone, not its directory
        else:
            lib_dirs.add(os.path.dirname(lib))
    if not lib_dirs:
        lib_dirs = {d for d in FALLBACK_LIB_DIRS if os.path.isdir(d)}
    for d in sorted(lib_dirs):   # includes the loader's, by the path the ELF header names (/lib64)
        _ensure(d, ops, bound)
    for name in sorted(os.listdir(ETC_DIR)):
        ops.append(("bind", os.path.join(ETC_DIR, name), f"/etc/{name}"))
    ops += [("bind", f, f) for f in HOST_ETC_FILES if os.path.isfile(f)]
    ops += [("dev", d, d) for d in DEVICES]
    mounts = sorted((op for op in ops if op[0] != "symlink"), key=lambda op: op[2])
    return tuple(mounts + [op for op in ops if op[0] == "symlink"])


def bwrap_args(scratch: str, scratch_mb: int) -> list[str]:
    """The plan for bubblewrap (whose root is an empty tmpfs already), then the scratch tmpfs and
    `main.py` (bound from the host's scratch dir), and every mount but the scratch read-only."""
    args: list[str] = []
    made: set[str] = set()

    def parents(path: str) -> None:
        d, chain = os.path.dirname(path), []
        while d != "/" and d not in made:
            chain.insert(0, d)
            d = os.path.dirname(d)
        for p in chain:   # explicit 0755 dirs: the throw-away uid must be able to traverse them
            args.extend(["--perms", "0755", "--dir", p])
            made.add(p)

    for kind, src, dest in plan():
        parents(dest)
        if kind == "symlink":
            args += ["--symlink", src, dest]
        elif kind == "empty":
            args += ["--perms", "0755", "--size", "4096", "--tmpfs", dest]
        else:
            args += ["--dev-bind" if kind == "dev" else "--ro-bind", src, dest]
        made.add(dest)   # no `--dir` inside what is mounted here (a bind is read-only)
    parents(os.path.join(scratch, "main.py"))
    args += ["--remount-ro", "/"] + [a for kind, _src, dest in plan() if kind == "empty" for a in ("--remount-ro", dest)]
    main = os.path.join(scratch, "main.py")
    return args + ["--perms", "0700", "--size", str(scratch_mb << 20), "--tmpfs", scratch, "--ro-bind", main, main]
