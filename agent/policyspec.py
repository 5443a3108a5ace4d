"""Policy specs: the one grammar and the one list of policy names that `polya run`, `polya bench`,
the Python API, `agent.loop.policies.make_policy` and the baselines all read.

Grammar: `NAME` or `NAME:OPTIONS`, OPTIONS comma-separated. An option is `key=N`, a bare `N` for
the policy's positional option (`self-consistency:7` is `self-consistency:k=7`), or a flag
(`random:bare`); `fixed` takes move names (`fixed:examples,backwards`). `+` may stand for `,`
inside one spec (`tot:b=2+values=1`), which a shell or a comma-separated list of policies never
splits. In a list (`bench --policies`), a piece that is not a policy name continues the options of
the policy before it: `cot,tot:b=2,values=1,llm` is cot, tot:b=2,values=1 and llm.

This module sits low in the layers: it imports nothing of the loop, the bench or the CLI (the
move names come from `strategies.base.registry`, read only when a `fixed` spec is parsed).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from agent.errors import InputError


@dataclass(frozen=True)
class Option:
    name: str
    default: int | bool | str      # a str default: the option is text (a file path), taken as written
    help: str
    minimum: int = 1

    @property
    def flag(self) -> bool:
        return isinstance(self.default, bool)


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    family: str            # "loop" (the metacognitive loop's controller) or "baseline"
    summary: str           # one line: what it does and which model calls it makes
    options: tuple[Option, ...] = ()
    positional: str = ""   # the option a bare value sets (`tot:5` is `tot:b=5`)
    takes_moves: bool = False

    def usage(self) -> str:
        if self.takes_moves:
            return f"{self.name}:MOVE,MOVE,..."
        if not self.options:
            return self.name
        opts = ",".join(o.name if o.flag else f"{o.name}=FILE" if isinstance(o.default, str) else f"{o.name}=N"
                        for o in self.options)
        return f"{self.name}[:{opts}]"


# The one list. Order: the loop's controllers, then the baselines.
POLICIES: dict[str, PolicyInfo] = {p.name: p for p in (
    PolicyInfo("llm", "loop", "the loop; the model chooses each move and judges each step"),
    PolicyInfo("bandit", "loop", "the loop; UCB1 chooses moves by the judge's progress reward; moves and judge "
                                 "still call the model"),
    PolicyInfo("random", "loop", "the loop's ablation: its choices (move, line of attack, listed option) are "
                                 "uniform at random and its judge asks no model; the moves still make their own "
                                 "model calls (word problems, claims), none on countdown boards",
               (Option("bare", False, "also drop the shared closing rule"),)),
    PolicyInfo("learned", "loop", "the loop; steps chosen and judged by values learned from Polya's own traces "
                                  "(docs/experience.md), no model call on countdown boards",
               (Option("experience", "", "experience file (default: the one shipped)"),), positional="experience"),
    PolicyInfo("fixed", "loop", "the loop; cycles through the given moves in order", takes_moves=True),
    PolicyInfo("direct", "baseline", "one call, the answer only (greedy)"),
    PolicyInfo("cot", "baseline", "one chain-of-thought call ending in 'Answer:'"),
    PolicyInfo("self-consistency", "baseline", "k chain-of-thought samples, majority vote",
               (Option("k", 5, "samples"),), positional="k"),
    PolicyInfo("tot", "baseline", "breadth-first Tree-of-Thoughts, countdown-family problems only",
               (Option("b", 5, "boards kept per level"), Option("proposals", 8, "proposals per board"),
                Option("values", 1, "value samples per board")), positional="b"),
    PolicyInfo("pot", "baseline", "program of thought: the model writes one program, the sandbox runs it",
               (Option("repairs", 0, "times a failed program is shown back to be fixed", minimum=0),),
               positional="repairs"),
    PolicyInfo("fit", "baseline", "the exact sequence guessers alone (agent/workspace/guess.py), sequences only, "
                                 "no model call"),
)}


@dataclass(frozen=True)
class PolicySpec:
    name: str
    options: dict[str, int | bool] = field(default_factory=dict)   # every option, defaults filled in
    moves: tuple[str, ...] = ()                                     # fixed only
    text: str = ""          # as written, `+` read as `,`: the name bench rows and traces record

    @property
    def info(self) -> PolicyInfo:
        return POLICIES[self.name]

    @property
    def is_baseline(self) -> bool:
        return self.info.family == "baseline"

    def __str__(self) -> str:
        return self.text or self.name


def names_text() -> str:
    """The policies as one line, for errors."""
    return ", ".join(p.usage() for p in POLICIES.values())


def help_text() -> str:
    """The list with one line per policy, for `--help` epilogs and docs/cli.md."""
    width = max(len(p.usage()) for p in POLICIES.values())
    lines = ["policies (NAME or NAME:OPTIONS; '+' may stand for ',' inside one policy):"]
    for p in POLICIES.values():
        lines += textwrap.wrap(p.summary, 96, initial_indent=f"  {p.usage():<{width}}  ",
                               subsequent_indent=" " * (width + 4))
    return "\n".join(lines)


def parse_policy(text: str) -> PolicySpec:
    """`name[:options]` -> PolicySpec; InputError (exit 2) naming the real names otherwise."""
    spec = text.strip()
    name, _, rest = spec.partition(":")
    info = POLICIES.get(name.strip())
    if info is None:
        raise InputError(f"unknown policy {name.strip()!r}; policies: {names_text()}")
    parts = [p.strip() for p in rest.replace("+", ",").split(",") if p.strip()]
    text = f"{info.name}:{','.join(parts)}" if parts else info.name
    if info.takes_moves:
        return PolicySpec(info.name, moves=_moves(spec, parts), text=text)
    known = {o.name: o for o in info.options}
    values: dict[str, int | bool] = {o.name: o.default for o in info.options}
    for part in parts:
        key, eq, raw = part.partition("=")
        if not eq and key in known and known[key].flag:
            values[key] = True
            continue
        if not eq:
            key, raw = info.positional, key
        option = known.get(key)
        if option is None or option.flag:
            takes = ", ".join(o.name for o in info.options) or "no options"
            raise InputError(f"policy {spec!r}: unknown option {part!r}; {info.name} takes {takes}"
                             f" (usage: {info.usage()})")
        if isinstance(option.default, str):
            values[key] = raw
            continue
        try:
            number = int(raw)
        except ValueError:
            raise InputError(f"policy {spec!r}: option {key} must be a whole number, got {raw!r}") from None
        if number < option.minimum:
            raise InputError(f"policy {spec!r}: option {key} must be at least {option.minimum}, got {number}")
        values[key] = number
    return PolicySpec(info.name, values, text=text)


def _moves(spec: str, moves: list[str]) -> tuple[str, ...]:
    from strategies.family import move_names  # read here: the moves' package sits above this module

    known = sorted(move_names())
    unknown = [m for m in moves if m not in known]
    if not moves or unknown:
        what = f"unknown move(s) {', '.join(map(repr, unknown))}" if unknown else "no moves given"
        raise InputError(f"policy {spec!r}: {what}; moves: {', '.join(known)} (e.g. fixed:examples,backwards)")
    return tuple(moves)


def parse_policy_list(text: str) -> list[PolicySpec]:
    """A comma-separated list of policies (`bench --policies`): a piece that is not a policy name
    continues the options of the policy before it, if that one has options (`tot:b=2,values=1`)."""
    pieces: list[str] = []
    for piece in (p.strip() for p in text.split(",")):
        if not piece:
            continue
        if pieces and ":" in pieces[-1] and piece.split(":", 1)[0] not in POLICIES:
            pieces[-1] += "," + piece
        else:
            pieces.append(piece)
    if not pieces:
        raise InputError(f"no policy given; policies: {names_text()}")
    return [parse_policy(p) for p in pieces]
