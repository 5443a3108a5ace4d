"""The judge's hard signals on a countdown workspace: verdicts that need no model call.

After a step, the node the attack stands on says what happened, exactly: closed (the verifier
already has the answer), dead (no step can make its goal: numbers used up, or the goal beyond what
the free numbers can make), out of options, or open. Progress is measured, not guessed: how close
the nearest free number is to the node's goal, and how much of the board the attack has settled.
"""

from __future__ import annotations

from agent.loop.judge import Combined, Signals
from agent.workspace.boards import CountdownWorkspace
from agent.workspace.countdown import distance

# An attack that has taken this many steps per board number without closing is abandoned: by then
# it has either stepped back and forth or is deep in a branch the board cannot finish.
ATTACK_STEPS_PER_NUMBER = 2


def measured_progress(ws: CountdownWorkspace, attack_id: str) -> float:
    """0..0.95 from the node's state: numbers settled (each step sets one aside or combines two)
    and how near the nearest free number is to the goal."""
    node = ws.at(attack_id)
    if node.status == "dead":
        return 0.0
    settled = 1 - len(node.items) / max(len(ws.root.items), 1)
    return round(min(0.95, 0.5 * settled + 0.5 * (1 - distance(node))), 3)


def workspace_verdict(ws: CountdownWorkspace, attack, s: Signals) -> Combined:
    node = ws.at(attack.id)
    progress = measured_progress(ws, attack.id)
    evidence = [f"{node.render()}", f"{len(ws.nodes)} nodes in the workspace, {len(ws.closed())} closed"]
    evidence += [f"verifier rejected an answer: {r}" for r in s.rejections]
    if s.move_error:
        return Combined("switch", progress, f"the step failed: {s.move_error}", evidence, ["move_failed"], None)
    if node.status == "dead":
        return Combined("abandon", 0.0, f"dead end at {node.id}: {node.dead_reason}", evidence, ["dead_end"], None)
    if s.rejections:
        return Combined("abandon", progress, "the verifier rejected the answer this attack reached", evidence,
                        ["answer_rejected"], None)
    cap = ATTACK_STEPS_PER_NUMBER * len(ws.root.items)
    if len(attack.moves) >= cap:
        return Combined("abandon", progress, f"{len(attack.moves)} steps in this attack without closing the goal",
                        evidence, ["attack_too_long"], None)
    if not ws.choices(attack.id):
        return Combined("abandon", progress, f"no one-step option left from {node.id}", evidence, ["no_options"], None)
    return Combined("persist", progress, f"{node.id} is open: {node.render()}", evidence, ["node_open"], None)
