"""Run hand-written mutants (the hand_mutants_session*.py records): each applied to a fresh `git archive`
of ROOT's HEAD in ROOT/out/mut, the listed test files run (`pytest -x`, nice, OMP_NUM_THREADS=1);
killed = any test fails. Prints one JSON line a mutant (wall and CPU seconds of its pytest) and a total."""
import json
import os
import shutil
import subprocess
import time
from pathlib import Path


def run_mutants(root: Path, mutants, nice: int = 10) -> list[dict]:
    """mutants: (name, file relative to root, old text (must occur once), new text, [test files])."""
    work = root / "out" / "mut"
    out = []
    for name, path, old, new, tests in mutants:
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        subprocess.run(f"cd {root} && git archive HEAD | tar -x -C {work}", shell=True, check=True)
        f = work / path
        s = f.read_text()
        assert s.count(old) == 1, (name, s.count(old))
        f.write_text(s.replace(old, new))
        t, c = time.time(), os.times()
        r = subprocess.run(["nice", "-n", str(nice), "/work/main/.venv/bin/python", "-m", "pytest", "-q", "-x", "-p",
                            "no:cacheprovider", *tests], cwd=work, capture_output=True, text=True,
                           env={**os.environ, "OMP_NUM_THREADS": "1"})
        c2 = os.times()
        last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr[-200:]
        out.append({"mutant": name, "killed": r.returncode != 0, "tail": last, "s": round(time.time() - t, 1),
                    "cpu_s": round(c2.children_user + c2.children_system - c.children_user - c.children_system, 1)})
        print(json.dumps(out[-1]), flush=True)
    print(f"{sum(o['killed'] for o in out)} of {len(out)} killed")
    return out
