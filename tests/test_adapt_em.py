"""The EM loop on a synthetic cross-view problem with known answers (fast, no backbone)."""

import numpy as np
import pytest
import torch

from geolocator.core.adapt import adapt
from geolocator.core.adapt.synthetic import synthetic_cross_view
from geolocator.core.errors import Cancelled, InputError
from geolocator.core.progress import CancelToken


def recall_at_1(photos: np.ndarray, tiles: np.ndarray, truth: np.ndarray) -> float:
    sims = np.einsum("qd,nvd->qnv", photos, tiles).max(axis=2)
    return float((sims.argmax(axis=1) == truth).mean() * 100)


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # small matrices (tests/conftest.py)


@pytest.fixture(scope="module")
def problem():
    return synthetic_cross_view(n_tiles=30, per_tile=4, views=4, dim=48, distortion=1.5, noise=1.0, seed=3)


def test_best_and_paper_beat_frozen_features(problem):
    tiles, photos, truth = problem
    vanilla_rot0 = recall_at_1(photos, tiles[:, :1], truth)
    vanilla_views = recall_at_1(photos, tiles, truth)
    paper = adapt(tiles, photos, mode="paper", steps=80, seed=0)
    best = adapt(tiles, photos, mode="best", steps=20, seed=0)
    r_paper = recall_at_1(paper.transform_queries(photos), paper.transform_tiles(tiles[:, :1]), truth)
    r_best = recall_at_1(best.transform_queries(photos), best.transform_tiles(tiles), truth)
    assert vanilla_views < 60  # the problem is hard for frozen features ...
    assert r_paper >= vanilla_rot0 + 15  # ... and adaptation without labels fixes much of it
    assert r_best >= vanilla_views + 30
    assert best.card["quality"] > 0.5


def test_transform_shapes_and_norms(problem):
    tiles, photos, _ = problem
    a = adapt(tiles, photos, mode="best", steps=3, seed=0)
    t, q = a.transform_tiles(tiles), a.transform_queries(photos)
    assert t.shape == (*tiles.shape[:2], a.dim_out) and q.shape == (len(photos), a.dim_out) and a.dim_out == 1024
    assert np.allclose(np.linalg.norm(t, axis=-1), 1, atol=1e-5)
    assert np.allclose(np.linalg.norm(q, axis=-1), 1, atol=1e-5)
    assert a.mode == "best" and a.card["n_views"] == 4 and a.card["steps"] == 3


@pytest.mark.parametrize("mode", ["paper", "best"])
def test_same_seed_gives_bit_identical_weights(problem, mode):
    tiles, photos, _ = problem
    a, b = (adapt(tiles, photos, mode=mode, steps=6, seed=7, device="cpu") for _ in range(2))
    c = adapt(tiles, photos, mode=mode, steps=6, seed=8, device="cpu")
    sa, sb, sc = a.model.state_dict(), b.model.state_dict(), c.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)


@pytest.mark.parametrize("mode", ["paper", "best"])
def test_progress_events_per_step(problem, mode):
    tiles, photos, _ = problem
    events = []
    adapt(tiles, photos, mode=mode, steps=5, seed=0, progress=events.append)
    assert [e.step for e in events] == [1, 2, 3, 4, 5]
    assert all(e.stage == "adapt" and e.total == 5 for e in events)
    for key in ("loss", "infonce", "aic", "pseudo_pairs", "quality"):
        assert all(np.isfinite(e.metrics[key]) for e in events), key
    assert events[-1].eta_s == pytest.approx(0.0)


def test_cancel_stops_within_one_step(problem):
    tiles, photos, _ = problem
    token, seen = CancelToken(), []

    def on_event(ev):
        seen.append(ev.step)
        if ev.step == 2:
            token.cancel()

    with pytest.raises(Cancelled):
        adapt(tiles, photos, mode="best", steps=50, seed=0, progress=on_event, cancel=token)
    assert seen == [1, 2]


def test_bad_inputs_are_named(problem):
    tiles, photos, _ = problem
    with pytest.raises(InputError, match="same backbone"):
        adapt(tiles, photos[:, :10], steps=1)
    with pytest.raises(InputError, match="unknown adaptation mode"):
        adapt(tiles, photos, mode="fancy", steps=1)
    with pytest.raises(InputError, match="at least 2"):
        adapt(tiles[:1], photos, steps=1)
    bad = photos.copy()
    bad[0, 0] = np.nan
    with pytest.raises(InputError, match="NaN"):
        adapt(tiles, bad, steps=1)


def test_caller_rng_is_left_alone(problem):
    tiles, photos, _ = problem
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    adapt(tiles, photos, mode="paper", steps=2, seed=5)
    assert torch.equal(torch.rand(3), expected)


def test_geometric_anchors_are_learned_and_lift_the_rest(problem):
    """Anchors (label-free pseudo-labels from geometry) on half the photos, here simulated as the
    right tiles: the adapter must place the anchored photos and do no worse on the others."""
    tiles, photos, truth = problem
    anchors = np.where(np.arange(len(photos)) % 2 == 0, truth, -1)
    plain = adapt(tiles, photos, mode="best", seed=0, device="cpu")
    anchored = adapt(tiles, photos, mode="best", seed=0, device="cpu", anchors=anchors)
    t, q = anchored.transform_tiles(tiles), anchored.transform_queries(photos)
    on_anchors = recall_at_1(q[::2], t, truth[::2])
    assert on_anchors == 100.0
    r_plain = recall_at_1(plain.transform_queries(photos), plain.transform_tiles(tiles), truth)
    assert recall_at_1(q, t, truth) > r_plain
    assert anchored.card["geometric_anchors"] == len(photos[::2])


def test_bad_anchors_are_refused(problem):
    tiles, photos, truth = problem
    with pytest.raises(InputError, match="paper"):
        adapt(tiles, photos, mode="paper", steps=2, device="cpu", anchors=truth)
    with pytest.raises(InputError, match="one tile index"):
        adapt(tiles, photos, mode="best", steps=2, device="cpu", anchors=truth[:-1])
    with pytest.raises(InputError, match="one tile index"):
        adapt(tiles, photos, mode="best", steps=2, device="cpu", anchors=truth + len(tiles))


def test_photo_views_of_one_are_the_plain_photo_path(problem):
    tiles, photos, _ = problem
    a = adapt(tiles, photos, mode="best", steps=4, seed=1, device="cpu")
    b = adapt(tiles, photos[:, None, :], mode="best", steps=4, seed=1, device="cpu")
    sa, sb = a.model.state_dict(), b.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert b.card["n_query_views"] == 1


def test_adaptation_with_rotated_photos_instead_of_rotated_tiles(problem):
    """The product embeds tiles once and photos at several views: here the problem's multi-view side
    plays the photos ((30, 4, D), one per place) and its single-view side the tiles (120, D)."""
    views, singles, truth = problem
    def r1(photo_views, tiles):
        sims = np.einsum("qvd,nd->qnv", photo_views, tiles).max(axis=2)
        return float((truth[sims.argmax(axis=1)] == np.arange(len(photo_views))).mean() * 100)
    frozen = r1(views, singles)
    a = adapt(singles, views, mode="best", steps=20, seed=0, device="cpu")
    adapted = r1(a.transform_queries(views), a.transform_tiles(singles))
    assert a.card["n_query_views"] == 4 and a.card["n_views"] == 1
    print(f"frozen R@1 {frozen:.1f}, adapted {adapted:.1f}")
    assert adapted >= frozen + 20
