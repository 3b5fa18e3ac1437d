"""What crop37's EXIF-thumbnail crop search costs when photo metadata is read (thumbcost37, session 37).

read_photo_meta runs media/thumb_framing.thumbnail_framing on every photo whose recorded sizes read as a
resize or a crop of unknown place and that carries an EXIF thumbnail (a decode at JPEG draft scale, then up
to 3 + 57 OpenCV matchTemplate calls). This times read_photo_meta on a folder of typical photos, made with
Pillow/piexif from copies of shared/real-dji (DJI Phantom 3, 4000 x 2250, 160 x 120 thumbnail) and the
benchmark's queries, for several checkouts in one run (each in its own process, rounds alternating, the
fastest round per photo kept), and says for each earlier checkout how many photos it reads the same
framing for as this one (the `--same` one must read all the same, else the exit status is 1).

  PYTHONPATH=. python training/bench_thumb_framing.py --checkout before=/tmp/thumbcost37/before \
      --checkout main=/tmp/thumbcost37/main --same main [--rounds 2]

--checkout NAME=DIR: a checkout of an earlier commit (git worktree add --detach DIR COMMIT); "after" is this one.
Kinds of photo:
  original     the camera's file as it is (sizes agree: nothing to search)
  resized      the whole frame resized (2000 x 1125, 1000 x 562), the camera's EXIF block kept (thumbnail too)
  resized-bare the same resize saved without EXIF (no sizes: nothing to search)
  crop-thumb   a crop (3 boxes) keeping the camera's EXIF block, thumbnail included
  crop-nothumb the same crops, EXIF kept without the thumbnail
  query        benchmark queries (data/benchmark/vegas/queries, no EXIF)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
BOXES = ((0.1, 0.2, 0.7, 0.8), (0.0, 0.0, 0.3, 0.3), (0.3, 0.0, 0.6125, 1.0))
RESIZES = ((2000, 1125), (1000, 562))

TIMER = """
import json, sys, time
from pathlib import Path
from geolocator.core.media.metadata import read_photo_meta
read_photo_meta(Path(sys.argv[1]))  # imports and the first decode out of the timing
out = {}
for line in sys.stdin:
    path = Path(line.strip())
    t0 = time.perf_counter()
    framing = read_photo_meta(path).framing
    out[str(path)] = [time.perf_counter() - t0, repr(framing)]
print(json.dumps(out))
"""

STAGES = """
import json, sys, time
from pathlib import Path
from geolocator.core.media import thumb_framing as tf
from geolocator.core.media.metadata import read_photo_meta
out = []
for line in sys.stdin:
    path = Path(line.strip())
    meta = read_photo_meta(path)
    t0 = time.perf_counter()
    thumb = tf.exif_thumbnail(path)
    t1 = time.perf_counter()
    pixels = tf._pixels(path, 4 * max(thumb.shape))
    t2 = time.perf_counter()
    tf.place_in_thumbnail(thumb, pixels, 4000 / 2250)
    t3 = time.perf_counter()
    out.append([t1 - t0, t2 - t1, t3 - t2, list(pixels.shape)])
print(json.dumps(out))
"""


def make_photos(dji: Path, queries: Path, folder: Path, n_queries: int) -> dict[str, str]:
    """Writes the folder of photos; {path: kind}."""
    import piexif
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, str] = {}
    for src in sorted(dji.glob("*.JPG")):
        with Image.open(src) as im:
            raw, (w, h) = im.info["exif"], im.size
            pixels = im.copy()
        bare_exif = piexif.load(raw)
        bare_exif.pop("thumbnail", None)
        bare_exif["1st"] = {}
        no_thumb = piexif.dump(bare_exif)
        orig = folder / f"{src.stem}_original.jpg"
        orig.write_bytes(src.read_bytes())
        kinds[str(orig)] = "original"
        for size in RESIZES:
            small = pixels.resize(size, Image.Resampling.LANCZOS)
            p = folder / f"{src.stem}_resized_{size[0]}.jpg"
            small.save(p, exif=raw, quality=92)
            kinds[str(p)] = "resized"
            p = folder / f"{src.stem}_resizedbare_{size[0]}.jpg"
            small.save(p, quality=92)
            kinds[str(p)] = "resized-bare"
        for i, box in enumerate(BOXES):
            cut = pixels.crop((round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)))
            p = folder / f"{src.stem}_crop{i}_thumb.jpg"
            cut.save(p, exif=raw, quality=92)
            kinds[str(p)] = "crop-thumb"
            p = folder / f"{src.stem}_crop{i}_nothumb.jpg"
            cut.save(p, exif=no_thumb, quality=92)
            kinds[str(p)] = "crop-nothumb"
    for q in sorted(queries.glob("*.jpg"))[:n_queries]:
        p = folder / f"query_{q.name}"
        p.write_bytes(q.read_bytes())
        kinds[str(p)] = "query"
    return kinds


def timed(checkout: Path, paths: list[str], script: str = TIMER):
    env = dict(os.environ, PYTHONPATH=str(checkout), OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", script, paths[-1]], input="\n".join(paths), text=True,
                          capture_output=True, env=env, cwd=checkout, check=True)
    return json.loads(done.stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkout", action="append", default=[], help="NAME=DIR, an earlier checkout")
    ap.add_argument("--same", help="the NAME whose framings must all equal this checkout's")
    ap.add_argument("--dji", type=Path, default=HERE.parent.parent / "shared" / "real-dji")
    ap.add_argument("--queries", type=Path, default=HERE / "data" / "benchmark" / "vegas" / "queries")
    ap.add_argument("--n-queries", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/thumbcost37/photos"))
    args = ap.parse_args()
    kinds = make_photos(args.dji, args.queries, args.work, args.n_queries)
    paths = list(kinds)
    checkouts = dict(c.split("=", 1) for c in args.checkout)
    checkouts = {name: Path(d) for name, d in checkouts.items()} | {"after": HERE}
    best: dict[str, dict[str, float]] = {name: {} for name in checkouts}
    framing: dict[str, dict[str, str]] = {name: {} for name in checkouts}
    for _ in range(args.rounds):
        for name, checkout in checkouts.items():
            for path, (secs, said) in timed(checkout, paths).items():
                best[name][path] = min(secs, best[name].get(path, float("inf")))
                framing[name][path] = said
    names = list(checkouts)
    print(f"read_photo_meta per photo, seconds (fastest of {args.rounds} rounds); "
          + ", ".join(f"{n} = {d}" for n, d in checkouts.items())
          + f"; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    head = " | ".join(f"{n} median | {n} max | {n} total" for n in names)
    same_head = " | ".join(f"same framing as after: {n}" for n in names[:-1])
    print(f"\n| kind | photos | {head} | {same_head} |\n|---|---|" + "---|" * (3 * len(names) + len(names) - 1))
    for kind in dict.fromkeys(kinds.values()):
        group = [p for p in paths if kinds[p] == kind]
        cells = []
        for n in names:
            t = [best[n][p] for p in group]
            cells.append(f"{statistics.median(t):.3f} | {max(t):.3f} | {sum(t):.2f}")
        same = [f"{sum(framing[n][p] == framing['after'][p] for p in group)}/{len(group)}" for n in names[:-1]]
        print(f"| {kind} | {len(group)} | " + " | ".join(cells + same) + " |")
    print("\n| photo | kind | " + " | ".join(f"{n} s" for n in names) + " | framing (after) |\n|---|---|"
          + "---|" * (len(names) + 1))
    for p in paths:
        said = framing["after"][p]
        print(f"| {Path(p).name} | {kinds[p]} | " + " | ".join(f"{best[n][p]:.3f}" for n in names)
              + f" | {said[:110]}{'...' if len(said) > 110 else ''} |")
    resized = [p for p in paths if kinds[p] == "resized"]
    stages = timed(HERE, resized, STAGES)
    print("\nWhere a resized photo's search time goes, after (one pass, seconds): thumbnail read, pixels decoded"
          " (JPEG draft), matches\n\n| photo | thumbnail | pixels (decoded size) | matches |\n|---|---|---|---|")
    for p, (t_thumb, t_pix, t_match, shape) in zip(resized, stages):
        print(f"| {Path(p).name} | {t_thumb:.3f} | {t_pix:.3f} ({shape[1]} x {shape[0]}) | {t_match:.3f} |")
    if args.same:
        differ = [p for p in paths if framing[args.same][p] != framing["after"][p]]
        for p in differ:
            print(f"DIFFERENT from {args.same}: {p}:\n  {args.same} {framing[args.same][p]}\n  after  {framing['after'][p]}")
        print(f"\n{len(paths) - len(differ)}/{len(paths)} photos read the same framing in {args.same} and after")
        if differ:
            sys.exit(1)

if __name__ == "__main__":
    main()
