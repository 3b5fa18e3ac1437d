"""Extraction throughput of the pipeline vs a raw timm forward, and the cache's re-index speed-up.

Run:  .venv/bin/python training/bench_extract.py [--images N] [--repeats R]

(a) img/s of extract_features (decode + preprocess in threads overlapped with the model, cold
    cache, entries written) against timm forward_features of the same EfficientNet-Lite0 on the
    same images already decoded into one tensor — measured in the same process, interleaved.
(b) re-index: the same extract_features call again on a warm cache, vs the cold run.
Also reported: a torch DataLoader (worker processes) variant of the decoding, for comparison.
Images: the demo region's JPEGs when present, else procedurally generated RGB JPEGs.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geolocator.core.backbones import load_backbone  # noqa: E402
from geolocator.core.cache import FeatureCache  # noqa: E402
from geolocator.core.extract import extract_features  # noqa: E402
from geolocator.core.images import open_image  # noqa: E402
from geolocator.core.model import Bounds, Tile  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def procedural_jpegs(folder: Path, n: int, size: int = 320) -> list[Path]:
    """Aerial-looking fields, roads and blocks: smooth noise + rectangles, saved as JPEG q90."""
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        base = rng.integers(40, 200, (size // 32, size // 32, 3)).astype(np.uint8)
        im = np.asarray(Image.fromarray(base).resize((size, size), Image.Resampling.BICUBIC)).copy()
        for _ in range(12):
            x, y = rng.integers(0, size - 40, 2)
            w, h = rng.integers(8, 60, 2)
            im[y:y + h, x:x + w] = rng.integers(0, 255, 3)
        im = np.clip(im + rng.normal(0, 8, im.shape), 0, 255).astype(np.uint8)
        p = folder / f"img_{i:04d}.jpg"
        Image.fromarray(im).save(p, quality=90)
        out.append(p)
    return out


def demo_images() -> list[Path]:
    demo = ROOT / "resources" / "demo"
    return sorted(p for p in demo.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png")) if demo.is_dir() else []


def raw_forward(model, x: torch.Tensor, batch: int) -> float:
    t = time.perf_counter()
    with torch.inference_mode():
        for s in range(0, len(x), batch):
            model.forward_features(x[s:s + batch].contiguous(memory_format=torch.channels_last))
    return time.perf_counter() - t


class _DS(torch.utils.data.Dataset):
    def __init__(self, paths, bb):
        self.paths, self.bb = paths, bb

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        return self.bb.preprocess(open_image(self.paths[i]))


def dataloader_variant(paths, bb, batch: int, workers: int) -> float:
    t = time.perf_counter()
    dl = torch.utils.data.DataLoader(_DS(paths, bb), batch_size=batch, num_workers=workers,
                                     persistent_workers=False, prefetch_factor=2 if workers else None)
    for x in dl:
        bb.encode(x)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--procedural", action="store_true",
                    help="time --images procedural JPEGs even when the demo's JPEGs are there (a quick run)")
    args = ap.parse_args()

    load0 = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="bench_extract_"))
    try:
        paths = [] if args.procedural else demo_images()
        source = f"resources/demo ({len(paths)} JPEGs)"
        if len(paths) < 50:
            paths = procedural_jpegs(tmp, args.images)
            source = f"{len(paths)} procedural 320x320 JPEGs"
        items = [Tile(p.name, p, Bounds(0, 0, 1, 1)) for p in paths]
        n = len(items)
        bb = load_backbone("efficientnet_lite0", device="cpu")
        x = bb.normalise(torch.stack([bb.preprocess(open_image(p)) for p in paths]))  # pre-decoded and normalised, untimed

        # warm-up: one batch each way so lazy initialisation is not timed
        raw_forward(bb.model, x[: args.batch], args.batch)
        extract_features(items[: args.batch], bb, batch_size=args.batch, workers=args.workers)

        raw_t, pipe_t, nocache_t, warm_t, dl_t, one_t = [], [], [], [], [], []
        raw_c, pipe_c = [], []  # CPU seconds of this process (all its threads): load-independent work

        def timed(fn):
            w, c = time.perf_counter(), time.process_time()
            out = fn()
            return out, time.perf_counter() - w, time.process_time() - c

        for r in range(args.repeats):  # interleaved so machine load hits every variant alike
            _, w, c = timed(lambda: raw_forward(bb.model, x, args.batch))
            raw_t.append(w), raw_c.append(c)
            cache = FeatureCache(tmp / f"cache{r}")
            cold, w, c = timed(lambda: extract_features(items, bb, cache=cache, batch_size=args.batch,
                                                        workers=args.workers))
            pipe_t.append(w), pipe_c.append(c)
            assert cold.computed == n and not cold.failed
            warm, w, _ = timed(lambda: extract_features(items, bb, cache=cache, batch_size=args.batch,
                                                        workers=args.workers))
            warm_t.append(w)
            assert warm.cache_hits == n and np.array_equal(warm.features, cold.features)
            _, w, _ = timed(lambda: extract_features(items, bb, cache=None, batch_size=args.batch,
                                                     workers=args.workers))
            nocache_t.append(w)
        # alternatives measured once (their ranking is what matters, not a precise figure)
        one_t.append(timed(lambda: extract_features(items, bb, batch_size=args.batch, workers=1))[1])
        dl_t.append(dataloader_variant(paths, bb, args.batch, args.workers))

        med = statistics.median
        ips = lambda ts: n / med(ts)  # noqa: E731
        rows = [
            ("raw timm forward_features (pre-decoded tensors)", raw_t),
            ("extract_features, cold cache (decode+model+write)", pipe_t),
            ("extract_features, no cache", nocache_t),
            ("extract_features, no cache, 1 decode thread (once)", one_t),
            (f"DataLoader({args.workers} worker processes) + encode (once)", dl_t),
            ("extract_features, warm cache (re-index)", warm_t),
        ]
        load1 = os.getloadavg()
        print("bench_extract: EfficientNet-Lite0 (real ImageNet weights), 224 px, batch", args.batch,
              "| decode threads", args.workers)
        print(f"machine: {platform.machine()} {os.cpu_count()} CPUs, torch {torch.__version__} "
              f"({torch.get_num_threads()} intra-op threads, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}), "
              f"device {bb.device}")
        print(f"images: {source}; {args.repeats} interleaved repeats, medians")
        print(f"load average (1/5/15 min) before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, "
              f"after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}  (other jobs share these cores)")
        print()
        print(f"{'variant':58s} {'img/s':>9s} {'median s':>9s}")
        for name, ts in rows:
            print(f"{name:58s} {ips(ts):9.1f} {med(ts):9.3f}")
        print()
        ratio = ips(pipe_t) / ips(raw_t)
        paired = [r / p for r, p in zip(raw_t, pipe_t)]  # each pair ran back to back
        cpu = med(raw_c) / med(pipe_c)
        speed = med(pipe_t) / med(warm_t)
        print(f"(a) pipeline / raw forward throughput: {ratio:.2f}x from medians, "
              f"{med(paired):.2f}x median of back-to-back pairs (goal >= 0.9x) "
              f"[pairs: {', '.join(f'{v:.2f}' for v in paired)}]")
        print(f"    CPU time per image: raw {med(raw_c) / n * 1e3:.1f} ms, pipeline {med(pipe_c) / n * 1e3:.1f} ms "
              f"-> {cpu:.2f}x (all threads of this process; under contention this includes thread-pool spin-waiting)")
        print(f"(b) re-index speed-up, warm / cold cache: {speed:.0f}x (goal >= 50x)")
        print(f"    decode threads vs DataLoader processes (no cache): {ips(nocache_t) / ips(dl_t):.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
