"""Run hand mutants: apply one text replacement to a file, run the test file that should kill it,
restore the file, print KILLED or SURVIVED. The session scripts hold only their mutant lists:
mutation_check_session*.py call run() (in place, one test file a mutant), hand_mutants_session12_mend.py
and hand_mutants_session13_mend.py call run_mutants() (each mutant in a fresh `git archive` of HEAD,
several test files a mutant). A mutant whose test run outlives `timeout` seconds is counted killed (a
hang is a detection, as mutation tools count it: the tests did not pass) and the sweep goes on."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pytest(cmd, cwd, env, timeout: float):
    """Run `cmd` in its own process group; (return code, stdout, stderr), the code None when it ran
    past `timeout` seconds (the whole group is then killed, so a test's own child processes cannot
    keep the pipes open and hang the sweep)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        return None, out, err


def run(mutants, names=(), pytest_args=(), timeout: float = 600, root: Path = ROOT) -> list[tuple[str, str]]:
    """`mutants`: (name, file relative to the repository, old text (exactly once in it), new text,
    test file, or a tuple of test files). `names`: run only these (all when empty). `pytest_args`:
    added to each pytest run. `timeout`: seconds a mutant's test run may take; past it the mutant
    is KILLED (timed out) and the next one runs. `root`: the repository (this one by default).
    Prints one line a mutant; returns [(name, "KILLED" or "SURVIVED")]."""
    only = set(names)
    verdicts = []
    for name, rel, old, new, test in mutants:
        if only and name not in only:
            continue
        p = root / rel
        text = p.read_text()
        assert text.count(old) == 1, (name, text.count(old))
        p.write_text(text.replace(old, new))
        try:
            env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=".")
            code, out, _ = _pytest(["nice", "-n", "10", sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                                    *pytest_args, *((test,) if isinstance(test, str) else test)], root, env, timeout)
            if code is None:
                verdict, last = "KILLED", f"timed out after {timeout:g} s"
            else:
                verdict = "KILLED" if code else "SURVIVED"
                lines = [line for line in out.splitlines() if "passed" in line or "failed" in line or "error" in line]
                last = lines[-1] if lines else code
            print(name, rel, verdict, last, flush=True)
            verdicts.append((name, verdict))
        finally:
            p.write_text(text)
    return verdicts



def stale(mutants, root: Path = ROOT) -> list[str]:
    """The mutants of `mutants` (run()'s tuples) that no longer apply to the code under `root`: one line
    each, "NAME: FILE: its text occurs N times" (run() needs it exactly once) or "NAME: no test file
    PATH". Empty when every mutant applies. Reads only; runs nothing (session 35: sessions 25's and
    33's lists had gone stale unseen, the code they mutate rewritten since)."""
    out = []
    for name, rel, old, _new, test in mutants:
        path = root / rel
        n = path.read_text().count(old) if path.is_file() else 0
        if n != 1:
            out.append(f"{name}: {rel}: its text occurs {n} times" + ("" if path.is_file() else " (no such file)"))
        for t in (test,) if isinstance(test, str) else test:
            if t.startswith("tests/") and not (root / t.split("::")[0]).is_file():
                out.append(f"{name}: no test file {t}")
    return out


def main_old_new(mutants, new_tests, argv, root: Path = ROOT, pytest_args=()) -> int:
    """A session script's command line: `argv` names mutants to run (all when none), `--old-only` runs
    each without the test files written for the survivors (`new_tests`), i.e. the tests as they were,
    `--new-only` with those files alone, `--check` runs nothing and prints the mutants that no longer
    apply to today's code (stale; returns 1 when any, else 0). A mutant left with no test file is
    skipped (a bare pytest would run the whole suite). `pytest_args`: added to each pytest run. Prints
    the verdicts (run) and a summary line; returns 0."""
    if "--check" in argv:
        left = stale(mutants, root)
        print("\n".join(left) or f"all {len(mutants)} mutants apply")
        return 1 if left else 0
    new_only, old_only = "--new-only" in argv, "--old-only" in argv
    names = [a for a in argv if a not in ("--new-only", "--old-only")]

    def keep(t):
        t = (t,) if isinstance(t, str) else t
        if new_only:
            return tuple(x for x in t if x in new_tests or not x.startswith("tests/"))
        if old_only:
            return tuple(x for x in t if x not in new_tests)
        return t
    chosen = []
    for n, f, o, w, t in mutants:
        t = tuple(x for x in keep(t) if not x.startswith("tests/") or (root / x.split("::")[0]).is_file())
        if any(x.startswith("tests/") for x in t):
            chosen.append((n, f, o, w, t))
    verdicts = run(chosen, names, pytest_args, root=root)
    left = [n for n, v in verdicts if v == "SURVIVED"]
    print(f"{len(verdicts)} mutants, {len(verdicts) - len(left)} killed, survived: {' '.join(left) or 'none'}")
    return 0

def run_mutants(root: Path, mutants, nice: int = 10, timeout: float = 600) -> list[dict]:
    """`mutants`: (name, file relative to `root`, old text, new text, [test files]). Each is applied to a
    fresh `git archive` of `root`'s HEAD in root/out/mut and the test files run there (`pytest -x`, this
    Python, OMP_NUM_THREADS=1, `nice`); killed = any test fails, or the run outlives `timeout` seconds. One JSON line a mutant (its pytest's wall
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
        code, stdout, stderr = _pytest(["nice", "-n", str(nice), sys.executable, "-m", "pytest", "-q", "-x", "-p",
                                        "no:cacheprovider", *tests], work, {**os.environ, "OMP_NUM_THREADS": "1"}, timeout)
        c2 = os.times()
        last = (f"timed out after {timeout:g} s" if code is None
                else stdout.strip().splitlines()[-1] if stdout.strip() else stderr[-200:])
        out.append({"mutant": name, "killed": code != 0, "tail": last, "s": round(time.time() - t, 1),
                    "cpu_s": round(c2.children_user + c2.children_system - c.children_user - c.children_system, 1)})
        print(json.dumps(out[-1]), flush=True)
    ran = [o for o in out if o["killed"] is not None]
    print(f"{sum(o['killed'] for o in ran)} of {len(ran)} killed; {len(out) - len(ran)} not applicable to HEAD")
    return out
