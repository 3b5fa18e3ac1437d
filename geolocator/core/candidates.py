"""Each photo's best tiles under the priors (GNSS circle, recorded heading), whichever way the tile
set is searched: a dense (Q, N) score matrix on small sets, the faiss TileIndex above
Settings.dense_max. Verification (Workspace._verify) asks one of these for candidates and their
scores, so both layouts verify, widen and honour the priors the same way.

Scores are cosines (max over view pairs, features L2-normalised); a tile outside a photo's GNSS
circle scores priors.EXCLUDED, below any cosine and any verified lift.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy

import numpy as np

from .model import Query, Tile
from .priors import EXCLUDED


def heading_masks(queries: Sequence[Query], query_features: np.ndarray, tile_views: Sequence[str],
                  photo_views: Sequence[str], n_tile_views: int):
    """The heading prior's masks: (photo view mask (Q, Vq) or None, tile view mask (Q, V) or None,
    narrowed (Q,) bool: the photos a recorded yaw narrowed). Photos seen at several headings are
    narrowed by their views (priors.heading_photo_views), one photo view against tiles at several
    headings by the tiles' (priors.heading_views)."""
    from .priors import heading_photo_views, heading_views

    if query_features.ndim == 3 and query_features.shape[1] > 1:  # photos at several headings
        views = heading_photo_views(queries, photo_views[: query_features.shape[1]])
        return views, None, ~views.all(axis=1)
    views = heading_views(queries, tile_views[:n_tile_views])
    return None, views, ~views.all(axis=1)


def _taken(query_features: np.ndarray) -> np.ndarray:
    """The photos as taken (Q, D): view 0."""
    return query_features[:, 0] if query_features.ndim == 3 else query_features


class DenseCandidates:
    """Candidates from the full (Q, N) matrix (`matrix`, the ranking evaluation needs too)."""

    def __init__(self, queries: Sequence[Query], query_features: np.ndarray, tile_features: np.ndarray,
                 tiles: Sequence[Tile], *, views: tuple[Sequence[str], Sequence[str]] | None = None,
                 heading: bool = False, gnss_m: float | None = None) -> None:
        """query_features (Q, [Vq,] D), tile_features (N, [V,] D); `views`: (tile views, photo
        views) names, needed with `heading`; `gnss_m`: the GNSS prior's radius (metres) or None."""
        from .retrieval import similarity

        sim = similarity(query_features, tile_features)
        self.unrestricted = sim
        self.narrowed = None
        if heading:
            from .priors import keep_photo_views, similarity_in_views

            n_views = tile_features.shape[1] if tile_features.ndim == 3 else 1
            photo_mask, tile_mask, self.narrowed = heading_masks(queries, query_features, *views, n_views)
            if self.narrowed.any():
                if photo_mask is not None:
                    sim = similarity(keep_photo_views(query_features, photo_mask), tile_features)
                else:
                    sim = similarity_in_views(_taken(query_features), tile_features, tile_mask)
        self.gnss = bool(gnss_m)
        if self.gnss:
            from .priors import apply_allowed, gnss_allowed

            sim = apply_allowed(sim, gnss_allowed(queries, tiles, gnss_m))
        self.matrix = sim

    def top(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores (Q, n), ids (Q, n)), best first (ties: lower index first)."""
        from .retrieval import top_k

        return top_k(self.matrix, n)

    def scores(self, ids: np.ndarray) -> np.ndarray:
        """(Q, C) scores of the given tile ids."""
        return np.take_along_axis(self.matrix, ids, axis=1)

    def widened(self, rows: np.ndarray) -> DenseCandidates:
        """The same with the heading prior dropped for `rows` (Q,) bool (the GNSS circle kept)."""
        out = copy(self)
        every_view = self.unrestricted if not self.gnss else np.where(self.matrix <= EXCLUDED / 10, self.matrix,
                                                                      self.unrestricted)
        out.matrix = np.where(rows[:, None], every_view, self.matrix)
        return out


class IndexCandidates:
    """Candidates from a retrieval.TileIndex and exact scores from the (N, V, D) features (a
    memmap or retrieval.MappedFeatures): no Q x N matrix (`matrix` is None).

    Under a prior a photo's candidates are exact on a flat index: inside a GNSS circle every tile
    in it is scored; with the tile views a recorded heading allows, the index is searched over
    single views, deeper until `n` tiles were seen at an allowed view (any tile scoring above the
    last of them has an allowed view above it, so it was seen too)."""

    matrix = None

    def __init__(self, queries: Sequence[Query], query_features: np.ndarray, features, index,
                 tiles: Sequence[Tile], *, views: tuple[Sequence[str], Sequence[str]] | None = None,
                 heading: bool = False, gnss_m: float | None = None) -> None:
        self.index, self.features = index, features
        self.original = self.q = np.asarray(query_features, np.float32)
        self.tile_mask = None
        self.narrowed = None
        if heading:
            from .priors import keep_photo_views

            photo_mask, self.tile_mask, self.narrowed = heading_masks(queries, query_features, *views, index.views)
            if photo_mask is not None and self.narrowed.any():
                self.q = keep_photo_views(self.q, photo_mask)
        # per photo: the ids inside its GNSS circle, None where it is searched everywhere
        self.allowed: list[np.ndarray | None] = [None] * len(queries)
        if gnss_m:
            from .priors import gnss_allowed_ids

            boxes = np.array([[t.bounds.west, t.bounds.south, t.bounds.east, t.bounds.north] for t in tiles],
                             np.float64).reshape(-1, 4)
            self.allowed = [gnss_allowed_ids(q, tiles, gnss_m, boxes) for q in queries]

    def _mask(self, qi: int) -> np.ndarray | None:
        if self.tile_mask is None or self.tile_mask[qi].all():
            return None
        return self.tile_mask[qi]

    def _restricted(self, qi: int) -> bool:
        return self.allowed[qi] is not None or self._mask(qi) is not None

    def _exact(self, qi: int, ids: np.ndarray, chunk: int = 16384) -> np.ndarray:
        """(C,) exact scores of one photo against `ids` at the views it may be compared at
        (-inf for ids < 0), in chunks: memory O(chunk), whatever the circle holds."""
        q = self.q[qi].reshape(-1, self.q.shape[-1])
        mask = self._mask(qi)
        out = np.full(len(ids), -np.inf, np.float32)
        where = np.flatnonzero(ids >= 0)
        order = where[np.argsort(ids[where], kind="stable")]  # memmaps want sorted indices
        for s in range(0, len(order), chunk):
            part = order[s : s + chunk]
            t = np.asarray(self.features[ids[part]], np.float32)
            sims = np.einsum("vd,nwd->nvw", q, t.reshape(len(part), -1, t.shape[-1]))
            if mask is not None:
                sims = np.where(mask[None, None, :], sims, -np.inf)
            out[part] = sims.max(axis=(1, 2))
        if self.allowed[qi] is not None:
            out[(ids >= 0) & ~np.isin(ids, self.allowed[qi])] = EXCLUDED
        return out

    def _view_pool(self, qi: int, n: int, mask: np.ndarray) -> np.ndarray:
        """Tile ids holding the photo's best single-view matches at allowed views, at least n of
        them (or every tile)."""
        v = self.index.views
        total = self.index.searchable * v
        q = np.ascontiguousarray(self.q[qi].reshape(-1, self.q.shape[-1]))
        k = min(total, n * v)
        while True:
            _, flat = self.index.index.search(q, k)
            flat = flat.ravel()
            flat = flat[(flat >= 0) & mask[np.maximum(flat, 0) % v]]
            pool = np.unique(self.index.tiles_of(flat))
            if len(pool) >= n or k >= total:
                return pool
            k = min(total, 4 * k)

    def top(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores (Q, n), ids (Q, n)), best first; every id a real tile (n is at most the tile
        count), excluded ones (GNSS circle) scored EXCLUDED."""
        from .retrieval import best_view_scores

        n = min(n, self.index.n_tiles)
        scores, ids = self.index.search(self.q, n)
        if ids.shape[1] < n:  # an index without the tiles left out holds fewer: -1s, filled below
            pad = ((0, 0), (0, n - ids.shape[1]))
            scores, ids = np.pad(scores, pad, constant_values=-np.inf), np.pad(ids, pad, constant_values=-1)
        if self.index.kind != "flat":  # IVF scores are float16-rounded: the exact ones rank the candidates
            scores = best_view_scores(self.q, self.features, ids)
            order = np.argsort(-scores, axis=1, kind="stable")
            scores, ids = np.take_along_axis(scores, order, 1), np.take_along_axis(ids, order, 1)
        # An IVF search whose probed lists hold fewer than n tiles returns -1 ids: a -1 would be
        # verified and shown as the last tile. Real tiles fill the row instead, lowest ids first (as
        # the circle's fill below), with their exact scores, and the row is ranked again.
        for qi in np.flatnonzero((ids < 0).any(axis=1)):
            found = ids[qi][ids[qi] >= 0]
            fill = np.setdiff1d(np.arange(min(self.index.n_tiles, len(found) + n)), found)[: n - len(found)]
            row = np.concatenate([found, fill])
            s = self._exact(qi, row)
            best = np.lexsort((row, -s))
            ids[qi], scores[qi] = row[best], s[best]
        for qi in range(len(ids)):
            if not self._restricted(qi):
                continue
            allowed = self.allowed[qi]
            pool = allowed if allowed is not None else self._view_pool(qi, n, self._mask(qi))
            s = self._exact(qi, pool)
            best = np.lexsort((pool, -s))[:n]  # best first, then lower id
            row_ids, row_scores = pool[best], s[best]
            if len(row_ids) < n:  # fewer tiles in the circle than asked: excluded tiles fill the row,
                # lowest ids first (the dense matrix's order of equal scores), so both layouts agree
                fill = np.setdiff1d(np.arange(min(self.index.n_tiles, len(pool) + n)), pool)[: n - len(row_ids)]
                row_ids = np.concatenate([row_ids, fill])
                row_scores = np.concatenate([row_scores, np.full(len(fill), EXCLUDED, np.float32)])
            ids[qi], scores[qi] = row_ids, row_scores
        return scores, ids

    def scores(self, ids: np.ndarray) -> np.ndarray:
        """(Q, C) exact scores of the given tile ids (-inf for ids < 0)."""
        from .retrieval import best_view_scores

        out = best_view_scores(self.q, self.features, ids)
        for qi in range(len(ids)):
            if self._restricted(qi):
                out[qi] = self._exact(qi, ids[qi])
        return out

    def widened(self, rows: np.ndarray) -> IndexCandidates:
        """The same with the heading prior dropped for `rows` (Q,) bool (the GNSS circle kept)."""
        out = copy(self)
        out.q = np.where(rows.reshape((-1,) + (1,) * (self.q.ndim - 1)), self.original, self.q)
        if self.tile_mask is not None:
            out.tile_mask = self.tile_mask | rows[:, None]
        return out


def top_without(fetch, m: int, dropped: np.ndarray, n_tiles: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's best `m` tiles that are not `dropped` (tile ids), from `fetch(k)` -> (scores
    (Q, k), ids (Q, k)), best first, over `n_tiles` tiles: (scores (Q, m), ids (Q, m)) in fetch's
    order. Asks for m + a few more, four times as many more until every row holds m kept ones (or
    all m + len(dropped) were asked): exact, as fetch's top k holds the top of any k' < k. Dropped
    tiles that rank low (a zero row scores 0, below a non-negative model's cosines) cost nothing,
    where asking for m + len(dropped) at once made a package with 100 000 empty tiles fetch 100 000
    candidates a photo (emptystore35)."""
    m = max(0, int(m))
    most = min(int(n_tiles), m + len(dropped))
    extra = min(len(dropped), max(m, 16))
    while True:
        k = min(most, m + extra)
        scores, ids = fetch(k)
        keep = ~np.isin(ids, dropped)
        if k >= most or keep.sum(axis=1).min(initial=m) >= m:
            break
        extra *= 4
    # a stable order of each row's kept entries: True before False, original order within
    order = np.argsort(~keep, axis=1, kind="stable")[:, :m]
    return np.take_along_axis(scores, order, 1), np.take_along_axis(ids, order, 1)


class WithoutTiles:
    """A candidates source (DenseCandidates, IndexCandidates) less some tiles, never a candidate:
    tiles that could not be read (Workspace.tile_failures). Their features are zeros, so they scored
    0, above every negative cosine, and came back as candidates and answers ("no preview, 0.00" in
    the app's top-5; newuser session 16) though nothing of them was ever seen.

    `dropped`: tile indices; `n_tiles`: the tile set's size. `top(n)` gives at most `n_tiles -
    len(dropped)` columns, none of them dropped; `scores` and `matrix` (dense layout) score a
    dropped tile priors.EXCLUDED, below any cosine and any verified lift."""

    def __init__(self, source, dropped, n_tiles: int) -> None:
        self.source = source
        self.dropped = np.unique(np.fromiter((int(i) for i in dropped), np.int64))
        self.n_tiles = int(n_tiles)
        self.narrowed = source.narrowed
        self.original = getattr(source, "original", None)
        self.matrix = None
        if source.matrix is not None:
            self.matrix = source.matrix.copy()
            self.matrix[:, self.dropped] = EXCLUDED

    @property
    def readable(self) -> int:
        """How many tiles may be candidates."""
        return self.n_tiles - len(self.dropped)

    def top(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores (Q, m), ids (Q, m)), best first, m = min(n, readable): top_without of the source."""
        return top_without(self.source.top, min(int(n), self.readable), self.dropped, self.n_tiles)

    def scores(self, ids: np.ndarray) -> np.ndarray:
        out = np.array(self.source.scores(ids), copy=True)
        out[np.isin(ids, self.dropped)] = EXCLUDED
        return out

    def widened(self, rows: np.ndarray) -> WithoutTiles:
        return WithoutTiles(self.source.widened(rows), self.dropped, self.n_tiles)
