"""Does the photo's own description support its verified answer? The photo keypoints whose SIFT
match lands where the answer's homography puts them ("agreeing"), and the share of the frame they
cover. Label-free: the photo's pixels, the tile's and the verification only.

Why (training/results/honest26_session26.md, training/span_signal.py): on session 25's 252 synthetic
after-event photos (water, debris, smoke over 20-70 % of the frame, training/flood_photos.py) five
answers were verified by a pass that sees the photo another way (the blind-tilt pass, which turns
the photo to assumed tilts: three; the xfeat second look: two) on a look-alike place and claimed
0.46-0.93 (two shown confident, 2.8 km and 99 m off). Checked against the photo's ordinary SIFT
description (the first pass's, or the fine pass's against the zoomed tile), not one keypoint of any
of them agreed with its homography; every right answer claiming less than SUPPORT_BELOW had at
least one (after-event photos: 24, fewest 1; intact benchmark photos of Las Vegas, Rotterdam,
vegas-blurhaze, vegas-radiometric and rotterdam-lowtex: 31, fewest 3). So a verified answer claiming
less than SUPPORT_BELOW that fewer than SUPPORT_MIN keypoints support claims at most
UNSUPPORTED_CEILING (with_support). The margin is thin: two right answers had a single agreeing
keypoint, and one right answer at 0.997 (above the bar) had none. The inlier span (cell_share of the
agreeing points against that of all keypoints) was measured too and did not separate wrong from
right answers (same record); it is kept here for that measurement."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The photo is cut into GRID x GRID cells for cell_share.
GRID = 8


def agreeing_points(photo, tile, homography: np.ndarray, settings) -> np.ndarray:
    """(n, 2) float32: the keypoints of `photo` (rerank.LocalFeatures, working pixels) whose SIFT
    match in `tile` (Lowe's ratio test, settings.ratio; rerank._match_pairs) lies within
    settings.ransac_px tile pixels of where `homography` (3 x 3, photo working pixels -> tile
    working pixels, rerank.Verification.homography) maps them: the ground of the photo that agrees
    with the answer. Empty (0, 2) when either side has fewer than 2 keypoints."""
    from .rerank import _match_pairs

    empty = np.zeros((0, 2), np.float32)
    if len(photo.descriptors) < 2 or len(tile.descriptors) < 2:
        return empty
    good = _match_pairs(photo.descriptors, tile.descriptors, settings)
    if not good:
        return empty
    src = photo.points[[q for q, _ in good]].astype(np.float64)
    dst = tile.points[[t for _, t in good]].astype(np.float64)
    h = np.asarray(homography, np.float64)
    mapped = np.c_[src, np.ones(len(src))] @ h.T
    z = mapped[:, 2]
    ok = np.abs(z) > 1e-9
    err = np.full(len(src), np.inf)
    err[ok] = np.hypot(mapped[ok, 0] / z[ok] - dst[ok, 0], mapped[ok, 1] / z[ok] - dst[ok, 1])
    keep = err <= settings.ransac_px
    # a photo keypoint counted once, whichever of its matches agreed
    _, first = np.unique(src[keep], axis=0, return_index=True)
    return src[keep][np.sort(first)].astype(np.float32)


def cell_share(points: np.ndarray, size: tuple[int, int], grid: int = GRID) -> float:
    """In [0, 1]: the share of a grid x grid division of an image of `size` (width, height, pixels)
    holding at least one of `points` ((n, 2) x, y in those pixels; points outside are ignored)."""
    w, h = size
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    inside = (pts[:, 0] >= 0) & (pts[:, 0] < w) & (pts[:, 1] >= 0) & (pts[:, 1] < h)
    pts = pts[inside]
    if not len(pts):
        return 0.0
    cx = np.minimum((pts[:, 0] * grid / w).astype(int), grid - 1)
    cy = np.minimum((pts[:, 1] * grid / h).astype(int), grid - 1)
    return len(set(zip(cx.tolist(), cy.tolist()))) / (grid * grid)


@dataclass(frozen=True)
class Span:
    """What agrees with a verified answer, on the photo: `agreeing` photo keypoints (agreeing_points)
    of `keypoints` described by the pass (`look`: "first", or "fine" for the low-contrast pass
    against the zoomed tile: rerank.VerifySettings.fine_pass) that agrees best with the answer's
    homography; `cells_agree` and `cells_kp`: cell_share of the agreeing points and of all keypoints."""

    look: str
    keypoints: int
    agreeing: int
    cells_agree: float
    cells_kp: float


def winning_pair(verifier, query, matches):
    """(tile, rerank.Verification) of the kept evaluation with the most inliers among the tiles of
    `matches` (model.Match, a prediction's shown matches) for `query` in `verifier` (rerank.Verifier:
    its last pass's result per pair), or None where none with a homography is kept (also for a
    verifier that keeps none: one without `kept`)."""
    kept = getattr(verifier, "kept", None)
    if kept is None:
        return None
    best = None
    for m in matches:
        got = kept(query, m.tile)
        if got is not None and got.homography is not None and (best is None or got.inliers > best[1].inliers):
            best = (m.tile, got)
    return best


def answer_span(verifier, query, tile, pair) -> Span | None:
    """The Span of `pair` (a SIFT rerank.Verification of `query` against `tile`, its homography in
    the default views' working pixels) in `verifier` (rerank.Verifier, whose photo and tile
    descriptions it uses): the first pass's and the fine pass's views are both tried, the one with
    more agreeing points kept (a kept evaluation does not say which pass found it). None when the
    photo cannot be read."""
    from .pixel_grid import resize_map

    s = verifier.settings
    best = None
    looks = [("first", False)] + ([("fine", True)] if s.fine_pass else [])
    for look, fine in looks:
        photo = verifier.photo(query, fine=fine)
        if photo is None:
            return None
        target = verifier.tile(tile, fine=fine)
        h = np.asarray(pair.homography, np.float64)
        if fine:  # the fine tile view is zoomed: default tile pixels -> zoomed pixels
            h = np.linalg.inv(resize_map(target.size, verifier.tile(tile).size)) @ h
        agree = agreeing_points(photo, target, h, s)
        span = Span(look, len(photo.points), len(agree), cell_share(agree, photo.size), cell_share(photo.points, photo.size))
        if best is None or span.agreeing > best.agreeing:
            best = span
    return best


# A verified answer claiming at least this keeps its confidence: the share above which session 25
# found verified answers on changed ground right 153 of 153 times (changed_ground.CHANGED_VERIFIED_BELOW),
# and where a right answer with no agreeing keypoint was seen (Rotterdam flood_blob20 DJI_0003: 0.997,
# 151 inliers through the blind pass).
SUPPORT_BELOW = 0.95
# ... one below it with fewer agreeing keypoints than this is unsupported. Measured (session 26, frozen
# features, SIFT route with the second look): verified answers claiming < 0.95 on the 252 after-event
# photos: 32, 24 right (fewest agreeing 1), 8 wrong, 5 of them with 0 (the only ones with 0); on
# 710 verified intact benchmark photos: 32, 31 right (fewest agreeing 3), 1 wrong (2 agreeing).
SUPPORT_MIN = 1
# ... and then claims at most this: Laplace's rule of succession over the 5 unsupported answers,
# none right, (0 + 1) / (5 + 2) = 0.14 (held out by region: fitted on Las Vegas's 4, 0.17; on
# Rotterdam's 1, 0.33; each below model.WEAK_BELOW, a "weak match"). In-sample and few: a first
# measurement on synthetic damage, not a calibration.
UNSUPPORTED_CEILING = 0.14


def supported_confidence(confidence: float, agreeing: int | None) -> float:
    """In [0, 1]: what a verified answer of `confidence` (predict.confidence) may claim when
    `agreeing` photo keypoints (Span.agreeing; None: not measured) support its homography: at most
    UNSUPPORTED_CEILING when it claims less than SUPPORT_BELOW and fewer than SUPPORT_MIN agree,
    else its own. Figures: the module's docstring and the constants'."""
    if agreeing is None or confidence >= SUPPORT_BELOW or agreeing >= SUPPORT_MIN:
        return confidence
    return min(confidence, UNSUPPORTED_CEILING)


def with_support(queries, predictions, verifier, second=None, second_rows=None, *, progress=None, cancel=None) -> list:
    """`predictions` (model.Prediction, one per query of `queries`) with each verified answer
    claiming less than SUPPORT_BELOW checked against its photo's SIFT description (answer_span with
    `verifier`, the SIFT rerank.Verifier that verified them) and its confidence as
    supported_confidence gives it (a new Prediction where it changes; location, status and matches
    untouched). The winning pair is `verifier`'s, or `second`'s (the second look's learned
    rerank.Verifier, core/second_look.py) where `second_rows` ((Q,) bool, second_look.Looked.rows)
    is set. Photos whose view is recorded (rerank.query_outline gives an oblique camera) are left
    as they are: the rule was measured on nadir photos without metadata only. Raises nothing for
    an unreadable photo (it keeps its figure); progress.Cancelled when `cancel` is set.

    It describes each checked photo again where the verifier's memory no longer holds it: 0.18 s a
    4K video frame (session 29, 157 of 360 frames checked in 29 s), so it reports a stage of its own,
    "support" (ProgressEvent step = photos checked), rather than a silent wait after verification."""
    from dataclasses import replace

    from .model import STATUS_VERIFIED
    from .oblique import ViewGeometry
    from .progress import EtaClock, ProgressEvent, check, emit
    from .rerank import query_outline

    sources = {}  # photo index -> the verifier whose winning pair it is checked on
    for i, (query, pred) in enumerate(zip(queries, predictions)):
        if pred.status != STATUS_VERIFIED or pred.confidence >= SUPPORT_BELOW or not pred.matches:
            continue
        looked = second_rows is not None and bool(second_rows[i])
        source = second if looked else verifier
        if source is not None and not isinstance(query_outline(query), ViewGeometry):
            sources[i] = source
    out = list(predictions)
    clock = EtaClock(len(sources))
    for k, (i, source) in enumerate(sources.items(), 1):
        check(cancel)
        query, pred = queries[i], predictions[i]
        found = winning_pair(source, query, pred.matches)
        span = answer_span(verifier, query, *found) if found is not None else None
        conf = supported_confidence(pred.confidence, None if span is None else span.agreeing)
        if conf != pred.confidence:
            out[i] = replace(pred, confidence=conf)
        emit(progress, ProgressEvent("support", k, len(sources), "answers checked against their photos' own keypoints",
                                     clock.eta(k)))
    return out
