"""Did session 36 make geolocator slower? The same work timed in two checkouts in one run (perf36).

Session 36 added per-file checks to the photos' listing (core/queries.py: evidence.earlier_evidence,
sources.xyz.tile_folder_of, media.copies.geotagged_copies reading the start of each JPEG whose name
another file shares), atomic writes of stores and indexes (outputs.write_atomic; TileIndex.save now
streams faiss through a Python writer), and the framing (crop / resize) read with each photo's
metadata (media/framing.py). Workloads, each in a fresh subprocess whose PYTHONPATH is one checkout:

  list    - queries.load_queries on a folder of N photos: 5 cards x N/5 `DCIM/100MEDIA/DJI_####.JPG`
            (so every name is shared by 5 files: the geotagged-copy check reads each one's start),
            each a distinct small JPEG (a crop of a benchmark photo) with DJI EXIF (GPS, time, focal)
            and DJI XMP. Includes reading each photo's header and metadata (as the app's Add Folder).
  mixed   - the same folder plus an evidence folder (300 pictures + 300 records) and a z/x/y tile
            folder (1,000 tiles): the new code sets them aside, the old reads them as photos, so this
            is not like for like (the old does more work); reported for the record.
  meta    - media.metadata.read_photo_meta on M of those photos.
  store   - FeatureStore opened on an existing store of T tiles (1 view, 1280-d float16), all its
            features read (store.array), retrieval.TileIndex built (flat: T <= FLAT_MAX) and saved.
            Times: open+read, build, save (each separately).

Runs alternate old/new (order flipped each repetition) so that the load of the shared machine falls on
both alike; figures are medians of CPU time (user+sys of the child, time.process_time) and wall time,
and the ratio new/old; peak_rss_mb is the child's peak resident memory (ru_maxrss). os.getloadavg() is printed.

  python training/bench_session36_overhead.py --old /tmp/perf36/old --new . [--reps 5]
      [--photos 10000] [--meta 1000] [--tiles 100000] [--work /tmp/perf36/work]
Writes the table to stdout (committed as training/results/bench_session36_overhead.txt).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DIM = 1280
CARDS = 5
XMP = ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
       '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       '<rdf:Description rdf:about="" xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" '
       'drone-dji:AbsoluteAltitude="+{alt:.2f}" drone-dji:RelativeAltitude="+40.00" '
       'drone-dji:GimbalRollDegree="+0.00" drone-dji:GimbalYawDegree="{yaw:+.2f}" drone-dji:GimbalPitchDegree="-90.00" '
       'drone-dji:FlightYawDegree="{yaw:+.2f}" drone-dji:DroneSerialNumber="1581F4XFB07A"/>'
       '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>')


# -- making the inputs (once, shared by both checkouts) ----------------------------------------------
def _dji_jpeg(image, i: int) -> bytes:
    import piexif

    lat, lon = 51.9 + i * 1e-5, 4.45 + i * 1e-5
    dms = lambda d: ((int(d), 1), (int(d * 60) % 60, 1), (round((d * 3600) % 60 * 1e4), 10_000))  # noqa: E731
    exif = piexif.dump({
        "0th": {piexif.ImageIFD.Make: b"DJI", piexif.ImageIFD.Model: b"FC3582", piexif.ImageIFD.Orientation: 1},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: f"2026:12:04 10:{i // 60 % 60:02d}:{i % 60:02d}".encode(),
                 piexif.ExifIFD.FocalLength: (672, 100), piexif.ExifIFD.FocalLengthIn35mmFilm: 24,
                 piexif.ExifIFD.PixelXDimension: image.size[0], piexif.ExifIFD.PixelYDimension: image.size[1]},
        "GPS": {piexif.GPSIFD.GPSVersionID: (2, 3, 0, 0), piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: dms(lat), piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: dms(lon), piexif.GPSIFD.GPSAltitudeRef: 0,
                piexif.GPSIFD.GPSAltitude: (700000, 1000)}})
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85, exif=exif)
    jpeg = buf.getvalue()
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + XMP.format(alt=700.0, yaw=(i * 7) % 360 - 180).encode()
    return jpeg[:2] + b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


def make_photos(folder: Path, n: int, pad_mb: float = 0.0) -> None:
    """`n` distinct small DJI JPEGs in 5 cards. With `pad_mb`, each file is made that many MB long (+ i
    bytes, so no two share a size) by a sparse hole after the picture's end (a drone photo's preview
    image sits there): readers of a file's start meet a real photo's length, no disk space is used."""
    from PIL import Image

    sources = sorted((ROOT / "data/benchmark/rotterdam/queries").glob("*.jpg"))[:40]
    bases = [Image.open(p).convert("RGB") for p in sources]
    per_card = n // CARDS
    for i in range(n):
        card, k = divmod(i, per_card)
        base = bases[i % len(bases)]
        dx, dy = (i * 7) % (base.width - 160), (i * 13) % (base.height - 120)
        out = folder / f"card{card + 1}" / "DCIM" / "100MEDIA" / f"DJI_{k + 1:04d}.JPG"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(_dji_jpeg(base.crop((dx, dy, dx + 160, dy + 120)), i))
        if pad_mb:
            os.truncate(out, int(pad_mb * 1e6) + i)


def make_mixed(photos: Path, folder: Path) -> None:
    """`photos` hard-linked, plus 300 evidence pairs and a 1,000-tile z/x/y folder (hard links of a few tiles)."""
    from PIL import Image

    shutil.copytree(photos, folder, copy_function=os.link)
    ev = folder / "evidence"
    ev.mkdir()
    png = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 80)).save(png, "PNG")
    for i in range(300):
        (ev / f"DJI_{i:04d}.evidence.png").write_bytes(png.getvalue())
        (ev / f"DJI_{i:04d}.evidence.json").write_text(json.dumps({"id": f"DJI_{i:04d}", "lat": 51.9, "lon": 4.45}))
    tiles = sorted((ROOT / "data/benchmark/rotterdam/tiles").glob("*"))[:10]
    for i in range(1000):
        x, y = 33500 + i // 40, 21600 + i % 40
        out = folder / "area" / "16" / str(x) / f"{y}.jpg"
        out.parent.mkdir(parents=True, exist_ok=True)
        os.link(tiles[i % len(tiles)], out)


def make_store(root: Path, n: int) -> None:
    sys.path.insert(0, str(ROOT))
    from geolocator.core.store import FeatureStore

    store = FeatureStore(root, signature="synthetic", views=("rot0",), dim=DIM)
    rng = np.random.default_rng(0)
    for s in range(0, n, 16384):
        m = min(16384, n - s)
        x = rng.standard_normal((m, DIM)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        store.append([f"t{i}" for i in range(s, s + m)], x[:, None, :])
    del store


# -- the timed work (in a child process, PYTHONPATH = one checkout) ----------------------------------
def _timed(fn):
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c0, time.perf_counter() - w0


def child(work: str, path: Path, n: int) -> dict:
    if work in ("list", "mixed"):
        from geolocator.core.queries import load_queries

        skipped: list = []
        qs, cpu, wall = _timed(lambda: load_queries(path, on_skip=lambda p, r: skipped.append(p)))
        return {"cpu": cpu, "wall": wall, "queries": len(qs), "skipped": len(skipped)}
    if work == "meta":
        from geolocator.core.media.metadata import read_photo_meta

        files = sorted(path.rglob("*.JPG"))[:n]
        metas, cpu, wall = _timed(lambda: [read_photo_meta(f) for f in files])
        return {"cpu": cpu, "wall": wall, "with_position": sum(m.position is not None for m in metas)}
    if work == "store":
        from geolocator.core.retrieval import TileIndex
        from geolocator.core.store import FeatureStore

        def open_read():
            store = FeatureStore(path, signature="synthetic", views=("rot0",), dim=DIM)
            return store, np.asarray(store.array())

        (store, feats), cpu_o, wall_o = _timed(open_read)
        index, cpu_b, wall_b = _timed(lambda: TileIndex.build(feats))
        out = path.parent / f"index-{os.getpid()}.faiss"
        _, cpu_s, wall_s = _timed(lambda: index.save(out))
        size = out.stat().st_size
        for p in out.parent.glob(f"index-{os.getpid()}.*"):
            p.unlink()
        return {"cpu": cpu_o, "wall": wall_o, "build_cpu": cpu_b, "build_wall": wall_b,
                "save_cpu": cpu_s, "save_wall": wall_s, "rows": len(store), "index_mb": size / 1e6}
    raise SystemExit(f"unknown work {work}")


def run_child(tree: Path, work: str, path: Path, n: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1", "GEOLOCATOR_NO_NETWORK": "1"}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", work, "--path", str(path), "--n", str(n)]
    res = subprocess.run(cmd, env=env, cwd=str(tree), capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"{tree} {work} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", type=Path)
    ap.add_argument("--new", type=Path, default=ROOT)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--photos", type=int, default=10_000)
    ap.add_argument("--meta", type=int, default=1_000)
    ap.add_argument("--tiles", type=int, default=100_000)
    ap.add_argument("--pad-mb", type=float, default=0.0,
                    help="photos this many MB long (a sparse hole at the end)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/perf36/work"))
    ap.add_argument("--only", nargs="*", default=["list", "mixed", "meta", "store"])
    ap.add_argument("--child")
    ap.add_argument("--path", type=Path)
    ap.add_argument("--n", type=int, default=0)
    a = ap.parse_args()
    if a.child:
        import resource

        out = child(a.child, a.path, a.n)
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print(json.dumps(out))
        return

    tag = f"-pad{a.pad_mb:g}mb" if a.pad_mb else ""
    photos, mixed = a.work / f"photos-{a.photos}{tag}", a.work / f"mixed-{a.photos}{tag}"
    store = a.work / f"store-{a.tiles}"
    if not photos.exists():
        t0 = time.perf_counter()
        make_photos(photos, a.photos, a.pad_mb)
        print(f"made {a.photos} photos in {time.perf_counter() - t0:.0f} s", flush=True)
    if "mixed" in a.only and not mixed.exists():
        make_mixed(photos, mixed)
    if "store" in a.only and not store.exists():
        t0 = time.perf_counter()
        make_store(store, a.tiles)
        print(f"made a {a.tiles}-tile store in {time.perf_counter() - t0:.0f} s", flush=True)
    works = {"list": (photos, a.photos), "mixed": (mixed, a.photos), "meta": (photos, a.meta),
             "store": (store, a.tiles)}
    print(f"old {a.old} | new {a.new} | reps {a.reps} | load before {os.getloadavg()}", flush=True)
    for work in a.only:
        path, n = works[work]
        got: dict[str, list[dict]] = {"old": [], "new": []}
        for rep in range(a.reps):
            order = ("old", "new") if rep % 2 == 0 else ("new", "old")
            for which in order:
                got[which].append(run_child(a.old if which == "old" else a.new, work, path, n))
        first = got["new"][0]
        keys = [k for k in first if isinstance(first[k], float) and any(w in k for w in ("cpu", "wall", "rss"))]
        extra = {w: {k: v for k, v in got[w][0].items() if k not in keys} for w in got}
        print(f"\n{work} ({path.name}, n={n}): old {extra['old']} | new {extra['new']}")
        print(f"  {'figure':<11} {'old median':>10} {'new median':>10} {'new/old':>8}   old runs | new runs")
        for k in keys:
            o, w = (statistics.median(r[k] for r in got[x]) for x in ("old", "new"))
            runs = lambda x: " ".join(f"{r[k]:.2f}" for r in got[x])  # noqa: E731
            unit = "M" if "rss" in k else "s"
            print(f"  {k:<11} {o:>9.3f}{unit} {w:>9.3f}{unit} {w / o:>8.2f}   {runs('old')} | {runs('new')}",
                  flush=True)
    print(f"\nload after {os.getloadavg()}")


if __name__ == "__main__":
    main()
