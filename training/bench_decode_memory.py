"""Peak memory of decoding huge photos, with the decoding budget (core/images.py) and without it.

Run:  .venv/bin/python training/bench_decode_memory.py [--out training/results/decode_memory.md]

Each decode runs in a fresh subprocess; the figure is the peak resident memory (VmHWM, reset after
a warm-up through /proc/self/clear_refs) minus the resident memory before, i.e. what the photo
itself cost. "no budget" sets DECODE_BUDGET_PIXELS to
10**12 in that subprocess, which is how the code behaved before the budget existed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, resource, sys
from PIL import Image
from geolocator.core import images
from geolocator.core.errors import InputError
if sys.argv[3] == "off":
    images.DECODE_BUDGET_PIXELS = 10**12
Image.new("RGB", (64, 64)).save(sys.argv[2])
images.open_image(sys.argv[2])
def status(key):  # KiB, from /proc/self/status
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
try:  # reset the peak (VmHWM) to the current RSS (Linux >= 4.0), so import peaks do not hide the photo's
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    peak = lambda: status("VmHWM")
except OSError:
    peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
before = status("VmRSS")
out = {}
try:
    out["size"] = list(images.open_image(sys.argv[1]).size)
    out["result"] = "decoded %dx%d" % tuple(out["size"])
except InputError as exc:
    out["result"], out["error"] = "refused", str(exc)
out["grew_mb"] = (peak() - before) / 1024
print(json.dumps(out))
"""


def measure(path: Path, budget: str, warm: Path) -> dict:
    """Decode `path` in a fresh subprocess (budget "on" or "off"); returns {"result", "grew_mb"
    (peak resident growth in MB), and "size" [w, h] or "error" (the InputError's text)}. Also used
    by tests/test_decode_memory.py, so the test and this table measure the same way."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", PROBE, str(path), str(warm), budget], capture_output=True, text=True,
                          env=env, timeout=300)
    if done.returncode != 0:
        return {"result": f"failed ({done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode})", "grew_mb": float("nan")}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--max-mp", type=float, default=None,
                    help="only the images of at most this many megapixels (a quick run; default: all)")
    args = ap.parse_args()
    cases = [
        ("PNG 1-bit 12000x12000 (144 MP)", "png", (12000, 12000), "1", True),
        ("PNG 1-bit 20000x20000 (400 MP, issue 10)", "png", (20000, 20000), "1", False),  # 'off' would need ~6 GB
        ("JPEG grey 9000x8000 (72 MP)", "jpg", (9000, 8000), "L", True),
        ("JPEG RGB 6000x4000 (24 MP, under budget)", "jpg", (6000, 4000), "RGB", False),
        ("PNG RGB 8000x8000 (64 MP, at the budget: the worst case decoded)", "png", (8000, 8000), "RGB", False),
    ]
    lines = ["| image | budget | result | peak growth (MB) |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for label, ext, size, mode, run_off in cases:
            if args.max_mp is not None and size[0] * size[1] > args.max_mp * 1e6:
                continue
            path = tmp / f"img.{ext}"
            Image.new(mode, size, 128 if mode != "1" else 0).save(path)
            for budget in ("on", "off") if run_off else ("on",):
                got = measure(path, budget, tmp / "warm.png")
                lines.append(f"| {label} ({path.stat().st_size / 1e6:.2f} MB file) | {budget} | {got['result']} | {got['grew_mb']:.0f} |")
                print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(f"Decoding budget: {64} MP. Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}.\n\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
