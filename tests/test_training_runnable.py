"""Every training/ script still runs on today's code (session 23's reproduction review).

The figures of README.md and docs/results.md are reproduced by the scripts in training/; the slow tier smoke-runs the ones
its tables hang on (test_training_scripts*.py), but nothing in the default run looked at the
others, and a rename in geolocator/ broke them silently: session 22's merge of hand_mutants.run
removed hand_mutants.run_mutants, which hand_mutants_session12_mend.py and
hand_mutants_session13_mend.py import, so both died with ImportError (and session 12's also
pointed at another engineer's worktree, /work/wt/mend). This test fails on any such break within
seconds: every name a script imports from geolocator or a training/ sibling, inside functions
too, must exist, and every argparse script must answer --help (tests/training_scripts_check.py
says exactly what is run for each kind of script)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p.name for p in (ROOT / "training").glob("*.py"))


def _check(*names: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg",
           "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "training_scripts_check.py"), *names], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_every_training_script_imports_what_exists_and_answers_help():
    """One subprocess for all ~70 scripts (torch is imported once): a few seconds of CPU."""
    result = _check()
    assert result["checked"] == SCRIPTS  # none skipped
    assert result["failures"] == {}, json.dumps(result["failures"], indent=1)


def test_the_check_finds_a_name_a_script_imports_that_does_not_exist(tmp_path):
    """The check itself: a script importing a name core does not have (inside a function, where
    neither an import nor --help reaches), a sibling name that is not defined, and an attribute of
    a core module that does not exist are each reported; a well-formed script is not."""
    bad, good = tmp_path / "probe_bad.py", tmp_path / "probe_good.py"
    bad.write_text(
        '"""probe"""\nimport argparse\nfrom geolocator.core import predict as P\n\n\n'
        "def main():\n    from geolocator.core.pipeline import NoSuchSettings  # noqa: F401\n"
        "    from tables import no_such_helper  # noqa: F401\n    return P.no_such_function\n\n\n"
        'if __name__ == "__main__":\n    ap = argparse.ArgumentParser()\n    ap.parse_args()\n    main()\n')
    good.write_text(
        '"""probe"""\nimport argparse\nfrom geolocator.core import predict as P\n\n\n'
        "def main():\n    from geolocator.core.pipeline import Settings  # noqa: F401\n"
        "    from tables import add_row  # noqa: F401\n    return P.verified_confidence\n\n\n"
        'if __name__ == "__main__":\n    ap = argparse.ArgumentParser()\n    ap.parse_args()\n    main()\n')
    found = _check(str(bad), str(good))["failures"]
    assert list(found) == [bad.name]
    text = "\n".join(found[bad.name])
    assert "geolocator.core.pipeline has no NoSuchSettings" in text
    assert "training/tables.py defines no no_such_helper" in text
    assert "geolocator.core.predict has no no_such_function" in text
