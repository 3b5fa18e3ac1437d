"""A synthetic cross-view problem with known answers, for tests and speed benchmarks.

Each place has a latent vector. A tile's view v is the place plus a view-specific perturbation (what a
rotation does to a global feature); a photo sees one random view of its place through a different
"sensor": a random linear distortion, a domain offset and noise. Frozen features then match only
weakly across domains — the situation adaptation has to fix without labels.
"""

from __future__ import annotations

import numpy as np


def _norm(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def synthetic_cross_view(n_tiles: int = 60, per_tile: int = 5, views: int = 8, dim: int = 96, *,
                         view_noise: float = 0.7, distortion: float = 0.8, offset: float = 1.0,
                         noise: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tile features (N, V, D), photo features (Q, D), true tile index of each photo (Q,))."""
    rng = np.random.default_rng(seed)
    place = rng.normal(size=(n_tiles, 1, dim))
    view_part = view_noise * rng.normal(size=(n_tiles, views, dim))
    tile_offset = offset * rng.normal(size=dim) / np.sqrt(dim) * np.sqrt(dim) * 0.3
    tiles = _norm(_norm(place + view_part) + tile_offset)
    truth = np.repeat(np.arange(n_tiles), per_tile)
    seen_view = rng.integers(0, views, size=len(truth))
    mix = np.eye(dim) + distortion * rng.normal(size=(dim, dim)) / np.sqrt(dim)
    photo_offset = offset * rng.normal(size=dim) * 0.3
    photos = (place[truth, 0] + view_part[truth, seen_view]) @ mix.T
    photos = _norm(_norm(photos + noise * rng.normal(size=photos.shape)) + photo_offset)
    return tiles.astype(np.float32), photos.astype(np.float32), truth
