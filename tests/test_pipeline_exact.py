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

    def verify(self, queries, tiles, candidates, footprints=None, progress=None, cancel=None):
        self.calls.append(([q.id for q in queries], np.array(candidates), footprints))
        return [[self.table.get((q.id, int(c)), Verification(0)) for c in row] for q, row in zip(queries, candidates)]

    def verify_photo(self, query, tiles, candidates, footprint=None):
        self.calls.append(([query.id], np.array([candidates]), footprint))
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

    def index(self, *, progress=None, cancel=None):
        self._require_tiles()
        self._tile_features = self._fake_tiles  # what index() keeps (tile_index checks it)
        return self._fake_tiles

    def embed(self, queries, *, progress=None, cancel=None):
        ok = [q for q in queries if q.id in self._fake_photos]
        feats = np.stack([np.asarray(self._fake_photos[q.id], np.float32).reshape(-1, N) for q in ok]) if ok \
            else np.zeros((0, 1, N), np.float32)
        return tuple(ok), feats, {q.path: "unreadable" for q in queries if q.id not in self._fake_photos}


def query(name: str, truth: LatLon | None = None) -> Query:
    return Query(name, Path(f"/nonexistent/photos/{name}.jpg"), truth=truth)


def settings(tmp_path: Path, **kw) -> Settings:
    return Settings(cache_dir=tmp_path / "cache", adapter_dir=tmp_path / "adapters", device="cpu", **kw)


CORNERS = ((0.25, 0.25), (0.75, 0.25), (0.75, 0.75), (0.25, 0.75))


def v(inliers: int, centre=(0.5, 0.5), corners=CORNERS) -> Verification:
    return Verification(inliers, centre, None, corners)


# -- locate with verification, dense -------------------------------------------------------------

def world(tmp_path, **kw):
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
    return FakeWorkspace(s, photos, table), [query("a", centre_of(2)), query("b", centre_of(1)), query("c")]


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
    with pytest.raises(GeolocatorError, match="open a tile set first"):
        ws.locate([query("a")])
    with pytest.raises(GeolocatorError, match="locate some queries first"):
        ws.evaluate()


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
    ws.settings.verify_candidates = 5
    qa = Query("a", Path("/nonexistent/photos/a.jpg"), truth=centre_of(0), truth_source="exif")
    preds = ws.locate([qa])
    (_, cands, _), = ws.verifier.calls
    assert cands.tolist() == [[0, 1, 3, 2, 4]]
    assert preds[0].matches[0].tile.id == "r0c0" and preds[0].matches[0].inliers == 0
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
    preds = ws.locate(qs)
    assert len(ws.verifier.calls) == 2
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
        assert len(pool) == 5 and {0, 1, 3, 5} <= set(pool.tolist()) and list(pool) == sorted(pool)
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

    def fake_labels(queries, tiles, candidates, similarity, verifier, progress=None, cancel=None):
        calls.append((list(queries), tiles, np.array(candidates), np.array(similarity), verifier, progress, cancel))
        return [GeoLabel(2, 20) if q.id == "a" else GeoLabel(4, 9, via=0) if q.id == "c" else None for q in queries]

    monkeypatch.setattr(geometric, "geometric_labels", fake_labels)
    ws, qs = world(tmp_path)
    ok, feats, _ = ws.embed(qs)
    prog, cancel = object(), object()
    anchors, summary = ws._geometric_anchors(list(ok), feats, ws.index(), prog, cancel)
    assert anchors.tolist() == [2, -1, 4] and anchors.dtype == np.int64
    assert summary == {"used": True, "sampled_photos": 3, "direct": 1, "chained": 1, "unlabelled": 1}
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
    assert summary == {"used": True, "sampled_photos": 3, "direct": 3, "chained": 0, "unlabelled": 4}
    monkeypatch.setattr(geometric, "GeometrySettings", lambda: SimpleNamespace(max_photos=7))
    assert ws._geometric_anchors(seven, f7, ws.index(), None, None, np.arange(14).reshape(7, 2))[1]["sampled_photos"] == 7
