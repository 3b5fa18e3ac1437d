"""Faults seen in session 12 and mended in session 13 (task "mend"). Each test failed before its fix."""

from pathlib import Path

import numpy as np

from geolocator.core import rerank
from geolocator.core.model import Bounds, Query, Tile
from geolocator.core.rerank import LocalFeatures, Verification, Verifier, VerifySettings

# ------------------------------------------------ 1. one cache of photo descriptions (Verifier.described)


def _described_world(tmp_path: Path, monkeypatch):
    """Two photo files, three tile files; Verifier.photo, the tiles' description and the matcher
    faked. Returns (photos described, in order; the queries a and b; the tiles). Each description
    holds 4 x 2 + 4 x 128 float32 = 2080 bytes; every pair verifies with 12 inliers (at the fine
    pass's threshold: no fine pass)."""
    described = []

    def photo(self, query, *, fine=False):
        described.append((query.id, fine))
        return LocalFeatures(np.zeros((4, 2), np.float32), np.zeros((4, 128), np.float32), (100, 100))

    monkeypatch.setattr(Verifier, "photo", photo)
    monkeypatch.setattr(rerank, "tile_local_features", lambda tile, settings, **kw: LocalFeatures(
        np.zeros((4, 2), np.float32), np.zeros((4, 128), np.float32), (100, 100)))
    monkeypatch.setattr(rerank, "verify_pair", lambda p, t, s, share=None: Verification(12, (0.5, 0.5), np.eye(3)))
    queries = []
    for name in ("a", "b"):
        (tmp_path / f"{name}.jpg").write_bytes(name.encode())
        queries.append(Query(name, tmp_path / f"{name}.jpg"))
    tiles = []
    for i in range(3):
        (tmp_path / f"t{i}.png").write_bytes(b"t" * (i + 1))
        tiles.append(Tile(f"t{i}", tmp_path / f"t{i}.png", Bounds(0.001 * i, 0.0, 0.001 * i + 0.001, 0.001)))
    return described, queries, tiles


def test_a_description_larger_than_the_budget_is_kept_alone_until_the_next_photo(tmp_path, monkeypatch):
    described, (a, b), tiles = _described_world(tmp_path, monkeypatch)
    monkeypatch.setattr(rerank, "PHOTO_MEMORY_BYTES", 1000)  # less than one description (2080 bytes)
    v = Verifier(VerifySettings(fine_pass=False))
    v.verify_photo(a, tiles, [0])
    v.verify_photo(a, tiles, [1], 150.0)  # widening (here with another footprint: another pair key)
    v.described(a)  # an adaptation chain at once after
    # described once (before: the chain described it again: only the verifier's private "last
    # photo" held it, the cache of descriptions refused it)
    assert described == [("a", False)]
    v.verify_photo(b, tiles, [0])  # the next photo's description takes its place: a is dropped
    v.described(b)
    assert described == [("a", False), ("b", False)]
    v.described(a)
    assert described == [("a", False), ("b", False), ("a", False)]


def test_a_photo_is_described_once_for_its_verification_widening_and_chains(tmp_path, monkeypatch):
    described, (a, b), tiles = _described_world(tmp_path, monkeypatch)
    v = Verifier(VerifySettings(fine_pass=False))
    for q in (a, b):
        v.verify_photo(q, tiles, [0])
    v.verify_photo(a, tiles, [1, 2])  # widening a after b
    v.described(b), v.described(a)  # a chain b -> a
    assert described == [("a", False), ("b", False)]


# ------------------------------------------------ 2. the Python API's default matcher is the CLI's and the app's


def test_the_python_api_verifies_coarse_tiles_as_the_cli_does(tmp_path, monkeypatch):
    import pytest

    from tests.test_auto_route import DEMO, coarser, demo_tiles, region

    if not (DEMO / "tiles.csv").is_file():
        pytest.skip("demo region missing")
    from geolocator.cli import _workspace, build_parser
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.queries import load_region
    from geolocator.gui.settings import AppSettings

    monkeypatch.setattr("geolocator.core.matchers.available", lambda name: True)
    # demo tiles decimated 16x and brought back: 256 / 16 = 16 real px across by construction,
    # under route.COARSE_BELOW_PX (32), so "auto" must take the coarse route
    folder = region(tmp_path / "r", [coarser(a, 16) for a in demo_tiles()], truth=False)
    tiles = load_region(folder).tiles
    api = Workspace(Settings(cache_dir=tmp_path / "cache", use_cache=False))  # every other default as it is
    cli = _workspace(build_parser().parse_args(["eval", str(folder), "--cache-dir", str(tmp_path / "cache")]))
    for ws in (api, cli):
        ws.open_tiles(tiles)
    # before: the Python API verified these tiles with SIFT (its default "sift"), the CLI with xfeat
    assert api.settings.matcher == cli.settings.matcher == AppSettings().matcher == "auto"
    assert api.route() == cli.route() and api.route().matcher == "xfeat"
    assert api.verifier.settings.matcher == "xfeat" and api.widen_to() == cli.widen_to() == 64
