"""Feature store, exact answers (written for the mutation run of core/store.py, session 6):
the key and folder names, the files' exact bytes, each rule that cuts a manifest off, and the
refusals."""

from __future__ import annotations

import hashlib
import json
import zlib

import numpy as np
import pytest

from geolocator.core import store as store_mod
from geolocator.core.errors import GeolocatorError
from geolocator.core.store import DTYPES, FeatureStore, StoreError, store_dir, store_key

SIG, VIEWS, DIM = "tiny|w|gem", ("rot0", "rot90"), 4


def _store(root, **kw):
    args = dict(signature=SIG, views=VIEWS, dim=DIM)
    args.update(kw)
    return FeatureStore(root, **args)


def _feats(n, start=0.0):
    """(n, 2, 4) values exact in float16 (multiples of 1/8 below 8)."""
    return (np.arange(n * 2 * DIM, dtype=np.float32).reshape(n, 2, DIM) / 8 + start)


def _line(start, keys, crc=None):
    crc = zlib.crc32("\n".join(keys).encode()) if crc is None else crc
    return json.dumps({"start": start, "keys": keys, "crc": crc}).encode() + b"\n"


def test_store_key_is_the_first_32_hex_digits_of_sha256():
    assert store_key("a|1|2|") == hashlib.sha256(b"a|1|2|").hexdigest()[:32]
    assert store_key("") == "e3b0c44298fc1c149afbf4c8996fb924"


def test_store_dir_names_the_tileset_and_a_16_digit_hash_of_signature_views_dtype(tmp_path):
    h = hashlib.sha256(b"sig\nrot0,rot90\nfloat16").hexdigest()[:16]
    assert store_dir(tmp_path, "fp", "sig", ["rot0", "rot90"], "float16") == tmp_path / f"fp-{h}"
    assert store_dir(str(tmp_path), "fp", "sig", ["rot0"], "float32").parent == tmp_path


def test_defaults_and_the_exact_files(tmp_path):
    root = tmp_path / "a" / "b"  # parents are created
    st = FeatureStore(root, signature=SIG, views=["rot0", "rot90"], dim="4")
    assert st.dtype == "float16" and st.views == VIEWS and st.dim == 4 and st.signature == SIG
    assert st.row_bytes == 2 * 4 * 2 and len(st) == 0 and st.n_rows == 0
    assert json.loads((root / "meta.json").read_text()) == {
        "version": 1, "signature": SIG, "views": ["rot0", "rot90"], "dim": 4, "dtype": "float16"}
    # no .tmp left, no data before a row; the last-used stamp and the in-use lock (store_prune.py)
    assert sorted(p.name for p in root.iterdir()) == ["in-use.lock", "last-used", "meta.json"]
    assert st.data_path == root / "features.bin" and st.manifest_path == root / "manifest.log"
    rows = st.append(["k0", "k1"], _feats(2))
    assert rows.dtype == np.int64 and rows.tolist() == [0, 1]
    assert st.data_path.read_bytes() == _feats(2).astype("<f2").tobytes()
    assert st.manifest_path.read_bytes() == _line(0, ["k0", "k1"])
    st.append(["k2"], _feats(1, 1.0))
    assert st.manifest_path.read_bytes() == _line(0, ["k0", "k1"]) + _line(2, ["k2"])
    assert st.n_rows == 3 and "k2" in st and "k3" not in st


def test_float32_rows_are_little_endian_float32(tmp_path):
    st = _store(tmp_path, dtype="float32")
    assert st.row_bytes == 2 * 4 * 4
    st.append(["a"], _feats(1) + 1 / 3)
    assert st.data_path.read_bytes() == (_feats(1) + 1 / 3).astype("<f4").tobytes()
    assert DTYPES == {"float16": "<f2", "float32": "<f4"}


def test_an_unknown_dtype_is_refused_before_any_file(tmp_path):
    with pytest.raises(ValueError, match=r"dtype must be one of \['float16', 'float32'\], got 'int8'"):
        _store(tmp_path / "s", dtype="int8")
    assert not (tmp_path / "s").exists()


def test_an_unreadable_meta_is_a_store_error(tmp_path):
    (tmp_path / "meta.json").write_text("{not json")
    with pytest.raises(StoreError, match="unreadable store description .*delete the folder"):
        _store(tmp_path)
    assert issubclass(StoreError, GeolocatorError)


@pytest.mark.parametrize("change", [dict(signature="other"), dict(views=("rot0",)), dict(dim=8),
                                    dict(dtype="float32")])
def test_each_field_of_meta_must_match(tmp_path, change):
    _store(tmp_path)
    with pytest.raises(StoreError, match="this store holds other features"):
        _store(tmp_path, **change)
    _store(tmp_path)  # the same features reopen


def test_a_meta_of_another_version_is_refused(tmp_path):
    meta = {"version": 2, "signature": SIG, "views": list(VIEWS), "dim": DIM, "dtype": "float16"}
    (tmp_path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(StoreError):
        _store(tmp_path)


def _three_batches(tmp_path):
    st = _store(tmp_path)
    st.append(["a", "b"], _feats(2))
    st.append(["c"], _feats(1, 2.0))
    st.append(["d", "e"], _feats(2, 3.0))
    return st


@pytest.mark.parametrize("bad", [
    b"not json\n",
    b'{"start": 2, "keys": ["c"]}\n',  # no crc
    b'{"start": 2, "keys": 5, "crc": 1}\n',  # keys not a list
    b'{"start": null, "keys": ["c"], "crc": 1}\n',
    b"[1, 2]\n",
])
def test_a_malformed_middle_line_cuts_it_and_everything_after(tmp_path, bad):
    st = _three_batches(tmp_path)
    lines = st.manifest_path.read_bytes().splitlines(keepends=True)
    st.manifest_path.write_bytes(lines[0] + bad + lines[2])
    again = _store(tmp_path)
    assert len(again) == 2 and again.lookup(["a", "b", "c", "d"]).tolist() == [0, 1, -1, -1]
    assert st.manifest_path.read_bytes() == lines[0]
    assert st.data_path.stat().st_size == 2 * st.row_bytes


def test_a_line_with_a_wrong_crc_is_cut(tmp_path):
    st = _three_batches(tmp_path)
    lines = st.manifest_path.read_bytes().splitlines(keepends=True)
    st.manifest_path.write_bytes(lines[0] + lines[1] + _line(3, ["d", "e"], crc=zlib.crc32(b"d\ne") + 1))
    again = _store(tmp_path)
    assert len(again) == 3 and "d" not in again and "c" in again
    assert st.manifest_path.read_bytes() == lines[0] + lines[1]
    assert st.data_path.stat().st_size == 3 * st.row_bytes
    np.testing.assert_array_equal(again.array()[2], _feats(1, 2.0)[0])


def test_a_line_not_contiguous_with_the_rows_before_is_cut(tmp_path):
    st = _three_batches(tmp_path)
    lines = st.manifest_path.read_bytes().splitlines(keepends=True)
    st.manifest_path.write_bytes(lines[0] + _line(3, ["c"]) + lines[2])  # skips row 2
    assert len(_store(tmp_path)) == 2
    st2 = _store(tmp_path / "x")
    st2.append(["a"], _feats(1))
    st2.manifest_path.write_bytes(_line(1, ["a"]))  # the first line must start at row 0
    assert len(_store(tmp_path / "x")) == 0
    assert st2.manifest_path.read_bytes() == b"" and st2.data_path.read_bytes() == b""


def test_a_line_whose_rows_end_exactly_at_the_data_is_kept(tmp_path):
    st = _three_batches(tmp_path)
    size = st.manifest_path.stat().st_size
    again = _store(tmp_path)
    assert len(again) == 5 and again.lookup("abcde").tolist() == [0, 1, 2, 3, 4]
    assert st.manifest_path.stat().st_size == size and st.data_path.stat().st_size == 5 * st.row_bytes
    with open(st.data_path, "r+b") as f:  # one row short of the last line
        f.truncate(4 * st.row_bytes + 3)
    again = _store(tmp_path)
    assert len(again) == 3 and st.data_path.stat().st_size == 3 * st.row_bytes


def test_a_torn_last_line_is_cut_to_the_byte(tmp_path):
    st = _three_batches(tmp_path)
    whole = st.manifest_path.read_bytes()
    st.manifest_path.write_bytes(whole[:-1])  # the newline of the last line is missing
    assert len(_store(tmp_path)) == 3
    assert st.manifest_path.read_bytes() == whole[: whole.rindex(b"\n", 0, len(whole) - 1) + 1]


def test_empty_array_and_gather(tmp_path):
    st = _store(tmp_path)
    empty = st.array()
    assert empty.shape == (0, 2, 4) and empty.dtype == np.float16
    g = st.gather(np.array([-1, -1]))
    assert g.shape == (2, 2, 4) and g.dtype == np.float32 and not g.any()
    assert st.lookup([]).tolist() == [] and st.lookup([]).dtype == np.int64


def test_gather_reads_rows_in_any_order_and_dtype(tmp_path):
    st = _store(tmp_path)
    f = _feats(5)
    st.append(list("abcde"), f)
    g = st.gather([4, -1, 0, 2, 4], dtype=np.float64)
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, np.stack([f[4], np.zeros((2, 4)), f[0], f[2], f[4]]))
    mm = st.array()
    assert st.array() is mm  # the map is reused while no row is added
    st.append(["f"], _feats(1, 5.0))
    assert st.array().shape == (6, 2, 4)


def test_gather_of_more_rows_than_one_read_block(tmp_path):
    st = _store(tmp_path, views=("rot0",), dim=1, dtype="float32")
    n = 65536 + 7
    st.append([str(i) for i in range(n)], np.arange(n, dtype=np.float32))
    rows = np.arange(n)[::-1].copy()
    np.testing.assert_array_equal(st.gather(rows)[:, 0, 0], rows.astype(np.float32))


def test_append_skips_stored_keys_and_repeats_in_one_batch(tmp_path):
    st = _store(tmp_path)
    st.append(["a"], _feats(1))
    rows = st.append(["b", "a", "b", "c"], _feats(4, 1.0))
    assert rows.tolist() == [1, 0, 1, 2]
    np.testing.assert_array_equal(st.array()[1:], _feats(4, 1.0)[[0, 3]])
    assert st.manifest_path.read_bytes().splitlines(keepends=True)[1] == _line(1, ["b", "c"])
    size = st.data_path.stat().st_size
    assert st.append(["c", "a"], _feats(2)).tolist() == [2, 0]  # nothing new: nothing written
    assert st.data_path.stat().st_size == size and len(st.manifest_path.read_bytes().splitlines()) == 2


def test_append_cuts_off_rows_no_manifest_line_commits_under_the_lock(tmp_path):
    """Session 20: under the write lock an uncommitted tail can only be a crashed writer's, so it is
    cut off and the batch is appended after the committed rows (it used to refuse the batch)."""
    st = _store(tmp_path)
    st.append(["a"], _feats(1))
    with open(st.data_path, "ab") as f:
        f.write(b"\0" * st.row_bytes)
    assert st.append(["b"], _feats(1, 1.0)).tolist() == [1]
    assert len(st) == 2 and st.data_path.stat().st_size == 2 * st.row_bytes
    np.testing.assert_array_equal(st.array()[1], _feats(1, 1.0)[0].astype("<f2"))


def test_the_folder_is_synced_after_the_first_batch_only(tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr(store_mod, "_fsync_dir", lambda p: synced.append(p))
    st = _store(tmp_path)
    assert synced == [tmp_path]  # meta.json renamed into place
    st.append(["a"], _feats(1))
    assert synced == [tmp_path, tmp_path]  # the first data and manifest files
    st.append(["b"], _feats(1))
    st.append(["c"], _feats(1))
    assert synced == [tmp_path, tmp_path]


def test_fsync_dir_of_a_missing_folder_is_silent(tmp_path):
    store_mod._fsync_dir(tmp_path / "missing")
    store_mod._fsync_dir(tmp_path)


def test_a_manifest_without_its_data_file_commits_nothing(tmp_path):
    st = _store(tmp_path)
    st.append(["a"], _feats(1))
    st.data_path.unlink()
    again = _store(tmp_path)
    assert len(again) == 0 and "a" not in again and st.manifest_path.read_bytes() == b""


def test_the_array_is_read_only(tmp_path):
    st = _store(tmp_path)
    st.append(["a"], _feats(1))
    with pytest.raises(ValueError):
        st.array()[0, 0, 0] = 1


def test_gather_takes_row_numbers_of_any_numeric_type(tmp_path):
    st = _store(tmp_path)
    st.append(list("abc"), _feats(3))
    g = st.gather(np.array([2.0, -1.0, 0.0]))
    np.testing.assert_array_equal(g, np.stack([_feats(3)[2], np.zeros((2, 4)), _feats(3)[0]]))
