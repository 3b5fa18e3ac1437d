"""A benchmark region with its tiles re-cut half a tile off, so that its photos lie across tile
corners and edges (corners30, session 30, issue 13).

make_public_benchmark.py centres every photo in the middle 60 % of its tile (u, v in [0.2, 0.8]):
no benchmark photo lies within 10 m of a tile edge or 14.8 m of a corner (corner_positions.py), so
the regions cannot show how verification fares on photos across tile corners. Re-cutting the same
pixels with the grid moved by half a tile along both axes puts each photo's centre 0-30 % of a tile
from an edge of its new tile, and the photos near the middle of their old tile at a new corner.

The tiles of the source region are pasted into one image per grid by their bounds (a regular grid of
equal tiles: checked; rotterdam's three patches each their own), cut again at (half a tile, half a
tile), one tile fewer each way (none over a tile the source lacks), and written as
PNG (lossless: no second JPEG loss) with their bounds. Photos whose truth point falls outside the
new grid are left out; the rest are linked, with truth.csv (tile column rewritten to the new tile
that holds the truth point) and poses.csv. Tiles with their own tone (rotterdam-lowtex's per-tile
gamma and contrast, make_public_benchmark.py) keep it, so a new tile may hold up to four tones.
Truth is only carried for scoring.

    python training/make_corner_regions.py data/benchmark/vegas /tmp/corners30/regions/vegas-corners
"""

from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path

from PIL import Image


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    src, out = args.source, args.out
    rows = list(csv.DictReader(open(src / "tiles.csv", newline="")))
    patches: dict[str, list[dict]] = {}  # rotterdam's regions are three patches (p1_, p2_, p3_), each a grid
    for r in rows:
        stem = Path(r["path"]).name
        patches.setdefault(stem.split("_r")[0] + "_" if stem.startswith("p") and "_r" in stem else "", []).append(r)
    (out / "tiles").mkdir(parents=True, exist_ok=True)
    (out / "queries").mkdir(exist_ok=True)
    new = []
    for prefix, group in patches.items():
        new += _recut(src, out, prefix, group)
    with open(out / "tiles.csv", "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["path", "west", "south", "east", "north"])
        for name, w, s, e, n in new:
            wr.writerow([name, f"{w:.8f}", f"{s:.8f}", f"{e:.8f}", f"{n:.8f}"])
    kept = []
    for t in csv.DictReader(open(src / "truth.csv", newline="")):
        lat, lon = float(t["lat"]), float(t["lon"])
        holder = next((name for name, w, s, e, n in new if w <= lon < e and s <= lat < n), None)
        if holder is None:
            continue
        kept.append({**t, "tile": holder})
        link = out / t["query"]
        if not link.exists():
            os.symlink((src / t["query"]).resolve(), link)
    with open(out / "truth.csv", "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=list(kept[0]))
        wr.writeheader()
        wr.writerows(kept)
    names = {t["query"] for t in kept}
    if (src / "poses.csv").exists():
        poses = [p for p in csv.DictReader(open(src / "poses.csv", newline="")) if p["query"] in names]
        with open(out / "poses.csv", "w", newline="") as f:
            wr = csv.DictWriter(f, fieldnames=list(poses[0]))
            wr.writeheader()
            wr.writerows(poses)
    print(f"{out}: {len(new)} tiles in {len(patches)} grid(s), {len(kept)} of the source's {sum(1 for _ in open(src / 'truth.csv')) - 1} photos")


def _recut(src: Path, out: Path, prefix: str, rows: list[dict]) -> list[tuple]:
    """One grid of tiles (`rows` of tiles.csv) pasted and cut again half a tile off: the new tiles'
    (path, west, south, east, north), written under out/tiles as PNG. Exits naming tiles.csv
    where a tile is off the grid of the first one's size."""
    b = [tuple(float(r[k]) for k in ("west", "south", "east", "north")) for r in rows]
    west, north = min(x[0] for x in b), max(x[3] for x in b)
    east, south = max(x[2] for x in b), min(x[1] for x in b)
    tw, th = b[0][2] - b[0][0], b[0][3] - b[0][1]
    cols, nrows = round((east - west) / tw), round((north - south) / th)
    px = Image.open(src / rows[0]["path"]).size
    canvas = Image.new("RGB", (cols * px[0], nrows * px[1]))
    present = set()
    for r, (w, s, e, n) in zip(rows, b):
        c, rr = round((w - west) / tw), round((north - n) / th)
        if abs((w - west) / tw - c) > 1e-3 or abs((north - n) / th - rr) > 1e-3:
            raise SystemExit(f"{src / 'tiles.csv'}: {r['path']} is off the grid")
        canvas.paste(Image.open(src / r["path"]).convert("RGB").resize(px), (c * px[0], rr * px[1]))
        present.add((rr, c))
    new = []
    for rr in range(nrows - 1):
        for c in range(cols - 1):
            if not {(rr, c), (rr + 1, c), (rr, c + 1), (rr + 1, c + 1)} <= present:
                continue  # a tile missing from the source grid (rotterdam's p2): no new tile over it
            x0, y0 = c * px[0] + px[0] // 2, rr * px[1] + px[1] // 2
            name = f"tiles/{prefix}s{rr:02d}_c{c:02d}.png"
            canvas.crop((x0, y0, x0 + px[0], y0 + px[1])).save(out / name)
            w = west + (c + 0.5) * tw
            n = north - (rr + 0.5) * th
            new.append((name, w, n - th, w + tw, n))
    return new


if __name__ == "__main__":
    main()
