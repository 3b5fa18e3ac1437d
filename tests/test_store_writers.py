"""Several writers on one feature store, and a store that cannot be written (session 20).

Found by a user: two `geolocator locate` runs on the same cache at once; the second one stopped with
`error: …/features.bin: changed by another writer while indexing` after 92 s of work, and a cache on
a disk that filled up (`ulimit -f`) stopped `locate` with `error: File too large`, naming nothing.
"""

from __future__ import annotations

import errno
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np

from geolocator.core import store as store_mod
from geolocator.core.store import FeatureStore

SIG, VIEWS, DIM = "sig", ("rot0", "rot90"), 4


def _store(root):
    return FeatureStore(root, signature=SIG, views=VIEWS, dim=DIM)


def _feats(n, start=0.0):
    """(n, 2, 4) values exact in float16 (multiples of 1/8 below 8)."""
    return (np.arange(n * 2 * DIM, dtype=np.float32).reshape(n, 2, DIM) / 8 + start) % 8


def test_a_second_writer_appends_after_the_first_one_and_reuses_its_rows(tmp_path):
    """Before the write lock the second object refused its batch (StoreError "changed by another
    writer") once the first had appended: two CLI runs on one cache lost the second run's work."""
    one, two = _store(tmp_path), _store(tmp_path)
    one.append(["a", "b"], _feats(2))
    assert two.append(["c", "a"], _feats(2, 1.0)).tolist() == [2, 0]  # "a" is the first writer's row
    assert one.append(["d"], _feats(1, 2.0)).tolist() == [3]
    fresh = _store(tmp_path)
    assert fresh.lookup(["a", "b", "c", "d"]).tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(fresh.array()[2], _feats(1, 1.0)[0].astype("<f2"))
    np.testing.assert_array_equal(fresh.array()[3], _feats(1, 2.0)[0].astype("<f2"))


def test_two_writers_at_once_keep_every_row_with_its_own_features(tmp_path):
    """Two stores on one folder appending from two threads (each its own lock handle, as two
    processes would have). Before the lock: a StoreError in one thread, or rows under the wrong key."""
    errors = []

    def write(name):
        st = _store(tmp_path)
        try:
            for i in range(40):
                key = f"{name}{i}"
                st.append([key], np.full((1, 2, DIM), (i % 8) + (0.5 if name == "y" else 0.0), np.float32))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in "xy"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    st = _store(tmp_path)
    assert len(st) == 80 and st.data_path.stat().st_size == 80 * st.row_bytes
    arr = st.array()
    for name, off in (("x", 0.0), ("y", 0.5)):
        for i in range(40):
            assert arr[st.lookup([f"{name}{i}"])[0]].max() == (i % 8) + off


def test_a_write_that_fails_keeps_the_rows_in_memory_and_says_why_once(tmp_path, monkeypatch, caplog):
    """A full disk while indexing: before, OSError ("File too large", naming no file) ended the run."""
    st = _store(tmp_path)
    st.append(["a"], _feats(1))
    real_open = open

    def full_disk(path, mode="r", *a, **kw):
        if Path(path) == st.data_path and "a" in mode:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_open(path, mode, *a, **kw)

    monkeypatch.setattr(store_mod, "open", full_disk, raising=False)
    with caplog.at_level("WARNING", logger="geolocator"):
        assert st.append(["b", "a"], _feats(2, 1.0)).tolist() == [1, 0]
        assert st.append(["c"], _feats(1, 2.0)).tolist() == [2]
    warned = [r.getMessage() for r in caplog.records if "cannot be written" in r.getMessage()]
    assert len(warned) == 1 and str(tmp_path) in warned[0] and "the disk is full" in warned[0]
    assert st.write_error == warned[0]
    arr = st.array()
    assert arr.shape == (3, 2, DIM)
    np.testing.assert_array_equal(arr[1], _feats(1, 1.0)[0].astype("<f2"))
    np.testing.assert_array_equal(st.gather(np.array([2]))[0], _feats(1, 2.0)[0])
    monkeypatch.undo()
    again = _store(tmp_path)  # the next run: only what reached the disk, nothing half-written
    assert again.lookup(["a", "b", "c"]).tolist() == [0, -1, -1]
    assert again.data_path.stat().st_size == again.row_bytes


def test_a_file_size_limit_mid_batch_leaves_no_half_written_row(tmp_path):
    """The real OS error (EFBIG under `ulimit -f`) in a child process: the batch that passes the
    limit stays in memory, the files are cut back to what the manifest commits."""
    code = textwrap.dedent(f"""
        import resource, numpy as np
        from geolocator.core.store import FeatureStore
        st = FeatureStore({str(tmp_path)!r}, signature="sig", views=("rot0",), dim=512, dtype="float32")
        st.append(["a"], np.ones((1, 1, 512), np.float32))          # 2 KiB on disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (3000, resource.RLIM_INFINITY))
        rows = st.append(["b"], np.full((1, 1, 512), 2, np.float32))  # would make 4 KiB
        print(rows.tolist(), float(st.array()[1].max()), st.write_error)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("[1] 2.0 the feature store ") and "size limit" in out.stdout
    st = FeatureStore(tmp_path, signature="sig", views=("rot0",), dim=512, dtype="float32")
    assert len(st) == 1 and st.data_path.stat().st_size == st.row_bytes
