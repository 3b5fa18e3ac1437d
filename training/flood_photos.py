"""Photos "after the event" (flood, fire, smoke, debris) made from benchmark photos, located against
the benchmark's own tiles (taken "before"), and scored: session 25's table (training/results/
newuser_session25.md) and the figures core/changed_ground.py rests on. Seeded; no reserved data.

  python training/flood_photos.py make [--regions vegas rotterdam] [--per-region 14] [--out /tmp/flood]
  for r in vegas rotterdam; do for d in /tmp/flood/sets/$r/*; do
    geolocator locate $d --tiles data/benchmark/$r/tiles.csv --out /tmp/flood/pred/${r}_$(basename $d).csv; done; done
  python training/flood_photos.py score /tmp/flood/pred [--out /tmp/flood]

`make` writes OUT/sets/REGION/KIND/DJI_NNNN.jpg (no metadata, as a messenger app leaves them) and
OUT/truth_private.csv, which only `score` reads. Kinds: clean (the photo re-saved), flood_low30/50
(muddy water over the lower 30/50 % of the frame, a wavy shore, ripples), flood_blob20/45/70 (water
in blobs over 20/45/70 %), fire40 (burnt, darkened and desaturated patches over 40 %), smoke (a
patchy haze), debris (water over 30 % and speckle), combo_msg (water 40 %, debris, haze, then
re-compressed twice at JPEG quality 55 as a messenger app does). `score` prints, per region and
kind: photos, verified, placed (confidence >= 0.5), right (the Point within 35 m), confident (>= 0.9),
confident and wrong, wrong answers shown unsure (< 0.5), and the same after
core/changed_ground.changed_confidence (what `locate --changed-ground` claims); then confidence
buckets of the damaged kinds, right and wrong.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KINDS = ('clean', 'flood_low30', 'flood_low50', 'flood_blob20', 'flood_blob45', 'flood_blob70',
         'fire40', 'smoke', 'debris', 'combo_msg')


def lowfreq(rng, h, w, scale):
    small = rng.random((max(2, h // scale), max(2, w // scale))).astype(np.float32)
    im = Image.fromarray((small * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC)
    im = im.filter(ImageFilter.GaussianBlur(scale / 3))
    return np.asarray(im, np.float32) / 255

def blob_mask(rng, h, w, cover):
    f = lowfreq(rng, h, w, 48)
    thr = np.quantile(f, 1 - cover)
    m = (f >= thr).astype(np.float32)
    return np.asarray(Image.fromarray((m * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.5)), np.float32) / 255

def water(rng, a, m):
    h, w, _ = a.shape
    yy, xx = np.mgrid[0:h, 0:w]
    ang = rng.uniform(0, np.pi)
    rip = np.sin((xx * np.cos(ang) + yy * np.sin(ang)) / rng.uniform(2.5, 4.5)) * 6 + lowfreq(rng, h, w, 12) * 14
    base = np.array([118, 92, 58], np.float32) + rng.uniform(-10, 10, 3)
    wat = base[None, None, :] + rip[..., None]
    return a * (1 - m[..., None]) + wat * m[..., None]

def flood_low(rng, a, cover):
    h, w, _ = a.shape
    # waterline: low part of the frame, wavy
    edge = (1 - cover) * h + (lowfreq(rng, 1 * 8, w, 8)[0] - 0.5) * 0.25 * h
    yy = np.mgrid[0:h, 0:w][0]
    m = (yy >= edge[None, :]).astype(np.float32)
    m = np.asarray(Image.fromarray((m * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.5)), np.float32) / 255
    return water(rng, a, m)

def fire(rng, a, cover):
    h, w, _ = a.shape
    m = blob_mask(rng, h, w, cover)
    g = a.mean(axis=2, keepdims=True)
    burnt = g * 0.28 + np.array([14, 10, 8], np.float32) + (rng.random((h, w, 1)) * 18)
    return a * (1 - m[..., None]) + burnt * m[..., None]

def smoke(rng, a, strength):
    h, w, _ = a.shape
    f = lowfreq(rng, h, w, 64)
    al = np.clip(strength * (0.6 + 0.8 * f), 0, 0.9)[..., None]
    return a * (1 - al) + np.array([196, 192, 186], np.float32) * al

def debris(rng, a, density):
    h, w, _ = a.shape
    out = a.copy()
    n = int(density * h * w / 9)
    for _ in range(n):
        y, x = rng.integers(0, h - 4), rng.integers(0, w - 4)
        s = rng.integers(1, 4)
        out[y:y + s, x:x + s + rng.integers(0, 3)] = rng.uniform(30, 230, 3)
    return out

def messenger(im, q=55):
    b = io.BytesIO(); im.save(b, 'JPEG', quality=q); b.seek(0)
    im2 = Image.open(b).convert('RGB'); b2 = io.BytesIO(); im2.save(b2, 'JPEG', quality=q); b2.seek(0)
    return Image.open(b2).convert('RGB')


def make(level, rng, a):
    if level == 'clean': return a
    if level.startswith('flood_low'): return flood_low(rng, a, int(level[9:]) / 100)
    if level.startswith('flood_blob'): return water(rng, a, blob_mask(rng, *a.shape[:2], int(level[10:]) / 100))
    if level == 'fire40': return fire(rng, a, 0.4)
    if level == 'smoke': return smoke(rng, a, 0.45)
    if level == 'debris': return debris(rng, water(rng, a, blob_mask(rng, *a.shape[:2], 0.3)), 0.06)
    if level == 'combo_msg':
        a = water(rng, a, blob_mask(rng, *a.shape[:2], 0.4)); a = debris(rng, a, 0.03); return smoke(rng, a, 0.3)
    raise ValueError(level)



def make_sets(regions, per_region: int, out: Path) -> int:
    """Write the photos and truth_private.csv under `out`; the number of photos written."""
    truth_rows = []
    for region in regions:
        bench = ROOT / 'data' / 'benchmark' / region
        rows = list(csv.DictReader(open(bench / 'truth.csv', newline='')))
        pick = rows[::len(rows) // per_region][:per_region]
        offset = 0 if region == 'vegas' else 500 if region == 'rotterdam' else 1000 + 500 * list(regions).index(region)
        for kind in KINDS:
            folder = out / 'sets' / region / kind
            folder.mkdir(parents=True, exist_ok=True)
            for i, row in enumerate(pick):
                rng = np.random.default_rng(KINDS.index(kind) * 1000 + i + offset)
                a = np.asarray(Image.open(bench / row['query']).convert('RGB'), np.float32)
                im = Image.fromarray(np.clip(make(kind, rng, a), 0, 255).astype(np.uint8))
                if kind == 'combo_msg':
                    im = messenger(im)
                name = f'DJI_{i:04d}.jpg'
                im.save(folder / name, quality=55 if kind == 'combo_msg' else 90)
                truth_rows.append(dict(region=region, level=kind, file=name, lat=row['lat'], lon=row['lon'], src=row['query']))
    with open(out / 'truth_private.csv', 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(truth_rows[0]))
        writer.writeheader()
        writer.writerows(truth_rows)
    return len(truth_rows)


def haversine_m(lat1, lon1, lat2, lon2) -> float:
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    x = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * r * math.asin(math.sqrt(x))


def score(pred_dir: Path, out: Path) -> None:
    from geolocator.core.changed_ground import changed_confidence

    truth = {(r['region'], r['level'], r['file']): r for r in csv.DictReader(open(out / 'truth_private.csv', newline=''))}
    print('| region | kind | photos | verified | placed | right | confident | confident wrong | wrong shown unsure '
          '| --changed-ground: placed | confident | confident wrong | wrong shown unsure |')
    print('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    buckets = {}
    for f in sorted(pred_dir.glob('*.csv')):
        region, kind = f.stem.split('_', 1)
        n = ver = placed = right = conf = cw = wu = placed2 = conf2 = cw2 = wu2 = 0
        for r in csv.DictReader(open(f, newline='')):
            t = truth[(region, kind, Path(r['query']).name)]
            c = float(r['confidence'] or 0)
            c2 = changed_confidence(c, 'verified' if r['status'] in ('verified', 'weak match') else r['status'])
            ok = bool(r['lat']) and haversine_m(float(t['lat']), float(t['lon']), float(r['lat']), float(r['lon'])) <= 35
            n += 1
            ver += r['status'] == 'verified'
            right += ok
            placed += c >= 0.5
            conf += c >= 0.9
            cw += c >= 0.9 and not ok
            wu += c < 0.5 and not ok
            placed2 += c2 >= 0.5
            conf2 += c2 >= 0.9
            cw2 += c2 >= 0.9 and not ok
            wu2 += c2 < 0.5 and not ok
            if kind != 'clean':
                edge = next(e for e in (0.5, 0.8, 0.9, 0.95, 0.99, 1.01) if c < e)
                key = (r['status'], edge)
                buckets.setdefault(key, [0, 0])[ok] += 1
        print(f'| {region} | {kind} | {n} | {ver} | {placed} | {right} | {conf} | {cw} | {wu} of {n - right} '
              f'| {placed2} | {conf2} | {cw2} | {wu2} of {n - right} |')
    print()
    print('| damaged kinds: status | confidence below | right | wrong |')
    print('|---|---|---|---|')
    for (status, edge), (wrong, ok) in sorted(buckets.items()):
        print(f'| {status} | {min(edge, 1.0)} | {ok} | {wrong} |')


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split(chr(10))[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    m = sub.add_parser('make')
    m.add_argument('--regions', nargs='+', default=['vegas', 'rotterdam'])
    m.add_argument('--per-region', type=int, default=14)
    m.add_argument('--out', type=Path, default=Path('/tmp/flood'))
    s = sub.add_parser('score')
    s.add_argument('pred_dir', type=Path)
    s.add_argument('--out', type=Path, default=Path('/tmp/flood'))
    args = p.parse_args(argv)
    if args.cmd == 'make':
        print(make_sets(args.regions, args.per_region, args.out), 'photos')
    else:
        score(args.pred_dir, args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
