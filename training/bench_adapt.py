"""Adaptation speed at University-1652 test size: 951 tiles (1 view) and 51,355 drone features.

Random L2-normalised features (timing only: the work does not depend on the values). Prints a
markdown table of full-adaptation wall time per mode and feature dimension on this machine.

  python training/bench_adapt.py [--dims 1280 1536] [--modes best paper] [--threads N] [--device cuda]
Goal (issue 3): best mode <= 30 s on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch

from geolocator.core.adapt import MODES, adapt

N_TILES, N_DRONES = 951, 51_355


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dims", type=int, nargs="+", default=[1280, 1536])
    ap.add_argument("--modes", nargs="+", default=["best", "paper"])
    ap.add_argument("--device", default="cpu", help="cpu (the goal's machine), cuda, mps or auto")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    ap.add_argument("--paper-steps", type=int, default=None,
                    help="time only this many paper steps and extrapolate linearly to the full 200 (flagged)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    rows = []
    for dim in args.dims:
        tiles = rng.standard_normal((N_TILES, 1, dim), dtype=np.float32)
        tiles /= np.linalg.norm(tiles, axis=-1, keepdims=True)
        drones = rng.standard_normal((N_DRONES, dim), dtype=np.float32)
        drones /= np.linalg.norm(drones, axis=-1, keepdims=True)
        for mode in args.modes:
            steps = args.paper_steps if mode == "paper" and args.paper_steps else None
            load_before = os.getloadavg()[0]
            t0, c0 = time.perf_counter(), time.process_time()
            adapter = adapt(tiles, drones, mode=mode, steps=steps, seed=0, device=args.device)
            fit, cpu = time.perf_counter() - t0, time.process_time() - c0
            load = max(load_before, os.getloadavg()[0])
            full = MODES[mode].steps
            note = ""
            if steps:  # each paper step costs the same (fixed batch): linear extrapolation is fair
                note = f"extrapolated from {steps} steps ({fit:.1f} s)"
                fit, cpu = fit * full / steps, cpu * full / steps
            t0 = time.perf_counter()
            adapter.transform_queries(drones)
            adapter.transform_tiles(tiles)
            apply = time.perf_counter() - t0
            rows.append((dim, mode, full, fit, cpu, load, apply, note))
            print(f"  d={dim} {mode}: adapt {fit:.1f} s {note}, transform all features {apply:.1f} s", flush=True)
    print()
    if args.device not in ("cpu",):
        print(f"Device: {args.device}" + (f" ({torch.cuda.get_device_name()})" if torch.cuda.is_available() else ""))
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads (CPU shared with other jobs)")
    print(f"Problem: {N_TILES} tiles x 1 view, {N_DRONES:,} drone features, random L2-normalised\n")
    print("CPU s = CPU time of this process, all threads: on 2 idle cores the wall time is about CPU s / 2")
    print("(the machine was shared; 'load' is the 1-min load average around the run)\n")
    print("| d | mode | steps | adaptation wall (s) | CPU s | CPU s / 2 | load | transform all (s) | goal <= 30 s | note |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for dim, mode, steps, fit, cpu, load, apply, note in rows:
        goal = ("wall yes" if fit <= 30 else ("CPU/2 yes" if cpu / 2 <= 30 else "NO")) if mode == "best" else "-"
        print(f"| {dim} | {mode} | {steps} | {fit:.1f} | {cpu:.1f} | {cpu / 2:.1f} | {load:.1f} | {apply:.1f} "
              f"| {goal} | {note} |")


if __name__ == "__main__":
    main()
