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
