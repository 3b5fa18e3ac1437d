"""Exact values and boundaries of the small rules the pipeline is made of (E-step rules, losses,
prediction, metrics), computed by hand. Written against the survivors of the mutation run
(training/results/mutation.md): each assertion pins a constant, a comparison or a formula that a
planted bug changed without any other test noticing."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from geolocator.core.adapt.losses import LogitScale, aic_loss, infonce, soft_infonce
from geolocator.core.adapt.pseudo_labels import cycle_consistency, mutual_nn, sinkhorn
from geolocator.core.evaluate import evaluate, positives, rank_metrics
from geolocator.core.geo import haversine_m
from geolocator.core.model import LatLon, Query
from geolocator.core.predict import predict

from .helpers import grid_tiles, query_at


# -- E-step rules ----------------------------------------------------------------------------------
def test_mutual_nn_boundaries_and_argmaxes():
    sim = torch.tensor([[0.1, 0.9, 0.0], [0.2, 0.5, 0.0], [0.0, 0.0, 0.3]])
    p = mutual_nn(sim, threshold=0.1, min_mutual=0)
    assert p.row_argmax.tolist() == [1, 1, 2] and p.col_argmax.tolist() == [1, 0, 2]
    assert p.n_mutual == 2 and p.sat.tolist() == [0, 2] and p.drone.tolist() == [1, 2]
    # exactly min_mutual mutual pairs is not "more than": every row is kept
    assert mutual_nn(sim, threshold=0.1, min_mutual=2).sat.tolist() == [0, 1, 2]
    assert mutual_nn(sim, threshold=0.1, min_mutual=1).sat.tolist() == [0, 2]
    # a best cosine equal to the threshold is not above it
    assert mutual_nn(sim, threshold=0.3, min_mutual=0).sat.tolist() == [0]
    assert mutual_nn(sim, threshold=0.29, min_mutual=0).sat.tolist() == [0, 2]


def test_sinkhorn_marginals_prior_and_eps_floor():
    sim = torch.tensor([[0.50, 0.40, 0.1], [0.51, 0.40, 0.1], [0.60, 0.40, 0.1], [0.61, 0.40, 0.1]])
    plan = sinkhorn(sim, eps=0.05, iters=300)
    assert torch.allclose(plan.sum(dim=1), torch.ones(4), atol=1e-6)  # rows exactly distributions
    assert torch.allclose(plan.sum(dim=0), torch.full((3,), 4 / 3), atol=1e-3)  # each tile Q/N
    # a column mass prior: tile 2 expects nothing, tiles 0 and 1 two photos each
    plan = sinkhorn(sim, eps=0.05, iters=300, col_mass=torch.tensor([1.0, 1.0, 1e-9]))
    assert torch.allclose(plan.sum(dim=0), torch.tensor([2.0, 2.0, 0.0]), atol=1e-3)
    # eps below 0.03 is clamped to 0.03 (no float32 underflow)
    assert torch.equal(sinkhorn(sim, eps=0.001, iters=20), sinkhorn(sim, eps=0.03, iters=20))
    assert not torch.equal(sinkhorn(sim, eps=0.05, iters=20), sinkhorn(sim, eps=0.03, iters=20))
    # the caller's dtype comes back
    assert sinkhorn(sim.double(), iters=5).dtype == torch.float64
    # one iteration is not fifty: iters is honoured
    assert not torch.allclose(sinkhorn(sim, eps=0.05, iters=1), plan)


def test_cycle_consistency_keeps_ceil_q_over_n_photos_per_tile():
    # 5 photos, 2 tiles: ceil(5/2) = 3 photos per tile
    sim = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.6, 0.0], [0.1, 0.9]])
    assert cycle_consistency(sim).tolist() == [True, True, True, False, True]
    # fewer photos than tiles: each tile keeps its single best photo (k = 1, not 0 or 2)
    sim = torch.tensor([[0.9, 0.1, 0.0], [0.8, 0.2, 0.1]])
    assert cycle_consistency(sim).tolist() == [True, False]
    # a tie with the k-th score counts
    sim = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.8, 0.3], [0.1, 0.9]])
    assert cycle_consistency(sim).tolist() == [True, True, True, True]


# -- losses ----------------------------------------------------------------------------------------
def test_logit_scale_is_clamped_at_its_maximum():
    assert LogitScale(0.001, max_scale=100.0)().item() == pytest.approx(100.0, rel=1e-5)
    assert LogitScale(0.001)().item() == pytest.approx(100.0, rel=1e-5)  # CLIP's cap by default
    assert LogitScale(0.5, max_scale=100.0)().item() == pytest.approx(2.0, rel=1e-5)
    assert LogitScale()().item() == pytest.approx(1 / 0.07, rel=1e-5)


def test_infonce_smoothing_and_zero_weights():
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    labels = torch.tensor([0, 1])
    log_p = torch.log_softmax(logits, dim=1)
    expected = -(0.95 * log_p[0, 0] + 0.05 * log_p[0, 1] + 0.95 * log_p[1, 1] + 0.05 * log_p[1, 0]) / 2
    assert infonce(logits, labels).item() == pytest.approx(expected.item(), rel=1e-6)  # default smoothing 0.1
    assert infonce(logits, labels, weights=torch.zeros(2)).item() == 0.0  # no NaN when nothing counts
    w = torch.tensor([3.0, 1.0])
    per_row = [-(0.95 * log_p[0, 0] + 0.05 * log_p[0, 1]), -(0.95 * log_p[1, 1] + 0.05 * log_p[1, 0])]
    assert infonce(logits, labels, weights=w).item() == pytest.approx(
        ((3 * per_row[0] + per_row[1]) / 4).item(), rel=1e-6)


def test_soft_infonce_by_hand():
    logits = torch.tensor([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]])
    targets = torch.tensor([[1.0, 1.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]])  # last row: no positive
    log_p = torch.log_softmax(logits, dim=1)
    t0 = 0.9 * torch.tensor([0.5, 0.5, 0.0]) + 0.1 / 3
    t1 = 0.9 * torch.tensor([0.0, 1.0, 0.0]) + 0.1 / 3
    rows = torch.stack([-(t0 * log_p[0]).sum(), -(t1 * log_p[1]).sum()])
    assert soft_infonce(logits, targets).item() == pytest.approx(rows.mean().item(), rel=1e-6)
    w = torch.tensor([1.0, 3.0, 5.0])  # the skipped row's weight does not count
    assert soft_infonce(logits, targets, weights=w).item() == pytest.approx(
        ((rows[0] + 3 * rows[1]) / 4).item(), rel=1e-6)
    assert soft_infonce(logits, targets, weights=torch.tensor([0.0, 0.0, 1.0])).item() == 0.0
    none = soft_infonce(logits.requires_grad_(), torch.zeros(3, 3))
    assert none.item() == 0.0 and none.requires_grad  # a zero that still backpropagates


def test_aic_is_mean_l1_after_normalising_the_reconstruction():
    recon = torch.tensor([[3.0, 4.0]])
    target = torch.tensor([[1.0, 0.0]])
    assert aic_loss(recon, target).item() == pytest.approx((0.4 + 0.8) / 2, rel=1e-6)


# -- prediction --------------------------------------------------------------------------------------
def _predict(inliers, scores=(0.6, 0.59, 0.58), ids=(7, 8, 11), min_inliers=8, grounds=None, truth=True):
    tiles = grid_tiles(3, 6)
    q = query_at(tiles[7], "a.jpg") if truth else Query("a.jpg", tiles[7].path)
    return tiles, predict([q], tiles, np.array([scores], np.float32), np.array([ids]),
                          None if inliers is None else np.array([inliers]), grounds, min_inliers)[0]


def test_confidence_exact_values():
    # unverified: the share right measured at the cosine margin over the best tile elsewhere (r1c5) /
    # 0.10 (confidence_tables.UNVERIFIED_RIGHT, session 20; issue 9 §4's 0.6 x margin claimed too much)
    at_half = 0.103 + 0.123 * (0.5 - 0.377) / 0.224  # margin 0.5: between 0.377 -> 0.103 and 0.601 -> 0.226
    _, p = _predict(None, scores=(0.6, 0.59, 0.55))
    assert p.confidence == pytest.approx(at_half, rel=1e-4) and p.status == "retrieved"
    # verification ran but too few inliers: the same cosine rule (no separate discount any more)
    _, p = _predict([5, 0, 0], scores=(0.6, 0.59, 0.55))
    assert p.confidence == pytest.approx(at_half, rel=1e-4)
    # no rival elsewhere: the last score is the rival (margin 0.2: between 0.118 -> 0.078 and 0.377 -> 0.103)
    _, p = _predict(None, scores=(0.6, 0.58), ids=(7, 8))
    assert p.confidence == pytest.approx(0.078 + 0.025 * (0.2 - 0.118) / 0.259, rel=1e-3)
    # a clear cosine win is capped at 0.6, never more
    _, p = _predict(None, scores=(0.9, 0.59, 0.2))
    assert p.confidence == pytest.approx(0.6)
    # a single match: nothing to compare with, no evidence of a clear win
    _, p = _predict(None, scores=(0.3,), ids=(7,))
    assert p.confidence == 0.0
    # exactly min_inliers counts as verified: the calibration table at margin 8, between
    # (0, 0.25) and (8.4, 0.833)
    _, p = _predict([8, 0, 0], scores=(0.6, 0.59, 0.55))
    assert p.confidence == pytest.approx(0.25 + 0.583 * 8 / 8.4, rel=1e-6) and p.status == "verified"
    _, p = _predict([7, 0, 0], scores=(0.6, 0.59, 0.55))
    assert p.confidence == pytest.approx(at_half, rel=1e-4) and p.status == "retrieved"
    # inlier margins are whole numbers: between the table's knots, and flat beyond its ends
    for margin, right in [(12, 0.941 + 0.025 * 1.3 / 1.8), (16, 0.967 + 0.013 * 1.4 / 3.3),
                          (39, 0.98 + 0.017 * 21.1 / 21.6), (40, 0.997)]:
        _, p = _predict([100, 0, 100 - margin])
        assert p.confidence == pytest.approx(right, rel=1e-6), margin
    _, p = _predict([300, 0, 0])
    assert p.confidence == pytest.approx(0.997)
    _, p = _predict([9, 0, 60])  # a stronger rival elsewhere: the table's floor
    assert p.confidence == pytest.approx(0.25)


def test_refined_location_exact():
    ground = LatLon(50.0012, 10.0013)
    tiles, p = _predict([8, 0, 0], grounds=[[ground, None, None]])
    assert p.location == ground and p.location_source == "homography"  # exactly min_inliers: the ground point
    truth = p.query.truth  # the top tile's centre
    assert truth == tiles[7].center and p.tile_error_m == pytest.approx(0.0, abs=1e-6)
    assert p.error_m == pytest.approx(haversine_m(ground, truth), rel=1e-9) and p.error_m > 30
    assert p.weighted_error_m == pytest.approx(haversine_m(p.weighted_location, truth), rel=1e-9)
    assert p.weighted_location != ground and p.tile_center == tiles[7].center
    _, p = _predict([7, 0, 0], grounds=[[ground, None, None]])  # one inlier short: not the ground point
    assert p.location != ground and p.location == p.weighted_location
    # unverified: the softmax-weighted mean of the top tile and its neighbour, the far tile left out
    tiles, p = _predict(None, scores=(0.6, 0.58, 0.59))
    w = np.array([1.0, math.exp((0.58 - 0.6) / 0.02)])
    w /= w.sum()
    lon = w[0] * tiles[7].center.lon + w[1] * tiles[8].center.lon
    assert p.weighted_location.lon == pytest.approx(lon, abs=1e-9)
    assert p.weighted_location.lat == pytest.approx(tiles[7].center.lat, abs=1e-9)
    assert p.location == p.weighted_location and p.location_source == "weighted"
    # without truth there is no error
    _, p = _predict(None, truth=False)
    assert p.error_m is None and p.weighted_error_m is None
    assert [m.rank for m in p.matches] == [1, 2, 3] and p.matches[1].tile.id == "r1c2"


def test_min_inliers_per_photo():
    tiles = grid_tiles(3, 6)
    qs = [query_at(tiles[7], "a.jpg"), query_at(tiles[7], "b.jpg")]
    preds = predict(qs, tiles, np.array([[0.6, 0.5], [0.6, 0.5]], np.float32), np.array([[7, 11], [7, 11]]),
                    np.array([[10, 0], [10, 0]]), None, [8, 12])
    # 10 inliers: verified at min 8 (table at margin 10: 0.908), not at min 12 (cosine cap 0.6)
    assert preds[0].confidence == pytest.approx(0.833 + 0.108 * 1.6 / 2.3) and preds[0].status == "verified"
    assert preds[1].confidence == pytest.approx(0.6) and preds[1].status == "retrieved"


# -- metrics ---------------------------------------------------------------------------------------------
def test_rank_metrics_exact():
    sim = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3])
    pos = np.array([False, True, False, False, False, True, False])
    recall, ap = rank_metrics(sim, pos, ks=(1, 2, 5, 6))
    assert recall == {1: 0.0, 2: 1.0, 5: 1.0, 6: 1.0}
    assert ap == pytest.approx((1 / 2 + 2 / 6) / 2)
    recall, ap = rank_metrics(sim, np.zeros(7, bool))
    assert recall == {1: 0.0, 5: 0.0, 10: 0.0} and ap == 0.0
    # ties keep the gallery order (stable)
    recall, _ = rank_metrics(np.array([0.5, 0.5]), np.array([False, True]), ks=(1,))
    assert recall[1] == 0.0


def test_evaluate_counts_outside_and_errors():
    tiles = grid_tiles(2, 2)
    inside = query_at(tiles[3], "in.jpg")
    outside = Query("out.jpg", tiles[0].path, truth=LatLon(0.0, 0.0))
    by_tile = Query("tile.jpg", tiles[0].path, truth_tile="r0c1")
    unknown = Query("none.jpg", tiles[0].path)
    assert positives(by_tile, tiles).tolist() == [False, True, False, False]
    sim = np.array([[0.1, 0.2, 0.3, 0.9], [0.9, 0.1, 0.1, 0.1], [0.1, 0.5, 0.9, 0.1], [0.0, 0.0, 0.0, 0.0]])
    ev = evaluate([inside, outside, by_tile, unknown], tiles, sim)
    assert ev.n_queries == 3 and ev.n_tiles == 4 and ev.extra["n_outside"] == 1
    assert ev.r1 == pytest.approx(100 / 3) and ev.r5 == pytest.approx(200 / 3)
    assert ev.ap == pytest.approx(100 * (1 + 0 + 1 / 2) / 3)
    assert ev.median_error_m is None and ev.extra["median_weighted_error_m"] is None
    assert evaluate([unknown], tiles, sim[3:]) is None
    preds = predict([inside, outside], tiles, np.array([[0.9, 0.3], [0.9, 0.2]], np.float32),
                    np.array([[3, 2], [0, 1]]))
    ev = evaluate([inside, outside], tiles, sim[:2], preds)
    errors = sorted(p.error_m for p in preds)
    assert ev.median_error_m == pytest.approx(np.median(errors)) and ev.mean_error_m == pytest.approx(np.mean(errors))
    assert ev.extra["median_weighted_error_m"] == pytest.approx(np.median([p.weighted_error_m for p in preds]))


# -- added for the mutation run's survivors (training/results/mutation.md) ------------------------------
def test_e_step_rule_defaults_are_the_papers():
    sim = torch.tensor([[0.1, 0.9, 0.0, 0.2], [0.2, 0.5, 0.0, 0.1], [0.0, 0.0, 0.3, 0.05]])  # 3 tiles x 4 photos
    # defaults: cosine > 0.1, mutual pairs used only when more than 10 exist
    assert mutual_nn(sim).sat.tolist() == mutual_nn(sim, threshold=0.1, min_mutual=10).sat.tolist() == [0, 1, 2]
    assert mutual_nn(sim, threshold=0.1, min_mutual=0).sat.tolist() == [0, 2]  # non-square: rows are tiles
    assert mutual_nn(sim, threshold=0.1, min_mutual=0).drone.tolist() == [1, 2]
    assert torch.equal(sinkhorn(sim.T), sinkhorn(sim.T, eps=0.05, iters=50))


def test_sinkhorn_is_sharp_at_small_eps():
    """Entries are exp(cosine / eps): at eps 0.05 a clear preference is a near-hard assignment."""
    plan = sinkhorn(torch.tensor([[0.9, 0.1], [0.1, 0.9]]), eps=0.05)
    assert plan[0, 0] > 0.99 and plan[1, 1] > 0.99


def test_loss_weights_below_one_are_normalised_by_their_sum():
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    labels = torch.tensor([0, 1])
    half = torch.tensor([0.25, 0.25])
    assert infonce(logits, labels, weights=half).item() == pytest.approx(infonce(logits, labels).item(), rel=1e-6)
    targets = torch.eye(2)
    assert soft_infonce(logits, targets, weights=half).item() == pytest.approx(
        soft_infonce(logits, targets).item(), rel=1e-6)


def test_aic_normalises_along_the_feature_axis():
    recon = torch.tensor([[[3.0, 4.0], [0.0, 2.0]]])  # (1, 2, 2): batch, tokens, features
    target = torch.tensor([[[0.6, 0.8], [0.0, 1.0]]])
    assert aic_loss(recon, target).item() == pytest.approx(0.0, abs=1e-6)


def test_verified_confidence_rivals_exact():
    # the rival is the strongest verified tile that does not agree with the top (not a neighbour);
    # confidence = the calibration table (predict.VERIFIED_MARGINS -> VERIFIED_RIGHT) at the margin
    _, p = _predict([40, 30, 0], ids=(7, 11, 8))  # rival r1c5 second in the list: margin 10
    assert p.confidence == pytest.approx(0.833 + 0.108 * 1.6 / 2.3)
    _, p = _predict([40, 30, 0], ids=(7, 9, 11))  # r1c3, two tiles east (142 m), still agrees with r1c1
    assert p.confidence == pytest.approx(0.997)
    _, p = _predict([40, 35], scores=(0.6, 0.5), ids=(7, 8))  # only a neighbour: no rival at all
    assert p.confidence == pytest.approx(0.997)
    _, p = _predict([40, 0, 45])  # a stronger rival elsewhere: no margin left
    assert p.confidence == pytest.approx(0.25)
    # the default threshold is 8 inliers: 8 is verified (margin 8), 7 is not (cosine margin 1 x 0.6)
    tiles = grid_tiles(3, 6)

    def default(n):
        return predict([query_at(tiles[7], "a.jpg")], tiles, np.array([[0.6, 0.5]], np.float32), np.array([[7, 11]]),
                       np.array([[n, 0]]))[0]

    assert default(8).confidence == pytest.approx(0.25 + 0.583 * 8 / 8.4) and default(8).status == "verified"
    assert default(7).confidence == pytest.approx(0.6) and default(7).status == "retrieved"
    # a ground point without inliers is no evidence, whatever the threshold
    _, p = _predict(None, grounds=[[LatLon(50.0012, 10.0013), None, None]], min_inliers=1)
    assert p.location != LatLon(50.0012, 10.0013) and p.weighted_location != LatLon(50.0012, 10.0013)


def test_metrics_r10_mean_error_dtype_and_stable_ties():
    tiles = grid_tiles(3, 4)
    q = query_at(tiles[11], "a.jpg")
    assert positives(q, tiles).dtype == bool
    sim = np.linspace(1.0, 0.0, 12)[None, :]  # the truth tile (index 11) ranks last: R@10 0, R@12 hit
    ev = evaluate([q], tiles, sim)
    assert (ev.r1, ev.r5, ev.r10) == (0.0, 0.0, 0.0) and ev.mean_error_m is None
    sim = np.linspace(1.0, 0.0, 12)[None, ::-1].copy()  # ranked first
    ev = evaluate([q, q], tiles, np.vstack([sim, np.linspace(1.0, 0.0, 12)[None, :]]))
    assert ev.r10 == pytest.approx(50.0) and ev.r1 == pytest.approx(50.0)
    # ties: the gallery's order decides (stable), also past the small-array sort
    scores = np.round(np.random.default_rng(0).random(200), 1)
    positive = np.zeros(200, bool)
    first_of_best = int(np.flatnonzero(scores == scores.max())[0])
    positive[first_of_best] = True
    recall, ap = rank_metrics(scores, positive, ks=(1,))
    assert recall[1] == 1.0 and ap == 1.0


def test_mutual_nn_uses_mutual_pairs_from_eleven_by_default():
    sim = torch.eye(12) * 0.9
    sim[11] = 0.0
    sim[11, 0] = 0.5  # tile 11's best photo is 0, whose best tile is 0: not mutual
    assert mutual_nn(sim).n_mutual == 11
    assert mutual_nn(sim).sat.tolist() == list(range(11))  # 11 > 10 mutual pairs: only those are kept
