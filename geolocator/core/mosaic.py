"""A candidate tile with its neighbours, merged into one image for geometric verification.

Coarse imagery (issue 13): a drone photo from 50-120 m footprint over 50 m tiles (rotterdam-
coarse) sees two to six tiles' worth of ground; matched against one tile, most of its keypoints
have no partner. rerank.Verifier (VerifySettings.mosaic) matches it against the candidate and its
neighbours pasted side by side instead, and brings the homography back into the candidate tile's
pixels (mosaic_to_tile), so the photo centre, footprint and the tile under the centre come out in
the same coordinates as a single-tile match.

Placement is by each tile's lon/lat `bounds`, north-up: exact for XYZ tiles and lon/lat rasters,
and for a projected grid within its convergence angle over a few tiles (<= 3 degrees in UTM).
A candidate across the antimeridian gets no mosaic (the tile alone).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .model import Bounds, Tile
from .pixel_grid import centred


def _lon_scale(tile: Tile) -> float:
    """cos(latitude) at the middle of a tile's bounds: degrees of longitude to degrees of latitude there."""
    b = tile.bounds
    return float(np.cos(np.radians((b.north + b.south) / 2)))


def _frame(tile: Tile, k: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(centre, across, down) of a tile's image on the ground, in degrees with longitude scaled by
    `k` (_lon_scale of the tile whose frame it is: a local map, conformal to first order, and ONE map
    for every tile compared in it): `across` runs from its left edge to its right edge, `down` from its
    top edge to its bottom edge (from Tile.corners when set, else the north-up bounds). Each tile's own
    cos(latitude) put its neighbours elsewhere: at 175 degrees east (NZTM, EPSG:2193, at Wellington) a
    row 108 m north was scaled 1e-5 less, which moved its centre two tile widths west (session 30)."""
    b = tile.bounds
    if tile.corners is None:
        return (np.array([(b.west + b.east) / 2 * k, (b.north + b.south) / 2]),
                np.array([b.width_deg * k, 0.0]), np.array([0.0, b.south - b.north]))
    tl, tr, br, bl = (np.array([c.lon * k, c.lat]) for c in tile.corners)
    return (tl + tr + br + bl) / 4, ((tr - tl) + (br - bl)) / 2, ((bl - tl) + (br - tr)) / 2


class NeighbourGrid:
    """Finds each tile's neighbours in a tile set: tiles whose bounds meet the tile's bounds grown
    by `ring` of its own widths and heights on every side. Buckets by tile centre on a grid of
    the set's median tile size, so one look-up reads a few buckets, not every tile; the buckets
    read reach as far as the centre of the set's widest (tallest) tile can lie from a neighbour,
    so tiles of mixed sizes (a set from several sources) find each other too.

    A tile turned against the meridians (Tile.corners set: a national grid's tile, RD New turned
    0.8 degrees at Rotterdam) has lon/lat bounds larger than itself, and its neighbours' bounds
    overlap: those of the tile two columns away then meet its grown bounds too (a ring 1 of RD
    level-13 tiles held 11 to 16 tiles, not 9, session 29). Its neighbours are those that overlap
    the tile grown by `ring` in its own frame (its corners' axes) instead."""

    def __init__(self, tiles: Sequence[Tile]):
        self.tiles = tiles
        widths = np.array([t.bounds.width_deg for t in tiles], np.float64)
        heights = np.array([t.bounds.north - t.bounds.south for t in tiles], np.float64)
        self.cell = (float(np.median(widths)) if len(tiles) else 1.0, float(np.median(heights)) if len(tiles) else 1.0)
        self.cell = tuple(c if c > 0 else 1.0 for c in self.cell)
        # half the widest and the tallest tile: how far past a grown box a neighbour's centre can lie
        self.half = (float(widths.max()) / 2 if len(tiles) else 0.0, float(heights.max()) / 2 if len(tiles) else 0.0)
        self.buckets: dict[tuple[int, int], list[int]] = {}
        for i, tile in enumerate(tiles):
            self.buckets.setdefault(self._key(tile), []).append(i)

    def _key(self, tile: Tile) -> tuple[int, int]:
        c = tile.bounds.center
        return int(np.floor(c.lon / self.cell[0])), int(np.floor(c.lat / self.cell[1]))

    def around(self, index: int, ring: int) -> list[int]:
        """Indices of the tiles within `ring` tiles of tile `index` (itself included, first; then
        by index). A tile across the antimeridian: itself alone."""
        tile = self.tiles[index]
        b = tile.bounds
        if ring <= 0 or b.crosses_antimeridian:
            return [index]
        w, h = b.width_deg, b.north - b.south
        grown = (b.west - ring * w, b.south - ring * h, b.east + ring * w, b.north + ring * h)
        eps = 1e-6 * max(w, h)  # edges that touch are neighbours, not edges a rounding apart
        kx, ky = self._key(tile)
        # a neighbour's centre lies less than half this tile + ring tiles + half the neighbour away
        reach = (int(np.ceil((w / 2 + ring * w + self.half[0]) / self.cell[0])) + 1,
                 int(np.ceil((h / 2 + ring * h + self.half[1]) / self.cell[1])) + 1)
        found = []
        for i in range(kx - reach[0], kx + reach[0] + 1):
            for j in range(ky - reach[1], ky + reach[1] + 1):
                for k in self.buckets.get((i, j), ()):
                    o = self.tiles[k].bounds
                    if k == index or o.crosses_antimeridian:
                        continue
                    if (o.east > grown[0] + eps and o.west < grown[2] - eps
                            and o.north > grown[1] + eps and o.south < grown[3] - eps):
                        found.append(k)
        if tile.corners is not None and found:
            found = self._in_frame(tile, found, ring)
        return [index, *sorted(found)]

    def _in_frame(self, tile: Tile, found: list[int], ring: int) -> list[int]:
        """The tiles of `found` that overlap `tile` grown by `ring` of its own widths and heights
        in its own frame (_frame; offsets of centres and each one's half size in units of the tile's
        width and height) by more than a quarter of the tile: that frame is affine to a few parts in
        ten thousand only (RD at Rotterdam: a tile two columns away, which only touches the grown
        tile, came out 0.0017 of a width inside it), so a tile that merely touches must not count."""
        scale = _lon_scale(tile)
        centre, across, down = _frame(tile, scale)
        to_units = np.linalg.inv(np.column_stack([across, down]))
        keep = []
        for k in found:
            c, a, d = _frame(self.tiles[k], scale)
            off = np.abs(to_units @ (c - centre))
            half = (np.abs(to_units @ a) + np.abs(to_units @ d)) / 2  # its half extent along each axis
            if np.all(off - half < ring + 0.25):
                keep.append(k)
        return keep

    def corner_blocks(self, index: int) -> list[tuple[tuple[int, int], list[int]]]:
        """The tiles that share each corner of tile `index` with it (issue 13, session 30: a photo
        lying across a tile corner has about a quarter of its ground in each of four tiles).

        Returns [((sx, sy), indices), ...] for the corners (-1, -1), (1, -1), (1, 1), (-1, 1) (top
        left, top right, bottom right, bottom left: x right, y down in the tile's own frame,
        _frame), each with the tile itself first and then, by index, those of its ring-1 neighbours
        whose centre lies 0 or 1 tile widths (heights) from it towards that corner along each axis:
        the 2 x 2 block round an inner corner, 2 x 1 along the set's edge. A corner with no
        neighbour (a lone tile, a tile across the antimeridian) is left out, so the list may be
        empty. Offsets are rounded to whole tiles, so tiles of the same size in a grid (XYZ,
        national grids turned against the meridians, lon/lat rasters) are assigned exactly."""
        ring = self.around(index, 1)
        if len(ring) < 2:
            return []
        scale = _lon_scale(self.tiles[index])  # one map for all the tiles compared (_frame)
        centre, across, down = _frame(self.tiles[index], scale)
        to_units = np.linalg.inv(np.column_stack([across, down]))
        offsets = {k: to_units @ (_frame(self.tiles[k], scale)[0] - centre) for k in ring[1:]}
        blocks = []
        for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
            members = [k for k in ring[1:] if round(float(offsets[k][0])) in (0, sx) and round(float(offsets[k][1])) in (0, sy)]
            if members:
                blocks.append(((sx, sy), [index, *members]))
        return blocks


def union_bounds(tiles: Sequence[Tile]) -> Bounds:
    """The lon/lat box holding every tile's bounds (none across the antimeridian)."""
    return Bounds(min(t.bounds.west for t in tiles), min(t.bounds.south for t in tiles),
                  max(t.bounds.east for t in tiles), max(t.bounds.north for t in tiles))


def grid_layout(tiles: Sequence[Tile], size: tuple[int, int]):
    """Where each tile goes when `tiles`, each `size` (width, height) pixels, lie on one grid: each
    tile's offset from the first in the first one's own frame (_frame: its corners' axes, so a
    national grid turned against the meridians keeps its columns and rows), rounded to whole tiles,
    times `size`. Returns (mosaic (width, height), each tile's box (x0, y0, x1, y1) in pixels) with
    the top-left tile at (0, 0); None where an offset is more than a tenth of a tile from a whole
    number of tiles (tiles of mixed sizes or another grid: mosaic_layout places those by bounds).
    Unlike mosaic_layout, no tile is resized: a turned tile's lon/lat bounds are larger than
    itself, so placing by bounds stretches each tile and overlaps its neighbours (session 30:
    rotterdam q_0010's four RD tiles gave 6 inliers so, 9 stitched by column and row)."""
    scale = _lon_scale(tiles[0])  # one map for all the tiles compared (_frame)
    centre, across, down = _frame(tiles[0], scale)
    to_units = np.linalg.inv(np.column_stack([across, down]))
    offsets = [to_units @ (_frame(t, scale)[0] - centre) for t in tiles]
    if any(np.any(np.abs(o - np.round(o)) > 0.1) for o in offsets):
        return None
    cells = [(int(round(float(o[0]))), int(round(float(o[1])))) for o in offsets]
    x0, y0 = min(c for c, _ in cells), min(r for _, r in cells)
    w, h = size
    boxes = [((c - x0) * w, (r - y0) * h, (c - x0 + 1) * w, (r - y0 + 1) * h) for c, r in cells]
    return (max(b[2] for b in boxes), max(b[3] for b in boxes)), boxes


def mosaic_layout(first_size: tuple[int, int], tiles: Sequence[Tile]):
    """Where each tile goes in the mosaic of `tiles` (the first is the candidate, whose image is
    `first_size` (width, height) pixels; the mosaic keeps its pixels per degree): (mosaic (width,
    height), each tile's box (x0, y0, x1, y1) in pixels, union Bounds). North-up: y grows south."""
    union = union_bounds(tiles)
    fb = tiles[0].bounds
    per_x = first_size[0] / fb.width_deg  # pixels per degree of longitude / latitude
    per_y = first_size[1] / (fb.north - fb.south)

    def box(b: Bounds) -> tuple[int, int, int, int]:
        return (round((b.west - union.west) * per_x), round((union.north - b.north) * per_y),
                round((b.east - union.west) * per_x), round((union.north - b.south) * per_y))

    full = box(union)
    return (max(1, full[2]), max(1, full[3])), [box(t.bounds) for t in tiles], union


def mosaic_image(images: Sequence, tiles: Sequence[Tile]):
    """The tiles' images (PIL, RGB; the first is the candidate) pasted into one north-up image of
    their union bounds, at the candidate image's pixels per degree; uncovered ground is mid grey.
    Returns (mosaic PIL image, the candidate's box in it (x0, y0, x1, y1) in pixels, union Bounds)."""
    from PIL import Image

    size, boxes, union = mosaic_layout(images[0].size, tiles)
    canvas = Image.new("RGB", size, (128, 128, 128))
    for image, (x0, y0, x1, y1) in zip(images, boxes):
        if x1 > x0 and y1 > y0:
            canvas.paste(image.convert("RGB").resize((x1 - x0, y1 - y0)), (x0, y0))
    return canvas, boxes[0], union


def mosaic_to_tile(centre_box: tuple[float, float, float, float], mosaic_size: tuple[int, int],
                   described_size: tuple[int, int], tile_size: tuple[int, int]) -> np.ndarray:
    """The 3x3 map from pixels of the mosaic as described (`described_size`, the mosaic scaled
    from `mosaic_size`) to pixels of the candidate tile as described (`tile_size`), given the
    candidate's box (x0, y0, x1, y1) in the mosaic's own pixels, whose edges the box counts from
    (the mosaic spans [0, w] x [0, h]). The map is between keypoint coordinates (pixel centres at
    integers, core/pixel_grid.py), as the homographies it is composed with."""
    x0, y0, x1, y1 = centre_box
    sx, sy = described_size[0] / mosaic_size[0], described_size[1] / mosaic_size[1]
    ax, ay = tile_size[0] / ((x1 - x0) * sx), tile_size[1] / ((y1 - y0) * sy)
    return centred(np.array([[ax, 0.0, -x0 * sx * ax], [0.0, ay, -y0 * sy * ay], [0.0, 0.0, 1.0]]))
