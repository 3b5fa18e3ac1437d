"""Session 29 (grid29): the rotterdam benchmark's imagery and photo truth moved, rigidly in UTM metres,
to a place inside France (Lyon) and inside Switzerland (Zurich), so the stand-in can serve Lambert-93
(EPSG:2154) and LV95 (EPSG:2056) tiles cut from pixels of known georeference. NOT real imagery of
those places: the same Rotterdam ground, declared elsewhere.

A site is (source UTM zone, target UTM zone, dE, dN): a point of the benchmark at UTM 31N (E, N) is
declared at (E + dE, N + dN) in the target zone. Both are transverse Mercator (conformal, scale
0.9996 on the central meridian), so the ground keeps its shape to ~1e-4 and the relocated truth is
exact by construction: truth and pixels go through the same map.

    python relocate.py SITE truth.csv > truth_SITE.csv     # truth for scoring only
    python relocate.py SITE --bbox CRS tiles.csv           # the imagery's box in CRS, easting first
"""
import csv, sys
import numpy as np

SITES = {"lyon": (32631, 32631, 49000.0, -678600.0),     # Lyon, France: Lambert-93's ground
         "zurich": (32631, 32632, -128000.0, -501200.0)}  # Zurich, Switzerland: LV95's ground
_T = {}


def _t(a, b):
    from pyproj import Transformer
    return _T.get((a, b)) or _T.setdefault((a, b), Transformer.from_crs(a, b, always_xy=True))


def to_site(site, lon, lat):
    """Benchmark lon/lat (degrees, arrays or floats) -> the same ground's lon/lat at `site`."""
    src, dst, de, dn = SITES[site]
    e, n = np.asarray(_t(4326, src).transform(lon, lat), dtype=float)
    return _t(dst, 4326).transform(e + de, n + dn)


def from_site(site, x, y, crs):
    """Points (x, y) in `crs` (easting first) at `site` -> the benchmark lon/lat whose pixels they show."""
    src, dst, de, dn = SITES[site]
    e, n = np.asarray(_t(crs, dst).transform(x, y), dtype=float)
    return _t(src, 4326).transform(e - de, n - dn)


if __name__ == "__main__":
    site = sys.argv[1]
    if sys.argv[2] == "--bbox":
        crs, rows = sys.argv[3], list(csv.DictReader(open(sys.argv[4])))
        xs, ys = [], []
        for r in rows:
            w, s, e, n = (float(r[k]) for k in ("west", "south", "east", "north"))
            lon, lat = to_site(site, [w, e, e, w], [n, n, s, s])
            x, y = _t(4326, crs).transform(lon, lat)
            xs += list(x); ys += list(y)
        print(f"{min(xs):.1f},{min(ys):.1f},{max(xs):.1f},{max(ys):.1f}")
    else:
        rows = list(csv.DictReader(open(sys.argv[2])))
        out = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]))
        out.writeheader()
        for r in rows:
            lon, lat = to_site(site, float(r["lon"]), float(r["lat"]))
            out.writerow({**r, "lon": f"{float(lon):.8f}", "lat": f"{float(lat):.8f}"})
