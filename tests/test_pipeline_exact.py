"""Exact answers of core/pipeline.py's Workspace on a small made-up world (session 9, mutation run of
pipeline.py: training/results/mutation_pipeline.md).

The world: 6 tiles on a 2 x 3 grid of 0.01-degree squares (tile r*3+c is row r, column c; row 0
is the northern one, north edge at latitude 10, column 0's west edge at longitude 0). The backbone is
replaced by features whose cosine matrix is written by hand: tile i's feature is the unit vector
e_i (at all 8 headings), so a photo's feature IS its row of cosines. Verification is replaced by
a table {(photo id, tile index): rerank.Verification}. Everything between (candidates, ranking,
the tile under the centre, grounds, footprints, prediction, evaluation) is the real code; every
expected value below is worked out by hand from those tables (comments say how).

Only tmp_path and monkeypatch fixtures: training/mutation_check_direct.py calls these directly.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from geolocator.core.errors import AdapterMismatch, GeolocatorError
from geolocator.core.model import ROTATION_VIEWS, Bounds, LatLon, Query, Tile, TileSet
from geolocator.core.pipeline import (AdapterNotSaved, Located, Settings, Workspace, adapter_folder,
                                      queries_fingerprint)
from geolocator.core.rerank import Verification, VerifySettings

STEP = 0.01
N = 6


def grid() -> TileSet:
    tiles = []
    for r in range(2):
        for c in range(3):
            tiles.append(Tile(f"r{r}c{c}", Path(f"/nonexistent/tiles/r{r}c{c}.png"),
                              Bounds(c * STEP, 10 - (r + 1) * STEP, (c + 1) * STEP, 10 - r * STEP)))
    return TileSet(tuple(tiles), Path("/nonexistent/tiles"))


def centre_of(i: int) -> LatLon:
    r, c = divmod(i, 3)
    return LatLon(10 - (r + 0.5) * STEP, (c + 0.5) * STEP)


def tile_features(views: int = 8) -> np.ndarray:
    return np.repeat(np.eye(N, dtype=np.float32)[:, None, :], views, axis=1)  # (N, V, N)


class FakeVerifier:
    def __init__(self, table: dict, settings: VerifySettings | None = None):
        self.table = table
        self.settings = settings or VerifySettings()
        self.calls = []

        self.seen = []  # (progress, cancel) of each verify call
        self.cancel_after = False

    def verify(self, queries, tiles, candidates, footprints=None, progress=None, cancel=None, decoded=None,
               recalled=None, workers=1):
        self.calls.append(([q.id for q in queries], np.array(candidates), footprints))
        self.seen.append((progress, cancel))
        assert [t.id for t in tiles] == [t.id for t in grid().tiles]  # the tile set's tiles
        if self.cancel_after:
            cancel.cancel()  # the user cancels while the first candidates are verified
        return [[self.table.get((q.id, int(c)), Verification(0)) for c in row] for q, row in zip(queries, candidates)]

    def verify_photo(self, query, tiles, candidates, footprint=None, cancel=None):
        self.calls.append(([query.id], np.array([candidates]), footprint))
        assert [t.id for t in tiles] == [t.id for t in grid().tiles]
        return [self.table.get((query.id, int(c)), Verification(0)) for c in candidates]


class FakeWorkspace(Workspace):
    """Workspace with made-up features (index/embed) and verification; the rest is the real code."""

    def __init__(self, settings: Settings, photos: dict, table: dict | None = None, tiles=None, **vs):
        super().__init__(settings)
        self._backbone = SimpleNamespace(name="fake-net", weights_id="w1", device="cpu", dim=N,
                                         signature="fake-net|w1|gem")
        self.open_tiles(grid())
        self._fake_tiles = tile_features() if tiles is None else tiles
        self._fake_photos = photos
        self._verifier = FakeVerifier(table or {}, VerifySettings(**vs))
        self.seen = []  # ("index" / "embed", progress, cancel) of each call

    def index(self, *, progress=None, cancel=None):
        self._require_tiles()
        self.seen.append(("index", progress, cancel))
        self._tile_features = self._fake_tiles  # what index() keeps (tile_index checks it)
        return self._fake_tiles

    def embed(self, queries, *, progress=None, cancel=None):
        self.seen.append(("embed", progress, cancel))
        ok = [q for q in queries if q.id in self._fake_photos]
        feats = np.stack([np.asarray(self._fake_photos[q.id], np.float32).reshape(-1, N) for q in ok]) if ok \
            else np.zeros((0, 1, N), np.float32)
        return tuple(ok), feats, {q.path: "unreadable" for q in queries if q.id not in self._fake_photos}


def query(name: str, truth: LatLon | None = None) -> Query:
    return Query(name, Path(f"/nonexistent/photos/{name}.jpg"), truth=truth)


def settings(tmp_path: Path, **kw) -> Settings:
    """SIFT unless a test says otherwise: the fakes here stand for SIFT's verifier (the default
    "auto" would measure the fake tiles and mark the route as chosen by auto)."""
    kw.setdefault("matcher", "sift")
    return Settings(cache_dir=tmp_path / "cache", adapter_dir=tmp_path / "adapters", device="cpu", **kw)


CORNERS = ((0.25, 0.25), (0.75, 0.25), (0.75, 0.75), (0.25, 0.75))


def v(inliers: int, centre=(0.5, 0.5), corners=CORNERS) -> Verification:
    return Verification(inliers, centre, None, corners)


# -- locate with verification, dense -------------------------------------------------------------

def world(tmp_path, vs=None, **kw):
    """3 photos. a: cosines best 0 > 1 > 2, verified on tile 2 (20 inliers, centre mid-tile).
    b: best 5 > 4 > 3, nothing verifies. c: best 3 > 4 > 0, verified on tile 4 with 9 inliers
    (a weak match, >= 8) centred mid-tile."""
    photos = {
        "a": [0.9, 0.8, 0.7, 0.1, 0.2, 0.3],
        "b": [0.1, 0.2, 0.3, 0.6, 0.7, 0.8],
        "c": [0.5, 0.05, 0.04, 0.9, 0.8, 0.03],
    }
    table = {("a", 2): v(20), ("c", 4): v(9, (0.25, 0.75))}
    s = settings(tmp_path, verify_candidates=3, top_k=2, **kw)
    return FakeWorkspace(s, photos, table, **(vs or {})), [query("a", centre_of(2)), query("b", centre_of(1)), query("c")]


def test_locate_verified_dense(tmp_path):
    ws, qs = world(tmp_path)
    preds = ws.locate(qs)
    # a: tile 2 verified (20 >= 8) is lifted above the cosine order; the next is tile 0 (cosine 0.9)
    assert [m.tile.id for m in preds[0].matches] == ["r0c2", "r0c0"]
    assert [m.inliers for m in preds[0].matches] == [20, 0]
    assert [m.score for m in preds[0].matches] == pytest.approx([0.7, 0.9])
    # the homography's centre (0.5, 0.5) of tile 2 = its centre
    assert preds[0].location.lat == pytest.approx(9.995) and preds[0].location.lon == pytest.approx(0.025)
    assert preds[0].status == "verified" and preds[0].location_source == "homography"
    # the footprint: the corners (0.25..0.75) of tile 2: lon 0.0225/0.0275, lat 9.9975/9.9925
    fp = preds[0].matches[0].footprint
    assert [(round(p.lat, 6), round(p.lon, 6)) for p in fp] == [(9.9975, 0.0225), (9.9975, 0.0275),
                                                               (9.9925, 0.0275), (9.9925, 0.0225)]
    assert preds[0].matches[1].footprint is None  # 0 inliers: no footprint
    # b: nothing verified: cosine order 5, 4
    assert [m.tile.id for m in preds[1].matches] == ["r1c2", "r1c1"]
    assert preds[1].status == "retrieved" and preds[1].matches[0].footprint is None
    # c: 9 inliers on tile 4 (>= 8) beat tile 3's cosine; centre (0.25, 0.75) of tile 4 (r1c1):
    # lon 0.01 + 0.0025, lat 9.99 - 0.0075
    assert [m.tile.id for m in preds[2].matches] == ["r1c1", "r1c0"]
    assert preds[2].location.lat == pytest.approx(9.9825) and preds[2].location.lon == pytest.approx(0.0125)
    # the verifier saw each photo's top max(verify_candidates 3, top_k 2) = 3 cosine tiles
    (ids, cands, footprints), = ws.verifier.calls
    assert ids == ["a", "b", "c"] and cands.tolist() == [[0, 1, 2], [5, 4, 3], [3, 4, 0]]
    assert footprints == [None, None, None]
    # the full ranking evaluation reads: verified tiles + 2 + inliers above their cosine
    last = ws.last
    assert isinstance(last, Located) and last.queries == tuple(qs) and last.failures == {}
    expected = np.array([[0.9, 0.8, 0.7 + 22, 0.1, 0.2, 0.3], [0.1, 0.2, 0.3, 0.6, 0.7, 0.8],
                         [0.5, 0.05, 0.04, 0.9, 0.8 + 11, 0.03]])
    np.testing.assert_allclose(last.similarity, expected, rtol=1e-6)
    assert last.query_features is None and last.lifted is None
    # evaluation: a right at rank 1 (tile 2), b's tile 1 ranked 5th of 6 (cosines 0.8 0.7 0.6 0.3 0.2)
    ev = ws.evaluate()
    assert ev.n_queries == 2 and ev.n_tiles == 6
    assert ev.r1 == pytest.approx(50.0) and ev.r5 == pytest.approx(100.0)
    assert ev.ap == pytest.approx(100 * (1 + 1 / 5) / 2)


def test_locate_top_k_above_verify_candidates(tmp_path):
    """A --top-k above verify_candidates is verified down to top_k, not cut (n = max of both)."""
    ws, qs = world(tmp_path)
    ws.settings.verify_candidates, ws.settings.top_k = 2, 4
    preds = ws.locate(qs)
    (_, cands, _), = ws.verifier.calls
    assert cands.tolist() == [[0, 1, 2, 5], [5, 4, 3, 2], [3, 4, 0, 1]]
    assert [m.tile.id for m in preds[0].matches] == ["r0c2", "r0c0", "r0c1", "r1c2"]
    assert [len(p.matches) for p in preds] == [4, 4, 4]


def test_locate_without_verification(tmp_path):
    ws, qs = world(tmp_path, verify=False)
    preds = ws.locate(qs)
    assert ws.verifier.calls == []
    assert [[m.tile.id for m in p.matches] for p in preds] == [["r0c0", "r0c1"], ["r1c2", "r1c1"], ["r1c0", "r1c1"]]
    assert all(m.inliers is None for p in preds for m in p.matches)
    np.testing.assert_allclose(ws.last.similarity[0], [0.9, 0.8, 0.7, 0.1, 0.2, 0.3], rtol=1e-6)
    assert ws.last.queries == tuple(qs) and ws.last.query_features is None
    # top_k above the tile count: all 6 tiles
    ws.settings.top_k = 9
    assert [len(p.matches) for p in ws.locate(qs)] == [6, 6, 6]


def test_locate_nothing_readable(tmp_path):
    ws, _ = world(tmp_path)
    preds = ws.locate([query("zzz")])
    assert preds == [] and ws.verifier.calls == []
    assert ws.last.failures == {Path("/nonexistent/photos/zzz.jpg"): "unreadable"} and ws.last.queries == ()


def test_locate_requires_tiles(tmp_path):
    ws = Workspace(settings(tmp_path))
    with pytest.raises(GeolocatorError) as err:
        ws.locate([query("a")])
    assert str(err.value) == "open a tile set first"
    with pytest.raises(GeolocatorError) as err:
        ws.evaluate()
    assert str(err.value) == "locate some queries first"


def test_centre_in_the_neighbour_moves_the_answer(tmp_path):
    """_tile_under_centre: a's best match is tile 1 (r0c1, 30 inliers) but its homography puts the
    centre at x = 1.5 of tile 1: longitude 0.01 + 1.5 * 0.01 = 0.025, inside tile 2."""
    photos = {"a": [0.9, 0.8, 0.7, 0.1, 0.2, 0.3], "d": [0.9, 0.8, 0.01, 0.1, 0.2, 0.3]}
    table = {("a", 1): v(30, (1.5, 0.5), ((1.2, 0.2), (1.8, 0.2), (1.8, 0.8), (1.2, 0.8))), ("a", 2): v(10),
             ("d", 1): v(30, (1.5, 0.5)), ("d", 0): v(9), ("d", 3): v(0)}
    ws = FakeWorkspace(settings(tmp_path, verify_candidates=3, top_k=3), photos, table)
    preds = ws.locate([query("a"), query("d")])
    # a: tile 2 is a candidate (slot 2): it takes 30 + 1 inliers and the ground; tile 1 keeps 30
    assert [(m.tile.id, m.inliers) for m in preds[0].matches] == [("r0c2", 31), ("r0c1", 30), ("r0c0", 0)]
    assert preds[0].location.lon == pytest.approx(0.025) and preds[0].location.lat == pytest.approx(9.995)
    assert preds[0].matches[0].ground == preds[0].matches[1].ground
    # the footprint seen through the neighbour goes with it: x 1.2 of tile 1 = lon 0.022
    assert preds[0].matches[0].footprint[0].lon == pytest.approx(0.022)
    # d: tile 2 is no candidate (0, 1, 5 by cosine? no: 0.9, 0.8, 0.3 -> tiles 0, 1, 5): it takes the
    # place of the weakest other candidate (tile 5, 0 inliers), not of tile 0 (9) or tile 1 (best)
    assert [(m.tile.id, m.inliers) for m in preds[1].matches] == [("r0c2", 31), ("r0c1", 30), ("r0c0", 9)]
    np.testing.assert_allclose(ws.last.similarity[1], [0.9 + 11, 0.8 + 32, 0.01 + 33, 0.1, 0.2, 0.3], rtol=1e-6)


def test_tile_under_centre_cases(tmp_path):
    """Direct calls: (Q, C) candidates, counts, grounds; min_inliers one number or one per photo."""
    ws, _ = world(tmp_path)
    g2 = centre_of(2)
    cands = np.array([[0, 1, 3], [0, 1, 3], [0, 1, 3], [0, 1, 3], [4, 1, 3]])
    counts = np.array([[5, 40, 7], [5, 8, 7], [5, 40, 3], [5, 40, 7], [0, 40, 2]])
    grounds = np.empty(cands.shape, object)
    grounds[0, 1] = g2   # moved: into the weakest other (slot 0, 5 < 7)
    grounds[1, 1] = g2   # 8 inliers: under 9 (its own floor below): stays
    grounds[2, 1] = None  # no ground: stays
    grounds[3, 1] = LatLon(5.0, 5.0)  # under no tile: stays
    grounds[4, 1] = centre_of(1)  # already the tile under the centre: stays
    out_c, out_n, out_g, out_o = ws._tile_under_centre(cands, counts, grounds, np.array([8, 9, 8, 8, 8]))
    assert out_c.tolist() == [[2, 1, 3], [0, 1, 3], [0, 1, 3], [0, 1, 3], [4, 1, 3]]
    assert out_n.tolist() == [[41, 40, 7], [5, 8, 7], [5, 40, 3], [5, 40, 7], [0, 40, 2]]
    assert out_g[0, 0] == g2 and out_g[0, 2] is None
    assert out_o.shape == cands.shape and all(o is None for o in out_o.ravel())
    assert cands[0, 0] == 0 and counts[0, 0] == 5 and grounds[0, 0] is None  # inputs untouched
    # ties for the weakest: the first; the best's own slot is never the weakest even at count 0
    c2, n2, _, _ = ws._tile_under_centre(np.array([[3, 0, 4, 5]]), np.array([[9, 9, 2, 2]]),
                                          np.array([[g2, None, None, None]], object), 8)
    assert c2.tolist() == [[3, 0, 2, 5]] and n2.tolist() == [[9, 9, 10, 2]]
    # rows after a photo that stays are still looked at; a best of exactly min_inliers moves;
    # all counts equal: the best is the first, the slot the next (never the best's own)
    c4, n4, _, _ = ws._tile_under_centre(np.array([[0, 1], [0, 1], [0, 1], [3, 4]]),
                                          np.array([[9, 3], [3, 8], [5, 5], [9, 9]]),
                                          np.array([[None, None], [None, g2], [LatLon(5, 5), None], [g2, None]], object), 8)
    assert c4.tolist() == [[0, 1], [2, 1], [0, 1], [3, 2]] and n4.tolist() == [[9, 3], [9, 8], [5, 5], [9, 10]]
    # a photo whose centre is under no tile, or under its own best tile, does not stop the next
    c5, n5, _, _ = ws._tile_under_centre(np.array([[0, 1], [0, 1], [0, 1]]), np.array([[20, 0], [20, 0], [20, 0]]),
                                          np.array([[LatLon(5, 5), None], [centre_of(0), None], [g2, None]], object), 8)
    assert c5.tolist() == [[0, 1], [0, 1], [0, 2]] and n5.tolist() == [[20, 0], [20, 0], [20, 21]]
    # a single candidate: nothing to move it into
    c1, n1, _, _ = ws._tile_under_centre(np.array([[0]]), np.array([[20]]), np.array([[g2]], object), 8)
    assert c1.tolist() == [[0]] and n1.tolist() == [[20]]
    # best = first maximum of the counts
    c3, n3, _, _ = ws._tile_under_centre(np.array([[0, 1, 5]]), np.array([[20, 20, 0]]),
                                          np.array([[None, g2, None]], object), 8)
    assert c3.tolist() == [[0, 1, 5]]


def test_grounds_limits(tmp_path):
    """A centre or corner outside [-2, 3] of the tile is a degenerate homography: no point/outline."""
    ws, _ = world(tmp_path)
    checks = [[v(10, (-2.0, 3.0), ((-2.0, -2.0), (3.0, -2.0), (3.0, 3.0), (-2.0, 3.0))),
               v(10, (-2.01, 0.5), ((3.01, 0.5),) * 4), v(10, (0.5, 3.01), ((0.5, -2.01),) * 4),
               Verification(0)]]
    grounds, outlines = ws._grounds(checks, np.array([[0, 1, 2, 3]]))
    # tile 0: west 0, north 10; x -2 -> lon -0.02, y 3 -> lat 9.97
    assert grounds[0, 0] == LatLon(pytest.approx(9.97), pytest.approx(-0.02))
    assert [(round(p.lat, 6), round(p.lon, 6)) for p in outlines[0, 0]] == [(10.02, -0.02), (10.02, 0.03),
                                                                              (9.97, 0.03), (9.97, -0.02)]
    assert grounds[0, 1] is None and outlines[0, 1] is None
    assert grounds[0, 2] is None and outlines[0, 2] is None
    assert grounds[0, 3] is None and outlines[0, 3] is None
    # the tile of each slot is the candidate's: tile 3 (r1c0) centre
    g, o = ws._grounds([[v(9)]], np.array([[3]]))
    assert g[0, 0] == LatLon(pytest.approx(9.985), pytest.approx(0.005)) and len(o[0, 0]) == 4


def test_with_footprints_threshold_per_photo(tmp_path):
    ws, qs = world(tmp_path)
    preds = ws.locate(qs)
    bare = [p.__class__(**{**p.__dict__, "matches": tuple(m.__class__(**{**m.__dict__, "footprint": None})
                                                          for m in p.matches)}) for p in preds]
    fps = np.empty((3, 2), object)
    fps[0, 0] = fps[2, 0] = fps[1, 0] = ("x",)
    out = ws._with_footprints(bare, fps, np.array([8, 8, 10]))
    assert out[0].matches[0].footprint == ("x",)  # 20 >= 8
    assert out[1].matches[0].footprint is None  # 0 inliers
    assert out[2].matches[0].footprint is None  # 9 < 10
    assert ws._with_footprints(bare, fps, 9)[2].matches[0].footprint == ("x",)  # 9 >= 9: one number for all
    assert out[0].query == bare[0].query and out[0].location == bare[0].location
    fps[0, 1] = ("y",)  # a's second match (0 inliers) with an outline: still none at a floor of 1
    assert ws._with_footprints(bare, fps, 1)[0].matches[1].footprint is None


def test_min_inliers_and_point_min(tmp_path):
    ws, qs = world(tmp_path)
    from geolocator.core.media.query_image import query_key

    assert ws._min_inliers(qs).tolist() == [8, 8, 8] and ws._min_inliers(qs).dtype == np.int64
    ws._adapter = SimpleNamespace(card={"anchored_photos": [query_key(qs[1])]})
    assert ws._min_inliers(qs).tolist() == [8, 12, 8]
    ws._adapter = SimpleNamespace(card={"anchored_photos": []})
    assert ws._min_inliers(qs).tolist() == [8, 8, 8]
    ws._adapter = SimpleNamespace(card=None)
    assert ws._min_inliers(qs).tolist() == [8, 8, 8]
    ws._verifier = FakeVerifier({}, VerifySettings(min_inliers=6, min_inliers_adapted=15))
    ws._adapter = SimpleNamespace(card={"anchored_photos": [query_key(qs[0])]})
    assert ws._min_inliers(qs).tolist() == [15, 6, 6]
    assert ws._point_min_inliers(np.array([15, 6, 4])).tolist() == [6, 6, 4]
    assert ws._point_min_inliers(9).tolist() == [6]
    assert ws._point_min_inliers(5).tolist() == [5]
    # session 11: a learned backend (early stop 40) with an adapter: every photo needs 40, anchored
    # or not (max(40, 15) and max(40, 6)); adapted_clear off, or no adapter: as above
    ws._verifier = FakeVerifier({}, VerifySettings(matcher="xfeat", min_inliers=6, min_inliers_adapted=15))
    assert ws._min_inliers(qs).tolist() == [40, 40, 40]
    ws._verifier = FakeVerifier({}, VerifySettings(matcher="xfeat", stop_inliers=13, min_inliers=6, min_inliers_adapted=15))
    assert ws._min_inliers(qs).tolist() == [15, 13, 13]  # the stop as set (13), never below the adapted 15
    ws._verifier = FakeVerifier({}, VerifySettings(matcher="xfeat", min_inliers=6, min_inliers_adapted=15,
                                                   adapted_clear=False))
    assert ws._min_inliers(qs).tolist() == [15, 6, 6]
    ws._verifier = FakeVerifier({}, VerifySettings(matcher="xfeat", min_inliers=6, min_inliers_adapted=15))
    ws._adapter = None
    assert ws._min_inliers(qs).tolist() == [6, 6, 6]
    assert VerifySettings().adapted_clear


def test_adapted_photo_needs_twelve_to_overrule(tmp_path):
    """c is anchored by the adapter card: its 9-inlier match (< 12) no longer lifts tile 4, but the
    adapter's own top tile... here the identity adapter's top is tile 3 (cosine 0.9): unverified, so
    the answer stays tile 3; a (not anchored) still lifts tile 2 with 20."""
    from geolocator.core.media.query_image import query_key

    ws, qs = world(tmp_path)
    ws._adapter = SimpleNamespace(card={"anchored_photos": [query_key(qs[2])]},
                                  transform_queries=lambda x: x, transform_tiles=lambda x: x)
    preds = ws.locate(qs)
    assert preds[2].matches[0].tile.id == "r1c0" and preds[2].status == "retrieved"
    assert preds[0].matches[0].tile.id == "r0c2" and preds[0].status == "verified"
    assert ws.last.similarity[2, 4] == pytest.approx(0.8)  # not lifted: 9 < 12


def test_adapted_photo_weak_match_on_its_own_top_tile_gives_the_point(tmp_path):
    """_point_min_inliers: when the adapted top tile itself has 8-11 inliers, its homography gives
    the Point (status verified), though it is not lifted (12 needed)."""
    from geolocator.core.media.query_image import query_key

    ws, qs = world(tmp_path)
    ws._fake_photos["c"] = [0.5, 0.05, 0.04, 0.8, 0.9, 0.03]  # tile 4 first by cosine
    ws._adapter = SimpleNamespace(card={"anchored_photos": [query_key(qs[2])]},
                                  transform_queries=lambda x: x, transform_tiles=lambda x: x)
    preds = ws.locate(qs)
    assert preds[2].matches[0].tile.id == "r1c1" and preds[2].matches[0].inliers == 9
    assert preds[2].status == "verified" and preds[2].location.lon == pytest.approx(0.0125)
    assert preds[2].matches[0].footprint is not None


def test_widening_reaches_further_candidates(tmp_path):
    """verify_widen 5: b verified nothing among 3, so its next tiles (ranks 4, 5) are verified too;
    its tile 1 (rank 5) verifies with 15 and becomes the answer."""
    ws, qs = world(tmp_path, verify_widen=5)
    ws.verifier.table[("b", 1)] = v(15)
    preds = ws.locate(qs)
    assert preds[1].matches[0].tile.id == "r0c1" and preds[1].matches[0].inliers == 15
    assert ws.widen_to() == 5
    ws2, qs2 = world(tmp_path)
    ws2.verifier.table[("b", 1)] = v(15)
    assert ws2.locate(qs2)[1].matches[0].tile.id == "r1c2"  # not widened: tile 1 never verified


def test_widen_to(tmp_path):
    ws, _ = world(tmp_path)
    from geolocator.core.rerank import LEARNED_WIDEN

    assert ws.widen_to() == 0
    ws.settings.matcher = "xfeat"
    assert ws.widen_to() == LEARNED_WIDEN and LEARNED_WIDEN > 0
    ws.settings.verify_widen = 0
    assert ws.widen_to() == 0
    ws.settings.verify_widen = 7.0
    assert ws.widen_to() == 7 and isinstance(ws.widen_to(), int)


def test_gnss_prior_zeroes_counts_outside_the_circle(tmp_path):
    """A verified tile outside the GNSS circle is no candidate: photo a recorded (EXIF) at tile 0's
    centre with a 600 m circle keeps tiles 0, 1, 3 (their edges ~550 m away at latitude 10), not
    tile 2 (1.6 km) though it is verified (20 inliers) among its 5 candidates (0, 1, 3, then the
    excluded 2, 4 in index order)."""
    ws, _ = world(tmp_path, gnss_prior_m=600.0)
    ws.settings.verify_candidates = ws.settings.top_k = 5
    qa = Query("a", Path("/nonexistent/photos/a.jpg"), truth=centre_of(0), truth_source="exif")
    preds = ws.locate([qa])
    (_, cands, _), = ws.verifier.calls
    assert cands.tolist() == [[0, 1, 3, 2, 4]]
    assert preds[0].matches[0].tile.id == "r0c0" and preds[0].matches[0].inliers == 0
    assert [(m.tile.id, m.inliers) for m in preds[0].matches][3] == ("r0c2", 0)  # verified with 20, zeroed
    assert ws.last.similarity[0, 2] < -1  # excluded, not lifted


# -- large tile sets: the TileIndex and the streamed evaluation -------------------------------------

def test_large_path_matches_the_dense_one(tmp_path):
    """dense_max 1 forces the TileIndex route (no Q x N matrix); its predictions and its streamed
    evaluation (_evaluate_large) must equal the dense route's on the same world."""
    qs_truth = [query("a", centre_of(2)), query("b", centre_of(1)), query("c", centre_of(3)),
                query("e", centre_of(0))]
    photos = {"a": [0.9, 0.8, 0.7, 0.1, 0.2, 0.3], "b": [0.1, 0.2, 0.3, 0.6, 0.7, 0.8],
              "c": [0.5, 0.05, 0.04, 0.9, 0.8, 0.03], "e": [0.1, 0.9, 0.8, 0.7, 0.6, 0.5]}
    table = {("a", 2): v(20), ("c", 4): v(9), ("e", 2): v(12)}
    dense = FakeWorkspace(settings(tmp_path, verify_candidates=3, top_k=3), photos, table)
    big = FakeWorkspace(settings(tmp_path, verify_candidates=3, top_k=3, dense_max=1), photos, table)
    pd, pb = dense.locate(qs_truth), big.locate(qs_truth)
    assert [[(m.tile.id, m.inliers) for m in p.matches] for p in pb] == \
        [[(m.tile.id, m.inliers) for m in p.matches] for p in pd]
    assert big.last.similarity is None and big.last.query_features.shape == (4, 1, N)
    ids, ranking = big.last.lifted
    assert ids.shape == (4, 3) and ranking.shape == (4, 3)
    ed, eb = dense.evaluate(), big.evaluate()
    # by hand: a rank 1; b's tile 1 rank 5; c's tile 3 rank 2 (tile 4 lifted to 0.8 + 11);
    # e's tile 0: cosine 0.1, below every other tile, rank 6
    assert (eb.r1, eb.r5, eb.r10) == pytest.approx((25.0, 75.0, 100.0))
    assert eb.ap == pytest.approx(100 * (1 + 1 / 5 + 1 / 2 + 1 / 6) / 4)
    assert (eb.r1, eb.r5, eb.r10, eb.ap, eb.median_error_m) == pytest.approx(
        (ed.r1, ed.r5, ed.r10, ed.ap, ed.median_error_m))
    assert eb.n_queries == ed.n_queries == 4 and eb.n_tiles == 6


def test_large_evaluation_without_verification_and_without_truth(tmp_path):
    photos = {"a": [0.9, 0.8, 0.7, 0.1, 0.2, 0.3], "b": [0.1, 0.2, 0.3, 0.6, 0.7, 0.8], "n": [1, 0, 0, 0, 0, 0]}
    qs = [query("a", centre_of(2)), query("n"), query("b", centre_of(4)),
          Query("x", Path("/nonexistent/photos/n.jpg"), truth=LatLon(50.0, 50.0))]
    photos["x"] = [0, 0, 0, 0, 0, 1]
    big = FakeWorkspace(settings(tmp_path, verify=False, dense_max=1), photos)
    big.locate(qs)
    assert big.last.lifted is None
    ev = big.evaluate()
    # a: tile 2 third (0.9, 0.8 above); b: tile 4 second; x: truth under no tile (rank: none)
    dense = FakeWorkspace(settings(tmp_path, verify=False), photos)
    dense.locate(qs)
    ed = dense.evaluate()
    assert ev.n_queries == ed.n_queries and (ev.r1, ev.r5, ev.ap) == pytest.approx((ed.r1, ed.r5, ed.ap))
    assert ev.ap == pytest.approx(100 * (1 / 3 + 1 / 2 + 0) / 3) and ev.r5 == pytest.approx(200 / 3)


def test_heading_prior_widens_only_unverified_narrowed_photos(tmp_path, monkeypatch):
    """locate: where the heading prior narrowed a photo's search and nothing verified (top < its
    min_inliers), that photo is searched again over every view (source.widened) and verified
    again. The narrowed matrix is made up here: a and b narrowed, c not. a verifies (20) under it;
    b does not (its narrowed top 0, 1, 2) and gets its unrestricted top 5, 4, 3, where 5 verifies."""
    ws, qs = world(tmp_path)
    ws.verifier.table[("b", 5)] = v(10)
    ws.verifier.table[("c", 4)] = v(8)  # exactly min_inliers: verified, not widened
    real = ws._candidates

    def narrowed(*args):
        src = real(*args)
        src.narrowed = np.array([True, True, True])
        m = src.matrix.copy()
        m[1] = [0.9, 0.8, 0.7, 0.0, 0.0, 0.0]
        m[2] = [0.5, 0.05, 0.04, 0.0, 0.95, 0.03]  # tile 4 first under the prior, 3 without it
        src.matrix = m
        return src

    monkeypatch.setattr(ws, "_candidates", narrowed)
    from geolocator.core.progress import CancelToken

    prog, cancel = (lambda *a, **k: None), CancelToken()
    preds = ws.locate(qs, progress=prog, cancel=cancel)
    assert len(ws.verifier.calls) == 2 and ws.verifier.seen == [(prog, cancel), (prog, cancel)]
    assert ws.verifier.calls[1][1].tolist() == [[0, 1, 2], [5, 4, 3], [4, 0, 1]]
    assert preds[1].matches[0].tile.id == "r1c2" and preds[1].matches[0].inliers == 10
    np.testing.assert_allclose(ws.last.similarity[2], [0.5, 0.05, 0.04, 0.0, 0.95 + 10, 0.03], rtol=1e-6)
    # nothing narrowed: one verification only
    ws2, qs2 = world(tmp_path)

    def none_narrowed(*args):
        src = ws2.__class__._candidates(ws2, *args)
        src.narrowed = np.array([False, False, False])
        return src

    monkeypatch.setattr(ws2, "_candidates", none_narrowed)
    ws2.locate(qs2)
    assert len(ws2.verifier.calls) == 1


def test_adapter_transforms_reach_the_dense_search(tmp_path):
    """_candidates: an adapter's transform_queries / transform_tiles are applied before the search.
    This adapter reverses the tile features' order of dimensions (tile i -> e_{5-i}), so photo b's
    cosines [.1 .2 .3 .6 .7 .8] now rank tile 0 first (it holds e_5)."""
    ws, qs = world(tmp_path, verify=False)
    ws._adapter = SimpleNamespace(card={}, transform_queries=lambda x: x, transform_tiles=lambda x: x[..., ::-1])
    preds = ws.locate(qs)
    assert [m.tile.id for m in preds[1].matches] == ["r0c0", "r0c1"]
    ws._adapter = SimpleNamespace(card={}, transform_queries=lambda x: x[..., ::-1], transform_tiles=lambda x: x)
    assert [m.tile.id for m in ws.locate(qs)[1].matches] == ["r0c0", "r0c1"]
    # the large route: the index of the adapted tiles (MappedFeatures)
    ws.settings.dense_max = 1
    ws._adapter = SimpleNamespace(card={}, transform_queries=lambda x: x, transform_tiles=lambda x: x[..., ::-1])
    assert [m.tile.id for m in ws.locate(qs)[1].matches] == ["r0c0", "r0c1"]


def test_views_rule(tmp_path):
    ws, _ = world(tmp_path)
    assert ws.views() == (ROTATION_VIEWS, ("rot0",))
    ws.settings.rotate_photos_above = 6  # 6 tiles is not above 6
    assert ws.views() == (ROTATION_VIEWS, ("rot0",))
    ws.settings.rotate_photos_above = 5
    assert ws.views() == (("rot0",), ROTATION_VIEWS)
    ws.settings.tile_views = ["rot0", "rot90"]
    assert ws.views() == (("rot0", "rot90"), ("rot0",))
    ws.settings.query_views = ["rot0", "rot180"]
    assert ws.views() == (("rot0", "rot90"), ("rot0", "rot180"))
    ws.settings.tile_views = None
    assert ws.views() == (("rot0",), ("rot0", "rot180"))
    empty = Workspace(settings(tmp_path, rotate_photos_above=-1))
    assert empty.views() == (ROTATION_VIEWS, ("rot0",))  # no tile set: not large


def test_centred_only_in_the_photo_rotation_layout(tmp_path):
    from geolocator.core.retrieval import centre_photo_views

    rng = np.random.default_rng(3)
    x = rng.normal(size=(8, 2, N)).astype(np.float32)
    want = centre_photo_views(x)
    assert not np.allclose(want, x)
    ws, _ = world(tmp_path)
    assert ws._centred(x) is x  # tiles at 8 headings
    ws.settings.rotate_photos_above = 0  # one tile view: the photo-rotation layout
    np.testing.assert_allclose(ws._centred(x), want)
    assert ws._centred(x[:, :1]) is not None and np.array_equal(ws._centred(x[:, :1]), x[:, :1])
    assert ws._centred(x[:, 0]) is not None and np.array_equal(ws._centred(x[:, 0]), x[:, 0])
    ws._adapter = object()
    assert ws._centred(x) is x
    np.testing.assert_allclose(ws._centred(x, frozen=True), want)
    ws._adapter = None
    ws.settings.centre_photo_views = False
    assert ws._centred(x) is x


def test_centre_adapted_views_trains_and_searches_the_adapter_on_centred_photo_views(tmp_path, monkeypatch):
    """Settings.centre_adapted_views: in the photo-rotation layout adaptation gets each photo view
    centred on the photos' mean of that view (as the frozen search), the card says so, and locate
    centres the views before that adapter's transform too; an adapter without the mark gets them
    raw (its own single domain mean), as before. 8 photos (the least centre_photo_views centres),
    2 views each, tiles once; the expected centring is written out here: per view, minus the mean
    over the photos, L2-normalised."""
    runs = fake_training(monkeypatch)
    raw = np.random.default_rng(4).normal(size=(8, 2, N)).astype(np.float32)
    centred = raw - raw.mean(axis=0, keepdims=True)
    centred /= np.linalg.norm(centred, axis=-1, keepdims=True)
    photos = {f"p{i}": raw[i] for i in range(8)}
    qs = [query(f"p{i}") for i in range(8)]
    ws = FakeWorkspace(settings(tmp_path, verify=False, rotate_photos_above=0, centre_adapted_views=True),
                       photos, tiles=tile_features(1))
    adapter = ws.adapt(qs, save_to=tmp_path / "a.safetensors")
    np.testing.assert_allclose(runs[0][1], centred, atol=1e-6)
    assert adapter.card["centred_photo_views"] is True
    off = FakeWorkspace(settings(tmp_path, verify=False, rotate_photos_above=0), photos, tiles=tile_features(1))
    assert off.adapt(qs, save_to=tmp_path / "b.safetensors").card["centred_photo_views"] is False
    np.testing.assert_array_equal(runs[1][1], raw)
    seen = []

    def transform(x):
        seen.append(np.array(x))
        return x

    for card, expect in (({"centred_photo_views": True}, centred), ({}, raw), (None, raw)):
        ws._adapter = SimpleNamespace(card=card, transform_queries=transform, transform_tiles=lambda x: x)
        ws.locate(qs)
        np.testing.assert_allclose(seen[-1], expect, atol=1e-6)


def test_frozen_candidates_ignore_the_adapter(tmp_path):
    ws, qs = world(tmp_path)
    feats = ws.embed(qs)[1]
    ws._adapter = SimpleNamespace(card={}, transform_queries=lambda x: x, transform_tiles=lambda x: x[..., ::-1])
    got = ws._frozen_candidates(feats, ws.index())
    assert got.tolist() == [[0, 1, 2], [5, 4, 3], [3, 4, 0]]  # verify_candidates 3, frozen cosines
    ws.settings.verify_candidates = 20
    assert ws._frozen_candidates(feats, ws.index()).shape == (3, 6)  # at most N
    ws.settings.verify_candidates = 2
    ws.settings.dense_max = 6 * 8 - 1  # above: the TileIndex (frozen), same answer
    assert ws._frozen_candidates(feats, ws.index()).tolist() == [[0, 1], [5, 4], [3, 4]]
    ws.settings.dense_max = 6 * 8  # not above: dense
    assert ws._frozen_candidates(feats, ws.index()).tolist() == [[0, 1], [5, 4], [3, 4]]


def test_frozen_candidates_centre_rotated_photos(tmp_path, monkeypatch):
    """In the photo-rotation layout the photos' views are centred before the frozen search."""
    from geolocator.core import retrieval

    seen = []
    ws, qs = world(tmp_path, rotate_photos_above=0)
    monkeypatch.setattr(retrieval, "centre_photo_views", lambda f: seen.append(f.shape) or f)
    feats = np.repeat(ws.embed(qs)[1], 8, axis=1)
    ws._adapter = object()
    ws._frozen_candidates(feats, tile_features(1))
    assert seen == [(3, 8, N)]


def test_adaptation_pool(tmp_path):
    ws, _ = world(tmp_path)
    feats = tile_features()
    cand = np.array([[0, 1, -1], [1, 5, 0]])
    anchors = np.array([3, -1])
    ws.settings.adapt_max_tiles = 6  # not above the cap: everything, anchors as they are
    pool, pa = ws._adaptation_pool(None, feats, anchors, 0, None, None, cand)
    assert pool is None and pa is anchors
    ws.settings.adapt_max_tiles = 4  # must: 0, 1, 5 (candidates) + 3 (anchor) = the cap
    pool, pa = ws._adaptation_pool(None, feats, anchors, 0, None, None, cand)
    assert pool.tolist() == [0, 1, 3, 5] and pa.tolist() == [2, -1]
    pool, pa = ws._adaptation_pool(None, feats, None, 0, None, None, cand)
    assert pool.tolist() in ([0, 1, 2, 5], [0, 1, 3, 5], [0, 1, 4, 5])
    assert pa is None and len(pool) == 4
    ws.settings.adapt_max_tiles = 2  # more must-tiles than the cap: the first 2 (sorted)
    pool, pa = ws._adaptation_pool(None, feats, anchors, 0, None, None, cand)
    assert pool.tolist() == [0, 1] and pa.tolist() == [-1, -1]
    # one random other: 2 or 4, by the seed. Before session 9 always 2: setdiff1d sorted the random
    # draw, so the "random" others were the lowest ids drawn (all of them here: 6 of 6 drawn)
    ws.settings.adapt_max_tiles = 5
    drawn = set()
    for seed in range(12):
        pool, pa = ws._adaptation_pool(None, feats, anchors, seed, None, None, cand)
        assert len(set(pool.tolist())) == 5 and {0, 1, 3, 5} <= set(pool.tolist()) and list(pool) == sorted(pool)
        assert pool[pa[0]] == 3 and pa[1] == -1 and pa.dtype == np.int64
        again, _ = ws._adaptation_pool(None, feats, anchors, seed, None, None, cand)
        assert again.tolist() == pool.tolist()
        drawn |= set(pool.tolist()) - {0, 1, 3, 5}
    assert drawn == {2, 4}
    # without candidates given, the frozen search supplies them (a: 0 1 2, b: 5 4 3, c: 3 4 0)
    ws.settings.adapt_max_tiles = 5
    ws.settings.verify_candidates = 1
    q = ws.embed([query("a"), query("b"), query("c")])[1]
    pool, _ = ws._adaptation_pool(q, feats, None, 0, None, None)
    assert {0, 5, 3} <= set(pool.tolist()) and len(pool) == 5


def test_geometric_labels_and_anchors(tmp_path, monkeypatch):
    from geolocator.core.adapt import geometric
    from geolocator.core.adapt.geometric import GeoLabel

    calls = []

    def fake_labels(queries, tiles, candidates, similarity, verifier, progress=None, cancel=None, workers=1):
        calls.append((list(queries), tiles, np.array(candidates), np.array(similarity), verifier, progress, cancel))
        return [GeoLabel(2, 20) if q.id == "a" else GeoLabel(4, 9, via=0) if q.id == "c" else None for q in queries]

    monkeypatch.setattr(geometric, "geometric_labels", fake_labels)
    ws, qs = world(tmp_path)
    ok, feats, _ = ws.embed(qs)
    prog, cancel = object(), object()
    anchors, summary = ws._geometric_anchors(list(ok), feats, ws.index(), prog, cancel)
    assert anchors.tolist() == [2, -1, 4] and anchors.dtype == np.int64
    # the verifier that placed them: the settings' sift, not chosen by auto, nothing measured
    route = {"matcher": "sift", "mosaic": 0, "mosaic_once": False, "auto": False, "pixels_across": None}
    assert summary == {"used": True, "sampled_photos": 3, "direct": 1, "chained": 1, "unlabelled": 1, "route": route}
    (got_q, got_tiles, got_c, got_sim, got_v, got_p, got_cancel), = calls
    assert [q.id for q in got_q] == ["a", "b", "c"] and got_tiles is ws.tileset and got_v is ws.verifier
    assert got_c.tolist() == [[0, 1, 2], [5, 4, 3], [3, 4, 0]] and got_p is prog and got_cancel is cancel
    taken = feats[:, 0]
    np.testing.assert_allclose(got_sim, taken @ taken.T, rtol=1e-6)  # photo-photo cosines
    # given candidates are used as they are (rows of the chosen photos)
    given = np.array([[5, 4], [3, 2], [1, 0]])
    ws._geometric_anchors(list(ok), feats, ws.index(), None, None, given)
    assert calls[-1][2].tolist() == [[5, 4], [3, 2], [1, 0]]
    # 2-D features (one view) are the photos as taken
    ws.geometric_labels(list(ok), feats[:, 0], ws.index(), candidates=given)
    np.testing.assert_allclose(calls[-1][3], taken @ taken.T, rtol=1e-6)
    # above GeometrySettings.max_photos an evenly spaced sample is labelled: 7 photos, limit 3 ->
    # linspace(0, 6, 3) = photos 0, 3, 6
    monkeypatch.setattr(geometric, "GeometrySettings", lambda: SimpleNamespace(max_photos=3))
    seven = [query(n) for n in "abcabca"]
    f7 = np.concatenate([feats, feats, feats[:1]])
    anchors, summary = ws._geometric_anchors(seven, f7, ws.index(), None, None, np.arange(14).reshape(7, 2))
    assert [q.id for q in calls[-1][0]] == ["a", "a", "a"] and calls[-1][2].tolist() == [[0, 1], [6, 7], [12, 13]]
    assert anchors.tolist() == [2, -1, -1, 2, -1, -1, 2]
    assert summary == {"used": True, "sampled_photos": 3, "direct": 3, "chained": 0, "unlabelled": 4, "route": route}
    monkeypatch.setattr(geometric, "GeometrySettings", lambda: SimpleNamespace(max_photos=7))
    assert ws._geometric_anchors(seven, f7, ws.index(), None, None, np.arange(14).reshape(7, 2))[1]["sampled_photos"] == 7


# -- adaptation: everything but the training itself (adapt/em.py has its own tests) ---------------

class FakeAdapter:
    def __init__(self, fail=None):
        self.saved, self.fail, self.card = [], fail, None

    def save(self, path, card):
        if self.fail is not None:
            raise self.fail
        self.saved.append((Path(path), card))
        self.card = card


def fake_training(monkeypatch, adapter=None):
    import geolocator.core.adapt as adapt_pkg

    calls = []

    def run(tiles, queries, **kw):
        calls.append((np.array(tiles), np.array(queries), kw))
        return adapter if adapter is not None else FakeAdapter()

    monkeypatch.setattr(adapt_pkg, "adapt", run)
    return calls


def fake_geometry(monkeypatch, labels):
    from geolocator.core.adapt import geometric

    calls = []

    def run(queries, tiles, candidates, similarity, verifier, progress=None, cancel=None, workers=1):
        calls.append(np.array(candidates))
        return [labels.get(q.id) for q in queries]

    monkeypatch.setattr(geometric, "geometric_labels", run)
    return calls


def test_adapt_card_and_arguments(tmp_path, monkeypatch):
    import time as time_module

    from geolocator.core.adapt.geometric import GeoLabel
    from geolocator.core.media.query_image import query_key

    clock = iter([1000.12345])
    monkeypatch.setattr(time_module, "time", lambda: next(clock, 1002.62384))  # started, then 2.50039 s later
    runs = fake_training(monkeypatch)
    geo = fake_geometry(monkeypatch, {"c": GeoLabel(4, 15), "a": GeoLabel(0, 30, via=2)})
    ws, qs = world(tmp_path)
    unread = query("zzz")
    prog, cancel = (lambda *a, **k: None), None
    out = tmp_path / "out" / "ad.safetensors"
    adapter = ws.adapt([*qs, unread], mode="best", steps=7, seed=3, save_to=out, progress=prog)
    assert ws.adapter is adapter and adapter.saved[0][0] == out
    (tiles, queries, kw), = runs
    np.testing.assert_array_equal(tiles, tile_features())  # every tile: 6 <= adapt_max_tiles
    np.testing.assert_array_equal(queries, ws.embed(qs)[1])
    assert kw["mode"] == "best" and kw["steps"] == 7 and kw["seed"] == 3 and kw["device"] == "cpu"
    assert kw["progress"] is prog and kw["cancel"] is None
    assert kw["anchors"].tolist() == [0, -1, 4]
    assert geo[0].tolist() == [[0, 1, 2], [5, 4, 3], [3, 4, 0]]  # the frozen candidates
    card = adapter.saved[0][1]
    assert card == {
        "backbone": "fake-net", "weights_id": "w1", "dim": N, "pooling": "gem",
        "tile_views": list(ROTATION_VIEWS), "query_views": ["rot0"],
        "tileset_fingerprint": ws.tileset.fingerprint(), "queries_fingerprint": queries_fingerprint(qs),
        "n_tiles": 6, "n_tiles_trained_on": 6, "n_queries": 3,
        "unreadable": {str(unread.path): "unreadable"}, "seed": 3,
        "geometry": {"used": True, "sampled_photos": 3, "direct": 1, "chained": 1, "unlabelled": 1,
                     "route": {"matcher": "sift", "mosaic": 0, "mosaic_once": False, "auto": False,
                               "pixels_across": None}},
        "anchored_photos": sorted([query_key(qs[0]), query_key(qs[2])]),
        "centred_photo_views": False,  # tiles at 8 headings: nothing to centre
        "created_unix": 1000.123, "seconds": 2.5,
    }
    assert isinstance(card["seconds"], float)
    assert isinstance(card["dim"], int) and isinstance(card["n_tiles_trained_on"], int)


def test_adapt_without_geometry_and_with_a_pool(tmp_path, monkeypatch):
    runs = fake_training(monkeypatch)
    geo = fake_geometry(monkeypatch, {})
    ws, qs = world(tmp_path, verify=False)
    adapter = ws.adapt(qs, mode="best", save_to=tmp_path / "a.safetensors")
    assert geo == [] and runs[0][2]["anchors"] is None and runs[0][2]["mode"] == "best"
    assert runs[0][2]["steps"] is None and runs[0][2]["seed"] == 0
    assert adapter.card["geometry"] == {"used": False} and adapter.card["anchored_photos"] == []
    ws2, qs2 = world(tmp_path)  # verification on, paper mode: no geometry either
    ws2.adapt(qs2, mode="paper", save_to=tmp_path / "b.safetensors")
    assert geo == [] and runs[1][2]["mode"] == "paper"
    ws3, qs3 = world(tmp_path, verify=False)  # geometric=True asked for explicitly
    ws3.adapt(qs3, mode="paper", geometric=True, save_to=tmp_path / "c.safetensors")
    assert len(geo) == 1
    # above adapt_max_tiles: trained on the pool (candidates 0 1 2 / 5 4 3 / 3 4 0 = 5 tiles)
    ws4, qs4 = world(tmp_path, verify=False, adapt_max_tiles=5)
    ad = ws4.adapt(qs4, save_to=tmp_path / "d.safetensors")
    np.testing.assert_array_equal(runs[-1][0], tile_features()[[0, 1, 2, 3, 4, 5]][[0, 1, 2, 3, 4]])
    assert ad.card["n_tiles_trained_on"] == 5 and ad.card["n_tiles"] == 6
    # the pool's anchors: a labelled tile 5 is pool position 4 (pool 0 1 2 3 5? no: 0 1 2 3 4)
    from geolocator.core.adapt.geometric import GeoLabel

    geo2 = fake_geometry(monkeypatch, {"b": GeoLabel(5, 12)})
    ws5, qs5 = world(tmp_path, adapt_max_tiles=5)
    ws5.adapt(qs5, save_to=tmp_path / "e.safetensors")
    # must: candidates (0 1 2 3 4 5 minus none) -> 6 > 5: the first 5 must-tiles 0..4; tile 5 is out
    assert runs[-1][2]["anchors"].tolist() == [-1, -1, -1] and len(geo2) == 1


def test_adapt_refusals_and_save_failure(tmp_path, monkeypatch):
    from geolocator.core.outputs import OutputError

    runs = fake_training(monkeypatch)
    ws, qs = world(tmp_path)
    with pytest.raises(GeolocatorError) as err:
        ws.adapt([query("zzz")], save_to=tmp_path / "x.safetensors")
    assert str(err.value) == "none of the drone images could be read; nothing to adapt to"
    (tmp_path / "folder.safetensors").mkdir()
    with pytest.raises(OutputError) as err:
        ws.adapt(qs, save_to=tmp_path / "folder.safetensors")
    assert "the adapter path is a folder" in str(err.value)
    assert runs == []  # refused before any training
    from geolocator.core.adapt import checkpoint

    kept = FakeAdapter(fail=OSError("disk full"))
    fake_training(monkeypatch, kept)
    fell = []
    monkeypatch.setattr(checkpoint, "save_fallback",
                        lambda adapter, card: fell.append((adapter, card)) or tmp_path / "fallback.safetensors")
    with pytest.raises(AdapterNotSaved) as err:
        ws.adapt(qs, mode="paper", save_to=tmp_path / "y.safetensors")
    e = err.value
    assert e.path == tmp_path / "y.safetensors" and e.problem == "disk full" and e.adapter is kept
    assert e.fallback == tmp_path / "fallback.safetensors" and ws.adapter is kept
    assert fell[0][0] is kept and fell[0][1]["backbone"] == "fake-net" and fell[0][1]["n_queries"] == 3
    assert str(e) == (f"the trained adapter could not be saved to {tmp_path / 'y.safetensors'} "
                      f"(disk full); it was saved to {tmp_path / 'fallback.safetensors'} instead")
    # an error carrying a `problem` (OutputError) reports that
    fake_training(monkeypatch, FakeAdapter(fail=_ProblemError("read-only")))
    monkeypatch.setattr(checkpoint, "save_fallback", lambda adapter, card: None)
    with pytest.raises(AdapterNotSaved) as err:
        ws.adapt(qs, mode="paper", save_to=tmp_path / "z.safetensors")
    assert err.value.problem == "read-only" and err.value.fallback is None
    assert str(err.value).endswith("(read-only); it is kept in memory for this session only")


class _ProblemError(Exception):
    """An error with a `problem` line, as OutputError has."""

    def __init__(self, problem):
        super().__init__("long text")
        self.problem = problem


def test_adapter_not_saved_message():
    e = AdapterNotSaved("a/b.safetensors", "no space", None, "A")
    assert e.path == Path("a/b.safetensors") and e.problem == "no space" and e.fallback is None and e.adapter == "A"
    assert str(e) == "the trained adapter could not be saved to a/b.safetensors (no space); " \
                     "it is kept in memory for this session only"
    assert isinstance(e, GeolocatorError)


def test_adapter_folder_and_default_path(tmp_path, monkeypatch):
    import platformdirs

    from geolocator.core.adapt.checkpoint import tileset_content_key

    assert adapter_folder(Settings(adapter_dir=str(tmp_path / "ad"))) == tmp_path / "ad"
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda name: str(tmp_path / "data" / name))
    assert adapter_folder(Settings()) == tmp_path / "data" / "geolocator" / "adapters"
    ws, _ = world(tmp_path)
    ws._backbone.name = "hf-hub:timm/vit:x"
    assert ws.default_adapter_path() == tmp_path / "adapters" / f"hf-hub_timm_vit_x-w1-{tileset_content_key(ws.tileset)}.safetensors"
    with pytest.raises(GeolocatorError, match="open a tile set first"):
        Workspace(settings(tmp_path)).default_adapter_path()


def test_load_saved_adapter(tmp_path, monkeypatch):
    from geolocator.core.adapt import RegionAdapter

    ws, _ = world(tmp_path)
    assert ws.load_saved_adapter() is False and ws.adapter is None
    path = ws.default_adapter_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"x")
    seen = []
    monkeypatch.setattr(RegionAdapter, "load", staticmethod(
        lambda p, expect_backbone=None: seen.append((Path(p), expect_backbone)) or SimpleNamespace(card={"backbone": "fake-net"})))
    assert ws.load_saved_adapter() is True
    assert seen == [(path, "fake-net")] and ws.adapter.card == {"backbone": "fake-net"}


def test_set_adapter_checks_the_backbone(tmp_path):
    ws, _ = world(tmp_path)
    with pytest.raises(AdapterMismatch) as err:
        ws.set_adapter(SimpleNamespace(card={"backbone": "other-net"}))
    assert str(err.value) == "the adapter was trained on other-net features, but the backbone in use is fake-net"
    assert ws.adapter is None
    for ok in (SimpleNamespace(card={"backbone": "fake-net"}), SimpleNamespace(card={}), SimpleNamespace(card=None),
               SimpleNamespace(), SimpleNamespace(card={"backbone": ""})):
        ws.set_adapter(ok)
        assert ws.adapter is ok
    ws.set_adapter(None)
    assert ws.adapter is None
    bare = Workspace(settings(tmp_path))  # no tile set yet: no backbone is loaded to check
    other = SimpleNamespace(card={"backbone": "other-net"})
    bare.set_adapter(other)
    assert bare.adapter is other and bare._backbone is None


def test_workspace_state_changes(tmp_path):
    ws = Workspace()
    assert ws.settings == Settings() and ws.tileset is None and ws.adapter is None and ws.last is None
    assert ws.tile_failures == {} and ws.store is None and ws._backbone is None and ws._verifier is None
    assert ws._tile_features is None and ws._cache is None
    s = settings(tmp_path)
    assert Workspace(s).settings is s
    ws, qs = world(tmp_path)
    ws.locate(qs)
    ws._adapter, ws._store, ws.tile_failures = object(), object(), {1: "bad"}
    tiles = grid()
    ws.open_tiles(tiles)
    assert ws.tileset is tiles and ws._tile_features is None and ws._store is None and ws.tile_failures == {}
    assert ws.adapter is None and ws._verifier is None and ws.last is None
    ws._tile_features, ws._store, ws._adapter = object(), object(), object()
    loaded = object()
    ws.set_backbone("net2", Path("w.pt"), loaded=loaded)
    assert (ws.settings.backbone, ws.settings.weights, ws._backbone) == ("net2", Path("w.pt"), loaded)
    assert ws._tile_features is None and ws._store is None and ws.adapter is None
    ws.set_backbone("net3")
    assert ws.settings.weights is None and ws._backbone is None


def test_set_matcher(tmp_path):
    ws, _ = world(tmp_path)
    v0 = ws._verifier
    ws.set_matcher("sift")
    assert ws._verifier is v0
    ws.set_matcher("xfeat-mnn")
    assert ws.settings.matcher == "xfeat-mnn" and ws._verifier is None
    with pytest.raises(ValueError) as err:
        ws.set_matcher("orb")
    from geolocator.core.matchers import MATCHERS

    assert str(err.value) == f"unknown matcher 'orb': choose one of {', '.join(MATCHERS)}"
    assert ws.settings.matcher == "xfeat-mnn"


def test_queries_fingerprint_is_ids_and_files_only(tmp_path):
    import hashlib

    from geolocator.core.media.query_image import query_key

    a, b = query("a", centre_of(0)), query("b")
    # sha256 of "id|content key" lines, 16 hex digits (the docstring's rule)
    want = hashlib.sha256(f"a|{query_key(a)}\nb|{query_key(b)}\n".encode()).hexdigest()[:16]
    assert queries_fingerprint([a, b]) == want
    assert queries_fingerprint([query("a", centre_of(3)), b]) == want  # truth plays no part
    assert queries_fingerprint([b, a]) != want and queries_fingerprint([]) == hashlib.sha256().hexdigest()[:16]


def test_evaluate_reads_the_predictions_given(tmp_path):
    ws, qs = world(tmp_path, verify=False)
    preds = ws.locate(qs)
    base = ws.evaluate()
    moved = [p.__class__(**{**p.__dict__, "tile_error_m": 5.0 + i}) for i, p in enumerate(preds)]
    ev = ws.evaluate(moved)
    assert ev.median_error_m == pytest.approx(5.5) and base.median_error_m > 1000  # a, b have truth: 5, 6
    assert ws.evaluate(None).median_error_m == base.median_error_m


# -- index, embed, the store and the TileIndex (the backbone's work replaced by spies) -------------

def plain_workspace(tmp_path, **kw) -> Workspace:
    ws = Workspace(settings(tmp_path, **kw))
    ws._backbone = SimpleNamespace(name="fake-net", weights_id="w1", device="cpu", dim=N, signature="fake-net|w1|gem")
    ws.open_tiles(grid())
    return ws


def test_open_store_and_index(tmp_path, monkeypatch):
    from geolocator.core import extract
    from geolocator.core.extract import IndexResult
    from geolocator.core.store import store_dir

    calls = []
    stored = tile_features() * np.arange(1, N + 1, dtype=np.float32)[:, None, None] / 8  # rows told apart

    def fake_into_store(items, backbone, store, *, batch_size, progress, cancel, stage, compute):
        calls.append((len(items), backbone, batch_size, progress, cancel, stage, compute))
        store.append([t.id for t in items], stored)
        return IndexResult(rows=order, failed={4: "unreadable"})

    monkeypatch.setattr(extract, "extract_into_store", fake_into_store)
    ws = plain_workspace(tmp_path, batch_size=7, store_dtype="float32")
    store = ws.open_store()
    want_root = store_dir(tmp_path / "cache" / "stores", ws.tileset.fingerprint(), "fake-net|w1|gem",
                          ROTATION_VIEWS, "float32")
    assert store.root == want_root and store.views == ROTATION_VIEWS and store.dim == N
    assert store.dtype == "float32" and store.signature == "fake-net|w1|gem"
    order = np.arange(N)
    prog, cancel, compute = object(), object(), object()
    feats = ws.index(progress=prog, cancel=cancel, compute=compute)
    assert calls == [(6, ws.backbone, 7, prog, cancel, "extract:tiles", compute)]
    np.testing.assert_array_equal(feats, stored)
    assert isinstance(feats, np.memmap)  # the store's own rows, no copy
    assert ws.tile_failures == {4: "unreadable"} and ws.store is not None and ws.store.root == want_root
    assert ws.index() is feats and len(calls) == 1  # computed once
    # rows out of order (a store shared with another tile set): gathered in the tile set's order
    ws.open_tiles(grid())
    order = np.array([5, 4, 3, 2, 1, 0])
    got = ws.index()
    np.testing.assert_array_equal(got, stored[order])
    assert not isinstance(got, np.memmap) and got.dtype == np.float32
    half = plain_workspace(tmp_path / "h", store_dtype="float16")
    assert half.index().dtype == np.float16 and half.index().tolist() == stored[order].tolist()
    with pytest.raises(GeolocatorError, match="open a tile set first"):
        Workspace(settings(tmp_path)).index()


def test_embed(tmp_path, monkeypatch):
    from geolocator.core import extract
    from geolocator.core.extract import ExtractResult

    calls = []

    def fake_features(items, backbone, *, views, cache, batch_size, progress, cancel, stage):
        calls.append((len(items), backbone, views, cache, batch_size, progress, cancel, stage))
        feats = np.arange(len(items) * len(views) * N, dtype=np.float32).reshape(len(items), len(views), N)
        return ExtractResult(feats, failed={1: "not a photo"})

    monkeypatch.setattr(extract, "extract_features", fake_features)
    ws = plain_workspace(tmp_path, batch_size=5, rotate_photos_above=0)
    qs = [query("a"), query("b"), query("c")]
    prog, cancel = object(), object()
    ok, feats, failures = ws.embed(qs, progress=prog, cancel=cancel)
    assert calls == [(3, ws.backbone, ROTATION_VIEWS, ws.cache, 5, prog, cancel, "extract:queries")]
    assert ok == (qs[0], qs[2]) and failures == {qs[1].path: "not a photo"}
    full = np.arange(3 * 8 * N, dtype=np.float32).reshape(3, 8, N)
    np.testing.assert_array_equal(feats, full[[0, 2]])


def test_cache_follows_use_cache(tmp_path):
    from geolocator.core.cache import FeatureCache, NoCache

    ws = plain_workspace(tmp_path)
    assert isinstance(ws.cache, FeatureCache) and ws.cache.root == tmp_path / "cache" and ws.cache is ws.cache
    assert isinstance(plain_workspace(tmp_path, use_cache=False).cache, NoCache)


def test_tile_index_is_built_once_saved_and_reloaded(tmp_path, monkeypatch):
    from geolocator.core import extract
    from geolocator.core.extract import IndexResult
    from geolocator.core.retrieval import MappedFeatures, TileIndex

    def fake_into_store(items, backbone, store, **kw):
        store.append([t.id for t in items], tile_features())
        return IndexResult(rows=np.arange(len(items)), failed={})

    monkeypatch.setattr(extract, "extract_into_store", fake_into_store)
    built = []
    real_build = TileIndex.build.__func__
    monkeypatch.setattr(TileIndex, "build", classmethod(lambda cls, f, **kw: built.append(f) or real_build(cls, f, **kw)))
    ws = plain_workspace(tmp_path, store_dtype="float32")
    feats = ws.index()
    index = ws.tile_index()
    assert len(built) == 1 and built[0] is feats and index.n_tiles == 6
    path = ws.store.root / "index-6-6-0.faiss"
    assert path.exists()
    assert ws.tile_index() is index and ws.tile_index(frozen=True) is index and len(built) == 1
    # a new workspace on the same store loads the saved index instead of building
    ws2 = plain_workspace(tmp_path, store_dtype="float32")
    ws2.index()
    again = ws2.tile_index()
    assert len(built) == 1 and again.n_tiles == 6 and ws2.tile_index() is again  # loaded once, kept
    ids = again.search(np.eye(N, dtype=np.float32)[[2, 4]], 1)[1]
    assert ids.tolist() == [[2], [4]]
    # with an adapter: a lazily adapted view, its index in memory only (not saved), kept per adapter
    adapter = SimpleNamespace(transform_tiles=lambda x: x[..., ::-1])
    ws2._adapter = adapter
    searched = ws2.searched_tiles()
    assert isinstance(searched, MappedFeatures) and searched.features is ws2._tile_features
    assert ws2.searched_tiles(frozen=True) is ws2._tile_features
    adapted = ws2.tile_index()
    assert len(built) == 2 and isinstance(built[-1], MappedFeatures)
    assert adapted.search(np.eye(N, dtype=np.float32)[[0]], 1)[1].tolist() == [[5]]  # tile 5 holds e_0 now
    assert sorted(p.name for p in ws2.store.root.glob("index-*.faiss")) == ["index-6-6-0.faiss"]
    assert ws2.tile_index() is adapted and len(built) == 2
    assert ws2.tile_index(frozen=True) is not adapted and len(built) == 2  # the saved frozen one, loaded
    ws2._adapter = SimpleNamespace(transform_tiles=lambda x: x)
    ws2.tile_index()
    assert len(built) == 3  # another adapter: another index
    # a saved index of another size is not used
    ws3 = plain_workspace(tmp_path, store_dtype="float32")
    ws3.index()
    ws3.tile_failures = {0: "x"}  # another file name: index-6-6-1
    ws3.tile_index()
    assert len(built) == 4 and (ws3.store.root / "index-6-6-1.faiss").exists()


# -- progress and cancel reach every stage; the frozen search runs once ----------------------------

def spy_index_builds(monkeypatch):
    from geolocator.core.retrieval import TileIndex

    seen = []
    real_build = TileIndex.build.__func__

    def build(cls, features, **kw):
        seen.append((kw.get("progress"), kw.get("cancel")))
        return real_build(cls, features, **kw)

    monkeypatch.setattr(TileIndex, "build", classmethod(build))
    return seen


def test_locate_passes_progress_and_cancel(tmp_path, monkeypatch):
    from geolocator.core.progress import CancelToken

    builds = spy_index_builds(monkeypatch)
    prog, cancel = (lambda *a, **k: None), CancelToken()
    ws, qs = world(tmp_path)
    ws.locate(qs, progress=prog, cancel=cancel)
    assert ws.seen == [("index", prog, cancel), ("embed", prog, cancel)]
    assert ws.verifier.seen == [(prog, cancel)] and builds == []
    big, qs = world(tmp_path, dense_max=1)
    big.locate(qs, progress=prog, cancel=cancel)
    assert builds == [(prog, cancel)] and big.verifier.seen == [(prog, cancel)]


def test_cancel_during_verification_stops_before_widening(tmp_path):
    from geolocator.core.errors import Cancelled
    from geolocator.core.progress import CancelToken

    ws, qs = world(tmp_path, verify_widen=5)
    ws.verifier.cancel_after = True
    with pytest.raises(Cancelled):
        ws.locate(qs, cancel=CancelToken())


def test_photo_footprints_reach_verification_and_widening(tmp_path):
    """query_footprint_m(photo) goes to the verifier (the plausibility rule's expected size)."""
    ws, qs = world(tmp_path, verify_widen=5)
    object.__setattr__(qs[1], "footprint_m", 120.0)  # b: nothing verifies, so it is widened
    ws.locate(qs)
    first, *widened = ws.verifier.calls
    assert first[2] == [None, 120.0, None]
    assert [(c[0], c[2]) for c in widened] == [(["b"], 120.0)]


def test_a_confident_floor_above_min_inliers_widens_weak_photos(tmp_path):
    """VerifySettings.confident_at: with confident_inliers 15, c's 9 inliers (verified, not
    confident) get its next tiles verified too; with the default (min_inliers for SIFT) not."""
    ws, qs = world(tmp_path, verify_widen=5, vs={"confident_inliers": 15})
    ws.locate(qs)
    assert sorted(c[0][0] for c in ws.verifier.calls[1:]) == ["b", "c"]
    ws2, qs2 = world(tmp_path, verify_widen=5)
    ws2.locate(qs2)
    assert [c[0][0] for c in ws2.verifier.calls[1:]] == ["b"]


def test_adapt_passes_progress_and_cancel_and_searches_once(tmp_path, monkeypatch):
    from geolocator.core.adapt import geometric
    from geolocator.core.progress import CancelToken

    prog, cancel = (lambda *a, **k: None), CancelToken()
    runs = fake_training(monkeypatch)
    labels_seen = []
    monkeypatch.setattr(geometric, "geometric_labels",
                        lambda q, t, c, s, v, progress=None, cancel=None, workers=1: labels_seen.append((progress, cancel)) or [None] * len(q))
    builds = spy_index_builds(monkeypatch)
    ws, qs = world(tmp_path, dense_max=1, adapt_max_tiles=4)
    searches = []
    real = ws._frozen_candidates
    monkeypatch.setattr(ws, "_frozen_candidates", lambda *a, **k: searches.append(a[2:]) or real(*a, **k))
    ws.adapt(qs, seed=1, save_to=tmp_path / "a.safetensors", progress=prog, cancel=cancel)
    assert ws.seen[:2] == [("index", prog, cancel), ("embed", prog, cancel)]  # then searched_tiles' own
    assert searches == [(prog, cancel)]  # once, for the labels and the pool
    assert labels_seen == [(prog, cancel)] and builds == [(prog, cancel)]
    assert runs[0][2]["progress"] is prog and runs[0][2]["cancel"] is cancel
    # the frozen candidates without geometry, only for the pool: still searched once
    ws2, qs2 = world(tmp_path, verify=False, adapt_max_tiles=4)
    searches2 = []
    real2 = ws2._frozen_candidates
    monkeypatch.setattr(ws2, "_frozen_candidates", lambda *a, **k: searches2.append(a[2:]) or real2(*a, **k))
    ws2.adapt(qs2, save_to=tmp_path / "b.safetensors", progress=prog, cancel=cancel)
    assert searches2 == [(prog, cancel)]
    # geometric_labels without candidates searches them itself, with the same progress/cancel
    ws3, qs3 = world(tmp_path, dense_max=1)
    ok, feats, _ = ws3.embed(qs3)
    ws3.geometric_labels(list(ok), feats, ws3.index(), progress=prog, cancel=cancel)
    assert labels_seen[-1] == (prog, cancel) and builds[-1] == (prog, cancel) and len(builds) == 2


def test_adapt_default_path_pool_seed_and_no_needless_search(tmp_path, monkeypatch):
    runs = fake_training(monkeypatch)
    ws, qs = world(tmp_path, verify=False)
    ad = ws.adapt(qs)  # save_to None: the default adapter path
    assert ad.saved[0][0] == ws.default_adapter_path()
    # at exactly adapt_max_tiles tiles, no pool and no frozen search
    ws2, qs2 = world(tmp_path, verify=False, adapt_max_tiles=6)
    searches = []
    monkeypatch.setattr(ws2, "_frozen_candidates", lambda *a, **k: searches.append(1))
    ws2.adapt(qs2, save_to=tmp_path / "b.safetensors")
    assert searches == [] and runs[-1][0].shape[0] == 6
    # the pool's random others follow the seed: what _adaptation_pool gives for that seed
    # (candidates a: 0, b: 5, c: 3 with verify_candidates 1; cap 5: 2 of 1, 2, 4 at random)
    ws3, qs3 = world(tmp_path, verify=False, adapt_max_tiles=5)
    ws3.settings.verify_candidates = 1
    cand = np.array([[0], [5], [3]])
    pools = set()
    for seed in range(6):
        ws3.adapt(qs3, seed=seed, save_to=tmp_path / f"s{seed}.safetensors")
        want, _ = ws3._adaptation_pool(None, tile_features(), None, seed, None, None, cand)
        np.testing.assert_array_equal(runs[-1][0], tile_features()[want])
        pools.add(tuple(want))
    assert len(pools) > 1


def test_adaptation_pool_anchor_on_tile_zero_and_its_own_search(tmp_path, monkeypatch):
    from geolocator.core.progress import CancelToken

    ws, qs = world(tmp_path)
    ws.settings.adapt_max_tiles = 3
    cand = np.array([[4], [5]])
    pool, pa = ws._adaptation_pool(None, tile_features(), np.array([0, -1]), 0, None, None, cand)
    assert pool.tolist() == [0, 4, 5] and pa.tolist() == [0, -1]
    pool, pa = ws._adaptation_pool(None, tile_features(), np.array([-1, 0]), 0, None, None, np.array([[2], [1]]))
    assert pool.tolist() == [0, 1, 2] and pa.tolist() == [-1, 0]
    # without candidates: its own frozen search, with progress and cancel (the TileIndex route)
    builds = spy_index_builds(monkeypatch)
    ws.settings.dense_max = 1
    ws.settings.verify_candidates = 1
    prog, cancel = (lambda *a, **k: None), CancelToken()
    feats = ws.embed(qs)[1]
    pool, _ = ws._adaptation_pool(feats, tile_features(), None, 0, prog, cancel)
    assert builds == [(prog, cancel)] and pool.tolist() == [0, 3, 5]  # a: 0, b: 5, c: 3


def test_dense_max_boundary(tmp_path, monkeypatch):
    """6 tiles x 8 views = 48 vectors: dense up to dense_max 48, the TileIndex above it (both the
    locate search and the frozen search)."""
    builds = spy_index_builds(monkeypatch)
    ws, qs = world(tmp_path, verify=False, dense_max=48)
    ws._frozen_candidates(ws.embed(qs)[1], ws.index())
    assert builds == []
    ws.locate(qs)
    assert ws.last.similarity is not None and builds == []
    ws.settings.dense_max = 47
    ws._frozen_candidates(ws.embed(qs)[1], ws.index())
    assert len(builds) == 1
    ws.locate(qs)
    assert ws.last.similarity is None and len(builds) == 1  # the same frozen index (no adapter): built once


def test_priors_reach_the_large_route(tmp_path):
    """IndexCandidates gets the tiles and the priors: the GNSS circle of the dense test, through
    the TileIndex."""
    ws, _ = world(tmp_path, gnss_prior_m=600.0, dense_max=1)
    ws.settings.verify_candidates = ws.settings.top_k = 3
    qa = Query("a", Path("/nonexistent/photos/a.jpg"), truth=centre_of(0), truth_source="exif")
    preds = ws.locate([qa])
    assert [m.tile.id for m in preds[0].matches] == ["r0c0", "r0c1", "r1c0"]  # tile 2 (0.7) is outside


def test_heading_prior_narrows_the_tile_views(tmp_path):
    """Settings.heading_prior with a recorded gimbal yaw: only tile views near the heading are
    compared. Tile 2 looks like photo a only at its rot180 view (0.99), far from any recorded
    heading's 67.5-degree window around rot0 (yaw 0, either sign convention); every other view of
    every tile is e_i as before. Without the prior tile 2 is first (tied with 5, lower index first);
    with it tile 5, then tile 0."""
    from geolocator.core.model import PhotoMeta

    tiles = tile_features()
    tiles[2] = 0
    tiles[2, :, 2] = 1.0  # e_2 at every view ...
    tiles[2, 4] = 0
    tiles[2, 4, 5] = 1.0  # ... but rot180 (view 4) is e_5 instead
    photos = {"a": [0.9, 0.8, 0.1, 0.1, 0.2, 0.99]}
    ws = FakeWorkspace(settings(tmp_path, verify=False, top_k=2), photos, tiles=tiles)
    qa = Query("a", Path("/nonexistent/photos/a.jpg"), meta=PhotoMeta(gimbal_yaw_deg=0.0))
    assert [m.tile.id for m in ws.locate([qa])[0].matches] == ["r0c2", "r1c2"]  # 0.99, 0.99: index order
    ws.settings.heading_prior = True
    assert [m.tile.id for m in ws.locate([qa])[0].matches] == ["r1c2", "r0c0"]  # tile 2's rot180 not compared


def test_blank_photo_is_not_located(tmp_path):
    """content_free_reason (a uniform frame) reaches the predictions, with and without verification."""
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("RGB", (64, 48), (128, 128, 128)).save(blank)
    qb = Query("a", blank)
    for verify in (False, True):
        ws, _ = world(tmp_path, verify=verify)
        p, = ws.locate([qb])
        assert p.status == "not located" and p.confidence == 0 and p.note.startswith("blank frame")


def test_low_texture_photo_claims_little_unless_verified(tmp_path):
    """A low-texture photo (content.is_low_texture: grey std below MIN_SPREAD, e.g. open water)
    that nothing verifies claims at most LOW_TEXTURE_CEILING instead of RETRIEVED_CEILING, with
    and without verification; a verified one keeps its verified confidence."""
    from PIL import Image

    from geolocator.core.predict import LOW_TEXTURE_CEILING, RETRIEVED_CEILING

    rng = np.random.default_rng(0)
    files = {}
    for name, sigma in (("water", 3.0), ("ground", 30.0)):  # grey std ~3 (water) and ~30 (ground)
        files[name] = tmp_path / f"{name}.png"
        Image.fromarray(np.clip(128 + rng.normal(0, sigma, (48, 64)), 0, 255).astype(np.uint8)).save(files[name])
    for verify in (False, True):
        got = {}
        for name, path in files.items():
            ws, _ = world(tmp_path, verify=verify)
            pa, pb = ws.locate([Query("a", path), Query("b", path)])  # a verifies (with verification), b never
            got[name] = (pa, pb)
        (wa, wb), (ga, gb) = got["water"], got["ground"]
        assert wb.status == gb.status == "retrieved" and gb.confidence > 0
        assert wb.confidence == pytest.approx(gb.confidence * LOW_TEXTURE_CEILING / RETRIEVED_CEILING)
        if verify:
            assert wa.status == "verified" and wa.confidence == ga.confidence


def test_failures_are_kept_on_the_verified_routes(tmp_path):
    for dense_max in (50_000, 1):
        ws, qs = world(tmp_path, dense_max=dense_max)
        ws.locate([*qs, query("zzz")])
        assert ws.last.failures == {Path("/nonexistent/photos/zzz.jpg"): "unreadable"}


def test_large_evaluation_edges(tmp_path):
    """_evaluate_large against the dense evaluation: a truth on the edge of two tiles (2 positives,
    the others' rows padded), a truth given only as a tile name (truth.csv), a verified lift of
    tile 0 over the positive, predictions passed in, and no truth at all (None)."""
    from dataclasses import replace

    photos = {"a": [0.9, 0.8, 0.7, 0.1, 0.2, 0.3], "f": [0.3, 0.9, 0.8, 0.1, 0.2, 0.05],
              "g": [0.1, 0.2, 0.3, 0.6, 0.7, 0.8], "h": [0.5, 0.4, 0.3, 0.2, 0.1, 0.0]}
    table = {("f", 0): v(10)}
    qs = [query("a", LatLon(9.995, 0.01)),  # edge of tiles 0 and 1: both right
          query("f", centre_of(1)),  # tile 1 (cosine first) is passed by the lifted tile 0: rank 2
          Query("g", Path("/nonexistent/photos/g.jpg"), truth_tile="r0c2"),  # rank 4 by name
          query("h"),  # no truth
          query("g", LatLon(9.99, 0.01))]  # the corner of tiles 0, 1, 3, 4: 4 positives, g ranks 3 first
    dense = FakeWorkspace(settings(tmp_path, verify_candidates=3, top_k=3), photos, table)
    big = FakeWorkspace(settings(tmp_path, verify_candidates=3, top_k=3, dense_max=1), photos, table)
    dense.locate(qs)
    big.locate(qs)
    ed, eb = dense.evaluate(), big.evaluate()
    assert eb.n_queries == 4
    # a rank 1; f rank 2; g by name: tile 2 (0.3) after 5, 4, 3 -> rank 4; g at the corner: tile 3
    # (0.6) rank 3 first, then 4 (0.7) rank 2: AP of ranks 2, 3, 5, 6 (tiles 4, 3, 1, 0) for 4 positives
    corner_ap = (1 / 2 + 2 / 3 + 3 / 5 + 4 / 6) / 4
    assert (eb.r1, eb.r5) == pytest.approx((25.0, 100.0))
    assert eb.ap == pytest.approx(100 * (1 + 1 / 2 + 1 / 4 + corner_ap) / 4)
    assert (eb.r1, eb.r5, eb.ap) == pytest.approx((ed.r1, ed.r5, ed.ap))
    moved = [replace(p, tile_error_m=7.0, error_m=7.0) for p in big.last.predictions]
    assert big.evaluate(moved).median_error_m == pytest.approx(7.0)
    none = FakeWorkspace(settings(tmp_path, verify=False, dense_max=1), photos)
    none.locate([query("h")])
    assert none.evaluate() is None


def test_ties_keep_the_cosine_order_after_verification(tmp_path):
    """_verify re-ranks the candidates with a stable sort: 12 tiles in a row, photo cosines 1 at
    tiles 0, 3, 6, 9 and 0 elsewhere; tile 1 (5th candidate) verifies with 10 inliers and is lifted
    first; the ties keep the search's order (lower index first): 1, 0 3 6 9, 2 4 5 7 8 10 11.
    (numpy's default quicksort gives 1 0 6 3 9 ... on this row)"""
    tiles = TileSet(tuple(Tile(f"t{i}", Path(f"/nonexistent/t{i}.png"), Bounds(i * STEP, 9.99, (i + 1) * STEP, 10.0))
                          for i in range(12)), Path("/nonexistent"))

    class Row(Workspace):
        def index(self, *, progress=None, cancel=None):
            return np.repeat(np.eye(12, dtype=np.float32)[:, None, :], 8, axis=1)

        def embed(self, queries, *, progress=None, cancel=None):
            return tuple(queries), np.array([[[1, 0, 0] * 4]], np.float32), {}

    ws = Row(settings(tmp_path, verify_candidates=12, top_k=12))
    ws._backbone = SimpleNamespace(name="fake-net", weights_id="w1", device="cpu", dim=12, signature="s")
    ws.open_tiles(tiles)
    ws._verifier = SimpleNamespace(settings=VerifySettings(), verify=lambda q, t, c, **kw: [
        [Verification(10 if int(i) == 1 else 0) for i in c[0]]])
    p, = ws.locate([query("a")])
    assert [m.tile.id for m in p.matches] == [f"t{i}" for i in (1, 0, 3, 6, 9, 2, 4, 5, 7, 8, 10, 11)]
    assert [m.inliers for m in p.matches] == [10] + [0] * 11


def test_verifier_settings_follow_the_workspace_settings(tmp_path):
    """The `verifier` property (a property: mutmut does not mutate it) builds VerifySettings from
    Settings: candidates, matcher, mosaic, and the keypoint cache beside the feature cache."""
    ws = Workspace(settings(tmp_path, verify_candidates=7, verify_mosaic=1))
    vs = ws.verifier.settings
    assert (vs.candidates, vs.matcher, vs.mosaic) == (7, "sift", 1)
    assert vs.keypoint_cache == tmp_path / "cache" / "keypoints" and ws.verifier is ws.verifier
    assert Workspace(settings(tmp_path, use_cache=False)).verifier.settings.keypoint_cache is None
    # SIFT's fine pass reaches every verified candidate: 25 verified -> 25 (session 9: a photo's
    # tile 25th was never tried fine with the default 20); fewer verified keep the default 20
    assert Workspace(settings(tmp_path, verify_candidates=25)).verifier.settings.fine_candidates == 25
    assert vs.fine_candidates == 20


def test_without_a_cache_the_tile_store_lives_in_a_scratch_folder_removed_with_the_workspace(tmp_path):
    # `--cache-dir` unwritable -> the CLI sets use_cache=False ("running without a cache"); the store
    # used to be put under NoCache's root, os.devnull, and `locate` died with
    # "/dev/null/stores/…: a part of the path is a file, not a folder" (session 13, first-hour run).
    import gc

    ws = plain_workspace(tmp_path, use_cache=False)
    store = ws.open_store()
    assert os.devnull not in str(store.root) and not (tmp_path / "cache").exists()
    store.append([t.id for t in grid().tiles], tile_features())
    np.testing.assert_array_equal(store.array(), tile_features().astype(store.array().dtype))
    assert ws.open_store().root == store.root  # one scratch folder per workspace
    scratch = store.root
    while scratch.name != "stores":
        scratch = scratch.parent
    scratch = scratch.parent
    assert scratch.is_dir() and scratch.name.startswith("geolocator-store-")  # says whose it is in the temp folder
    del ws, store
    gc.collect()
    assert not scratch.exists()  # nothing left behind in the temp folder
