"""Samples for learning, read from countdown traces: the nodes each run stood on and the steps
listed there, each with its features (features.py) and a label.

A trace names every node it made (`take` tool calls: "N3: make 14 from [2, 3, 7, 20], then ...",
with the node it came from) and every node a verdict stood on, so the nodes are rebuilt from
their rendering and the steps listed at each are listed again with the same tool
(`boards.consequence`) — the listing the policy saw, less the steps already taken there.

Labels (both offline, after the runs):
- `solver`: a node is viable when its goal can still be made from its free numbers (the exhaustive
  solver, `agent.verify.countdown.reachable`) — used on training traces only;
- `runs`: a node is on the path of a verified answer in some run of its problem (1), or was stood
  on by a run and is on no such path (0): the runs' own word, noisier, no solver.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from agent.errors import InputError
from agent.experience.features import step_features
from agent.trace.files import find_traces
from agent.trace.reader import iter_events
from agent.verify.countdown import reachable
from agent.verify.countdown.rules import Value
from agent.workspace.boards import consequence
from agent.workspace.countdown import (
    Item,
    Node,
    ToolError,
    backward_options,
    forward_options,
    parse_value,
    take,
)

_NODE = re.compile(r"^(N\d+): make (\S+) from \[([^\]]*)\](?:, then the answer is .*?)?(?: \((closed|dead)\))?$")


def parse_node(text: str) -> tuple[str, Value, list[Value], str] | None:
    """(id, goal, free values, status) from a node's rendering, or None."""
    m = _NODE.match(text.strip())
    if m is None:
        return None
    items = [parse_value(x) for x in m.group(3).split(",") if x.strip() and x.strip() != "(none)"]
    return m.group(1), parse_value(m.group(2)), items, m.group(4) or "open"


def bare_node(goal: Value, values: list[Value]) -> Node:
    from agent.verify.countdown.rules import fmt

    return Node(id="?", goal=fmt(goal), items=[Item(value=fmt(v), expr=fmt(v)) for v in values])


@dataclass
class TraceNodes:
    """What one countdown trace says about its nodes."""

    problem_id: str
    suite: str
    rules: str
    board: int
    solved: bool
    nodes: dict[str, tuple[Value, list[Value], str]] = field(default_factory=dict)   # id -> goal, values, status
    parent: dict[str, str] = field(default_factory=dict)
    stood: list[str] = field(default_factory=list)     # open nodes the run stood on, in order
    solution_path: list[str] = field(default_factory=list)
    step_nodes: dict[int, list[str]] = field(default_factory=dict)   # step -> nodes it made or returned to


def read_trace(path: Path) -> TraceNodes | None:
    """The nodes of one countdown workspace trace; None for any other trace."""
    out: TraceNodes | None = None
    last_closed = None
    for ev in iter_events(path):
        if ev.type == "run_start":
            p = ev.problem
            if p.get("kind") != "countdown":
                return None
            out = TraceNodes(problem_id=p["id"], suite=_suite(ev.problem_file), rules=p["rules"],
                             board=len(p["numbers"]), solved=False)
            out.nodes["N1"] = (p["target"], list(p["numbers"]), "open")
            out.stood.append("N1")
        elif out is None:
            return None
        elif ev.type == "tool_call" and ev.tool in ("take", "move_to"):
            parsed = parse_node(ev.result)
            if parsed is None:
                continue
            nid, goal, values, status = parsed
            out.nodes.setdefault(nid, (goal, values, status))
            out.step_nodes.setdefault(ev.step, []).append(nid)
            if ev.tool == "take" and "from" in ev.args:
                out.parent.setdefault(nid, ev.args["from"])
            if status == "open" and nid not in out.stood:
                out.stood.append(nid)
            if status == "closed":
                last_closed = nid
        elif ev.type == "verification" and ev.ok and ev.verified:
            out.solved = True
            node = last_closed
            while node is not None:
                out.solution_path.append(node)
                node = out.parent.get(node)
    return out


@dataclass
class Samples:
    """Feature rows and labels for one rule set: nodes (the judge's value) and listed steps."""

    node_x: list[dict[str, float]] = field(default_factory=list)
    node_y: list[int] = field(default_factory=list)
    node_problem: list[str] = field(default_factory=list)
    step_x: list[dict[str, float]] = field(default_factory=list)
    step_y: list[int] = field(default_factory=list)
    step_problem: list[str] = field(default_factory=list)


def trace_files(sources: Iterable[str | Path]) -> Iterator[Path]:
    """Trace files under each source: a trace, a folder of traces, or a bench folder (its traces/)."""
    for src in sources:
        path = Path(src)
        if path.is_file():
            yield path
        elif path.is_dir():
            # plain or gzipped (agent/trace/files.py); a bench folder's rows (results.jsonl) are not a trace
            yield from (p for p in find_traces(path) if p.name != "results.jsonl")
        else:
            raise InputError("no such trace file or folder", where=str(path))


def _viable(rules: str, goal: Value, values: list[Value]) -> bool:
    return bool(values) and reachable(values, goal, rules)


def collect(traces: list[TraceNodes], labels: str = "solver") -> dict[str, Samples]:
    """Samples per rule set, each distinct node and step once (the first trace that shows it)."""
    from agent.workspace.countdown import settle

    by_rules: dict[str, Samples] = {}
    seen: set[tuple] = set()
    on_path = {(t.problem_id, _key(t.nodes[n])) for t in traces for n in t.solution_path if n in t.nodes}
    for t in traces:
        s = by_rules.setdefault(t.rules, Samples())
        for nid in t.stood:
            goal, values, _ = t.nodes[nid]
            key = (t.rules, goal, tuple(sorted(values)))
            if key in seen:
                continue
            seen.add(key)
            node = settle(bare_node(goal, values), t.rules)
            if node.status != "open":
                continue
            label = (_viable(t.rules, goal, values) if labels == "solver"
                     else (t.problem_id, _key((goal, values, ""))) in on_path)
            from agent.experience.features import judge_features

            s.node_x.append(judge_features(node, t.rules, t.board))
            s.node_y.append(int(label))
            s.node_problem.append(t.problem_id)
            for option in backward_options(node, t.rules) + forward_options(node, t.rules):
                listed = consequence(node, option, t.rules)
                if listed is None or listed[1]:
                    continue     # not listed, or taken by the closing rule: no judgement there
                try:
                    child = take(node, option, t.rules, new_id="?")
                except ToolError:
                    continue
                values_c = [it.v for it in child.items]
                label = (_viable(t.rules, child.g, values_c) if labels == "solver"
                         else (t.problem_id, _key((child.g, values_c, ""))) in on_path)
                s.step_x.append(step_features(node, option, child, t.rules, t.board))
                s.step_y.append(int(label))
                s.step_problem.append(t.problem_id)
    return by_rules


def _suite(problem_file: str | None) -> str:
    """A suite's label as the bench writes it ("experience/learn-digits")."""
    p = Path(problem_file or "?")
    return f"{p.parent.name}/{p.stem}" if p.parent.name else p.stem


def _key(node: tuple[Value, list[Value], str]) -> tuple:
    return node[0], tuple(sorted(node[1]))
