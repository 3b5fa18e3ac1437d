"""Exact answers for core/extract.py, written for session 8's mutation run
(training/results/mutation_media.md): view names and rotation geometry, the decode worker, batching,
cache keys, failures and progress, and streaming into a store. A stand-in backbone's "feature" of an
image is 2 x (width, height, mean red, 1), so every row can be worked out by hand; no real model."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from geolocator.core import extract as E
from geolocator.core.cache import FeatureCache, file_identity
from geolocator.core.errors import Cancelled, InputError
from geolocator.core.model import Bounds, PixelWindow, Query, Tile
from geolocator.core.progress import CancelToken


class FakeBackbone:
    def __init__(self, resize=36, signature="fake0"):
        self.dim, self.resize, self.signature = 4, resize, signature
        self.batches: list[int] = []
        self.sizes: list[tuple[int, int]] = []

    def preprocess(self, img):
        self.sizes.append(img.size)
        red = float(np.asarray(img.convert("RGB"), np.float32)[..., 0].mean())
        return torch.tensor([img.size[0], img.size[1], red, 1.0])

    def encode(self, x):
        self.batches.append(len(x))
        return x * 2


def _tiles(folder: Path, n: int, size=(8, 6)) -> list[Tile]:
    folder.mkdir(exist_ok=True)
    out = []
    for i in range(n):
        p = folder / f"t{i}.png"
        Image.new("RGB", size, (10 * i, 0, 0)).save(p)
        out.append(Tile(f"t{i}.png", p, Bounds(0, 0, 1, 1)))
    return out


def _row(w, h, red):
    return [2.0 * w, 2.0 * h, 2.0 * red, 2.0]


# -- views -----------------------------------------------------------------------------------------
def test_view_angle_names():
    assert [E.view_angle(v) for v in ("rot0", "rot45", "rot450", "rot360", "rot315")] == [0, 45, 90, 0, 315]
    for bad in ("rot", "rotx", "r90", "ROT90", "rot-90", "xrot90"):
        with pytest.raises(ValueError) as e:
            E.view_angle(bad)
        assert str(e.value) == (f"unknown view '{bad}'; views are rot0, rot45, rot90, rot135, rot180, rot225, "
                                "rot270, rot315")


def _red(im):
    return np.asarray(im)[..., 0].tolist()


def test_rotate_view_quarter_turns_exact():
    a = np.array([[1, 2, 3], [4, 5, 6]], np.uint8)
    im = Image.fromarray(np.stack([a, a, a], -1), "RGB")
    assert E.rotate_view(im, 0) is im and E.rotate_view(im, 360) is im
    assert _red(E.rotate_view(im, 90)) == [[3, 6], [2, 5], [1, 4]]  # counter-clockwise
    assert _red(E.rotate_view(im, 450)) == [[3, 6], [2, 5], [1, 4]]
    assert _red(E.rotate_view(im, 180)) == [[6, 5, 4], [3, 2, 1]]
    assert _red(E.rotate_view(im, 270)) == [[4, 1], [5, 2], [6, 3]]
    assert _red(E.rotate_view(im, -90)) == [[4, 1], [5, 2], [6, 3]]


def test_rotate_view_off_the_grid_keeps_the_largest_blank_free_square():
    im = Image.new("RGB", (100, 60), (200, 200, 200))
    r45 = E.rotate_view(im, 45)  # floor(60 / (cos 45 + sin 45)) = floor(42.43) = 42
    assert r45.size == (42, 42) and np.asarray(r45).min() > 150
    r30 = E.rotate_view(im, 30)  # floor(60 / 1.366) = floor(43.92) = 43
    assert r30.size == (43, 43) and np.asarray(r30).min() > 150
    tall = E.rotate_view(Image.new("RGB", (60, 100), (200, 200, 200)), 45)
    assert tall.size == (42, 42) and np.asarray(tall).min() > 150


def test_rotate_photo_view_sizes_fill_and_direction():
    im = Image.new("RGB", (100, 60), (200, 200, 200))
    # inner 60 / 1.4142 = 42.43, box (100 + 60) * 0.7071 = 113.14: 42.43 + 0.5 * 70.71 = 77.78 -> 78
    out = E.rotate_photo_view(im, 45)
    assert out.size == (78, 78) and np.abs(np.asarray(out, int) - 200).max() <= 1  # reflected, not blank
    assert E.rotate_photo_view(im, 45, span=0.0).size == (42, 42)
    assert E.rotate_photo_view(im, 45, span=1.0).size == (113, 113)
    # 30 degrees: inner 43.92, box max(86.60 + 30, 50 + 51.96) = 116.60 -> 43.92 + 36.34 = 80.26 -> 80
    assert E.rotate_photo_view(im, 30).size == (80, 80)
    assert E.rotate_photo_view(im, 390).size == (80, 80)
    a = np.array([[1, 2, 3], [4, 5, 6]], np.uint8)
    small = Image.fromarray(np.stack([a, a, a], -1), "RGB")
    assert _red(E.rotate_photo_view(small, 90)) == [[3, 6], [2, 5], [1, 4]]
    assert E.rotate_photo_view(small, 0) is small
    # a marker 29.5 px right of the centre (50, 30) turns 45 degrees counter-clockwise (up, in an image):
    # (29.5, -0.5) -> (20.5, -21.2) from the output's centre (39, 39): (59.5, 17.8)
    x = np.zeros((60, 100, 3), np.uint8)
    x[28:32, 78:82] = 255
    y = np.asarray(E.rotate_photo_view(Image.fromarray(x), 45))[..., 0].astype(float)
    rows, cols = np.nonzero(y > 128)
    assert abs(cols.mean() - 59.5) < 1.5 and abs(rows.mean() - 17.8) < 1.5
    x = np.zeros((60, 100, 3), np.uint8)
    x[28:32, 48:52] = 255  # the centre stays at the centre
    y = np.asarray(E.rotate_photo_view(Image.fromarray(x), 45))[..., 0].astype(float)
    rows, cols = np.nonzero(y > 128)
    assert abs(cols.mean() - 38.5) < 1.2 and abs(rows.mean() - 39.0) < 1.2


def test_cache_view_names():
    q, t = Query("q", Path("x.jpg")), Tile("t", Path("t.png"), Bounds(0, 0, 1, 1))
    assert E.cache_view(q, "rot45") == "rot45:photo" and E.cache_view(q, "rot315") == "rot315:photo"
    assert E.cache_view(q, "rot90") == "rot90" and E.cache_view(q, "rot0") == "rot0"
    assert E.cache_view(t, "rot45") == "rot45"


def test_shrink_for_rotation_sizes():
    # target 32: need ceil(32 * 1.4142) + 2 = 48 on the short side
    im = Image.new("RGB", (60, 48))
    assert E._shrink_for_rotation(im, 32) is im
    assert E._shrink_for_rotation(Image.new("RGB", (100, 60)), 32).size == (80, 48)
    assert E._shrink_for_rotation(Image.new("RGB", (49, 200)), 32).size == (48, 196)
    assert E._shrink_for_rotation(Image.new("RGB", (1000, 50)), 32).size == (960, 48)


# -- the decode worker ------------------------------------------------------------------------------
def test_load_decodes_once_and_turns_each_view(monkeypatch):
    seen = []

    def fake_open(path, window, min_side=None):
        seen.append((path, window, min_side))
        return Image.new("RGB", (200, 100), (40, 0, 0))
    monkeypatch.setattr(E, "_open_image", fake_open)
    bb = FakeBackbone()
    w = PixelWindow(1, 2, 3, 4)
    tile = Tile("t", Path("t.tif"), Bounds(0, 0, 1, 1), window=w)
    out, err = E._load(tile, ["rot0", "rot90", "rot45"], bb)
    assert err is None and len(out) == 3
    # min_side ceil(36 * 1.4142) + 2 = 53; the 45-degree view from the 106 x 53 shrink: floor(53 / 1.4142) = 37
    assert seen == [(Path("t.tif"), w, 53)]
    assert bb.sizes == [(200, 100), (100, 200), (37, 37)]
    assert [t.tolist() for t in out] == [[200.0, 100.0, 40.0, 1.0], [100.0, 200.0, 40.0, 1.0], [37.0, 37.0, 40.0, 1.0]]

    def fail(path, window, min_side=None):
        raise InputError(path, "bad pixels")
    monkeypatch.setattr(E, "_open_image", fail)
    assert E._load(tile, ["rot0"], bb) == (None, f"{Path('t.tif')}: bad pixels")

    def crash(path, window, min_side=None):
        raise ValueError("odd")
    monkeypatch.setattr(E, "_open_image", crash)
    assert E._load(tile, ["rot0"], bb) == (None, f"{Path('t.tif')}: ValueError: odd")


def test_load_turns_photos_with_the_photo_rotation(monkeypatch):
    from geolocator.core.media import query_image

    seen = []

    def fake_open(item, min_side=None):
        seen.append((item.id, min_side))
        return Image.new("RGB", (64, 48), (10, 0, 0))
    monkeypatch.setattr(query_image, "open_query_image", fake_open)
    bb = FakeBackbone()
    out, err = E._load(Query("q", Path("q.jpg")), ["rot45", "rot0"], bb)
    # 64 x 48 is under the 53 px shrink; photo square: 33.94 + 0.5 * (79.20 - 33.94) = 56.57 -> 57
    assert err is None and seen == [("q", 53)] and bb.sizes == [(57, 57), (64, 48)]


def test_open_item_reads_a_package_tile_from_its_package(monkeypatch):
    from geolocator.core.sources import tile_image

    from PIL import Image

    seen = []
    img = Image.new("RGB", (8, 8), (10, 20, 30))
    monkeypatch.setattr(tile_image, "open_tile_image",
                        lambda item, min_side=None, keep_alpha=False: seen.append((item.id, min_side, keep_alpha)) or img)
    tile = Tile("t", Path("pack.mbtiles"), Bounds(0, 0, 1, 1), ref="3/1/2")
    # with its alpha (emptytiles34): a tile more than half transparent is left out as a folder's is
    out = E._open_item(tile, 77)
    assert seen == [("t", 77, True)] and out.mode == "RGB" and out.tobytes() == img.tobytes()


# -- extract_features -------------------------------------------------------------------------------
def test_batches_rows_and_counts_exact(tmp_path):
    tiles = _tiles(tmp_path / "t", 5)
    bb = FakeBackbone()
    res = E.extract_features(tiles, bb, views=("rot0",), batch_size=2, workers=1)
    assert bb.batches == [2, 2, 1]
    assert res.features.shape == (5, 1, 4) and res.features.dtype == np.float32
    assert res.features[:, 0].tolist() == [_row(8, 6, 10 * i) for i in range(5)]
    assert (res.failed, res.cache_hits, res.computed) == ({}, 0, 5)
    bb = FakeBackbone()
    res = E.extract_features(tiles[:3], bb, views=("rot0", "rot90"), batch_size=3, workers=2)
    assert bb.batches == [3, 3] and res.computed == 6
    assert res.features[2].tolist() == [_row(8, 6, 20), _row(6, 8, 20)]
    bb = FakeBackbone()
    E.extract_features(tiles[:3], bb, batch_size=0)
    assert bb.batches == [1, 1, 1]


def test_failures_leave_zero_rows_and_reasons(tmp_path):
    tiles = _tiles(tmp_path / "t", 3)
    (tmp_path / "bad.png").write_text("no image")
    bad = Tile("bad", tmp_path / "bad.png", Bounds(0, 0, 1, 1))
    gone = Tile("gone", tmp_path / "gone.png", Bounds(0, 0, 1, 1))
    bb = FakeBackbone()
    res = E.extract_features([tiles[0], bad, gone, tiles[2]], bb, views=("rot0", "rot90"), batch_size=2)
    assert res.failed == {1: f"{tmp_path / 'bad.png'}: not an image, or a format that cannot be read",
                          2: f"{tmp_path / 'gone.png'}: cannot read file (No such file or directory)"}
    assert (res.features[1] == 0).all() and (res.features[2] == 0).all()
    assert res.features[3].tolist() == [_row(8, 6, 20), _row(6, 8, 20)]
    assert res.computed == 4 and bb.batches == [2, 2]


def test_cache_hits_keys_and_progress_events(tmp_path):
    tiles = _tiles(tmp_path / "t", 3)
    cache = FeatureCache(tmp_path / "cache")
    events = []
    bb = FakeBackbone()
    cold = E.extract_features(tiles, bb, views=("rot0",), cache=cache, batch_size=2, progress=events.append,
                              stage="extract:x")
    got = [(e.stage, e.step, e.total, e.message) for e in events]
    assert got == [("extract:x", 0, 3, "0 cached, 3 to compute"), ("extract:x", 2, 3, "2/3 images"),
                   ("extract:x", 3, 3, "3/3 images"), ("extract:x", 3, 3, "done: 0 failed")]
    assert events[0].eta_s is None and events[-1].eta_s == 0.0
    assert events[-1].metrics == {"cache_hits": 0, "computed": 3, "empty": 0}
    k = cache.key("fake0", "rot0", file_identity(tiles[1].path))
    assert cache.get(k, 4).tolist() == _row(8, 6, 10)
    # warm: nothing computed, the same rows
    events.clear()
    bb2 = FakeBackbone()
    warm = E.extract_features(tiles, bb2, views=("rot0", "rot90"), cache=cache, batch_size=2, progress=events.append)
    assert warm.cache_hits == 3 and warm.computed == 3 and bb2.batches == [2, 1]
    assert bb2.sizes == [(8, 6)] * 0 + [(6, 8)] * 3  # only the missing view is decoded into tensors
    assert np.array_equal(warm.features[:, 0], cold.features[:, 0])
    assert (events[0].step, events[0].message) == (0, "3 cached, 3 to compute")
    bb3 = FakeBackbone()
    hot = E.extract_features(tiles, bb3, views=("rot0", "rot90"), cache=cache)
    assert bb3.batches == [] and hot.cache_hits == 6 and hot.computed == 0


def test_photo_views_are_cached_under_their_own_name(tmp_path):
    Image.new("RGB", (64, 48), (30, 0, 0)).save(tmp_path / "q.png")
    q = Query("q.png", tmp_path / "q.png")
    cache = FeatureCache(tmp_path / "cache")
    E.extract_features([q], FakeBackbone(), views=("rot45",), cache=cache)
    ident = file_identity(tmp_path / "q.png")
    assert cache.get(cache.key("fake0", "rot45:photo", ident), 4).tolist() == _row(57, 57, 30)
    assert cache.get(cache.key("fake0", "rot45", ident), 4) is None


def test_bad_views_and_cancel_stop_before_any_work(tmp_path):
    tiles = _tiles(tmp_path / "t", 2)
    bb = FakeBackbone()
    with pytest.raises(ValueError):
        E.extract_features(tiles, bb, views=("rot0", "sideways"))
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        E.extract_features(tiles, bb, cancel=token)
    assert bb.batches == [] and bb.sizes == []


def test_the_look_ahead_is_bounded(tmp_path, monkeypatch):
    tiles = _tiles(tmp_path / "t", 12)
    state = {"submitted": 0, "most": 0}
    real = E._load

    def counting(item, views, backbone):
        state["submitted"] += 1
        return real(item, views, backbone)
    monkeypatch.setattr(E, "_load", counting)
    bb = FakeBackbone()
    seen_at_encode = []
    enc = bb.encode

    def encode(x):
        seen_at_encode.append(state["submitted"])
        return enc(x)
    bb.encode = encode
    E.extract_features(tiles, bb, views=("rot0",), batch_size=2, workers=1)
    # ahead = max(2 * 1, ceil(2 * 2 / 1)) = 4 in the queue: at the first batch (after 2 taken) at most 2 + 4
    assert seen_at_encode[0] <= 6 and bb.batches == [2] * 6


# -- into a store ---------------------------------------------------------------------------------------
class FakeStore:
    def __init__(self, known=(), signature="fake0", dim=4):
        self.signature, self.dim, self.views = signature, dim, ("rot0",)
        self.known = dict(known)
        self.appended = []

    def lookup(self, keys):
        return np.array([self.known.get(k, -1) for k in keys], np.int64)

    def append(self, keys, feats):
        start = 100 + 10 * len(self.appended)
        self.appended.append((list(keys), np.array(feats)))
        return np.arange(start, start + len(keys))


def test_store_keys_and_extract_into_store_exact(tmp_path):
    from geolocator.core.store import store_key

    tiles = _tiles(tmp_path / "t", 4)
    (tmp_path / "bad.png").write_text("no image")
    items = [tiles[0], Tile("gone", tmp_path / "gone.png", Bounds(0, 0, 1, 1)),
             Tile("bad", tmp_path / "bad.png", Bounds(0, 0, 1, 1)), tiles[3], tiles[2]]
    keys, failed = E.store_keys(items)
    want_keys = [store_key(file_identity(it.path)) for it in (tiles[0],)] + [None] + [
        store_key(file_identity(it.path)) for it in items[2:]]
    assert keys == want_keys
    assert failed == {1: f"{tmp_path / 'gone.png'}: cannot read file (No such file or directory)"}
    store = FakeStore({keys[0]: 7})
    events = []
    res = E.extract_into_store(items, FakeBackbone(), store, chunk=2, progress=events.append)
    # to compute: items 2, 3, 4 in chunks [2, 3] and [4]; item 2 fails
    assert res.rows.tolist() == [7, -1, -1, 100, 110]
    assert sorted(res.failed) == [1, 2] and res.failed[2].endswith("not an image, or a format that cannot be read")
    assert (res.reused, res.computed) == (1, 3)
    assert [k for k, _ in store.appended] == [[keys[3]], [keys[4]]]
    assert store.appended[0][1].tolist() == [[_row(8, 6, 30)]] and store.appended[1][1].tolist() == [[_row(8, 6, 20)]]
    outer = [(e.step, e.total, e.message) for e in events if e.message.endswith("tiles") or "store" in e.message
             or e.message.startswith("done")]
    assert outer[0] == (1, 5, "1 in the store, 3 to compute")
    assert (3, 5, "3/5 tiles") in outer and (4, 5, "4/5 tiles") in outer
    assert outer[-1] == (5, 5, "done: 2 failed") and events[-1].metrics == {"reused": 1, "computed": 3}


def test_extract_into_store_checks_the_backbone_and_uses_compute(tmp_path):
    tiles = _tiles(tmp_path / "t", 3)
    for store in (FakeStore(signature="other"), FakeStore(dim=5)):
        with pytest.raises(ValueError) as e:
            E.extract_into_store(tiles, FakeBackbone(), store)
        assert str(e.value) == "the store was made for another backbone"
    calls = []

    def compute(parts, views):
        for part in parts:
            calls.append(([t.id for t in part], views))
            yield E.ExtractResult(np.full((len(part), 1, 4), 3.0, np.float32), {0: "nope"} if len(part) == 2 else {})
    store = FakeStore()
    res = E.extract_into_store(tiles, FakeBackbone(), store, chunk=2, compute=compute)
    assert calls == [(["t0.png", "t1.png"], ("rot0",)), (["t2.png"], ("rot0",))]
    assert res.rows.tolist() == [-1, 100, 110] and res.failed == {0: "nope"}
    res = E.extract_into_store(tiles, FakeBackbone(), FakeStore(), chunk=0, compute=compute)
    assert calls[-3:] == [(["t0.png"], ("rot0",)), (["t1.png"], ("rot0",)), (["t2.png"], ("rot0",))]


# -- round 2: the decode pool, look-ahead, long lists, cancel points, store progress -----------------
class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value

    def cancel(self):
        return False


class _SyncPool:
    """ThreadPoolExecutor stand-in: runs each task when submitted and records the pool's settings."""

    made: list = []

    def __init__(self, **kw):
        self.kw = kw
        self.submitted = 0
        _SyncPool.made.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False

    def submit(self, fn, *args):
        self.submitted += 1
        return _Done(fn(*args))


def _sync(monkeypatch):
    _SyncPool.made = []
    monkeypatch.setattr(E, "ThreadPoolExecutor", _SyncPool)


@pytest.mark.parametrize("workers, batch, views, ahead", [
    (1, 4, ("rot0", "rot90"), 4),  # max(2 * 1, ceil(2 * 4 / 2)) = 4; the first batch needs 2 items
    (1, 4, ("rot0",), 8),  # max(2, ceil(8 / 1)) = 8; the first batch needs 4 items
    (3, 2, ("rot0",), 6),  # max(2 * 3, ceil(4 / 1)) = 6; the first batch needs 2 items
])
def test_the_pool_and_its_look_ahead_exact(tmp_path, monkeypatch, workers, batch, views, ahead):
    _sync(monkeypatch)
    tiles = _tiles(tmp_path / "t", 20)
    bb = FakeBackbone()
    at_encode = []
    enc = bb.encode
    bb.encode = lambda x: (at_encode.append(_SyncPool.made[0].submitted), enc(x))[1]
    E.extract_features(tiles, bb, views=views, batch_size=batch, workers=workers)
    assert _SyncPool.made[0].kw == {"max_workers": workers, "thread_name_prefix": "geolocator-decode"}
    # ahead queued, then one more submitted per item taken off the queue
    assert at_encode[0] == ahead + math.ceil(batch / len(views))


def test_defaults_batch_32_two_workers_stage_extract(tmp_path, monkeypatch):
    _sync(monkeypatch)
    tiles = _tiles(tmp_path / "t", 40)
    bb = FakeBackbone()
    events = []
    E.extract_features(tiles, bb, progress=events.append)
    assert bb.batches == [32, 8] and _SyncPool.made[0].kw["max_workers"] == 2
    assert {e.stage for e in events} == {"extract"}
    _sync(monkeypatch)
    E.extract_features(tiles[:3], bb, workers=0)
    assert _SyncPool.made[0].kw["max_workers"] == 1


class _DictCache:
    def __init__(self):
        self.d = {}

    def key(self, signature, view, identity):
        return f"{signature}|{view}|{identity}"

    def get(self, key, dim):
        return self.d.get(key)

    def put(self, key, vec):
        self.d[key] = np.array(vec)


def test_a_long_list_reports_and_checks_cancel_every_1000_items(monkeypatch):
    _sync(monkeypatch)
    monkeypatch.setattr(E, "_item_identity", lambda it: it.id)
    monkeypatch.setattr(E, "_load", lambda item, views, backbone: ([torch.zeros(4) for _ in views], None))
    items = [Tile(f"t{i}", Path(f"t{i}.png"), Bounds(0, 0, 1, 1)) for i in range(1001)]
    cache = _DictCache()
    for i in range(0, 1000, 2):  # every second item of the first 1000 is cached: 500 to do at item 1000
        cache.put(f"fake0|rot0|t{i}", np.ones(4))
    events = []
    res = E.extract_features(items, FakeBackbone(), cache=cache, batch_size=1000, progress=events.append, stage="s")
    assert (events[0].stage, events[0].step, events[0].total, events[0].message) == (
        "s", 500, 1001, "checking the cache: 1000/1001")
    assert res.cache_hits == 500 and res.computed == 501
    token = CancelToken()
    token.cancel()
    events.clear()
    with pytest.raises(Cancelled):
        E.extract_features(items, FakeBackbone(), cache=cache, progress=events.append, cancel=token)
    assert [e.message for e in events] == ["checking the cache: 1000/1001"]  # stopped at item 1000


def test_store_keys_reports_every_10000_items(monkeypatch):
    monkeypatch.setattr(E, "_item_identity", lambda it: it.id)
    items = [Tile(f"t{i}", Path("x"), Bounds(0, 0, 1, 1)) for i in range(10001)]
    events = []
    keys, failed = E.store_keys(items, events.append)
    assert [(e.stage, e.step, e.total, e.message) for e in events] == [
        ("extract", 0, 10001, "checking the store: 10000/10001")]
    assert len(keys) == 10001 and failed == {}
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        E.store_keys(items, None, token, "x")
    assert len(E.store_keys(items[:10000], None, token)[0]) == 10000  # no check before item 10000


def test_cancel_between_batches_and_eta(tmp_path, monkeypatch):
    _sync(monkeypatch)
    tiles = _tiles(tmp_path / "t", 6)
    token = CancelToken()
    bb = FakeBackbone()

    def progress(ev):
        if ev.message.endswith("images"):
            assert ev.eta_s is not None and ev.eta_s >= 0
            token.cancel()
    with pytest.raises(Cancelled):
        E.extract_features(tiles, bb, batch_size=2, progress=progress, cancel=token)
    assert bb.batches == [2]  # stopped right after the first batch's report
    events = []
    E.extract_features(tiles[:1], FakeBackbone(), progress=events.append)
    assert [(e.message, e.eta_s) for e in events[1:]] == [("1/1 images", 0.0), ("done: 0 failed", 0.0)]


def test_item_identity_and_open_image_hand_everything_on(tmp_path, monkeypatch):
    from geolocator.core import images

    p = tmp_path / "a.tif"
    p.write_bytes(b"x")
    w = PixelWindow(1, 2, 3, 4)
    tile = Tile("a", p, Bounds(0, 0, 1, 1), window=w, ref="3/1/2")
    assert E._item_identity(tile) == file_identity(p, w, "3/1/2")
    assert E._item_identity(tile) not in (file_identity(p, w), file_identity(p, None, "3/1/2"))
    seen = []
    monkeypatch.setattr(images, "open_image", lambda path, window=None, *, min_side=None: seen.append(
        (path, window, min_side)) or "img")
    assert E._open_image(p, w, 53) == "img" and seen == [(p, w, 53)]


def test_rotation_pixels_and_edge_sizes():
    import cv2

    noise = Image.fromarray(np.random.default_rng(3).integers(0, 256, (60, 100, 3), dtype=np.uint8))
    want = noise.rotate(45, resample=Image.Resampling.BICUBIC).crop((29, 9, 71, 51))
    assert np.array_equal(np.asarray(E.rotate_view(noise, 45)), np.asarray(want))
    x = np.asarray(noise)
    m = cv2.getRotationMatrix2D((50, 30), 45, 1.0)
    m[0, 2] += (78 - 100) / 2
    m[1, 2] += (78 - 60) / 2
    ref = cv2.warpAffine(x, m, (78, 78), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101)
    assert np.array_equal(np.asarray(E.rotate_photo_view(noise, 45)), ref)
    assert E.rotate_photo_view(noise, 450).size == (60, 100)  # 450 = 90: a transpose
    assert E.rotate_photo_view(Image.new("RGB", (60, 100)), 30).size == (80, 80)  # box from w sin + h cos
    assert E.rotate_photo_view(Image.new("L", (100, 60)), 45).mode == "RGB"
    big = Image.fromarray(np.random.default_rng(4).integers(0, 256, (800, 1600, 3), dtype=np.uint8))
    # target 32: need 48; 800 -> 48 is a 16.7x reduction: bicubic with a reducing gap of 3
    want = big.resize((96, 48), Image.Resampling.BICUBIC, reducing_gap=3.0)
    for other in (big.resize((96, 48), Image.Resampling.BICUBIC), big.resize((96, 48), Image.Resampling.BILINEAR,
                  reducing_gap=3.0), big.resize((96, 48), Image.Resampling.BICUBIC, reducing_gap=4.0)):
        assert not np.array_equal(np.asarray(other), np.asarray(want))
    assert np.array_equal(np.asarray(E._shrink_for_rotation(big, 32)), np.asarray(want))


def test_into_store_progress_cancel_and_chunk_arguments(tmp_path, monkeypatch):
    from geolocator.core.store import store_key

    _sync(monkeypatch)
    tiles = _tiles(tmp_path / "t", 5)
    store = FakeStore({store_key(file_identity(tiles[0].path)): 0})  # row 0 is a row, not a miss
    store.views = ("rot0", "rot90")
    events = []
    bb = FakeBackbone()
    res = E.extract_into_store(tiles, bb, store, chunk=3, batch_size=1, workers=1, progress=events.append)
    assert res.rows.dtype == np.int64 and res.rows.tolist() == [0, 100, 101, 102, 110]
    assert (res.reused, res.computed) == (1, 4)
    assert store.appended[0][1].shape == (3, 2, 4) and bb.batches == [1] * 8
    assert _SyncPool.made[0].kw["max_workers"] == 1
    got = [(e.stage, e.step, e.total, e.message) for e in events]
    # chunk 1 (items 1-3): per-batch events inside it at 1 and 2 of 3 (not 0, not 3), then 4/5;
    # chunk 2 (item 4): its one item is its last, so only the chunk event 5/5
    assert got == [("extract:tiles", 1, 5, "1 in the store, 4 to compute"),
                   ("extract:tiles", 2, 5, "2/5 tiles"), ("extract:tiles", 3, 5, "3/5 tiles"),
                   ("extract:tiles", 4, 5, "4/5 tiles"), ("extract:tiles", 5, 5, "5/5 tiles"),
                   ("extract:tiles", 5, 5, "done: 0 failed")]
    assert all(e.eta_s is not None and e.eta_s >= 0 for e in events[1:])
    assert events[-2].eta_s == 0.0 and events[-1].eta_s == 0.0
    # a cancel inside a chunk stops its model work at the next batch
    token = CancelToken()
    bb = FakeBackbone()

    def progress(ev):
        if ev.message.endswith("tiles"):
            token.cancel()
    with pytest.raises(Cancelled):
        E.extract_into_store(tiles, bb, FakeStore(), chunk=5, batch_size=1, progress=progress, cancel=token)
    assert bb.batches == [1]
    # a cancel while a custom compute works on its second chunk: that chunk, finished, is stored
    # (flushcancel35: before, a finished chunk was thrown away), and the third is never computed
    token = CancelToken()
    store = FakeStore()
    yielded = []

    def compute(parts, views):
        for part in parts:
            yielded.append(len(part))
            yield E.ExtractResult(np.zeros((len(part), 1, 4), np.float32))
            token.cancel()
    with pytest.raises(Cancelled):
        E.extract_into_store(tiles, FakeBackbone(), store, chunk=2, compute=compute, cancel=token)
    assert len(store.appended) == 2 and yielded == [2, 2]


# -- session 9: the last eleven survivors of session 8's run (training/results/mutation_media.md) ----
def test_into_store_defaults_are_extract_features_defaults(tmp_path, monkeypatch):
    _sync(monkeypatch)
    tiles = _tiles(tmp_path / "t", 40)
    bb = FakeBackbone()
    E.extract_into_store(tiles, bb, FakeStore())
    # as extract_features without options (test_defaults_batch_32_two_workers_stage_extract):
    # batches of 32 images, so 32 + 8 for 40 tiles, decoded by 2 workers
    assert bb.batches == [32, 8] and [p.kw["max_workers"] for p in _SyncPool.made] == [2]


def test_into_store_inner_events_of_a_later_chunk_count_what_came_before(tmp_path, monkeypatch):
    from geolocator.core.store import store_key

    _sync(monkeypatch)
    tiles = _tiles(tmp_path / "t", 7)
    store = FakeStore({store_key(file_identity(tiles[0].path)): 0})
    events = []
    E.extract_into_store(tiles, FakeBackbone(), store, chunk=3, batch_size=1, workers=1, progress=events.append)
    # 1 reused, 6 to compute in chunks [1-3] and [4-6]; inside each chunk an event after its 1st and 2nd
    # item (not its 3rd, the chunk's own event): chunk 2's are 1 + 3 + 1 = 5 and 1 + 3 + 2 = 6 of 7
    assert [(e.step, e.total, e.message) for e in events] == [
        (1, 7, "1 in the store, 6 to compute"), (2, 7, "2/7 tiles"), (3, 7, "3/7 tiles"), (4, 7, "4/7 tiles"),
        (5, 7, "5/7 tiles"), (6, 7, "6/7 tiles"), (7, 7, "7/7 tiles"), (7, 7, "done: 0 failed")]


def test_into_store_with_one_item_to_compute_has_no_time_left_after_it(tmp_path, monkeypatch):
    _sync(monkeypatch)
    events = []
    E.extract_into_store(_tiles(tmp_path / "t", 1), FakeBackbone(), FakeStore(), progress=events.append)
    # the one item's chunk is all the work: nothing is left once it is done (ETA 0, not the time it took)
    assert [(e.message, e.eta_s) for e in events[1:]] == [("1/1 tiles", 0.0), ("done: 0 failed", 0.0)]


class _AllKnownStore(FakeStore):
    def lookup(self, keys):
        return np.arange(len(keys), dtype=np.int64)  # every item is in the store already


def test_into_store_passes_progress_cancel_and_stage_to_the_store_check(monkeypatch):
    monkeypatch.setattr(E, "_item_identity", lambda it: it.id)
    items = [Tile(f"t{i}", Path("x"), Bounds(0, 0, 1, 1)) for i in range(10001)]
    events = []
    res = E.extract_into_store(items, FakeBackbone(), _AllKnownStore(), progress=events.append, stage="S")
    # store_keys reports at item 10000 (test_store_keys_reports_every_10000_items) under the caller's stage
    assert [(e.stage, e.step, e.total, e.message) for e in events] == [
        ("S", 0, 10001, "checking the store: 10000/10001"), ("S", 10001, 10001, "10001 in the store, 0 to compute"),
        ("S", 10001, 10001, "done: 0 failed")]
    assert (res.reused, res.computed) == (10001, 0)
    token = CancelToken()
    token.cancel()
    events.clear()
    with pytest.raises(Cancelled):  # nothing to compute: only the store check can see the cancel
        E.extract_into_store(items, FakeBackbone(), _AllKnownStore(), progress=events.append, cancel=token, stage="S")
    assert [e.message for e in events] == ["checking the store: 10000/10001"]
