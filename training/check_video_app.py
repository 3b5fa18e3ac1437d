"""A long video in the app, checked by use (session 30): frame sampling's progress bar, ETA and Cancel.

Opens the app offscreen (no tile set: this is about reading the video), with a fresh frame cache
under --out, adds --video with the app's interval setting (automatic by default, or --every), and:

1. while its frames are sampled, records every progress event the window shows (label, bar value,
   the ETA it says) and saves the window as `sampling.png` when --cancel-at of the frames are done,
   then presses Cancel (the window's own slot, as Esc does) and saves `cancelled.png`;
2. adds the video again: the frames sampled before Cancel are reused, the rest decoded; saves
   `added.png` with the list and the message that says the frame count and the time to locate;
3. prints a markdown summary: frames, interval, seconds per decoded frame (wall and the process's CPU),
   the ETA the bar showed at about 25 % and 50 % of the second pass against the time that really
   remained, and what the message bar said after each step.

  QT_QPA_PLATFORM=offscreen python training/check_video_app.py --video DJI_0001.MP4 --out /tmp/check [--every 5]

The figures depend on the machine's load: record it beside them.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--video", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True, help="PNGs, the frame cache and the app's folders go here")
    ap.add_argument("--every", type=float, default=None, help="the Video Frames setting (default: automatic)")
    ap.add_argument("--cancel-at", type=float, default=0.3, help="fraction of the frames sampled when Cancel is pressed")
    args = ap.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        (out / var).mkdir(exist_ok=True)
        os.environ[var] = str(out / var)
    os.environ["GEOLOCATOR_FRAME_CACHE"] = str(out / "frames")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

    from PySide6 import QtWebEngineWidgets  # noqa: F401 - before the QApplication, as the app does
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from geolocator.core.pipeline import Settings
    from geolocator.gui.main_window import MainWindow
    from geolocator.gui.settings import AppSettings

    w = MainWindow(AppSettings(demo_shown=True, dinov2_notice_shown=True, video_every_s=args.every),
                   settings_path=out / "settings.json",
                   qsettings=QSettings(str(out / "qt.ini"), QSettings.Format.IniFormat),
                   core_settings=Settings(cache_dir=out / "features", adapter_dir=out / "adapters"))
    w.resize(1440, 900)
    w.show()
    state = {"pass": 1, "cancelled": False, "t0": 0.0, "cpu0": 0.0, "events": {1: [], 2: []}}
    counts = re.compile(r": ([\d,]+) of ([\d,]+) frames")

    def on_progress(job, event) -> None:
        if (event.metrics or {}).get("stage") != "frames":
            return
        m = counts.search(event.message or "")
        done, total = (int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))) if m else (0, 0)
        row = (time.monotonic() - state["t0"], done, total, event.eta_s, w.progress.label.text(), w.progress.bar.value())
        state["events"][state["pass"]].append(row)
        if state["pass"] == 1 and not state["cancelled"] and total and done >= args.cancel_at * total:
            w.grab().save(str(out / "sampling.png"))
            state["cancelled"] = True
            w.cancel()

    w.runner.progress.connect(on_progress)
    said: dict[str, str] = {}
    timing: dict[int, tuple[float, float]] = {}

    def run_pass(n: int) -> None:
        state["pass"] = n
        state["t0"], state["cpu0"] = time.monotonic(), time.process_time()
        w.add_paths([args.video.resolve()])

    def on_idle() -> None:
        n = state["pass"]
        timing[n] = (time.monotonic() - state["t0"], time.process_time() - state["cpu0"])
        if n == 1:
            said["after cancel"] = w.message_bar.text
            w.grab().save(str(out / "cancelled.png"))
            said["cached after cancel"] = str(len(list((out / "frames").rglob("*.jpg"))))
            QTimer.singleShot(0, lambda: run_pass(2))
        elif n == 2:
            said["after adding again"] = w.message_bar.text
            QTimer.singleShot(500, finish)  # the list's thumbnails painted

    def finish() -> None:
        w.grab().save(str(out / "added.png"))
        state["pass"] = 3
        w.close()
        app.quit()

    w.runner.idle.connect(on_idle)
    QTimer.singleShot(0, lambda: run_pass(1))
    app.exec()

    second = state["events"][2]
    frames = len(w.queries)
    cached = int(said.get("cached after cancel", "0"))
    decoded2 = max(frames - cached, 1)
    wall2, cpu2 = timing.get(2, (0.0, 0.0))
    print(f"video: {args.video} ({args.video.stat().st_size / 1e6:.0f} MB), setting: "
          f"{'automatic' if args.every is None else f'every {args.every:g} s'}, load at end {os.getloadavg()[0]:.1f}")
    print(f"- first pass: Cancel pressed at {args.cancel_at:.0%}; {cached} frames were in the cache after it; "
          f"{timing.get(1, (0, 0))[0]:.1f} s wall to the cancelled state")
    print(f"- message after Cancel: {said.get('after cancel', '')!r}")
    print(f"- second pass: {frames} frames listed, {decoded2} decoded in {wall2:.1f} s wall, {cpu2:.1f} s CPU "
          f"(the whole job, thumbnails included): {wall2 / decoded2:.2f} s wall, {cpu2 / decoded2:.2f} CPU s a "
          "decoded frame")
    if len(second) >= 2:
        span = second[-1][0] - second[0][0]
        print(f"- the sampling alone (first to last 'frames' event of the second pass): {span:.1f} s wall, "
              f"{span / decoded2:.3f} s a decoded frame; the rest of the job (thumbnails, list): {wall2 - span:.1f} s, "
              f"{(wall2 - span) / max(frames, 1):.3f} s a frame")
    for share in (0.25, 0.5):
        first = next((r for r in second if r[2] and (r[1] - cached) >= share * (frames - cached)), None)
        if first is not None and first[3] is not None:
            print(f"- ETA shown at {share:.0%} of the decoding (t={first[0]:.1f} s): {first[3]:.0f} s; "
                  f"the sampling really ended {second[-1][0] - first[0]:.0f} s later, the job {wall2 - first[0]:.0f} s "
                  f"later; the label read {first[4]!r}")
    print(f"- progress events shown while sampling: {len(state['events'][1])} (cancelled pass), {len(second)} (second)")
    print("- message after adding again:")
    for line in said.get("after adding again", "").splitlines():
        print(f"    {line}")
    print(f"- pictures: {out / 'sampling.png'}, {out / 'cancelled.png'}, {out / 'added.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
