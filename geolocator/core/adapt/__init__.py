"""Label-free region adaptation (EM-CVGL and our stronger 'best' mode) and University-1652 tools."""

from .adapter import RegionAdapter, SharedAutoEncoder
from .em import BEST, MODES, PAPER, Config, adapt
from .u1652 import evaluate_u1652, run_u1652

__all__ = ["adapt", "RegionAdapter", "SharedAutoEncoder", "Config", "MODES", "PAPER", "BEST",
           "evaluate_u1652", "run_u1652"]
