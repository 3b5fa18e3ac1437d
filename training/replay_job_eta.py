"""How far the app's whole-job ETA is from the time really left, on one recorded opening of a region.

    python training/replay_job_eta.py [--region resources/demo] [--events run.json] [--warm]

Records the progress events of the app's Session opening the region cold (a fresh feature cache, as
training/bench_stages.py; the backbone loaded first, outside the job), or reads them back from
`--events` (written by an earlier run: the same stream replayed under other rules), then feeds them
through core.progress.JobProgress with the app's stage-cost table on a clock that follows the
recording, under two plans: the one the app built before session 32 (the tiles alone: the region's
photos joined when their stages began) and the one it builds now (core/region_plan.py: the photos'
stages planned from the start). Prints the ETA said at a few moments against the time really left,
and the mean |log(said / real)| sampled each second (a run under 30 s: each 30th of it; 0: exact; 0.69:
a factor of 2), the samples with no figure, and the first figure said. `--warm` records the second
opening instead (a fresh Session on the caches a first one filled: app run 2, session 32's eta32).
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def record(region: Path, warm: bool = False) -> dict:
    """{"end": seconds, "events": [(t, stage, step, total), ...]} of one cold opening of `region`; with
    `warm`, of its second opening: a fresh Session on the caches a first one filled (that one not recorded)."""
    from geolocator.core.pipeline import Settings
    from geolocator.gui.jobs import Session

    events = []
    t0 = [time.perf_counter()]

    def progress(ev) -> None:
        events.append((time.perf_counter() - t0[0], ev.stage, ev.step, ev.total))

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(cache_dir=Path(tmp) / "features", adapter_dir=Path(tmp) / "adapters")
        if warm:  # a first opening in an app of its own fills the feature store, photo features, keypoints, checks
            session = Session(settings)
            session.load_backbone()
            session.open_tiles(region, [])
            session.close()
        session = Session(settings)  # a fresh app start: only what is on disk is warm
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
    ap.add_argument("--warm", action="store_true",
                    help="record the region's second opening (every cache filled by a first one) instead of a cold one")
    args = ap.parse_args()
    from geolocator.core.region_plan import region_photo_count

    if args.events is not None and args.events.is_file():
        run = json.loads(args.events.read_text())
    else:
        run = record(args.region, warm=args.warm)
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
    # sampled each second from 1 s to 2 s before the end; a run shorter than 30 s every 30th of it
    # (a warm opening takes 3 s), from its first 30th to 2 of them before the end
    step = 1.0 if end >= 30 else end / 30
    ticks = [k * step for k in range(1, int(end / step) - 1)]
    for name, trace in traces.items():
        rows = [(said_at(trace, k), end - k) for k in ticks]
        pairs = [(row[2], real) for row, real in rows if row is not None and row[2]]
        errs = [abs(math.log(said / real)) for said, real in pairs]
        low = sum(said < real / 2 for said, real in pairs)
        high = sum(said > real * 2 for said, real in pairs)
        print(f"{name}: mean |log(said/real)| {sum(errs) / max(len(errs), 1):.2f} over {len(errs)} samples "
              f"{step:.2g} s apart ({len(rows) - len(pairs)} with no figure); under half the time left in {low}, "
              f"over twice in {high}; first figure {_first_said(trace, end)}")


def _first_said(trace, end: float) -> str:
    for t, _, eta in trace:
        if eta:
            return f"{eta:.1f} s at {t:.2f} s ({end - t:.1f} s left)"
    return "none"

if __name__ == "__main__":
    main()
