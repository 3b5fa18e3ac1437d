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


def _checks(size, low, high):
    """A (size, size) pixel checkerboard of `low` and `high`: std (high - low) / 2 exactly, and no
    part of it a smooth surface (texture_spread the same)."""
    grey = np.full((size, size), low, np.uint8)
    grey[(np.add.outer(np.arange(size), np.arange(size)) % 2) == 1] = high
    return grey


def test_low_texture_by_its_spread_or_its_texture():
    assert content.MIN_TEXTURE == 4.0  # below every real photo measured (>= 4.7), above fine plaster walls
    assert content.is_low_texture(20.0, content.MIN_TEXTURE - 0.01)  # the lit wall: spread 14, texture ~3
    assert not content.is_low_texture(20.0, content.MIN_TEXTURE)
    assert content.is_low_texture(content.MIN_SPREAD - 0.01, 50.0)  # either says so
    assert not content.is_low_texture(None, None) and not content.is_low_texture(8.0, None)


def test_survey_of_files(tmp_path):
    """One decode gives both answers: the content-free reason (as content_free_reason) and low
    texture. Halves 100 / 108: spread 4.0 (< MIN_SPREAD); a checkerboard of 100 / 120: 10.0 (not low)."""
    Image.fromarray(_halves(64, 100, 108)).save(tmp_path / "flat.png")
    Image.fromarray(_checks(64, 100, 120)).save(tmp_path / "wider.png")
    for source in (tmp_path / "flat.png", str(tmp_path / "flat.png"), Query("q", tmp_path / "flat.png")):
        assert content.survey(source) == (content.content_free_reason(source), True)
    assert content.survey(tmp_path / "wider.png") == (content.content_free_reason(tmp_path / "wider.png"), False)
    # a checkerboard 100 / 110: spread 5 (< MIN_SPREAD) but texture_spread 5 too (>= MIN_TEXTURE): low
    # texture by its spread alone, so survey must read both (mutation check: spread dropped survived)
    Image.fromarray(_checks(64, 100, 110)).save(tmp_path / "fine.png")
    assert content.texture_spread(_checks(64, 100, 110)) >= content.MIN_TEXTURE
    assert content.survey(tmp_path / "fine.png")[1] is True
    # the same board on a lighting ramp 100 -> 160: spread ~18, texture_spread ~5, between MIN_TEXTURE and
    # MIN_SPREAD, like vegas-blurhaze's veiled q_0015 (4.7, right at tile level): not low texture
    lit = (_checks(64, 0, 10).astype(np.float32) - 5 + _ramp(64, 64, 100.0, 160.0)).round().astype(np.uint8)
    Image.fromarray(lit).save(tmp_path / "lit.png")
    assert content.MIN_TEXTURE <= content.texture_spread(lit) < content.MIN_SPREAD <= content.spread_array(lit)
    assert content.survey(tmp_path / "lit.png")[1] is False
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


def _ramp(h, w, left, right):
    """(h, w) float image rising linearly from `left` to `right` across: a lighting gradient."""
    return np.tile(np.linspace(left, right, w, dtype=np.float32), (h, 1))


def test_texture_spread_takes_the_lighting_out():
    # a pure ramp 180 -> 250 (a lit wall): a large spread (a uniform ramp of range 70: 70 / sqrt(12)
    # = 20.2) and no texture at all (a plane is in the fitted surface)
    ramp = _ramp(200, 240, 180.0, 250.0)
    assert content.spread_array(ramp) == pytest.approx(70 / np.sqrt(12), rel=0.01)
    assert content.texture_spread(ramp) == pytest.approx(0.0, abs=1e-3)
    # a vignette (a paraboloid) likewise
    yy, xx = np.mgrid[0:200, 0:240] / 240.0
    assert content.texture_spread(200 - 80 * ((xx - 0.5) ** 2 + (yy - 0.4) ** 2)) == pytest.approx(0.0, abs=1e-3)
    # the checkerboard of +-5 on the ramp: its own std, 5, is what stays (the board is orthogonal to a
    # smooth surface up to edge effects: within 1 %)
    board = _checks(240, 0, 10).astype(np.float32)[:200] - 5.0
    assert content.texture_spread(ramp + board) == pytest.approx(5.0, rel=0.01)
    assert content.texture_spread(_checks(64, 100, 120)) == pytest.approx(10.0, rel=0.01)
    # never more than the plain spread; empty and non-finite images as spread_array
    noise = np.random.default_rng(0).normal(128, 20, (300, 400))
    assert content.texture_spread(noise) <= content.spread_array(noise)
    assert content.texture_spread(np.zeros((0, 0))) == 0.0
    # the pixel type does not matter: a uint8 image is measured as its float copy (shrunk in float, not
    # rounded to whole grey levels by the resize: 600 px of noise -> 256 px blocks of non-whole means)
    grains = np.random.default_rng(0).integers(0, 256, (512, 600)).astype(np.uint8)
    assert content.texture_spread(grains) == pytest.approx(content.texture_spread(grains.astype(np.float32)), rel=1e-9)
    assert content.texture_spread(np.full((4, 4), np.nan)) == 0.0


def white_wall(path, size=(1024, 768), seed=0):
    """A white plaster wall under a lighting gradient, as newuser session 16 photographed one: 215
    grey levels, +-22 across and +-7 down (the light), grain of std 6 and blotches of std 3 (256 px
    fine), saved as JPEG. It passes the content test (structure and detail above their floors:
    not content-free) and its plain spread is about 14 (above MIN_SPREAD): before texture_spread
    it counted as textured and claimed the unverified ceiling, 0.60."""
    import cv2

    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    grey = 215 + 45 * (xx / w - 0.5) + 15 * (yy / h - 0.5) + rng.normal(0, 6, (h, w))
    blotches = rng.normal(0, 1, (h // 16 + 1, w // 16 + 1)).astype(np.float32)
    grey += 3 * cv2.resize(blotches, (w, h), interpolation=cv2.INTER_CUBIC)
    Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8)).convert("RGB").save(path, quality=90)
    return path


def test_a_white_wall_under_a_lighting_gradient_is_low_texture(tmp_path):
    wall = white_wall(tmp_path / "wall.jpg")
    grey = content._grey(wall)
    assert content.measure(wall).reason is None  # the content test passes it: not "not located"
    assert content.spread_array(grey) > content.MIN_SPREAD  # the plain spread: "textured" (the fault)
    assert content.texture_spread(grey) < content.MIN_TEXTURE
    assert content.survey(wall) == (None, True)
    # so an unverified answer for it claims at most the low-texture ceiling (0.39), not 0.60
    far = (Match(_tile(0), 0.9, 1), Match(_tile(1000), 0.5, 2))
    assert P.confidence(far, 8, low_texture=content.survey(wall)[1]) == pytest.approx(P.LOW_TEXTURE_CEILING)


def test_the_wall_located_claims_no_more_than_the_low_texture_ceiling(tmp_path):
    """Through Workspace.locate (tests/test_pipeline_exact.py's small world, photo "b": nothing
    verifies): the wall's answer is the textured photo's scaled by LOW_TEXTURE_CEILING /
    RETRIEVED_CEILING (the same cosines; only the ceiling differs)."""
    from .test_pipeline_exact import world

    wall = white_wall(tmp_path / "wall.jpg")
    ground = tmp_path / "ground.png"
    Image.fromarray(np.clip(128 + np.random.default_rng(1).normal(0, 30, (48, 64)), 0, 255).astype(np.uint8)).save(ground)
    got = {}
    for name, path in (("wall", wall), ("ground", ground)):
        ws, _ = world(tmp_path, verify=True)
        got[name] = ws.locate([Query("a", path), Query("b", path)])[1]
    assert got["wall"].status == got["ground"].status == "retrieved" and got["ground"].confidence > P.LOW_TEXTURE_CEILING
    assert got["wall"].confidence == pytest.approx(got["ground"].confidence * P.LOW_TEXTURE_CEILING / P.RETRIEVED_CEILING)


def _lstsq_texture(grey) -> float:
    """texture_spread as numpy.linalg.lstsq computes it (the reference the projection must match)."""
    grey = content._at_spread_side(grey)
    yy, xx = np.mgrid[0:grey.shape[0], 0:grey.shape[1]]
    x, y = (xx / max(grey.shape[1], 1)).ravel(), (yy / max(grey.shape[0], 1)).ravel()
    basis = np.stack([np.ones_like(x), x, y, x * x, y * y, x * y], axis=1)
    values = grey.astype(np.float64).ravel()
    coef, *_ = np.linalg.lstsq(basis, values, rcond=None)
    return float((values - basis @ coef).std())


def test_texture_spread_fits_without_lstsq_which_holds_the_gil(monkeypatch):
    """np.linalg.lstsq keeps the GIL through its whole solve (the app's window froze while a worker
    surveyed photos: training/results/stall33_session33.md): the fit is a projection on a cached
    orthonormal basis instead, the same least-squares surface, one-pixel rows and columns (a basis
    of lower rank) included."""
    rng = np.random.default_rng(3)
    shapes = [(192, 256), (256, 100), (1, 50), (40, 1), (2, 2), (3, 7)]
    images = [rng.normal(128, 20, s) + 30 * np.linspace(0, 1, s[1]) for s in shapes]
    expected = [_lstsq_texture(g) for g in images]

    def refuse(*args, **kwargs):
        raise AssertionError("np.linalg.lstsq holds the GIL: the app's window stops while it runs")

    monkeypatch.setattr(np.linalg, "lstsq", refuse)
    for grey, want in zip(images, expected):
        assert content.texture_spread(grey) == pytest.approx(want, rel=1e-9, abs=1e-9)
