"""Every hostile program in tests/hostile/ runs in the sandbox and must be contained and reported.

"Contained" is checked from outside: sentinel files unchanged, listeners silent, no process left
carrying the program's marker or run id, no planted secret in the output, the expected
killed_reason, and this test process still alive to check it all.
"""

from __future__ import annotations

import pytest

import agent.sandbox
from tests.hostile.harness import HostileWorld, load_programs, new_marker, runnable_here

PROGRAMS = load_programs()
OUTPUT_LIMIT = 20_000


@pytest.fixture(scope="module")
def world():
    with HostileWorld() as w:
        yield w


def test_there_are_enough_hostile_programs():
    assert len(PROGRAMS) >= 30
    assert all(p.tries and p.contained and p.category for p in PROGRAMS)


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_hostile_program_is_contained(program, world):
    why_not = runnable_here(program)
    if why_not:
        pytest.skip(why_not)
    marker = new_marker(program)
    result = agent.sandbox.run(world.render(program, marker), timeout_s=2, memory_mb=256,
                               output_limit=OUTPUT_LIMIT)
    problems = world.check(program, result, marker, OUTPUT_LIMIT)
    assert not problems, f"{program.name}: {problems}\nstdout={result.stdout[-800:]!r}\nstderr={result.stderr[-800:]!r}"
    assert result.isolation  # always says what held
