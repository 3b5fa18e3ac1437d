"""A Google Earth image overlay as a tile set: a KMZ (a zip holding doc.kml and its image) or a
KML beside its image, whose `<GroundOverlay>` places one image by a `<LatLonBox>` (north, south,
east, west in WGS84 degrees: its edges before rotation, and an optional `<rotation>` in degrees
counter-clockwise about the box's centre, turned on the ground as Google Earth shows it, see
overlay_transform) or a `<gx:LatLonQuad>` (its four corners, counter-clockwise from the lower left).
Source of the conventions: OGC KML 2.2 (OGC 07-147r2) §11.2 GroundOverlay, §11.3 LatLonBox, and
Google's KML reference for gx:LatLonQuad.

The overlay becomes a georeferenced image in EPSG:4326 (a rasterio Affine) cut into
`--tile-size-m` windows like an orthophoto (geotiff.cut_geotiff); a rotated box or a
parallelogram quad is resampled north-up once by rasterio (northup.north_up_copy). The XML is
untrusted and parsed with defusedxml. Refused, naming the file: no GroundOverlay, a network link
or a web address as the image, no LatLonBox nor LatLonQuad, a quad that is not a parallelogram.
Several overlays: the first is read and the others are named in a warning.
"""

from __future__ import annotations

import hashlib
import logging
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import InputError
from ..names import text_bytes
from ..model import TileSet
from .registry import LoadOptions, Reader

log = logging.getLogger("geolocator")

KML_SUFFIXES = (".kmz", ".kml")
QUAD_TOLERANCE = 1e-3  # of the quad's size: corners further from a parallelogram are refused (no warp by 4 points)


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
    (upper-left at pixel (0, 0), upper-right at (width, 0), lower-left at (0, height)). Raises
    InputError naming `path` for a quad that is not a parallelogram (it needs a projective warp)."""
    from affine import Affine

    if overlay.box is not None:
        n, s, e, w = overlay.box
        t = Affine((e - w) / width, 0.0, w, 0.0, -(n - s) / height, n)
        if overlay.rotation_deg:
            cx, cy = (e + w) / 2, (n + s) / 2
            k = math.cos(math.radians(cy))  # metres east per degree of longitude, relative to those north per degree of latitude
            if not k > 1e-9:
                raise InputError(path, f"its rotated LatLonBox is centred on a pole (latitude {cy}): no east to turn from")
            to_metric = Affine.scale(k, 1.0) @ Affine.translation(-cx, -cy)
            t = ~to_metric @ Affine.rotation(overlay.rotation_deg) @ to_metric @ t
        return t
    ll, lr, ur, ul = overlay.quad
    size = max(math.dist(ll, ur), math.dist(lr, ul))
    gap = math.dist((ll[0] + ur[0], ll[1] + ur[1]), (lr[0] + ul[0], lr[1] + ul[1]))
    if not size > 0 or gap > QUAD_TOLERANCE * size:
        raise InputError(path, "its gx:LatLonQuad is not a parallelogram (the image would need a perspective warp); "
                               "georeference it with ground control points instead (QGIS Georeferencer, gdalwarp)")
    return Affine((ur[0] - ul[0]) / width, (ll[0] - ul[0]) / height, ul[0],
                  (ur[1] - ul[1]) / width, (ll[1] - ul[1]) / height, ul[1])


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
                tmp.write_bytes(zf.read(info))
                tmp.replace(out)
            return overlay, out
    except zipfile.BadZipFile as exc:
        raise InputError(path, f"not a readable KMZ (zip) archive ({exc})") from None


def load_overlay(path: Path, options: LoadOptions) -> TileSet:
    """The overlay image of the KMZ/KML `path` cut into `options.tile_size_m` windows with
    `options.overlap` (geotiff.cut_geotiff; bounds WGS84), ids and source naming `path`. A
    rotated box or quad is cut from a north-up copy. Raises InputError naming `path` (as
    overlay_image, overlay_transform, or cut_geotiff's refusals)."""
    import warnings

    from ..images import image_size
    from .geotiff import DEFAULT_TILE_SIZE_M, cut_geotiff, import_rasterio

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
            return cut_geotiff(image, options.tile_size_m or DEFAULT_TILE_SIZE_M, options.overlap, crs=4326,
                               transform=t, _shown_as=path)
    except InputError as exc:
        raise InputError(path, exc.problem) from None


def _claims(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in KML_SUFFIXES


READER = Reader("KMZ/KML image overlay", _claims, load_overlay,
                describe="a Google Earth image overlay (.kmz, or .kml beside its image)")
