"""Exact answers of the EM loop's parts (core/adapt/em.py) on tiny hand-worked tensors: the schedule,
the input checks, the view-max similarity, the best-mode E-step (k-NN smoothing, confidence curriculum,
anchors), the tile subset, the M-step's targets and weights, the optimiser step and the adapter card.
Written for the survivors of session 8's mutation run (training/results/mutation_model_em.md); a fake
identity "adapter" or spies stand in where the real network's numbers cannot be worked out by hand."""

import math
import types
from dataclasses import asdict, replace

import numpy as np
import pytest
import torch

from geolocator.core.adapt import em
from geolocator.core.errors import Cancelled, InputError
from geolocator.core.progress import CancelToken


class _Identity:
    """Stands in for SharedAutoEncoder in the E-step: encode returns its input (plus an optional column
    of ones, to see the output width is the encoder's), records batch sizes and train/eval."""

    def __init__(self, extra=0):
        self.extra, self.batches, self.training = extra, [], True

    def encode(self, x, domain):
        self.batches.append((len(x), domain))
        return torch.cat([x, torch.ones(len(x), self.extra, dtype=x.dtype)], dim=1) if self.extra else x

    def eval(self):
        self.training = False
        return self


def _e(*rows):
    return torch.tensor(rows, dtype=torch.float32)


# tiles t0 = east, t1 = north, t2 = west (one view); photos as unit vectors
TILES = _e([1.0, 0.0], [0.0, 1.0], [-1.0, 0.0])[:, None, :]
PHOTOS = _e([1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-0.6, 0.8])[:, None, :]
RAW = _e([1.0, 0.0, -1.0], [0.8, 0.6, -0.8], [0.0, 1.0, 0.0], [-0.6, 0.8, 0.6])  # photo x tile cosines


def test_cosine_schedule_warmup_then_half_cosine():
    f = em._cosine_schedule(replace(em.PAPER, warmup_steps=2), 6)
    assert [f(s) for s in (0, 1)] == pytest.approx([1 / 3, 2 / 3])
    assert f(2) == pytest.approx(1.0) and f(4) == pytest.approx(0.5) and f(6) == pytest.approx(0.0, abs=1e-12)
    assert f(3) == pytest.approx(0.5 * (1 + math.cos(math.pi / 4)))
    g = em._cosine_schedule(replace(em.PAPER, warmup_steps=0), 1)
    assert g(0) == 1.0 and g(1) == pytest.approx(0.0, abs=1e-12)
    h = em._cosine_schedule(replace(em.PAPER, warmup_steps=3), 3)  # steps - warmup = 0: divided by 1
    assert h(3) == 1.0 and h(4) == pytest.approx(0.0, abs=1e-12)


def test_check_inputs_shapes_and_refusals():
    t, q = em._check_inputs(np.ones((2, 4), np.float64), np.ones((3, 2, 4)))
    assert t.shape == (2, 1, 4) and q.shape == (3, 2, 4) and t.dtype == q.dtype == np.float32
    with pytest.raises(InputError) as e:
        em._check_inputs(np.ones((2, 1, 1, 4)), np.ones((3, 4)))
    assert e.value.problem == ("adaptation needs tile features (N, V, D) and photo features (Q, D) or (Q, V, D), "
                               "got shapes (2, 1, 1, 4) and (3, 1, 4)")
    with pytest.raises(InputError) as e:
        em._check_inputs(np.ones((2, 4)), np.ones((3, 2, 1, 4)))
    assert "(2, 1, 4) and (3, 2, 1, 4)" in e.value.problem
    with pytest.raises(InputError) as e:
        em._check_inputs(np.ones((2, 4)), np.ones((3, 5)))
    assert e.value.problem == ("tile features are 4-d but photo features are 5-d: they must come from the "
                               "same backbone")
    with pytest.raises(InputError) as e:
        em._check_inputs(np.ones((1, 4)), np.ones((3, 4)))
    assert e.value.problem == "adaptation needs at least 2 tiles and 2 photos (got 1 tiles, 3 photos)"
    with pytest.raises(InputError):
        em._check_inputs(np.ones((2, 4)), np.ones((1, 4)))
    for bad in (np.nan, np.inf):
        x = np.ones((2, 4))
        x[1, 2] = bad
        with pytest.raises(InputError) as e:
            em._check_inputs(x, np.ones((2, 4)))
        assert e.value.problem == "features contain NaN or inf"
        with pytest.raises(InputError):
            em._check_inputs(np.ones((2, 4)), x)


def test_resolve_device(monkeypatch):
    assert em.resolve_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert em.resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert em.resolve_device("auto") == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert em.resolve_device("auto") == torch.device("cuda")


def test_max_over_views_and_tile_similarity_by_hand():
    e_t = _e([[1.0, 0.0], [0.0, 1.0]], [[-1.0, 0.0], [0.0, -1.0]])  # 2 tiles x 2 views
    q = _e([0.6, 0.8], [-0.8, 0.6], [0.0, -1.0])
    want = _e([0.8, -0.6], [0.6, 0.8], [0.0, 1.0])
    assert torch.allclose(em.max_over_views(q, e_t), want)
    assert torch.allclose(em.tile_similarity(q, e_t, batch=1), want)
    assert torch.allclose(em.tile_similarity(q, e_t, batch=2), want)
    assert torch.allclose(em.tile_similarity(q, e_t), want)
    both = q[:2][None]  # one photo with the first two as its views: best over both
    assert torch.allclose(em.max_over_views(both, e_t), _e([0.8, 0.8]))


def test_embed_normalises_in_batches_and_keeps_the_leading_shape():
    m = _Identity(extra=1)
    x = torch.arange(1.0, 13.0).reshape(3, 2, 2)
    out = em._embed(m, x, "tile", batch=4)
    assert m.batches == [(4, "tile"), (2, "tile")]
    rows = torch.cat([x.reshape(6, 2), torch.ones(6, 1)], dim=1)
    assert out.shape == (3, 2, 3) and torch.allclose(out.reshape(6, 3), rows / rows.norm(dim=1, keepdim=True))
    m2 = _Identity()
    em._embed(m2, torch.ones(5, 2), "query")
    assert m2.batches == [(5, "query")]


def test_final_quality_is_the_cycle_consistent_share_on_an_even_subset():
    tiles = TILES
    photos = _e([1.0, 0.0], [0.8, 0.6], [0.96, 0.28], [0.0, 1.0])[:, None, :]
    # k = ceil(4/3) = 2: photo 1 (0.8 to t0) is below t0's 2nd best photo (0.96): 3 of 4
    assert em._final_quality(_Identity(), tiles, photos) == pytest.approx(0.75)
    # photos 0 and 3 (linspace(0, 3, 2)): both their tile's best
    assert em._final_quality(_Identity(), tiles, photos, max_queries=2) == 1.0
    # photos 0, 1, 3: photo 1 is not t0's best
    assert em._final_quality(_Identity(), tiles, photos, max_queries=3) == pytest.approx(2 / 3)


class _SinkhornSpy:
    def __init__(self, plan):
        self.plan, self.calls = plan, []

    def __call__(self, sim, *, eps, iters):
        self.calls.append((sim.clone(), eps, iters))
        return self.plan[: len(sim)]


PLAN = _e([0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.3, 0.3, 0.4], [0.05, 0.9, 0.05])  # conf .7 .6 .4 .9


def _e_step(monkeypatch, cfg, share=0.5, anchors=None, plan=PLAN, photos=PHOTOS):
    spy = _SinkhornSpy(plan)
    monkeypatch.setattr(em, "sinkhorn", spy)
    model = _Identity()
    out = em._best_e_step(model, TILES, photos, cfg, share, torch.Generator().manual_seed(5), anchors)
    assert not model.training
    return out, spy


def test_best_e_step_without_smoothing_labels_confidences_and_kept_share(monkeypatch):
    cfg = replace(em.BEST, knn=0, sinkhorn_eps=0.07, sinkhorn_iters=7)
    (label, conf, keep, quality), spy = _e_step(monkeypatch, cfg)
    (sim, eps, iters), = spy.calls
    assert torch.allclose(sim, RAW) and eps == 0.07 and iters == 7
    assert label.tolist() == [0, 1, 2, 1] and torch.allclose(conf, _e(0.7, 0.6, 0.4, 0.9))
    assert keep.tolist() == [3, 0]  # 0.5 of 4, most confident first
    # k = 2: every photo's best tile (0.8 ties) has it among its top 2
    assert quality == 1.0
    assert _e_step(monkeypatch, cfg, share=0.75)[0][2].tolist() == [3, 0, 1]
    assert _e_step(monkeypatch, cfg, share=0.1)[0][2].tolist() == [3, 0]  # at least 2
    assert _e_step(monkeypatch, cfg, share=0.6)[0][2].tolist() == [3, 0]  # round(2.4) = 2
    assert _e_step(monkeypatch, cfg, share=0.65)[0][2].tolist() == [3, 0, 1]  # round(2.6) = 3
    tie = _e([0.5, 0.3, 0.2], [0.2, 0.5, 0.3], [0.9, 0.05, 0.05], [0.3, 0.2, 0.5])  # conf .5 .5 .9 .5
    assert _e_step(monkeypatch, cfg, share=0.75, plan=tie)[0][2].tolist() == [2, 0, 1]  # stable order


def test_best_e_step_smooths_with_the_nearest_photos(monkeypatch):
    # photo graph: 0-1 0.8, 0-2 0, 0-3 -0.6, 1-2 0.6, 1-3 0, 2-3 0.8: nearest 0->1, 1->0, 2->3, 3->2
    cfg = replace(em.BEST, knn=1, knn_weight=3.0, knn_max_queries=4)
    _, spy = _e_step(monkeypatch, cfg)
    want = _e([0.85, 0.45, -0.85], [0.95, 0.15, -0.95], [-0.45, 0.85, 0.45], [-0.15, 0.95, 0.15])
    assert torch.allclose(spy.calls[0][0], want, atol=1e-6)
    # two nearest: 0 -> {1, 2}, 1 -> {0, 2}, 2 -> {1, 3}, 3 -> {2, 1}; weight 1
    cfg2 = replace(em.BEST, knn=2, knn_weight=1.0)
    _, spy = _e_step(monkeypatch, cfg2)
    want2 = (RAW + torch.stack([RAW[[1, 2]].mean(0), RAW[[0, 2]].mean(0), RAW[[1, 3]].mean(0),
                                RAW[[2, 1]].mean(0)])) / 2
    assert torch.allclose(spy.calls[0][0], want2, atol=1e-6)
    # more neighbours asked than photos: every other photo
    _, spy = _e_step(monkeypatch, replace(em.BEST, knn=10, knn_weight=1.0))
    others = torch.stack([RAW[[j for j in range(4) if j != i]].mean(0) for i in range(4)])
    assert torch.allclose(spy.calls[0][0], (RAW + others) / 2, atol=1e-6)
    # a pool larger than knn_max_queries is not smoothed
    _, spy = _e_step(monkeypatch, replace(em.BEST, knn=1, knn_max_queries=3))
    assert torch.allclose(spy.calls[0][0], RAW)


def test_best_e_step_anchors_and_the_pool_of_a_huge_set(monkeypatch):
    cfg = replace(em.BEST, knn=0)
    (label, conf, keep, _), _ = _e_step(monkeypatch, cfg, anchors=torch.tensor([-1, 2, -1, -1]))
    assert label.tolist() == [0, 2, 2, 1] and torch.allclose(conf, _e(0.7, 1.0, 0.4, 0.9))
    assert keep.tolist() == [0, 1, 3]
    (label, conf, keep, _), _ = _e_step(monkeypatch, cfg, anchors=torch.tensor([-1, -1, -1, -1]))
    assert label.tolist() == [0, 1, 2, 1] and keep.tolist() == [0, 3]  # torch.unique sorts
    # e_step_max_queries 2 of 4 photos: a sorted random pool of 2, the others labelled 0 with confidence 0
    pool = torch.sort(torch.randperm(4, generator=torch.Generator().manual_seed(5))[:2]).values
    (label, conf, keep, quality), spy = _e_step(monkeypatch, replace(cfg, e_step_max_queries=2))
    assert torch.allclose(spy.calls[0][0], RAW[pool])
    want_label, want_conf = torch.zeros(4, dtype=torch.long), torch.zeros(4)
    want_label[pool], want_conf[pool] = torch.tensor([0, 1]), _e(0.7, 0.6)
    assert torch.equal(label, want_label) and torch.allclose(conf, want_conf)
    assert keep.tolist() == pool.tolist()
    (label, _, _, _), spy = _e_step(monkeypatch, replace(cfg, e_step_max_queries=4))
    assert len(spy.calls[0][0]) == 4 and label.tolist() == [0, 1, 2, 1]


def test_tile_subset_labels_first_then_random_others():
    g = torch.Generator().manual_seed(3)
    perm = torch.randperm(6, generator=torch.Generator().manual_seed(3)).tolist()
    others = [i for i in perm if i not in (1, 3)][:2]
    ids, where = em._tile_subset(torch.tensor([3, 1, 3]), 6, 4, g)
    assert ids.tolist() == [1, 3, *others] and where.tolist() == [1, 0, 1]
    ids, where = em._tile_subset(torch.tensor([5, 0, 2]), 6, 2, torch.Generator().manual_seed(0))
    assert ids.tolist() == [0, 2] and where.tolist() == [-1, 0, 1]
    ids, where = em._tile_subset(torch.tensor([4]), 5, 5, torch.Generator().manual_seed(1))
    assert sorted(ids.tolist()) == [0, 1, 2, 3, 4] and ids[0] == 4 and where.tolist() == [0]


def test_optimiser_step_clips_all_parameters_and_steps_the_schedule():
    w_mod, s_mod = torch.nn.Linear(1, 1, bias=False), torch.nn.Linear(1, 1, bias=False)
    for m in (w_mod, s_mod):
        torch.nn.init.zeros_(m.weight)

    def run(clip, calls):
        for m in (w_mod, s_mod):
            torch.nn.init.zeros_(m.weight)
        opt = torch.optim.SGD(list(w_mod.parameters()) + list(s_mod.parameters()), lr=1.0)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)
        for _ in range(calls):
            loss = 3 * w_mod.weight.sum() + 4 * s_mod.weight.sum()
            em._optimiser_step(loss, w_mod, s_mod, opt, sched, replace(em.PAPER, grad_clip=clip))
        return w_mod.weight.item(), s_mod.weight.item(), sched.last_epoch

    w, s, n = run(1.0, 1)  # gradient (3, 4), norm 5, clipped to norm 1
    assert (w, s, n) == (pytest.approx(-0.6), pytest.approx(-0.8), 1)
    w, s, n = run(100.0, 2)  # no clipping; gradients zeroed between steps
    assert (w, s, n) == (pytest.approx(-6.0), pytest.approx(-8.0), 2)


def _spy_losses(monkeypatch):
    seen = {"hard": [], "soft": []}
    real_hard, real_soft = em.infonce, em.soft_infonce

    def hard(logits, y, *, smoothing, weights):
        seen["hard"].append((logits.detach().clone(), y.clone(), None if weights is None else weights.clone(),
                             smoothing))
        return real_hard(logits, y, smoothing=smoothing, weights=weights)

    def soft(logits, targets, *, smoothing):
        seen["soft"].append((logits.detach().clone(), targets.clone(), smoothing))
        return real_soft(logits, targets, smoothing=smoothing)

    monkeypatch.setattr(em, "infonce", hard)
    monkeypatch.setattr(em, "soft_infonce", soft)
    return seen


def _run_best_steps(monkeypatch, cfg, n_tiles=3, anchors=None):
    torch.manual_seed(0)
    label = torch.tensor([2, 0, 1, 0])
    conf = _e(0.9, 0.8, 0.7, 0.6)
    calls = []

    def fake_e_step(model, tiles, queries, c, share, gen, a):
        calls.append((share, a, c))
        return label, conf, torch.arange(4), 0.25 + len(calls)

    monkeypatch.setattr(em, "_best_e_step", fake_e_step)
    seen = _spy_losses(monkeypatch)
    model = em.SharedAutoEncoder(2, 4)
    scale = em.LogitScale(0.1)
    opt = torch.optim.AdamW(list(model.parameters()) + list(scale.parameters()), lr=1e-3)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)
    tiles = torch.randn(n_tiles, 2, 2)
    photos = torch.randn(4, 1, 2)
    metrics = list(em._best_steps(model, scale, opt, sched, tiles, photos, cfg, torch.Generator().manual_seed(0),
                                  anchors))
    return calls, seen, metrics, label, conf


def test_best_steps_curriculum_targets_weights_and_metrics(monkeypatch):
    cfg = replace(em.BEST, steps=5, rounds=3, keep_start=0.2, keep_end=0.8, batch_queries=3, aic_weight=2.5,
                  smoothing=0.2)
    a = torch.tensor([-1, 1, -1, -1])
    calls, seen, metrics, label, conf = _run_best_steps(monkeypatch, cfg, anchors=a)
    # E-steps at steps 0, 2, 4 (every ceil(5/3) = 2), keeping 0.2, 0.5, 0.8
    assert [c[0] for c in calls] == pytest.approx([0.2, 0.5, 0.8])
    assert all(c[1] is a and c[2] is cfg for c in calls)
    assert [m["quality"] for m in metrics] == [1.25, 1.25, 2.25, 2.25, 3.25]
    assert all(m["pseudo_pairs"] == 4 for m in metrics) and len(metrics) == 5
    for (logits, y, w, sm), (soft_logits, targets, sm2), m in zip(seen["hard"], seen["soft"], metrics):
        assert sm == sm2 == 0.2 and len(y) == 3
        batch = [int(torch.nonzero(torch.isclose(conf, v)).item()) for v in w]
        assert len(set(batch)) == 3 and y.tolist() == label[batch].tolist()  # 3 distinct photos of 4
        assert logits.shape == (3, 3) and torch.allclose(soft_logits, logits.T)
        want = torch.nn.functional.one_hot(y, 3).T.float() * w[None, :]
        assert torch.allclose(targets, want)
        assert m["loss"] == pytest.approx(m["infonce"] + 2.5 * m["aic"], rel=1e-5)
        assert logits.abs().max().item() <= m["logit_scale"] * (1 + 1e-5)  # scale x cosines
    # one round: a single E-step, at the start share
    calls, seen, metrics, _, _ = _run_best_steps(monkeypatch, replace(cfg, rounds=1, steps=3))
    assert [c[0] for c in calls] == [0.2] and [m["quality"] for m in metrics] == [1.25] * 3


def test_best_steps_unweighted_and_a_tile_subset(monkeypatch):
    cfg = replace(em.BEST, steps=2, rounds=1, batch_queries=4, weighted=False)
    _, seen, _, label, _ = _run_best_steps(monkeypatch, cfg)
    for (logits, y, w, _), (_, targets, _) in zip(seen["hard"], seen["soft"]):
        assert w is None and sorted(y.tolist()) == sorted(label.tolist())
        assert torch.equal(targets, torch.nn.functional.one_hot(y, 3).T.float())
    # exactly max_tiles_per_step tiles: all of them, in order
    _, seen, _, label, _ = _run_best_steps(monkeypatch, replace(cfg, max_tiles_per_step=3))
    assert all(logits.shape == (4, 3) and sorted(y.tolist()) == [0, 0, 1, 2] for logits, y, _, _ in seen["hard"])
    # 4 tiles, 2 a step: the labelled ones (0, 1, 2 here) do not all fit; photos whose tile did not wait
    _, seen, _, _, _ = _run_best_steps(monkeypatch, replace(cfg, max_tiles_per_step=2), n_tiles=4)
    for logits, y, _, _ in seen["hard"]:
        # the chosen tiles are the first two labels sorted (0, 1): photos of tile 2 wait
        assert logits.shape == (3, 2) and sorted(y.tolist()) == [0, 0, 1]


def _tiny(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(3, 2, 4)).astype(np.float32), rng.normal(size=(4, 4)).astype(np.float32)


def test_adapt_refusals():
    tiles, photos = _tiny()
    with pytest.raises(InputError) as e:
        em.adapt(tiles, photos, mode="fast")
    assert e.value.problem == "unknown adaptation mode 'fast' (use one of ['best', 'paper'])"
    with pytest.raises(InputError) as e:
        em.adapt(tiles, photos, steps=0)
    assert e.value.problem == "steps must be at least 1 (got 0)"
    with pytest.raises(InputError) as e:
        em.adapt(tiles, photos, mode="paper", anchors=np.array([-1, -1, -1, -1]))
    assert e.value.problem == "mode paper is the published procedure: it takes no geometric anchors"
    for bad in ([0, 1, 2], [0, 1, 2, 3], [-2, 0, 0, 0]):
        with pytest.raises(InputError) as e:
            em.adapt(tiles, photos, anchors=np.array(bad), steps=1)
        assert e.value.problem == f"anchors must be one tile index (or -1) per photo, got shape {np.array(bad).shape}"


def test_adapt_wires_config_seed_views_centring_and_card(monkeypatch):
    tiles, photos = _tiny()
    seen = {}

    def fake_best(model, scale, opt, sched, t, q, cfg, gen, a, start=0):
        seen.update(model=model, scale=scale, opt=opt, sched=sched, t=t, q=q, cfg=cfg, gen=gen, a=a)
        yield {"loss": 1.0}
        yield {"loss": 0.5}

    monkeypatch.setattr(em, "_best_steps", fake_best)
    events = []
    cfg = replace(em.BEST, hidden=6, tau0=0.05, lr=0.01, weight_decay=0.3, warmup_steps=2, steps=9)
    anchors = np.array([2, -1, 0, -1])
    ad = em.adapt(tiles, photos, seed=7, device="cpu", config=cfg, steps=2, progress=events.append, anchors=anchors)
    assert seen["t"].shape == (3, 2, 4) and seen["q"].shape == (4, 1, 4)
    assert seen["cfg"] == replace(cfg, steps=2) and seen["gen"].initial_seed() == 7
    assert seen["a"].tolist() == [2, -1, 0, -1]
    assert seen["scale"]().item() == pytest.approx(20.0)
    group = seen["opt"].param_groups[0]
    assert group["initial_lr"] == 0.01 and group["weight_decay"] == 0.3
    assert len(group["params"]) == len(list(seen["model"].parameters())) + 1
    assert seen["sched"].lr_lambdas[0](0) == pytest.approx(1 / 3)
    m = ad.model
    assert m.hidden == 6 and m.dim == 4 and m.domain_centering
    assert torch.allclose(m.mean_tile, torch.from_numpy(tiles.reshape(-1, 4).mean(0)))
    assert torch.allclose(m.mean_query, torch.from_numpy(photos.mean(0)))
    assert [(e.stage, e.step, e.total, e.message, e.metrics) for e in events] == [
        ("adapt", 1, 2, "best step 1/2", {"loss": 1.0}), ("adapt", 2, 2, "best step 2/2", {"loss": 0.5})]
    card = ad.card
    assert ad.mode == "best"
    for key, value in {"mode": "best", "seed": 7, "steps": 2, "hyper_parameters": asdict(replace(cfg, steps=2)),
                       "dim": 4, "dim_out": 6, "n_tiles": 3, "n_views": 2, "n_query_views": 1, "n_queries": 4,
                       "geometric_anchors": 2, "final_metrics": {"loss": 0.5}, "train_device": "cpu",
                       "quality_signal": "share of photos whose best tile ranks them among its top ceil(Q/N) photos"
                       }.items():
        assert card[key] == value, key
    assert 0.0 <= card["quality"] <= 1.0 and card["train_seconds"] >= 0.0
    # the same seed gives the same initial network; another seed another
    em.adapt(tiles, photos, seed=7, device="cpu", config=cfg, steps=2)
    first = seen["model"].enc[0].weight.clone()
    em.adapt(tiles, photos, seed=7, device="cpu", config=cfg, steps=2)
    assert torch.equal(seen["model"].enc[0].weight, first)
    em.adapt(tiles, photos, seed=8, device="cpu", config=cfg, steps=2)
    assert not torch.equal(seen["model"].enc[0].weight, first)
    # views off, no centring, no anchors
    ad = em.adapt(tiles, photos, device="cpu", config=replace(cfg, views=False, domain_centering=False))
    assert seen["t"].shape == (3, 1, 4) and seen["a"] is None and ad.card["geometric_anchors"] == 0
    assert ad.card["steps"] == 9 and not ad.model.domain_centering
    assert torch.equal(ad.model.mean_tile, torch.zeros(4))
    em.adapt(tiles, np.stack([photos, -photos], axis=1), device="cpu", config=cfg)  # views on: every photo view
    assert seen["q"].shape == (4, 2, 4) and seen["t"].shape == (3, 2, 4)


def test_adapt_paper_mode_cancel_and_the_callers_rng(monkeypatch):
    tiles, photos = _tiny()
    seen = {}

    def fake_paper(model, scale, opt, sched, t, q, cfg, gen, start=0):
        seen.update(model=model, scale=scale, opt=opt, sched=sched, t=t, q=q, cfg=cfg, gen=gen)
        for i in range(cfg.steps):
            yield {"i": i}

    monkeypatch.setattr(em, "_paper_steps", fake_paper)
    torch.manual_seed(123)
    want = torch.rand(3)
    torch.manual_seed(123)
    ad = em.adapt(tiles, photos, mode="paper", steps=3, device="cpu")
    assert torch.equal(torch.rand(3), want)  # the caller's RNG is left alone
    assert seen["t"].shape == (3, 1, 4) and seen["cfg"].hidden == 2048 and ad.card["mode"] == "paper"
    assert ad.card["final_metrics"] == {"i": 2} and not ad.model.domain_centering
    assert seen["model"] is ad.model and isinstance(seen["scale"], em.LogitScale)
    assert isinstance(seen["opt"], torch.optim.AdamW) and seen["sched"].optimizer is seen["opt"]
    assert seen["q"].shape == (4, 1, 4) and seen["gen"].initial_seed() == 0 and ad.card["seed"] == 0
    assert seen["sched"].lr_lambdas[0](3) == pytest.approx(0.0, abs=1e-12)  # warm-up 1, cosine over 3 steps
    assert isinstance(ad.card["train_seconds"], float) and 0.0 <= ad.card["train_seconds"] < 600.0
    ad = em.adapt(tiles, photos[:, None, :].repeat(2, axis=1) * np.array([1.0, -1.0])[None, :, None], mode="paper",
                  steps=1)  # device left "auto": the CPU here
    assert seen["q"].shape == (4, 1, 4) and torch.equal(seen["q"][:, 0], torch.from_numpy(photos))
    assert ad.card["n_query_views"] == 2 and ad.card["train_device"] in ("cpu", "cuda", "mps")
    token = CancelToken()
    events = []

    def progress(e):
        events.append(e.step)
        token.cancel()

    with pytest.raises(Cancelled):
        em.adapt(tiles, photos, mode="paper", steps=3, device="cpu", progress=progress, cancel=token)
    assert events == [1]


def test_adapt_passes_the_clock_s_eta_on_and_rounds_train_seconds_to_the_millisecond(monkeypatch):
    tiles, photos = _tiny()

    def fake_paper(model, scale, opt, sched, t, q, cfg, gen, start=0):
        for i in range(cfg.steps):
            yield {"i": i}

    class Clock:  # an EtaClock with known answers: 2.5 s per step left
        def __init__(self, total):
            self.total = total

        def eta(self, done):
            return 2.5 * (self.total - done)

    times = iter([100.0, 101.23456])  # started, then finished: 1.23456 s
    monkeypatch.setattr(em, "_paper_steps", fake_paper)
    monkeypatch.setattr(em, "EtaClock", Clock)
    monkeypatch.setattr(em, "time", types.SimpleNamespace(perf_counter=lambda: next(times)))
    events = []
    ad = em.adapt(tiles, photos, mode="paper", steps=3, device="cpu", progress=events.append)
    assert [(e.step, e.eta_s) for e in events] == [(1, 5.0), (2, 2.5), (3, 0.0)]
    assert ad.card["train_seconds"] == 1.235  # round(1.23456, 3)


def _expected_logits(model, tiles, photos, batch, tile_ids, scale):
    """The first M-step's photo x tile logits worked out with a copy of the network (train mode:
    BatchNorm on the batch), best view of each tile, as scale x cosine."""
    import copy

    m = copy.deepcopy(model).train()
    sub = tiles[tile_ids]
    x_t, z_t, r_t = m(sub.reshape(-1, sub.shape[-1]), "tile")
    qb = photos[batch]
    x_q, z_q, r_q = m(qb.reshape(-1, qb.shape[-1]), "query")
    e_t = torch.nn.functional.normalize(z_t, dim=1).reshape(len(sub), sub.shape[1], -1)
    e_q = torch.nn.functional.normalize(z_q, dim=1).reshape(len(qb), qb.shape[1], -1)
    cos = torch.einsum("bvd,nwd->bnvw", e_q, e_t).amax(dim=(2, 3))
    aic = em.aic_loss(r_t, x_t) + em.aic_loss(r_q, x_q)
    return (scale * cos).detach(), aic.item()


def test_best_steps_first_m_step_by_a_copy_of_the_network(monkeypatch):
    torch.manual_seed(1)
    tiles, photos = torch.randn(3, 3, 2), torch.randn(4, 2, 2)  # 3 views of 2-d tiles, 2 views of photos
    label, conf = torch.tensor([2, 0, 2, 0]), _e(0.9, 0.8, 0.7, 0.6)
    seen_e = []

    def fake_e_step(model, t, q, c, share, gen, a):
        seen_e.append((model, t, q, gen))
        return label, conf, torch.arange(4), 0.5

    monkeypatch.setattr(em, "_best_e_step", fake_e_step)
    seen = _spy_losses(monkeypatch)
    model = em.SharedAutoEncoder(2, 4, domain_centering=True)
    model.mean_tile.copy_(torch.tensor([0.5, -0.2]))
    model.mean_query.copy_(torch.tensor([-0.3, 0.4]))
    model.eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    ref = em.SharedAutoEncoder(2, 4, domain_centering=True)
    ref.load_state_dict(before)
    scale = em.LogitScale(0.1)
    opt = torch.optim.AdamW(list(model.parameters()) + list(scale.parameters()), lr=1e-3)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)
    cfg = replace(em.BEST, steps=3, rounds=3, batch_queries=3, max_tiles_per_step=3, aic_weight=2.5, smoothing=0.2)
    metrics = list(em._best_steps(model, scale, opt, sched, tiles, photos, cfg, torch.Generator().manual_seed(0)))
    assert all(e[0] is model and e[1] is tiles and e[2] is photos and isinstance(e[3], torch.Generator) for e in seen_e)
    assert len(seen_e) == 3  # rounds == steps: an E-step every step
    batch = torch.randperm(4, generator=torch.Generator().manual_seed(0))[:3]
    logits, y, w, sm = seen["hard"][0]
    assert torch.allclose(w, conf[batch]) and torch.equal(y, label[batch])  # all 3 tiles: labels as they are
    want, aic = _expected_logits(ref, tiles, photos, batch, torch.arange(3), 10.0)
    assert torch.allclose(logits, want, atol=1e-5)
    soft_logits, targets, _ = seen["soft"][0]
    assert targets.dtype == torch.float32 and targets.shape == (3, 3)
    from geolocator.core.adapt.losses import infonce as real_hard, soft_infonce as real_soft

    nce = 0.5 * (real_hard(logits, y, smoothing=0.2, weights=w) + real_soft(soft_logits, targets, smoothing=0.2))
    assert metrics[0]["infonce"] == pytest.approx(nce.item(), rel=1e-5)
    assert metrics[0]["aic"] == pytest.approx(aic, rel=1e-5)
    # 5 tiles, 3 a step: labels 0 and 2 first, then one other drawn with the same generator after the batch
    seen["hard"].clear()
    g = torch.Generator().manual_seed(0)
    batch = torch.randperm(4, generator=g)[:3]
    chosen = torch.unique(label[batch])
    perm = torch.randperm(5, generator=g)
    other = [int(i) for i in perm if int(i) not in chosen.tolist()][: 3 - len(chosen)]
    ids = torch.cat([chosen, torch.tensor(other, dtype=torch.long)])
    tiles5 = torch.randn(5, 3, 2)
    model.load_state_dict(before)
    scale = em.LogitScale(0.1)
    opt = torch.optim.AdamW(list(model.parameters()) + list(scale.parameters()), lr=1e-3)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)
    list(em._best_steps(model, scale, opt, sched, tiles5, photos, replace(cfg, steps=1), torch.Generator().manual_seed(0)))
    logits, y, _, _ = seen["hard"][0]
    want, _ = _expected_logits(ref, tiles5, photos, batch, ids, 10.0)
    assert torch.allclose(logits, want, atol=1e-5)


def test_best_steps_schedule_edges(monkeypatch):
    cfg = replace(em.BEST, batch_queries=3, keep_start=0.2, keep_end=0.8)
    calls, _, _, _, _ = _run_best_steps(monkeypatch, replace(cfg, steps=4, rounds=2))
    assert [c[0] for c in calls] == pytest.approx([0.2, 0.8])  # two rounds: start, then end
    calls, _, _, _, _ = _run_best_steps(monkeypatch, replace(cfg, steps=3, rounds=3))
    assert len(calls) == 3  # one E-step a step
    # 4 tiles but only 2 labelled (0, 2), max 4 a step: still all tiles in order, labels unchanged
    monkeypatch.undo()
    torch.manual_seed(0)
    seen = _spy_losses(monkeypatch)
    monkeypatch.setattr(em, "_best_e_step", lambda *a: (torch.tensor([2, 0, 2, 0]), _e(0.9, 0.8, 0.7, 0.6),
                                                         torch.arange(4), 0.0))
    model = em.SharedAutoEncoder(2, 4)
    scale = em.LogitScale(0.1)
    opt = torch.optim.AdamW(list(model.parameters()) + list(scale.parameters()), lr=1e-3)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)
    list(em._best_steps(model, scale, opt, sched, torch.randn(3, 1, 2), torch.randn(4, 1, 2),
                        replace(em.BEST, steps=1, batch_queries=4, max_tiles_per_step=3), torch.Generator()))
    (logits, y, w, _), = seen["hard"]
    conf = _e(0.9, 0.8, 0.7, 0.6)
    batch = [int(torch.nonzero(torch.isclose(conf, v)).item()) for v in w]
    assert y.tolist() == [[2, 0, 2, 0][i] for i in batch]


def test_paper_steps_by_a_copy_of_the_network(monkeypatch):
    from geolocator.core.adapt.losses import aic_loss
    from geolocator.core.adapt.losses import infonce as real_hard
    from geolocator.core.adapt.pseudo_labels import mutual_nn as real_mnn

    torch.manual_seed(2)
    tiles, photos = torch.randn(4, 3, 2), torch.randn(5, 2, 2)
    model = em.SharedAutoEncoder(2, 4, domain_centering=True)
    model.mean_tile.copy_(torch.tensor([0.5, -0.2]))
    model.mean_query.copy_(torch.tensor([-0.3, 0.4]))
    ref = em.SharedAutoEncoder(2, 4, domain_centering=True)
    ref.load_state_dict(model.state_dict())
    ref.train()
    model.eval()
    mnn, nce_calls, losses = [], [], []
    monkeypatch.setattr(em, "mutual_nn", lambda sim, **k: (mnn.append((sim.clone(), sim.requires_grad, k)),
                                                           real_mnn(sim, **k))[1])
    monkeypatch.setattr(em, "infonce", lambda lg, t, **k: (nce_calls.append((lg.detach().clone(), t.clone(), k)),
                                                           real_hard(lg, t, **k))[1])
    real_step = em._optimiser_step
    monkeypatch.setattr(em, "_optimiser_step", lambda loss, *a: (losses.append(loss.item()), real_step(loss, *a))[1])
    scale = em.LogitScale(0.1)
    opt = torch.optim.AdamW(list(model.parameters()) + list(scale.parameters()), lr=1e-2)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)
    cfg = replace(em.PAPER, steps=2, threshold=-1.0, min_mutual=0, smoothing=0.2, aic_weight=2.5)
    metrics = list(em._paper_steps(model, scale, opt, sched, tiles, photos, cfg, torch.Generator().manual_seed(0)))
    assert len(metrics) == 2 and len(mnn) == 2 and len(losses) == 2
    pick = torch.randint(5, (4,), generator=torch.Generator().manual_seed(0))
    x_s, z_s, r_s = ref(tiles[:, 0], "tile")
    x_d, z_d, r_d = ref(photos[pick][:, 0], "query")
    sim = (torch.nn.functional.normalize(z_s, dim=1) @ torch.nn.functional.normalize(z_d, dim=1).T).detach()
    got, grad, kw = mnn[0]
    assert torch.allclose(got, sim, atol=1e-5) and not grad and kw == {"threshold": -1.0, "min_mutual": 0}
    pairs = real_mnn(sim, threshold=-1.0, min_mutual=0)
    assert len(pairs.sat) > 0
    (lg1, t1, k1), (lg2, t2, k2) = nce_calls[:2]
    assert torch.allclose(lg1, 10.0 * sim[pairs.sat], atol=1e-4) and torch.equal(t1, pairs.drone)
    assert torch.allclose(lg2, 10.0 * sim[:, pairs.drone].T, atol=1e-4) and torch.equal(t2, pairs.sat)
    assert k1 == k2 == {"smoothing": 0.2}
    nce = 0.5 * (real_hard(lg1, t1, smoothing=0.2) + real_hard(lg2, t2, smoothing=0.2)).item()
    aic = (aic_loss(r_s, x_s) + aic_loss(r_d, x_d)).item()
    m = metrics[0]
    assert m["infonce"] == pytest.approx(nce, rel=1e-5) and m["aic"] == pytest.approx(aic, rel=1e-5)
    assert m["loss"] == pytest.approx(nce + 2.5 * aic, rel=1e-5) and losses[0] == pytest.approx(m["loss"], rel=1e-6)
    assert m["pseudo_pairs"] == len(pairs.sat) and m["quality"] == pytest.approx(pairs.n_mutual / 4)
    assert m["logit_scale"] == pytest.approx(10.0, rel=1e-5)
    assert set(m) == {"loss", "infonce", "aic", "pseudo_pairs", "quality", "logit_scale"}
    # no pair above the threshold: no contrastive term at all
    nce_calls.clear()
    metrics = list(em._paper_steps(model, scale, opt, sched, tiles, photos, replace(cfg, threshold=1.5),
                                   torch.Generator().manual_seed(0)))
    assert nce_calls == [] and all(m["infonce"] == 0.0 and m["pseudo_pairs"] == 0 for m in metrics)
    assert all(m["loss"] == pytest.approx(2.5 * m["aic"], rel=1e-6) for m in metrics)


# Session 11: the photo layout's experiment switches (em.Config.knn_views, view_pool)
# Photos of 2 views in 3-d, worked by hand: A's second view equals B as taken, so the two are the same
# place seen at different headings; their as-taken views are orthogonal.
VIEWED = _e([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],  # A
            [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]],  # B
            [[0.6, 0.48, 0.64], [0.0, 0.0, -1.0]])  # C
UNIT_TILES = torch.eye(3)[:, None, :]  # t0 = e1, t1 = e2, t2 = e3, one view


def test_knn_views_finds_neighbours_across_headings(monkeypatch):
    spy = _SinkhornSpy(_e([1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]))
    monkeypatch.setattr(em, "sinkhorn", spy)
    # tile scores, max over the photo's views: A [1, 0, 1], B [1, 1, 0], C [.6, .48, .64]
    cfg = replace(em.BEST, knn=1, knn_weight=1.0)
    em._best_e_step(_Identity(), UNIT_TILES, VIEWED, cfg, 1.0, torch.Generator().manual_seed(0))
    em._best_e_step(_Identity(), UNIT_TILES, VIEWED, replace(cfg, knn_views=True), 1.0,
                    torch.Generator().manual_seed(0))
    plain, views = spy.calls[0][0], spy.calls[1][0]
    # as taken only: A.B 0, A.C .6, B.C .48 -> A->C, B->C, C->A; smoothed = (own + neighbour's) / 2
    assert torch.allclose(plain, _e([0.8, 0.24, 0.82], [0.8, 0.74, 0.32], [0.8, 0.24, 0.82]), atol=1e-6)
    # every view of i against j as taken, then the larger of i->j and j->i: A-B max(0, B's view 2 . A = 1)
    # = 1, A-C max(.6, A's view 2 . C = .64) = .64, B-C max(.48, B's view 2 . C = .6) = .6 -> A->B, B->A, C->A
    assert torch.allclose(views, _e([1.0, 0.5, 0.5], [1.0, 0.5, 0.5], [0.8, 0.24, 0.82]), atol=1e-6)
    # photos of one view (the tiles x8 layout): the same graph either way (worked out in
    # test_best_e_step_smooths_with_the_nearest_photos: 0->1, 1->0, 2->3, 3->2)
    _, spy = _e_step(monkeypatch, replace(em.BEST, knn=1, knn_weight=3.0, knn_views=True))
    want = _e([0.85, 0.45, -0.85], [0.95, 0.15, -0.95], [-0.45, 0.85, 0.45], [-0.15, 0.95, 0.15])
    assert torch.allclose(spy.calls[0][0], want, atol=1e-6)


def test_pooled_over_views_max_and_soft_max_by_hand():
    e_q = _e([[1.0, 0.0], [0.0, 1.0]])  # one photo, 2 views
    e_t = _e([[1.0, 0.0]], [[0.6, 0.8]])  # 2 tiles, 1 view: cosines [1, 0] and [.6, .8]
    s = torch.tensor(2.0)
    assert torch.allclose(em.pooled_over_views(e_q, e_t, s, em.BEST), _e([1.0, 0.8]))
    lse = replace(em.BEST, view_pool="lse", view_pool_tau=1.0)
    # log(mean(exp(2 * cos))) / 2 per tile
    want = _e([math.log((math.exp(2.0) + 1.0) / 2) / 2, math.log((math.exp(1.2) + math.exp(1.6)) / 2) / 2])
    assert torch.allclose(em.pooled_over_views(e_q, e_t, s, lse), want, atol=1e-6)
    # tau 0.01: within tau * log(2) / scale of the max
    sharp = em.pooled_over_views(e_q, e_t, s, replace(lse, view_pool_tau=0.01))
    assert torch.allclose(sharp, _e([1.0, 0.8]), atol=0.01 * math.log(2) / 2 + 1e-6)
    assert (sharp < _e([1.0, 0.8])).all()
    with pytest.raises(InputError, match="view_pool"):
        em.pooled_over_views(e_q, e_t, s, replace(em.BEST, view_pool="mean"))
