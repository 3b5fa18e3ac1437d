"""Feature cache: round trip, invalidation by file identity and backbone, corrupt entries."""

from __future__ import annotations

import os

import numpy as np
import pytest

from geolocator.core.cache import FeatureCache, default_cache_root, file_identity, file_key
from geolocator.core.model import PixelWindow


@pytest.fixture
def cache(tmp_path):
    return FeatureCache(tmp_path / "cache")


def _vec(seed, d=16):
    v = np.random.default_rng(seed).standard_normal(d).astype(np.float32)
    return v / np.linalg.norm(v)


def test_default_root_is_platform_cache_dir():
    import platformdirs

    assert default_cache_root() == __import__("pathlib").Path(platformdirs.user_cache_dir("geolocator")) / "features"
    assert FeatureCache().root == default_cache_root()


def test_round_trip_and_miss(cache):
    k = cache.key("sig", "rot0", "id")
    assert cache.get(k, 16) is None
    v = _vec(0)
    cache.put(k, v)
    got = cache.get(k, 16)
    assert got.dtype == np.float32 and np.array_equal(got, v)
    assert cache.get(k, 32) is None  # a different dimension is a miss, not a garbled vector
    assert not list(cache.root.rglob("*.part"))  # no temporary files left behind


def test_key_depends_on_everything(cache):
    base = cache.key("sig", "rot0", "id")
    assert len({base, cache.key("sig2", "rot0", "id"), cache.key("sig", "rot45", "id"),
                cache.key("sig", "rot0", "id2")}) == 4


def test_file_identity_changes_when_file_changes(tmp_path):
    f = tmp_path / "a.png"
    f.write_bytes(b"1234")
    a = file_identity(f)
    assert file_identity(f) == a
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # touched
    b = file_identity(f)
    assert b != a
    f.write_bytes(b"12345")  # modified (size)
    assert file_identity(f) != b
    assert file_identity(f, PixelWindow(0, 0, 8, 8)) != file_identity(f, PixelWindow(8, 0, 8, 8))
    with pytest.raises(OSError):
        file_identity(tmp_path / "missing.png")


@pytest.mark.parametrize("damage", ["truncate", "flip", "header", "empty", "dtype"])
def test_corrupt_entry_is_a_miss_and_is_rebuilt(cache, damage):
    k = cache.key("sig", "rot0", "id")
    v = _vec(1)
    cache.put(k, v)
    path = next(cache.root.rglob("*.f32"))
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[:-5]
    elif damage == "flip":
        data[-3] ^= 0xFF
    elif damage == "header":
        data[:4] = b"XXXX"
    elif damage == "empty":
        data = bytearray()
    else:
        data[10:14] = b"<f8 "
    path.write_bytes(bytes(data))
    assert cache.get(k, 16) is None
    cache.put(k, v)  # rebuilt in place
    assert np.array_equal(cache.get(k, 16), v)


def test_clear(cache):
    cache.put(cache.key("s", "rot0", "i"), _vec(2))
    cache.clear()
    assert not cache.root.exists()


def test_file_key_is_a_short_name_that_follows_the_file(tmp_path):
    f = tmp_path / "a.png"
    f.write_bytes(b"1234")
    a = file_key(f)
    assert len(a) == 16 and file_key(f) == a
    f.write_bytes(b"12345")
    assert file_key(f) != a
    # a missing file still gets a name (whoever reads it reports the error), one per path
    assert file_key(tmp_path / "gone.png") != file_key(tmp_path / "gone2.png")
