"""Counterexample hunts: the verifier runs the claim's own definition, "none" is graded only after
the run, and the moves check every candidate a program prints (scripted backend, real sandbox)."""

from __future__ import annotations

import pytest

from agent.loop.context import RunSettings
from agent.loop.run import asolve
from agent.problems.models import Budget, CounterexampleProblem
from agent.trace.reader import read_events
from agent.verify import solve_time_check, verify
from agent.verify.hunt import claims_none, read_claim
from strategies.hunts.moves import keep_harness_names
from tests.loop_helpers import FunctionBackend

PRIME = """
def is_prime(m):
    if m < 2:
        return False
    d = 2
    while d * d <= m:
        if m % d == 0:
            return False
        d += 1
    return True
"""
EULER = CounterexampleProblem(
    id="ce-euler", statement="Claim: for every integer n >= 0, n^2 + n + 41 is prime.",
    definition=PRIME + "def in_domain(n):\n    return n >= 0\ndef holds(n):\n    return is_prime(n * n + n + 41)\n",
    answer="40", searched=100)
SQUARES = CounterexampleProblem(   # true: n^2 + n is always even
    id="ce-even", statement="Claim: for every integer n >= 1, n^2 + n is even.",
    definition="def in_domain(n):\n    return n >= 1\ndef holds(n):\n    return (n * n + n) % 2 == 0\n",
    answer="none", searched=10000)


@pytest.mark.parametrize("text, none, n", [
    ("Answer: 40", False, 40), ("n = 40 gives 41^2", False, 40), ("Answer: none (checked n <= 10^6)", True, 10),
    ("No counterexample up to 1000", True, 1000), ("\\boxed{1,093}", False, 1093), ("no idea", False, None),
])
def test_claims_are_read_as_an_integer_or_none(text, none, n):
    assert claims_none(text) is none
    assert read_claim(text) == n


def test_a_counterexample_is_checked_by_the_definition_and_none_only_against_the_reference():
    assert verify(EULER, "40").ok and verify(EULER, "Answer: 41").ok      # any failure counts
    held = verify(EULER, "39")
    assert not held.ok and "holds at n = 39" in held.reason
    assert "outside the claim's domain" in verify(EULER, "-3").reason
    assert not verify(EULER, "none").ok and verify(SQUARES, "none (checked to 100)").ok
    assert not verify(SQUARES, "7").ok
    assert solve_time_check(EULER, "none") is None            # needs the reference: after the run
    assert solve_time_check(EULER, "40").ok                   # the definition alone decides


def test_a_definition_that_loops_or_a_huge_claim_is_not_verified_either_way():
    looping = EULER.model_copy(update={"definition": "def in_domain(n):\n    return True\ndef holds(n):\n"
                                                     "    while True:\n        pass\n", "timeout_s": 1.0})
    res = verify(looping, "5")
    assert not res.ok and not res.verified and "could not be checked" in res.reason
    big = verify(EULER, "1" + "0" * 60)
    assert not big.verified and "too large" in big.reason


def test_a_counterexample_definition_must_define_both_functions():
    with pytest.raises(ValueError, match="in_domain"):
        CounterexampleProblem(id="x", definition="def holds(n):\n    return True\n", answer="none", searched=5)


NO_LUCK = "Searches a little.\n```python\nprint('CHECKED 0 to 10')\n```"


def backend(**replies):
    table = {"move:attempt:obvious": NO_LUCK, "move:understand": {"restatement": "r", "givens": [], "goal": "g", "plans": []},
             "judge": {"assessment": "a", "progress": 0.3, "decision": "persist"}, **replies}
    return FunctionBackend(lambda req: table.get(req.purpose.removesuffix(":repair")))


async def test_scanning_small_cases_finds_a_small_counterexample_with_no_model_call_after_the_first(tmp_path):
    be = backend()
    result = await asolve(EULER, backend=be, policy="fixed:examples", budget=Budget(steps=6), trace=tmp_path / "t.jsonl")
    assert result.status == "solved" and result.answer == "40" and result.verified
    purposes = [r.purpose for r in be.requests]
    assert purposes[0] == "move:attempt:obvious" and "judge" not in purposes   # the hunt's judge is exact
    events = read_events(tmp_path / "t.jsonl")
    verdicts = [e for e in events if e.type == "verdict"]
    assert verdicts[0].overrides == ["escalate"] and all(v.model_decision is None for v in verdicts)
    scans = [e for e in events if e.type == "tool_call" and e.tool == "scan"]
    assert scans and "FAILS at n = 40" in scans[0].result


async def test_a_family_program_is_checked_candidate_by_candidate(tmp_path):
    far = EULER.model_copy(update={"definition": EULER.definition.replace("return n >= 0", "return n >= 1000")})
    family = "Multiples of 41 make the value divisible by 41.\n```python\nfor k in range(1, 30):\n    print(41 * k)\n```"
    be = backend(**{"move:patterns": family})
    result = await asolve(far, backend=be, policy="fixed:patterns", budget=Budget(steps=4), trace=tmp_path / "t.jsonl")
    assert result.status == "solved" and result.answer == "1025"      # 41 * 25: the first in the domain
    checks = [e for e in read_events(tmp_path / "t.jsonl") if e.type == "tool_call" and e.tool == "check_values"]
    assert "REFUTED, the claim fails at n = 1025" in checks[0].result


async def test_a_search_programs_printed_counterexample_is_not_trusted(tmp_path):
    liar = "Claims 39.\n```python\nprint('COUNTEREXAMPLE: 39')\nprint('CHECKED 0 to 39')\n```"
    be = backend(**{"move:attempt:obvious": liar})
    result = await asolve(EULER, backend=be, policy="fixed:reframe", budget=Budget(steps=2), trace=tmp_path / "t.jsonl")
    assert result.status != "solved"
    checks = [e for e in read_events(tmp_path / "t.jsonl") if e.type == "tool_call" and e.tool == "check_values"]
    assert "not counterexamples: [39]" in checks[0].result


async def test_the_search_program_gets_the_definition_prepended(tmp_path):
    uses = "Calls holds.\n```python\nfor n in range(100):\n    if not holds(n):\n        print(f'COUNTEREXAMPLE: {n}')\n        break\nprint('CHECKED 0 to 99')\n```"
    be = backend(**{"move:attempt:obvious": uses})
    result = await asolve(EULER, backend=be, policy="fixed:examples", budget=Budget(steps=3), trace=tmp_path / "t.jsonl")
    assert result.status == "solved" and result.answer == "40" and result.steps == 1
    runs = [e for e in read_events(tmp_path / "t.jsonl") if e.type == "tool_run"]
    assert runs[0].code.startswith(EULER.definition.strip()[:20]) or "def holds" in runs[0].code

    shown = be.requests[0].messages[-1].content
    # the claim in words: the definition runs in every search but is not shown (copied, it was redefined)
    assert EULER.statement in shown and "is_prime(n * n + n + 41)" not in shown
    assert "in_domain(n) and holds(n) run the problem's own definition" in shown


BIG = CounterexampleProblem(   # false, with a counterexample far past any round number a model picks
    id="ce-big", statement="Claim: no integer n >= 0 equals 123457.",
    definition="def in_domain(n):\n    return n >= 0\ndef holds(n):\n    return n != 123457\n", answer="123457",
    searched=10)
TIMED = ("Upward until the clock stops.\n```python\ntime_left = 8\ncandidates_seen = 0\nfor n in candidates():\n"
         "    if in_domain(n) and not holds(n):\n        print(f'COUNTEREXAMPLE: {n}')\n        break\n```")


async def test_a_timed_search_starts_where_checking_stopped_and_runs_until_the_harness_clock_stops_it(tmp_path):
    be = backend(**{"move:attempt:obvious": TIMED})
    result = await asolve(BIG, backend=be, policy="fixed:examples", budget=Budget(steps=2), trace=tmp_path / "t.jsonl")
    assert result.status == "solved" and result.answer == "123457" and result.steps == 1
    prompt = "\n".join(m.content for m in be.requests[0].messages)
    assert "yields n = 0, 0 + 1" in prompt and "for n in candidates():" in prompt
    run = next(e for e in read_events(tmp_path / "t.jsonl") if e.type == "tool_run")
    assert "START = 0" in run.code and "def candidates(" in run.code


async def test_the_search_clock_stops_a_loop_the_program_never_breaks_and_reports_how_far_it_got(tmp_path):
    """The program cannot stop the clock: the generator ends by itself before the sandbox's wall
    timeout, the program's own code after the loop runs, and the generator's CHECKED line is kept."""
    from agent.sandbox import arun
    from strategies.hunts.moves import search_clock
    code = f"{BIG.definition}\n\n{search_clock(5, 1)}\ntime_left = 8\n_stop = 0\nfor n in candidates():\n    holds(n)\nprint('after the loop')\n"
    result = await arun(code, timeout_s=10)
    assert result.ok and not result.timed_out and result.duration_s < 5
    checked = [ln for ln in result.stdout.splitlines() if ln.startswith("CHECKED 5 to ")]
    assert len(checked) == 1 and int(checked[0].split()[-1]) > 1000 and result.stdout.rstrip().endswith("after the loop")
    # a program that ignores the generator and is killed keeps what it printed (line-buffered stdout)
    killed = await arun(f"{search_clock(0, 1)}\nprint('COUNTEREXAMPLE: 7')\nwhile True:\n    pass\n", timeout_s=2)
    assert killed.timed_out and "COUNTEREXAMPLE: 7" in killed.stdout


async def test_a_true_claim_ends_with_none_graded_once_after_the_run(tmp_path):
    be = backend()
    result = await asolve(SQUARES, backend=be, policy="fixed:examples", budget=Budget(steps=6), trace=tmp_path / "t.jsonl")
    assert result.status == "solved" and result.answer.startswith("none") and "n <= 799 checked one by one" in result.answer
    graded = [e for e in read_events(tmp_path / "t.jsonl") if e.type == "verification"]
    after = [e for e in graded if e.graded_after_run]
    assert len(after) == 1 and after[0] is graded[-1] and after[0].candidate.startswith("none")


def test_the_hunt_verdict_switches_after_a_failed_program_and_measures_how_far_it_checked():
    from agent.workspace.hunt import Family, HuntWorkspace, Search
    from strategies.family import Signals
    from strategies.hunts.signals import hunt_progress, hunt_verdict

    ws = HuntWorkspace(scanned_to=999)
    assert hunt_progress(ws) == round(3 / 7 * 0.8, 3)
    ws.searches.append(Search(plan="sieve", claimed="CHECKED 1000 to 999999"))
    assert hunt_progress(ws) > 0.65                                   # a program's reported range counts
    ws.families.append(Family(label="squares", note="the program failed: exit 1"))
    v = hunt_verdict(ws, Signals(move="patterns", new_findings=1))
    assert v.decision == "switch" and v.overrides == ["program_failed"]
    ws.families.append(Family(label="cubes", status="survived", checked=50))
    assert hunt_verdict(ws, Signals(move="patterns", new_findings=1, persist_streak=1)).decision == "persist"
    fresh = ws.model_copy(update={"progress_seen": []})          # (a third stalled step would let go)
    assert hunt_verdict(fresh, Signals(move="patterns", new_findings=1, persist_streak=2)).decision == "switch"


async def test_a_family_with_no_candidate_in_the_domain_is_not_counted_as_surviving(tmp_path):
    outside = "Negative numbers.\n```python\nfor k in range(1, 5):\n    print(-k)\n```"
    be = backend(**{"move:patterns": outside})
    result = await asolve(SQUARES, backend=be, policy="fixed:patterns", budget=Budget(steps=4), trace=tmp_path / "t.jsonl")
    checks = [e for e in read_events(tmp_path / "t.jsonl") if e.type == "tool_call" and e.tool == "check_values"]
    assert "not checked (none of the 4 printed values is in the claim's domain)" in checks[0].result
    assert "candidates of" not in result.answer


SEARCH = "```python\nfor n in candidates():\n    if in_domain(n) and not holds(n):\n        print('COUNTEREXAMPLE:', n)\n        break\n```"


async def test_a_hunt_lets_go_of_a_true_claim_after_three_empty_searches_each_starting_where_the_last_stopped(tmp_path):
    be = backend(**{"move:attempt:obvious": SEARCH, "move:counterexamples": SEARCH})
    result = await asolve(SQUARES, backend=be, policy="fixed:counterexamples", budget=Budget(steps=12),
                          trace=tmp_path / "t.jsonl", settings=RunSettings(code_timeout_s=2))
    events = read_events(tmp_path / "t.jsonl")
    assert result.status == "solved" and result.answer.startswith("none")
    assert [e.move for e in events if e.type == "move_start"] == ["obvious", "understand", "counterexamples", "counterexamples"]
    assert [r.purpose for r in be.requests] == ["move:attempt:obvious"] + ["move:counterexamples"] * 2
    # the first search is the model's most likely program, as pot's; later ones sample
    assert [r.temperature for r in be.requests] == [0.0] + [RunSettings().temperature] * 2
    assert events[-3].type == "verdict" and events[-3].decision == "give_up" and events[-3].overrides == ["hunt_let_go"]
    starts = [int(e.code.split("START = ")[1].split()[0]) for e in events if e.type == "tool_run"]
    assert starts[0] == 0 and starts[0] < starts[1] < starts[2]     # each search goes on from the last one's end


def test_a_hunt_lets_go_once_a_search_came_back_empty_and_the_steps_after_it_checked_little_further():
    from agent.workspace.hunt import HuntWorkspace, Search
    from strategies.family import Signals
    from strategies.hunts.signals import hunt_verdict

    def steps(ws, moves=("attempt", "examples", "attempt")):
        return [hunt_verdict(ws, Signals(move=m, new_findings=1)) for m in moves]

    searched = HuntWorkspace(scanned_to=199, searches=[Search(plan="sieve", claimed="CHECKED 0 to 1000000")])
    first, second, third = steps(searched)
    assert first.decision == "persist" and second.decision == "persist"       # two steps to measure over
    assert third.decision == "give_up" and third.overrides == ["hunt_stalled"] and "n <= 1000000" in third.reason
    # no search program has come back empty: scans alone never let go (a large counterexample needs a program)
    assert all(v.decision != "give_up" for v in steps(HuntWorkspace(scanned_to=199)))
    # a found failure is never let go of, and steps that each check much further keep the hunt going
    failed = searched.model_copy(update={"progress_seen": [], "failures": [7]})
    assert all(v.decision != "give_up" for v in steps(failed))
    growing = HuntWorkspace(searches=[Search(plan="s", claimed="CHECKED 0 to 1000")])
    verdicts = []
    for end in (10**4, 10**5, 10**6):
        growing.scanned_to = end
        verdicts.append(hunt_verdict(growing, Signals(move="examples", new_findings=1)))
    assert all(v.decision != "give_up" for v in verdicts)


async def test_a_stalled_true_claim_stops_early(tmp_path):
    found_nothing = "Searches far.\n```python\nprint('CHECKED 0 to 1000000')\n```"
    replies = {"move:attempt:obvious": found_nothing, "move:attempt": "No counterexample turned up.\nAnswer: none"}
    result = await asolve(SQUARES, backend=backend(**replies), policy="fixed:attempt", budget=Budget(steps=10),
                          trace=tmp_path / "t.jsonl", settings=RunSettings(code_timeout_s=2))
    verdicts = [e for e in read_events(tmp_path / "t.jsonl") if e.type == "verdict"]
    assert result.answer.startswith("none") and result.steps < 10
    assert verdicts[-1].decision == "give_up" and verdicts[-1].overrides == ["hunt_stalled"]


OWN_CLOCKLESS = ("```python\ndef holds(n):\n    return True\ndef candidates():\n    n = 0\n    while True:\n"
                 "        yield n\n        n += 1\nfor n in candidates():\n    if in_domain(n) and not holds(n):\n"
                 "        print('COUNTEREXAMPLE:', n)\n        break\n```")


async def test_a_search_that_defines_its_own_candidates_and_holds_still_runs_on_the_harness_clock_and_definition(tmp_path):
    """The 1.5B model, told both are defined, wrote its own clockless candidates() and copied
    holds(): its definitions are renamed, so its loop stops on time and checks the real claim."""
    be = backend(**{"move:attempt:obvious": OWN_CLOCKLESS})
    result = await asolve(BIG, backend=be, policy="fixed:examples", budget=Budget(steps=1), trace=tmp_path / "t.jsonl",
                          settings=RunSettings(code_timeout_s=3))
    run = next(e for e in read_events(tmp_path / "t.jsonl") if e.type == "tool_run")
    assert "def _own_candidates():" in run.code and "def _own_holds(n):" in run.code
    assert result.answer == "123457"          # its holds() says always True: the problem's own was called
    be = backend(**{"move:attempt:obvious": OWN_CLOCKLESS})
    await asolve(SQUARES, backend=be, policy="fixed:examples", budget=Budget(steps=1), trace=tmp_path / "s.jsonl",
                 settings=RunSettings(code_timeout_s=3))
    run = next(e for e in read_events(tmp_path / "s.jsonl") if e.type == "tool_run")
    assert not run.timed_out and "CHECKED 0 to " in run.stdout     # its clockless loop was stopped by the harness


async def test_a_search_that_imports_the_harness_names_from_a_module_that_does_not_exist_still_runs(tmp_path):
    """Greedily, the 1.5B model wrote `from problem import in_domain, holds` and repaired it into the
    same line: an import of only the harness's names becomes `pass`, so the search runs."""
    imports = ("```python\nfrom problem import in_domain, holds\nimport math\nfor n in candidates():\n"
               "    if in_domain(n) and not holds(n):\n        print('COUNTEREXAMPLE:', n)\n        break\n```")
    be = backend(**{"move:attempt:obvious": imports})
    result = await asolve(BIG, backend=be, policy="fixed:examples", budget=Budget(steps=1), trace=tmp_path / "t.jsonl",
                          settings=RunSettings(code_timeout_s=3))
    run = next(e for e in read_events(tmp_path / "t.jsonl") if e.type == "tool_run")
    assert "pass  # already defined: from problem import in_domain, holds" in run.code and "import math" in run.code
    assert result.answer == "123457" and [r.purpose for r in be.requests] == ["move:attempt:obvious"]   # no repair


async def test_a_search_written_as_its_own_candidates_function_and_called_bare_runs_its_own(tmp_path):
    """Greedily, the 1.5B model wrote its whole search as a candidates() of its own and ended with the
    statement `candidates()`: renamed, the statement would create the harness's generator and drop
    it (no output); it calls the program's own, which the sandbox's limit stops if it must."""
    own = ("```python\ndef candidates():\n    n = 0\n    while True:\n        if in_domain(n) and not holds(n):\n"
           "            print('COUNTEREXAMPLE:', n)\n            break\n        n += 1\n\ncandidates()  # start\n```")
    be = backend(**{"move:attempt:obvious": own})
    result = await asolve(BIG, backend=be, policy="fixed:examples", budget=Budget(steps=1), trace=tmp_path / "t.jsonl",
                          settings=RunSettings(code_timeout_s=5))
    run = next(e for e in read_events(tmp_path / "t.jsonl") if e.type == "tool_run")
    assert "def _own_candidates():" in run.code and "\n_own_candidates()  # start" in run.code
    assert result.answer == "123457"
    looped = keep_harness_names("def candidates():\n    yield 1\nfor n in candidates():\n    print(n)\n")
    assert looped.count("_own_candidates") == 1 and "for n in candidates():" in looped   # a loop still gets the clock
