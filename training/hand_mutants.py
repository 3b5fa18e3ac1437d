"""Run hand mutants: apply one text replacement to a file, run the test file that should kill it,
restore the file, print KILLED or SURVIVED. The session scripts (mutation_check_session*.py) hold
only their mutant lists and call run()."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(mutants, names=(), pytest_args=()) -> None:
    """`mutants`: (name, file relative to the repository, old text (exactly once in it), new text,
    test file). `names`: run only these (all when empty). `pytest_args`: added to each pytest run."""
    only = set(names)
    for name, rel, old, new, test in mutants:
        if only and name not in only:
            continue
        p = ROOT / rel
        text = p.read_text()
        assert text.count(old) == 1, (name, text.count(old))
        p.write_text(text.replace(old, new))
        try:
            env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=".")
            r = subprocess.run(["nice", "-n", "10", sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                                *pytest_args, test], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
            last = [line for line in r.stdout.splitlines() if "passed" in line or "failed" in line or "error" in line]
            print(name, rel, "KILLED" if r.returncode else "SURVIVED", last[-1] if last else r.returncode, flush=True)
        finally:
            p.write_text(text)
