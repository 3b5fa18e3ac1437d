"""A tile-feature pass that stops (the app's Cancel, Ctrl-C, SIGTERM) keeps the tiles it finished.

newuser35: the store committed 512 tiles at a time, so Ctrl-C 44 tiles into a 121-tile set kept none.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from geolocator.core.errors import Cancelled
from geolocator.core.extract import extract_into_store
from geolocator.core.progress import CancelToken
from geolocator.core.store import FeatureStore
from tests.test_extract import _tiles, tiny_backbone


def _open(root, bb, views):
    return FeatureStore(root, signature=bb.signature, views=views, dim=bb.dim)


def _fresh(tmp_path, tiles, views):
    bb = tiny_backbone()
    store = _open(tmp_path / "fresh" / "s", bb, views)  # a folder of its own: nothing to adopt
    result = extract_into_store(tiles, bb, store, batch_size=1, workers=1)
    return store.gather(result.rows)


@pytest.mark.parametrize("views", [("rot0",), ("rot0", "rot90")])
def test_cancel_keeps_the_finished_tiles_of_a_chunk_under_512(tmp_path, views):
    tiles = _tiles(tmp_path / "tiles", 12)
    token, calls = CancelToken(), []

    def hook(x):
        calls.append(len(x))
        if len(calls) == 7:
            token.cancel()

    bb = tiny_backbone(encode_hook=hook)
    root = tmp_path / "stores" / "s"
    with pytest.raises(Cancelled):
        extract_into_store(tiles, bb, _open(root, bb, views), batch_size=1, workers=1, cancel=token)
    encoded = sum(calls) // len(views)  # tiles whose every view went through the model
    assert 0 < encoded < 12
    reopened = _open(root, tiny_backbone(), views)
    assert len(reopened) == encoded
    keys_rows = reopened.lookup([k for k in _keys(tiles)])
    assert (keys_rows[:encoded] >= 0).all() and (keys_rows[encoded:] < 0).all()  # the first k, in order
    np.testing.assert_array_equal(reopened.gather(keys_rows[:encoded]), _fresh(tmp_path, tiles, views)[:encoded])
    # the rerun resumes: computes only the rest, and the whole equals a fresh pass
    calls.clear()
    again = extract_into_store(tiles, tiny_backbone(encode_hook=hook), reopened, batch_size=1, workers=1)
    assert again.reused == encoded and again.computed == 12 - encoded
    np.testing.assert_array_equal(reopened.gather(again.rows), _fresh(tmp_path, tiles, views))


def _keys(tiles):
    from geolocator.core.extract import store_keys

    return store_keys(tiles)[0]


def test_ctrl_c_keeps_the_tiles_finished_before_it_and_a_torn_write_is_still_cut(tmp_path):
    tiles = _tiles(tmp_path / "tiles", 10)
    calls = []

    def hook(x):
        calls.append(len(x))
        if len(calls) == 6:
            raise KeyboardInterrupt  # as Ctrl-C (or the CLI's SIGTERM handler) in the model

    bb = tiny_backbone(encode_hook=hook)
    root = tmp_path / "stores" / "s"
    with pytest.raises(KeyboardInterrupt):
        extract_into_store(tiles, bb, _open(root, bb, ("rot0",)), batch_size=1, workers=1)
    store = _open(root, tiny_backbone(), ("rot0",))
    assert len(store) == 5  # the 6th tile never left the model
    np.testing.assert_array_equal(store.gather(np.arange(5)), _fresh(tmp_path, tiles, ("rot0",))[:5])
    # a kill half way through that write: features.bin cut inside its last row -> the batch is not read
    data = root / "features.bin"
    os.truncate(data, data.stat().st_size - store.row_bytes // 2)
    del store
    torn = _open(root, tiny_backbone(), ("rot0",))
    assert len(torn) == 0 and data.stat().st_size == 0 and (root / "manifest.log").stat().st_size == 0
    result = extract_into_store(tiles, tiny_backbone(), torn, batch_size=1, workers=1)
    assert result.computed == 10
    np.testing.assert_array_equal(torn.gather(result.rows), _fresh(tmp_path, tiles, ("rot0",)))

