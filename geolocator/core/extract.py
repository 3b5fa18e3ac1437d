"""Batched feature extraction: decode images in worker threads while the model runs.

Only a bounded window of decoded images is in flight (about two batches), so memory does not
grow with the number of images. Cache hits never touch the model; unreadable images leave a
zero row and a reason in `failed` instead of stopping the run.
"""

from __future__ import annotations

import math
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image

from .backbones import Backbone
from .cache import FeatureCache, file_identity
from .errors import InputError
from .model import ROTATION_VIEWS, PixelWindow, Query, Tile
from .progress import CancelToken, EtaClock, ProgressCallback, ProgressEvent, check, emit

VIEWS = ROTATION_VIEWS


@dataclass
class ExtractResult:
    features: np.ndarray  # (N, V, D) float32, rows L2-normalised; zero rows for failures
    failed: dict[int, str] = field(default_factory=dict)  # row index -> reason
    cache_hits: int = 0  # (item, view) pairs served from the cache
    computed: int = 0  # (item, view) pairs run through the model
    # rows of package tiles with no data (more than half transparent: sources.registry.holds_data);
    # their features are zeros, cached as such so the next run does not decode them again
    empty: set[int] = field(default_factory=set)


# What _load gives for a tile package's entry that holds no data (EMPTY_REASON): not run through
# the model, a zero row kept in the cache / store (a model's rows are L2-normalised, never zero).
EMPTY = "empty"


def view_angle(view: str) -> int:
    if not view.startswith("rot") or not view[3:].isdigit():
        raise ValueError(f"unknown view '{view}'; views are {', '.join(VIEWS)}")
    return int(view[3:]) % 360


def rotate_view(image: Image.Image, angle: int) -> Image.Image:
    """Rotate counter-clockwise about the centre. Multiples of 90 are exact transposes; other
    angles keep the largest centred axis-aligned square that has no blank corners:
    side = min(w, h) / (|cos a| + |sin a|)  (s/sqrt(2) at 45 degrees)."""
    angle %= 360
    if angle == 0:
        return image
    if angle % 90 == 0:
        op = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}
        return image.transpose(op[angle])
    w, h = image.size
    rad = math.radians(angle)
    side = int(math.floor(min(w, h) / (abs(math.cos(rad)) + abs(math.sin(rad)))))
    rot = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False)
    left, top = (w - side) // 2, (h - side) // 2
    return rot.crop((left, top, left + side, top + side))


# Photo views at headings off the 90-degree grid (Workspace.views rotates photos on large tile sets).
# rotate_view's largest blank-free square keeps only the middle half of a 4:3 photo (a 203 px square
# of 384x288), so those views compared a zoomed-in photo with a whole tile and lost half their
# single-heading R@1 (training/results/photo_rotation_cause.md). Photo views keep more of the frame:
# a square halfway between that inner square and the rotated photo's bounding box, the corners it
# adds filled by reflection (mirrored ground texture, not blank).
PHOTO_VIEW_SPAN = 0.5


def rotate_photo_view(image: Image.Image, angle: int, span: float = PHOTO_VIEW_SPAN) -> Image.Image:
    """A photo turned counter-clockwise by `angle` degrees about its centre, as the photo-rotation
    layout compares it with tiles embedded once. Multiples of 90 are rotate_view's exact transposes
    (the whole frame, squashed to a square later like rot0). Other angles: a centred square of side
    inner + span * (box - inner), inner = min(w, h) / (|cos a| + |sin a|) (rotate_view's square) and
    box = the rotated frame's bounding square; pixels outside the photo mirror those inside
    (cv2.BORDER_REFLECT_101), bicubic."""
    angle %= 360
    if angle % 90 == 0:
        return rotate_view(image, angle)
    import cv2

    x = np.asarray(image.convert("RGB"))
    h, w = x.shape[:2]
    c, s_ = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
    inner = min(w, h) / (c + s_)
    box = max(w * c + h * s_, w * s_ + h * c)
    side = max(1, int(round(inner + span * (box - inner))))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)  # positive angle: counter-clockwise, like PIL
    m[0, 2] += (side - w) / 2
    m[1, 2] += (side - h) / 2
    out = cv2.warpAffine(x, m, (side, side), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101)
    return Image.fromarray(out)


def cache_view(item: Tile | Query, view: str) -> str:
    """The view's name in cache keys: photo views off the 90-degree grid are made by
    rotate_photo_view, so they get their own name (a vector cached under the old crop is never reused)."""
    return f"{view}:photo" if isinstance(item, Query) and view_angle(view) % 90 else view


def _open_image(path: Path, window: PixelWindow | None, min_side: int | None = None) -> Image.Image:
    from .images import open_image  # the inputs module; imported late so this module loads alone

    return open_image(path, window, min_side=min_side)


def _open_item(item: Tile | Query, min_side: int | None) -> Image.Image | None:
    """A tile inside a tile package (Tile.ref) is decoded from its package; files as before.
    None for a package tile more than half transparent (sources.registry.holds_data, the rule an
    XYZ folder's tiles are left out by at load; a package is read lazily, so it is judged here,
    where the tile is decoded anyway)."""
    if getattr(item, "ref", None) is not None:
        from .images import _flatten_alpha, alpha_fraction
        from .sources.registry import holds_data
        from .sources.tile_image import open_tile_image

        image = open_tile_image(item, min_side=min_side, keep_alpha=True)
        if not holds_data(alpha_fraction(image)):
            return None
        return _flatten_alpha(image)  # RGB, no data filled as open_tile_image's default does
    return _open_image(item.path, getattr(item, "window", None), min_side)


def _shrink_for_rotation(image: Image.Image, target: int) -> Image.Image:
    """Rotating a large photo is slow and its detail is thrown away by the final resize, so
    shrink first to the size that the 45-degree crop needs (target * sqrt(2) on the short side)."""
    need = int(math.ceil(target * math.sqrt(2))) + 2
    w, h = image.size
    if min(w, h) <= need:
        return image
    s = need / min(w, h)
    return image.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.BICUBIC, reducing_gap=3.0)


def _item_identity(item: Tile | Query) -> str:
    if isinstance(item, Query):
        from .media.query_image import query_identity  # a video frame is its video + its time

        return query_identity(item)
    return file_identity(item.path, item.window, getattr(item, "ref", None))


def _load(item: Tile | Query, views: Sequence[str], backbone: Backbone):
    """Worker: decode once, produce one normalised tensor per requested view."""
    try:
        # Large enough for the 45-degree crops (see _shrink_for_rotation), no larger.
        min_side = int(math.ceil(backbone.resize * math.sqrt(2))) + 2
        if isinstance(item, Query):
            from .media.query_image import open_query_image  # photos and video frames alike

            img = open_query_image(item, min_side=min_side)
        else:
            img = _open_item(item, min_side)  # a file, a GeoTIFF window or a tile package entry
            if img is None:
                return EMPTY, None
        out = []
        small = None
        for v in views:
            a = view_angle(v)
            if a % 90:
                if small is None:
                    small = _shrink_for_rotation(img, backbone.resize)
                turn = rotate_photo_view if isinstance(item, Query) else rotate_view
                out.append(backbone.preprocess(turn(small, a)))
            else:
                out.append(backbone.preprocess(rotate_view(img, a)))
        return out, None
    except Exception as e:  # noqa: BLE001 - one bad image must not stop the run
        return None, str(e) if isinstance(e, InputError) else f"{item.path}: {type(e).__name__}: {e}"


def extract_features(
    items: Sequence[Tile | Query],
    backbone: Backbone,
    *,
    views: Sequence[str] = ("rot0",),
    cache: FeatureCache | None = None,
    batch_size: int = 32,
    workers: int = 2,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    stage: str = "extract",
    finished=None,
) -> ExtractResult:
    """Backbone features (len(items), len(views), backbone.dim) float32 of each item at each view,
    read from `cache` where it holds them, else computed. Raises Cancelled (the cancel token) and
    lets KeyboardInterrupt through; `finished(index, features)` (optional), called as each computed
    item's features become final ((views, dim), all its views run through the model, or zeros for
    an empty package tile), lets a caller keep that work when the pass stops half way
    (extract_into_store commits those rows before it re-raises). Failed items are not reported."""
    views = tuple(views)
    for v in views:
        view_angle(v)
    n, nv, d = len(items), len(views), backbone.dim
    feats = np.zeros((n, nv, d), dtype=np.float32)
    failed: dict[int, str] = {}
    keys: dict[tuple[int, int], str] = {}
    todo: list[tuple[int, list[int]]] = []  # (row, view indices still to compute)
    hits = 0

    # Pass 1 (cheap): file identity + cache look-up; unreadable paths fail here already.
    for i, it in enumerate(items):
        if i and i % 1000 == 0:  # large tile sets: stay responsive while the cache is read
            emit(progress, ProgressEvent(stage, i - len(todo), n, f"checking the cache: {i}/{n}"))
            check(cancel)
        try:
            ident = _item_identity(it)
        except OSError as e:
            failed[i] = f"{it.path}: cannot read file ({e.strerror or e})"
            continue
        missing = []
        for j, v in enumerate(views):
            if cache is not None:
                k = cache.key(backbone.signature, cache_view(it, v), ident)
                keys[(i, j)] = k
                vec = cache.get(k, d)
                if vec is not None:
                    feats[i, j] = vec
                    hits += 1
                    continue
            missing.append(j)
        if missing:
            todo.append((i, missing))

    total = n
    done_items = n - len(todo)
    clock = EtaClock(max(len(todo), 1))
    emit(progress, ProgressEvent(stage, done_items, total, f"{hits} cached, {len(todo)} to compute"))
    check(cancel)
    computed = 0
    if todo:
        computed = _run(items, todo, views, backbone, feats, failed, cache, keys, batch_size, workers,
                        progress, cancel, stage, clock, done_items, total, finished)
    # empty package tiles: zero rows, computed now (EMPTY) or cached as zeros by an earlier run
    packaged = [i for i, it in enumerate(items) if getattr(it, "ref", None) is not None and i not in failed]
    empty = {i for i in packaged if not feats[i].any()}
    emit(progress, ProgressEvent(stage, total, total, f"done: {len(failed)} failed", eta_s=0.0,
                                 metrics={"cache_hits": hits, "computed": computed, "empty": len(empty)}))
    return ExtractResult(feats, failed, hits, computed, empty)


def _run(items, todo, views, backbone, feats, failed, cache, keys, batch_size, workers,
         progress, cancel, stage, clock, done_items, total, on_final=None) -> int:
    batch_size = max(1, int(batch_size))
    pending: list[tuple[int, int, torch.Tensor]] = []  # (row, view index, tensor)
    views_left: dict[int, int] = {}  # item -> its views still in `pending` (handed on when it reaches 0)
    computed = 0
    finished = 0  # items of `todo` fully handed to the model or failed

    def flush(full_only: bool) -> None:
        nonlocal computed
        while pending and (len(pending) >= batch_size or not full_only):
            chunk = pending[:batch_size]
            del pending[:batch_size]
            out = backbone.encode(torch.stack([t for _, _, t in chunk])).numpy().astype(np.float32, copy=False)
            for (i, j, _), vec in zip(chunk, out):
                feats[i, j] = vec
                if cache is not None:
                    cache.put(keys[(i, j)], vec)
                views_left[i] -= 1
                if not views_left[i] and on_final is not None:  # after the write: never a half-set row
                    on_final(i, feats[i])
            computed += len(chunk)

    def report() -> None:
        step = done_items + finished
        emit(progress, ProgressEvent(stage, step, total, f"{step}/{total} images",
                                     eta_s=clock.eta(finished)))

    workers = max(1, int(workers))
    # Enough look-ahead to keep the model fed, small enough that memory stays bounded.
    ahead = max(2 * workers, math.ceil(2 * batch_size / max(1, len(views))))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="geolocator-decode") as pool:
        queue: deque = deque()
        it = iter(todo)

        def refill() -> None:
            while len(queue) < ahead:
                nxt = next(it, None)
                if nxt is None:
                    return
                i, js = nxt
                queue.append((i, js, pool.submit(_load, items[i], [views[j] for j in js], backbone)))

        try:
            refill()
            while queue:
                i, js, fut = queue.popleft()
                refill()
                tensors, err = fut.result()
                if err is not None:
                    failed[i] = err
                    feats[i] = 0.0
                elif tensors is EMPTY:  # no data: a zero row, kept so the next run need not decode it
                    feats[i] = 0.0
                    if cache is not None:
                        for j in js:
                            cache.put(keys[(i, j)], feats[i, j])
                    if on_final is not None:
                        on_final(i, feats[i])
                else:
                    views_left[i] = len(js)
                    pending.extend((i, j, t) for j, t in zip(js, tensors))
                finished += 1
                if len(pending) >= batch_size:
                    flush(full_only=True)
                    report()
                    check(cancel)
            flush(full_only=False)
            report()
        finally:
            for _, _, fut in queue:
                fut.cancel()
    return computed


# -- streaming into a feature store ------------------------------------------------------------
@dataclass
class IndexResult:
    rows: np.ndarray  # (N,) int64 store row of each item, -1 where it failed
    failed: dict[int, str] = field(default_factory=dict)  # item index -> reason
    reused: int = 0  # items already in the store (a resumed or repeated run)
    computed: int = 0  # items run through the model now
    empty: set[int] = field(default_factory=set)  # package tiles with no data (ExtractResult.empty): zero rows


# Items per store commit: large enough that the fsyncs cost nothing next to the model (~1 per
# 10 s of CPU extraction), small enough that a crash loses little.
STORE_CHUNK = 512
# The finished tiles of the chunk in flight are also committed every this many seconds (faults37): on 2
# CPU cores a chunk is ~6 min of work (0.7 s a tile), all of it lost to a SIGKILL, an out-of-memory kill
# or a power cut before; now at most this long. Each such commit is one store batch (~40 tiles' rows and
# an fsync: training/results/faults37_session37.md); the chunk's own append then skips those keys.
PARTIAL_COMMIT_S = 30.0


def store_keys(items: Sequence[Tile | Query], progress: ProgressCallback | None = None,
               cancel: CancelToken | None = None, stage: str = "extract") -> tuple[list[str | None], dict[int, str]]:
    """The store key (store.store_key of cache.file_identity) of each item; None and a reason
    where the file cannot be stat'ed."""
    from .store import store_key

    keys: list[str | None] = []
    failed: dict[int, str] = {}
    for i, it in enumerate(items):
        if i and i % 10000 == 0:
            emit(progress, ProgressEvent(stage, 0, len(items), f"checking the store: {i}/{len(items)}"))
            check(cancel)
        try:
            keys.append(store_key(_item_identity(it)))  # a package tile: its file and its ref
        except OSError as e:
            keys.append(None)
            failed[i] = f"{it.path}: cannot read file ({e.strerror or e})"
    return keys, failed


def extract_into_store(
    items: Sequence[Tile | Query],
    backbone: Backbone,
    store,
    *,
    batch_size: int = 32,
    workers: int = 2,
    chunk: int = STORE_CHUNK,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    stage: str = "extract:tiles",
    compute=None,
) -> IndexResult:
    """Extract the items the store (store.FeatureStore, views = store.views) lacks, in chunks that
    are committed as they finish: memory stays bounded by one chunk, and an interrupted run
    resumes where the last commit ended. A pass that stops (Cancelled, KeyboardInterrupt, SIGTERM in
    the CLI, an error) first commits the tiles of the chunk in flight whose features are final, in
    one more batch of the store's own protocol, then re-raises: a cancel loses at most the batch in
    the model (the local model; a `compute` of its own, the Ray route, loses its chunks in flight); a
    crash or power cut loses what the chunk in flight computed since its last partial commit (the
    local model commits its finished tiles every PARTIAL_COMMIT_S seconds; a `compute` of its own:
    the whole chunk, at most `chunk` tiles).

    compute(parts, views) replaces the local model (the Ray route, ray_index.py): given an iterator
    of chunks (lists of items) it yields one ExtractResult per chunk, in order, as extract_features
    would. Returns each item's row; failed items get -1 and a reason (tried again next run). Rows the
    other stores beside this one hold for the same files are copied, not computed (store.adopt)."""
    if store.signature != backbone.signature or store.dim != backbone.dim:
        raise ValueError("the store was made for another backbone")
    keys, failed = store_keys(items, progress, cancel, stage)
    rows = np.full(len(items), -1, np.int64)
    ok = [i for i, k in enumerate(keys) if k is not None]
    rows[ok] = store.lookup([keys[i] for i in ok])
    todo = [i for i in ok if rows[i] < 0]
    root = getattr(store, "root", None)  # (a stand-in store without a folder is neither judged nor mended)
    if root is not None:
        from .store_mend import judged, mend
    if todo and hasattr(store, "adopt"):  # a tile set that gained or lost tiles: the others' rows are there
        # a judged store copies rows only from judged ones (an unjudged one is judged whole below)
        store.adopt([keys[i] for i in todo], **({"accept": judged} if root is not None and judged(root) else {}))
        rows[todo] = store.lookup([keys[i] for i in todo])
        todo = [i for i in todo if rows[i] < 0]
    reused = len(ok) - len(todo)
    n = len(items)
    # a store from before empty package tiles were left out: their features cleared (store_mend)
    mended = (mend(items, rows, store, workers=workers, progress=progress, cancel=cancel, stage=stage)
              if root is not None else set())
    empty = _zero_rows(items, rows, set(todo), store) | mended  # judged by an earlier run: not decoded again
    clock = EtaClock(max(len(todo), 1))
    metrics = {}
    if reused:  # said once, at the start: a Ctrl-C'ed or cancelled run is resumed, not started over
        import logging

        from .wording import EARLIER_RUN, earlier_run_line

        metrics = {EARLIER_RUN: earlier_run_line("tiles", reused, n)}  # the app's status bar
        logging.getLogger("geolocator").info("%s", metrics[EARLIER_RUN])  # the CLI's line
    emit(progress, ProgressEvent(stage, reused, n, f"{reused} in the store, {len(todo)} to compute", metrics=metrics))
    done = 0
    if compute is None:
        def inner(ev: ProgressEvent) -> None:  # per-batch events inside a chunk, in overall units
            if 0 < ev.step < ev.total:
                emit(progress, ProgressEvent(stage, reused + done + ev.step, n, f"{reused + done + ev.step}/{n} tiles",
                                             eta_s=clock.eta(done + ev.step)))

        def compute(parts, views):
            for part in parts:
                in_flight.clear()
                yield extract_features(part, backbone, views=views, cache=None, batch_size=batch_size,
                                       workers=workers, progress=inner, cancel=cancel, stage=stage,
                                       finished=final)

        committed_at = [time.monotonic()]

        def final(j: int, vec: np.ndarray) -> None:  # item j of the chunk in flight (chunks[taken]) is final
            in_flight[j] = vec
            if time.monotonic() - committed_at[0] >= PARTIAL_COMMIT_S:
                committed_at[0] = time.monotonic()
                if _keep_finished(store, [keys[i] for i in chunks[taken]], in_flight, partial=True):
                    in_flight.clear()  # in the store now: the chunk's own append skips their keys

    in_flight: dict[int, np.ndarray] = {}  # the chunk being computed: item in it -> final (views, dim)
    chunk = max(1, int(chunk))
    chunks = [todo[s : s + chunk] for s in range(0, len(todo), chunk)]
    results = compute(([items[i] for i in part] for part in chunks), store.views)
    taken = 0  # chunks committed; chunks[taken] is the one in flight
    try:
        for part_ids, result in zip(chunks, results):
            good = [j for j in range(len(part_ids)) if j not in result.failed]
            for j, reason in result.failed.items():
                failed[part_ids[j]] = reason
            empty.update(part_ids[j] for j in getattr(result, "empty", ()))
            if good:
                got = store.append([keys[part_ids[j]] for j in good], result.features[good])
                rows[[part_ids[j] for j in good]] = got
            done += len(part_ids)
            taken += 1
            emit(progress, ProgressEvent(stage, reused + done, n, f"{reused + done}/{n} tiles",
                                         eta_s=clock.eta(done)))
            check(cancel)  # after the commit: a finished chunk is never thrown away
    except BaseException:
        if in_flight and taken < len(chunks):
            _keep_finished(store, [keys[i] for i in chunks[taken]], in_flight)
        raise
    emit(progress, ProgressEvent(stage, n, n, f"done: {len(failed)} failed", eta_s=0.0,
                                 metrics={"reused": reused, "computed": len(todo)}))
    return IndexResult(rows, failed, reused, len(todo), empty)


def _keep_finished(store, part_keys: list[str], finished: dict[int, np.ndarray], partial: bool = False) -> bool:
    """Commit the finished rows of a chunk a pass stopped in (extract_into_store), or, `partial`, of the
    chunk in flight every PARTIAL_COMMIT_S; a failure here is logged, never raised (over the exception
    that stopped the pass; a partial one is tried again with the whole chunk). True when committed."""
    import logging

    ids = sorted(finished)
    if not ids:
        return True
    try:
        store.append([part_keys[j] for j in ids], np.stack([finished[j] for j in ids]))
    except Exception as exc:  # noqa: BLE001 - the stop's own exception is the one to raise
        if partial:
            logging.getLogger("geolocator").debug("%d finished tiles not committed yet: %s", len(ids), exc)
        else:
            logging.getLogger("geolocator").warning("the %d tiles computed before the stop were not kept: %s",
                                                    len(ids), exc)
        return False
    logging.getLogger("geolocator").debug("kept %d tiles computed %s", len(ids),
                                          "so far in this chunk" if partial else "before the stop")
    return True


def _zero_rows(items, rows: np.ndarray, todo: set[int], store, block: int = 65536) -> set[int]:
    """Items of a tile package (Tile.ref) found in `store` (rows >= 0, not in `todo`) whose stored
    features are all zero: tiles an earlier run found empty (EMPTY). Reads those rows in blocks."""
    ids = np.array([i for i, it in enumerate(items) if getattr(it, "ref", None) is not None
                    and rows[i] >= 0 and i not in todo], np.int64)
    if not len(ids):
        return set()
    features = store.array()
    found: set[int] = set()
    for s in range(0, len(ids), block):
        part = ids[s : s + block]
        zero = ~np.asarray(features[rows[part]]).reshape(len(part), -1).any(axis=1)
        found.update(int(i) for i in part[zero])
    return found
