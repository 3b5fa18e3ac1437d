"""How cost grows with the tile set (issue 14): 1k, 10k, 100k and 1M tiles.

Per size, in a fresh subprocess (so peak RSS is that size's own):
  index     - features appended to a FeatureStore (float16 memmap + manifest) in committed chunks,
              then the retrieval.TileIndex built (flat up to FLAT_MAX vectors, IVF-fp16 above) and
              saved beside the store. SYNTHETIC features (clustered unit vectors, EfficientNet-Lite0's
              1280-d): no CPU here can embed a million tiles in a session. The time to EMBED N real
              tiles is projected from the measured real pipeline throughput (below).
  locate    - per photo (8 rotated views), to its top-10 without verification: TileIndex search +
              exact re-scoring of the candidates. With verification add the measured per-photo cost
              of verifying 20 candidates (independent of N; measured on the demo region).
  adapt     - mode best on synthetic photo features (500 photos x 8 views): the tile pool is capped
              at Settings.adapt_max_tiles, so its cost stops growing there.
  recall    - IVF top-10 against exact flat search on 200 photos (sizes where both run).
Real extraction: EfficientNet-Lite0 on real tiles (the demo and benchmark regions, hard-linked
copies so each has its own file identity): the pipeline's throughput (decode threads + model + store
commits) against the raw model alone (backbone.encode on ready tensors), same batch size.

  python training/bench_scale.py [--sizes 1000 10000 100000 1000000] [--real 256]
Writes training/results/bench_scale.md and bench_scale.png. State of the machine: os.getloadavg().
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DIM = 1280  # EfficientNet-Lite0
PHOTO_VIEWS = 8


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # Linux: KiB


def synthetic(n: int, seed: int, centres: np.ndarray, noise: float = 0.6) -> np.ndarray:
    """n unit vectors around random centres (clustered like real scenes), float32."""
    rng = np.random.default_rng(seed)
    x = centres[rng.integers(0, len(centres), n)] + noise * rng.standard_normal((n, centres.shape[1]), np.float32) / np.sqrt(centres.shape[1])
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def one_size(n: int, workdir: Path, adapt_steps: int, n_photos: int = 50, adapt_max_size: int = 10**9) -> dict:
    """Everything for one size (runs in its own process)."""
    import torch

    from geolocator.core.adapt import adapt
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.retrieval import TileIndex, best_view_scores, search
    from geolocator.core.store import FeatureStore

    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((4096, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out: dict = {"n": n, "load_before": _load()}

    store = FeatureStore(workdir / f"store-{n}", signature="synthetic", views=("rot0",), dim=DIM)
    t0 = time.perf_counter()
    chunk = 16384
    for s in range(0, n, chunk):
        m = min(chunk, n - s)
        store.append([f"{n}-{i}" for i in range(s, s + m)], synthetic(m, s + 1, centres)[:, None, :])
    out["store_write_s"] = time.perf_counter() - t0
    out["store_gb"] = store.data_path.stat().st_size / 1e9 + store.manifest_path.stat().st_size / 1e9
    features = store.array()

    t0 = time.perf_counter()
    index = TileIndex.build(features)
    out["index_build_s"] = time.perf_counter() - t0
    out["index_kind"] = index.kind
    path = workdir / f"index-{n}.faiss"
    index.save(path)
    out["index_gb"] = path.stat().st_size / 1e9

    # photos: noisy copies of random tiles, at 8 views (one is the tile's own direction)
    picks = rng.choice(n, n_photos, replace=False)
    photos = np.repeat(np.asarray(features[np.sort(picks)], np.float32), PHOTO_VIEWS, axis=1)
    photos += 0.3 * rng.standard_normal(photos.shape).astype(np.float32) / np.sqrt(DIM)
    photos /= np.linalg.norm(photos, axis=-1, keepdims=True)
    index.search(photos[:1], 10)  # warm-up
    t0 = time.perf_counter()
    for i in range(n_photos):
        _, ids = index.search(photos[i : i + 1], 10)
        if index.kind != "flat":
            best_view_scores(photos[i : i + 1], features, ids)
    out["locate_s_per_photo"] = (time.perf_counter() - t0) / n_photos

    if index.kind != "flat" and n <= 1_000_000:
        flat_ids = np.concatenate([_flat_top(photos[i : i + 10], features) for i in range(0, 20, 10)])
        ivf_ids = index.search(photos[:20], 10)[1]
        out["ivf_recall10"] = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(flat_ids, ivf_ids)]))
    else:
        out["ivf_recall10"] = None

    out["n_photos"] = n_photos
    out["peak_rss_gb_before_adapt"] = _peak_rss_gb()
    if n > adapt_max_size:  # not measured at this size (time): stated in the table
        out.update(adapt_s=None, adapt_tiles=None, peak_rss_gb=_peak_rss_gb(), load_after=_load())
        return out
    # adaptation: the capped pool, as Workspace.adapt takes it
    ws = Workspace(Settings())
    q = synthetic(200, 99, centres)[:, None, :].repeat(PHOTO_VIEWS, axis=1)
    t0 = time.perf_counter()
    if n * 1 > ws.settings.dense_max:
        ws._tile_index = (id(None), None, index)  # the index just built (Workspace.tile_index would rebuild it)
        ws._tile_features = None
        pool = _pool(ws, q, features, index)
    else:
        pool = None if n <= ws.settings.adapt_max_tiles else _pool(ws, q, features, index)
    tiles = np.asarray(features if pool is None else features[pool], np.float32)
    adapt(tiles, q, mode="best", steps=adapt_steps, seed=0, device="cpu")
    out["adapt_s"] = time.perf_counter() - t0
    out["adapt_tiles"] = len(tiles)
    out["peak_rss_gb"] = _peak_rss_gb()
    out["load_after"] = _load()
    del search
    return out


def _flat_top(photos: np.ndarray, features) -> np.ndarray:
    """Exact top-10 by streaming the store (no float32 copy of it): for the IVF recall."""
    best = np.full((len(photos), 0), -1, np.int64)
    best_s = np.full((len(photos), 0), -np.inf, np.float32)
    flat = photos.reshape(-1, DIM)
    for s in range(0, len(features), 65536):
        t = np.asarray(features[s : s + 65536, 0], np.float32)
        sims = (flat @ t.T).reshape(len(photos), PHOTO_VIEWS, len(t)).max(axis=1)
        ids = np.broadcast_to(np.arange(s, s + len(t)), sims.shape)
        allS, allI = np.concatenate([best_s, sims], 1), np.concatenate([best, ids], 1)
        top = np.argsort(-allS, axis=1, kind="stable")[:, :10]
        best_s, best = np.take_along_axis(allS, top, 1), np.take_along_axis(allI, top, 1)
    return best


def _pool(ws, photos, features, index):
    n = len(features)
    cap = ws.settings.adapt_max_tiles
    _, cand = index.search(photos, ws.settings.verify_candidates)
    must = np.unique(cand[cand >= 0])[:cap]
    rng = np.random.default_rng(0)
    others = np.setdiff1d(rng.choice(n, size=min(n, 2 * cap), replace=False), must)[: max(0, cap - len(must))]
    return np.sort(np.concatenate([must, others]))


def real_throughput(n_real: int, workdir: Path) -> dict:
    """Pipeline (extract_into_store) vs raw model images/s on real tiles, EfficientNet-Lite0."""
    import torch

    from geolocator.core.backbones import load_backbone
    from geolocator.core.extract import extract_into_store
    from geolocator.core.model import Tile
    from geolocator.core.queries import load_region
    from geolocator.core.store import FeatureStore

    torch.set_num_threads(2)
    sources = []
    for region in (ROOT / "resources/demo", ROOT / "data/benchmark/vegas", ROOT / "data/benchmark/rotterdam"):
        if (region / "tiles.csv").exists():
            sources += list(load_region(region).tiles.tiles)
    folder = workdir / "real"
    folder.mkdir(exist_ok=True)
    tiles = []
    for i in range(n_real):  # hard links: own path, so own file identity, no copy of the pixels
        src = sources[i % len(sources)]
        dst = folder / f"{i:06d}{src.path.suffix}"
        if not dst.exists():
            os.link(src.path, dst)
        tiles.append(Tile(str(i), dst, src.bounds))
    bb = load_backbone("efficientnet_lite0", device="cpu")
    from geolocator.core.images import open_image

    tensors = list(bb.normalise(torch.stack([bb.preprocess(open_image(t.path, None)) for t in tiles[:64]])))  # untimed

    def raw() -> float:
        t0 = time.perf_counter()
        done = 0
        while done < n_real:
            batch = [tensors[(done + j) % len(tensors)] for j in range(min(32, n_real - done))]
            bb.encode(torch.stack(batch))
            done += len(batch)
        return n_real / (time.perf_counter() - t0)

    raw_a = raw()
    store = FeatureStore(workdir / "real-store", signature=bb.signature, views=("rot0",), dim=bb.dim)
    t0 = time.perf_counter()
    result = extract_into_store(tiles, bb, store, batch_size=32)
    pipe = n_real / (time.perf_counter() - t0)
    raw_b = raw()
    return {"n_real": n_real, "raw_img_s": (raw_a + raw_b) / 2, "raw_runs": [raw_a, raw_b], "pipeline_img_s": pipe,
            "failed": len(result.failed), "load": _load()}


def verify_cost(n_photos: int, region_path: Path = ROOT / "resources/demo") -> dict:
    """Seconds per photo to verify its 20 best candidates (demo region, real images)."""
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.queries import load_region

    region = load_region(region_path)
    ws = Workspace(Settings(backbone="efficientnet_lite0", device="cpu"))
    ws.open_tiles(region.tiles)
    ws.index()
    queries = list(region.queries)[:n_photos]
    ws.settings.verify = False
    ws.locate(queries)  # features cached: what remains is search
    t0 = time.perf_counter()
    ws.locate(queries)
    plain = time.perf_counter() - t0
    ws.settings.verify = True
    t0 = time.perf_counter()
    ws.locate(queries)
    return {"verify_s_per_photo": (time.perf_counter() - t0 - plain) / n_photos, "n_photos": n_photos, "load": _load()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="*", type=int, default=[1000, 10_000, 100_000, 1_000_000],
                    help="sizes to measure now (none: only write the --rows-json rows)")
    ap.add_argument("--real", type=int, default=256, help="real tiles for the throughput measurement (0: skip)")
    ap.add_argument("--verify-photos", type=int, default=8)
    ap.add_argument("--verify-region", type=Path, default=ROOT / "resources/demo",
                    help="region whose photos time verification (default: the demo)")
    ap.add_argument("--adapt-steps", type=int, default=20)
    ap.add_argument("--photos", type=int, default=50, help="photos timed per size")
    ap.add_argument("--adapt-max-size", type=int, default=10**9, help="skip adaptation above this many tiles")
    ap.add_argument("--rows-json", nargs="*", default=[], help="rows measured by an earlier run (JSON lines)")
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--real-json", help="reuse a real-throughput measurement (the JSON line a run printed)")
    ap.add_argument("--verify-json", help="reuse a verification-cost measurement (the JSON line a run printed)")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, default=ROOT / "training/results/bench_scale.md")
    args = ap.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="geolocator-bench-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.child is not None:
        print("RESULT " + json.dumps(one_size(args.child, workdir, args.adapt_steps, args.photos, args.adapt_max_size)),
              flush=True)
        return
    rows = [json.loads(r) for r in args.rows_json]
    if args.real_json:
        real = json.loads(args.real_json)
    else:
        real = real_throughput(args.real, workdir) if args.real else None
    print(json.dumps(real), flush=True)
    if args.verify_json:
        verify = json.loads(args.verify_json)
    else:
        verify = verify_cost(args.verify_photos, args.verify_region) if args.verify_photos else None
    print(json.dumps(verify), flush=True)
    for n in args.sizes:
        proc = subprocess.run([sys.executable, __file__, "--child", str(n), "--workdir", str(workdir),
                               "--adapt-steps", str(args.adapt_steps), "--photos", str(args.photos),
                               "--adapt-max-size", str(args.adapt_max_size)], capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"})
        line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
        if not line:
            print(proc.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"size {n} failed")
        rows.append(json.loads(line[0][7:]))
        print(json.dumps(rows[-1]), flush=True)
        for p in workdir.glob(f"store-{n}"):
            shutil.rmtree(p)
    write(rows, real, verify, args)


def _adapt_cell(r: dict) -> str:
    return "not run" if r["adapt_s"] is None else f"{r['adapt_s']:.1f} ({r['adapt_tiles']:,})"


def write(rows, real, verify, args) -> None:
    v = verify["verify_s_per_photo"] if verify else float("nan")
    pipe = real["pipeline_img_s"] if real else float("nan")
    lines = [
        "`training/bench_scale.py` — how cost grows with the tile set. One machine, 2 CPU cores SHARED with",
        "other jobs (load averages beside each row: 1/5/15-minute os.getloadavg(); >2 means contention, so",
        "times are upper bounds). Tile features are SYNTHETIC beyond the real-extraction row (clustered unit",
        "vectors, 1280-d like EfficientNet-Lite0, float16 store); `embed N (projected)` = N / the measured",
        "real pipeline throughput. Locate = one photo at 8 rotated views to its top-10, no verification;",
        f"with verification add {v:.2f} s per photo (20 candidates, demo region, independent of N).",
        f"Adaptation: mode best, {args.adapt_steps} steps, 200 synthetic photos x 8 views, tile pool capped at",
        "Settings.adapt_max_tiles (20,000).",
        "",
    ]
    if real:
        ratio = real["pipeline_img_s"] / real["raw_img_s"]
        lines += [f"Real extraction, {real['n_real']} tiles: raw model {real['raw_img_s']:.1f} img/s (runs "
                  f"{', '.join(f'{x:.1f}' for x in real['raw_runs'])}), pipeline into the store "
                  f"{real['pipeline_img_s']:.1f} img/s = {100 * ratio:.0f}% of the raw model (load {real['load']}).", ""]
    lines += ["| tiles | store (GB) | store write (s) | embed N (projected, h) | index | index build (s) | index (GB) | "
              "locate (s/photo) | with verification (s/photo) | IVF recall@10 | adapt (s, pool) | peak RSS (GB) | load before / after |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        rec = "exact" if r["ivf_recall10"] is None else f"{r['ivf_recall10']:.2f}"
        lines.append(f"| {r['n']:,} | {r['store_gb']:.3f} | {r['store_write_s']:.1f} | {r['n'] / pipe / 3600:.2f} | "
                     f"{r['index_kind']} | {r['index_build_s']:.1f} | {r['index_gb']:.3f} | {r['locate_s_per_photo']:.3f} | "
                     f"{r['locate_s_per_photo'] + v:.2f} | {rec} | "
                     f"{_adapt_cell(r)} | "
                     f"{r['peak_rss_gb']:.2f} | {r['load_before']} / {r['load_after']} |")
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        n = [r["n"] for r in rows]
        fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
        axes[0].loglog(n, [r["peak_rss_gb"] for r in rows], "o-", label="peak RSS")
        axes[0].loglog(n, [r["store_gb"] for r in rows], "s--", label="store on disk")
        axes[0].axhline(8, color="r", lw=0.8, label="goal 8 GB")
        axes[0].set(xlabel="tiles", ylabel="GB", title="memory / disk")
        axes[1].loglog(n, [r["locate_s_per_photo"] for r in rows], "o-", label="top-k, no verification")
        axes[1].loglog(n, [r["locate_s_per_photo"] + v for r in rows], "s--", label="with verification")
        axes[1].axhline(1, color="r", lw=0.8, label="goal 1 s")
        axes[1].set(xlabel="tiles", ylabel="s per photo", title="locate")
        axes[2].loglog(n, [r["index_build_s"] + r["store_write_s"] for r in rows], "o-", label="store + index (synthetic)")
        done = [r for r in rows if r["adapt_s"] is not None]
        axes[2].loglog([r["n"] for r in done], [r["adapt_s"] for r in done], "s--", label="adaptation")
        axes[2].loglog(n, [x / pipe for x in n], ":", label="embedding (projected)")
        axes[2].set(xlabel="tiles", ylabel="s", title="time")
        for a in axes:
            a.legend(fontsize=7)
            a.grid(True, which="both", lw=0.3)
        fig.tight_layout()
        fig.savefig(args.out.with_suffix(".png"), dpi=110)
    except ImportError:
        print("matplotlib is not installed: no plot")


if __name__ == "__main__":
    main()
