"""Verified photos survive an interrupted locate (session 13, training/results/newuser_session13.md
section 6): the Verifier's pair evaluations are kept in the cache folder per photo
(core/pair_store.py), so the same command, run again after Ctrl-C or Cancel, verifies only the
photos it had not reached, and answers as an uninterrupted run. A changed setting or a rewritten
photo is never served a stale evaluation; a damaged file is recomputed."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace

import numpy as np
import pytest

from geolocator.core import rerank
from geolocator.core.errors import Cancelled
from geolocator.core.pair_store import PairStore
from geolocator.core.progress import CancelToken
from geolocator.core.rerank import Verifier, VerifySettings

from .demo_features import demo_workspace, load_demo_features


class _Spy:
    """Records, for each call of the matcher (rerank.verify_pair: first, fine and blind passes),
    the name of the photo being verified."""

    def __init__(self, monkeypatch):
        self.calls: list[str] = []
        self._photo = None
        real_pair, real_photo = rerank.verify_pair, Verifier._verify_photo

        def pair(*args, **kwargs):
            self.calls.append(self._photo)
            return real_pair(*args, **kwargs)

        def photo(verifier, query, *args, **kwargs):
            self._photo = os.path.basename(str(query.path))
            return real_photo(verifier, query, *args, **kwargs)

        monkeypatch.setattr(rerank, "verify_pair", pair)
        monkeypatch.setattr(Verifier, "_verify_photo", photo)

    def take(self) -> list[str]:
        out, self.calls = self.calls, []
        return out


def _answers(predictions):
    return [(p.query.path.name, p.location, p.location_source, p.status, p.top.tile.path.name, p.confidence)
            for p in predictions]



def cancel_after_second_photo(ws, photos) -> None:
    """Locate `photos`, cancelled when verification reports its second photo done (Cancelled expected)."""
    token = CancelToken()

    def progress(event):
        if event.stage == "verify" and event.step == 2:
            token.cancel()

    with pytest.raises(Cancelled):
        ws.locate(photos, cancel=token, progress=progress)

def test_a_cancelled_locate_resumes_in_a_new_workspace_verifying_only_the_rest(tmp_path, monkeypatch):
    # one photo at a time: this checks which pairs, in order (side by side: test_photo_pool.py)
    spy = _Spy(monkeypatch)
    features = load_demo_features()
    whole, region = demo_workspace(tmp_path / "whole", features, verify_candidates=3, verify_workers=1)
    photos = region.queries[10:16]
    expected = whole.locate(photos)
    per_photo = spy.take()
    names = [q.path.name for q in photos]
    assert set(per_photo) == set(names)  # every photo verified at least one pair

    ws, _ = demo_workspace(tmp_path / "run", features, verify_candidates=3, verify_workers=1)
    cancel_after_second_photo(ws, photos)
    assert set(spy.take()) == set(names[:2])  # cancelled after the second photo

    again, _ = demo_workspace(tmp_path / "run", features, verify_candidates=3, verify_workers=1)  # the same cache folder
    resumed = again.locate(photos)
    # only the four photos not reached were verified, each with the pairs an uninterrupted run made
    # for it (before: the first two were verified again)
    assert spy.take() == [p for p in per_photo if p in names[2:]]
    assert _answers(resumed) == _answers(expected)
    # a third run verifies nothing
    demo_workspace(tmp_path / "run", features, verify_candidates=3, verify_workers=1)[0].locate(photos)
    assert spy.take() == []


def _one_photo(tmp_path, monkeypatch):
    """(spy, a demo photo copied under tmp_path, the demo tiles, 3 candidates of it)."""
    _, region = demo_workspace(tmp_path / "ws")
    source = region.queries[12]
    path = tmp_path / source.path.name
    shutil.copy(source.path, path)
    return _Spy(monkeypatch), replace(source, path=path), list(region.tiles.tiles), np.arange(3)


def _inliers(v: Verifier, photo, tiles, candidates) -> list[int]:
    return [r.inliers for r in v.verify([photo], tiles, candidates[None, :])[0]]


def _verifier(settings: VerifySettings, root) -> Verifier:
    v = Verifier(settings)
    v.store = PairStore(root)
    return v


def test_a_changed_setting_or_rewritten_photo_is_not_served_stale(tmp_path, monkeypatch):
    spy, photo, tiles, candidates = _one_photo(tmp_path, monkeypatch)
    root, settings = tmp_path / "pairs", VerifySettings()
    first = _inliers(_verifier(settings, root), photo, tiles, candidates)
    made = len(spy.take())
    assert made >= 3  # the first pass alone matches 3 pairs
    assert _inliers(_verifier(settings, root), photo, tiles, candidates) == first
    assert spy.take() == []  # a new Verifier, same settings and files: all read back
    # a field that changes what a pair returns is in the key: a stricter tolerance, or no contrast
    # stretch, is matched anew (fields that only choose pairs: the settings test below)
    _inliers(_verifier(replace(settings, ransac_px=4.0), root), photo, tiles, candidates)
    assert len(spy.take()) >= 3
    _inliers(_verifier(replace(settings, contrast_norm=0), root), photo, tiles, candidates)
    assert len(spy.take()) >= 3
    # the photo rewritten in place (same path; its identity is path, size and mtime): matched anew
    data = photo.path.read_bytes()
    photo.path.write_bytes(data + b"\0")  # trailing bytes after the JPEG's end: same pixels
    os.utime(photo.path, ns=(1_000_000_000, 1_000_000_000))
    assert _inliers(_verifier(settings, root), photo, tiles, candidates) == first
    assert len(spy.take()) == made


def test_a_damaged_or_foreign_store_file_is_recomputed(tmp_path, monkeypatch):
    spy, photo, tiles, candidates = _one_photo(tmp_path, monkeypatch)
    root, settings = tmp_path / "pairs", VerifySettings()
    first = _inliers(_verifier(settings, root), photo, tiles, candidates)
    made = len(spy.take())
    (kept,) = root.glob("*.json")
    text = kept.read_text()
    for damaged in (text[: len(text) // 2], "not json", '{"key": "another photo"}', text.replace('"first":{', '"first":{"x":[1.5,null,null,null],')):
        kept.write_text(damaged)
        assert _inliers(_verifier(settings, root), photo, tiles, candidates) == first
        assert len(spy.take()) == made  # recomputed, no crash
        assert kept.read_text() == text  # and written again whole
    assert _inliers(_verifier(settings, root), photo, tiles, candidates) == first
    assert spy.take() == []


def test_an_unwritable_store_leaves_verification_in_memory(tmp_path, monkeypatch):
    spy, photo, tiles, candidates = _one_photo(tmp_path, monkeypatch)
    blocker = tmp_path / "a file"
    blocker.write_text("")
    v = _verifier(VerifySettings(), blocker / "pairs")  # its parent is a file: mkdir fails
    first = _inliers(v, photo, tiles, candidates)
    assert spy.take() and v.store.write_error is not None
    assert _inliers(v, photo, tiles, candidates) == first and spy.take() == []  # memory still holds them


def test_with_mosaics_another_tile_set_is_verified_anew(tmp_path, monkeypatch):
    from .test_rerank_exact2 import _mosaic_fakes, _query, _row

    tiles = _row(tmp_path, 6)  # tile 2's mosaic (ring 1) holds 1, 2, 3
    rec = _mosaic_fakes(monkeypatch, tiles)  # every pair: 7 inliers
    settings, root, photo = VerifySettings(mosaic=1, fine_pass=False), tmp_path / "pairs", _query(tmp_path)
    first = _inliers(_verifier(settings, root), photo, tiles, np.array([2]))
    assert first == [7] and len(rec.pairs) == 1
    assert _inliers(_verifier(settings, root), photo, tiles, np.array([2])) == first and len(rec.pairs) == 1
    # tile 2's file is unchanged but the set is not (tile 3 gone: its mosaic would differ)
    _inliers(_verifier(settings, root), photo, tiles[:3], np.array([2]))
    assert len(rec.pairs) == 2


def test_a_learned_backends_heading_scores_are_kept_with_its_pairs(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from geolocator.core import matchers

    from .test_rerank_exact2 import _mosaic_fakes, _query, _row

    tiles = _row(tmp_path, 6)
    rec = _mosaic_fakes(monkeypatch, tiles, learned_backend=True)  # 7 inliers each; heading score 10 - t
    monkeypatch.setattr(matchers, "get_matcher", lambda name, device="cpu": SimpleNamespace(signature="fake 1"))
    settings = VerifySettings(matcher="xfeat", stop_inliers=50)
    root, photo = tmp_path / "pairs", _query(tmp_path)
    first = _inliers(_verifier(settings, root), photo, tiles, np.array([1, 4]))
    assert first == [7, 7] and [t for _, t, *_ in rec.pairs] == [1, 4]  # most alike (tile 1) first
    # a new Verifier reads both pairs and their scores back (before the scores were kept, the kept
    # pairs' order was unknown: KeyError), and asks the matcher only for the new tile 3 (score 7)
    assert _inliers(_verifier(settings, root), photo, tiles, np.array([1, 3, 4])) == [7, 7, 7]
    assert [t for _, t, *_ in rec.pairs] == [1, 4, 3]
    assert rec.headings[-1] == (-1, [3])  # and scores only the new tile: the kept scores are read
    monkeypatch.setattr(matchers, "get_matcher", lambda name, device="cpu": SimpleNamespace(signature="fake 2"))
    _inliers(_verifier(settings, root), photo, tiles, np.array([1]))  # another backend release: anew
    assert [t for _, t, *_ in rec.pairs] == [1, 4, 3, 1]


def test_ctrl_c_during_locate_says_the_same_command_resumes(tmp_path, monkeypatch, capsys):
    from geolocator import cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_locate", interrupted)
    monkeypatch.setattr(cli, "cmd_index", interrupted)
    code = cli.main(["locate", str(tmp_path), "--tiles", str(tmp_path), "--out", str(tmp_path / "x.csv"),
                     "--cache-dir", str(tmp_path / "cache")])
    assert code == 130 and "the same command resumes" in capsys.readouterr().err
    # a command that verifies nothing promises no verified photo (newuser35: index says its tile features are kept)
    assert cli.main(["index", str(tmp_path), "--cache-dir", str(tmp_path / "cache")]) == 130
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("interrupted") and "verified" not in line and "tile features" in line


def test_a_fine_pass_result_is_read_back_from_the_store_without_a_new_evaluation(tmp_path, monkeypatch):
    from .test_rerank_exact2 import Rec, _query, _square

    tiles = _square(tmp_path, 2)
    # tile 0 answers 5 at first (< fine_below 12: the fine pass runs) and 20 on the fine pass (tag 100)
    rec = Rec(monkeypatch, inliers=[5, 30], fine={0: 20})
    settings, root, photo = VerifySettings(blind_tilts=()), tmp_path / "pairs", _query(tmp_path)
    assert [v.inliers for v in _verifier(settings, root).verify_photo(photo, tiles, [0])] == [20]
    assert [(p, t) for p, t, *_ in rec.pairs] == [(-1, 0), (-2, 100)]  # first pass, then the fine pass
    # a new process: both evaluations come from the photo's file; nothing is matched again
    assert [v.inliers for v in _verifier(settings, root).verify_photo(photo, tiles, [0])] == [20]
    assert len(rec.pairs) == 2 and rec.photos == [("photo.jpg", False), ("photo.jpg", True)]


def _outcome(results) -> list:
    """What a verification returns, whole: inliers, centre, homography, outline per candidate."""
    return [(r.inliers, r.centre, None if r.homography is None else r.homography.tolist(), r.corners)
            for r in results]


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, Cancelled, RuntimeError])
def test_a_photo_interrupted_mid_verification_resumes_with_the_pairs_it_had(tmp_path, monkeypatch, interruption):
    spy, photo, tiles, _ = _one_photo(tmp_path, monkeypatch)
    candidates, settings, root = np.arange(8), VerifySettings(), tmp_path / "pairs"
    expected = _outcome(Verifier(settings).verify([photo], tiles, candidates[None, :])[0])  # fresh, no store
    made = len(spy.take())
    assert made >= 8  # the first pass alone matches the 8 pairs
    k, counting = 5, rerank.verify_pair  # the spy's matcher

    def interrupted(*args, **kwargs):
        if len(spy.calls) == k:  # Ctrl-C (or Cancel, or a backend's error) during the 6th pair
            raise interruption("stopped")
        return counting(*args, **kwargs)

    monkeypatch.setattr(rerank, "verify_pair", interrupted)
    with pytest.raises(interruption):
        _verifier(settings, root).verify([photo], tiles, candidates[None, :])
    assert len(spy.take()) == k
    monkeypatch.setattr(rerank, "verify_pair", counting)
    # a new process over the same folder evaluates only the pairs it lacks (before: all `made` again)
    resumed = _verifier(settings, root).verify([photo], tiles, candidates[None, :])[0]
    assert len(spy.take()) == made - k
    assert _outcome(resumed) == expected


def test_a_photo_interrupted_in_its_fine_pass_keeps_its_first_pass_and_fine_pairs(tmp_path, monkeypatch):
    from .test_rerank_exact2 import Rec, _query, _square

    tiles = _square(tmp_path, 3)
    # nothing reaches fine_below (12) at first: the fine pass runs on all 3; tile 0 then answers 20
    rec = Rec(monkeypatch, inliers=[5, 3, 2], fine={0: 20, 1: 4, 2: 1})
    settings, root, photo = VerifySettings(blind_tilts=()), tmp_path / "pairs", _query(tmp_path)
    expected = _outcome(Verifier(settings).verify_photo(photo, tiles, [0, 1, 2]))
    assert [v[0] for v in expected] == [20, 4, 2]  # each pair its better pass: fine for 0 and 1, first for 2
    calls = len(rec.pairs)
    assert calls == 6  # 3 first-pass pairs, then 3 fine ones
    matcher = rerank.verify_pair

    def interrupted(*args, **kwargs):
        if len(rec.pairs) == calls + 4:  # the fine pass's second pair
            raise KeyboardInterrupt
        return matcher(*args, **kwargs)

    monkeypatch.setattr(rerank, "verify_pair", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _verifier(settings, root).verify_photo(photo, tiles, [0, 1, 2])
    monkeypatch.setattr(rerank, "verify_pair", matcher)
    assert _outcome(_verifier(settings, root).verify_photo(photo, tiles, [0, 1, 2])) == expected
    # only the two fine pairs not reached were matched again (tiles 1 and 2, tags 101 and 102)
    assert [t for _, t, *_ in rec.pairs[calls + 4:]] == [101, 102]


def _settings_and_fresh(settings, photo, tiles, candidates, rec_pairs) -> tuple[list, int]:
    """(what a fresh Verifier without a store returns with `settings`, how many pairs it matches)."""
    before = len(rec_pairs)
    out = _outcome(Verifier(settings).verify_photo(photo, tiles, candidates))
    made = len(rec_pairs) - before
    del rec_pairs[before:]
    return out, made


def test_settings_that_only_choose_pairs_reuse_kept_pairs_and_answer_as_a_fresh_run(tmp_path, monkeypatch):
    from .test_rerank_exact2 import Rec, _query, _square

    tiles = _square(tmp_path, 4)
    rec = Rec(monkeypatch, inliers=[5, 3, 2, 9], fine={0: 20, 1: 4, 2: 1, 3: 0})
    root, photo = tmp_path / "pairs", _query(tmp_path)
    kept = VerifySettings(blind_tilts=(), fine_candidates=2)
    # 3 first-pass pairs (best 5 < fine_below 12), then the fine pass on the first 2: tiles 0 and 1
    assert [v.inliers for v in _verifier(kept, root).verify_photo(photo, tiles, [0, 1, 2])] == [20, 4, 2]
    assert [(p, t) for p, t, *_ in rec.pairs] == [(-1, 0), (-1, 1), (-1, 2), (-2, 100), (-2, 101)]
    rec.pairs.clear()
    # one more candidate (the Workspace raises fine_candidates with verify_candidates): only the new
    # first-pass pair (tile 3: 9 < 12, so the pass still runs) and the new fine pair (tile 2) are matched
    wider = replace(kept, candidates=4, fine_candidates=3)
    fresh, made = _settings_and_fresh(wider, photo, tiles, [0, 1, 2, 3], rec.pairs)
    assert made == 7 and [v[0] for v in fresh] == [20, 4, 2, 9]
    assert _outcome(_verifier(wider, root).verify_photo(photo, tiles, [0, 1, 2, 3])) == fresh
    assert [(p, t) for p, t, *_ in rec.pairs] == [(-1, 3), (-2, 102)]  # before: all 7 again
    rec.pairs.clear()
    # the fine pass only below min_inliers (8): tile 3's 9 settles the photo; nothing is matched
    for choice in (replace(wider, fine_below=None), replace(wider, fine_pass=False), replace(wider, min_inliers=9)):
        fresh, made = _settings_and_fresh(choice, photo, tiles, [0, 1, 2, 3], rec.pairs)
        assert _outcome(_verifier(choice, root).verify_photo(photo, tiles, [0, 1, 2, 3])) == fresh
        assert rec.pairs == []  # every pair it needs was kept (before: `made` pairs matched again)
    # a setting that changes what a pair returns (the fine pass's keypoints, the RANSAC tolerance):
    # every pair is matched anew
    for result in (replace(wider, fine_n_features=500), replace(wider, ransac_px=4.0)):
        fresh, made = _settings_and_fresh(result, photo, tiles, [0, 1, 2, 3], rec.pairs)
        assert _outcome(_verifier(result, root).verify_photo(photo, tiles, [0, 1, 2, 3])) == fresh
        assert len(rec.pairs) == made == 7
        rec.pairs.clear()


def test_a_learned_backends_stop_and_mosaic_skips_reuse_kept_pairs(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from geolocator.core import matchers
    from geolocator.core.matchers import verify as learned

    from .test_rerank_exact2 import _mosaic_fakes, _query, _row

    tiles = _row(tmp_path, 6)
    rec = _mosaic_fakes(monkeypatch, tiles, learned_backend=True)  # 7 inliers each; heading score 10 - t
    fake = learned.verify_pair
    # without an early stop the pairs go through rerank.verify_pair, which finds the heading itself
    monkeypatch.setattr(learned, "verify_pair", lambda photo, target, settings, share, heading=None:
                        fake(photo, target, settings, share, heading))
    monkeypatch.setattr(matchers, "get_matcher", lambda name, device="cpu": SimpleNamespace(signature="fake 1"))
    described, describe = [], Verifier.photo
    monkeypatch.setattr(Verifier, "photo", lambda self, query, fine=False: described.append(fine) or describe(self, query))
    root, photo = tmp_path / "pairs", _query(tmp_path)
    every = VerifySettings(matcher="xfeat", mosaic=1, stop_inliers=0)
    assert _inliers(_verifier(every, root), photo, tiles, np.array([3, 2, 1, 0])) == [7, 7, 7, 7]
    assert [t for _, t, *_ in rec.pairs] == [3, 2, 1, 0]
    rec.pairs.clear()
    # the first run with an early stop needs the heading scores the run above did not keep: the
    # photo is described for them (not matched); later runs read the scores back: not described
    assert _inliers(_verifier(replace(every, stop_inliers=50), root), photo, tiles, np.array([3, 2, 1, 0])) == [7] * 4
    assert rec.pairs == [] and len(described) == 2
    # most alike first, stop at 50 (never reached), then each neighbourhood once (tile 0's mosaic
    # holds 1, tile 2's holds 3): a fresh run matches tiles 0 and 2 and answers [0, 7, 0, 7]
    for choice in (replace(every, stop_inliers=50), replace(every, stop_inliers=50, mosaic_once=True),
                   replace(every, stop_inliers=5), replace(every, stop_inliers=50, mosaic_once=True, mosaic_refine=0)):
        fresh, made = _settings_and_fresh(choice, photo, tiles, [3, 2, 1, 0], rec.pairs)
        assert made >= 1
        # before: a KeyError (the kept pairs had no heading score) or, with these fields in the key,
        # `made` pairs matched again
        described.clear()
        assert _outcome(_verifier(choice, root).verify_photo(photo, tiles, [3, 2, 1, 0])) == fresh
        assert rec.pairs == [] and described == []
    assert fresh == _outcome(Verifier(replace(every, stop_inliers=50, mosaic_once=True)).verify_photo(photo, tiles, [3, 2, 1, 0]))
    assert [v[0] for v in fresh] == [0, 7, 0, 7]


def _seeded(root, n: int) -> tuple[list[str], int, dict]:
    """n photo files written under `root` in order 0..n-1, a second apart, long ago; (the identities
    of photos 0..n+1, one file's size in bytes, a photo's evaluations). All files have one size."""
    kept = {"first": {"tile": rerank.Verification(9, (0.5, 0.5), np.eye(3), None)}, "alike": {}, "later": {}}
    ids = [PairStore.identity(("photo", i), "context") for i in range(n + 2)]  # one length: one size
    seeding = PairStore(root, max_bytes=10**9)
    for i in range(n):
        seeding.save(ids[i], kept)
    size = seeding.path(ids[0]).stat().st_size
    assert {seeding.path(i).stat().st_size for i in ids[:n]} == {size}
    old = 1_700_000_000 * 10**9
    for i in range(n):
        os.utime(seeding.path(ids[i]), ns=(old + i * 10**9, old + i * 10**9))
    return ids, size, kept


def _left(store, ids) -> list[int]:
    return [i for i, identity in enumerate(ids) if store.path(identity).exists()]


def test_the_store_keeps_to_its_size_budget_removing_the_least_recently_used(tmp_path):
    ids, size, kept = _seeded(tmp_path / "pairs", 5)
    store = PairStore(tmp_path / "pairs", max_bytes=6 * size)
    store.save(ids[5], kept)
    assert _left(store, ids) == [0, 1, 2, 3, 4, 5]  # exactly at the budget (6 files): nothing removed
    assert store.load(ids[1]) is not None  # read back: now the most recently used of the first five
    store.save(ids[6], kept)
    # 7 files > 6: the least recently used go until at most 0.9 x 6 = 5.4 files' bytes remain, i.e.
    # 2 of them: photo 0 (oldest), then photo 2 (photo 1 was read since)
    assert _left(store, ids) == [1, 3, 4, 5, 6]
    assert store.load(ids[0]) is None and store.load(ids[6]) is not None
    # under the budget nothing is removed (the default: 64 MiB, about 32,000 demo photos)
    PairStore(tmp_path / "pairs").save(ids[0], kept)
    assert _left(store, ids) == [0, 1, 3, 4, 5, 6]


def test_pruning_stops_once_the_files_fit_and_never_removes_the_file_written(tmp_path, monkeypatch):
    from geolocator.core import pair_store

    ids, size, kept = _seeded(tmp_path / "a", 5)
    monkeypatch.setattr(pair_store, "PRUNE_TO", 1.0)  # prune down to the budget itself
    store = PairStore(tmp_path / "a", max_bytes=4 * size)
    store.save(ids[5], kept)
    assert _left(store, ids) == [2, 3, 4, 5]  # 6 files: the 2 oldest go, 4 files' bytes fit exactly
    monkeypatch.undo()
    # a file dated after the one written (a clock set back): the written file is skipped, not a stop
    ids, size, kept = _seeded(tmp_path / "b", 3)
    future = (2_000_000_000 * 10**9,) * 2
    os.utime(PairStore(tmp_path / "b").path(ids[2]), ns=future)
    store = PairStore(tmp_path / "b", max_bytes=size + size // 2)
    store.save(ids[3], kept)
    # 4 files over 1.5 (goal 1.35): photos 0 and 1 by age, then the written 3 is skipped, then 2
    assert _left(store, ids) == [3]


def test_a_file_that_cannot_be_removed_is_skipped(tmp_path, monkeypatch):
    from pathlib import Path

    ids, size, kept = _seeded(tmp_path / "pairs", 5)
    store = PairStore(tmp_path / "pairs", max_bytes=4 * size)
    stuck, unlink = store.path(ids[0]), Path.unlink

    def refuse(path, *args, **kwargs):
        if path == stuck:
            raise PermissionError(13, "Permission denied", str(path))
        return unlink(path, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", refuse)
    store.save(ids[5], kept)
    # 6 files over 4 (goal 3.6): photo 0 cannot go and still counts, so photos 1, 2 and 3 go
    assert _left(store, ids) == [0, 4, 5]


def test_a_locate_keeps_the_pair_store_to_its_budget(tmp_path, monkeypatch):
    from geolocator.core import pair_store

    features = load_demo_features()
    ws, region = demo_workspace(tmp_path / "run", features, verify_candidates=3)
    photos = region.queries[10:14]
    monkeypatch.setattr(pair_store, "MAX_BYTES", 1)  # the Workspace's store takes the module's budget
    ws.locate(photos)
    # every write leaves only its own file (a budget of one byte): 4 photos written, 1 file left
    assert len(list((ws.cache.root / "pairs").glob("*.json"))) == 1


def test_a_file_gone_while_the_folder_is_listed_is_skipped(tmp_path, monkeypatch):
    from pathlib import Path

    ids, size, kept = _seeded(tmp_path / "pairs", 5)
    store = PairStore(tmp_path / "pairs", max_bytes=3 * size)
    gone, stat, glob = store.path(ids[0]), Path.stat, Path.glob

    def vanished(path, *args, **kwargs):  # removed by another process between listing and stat
        if path == gone:
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return stat(path, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(Path, "stat", vanished)
        m.setattr(Path, "glob", lambda self, pattern: sorted(glob(self, pattern), key=lambda p: p != gone))  # it first
        store.save(ids[5], kept)
    # photos 1-4 and the written 5 still count: 5 files over 3 (goal 2.7): photos 1, 2 and 3 go
    assert _left(store, ids) == [0, 4, 5]


def test_a_photo_unreadable_when_its_kept_pairs_need_scores_is_zeros_on_every_call(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from geolocator.core import matchers
    from geolocator.core.matchers import verify as learned

    from .test_rerank_exact2 import _mosaic_fakes, _query, _row

    tiles = _row(tmp_path, 4)
    _mosaic_fakes(monkeypatch, tiles, learned_backend=True)  # 7 inliers each
    fake = learned.verify_pair
    monkeypatch.setattr(learned, "verify_pair", lambda photo, target, settings, share, heading=None:
                        fake(photo, target, settings, share, heading))
    monkeypatch.setattr(matchers, "get_matcher", lambda name, device="cpu": SimpleNamespace(signature="fake 1"))
    root, photo = tmp_path / "pairs", _query(tmp_path)
    every = VerifySettings(matcher="xfeat", stop_inliers=0)  # keeps its pairs without heading scores
    assert _inliers(_verifier(every, root), photo, tiles, np.array([0, 1])) == [7, 7]
    monkeypatch.setattr(Verifier, "photo", lambda self, query, fine=False: None)  # unreadable from now on
    v = _verifier(replace(every, stop_inliers=50), root)
    # no scores, no order: zeros as a fresh Verifier gives an unreadable photo, and again on the
    # next call (before: the second call returned the kept 7s, the first zeros)
    assert _inliers(v, photo, tiles, np.array([0, 1])) == [0, 0]
    assert _inliers(v, photo, tiles, np.array([0, 1])) == [0, 0]
    assert _inliers(Verifier(replace(every, stop_inliers=50)), photo, tiles, np.array([0, 1])) == [0, 0]


def test_an_evaluation_reads_back_exactly_as_it_was_written(tmp_path):
    from geolocator.core.rerank import Verification

    # a centre off the diagonal and a homography with 9 different entries: x and y, rows and columns
    # cannot be swapped unseen; float32 and float64 homographies keep their dtype (the file says it)
    h64 = np.arange(1.0, 10.0).reshape(3, 3) / 7.0
    evaluations = {"a": Verification(9, (0.25, 0.75), h64, ((0.1, 0.2), (0.3, 0.4), (0.5, 0.6), (0.7, 0.8))),
                   "b": Verification(12, (0.6, 0.3), h64.astype(np.float32), None), "c": Verification(0)}
    # a cache folder not made yet: the store makes it and its parents
    store, identity = PairStore(tmp_path / "new" / "cache" / "pairs"), PairStore.identity(("photo",), "context")
    later = {("fine", None, "b", None): evaluations["b"], ("refine", None, "a", "holder tile"): evaluations["a"]}
    store.save(identity, {"first": evaluations, "alike": {"a": (17, True)}, "later": later})
    back = store.load(identity)
    for name, v in evaluations.items():
        r = back["first"][name]
        assert (r.inliers, r.centre, r.corners) == (v.inliers, v.centre, v.corners)
        assert (r.homography is None) == (v.homography is None)
        if v.homography is not None:
            assert r.homography.dtype == v.homography.dtype and np.array_equal(r.homography, v.homography)
    assert back["alike"] == {"a": (17, True)}
    assert list(back["later"]) == list(later)  # a refine pass's holder tile kept, a fine pass's None too
    assert back["later"]["fine", None, "b", None].homography.dtype == np.float32
    assert back["later"]["refine", None, "a", "holder tile"].centre == (0.25, 0.75)
