"""Where a crop lies in the camera's frame, read from the EXIF thumbnail a crop tool kept (PhotoMeta.framing).

The recorded sizes (EXIF PixelX/YDimension, media/framing.size_framing) cannot tell an off-centre crop that
keeps the frame's aspect from a resize, nor a portrait crop of a landscape frame from the frame turned a
quarter. A tool that crops and keeps the camera's EXIF block byte for byte (jpegtran -copy all, a Pillow
script saving `info["exif"]`) also keeps its thumbnail (EXIF 2.32, 4.5.8: IFD1's JPEGInterchangeFormat),
which shows the whole frame: the pixels, shrunk to the thumbnail's scale, are found in it where the crop
lies. A tool that writes a new thumbnail shows the pixels themselves: found whole, which says no more than
the sizes did.

The search: for each width share of the frame on a geometric grid (the pixels' own aspect fixes the
height), the pixels shrunk to that size are compared with every place in the thumbnail's picture by
normalised correlation (OpenCV matchTemplate, TM_CCOEFF_NORMED); the whole frame is tried the same way,
as the pixels are and turned a quarter either way. A crop is placed only where its best place correlates
at least PLACE_SCORE and better than the whole frame by PLACE_MARGIN, so a thumbnail of the pixels
themselves (a resize, a new thumbnail) never reads as a crop; where the whole frame's score alone
settles that (settled_whole), the shares are not searched. The thumbnail's picture is the frame fitted
in it, centred (DCF cameras write 160 x 120 and letterbox a 16:9 frame). Only photos with EXIF Orientation
1 or none (a thumbnail is stored as the pixels are; a box of a turned photo would be in stored coordinates).
Reading never raises: no evidence is None.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import numpy as np

from ..model import Framing

log = logging.getLogger(__name__)

PLACE_SCORE = 0.9  # the crop's best place in the thumbnail correlates at least this
PLACE_MARGIN = 0.1  # ... and this much better than the whole frame does
WHOLE_SCORE = 0.9  # the whole frame (turned a quarter or not) correlates at least this: the thumbnail agrees
SMALLEST_SIDE_PX = 20  # a crop under this many thumbnail pixels across is not looked for (too little to match)
SHARES = 48  # width shares tried, geometrically from 1 down to the smallest the thumbnail allows
LEAST_TEXTURE = 4.0  # grey levels: a flat thumbnail or crop (sky, water) places nothing


def exif_thumbnail(path: Path) -> np.ndarray | None:
    """The photo's EXIF thumbnail (IFD1's JPEG, read with piexif) as grey levels (h, w) float32, or None
    when there is none or it cannot be decoded."""
    import piexif
    from PIL import Image

    try:
        with Image.open(path) as im:
            raw = im.info.get("exif")
        if not raw:
            return None
        data = piexif.load(raw).get("thumbnail")
        if not data:
            return None
        with Image.open(io.BytesIO(data)) as th:
            return np.asarray(th.convert("L"), np.float32)
    except Exception as exc:  # noqa: BLE001 - a broken thumbnail is no evidence, not an error
        log.debug("%s: EXIF thumbnail not read (%s)", path, exc)
        return None


def _pixels(path: Path, width: int) -> np.ndarray | None:
    """The photo's stored pixels as grey levels about `width` pixels wide or more (JPEG draft: decoded at
    1/2-1/8 scale), float32 (h, w); None when they cannot be read."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            im.draft("L", (width, width))
            return np.asarray(im.convert("L"), np.float32)
    except Exception as exc:  # noqa: BLE001
        log.debug("%s: pixels not read for the thumbnail (%s)", path, exc)
        return None


def _picture(thumb: np.ndarray, frame_aspect: float) -> np.ndarray:
    """The part of the thumbnail that is the frame (width / height `frame_aspect`) fitted in it, centred."""
    th, tw = thumb.shape
    if tw / th > frame_aspect:
        w = round(th * frame_aspect)
        return thumb[:, (tw - w) // 2:(tw - w) // 2 + w]
    h = round(tw / frame_aspect)
    return thumb[(th - h) // 2:(th - h) // 2 + h, :]


def _best(picture: np.ndarray, template: np.ndarray) -> tuple[float, tuple[int, int]]:
    import cv2

    if template.shape[0] > picture.shape[0] or template.shape[1] > picture.shape[1] or template.std() < LEAST_TEXTURE:
        return -1.0, (0, 0)
    scores = cv2.matchTemplate(picture, template, cv2.TM_CCOEFF_NORMED)
    _, best, _, at = cv2.minMaxLoc(scores)
    return float(best), at


def _verdict(box, score: float, whole: float) -> str | None:
    """place_in_thumbnail's reading: "placed" (the box's place correlates at least PLACE_SCORE and beats the
    whole frame by PLACE_MARGIN), "whole" (the whole frame correlates at least WHOLE_SCORE and no place
    beats it by PLACE_MARGIN) or None (no clear answer)."""
    if box is not None and score >= PLACE_SCORE and score - whole >= PLACE_MARGIN:
        return "placed"
    if whole >= WHOLE_SCORE and score - whole < PLACE_MARGIN:
        return "whole"
    return None


def settled_whole(whole: float) -> bool:
    """Whether the whole frame's score `whole` already decides _verdict as "whole", whatever any share
    scores: it is at least WHOLE_SCORE and 1 - whole is under PLACE_MARGIN, so no share's score, at most 1
    (OpenCV clamps TM_CCOEFF_NORMED to [-1, 1]: templmatch.cpp, common_matchTemplate), can beat it by
    PLACE_MARGIN. Float subtraction is monotone, so `score - whole < PLACE_MARGIN` holds for every
    score <= 1 when it holds for 1."""
    return whole >= WHOLE_SCORE and 1.0 - whole < PLACE_MARGIN


def place_in_thumbnail(thumb: np.ndarray, pixels: np.ndarray, frame_aspect: float):
    """Where `pixels` (grey (h, w), the photo as stored) lie in the frame the thumbnail `thumb` (grey) shows,
    the frame's width / height being `frame_aspect`: (box (left, top, right, bottom) as fractions of the frame,
    its score, the whole frame's best score (as the pixels are or turned a quarter)), the box None (score -1)
    when no share smaller than the whole was tried: none fits, or the whole frame's score already settles
    the answer (settled_whole: a resize, or a thumbnail the tool wrote anew, is not searched; the search
    was most of a resized photo's metadata reading: training/bench_thumb_framing.py). Scores are normalised
    correlations (-1 to 1); see the module doc."""
    import cv2

    picture = _picture(thumb, frame_aspect)
    ph, pw = picture.shape
    if picture.std() < LEAST_TEXTURE:
        return None, -1.0, -1.0
    whole = max(_best(picture, cv2.resize(p, (pw, ph), interpolation=cv2.INTER_AREA))[0]
                for p in (pixels, np.rot90(pixels), np.rot90(pixels, 3)))
    if settled_whole(whole):  # no share can beat it by PLACE_MARGIN: the 57 searches could not change the answer
        return None, -1.0, whole
    h, w = pixels.shape
    aspect = w / h
    largest = min(1.0, ph * aspect / pw)  # the widest share whose height still fits in the frame
    # the template's smaller side, share * pw / max(1, aspect), is at least SMALLEST_SIDE_PX
    smallest = SMALLEST_SIDE_PX * max(1.0, aspect) / pw
    best_box, best, best_share = None, -1.0, None

    def look(shares):
        nonlocal best_box, best, best_share
        for share in shares:
            tw = round(share * pw)
            th = round(tw / aspect)
            if tw >= pw and th >= ph:  # the whole frame: scored above
                continue
            score, (x, y) = _best(picture, cv2.resize(pixels, (tw, th), interpolation=cv2.INTER_AREA))
            if score > best:
                best, best_box, best_share = score, (x / pw, y / ph, (x + tw) / pw, (y + th) / ph), share

    if smallest < largest:
        grid = np.geomspace(largest, smallest, SHARES)
        look(grid)
        if best_share is not None:  # then finer, between the best share's neighbours on the grid
            step = (largest / smallest) ** (1 / (SHARES - 1))
            look(np.geomspace(min(largest, best_share * step), max(smallest, best_share / step), 9))
    return best_box, best, whole


def thumbnail_framing(path: Path, found: Framing | None, recorded: tuple[int, int] | None,
                      orientation: int | None) -> Framing | None:
    """PhotoMeta.framing refined by the EXIF thumbnail of the photo at `path` (see the module doc), given
    what the sizes said (`found`: media/framing.read_framing's reading; only a reading with no box, a resize
    or a crop of unknown place, is looked at) and the recorded frame size `recorded` ((width, height),
    EXIF PixelX/YDimension, which gives the frame's aspect). Returns Framing(True, box, ...) where the
    thumbnail places the crop; `found` with the thumbnail's agreement added to its source where it shows
    the whole frame; `found` unchanged otherwise (no thumbnail, Orientation other than 1, no clear
    answer). Raises nothing."""
    if found is None or found.box is not None or not recorded or None in recorded or min(recorded) < 1:
        return found
    if orientation not in (None, 1):
        return found
    thumb = exif_thumbnail(path)
    if thumb is None:
        return found
    pixels = _pixels(path, 4 * max(thumb.shape))
    if pixels is None:
        return found
    try:
        box, score, whole = place_in_thumbnail(thumb, pixels, recorded[0] / recorded[1])
    except Exception as exc:  # noqa: BLE001 - OpenCV refusing odd sizes is no evidence
        log.debug("%s: thumbnail not compared (%s)", path, exc)
        return found
    verdict = _verdict(box, score, whole)
    if verdict == "placed":
        said = ", ".join(f"{v:.3f}" for v in box)
        return Framing(True, box, f"{found.source}; the EXIF thumbnail (the camera's whole frame, kept by the crop "
                                  f"tool) shows the pixels as its box ({said}; correlation {score:.2f}, "
                                  f"the whole frame's {whole:.2f})")
    if verdict == "whole":
        return Framing(found.cropped, None, f"{found.source}; the EXIF thumbnail shows the same picture "
                                            f"(correlation {whole:.2f}: a resize, or a thumbnail the tool wrote anew)",
                       found.least_share)
    return found
