"""The adapter network and the region adapter that the rest of the app uses.

`SharedAutoEncoder` is the paper's module: one encoder Linear(d->h)+BatchNorm1d(h) and one decoder
Linear(h->d)+BatchNorm1d(d), no activation, shared by drone and satellite features. The retrieval
feature is L2norm(enc(x)).

Best mode adds one label-free option, `domain_centering`: each domain's mean feature (tiles, queries)
is subtracted and the result re-normalised before the shared encoder. The paper's BatchNorm already
normalises each domain separately while training (each domain is a separate batch) but mixes them in
its running statistics at inference; fixed per-domain means remove that train/test mismatch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import AdapterMismatch

TILE, QUERY = "tile", "query"


class SharedAutoEncoder(nn.Module):
    def __init__(self, dim: int, hidden: int = 2048, domain_centering: bool = False):
        super().__init__()
        self.dim, self.hidden, self.domain_centering = int(dim), int(hidden), bool(domain_centering)
        self.enc = nn.Sequential(nn.Linear(dim, hidden), nn.BatchNorm1d(hidden))
        self.dec = nn.Sequential(nn.Linear(hidden, dim), nn.BatchNorm1d(dim))
        # Buffers so they travel with state_dict (saved in the safetensors file).
        self.register_buffer("mean_tile", torch.zeros(dim))
        self.register_buffer("mean_query", torch.zeros(dim))

    def arch(self) -> dict:
        return {"kind": "shared_autoencoder", "dim": self.dim, "hidden": self.hidden,
                "domain_centering": self.domain_centering}

    @classmethod
    def from_arch(cls, arch: dict) -> SharedAutoEncoder:
        if arch.get("kind") != "shared_autoencoder":
            raise ValueError(f"unknown adapter kind {arch.get('kind')!r}")
        return cls(int(arch["dim"]), int(arch["hidden"]), bool(arch.get("domain_centering", False)))

    def prepare(self, x: torch.Tensor, domain: str) -> torch.Tensor:
        """The input the encoder sees (and the decoder reconstructs)."""
        if not self.domain_centering:
            return x
        mean = self.mean_tile if domain == TILE else self.mean_query
        return F.normalize(x - mean, dim=-1)

    def encode(self, x: torch.Tensor, domain: str) -> torch.Tensor:
        return self.enc(self.prepare(x, domain))

    def forward(self, x: torch.Tensor, domain: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(prepared input, code, reconstruction) — the code is the un-normalised retrieval feature."""
        inp = self.prepare(x, domain)
        code = self.enc(inp)
        return inp, code, self.dec(code)


class RegionAdapter:
    """A trained adapter for one region: maps backbone features into the adapted retrieval space.

    `card` describes it (mode, hyper-parameters, quality signal, and what the caller adds on save:
    backbone, tile-set fingerprint ...). Inference runs on the CPU in eval mode, in batches.
    """

    def __init__(self, model: SharedAutoEncoder, card: dict, mode: str):
        self.model = model.cpu().eval()
        self.card = dict(card)
        self.mode = mode

    @property
    def dim_in(self) -> int:
        return self.model.dim

    @property
    def dim_out(self) -> int:
        return self.model.hidden

    def _embed(self, x: np.ndarray, domain: str, batch: int = 8192) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if x.shape[-1] != self.dim_in:
            raise AdapterMismatch(
                f"this adapter expects {self.dim_in}-d backbone features, got {x.shape[-1]}-d "
                f"(backbone {self.card.get('backbone', 'unknown')!r})"
            )
        flat = x.reshape(-1, self.dim_in)
        out = np.empty((len(flat), self.dim_out), np.float32)
        with torch.no_grad():
            for i in range(0, len(flat), batch):
                code = self.model.encode(torch.from_numpy(flat[i : i + batch]), domain)
                out[i : i + batch] = F.normalize(code, dim=-1).numpy()
        return out.reshape(*x.shape[:-1], self.dim_out)

    def transform_tiles(self, tile_feats: np.ndarray) -> np.ndarray:
        """(N, V, D) or (N, D) backbone features -> same leading shape, adapted dim, L2-normalised."""
        return self._embed(tile_feats, TILE)

    def transform_queries(self, query_feats: np.ndarray) -> np.ndarray:
        """(Q, D) -> (Q, D2), L2-normalised."""
        return self._embed(query_feats, QUERY)

    def save(self, path: Path | str, card: dict | None = None) -> Path:
        """Write safetensors + JSON card atomically; `card` entries are merged into self.card."""
        from .checkpoint import save_adapter

        merged = {**self.card, **(card or {})}
        merged["mode"] = self.mode  # the adapter's own facts win over the caller's
        merged["arch"] = self.model.arch()
        self.card = merged
        return save_adapter(path, self.model, merged)

    @classmethod
    def load(cls, path: Path | str, expect_backbone: str | None = None, expect_dim: int | None = None) -> RegionAdapter:
        from .checkpoint import load_adapter

        model, card = load_adapter(path, expect_backbone=expect_backbone, expect_dim=expect_dim)
        return cls(model, card, card.get("mode", "unknown"))

    def __repr__(self) -> str:
        return f"RegionAdapter(mode={self.mode!r}, {self.dim_in}->{self.dim_out})"
