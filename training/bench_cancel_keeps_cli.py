"""Ctrl-C in a real `geolocator index` (flushcancel35): the rotterdam-oblique benchmark tile set (152
tiles x 8 views, data/benchmark) indexed by the checkout REPO, SIGINT after SECONDS (sent to the
process as a terminal's Ctrl-C would be), then the same command again: its start line (what the
earlier run left, new code only), its features line and its wall time.

    PYTHONPATH=. .venv/bin/python training/bench_cancel_keeps_cli.py REPO CACHE SECONDS

REPO: a checkout (this one, or `git worktree add /tmp/x main` for the code before; it needs data/).
CACHE: a scratch cache folder (removed first). Record: training/results/flushcancel35_session35.md."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time


def main(repo: str, cache: str, seconds: float) -> None:
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "OMP_NUM_THREADS": "2", "PYTHONPATH": "."}
    cmd = [sys.executable, "-m", "geolocator", "index", "data/benchmark/rotterdam-oblique/tiles.csv", "--cache-dir", cache]
    p = subprocess.Popen(cmd, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(seconds)
    os.kill(p.pid, signal.SIGINT)
    out = p.communicate()[0].replace("\r", "\n")
    print("rc", p.returncode)
    print("\n".join(line for line in out.splitlines() if line.strip() and "Warning" not in line)[-700:])
    print("--- rerun")
    t0 = time.perf_counter()
    out = subprocess.run(cmd, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    print("\n".join(line for line in out.replace("\r", "\n").splitlines()
                    if line.startswith(("INFO: tiles", "features: tiles: 152/152", "indexed"))))
    print(f"rerun {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
