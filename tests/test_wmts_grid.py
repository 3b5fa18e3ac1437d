"""WMTS tile matrix sets in a national grid (core/sources/wmts_grid.py) and areas given in a national
CRS (`fetch-tiles --bbox-crs`, core/sources/area_crs.py), session 28.

A stand-in national-grid service on 127.0.0.1 (GridServer) cuts its tiles from one raster of known
georeference in NAD83 / Nevada East (EPSG:32107, a state grid with 0.2 degrees of grid convergence
at the demo region, Las Vegas): the demo imagery warped once into that CRS with an origin that falls
on no tile boundary, so every served tile is resampled from it. The fetched GeoPackage's
georeference is checked against that raster's by phase correlation of the pixels, and photos are
located in it end to end. Axis order: a set in SWEREF99 TM (EPSG:3006) and one in EPSG:4326, both
northing first in their TopLeftCorner."""

from __future__ import annotations

import io
import math
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image

from geolocator.cli import main
from geolocator.core.model import Bounds
from geolocator.core.sources import fetch as F
from geolocator.core.sources.wmts import read_service, wmts_template

from .test_wmts import capabilities, layer
from .tile_packages import demo_mosaic
from .tile_server import AnswerServer

CRS = "EPSG:32107"  # NAD83 / Nevada East, metres, easting first
LEFT, TOP = 200_000.0, 8_200_000.0  # the set's TopLeftCorner (metres)
PIXELS_M = (3.2, 1.6, 0.8, 0.4, 0.2)  # levels 0..4
SOURCE_PX_M = 0.25  # the source raster's pixel: no level's, so every tile is resampled
PAD_M = 40.0


def _matrix(ident: str, pixel_m: float, corner: str, width: int, height: int) -> str:
    return (f"<TileMatrix><ows:Identifier>{ident}</ows:Identifier><ScaleDenominator>{pixel_m / 0.00028!r}"
            f"</ScaleDenominator><TopLeftCorner>{corner}</TopLeftCorner><TileWidth>256</TileWidth>"
            f"<TileHeight>256</TileHeight><MatrixWidth>{width}</MatrixWidth><MatrixHeight>{height}</MatrixHeight>"
            "</TileMatrix>")


def grid_set_xml(ident: str = "NV", crs: str = "urn:ogc:def:crs:EPSG::32107", corner: str = f"{LEFT} {TOP}",
                 pixels=PIXELS_M, extent_m: float = 60_000.0) -> str:
    body = "".join(_matrix(f"L{i:02d}", p, corner, math.ceil(extent_m / (256 * p)), math.ceil(extent_m / (256 * p)))
                   for i, p in enumerate(pixels))
    return (f"<TileMatrixSet><ows:Identifier>{ident}</ows:Identifier><ows:SupportedCRS>{crs}</ows:SupportedCRS>"
            f"{body}</TileMatrixSet>")


class Source:
    """The demo imagery warped once into EPSG:32107: `image` (RGB array), its top-left corner
    (`x0`, `y0`, metres; on no tile boundary) and pixel `SOURCE_PX_M`. The ground truth the tests
    measure the fetched georeference against."""

    def __init__(self) -> None:
        import cv2
        from pyproj import Transformer

        mosaic, b = demo_mosaic()
        self.bounds = b
        to_crs = Transformer.from_crs(4326, CRS, always_xy=True)
        to_wgs = Transformer.from_crs(CRS, 4326, always_xy=True)
        x0, y0, x1, y1 = to_crs.transform_bounds(b.west, b.south, b.east, b.north, densify_pts=21)
        self.x0, self.y0 = x0 - PAD_M - 7.13, y1 + PAD_M + 3.71  # off the tile grid on purpose
        w = math.ceil((x1 - x0 + 2 * PAD_M) / SOURCE_PX_M)
        h = math.ceil((y1 - y0 + 2 * PAD_M) / SOURCE_PX_M)
        jj, ii = np.mgrid[0:h, 0:w]
        lons, lats = to_wgs.transform(self.x0 + (ii + 0.5) * SOURCE_PX_M, self.y0 - (jj + 0.5) * SOURCE_PX_M)
        m = np.asarray(mosaic)
        u = ((lons - b.west) / (b.east - b.west) * m.shape[1] - 0.5).astype(np.float32)
        v = ((b.north - lats) / (b.north - b.south) * m.shape[0] - 0.5).astype(np.float32)
        self.image = cv2.remap(m, u, v, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)

    def cut(self, left: float, top: float, pixel: float, size: int = 256) -> np.ndarray:
        """The size x size image whose top-left corner is (left, top) metres and pixel `pixel` metres."""
        import cv2

        a = pixel / SOURCE_PX_M
        m = np.array([[a, 0, (left - self.x0) / SOURCE_PX_M + 0.5 * a - 0.5],
                      [0, a, (self.y0 - top) / SOURCE_PX_M + 0.5 * a - 0.5]], dtype=np.float64)
        return cv2.warpAffine(self.image, m, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)

    def covers(self, left: float, top: float, span: float) -> bool:
        h, w = self.image.shape[:2]
        return (left < self.x0 + w * SOURCE_PX_M and left + span > self.x0 and top > self.y0 - h * SOURCE_PX_M
                and top - span < self.y0)


class GridServer(AnswerServer):
    """127.0.0.1: /caps.xml and RESTful tiles /grid/{TileMatrix}/{TileRow}/{TileCol}.png cut from
    `source` at the matrix's pixel size (404 outside it). Paths asked for are logged."""

    def __init__(self, source: Source, fmt: str = "png", pixels=PIXELS_M, corners=None, set_xml: str | None = None) -> None:
        super().__init__()
        self.source, self.fmt = source, fmt
        self.pixels = pixels  # each level's pixel (metres) and top-left corner, as the set's document says
        self.corners = corners or [(LEFT, TOP)] * len(pixels)
        mime = "image/png" if fmt == "png" else "image/jpeg"
        self.doc = capabilities([layer("ortho-nv", ["NV"], formats=(mime,),
                                       rest=f"{self.base}/grid/{{TileMatrix}}/{{TileRow}}/{{TileCol}}.{fmt}")],
                                [set_xml or grid_set_xml()])

    def answer(self, path: str) -> tuple[int, bytes]:
        p = urlsplit(path).path
        if p == "/caps.xml":
            return 200, self.doc
        m = re.fullmatch(r"/grid/L(\d\d)/(\d+)/(\d+)\.(png|jpeg)", p)
        if not m:
            return 400, b"bad request"
        level, row, col = int(m[1]), int(m[2]), int(m[3])
        pixel = self.pixels[level]
        left, top = self.corners[level][0] + col * 256 * pixel, self.corners[level][1] - row * 256 * pixel
        if not self.source.covers(left, top, 256 * pixel):
            return 404, b"no tile"
        buf = io.BytesIO()
        Image.fromarray(self.source.cut(left, top, pixel)).save(buf, "PNG" if self.fmt == "png" else "JPEG", quality=92)
        return 200, buf.getvalue()


@pytest.fixture(scope="module")
def source():
    pytest.importorskip("cv2")
    return Source()


def _crs_box(b: Bounds, margin_m: float = 0.0) -> str:
    """The demo area as MINX,MINY,MAXX,MAXY in EPSG:32107 (what a mapper with state-grid coordinates types)."""
    from pyproj import Transformer

    x0, y0, x1, y1 = Transformer.from_crs(4326, CRS, always_xy=True).transform_bounds(
        b.west, b.south, b.east, b.north, densify_pts=21)
    return f"{x0 - margin_m:.2f},{y0 - margin_m:.2f},{x1 + margin_m:.2f},{y1 + margin_m:.2f}"


# ---------------------------------------------------------------- --bbox-crs


def test_a_box_in_a_national_crs_becomes_the_degrees_box_holding_its_curved_edges():
    from pyproj import Transformer

    # a 200 km box in Lambert-93 (EPSG:2154) astride its central meridian (3 E, x = 700 000): its
    # northern edge bulges north mid-way (parallels are arcs about the cone's apex, the straight edge
    # is nearest the apex on the meridian), so the box of its four corners alone would cut it off
    x0, y0, x1, y1 = 600_000.0, 6_800_000.0, 800_000.0, 6_900_000.0
    b = F.parse_bbox(f"{x0},{y0},{x1},{y1}", "EPSG:2154")
    t = Transformer.from_crs(2154, 4326, always_xy=True)
    xs = np.r_[np.linspace(x0, x1, 101), np.linspace(x0, x1, 101), np.full(101, x0), np.full(101, x1)]
    ys = np.r_[np.full(101, y0), np.full(101, y1), np.linspace(y0, y1, 101), np.linspace(y0, y1, 101)]
    lons, lats = t.transform(xs, ys)
    tol = 1e-6
    assert b.west <= lons.min() + tol and b.east >= lons.max() - tol
    assert b.south <= lats.min() + tol and b.north >= lats.max() - tol
    corners_north = max(t.transform([x0, x1], [y1, y1])[1])
    assert lats.max() > corners_north + 1e-3  # the edge does bulge: corners alone would not do
    assert b.north - lats.max() < 1e-4  # and the box is not grown beyond it
    # RD New (EPSG:28992): Rotterdam's centre
    rd = F.parse_bbox("92000,436000,93000,437000", "urn:ogc:def:crs:EPSG::28992")
    assert 4.47 < rd.west < rd.east < 4.49 and 51.90 < rd.south < rd.north < 51.92
    assert F.parse_bbox("1,2,3,4", "EPSG:4326") == F.parse_bbox("1,2,3,4") == Bounds(1, 2, 3, 4)


@pytest.mark.parametrize("box, crs, words", [
    ("93000,436000,92000,437000", "EPSG:28992", "min x (93000) must be less than max x (92000)"),
    ("92000,437000,93000,437000", "EPSG:28992", "min y (437000) must be less than max y (437000)"),
    ("1,2,3,4", "EPSG:999999", "--bbox-crs 'EPSG:999999': unknown coordinate system"),
    ("1,2,3,4", "not a crs", "--bbox-crs 'not a crs': unknown coordinate system"),
    ("4.3,51.8,4.4,51.9", "EPSG:28992", "wholly outside the area EPSG:28992 is made for"),  # degrees given as RD
])
def test_a_bad_box_or_crs_is_refused_naming_it(box, crs, words):
    with pytest.raises(F.FetchError, match=re.escape(words)):
        F.parse_bbox(box, crs)


def test_fetch_tiles_bbox_crs_fetches_the_area_given_in_a_national_crs(tmp_path, source, capsys):
    # the CLI end: the same tiles as the area in degrees, and clear refusals
    with GridServer(source) as server:
        args = ["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "ortho-nv", "--zoom", "2", "-q"]
        assert main(args + [f"--bbox={_crs_box(source.bounds)}", "--bbox-crs", CRS,
                            "--out", str(tmp_path / "a.gpkg")]) == 0
        b = source.bounds
        assert main(args + [f"--bbox={b.west},{b.south},{b.east},{b.north}", "--out", str(tmp_path / "b.gpkg")]) == 0
        capsys.readouterr()
        n = len(server.log)
        assert main(args + ["--bbox=1,2,3,4", "--bbox-crs", "EPSG:999999", "--out", str(tmp_path / "c.gpkg")]) == 2
        assert "--bbox-crs 'EPSG:999999': unknown coordinate system" in capsys.readouterr().err
        assert main(args + ["--around", str(tmp_path), "--bbox-crs", CRS, "--out", str(tmp_path / "c.gpkg")]) == 2
        assert "--bbox-crs goes with --bbox only" in capsys.readouterr().err
        assert len(server.log) == n + 1 and not (tmp_path / "c.gpkg").exists()  # the capabilities, no tile
    cells = [sorted(sqlite3.connect(tmp_path / f"{n}.gpkg").execute(
        "SELECT zoom_level, tile_column, tile_row FROM tiles")) for n in "ab"]
    # the state-grid box holds the degrees box's tiles (it is their box in that CRS, so no fewer)
    assert cells[0] and set(cells[1]) <= set(cells[0])


# ---------------------------------------------------------------- reading a national set


def test_a_national_set_is_read_scale_to_pixel_size_and_listed_in_its_own_crs(source):
    w = wmts_template(capabilities([layer("ortho-nv", ["NV"], rest="https://g.test/{TileMatrix}/{TileRow}/{TileCol}.png")],
                                   [grid_set_xml()]), "caps.xml", "ortho-nv")
    g = w.grid
    assert g is not None and g.label() == CRS and not g.northing_first and w.zooms == (0, 1, 2, 3, 4)
    assert [round(m.pixel, 9) for m in g.matrices] == list(PIXELS_M)  # ScaleDenominator x 0.28 mm
    assert (g.matrices[0].left, g.matrices[0].top) == (LEFT, TOP)
    # the level whose tiles are about 100 m on the ground: 0.4 m pixels (102.4 m tiles)
    assert w.suggest_zoom(100.0, source.bounds) == 3 and 102 < w.tile_ground_m(3, source.bounds) < 103
    tiles, outside = w.tiles_for(source.bounds, 3, 1000)
    assert outside == 0 and tiles and all(z == 3 for z, _, _ in tiles)
    # every listed tile touches the area, and the tiles around the block do not: the block is the area's
    from pyproj import Transformer

    x0, y0, x1, y1 = Transformer.from_crs(4326, CRS, always_xy=True).transform_bounds(
        *(source.bounds.west, source.bounds.south, source.bounds.east, source.bounds.north), densify_pts=21)
    cols = sorted({c for _, c, _ in tiles})
    rows = sorted({r for _, _, r in tiles})
    span = 256 * 0.4
    assert LEFT + cols[0] * span <= x0 < LEFT + (cols[0] + 1) * span
    assert LEFT + cols[-1] * span <= x1 < LEFT + (cols[-1] + 1) * span
    assert TOP - rows[0] * span >= y1 > TOP - (rows[0] + 1) * span
    assert TOP - rows[-1] * span >= y0 > TOP - (rows[-1] + 1) * span
    assert w.template.url_for(3, 12, 34) == "https://g.test/L03/34/12.png"  # {TileRow}=34, {TileCol}=12


def test_the_top_left_corner_is_read_in_the_crs_axis_order_northing_first_where_it_is():
    # SWEREF99 TM (EPSG:3006) is northing first (N, E), as EPSG:4326 is latitude first: WMTS 1.0.0
    # writes a TopLeftCorner in the CRS's axis order. Stockholm (18.07 E, 59.33 N) lies at about
    # E 674 000, N 6 580 000.
    sweref = grid_set_xml("SE", "urn:ogc:def:crs:EPSG::3006", "8500000 -1200000", (256.0, 128.0, 64.0), 5_000_000)
    wgs = (f"<TileMatrixSet><ows:Identifier>LL</ows:Identifier><ows:SupportedCRS>urn:ogc:def:crs:EPSG::4326"
           f"</ows:SupportedCRS>{_matrix('0', 279541132.0143589 * 0.00028, '90 -180', 2, 1)}"
           f"{_matrix('1', 139770566.00717944 * 0.00028, '90 -180', 4, 2)}</TileMatrixSet>")
    doc = capabilities([layer("se", ["SE"], rest="https://g.test/se/{TileMatrix}/{TileRow}/{TileCol}.png"),
                        layer("ll", ["LL"], rest="https://g.test/ll/{TileMatrix}/{TileRow}/{TileCol}.png")],
                       [sweref, wgs])
    se = wmts_template(doc, "caps.xml", "se")
    assert se.grid.northing_first and (se.grid.matrices[0].left, se.grid.matrices[0].top) == (-1_200_000, 8_500_000)
    stockholm = Bounds(18.06, 59.32, 18.08, 59.34)
    tiles, _ = se.tiles_for(stockholm, 2, 100)
    span = 256 * 64.0
    assert {(c, r) for _, c, r in tiles} >= {((674_000 + 1_200_000) // span, (8_500_000 - 6_580_000) // span)}
    assert len(tiles) <= 4
    ll = wmts_template(doc, "caps.xml", "ll")
    assert ll.grid.northing_first and (ll.grid.matrices[0].left, ll.grid.matrices[0].top) == (-180, 90)
    # a tile of level 1 is 256 x 0.3515625 = 90 degrees (ScaleDenominator x 0.28 mm / 111319.49 m a
    # degree): Stockholm lies in column (18.07 + 180) // 90 = 2, row (90 - 59.33) // 90 = 0
    assert ll.tiles_for(stockholm, 1, 10)[0] == [(1, 2, 0)]


def test_a_polar_crs_is_ordered_by_its_axes_names_a_southing_first_as_a_northing():
    """axis_order: both axes of a polar stereographic CRS point "north" or "south" (towards a meridian), so
    their names order them (ISO 19111 axis names). A first axis named Southing counts as the vertical one
    too (mutation36: WG1, the rule for it untested; the axes here are stand-ins, no EPSG polar CRS names one)."""
    from types import SimpleNamespace

    from pyproj import CRS as ProjCRS

    from geolocator.core.sources.wmts_grid import axis_order

    assert axis_order(ProjCRS.from_epsg(32661).axis_info) == (True, "")  # UPS North (N,E)
    assert axis_order(ProjCRS.from_epsg(5041).axis_info) == (False, "")  # UPS North (E,N)
    axes = [SimpleNamespace(name="Southing", direction="north"), SimpleNamespace(name="Westing", direction="north")]
    assert axis_order(axes) == (True, "")


# ---------------------------------------------------------------- fetched into a GeoPackage, read in its CRS


def _phase_shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    import cv2

    ga = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float64)
    gb = cv2.cvtColor(b, cv2.COLOR_RGB2GRAY).astype(np.float64)
    win = cv2.createHanningWindow(ga.shape[::-1], cv2.CV_64F)
    (dx, dy), _ = cv2.phaseCorrelate(ga, gb, win)
    return dx, dy


def test_the_fetched_geopackage_holds_the_tiles_as_sent_georeferenced_to_under_a_pixel(tmp_path, source, capsys):
    from pyproj import Transformer

    from geolocator.core.sources.gpkg import read_info
    from geolocator.core.sources.tile_image import open_tile_image
    from geolocator.core.tilesets import load_tileset

    out = tmp_path / "nv.gpkg"
    with GridServer(source) as server:
        assert main(["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "ortho-nv",
                     f"--bbox={_crs_box(source.bounds)}", "--bbox-crs", CRS, "--out", str(out), "-q",
                     "--attribution", "Demo state grid (CC BY-SA 4.0)"]) == 0
        asked = [p for p in server.log if p.startswith("/grid/")]
        got = capsys.readouterr()
        assert all(p.startswith("/grid/L03/") for p in asked)  # level 3 (102 m tiles) for the default 100 m
        assert "at level 3 (matrix 'L03' of EPSG:32107)" in got.err
        # a rerun asks for nothing again: every tile is stored or known missing
        assert main(["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "ortho-nv",
                     f"--bbox={_crs_box(source.bounds)}", "--bbox-crs", CRS, "--out", str(out), "-q",
                     "--attribution", "Demo state grid (CC BY-SA 4.0)"]) == 0
        assert [p for p in server.log if p.startswith("/grid/")] == asked
    with sqlite3.connect(out) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert db.execute("SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys s JOIN "
                          "gpkg_tile_matrix_set t ON s.srs_id = t.srs_id").fetchone() == ("EPSG", 32107)
        stored = dict(((z, c, r), bytes(d)) for z, c, r, d in db.execute(
            "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles"))
    assert read_info(out).attribution == "Demo state grid (CC BY-SA 4.0)"
    ts = load_tileset(out)
    assert len(ts) == len(stored) > 0 and ts.attribution == "Demo state grid (CC BY-SA 4.0)"
    to_crs = Transformer.from_crs(4326, CRS, always_xy=True)
    checked = 0
    for t in ts.tiles:
        _, z, c, r = t.ref.split("/")
        assert open_tile_image(t).tobytes() == Image.open(io.BytesIO(stored[(int(z), int(c), int(r))])).convert(
            "RGB").tobytes()  # as sent: no resampling
        tl, tr, _, bl = t.corners  # north-up corners the reader gives, in degrees
        (x0, x1), (y0, _) = to_crs.transform([tl.lon, tr.lon], [tl.lat, tr.lat])
        ybl = to_crs.transform(bl.lon, bl.lat)[1]
        pixel = (x1 - x0) / 256
        assert abs(pixel - 0.4) < 1e-6 and abs((y0 - ybl) / 256 - 0.4) < 1e-6
        want = source.cut(x0, y0, pixel)  # the source's pixels where the reader says this tile lies
        if (want.sum(axis=2) == 0).mean() > 0.02:  # tiles at the edge of the imagery: partly black
            continue
        dx, dy = _phase_shift(np.asarray(open_tile_image(t)), want)
        assert math.hypot(dx, dy) < 1.0, (t.ref, dx, dy)
        checked += 1
    assert checked >= 1
    # the measure sees a shift of a pixel and a half (it would catch a wrong corner or pixel size)
    t = next(t for t in ts.tiles if t.corners)
    tl, tr = t.corners[:2]
    (x0, _), (y0, _) = to_crs.transform([tl.lon, tr.lon], [tl.lat, tr.lat])
    dx, _ = _phase_shift(np.asarray(open_tile_image(t)), source.cut(x0 + 1.5 * 0.4, y0, 0.4))
    assert abs(abs(dx) - 1.5) < 0.3


def test_a_national_grid_is_not_written_into_mbtiles_nor_two_grids_into_one_geopackage(tmp_path, source, capsys):
    from geolocator.core.errors import InputError
    from geolocator.core.sources.wmts_grid import GpkgSink

    with GridServer(source) as server:
        n = len(server.log)
        assert main(["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "ortho-nv", "--zoom", "1",
                     f"--bbox={_crs_box(source.bounds)}", "--bbox-crs", CRS, "--out", str(tmp_path / "a.mbtiles")]) == 2
        assert "give an output file ending in .gpkg, not 'a.mbtiles'" in capsys.readouterr().err
        assert len(server.log) == n + 1 and not (tmp_path / "a.mbtiles").exists()
        assert main(["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "ortho-nv", "--zoom", "1",
                     f"--bbox={_crs_box(source.bounds)}", "--bbox-crs", CRS, "--out", str(tmp_path / "a.gpkg"), "-q"]) == 0
        g = wmts_template(server.doc, "caps.xml", "ortho-nv").grid
    other = wmts_template(capabilities([layer("x", ["SE"], rest="https://g.test/{TileMatrix}/{TileRow}/{TileCol}.png")],
                                       [grid_set_xml("SE", "urn:ogc:def:crs:EPSG::3006", "8500000 -1200000")]),
                          "caps.xml", "x")
    with pytest.raises(InputError, match="holds tiles of another grid"):
        GpkgSink(tmp_path / "a.gpkg", other.template, other.grid)
    # the same CRS, its corner 1 km away: no level of it covers the stored extent (mutation36: WG26, said
    # before as a level of the right grid that 'covers another extent')
    rest = "https://g.test/{TileMatrix}/{TileRow}/{TileCol}.png"
    shifted = wmts_template(capabilities([layer("x", ["NV"], rest=rest)], [grid_set_xml(corner=f"{LEFT + 1000} {TOP}")]),
                            "caps.xml", "x")
    with pytest.raises(InputError, match="holds tiles of another grid"):
        GpkgSink(tmp_path / "a.gpkg", shifted.template, shifted.grid, 1)
    GpkgSink(tmp_path / "a.gpkg", other.template, g, 1).close()  # the same grid and level: reopened
    # a GeoPackage made elsewhere (here: one of the reader tests' files) is never written into
    from .tile_packages import write_gpkg_utm

    theirs, _ = write_gpkg_utm(tmp_path / "theirs.gpkg")
    before = theirs.read_bytes()
    with pytest.raises(InputError, match="already holds other content"):
        GpkgSink(theirs, other.template, g)
    assert theirs.read_bytes() == before


def _gps_free_photos(tmp_path: Path, step: int) -> tuple[Path, dict]:
    """Every `step`-th demo photo copied without GPS, and their truth (for scoring only)."""
    import shutil

    from geolocator.core.queries import load_region
    from .tile_packages import DEMO

    region = load_region(DEMO)
    photos = tmp_path / "photos"
    photos.mkdir()
    truth = {}
    for q in region.queries[::step]:
        shutil.copy(q.path, photos / Path(q.id).name)
        truth[Path(q.id).name] = q.truth
    return photos, truth


@pytest.mark.slow  # torch, a model run and SIFT verification on every tile: seconds on 2 busy cores
def test_photos_are_located_in_a_national_grid_geopackage_end_to_end(tmp_path, source):
    import json

    from geolocator.core.geo import haversine_m
    from geolocator.core.model import LatLon

    from .test_cli_fetch import _tiny_torchscript

    photos, truth = _gps_free_photos(tmp_path, 9)
    out = tmp_path / "nv.gpkg"
    with GridServer(source, fmt="jpeg") as server:
        assert main(["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "ortho-nv", "--zoom", "4",
                     f"--bbox={_crs_box(source.bounds, 10.0)}", "--bbox-crs", CRS, "--out", str(out), "-q"]) == 0
    n_tiles = sqlite3.connect(out).execute("SELECT COUNT(*) FROM tiles").fetchone()[0]
    located = tmp_path / "located.geojson"
    assert main(["locate", str(photos), "--tiles", str(out), "--out", str(located), "--backbone",
                 str(_tiny_torchscript(tmp_path / "tiny.pt")), "--cache-dir", str(tmp_path / "cache"),
                 "--tile-views", "1", "--verify-candidates", str(n_tiles), "-q"]) == 0
    points = [f for f in json.loads(located.read_text())["features"] if f["geometry"]["type"] == "Point"]
    assert len(points) == len(truth)
    errors = []
    for f in points:
        lon, lat = f["geometry"]["coordinates"][:2]
        name = Path(f["properties"]["query"]).name
        errors.append(haversine_m(LatLon(lat, lon), truth[name]))
    assert sorted(errors)[len(errors) // 2] < 5.0, errors  # the median photo within 5 m, in WGS84


def test_a_national_sets_limits_and_levels_are_kept(source):
    from .test_wmts import matrix_limits

    # TileMatrixSetLimits name levels L02 and L03 only, and at L03 a block of columns and rows
    w0 = wmts_template(capabilities([layer("g", ["NV"], rest="https://g.test/{TileMatrix}/{TileRow}/{TileCol}.png")],
                                    [grid_set_xml()]), "caps.xml", "g")
    all3, _ = w0.tiles_for(source.bounds, 3, 1000)
    cols = sorted({c for _, c, _ in all3})
    rows = sorted({r for _, _, r in all3})
    limits = matrix_limits([("L02", 0, 10**6, 0, 10**6), ("L03", rows[0], rows[-1], cols[0], cols[0])])
    lyr = layer("g", [], rest="https://g.test/{TileMatrix}/{TileRow}/{TileCol}.png",
                extra=f"<TileMatrixSetLink><TileMatrixSet>NV</TileMatrixSet><TileMatrixSetLimits>{limits}"
                      "</TileMatrixSetLimits></TileMatrixSetLink>")
    w = wmts_template(capabilities([lyr], [grid_set_xml()]), "caps.xml", "g")
    assert w.zooms == (2, 3)
    tiles, outside = w.tiles_for(source.bounds, 3, 1000)
    assert {c for _, c, _ in tiles} == {cols[0]} and outside == len(all3) - len(tiles) > 0
    with pytest.raises(F.FetchError, match=r"has tiles at levels \(of its national grid EPSG:32107\) 2 to 3, not 4"):
        w.tiles_for(source.bounds, 4, 1000)


# ---------------------------------------------------------------- session 29 (grid29): what a GeoPackage level must cover
def _set_xml(pixels, corners, extent_m: float = 60_000.0) -> str:
    """Set "NV" in EPSG:32107 with each level's own pixel and TopLeftCorner, widths rounded up to whole tiles."""
    body = "".join(_matrix(f"L{i:02d}", p, f"{c[0]!r} {c[1]!r}", math.ceil(extent_m / (256 * p)),
                           math.ceil(extent_m / (256 * p))) for i, (p, c) in enumerate(zip(pixels, corners)))
    return (f"<TileMatrixSet><ows:Identifier>NV</ows:Identifier><ows:SupportedCRS>urn:ogc:def:crs:EPSG::32107"
            f"</ows:SupportedCRS>{body}</TileMatrixSet>")


def _fetch_level(tmp_path, source, capsys, pixels, corners, level: int, extent_m: float = 60_000.0) -> Path:
    out = tmp_path / f"nv{level}_{len(pixels)}.gpkg"
    with GridServer(source, pixels=pixels, corners=corners, set_xml=_set_xml(pixels, corners, extent_m)) as server:
        code = main(["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "ortho-nv", "--zoom", str(level),
                     f"--bbox={_crs_box(source.bounds)}", "--bbox-crs", CRS, "--out", str(out), "-q"])
        err = capsys.readouterr().err
        assert code == 0, err
        assert {p.split("/")[2] for p in server.log if p.startswith("/grid/")} == {f"L{level:02d}"}
    return out


def _georeference_is_the_sources(out: Path, source, pixel: float) -> int:
    """Every whole stored tile, where our reader says it lies, holds the source's pixels there (phase
    correlation under 1 px); GDAL (rasterio, when installed) reads the same tiles at the same place."""
    from pyproj import Transformer

    from geolocator.core.sources.tile_image import open_tile_image
    from geolocator.core.tilesets import load_tileset

    to_crs = Transformer.from_crs(4326, CRS, always_xy=True)
    checked = 0
    places = []
    for t in load_tileset(out).tiles:
        tl, tr, _, bl = t.corners
        (x0, x1), (y0, _) = to_crs.transform([tl.lon, tr.lon], [tl.lat, tr.lat])
        assert abs((x1 - x0) / 256 - pixel) < 1e-6
        want = source.cut(x0, y0, pixel)
        places.append((t, x0, y0))
        if (want.sum(axis=2) == 0).mean() > 0.02:
            continue
        dx, dy = _phase_shift(np.asarray(open_tile_image(t)), want)
        assert math.hypot(dx, dy) < 1.0, (t.ref, dx, dy)
        checked += 1
    try:
        import rasterio
        from rasterio.windows import Window
    except ImportError:
        return checked
    with rasterio.open(out) as ds:
        assert ds.driver == "GPKG" and ds.crs.to_epsg() == 32107
        assert abs(ds.transform.a - pixel) < 1e-9 and abs(ds.transform.e + pixel) < 1e-9
        for t, x0, y0 in places:  # GDAL's pixels at our place of each tile are the tile's own
            col, row = (x0 - ds.transform.c) / pixel, (ds.transform.f - y0) / pixel
            assert abs(col - round(col)) < 1e-3 and abs(row - round(row)) < 1e-3, (t.ref, col, row)
            got = ds.read((1, 2, 3), window=Window(round(col), round(row), 256, 256)).transpose(1, 2, 0)
            assert np.array_equal(got, np.asarray(open_tile_image(t))), t.ref
    return checked


def test_every_level_a_geopackage_lists_covers_its_extent_exactly_and_gdal_reads_it_there(tmp_path, source, capsys):
    """LV95-like: resolutions not a factor 2 apart and matrix widths rounded up to whole tiles, so each
    level covers another box. GeoPackage Requirement 45: every listed level's matrix_width x tile_width
    x pixel_x_size is the gpkg_tile_matrix_set's width (and the same for the height); levels not a factor
    2 apart are declared as gpkg_zoom_other. Session 28 listed every level against level 0's extent."""
    pixels = (2.5, 2.0, 1.5, 1.0, 0.5)  # swisstopo's LV95 steps (levels 22..26 there)
    out = _fetch_level(tmp_path, source, capsys, pixels, [(LEFT, TOP)] * len(pixels), 4)
    with sqlite3.connect(out) as db:
        x0, y0, x1, y1 = db.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_tile_matrix_set").fetchone()
        rows = db.execute("SELECT zoom_level, matrix_width, matrix_height, tile_width, tile_height, pixel_x_size, "
                          "pixel_y_size FROM gpkg_tile_matrix ORDER BY zoom_level").fetchall()
        ext = (db.execute("SELECT table_name, column_name, extension_name FROM gpkg_extensions").fetchall()
               if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_extensions'").fetchone() else [])
        zooms = {z for (z,) in db.execute("SELECT DISTINCT zoom_level FROM tiles")}
    assert (x0, y1) == (LEFT, TOP) and zooms == {4}
    assert 4 in {r[0] for r in rows}
    for z, mw, mh, tw, th, px, py in rows:
        assert abs(mw * tw * px - (x1 - x0)) < 1e-6 and abs(mh * th * py - (y1 - y0)) < 1e-6, z
    # 60 km / (256 x 1.0) and / (256 x 0.5) are not whole: level 4 (0.5 m) alone covers its own box
    assert [r[0] for r in rows] == [4]
    assert _georeference_is_the_sources(out, source, 0.5) >= 1
    # a level whose steps are not a factor 2 apart is declared: 2.0 -> 1.0 m share no extent here, so use
    # a set where 1.5 m and 0.5 m cover the same box (61,440 m = 160 x 384 m = 480 x 128 m)
    pixels = (1.5, 0.5)
    out2 = _fetch_level(tmp_path, source, capsys, pixels, [(LEFT, TOP)] * 2, 1, extent_m=61_440.0)
    with sqlite3.connect(out2) as db:
        assert [r[0] for r in db.execute("SELECT zoom_level FROM gpkg_tile_matrix")] == [0, 1]
        assert db.execute("SELECT table_name, column_name, extension_name FROM gpkg_extensions").fetchall() == [
            ("tiles", "tile_data", "gpkg_zoom_other")]
    assert not ext  # the first file lists one level: nothing to declare
    assert _georeference_is_the_sources(out2, source, 0.5) >= 1


def test_a_level_with_its_own_top_left_corner_is_fetched_and_stored_in_its_own_extent(tmp_path, source, capsys):
    """WMTS 1.0.0 Table 6 gives every TileMatrix its own TopLeftCorner. Session 28 refused such a level
    (one GeoPackage, one origin); a fetch stores one level, so its table's extent is that level's, and
    the answers stay exact: the pixels lie where the source has them, in our reader and in GDAL."""
    corners = [(LEFT, TOP)] * len(PIXELS_M)
    corners[3] = (LEFT + 1234.56, TOP - 789.01)  # level 3 (0.4 m) on a grid of its own
    out = _fetch_level(tmp_path, source, capsys, PIXELS_M, corners, 3)
    with sqlite3.connect(out) as db:
        assert db.execute("SELECT min_x, max_y FROM gpkg_tile_matrix_set").fetchone() == corners[3]
        assert [r[0] for r in db.execute("SELECT zoom_level FROM gpkg_tile_matrix")] == [3]
    assert _georeference_is_the_sources(out, source, 0.4) >= 1
    # the set's other levels go to a file of their own: never into this table's extent
    from geolocator.core.errors import InputError
    from geolocator.core.sources.wmts_grid import GpkgSink

    w = wmts_template(capabilities([layer("g", ["NV"], rest="https://g.test/{TileMatrix}/{TileRow}/{TileCol}.png")],
                                   [_set_xml(PIXELS_M, corners)]), "caps.xml", "g")
    assert w.zooms == (0, 1, 2, 3, 4)
    with pytest.raises(InputError, match=r"holds level 3 of tile matrix set 'NV'; level 2 \(matrix 'L02'\) covers "
                                         r"another extent.*give a new .gpkg file for level 2"):
        GpkgSink(out, w.template, w.grid, 2)
    before = out.read_bytes()  # through the CLI: said before any tile is asked for, the file untouched
    with GridServer(source, pixels=PIXELS_M, corners=corners, set_xml=_set_xml(PIXELS_M, corners)) as server:
        assert main(["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "ortho-nv", "--zoom", "2",
                     f"--bbox={_crs_box(source.bounds)}", "--bbox-crs", CRS, "--out", str(out), "-q"]) == 2
        assert f"{out}: holds level 3 of tile matrix set 'NV'" in capsys.readouterr().err
        assert not [p for p in server.log if p.startswith("/grid/")]
    assert out.read_bytes() == before


def test_a_geopackage_rerun_that_fetches_nothing_leaves_the_file_as_it_was(tmp_path):
    # session 33 (newuser33): every rerun rewrote the metadata and gpkg_contents.last_change, so a rerun that
    # fetched nothing changed the file's time and locate computed every tile's features again (the feature
    # cache is keyed by the file's size and time); a rerun that stores a tile still stamps last_change
    from types import SimpleNamespace

    from geolocator.core.sources.wmts_grid import GpkgSink

    from .test_session28_mutants_mend29 import _deg_set, _one_degree

    template = SimpleNamespace(name="t", url="https://g.test/{z}/{x}/{y}.png", attribution="(c) test")
    path = tmp_path / "a.gpkg"
    sink = GpkgSink(path, template, _deg_set(_one_degree()))
    sink.put(0, 1, 1, b"\x89PNG\r\n\x1a\npng", "png")
    sink.close()
    before = path.stat()
    GpkgSink(path, SimpleNamespace(name="t", url=template.url, attribution=None), _deg_set(_one_degree())).close()
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    with sqlite3.connect(path) as db:
        assert dict(db.execute("SELECT name, value FROM geolocator_metadata"))["attribution"] == "(c) test"
        db.execute("UPDATE gpkg_contents SET last_change = 'x'")
    sink = GpkgSink(path, template, _deg_set(_one_degree()))
    sink.put(0, 2, 1, b"\x89PNG\r\n\x1a\npng", "png")
    sink.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT last_change FROM gpkg_contents").fetchone()[0] != "x"
