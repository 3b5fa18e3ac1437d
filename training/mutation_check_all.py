"""Run mutmut's mutants of one module in-process against chosen fast tests, one mutant at a time.

Session 7 (retrieval.py, rerank.py): at load 25-30 on the shared 2-core machine `mutmut run` managed
about 0.2 mutants/s, because for a surviving mutant it ran every selected test that calls the
function (some decode demo images and run SIFT, 20-60 s). This checks the mutants that mutmut did
not get to (or did not kill) against the tests written for them, in-process like
mutation_check_survivors.py: MUTANT_UNDER_TEST names the mutant (mutmut's trampolines read it at call
time), pytest exit 1 = killed. A mutant that crashes the interpreter (faiss segfault) is recorded
as -11 and the run resumes after it (run in a loop by the shell, see --resume); one that runs past
--timeout seconds as -24 (killed by timeout, as mutmut counts it).

Run from mutants/ (with the test files copied there):

    python ../../../training/mutation_check_all.py MODULE --meta SAVED.meta --tests FILE [...] \
        [--stats mutmut-stats.json --max-test-s 1.0] --out results.jsonl

Tests per mutant: each --tests file's tests whose name shares a word with the mutated function's
keywords (KW below; all of the file for a function without keywords), then, with --stats, the tests
mutmut's stats map to the function that took under --max-test-s, fastest first; -x stops at the
first failure. Mutants with exit code 1 or -11 in SAVED.meta (killed by mutmut) are skipped."""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

# mutated function (mangled name without module) -> words of the exact tests that exercise it
KW = {
    # retrieval.py
    "x__as_float32": ["float64", "similarity", "hand_worked", "single_view", "best_view", "count_above"],
    "x__views": ["float64", "similarity", "hand_worked", "single_view", "best_view", "count_above", "reverse"],
    "x_centre_photo_views": ["centre", "zero_rows", "one_photo", "below_min"],
    "x_top_k": ["top_k"],
    "x_merge_views": ["merge", "search", "index", "single_view", "ivf"],
    "x_search": ["search"],
    "x_search_reverse": ["reverse"],
    "x_similarity": ["similarity", "float64"],
    "x__rows_float32": ["rows_float32", "index", "ivf", "add_loop", "auto_picks", "seed", "save", "load"],
    "xǁTileIndexǁ": ["index", "ivf", "tiles_are_added", "sample", "add_loop", "auto_picks", "seed", "save", "load", "unknown_kind", "nprobe"],
    "x_best_view_scores": ["best_view", "float64"],
    "x_count_above": ["count_above", "float64"],
    "x_ap_from_ranks": ["ap_from"],
    "xǁMappedFeaturesǁ": ["mapped"],
}


def mutant_names(module: str) -> list[str]:
    src = Path("geolocator/core", *module.split(".")).with_suffix(".py").read_text()
    names = set(re.findall(r"\b(x[ǁ_][\wǁ]*?__mutmut_\d+)\b", src))
    return sorted(f"geolocator.core.{module}.{n}" for n in names)


def function_of(name: str) -> str:
    return re.sub(r"__mutmut_\d+$", "", name)


def collect(files: list[str]) -> list[str]:
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
                         capture_output=True, text=True).stdout
    return [line.strip() for line in out.splitlines() if "::" in line]


def tests_for(name: str, exact: list[str], stats: dict, max_s: float) -> list[str]:
    short = function_of(name).split(".")[-1]
    words = next((w for key, w in KW.items() if short == key or (key.endswith("ǁ") and short.startswith(key))), None)
    chosen = [t for t in exact if words is None or any(w in t.split("::")[-1] for w in words)]
    if stats:
        durations = stats["duration_by_test"]
        more = [t for t in stats["tests_by_mangled_function_name"].get(function_of(name), [])
                if durations.get(t, 1e9) < max_s and t not in chosen]
        chosen += sorted(more, key=lambda t: durations.get(t, 0))
    return chosen


class Timeout(Exception):
    pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("module")
    ap.add_argument("--meta", required=True)
    ap.add_argument("--tests", nargs="*", default=[])
    ap.add_argument("--stats", default=None)
    ap.add_argument("--max-test-s", type=float, default=1.0)
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--out", default="check_all.jsonl")
    ap.add_argument("--only", default=None, help="regex a mutant's name must match")
    args = ap.parse_args()
    codes = json.loads(Path(args.meta).read_text())["exit_code_by_key"]
    stats = json.loads(Path(args.stats).read_text()) if args.stats else {}
    out = Path(args.out)
    done = {}
    if out.exists():
        for line in out.read_text().splitlines():
            rec = json.loads(line)
            done[rec["name"]] = rec
    started = out.with_suffix(".started")
    if started.exists():  # the previous process died inside this mutant: a crash counts as killed
        name = started.read_text().strip()
        if name and name not in done:
            with out.open("a") as f:
                f.write(json.dumps({"name": name, "rc": -11, "tests": "crashed"}) + "\n")
            done[name] = {"rc": -11}
    exact = collect(args.tests) if args.tests else []
    signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(Timeout()))
    for name in mutant_names(args.module):
        if name in done or codes.get(name) in (1, -11):
            continue
        if args.only and not re.search(args.only, name):
            continue
        tests = tests_for(name, exact, stats, args.max_test_s)
        started.write_text(name)
        os.environ["MUTANT_UNDER_TEST"] = name
        signal.alarm(args.timeout)
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                rc = int(pytest.main([*tests, "-x", "-q", "-p", "no:cacheprovider", "-W", "ignore"]))
        except Timeout:
            rc = -24
        finally:
            signal.alarm(0)
        with out.open("a") as f:
            f.write(json.dumps({"name": name, "rc": rc, "mutmut": codes.get(name), "n_tests": len(tests)}) + "\n")
        print(name, rc, flush=True)
    started.write_text("")


if __name__ == "__main__":
    main()
