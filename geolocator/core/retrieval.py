"""Nearest-tile search on L2-normalised features (cosine = inner product).

A tile may be indexed under several views (rotations), shaped (N, V, D); its score for a query is
the best of its views, because a drone's heading is unknown while tiles are north-up.
"""

from __future__ import annotations

import numpy as np


def _as_float32(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float32)


def _views(gallery: np.ndarray) -> np.ndarray:
    return gallery[:, None, :] if gallery.ndim == 2 else gallery


def similarity(queries: np.ndarray, gallery: np.ndarray) -> np.ndarray:
    """Full (Q, N) cosine matrix, max over each tile's views. For evaluation and small galleries."""
    g = _views(gallery)
    sims = np.einsum("qd,nvd->qnv", _as_float32(queries), _as_float32(g), optimize=True)
    return sims.max(axis=2)


def top_k(sim: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of a (Q, N) similarity matrix already in hand: (scores (Q, k), tile indices (Q, k)),
    best first (ties: lower index first)."""
    k = min(k, sim.shape[1])
    ids = np.argsort(-sim, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(sim, ids, axis=1), ids


def search(queries: np.ndarray, gallery: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k tiles per query: (scores (Q, k), tile indices (Q, k)), best first.

    faiss searches the flattened views; the top k*V views always contain the best view of each of the
    top-k tiles (a tile has at most V views above the k-th tile's score), so deduplicating them is exact.
    """
    import faiss  # imported here: the GUI starts without it

    g = _views(gallery)
    n, v, d = g.shape
    k = min(k, n)
    if len(queries) == 0 or k == 0:
        return np.zeros((len(queries), k), np.float32), np.zeros((len(queries), k), np.int64)
    index = faiss.IndexFlatIP(d)
    index.add(_as_float32(g.reshape(n * v, d)))
    flat_scores, flat_ids = index.search(_as_float32(queries), min(k * v, n * v))
    scores = np.empty((len(queries), k), np.float32)
    ids = np.empty((len(queries), k), np.int64)
    for qi in range(len(queries)):
        seen: set[int] = set()
        out = 0
        for s, fid in zip(flat_scores[qi], flat_ids[qi]):
            tile = int(fid) // v
            if tile in seen:
                continue
            seen.add(tile)
            scores[qi, out], ids[qi, out] = s, tile
            out += 1
            if out == k:
                break
    return scores, ids


def search_reverse(queries: np.ndarray, gallery: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k drone images per tile (tile -> drones): (scores (N, k), drone indices (N, k)).

    A drone in a tile's true top-k is also in the top-k of that tile's best view, so merging the
    per-view top-k lists (keeping each drone's best score) is exact.
    """
    import faiss

    g = _views(gallery)
    k = min(k, len(queries))
    if len(g) == 0 or k == 0:
        return np.zeros((len(g), k), np.float32), np.zeros((len(g), k), np.int64)
    index = faiss.IndexFlatIP(queries.shape[1])
    index.add(_as_float32(queries))
    per_view = [index.search(_as_float32(g[:, view, :]), k) for view in range(g.shape[1])]
    scores = np.empty((len(g), k), np.float32)
    ids = np.empty((len(g), k), np.int64)
    for tile in range(len(g)):
        best: dict[int, float] = {}
        for view_scores, view_ids in per_view:
            for s, drone in zip(view_scores[tile], view_ids[tile]):
                best[int(drone)] = max(best.get(int(drone), -np.inf), float(s))
        top = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:k]
        ids[tile] = [drone for drone, _ in top]
        scores[tile] = [s for _, s in top]
    return scores, ids
