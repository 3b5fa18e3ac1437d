"""Measured cost of each progress stage of the app's adaptation job (open the demo region cold,
adapt, locate, draw the map), for the weights of the app's single job-wide progress bar
(gui.progress_panel.STAGE_SECONDS_PER_UNIT).

    python training/bench_stages.py [--region resources/demo] [--steps N]

Prints, per stage: units done (steps advanced, over all its runs), wall seconds charged to it
(each interval between two events goes to the later event's stage), and seconds per unit. Runs with a fresh feature cache (cold: every tile view is extracted).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import torch

from geolocator.core.pipeline import Settings
from geolocator.core.progress import ProgressEvent
from geolocator.core.queries import load_region
from geolocator.gui.jobs import Session


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--region", type=Path, default=Path(__file__).resolve().parents[1] / "resources" / "demo")
    ap.add_argument("--steps", type=int, default=None)
    args = ap.parse_args()
    # Each interval between two events is charged to the stage of the later event (the work that
    # event reports); units count the steps each stage advanced, over all its runs (a stage can run
    # more than once in a job: locate embeds the photos again after adapting).
    seconds: dict[str, float] = {}
    units: dict[str, int] = {}
    prev_step: dict[str, int] = {}
    last = [time.perf_counter()]

    def progress(ev: ProgressEvent) -> None:
        now = time.perf_counter()
        seconds[ev.stage] = seconds.get(ev.stage, 0.0) + now - last[0]
        before = prev_step.get(ev.stage, 0)
        units[ev.stage] = units.get(ev.stage, 0) + (ev.step - before if ev.step >= before else ev.step)
        prev_step[ev.stage] = ev.step
        last[0] = now

    with tempfile.TemporaryDirectory() as tmp:
        session = Session(Settings(cache_dir=Path(tmp) / "features", adapter_dir=Path(tmp) / "adapters"))
        t0 = time.perf_counter()
        session.load_backbone(progress=progress)
        region = load_region(args.region)
        opened = session.open_tiles(args.region, [], progress=progress)
        t_open = time.perf_counter() - t0
        open_stats = (dict(seconds), dict(units))
        seconds.clear(), units.clear(), prev_step.clear()
        last[0] = time.perf_counter()
        t1 = time.perf_counter()
        session.adapt(list(opened.queries or region.queries), steps=args.steps, progress=progress)
        t_adapt = time.perf_counter() - t1
        session.close()
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} threads,"
          f" backbone {session.ws.backbone.name}, region {args.region.name}, load average {os.getloadavg()[0]:.1f}")
    for title, (secs, counts), total in (("open (cold cache)", open_stats, t_open),
                                          ("adapt + locate", (seconds, units), t_adapt)):
        print(f"\n{title}: {total:.1f} s")
        print(f"{'stage':<18}{'units':>7}{'seconds':>9}{'s/unit':>9}")
        for stage, sec in secs.items():
            print(f"{stage:<18}{counts[stage]:>7}{sec:>9.2f}{sec / max(counts[stage], 1):>9.4f}")


if __name__ == "__main__":
    main()
