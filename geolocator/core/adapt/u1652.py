"""University-1652: read the official folder layout, adapt without labels, evaluate with the
official protocol.

Layout: ROOT/train/{drone,satellite}/<building id>/*.jpg and
        ROOT/test/{query_drone,gallery_satellite,query_satellite,gallery_drone}/<building id>/*.jpg

Protocol (as in the dataset's evaluation code): for each query, the gallery images with the same
building id are the positives and gallery images labelled "-1" are junk (removed from the ranking;
University-1652 itself has none). Queries without any positive in the gallery are skipped.
R@k = share of queries with a positive in the top k; R@top1% = share with a positive within the top
round(0.01 * gallery size) + 1 (the official code reads CMC[round(0.01 * G)], CMC being 0-based);
AP uses the official trapezoidal rule: sum over positives i of (1/n_pos) * (P_{i-1} + P_i) / 2 with
P_i = (i+1) / (rank_i + 1), and P_{-1} = 1 when the first positive is ranked first, i / rank_i
otherwise. Building ids are never used by adaptation — only by the evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..images import IMAGE_SUFFIXES
from ..progress import CancelToken, ProgressCallback

FeatureFn = Callable[[Sequence[Path]], np.ndarray]  # paths -> (n, D) or (n, V, D) L2-normalised
JUNK = "-1"
LAYOUT = {"train": ("drone", "satellite"),
          "test": ("query_drone", "gallery_satellite", "query_satellite", "gallery_drone")}


def read_folder(folder: Path) -> tuple[list[Path], np.ndarray]:
    """Images of <folder>/<id>/ sorted by (id, name), and their building ids (strings)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "missing folder of the University-1652 layout")
    paths: list[Path] = []
    labels: list[str] = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        for img in sorted(p for p in sub.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
            paths.append(img)
            labels.append(sub.name)
    if not paths:
        raise InputError(folder, "no images in <building id>/ sub-folders")
    return paths, np.asarray(labels)


def _views(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x[:, None, :] if x.ndim == 2 else x


def evaluate_u1652(query_feats: np.ndarray, query_labels: Sequence, gallery_feats: np.ndarray,
                   gallery_labels: Sequence, *, chunk: int = 1024) -> dict:
    """Official-protocol metrics (percent) of cosine retrieval; features (n, D) or (n, V, D)
    (score = max over the views of both sides). Returns R@1, R@5, R@10, R@top1%, AP, n_queries."""
    q, g = _views(query_feats), _views(gallery_feats)
    ql, gl = np.asarray(query_labels).astype(str), np.asarray(gallery_labels).astype(str)
    n_gal = len(g)
    k_top = int(round(n_gal * 0.01)) + 1
    junk = gl == JUNK
    hits = {1: [], 5: [], 10: [], "top": []}
    aps: list[float] = []
    for start in range(0, len(q), chunk):
        block = q[start : start + chunk]
        score = np.einsum("qad,gbd->qgab", block, g, optimize=True).max(axis=(2, 3))
        order = np.argsort(-score, axis=1, kind="stable")
        for row, label in zip(order, ql[start : start + chunk]):
            good = gl[row] == label
            keep = ~junk[row]
            good = good[keep]
            if not good.any():
                continue  # no positive in the gallery: the official code skips the query
            ranks = np.flatnonzero(good)  # 0-based ranks of the positives
            first = ranks[0]
            for k in (1, 5, 10):
                hits[k].append(first < k)
            hits["top"].append(first < k_top)
            i = np.arange(len(ranks))
            precision = (i + 1) / (ranks + 1)
            old = np.where(ranks == 0, 1.0, i / np.maximum(ranks, 1))
            aps.append(float(((old + precision) / 2).sum() / len(ranks)))
    if not aps:
        raise ValueError("no query has a positive in the gallery")
    pct = lambda xs: 100.0 * float(np.mean(xs))  # noqa: E731
    return {"R@1": pct(hits[1]), "R@5": pct(hits[5]), "R@10": pct(hits[10]),
            "R@top1%": pct(hits["top"]), "AP": pct(aps), "n_queries": len(aps), "n_gallery": n_gal}


def run_u1652(root: Path | str, features: FeatureFn, *, adapt_on: str = "train", mode: str | None = "best",
              steps: int | None = None, seed: int = 0, device: str = "auto",
              progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> dict:
    """Adapt without labels (on the train split, or transductively on the test split) and evaluate
    drone->satellite and satellite->drone. mode=None evaluates the frozen features."""
    from .em import adapt

    root = Path(root)
    if adapt_on not in LAYOUT:
        raise InputError(root, f"adapt_on must be 'train' or 'test', not {adapt_on!r}")
    test = {name: read_folder(root / "test" / name) for name in LAYOUT["test"]}
    feats = {name: _views(features(paths)) for name, (paths, _) in test.items()}
    adapter = None
    if mode is not None:
        if adapt_on == "train":
            drone_paths, _ = read_folder(root / "train" / "drone")
            sat_paths, _ = read_folder(root / "train" / "satellite")
            tiles, photos = _views(features(sat_paths)), _views(features(drone_paths))[:, 0]
        else:
            tiles, photos = feats["gallery_satellite"], feats["query_drone"][:, 0]
        adapter = adapt(tiles, photos, mode=mode, steps=steps, seed=seed, device=device,
                        progress=progress, cancel=cancel)
        feats = {name: (adapter.transform_queries(f[:, 0])[:, None] if "drone" in name
                        else adapter.transform_tiles(f)) for name, f in feats.items()}
    d2s = evaluate_u1652(feats["query_drone"][:, 0], test["query_drone"][1],
                         feats["gallery_satellite"], test["gallery_satellite"][1])
    s2d = evaluate_u1652(feats["query_satellite"], test["query_satellite"][1],
                         feats["gallery_drone"], test["gallery_drone"][1])
    return {"drone->satellite": d2s, "satellite->drone": s2d, "adapted": adapter is not None,
            "mode": mode, "adapt_on": adapt_on if adapter is not None else None,
            "card": adapter.card if adapter is not None else None}
