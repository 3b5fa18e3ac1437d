"""The one data model used everywhere: tiles, queries, matches, predictions.

Coordinates are WGS84 degrees. Bounds are (west, south, east, north) like GeoJSON bboxes.
Records are frozen dataclasses so they can be shared between threads and used as dict keys.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path


# The headings a north-up tile is indexed at: a drone's heading is unknown.
ROTATION_VIEWS: tuple[str, ...] = tuple(f"rot{angle}" for angle in range(0, 360, 45))


@dataclass(frozen=True)
class LatLon:
    lat: float
    lon: float


@dataclass(frozen=True)
class Bounds:
    west: float
    south: float
    east: float
    north: float

    def contains(self, point: LatLon) -> bool:
        return self.south <= point.lat <= self.north and self.west <= point.lon <= self.east

    @property
    def center(self) -> LatLon:
        return LatLon((self.south + self.north) / 2.0, (self.west + self.east) / 2.0)

    def point_at(self, x: float, y: float) -> LatLon:
        """The point at fractions (x right, y down) of a north-up image covering these bounds;
        fractions outside [0, 1] extrapolate past its edges."""
        return LatLon(self.north - y * (self.north - self.south), self.west + x * (self.east - self.west))

    def union(self, other: Bounds) -> Bounds:
        return Bounds(
            min(self.west, other.west),
            min(self.south, other.south),
            max(self.east, other.east),
            max(self.north, other.north),
        )


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

    @property
    def center(self) -> LatLon:
        return self.bounds.center


@dataclass(frozen=True)
class Query:
    """One drone image to locate. `truth` comes from a truth file or EXIF GPS, never used to adapt."""

    id: str  # relative path within the region / query folder when known, else the file name
    path: Path
    truth: LatLon | None = None
    truth_tile: str | None = None  # Tile.id named by a truth file, when given
    truth_source: str | None = None  # "truth.csv" or "exif"


@dataclass(frozen=True)
class TileSet:
    tiles: tuple[Tile, ...]
    source: Path  # the file or folder it was read from

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
                d = (c.lat - point.lat) ** 2 + (c.lon - point.lon) ** 2
                if d < best_d:
                    best, best_d = i, d
        return best

    def fingerprint(self) -> str:
        """Identity of the tile set's geometry and files (for adapter cards and caches)."""
        h = hashlib.sha256()
        for t in self.tiles:
            h.update(f"{t.id}|{t.bounds}|{t.window}\n".encode())
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


# Prediction.status: how a photo was placed (one vocabulary for the list, the map and the files)
STATUS_VERIFIED = "verified"  # local-feature geometry confirmed the top tile
STATUS_RETRIEVED = "retrieved"  # global features only: tile-level, confidence from their margin
STATUS_NOT_LOCATED = "not located"  # nothing to locate (blank, sky, blurred frame): confidence 0
# Prediction.location_source: where `location` (the best estimate) comes from
SOURCE_HOMOGRAPHY = "homography"  # the photo's centre through the verified homography
SOURCE_WEIGHTED = "weighted"  # similarity-weighted mean of the top tiles that agree spatially
SOURCE_TILE_CENTRE = "tile_centre"  # centre of the top-1 tile


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
    note: str | None = None  # why a photo is "not located"

    @property
    def top(self) -> Match:
        return self.matches[0]

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
