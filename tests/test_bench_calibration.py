"""Judge calibration from traces: an attack's state is the boards its findings reached."""

from __future__ import annotations

from agent.bench.calibration import AttackState, calibrate_traces, calibration_markdown, summarize_calibration
from agent.problems.models import CountdownProblem
from agent.trace.events import Findings, MoveEnd, RunStart, Verdict
from agent.trace.writer import TraceWriter
from agent.verify.countdown import get_rules

G = CountdownProblem(id="g", rules="game24", numbers=[1, 2, 3, 4], target=24)


def test_attack_state_plays_sub_expressions_on_boards():
    s = AttackState([1, 2, 3, 4], get_rules("game24"))
    assert s.viable(24) is None                               # uncommitted
    s.add_text("4 - 3 = 1 and the claimed value is ignored: 4 - 3 = 7")
    assert s.boards == {(1, 1, 2)} and s.viable(24) is False   # 1, 1, 2 cannot make 24
    s.add_text("1 + 2 + 3 = 6")
    assert (4, 6) in s.boards and s.viable(24) is True         # 4 * 6
    d = AttackState([2, 3, 7, 20, 21, 25], get_rules("digits"))
    d.add_text("7 / 2")                                        # not an integer: no board under Digits rules
    d.add_text("2*7=14")
    d.add_text("14*21 = 294")                                  # chains onto the board that has 14
    assert (3, 20, 25, 294) in d.boards and d.viable(269)


def write_trace(path, steps):
    w = TraceWriter(path, "r1")
    w.write(RunStart(run_id="r1", problem=G.model_dump(mode="json"), backend="b", policy="llm", budget={}, seed=0))
    for step, (attack, text, decision) in enumerate(steps, 1):
        w.write(MoveEnd(run_id="r1", step=step, move="examples", attack_id=attack, findings=Findings(facts=[text])))
        w.write(Verdict(run_id="r1", step=step, attack_id=attack, move="examples", decision=decision, progress=0.3))
    w.close()


def test_calibration_counts_viable_abandons_and_dead_persists(tmp_path):
    write_trace(tmp_path / "a.jsonl", [
        ("A1", "nothing arithmetic yet", "abandon"),   # uncommitted abandon
        ("A2", "4 - 3 = 1", "persist"),                # dead line, persisted
        ("A2", "1 * 1 = 1", "persist"),                # still dead
        ("A2", "2 - 1 = 1", "abandon"),                # abandoned a dead line
        ("A3", "4 * 3 = 12", "abandon"),               # {1, 2, 12}: viable, abandoned
    ])
    checks = calibrate_traces([tmp_path])
    assert [(c.attack_id, c.committed, c.viable) for c in checks] == [
        ("A1", False, None), ("A2", True, False), ("A2", True, False), ("A2", True, False), ("A3", True, True)]
    (cal,) = summarize_calibration(checks)
    assert (cal.abandons, cal.abandons_uncommitted, cal.abandoned_viable, cal.abandoned_dead) == (3, 1, 1, 1)
    assert (cal.persists, cal.persisted_dead, cal.dead_attacks, cal.dead_attacks_abandoned) == (2, 2, 1, 1)
    assert cal.verdicts_on_dead_max == 3 and cal.persists_on_dead_mean == 2
    assert "1/2 (50%)" in calibration_markdown(checks)


def test_calibrate_cli(tmp_path, capsys):
    from agent.cli import main

    write_trace(tmp_path / "a.jsonl", [("A1", "4 - 3 = 1", "persist")])
    assert main(["calibrate", str(tmp_path / "a.jsonl"), "--verdicts"]) == 0
    assert "DEAD" in capsys.readouterr().out
    assert main(["calibrate", str(tmp_path / "missing.jsonl")]) == 2
