"""Moves: registry, prompt loading, and the helpers every move shares.

A move is a plain async function `fn(MoveInput) -> MoveOutcome`, registered with `@move(...)`: the
registered function is the general one (prose, on the notebook); a problem family maps a move's
name to its own function on its workspace (strategies/family.py). A move returns findings; it never
decides what happens next (the judge does).
Third-party moves register the same way from their own module, which Polya imports through the
`polya.moves` entry point group.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import re
import string
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, BeforeValidator, Field

from agent.backends.base import Message
from agent.tools import ToolResult
from agent.trace.events import Findings

BUILTIN_MODULES = ("understand", "obvious", "examples", "patterns", "counterexamples", "backwards", "reframe",
                   "attempt")


class MoveContext(Protocol):
    """What a move may use of the run (agent.loop.context.RunContext implements it): one recorded,
    budgeted model call (structured or free text), one sandboxed program run, the trace, the
    run's seeded RNG and settings. Moves depend on this, not on the loop."""

    rng: Any
    settings: Any
    step: int

    async def ask(self, purpose: str, messages: list[Message], output_type: type[BaseModel], *,
                  max_tokens: int | None = None, temperature: float | None = None) -> tuple[Any, Any]: ...

    async def ask_text(self, purpose: str, messages: list[Message], *, max_tokens: int | None = None,
                       temperature: float | None = None) -> tuple[str, Any]: ...

    async def run_code(self, code: str) -> ToolResult: ...

    def emit(self, event: Any) -> Any: ...


@dataclass
class MoveInput:
    ctx: MoveContext         # agent.loop.context.RunContext
    problem: Any             # a Problem
    state: Any               # agent.loop.state.RunState
    attack_goal: str = ""
    choice: Any = None       # the listed option the controller picked (agent.workspace.boards.StepChoice)
    family: Any = None       # the problem's family (strategies.family.Family): its prompt block


@dataclass
class MoveOutcome:
    findings: Findings = field(default_factory=Findings)
    summary: str = ""
    plans: list[str] = field(default_factory=list)   # only `understand` proposes lines of attack
    check: str = ""          # only `obvious`: how its answer was checked (agrees, disagrees, verifier, ...)


MoveFn = Callable[[MoveInput], Awaitable[MoveOutcome]]


@dataclass(frozen=True)
class MoveSpec:
    name: str
    description: str      # one line, shown to the LLM controller
    fn: MoveFn
    uses_code: bool = False


_REGISTRY: dict[str, MoveSpec] = {}


def move(name: str, description: str, *, uses_code: bool = False) -> Callable[[MoveFn], MoveFn]:
    """Register a move under `name`. Later registrations replace earlier ones (so a plugin can
    override a built-in move on purpose)."""

    def register(fn: MoveFn) -> MoveFn:
        _REGISTRY[name] = MoveSpec(name, description, fn, uses_code)
        return fn

    return register


def import_all(modules: tuple[str, ...], group: str) -> None:
    """Import the built-in `strategies.<module>`s, then every module the entry point `group` names:
    importing a module runs its registering decorators (@move, @family)."""
    for mod in modules:
        importlib.import_module(f"strategies.{mod}")
    for ep in importlib.metadata.entry_points(group=group):
        ep.load()


@cache
def _load_all() -> None:
    import_all(BUILTIN_MODULES, "polya.moves")


def registry() -> dict[str, MoveSpec]:
    """Every move: the built-in ones in BUILTIN_MODULES order (the controller lists them in this
    order, whichever module a family imported first), then plugins in registration order."""
    _load_all()
    builtin = {name: _REGISTRY[name] for name in BUILTIN_MODULES if name in _REGISTRY}
    return builtin | {name: spec for name, spec in _REGISTRY.items() if name not in builtin}


def get_move(name: str) -> MoveSpec:
    moves = registry()
    if name not in moves:
        from agent.errors import InputError

        raise InputError(f"unknown move {name!r}; known moves: {', '.join(sorted(moves))}")
    return moves[name]


OPENING_MOVES = ("understand", "obvious")


def solving_moves() -> list[str]:
    """Moves a controller may choose (everything but the opening moves)."""
    return [n for n in registry() if n not in OPENING_MOVES]


# -- output types -------------------------------------------------------------------------------
def clipped(limit: int) -> Any:
    """A string the JSON schema bounds (so a grammar-constrained reply closes within max_tokens)
    and validation clips (so a server that ignores maxLength does not fail the call)."""
    return Annotated[str, BeforeValidator(lambda v: v[:limit] if isinstance(v, str) else v), Field(max_length=limit)]


def clipped_list(items: int, chars: int = 240) -> Any:
    """A list bounded in the schema (maxItems) and clipped, not rejected, when longer."""
    return Annotated[list[clipped(chars)], BeforeValidator(lambda v: v[:items] if isinstance(v, list) else v),
                     Field(max_length=items)]


def token_room(output_type: type[BaseModel], *, chars_per_token: float = 1.6, overhead: int = 40) -> int:
    """Tokens a reply needs when every bounded string and list is full. Grammar-constrained decoding
    only closes the JSON if max_tokens leaves this much room; otherwise the reply is cut mid-string
    and the call fails (this is how `cot` lost 4 of 6 replies at 512 tokens). Digits are one token
    each in Qwen's vocabulary: a digit-heavy reasoning string measured 1.87 characters per token,
    so 1.6 is the planning figure."""
    chars = 0
    for prop in output_type.model_json_schema().get("properties", {}).values():
        if prop.get("type") == "array":
            chars += prop.get("maxItems", 1) * prop.get("items", {}).get("maxLength", 20)
        else:
            chars += prop.get("maxLength", 12)      # numbers, booleans and enums are short
    return int(chars / chars_per_token) + overhead


# -- prompts ----------------------------------------------------------------------------------
@cache
def load_prompt(name: str) -> str:
    return resources.files("strategies").joinpath("prompts", f"{name}.md").read_text(encoding="utf-8")


def render(name: str, **values: Any) -> str:
    return string.Template(load_prompt(name)).safe_substitute(**values).strip()


def describe_problem(problem: Any) -> str:
    describe = getattr(problem, "describe", None)
    return describe() if callable(describe) else problem.statement


def _problem_text(inp: MoveInput) -> str:
    """The problem as a move's prompt shows it: as its family describes it, else as it describes itself."""
    return inp.family.describe(inp.problem) if inp.family is not None else describe_problem(inp.problem)


def kind_hint(problem: Any) -> str:
    try:
        return load_prompt(f"hint_{problem.kind}").strip()
    except FileNotFoundError:
        return ""


def messages(inp: MoveInput, instruction: str, *, text: bool = False) -> list[Message]:
    """System prompt, then problem, notebook and attack, then the move's instruction last, so the
    prefix (system + problem) is identical across calls and llama.cpp's prefix cache is hit.
    `text=True`: the system prompt for a plain-text reply (reasoning, then an answer line)."""
    hint = kind_hint(inp.problem)
    block = inp.family.prompt_block(inp.state) if inp.family is not None else None
    user = (
        f"PROBLEM\n{_problem_text(inp)}\n"
        + (f"\nHINTS FOR THIS KIND OF PROBLEM\n{hint}\n" if hint else "")
        + f"\nNOTEBOOK (what is known so far)\n{inp.state.notebook.render(attack_id=inp.state.current_attack)}\n"
        + (f"\n{block[0]}\n{block[1]}\n" if block else "")
        + f"\nCURRENT LINE OF ATTACK\n{inp.attack_goal or '(none yet)'}\n"
        + f"\nYOUR TASK NOW\n{instruction}"
    )
    system = load_prompt("system_text" if text else "system").strip()
    return [Message(role="system", content=system), Message(role="user", content=user)]


def text_messages(inp: MoveInput, instruction: str) -> list[Message]:
    """For a reply in plain text (reasoning, then an answer line): a system prompt that does not ask
    for JSON, the problem, and the task. The 1.5B model answers `{"Answer": 16}` to the JSON-minded
    system prompt even when the task asks for steps."""
    return [Message(role="system", content=load_prompt("system_text").strip()),
            Message(role="user", content=f"PROBLEM\n{_problem_text(inp)}\n\nYOUR TASK\n{instruction}")]


# -- answers in free text -----------------------------------------------------------------------
class FinalAnswer(BaseModel):
    answer: clipped(120) = Field(description="the final answer only, in the format the problem asks for")


FINAL_ANSWER_MAX_TOKENS = 128     # fits FinalAnswer at its bound (token_room)


async def ask_final_answer(ctx: MoveContext, purpose: str, msgs: list[Message], reply: str) -> str:
    """For a free-text reply with no answer line: one short structured call for the final answer
    alone, with the reply shown. Raises BackendError like any call."""
    follow = msgs + [Message(role="assistant", content=reply),
                     Message(role="user", content="Give the final answer only.")]
    out, _ = await ctx.ask(purpose, follow, FinalAnswer, max_tokens=FINAL_ANSWER_MAX_TOKENS, temperature=0.0)
    return out.answer.strip()


# -- code-writing moves -------------------------------------------------------------------------
class Program(BaseModel):
    """A program a move wrote: parsed from a free-text reply (a fenced block; its plan is the prose
    before the block, else the block's first comment line)."""

    plan: str = ""
    code: str = ""


# The program first: asked for "one sentence saying what the program computes, then the program",
# the 1.5B model often wrote the sentence and stopped (every search program of the first
# counterexample-hunt bench rows on Goldbach's other conjecture, repair included).
CODE_FORMAT = ("Reply with the complete program in a single ```python fenced block whose first line is a "
               "comment saying what it computes, and nothing after the block.")
_FENCED = re.compile(r"```[ \t]*(?:python|py|Python)?[ \t]*\n(.*?)(?:\n[ \t]*```|\Z)", re.S)
PLAN_CHARS = 160


def parse_program(text: str) -> Program:
    """The first fenced block is the code (a reply cut before its closing fence keeps what it has);
    the prose before it is the plan. A reply with no fence is bare code if it parses as Python, and
    no program at all otherwise (the 1.5B model sometimes answers with prose or with the output it
    expects: running that only produces a SyntaxError)."""
    m = _FENCED.search(text)
    if m is None:
        try:
            ast.parse(text)
        except (SyntaxError, ValueError):
            return Program(plan=" ".join(text.split())[:PLAN_CHARS], code="")
        return Program(plan=_comment_plan(text), code=text.strip())
    code = m.group(1).rstrip()
    plan = " ".join(text[:m.start()].split())[:PLAN_CHARS] or _comment_plan(code)
    return Program(plan=plan, code=code)


def _comment_plan(code: str) -> str:
    """The first comment line of a program, as its plan."""
    for line in code.splitlines():
        if line.strip().startswith("#"):
            return " ".join(line.strip().lstrip("#").split())[:PLAN_CHARS]
        if line.strip():
            return ""
    return ""


async def write_and_run(inp: MoveInput, purpose: str, instruction: str, *, repairs: int = 1, prefix: str = "",
                        text: bool = False, keep_cut_output: bool = False, bare: bool = False, rewrite=None,
                        temperature: float | None = None):
    """Ask for a program, run it in the sandbox; on an error or empty output show the model what
    happened and let it repair once. Returns (Program, ToolResult) of the last attempt.
    `prefix`: code run before the model's (a problem's own definition); `text`: the plain-text
    system prompt; `keep_cut_output`: a run its time limit cut short is kept if it printed
    something (a search reports how far it got); `bare`: the problem and the task alone, without
    the notebook (an independent computation, not anchored on earlier answers); `rewrite`: applied to
    the model's code before it runs (the run's event records the code as run); `temperature`: of the
    first request (None: the run's), the repair samples at the run's."""
    ctx = inp.ctx
    task = f"{instruction}\n{CODE_FORMAT}"
    msgs = text_messages(inp, task) if bare else messages(inp, task, text=text)
    reply, _ = await ctx.ask_text(purpose, msgs, max_tokens=ctx.settings.code_max_tokens, temperature=temperature)
    program = parse_program(reply)
    result = await _run(ctx, program, prefix, rewrite)
    for _ in range(repairs):
        if result.stdout.strip() and (result.ok or (keep_cut_output and result.timed_out)):
            break
        msgs = msgs + [
            Message(role="assistant", content=reply),
            Message(role="user", content="You ran it. Output:\n" + result.for_prompt(800)
                    + "\nFix the program so it runs and prints its results. " + CODE_FORMAT),
        ]
        reply, _ = await ctx.ask_text(purpose + ":repair", msgs, max_tokens=ctx.settings.code_max_tokens)
        program = parse_program(reply)
        result = await _run(ctx, program, prefix, rewrite)
    return program, result


NO_PROGRAM = "no program in the reply"


async def _run(ctx, program: Program, prefix: str = "", rewrite=None) -> ToolResult:
    """Run the program (after `prefix`); a reply without one is not run (and not recorded as a run)."""
    if not program.code.strip():
        return ToolResult(stdout="", stderr="The reply had no ```python block with a program.", exit_code=None,
                          timed_out=False, killed_reason=NO_PROGRAM, duration_s=0.0)
    code = rewrite(program.code) if rewrite else program.code
    return await ctx.run_code(f"{prefix}\n\n{code}" if prefix.strip() else code)


_ANSWER_PREFIX = re.compile(r"^(?:the\s+)?(?:final\s+)?answer\s*(?:is)?\s*[:：=]?\s*", re.I)


def last_printed(stdout: str, *, strip_prefix: bool = True) -> str:
    """The last non-empty line a program printed, an "Answer:" prefix removed."""
    line = next((ln.strip() for ln in reversed(stdout.splitlines()) if ln.strip()), "")
    return (_ANSWER_PREFIX.sub("", line).strip() or line) if strip_prefix else line


def output_lines(text: str, limit: int = 12, width: int = 240) -> list[str]:
    lines = [ln.strip()[:width] for ln in text.splitlines() if ln.strip()]
    return lines[:limit]
