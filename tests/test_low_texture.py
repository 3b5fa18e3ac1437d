"""Low-texture photos (open water, fog, bare flat ground; issue 13): measured by their grey-level
spread, label-free, and an unverified answer for one claims at most predict.LOW_TEXTURE_CEILING."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core import content, predict as P
from geolocator.core.model import Bounds, LatLon, Match, Query, Tile


def _halves(size, low, high, dtype=np.uint8):
    """A (size, size) grey image: left half `low`, right half `high`. Its standard deviation is
    (high - low) / 2 exactly (two levels, equal counts)."""
    grey = np.full((size, size), low, dtype)
    grey[:, size // 2:] = high
    return grey


def test_spread_is_the_grey_std_at_the_working_size():
    assert content.spread_array(_halves(64, 100, 110)) == pytest.approx(5.0)  # small: as it is
    # 512 px: block-averaged to 256; the halves stay two pure levels (the edge falls between blocks)
    assert content.spread_array(_halves(512, 100, 120)) == pytest.approx(10.0)
    # the same step at 1024 px (4 x 4 blocks) and as float: the same spread
    assert content.spread_array(_halves(1024, 100.0, 120.0, np.float32)) == pytest.approx(10.0)
    assert content.spread_array(np.full((10, 20), 77, np.uint8)) == 0.0
    assert content.spread_array(np.zeros((0, 0))) == 0.0
    assert content.spread_array(np.full((4, 4), np.nan)) == 0.0  # nan read as 0 everywhere


def test_the_resize_is_to_spread_side_on_the_longer_side(monkeypatch):
    """A 1024 x 300 image is shrunk to 256 x 75 (longer side SPREAD_SIDE), not to a square."""
    import cv2

    seen = []
    real = cv2.resize
    monkeypatch.setattr(cv2, "resize", lambda img, size, **kw: seen.append(size) or real(img, size, **kw))
    content.spread_array(np.zeros((300, 1024), np.float32))
    assert seen == [(256, 75)]


def test_low_texture_threshold():
    assert content.is_low_texture(content.MIN_SPREAD - 0.01)
    assert not content.is_low_texture(content.MIN_SPREAD)
    assert not content.is_low_texture(None)  # unreadable: not called low texture
    assert content.MIN_SPREAD == 7.0  # between water (<= 5.6) and every other photo (>= 8.6)


def test_survey_of_files(tmp_path):
    """One decode gives both answers: the content-free reason (as content_free_reason) and low
    texture. Halves 100 / 108: spread 4.0 (< MIN_SPREAD); halves 100 / 120: 10.0 (not low)."""
    Image.fromarray(_halves(64, 100, 108)).save(tmp_path / "flat.png")
    Image.fromarray(_halves(64, 100, 120)).save(tmp_path / "wider.png")
    for source in (tmp_path / "flat.png", str(tmp_path / "flat.png"), Query("q", tmp_path / "flat.png")):
        assert content.survey(source) == (content.content_free_reason(source), True)
    assert content.survey(tmp_path / "wider.png") == (content.content_free_reason(tmp_path / "wider.png"), False)
    assert content.spread_array(content._grey(tmp_path / "flat.png")) == pytest.approx(4.0)
    (tmp_path / "bad.png").write_bytes(b"not a png")
    assert content.survey(tmp_path / "bad.png") == (None, False)  # its error is reported where it is embedded


def _tile(i):
    return Tile(f"t{i}", Path(f"/nonexistent/t{i}.png"), Bounds(0.01 * i, 10.0, 0.01 * i + 0.001, 10.001))


def test_an_unverified_low_texture_answer_claims_at_most_its_ceiling():
    # tiles 10 km apart: no agreement; cosine margin (0.9 - 0.5) / 0.1 -> capped at 1
    far = (Match(_tile(0), 0.9, 1), Match(_tile(1000), 0.5, 2))
    assert P.confidence(far, 8) == pytest.approx(P.RETRIEVED_CEILING)
    assert P.confidence(far, 8, low_texture=True) == pytest.approx(0.39)
    assert P.retrieved_ceiling(None, True) == 0.39
    assert P.retrieved_ceiling(0.4, True) == min(P.SMALL_FOOTPRINT_CEILING, 0.39) == 0.29
    assert P.retrieved_ceiling(0.9, False) == P.RETRIEVED_CEILING
    # a verified answer is scored by its inliers whatever the texture
    verified = (Match(_tile(0), 0.9, 1, inliers=30, ground=LatLon(10.0005, 0.0005)), Match(_tile(1000), 0.5, 2, inliers=0))
    assert P.confidence(verified, 8, low_texture=True) == P.confidence(verified, 8) == P.verified_confidence(30)


def test_predict_applies_the_ceiling_per_photo():
    tiles = [_tile(0), _tile(1000)]
    qs = [Query("a", Path("/x/a.jpg")), Query("b", Path("/x/b.jpg"))]
    scores = np.array([[0.9, 0.5], [0.9, 0.5]])
    ids = np.array([[0, 1], [0, 1]])
    a, b = P.predict(qs, tiles, scores, ids, low_texture=[True, False])
    assert a.confidence == pytest.approx(0.39) and a.status == "retrieved"
    assert b.confidence == pytest.approx(P.RETRIEVED_CEILING)
