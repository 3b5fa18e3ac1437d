"""Check mutmut's mutants of one module against test functions called directly, without a pytest
session per mutant (session 7: at load ~28 on the shared 2 cores a process at nice 10 got ~1 % of
a core, and a pytest session's start-up cost more than the tiny tests themselves).

Each test function of the given files (module-level `test_*`, parametrized ones over their
`pytest.mark.parametrize` values) is called with the fixtures they use here, `tmp_path` (a fresh
folder) and `monkeypatch` (pytest's MonkeyPatch, undone after the test). Any exception = killed
(rc 1); every selected test passing = survived (rc 0); past --timeout seconds = -24. A mutant that
crashes the interpreter is recorded as -11 by the next run (--out's .started file). Tests are
chosen per mutated function by mutation_check_all.KW (all tests of the files for a function without
keywords). Mutants with exit code 1 or -11 in --meta (killed by mutmut) are skipped.

Run from mutants/ (test files copied there):

    python ../../../training/mutation_check_direct.py MODULE --meta SAVED.meta --tests tests/test_x.py [...] --out x.jsonl

`--names LIST --all-tests`: exactly the mutants of LIST against every test of the files (how the
sequence, evaluate, predict and candidates records were re-checked).
"""
from __future__ import annotations

import argparse
import importlib.util
import inspect
import itertools
import json
import os
import re
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutation_check_all import KW, function_of, mutant_names  # noqa: E402
from _pytest.mark.structures import ParameterSet  # noqa: E402
from _pytest.outcomes import OutcomeException, Skipped  # noqa: E402


class Timeout(BaseException):
    pass


def load_tests(files: list[str]):
    """[(name, function, kwargs)] of the files' test functions, one per parameter set."""
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
            # a module's `pytestmark` (one mark or a list) applies to each of its tests, as in pytest
            mod_marks = getattr(mod, "pytestmark", [])
            marks = [*(mod_marks if isinstance(mod_marks, list) else [mod_marks]), *getattr(fn, "pytestmark", [])]
            # a test pytest would skip here (its condition a plain bool, e.g. a shared folder that is
            # absent) is left out: run anyway it fails on the unmutated code and "kills" every mutant
            if any(m.name == "skipif" and m.args and m.args[0] is True for m in marks):
                continue
            sets = [{}]
            for mark in marks:
                if mark.name == "parametrize":
                    argnames, values = mark.args[0], mark.args[1]
                    keys = [a.strip() for a in argnames.split(",")] if isinstance(argnames, str) else list(argnames)
                    new = []
                    for base, v in itertools.product(sets, values):
                        # pytest.param(...): its values, one per argname even for one argname (a plain dict
                        # parameter has .values too: not that)
                        if isinstance(v, ParameterSet):
                            vals = v.values
                        else:
                            vals = v if len(keys) > 1 else (v,)
                        new.append({**base, **dict(zip(keys, vals))})
                    sets = new
            wanted = set(inspect.signature(fn).parameters) - {"tmp_path", "monkeypatch"}
            for kwargs in sets:
                if wanted <= set(kwargs):  # tests needing other fixtures are left out
                    out.append((name, fn, kwargs))
    return out


def run_one(fn, kwargs) -> None:
    from _pytest.monkeypatch import MonkeyPatch

    params = inspect.signature(fn).parameters
    mp = MonkeyPatch()
    try:
        extra = {}
        if "tmp_path" in params:
            extra["tmp_path"] = Path(tempfile.mkdtemp(prefix="mutrr_"))
        if "monkeypatch" in params:
            extra["monkeypatch"] = mp
        fn(**kwargs, **extra)
    finally:
        mp.undo()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("module")
    ap.add_argument("--meta", required=True)
    ap.add_argument("--tests", nargs="+", required=True)
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default=None)
    ap.add_argument("--stats", default=None, help="mutmut-stats.json: pick the tests it maps to the function instead of KW")
    ap.add_argument("--max-test-s", type=float, default=1e9, help="with --stats: only tests that took under this")
    ap.add_argument("--skip-checked", nargs="*", default=[], help="other .jsonl files whose mutants are done")
    ap.add_argument("--names", default=None, help="a file of mutant names, one a line: check exactly these "
                    "(whatever --meta says of them)")
    ap.add_argument("--all-tests", action="store_true", help="every test of --tests for every mutant (no KW)")
    args = ap.parse_args()
    codes = json.loads(Path(args.meta).read_text())["exit_code_by_key"]
    names = (Path(args.names).read_text().split() if args.names else mutant_names(args.module))
    out = Path(args.out)
    done = set()
    for f in [out, *map(Path, args.skip_checked)]:
        if f.exists():
            done |= {json.loads(line)["name"] for line in f.read_text().splitlines()}
    started = out.with_suffix(".started")
    if started.exists() and started.read_text().strip() and started.read_text().strip() not in done:
        with out.open("a") as f:
            f.write(json.dumps({"name": started.read_text().strip(), "rc": -11, "how": "crashed"}) + "\n")
        done.add(started.read_text().strip())
    tests = load_tests(args.tests)
    full = json.loads(Path(args.stats).read_text()) if args.stats else {}
    stats = full.get("tests_by_mangled_function_name") if args.stats else None
    durations = full.get("duration_by_test", {})
    signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(Timeout()))
    for name in names:
        if name in done or (not args.names and codes.get(name) in (1, -11)) or (args.only and not re.search(args.only, name)):
            continue
        short = function_of(name).split(".")[-1]
        words = None if args.all_tests else next(
            (w for key, w in KW.items() if short == key or (key.endswith("ǁ") and short.startswith(key))), None)
        if stats is not None:
            mapped = {t.split("::")[-1].split("[")[0] for t in stats.get(function_of(name), [])
                      if durations.get(t, 0) < args.max_test_s}
            chosen = [t for t in tests if t[0] in mapped]
        else:
            chosen = [t for t in tests if words is None or any(w in t[0] for w in words)]
        started.write_text(name)
        os.environ["MUTANT_UNDER_TEST"] = name
        rc, failed = 0, None
        signal.alarm(args.timeout)
        try:
            for tname, fn, kwargs in chosen:
                try:
                    run_one(fn, kwargs)
                except Skipped:
                    continue  # a test that skips itself says nothing about the mutant
                except (Exception, OutcomeException) as e:  # noqa: BLE001 - any failure kills the mutant
                    # (pytest.fail / a pytest.raises that did not raise: OutcomeException, not an Exception)
                    rc, failed = 1, f"{tname}{kwargs or ''}: {type(e).__name__}"
                    break
        except Timeout:
            rc, failed = -24, "timeout"
        finally:
            signal.alarm(0)
        with out.open("a") as f:
            f.write(json.dumps({"name": name, "rc": rc, "mutmut": codes.get(name), "n_tests": len(chosen),
                                "failed": failed}) + "\n")
        print(name, rc, failed, flush=True)
    started.write_text("")


if __name__ == "__main__":
    main()
