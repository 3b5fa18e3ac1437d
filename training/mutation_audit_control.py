"""Control run for training/mutation_check_direct.py's two loader bugs (fixed in 82f84fa): which tests
did the OLD load_tests hand to the checker that fail on the UNMUTATED code, where the NEW one leaves
them out (skipif True) or calls them right (a dict parametrize value)? Each such test "killed" every
mutant it was selected for in the records of sessions 7-9 (training/results/mutation_audit.md).

Run from a copy of the tree under out/ (there ../shared does not resolve, as in the mutation runs):

    mkdir -p out/audit/mutants && cp -r geolocator tests resources out/audit/mutants/
    cd out/audit/mutants && PYTHONPATH=. python ../../../training/mutation_audit_control.py tests/test_x.py [...]

Prints one line per test (name, parameters) that the old loader yields and that differs from the new
loader's (left out, or other parameters), with its outcome on the unmutated code under the old
loader: FAIL (a false-kill source), pass or skip. rc 0 always; a JSON summary is the last line.
`--baseline FILE...`: every test the NEW loader yields, run on the unmutated code; prints the failures.
"""
from __future__ import annotations

import importlib.util
import inspect
import itertools
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutation_check_direct import load_tests as new_load_tests, run_one  # noqa: E402
from _pytest.outcomes import OutcomeException, Skipped  # noqa: E402


def old_load_tests(files: list[str]):
    """load_tests as it was before 82f84fa (git show 82f84fa~1:training/mutation_check_direct.py), verbatim.
    Called before the new one: each loads its own copy of the module, the old copy's functions keep theirs."""
    out = []
    for f in files:
        mod_name = "tests." + Path(f).stem
        spec = importlib.util.spec_from_file_location(mod_name, f)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = mod
        spec.loader.exec_module(mod)
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if not name.startswith("test_") or fn.__module__ != mod_name:
                continue
            sets = [{}]
            for mark in getattr(fn, "pytestmark", []):
                if mark.name == "parametrize":
                    argnames, values = mark.args[0], mark.args[1]
                    keys = [a.strip() for a in argnames.split(",")] if isinstance(argnames, str) else list(argnames)
                    new = []
                    for base, v in itertools.product(sets, values):
                        v = v.values if hasattr(v, "values") and not isinstance(v, (tuple, list)) else v
                        vals = v if len(keys) > 1 else (v,)
                        new.append({**base, **dict(zip(keys, vals))})
                    sets = new
            wanted = set(inspect.signature(fn).parameters) - {"tmp_path", "monkeypatch"}
            for kwargs in sets:
                if wanted <= set(kwargs):
                    out.append((name, fn, kwargs))
    return out


def key(name, kwargs) -> str:
    # addresses differ between the two module copies: not a difference of the loaders
    return re.sub(r" at 0x[0-9a-f]+", "", f"{name}{kwargs!r}") if kwargs else name


def baseline(files: list[str], limit_s: int = 120) -> None:
    """Every test the NEW loader yields, on the unmutated code: any failure here would be a false kill
    of the fixed checker too (prints FAIL lines only, then a JSON count)."""
    import signal

    def alarm(*_):
        raise TimeoutError(f"over {limit_s} s")

    signal.signal(signal.SIGALRM, alarm)
    counts = {"pass": 0, "skip": 0, "fail": 0}
    for f in files:
        try:
            tests = new_load_tests([f])
        except Exception as e:  # noqa: BLE001
            print(f"{f}\tLOAD-ERROR\t{type(e).__name__}: {e}", flush=True)
            continue
        for name, fn, kwargs in tests:
            signal.alarm(limit_s)
            try:
                run_one(fn, kwargs)
                counts["pass"] += 1
            except Skipped:
                counts["skip"] += 1
            except (Exception, OutcomeException) as e:  # noqa: BLE001
                counts["fail"] += 1
                print(f"{f}\t{key(name, kwargs)[:160]}\tFAIL {type(e).__name__}", flush=True)
            finally:
                signal.alarm(0)
        print(f"{f}\tdone {len(tests)}", flush=True)
    print(json.dumps(counts))


def main() -> None:
    files = sys.argv[1:]
    if files and files[0] == "--baseline":
        return baseline(files[1:])
    summary = {}
    for f in files:
        try:
            old = old_load_tests([f])
            new = {key(n, k) for n, _, k in new_load_tests([f])}
        except Exception as e:  # noqa: BLE001 - a file that does not import here
            print(f"{f}\tLOAD-ERROR\t{type(e).__name__}: {e}", flush=True)
            summary[f] = "load-error"
            continue
        bad = []
        for name, fn, kwargs in old:
            if key(name, kwargs) in new:
                continue  # both loaders hand the checker the same call
            try:
                run_one(fn, kwargs)
                verdict = "pass"
            except Skipped:
                verdict = "skip"
            except (Exception, OutcomeException) as e:  # noqa: BLE001
                verdict = f"FAIL {type(e).__name__}"
            if verdict.startswith("FAIL"):
                bad.append(name)
            print(f"{f}\t{key(name, kwargs)[:160]}\t{verdict}", flush=True)
        summary[f] = {"old": len(old), "new": len(new), "false_kill_sources": sorted(set(bad))}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
