"""Issue 37: a claim about integers gets one treatment in either form. A `conjecture` with
`candidate: integer` is hunted by the hunts family, each n checked by the problem's own check; the
43 hunt claims in that form (problems/conjectures/hunt-conjecture.yaml, generated) agree with
hunt.yaml on every reference (scripted backend, real sandbox)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from agent.loop.run import asolve
from agent.problems import load_suite
from agent.problems.models import Budget, ConjectureProblem
from agent.trace.reader import read_events
from agent.verify import verify
from agent.verify.hunt import run_checks
from strategies.family import family_for
from tests.loop_helpers import FunctionBackend

ROOT = Path(__file__).resolve().parents[1]
EULER = ConjectureProblem(
    id="cj-euler", candidate="integer", statement="n^2 + n + 41 is prime for every n >= 0. Find an n where it fails.",
    definition="def is_prime(m):\n    return m > 1 and all(m % d for d in range(2, int(m ** 0.5) + 1))\n",
    check="def check(candidate):\n    n = int(candidate)\n    return n >= 0 and not is_prime(n * n + n + 41)\n")


def _script(name: str = "hunt_conjectures"):
    spec = importlib.util.spec_from_file_location(name, ROOT / f"benchmarks/{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_conjecture_suite_is_generated_from_hunt_yaml(capsys):
    assert _script().main(["--check"]) == 0, capsys.readouterr().out


def _pairs():
    hunts = load_suite(ROOT / "problems/conjectures/hunt.yaml").problems
    conjectures = {p.id: p for p in load_suite(ROOT / "problems/conjectures/hunt-conjecture.yaml").problems}
    return [(h, conjectures[h.id.replace("ce-", "cj-", 1)]) for h in hunts]


PAIRS = _pairs()


def _counterexamples(problem, values):
    rows, why = run_checks(problem, values)
    assert rows is not None, f"{problem.id}: {why}"
    return [n for n, (d, h) in zip(values, rows, strict=True) if d and h is False]


@pytest.mark.parametrize(("claim", "conj"), PAIRS, ids=[h.id for h, _ in PAIRS])
def test_both_forms_agree_on_the_reference(claim, conj):
    """A false claim: its smallest counterexample passes both checks and the five n below it pass
    neither. A true claim: neither form accepts any n of 0..60."""
    assert conj.hunted and family_for(conj).name == "hunts" and family_for(claim).name == "hunts"
    if claim.answer == "none":
        assert "group:true claim" in conj.tags
        values = list(range(61))
        assert _counterexamples(claim, values) == _counterexamples(conj, values) == []
    else:
        assert "group:false claim" in conj.tags
        ref = int(claim.answer)
        values = [ref, *range(max(0, ref - 5), ref)]
        assert _counterexamples(claim, values) == _counterexamples(conj, values) == [ref]
        assert verify(conj, f"Answer: {ref}").ok


def test_candidate_routes_the_family_and_says_what_to_write():
    assert family_for(EULER).name == "hunts"
    assert family_for(EULER.model_copy(update={"candidate": "text"})).name == "general"
    with pytest.raises(ValueError, match="write 'integer'.*or 'text'.*not 'int'"):
        ConjectureProblem(id="x", check="def check(c):\n    return True\n", candidate="int")
    with pytest.raises(ValueError, match="holds\\(\\) is the hunt's own name"):
        ConjectureProblem(id="x", candidate="integer", definition="def holds(n):\n    return True\n",
                          check="def check(c):\n    return not holds(int(c))\n")


async def test_an_integer_conjecture_is_hunted_and_keeps_what_the_first_search_found(tmp_path):
    """The opening is a search program with the check as holds(n); a counterexample it confirms is
    the answer at the end, whatever the steps after it did."""
    program = ("Searches.\n```python\nfor n in candidates():\n    if in_domain(n) and not holds(n):\n"
               "        print('COUNTEREXAMPLE:', n)\n        break\n```")
    table = {"move:attempt:obvious": program, "judge": {"assessment": "a", "progress": 0.3, "decision": "persist"}}
    be = FunctionBackend(lambda req: table.get(req.purpose.removesuffix(":repair")))
    result = await asolve(EULER, backend=be, policy="random", budget=Budget(steps=3), trace=tmp_path / "t.jsonl")
    assert result.status == "solved" and result.answer == "40" and result.verified
    events = read_events(tmp_path / "t.jsonl")
    assert next(e for e in events if e.type == "run_start").config["family"] == "hunts"
    runs = [e for e in events if e.type == "tool_run"]
    assert "def check(candidate)" in runs[0].code and "def holds(n)" in runs[0].code
    checks = [e for e in events if e.type == "tool_call" and e.tool == "check_values"]
    assert "confirmed [40]" in checks[0].result


async def test_a_scan_finds_a_small_counterexample_without_a_search(tmp_path):
    table = {"move:attempt:obvious": "Nothing.\n```python\nprint('CHECKED 0 to 10')\n```",
             "judge": {"assessment": "a", "progress": 0.3, "decision": "persist"}}
    be = FunctionBackend(lambda req: table.get(req.purpose.removesuffix(":repair")))
    result = await asolve(EULER, backend=be, policy="fixed:examples", budget=Budget(steps=4), trace=tmp_path / "t.jsonl")
    assert result.status == "solved" and result.answer == "40"
    scans = [e for e in read_events(tmp_path / "t.jsonl") if e.type == "tool_call" and e.tool == "scan"]
    assert "FAILS at n = 40" in scans[0].result


def test_check_hints_at_candidate_integer_when_the_answer_is_one_integer(tmp_path, capsys):
    from agent.cli import main

    text = (ROOT / "problems/conjectures/goldbach-other.yaml").read_text(encoding="utf-8")
    assert "candidate: integer" in text
    (tmp_path / "text.yaml").write_text(text.replace("candidate: integer\n", ""), encoding="utf-8")
    assert main(["check", str(tmp_path / "text.yaml"), str(ROOT / "problems/conjectures/goldbach-other.yaml")]) == 0
    hints = [ln for ln in capsys.readouterr().out.splitlines() if "hint:" in ln]
    assert hints == ["  goldbach-other-counterexample: hint: its answer is one integer? add `candidate: integer` "
                     "and the loop hunts for it n by n (docs/problems.md, 'Which kind?')"]


def test_check_hints_at_a_statement_for_a_counterexample_claim_without_one(tmp_path, capsys):
    from agent.cli import main

    (tmp_path / "bare.yaml").write_text("problems:\n  - id: ce-bare\n    kind: counterexample\n    title: bare\n"
                                        "    definition: |\n      def in_domain(n):\n          return n >= 1\n"
                                        "      def holds(n):\n          return n != 7\n    answer: '7'\n",
                                        encoding="utf-8")
    assert main(["check", str(tmp_path / "bare.yaml"), str(ROOT / "problems/conjectures/hunt.yaml")]) == 0
    hints = [ln for ln in capsys.readouterr().out.splitlines() if "hint:" in ln]
    assert hints == ["  ce-bare: hint: no statement: the hunt's prompts show the claim in words, not its definition; "
                     "write the whole claim in `statement`"]


def _row(pid: str, policy: str, solved: bool, group: str = "false claim", answer: str = "7") -> str:
    return json.dumps({"problem_id": pid, "policy": policy, "solved": solved, "group": group, "answer": answer,
                       "harness_error": None, "llm_calls": 1, "prompt_tokens": 10, "completion_tokens": 5,
                       "wall_s": 2.0})


def test_the_claims_table_counts_each_form_and_names_what_the_loop_missed_that_pot_refuted(tmp_path, capsys):
    table = _script("claims_table")
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.jsonl").write_text("\n".join([
        _row("cj-a", "pot", True), _row("cj-a", "llm", False), _row("cj-b", "llm", True),
        # a true claim in the conjecture form has no right answer: kept when the run concludes "none"
        _row("cj-t", "llm", False, "true claim", "none (no counterexample found: n <= 999)"),
        _row("cj-u", "llm", False, "true claim", "125"), _row("ce-a", "llm", True), _row("ce-a", "pot", True)]) + "\n")
    table.main([str(out)])
    printed = capsys.readouterr().out
    assert "| conjecture form | `llm` | 1/2 | 1/2 | 2/4 |" in printed
    assert "conjecture form, `llm`: refutes 0 of the 1 claims `pot` refutes; misses a" in printed
    assert "counterexample form, `llm`: refutes 1 of the 1 claims `pot` refutes" in printed
    (out / "results.jsonl").write_text(_row("ce-taxicab", "llm", True) + "\n" + _row("ce-euler-41", "llm", False) + "\n")
    table.main([str(out), "--only", str(ROOT / "problems/experience/eval-hunt.yaml")])   # taxicab: evaluation part
    assert "| counterexample form | `llm` | 1/1 | 0/0 | 1/1 |" in capsys.readouterr().out
    with pytest.raises(SystemExit) as missing:
        table.main([str(tmp_path / "nowhere")])
    assert missing.value.code == 2
