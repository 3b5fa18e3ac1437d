"""Command line: index a tile set, locate drone images, adapt to a region, evaluate.

Progress goes to stderr (tqdm) so that `eval --json` prints exactly one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from .core.errors import GeolocatorError
from .core.progress import ProgressEvent

log = logging.getLogger("geolocator")


class TqdmProgress:
    """Renders ProgressEvents as one tqdm bar per stage on stderr."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._bars: dict[str, object] = {}

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self._bars.get(event.stage)
        if bar is None:
            bar = self._bars[event.stage] = tqdm(total=event.total, desc=event.stage, file=sys.stderr, leave=True)
        bar.total = event.total
        bar.n = event.step
        if event.metrics:
            bar.set_postfix({k: (round(v, 4) if isinstance(v, float) else v) for k, v in event.metrics.items()}, refresh=False)
        bar.refresh()
        if event.step >= event.total:
            bar.close()
            del self._bars[event.stage]

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()


# -- argument helpers --------------------------------------------------------------------------
def _add_common(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("backbone and cache")
    g.add_argument("--backbone", default="auto", help="auto (DINOv2 if its weights are here, else EfficientNet-Lite0), "
                   "dinov2_vits14|vitb14|vitl14|vitg14, efficientnet_lite0, timm:<name>, or a TorchScript .pt file")
    g.add_argument("--weights", type=Path, help="weights file (safetensors, or a state dict) or local-dir:FOLDER")
    g.add_argument("--device", default="auto", help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:1, mps")
    g.add_argument("--pooling", default="gem", choices=["gem", "cls"], help="global feature of a ViT backbone")
    g.add_argument("--cache-dir", type=Path, help="feature cache folder (default: the user cache dir)")
    g.add_argument("--tile-views", type=int, choices=[1, 2, 4, 8],
                   help="headings each tile is indexed at (default: 8 up to 10,000 tiles, else 1 and the "
                        "photos are rotated instead)")
    g.add_argument("--photo-views", type=int, choices=[1, 2, 4, 8],
                   help="headings each drone photo is embedded at (default: 8 when tiles have one view, else 1)")
    g.add_argument("--batch-size", type=int, default=32)
    g.add_argument("--no-verify", dest="verify", action="store_false",
                   help="no local-feature geometry: neither verification of the best tiles when locating, "
                        "nor geometric anchors when adapting (mode best then learns from features alone)")
    g.add_argument("--verify-candidates", type=int, default=20, help="tiles verified per photo")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def _add_tileset_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("tile set formats")
    g.add_argument("--epsg", type=int, help="CRS of world-file tiles")
    g.add_argument("--tms", action="store_true", help="XYZ folder counts rows from the south (TMS)")
    g.add_argument("--tile-size-m", type=float, default=100.0, help="ground size of tiles cut from a GeoTIFF")
    g.add_argument("--overlap", type=float, default=0.0, help="overlap fraction of tiles cut from a GeoTIFF")


def _add_adapt_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mode", default="best", choices=["best", "paper"], help="best (default) or the paper's procedure")
    p.add_argument("--steps", type=int, help="EM steps (default: the mode's own)")
    p.add_argument("--seed", type=int, default=0)


def _workspace(args):
    from .core.pipeline import ROTATION_VIEWS, Settings, Workspace

    views = None if args.tile_views is None else ROTATION_VIEWS[:: 8 // args.tile_views]
    photo_views = getattr(args, "photo_views", None)
    settings = Settings(
        backbone=args.backbone, weights=args.weights, device=args.device, pooling=args.pooling,
        top_k=getattr(args, "top_k", 5), tile_views=views, batch_size=args.batch_size, cache_dir=args.cache_dir,
        query_views=None if photo_views is None else ROTATION_VIEWS[:: 8 // photo_views],
        verify=args.verify, verify_candidates=args.verify_candidates,
    )
    ws = Workspace(settings)
    b = ws.backbone
    if b.fallback_reason:
        log.warning(b.fallback_reason)
    log.info("backbone %s (%d-d) on %s", b.name, b.dim, b.device)
    return ws


def _load_tiles(path: Path, args):
    from .core.tilesets import load_tileset

    return load_tileset(path, epsg=args.epsg, tms=args.tms, tile_size_m=args.tile_size_m, overlap=args.overlap)


def _load_queries(paths: list[Path]):
    from .core.queries import load_queries, load_region

    if len(paths) == 1 and (paths[0] / "tiles.csv").is_file():
        return load_region(paths[0]).queries
    return load_queries(paths[0] if len(paths) == 1 else paths)


# -- commands -----------------------------------------------------------------------------------
def cmd_index(args) -> int:
    progress = TqdmProgress(not args.quiet)
    ws = _workspace(args)
    ws.open_tiles(_load_tiles(args.tileset, args))
    compute = None
    if args.ray is not None:  # spread extraction over a Ray cluster (core/ray_index.py)
        from .core.ray_index import ray_compute

        compute = ray_compute(ws.backbone, source=args.backbone, address=None if args.ray == "local" else args.ray,
                              workers=args.ray_workers, batch_size=args.batch_size, weights=args.weights)
        log.info("extracting on %d Ray workers", compute.workers)
    features = ws.index(progress=progress, compute=compute)
    print(f"indexed {features.shape[0]} tiles x {features.shape[1]} views ({features.shape[2]}-d, {ws.backbone.name}) "
          f"into {ws.store.root}")
    for reason in ws.tile_failures.values():
        log.warning("%s", reason)
    return 0


def cmd_locate(args) -> int:
    from .core.adapt import RegionAdapter
    from .core.export import write_csv, write_geojson

    progress = TqdmProgress(not args.quiet)
    ws = _workspace(args)
    ws.open_tiles(_load_tiles(args.tiles, args))
    if args.adapter:
        ws.set_adapter(RegionAdapter.load(args.adapter, expect_backbone=ws.backbone.name))
    predictions = ws.locate(_load_queries(args.queries), progress=progress)
    for path, reason in ws.last.failures.items():
        log.warning("skipped %s: %s", path, reason)
    if args.out:
        if args.out.suffix.lower() == ".csv":
            write_csv(predictions, args.out)
        else:
            write_geojson(predictions, args.out, tile_footprints=args.footprints)
        print(f"wrote {len(predictions)} predictions to {args.out}")
    else:
        for p in predictions:
            print(f"{p.query.id}\t{p.location.lat:.7f}\t{p.location.lon:.7f}\t{p.top.tile.id}\t"
                  f"score={p.top.score:.3f}\tconfidence={p.confidence:.2f}")
    return 0


def _evaluation_json(ev, ws, seconds: float, adapted: bool) -> dict:
    out = {
        "r1": round(ev.r1, 2), "r5": round(ev.r5, 2), "r10": round(ev.r10, 2), "ap": round(ev.ap, 2),
        "median_error_m": None if ev.median_error_m is None else round(ev.median_error_m, 2),
        "mean_error_m": None if ev.mean_error_m is None else round(ev.mean_error_m, 2),
        "n_queries": ev.n_queries, "n_tiles": ev.n_tiles,
        "backbone": ws.backbone.name, "device": ws.backbone.device, "tile_views": len(ws.views()[0]),
        "photo_views": len(ws.views()[1]),
        "verified": ws.settings.verify,
        "adapted": adapted, "seconds": round(seconds, 2),
    }
    if adapted:
        out["mode"] = ws.adapter.mode
        geometry = (getattr(ws.adapter, "card", None) or {}).get("geometry")
        if geometry is not None:
            out["geometry"] = geometry  # how many photos adaptation placed by local-feature geometry
    out.update({k: v for k, v in ev.extra.items() if v is not None})
    if ws.backbone.fallback_reason:
        out["fallback_reason"] = ws.backbone.fallback_reason
    return out


def cmd_eval(args) -> int:
    from .core.adapt import RegionAdapter
    from .core.queries import load_region

    started = time.perf_counter()
    progress = TqdmProgress(not args.quiet)
    region = load_region(args.region)
    ws = _workspace(args)
    ws.open_tiles(region.tiles)
    adapted = False
    if args.adapter:
        ws.set_adapter(RegionAdapter.load(args.adapter, expect_backbone=ws.backbone.name))
        adapted = True
    elif args.adapt:
        # Transductive: adapt on this region's own unlabeled tiles and drone images, then evaluate.
        ws.adapt(region.queries, mode=args.mode, steps=args.steps, seed=args.seed, save_to=args.save_adapter,
                 progress=progress)
        adapted = True
    predictions = ws.locate(region.queries, progress=progress)
    ev = ws.evaluate(predictions)
    progress.close()
    if ev is None:
        raise GeolocatorError(f"{args.region}: no query has a known location (truth.csv or EXIF GPS); nothing to evaluate")
    result = _evaluation_json(ev, ws, time.perf_counter() - started, adapted)
    if args.json:
        print(json.dumps(result))
    else:
        mode = f" ({result['mode']})" if adapted else ""
        print(f"{args.region}: {ev.n_queries} queries, {ev.n_tiles} tiles, backbone {result['backbone']} on "
              f"{result['device']}, adapted: {adapted}{mode}")
        print(f"  R@1 {ev.r1:.1f}  R@5 {ev.r5:.1f}  R@10 {ev.r10:.1f}  AP {ev.ap:.1f}")
        if ev.median_error_m is not None:
            print(f"  error: median {ev.median_error_m:.1f} m, mean {ev.mean_error_m:.1f} m")
        print(f"  {result['seconds']:.1f} s")
    return 0


def cmd_adapt(args) -> int:
    from .core.queries import load_region

    progress = TqdmProgress(not args.quiet)
    region = load_region(args.region)
    ws = _workspace(args)
    ws.open_tiles(region.tiles)
    adapter = ws.adapt(region.queries, mode=args.mode, steps=args.steps, seed=args.seed, save_to=args.out,
                       progress=progress)
    progress.close()
    print(f"saved the {adapter.mode} adapter to {args.out or ws.default_adapter_path()}")
    geometry = adapter.card.get("geometry") or {}
    if geometry.get("used"):
        print(f"  photos placed by geometry: {geometry['direct']} matched a tile, {geometry['chained']} through "
              f"another photo, {geometry['unlabelled']} left to the features")
    return 0


def cmd_eval_u1652(args) -> int:
    import numpy as np

    from .core.adapt import run_u1652
    from .core.extract import extract_features
    from .core.model import Query

    progress = TqdmProgress(not args.quiet)
    ws = _workspace(args)

    def features(paths):
        # Satellite images are north-up like tiles and get the same rotation views; drone photos one.
        paths = list(paths)
        satellite = bool(paths) and "satellite" in paths[0].parent.parent.name
        # U1652 drone images are oblique views of one building (rotating them in the image plane is
        # not a change of heading), so the satellite side takes the headings (--tile-views, default 8).
        views = ROTATION_VIEWS[:: 8 // (args.tile_views or 8)] if satellite else ("rot0",)
        items = [Query(str(p), p) for p in paths]
        result = extract_features(items, ws.backbone, views=views, cache=ws.cache, batch_size=args.batch_size,
                                  progress=progress, stage=f"extract:{paths[0].parent.parent.name if paths else ''}")
        for i, reason in result.failed.items():
            log.warning("%s", reason)
        return result.features if satellite else np.ascontiguousarray(result.features[:, 0])

    result = run_u1652(args.root, features, adapt_on=args.adapt_on, mode=None if args.no_adapt else args.mode,
                       steps=args.steps, seed=args.seed, device=ws.backbone.device, progress=progress)
    progress.close()
    result.update(backbone=ws.backbone.name, device=ws.backbone.device)
    print(json.dumps(result) if args.json else json.dumps(result, indent=1))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geolocator",
        description="Locate drone photos in georeferenced satellite tiles, adapted to the region without labels. "
        "Run with no arguments to open the desktop app.",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="extract and cache the features of a tile set")
    p.add_argument("tileset", type=Path, help="tiles.csv, a region folder, an XYZ folder, a world-file folder or a GeoTIFF")
    p.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                   help="spread extraction over a Ray cluster (ADDRESS: auto, host:6379 or ray://host:10001; "
                        "none: a local instance). Needs pip install \"geolocator[ray]\"")
    p.add_argument("--ray-workers", type=int, help="Ray actors, each with the backbone loaded once (default: one per CPU)")
    _add_tileset_options(p)
    _add_common(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("locate", help="locate drone images in a tile set")
    p.add_argument("queries", type=Path, nargs="+", help="drone images, folders of them, or a region folder")
    p.add_argument("--tiles", type=Path, required=True, help="the tile set (any supported format) or a region folder")
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--out", type=Path, help="write predictions: .geojson/.json (GeoJSON) or .csv")
    p.add_argument("--footprints", action="store_true", help="add the matched tiles' footprints to the GeoJSON")
    p.add_argument("--adapter", type=Path, help="a region adapter saved by 'geolocator adapt'")
    _add_tileset_options(p)
    _add_common(p)
    p.set_defaults(func=cmd_locate)

    p = sub.add_parser("eval", help="locate a region's drone images and score them against its truth")
    p.add_argument("region", type=Path)
    p.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    p.add_argument("--adapt", action="store_true", help="adapt to the region (no labels) before evaluating")
    p.add_argument("--adapter", type=Path, help="use a saved region adapter instead")
    p.add_argument("--save-adapter", type=Path, help="with --adapt: where to save the adapter")
    p.add_argument("--top-k", type=int, default=10)
    _add_adapt_options(p)
    _add_common(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("adapt", help="adapt to a region without labels and save the adapter")
    p.add_argument("region", type=Path)
    p.add_argument("--out", type=Path, help="adapter file (.safetensors; default: the app's adapter folder)")
    _add_adapt_options(p)
    _add_common(p)
    p.set_defaults(func=cmd_adapt)

    p = sub.add_parser("eval-u1652", help="University-1652: adapt without labels, report the official metrics")
    p.add_argument("root", type=Path, help="the dataset folder holding train/ and test/")
    p.add_argument("--adapt-on", default="train", choices=["train", "test"])
    p.add_argument("--no-adapt", action="store_true", help="evaluate the frozen features only")
    p.add_argument("--json", action="store_true")
    _add_adapt_options(p)
    _add_common(p)
    p.set_defaults(func=cmd_eval_u1652)
    parser.commands = tuple(sub.choices)  # the subcommand names, for __main__'s app-or-CLI choice
    return parser


def command_names() -> set[str]:
    """The subcommands (and the top-level flags) that make `geolocator` the CLI rather than the app."""
    return set(build_parser().commands) | {"-h", "--help", "-v", "--verbose"}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Our own messages at INFO; libraries (faiss announces its loader) only from WARNING up.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr)
    log.setLevel(logging.DEBUG if args.verbose else logging.INFO)
    try:
        return args.func(args)
    except GeolocatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
