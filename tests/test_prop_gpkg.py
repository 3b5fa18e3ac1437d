"""Property tests of GeoPackage raster tiles (core/sources/gpkg.py, OGC 12-128r18 clause 2.2): a tile
pyramid in any CRS pyproj knows, its tile matrix set and tile matrices as a writer sets them, places each
stored tile where the CRS puts its corners. Deterministic (derandomize), like every tests/test_prop_*.py.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from geolocator.core.sources import gpkg

from .tile_packages import _gpkg

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

# (EPSG, a point (x, y) inside its area of use in x/y = easting/longitude-first order, a tile span in CRS
# units): Web Mercator; WGS84 (degrees); UTM 32N; LV95; ETRS89-LAEA and RD New (whose EPSG axis orders
# differ: LAEA is northing first, 4326 latitude first: a GeoPackage stores x/y whatever the CRS says)
CRSS = [(3857, (800_000.0, 5_900_000.0), 600.0), (4326, (7.5, 46.5), 0.01), (32632, (420_000.0, 5_150_000.0), 500.0),
        (2056, (2_600_000.0, 1_200_000.0), 500.0), (3035, (4_200_000.0, 2_600_000.0), 500.0),
        (28992, (150_000.0, 450_000.0), 400.0), (32760, (500_000.0, 5_000_000.0), 500.0)]


@st.composite
def pyramids(draw):
    epsg, (cx, cy), span = draw(st.sampled_from(CRSS))
    mw, mh = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    px = draw(st.sampled_from([256, 512]))
    size = span * draw(st.floats(0.25, 4.0)) / px  # CRS units per pixel
    x0 = cx - draw(st.floats(0.0, 1.0)) * mw * px * size
    y1 = cy + draw(st.floats(0.0, 1.0)) * mh * px * size
    extent = (x0, y1 - mh * px * size, x0 + mw * px * size, y1)
    cells = draw(st.lists(st.tuples(st.integers(0, mw - 1), st.integers(0, mh - 1)), min_size=1, max_size=6,
                          unique=True))
    return epsg, extent, (mw, mh, px, size), cells


@prop(25)
@given(pyramids())
def test_a_geopackage_tile_lies_where_its_crs_puts_its_corners(pyramid):
    """OGC 12-128r18 §2.2.6-2.2.7: gpkg_tile_matrix_set's min_x/min_y/max_x/max_y bound the tiles, in the
    srs_id's CRS with x = easting/longitude (GeoPackage coordinates are x/y, whatever the CRS's own axis
    order, §2.1.3.1.1 / Annex F note); tile (column, row) of a matrix spans tile_width x pixel_x_size
    east from min_x and tile_height x pixel_y_size south from max_y, rows counted from the north (§2.2.7:
    "tile_row ... from the top"). Property: each loaded tile's WGS84 bounds hold its four corners and its
    middle as pyproj (always_xy) transforms them, to 1e-9°, and are no wider than their densified edges' box
    plus 1e-7 of its size; its ref names its table, zoom, column and row."""
    from pyproj import Transformer

    epsg, extent, (mw, mh, px, size), cells = pyramid
    to_wgs = Transformer.from_crs(epsg, 4326, always_xy=True)
    with tempfile.TemporaryDirectory(prefix="propfuzz35-") as root:
        path = _gpkg(Path(root) / "p.gpkg", "t", epsg, extent, {5: (mw, mh, px, size)},
                     {(5, c, r): b"x" for c, r in cells})
        tiles = gpkg.load(path, zoom=5).tiles
    assert sorted(t.ref for t in tiles) == sorted(f"t/5/{c}/{r}" for c, r in cells)
    span = px * size
    for t in tiles:
        _, _, c, r = t.ref.split("/")
        x0, y1 = extent[0] + int(c) * span, extent[3] - int(r) * span
        steps = [i / 20 for i in range(21)]
        edge = ([(x0 + f * span, y1) for f in steps] + [(x0 + f * span, y1 - span) for f in steps]
                + [(x0, y1 - f * span) for f in steps] + [(x0 + span, y1 - f * span) for f in steps])
        lons, lats = to_wgs.transform([p[0] for p in edge], [p[1] for p in edge])
        b = t.bounds
        for lon, lat in [(lons[0], lats[0]), (lons[20], lats[20]), (lons[21], lats[21]), (lons[41], lats[41])]:
            assert b.west - 1e-9 <= lon <= b.east + 1e-9 and b.south - 1e-9 <= lat <= b.north + 1e-9, (epsg, t.ref)
        mlon, mlat = to_wgs.transform(x0 + span / 2, y1 - span / 2)
        assert b.contains(type(b.center)(mlat, mlon))
        slack_x, slack_y = 1e-7 * (max(lons) - min(lons)) + 1e-9, 1e-7 * (max(lats) - min(lats)) + 1e-9
        assert b.west >= min(lons) - slack_x and b.east <= max(lons) + slack_x, (epsg, t.ref, b, min(lons), max(lons))
        assert b.south >= min(lats) - slack_y and b.north <= max(lats) + slack_y, (epsg, t.ref, b)
