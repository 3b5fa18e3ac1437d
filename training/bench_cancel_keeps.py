"""How many tiles' features a stopped tile-feature pass keeps (flushcancel35): the app's Cancel (a
CancelToken) or Ctrl-C (KeyboardInterrupt in the main thread, as the CLI gets it) once the pass reports
k tiles done; then a new Workspace on the same cache folder reopens the store (kept = its rows), the
rerun's index() is timed, and its features are compared with a fresh pass in a cache of its own.

Data: the demo tile set (resources/demo, 36 tiles), one tile view (rot0), batch_size 4 (so the
stop lands within 4 tiles of k), verify off.

    OMP_NUM_THREADS=2 PYTHONPATH=. .venv/bin/python training/bench_cancel_keeps.py [BACKBONE] [SCRATCH]

BACKBONE: "auto" (EfficientNet-Lite0) by default, or "tiny" (the tests' 16-d net). Run with PYTHONPATH
pointing at an older checkout (plus this repository, for tests/) to compare.
Record: training/results/flushcancel35_session35.md."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main(backbone: str, scratch: Path) -> None:
    sys.path.append(str(ROOT))  # tests/ (the tiny net); after PYTHONPATH, so an older checkout's code is used
    from geolocator.core.errors import Cancelled
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.progress import CancelToken
    from geolocator.core.tilesets import load_tileset

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_workspace import opened_workspace

    ts = load_tileset(ROOT / "resources" / "demo" / "tiles.csv")
    n = len(ts)

    def workspace(cache: Path) -> Workspace:
        return opened_workspace(Settings(cache_dir=cache, tile_views=("rot0",), verify=False, batch_size=4), ts,
                                backbone)

    fresh_ws = workspace(scratch / "fresh")
    t0 = time.perf_counter()
    fresh = np.array(fresh_ws.index(), np.float32)
    t_fresh = time.perf_counter() - t0
    print(f"tiles: {n}; a whole pass {t_fresh:.1f} s ({t_fresh / n:.3f} s a tile)")
    print("| stop | asked at k | stopped at step | tiles kept | rerun computes | rerun s | max abs diff vs fresh |")
    print("|---|---|---|---|---|---|---|")
    for how in ("Cancel", "Ctrl-C"):
        for k in (5, 20):
            cache = scratch / f"cache_{how}_{k}"
            shutil.rmtree(cache, ignore_errors=True)
            ws = workspace(cache)
            token, at = CancelToken(), []

            def progress(ev, k=k, how=how, token=token, at=at):
                if ev.stage == "extract:tiles" and ev.message.endswith("tiles") and ev.step >= k and not at:
                    at.append(ev.step)
                    if how == "Ctrl-C":
                        raise KeyboardInterrupt
                    token.cancel()

            try:
                ws.index(progress=progress, cancel=token)
            except (Cancelled, KeyboardInterrupt):
                pass
            del ws
            again = workspace(cache)
            kept = len(again.open_store())
            t0 = time.perf_counter()
            feats = np.array(again.index(), np.float32)
            t_rerun = time.perf_counter() - t0
            diff = float(np.abs(feats - fresh).max())
            print(f"| {how} | {k} | {at[0] if at else '-'} | {kept} | {n - kept} | {t_rerun:.1f} | {diff:.2g} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "auto", Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/flushcancel35"))
