"""`polya check` and `polya verify`: exit codes, one-line messages, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli import main

ROOT = Path(__file__).resolve().parents[1]
P269 = str(ROOT / "problems/digits/nyt-269.yaml")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_done_means_269(capsys):
    code, out, _ = run(capsys, "verify", P269, "2*7*21-25")
    assert code == 0 and out.startswith("correct")
    code, out, _ = run(capsys, "verify", P269, "21*7+21*7-25")
    assert code == 1
    assert out.strip() == "rejected: uses 21 twice, but there is only one 21; uses 7 twice, but there is only one 7"


def test_check_validates_the_whole_problems_folder(capsys):
    code, out, err = run(capsys, "check", str(ROOT / "problems"))
    assert code == 0, err
    assert "digits/dev.yaml: 300 problems (countdown 300) suite digits-dev" in out
    assert "game24/dev.yaml: 1262 problems (countdown 1262)" in out
    assert "math/math500-dev.yaml: 400 problems (answer 400)" in out
    assert out.strip().splitlines()[-1].endswith("; 0 file(s) invalid")


def test_check_solve_reports_ground_truth(capsys):
    code, out, _ = run(capsys, "check", "--solve", P269, str(ROOT / "problems/sequences/examples.yaml"))
    assert code == 0
    assert "nyt-269: 331 solutions; shortest (3 moves):" in out
    assert "central-polygonal: next 4 terms: 37, 46, 56, 67" in out


def test_verify_picks_from_a_suite_with_id(capsys):
    suite = str(ROOT / "problems/digits/dev.yaml")
    code, out, _ = run(capsys, "verify", suite, "--id", "nyt-d000-p1", "25*2+5")
    assert code == 0 and "correct" in out
    code, _, err = run(capsys, "verify", suite, "25*2+5")
    assert code == 2 and "pick one with --id" in err
    code, _, err = run(capsys, "verify", suite, "--id", "nope", "1")
    assert code == 2 and "no problem with id 'nope'" in err


def test_verify_json_and_other_kinds(capsys):
    code, out, _ = run(capsys, "verify", "--json", P269, "2*7*21-25")
    assert code == 0 and '"ok": true' in out and '"verified": true' in out
    code, out, _ = run(capsys, "verify", str(ROOT / "problems/math/examples.yaml"), "--id", "half", "\\frac{2}{4}")
    assert code == 0
    code, out, _ = run(capsys, "verify", str(ROOT / "problems/olympiad/imo-2024-p3.yaml"), "a proof")
    assert code == 1 and out.startswith("unverified:")


@pytest.mark.parametrize("text,needle", [
    ("id: x\nkind: [countdown\n", "malformed YAML"),
    ("", "empty file"),
    ("id: x\nkind: riddle\n", "unknown kind 'riddle'"),
    ("id: x\nkind: countdown\nrules: chess\nnumbers: [1, 2]\ntarget: 3\n", "unknown rule set 'chess'"),
    ("id: x\nkind: countdown\nrules: digits\nnumbers: [1, 2]\n", "missing field 'target'"),
    ("id: x\nkind: countdown\nrules: digits\nnumbers: one\ntarget: 3\n", "field 'numbers'"),
])
def test_bad_problem_files_exit_2_with_one_line(tmp_path, capsys, text, needle):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    for argv in (["check", str(bad)], ["verify", str(bad), "1+1"]):
        code, _, err = run(capsys, *argv)
        assert code == 2
        lines = [line for line in err.splitlines() if line.startswith("polya:")]
        assert len(lines) == 1 and str(bad) in lines[0] and needle in lines[0]
        assert "Traceback" not in err


def test_check_goes_on_after_a_bad_file(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text("id: x\nkind: riddle\n")
    (tmp_path / "b.yaml").write_text("id: y\nkind: answer\nanswer: '1'\n")
    code, out, err = run(capsys, "check", str(tmp_path))
    assert code == 2 and "b.yaml: 1 problem (answer 1)" in out and "a.yaml" in err
    assert "2 file(s), 1 problem(s); 1 file(s) invalid" in out


def test_missing_path_and_unparseable_candidate(tmp_path, capsys):
    code, _, err = run(capsys, "check", str(tmp_path / "nope"))
    assert code == 2 and "no such file or folder" in err
    code, out, err = run(capsys, "verify", P269, "2*(7+")
    assert code == 2 and err.strip() == "polya: ANSWER: cannot read the candidate: expected ')' at the end"
    assert "Traceback" not in err
    code, out, _ = run(capsys, "verify", "--json", P269, "hello")
    assert code == 2 and '"readable": false' in out


def test_real_process_exit_codes_and_stdin():
    cmd = [sys.executable, "-m", "agent", "verify", P269, "-"]
    ok = subprocess.run(cmd, input="Steps:\n2 * 7 = 14\n14 * 21 = 294\n294 - 25 = 269\n", capture_output=True,
                        text=True, cwd=ROOT, timeout=120)
    assert ok.returncode == 0 and ok.stdout.startswith("correct"), ok.stderr
    bad = subprocess.run([sys.executable, "-m", "agent", "verify", str(ROOT / "nope.yaml"), "1"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "no such file" in bad.stderr
