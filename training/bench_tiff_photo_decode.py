"""Peak memory and time of reading TIFF photos whole (core/images.open_image through rasterio).

Run:  .venv/bin/python training/bench_tiff_photo_decode.py

Writes 16-bit and 8-bit RGB TIFF photos (no georeference; tiled, deflate; a checkerboard) into a
temporary folder and decodes each in a fresh subprocess as training/bench_decode_memory.py does
(peak resident growth after a warm-up). Run it on a checkout before and after a change to compare.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_decode_memory import measure  # noqa: E402

CASES = [("RGB 16-bit 12000x8000 (96 MP)", (12000, 8000), "uint16"),
         ("RGB 16-bit 8000x6000 (48 MP, under the budget)", (8000, 6000), "uint16"),
         ("RGB 8-bit 12000x8000 (96 MP)", (12000, 8000), "uint8")]


def write(path: Path, size: tuple[int, int], dtype: str) -> None:
    import rasterio

    w, h = size
    high = 50000 if dtype == "uint16" else 200
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=3, dtype=dtype, tiled=True,
                       compress="deflate", photometric="RGB") as ds:
        for r in range(0, h, 1000):
            y, x = np.arange(r, min(h, r + 1000))[:, None], np.arange(w)[None, :]
            a = ((x // 40 + y // 40) % 2 * high + 20).astype(dtype)
            ds.write(np.stack([a, a, a]), window=((r, r + a.shape[0]), (0, w)))


def main() -> int:
    print("| TIFF photo | result | peak growth (MB) | wall s |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        from PIL import Image

        Image.new("RGB", (64, 64)).save(tmp / "warm.png")
        for label, size, dtype in CASES:
            path = tmp / "photo.tif"
            write(path, size, dtype)
            t = time.perf_counter()
            got = measure(path, "on", tmp / "warm.png")
            print(f"| {label} | {got['result']} | {got['grew_mb']:.0f} | {time.perf_counter() - t:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
