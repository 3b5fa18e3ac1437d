"""Tests that kill hand mutants of session 26's code that the tests as they were let live (session 27,
mend27; training/mutation_check_session27_mend27.py, training/results/mutation_session27_mend27.md).
Synthetic inputs only: no truth, no benchmark data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.rerank import Verification, VerifySettings

from .test_photo_support import _features, _pair, _predictions, _tiles, _Verifier


# --- core/photo_support.py -------------------------------------------------------------------------

def test_the_support_rule_s_figures_are_the_measured_ones():
    """PS2, PS3: the bars are the record's (honest26_session26.md): one agreeing keypoint is support,
    and an unsupported answer claims Laplace's (0 + 1) / (5 + 2) over the 5 unsupported answers."""
    from geolocator.core.photo_support import SUPPORT_BELOW, UNSUPPORTED_CEILING, supported_confidence

    assert SUPPORT_BELOW == 0.95
    assert UNSUPPORTED_CEILING == pytest.approx((0 + 1) / (5 + 2), abs=0.003)
    assert supported_confidence(0.93, 1) == 0.93  # a single agreeing keypoint keeps the figure
    assert supported_confidence(0.93, 0) == pytest.approx(0.14)


def test_a_match_landing_exactly_at_the_tolerance_agrees():
    """PS7: "within settings.ransac_px" includes the tolerance itself (the verifier's RANSAC rule)."""
    from geolocator.core.photo_support import agreeing_points

    s = VerifySettings()
    pts = np.array([[10, 20], [100, 50], [200, 300], [400, 100]], float)  # whole pixels: exact in float32
    desc = np.eye(4, 128)
    off = np.array([[0, 0], [0, 0], [0, 0], [s.ransac_px, 0]])  # the last lands exactly ransac_px away
    photo, tile = _features(pts, desc), _features(pts + [40, 30] + off, desc)
    h = np.array([[1, 0, 40], [0, 1, 30], [0, 0, 1]], float)
    assert len(agreeing_points(photo, tile, h, s)) == 4
    off[3, 0] = s.ransac_px + 1
    assert len(agreeing_points(photo, _features(pts + [40, 30] + off, desc), h, s)) == 3


def test_a_homography_is_read_up_to_scale():
    """PS8: a homography and any non-zero multiple of it are one map (projective division by z)."""
    from geolocator.core.photo_support import agreeing_points

    photo, tile, h = _pair()
    s = VerifySettings()
    assert len(agreeing_points(photo, tile, 2.5 * h, s)) == len(agreeing_points(photo, tile, h, s)) == len(photo.points)


def test_a_keypoint_described_twice_at_one_place_is_counted_once():
    """PS9: SIFT describes one place twice when it finds two orientations there; the photo's ground
    that agrees is one point, not two."""
    from geolocator.core.photo_support import agreeing_points

    photo, tile, h = _pair(n=20)
    rng = np.random.default_rng(9)
    twin = rng.uniform(0, 1, (1, 128))
    photo2 = _features(np.r_[photo.points, photo.points[:1]], np.r_[photo.descriptors, twin], photo.size)
    tile2 = _features(np.r_[tile.points, tile.points[:1]], np.r_[tile.descriptors, twin], tile.size)
    agree = agreeing_points(photo2, tile2, h, VerifySettings())
    assert len(agree) == 20 and len(np.unique(agree, axis=0)) == 20


def test_the_winning_pair_is_the_kept_one_with_the_most_inliers():
    """PS12."""
    from geolocator.core.model import Match
    from geolocator.core.photo_support import winning_pair

    tiles = _tiles(3)
    h = np.eye(3)
    kept = {("q", "t0"): Verification(12, None, h), ("q", "t1"): Verification(30, None, h),
            ("q", "t2"): Verification(50, None, None)}  # the most inliers, but no homography: not a pair
    verifier = _Verifier({}, {}, kept)
    query = type("Q", (), {"id": "q"})()
    tile, got = winning_pair(verifier, query, [Match(t, 0.5, i + 1) for i, t in enumerate(tiles)])
    assert (tile.id, got.inliers) == ("t1", 30)


def test_the_span_is_the_look_that_agrees_best():
    """PS13: with the fine pass on, the look (first or fine) with more agreeing keypoints is kept, even
    when it is the second one tried."""
    from geolocator.core.photo_support import answer_span

    photo, tile, h = _pair(n=40)
    rng = np.random.default_rng(5)
    damaged = _features(photo.points, np.r_[rng.uniform(0, 1, (30, 128)), photo.descriptors[30:]], photo.size)

    class _TwoLooks(_Verifier):
        def photo(self, query, *, fine=False):
            return photo if fine else damaged

    verifier = _TwoLooks({}, {"t0": tile}, {})
    verifier.settings = replace(verifier.settings, fine_pass=True)
    query = type("Q", (), {"id": "q"})()
    span = answer_span(verifier, query, _tiles(1)[0], Verification(10, None, h))
    assert (span.look, span.agreeing) == ("fine", 40)


def test_a_photo_whose_view_is_recorded_is_left_as_it_is(monkeypatch):
    """PS15: the rule was measured on nadir photos without metadata; an oblique photo with a recorded
    view keeps its figure, however little of it agrees."""
    from geolocator.core import rerank
    from geolocator.core.oblique import ViewGeometry
    from geolocator.core.photo_support import UNSUPPORTED_CEILING, with_support

    queries, before = _predictions([[10, 0, 0], [10, 0, 0]], _tiles())
    photo, tile, h = _pair()
    elsewhere = h.copy()
    elsewhere[0, 2] += 150.0
    kept = {(q.id, "t0"): Verification(10, None, elsewhere) for q in queries}
    verifier = _Verifier({q.id: photo for q in queries}, {"t0": tile}, kept)
    view = ViewGeometry(-45.0, 60.0, 0.7)
    monkeypatch.setattr(rerank, "query_outline", lambda q: view if q.id == "q1.jpg" else None)
    after = with_support(queries, before, verifier)
    assert after[0].confidence == UNSUPPORTED_CEILING
    assert after[1] is before[1]


def test_a_verified_answer_shown_as_a_weak_match_is_checked_too():
    """PS17: the rule reads the answer's status (verified), not the word it is shown by: a verified
    answer below 0.5 (shown "weak match") that nothing supports is capped as well."""
    from geolocator.core.photo_support import UNSUPPORTED_CEILING, with_support

    queries, before = _predictions([[10, 0, 0]], _tiles())
    before = [replace(before[0], confidence=0.3)]
    assert before[0].status == "verified" and before[0].shown_status == "weak match"
    photo, tile, h = _pair()
    elsewhere = h.copy()
    elsewhere[0, 2] += 150.0
    verifier = _Verifier({"q0.jpg": photo}, {"t0": tile}, {("q0.jpg", "t0"): Verification(10, None, elsewhere)})
    assert with_support(queries, before, verifier)[0].confidence == UNSUPPORTED_CEILING


# --- core/recorded_view.py -------------------------------------------------------------------------

def test_a_frame_s_lens_is_read_on_the_full_frame_s_diagonal():
    """RV3: a 35 mm-equivalent focal length refers to the 43.27 mm diagonal (camera.FULL_FRAME_DIAGONAL_MM):
    24 mm on a 16:9 frame is 24 / 43.27 x sqrt(16^2 + 9^2) / 16 of its long side."""
    from types import SimpleNamespace

    from geolocator.core.recorded_view import frame_view

    view = frame_view(SimpleNamespace(gimbal_pitch_deg=-45.0, rel_alt_m=50.0), (1920, 1080), 24.0)
    assert view.focal_ratio == pytest.approx(24 / 43.27 * np.hypot(1920, 1080) / 1920, rel=1e-3)


def test_a_raw_file_s_size_is_never_swapped(tmp_path, monkeypatch):
    """RV5: a RAW file's header gives the visible size already; a JPEG stored turned has its sides swapped."""
    from geolocator.core import recorded_view
    from geolocator.core.model import PhotoMeta, Query

    monkeypatch.setattr(recorded_view, "_size_for", lambda identity, path, frame: (4000, 3000))
    meta = PhotoMeta(orientation=6)
    for name, size in (("a.dng", (4000, 3000)), ("a.jpg", (3000, 4000))):
        (tmp_path / name).write_bytes(b"x")
        assert recorded_view.displayed_size(Query(name, tmp_path / name, meta=meta)) == size, name


def test_a_roll_that_is_not_a_finite_number_is_no_roll():
    """RV6: NaN or an infinity recorded as the gimbal roll reads as none (the band then is level)."""
    from types import SimpleNamespace

    from geolocator.core.model import PhotoMeta, Query
    from geolocator.core.recorded_view import recorded_roll_deg

    for bad in (float("nan"), float("inf"), "n/a"):
        assert recorded_roll_deg(Query("p.jpg", Path("p.jpg"), meta=PhotoMeta(gimbal_roll_deg=bad))) is None
        frame = Query("v#t=1", Path("v.mp4"), time_s=1.0, telemetry=SimpleNamespace(gimbal_roll_deg=bad))
        assert recorded_roll_deg(frame) is None
    assert recorded_roll_deg(Query("p.jpg", Path("p.jpg"), meta=PhotoMeta(gimbal_roll_deg=-7.5))) == -7.5


def test_a_photo_edited_in_place_is_measured_again(tmp_path):
    """RV8: the size is kept per file identity (name, size, time), so a photo replaced by another of
    other sides is not given the first one's."""
    import os

    from PIL import Image

    from geolocator.core.model import Query
    from geolocator.core.recorded_view import displayed_size

    p = tmp_path / "edited.jpg"
    Image.new("RGB", (40, 30)).save(p)
    assert displayed_size(Query("edited.jpg", p)) == (40, 30)
    Image.new("RGB", (64, 20), (200, 10, 10)).save(p)
    os.utime(p, (1_700_000_000, 1_700_000_000))
    assert displayed_size(Query("edited.jpg", p)) == (64, 20)


def test_a_frame_without_a_lens_is_not_probed(monkeypatch):
    """RV10: a frame whose telemetry gives no focal length has no recorded view, and its video is not
    opened to find its size (a probe a frame for nothing)."""
    from types import SimpleNamespace

    from geolocator.core import recorded_view
    from geolocator.core.model import Query

    def probe(query):
        raise AssertionError("probed")

    monkeypatch.setattr(recorded_view, "displayed_size", probe)
    tel = SimpleNamespace(gimbal_pitch_deg=-45.0, rel_alt_m=50.0, focal_len=None)
    assert recorded_view.recorded_view(Query("v#t=1", Path("v.mp4"), time_s=1.0, telemetry=tel)) is None


# --- core/levels.py ----------------------------------------------------------------------------------

def test_the_summary_counts_a_frame_the_track_extrapolated_as_extrapolated(tmp_path):
    """LV4: a frame the track placed past its verified frames is counted by how it was placed, as an
    interpolated one is (its single-frame answer is not what the file holds)."""
    from types import SimpleNamespace

    from geolocator.core.levels import placed_levels

    from .helpers import two_tile_prediction

    base = two_tile_prediction(tmp_path, conf=0.0, status="not located")
    preds = [replace(base, query=replace(base.query, id=f"f{i}")) for i in range(3)]
    track = SimpleNamespace(points=[SimpleNamespace(query=p.query, status=s)
                                    for p, s in zip(preds, ("interpolated", "extrapolated", "not located"))])
    assert placed_levels(preds, [track]) == ["interpolated", "extrapolated", "not located"]


# --- core/sources/wmts.py ------------------------------------------------------------------------------

def _wmts():
    from . import test_wmts

    return test_wmts


def test_a_service_url_ending_in_a_separator_gets_no_second_one():
    """WM2."""
    from geolocator.core.sources.wmts import capabilities_url

    assert capabilities_url("https://w.test/wmts?") == "https://w.test/wmts?SERVICE=WMTS&REQUEST=GetCapabilities"
    assert capabilities_url("https://w.test/wmts?key=1&") == "https://w.test/wmts?key=1&SERVICE=WMTS&REQUEST=GetCapabilities"
    assert capabilities_url("https://w.test/wmts?key=1") == "https://w.test/wmts?key=1&SERVICE=WMTS&REQUEST=GetCapabilities"


def test_tiles_taller_than_wide_are_not_web_mercator_s():
    """WM4: 256 px wide but 512 px high tiles are not the XYZ grid."""
    from geolocator.core.sources import fetch as F
    from geolocator.core.sources.wmts import wmts_template

    t = _wmts()
    tms = t.mercator_set("S", "{z}").replace("<TileHeight>256</TileHeight>", "<TileHeight>512</TileHeight>")
    doc = t.capabilities([t.layer("ortho", ["S"], rest="https://w.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg")], [tms])
    with pytest.raises(F.FetchError, match="256 x 512 px tiles"):
        wmts_template(doc, "caps.xml", "ortho")


def test_two_matrices_at_one_zoom_are_refused():
    """WM5: a set with two matrices at one scale is not one XYZ grid (which would {z} be?)."""
    from geolocator.core.sources import fetch as F
    from geolocator.core.sources.wmts import WEB_MERCATOR_Z0_SCALE, wmts_template

    t = _wmts()
    tms = t.mercator_set("S", "{z}", range(0, 8)).replace(
        "</TileMatrixSet>", t._matrix("again5", WEB_MERCATOR_Z0_SCALE / 32, f"{-t.HALF} {t.HALF}", 256, 32) + "</TileMatrixSet>")
    doc = t.capabilities([t.layer("ortho", ["S"], rest="https://w.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg")], [tms])
    with pytest.raises(F.FetchError, match="a second matrix at zoom 5"):
        wmts_template(doc, "caps.xml", "ortho")


def test_a_matrix_template_fills_the_tms_row_too():
    """WM9: {-y} is the row counted from the south, 2^z - 1 - y, as in every XYZ template."""
    from geolocator.core.sources.fetch import TileTemplate
    from geolocator.core.sources.wmts import MatrixTemplate

    m = MatrixTemplate("https://w.test/{z}/{x}/{-y}.png", matrices=((2, "L02"),))
    assert m.url_for(2, 1, 0) == "https://w.test/L02/1/3.png"
    assert TileTemplate("https://w.test/{z}/{x}/{-y}.png").url_for(2, 1, 0) == "https://w.test/2/1/3.png"


def test_of_two_web_mercator_sets_the_deepest_is_chosen():
    """WM10."""
    from geolocator.core.sources.wmts import wmts_template

    t = _wmts()
    doc = t.capabilities([t.layer("ortho", ["shallow", "deep"], rest="https://w.test/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.jpeg")],
                         [t.mercator_set("shallow", "{z}", range(0, 15)), t.mercator_set("deep", "{z}", range(0, 20))])
    w = wmts_template(doc, "caps.xml", "ortho")
    assert (w.tile_matrix_set, w.zooms[-1]) == ("deep", 19)


def test_the_default_style_is_the_one_marked_default_not_the_first():
    """WM12."""
    from geolocator.core.sources.wmts import wmts_template

    t = _wmts()
    lyr = t.layer("ortho", ["S"], rest="https://w.test/{Style}/{TileMatrix}/{TileCol}/{TileRow}.jpeg").replace(
        '<Style isDefault="true">', '<Style><ows:Identifier>infrared</ows:Identifier></Style><Style isDefault="true">')
    w = wmts_template(t.capabilities([lyr], [t.mercator_set("S", "{z}")]), "caps.xml", "ortho")
    assert w.style == "default" and "/default/" in w.template.url


def test_access_constraints_of_none_are_not_written_into_the_credit_line():
    """WM13: "none" is no constraint: the credit line does not say "access constraints: none"."""
    from geolocator.core.sources.wmts import wmts_template

    t = _wmts()
    doc = t.rest_doc("https://w.test").replace(b"<ows:AccessConstraints>CC BY 4.0", b"<ows:AccessConstraints>NONE")
    attribution = wmts_template(doc, "caps.xml", "ortho").template.attribution
    assert "Demo Kadaster" in attribution and "access constraints" not in attribution.lower()


def test_a_gettile_url_for_restful_requests_only_is_not_used_for_kvp():
    """WM14: an operation whose GetEncoding allows RESTful only cannot be asked with KVP parameters."""
    from geolocator.core.sources import fetch as F
    from geolocator.core.sources.wmts import wmts_template

    doc = _wmts().kvp_doc("https://w.test").replace(b"<ows:Value>KVP</ows:Value>", b"<ows:Value>RESTful</ows:Value>")
    with pytest.raises(F.FetchError, match="neither a RESTful ResourceURL for the layer nor a KVP GetTile URL"):
        wmts_template(doc, "caps.xml", "ortho")


def test_jpeg_is_preferred_to_png_whatever_the_order_offered():
    """WM15: aerial imagery as JPEG (smaller) when the layer offers it, even listed after PNG."""
    from geolocator.core.sources.wmts import wmts_template

    t = _wmts()
    doc = t.capabilities([t.layer("ortho", ["EPSG:3857"], formats=("image/png", "image/jpeg"))], [t.mercator_set()],
                         kvp_url="https://w.test/kvp?")
    assert wmts_template(doc, "caps.xml", "ortho").format == "image/jpeg"


def test_limits_given_for_a_matrix_the_set_does_not_have_are_ignored():
    """WM16: a TileMatrixSetLimits entry naming a matrix the set has not (a stale document) neither
    stops the layer nor limits any zoom."""
    from geolocator.core.sources.wmts import wmts_template

    t = _wmts()
    limits = t.matrix_limits((m, 0, 3, 0, 3) for m in ("2", "99"))
    lyr = t.layer("ortho", [], rest="https://w.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg",
                  extra=f"<TileMatrixSetLink><TileMatrixSet>S</TileMatrixSet><TileMatrixSetLimits>{limits}"
                        "</TileMatrixSetLimits></TileMatrixSetLink>")
    w = wmts_template(t.capabilities([lyr], [t.mercator_set("S", "{z}", range(0, 6))]), "caps.xml", "ortho")
    assert w.zooms == (2,) and w.limits == ((2, 0, 3, 0, 3),)
