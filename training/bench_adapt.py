"""Adaptation speed at University-1652 test size: 951 tiles (1 view) and 51,355 drone features.

Random L2-normalised features (timing only: the work does not depend on the values). Prints a
markdown table of full-adaptation wall time per mode and feature dimension on this machine.

  python training/bench_adapt.py [--dims 1280 1536] [--modes best paper] [--threads N] [--device cuda]
                                 [--paper-steps N] [--tiles N --drones N]
Goal (issue 3): best mode <= 30 s on 2 CPU cores.

--paper-steps N runs only N paper steps and estimates the full 200 as
    fixed + 200 x (median time of one step after the first two),
where the step times come from the progress events and `fixed` is the run's time outside the
steps (set-up, warm-up of the first two steps, the final quality pass). Scaling the whole run's
time by 200 / N (the old method) multiplied the fixed costs too: 146 s / 529 s were stated from
5 steps, 440-520 s measured when run in full.
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


def estimate_full(stamps, t0: float, c0: float, wall: float, cpu: float, full: int) -> tuple[float, float, str]:
    """Full-run wall and CPU time from a run of len(stamps) steps: the fixed part (everything but
    steps 3..n) plus `full` times the median step after the first two (warm-up: allocator, kernels)."""
    ends = np.array([t0] + [w for w, _ in stamps]), np.array([c0] + [c for _, c in stamps])
    step_wall, step_cpu = np.diff(ends[0])[2:], np.diff(ends[1])[2:]
    fixed_wall = wall - step_wall.sum()
    fixed_cpu = cpu - step_cpu.sum()
    est_wall = fixed_wall + full * float(np.median(step_wall))
    est_cpu = fixed_cpu + full * float(np.median(step_cpu))
    note = (f"estimated from {len(stamps)} steps ({wall:.1f} s): fixed {fixed_wall:.1f} s + {full} x "
            f"{np.median(step_wall):.2f} s median step after 2 warm-up steps")
    return est_wall, est_cpu, note


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dims", type=int, nargs="+", default=[1280, 1536])
    ap.add_argument("--modes", nargs="+", default=["best", "paper"])
    ap.add_argument("--device", default="cpu", help="cpu (the goal's machine), cuda, mps or auto")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    ap.add_argument("--paper-steps", type=int, default=None,
                    help="time only this many paper steps (>= 4) and estimate the full 200 from the median "
                         "step after warm-up plus the fixed costs (flagged in the table)")
    ap.add_argument("--tiles", type=int, default=N_TILES, help="problem size (default: University-1652 test)")
    ap.add_argument("--drones", type=int, default=N_DRONES)
    args = ap.parse_args()
    if args.paper_steps is not None and args.paper_steps < 4:
        ap.error("--paper-steps needs at least 4 steps: 2 of warm-up and 2 to time")
    if args.threads:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    rows = []
    for dim in args.dims:
        tiles = rng.standard_normal((args.tiles, 1, dim), dtype=np.float32)
        tiles /= np.linalg.norm(tiles, axis=-1, keepdims=True)
        drones = rng.standard_normal((args.drones, dim), dtype=np.float32)
        drones /= np.linalg.norm(drones, axis=-1, keepdims=True)
        for mode in args.modes:
            steps = args.paper_steps if mode == "paper" and args.paper_steps else None
            load_before = os.getloadavg()[0]
            stamps = []  # wall and CPU time at the end of each step (progress events come after the step)
            t0, c0 = time.perf_counter(), time.process_time()
            adapter = adapt(tiles, drones, mode=mode, steps=steps, seed=0, device=args.device,
                            progress=lambda e: stamps.append((time.perf_counter(), time.process_time())))
            fit, cpu = time.perf_counter() - t0, time.process_time() - c0
            load = max(load_before, os.getloadavg()[0])
            full = MODES[mode].steps
            note = ""
            if steps:
                fit, cpu, note = estimate_full(stamps, t0, c0, fit, cpu, full)
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
    print(f"Problem: {args.tiles} tiles x 1 view, {args.drones:,} drone features, random L2-normalised\n")
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
