"""Where benchmark photos lie inside their tile, and how photos near a tile corner fare (corners30,
session 30, issue 13).

For each photo: its truth point (truth.csv: the ground at the photo centre) inside the tile that
holds it (tiles.csv bounds), the distance in metres to that tile's nearest corner and nearest edge,
and the photo's ground footprint across (poses.csv, where the region has one). Joined with one or
more per-photo CSVs of `training/compare_matchers.py --per-photo` (columns photo, right, ...), it
prints R@1 of the photos within N metres of a corner against the rest, per CSV.

Truth is read to describe and score only; nothing here feeds the pipeline. Distances on a local
equirectangular approximation (training/why_unplaced.metres).

    python training/corner_positions.py data/benchmark/vegas [--per-photo A.csv B.csv ...] [--near 5 10]
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

R = 6_371_008.8  # mean Earth radius, metres (as training/why_unplaced.py)


def positions(region: Path) -> dict[str, dict]:
    """photo file name -> {corner_m, edge_m, footprint_m (or None), tile_w_m, tile_h_m} of its truth
    point inside the tile that holds it (the first such in tiles.csv; truth.csv's tile column when
    none holds it). Raises KeyError naming the photo when neither gives a tile."""
    tiles = list(csv.DictReader(open(region / "tiles.csv", newline="")))
    by_path = {t["path"]: t for t in tiles}
    poses = {}
    if (region / "poses.csv").exists():
        poses = {Path(r["query"]).name: float(r["footprint_m"]) for r in csv.DictReader(open(region / "poses.csv", newline=""))
                 if r.get("footprint_m")}
    out = {}
    for row in csv.DictReader(open(region / "truth.csv", newline="")):
        lat, lon = float(row["lat"]), float(row["lon"])
        tile = next((t for t in tiles if float(t["west"]) <= lon < float(t["east"])
                     and float(t["south"]) <= lat < float(t["north"])), None) or by_path.get(row.get("tile", ""))
        if tile is None:
            raise KeyError(f"{region / 'truth.csv'}: {row['query']}: no tile of tiles.csv holds its truth point")
        w, s, e, n = (float(tile[k]) for k in ("west", "south", "east", "north"))
        k = math.pi / 180 * R
        kx = k * math.cos(math.radians(lat))
        dx = min(lon - w, e - lon) * kx  # metres to the nearer vertical edge
        dy = min(lat - s, n - lat) * k
        out[Path(row["query"]).name] = {"corner_m": math.hypot(dx, dy), "edge_m": min(dx, dy),
                                        "footprint_m": poses.get(Path(row["query"]).name),
                                        "tile_w_m": (e - w) * kx, "tile_h_m": (n - s) * k}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("region", type=Path)
    ap.add_argument("--per-photo", nargs="*", type=Path, default=[])
    ap.add_argument("--near", nargs="+", type=float, default=[5.0, 10.0])
    args = ap.parse_args()
    pos = positions(args.region)
    tw = sum(p["tile_w_m"] for p in pos.values()) / len(pos)
    th = sum(p["tile_h_m"] for p in pos.values()) / len(pos)
    feet = sorted(p["footprint_m"] for p in pos.values() if p["footprint_m"])
    foot = f", footprint median {feet[len(feet) // 2]:.0f} m" if feet else ""
    print(f"{args.region.name}: {len(pos)} photos, tiles {tw:.0f} x {th:.0f} m{foot}")
    for near in args.near:
        n = sum(p["corner_m"] <= near for p in pos.values())
        e = sum(p["edge_m"] <= near for p in pos.values())
        print(f"  within {near:g} m of a corner: {n} ({100 * n / len(pos):.1f} %); of an edge: {e} ({100 * e / len(pos):.1f} %)"
              f"  [uniform: {100 * math.pi * near ** 2 / (tw * th):.1f} % / {100 * (1 - (1 - 2 * near / tw) * (1 - 2 * near / th)):.1f} %]")
    for path in args.per_photo:
        rows = {r["photo"]: r for r in csv.DictReader(open(path, newline=""))}
        parts = []
        for near in args.near:
            inside = [r["right"] == "1" for name, r in rows.items() if pos[name]["corner_m"] <= near]
            rest = [r["right"] == "1" for name, r in rows.items() if pos[name]["corner_m"] > near]
            parts.append(f"<= {near:g} m of a corner: R@1 {_pct(inside)} of {len(inside)}, rest {_pct(rest)} of {len(rest)}")
        edge = [r["right"] == "1" for name, r in rows.items() if pos[name]["edge_m"] <= args.near[0]]
        parts.append(f"<= {args.near[0]:g} m of an edge: {_pct(edge)} of {len(edge)}")
        wrong = sorted((round(pos[n]["corner_m"], 1), n) for n, r in rows.items() if r["right"] != "1")
        print(f"  {path.name}: all {_pct([r['right'] == '1' for r in rows.values()])} of {len(rows)}; " + "; ".join(parts))
        print(f"    wrong (corner m, photo): {wrong}")


def _pct(flags: list[bool]) -> str:
    return f"{100 * sum(flags) / len(flags):.1f}" if flags else "-"


if __name__ == "__main__":
    main()
