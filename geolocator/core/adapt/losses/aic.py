"""AIC (adapter-input consistency): the decoder must reconstruct the adapter's input from the code,
which keeps the code from collapsing onto whatever the (noisy) pseudo-labels reward."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def aic_loss(reconstruction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean L1 between the L2-normalised reconstruction and the (L2-normalised) input."""
    return F.l1_loss(F.normalize(reconstruction, dim=-1), target)
