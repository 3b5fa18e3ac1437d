"""Adaptation's per-tile anchors (issue 13, session 31): on pixel-replicated tiles verified through
mosaics on a CPU, a photo the route's verifier leaves without an anchor is verified once more by a
second verifier matching each tile alone, and the stronger placement counts; the route asks for it
(Route.tile_anchors) and the Workspace builds that verifier (no mosaic, a few pairs, the route's
photo descriptions).

The fakes of test_geometric_exact: a fake verifier's direct matches, fake photo-photo links."""

import numpy as np
import pytest

from geolocator.core.adapt.geometric import GeoLabel, GeometrySettings, geometric_labels
from geolocator.core.rerank import LocalFeatures, VerifySettings
from geolocator.core.rerank import Verifier as RealVerifier
from .test_geometric_exact import T, TileSet, Verifier, make_fakes


def _learned(direct, no_photo=()):
    v = Verifier(direct, no_photo=no_photo)
    v.settings = VerifySettings(matcher="xfeat")  # stop_at() 40: a clear anchor has 40 inliers
    return v


def test_only_photos_the_route_left_unanchored_are_verified_tile_by_tile(monkeypatch):
    make_fakes(monkeypatch)
    names = ["a", "b", "c"]
    route = _learned({"a": [(55, T(0.0), (0.5, 0.5))], "b": [(20, T(0.0), (0.5, 0.5))], "c": [(0, T(0.0), None)]})
    # per tile: b clear on its second candidate, c only weak (below the early stop: no anchor)
    tiles = _learned({"b": [(0, T(0.0), None), (60, T(0.0), (0.5, 0.5))], "c": [(39, T(0.0), (0.5, 0.5))]})
    events = []
    labels = geometric_labels(names, TileSet(), np.array([[0, 1], [2, 3], [1, 2]]), np.zeros((3, 3)), route,
                              GeometrySettings(rounds=0), tile_verifier=tiles, progress=events.append)
    assert [q for q, _ in tiles.verified] == ["b", "c"]  # a was clear through the mosaics: not again
    assert tiles.verified == [("b", [2, 3]), ("c", [1, 2])]  # each with its own candidates
    assert tiles.passes_begun_at == [0]  # a pass of its own (mosaic skips never carry over)
    assert labels == [GeoLabel(0, 55, None), GeoLabel(3, 60, None), None]
    assert [e.message for e in events].count("matching photos to single tiles") == 2


def test_a_weaker_tile_match_keeps_the_route_s_and_none_keeps_the_old_labels(monkeypatch):
    make_fakes(monkeypatch)
    route = _learned({"a": [(45, T(0.0), (0.5, 0.5))], "b": [(41, T(0.0), (0.5, 0.5))]})
    route_settings = GeometrySettings(rounds=0, anchor_inliers=50)  # 41 and 45: placed, not anchors
    tiles = _learned({"a": [(44, T(0.0), (0.5, 0.5))], "b": [(70, T(0.0), (0.5, 0.5))]})
    labels = geometric_labels(["a", "b"], TileSet(), np.array([[0], [1]]), np.zeros((2, 2)), route,
                              route_settings, tile_verifier=tiles)
    assert tiles.verified == [("a", [0]), ("b", [1])]
    assert labels == [GeoLabel(0, 45, None), GeoLabel(1, 70, None)]  # a: 44 < 45 keeps the route's
    without = geometric_labels(["a", "b"], TileSet(), np.array([[0], [1]]), np.zeros((2, 2)), route, route_settings)
    assert without == [GeoLabel(0, 45, None), GeoLabel(1, 41, None)]


def test_chains_start_from_the_tile_anchors(monkeypatch):
    fakes = make_fakes(monkeypatch)
    route = _learned({"a": [(0, T(0.0), None)], "c": [(0, T(0.0), None)]})
    tiles = _learned({"a": [(50, T(0.0), (0.5, 0.5))], "c": [(0, T(0.0), None)]})
    s = np.zeros((2, 2))
    s[1, 0] = 0.9
    fakes.links[("c", "a")] = (45, np.eye(3))
    labels = geometric_labels(["a", "c"], TileSet(), np.array([[2], [1]]), s, route,
                              GeometrySettings(rounds=1, learned_links=0),
                              tile_verifier=tiles)
    assert labels == [GeoLabel(2, 50, None), GeoLabel(2, 45, 0)]
    assert [c[:2] for c in fakes.calls] == [("c", "a")]


def test_share_descriptions_only_between_verifiers_that_describe_alike(monkeypatch):
    main = RealVerifier(VerifySettings(matcher="xfeat", mosaic=1, mosaic_once=True))
    asked = []
    described = LocalFeatures(np.zeros((1, 2), np.float32), np.zeros((1, 64), np.float32), (8, 8))
    monkeypatch.setattr(main, "photo", lambda q: asked.append(q) or described)
    tile = RealVerifier(VerifySettings(matcher="xfeat", mosaic=0, patience=3))
    monkeypatch.setattr(tile, "photo", lambda q: pytest.fail("the tile verifier described a photo itself"))
    tile.share_descriptions(main)
    from geolocator.core import rerank

    monkeypatch.setattr(rerank, "query_key", lambda q: q)
    assert tile.described("p") is described and main.described("p") is described
    assert asked == ["p"]  # once, for both
    with pytest.raises(ValueError, match="describe photos differently"):
        RealVerifier(VerifySettings(matcher="xfeat", max_side=256)).share_descriptions(main)


def test_the_route_asks_for_tile_anchors_on_replicated_tiles_on_a_cpu_only(tmp_path, monkeypatch):
    from geolocator.core.route import choose_route
    from .test_auto_route import coarser, demo_tiles, replicated, write_tiles

    monkeypatch.setattr("geolocator.core.matchers.available", lambda name: True)
    blocky = write_tiles(tmp_path / "blocky", [replicated(a, 10) for a in demo_tiles()])
    coarse = write_tiles(tmp_path / "coarse", [coarser(a, 16) for a in demo_tiles()])
    sharp = write_tiles(tmp_path / "sharp", demo_tiles())
    on_cpu = choose_route(blocky, device="cpu")
    assert (on_cpu.matcher, on_cpu.mosaic, on_cpu.mosaic_once, on_cpu.tile_anchors) == ("xfeat", 1, True, True)
    assert "Adapt's anchors on each tile" in on_cpu.reason
    assert not choose_route(blocky, device="cuda").tile_anchors  # on each tile already
    assert not choose_route(coarse, device="cpu").tile_anchors
    assert not choose_route(sharp, device="cpu").tile_anchors


def test_the_workspace_builds_the_tile_verifier_from_the_route_s(tmp_path, monkeypatch):
    from geolocator.core.model import TileSet as RealTileSet
    from geolocator.core.pipeline import Settings, Workspace
    from .test_auto_route import coarser, demo_tiles, replicated, write_tiles

    monkeypatch.setattr("geolocator.core.matchers.available", lambda name: True)
    monkeypatch.setattr("geolocator.core.matchers.get_matcher", lambda *a, **k: None)  # no model loaded here
    blocky = write_tiles(tmp_path / "blocky", [replicated(a, 10) for a in demo_tiles()])
    ws = Workspace(Settings(matcher="auto", device="cpu", cache_dir=tmp_path / "cache"))
    ws.open_tiles(RealTileSet(tuple(blocky), tmp_path / "blocky"))
    assert ws.route().tile_anchors
    tile = ws._tile_anchor_verifier()
    main = ws.verifier
    assert (tile.settings.mosaic, tile.settings.mosaic_once, tile.settings.deblock) == (0, False, False)
    assert main.settings.deblock and tile.settings.learned_blind == 0
    assert tile.settings.patience == GeometrySettings().tile_anchor_pairs > 0
    assert tile.settings.matcher == main.settings.matcher == "xfeat"
    assert tile.settings.keypoint_cache == main.settings.keypoint_cache and tile.store is not None
    assert tile._described_by is main
    coarse = write_tiles(tmp_path / "coarse", [coarser(a, 16) for a in demo_tiles()])
    other = Workspace(Settings(matcher="auto", device="cpu", cache_dir=tmp_path / "cache2"))
    other.open_tiles(RealTileSet(tuple(coarse), tmp_path / "coarse"))
    assert other._tile_anchor_verifier() is None
    chosen = Workspace(Settings(matcher="xfeat", device="cpu", cache_dir=tmp_path / "cache3"))
    chosen.open_tiles(RealTileSet(tuple(blocky), tmp_path / "blocky"))
    assert chosen._tile_anchor_verifier() is None  # a matcher asked for: its own anchors, as before


def test_the_workspace_gives_the_tile_verifier_to_the_labels_only_where_the_route_asks(tmp_path, monkeypatch):
    from geolocator.core.adapt import geometric
    from geolocator.core.model import TileSet as RealTileSet
    from geolocator.core.pipeline import Settings, Workspace
    from .test_auto_route import coarser, demo_tiles, replicated, write_tiles

    monkeypatch.setattr("geolocator.core.matchers.available", lambda name: True)
    monkeypatch.setattr("geolocator.core.matchers.get_matcher", lambda *a, **k: None)
    given = []
    monkeypatch.setattr(geometric, "geometric_labels", lambda *a, **k: given.append(k) or [])
    for name, arrays in (("blocky", [replicated(a, 10) for a in demo_tiles()]),
                         ("coarse", [coarser(a, 16) for a in demo_tiles()])):
        ws = Workspace(Settings(matcher="auto", device="cpu", cache_dir=tmp_path / f"cache-{name}"))
        ws.open_tiles(RealTileSet(tuple(write_tiles(tmp_path / name, arrays)), tmp_path / name))
        ws.geometric_labels([], np.zeros((0, 1, 4), np.float32), np.zeros((3, 1, 4), np.float32),
                            candidates=np.zeros((0, 2), np.int64))
    blocky, coarse = given
    assert blocky["tile_verifier"].settings.mosaic == 0 and "tile_verifier" not in coarse
