"""The verified-confidence table of each local-feature matcher: P(right | verified with this inlier
margin), measured per backend, since backends count inliers very differently (issue 13: xfeat +
LighterGlue through mosaics on rotterdam-coarse verified wrong tiles with 9-26 inliers, where the
SIFT table put a margin of 12 at 0.96). A backend without a measured table never claims 0.9."""

from __future__ import annotations

import numpy as np

# SIFT (training/calibration.py --fit derives these; figures in training/results/calibration.md):
# the share of verified photos with about the same inlier margin (the top tile's inliers minus
# those of the best verified tile elsewhere) that were right, smoothed by Laplace's rule of
# succession, measured on 456 verified photos of the demo, Las Vegas and Rotterdam (3 wrong, all
# with a margin of 8-9). Margin 0 (two places verified equally strongly: at most one is right) is
# set, not measured, and starts every table (or the table's first measured share, where lower).
VERIFIED_MARGINS = (0.0, 8.4, 10.7, 12.5, 14.6, 17.9, 39.5)
VERIFIED_RIGHT = (0.25, 0.833, 0.941, 0.966, 0.967, 0.98, 0.997)

# XFeat + LighterGlue (core/matchers `xfeat`), the same method on its own records (training/
# calibration.py --matcher xfeat ... --fit, 2026-12-01, frozen features, product defaults: 512
# keypoints, early stop at 40 inliers, widened to 64 tiles): 574 verified photos, 69 wrong, of the
# demo (108), Las Vegas (70 of 210), Rotterdam (98 of 196), vegas-coarse (126), rotterdam-coarse (49
# of 98), vegas-radiometric, vegas-blurhaze, rotterdam-lowtex (42 each), evenly spaced. Its wrong
# answers had margins up to 33 (69 wrong: 61 below 16), its right ones mostly 48 and more; buckets
# of 8 inliers from 8, then 48-63, 64-95, 96+ (calibration.LEARNED_MARGIN_EDGES).
XFEAT_MARGINS = (0.0, 11.1, 18.6, 28.8, 34.2, 42.8, 55.6, 80.9, 139.7)
XFEAT_RIGHT = (0.25, 0.364, 0.5, 0.857, 0.857, 0.917, 0.952, 0.986, 0.997)
# ... verified through 3 x 3 mosaics (`--verify-mosaic 1 --verify-mosaic-once`, widened to 49 tiles:
# the coarse-imagery setting of training/results/coarse.md), which counts other inliers (a wrong
# rotterdam-coarse answer at margin 25): 186 verified photos, 35 wrong, all of rotterdam-coarse (98)
# and vegas-coarse (126).
# Its first bucket (8-15) was right less often than the 0.25 set at margin 0, so the table starts there.
XFEAT_MOSAIC_MARGINS = (0.0, 11.1, 18.7, 25.6, 34.2, 41.5, 55.1, 77.9, 118.3)
XFEAT_MOSAIC_RIGHT = (0.192, 0.192, 0.6, 0.714, 0.875, 0.875, 0.944, 0.979, 0.986)

# (margins, share right) per table key (table_key: the backend's name, "+mosaic" where verification
# went through mosaics, measured apart). Filled only from measurements: aliked, disk, xfeat-mnn and
# SIFT through mosaics have too few records to fit and hold out a table (aliked and disk: 8 photos
# a region in session 12, at 4-9 CPU s a photo here; training/results/matchers_session12.md) and are capped.
VERIFIED_TABLES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "sift": (VERIFIED_MARGINS, VERIFIED_RIGHT),
    "xfeat": (XFEAT_MARGINS, XFEAT_RIGHT),
    "xfeat+mosaic": (XFEAT_MOSAIC_MARGINS, XFEAT_MOSAIC_RIGHT),
}

# The most a verified answer claims when its backend (or its mosaic setting) has no measured table
# here: set, not measured. Its inlier counts have no measured meaning, so it must stay below 0.9
# (what people read as certain) whatever the margin; geometry did agree, so it may sit above an
# unverified answer's predict.RETRIEVED_CEILING (0.6).
UNCALIBRATED_CEILING = 0.8


# An answer nothing verified (status "retrieved"): the share of such answers that were right (the
# Point within radius_m, predict.confidence_radius_m) by the top tile's cosine margin
# (predict.cosine_margin, in [0, 1]; 1: a win by FULL_COSINE_MARGIN or more). training/calibration.py
# --fit derives these (fit_unverified_table: buckets of UNVERIFIED_MARGIN_EDGES, Laplace's rule of
# succession, made non-decreasing by weighted isotonic regression) from the committed records,
# 2026-12-02: 291 unverified answers of photos of unknown or tile-like footprint (every region and
# matcher in calibration_records.csv; the "+altitude" copies of a region, whose photos are known to
# be small, are scored by predict.SMALL_FOOTPRINT_CEILING instead). Below a clear win such answers
# were rarely right: 25 of 249 with a margin under 1, 29 of 42 at 1 (training/results/
# mend_session20.md). Margin 0 (no win: one candidate, or a rival as close) is set at 0, not measured.
# Until session 20 the rule was RETRIEVED_CEILING x margin, linear: answers shown
# 0.2-0.4 were right 11.8 % of the time. predict.unverified_confidence caps the last value at
# predict.RETRIEVED_CEILING (set: an unverified answer never claims more).
# Every one of these records is a photo whose place IS in the tiles, mostly in jobs where nearly every
# other photo verified: for a photo taken elsewhere every answer is wrong, whatever its margin. A job
# where under a quarter of the photos verified (the sign of such photos, label-free) has its unverified
# answers capped at core/outside_tiles.OUTSIDE_CEILING (0.13) by Workspace.locate after this table
# (training/results/outregion33_session33.md).
UNVERIFIED_MARGINS = (0.0, 0.118, 0.377, 0.601, 0.852, 1.0)
UNVERIFIED_RIGHT = (0.0, 0.078, 0.103, 0.226, 0.273, 0.682)


def unverified_share(margin: float) -> float:
    """In [0, 1]: P(right | unverified, cosine margin `margin` in [0, 1]) by UNVERIFIED_MARGINS ->
    UNVERIFIED_RIGHT, interpolated linearly, flat beyond its ends (uncapped: the measured share)."""
    return float(np.interp(margin, UNVERIFIED_MARGINS, UNVERIFIED_RIGHT))


def table_key(matcher: str = "sift", mosaic: int = 0) -> str:
    """The VERIFIED_TABLES key of a verification by `matcher` (core/matchers name), through mosaics
    of `mosaic` tiles around (rerank.VerifySettings.mosaic; 0: the tile alone)."""
    return f"{matcher}+mosaic" if mosaic > 0 else matcher


def verified_table(key: str) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """The measured (margins, share right) of `key` (table_key), or None when none is measured."""
    return VERIFIED_TABLES.get(key)


def verified_confidence(margin: float, key: str = "sift") -> float:
    """In [0, 1]: P(right | verified with this inlier margin) by the table of `key` (table_key),
    interpolated linearly, flat beyond its ends. A key with no measured table: SIFT's table capped
    at UNCALIBRATED_CEILING (never >= 0.9: an unmeasured backend's counts mean nothing measured)."""
    table = verified_table(key)
    if table is None:
        return min(float(np.interp(margin, VERIFIED_MARGINS, VERIFIED_RIGHT)), UNCALIBRATED_CEILING)
    return float(np.interp(margin, *table))
