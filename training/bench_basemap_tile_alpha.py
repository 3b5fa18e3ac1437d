"""The map's basemap from a tile package of a few hundred tiles (alphamap34): what keeping PNG
tiles' own alpha costs against the same tiles as JPEG. Builds (once, in SCRATCH) the demo mosaic
(scale 1.0) clipped to a disc and cut into 256 px XYZ tiles at zoom 21 (~15 m tiles, ~440 of
them), stored as an MBTiles of PNG tiles with alpha and as an MBTiles of JPEG tiles (q90, no
alpha), then, in this process, times render_basemap (BASEMAP_MAX_PX) and the basemap's encode
(webmap.Assets.image), and reports the process's peak resident memory (MB) after drawing and after encoding.

    OMP_NUM_THREADS=2 PYTHONPATH=. .venv/bin/python training/bench_basemap_tile_alpha.py {png|jpg} [SCRATCH]

Run once per kind (a fresh process each, so the peak memory is that drawing's); run with
PYTHONPATH pointing at an older checkout to compare. Record: training/results/alphamap34_session34.md."""

from __future__ import annotations

import io
import resource
import sys
import time
from pathlib import Path

ZOOM = 21


def build(scratch: Path) -> dict[str, Path]:
    out = {"png": scratch / "clip_png.mbtiles", "jpg": scratch / "clip_jpg.mbtiles"}
    if all(p.exists() for p in out.values()):
        return out
    import mercantile
    from PIL import Image, ImageDraw

    from geolocator.core.geo import xyz_tile_bounds
    from tests.tile_packages import demo_mosaic, write_mbtiles

    scratch.mkdir(parents=True, exist_ok=True)
    mosaic, b = demo_mosaic(1.0)
    w, h = mosaic.size
    disc = Image.new("L", mosaic.size, 0)
    ImageDraw.Draw(disc).ellipse((w * 0.1, h * 0.1, w * 0.9, h * 0.9), fill=255)
    rgba = mosaic.convert("RGBA")
    rgba.putalpha(disc)
    png, jpg = {}, {}
    for t in mercantile.tiles(b.west, b.south, b.east, b.north, [ZOOM]):
        tb = xyz_tile_bounds(t.z, t.x, t.y)
        box = ((tb.west - b.west) * w / (b.east - b.west), (b.north - tb.north) * h / (b.north - b.south),
               (tb.east - b.west) * w / (b.east - b.west), (b.north - tb.south) * h / (b.north - b.south))
        im = rgba.transform((256, 256), Image.Transform.EXTENT, box, Image.Resampling.BILINEAR, fillcolor=(0, 0, 0, 0))
        for store, fmt, image in ((png, "PNG", im), (jpg, "JPEG", im.convert("RGB"))):
            buf = io.BytesIO()
            image.save(buf, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
            store[(t.z, t.x, t.y)] = buf.getvalue()
    write_mbtiles(out["png"], png)
    write_mbtiles(out["jpg"], jpg)
    return out


def main(kind: str, scratch: Path) -> None:
    paths = build(scratch)
    import numpy as np

    from geolocator.core import webmap
    from geolocator.core.tilesets import load_tileset

    ts = load_tileset(paths[kind], zoom=ZOOM)
    t0 = time.perf_counter()
    img = webmap.render_basemap(ts)
    t_render = time.perf_counter() - t0
    drawn_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    assets = webmap.Assets(scratch / f"assets_{kind}")
    t0 = time.perf_counter()
    url = assets.image(img, f"basemap_{kind}.jpg")
    t_encode = time.perf_counter() - t0
    written = Path(url.removeprefix("file://"))
    alpha = np.asarray(img)[..., 3] if img.mode == "RGBA" else None
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| {kind} | {len(ts.tiles)} | {img.size[0]} x {img.size[1]} {img.mode} | "
          f"{0.0 if alpha is None else (alpha == 0).mean():.0%} | {t_render:.2f} | {written.suffix} "
          f"{written.stat().st_size:,} | {t_encode:.2f} | {drawn_mb:.0f} | {peak_mb:.0f} |")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/tmp/bench_basemap_tile_alpha"))
