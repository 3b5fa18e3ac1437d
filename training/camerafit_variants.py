"""Does core/camera_fit.py's check refuse right answers on photos that break its pinhole assumptions? (session 35)

camera_fit assumes the principal point at the image centre, square pixels and no lens distortion. This
probe makes variants of a benchmark region's rendered photos that break each assumption the way field
photos do, writes each as a region folder of its own (queries/ the variants, truth.csv the original
truth, tiles/ and tiles.csv links to the original's), and locates them through the product's path
(pipeline.Workspace, frozen features, SIFT verification, default settings, as
training/outregion_camera_locate.py) twice in one Workspace: the check off (MISFIT_BAR = inf) and on.

Variants (`--variants`, comma separated):
  crop25 / crop40 / crop60  a crop of that share of the area at a corner (photo i: corner i % 4, TL TR BR BL)
  barrel10 / barrel20 / barrel35  radial distortion x_d = x_u (1 + k1 r_u^2), k1 = -0.10 / -0.20 / -0.35,
                            r_u in focal lengths, the output's corner at 0.6 of one (62 degrees across the
                            diagonal), rescaled so the whole output samples inside the source (no black corners)
  fisheye / fisheye150      equidistant mapping r_d = f theta of a pinhole render, 120 / 150 degrees across the
                            diagonal
  barrel35crop25            barrel35, then crop25 (a corner of an uncorrected wide frame)
  wide133                   resized to 1.33 x its width (a 4:3 picture stored as 16:9: non-square pixels)
  orig                      the photo unchanged (the baseline)

One row per photo, variant and mode: status, confidence, top inliers, right (scoring only: the answer within
the answered tile's radius of the ORIGINAL photo's truth; a crop's own centre lies up to ~0.3 of the footprint
from it), the top match's misfit (the check's reading of its outline), and how many of the photo's candidates at
>= min_inliers (that would verify) the check refused.

  PYTHONPATH=. python training/camerafit_variants.py --region data/benchmark/vegas --photos 20 \\
      --variants orig,crop25,barrel35 --work /tmp/camerafit35 --out /tmp/camerafit35/variants.csv
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

from geolocator.core import camera_fit  # noqa: E402
from geolocator.core import predict as P  # noqa: E402
from geolocator.core.pipeline import Settings, Workspace  # noqa: E402
from geolocator.core.queries import load_region  # noqa: E402
from geolocator.core.tilesets import load_tileset  # noqa: E402

FIELDS = ["region", "variant", "check", "query", "status", "shown_status", "confidence", "top_inliers", "right",
          "error_m", "misfit", "refused", "refused_fits", "best_fit", "lat", "lon", "footprint", "width", "height",
          "seconds"]
CORNERS = ("TL", "TR", "BR", "BL")


def _crop(img: np.ndarray, share: float, corner: str) -> np.ndarray:
    h, w = img.shape[:2]
    s = math.sqrt(share)
    cw, ch = round(w * s), round(h * s)
    x0 = 0 if corner in ("TL", "BL") else w - cw
    y0 = 0 if corner in ("TL", "TR") else h - ch
    return img[y0:y0 + ch, x0:x0 + cw].copy()


def _radial(img: np.ndarray, to_source) -> np.ndarray:
    """Resample `img` through a radial map: `to_source(r_out)` (normalised radius of an output pixel, the
    corner at 1) gives the source radius (corner at 1 where the map is rescaled to fit)."""
    import cv2

    h, w = img.shape[:2]
    cx, cy = (w - 1) / 2, (h - 1) / 2
    rc = math.hypot(cx, cy)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    dx, dy = xx - cx, yy - cy
    r = np.hypot(dx, dy) / rc
    rs = to_source(r)
    rs = rs / to_source(np.array([1.0]))[0]  # the output's corner samples the source's corner
    scale = np.where(r > 0, rs / np.maximum(r, 1e-12), 1.0)
    mx = (cx + dx * scale).astype(np.float32)
    my = (cy + dy * scale).astype(np.float32)
    return cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _barrel(img: np.ndarray, k1: float, corner: float = 0.6) -> np.ndarray:
    """Radial distortion x_d = x_u (1 + k1 r_u^2), r in focal lengths, the output's corner at `corner`
    (0.6: a 62-degree diagonal; the model is one-to-one there for k1 >= -0.35, its inverse converging)."""
    def to_source(r):  # distorted radius (corner 1) -> undistorted radius: solve r_d = r_u (1 + k1 r_u^2)
        rd = r * corner
        ru = rd.copy()
        for _ in range(100):
            ru = rd / (1 + k1 * ru * ru)
        return ru
    return _radial(img, to_source)


def _barrel_to_source(x: float, y: float, w: float, h: float, k1: float, corner: float = 0.6) -> tuple[float, float]:
    """Where the pixel (x, y) of _barrel's output (w x h) samples the render (same size)."""
    cx, cy = (w - 1) / 2, (h - 1) / 2
    rc = math.hypot(cx, cy)
    r = math.hypot(x - cx, y - cy) / rc

    def ru(rd):
        u = rd
        for _ in range(100):
            u = rd / (1 + k1 * u * u)
        return u
    scale = (ru(r * corner) / ru(corner)) / r if r > 0 else 1.0
    return cx + (x - cx) * scale, cy + (y - cy) * scale


def _fisheye(img: np.ndarray, diag_deg: float = 120.0) -> np.ndarray:
    half = math.radians(diag_deg) / 2

    def to_source(r):  # equidistant output radius (corner 1 = half the diagonal's angle) -> pinhole radius
        return np.tan(r * half)
    return _radial(img, to_source)


def make_variant(img: np.ndarray, variant: str, i: int) -> np.ndarray:
    import cv2

    if variant == "orig":
        return img
    if variant == "barrel35crop25":
        return _crop(_barrel(img, -0.35), 0.25, CORNERS[i % 4])
    if variant.startswith("crop"):
        return _crop(img, int(variant[4:]) / 100.0, CORNERS[i % 4])
    if variant.startswith("barrel"):
        return _barrel(img, -int(variant[6:]) / 100.0)
    if variant == "fisheye":
        return _fisheye(img)
    if variant == "fisheye150":
        return _fisheye(img, 150.0)
    if variant == "wide133":
        h, w = img.shape[:2]
        return cv2.resize(img, (round(w * 1.33), h), interpolation=cv2.INTER_LINEAR)
    raise ValueError(f"unknown variant {variant!r}")


def build(region: Path, variant: str, photos: int | None, work: Path) -> Path:
    """The variant's region folder under `work` (rebuilt): its photos, truth.csv, links to the tiles."""
    import cv2
    from compare_matchers import subsample

    src = load_region(region)
    out = work / "regions" / f"{region.name}-{variant}"
    if out.exists():
        shutil.rmtree(out)
    (out / "queries").mkdir(parents=True)
    (out / "tiles").symlink_to((region / "tiles").resolve())
    shutil.copy(region / "tiles.csv", out / "tiles.csv")
    keep = {q.id for q in subsample(src.queries, photos)}
    lines = (region / "truth.csv").read_text().splitlines()
    kept = [lines[0]]
    for i, q in enumerate(sorted(keep)):
        img = cv2.imread(str(region / q))
        cv2.imwrite(str(out / q), make_variant(img, variant, i), [cv2.IMWRITE_JPEG_QUALITY, 92])
    kept += [ln for ln in lines[1:] if ln.split(",")[0] in keep]
    (out / "truth.csv").write_text("\n".join(kept) + "\n")
    return out


class _Refusals:
    """Wraps camera_fit.drop_uncameralike (pipeline imports it at call time). Per photo id: how many of its
    candidates at >= min_inliers (that would verify) the check set to 0 inliers, their "inliers:misfit", and
    the "inliers:misfit" of its candidate with the most inliers (>= min_inliers), whatever the bar."""

    def __init__(self, min_inliers: int):
        self.inner = camera_fit.drop_uncameralike
        self.min_inliers = min_inliers
        self.reset()

    def reset(self):
        self.count: dict[str, int] = {}
        self.fits: dict[str, list[str]] = {}
        self.best: dict[str, str] = {}

    def __call__(self, queries, tiles, candidates, checks):
        out = self.inner(queries, tiles, candidates, checks)
        for qi, (q, before, after) in enumerate(zip(queries, checks, out)):
            best = None
            for ci, (b, a) in enumerate(zip(before, after)):
                if (b.inliers or 0) < self.min_inliers or b.corners is None:
                    continue
                tile = tiles[int(candidates[qi][ci])]
                m = _misfit(q, tuple(tile.point_at(x, y) for x, y in b.corners))
                text = f"{b.inliers}:{'' if m is None else round(m, 3)}"
                if best is None or b.inliers > best[0]:
                    best = (b.inliers, text)
                if not a.inliers:
                    self.count[q.id] = self.count.get(q.id, 0) + 1
                    self.fits.setdefault(q.id, []).append(text)
            if best is not None:
                self.best[q.id] = best[1]
        return out


def _misfit(query, footprint) -> float | None:
    """The check's reading of an outline (camera_fit.query_misfit, as uncameralike reads it)."""
    if not footprint:
        return None
    fit, _ = camera_fit.query_misfit(query, footprint)
    return None if fit is None else fit.misfit


def main() -> None:
    from outregion_geometry import appending

    ap = argparse.ArgumentParser()
    ap.add_argument("--region", action="append", required=True, type=Path)
    ap.add_argument("--variants", required=True)
    ap.add_argument("--photos", type=int, default=None)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    bar = camera_fit.MISFIT_BAR
    from geolocator.core.rerank import VerifySettings

    refusals = _Refusals(VerifySettings().min_inliers)
    camera_fit.drop_uncameralike = refusals
    with appending(args.out, FIELDS) as (w, fh):
        for region in args.region:
            for variant in args.variants.split(","):
                folder = build(region, variant, args.photos, args.work)
                queries = load_region(folder).queries
                ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=args.work / "cache"))
                ws.open_tiles(load_tileset(folder))
                for check, value in (("off", math.inf), ("on", bar)):
                    camera_fit.MISFIT_BAR = value
                    refusals.reset()
                    t0 = time.perf_counter()
                    preds = ws.locate(queries)
                    took = time.perf_counter() - t0
                    for p in preds:
                        err = p.error_m
                        radius = P._tile_radius_m(p.top.tile) if p.matches else math.nan
                        top = p.top if p.matches else None
                        m = _misfit(p.query, top.footprint) if top is not None and top.inliers else None
                        from geolocator.core.camera import _image_size
                        size = _image_size(p.query) or (0, 0)
                        w.writerow({"region": region.name, "variant": variant, "check": check, "query": p.query.id,
                                    "status": p.status, "shown_status": p.shown_status,
                                    "confidence": round(p.confidence, 4),
                                    "top_inliers": (top.inliers or 0) if top is not None else 0,
                                    "right": "" if err is None else int(err <= radius),
                                    "error_m": "" if err is None else round(err, 1),
                                    "misfit": "" if m is None else round(m, 4),
                                    "refused": refusals.count.get(p.query.id, 0),
                                    "refused_fits": " ".join(refusals.fits.get(p.query.id, [])),
                                    "best_fit": refusals.best.get(p.query.id, ""),
                                    "lat": round(p.location.lat, 7), "lon": round(p.location.lon, 7),
                                    "footprint": "" if top is None or not top.footprint else
                                    " ".join(f"{c.lat:.7f},{c.lon:.7f}" for c in top.footprint),
                                    "width": size[0], "height": size[1],
                                    "seconds": round(took, 1)})
                    fh.flush()
                    print(region.name, variant, check, f"{took:.0f} s", flush=True)
                camera_fit.MISFIT_BAR = bar


if __name__ == "__main__":
    main()
