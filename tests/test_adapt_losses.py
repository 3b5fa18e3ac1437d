"""Losses and E-step rules on hand-checkable inputs."""

import math

import pytest
import torch

from geolocator.core.adapt.losses import LogitScale, aic_loss, infonce, soft_infonce
from geolocator.core.adapt.pseudo_labels import cycle_consistency, mutual_nn, sinkhorn


def test_infonce_matches_hand_computation():
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    labels = torch.tensor([0, 1])
    # no smoothing: mean of -log softmax at the label
    expected = (-math.log(math.e**2 / (math.e**2 + 1)) - math.log(math.e / (math.e + 1))) / 2
    assert infonce(logits, labels, smoothing=0.0).item() == pytest.approx(expected, rel=1e-6)
    # weights: only the first row counts
    w = torch.tensor([1.0, 0.0])
    assert infonce(logits, labels, smoothing=0.0, weights=w).item() == pytest.approx(
        -math.log(math.e**2 / (math.e**2 + 1)), rel=1e-6)
    # a one-hot soft target equals the hard-label loss, smoothing included
    targets = torch.tensor([[1.0, 0.0], [0.0, 3.0]])
    assert soft_infonce(logits, targets, smoothing=0.1).item() == pytest.approx(
        infonce(logits, labels, smoothing=0.1).item(), rel=1e-6)


def test_logit_scale_starts_at_one_over_tau():
    assert LogitScale(0.07)().item() == pytest.approx(1 / 0.07, rel=1e-5)


def test_aic_is_zero_for_perfect_reconstruction_up_to_scale():
    x = torch.nn.functional.normalize(torch.randn(4, 8), dim=-1)
    assert aic_loss(3.0 * x, x).item() == pytest.approx(0.0, abs=1e-6)
    assert aic_loss(-x, x).item() > 0


def test_mutual_nn_rule():
    # tiles x drones; tile 0 <-> drone 1 mutual (0.9), tile 1 -> drone 1 not mutual, tile 2 <-> drone 2 (0.05)
    sim = torch.tensor([[0.1, 0.9, 0.0], [0.2, 0.5, 0.0], [0.0, 0.0, 0.05]])
    p = mutual_nn(sim, threshold=0.1, min_mutual=0)
    assert p.n_mutual == 2
    assert p.sat.tolist() == [0] and p.drone.tolist() == [1]  # tile 2 dropped by the 0.1 threshold
    # with too few mutual pairs every row is used (minus the threshold)
    p = mutual_nn(sim, threshold=0.1, min_mutual=10)
    assert p.sat.tolist() == [0, 1] and p.drone.tolist() == [1, 1]


def test_sinkhorn_spreads_photos_over_tiles():
    # every photo prefers tile 0 a little; the many-to-one prior sends half of them to tile 1
    sim = torch.tensor([[0.50, 0.40], [0.51, 0.40], [0.60, 0.40], [0.61, 0.40]])
    plan = sinkhorn(sim, eps=0.03, iters=500)
    assert torch.allclose(plan.sum(dim=1), torch.ones(4), atol=1e-5)
    assert torch.allclose(plan.sum(dim=0), torch.full((2,), 2.0), atol=1e-3)
    assert plan.argmax(dim=1).tolist() == [1, 1, 0, 0]


def test_cycle_consistency():
    # 4 photos, 2 tiles: each tile keeps its top 2 photos
    sim = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.1, 0.9]])
    assert cycle_consistency(sim).tolist() == [True, True, False, True]
