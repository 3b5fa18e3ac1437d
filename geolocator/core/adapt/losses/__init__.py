"""Training losses of the EM loop, one per file."""

from .aic import aic_loss
from .infonce import LogitScale, infonce, soft_infonce

__all__ = ["aic_loss", "infonce", "soft_infonce", "LogitScale"]
