"""Dense search of a photo over a candidate's ground, for photos whose local features found nothing.

Where the tiles come from another sensor, or have a few real pixels across (rotterdam-ms:
WorldView-2 multispectral tiles, 2 m pixels, against panchromatic photos), keypoints of the
photo and the tile rarely repeat: verification finds nothing for most photos, and the answer
falls back to the global ranking. The ground's layout still agrees: edges of roads, roofs and
fields lie in the same places in both, though their contrast may differ in sign and strength.
This module compares that layout directly:

- Each image is described by oriented-gradient channels: per pixel the magnitude of the gradient
  along each of `orientations` directions in [0, 180 deg), smoothed and normalised to unit length
  across the channels (the "channel features of orientated gradients" of Ye et al., "Fast and
  robust matching for multimodal remote sensing image registration", IEEE TGRS 57(11), 2019:
  absolute projections, so a contrast reversed between sensors gives the same channels).
- The photo's pose is unknown (no metadata: the blind case), so it is turned to nadir under a
  small set of hypotheses (tilt, heading, ground width) through an assumed lens
  (oblique.assumed_view), each a north-up template at `metres_per_px`.
- Every template is correlated with the candidate's ground (the tile and its neighbours, north-up
  at the same scale) at every shift that puts the photo's centre inside the candidate, by FFT
  (scipy.fft): a normalised cross-correlation of the channels, the template zero-mean inside its
  outline, the ground's channels high-passed (their local mean over `highpass_m` removed).

The score of a candidate is its best correlation over hypotheses and shifts, in [-1, 1]. It is
a ranking signal only: it never counts as verification (no inliers) and never raises a
confidence (pipeline.Workspace._verify uses it to order the unverified candidates of photos that
found nothing clear; training/results/dense_search.md measures it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .model import Tile


# A template whose channel vectors average below this length inside its outline is featureless
# (v / (v + 0.5) < 0.05: gradients under ~0.03 grey levels a pixel): no hypothesis of it is scored.
MIN_TEXTURE = 0.05


@dataclass(frozen=True)
class DenseSettings:
    """What a dense search tries. Units: metres, degrees, pixels of the working images."""

    metres_per_px: float = 1.0  # the ground resolution both sides are compared at
    tilts_deg: tuple[float, ...] = (25.0, 37.0, 49.0)  # assumed camera tilts off nadir
    heading_step_deg: float = 10.0  # headings tried: 0, step, 2 step ... < 360
    # the photo's ground width across its centre, as shares of the candidate tile's edge (blind:
    # a tile set is chosen at a zoom where a photo sees about one tile, as the global search assumes)
    widths: tuple[float, ...] = (0.64, 0.8, 1.0, 1.24)
    hfov_deg: float = 65.0  # the assumed lens, blind (as VerifySettings.blind_hfov_deg)
    orientations: int = 8
    smooth_px: float = 1.0  # Gaussian sigma of each channel, in working pixels
    highpass_m: float = 21.0  # the ground's channels minus their mean over this box
    far_limit: float = 1.3  # the template keeps ground within this many ground widths of the centre
    chunk: int = 64  # templates correlated at once (memory: chunk x orientations x FFT size)
    # The dense top overrides the cosine order only when it beats every candidate elsewhere by this
    # much (decisive_top): in mode best the adapted cosine is often right where the dense top is
    # not (rotterdam-coarse: taking the dense order lost 26 photos; training/results/dense_search.md)
    decisive_gap: float = 0.1


def orientation_channels(grey: np.ndarray, mask: np.ndarray | None = None, orientations: int = 8,
                         smooth_px: float = 1.0) -> np.ndarray:
    """Oriented-gradient channels of a grey image (H, W) (any scale of values): (orientations, H, W)
    float32, each pixel's vector of |gradient . direction| over directions k * 180 / orientations
    degrees, Gaussian-smoothed by `smooth_px` and scaled to unit length (its length v / (v + 0.5):
    ~1 on edges of grey images in 0-255, ~0 where flat). `mask`
    (H, W), 0 outside: the channels are zeroed there. After Ye et al. 2019 (module docstring)."""
    import cv2

    image = np.asarray(grey, np.float32)
    gx = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3)
    channels = np.empty((orientations, *image.shape), np.float32)
    for k in range(orientations):
        angle = math.pi * k / orientations
        channels[k] = cv2.GaussianBlur(np.abs(math.cos(angle) * gx + math.sin(angle) * gy), (0, 0), smooth_px)
    # to unit length; a floor of half a grey level (Sobel units) keeps float noise on flat ground
    # near zero instead of blowing it up to unit vectors of random direction
    channels /= np.linalg.norm(channels, axis=0, keepdims=True) + 0.5
    if mask is not None:
        channels *= (np.asarray(mask) > 0)[None]
    return channels


@dataclass(frozen=True)
class Ground:
    """A candidate's ground at DenseSettings.metres_per_px: `channels` (O, H, W) high-passed, north-up;
    `centre_box` (x0, y0, x1, y1): the candidate tile's pixels in it (the photo's centre must fall there)."""

    channels: np.ndarray
    centre_box: tuple[float, float, float, float]


def ground_side_px(tile: Tile, metres_per_px: float) -> int:
    """Pixels (>= 1) across the shorter side of `tile`'s lon/lat bounds at `metres_per_px` (metres
    per degree at its mid-latitude, geo.metres_per_degree): what ground_of resamples the tile to,
    so the least it needs read (a turned tile's bounds box is larger than the tile: more, never
    fewer). Raises ZeroDivisionError for metres_per_px 0."""
    from .geo import metres_per_degree

    b = tile.bounds
    per_lat, per_lon = metres_per_degree((b.north + b.south) / 2)
    shorter_m = min(b.width_deg * per_lon, (b.north - b.south) * per_lat)
    return max(1, math.ceil(shorter_m / metres_per_px))


def ground_of(tiles: Sequence[Tile], members: Sequence[int], settings: DenseSettings) -> Ground:
    """The ground of tile `members[0]` and its neighbours `members[1:]` (indices into `tiles`), pasted
    north-up by their lon/lat bounds (mosaic.mosaic_image) and resampled to settings.metres_per_px
    (lon/lat degrees to metres at the candidate's latitude, geo.metres_per_degree); each tile is
    read with min_side max(ground_side_px, images.TILE_WORK_SIDE) (a big GeoTIFF or JPEG tile at
    its working size, not its full resolution; the mosaic maps pixels by each image's own size
    and bounds). An unreadable
    neighbour is left out; for an unreadable candidate, raises what
    sources.tile_image.open_tile_image raises."""
    import cv2

    from .geo import metres_per_degree
    from .mosaic import mosaic_image
    from .sources.tile_image import open_tile_image

    from . import images as inputs

    chosen, images = [], []
    for k, i in enumerate(members):
        # at least the working side too: a tile under 2 x TILE_WORK_SIDE is read as stored, as
        # before (a JPEG drafted to its ground size moved the dense scores by up to 0.016 on
        # rotterdam-ms; training/results/georead32_session32.md), a big one at its working size
        need = max(ground_side_px(tiles[i], settings.metres_per_px), inputs.TILE_WORK_SIDE)
        try:
            images.append(open_tile_image(tiles[i], min_side=need))
        except Exception:  # noqa: BLE001 - an unreadable neighbour is left out; the candidate itself raises
            if k == 0:
                raise
            continue
        chosen.append(tiles[i])
    canvas, box, union = mosaic_image(images, chosen)
    lat = (chosen[0].bounds.north + chosen[0].bounds.south) / 2
    per_lat, per_lon = metres_per_degree(lat)
    width_m = (union.east - union.west) * per_lon
    height_m = (union.north - union.south) * per_lat
    size = (max(8, int(round(width_m / settings.metres_per_px))), max(8, int(round(height_m / settings.metres_per_px))))
    grey = cv2.resize(np.asarray(canvas.convert("L"), np.float32), size, interpolation=cv2.INTER_AREA)
    channels = orientation_channels(grey, None, settings.orientations, settings.smooth_px)
    side = max(3, int(round(settings.highpass_m / settings.metres_per_px)) | 1)
    channels -= np.stack([cv2.blur(c, (side, side)) for c in channels])
    sx, sy = size[0] / canvas.size[0], size[1] / canvas.size[1]
    return Ground(channels, (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy))


def _to_ground(size: tuple[int, int], tilt: float, heading: float, width_m: float, hfov_deg: float):
    """3x3 map from a photo's pixels (working `size` (w, h)) to ground metres east, north of the
    ground point under its centre, for a camera `tilt` degrees off nadir (top edge the far side)
    through a lens `hfov_deg` wide, facing `heading` degrees clockwise from north, that sees
    `width_m` across its centre row."""
    import cv2

    from .oblique import assumed_view

    w, h = size
    to_nadir = assumed_view(tilt, hfov_deg).to_nadir((w, h))
    row = cv2.perspectiveTransform(np.float64([[[0, h / 2], [w, h / 2], [w / 2, h / 2]]]), to_nadir)[0]
    scale = width_m / max(float(np.linalg.norm(row[1] - row[0])), 1e-9)
    u0, v0 = row[2]
    a = math.radians(heading)
    right, forward = np.array([math.cos(a), -math.sin(a)]), np.array([math.sin(a), math.cos(a)])
    # nadir pixels (u right, v down = towards the camera) -> (east, north) metres
    linear = scale * np.column_stack([right, -forward])
    affine = np.eye(3)
    affine[:2, :2] = linear
    affine[:2, 2] = -linear @ np.array([u0, v0])
    return affine @ to_nadir


@dataclass(frozen=True)
class Template:
    """One pose hypothesis of the photo on the ground: its channels zero-mean inside the outline
    and of unit norm (O, h, w), the outline `mask` (h, w), the photo centre's pixel (x, y) in it, and
    the hypothesis (tilt, heading, width_m)."""

    channels: np.ndarray
    mask: np.ndarray
    centre: tuple[float, float]
    pose: tuple[float, float, float]


@dataclass(frozen=True)
class Hypotheses:
    """The poses a photo is tried at: tilts off nadir (degrees), the lens (degrees across the long
    side), ground widths across the photo's centre row (metres), and the headings (degrees clockwise
    from north): None, every DenseSettings.heading_step_deg (what the pipeline does: a recorded yaw
    can be 180 deg off); given, only those (training/dense_pose_ceiling.py's known-pose ceiling)."""

    tilts_deg: tuple[float, ...]
    hfov_deg: float
    widths_m: tuple[float, ...]
    headings_deg: tuple[float, ...] | None = None


# What a photo's metadata gives is trusted to this factor either way: the take-off point's height
# stands in for the ground's (oblique.ViewGeometry), and ground may rise or fall under the flight
METADATA_SPREAD = (0.85, 1.0, 1.18)


def hypotheses_for(outline, tile_edge_m: float, settings: DenseSettings) -> Hypotheses:
    """The poses to try for a photo whose metadata gives `outline` (rerank.query_outline: a nadir
    footprint across in metres, an oblique.ViewGeometry, or None) over tiles `tile_edge_m` wide.
    With a view: its tilt and lens, the width it sees across its centre row (height / cos tilt x
    2 tan(hfov / 2)) times METADATA_SPREAD. With a footprint: nadir, that width times the spread.
    Blind (None): settings' tilts, lens and widths (shares of the tile edge). Headings are always
    searched: a recorded yaw can be wrong (docs/inputs.md, *Photo metadata*: a DJI photo records one 180 deg off)."""
    if outline is None:
        return Hypotheses(tuple(settings.tilts_deg), settings.hfov_deg, tuple(w * tile_edge_m for w in settings.widths))
    if isinstance(outline, (int, float)):
        return Hypotheses((0.0,), settings.hfov_deg, tuple(float(outline) * f for f in METADATA_SPREAD))
    tilt = float(outline.tilt_deg)
    hfov = math.degrees(2.0 * math.atan(0.5 / float(outline.focal_ratio)))
    if not (0.0 <= tilt < 80.0 and 0.0 < hfov < 170.0):  # near the horizon: no finite width; search blind
        return hypotheses_for(None, tile_edge_m, settings)
    width = 2.0 * float(outline.altitude_m) / math.cos(math.radians(tilt)) * math.tan(math.radians(hfov) / 2)
    return Hypotheses((tilt,), hfov, tuple(width * f for f in METADATA_SPREAD))


def templates(photo: np.ndarray, poses: Hypotheses, settings: DenseSettings) -> list[Template]:
    """The photo (grey (H, W), any size) turned north-up on the ground under every pose of `poses`
    (tilts x widths x headings: poses.headings_deg, else every settings.heading_step_deg), at
    settings.metres_per_px.
    Hypotheses whose ground would exceed the far limit only keep ground within it; ones left with
    fewer than 64 pixels, or featureless (MIN_TEXTURE), are skipped."""
    import cv2

    mpp = settings.metres_per_px
    grey = np.asarray(photo, np.float32)
    # the photo at about 4 px per ground metre at the widest hypothesis: enough to sample the
    # template without aliasing, cheap to warp (a 4000 px photo is never warped whole)
    widest = max(poses.widths_m)
    side = max(64, min(max(grey.shape), int(4 * widest / mpp)))
    if max(grey.shape) > side:
        f = side / max(grey.shape)
        grey = cv2.resize(grey, (max(1, round(grey.shape[1] * f)), max(1, round(grey.shape[0] * f))),
                          interpolation=cv2.INTER_AREA)
    h, w = grey.shape
    ones = np.ones((h, w), np.uint8)
    reach = 2 * int(math.ceil(2 * settings.smooth_px)) + 3  # Sobel's 1 px and the smoothing's 2 sigma, each side
    erode = np.ones((reach, reach), np.uint8)
    out = []
    headings = (np.arange(0.0, 360.0, settings.heading_step_deg) if poses.headings_deg is None
                else np.asarray(poses.headings_deg, float))
    for width_m in poses.widths_m:
        # anti-alias once per width: about half a template pixel of the photo, in photo pixels
        blurred = cv2.GaussianBlur(grey, (0, 0), max(0.5, 0.5 * (w / width_m) * mpp))
        limit = settings.far_limit * width_m
        for tilt in poses.tilts_deg:
            for heading in headings:
                to_ground = _to_ground((w, h), tilt, float(heading), width_m, poses.hfov_deg)
                corners = cv2.perspectiveTransform(np.float64([[[0, 0], [w, 0], [w, h], [0, h]]]), to_ground)[0]
                e0, n0 = np.maximum(corners.min(axis=0), -limit)
                e1, n1 = np.minimum(corners.max(axis=0), limit)
                size = (int(math.ceil((e1 - e0) / mpp)) + 1, int(math.ceil((n1 - n0) / mpp)) + 1)
                place = np.array([[1 / mpp, 0, -e0 / mpp], [0, -1 / mpp, n1 / mpp], [0, 0, 1]]) @ to_ground
                # the photo's own edge must not become an edge of the template: outside it the
                # border pixels go on (no step), and the outline shrinks past the channels' reach
                warped = cv2.warpPerspective(blurred, place, size, flags=cv2.INTER_LINEAR,
                                             borderMode=cv2.BORDER_REPLICATE)
                mask = cv2.erode(cv2.warpPerspective(ones, place, size, flags=cv2.INTER_NEAREST), erode)
                n = int(mask.sum())
                if n < 64:
                    continue
                channels = orientation_channels(warped, mask, settings.orientations, settings.smooth_px)
                inside = mask > 0
                if np.linalg.norm(channels[:, inside], axis=0).mean() < MIN_TEXTURE:
                    continue  # a featureless view (wall, fog, water): nothing to place
                channels[:, inside] -= channels[:, inside].mean(axis=1, keepdims=True)
                norm = float(np.sqrt((channels ** 2).sum()))
                if norm <= 1e-6:
                    continue
                out.append(Template(channels / norm, mask.astype(np.float32), (-e0 / mpp, n1 / mpp), (float(tilt), float(heading), width_m)))
    return out


def best_scores(hypotheses: Sequence[Template], grounds: Sequence[Ground], settings: DenseSettings
                ) -> list[tuple[float, Template | None]]:
    """For each ground, the best normalised correlation of any hypothesis on it with the photo's
    centre inside ground.centre_box and the template wholly on the ground: [(score in [-1, 1], the
    hypothesis), ...], (-1.0, None) where no placement fits. Each template's spectrum is computed
    once per ground size (a tile set's grounds share a few sizes), in chunks of settings.chunk."""
    from scipy import fft

    out: list[tuple[float, Template | None]] = [(-1.0, None)] * len(grounds)
    by_shape: dict[tuple[int, int], list[int]] = {}
    for g, ground in enumerate(grounds):
        by_shape.setdefault(ground.channels.shape[1:], []).append(g)
    for shape, members in by_shape.items():
        big_h, big_w = shape  # circular correlation: no wrap for placements wholly inside
        spectra = [(fft.rfft2(grounds[g].channels, workers=1),
                    fft.rfft2((grounds[g].channels ** 2).sum(axis=0), workers=1)) for g in members]
        fits = [t for t in hypotheses if t.mask.shape[0] <= big_h and t.mask.shape[1] <= big_w]
        for start in range(0, len(fits), settings.chunk):
            group = fits[start:start + settings.chunk]
            chans = np.zeros((len(group), group[0].channels.shape[0], big_h, big_w), np.float32)
            masks = np.zeros((len(group), big_h, big_w), np.float32)
            for k, t in enumerate(group):
                th, tw = t.mask.shape
                chans[k, :, :th, :tw] = t.channels
                masks[k, :th, :tw] = t.mask
            chan_spec, mask_spec = np.conj(fft.rfft2(chans, workers=1)), np.conj(fft.rfft2(masks, workers=1))
            for g, (spectrum, energy) in zip(members, spectra):
                num = fft.irfft2(np.einsum("kcyx,cyx->kyx", chan_spec, spectrum), s=shape, workers=1)
                local = fft.irfft2(mask_spec * energy[None], s=shape, workers=1)
                scores = num / np.sqrt(np.maximum(local, 1e-6))
                x0, y0, x1, y1 = grounds[g].centre_box
                best, chosen = out[g]
                for k, t in enumerate(group):
                    th, tw = t.mask.shape
                    cx, cy = t.centre
                    ys = np.arange(big_h - th + 1)
                    xs = np.arange(big_w - tw + 1)
                    ys = ys[(ys + cy >= y0) & (ys + cy < y1)]
                    xs = xs[(xs + cx >= x0) & (xs + cx < x1)]
                    if len(ys) == 0 or len(xs) == 0:
                        continue
                    value = float(scores[k][ys[0]:ys[-1] + 1, xs[0]:xs[-1] + 1].max())
                    if value > best:
                        best, chosen = value, t
                out[g] = (best, chosen)
    return out


class DenseRanker:
    """Dense scores of photos over candidate tiles of one tile set, each candidate's ground built
    once (the tile and its neighbours one ring around, mosaic.NeighbourGrid)."""

    def __init__(self, tiles: Sequence[Tile], settings: DenseSettings | None = None):
        from .mosaic import NeighbourGrid

        self.tiles = tiles
        self.settings = settings or DenseSettings()
        self.grid = NeighbourGrid(tiles)  # also decisive_top's "elsewhere"
        self._grounds: dict[int, Ground | None] = {}

    def ground(self, t: int) -> Ground | None:
        """Candidate `t`'s ground, or None when a tile of it cannot be read (logged; no score)."""
        if t not in self._grounds:
            try:
                self._grounds[t] = ground_of(self.tiles, self.grid.around(int(t), 1), self.settings)
            except Exception as exc:  # noqa: BLE001 - any unreadable tile: that candidate gets no dense score
                import logging

                logging.getLogger(__name__).warning("dense search: ground around tile %s unreadable: %s: %s",
                                                    self.tiles[int(t)].path, type(exc).__name__, exc)
                self._grounds[t] = None
        return self._grounds[t]

    def tile_edge_m(self, t: int) -> float:
        """Tile `t`'s east-west edge in metres at its centre latitude (geo.metres_per_degree)."""
        from .geo import metres_per_degree

        b = self.tiles[int(t)].bounds
        return b.width_deg * metres_per_degree((b.north + b.south) / 2)[1]

    def scores(self, photo_grey: np.ndarray, candidates: Sequence[int], outline=None) -> np.ndarray:
        """Dense scores (len(candidates),) in [-1, 1] of the photo (grey (H, W)) on each candidate's
        ground; NaN where the ground is unreadable or no placement fits. `outline`: what the photo's
        metadata says (rerank.query_outline; hypotheses_for); blind, the widths are shares of the
        first candidate's tile edge (a tile set's tiles share one size)."""
        out = np.full(len(candidates), np.nan)
        if len(candidates) == 0:
            return out
        poses = hypotheses_for(outline, self.tile_edge_m(int(candidates[0])), self.settings)
        hypotheses = templates(photo_grey, poses, self.settings)
        if not hypotheses:
            return out
        readable = [(i, self.ground(int(t))) for i, t in enumerate(candidates)]
        readable = [(i, g) for i, g in readable if g is not None]
        found = best_scores(hypotheses, [g for _, g in readable], self.settings)
        for (i, _), (value, chosen) in zip(readable, found):
            if chosen is not None:
                out[i] = value
        return out


def rank_unclear(queries: Sequence, tiles: Sequence[Tile], candidates: np.ndarray, counts: np.ndarray, clear,
                 first: int, *, cancel=None, progress=None, min_side: int = 512,
                 ranker: DenseRanker | None = None) -> np.ndarray:
    """Dense scores (Q, C) for the photos none of whose candidates verified clearly (fewer than
    `clear` inliers: one number or one per photo): each such photo is scored on its first `first`
    candidates (its global top; widened candidates are left out to bound the cost); every other
    cell is NaN. `candidates` (Q, C) tile indices, `counts` (Q, C) inliers. A photo that cannot be
    decoded keeps NaN (its problem is reported where it was read). Cancel is checked per photo
    (progress.check); events "dense" per photo. `ranker`: one already built for `tiles` (its
    grounds are kept), else a new one.

    Each searched photo is decoded again at `min_side` pixels: verification keeps no pixels (they
    would not fit for thousands of photos, and a resumed photo was never decoded), and a decode is
    well under 1 % of the photo's search (6-11 CPU s, training/results/dense_search.md)."""
    from .media.query_image import open_query_image
    from .progress import EtaClock, ProgressEvent, check, emit
    from .rerank import query_outline

    out = np.full(candidates.shape, np.nan)
    need = np.broadcast_to(np.reshape(clear, (-1,)), (len(queries),))
    unclear = [qi for qi in range(len(queries)) if counts[qi].max(initial=0) < need[qi]]
    ranker = ranker or DenseRanker(tiles)
    clock = EtaClock(len(unclear))
    for done, qi in enumerate(unclear):
        check(cancel)
        try:
            image = open_query_image(queries[qi], min_side=min_side)
        except Exception:  # noqa: BLE001 - unreadable: verification reported it; no dense score
            continue
        grey = np.asarray(image.convert("L"), np.float32)
        out[qi, :first] = ranker.scores(grey, candidates[qi, :first], query_outline(queries[qi]))
        emit(progress, ProgressEvent("dense", done + 1, len(unclear), "dense search", clock.eta(done + 1)))
    return out


def decisive_top(dense: np.ndarray, candidates: np.ndarray, tiles: Sequence[Tile], gap: float, *,
                 grid=None) -> np.ndarray:
    """(Q,) the column of each photo's candidate whose dense score beats every candidate elsewhere
    (not it, and not touching it: mosaic.NeighbourGrid ring 1, whose ground overlaps) by at least
    `gap`; -1 where the photo was not searched (a row of NaN) or no candidate is that decisive.
    `dense`, `candidates`: (Q, C) aligned; NaN cells are no candidates. `grid`: the tiles'
    NeighbourGrid when one is at hand (DenseRanker.grid), else built on first need."""
    from .mosaic import NeighbourGrid

    top = np.full(len(dense), -1, np.int64)
    for q in range(len(dense)):
        row = dense[q]
        if np.isnan(row).all():
            continue
        best = int(np.nanargmax(row))
        if grid is None:
            grid = NeighbourGrid(tiles)
        near = set(grid.around(int(candidates[q, best]), 1))
        rivals = [row[j] for j in range(len(row))
                  if j != best and not np.isnan(row[j]) and int(candidates[q, j]) not in near]
        if not rivals or row[best] - max(rivals) >= gap:
            top[q] = best
    return top


def order_key(scores: np.ndarray, top: np.ndarray) -> np.ndarray:
    """What unverified candidates are ordered by: (Q, C) `scores` (cosine), with each photo's decisive
    dense top (`top` (Q,) columns, -1: none; decisive_top) put first at 1.5, above every cosine in
    [-1, 1] and below every verified tile (rerank.verified_ranking adds 2 + inliers)."""
    out = np.array(scores, np.float64, copy=True)
    rows = np.flatnonzero(top >= 0)
    out[rows, top[rows]] = 1.5
    return out


def lift(ranking: np.ndarray, candidates: np.ndarray, top: np.ndarray, verified: np.ndarray) -> np.ndarray:
    """The full (Q, N) ranking (rerank.verified_ranking: cosines in [-1, 1], verified tiles >= 2) with
    each photo's decisive dense top (`top` (Q,) columns into `candidates` (Q, C), -1: none) at 1.5,
    above every cosine and below every verified tile; a verified one is left as it is."""
    out = ranking.copy()
    rows = np.flatnonzero(top >= 0)
    rows = rows[~verified[rows, top[rows]]]
    out[rows, candidates[rows, top[rows]]] = 1.5
    return out
