"""What a verification call returns depends on its photo, candidates and settings, not on what the
same Verifier was asked before (session 13). Session 12 saw vegas-coarse reach 95.2 through the
app's path (a frozen locate, then Adapt, then locate) and 96.0 through `eval --adapt`: the frozen
pass's widening had marked a mosaic verified for a photo (mosaic_once) and kept a result, and the
adapted locate then skipped a tile a fresh Verifier verifies (training/results/
session13_frozen_pass_state.md). Each test compares a Verifier that answered an earlier call with a
fresh one answering only the later call; both must agree, and kept evaluations are not recomputed."""
from __future__ import annotations

import numpy as np

from geolocator.core.matchers import verify as learned
from geolocator.core.rerank import Verification, Verifier, VerifySettings

from .test_rerank_exact2 import Rec, _mosaic_fakes, _query, _row, _square, _tag


def _inliers(out) -> list[int]:
    return [v.inliers for v in out]


def test_a_new_pass_does_not_skip_mosaics_an_earlier_pass_verified(tmp_path, monkeypatch):
    tiles = _row(tmp_path, 6)  # tile i's mosaic (ring 1) holds i - 1, i, i + 1
    rec = _mosaic_fakes(monkeypatch, tiles, learned_backend=True)  # every pair: 7 inliers; score 10 - t
    settings = VerifySettings(matcher="xfeat", mosaic=1, mosaic_once=True, stop_inliers=50)
    photo = _query(tmp_path)
    used = Verifier(settings)
    used.verify([photo], tiles, np.array([[3]]))  # first pass (a frozen locate): 3's mosaic holds 2, 3, 4
    assert [t for _, t, *_ in rec.pairs] == [3]
    later = used.verify([photo], tiles, np.array([[2, 5]]))  # a later locate, other candidates
    # a fresh Verifier: 2 (score 8) first, its mosaic holds 1-3; 5 (score 5) is not in it: both verified.
    # Before: 2 stayed covered by the first pass's mosaic of 3 and answered 0.
    assert [_inliers(r) for r in later] == [[7, 7]]
    assert [_inliers(r) for r in Verifier(settings).verify([photo], tiles, np.array([[2, 5]]))] == [[7, 7]]
    # the used Verifier verified only the two new pairs (3's result is kept, not asked for here)
    assert [t for _, t, *_ in rec.pairs] == [3, 2, 5, 2, 5]


def test_within_a_pass_widening_still_skips_what_the_pass_verified(tmp_path, monkeypatch):
    tiles = _row(tmp_path, 6)
    rec = _mosaic_fakes(monkeypatch, tiles, learned_backend=True)
    v = Verifier(VerifySettings(matcher="xfeat", mosaic=1, mosaic_once=True, stop_inliers=50))
    photo = _query(tmp_path)
    v.verify([photo], tiles, np.array([[2]]))  # covers 1, 2, 3
    assert _inliers(v.verify_photo(photo, tiles, [3, 4])) == [0, 7]  # widening: 3 covered, 4 new
    v.begin_pass()  # a new pass: 3 is verified through its own mosaic
    assert _inliers(v.verify_photo(photo, tiles, [3, 4])) == [7, 0]  # 3 (score 7) covers 4
    assert [t for _, t, *_ in rec.pairs] == [2, 4, 3]


def _clear_at(monkeypatch, answers: dict[int, int]):
    """A learned backend whose pair with tile t has answers[t] inliers (heading scores 10 - t)."""
    asked: list[int] = []
    monkeypatch.setattr(learned, "headings_and_scores",
                        lambda photo, targets: [(("h", _tag(f)), 10 - _tag(f)) for f in targets])

    def pair(photo, target, settings, share, heading):
        asked.append(_tag(target))
        return Verification(answers[_tag(target)], (0.5, 0.5), np.eye(3))

    monkeypatch.setattr(learned, "verify_pair", pair)
    return asked


def test_a_kept_clear_match_does_not_stop_a_later_call_before_its_most_alike_tile(tmp_path, monkeypatch):
    tiles = _square(tmp_path, 3)
    _mosaic_fakes(monkeypatch, tiles, learned_backend=True)
    asked = _clear_at(monkeypatch, {1: 50, 2: 45})
    settings = VerifySettings(matcher="xfeat", mosaic=0, stop_inliers=40)
    photo = _query(tmp_path)
    used = Verifier(settings)
    assert _inliers(used.verify_photo(photo, tiles, [2])) == [45]  # clear (>= 40)
    # [2, 1]: a fresh Verifier verifies 1 first (score 9 > 8), finds 50 and stops: 2 is unverified.
    # Before: the kept 45 of tile 2 stopped the call at once, answering [45, 0].
    fresh = Verifier(settings).verify_photo(photo, tiles, [2, 1])
    assert _inliers(fresh) == [0, 50]
    assert _inliers(used.verify_photo(photo, tiles, [2, 1])) == [0, 50]
    assert asked == [2, 1, 1]  # the used Verifier asked only for the new pair


def test_a_kept_fine_pass_result_is_not_returned_where_a_fresh_call_runs_no_fine_pass(tmp_path, monkeypatch):
    tiles = _square(tmp_path, 2)
    # SIFT: tile 0 answers 5 at first (< fine_below 12: the fine pass runs) and 20 on the fine pass;
    # tile 1 answers 30 at first, so a call holding it runs no fine pass
    rec = Rec(monkeypatch, inliers=[5, 30], fine={0: 20})
    settings = VerifySettings(blind_tilts=())
    photo = _query(tmp_path)
    used = Verifier(settings)
    assert _inliers(used.verify_photo(photo, tiles, [0])) == [20]
    fresh = Verifier(settings).verify_photo(photo, tiles, [1, 0])
    assert _inliers(fresh) == [30, 5]
    assert _inliers(used.verify_photo(photo, tiles, [1, 0])) == [30, 5]  # before: [30, 20]
    # asked again alone, tile 0 gets its kept fine result without a new fine evaluation
    fine_pairs = sum(1 for _, t, *_ in rec.pairs if t >= 100)
    assert _inliers(used.verify_photo(photo, tiles, [0])) == [20]
    assert sum(1 for _, t, *_ in rec.pairs if t >= 100) == fine_pairs
    # pairs: (photo, 0), fine (0), fresh's (1), (0), then the used one's new (1) only
    assert [(p, t) for p, t, *_ in rec.pairs] == [(-1, 0), (-2, 100), (-1, 1), (-1, 0), (-1, 1)]


def test_the_last_calls_results_are_what_training_scripts_read(tmp_path, monkeypatch):
    tiles = _square(tmp_path, 2)
    Rec(monkeypatch, inliers=[5, 30], fine={0: 20})
    v = Verifier(VerifySettings(blind_tilts=()))
    photo = _query(tmp_path)
    v.verify_photo(photo, tiles, [0])
    key = next(iter(v._pairs))
    assert v._pairs[key].inliers == 20
    v.verify_photo(photo, tiles, [1, 0])
    assert v._pairs[key].inliers == 5 and sorted(r.inliers for r in v._pairs.values()) == [5, 30]


def test_an_unreadable_photo_stays_unverified_with_a_learned_backend(tmp_path, monkeypatch):
    tiles = _square(tmp_path, 3)
    _mosaic_fakes(monkeypatch, tiles, learned_backend=True)
    asked = _clear_at(monkeypatch, {0: 50, 1: 50, 2: 50})
    monkeypatch.setattr(Verifier, "photo", lambda self, query, fine=False: None)  # cannot be read
    v = Verifier(VerifySettings(matcher="xfeat", mosaic=0, stop_inliers=40))
    photo = _query(tmp_path)
    assert _inliers(v.verify_photo(photo, tiles, [0, 1])) == [0, 0]
    # the kept zeros and a new candidate: zeros again, nothing matched (the learned path needs a photo)
    assert _inliers(v.verify_photo(photo, tiles, [1, 0])) == [0, 0]
    assert _inliers(v.verify_photo(photo, tiles, [2, 0])) == [0, 0]
    assert asked == []
