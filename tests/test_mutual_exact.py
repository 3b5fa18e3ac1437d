"""matchers/verify._mutual: the mutual-nearest-neighbour test of the heading search, computed
without numpy's slow argmax along the first axis (session 25), must be exactly the argmax rule's
answer, ties and padding included: the heading chosen and the partner order depend on it."""

import numpy as np
import pytest

from geolocator.core.matchers.verify import _mutual, headings_and_scores
from geolocator.core.rerank import LocalFeatures


def _by_argmax(sim):
    """The rule as written before session 25: i is mutual with its nearest j in target t when
    sim[:, t, j].argmax() is i."""
    ab, ba = sim.argmax(axis=2), sim.argmax(axis=0)
    return ba[np.arange(sim.shape[1])[None, :], ab] == np.arange(sim.shape[0])[:, None]


@pytest.mark.parametrize("seed", range(12))
def test_mutual_is_the_argmax_rule_ties_and_padding_included(seed):
    rng = np.random.default_rng(seed)
    na, t, k = int(rng.integers(1, 80)), int(rng.integers(1, 6)), int(rng.integers(1, 80))
    sim = rng.standard_normal((na, t, k)).astype(np.float32)
    if seed % 3 == 0:
        sim = np.round(sim, 1)  # many exact ties
    if seed % 4 == 0:
        sim[:, :, k // 2:] = -np.inf  # a short target's padding
    if seed % 5 == 0:
        sim[:, 0, :] = -np.inf  # a target with no keypoints
    assert np.array_equal(_mutual(sim), _by_argmax(sim))


def test_a_tie_goes_to_the_first_photo_keypoint():
    # target keypoint 0 is as near to photo keypoints 0 and 1 (0.9): argmax takes 0, so only 0 is
    # mutual with it, though 1's nearest is also target keypoint 0
    sim = np.array([[[0.9, 0.1]], [[0.9, 0.2]], [[0.0, 0.5]]], np.float32)
    assert _mutual(sim).tolist() == [[True], [False], [True]]
    assert _by_argmax(sim).tolist() == [[True], [False], [True]]


def test_scores_count_mutual_neighbours_across_targets():
    eye = np.eye(8, dtype=np.float32)
    pts = np.zeros((4, 2), np.float32)
    photo = LocalFeatures(pts, eye[:4], (10, 10))
    same = LocalFeatures(pts, eye[:4], (10, 10))
    half = LocalFeatures(np.zeros((3, 2), np.float32), eye[[0, 1, 6]], (10, 10))
    empty = LocalFeatures(np.zeros((0, 2), np.float32), np.zeros((0, 8), np.float32), (10, 10))
    assert [score for _, score in headings_and_scores(photo, [same, half, empty])] == [4, 2, 0]
