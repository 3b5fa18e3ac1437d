"""Fetch the XYZ tiles covering an area from a tile service into a tile set (a folder or MBTiles).

A good citizen of the service: one clear User-Agent, at most `concurrency` requests in flight,
429 and 5xx retried with exponential backoff that honours Retry-After (RFC 9110 section 10.2.3),
404 recorded as a missing tile and not asked for again for a day (missing_tiles), tiles already stored never fetched twice
(a rerun resumes), cancel at any moment with everything fetched so far kept, and a refusal to
start above `max_tiles` that states the count.

HTTP: httpx. Connection failures are retried by httpx's transport (`retries`); it does not
retry on HTTP status codes, so 429/5xx and Retry-After are handled by the small backoff loop in
`_get`. Tile arithmetic (tile ranges, quadkeys) comes from mercantile; named providers from
xyzservices.
"""

from __future__ import annotations

import email.utils
import errno
import json
import logging
import math
import os
import queue
import random
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Cancelled, GeolocatorError, InputError
from ..geo import MAX_ZOOM, WEB_MERCATOR_MAX_LAT, bounds_from_lonlat, metres_per_degree
from ..model import Bounds, LatLon
from ..progress import CancelToken, ProgressCallback, ProgressEvent, emit
from .missing_tiles import read_missing_text, record_age, stamp_line
from .package import FOLDER_METADATA

log = logging.getLogger("geolocator")

DEFAULT_MAX_TILES = 10_000
DEFAULT_CONCURRENCY = 4
DEFAULT_MARGIN_M = 250.0
TYPICAL_TILE_BYTES = 25_000  # a 256 px aerial JPEG; only for the size estimate shown before fetching
MISSING_FILE = "missing.txt"  # folder sets: the 404s, "z/x/y" a line
METADATA_FILE = FOLDER_METADATA  # folder sets: attribution, source (read back by package.folder_metadata)
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
REFUSED_STATUS = frozenset({401, 403})
STOP_AFTER_REFUSALS = 10  # in a row, before any tile came: the service refuses us; stop asking
# tiles whose connection failed (DNS, refused, connect timeout) before the service answered once: no
# network, or a wrong host; each is already retried by the transport, so a few say enough
STOP_AFTER_UNREACHABLE = 3
# tiles in a row whose every attempt ended in a refused connection after the service had answered:
# it went away (stopped, the network dropped). Stop instead of backing off on each of the tiles left
# (about 15 s a tile with the default retries: hours for a large area); a rerun resumes.
STOP_AFTER_LOST = 8
# tiles whose every attempt the server answered with an HTTP error (500, 502, 503, 429 after all retries;
# 400, 410 ... at once) before any tile came: it is broken or the URL is wrong. Stop instead of backing off
# on every tile (about 15 s a tile with the default retries: 140 s for 36 tiles, hours for a large area;
# session 35, newuser35); a rerun asks again.
STOP_AFTER_ERRORS = 8
# after a stop (cancel, Ctrl-C, a refusing or lost service) results still in flight are awaited this
# long, no longer: most end at once (they check the stop between attempts); one blocked on a stalled
# link is left behind instead of holding the cancel until its read timeout
DRAIN_S = 1.0
# a link gone silent after the service had answered: requests that get no answer at all (a connect or
# read timeout, a reset) rather than a refused connection, e.g. a satellite terminal's proxy that still
# takes connections when its uplink is down. Stop when STOP_AFTER_LOST requests in a row got none and
# the first of them failed SILENT_S or more ago: about 90 s with the 30 s timeout and 4 in flight.
# The tile rule above counts refused connections only: timeouts went on, 6 attempts x 30 s a tile (a
# fetch not stopped 15 min after its server fell silent, session 30).
SILENT_S = 60.0
# a package (.mbtiles, .gpkg) is committed every COMMIT_EVERY_TILES tiles, or sooner when a tile came
# COMMIT_EVERY_S after the last commit: a fetch killed outright (SIGKILL, power lost: no Ctrl-C or
# SIGTERM to commit on) loses at most that. With tiles only, a thin link lost up to 49 tiles: 1.2 MB,
# 6 s at 200 kB/s, and minutes of 512 px PNGs; a commit costs milliseconds
COMMIT_EVERY_TILES = 50
COMMIT_EVERY_S = 5.0
# connecting (TCP and TLS) may take at most this, of the client's timeout: a satellite round trip is
# about 0.6 s and a lost SYN is sent again after 1, 3 and 7 s. With the 30 s read timeout for it too, a
# link down from the start (packets dropped, no refusal) was said after 3 connects x 30 s: 93 s
# (session 30); the transport still tries each connection 3 times
CONNECT_TIMEOUT_S = 10.0
MISSING_STATUS = frozenset({404, 410})
# while no tile has come for this long, the progress says "waiting for the server (N s)" and gives no
# time left: the pace of the tiles before says nothing about tiles the server holds back (session 35,
# newuser35: a 30 s tile showed "about 2 s left", and the ETA stood still for the 36 s before a dead
# server's fetch stopped). Between results iter_fetch yields WAITING every WAIT_EVENT_S.
WAIT_SAY_S = 5.0
WAIT_EVENT_S = 1.0
WAITING = "waiting"
# a tile recorded missing (404, 410) is asked for again by a fetch this long after it was recorded (one
# 404 from a flaky server left a gap for ever: session 35); fetch_tiles(retry_missing_after_s=0): at once
MISSING_RETRY_S = 24 * 3600.0
ASK_AGAIN = "ask-again"  # iter_fetch: a tile recorded missing long enough ago; its request follows
_wait_clock = time.monotonic  # the waits' clock, bound once: tests that step time.monotonic count its readings
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_KNOWN = {"z", "x", "y", "-y", "s", "q", "r"}


def user_agent() -> str:
    try:
        from importlib.metadata import version

        v = version("geolocator")
    except Exception:  # noqa: BLE001 - running from a source tree
        v = "dev"
    return f"geolocator/{v} (drone photo geolocation; fetch-tiles; +https://pypi.org/project/geolocator/)"


class FetchError(GeolocatorError):
    """A fetch that cannot start (bad template, area, too many tiles) or a service that refuses."""


class TilesNotStored(FetchError):
    """A tile fetched could not be stored (a full disk, a folder or file that refuses writes, a failing
    card): the fetch stopped there. `where` (the file that could not be written), `problem` (why, in
    words), `out`, `kept` (tiles of the area `out` holds now; None when it cannot be counted) and
    `total` (tiles of the area) travel with it; every tile stored before it is kept (faults36)."""

    def __init__(self, where: Path, problem: str, out: Path, kept: int | None, total: int) -> None:
        self.where, self.problem, self.out, self.kept, self.total = Path(where), problem, Path(out), kept, total
        holds = f"{out} holds {kept} of the area's {total} tiles" if kept is not None else "the tiles stored until then are kept"
        super().__init__(f"{where}: a fetched tile could not be stored ({problem}); stopped: {holds}. Free some space "
                         "(or write somewhere else) and run again: the tiles already stored are not fetched again")


def _store_fault(exc: BaseException, out: Path) -> tuple[Path, str]:
    """(the file, the reason in words) of a sink's failed write: an OSError (outputs.OutputError names the
    user's file already) or an SQLite error of an MBTiles/GeoPackage (`out`)."""
    from ..outputs import OutputError, describe_os_error, describe_sqlite_error

    if isinstance(exc, OutputError):
        return exc.path, exc.problem.removeprefix("could not write: ")
    if isinstance(exc, OSError):
        return Path(exc.filename) if exc.filename else Path(out), describe_os_error(exc)
    return Path(out), describe_sqlite_error(exc)


class ServiceLost(FetchError):
    """The service stopped answering mid-download (STOP_AFTER_LOST tiles in a row could not connect
    after it had answered). The facts travel with it so the app words how to resume with its own
    controls (gui/warnings_log.app_error_wording), the CLI with the same command: `service` (its
    name and host), `lost` (tiles in a row; with `silent_s`, requests in a row that got no answer for
    that many seconds: a link gone silent, SILENT_S), `why` (the last error), `fetched` (tiles stored by this
    run), `left` (tiles of the area still not stored), `out` (where the tiles are kept)."""

    def __init__(self, service: str, lost: int, why: str, fetched: int, left: int, out: Path,
                 silent_s: float | None = None) -> None:
        self.service, self.lost, self.why = service, lost, why
        self.fetched, self.left, self.out = fetched, left, Path(out)
        self.silent_s = silent_s  # a link gone silent (SILENT_S): seconds with no answer, `lost` requests
        super().__init__(f"{service} stopped answering: {self.symptom}; stopped. "
                         f"The {fetched} tiles fetched this time are kept in {out}; run the same command "
                         f"again to fetch the other {left}")

    @property
    def symptom(self) -> str:
        """What was seen, in words the CLI and the app share."""
        if self.silent_s is None:
            return f"the last {self.lost} tiles could not connect ({self.why})"
        return (f"nothing answered for {self.silent_s:.0f} s ({self.lost} requests in a row got no answer; the last: "
                f"{self.why}); the link or the service is down")


class TooManyTiles(FetchError):
    """More tiles than the limit (`count` at `zoom`, `limit`): the facts travel with it so that the app
    words it for its own controls (gui/warnings_log.app_error_wording), the CLI for --max-tiles."""

    def __init__(self, count: int, zoom: int, limit: int) -> None:
        self.count, self.zoom, self.limit = count, zoom, limit
        super().__init__(f"the area needs {count:,} tiles at zoom {zoom}, more than the limit of {limit:,} "
                         "(--max-tiles): choose a smaller area or a lower zoom, or raise the limit")


# ---------------------------------------------------------------- templates and providers


@dataclass(frozen=True)
class TileTemplate:
    """An XYZ URL template: {z} {x} {y}, {-y} (TMS row, counted from the south), {s} (one of
    `subdomains`, rotated by tile), {q} (Bing quadkey), {r} (retina suffix, left empty)."""

    url: str
    subdomains: tuple[str, ...] = ("a", "b", "c")
    attribution: str | None = None
    name: str | None = None
    max_zoom: int | None = None

    def url_for(self, z: int, x: int, y: int) -> str:
        import mercantile

        values = {"z": str(z), "x": str(x), "y": str(y), "-y": str(2**z - 1 - y), "r": ""}
        if "{s}" in self.url:
            values["s"] = self.subdomains[(x + y) % len(self.subdomains)]
        if "{q}" in self.url:
            values["q"] = mercantile.quadkey(x, y, z)
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], self.url)


def parse_template(url: str, subdomains: str | Sequence[str] | None = None, *, attribution: str | None = None,
                   name: str | None = None, max_zoom: int | None = None) -> TileTemplate:
    """Check a URL template and return it. Raises FetchError naming what is wrong."""
    url = url.strip()
    if not re.match(r"^https?://", url, re.I):
        raise FetchError(f"{url!r}: a tile URL template starts with http:// or https://")
    if re.search(r"%7b|%7d", url, re.I):  # braces URL-encoded, as a browser's address bar copies them
        raise FetchError(f"{url!r}: its braces are URL-encoded (%7B, %7D); write them as they are: {{z}}, {{x}}, {{y}}")
    names = set(_PLACEHOLDER.findall(url))
    dollar = [n for n in dict.fromkeys(re.findall(r"\$\{([^{}]*)\}", url)) if n in _KNOWN]
    if dollar:  # OpenLayers 2's ${z}: the "$" would stay in every URL asked for, and every tile come back 404
        raise FetchError(f"{url!r}: write {', '.join('{' + n + '}' for n in dollar)} without the \"$\" "
                         "(the ${…} form of other programs would stay in every URL asked for)")
    unknown = sorted(names - _KNOWN)
    if unknown:
        raise FetchError(f"{url!r}: unknown placeholder(s) {', '.join('{' + n + '}' for n in unknown)}; "
                         "use {z} {x} {y}, {-y} (TMS), {s} (subdomain) or {q} (quadkey)")
    if "q" not in names and not ({"z", "x"} <= names and names & {"y", "-y"}):
        raise FetchError(f"{url!r}: the template needs {{z}}, {{x}} and {{y}} (or {{-y}}), or {{q}}")
    # xyzservices and Leaflet give "abc" (tuple() splits it); none or "" (an empty --subdomains):
    # the default, never () ({s} would then divide by zero in url_for)
    subs = tuple(subdomains) if subdomains else ("a", "b", "c")
    return TileTemplate(url, subs, attribution, name, max_zoom)


def provider_template(name: str) -> TileTemplate:
    """A named provider from xyzservices (e.g. "Esri.WorldImagery"), with its attribution.
    Raises FetchError for an unknown name or one that needs an API key."""
    import xyzservices.providers as providers

    try:
        p = providers.query_name(name)
    except ValueError:
        raise FetchError(f"unknown tile provider {name!r} (names as in xyzservices, e.g. Esri.WorldImagery)") from None
    if not hasattr(p, "build_url"):
        raise FetchError(f"{name!r} is a group of providers; name one of: {', '.join(sorted(p)[:12])}")
    if p.requires_token():
        raise FetchError(f"{p.name} needs an API key: give its URL template with your key instead of --provider")
    return parse_template(p.build_url(fill_subdomain=False), p.get("subdomains"), attribution=p.get("attribution"),
                          name=p.name, max_zoom=p.get("max_zoom"))


def source_host(url: str) -> str:
    """The service's host name from a URL template ("{s}.tile.example.org" -> "tile.example.org",
    a port kept), never its path or query string, which may hold an API key."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    host = parts.hostname or parts.netloc or url
    host = re.sub(r"^(\{s\}|\{[^{}]*\})\.", "", host)  # the subdomain placeholder is not the provider
    return f"{host}:{parts.port}" if parts.port else host


def recorded_attribution(template: TileTemplate) -> tuple[str, str | None]:
    """(the credit line to store with fetched tiles, a warning or None). A named provider or
    --attribution gives the real line. A plain URL template gives none: what is known is stored
    instead, the host as the source and the fact that the provider's credit line is missing, so
    maps and exports never show the imagery as uncredited, and the user is told."""
    if template.attribution:
        return template.attribution, None
    host = source_host(template.url)
    return (f"Imagery: {host} (the provider's required attribution was not given)",
            f"no attribution was given for the imagery from {host}: most providers' terms require their credit "
            f"line on every map and export. The tile set records '{host}' as its source; give the credit line "
            "with --attribution (a rerun of the same command with it updates the tile set)")


def stored_attribution(out: Path) -> str | None:
    """The credit line an earlier fetch stored in `out` (an .mbtiles file or an XYZ folder's
    metadata.json), None when there is none, it cannot be read, or it is only the placeholder
    recorded_attribution stores when none was given. A rerun without --attribution keeps it (the
    sinks never replace a stored line with the placeholder), so there is nothing to warn about."""
    import sqlite3

    out = Path(out)
    text = None
    try:
        if out.is_file() and out.suffix.lower() == ".mbtiles":
            from .mbtiles import _metadata

            text = _metadata(out).get("attribution")
        elif (out / METADATA_FILE).is_file():
            meta = json.loads((out / METADATA_FILE).read_text(encoding="utf-8"))
            text = meta.get("attribution") if isinstance(meta, dict) else None
    except (OSError, ValueError, InputError, sqlite3.Error):
        return None
    text = str(text).strip() if text else ""
    placeholder = text.startswith("Imagery: ") and text.endswith("(the provider's required attribution was not given)")
    return text if text and not placeholder else None


def terms_notice(template: TileTemplate) -> str:
    """What to show before fetching from a service: attribution and whose terms apply."""
    who = template.name or re.sub(r"^https?://([^/]+)/.*$", r"\1", template.url)
    lines = [f"Imagery from {who}."]
    if template.attribution:
        lines.append(f"Attribution: {template.attribution}")
    lines.append(f"Bulk downloading is governed by {who}'s terms of use: make sure they allow it "
                 "(many public services, e.g. tile.openstreetmap.org, forbid it).")
    return "\n".join(lines)


# ---------------------------------------------------------------- areas and tile lists


class BadBbox(FetchError):
    """An area that is not four numbers W,S,E,N (`text`: as typed); the CLI's words name --bbox."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(f"--bbox {text!r}: expected four numbers W,S,E,N in degrees")


class AreaCrsError(FetchError):
    """An area given in another coordinate system (--bbox-crs) that cannot be used: an unknown CRS, a
    box whose min is not below its max, one outside the CRS's area of use. The message names --bbox /
    --bbox-crs (the CLI's words; the app says its Box)."""


class NoPositions(FetchError):
    """An area asked around the photos when none has a GPS position; the CLI's words name --bbox."""

    def __init__(self) -> None:
        super().__init__("none of the photos has a GPS position: give the area with --bbox")


# one number with digits on both sides of its decimal mark, "." or "," ("7,5"; never "10," or ",46",
# which are "10, 46" with a space on one side of a separating comma)
_DECIMAL_WORD = re.compile(r"[+-]?\d+([.,]\d+)?")


def bbox_numbers(text: str) -> tuple[float, float, float, float]:
    """"W,S,E,N" -> the four numbers as written (no check of their order or range). They may also be
    parted by ";" or spaces, and then either "." or "," is the decimal mark ("7,5;46,2;7,6;46,3": a
    decimal-comma locale's way); group separators are never read. Raises ValueError for text that is
    not four numbers."""
    text = str(text).strip()
    words = text.split()
    if ";" in text:
        parts = text.split(";")
    elif len(words) == 4 and all(_DECIMAL_WORD.fullmatch(w) for w in words):
        # four numbers parted by spaces: a comma inside one is its decimal mark. "0,5 1,5 2,5 3" read
        # as 0, 51, 52, 53 when the commas were taken as separators (a valid box, fetched silently)
        parts = words
    else:
        parts = text.replace(" ", "").split(",")  # "W,S,E,N", spaces anywhere dropped
        if len(parts) != 4:
            parts = words
    w, s, e, n = (float(v.strip().replace(",", ".")) for v in parts)
    return w, s, e, n


def parse_bbox(text: str, crs: str | None = None) -> Bounds:
    """"W,S,E,N" in degrees (any form bbox_numbers reads) -> Bounds. With `crs` (--bbox-crs: an EPSG
    code, URN, WKT... anything pyproj reads; None or EPSG:4326 for degrees) the four numbers are
    min x, min y, max x, max y in that CRS (easting first) and the Bounds is the WGS84 box holding
    that box, edges densified (area_crs.bbox_in_crs). Raises BadBbox for text that is not four
    numbers, AreaCrsError (a FetchError) for an unknown CRS, a box whose min is not below its max,
    one outside the CRS's area of use, and (check_bbox) an area outside the globe or inside out."""
    from .area_crs import area_crs, bbox_in_crs

    try:
        w, s, e, n = bbox_numbers(text)
    except ValueError:
        raise BadBbox(text) from None
    try:
        projected = area_crs(crs)
    except ValueError as exc:
        raise AreaCrsError(f"--bbox-crs {crs!r}: {exc}") from None
    if projected is not None:
        from ..geo import crs_label

        try:
            return check_bbox(bbox_in_crs((w, s, e, n), projected, crs_label(projected)))
        except ValueError as exc:
            raise AreaCrsError(str(exc)) from None
    return check_bbox(Bounds(w, s, e, n))


def bbox_crs_note(text: str, crs: str | None) -> str | None:
    """The warning for `--bbox TEXT --bbox-crs CRS` when the box lies partly outside the CRS's area of
    use (area_crs.partly_outside_note: names the box, the CRS, its area and the share outside), else
    None (also for degrees, and for a box parse_bbox refuses: that refusal says more). Raises nothing."""
    from ..geo import crs_label
    from .area_crs import area_crs, bbox_in_crs, partly_outside_note

    try:
        numbers = bbox_numbers(text)
        projected = area_crs(crs)
        if projected is None:
            return None
        label = crs_label(projected)
        return partly_outside_note(numbers, projected, label, bbox_in_crs(numbers, projected, label))
    except ValueError:
        return None


def check_bbox(b: Bounds) -> Bounds:
    if not all(math.isfinite(v) for v in (b.west, b.south, b.east, b.north)):
        raise FetchError(f"area {b}: not finite")
    if not (-180 <= b.west <= 180 and -180 <= b.east <= 180 and -90 <= b.south <= 90 and -90 <= b.north <= 90):
        raise FetchError(f"area {b}: outside the globe")
    if b.west >= b.east:
        raise FetchError(f"area {b}: west must be less than east (areas across the antimeridian are not supported)")
    if b.south >= b.north:
        raise FetchError(f"area {b}: south must be less than north")
    return b


def bbox_around(points: Sequence[LatLon], margin_m: float = DEFAULT_MARGIN_M) -> Bounds:
    """The box holding `points` grown by `margin_m` metres on every side (WGS84 degrees), within Web
    Mercator's latitudes (+-85.0511). Raises FetchError without points, for a bad margin, when the
    grown box lies wholly north or south of that limit (tile services have no imagery there), and when
    the photos lie closer across ±180° than across 0° (check_bbox refuses areas across the antimeridian;
    min/max longitudes made such photos' area the whole globe)."""
    if not points:
        raise NoPositions()
    if not (margin_m >= 0 and math.isfinite(margin_m)):
        raise FetchError(f"margin must be a non-negative number of metres, got {margin_m}")
    spread = bounds_from_lonlat([p.lon for p in points], [p.lat for p in points])
    if spread.crosses_antimeridian:  # min/max longitudes would make it the whole globe (case 08's kind)
        raise FetchError(f"the photos lie on both sides of the antimeridian (longitudes {spread.west:.4f} to "
                         f"{spread.east:.4f} across ±180°): an area across it cannot be fetched as one; fetch each "
                         f"side with --bbox ({spread.west:.4f},{spread.south:.4f},180,{spread.north:.4f} and "
                         f"-180,{spread.south:.4f},{spread.east:.4f},{spread.north:.4f}, widened by the margin)")
    # the narrowest box: a photo at -180 beside one at 179.99 is at 180 (min/max made it the globe)
    s, n, w, e = spread.south, spread.north, spread.west, spread.east
    m_lat, m_lon = metres_per_degree(max(abs(s), abs(n)))
    dlat, dlon = margin_m / m_lat, margin_m / max(m_lon, 1.0)
    if s - dlat > WEB_MERCATOR_MAX_LAT or n + dlat < -WEB_MERCATOR_MAX_LAT:  # clamped, south would pass north
        raise FetchError(f"the photos lie at latitudes {s:.4f} to {n:.4f}, beyond {WEB_MERCATOR_MAX_LAT:.4f} degrees "
                         f"{'north' if s > 0 else 'south'}, the limit of Web Mercator (XYZ tiles): tile services "
                         "have no imagery there; use georeferenced imagery of your own")
    b = Bounds(max(w - dlon, -180.0), max(s - dlat, -WEB_MERCATOR_MAX_LAT), min(e + dlon, 180.0),
               min(n + dlat, WEB_MERCATOR_MAX_LAT))
    if b.west >= b.east or b.south >= b.north:  # one photo and margin 0: a point; give it a metre
        # longitudes kept on the globe (check_bbox refuses past ±180°; latitudes past Web Mercator's
        # limit are clamped when tiles are listed)
        b = Bounds(max(b.west - 1e-5, -180.0), b.south - 1e-5, min(b.east + 1e-5, 180.0), b.north + 1e-5)
    return b


_EDGE_HAIR_DEG = 1e-9  # about 0.1 mm


def _tile_range(b: Bounds, zoom: int) -> tuple[int, int, int, int]:
    import mercantile

    lat_max = WEB_MERCATOR_MAX_LAT - 1e-9
    nw = mercantile.tile(b.west, min(b.north, lat_max), zoom)
    # a hair inside the south-east corner, so an edge on a tile boundary does not add a row or a
    # column: mercantile.tile counts a point within its EPSILON (1e-14 of the world's width, ~4e-12
    # degrees) of a tile's east or south side into the next tile, so one ulp (math.nextafter, used
    # before session 8) was not enough: a tile's own bounds fetched 4 tiles. _EDGE_HAIR_DEG is
    # far more than that and far less than a zoom-30 tile (3.4e-7 degrees).
    east = max(b.east - _EDGE_HAIR_DEG, b.west)
    south = min(b.south + _EDGE_HAIR_DEG, b.north)
    se = mercantile.tile(east, max(south, -lat_max), zoom)
    return nw.x, se.x, nw.y, se.y


def count_tiles(b: Bounds, zoom: int) -> int:
    """How many XYZ tiles at `zoom` cover `b`, without listing them."""
    if not 0 <= int(zoom) <= MAX_ZOOM:
        raise FetchError(f"zoom must be between 0 and {MAX_ZOOM}, got {zoom}")
    x0, x1, y0, y1 = _tile_range(check_bbox(b), int(zoom))
    return (x1 - x0 + 1) * (y1 - y0 + 1)


def tiles_for_bbox(b: Bounds, zoom: int, max_tiles: int = DEFAULT_MAX_TILES) -> list[tuple[int, int, int]]:
    """(z, x, y) of the tiles covering `b`, rows from the north. Raises TooManyTiles above `max_tiles`."""
    n = count_tiles(b, zoom)
    if n > max_tiles:
        raise TooManyTiles(n, zoom, max_tiles)
    x0, x1, y0, y1 = _tile_range(b, int(zoom))
    return [(int(zoom), x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def suggest_zoom(footprint_m: float, lat: float, max_zoom: int | None = None) -> int:
    """The zoom whose tiles are nearest `footprint_m` metres wide at `lat` (see package.choose_zoom),
    at most `max_zoom` (the service's deepest level, TileTemplate.max_zoom), so that the suggestion
    is always one plan_fetch accepts."""
    from .package import choose_zoom, web_mercator_tile_m

    zoom = choose_zoom(range(0, 23), lambda z: web_mercator_tile_m(z, lat), footprint_m)
    return zoom if max_zoom is None else min(zoom, int(max_zoom))


@dataclass(frozen=True)
class FetchPlan:
    """What a fetch will do, known before any request: shown to the user, then run."""

    template: TileTemplate
    area: Bounds
    zoom: int
    out: Path
    tiles: tuple[tuple[int, int, int], ...]
    tile_px: int = 256  # the service's tile width (a WMTS set's 512 px tiles hold four times the pixels)
    # a WMTS national grid set (wmts_grid.GridSet): `zoom` is its matrix index, tiles are (index, col,
    # row), stored in a GeoPackage in its CRS (fetch_tiles(grid=)); None for XYZ tiles
    grid: object = None

    @property
    def estimate_bytes(self) -> int:
        return estimate_bytes(len(self.tiles), self.tile_px)

    def describe(self) -> str:
        from .package import web_mercator_tile_m

        from ..wording import count, megabytes

        if self.grid is not None:
            c = self.area.center
            m = self.grid.matrices[self.zoom]
            return (f"{count(len(self.tiles), 'tile')} at level {self.zoom} of {self.grid.label()} (matrix "
                    f"{m.identifier!r}, about {self.grid.ground_m(self.zoom, c.lon, c.lat):.0f} m each on the ground, "
                    f"{self.grid.pixel_m(self.zoom):.3g} m pixels), {megabytes(self.estimate_bytes, about=True)}")
        return (f"{count(len(self.tiles), 'tile')} at zoom {self.zoom} (about "
                f"{web_mercator_tile_m(self.zoom, self.area.center.lat):.0f} m each on the ground), "
                f"{megabytes(self.estimate_bytes, about=True)}")


def estimate_bytes(count: int, tile_px: int = 256) -> int:
    """Bytes `count` tiles of `tile_px` pixels square are expected to take (TYPICAL_TILE_BYTES per
    256 px tile, scaled by the pixel count): the size shown before fetching, not a limit."""
    return round(count * TYPICAL_TILE_BYTES * (tile_px / 256) ** 2)


def plan_fetch(template: TileTemplate, area: Bounds, zoom: int, out: Path,
               max_tiles: int = DEFAULT_MAX_TILES) -> FetchPlan:
    """The tiles to fetch for `area` at `zoom` into `out`. Raises FetchError for a bad area or a
    zoom beyond the provider's maximum, TooManyTiles above `max_tiles`."""
    if template.max_zoom is not None and zoom > int(template.max_zoom):
        raise FetchError(f"{template.name or 'the service'} serves zoom levels up to {template.max_zoom}, not {zoom}")
    return FetchPlan(template, check_bbox(area), int(zoom), Path(out), tuple(tiles_for_bbox(area, zoom, max_tiles)))


# ---------------------------------------------------------------- where tiles go


def image_kind(data: bytes) -> str | None:
    """png / jpg / webp / gif from the magic bytes, None when the data is not an image (an HTML
    error page served with status 200 must not become a tile)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def image_damage(data: bytes) -> str | None:
    """Why the image bytes cannot be decoded whole (a body cut short with an honest
    Content-Length, a proxy's damaged copy), or None when Pillow decodes every pixel. Such a tile
    is retried like a 5xx and never stored: a stored tile counts as fetched on every rerun, so a
    damaged one would never be asked for again. Cost: one decode of a 256 px tile, ~1-3 ms CPU."""
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
    except Exception as exc:  # noqa: BLE001 - any decoder error means the same: not a whole image
        return f"the image the server sent is cut short or damaged ({exc})"
    return None


# How a whole image of each kind ends (searched in its last TAIL_BYTES: an encoder may pad after it).
# A body cut short has lost its end; checking the end costs no decode (training/bench_fetch_recheck.py).
TAIL_BYTES = 64


TILE_EXTENSIONS = ("png", "jpg", "webp", "gif")  # a folder tile's file is <y>.<one of these> (image_kind's names)


def _ends_whole(data: bytes) -> bool:
    """Whether the image bytes end as a whole file of their kind does: PNG's IEND chunk, JPEG's
    EOI marker (0xFFD9: inside entropy-coded data a 0xFF is always followed by 0x00 or a restart
    marker), GIF's trailer (0x3B), WebP's RIFF size no larger than the bytes held. Unknown kinds: False."""
    kind = image_kind(data)
    tail = data[-TAIL_BYTES:]
    if kind == "png":
        return b"IEND\xaeB`\x82" in tail
    if kind == "jpg":
        return b"\xff\xd9" in tail
    if kind == "gif":
        return b";" in tail[-8:]
    if kind == "webp":
        return len(data) >= 12 and int.from_bytes(data[4:8], "little") + 8 <= len(data)
    return False


def stored_damage(data: bytes, *, decode: bool = False) -> str | None:
    """Why a tile stored by an earlier fetch cannot be used (None: it is whole). Without `decode`
    only tiles whose bytes do not end as a whole image does (_ends_whole) are decoded to confirm;
    with it (fetch-tiles --verify) every stored tile is decoded (Pillow). Tiles stored before
    session 20 were never decoded, so an .mbtiles of then can hold images cut short."""
    if not decode and _ends_whole(data):
        return None
    why = image_damage(data)
    return None if why is None else why.replace("the image the server sent", "the stored image", 1)


def _folder_has(folder: Path, z: int, x: int, y: int) -> bool:
    """Whether an XYZ folder holds tile (z, x, y) as z/x/y.EXT, any of TILE_EXTENSIONS."""
    d = folder / str(z) / str(x)
    return any((d / f"{y}.{ext}").is_file() for ext in TILE_EXTENSIONS)


def stored_count(out: Path, tiles: Sequence[tuple[int, int, int]]) -> int | None:
    """How many of `tiles` ((z, x, y), XYZ rows) an .mbtiles file or XYZ folder `out` holds, read
    without writing to it (for the line said when a fetch is stopped); None for a .gpkg, a set
    that cannot be read or none at all."""
    import sqlite3

    out = Path(out)
    try:
        if out.is_file() and out.suffix.lower() == ".mbtiles":
            db = sqlite3.connect(f"{out.resolve().as_uri()}?mode=ro", uri=True)
            try:
                stored = set()
                for z in {t[0] for t in tiles}:
                    stored.update((z, int(c), 2**z - 1 - int(r)) for c, r in
                                  db.execute("SELECT tile_column, tile_row FROM tiles WHERE zoom_level = ?", (z,)))
            finally:
                db.close()
            return sum(1 for t in tiles if tuple(t) in stored)
        if out.is_dir():
            return sum(1 for z, x, y in tiles if _folder_has(out, z, x, y))
    except (OSError, sqlite3.Error, ValueError):
        return None
    return None


def _append_whole(f, data: bytes, end: int) -> None:
    """Write `data` at the end of the unbuffered file `f`, which was `end` bytes long, whole or not at all:
    a write the disk cut short (ENOSPC after part of it, or a short count) is undone by truncating the file
    back to `end` (which frees space, so it works on a full disk) and the OSError raised. A key cut
    mid-line ("12/345/67" left as "12/345/6") read back as another tile, one that exists, missing for a
    day; read back, it cannot be told from a last line an editor saved without its newline (smallfix37)."""
    view = memoryview(data)
    try:
        while view:
            n = f.write(view)
            if not n:  # raw write returning 0 (None: would block, not on a regular file)
                raise OSError(errno.ENOSPC, "No space left on device", str(getattr(f, "name", "")))
            view = view[n:]
    except OSError:
        try:
            f.truncate(end)
        except OSError:
            pass  # the error said is the write's
        raise


def _read_missing_file(path: Path) -> dict[str, float]:
    """A tile folder's missing.txt (missing_tiles.read_missing_text) in whatever encoding an editor saved it
    (bom_text.decode_sidecar: a byte order mark, UTF-16 without one, UTF-8, Windows-1252). One saved as UTF-16 is
    written back as UTF-8, its text as it was, since this run appends UTF-8 lines to it: read as UTF-8 its keys
    were NUL-interleaved and none matched a tile (every 404 asked again), and the appended lines made the file
    half one encoding, half another (session 37). One that is no text (NUL bytes that are no UTF-16) is
    left as it is and said in a warning naming it: its records count as none."""
    from ..bom_text import decode_sidecar

    try:
        raw = path.read_bytes()
        undated = path.stat().st_mtime
    except OSError as exc:
        log.warning("%s: not read (%s): the tiles it records missing are asked for again", path, exc.strerror or exc)
        return {}
    text, encoding = decode_sidecar(raw, errors="replace")  # a torn last character: the keys before it stand
    if "\x00" in text:  # a NUL is in no text file an editor saves
        log.warning("%s: not read (not a text file): the tiles it records missing are asked for again", path)
        return {}
    if encoding.startswith(("utf-16", "utf-32")):
        from ..outputs import write_bytes

        try:
            write_bytes(path, text.encode("utf-8"))
            os.utime(path, (undated, undated))  # its undated keys keep their age (the file's mtime)
        except OSError as exc:  # read-only: read now, this run's appends are refused by missing() with a message
            log.warning("%s: saved as %s, not rewritten as UTF-8 (%s)", path, encoding, exc)
    return read_missing_text(text, undated)


def _date_undated_keys(path: Path) -> None:
    """Put a stamp line of the file's mtime (missing_tiles.stamp_line) at the top of missing.txt when keys come
    before any stamp line (written by hand, or before stamp lines): read_missing_text dates such keys by the
    file's mtime, which the append that follows moves to now, so a 404 recorded 40 days before was re-dated to
    today and not asked for again for another --recheck-missing period (mutation37, session 37). A byte order
    mark stays first. Leaves the file as it is when it cannot be read or rewritten (the append then says why)."""
    import codecs

    from ..outputs import write_bytes
    from .missing_tiles import STAMP

    try:
        raw = path.read_bytes()
        mtime = path.stat().st_mtime
    except OSError:
        return
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    body = raw[len(bom):]
    for line in body.splitlines():
        line = line.strip()
        if line.startswith(STAMP.encode("ascii")):
            return  # the first key is dated
        if line and not line.startswith(b"#"):
            break  # a key before any stamp line
    else:
        return  # no key at all
    try:
        write_bytes(path, bom + stamp_line(mtime).encode("ascii") + b"\n" + body)
    except OSError:
        pass


class FolderSink:
    """An XYZ folder z/x/y.<ext>; each file written atomically (temp file + rename)."""

    def __init__(self, folder: Path, template: TileTemplate) -> None:
        self.folder = Path(folder)
        self.created = not self.folder.exists()  # by this run: removed again if no tile comes (discard_if_empty)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(self.folder, f"cannot create the tile folder ({exc.strerror or exc})") from None
        self._missing: dict[str, float] = {}  # "z/x/y" -> when recorded (Unix s; missing_tiles.read_missing_text)
        self._stamped = -math.inf  # when this run last wrote a stamp line into missing.txt
        self._recorded: set[str] = set()  # the keys this run wrote
        mf = self.folder / MISSING_FILE
        if mf.is_file():
            self._missing = _read_missing_file(mf)
        # the host only, as in MBTiles: a template's query string may hold an API key
        self.meta = {"source": source_host(template.url), "attribution": template.attribution, "name": template.name}
        self._fallback_attribution = recorded_attribution(template)[0]  # when none is given or stored
        self._zooms: set[int] = set()

    def has(self, z: int, x: int, y: int) -> bool:
        return _folder_has(self.folder, z, x, y)

    def stored(self, z: int, x: int, y: int) -> bytes | None:
        """The bytes of the file stored for tile (z, x, y), None when there is none."""
        d = self.folder / str(z) / str(x)
        for ext in TILE_EXTENSIONS:
            try:
                return (d / f"{y}.{ext}").read_bytes()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                continue
        return None

    def known_missing(self, z: int, x: int, y: int) -> bool:
        return f"{z}/{x}/{y}" in self._missing

    def put(self, z: int, x: int, y: int, data: bytes, kind: str) -> None:
        """Store one tile atomically (a temporary file removed again when the write fails: a full disk
        left `.y.png.part` files behind), and the z/x/ folders it made too (an empty 18/2/ stayed).
        Raises outputs.OutputError naming the tile's file."""
        from ..outputs import write_bytes

        path = self.folder / str(z) / str(x) / f"{y}.{kind}"
        made = [d for d in (path.parent.parent, path.parent) if not d.is_dir()]  # the folders this tile makes
        try:
            write_bytes(path, data)
        except BaseException:  # a tile not stored leaves no empty z/ or z/x/ folder of its own (faults37)
            for d in reversed(made):
                try:
                    d.rmdir()  # only when empty: another tile may have been stored there meanwhile
                except OSError:
                    break
            raise
        self._zooms.add(z)
        for ext in set(TILE_EXTENSIONS) - {kind}:  # a damaged tile of another kind it replaces
            (path.parent / f"{y}.{ext}").unlink(missing_ok=True)

    def missing_age(self, z: int, x: int, y: int) -> float | None:
        """Seconds since tile (z, x, y) was recorded missing (404), None when it is not."""
        when = self._missing.get(f"{z}/{x}/{y}")
        # now from this module's clock, the one missing() stamps with (tests set it: test_prop_missing_states)
        return None if when is None else record_age(when, time.time())  # (a time in the future: asked again)

    def missing(self, z: int, x: int, y: int) -> None:
        """Append tile (z, x, y) to missing.txt (once a run), after a stamp line dating it (one a minute at
        most); a tile recorded by an earlier run is appended again with the new time (the latest counts)."""
        key, now = f"{z}/{x}/{y}", time.time()
        if key in self._recorded:  # by this run already
            return
        if not self._recorded and self._missing:  # this run's first append: date the keys no stamp line dates
            _date_undated_keys(self.folder / MISSING_FILE)
        self._recorded.add(key)
        stamp = now - self._stamped >= 60.0
        lines = ([stamp_line(now)] if stamp else []) + [key]
        try:
            # unbuffered: a short write is seen here, not at close (appends go to the end whatever is read)
            with open(self.folder / MISSING_FILE, "a+b", buffering=0) as f:
                # a file whose last line lacks its newline (an editor that drops it) would glue this run's
                # stamp to it: the stamp lost, this run's keys dated by an older one (asked again at once)
                # and that last key lost (propfuzz36)
                end = f.seek(0, os.SEEK_END)
                if end:
                    f.seek(end - 1)
                    if f.read(1) != b"\n":
                        lines.insert(0, "")
                _append_whole(f, ("\n".join(lines) + "\n").encode("utf-8"), end)
        except OSError as exc:
            from ..outputs import OutputError, describe_os_error

            self._recorded.discard(key)  # not written: a later call in this run writes it
            raise OutputError(self.folder / MISSING_FILE, f"could not write: {describe_os_error(exc)}") from None
        if stamp:  # only once written: a failed write leaves the next key to write its own stamp
            self._stamped = now
        self._missing[key] = self._stamped

    def commit(self) -> None:
        pass

    def close(self) -> None:
        meta_path = self.folder / METADATA_FILE
        meta = {}
        if meta_path.is_file():
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                meta = {}
        meta.update({k: v for k, v in self.meta.items() if v})
        if not meta.get("attribution"):  # a credit line given by an earlier run is kept
            meta["attribution"] = self._fallback_attribution
        # put() stores XYZ rows (counted from the north): said as TileJSON's "scheme", so reading the folder
        # back (sources/xyz.py) knows its row order instead of warning that nothing states it (newuser35).
        # A scheme an earlier file stated is left as it was.
        meta.setdefault("scheme", "xyz")
        from ..outputs import write_text

        write_text(meta_path, json.dumps(meta, indent=1))

    def discard_if_empty(self) -> bool:
        """After close(): remove the folder when this run created it and no tile came (a refused or
        unreachable service), so no empty tile set is left to index. Only our own files go; a
        folder holding anything else stays. True when removed."""
        if not self.created or not self.folder.is_dir() or self._zooms:  # a new folder holds tiles only from put()
            return False
        for name in (METADATA_FILE, MISSING_FILE):
            (self.folder / name).unlink(missing_ok=True)
        try:
            self.folder.rmdir()
        except OSError:  # something else was put there meanwhile: keep it
            return False
        return True


class MBTilesSink:
    def __init__(self, path: Path, template: TileTemplate) -> None:
        from .mbtiles import MBTilesWriter

        self.created = not Path(path).exists()  # by this run: removed again if no tile comes (discard_if_empty)
        from ..names import readable

        # a name that is not UTF-8 (b"Karte M\xe4rz.mbtiles") as names.readable writes it: SQLite text holds no surrogate
        self.writer = MBTilesWriter(path, name=template.name or readable(Path(path).stem), attribution=template.attribution)
        # MBTiles 1.3 has no "source" key; extra metadata rows are allowed. The host only: a
        # template's query string may hold an API key, and .mbtiles files get shared.
        self.writer.set_metadata(source=source_host(template.url))
        if not self.writer.get_metadata("attribution"):  # a credit line given by an earlier run is kept
            self.writer.set_metadata(attribution=recorded_attribution(template)[0])
        self._format_set = False
        from .package_commit import Uncommitted

        self._pending = Uncommitted()  # put since the last commit: keep_stored() after a failed write

    def has(self, z, x, y) -> bool:
        return self.writer.has(z, x, y)

    def stored(self, z, x, y) -> bytes | None:
        return self.writer.stored(z, x, y)

    def known_missing(self, z, x, y) -> bool:
        return self.writer.known_missing(z, x, y)

    def missing_age(self, z, x, y) -> float | None:
        return self.writer.missing_age(z, x, y)

    def put(self, z, x, y, data: bytes, kind: str) -> None:
        if not self._format_set:  # MBTiles declares one format for the set: the service's
            self.writer.set_metadata(format=kind)
            self._format_set = True
        self.writer.put(z, x, y, data)
        self._pending.add(z, x, y, data, kind)

    def missing(self, z, x, y) -> None:
        when = time.time()
        self.writer.missing(z, x, y, when)
        self._pending.add_missing(z, x, y, when)  # (XYZ here: replayed through writer.missing)

    def commit(self) -> None:
        self.writer.commit()
        self._pending.clear()

    def keep_stored(self) -> int:
        """After a failed write: commit the tiles put since the last commit, as many as the disk takes
        (package_commit.keep_stored); returns how many."""
        from .package_commit import keep_stored

        def again(z, x, y, data, kind):  # the format row too: a rolled-back first batch lost it
            self.writer.set_metadata(format=kind)
            self.writer.put(z, x, y, data)

        return keep_stored(self.writer.db, self._pending, again, self.writer.missing)

    def close(self) -> None:
        self.writer.close()

    def discard_if_empty(self) -> bool:
        """After close(): delete the file when this run created it and it holds no tile (a refused
        or unreachable service), so no empty MBTiles is left to index. True when deleted."""
        if not self.created or self._format_set:  # a new file holds tiles only from put()
            return False
        for p in (self.writer.path, self.writer.path.with_name(self.writer.path.name + "-journal")):
            p.unlink(missing_ok=True)
        return True


def open_sink(out: Path, template: TileTemplate, grid=None, level: int | None = None):
    """MBTiles when `out` ends in .mbtiles, else an XYZ folder; with `grid` (a WMTS national grid set,
    wmts_grid.GridSet) a GeoPackage in the grid's CRS (wmts_grid.GpkgSink) holding its matrix `level`,
    which needs a .gpkg name. Raises InputError for a file where a folder is needed (or a GeoPackage
    that cannot take that level), FetchError for a grid without .gpkg."""
    out = Path(out)
    if grid is not None or out.suffix.lower() == ".gpkg":
        if grid is None or out.suffix.lower() != ".gpkg":
            raise FetchError(f"{out}: a GeoPackage (.gpkg) holds the tiles of a WMTS national grid set only, and "
                             "such a set's tiles need one: XYZ tiles go into a folder or a .mbtiles file")
        from .wmts_grid import GpkgSink

        return GpkgSink(out, template, grid, level)
    if out.suffix.lower() == ".mbtiles":
        return MBTilesSink(out, template)
    if out.exists() and not out.is_dir():
        raise InputError(out, "exists and is not a folder: give a folder or a .mbtiles file")
    return FolderSink(out, template)


# ---------------------------------------------------------------- fetching


@dataclass
class FetchReport:
    out: Path
    requested: int = 0  # tiles in the area
    fetched: int = 0
    already: int = 0  # stored by an earlier run (resume)
    damaged: dict[str, str] = field(default_factory=dict)  # "z/x/y" -> why: stored earlier, damaged, asked for again
    missing: int = 0  # 404 / 410 now or in an earlier run
    asked_again: int = 0  # of the tiles recorded missing by an earlier run, those asked for again (MISSING_RETRY_S)
    failed: dict[str, str] = field(default_factory=dict)  # "z/x/y" -> why
    bytes: int = 0
    cancelled: bool = False
    seconds: float = 0.0
    discarded: bool = False  # `out` was new and got no tile, so it was removed again (nothing to index)


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _Silence:
    """Requests in a row that got no answer at all (httpx.TransportError: a timeout, a reset or a refused
    connection) after the service had answered once, and since when (time.monotonic); any HTTP response
    starts the count again. Shared by the fetch threads (a lock guards it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0
        self.since: float | None = None
        self.why = ""

    def heard(self) -> None:
        with self._lock:
            self.count, self.since = 0, None

    def failed(self, why: str) -> None:
        with self._lock:
            self.count += 1
            self.since = time.monotonic() if self.since is None else self.since
            self.why = why

    def seconds(self) -> float:
        with self._lock:
            return 0.0 if self.since is None else time.monotonic() - self.since

    def gone(self) -> bool:
        """STOP_AFTER_LOST requests in a row got no answer, the first SILENT_S or more ago."""
        with self._lock:
            return self.count >= STOP_AFTER_LOST and self.since is not None and \
                time.monotonic() - self.since >= SILENT_S


class _Hold:
    """The service's Retry-After, kept by every request of the fetch, not only the tile it answered:
    RFC 9110 section 10.2.3 says how long the client ought to wait before its next request. Each request
    waited out its own, and the others went on asking: a server allowing 3 requests a second
    answered 270 of 480 requests with 429 (session 30). `until`: time.monotonic() to wait for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.until = 0.0

    def hold(self, seconds: float) -> None:
        with self._lock:
            self.until = max(self.until, time.monotonic() + seconds)

    def wait(self, stop: threading.Event) -> bool:
        """Wait out the hold (at once when none); True when `stop` was set meanwhile."""
        while True:
            with self._lock:
                left = self.until - time.monotonic()
            if left <= 0:
                return stop.is_set()
            if stop.wait(left):
                return True


@dataclass
class _Result:
    z: int
    x: int
    y: int
    status: str  # "damaged" (stored earlier but cut short: fetched again), "ok", "missing", "refused" (401/403), "unreachable" (no connection, none answered yet), "lost" (no connection after one answered), "silent" (_Silence.gone: nothing answers any more), "page" (status 200 but not an image: an error or login page), "failed"
    data: bytes = b""
    kind: str = ""
    why: str = ""


def _get(client, url: str, tile: tuple[int, int, int], *, retries: int, backoff_s: float, max_wait_s: float,
         stop: threading.Event, answered: threading.Event | None = None,
         silence: _Silence | None = None, hold: _Hold | None = None) -> _Result:
    """One tile with retries: 429/5xx, an image cut short (image_damage) and transport errors wait (Retry-After when given, else
    backoff_s * 2^attempt with +-25 % jitter, at most max_wait_s) and try again.

    `answered` is set on any HTTP response. Until then a failed connection (httpx.ConnectError:
    DNS failure, refused port; ConnectTimeout) is "unreachable" at once, not retried here (the
    transport retried it): with no network each retry costs up to a DNS timeout. Once the service
    has answered, such errors are retried like timeouts of a slow server, and each request that got no
    answer is told to `silence`: when it says the link is gone (_Silence.gone) the tile ends "silent"
    at once instead of retrying. A Retry-After is given to `hold`, which every request waits out before
    it is sent."""
    import httpx

    z, x, y = tile
    why = ""
    connect_failed = False
    for attempt in range(retries + 1):
        if stop.is_set() or (hold is not None and hold.wait(stop)):
            return _Result(z, x, y, "failed", why="cancelled")
        wait_s = None
        try:
            r = client.get(url)
        except httpx.HTTPError as exc:  # timeouts, refused connections after the transport's own retries
            why = f"{type(exc).__name__}: {exc}"
            connect_failed = isinstance(exc, httpx.ConnectError)
            if answered is not None and not answered.is_set() and isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
                return _Result(z, x, y, "unreachable", why=why)
            if silence is not None and answered is not None and answered.is_set() and isinstance(exc, httpx.TransportError):
                silence.failed(why)
                if silence.gone():
                    return _Result(z, x, y, "silent", why=why)
        else:
            connect_failed = False
            if answered is not None:
                answered.set()
            if silence is not None:
                silence.heard()
            if r.status_code == 200:
                data = r.content
                if not data:  # nothing sent: the server has no tile there, as 204 says (faults37: it was
                    # "the server sent image/png, not an image" and, ten in a row, the advice to sign in to a Wi-Fi)
                    return _Result(z, x, y, "missing", why="HTTP 200 with an empty body")
                kind = image_kind(data)
                if kind is None:
                    ctype = r.headers.get("content-type", "?")
                    return _Result(z, x, y, "page", why=f"the server sent {ctype}, not an image")
                why = image_damage(data)
                if why is None:
                    return _Result(z, x, y, "ok", data, kind)
                # else retried below: a cut-short body is usually a passing fault
            elif r.status_code in MISSING_STATUS or r.status_code == 204:
                return _Result(z, x, y, "missing", why=f"HTTP {r.status_code}")
            else:
                why = f"HTTP {r.status_code}"
                if r.status_code not in RETRY_STATUS:
                    return _Result(z, x, y, "refused" if r.status_code in REFUSED_STATUS else "failed", why=why)
                wait_s = _retry_after(r.headers.get("retry-after"))
                if wait_s is not None and hold is not None and attempt < retries:
                    hold.hold(min(wait_s, max_wait_s))
        if attempt == retries:
            break
        if wait_s is None:
            wait_s = backoff_s * 2**attempt * random.uniform(0.75, 1.25)
        if stop.wait(min(wait_s, max_wait_s)):  # cancel interrupts the wait
            return _Result(z, x, y, "failed", why="cancelled")
    # "lost": the last attempt could not even connect to a service that had answered (it went away)
    if why == "HTTP 429":  # said in words: the service limits how fast it is asked (faults37)
        why = "HTTP 429 Too Many Requests: the service limits how fast tiles may be asked for"
    return _Result(z, x, y, "lost" if connect_failed else "failed", why=f"{why} after {retries + 1} attempts")


def _eta(elapsed_s: float, asked: int, left: int, in_flight: int = 1) -> float | None:
    """Seconds left for `left` tiles at the mean pace of the `asked` tiles answered in `elapsed_s`
    (tiles already stored take no time and are not counted); None until `in_flight` tiles (the
    concurrency) were answered, 0.0 when none is left. The first answers of requests sent together
    come after one round trip each: their pace was the concurrency times too slow (an ETA of 56 s
    for 11 s at 200 kB/s with 4 in flight and 0.6 s latency, session 30)."""
    if left <= 0:
        return 0.0
    if asked <= 0 or asked < min(max(1, in_flight), asked + left):
        return None
    return elapsed_s / asked * left


def _missing_age(sink, z: int, x: int, y: int) -> float | None:
    """Seconds since the sink recorded tile (z, x, y) missing, None when it did not; a sink without
    missing_age (times) gives 0.0 for its known_missing tiles (never old enough to ask again)."""
    ages = getattr(sink, "missing_age", None)
    if ages is None:
        return 0.0 if sink.known_missing(z, x, y) else None
    return ages(z, x, y)


def _fetch_counts(report: FetchReport) -> str:
    return (f"{report.fetched} fetched, {report.already} already here, {report.missing} missing, "
            f"{len(report.failed)} failed")


def _waiting_event(done: int, total: int, report: FetchReport, waited_s: float, elapsed_s: float, asked: int,
                   concurrency: int) -> ProgressEvent:
    """The "fetch" event sent while no result has come for `waited_s` seconds (iter_fetch's WAITING).
    Its ETA is _eta's with the wait counted in `elapsed_s`, and at least `waited_s` (tiles held back that
    long are taken to need about as long again: the pace of the tiles before said "0 s left" for a 20 s
    tile), so it grows while the server keeps the tiles; after WAIT_SAY_S it is None and the message and metrics["waiting_s"] (whole seconds) say
    "waiting for the server (N s)" instead: a figure from the pace before would not be true."""
    if waited_s < WAIT_SAY_S:
        eta = _eta(elapsed_s, asked, total - done, concurrency)
        return ProgressEvent("fetch", done, total, _fetch_counts(report),
                             eta_s=None if eta is None else max(eta, waited_s),
                             metrics={"MB": round(report.bytes / 1e6, 2)})
    seconds = int(waited_s)
    return ProgressEvent("fetch", done, total, f"waiting for the server ({seconds} s); {_fetch_counts(report)}",
                         eta_s=None, metrics={"MB": round(report.bytes / 1e6, 2), "waiting_s": seconds})


def iter_fetch(template: TileTemplate, tiles: Sequence[tuple[int, int, int]], sink, *, client,
               concurrency: int = DEFAULT_CONCURRENCY, retries: int = 5, backoff_s: float = 0.5,
               max_wait_s: float = 60.0, stop: threading.Event | None = None,
               cancel: CancelToken | None = None, answered: threading.Event | None = None,
               verify: bool = False, silence: _Silence | None = None, hold: _Hold | None = None,
               retry_missing_after_s: float = MISSING_RETRY_S) -> Iterator[_Result | str]:
    """Yield "already"/"known-missing" for tiles the sink has or recorded missing (404) less than
    `retry_missing_after_s` seconds ago (ASK_AGAIN for one recorded longer ago: asked for again; 0: every
    one), a _Result "damaged" for a stored tile
    that is not whole, stored_damage(decode=verify): it is asked for again), then one _Result per
    requested tile as it completes. At most `concurrency` requests are in flight. Setting `stop` ends it early:
    no request starts after it, and the results of those in flight are awaited at most DRAIN_S seconds
    (a request blocked on a stalled link is left behind, so a cancel lands within about DRAIN_S);
    results are yielded in the caller's thread, so the sink is only written from there. While requests
    are in flight and none ends, WAITING is yielded every WAIT_EVENT_S (no result: the caller's clock). `cancel`
    sets `stop` (checked while waiting too, so a cancel lands even when every request is backing off).
    `answered`, `silence`, `hold`: see _get (a hold of its own when none is given). Raises FetchError for `retries` below 0 (at the first next())."""
    if retries < 0:  # _get would make no attempt at all: every tile "failed after 0 attempts"
        raise FetchError(f"retries must be 0 or more, got {retries}")
    stop = stop or threading.Event()
    hold = hold or _Hold()
    todo = []
    for z, x, y in tiles:
        data = sink.stored(z, x, y)
        why = None if data is None else stored_damage(data, decode=verify)
        if why is not None:
            yield _Result(z, x, y, "damaged", why=why)
            todo.append((z, x, y))
        elif data is not None:
            yield "already"
        elif (age := _missing_age(sink, z, x, y)) is None:
            todo.append((z, x, y))
        elif age >= retry_missing_after_s:
            yield ASK_AGAIN
            todo.append((z, x, y))
        else:
            yield "known-missing"
    if not todo:
        return
    concurrency = max(1, int(concurrency))
    # Each request runs in a daemon thread of its own, not a ThreadPoolExecutor: an executor's exit (and
    # the interpreter's) joins its threads, so a cancel, Ctrl-C or SIGTERM waited for every request
    # blocked on a stalled link to reach its read timeout (26 s measured, session 30). A request left
    # behind after a stop touches nothing but its own result, which nobody reads.
    results: queue.SimpleQueue = queue.SimpleQueue()

    def work(t: tuple[int, int, int]) -> None:
        try:
            results.put(_get(client, template.url_for(*t), t, retries=retries, backoff_s=backoff_s,
                             max_wait_s=max_wait_s, stop=stop, answered=answered, silence=silence,
                             hold=hold))
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            results.put(exc)

    in_flight = 0
    beat = _wait_clock()  # the last result or WAITING yielded
    stopped_at = None  # when `stop` was first seen: in-flight results are awaited DRAIN_S longer, no more
    it = iter(todo)
    try:
        while True:
            while in_flight < concurrency and not stop.is_set():
                t = next(it, None)
                if t is None:
                    break
                threading.Thread(target=work, args=(t,), name="geolocator-fetch", daemon=True).start()
                in_flight += 1
            if not in_flight:
                return
            if stop.is_set():
                stopped_at = stopped_at or time.monotonic()
                if time.monotonic() - stopped_at >= DRAIN_S:
                    return  # the requests still in flight are left to end on their own
            try:
                item = results.get(timeout=0.1 if stopped_at else 0.2)
            except queue.Empty:
                item = None
            if cancel is not None and cancel.cancelled:
                stop.set()  # in-flight requests end at their next check; no new ones start
            if item is None:
                if not stop.is_set() and _wait_clock() - beat >= WAIT_EVENT_S:
                    beat = _wait_clock()
                    yield WAITING  # the caller's progress can say how long the server has kept us waiting
                continue
            beat = _wait_clock()
            in_flight -= 1
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()  # a consumer that stops iterating cancels the requests still waiting


def make_client(user_agent_text: str | None = None, timeout_s: float = 30.0, concurrency: int = DEFAULT_CONCURRENCY,
                transport=None):
    """An httpx.Client with our User-Agent, `timeout_s` between reads and writes (connecting: at most
    CONNECT_TIMEOUT_S), a bounded connection pool, transport-level retries of failed connections, and the environment's proxies (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY;
    on Windows and macOS also the system's settings) (`transport` replaces all that, e.g. in tests)."""
    import httpx

    limits = httpx.Limits(max_connections=max(1, concurrency), max_keepalive_connections=max(1, concurrency))
    mounts = None
    if transport is None:
        from .proxies import environment_proxies, proxy_mounts

        # httpx reads the environment's proxies only when it builds the transport itself; ours (for
        # the retries) made it ignore them, so fetching failed behind a proxy (fixed in session 9).
        # Each proxy gets the same retrying transport; NO_PROXY hosts go through the direct one.
        through = {scheme: httpx.HTTPTransport(retries=2, limits=limits, proxy=url)
                   for scheme, url in environment_proxies().items()}
        transport = httpx.HTTPTransport(retries=2, limits=limits)
        mounts = proxy_mounts(through, transport)
    return httpx.Client(
        headers={"User-Agent": user_agent_text or user_agent()},
        timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, CONNECT_TIMEOUT_S)),
        limits=limits,
        follow_redirects=True,
        transport=transport,
        mounts=mounts,
    )


def fetch_tiles(
    template: TileTemplate,
    tiles: Sequence[tuple[int, int, int]],
    out: Path,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    retries: int = 5,
    backoff_s: float = 0.5,
    max_wait_s: float = 60.0,
    timeout_s: float = 30.0,
    max_tiles: int = DEFAULT_MAX_TILES,
    client=None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    verify: bool = False,
    grid=None,
    retry_missing_after_s: float = MISSING_RETRY_S,
) -> FetchReport:
    """Download `tiles` [(z, x, y)] from `template` into `out` (a folder, or MBTiles when it ends in
    .mbtiles) and report what happened. Tiles `out` already holds are not fetched again, unless they
    are damaged (stored_damage: the end of each is checked, every one decoded with `verify`): those
    are in report.damaged and fetched again (replaced when the new one is whole).

    Raises TooManyTiles above `max_tiles` before any request, Cancelled when `cancel` is set, and
    FetchError when the service refuses (401/403) the first STOP_AFTER_REFUSALS tiles in a row (or
    answers them with a page that is not an image, status 200: a network's login page, an error page),
    when the first STOP_AFTER_UNREACHABLE tiles cannot connect (no network, DNS failure, a closed
    port) before the service answered once, or when STOP_AFTER_LOST tiles in a row cannot connect
    after it had answered (it went away mid-download), or when requests get no answer at all (timeouts,
    resets) for SILENT_S after it had answered (a link gone silent; both ServiceLost); everything fetched until then is kept (committed). A
    tile set this call created that got no tile is removed again (report.discarded). `grid`: the
    WMTS national grid set the tiles are (level, col, row) of (FetchPlan.grid); `out` is then a .gpkg.

    On a thin link (session 30): a cancel returns within about DRAIN_S (1 s) even while requests hang;
    a package is committed every COMMIT_EVERY_TILES tiles or COMMIT_EVERY_S seconds; a Retry-After holds
    every request (_Hold); progress events carry eta_s from the pace of the tiles asked for (_eta), None
    until the first `concurrency` of them were answered. `timeout_s` is httpx's, between reads (and for
    connecting), not for a whole tile: a slow tile whose bytes keep coming is never cut off.

    While no result comes for WAIT_SAY_S, the events say "waiting for the server (N s)" with no eta_s
    (metrics["waiting_s"]); before that their eta_s counts the wait (_waiting_event). A tile recorded
    missing (404) `retry_missing_after_s` or more ago (default MISSING_RETRY_S, a day; 0: every one) is
    asked for again, counted in report.asked_again."""
    started = time.perf_counter()
    tiles = list(tiles)
    if len(tiles) > max_tiles:
        raise TooManyTiles(len(tiles), tiles[0][0], max_tiles)
    report = FetchReport(Path(out), requested=len(tiles))
    own_client = client is None
    client = client or make_client(timeout_s=timeout_s, concurrency=concurrency)
    sink = (open_sink(out, template) if grid is None
            else open_sink(out, template, grid, tiles[0][0] if tiles else None))
    stop = threading.Event()
    done = 0
    # the ETA's pace: tiles asked for since the requests began. The stored tiles and known 404s are
    # counted first, in a blink; counted in the pace, a resume of 150 stored + 58 to fetch at 200 kB/s
    # said 0.4 s left with 6.5 s to go (session 30). requests_since: when the last of them was counted
    asked = 0
    requests_since = started
    heard_at = _wait_clock()  # the last result of any kind (WAIT_SAY_S)
    since_commit = 0
    committed_at = time.monotonic()
    refusals = 0
    refused_why = ""
    pages = 0  # of those refusals, the tiles answered with a page (status 200, not an image)
    answered = threading.Event()  # any HTTP response in this run: the service is reachable
    unreachable = 0
    unreachable_why = ""
    lost = 0  # STOP_AFTER_LOST: tiles in a row that could not connect after the service had answered
    lost_why = ""
    silence = _Silence()  # requests in a row with no answer at all (SILENT_S)
    silent = False
    errors = 0  # STOP_AFTER_ERRORS: tiles answered only with HTTP errors before any tile came
    errors_why = ""
    store_fault: BaseException | None = None  # the sink's failed write: the fetch stops (TilesNotStored)
    try:
        from ..wording import count

        emit(progress, ProgressEvent("fetch", 0, len(tiles), count(len(tiles), "tile")))
        for item in iter_fetch(template, tiles, sink, client=client, concurrency=concurrency, retries=retries,
                               backoff_s=backoff_s, max_wait_s=max_wait_s, stop=stop, cancel=cancel,
                               answered=answered, verify=verify, silence=silence,
                               retry_missing_after_s=retry_missing_after_s):
            if cancel is not None and cancel.cancelled:
                stop.set()
            if item == WAITING:
                emit(progress, _waiting_event(done, len(tiles), report, _wait_clock() - heard_at,
                                              time.perf_counter() - requests_since, asked, concurrency))
                continue
            heard_at = _wait_clock()
            if item == ASK_AGAIN:
                report.asked_again += 1
                requests_since = time.perf_counter()
                continue  # its fetch follows as a tile of its own
            if isinstance(item, _Result) and item.status == "damaged":
                report.damaged[f"{item.z}/{item.x}/{item.y}"] = item.why
                requests_since = time.perf_counter()
                continue  # its fetch follows as a tile of its own
            if item in ("already", "known-missing"):
                requests_since = time.perf_counter()
            else:
                asked += 1
            if item == "already":
                report.already += 1
            elif item == "known-missing":
                report.missing += 1
            elif item.status == "ok":
                lost = 0
                try:
                    sink.put(item.z, item.x, item.y, item.data, item.kind)
                except (OSError, sqlite3.Error) as exc:
                    store_fault = exc
                    break  # iter_fetch's exit stops the requests in flight
                report.fetched += 1
                report.bytes += len(item.data)
                since_commit += 1
            elif item.status == "missing":
                try:
                    sink.missing(item.z, item.x, item.y)
                except (OSError, sqlite3.Error) as exc:
                    store_fault = exc
                    break
                report.missing += 1
            elif item.why != "cancelled":
                report.failed[f"{item.z}/{item.x}/{item.y}"] = item.why
                if item.status in ("refused", "page") and report.fetched == 0:
                    refusals += 1
                    refused_why = item.why
                    pages += item.status == "page"
                    if refusals >= STOP_AFTER_REFUSALS:
                        stop.set()  # the requests still in flight end; no new ones start
                elif item.status == "unreachable":
                    unreachable += 1
                    unreachable_why = item.why
                    if unreachable >= STOP_AFTER_UNREACHABLE:
                        stop.set()
                elif item.status == "silent":
                    silent = True
                    stop.set()
                elif item.status == "lost":
                    lost += 1
                    lost_why = item.why
                    if lost >= STOP_AFTER_LOST:
                        stop.set()
                elif item.status == "failed" and item.why.startswith("HTTP ") and report.fetched == 0:
                    errors += 1
                    errors_why = item.why
                    if errors >= STOP_AFTER_ERRORS:
                        stop.set()
            done += 1
            if since_commit >= COMMIT_EVERY_TILES or \
                    (since_commit and time.monotonic() - committed_at >= COMMIT_EVERY_S):
                try:
                    sink.commit()
                except (OSError, sqlite3.Error) as exc:
                    store_fault = exc
                    break
                since_commit = 0
                committed_at = time.monotonic()
            emit(progress, ProgressEvent(
                "fetch", done, len(tiles), _fetch_counts(report),
                eta_s=_eta(time.perf_counter() - requests_since, asked, len(tiles) - done, concurrency),
                metrics={"MB": round(report.bytes / 1e6, 2)},
            ))
        if cancel is not None and cancel.cancelled:
            report.cancelled = True
    finally:
        stop.set()
        if hasattr(sink, "keep_stored"):  # a package (MBTiles, GeoPackage): its last batch committed first
            if store_fault is None:
                try:  # close() would commit it too, but after its own metadata writes, and on failure lose it
                    sink.commit()
                except (OSError, sqlite3.Error) as exc:
                    store_fault = exc
            if store_fault is not None:
                # SQLite may have rolled back the tiles since the last commit (leftovers36): put back as many
                # as the disk takes before close(), whose own metadata write may fail on the same full disk
                sink.keep_stored()
        try:
            sink.close()  # commits: a cancelled or failed fetch keeps its tiles
        except (OSError, sqlite3.Error) as exc:  # its own failure; a first one (store_fault) is the one said
            store_fault = store_fault or exc
        try:
            report.discarded = sink.discard_if_empty()  # an empty new tile set only confuses `index`
        except OSError:
            pass
        if own_client:
            client.close()
        report.seconds = time.perf_counter() - started
    if store_fault is not None:
        where, problem = _store_fault(store_fault, Path(out))
        raise TilesNotStored(where, problem, Path(out), None if report.discarded else stored_count(Path(out), tiles),
                             len(tiles))
    not_created = f" ({out} was not created)" if report.discarded else ""
    if unreachable >= STOP_AFTER_UNREACHABLE and not answered.is_set():
        host = source_host(template.url)
        service = f"{template.name} ({host})" if template.name and template.name != host else host
        raise FetchError(f"{service}: cannot connect for the first {unreachable} tiles ({unreachable_why}); stopped. "
                         f"Check the network connection (fetching tiles needs the internet) and the URL{not_created}")
    if lost >= STOP_AFTER_LOST and not report.cancelled:
        host = source_host(template.url)
        service = f"{template.name} ({host})" if template.name and template.name != host else host
        left = len(tiles) - report.already - report.fetched - report.missing
        raise ServiceLost(service, lost, lost_why, report.fetched, left, out)
    if silent and not report.cancelled:
        host = source_host(template.url)
        service = f"{template.name} ({host})" if template.name and template.name != host else host
        left = len(tiles) - report.already - report.fetched - report.missing
        raise ServiceLost(service, silence.count, silence.why, report.fetched, left, out, silent_s=silence.seconds())
    if refusals >= STOP_AFTER_REFUSALS and pages == refusals:
        host = source_host(template.url)
        service = f"{template.name} ({host})" if template.name and template.name != host else host
        raise FetchError(f"{service}: the first {refusals} tiles were answered with a page, not an image ({refused_why}); "
                         "stopped. A network that wants you to sign in first (hotel, ship, satellite or mobile Wi-Fi) "
                         "answers every address with its login page: open any web page in a browser, sign in, then "
                         f"try again. Otherwise check the URL (the service may be sending an error page){not_created}")
    # an area of fewer than STOP_AFTER_ERRORS tiles, every one answered only with 429, gets the same advice (trial37:
    # 4 such tiles ended "no tile could be fetched", not saying to wait and use --concurrency 1)
    only_429 = 0 < errors == len(report.failed) and errors_why.startswith("HTTP 429")
    if (errors >= STOP_AFTER_ERRORS or only_429) and report.fetched == 0 and not report.cancelled:
        host = source_host(template.url)
        service = f"{template.name} ({host})" if template.name and template.name != host else host
        if errors_why.startswith("HTTP 429"):  # the URL is right: the service asks us to slow down
            raise FetchError(f"{service}: the server answered the first {errors} tiles only with {errors_why}; "
                             "stopped. Wait a while (an hour, or as its terms say), then run again with "
                             f"--concurrency 1{not_created}")
        raise FetchError(f"{service}: the server answered the first {errors} tiles only with errors ({errors_why}); "
                         f"stopped. It may be down or overloaded (try again later), or the URL may be wrong: "
                         f"{template.url}{not_created}")
    if refusals >= STOP_AFTER_REFUSALS:
        raise FetchError(f"{template.url}: the server refused the first {refusals} tiles ({refused_why}); stopped. "
                         f"Check the URL, any API key it needs, and that its terms allow downloading{not_created}")
    if report.cancelled:
        if report.discarded:
            raise Cancelled(f"cancelled before any tile came: {out} was not created")
        raise Cancelled(f"cancelled: {report.fetched} tiles fetched this time are kept in {out}; "
                        "run again to fetch the rest")
    return report
