"""The EXIF thumbnail a crop tool kept, on real camera files (crop37, session 37): where does it place crops?

Each real DJI Phantom 3 photo of shared/real-dji (4000 x 2250, the camera's 160 x 120 thumbnail, 16:9 between
bars) is cropped to a few boxes (and resized whole) by Pillow, saved with the camera's EXIF block byte for byte
(`exif=im.info["exif"]`, as a script or jpegtran -copy all keeps it), and read back by read_photo_meta: the box
core/media/thumb_framing.py finds against the true one (largest edge error, fraction of the frame), the
principal point's error, and the seconds read_photo_meta took (pixels decoded at JPEG draft scale).

  PYTHONPATH=. python training/thumb_framing_check.py [--dji ../shared/real-dji]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

BOXES = ((0.5, 0.5, 1.0, 1.0), (0.1, 0.2, 0.7, 0.8), (0.0, 0.0, 0.3, 0.3), (0.3, 0.0, 0.6125, 1.0),
         (0.2, 0.25, 0.8, 0.6))


def main() -> None:
    from PIL import Image

    from geolocator.core.media.framing import principal_point
    from geolocator.core.media.metadata import read_photo_meta
    from geolocator.core.model import Framing

    ap = argparse.ArgumentParser()
    ap.add_argument("--dji", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "real-dji")
    ap.add_argument("--tmp", type=Path, default=Path("/tmp/thumb_framing_check"))
    args = ap.parse_args()
    args.tmp.mkdir(parents=True, exist_ok=True)
    print("| photo | cut | read | box edge error | principal point error | seconds |\n|---|---|---|---|---|---|")
    for src in sorted(args.dji.glob("*.JPG")):
        with Image.open(src) as im:
            raw, (w, h) = im.info["exif"], im.size
            pixels = im.copy()
        for box in BOXES + (None,):
            out = args.tmp / "cut.jpg"
            if box is None:
                pixels.resize((1000, 562), Image.Resampling.LANCZOS).save(out, exif=raw, quality=92)
            else:
                cut = (round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h))
                pixels.crop(cut).save(out, exif=raw, quality=92)
            t0 = time.perf_counter()
            framing = read_photo_meta(out).framing
            took = time.perf_counter() - t0
            if box is None:
                read = "whole" if framing is not None and not framing.cropped else f"{framing}"
                print(f"| {src.name} | resize to 1000 x 562 | {read} | - | - | {took:.2f} |")
                continue
            if framing is None or framing.box is None:
                read = "not placed" if framing is None else ("crop, place unknown" if framing.cropped else "whole")
                print(f"| {src.name} | {box} | {read} | - | - | {took:.2f} |")
                continue
            edge = max(abs(a - b) for a, b in zip(framing.box, box))
            (px, py), (tx, ty) = principal_point(framing), principal_point(Framing(True, box, ""))
            print(f"| {src.name} | {box} | placed | {edge:.3f} | {max(abs(px - tx), abs(py - ty)):.3f} | {took:.2f} |")


if __name__ == "__main__":
    main()
