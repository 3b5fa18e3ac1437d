"""Tests that kill hand mutants of session 28's new code that the tests as they were let live
(training/mutation_check_session29_mend29.py; training/results/mutation_session29_mend29.md): an area
in a national CRS (core/sources/area_crs.py), national-grid tile matrix sets (core/sources/
wmts_grid.py: pixel size, tile range, the GeoPackage's grid), file names (core/names.py), geotags
(core/geotags.py), the EXIF GPS of geotagged copies (core/geotag_copies.py) and the clock zone
(core/export_track.parse_clock_zone). Each test says which mutants it kills."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest

from geolocator.core.model import Bounds
from geolocator.core.sources import fetch as F
from geolocator.core.sources.area_crs import area_crs, bbox_in_crs
from geolocator.core.sources.wmts_grid import (METRES_PER_DEGREE, OGC_PIXEL_M, GridMatrix, GridSet, crs_of,
                                               describe, grid_set)

# ---------------------------------------------------------------- area_crs.py


@pytest.mark.parametrize("text", ["CRS84", "OGC:CRS84", "urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "4326", "", "  ", None])
def test_degrees_and_nothing_given_mean_no_crs(text):
    # AC1 (CRS84 taken as a CRS to transform from), AC2 (blank text handed to the CRS parser: ValueError)
    if text == "CRS84":
        pytest.importorskip("pyproj")
        try:
            area_crs(text)
        except ValueError:
            return  # PROJ reads "OGC:CRS84", not the bare word: refused by name, as any unknown text
    assert area_crs(text) is None


def test_a_box_of_no_width_is_refused_naming_min_and_max_x():
    # AC3 (min x equal to max x let through to the transform)
    with pytest.raises(F.FetchError, match=r"min x \(92000\) must be less than max x \(92000\)"):
        F.parse_bbox("92000,436000,92000,437000", "EPSG:28992")


def test_a_box_partly_outside_the_crs_area_of_use_is_taken():
    # AC7 (a box refused unless it lies wholly INSIDE the area of use): an RD box reaching past the Dutch
    # coast into the North Sea (x from 0: the area of use starts at 3.2 E) is still the mapper's area
    b = bbox_in_crs((0.0, 400_000.0, 60_000.0, 450_000.0), area_crs("EPSG:28992"), "EPSG:28992")
    assert b.west < 3.3 < b.east and 51.5 < b.south < b.north < 52.1


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_numbers_that_are_not_finite_are_refused_as_such(bad):
    # AC9 (no finiteness check: inf went to PROJ, NaN failed as "min x must be less than max x")
    with pytest.raises(ValueError, match="not finite"):
        bbox_in_crs((bad, 436_000.0, 93_000.0, 437_000.0), area_crs("EPSG:28992"), "EPSG:28992")


def test_a_box_across_the_antimeridian_is_refused_saying_so():
    # AC10 (the west < east check dropped: a Pacific CRS's box across 180 E became Bounds(178.7, 0,
    # -178.6, 0.9), west > east, passed on). PDC Mercator (EPSG:3832) is made for the Pacific.
    with pytest.raises(ValueError, match="antimeridian"):
        bbox_in_crs((3.2e6, 0.0, 3.5e6, 1e5), area_crs("EPSG:3832"), "EPSG:3832")


# ---------------------------------------------------------------- wmts_grid.py

DEG = "EPSG:4326"  # a set in degrees: the area's degrees are the set's own, so tile ranges are exact


def _deg_set(*matrices: GridMatrix) -> GridSet:
    return GridSet("T", DEG, DEG, tuple(matrices), True, METRES_PER_DEGREE)


def _one_degree(width: int = 5, height: int = 3, tile_h: int = 256) -> GridMatrix:
    """1 degree wide tiles (256 px of 1/256 degree), `tile_h` px high; top-left corner 10 W, 10 N."""
    pixel = 1 / 256
    return GridMatrix("0", pixel * METRES_PER_DEGREE / OGC_PIXEL_M, -10.0, 10.0, pixel, 256, tile_h, width, height)


def test_the_tiles_of_an_area_reaching_past_the_matrix_are_those_inside_it():
    # WG9-WG12 (a side not clipped to the matrix: columns or rows -2, -1 or past the last), WG15
    # (rows clipped at the matrix's width): 5 x 3 one-degree tiles from 10 W, 10 N; the area holds it all
    g = _deg_set(_one_degree())
    tiles = g.tiles(0, Bounds(-12.0, 5.0, -3.0, 11.0), 100)
    assert tiles == [(0, c, r) for c in range(5) for r in range(3)]
    # an area inside: columns 0-1, rows 0-2 (the box 9.5 N to 7.0 N touches rows 0, 1 and 2)
    assert g.tiles(0, Bounds(-12.0, 6.0, -8.5, 9.5), 100) == [(0, c, r) for c in range(2) for r in range(3)]


def test_an_area_edge_on_a_tile_boundary_adds_no_column_or_row():
    # WG13, WG14 (the hair dropped: an east edge at 8 W or a south edge at 8 N added the tile beyond it)
    g = _deg_set(_one_degree())
    assert g.tiles(0, Bounds(-9.5, 8.0, -8.0, 9.5), 100) == [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1)]


def test_tiles_higher_than_wide_are_counted_and_placed_by_their_own_height():
    # WG18 (a tile's box cut by its width), WG27 (rows counted in tile widths): 256 x 512 px tiles, one
    # degree wide and two high; the matrix is 5 wide and 3 high, so 6 degrees from 10 N down to 4 N
    g = _deg_set(_one_degree(tile_h=512))
    assert g.tile_box(0, 1, 1) == (-9.0, 6.0, -8.0, 8.0)
    assert g.tiles(0, Bounds(-9.5, 4.5, -9.2, 5.5), 100) == [(0, 0, 2)]
    assert g.extent() == (-10.0, 4.0, -5.0, 10.0)


def test_the_extent_of_a_matrix_wider_than_high_uses_each_side():
    # WG8 (the extent's height from the matrix's width): 5 x 3 one-degree tiles: 5 degrees by 3
    assert _deg_set(_one_degree()).extent() == (-10.0, 7.0, -5.0, 10.0)


def test_exactly_as_many_tiles_as_allowed_are_listed():
    # WG16 (the cap reached counted as past it)
    g = _deg_set(_one_degree())
    assert len(g.tiles(0, Bounds(-12.0, 5.0, -3.0, 11.0), 15)) == 15
    with pytest.raises(F.TooManyTiles):
        g.tiles(0, Bounds(-12.0, 5.0, -3.0, 11.0), 14)


def test_an_area_wholly_beside_the_matrix_is_refused_not_an_empty_list():
    # WG17 (no refusal: an empty list, "0 tiles" fetched without a word)
    with pytest.raises(F.FetchError, match="wholly outside tile matrix '0'"):
        _deg_set(_one_degree()).tiles(0, Bounds(20.0, 20.0, 21.0, 21.0), 100)


def _tms(*scales, corner=(90.0, -180.0), crs="urn:ogc:def:crs:EPSG::4326"):
    matrices = {f"m{i}": SimpleNamespace(scaledenominator=s, tilewidth=256, tileheight=256, matrixwidth=2 ** i,
                                         matrixheight=2 ** i, topleftcorner=corner) for i, s in enumerate(scales)}
    return SimpleNamespace(identifier="S", crs=crs, tilematrix=matrices)


def test_a_set_in_degrees_has_pixels_in_degrees_by_the_standards_metres_per_degree():
    # WG5 (111,000 m a degree instead of WMTS's 6378137 x 2 pi / 360), WG23 (pixel_m answered in the
    # set's units, degrees, not metres): the GoogleCRS84Quad scale of level 1 is 0.3515625 degree pixels
    g, why = grid_set(_tms(279541132.0143589, 139770566.00717944))
    assert why == "" and g is not None
    assert g.matrices[1].pixel == pytest.approx(0.3515625, rel=1e-12)
    assert g.pixel_m(1) == pytest.approx(139770566.00717944 * 0.00028, rel=1e-12)  # 39,135.76 m


def test_two_matrices_of_one_scale_are_refused():
    # WG20 (two levels of the same pixel size kept: "zoom" numbers that name the same level twice)
    g, why = grid_set(_tms(279541132.0143589, 279541132.0143589))
    assert g is None and why == "matrices 'm0' and 'm1' have the same scale"


def test_a_tiles_ground_width_divides_by_the_projections_scale_factor():
    # WG22 (multiplied): Web Mercator's scale factor at 60 N is 2, so a 1,000 m map tile is 500 m of ground
    m = GridMatrix("0", 1000 / 256 / OGC_PIXEL_M, -20037508.34, 20037508.34, 1000 / 256, 256, 256, 1, 1)
    g = GridSet("M", "EPSG:3857", "EPSG:3857", (m,), False, 1.0)
    assert g.ground_m(0, 0.0, 60.0) == pytest.approx(500.0, rel=1e-3)


def test_a_tiles_ground_width_in_a_set_in_degrees_is_its_longitude_span_there():
    # WG25 (a degree of latitude's metres for the tile's width): at 60 N a degree of longitude is ~55.8 km
    g = _deg_set(_one_degree())
    assert g.ground_m(0, 0.0, 60.0) == pytest.approx(55_800.0, rel=2e-3)


def test_a_versioned_epsg_urn_is_read_by_its_code():
    # WG24 (the code not tried first: PROJ does not read "urn:ogc:def:crs:EPSG:6.18:3:2056")
    assert crs_of("urn:ogc:def:crs:EPSG:6.18:3:2056")[0] == "EPSG:2056"


def test_the_description_names_the_pixels_of_the_levels_given():
    # WG28 (the first and last matrices of the set described, not the levels to be fetched)
    g, _ = grid_set(_tms(279541132.0143589, 139770566.00717944, 69885283.00358972))
    assert describe(g, (1, 2)) == ("national grid EPSG:4326, levels 1 to 2 (pixels 3.914e+04 m to 1.957e+04 m), "
                                   "into a .gpkg")


def test_a_geopackage_of_another_origin_in_the_same_crs_is_not_written_into(tmp_path):
    # WG26 (only the CRS compared: tiles of a grid shifted by a tile stored into the first grid's table)
    from geolocator.core.errors import InputError
    from geolocator.core.sources.wmts_grid import GpkgSink

    template = SimpleNamespace(name="t", url="https://g.test/{z}/{x}/{y}.png", attribution="(c) test")
    sink = GpkgSink(tmp_path / "a.gpkg", template, _deg_set(_one_degree()))
    sink.close()
    m = _one_degree()
    shifted = GridMatrix("0", m.scale, -9.0, 10.0, m.pixel, 256, 256, 5, 3)
    with pytest.raises(InputError, match="a.gpkg"):
        GpkgSink(tmp_path / "a.gpkg", template, _deg_set(shifted))
    GpkgSink(tmp_path / "a.gpkg", template, _deg_set(_one_degree())).close()  # the same grid: taken again
    assert Path(tmp_path / "a.gpkg").is_file()


def test_a_polar_crs_whose_axes_both_point_south_is_read_x_first():
    # WG1 (only a first axis pointing north read as northing first) passes this. Session 29's lead fixed the
    # fault mend29 found (before: read northing first, corner swapped; this was a strict xfail). EPSG:3413's axes are X, Y, both "south" (towards the pole's far
    # side); its TopLeftCorner is written "-4194304 4194304" (x first), as GIBS writes it.
    g, why = grid_set(_tms(559082264.0287178, corner=(-4194304.0, 4194304.0), crs="urn:ogc:def:crs:EPSG::3413"))
    assert why == "" and (g.matrices[0].left, g.matrices[0].top) == (-4194304.0, 4194304.0)
    # UPS North in its northing-first form (EPSG:32661: N, E, both "south"): the corner is written northing first
    g, why = grid_set(_tms(559082264.0287178, corner=(4194304.0, -4194304.0), crs="urn:ogc:def:crs:EPSG::32661"))
    assert why == "" and (g.matrices[0].left, g.matrices[0].top) == (-4194304.0, 4194304.0)


@pytest.mark.parametrize("code", [2065, 2053])
def test_a_grid_counted_west_or_south_is_refused_saying_so(code):
    # before (session 29, mend29's finding): Krovak's southing/westing read as northing/easting, tiled mirrored
    g, why = grid_set(_tms(559082264.0287178, corner=(1000000.0, 900000.0), crs=f"urn:ogc:def:crs:EPSG::{code}"))
    assert g is None and "count" in why and "west" in why and "east and north" in why, why


# ---------------------------------------------------------------- names.py


def test_any_lone_surrogate_is_made_readable_not_only_a_file_names_bytes():
    # NM2 (only U+DC80-U+DCFF looked for): a lone high surrogate (from a Windows name read elsewhere,
    # or a JSON "\ud83d") stayed in the text and raised UnicodeEncodeError when written or printed
    from geolocator.core.names import has_surrogates, readable, text_bytes

    assert has_surrogates("a\ud83db") and has_surrogates("x\udfff")
    assert not has_surrogates("Gel\u00e4nde.jpg") and not has_surrogates("plain.jpg")
    shown = readable("a\ud83db.jpg")
    assert shown.encode("utf-8") and shown == "a\\xed\\xa0\\xbdb.jpg"  # NM4: the surrogate's own bytes, not "?"
    assert text_bytes("a\ud83db") == b"a\xed\xa0\xbdb"


# ---------------------------------------------------------------- geotags.py


def _gt_pred(name: str, confidence: float = 0.99, *, meta=None, folder: str = "flight", qid: str | None = None):
    from geolocator.core.model import STATUS_VERIFIED, LatLon, Match, Prediction, Query

    from .helpers import grid_tiles

    tile = grid_tiles(1, 1)[0]
    at = LatLon(tile.center.lat + 0.0001, tile.center.lon + 0.0002)
    query = Query(qid or name, Path(folder) / name, meta=meta)
    return Prediction(query=query, matches=(Match(tile, 0.8, 1, inliers=40, ground=at),), location=at,
                      weighted_location=tile.center, confidence=confidence, status=STATUS_VERIFIED,
                      location_source="homography")


def test_a_confidence_of_exactly_the_threshold_is_written():
    # GT1 (confidence >= 0.9 made > 0.9: an answer at 0.9, shown as confident, left out of the geotags)
    from geolocator.core.geotags import geotags_for

    tags, left = geotags_for([_gt_pred("edge.jpg", 0.9)])
    assert [t.name for t in tags] == ["edge.jpg"] and not left


def test_a_photo_exactly_ten_degrees_off_nadir_is_kept_and_one_below_take_off_widens_its_accuracy():
    # GT3 (10 deg off nadir counted oblique), GT4 (a height below the take-off point, negative, made the
    # allowance height x tan(off nadir) negative: an accuracy tighter than the answer's radius)
    from geolocator.core.geotags import geotags_for
    from geolocator.core.model import PhotoMeta
    from geolocator.core.predict import answer_radius_m

    p = _gt_pred("edge.jpg", meta=PhotoMeta(gimbal_pitch_deg=-80.0, relative_altitude_m=-20.0))
    (tag,), left = geotags_for([p])
    expected = answer_radius_m(p) + 20.0 * math.tan(math.radians(10.0))  # 3.5 m wider, never narrower
    assert not left and expected <= tag.horizontal_accuracy_m < expected + 0.1
    assert tag.altitude_m == -20.0


def test_a_yaw_a_hair_below_zero_is_written_0_not_minus_0():
    # GT13 ("-0" kept: ODM reads it, but a line "-0" beside "0" reads as a sign error to a person)
    from geolocator.core.geotags import geotags_for, odm_geo_text
    from geolocator.core.model import PhotoMeta

    meta = PhotoMeta(gimbal_pitch_deg=-90.0, relative_altitude_m=50.0, flight_yaw_deg=-0.001, gimbal_roll_deg=-0.004)
    tags, _ = geotags_for([_gt_pred("n.jpg", meta=meta)])
    cells = odm_geo_text(tags).splitlines()[-1].split()
    assert cells[4:7] == ["0", "0", "0"]


def test_angles_are_written_only_when_yaw_pitch_and_roll_were_all_recorded():
    # GT16 (yaw and pitch enough: roll None went into the angles and _num(None) raised TypeError)
    from geolocator.core.geotags import geotags_for, odm_geo_text
    from geolocator.core.model import PhotoMeta

    tags, _ = geotags_for([_gt_pred("n.jpg", meta=PhotoMeta(gimbal_pitch_deg=-90.0, relative_altitude_m=50.0,
                                                             flight_yaw_deg=30.0))])
    assert tags[0].angles is None
    assert odm_geo_text(tags).splitlines()[-1].split()[4:7] == ["0", "0", "0"]  # ODM's "none recorded"


def test_a_suffix_in_capitals_is_taken_and_names_its_format(tmp_path):
    # GT17 (".TXT" refused), GT18 (".TXT" written as the reference CSV); GT19 (the geo.txt note on lines
    # without a height added to the CSV's summary, which has no such limit)
    from geolocator.core.geotags import write_geotags

    report = write_geotags(tmp_path / "GEO.TXT", [_gt_pred("a.jpg")])
    assert (tmp_path / "GEO.TXT").read_text(encoding="utf-8").startswith("EPSG:4326\n")
    assert report.format == "OpenDroneMap geo.txt" and "ODM assumes" in report.summary()
    csv_report = write_geotags(tmp_path / "REF.CSV", [_gt_pred("a.jpg")])
    assert (tmp_path / "REF.CSV").read_text(encoding="utf-8").startswith("#imagename,")
    assert "ODM" not in csv_report.summary() and "without a recorded height" not in csv_report.summary()


def test_the_summary_names_three_photos_left_out_and_counts_the_rest():
    # GT20 (four named), GT21 (the rest not counted)
    from geolocator.core.geotags import left_out_clause

    pairs = [(f"q{i}", "not located") for i in range(5)]
    assert left_out_clause(pairs) == ("; left out 5 photos: q0: not located; q1: not located; q2: not located; "
                                      "and 2 more")


def test_two_photos_of_one_file_name_in_two_folders_are_both_left_out():
    # GT22 (names counted by photo id: "a/same.jpg" and "b/same.jpg" differ, so both were written as
    # "same.jpg" and the tool could not tell which position is whose)
    from geolocator.core.geotags import geotags_for

    tags, left = geotags_for([_gt_pred("same.jpg", folder="a", qid="a/same.jpg"),
                              _gt_pred("same.jpg", folder="b", qid="b/same.jpg")])
    assert not tags and [q for q, _ in left] == ["a/same.jpg", "b/same.jpg"]


def test_a_geo_txt_line_writes_the_vertical_accuracy_it_is_given():
    # GT23 (the horizontal accuracy written in the vertical column): geotags_for gives both the same, but
    # odm_geo_text writes any Geotag (public dataclass) as its fields say
    from geolocator.core.geotags import Geotag, odm_geo_text
    from geolocator.core.model import LatLon

    tag = Geotag("a.jpg", "a.jpg", LatLon(46.0, 7.0), 35.0, 0.99, altitude_m=80.0, vertical_accuracy_m=12.5,
                 angles=(0.0, 0.0, 0.0))
    assert odm_geo_text([tag]).splitlines()[-1] == "a.jpg 7 46 80 0 0 0 35 12.5"


# ---------------------------------------------------------------- geotag_copies.py


def _jpeg(path: Path, *app: bytes) -> Path:
    """A small JPEG with the given APPn segments (marker and length included) after its JFIF one."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (40, 120, 200)).save(buf, "JPEG")
    data = buf.getvalue()
    jfif_end = 4 + int.from_bytes(data[4:6], "big")
    path.write_bytes(data[:jfif_end] + b"".join(app) + data[jfif_end:])
    return path


def _app1(body: bytes) -> bytes:
    return b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body


def test_the_gps_block_says_what_exif_2_31_asks_for_to_the_ten_thousandth_of_a_second():
    # GC5 (seconds truncated, not rounded), GC7 (the accuracy cut to whole metres: 35.4 m claimed as 35),
    # GC9 (no GPSMapDatum), GC10 (GPSVersionID 2.2, which has no GPSHPositioningError)
    piexif = pytest.importorskip("piexif")
    from geolocator.core.geotag_copies import gps_ifd

    g = piexif.GPSIFD
    # 10 deg 0 min 0.00006 s: 0.6 of a ten-thousandth, rounded up to 1
    ifd = gps_ifd(10 + 0.00006 / 3600, -(7 + 30 / 60 + 15.25 / 3600), 35.4)
    assert ifd[g.GPSLatitude] == ((10, 1), (0, 1), (1, 10_000)) and ifd[g.GPSLatitudeRef] == b"N"
    assert ifd[g.GPSLongitude] == ((7, 1), (30, 1), (152_500, 10_000)) and ifd[g.GPSLongitudeRef] == b"W"
    assert ifd[31] == (177, 5)  # 35.4 m
    assert ifd[g.GPSMapDatum] == b"WGS-84" and ifd[g.GPSVersionID] == (2, 3, 0, 0)


def test_the_southern_and_western_hemispheres_get_their_refs():
    # GC2, GC3 (one ref read from the other coordinate's sign): south-west and north-east of (0, 0)
    pytest.importorskip("piexif")
    from geolocator.core.geotag_copies import gps_ifd

    assert (gps_ifd(-33.9, -70.6, 35.0)[1], gps_ifd(-33.9, -70.6, 35.0)[3]) == (b"S", b"W")
    assert (gps_ifd(35.7, 139.7, 35.0)[1], gps_ifd(35.7, 139.7, 35.0)[3]) == (b"N", b"E")
    assert (gps_ifd(-33.9, 151.2, 35.0)[1], gps_ifd(-33.9, 151.2, 35.0)[3]) == (b"S", b"E")
    assert (gps_ifd(40.4, -3.7, 35.0)[1], gps_ifd(40.4, -3.7, 35.0)[3]) == (b"N", b"W")


def test_only_the_first_exif_segment_is_replaced_and_an_xmp_segment_is_never_taken_for_one(tmp_path):
    # GC11 (every EXIF segment replaced), GC17 (any APP1 taken for EXIF: an XMP packet replaced by the GPS)
    pytest.importorskip("piexif")
    from geolocator.core.geotag_copies import _segments, geotagged_jpeg

    xmp = _app1(b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>")
    only_xmp = _jpeg(tmp_path / "x.jpg", xmp).read_bytes()
    segs = _segments(geotagged_jpeg(only_xmp, 46.0, 7.0, 35.0))[0]
    assert xmp in segs and [s[4:10] for s in segs].count(b"Exif\x00\x00") == 1
    second = _app1(b"Exif\x00\x00" + b"II*\x00\x08\x00\x00\x00\x00\x00")  # a stray, empty second block
    import piexif

    first = _app1(piexif.dump({"0th": {piexif.ImageIFD.Make: b"X"}, "Exif": {}, "GPS": {}, "1st": {}, "thumbnail": None}))
    two = _jpeg(tmp_path / "two.jpg", first, second).read_bytes()
    segs = _segments(geotagged_jpeg(two, 46.0, 7.0, 35.0))[0]
    assert second in segs and first not in segs


def test_a_block_of_exactly_one_segments_size_is_written_and_one_byte_more_refused():
    # GC12 (the length field's own 2 bytes forgotten: 65,534 bytes let through to struct.pack, which
    # raised struct.error, not the ValueError the copies' loop reports)
    import io

    from PIL import Image

    from geolocator.core.geotag_copies import splice_exif

    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG")
    body = b"Exif\x00\x00" + b"\x00" * (0xFFFF - 2 - 6)
    assert len(splice_exif(buf.getvalue(), body)) > 0xFFFF
    with pytest.raises(ValueError, match="above a JPEG segment's 65,533"):
        splice_exif(buf.getvalue(), body + b"\x00")


def test_a_flights_photo_copy_holds_its_track_position_and_the_threshold_given_is_used(tmp_path):
    # GC14 (the photo's own answer written, not its track position), GC15 (the flights not passed:
    # a photo not confident on its own but confident on its track left out), GC19 (min_confidence
    # not passed on)
    piexif = pytest.importorskip("piexif")
    from geolocator.core.geotag_copies import write_geotagged_copies
    from geolocator.core.model import LatLon, Match, Prediction, Query, STATUS_VERIFIED
    from geolocator.core.sequence import Track, TrackPoint

    from .helpers import grid_tiles

    tile = grid_tiles(1, 1)[0]
    photos = tmp_path / "photos"
    photos.mkdir()
    own = LatLon(tile.center.lat, tile.center.lon)

    def pred(name, confidence):
        q = Query(name, _jpeg(photos / name))
        return Prediction(q, (Match(tile, 0.8, 1, inliers=40, ground=own),), own, own, confidence,
                          status=STATUS_VERIFIED, location_source="homography")

    flown, unsure = pred("DJI_0005.JPG", 0.6), pred("DJI_0009.JPG", 0.7)
    on_track = LatLon(own.lat + 0.0002, own.lon)
    track = Track("flight", (TrackPoint(query=flown.query, time_s=4.0, location=on_track, status="interpolated",
                                        own=own, confidence=0.95, radius_m=40.0),))
    report = write_geotagged_copies(tmp_path / "out", [flown, unsure], [track])
    assert [p.name for p in report.written] == ["DJI_0005.JPG"]
    gps = piexif.load(str(report.written[0]))["GPS"]
    lat = sum(n / d / 60 ** i for i, (n, d) in enumerate(gps[piexif.GPSIFD.GPSLatitude]))
    assert lat == pytest.approx(on_track.lat, abs=1e-7) and gps[31] == (40, 1)
    lower = write_geotagged_copies(tmp_path / "out2", [unsure], min_confidence=0.5)
    assert [p.name for p in lower.written] == ["DJI_0009.JPG"]


# ---------------------------------------------------------------- export_track.parse_clock_zone


@pytest.mark.parametrize("text", ["utc", "z", "gmt", "GMT", " UTC+9 ", "\tEurope/Zurich "])
def test_utc_in_small_letters_gmt_alone_and_spaces_around_are_taken(text):
    # CZ1 (case kept: "utc" refused), CZ2 (plain "GMT", which is UTC, refused), CZ3 (spaces not stripped)
    from datetime import datetime

    from geolocator.core.export_track import parse_clock_zone

    zone = parse_clock_zone(text)
    expected = {"utc": 0, "z": 0, "gmt": 0, "GMT": 0, " UTC+9 ": 9, "\tEurope/Zurich ": 1}[text]
    assert zone.utcoffset(datetime(2026, 1, 1)).total_seconds() == expected * 3600


@pytest.mark.parametrize("bad, why", [
    ("gmt+9", "hours west in IANA's Etc/GMT+N"),  # CZ12: GMT in small letters gets the reason too
    ("AEST", "an abbreviation names several zones"),  # CZ13: four letters (Australian Eastern) are one too
    ("Europe/../Zurich", None),  # CZ11: zoneinfo's ValueError for a key that is not normalised
])
def test_refusals_say_why_in_the_cases_people_type(bad, why):
    from geolocator.core.export_track import parse_clock_zone

    with pytest.raises(ValueError, match="not a time zone") as got:
        parse_clock_zone(bad)
    if why:
        assert why in str(got.value)


def test_a_place_name_is_not_called_an_abbreviation():
    # CZ14 (any word of five letters or fewer called an abbreviation: "Tokyo" is a city, not a zone's name)
    from geolocator.core.export_track import parse_clock_zone

    with pytest.raises(ValueError, match="Asia/Tokyo") as got:
        parse_clock_zone("Tokyo")
    assert "abbreviation" not in str(got.value)
