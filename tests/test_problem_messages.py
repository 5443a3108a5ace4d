"""Problem files as a newcomer writes them: one complete example per kind in docs/problems.md (each
run here), messages that say what to write, and `polya check --solve` on every kind."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from agent.cli import main
from agent.problems import load_problem
from agent.problems.models import KINDS

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs/problems.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```yaml\n# (\S+\.yaml)\n(.*?)```\n+```console\n(.*?)```", DOC, re.S)


def polya(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, (out.out + out.err).strip()


def test_every_kind_has_one_complete_inline_example():
    kinds = [re.search(r"^kind: (\w+)", body, re.M).group(1) for _, body, _ in EXAMPLES]
    assert set(kinds) == set(KINDS) - {"open"}   # open shares proof's model and verifier
    # one each, but a conjecture twice: a check of one integer (hunted) and of any text
    assert sorted(kinds) == sorted([*set(kinds), "conjecture"])
    forms = [re.search(r"^candidate: (\w+)", body, re.M) for _, body, _ in EXAMPLES if "kind: conjecture" in body]
    assert sorted(m.group(1) if m else "text" for m in forms) == ["integer", "text"]


@pytest.mark.parametrize(("name", "body", "session"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_docs_examples_check_and_verify_as_shown(tmp_path, capsys, monkeypatch, name, body, session):
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(body, encoding="utf-8")
    code, out = polya(capsys, "check", "--solve", name)
    assert code == 0, out
    commands = re.split(r"^\$ ", session, flags=re.M)[1:]
    assert commands
    for block in commands:
        command, _, expected = block.partition("\n")
        argv = shlex.split(command)
        assert argv[:2] == ["polya", "verify"]
        code, out = polya(capsys, *argv[1:])
        assert out == expected.strip(), command
        assert code == (0 if out.startswith("correct") else 2 if out.startswith("polya:") else 1)


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("text", "message"), [
    ("id: d\nkind: countdown\nrules: digits\nnumber: [1, 2]\ntarget: 3\n", "unknown field 'number' (did you mean 'numbers'?)"),
    ("id: a\nkind: answer\nanswer: yes\n", "field 'answer': expected text, got yes/no"),
    ("id: a\nkind: answer\nanswer: [1]\n", "field 'answer': expected text, got [1]; put it in quotes"),
    ("id: d\nkind: countdown\nrules: digits\nnumbers: [1, x]\ntarget: 3\n", "field 'numbers.1': expected a whole number, got 'x'"),
    ("id: d\nkind: countdown\nrules: digits\nnumbers: [1, 2]\n", "missing field 'target' (a countdown needs id, rules, numbers, target)"),
    ("id: c\nkind: counterexample\ndefinition: 'def f(n): pass'\nanswer: 3\n", "the definition must define in_domain(n) and holds(n)"),
    ("id: c\nkind: counterexample\ndefinition: |\n  def in_domain(n): return True\n  def holds(n): return True\nanswer: none\n",
     "with answer 'none', give `searched: N`"),
    ("id: c\nkind: counterexample\ndefinition: |\n  def in_domain(n): return True\n  def holds(n): return True\nanswer: nine\n",
     "field 'answer': write the smallest counterexample (an integer such as 5777) or 'none', not 'nine'"),
    ("id: c\nkind: conjecture\ncandidate: int\ncheck: |\n  def check(c):\n    return True\n",
     "field 'candidate': write 'integer' (check(candidate) decides one integer: the loop hunts for it n by n) "
     "or 'text' (any other answer), not 'int'"),
])
def test_messages_say_what_to_write(tmp_path, capsys, text, message):
    code, out = polya(capsys, "check", write(tmp_path, text))
    assert code == 2 and message in out and "Value error" not in out and "Input should" not in out


def test_numbers_are_accepted_where_text_is_expected(tmp_path):
    answer = load_problem(write(tmp_path, "id: a\nkind: answer\nanswer: 45\nchoices: {A: 45, B: 0.5}\n"))
    assert answer.answer == "45" and answer.choices == {"A": "45", "B": "0.5"}
    claim = load_problem(write(tmp_path, "id: c\nkind: counterexample\ndefinition: |\n  def in_domain(n): return n > 1\n"
                                         "  def holds(n): return n < 5\nanswer: 5\n"))
    assert claim.answer == "5" and claim.searched is None    # `searched` only goes with `none`


def test_check_solve_on_hunts_and_exit_codes(tmp_path, capsys):
    code, out = polya(capsys, "check", "--solve", "-v", str(ROOT / "problems/conjectures/hunt.yaml"))
    assert code == 0, out
    assert "reference counterexample 5777 confirmed by the definition" in out
    assert "reference none (searched to" in out
    assert out.splitlines()[-1] == "1 file(s), 43 problem(s); 0 file(s) invalid, 0 problem(s) with errors"
    unsolvable = write(tmp_path, "id: u\nkind: countdown\nrules: game24\nnumbers: [1, 1, 1, 1]\ntarget: 24\n")
    code, out = polya(capsys, "check", "--solve", unsolvable)
    assert code == 2 and "u: no solution (the target cannot be reached: an error)" in out
    assert out.splitlines()[-1] == "1 file(s), 1 problem(s); 0 file(s) invalid, 1 problem(s) with errors"
    wrong = write(tmp_path, "id: w\nkind: counterexample\ndefinition: |\n  def in_domain(n): return n > 1\n"
                            "  def holds(n): return n < 5\nanswer: 3\n")
    code, out = polya(capsys, "check", "--solve", wrong)
    assert code == 2 and "bad problem: the reference counterexample 3 is not one: the claim holds at n = 3" in out


def test_an_answer_in_words_is_not_read_as_algebra(tmp_path, capsys):
    problem = write(tmp_path, "id: a\nkind: answer\nanswer: 45\n")
    code, out = polya(capsys, "verify", problem, "forty-five")
    assert code == 2 and out == "polya: ANSWER: the answer 'forty-five' could not be read as a number; write it in digits"
