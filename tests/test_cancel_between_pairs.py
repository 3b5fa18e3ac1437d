"""Cancel takes effect between verified PAIRS, not only between photos (session 15).

A photo verifies 20-64 pairs: ~0.5 s with SIFT but 10-25 s with aliked / disk, and the fine and blind
passes and adaptation's photo-photo links add more. Before session 15 the Verifier checked the cancel
token once a photo (Verifier.verify), so the app's Cancel waited for the whole photo. Now the token
is checked before each new pair evaluation (and each tile a learned backend describes, and each of
adaptation's links); what was verified before it is kept (core/pair_store.py), so a cancelled locate
run again answers exactly as an uninterrupted one. Each test below fails on the code before (checked
by reverting geolocator/core/rerank.py and adapt/geometric.py): the photo's remaining pairs were made."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from geolocator.core import rerank
from geolocator.core.errors import Cancelled
from geolocator.core.pair_store import PairStore
from geolocator.core.progress import CancelToken
from geolocator.core.rerank import Verifier, VerifySettings

from .demo_features import demo_workspace, load_demo_features
from .test_pair_store import _answers, _outcome, _Spy


def _cancel_after(monkeypatch, module, name: str, n: int, token: CancelToken) -> list:
    """Wrap module.name (a matcher) so that `token` is cancelled as its n-th call returns (the
    user presses Cancel while that pair is being matched); returns the list of calls made."""
    real, calls = getattr(module, name), []

    def wrapped(*args, **kwargs):
        calls.append(args)
        out = real(*args, **kwargs)
        if len(calls) == n:
            token.cancel()
        return out

    monkeypatch.setattr(module, name, wrapped)
    return calls


def test_a_cancelled_demo_locate_stops_after_the_pair_and_resumes_to_a_fresh_runs_answers(tmp_path, monkeypatch):
    # real SIFT, real demo photos and tiles, one photo at a time: this counts pairs in order
    # (photos side by side: test_photo_pool.py)
    spy = _Spy(monkeypatch)
    features = load_demo_features()
    whole, region = demo_workspace(tmp_path / "whole", features, verify_candidates=4, verify_workers=1)
    photos = region.queries[20:24]
    expected = whole.locate(photos)
    per_pair = spy.take()  # the photo each pair of an uninterrupted run belonged to
    # the first pair whose photo has another pair after it: Cancel pressed while it is matched lands
    # mid-photo (the 4 candidates of the first photo alone give 4 such pairs)
    n = next(i + 1 for i in range(len(per_pair) - 1) if per_pair[i] == per_pair[i + 1])
    assert len(per_pair) > n

    token = CancelToken()
    matcher = rerank.verify_pair  # the spy's
    calls = []

    def pressed(*args, **kwargs):
        calls.append(1)
        out = matcher(*args, **kwargs)
        if len(calls) == n:
            token.cancel()
        return out

    monkeypatch.setattr(rerank, "verify_pair", pressed)
    ws, _ = demo_workspace(tmp_path / "run", features, verify_candidates=4, verify_workers=1)
    with pytest.raises(Cancelled):
        ws.locate(photos, cancel=token)
    # the job ended at the next pair: no pair after the n-th (before: the photo's other pairs too)
    assert len(spy.take()) == n

    monkeypatch.setattr(rerank, "verify_pair", matcher)
    again, _ = demo_workspace(tmp_path / "run", features, verify_candidates=4, verify_workers=1)  # the same cache folder
    resumed = again.locate(photos)
    # only the pairs not reached are verified, and the answers are the uninterrupted run's
    assert spy.take() == per_pair[n:]
    assert _answers(resumed) == _answers(expected)


def test_cancel_lands_between_first_pass_pairs(tmp_path, monkeypatch):
    from .test_rerank_exact2 import Rec, _query, _square

    tiles = _square(tmp_path, 4)
    rec = Rec(monkeypatch, inliers=[30, 30, 30, 30])  # all verify: no fine pass
    token = CancelToken()
    _cancel_after(monkeypatch, rerank, "verify_pair", 2, token)  # pressed during the 2nd pair
    with pytest.raises(Cancelled):
        Verifier(VerifySettings()).verify([_query(tmp_path)], tiles, np.array([[0, 1, 2, 3]]), cancel=token)
    assert [t for _, t, *_ in rec.pairs] == [0, 1]  # before: 2 and 3 as well


def test_cancel_lands_between_fine_pass_pairs_and_the_rest_resumes(tmp_path, monkeypatch):
    from .test_rerank_exact2 import Rec, _query, _square

    tiles = _square(tmp_path, 3)
    # nothing reaches fine_below (12) at first: the fine pass runs on all 3 (tags 100-102)
    rec = Rec(monkeypatch, inliers=[5, 3, 2], fine={0: 20, 1: 4, 2: 1})
    settings, photo = VerifySettings(blind_tilts=()), _query(tmp_path)
    expected = _outcome(Verifier(settings).verify_photo(photo, tiles, [0, 1, 2]))
    assert [t for _, t, *_ in rec.pairs] == [0, 1, 2, 100, 101, 102]
    rec.pairs.clear()
    token = CancelToken()
    _cancel_after(monkeypatch, rerank, "verify_pair", 4, token)  # pressed during the first fine pair
    v = Verifier(settings)
    v.store = PairStore(tmp_path / "pairs")
    with pytest.raises(Cancelled):
        v.verify([photo], tiles, np.array([[0, 1, 2]]), cancel=token)
    assert [t for _, t, *_ in rec.pairs] == [0, 1, 2, 100]  # before: 101 and 102 as well
    rec.pairs.clear()
    resumed = Verifier(settings)
    resumed.store = PairStore(tmp_path / "pairs")
    assert _outcome(resumed.verify_photo(photo, tiles, [0, 1, 2])) == expected
    assert [t for _, t, *_ in rec.pairs] == [101, 102]


def test_cancel_lands_between_blind_tilt_pairs(tmp_path, monkeypatch):
    from .test_rerank_exact2 import Rec, _query, _square

    tiles = _square(tmp_path, 2)
    # nothing verifies, even finely: the blind pass runs at each tilt on both tiles
    Rec(monkeypatch, inliers=[0, 0], fine={0: 0, 1: 0})
    turned = []
    monkeypatch.setattr(rerank, "rectified_local_features", lambda image, view, s, contrast=None, between=None:
                        turned.append(view) or SimpleNamespace())
    monkeypatch.setattr(Verifier, "_decoded", lambda self, query: "pixels")
    blind = []
    token = CancelToken()

    def fine_pair(self, photo, tile, footprint_m):
        blind.append(tile.id)
        if len(blind) == 2 + 1:  # the first blind pair (after the two fine ones)
            token.cancel()
        return rerank.Verification(0)

    monkeypatch.setattr(Verifier, "_fine_pair", fine_pair)
    settings = VerifySettings(blind_tilts=(25.0, 40.0))
    with pytest.raises(Cancelled):
        Verifier(settings).verify([_query(tmp_path)], tiles, np.array([[0, 1]]), cancel=token)
    # fine t0, t1, then blind at 25 deg on t0 only (before: t1 at 25, and t0, t1 at 40 too)
    assert blind == ["t0", "t1", "t0"] and len(turned) == 1


def _learned(monkeypatch, tmp_path, n_tiles: int):
    from geolocator.core import matchers

    from .test_rerank_exact2 import _mosaic_fakes, _query, _row

    tiles = _row(tmp_path, n_tiles)
    rec = _mosaic_fakes(monkeypatch, tiles, learned_backend=True)  # 7 inliers each; heading score 10 - t
    monkeypatch.setattr(matchers, "get_matcher", lambda name, device="cpu": SimpleNamespace(signature="fake 1"))
    # stop at 50 inliers: never reached, every candidate is verified, most alike (lowest t) first
    return tiles, rec, _query(tmp_path), VerifySettings(matcher="xfeat", stop_inliers=50)


def test_a_learned_backend_is_cancelled_between_its_pairs_and_resumes(tmp_path, monkeypatch):
    from geolocator.core.matchers import verify as learned

    tiles, rec, photo, settings = _learned(monkeypatch, tmp_path, 4)
    expected = _outcome(Verifier(settings).verify_photo(photo, tiles, [3, 2, 1, 0]))
    assert [p[1] for p in rec.pairs] == [0, 1, 2, 3]
    rec.pairs.clear()
    token = CancelToken()
    _cancel_after(monkeypatch, learned, "verify_pair", 2, token)  # pressed during the 2nd pair
    v = Verifier(settings)
    v.store = PairStore(tmp_path / "pairs")
    with pytest.raises(Cancelled):
        v.verify([photo], tiles, np.array([[3, 2, 1, 0]]), cancel=token)
    assert [p[1] for p in rec.pairs] == [0, 1]  # before: 2 and 3 too (10-25 s with aliked)
    rec.pairs.clear()
    resumed = Verifier(settings)
    resumed.store = PairStore(tmp_path / "pairs")
    assert _outcome(resumed.verify_photo(photo, tiles, [3, 2, 1, 0])) == expected
    assert [p[1] for p in rec.pairs] == [2, 3]


def test_a_learned_backend_is_cancelled_between_the_tiles_it_describes(tmp_path, monkeypatch):
    tiles, rec, photo, settings = _learned(monkeypatch, tmp_path, 4)
    token = CancelToken()
    target = Verifier.target

    def pressed(self, tiles_, t):  # describing a tile costs a learned backend ~0.4 s
        out = target(self, tiles_, t)
        if len(rec.targets) == 2:
            token.cancel()
        return out

    monkeypatch.setattr(Verifier, "target", pressed)
    with pytest.raises(Cancelled):
        Verifier(settings).verify([photo], tiles, np.array([[3, 2, 1, 0]]), cancel=token)
    assert rec.targets == [3, 2] and rec.pairs == []  # before: all 4 described and all 4 matched


def test_widening_passes_the_cancel_token_to_each_photo(monkeypatch):
    from geolocator.core.rerank import Verification, widen_unverified

    given = []

    class Recorder:
        def verify_photo(self, query, tiles, extra, footprint, cancel=None):
            given.append(cancel)
            return [Verification(0) for _ in extra]

    token = CancelToken()
    widen_unverified(Recorder(), ["a"], ("tiles",), np.array([[0, 1, 2]]), np.array([[0]]), [[Verification(0)]], 8, 3,
                     cancel=token)
    assert given == [token]  # before: verify_photo was called without it


def test_adaptations_links_are_cancelled_between_them(monkeypatch):
    from geolocator.core.adapt import geometric
    from geolocator.core.adapt.geometric import geometric_labels

    from .test_geometric_exact import L, T, TileSet, Verifier as FakeVerifier, make_fakes

    fakes = make_fakes(monkeypatch)
    # a and b are anchors (30 inliers); c matched nothing: it is linked to a, then to b
    direct = {"a": [(30, T(0.0), (0.5, 0.5))], "b": [(30, T(0.0), (0.5, 0.5))], "c": [(0, T(0.0), None)]}
    fakes.links[("c", "a")] = (5, L(0.0))
    fakes.links[("c", "b")] = (15, L(0.0))
    similarity = np.zeros((3, 3))
    similarity[2] = [0.9, 0.5, 0.0]  # a is tried first
    token = CancelToken()
    fake = geometric.verify_pair

    def pressed(*args, **kwargs):
        out = fake(*args, **kwargs)
        token.cancel()  # pressed during the first link
        return out

    monkeypatch.setattr(geometric, "verify_pair", pressed)
    with pytest.raises(Cancelled):
        geometric_labels(["a", "b", "c"], TileSet(), np.array([[0], [1], [2]]), similarity, FakeVerifier(direct),
                         cancel=token)
    assert [c[:2] for c in fakes.calls] == [("c", "a")]  # before: ("c", "b") as well


@pytest.mark.parametrize("oblique", [False, True])
def test_a_learned_photo_description_is_cancelled_between_its_headings_and_not_taken_for_unreadable(
        tmp_path, monkeypatch, oblique):
    """aliked describes a photo at 4 headings (~0.65 CPU s each, 2.6 in all: the longest step
    measured after the pair checks, training/results/cancel_session15.md); Cancel now lands between
    headings. A Cancelled raised there must not be caught as "unreadable photo" (Verifier.photo
    turns GeolocatorError into None, i.e. zeros, and Cancelled is one)."""
    from PIL import Image

    from geolocator.core.matchers import verify as learned
    from geolocator.core.matchers.base import Features
    from geolocator.core.model import Query

    from .test_rerank_exact2 import _row

    extracted, token = [], CancelToken()

    class Fake:
        name, rotation_invariant, signature = "fake", False, "fake 1"

        def extract(self, image):
            extracted.append(image.shape)
            if len(extracted) == 1:
                token.cancel()  # pressed while the first heading is described
            return Features(np.zeros((0, 2), np.float32), np.zeros((0, 8), np.float32), (image.shape[1], image.shape[0]))

    monkeypatch.setattr(learned, "get_matcher", lambda name, device="cpu": Fake())
    photo_path = tmp_path / "photo.png"
    Image.new("RGB", (64, 48), "gray").save(photo_path)
    photo, tiles = Query("photo.png", photo_path), _row(tmp_path, 2)
    if oblique:  # an oblique photo is described turned to nadir, at each heading (verify._nadir_features)
        from geolocator.core.oblique import assumed_view

        monkeypatch.setattr(rerank, "query_view", lambda query: assumed_view(40.0, 60.0))
    v = Verifier(VerifySettings(matcher="xfeat", stop_inliers=0))
    with pytest.raises(Cancelled):
        v.verify_photo(photo, tiles, [0, 1], cancel=token)
    assert len(extracted) == 1  # before: all 4 headings, then the pairs
    assert v._unread == set() and v._described == {}  # nothing kept: not "unreadable", not half described
    # outside a verify_photo call (adaptation's chains describe photos) no token is checked: all 4
    # headings, a description, not None
    extracted.clear()
    assert v.described(photo) is not None and len(extracted) == 4


def test_between_is_called_before_each_heading_after_the_first(monkeypatch):
    from PIL import Image

    from geolocator.core.matchers import verify as learned
    from geolocator.core.matchers.base import Features
    from geolocator.core.oblique import assumed_view

    described, checks = [], []

    class Fake:
        name, rotation_invariant, signature = "fake", False, "fake 1"

        def extract(self, image):
            described.append(image.shape)
            return Features(np.zeros((0, 2), np.float32), np.zeros((0, 8), np.float32), (image.shape[1], image.shape[0]))

    monkeypatch.setattr(learned, "get_matcher", lambda name, device="cpu": Fake())
    image, settings = Image.new("RGB", (64, 48), "gray"), VerifySettings(matcher="xfeat")
    for view in (None, assumed_view(40.0, 60.0)):
        described.clear(), checks.clear()
        learned.features(image, settings, view=view, between=lambda: checks.append(len(described)))
        # 4 headings: a check before the 2nd, 3rd and 4th (after 1, 2 and 3 descriptions), none before the 1st
        assert checks == [1, 2, 3] and len(described) == 4
        described.clear()
        learned.features(image, settings, view=view)  # no check given: all 4 described
        assert len(described) == 4


def test_adaptations_direct_pass_hands_the_token_to_each_photo(monkeypatch):
    from geolocator.core.adapt.geometric import geometric_labels

    from .test_geometric_exact import T, TileSet, Verifier as FakeVerifier, make_fakes

    make_fakes(monkeypatch)
    given = []

    class Recording(FakeVerifier):
        def verify_photo(self, query, tiles, candidates, cancel=None):
            given.append(cancel)
            return super().verify_photo(query, tiles, candidates)

    token = CancelToken()
    geometric_labels(["a"], TileSet(), np.array([[0]]), np.zeros((1, 1)), Recording({"a": [(30, T(0.0), None)]}),
                     cancel=token)
    assert given == [token]  # before: verify_photo got no token (Cancel waited for the photo's pairs)


def test_cancel_lands_before_a_refine_pair(tmp_path, monkeypatch):
    """Coarse to fine (VerifySettings.mosaic_refine): a weak match centred in a neighbour is matched
    again through that neighbour's mosaic; Cancel pressed during the last first-pass pair must stop
    the call before that extra pair (the setting of test_session10_exact's refine tests: tile 0 has
    12 inliers centred in tile 1, tile 2 has 9; a fresh run matches 0, 2, then 1)."""
    from geolocator.core.matchers import verify as learned
    from geolocator.core.rerank import Verification

    from .test_rerank_exact2 import GROUND, _feat, _query, _row, _tag
    from .test_session10_exact import SHIFT_EAST

    tiles = _row(tmp_path, 5)
    monkeypatch.setattr(rerank, "tile_local_features", lambda tile, s, **k: _feat(0, (100, 100)))
    monkeypatch.setattr(Verifier, "photo", lambda self, query, fine=False: _feat(-1, (100, 100)))
    monkeypatch.setattr(Verifier, "target", lambda self, tiles_, t: (_feat(int(t), (300, 300)), np.eye(3), GROUND))
    monkeypatch.setattr(learned, "headings_and_scores", lambda photo, targets: [(("h", _tag(f)), 10 - _tag(f))
                                                                                for f in targets])
    answers, seen, token = {0: (12, SHIFT_EAST), 2: (9, np.eye(3)), 1: (30, np.eye(3))}, [], CancelToken()

    def pair(photo, target, settings, share, heading):
        seen.append(_tag(target))
        if len(seen) == 2:
            token.cancel()  # pressed during the last first-pass pair (tile 2)
        n, h = answers[_tag(target)]
        return Verification(n, None, h)

    monkeypatch.setattr(learned, "verify_pair", pair)
    settings = VerifySettings(matcher="xfeat", mosaic=1, mosaic_once=True, stop_inliers=50, mosaic_refine=2)
    with pytest.raises(Cancelled):
        Verifier(settings).verify_photo(_query(tmp_path), tiles, [0, 2], cancel=token)
    assert seen == [0, 2]  # before: 1 as well, and the call returned as if never cancelled
    seen.clear()
    Verifier(settings).verify_photo(_query(tmp_path), tiles, [0, 2])  # uncancelled: the refine pair is made
    assert seen == [0, 2, 1]
