"""Problem files: single problems, suites (inline and data-backed), describe(), and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import InputError
from agent.problems import (
    AnswerProblem,
    CountdownProblem,
    SequenceProblem,
    iter_problem_files,
    load_problem,
    load_problems,
    load_suite,
)

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = ROOT / "problems"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_single_problem_file_loads_as_one_problem():
    p = load_problem(PROBLEMS / "digits/nyt-269.yaml")
    assert isinstance(p, CountdownProblem)
    assert (p.id, p.rules, p.numbers, p.target) == ("nyt-269", "digits", [2, 3, 7, 20, 21, 25], 269)
    assert p.budget is not None and p.budget.steps == 12


@pytest.mark.parametrize("target,numbers", [(69, [1, 2, 4, 9, 22, 25]), (183, [2, 9, 10, 15, 17, 25]),
                                            (327, [1, 3, 5, 9, 11, 20]), (431, [3, 4, 6, 9, 11, 15])])
def test_the_five_demo_puzzles_exist(target, numbers):
    p = load_problem(PROBLEMS / f"digits/nyt-{target}.yaml")
    assert p.target == target and p.numbers == numbers


def test_dev_suites_have_stable_ids_in_order():
    digits = load_problems(PROBLEMS / "digits/dev.yaml")
    assert len(digits) == 300
    assert [p.id for p in digits[:3]] == ["nyt-d000-p1", "nyt-d000-p2", "nyt-d000-p3"]
    assert digits[0].numbers == [1, 2, 4, 5, 10, 25] and digits[0].target == 55
    g24 = load_problems(PROBLEMS / "game24/dev.yaml")
    assert len(g24) == 1262 and g24[0].id == "g24-r0001" and g24[0].numbers == [1, 1, 4, 6]
    assert all(p.rules == "game24" and p.target == 24 for p in g24)
    assert load_problems(PROBLEMS / "game24/dev.yaml")[19].id == g24[19].id  # same order every time


def test_data_backed_suites_read_each_format():
    math = load_problems(PROBLEMS / "math/math500-dev.yaml")
    assert len(math) == 400 and isinstance(math[0], AnswerProblem)
    assert math[0].id == "math500-precalculus-807" and math[0].answer == "\\left( 3, \\frac{\\pi}{2} \\right)"
    aime = load_problems(PROBLEMS / "math/aime24.yaml")
    assert len(aime) == 30 and all(p.answer.isdigit() for p in aime)
    amc = load_problems(PROBLEMS / "math/amc23.yaml")
    assert len(amc) == 40 and amc[0].answer == "27" and "-1" in {p.answer for p in amc}
    gsm = load_problems(PROBLEMS / "math/gsm8k-sample.yaml")
    assert len(gsm) == 200 and gsm[0].answer == "18"
    oeis = load_problems(PROBLEMS / "sequences/oeis-sample.yaml")
    assert isinstance(oeis[0], SequenceProblem) and len(oeis[0].terms) == 20 and len(oeis[0].hidden) == 5
    cd3 = load_problems(PROBLEMS / "countdown/cd3.yaml")
    assert len(cd3) == 256 and cd3[0].numbers == [30, 100, 93] and cd3[0].target == 23
    tz = load_problems(PROBLEMS / "countdown/tinyzero-sample.yaml")
    assert len(tz) == 1000 and tz[0].numbers == [44, 19, 35] and tz[0].target == 98


def test_every_problem_file_in_the_repo_loads():
    files = list(iter_problem_files(PROBLEMS))
    assert len(files) >= 15
    assert not any("data" in f.relative_to(PROBLEMS).parts[:1] for f in files)
    kinds = set()
    for f in files:
        kinds |= {p.kind for p in load_problems(f)}
    assert kinds == {"countdown", "answer", "sequence", "conjecture", "counterexample", "proof"}


def test_suite_defaults_inline_list_and_data_with_start_and_limit(tmp_path):
    write(tmp_path, "data/rows.jsonl", '{"id": "r1", "answer": "1"}\n{"id": "r2", "answer": "2"}\n'
                                       '{"id": "r3", "answer": "3"}\n')
    path = write(tmp_path, "suite.yaml", """
suite: mine
defaults: {kind: answer, tags: [t], statement: "what?"}
problems:
  - {id: inline, answer: "7"}
data: {path: data/rows.jsonl, format: jsonl, start: 1, limit: 1}
""")
    suite = load_suite(path)
    assert suite.name == "mine"
    assert [p.id for p in suite.problems] == ["inline", "r2"]
    assert all(p.tags == ["t"] and p.statement == "what?" for p in suite.problems)
    assert suite.kinds == {"answer": 2}


def test_a_top_level_list_is_a_suite(tmp_path):
    path = write(tmp_path, "list.yaml", """
- {id: a, kind: countdown, rules: game24, numbers: [4, 7, 8, 8], target: 24}
- {id: b, kind: answer, answer: "42"}
""")
    assert [p.kind for p in load_problems(path)] == ["countdown", "answer"]
    assert load_problem(path, id="b").answer == "42"


def test_describe_states_rules_and_answer_format():
    p = load_problem(PROBLEMS / "digits/nyt-269.yaml")
    text = p.describe()
    assert "269" in text and "2, 3, 7, 20, 21, 25" in text
    assert "positive integer" in text and "at most once" in text and "one arithmetic expression" in text
    g24 = CountdownProblem(id="g", rules="game24", numbers=[4, 7, 8, 8], target=24)
    assert "exactly once" in g24.describe() and "fractions" in g24.describe()
    seq = load_problem(PROBLEMS / "sequences/examples.yaml", id="fibonacci")
    assert "next 5 terms, comma-separated" in seq.describe() and "0, 1, 1, 2" in seq.describe()
    ans = load_problem(PROBLEMS / "math/examples.yaml", id="half")
    assert "final answer only" in ans.describe() and "\\frac{3}{6}" in ans.describe()
    choice = load_problem(PROBLEMS / "math/examples.yaml", id="choice")
    assert "(C) 29" in choice.describe() and "letter" in choice.describe()
    proof = load_problem(PROBLEMS / "olympiad/imo-2024-p3.yaml")
    assert "eventually periodic" in proof.describe() and "def generate" in proof.describe()
    assert not proof.has_exact_verifier


# -- bad input: one InputError naming the file and the field or position ---------------------------

BAD_FILES = {
    "malformed.yaml": ("id: x\nkind: [countdown\n", "malformed YAML", ":3:"),
    "empty.yaml": ("", "empty file", None),
    "comment-only.yaml": ("# nothing\n", "empty file", None),
    "missing.yaml": ("id: x\nkind: countdown\nrules: digits\nnumbers: [1, 2]\n", "missing field 'target'", None),
    "mistyped.yaml": ("id: x\nkind: countdown\nrules: digits\nnumbers: [1, two]\ntarget: 3\n",
                      "field 'numbers.1'", None),
    "unknown-kind.yaml": ("id: x\nkind: riddle\n", "unknown kind 'riddle'", None),
    "no-kind.yaml": ("id: x\ntarget: 3\n", "field 'kind' is missing", None),
    "unknown-rules.yaml": ("id: x\nkind: countdown\nrules: scrabble\nnumbers: [1, 2]\ntarget: 3\n",
                           "unknown rule set 'scrabble'", None),
    "extra-field.yaml": ("id: x\nkind: answer\nanswer: '1'\nanswwer: '2'\n", "unknown field 'answwer'", None),
    "negative-digits.yaml": ("id: x\nkind: countdown\nrules: digits\nnumbers: [-1, 2]\ntarget: 3\n",
                             "positive numbers", None),
    "scalar.yaml": ("just a string\n", "expected a mapping or a list", None),
    "dup.yaml": ("- {id: a, kind: answer, answer: '1'}\n- {id: a, kind: answer, answer: '2'}\n",
                 "duplicate problem id 'a'", None),
    "bad-item.yaml": ("problems:\n  - {id: a, kind: answer, answer: '1'}\n  - 17\n", "problems[1]", None),
    "seq.yaml": ("id: s\nkind: sequence\nterms: [1, 2]\n", "needs `hidden`", None),
    "data-format.yaml": ("data: {path: x.jsonl, format: nope}\n", "unknown data format 'nope'", None),
    "data-missing.yaml": ("data: {path: nowhere.jsonl, format: jsonl}\n", "data file 'nowhere.jsonl' not found", None),
    "suite-empty.yaml": ("suite: s\n", "needs `problems:`", None),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_raise_one_input_error_naming_the_file(tmp_path, name):
    text, expected, position = BAD_FILES[name]
    path = write(tmp_path, name, text)
    with pytest.raises(InputError) as info:
        load_problems(path)
    message = str(info.value)
    assert str(path) in message and expected in message
    if position:
        assert position in message


def test_bad_data_row_names_the_data_file_and_line(tmp_path):
    write(tmp_path, "rows.jsonl", '{"id": "a", "kind": "answer", "answer": "1"}\n{"id": "b", "kind": "answer"\n')
    path = write(tmp_path, "s.yaml", "data: {path: rows.jsonl, format: jsonl}\n")
    with pytest.raises(InputError, match=r"rows\.jsonl:2: malformed JSON"):
        load_problems(path)
    write(tmp_path, "rows2.jsonl", '{"id": "a", "kind": "answer"}\n')
    path = write(tmp_path, "s2.yaml", "data: {path: rows2.jsonl, format: jsonl}\n")
    with pytest.raises(InputError, match=r"rows2\.jsonl:1: missing field 'answer'"):
        load_problems(path)


def test_huge_and_binary_files_are_refused(tmp_path):
    huge = tmp_path / "huge.yaml"
    huge.write_text("# " + "x" * (5 * 1024 * 1024) + "\n")
    with pytest.raises(InputError, match="more than the"):
        load_problems(huge)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match="not UTF-8"):
        load_problems(binary)


def test_missing_file_folder_and_unknown_id(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_problems(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="is a folder"):
        load_problems(tmp_path)
    with pytest.raises(InputError, match="no problem with id 'zzz'"):
        load_problem(PROBLEMS / "math/examples.yaml", id="zzz")
    with pytest.raises(InputError, match="pick one with --id"):
        load_problem(PROBLEMS / "math/examples.yaml")


def test_iter_problem_files_recurses_sorted_and_skips_hidden(tmp_path):
    write(tmp_path, "b/two.yaml", "id: x\nkind: answer\nanswer: '1'\n")
    write(tmp_path, "a/one.yml", "id: x\nkind: answer\nanswer: '1'\n")
    write(tmp_path, ".hidden/three.yaml", "id: x\nkind: answer\nanswer: '1'\n")
    write(tmp_path, "a/notes.txt", "not a problem")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_problem_files(tmp_path)] == ["a/one.yml", "b/two.yaml"]


def test_docs_example_runs(tmp_path):
    """The first YAML example of docs/problems.md loads, and its table of verdicts holds."""
    import re

    from agent.verify import verify

    doc = (ROOT / "docs/problems.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", doc, re.S).group(1)
    problems = load_problems(write(tmp_path, "example.yaml", block))
    assert [p.id for p in problems] == ["digits-55", "half", "squares"]
    assert verify(problems[0], "25*2+5").ok
    assert verify(problems[0], "10*5+5").reason == "uses 5 twice, but there is only one 5"
    assert "| `10*5+5` | rejected: uses 5 twice, but there is only one 5 |" in doc
    assert verify(problems[1], "0.5").ok and verify(problems[2], "36, 49").ok
