"""Exact answers of the keypoint cache's files (session 8, written for mutation testing of
core/matchers/keypoint_cache.py): the file name from the key, each single defect of a stored file
read as a miss, dtypes converted on the way in, the warning when the folder cannot be written."""

import hashlib
import io
import logging

import numpy as np

from geolocator.core.matchers.keypoint_cache import KeypointCache
from geolocator.core.rerank import LocalFeatures


def test_the_file_of_a_key_is_named_by_sha256_of_layout_signature_identity(tmp_path):
    digest = hashlib.sha256(b"1\nsig|top512\n/t/a.png|12|34").hexdigest()
    path = KeypointCache(str(tmp_path)).path("sig|top512", "/t/a.png|12|34")
    assert path == tmp_path / digest[:2] / (digest[2:34] + ".npz")
    assert len(path.stem) == 32 and len(path.parent.name) == 2


def _store(cache, sig, ident, **arrays):
    path = cache.path(sig, ident)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())


GOOD = dict(points=np.float32([[1, 2], [3, 4]]), descriptors=np.float32([[1, 0, 0], [0, 1, 0]]),
            size=np.int64([40, 30]))


def test_a_good_file_is_read_back_with_its_width_and_height(tmp_path):
    cache = KeypointCache(tmp_path)
    _store(cache, "s", "i", **GOOD)
    got = cache.get("s", "i")
    assert got.size == (40, 30) and type(got.size[0]) is int
    assert np.array_equal(got.points, GOOD["points"]) and np.array_equal(got.descriptors, GOOD["descriptors"])


def test_each_single_defect_is_a_miss(tmp_path):
    cache = KeypointCache(tmp_path)
    defects = {
        "points float64": dict(points=GOOD["points"].astype(np.float64)),
        "descriptors float64": dict(descriptors=GOOD["descriptors"].astype(np.float64)),
        "points 1-d": dict(points=np.float32([1, 2])),
        "points 3 wide": dict(points=np.float32([[1, 2, 3], [4, 5, 6]])),
        "descriptors 3-d": dict(descriptors=np.zeros((2, 3, 1), np.float32)),
        "descriptors 1 row": dict(descriptors=np.zeros((1, 3), np.float32)),
        "size of 3": dict(size=np.int64([40, 30, 1])),
        "points NaN": dict(points=np.float32([[1, np.nan], [3, 4]])),
        "descriptors inf": dict(descriptors=np.float32([[1, 0, np.inf], [0, 1, 0]])),
    }
    for name, change in defects.items():
        _store(cache, "s", name, **{**GOOD, **change})
        assert cache.get("s", name) is None, name
    _store(cache, "s", "no size", points=GOOD["points"], descriptors=GOOD["descriptors"])
    assert cache.get("s", "no size") is None


def test_put_stores_float32_and_int64_whatever_it_is_given(tmp_path):
    cache = KeypointCache(tmp_path)
    f = LocalFeatures(np.float64([[1.5, 2.5]]), np.float64([[0.25, 0.5]]), (7, 9))
    cache.put("s", "i", f)
    with np.load(cache.path("s", "i")) as data:
        assert data["points"].dtype == np.float32 and data["descriptors"].dtype == np.float32
        assert data["size"].dtype == np.int64 and data["size"].tolist() == [7, 9]
    got = cache.get("s", "i")
    assert got.size == (7, 9) and np.array_equal(got.points, [[1.5, 2.5]]) and np.array_equal(got.descriptors, [[0.25, 0.5]])


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_a_folder_that_cannot_be_written_warns_once_on_the_geolocator_logger(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = KeypointCache(blocker / "cache")  # a file where the folder should be
    handler = _Records()
    logger = logging.getLogger("geolocator")
    logger.addHandler(handler)
    try:
        f = LocalFeatures(np.float32([[1, 2]]), np.float32([[1]]), (3, 3))
        cache.put("s", "i", f)
        cache.put("s", "j", f)
    finally:
        logger.removeHandler(handler)
    assert len(handler.records) == 1 and handler.records[0].levelno == logging.WARNING
    assert handler.records[0].name == "geolocator"
    msg = handler.records[0].getMessage()
    assert msg == cache.write_error
    assert msg.startswith(f"the keypoint cache {blocker / 'cache'} cannot be written (")
    assert msg.endswith("); going on without it")
