"""Matchers on the harder yardstick (issue 13): per region, frozen / paper / best adaptation x each
local-feature backend: R@1 of the global ranking, recall@C of the candidate list that reaches
verification, R@1 after verification, the refined (homography) error, seconds per photo.

Truth only scores (Workspace.evaluate); adaptation sees unlabeled tiles and photos (all of a
region's photos; the scored photos are an evenly spaced subsample when --photos is given, to keep
the learned matchers' CPU time bearable on a shared machine). Adaptation's geometric anchors use
--anchor-matcher (default sift: learned anchors over every photo cost too much CPU here).

  python training/make_public_benchmark.py --regions hard vegas rotterdam
  python training/compare_matchers.py --photos 24 [--regions ...] [--matchers sift xfeat-mnn ...]

The product's route and the slow backends on one adaptation per mode (issue 13's per-region table):
`--matchers auto xfeat aliked ... --anchor-matcher auto --widen -1 --learned-photos 24 --thin 3`: auto scores
every photo with the CLI's settings (widen -1: Settings.verify_widen None, the CLI's default), each
learned backend an evenly spaced subset of them. One difference since session 19: the CLI takes the
second look (Settings.second_look "xfeat"), a variant here only with `second_look=1`, so the CLI's
route is `auto:second_look=1` (session 23: the demo frozen, 100.0 that way, 99.1 as plain `auto`).

A matcher may carry verification settings after a colon, to compare variants on one ranking:
`xfeat:glue_keypoints=2048,stop_inliers=0` (rerank.VerifySettings fields; integers), and
`widen=N` (Settings.verify_widen for that variant: verify down to N tiles where nothing is
confident, VerifySettings.confident_at). Columns `verified / photo` (tiles actually verified per
photo, after early stops) and `recall verified` (share of photos whose true tile was among them,
or in their mosaics) measure the candidate list that reached verification.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from geolocator.core.evaluate import positives
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region
from tables import add_row, save  # training/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "data" / "benchmark"
DEFAULT_REGIONS = [ROOT / "resources/demo", *(BENCH / n for n in (
    "vegas", "rotterdam", "vegas-coarse", "rotterdam-coarse", "vegas-blurhaze", "vegas-radiometric", "rotterdam-lowtex",
    "rotterdam-ms", "rotterdam-cir"))]
CANDIDATES = (5, 10, 20, 40)


def subsample(items, n: int | None):
    if not n or n >= len(items):
        return list(items)
    return [items[int(i)] for i in np.linspace(0, len(items) - 1, n).round().astype(int)]


def recall_at(sim: np.ndarray, queries, tiles, c: int) -> float:
    """Share (%) of photos whose true tile is among the top-c of `sim` (the candidate list)."""
    order = np.argsort(-sim, axis=1, kind="stable")[:, :c]
    hits = [positives(q, tiles)[order[i]].any() for i, q in enumerate(queries)]
    return 100.0 * float(np.mean(hits))


def parse_matcher(spec: str) -> tuple[str, dict[str, int]]:
    """'xfeat:glue_keypoints=2048,stop_inliers=0' -> ('xfeat', {'glue_keypoints': 2048, 'stop_inliers': 0});
    'sift:blind_tilts=30/45' -> ('sift', {'blind_tilts': (30.0, 45.0)}); a value with a '.' is a float
    ('sift:second_look_early_exit=0.9')."""
    name, _, options = spec.partition(":")
    pairs = (item.split("=", 1) for item in options.split(",") if item)
    # a tuple field (blind_tilts=30/45) takes floats separated by "/"
    return name, {key: tuple(float(x) for x in value.split("/")) if key.endswith("tilts")
                  else float(value) if "." in value else int(value) for key, value in pairs}


def verified_lists(verifier, queries, tiles) -> tuple[float, float]:
    """(tiles verified per photo, share (%) of photos whose true tile was verified), from the pair
    results the verifier kept (a pair skipped after an early stop is not kept). Through mosaics
    (VerifySettings.mosaic) a verified candidate reaches every tile of its mosaic. Truth only scores."""
    from geolocator.core.cache import file_key
    from geolocator.core.mosaic import NeighbourGrid
    from geolocator.core.rerank import query_outline

    tile_keys = [file_key(t.path, t.window, t.ref) for t in tiles]
    ring = verifier.settings.mosaic
    grid = NeighbourGrid(tiles) if ring > 0 else None
    counts, hits = [], []
    for q in queries:
        photo = verifier.photo_key(q, query_outline(q))  # the key locate verified under
        done = np.array([(photo, k) in verifier._pairs for k in tile_keys])
        counts.append(int(done.sum()))
        if grid is not None:
            covered = np.zeros(len(tiles), bool)
            for j in np.flatnonzero(done):
                covered[grid.around(int(j), ring)] = True
            done = covered
        hits.append(bool((positives(q, tiles) & done).any()))
    return float(np.mean(counts)), 100.0 * float(np.mean(hits))


def dump_photos(path: Path, ws, sim: np.ndarray, tiles) -> None:
    """One row per scored photo of the last locate: the global (unverified) rank of its true tile,
    whether the answer's tile is right, the answer's inliers and error in metres. Truth only scores."""
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["photo", "global_rank", "right", "inliers", "error_m", "source"])
        for i, (q, pred) in enumerate(zip(ws.last.queries, ws.last.predictions)):
            pos = positives(q, tiles)
            order = np.argsort(-sim[i], kind="stable")
            rank = int(np.flatnonzero(pos[order])[0]) + 1 if pos.any() else -1
            right = bool(pos[[t.id for t in tiles].index(pred.top.tile.id)])
            # millimetres: half-pixel fixes move the refined position by centimetres
            out.writerow([Path(q.path).name, rank, int(right), pred.top.inliers,
                          fmt(pred.error_m, "{:.3f}"), pred.location_source])


class _record_dense:
    """Records what core/dense.py's rank_unclear and order_key see and return during one locate
    (the pipeline looks both up on the module at call time), for offline comparison of rules."""

    def __init__(self, folder: Path):
        from geolocator.core import dense

        folder.mkdir(parents=True, exist_ok=True)
        self.calls = []
        self._dense, self._rank, self._order = dense, dense.rank_unclear, dense.order_key
        rank, order, calls = self._rank, self._order, self.calls

        def rank_unclear(queries, tiles, candidates, counts, clear, first, **kw):
            got = rank(queries, tiles, candidates, counts, clear, first, **kw)
            calls.append({"ids": [q.id for q in queries], "candidates": candidates.copy(), "counts": counts.copy(),
                          "clear": clear, "dense": got.copy()})
            return got

        def order_key(scores, dense_scores):
            calls[-1]["scores"] = np.array(scores, copy=True)
            return order(scores, dense_scores)

        dense.rank_unclear, dense.order_key = rank_unclear, order_key

    def save(self, path: Path, ws) -> None:
        """One .npz of the last call (with the truth tile of each photo, for scoring), then unpatch."""
        from geolocator.core.evaluate import positives

        self._dense.rank_unclear, self._dense.order_key = self._rank, self._order
        if not self.calls:
            return
        last = self.calls[-1]
        tiles = ws.tileset.tiles
        by_id = {q.id: q for q in ws.last.queries}  # truth scores only: it never reached the run
        right = np.array([positives(by_id[i], tiles)[row] for i, row in zip(last["ids"], last["candidates"])])
        np.savez(path, ids=np.array(last["ids"]), candidates=last["candidates"], counts=last["counts"],
                 clear=np.asarray(last["clear"]), dense=last["dense"], scores=last.get("scores", np.zeros(0)),
                 right=right, min_inliers=np.asarray(ws._min_inliers(ws.last.queries)))


def fmt(v, pattern="{:.1f}"):
    return "–" if v is None else pattern.format(v)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", nargs="+", type=Path, default=DEFAULT_REGIONS)
    ap.add_argument("--matchers", nargs="+", default=["sift", "xfeat-mnn", "xfeat", "aliked", "disk"])
    ap.add_argument("--modes", nargs="+", default=["frozen", "paper", "best"])
    ap.add_argument("--photos", type=int, help="score an evenly spaced subsample of this many photos per region")
    ap.add_argument("--thin", type=int, default=1, help="score every THIN-th photo of that subsample (a slow "
                    "backend's photos then are a subset of a cheaper run's, whose --per-photo rows give its figures there)")
    ap.add_argument("--warm-tiles", action="store_true", help="describe every tile with a learned backend (its "
                    "keypoint cache) before timing it: the one-off cost is printed per tile after the table, and "
                    "`s / photo` is the cost of locating with the tiles' keypoints stored")
    ap.add_argument("--learned-photos", type=int, help="learned matchers (every one but sift and auto) score an evenly "
                    "spaced subsample of this many of the region's photos, thinned by --thin (24 with --thin 3: session 12's 8), "
                    "while sift / auto score --photos unthinned (default all): one adaptation per mode for both")
    ap.add_argument("--learned-modes", nargs="+", default=None,
                    help="modes in which learned matchers run (default: all of --modes)")
    ap.add_argument("--anchor-matcher", default="sift")
    ap.add_argument("--anchor-options", default="",
                    help="VerifySettings fields for the verifier that adaptation's anchors use (`best`), spelt as a "
                    "matcher variant's: e.g. mosaic=1 or contrast_norm=1,reversed_tones=1")
    ap.add_argument("--dense-dump", type=Path, help="folder: for rows with dense_search=1, one .npz per row of what "
                    "the dense search saw and gave (candidates, inliers, cosines, dense scores, truth tile per photo) "
                    "so rules over them can be compared offline (training/dense_rules.py)")
    ap.add_argument("--per-photo", type=Path, help="folder: one CSV per row (photo, true tile's global rank, "
                    "answer right, inliers, error m), truth only scoring")
    ap.add_argument("--candidates", type=int, default=20, help="tiles verified per photo (C)")
    ap.add_argument("--widen", type=int, default=0, help="Settings.verify_widen (0: off; -1: the default, "
                    "rerank.LEARNED_WIDEN for a learned matcher)")
    ap.add_argument("--cache-dir", type=Path, default=ROOT / "data" / "cache" / "features")
    ap.add_argument("--out", type=Path, default=ROOT / "training" / "results" / "compare_matchers.md")
    ap.add_argument("--steps", type=int, help="adaptation steps (default: the adaptation's own)")
    ap.add_argument("--device", default="cpu", help="Settings.device: cpu (the tables so far), cuda or auto; the "
                    "backbone and the learned matchers run there (Workspace.matcher_device), SIFT on the CPU")
    args = ap.parse_args()
    adapter_dir = Path(tempfile.mkdtemp(prefix="geolocator-compare-matchers-"))  # adapters are not kept

    lines: list[str] = []
    notes: list[str] = []  # printed after the table
    load = os.getloadavg()
    add_row(lines, f"# Matchers x adaptation per region (issue 13)\n\nEfficientNet-Lite0 (offline backbone), "
                   f"{args.candidates} candidates verified per photo, {_device_words(args.device)} (`torch` threads {_threads()}), "
                   f"load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on a 2-core machine "
                   f"shared with other engineers: seconds are under that load. Photos scored per region: "
                   f"{args.photos or 'all'} (evenly spaced){f', one in {args.thin} of them (--thin)' if args.thin > 1 else ''}. Anchors of `best` by `{args.anchor_matcher}`"
                   f"{f' ({args.anchor_options})' if args.anchor_options else ''}.\n")
    add_row(lines, "| region | tiles | photos | adaptation | global R@1 | recall@" + " | recall@".join(map(str, CANDIDATES))
            + " | matcher | verified / photo | recall verified | R@1 | refined median m | s / photo | CPU s / photo "
            "| confidence >= 0.9: right / shown |")
    add_row(lines, "|" + "---|" * (13 + len(CANDIDATES)))
    for region_path in args.regions:
        if not (region_path / "tiles.csv").exists():
            print(f"skip {region_path}: absent (run training/make_public_benchmark.py --regions hard vegas rotterdam)")
            continue
        region = load_region(region_path)
        if args.learned_photos is None:
            scored = learned_scored = subsample(region.queries, args.photos)[:: args.thin]
        else:  # --thin thins only the slow backends' photos: an evenly spaced subset of the region's
            scored = subsample(region.queries, args.photos)
            learned_scored = subsample(region.queries, args.learned_photos)[:: args.thin]
        for mode in args.modes:
            ws = Workspace(Settings(backbone="efficientnet_lite0", top_k=10, cache_dir=args.cache_dir, device=args.device,
                                    verify_candidates=args.candidates, matcher=args.anchor_matcher,
                                    verify_widen=None if args.widen < 0 else args.widen,
                                    adapter_dir=adapter_dir))
            ws.open_tiles(region.tiles)
            ws.index()
            started, adapt_cpu = time.perf_counter(), time.process_time()
            if mode != "frozen":
                _, anchor_options = parse_matcher(f"x:{args.anchor_options}")
                ws.verifier.settings = replace(ws.verifier.settings, **anchor_options)
                anchored = _watch_anchors(ws)
                ws.adapt(region.queries, mode=mode, seed=0, geometric=mode == "best", steps=args.steps)
                if anchored:
                    words = _anchor_words(anchored, region.queries, ws.tileset.tiles)
                    notes.append(f"anchors, {region_path.name}, {mode}: {words}")
            adapt_s = time.perf_counter() - started
            adapt_cpu = time.process_time() - adapt_cpu
            tiles = ws.tileset.tiles
            global_rows: dict[int, tuple] = {}  # photos scored -> (similarity, global R@1, recalls)

            def global_row(photos):
                """The unverified ranking of `photos`: (similarity, global R@1, recall@CANDIDATES)."""
                if id(photos) not in global_rows:
                    ws.settings.verify = False
                    ws.locate(photos)
                    sim = ws.last.similarity
                    global_rows[id(photos)] = (sim, ws.evaluate().r1,
                                               [recall_at(sim, ws.last.queries, tiles, c) for c in CANDIDATES])
                    ws.settings.verify = True
                return global_rows[id(photos)]
            learned_modes = args.learned_modes or args.modes
            for spec in args.matchers:
                name, overrides = parse_matcher(spec)
                learned = name not in ("sift", "auto")
                if learned and mode not in learned_modes:
                    continue
                photos = learned_scored if learned else scored
                sim, global_r1, recalls = global_row(photos)
                ws.set_matcher(name)
                ws._verifier = None  # a fresh verifier per variant: no pair results of the previous one
                widen = overrides.pop("widen", args.widen)
                # second_look=1: core/second_look.py with xfeat (a Workspace setting, not the verifier's)
                ws.settings.second_look = "xfeat" if overrides.pop("second_look", 0) else None
                # second_look_patience=N, second_look_early_exit=X (0: off): the second look's own
                # Workspace settings; absent: their defaults
                for key in ("second_look_patience", "second_look_early_exit"):
                    value = overrides.pop(key, getattr(Settings, key))
                    setattr(ws.settings, key, None if key.endswith("early_exit") and not value else value)
                ws._second = None
                ws.settings.verify_widen = None if widen < 0 else widen
                ws.verifier.settings = replace(ws.verifier.settings, **overrides)
                if args.warm_tiles and learned:  # auto's route is timed as the product runs it
                    started, cpu = time.perf_counter(), time.process_time()
                    for tile in tiles:
                        ws.verifier.tile(tile)
                    notes.append(f"tile keypoints, {region_path.name}, {spec}: {(time.perf_counter() - started) / len(tiles):.2f} s, "
                                 f"{(time.process_time() - cpu) / len(tiles):.2f} CPU s a tile ({len(tiles)} tiles; "
                                 "~0 where the keypoint cache held them)")
                seen = _record_dense(args.dense_dump) if args.dense_dump is not None else None
                started, cpu = time.perf_counter(), time.process_time()
                ws.locate(photos)
                seconds = (time.perf_counter() - started) / len(photos)
                cpu_seconds = (time.process_time() - cpu) / len(photos)  # this process's CPU, all threads
                if seen is not None:
                    seen.save(args.dense_dump / f"{region_path.name}-{mode}-{spec.replace(':', '_')}.npz", ws)
                ev = ws.evaluate()
                per_photo, reached = verified_lists(ws.verifier, ws.last.queries, tiles)
                label = mode if mode == "frozen" else f"{mode} ({adapt_s:.0f} s, {adapt_cpu:.0f} CPU s)"
                if args.per_photo is not None:
                    dump_photos(args.per_photo / f"{region_path.name}-{mode}-{spec.replace(':', '_')}.csv",
                                ws, sim, tiles)
                add_row(lines, f"| {region_path.name} | {len(tiles)} | {len(photos)} | {label} | {global_r1:.1f} | "
                        + " | ".join(f"{r:.1f}" for r in recalls)
                        + f" | {spec}{f' +widen {args.widen}' if args.widen > 0 else ''} | {per_photo:.1f} | {reached:.1f} | {ev.r1:.1f} | {fmt(ev.extra['median_weighted_error_m'])} | {seconds:.2f} | {cpu_seconds:.2f} | {_confident(ev)} |")
    if notes:
        add_row(lines, "\n" + "\n".join(f"- {n}" for n in notes))
    add_row(lines, f"\nload average at the end {os.getloadavg()[0]:.1f}")
    save(lines, args.out, echo=False)
    shutil.rmtree(adapter_dir, ignore_errors=True)


def _watch_anchors(ws) -> list:
    """A list that receives (anchors, summary) of the Workspace's geometric anchors when adaptation
    computes them (Workspace._geometric_anchors, wrapped on this instance only)."""
    seen: list = []
    inner = ws._geometric_anchors

    def wrapped(queries, *args, **kwargs):
        started, cpu = time.perf_counter(), time.process_time()
        anchors, summary = inner(queries, *args, **kwargs)
        seen.append((list(queries), anchors, summary, time.perf_counter() - started, time.process_time() - cpu))
        return anchors, summary

    ws._geometric_anchors = wrapped
    return seen


def _anchor_words(seen: list, queries, tiles) -> str:
    """'N of Q photos anchored (direct D, chained C): R right, W wrong; anchors took S s, C CPU s' of the
    last anchors seen (their time: the direct pass, per-tile anchors and chains). Truth scores only."""
    photos, anchors, summary, wall, cpu = seen[-1]
    right = sum(bool(positives(q, tiles)[a]) for q, a in zip(photos, anchors) if a >= 0)
    placed = int((anchors >= 0).sum())
    return (f"{placed} of {len(photos)} photos anchored (direct {summary['direct']}, chained {summary['chained']}): "
            f"{right} right, {placed - right} wrong; anchors took {wall:.0f} s, {cpu:.0f} CPU s")


def _confident(ev) -> str:
    """'right / shown' of the photos shown with confidence >= 0.9 (the honest-output check)."""
    shown = ev.extra.get("n_confident") or 0
    pct = ev.extra.get("confident_right_pct")
    return f"{round(shown * pct / 100) if shown else 0} / {shown}"


def _device_words(device: str) -> str:
    """'CPU only' or 'CUDA (<GPU name>) for the backbone and learned matchers' for the table's header."""
    from geolocator.core.backbones import resolve_device

    resolved = resolve_device(device)
    if not resolved.startswith("cuda"):
        return "CPU only"
    import torch

    return f"CUDA ({torch.cuda.get_device_name(resolved)}) for the backbone and learned matchers, SIFT on the CPU"


def _threads() -> int:
    import torch

    return torch.get_num_threads()


if __name__ == "__main__":
    main()
