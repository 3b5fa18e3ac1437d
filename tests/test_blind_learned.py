"""A learned backend's blind pass (VerifySettings.learned_blind, rerank.Verifier._learned_blind).

Stand-ins describe and match: a description's single descriptor value names what was described
(the photo as taken -1, the photo turned to nadir at tilt T: 100 + T; tile i: i, tile i smoothed:
1000 + i), and a pair's inliers come from a table keyed by (photo tag, tile tag). Expected values
follow from the tables and the rules the settings' comments state: the pass runs only where
nothing was clear (40 inliers for a learned backend) and the photo has no footprint or view, on
the first `learned_blind` verified pairs in the call's order, tilts in blind_tilts' order, and
stops at a clear match.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from geolocator.core import rerank
from geolocator.core.model import Bounds, Query, Tile


def features(tag: float) -> rerank.LocalFeatures:
    return rerank.LocalFeatures(np.zeros((8, 2), np.float32), np.full((8, 128), tag, np.float32), (256, 256))


def tag_of(f: rerank.LocalFeatures) -> int:
    return int(round(float(f.descriptors[0, 0])))


class Stand:
    """Describing and matching replaced; `table[(photo tag, tile tag)]` = inliers (0 when absent).
    `pairs` records each evaluation (photo tag, tile tag) in order, `turned` each nadir description's tilt."""

    def __init__(self, monkeypatch, tiles, table: dict):
        from geolocator.core.matchers import verify as learned

        self.pairs: list[tuple[int, int]] = []
        self.turned: list[float] = []
        index = {t.id: i for i, t in enumerate(tiles)}

        def describe(tile, settings, contrast=None, zoom=1.0, smooth=False):
            return features(1000 * smooth + index[tile.id])

        def rectified(image, view, settings, contrast=None, between=None):
            self.turned.append(round(view.tilt_deg, 3))
            return features(100 + round(view.tilt_deg))

        def verify(photo, target, settings, share=None, heading=None):
            pair = (tag_of(photo), tag_of(target))
            self.pairs.append(pair)
            return rerank.Verification(table.get(pair, 0), (0.5, 0.5))

        monkeypatch.setattr(rerank, "tile_local_features", describe)
        monkeypatch.setattr(rerank, "rectified_local_features", rectified)
        monkeypatch.setattr(rerank.Verifier, "photo", lambda self, query, fine=False: features(-1))
        monkeypatch.setattr(learned, "headings_and_scores",
                            lambda photo, targets: [((photo, np.eye(3)), 1) for _ in targets])
        monkeypatch.setattr(learned, "verify_pair", verify)


def write_tiles(tmp_path: Path, n: int = 4) -> list[Tile]:
    """n sharp tiles (smooth random fields at full resolution: no replication), side by side."""
    rng = np.random.default_rng(0)
    tiles = []
    for i in range(n):
        path = tmp_path / f"t{i}.png"
        Image.fromarray(rng.integers(0, 255, (64, 64), dtype=np.uint8)).resize((256, 256), Image.BICUBIC).save(path)
        w = 4.0 + 0.001 * i
        tiles.append(Tile(id=path.name, path=path, bounds=Bounds(west=w, south=51.0, east=w + 0.001, north=51.001)))
    return tiles


def query_for(tmp_path: Path) -> Query:
    path = tmp_path / "photo.jpg"
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(path)
    return Query(id="photo.jpg", path=path)


def xfeat(**kw) -> rerank.VerifySettings:
    return rerank.VerifySettings(matcher="xfeat", **kw)


def test_the_photo_turned_to_nadir_finds_what_the_photo_as_taken_did_not(tmp_path, monkeypatch):
    tiles = write_tiles(tmp_path)
    # as taken: 9 inliers on tile 1 (a weak match); turned at 40 deg: 25 on tile 0, 30 on tile 2
    stand = Stand(monkeypatch, tiles, {(-1, 1): 9, (140, 0): 25, (140, 2): 30, (125, 1): 5})
    got = rerank.Verifier(xfeat(learned_blind=3)).verify_photo(query_for(tmp_path), tiles, [0, 1, 2, 3])
    # tile 3 is beyond the first 3 verified pairs: not looked at turned; tile 1 keeps its 9 (> 5)
    assert [v.inliers for v in got] == [25, 9, 30, 0]
    assert stand.turned == [25.0, 40.0, 50.0]  # blind_tilts, each described once
    assert sorted(p for p in stand.pairs if p[0] >= 100) == sorted(
        (100 + t, i) for t in (25, 40, 50) for i in (0, 1, 2))


def test_off_by_setting_for_sift_with_a_footprint_or_after_a_clear_match(tmp_path, monkeypatch):
    tiles = write_tiles(tmp_path)
    table = {(140, 0): 25}
    for settings, footprint in ((xfeat(learned_blind=0), None), (xfeat(learned_blind=3, blind_tilts=()), None),
                                (xfeat(learned_blind=3), 60.0)):
        stand = Stand(monkeypatch, tiles, table)
        got = rerank.Verifier(settings).verify_photo(query_for(tmp_path), tiles, [0, 1, 2], footprint)
        assert [v.inliers for v in got] == [0, 0, 0] and stand.turned == [], settings
    # a clear match (40, stop_at) as taken: the pass does not run
    stand = Stand(monkeypatch, tiles, {(-1, 0): 40, (140, 1): 60})
    got = rerank.Verifier(xfeat(learned_blind=3)).verify_photo(query_for(tmp_path), tiles, [0, 1, 2])
    assert got[0].inliers == 40 and stand.turned == []


def test_a_clear_match_turned_ends_the_pass(tmp_path, monkeypatch):
    tiles = write_tiles(tmp_path)
    stand = Stand(monkeypatch, tiles, {(125, 1): 45, (140, 2): 60})
    got = rerank.Verifier(xfeat(learned_blind=3)).verify_photo(query_for(tmp_path), tiles, [0, 1, 2])
    # at 25 deg: tile 0 (0), tile 1 (45: clear) -> stop; 40 and 50 deg never described
    assert [v.inliers for v in got] == [0, 45, 0]
    assert stand.turned == [25.0]
    assert [p for p in stand.pairs if p[0] >= 100] == [(125, 0), (125, 1)]


def test_a_tie_keeps_the_look_as_taken(tmp_path, monkeypatch):
    tiles = write_tiles(tmp_path)
    Stand(monkeypatch, tiles, {(-1, 0): 12, (125, 0): 12})
    from geolocator.core.matchers import verify as learned

    inner = learned.verify_pair
    monkeypatch.setattr(learned, "verify_pair", lambda p, t, s, share=None, heading=None: rerank.Verification(
        inner(p, t, s, share, heading).inliers, (0.25, 0.25) if tag_of(p) >= 100 else (0.5, 0.5)))
    got = rerank.Verifier(xfeat(learned_blind=3)).verify_photo(query_for(tmp_path), tiles, [0])
    assert got[0].inliers == 12 and got[0].centre == (0.5, 0.5)


def test_evaluations_are_kept_and_a_second_call_evaluates_nothing_again(tmp_path, monkeypatch):
    tiles = write_tiles(tmp_path)
    stand = Stand(monkeypatch, tiles, {(140, 2): 30})
    verifier, query = rerank.Verifier(xfeat(learned_blind=3)), query_for(tmp_path)  # one file: one identity
    first = [v.inliers for v in verifier.verify_photo(query, tiles, [0, 1, 2])]
    n = len(stand.pairs)
    again = [v.inliers for v in verifier.verify_photo(query, tiles, [0, 1, 2])]
    assert first == again == [0, 0, 30] and len(stand.pairs) == n and stand.turned == [25.0, 40.0, 50.0]


def test_on_disk_a_new_verifier_reads_the_blind_evaluations_back(tmp_path, monkeypatch):
    from geolocator.core.pair_store import PairStore

    tiles = write_tiles(tmp_path)
    monkeypatch.setattr("geolocator.core.matchers.get_matcher",
                        lambda name, device="cpu": type("M", (), {"signature": "fake"})())
    stand = Stand(monkeypatch, tiles, {(150, 1): 33})
    v, query = rerank.Verifier(xfeat(learned_blind=3)), query_for(tmp_path)
    v.store = PairStore(tmp_path / "pairs")
    assert [x.inliers for x in v.verify_photo(query, tiles, [0, 1, 2])] == [0, 33, 0]
    n = len(stand.pairs)
    fresh = rerank.Verifier(xfeat(learned_blind=3))
    fresh.store = PairStore(tmp_path / "pairs")
    assert [x.inliers for x in fresh.verify_photo(query, tiles, [0, 1, 2])] == [0, 33, 0]
    assert len(stand.pairs) == n  # nothing evaluated again


def test_the_setting_only_chooses_pairs_so_kept_evaluations_are_shared():
    """learned_blind decides which pairs are evaluated, never what one returns: it is not in the
    pair store's key (PAIR_CHOICE_FIELDS), so runs with other counts reuse each other's pairs."""
    assert "learned_blind" in rerank.PAIR_CHOICE_FIELDS
    assert rerank.VerifySettings(learned_blind=3).evaluation_key() == rerank.VerifySettings(learned_blind=0).evaluation_key()


def test_replicated_tiles_are_looked_at_smoothed(tmp_path, monkeypatch):
    """As the second look (deblock), a replicated tile's target is smoothed for the turned photo;
    with deblock off it is the tile as it is."""
    rng = np.random.default_rng(1)
    tiles = []
    for i in range(2):  # 2 m pixels stored at 1 m: 10 px blocks (np.kron), as rotterdam-ms' tiles
        path = tmp_path / f"b{i}.png"
        small = rng.integers(0, 255, (26, 26)).astype(np.uint8)
        Image.fromarray(np.kron(small, np.ones((10, 10), np.uint8))[:256, :256]).save(path)
        w = 4.0 + 0.001 * i
        tiles.append(Tile(id=path.name, path=path, bounds=Bounds(west=w, south=51.0, east=w + 0.001, north=51.001)))
    stand = Stand(monkeypatch, tiles, {(140, 1001): 30, (140, 1): 20})
    got = rerank.Verifier(xfeat(learned_blind=2)).verify_photo(query_for(tmp_path), tiles, [0, 1])
    assert [v.inliers for v in got] == [0, 30]
    assert {p[1] for p in stand.pairs if p[0] >= 100} == {1000, 1001}
    stand = Stand(monkeypatch, tiles, {(140, 1001): 30, (140, 1): 20})
    got = rerank.Verifier(xfeat(learned_blind=2, deblock=False)).verify_photo(query_for(tmp_path), tiles, [0, 1])
    assert [v.inliers for v in got] == [0, 20]
    assert {p[1] for p in stand.pairs if p[0] >= 100} == {0, 1}
