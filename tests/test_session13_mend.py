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
