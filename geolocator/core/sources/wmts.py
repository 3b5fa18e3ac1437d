"""A WMTS service (OGC 07-057r7, WMTS 1.0.0) as an XYZ tile template for fetch.py.

National orthophoto services (PDOK, swisstopo, IGN Geoplateforme, ...) publish their imagery as WMTS:
a GetCapabilities document lists the layers, their styles, formats and tile matrix sets, and how a
tile is asked for: a RESTful ResourceURL template ({TileMatrix}/{TileRow}/{TileCol}...) or KVP
GetTile requests. This module reads that document (from a URL, fetched with httpx through
fetch.make_client, or from a local file) and turns one layer into a fetch.TileTemplate, so that
fetch.py fetches WMTS tiles with the same code as any XYZ service.

Tile matrix sets that ARE the Web Mercator XYZ grid are fetched as XYZ tiles, checked by their numbers
(EPSG:3857 / GoogleMapsCompatible / WebMercatorQuad: top-left corner at (-20037508.34, 20037508.34)
metres, 256 px tiles, scale denominator 559082264.0287178 / 2**z, OGC 07-057r7 annex E.4); each
TileMatrix identifier is mapped to its zoom by its scale. When the identifiers are the zoom with a
fixed prefix and suffix ("12", "EPSG:3857:12") the template is a plain XYZ one
(".../EPSG:3857:{z}/{x}/{y}.jpeg"); otherwise ("00", "01", ... or names) a MatrixTemplate fills
{z} with each zoom's identifier. Sets in a national grid (EPSG:28992, EPSG:2056, EPSG:2154, any CRS
pyproj knows but Web Mercator) are read by wmts_grid.py: their "zoom" is the matrix's index (coarse to
fine), their tiles are listed in their own CRS and stored as sent in a GeoPackage in that CRS
(WmtsLayer.grid). A layer with both kinds is fetched in its Web Mercator set unless the national one
is named.

Parsing: OWSLib (owslib.wmts.WebMapTileService reads a document given as bytes without any HTTP of
its own); the bytes are first parsed once by defusedxml, which refuses entity expansion (the
document comes from the network).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from ..geo import MAX_ZOOM
from .fetch import FetchError, TileTemplate, parse_template

# OGC 07-057r7 annex E.4 (GoogleMapsCompatible) / OGC 17-083r2 (WebMercatorQuad): the scale
# denominator of zoom 0 with 256 px tiles and the standard 0.28 mm pixel
WEB_MERCATOR_Z0_SCALE = 559082264.0287178
WEB_MERCATOR_HALF_M = 20037508.342789244  # pi * 6378137: half the world's width in EPSG:3857 metres
SCALE_TOLERANCE = 1e-6  # relative
CORNER_TOLERANCE_M = 1.0
TILE_PX = 256  # the XYZ tile the zoom levels are counted for
TILE_SIZES_PX = (256, 512)  # tile sizes taken: 512 px tiles at the same scale are the next zoom out's tiles
# EPSG codes services write for Web Mercator (3857; 900913, 3785, 102100 and 102113 are older names)
WEB_MERCATOR_CODES = frozenset({"3857", "900913", "3785", "102100", "102113"})
MAX_CAPABILITIES_BYTES = 50_000_000
PREFERRED_FORMATS = ("image/jpeg", "image/png")  # aerial imagery: JPEG first (smaller), then PNG


@dataclass(frozen=True)
class WmtsLayer:
    """One WMTS layer made an XYZ template: `template` (what fetch.py fetches; max_zoom the set's
    deepest level), `zooms` (the zoom levels the layer has tiles at, ascending), and what was chosen:
    `layer`, `style`, `tile_matrix_set`, `format`, `encoding` ("RESTful" or "KVP"); `source` is the
    capabilities URL or file, for messages."""

    template: TileTemplate
    zooms: tuple[int, ...]
    source: str
    layer: str
    style: str
    tile_matrix_set: str
    format: str
    encoding: str
    limits: tuple[tuple[int, int, int, int, int], ...] = ()  # (z, min row, max row, min col, max col)
    tile_px: int = 256  # the set's tile width: 512 px tiles are stored at the zoom whose ground they cover
    # the layer's ows:WGS84BoundingBox (west, south, east, north degrees) when the document gives one
    coverage: tuple[float, float, float, float] | None = None
    # a national grid set (wmts_grid.GridSet): zooms are its matrix indices, tiles (index, col, row),
    # stored in a GeoPackage in its CRS; None for Web Mercator (XYZ) sets
    grid: object = None

    def suggest_zoom(self, footprint_m: float, area) -> int:
        """The layer's level whose tiles are nearest `footprint_m` metres wide on the ground at the
        middle of `area` (a Bounds): package.choose_zoom for a national grid, fetch.suggest_zoom then
        the nearest level the layer has for Web Mercator."""
        if self.grid is None:
            from .fetch import suggest_zoom

            return self.nearest_zoom(suggest_zoom(footprint_m, area.center.lat, self.template.max_zoom))
        from .package import choose_zoom

        c = area.center
        return choose_zoom(self.zooms, lambda z: self.grid.ground_m(z, c.lon, c.lat), footprint_m)

    def tile_ground_m(self, zoom: int, area) -> float:
        """Ground width in metres of one tile at `zoom` in the middle of `area` (a Bounds)."""
        c = area.center
        if self.grid is None:
            from .package import web_mercator_tile_m

            return web_mercator_tile_m(zoom, c.lat) * self.tile_px / 256
        return self.grid.ground_m(zoom, c.lon, c.lat)

    def check_out(self, out) -> None:
        """Raises FetchError when `out` cannot hold this layer's tiles: a national grid set is stored in
        a GeoPackage in its own CRS (.gpkg); a Web Mercator set in a folder or .mbtiles."""
        suffix = Path(out).suffix.lower()
        if self.grid is not None and suffix != ".gpkg":
            raise FetchError(f"WMTS layer {self.layer}: tile matrix set {self.tile_matrix_set!r} is a national grid "
                             f"({self.grid.label()}); its tiles are kept in their own CRS in a GeoPackage: give an "
                             f"output file ending in .gpkg, not {Path(out).name!r}")
        if self.grid is None and suffix == ".gpkg":
            raise FetchError(f"WMTS layer {self.layer}: tile matrix set {self.tile_matrix_set!r} is Web Mercator; a "
                             ".gpkg is written for national-grid sets only: give a folder or a .mbtiles file")

    def check_coverage(self, area) -> None:
        """Raises FetchError when `area` (a Bounds) lies wholly outside the layer's WGS84BoundingBox:
        the service has no imagery there (a national service covers its own country), so none of
        the area's tiles is asked for. An area that overlaps it, or a layer without one, passes."""
        if self.coverage is None:
            return
        w, s, e, n = self.coverage
        if area.west <= e and area.east >= w and area.south <= n and area.north >= s:
            return
        raise FetchError(f"WMTS layer {self.layer} ({self.source}) covers only {w:.4f},{s:.4f},{e:.4f},{n:.4f} "
                         f"(W,S,E,N, its WGS84BoundingBox); the area {area.west:.4f},{area.south:.4f},"
                         f"{area.east:.4f},{area.north:.4f} lies wholly outside it: check the area (W,S,E,N "
                         "order), or choose a service that covers it")

    def within_limits(self, tiles: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        """The (z, x, y) tiles inside the layer's TileMatrixSetLimits (all of them at a zoom it gives
        no limits for): a service answers a tile outside them with an error, not an image."""
        box = {z: (r0, r1, c0, c1) for z, r0, r1, c0, c1 in self.limits}
        return [(z, x, y) for z, x, y in tiles
                if z not in box or (box[z][0] <= y <= box[z][1] and box[z][2] <= x <= box[z][3])]

    def check_zoom(self, zoom: int) -> int:
        """`zoom` when the layer has tiles there; raises FetchError naming the levels it has."""
        if int(zoom) not in self.zooms:
            what = "zoom levels" if self.grid is None else f"levels (of its national grid {self.grid.label()})"
            raise FetchError(f"WMTS layer {self.layer!r} ({self.source}, tile matrix set {self.tile_matrix_set!r}) "
                             f"has tiles at {what} {_zoom_text(self.zooms)}, not {zoom}: choose one with --zoom")
        return int(zoom)


    def nearest_zoom(self, zoom: int) -> int:
        """The layer's level nearest `zoom` (the deeper one on a tie)."""
        return min(self.zooms, key=lambda z: (abs(z - zoom), -z))

    def tiles_for(self, area, zoom: int, max_tiles: int,
                  listed: Sequence[tuple[int, int, int]] | None = None) -> tuple[list[tuple[int, int, int]], int]:
        """(the (z, x, y) tiles of `area` (a Bounds) at `zoom` inside the layer's limits, how many of
        the area's tiles lie outside them). `listed`: the area's tiles at `zoom` when the caller has
        them already (fetch.plan_fetch's), else fetch.tiles_for_bbox lists them. Raises FetchError for
        a zoom the layer has no tiles at, an area wholly outside its WGS84BoundingBox
        (check_coverage) or wholly outside its limits, TooManyTiles above `max_tiles` (counted
        before the limits)."""
        from .fetch import tiles_for_bbox

        self.check_zoom(zoom)
        self.check_coverage(area)
        if listed is not None:
            tiles = list(listed)
        elif self.grid is not None:  # the national grid's own columns and rows (wmts_grid.GridSet.tiles)
            tiles = self.grid.tiles(zoom, area, max_tiles)
        else:
            tiles = tiles_for_bbox(area, zoom, max_tiles)
        inside = self.within_limits(tiles) if self.limits else tiles
        if not inside:
            raise FetchError(f"WMTS layer {self.layer} has no tiles in this area at zoom {zoom} (all "
                             f"{len(tiles)} lie outside its TileMatrixSetLimits)")
        return inside, len(tiles) - len(inside)

    def plan(self, area, zoom: int, out: Path, max_tiles: int, template: TileTemplate | None = None):
        """fetch.plan_fetch for this layer: a fetch.FetchPlan of its tiles of `area` at `zoom` into
        `out`, tiles outside its limits left out. `template`: this layer's template with another
        attribution (default: `self.template`). Raises FetchError as tiles_for and plan_fetch do."""
        from dataclasses import replace

        from .fetch import FetchPlan, check_bbox, plan_fetch

        self.check_out(out)
        if self.grid is not None:
            area = check_bbox(area)
            inside, _ = self.tiles_for(area, zoom, max_tiles)
            return FetchPlan(template or self.template, area, int(zoom), Path(out), tuple(inside), self.tile_px,
                             grid=self.grid)
        plan = plan_fetch(template or self.template, area, zoom, out, max_tiles)
        inside, _ = self.tiles_for(plan.area, zoom, max_tiles, listed=plan.tiles)  # the plan's list, not a second one
        return replace(plan, tiles=tuple(inside), tile_px=self.tile_px)


def _zoom_text(zooms: tuple[int, ...]) -> str:
    if len(zooms) == 1:
        return str(zooms[0])
    if zooms and list(zooms) == list(range(zooms[0], zooms[-1] + 1)):
        return f"{zooms[0]} to {zooms[-1]}"
    return ", ".join(str(z) for z in zooms)


# ---------------------------------------------------------------- reading the document


def capabilities_url(url: str) -> str:
    """A service URL made a GetCapabilities request: SERVICE=WMTS&REQUEST=GetCapabilities added when
    the URL asks for no request and does not name a document (…/WMTSCapabilities.xml); else as given."""
    parts = urlsplit(url)
    if re.search(r"(^|&)request=", parts.query, re.I) or parts.path.lower().endswith(".xml"):
        return url
    sep = "" if url.endswith(("?", "&")) else ("&" if parts.query else "?")
    return f"{url}{sep}SERVICE=WMTS&REQUEST=GetCapabilities"


def read_capabilities(source: str | Path, *, client=None, timeout_s: float = 30.0) -> bytes:
    """The bytes of a capabilities document: `source` is an http(s) URL (fetched with `client`, an
    httpx.Client, or fetch.make_client's) or a local file. Raises FetchError naming the URL or file
    and what went wrong (no file, HTTP status, connection error, a document over 50 MB)."""
    text = str(source).strip()
    if re.match(r"^https?://", text, re.I):
        import httpx

        from .fetch import make_client

        url = capabilities_url(text)
        own = client is None
        client = client or make_client(timeout_s=timeout_s, concurrency=1)
        try:
            r = client.get(url)
        except httpx.HTTPError as exc:
            raise FetchError(f"WMTS capabilities {url}: could not be fetched ({type(exc).__name__}: {exc})") from None
        finally:
            if own:
                client.close()
        if r.status_code != 200:
            raise FetchError(f"WMTS capabilities {url}: the service answered HTTP {r.status_code}")
        data = r.content
    else:
        path = Path(text).expanduser()
        if not path.is_file():
            raise FetchError(f"WMTS capabilities {path}: no such file (give a GetCapabilities URL or a saved "
                             "capabilities XML file)")
        if path.stat().st_size > MAX_CAPABILITIES_BYTES:
            raise FetchError(f"WMTS capabilities {path}: larger than {MAX_CAPABILITIES_BYTES // 1_000_000} MB")
        data = path.read_bytes()
    if len(data) > MAX_CAPABILITIES_BYTES:
        raise FetchError(f"WMTS capabilities {text}: larger than {MAX_CAPABILITIES_BYTES // 1_000_000} MB")
    return data


def _parse(data: bytes, source: str):
    """owslib's WebMapTileService of the document; FetchError naming `source` when it is not one."""
    import defusedxml.ElementTree as DET

    try:
        root = DET.fromstring(data)
    except Exception as exc:  # noqa: BLE001 - ParseError, EntitiesForbidden, DTDForbidden...: all "not readable"
        raise FetchError(f"WMTS capabilities {source}: not a readable XML document ({type(exc).__name__}: {exc})") \
            from None
    tag = root.tag.rsplit("}", 1)[-1]
    if tag == "ExceptionReport":
        words = " ".join(t.strip() for t in root.itertext() if t.strip())
        raise FetchError(f"WMTS capabilities {source}: the service answered with an error: {words[:300]}")
    if tag != "Capabilities" or "wmts" not in root.tag.lower():
        raise FetchError(f"WMTS capabilities {source}: not a WMTS capabilities document (its root element is "
                         f"{tag!r}; a WMS or WFS service is not a WMTS)")
    from owslib.wmts import WebMapTileService

    try:
        return WebMapTileService(str(source), xml=data)
    except Exception as exc:  # noqa: BLE001 - owslib raises ValueError/AttributeError/... on incomplete elements
        raise FetchError(f"WMTS capabilities {source}: cannot be read ({type(exc).__name__}: {exc})") from None


# ---------------------------------------------------------------- tile matrix sets


def web_mercator_zooms(tms) -> tuple[dict[str, int] | None, str]:
    """({TileMatrix identifier: XYZ zoom}, "") when an owslib TileMatrixSet is the Web Mercator XYZ
    grid, else (None, why not). Checked by its numbers (top-left corner within 1 m of (-20037508.34,
    20037508.34), square 256 or 512 px tiles, each matrix's tile as wide on the ground as an XYZ
    tile's within 1e-6) and by its CRS's EPSG code (3857 or an older name of it).

    The zoom is that of the XYZ grid the matrix's tiles fall on: 256 px tiles at scale denominator
    559082264.0287178 / 2**z are zoom z; 512 px tiles at the same scale cover twice the ground, so
    they are the tiles of zoom z - 1 (each with four times the pixels; "GoogleMapsCompatible 512")."""
    code = re.search(r"(\d+)\D*$", tms.crs or "")
    if not code or code.group(1) not in WEB_MERCATOR_CODES:
        return None, "not Web Mercator"
    if not tms.tilematrix:
        return None, "no tile matrices"
    zooms: dict[str, int] = {}
    for ident, tm in tms.tilematrix.items():
        x, y = tm.topleftcorner
        if abs(x + WEB_MERCATOR_HALF_M) > CORNER_TOLERANCE_M or abs(y - WEB_MERCATOR_HALF_M) > CORNER_TOLERANCE_M:
            return None, f"matrix {ident!r}: top-left corner {x:.2f} {y:.2f} is not Web Mercator's"
        if tm.tilewidth != tm.tileheight or tm.tilewidth not in TILE_SIZES_PX:
            return None, f"matrix {ident!r}: {tm.tilewidth} x {tm.tileheight} px tiles, not 256 x 256 or 512 x 512"
        if not (tm.scaledenominator > 0 and math.isfinite(tm.scaledenominator)):  # "INF" / "NaN" parse as floats
            return None, f"matrix {ident!r}: scale denominator {tm.scaledenominator}"
        # ground width of one tile = width px * scale * 0.28 mm = that of an XYZ tile at zoom z when
        # width * scale == 256 * Z0 / 2**z
        ratio = WEB_MERCATOR_Z0_SCALE * TILE_PX / (tm.scaledenominator * tm.tilewidth)
        z = round(math.log2(ratio))
        if not 0 <= z <= MAX_ZOOM or abs(2**z / ratio - 1) > SCALE_TOLERANCE:
            return None, (f"matrix {ident!r}: scale denominator {tm.scaledenominator:g} is not a Web Mercator zoom "
                          f"level's (for {tm.tilewidth} px tiles)")
        if z in zooms.values():
            return None, f"matrix {ident!r}: a second matrix at zoom {z}"
        zooms[ident] = z
    return zooms, ""


def _tile_px(tms) -> int:
    """The tile width of a set that web_mercator_zooms accepted (all its matrices share it)."""
    return int(next(iter(tms.tilematrix.values())).tilewidth)


@dataclass(frozen=True)
class MatrixTemplate(TileTemplate):
    """A TileTemplate whose {z} stands for the TileMatrix identifier of zoom z (`matrices`: (z,
    identifier) pairs), for tile matrix sets whose identifiers are not the zoom with a fixed prefix
    and suffix ("00", "01", ... as MapProxy writes them, or names). fetch.py calls url_for as for
    any template. Raises FetchError for a zoom the set has no matrix at."""

    matrices: tuple[tuple[int, str], ...] = ()

    def url_for(self, z: int, x: int, y: int) -> str:
        ident = dict(self.matrices).get(int(z))
        if ident is None:
            raise FetchError(f"{self.name or self.url}: no tile matrix at zoom {z}")
        values = {"z": quote(ident, safe=":"), "x": str(x), "y": str(y), "-y": str(2**z - 1 - y), "r": ""}
        return re.sub(r"\{([^{}]*)\}", lambda m: values[m.group(1)], self.url)


def _identifier_pattern(zooms: dict[str, int]) -> tuple[str, str] | None:
    """(prefix, suffix) such that every identifier is prefix + str(z) + suffix ("EPSG:3857:12" ->
    ("EPSG:3857:", "")), so that {TileMatrix} becomes prefix{z}suffix in a plain XYZ template; None
    when the identifiers are not so (zero-padded, names): MatrixTemplate then maps each zoom."""
    shapes = set()
    for ident, z in zooms.items():
        i = ident.rfind(str(z))
        if i < 0:
            shapes = set()
            break
        shapes.add((ident[:i], ident[i + len(str(z)):]))
    if len(shapes) == 1:
        prefix, suffix = next(iter(shapes))
        if not prefix[-1:].isdigit() and not suffix[:1].isdigit():
            return prefix, suffix
    return None


def _set_line(wmts, ident: str) -> str:
    tms = wmts.tilematrixsets.get(ident)
    if tms is None:
        return f"{ident} (not described in the document)"
    ok, why, _ = set_levels(tms)
    return f"{ident} (CRS {tms.crs}" + (")" if ok else f": {why})")


def set_levels(tms) -> tuple[dict[str, int] | None, str, object]:
    """({TileMatrix identifier: zoom}, "", None) for a Web Mercator XYZ set (web_mercator_zooms);
    ({identifier: matrix index}, "", GridSet) for a set in another CRS that wmts_grid reads (every
    matrix, whatever its TopLeftCorner: a fetch stores one level, in its own extent); else (None,
    why not, None).
    A set in Web Mercator that is not the XYZ grid stays refused with web_mercator_zooms' reason."""
    from .wmts_grid import grid_set

    zooms, why = web_mercator_zooms(tms)
    if zooms:
        return zooms, "", None
    code = re.search(r"(\d+)\D*$", tms.crs or "")
    if code and code.group(1) in WEB_MERCATOR_CODES:
        return None, why, None
    grid, gwhy = grid_set(tms)
    if grid is None:
        return None, f"{why}, and not a national grid that can be read: {gwhy}", None
    return {m.identifier: i for i, m in enumerate(grid.matrices)}, "", grid


# ---------------------------------------------------------------- the layer as a template


def _attribution(wmts, layer) -> str | None:
    """A credit line from ServiceProvider's name, the layer's title, AccessConstraints, and the
    service's Abstract (shortened), whichever are present; None when none is."""
    def clean(text) -> str:
        return re.sub(r"\s+", " ", str(text or "")).strip()

    ident = getattr(wmts, "identification", None)
    provider = clean(getattr(getattr(wmts, "provider", None), "name", None))
    access = clean(getattr(ident, "accessconstraints", None))
    abstract = clean(getattr(ident, "abstract", None))
    if access.lower() in ("none", "no", "n/a", "-"):
        access = ""
    if len(abstract) > 200:
        abstract = abstract[:197].rsplit(" ", 1)[0] + "..."
    parts = [p for p in (provider, clean(layer.title), access and f"access constraints: {access}", abstract) if p]
    return " - ".join(parts) if (provider or access or abstract) else None


def _choose_format(offered: list[str], fmt: str | None, what: str) -> str:
    if fmt:
        if fmt not in offered:
            raise FetchError(f"{what} has no format {fmt!r}; it offers: {', '.join(offered) or 'none'}")
        return fmt
    for f in PREFERRED_FORMATS:
        if f in offered:
            return f
    if not offered:
        raise FetchError(f"{what} names no tile format")
    return offered[0]


def _rest_url(template: str, values: dict[str, str], what: str) -> str:
    """A ResourceURL template with its variables filled (names compared without case, as clients do);
    FetchError naming a variable the document gives no value for."""
    def fill(m: re.Match) -> str:
        key = m.group(1).lower()
        if key not in values:
            raise FetchError(f"{what}: its ResourceURL template {template!r} has a variable {{{m.group(1)}}} "
                             "that the document gives no value for")
        return values[key]

    return re.sub(r"\{([^{}]*)\}", fill, template)


def _kvp_base(wmts) -> str | None:
    """The GetTile Get URL that accepts KVP (OperationsMetadata), or None."""
    for op in getattr(wmts, "operations", []):
        if getattr(op, "name", None) != "GetTile":
            continue
        for method in op.methods:
            if method.get("type", "").lower() != "get":
                continue
            encodings = [v for c in method.get("constraints", []) if c.name == "GetEncoding" for v in c.values]
            if not encodings or "KVP" in encodings:
                return method["url"]
    return None


@dataclass(frozen=True)
class SetInfo:
    """One tile matrix set a layer links to: `identifier`, `crs` (as the document writes it),
    `zooms` (the XYZ zoom levels the layer has tiles at in it, ascending; for a national grid its
    matrix indices; () when not usable), `tile_px` (the tile width; 0 when not usable), `why` (""
    when usable, else why not) and `grid` (a wmts_grid.GridSet for a national grid, else None)."""

    identifier: str
    crs: str
    zooms: tuple[int, ...]
    tile_px: int
    why: str
    grid: object = None

    @property
    def usable(self) -> bool:
        return not self.why

    def describe(self) -> str:
        """"EPSG:3857 (zoom 0 to 19)", "EPSG:3857 (512 px tiles, zoom 0 to 18)", "EPSG:28992 (national
        grid EPSG:28992, levels 0 to 16 (pixels ...), into a .gpkg)" or "X (CRS ...: why not)"."""
        if self.usable and self.grid is not None:
            from .wmts_grid import describe

            return f"{self.identifier} ({describe(self.grid, self.zooms)})"
        if self.usable:
            return f"{self.identifier} ({'512 px tiles, ' if self.tile_px == 512 else ''}zoom {_zoom_text(self.zooms)})"
        return f"{self.identifier} ({'CRS ' + self.crs + ': ' if self.crs else ''}{self.why})"


@dataclass(frozen=True)
class LayerInfo:
    """One layer as the capabilities list it: `identifier` (what --layer takes), `title`, `styles`
    (the default one first), `sets` (SetInfo of each set it links to, in document order)."""

    identifier: str
    title: str
    styles: tuple[str, ...]
    sets: tuple[SetInfo, ...]

    @property
    def usable(self) -> bool:
        return any(s.usable for s in self.sets)

    @property
    def usable_sets(self) -> tuple[SetInfo, ...]:
        return tuple(s for s in self.sets if s.usable)

    def why_not(self) -> str:
        """Why no set of the layer can be fetched ("" when one can)."""
        if self.usable:
            return ""
        if not self.sets:
            return "it links to no tile matrix set"
        return "no tile matrix set that can be fetched: " + "; ".join(s.describe() for s in self.sets)


class WmtsService:
    """A parsed capabilities document (`read_service`): its `layers` (LayerInfo, document order),
    `title`, and `layer(...)`, which makes one of them a WmtsLayer without parsing again. Built
    off the GUI thread by the app (the parse of a large document takes a while); reading it
    afterwards is cheap."""

    def __init__(self, wmts, source: str) -> None:
        self._wmts = wmts
        self.source = source
        ident = getattr(wmts, "identification", None)
        self.title = re.sub(r"\s+", " ", str(getattr(ident, "title", None) or "")).strip()
        self._sets: dict[str, tuple[dict[str, int] | None, str, object]] = {}  # set id -> set_levels
        self.layers = tuple(self._layer_info(name, lyr) for name, lyr in wmts.contents.items())

    def _set_zooms(self, ident: str) -> tuple[dict[str, int] | None, str]:
        if ident not in self._sets:
            tms = self._wmts.tilematrixsets.get(ident)
            self._sets[ident] = (None, "not described in the document", None) if tms is None else set_levels(tms)
        return self._sets[ident][:2]

    def grid(self, ident: str):
        """The wmts_grid.GridSet of set `ident` when it is a national grid that can be fetched, else None."""
        self._set_zooms(ident)
        return self._sets[ident][2]

    def _usable_zooms(self, lyr, ident: str) -> tuple[dict[str, int] | None, str]:
        """{matrix id: zoom} of set `ident` where layer `lyr` has tiles (its TileMatrixSetLimits, when
        it gives any, name the matrices it has), or (None, why not)."""
        zooms, why = self._set_zooms(ident)
        if not zooms:
            return None, why
        limits = lyr.tilematrixsetlinks[ident].tilematrixlimits
        if limits:
            zooms = {i: z for i, z in zooms.items() if i in limits}
            if not zooms:
                return None, "its TileMatrixSetLimits name none of the set's matrices"
        return zooms, ""

    def _layer_info(self, name: str, lyr) -> LayerInfo:
        sets = []
        for ident in lyr.tilematrixsetlinks:
            tms = self._wmts.tilematrixsets.get(ident)
            zooms, why = self._usable_zooms(lyr, ident)
            sets.append(SetInfo(ident, str(getattr(tms, "crs", "") or ""), tuple(sorted(zooms.values())) if zooms else (),
                                _tile_px(tms) if zooms else 0, why, self.grid(ident) if zooms else None))
        styles = list(lyr.styles)
        default = next((s for s in styles if lyr.styles[s].get("isDefault")), None)
        if default is not None:
            styles.remove(default)
            styles.insert(0, default)
        title = re.sub(r"\s+", " ", str(lyr.title or "")).strip()
        return LayerInfo(name, title, tuple(styles), tuple(sets))

    def layer(self, layer: str, *, style: str | None = None, tile_matrix_set: str | None = None,
              fmt: str | None = None) -> WmtsLayer:
        """Layer `layer` as a WmtsLayer; see wmts_template for the choices and errors."""
        wmts, source = self._wmts, self.source
        if layer not in wmts.contents:
            offered = sorted(wmts.contents)
            like = _like(layer, offered)
            if like:  # a national service lists hundreds: the ones like what was typed, not the first 40
                raise FetchError(f"WMTS capabilities {source}: no layer {layer!r} (identifiers are case-sensitive); "
                                 f"did you mean {' or '.join(repr(n) for n in like)}? ({len(offered)} "
                                 f"layer{'' if len(offered) == 1 else 's'} in all; "
                                 "--list-layers lists them)")
            shown = ", ".join(offered[:40]) + (f", ... ({len(offered)} in all)" if len(offered) > 40 else "")
            raise FetchError(f"WMTS capabilities {source}: no layer {layer!r}; the layers offered are: {shown or 'none'}")
        lyr = wmts.contents[layer]
        what = f"WMTS layer {layer!r} ({source})"
        links = list(lyr.tilematrixsetlinks)
        sets_text = "; ".join(_set_line(wmts, i) for i in links) or "none"
        if tile_matrix_set is not None and tile_matrix_set not in links:
            raise FetchError(f"{what} has no tile matrix set {tile_matrix_set!r}; it offers: {sets_text}")
        usable: dict[str, dict[str, int]] = {}
        for ident in ([tile_matrix_set] if tile_matrix_set else links):
            zooms = self._usable_zooms(lyr, ident)[0]
            if zooms:
                usable[ident] = zooms
        if not usable:
            raise FetchError(f"{what}: only Web Mercator tile matrix sets (EPSG:3857 / GoogleMapsCompatible, 256 or "
                             "512 px tiles) and national grids in a CRS pyproj knows can be fetched, and "
                             f"{'that set is neither' if tile_matrix_set else 'it offers neither'}; its sets: {sets_text}")
        # Web Mercator first (XYZ, as before national grids were read), then the deepest set; at equal
        # depth 256 px tiles first (the size the zoom levels are counted for)
        tms_id = max(usable, key=lambda i: (self.grid(i) is None, max(usable[i].values()), len(usable[i]),
                                            -_tile_px(wmts.tilematrixsets[i])))
        return _layer_template(wmts, source, layer, lyr, what, tms_id, usable[tms_id], style, fmt, self.grid(tms_id))


def _like(name: str, offered: list[str], most: int = 8) -> list[str]:
    """The identifiers in `offered` like `name`: the same but for case, those holding it (case
    ignored, e.g. "swissimage" -> "ch.swisstopo.swissimage"), then difflib's close matches; at most
    `most`, in that order. [] when none is."""
    import difflib

    low = name.strip().lower()
    if not low:
        return []
    same = [o for o in offered if o.lower() == low]
    holding = sorted((o for o in offered if low in o.lower() and o not in same), key=lambda o: (len(o), o))
    close = difflib.get_close_matches(name, offered, n=most, cutoff=0.75)
    return list(dict.fromkeys(same + holding + close))[:most]


def _layer_template(wmts, source: str, layer: str, lyr, what: str, tms_id: str, zoom_of: dict[str, int],
                    style: str | None, fmt: str | None, grid=None) -> WmtsLayer:
    pattern = _identifier_pattern(zoom_of)
    # {TileMatrix} as written in the template: prefix{z}suffix, or {z} for MatrixTemplate to fill
    matrix = "{z}" if pattern is None else quote(pattern[0], safe=":") + "{z}" + quote(pattern[1], safe=":")

    styles = list(lyr.styles)
    if style is not None:
        if styles and style not in styles:
            raise FetchError(f"{what} has no style {style!r}; it offers: {', '.join(styles)}")
        chosen_style = style
    else:
        chosen_style = next((s for s in styles if lyr.styles[s].get("isDefault")), styles[0] if styles else "default")
    dims = {str(k).lower(): str(v.get("default") or "") for k, v in lyr.dimensions.items()}

    rest = [r for r in lyr.resourceURLs if r.get("resourceType") == "tile"]
    if rest:
        encoding = "RESTful"
        chosen_fmt = _choose_format(list(dict.fromkeys(r["format"] for r in rest)), fmt, what)
        resource = next(r["template"] for r in rest if r["format"] == chosen_fmt)
        values = {k: quote(v, safe="") for k, v in dims.items()}
        values.update({"style": quote(chosen_style, safe=""), "tilematrixset": quote(tms_id, safe=":"),
                       "tilematrix": matrix,
                       "tilerow": "{y}", "tilecol": "{x}"})
        url = _rest_url(resource, values, what)
    else:
        base = _kvp_base(wmts)
        if base is None:
            raise FetchError(f"{what}: the document gives neither a RESTful ResourceURL for the layer nor a KVP "
                             "GetTile URL")
        encoding = "KVP"
        chosen_fmt = _choose_format([f for f in lyr.formats if f], fmt, what)
        params = [("SERVICE", "WMTS"), ("REQUEST", "GetTile"), ("VERSION", "1.0.0"), ("LAYER", layer),
                  ("STYLE", chosen_style), ("FORMAT", chosen_fmt), ("TILEMATRIXSET", tms_id)]
        params += [(k, v) for k, v in ((str(k), str(d.get("default") or "")) for k, d in lyr.dimensions.items())]
        query = "&".join(f"{k}={quote(v, safe=':')}" for k, v in params)
        query += f"&TILEMATRIX={matrix}&TILEROW={{y}}&TILECOL={{x}}"
        sep = "" if base.endswith(("?", "&")) else ("&" if "?" in base else "?")
        url = f"{base}{sep}{query}"
    zooms = tuple(sorted(zoom_of.values()))
    provider = re.sub(r"\s+", " ", str(getattr(getattr(wmts, "provider", None), "name", None) or "")).strip()
    try:
        template = parse_template(url, attribution=_attribution(wmts, lyr),
                                  name=f"{provider or urlsplit(url).hostname} {layer}", max_zoom=zooms[-1])
    except FetchError as exc:
        raise FetchError(f"{what}: the tile URL it gives cannot be used: {exc}") from None
    if pattern is None:
        template = MatrixTemplate(template.url, template.subdomains, template.attribution, template.name,
                                  template.max_zoom, tuple(sorted((z, i) for i, z in zoom_of.items())))
    limits = []
    for ident, lim in lyr.tilematrixsetlinks[tms_id].tilematrixlimits.items():
        if ident in zoom_of and None not in (lim.mintilerow, lim.maxtilerow, lim.mintilecol, lim.maxtilecol):
            limits.append((zoom_of[ident], lim.mintilerow, lim.maxtilerow, lim.mintilecol, lim.maxtilecol))
    return WmtsLayer(template, zooms, source, layer, chosen_style, tms_id, chosen_fmt, encoding, tuple(sorted(limits)),
                     _tile_px(wmts.tilematrixsets[tms_id]), _coverage(lyr), grid)


def _coverage(lyr) -> tuple[float, float, float, float] | None:
    """The layer's ows:WGS84BoundingBox as (west, south, east, north) degrees (owslib reads it as
    lower corner lon lat, upper corner lon lat, OGC 06-121r3 10.2.3), or None when it gives none or
    one that is not a box of degrees (then no area is refused for it)."""
    box = getattr(lyr, "boundingBoxWGS84", None)
    try:
        w, s, e, n = (float(v) for v in box)
    except (TypeError, ValueError):
        return None
    if not (-180.0 <= w < e <= 180.0 and -90.0 <= s < n <= 90.0):
        return None
    return w, s, e, n


def read_service(data: bytes, source: str) -> WmtsService:
    """The capabilities document `data` (bytes; `source` names it in messages) parsed once, with its
    layers listed (LayerInfo: which sets each can be fetched in, or why not). Raises FetchError
    naming `source` when it is not a readable WMTS capabilities document."""
    return WmtsService(_parse(data, source), source)


def wmts_template(data: bytes, source: str, layer: str, *, style: str | None = None,
                  tile_matrix_set: str | None = None, fmt: str | None = None) -> WmtsLayer:
    """Layer `layer` of the capabilities document `data` (bytes; `source` names it in messages) as an
    XYZ TileTemplate. `style` (default: the layer's default style), `tile_matrix_set` (default: the
    Web Mercator set with the deepest zoom), `fmt` (a MIME type; default JPEG, then PNG, then the
    first offered). RESTful ResourceURL templates are used when the layer has one, else KVP GetTile.
    Dimensions (e.g. Time) take their Default. Raises FetchError naming `source` and the layer for
    an unknown layer (listing the layers offered), style, set or format, and for a layer with no Web
    Mercator set (listing the sets it offers with their CRS)."""
    return read_service(data, source).layer(layer, style=style, tile_matrix_set=tile_matrix_set, fmt=fmt)


def open_service(source: str | Path, *, client=None, timeout_s: float = 30.0) -> WmtsService:
    """read_capabilities then read_service: a capabilities URL or file -> WmtsService (messages name
    the GetCapabilities URL as asked for). Raises FetchError as those do."""
    text = str(source).strip()
    data = read_capabilities(text, client=client, timeout_s=timeout_s)
    shown = capabilities_url(text) if re.match(r"^https?://", text, re.I) else text
    return read_service(data, shown)


def layers_matching(layers: Sequence[LayerInfo], word: str | None) -> list[LayerInfo]:
    """The `layers` (LayerInfo, their order kept) whose identifier or title holds `word`, case
    ignored, spaces around it dropped; all of them for an empty or None `word`. What
    `fetch-tiles --list-layers --layer WORD` prints and what the app's layer filter keeps (a national
    service lists hundreds of layers)."""
    low = (word or "").strip().lower()
    if not low:
        return list(layers)
    return [i for i in layers if low in i.identifier.lower() or low in i.title.lower()]


def layer_lines(service: WmtsService) -> list[str]:
    """The layers as `fetch-tiles --wmts CAP --list-layers` prints them: one line per layer,
    "IDENTIFIER  TITLE  sets: ..." with its usable sets and their zoom levels, or why it cannot be
    fetched."""
    lines = []
    for info in service.layers:
        title = f"  \"{info.title}\"" if info.title and info.title != info.identifier else ""
        if info.usable:
            what = "usable: " + "; ".join(s.describe() for s in info.usable_sets)
            if len(info.styles) > 1:
                what += f"; styles: {', '.join(info.styles)}"
        else:
            what = "NOT usable: " + info.why_not()
        lines.append(f"{info.identifier}{title}  {what}")
    return lines


def open_wmts(source: str | Path, layer: str, *, style: str | None = None, tile_matrix_set: str | None = None,
              fmt: str | None = None, client=None) -> WmtsLayer:
    """read_capabilities then wmts_template: a capabilities URL or file and a layer -> WmtsLayer.
    Raises FetchError as those do."""
    return open_service(source, client=client).layer(layer, style=style, tile_matrix_set=tile_matrix_set, fmt=fmt)
