"""Bars that social media and video players put around a photo or a frame, found so they can be cut off.

A drone clip posted to a vertical (9:16) feed is usually letterboxed: the 16:9 or 4:3 picture sits
in the middle with black bars above and below, or with bars filled by a blurred, enlarged copy of
the picture; a vertical clip shown in a 16:9 player gets the same at its sides. The bars hold no
ground, shrink the picture at the matcher's working size (a 1080 x 1920 canvas holding a 1080 x 810
picture is matched with the picture at 42 % of the size it would have alone) and move the image
centre that the Point stands for. `content_box` finds such bars from the pixels alone.

Two kinds of bars are found, each only in pairs on both ends of one axis (letterbox: top and
bottom; pillarbox: left and right), each at least MIN_BAR_SHARE of the side, leaving at least
MIN_CONTENT_SHARE, so a photo with an even sky or a dark shadow at one end is left whole:

- *solid* bars (black, white, a player's grey): the image's outermost line (a row for top and
  bottom, a column for the sides) has at least EDGE_SOLID_SHARE of its pixels within SOLID_TOLERANCE
  grey levels of its median, and the bar goes on while lines have SOLID_SHARE of theirs so; a run of
  other lines shorter than GAP_SHARE of the side (caption text burned into the bar) is stepped over.
- *blurred* bars (an enlarged, blurred copy of the picture behind it): a straight seam across the
  whole image where the picture was pasted, at the same distance from both ends (within SEAM_SLACK):
  the median step between the two lines on either side is at least SEAM_RATIO times the image's
  typical step; of the pairs of such seams the one whose bars are smoothest against the picture is
  taken, and only when its bars' mean step is below SMOOTH_SHARE of the picture's.

Thresholds are this module's own, set on the demo's photos made into 9:16 posts and checked for
no crop on every benchmark photo (session 22, `tests/test_bars.py`); no published method is
followed. All work is done on a grey copy whose long side is WORK_SIDE pixels.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

WORK_SIDE = 320  # the long side the bars are looked for at (pixels)
SOLID_TOLERANCE = 12.0  # grey levels (0-255) from the outermost line's colour
SOLID_SHARE = 0.7  # share of a line's pixels near the bar colour for the line to be solid
EDGE_SOLID_SHARE = 0.97  # the outermost line must be this solid to start a solid bar
SEAM_RATIO = 5.0  # a seam's median step over the image's median line step (+ SEAM_FLOOR)
SEAM_FLOOR = 0.5  # grey levels added to the typical step, so a flat image has no seams
SEAM_SLACK = 0.02  # the two bars' lengths may differ by this share of the side (at least 2 lines)
SMOOTH_SHARE = 0.6  # blurred bars' mean step below this share of the picture's
GAP_SHARE = 0.06  # picture-like runs shorter than this share of the side are skipped (captions)
MIN_BAR_SHARE = 0.02  # each bar of a pair at least this share of the side
MIN_CONTENT_SHARE = 0.25  # what is left at least this share of the side

Box = tuple[float, float, float, float]  # (left, top, right, bottom), fractions of width and height


def _grey(image: Image.Image) -> np.ndarray:
    small = image.convert("L")
    scale = WORK_SIDE / max(small.size)
    if scale < 1:
        small = small.resize((max(1, round(small.width * scale)), max(1, round(small.height * scale))),
                             Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32)


def _solid_length(g: np.ndarray) -> int:
    """How many rows from the top of `g` (H x W grey, float) form a solid bar; 0 when none."""
    h = g.shape[0]
    colour = float(np.median(g[0]))
    near = np.abs(g - colour) <= SOLID_TOLERANCE  # (H, W)
    if float(near[0].mean()) < EDGE_SOLID_SHARE:
        return 0
    solid = near.mean(axis=1) >= SOLID_SHARE  # (H,)
    gap = max(1, int(GAP_SHARE * h))
    end = y = 0  # rows [0, end) are bar so far
    while y < h:
        if solid[y]:
            y += 1
            end = y
            continue
        run = y
        while run < h and run - y < gap and not solid[run]:
            run += 1
        if run - y >= gap or run >= h:
            break  # a long run of picture lines: the bar ended at `end`
        y = run  # a short run (caption text) inside the bar: step over it
    return end


def _solid_pair(g: np.ndarray) -> tuple[int, int] | None:
    top, bottom = _solid_length(g), _solid_length(g[::-1])
    return (top, bottom) if _sane(g.shape[0], top, bottom) else None


def _sane(h: int, top: int, bottom: int) -> bool:
    least = MIN_BAR_SHARE * h
    return top >= least and bottom >= least and h - top - bottom >= MIN_CONTENT_SHARE * h


def _blurred_pair(g: np.ndarray) -> tuple[int, int] | None:
    """(top, bottom) rows of blurred bars of `g` (H x W grey, float) found by their seams, or None."""
    h = g.shape[0]
    step = np.median(np.abs(np.diff(g, axis=0)), axis=1)  # (H-1,): between line y and y+1
    seam = step >= SEAM_RATIO * (float(np.median(step)) + SEAM_FLOOR)
    tops = [y + 1 for y in np.flatnonzero(seam[: h // 2])]  # bar rows above the picture
    bottoms = [h - 1 - y for y in np.flatnonzero(seam) if y >= h // 2]  # bar rows below it
    slack = max(2, SEAM_SLACK * h)
    pairs = [(t, b) for t in tops for b in bottoms if abs(t - b) <= slack and _sane(h, t, b)]
    if not pairs:
        return None
    along = np.abs(np.diff(g, axis=1)).mean(axis=1)  # (H,) each line's mean step along it
    total = np.concatenate([[0.0], np.cumsum(along)])  # total[y]: sum of along[:y]

    def smoothness(pair: tuple[int, int]) -> float:
        """The bars' mean step over the picture's: small for a blurred copy beside a picture."""
        t, b = pair
        inside = (total[h - b] - total[t]) / (h - b - t)
        outside = (total[t] + total[h] - total[h - b]) / (t + b)
        return float(outside / inside) if inside > 0 else np.inf

    best = min(pairs, key=smoothness)  # an inner pair of seams has picture in its bars: rougher
    return best if smoothness(best) < SMOOTH_SHARE else None


def _axis_bars(g: np.ndarray) -> tuple[int, int] | None:
    """(top, bottom) bar rows of `g` (H x W grey), or None when it has no pair of bars."""
    if g.shape[0] < 8 or g.shape[1] < 8:
        return None
    return _solid_pair(g) or _blurred_pair(g)


def content_box(image: Image.Image) -> Box | None:
    """The picture inside letterbox or pillarbox bars of `image` (any PIL mode, any size), as
    (left, top, right, bottom) fractions of its width and height, or None when no pair of bars was
    found (the image is used whole). Rows and columns are tested separately (both can have bars: a
    16:9 clip in a 9:16 post shown in a 16:9 player). Pure pixels: no metadata is read; never raises
    for an image PIL could decode."""
    g = _grey(image)
    rows = _axis_bars(g)
    cols = _axis_bars(g.T)
    if rows is None and cols is None:
        return None
    h, w = g.shape
    top, bottom = rows or (0, 0)
    left, right = cols or (0, 0)
    return (float(left / w), float(top / h), float((w - right) / w), float((h - bottom) / h))


def crop_to_box(image: Image.Image, box: Box) -> Image.Image:
    """`image` cut to `box` ((left, top, right, bottom) fractions, as content_box returns), the
    fractions scaled to this image's size: the same box serves any decode size of one file."""
    w, h = image.size
    l, t, r, b = box
    px = (round(l * w), round(t * h), round(r * w), round(b * h))
    if px[2] - px[0] < 1 or px[3] - px[1] < 1:
        return image
    return image.crop(px)
