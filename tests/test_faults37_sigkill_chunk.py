"""A tile-feature pass killed hard (SIGKILL, the out-of-memory killer, a power cut) keeps the tiles of the
chunk in flight finished up to its last partial commit (faults37, session 37). Before: the chunk in
flight (STORE_CHUNK = 512 tiles, ~6 min on 2 CPU cores) was committed only whole, so a SIGKILL 7 tiles
into a 12-tile set kept none and the rerun computed all 12. Now the finished tiles are committed every
PARTIAL_COMMIT_S seconds (0 here: every tile), and the rerun computes only the rest."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from geolocator.core.extract import extract_into_store
from geolocator.core.store import FeatureStore
from tests.test_extract import _tiles, tiny_backbone

_CHILD = textwrap.dedent("""
    import os, pickle, signal, sys
    from pathlib import Path
    from geolocator.core import extract
    from geolocator.core.store import FeatureStore
    from tests.test_extract import tiny_backbone

    extract.PARTIAL_COMMIT_S = float(sys.argv[2])
    tiles = pickle.loads((Path(sys.argv[1]) / "tiles.pkl").read_bytes())  # the parent's files, as they are
    calls = []

    def hook(x):
        calls.append(len(x))
        if len(calls) == 8:  # 7 tiles through the model: killed while the 8th is encoded
            os.kill(os.getpid(), signal.SIGKILL)

    bb = tiny_backbone(encode_hook=hook)
    store = FeatureStore(Path(sys.argv[1]) / "stores" / "s", signature=bb.signature, views=("rot0",), dim=bb.dim)
    extract.extract_into_store(tiles, bb, store, batch_size=1, workers=1)
""")


@pytest.mark.parametrize("every_s, kept", [(0.0, 7), (float("inf"), 0)])
def test_a_sigkill_keeps_the_tiles_committed_before_it(tmp_path, every_s, kept):
    import pickle

    tiles = _tiles(tmp_path / "tiles", 12)
    (tmp_path / "tiles.pkl").write_bytes(pickle.dumps(tiles))
    run = subprocess.run([sys.executable, "-c", _CHILD, str(tmp_path), str(every_s)], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == -signal.SIGKILL, run.stderr
    bb = tiny_backbone()
    store = FeatureStore(tmp_path / "stores" / "s", signature=bb.signature, views=("rot0",), dim=bb.dim)
    assert len(store) == kept  # inf: what the code did before (the chunk committed only whole)
    again = extract_into_store(tiles, bb, store, batch_size=1, workers=1)
    assert again.reused == kept and again.computed == 12 - kept
    fresh_bb = tiny_backbone()
    fresh = FeatureStore(tmp_path / "fresh" / "s", signature=fresh_bb.signature, views=("rot0",), dim=fresh_bb.dim)
    whole = extract_into_store(tiles, fresh_bb, fresh, batch_size=1, workers=1)
    np.testing.assert_array_equal(store.gather(again.rows), fresh.gather(whole.rows))


def test_the_default_commits_within_half_a_minute():
    from geolocator.core import extract

    assert extract.PARTIAL_COMMIT_S <= 60.0
