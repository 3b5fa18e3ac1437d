"""Field cases 02 (position only in DJI XMP) and 04 (GPSStatus V) through the CLI, real offline
backbone: 02's error is reported against its XMP truth, 04 has no truth and says why."""

import json
from pathlib import Path

import pytest

from geolocator.cli import main

FIELD = Path(__file__).resolve().parents[1].parent / "shared" / "field-cases"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (FIELD / "demo-tiles" / "tiles.csv").is_file(), reason="../shared/field-cases is not beside this checkout"),
]


def test_xmp_truth_gives_an_error_and_a_void_fix_gives_a_note(tmp_path):
    out = tmp_path / "p.geojson"
    rc = main(["locate", str(FIELD / "02-exif-gps-empty-xmp-only" / "queries" / "DJI_0101.JPG"),
               str(FIELD / "04-gps-status-void" / "queries" / "DJI_0065.JPG"),
               "--tiles", str(FIELD / "demo-tiles" / "tiles.csv"), "--out", str(out),
               "--backbone", "efficientnet_lite0", "--tile-views", "1", "--cache-dir", str(tmp_path / "cache"), "-q"])
    assert rc == 0
    props = {f["properties"]["query"]: f["properties"] for f in json.loads(out.read_text())["features"]}
    xmp = props["DJI_0101.JPG"]
    assert (xmp["truth_lat"], xmp["truth_lon"]) == (36.1418363, -115.2334184) and xmp["truth_source"] == "xmp:drone-dji"
    assert xmp["error_m"] is not None and xmp["error_m"] < 5  # the Point is the best estimate: measured 0.07 m
    assert xmp["relative_altitude_m"] == 40.0
    void = props["DJI_0065.JPG"]
    assert "truth_lat" not in void and "error_m" not in void  # a void fix is not scored
    assert "GPSStatus V" in void["truth_note"]
