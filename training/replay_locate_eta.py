"""The app's whole-job ETA on a second Locate of a region's photos in the session that opened it (session 32:
"1:55 left" said for 5.1 s of work): tiles indexed, photo features, kept checks and thumbnails all there.

    python training/replay_locate_eta.py [--region resources/demo] [--events run.json]

Records the progress events of that Locate (gui.jobs.Session: the region opened first, not recorded, in a
fresh cache; the backbone loaded outside both), or reads them back from `--events` (written there when it
does not exist), and replays them through core.progress.JobProgress with the app's stage-cost table on a
clock that follows the recording, under two plans: the one the app built before (the open tile set's
tiles and a thumbnail a photo planned, though neither sends an event when done already) and the one it
builds now (gui.main_window._job_plan: neither planned). Prints the mean |log(said / real)| sampled at
each 30th of the run (a run over 30 s: each second) and the first figure said, as replay_job_eta.py.
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
    """{"end": s, "events": [(t, stage, step, total), ...], "n_tiles": n, "n_queries": n} of the Locate."""
    from geolocator.core.pipeline import Settings
    from geolocator.gui.jobs import Session

    events = []
    with tempfile.TemporaryDirectory() as tmp:
        session = Session(Settings(cache_dir=Path(tmp) / "features", adapter_dir=Path(tmp) / "adapters"))
        session.load_backbone()
        opened = session.open_tiles(region, [])
        queries = list(opened.queries)
        t0 = time.perf_counter()
        session.locate(queries, progress=lambda ev: events.append((time.perf_counter() - t0, ev.stage, ev.step,
                                                                    ev.total)))
        end = time.perf_counter() - t0
        session.close()
    return {"end": end, "events": events, "n_tiles": len(opened.tileset), "n_queries": len(queries)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--region", type=Path, default=ROOT / "resources" / "demo")
    ap.add_argument("--events", type=Path, help="a recording to replay (written here when it does not exist)")
    args = ap.parse_args()
    from geolocator.core.progress import JobProgress, ProgressEvent
    from geolocator.gui.progress_panel import STAGE_SECONDS_PER_UNIT

    if args.events is not None and args.events.is_file():
        run = json.loads(args.events.read_text())
    else:
        run = record(args.region)
        if args.events is not None:
            args.events.write_text(json.dumps(run))
    nt, nq, end = run["n_tiles"], run["n_queries"], run["end"]
    before = {"extract:tiles": nt, "map": nt + nq, "extract:queries": nq, "thumbnails": nq, "verify": nq}
    now_plan = {k: v for k, v in before.items() if k not in ("extract:tiles", "thumbnails")}
    print(f"# {nq} photos located again among {nt} tiles: {end:.2f} s, {len(run['events'])} events")
    step = 1.0 if end >= 30 else end / 30
    ticks = [k * step for k in range(1, int(end / step) - 1)]
    for name, plan in (("tiles and thumbnails planned (before)", before), ("done work not planned (now)", now_plan)):
        clock = [0.0]
        job = JobProgress(dict(plan), STAGE_SECONDS_PER_UNIT, clock=lambda: clock[0])
        trace = []
        for t, stage, done, total in run["events"]:
            clock[0] = t
            trace.append((t, job.update(ProgressEvent(stage, done, total)).eta_s))
        said = [([row for row in trace if row[0] <= k] or [(0.0, None)])[-1][1] for k in ticks]
        errs = [abs(math.log(s / (end - k))) for s, k in zip(said, ticks) if s]
        first = next(((t, e) for t, e in trace if e), None)
        print(f"{name}: mean |log(said/real)| {sum(errs) / max(len(errs), 1):.2f} over {len(errs)} samples "
              f"({len(ticks) - len(errs)} with no figure); first figure "
              + (f"{first[1]:.1f} s at {first[0]:.2f} s" if first else "none"))


if __name__ == "__main__":
    main()
