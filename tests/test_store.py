"""Feature store: append, look up, memory map, resume, and survive a crash mid-write."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.store import FeatureStore, StoreError, store_key

ROOT = Path(__file__).resolve().parents[1]


def _store(tmp_path, **kw):
    args = dict(signature="tiny|w|gem", views=("rot0",), dim=8, dtype="float16")
    args.update(kw)
    return FeatureStore(tmp_path / "s", **args)


def _rows(n, seed=0, views=1, dim=8):
    x = np.random.default_rng(seed).normal(size=(n, views, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_append_lookup_and_memory_map(tmp_path):
    st = _store(tmp_path)
    a, b = _rows(5, 1), _rows(3, 2)
    keys_a, keys_b = [f"a{i}" for i in range(5)], [f"b{i}" for i in range(3)]
    np.testing.assert_array_equal(st.append(keys_a, a), np.arange(5))
    np.testing.assert_array_equal(st.append(keys_b + ["a1"], np.concatenate([b, a[1:2]])), [5, 6, 7, 1])
    assert len(st) == 8
    mm = st.array()
    assert isinstance(mm, np.memmap) and mm.shape == (8, 1, 8) and mm.dtype == np.float16
    np.testing.assert_allclose(mm[:5], a, atol=1e-3)  # float16: 3 significant digits
    reopened = _store(tmp_path)
    np.testing.assert_array_equal(reopened.lookup(["b2", "zz", "a0"]), [7, -1, 0])
    np.testing.assert_allclose(reopened.gather(np.array([7, -1, 0])), np.stack([b[2], np.zeros((1, 8)), a[0]]), atol=1e-3)


def test_float32_store_is_exact(tmp_path):
    st = _store(tmp_path, dtype="float32")
    a = _rows(4)
    st.append(list("wxyz"), a)
    np.testing.assert_array_equal(_store(tmp_path, dtype="float32").array(), a)


def test_other_features_are_refused(tmp_path):
    _store(tmp_path).append(["k"], _rows(1))
    with pytest.raises(StoreError, match="other features"):
        _store(tmp_path, dim=16)


def test_torn_manifest_and_uncommitted_rows_are_cut_off(tmp_path):
    st = _store(tmp_path)
    st.append(["a", "b"], _rows(2))
    st.append(["c"], _rows(1, 5))
    # a crash while writing the third batch: rows written, manifest line half written
    with open(st.data_path, "ab") as f:
        f.write(np.zeros((2, 1, 8), np.float16).tobytes())
    with open(st.manifest_path, "ab") as f:
        f.write(json.dumps({"start": 3, "keys": ["d", "e"], "crc": 0})[:20].encode())
    again = _store(tmp_path)
    assert len(again) == 3 and "d" not in again and "c" in again
    assert st.data_path.stat().st_size == 3 * again.row_bytes
    again.append(["d"], _rows(1, 9))  # appending after recovery continues cleanly
    assert len(_store(tmp_path)) == 4


def test_rows_without_a_manifest_line_are_dropped(tmp_path):
    st = _store(tmp_path)
    st.append(["a"], _rows(1))
    with open(st.data_path, "ab") as f:  # crash after the rows, before the manifest line
        f.write(np.ones((3, 1, 8), np.float16).tobytes())
    assert len(_store(tmp_path)) == 1
    assert st.data_path.stat().st_size == st.row_bytes


def test_manifest_line_pointing_past_the_data_is_not_trusted(tmp_path):
    st = _store(tmp_path)
    st.append(["a"], _rows(1))
    with open(st.manifest_path, "ab") as f:  # e.g. data lost in a power cut although the line survived
        f.write(json.dumps({"start": 1, "keys": ["b"], "crc": 0}).encode() + b"\n")
    assert len(_store(tmp_path)) == 1
    with open(st.manifest_path, "ab") as f:  # a sound line (its crc right) one row past the data
        f.write(json.dumps({"start": 1, "keys": ["b"], "crc": zlib.crc32(b"b")}).encode() + b"\n")
    assert len(_store(tmp_path)) == 1


def test_store_key_is_stable_and_short():
    assert store_key("a|1|2|") == store_key("a|1|2|") != store_key("a|1|3|")
    assert len(store_key("x")) == 32


# -- indexing into the store: resume, crash, Workspace ------------------------------------------
CHILD = textwrap.dedent('''
    import sys, time
    from pathlib import Path
    from tests.test_extract import _tiles, tiny_backbone
    from geolocator.core.extract import extract_into_store
    from geolocator.core.store import FeatureStore

    folder, store_root = Path(sys.argv[1]), Path(sys.argv[2])
    bb = tiny_backbone(encode_hook=lambda x: time.sleep(0.3))  # slow enough to be killed mid-run
    tiles = _tiles(folder, 24)
    store = FeatureStore(store_root, signature=bb.signature, views=("rot0",), dim=bb.dim)
    extract_into_store(tiles, bb, store, batch_size=2, chunk=2, workers=1)
    print("finished", flush=True)
''')


def test_killed_mid_index_resumes_with_identical_features(tmp_path):
    from tests.test_extract import tiny_backbone
    from geolocator.core.extract import extract_into_store
    from geolocator.core.model import Bounds, Tile

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    store_root = tmp_path / "store"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "tiles"), str(store_root)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    manifest = store_root / "manifest.log"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:  # wait for a few committed chunks, then kill without warning
            if manifest.exists() and manifest.read_bytes().count(b"\n") >= 3:
                break
            assert child.poll() is None, child.stderr.read().decode()
            time.sleep(0.05)
        else:
            pytest.fail("the indexing child committed nothing in 120 s")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    bb = tiny_backbone()
    tiles = [Tile(f"t{i}.png", tmp_path / "tiles" / f"t{i}.png", Bounds(0, 0, 1, 1)) for i in range(24)]  # as the child
    store = FeatureStore(store_root, signature=bb.signature, views=("rot0",), dim=bb.dim)
    committed = len(store)
    assert 6 <= committed < 24
    store = FeatureStore(store_root, signature=bb.signature, views=("rot0",), dim=bb.dim)
    resumed = extract_into_store(tiles, bb, store, batch_size=2, chunk=2, workers=1)
    assert resumed.reused == committed and resumed.computed == 24 - committed and not resumed.failed
    # in a folder of its own: beside the killed run's store it would copy that store's rows (store.adopt)
    fresh_store = FeatureStore(tmp_path / "fresh" / "s", signature=bb.signature, views=("rot0",), dim=bb.dim)
    fresh = extract_into_store(tiles, bb, fresh_store, batch_size=2, chunk=2, workers=1)
    np.testing.assert_array_equal(store.gather(resumed.rows), fresh_store.gather(fresh.rows))


def test_workspace_indexes_once_into_the_store(tmp_path):
    from tests.test_extract import _tiles, tiny_backbone
    from geolocator.core.model import ROTATION_VIEWS, TileSet
    from geolocator.core.pipeline import Settings, Workspace

    calls = []
    bb = tiny_backbone(encode_hook=lambda x: calls.append(len(x)))
    tiles = _tiles(tmp_path / "tiles", 7)
    (tmp_path / "tiles" / "t3.png").write_bytes(b"not an image")
    ws = Workspace(Settings(cache_dir=tmp_path / "cache", verify=False, tile_views=("rot0",)))
    ws.set_backbone("tiny", loaded=bb)
    ws.open_tiles(TileSet(tuple(tiles), tmp_path))
    assert ws.views() == (("rot0",), ROTATION_VIEWS)  # one tile view: the photos get the headings
    feats = ws.index()
    assert feats.shape == (7, 1, bb.dim) and feats.dtype == np.float16
    assert set(ws.tile_failures) == {3} and not feats[3].any() and feats[2].any()
    assert sum(calls) == 6
    ws2 = Workspace(Settings(cache_dir=tmp_path / "cache", verify=False, tile_views=("rot0",)))
    ws2.set_backbone("tiny", loaded=bb)
    ws2.open_tiles(TileSet(tuple(tiles), tmp_path))
    np.testing.assert_array_equal(ws2.index(), feats)
    assert sum(calls) == 6  # nothing recomputed but the unreadable tile (which fails again, cheaply)
    assert (tmp_path / "cache" / "stores").is_dir()


def test_a_tile_set_that_gained_or_lost_a_tile_computes_only_the_new_one(tmp_path):
    # A county mapper adds or removes a tile: the tile set's fingerprint, so its store, changes; the
    # unchanged files' features are in the old store (newuser session 16: every tile was recomputed).
    from tests.test_extract import _tiles, tiny_backbone
    from geolocator.core.model import TileSet
    from geolocator.core.pipeline import Settings, Workspace

    calls = []
    bb = tiny_backbone(encode_hook=lambda x: calls.append(len(x)))
    tiles = _tiles(tmp_path / "tiles", 8)

    def index(subset):
        ws = Workspace(Settings(cache_dir=tmp_path / "cache", verify=False, tile_views=("rot0",)))
        ws.set_backbone("tiny", loaded=bb)
        ws.open_tiles(TileSet(tuple(subset), tmp_path))
        return np.array(ws.index())

    first = index(tiles[:7])
    assert sum(calls) == 7  # one view each: 7 tiles encoded
    grown = index(tiles)  # t7 added: only it is encoded
    assert sum(calls) == 8
    np.testing.assert_array_equal(grown[:7], first)
    assert grown[7].any()
    shrunk = index(tiles[1:7])  # t0 removed: nothing to encode
    assert sum(calls) == 8
    np.testing.assert_array_equal(shrunk, first[1:])
    assert len(list((tmp_path / "cache" / "stores").iterdir())) == 3  # each tile set keeps its own store


def test_adopt_copies_committed_rows_of_the_same_features_only_and_never_repairs_the_other(tmp_path):
    a = FeatureStore(tmp_path / "stores" / "a", signature="tiny|w|gem", views=("rot0",), dim=8)
    x = _rows(4)
    a.append(["k0", "k1", "k2", "k3"], x)
    line = {"start": 4, "keys": ["k4"], "crc": zlib.crc32(b"k4")}  # a line whose rows features.bin lacks
    with open(a.manifest_path, "ab") as f:
        f.write(json.dumps(line).encode() + b"\n")
    manifest = a.manifest_path.read_bytes()
    later = FeatureStore(tmp_path / "stores" / "a2", signature="tiny|w|gem", views=("rot0",), dim=8)
    later.append(["k0"], _rows(1, seed=2))  # the same key again: the first store in name order serves it
    other = FeatureStore(tmp_path / "stores" / "o", signature="other|w|gem", views=("rot0",), dim=8)
    other.append(["k5"], _rows(1, seed=1))  # another backbone's features for k5: not these
    (tmp_path / "stores" / "0junk").mkdir()  # a folder that is no store: passed over
    b = FeatureStore(tmp_path / "stores" / "b", signature="tiny|w|gem", views=("rot0",), dim=8)
    assert b.adopt(["k2", "k0", "k4", "k5", "k9", "k2"], chunk=1) == 2
    assert b.lookup(["k2", "k0", "k4", "k5", "k9"]).tolist() == [0, 1, -1, -1, -1]
    np.testing.assert_array_equal(b.gather(np.array([1, 0]), np.float16), x[[0, 2]].astype(np.float16))
    assert a.manifest_path.read_bytes() == manifest  # only read: repairing is its own writer's business
    assert b.adopt(["k0", "k2"]) == 0  # already here
    assert b.adopt(["k1", "k3"], chunk=1) == 2 and b.lookup(["k1", "k3"]).tolist() == [2, 3]


def test_views_auto_rule():
    from geolocator.core.model import ROTATION_VIEWS, Bounds, Tile, TileSet
    from geolocator.core.pipeline import Settings, Workspace

    tiles = tuple(Tile(str(i), Path(f"{i}.png"), Bounds(0, 0, 1, 1)) for i in range(5))
    ws = Workspace(Settings(rotate_photos_above=4))
    ws.open_tiles(TileSet(tiles[:4], Path(".")))
    assert ws.views() == (ROTATION_VIEWS, ("rot0",))  # small: tiles at 8 headings, as before
    ws.open_tiles(TileSet(tiles, Path(".")))
    assert ws.views() == (("rot0",), ROTATION_VIEWS)  # large: tiles once, photos rotated
    ws.settings.query_views = ("rot0", "rot180")
    assert ws.views() == (("rot0",), ("rot0", "rot180"))


def test_photo_views_are_n_whole_degree_headings():
    from geolocator.core.model import ROTATION_VIEWS, photo_views

    assert photo_views(12) == ("rot0", "rot30", "rot60", "rot90", "rot120", "rot150", "rot180", "rot210", "rot240",
                               "rot270", "rot300", "rot330")
    assert photo_views(24)[:4] == ("rot0", "rot15", "rot30", "rot45") and photo_views(24)[-1] == "rot345"
    assert photo_views(8) == ROTATION_VIEWS and photo_views(1) == ("rot0",) and photo_views(2) == ("rot0", "rot180")
    for bad in (0, 7, -4):
        with pytest.raises(ValueError, match="divide 360"):
            photo_views(bad)


def test_cli_photo_views_reach_the_workspace_at_finer_headings():
    """--photo-views 12 gives the photo 12 views 30 degrees apart (issue 14, session 8), not a slice of
    the 8 tile headings; 4 keeps the quarter turns."""
    from geolocator.cli import _views, build_parser

    for n, want in ((12, tuple(f"rot{a}" for a in range(0, 360, 30))), (4, ("rot0", "rot90", "rot180", "rot270"))):
        args = build_parser().parse_args(["locate", "--tiles", "t", "--tile-views", "1", "--photo-views", str(n), "q.jpg"])
        assert _views(args) == (("rot0",), want)
    args = build_parser().parse_args(["locate", "--tiles", "t", "--tile-views", "2", "q.jpg"])
    assert _views(args) == (("rot0", "rot180"), None)
