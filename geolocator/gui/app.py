"""Entry point of the desktop app: `geolocator` (no arguments) or the GUI flags below.

    geolocator [--demo] [--adapt] [--steps N] [--screenshot OUT.png [--window-size WxH] [--screenshot-timeout S]] [PATH ...]

--demo            open the bundled demo region (the first launch does this anyway)
--adapt           adapt to the region once it is open
--steps N         adaptation steps (default: the adaptation's own)
--screenshot OUT  do the work, wait for the map to render, save a PNG of the window and exit: 0 when the
                  work succeeded, 1 with a sentence on stderr when it did not (a failed or missing
                  adaptation with --adapt, a failed job, a time-out)
--window-size WxH the screenshot's window size in pixels (default 1440x900; 1024x700 is a small laptop's)
--screenshot-timeout S
                  seconds the screenshot waits for the work before it gives up (default 540; a long video
                  or a large region on a CPU can need more)
PATH ...          drone photos, videos or folders to add; a tile set among them (tiles.csv, a region folder,
                  a GeoTIFF, a tile package, a z/x/y folder) opens as the tile set
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

SCREENSHOT_TIMEOUT_S = 540
SCREENSHOT_SIZE = (1440, 900)  # --screenshot's window: the same picture whatever size the last session left


def _window_size(text: str) -> tuple[int, int]:
    """`--window-size` "1024x700" -> (1024, 700) pixels; argparse.ArgumentTypeError (exit 2 with the
    option named) for anything else, or a side under 320 or over 10,000."""
    import argparse

    w, sep, h = text.lower().replace("×", "x").partition("x")
    if not sep or not w.strip().isdigit() or not h.strip().isdigit():
        raise argparse.ArgumentTypeError(f"not a window size: {text!r} (write width x height in pixels: 1024x700)")
    size = int(w), int(h)
    if not all(320 <= side <= 10_000 for side in size):
        raise argparse.ArgumentTypeError(f"not a window size: {text!r} (each side 320 to 10000 pixels)")
    return size


def _parser() -> argparse.ArgumentParser:
    from ..cli import _path_arg, _whole_number  # the CLI's rules: `--steps 0` is refused, naming the option

    p = argparse.ArgumentParser(prog="geolocator", description="Locate drone photos in satellite tiles (desktop app).")
    p.add_argument("--demo", action="store_true", help="open the bundled demo region")
    p.add_argument("--adapt", action="store_true", help="adapt to the region once it is open")
    p.add_argument("--steps", type=_whole_number(1), default=None, metavar="N",
                   help="adaptation steps (default: the adaptation's own)")
    p.add_argument("--screenshot", type=Path, metavar="OUT.png", help="save a PNG of the window when done and exit")
    p.add_argument("--window-size", type=_window_size, default=None, metavar="WxH",
                   help="the screenshot's window size in pixels (default 1440x900)")
    p.add_argument("--screenshot-timeout", type=_whole_number(1), default=None, metavar="S",
                   help=f"seconds a --screenshot waits for the work (default {SCREENSHOT_TIMEOUT_S})")
    p.add_argument("paths", nargs="*", type=_path_arg,
                   help="drone photos, videos or folders; a tile set among them opens as the tile set (tiles.csv, a "
                        "region folder, a GeoTIFF, .mbtiles/.pmtiles/.gpkg, a z/x/y folder)")
    return p


def app_help() -> str:
    """The app's own flags, for `geolocator --help` (listed beside the subcommands)."""
    lines = ["desktop app (no subcommand):",
             "  geolocator [--demo] [--adapt] [--steps N] [--screenshot OUT.png [--window-size WxH]"
             " [--screenshot-timeout S]] [PATH ...]"]
    for action in _parser()._actions:
        if action.option_strings and action.dest != "help" or action.dest == "paths":
            flags = ", ".join(action.option_strings) or "PATH ..."
            if action.metavar and action.option_strings:
                flags += f" {action.metavar}"
            elif action.nargs is None and action.option_strings and not isinstance(action.const, bool):
                flags += f" {action.dest.upper()}"
            lines.append(f"  {flags:<24}{action.help}")
    return "\n".join(lines)


NO_DISPLAY = (
    "geolocator: there is no display to open the window on ({why}).\n"
    "  - on a server or over SSH, use the command line: geolocator --help\n"
    "  - or save a picture of the app instead: geolocator --demo --screenshot shot.png\n"
    "  - or connect a display: set DISPLAY (e.g. ssh -X) or WAYLAND_DISPLAY\n"
    "  - or run Qt without one: QT_QPA_PLATFORM=offscreen"
)
HEADLESS_PLATFORMS = {"offscreen", "minimal", "vnc", "linuxfb", "eglfs", "vkkhrdisplay"}


def _xcb_reachable(display: str | None) -> bool | None:
    """Whether an X server answers at `display` (libxcb's own connect, no subprocess and no Qt);
    None when libxcb cannot be loaded (then Qt is left to decide)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("xcb")
    if name is None:
        return None
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.xcb_connect.restype = ctypes.c_void_p
    lib.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    lib.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    lib.xcb_disconnect.argtypes = [ctypes.c_void_p]
    conn = lib.xcb_connect(display.encode() if display else None, None)
    try:
        return lib.xcb_connection_has_error(conn) == 0
    finally:
        lib.xcb_disconnect(conn)


def display_problem(environ=None, platform: str | None = None) -> str | None:
    """Why Qt could not open a window here, or None. Checked before the QApplication exists,
    because Qt aborts the process (exit 134) when its platform plugin finds no display."""
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None
    qpa = (env.get("QT_QPA_PLATFORM") or "").split(":")[0].split(";")[0].strip().lower()
    if qpa in HEADLESS_PLATFORMS:
        return None
    display, wayland = env.get("DISPLAY"), env.get("WAYLAND_DISPLAY")
    if qpa.startswith("wayland"):
        return None if wayland else "QT_QPA_PLATFORM is wayland but WAYLAND_DISPLAY is not set"
    if qpa in ("", "xcb") and display:
        reachable = _xcb_reachable(display)
        if reachable is False and not (qpa == "" and wayland):
            return f"DISPLAY is {display}, but no X server answers there"
        return None
    if qpa == "xcb":
        return "QT_QPA_PLATFORM is xcb but DISPLAY is not set"
    if qpa == "" and not wayland:
        return "neither DISPLAY nor WAYLAND_DISPLAY is set"
    return None


# What Qt and QtWebEngine print on the offscreen platform of a machine without a GPU, a display or
# D-Bus, run as root (newuser_session13.md section 1; every --screenshot run and test): the renderer
# falling back to software, the offscreen plugin lacking window-manager calls, the sandbox we turn
# off as root. None is a fault of the app; all come in Qt's "default" category, so QT_LOGGING_RULES
# cannot name them without silencing every uncategorised warning: matched by their whole text.
OFFSCREEN_NOISE = frozenset({
    "QRhiGles2: Failed to create temporary context",
    "QRhiGles2: Failed to create context",
    "Failed to create RHI for backend: OpenGL",
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support createPlatformVulkanInstance",
    "QVulkanInstance: Failed to initialize Vulkan",
    "GBM is not supported with the current configuration and Vulkan is not available. Fallback to software "
    "rendering.",
    "GPUInfo not initialized on GpuInfoUpdate",
    "Sandboxing disabled by user.",
})


def offscreen() -> bool:
    """Whether Qt will run on the offscreen platform (QT_QPA_PLATFORM, options after ':' aside)."""
    return os.environ.get("QT_QPA_PLATFORM", "").split(":", 1)[0].strip() == "offscreen"


def _prepare_environment(screenshot: bool) -> None:
    # Headless screenshots (CI, servers): no display means the offscreen platform.
    if screenshot and not os.environ.get("QT_QPA_PLATFORM") and not os.environ.get("DISPLAY") \
            and not os.environ.get("WAYLAND_DISPLAY") and sys.platform.startswith("linux"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # Chromium refuses its sandbox as root
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    if offscreen() and "--log-level" not in flags:
        # Chromium's own log (not Qt's) says "Failed to connect to the bus" where there is no D-Bus
        # (containers, CI); offscreen, only its fatal lines are kept. A user's --log-level wins.
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} --log-level=3".strip()


_message_handler = None  # kept referenced while Qt holds it


def quiet_offscreen_noise() -> bool:
    """On the offscreen platform, leave OFFSCREEN_NOISE out of Qt's messages; every other message
    is passed on as before (the previous handler, else Qt's own format on stderr). Returns whether
    the filter was installed (False on any other platform: nothing changes there)."""
    global _message_handler
    if not offscreen():
        return False
    from PySide6.QtCore import qFormatLogMessage, qInstallMessageHandler

    previous = None

    def handler(kind, context, message: str) -> None:
        if message.strip() in OFFSCREEN_NOISE:
            return
        if previous is not None:
            previous(kind, context, message)
        else:
            sys.stderr.write(qFormatLogMessage(kind, context, message) + "\n")

    _message_handler = handler
    previous = qInstallMessageHandler(handler)
    return True


def _core_settings(args):
    """`--screenshot --adapt` is a demonstration: its adapter goes to a scratch folder, never over the
    adapter a user saved for the same tile set."""
    if args.screenshot is None or not args.adapt:
        return None
    import atexit
    import shutil
    import tempfile

    from ..core.pipeline import Settings

    scratch = Path(tempfile.mkdtemp(prefix="geolocator-screenshot-adapters-"))
    atexit.register(shutil.rmtree, scratch, True)  # a demonstration's adapter is not kept (one was left per run)
    return Settings(adapter_dir=scratch)


def _app_icon():
    from PySide6.QtGui import QIcon

    from .resources import resources_dir

    icon = QIcon()
    for png in sorted((resources_dir() / "icons").glob("geolocator-*.png")):
        icon.addFile(str(png))  # every size: the window manager picks what it needs
    return icon


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.window_size is not None and args.screenshot is None:  # the window's own size is the user's
        parser.error("--window-size is the size of a --screenshot's window: give --screenshot OUT.png too")
    if args.screenshot_timeout is not None and args.screenshot is None:
        parser.error("--screenshot-timeout is how long a --screenshot waits: give --screenshot OUT.png too")
    _prepare_environment(args.screenshot is not None)
    if args.screenshot is not None:  # a picture that cannot be saved fails now, not after the work
        from ..core.outputs import OutputError, check_writable

        try:
            check_writable(args.screenshot, what="screenshot")
        except OutputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if args.demo and args.screenshot is not None:
        from .resources import demo_dir

        # unattended, the window's message went unread and the run saved an empty window with status 0
        # (a wheel built before session 37 held no demo); build.sh and CI read the exit status
        if not (demo_dir() / "tiles.csv").is_file():
            print(f"error: {demo_dir()}: the demo region is missing from this installation (no tiles.csv); "
                  "reinstall geolocator, or open a region of your own instead of --demo", file=sys.stderr)
            return 2
    problem = display_problem()
    if problem is not None:
        print(NO_DISPLAY.format(why=problem), file=sys.stderr)
        return 2

    quiet_offscreen_noise()
    from PySide6.QtCore import QCoreApplication, Qt, QTimer
    from PySide6 import QtWebEngineWidgets  # noqa: F401 - must be imported before the QApplication exists
    from PySide6.QtWidgets import QApplication

    from PySide6.QtGui import QGuiApplication

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    if QApplication.instance() is None:  # fractional scale factors (150 %) stay crisp instead of rounded
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "geolocator"])
    app.setApplicationName("Geolocator")
    app.setOrganizationName("geolocator")
    app.setDesktopFileName("geolocator")
    app.setWindowIcon(_app_icon())

    from .main_window import MainWindow, split_paths

    core_settings = _core_settings(args)
    window = MainWindow(core_settings=core_settings)
    if core_settings is not None:
        window.scratch_adapter_dir = core_settings.adapter_dir
    if args.steps is not None:
        window.settings.adapt_steps = args.steps
    if args.screenshot is not None:
        window.resize(*(args.window_size or SCREENSHOT_SIZE))  # whatever size the last session left behind
        window.default_layout()  # and whatever pane sizes it saved
    window.show()

    def start() -> None:
        window.load_backbone()
        tiles, images = split_paths(args.paths)
        if args.demo:
            window.open_demo()
        elif tiles and args.screenshot is not None:
            # unattended: no dialog can be answered (a GeoTIFF's tile size, a package's zoom blocked
            # the run, which then saved an empty window and exited 0); the defaults: 100 m, automatic zoom
            window.open_tileset(tiles[0])
        elif tiles:
            window.open_tileset_interactive(tiles[0])
        elif args.screenshot is None:
            window.first_run()
        if images:
            window.add_paths(images)

    QTimer.singleShot(0, start)
    if args.screenshot is None:
        return app.exec()
    try:
        return _screenshot(app, window, args.screenshot, adapt=args.adapt,
                           timeout_s=args.screenshot_timeout or SCREENSHOT_TIMEOUT_S)
    finally:
        if core_settings is not None:  # the trial's scratch adapters go with it
            import shutil

            shutil.rmtree(core_settings.adapter_dir, ignore_errors=True)


class ScreenshotRun:
    """What `--screenshot` waited for, and whether it went well: each job's outcome, and with
    `--adapt` the adaptation's (it must run, finish and save its adapter). `problems` are sentences
    for stderr; any problem makes the exit status 1, so packaging/build.sh cannot pass a failed run."""

    def __init__(self, window, *, adapt: bool) -> None:
        self.window = window
        self.adapt_pending = adapt
        self.adapt_job = None
        self.problems: list[str] = []
        self._began: dict[int, float] = {}  # id(job) -> when it started
        self._said: dict[int, float] = {}  # id(job) -> when its last line was printed
        window.runner.started.connect(self._on_started)
        window.runner.progress.connect(self._on_progress)
        window.runner.finished.connect(self._on_finished)

    def _on_started(self, job) -> None:
        # no window to watch: a line per job on stderr tells work from a hang (the demo takes minutes on a CPU)
        self._began[id(job)] = self._said[id(job)] = time.monotonic()
        print(f"screenshot: {job.title}…", file=sys.stderr, flush=True)

    # a job's progress on stderr this often: opening the demo cold was 143 s between its two lines
    # (newuser31_session31.md); the CLI's TqdmProgress writes a log's lines as often
    LINE_EVERY_S = 30.0

    def _on_progress(self, job, event) -> None:
        from .progress_panel import describe

        now = time.monotonic()
        said = self._said.get(id(job))
        if said is None or now - said < self.LINE_EVERY_S:
            return
        self._said[id(job)] = now
        print(f"screenshot: {job.title}: {describe(event)}", file=sys.stderr, flush=True)

    def start_adaptation(self) -> bool:
        """Start the pending adaptation once a tile set and photos are open; True when it started."""
        if not self.adapt_pending or self.window.tileset_path is None or not self.window.queries:
            return False
        self.adapt_pending = False
        self.adapt_job = self.window.adapt()
        if self.adapt_job is None:
            self.problems.append(f"the adaptation did not start: {self.window.message_bar.text or 'the app was busy'}")
        return self.adapt_job is not None

    def _on_finished(self, job, outcome: str) -> None:
        began = self._began.pop(id(job), None)
        self._said.pop(id(job), None)
        took = f" in {time.monotonic() - began:.0f} s" if began is not None else ""
        print(f"screenshot: {job.title}: {outcome}{took}", file=sys.stderr, flush=True)
        bar = self.window.message_bar
        if job is self.adapt_job:
            if outcome == "failed":
                self.problems.append(f"the adaptation failed: {bar.text}")
            elif outcome == "cancelled":
                self.problems.append("the adaptation was cancelled")
            elif self.window.last_adapt_notice:
                self.problems.append(self.window.last_adapt_notice)  # "the trained adapter could not be saved..."
        elif outcome == "failed" and bar.level == "error":  # a failure the app recovered from is a warning
            self.problems.append(f"{job.title} failed: {bar.text}")

    def finish(self, timed_out: bool = False, timeout_s: int = SCREENSHOT_TIMEOUT_S) -> list[str]:
        """The problems, with the ones only known at the end (a time-out, an adaptation that never ran)."""
        if timed_out:
            self.problems.append(f"timed out after {timeout_s} s with the work unfinished "
                                 "(--screenshot-timeout S waits longer)")
        if self.adapt_pending:
            self.adapt_pending = False
            why = "no tile set was opened" if self.window.tileset_path is None else "no drone images were opened"
            self.problems.append(f"--adapt was asked for, but no adaptation ran ({why})")
        return self.problems


def _screenshot(app, window, out: Path, *, adapt: bool, timeout_s: int = SCREENSHOT_TIMEOUT_S) -> int:
    """Wait for the work (at most `timeout_s` seconds), then for the map, then grab the whole window. Exit
    status 0 only when the work succeeded and the picture was saved; otherwise 1, with a sentence per
    problem on stderr."""
    from PySide6.QtCore import QTimer

    run = ScreenshotRun(window, adapt=adapt)
    state = {"code": 0, "saved": False}

    def save(timed_out: bool = False) -> None:
        if state["saved"]:
            return
        state["saved"] = True
        problems = run.finish(timed_out, timeout_s)
        out.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(out))
        for problem in problems:
            print(f"screenshot: FAILED: {problem}", file=sys.stderr)
        if not ok:
            print(f"screenshot: could not write {out}", file=sys.stderr)
        elif problems:
            print(f"screenshot: {out} (a picture of the failed run)", file=sys.stderr)
        else:
            print(f"screenshot: {out}", file=sys.stderr)
        state["code"] = 0 if ok and not problems else 1
        window.close()
        app.quit()

    def settled() -> None:
        # the map page has loaded; a short pause lets Leaflet draw and the tile images decode
        QTimer.singleShot(800, save)

    def on_idle() -> None:
        if run.start_adaptation():
            return
        if window.runner.busy:
            return
        if window.map_view.loaded_path is None or window.map_view.is_ready:
            settled()
        else:
            window.map_view.ready.connect(lambda _ok: settled())

    window.runner.idle.connect(on_idle)
    QTimer.singleShot(0, lambda: None if window.runner.busy else on_idle())  # nothing queued: look now
    QTimer.singleShot(timeout_s * 1000, lambda: save(timed_out=True))
    app.exec()
    return state["code"]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
