"""An answer as evidence someone can publish (session 22): for one located photo, a picture of the
photo as it was matched beside the imagery it was matched to, with the photo's verified outline on
the ground and the Point drawn, and a JSON record of the same facts: coordinates (decimal degrees,
MGRS, UTM), what the confidence means, the status and level and how the Point was found, the imagery's source
and attribution, and the geolocator version and settings that produced it.

Built only from what `Workspace.locate` already returned (the Prediction, its top tile, the tile
set, the settings); nothing is recomputed. Truth (truth.csv, EXIF/telemetry positions, errors) is
never read or written here: the record states the answer, not its score. The matched keypoints
themselves are not kept by the pipeline (only their count); the outline they verified is drawn.

The imagery panel is drawn north-up from the tiles' lon/lat bounds (`Tile.bounds`, linear in
degrees): exact for XYZ tiles and lon/lat rasters; for a tile set in a projected CRS whose grid is
turned against the meridians (`Tile.corners` set, UTM: up to ~3 degrees) it can sit a few metres off,
which the record says. The imagery's capture date is not known to geolocator (no tile format it reads
records one reliably); the record says so rather than give the files' dates.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import os
import re
import unicodedata
from pathlib import Path
from typing import Any, Sequence

from PIL import Image, ImageDraw, ImageFont

from .model import Bounds, LatLon, Prediction, TileSet, claims_place
from .names import readable

PANEL = 480  # height of the photo and imagery panels (pixels)
MAX_TILES = 25  # imagery tiles pasted around the top tile at most
IMAGERY_SIDE = 1024  # the imagery panel's longer side at most, before it is scaled to PANEL (pixels)
MARGIN = 0.25  # imagery shown around the top tile and the outline, as a share of the tile's size
# The two files written per photo: `<stem>.evidence.png` and `<stem>.evidence.json`.
PICTURE_SUFFIX = ".evidence.png"
RECORD_SUFFIX = ".evidence.json"


def _safe_stem(text: str) -> str:
    """A file name stem for a photo's id: letters and digits of any script kept (NFC, so a macOS name
    in decomposed form keeps its "ä"), every run of anything else (spaces, "/", "#", "\\") one "_",
    at most 120 bytes in UTF-8 (whole characters; a file name holds 255 bytes, the suffix follows). Before session 28 only ASCII letters were kept: "写真 q_0020.jpg" and
    "画像 q_0020.jpg" were both "q_0020.jpg" (told apart by a trailing "_" only), "Gelände" "Gel_nde"."""
    stem = re.sub(r"[^\w.-]+", "_", unicodedata.normalize("NFC", text)).strip("._") or "photo"
    while len(stem.encode("utf-8")) > 120:
        stem = stem[:-1]
    return stem


def _sha256(path: Path) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()  # the whole file, as `sha256sum` prints
    except OSError:
        return None


def _plain(value: Any) -> Any:
    """Settings values as JSON: paths as text, tuples as lists, dataclasses as dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _measured_on(settings: Any) -> str:
    """Which photos the confidence was measured on, for the record's sentence: the calibration photos, or,
    on a run marked as changed ground (Settings.changed_ground), core/changed_ground.py's after-event ones."""
    if getattr(settings, "changed_ground", False):
        return ("synthetic after-event photos (flood, fire, smoke, debris: the run said the ground changed since the "
                "imagery; core/changed_ground.py)")
    return "its calibration photos"


def evidence_facts(pred: Prediction, tileset: TileSet, *, settings: Any = None, backbone: str | None = None,
                   matcher: str | None = None) -> dict[str, Any]:
    """The published record of one answer as a JSON-ready dict (no truth, no error: see the module
    docstring). `settings`: the Workspace's Settings (a dataclass; written whole), `backbone` and
    `matcher`: the names in use. Coordinates are WGS84 decimal degrees (lat, lon) to 7 decimals;
    `radius_m` and the confidence sentence follow predict.answer_radius_m and
    wording.confidence_within. A number that is not finite is written as null (RFC 8259)."""
    from .. import __version__
    from .coords import format_mgrs, format_utm
    from .export import format_confidence
    from .levels import level_of
    from .media.query_image import bars_box, is_frame
    from .predict import answer_radius_m
    from .wording import confidence_within

    from .export import NOT_LOCATED_CAUTION

    loc = pred.location
    placed = claims_place(pred.shown_status)  # not located: no place in the record (session 33)
    radius = answer_radius_m(pred) if placed else None
    shown = format_confidence(pred.confidence)
    top = pred.top if pred.matches else None
    box = bars_box(pred.query)
    photo: dict[str, Any] = {
        "id": pred.query.id,
        "file": readable(str(pred.query.path)),  # a name that is not UTF-8 reads \\xNN (core/names.py)
        "sha256": _sha256(Path(pred.query.path)),
    }
    if is_frame(pred.query):
        photo["frame_time_s"] = pred.query.time_s
    if box is not None:
        photo["bars_cut_off"] = {"left": box[0], "top": box[1], "right": box[2], "bottom": box[3],
                                 "meaning": "the picture inside letterbox/pillarbox bars (fractions of the "
                                            "image's width and height) is what was matched"}
    return {
        "what": "where this photo was taken, as geolocator placed it by matching it against the imagery below",
        "photo": photo,
        "location": {
            "lat": round(loc.lat, 7), "lon": round(loc.lon, 7), "crs": "WGS84 (EPSG:4326)",
            "mgrs": format_mgrs(loc.lat, loc.lon), "utm": format_utm(loc.lat, loc.lon),
            "source": pred.location_source,
        } if placed else {"lat": None, "lon": None, "crs": "WGS84 (EPSG:4326)", "mgrs": None, "utm": None, "source": None},
        "status": pred.shown_status,  # the machine's word, as the exports' `status` (verified, retrieved ...)
        # how sure, in the words the app, the CLI and the exports' `level` use (core/levels.py, session 27)
        "level": level_of(pred),
        "confidence": round(float(pred.confidence), 4) if math.isfinite(pred.confidence) else None,
        "confidence_means": (f"{confidence_within(shown, radius)}: of the answers geolocator gave with this confidence "
                             f"on {_measured_on(settings)}, this share lay within that distance of where the photo "
                             "was taken (docs/outputs.md: confidence, radius_m)"),
        "radius_m": None if radius is None else round(radius, 1),
        "note": pred.note,
        # why the answer is a guess (predict.LOW_TEXTURE_CAUTION), or why it has no place, else null
        "caution": pred.caution if placed else NOT_LOCATED_CAUTION,
        "matched_tile": None if top is None else {
            "id": top.tile.id, "inliers": top.inliers, "similarity": round(float(top.score), 4),
            "bounds": dataclasses.asdict(top.tile.bounds),
            "photo_outline": None if top.footprint is None else [[round(p.lon, 7), round(p.lat, 7)] for p in top.footprint],
        },
        "imagery": {
            "source": str(tileset.source),
            "attribution": tileset.attribution or "none recorded with the tile set",
            "zoom": tileset.zoom,
            "capture_date": "not known to geolocator (the tile set does not record it)",
            "drawn": ("north-up from the tiles' lon/lat bounds" + (
                "; this tile set's grid is turned against the meridians, so the drawing can be a few metres off"
                if any(t.corners is not None for t in tileset.tiles[:1]) else "")),
        },
        "geolocator": {"version": __version__, "backbone": backbone, "matcher": matcher,
                       "settings": _plain(settings) if settings is not None else None},
    }


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: the bitmap font, one size
        return ImageFont.load_default()


def _imagery_panel(pred: Prediction, tileset: TileSet) -> tuple[Image.Image, Bounds]:
    """The imagery around the top tile (and the photo's outline) as one north-up picture, and the
    lon/lat box it covers. Raises what open_tile_image raises for the top tile."""
    from .sources.tile_image import open_tile_image

    tile = pred.top.tile
    b = tile.bounds

    def east_of_tile(lon: float) -> float:
        # a longitude continued from the tile's west edge (the short way): a Point or outline just
        # across ±180° from its tile is beside it, not the globe's width away (session 33)
        return b.west + ((lon - b.west + 180.0) % 360.0 - 180.0)

    placed = claims_place(pred.shown_status)  # not located: no Point to draw, nor to widen the view to
    lons = [b.west, b.east_unwrapped, *([east_of_tile(pred.location.lon)] if placed else [])]
    lats = [b.south, b.north, *([pred.location.lat] if placed else [])]
    for p in pred.top.footprint or ():
        lons.append(east_of_tile(p.lon))
        lats.append(p.lat)
    pad_x, pad_y = MARGIN * b.width_deg, MARGIN * (b.north - b.south)
    view = Bounds(min(lons) - pad_x, min(lats) - pad_y, max(lons) + pad_x, max(lats) + pad_y)
    # no tile spans more than the panel's IMAGERY_SIDE: a big GeoTIFF tile is read at its working
    # size (>= that on its shorter side), not its full resolution; pixels map by each image's own size
    top_image = open_tile_image(tile, min_side=IMAGERY_SIDE)
    px_per_lon = top_image.width / b.width_deg
    px_per_lat = top_image.height / (b.north - b.south)
    width = max(1, round(view.width_deg * px_per_lon))
    height = max(1, round((view.north - view.south) * px_per_lat))
    scale = min(1.0, IMAGERY_SIDE / max(width, height))
    width, height = max(1, round(width * scale)), max(1, round(height * scale))
    canvas = Image.new("RGB", (width, height), (40, 40, 40))

    def box_px(t: Bounds) -> tuple[int, int, int, int]:
        west = east_of_tile(t.west)
        x0 = (west - view.west) / view.width_deg * width
        x1 = (west + t.width_deg - view.west) / view.width_deg * width
        y0 = (view.north - t.north) / (view.north - view.south) * height
        y1 = (view.north - t.south) / (view.north - view.south) * height
        return round(x0), round(y0), round(x1), round(y1)

    near = [t for t in tileset.tiles if t is not tile and t.bounds.south < view.north and t.bounds.north > view.south
            and east_of_tile(t.bounds.west) < view.east_unwrapped
            and east_of_tile(t.bounds.west) + t.bounds.width_deg > view.west][: MAX_TILES - 1]
    for t in [*near, tile]:  # the top tile last: on top where tiles overlap
        try:
            im = top_image if t is tile else open_tile_image(t, min_side=IMAGERY_SIDE)
        except Exception:  # noqa: BLE001 - a neighbour that cannot be read leaves a grey gap
            continue
        x0, y0, x1, y1 = box_px(t.bounds)
        if x1 - x0 >= 1 and y1 - y0 >= 1:
            canvas.paste(im.convert("RGB").resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR), (x0, y0))
    draw = ImageDraw.Draw(canvas)

    def xy(p: LatLon) -> tuple[float, float]:
        return ((east_of_tile(p.lon) - view.west) / view.width_deg * width,
                (view.north - p.lat) / (view.north - view.south) * height)

    x0, y0, x1, y1 = box_px(b)
    draw.rectangle((x0, y0, x1 - 1, y1 - 1), outline=(80, 160, 255), width=2)  # the matched tile
    if pred.top.footprint:
        pts = [xy(p) for p in pred.top.footprint]
        draw.line([*pts, pts[0]], fill=(255, 220, 0), width=3)  # the photo's outline on the ground
    if placed:
        cx, cy = xy(pred.location)
        r = max(6, width // 60)
        draw.line((cx - r, cy, cx + r, cy), fill=(255, 40, 40), width=3)
        draw.line((cx, cy - r, cx, cy + r), fill=(255, 40, 40), width=3)
    return canvas, view


def evidence_figure(pred: Prediction, tileset: TileSet, facts: dict[str, Any]) -> Image.Image:
    """One picture (RGB): left the photo as it was matched (cut to the picture inside its bars), right
    the imagery around the matched tile (blue frame) with the photo's verified outline (yellow, when
    verified) and the Point (red cross), and beneath them the record's main lines. Raises InputError
    when the photo or the top tile cannot be read."""
    from .media.query_image import open_query_image

    photo = open_query_image(pred.query)
    photo = photo.resize((max(1, round(photo.width * PANEL / photo.height)), PANEL), Image.Resampling.LANCZOS)
    imagery, _ = _imagery_panel(pred, tileset)
    imagery = imagery.resize((max(1, round(imagery.width * PANEL / imagery.height)), PANEL), Image.Resampling.LANCZOS)
    loc = facts["location"]
    lines = [
        (f"{facts['photo']['id']}: {loc['lat']:.7f}, {loc['lon']:.7f} (WGS84)   MGRS {loc['mgrs'] or '-'}   UTM {loc['utm'] or '-'}"
         if loc["lat"] is not None else f"{facts['photo']['id']}: not located, no place claimed"),
        f"{facts['level']}, confidence {facts['confidence_means'].split(':')[0]} (Point from: {loc['source']})",
        f"matched tile {facts['matched_tile']['id'] if facts['matched_tile'] else '-'}"
        + (f", {facts['matched_tile']['inliers']} matched points" if facts["matched_tile"] and facts["matched_tile"]["inliers"] else ""),
        f"imagery: {facts['imagery']['attribution']} ({facts['imagery']['source']}); capture date not known",
        f"geolocator {facts['geolocator']['version']}, backbone {facts['geolocator']['backbone']}, "
        f"matcher {facts['geolocator']['matcher']}.  Blue: matched tile. Yellow: photo outline. Red: the Point.",
    ]
    font = _font(15)
    gap = 12
    text_h = 22 * len(lines) + 2 * gap
    width = max(photo.width + imagery.width + 3 * gap, 900)
    out = Image.new("RGB", (width, PANEL + 2 * gap + text_h), (255, 255, 255))
    out.paste(photo, (gap, gap))
    out.paste(imagery, (2 * gap + photo.width, gap))
    draw = ImageDraw.Draw(out)
    for i, line in enumerate(lines):
        draw.text((gap, PANEL + 2 * gap + 22 * i), line, fill=(0, 0, 0), font=font)
    return out


def write_evidence(folder: Path | str, predictions: Sequence[Prediction], tileset: TileSet, *, settings: Any = None,
                   backbone: str | None = None, matcher: str | None = None) -> list[Path]:
    """For each prediction with a matched tile, `<id>.evidence.png` (evidence_figure) and
    `<id>.evidence.json` (evidence_facts, UTF-8, 2-space indent) in `folder` (created), written
    atomically; `<id>` is the query id with anything but letters, digits, '.', '_' and '-' made '_'.
    Returns the paths written. A photo whose pixels or tile cannot be read gets its JSON only (the
    error in `figure_error`). Raises OSError when the folder cannot be written."""
    from .errors import InputError
    from .outputs import write_bytes, write_text

    folder = Path(folder)
    written: list[Path] = []
    used: set[str] = set()
    for pred in predictions:
        if not pred.matches:
            continue
        stem = _safe_stem(pred.query.id)
        while stem in used:
            stem += "_"
        used.add(stem)
        facts = evidence_facts(pred, tileset, settings=settings, backbone=backbone, matcher=matcher)
        try:
            figure = evidence_figure(pred, tileset, facts)
        except (InputError, OSError) as exc:
            facts["figure_error"] = str(exc)
            figure = None
        if figure is not None:
            buf = io.BytesIO()
            figure.save(buf, format="PNG")
            written.append(write_bytes(folder / f"{stem}{PICTURE_SUFFIX}", buf.getvalue()))
        written.append(write_text(folder / f"{stem}{RECORD_SUFFIX}", json.dumps(facts, indent=2, ensure_ascii=False, allow_nan=False) + "\n"))
    return written


def _record_beside(picture: Path, stem: str) -> bool:
    """Whether `stem` + RECORD_SUFFIX lies beside `picture`, that suffix in any case: the picture's suffix is
    known in any case, and a copy that changed one name's case changed both (X.EVIDENCE.PNG beside
    X.EVIDENCE.JSON was read as a photo). The folder is listed only when the exact name is not there."""
    if picture.with_name(stem + RECORD_SUFFIX).is_file():
        return True
    try:
        with os.scandir(picture.parent) as found:
            return any(e.name[: len(stem)] == stem and e.name[len(stem):].lower() == RECORD_SUFFIX and e.is_file()
                       for e in found)
    except OSError:
        return False


def earlier_evidence(path: Path) -> str | None:
    """Why `path` is one of the files write_evidence wrote (a reason to say when it is skipped), or None.

    A picture is `<stem>.evidence.png` with its `<stem>.evidence.json` beside it (suffixes in any case);
    a record is `<stem>.evidence.json`. An evidence folder kept inside the photos' folder was otherwise read as
    photos on the next run: each picture "located", confident, and evidence written for the evidence
    (session 36, newuser36_session36.md). A PNG of that name without its record is not taken for
    ours: it is read as a photo."""
    name = path.name
    lower = name.lower()
    if lower.endswith(PICTURE_SUFFIX):
        if _record_beside(path, name[: -len(PICTURE_SUFFIX)]):
            return "an evidence picture geolocator wrote (--evidence or the app's Export Evidence), not a drone photo"
        return None
    if lower.endswith(RECORD_SUFFIX):
        return "an evidence record geolocator wrote (--evidence or the app's Export Evidence), not a photo"
    return None


def evidence_not_written(folder: Path | str, written: Sequence[Path]) -> list[str]:
    """The stems (`<stem>` of `<stem>.evidence.json`) of the evidence records in `folder` that are not
    among `written` (write_evidence's return): an earlier run's, of photos not in this one, sorted.
    They are kept (never removed: they may be someone's published record), and said, so that a folder
    handed on holds no answer by surprise (session 36: a second run into the same folder wrote 4
    records beside an earlier run's 8 and said "wrote evidence for 4 photos"). [] when the folder
    cannot be listed."""
    mine = {Path(p).name for p in written}
    try:
        names = sorted(p.name for p in Path(folder).iterdir())
    except OSError:
        return []
    return [n[: -len(RECORD_SUFFIX)] for n in names if n.endswith(RECORD_SUFFIX) and n not in mine]
