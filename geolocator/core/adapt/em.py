"""The EM loop: label-free adaptation of frozen-backbone features to one region.

Only features reach this module: tile features (N, V, D) for V rotation views of each north-up tile
and drone-photo features (Q, D), or (Q, V, D) for V rotated views of each photo (the product embeds
tiles once and rotates the photos instead: a photo's score for a tile is the max over all views). No truth ever comes in, so nothing here can peek at it.

Each step:  E-step  pseudo-pair photos and tiles with the current adapter (no gradient),
            M-step  one optimiser step on a contrastive loss over those pairs + the AIC
                    reconstruction loss.

mode="paper"  EM-CVGL as published (Li et al., TGRS 2024; hyper-parameters in PAPER below):
              batch = every tile (view rot0) with one random photo each, mutual nearest neighbours
              with cosine > 0.1, symmetric InfoNCE, AIC, 200 AdamW steps.
mode="best"   the same network and losses, changed where our measurements said it matters
              (training/compare_methods.py, training/results/compare_methods.md):
              - every rotation view of a tile is trained on and scored (score = max over views):
                a drone's heading is unknown, tiles are north-up;
              - per-domain centring of the inputs (+5 R@1 on the benchmark regions on its own);
              - pseudo-labels for ALL photos each round (a random subset of e_step_max_queries on
                huge sets) from Sinkhorn optimal transport with a many-to-one prior (each tile
                expects ~Q/N photos; +5 R@1 over plain nearest neighbours), on tile scores
                smoothed over each photo's 5 nearest photos (photos of one place look alike);
              - a confidence curriculum: keep the most confident 50% of photos in round 1, 90% in
                the last; losses weighted by transport confidence, photo->tiles and tile->its photos;
              - hidden 1024 and 60 steps: as accurate as 2048/100 here, and fast enough for
                University-1652 sizes (training/bench_adapt.py);
              - geometric anchors (`anchors`, from geometric.py via Workspace.adapt): photos placed
                by local-feature geometry keep that tile as their label in every E-step. On
                features alone the adapted retrieval ends close to the accuracy of its own first
                pseudo-labels (44 R@1 on the demo: the frozen backbone is the ceiling); anchors
                are right far more often than that, and lift it to 97.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import InputError
from ..progress import CancelToken, EtaClock, ProgressCallback, ProgressEvent, check, emit
from .adapter import QUERY, TILE, RegionAdapter, SharedAutoEncoder
from .losses import LogitScale, aic_loss, infonce, soft_infonce
from .pseudo_labels import cycle_consistency, mutual_nn, sinkhorn


@dataclass(frozen=True)
class Config:
    mode: str
    steps: int
    hidden: int = 2048
    lr: float = 2e-4
    weight_decay: float = 0.01  # AdamW default, as the reference code
    warmup_steps: int = 1
    grad_clip: float = 100.0
    tau0: float = 0.07
    smoothing: float = 0.1
    aic_weight: float = 1.0  # per domain
    # paper E-step
    threshold: float = 0.1
    min_mutual: int = 10
    # best-mode options
    views: bool = False  # train and score on every rotation view (max over views)
    domain_centering: bool = False
    rounds: int = 5  # E-steps over all photos
    sinkhorn_eps: float = 0.05
    sinkhorn_iters: int = 50
    keep_start: float = 0.5  # share of photos kept (most confident first) in the first round ...
    keep_end: float = 0.9  # ... and in the last
    weighted: bool = True  # weight each pair by its transport confidence
    knn: int = 5  # smooth each photo's tile scores with its k nearest photos (0: off) ...
    knn_weight: float = 1.0
    knn_max_queries: int = 4096  # ... on pools up to this size (the photo graph is Q x Q)
    # Session 11 experiment switches (photo-rotated layout; training/photo_rotation_em_probe.py):
    knn_views: bool = False  # photo graph: max over every view of one photo against the other as taken
    view_pool: str = "max"  # M-step score over view pairs: max, or lse (pooled_over_views)
    view_pool_tau: float = 1.0  # lse: its temperature in logit units
    batch_queries: int = 256
    max_tiles_per_step: int = 128  # tiles in one M-step (their labels first, then random others)
    e_step_max_queries: int = 4096  # photos pseudo-labelled per round (a random subset beyond it;
    # the photo graph of 8192 photos alone cost ~140 GFLOP a round at d=1536)


PAPER = Config(mode="paper", steps=200)
# hidden=1024: as accurate as 2048 on the benchmark regions (within seed noise) at half the cost.
BEST = Config(mode="best", steps=60, hidden=1024, views=True, domain_centering=True)
MODES = {"paper": PAPER, "best": BEST}


def resolve_device(device: str) -> torch.device:
    if device != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _check_inputs(tile_feats: np.ndarray, query_feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tiles = np.asarray(tile_feats, dtype=np.float32)
    queries = np.asarray(query_feats, dtype=np.float32)
    if tiles.ndim == 2:
        tiles = tiles[:, None, :]
    if queries.ndim == 2:
        queries = queries[:, None, :]
    if tiles.ndim != 3 or queries.ndim != 3:
        raise InputError(None, f"adaptation needs tile features (N, V, D) and photo features (Q, D) or (Q, V, D), "
                               f"got shapes {tiles.shape} and {queries.shape}")
    if tiles.shape[-1] != queries.shape[-1]:
        raise InputError(None, f"tile features are {tiles.shape[-1]}-d but photo features are "
                               f"{queries.shape[-1]}-d: they must come from the same backbone")
    if len(tiles) < 2 or len(queries) < 2:
        raise InputError(None, f"adaptation needs at least 2 tiles and 2 photos "
                               f"(got {len(tiles)} tiles, {len(queries)} photos)")
    if not (np.isfinite(tiles).all() and np.isfinite(queries).all()):
        raise InputError(None, "features contain NaN or inf")
    return tiles, queries


def _cosine_schedule(cfg: Config, steps: int):
    def factor(step: int) -> float:
        if step < cfg.warmup_steps:
            return (step + 1) / (cfg.warmup_steps + 1)
        t = (step - cfg.warmup_steps) / max(1, steps - cfg.warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * t))

    return factor


def adapt(
    tile_feats: np.ndarray,
    query_feats: np.ndarray,
    *,
    mode: str = "best",
    steps: int | None = None,
    seed: int = 0,
    device: str = "auto",
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    config: Config | None = None,
    anchors: np.ndarray | None = None,
    resume_dir: Path | str | None = None,
    resume_facts: str = "",
) -> RegionAdapter:
    """Train a region adapter on unlabeled features. `config` overrides the mode's defaults
    (for experiments in training/); the product uses the modes as they are.

    anchors (mode best): (Q,) tile index per photo from geometric verification (-1: none). These
    label-free pseudo-labels override the feature E-step for their photos (geometric.py).

    resume_dir: a folder for checkpoints (resume.py). The training state is saved there at the end
    of every EM round but the last (ceil(steps / rounds) steps each; paper mode uses the same
    spacing), under a key of the inputs, settings, seed, device and `resume_facts` (the caller's:
    the backbone signature). A run whose key has a checkpoint continues from it, says "resuming at
    round k of n" in a progress event, and ends with the same adapter as an uninterrupted run; its
    card then has "resumed_at_round" = k. Cancelled keeps the checkpoint; a finished run removes it.
    None (the default): no checkpoints."""
    if config is None:
        if mode not in MODES:
            raise InputError(None, f"unknown adaptation mode {mode!r} (use one of {sorted(MODES)})")
        config = MODES[mode]
    if steps is not None:
        if steps < 1:
            raise InputError(None, f"steps must be at least 1 (got {steps})")
        config = replace(config, steps=int(steps))
    tiles, queries = _check_inputs(tile_feats, query_feats)
    if anchors is not None:
        anchors = np.asarray(anchors, dtype=np.int64)
        if config.mode == "paper":
            raise InputError(None, "mode paper is the published procedure: it takes no geometric anchors")
        if anchors.shape != (len(queries),) or anchors.max(initial=-1) >= len(tiles) or anchors.min(initial=-1) < -1:
            raise InputError(None, f"anchors must be one tile index (or -1) per photo, got shape {anchors.shape}")
    dev = resolve_device(device)
    started = time.perf_counter()

    with torch.random.fork_rng(devices=[]):  # seed the initialisation without touching the caller's RNG
        torch.manual_seed(seed)
        model = SharedAutoEncoder(tiles.shape[-1], config.hidden, domain_centering=config.domain_centering)
    gen = torch.Generator().manual_seed(seed)  # pair sampling (CPU generator: same draws on any device)
    scale = LogitScale(config.tau0)
    t = torch.from_numpy(tiles if config.views else tiles[:, :1]).to(dev)  # (N, V', D)
    q = torch.from_numpy(queries if config.views else queries[:, :1]).to(dev)  # (Q, V', D)
    if config.domain_centering:
        model.mean_tile.copy_(torch.from_numpy(tiles.reshape(-1, tiles.shape[-1]).mean(0)))
        model.mean_query.copy_(torch.from_numpy(queries.reshape(-1, queries.shape[-1]).mean(0)))
    model.to(dev)
    scale.to(dev)
    opt = torch.optim.AdamW(list(model.parameters()) + list(scale.parameters()),
                            lr=config.lr, weight_decay=config.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _cosine_schedule(config, config.steps))

    every = round_length(config)
    rounds = math.ceil(config.steps / every)
    key, start, last = None, 0, {}
    if resume_dir is not None:
        from . import resume

        key = resume.run_key(tiles, queries, anchors, config, seed, dev, resume_facts)
        saved = resume.load_state(resume_dir, key, steps=config.steps, every=every, model=model, scale=scale, opt=opt,
                                  sched=sched, gen=gen)
        if saved is not None:
            start, last = int(saved["step"]), dict(saved.get("metrics") or {})
            logging.getLogger("geolocator").info("adapt: %s", wording_resuming(start // every + 1, rounds))
            emit(progress, ProgressEvent("adapt", start, config.steps, wording_resuming(start // every + 1, rounds),
                                         None, {"resumed_at_round": start // every + 1}))
    if config.mode == "paper":
        loop = _paper_steps(model, scale, opt, sched, t, q, config, gen, start)
    else:
        a = None if anchors is None else torch.from_numpy(anchors).to(dev)
        loop = _best_steps(model, scale, opt, sched, t, q, config, gen, a, start)
    clock = EtaClock(config.steps - start)
    for step, metrics in enumerate(loop, start=start + 1):
        last = metrics
        emit(progress, ProgressEvent("adapt", step, config.steps, f"{config.mode} step {step}/{config.steps}",
                                     clock.eta(step - start), metrics))
        if key is not None and step % every == 0 and step < config.steps:
            if resume.save_state(resume_dir, key, step=step, round_done=step // every, rounds=rounds, model=model,
                                 scale=scale, opt=opt, sched=sched, gen=gen, metrics=metrics) is None:
                key = None  # it cannot be written (said once): train on without checkpoints
        check(cancel)  # between steps: the caller gets Cancelled and no adapter at all (the checkpoint stays)

    model.eval()
    quality = _final_quality(model, t, q)
    card = {
        "mode": config.mode,
        "seed": int(seed),
        "steps": config.steps,
        "hyper_parameters": asdict(config),
        "dim": int(tiles.shape[-1]),
        "dim_out": config.hidden,
        "n_tiles": int(tiles.shape[0]),
        "n_views": int(tiles.shape[1]),
        "n_query_views": int(queries.shape[1]),
        "n_queries": int(queries.shape[0]),
        "geometric_anchors": 0 if anchors is None else int((anchors >= 0).sum()),
        "quality": quality,
        "quality_signal": "share of photos whose best tile ranks them among its top ceil(Q/N) photos",
        "final_metrics": last,
        "train_seconds": round(time.perf_counter() - started, 3),
        "train_device": str(dev),
    }
    if start:
        card["resumed_at_round"] = start // every + 1
    if key is not None:
        resume.remove(resume_dir, key)
    return RegionAdapter(model, card, config.mode)


def round_length(config: Config) -> int:
    """Steps in one EM round: ceil(steps / rounds) (best mode's E-step spacing; checkpoints too)."""
    return max(1, math.ceil(config.steps / config.rounds))


def wording_resuming(round_number: int, rounds: int) -> str:
    """What the progress event of a resumed adaptation says (1-based round it continues with)."""
    return f"resuming at round {round_number} of {rounds} (saved by an interrupted run)"


def _optimiser_step(loss: torch.Tensor, model, scale, opt, sched, cfg: Config) -> None:
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(list(model.parameters()) + list(scale.parameters()), cfg.grad_clip)
    opt.step()
    sched.step()


# --------------------------------------------------------------------------------------------
# mode "paper": EM-CVGL as published
# --------------------------------------------------------------------------------------------
def _paper_steps(model, scale, opt, sched, tiles, queries, cfg: Config, gen, start: int = 0):
    sat = tiles[:, 0]  # north-up view only, as the paper's single satellite image per place
    queries = queries[:, 0]  # and the photo as taken
    n, n_q = len(sat), len(queries)
    for _ in range(start, cfg.steps):
        model.train()
        # Batch: every tile, each beside one random photo (NOT a true pair).
        pick = torch.randint(n_q, (n,), generator=gen).to(queries.device)
        x_s, z_s, r_s = model(sat, TILE)
        x_d, z_d, r_d = model(queries[pick], QUERY)
        sim = F.normalize(z_s, dim=-1) @ F.normalize(z_d, dim=-1).T  # (tiles, photos)

        # E-step: mutual nearest neighbours of the current adapter, cosine > threshold.
        pairs = mutual_nn(sim.detach(), threshold=cfg.threshold, min_mutual=cfg.min_mutual)

        # M-step: symmetric InfoNCE, mutual tiles against all photos and their photos against all tiles.
        s = scale()
        if len(pairs.sat):
            nce = 0.5 * (infonce(s * sim[pairs.sat], pairs.drone, smoothing=cfg.smoothing)
                         + infonce(s * sim[:, pairs.drone].T, pairs.sat, smoothing=cfg.smoothing))
        else:
            nce = sim.sum() * 0.0
        aic = aic_loss(r_s, x_s) + aic_loss(r_d, x_d)
        loss = nce + cfg.aic_weight * aic
        _optimiser_step(loss, model, scale, opt, sched, cfg)
        yield {"loss": loss.item(), "infonce": nce.item(), "aic": aic.item(),
               "pseudo_pairs": int(len(pairs.sat)), "quality": pairs.n_mutual / n,
               "logit_scale": s.item()}


# --------------------------------------------------------------------------------------------
# mode "best"
# --------------------------------------------------------------------------------------------
@torch.no_grad()
def _embed(model, x: torch.Tensor, domain: str, batch: int = 8192) -> torch.Tensor:
    flat = x.reshape(-1, x.shape[-1])
    out = torch.cat([F.normalize(model.encode(flat[i : i + batch], domain), dim=-1)
                     for i in range(0, len(flat), batch)])
    return out.reshape(*x.shape[:-1], out.shape[-1])


@torch.no_grad()
def tile_similarity(e_q: torch.Tensor, e_t: torch.Tensor, batch: int = 4096) -> torch.Tensor:
    """(Q, N) cosine of each photo (Q, D) or (Q, Vq, D) to each tile, max over all view pairs."""
    return torch.cat([max_over_views(e_q[i : i + batch], e_t) for i in range(0, len(e_q), batch)])


def max_over_views(e_q: torch.Tensor, e_t: torch.Tensor) -> torch.Tensor:
    """(B, D) or (B, Vq, D) x (N, V, D) -> (B, N) best cosine over all view pairs (a plain matmul:
    einsum's backward is slow)."""
    n, v, d = e_t.shape
    vq = 1 if e_q.dim() == 2 else e_q.shape[1]
    return (e_q.reshape(-1, d) @ e_t.reshape(n * v, d).T).reshape(len(e_q), vq, n, v).amax(dim=(1, 3))


def pooled_over_views(e_q: torch.Tensor, e_t: torch.Tensor, scale: torch.Tensor, cfg: Config) -> torch.Tensor:
    """(B, Vq, D) x (N, V, D) -> (B, N): the M-step's score of each photo for each tile over all view
    pairs. cfg.view_pool "max": the best pair (max_over_views; only it gets a gradient); "lse": the
    soft max tau * (logsumexp(scale * cos / tau) - log(pairs)) / scale, in cosine units, which
    passes a gradient to every view pair (tau = cfg.view_pool_tau in logit units; -> max as tau -> 0).
    An experiment switch of session 11 (training/results/photo_rotation.md); the product uses max."""
    if cfg.view_pool == "max":
        return max_over_views(e_q, e_t)
    if cfg.view_pool != "lse":
        raise InputError(None, f"unknown view_pool {cfg.view_pool!r} (use max or lse)")
    n, v, d = e_t.shape
    every = (e_q.reshape(-1, d) @ e_t.reshape(n * v, d).T).reshape(len(e_q), -1, n, v)
    every = every.permute(0, 2, 1, 3).reshape(len(e_q), n, -1)  # (B, tiles, view pairs)
    tau = cfg.view_pool_tau
    return tau * (torch.logsumexp(scale * every / tau, dim=2) - math.log(every.shape[2])) / scale


@torch.no_grad()
def _final_quality(model, tiles: torch.Tensor, queries: torch.Tensor, max_queries: int = 8192) -> float:
    """Label-free quality of the final adapter (on an evenly spaced subset of huge photo sets)."""
    if len(queries) > max_queries:
        queries = queries[torch.linspace(0, len(queries) - 1, max_queries).long().to(queries.device)]
    sim = tile_similarity(_embed(model, queries, QUERY), _embed(model, tiles, TILE))
    return float(cycle_consistency(sim).float().mean())


@torch.no_grad()
def _best_e_step(model, tiles, queries, cfg: Config, keep_share: float, gen, anchors=None):
    """Pseudo-label the photos (all of them, or a random subset of e_step_max_queries on huge sets):
    Sinkhorn plan with a many-to-one prior, keep the most confident share. Geometric anchors
    replace the plan's label for their photos, with full confidence, and are always kept.
    Returns (labels (Q,), confidences (Q,), indices of the kept photos, quality)."""
    model.eval()
    n_q = len(queries)
    pool = torch.arange(n_q)
    if n_q > cfg.e_step_max_queries:
        pool = torch.sort(torch.randperm(n_q, generator=gen)[: cfg.e_step_max_queries]).values
    pool = pool.to(queries.device)
    e_q = _embed(model, queries[pool], QUERY)
    sim = tile_similarity(e_q, _embed(model, tiles, TILE))
    quality = float(cycle_consistency(sim).float().mean())
    if cfg.knn and len(pool) <= cfg.knn_max_queries:
        # Photos of one place look alike: let each photo's nearest photos vote on its tile.
        if cfg.knn_views:
            graph = max_over_views(e_q, e_q[:, :1])  # (Q, Q) every view of i against j as taken
            graph = torch.maximum(graph, graph.T)
        else:
            graph = e_q[:, 0] @ e_q[:, 0].T  # photos as taken (view 0)
        graph.fill_diagonal_(-float("inf"))
        nn = graph.topk(min(cfg.knn, len(pool) - 1), dim=1).indices
        sim = (sim + cfg.knn_weight * sim[nn].mean(dim=1)) / (1 + cfg.knn_weight)
    plan = sinkhorn(sim, eps=cfg.sinkhorn_eps, iters=cfg.sinkhorn_iters)
    conf_p, label_p = plan.max(dim=1)  # rows sum to 1: conf is the share of the photo's mass on its tile
    label = torch.zeros(n_q, dtype=torch.long, device=queries.device)
    conf = torch.zeros(n_q, dtype=sim.dtype, device=queries.device)
    label[pool], conf[pool] = label_p, conf_p
    n_keep = max(2, int(round(keep_share * len(pool))))
    keep = pool[torch.argsort(conf_p, descending=True, stable=True)[:n_keep]]
    if anchors is not None:
        anchored = anchors >= 0
        label[anchored], conf[anchored] = anchors[anchored], 1.0
        keep = torch.unique(torch.cat([keep, torch.nonzero(anchored).flatten()]))
    return label, conf, keep, quality


def _tile_subset(labels: torch.Tensor, n: int, size: int, gen) -> tuple[torch.Tensor, torch.Tensor]:
    """Tile indices for one step (the batch's labelled tiles first, topped up with random others)
    and the labels re-indexed into that subset."""
    dev = labels.device
    chosen = torch.unique(labels.cpu())[:size]
    mark = torch.zeros(n, dtype=torch.bool)
    mark[chosen] = True
    others = torch.randperm(n, generator=gen)
    others = others[~mark[others]][: max(0, size - len(chosen))]
    ids = torch.cat([chosen, others])
    where = torch.full((n,), -1, dtype=torch.long)
    where[ids] = torch.arange(len(ids))
    return ids.to(dev), where[labels.cpu()].to(dev)


def _best_steps(model, scale, opt, sched, tiles, queries, cfg: Config, gen, anchors=None, start: int = 0):
    """start: the step to begin at, a multiple of round_length (a resumed run), so the first step
    computes its E-step as the uninterrupted run did."""
    n = len(tiles)
    e_every = round_length(cfg)
    for step in range(start, cfg.steps):
        # E-step over ALL photos every `e_every` steps; the kept share grows (curriculum).
        if step % e_every == 0:
            r = step // e_every
            share = cfg.keep_start + (cfg.keep_end - cfg.keep_start) * r / max(1, cfg.rounds - 1)
            label, conf, keep, quality = _best_e_step(model, tiles, queries, cfg, share, gen, anchors)
        model.train()
        batch = keep[torch.randperm(len(keep), generator=gen)[: cfg.batch_queries].to(keep.device)]
        y_full = label[batch]
        # Tiles of this step: every tile on small sets; on huge ones the batch's labels + random others.
        if n <= cfg.max_tiles_per_step:
            tile_ids, y = torch.arange(n, device=tiles.device), y_full
        else:
            tile_ids, y = _tile_subset(y_full, n, cfg.max_tiles_per_step, gen)
            batch, y = batch[y >= 0], y[y >= 0]  # photos whose tile did not fit wait for a later step
        sub = tiles[tile_ids]

        x_t, z_t, r_t = model(sub.reshape(-1, sub.shape[-1]), TILE)  # every view of those tiles
        e_t = F.normalize(z_t, dim=-1).reshape(len(sub), sub.shape[1], -1)
        qb = queries[batch]  # (B, V', D): every view of those photos
        x_q, z_q, r_q = model(qb.reshape(-1, qb.shape[-1]), QUERY)
        e_q = F.normalize(z_q, dim=-1).reshape(len(qb), qb.shape[1], -1)
        s = scale()
        sim = pooled_over_views(e_q, e_t, s, cfg)  # (B, tiles)

        # M-step: photo -> tiles (hard label), tile -> its photos in the batch (many positives).
        w = conf[batch] if cfg.weighted else None
        targets = F.one_hot(y, len(sub)).T.to(sim.dtype)  # (tiles, B)
        if cfg.weighted:
            targets = targets * conf[batch][None, :]
        nce = 0.5 * (infonce(s * sim, y, smoothing=cfg.smoothing, weights=w)
                     + soft_infonce(s * sim.T, targets, smoothing=cfg.smoothing))
        aic = aic_loss(r_t, x_t) + aic_loss(r_q, x_q)
        loss = nce + cfg.aic_weight * aic
        _optimiser_step(loss, model, scale, opt, sched, cfg)
        yield {"loss": loss.item(), "infonce": nce.item(), "aic": aic.item(),
               "pseudo_pairs": int(len(keep)), "quality": quality, "logit_scale": s.item()}
