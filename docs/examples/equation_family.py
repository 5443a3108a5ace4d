"""An example problem family: one equation in one unknown, solved with exact tools.

It takes `answer` problems tagged `equation` ("Solve 3*x + 5 = 20 for x."). Its workspace holds the
equation as read and the roots sympy found; its moves read and solve (no model call); its hard
signal settles the answer once the roots are known and checked by substitution. Register it by
importing this module, or from a package through the `polya.families` entry point:

    [project.entry-points."polya.families"]
    equations = "my_package.equation_family"

then `polya run problem.yaml --policy random` (docs/extending.md walks through every part).
"""

from __future__ import annotations

import re

import sympy
from pydantic import BaseModel, Field

from agent.trace.events import Findings, ToolCall
from strategies.attempt import attempt_with
from strategies.base import MoveInput, MoveOutcome
from strategies.family import Combined, Family, family

_EQUATION = re.compile(r"([-+*/^().\w\s]+)=([-+*/^().\w\s]+?)\s*(?:for\s+(\w+))?\s*[.?]?\s*$")


class EquationWorkspace(BaseModel):
    left: str = ""
    right: str = ""
    unknown: str = "x"
    roots: list[str] = Field(default_factory=list)     # checked by substitution

    def render(self) -> str:
        eq = f"{self.left} = {self.right}" if self.left else "(not read yet)"
        return f"equation: {eq}; roots: {', '.join(self.roots) or 'none yet'}"

    def summary(self) -> dict:
        return {"equation": f"{self.left} = {self.right}", "roots": self.roots}


def _record(inp: MoveInput, tool: str, result: str) -> None:
    inp.ctx.emit(ToolCall(run_id="", step=inp.ctx.step, tool=tool, args={}, result=result))


async def read_equation(inp: MoveInput) -> MoveOutcome:
    ws: EquationWorkspace = inp.state.workspace
    m = _EQUATION.search(inp.problem.statement.split(":")[-1].replace("Solve", ""))
    if m is None:
        return MoveOutcome(Findings(facts=["No equation of the form LEFT = RIGHT in the statement."]))
    ws.left, ws.right, ws.unknown = m.group(1).strip(), m.group(2).strip(), m.group(3) or "x"
    _record(inp, "read_equation", ws.render())
    return MoveOutcome(Findings(source="tool:read_equation", facts=[ws.render()]), summary=ws.render())


async def solve(inp: MoveInput) -> MoveOutcome:
    ws: EquationWorkspace = inp.state.workspace
    if not ws.left:
        return await read_equation(inp)
    x = sympy.Symbol(ws.unknown)
    left, right = sympy.sympify(ws.left.replace("^", "**")), sympy.sympify(ws.right.replace("^", "**"))
    roots = [r for r in sympy.solve(sympy.Eq(left, right), x) if sympy.simplify(left.subs(x, r) - right.subs(x, r)) == 0]
    ws.roots = [str(r) for r in roots]
    _record(inp, "solve", ws.render())
    return MoveOutcome(Findings(source="tool:solve", facts=[ws.render()], candidates=ws.roots[:1]), summary=ws.render())


async def held(inp: MoveInput) -> MoveOutcome | None:
    roots = inp.state.workspace.roots
    return MoveOutcome(Findings(source="tool:solve", candidates=roots[:1])) if roots else None


@family
class EquationFamily(Family):
    name = "equations"
    # every move the controller may choose computes on the workspace: this family never asks the model
    moves = {"understand": read_equation, "patterns": solve, "examples": solve, "backwards": solve,
             "reframe": solve, "counterexamples": solve, "attempt": attempt_with(held)}

    @classmethod
    def matches(cls, problem) -> bool:
        return problem.kind == "answer" and "equation" in problem.tags

    def start(self, problem) -> EquationWorkspace:
        return EquationWorkspace()

    def verdict(self, state, attack, signals, node_value=None) -> Combined:
        ws = state.workspace
        if ws.roots:
            return Combined("solved", 0.9, f"{ws.unknown} = {ws.roots[0]} checks by substitution", [ws.render()],
                            ["root_checked"], None)
        return Combined("switch", 0.0, "no root yet", [ws.render()], ["no_root"], None)

    def settled(self, state):
        ws = state.workspace
        return (ws.roots[0], f"{ws.unknown} = {ws.roots[0]} checks by substitution") if ws.roots else None

    def prompt_block(self, state):
        return "THE EQUATION", state.workspace.render()

    def final_answer(self, state):
        roots = state.workspace.roots
        return roots[0] if roots else None
