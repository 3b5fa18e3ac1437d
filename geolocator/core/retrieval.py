"""Nearest-tile search on L2-normalised features (cosine = inner product).

A drone's heading is unknown while tiles are north-up, so a photo is compared with a tile at several
relative headings and the best counts. Tiles are embedded once and the PHOTO is rotated (photos are
far fewer than tiles): queries may be shaped (Q, Vq, D) and tiles (N, Vt, D) (either side may have
one view, shaped (Q, D) / (N, D)); a tile's score for a photo is the max over all view pairs.
"""

from __future__ import annotations

import numpy as np


def _as_float32(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float32)


def _views(gallery: np.ndarray) -> np.ndarray:
    return gallery[:, None, :] if gallery.ndim == 2 else gallery


def similarity(queries: np.ndarray, gallery: np.ndarray) -> np.ndarray:
    """Full (Q, N) cosine matrix, max over the query's (Q, Vq, D) and each tile's (N, Vt, D) views.
    For evaluation and small galleries (it is Q x N in memory)."""
    q, g = _views(queries), _views(gallery)
    n, vt, d = g.shape
    flat = _as_float32(g).reshape(n * vt, d)
    out = np.empty((len(q), n), np.float32)
    step = max(1, 4_000_000 // max(1, n * vt * q.shape[1]))  # bounded temporaries
    for i in range(0, len(q), step):
        block = _as_float32(q[i : i + step])
        sims = block.reshape(-1, d) @ flat.T  # (B*Vq, N*Vt)
        out[i : i + step] = sims.reshape(len(block), q.shape[1], n, vt).max(axis=(1, 3))
    return out


def top_k(sim: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of a (Q, N) similarity matrix already in hand: (scores (Q, k), tile indices (Q, k)),
    best first (ties: lower index first)."""
    k = min(k, sim.shape[1])
    ids = np.argsort(-sim, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(sim, ids, axis=1), ids


def merge_views(flat_scores: np.ndarray, flat_ids: np.ndarray, n_queries: int, query_views: int,
                tile_views: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per photo, merge the top lists of its views (rows q*Vq ... q*Vq+Vq-1 of flat_scores/flat_ids,
    ids over tiles x tile views, -1 = none) into its top-k tiles by best score: (Q, k) scores, ids
    (-1 and -inf where fewer than k tiles were found). Ties: lower tile index first."""
    scores = np.full((n_queries, k), -np.inf, np.float32)
    ids = np.full((n_queries, k), -1, np.int64)
    fs = flat_scores.reshape(n_queries, -1)
    fi = flat_ids.reshape(n_queries, -1)
    for qi in range(n_queries):
        valid = fi[qi] >= 0
        tiles = fi[qi][valid] // tile_views
        sc = fs[qi][valid]
        order = np.lexsort((tiles, -sc))  # best score first, then lower tile
        tiles, sc = tiles[order], sc[order]
        _, first = np.unique(tiles, return_index=True)  # each tile's best (first) occurrence
        first = np.sort(first)[:k]
        scores[qi, : len(first)], ids[qi, : len(first)] = sc[first], tiles[first]
    return scores, ids


def search(queries: np.ndarray, gallery: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k tiles per query: (scores (Q, k), tile indices (Q, k)), best first, exact (faiss flat).

    queries (Q, D) or (Q, Vq, D); gallery (N, D) or (N, Vt, D). Each query view searches the
    flattened tile views for its top k*Vt: a tile in the true top-k has its best view pair among
    them (fewer than k tiles, of at most Vt views each, score above it), so merging the lists of a
    photo's views by best score per tile is exact.
    """
    import faiss  # imported here: the GUI starts without it

    q, g = _views(queries), _views(gallery)
    n, vt, d = g.shape
    k = min(k, n)
    if len(q) == 0 or k == 0:
        return np.zeros((len(q), k), np.float32), np.zeros((len(q), k), np.int64)
    index = faiss.IndexFlatIP(d)
    index.add(_as_float32(g).reshape(n * vt, d))
    flat_scores, flat_ids = index.search(_as_float32(q).reshape(-1, d), min(k * vt, n * vt))
    return merge_views(flat_scores, flat_ids, len(q), q.shape[1], vt, k)


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
