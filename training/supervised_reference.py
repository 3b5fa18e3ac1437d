"""Supervised reference (training/ only, never in the product path): the same adapter network and
losses as mode "best", trained on TRUE photo->tile pairs of half the places, tested on the photos of
the other half (against every tile). An upper reference for what label-free adaptation could reach.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from geolocator.core.adapt import BEST, RegionAdapter, SharedAutoEncoder
from geolocator.core.adapt.adapter import QUERY, TILE
from geolocator.core.adapt.em import max_over_views
from geolocator.core.adapt.losses import LogitScale, aic_loss, infonce, soft_infonce


def split_places(n_tiles: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (train, test) over tiles: a random half of the places each."""
    order = np.random.default_rng(seed).permutation(n_tiles)
    train = np.zeros(n_tiles, bool)
    train[order[: n_tiles // 2]] = True
    return train, ~train


def train_supervised(tile_feats: np.ndarray, query_feats: np.ndarray, labels: np.ndarray, *,
                     steps: int = 200, seed: int = 0, cfg=BEST) -> RegionAdapter:
    """labels: true tile index per query (the training half only)."""
    torch.manual_seed(seed)
    tiles = torch.from_numpy(np.asarray(tile_feats, np.float32))
    queries = torch.from_numpy(np.asarray(query_feats, np.float32))
    y = torch.from_numpy(np.asarray(labels, np.int64))
    model = SharedAutoEncoder(tiles.shape[-1], cfg.hidden, domain_centering=cfg.domain_centering)
    if cfg.domain_centering:
        model.mean_tile.copy_(tiles.reshape(-1, tiles.shape[-1]).mean(0))
        model.mean_query.copy_(queries.mean(0))
    scale = LogitScale(cfg.tau0)
    params = list(model.parameters()) + list(scale.parameters())
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / steps)))
    n = len(tiles)
    for _ in range(steps):
        model.train()
        x_t, z_t, r_t = model(tiles.reshape(-1, tiles.shape[-1]), TILE)
        e_t = F.normalize(z_t, dim=-1).reshape(n, tiles.shape[1], -1)
        x_q, z_q, r_q = model(queries, QUERY)
        sim = max_over_views(F.normalize(z_q, dim=-1), e_t)
        s = scale()
        targets = F.one_hot(y, n).T.float()
        loss = 0.5 * (infonce(s * sim, y, smoothing=cfg.smoothing)
                      + soft_infonce(s * sim.T, targets, smoothing=cfg.smoothing))
        loss = loss + cfg.aic_weight * (aic_loss(r_t, x_t) + aic_loss(r_q, x_q))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        opt.step()
        sched.step()
    return RegionAdapter(model, {"mode": "supervised-reference", "steps": steps, "seed": seed}, "supervised")
