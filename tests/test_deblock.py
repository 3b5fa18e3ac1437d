"""Pixel replication undone before local features (core/deblock.py, route.replication_lattice).

Expected values come from how each image is built: a small random (or smooth) image enlarged by
repeating each pixel into a k x k block, then cropped by a known offset, has its block edges at
the crop's offset into the block lattice (edge between pixels i and i + 1 sits at i + 0.5), and
each block's centre holds that block's value.
"""

from __future__ import annotations

from dataclasses import replace
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


def tile_at(path: Path) -> Tile:
    return Tile(id=path.name, path=path, bounds=Bounds(west=4.0, south=51.0, east=4.001, north=51.001))


def test_verification_sees_smoothed_tiles_and_keeps_their_keypoints_apart(tmp_path):
    """The verifier's tiles are deblocked by default; with deblock off they are read as they are.
    The keypoint cache keeps the two apart (a cached blocky tile is not reused as a smooth one)."""
    path = tmp_path / "blocky.png"
    Image.fromarray(blocks(smooth_field(30), 10, 3, 7)).save(path)
    tile = tile_at(path)
    on = rerank.VerifySettings()
    assert on.deblock
    seen = np.asarray(rerank.verification_tile_image(tile, on).convert("L"), np.float64)
    assert replication_period(seen) is None
    off = replace(on, deblock=False)
    assert replication_period(np.asarray(rerank.verification_tile_image(tile, off).convert("L"), np.float64)) \
        == pytest.approx(10.0, rel=0.05)
    assert rerank._deblock_mark(on) != rerank._deblock_mark(off)
    assert "deblock=True" in on.evaluation_key() and "deblock=False" in off.evaluation_key()
    # SIFT finds block corners on the blocky tile; on the smoothed one it finds other (fewer) points
    a = rerank.tile_local_features(tile, on)
    b = rerank.tile_local_features(tile, off)
    assert len(a.points) != len(b.points) or not np.allclose(a.points, b.points)
