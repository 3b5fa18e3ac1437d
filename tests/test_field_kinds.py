"""Issue 9 §3, self-contained: the same answer at any resolution and any flight height, end to end
through `geolocator locate` (global retrieval, then geometric verification, then the exported
Point), on photos built in tmp_path from the committed demo tiles:

- a photo whose footprint is 3 tiles across (a 4 x 4 block of demo tiles stitched, seen turned
  30 degrees), with and without the altitude and focal length that give its footprint;
- a photo a quarter of a tile across (a crop of the tiles enlarged 10x: blurry at the tile's scale),
  with and without the altitude and focal length that give its footprint;
- one frame at 20 megapixels and at 0.5 megapixels;
and, in the same run (one locate serves the module), §2's metadata kinds end to end: a photo whose
position is only in DJI's XMP (EXIF GPS block present but empty) is scored against it, and one
whose EXIF fix is void (GPSStatus V) is not scored and says why.

../shared/field-cases/15-altitude-scale, 02 and 04 are the shared cases of the same kinds
(tests/test_field_honest.py, tests/test_field_metadata_e2e.py).
Real offline backbone, so slow; one locate run serves the module."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, TiffImagePlugin

from geolocator.cli import main
from geolocator.core.geo import ground_size_m, haversine_m
from geolocator.core.model import LatLon, Query
from geolocator.core.queries import load_queries
from geolocator.core.rerank import Verifier, VerifySettings, query_footprint_m
from geolocator.core.tilesets import load_tiles_csv

ROOT = Path(__file__).resolve().parents[1]
DEMO_TILES = ROOT / "resources" / "demo" / "tiles.csv"
TILE_PX = 256
pytestmark = pytest.mark.slow


class Block:
    """A rows x cols block of demo tiles stitched north-up (row 0 is the north), with a
    mosaic-pixel -> ground point map (linear in degrees inside a 200 m block)."""

    def __init__(self, rows: range, cols: range):
        self.tiles = {t.id: t for t in load_tiles_csv(DEMO_TILES).tiles}
        first, last = self.tiles[f"tiles/r{rows[0]:02d}_c{cols[0]:02d}.jpg"], self.tiles[f"tiles/r{rows[-1]:02d}_c{cols[-1]:02d}.jpg"]
        self.west, self.north, self.east, self.south = first.bounds.west, first.bounds.north, last.bounds.east, last.bounds.south
        self.image = np.vstack([
            np.hstack([np.asarray(Image.open(self.tiles[f"tiles/r{r:02d}_c{c:02d}.jpg"].path).convert("RGB")
                                  .resize((TILE_PX, TILE_PX))) for c in cols]) for r in rows])

    def ground(self, x: float, y: float) -> LatLon:
        h, w = self.image.shape[:2]
        return LatLon(self.north - y / h * (self.north - self.south), self.west + x / w * (self.east - self.west))

    def photo(self, centre: tuple[float, float], width_px: float, angle: float, size: tuple[int, int]) -> np.ndarray:
        """A nadir view `width_px` mosaic pixels across centred at `centre`, turned `angle` degrees."""
        w, h = size
        m = cv2.getRotationMatrix2D(centre, angle, w / width_px)
        m[:, 2] += (w / 2 - centre[0], h / 2 - centre[1])
        return cv2.warpAffine(self.image, m, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def _tile_width_m() -> float:
    return ground_size_m(load_tiles_csv(DEMO_TILES).tiles[0].bounds)[0]


def _save_with_height(pixels: np.ndarray, path: Path, footprint_m: float) -> None:
    """A DJI-like JPEG whose metadata gives a nadir footprint of `footprint_m` across: Phantom 4
    Pro (FC6310, 13.2 mm sensor, camera table), 8.8 mm lens, RelativeAltitude in DJI's XMP."""
    altitude = footprint_m * 8.8 / 13.2
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "DJI", "FC6310"
    exif[0x8769] = {0x920A: TiffImagePlugin.IFDRational(88, 10)}
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description rdf:about="" xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" '
           f'drone-dji:RelativeAltitude="+{altitude:.2f}" drone-dji:GimbalPitchDegree="-90.0"/>'
           '</rdf:RDF></x:xmpmeta>').encode()
    Image.fromarray(pixels).save(path, quality=92, exif=exif, xmp=xmp)


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """The photos (and their truths) and one `locate` run over them: {name: GeoJSON Point feature}."""
    root = tmp_path_factory.mktemp("scale")
    queries = root / "queries"
    queries.mkdir()
    truths = {}
    block = Block(range(1, 5), range(1, 5))  # 4 x 4 tiles: room for a 3-tile photo turned 30 degrees
    centre = (500.0, 540.0)  # near a tile edge, far from any tile centre or corner
    wide = block.photo(centre, 3 * TILE_PX, 30.0, (640, 480))
    Image.fromarray(wide).save(queries / "wide3x.jpg", quality=92)
    _save_with_height(wide, queries / "wide3x_height.jpg", 3 * _tile_width_m())
    truths["wide3x.jpg"] = truths["wide3x_height.jpg"] = block.ground(*centre)

    centre = (620.0, 300.0)
    quarter = block.photo(centre, TILE_PX / 4, -20.0, (640, 480))  # 64 mosaic px enlarged 10x
    Image.fromarray(quarter).save(queries / "quarter.jpg", quality=92)
    _save_with_height(quarter, queries / "quarter_height.jpg", _tile_width_m() / 4)
    truths["quarter.jpg"] = truths["quarter_height.jpg"] = block.ground(*centre)

    centre = (390.0, 650.0)
    for name, size in (("frame_20mp.jpg", (5472, 3648)), ("frame_05mp.jpg", (866, 577))):
        Image.fromarray(block.photo(centre, TILE_PX, 35.0, size)).save(queries / name, quality=90)
        truths[name] = block.ground(*centre)

    # §2: demo photos re-saved with the position only in DJI's XMP, or with a void EXIF fix
    demo_truth = {r["query"]: LatLon(float(r["lat"]), float(r["lon"]))
                  for r in csv.DictReader((ROOT / "resources" / "demo" / "truth.csv").open())}
    xmp_truth = demo_truth["queries/q_0001.jpg"]
    exif = Image.Exif()
    exif[0x8825] = {0: b"\x02\x03\x00\x00"}  # a GPS block with only its version: no fix
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description rdf:about="" xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" '
           f'drone-dji:GpsLatitude="{xmp_truth.lat:+.8f}" drone-dji:GpsLongitude="{xmp_truth.lon:+.8f}"/>'
           '</rdf:RDF></x:xmpmeta>').encode()
    Image.open(ROOT / "resources/demo/queries/q_0001.jpg").save(queries / "xmp_only.jpg", quality=92, exif=exif, xmp=xmp)
    truths["xmp_only.jpg"] = xmp_truth
    stale = demo_truth["queries/q_0002.jpg"]
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (stale.lat + 0.045, 0.0, 0.0), 3: "W", 4: (-stale.lon, 0.0, 0.0), 9: "V"}  # 5 km off
    Image.open(ROOT / "resources/demo/queries/q_0002.jpg").save(queries / "void_fix.jpg", quality=92, exif=exif)

    out = root / "p.geojson"
    assert main(["locate", str(queries), "--tiles", str(DEMO_TILES), "--out", str(out), "--backbone",
                 "efficientnet_lite0", "--cache-dir", str(root / "cache"), "-q"]) == 0
    doc = json.loads(out.read_text())
    points = {Path(f["properties"]["query"]).name: f for f in doc["features"] if f["geometry"]["type"] == "Point"}
    return {"queries": queries, "truths": truths, "points": points, "cache": root / "cache"}


def _error(feature: dict, truth: LatLon) -> float:
    lon, lat = feature["geometry"]["coordinates"]
    return haversine_m(LatLon(lat, lon), truth)


@pytest.mark.parametrize("name", ["wide3x.jpg", "wide3x_height.jpg"])
def test_photo_three_tiles_across_is_placed(scene, name):
    """Placed by the default route: the 3-tile photo verifies against the single tiles its
    footprint covers (SIFT is scale invariant; the outline rule allows up to 16 tiles' area)."""
    f = scene["points"][name]
    props = f["properties"]
    assert _error(f, scene["truths"][name]) < 3.0, props
    assert props["status"] == "verified" and props["location_source"] == "homography", props
    assert props["confidence"] >= 0.9, props


def test_photo_a_quarter_tile_across_is_placed_or_says_so(scene, tmp_path):
    """A quarter-tile photo looks little like any whole tile to the global features: here its
    tile ranks 28th of 36, below the 20 verified candidates, so the default route leaves it
    unverified, with at most the unverified ceiling (predict.RETRIEVED_CEILING), never as a
    verified answer. Verifying further down the ranking for photos that found nothing
    (`--verify-widen`) reaches its tile, where the fine second pass (low contrast threshold,
    tiles zoomed 2x) places it within metres."""
    from geolocator.core.predict import RETRIEVED_CEILING

    truth = scene["truths"]["quarter.jpg"]
    f = scene["points"]["quarter.jpg"]
    if _error(f, truth) >= 3.0:
        assert f["properties"]["status"] != "verified", f["properties"]
        assert f["properties"]["confidence"] <= RETRIEVED_CEILING, f["properties"]
    queries = tmp_path / "queries"
    queries.mkdir()
    (queries / "quarter.jpg").write_bytes((scene["queries"] / "quarter.jpg").read_bytes())
    out = tmp_path / "p.geojson"
    assert main(["locate", str(queries), "--tiles", str(DEMO_TILES), "--out", str(out), "--backbone",
                 "efficientnet_lite0", "--cache-dir", str(scene["cache"]), "--verify-widen", "36", "-q"]) == 0
    (f,) = [f for f in json.loads(out.read_text())["features"] if f["geometry"]["type"] == "Point"]
    assert _error(f, truth) < 3.0, f["properties"]
    assert f["properties"]["status"] == "verified" and f["properties"]["confidence"] >= 0.9, f["properties"]


def test_a_quarter_tile_photo_whose_metadata_says_so_is_not_placed_below_0_3(scene):
    """The same quarter-tile photo with the altitude and focal length a drone records: still not
    verified by the default route (its tile ranks below the verified candidates), and now its
    confidence says so: the unverified ceiling for a photo known to span at most half a tile's width
    (predict.SMALL_FOOTPRINT_CEILING, 0.29) instead of 0.6, on the same cosine margin."""
    from geolocator.core.predict import RETRIEVED_CEILING, SMALL_FOOTPRINT_CEILING

    plain, known = scene["points"]["quarter.jpg"]["properties"], scene["points"]["quarter_height.jpg"]["properties"]
    assert _error(scene["points"]["quarter_height.jpg"], scene["truths"]["quarter_height.jpg"]) > 5.0, known
    assert plain["status"] == known["status"] == "retrieved", (plain, known)
    # the same cosine margin either way; since session 20 an unverified answer claims the share
    # measured right at its margin (confidence_tables.unverified_share), so even the plain photo's
    # clear-looking win claims under 0.3 (0.26 here: it is wrong), and the known-small one less still
    assert known["confidence"] < plain["confidence"] <= RETRIEVED_CEILING and known["confidence"] < 0.3, (plain, known)
    assert known["confidence"] == pytest.approx(plain["confidence"] * SMALL_FOOTPRINT_CEILING / RETRIEVED_CEILING,
                                                abs=2e-3), (plain, known)


def test_footprint_from_altitude_and_focal_length_reaches_the_verifier(scene):
    """The metadata's footprint (altitude x sensor width / focal length) is what verification
    gets, in metres across the photo's width; a photo without it gets None."""
    by_name = {q.path.name: q for q in load_queries(scene["queries"])}
    expected = 3 * _tile_width_m()
    assert query_footprint_m(by_name["wide3x_height.jpg"]) == pytest.approx(expected, rel=0.01)
    assert query_footprint_m(by_name["wide3x.jpg"]) is None
    # and it is exported with the Point
    props = scene["points"]["wide3x_height.jpg"]["properties"]
    assert props["footprint_w_m"] == pytest.approx(expected, rel=0.01)


def test_plausibility_scales_with_the_footprint(scene):
    """The same photo and tile: verified under its true footprint, and under none; refused when
    the metadata claims a footprint 10x smaller (the outline is ~100x the area it could be)."""
    tiles = load_tiles_csv(DEMO_TILES).tiles
    photo = scene["queries"] / "wide3x.jpg"
    holder = next(i for i, t in enumerate(tiles) if t.bounds.contains(scene["truths"]["wide3x.jpg"]))
    settings = VerifySettings(fine_pass=False)
    true_m = 3 * _tile_width_m()
    inliers = {fp: Verifier(settings).verify_photo(Query("w", photo), tiles, [holder], fp)[0].inliers
               for fp in (None, true_m, true_m / 10)}
    assert inliers[None] >= settings.min_inliers and inliers[true_m] >= settings.min_inliers, inliers
    assert inliers[true_m / 10] == 0, inliers


def test_twenty_megapixels_and_half_a_megapixel_give_the_same_place(scene):
    """Photos are brought to one working size by a rule on pixels alone (rerank.working_size,
    extract's backbone input), so the camera's resolution does not move the answer."""
    big, small = scene["points"]["frame_20mp.jpg"], scene["points"]["frame_05mp.jpg"]
    truth = scene["truths"]["frame_20mp.jpg"]
    assert _error(big, truth) < 2.0 and _error(small, truth) < 2.0, (big["properties"], small["properties"])
    lon_b, lat_b = big["geometry"]["coordinates"]
    lon_s, lat_s = small["geometry"]["coordinates"]
    assert haversine_m(LatLon(lat_b, lon_b), LatLon(lat_s, lon_s)) < 1.0
    assert big["properties"]["tile"] == small["properties"]["tile"]
    for f in (big, small):
        assert f["properties"]["status"] == "verified" and f["properties"]["confidence"] >= 0.9


def test_position_only_in_dji_xmp_is_the_truth_and_its_error_is_reported(scene):
    props = scene["points"]["xmp_only.jpg"]["properties"]
    truth = scene["truths"]["xmp_only.jpg"]
    assert props["truth_source"] == "xmp:drone-dji", props
    assert (props["truth_lat"], props["truth_lon"]) == pytest.approx((truth.lat, truth.lon), abs=1e-7)
    assert props["error_m"] is not None and props["error_m"] < 5.0, props  # the Point is the best estimate


def test_void_exif_fix_is_not_scored_and_says_why(scene):
    props = scene["points"]["void_fix.jpg"]["properties"]
    assert "truth_lat" not in props and "error_m" not in props, props
    assert "GPSStatus V" in props["truth_note"], props
    assert props["status"] == "verified"  # located all the same: metadata is never an input to the answer


def test_paletted_orthophoto_with_a_no_data_border_places_a_photo_within_a_metre(scene, tmp_path):
    """§1 and §4 together, without ../shared (cases 07 and 10 are the shared ones): the 4 x 4 demo
    block written as a one-band paletted GeoTIFF (colour table, 255 colours) in EPSG:4326, inside a
    no-data border (index 255, the file's nodata value), cut with `--tile-size-m 50`. Read as grey
    indices the photo would not match (case 07 was 174 m off); the no-data border is masked; the
    exported Point is the homography's (< 1 m)."""
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_bounds

    block = Block(range(1, 5), range(1, 5))
    pal = Image.fromarray(block.image).quantize(255, method=Image.Quantize.MEDIANCUT)
    index = np.full((block.image.shape[0] + 2 * 48, block.image.shape[1] + 2 * 48), 255, np.uint8)
    index[48:-48, 48:-48] = np.asarray(pal)
    dx = (block.east - block.west) / block.image.shape[1]
    dy = (block.north - block.south) / block.image.shape[0]
    transform = from_bounds(block.west - 48 * dx, block.south - 48 * dy, block.east + 48 * dx, block.north + 48 * dy,
                            index.shape[1], index.shape[0])
    tif = tmp_path / "ortho_palette.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=index.shape[1], height=index.shape[0], count=1, dtype="uint8",
                       crs="EPSG:4326", transform=transform, nodata=255, photometric="palette") as ds:
        ds.write(index, 1)
        colours = np.asarray(pal.getpalette()[: 3 * 255], np.uint8).reshape(-1, 3)
        ds.write_colormap(1, {i: (*map(int, c), 255) for i, c in enumerate(colours)} | {255: (0, 0, 0, 0)})
    from geolocator.core.sources.tile_image import open_tile_image
    from geolocator.core.tilesets import load_tileset

    tiles = load_tileset(tif, tile_size_m=50).tiles
    rgb = np.asarray(open_tile_image(tiles[len(tiles) // 2]).convert("RGB"), float)
    assert np.abs(rgb[..., 0] - rgb[..., 2]).mean() > 5  # the table's tinted colours, not grey indices
    queries = tmp_path / "queries"
    queries.mkdir()
    (queries / "frame_05mp.jpg").write_bytes((scene["queries"] / "frame_05mp.jpg").read_bytes())
    out = tmp_path / "p.geojson"
    assert main(["locate", str(queries), "--tiles", str(tif), "--tile-size-m", "50", "--out", str(out),
                 "--backbone", "efficientnet_lite0", "--cache-dir", str(tmp_path / "cache"), "-q"]) == 0
    doc = json.loads(out.read_text())
    (f,) = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
    assert _error(f, scene["truths"]["frame_05mp.jpg"]) < 1.0, f["properties"]
    assert f["properties"]["location_source"] == "homography" and f["properties"]["confidence"] >= 0.9
