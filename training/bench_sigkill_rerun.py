"""SIGKILL in a real `geolocator index` (faults37): what the rerun computes again, with the chunk in flight
committed only whole (PARTIAL_COMMIT_S = inf, the code before) and every PARTIAL_COMMIT_S seconds (now).
The rotterdam-oblique benchmark tile set (152 tiles x 8 views, data/benchmark) is indexed into a fresh
cache, killed with SIGKILL after SECONDS, then indexed again: the rerun's "earlier run" line, its
features count and wall time. Also the cost of one partial commit: FeatureStore.append of ROWS tiles'
rows (8 views x 1280-d float32, fsync'ed), the median of 5.

    PYTHONPATH=. nice -n 10 .venv/bin/python training/bench_sigkill_rerun.py CACHE SECONDS [ROWS]

Record: training/results/faults37_session37.md."""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

RUN = ("import sys, geolocator.core.extract as e; e.PARTIAL_COMMIT_S = float(sys.argv[1]); "
       "from geolocator.cli import main; sys.exit(main(sys.argv[2:]))")


def _index(cache: str, every: str) -> list[str]:
    return [sys.executable, "-c", RUN, every, "index", "data/benchmark/rotterdam-oblique/tiles.csv", "--cache-dir", cache]


def killed_then_rerun(cache: str, seconds: float, every: str) -> None:
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": "."}
    p = subprocess.Popen(_index(cache, every), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    t0 = time.perf_counter()
    out = subprocess.run(_index(cache, every), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True).stdout.replace("\r", "\n")
    lines = [ln for ln in out.splitlines() if "earlier run" in ln or ln.startswith("indexed")]
    print(f"PARTIAL_COMMIT_S={every}: SIGKILL at {seconds:.0f} s (rc {p.returncode}); rerun {time.perf_counter() - t0:.1f} s")
    for ln in lines:
        print("   ", ln.strip()[:200])


def commit_cost(rows: int) -> None:
    import numpy as np

    from geolocator.core.store import FeatureStore

    views = tuple(f"v{i}" for i in range(8))
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(__file__))) as d:
        store = FeatureStore(os.path.join(d, "s"), signature="bench", views=views, dim=1280)
        times = []
        for k in range(5):
            feats = np.random.default_rng(k).standard_normal((rows, 8, 1280)).astype(np.float32)
            t0 = time.perf_counter()
            store.append([f"k{k}-{i}" for i in range(rows)], feats)
            times.append(time.perf_counter() - t0)
    print(f"one partial commit of {rows} tiles (8 x 1280-d): median {statistics.median(times) * 1e3:.0f} ms "
          f"(min {min(times) * 1e3:.0f}, max {max(times) * 1e3:.0f})")


if __name__ == "__main__":
    cache, seconds = sys.argv[1], float(sys.argv[2])
    commit_cost(int(sys.argv[3]) if len(sys.argv) > 3 else 45)
    for every in ("inf", "30"):
        killed_then_rerun(cache, seconds, every)
    shutil.rmtree(cache, ignore_errors=True)
