"""Geometric verification with any registry backend (sift, aliked, disk, xfeat).

rerank.py keeps the homography fit's rules (RANSAC tolerance, plausibility, refined centre); this
module supplies the keypoints and correspondences of the chosen backend, and handles the photo's
unknown heading for backends that are not rotation invariant.

Heading: tiles are north-up, a drone photo may face any way, and LightGlue / LighterGlue learned
matching on upright pairs (measured on one demo photo at its true tile: SIFT 44 inliers, xfeat
22, disk 6). So for such a backend the photo is described at `headings` rotations (4: 0/90/180/
270 degrees, exact np.rot90, no resampling). Running the learned matcher on every heading would
cost 4x; instead each heading is scored by the number of mutual nearest neighbours of its
descriptors with the target's (one small matrix product) and only the best heading is matched.
The homography found for that heading is composed with the rotation, so it maps the ORIGINAL
photo's pixels to the target: everything downstream (plausibility, centre, chains) is unchanged.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import get_matcher

HEADING_KEYPOINTS = 512
# Backends matched by a learned glue (attention, cost ~n^2 in keypoints): VerifySettings.glue_keypoints
# strongest of each side are matched. xfeat-mnn's mutual nearest neighbours cost milliseconds: all.
GLUE_MATCHERS = ("xfeat", "aliked", "disk")


def rotation_homography(k: int, size: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """The 3x3 map from pixels of an image of `size` (width, height) to pixels of np.rot90(image, k)
    (k quarter turns counter-clockwise), and the rotated size. Coordinates are continuous, x right,
    y down, with pixel (column i, row j)'s CENTRE at (i, j), so the image spans [-0.5, w - 0.5] x
    [-0.5, h - 0.5]: the convention of the keypoints it maps (OpenCV SIFT's KeyPoint.pt, ALIKED's
    (w - 1, h - 1) scaling, DISK's and XFeat's pixel indices). Pixel (i, j) goes exactly to the pixel
    np.rot90 moves it to: one turn sends array element [j, i] to [w - 1 - i, j]. (OpenCV SIFT's
    points sit 0.25 px right of and below that, from its doubled base image; SIFT is rotation
    invariant and never described turned.)"""
    w, h = size
    total = np.eye(3)
    for _ in range(k % 4):
        # one counter-clockwise quarter turn of a w x h image: (x, y) -> (y, w - 1 - x), size (h, w)
        step = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, float(w - 1)], [0.0, 0.0, 1.0]])
        total = step @ total
        w, h = h, w
    return total, (w, h)


def inside(points: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Which keypoints (n, 2) lie in a pixel where `mask` (H, W) is non-zero: (n,) bool. Pixel
    (i, j)'s centre is at (i, j) (rotation_homography's convention), so a point belongs to the
    pixel its rounded coordinates name; points beyond the image count as in the edge pixel."""
    h, w = mask.shape[:2]
    x = np.clip(np.rint(points[:, 0]).astype(int), 0, w - 1)
    y = np.clip(np.rint(points[:, 1]).astype(int), 0, h - 1)
    return mask[y, x] > 0


def _to_array(pil_image, max_side: int, grey: bool) -> np.ndarray:
    import cv2

    image = np.asarray(pil_image.convert("L" if grey else "RGB"))
    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale < 1:
        image = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image)


def features(pil_image, settings, *, headings: int | None = None, view=None, between=None):
    """rerank.LocalFeatures of a decoded image for `settings.matcher`, at most `settings.max_side`
    pixels on its longer side. With `headings` > 1 and a backend that is not rotation invariant,
    `.views` also holds the image described at the other quarter turns, each with the 3x3 map
    from the upright image's pixels to that view's.

    `view` (an oblique.ViewGeometry): the photo is described turned to nadir instead (rerank.
    nadir_image: the same view SIFT gets), keypoints outside the photo's area dropped. `.views`
    then holds that nadir image at each heading with its map from the photo's pixels, and is all
    that is matched (nadir_only: LightGlue / LighterGlue read keypoint positions, which agree with
    a nadir map's only on the nadir image); `.points` are the first heading's keypoints mapped back
    to the photo's pixels (for anything else that reads them), `.size` the photo's working size.

    `between`: called before each heading after the first (a cancel check: aliked describes a photo
    at 4 headings, ~0.65 CPU s each); what it raises ends the description, nothing kept."""
    from ..rerank import LocalFeatures

    matcher = get_matcher(settings.matcher, settings.device)
    image = _to_array(pil_image, settings.max_side, grey=settings.matcher == "sift")

    def describe(array, mask=None) -> LocalFeatures:
        f = matcher.extract(array)
        if mask is None or len(f.points) == 0:
            return LocalFeatures(f.points, f.descriptors, f.size)
        keep = inside(f.points, mask)  # order kept: backends list keypoints strongest first
        return LocalFeatures(f.points[keep], f.descriptors[keep], f.size)

    n = settings.headings if headings is None else headings
    # n headings: every (4 // n)-th quarter turn (2: the half turn); one for n <= 1
    turns = (0,) if matcher.rotation_invariant or n <= 1 else range(0, 4, max(1, 4 // n))
    if view is not None:
        return _nadir_features(image, view, settings, describe, turns, between)
    upright = describe(image)
    if len(turns) == 1:
        return upright
    size = upright.size
    views = []
    for k in turns[1:]:
        if between is not None:
            between()
        rotation, _ = rotation_homography(k, size)
        views.append((describe(np.rot90(image, k)), rotation))
    return replace(upright, views=tuple(views))


def _nadir_features(image: np.ndarray, view, settings, describe, turns, between=None):
    """features() of a photo turned to nadir: see there."""
    import cv2

    from ..rerank import LocalFeatures, nadir_image

    nadir, mask, canvas = nadir_image(image, view, settings.max_side)
    size = (image.shape[1], image.shape[0])
    views = []
    for k in turns:
        if between is not None and k != turns[0]:
            between()
        rotation, _ = rotation_homography(k, (nadir.shape[1], nadir.shape[0]))
        views.append((describe(np.rot90(nadir, k), np.rot90(mask, k)), rotation @ canvas))
    first = views[0][0]
    points = first.points
    if len(points):
        points = cv2.perspectiveTransform(np.float64(points)[None], np.linalg.inv(canvas))[0].astype(np.float32)
    return LocalFeatures(points, first.descriptors, size, views=tuple(views), nadir_only=True)


def mutual_neighbours(a: np.ndarray, b: np.ndarray) -> int:
    """Number of mutual nearest neighbours between descriptor sets (n, d) and (m, d), by cosine."""
    if len(a) == 0 or len(b) == 0:
        return 0
    from .base import mutual_nearest

    return len(mutual_nearest(a, b, -np.inf)[0])


def best_heading(photo, target):
    """(features, 3x3 upright->view map) of the photo heading whose descriptors agree most with
    the target's (mutual nearest neighbours): the heading the learned matcher is run on."""
    return headings_and_scores(photo, [target])[0][0]


def headings_and_scores(photo, targets) -> list[tuple[tuple, int]]:
    """For each target: (best_heading, its number of mutual nearest neighbours), a cheap score of
    how alike the pair is (Verifier.verify_photo verifies the most alike first). One product per
    photo heading against all targets' descriptors stacked, instead of one per pair: measured
    125 ms a pair on 2 loaded cores the other way, most of a photo's time once LighterGlue ran
    on fewer keypoints."""
    candidates = list(photo.views) if photo.nadir_only else [(photo, np.eye(3)), *photo.views]
    # the strongest 512 keypoints of each side decide (backends list keypoints best first): the
    # right heading wins by a wide margin, at a sixteenth of the cost of all 2048
    dim = photo.descriptors.shape[1] if photo.descriptors.ndim == 2 else 1
    stacked = np.zeros((len(targets), HEADING_KEYPOINTS, dim), np.float32)  # zero rows pad short lists
    valid = np.zeros((len(targets), HEADING_KEYPOINTS), bool)
    for j, t in enumerate(targets):
        part = _unit(t.descriptors[:HEADING_KEYPOINTS])
        if part.ndim == 2 and part.shape[1] == dim:
            stacked[j, :len(part)], valid[j, :len(part)] = part, True
    scores = np.zeros((len(candidates), len(targets)), np.int64)
    for h, (view, _) in enumerate(candidates):
        a = _unit(view.descriptors[:HEADING_KEYPOINTS])
        if len(a) == 0 or len(targets) == 0 or a.shape[1] != dim:
            continue
        sim = (a @ stacked.reshape(-1, dim).T).reshape(len(a), len(targets), HEADING_KEYPOINTS)
        sim[:, ~valid] = -np.inf  # padding is nobody's neighbour
        mutual = _mutual(sim)
        scores[h] = (mutual & valid.any(axis=1)[None, :]).sum(axis=0)
    best = scores.argmax(axis=0)
    return [(candidates[int(best[j])], int(scores[best[j], j])) for j in range(len(targets))]


def _mutual(sim: np.ndarray) -> np.ndarray:
    """(na, T) bool: photo keypoint i and its nearest keypoint j of target t (argmax over
    sim[i, t, :]) are each other's nearest, i.e. i is sim[:, t, j].argmax() (numpy's rule: the
    first index of the maximum). `sim`: (na, T, K) similarities, -inf for padding.

    The same answer as comparing with sim.argmax(axis=0), without it: numpy's argmax along the
    first axis walks the array across its rows, and was most of the chains' heading searches
    (29 of 115 s in rotterdam-ms's chains, session 25). Here each column's maximum (max along
    the first axis is fast) says whether i attains it; only a column whose maximum is attained
    more than once (exact ties, padding) is searched for its first index."""
    n_targets = sim.shape[1]
    ab = sim.argmax(axis=2)  # (na, T): each photo keypoint's nearest in each target
    top = sim.max(axis=0)  # (T, K): each target keypoint's best similarity to the photo
    columns = np.arange(n_targets)[None, :]
    mine = np.take_along_axis(sim, ab[:, :, None], axis=2)[:, :, 0]  # sim[i, t, ab[i, t]]
    mutual = mine == top[columns, ab]
    repeated = np.count_nonzero(sim == top[None], axis=0) > 1  # (T, K)
    for i, t in zip(*np.nonzero(mutual & repeated[columns, ab])):
        mutual[i, t] = int(np.argmax(sim[:, t, ab[i, t]])) == i
    return mutual


def _unit(descriptors: np.ndarray) -> np.ndarray:
    d = np.asarray(descriptors, np.float32)
    return d / (np.linalg.norm(d, axis=1, keepdims=True) + 1e-12)


def verify_pair(photo, target, settings, expected_share: float | None = None, heading=None):
    """rerank.Verification of photo -> target with `settings.matcher`: the same RANSAC fit,
    plausibility rules and refined centre as SIFT (rerank.py), the homography always from the
    upright photo's pixels to the target's. `heading`: best_heading(photo, target) when the
    caller has it already. A learned glue (GLUE_MATCHERS: LighterGlue, LightGlue) matches the
    `settings.glue_keypoints` strongest keypoints of each side (see VerifySettings)."""
    from ..rerank import Verification, photo_centre_in, photo_corners_in

    if len(photo.descriptors) < 4 or len(target.descriptors) < 4:
        return Verification(0)
    view, to_view = heading if heading is not None else best_heading(photo, target)
    matcher = get_matcher(settings.matcher, settings.device)
    if settings.matcher in GLUE_MATCHERS and settings.glue_keypoints:
        # backends list keypoints strongest first (LightGlueMatcher.extract sorts them): a prefix
        # is the top-k, and its indices are the same
        k = settings.glue_keypoints
        view, target_k = _strongest(view, k), _strongest(target, k)
    else:
        target_k = target
    # LighterGlue's early exit (VerifySettings.glue_depth): xfeat only
    extra = {"early_exit": settings.glue_depth} if settings.glue_depth is not None and settings.matcher == "xfeat" else {}
    ia, ib = matcher.match(_as_features(view), _as_features(target_k), **extra)
    fit = _plausible_fit(photo, view, to_view, target, ia, ib, settings, expected_share)
    if fit is None:
        return Verification(0)
    homography, inliers = fit
    return Verification(inliers, photo_centre_in(homography, photo, target), homography,
                        photo_corners_in(homography, photo, target))  # the footprint, as SIFT's


def _plausible_fit(photo, view, to_view, target, ia, ib, settings, expected_share):
    """(3x3 homography from the upright photo's pixels to the target's, its inlier count) of one
    MAGSAC fit (settings.ransac_px pixels) to the matches ia (view keypoints) -> ib (target
    keypoints), or None: fewer than 4 matches, no fit, or no plausible view (rerank._plausible
    with `expected_share`). The one fit verify_pair and quick_inliers share."""
    import cv2

    from ..rerank import _plausible

    if len(ia) < 4:
        return None
    homography, mask = cv2.findHomography(view.points[ia], target.points[ib], cv2.USAC_MAGSAC, settings.ransac_px)
    if mask is None or homography is None:
        return None
    homography = homography @ to_view  # upright photo -> view -> target
    plausible = (_plausible(homography, photo.size, target.size, settings) if expected_share is None
                 else _plausible(homography, photo.size, target.size, settings, expected_share))
    return (homography, int(mask.sum())) if plausible else None


# A link's first look (quick_inliers) uses each side's strongest 1024 keypoints: at 512 a right
# link between two photos of one place kept as few as 8 inliers, at 1024 15 or more (rotterdam-ms,
# training/results/bench_gui_session24.md).
QUICK_KEYPOINTS = 1024


def quick_inliers(photo, target, settings, expected_share: float | None = None,
                  keypoints: int = QUICK_KEYPOINTS, heading=None) -> int:
    """A cheap first look at a pair before the learned glue (~20 ms against ~300 ms of LighterGlue on
    2 cores): inliers of one homography (MAGSAC, settings.ransac_px pixels) fitted to the mutual
    nearest neighbours (cosine) of the two sides' `keypoints` strongest descriptors, at the photo's
    most alike heading (best_heading), the photo's upright pixels to the target's. 0 when fewer
    than 4 neighbours, no fit, or a fit that is no plausible view (rerank._plausible with
    `expected_share`). Descriptors alone miss what the glue's context finds, so this only says a
    pair is hopeless (few inliers), never that it matches. `heading`: best_heading(photo, target)
    when the caller has it (and gives the glue the same)."""
    from .base import mutual_nearest

    if len(photo.descriptors) < 4 or len(target.descriptors) < 4:
        return 0
    view, to_view = heading if heading is not None else best_heading(photo, target)
    ia, ib = mutual_nearest(view.descriptors[:keypoints], target.descriptors[:keypoints], -np.inf)
    fit = _plausible_fit(photo, view, to_view, target, ia, ib, settings, expected_share)
    return 0 if fit is None else fit[1]


def _strongest(local, k: int):
    from ..rerank import LocalFeatures

    return LocalFeatures(local.points[:k], local.descriptors[:k], local.size)


def _as_features(local):
    from .base import Features

    return Features(local.points, local.descriptors, local.size)
