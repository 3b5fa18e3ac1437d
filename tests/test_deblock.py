"""Pixel replication undone before local features (core/deblock.py, route.replication_lattice).

Expected values come from how each image is built: a small random (or smooth) image enlarged by
repeating each pixel into a k x k block, then cropped by a known offset, has its block edges at
the crop's offset into the block lattice (edge between pixels i and i + 1 sits at i + 0.5), and
each block's centre holds that block's value.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from geolocator.core import rerank
from geolocator.core.deblock import smooth_replicated
from geolocator.core.model import Bounds, Tile
from geolocator.core.route import replication_lattice, replication_period

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


def blocks(small: np.ndarray, k: int, dy: int, dx: int, side: int = 256) -> np.ndarray:
    """`small` enlarged by k x k replication, cropped from row dy, column dx, side x side."""
    big = np.kron(small, np.ones((k, k), small.dtype))
    return big[dy:dy + side, dx:dx + side]


def smooth_field(n: int, seed: int = 0) -> np.ndarray:
    """A smooth n x n grey image (0-255): low-frequency sinusoids, as ground seen at coarse pixels."""
    y, x = np.mgrid[0:n, 0:n] / n
    rng = np.random.default_rng(seed)
    f = sum(np.sin(2 * np.pi * (a * x + b * y) + p) for a, b, p in rng.uniform([0.5, 0.5, 0], [2.5, 2.5, 6], (4, 3)))
    return np.clip(128 + 25 * f, 0, 255).astype(np.uint8)


def test_the_lattice_of_replicated_pixels_is_found_at_its_offset():
    small = np.random.default_rng(1).integers(0, 256, (30, 30)).astype(np.uint8)
    # crop 3 rows, 7 columns into 10 px blocks: block edges (originally at 9.5 + 10 j) move to
    # 6.5 (rows) and 2.5 (columns), modulo 10
    lattice = replication_lattice(blocks(small, 10, 3, 7).astype(np.float64))
    assert lattice is not None
    (px, py), (ex, ey) = lattice
    assert px == pytest.approx(10.0, abs=0.02) and py == pytest.approx(10.0, abs=0.02)
    assert ex == pytest.approx(2.5, abs=0.1) and ey == pytest.approx(6.5, abs=0.1)


def test_a_non_integer_block_is_measured_finer_than_the_period_grid():
    """Nearest-neighbour enlargement by 10.24 (rotterdam-ms: 2 m pixels at 5.12 px a metre) leaves
    blocks of 10 or 11 px averaging 10.24; replication_period's log grid steps 0.85 % (0.09 px)."""
    small = np.random.default_rng(2).integers(0, 256, (25, 25)).astype(np.uint8)
    big = cv2.resize(small, (256, 256), interpolation=cv2.INTER_NEAREST)
    (px, py), _ = replication_lattice(big.astype(np.float64))
    assert px == pytest.approx(10.24, abs=0.02) and py == pytest.approx(10.24, abs=0.02)


def test_smooth_replicated_keeps_each_block_value_and_leaves_no_lattice():
    small = smooth_field(30)
    tile = blocks(small, 10, 3, 7)
    out = np.asarray(smooth_replicated(Image.fromarray(tile)), np.float64)
    assert out.shape == tile.shape
    assert replication_period(out) is None  # no block edges left
    # block (r, c) of `small` covers rows 10 r - 3 .. 10 r + 6 of the crop: its centre lies between
    # rows 10 r + 1 and 10 r + 2 (and columns 10 c - 3, 10 c - 2); a smooth field is rebuilt there
    # to within a grey level or two
    r = np.arange(2, 24)
    rows, cols = 10 * r + 1, 10 * r - 3
    assert np.abs(out[rows[:, None], cols[None, :]] - small[r][:, r]).mean() < 2.0
    # between blocks the values ramp instead of stepping: the largest step between neighbours is a
    # fraction of the blocky tile's
    assert np.abs(np.diff(out, axis=1)).max() < 0.5 * np.abs(np.diff(tile.astype(np.float64), axis=1)).max()


def test_an_image_without_replication_is_returned_as_it_is():
    image = Image.open(DEMO / "tiles" / sorted(p.name for p in (DEMO / "tiles").glob("*.jpg"))[0])
    assert smooth_replicated(image) is image
    rgb = Image.fromarray(np.stack([blocks(smooth_field(30, s), 10, 0, 0) for s in (3, 4, 5)], axis=2))
    out = smooth_replicated(rgb)
    assert out.mode == "RGB" and out.size == rgb.size and replication_period(np.asarray(out.convert("L"), float)) is None


def tile_at(path: Path, west: float = 4.0) -> Tile:
    return Tile(id=path.name, path=path, bounds=Bounds(west=west, south=51.0, east=west + 0.001, north=51.001))


def features(tag: float) -> rerank.LocalFeatures:
    """A stand-in description whose single descriptor value names what was described."""
    return rerank.LocalFeatures(np.zeros((8, 2), np.float32), np.full((8, 128), tag, np.float32), (256, 256))


class Looks:
    """Stand-ins for describing and matching: a tile described smoothly gets tag 1000 + its index,
    as it is the index alone; a pair's inliers come from `plain` / `smooth` tables by index."""

    def __init__(self, monkeypatch, tiles, plain: dict, smooth: dict):
        self.smooth_described = []
        index = {t.id: i for i, t in enumerate(tiles)}

        def describe(tile, settings, contrast=None, zoom=1.0, smooth=False):
            if smooth:
                self.smooth_described.append(tile.id)
            return features(1000 * smooth + index[tile.id])

        def verify(photo, target, settings, share=None):
            tag = int(target.descriptors[0, 0])
            return rerank.Verification((smooth if tag >= 1000 else plain).get(tag % 1000, 0), (0.5, 0.5))

        monkeypatch.setattr(rerank, "tile_local_features", describe)
        monkeypatch.setattr(rerank, "verify_pair", verify)
        monkeypatch.setattr(rerank.Verifier, "photo", lambda self, query, fine=False: features(-1))


def sift_settings(**kw) -> rerank.VerifySettings:
    # the first pass alone: no fine or blind pass (they would verify the same stand-ins again)
    return rerank.VerifySettings(matcher="sift", fine_pass=False, blind_tilts=(), **kw)


def query_for(tmp_path) -> "rerank.Query":
    from geolocator.core.model import Query

    path = tmp_path / "photo.jpg"
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(path)
    return Query(id="photo.jpg", path=path)


def write_tiles(tmp_path, replicated: bool) -> list[Tile]:
    tiles = []
    for i in range(3):
        field = smooth_field(30, seed=10 + i)
        pixels = blocks(field, 10, 3, 7) if replicated else cv2.resize(field, (256, 256), interpolation=cv2.INTER_CUBIC)
        path = tmp_path / f"t{i}{'b' if replicated else 's'}.png"
        Image.fromarray(pixels).save(path)
        tiles.append(tile_at(path, 4.0 + 0.001 * i))
    return tiles


def test_a_second_look_at_smoothed_replicated_tiles_where_the_first_found_nothing_clear(tmp_path, monkeypatch):
    tiles = write_tiles(tmp_path, replicated=True)
    looks = Looks(monkeypatch, tiles, plain={0: 5}, smooth={0: 3, 1: 30})
    got = rerank.Verifier(sift_settings()).verify_photo(query_for(tmp_path), tiles, [0, 1, 2])
    # tile 0 keeps its better, first look (5 > 3); tile 1 gains its smooth look; tile 2 nothing
    assert [v.inliers for v in got] == [5, 30, 0]
    assert sorted(looks.smooth_described) == ["t0b.png", "t1b.png", "t2b.png"]
    # off: the first look only
    got = rerank.Verifier(sift_settings(deblock=False)).verify_photo(query_for(tmp_path), tiles, [0, 1, 2])
    assert [v.inliers for v in got] == [5, 0, 0]


def test_no_second_look_after_a_clear_match_or_on_tiles_without_replication(tmp_path, monkeypatch):
    blocky = write_tiles(tmp_path, replicated=True)
    looks = Looks(monkeypatch, blocky, plain={2: 8}, smooth={1: 30})  # 8 = min_inliers: SIFT's clear match
    assert [v.inliers for v in rerank.Verifier(sift_settings()).verify_photo(query_for(tmp_path), blocky, [0, 1, 2])] \
        == [0, 0, 8]
    assert looks.smooth_described == []
    sharp = write_tiles(tmp_path, replicated=False)
    looks = Looks(monkeypatch, sharp, plain={}, smooth={1: 30})
    assert [v.inliers for v in rerank.Verifier(sift_settings()).verify_photo(query_for(tmp_path), sharp, [0, 1, 2])] \
        == [0, 0, 0]
    assert looks.smooth_described == []


def test_smoothed_keypoints_are_kept_apart_from_the_tiles_as_they_are(tmp_path, monkeypatch):
    """The keypoint cache and the verifier's memory keep a tile's smoothed description apart from
    its description as it is, and the pair store keeps the setting in its key."""
    from geolocator.core.matchers.keypoint_cache import KeypointCache

    tile = write_tiles(tmp_path, replicated=True)[0]
    store = {}
    monkeypatch.setattr(KeypointCache, "get", lambda self, sig, ident: store.get((sig, ident)))
    monkeypatch.setattr(KeypointCache, "put", lambda self, sig, ident, f: store.__setitem__((sig, ident), f))
    monkeypatch.setattr(rerank, "tile_local_features",
                        lambda tile, s, contrast=None, zoom=1.0, smooth=False: features(1000 * smooth))
    monkeypatch.setattr("geolocator.core.matchers.get_matcher",
                        lambda name, device="cpu": type("M", (), {"signature": "fake"})())
    v = rerank.Verifier(rerank.VerifySettings(matcher="xfeat", keypoint_cache=tmp_path / "kp", max_side=256))
    assert v.tile(tile, smooth=True).descriptors[0, 0] == 1000 and v.tile(tile).descriptors[0, 0] == 0
    assert sorted(sig for sig, _ in store) == ["fake|side256", "fake|side256|smooth"]
    assert "deblock=True" in rerank.VerifySettings().evaluation_key()
    assert "deblock=False" in rerank.VerifySettings(deblock=False).evaluation_key()


def test_real_smoothing_reaches_the_keypoints(tmp_path):
    """Without stand-ins: a replicated tile's smooth description is found on pixels without block
    edges (SIFT's keypoints differ from those on the blocky pixels)."""
    tile = write_tiles(tmp_path, replicated=True)[0]
    s = rerank.VerifySettings()
    a, b = rerank.tile_local_features(tile, s, smooth=True), rerank.tile_local_features(tile, s)
    assert len(a.points) != len(b.points) or not np.allclose(a.points, b.points)


def test_on_a_tie_the_first_look_stands(tmp_path, monkeypatch):
    """The smoothed look replaces a pair's result only with MORE inliers: the first look's centre
    stays where both found as many."""
    tiles = write_tiles(tmp_path, replicated=True)
    Looks(monkeypatch, tiles, plain={0: 5}, smooth={0: 5})
    first = rerank.verify_pair  # the stand-in: centre (0.5, 0.5) for both looks; tell them apart
    monkeypatch.setattr(rerank, "verify_pair", lambda p, t, s, share=None: rerank.Verification(
        first(p, t, s, share).inliers, (0.25, 0.25) if t.descriptors[0, 0] >= 1000 else (0.5, 0.5)))
    got = rerank.Verifier(sift_settings()).verify_photo(query_for(tmp_path), tiles, [0])
    assert got[0].inliers == 5 and got[0].centre == (0.5, 0.5)


def test_a_mixed_tile_set_gets_the_second_look_on_its_replicated_tiles_only(tmp_path, monkeypatch):
    """Tiles from two sources: the replicated ones get the second look, the sharp ones do not."""
    blocky, sharp = write_tiles(tmp_path, replicated=True), write_tiles(tmp_path, replicated=False)
    tiles = [blocky[0], *sharp]
    looks = Looks(monkeypatch, tiles, plain={}, smooth={0: 30, 1: 30})
    got = rerank.Verifier(sift_settings()).verify_photo(query_for(tmp_path), tiles, [0, 1, 2, 3])
    assert [v.inliers for v in got] == [30, 0, 0, 0]
    assert looks.smooth_described == [blocky[0].id]


def test_a_large_sharp_tile_set_is_read_for_replication_once_on_a_sample(tmp_path, monkeypatch):
    """No tile of a sharp set is replicated: a sample of REPLICATION_SAMPLE tiles says so once, and
    no other tile is decoded for it, however many candidates go unverified."""
    import geolocator.core.sources.tile_image as tile_image

    tiles = []
    for i in range(60):  # 60 files: the verifier keeps what it read per file
        path = tmp_path / f"t{i}.png"
        Image.fromarray(cv2.resize(smooth_field(30, seed=i), (256, 256), interpolation=cv2.INTER_CUBIC)).save(path)
        tiles.append(tile_at(path, 4.0 + 0.001 * i))
    Looks(monkeypatch, tiles, plain={}, smooth={})
    decoded = []
    real = tile_image.open_tile_image
    monkeypatch.setattr(tile_image, "open_tile_image", lambda tile, **kw: decoded.append(tile.id) or real(tile, **kw))
    v = rerank.Verifier(sift_settings())
    assert [x.inliers for x in v.verify_photo(query_for(tmp_path), tiles, list(range(60)))] == [0] * 60
    assert len(decoded) == rerank.REPLICATION_SAMPLE
    v.verify_photo(query_for(tmp_path), tiles, list(range(60)))
    assert len(decoded) == rerank.REPLICATION_SAMPLE  # the same sequence: not sampled again


def test_a_learned_backends_second_look_stops_at_its_clear_match(tmp_path, monkeypatch):
    """As its first pass, a learned backend's second look stops at the first pair with a clear
    match (stop_at: 40 inliers): later pairs are not looked at again."""
    from geolocator.core.matchers import verify as learned

    tiles = write_tiles(tmp_path, replicated=True)
    looks = Looks(monkeypatch, tiles, plain={}, smooth={0: 45, 1: 50})
    stand_in = rerank.verify_pair  # Looks' table, read by the target's tag
    monkeypatch.setattr(learned, "headings_and_scores", lambda photo, targets: [((photo, np.eye(3)), 1) for _ in targets])
    monkeypatch.setattr(learned, "verify_pair", lambda p, t, s, share=None, heading=None: stand_in(p, t, s, share))
    got = rerank.Verifier(rerank.VerifySettings(matcher="xfeat")).verify_photo(query_for(tmp_path), tiles, [0, 1, 2])
    assert [v.inliers for v in got] == [45, 0, 0]
    assert looks.smooth_described == [tiles[0].id]
