"""A Google Earth KMZ/KML image overlay read as a tile set (core/sources/kml_overlay.py): the demo
mosaic placed by a LatLonBox (with and without rotation) or a gx:LatLonQuad, cut into windows, a
demo photo located through it; what is not supported is refused naming the file."""

from __future__ import annotations

import csv
import json
import logging
import math
import shutil
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("rasterio")

from .flight_helpers import DEMO, demo_mosaic  # noqa: E402

from geolocator.core.errors import InputError  # noqa: E402
from geolocator.core.geo import haversine_m  # noqa: E402
from geolocator.core.model import LatLon  # noqa: E402
from geolocator.core.sources import registry  # noqa: E402
from geolocator.core.sources.registry import LoadOptions  # noqa: E402


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))


def _kml(placement: str, href: str = "files/mosaic.jpg", extra: str = "") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2" '
            'xmlns:gx="http://www.google.com/kml/ext/2.2"><Document><GroundOverlay><name>demo</name>'
            f'<Icon><href>{href}</href></Icon>{placement}</GroundOverlay>{extra}</Document></kml>')


def _box(b, rotation: float = 0.0) -> str:
    rot = f"<rotation>{rotation}</rotation>" if rotation else ""
    return (f"<LatLonBox><north>{b.north!r}</north><south>{b.south!r}</south><east>{b.east!r}</east>"
            f"<west>{b.west!r}</west>{rot}</LatLonBox>")


def _kmz(path: Path, kml: str, image: Image.Image | None = None, name: str = "files/mosaic.jpg") -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("doc.kml", kml)
        if image is not None:
            from io import BytesIO

            buf = BytesIO()
            image.save(buf, "JPEG", quality=92)
            zf.writestr(name, buf.getvalue())
    return path


def _overlay_to_ground(b, rotation: float, u, v):
    """Where Google Earth lays the overlay's point at fractions (u right, v down) of its image:
    the box (edges before rotation) turned `rotation` degrees counter-clockwise about its centre
    on the ground, in a local frame of metres east and north (KML 2.2 §11.3: counter-clockwise about
    the centre; the metric frame is Google Earth's, see kml_overlay.overlay_transform). Returns
    (lon, lat) degrees. Written here from polar angles, independently of the reader's affine."""
    cx, cy = (b.west + b.east) / 2, (b.north + b.south) / 2
    east_m = (np.asarray(u) - 0.5) * (b.east - b.west) * math.cos(math.radians(cy))  # degrees of latitude's length
    north_m = (0.5 - np.asarray(v)) * (b.north - b.south)
    radius, angle = np.hypot(east_m, north_m), np.arctan2(north_m, east_m) + math.radians(rotation)
    return cx + radius * np.cos(angle) / math.cos(math.radians(cy)), cy + radius * np.sin(angle)


def _ground_to_overlay(b, rotation: float, lon, lat):
    """The inverse of _overlay_to_ground: fractions (u, v) of the overlay image showing (lon, lat)."""
    cx, cy = (b.west + b.east) / 2, (b.north + b.south) / 2
    east_m, north_m = (np.asarray(lon) - cx) * math.cos(math.radians(cy)), np.asarray(lat) - cy
    radius, angle = np.hypot(east_m, north_m), np.arctan2(north_m, east_m) - math.radians(rotation)
    u = 0.5 + radius * np.cos(angle) / ((b.east - b.west) * math.cos(math.radians(cy)))
    v = 0.5 - radius * np.sin(angle) / (b.north - b.south)
    return u, v


def _rotated_overlay_image(mosaic: Image.Image, b, rotation: float) -> Image.Image:
    """The image that, placed in box `b` turned `rotation` degrees counter-clockwise (as Google
    Earth lays it, _overlay_to_ground), shows the ground of the north-up `mosaic` (same box): each
    of its pixels samples the mosaic where the rotation puts it."""
    import cv2

    w, h = mosaic.size
    cols, rows = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    lon, lat = _overlay_to_ground(b, rotation, cols / w, rows / h)
    map_x = ((lon - b.west) / (b.east - b.west) * w - 0.5).astype(np.float32)
    map_y = ((b.north - lat) / (b.north - b.south) * h - 0.5).astype(np.float32)
    out = cv2.remap(np.asarray(mosaic), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    return Image.fromarray(out)


def _central_queries(b, n: int) -> list[tuple[str, LatLon]]:
    """The n demo photos nearest the mosaic's centre, with their truth (for scoring only)."""
    centre = LatLon((b.north + b.south) / 2, (b.west + b.east) / 2)
    rows = list(csv.DictReader(open(DEMO / "truth.csv")))
    truth = [(r["query"], LatLon(float(r["lat"]), float(r["lon"]))) for r in rows]
    return sorted(truth, key=lambda qt: haversine_m(qt[1], centre))[:n]


def test_kmz_latlonbox_is_cut_into_windows_named_for_the_kmz(tmp_path):
    mosaic, b = demo_mosaic(1.0)
    kmz = _kmz(tmp_path / "demo.kmz", _kml(_box(b)), mosaic)
    assert registry.reader_for(kmz).name == "KMZ/KML image overlay"
    ts = registry.load(kmz, LoadOptions(tile_size_m=50.0))
    assert ts.source == kmz and all(t.id.startswith("demo.kmz@") for t in ts.tiles)
    assert len(ts.tiles) >= 36  # windows of ~50 m over the 6 x 6 demo tiles of ~50 m
    west = min(t.bounds.west for t in ts.tiles)
    north = max(t.bounds.north for t in ts.tiles)
    east = max(t.bounds.east for t in ts.tiles)
    south = min(t.bounds.south for t in ts.tiles)
    assert (west, south, east, north) == pytest.approx((b.west, b.south, b.east, b.north), abs=1e-7)


def test_kmz_latlonquad_parallelogram_is_placed(tmp_path):
    mosaic, b = demo_mosaic(0.5)
    corners = f"{b.west!r},{b.south!r} {b.east!r},{b.south!r} {b.east!r},{b.north!r} {b.west!r},{b.north!r}"
    kmz = _kmz(tmp_path / "quad.kmz", _kml(f"<gx:LatLonQuad><coordinates>{corners}</coordinates></gx:LatLonQuad>"),
               mosaic)
    ts = registry.load(kmz, LoadOptions(tile_size_m=100.0))
    assert min(t.bounds.west for t in ts.tiles) == pytest.approx(b.west, abs=1e-7)
    assert max(t.bounds.north for t in ts.tiles) == pytest.approx(b.north, abs=1e-7)


def test_kml_beside_its_image_is_read(tmp_path):
    mosaic, b = demo_mosaic(0.5)
    (tmp_path / "files").mkdir()
    mosaic.save(tmp_path / "files" / "mosaic.jpg")
    kml = tmp_path / "doc.kml"
    kml.write_text(_kml(_box(b)))
    ts = registry.load(kml, LoadOptions(tile_size_m=100.0))
    assert ts.tiles and max(t.bounds.north for t in ts.tiles) == pytest.approx(b.north, abs=1e-7)


def test_rotated_box_and_parallelogram_quad_are_placed(tmp_path):
    from affine import Affine

    from geolocator.core.sources.kml_overlay import Overlay, overlay_transform

    n, s, e, w = 0.5, -0.5, 2.0, 0.0  # centred on the equator: a degree east is as long as one north
    t = overlay_transform(Overlay("a.jpg", box=(n, s, e, w), rotation_deg=90.0), 200, 100, tmp_path / "a.kml")
    # 90° counter-clockwise about the centre (1, 0): the upper-left corner (0, 0.5), at (-1, 0.5) from the
    # centre, turns to (-0.5, -1); the lower-right corner (2, -0.5) turns to (0.5, 1) from the centre
    assert t @ (0, 0) == pytest.approx((0.5, -1.0))
    assert t @ (200, 100) == pytest.approx((1.5, 1.0))
    quad = ((0.0, 0.0), (2.0, 0.5), (2.5, 1.5), (0.5, 1.0))  # lower-left, lower-right, upper-right, upper-left
    t = overlay_transform(Overlay("a.jpg", quad=quad), 100, 50, tmp_path / "a.kml")
    assert isinstance(t, Affine)
    assert [t @ p for p in ((0, 50), (100, 50), (100, 0), (0, 0))] == [pytest.approx(q) for q in quad]


@pytest.mark.parametrize("rotation", [0.0, 25.0, -60.0, 90.0])
def test_rotated_box_places_the_mosaic_ground_within_a_pixel(tmp_path, rotation):
    """Known ground points (demo mosaic pixel -> lat/lon, from the demo's tile bounds) shown by an
    overlay turned as Google Earth turns it: the reader places the overlay pixel showing each
    within one mosaic pixel of it, and the north-up copy it cuts shows the mosaic's ground there."""
    import rasterio

    from geolocator.core.sources.kml_overlay import Overlay, overlay_transform

    mosaic, b = demo_mosaic(0.5)
    w, h = mosaic.size
    pixel_m = haversine_m(b.point_at(0, 0.5), b.point_at(1, 0.5)) / w  # ~0.39 m
    # a 7 x 7 grid of mosaic pixels inside the circle every rotation keeps on the image
    xs, ys = np.meshgrid(np.linspace(0.25, 0.75, 7) * w, np.linspace(0.25, 0.75, 7) * h)
    truth = [b.point_at(x / w, y / h) for x, y in zip(xs.ravel(), ys.ravel())]
    t = overlay_transform(Overlay("m.jpg", box=(b.north, b.south, b.east, b.west), rotation_deg=rotation), w, h,
                          tmp_path / "m.kml")
    for p in truth:
        u, v = _ground_to_overlay(b, rotation, p.lon, p.lat)
        lon, lat = t @ (float(u) * w, float(v) * h)
        assert haversine_m(LatLon(lat, lon), p) < pixel_m, (rotation, p, (lat, lon))

    image = _rotated_overlay_image(mosaic, b, rotation)
    ts = registry.load(_kmz(tmp_path / "rot.kmz", _kml(_box(b, rotation)), image), LoadOptions(tile_size_m=50.0))
    with warnings.catch_warnings():  # unrotated, the tiles' path is the plain JPEG: the KML places it
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(ts.tiles[0].path) as ds:  # the north-up copy (or, unrotated, the image itself)
            copy, inv = ds.read(), ~(ds.transform if rotation else t)
    grey_copy = copy[:3].astype(float).mean(axis=0)
    grey_mosaic = np.asarray(mosaic, dtype=float).mean(axis=2)
    # the copy sampled at the ground of a mosaic window around the centre: the same picture
    wx, wy = np.meshgrid(np.arange(w // 3, 2 * w // 3), np.arange(h // 3, 2 * h // 3))
    lon, lat = b.west + (wx + 0.5) / w * (b.east - b.west), b.north - (wy + 0.5) / h * (b.north - b.south)
    col, row = inv.a * lon + inv.b * lat + inv.c, inv.d * lon + inv.e * lat + inv.f
    seen = grey_copy[np.clip(row.astype(int), 0, grey_copy.shape[0] - 1), np.clip(col.astype(int), 0, grey_copy.shape[1] - 1)]
    want = grey_mosaic[wy, wx]
    assert np.corrcoef(seen.ravel(), want.ravel())[0, 1] > 0.9, rotation


def _copy_sampled_at_mosaic(copy_path, mosaic, b, window):
    """Grey values of the north-up copy at the ground of mosaic pixels (x0, y0, x1, y1 = `window`),
    nearest sample, and the mosaic's own grey values there."""
    import rasterio

    with rasterio.open(copy_path) as ds:
        grey, inv = ds.read()[:3].astype(float).mean(axis=0), ~ds.transform
    w, h = mosaic.size
    x0, y0, x1, y1 = window
    wx, wy = np.meshgrid(np.arange(x0, x1), np.arange(y0, y1))
    lon, lat = b.west + (wx + 0.5) / w * (b.east - b.west), b.north - (wy + 0.5) / h * (b.north - b.south)
    col, row = inv.a * lon + inv.b * lat + inv.c, inv.d * lon + inv.e * lat + inv.f
    seen = grey[np.clip(np.floor(row).astype(int), 0, grey.shape[0] - 1), np.clip(np.floor(col).astype(int), 0, grey.shape[1] - 1)]
    return seen, np.asarray(mosaic, dtype=float).mean(axis=2)[wy, wx]


def test_quad_not_a_parallelogram_is_warped_onto_its_corners(tmp_path):
    """A gx:LatLonQuad that is no parallelogram (a keystone) is read, not refused: the image is
    warped projectively onto the four corners, and the north-up copy shows the mosaic's ground
    where it lies, within a pixel (phase correlation)."""
    import cv2

    from geolocator.core.sources.kml_overlay import quad_homography

    mosaic, b = demo_mosaic(0.5)
    w, h = mosaic.size
    dx, dy = b.east - b.west, b.north - b.south
    # lower-left, lower-right, upper-right, upper-left: the top edge 30 % narrower, the bottom one shifted
    quad = ((b.west - 0.02 * dx, b.south + 0.03 * dy), (b.east + 0.05 * dx, b.south - 0.02 * dy),
            (b.east - 0.12 * dx, b.north + 0.01 * dy), (b.west + 0.15 * dx, b.north - 0.04 * dy))
    # the image: each pixel shows the ground the quad's homography puts it on (OpenCV's, in metres-ish local units)
    origin = np.array([b.west, b.south])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([np.subtract(quad[i], origin) / (dx, dy) for i in (3, 2, 1, 0)])
    hom = cv2.getPerspectiveTransform(src, dst)
    cols, rows = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    ground = cv2.perspectiveTransform(np.stack([cols, rows], axis=-1).reshape(-1, 1, 2).astype(np.float64), hom.astype(np.float64))
    map_x = (ground[:, 0, 0] * w - 0.5).reshape(h, w).astype(np.float32)
    map_y = ((1 - ground[:, 0, 1]) * h - 0.5).reshape(h, w).astype(np.float32)
    image = Image.fromarray(cv2.remap(np.asarray(mosaic), map_x, map_y, cv2.INTER_LINEAR))

    # the reader's homography agrees with OpenCV's at the corners and inside
    mine = quad_homography(quad, w, h, tmp_path / "q.kml")
    for c, r in ((0, 0), (w, h), (w / 3, h / 4), (0.8 * w, 0.6 * h)):
        x, y, z = mine @ (c, r, 1)
        u, v = cv2.perspectiveTransform(np.float64([[[c, r]]]), hom.astype(np.float64))[0, 0]
        assert (x / z, y / z) == pytest.approx((b.west + u * dx, b.south + v * dy), abs=1e-9)

    corners = " ".join(f"{lon!r},{lat!r}" for lon, lat in quad)
    kmz = _kmz(tmp_path / "keystone.kmz",
               _kml(f"<gx:LatLonQuad><coordinates>{corners}</coordinates></gx:LatLonQuad>"), image)
    ts = registry.load(kmz, LoadOptions(tile_size_m=50.0))
    assert ts.source == kmz and all(t.id.startswith("keystone.kmz@") for t in ts.tiles)
    seen, want = _copy_sampled_at_mosaic(ts.tiles[0].path, mosaic, b, (w // 4, h // 4, w // 4 + 256, h // 4 + 256))
    assert np.corrcoef(seen.ravel(), want.ravel())[0, 1] > 0.9
    (shift_x, shift_y), _ = cv2.phaseCorrelate(seen.astype(np.float32), want.astype(np.float32))
    assert math.hypot(shift_x, shift_y) < 1.0, (shift_x, shift_y)


def test_large_plain_image_is_cut_from_a_tiled_copy(tmp_path, monkeypatch):
    """A plain JPEG overlay over PLAIN_WINDOW_MAX_PIXELS (a Google Earth "Save image" export is
    often 8192 px square, over PIL's decoding budget) is copied once into a tiled GeoTIFF whose
    windows show the same ground as the image; the copy is made once and reused."""
    from geolocator.core.images import open_image
    from geolocator.core.sources import kml_overlay

    mosaic, b = demo_mosaic(0.5)
    monkeypatch.setattr(kml_overlay, "PLAIN_WINDOW_MAX_PIXELS", mosaic.size[0] * mosaic.size[1] - 1)
    kmz = _kmz(tmp_path / "big.kmz", _kml(_box(b)), mosaic)
    ts = registry.load(kmz, LoadOptions(tile_size_m=50.0))
    assert {Path(t.path).suffix for t in ts.tiles} == {".tif"} and all(t.id.startswith("big.kmz@") for t in ts.tiles)
    assert min(t.bounds.west for t in ts.tiles) == pytest.approx(b.west, abs=1e-7)
    assert max(t.bounds.north for t in ts.tiles) == pytest.approx(b.north, abs=1e-7)
    w, h = mosaic.size
    grey = np.asarray(mosaic, dtype=float).mean(axis=2)
    for t in ts.tiles[::7]:  # each window shows the mosaic's pixels at its bounds
        window = np.asarray(open_image(t.path, t.window), dtype=float).mean(axis=2)
        x0, y0 = round((t.bounds.west - b.west) / (b.east - b.west) * w), round((b.north - t.bounds.north) / (b.north - b.south) * h)
        want = grey[y0:y0 + window.shape[0], x0:x0 + window.shape[1]]
        assert want.shape == window.shape and np.corrcoef(window.ravel(), want.ravel())[0, 1] > 0.98
    again = registry.load(kmz, LoadOptions(tile_size_m=50.0))
    assert again.tiles[0].path == ts.tiles[0].path


@pytest.mark.slow
@pytest.mark.parametrize("rotation", [0.0, 25.0])
def test_demo_photo_located_through_a_kmz_within_a_metre(tmp_path, rotation):
    from geolocator.cli import main

    mosaic, b = demo_mosaic(1.0)
    image = _rotated_overlay_image(mosaic, b, rotation) if rotation else mosaic
    kmz = _kmz(tmp_path / "demo.kmz", _kml(_box(b, rotation)), image)
    queries = tmp_path / "queries"
    queries.mkdir()
    picked = _central_queries(b, 2)
    for q, _ in picked:
        shutil.copy(DEMO / q, queries / Path(q).name)
    out = tmp_path / "p.geojson"
    assert main(["locate", str(queries), "--tiles", str(kmz), "--tile-size-m", "50", "--out", str(out),
                 "--backbone", "efficientnet_lite0", "--cache-dir", str(tmp_path / "cache"), "-q"]) == 0
    points = {Path(f["properties"]["query"]).name: f for f in json.loads(out.read_text())["features"]
              if f["geometry"]["type"] == "Point"}
    for q, truth in picked:  # truth scores only
        lon, lat = points[Path(q).name]["geometry"]["coordinates"]
        assert haversine_m(LatLon(lat, lon), truth) < 1.0, (q, rotation, points[Path(q).name]["properties"])


@pytest.mark.parametrize("kml, words", [
    (_kml(_box(type("B", (), {"north": 1.0, "south": 0.0, "east": 1.0, "west": 0.0})()),
          href="http://example.com/tile.png"), "network link"),
    (_kml(""), "no <LatLonBox> nor <gx:LatLonQuad>"),
    (_kml("<gx:LatLonQuad><coordinates>0,0 2,0 0,1 2,1.5</coordinates></gx:LatLonQuad>"), "not a convex"),
    ('<kml xmlns="http://www.opengis.net/kml/2.2"><NetworkLink><Link><href>http://x/y.kml</href></Link>'
     '</NetworkLink></kml>', "NetworkLink"),
    ('<!DOCTYPE kml [<!ENTITY a "aaaa">]><kml>&a;</kml>', "not a readable KML document"),
])
def test_unsupported_overlays_are_refused_naming_the_file(tmp_path, kml, words):
    mosaic, _ = demo_mosaic(0.25)
    kmz = _kmz(tmp_path / "odd.kmz", kml, mosaic)
    with pytest.raises(InputError) as err:
        registry.load(kmz, LoadOptions(tile_size_m=50.0))
    assert str(kmz) in str(err.value) and words in str(err.value)


def test_missing_image_and_bad_zip_are_refused_naming_the_file(tmp_path):
    _, b = demo_mosaic(0.25)
    kmz = _kmz(tmp_path / "noimage.kmz", _kml(_box(b)))
    with pytest.raises(InputError, match="files/mosaic.jpg is not in the KMZ") as err:
        registry.load(kmz)
    assert str(kmz) in str(err.value)
    broken = tmp_path / "broken.kmz"
    broken.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a readable KMZ") as err:
        registry.load(broken)
    assert str(broken) in str(err.value)


def test_several_overlays_read_the_first_and_say_so(tmp_path, caplog):
    mosaic, b = demo_mosaic(0.5)
    second = '<GroundOverlay><Icon><href>other.jpg</href></Icon><LatLonBox><north>1</north><south>0</south>' \
             '<east>1</east><west>0</west></LatLonBox></GroundOverlay>'
    kmz = _kmz(tmp_path / "two.kmz", _kml(_box(b), extra=second), mosaic)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        ts = registry.load(kmz, LoadOptions(tile_size_m=100.0))
    assert max(t.bounds.north for t in ts.tiles) == pytest.approx(b.north, abs=1e-7)
    assert any("2 image overlays; only the first is read" in r.getMessage() and str(kmz) in r.getMessage()
               for r in caplog.records)


def test_box_across_the_antimeridian_is_placed_either_side(tmp_path):
    """KML gives east below west for a box across ±180°: the tiles lie both sides of it."""
    mosaic, _ = demo_mosaic(0.5)
    box = type("B", (), {"north": 10.002, "south": 10.0, "east": -179.999, "west": 179.999})()
    ts = registry.load(_kmz(tmp_path / "am.kmz", _kml(_box(box)), mosaic), LoadOptions(tile_size_m=100.0))
    east_side = [t.bounds for t in ts.tiles if t.bounds.west > 0]
    west_side = [t.bounds for t in ts.tiles if t.bounds.west < 0]
    assert east_side and west_side
    assert min(b.west for b in east_side) == pytest.approx(179.999, abs=1e-7)
    assert max(b.east for b in west_side) == pytest.approx(-179.999, abs=1e-7)
    assert any(b.east < b.west for b in east_side)  # the window over ±180° straddles it


def test_quad_across_the_antimeridian_is_placed_either_side(tmp_path):
    """A gx:LatLonQuad whose corners lie either side of ±180° (179.999 and -179.999): its longitudes
    are continued from the first corner's, so it is a 0.002° box, not one spanning the globe."""
    mosaic, _ = demo_mosaic(0.5)
    corners = "179.999,10.0 -179.999,10.0 -179.999,10.002 179.999,10.002"
    kmz = _kmz(tmp_path / "amq.kmz", _kml(f"<gx:LatLonQuad><coordinates>{corners}</coordinates></gx:LatLonQuad>"), mosaic)
    ts = registry.load(kmz, LoadOptions(tile_size_m=100.0))
    east_side = [t.bounds for t in ts.tiles if t.bounds.west > 0]
    west_side = [t.bounds for t in ts.tiles if t.bounds.west < 0]
    assert east_side and west_side
    assert min(b.west for b in east_side) == pytest.approx(179.999, abs=1e-7)
    assert max(b.east for b in west_side) == pytest.approx(-179.999, abs=1e-7)
