"""Exact answers for the last 3 retrieval.py mutants that session 7 left "not killed"
(training/results/mutation_retrieval_rerank.md, session 8): the zero rows of centre_photo_views
whatever memory NumPy hands out, and the 4096-list cap of the IVF index (which binds above
(2 x 4096)^2 = 67,108,864 tile vectors: a broadcast array of that many stands in, and the build is
stopped at its first progress event, before any training)."""

from __future__ import annotations

import numpy as np
import pytest

from geolocator.core import retrieval


def test_a_centred_view_with_zero_norm_is_zero_whatever_memory_numpy_reuses(monkeypatch):
    # 3 photos x 2 views x 4 dims; view 1 is the same for all photos, so it centres to a zero
    # vector (norm 0) and must come back as exact zeros. The norm step here leaves a freed buffer
    # of 7s of the result's size behind, which NumPy hands out for the next array of that size.
    real_norm = np.linalg.norm

    def norm_leaving_dirty_memory(a, *args, **kwargs):
        out = real_norm(a, *args, **kwargs)
        junk = np.full(np.shape(a), 7.0, np.asarray(a).dtype)
        del junk
        return out

    monkeypatch.setattr(np.linalg, "norm", norm_leaving_dirty_memory)
    f = np.zeros((3, 2, 4), np.float32)
    f[0, 0] = [1.0, 0.0, 0.0, 0.0]
    f[:, 1] = [0.5, 0.5, 0.5, 0.5]
    out = retrieval.centre_photo_views(f, min_photos=1)
    # view 0: mean (1/3, 0, 0, 0); centred (2/3, ...), (-1/3, ...), (-1/3, ...) -> unit vectors
    want = np.zeros((3, 2, 4), np.float32)
    want[:, 0, 0] = [1.0, -1.0, -1.0]
    np.testing.assert_array_equal(out, want)


class _Stop(Exception):
    pass


@pytest.mark.parametrize("n, views, lists", [
    (35_000_000, 2, 4096),      # 70,000,000 vectors: sqrt(7e7) / 2 = 4183.3, capped at 4096
    (16_777_216, 4, 4096),      # exactly 67,108,864: sqrt / 2 = 4096.0, the cap itself
    (16_000_000, 4, 4000),      # 64,000,000: sqrt / 2 = 4000, under the cap
])
def test_the_ivf_index_has_at_most_4096_lists(n, views, lists):
    # unit vectors (0.6, 0.8), broadcast (no memory); the progress callback stops the build at its
    # first event, which states the list count: train_size min(100,000, 64 x lists) = 100,000
    # vectors, i.e. 100,000 // views tiles of `views` vectors each
    features = np.broadcast_to(np.array([0.6, 0.8], np.float32), (n, views, 2))
    seen = []

    def progress(event):
        seen.append((event.stage, event.message))
        raise _Stop

    with pytest.raises(_Stop):
        retrieval.TileIndex.build(features, kind="auto", progress=progress)
    assert seen == [("index:train", f"training {lists} IVF lists on 100000 vectors")]
