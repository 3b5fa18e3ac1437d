"""The hand-mutant lists still apply to today's code (session 35): a mutant whose text no longer occurs
exactly once in its file stops a sweep with an AssertionError (hand_mutants.run), or is silently not
run, and sessions 25's and 33's lists had gone stale that way unseen (24 mutants) as the code they
mutate was rewritten. This test names each mutant that stopped applying (hand_mutants.stale), so
whoever rewrites a line a list mutates points the mutant at the new line, or drops it saying why."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

import hand_mutants  # noqa: E402

# session 36: sessions 18-31's lists checked too (of their 40 stale mutants 37 re-pointed, 3 dropped saying why)
SCRIPTS = ("mutation_check_session18_mend18.py", "mutation_check_session19_mend19.py",
           "mutation_check_session23_mend23.py", "mutation_check_session24_mend24.py",
           "mutation_check_session25_mend25.py", "mutation_check_session26_mend26.py",
           "mutation_check_session27_mend27.py", "mutation_check_session28_mend28.py",
           "mutation_check_session29_mend29.py", "mutation_check_session30_mend30.py",
           "mutation_check_session31_clock31.py", "mutation_check_session33.py", "mutation_check_session34.py",
           "mutation_check_session35.py", "mutation_check_session36.py",
           "mutation_check_session36b.py", "mutation_check_session37.py", "mutation_check_ownout37.py")


def _mutants(script: str):
    spec = importlib.util.spec_from_file_location(script[:-3] + "_patterns", ROOT / "training" / script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # the lists only: each script runs its mutants under __main__
    return mod.M


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_mutant_of_the_list_applies_to_todays_code(script):
    mutants = _mutants(script)
    assert len({m[0] for m in mutants}) == len(mutants), "two mutants share a name"
    assert hand_mutants.stale(mutants) == []


def test_stale_names_a_moved_line_a_repeated_line_and_a_missing_test_file(tmp_path):
    (tmp_path / "mod.py").write_text("X = 1\nY = 2\nY = 2\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_mod.py").write_text("")
    mutants = [("OK", "mod.py", "X = 1", "X = 3", "tests/test_mod.py"),
               ("GONE", "mod.py", "Z = 1", "Z = 3", ("tests/test_mod.py",)),
               ("TWICE", "mod.py", "Y = 2", "Y = 3", "tests/test_mod.py"),
               ("NOTEST", "mod.py", "X = 1", "X = 4", ("-m", "slow", "tests/test_gone.py::test_a")),
               ("NOFILE", "gone.py", "X = 1", "X = 4", "tests/test_mod.py")]
    assert hand_mutants.stale(mutants, tmp_path) == [
        "GONE: mod.py: its text occurs 0 times", "TWICE: mod.py: its text occurs 2 times",
        "NOTEST: no test file tests/test_gone.py::test_a", "NOFILE: gone.py: its text occurs 0 times (no such file)"]


def test_check_mode_runs_nothing_and_fails_on_a_stale_list(tmp_path, capsys):
    (tmp_path / "mod.py").write_text("X = 1\n")
    ok = [("OK", "mod.py", "X = 1", "X = 3", "test_mod.py")]
    assert hand_mutants.main_old_new(ok, (), ["--check"], root=tmp_path) == 0
    assert capsys.readouterr().out.strip() == "all 1 mutants apply"
    gone = ("GONE", "mod.py", "Z", "W", "test_mod.py")
    assert hand_mutants.main_old_new([*ok, gone], (), ["--check"], root=tmp_path) == 1
    assert capsys.readouterr().out.strip() == "GONE: mod.py: its text occurs 0 times"
    assert (tmp_path / "mod.py").read_text() == "X = 1\n"  # nothing applied
