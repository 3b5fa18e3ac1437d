"""Nearest-tile search on L2-normalised features (cosine = inner product).

A drone's heading is unknown while tiles are north-up, so a photo is compared with a tile at several
relative headings and the best counts. Tiles are embedded once and the PHOTO is rotated (photos are
far fewer than tiles): queries may be shaped (Q, Vq, D) and tiles (N, Vt, D) (either side may have
one view, shaped (Q, D) / (N, D)); a tile's score for a photo is the max over all view pairs.
"""

from __future__ import annotations

import io

import numpy as np


def _as_float32(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float32)


def _views(gallery: np.ndarray) -> np.ndarray:
    return gallery[:, None, :] if gallery.ndim == 2 else gallery


# Fewest photos whose mean feature is trusted as the photo domain's (centre_photo_views).
CENTRE_MIN_PHOTOS = 8


def centre_photo_views(features: np.ndarray, min_photos: int = CENTRE_MIN_PHOTOS) -> np.ndarray:
    """Drone-photo features (Q, V, D) at V rotated views, each view centred on the mean of that view
    over the Q photos and L2-normalised again; returned unchanged (as float32) below `min_photos`.

    Why: frozen ImageNet features of a ROTATED oblique photo lean towards what every nadir tile
    looks like (measured: the 90/270-degree views of the demo's photos score +0.012 higher against
    all tiles than the photo as taken), so under the max over headings those views win for wrong
    tiles. Removing the photo domain's mean per view (label-free: the photos' own features) evens
    the views out: frozen R@1 with the photo at 8 headings and tiles once 27.8 -> 41.7 on the demo,
    above the 36.1 of tiles at 8 headings (training/results/photo_rotation_cause.md). Mean-centring
    of each domain is the usual first step of cross-domain retrieval without labels (e.g. the
    "centering" of Jegou & Chum, ECCV 2012, before whitening)."""
    x = np.asarray(features, np.float32)
    if x.ndim != 3 or len(x) < max(1, int(min_photos)):
        return x
    c = x - x.mean(axis=0, keepdims=True)
    norm = np.linalg.norm(c, axis=-1, keepdims=True)
    return np.divide(c, norm, out=np.zeros_like(c), where=norm > 0)


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


# -- tile sets too large for a dense matrix --------------------------------------------------------
# Up to this many tile vectors (tiles x views) a flat (exact) faiss index is used; above it an IVF
# index with float16 vectors: a flat index holds a float32 copy of every vector (1M x 1280-d:
# 5 GB), IVF-fp16 half that, and scans ~1/16 of it (training/bench_scale.py).
FLAT_MAX = 200_000


def _rows_float32(features, start: int, stop: int) -> np.ndarray:
    """Rows [start, stop) of a (N, V, D) array or memmap, flattened to (rows*V, D) float32."""
    block = np.asarray(features[start:stop], dtype=np.float32)
    return np.ascontiguousarray(block.reshape(-1, block.shape[-1]))


class TileIndex:
    """faiss index over every view of the searched tiles (tile id = ids[vector id // views], or
    vector id // views when every tile is in it). Flat (exact) up to FLAT_MAX vectors; above, IVF
    with float16 scalar-quantised vectors (nlist = sqrt(n)/2 lists, nprobe = nlist/16), trained on
    a sample, vectors added in chunks so a memory-mapped store is never copied whole. Built once per
    tile set and saved beside the store (`save`/`load`).

    `n_tiles`: the tile set's size (ids run over it); `ids`: (M,) int64 ascending, the tiles in the
    index, None for all of them. Tiles left out of the search (a package's empty tiles, unreadable
    ones: their rows are zeros) are not in it: no memory, and never a result (emptystore35)."""

    def __init__(self, index, n_tiles: int, views: int, kind: str, ids: np.ndarray | None = None) -> None:
        self.index, self.n_tiles, self.views, self.kind = index, int(n_tiles), int(views), kind
        self.ids = None if ids is None else np.asarray(ids, np.int64)

    @property
    def searchable(self) -> int:
        """How many tiles the index holds."""
        return self.n_tiles if self.ids is None else len(self.ids)

    def tiles_of(self, vector_ids: np.ndarray) -> np.ndarray:
        """Tile ids of faiss vector ids (any shape; -1 stays -1)."""
        vector_ids = np.asarray(vector_ids, np.int64)
        return self._tile_ids(np.where(vector_ids >= 0, vector_ids // self.views, -1))

    def _tile_ids(self, rows: np.ndarray) -> np.ndarray:
        """Tile ids of the index's tile rows (vector id // views; any shape; -1 stays -1)."""
        return rows if self.ids is None else np.where(rows >= 0, self.ids[np.maximum(rows, 0)], -1)

    @classmethod
    def build(cls, features, *, kind: str = "auto", nlist: int | None = None, nprobe: int | None = None,
              chunk: int = 32768, train_size: int = 100_000, seed: int = 0, progress=None, cancel=None,
              skip=None) -> TileIndex:
        """features: (N, V, D) array or memmap, rows L2-normalised. kind: auto | flat | ivf.
        `skip`: tile ids left out of the index (never a result), or None."""
        import faiss

        from .progress import ProgressEvent, check, emit

        n_all, v, d = features.shape
        ids = None
        if skip is not None and len(skip):
            ids = np.setdiff1d(np.arange(n_all), np.fromiter((int(i) for i in skip), np.int64))
        n = n_all if ids is None else len(ids)
        total = n * v
        if kind == "auto":
            kind = "flat" if total <= FLAT_MAX else "ivf"
        if kind == "flat":
            index = faiss.IndexFlatIP(d)
        elif kind == "ivf":
            # sqrt(n)/2 lists: below the faiss guideline of 4-16 sqrt(n), because training and
            # adding cost O(n * nlist * d) and run on CPUs here (1M x 1280-d: 500 lists)
            nlist = nlist or int(np.clip(np.sqrt(total) / 2, 1, 4096))
            quantizer = faiss.IndexFlatIP(d)
            index = faiss.IndexIVFScalarQuantizer(quantizer, d, nlist, faiss.ScalarQuantizer.QT_fp16,
                                                  faiss.METRIC_INNER_PRODUCT)
            index.cp.niter = 10  # k-means iterations (faiss default 25): coarse lists need no more
            train_size = min(train_size, 64 * nlist)  # faiss wants >= 39 per list; more only costs
            rng = np.random.default_rng(seed)
            sample_tiles = np.sort(rng.choice(n, size=min(n, max(1, train_size // v)), replace=False))
            if ids is not None:
                sample_tiles = ids[sample_tiles]
            sample = np.ascontiguousarray(np.asarray(features[sample_tiles], np.float32).reshape(-1, d))
            emit(progress, ProgressEvent("index:train", 0, 1, f"training {nlist} IVF lists on {len(sample)} vectors"))
            index.train(sample)
            del sample
            # nprobe: share of lists searched; measured in training/bench_scale.py (recall@10 vs flat)
            index.nprobe = nprobe or max(1, nlist // 16)
        else:
            raise ValueError(f"unknown index kind {kind!r} (auto, flat, ivf)")
        step = max(1, chunk // v)
        for s in range(0, n, step):
            if ids is None:
                index.add(_rows_float32(features, s, min(n, s + step)))
            else:
                block = np.asarray(features[ids[s : s + step]], dtype=np.float32)
                index.add(np.ascontiguousarray(block.reshape(-1, d)))
            emit(progress, ProgressEvent("index:add", min(n, s + step), n, f"{min(n, s + step)}/{n} tiles"))
            check(cancel)
        return cls(index, n_all, v, kind, ids)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k tiles of each photo (Q, D) or (Q, Vq, D): (scores (Q, k), ids (Q, k)), best first;
        flat: exact (see `search`); ivf: approximate. -1 ids where fewer were found."""
        q = _views(queries)
        k = min(k, self.searchable)
        if len(q) == 0 or k == 0:
            return np.zeros((len(q), k), np.float32), np.zeros((len(q), k), np.int64)
        flat_scores, flat_ids = self.index.search(_as_float32(q).reshape(-1, q.shape[-1]),
                                                  min(k * self.views, self.searchable * self.views))
        scores, rows = merge_views(flat_scores, flat_ids, len(q), q.shape[1], self.views, k)
        return scores, self._tile_ids(rows)

    def save(self, path) -> None:
        """Write the faiss index at `path`, its tile ids (`.ids.npy`, when some tiles are left out) and
        its JSON twin (tile count, views, kind), each atomically (outputs.write_atomic). The twin,
        which `load` reads first, is removed before and written last, so a save that fails part way
        (a full disk) leaves nothing that loads as good. Raises outputs.OutputError (an OSError) naming
        the file and the reason; no temporary file is left (faults36: faiss.write_index raised a
        RuntimeError on a full disk, which stopped a locate, and left its `.tmp` behind)."""
        import json
        from pathlib import Path

        import faiss

        from .outputs import OutputError, describe_os_error, write_atomic, write_bytes, write_text

        path = Path(path)
        twin = path.with_suffix(".json")
        try:
            twin.unlink(missing_ok=True)
        except OSError as exc:
            raise OutputError(twin, f"could not replace it: {describe_os_error(exc)}") from None

        def fill(tmp: str) -> None:
            failed: list[OSError] = []

            def write(data: bytes) -> None:
                try:
                    f.write(data)
                except OSError as exc:
                    failed.append(exc)
                    raise

            with open(tmp, "wb") as f:
                try:  # streamed through Python, so a failed write is the OSError (errno) it is
                    faiss.write_index(self.index, faiss.PyCallbackIOWriter(write))
                except RuntimeError:
                    if failed:
                        raise failed[0] from None
                    raise

        write_atomic(path, fill)
        if self.ids is not None:  # the tiles in it (written before the JSON twin that names it)
            buf = io.BytesIO()
            np.save(buf, self.ids)
            write_bytes(path.with_suffix(".ids.npy"), buf.getvalue())
        meta = {"n_tiles": self.n_tiles, "views": self.views, "kind": self.kind}
        write_text(twin, json.dumps(meta if self.ids is None else {**meta, "ids": True}))

    @classmethod
    def load(cls, path) -> TileIndex | None:
        """The saved index, or None when it is missing or unreadable (rebuild it then)."""
        import json
        from pathlib import Path

        import faiss

        path = Path(path)
        try:
            meta = json.loads(path.with_suffix(".json").read_text())
            index = faiss.read_index(str(path))
            ids = np.load(path.with_suffix(".ids.npy")) if meta.get("ids") else None
        except (OSError, ValueError, RuntimeError, EOFError):  # EOFError: an empty .ids.npy (killed mid-save)
            return None
        if index.ntotal != (meta["n_tiles"] if ids is None else len(ids)) * meta["views"]:
            return None  # the index and its tile list do not agree: rebuild
        return cls(index, meta["n_tiles"], meta["views"], meta["kind"], ids)


def best_view_scores(queries: np.ndarray, features, tile_ids: np.ndarray) -> np.ndarray:
    """Exact score (max over view pairs) of given tiles: queries (Q, [Vq,] D), tile_ids (Q, C)
    indices into features (N, V, D) (array or memmap). Returns (Q, C) float32; -inf for ids < 0."""
    q = _as_float32(_views(queries))
    out = np.full(tile_ids.shape, -np.inf, np.float32)
    for qi in range(len(q)):
        ids = tile_ids[qi]
        ok = ids >= 0
        if ok.any():
            t = np.asarray(features[np.sort(ids[ok])], np.float32)  # memmaps want sorted indices
            s = np.einsum("vd,nwd->nvw", q[qi], t).max(axis=(1, 2))
            out[qi, np.flatnonzero(ok)] = s[np.searchsorted(np.sort(ids[ok]), ids[ok])]
    return out


def count_above(queries: np.ndarray, features, thresholds: np.ndarray, *, chunk: int = 16384,
                tolerance: float = 1e-5) -> np.ndarray:
    """For each photo q and threshold j: how many tiles score above thresholds[q, j] by more than
    `tolerance` (score = max over view pairs; the tolerance absorbs float32 rounding, so a tile
    never counts as above its own score computed another way; closer scores are ties). Streams
    the tiles in chunks: memory O(chunk), never Q x N — the ranks of known positives, from which
    R@k and AP follow (`ap_from_ranks`)."""
    q = _as_float32(_views(queries))
    nq, vq, d = q.shape
    flat_q = q.reshape(-1, d)
    thr = np.asarray(thresholds, np.float32) + np.float32(tolerance)
    counts = np.zeros(thr.shape, np.int64)
    n = len(features)
    for s in range(0, n, chunk):
        t = np.asarray(features[s : s + chunk], np.float32)
        vt = t.shape[1]
        sims = (flat_q @ t.reshape(-1, d).T).reshape(nq, vq, len(t), vt).max(axis=(1, 3))  # (Q, chunk)
        counts += (sims[:, None, :] > thr[:, :, None]).sum(axis=2)
    return counts


def ap_from_ranks(ranks: np.ndarray, ks=(1, 5, 10)) -> tuple[dict[int, float], float]:
    """R@k (0/1) and average precision of one photo from the 1-based ranks of its positives
    (AP = mean over positives of (positives ranked at or above it) / its rank)."""
    ranks = np.sort(np.asarray(ranks, np.int64))
    recall = {k: float(len(ranks) > 0 and ranks[0] <= k) for k in ks}
    if len(ranks) == 0:
        return recall, 0.0
    return recall, float((np.arange(1, len(ranks) + 1) / ranks).mean())


class MappedFeatures:
    """A lazy (N, V, D') view of (N, V, D) features through fn (e.g. an adapter's transform_tiles),
    applied to the rows asked for: large sets are never transformed whole in memory."""

    def __init__(self, features, fn) -> None:
        self.features, self.fn = features, fn
        n, v, _ = features.shape
        self.shape = (n, v, int(fn(np.asarray(features[:1], np.float32)).shape[-1]))

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows) -> np.ndarray:
        return self.fn(np.asarray(self.features[rows], np.float32))
