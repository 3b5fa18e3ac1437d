"""Tiles left out of the search (a package's empty tiles, unreadable ones: Workspace.left_out) are
taken out of each photo's candidates (candidates.WithoutTiles). It asked its source for the top
m + (tiles left out) at once: a county package a third empty (100 000s of tiles) fetched that many
candidates per photo, though zero rows rank last. It now asks for a few more than m, and more only
where a row lacks m kept tiles (candidates.top_without); the answer is the same."""

from __future__ import annotations

import numpy as np
import pytest

from geolocator.core.candidates import WithoutTiles


class _Ranked:
    """A candidates source over fixed (Q, N) scores, recording the k it is asked for."""

    matrix = None
    narrowed = None

    def __init__(self, scores: np.ndarray) -> None:
        self.s = scores
        self.asked: list[int] = []

    def top(self, k):
        self.asked.append(k)
        ids = np.argsort(-self.s, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(self.s, ids, 1), ids


def _expected(scores, dropped, m):
    ids = np.argsort(-scores, axis=1, kind="stable")
    rows = [[i for i in row if i not in set(dropped)][:m] for row in ids]
    return np.array(rows, np.int64)


def test_zero_rows_that_rank_last_are_not_fetched():
    rng = np.random.default_rng(0)
    n, empty = 3000, 1000
    scores = rng.uniform(0.2, 0.9, (4, n)).astype(np.float32)  # a non-negative model's cosines
    dropped = rng.choice(n, empty, replace=False)
    scores[:, dropped] = 0.0  # zero rows: cosine 0
    src = _Ranked(scores)
    got_scores, got = WithoutTiles(src, dropped, n).top(20)
    assert np.array_equal(got, _expected(scores, dropped, 20))
    assert got_scores.shape == (4, 20) and (got_scores > 0).all()
    assert max(src.asked) < 20 + empty  # before: 1020 candidates a photo, for 20


@pytest.mark.parametrize("seed", range(5))
def test_the_kept_tiles_are_those_of_a_full_fetch_whatever_the_dropped_ones_score(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 400))
    scores = rng.normal(size=(3, n)).astype(np.float32)
    dropped = rng.choice(n, int(rng.integers(1, n - 5)), replace=False)
    if seed % 2:  # the dropped ones above every kept one (an adapter's transform of a zero row)
        scores[:, dropped] += 10
    m = int(rng.integers(1, n - len(dropped) + 1))
    _, got = WithoutTiles(_Ranked(scores), dropped, n).top(m)
    assert np.array_equal(got, _expected(scores, dropped, m))
