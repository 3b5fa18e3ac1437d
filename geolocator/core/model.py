"""The one data model used everywhere: tiles, queries, matches, predictions.

Coordinates are WGS84 degrees. Bounds are (west, south, east, north) like GeoJSON bboxes.
Records are frozen dataclasses so they can be shared between threads and used as dict keys.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .names import has_surrogates, readable, text_bytes


# The headings a north-up tile is indexed at: a drone's heading is unknown.
ROTATION_VIEWS: tuple[str, ...] = tuple(f"rot{angle}" for angle in range(0, 360, 45))


def photo_views(n: int) -> tuple[str, ...]:
    """`n` view names rotK at headings K = i * 360 / n degrees (i = 0 .. n-1; view 0 the photo as
    taken), the names extract.view_angle reads (integer degrees). ValueError unless n >= 1 divides 360."""
    if not isinstance(n, int) or n < 1 or 360 % n:
        raise ValueError(f"{n} views are not at whole degrees 360/n apart (n must divide 360)")
    return tuple(f"rot{i * 360 // n}" for i in range(n))


# Local-feature matchers of verification (core/matchers, one module each). Here, not in the matchers
# package, so the CLI's parser and the app's menus can list them without importing numpy.
MATCHER_NAMES: tuple[str, ...] = ("sift", "aliked", "disk", "xfeat", "xfeat-mnn")
# What the CLI's --matcher and the app's Matcher combo offer: "auto" (core/route.py: chosen per tile
# set from its pixels, sift on sharp tiles, xfeat through mosaics on coarse ones) or a backend.
MATCHER_CHOICES: tuple[str, ...] = ("auto", *MATCHER_NAMES)


@dataclass(frozen=True)
class LatLon:
    lat: float
    lon: float


def _wrap_lon(lon: float) -> float:
    """A longitude folded into [-180, 180] (180 stays 180, 190 becomes -170)."""
    return lon if -180.0 <= lon <= 180.0 else (lon + 180.0) % 360.0 - 180.0


@dataclass(frozen=True)
class Bounds:
    """A lon/lat box. `west > east` means the box crosses the antimeridian (RFC 7946 §3.1.9): it
    runs east from `west` through ±180° to `east`. Every method below honours that; for ordinary
    boxes (west <= east) they behave exactly as plain min/max arithmetic."""

    west: float
    south: float
    east: float
    north: float

    @property
    def crosses_antimeridian(self) -> bool:
        return self.west > self.east

    @property
    def width_deg(self) -> float:
        """East-west extent in degrees of longitude (positive, also across ±180°)."""
        return self.east - self.west + (360.0 if self.crosses_antimeridian else 0.0)

    @property
    def east_unwrapped(self) -> float:
        """`east` continued past 180° when the box crosses the antimeridian (e.g. 180.5), so that
        west < east_unwrapped always: what web maps (Leaflet) and linear pixel maths want."""
        return self.west + self.width_deg

    def contains(self, point: LatLon) -> bool:
        """Whether the point lies in the box, edges included; longitudes -180 and 180 are one
        meridian (a box ending at 180 holds a point at -180)."""
        if not self.south <= point.lat <= self.north:
            return False
        for lon in ((180.0, -180.0) if abs(point.lon) == 180.0 else (point.lon,)):
            if (lon >= self.west or lon <= self.east) if self.crosses_antimeridian else self.west <= lon <= self.east:
                return True
        return False

    @property
    def center(self) -> LatLon:
        return LatLon((self.south + self.north) / 2.0, _wrap_lon(self.west + self.width_deg / 2.0))

    def point_at(self, x: float, y: float) -> LatLon:
        """The point at fractions (x right, y down) of a north-up image covering these bounds;
        fractions outside [0, 1] extrapolate past its edges."""
        return LatLon(self.north - y * (self.north - self.south), _wrap_lon(self.west + x * self.width_deg))

    def union(self, other: Bounds) -> Bounds:
        """The narrowest box holding both: across the antimeridian when that is narrower than
        going round the other way, never wrapping the globe unless the two already do."""
        south, north = min(self.south, other.south), max(self.north, other.north)
        if not (self.crosses_antimeridian or other.crosses_antimeridian):
            plain = Bounds(min(self.west, other.west), south, max(self.east, other.east), north)
            if plain.width_deg <= 180.0:
                return plain  # the ordinary case: plain min/max, as before
        # Longitude intervals on a circle: try each box's west edge as the union's start.
        best = None
        for start in (self.west, other.west):
            end = start
            for b in (self, other):
                offset = (b.west - start) % 360.0
                end = max(end, start + offset + b.width_deg)
            width = end - start
            if best is None or width < best[1]:
                best = (start, width)
        start, width = best
        if width >= 360.0:
            return Bounds(-180.0, south, 180.0, north)
        return Bounds(_wrap_lon(start), south, _wrap_lon(start + width), north)

    def split_at_antimeridian(self) -> tuple[Bounds, ...]:
        """One box, or the two halves either side of ±180° (GeoJSON polygons must be cut there,
        RFC 7946 §3.1.9)."""
        if not self.crosses_antimeridian:
            return (self,)
        return (Bounds(self.west, self.south, 180.0, self.north), Bounds(-180.0, self.south, self.east, self.north))


@dataclass(frozen=True)
class PixelWindow:
    """A crop of a larger raster: column/row offset and size in pixels."""

    col: int
    row: int
    width: int
    height: int


@dataclass(frozen=True)
class Tile:
    """One georeferenced satellite image (or a window of a larger raster)."""

    id: str  # stable, human-readable; unique within its tile set (usually the relative path)
    path: Path
    bounds: Bounds
    window: PixelWindow | None = None  # set when the tile is a crop of a big GeoTIFF
    # Set when the tile is an entry inside a tile package (`path` is then the .mbtiles/.pmtiles/
    # .gpkg file): "z/x/y" in XYZ rows, or "table/z/col/row" for GeoPackage. Pixels come from
    # core.sources.tile_image.open_tile_image, never from opening `path` as an image.
    ref: str | None = None
    # WGS84 places of the image's corners (top-left, top-right, bottom-right, bottom-left) when its
    # pixel grid is turned against lon/lat: a projected CRS's grid meets the meridians at the grid
    # convergence (UTM: up to ~3°), so linear maths in `bounds` misplaces points by metres. None:
    # the image spans `bounds` north-up (XYZ tiles, lon/lat rasters). Set by geo.projected_boxes.
    corners: tuple[LatLon, LatLon, LatLon, LatLon] | None = None

    def __post_init__(self) -> None:
        # human-readable and writable into any file: a name the file system encoding could not decode
        # (a GeoTIFF named in Latin-1, any non-ASCII name under LC_ALL=C PYTHONUTF8=0) reads \xNN or
        # its UTF-8 letters, never lone surrogates, which no export could encode (core/names.py)
        if has_surrogates(self.id):
            object.__setattr__(self, "id", readable(self.id))

    @property
    def center(self) -> LatLon:
        return self.bounds.center

    def point_at(self, x: float, y: float) -> LatLon:
        """The ground point at fractions (x right, y down) of this tile's image (outside [0, 1]
        extrapolates): bilinear between `corners` when set (exact for an affine grid; a projected
        CRS's grid lines curve in lon/lat, a line of constant UTM northing sagging (s/2)^2/2R x
        tan(lat) between corners s apart: 5.5 mm over 600 m at 38°, measured by
        tests/test_prop_tiles.py), else Bounds.point_at."""
        if self.corners is None:
            return self.bounds.point_at(x, y)
        tl, tr, br, bl = self.corners
        weights = ((1 - x) * (1 - y), x * (1 - y), x * y, (1 - x) * y)
        # longitudes continued from the top-left corner's, so a tile across ±180° interpolates
        lons = [tl.lon + ((c.lon - tl.lon + 180.0) % 360.0 - 180.0) for c in self.corners]
        lat = sum(w * c.lat for w, c in zip(weights, self.corners))
        return LatLon(lat, _wrap_lon(sum(w * lon for w, lon in zip(weights, lons))))


@dataclass(frozen=True)
class Framing:
    """What a photo's metadata says of how its pixels relate to the camera's whole frame (read by
    core/media/framing.py): cropped or only resized. Only a crop moves the principal point off the
    pixels' centre, which core/camera_fit.py otherwise assumes.

    `cropped` True: the pixels are part of the frame; `box` is that part (left, top, right, bottom as
    fractions of the whole frame's width and height, 0-1) where the metadata says where (Camera Raw's
    crs:Crop* with crs:AlreadyApplied), None where it says only that (the recorded frame's aspect
    differs from the pixels'). `cropped` False: the whole frame, resized. `source` names the evidence.
    `least_share`: for a crop of unknown place, the smallest (width, height) fractions of the frame the
    pixels can be (the decoded size over the recorded one: a crop not enlarged after), None when unknown.
    `angle_deg`: a crop turned on the frame (crs:CropAngle, degrees, -45 to 45); `box` is then the turned
    crop's top-left and bottom-right corners (Camera Raw's convention: media/framing.py), and `frame_aspect`
    the whole frame's width over its height, which that turn needs (read from the pixels' aspect)."""

    cropped: bool
    box: tuple[float, float, float, float] | None
    source: str
    least_share: tuple[float, float] | None = None
    angle_deg: float = 0.0
    frame_aspect: float | None = None


@dataclass(frozen=True)
class PhotoMeta:
    """What a photo's metadata says about how it was taken (read by core/media/metadata.py).

    Every field is None when the file does not record it. Angles are degrees; yaw is clockwise
    from north, pitch is DJI's convention (0 = horizon, -90 = straight down) whatever the maker
    wrote. Altitudes are metres: `relative_altitude_m` above the take-off point, not the ground.
    Metadata is a prior, never a fact: a recorded yaw can be 180 degrees off.
    """

    make: str | None = None
    model: str | None = None
    # which camera (drone) of that model took it: EXIF BodySerialNumber, else the maker's XMP serial
    # (media/metadata.py SERIAL_XMP_KEYS); flights are split by it (core/sequence.py)
    serial: str | None = None
    width: int | None = None  # stored pixels, before the EXIF orientation is applied
    height: int | None = None
    orientation: int | None = None  # EXIF Orientation 1..8
    captured_at: datetime | None = None  # DateTimeOriginal + sub-seconds, timezone-aware when the offset is recorded
    # where captured_at's zone came from: "recorded" (written with the time: EXIF OffsetTimeOriginal, an XMP
    # date's offset), "gps" (worked out from the GPS UTC stamp: media/metadata.py _zone_from_gps); None when naive
    time_zone_source: str | None = None
    gps_altitude_m: float | None = None  # EXIF GPSAltitude, above sea level
    absolute_altitude_m: float | None = None  # maker XMP (e.g. drone-dji:AbsoluteAltitude)
    relative_altitude_m: float | None = None  # maker XMP, above the take-off point
    gimbal_yaw_deg: float | None = None
    gimbal_pitch_deg: float | None = None
    gimbal_roll_deg: float | None = None
    flight_yaw_deg: float | None = None
    flight_pitch_deg: float | None = None
    flight_roll_deg: float | None = None
    focal_length_mm: float | None = None
    focal_length_35mm: float | None = None
    sensor_width_mm: float | None = None
    sensor_height_mm: float | None = None
    sensor_source: str | None = None  # "focal-plane resolution", "camera table" or "35 mm equivalent"
    position: LatLon | None = None  # the camera's recorded fix, when it passed the checks
    position_source: str | None = None  # "exif" or "xmp:<namespace prefix>"
    position_note: str | None = None  # why a recorded position was not used, when it was not
    # the position geolocator wrote into this photo, a geotagged copy (--geotag-copies: GPSProcessingMethod
    # metadata.GEOLOCATOR_GPS_METHOD): an earlier answer, never truth or a prior; only an area's guess
    # (priors.recorded_positions: fetch-tiles --around)
    written_answer: LatLon | None = None
    # what in the metadata was damaged or impossible and therefore left out (an EXIF block that
    # cannot be parsed, a height no camera flies at); said once when the photo is opened
    metadata_note: str | None = None
    framing: Framing | None = None  # cropped or resized since the camera took it, when the metadata says


@dataclass(frozen=True)
class Query:
    """One drone image to locate. `truth` comes from a truth file or EXIF GPS, never used to adapt."""

    id: str  # relative path within the region / query folder when known, else the file name
    path: Path
    truth: LatLon | None = None
    truth_tile: str | None = None  # Tile.id named by a truth file, when given
    truth_source: str | None = None  # "truth.csv", "exif", "xmp:<prefix>" (e.g. "xmp:drone-dji") or "srt" (video telemetry)
    truth_note: str | None = None  # why the photo's recorded position was not used as truth, when it was not
    meta: PhotoMeta | None = None  # what the file's EXIF/XMP says, when it was read
    # A video frame: `path` is the video and this is the frame's time in seconds from its start
    # (id "<video>#t=<seconds>"); None for a photo. core.media.query_image reads either.
    time_s: float | None = None
    telemetry: "FrameTelemetry | None" = field(default=None, compare=False)  # noqa: F821 - media.telemetry
    # a video frame: the wall clock of the video's first frame from its container's tags (aware when the
    # offset is recorded, naive for a camera clock of unknown zone; media/video_time.py), None when none
    video_start: datetime | None = field(default=None, compare=False)

    @property
    def has_truth(self) -> bool:
        """Whether scoring knows where it was taken (a truth point or a truth tile): the photos
        evaluate() counts. Truth scores only; it never reaches locating or adapting."""
        return self.truth is not None or self.truth_tile is not None


@dataclass(frozen=True)
class TileSet:
    tiles: tuple[Tile, ...]
    source: Path  # the file or folder it was read from
    attribution: str | None = None  # credit line the imagery's licence asks for (map, exports)
    zoom: int | None = None  # the level read from a multi-zoom tile package

    def __len__(self) -> int:
        return len(self.tiles)

    @property
    def bounds(self) -> Bounds:
        b = self.tiles[0].bounds
        for t in self.tiles[1:]:
            b = b.union(t.bounds)
        return b

    def tile_at(self, point: LatLon) -> int | None:
        """Index of the tile whose bounds hold the point (the nearest centre among overlapping
        tiles), None when no tile does."""
        best, best_d = None, float("inf")
        for i, t in enumerate(self.tiles):
            if t.bounds.contains(point):
                c = t.bounds.center
                dlon = (c.lon - point.lon + 180.0) % 360.0 - 180.0  # the short way round ±180°
                d = (c.lat - point.lat) ** 2 + dlon**2
                if d < best_d:
                    best, best_d = i, d
        return best

    def fingerprint(self) -> str:
        """Identity of the tile set's geometry and files (for adapter cards and caches)."""
        h = hashlib.sha256()
        for t in self.tiles:
            h.update(text_bytes(f"{t.id}|{t.bounds}|{t.window}\n"))
        return h.hexdigest()[:16]


@dataclass(frozen=True)
class Region:
    """A region folder: tiles.csv + tiles/ + queries/ (+ optional truth.csv)."""

    root: Path
    tiles: TileSet
    queries: tuple[Query, ...]


@dataclass(frozen=True)
class Match:
    tile: Tile
    score: float  # cosine similarity in the retrieval space
    rank: int  # 1-based
    inliers: int | None = None  # local matches agreeing on one homography, when verified
    ground: LatLon | None = None  # where that homography puts the photo's centre, when verified
    # the photo's corners on the ground through that homography (top-left, top-right,
    # bottom-right, bottom-left), when verified
    footprint: tuple[LatLon, ...] | None = None


# Prediction.status: how a photo was placed (one vocabulary for the list, the map and the files)
STATUS_VERIFIED = "verified"  # local-feature geometry confirmed the top tile
STATUS_RETRIEVED = "retrieved"  # global features only: tile-level, confidence from their margin
STATUS_NOT_LOCATED = "not located"  # nothing to locate (blank, sky, blurred frame): confidence 0


def claims_place(status: str | None) -> bool:
    """Whether an answer of this status (Prediction.status / shown_status, a flight frame's
    sequence.TrackPoint.status) claims a place: False for STATUS_NOT_LOCATED only. Such an answer has no
    geometry anywhere a place is read from (session 33): GeoJSON `"geometry": null` (RFC 7946 §3.2),
    empty CSV lat/lon cells, a KML Placemark without geometry, no GPX waypoint, no map marker, no GPS
    written into a photo copy; it stays listed by name. Its Prediction.location (the candidates' middle)
    is kept for research scoring only (training/)."""
    return status != STATUS_NOT_LOCATED


# Shown (Prediction.shown_status) instead of "verified" where the geometry's evidence is weak: a verified
# answer with confidence below WEAK_BELOW. Measured on every committed verified record (session 18,
# training/verified_by_confidence.py): below 0.5 right 40 of 139 (29 %), at or above 2,188 of 2,199 (99 %).
STATUS_WEAK = "weak match"
WEAK_BELOW = 0.5
# An answer shown "confident" (the map's dark marker, KML's green pin, evaluate's n_confident, the
# calibration tables' bar): right at least 90 % of the time (training/calibration.py).
CONFIDENT = 0.9
# Prediction.location_source: where `location` (the best estimate) comes from
SOURCE_HOMOGRAPHY = "homography"  # the photo's centre through the verified homography
SOURCE_WEIGHTED = "weighted"  # similarity-weighted mean of the top tiles that agree spatially
SOURCE_TILE_CENTRE = "tile_centre"  # centre of the top-1 tile
# a flight frame (core/sequence.py) between or just past verified frames: the track at its time
SOURCE_TRACK = "track"


@dataclass(frozen=True)
class Prediction:
    query: Query
    matches: tuple[Match, ...]  # top-k, best first
    # THE answer, exported as the Point, drawn as the marker: the best estimate (location_source
    # says which: the photo centre through a verified homography, else the weighted estimate)
    location: LatLon
    # similarity-weighted mean of the top-k tiles that agree spatially with the top one
    weighted_location: LatLon
    confidence: float  # in [0, 1]; calibrated: see predict.confidence
    error_m: float | None = None  # haversine distance from `location` to the truth, when known
    weighted_error_m: float | None = None  # the same from `weighted_location`
    location_source: str = SOURCE_TILE_CENTRE
    status: str = STATUS_RETRIEVED
    tile_error_m: float | None = None  # the same from the top-1 tile's centre
    note: str | None = None  # why a photo is "not located" (content.py; never on a verified one)
    # why an answer that is shown is a guess, in words (None: none to give): a low-texture photo
    # (open water, fog, featureless ground) that nothing verified (predict.LOW_TEXTURE_CAUTION)
    caution: str | None = None

    @property
    def top(self) -> Match:
        return self.matches[0]

    @property
    def shown_status(self) -> str:
        """The status people read, the same in the list, the Results pane, the map, every export
        (GeoJSON, CSV, GPX, KML) and the CLI: `status`, except that a verified answer whose confidence
        is below WEAK_BELOW reads STATUS_WEAK ("weak match"): local features agreed on one tile, but
        such answers were right less than half the time (29 %, training/verified_by_confidence.py;
        a user's 10 "verified" multispectral answers at 0.19-0.56 were all wrong). `status` itself
        (what the verifier found) is unchanged: evaluation, calibration and flights read it."""
        if self.status == STATUS_VERIFIED and self.confidence < WEAK_BELOW:
            return STATUS_WEAK
        return self.status

    @property
    def tile_center(self) -> LatLon:
        return self.matches[0].tile.center


@dataclass(frozen=True)
class Evaluation:
    r1: float
    r5: float
    r10: float
    ap: float
    median_error_m: float | None
    mean_error_m: float | None
    n_queries: int  # queries with a known truth
    n_tiles: int
    extra: dict = field(default_factory=dict)
