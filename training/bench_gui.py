"""Desktop-app responsiveness: time to a visible window, and the longest UI event-loop stall while
the app opens and adapts to the demo region.

    python training/bench_gui.py [--runs 3] [--steps N] [--platform offscreen]

Time to window: wall clock from launching a fresh Python process to the main window being exposed
(goal <= 2 s; torch must not be imported by then). Stall: a QTimer ticks every 10 ms on the UI
thread; the longest gap between two ticks minus 10 ms is the longest time the UI could not react
(goal <= 100 ms while adapting). Features and adapter go to a fresh temporary folder, so "open" is a
cold start: backbone load + extraction of every tile view and drone image, then locating every photo
(global ranking + verification), until the results are on the map.

Phases (--phases, in order): open, adapt, select (20 photos one after the other, 250 ms apart: the
list row, the Results pane, the map's marker), resize (800x560, 960x700, 1920x1080, 1024x700, back
to 1440x900), export (the answers as CSV and the map as one HTML file, background jobs). On Linux
each phase's longest stall is split by the UI thread's own scheduler figures: ms it ran (the app's
work on the UI thread), ms it waited for a CPU (the machine's load) and ms it slept (waiting for the
GIL a worker holds in a long C call, or a lock): a stall is the app's only where it ran or slept.

Photo to result in the app (issue 13's "under 2 s per photo"): give `--cache` a folder that already
holds the region's tile features (a first run with the same --cache and --region), and make the
photos new to it (copy the region, then `touch` its photos: a photo's cache key holds its mtime).
"open" then costs the photos' extraction + verification only; its s/photo column is the figure. CPU s
is the whole process's (UI thread and workers), steadier than wall seconds on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TICK_MS = 10
SELECTS = 20  # photos selected one after the other in the "select" phase
STEP_MS = 250  # between two selections or two window sizes

CHILD = r"""
import time, sys, os
from PySide6 import QtWebEngineWidgets
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from geolocator.gui.main_window import MainWindow
from geolocator.gui.settings import AppSettings
w = MainWindow(AppSettings(demo_shown=True), settings_path=__import__('pathlib').Path(sys.argv[1]))
w.show()
def check():
    if w.windowHandle() is not None and w.windowHandle().isExposed():
        print(f"VISIBLE {time.time():.6f} torch={'torch' in sys.modules}", flush=True)
        w.close(); app.quit()
    else:
        QTimer.singleShot(1, check)
QTimer.singleShot(0, check)
app.exec()
"""


def time_to_window(runs: int, env: dict) -> list[tuple[float, bool]]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            start = time.time()
            proc = subprocess.run([sys.executable, "-c", CHILD, str(Path(tmp) / "s.json")], env=env,
                                  capture_output=True, text=True, timeout=120)
            line = next((l for l in proc.stdout.splitlines() if l.startswith("VISIBLE")), None)
            if line is None:
                raise RuntimeError(proc.stderr[-2000:])
            _, stamp, torch_flag = line.split()
            out.append((float(stamp) - start, torch_flag.endswith("True")))
    return out


def log_slow_garbage_collections(threshold_ms: float = 30.0) -> None:
    """With BENCH_GUI_VERBOSE: print every cyclic-GC pass slower than the threshold (a pass holds
    the GIL, so it stalls the UI thread whichever thread triggered it)."""
    import gc

    started = {}

    def callback(phase, info):
        if phase == "start":
            started["t"] = time.perf_counter()
        elif "t" in started:
            ms = (time.perf_counter() - started.pop("t")) * 1000
            if ms > threshold_ms:
                print(f"  gc generation {info['generation']}: {ms:.0f} ms", file=sys.stderr)

    gc.callbacks.append(callback)


class StageClock:
    """Wall and CPU seconds per stage of each phase, from the progress events the UI receives: a
    stage runs from its first event until the next stage's first event (or the phase's end). The
    key is the event's stage and its message without numbers or brackets, so "matching photos to
    each other (round 2)" counts with round 1. Events are coalesced in the UI: a stage shorter
    than one coalescing interval may be folded into its neighbour."""

    def __init__(self) -> None:
        self.wall: dict[tuple[str, str], float] = {}
        self.cpu: dict[tuple[str, str], float] = {}
        self._open: tuple[tuple[str, str], float, float] | None = None
        self.phase = ""

    # core/extract.py ends each extraction with "done: N failed"; the time from it to the next stage's
    # first event is work after that stage (building the index, the next stage's start)
    DONE = re.compile(r"done: (\d+) failed")
    AFTER = {"extract:tiles": "indexing tiles", "extract:queries": "reading drone images"}

    @classmethod
    def key(cls, stage: str, message: str) -> str:
        """The row a progress event counts in: its message without bracketed text, counts "N/M" and
        numbers ("matching photos to each other (round 2)" -> "matching photos to each other"), or
        the stage when nothing is left. An extraction's "done: N failed" -> "after indexing tiles"
        (", some failed" when N > 0): with its number left out it read "done: failed" when none had."""
        done = cls.DONE.fullmatch((message or "").strip())
        if done:
            return f"after {cls.AFTER.get(stage, stage)}" + (", some failed" if int(done[1]) else "")
        text = " ".join(re.sub(r"\([^)]*\)|\d+\s*/\s*\d+|\d+", "", message or "").split())
        return text or stage

    def event(self, stage: str, message: str) -> None:
        key = (self.phase, self.key(stage, message))
        if self._open is not None and self._open[0] == key:
            return
        self.close()
        self._open = (key, time.perf_counter(), time.process_time())

    def close(self) -> None:
        if self._open is None:
            return
        key, t0, c0 = self._open
        self.wall[key] = self.wall.get(key, 0.0) + time.perf_counter() - t0
        self.cpu[key] = self.cpu.get(key, 0.0) + time.process_time() - c0
        self._open = None


def _schedstat_ms() -> tuple[float, float] | None:
    """(ms this thread has run on a CPU, ms it has waited runnable for one) from Linux's
    /proc/thread-self/schedstat; None elsewhere."""
    try:
        with open("/proc/thread-self/schedstat", encoding="ascii") as fh:
            ran, waited, _ = fh.read().split()
    except (OSError, ValueError):
        return None
    return int(ran) / 1e6, int(waited) / 1e6


class StallMeter:
    """Longest gap between 10 ms ticks of a UI-thread timer, per phase. On Linux each gap is split
    by the UI thread's scheduler figures: ms it ran (the app's own work on the UI thread: a slot, a
    layout, painting), ms it waited for a CPU (the machine's load: other processes, the app's own
    worker) and the rest, ms it slept (waiting for the GIL a worker holds, or for a lock)."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.phase = None
        self.gaps: dict[str, list[float]] = {}
        # per phase: (gap ms, ran ms, waited for a CPU ms, slept ms beyond the tick's own, last event)
        # of its longest gap
        self.worst: dict[str, tuple[float, float, float, float, str]] = {}
        self._last = None
        self._sched = None
        self.last_event = ""

    def start(self, phase: str) -> None:
        self.phase = phase
        self.gaps.setdefault(phase, [])
        self._last = time.perf_counter()
        self._sched = _schedstat_ms()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        sched = _schedstat_ms()
        if self._last is not None and self.phase is not None:
            gap = (now - self._last) * 1000 - TICK_MS
            self.gaps[self.phase].append(gap)
            ran = waited = slept = float("nan")
            if sched is not None and self._sched is not None:
                ran, waited = sched[0] - self._sched[0], sched[1] - self._sched[1]
                slept = max(0.0, gap - ran - waited)  # beyond the tick's own 10 ms of sleep
            if gap > self.worst.get(self.phase, (-1.0,))[0]:
                self.worst[self.phase] = (gap, ran, waited, slept, self.last_event)
            if gap > 50 and os.environ.get("BENCH_GUI_VERBOSE"):
                print(f"  stall {gap:.0f} ms in {self.phase} after {self.last_event} (UI thread ran {ran:.0f} ms, "
                      f"waited for a CPU {waited:.0f} ms, slept {slept:.0f} ms)", file=sys.stderr)
        self._last, self._sched = now, sched


def answers_right(w) -> tuple[int, int]:
    """(right, scored) over the app's listed answers: the answer's tile holds the photo's truth
    (truth.csv scores only; the app never reads it to answer), as compare_matchers.py scores R@1."""
    from geolocator.core.evaluate import positives

    tiles = list(w.session.ws.tileset.tiles)
    index = {t.id: i for i, t in enumerate(tiles)}
    right = scored = 0
    for pred in w.predictions.values():
        if not pred.query.has_truth:
            continue
        scored += 1
        right += bool(positives(pred.query, tiles)[index[pred.top.tile.id]])
    return right, scored


def write_answers(w, phase: str, path: Path) -> None:
    """Append each listed photo's answer after `phase` to `path`, one tab-separated line a photo:
    `answer  PHASE  QUERY_ID  TOP_TILE_ID  RIGHT` (RIGHT: True / False, None without truth; scored as
    answers_right does, truth for scoring only). Lets two runs be compared photo by photo."""
    from geolocator.core.evaluate import positives

    tiles = list(w.session.ws.tileset.tiles)
    index = {t.id: i for i, t in enumerate(tiles)}
    with open(path, "a", encoding="utf-8") as fh:
        for pred in w.predictions.values():
            ok = bool(positives(pred.query, tiles)[index[pred.top.tile.id]]) if pred.query.has_truth else None
            fh.write(f"answer\t{phase}\t{pred.query.id}\t{pred.top.tile.id}\t{ok}\n")


class LabelRecorder:
    """The Adapt phase's geometric labels (adapt/geometric.geometric_labels' return), recorded by
    wrapping that function in this process and appended to `path`, one tab-separated line a photo:
    `label  CALL  QUERY_ID  TILE_ID|-  INLIERS  VIA_QUERY_ID|-  RIGHT` (VIA: the photo it was chained
    through, - for a direct match; RIGHT scored against truth.csv for the record only: the labels are
    computed before and without it). CALL counts geometric_labels calls in the process (from 1)."""

    def __init__(self, path: Path) -> None:
        import threading

        from geolocator.core.adapt import geometric

        self.calls = 0
        lock = threading.Lock()
        inner = geometric.geometric_labels

        def recorded(queries, tileset, *args, **kwargs):
            from geolocator.core.evaluate import positives

            labels = inner(queries, tileset, *args, **kwargs)
            tiles = list(tileset.tiles)
            with lock:
                self.calls += 1
                with open(path, "a", encoding="utf-8") as fh:
                    for q, lab in zip(queries, labels):
                        if lab is None:
                            fh.write(f"label\t{self.calls}\t{q.id}\t-\t0\t-\tNone\n")
                            continue
                        ok = bool(positives(q, tiles)[lab.tile]) if q.has_truth else None
                        via = "-" if lab.via is None else queries[lab.via].id
                        fh.write(f"label\t{self.calls}\t{q.id}\t{tiles[lab.tile].id}\t{lab.inliers}\t{via}\t{ok}\n")
            return labels

        geometric.geometric_labels = recorded


class LinkCounter:
    """Photo-photo links the Adapt phase glues (adapt/geometric.verify_pair calls) and first looks
    it takes (geometric.quick_link calls), counted by wrapping both in this process; with
    `link_cap` set, GeometrySettings' link_cap for this process only (the A/B of session 27), and
    with `rounds` set its chaining rounds (session 29's A/B)."""

    def __init__(self, link_cap: int | None = None, rounds: int | None = None) -> None:
        import threading

        from geolocator.core.adapt import geometric

        self.glued = self.looked = 0
        lock = threading.Lock()
        glue, look = geometric.verify_pair, geometric.quick_link

        def glued(*args, **kwargs):
            with lock:
                self.glued += 1
            return glue(*args, **kwargs)

        def looked(*args, **kwargs):
            with lock:
                self.looked += 1
            return look(*args, **kwargs)

        geometric.verify_pair, geometric.quick_link = glued, looked
        chosen = {k: v for k, v in (("link_cap", link_cap), ("rounds", rounds)) if v is not None}
        if chosen:
            defaults = geometric.GeometrySettings
            geometric.GeometrySettings = lambda **kw: defaults(**{**chosen, **kw})  # noqa: E731
        self.link_cap = geometric.GeometrySettings().link_cap
        self.rounds = geometric.GeometrySettings().rounds


def stalls(steps: int | None, cache: Path | None, region: Path | None = None,
           phases: tuple[str, ...] = ("open", "adapt"), workers: int | None = None,
           link_cap: int | None = None, answers: Path | None = None, rounds: int | None = None) -> dict:
    from PySide6 import QtWebEngineWidgets  # noqa: F401
    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    if os.environ.get("BENCH_GUI_VERBOSE"):
        log_slow_garbage_collections()
    from geolocator.core.pipeline import Settings
    from geolocator.gui.main_window import MainWindow
    from geolocator.gui.settings import AppSettings

    links = LinkCounter(link_cap, rounds)
    if answers is not None:
        LabelRecorder(answers)
    tmp = Path(tempfile.mkdtemp(prefix="bench-gui-"))
    w = MainWindow(AppSettings(demo_shown=True, adapt_steps=steps), settings_path=tmp / "s.json",
                   qsettings=QSettings(str(tmp / "q.ini"), QSettings.Format.IniFormat),
                   core_settings=Settings(cache_dir=cache or tmp / "features", adapter_dir=tmp / "adapters",
                                          **({} if workers is None else {"verify_workers": workers})))
    w.resize(1440, 900)
    w.show()
    meter = StallMeter()
    times: dict[str, float] = {}
    cpu: dict[str, float] = {}  # the whole process's CPU s per phase (UI thread + workers)
    w.runner.progress.connect(lambda job, ev: setattr(meter, "last_event", f"{ev.stage} {ev.step}/{ev.total}"))
    clock = StageClock()
    # the window's jobs send job-wide events (stage "job") naming the stage running in metrics["stage"]
    w.runner.progress.connect(lambda job, ev: clock.event(
        str((ev.metrics or {}).get("stage") or ev.stage) if ev.stage == "job" else ev.stage, ev.message))
    w.runner.finished.connect(lambda job, outcome: setattr(meter, "last_event", f"finished {job.title}"))
    w.map_view.loadStarted.connect(lambda: setattr(meter, "last_event", "map page load started"))
    w.map_view.loadFinished.connect(lambda ok: setattr(meter, "last_event", "map page loaded"))
    w.runner.started.connect(lambda job: setattr(meter, "last_event", f"started {job.title}"))
    plan = iter([*phases, None])
    scores: dict[str, tuple[int, int]] = {}
    state = {"t": 0.0, "phase": None}

    def next_phase() -> None:
        clock.close()
        if state["phase"] is not None:
            times[state["phase"]] = time.perf_counter() - state["t"]
            cpu[state["phase"]] = time.process_time() - state["cpu"]
            scores[state["phase"]] = answers_right(w)
            if answers is not None:
                write_answers(w, state["phase"], answers)
        phase = next(plan)
        state["phase"], state["t"], state["cpu"] = phase, time.perf_counter(), time.process_time()
        if phase is None:
            meter.timer.stop()
            w.close()
            app.quit()
            return
        meter.start(phase)
        clock.phase = phase
        if phase == "open":
            w.open_demo() if region is None else w.open_tileset(region)
        elif phase == "select":  # a person stepping through the photos: list row, Results pane, map marker
            chain([lambda q=q: w.query_list.select(q) for q in list(w.predictions)[:SELECTS]], STEP_MS)
        elif phase == "resize":  # a netbook, half a 1920 screen, full HD, back (the map and list re-lay out)
            chain([lambda s=s: w.resize(*s) for s in ((800, 560), (960, 700), (1920, 1080), (1024, 700),
                                                      (1440, 900))], STEP_MS)
        elif phase == "export":  # two background jobs: the answers as CSV, the map as one HTML file
            w.export_predictions(tmp / "answers.csv")
            w.export_map(tmp / "map.html")
        else:
            w.adapt()

    def chain(steps, every_ms: int) -> None:
        """Run `steps` on the UI thread `every_ms` apart, then end the phase (not a job: no idle signal)."""
        if not steps:
            QTimer.singleShot(every_ms, next_phase)
            return
        steps[0]()
        QTimer.singleShot(every_ms, lambda: chain(steps[1:], every_ms))

    def on_idle() -> None:
        # a phase ends once its results are on screen: the map page it produced has loaded too
        if w.map_view.loaded_path is not None and not w.map_view.is_ready:
            w.map_view.ready.connect(after_map, Qt.ConnectionType.SingleShotConnection)
        else:
            QTimer.singleShot(0, next_phase)

    def after_map(_ok: bool) -> None:
        QTimer.singleShot(0, next_phase)

    w.runner.idle.connect(on_idle)
    # like `geolocator --demo`: the backbone (torch) loads in the background, then the demo opens
    QTimer.singleShot(0, lambda: (w.load_backbone(), next_phase()))
    app.exec()
    # the run's settings, features (without --cache) and adapters: 53 such folders were left in /tmp
    shutil.rmtree(tmp, ignore_errors=True)
    return {
        "times": times,
        "cpu": cpu,
        "scores": scores,
        "gaps": meter.gaps,
        "worst": meter.worst,
        "stages": (clock.wall, clock.cpu),
        "n_queries": len(w.queries),
        "n_tiles": w.tileset_len,
        # the adapter's card says how many steps ran (progress events are coalesced in the UI)
        "adapt_steps": (w.adapter_info.card.get("steps") if w.adapter_info else None) or "?",
        "outcome": w.last_outcome,
        "backbone": w.backbone_info.name if w.backbone_info else "?",
        "links": links,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--steps", type=int, default=None, help="adaptation steps (default: the adaptation's own)")
    ap.add_argument("--cache", type=Path, default=None, help="feature cache (default: a fresh one, a cold start)")
    ap.add_argument("--region", type=Path, default=None,
                    help="open this region folder instead of the bundled demo (a quick run)")
    ap.add_argument("--phases", default="open,adapt",
                    help="comma-separated phases to run, in order: open (locate every photo), adapt (the Adapt "
                         f"button), select ({SELECTS} photos one after the other), resize (five window sizes), "
                         "export (answers CSV + map HTML, in the background)")
    ap.add_argument("--skip-window", action="store_true", help="do not time the window's first showing")
    ap.add_argument("--workers", type=int, default=None,
                    help="photos verified at once (Settings.verify_workers; default: the app's, one per core)")
    ap.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM") or "offscreen")
    ap.add_argument("--link-cap", type=int, default=None,
                    help="GeometrySettings.link_cap: links glued a photo a round at most (0: no cap; default: its own)")
    ap.add_argument("--link-rounds", type=int, default=None,
                    help="GeometrySettings.rounds: chaining rounds (placed photos anchor the next; default: its own)")
    ap.add_argument("--answers", type=Path, default=None,
                    help="append each photo's answer after each phase, and the Adapt phase's geometric labels, "
                         "to this file (tab-separated; to compare runs photo by photo)")
    args = ap.parse_args()
    os.environ["QT_QPA_PLATFORM"] = args.platform
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    env = dict(os.environ)

    print(f"# bench_gui  ({platform.platform()}, {os.cpu_count()} CPUs, Qt platform {args.platform}, "
          f"load average {os.getloadavg()[0]:.1f}: the machine is shared, stalls grow with its load)")
    # the record says what produced it (session 26: bench_gui.txt had no command)
    print("# command: python training/bench_gui.py " + shlex.join(sys.argv[1:]))
    if not args.skip_window:
        ttw = time_to_window(args.runs, env)
        secs = [t for t, _ in ttw]
        print(f"time to visible window: median {statistics.median(secs):.2f} s "
              f"(runs: {', '.join(f'{s:.2f}' for s in secs)}); torch imported by then: {any(f for _, f in ttw)}"
              f"   goal <= 2 s -> {'MET' if statistics.median(secs) <= 2 else 'NOT MET'}")

    r = stalls(args.steps, args.cache, args.region, tuple(args.phases.split(",")), args.workers, args.link_cap, args.answers,
               args.link_rounds)
    print(f"{'demo region' if args.region is None else args.region.name}: {r['n_tiles']} tiles, {r['n_queries']} drone images, backbone {r['backbone']}, "
          f"{r['adapt_steps']} adaptation steps, outcome {r['outcome']}, photos verified at once: "
          f"{'the app default' if args.workers is None else args.workers}")
    print(f"{'phase':<8} {'seconds':>8} {'CPU s':>7} {'s/photo':>8} {'CPU s/photo':>11} {'R@1 of answers':>15} "
          f"{'ticks':>6} {'longest stall ms':>17} {'p99 ms':>7} {'stalls>50ms':>11} {'stalls>100ms':>12}")
    for phase, gaps in r["gaps"].items():
        if not gaps:
            continue
        gs = sorted(gaps)
        p99 = gs[min(len(gs) - 1, int(0.99 * len(gs)))]
        wall = r["times"].get(phase, 0)
        n = max(1, r["n_queries"])
        right, scored = r["scores"].get(phase, (0, 0))
        r1 = f"{100 * right / scored:.1f} ({right}/{scored})" if scored else "no truth"
        print(f"{phase:<8} {wall:8.1f} {r['cpu'].get(phase, 0):7.1f} {wall / n:8.2f} {r['cpu'].get(phase, 0) / n:11.2f} "
              f"{r1:>15} {len(gs):6d} "
              f"{max(gs):17.0f} {p99:7.0f} {sum(g > 50 for g in gs):11d} {sum(g > 100 for g in gs):12d}")
    if r["worst"]:
        print("each phase's longest stall, split by the UI thread's scheduler figures (Linux): ran = the app's "
              "own work on the UI thread; waited = for a CPU (the machine's load); slept = for the GIL or a lock")
        print(f"{'phase':<8} {'stall ms':>8} {'ran ms':>7} {'waited ms':>9} {'slept ms':>8}  after")
        for phase, (gap, ran, waited, slept, after) in r["worst"].items():
            print(f"{phase:<8} {gap:8.0f} {ran:7.0f} {waited:9.0f} {slept:8.0f}  {after}")
    wall, cpu = r["stages"]
    n = max(1, r["n_queries"])
    if wall:
        print("where each phase's time went (from its progress events; s and s a photo):")
        print(f"{'phase':<8} {'stage':<52} {'wall s':>8} {'CPU s':>8} {'wall/photo':>10}")
        for (phase, stage), secs in wall.items():
            print(f"{phase:<8} {stage[:52]:<52} {secs:8.1f} {cpu[(phase, stage)]:8.1f} {secs / n:10.2f}")
    if "adapt" not in r["gaps"]:
        return 0
    links = r["links"]
    print(f"photo-photo links (the Adapt phase's chains): {links.glued} glued, {links.looked} first looks; "
          f"link_cap {links.link_cap}, rounds {links.rounds}")
    adapt = max(r["gaps"].get("adapt") or [0])
    print(f"longest stall while adapting: {adapt:.0f} ms   goal <= 100 ms -> {'MET' if adapt <= 100 else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
