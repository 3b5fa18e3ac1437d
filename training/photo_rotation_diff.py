"""Issue 14, session 7: why verified R@1 differs between the two layouts (tiles at 8 headings and the
photo once, vs tiles once and the photo at 8 headings, views centred) on frozen features, photo by
photo. Both layouts verify with ONE shared Verifier, so a photo-tile pair gets the same inliers in
both: every difference comes from the candidates (the 20 verified) and the cosines that order the
unverified. Prints, for each photo right in one layout only: the global rank of its tile in each
layout, whether it was among the 20 verified and with how many inliers, and the best-verified
tiles. Truth scores only.

  python training/photo_rotation_diff.py --region resources/demo --cache-dir out/cache
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from geolocator.core.evaluate import positives
from geolocator.core.model import ROTATION_VIEWS
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region
from geolocator.core.rerank import verified_ranking

LAYOUTS = {"tiles x8": (ROTATION_VIEWS, ("rot0",)), "photo x8": (("rot0",), ROTATION_VIEWS)}


def layout_run(region, tile_views, photo_views, cache_dir, verifier=None) -> dict:
    """One layout's frozen candidates, verification and ranking (what Workspace.locate computes)."""
    ws = Workspace(Settings(backbone="efficientnet_lite0", top_k=10, cache_dir=cache_dir, tile_views=tile_views,
                            query_views=photo_views))
    ws.open_tiles(region.tiles)
    tiles = ws.index()
    if verifier is not None:
        ws._verifier = verifier
    ok, photos, _ = ws.embed(region.queries)
    source = ws._candidates(ok, ws._centred(photos), tiles, None, None)
    need = ws._min_inliers(ok)
    found = ws._verify(ok, source, need, None, None)
    ranking = verified_ranking(source.matrix, found.candidates, found.counts, need)
    return dict(ws=ws, ok=ok, cosine=source.matrix, top20=source.top(ws.settings.verify_candidates)[1],
                verified=found.candidates, counts=found.counts, top1=ranking.argmax(axis=1), need=need)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path)
    args = parser.parse_args()
    region = load_region(args.region)
    print(f"load average at the start: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}")
    runs, verifier = {}, None
    for name, (tv, pv) in LAYOUTS.items():
        runs[name] = layout_run(region, tv, pv, args.cache_dir, verifier)
        verifier = runs[name]["ws"].verifier
    ok = runs["tiles x8"]["ok"]
    pos = np.array([positives(q, region.tiles.tiles) for q in ok])
    rows = np.arange(len(ok))
    right = {n: pos[rows, r["top1"]] for n, r in runs.items()}
    for n, r in runs.items():
        in20 = np.array([pos[i, r["top20"][i]].any() for i in rows])
        print(f"{n}: verified R@1 {100 * right[n].mean():.1f}, tile among the 20 verified {100 * in20.mean():.1f} %")
    print(f"right in both {int((right['tiles x8'] & right['photo x8']).sum())}, tiles x8 only "
          f"{int((right['tiles x8'] & ~right['photo x8']).sum())}, photo x8 only "
          f"{int((~right['tiles x8'] & right['photo x8']).sum())}, neither {int((~right['tiles x8'] & ~right['photo x8']).sum())}")
    for i in np.flatnonzero(right["tiles x8"] != right["photo x8"]):
        print(ok[i].id)
        for n, r in runs.items():
            cos = r["cosine"][i]
            rank = min(int((cos > cos[t]).sum()) + 1 for t in np.flatnonzero(pos[i]))
            own = [int(c) for c, k in zip(r["verified"][i], r["counts"][i]) if pos[i, c]]
            best = np.argsort(-r["counts"][i], kind="stable")[:2]
            print(f"  {n}: {'right' if right[n][i] else 'wrong'}, tile's cosine rank {rank}, "
                  f"{'verified: ' + str([int(r['counts'][i][list(r['verified'][i]).index(t)]) for t in own]) + ' inliers' if own else 'not among the verified'}; "
                  f"most inliers: {[(int(r['verified'][i][b]), int(r['counts'][i][b])) for b in best]} (need {int(r['need'][i])})")
    print(f"load average at the end: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
