"""The command line's side of experience: `--experience FILE` names the file a `learned` policy
uses, and no run measures an experience file on a problem it learned from (exit 2, one line)."""

from __future__ import annotations

from agent.errors import InputError
from agent.policyspec import parse_policy


def with_experience(spec: str, experience: str | None) -> str:
    """`learned` with `--experience FILE` is `learned:FILE`; other policies take no file."""
    if experience is None:
        return spec
    if parse_policy(spec).name != "learned":
        raise InputError(f"--experience is for --policy learned, not {spec!r}")
    return f"learned:{experience}"


def refuse_seen(policies: list[str], problem_ids: list[str]) -> None:
    """InputError when a learned policy's experience file learned from one of these problems."""
    from agent.experience.model import load_experience

    for spec in policies:
        parsed = parse_policy(spec)
        if parsed.name == "learned":
            load_experience(str(parsed.options["experience"]) or None).check_unseen(problem_ids)
