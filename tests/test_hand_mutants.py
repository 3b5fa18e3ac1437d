"""training/hand_mutants.py, the hand-mutant runner: a mutant whose tests hang is counted killed
(a timeout is a detection, as mutation tools count it) and the sweep goes on with the next mutant,
the mutated file restored (session 25; before, the runner's timeout raised and ended the sweep)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

import hand_mutants  # noqa: E402


def _repo(tmp: Path) -> Path:
    """A tiny repository: mod.py (X = 1) and a test that passes for X in (1, 10), fails for any other
    X, and hangs (sleeps 120 s) for X = 2."""
    (tmp / "mod.py").write_text("X = 1\n")
    (tmp / "test_mod.py").write_text(
        "import time\n\nimport mod\n\n\ndef test_x():\n    if mod.X == 2:\n        time.sleep(120)\n"
        "    assert mod.X in (1, 10)\n")
    return tmp


MUTANTS = [
    ("HANG", "mod.py", "X = 1", "X = 2", "test_mod.py"),
    ("FAIL", "mod.py", "X = 1", "X = 3", "test_mod.py"),
    ("LIVE", "mod.py", "X = 1", "X = 10", ("test_mod.py",)),
]


def test_a_mutant_whose_tests_hang_is_killed_and_the_sweep_goes_on(tmp_path, capsys):
    root = _repo(tmp_path)
    t = time.monotonic()
    verdicts = hand_mutants.run(MUTANTS, timeout=15, root=root)
    assert time.monotonic() - t < 100  # the hanging test was stopped, not waited for
    assert verdicts == [("HANG", "KILLED"), ("FAIL", "KILLED"), ("LIVE", "SURVIVED")]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "HANG mod.py KILLED timed out after 15 s"
    assert lines[1].startswith("FAIL mod.py KILLED") and "1 failed" in lines[1]
    assert lines[2].startswith("LIVE mod.py SURVIVED") and "1 passed" in lines[2]
    assert (root / "mod.py").read_text() == "X = 1\n"  # restored after each, the hanging one too


def test_names_pick_the_mutants_run(tmp_path, capsys):
    root = _repo(tmp_path)
    assert hand_mutants.run(MUTANTS, names=("LIVE",), timeout=60, root=root) == [("LIVE", "SURVIVED")]
    assert capsys.readouterr().out.count("\n") == 1
