"""Cropped and resized photos whose metadata says so: does the camera check read them right? (cropmeta36, session 36)

camerafit35 (training/camerafit_variants.py) measured the camera check (core/camera_fit.py) on altered renders
with no metadata. This makes crops and resizes of a benchmark region's rendered photos and writes with them the
metadata the tool that made them would write:

  FORM crs   a Lightroom / Camera Raw export: XMP crs:HasCrop True, crs:AlreadyApplied True, crs:CropLeft/Top/
             Right/Bottom (the box as fractions of the frame), crs:CropAngle 0; EXIF PixelX/YDimension the
             exported (cropped) size, as an export rewrites it
  FORM exif  a crop or resize tool that keeps the camera's EXIF block: PixelX/YDimension the render's size
  FORM thumb (crop37) as exif, the block keeping the camera's DCF thumbnail too (160 x 120 of the whole
             render, letterboxed to its aspect), as jpegtran -copy all or a Pillow script keeps it
  FORM crsmeta (crop37) as crs, the export keeping the render's own metadata (EXIF make, model, focal
             length and its 35 mm equivalent; DJI XMP height and gimbal pitch), as an export with "all
             metadata" does: the pose check and the recorded view then apply

VARIANTS (`--variants`, comma separated VARIANT:FORM): cropWWxHH a crop WW % of the width and HH % of the
height at a corner (photo i of the sorted subsample: corner i % 4, TL TR BR BL); resizeNN the whole photo at NN %;
turnWWxHHaA (crop37, FORM crs only) a crop WW % x HH % of the frame's width and height along its own sides,
turned A degrees (photo i: +A for even i, -A for odd) and pushed into corner i % 4 as far as it stays inside the
frame, written as Camera Raw writes a turned crop (crs:CropAngle A, the edges its top-left and bottom-right
corners in the unturned frame: core/media/framing.py).

Each set is located through the product's path (pipeline.Workspace, frozen EfficientNet-Lite0 features, SIFT
verification, default settings) three times in one Workspace (pair evaluations reused, only the check differs):
  off     the check off (MISFIT_BAR = inf)
  main    the check on, the metadata's framing ignored (PhotoMeta.framing = None: main before this session)
  new     the check on, the framing read (the product now)
  search  (with --search, for crops of unknown place) the check on, such crops' principal point searched
          (camera_fit.SEARCH_UNPLACED_CROPS = True)
  prev    (with --prev, crop37) the framing read by the camera check but not by the camera pose
          (camera.camera_for, used by pose_check): the product before crop37 for placed crops

Right (scoring only): the answer within RADIUS_M of the crop's own centre, the crop's centre pixel carried to
the ground through the original photo's verified outline on its truth tile (`--outlines`,
training/camerafit_orig_outlines.py's record; camerafit35's is training/results/camerafit35_orig_outlines.csv
for 24 photos of rotterdam, vegas, rotterdam-oblique, vegas-oblique); a resize keeps truth.csv's point.

  PYTHONPATH=. python training/cropmeta_variants.py --region data/benchmark/vegas --photos 24 \\
      --variants crop50x50:crs,crop60x45:exif,resize75:exif --work /tmp/cropmeta36 --out /tmp/cropmeta36/rows.csv
  PYTHONPATH=. python training/cropmeta_variants.py --summary /tmp/cropmeta36/rows.csv
  PYTHONPATH=. python training/cropmeta_variants.py --chance   # outregion34's chance fits, searched
  PYTHONPATH=. python training/cropmeta_variants.py --noise    # centre vs box reading of noisy analytic crops
"""

from __future__ import annotations

import argparse
import csv
import math
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

from geolocator.core import camera_fit  # noqa: E402
from geolocator.core.geo import haversine_m  # noqa: E402
from geolocator.core.model import LatLon  # noqa: E402

FIELDS = ["region", "variant", "form", "mode", "query", "framing", "status", "top_inliers", "right", "error_m",
          "misfit", "refused", "refused_fits", "lat", "lon", "seconds"]
CORNERS = ("TL", "TR", "BR", "BL")
RADIUS_M = 35.0  # half the diagonal of the benchmark's 50 m tiles (as camerafit_summary.py)
OUTLINES = ROOT / "training" / "results" / "camerafit35_orig_outlines.csv"


def crop_box(variant: str, i: int) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) fractions of the frame of photo i's crop (cropWWxHH; corner i % 4)."""
    cw, ch = (int(x) / 100.0 for x in variant[4:].split("x"))
    corner = CORNERS[i % 4]
    left = 0.0 if corner in ("TL", "BL") else 1.0 - cw
    top = 0.0 if corner in ("TL", "TR") else 1.0 - ch
    return left, top, left + cw, top + ch


def turned_crop(variant: str, i: int, size: tuple[int, int]):
    """Photo i's turned crop (turnWWxHHaA) of a `size` (width, height) frame: (angle degrees, the crop's pixel
    size, its top-left corner in turned coordinates (pixels about the frame's centre: x' = x cos a + y sin a,
    y' = -x sin a + y cos a), the crs box (its top-left and bottom-right corners as fractions of the frame),
    its centre as fractions of the frame)."""
    body, angle = variant[4:].split("a")
    cw, ch = (int(x) / 100.0 for x in body.split("x"))
    a = float(angle) * (1 if i % 2 == 0 else -1)
    W, H = size
    w, h = cw * W, ch * H
    c, s = math.cos(math.radians(a)), math.sin(math.radians(a))
    # the crop's extent in the frame (its turned corners' bounding box, half sizes) sets how far it can go
    ex, ey = (w * c + h * abs(s)) / 2, (w * abs(s) + h * c) / 2
    corner = CORNERS[i % 4]
    fx = (-1 if corner in ("TL", "BL") else 1) * (W / 2 - ex)
    fy = (-1 if corner in ("TL", "TR") else 1) * (H / 2 - ey)
    qx, qy = fx * c + fy * s - w / 2, -fx * s + fy * c - h / 2  # its centre turned, less half its sides

    def frame(x, y):  # turned coordinates back to the frame, as fractions
        return ((x * c - y * s) / W + 0.5, (x * s + y * c) / H + 0.5)

    (l, t), (r, b) = frame(qx, qy), frame(qx + w, qy + h)
    return a, (round(w), round(h)), (qx, qy), (l, t, r, b), frame(qx + w / 2, qy + h / 2)


def _xmp_crs(box, angle: float = 0.0) -> bytes:
    left, top, right, bottom = box
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/" '
            'crs:Version="15.0" crs:HasSettings="True" crs:AlreadyApplied="True" crs:HasCrop="True" '
            f'crs:CropTop="{top:.6f}" crs:CropLeft="{left:.6f}" crs:CropBottom="{bottom:.6f}" '
            f'crs:CropRight="{right:.6f}" crs:CropAngle="{angle:g}"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode()


def _with_thumbnail(frame, recorded) -> bytes:
    """The camera's EXIF block with PixelX/YDimension `recorded` and a 160 x 120 DCF thumbnail of `frame` (PIL
    image) letterboxed to its aspect (piexif writes IFD1)."""
    import io

    import piexif
    from PIL import Image

    scale = min(160 / frame.width, 120 / frame.height)
    small = frame.resize((round(frame.width * scale), round(frame.height * scale)), Image.Resampling.LANCZOS)
    thumb = Image.new("RGB", (160, 120))
    thumb.paste(small, ((160 - small.width) // 2, (120 - small.height) // 2))
    data = io.BytesIO()
    thumb.save(data, "JPEG", quality=90)
    return piexif.dump({"0th": {}, "Exif": {piexif.ExifIFD.PixelXDimension: recorded[0],
                                            piexif.ExifIFD.PixelYDimension: recorded[1]},
                        "1st": {piexif.ImageIFD.Compression: 6}, "thumbnail": data.getvalue()})


def write_variant(src: Path, dst: Path, variant: str, form: str, i: int) -> None:
    from PIL import Image

    from geolocator.core.media.metadata import EXIF_IFD

    img = Image.open(src).convert("RGB")
    w, h = img.size
    xmp = None
    if variant.startswith("crop"):
        box = crop_box(variant, i)
        out = img.crop((round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)))
        if form in ("crs", "crsmeta"):
            xmp = _xmp_crs(box)
    elif variant.startswith("turn"):
        a, size, (qx, qy), box, _ = turned_crop(variant, i, (w, h))
        c, s = math.cos(math.radians(a)), math.sin(math.radians(a))
        # the output point (u, v) is the frame's point turned back from (qx + u, qy + v)
        ox, oy = qx, qy  # PIL reads continuous coordinates at pixel centres itself
        out = img.transform(size, Image.Transform.AFFINE,
                            (c, -s, ox * c - oy * s + w / 2, s, c, ox * s + oy * c + h / 2),
                            resample=Image.Resampling.BICUBIC)
        xmp = _xmp_crs(box, a)
    elif variant.startswith("resize"):
        s = int(variant[6:]) / 100.0
        out = img.resize((round(w * s), round(h * s)), Image.Resampling.LANCZOS)
    else:
        raise ValueError(f"unknown variant {variant!r}")
    recorded = out.size if form in ("crs", "crsmeta") else (w, h)  # an export rewrites the sizes; a plain tool keeps the camera's
    exif = Image.Exif()
    exif[EXIF_IFD] = {0xA002: recorded[0], 0xA003: recorded[1]}
    if form == "thumb":
        exif = _with_thumbnail(img, recorded)
    if form == "crsmeta":  # the render's EXIF (sizes rewritten) and its XMP with the crs fields added
        with Image.open(src) as original:
            exif = original.getexif()
            kept = dict(exif.get_ifd(EXIF_IFD))
            packet = original.info.get("xmp") or b""
        kept.update({0xA002: recorded[0], 0xA003: recorded[1]})
        exif[EXIF_IFD] = kept
        if xmp is not None:
            crs = xmp[xmp.index(b"<rdf:Description"):xmp.index(b"/></rdf:RDF>")].replace(
                b'<rdf:Description rdf:about=""', b"")
            packet = packet if isinstance(packet, bytes) else packet.encode()
            xmp = packet.replace(b"/></rdf:RDF>", crs + b"/></rdf:RDF>", 1) if b"/></rdf:RDF>" in packet else xmp
    kwargs = {"exif": exif, "quality": 92}
    if xmp is not None:
        kwargs["xmp"] = xmp
    out.save(dst, **kwargs)


def build(region: Path, variant: str, form: str, photos: int | None, work: Path) -> Path:
    """The set's region folder under `work` (rebuilt): its photos, truth.csv, links to the tiles."""
    from compare_matchers import subsample

    from geolocator.core.queries import load_region

    src = load_region(region)
    out = work / "regions" / f"{region.name}-{variant}-{form}"
    if out.exists():
        shutil.rmtree(out)
    (out / "queries").mkdir(parents=True)
    (out / "tiles").symlink_to((region / "tiles").resolve())
    shutil.copy(region / "tiles.csv", out / "tiles.csv")
    keep = sorted(q.id for q in subsample(src.queries, photos))
    for i, q in enumerate(keep):
        write_variant(region / q, out / q, variant, form, i)
    lines = (region / "truth.csv").read_text().splitlines()
    (out / "truth.csv").write_text("\n".join([lines[0]] + [ln for ln in lines[1:] if ln.split(",")[0] in keep]) + "\n")
    return out


def truths(region: Path, variant: str, photos: int | None, outlines: Path) -> dict[str, LatLon]:
    """query -> the ground under the variant's centre (scoring only): the crop's centre through the original's
    verified outline (camerafit_summary._outlines keeps those that put the photo's centre within RADIUS_M of
    truth.csv), truth.csv's point for a resize. Photos without an outline are left out (unscored)."""
    from camerafit_summary import _ground_of, _outlines
    from compare_matchers import subsample

    from geolocator.core.queries import load_region

    keep = sorted(q.id for q in subsample(load_region(region).queries, photos))
    table = {r["query"]: LatLon(float(r["lat"]), float(r["lon"])) for r in csv.DictReader(open(region / "truth.csv"))}
    if not variant.startswith(("crop", "turn")):
        return {q: table[q] for q in keep}
    lines = _outlines(str(outlines))
    out = {}
    for i, q in enumerate(keep):
        footprint = lines.get((region.name, q))
        if footprint:
            if variant.startswith("turn"):
                from PIL import Image

                centre = turned_crop(variant, i, Image.open(region / q).size)[4]
            else:
                left, top, right, bottom = crop_box(variant, i)
                centre = ((left + right) / 2, (top + bottom) / 2)
            out[q] = _ground_of(centre, footprint, 1.0, 1.0)
    return out


class _Refusals:
    """Wraps camera_fit.drop_uncameralike (pipeline imports it at call time): per photo id, its candidates at
    >= min_inliers the check refused, as "inliers:misfit"."""

    def __init__(self, min_inliers: int):
        self.inner, self.min_inliers = camera_fit.drop_uncameralike, min_inliers
        self.fits: dict[str, list[str]] = {}

    def __call__(self, queries, tiles, candidates, checks):
        out = self.inner(queries, tiles, candidates, checks)
        for qi, (q, before, after) in enumerate(zip(queries, checks, out)):
            for ci, (b, a) in enumerate(zip(before, after)):
                if (b.inliers or 0) >= self.min_inliers and b.corners is not None and not a.inliers:
                    tile = tiles[int(candidates[qi][ci])]
                    fit, _ = camera_fit.query_misfit(q, [tile.point_at(x, y) for x, y in b.corners])
                    self.fits.setdefault(q.id, []).append(f"{b.inliers}:{'' if fit is None else round(fit.misfit, 3)}")
        return out


def run(args) -> None:
    from outregion_geometry import appending

    from geolocator.core import predict as P  # noqa: F401
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.queries import load_region
    from geolocator.core.rerank import VerifySettings
    from geolocator.core.tilesets import load_tileset

    bar = camera_fit.MISFIT_BAR
    refusals = _Refusals(VerifySettings().min_inliers)
    camera_fit.drop_uncameralike = refusals
    from geolocator.core import camera as camera_module

    modes = ["off", "main", "new"] + (["search"] if args.search else []) + (["prev"] if args.prev else [])
    photo_framing = camera_module._photo_framing
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with appending(args.out, FIELDS) as (w, fh):
        for region in args.region:
            for spec in args.variants.split(","):
                variant, form = spec.split(":")
                folder = build(region, variant, form, args.photos, args.work)
                truth = truths(region, variant, args.photos, args.outlines)
                queries = load_region(folder).queries
                ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=args.work / "cache"))
                ws.open_tiles(load_tileset(folder))
                for mode in modes:
                    camera_fit.MISFIT_BAR = math.inf if mode == "off" else bar
                    camera_fit.SEARCH_UNPLACED_CROPS = mode == "search"
                    # prev: the camera check reads the framing, the pose (camera_for) does not (before crop37)
                    camera_module._photo_framing = (lambda q: None) if mode == "prev" else photo_framing
                    camera_module._CAMERAS.clear()
                    qs = [replace(q, meta=replace(q.meta, framing=None)) if mode == "main" and q.meta else q
                          for q in queries]
                    refusals.fits = {}
                    t0 = time.perf_counter()
                    preds = ws.locate(qs)
                    took = time.perf_counter() - t0
                    for p in preds:
                        top = p.top if p.matches else None
                        fit = camera_fit.query_misfit(p.query, top.footprint)[0] if top is not None and top.footprint else None
                        t = truth.get(p.query.id)
                        err = None if t is None else haversine_m(p.location, t)
                        framing = p.query.meta.framing if p.query.meta else None
                        w.writerow({"region": region.name, "variant": variant, "form": form, "mode": mode,
                                    "query": p.query.id,
                                    "framing": "" if framing is None else
                                    f"{'crop' if framing.cropped else 'whole'}{'+box' if framing.box else ''}",
                                    "status": p.status, "top_inliers": (top.inliers or 0) if top is not None else 0,
                                    "right": "" if err is None else int(err <= RADIUS_M),
                                    "error_m": "" if err is None else round(err, 1),
                                    "misfit": "" if fit is None else round(fit.misfit, 4),
                                    "refused": len(refusals.fits.get(p.query.id, [])),
                                    "refused_fits": " ".join(refusals.fits.get(p.query.id, [])),
                                    "lat": round(p.location.lat, 7), "lon": round(p.location.lon, 7),
                                    "seconds": round(took, 1)})
                    fh.flush()
                    print(region.name, variant, form, mode, f"{took:.0f} s", flush=True)
                camera_fit.MISFIT_BAR = bar
                camera_module._photo_framing = photo_framing
                camera_fit.SEARCH_UNPLACED_CROPS = False


def _versus(rows: dict, main: dict, scored: list[str]) -> str:
    """'lower / higher |': of the right top answers (same tile and outline in both), how many this mode reads
    with a lower / higher misfit than main's (centre) reading."""
    pairs = [(float(rows[q]["misfit"]), float(main[q]["misfit"])) for q in scored
             if q in main and rows[q]["right"] == "1" and rows[q]["misfit"] and main[q]["misfit"]
             and (rows[q]["lat"], rows[q]["lon"]) == (main[q]["lat"], main[q]["lon"])]
    return f"{sum(a < b - 1e-4 for a, b in pairs)} / {sum(a > b + 1e-4 for a, b in pairs)} |"


def summary(paths: list[str]) -> None:
    """Per region, variant and form: photos scored; R@1 (the answer right, whatever its status); right and
    verified; refused-right (right and verified with the check off, not in this mode); wrong and verified
    (removed-wrong: off minus this mode), for each mode; the misfit this mode reads for the right top answers
    (median / max, how many over 0.3), and how many it reads lower / higher than main's centred reading."""
    groups: dict[tuple, dict[str, dict[str, dict]]] = defaultdict(lambda: defaultdict(dict))
    for path in paths:
        for r in csv.DictReader(open(path)):
            groups[(r["region"], r["variant"], r["form"])][r["mode"]][r["query"]] = r
    print("| region | variant | form | framing read | photos scored | mode | R@1 | right+verified | refused-right "
          "| wrong+verified | removed-wrong | misfit of right tops: median / max | right tops over 0.3 | "
          "vs main: lower / higher |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (region, variant, form), by in groups.items():
        off = by["off"]
        scored = [q for q, r in off.items() if r["right"] != ""]
        framings = sorted({off[q]["framing"] or "none" for q in off})

        def ok(r):
            return r["status"] == "verified" and r["right"] == "1"

        def wrong(r):
            return r["status"] == "verified" and r["right"] == "0"
        for mode in ("off", "main", "new", "search", "prev"):
            rows = by.get(mode)
            if not rows:
                continue
            mis = sorted(float(rows[q]["misfit"]) for q in scored if rows[q]["right"] == "1" and rows[q]["misfit"])
            lost = [q for q in scored if ok(off[q]) and not ok(rows[q])]
            print(f"| {region} | {variant} | {form} | {' '.join(framings)} | {len(scored)} | {mode} | "
                  f"{sum(rows[q]['right'] == '1' for q in scored)} | {sum(ok(rows[q]) for q in scored)} | {len(lost)} | "
                  f"{sum(wrong(rows[q]) for q in scored)} | "
                  f"{sum(wrong(off[q]) for q in scored) - sum(wrong(rows[q]) for q in scored)} | "
                  + (f"{mis[len(mis) // 2]:.3f} / {mis[-1]:.3f} | {sum(m > 0.3 for m in mis)} | " if mis else "- | - | ")
                  + _versus(rows, by.get("main", {}), scored))
            for q in lost:
                print(f"|  | lost: {q} | | | | {mode} | off {off[q]['top_inliers']} inliers | now {rows[q]['status']}, "
                      f"refused {rows[q]['refused_fits']} | | | | |")


def chance(shares: list[tuple[float, float] | None]) -> None:
    """The wrong and chance fits outregion34 recorded at >= 8 inliers (training/results/outregion34_fits.csv:
    photos located in another region's tiles, wrong fits in their own; corners kept; 384 x 288 renders) read by
    the check at the centre (the product for any photo) and with the principal point searched
    (camera_misfit_anywhere) within principal_bounds of a crop of unknown place of each least share (None: the
    picture, 0-1): how many the check still refuses (misfit > MISFIT_BAR) were the photo flagged cropped."""
    from geolocator.core.camera_fit import MISFIT_BAR, camera_misfit, camera_misfit_anywhere
    from geolocator.core.media.framing import principal_bounds
    from geolocator.core.model import Framing
    from geolocator.core.queries import load_region

    regions: dict[str, dict] = {}
    fits = []
    for r in csv.DictReader(open(ROOT / "training" / "results" / "outregion34_fits.csv")):
        if (r["kind"] == "in" and r["right"] == "1") or int(r["inliers"]) < 8:
            continue
        root = {"demo": "resources/demo"}.get(r["tiles"], "data/benchmark/" + r["tiles"])
        if root not in regions:
            regions[root] = {t.id: t for t in load_region(root).tiles.tiles}
        tile = regions[root][r["tile"]]
        fits.append((r, [tile.point_at(*map(float, c.split(","))) for c in r["corners"].split()]))
    print(f"{len(fits)} wrong/chance fits at >= 8 inliers; refused (misfit > {MISFIT_BAR}) when read:")
    print(f"  at the centre: {sum(camera_misfit(fp, (384, 288)).misfit > MISFIT_BAR for _, fp in fits)}")
    for share in shares:
        bounds = principal_bounds(Framing(True, None, "", share))
        got = [camera_misfit_anywhere(fp, (384, 288), bounds=bounds).misfit for _, fp in fits]
        print(f"  searched, least share {share or 'unknown (the picture)'}: {sum(m > MISFIT_BAR for m in got)} "
              f"(misfits {' '.join(f'{m:.2f}' for m in sorted(got))})")


def noise(trials: int = 200) -> None:
    """Is the reading at the crop's box more sensitive to a noisy outline than the centred one? Analytic
    pinhole outlines (tests/test_framing._crop_outline: 600 x 400 frame, 30 or 45 degrees off nadir, 70 degrees
    across) of the whole frame and of two crops, each ground corner moved by Gaussian noise of sigma 1 % / 2 % of
    the outline's size, `trials` times (seeded): median and 90th percentile of the misfit read at the centre and
    at the box."""
    import numpy as np

    from geolocator.core.camera_fit import camera_misfit
    from geolocator.core.geo import metres_per_degree
    from geolocator.core.media.framing import principal_point
    from geolocator.core.model import Framing

    sys.path.insert(0, str(ROOT))
    from tests.test_framing import _crop_outline

    rng = np.random.default_rng(0)
    print("| tilt | box | sigma | centre: median / 90th | box: median / 90th |\n|---|---|---|---|---|")
    for tilt in (30.0, 45.0):
        for box in ((0.0, 0.0, 1.0, 1.0), (0.0, 0.0, 0.5, 0.5), (0.4, 0.55, 1.0, 1.0)):
            outline, size = _crop_outline(box, tilt, 70.0)
            pp = principal_point(Framing(True, box, "")) if box != (0.0, 0.0, 1.0, 1.0) else (0.5, 0.5)
            m_lat, m_lon = metres_per_degree(outline[0].lat)
            xy = np.array([[p.lat * m_lat, p.lon * m_lon] for p in outline])
            extent = float(np.ptp(xy, axis=0).max())
            for sigma in (0.01, 0.02):
                centre, placed = [], []
                for _ in range(trials):
                    moved = xy + rng.normal(0.0, sigma * extent, xy.shape)
                    noisy = [LatLon(a / m_lat, b / m_lon) for a, b in moved]
                    centre.append(camera_misfit(noisy, size).misfit)
                    placed.append(camera_misfit(noisy, size, principal=pp, frame=1 / (box[2] - box[0])).misfit)
                c, b = np.percentile(centre, [50, 90]), np.percentile(placed, [50, 90])
                print(f"| {tilt:.0f} | {box} | {sigma:.0%} | {c[0]:.3f} / {c[1]:.3f} | {b[0]:.3f} / {b[1]:.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--summary", nargs="+", help="print the tables of these records and stop")
    ap.add_argument("--region", action="append", type=Path)
    ap.add_argument("--variants")
    ap.add_argument("--photos", type=int, default=None)
    ap.add_argument("--work", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--outlines", type=Path, default=OUTLINES)
    ap.add_argument("--search", action="store_true", help="a fourth pass: crops of unknown place searched")
    ap.add_argument("--prev", action="store_true",
                    help="a pass with the framing read by the camera check only, not by the pose (before crop37)")
    ap.add_argument("--chance", action="store_true", help="print the recorded chance fits' readings and stop")
    ap.add_argument("--noise", action="store_true", help="print the analytic noise sensitivity and stop")
    args = ap.parse_args()
    if args.noise:
        noise()
    elif args.chance:
        chance([None, (0.6, 0.45), (0.75, 0.5), (0.9, 0.8)])
    elif args.summary:
        summary(args.summary)
    else:
        run(args)


if __name__ == "__main__":
    main()
