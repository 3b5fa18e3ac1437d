"""Check saved mutmut survivors against fixture-free test modules, all in one process, by calling
the test functions directly (no pytest session per mutant).

training/mutation_check_survivors.py starts one in-process pytest session per survivor; at the
load of session 7 (load average 15-30 on 2 cores) that took about 12 s a mutant, this about 0.2 s.
It reads the same things: mutmut's trampolines look MUTANT_UNDER_TEST up at call time, so setting
it before calling a test runs that test against the mutant.

Run from mutants/ (PYTHONPATH=.) after copying the test files to mutants/tests/:

    python ../training/mutation_check_fast.py SAVED.meta OUT.json tests.test_x_exact [tests.test_y ...]

SAVED.meta: a copy of mutants/geolocator/core/<module>.py.meta; the mutants re-checked are those
with exit code 0 (survived) or 33 (no test of the selection called the function). Every test
function of the modules must take no arguments (no fixtures, no parametrize). Per mutant: rc 1 = a
test raised (killed), 2 = a test ran past 20 s (a timeout: killed, as mutmut counts it), 0 = all
passed (survived). The unmutated code must pass first. Writes OUT.json {name: [rc, test]}."""
from __future__ import annotations

import importlib
import inspect
import json
import os
import signal
import sys


class _Alarm(Exception):
    pass


def _alarm(*_):
    raise _Alarm()


def main() -> None:
    meta, out_path, *modules = sys.argv[1:]
    codes = json.load(open(meta))["exit_code_by_key"]
    names = sorted(k for k, v in codes.items() if v in (0, 33))
    tests = []
    for m in modules:
        for n, f in vars(importlib.import_module(m)).items():
            if n.startswith("test_") and inspect.isfunction(f):
                if inspect.signature(f).parameters:
                    raise SystemExit(f"{m}.{n} takes arguments (fixtures): use mutation_check_survivors.py")
                tests.append((n, f))
    signal.signal(signal.SIGALRM, _alarm)

    def run(name: str, limit: int = 20) -> tuple[int, str | None]:
        os.environ["MUTANT_UNDER_TEST"] = name
        for n, f in tests:
            signal.alarm(limit)
            try:
                f()
            except _Alarm:
                return 2, n
            except BaseException:  # noqa: BLE001 - any failure kills the mutant
                return 1, n
            finally:
                signal.alarm(0)
        return 0, None

    base = run("", 600)  # the first calls import the heavy modules
    if base != (0, None):
        raise SystemExit(f"the tests fail on the unmutated code: {base}")
    out = {}
    for name in names:
        out[name] = list(run(name))
        print(name, *out[name], flush=True)
    os.environ["MUTANT_UNDER_TEST"] = ""
    with open(out_path, "w") as f:
        json.dump(out, f, indent=0)


if __name__ == "__main__":
    main()
