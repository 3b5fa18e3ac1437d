"""Issue 14, session 8: frozen recall@k (features only, no verification) of score fusions in the
photo-rotation layout, against tiles at 8 headings: the photo's N views centred (locate's search),
raw, the sum of the two per-photo z-scored cosine rows, and (for reference: it needs BOTH layouts'
features, so it is no cheaper than tiles x8) centred photo views + tiles x8. Scores stay the max over
headings inside each layout. Truth scores only. Features come from the cache photo_rotation_diff.py fills.

  python training/photo_rotation_fusion.py CACHE_DIR REGION [REGION ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from geolocator.core.evaluate import positives
from geolocator.core.model import ROTATION_VIEWS, photo_views
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region
from geolocator.core.retrieval import centre_photo_views, similarity
from photo_rotation_diff import tile_ranks, zscore  # training/ is on sys.path when run as a script


def features(region, tile_views, views, cache: Path):
    """(photos read, photo features (Q, Vq, D), tile features (N, Vt, D)) as float32."""
    ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=cache, tile_views=tile_views, query_views=views))
    ws.open_tiles(region.tiles)
    tiles = ws.index()
    ok, photos, _ = ws.embed(region.queries)
    return ok, np.asarray(photos, np.float32), np.asarray(tiles, np.float32)


def main() -> None:
    cache = Path(sys.argv[1])
    for path in map(Path, sys.argv[2:]):
        region = load_region(path)
        ok, photo, tiles8 = features(region, ROTATION_VIEWS, ("rot0",), cache)
        pos = np.array([positives(q, region.tiles.tiles) for q in ok])
        rows = {"tiles x8": similarity(photo, tiles8)}
        for n in (8, 12):
            ok_n, q, tiles1 = features(region, ("rot0",), photo_views(n), cache)
            assert [p.id for p in ok_n] == [p.id for p in ok]
            raw, centred = similarity(q, tiles1), similarity(centre_photo_views(q), tiles1)
            rows[f"photo x{n} centred"], rows[f"photo x{n} raw"] = centred, raw
            rows[f"photo x{n} z(raw) + z(centred)"] = zscore(raw) + zscore(centred)
            rows[f"photo x{n} centred + tiles x8, z-scored"] = zscore(centred) + zscore(rows["tiles x8"])
        for name, m in rows.items():
            r = tile_ranks(m, pos)
            print(f"| {path.name} | {name} | " + " | ".join(f"{100 * (r <= k).mean():.1f}" for k in (1, 5, 10, 20)) + " |",
                  flush=True)


if __name__ == "__main__":
    main()
