"""Strategy-trace events. One JSON object per line; `type` selects the pydantic model.

Every event carries `schema_version`, `run_id`, `seq` (0, 1, 2, ... within a run) and `ts` (unix
time, informational only: no decision depends on it). LLM calls and tool runs are recorded whole:
that is what lets `polya replay --rerun` re-execute a run with zero model calls.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)   # 2: llm_call messages may hold content_parts (agent/trace/blocks.py)

RunStatus = Literal["solved", "unsolved", "budget", "gave_up", "error", "interrupted"]
Decision = Literal["persist", "switch", "abandon", "solved", "give_up"]


class EventBase(BaseModel):
    schema_version: int = SCHEMA_VERSION
    run_id: str
    seq: int = 0
    ts: float = Field(default_factory=time.time)


class ForkInfo(BaseModel):
    parent_trace: str
    parent_run_id: str
    fork_step: int


class RunStart(EventBase):
    type: Literal["run_start"] = "run_start"
    problem: dict[str, Any]            # the validated problem, dumped
    problem_file: str | None = None
    backend: str                       # backend spec string (never holds keys)
    policy: str
    budget: dict[str, Any]
    seed: int
    config: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)
    fork: ForkInfo | None = None
    resumed_from: str | None = None


class AttackOpen(EventBase):
    type: Literal["attack_open"] = "attack_open"
    step: int
    attack_id: str
    goal: str
    reason: str = ""


class AttackClose(EventBase):
    type: Literal["attack_close"] = "attack_close"
    step: int
    attack_id: str
    status: Literal["abandoned", "succeeded", "open"]
    reason: str = ""


class ControllerChoice(EventBase):
    type: Literal["controller"] = "controller"
    step: int
    policy: str
    move: str
    attack_id: str
    new_attack: bool = False
    reason: str = ""


class MoveStart(EventBase):
    type: Literal["move_start"] = "move_start"
    step: int
    move: str
    attack_id: str


class LLMCall(EventBase):
    type: Literal["llm_call"] = "llm_call"
    step: int
    call_index: int                    # 0, 1, 2 ... over the whole run: replay serves them in this order
    purpose: str
    request: dict[str, Any]            # LLMRequest dumped (output_type excluded, schema kept)
    fingerprint: str
    response: dict[str, Any] | None = None   # LLMResponse dumped
    error: dict[str, Any] | None = None      # {"type", "message", "usage"?} when the call failed
    replayed: bool = False                   # served from a parent trace (rerun, fork, resume): not paid for
    # The prompt size the token ceiling used for this call (the backend's exact count, or the
    # estimate when it cannot count); replay hands it back so a rerun clips max_tokens the same way.
    budget_prompt_tokens: int | None = None


class ToolRun(EventBase):
    type: Literal["tool_run"] = "tool_run"
    step: int
    tool_index: int
    tool: str = "python"
    code: str
    stdout: str = ""
    stderr: str = ""
    exit_code: int | None = None
    timed_out: bool = False
    killed_reason: str | None = None
    duration_s: float = 0.0
    isolation: str = ""                # what contained it; "none: refused" when isolation was missing


class Findings(BaseModel):
    # Provenance of every entry: "model" (claimed by the model, unchecked), "tool:NAME" (computed by
    # an exact tool), "program" (printed by a program run in the sandbox), "checked" (a model claim
    # a tool confirmed). A model claim a tool refuted is recorded as a counterexample, never a fact.
    source: str = "model"
    facts: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    conjectures: list[str] = Field(default_factory=list)
    counterexamples: list[str] = Field(default_factory=list)
    candidates: list[str] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not any((self.facts, self.examples, self.conjectures, self.counterexamples, self.candidates))


class ToolCall(EventBase):
    """One call of an exact tool (agent/workspace): what was asked and what it computed. Tools are
    pure functions of the workspace, so a rerun recomputes them; the record is for reading."""

    type: Literal["tool_call"] = "tool_call"
    step: int
    tool: str                          # "near_target", "backward_options", "take", ...
    args: dict[str, Any] = Field(default_factory=dict)
    result: str = ""                   # what the tool computed, as text
    chosen_by: str = ""                # for a choice among listed options: "model", "random", "rule"


class MoveEnd(EventBase):
    type: Literal["move_end"] = "move_end"
    step: int
    move: str
    attack_id: str
    summary: str = ""
    findings: Findings = Field(default_factory=Findings)
    new_findings: int = 0              # how many were not already in the notebook
    error: str | None = None
    workspace: dict[str, Any] | None = None   # the typed workspace after the move (countdown: nodes)


class Verification(EventBase):
    type: Literal["verification"] = "verification"
    step: int
    attack_id: str
    candidate: str
    ok: bool
    verified: bool                     # False for kinds with no exact verifier
    reason: str = ""
    graded_after_run: bool = False     # graded against the hidden reference once the run had ended


class Verdict(EventBase):
    type: Literal["verdict"] = "verdict"
    step: int
    attack_id: str
    move: str
    decision: Decision
    progress: float = Field(ge=0.0, le=1.0)
    reason: str = ""
    evidence: list[str] = Field(default_factory=list)
    model_decision: Decision | None = None    # what the LLM said before hard signals
    overrides: list[str] = Field(default_factory=list)


class BudgetState(BaseModel):
    steps: int = 0
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0
    wall_s: float = 0.0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class RunEnd(EventBase):
    type: Literal["run_end"] = "run_end"
    status: RunStatus
    answer: str | None = None
    verified: bool = False
    reason: str = ""
    used: BudgetState = Field(default_factory=BudgetState)
    attacks: int = 0
    error: str | None = None


Event = Annotated[
    RunStart | AttackOpen | AttackClose | ControllerChoice | MoveStart | LLMCall | ToolRun | ToolCall
    | MoveEnd | Verification | Verdict | RunEnd,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
EVENT_TYPES = [m.model_fields["type"].default for m in
               (RunStart, AttackOpen, AttackClose, ControllerChoice, MoveStart, LLMCall, ToolRun,
                ToolCall, MoveEnd, Verification, Verdict, RunEnd)]
