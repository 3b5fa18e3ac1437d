"""An area given in a CRS (fetch-tiles --bbox-crs, the app's Box 'in') that lies partly outside that CRS's
area of use (pyproj CRS.area_of_use) is warned of, naming the box, the CRS, its area and the share
outside; an area of use across 180° (NAD83, Alaska Albers) holds the boxes inside it (session 35,
training/results/fieldin35_session35.md)."""

from __future__ import annotations

import pytest

pyproj = pytest.importorskip("pyproj")

from geolocator.cli import main  # noqa: E402
from geolocator.core.model import Bounds  # noqa: E402
from geolocator.core.sources import fetch as F  # noqa: E402
from geolocator.core.sources.area_crs import share_outside  # noqa: E402


def _box_in(crs: str, west: float, south: float, east: float, north: float) -> str:
    """min x, min y, max x, max y in `crs` of the degree box's south-west and north-east corners."""
    t = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    (x0, y0), (x1, y1) = t.transform(west, south), t.transform(east, north)
    return f"{x0!r},{y0!r},{x1!r},{y1!r}"


def test_a_box_half_outside_a_utm_zone_is_warned_of_naming_the_box_the_crs_and_its_area():
    box = _box_in("EPSG:32632", 11.0, 48.0, 13.0, 48.5)  # Munich to past Passau: zone 32N ends at 12°E
    got = F.parse_bbox(box, "EPSG:32632")  # still the box asked for: a warning, not a refusal
    assert 10.99 < got.west < 11.01 and 12.99 < got.east < 13.01
    note = F.bbox_crs_note(box, "EPSG:32632")
    assert note is not None
    assert note.startswith(f"--bbox {','.join(f'{float(v):.10g}' for v in box.split(','))} in EPSG:32632 (11.0000,")
    assert " lies 50% outside the area EPSG:32632 is made for (Between 6°E and 12°E, northern hemisphere" in note
    assert ": 6,0,12,84), where it is not made to be accurate" in note and "e+06" not in note


@pytest.mark.parametrize("box, crs", [
    (_box_in("EPSG:32632", 11.0, 48.0, 11.9, 48.5), "EPSG:32632"),  # inside the zone
    ("92000,436000,93000,437000", "EPSG:28992"),  # Rotterdam in RD New
    ("5,50,6,51", None), ("5,50,6,51", "EPSG:4326"),  # degrees
    ("4.46,51.90,4.47,51.91", "EPSG:28992"),  # wholly outside: refused by parse_bbox, which says more
    ("1,2,3", "EPSG:28992"), ("1,2,3,4", "EPSG:999999"),  # not a box, no CRS
])
def test_no_warning_for_a_box_inside_degrees_or_one_refused(box, crs):
    assert F.bbox_crs_note(box, crs) is None


def test_a_box_inside_an_area_of_use_across_180_degrees_is_that_box():
    """NAD83 (EPSG:4269) is made for 167.65°E eastwards to 40.73°W; before, every box west of -40.73 (all of
    the USA and Canada) was refused as 'wholly outside' it, and so was Alaska Albers (EPSG:3338)."""
    assert F.parse_bbox("-130,50,-100,60", "EPSG:4269") == pytest.approx(Bounds(-130.0, 50.0, -100.0, 60.0))
    alaska = F.parse_bbox(_box_in("EPSG:3338", -150.0, 61.0, -149.5, 61.3), "EPSG:3338")
    assert -150.3 < alaska.west < alaska.east < -149.2 and 60.9 < alaska.south < alaska.north < 61.4
    assert F.bbox_crs_note("-130,50,-100,60", "EPSG:4269") is None
    assert "lies 10% outside the area EPSG:4269" in F.bbox_crs_note("-130,10,-100,60", "EPSG:4269")
    with pytest.raises(F.AreaCrsError, match="wholly outside the area EPSG:4269 is made for"):
        F.parse_bbox("150,50,160,60", "EPSG:4269")


def test_the_share_outside_in_degrees_on_each_side_and_across_180():
    class Use:
        west, south, east, north = 170.0, 0.0, -170.0, 10.0  # across 180°

    assert share_outside(Bounds(175.0, 2.0, 179.0, 8.0), Use) == 0.0
    assert share_outside(Bounds(-179.0, 2.0, -175.0, 8.0), Use) == 0.0
    assert share_outside(Bounds(160.0, 0.0, 180.0, 10.0), Use) == pytest.approx(0.5)
    assert share_outside(Bounds(-175.0, 5.0, -165.0, 15.0), Use) == pytest.approx(0.75)
    assert share_outside(Bounds(0.0, 0.0, 10.0, 10.0), Use) == 1.0


def test_fetch_tiles_warns_of_a_box_partly_outside_its_crs(tmp_path, capsys):
    box = _box_in("EPSG:32632", 11.0, 48.0, 13.0, 48.5)
    assert main(["fetch-tiles", "http://127.0.0.1:9/{z}/{x}/{y}.jpg", f"--bbox={box}", "--bbox-crs", "EPSG:32632",
                 "--zoom", "8", "--attribution", "D", "--out", str(tmp_path / "a.mbtiles"), "--dry-run", "-q"]) == 0
    err = capsys.readouterr().err
    assert "lies 50% outside the area EPSG:32632 is made for" in err

