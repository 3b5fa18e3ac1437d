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
    assert wrote_line(["p.gpx"], [nested, good]) == "wrote 1 of 2 predictions to p.gpx (1 not located, so left out: cap.jpg)"
