"""The results map: a folium/Leaflet page that works with no network at all.

Leaflet and jQuery come from the XStatic packages on disk instead of CDNs, the basemap is the user's
own tile set (one downscaled mosaic ImageOverlay), and every marker carries escaped text only.
Two asset modes: "files" writes images next to the page and links them with file:// URLs (the app's
page stays small enough to load fast), "inline" embeds everything as data: URIs so the exported HTML
is one standalone file.

Interaction is driven by a small `window.geoloc` script: a click on a marker logs
`geolocator:select:<json id>` to the console (the app listens to console messages), and the app
calls `geoloc.highlight(id, true)` to select a marker from the outside.

No Qt here: the GUI's worker thread builds the page, the GUI only loads it.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import folium
import numpy as np
from branca.element import Element, MacroElement
from PIL import Image

from .coords import format_dmm, format_mgrs, not_covered
from .media.query_image import query_key
from .errors import GeolocatorError
from .export import format_confidence
from .levels import LEVEL_CONFIDENT, LEVEL_NOT_CONFIDENT, frame_level, level_of
from .model import CONFIDENT, WEAK_BELOW, Bounds, Prediction, TileSet, claims_place
from .predict import answer_radius_m
from .sequence import frame_shots
from .wording import confidence_within, shot_of
from .progress import CancelToken, EtaClock, ProgressCallback, ProgressEvent, check, emit, thinned

SELECT_PREFIX = "geolocator:select:"  # console-message bridge understood by the GUI
AREA_PREFIX = "geolocator:area:"  # a rectangle drawn on the app's map: JSON "W,S,E,N" (LatLngBounds.toBBoxString)
BASEMAP_MAX_PX = 2048  # long side of the tile mosaic: sharp enough, yet a page of a few MB at most
# in the cached basemap's name: bumped when the drawing changes, so that a basemap an older version left in
# an assets folder (an exported map written again to the same place) is drawn again, not reused.
# 2: PNG tiles' own alpha kept (alphamap34; before, their no data was drawn opaque)
BASEMAP_DRAWING = 2
THUMB_PX = 160  # popup thumbnails
# Leaflet 1.9 popup chrome around its content: wrapper 1 px + content margins 13 px a side, tip 20 px,
# autoPan padding 5 px a side (leaflet.css / Popup defaults), and a few pixels of slack
POPUP_CHROME_PX = 70
# its width: at most Leaflet's 280 px of content (bindPopup's maxWidth), at most the map's width less the
# content's side margins (20 + 24 px), its frame and autoPan's 5 px a side, at least 120 px
POPUP_MAX_WIDTH_PX = 280
POPUP_SIDE_CHROME_PX = 56
POPUP_MIN_WIDTH_PX = 120
POPUP_PHOTO_SHARE = 0.45  # the largest share of the popup's height its photo takes (a 160 x 120 one: maps under ~340 px)
# Above this many photos the markers are drawn on one canvas (Leaflet preferCanvas) instead of one
# SVG element each: 10,000 SVG markers made the page slow to load and to pan (bench_gui_scale.md)
CANVAS_ABOVE = 500
ONLINE_BASEMAP_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
ONLINE_BASEMAP_HOST = "tile.openstreetmap.org"
# OpenStreetMap serves zoom levels 0-19. Leaflet caps a map without its own maxZoom at its tile layers'
# deepest maxZoom (folium's default 18), so the OSM layer gets a deeper maxZoom, upscaling its zoom-19
# tiles: switching the online basemap on must not stop the map zooming into a drone tile set
# (zoom 22-23 at 2-4 cm/px) nor make the first view fit it less closely.
ONLINE_BASEMAP_NATIVE_ZOOM = 19
MAP_MAX_ZOOM = 24  # ~1 cm/px at the equator: finer than any drone orthophoto


def _xstatic_dir(module: str) -> Path:
    import importlib

    return Path(importlib.import_module(module).BASE_DIR)


def leaflet_files() -> dict[str, Path]:
    """The local copies of Leaflet and jQuery folium needs."""
    leaflet = _xstatic_dir("xstatic.pkg.leaflet")
    jquery = _xstatic_dir("xstatic.pkg.jquery")
    files = {
        "leaflet_js": leaflet / "leaflet.js",
        "leaflet_css": leaflet / "leaflet.css",
        "jquery_js": jquery / "jquery.min.js",
    }
    for path in files.values():
        if not path.is_file():
            raise GeolocatorError(f"{path}: missing; reinstall XStatic-Leaflet / XStatic-jQuery")
    return files


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _jpeg_bytes(image: Image.Image, quality: int = 82) -> bytes:
    """`image` as JPEG bytes (RGB, Pillow's `quality`). Not Huffman-optimised: Pillow encodes an
    optimised JPEG in one call that keeps the GIL throughout (10x longer than the chunked plain
    encode lets other threads wait), so the app's window froze while a worker drew the basemap;
    the files are 3-18 % larger (demo photos; training/results/stall33_session33.md)."""
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _has_transparency(image: Image.Image) -> bool:
    """Whether `image` has an alpha band with any pixel below 255."""
    return image.mode in ("RGBA", "LA") and image.getchannel("A").getextrema()[0] < 255


def _alpha_bytes(image: Image.Image, quality: int = 82) -> tuple[bytes, str, str]:
    """`image` with its alpha kept: (bytes, MIME type, file suffix). WebP (lossy colour at Pillow's
    `quality`, lossless alpha) where Pillow has libwebp, else PNG (zlib level 1). On the 25°-rotated
    demo KMZ's 2047 x 2048 basemap: WebP 0.07 MB in 0.66 s, PNG 1.29 MB in 0.27 s, the JPEG it
    replaces 0.18 MB (training/results/kmzmap33_session33.md); both encoders let other threads run."""
    from PIL import features

    buf = io.BytesIO()
    if features.check("webp"):
        image.save(buf, "WEBP", quality=quality)
        return buf.getvalue(), "image/webp", ".webp"
    image.save(buf, "PNG", compress_level=1)
    return buf.getvalue(), "image/png", ".png"


class Assets:
    """Where images go: files beside the page (folder given) or data: URIs (folder None)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    @property
    def inline(self) -> bool:
        return self.folder is None

    def cached(self, name: str) -> str | None:
        if self.folder is not None and (self.folder / name).is_file():
            return (self.folder / name).resolve().as_uri()
        return None

    def image(self, image: Image.Image, name: str) -> str:
        """The URL of `image` saved as `name`: JPEG, or WebP/PNG (`name`'s suffix changed to match:
        _alpha_bytes) when it has transparent pixels (a basemap's no data and the ground no tile
        covers: JPEG has no alpha, and showed them black or grey over the map)."""
        if _has_transparency(image):
            data, mime, suffix = _alpha_bytes(image)
            name = str(Path(name).with_suffix(suffix))
        else:
            data, mime = _jpeg_bytes(image), "image/jpeg"
        if self.folder is None:
            return _data_uri(data, mime)
        path = self.folder / name
        tmp = path.with_suffix(".part")
        try:
            tmp.write_bytes(data)
            tmp.replace(path)  # atomic: a half-written image is never linked
        except OSError:
            tmp.unlink(missing_ok=True)  # a full disk leaves no half image behind
            raise
        return path.resolve().as_uri()

    def script(self, path: Path) -> str:
        return _data_uri(path.read_bytes(), "text/javascript") if self.inline else path.resolve().as_uri()

    def style(self, path: Path) -> str:
        return _data_uri(path.read_bytes(), "text/css") if self.inline else path.resolve().as_uri()


def _open_tile(tile, min_side: int | None = None) -> Image.Image:
    # files, GeoTIFF windows and package entries alike; images.py keeps the decoding rules (bombs, corrupt files).
    # keep_alpha: a tile's own alpha (PNG/WebP files and package entries) comes back as RGBA, not filled
    from .sources.tile_image import open_tile_image

    return open_tile_image(tile, min_side=min_side, keep_alpha=True)


def _with_no_data(img: Image.Image, valid: np.ndarray | None) -> Image.Image:
    """The drawn tile `img` (RGB, or RGBA with the tile's own alpha) with the pixels `valid`
    (a (height, width) bool array of its size, tile_image.tile_valid_mask; None: all) says hold no
    data made transparent too: RGB when every pixel is opaque, else RGBA."""
    if valid is None:
        return img
    rgba = np.array(img.convert("RGBA"))
    rgba[..., 3][~valid] = 0
    return Image.fromarray(rgba, "RGBA")


def _mosaic_size(bounds: Bounds, max_px: int) -> tuple[int, int]:
    """Pixel size of the mosaic keeping the ground aspect ratio (metres, not degrees)."""
    lat = math.radians(bounds.center.lat)
    w = max(bounds.width_deg, 1e-12) * math.cos(lat)
    h = max(bounds.north - bounds.south, 1e-12)
    if w >= h:
        return max_px, max(1, round(max_px * h / w))
    return max(1, round(max_px * w / h)), max_px


def render_basemap(
    tileset: TileSet,
    *,
    max_px: int = BASEMAP_MAX_PX,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Image.Image:
    """Paste every tile, downscaled, into one north-up image spanning the tile set's bounds.

    Linear in degrees: fine for the small extents a region covers (Leaflet stretches it in Mercator).
    Returns an RGB image when every pixel is drawn, else RGBA: the ground no tile covers and the
    tiles' own no data are transparent, so the map under them shows instead of black or grey
    wedges. A tile's no data is one alpha whatever its format: the alpha its pixels carry (PNG/WebP
    tiles of an XYZ folder or an MBTiles/PMTiles/GeoPackage, e.g. an orthophoto clipped to a
    county; partial alpha kept) times GDAL's mask of a raster file (nodata / mask / alpha band,
    tile_image.tile_valid_mask: the corners of a rotated overlay's north-up copy, a GeoTIFF's
    border); each tile is composited over what is drawn ("over", Pillow's alpha_composite). JPEG
    tiles carry no alpha and are pasted opaque: black pixels are never taken for no data.
    Unreadable tiles are opaque dark grey rather than failing the whole map.
    """
    from .sources.tile_image import tile_valid_mask

    bounds = tileset.bounds
    width, height = _mosaic_size(bounds, max_px)
    canvas = Image.new("RGBA", (width, height), (40, 40, 40, 0))
    sx = width / max(bounds.width_deg, 1e-12)
    sy = height / max(bounds.north - bounds.south, 1e-12)
    n = len(tileset.tiles)
    masks: dict = {}  # each file's no-data mask, read once (tile_image.tile_valid_mask)
    clock = EtaClock(n)
    progress = thinned(progress, n)  # <= ~200 events per mosaic, not one per tile
    for i, tile in enumerate(tileset.tiles):
        check(cancel)
        b = tile.bounds
        dx = (b.west - bounds.west) % 360.0  # degrees east of the map's west edge, across ±180° too
        x0, x1 = round(dx * sx), round((dx + b.width_deg) * sx)
        y0, y1 = round((bounds.north - b.north) * sy), round((bounds.north - b.south) * sy)
        if x1 > x0 and y1 > y0:
            try:
                # level of detail: a tile a few pixels wide in the mosaic decodes at a reduced scale
                # (JPEG DCT scaling, up to 1/8: a fraction of a full decode on large tile sets)
                img = _open_tile(tile, min_side=max(x1 - x0, y1 - y0))
                valid = tile_valid_mask(tile, x1 - x0, y1 - y0, masks)
            except GeolocatorError:
                img = None
            if img is None:
                canvas.paste((40, 40, 40, 255), (x0, y0, x1, y1))
            else:
                # Pillow resizes RGBA premultiplied: a transparent pixel's colour never bleeds into its neighbours
                img = _with_no_data(img.resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR), valid)
                if img.mode == "RGBA":
                    canvas.alpha_composite(img, (x0, y0))  # no data: the canvas under it is left as it was
                else:
                    canvas.paste(img, (x0, y0))  # opaque (every JPEG tile): a plain copy
        emit(progress, ProgressEvent("map", i + 1, n, "drawing the basemap", clock.eta(i + 1)))
    return canvas.convert("RGB") if not _has_transparency(canvas) else canvas


def _safe(text: str) -> str:
    """Escape for HTML and for the JS template literals folium writes ($ and backticks)."""
    return html.escape(text, quote=True).replace("$", "&#36;").replace("`", "&#96;")


def _script_json(value) -> str:
    """JSON that cannot close the <script> element it sits in."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def query_label(pred: Prediction) -> str:
    return Path(pred.query.id).name or pred.query.id


NOT_LOCATED_COLOUR = "#9e9e9e"
# A photo without truth is drawn by its level (core/levels.py, the words of the list, the CLI and the
# KML pins): dark blue confident, mid blue verified but not confident, light blue a weak match or
# tile level only. Until session 26 everything below 0.9 was one light blue the legend called
# "unsure", while the list said "verified" for 0.5-0.9.
UNSURE_COLOUR = "#abd9e9"
LEVEL_COLOURS = {LEVEL_CONFIDENT: "#2b83ba", LEVEL_NOT_CONFIDENT: "#6aaed6"}
# ... and by size: the surer, the larger (appwalk37: the shades alone were the only cue, lost to a reader
# who tells blues apart poorly or a dim field screen); radii in CSS px, Leaflet's circleMarker's
MARKER_RADIUS = 6
LEVEL_RADII = {LEVEL_CONFIDENT: 8, LEVEL_NOT_CONFIDENT: MARKER_RADIUS}  # 7 read as 6 at a glance
UNSURE_RADIUS = 4
LEVEL_KEYS = (  # the legend's rows for photos without truth: (colour, words, radius)
    (LEVEL_COLOURS[LEVEL_CONFIDENT], f"{LEVEL_CONFIDENT} ({CONFIDENT:g} or more)", LEVEL_RADII[LEVEL_CONFIDENT]),
    (LEVEL_COLOURS[LEVEL_NOT_CONFIDENT], f"{LEVEL_NOT_CONFIDENT} ({WEAK_BELOW:g}-{CONFIDENT:g})",
     LEVEL_RADII[LEVEL_NOT_CONFIDENT]),
    (UNSURE_COLOUR, "weak match or tile level only", UNSURE_RADIUS),
)
HIT_COLOUR, MISS_COLOUR = "#1a9850", "#d73027"
# Drawn confident from model.CONFIDENT, as everywhere else. An unverified answer claims at most
# predict.RETRIEVED_CEILING (0.6), so it is never drawn as confident (it was at >= 0.5: a photo of a
# white wall, newuser session 16).


def marker_colour(pred: Prediction) -> str:
    """Grey for a photo with nothing to locate (status "not located"); green/red when the truth
    says right/wrong, otherwise blue shaded by its level (LEVEL_COLOURS: core/levels.py)."""
    if pred.status == "not located":
        return NOT_LOCATED_COLOUR
    if pred.query.truth is not None:
        return HIT_COLOUR if _top_holds_truth(pred) else MISS_COLOUR
    return LEVEL_COLOURS.get(level_of(pred), UNSURE_COLOUR)


def _top_holds_truth(pred: Prediction) -> bool:
    return bool(pred.matches) and pred.matches[0].tile.bounds.contains(pred.query.truth)


def marker_form(pred: Prediction) -> dict:
    """What tells a marker apart besides its colour (marker_colour), for a reader who does not see the
    colours: {"radius": px, "ring": bool}. Without truth the radius grows with the level (LEVEL_RADII;
    UNSURE_RADIUS for a weak match or tile level only); with truth a top tile that misses it is a ring
    (its edge in the red, a pale fill), one that holds it a filled dot: green and red look alike to
    about one man in twelve (red-green colour blindness)."""
    if pred.query.truth is not None:
        return {"radius": MARKER_RADIUS, "ring": pred.status != "not located" and not _top_holds_truth(pred)}
    return {"radius": LEVEL_RADII.get(level_of(pred), UNSURE_RADIUS), "ring": False}


def popup_html(pred: Prediction, thumb_url: str | None, track_point=None, shot: tuple[int, int] | None = None) -> str:
    """The marker's popup; `track_point` (core.sequence.TrackPoint): a flight's frame, whose
    marker stands at its track position: its Status and Confidence rows are then that position's,
    in the list's words (core.levels.frame_level: `confident` for a matched frame at 0.9 or more,
    `interpolated` …, as every export's level), and
    the single-frame answer follows in a row of its own where it differs. `shot`: (shot, shots) of
    a frame of a video edited from shots (sequence.frame_shots), said in the Flight row."""
    status = _safe(level_of(pred)) + (f" ({_safe(pred.note)})" if pred.note else "")  # core/levels.py's words
    rows = [
        ("Query", _safe(pred.query.id)),
        ("Top tile", _safe(pred.top.tile.id) if pred.matches else "-"),
        ("Score", f"{pred.top.score:.3f}" if pred.matches else "-"),
        ("Status", status),
        # not located (model.claims_place): no place claimed, so neither a radius around one nor a Location
        ("Confidence", confidence_within(format_confidence(pred.confidence),
                                         answer_radius_m(pred) if claims_place(pred.shown_status) else None)),
        ("Location", f"{pred.location.lat:.6f}, {pred.location.lon:.6f} ({_safe(pred.location_source)})"
         if claims_place(pred.shown_status) else "none: not located"),
    ]
    if track_point is not None:
        confidence = getattr(track_point, "confidence", None)
        confidence = pred.confidence if confidence is None else confidence
        # its level as the list says it: a matched or corrected frame by its track confidence, "weak track"
        # below 0.5, a track's "retrieved" as "tile level only" (levels.frame_level)
        shown = frame_level(track_point.status, confidence)
        radius = getattr(track_point, "radius_m", None) if claims_place(track_point.status) else None  # no place, no radius
        rows[3:5] = [("Status", _safe(shown)), ("Confidence", confidence_within(format_confidence(confidence), radius))]
        on_track = f"t={track_point.time_s:.1f} s"
        if track_point.extrapolated_s is not None:
            on_track += f" ({track_point.extrapolated_s:.1f} s beyond the verified frames)"
        if shot is not None:  # a shot of an edited video: tracked on its own (wording.shot_of, as every output)
            on_track += f", {shot_of(*shot)}"
        rows.insert(5, ("Flight", on_track))
        # the single-frame answer where it is another answer (as the Results pane): a matched frame's
        # own verified answer is the same one, which a single photo calls "verified"
        same_word = pred.status == track_point.status or (pred.status == "verified" and track_point.status == "matched")
        if not (same_word and pred.location == track_point.location and pred.confidence == confidence):
            rows.insert(6, ("Single frame", f"{status}, confidence {format_confidence(pred.confidence)}"))
        loc = track_point.location
        rows[-1] = ("Location", f"{loc.lat:.6f}, {loc.lon:.6f} (the flight's estimate)" if claims_place(track_point.status)
                    else "none: not located")
    # the same Point as field teams read it (core.coords): a ground team's MGRS, a helicopter crew's
    # degrees and minutes; not for a photo with nothing located (its Point is a tile centre)
    shown = track_point.status if track_point is not None else pred.status
    if shown != "not located":
        at = track_point.location if track_point is not None else pred.location
        rows += [("MGRS", _safe(format_mgrs(at.lat, at.lon) or not_covered("mgrs"))),
                 ("Lat/Lon", _safe(format_dmm(at.lat, at.lon)))]  # its minutes' ' escaped (_safe)
    # its top's matching points: where the Point is that verified answer (as the Results pane)
    if pred.top.inliers and (track_point is None or track_point.status in ("matched", "flagged")):
        rows.append(("Verified", f"{pred.top.inliers} matching points"))
    # why the answer is a guess (predict.LOW_TEXTURE_CAUTION); a flight's frame: its track Point's own
    # (TrackPoint.caution: the flight hardly verified, core/outside_tiles.py), never the frame's
    caution = pred.caution if track_point is None else getattr(track_point, "caution", None)
    if caution:
        rows.append(("Caution", _safe(caution)))
    error = pred.error_m if track_point is None else track_point.error_m  # of the marker's position
    if error is not None and shown != "not located":  # not located: no position, so no error of one
        rows.append(("Error", f"{error:.1f} m"))
    img = f'<img src="{_safe(thumb_url)}" style="max-width:160px;display:block;margin-bottom:4px">' if thumb_url else ""
    table = "".join(f"<tr><th style='text-align:left;padding-right:6px'>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<div class="geoloc-popup">{img}<table style="font-size:12px">{table}</table></div>'


# the largest share of the map's area the unfolded legend may cover before it starts folded: the app's map
# is 744 x 514 px in a 1440 x 900 window (a flight's 12-line legend ~14 %, shown) and 328 x 314 in a
# 1024 x 700 one (the photo keys ~20 %: folded; newuser31 saw about half the map covered). Decided at load
# and again at each resize of the map (session 32), until the person clicks the legend: their choice wins.
LEGEND_MAX_SHARE = 0.16

_RUNTIME_JS = """
window.geoloc = (function () {
  var api = {map: null, markers: {}, data: {}, selected: null, rects: null, lines: []};
  var base = {radius: 6, weight: 1.5, fillOpacity: 0.85};
  api.init = function (map) {
    api.map = map; api.rects = L.layerGroup().addTo(map);
    var css = document.createElement('style');  // the popup's photo height (api.fitPopup)
    css.textContent = '.leaflet-popup-content img { max-height: var(--geoloc-photo-max-h, none); }';
    document.head.appendChild(css);
    // the controls an open popup reaches are hidden while it is open (api.clearControls)
    map.on('popupopen', function (e) { api.openPopup = e.popup; });
    map.on('popupclose', function () { api.openPopup = null; api.clearControls(); });
    map.on('moveend zoomend resize', function () { if (api.openPopup) { api.clearControls(); } });
  };
  // One photo: its marker at the estimate and, when the truth is known, a dashed line to it.
  // A flight's track (sequence model): one polyline; its frames are drawn by api.add with a status.
  // Drawn after its frames (the page calls it after api.add), so the line lies over their markers: at the
  // opening zoom a flight's frames are closer than a marker's width and, drawn under them, the line was
  // hidden (session 33, newuser33/appuser33). A click on the line where it crosses a marker is that marker's.
  api.track = function (t) {
    var line = L.polyline(t.coords, {color: '#ff7f00', weight: 3, opacity: 0.9}).addTo(api.map);
    line.bindTooltip(t.tooltip);
    if (line.getElement()) { line.getElement().setAttribute('tabindex', '-1'); }  // out of Tab, as markers
    line.on('click', function (e) { var m = api.markerAt(e.containerPoint); if (m) { m.fire('click'); } });
    api.tracks = (api.tracks || 0) + 1;
    api.lines.push(line);
  };
  // the marker drawn at `point` (container pixels), within its radius and edge; null where none is
  api.markerAt = function (point) {
    var best = null, bestD = Infinity;
    Object.keys(api.markers).forEach(function (id) {
      var m = api.markers[id], d = api.map.latLngToContainerPoint(m.getLatLng()).distanceTo(point);
      if (d <= m.getRadius() + m.options.weight && d < bestD) { best = m; bestD = d; }
    });
    return best;
  };
  api.add = function (d) {
    // not located (model.claims_place): no marker at a place nothing claimed; listed (api.data, the app's
    // list, api.count) and selectable, but api.highlight finds no marker and pans nowhere
    if (d.lat === null) { api.data[d.id] = d; api.notLocatedShown(); return; }
    if (d.truth) {
      L.polyline([[d.lat, d.lon], d.truth], {color: d.colour, weight: 1.5, opacity: 0.6, dashArray: '4 4'}).addTo(api.map);
      L.circleMarker(d.truth, {radius: 2, color: '#ffffff', weight: 1, fill: true, fillColor: '#ffffff', fillOpacity: 0.9}).addTo(api.map);
    }
    // a flight's frames: interpolated (position from the track) hollow and dashed, extrapolated
    // (past the verified frames) hollow and dotted, flagged ringed in red; not located grey
    var style = {radius: d.radius || base.radius, color: '#ffffff', weight: base.weight, fill: true,
      fillColor: d.colour, fillOpacity: base.fillOpacity};
    // a top tile that misses the truth: a ring, not a dot (webmap.marker_form: told apart without its red)
    if (d.ring) { style.color = d.colour; style.weight = 3; style.fillOpacity = 0.2; }
    // (a white 2 px dashed ring: a thin ring in the marker's own light colour vanished on aerial imagery)
    if (d.status === 'interpolated') { style.fillOpacity = 0.3; style.dashArray = '3 2'; style.weight = 2; }
    if (d.status === 'extrapolated') { style.fillOpacity = 0.3; style.dashArray = '1 3'; style.weight = 2; }
    if (d.status === 'flagged') { style.color = '#d73027'; style.weight = 3; }
    var m = L.circleMarker([d.lat, d.lon], style).addTo(api.map);
    // its own edge and size, given back when another is selected (api.highlight): a flagged frame's red
    // ring, a miss's ring and a level's size were drawn white and 6 px after it had been selected once
    m.options.geolocRest = {radius: style.radius, weight: style.weight, color: style.color};
    if (d.footprint) {  // the verified footprint, shown while hovering the frame
      var fp = L.polygon(d.footprint, {color: '#ffd400', weight: 1.5, fill: false});
      m.on('mouseover', function () { fp.addTo(api.map); });
      m.on('mouseout', function () { api.map.removeLayer(fp); });
    }
    m.options.geolocStatus = d.status || null;
    api.register(d, m);
  };
  // the popup's content at most the map's height less its frame, tip and pan margins (POPUP_CHROME_PX)
  api.fitPopup = function (popup) {
    var size = api.map.getSize(), h = Math.max(80, size.y - """ + str(POPUP_CHROME_PX) + """);
    popup.options.maxHeight = h;
    // never wider than the map either: 280 px of content and its frame were wider than the app's map at the
    // window's minimum size (265 px), and autoPan could not show both its sides (session 34)
    popup.options.maxWidth = Math.max(""" + str(POPUP_MIN_WIDTH_PX) + """, Math.min(""" + str(POPUP_MAX_WIDTH_PX) + """, size.x - """ + str(POPUP_SIDE_CHROME_PX) + """));
    // Leaflet applies maxHeight only to the height it measures when laid out; the photo (an <img>
    // without a height) may load later and grow the popup past it (a cold cache, a loaded machine:
    // CI saw its top 98 px above the map), so the cap is also the content's own CSS, and a photo
    // that loads late lays the popup out again
    var el = popup.getElement && popup.getElement();
    var content = el && el.querySelector('.leaflet-popup-content');
    if (content) {
      content.style.maxHeight = h + 'px'; content.style.overflowY = 'auto';
      // the photo takes at most POPUP_PHOTO_SHARE of it, so that a short map (160 px at the window's minimum)
      // shows rows under it, not the photo alone (session 34); its aspect is kept. A property of the content
      // box, which outlives the popup's update (Leaflet writes the photo's <img> anew each time)
      content.style.setProperty('--geoloc-photo-max-h', Math.max(40, Math.round(h * """ + str(POPUP_PHOTO_SHARE) + """)) + 'px');
      content.querySelectorAll('img').forEach(function (img) {
        if (!img.complete) { img.addEventListener('load', function () { popup.update(); api.clearControls(); }, {once: true}); }
      });
    }
    popup.update();
    api.clearControls();
  };
  // The map's controls (legend, scale, zoom and draw buttons) lie above its popups (Leaflet
  // draws its control corners over the map's panes): one that an open popup reaches is hidden while the
  // popup is open, and shown again once it closes or moves away. Session 34: a popup opened on a marker
  // near the legend's corner had its Location, MGRS and Verified rows under the legend, and at the window's
  // minimum size the zoom buttons, legend and scale covered all but its photo. Measured again once
  // the popup has moved (its autoPan ends with a moveend) and when a late photo grows it.
  api.clearControls = function () {
    var popup = api.openPopup, corner = api.map && api.map.getContainer();
    if (!corner) { return; }
    var wrapper = popup && popup.isOpen() && popup.getElement() && popup.getElement().querySelector('.leaflet-popup-content-wrapper');
    var box = wrapper && wrapper.getBoundingClientRect();
    // not the imagery's credit line, which must stay shown (it lies under the popup's tip, not its rows)
    corner.querySelectorAll('.leaflet-control:not(.leaflet-control-attribution)').forEach(function (c) {
      c.style.visibility = '';
      if (!box) { return; }
      var r = c.getBoundingClientRect();
      if (r.left < box.right && box.left < r.right && r.top < box.bottom && box.top < r.bottom) { c.style.visibility = 'hidden'; }
    });
  };
  api.register = function (d, marker) {
    marker.options.geolocQuery = d.id;
    api.markers[d.id] = marker; api.data[d.id] = d;
    marker.bindPopup(d.popup, {maxWidth: """ + str(POPUP_MAX_WIDTH_PX) + """});
    // never taller than the map: a popup with a caution (photo + 9 rows) opened near the map's
    // bottom edge had its top, the photo, cut off (appuser33); taller content scrolls inside it
    marker.on('popupopen', function (e) { api.fitPopup(e.popup); });
    marker.bindTooltip(d.tooltip);
    // One Tab stop for the whole map: bindTooltip gives the marker's SVG element focus listeners,
    // which makes Chromium (QtWebEngine) put it in the Tab order, one stop per marker (34 for 30
    // photos). tabindex -1 keeps it focusable by a click, out of Tab; the photo list reaches every marker.
    var el = marker.getElement && marker.getElement();
    if (el) { el.setAttribute('tabindex', '-1'); }
    marker.on('click', function () {
      api.highlight(d.id, false);
      console.log('""" + SELECT_PREFIX + """' + JSON.stringify(d.id));
    });
  };
  api.highlight = function (id, pan) {
    if (api.selected !== null && api.markers[api.selected]) {
      var old = api.markers[api.selected];
      old.setStyle(old.options.geolocRest || {radius: base.radius, weight: base.weight, color: '#ffffff'});
    }
    api.rects.clearLayers();
    api.selected = null;
    var m = api.markers[id];
    if (!m) { return false; }
    api.selected = id;
    m.setStyle({radius: 10, weight: 3, color: '#ffd400'});
    // the track lines back over the frames a selection had raised, then the selected marker over them
    api.lines.forEach(function (l) { l.bringToFront(); });
    m.bringToFront();
    api.data[id].topk.forEach(function (t) {
      var r = L.rectangle([[t[0], t[1]], [t[2], t[3]]],
        {color: t[4] === 1 ? '#ffd400' : '#ffffff', weight: t[4] === 1 ? 3 : 1, fill: false, dashArray: t[4] === 1 ? null : '4 4'});
      r.bindTooltip('#' + t[4] + '  ' + t[5].toFixed(3));
      api.rects.addLayer(r);
    });
    if (pan && !api.map.getBounds().pad(-0.05).contains(m.getLatLng())) { api.map.panTo(m.getLatLng()); }
    return true;
  };
  // alsoUnscored: some photos have truth and some (drawn blue by confidence) have none: both keys
  api.legend = function (withTruth, withTrack, alsoUnscored) {
    var c = L.control({position: 'bottomleft'});
    c.onAdd = function () {
      var d = L.DomUtil.create('div', 'geoloc-legend');
      // a key as the marker is drawn: its size (the level's radius), a ring for a miss (webmap.marker_form)
      // (r + 4 px across, centred in the 12 x 12 px box + 4 px the keys always took: a larger legend folds
      // sooner, LEGEND_MAX_SHARE)
      var dot = function (col, edge, r, ring) { var px = (r || 6) + 4;
        return '<span style="display:inline-block;position:relative;width:12px;height:12px;margin-right:4px">' +
        '<span style="position:absolute;box-sizing:border-box;width:' + px + 'px;height:' + px + 'px;left:' + (6 - px / 2) +
        'px;top:' + (6 - px / 2) + 'px;border-radius:50%;' +
        (ring ? 'border:3px solid ' + col + ';background:' + col + '33"' : 'border:1px solid ' + (edge || '#fff') + ';background:' + col + '"') +
        '></span></span>'; };
      var noTruth = alsoUnscored ? 'no truth: ' : '';
      d.innerHTML = (withTruth
        ? dot('""" + HIT_COLOUR + """') + 'top tile holds the truth<br>' +
          dot('""" + MISS_COLOUR + """', null, 6, true) + 'top tile misses it<br>' +
          dot('#ffffff', '#555') + 'truth (dashed line: error)' + (alsoUnscored ? '<br>' : '')
        : '') +
        (!withTruth || alsoUnscored ? """ + " + '<br>' + ".join(f"dot('{c}', null, {r}) + noTruth + '{w}'" for c, w, r in LEVEL_KEYS) + """ : '') +
        // not located: no marker is drawn (no place claimed), so no dot: a count, kept by api.add, shown
        // when there is one (session 33, appuser33: the grey dot keyed a marker the map never drew)
        '<span class="geoloc-not-located" style="display:none"><br>' +
        '<span style="display:inline-block;width:12px;margin-right:4px"></span>not located (nothing to match): ' +
        '<span class="geoloc-not-located-n">0</span>, no marker</span>';
      if (withTrack) {  // a flight: what each frame's marker says about where it comes from
        var ring = function (dash, edge, fill) { return '<span style="display:inline-block;width:8px;height:8px;border-radius:5px;' +
          'border:' + (edge || '1px dashed #2b83ba') + ';background:' + (fill || 'transparent') + ';margin-right:4px"></span>'; };
        d.innerHTML += '<br><span style="display:inline-block;width:12px;border-top:3px solid #ff7f00;margin-right:4px;vertical-align:middle"></span>track' +
          '<br>' + ring(null, '2px dashed #777', 'rgba(43,131,186,.3)') + 'interpolated (between verified frames)' +
          '<br>' + ring(null, '2px dotted #777', 'rgba(43,131,186,.3)') + 'extrapolated (past the verified frames)' +
          '<br>' + ring(null, '3px solid #d73027', '#2b83ba') + 'flagged (contradicts the track)';
      }
      d.style.cssText = 'background:rgba(255,255,255,.85);padding:4px 6px;border-radius:4px;font:11px sans-serif;line-height:16px';
      // one click folds the keys behind a "Legend" line; on a small map (a 1024 x 700 window) they
      // start folded: unfolded they covered about half of it (newuser31)
      var body = L.DomUtil.create('div', 'geoloc-legend-body');
      body.innerHTML = d.innerHTML;
      d.innerHTML = '';
      var head = L.DomUtil.create('div', 'geoloc-legend-head', d);
      head.style.cssText = 'cursor:pointer;font-weight:bold';
      head.title = 'show or hide the legend';
      // a button to the keyboard and a screen reader too (keys37: a clickable div, no Tab stop): Tab
      // reaches it, Enter or Space folds it, aria-expanded says which (WAI-ARIA's disclosure pattern)
      head.setAttribute('role', 'button'); head.tabIndex = 0;
      d.appendChild(body);
      api.legendBody = body;
      api.legendShown = function (show) {
        body.style.display = show ? '' : 'none';
        head.textContent = show ? 'Legend \u25BE' : 'Legend \u25B8';
        head.setAttribute('aria-expanded', show ? 'true' : 'false');
        return show;
      };
      L.DomEvent.disableClickPropagation(d);
      // a click is the person's choice: kept from then on, whatever the window's size
      var toggle = function () { api.legendChosen = true; api.legendShown(body.style.display === 'none'); api.legendPlace(); };
      L.DomEvent.on(head, 'click', toggle);
      L.DomEvent.on(head, 'keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { L.DomEvent.stop(e); toggle(); }  // Space: no page scroll
      });
      return d;
    };
    c.addTo(api.map);
    api.legendControl = c;
    api.legendChosen = false;
    api.legendFit();
    api.legendPlace();
    // decided again whenever the map's size changes (Leaflet's 'resize', on a window resize), until a click
    api.map.on('resize', api.legendFit);
    api.map.on('resize', api.legendPlace);  // its corner: at every resize, clicked or not
  };
  // The legend's and the scale bar's corners. Below the zoom and draw buttons (top left) Leaflet stacks
  // the legend over the scale bar (bottom left); in a short map the two stacks met: at 911 x 562 (a 160 px
  // map, shortmap34) the legend lay over the draw button and the scale bar reached it. Where the left
  // corners would meet, the legend moves to the top right corner, then (still meeting) the scale bar to
  // the bottom right, over the credit line; both back to the bottom left where they do not. Their
  // elements are moved, not re-made (setPosition would rebuild the legend and lose its fold). Returns the
  // legend's corner.
  api.legendPlace = function () {
    var c = api.legendControl;
    if (!c || !api.map) { return null; }
    var corners = api.map._controlCorners, left = corners.bottomleft, el = c.getContainer();
    api.scaleEl = api.scaleEl || api.map.getContainer().querySelector('.leaflet-control-scale');
    var moved = [[el, corners.topright, false]];
    if (api.scaleEl) { moved.push([api.scaleEl, corners.bottomright, true]); }
    // back where Leaflet puts them (a bottom corner's controls: the last added first): the scale, then the legend over it
    moved.slice().reverse().forEach(function (m) { if (m[0].parentNode !== left) { left.insertBefore(m[0], left.firstChild); } });
    var meet = function () {
      var reach = 0, start = Infinity;
      corners.topleft.querySelectorAll('.leaflet-control').forEach(function (e) { reach = Math.max(reach, e.getBoundingClientRect().bottom); });
      left.querySelectorAll('.leaflet-control').forEach(function (e) { start = Math.min(start, e.getBoundingClientRect().top); });
      return start < reach;
    };
    moved.forEach(function (m) {
      if (!meet()) { return; }
      if (m[2]) { m[1].insertBefore(m[0], m[1].firstChild); } else { m[1].appendChild(m[0]); }
    });
    return el.parentNode === left ? 'bottomleft' : 'topright';
  };
  // folded where unfolded it would cover more than LEGEND_MAX_SHARE of the map, unless the person clicked it
  api.legendFit = function () {
    if (api.legendChosen || !api.legendBody) { return null; }
    api.legendShown(true);  // measured unfolded, in the page (one script turn: never drawn so)
    var size = api.map.getSize(), box = api.legendBody.parentNode;  // the whole control, its line and padding
    return api.legendShown(box.offsetWidth * box.offsetHeight <= """ + str(LEGEND_MAX_SHARE) + """ * size.x * size.y);
  };
  // the photos the map holds, markers and not-located ones (no marker) alike: by a flight frame's status, all
  api.countStatus = function (status) {
    return Object.keys(api.data).filter(function (k) { return (api.data[k].status || null) === status; }).length;
  };
  api.count = function () { return Object.keys(api.data).length; };
  // the legend's not-located line: how many the map holds without a marker, shown once there is one
  api.notLocatedShown = function () {
    var line = api.legendBody && api.legendBody.querySelector('.geoloc-not-located');
    if (!line) { return; }
    var n = Object.keys(api.data).filter(function (k) { return api.data[k].lat === null; }).length;
    line.querySelector('.geoloc-not-located-n').textContent = n;
    line.style.display = n ? '' : 'none';
    api.legendFit();
  };
  api.countMarkers = function () {  // the markers drawn: not the not-located photos
    var n = 0;
    api.map.eachLayer(function (l) { if (l instanceof L.CircleMarker && l.options.geolocQuery !== undefined) { n++; } });
    return n;
  };
  // Draw a rectangle (the area to fetch imagery for): press, drag, release. Plain Leaflet events:
  // the map stops panning while drawing; Escape or a click without a drag leaves the old area.
  api.drawArea = function () {
    if (!api.map || api.drawing) { return; }
    var map = api.map, start = null, rect = null, box = map.getContainer();
    api.drawing = true;
    map.dragging.disable(); map.boxZoom.disable(); box.style.cursor = 'crosshair';
    var down = function (e) { start = e.latlng; };
    var move = function (e) {
      if (!start) { return; }
      var b = L.latLngBounds(start, e.latlng);
      if (rect) { rect.setBounds(b); } else {
        rect = L.rectangle(b, {color: '#00bcd4', weight: 2, fillOpacity: 0.08, interactive: false}).addTo(map);
      }
    };
    var end = function (keep) {
      map.off('mousedown', down); map.off('mousemove', move); map.off('mouseup', up);
      L.DomEvent.off(document, 'keydown', key);
      map.dragging.enable(); map.boxZoom.enable(); box.style.cursor = ''; api.drawing = false;
      if (!keep || !rect) { if (rect) { map.removeLayer(rect); } return; }
      if (api.area) { map.removeLayer(api.area); }
      api.area = rect;
      console.log('""" + AREA_PREFIX + """' + JSON.stringify(rect.getBounds().toBBoxString()));
    };
    var up = function () { end(true); };
    var key = function (e) { if (e.key === 'Escape') { end(false); } };
    map.on('mousedown', down); map.on('mousemove', move); map.on('mouseup', up);
    L.DomEvent.on(document, 'keydown', key);
  };
  api.drawControl = function () {
    var c = L.control({position: 'topleft'});
    c.onAdd = function () {
      var b = L.DomUtil.create('a', 'geoloc-draw leaflet-bar');
      b.setAttribute('role', 'button'); b.tabIndex = 0;  // no link target: the page stays link-free
      b.title = 'Draw the area to get imagery for'; b.innerHTML = '&#9645;';
      b.style.cssText = 'display:block;width:30px;height:30px;line-height:30px;text-align:center;' +
        'background:#fff;color:#333;font:bold 18px sans-serif;text-decoration:none;cursor:pointer';
      L.DomEvent.disableClickPropagation(b);
      L.DomEvent.on(b, 'click', function (e) { L.DomEvent.preventDefault(e); api.drawArea(); });
      // an <a> with no href is not pressed by Enter: role=button promised it (keys37). The drag itself is
      // the mouse's; Get Imagery's "Box W,S,E,N" and "the area the map shows now" are the keyboard's ways
      L.DomEvent.on(b, 'keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { L.DomEvent.stop(e); api.drawArea(); }
      });
      return b;
    };
    c.addTo(api.map);
  };
  return api;
})();
"""


class _VerbatimScript(Element):
    """Script text emitted as it is, not through a Jinja template (branca wraps every element's
    output in a new template: parsing and compiling hundreds of them held the GIL for ~170 ms, a UI
    stall each time the map was rebuilt; and a `{{` in a file name would have been evaluated)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class _Photos(MacroElement):
    """Every photo's marker, drawn by the page's runtime from JSON data (geoloc.add)."""

    def __init__(self, map_name: str, items: list[str], with_truth: bool = False, tracks: list[str] | None = None,
                 draw_area: bool = False, also_unscored: bool = False) -> None:
        # tracks: each flight's line as JSON; with any, the legend also explains the frames' statuses.
        # also_unscored: beside photos with truth (green/red), some without (blue): the legend keys both.
        super().__init__()
        self._name = "GeolocPhotos"
        self.draw_area = draw_area
        self.map_name = map_name
        self.items = items
        self.with_truth = with_truth
        self.tracks = tracks or []
        self.also_unscored = also_unscored and with_truth

    def render(self, **kwargs) -> None:
        lines = [f"geoloc.init({self.map_name});"]
        if self.draw_area:
            lines.append("geoloc.drawControl();")
        if self.items:
            both = ", true" if self.also_unscored else ""
            lines.append(f"geoloc.legend({'true' if self.with_truth else 'false'}, {'true' if self.tracks else 'false'}{both});")
        lines.extend(f"geoloc.add({data});" for data in self.items)
        # the flights' lines after their frames: over the markers, seen where frames are closer than a marker
        lines.extend(f"geoloc.track({data});" for data in self.tracks)
        self.get_root().script.add_child(_VerbatimScript("\n".join(lines) + "\n"), name=self.get_name())


def build_map(
    tileset: TileSet | None,
    predictions: Sequence[Prediction],
    *,
    assets: Assets,
    online_basemap: bool = False,
    thumbnail: Callable[[Prediction], Image.Image | None] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    tracks: Sequence | None = None,
    draw_area: bool = False,
    view: Bounds | None = None,
) -> folium.Map:
    """A folium Map with no external reference unless `online_basemap` is asked for. `tracks`
    (core.sequence.Track): each flight's line, its frames at their track position with a status.
    `draw_area` (the app's page): a button to draw a rectangle, reported as AREA_PREFIX + JSON
    "W,S,E,N" on the console (the app's bridge); exported pages have no use for it. `view`: what
    to show when there is neither a tile set nor a prediction (e.g. around the photos' GPS, on
    the online basemap, to draw the area to get imagery for)."""
    files = leaflet_files()
    m = folium.Map(tiles=None, location=[0, 0], zoom_start=2, control_scale=True, prefer_canvas=len(predictions) > CANVAS_ABOVE,
                   zoom_snap=0.1, zoom_delta=0.5)
    # Instance attributes shadow folium's CDN lists: only Leaflet + jQuery are needed for what we draw.
    m.default_js = [("leaflet", assets.script(files["leaflet_js"])), ("jquery", assets.script(files["jquery_js"]))]
    m.default_css = [("leaflet_css", assets.style(files["leaflet_css"]))]
    m.get_root().header.add_child(Element(f"<script>{_RUNTIME_JS}</script>"), name="geoloc_runtime")
    # neutral grey beside the imagery, light or dark UI (div. outranks leaflet.css, which loads later).
    # The scale bar lets clicks through to what lies under it and shows it through a lighter wash: in a
    # short map it sits over markers (bottom right, over the credit line: api.legendPlace), and one under
    # it could be neither seen nor clicked (newuserapp36; leaflet.css gives it 80 % white and the clicks)
    m.get_root().header.add_child(
        Element("<style>.geoloc-popup th,.geoloc-popup td{vertical-align:top}"
                "div.leaflet-container{background:#4a4a4a}"
                "div.leaflet-control-scale{pointer-events:none}"
                "div.leaflet-control-scale-line{background:rgba(255,255,255,.5)}</style>"),
        name="geoloc_css",
    )

    if online_basemap:
        folium.TileLayer(ONLINE_BASEMAP_URL, attr="&copy; OpenStreetMap contributors", name="OpenStreetMap",
                         max_native_zoom=ONLINE_BASEMAP_NATIVE_ZOOM, max_zoom=MAP_MAX_ZOOM).add_to(m)

    fit: Bounds | None = None
    if tileset is not None and len(tileset):
        fit = tileset.bounds
        # .webp/.png when it has transparency
        name = f"basemap_{tileset.fingerprint()}_{BASEMAP_MAX_PX}_d{BASEMAP_DRAWING}.jpg"
        url = next(filter(None, (assets.cached(name[:-4] + s) for s in (".jpg", ".webp", ".png"))), None)
        if url is None:
            url = assets.image(render_basemap(tileset, progress=progress, cancel=cancel), name)
        extra = {"attribution": _safe(tileset.attribution)} if tileset.attribution else {}  # the licence's credit
        folium.raster_layers.ImageOverlay(
            url, bounds=[[fit.south, fit.west], [fit.north, fit.east_unwrapped]], name="Tiles", pixelated=False, opacity=1.0,
            **extra,
        ).add_to(m)

    items: list[str] = []
    # Leaflet draws lon 181 east of 179, but lon -179 on the far side of the world: near a tile set
    # that crosses ±180°, longitudes are continued past 180 (only then; nothing changes elsewhere).
    ref = tileset.bounds.west if tileset is not None and len(tileset) and tileset.bounds.crosses_antimeridian else None
    on_track = {p.query.id: p for t in (tracks or ()) for p in t.points}
    shots = frame_shots(tracks or ())  # a frame of an edited video -> (shot, shots)
    placed = thinned(progress, len(predictions))  # ~200 events, not one per photo
    for i, pred in enumerate(predictions):
        check(cancel)
        point = on_track.get(pred.query.id)
        # the best estimate (the exported Point); a flight's frame: its track position; not located: none
        loc = pred.location if point is None else point.location
        has_place = claims_place(pred.shown_status if point is None else point.status)
        thumb_url = None
        if thumbnail is not None:
            name = f"thumb_{query_key(pred.query)}.jpg"  # an edited photo gets a new thumbnail
            thumb_url = assets.cached(name)
            if thumb_url is None:
                img = thumbnail(pred)
                if img is not None:
                    # a photo's thumbnail stays JPEG (its alpha, if any, dropped as before): the .jpg
                    # name above is what the next page's cache looks for
                    thumb_url = assets.image(img.convert("RGB"), name)
        truth = pred.query.truth
        data = {
            "id": pred.query.id,
            "lat": loc.lat,
            "lon": _near(loc.lon, ref),
            "truth": None if truth is None else [truth.lat, _near(truth.lon, ref)],
            "colour": marker_colour(pred),
            **marker_form(pred),
            "popup": popup_html(pred, thumb_url, point, shots.get(pred.query.id)),
            "tooltip": _safe(f"{query_label(pred)} · {level_of(pred)} · conf {format_confidence(pred.confidence)}"),
            "topk": [[mt.tile.bounds.south, _near(mt.tile.bounds.west, ref), mt.tile.bounds.north,
                      _near(mt.tile.bounds.west, ref) + mt.tile.bounds.width_deg, mt.rank, float(mt.score)]
                     for mt in pred.matches],
        }
        if point is not None:
            data["status"] = point.status
            if point.status == "not located":  # nothing placed it: grey, as a photo with nothing to locate
                data["colour"] = NOT_LOCATED_COLOUR
            conf = pred.confidence if getattr(point, "confidence", None) is None else point.confidence
            shot = shots.get(pred.query.id)
            data["tooltip"] = _safe(f"{query_label(pred)} · t={point.time_s:.1f} s · "
                                    + (f"{shot_of(*shot)} · " if shot is not None else "")
                                    + f"{frame_level(point.status, conf)} · conf {format_confidence(conf)}")
            if point.footprint:
                data["footprint"] = [[c.lat, c.lon] for c in point.footprint]
        if not has_place:  # listed, no marker, not in the view's bounds (api.add)
            data.update(lat=None, lon=None, truth=None)
            data.pop("footprint", None)
        items.append(_script_json(data))
        if has_place:
            b = Bounds(loc.lon, loc.lat, loc.lon, loc.lat)
            fit = b if fit is None else fit.union(b)
        emit(placed, ProgressEvent("map", i + 1, len(predictions), "placing markers"))
    track_items = [_script_json({"coords": [[x.lat, x.lon] for x in t.line],
                                 "tooltip": _safe(f"{t.name} · {len(t.points)} frames")})
                   for t in (tracks or ()) if len(t.line) >= 2]  # a flight nothing placed has no line
    # blue markers (marker_colour: located photos without truth); the legend keys them beside green/red
    unscored = any(json.loads(item)["colour"] in (*LEVEL_COLOURS.values(), UNSURE_COLOUR) for item in items)
    m.add_child(_Photos(m.get_name(), items, any(p.query.truth is not None for p in predictions), track_items,
                        draw_area=draw_area, also_unscored=unscored))
    if online_basemap:
        folium.LayerControl(collapsed=True).add_to(m)
    if fit is None and view is not None:
        fit = view
    if fit is not None:
        m.fit_bounds([[fit.south, fit.west], [fit.north, fit.east_unwrapped]], padding=(20, 20))
    return m


def _near(lon: float, ref: float | None) -> float:
    """`lon` shifted by whole turns to within 180° east or west of `ref` (unchanged when None)."""
    return lon if ref is None else ref + (lon - ref + 180.0) % 360.0 - 180.0


def default_thumbnail(pred: Prediction) -> Image.Image | None:
    from .media.query_image import query_thumbnail  # photos and video frames alike

    try:
        return query_thumbnail(pred.query, THUMB_PX)
    except GeolocatorError:
        return None


def write_map(
    path: Path,
    tileset: TileSet | None,
    predictions: Sequence[Prediction],
    *,
    standalone: bool = False,
    online_basemap: bool = False,
    thumbnail: Callable[[Prediction], Image.Image | None] | None = default_thumbnail,
    assets_dir: Path | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    tracks: Sequence | None = None,
    draw_area: bool = False,
    view: Bounds | None = None,
) -> Path:
    """Write the page to `path` (atomically). `draw_area`, `view`: see build_map. `tracks` None: the flights among the predictions
    through the sequence model (core/sequence.py); [] for none. Standalone pages embed every script and image; the
    app's page links them from `assets_dir` (default `<path stem>_files/`) instead: QtWebEngine's
    setHtml caps at 2 MB, and pages rebuilt after each run reuse the same basemap and thumbnails."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    assets = Assets(None if standalone else (assets_dir or path.parent / f"{path.stem}_files"))
    if tracks is None:
        from .sequence import smooth

        tracks = smooth(predictions)
    m = build_map(tileset, predictions, assets=assets, online_basemap=online_basemap, thumbnail=thumbnail,
                  progress=progress, cancel=cancel, tracks=tracks, draw_area=draw_area, view=view)
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_text(m.get_root().render(), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half page behind
        raise
    return path
