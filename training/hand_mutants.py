"""Run hand mutants: apply one text replacement to a file, run the test file that should kill it,
restore the file, print KILLED or SURVIVED. The session scripts hold only their mutant lists:
mutation_check_session*.py call run() (in place, one test file a mutant), hand_mutants_session12_mend.py
and hand_mutants_session13_mend.py call run_mutants() (each mutant in a fresh `git archive` of HEAD,
several test files a mutant)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(mutants, names=(), pytest_args=()) -> None:
    """`mutants`: (name, file relative to the repository, old text (exactly once in it), new text,
    test file, or a tuple of test files). `names`: run only these (all when empty). `pytest_args`:
    added to each pytest run."""
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
                                *pytest_args, *((test,) if isinstance(test, str) else test)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
            last = [line for line in r.stdout.splitlines() if "passed" in line or "failed" in line or "error" in line]
            print(name, rel, "KILLED" if r.returncode else "SURVIVED", last[-1] if last else r.returncode, flush=True)
        finally:
            p.write_text(text)


def run_mutants(root: Path, mutants, nice: int = 10) -> list[dict]:
    """`mutants`: (name, file relative to `root`, old text, new text, [test files]). Each is applied to a
    fresh `git archive` of `root`'s HEAD in root/out/mut and the test files run there (`pytest -x`, this
    Python, OMP_NUM_THREADS=1, `nice`); killed = any test fails. One JSON line a mutant (its pytest's wall
    and CPU seconds) and a total. A mutant whose old text is not in today's file exactly once (the code
    moved on since its session) is printed as not applicable and not run, instead of stopping the run.
    (Sessions 12-13's runner; session 22 merged run() in its place and the two lists that call this one
    stopped with ImportError until session 23 restored it.)"""
    work = root / "out" / "mut"
    out = []
    for name, path, old, new, tests in mutants:
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        subprocess.run(f"git -C '{root}' archive HEAD | tar -x -C '{work}'", shell=True, check=True)
        f = work / path
        text = f.read_text()
        if text.count(old) != 1:
            out.append({"mutant": name, "killed": None, "tail": f"not applicable: its text occurs {text.count(old)} "
                        f"times in {path} at HEAD"})
            print(json.dumps(out[-1]), flush=True)
            continue
        f.write_text(text.replace(old, new))
        t, c = time.time(), os.times()
        r = subprocess.run(["nice", "-n", str(nice), sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                            *tests], cwd=work, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
        c2 = os.times()
        last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr[-200:]
        out.append({"mutant": name, "killed": r.returncode != 0, "tail": last, "s": round(time.time() - t, 1),
                    "cpu_s": round(c2.children_user + c2.children_system - c.children_user - c.children_system, 1)})
        print(json.dumps(out[-1]), flush=True)
    ran = [o for o in out if o["killed"] is not None]
    print(f"{sum(o['killed'] for o in ran)} of {len(ran)} killed; {len(out) - len(ran)} not applicable to HEAD")
    return out
