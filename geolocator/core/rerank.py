"""Geometric verification: re-rank a photo's best tiles by how many local features agree on one
homography between them.

A global feature only says two images look alike; matching SIFT keypoints and fitting a
homography with RANSAC says the same ground is in both, under the drone's unknown heading, tilt
and scale. It needs no labels and no training. Measured on the demo region: R@1 36 -> 85 on
frozen EfficientNet-Lite0 features (top 20 verified).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .cache import file_key
from .media.query_image import query_key
from .model import PixelWindow, Query, Tile
from .progress import CancelToken, EtaClock, ProgressCallback, ProgressEvent, check, emit


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
    # The photo's outline mapped into the tile must cover this share of the tile's area: a drone
    # footprint is about a tile (0.6-1.2x), a chance fit folds or shrinks it.
    min_area: float = 0.15
    max_area: float = 4.0
    # Local-feature backend (core/matchers: sift, aliked, disk, xfeat); a backend that is not
    # rotation invariant sees the photo at `headings` quarter turns (matchers/verify.py).
    matcher: str = "sift"
    headings: int = 4
    device: str = "cpu"


@dataclass(frozen=True)
class LocalFeatures:
    points: np.ndarray  # keypoint xy (n, 2) float32, in the scaled image
    descriptors: np.ndarray  # (n, 128) float32
    size: tuple[int, int]  # (width, height) of the scaled image
    # other headings of a photo for a non-rotation-invariant matcher: ((features, 3x3 map from
    # this image's pixels to that view's), ...); empty for SIFT and for tiles
    views: tuple = field(default=(), compare=False, repr=False)


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


def local_features(path, window: PixelWindow | None, settings: VerifySettings) -> LocalFeatures:
    """SIFT keypoints of an image scaled so its longer side is at most `settings.max_side`."""
    from .images import open_image

    return image_local_features(open_image(path, window, min_side=settings.max_side), settings)


def tile_local_features(tile: Tile, settings: VerifySettings) -> LocalFeatures:
    """local_features of a tile, whatever its format (a file, a window, an entry in a package)."""
    from .sources.tile_image import open_tile_image

    # tiles are north-up: only photos need other headings
    return image_local_features(open_tile_image(tile, min_side=settings.max_side), replace(settings, headings=1))


def image_local_features(pil_image, settings: VerifySettings) -> LocalFeatures:
    """SIFT keypoints of a decoded PIL image, scaled so its longer side is at most `settings.max_side`
    (another backend's when `settings.matcher` names one: matchers/verify.py)."""
    if settings.matcher != "sift":
        from .matchers import verify as learned

        return learned.features(pil_image, settings)
    cv2 = _cv2()
    image = np.asarray(pil_image.convert("L"))
    h, w = image.shape
    scale = settings.max_side / max(h, w)
    if scale < 1:
        image = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    keypoints, descriptors = cv2.SIFT_create(nfeatures=settings.n_features).detectAndCompute(image, None)
    size = (image.shape[1], image.shape[0])
    if descriptors is None:
        return LocalFeatures(np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32), size)
    return LocalFeatures(np.float32([k.pt for k in keypoints]), descriptors.astype(np.float32), size)


def _plausible(homography: np.ndarray, photo_size, tile_size, settings: VerifySettings) -> bool:
    """A camera looking at flat ground maps the photo to a convex quad of about a tile's size;
    homographies fitted to chance matches (repeated roofs, road markings) mostly do not."""
    cv2 = _cv2()
    w, h = photo_size
    corners = cv2.perspectiveTransform(np.float32([[[0, 0], [w, 0], [w, h], [0, h]]]), homography)[0]
    if not np.isfinite(corners).all() or not cv2.isContourConvex(corners):
        return False
    share = cv2.contourArea(corners) / float(tile_size[0] * tile_size[1])
    return settings.min_area < share < settings.max_area


def photo_centre_in(homography: np.ndarray, photo: LocalFeatures, target: LocalFeatures) -> tuple[float, float] | None:
    """Where the photo's centre lands in the target image, as fractions of its width and height
    (None when the homography sends it to infinity)."""
    w, h = photo.size
    x, y, z = homography @ np.array([w / 2.0, h / 2.0, 1.0])
    if abs(z) <= 1e-9:
        return None
    return float(x / z / target.size[0]), float(y / z / target.size[1])


def verify_pair(photo: LocalFeatures, tile: LocalFeatures, settings: VerifySettings) -> Verification:
    """Matches consistent with one homography from the photo to the tile, and where it puts the
    photo's centre (Verification(0) when none can be fitted)."""
    if settings.matcher != "sift":
        from .matchers import verify as learned

        return learned.verify_pair(photo, tile, settings)
    cv2 = _cv2()
    if len(photo.descriptors) < 4 or len(tile.descriptors) < 4:
        return Verification(0)
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(photo.descriptors, tile.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < settings.ratio * p[1].distance]
    if len(good) < 4:
        return Verification(0)
    src = photo.points[[m.queryIdx for m in good]]
    dst = tile.points[[m.trainIdx for m in good]]
    homography, mask = cv2.findHomography(src, dst, cv2.USAC_MAGSAC, settings.ransac_px)
    if mask is None or homography is None or not _plausible(homography, photo.size, tile.size, settings):
        return Verification(0)
    return Verification(int(mask.sum()), photo_centre_in(homography, photo, tile), homography,
                        photo_corners_in(homography, photo, tile))


def photo_corners_in(homography: np.ndarray, photo: LocalFeatures, target: LocalFeatures):
    """The photo's corners (TL, TR, BR, BL) in the target image as fractions of its width and
    height, None when one goes to infinity."""
    w, h = photo.size
    out = []
    for x, y in ((0.0, 0.0), (w, 0.0), (w, h), (0.0, h)):
        u, v, z = homography @ np.array([x, y, 1.0])
        if abs(z) <= 1e-9:
            return None
        out.append((float(u / z / target.size[0]), float(v / z / target.size[1])))
    return tuple(out)


class Verifier:
    """Counts inliers between photos and tiles. Tile keypoints are computed once and kept, and so
    is each photo-tile result (small), so adapting and then locating verifies a pair only once."""

    def __init__(self, settings: VerifySettings | None = None):
        self.settings = settings or VerifySettings()
        self._tiles: dict[tuple, LocalFeatures] = {}
        self._pairs: dict[tuple, Verification] = {}

    def photo(self, query: Query) -> LocalFeatures | None:
        """Keypoints of a drone photo (None when it cannot be read: it keeps its global ranking)."""
        from .media.query_image import open_query_image  # photos and video frames alike

        try:
            return image_local_features(open_query_image(query, min_side=self.settings.max_side), self.settings)
        except Exception:  # noqa: BLE001 - one unreadable photo must not stop the others
            return None

    def tile(self, tile: Tile) -> LocalFeatures:
        """Keypoints of a tile (none when it cannot be read: it then verifies nothing, and its
        reading error was already reported when the tiles were indexed)."""
        key = file_key(tile.path, tile.window, tile.ref)  # a file rewritten in place is matched anew
        if key not in self._tiles:
            try:
                self._tiles[key] = tile_local_features(tile, self.settings)
            except Exception:  # noqa: BLE001 - one broken tile must not stop locating or adapting
                empty = np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32)
                self._tiles[key] = LocalFeatures(*empty, (1, 1))
        return self._tiles[key]

    def verify_photo(self, query: Query, tiles: Sequence[Tile], candidates) -> list[Verification]:
        """One photo against the candidate tile indices; keypoints only when a pair is new."""
        photo = query_key(query)  # a video frame: its video and time
        keys = [(photo, file_key(tiles[int(t)].path, tiles[int(t)].window, tiles[int(t)].ref)) for t in candidates]
        if any(k not in self._pairs for k in keys):
            photo = self.photo(query)
            for t, key in zip(candidates, keys):
                if key not in self._pairs:
                    tile = tiles[int(t)]
                    self._pairs[key] = Verification(0) if photo is None else verify_pair(photo, self.tile(tile), self.settings)
        return [self._pairs[k] for k in keys]

    def verify(
        self,
        queries: Sequence[Query],
        tiles: Sequence[Tile],
        candidates: np.ndarray,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> list[list[Verification]]:
        """Verification of each photo against its candidate tile indices (Q, C).
        A photo that cannot be read gets zeros: it keeps its global ranking."""
        results = []
        clock = EtaClock(len(queries))
        for qi, query in enumerate(queries):
            check(cancel)
            results.append(self.verify_photo(query, tiles, candidates[qi]))
            emit(progress, ProgressEvent("verify", qi + 1, len(queries), "geometric verification", clock.eta(qi + 1)))
        return results


def verified_ranking(similarity: np.ndarray, candidates: np.ndarray, inliers: np.ndarray, min_inliers) -> np.ndarray:
    """A (Q, N) ranking score: verified tiles (>= min_inliers, one number or one per photo) first,
    by inlier count; the rest keep their cosine order below them. Cosines lie in [-1, 1], so an
    offset of 2 separates them."""
    ranking = similarity.astype(np.float64, copy=True)
    rows = np.arange(len(candidates))[:, None]
    verified = inliers >= np.reshape(min_inliers, (-1, 1))
    ranking[rows, candidates] += np.where(verified, 2.0 + inliers, 0.0)
    return ranking


def widen_unverified(verifier, queries: Sequence[Query], tiles: Sequence[Tile], sim: np.ndarray,
                     candidates: np.ndarray, checks: list[list[Verification]], min_inliers, upto: int,
                     *, cancel: CancelToken | None = None) -> tuple[np.ndarray, list[list[Verification]]]:
    """Candidates that reach verification: a photo none of whose C candidates verified (fewer than
    `min_inliers`, one number or one per photo) has its next tiles by `sim` verified too, up to
    `upto` candidates in all. Photos that verified get the same next tiles unverified (Verification(0):
    they keep their cosine order), so the result stays rectangular: (Q, upto) ids and checks.

    Why: where global features are weak (coarse imagery) the true tile is often ranked 21st-40th;
    measured on vegas-coarse (42 tiles, frozen features): recall@20 50 %, recall@40 92 %
    (training/results/compare_matchers.md). Verifying only the photos that found nothing keeps
    the cost where it pays."""
    upto = min(int(upto), sim.shape[1])
    c = candidates.shape[1]
    if upto <= c:
        return candidates, checks
    need = np.broadcast_to(np.reshape(min_inliers, (-1,)), (len(queries),))
    order = np.argsort(-sim, axis=1, kind="stable")
    wide = np.empty((len(queries), upto), dtype=candidates.dtype)
    out: list[list[Verification]] = []
    for qi, query in enumerate(queries):
        check(cancel)
        have = set(int(t) for t in candidates[qi])
        extra = np.array([t for t in order[qi] if int(t) not in have][: upto - c], dtype=candidates.dtype)
        wide[qi] = np.concatenate([candidates[qi], extra])
        if any(v.inliers >= need[qi] for v in checks[qi]):
            out.append(list(checks[qi]) + [Verification(0)] * len(extra))
        else:
            out.append(list(checks[qi]) + list(verifier.verify_photo(query, tiles, extra)))
    return wide, out
