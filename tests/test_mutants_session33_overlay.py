"""Tests the session-33 mutation check (training/mutation_check_session33.py) found missing for the
KMZ/KML overlay reader (core/sources/kml_overlay.py): each kills a mutant the earlier tests let through
(named in its docstring)."""

from __future__ import annotations

import pytest

pytest.importorskip("rasterio")

from geolocator.core.sources import registry  # noqa: E402
from geolocator.core.sources.registry import LoadOptions  # noqa: E402

from .flight_helpers import demo_mosaic  # noqa: E402
from .test_kml_overlay import _box, _kml  # noqa: E402


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))


def _shifted(b, east: float):
    return type("B", (), {"north": b.north, "south": b.south, "east": b.east + east, "west": b.west + east})()


def test_a_kml_moved_to_another_box_is_read_at_its_new_place_not_from_the_old_copy(tmp_path, monkeypatch):
    """KO16: the tiled copy of a large plain image is keyed by the placement too: the same image beside
    a KML edited to another LatLonBox (a user correcting the overlay) is cut where the KML now puts it,
    not from the copy made for the old box."""
    from geolocator.core.sources import kml_overlay

    mosaic, b = demo_mosaic(0.5)
    monkeypatch.setattr(kml_overlay, "PLAIN_WINDOW_MAX_PIXELS", mosaic.size[0] * mosaic.size[1] - 1)
    (tmp_path / "files").mkdir()
    mosaic.save(tmp_path / "files" / "mosaic.jpg")
    kml = tmp_path / "doc.kml"
    kml.write_text(_kml(_box(b)))
    first = registry.load(kml, LoadOptions(tile_size_m=100.0))
    assert min(t.bounds.west for t in first.tiles) == pytest.approx(b.west, abs=1e-7)
    moved = _shifted(b, 0.001)
    kml.write_text(_kml(_box(moved)))
    second = registry.load(kml, LoadOptions(tile_size_m=100.0))
    assert {t.path for t in second.tiles} != {t.path for t in first.tiles}
    assert min(t.bounds.west for t in second.tiles) == pytest.approx(moved.west, abs=1e-7)


def test_a_rotated_box_centred_on_a_pole_is_refused_naming_the_file(tmp_path):
    """KO2: a rotated LatLonBox whose centre is (within rounding) a pole has no east to turn from: refused
    with an InputError naming the file, not placed by a transform scaled by ~1e12."""
    from geolocator.core.errors import InputError
    from geolocator.core.sources.kml_overlay import Overlay, overlay_transform

    path = tmp_path / "pole.kml"
    with pytest.raises(InputError, match="centred on a pole") as caught:
        overlay_transform(Overlay("i.jpg", box=(90.0, 90.0 - 1e-10, 10.0, 0.0), rotation_deg=30.0), 100, 100, path)
    assert "pole.kml" in str(caught.value)
    # the same box unrotated is placed (nothing to turn)
    t = overlay_transform(Overlay("i.jpg", box=(90.0, 90.0 - 1e-10, 10.0, 0.0)), 100, 100, path)
    assert (t.c, t.f) == (0.0, 90.0)


def test_a_quad_a_little_off_a_parallelogram_is_warped_projectively_not_placed_by_an_affine(tmp_path):
    """KO7: a gx:LatLonQuad whose corners are 2 % of its size off a parallelogram (a slight keystone)
    is placed by its homography (overlay_transform None), since an affine would put its edges up to
    1 % of the overlay away; one within rounding (1e-5) of a parallelogram is an affine."""
    from geolocator.core.sources.kml_overlay import Overlay, overlay_transform

    path = tmp_path / "q.kml"
    square = [(8.0, 47.0), (8.01, 47.0), (8.01, 47.01), (8.0, 47.01)]  # ll, lr, ur, ul
    keystone = square[:2] + [(8.01 - 0.0002, 47.01), (8.0 + 0.0002, 47.01)]  # top edge 4 % narrower
    assert overlay_transform(Overlay("i.jpg", quad=tuple(keystone)), 100, 100, path) is None
    nearly = square[:2] + [(8.01 + 1e-7, 47.01), square[3]]
    t = overlay_transform(Overlay("i.jpg", quad=tuple(nearly)), 100, 100, path)
    assert t is not None and (t.c, t.f) == (8.0, 47.01)


def test_a_large_jpeg_overlay_is_copied_as_jpeg_not_as_a_far_larger_deflate_file(tmp_path, monkeypatch):
    """KO13: the tiled copy of a large JPEG overlay stays JPEG-compressed (YCbCr, quality 90): an 8192 px
    square Google Earth export kept losslessly would take several times the disk of the JPEG it came from."""
    import rasterio

    from geolocator.core.sources import kml_overlay

    mosaic, b = demo_mosaic(0.5)
    monkeypatch.setattr(kml_overlay, "PLAIN_WINDOW_MAX_PIXELS", mosaic.size[0] * mosaic.size[1] - 1)
    (tmp_path / "files").mkdir()
    mosaic.save(tmp_path / "files" / "mosaic.jpg")
    (tmp_path / "doc.kml").write_text(_kml(_box(b)))
    ts = registry.load(tmp_path / "doc.kml", LoadOptions(tile_size_m=100.0))
    with rasterio.open(ts.tiles[0].path) as ds:
        assert ds.compression is not None and ds.compression.name.lower() == "jpeg"
        assert ds.block_shapes[0] == (256, 256)


def test_a_keystone_quad_edited_to_other_corners_is_warped_onto_the_new_ones(tmp_path):
    """KO17: the GDAL VRT carrying a non-parallelogram quad's ground control points is keyed by the quad:
    the same image beside a KML whose gx:LatLonQuad was edited (moved 0.001° east) is cut where the new
    corners put it (GDAL warps by the points stored in the VRT, so a stale VRT would keep the old place)."""
    mosaic, b = demo_mosaic(0.5)
    dx = b.east - b.west
    (tmp_path / "files").mkdir()
    mosaic.save(tmp_path / "files" / "mosaic.jpg")
    kml = tmp_path / "doc.kml"

    def load(east: float):
        quad = ((b.west + east, b.south), (b.east + east, b.south), (b.east + east - 0.1 * dx, b.north),
                (b.west + east + 0.1 * dx, b.north))
        corners = " ".join(f"{lon!r},{lat!r}" for lon, lat in quad)
        kml.write_text(_kml(f"<gx:LatLonQuad><coordinates>{corners}</coordinates></gx:LatLonQuad>"))
        ts = registry.load(kml, LoadOptions(tile_size_m=100.0))
        return min(t.bounds.west for t in ts.tiles), max(t.bounds.east for t in ts.tiles)

    west, east = load(0.0)
    assert west == pytest.approx(b.west, abs=0.02 * dx) and east == pytest.approx(b.east, abs=0.02 * dx)
    west2, east2 = load(0.001)
    assert west2 - west == pytest.approx(0.001, abs=0.02 * dx) and east2 - east == pytest.approx(0.001, abs=0.02 * dx)


def test_a_quad_across_the_antimeridian_is_read_as_a_small_quad_at_once(tmp_path):
    """KO5: the corners of a gx:LatLonQuad either side of ±180° are continued from the first corner's
    longitude when the KML is read (parse_overlay), so the quad is 0.002° wide; without it the reader
    took it for one spanning the globe and test_kml_overlay's test ran past a minute cutting it."""
    from geolocator.core.sources.kml_overlay import parse_overlay

    corners = "179.999,10.0 -179.999,10.0 -179.999,10.002 179.999,10.002"
    text = _kml(f"<gx:LatLonQuad><coordinates>{corners}</coordinates></gx:LatLonQuad>").encode()
    quad = parse_overlay(text, tmp_path / "amq.kml").quad
    lons = [lon for lon, _ in quad]
    assert lons == pytest.approx([179.999, 180.001, 180.001, 179.999], abs=1e-9)
