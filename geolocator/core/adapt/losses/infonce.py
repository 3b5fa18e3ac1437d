"""Contrastive (InfoNCE) losses on cosine-similarity logits with a learnable temperature."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class LogitScale(nn.Module):
    """exp(t) multiplies cosines; t starts at log(1/tau0) (tau0 = 0.07 -> 14.28) and is learned."""

    def __init__(self, tau0: float = 0.07, max_scale: float = 100.0):
        super().__init__()
        self.log_scale = nn.Parameter(torch.tensor(math.log(1.0 / tau0)))
        self.max_log = math.log(max_scale)

    def forward(self) -> torch.Tensor:
        # The clamp stops the scale running away once pseudo-pairs are separable (CLIP does the same).
        return self.log_scale.clamp(max=self.max_log).exp()


def infonce(logits: torch.Tensor, labels: torch.Tensor, *, smoothing: float = 0.1,
            weights: torch.Tensor | None = None) -> torch.Tensor:
    """Cross-entropy of rows of scaled similarities against hard labels, optionally row-weighted."""
    if weights is None:
        return F.cross_entropy(logits, labels, label_smoothing=smoothing)
    per_row = F.cross_entropy(logits, labels, label_smoothing=smoothing, reduction="none")
    return (per_row * weights).sum() / weights.sum().clamp_min(1e-8)


def soft_infonce(logits: torch.Tensor, targets: torch.Tensor, *, smoothing: float = 0.1,
                 weights: torch.Tensor | None = None) -> torch.Tensor:
    """Cross-entropy against a target distribution per row (many positives, e.g. several drone
    photos of one tile). Rows whose targets sum to 0 are skipped."""
    mass = targets.sum(dim=1, keepdim=True)
    keep = mass.squeeze(1) > 0
    if not keep.any():
        return logits.sum() * 0.0
    t = targets[keep] / mass[keep]
    t = (1 - smoothing) * t + smoothing / logits.shape[1]
    per_row = -(t * F.log_softmax(logits[keep], dim=1)).sum(dim=1)
    if weights is None:
        return per_row.mean()
    w = weights[keep]
    return (per_row * w).sum() / w.sum().clamp_min(1e-8)
