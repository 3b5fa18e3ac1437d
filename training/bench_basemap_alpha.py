"""The map's basemap with transparency (kmzmap33): what keeping the tiles' no data transparent
costs. (1) The 25°-rotated demo KMZ (tests/test_kml_overlay.py's construction): the basemap's
encoded size and encode time as the JPEG it was, WebP with alpha (what webmap writes where Pillow
has libwebp) and PNG (the fallback; zlib 1 and 6). (2) render_basemap's time on a 6000 x 6000
GeoTIFF with a nodata value cut in 30 m windows (the no-data mask read once per file).

    OMP_NUM_THREADS=2 PYTHONPATH=. .venv/bin/python training/bench_basemap_alpha.py [SCRATCH]

SCRATCH (default /tmp/bench_basemap_alpha) holds the KMZ, its north-up copy and the GeoTIFF.
Prints Markdown table rows; record: training/results/kmzmap33_session33.md."""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path


def _timed(f):
    t0 = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0


def main(scratch: Path) -> None:
    scratch.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("GEOLOCATOR_NORTHUP_DIR", str(scratch / "northup"))
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    from geolocator.core import webmap
    from geolocator.core.sources import registry
    from geolocator.core.sources.registry import LoadOptions
    from tests.flight_helpers import demo_mosaic
    from tests.test_kml_overlay import _box, _kml, _kmz, _rotated_overlay_image

    mosaic, b = demo_mosaic(0.5)
    kmz = _kmz(scratch / "rot25.kmz", _kml(_box(b, 25.0)), _rotated_overlay_image(mosaic, b, 25.0))
    ts = registry.load(kmz, LoadOptions(tile_size_m=100.0))
    img, t = _timed(lambda: webmap.render_basemap(ts))
    alpha = np.asarray(img)[..., 3] if img.mode == "RGBA" else None
    print(f"rotated KMZ: {len(ts.tiles)} tiles, basemap {img.size[0]} x {img.size[1]} {img.mode}, drawn in {t:.2f} s, "
          f"{0.0 if alpha is None else (alpha == 0).mean():.0%} transparent")

    def save(fmt, **kw):
        buf = io.BytesIO()
        img.save(buf, fmt, **kw)
        return buf.getvalue()

    print("| format | bytes | encode s |\n|---|---|---|")
    for name, f in [("JPEG q82 (before: no alpha)", lambda: webmap._jpeg_bytes(img)),
                    ("WebP q82 + lossless alpha (now)", lambda: save("WEBP", quality=82)),
                    ("PNG zlib 1 (now, no libwebp)", lambda: save("PNG", compress_level=1)),
                    ("PNG zlib 6", lambda: save("PNG", compress_level=6))]:
        data, t = _timed(f)
        print(f"| {name} | {len(data):,} | {t:.2f} |")

    tif = scratch / "big.tif"
    if not tif.exists():
        rng = np.random.default_rng(0)
        data = rng.integers(60, 200, (3, 6000, 6000)).astype(np.uint8)
        data[:, :, :1500] = 0  # the west quarter is the nodata value
        with rasterio.open(tif, "w", driver="GTiff", width=6000, height=6000, count=3, dtype="uint8", nodata=0,
                           tiled=True, compress="deflate", crs="EPSG:32631",
                           transform=from_origin(500000, 5000000, 0.1, 0.1)) as ds:
            ds.write(data)
    ts = registry.load(tif, LoadOptions(tile_size_m=30.0))
    img, t = _timed(lambda: webmap.render_basemap(ts))
    print(f"| GeoTIFF 6000 x 6000, nodata 0 | {len(ts.tiles)} windows | {img.mode} | render_basemap {t:.2f} s |")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/bench_basemap_alpha"))
