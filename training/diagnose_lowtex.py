"""Why photos fail on a region, photo by photo (issue 13, low texture): locate every photo (frozen
features, then mode `best` adaptation), verify with SIFT as the app does, and for each photo record
where its true tile stood (global rank), what verification found on it (inliers; keypoints on photo
and tile; grey standard deviation of both), the best wrong verified tile, the answer's calibrated
confidence and status. Truth only scores and classifies; nothing here feeds back into locating.

  PYTHONPATH=. python training/diagnose_lowtex.py --region data/benchmark/rotterdam-lowtex \
      --cache-dir out/cache --modes frozen best --out training/results/lowtex_records.csv \
      [--pictures out/lowtex_png]

Each failure is one of:
  outside    the true tile is not among the candidates verified
  unverified the true tile was verified but reached fewer than min_inliers, and no wrong tile verified
  beaten     a wrong tile verified (>= min_inliers) above the true one
  moved      the true tile verified best, but the answer was moved elsewhere (tile under the centre)
`fine_true` is the fine pass's inliers on the true tile (VerifySettings.fine_pass settings), computed
here for every photo whose true tile was a candidate, whether or not the pipeline ran the pass.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from geolocator.core.cache import file_key
from geolocator.core.evaluate import positives
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.predict import inlier_margin
from geolocator.core.queries import load_region
from geolocator.core.rerank import query_outline

FIELDS = ["mode", "query", "global_rank", "in_candidates", "true_inliers", "fine_true", "best_wrong_inliers",
          "top_inliers", "top_right", "status", "confidence", "error_m", "cls", "photo_kp", "photo_kp_fine",
          "tile_kp", "photo_std", "tile_std", "margin", "answer_tile", "true_tile"]


def grey_std(path: Path) -> float:
    """Standard deviation of the image's grey levels (0-255) at 256 px: a texture measure."""
    from PIL import Image

    with Image.open(path) as im:
        g = np.asarray(im.convert("L").resize((256, 256)), np.float32)
    return float(g.std())


def classify(right: bool, in_candidates: bool, true_inliers: int, best_wrong: int, min_inliers: int) -> str:
    """The failure class of one photo (see the module docstring); 'ok' when right."""
    if right:
        return "ok"
    if not in_candidates:
        return "outside"
    if best_wrong >= min_inliers and best_wrong >= true_inliers:
        return "beaten"
    if true_inliers >= min_inliers:
        return "moved"
    return "unverified"


def records(ws: Workspace, queries, mode: str, global_sim: np.ndarray) -> list[dict]:
    tiles = ws.tileset.tiles
    v = ws.verifier
    s = v.settings
    keys = [file_key(t.path, t.window, t.ref) for t in tiles]
    predictions = ws.locate(queries)
    min_inliers = ws._min_inliers(queries)
    candidates_n = max(ws.settings.verify_candidates, ws.settings.top_k)
    rows = []
    for qi, (q, p) in enumerate(zip(queries, predictions)):
        pos = positives(q, tiles)
        order = np.argsort(-global_sim[qi], kind="stable")
        rank = int(np.flatnonzero(pos[order])[0]) + 1 if pos.any() else -1
        outline = query_outline(q)
        pk = v.photo_key(q, outline)
        inl = np.array([v._pairs[(pk, k)].inliers if (pk, k) in v._pairs else -1 for k in keys])
        true_inl = int(inl[pos].max()) if pos.any() else -1
        best_wrong = int(inl[~pos].max()) if (~pos).any() else -1
        in_cand = 0 < rank <= candidates_n or true_inl >= 0
        top = tiles.index(p.matches[0].tile)
        right = bool(pos[top])
        photo = v.photo(q)
        fine = v.photo(q, fine=True)
        true_t = int(np.flatnonzero(pos)[0]) if pos.any() else None
        fine_true = -1
        if in_cand and true_t is not None and fine is not None:
            fine_true = int(v._fine_pair(fine, tiles[true_t], outline).inliers)
        rows.append({
            "mode": mode, "query": q.id, "global_rank": rank, "in_candidates": int(in_cand),
            "true_inliers": true_inl, "fine_true": fine_true, "best_wrong_inliers": best_wrong,
            "top_inliers": p.matches[0].inliers or 0, "top_right": int(right), "status": p.status,
            "confidence": round(p.confidence, 3), "error_m": round(p.error_m, 1),
            "cls": classify(right, in_cand, true_inl, best_wrong, int(min_inliers[qi])),
            "photo_kp": 0 if photo is None else len(photo.points), "photo_kp_fine": 0 if fine is None else len(fine.points),
            "tile_kp": len(v.tile(tiles[true_t]).points) if true_t is not None else -1,
            "photo_std": round(grey_std(q.path), 1),
            "tile_std": round(grey_std(tiles[true_t].path), 1) if true_t is not None else -1,
            "margin": inlier_margin(p.matches), "answer_tile": Path(tiles[top].path).name,
            "true_tile": Path(tiles[true_t].path).name if true_t is not None else "",
        })
    return rows


def pictures(rows: list[dict], region, out: Path) -> None:
    """Photo | answered tile | true tile side by side, per failure, as PNGs (for looking, not for
    scoring); the file name says the confidence shown."""
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    by_id = {q.id: q for q in region.queries}
    by_name = {Path(t.path).name: t for t in region.tiles.tiles}
    for r in rows:
        if r["cls"] == "ok":
            continue
        q = by_id[r["query"]]
        tile = next(t for t, hit in zip(region.tiles.tiles, positives(q, region.tiles.tiles)) if hit)
        shown = [q.path, by_name[r["answer_tile"]].path, tile.path]
        images = [Image.open(path).convert("RGB").resize((256, 256)) for path in shown]
        canvas = Image.new("RGB", (784, 256), "white")
        for i, im in enumerate(images):
            canvas.paste(im, (i * 264, 0))
        canvas.save(out / f"{r['mode']}_{r['cls']}_{Path(r['query']).stem}_c{r['confidence']:.2f}.png")


def summary(rows: list[dict]) -> str:
    lines = []
    for mode in dict.fromkeys(r["mode"] for r in rows):
        rs = [r for r in rows if r["mode"] == mode]
        n = len(rs)
        ok = sum(r["top_right"] for r in rs)
        classes = {c: sum(r["cls"] == c for r in rs) for c in ("outside", "unverified", "beaten", "moved")}
        wrong = [r for r in rs if not r["top_right"]]
        sure_wrong = [r for r in wrong if r["confidence"] >= 0.9]
        lines.append(f"{mode}: R@1 {100 * ok / n:.1f} ({ok}/{n}); failures {classes}; wrong with confidence >= 0.9: "
                     f"{len(sure_wrong)} ({', '.join(r['query'] for r in sure_wrong)}); right with >= 0.9: "
                     f"{sum(r['confidence'] >= 0.9 for r in rs if r['top_right'])}; median confidence right "
                     f"{np.median([r['confidence'] for r in rs if r['top_right']] or [np.nan]):.2f} / wrong "
                     f"{np.median([r['confidence'] for r in wrong] or [np.nan]):.2f}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", type=Path, default=Path("data/benchmark/rotterdam-lowtex"))
    ap.add_argument("--modes", nargs="+", default=["frozen", "best"])
    ap.add_argument("--cache-dir", type=Path, default=Path("out/cache"))
    ap.add_argument("--out", type=Path, default=Path("training/results/lowtex_records.csv"))
    ap.add_argument("--pictures", type=Path)
    ap.add_argument("--matcher", default="sift")
    ap.add_argument("--mosaic", type=int, default=0)
    ap.add_argument("--widen", type=int, default=0, help="Settings.verify_widen; -1: the product's default (None)")
    ap.add_argument("--blind-tilts", type=float, nargs="*", default=None,
                    help="VerifySettings.blind_tilts for every verification (anchors included); default: the default")
    args = ap.parse_args()
    region = load_region(args.region)
    adapter_dir = Path(tempfile.mkdtemp(prefix="geolocator-diagnose-"))
    ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=args.cache_dir, adapter_dir=adapter_dir,
                            matcher=args.matcher, verify_mosaic=args.mosaic, verify_widen=None if args.widen < 0 else args.widen))
    ws.open_tiles(region.tiles)
    ws.index()

    def fresh_verifier():  # only this mode's candidates hold pair results; the settings asked for
        ws._verifier = None
        if args.blind_tilts is not None:
            ws.verifier.settings = replace(ws.verifier.settings, blind_tilts=tuple(args.blind_tilts))
    print(f"load {os.getloadavg()[0]:.1f}", flush=True)
    rows = []
    for mode in args.modes:
        wall, cpu = time.perf_counter(), time.process_time()
        fresh_verifier()  # adaptation's anchors verify with the same settings
        if mode != "frozen":
            ws.adapt(region.queries, mode=mode, seed=0, geometric=mode == "best")
        fresh_verifier()
        ws.settings.verify = False
        ws.locate(region.queries)
        sim = ws.last.similarity
        ws.settings.verify = True
        rows += records(ws, list(region.queries), mode, sim)
        print(f"{mode}: {time.perf_counter() - wall:.0f} s wall, {time.process_time() - cpu:.0f} CPU s, "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows(rows)
    if args.pictures:
        pictures(rows, region, args.pictures)
    print(summary(rows))
    shutil.rmtree(adapter_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
