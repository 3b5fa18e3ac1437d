"""Issue 14: tiles at 8 headings and the photo once ("tiles x8") against tiles once and the photo at
N headings 360/N degrees apart ("photo xN"), same score (the max over the relative headings), on the
demo and the public regions.

Rows: frozen features with and without geometric verification, and mode best (geometric anchors,
the product default) with and without verification. Truth scores only. Prints a markdown table row
by row (also written to --out when given; training/results/photo_rotation.md is kept by hand, one
dated section per session on top) with R@1 / R@5 / AP, the forward passes each layout needs, the
adaptation's geometric labels (direct + chained) and the CPU seconds (wall in brackets) of adapting
and locating. The per-photo diff of frozen layouts is training/photo_rotation_diff.py.

  python training/make_public_benchmark.py      # data/benchmark/{vegas,rotterdam}
  python training/compare_photo_rotation.py [--regions ...] [--layouts before after] [--photo-views 8 12]
      [--no-adapt | --adapt-only] [--seed 0] [--cache-dir DIR] [--verify-candidates 20] [--after-candidates 25]
      [--fine-candidates N]
      [--fine-below N] [--centre-adapted] [--em FIELD=VALUE ...]   (session 11: em.Config fields of mode best)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import tempfile
import time
from pathlib import Path

from geolocator.core.model import ROTATION_VIEWS, photo_views
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region
from tables import add_row, save  # training/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REGIONS = [ROOT / "resources/demo", ROOT / "data/benchmark/vegas", ROOT / "data/benchmark/rotterdam"]


def layouts(names, n_photo_views) -> dict:
    """{name: (tile views, photo views)}: "before" tiles x8 and the photo once, "after" tiles once
    and the photo at each of `n_photo_views` headings."""
    out = {}
    if "before" in names:
        out["tiles x8, photo x1"] = (ROTATION_VIEWS, ("rot0",))
    if "after" in names:
        out.update({f"tiles x1, photo x{n}": (("rot0",), photo_views(n)) for n in n_photo_views})
    return out


def run(region, tile_views, query_views, adapt: bool, seed: int, cache_dir: Path | None, adapter_dir: Path,
        steps: int | None = None, candidates: int = 20, fine_candidates: int | None = None,
        fine_below: int | None = None, centre_adapted: bool = False) -> dict:
    """{verify: (Evaluation, adapt (CPU s, wall s), locate (CPU s, wall s), labels text, the fine-pass
    candidates of the verifier that verified)} for one layout;
    `candidates`: Settings.verify_candidates; `fine_candidates`: how many of them SIFT's fine pass
    may reach (VerifySettings.fine_candidates; None: the Workspace's, max(20, candidates) since session 10);
    `fine_below`: VerifySettings.fine_below (None: its default); `centre_adapted`:
    Settings.centre_adapted_views (the photo layout's views centred for adaptation too)."""
    ws = Workspace(Settings(backbone="efficientnet_lite0", top_k=10, cache_dir=cache_dir, tile_views=tile_views,
                            query_views=query_views, adapter_dir=adapter_dir, verify_candidates=candidates,
                            centre_adapted_views=centre_adapted))
    ws.open_tiles(region.tiles)  # drops any verifier: the fine-pass setting goes on the one made after
    if fine_candidates is not None:  # read at each call, so replacing the verifier's settings is enough
        ws.verifier.settings = dataclasses.replace(ws.verifier.settings, fine_candidates=fine_candidates)
    if fine_below is not None:
        ws.verifier.settings = dataclasses.replace(ws.verifier.settings, fine_below=fine_below)
    ws.index()
    ws.embed(region.queries)  # cached here, so adapting and locating below time no feature extraction
    cpu, wall = time.process_time(), time.perf_counter()
    labels = "-"
    if adapt:
        ws.adapt(region.queries, mode="best", seed=seed, steps=steps)
        geometry = ws.adapter.card.get("geometry") or {}
        labels = f"{geometry.get('direct', '?')} + {geometry.get('chained', '?')}" if isinstance(geometry, dict) else str(geometry)
    adapt_s = (time.process_time() - cpu, time.perf_counter() - wall)
    out = {}
    for verify in (False, True):
        ws.settings.verify = verify
        cpu, wall = time.process_time(), time.perf_counter()
        ws.locate(region.queries)
        ev = ws.evaluate()
        out[verify] = (ev, adapt_s, (time.process_time() - cpu, time.perf_counter() - wall), labels,
                       ws.verifier.settings.fine_candidates)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", nargs="+", type=Path, default=DEFAULT_REGIONS)
    parser.add_argument("--seed", type=int, default=0)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--no-adapt", action="store_true", help="frozen features only (no adaptation rows)")
    group.add_argument("--adapt-only", action="store_true", help="mode best rows only (no frozen rows)")
    parser.add_argument("--layouts", nargs="+", choices=["before", "after"], default=["before", "after"])
    parser.add_argument("--photo-views", nargs="+", type=int, default=[8], help="the after layouts' photo headings")
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--verify-candidates", type=int, default=20, help="tiles verified per photo (default 20)")
    parser.add_argument("--after-candidates", type=int,
                        help="tiles verified per photo in the after layouts (default: --verify-candidates; "
                             "session 11's photo x12 verifies 25, tiles x8 20)")
    parser.add_argument("--fine-candidates", type=int,
                        help="candidates SIFT's fine pass may reach (default: the Workspace's, max(20, verified))")
    parser.add_argument("--fine-below", type=int,
                        help="SIFT's fine pass runs below this many inliers (VerifySettings.fine_below)")
    parser.add_argument("--centre-adapted", action="store_true",
                        help="Settings.centre_adapted_views: photo views centred for adaptation too")
    parser.add_argument("--em", nargs="+", default=[],
                        help="FIELD=VALUE em.Config fields replaced in mode best (e.g. knn_views=true)")
    parser.add_argument("--out", type=Path, help="also write the table here")
    parser.add_argument("--steps", type=int, help="adaptation steps (default: the adaptation's own)")
    args = parser.parse_args()
    if args.em:  # Workspace.adapt reads em.MODES["best"] at each call
        from geolocator.core.adapt import em
        from photo_rotation_em_probe import parse_variant

        em.MODES["best"] = dataclasses.replace(em.MODES["best"], **parse_variant(",".join(args.em)))
        print(f"mode best with {args.em}", flush=True)
    adapter_dir = Path(tempfile.mkdtemp(prefix="geolocator-rotation-"))  # adapters are not kept
    lines = [
        "Tiles at 8 headings and the photo once, or tiles once and the photo at N headings; the score is the",
        "max over the relative headings either way. EfficientNet-Lite0, mode best with geometric anchors,",
        f"seed {args.seed}, {args.verify_candidates} tiles verified per photo"
        f"{'' if args.after_candidates is None else f' ({args.after_candidates} in the photo-rotated layouts)'}. Forward passes = tiles x tile views + "
        "photos x photo views.",
        f"Load average at the start: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}.",
        "",
        "| region | layout | forward passes | adaptation | labels (direct + chained) | verification | R@1 | R@5 | AP "
        "| adapt CPU s (wall) | locate CPU s (wall) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    modes = (True,) if args.adapt_only else (False,) if args.no_adapt else (False, True)
    fine = set()  # the fine-pass candidates of the verifiers used, read back from them
    for path in args.regions:
        region = load_region(path)
        name = f"{path.name} ({len(region.tiles)} tiles, {len(region.queries)} photos)"
        for layout, (tv, qv) in layouts(args.layouts, args.photo_views).items():
            candidates = args.verify_candidates if len(qv) == 1 or args.after_candidates is None \
                else args.after_candidates
            passes = len(region.tiles) * len(tv) + len(region.queries) * len(qv)
            for adapt in modes:
                for verify, (ev, (a_cpu, a_wall), (l_cpu, l_wall), labels, n_fine) in run(
                        region, tv, qv, adapt, args.seed, args.cache_dir, adapter_dir, args.steps,
                        candidates, args.fine_candidates, args.fine_below,
                        args.centre_adapted).items():
                    add_row(lines, f"| {name} | {layout} | {passes} | {'best' if adapt else 'none'} | {labels} | "
                                   f"{'yes' if verify else 'no'} | {ev.r1:.1f} | {ev.r5:.1f} | {ev.ap:.1f} | "
                                   f"{a_cpu:.0f} ({a_wall:.0f}) | {l_cpu:.0f} ({l_wall:.0f}) |")
                    fine.add(n_fine)
    if args.em:
        lines.append(f"\nmode best with em.Config fields replaced: {' '.join(args.em)}.")
    lines.append(f"\nSIFT's fine pass reached the first {' / '.join(map(str, sorted(fine)))} verified candidates "
                 "(VerifySettings.fine_candidates of the verifiers used); fine_below "
                 f"{args.fine_below}, centre_adapted_views {args.centre_adapted}.")
    lines.append(f"\nLoad average at the end: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}.")
    save(lines, args.out, echo=False)
    shutil.rmtree(adapter_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
