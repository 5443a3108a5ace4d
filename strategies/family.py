"""Problem families: the unit of code. One package per kind of problem, one small protocol.

A family holds what a person brings to one kind of problem: a typed workspace (the exact working
state), the moves that compute on it, the hard signals that give a verdict without a model call,
and a compact summary for prompts. The loop (agent/loop) knows this protocol, never a family.

    start(problem)          -> the workspace (None: the notebook alone)
    opening(problem)        -> the moves of the first step(s): ("obvious", "understand") ...
    move_fn(name)           -> the function that runs move `name` on this family
    offered_moves()         -> the moves a controller may choose on this family's problems
    options(state, attack)  -> the listed one-step options (a family whose steps are listed), else None
    verdict(state, ...)     -> the verdict of its hard signals, or None where the model is asked
                               (a policy's learned node value may stand in for its estimate)
    settled(state)          -> (answer, reason) when the run's own methods settle the answer
    prompt_block(state)     -> (title, text) shown in every move's prompt, or None
    workspace_text(state)   -> the workspace in a few lines, for the controller's prompts
    final_answer(state)     -> the answer to grade after the run when none was accepted

A new family is a package with a `Family` subclass and one registration: `@family` in the package
and its module named in BUILTIN_FAMILIES, or, from another distribution, the `polya.families`
entry point (docs/extending.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar

from strategies.base import MoveFn, describe_problem, get_move, import_all, registry, solving_moves

# Built-in families, most specific first: the first whose `matches` accepts a problem takes it.
BUILTIN_FAMILIES = ("countdown", "answers", "hunts", "sequences", "exploration", "general")


@dataclass
class Signals:
    """Hard facts about the step just taken, for the judge and a family's verdict."""

    move: str
    new_findings: int
    move_error: str | None = None
    rejections: list[str] = field(default_factory=list)   # verifier reasons for answers rejected this step
    persist_streak: int = 0                               # times this move ran in a row in this attack
    attack_progress: list[float] = field(default_factory=list)  # earlier verdicts in this attack
    attack_moves: int = 1                                 # moves taken in this attack, this one included
    refuted: bool = False                                 # this step found a counterexample
    budget_used: float = 0.0                              # fraction of the tightest budget spent
    judge_skipped: str = ""                               # why the model was not asked (answer reserve)


@dataclass
class Combined:
    """A verdict: the decision, measured or judged progress, and why (with the rules that fired)."""

    decision: str
    progress: float
    reason: str
    evidence: list[str]
    overrides: list[str]
    model_decision: str | None


@dataclass
class Family:
    """The protocol, with the defaults of a family that has no workspace of its own. A family is a
    dataclass: its fields are its typed parameters (thresholds, limits), recorded in the trace
    (`run_start.config.family_params`) so a rerun builds the same one: `HuntsFamily(let_go_after=5)`."""

    name: ClassVar[str] = "family"
    # Bumped when the family's moves, listing or verdicts change what a run decides: a trace records
    # it (run_start.versions.family), and an exact rerun of a trace made by another version is
    # refused, as for the loop's own version; traces of the other families still rerun.
    version: ClassVar[str] = "1"
    moves: ClassVar[dict[str, MoveFn]] = {}      # this family's own implementations, by move name
    lists_options: ClassVar[bool] = False        # True: the controller picks among `options`
    methods: ClassVar[dict[str, str] | None] = None   # one line per move, for a compact controller
    # Moves of this family alone (name -> one line for the controller), offered on its problems
    # only: a registered move (strategies.base.move) is offered on every problem.
    own_moves: ClassVar[dict[str, str]] = {}
    # False for a family whose `attempt` is a tool (no model call): its runs keep no answer reserve,
    # since tokens only an attempt may spend would be tokens nothing spends.
    attempt_calls_model: ClassVar[bool] = True

    @classmethod
    def matches(cls, problem: Any) -> bool:
        raise NotImplementedError

    def start(self, problem: Any) -> Any:
        return None

    def opening(self, problem: Any) -> tuple[str, ...]:
        """The first step(s). `obvious` is one plain attempt checked by another method: when its
        check agrees the run ends there; otherwise the run goes on to the next opening move."""
        return ("understand",)

    def move_fn(self, name: str) -> MoveFn:
        """This family's implementation of `name`, else the registered move (a plugin's, or the
        general prose move)."""
        fn = self.bound_moves().get(name)
        if fn is None and name not in registry() and name in move_names():   # another family's own move
            from agent.errors import InputError

            raise InputError(f"move {name!r} is not offered on {self.name} problems; "
                             f"moves here: {', '.join(self.offered_moves())}")
        return fn or get_move(name).fn

    def offered_moves(self) -> list[str]:
        """The moves a controller may choose here: every registered solving move, then this
        family's own moves (in its `own_moves` order)."""
        return solving_moves() + [m for m in self.own_moves if m not in registry()]

    def bound_moves(self) -> dict[str, MoveFn]:
        """The moves as configured by this instance's parameters (default: the class's `moves`)."""
        return self.moves

    def params(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def options(self, state: Any, attack_id: str) -> list | None:
        return None

    def verdict(self, state: Any, attack: Any, signals: Signals, node_value: Any = None) -> Combined | None:
        """`node_value(workspace, node)`: a policy's learned (value, looks-dead threshold) of a node,
        for a family whose verdicts can use one (countdown), else None."""
        return None

    def settled(self, state: Any) -> tuple[str, str] | None:
        return None

    def prompt_block(self, state: Any) -> tuple[str, str] | None:
        return None

    def describe(self, problem: Any) -> str:
        """The problem as this family's move prompts show it (default: as the problem describes itself)."""
        return describe_problem(problem)

    def workspace_text(self, state: Any) -> str:
        block = self.prompt_block(state)
        return block[1] if block else ""

    def summary(self, state: Any) -> dict | None:
        ws = state.workspace
        return ws.summary() if ws is not None and hasattr(ws, "summary") else None

    def final_answer(self, state: Any) -> str | None:
        return None

    def attempts_at_end(self, problem: Any) -> bool:
        """Whether the last affordable step is forced to `attempt` (a run that ends with no answer
        proposed cannot be solved)."""
        return bool(problem.has_exact_verifier)


_FAMILIES: list[type[Family]] = []


def family(cls: type[Family]) -> type[Family]:
    """Register a family (a class decorator)."""
    _FAMILIES.append(cls)
    return cls


@cache
def _load_all() -> None:
    import_all(BUILTIN_FAMILIES, "polya.families")


def families() -> list[type[Family]]:
    """Every registered family in the order they are tried: plugins first (the latest registered
    first, so a plugin can take a kind over), then the built-in ones in BUILTIN_FAMILIES order."""
    _load_all()
    builtin = {f"strategies.{name}": i for i, name in enumerate(BUILTIN_FAMILIES)}
    plugins = [cls for cls in reversed(_FAMILIES) if cls.__module__ not in builtin]
    return plugins + sorted((cls for cls in _FAMILIES if cls.__module__ in builtin),
                            key=lambda cls: builtin[cls.__module__])


def move_names() -> list[str]:
    """Every move a policy may name: the registered ones, then the families' own moves."""
    names = list(registry())
    for cls in families():
        names += [m for m in cls.own_moves if m not in names]
    return names


def family_named(name: str) -> type[Family] | None:
    """The registered family called `name` (a trace's `config.family`), if any."""
    return next((cls for cls in families() if cls.name == name), None)


def family_for(problem: Any, params: dict[str, Any] | None = None) -> Family:
    """The family that takes this problem: the first registered one whose `matches` accepts it,
    built with `params` (its dataclass fields; a trace's `config.family_params`)."""
    for cls in families():
        if cls.matches(problem):
            return cls(**(params or {}))
    raise LookupError(f"no problem family takes kind {getattr(problem, 'kind', '?')!r}")
