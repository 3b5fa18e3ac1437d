"""How many photos content.survey calls low texture, by the grey-level spread alone (before session 17)
and with the lighting-free spread too (content.texture_spread < MIN_TEXTURE), on the demo and every
public benchmark region (every photo), and the texture_spread of synthetic white walls and a sky
(training/results/mend_session17.md). Label-free: reads pixels only.

    PYTHONPATH=. nice -n 10 python training/texture_survey.py
"""

from __future__ import annotations

import glob
import io

import numpy as np
from PIL import Image

from geolocator.core import content


def wall(w: int, h: int, grain: float, blotch: float, seed: int = 0) -> np.ndarray:
    """A white wall under a lighting gradient (215 grey, +-22 across, +-7 down), grain of std
    `grain`, blotches (16 px cells, cubic) of std `blotch`, through JPEG q90: grey (h, w)."""
    import cv2

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    g = 215 + 45 * (xx / w - 0.5) + 15 * (yy / h - 0.5) + rng.normal(0, grain, (h, w))
    if blotch:
        cells = rng.normal(0, 1, (h // 16 + 1, w // 16 + 1)).astype(np.float32)
        g += blotch * cv2.resize(cells, (w, h), interpolation=cv2.INTER_CUBIC)
    buf = io.BytesIO()
    Image.fromarray(np.clip(g, 0, 255).astype(np.uint8)).convert("RGB").save(buf, "JPEG", quality=90)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("L"), np.float32)


def main() -> None:
    groups = {r.rstrip("/").split("/")[-1]: sorted(glob.glob(r + "queries/*")) for r in sorted(glob.glob("data/benchmark/*/"))}
    groups["demo"] = sorted(glob.glob("resources/demo/queries/*"))
    total = changed = 0
    print("| photos | n | low texture by spread | with texture_spread | changed | min texture_spread (content passes) |")
    print("|---|---|---|---|---|---|")
    for name, paths in groups.items():
        before = after = 0
        moved, mins = [], []
        for p in paths:
            g = content._grey(p)
            s, t = content.spread_array(g), content.texture_spread(g)
            old, new = content.is_low_texture(s), content.is_low_texture(s, t)
            before, after = before + old, after + new
            if content.measure_array(g).reason is None:
                mins.append(t)
            if old != new:
                moved.append(p.rsplit("/", 1)[-1])
        total, changed = total + len(paths), changed + len(moved)
        print(f"| {name} | {len(paths)} | {before} | {after} | {', '.join(moved) or 0} | {min(mins):.2f} |")
    print(f"\n{total} photos, {changed} change class\n")
    print("| wall w x h | grain | blotches | spread | texture_spread | content reason | low texture |")
    print("|---|---|---|---|---|---|---|")
    for w, h in ((4000, 3000), (1024, 768), (640, 480)):
        for grain in (2, 6, 12):
            for blotch in (0, 3, 6):
                g = wall(w, h, grain, blotch)
                s, t = content.spread_array(g), content.texture_spread(g)
                reason = content.measure_array(g).reason
                print(f"| {w} x {h} | {grain} | {blotch} | {s:.1f} | {t:.2f} | {reason or '-'} | "
                      f"{content.is_low_texture(s, t)} |")
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:768, 0:1024].astype(np.float32)
    sky = 150 + 40 * yy / 768 + 60 * np.exp(-((xx - 600) ** 2 + (yy - 250) ** 2) / (2 * 90.0 ** 2)) + rng.normal(0, 2, (768, 1024))
    print(f"\nsky (tests/test_small_modules_exact.py's): spread {content.spread_array(sky):.1f}, texture_spread "
          f"{content.texture_spread(sky):.2f}, content reason: {content.measure_array(sky).reason}")


if __name__ == "__main__":
    main()
