"""One flight grouping (core/flights.py, session 34): what the two groupings did, and what one costs.

1. `prepare DATA`: two cards of one camera model (tests/test_one_flight_grouping._cards_on_half_foreign_tiles):
   A, 8 demo photos over the demo's own tiles, from 11:00:00; B, 6 demo photos over tiles whose images
   are of somewhere else, from 11:01:00 (EXIF times, no zone, 3 s apart); DATA/half/tiles.csv.
2. `locate DATA`: `geolocator locate A B --clock-zone A=Asia/Tokyo --clock-zone +02:00 --out DATA/p.csv`
   on the committed demo features (tests/demo_features.DemoWorkspace, real SIFT verification), then
   B's rows. Run it from a checkout of main (before) and of this branch (after) on the same DATA.
3. `time N`: seconds for one grouping of N timed photos (metadata in memory, as a locate has it): the
   work each locate no longer does twice (before: Workspace.locate grouped, then the tracks again).

  PYTHONPATH=. OMP_NUM_THREADS=1 python training/bench_flight_grouping.py prepare /tmp/x
  PYTHONPATH=. OMP_NUM_THREADS=1 python training/bench_flight_grouping.py locate /tmp/x
  PYTHONPATH=. OMP_NUM_THREADS=1 python training/bench_flight_grouping.py time 2000
"""

from __future__ import annotations

import csv
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def prepare(data: Path) -> None:
    from tests.test_one_flight_grouping import _cards_on_half_foreign_tiles

    data.mkdir(parents=True, exist_ok=True)
    tiles_csv, files = _cards_on_half_foreign_tiles(data)
    print(tiles_csv, {k: len(v) for k, v in files.items()})


def locate(data: Path) -> None:
    from dataclasses import replace

    from geolocator import cli
    from tests.demo_features import DemoWorkspace, load_demo_features

    features = load_demo_features()
    real = cli._workspace

    def workspace(args):
        settings = replace(real(args).settings, device="cpu", cache_dir=data / "cache", adapter_dir=data / "adapters")
        return DemoWorkspace(settings, features)

    cli._workspace = workspace
    os.chdir(data)
    out = data / "p.csv"
    start = time.perf_counter()
    code = cli.main(["locate", "A", "B", "--tiles", str(data / "half" / "tiles.csv"), "--clock-zone", "A=Asia/Tokyo",
                     "--clock-zone", "+02:00", "--out", str(out), "-q"])
    print(f"exit {code}, {time.perf_counter() - start:.1f} s")
    print("| photo | status | confidence | caution |")
    print("|---|---|---|---|")
    with out.open(newline="", encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            if r["query"].startswith("B"):
                print(f"| {r['query']} | {r['status']} | {r['confidence']} | {r['caution'][:40] or '-'} |")


def timing(n: int) -> None:
    from geolocator.core.model import PhotoMeta, Query
    from geolocator.core.sequence import _sequences

    start = datetime(2026, 12, 4, 11)
    queries = [Query(f"c{k % 4}/P{k:05d}.JPG", Path(f"/cards/c{k % 4}/P{k:05d}.JPG"),
                     meta=PhotoMeta(captured_at=start + timedelta(seconds=2 * k), make="DJI", model=f"M{k % 2}"))
               for k in range(n)]
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        _sequences(queries)
        runs.append(time.perf_counter() - t)
    print(f"{n} timed photos: one grouping {min(runs) * 1000:.1f} ms (best of 5; median {sorted(runs)[2] * 1000:.1f} ms)")


if __name__ == "__main__":
    what, arg = sys.argv[1], sys.argv[2]
    {"prepare": lambda: prepare(Path(arg)), "locate": lambda: locate(Path(arg)), "time": lambda: timing(int(arg))}[what]()
