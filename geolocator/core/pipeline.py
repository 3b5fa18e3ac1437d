"""The workspace the CLI and the GUI drive: a tile set, a frozen backbone, cached features and an
optional region adapter. Heavy modules (torch, timm, faiss) load on first use, not on import, so the
GUI window appears before them.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .cache import file_key
from .errors import GeolocatorError
from .model import ROTATION_VIEWS, Evaluation, Prediction, Query, TileSet
from .progress import CancelToken, ProgressCallback


@dataclass
class Settings:
    backbone: str = "auto"
    weights: Path | None = None
    device: str = "auto"
    pooling: str = "gem"
    top_k: int = 5
    # Tiles are indexed at 8 headings: a drone's heading is unknown and global features are not
    # rotation invariant (measured: +19 R@1 on one region from this alone).
    tile_views: tuple[str, ...] = ROTATION_VIEWS
    batch_size: int = 32
    # Re-rank each photo's best tiles by local-feature geometric verification (label-free; measured
    # on the demo: R@1 36 -> 84 on frozen features). `verify_candidates` tiles are checked per photo.
    verify: bool = True
    verify_candidates: int = 20
    # local-feature backend of verification and geometric anchors (core/matchers: sift, aliked,
    # disk, xfeat); the default by training/results/compare_matchers.md
    matcher: str = "sift"
    # A photo none of whose verify_candidates verified gets its next tiles verified, up to this
    # many (0: off); see rerank.widen_unverified
    verify_widen: int = 0
    cache_dir: Path | None = None
    adapter_dir: Path | None = None  # default: platformdirs user data dir / adapters


@dataclass
class Located:
    """What the last `locate` produced; kept so evaluation and the GUI need no second search."""

    queries: tuple[Query, ...]
    predictions: list[Prediction]
    similarity: np.ndarray  # (Q, N) ranking score over all tiles (cosine, verified tiles lifted above)
    failures: dict[Path, str] = field(default_factory=dict)


def queries_fingerprint(queries: Sequence[Query]) -> str:
    """Identity of the query set (ids and files only: truth must never influence adaptation)."""
    h = hashlib.sha256()
    for q in queries:
        h.update(f"{q.id}\n".encode())
    return h.hexdigest()[:16]


class Workspace:
    """A tile set + a frozen backbone + cached features + an optional region adapter."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self._backbone = None
        self._cache = None
        self.tileset: TileSet | None = None
        self._tile_features: np.ndarray | None = None  # raw backbone features (N, V, D)
        self.tile_failures: dict[int, str] = {}
        self._adapter = None
        self._verifier = None  # keeps tile keypoints between searches
        self.last: Located | None = None

    # -- components ---------------------------------------------------------------------------
    @property
    def backbone(self):
        if self._backbone is None:
            from .backbones import load_backbone

            s = self.settings
            self._backbone = load_backbone(s.backbone, weights=s.weights, device=s.device, pooling=s.pooling)
        return self._backbone

    def set_backbone(self, name: str, weights: Path | None = None, *, loaded=None) -> None:
        """Switch the frozen model (`loaded`: that model, already loaded, so it is not loaded
        twice); features and adapter of the old one no longer apply."""
        self.settings.backbone, self.settings.weights = name, weights
        self._backbone = loaded
        self._tile_features = None
        self._adapter = None

    @property
    def cache(self):
        if self._cache is None:
            from .cache import FeatureCache

            self._cache = FeatureCache(self.settings.cache_dir)
        return self._cache

    @property
    def adapter(self):
        return self._adapter

    def set_adapter(self, adapter) -> None:
        if adapter is not None and self.tileset is not None:
            card = getattr(adapter, "card", {}) or {}
            expected = card.get("backbone")
            if expected and expected != self.backbone.name:
                from .errors import AdapterMismatch

                raise AdapterMismatch(
                    f"the adapter was trained on {expected} features, but the backbone in use is {self.backbone.name}"
                )
        self._adapter = adapter

    # -- tiles ----------------------------------------------------------------------------------
    def open_tiles(self, tileset: TileSet) -> None:
        self.tileset = tileset
        self._tile_features = None
        self.tile_failures = {}
        self._adapter = None
        self._verifier = None
        self.last = None

    def _require_tiles(self) -> TileSet:
        if self.tileset is None:
            raise GeolocatorError("open a tile set first")
        return self.tileset

    def index(self, *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> np.ndarray:
        """Backbone features of every tile at every view, (N, V, D); cached on disk and in memory."""
        tileset = self._require_tiles()
        if self._tile_features is None:
            from .extract import extract_features

            result = extract_features(
                tileset.tiles,
                self.backbone,
                views=self.settings.tile_views,
                cache=self.cache,
                batch_size=self.settings.batch_size,
                progress=progress,
                cancel=cancel,
                stage="extract:tiles",
            )
            self.tile_failures = dict(result.failed)
            self._tile_features = result.features
        return self._tile_features

    # -- queries --------------------------------------------------------------------------------
    def embed(
        self, queries: Sequence[Query], *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None
    ) -> tuple[tuple[Query, ...], np.ndarray, dict[Path, str]]:
        """Backbone features (Q, D) of the queries that could be read, and why the others could not."""
        from .extract import extract_features

        result = extract_features(
            list(queries),
            self.backbone,
            views=("rot0",),
            cache=self.cache,
            batch_size=self.settings.batch_size,
            progress=progress,
            cancel=cancel,
            stage="extract:queries",
        )
        failures = {queries[i].path: reason for i, reason in result.failed.items()}
        keep = [i for i in range(len(queries)) if i not in result.failed]
        return tuple(queries[i] for i in keep), result.features[keep, 0, :], failures

    # -- search ---------------------------------------------------------------------------------
    def locate(
        self, queries: Sequence[Query], *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None
    ) -> list[Prediction]:
        from .predict import predict
        from .retrieval import similarity, top_k

        tileset = self._require_tiles()
        tile_features = self.index(progress=progress, cancel=cancel)
        ok, query_features, failures = self.embed(queries, progress=progress, cancel=cancel)
        if self._adapter is not None:
            tile_features = self._adapter.transform_tiles(tile_features)
            query_features = self._adapter.transform_queries(query_features)
        sim = similarity(query_features, tile_features)  # the full ranking: evaluation needs it too
        shown = min(self.settings.top_k, len(tileset))
        if not self.settings.verify or len(ok) == 0:
            scores, ids = top_k(sim, shown)
            predictions = predict(ok, tileset.tiles, scores, ids)
            self.last = Located(ok, predictions, sim, failures)
            return predictions
        min_inliers = self._min_inliers(ok)
        ranking, ids, inliers, grounds = self._verify(ok, sim, min_inliers, progress, cancel)
        ids, inliers, grounds = ids[:, :shown], inliers[:, :shown], [row[:shown] for row in grounds]
        scores = np.take_along_axis(sim, ids, axis=1)
        predictions = predict(ok, tileset.tiles, scores, ids, inliers, grounds, min_inliers)
        self.last = Located(ok, predictions, ranking, failures)
        return predictions

    @property
    def verifier(self):
        if self._verifier is None:
            from .matchers import get_matcher
            from .rerank import Verifier, VerifySettings

            # build the backend now: a missing package is a clear error here, not silently
            # unverified photos (the verifier treats any per-image failure as "no keypoints")
            get_matcher(self.settings.matcher)
            self._verifier = Verifier(VerifySettings(candidates=self.settings.verify_candidates,
                                                     matcher=self.settings.matcher))
        return self._verifier

    def set_matcher(self, name: str) -> None:
        """Use another local-feature backend from the next verification on (keypoints and pair
        results of the previous one are dropped). Raises ValueError for an unknown name."""
        from .matchers import MATCHERS

        if name not in MATCHERS:
            raise ValueError(f"unknown matcher {name!r}: choose one of {', '.join(MATCHERS)}")
        if name != self.settings.matcher:
            self.settings.matcher = name
            self._verifier = None

    def _min_inliers(self, queries) -> np.ndarray:
        """Inliers that lift a tile above the global ranking, per photo. For a photo the adapter
        was trained on with a geometric label, the adapted ranking is that label, and weak matches
        (8-11 inliers) that contradict it were mostly chance (demo: R@1 97 vs 94 with them). For
        any other photo, weak matches are mostly right (photos the adapter never saw: Las Vegas
        R@1 86 with them vs 82 without)."""
        s = self.verifier.settings
        card = getattr(self._adapter, "card", None) or {}
        anchored = set(card.get("anchored_photos") or ())
        return np.array([s.min_inliers_adapted if anchored and file_key(q.path) in anchored else s.min_inliers
                         for q in queries], np.int64)

    def _verify(self, queries, sim, min_inliers, progress, cancel):
        """Geometric verification of each photo's best tiles by `sim`: the (Q, N) ranking score, the
        re-ranked candidate ids, their inlier counts and the photo centre's ground point on each."""
        from .rerank import verified_ranking
        from .retrieval import top_k

        tiles = self.tileset.tiles
        # verify at least the top_k shown, so a large --top-k is not cut to verify_candidates
        _, candidates = top_k(sim, max(self.settings.verify_candidates, self.settings.top_k))
        checks = self.verifier.verify(queries, tiles, candidates, progress=progress, cancel=cancel)
        if self.settings.verify_widen > candidates.shape[1]:
            from .rerank import widen_unverified

            candidates, checks = widen_unverified(self.verifier, queries, tiles, sim, candidates, checks, min_inliers,
                                                  self.settings.verify_widen, cancel=cancel)
        counts = np.array([[c.inliers for c in row] for row in checks], np.int64).reshape(candidates.shape)
        grounds = np.empty(candidates.shape, dtype=object)
        for qi, row in enumerate(checks):
            for ci, check in enumerate(row):
                centre = check.centre
                # a centre far outside the tile means a degenerate homography: no refined point
                if centre is not None and all(-0.5 <= f <= 1.5 for f in centre):
                    grounds[qi, ci] = tiles[int(candidates[qi, ci])].bounds.point_at(*centre)
        candidates, counts, grounds = self._tile_under_centre(candidates, counts, grounds, min_inliers)
        ranking = verified_ranking(sim, candidates, counts, min_inliers)
        order = np.argsort(-np.take_along_axis(ranking, candidates, axis=1), axis=1, kind="stable")
        ids = np.take_along_axis(candidates, order, axis=1)
        inliers = np.take_along_axis(counts, order, axis=1)
        return ranking, ids, inliers, [list(row) for row in np.take_along_axis(grounds, order, axis=1)]

    def _tile_under_centre(self, candidates, counts, grounds, min_inliers):
        """The answer is the tile under the photo's centre. A photo near a tile edge often matches
        the neighbour best (more of its footprint lies there); the best match's homography then
        puts the centre in another tile, which takes the best match's evidence. Measured on the
        demo: two such photos of 108."""
        tileset = self.tileset
        candidates, counts, grounds = candidates.copy(), counts.copy(), grounds.copy()
        min_inliers = np.broadcast_to(np.asarray(min_inliers), (len(candidates),))  # one, or one per photo
        for qi in range(len(candidates)):
            best = int(np.argmax(counts[qi]))
            if counts[qi, best] < min_inliers[qi] or grounds[qi, best] is None:
                continue
            holder = tileset.tile_at(grounds[qi, best])
            if holder is None or holder == candidates[qi, best]:
                continue
            where = np.flatnonzero(candidates[qi] == holder)
            if len(where):
                slot = int(where[0])
            else:  # take the place of the weakest other candidate
                others = np.where(np.arange(len(counts[qi])) == best, np.iinfo(np.int64).max, counts[qi])
                slot = int(np.argmin(others))
            if slot == best:  # a single candidate: nothing to move it into
                continue
            candidates[qi, slot] = holder
            counts[qi, slot] = counts[qi, best] + 1  # just above the tile it was seen through
            grounds[qi, slot] = grounds[qi, best]
        return candidates, counts, grounds

    def evaluate(self, predictions: Sequence[Prediction] | None = None) -> Evaluation | None:
        """Metrics of the last `locate` (None when no query has a known truth)."""
        from .evaluate import evaluate

        if self.last is None:
            raise GeolocatorError("locate some queries first")
        tiles = self._require_tiles().tiles
        return evaluate(self.last.queries, tiles, self.last.similarity, predictions or self.last.predictions)

    # -- adaptation -----------------------------------------------------------------------------
    def default_adapter_path(self) -> Path:
        tileset = self._require_tiles()
        if self.settings.adapter_dir is not None:
            root = Path(self.settings.adapter_dir)
        else:
            import platformdirs

            root = Path(platformdirs.user_data_dir("geolocator")) / "adapters"
        b = self.backbone
        return root / f"{b.name.replace(':', '_').replace('/', '_')}-{b.weights_id}-{tileset.fingerprint()}.safetensors"

    def adapt(
        self,
        queries: Sequence[Query],
        *,
        mode: str = "best",
        steps: int | None = None,
        seed: int = 0,
        save_to: Path | None = None,
        geometric: bool | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ):
        """Train a region adapter on the unlabeled tiles and queries, use it, and save it.

        Mode best (with verification on, or `geometric=True`) first labels photos by geometric
        verification and photo-to-photo chains (adapt/geometric.py), from pixels alone. Truth
        (truth.csv or EXIF) is never seen by adaptation. `save_to` defaults to
        `default_adapter_path()`; the write is atomic.
        """
        from .adapt import adapt as run_adaptation

        tileset = self._require_tiles()
        started = time.time()
        tile_features = self.index(progress=progress, cancel=cancel)
        ok, query_features, _ = self.embed(queries, progress=progress, cancel=cancel)
        if len(ok) == 0:
            raise GeolocatorError("none of the drone images could be read; nothing to adapt to")
        if geometric is None:
            geometric = self.settings.verify and mode == "best"
        anchors, geometry = None, {"used": False}
        if geometric:
            anchors, geometry = self._geometric_anchors(ok, query_features, tile_features, progress, cancel)
        # photos that got a geometric label: locate trusts the adapter over weak matches for them
        anchored_photos = [] if anchors is None else sorted(file_key(q.path) for q, a in zip(ok, anchors) if a >= 0)
        adapter = run_adaptation(
            tile_features,
            query_features,
            mode=mode,
            steps=steps,
            seed=seed,
            device=self.backbone.device,
            progress=progress,
            cancel=cancel,
            anchors=anchors,
        )
        b = self.backbone
        card = {
            "backbone": b.name,
            "weights_id": b.weights_id,
            "dim": int(tile_features.shape[-1]),
            "pooling": self.settings.pooling,
            "tile_views": list(self.settings.tile_views),
            "tileset_fingerprint": tileset.fingerprint(),
            "queries_fingerprint": queries_fingerprint(ok),
            "n_tiles": len(tileset),
            "n_queries": len(ok),
            "seed": seed,
            "geometry": geometry,
            "anchored_photos": anchored_photos,
            "created_unix": round(started, 3),
            "seconds": round(time.time() - started, 3),
        }
        path = Path(save_to) if save_to is not None else self.default_adapter_path()
        adapter.save(path, card)
        self._adapter = adapter
        return adapter

    def geometric_labels(self, queries, query_features, tile_features, *, progress=None, cancel=None):
        """Label-free labels from local-feature geometry (adapt/geometric.py) for photos with these
        frozen features: each photo is verified against its best tiles by them, and photos are
        tried against each other most similar first (backbone features are L2-normalised)."""
        from .adapt.geometric import geometric_labels
        from .retrieval import search

        tiles = self._require_tiles()
        _, candidates = search(query_features, tile_features, min(self.settings.verify_candidates, len(tiles)))
        return geometric_labels(queries, tiles, candidates, query_features @ query_features.T, self.verifier,
                                progress=progress, cancel=cancel)

    def _geometric_anchors(self, queries, query_features, tile_features, progress, cancel):
        """(Q,) tile index per photo from geometric_labels (-1: none), and a summary for the card."""
        from .adapt.geometric import GeometrySettings

        limit = GeometrySettings().max_photos
        if len(queries) > limit:
            return None, {"used": False, "why": f"more than {limit} photos"}
        labels = self.geometric_labels(queries, query_features, tile_features, progress=progress, cancel=cancel)
        anchors = np.array([-1 if label is None else label.tile for label in labels], np.int64)
        summary = {
            "used": True,
            "direct": sum(1 for label in labels if label is not None and label.via is None),
            "chained": sum(1 for label in labels if label is not None and label.via is not None),
            "unlabelled": sum(1 for label in labels if label is None),
        }
        return anchors, summary

    def load_saved_adapter(self) -> bool:
        """Reload the adapter saved for this tile set and backbone, if there is one."""
        from .adapt import RegionAdapter

        path = self.default_adapter_path()
        if not path.exists():
            return False
        self.set_adapter(RegionAdapter.load(path, expect_backbone=self.backbone.name))
        return True

