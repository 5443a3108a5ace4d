"""The countdown workspace: every node the run has made, which node each line of attack stands
on, and the one-step choices from there. Lives in the run state (pydantic) and in the trace.

Attack scope: an attack owns the nodes it made. Abandoning it leaves them in the trace and in
`nodes`, but prompts show only the current attack's node and its own path, and a new attack starts
from the root (or from an open node it chose to return to).
"""

from __future__ import annotations

from pydantic import BaseModel, Field, PrivateAttr

from agent.verify.countdown.rules import get_rules
from agent.workspace.countdown import (
    Node,
    Option,
    ToolError,
    backward_options,
    forward_options,
    near_target,
    parse_value,
    product_split,
    root_node,
    settle,
    take,
)

# What each listed step is, for the controller: a move name and the tool option it applies.
MOVE_OF_KIND = {"backward": "backwards", "forward": "examples"}


class StepChoice(BaseModel):
    move: str                     # backwards | examples | reframe
    text: str                     # as shown to the chooser
    closes: int = 0               # 1: taking it reaches the goal; 2: the new goal is a product of free numbers
    option: Option | None = None  # the tool option (backwards / examples)
    node_id: str | None = None    # reframe: the node to work from instead


class CountdownWorkspace(BaseModel):
    rules: str
    target: int
    nodes: list[Node] = Field(default_factory=list)
    current: dict[str, str] = Field(default_factory=dict)    # attack id -> node id it stands on
    taken: dict[str, list[str]] = Field(default_factory=dict)  # node id -> options already taken there
    # Also list returning to any open node that still has a step of its own left, so a line left by
    # stepping back or by a new attack can be taken up again (a policy that ranks lines turns it
    # on: agent/loop/learned.py). Off, the listing is as recorded traces saw it.
    revisit: bool = False
    _listing: dict = PrivateAttr(default_factory=dict)   # (node id, status, steps taken there) -> listing

    @classmethod
    def start(cls, numbers: list[int], target: int, rules: str) -> CountdownWorkspace:
        root = settle(root_node(numbers, target), rules)
        return cls(rules=rules, target=target, nodes=[root])

    # -- lookup ---------------------------------------------------------------------------------
    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise ToolError(f"no node {node_id!r} in the workspace")

    @property
    def root(self) -> Node:
        return self.nodes[0]

    def at(self, attack_id: str) -> Node:
        """The node an attack stands on (a new attack starts at the root)."""
        return self.node(self.current.get(attack_id, self.root.id))

    def path(self, node: Node) -> list[Node]:
        out = [node]
        while out[-1].parent is not None:
            out.append(self.node(out[-1].parent))
        return out[::-1]

    def closed(self) -> list[Node]:
        return [n for n in self.nodes if n.status == "closed"]

    # -- changes --------------------------------------------------------------------------------
    def apply(self, attack_id: str, option: Option) -> Node:
        """Take one step from the attack's node; the child becomes where the attack stands."""
        parent = self.at(attack_id)
        self.taken.setdefault(parent.id, []).append(option.text)
        child = take(parent, option, self.rules, new_id=f"N{len(self.nodes) + 1}", attack_id=attack_id)
        same = self._same_as(child)
        if same is not None:          # the same goal from the same numbers: reuse, do not duplicate
            self.current[attack_id] = same.id
            return same
        self.nodes.append(child)
        self.current[attack_id] = child.id
        return child

    def move_to(self, attack_id: str, node_id: str) -> Node:
        node = self.node(node_id)
        self.current[attack_id] = node.id
        return node

    def _same_as(self, child: Node) -> Node | None:
        key = (child.goal, sorted(i.value for i in child.items))
        for n in self.nodes:
            if (n.goal, sorted(i.value for i in n.items)) == key and n.wrap == child.wrap:
                return n
        return None

    # -- what the agent can do next ---------------------------------------------------------
    def choices(self, attack_id: str) -> list[StepChoice]:
        """The one-step choices from where the attack stands: each backward and forward option of
        its node, then returning to an open node the attack set aside or to the board as given."""
        node = self.at(attack_id)
        if node.status != "open":
            return self._returns(node)
        return self.listed(node) + self._returns(node)

    def listed(self, node: Node) -> list[StepChoice]:
        """The backward and forward steps of one open node not yet taken there, as listed."""
        if node.status != "open":
            return []
        taken = set(self.taken.get(node.id, []))
        key = (node.id, node.status, len(taken))
        if key in self._listing:       # a node's listing changes only when a step is taken there
            return list(self._listing[key])
        out = []
        for o in backward_options(node, self.rules) + forward_options(node, self.rules):
            if o.text in taken:
                continue     # each option is taken once per node: a repeat would only revisit
            listed = consequence(node, o, self.rules)
            if listed is not None:
                shown, closes = listed
                out.append(StepChoice(move=MOVE_OF_KIND[o.kind], text=shown, option=o, closes=closes))
        self._listing[key] = out
        return list(out)

    def _returns(self, here: Node) -> list[StepChoice]:
        out = []
        if here.parent is not None:
            parent = self.node(here.parent)
            if parent.status == "open":
                out.append(StepChoice(move="reframe", node_id=parent.id, text=f"step back to {parent.render()}"))
        if here.id != self.root.id and (here.parent != self.root.id):
            out.append(StepChoice(move="reframe", node_id=self.root.id, text="start again from the board as given"))
        if self.revisit:
            shown = {here.id, self.root.id, here.parent}
            out += [StepChoice(move="reframe", node_id=n.id, text=f"take up again {n.render()}")
                    for n in self.nodes if n.id not in shown and n.status == "open" and self.listed(n)]
        return out

    # -- prompts ----------------------------------------------------------------------------------
    def render(self, attack_id: str, *, facts: int = 6) -> str:
        """Where the attack stands, how it got there, and the node's near-target facts."""
        node = self.at(attack_id)
        lines = [f"Now: {node.render()}"]
        path = self.path(node)[1:]
        if path:
            lines.append("Steps so far: " + "; ".join(n.step for n in path))
        if node.status == "open":
            lines += near_target(node, self.rules).lines(limit=facts)
        return "\n".join(lines)

    def summary(self) -> dict:
        """Compact view for the trace (MoveEnd.workspace)."""
        return {"nodes": len(self.nodes), "current": dict(self.current),
                "closed": [n.answer for n in self.closed()],
                "dead": sum(n.status == "dead" for n in self.nodes)}


def consequence(node: Node, option: Option, rules: str) -> tuple[str, int] | None:
    """The option as listed: the exact consequence of taking it — the node it makes, that node's
    goal factorised, the free numbers dividing it, and whether the goal is a product of two or
    three free numbers (`product_split`, the near-target fact the tool list names). Nothing is
    searched beyond that. Forward steps are listed when they close the goal or make a factor of
    it (a board of six numbers has ~45 forward steps; these are the ones whose consequence bears
    on the goal); backward steps unless they make a dead end. Returns the text and how near the
    goal it is (1: reached; 2: the new goal is a product of free numbers; 0: neither); None: not
    listed."""
    try:
        child = take(node, option, rules, new_id="?")
    except ToolError:
        return None
    if child.status == "closed":
        return f"CLOSES: {option.text}", 1
    if child.status == "dead":
        return None
    split = product_split(child, rules)
    if option.kind == "backward":
        nt = near_target(child, rules)
        if split:
            return f"PRODUCT OF FREE NUMBERS: {option.text}, {split}", 2
        text = f"{option.text} = {nt.factors}"
        if nt.divisors_on_board:
            text += f" (free divisors {', '.join(nt.divisors_on_board)})"
        return text, 0
    g, made = node.g, parse_value(option.result)
    if split and option.result in split.split("=", 1)[1].replace("×", " ").split():
        return f"PRODUCT OF FREE NUMBERS: {option.text}, then {split}", 2
    if isinstance(g, int) and isinstance(made, int) and 1 < made < g and g % made == 0:
        return f"{option.text}, and {node.goal} = {option.result} × {g // made}", 0
    join = join_split(child, rules)
    if join:
        return f"JOINS FREE NUMBERS: {option.text}, then {join}", 2
    return None


def join_split(child: Node, rules: str) -> str | None:
    """After a forward step, whether the goal is the number it made joined by one operation to a
    free number or a product of the other free numbers ("X + 9 = 24 -> make 15, 15 = 3 × 5"): one of the made number's
    near-target neighbours (goal ± n, goal ÷ n) read through `product_split`, the fact the listing
    already states for a backward step. No step is taken from `child`. Without it a goal made only
    by joining two sub-results (3 × 3 + 3 × 5 = 24) is never listed."""
    rest = child.items[:-1]
    one_left_may_close = len(rest) == 1 or not get_rules(rules).use_all
    for back in backward_options(child, rules):
        if back.a != len(child.items) - 1:
            continue
        if one_left_may_close and any(it.value == back.new_goal for it in rest):
            return f"{back.text}, a free number"
        split = product_split(Node(id="?", goal=back.new_goal, items=rest), rules)
        if split:
            return f"{back.text}, {split}"
    return None
