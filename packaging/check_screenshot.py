"""Does a screenshot of the app window show the map? Used by packaging/build.sh on the bundled app.

    python packaging/check_screenshot.py OUT.png      # exit 0: map found; 1: not found; 2: unreadable

A bundle that misses data files (Leaflet, the demo region, the model) still opens a window and exits 0,
but its map stays blank. So the check looks for what only a rendered map gives, wherever the layout puts it:

1. Photographic area: the window is cut into 16 px blocks; a block is "photographic" when it has many
   distinct colours and no colour dominates (widgets and text are mostly one background colour with a
   few glyph shades). The largest 4-connected group of such blocks must be big in both directions; a
   strip of list thumbnails or one preview image is too narrow or too small.
2. Leaflet overlay on it: the demo's satellite tiles are grey, the markers and truth lines are saturated
   colours; enough saturated pixels must lie inside that area.
"""

from __future__ import annotations

import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

BLOCK = 16
MIN_DISTINCT = 40  # distinct RGB values in a 16x16 block (256 pixels)
MAX_DOMINANT = 0.25  # largest share of one colour in a photographic block
MIN_SIDE_PX = 160  # the map area's bounding box, each side
MIN_BLOCKS = 100  # photographic blocks in the map area (~ 160x160 px)
MIN_OVERLAY_PX = 200  # saturated pixels (markers, lines) inside the map area
SATURATED = 90  # max(R,G,B) - min(R,G,B) at least this


@dataclass
class MapCheck:
    ok: bool
    reason: str
    window: tuple[int, int]
    box: tuple[int, int, int, int] | None = None  # x, y, w, h of the largest photographic area
    blocks: int = 0
    distinct_colours: int = 0
    overlay_px: int = 0

    def summary(self) -> str:
        where = "none" if self.box is None else "{2}x{3} px at ({0},{1})".format(*self.box)
        return (f"{'PASS' if self.ok else 'FAIL'}: {self.reason} | window {self.window[0]}x{self.window[1]}, "
                f"map area {where}, {self.blocks} photographic blocks, {self.distinct_colours} distinct colours, "
                f"{self.overlay_px} overlay px")


def photographic_blocks(rgb: np.ndarray) -> np.ndarray:
    """Boolean grid (rows, cols): which BLOCK x BLOCK cells look like imagery rather than widgets."""
    h, w = rgb.shape[0] // BLOCK, rgb.shape[1] // BLOCK
    cells = rgb[: h * BLOCK, : w * BLOCK].astype(np.uint32)
    packed = (cells[..., 0] << 16) | (cells[..., 1] << 8) | cells[..., 2]
    packed = packed.reshape(h, BLOCK, w, BLOCK).transpose(0, 2, 1, 3).reshape(h, w, BLOCK * BLOCK)
    packed = np.sort(packed, axis=-1)
    change = np.diff(packed, axis=-1) != 0
    distinct = 1 + change.sum(axis=-1)
    # longest run of one value = the dominant colour's count
    grid = np.zeros((h, w), dtype=bool)
    for r in range(h):
        for c in range(w):
            if distinct[r, c] < MIN_DISTINCT:
                continue
            edges = np.flatnonzero(np.r_[True, change[r, c], True])
            grid[r, c] = np.diff(edges).max() <= MAX_DOMINANT * BLOCK * BLOCK
    return grid


def largest_component(grid: np.ndarray) -> tuple[int, tuple[int, int, int, int]] | None:
    """(cells, (row0, col0, row1, col1) inclusive) of the largest 4-connected True region."""
    seen = np.zeros_like(grid)
    best = None
    for r0, c0 in zip(*np.nonzero(grid)):
        if seen[r0, c0]:
            continue
        seen[r0, c0] = True
        queue, n = deque([(r0, c0)]), 0
        rmin, cmin, rmax, cmax = r0, c0, r0, c0
        while queue:
            r, c = queue.popleft()
            n += 1
            rmin, rmax, cmin, cmax = min(rmin, r), max(rmax, r), min(cmin, c), max(cmax, c)
            for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                if 0 <= rr < grid.shape[0] and 0 <= cc < grid.shape[1] and grid[rr, cc] and not seen[rr, cc]:
                    seen[rr, cc] = True
                    queue.append((rr, cc))
        if best is None or n > best[0]:
            best = (n, (int(rmin), int(cmin), int(rmax), int(cmax)))
    return best


def check_map(path: Path) -> MapCheck:
    rgb = np.asarray(Image.open(path).convert("RGB"))
    window = (rgb.shape[1], rgb.shape[0])
    found = largest_component(photographic_blocks(rgb))
    if found is None:
        return MapCheck(False, "no imagery anywhere in the window (blank map)", window)
    n, (r0, c0, r1, c1) = found
    x, y, w, h = c0 * BLOCK, r0 * BLOCK, (c1 - c0 + 1) * BLOCK, (r1 - r0 + 1) * BLOCK
    area = rgb[y : y + h, x : x + w].astype(np.int16)
    distinct = len(np.unique((area[..., 0].astype(np.int64) << 16) | (area[..., 1] << 8) | area[..., 2]))
    overlay = int(((area.max(axis=-1) - area.min(axis=-1)) >= SATURATED).sum())
    result = MapCheck(False, "", window, (x, y, w, h), n, distinct, overlay)
    if w < MIN_SIDE_PX or h < MIN_SIDE_PX or n < MIN_BLOCKS:
        result.reason = (f"the largest imagery area is too small for a map (need {MIN_SIDE_PX} px sides and "
                         f"{MIN_BLOCKS} blocks): the map did not render")
    elif overlay < MIN_OVERLAY_PX:
        result.reason = f"imagery but no Leaflet markers/lines on it (need {MIN_OVERLAY_PX} saturated px)"
    else:
        result.ok, result.reason = True, "the map shows tiles with Leaflet markers"
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: check_screenshot.py OUT.png", file=sys.stderr)
        return 2
    try:
        result = check_map(Path(argv[0]))
    except (OSError, ValueError) as exc:
        print(f"FAIL: {argv[0]}: cannot read the screenshot ({exc})", file=sys.stderr)
        return 2
    print(result.summary())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
