"""The verified confidence follows the matcher that verified the answer (issue 13's honesty fault:
xfeat + LighterGlue through mosaics on rotterdam-coarse verified wrong tiles with 9-26 inliers,
and the one table, fitted on SIFT's counts, showed them with confidence >= 0.9;
training/results/coarse.md, "Lead, after the merge").

Only tmp_path and monkeypatch fixtures: training/mutation_check_direct.py calls these directly.
"""

from __future__ import annotations

import numpy as np
import pytest

from geolocator.core import confidence_tables as T
from geolocator.core.matchers import MATCHERS
from geolocator.core.predict import confidence, predict
from geolocator.core.model import Match

from .test_pipeline_exact import world

# SIFT's table as training/results/calibration.md fitted it (issue 9): unchanged by this work.
SIFT_KNOTS = ((0.0, 0.25), (8.4, 0.833), (10.7, 0.941), (12.5, 0.966), (14.6, 0.967), (17.9, 0.98), (39.5, 0.997))


def sift_at(margin: float) -> float:
    """SIFT's table at `margin`, interpolated by hand between SIFT_KNOTS (flat beyond the ends)."""
    if margin <= 0:
        return 0.25
    for (x0, y0), (x1, y1) in zip(SIFT_KNOTS[:-1], SIFT_KNOTS[1:]):
        if margin <= x1:
            return y0 + (y1 - y0) * (margin - x0) / (x1 - x0)
    return 0.997


def test_table_key_names_the_backend_and_whether_mosaics_were_used():
    assert T.table_key() == "sift" and T.table_key("sift", 0) == "sift"
    assert T.table_key("xfeat", 0) == "xfeat" and T.table_key("xfeat", 1) == "xfeat+mosaic"
    assert T.table_key("sift", 2) == "sift+mosaic" and T.table_key("aliked", 1) == "aliked+mosaic"


def test_sift_table_unchanged():
    assert T.VERIFIED_TABLES["sift"] == (tuple(x for x, _ in SIFT_KNOTS), tuple(y for _, y in SIFT_KNOTS))
    for margin in (-4, 0, 5, 8.4, 9, 12, 20, 39.5, 100):
        assert T.verified_confidence(margin) == pytest.approx(sift_at(margin)), margin
        assert T.verified_confidence(margin, "sift") == pytest.approx(sift_at(margin)), margin


def test_uncalibrated_matcher_never_claims_point_nine():
    # aliked / disk / xfeat-mnn and SIFT through mosaics have no measured table: SIFT's table capped
    # at 0.8 (UNCALIBRATED_CEILING), whatever the margin
    assert T.UNCALIBRATED_CEILING == 0.8
    for key in ("aliked", "disk", "xfeat-mnn", "sift+mosaic", "no-such-matcher"):
        assert T.verified_table(key) is None
        assert T.verified_confidence(-3, key) == pytest.approx(0.25)
        assert T.verified_confidence(4.2, key) == pytest.approx(0.25 + 0.583 * 4.2 / 8.4)  # 0.5415: below the cap
        assert T.verified_confidence(8.4, key) == pytest.approx(0.8)  # SIFT's 0.833, capped
        assert T.verified_confidence(500, key) == pytest.approx(0.8)
    for name in MATCHERS:
        for mosaic in (0, 1):
            key = T.table_key(name, mosaic)
            if T.verified_table(key) is None:
                assert max(T.verified_confidence(m, key) for m in range(-5, 400)) < 0.9, key


def test_every_table_starts_at_margin_zero_and_never_falls():
    for key, (margins, right) in T.VERIFIED_TABLES.items():
        # two places verified alike: at most one right (0.25 set), or lower where measured lower
        assert margins[0] == 0.0 and right[0] == min(0.25, right[1]), key
        assert len(margins) == len(right) and all(b > a for a, b in zip(margins, margins[1:])), key
        assert all(b >= a for a, b in zip(right, right[1:])) and all(0 < r < 1 for r in right), key


def test_locate_scores_with_the_table_of_the_verifier_that_counted_the_inliers(tmp_path):
    # test_pipeline_exact.world: photo a verified on tile 2 with 20 inliers and no verified rival
    # (margin 20), photo c on tile 4 with 9 (margin 9), b nothing (cosine margin, no table).
    ws, qs = world(tmp_path)  # SIFT, the tile alone: SIFT's table, as before
    a, b, c = ws.locate(qs)
    assert a.confidence == pytest.approx(0.98 + 0.017 * 2.1 / 21.6)  # 0.9817
    assert c.confidence == pytest.approx(0.833 + 0.108 * 0.6 / 2.3)  # 0.8612
    unverified = b.confidence
    ws, qs = world(tmp_path, vs={"matcher": "aliked"})  # no measured table: capped below 0.9
    a, b, c = ws.locate(qs)
    assert a.confidence == pytest.approx(0.8) and c.confidence == pytest.approx(0.8)
    assert b.confidence == pytest.approx(unverified)  # unverified: as it was
    ws, qs = world(tmp_path, vs={"matcher": "sift", "mosaic": 1})  # SIFT through mosaics: not measured
    a, _, c = ws.locate(qs)
    assert a.confidence == pytest.approx(0.8) and c.confidence == pytest.approx(0.8)


def test_confidence_and_predict_take_the_table_by_name():
    from .helpers import grid_tiles, query_at

    tiles = grid_tiles(1, 6)
    matches = [Match(tiles[0], 0.5, 1, 20), Match(tiles[4], 0.4, 2, 0)]  # tile 4 is far: margin 20
    assert confidence(matches, 8) == pytest.approx(sift_at(20))
    assert confidence(matches, 8, table="disk") == pytest.approx(0.8)
    assert confidence(matches, 8, None, False, "sift") == pytest.approx(sift_at(20))
    q = query_at(tiles[0], "a.jpg")
    scores, ids, inliers = np.array([[0.5, 0.4]]), np.array([[0, 4]]), np.array([[20, 0]])
    assert predict([q], tiles, scores, ids, inliers)[0].confidence == pytest.approx(sift_at(20))
    assert predict([q], tiles, scores, ids, inliers, table="disk")[0].confidence == pytest.approx(0.8)


# The measured xfeat tables (training/results/calibration.md, "Matcher `xfeat`" and "... mosaic"):
# margin -> share right, as training/calibration.py --fit printed them on 2026-12-01.
XFEAT_KNOTS = ((0.0, 0.25), (11.1, 0.364), (18.6, 0.5), (28.8, 0.857), (34.2, 0.857), (42.8, 0.917), (55.6, 0.952),
               (80.9, 0.986), (139.7, 0.997))
XFEAT_MOSAIC_KNOTS = ((0.0, 0.192), (11.1, 0.192), (18.7, 0.6), (25.6, 0.714), (34.2, 0.875), (41.5, 0.875),
                      (55.1, 0.944), (77.9, 0.979), (118.3, 0.986))


def test_xfeat_tables_are_the_measured_ones():
    for key, knots in (("xfeat", XFEAT_KNOTS), ("xfeat+mosaic", XFEAT_MOSAIC_KNOTS)):
        assert T.VERIFIED_TABLES[key] == (tuple(x for x, _ in knots), tuple(y for _, y in knots)), key


def test_xfeat_wrong_coarse_margins_are_not_shown_confident():
    # issue 13: xfeat through mosaics verified wrong rotterdam-coarse tiles with 9-26 inliers
    # (training/results/coarse.md); SIFT's table put those margins at 0.87-0.99
    for margin in range(9, 27):
        assert T.verified_confidence(margin, "xfeat+mosaic") < 0.9, margin
        assert T.verified_confidence(margin, "xfeat") < 0.9, margin
    assert T.verified_confidence(26, "sift") > 0.98  # what it was shown with before
    # by hand: margin 20 between (18.7, 0.6) and (25.6, 0.714): 0.6 + 0.114 x 1.3 / 6.9 = 0.6215
    assert T.verified_confidence(20, "xfeat+mosaic") == pytest.approx(0.6 + 0.114 * 1.3 / 6.9)
    # right ones (mostly 48 inliers and more: xfeat stops at 40) keep >= 0.9
    assert T.verified_confidence(48, "xfeat") == pytest.approx(0.917 + 0.035 * 5.2 / 12.8)  # 0.931
    assert T.verified_confidence(64, "xfeat+mosaic") == pytest.approx(0.944 + 0.035 * 8.9 / 22.8)  # 0.958
    assert T.verified_confidence(1000, "xfeat") == 0.997 and T.verified_confidence(1000, "xfeat+mosaic") == 0.986


def test_locate_with_xfeat_through_mosaics_shows_a_weak_match_unsure(tmp_path):
    # test_pipeline_exact.world: a verified with margin 20, c with 9. Before: SIFT's table, 0.98 and 0.86.
    ws, qs = world(tmp_path, vs={"matcher": "xfeat", "mosaic": 1})
    a, _, c = ws.locate(qs)
    assert a.confidence == pytest.approx(0.6 + 0.114 * 1.3 / 6.9)  # 0.6215
    assert c.confidence == pytest.approx(0.192)  # flat from 0 to 11.1
    ws, qs = world(tmp_path, vs={"matcher": "xfeat"})
    a, _, c = ws.locate(qs)
    assert a.confidence == pytest.approx(0.5 + 0.357 * 1.4 / 10.2)  # 0.549, between (18.6, .5) and (28.8, .857)
    assert c.confidence == pytest.approx(0.25 + 0.114 * 9 / 11.1)  # 0.342
