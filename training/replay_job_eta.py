"""How far the app's whole-job ETA is from the time really left, on one recorded cold opening of a region.

    python training/replay_job_eta.py [--region resources/demo] [--events run.json]

Records the progress events of the app's Session opening the region cold (a fresh feature cache, as
training/bench_stages.py; the backbone loaded first, outside the job), or reads them back from
`--events` (written by an earlier run: the same stream replayed under other rules), then feeds them
through core.progress.JobProgress with the app's stage-cost table on a clock that follows the
recording, under two plans: the one the app built before session 32 (the tiles alone: the region's
photos joined when their stages began) and the one it builds now (core/region_plan.py: the photos'
stages planned from the start). Prints the ETA said at a few moments against the time really left,
and the mean |log(said / real)| sampled each second (0: exact; 0.69: a factor of 2).
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def record(region: Path) -> dict:
    """{"end": seconds, "events": [(t, stage, step, total), ...]} of one cold opening of `region`."""
    from geolocator.core.pipeline import Settings
    from geolocator.gui.jobs import Session

    events = []
    t0 = [time.perf_counter()]

    def progress(ev) -> None:
        events.append((time.perf_counter() - t0[0], ev.stage, ev.step, ev.total))

    with tempfile.TemporaryDirectory() as tmp:
        session = Session(Settings(cache_dir=Path(tmp) / "features", adapter_dir=Path(tmp) / "adapters"))
        session.load_backbone()
        t0[0] = time.perf_counter()
        session.open_tiles(region, [], progress=progress)
        end = time.perf_counter() - t0[0]
        session.close()
    return {"end": end, "events": events}


def replay(run: dict, plan: dict) -> list[tuple[float, str, float | None]]:
    """(t, stage, ETA said) after each recorded event, under `plan`."""
    from geolocator.core.progress import JobProgress, ProgressEvent
    from geolocator.gui.progress_panel import STAGE_SECONDS_PER_UNIT

    now = [0.0]
    job = JobProgress(dict(plan), STAGE_SECONDS_PER_UNIT, clock=lambda: now[0])
    out = []
    for t, stage, step, total in run["events"]:
        now[0] = t
        out.append((t, stage, job.update(ProgressEvent(stage, step, total)).eta_s))
    return out


def said_at(trace, t: float):
    last = [row for row in trace if row[0] <= t]
    return last[-1] if last else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--region", type=Path, default=ROOT / "resources" / "demo")
    ap.add_argument("--events", type=Path, help="a recording to replay (written here when it does not exist)")
    args = ap.parse_args()
    from geolocator.core.region_plan import region_photo_count

    if args.events is not None and args.events.is_file():
        run = json.loads(args.events.read_text())
    else:
        run = record(args.region)
        if args.events is not None:
            args.events.write_text(json.dumps(run))
    n = region_photo_count(args.region)
    tiles_only = {"open": 1, "extract:tiles": 100, "map": 100}  # gui.main_window: PLANNED_TILES, no photo listed
    with_photos = {**tiles_only, "map": 100 + n, "extract:queries": n, "thumbnails": n, "verify": n}
    end = run["end"]
    first: dict[str, float] = {}
    for t, stage, _, _ in run["events"]:
        first.setdefault(stage, t)
    print(f"# {args.region.name}: {n} photos; the job ran {end:.1f} s; {len(run['events'])} events; stages began at "
          + ", ".join(f"{s} {t:.1f} s" for s, t in first.items()))
    plans = {"tiles alone (before)": tiles_only, "photos planned (now)": with_photos}
    traces = {name: replay(run, plan) for name, plan in plans.items()}
    moments = sorted({round(x, 1) for x in (first.get("extract:queries", 1.0) + 0.5, first.get("verify", 2.0) + 0.2,
                                            first.get("verify", 2.0) + 3.0, end * 0.25, end * 0.5, end * 0.75)})
    print(f"{'t (s)':>6} {'left':>6}  " + "  ".join(f"{name:>28}" for name in plans))
    for m in moments:
        cells = []
        for trace in traces.values():
            row = said_at(trace, m)
            cells.append(f"{'-' if row is None or row[2] is None else f'{row[2]:.1f} s ({row[1]})':>28}")
        print(f"{m:6.1f} {end - m:6.1f}  " + "  ".join(cells))
    for name, trace in traces.items():
        pairs = [(row[2], end - k) for k in range(1, int(end) - 1)
                 if (row := said_at(trace, k)) is not None and row[2]]
        errs = [abs(math.log(said / real)) for said, real in pairs]
        low = sum(said < real / 2 for said, real in pairs)
        print(f"{name}: mean |log(said/real)| {sum(errs) / max(len(errs), 1):.2f} over {len(errs)} s; "
              f"under half the time left for {low} s")

if __name__ == "__main__":
    main()
