"""Tests written for the survivors of training/mutation_check_session34.py (hand mutants of session 34's
core logic; training/results/mutation_session34.md says which mutant each one kills)."""

from __future__ import annotations

import numpy as np
import pytest

from geolocator.core.camera_fit import MISFIT_BAR, CameraFit, camera_misfit, uncameralike
from geolocator.core.model import LatLon
from tests.test_camera_fit import SIZE, TILE, _corners, _ground, _photo


# -- core/camera_fit.py -------------------------------------------------------------------------------------
def test_an_outline_across_the_antimeridian_fits_as_it_does_elsewhere():
    """CF2: the footprint is read as metres the short way across +-180 deg (a camera's outline over the
    Pacific's date line, its corners at 179.9999 E and 179.9999 W, is the same outline as anywhere)."""
    here = _ground(_corners(40.0, 30.0))
    centre = sum(p.lon for p in here) / 4
    there = [LatLon(p.lat, (p.lon - centre + 180.0 + 180.0) % 360.0 - 180.0) for p in here]
    assert min(p.lon for p in there) < -179.0 and max(p.lon for p in there) > 179.0  # it straddles the line
    fit_here, fit_there = camera_misfit(here, SIZE), camera_misfit(there, SIZE)
    assert fit_there.misfit < 0.01
    assert fit_there.misfit == pytest.approx(fit_here.misfit, abs=1e-3)
    assert fit_there.tilt_deg == pytest.approx(40.0, abs=2.0)


@pytest.mark.parametrize("hfov", [12.0, 20.0])
def test_a_long_zoom_s_oblique_outline_fits_a_camera(hfov):
    """CF6: FOV_RANGE_DEG starts at 10 deg (a long zoom): a 12 or 20 deg lens tilted 45 deg fits, and
    its field of view is found (with 30 deg as the narrowest, no lens in the range fits it)."""
    fit = camera_misfit(_ground(_corners(45.0, 70.0, hfov_deg=hfov, altitude_m=200.0)), SIZE)
    assert fit.misfit < 0.01
    assert fit.hfov_deg == pytest.approx(hfov, abs=1.0)


def test_a_misfit_at_the_bar_is_still_a_camera(tmp_path, monkeypatch):
    """CF11: uncameralike refuses an outline only above MISFIT_BAR (its docstring: None when
    camera_misfit <= MISFIT_BAR)."""
    import geolocator.core.camera_fit as cf

    q = _photo(tmp_path)
    corners = _corners(30.0)
    for misfit, refused in ((MISFIT_BAR, False), (MISFIT_BAR + 1e-6, True)):
        monkeypatch.setattr(cf, "camera_misfit", lambda *a, m=misfit, **k: CameraFit(m, 70.0, 30.0))
        assert (uncameralike(q, TILE, corners) is not None) == refused, misfit


def test_uncameralike_reads_a_ground_band_as_its_rows(tmp_path, monkeypatch):
    """CF18: a photo matched as its ground band (ground_band.query_rows gives the rows) is judged as
    that band's outline: the lower half of a 40 deg oblique view fits; read as the whole photo it
    would look squashed and be refused."""
    import geolocator.core.ground_band as gb
    from tests.test_camera_fit import _apply, _homography

    full = _ground(_corners(40.0, hfov_deg=70.0))
    H = _homography(full, SIZE)
    w, h = SIZE
    band = [_apply(H, x, y) for x, y in ((0, 0.5 * h), (w, 0.5 * h), (w, h), (0, h))]
    b = TILE.bounds
    corners = [((lon - b.west) / (b.east - b.west), (b.north - lat) / (b.north - b.south)) for lon, lat in band]
    q = _photo(tmp_path)
    assert uncameralike(q, TILE, corners) is not None  # no rows: the band read as the whole photo
    monkeypatch.setattr(gb, "query_rows", lambda query: (0.5, 1.0))
    assert uncameralike(q, TILE, corners) is None


# -- core/flights.py ------------------------------------------------------------------------------------------
def test_groups_leave_out_a_flight_with_no_frame_among_the_queries(tmp_path):
    """FL1: Flights.groups over card A's photos alone: card B's flight (under the zones, a flight of its
    own) has none of them and is left out, not given as an empty group."""
    from geolocator.core.flights import FlightRule
    from tests.test_one_flight_grouping import _two_cards, _zones

    preds = _two_cards(tmp_path)
    flights = FlightRule(clock_zones=_zones(tmp_path)).group([p.query for p in preds])
    assert len(flights.flights) == 2
    a = [p.query for p in preds if p.query.id.startswith("A/")]
    assert flights.groups(a) == [list(range(len(a)))]


def test_a_regroup_reads_the_evidence_under_the_new_flights(tmp_path):
    """FL8: regrouped_evidence reads the per-flight evidence under the flights it is given (the zones
    now set: card B a flight of its own, capped), not under the default grouping (one flight, no cap)."""
    from geolocator.core.flights import FlightRule, regrouped_evidence
    from geolocator.core.outside_tiles import FLIGHT_CAUTION, with_flight_evidence
    from tests.test_one_flight_grouping import _two_cards, _zones

    preds = _two_cards(tmp_path)
    stored = {p.query.id: (p, p) for p in preds}  # shown as the locate left them: no flight capped
    split = FlightRule(clock_zones=_zones(tmp_path)).group([p.query for p in preds])
    again = regrouped_evidence(preds, stored, split)
    assert again == with_flight_evidence(preds, flights=split)
    assert any(p.caution == FLIGHT_CAUTION for p in again if p.query.id.startswith("B/"))


# -- core/exports.wrote_line ------------------------------------------------------------------------------------
def test_the_count_line_names_all_left_out_when_they_are_exactly_inline():
    """WL3: as many left out as `inline` are all named, with no 'and 0 more'."""
    from geolocator.core.exports import wrote_line
    from tests.test_not_located_exports import _preds

    preds = _preds()  # cap.jpg not located, good.jpg verified
    assert wrote_line(["p.gpx"], [preds[0]] * 2 + [preds[1]], inline=2) == (
        "wrote 1 of 3 predictions to p.gpx (2 not located, so left out: cap.jpg, cap.jpg)")


def test_the_count_line_names_a_left_out_photo_by_its_file_name():
    """WL7: a photo in a subfolder (its id 'card/cap.jpg') is named by its file name, as the closing
    line's other lists name photos (wording.left_out_line)."""
    from dataclasses import replace

    from geolocator.core.exports import wrote_line
    from tests.test_not_located_exports import _preds

    blank, good = _preds()
    nested = replace(blank, query=replace(blank.query, id="card/cap.jpg"))
    assert wrote_line(["p.gpx"], [nested, good]) == (
        "wrote 1 of 2 predictions to p.gpx (1 not located, so left out: cap.jpg)")


# -- core/wording.py ----------------------------------------------------------------------------------------------
def test_eval_s_truth_line_counts_sources_it_has_no_words_for():
    """WO6: a source of no known kind is counted as 'other', each kind named once, after the known ones."""
    from geolocator.core.wording import truth_used_line

    assert truth_used_line(["exif", "gpx", None, "gpx", "kml"]) == (
        "truth: the GPS (EXIF/XMP) of 1 photo, truth.csv for 1 image, 3 other (gpx, kml), "
        "used only to score the answers (the images alone place the photos)")


def test_eval_s_truth_line_with_nothing_scored_says_none():
    """WO7: no scored query: 'truth: none, …', not 'truth: , …'."""
    from geolocator.core.wording import truth_used_line

    assert truth_used_line([]).startswith("truth: none, used only to score the answers")


def test_flagged_frames_are_at_odds_with_their_flight_s_track_in_the_plural():
    """WO9: one flagged frame is at odds with 'its' flight's track, two with 'their'."""
    from geolocator.core.wording import placed_summary

    assert placed_summary(["confident", "flagged"]).endswith(
        "1 flagged (verified, but at odds with its flight's track)")
    assert placed_summary(["confident", "flagged", "flagged"]).endswith(
        "2 flagged (verified, but at odds with their flight's track)")


# -- core/media/telemetry.py --------------------------------------------------------------------------------------
def test_an_srt_number_with_an_exponent_and_more_is_not_read_as_its_first_digits():
    """TE7: '1e1.5' is no number: not its '1' (the exponent's look-ahead refuses the part before it)."""
    from geolocator.core.media.telemetry import parse_cue_text

    t = parse_cue_text("[latitude: 46.5] [longitude: 8.0] [rel_alt: 1e1.5 abs_alt: 212.1]", 0.0)
    assert t.rel_alt_m is None and t.abs_alt_m == 212.1
    assert parse_cue_text("[latitude: 1e3,5] [longitude: 8.0]", 0.0).position is None


# -- core/geo.not_a_map -----------------------------------------------------------------------------------------
def test_a_compound_crs_is_read_by_its_horizontal_part():
    """GE1: a projected CRS with a height (EPSG:7405, British National Grid + ODN height) is a map's CRS:
    coordinates in it are placed, not refused as 'a height system'."""
    from pyproj import CRS

    from geolocator.core.geo import not_a_map, transform_to_wgs84

    assert not_a_map(CRS("EPSG:7405")) is None and not_a_map(CRS("EPSG:4326+5773")) is None
    lons, lats = transform_to_wgs84([530_000.0], [180_000.0], "EPSG:7405")  # London
    assert lons[0] == pytest.approx(-0.13, abs=0.02) and lats[0] == pytest.approx(51.5, abs=0.02)


def test_coordinates_in_an_earth_centred_crs_are_refused_naming_it():
    """GE3: EPSG:4978 (geocentric X, Y, Z in metres) is no map's CRS: a ValueError that says so."""
    from pyproj import CRS

    from geolocator.core.geo import not_a_map, transform_to_wgs84

    assert not_a_map(CRS.from_epsg(4978)) == "an earth-centred system (Geocentric CRS, WGS 84)"
    with pytest.raises(ValueError, match="EPSG:4978 is an earth-centred system"):
        transform_to_wgs84([4_000_000.0], [600_000.0], 4978)


# -- the basemap's alpha (webmap.render_basemap) -------------------------------------------------------------
def test_a_transparent_tile_over_another_leaves_the_one_under_it_in_sight(tmp_path):
    """WA3: a PNG tile with a transparent half drawn over an opaque tile of the same place (two tile
    sets' edges overlapping) is composited: the tile under it shows through its transparent half,
    not a hole pasted over it."""
    from PIL import Image

    from geolocator.core import webmap
    from geolocator.core.model import Bounds, Tile, TileSet

    Image.new("RGB", (32, 32), (10, 200, 10)).save(tmp_path / "under.png")
    half = Image.new("RGBA", (32, 32), (200, 40, 40, 255))
    half.paste((0, 0, 0, 0), (16, 0, 32, 32))  # the east half holds no data
    half.save(tmp_path / "over.png")
    tiles = tuple(Tile(n, tmp_path / n, Bounds(0, 0, 1, 1)) for n in ("under.png", "over.png"))
    a = np.asarray(webmap.render_basemap(TileSet(tiles, tmp_path), max_px=32).convert("RGBA")).astype(int)
    assert (np.abs(a[:, :14, :3] - (200, 40, 40)) <= 2).all()  # the upper tile where it has data
    assert (a[:, 18:, 3] == 255).all() and (np.abs(a[:, 18:, :3] - (10, 200, 10)) <= 2).all()  # the one under it


# -- core/media/video_time.py -------------------------------------------------------------------------------------
def test_any_video_tag_in_the_year_9999_is_no_time():
    """VT2: every time of the year 9999 is damage (from LATEST, 9999-01-01, on), not only its last day's:
    a clip's frames after it, or its UTC, would leave the years a datetime holds."""
    from geolocator.core.media.video_time import start_from_tags

    for tag in ("9999-01-01T00:00:00Z", "9999-06-01T10:00:00", "9999-12-30T10:00:00+02:00"):
        assert start_from_tags({"creation_time": tag}) is None, tag
    assert start_from_tags({"creation_time": "2026-06-01T10:00:00Z"}) is not None
