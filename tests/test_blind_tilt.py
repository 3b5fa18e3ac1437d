"""The blind-tilt pass (VerifySettings.blind_tilts, oblique.assumed_view): a photo without view
metadata that nothing verified is tried turned to nadir at assumed tilts (issue 13, low texture)."""

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core import rerank
from geolocator.core.model import Bounds, Query, Tile
from geolocator.core.oblique import assumed_view
from geolocator.core.rerank import LocalFeatures, Verification, Verifier, VerifySettings


def test_assumed_view():
    v = assumed_view(40.0, 65.0)
    assert v.tilt_deg == pytest.approx(40.0) and v.pitch_deg == pytest.approx(-50.0)
    # focal length / image width = 1 / (2 tan(hfov / 2)): tan(32.5 deg) = 0.63707, so 0.78484
    assert v.focal_ratio == pytest.approx(0.78484, abs=1e-5)
    assert assumed_view(0.0, 90.0).focal_ratio == pytest.approx(0.5)  # tan 45 = 1
    np.testing.assert_allclose(assumed_view(0.0, 60.0).to_nadir((400, 300)), np.eye(3), atol=1e-12)  # nadir: no warp
    for tilt, hfov in ((90.0, 60.0), (-1.0, 60.0), (30.0, 0.0), (30.0, 180.0)):
        with pytest.raises(ValueError):
            assumed_view(tilt, hfov)


def _tiles():
    return [Tile(f"t{i}", Path(f"/nonexistent/t{i}.png"), Bounds(0.001 * i, 0.0, 0.001 * i + 0.001, 0.001)) for i in range(3)]


def _spied(monkeypatch, tmp_path, table, **settings):
    """A Verifier whose first and fine passes find nothing, and whose blind pass finds table[(tilt,
    tile id)] inliers; returns it and the list of (tilt, tile id) pairs the blind pass verified."""
    Image.new("RGB", (64, 48), (90, 90, 90)).save(tmp_path / "q.png")
    empty = LocalFeatures(np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32), (64, 48))
    v = Verifier(VerifySettings(**settings))
    seen = []
    monkeypatch.setattr(v, "photo", lambda query, fine=False: empty)
    monkeypatch.setattr(v, "tile", lambda tile, fine=False: empty)
    monkeypatch.setattr(rerank, "verify_pair", lambda *a, **k: Verification(0))

    def turned(image, view, s, contrast=None):
        assert contrast == s.fine_contrast and image.size == (64, 48)
        return LocalFeatures(empty.points, empty.descriptors, (64, 48), views=(round(view.tilt_deg, 6),))

    def fine_pair(photo, tile, footprint_m):
        if not photo.views:  # the fine pass (the photo as taken)
            return Verification(0)
        seen.append((photo.views[0], tile.id))
        return Verification(table.get((photo.views[0], tile.id), 0))

    monkeypatch.setattr(rerank, "rectified_local_features", turned)
    monkeypatch.setattr(v, "_fine_pair", fine_pair)
    return v, seen


def test_blind_pass_keeps_each_pairs_best(monkeypatch, tmp_path):
    table = {(30.0, "t0"): 5, (45.0, "t0"): 3, (45.0, "t1"): 12, (30.0, "t2"): 50}
    v, seen = _spied(monkeypatch, tmp_path, table, blind_tilts=(30.0, 45.0), fine_candidates=2)
    got = v.verify_photo(Query("q", tmp_path / "q.png"), _tiles(), [0, 1, 2])
    # the first fine_candidates (2) tiles at each tilt, in order; t2 is beyond them
    assert seen == [(30.0, "t0"), (30.0, "t1"), (45.0, "t0"), (45.0, "t1")]
    assert [r.inliers for r in got] == [5, 12, 0]


def test_blind_pass_only_when_nothing_is_known_and_nothing_verified(monkeypatch, tmp_path):
    q = Query("q", tmp_path / "q.png")
    v, seen = _spied(monkeypatch, tmp_path, {}, blind_tilts=())  # off
    v.verify_photo(q, _tiles(), [0, 1])
    assert seen == []
    v, seen = _spied(monkeypatch, tmp_path, {})  # the default: 25, 40 and 50 degrees
    v.verify_photo(q, _tiles(), [0])
    assert seen == [(25.0, "t0"), (40.0, "t0"), (50.0, "t0")]
    v, seen = _spied(monkeypatch, tmp_path, {}, blind_tilts=(40.0,))
    v.verify_photo(q, _tiles(), [0, 1], footprint_m=60.0)  # a footprint from metadata: a nadir photo
    assert seen == []
    v, seen = _spied(monkeypatch, tmp_path, {}, blind_tilts=(40.0,))
    v.verify_photo(q, _tiles(), [0, 1])
    assert seen == [(40.0, "t0"), (40.0, "t1")]


def test_no_blind_pass_after_a_verified_match(monkeypatch, tmp_path):
    v, seen = _spied(monkeypatch, tmp_path, {}, blind_tilts=(40.0,))
    monkeypatch.setattr(rerank, "verify_pair", lambda *a, **k: Verification(8))  # min_inliers: verified
    assert [r.inliers for r in v.verify_photo(Query("q", tmp_path / "q.png"), _tiles(), [0, 1])] == [8, 8]
    assert seen == []


def test_compare_matchers_reads_a_tilt_list_and_the_confident_count():
    """training/compare_matchers.py: `sift:blind_tilts=25/40/50` is a tuple of floats beside integer
    options; the honest-output column reads 'right / shown' from the evaluation's figures."""
    import sys
    from types import SimpleNamespace

    from .helpers import load_script

    training = str(Path(__file__).resolve().parents[1] / "training")
    sys.path.insert(0, training)  # the script imports its neighbour `tables`
    try:
        cm = load_script(Path(training) / "compare_matchers.py", "compare_matchers_script")
    finally:
        sys.path.remove(training)
    assert cm.parse_matcher("sift:blind_tilts=25/40/50,widen=12") == ("sift", {"blind_tilts": (25.0, 40.0, 50.0), "widen": 12})
    assert cm.parse_matcher("sift:blind_tilts=40") == ("sift", {"blind_tilts": (40.0,)})
    assert cm.parse_matcher("xfeat") == ("xfeat", {})
    assert cm.parse_matcher("sift:second_look=1,second_look_early_exit=0.9") == (
        "sift", {"second_look": 1, "second_look_early_exit": 0.9})
    # 40 shown, 97.5 % right: 39 / 40; none shown: 0 / 0
    assert cm._confident(SimpleNamespace(extra={"n_confident": 40, "confident_right_pct": 97.5})) == "39 / 40"
    assert cm._confident(SimpleNamespace(extra={"n_confident": 0, "confident_right_pct": None})) == "0 / 0"
