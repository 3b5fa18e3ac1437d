"""Feature store, one more exact answer (session 7, for the last survivor of core/store.py's
mutation run, training/results/mutation_store.md): gather reads in blocks of 65536 rows, and every
block is read however many there are."""

from __future__ import annotations

import numpy as np

from geolocator.core.store import FeatureStore


def test_gather_of_more_than_two_read_blocks_of_one_repeated_row(tmp_path):
    # 131077 = 2 x 65536 + 5 requested rows, all the store's one row: three blocks, the last of 5 rows.
    # (Requested rows need not be distinct, so the store itself stays one row small.)
    st = FeatureStore(tmp_path, signature="tiny|w|gem", views=("rot0", "rot90"), dim=2, dtype="float32")
    st.append(["a"], np.array([[[1.5, -2.0], [3.25, 4.0]]], np.float32))
    got = st.gather(np.zeros(2 * 65536 + 5, np.int64))
    assert got.shape == (131077, 2, 2) and got.dtype == np.float32
    np.testing.assert_array_equal(got, np.broadcast_to(np.array([[1.5, -2.0], [3.25, 4.0]], np.float32), (131077, 2, 2)))
