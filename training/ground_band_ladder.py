"""Oblique photos whose top nears the horizon: matched whole vs by their ground band (core/ground_band.py).

Renders a `ladder` of drone photos as a DJI Phantom 4 Pro writes them (FC6310: 13.2 mm sensor, 8.8 mm
lens, 5472 x 3648 JPEG q92, EXIF Make/Model/FocalLength/FocalLengthIn35mmFilm, XMP drone-dji
RelativeAltitude and GimbalPitchDegree/GimbalRollDegree; no GPS), from the solaris Las Vegas source
(0.3 m) that data/benchmark/vegas's tiles were made from: 2 spots x camera 15, 20, 30, 45, 60 m up x
gimbal pitch -30, -45, -60, a random heading each (seeded). Each photo is drawn at 1368 x 912 from a
2x supersampled render (so the far ground averages as a lens does instead of aliasing), upscaled 4x
and given sensor noise at full size, as session 23's ladder was (its script was not kept, so these
photos are new ones, not the same). Ground beyond the source is drawn as a flat haze. The truth (the
ground point at the image centre) is written to truth_private.csv beside the photos and read only by
the scoring here.

Then locates them with the default pipeline (frozen EfficientNet-Lite0 + SIFT verification, no
adaptation) against data/benchmark/vegas's tiles, on one code version, with the ground band off
(GEOLOCATOR_GROUND_BAND_DEG=off: every photo whole) and on (the default, 20 degrees), and the -30
photos also with their metadata stripped (Query.meta None) and with single parts of the recorded-view
path turned off (the SIFT verifier's turn to nadir; the pose check; the blind pass; the learned second
look, or its turn to nadir), to find which part loses them whole.

Optionally (--yardstick) the oblique yardstick (make_public_benchmark.py --regions oblique) with the
band off and on: R@1 through training/compare_oblique.locate.

Session 26 (training/results/band26_session26.md): `frames` turns each photo into a 2 s clip with a
DJI-style SRT sidecar (gb_pitch, rel_alt, focal_len: no position, no heading) and stores the -30
photos turned (EXIF Orientation 6 and 8); `rows` locates frames, turned copies or photos by pitch
and band, naming the code version that ran (run it with PYTHONPATH at an older tree for "before"),
optionally with the second look describing the photo as taken, without it, or with the learned
matcher alone (--matcher xfeat [--as-taken]).

  python training/ground_band_ladder.py make --out /tmp/ladder
  python training/ground_band_ladder.py run --ladder /tmp/ladder [--cache-dir DIR] [--yardstick]
  python training/ground_band_ladder.py frames --ladder /tmp/ladder
  python training/ground_band_ladder.py rows --ladder /tmp/ladder --source frames|turned|photos [--bands off on]
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

from make_public_benchmark import (Camera, Pose, camera_metadata, load_scene, query_pixels,  # noqa: E402
                                   read_member, sample, valid_fraction)

PHANTOM_4_PRO = Camera("DJI", "FC6310", 8.8, 24)
SIZE = (5472, 3648)
DRAW = (1368, 912)  # drawn at this size (2x supersampled), upscaled 4x: the source holds nothing finer
ALTITUDES = (15.0, 20.0, 30.0, 45.0, 60.0)
PITCHES = (-30.0, -45.0, -60.0)
SPOTS = ((0.35, 0.40), (0.65, 0.60))  # fractions of the vegas tiles' extent (west->east, north->south)
MEMBER = "solaris/data/road_mask_input.tif"
PLACED_M = 5.0
WHEEL = Path("/work/cache/solaris-0.4.0-py3-none-any.whl")


def _tiles_extent(tiles_csv: Path) -> tuple[float, float, float, float]:
    with open(tiles_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return (min(float(r["west"]) for r in rows), min(float(r["south"]) for r in rows),
            max(float(r["east"]) for r in rows), max(float(r["north"]) for r in rows))


def make(out: Path, wheel: Path, tiles_csv: Path, seed: int = 25) -> None:
    from PIL import Image
    from scipy.ndimage import zoom

    rng = np.random.default_rng(seed)
    scene = load_scene(read_member(wheel, MEMBER), "vegas", "")
    west, south, east, north = _tiles_extent(tiles_csv)
    (out / "photos").mkdir(parents=True, exist_ok=True)
    hfov = PHANTOM_4_PRO.hfov_deg
    truth = []
    started = time.perf_counter()
    for si, (fx, fy) in enumerate(SPOTS):
        lon, lat = west + fx * (east - west), north - fy * (north - south)
        for alt in ALTITUDES:
            for pitch in PITCHES:
                tilt = 90.0 + pitch
                slant = alt / math.cos(math.radians(tilt))
                pose = Pose(lon=lon, lat=lat, yaw=float(rng.uniform(0, 360)), tilt=tilt,
                            footprint_m=2 * slant * math.tan(math.radians(hfov) / 2))
                w2, h2 = DRAW[0] * 2, DRAW[1] * 2
                rows, cols = query_pixels(scene, pose, w2, h2, hfov)
                grey = sample(scene.base, rows, cols, order=1).reshape(h2, w2)
                r = np.rint(rows).astype(int).reshape(h2, w2)
                c = np.rint(cols).astype(int).reshape(h2, w2)
                hh, ww = scene.valid.shape
                inside = (r >= 0) & (r < hh) & (c >= 0) & (c < ww)
                ok = np.zeros_like(inside)
                ok[inside] = scene.valid[r[inside], c[inside]]
                grey = np.where(ok, grey, 0.62)  # beyond the source: a flat haze
                grey = grey.reshape(DRAW[1], 2, DRAW[0], 2).mean(axis=(1, 3))  # 2x supersampling
                grey = zoom(grey, 4, order=3)[: SIZE[1], : SIZE[0]]
                grey = np.clip(grey + rng.normal(0, 0.01, grey.shape), 0, 1)
                img = Image.fromarray((grey * 255 + 0.5).astype(np.uint8)).convert("RGB")
                name = f"S{si}_alt{alt:.0f}_p{-pitch:.0f}.JPG"
                exif, xmp = camera_metadata(PHANTOM_4_PRO, pose, img.size)
                img.save(out / "photos" / name, quality=92, exif=exif, xmp=xmp)
                truth.append((name, f"{lat:.8f}", f"{lon:.8f}", pitch, alt, f"{pose.yaw:.1f}",
                              f"{valid_fraction(scene, rows, cols):.3f}"))
                print(f"{name}: yaw {pose.yaw:.0f}, {valid_fraction(scene, rows, cols):.0%} on the source", flush=True)
    with open(out / "truth_private.csv", "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["photo", "lat", "lon", "pitch", "altitude_m", "yaw_deg", "on_source"])
        wr.writerows(truth)
    print(f"rendered {len(truth)} photos in {time.perf_counter() - started:.0f} s wall")


def _truth(ladder: Path) -> dict[str, tuple[float, float, float]]:
    with open(ladder / "truth_private.csv", newline="") as fh:
        return {r["photo"]: (float(r["lat"]), float(r["lon"]), float(r["pitch"])) for r in csv.DictReader(fh)}


def _queries(ladder: Path, source: str):
    """The ladder's photos ("photos"), their turned copies ("turned", made by `frames`), or the
    first frame of each photo's clip ("frames", made by `frames`), with the photo's name each."""
    from geolocator.core.queries import load_queries

    if source == "frames":
        from geolocator.core.media.video import video_queries

        return [(p.stem + ".JPG", video_queries(p, every_s=1.0)[0]) for p in sorted((ladder / "frames").glob("*.mp4"))]
    return [(Path(q.path).name, q) for q in load_queries(ladder / source)]


def locate(ladder: Path, cache_dir: Path | None, pitches, *, band: bool, stripped: bool = False,
           rectify: bool = True, pose_check: bool = True, blind: bool = True, second_look: bool = True,
           second_rectify: bool = True, source: str = "photos", matcher: str | None = None) -> dict:
    """Locate the ladder's photos (or their turned copies, or video frames: `source`, see _queries)
    of these pitches; scored against truth_private.csv afterwards. `matcher` (e.g. "xfeat"): the
    whole verification by that backend instead of SIFT + the second look, turned to nadir
    (`rectify`) or as taken: what the second look's matcher places by itself."""
    import geolocator.core.pose_check as pc
    from geolocator.core.geo import haversine_m
    from geolocator.core.model import LatLon
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.rerank import Verifier
    from geolocator.core.sources.csv import load_tiles_csv

    truth = _truth(ladder)
    named = [(name, q) for name, q in _queries(ladder, source) if truth[name][2] in pitches]
    names = {id(q): name for name, q in named}
    queries = [q for _, q in named]
    if stripped:
        queries = [replace(q, meta=None) for q in queries]
        names = {id(q): name for (name, _), q in zip(named, queries)}
    if band:
        os.environ.pop("GEOLOCATOR_GROUND_BAND_DEG", None)
    else:
        os.environ["GEOLOCATOR_GROUND_BAND_DEG"] = "off"
    real_check = pc.drop_contradicted
    if not pose_check:
        pc.drop_contradicted = lambda queries, tiles, candidates, checks: checks
    try:
        ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=cache_dir))
        ws.open_tiles(load_tiles_csv(ROOT / "data/benchmark/vegas/tiles.csv"))
        ws.index()
        if matcher is not None:  # the learned backend alone, its keypoint cache and pair store kept
            ws.set_matcher(matcher)
            ws.settings.second_look = None
            ws.verifier.settings = replace(ws.verifier.settings, rectify=rectify)
        else:
            settings = replace(ws.verifier.settings, rectify=rectify)
            ws._verifier = Verifier(settings if blind else replace(settings, blind_tilts=()))
        if matcher is not None:
            pass  # no second look (off above)
        elif not second_look:  # the learned second look (Settings.second_look, core/second_look.py) off
            ws.settings.second_look = None
        elif not second_rectify:  # ... or on, describing the photo as taken instead of turned to nadir
            second = ws._second_verifier()
            if second is not None:
                ws._second = Verifier(replace(second.settings, rectify=False))
        started, cpu = time.perf_counter(), time.process_time()
        predictions = ws.locate(queries)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        pc.drop_contradicted = real_check
        os.environ.pop("GEOLOCATOR_GROUND_BAND_DEG", None)
    rows = []
    by_id = {q.id: names[id(q)] for q in queries}
    for p in predictions:
        name = by_id[p.query.id]
        lat, lon, pitch = truth[name]
        err = haversine_m(p.location, LatLon(lat, lon))
        rows.append((name, pitch, p.status, float(p.confidence), err))
    placed = [r for r in rows if r[2] == "verified"]
    right = [r for r in placed if r[4] <= PLACED_M]
    wrong = [r for r in rows if r[4] > PLACED_M and (r[2] == "verified" or r[3] >= 0.5)]
    return {"n": len(rows), "placed": len(placed), "right": len(right), "wrong": len(wrong),
            "errors": sorted(r[4] for r in right), "unplaced_conf": sorted(r[3] for r in rows if r[2] != "verified"),
            "seconds": seconds, "cpu": cpu, "rows": rows}


def _fmt(r: dict) -> str:
    errs = r["errors"]
    span = f"{min(errs):.2f}-{max(errs):.2f} m" if errs else "-"
    return (f"{r['placed']} of {r['n']} | {r['right']} | {span} | {r['wrong']} | "
            f"{r['seconds']:.1f} s, {r['cpu']:.1f} s ({r['cpu'] / max(1, r['n']):.2f} s a photo)")


def run(ladder: Path, cache_dir: Path | None, yardstick: bool, warm: bool, only_diagnosis: bool = False) -> list[str]:
    lines = ["| photos | ground band | recorded-view path | placed (verified) | right (<= 5 m) | error of the right | "
             "confident wrong | wall, CPU |", "|---|---|---|---|---|---|---|---|"]
    if warm:  # tile features and the index cached once, so no row pays for them
        locate(ladder, cache_dir, (-60.0,), band=False)
    for pitch in PITCHES if not only_diagnosis else ():
        for band in (False, True):
            r = locate(ladder, cache_dir, (pitch,), band=band)
            lines.append(f"| pitch {pitch:.0f} | {'on (20°)' if band else 'off (whole)'} | as the product | {_fmt(r)} |")
            print(lines[-1], flush=True)
            for name, p, status, conf, err in r["rows"]:
                print(f"    {name} {status} {conf:.3f} {err:.2f} m", flush=True)
    for label, kw in (("metadata stripped", dict(stripped=True)), ("no turn to nadir", dict(rectify=False)),
                      ("no pose check", dict(pose_check=False)),
                      ("no turn to nadir, no pose check", dict(rectify=False, pose_check=False)),
                      ("metadata stripped, no blind pass", dict(stripped=True, blind=False)),
                      ("metadata stripped, no second look", dict(stripped=True, second_look=False)),
                      ("second look as taken (not turned to nadir)", dict(second_rectify=False)),
                      ("no turn to nadir in either look", dict(rectify=False, second_rectify=False))):
        r = locate(ladder, cache_dir, (-30.0,), band=False, **kw)
        lines.append(f"| pitch -30 | off (whole) | {label} | {_fmt(r)} |")
        print(lines[-1], flush=True)
        for name, p, status, conf, err in r["rows"]:
            print(f"    {name} {status} {conf:.3f} {err:.2f} m", flush=True)
    if yardstick:
        from compare_oblique import locate as oblique_locate

        lines += ["", "| region | ground band | photos | R@1 | median error (m) | within 5 m | verified | wall, CPU |",
                  "|---|---|---|---|---|---|---|---|"]
        for region in ("vegas-oblique", "rotterdam-oblique"):
            for band in (False, True):
                if band:
                    os.environ.pop("GEOLOCATOR_GROUND_BAND_DEG", None)
                else:
                    os.environ["GEOLOCATOR_GROUND_BAND_DEG"] = "off"
                try:
                    r = oblique_locate(ROOT / "data/benchmark" / region, cache_dir, True, True)
                finally:
                    os.environ.pop("GEOLOCATOR_GROUND_BAND_DEG", None)
                lines.append(f"| {region} | {'on (20°)' if band else 'off'} | {r['n']} | {r['r1']:.1f} | "
                             f"{r['median']:.2f} | {r['placed']} | {r['verified']} | {r['seconds']:.0f} s, {r['cpu']:.0f} s |")
                print(lines[-1], flush=True)
    return lines


FRAME_SIZE = (1920, 1280)  # the photos' 3:2 at a video's width: the same lens, f = 1,280 px
TURNS = {6: "ROTATE_90", 8: "ROTATE_270", 3: "ROTATE_180"}  # stored this way, EXIF Orientation shows it upright


def make_frames(ladder: Path, turned_pitch: float = -30.0) -> None:
    """For each ladder photo a 2 s H.264 clip at 1 fps (FRAME_SIZE, crf 18, both frames the photo
    shrunk) in ladder/frames with a DJI Mini/Air-style SRT sidecar recording what the photo's
    metadata records: gb_pitch, rel_alt (the photo's XMP RelativeAltitude) and focal_len 24.00 (the
    Phantom 4 Pro's 35 mm equivalent: 24 / 43.27 x the 1920 x 1280 diagonal = 1,280 px, the photo's
    3,648 px at this size); no position, no heading. And the `turned_pitch` photos stored turned
    (ladder/turned: pixels turned, re-encoded at q92, EXIF Orientation 6 for S0, 8 for S1, their
    EXIF and XMP kept), so they display as the upright photo does."""
    import av
    import srt
    from datetime import timedelta

    from PIL import Image

    from geolocator.core.media.metadata import read_photo_meta

    (ladder / "frames").mkdir(exist_ok=True)
    (ladder / "turned").mkdir(exist_ok=True)
    truth = _truth(ladder)
    started = time.perf_counter()
    for name in sorted(truth):
        photo = ladder / "photos" / name
        meta = read_photo_meta(photo)
        with Image.open(photo) as im:
            picture = im.convert("RGB").resize(FRAME_SIZE, Image.Resampling.LANCZOS)
            if truth[name][2] == turned_pitch:
                orientation = 6 if name.startswith("S0") else 8
                exif = im.getexif()
                exif[0x0112] = orientation
                turned = im.convert("RGB").transpose(getattr(Image.Transpose, TURNS[orientation]))
                turned.save(ladder / "turned" / name, quality=92, exif=exif.tobytes(), xmp=im.info.get("xmp"))
        clip = ladder / "frames" / (photo.stem + ".mp4")
        with av.open(str(clip), "w") as container:
            stream = container.add_stream("libx264", rate=1)
            stream.width, stream.height, stream.pix_fmt = *FRAME_SIZE, "yuv420p"
            stream.options = {"crf": "18", "preset": "fast"}
            frame = av.VideoFrame.from_ndarray(np.asarray(picture), format="rgb24")
            for _ in range(2):
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        cues = [srt.Subtitle(i + 1, timedelta(seconds=i), timedelta(seconds=i + 1),
                             f"FrameCnt: {i + 1}, DiffTime: 1000ms\n[iso: 100] [shutter: 1/1000.0] [fnum: 2.8] "
                             f"[focal_len: 24.00] [rel_alt: {meta.relative_altitude_m:.3f} abs_alt: 652.300] "
                             f"[gb_pitch: {meta.gimbal_pitch_deg:.1f} gb_roll: 0.0]") for i in range(2)]
        clip.with_suffix(".SRT").write_text(srt.compose(cues), encoding="utf-8")
    print(f"wrote {len(truth)} clips and the turned copies in {time.perf_counter() - started:.0f} s wall")


def rows(ladder: Path, cache_dir: Path | None, source: str, pitches, bands, label: str, **kw) -> list[str]:
    """One table row per pitch and band setting, naming the code version that ran (geolocator.__file__)."""
    import geolocator

    code = Path(geolocator.__file__).resolve().parents[1]
    lines = []
    for pitch in pitches:
        for band in bands:
            r = locate(ladder, cache_dir, (pitch,), band=band, source=source, **kw)
            lines.append(f"| {source} {pitch:.0f} | {code} | {'on (20°)' if band else 'off (whole)'} | {label} | {_fmt(r)} |")
            print(lines[-1], flush=True)
            for name, p, status, conf, err in r["rows"]:
                print(f"    {name} {status} {conf:.3f} {err:.2f} m", flush=True)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--out", type=Path, required=True)
    m.add_argument("--wheel", type=Path, default=WHEEL)
    r = sub.add_parser("run")
    r.add_argument("--ladder", type=Path, required=True)
    r.add_argument("--cache-dir", type=Path)
    r.add_argument("--yardstick", action="store_true")
    r.add_argument("--no-warm", action="store_true")
    r.add_argument("--only-diagnosis", action="store_true", help="only the -30 rows that find what loses them whole")
    f = sub.add_parser("frames", help="clips with DJI-style SRT sidecars and turned copies of the -30 photos")
    f.add_argument("--ladder", type=Path, required=True)
    w = sub.add_parser("rows", help="rows for frames, turned copies or photos, by pitch and band")
    w.add_argument("--ladder", type=Path, required=True)
    w.add_argument("--cache-dir", type=Path)
    w.add_argument("--source", choices=("photos", "frames", "turned"), default="frames")
    w.add_argument("--pitches", type=float, nargs="+", default=list(PITCHES))
    w.add_argument("--bands", choices=("off", "on"), nargs="+", default=["off", "on"])
    w.add_argument("--second-look-as-taken", action="store_true", help="the second look describes the photo as taken")
    w.add_argument("--no-second-look", action="store_true")
    w.add_argument("--matcher", help="verify with this backend alone (e.g. xfeat), no second look")
    w.add_argument("--as-taken", action="store_true", help="with --matcher: describe the photo as taken, not turned to nadir")
    args = ap.parse_args()
    if args.cmd == "make":
        make(args.out, args.wheel, ROOT / "data/benchmark/vegas/tiles.csv")
    elif args.cmd == "frames":
        make_frames(args.ladder)
    elif args.cmd == "rows":
        label = (f"{args.matcher} alone, {'as taken' if args.as_taken else 'turned to nadir'}" if args.matcher else
                 "no second look" if args.no_second_look else
                 "second look as taken" if args.second_look_as_taken else "as the product")
        lines = rows(args.ladder, args.cache_dir, args.source, args.pitches, [b == "on" for b in args.bands], label,
                     second_look=not args.no_second_look, second_rectify=not args.second_look_as_taken,
                     matcher=args.matcher, rectify=not args.as_taken)
        print("\n".join(lines))
    else:
        print("\n".join(run(args.ladder, args.cache_dir, args.yardstick, not args.no_warm, args.only_diagnosis)))


if __name__ == "__main__":
    main()
