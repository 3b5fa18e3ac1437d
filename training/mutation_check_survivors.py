"""Check mutmut survivors one by one against tests written after the run, in-process.

A full `mutmut run` took 3-4 s per mutant on the shared 2-core machine; this re-runs only the
survivors (exit code 0 in mutants/**/*.py.meta), each in its own in-process pytest session with
MUTANT_UNDER_TEST naming it (mutmut's trampolines read it at call time). pytest exit 1 = killed.

Run from mutants/ after copying the new test files there:

    python ../training/mutation_check_survivors.py MODULE [MODULE ...] --tests tests/test_x.py [...] [-k EXPR] [--meta SAVED]

MODULE: a module of geolocator.core as mutmut names it, e.g. `sources.mbtiles`, `export`.
Session 5 (core/sources) passed a -k per mutated function (KW below, `--session5`).
Prints "name rc" per survivor and writes recheck.json ({name: rc})."""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
from pathlib import Path

import pytest

# session 5: each mutated function of core/sources and the tests of test_sources_exact.py written for it
KW = {
    'geotiff.x__valid_fraction': 'valid_fraction', 'geotiff.x__offsets': 'offsets',
    'geotiff.x_cut_geotiff': 'refusal or metre or rotation_term or gcp', 'geotiff.x_import_rasterio': 'rasterio',
    'worldfile.x_resample_north_up': 'north_up or quarter or one_pixel or float_range or too_large or without_rasterio',
    'worldfile.x_northup_cache_dir': 'cache_unless', 'worldfile.x_foreign_world_files': 'upper_case',
    'worldfile.x__image_crs': 'prj', 'worldfile.x__tile_': 'rotated_tiles or rotation_term_alone',
    'xyz.x_read_tilemapresource': 'tilemapresource', 'xyz.x_row_order_from_template': 'templates',
    'xyz.x__overlaps': 'touching',
}


def survivors(module: str, meta: str | None = None) -> list[str]:
    """Survivors of `module` in its mutants/ .meta file, or in a copy of it (`meta`) saved before a
    configuration change made mutmut reset its results."""
    path = Path(meta) if meta else Path("geolocator/core", *module.split(".")).with_suffix(".py.meta")
    codes = json.loads(path.read_text())["exit_code_by_key"]
    return sorted(k for k, v in codes.items() if v == 0)


def _session5_kw(name: str) -> str | None:
    short = name.replace("geolocator.core.sources.", "")
    return next((kw for pre, kw in KW.items() if pre + "_" in short or short.startswith(pre + "__mutmut")), None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("modules", nargs="+")
    ap.add_argument("--tests", nargs="+", default=["tests/test_sources_exact.py"])
    ap.add_argument("-k", default=None, help="pytest -k for every survivor")
    ap.add_argument("--session5", action="store_true", help="session 5's -k per mutated function (KW)")
    ap.add_argument("--meta", default=None, help="a saved copy of the (one) module's .meta file")
    ap.add_argument("--out", default="recheck.json")
    args = ap.parse_args()
    out = {}
    for module in args.modules:
        for name in survivors(module, args.meta):
            kw = _session5_kw(name) if args.session5 else args.k
            if args.session5 and kw is None:
                continue
            os.environ["MUTANT_UNDER_TEST"] = name
            with contextlib.redirect_stdout(io.StringIO()):
                rc = pytest.main([*args.tests, "-x", "-q", "-p", "no:cacheprovider", "-W", "ignore",
                                  *(["-k", kw] if kw else [])])
            out[name] = int(rc)
            print(name, int(rc), flush=True)
    Path(args.out).write_text(json.dumps(out, indent=0))


if __name__ == "__main__":
    main()
