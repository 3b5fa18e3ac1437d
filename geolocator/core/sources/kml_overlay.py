"""A Google Earth image overlay as a tile set: a KMZ (a zip holding doc.kml and its image) or a
KML beside its image, whose `<GroundOverlay>` places one image by a `<LatLonBox>` (north, south,
east, west in WGS84 degrees: its edges before rotation, and an optional `<rotation>` in degrees
counter-clockwise about the box's centre, turned on the ground as Google Earth shows it, see
overlay_transform) or a `<gx:LatLonQuad>` (its four corners, counter-clockwise from the lower left).
Source of the conventions: OGC KML 2.2 (OGC 07-147r2) §11.2 GroundOverlay, §11.3 LatLonBox, and
Google's KML reference for gx:LatLonQuad.

The overlay becomes a georeferenced image in EPSG:4326 (a rasterio Affine) cut into
`--tile-size-m` windows like an orthophoto (geotiff.cut_geotiff); a rotated box or a quad is
resampled north-up once by GDAL (northup.north_up_copy; a quad that is not a parallelogram through
ground control points placed by its homography). The XML is untrusted and parsed with defusedxml.
Refused, naming the file: no GroundOverlay, a network link or a web address as the image, no
LatLonBox nor LatLonQuad, a quad that is not convex.
Several overlays: the first is read and the others are named in a warning.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import InputError
from ..names import text_bytes
from ..model import TileSet
from .registry import LoadOptions, Reader

log = logging.getLogger("geolocator")

KML_SUFFIXES = (".kmz", ".kml")
QUAD_TOLERANCE = 1e-3  # of the quad's size: corners further from a parallelogram are warped projectively
PLAIN_WINDOW_MAX_PIXELS = 16_000_000  # a plain image (JPEG, PNG) larger than this is cut from a tiled GeoTIFF copy
# GDAL's block cache while that copy is made (MB): it reads the image top to bottom once, so a few 256-row
# swaths suffice; for an 8192 px square JPEG 256 MB peaked at 278 MB of memory, 32 MB at 114 MB in no more
# time (training/results/kmz33_session33.md)
TILED_COPY_CACHE_MB = 32
QUAD_GCP_GRID = 17  # ground control points a side placing a non-parallelogram quad's image (quad_homography)


@dataclass(frozen=True)
class Overlay:
    """One GroundOverlay: `href` (the image, relative to the KML), `box` (north, south, east, west)
    and `rotation_deg` (counter-clockwise), or `quad`: four (lon, lat) corners, lower-left,
    lower-right, upper-right, upper-left."""

    href: str
    box: tuple[float, float, float, float] | None = None
    rotation_deg: float = 0.0
    quad: tuple[tuple[float, float], ...] | None = None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(elem, name: str):
    return next((c for c in elem if _local(c.tag) == name), None)


def _number(path: Path, elem, name: str, default: float | None = None) -> float:
    node = _child(elem, name)
    text = node.text.strip() if node is not None and node.text else ""
    if not text:
        if default is not None:
            return default
        raise InputError(path, f"its LatLonBox has no <{name}>")
    try:
        value = float(text)
    except ValueError:
        raise InputError(path, f"its LatLonBox <{name}> is not a number: {text[:40]!r}") from None
    if not math.isfinite(value):
        raise InputError(path, f"its LatLonBox <{name}> is not a finite number: {text[:40]!r}")
    return value


def parse_overlay(text: bytes, path: Path) -> Overlay:
    """The first GroundOverlay of the KML document `text` (bytes), parsed with defusedxml.
    `path` names the file in errors. Raises InputError naming `path`: not XML (or a forbidden
    construct such as an entity declaration), no GroundOverlay, an image given by a network link
    or web address, no LatLonBox nor gx:LatLonQuad, a box with north <= south or a number that is
    not one. Several overlays: the first is used and a warning names how many were left out."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(text)
    except (ParseError, DefusedXmlException) as exc:
        raise InputError(path, f"not a readable KML document ({exc})") from None
    overlays = [e for e in root.iter() if _local(e.tag) == "GroundOverlay"]
    if not overlays:
        links = any(_local(e.tag) == "NetworkLink" for e in root.iter())
        why = ("it holds a NetworkLink (imagery served from the web), not an image overlay: export the imagery "
               "itself (Google Earth: Save Place As… KMZ of an image overlay; QGIS: Export → Save as KMZ)"
               if links else "it holds no <GroundOverlay> (no image placed on the ground)")
        raise InputError(path, why)
    if len(overlays) > 1:
        log.warning("%s holds %d image overlays; only the first is read (give each as its own KMZ to use the others)",
                    path, len(overlays))
    ov = overlays[0]
    icon = _child(ov, "Icon")
    href_node = _child(icon, "href") if icon is not None else None
    href = href_node.text.strip() if href_node is not None and href_node.text else ""
    if not href:
        raise InputError(path, "its GroundOverlay names no image (<Icon><href> is missing)")
    if "://" in href or href.startswith("//"):
        raise InputError(path, f"its image is a network link ({href[:80]}), not a file in the KMZ or beside the KML: "
                               "download the image and save the overlay with it")
    box_node = _child(ov, "LatLonBox")
    if box_node is not None:
        n, s, e, w = (_number(path, box_node, k) for k in ("north", "south", "east", "west"))
        if not (-90 <= s < n <= 90):
            raise InputError(path, f"its LatLonBox has north {n} not above south {s} (or beyond ±90°)")
        if e <= w:  # across the antimeridian: east is given below west
            e += 360.0
        return Overlay(href, box=(n, s, e, w), rotation_deg=_number(path, box_node, "rotation", 0.0))
    quad_node = _child(ov, "LatLonQuad")
    if quad_node is not None:
        coords = _child(quad_node, "coordinates")
        try:
            points = [tuple(float(v) for v in p.split(",")[:2]) for p in (coords.text or "").split()]
        except (AttributeError, ValueError):
            points = []
        if len(points) != 4 or not all(len(p) == 2 and all(map(math.isfinite, p)) for p in points):
            raise InputError(path, "its gx:LatLonQuad does not hold four lon,lat corners")
        # across the antimeridian: longitudes continued from the first corner's (179.9 then -179.9 reads 180.1)
        lon0 = points[0][0]
        points = [(lon + 360.0 * round((lon0 - lon) / 360.0), lat) for lon, lat in points]
        return Overlay(href, quad=tuple(points))
    raise InputError(path, "its GroundOverlay has no <LatLonBox> nor <gx:LatLonQuad>: nothing places the image")


def overlay_transform(overlay: Overlay, width: int, height: int, path: Path):
    """The rasterio/affine Affine (pixel column, row -> lon, lat degrees, EPSG:4326) of an overlay
    image of `width` x `height` pixels. LatLonBox: the north-up box (its edges are those before
    rotation, KML 2.2 §11.3) turned `rotation_deg` counter-clockwise about its centre as Google
    Earth shows it: on the ground, i.e. in a local frame of equal metres east and north (longitude
    scaled by cos of the centre's latitude), so a rectangle stays a rectangle with right angles.
    The KML 2.2 text (OGC 07-147r2 §11.3.3.1) gives only "counter-clockwise about its centre";
    the metric frame is how Google Earth-made overlays are read elsewhere (e.g. routechoices-server's
    KMZ map import, compute_corners_from_kml_latlonbox) and why viewers that turn the box in raw
    degrees are reported misaligned against Google Earth (placemark/togeojson issue #121). GDAL
    3.10's KML driver ignores <rotation>. LatLonQuad: the parallelogram through its corners
    (upper-left at pixel (0, 0), upper-right at (width, 0), lower-left at (0, height)); None for a
    quad that is not a parallelogram (no affine places it: see quad_homography). Raises InputError
    naming `path` for a box centred on a pole, or a quad whose corners coincide."""
    from affine import Affine

    if overlay.box is not None:
        n, s, e, w = overlay.box
        t = Affine((e - w) / width, 0.0, w, 0.0, -(n - s) / height, n)
        if overlay.rotation_deg:
            cx, cy = (e + w) / 2, (n + s) / 2
            k = math.cos(math.radians(cy))  # a degree east's length on the ground, in degrees north
            if not k > 1e-9:
                raise InputError(path, f"its rotated LatLonBox is centred on a pole (latitude {cy}): no east to turn from")
            to_metric = Affine.scale(k, 1.0) @ Affine.translation(-cx, -cy)
            t = ~to_metric @ Affine.rotation(overlay.rotation_deg) @ to_metric @ t
        return t
    ll, lr, ur, ul = overlay.quad
    size = max(math.dist(ll, ur), math.dist(lr, ul))
    gap = math.dist((ll[0] + ur[0], ll[1] + ur[1]), (lr[0] + ul[0], lr[1] + ul[1]))
    if not size > 0:
        raise InputError(path, "its gx:LatLonQuad has all four corners at one point")
    if gap > QUAD_TOLERANCE * size:
        return None  # not a parallelogram: placed by quad_homography, warped through ground control points
    return Affine((ur[0] - ul[0]) / width, (ll[0] - ul[0]) / height, ul[0],
                  (ur[1] - ul[1]) / width, (ll[1] - ul[1]) / height, ul[1])


def quad_homography(quad, width: int, height: int, path: Path):
    """The 3 x 3 projective map (numpy float64; (col, row, 1) -> homogeneous (lon, lat, w), degrees
    after dividing by w) taking an image of `width` x `height` pixels onto a gx:LatLonQuad's four
    (lon, lat) corners `quad` (lower-left, lower-right, upper-right, upper-left; KML 2.2 gx
    extension): its upper-left corner at pixel (0, 0), upper-right at (width, 0), lower-right at
    (width, height). A homography is how a flat rectangle looks from any viewpoint, the usual
    reason for a non-rectangular quad; Google Earth's own interpolation inside the quad is not
    documented. Solved from the four correspondences (OpenCV's getPerspectiveTransform; Hartley & Zisserman,
    Multiple View Geometry, 2nd ed., §4.1) in degrees centred on the quad. Raises InputError naming
    `path` for a quad that is not convex (crossed or folded corners; KML requires it convex)."""
    import numpy as np

    corners = np.asarray(quad, dtype=float)  # ll, lr, ur, ul
    edges = np.roll(corners, -1, axis=0) - corners
    turns = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    scale = float(np.abs(edges).max())
    if not (scale > 0 and (np.all(turns > 1e-9 * scale**2) or np.all(turns < -1e-9 * scale**2))):
        raise InputError(path, "its gx:LatLonQuad is not a convex quadrilateral (its corners cross or fold back): "
                               "KML needs them counter-clockwise from the lower left")
    import cv2

    centre = corners.mean(axis=0)
    pixels = np.array([(0.0, height), (width, height), (width, 0.0), (0.0, 0.0)])  # ll, lr, ur, ul
    # OpenCV solves the four correspondences (float32 in, float64 out): in degrees centred on the quad,
    # so float32 keeps ~1e-7 of its span
    h = cv2.getPerspectiveTransform(pixels.astype(np.float32), (corners - centre).astype(np.float32))
    if not np.all(np.isfinite(h)) or abs(np.linalg.det(h)) == 0:
        raise InputError(path, "its gx:LatLonQuad corners place no image (degenerate quad)")
    return np.array([[1, 0, centre[0]], [0, 1, centre[1]], [0, 0, 1]]) @ h  # back from the centred degrees


def _quad_gcps(h, width: int, height: int):
    """QUAD_GCP_GRID x QUAD_GCP_GRID rasterio GroundControlPoints on the image, placed by the
    homography `h` (quad_homography)."""
    import numpy as np
    from rasterio.control import GroundControlPoint

    cols, rows = np.meshgrid(np.linspace(0, width, QUAD_GCP_GRID), np.linspace(0, height, QUAD_GCP_GRID))
    x, y, w = h @ np.stack([cols.ravel(), rows.ravel(), np.ones(cols.size)])
    return [GroundControlPoint(row=float(r), col=float(c), x=float(lon), y=float(lat))
            for c, r, lon, lat in zip(cols.ravel(), rows.ravel(), x / w, y / w)]


def _quad_north_up(path: Path, overlay: Overlay, image: Path, width: int, height: int) -> Path:
    """The north-up GeoTIFF copy of `image` warped onto the non-parallelogram quad of `overlay`:
    a GDAL VRT of the image carrying _quad_gcps (written once into the north-up cache), warped
    by northup.north_up_copy with GDAL's thin-plate spline through those points (GCP_TPS: exact
    at each, smooth between; GDAL 3.10's own GCP_HOMOGRAPHY method is not available)."""
    from ..images import import_rasterio

    rasterio = import_rasterio()  # GDAL's libtiff lines kept off stderr (faults37)
    import rasterio.shutil
    from rasterio.crs import CRS

    from ..store_prune import mark_copy_used
    from .geotiff import gdal_path
    from .northup import north_up_copy
    from .worldfile import northup_cache_dir

    gcps = _quad_gcps(quad_homography(overlay.quad, width, height, path), width, height)
    stat = image.stat()
    key = hashlib.sha256(text_bytes(f"quad1|{image.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{overlay.quad}")
                         ).hexdigest()[:16]
    vrt = northup_cache_dir() / f"{image.stem}-quad-{key}.vrt"
    mark_copy_used(vrt)
    if not vrt.is_file():
        vrt.parent.mkdir(parents=True, exist_ok=True)
        mark_copy_used(vrt)
        tmp = vrt.with_name(f"{vrt.stem}.{os.getpid()}.tmp.vrt")
        try:
            rasterio.shutil.copy(gdal_path(image.resolve()), gdal_path(tmp), driver="VRT")  # a few lines of XML: no pixels
            with rasterio.open(gdal_path(tmp), "r+") as ds:
                ds.gcps = (gcps, CRS.from_epsg(4326))
            tmp.replace(vrt)
        except (rasterio.errors.RasterioError, OSError) as exc:
            tmp.unlink(missing_ok=True)
            raise InputError(path, f"cannot place its image {overlay.href} on its gx:LatLonQuad ({exc})") from None
    log.info("%s: gx:LatLonQuad is not a parallelogram; image warped onto it (projective, %d ground control points)",
             path, len(gcps))
    return north_up_copy(vrt, 4326, gcps=gcps, gcp_method="GCP_TPS")


def _kml_in_zip(zf: zipfile.ZipFile, path: Path) -> str:
    names = [n for n in zf.namelist() if n.lower().endswith(".kml")]
    if not names:
        raise InputError(path, "the KMZ holds no .kml document")
    # Google Earth reads the first .kml at the archive's root (doc.kml by convention)
    root = [n for n in names if "/" not in n]
    return next((n for n in root if n.lower() == "doc.kml"), (root or names)[0])


def overlay_image(path: Path) -> tuple[Overlay, Path]:
    """(overlay, image file) of the KMZ or KML `path`. A KMZ's image is extracted once into the
    north-up cache (worldfile.northup_cache_dir), keyed by the KMZ's path, size and time; a KML's
    image is the file its href names beside it. Raises InputError naming `path`: not a zip, no
    KML, the image missing from the archive or the folder, or as parse_overlay."""
    from ..store_prune import mark_copy_used
    from .worldfile import northup_cache_dir

    path = Path(path)
    if path.suffix.lower() == ".kml":
        overlay = parse_overlay(path.read_bytes(), path)
        image = path.parent / overlay.href
        if not image.is_file():
            raise InputError(path, f"its image {overlay.href} is not beside it ({image} not found)")
        return overlay, image
    try:
        with zipfile.ZipFile(path) as zf:
            overlay = parse_overlay(zf.read(_kml_in_zip(zf, path)), path)
            member = PurePosixPath(overlay.href.replace("\\", "/"))
            if member.is_absolute() or ".." in member.parts:
                raise InputError(path, f"its image {overlay.href} lies outside the KMZ")
            try:
                info = zf.getinfo(member.as_posix())
            except KeyError:
                raise InputError(path, f"its image {overlay.href} is not in the KMZ") from None
            stat = path.stat()
            key = hashlib.sha256(text_bytes(f"kmz1|{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{info.filename}")
                                 ).hexdigest()[:16]
            out = northup_cache_dir() / f"{path.stem}-{key}{member.suffix.lower()}"
            mark_copy_used(out)
            if not out.is_file():
                out.parent.mkdir(parents=True, exist_ok=True)
                mark_copy_used(out)
                tmp = out.with_name(out.name + ".tmp")
                try:
                    with zf.open(info) as src, open(tmp, "wb") as dst:  # streamed: a large image is never held whole
                        shutil.copyfileobj(src, dst, 1 << 20)
                    tmp.replace(out)
                except OSError as exc:  # a full cache disk (faults36): a bare "No space left on device", the part left
                    from ..outputs import describe_os_error

                    tmp.unlink(missing_ok=True)
                    raise InputError(path, f"cannot copy its image {overlay.href} out of the KMZ into {out.parent} "
                                           f"({describe_os_error(exc)})") from None
            return overlay, out
    except zipfile.BadZipFile as exc:
        raise InputError(path, f"not a readable KMZ (zip) archive ({exc})") from None


def _tiled_copy(path: Path, image: Path, transform) -> Path:
    """A tiled GeoTIFF copy of the plain (non-TIFF) north-up overlay `image`, placed by the affine
    `transform` in EPSG:4326, made once into the north-up cache by GDAL block by block (its block
    cache held to TILED_COPY_CACHE_MB): a JPEG stays JPEG (quality 90), anything else deflate.
    Why: PIL decodes a JPEG or PNG whole for every window cut from it (images.open_image), and
    refuses one over images.DECODE_BUDGET_PIXELS (an 8192 px square Google Earth export is 67 MP);
    GDAL reads the copy's 256 px blocks under each window. Raises InputError naming `path`."""
    from ..images import import_rasterio

    rasterio = import_rasterio()  # GDAL's libtiff lines kept off stderr (faults37)
    import rasterio.shutil
    from rasterio.crs import CRS

    from ..store_prune import mark_copy_used
    from .geotiff import gdal_path
    from .worldfile import northup_cache_dir

    stat = image.stat()
    key = hashlib.sha256(text_bytes(f"kmzcopy1|{image.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{tuple(transform)}")
                         ).hexdigest()[:16]
    out = northup_cache_dir() / f"{image.stem}-{key}.tif"
    mark_copy_used(out)
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    mark_copy_used(out)
    tmp = out.with_name(f"{out.stem}.{os.getpid()}.tmp.tif")
    try:
        with rasterio.Env(GDAL_CACHEMAX=TILED_COPY_CACHE_MB * 2**20):
            with rasterio.open(gdal_path(image)) as src:
                jpeg = src.driver == "JPEG" and src.count == 3
            opts = dict(compress="jpeg", photometric="YCbCr", jpeg_quality=90) if jpeg else dict(compress="deflate")
            rasterio.shutil.copy(gdal_path(image), gdal_path(tmp), driver="GTiff", tiled=True, blockxsize=256, blockysize=256,
                                 BIGTIFF="IF_SAFER", **opts)
            with rasterio.open(gdal_path(tmp), "r+") as ds:
                ds.transform, ds.crs = transform, CRS.from_epsg(4326)
        os.replace(tmp, out)
    except (rasterio.errors.RasterioError, OSError) as exc:
        from ..outputs import described_write_failure

        why = described_write_failure(exc, out.parent)  # GDAL's "Write failed…" on a full disk: said as such
        tmp.unlink(missing_ok=True)
        raise InputError(path, f"cannot copy its image into {out.parent} for reading by windows ({why})") from None
    log.info("%s: image of %s copied once into a tiled GeoTIFF %s", path, image.name, out)
    return out


def load_overlay(path: Path, options: LoadOptions) -> TileSet:
    """The overlay image of the KMZ/KML `path` cut into `options.tile_size_m` windows with
    `options.overlap` (geotiff.cut_geotiff; bounds WGS84), ids and source naming `path`. A
    rotated box or a quad is cut from a north-up copy (a quad that is not a parallelogram warped
    projectively, _quad_north_up); a plain north-up image over PLAIN_WINDOW_MAX_PIXELS from a
    tiled GeoTIFF copy (_tiled_copy), so no window decodes the whole image. Raises InputError
    naming `path` (as overlay_image, overlay_transform, quad_homography, or cut_geotiff's
    refusals)."""
    import warnings

    from ..images import TIFF_SUFFIXES, image_size
    from .geotiff import DEFAULT_TILE_SIZE_M, cut_geotiff, import_rasterio
    from .northup import is_north_up

    path = Path(path)
    rasterio = import_rasterio(path)  # an InputError naming the file and the install line when missing
    overlay, image = overlay_image(path)
    try:
        width, height = image_size(image)
    except InputError as exc:
        raise InputError(path, f"its image {overlay.href}: {exc.problem}") from None
    t = overlay_transform(overlay, width, height, path)
    if overlay.rotation_deg:
        log.info("%s: overlay rotated %.2f° counter-clockwise; resampled north-up", path, overlay.rotation_deg)
    try:
        with warnings.catch_warnings():  # the image has no geotransform of its own: the KML gives it
            warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
            if t is None:  # a quad that is not a parallelogram: warped onto it through ground control points
                return cut_geotiff(_quad_north_up(path, overlay, image, width, height),
                                   options.tile_size_m or DEFAULT_TILE_SIZE_M, options.overlap, _shown_as=path)
            if is_north_up(t) and width * height > PLAIN_WINDOW_MAX_PIXELS and image.suffix.lower() not in TIFF_SUFFIXES:
                return cut_geotiff(_tiled_copy(path, image, t), options.tile_size_m or DEFAULT_TILE_SIZE_M,
                                   options.overlap, _shown_as=path)
            return cut_geotiff(image, options.tile_size_m or DEFAULT_TILE_SIZE_M, options.overlap, crs=4326,
                               transform=t, _shown_as=path)
    except InputError as exc:
        raise InputError(path, exc.problem) from None


def _claims(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in KML_SUFFIXES


READER = Reader("KMZ/KML image overlay", _claims, load_overlay,
                describe="a Google Earth image overlay (.kmz, or .kml beside its image)")
