"""Photo thumbnails with and without letterbox/pillarbox bars looked for (session 28, mend28):
query_thumbnail against images.thumbnail over the 108 demo photos at 96 and 192 px, best of 3.
Run: PYTHONPATH=. OMP_NUM_THREADS=1 python training/bench_thumbnail_bars.py (figures in
training/results/mend28_session28.md)."""
import glob, sys, time
from pathlib import Path
from geolocator.core.model import Query
from geolocator.core.media.query_image import query_thumbnail
from geolocator.core.images import thumbnail
paths = sorted(glob.glob("resources/demo/queries/*.jpg"))
for size in (96, 192):
    for name, fn in (("query_thumbnail", lambda p: query_thumbnail(Query(id=p, path=Path(p)), size)),
                     ("images.thumbnail (no bars looked for)", lambda p: thumbnail(Path(p), size))):
        best = None
        for rep in range(3):
            t = time.perf_counter(); c = time.process_time()
            for p in paths:
                fn(p)
            w, cpu = time.perf_counter() - t, time.process_time() - c
            best = (w, cpu) if best is None or cpu < best[1] else best
        print(f"{len(paths)} photos, {size} px, {name}: best of 3: {best[0]:.2f} s wall, {best[1]:.2f} CPU s, {1000*best[1]/len(paths):.2f} CPU ms a photo")
