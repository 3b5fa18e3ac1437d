"""Issue 14, session 7: mode best (geometric anchors, seed 0) on one region in one layout (tiles: tiles
at 8 headings, photo once; photo: tiles once, photo at 8 headings), then R@1/R@5/AP without and with
verification, with CPU and wall seconds. Truth scores only.

  python training/photo_rotation_adapt.py REGION tiles|photo CACHE_DIR
"""
import os, sys, time, tempfile
from pathlib import Path
from geolocator.core.model import ROTATION_VIEWS
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region
region_path, layout, cache = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
tv, qv = {"tiles": (ROTATION_VIEWS, ("rot0",)), "photo": (("rot0",), ROTATION_VIEWS)}[layout]
region = load_region(region_path)
print("load", os.getloadavg(), flush=True)
ws = Workspace(Settings(backbone="efficientnet_lite0", top_k=10, cache_dir=cache, tile_views=tv, query_views=qv,
                        adapter_dir=Path(tempfile.mkdtemp())))
ws.open_tiles(region.tiles); ws.index(); ws.embed(region.queries)
c0, w0 = time.process_time(), time.time()
ws.adapt(region.queries, mode="best", seed=0)
print(layout, "anchors", ws.adapter.card.get("geometry"), f"adapt cpu {time.process_time()-c0:.0f}s wall {time.time()-w0:.0f}s", flush=True)
for verify in (False, True):
    ws.settings.verify = verify
    c0, w0 = time.process_time(), time.time()
    ws.locate(region.queries); ev = ws.evaluate()
    print(f"{region_path.name} {layout} best verify={verify} R@1 {ev.r1:.1f} R@5 {ev.r5:.1f} AP {ev.ap:.1f} cpu {time.process_time()-c0:.0f}s wall {time.time()-w0:.0f}s", flush=True)
print("load", os.getloadavg(), flush=True)
