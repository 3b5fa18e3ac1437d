"""Session 13 (mend, item 4): does a frozen locate before adaptation, in the same Workspace, change
what adaptation learns or what the adapted locate answers? (training/results/auto_route.md: vegas-
coarse 95.2 through the app's path, 96.0 through `geolocator eval --adapt`, one photo of 126.)

Three paths in one process, the CLI's settings (`--matcher auto`), mode best, seed 0:
  fresh:  open_tiles -> index -> adapt -> locate             (what `eval --adapt` does)
  app:    open_tiles -> index -> locate (frozen) -> adapt -> locate   (auto_route_app_path.py)
  app-uncovered: as app, but the verifier holds only the frozen locate's pair results, not which
          mosaics it verified for each photo (Verifier._covered, mosaic_once): a new workspace whose
          verifier is given the app path's pairs as they were after its frozen locate.
Compared: the geometric labels (tile per photo), the adapter's tensors (bitwise), each photo's top
tile and hit after adaptation; for each photo whose answer differs, what the adapted locate's
verifier skipped as covered and which pair results it reused. Truth only scores.

    OMP_NUM_THREADS=1 PYTHONPATH=. nice -n 19 python training/frozen_pass_state_probe.py \
        data/benchmark/vegas-coarse --cache-dir out/cache --json out/probe/vegas-coarse.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
from auto_route_app_path import clock, since  # training/ is on sys.path when run as a script


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("region", type=Path)
    p.add_argument("--cache-dir", type=Path, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path)
    p.add_argument("--paths", nargs="+", default=["fresh", "app", "app-uncovered"],
                   choices=["fresh", "app", "app-uncovered"],
                   help="app-uncovered means something only before session 13's mend: since it the "
                        "verifier's kept pair results are not an input to a call's answer")
    args = p.parse_args()

    from safetensors.numpy import load_file

    from geolocator.cli import _workspace, build_parser
    from geolocator.core.evaluate import positives
    from geolocator.core.queries import load_region
    from geolocator.core.rerank import Verifier

    region = load_region(args.region)
    queries = region.queries
    cli = build_parser().parse_args(["eval", str(args.region), "--matcher", "auto", "--cache-dir", str(args.cache_dir)])
    print(f"{args.region.name}: {len(queries)} photos, seed {args.seed}, load at the start "
          f"{'/'.join(f'{x:.1f}' for x in os.getloadavg())}, {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC",
          flush=True)

    # what each adapted locate's verify_photo call found already there (recorded only while `watch`)
    watch: dict | None = None
    real_verify_photo = Verifier.verify_photo

    def verify_photo(self, query, tiles, candidates, footprint_m=None, **kw):
        if watch is not None:
            key = self.photo_key(query, footprint_m)
            covered = set(self._covered.get(key, ()))
            from geolocator.core.cache import file_key

            kept = [int(t) for t in candidates
                    if (key, file_key(tiles[int(t)].path, tiles[int(t)].window, tiles[int(t)].ref)) in self._pairs]
            out = real_verify_photo(self, query, tiles, candidates, footprint_m, **kw)
            watch.setdefault(query.id, []).append({
                "candidates": [int(t) for t in candidates], "kept": kept,
                "covered_before": sorted(int(t) for t in covered & {int(c) for c in candidates}),
                "inliers": [int(v.inliers) for v in out]})
            return out
        return real_verify_photo(self, query, tiles, candidates, footprint_m, **kw)

    Verifier.verify_photo = verify_photo
    tiles = region.tiles.tiles
    pos = [positives(q, tiles) for q in queries]
    out: dict = {"region": str(args.region), "seed": args.seed, "load_start": os.getloadavg()[0], "paths": {}}

    def run(name, frozen_first, pairs=None):
        nonlocal watch
        start = clock()
        ws = _workspace(cli)
        ws.open_tiles(region.tiles)
        ws.index()
        row: dict = {}
        snapshot = None
        if frozen_first:
            ws.locate(queries)
            row["frozen_r1"] = round(ws.evaluate().r1, 1)
            snapshot = dict(ws.verifier._pairs)
        if pairs is not None:
            ws.verifier._pairs.update(pairs)
        labels = {}
        real_anchors = ws._geometric_anchors

        def anchors(*a, **k):
            found = real_anchors(*a, **k)
            labels["anchors"] = found[0].tolist()
            return found

        ws._geometric_anchors = anchors
        save = args.cache_dir / "probe-adapters" / f"{args.region.name}-{name}.safetensors"
        save.parent.mkdir(parents=True, exist_ok=True)
        ws.adapt(queries, mode="best", seed=args.seed, save_to=save)
        watch = {}
        preds = ws.locate(queries)
        seen, watch = watch, None
        ev = ws.evaluate(preds)
        top = [tiles.index(pr.top.tile) if pr.top.tile in tiles else -1 for pr in preds]
        row.update({"r1": round(ev.r1, 1), "anchors": labels["anchors"], "top": top,
                    "hit": [bool(m[t]) if t >= 0 else False for m, t in zip(pos, top)],
                    "calls": seen, "adapter": str(save), "wall_cpu_s": since(start)})
        print(name, "R@1", row["r1"], "frozen", row.get("frozen_r1"), "wall/CPU s", row["wall_cpu_s"], flush=True)
        return row, snapshot

    paths = {"fresh": run("fresh", False)[0]}
    snapshot = None
    if "app" in args.paths or "app-uncovered" in args.paths:
        paths["app"], snapshot = run("app", True)
    if "app-uncovered" in args.paths:
        paths["app-uncovered"] = run("app-uncovered", False, pairs=snapshot)[0]
    fresh = paths["fresh"]
    tensors = {k: load_file(v["adapter"]) for k, v in paths.items()}
    for name in [k for k in paths if k != "fresh"]:
        other = paths[name]
        same_tensors = tensors[name].keys() == tensors["fresh"].keys() and all(
            np.array_equal(tensors[name][k], tensors["fresh"][k]) for k in tensors["fresh"])
        differ = [i for i in range(len(queries)) if other["top"][i] != fresh["top"][i]]
        print(f"\n{name} vs fresh: R@1 {other['r1']} vs {fresh['r1']}; labels identical: "
              f"{other['anchors'] == fresh['anchors']}; adapter tensors identical: {same_tensors}; "
              f"photos answered differently: {len(differ)}", flush=True)
        for i in differ:
            q = queries[i].id
            print(f"  {q}: top tile {fresh['top'][i]} (hit {fresh['hit'][i]}) fresh, {other['top'][i]} "
                  f"(hit {other['hit'][i]}) {name}", flush=True)
            print(f"    fresh calls: {fresh['calls'].get(q)}", flush=True)
            print(f"    {name} calls: {other['calls'].get(q)}", flush=True)
        out[f"{name}_vs_fresh"] = {"labels_identical": other["anchors"] == fresh["anchors"],
                                   "adapter_identical": same_tensors, "differ": [queries[i].id for i in differ]}
    out["paths"] = {k: {kk: vv for kk, vv in v.items() if kk != "calls"} for k, v in paths.items()}
    out["load_end"] = os.getloadavg()[0]
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
