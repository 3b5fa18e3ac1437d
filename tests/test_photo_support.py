"""How much of a photo agrees with its verified answer (core/photo_support.py): the photo keypoints whose
match lands where the answer's homography puts them, and the share of the frame they cover.
Synthetic keypoints and descriptors only: no truth, no benchmark data."""

from __future__ import annotations

import numpy as np
import pytest

from geolocator.core.photo_support import GRID, agreeing_points, cell_share
from geolocator.core.rerank import LocalFeatures, VerifySettings


def _features(points, descriptors, size=(512, 384)) -> LocalFeatures:
    return LocalFeatures(np.asarray(points, np.float32), np.asarray(descriptors, np.float32), size)


def _pair(n=60, seed=0, shift=(40.0, -25.0)):
    """A photo of n keypoints spread over its frame and a tile holding the same descriptors where a
    translation by `shift` puts them, plus 30 unrelated tile keypoints."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform([5, 5], [507, 379], (n, 2))
    desc = rng.uniform(0, 1, (n, 128))
    other = rng.uniform(0, 1, (30, 128))
    tile = _features(np.r_[pts + shift, rng.uniform(0, 500, (30, 2))], np.r_[desc, other])
    return _features(pts, desc), tile, np.array([[1, 0, shift[0]], [0, 1, shift[1]], [0, 0, 1]], float)


def test_cell_share_counts_the_grid_cells_holding_points_and_ignores_points_outside():
    size = (800, 600)
    assert cell_share(np.zeros((0, 2)), size) == 0.0
    # two points in one cell, one in another, two outside the image
    pts = [[10, 10], [20, 30], [790, 590], [-5, 10], [800, 10]]
    assert cell_share(pts, size) == pytest.approx(2 / GRID**2)
    # one point in every cell covers the frame
    xs = (np.arange(GRID) + 0.5) * size[0] / GRID
    ys = (np.arange(GRID) + 0.5) * size[1] / GRID
    assert cell_share([[x, y] for x in xs for y in ys], size) == 1.0


def test_agreeing_points_are_the_matches_the_homography_explains():
    photo, tile, h = _pair()
    agree = agreeing_points(photo, tile, h, VerifySettings())
    assert len(agree) == len(photo.points)
    assert cell_share(agree, photo.size) > 0.5  # spread over the frame, as the keypoints are
    # a homography that puts the photo elsewhere explains none of them
    wrong = h.copy()
    wrong[0, 2] += 100.0
    assert len(agreeing_points(photo, tile, wrong, VerifySettings())) == 0


def test_agreeing_points_on_part_of_the_photo_cover_only_that_part():
    """Half the photo's ground is gone (its descriptors no longer match anything in the tile): the
    agreeing points lie in the other half only, though its keypoints still fill the frame."""
    photo, tile, h = _pair(n=120, seed=3)
    rng = np.random.default_rng(4)
    left = photo.points[:, 0] < photo.size[0] / 2
    changed = photo.descriptors.copy()
    changed[left] = rng.uniform(0, 1, (int(left.sum()), 128))
    damaged = _features(photo.points, changed, photo.size)
    agree = agreeing_points(damaged, tile, h, VerifySettings())
    assert 0 < len(agree) <= int((~left).sum())
    assert (agree[:, 0] >= photo.size[0] / 2).all()
    assert cell_share(agree, photo.size) <= 0.5 < cell_share(photo.points, photo.size)


def test_too_few_keypoints_agree_with_nothing():
    photo, tile, h = _pair()
    one = _features(photo.points[:1], photo.descriptors[:1], photo.size)
    assert agreeing_points(one, tile, h, VerifySettings()).shape == (0, 2)


# --- the rule: an answer its photo's own description does not support claims little -------------

def _tiles(n: int = 6):
    """n small tiles in a row, far apart (none agrees with another spatially: predict._agrees)."""
    from pathlib import Path

    from geolocator.core.model import Bounds, Tile

    return [Tile(f"t{i}", Path(f"t{i}.jpg"), Bounds(8.0 + 0.01 * i, 47.0, 8.0 + 0.01 * i + 0.0006, 47.00045))
            for i in range(n)]


def _predictions(inliers_rows, tiles):
    """predict() for one photo per row of top-3 inlier counts (tiles 0, 1, 2), through the product's
    own confidence tables."""
    from pathlib import Path

    from geolocator.core.model import Query
    from geolocator.core.predict import predict

    rows = len(inliers_rows)
    queries = [Query(f"q{i}.jpg", Path(f"q{i}.jpg")) for i in range(rows)]
    scores = np.tile(np.array([[0.9, 0.8, 0.7]], np.float32), (rows, 1))
    ids = np.tile(np.array([[0, 1, 2]]), (rows, 1))
    return queries, predict(queries, tiles, scores, ids, np.array(inliers_rows))


class _Verifier:
    """A stand-in rerank.Verifier: the kept result of each (photo, tile) pair and the descriptions
    answer_span reads (the same for the first and the fine look; the fine pass off)."""

    def __init__(self, photos: dict, tile_features: dict, kept: dict):
        from dataclasses import replace

        self.settings = replace(VerifySettings(), fine_pass=False)
        self._photos, self._tile_features, self._kept = photos, tile_features, kept

    def kept(self, query, tile):
        return self._kept.get((query.id, tile.id))

    def photo(self, query, *, fine=False):
        return self._photos[query.id]

    def tile(self, tile, *, fine=False, smooth=False):
        return self._tile_features[tile.id]


def test_a_look_alike_whose_homography_no_photo_keypoint_supports_claims_less_than_unsure():
    """Two photos verified on tile 0 with 10 inliers and no rival (the SIFT table: 0.91, shown
    confident). The first's homography is the one its keypoints agree with (the right place); the
    second's, found by another look at the photo (as the blind-tilt pass or the second look find a
    look-alike), puts its keypoints where no tile keypoint matches: it claims UNSUPPORTED_CEILING
    (a weak match), the first keeps its figure. Answers claiming >= SUPPORT_BELOW are not checked."""
    from geolocator.core.model import CONFIDENT, WEAK_BELOW
    from geolocator.core.photo_support import SUPPORT_BELOW, UNSUPPORTED_CEILING, with_support
    from geolocator.core.rerank import Verification

    tiles = _tiles()
    queries, before = _predictions([[10, 0, 0], [10, 0, 0], [40, 0, 0]], tiles)
    assert all(p.status == "verified" for p in before)
    assert CONFIDENT <= before[0].confidence == before[1].confidence < SUPPORT_BELOW <= before[2].confidence
    photo, tile, h = _pair()
    elsewhere = h.copy()
    elsewhere[0, 2] += 150.0  # where a look-alike's fit puts the photo: nothing of it agrees there
    kept = {("q0.jpg", "t0"): Verification(10, (0.5, 0.5), h), ("q1.jpg", "t0"): Verification(10, (0.5, 0.5), elsewhere),
            ("q2.jpg", "t0"): Verification(40, (0.5, 0.5), elsewhere)}
    verifier = _Verifier({q.id: photo for q in queries}, {"t0": tile}, kept)
    after = with_support(queries, before, verifier)
    assert after[0] is before[0]
    assert after[1].confidence == UNSUPPORTED_CEILING < WEAK_BELOW
    assert after[1].shown_status == "weak match"
    assert (after[1].location, after[1].status, after[1].matches) == (before[1].location, "verified", before[1].matches)
    assert after[2] is before[2]  # >= SUPPORT_BELOW: not checked, whatever its support


def test_the_second_looks_answers_are_checked_with_its_own_homography():
    """A row the second look settled (second_rows) takes its winning pair from the second look's
    verifier, and is checked against the SIFT verifier's description of the photo."""
    from geolocator.core.photo_support import UNSUPPORTED_CEILING, with_support
    from geolocator.core.rerank import Verification

    tiles = _tiles()
    queries, before = _predictions([[10, 0, 0], [10, 0, 0]], tiles)
    photo, tile, h = _pair()
    elsewhere = h.copy()
    elsewhere[1, 2] += 150.0
    sift = _Verifier({q.id: photo for q in queries}, {"t0": tile}, {("q0.jpg", "t0"): Verification(10, None, h),
                                                                     ("q1.jpg", "t0"): Verification(10, None, h)})
    second = _Verifier({}, {}, {("q1.jpg", "t0"): Verification(50, None, elsewhere)})
    after = with_support(queries, before, sift, second, np.array([False, True]))
    assert after[0] is before[0]
    assert after[1].confidence == UNSUPPORTED_CEILING


def test_supported_confidence_caps_only_unsupported_answers_below_the_bar():
    from geolocator.core.photo_support import SUPPORT_BELOW, SUPPORT_MIN, UNSUPPORTED_CEILING, supported_confidence

    assert supported_confidence(0.93, SUPPORT_MIN - 1) == UNSUPPORTED_CEILING
    assert supported_confidence(0.10, 0) == 0.10  # never raised
    assert supported_confidence(0.93, SUPPORT_MIN) == 0.93
    assert supported_confidence(SUPPORT_BELOW, 0) == SUPPORT_BELOW
    assert supported_confidence(0.93, None) == 0.93  # not measured (unreadable photo): kept


def test_the_workspace_applies_the_rule_on_the_sift_route_unless_switched_off(monkeypatch):
    from geolocator.core import photo_support
    from geolocator.core.pipeline import Settings, Workspace

    seen = []
    monkeypatch.setattr(photo_support, "with_support",
                        lambda q, p, v, s=None, rows=None, **kw: seen.append(p) or ["checked"])

    class _Sift:
        settings = VerifySettings()

    ws = Workspace(Settings(backbone="efficientnet_lite0"))
    ws._verifier = _Sift()
    assert ws._supported([], ["p"], None) == ["checked"] and seen == [["p"]]
    ws.settings.photo_support = False
    assert ws._supported([], ["p"], None) == ["p"] and len(seen) == 1


def test_the_check_reports_its_own_stage_and_stops_on_cancel():
    """Session 29 (ram29, then the lead's profile of a 360-frame 4K flight): after verification, the CLI
    sat 29-85 s with no progress line while this check described 157 frames again. It reports a stage of
    its own, one step a checked photo (answers >= SUPPORT_BELOW are not counted), and Cancel stops it."""
    from geolocator.core.photo_support import with_support
    from geolocator.core.progress import CancelToken, Cancelled
    from geolocator.core.rerank import Verification

    tiles = _tiles()
    queries, before = _predictions([[10, 0, 0], [40, 0, 0], [10, 0, 0]], tiles)
    photo, tile, h = _pair()
    kept = {(q.id, "t0"): Verification(10, (0.5, 0.5), h) for q in queries}
    verifier = _Verifier({q.id: photo for q in queries}, {"t0": tile}, kept)
    events = []
    after = with_support(queries, before, verifier, progress=events.append)
    assert [(e.stage, e.step, e.total) for e in events] == [("support", 1, 2), ("support", 2, 2)]
    assert [a.confidence for a in after] == [b.confidence for b in before]  # supported: unchanged
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        with_support(queries, before, verifier, cancel=cancel)


def test_the_app_names_the_stage():
    from geolocator.gui.progress_panel import STAGE_SECONDS_PER_UNIT, STAGES

    assert STAGES["support"] == "Checking answers against their photos" and STAGE_SECONDS_PER_UNIT["support"] > 0
