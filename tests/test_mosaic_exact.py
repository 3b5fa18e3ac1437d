"""Exact answers of core/mosaic.py worked out by hand: the neighbour grid's cell, buckets and reach
(tiles of mixed sizes included: session 8 found that a tile wider than the set's median missed
neighbours, and was missed by them), the ring's edges to the epsilon, the mosaic's layout, pixels
and the map back to the candidate tile (written for session 8's mutation run of mosaic.py)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core.model import Bounds, Tile
from geolocator.core.mosaic import NeighbourGrid, mosaic_image, mosaic_layout, mosaic_to_tile, union_bounds


def _t(name: str, west: float, south: float, east: float, north: float) -> Tile:
    return Tile(name, Path(f"{name}.png"), Bounds(west, south, east, north))


# -- NeighbourGrid: cell, half, buckets ------------------------------------------------------------------


def test_the_cell_is_the_median_tile_size_and_tiles_bucket_by_their_centre():
    tiles = [_t("a", 0, 0, 1, 0.5), _t("b", -3, -1, -1, -0.5), _t("c", 4, 2, 8, 5)]
    grid = NeighbourGrid(tiles)
    # widths 1, 2, 4 -> median 2; heights 0.5, 0.5, 3 -> median 0.5
    assert grid.cell == (2.0, 0.5) and grid.half == (2.0, 1.5)
    assert grid.tiles is tiles
    # centres (0.5, 0.25), (-2, -0.75), (6, 3.5) over cells (2, 0.5): floor, not truncation, below 0
    assert grid.buckets == {(0, 0): [0], (-1, -2): [1], (3, 7): [2]}
    assert grid._key(tiles[1]) == (-1, -2)


def test_an_even_count_takes_the_mean_of_the_middle_sizes_and_a_shared_bucket_keeps_the_order():
    tiles = [_t("a", 0, 0, 1, 1), _t("b", 0.1, 0.1, 0.4, 0.2), _t("c", 0, 0, 3, 2), _t("d", 0, 0, 2, 4)]
    grid = NeighbourGrid(tiles)
    # widths 1, 0.3, 3, 2 -> (1 + 2) / 2 = 1.5; heights 1, 0.1, 2, 4 -> (1 + 2) / 2 = 1.5
    assert grid.cell == (1.5, 1.5) and grid.half == (1.5, 2.0)
    # centres (0.5, 0.5), (0.25, 0.15), (1.5, 1), (1, 2) -> keys (0, 0), (0, 0), (1, 0), (0, 1)
    assert grid.buckets == {(0, 0): [0, 1], (1, 0): [2], (0, 1): [3]}


def test_an_empty_set_or_zero_sized_tiles_get_a_unit_cell():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no median of an empty array ("Mean of empty slice")
        empty = NeighbourGrid([])
    assert empty.cell == (1.0, 1.0) and empty.half == (0.0, 0.0) and empty.buckets == {}
    flat = NeighbourGrid([_t("a", 2, 0, 2, 0.25), _t("b", 3, 0, 3, 0.25), _t("c", 5, 1, 5, 1.25)])
    # zero widths: a cell of 0 would divide by zero; the heights keep their median 0.25
    assert flat.cell == (1.0, 0.25)
    assert flat.buckets == {(2, 0): [0], (3, 0): [1], (5, 4): [2]}
    assert flat.around(0, 1) == [0]  # a zero-width box grown by 0 widths touches nothing


# -- NeighbourGrid.around ----------------------------------------------------------------------------------


def _row(n: int, size=1.0, south=0.0, prefix="s"):
    return [_t(f"{prefix}{i}", i * size, south, (i + 1) * size, south + size) for i in range(n)]


def test_ring_zero_or_below_is_the_tile_alone():
    tiles = _row(3)
    grid = NeighbourGrid(tiles)
    assert grid.around(1, 0) == [1] and grid.around(1, -1) == [1]
    assert grid.around(1, 1) == [1, 0, 2]
    # even with a tile overlapping it (overlapping windows of a raster): ring 0 is the tile alone
    overlapping = [*tiles, _t("half", 1.5, 0, 2.5, 1)]
    assert NeighbourGrid(overlapping).around(1, 0) == [1]
    assert NeighbourGrid(overlapping).around(1, 1) == [1, 0, 2, 3]


def test_tiles_in_the_same_bucket_as_the_tile_are_found_after_it():
    # centres 0.5, 0.7 and 0.6 share bucket (0, 0) with the tile (listed first) and a crossing tile
    tiles = [_t("a", 0, 0, 1, 1), _t("x", 179.5, 0, -179.5, 1), _t("b", 0.2, 0, 1.2, 1), _t("c", 0.1, 0.1, 1.1, 1.1)]
    grid = NeighbourGrid([tiles[0], tiles[2], tiles[3]])
    assert grid.buckets == {(0, 0): [0, 1, 2]}
    assert grid.around(0, 1) == [0, 1, 2] and grid.around(1, 1) == [1, 0, 2]
    # the crossing tile's centre (180 -> -180 after wrapping) is elsewhere; bucket it with the others
    grid = NeighbourGrid(tiles)
    grid.buckets = {(0, 0): [1, 0, 2, 3]}
    assert grid.around(0, 1) == [0, 2, 3]


def test_a_ring_reaches_ring_tiles_and_not_the_one_that_only_touches_it():
    tiles = _row(7)
    grid = NeighbourGrid(tiles)
    assert grid.around(3, 1) == [3, 2, 4]  # tiles 1 and 5 only touch the box grown by one tile
    assert grid.around(3, 2) == [3, 1, 2, 4, 5]
    assert grid.around(3, 3) == [3, 0, 1, 2, 4, 5, 6]
    assert grid.around(0, 3) == [0, 1, 2, 3]


def test_a_tile_across_the_antimeridian_has_no_neighbours_and_is_no_neighbour():
    tiles = [_t("w", 179.0, 0, 180.0, 1), _t("x", 179.5, 0, -179.5, 1), _t("v", 178.0, 0, 179.0, 1)]
    grid = NeighbourGrid(tiles)
    assert grid.around(1, 1) == [1]
    assert grid.around(0, 1) == [0, 2]
    # a world-wide tile's grown box [-540, 540] holds the crossing tile's west and east: left out all the same
    world = [_t("world", -180.0, 0, 180.0, 1), tiles[1], tiles[2]]
    assert NeighbourGrid(world).around(0, 1) == [0, 2]


def test_a_tile_exactly_the_tolerance_inside_the_grown_box_is_no_neighbour():
    # a unit tile grown by one: [-1, 2] x [-1, 2], eps 1e-6; each tile below overlaps it by exactly eps
    base = _t("base", 0.0, 0.0, 1.0, 1.0)
    edge = [_t("w", -2.0, 0.0, -1.0 + 1e-6, 1.0), _t("e", 2.0 - 1e-6, 0.0, 3.0, 1.0),
            _t("s", 0.0, -2.0, 1.0, -1.0 + 1e-6), _t("n", 0.0, 2.0 - 1e-6, 1.0, 3.0)]
    assert NeighbourGrid([base, *edge]).around(0, 1) == [0]
    inside = [_t("w", -2.0, 0.0, -1.0 + 2e-6, 1.0), _t("n", 0.0, 2.0 - 2e-6, 1.0, 3.0)]
    assert NeighbourGrid([base, *inside]).around(0, 1) == [0, 1, 2]


def test_the_edge_tolerance_is_a_millionth_of_the_tiles_longer_side():
    # a 2 x 1 tile grown by one tile: [-2, 4] x [-1, 2]; eps = 1e-6 * max(2, 1) = 2e-6
    base = _t("base", 0, 0, 2, 1)

    def neighbours(other):
        return NeighbourGrid([base, other]).around(0, 1)

    # overlapping the grown box by 3e-6 (more than eps) in x: a neighbour; by 1e-6 (less): not
    assert neighbours(_t("e", 4 - 3e-6, 0, 6, 1)) == [0, 1]
    assert neighbours(_t("e", 4 - 1e-6, 0, 6, 1)) == [0]
    assert neighbours(_t("w", -4, 0, -2 + 3e-6, 1)) == [0, 1]
    assert neighbours(_t("w", -4, 0, -2 + 1e-6, 1)) == [0]
    # and in y (eps is still 2e-6, from the width)
    assert neighbours(_t("n", 0, 2 - 3e-6, 2, 3)) == [0, 1]
    assert neighbours(_t("n", 0, 2 - 1e-6, 2, 3)) == [0]
    assert neighbours(_t("s", 0, -2, 2, -1 + 3e-6)) == [0, 1]
    assert neighbours(_t("s", 0, -2, 2, -1 + 1e-6)) == [0]
    # the same 1.5e-6 overlap: a neighbour of a 1 x 1 tile (eps 1e-6), not of the 2 x 1 (eps 2e-6)
    assert NeighbourGrid([_t("b", 0, 0, 1, 1), _t("e", 2 - 1.5e-6, 0, 3, 1)]).around(0, 1) == [0, 1]
    assert neighbours(_t("e", 4 - 1.5e-6, 0, 6, 1)) == [0]


def test_the_ring_grows_by_the_tiles_own_width_and_height():
    # a 2 wide, 1 tall tile: ring 1 reaches x in (-2, 4), y in (-1, 2)
    base = _t("base", 0, 0, 2, 1)
    others = [_t("x", 3.5, 0, 4.5, 1), _t("y", 0, 1.5, 1, 2.5), _t("far_y", 0, 2.5, 1, 3.5),
              _t("far_x", 4.5, 0, 5.5, 1), _t("diag", -2.5, -1.5, -1.5, -0.5)]
    assert NeighbourGrid([base, *others]).around(0, 1) == [0, 1, 2, 5]


@pytest.mark.parametrize("u", [1.0, 0.001])
def test_tiles_of_mixed_sizes_find_each_other(u):
    """Session 8's bug: the buckets read reached ring x the tile's size + 1 cell of the set's median
    size, short of a neighbour whose centre lies further because either tile is wider than that.
    `u`: the unit tile's size in degrees (the cell), 1 or 0.001 (as XYZ tiles at zoom ~18)."""
    def _t(name, west, south, east, north):
        return Tile(name, Path(f"{name}.png"), Bounds(west * u, south * u, east * u, north * u))

    small = [_t(f"s{i}", i, 0, i + 1, 1) for i in range(9)]  # 1 x 1, cells of 1
    big = _t("big", 9, 0, 13, 1)  # 4 wide: ring 1 reaches x in (5, 17)
    grid = NeighbourGrid([*small, big])
    assert grid.around(9, 1) == [9, 5, 6, 7, 8]  # s5's centre 5.5 lies 5.5 cells from big's 11
    assert grid.around(8, 1) == [8, 7, 9]  # big's centre 11 lies 2.5 cells from s8's 8.5
    assert grid.around(5, 1) == [5, 4, 6]
    tall = _t("tall", 0, 1, 1, 11)  # 10 tall, on top of s0, its centre at y 6
    col = [_t(f"c{i}", 1, i, 2, i + 1) for i in range(12)]  # a column of unit tiles east of it
    grid = NeighbourGrid([small[0], tall, *col])
    assert grid.around(1, 1) == [1, 0, *range(2, 14)]  # x in (-1, 2), y in (-9, 21)
    assert grid.around(13, 1) == [13, 1, 12]  # c11 (y 11..12) reaches y in (10, 13): tall, 5.5 cells away


@pytest.mark.parametrize("axis", ["x", "y"])
def test_two_long_tiles_find_each_other_24_buckets_apart(axis):
    """Two tiles 12 cells long, 24 of the buckets apart (centres 6.99 and 30.5), overlapping by
    ring 1 of their length: the buckets read must reach half of one, its ring and half of the
    other (the set's longest), 6 + 12 + 6 cells. The unit tiles (cell 1 along, 2 across) lie
    elsewhere."""
    def box(a0, a1, b0, b1):  # a: along the axis, b: across
        return (a0, b0, a1, b1) if axis == "x" else (b0, a0, b1, a1)

    tiles = [_t("A", *box(0.99, 12.99, 0, 2)), _t("B", *box(24.5, 36.5, 0, 2))]
    tiles += [_t(f"u{i}", *box(i, i + 1, 100, 102)) for i in range(9)]
    grid = NeighbourGrid(tiles)
    assert grid.cell == ((1.0, 2.0) if axis == "x" else (2.0, 1.0))
    assert grid.half == ((6.0, 1.0) if axis == "x" else (1.0, 6.0))
    # A grown by one length reaches 24.99 along: B (from 24.5) overlaps it, and A (to 12.99) B's box from 12.5
    assert grid.around(0, 1) == [0, 1] and grid.around(1, 1) == [1, 0]


# -- union_bounds / mosaic_layout ----------------------------------------------------------------------


def test_union_bounds_takes_each_side_from_any_tile():
    tiles = [_t("a", 2, -1, 3, 5), _t("b", -4, 0, 1, 2), _t("c", 0, -6, 9, 1)]
    assert union_bounds(tiles) == Bounds(-4, -6, 9, 5)
    assert union_bounds(tiles[:1]) == Bounds(2, -1, 3, 5)


def test_the_layout_keeps_the_candidates_pixels_per_degree_north_up():
    # candidate 0.002 x 0.001 deg at 200 x 50 px: 100 000 px / deg of lon, 50 000 / deg of lat
    cand = _t("c", 10.002, 50.001, 10.004, 50.002)
    west = _t("w", 10.0, 50.001, 10.002, 50.002)
    south = _t("s", 10.002, 50.0, 10.004, 50.001)
    size, boxes, union = mosaic_layout((200, 50), [cand, west, south])
    assert union == Bounds(10.0, 50.0, 10.004, 50.002)
    assert size == (400, 100)
    assert boxes == [(200, 0, 400, 50), (0, 0, 200, 50), (200, 50, 400, 100)]


def test_layout_boxes_round_to_whole_pixels_and_the_mosaic_is_at_least_one_pixel():
    # 3 px per degree: a tile from 0.5 to 1.7 deg spans 1.5 -> 2 and 5.1 -> 5 px
    cand = _t("c", 0, 0, 1, 1)
    other = _t("o", 0.5, -0.7, 1.7, 0.5)
    size, boxes, union = mosaic_layout((3, 3), [cand, other])
    assert union == Bounds(0, -0.7, 1.7, 1)
    # union 1.7 x 1.7 deg: 5.1 -> 5 px each way
    assert size == (5, 5) and boxes == [(0, 0, 3, 3), (2, 2, 5, 5)]
    size, boxes, _ = mosaic_layout((1, 1), [_t("tiny", 0, 0, 0.1, 0.1)])
    assert size == (1, 1) and boxes == [(0, 0, 1, 1)]
    # a 4 px candidate next to a sliver 0.4 px wide: the union's 4.4 px round to 4
    size, boxes, _ = mosaic_layout((4, 4), [cand, _t("s", 1, 0, 1.1, 1)])
    assert size == (4, 4) and boxes == [(0, 0, 4, 4), (4, 0, 4, 4)]


# -- mosaic_image --------------------------------------------------------------------------------------------


def test_the_mosaic_pastes_resized_tiles_on_mid_grey():
    cand = _t("c", 1, 0, 2, 1)  # east of a missing tile; a 2 x 2 image of 1 x 1 deg
    north = _t("n", 0, 1, 2, 2)  # 2 deg wide, above: its 3 x 1 image is resized to 4 x 2
    cand_img = Image.fromarray(np.array([[10, 20], [30, 40]], np.uint8), "L")  # grey: converted to RGB
    north_img = Image.new("RGB", (3, 1), (200, 100, 50))
    canvas, box, union = mosaic_image([cand_img, north_img], [cand, north])
    assert canvas.mode == "RGB" and canvas.size == (4, 4) and box == (2, 2, 4, 4)
    assert union == Bounds(0, 0, 2, 2)
    px = np.asarray(canvas)
    assert px[:2].tolist() == [[[200, 100, 50]] * 4] * 2
    assert px[2:, :2].tolist() == [[[128, 128, 128]] * 2] * 2  # no tile south-west: mid grey
    assert px[2:, 2:, 0].tolist() == [[10, 20], [30, 40]] and (px[2:, 2:, 0] == px[2:, 2:, 2]).all()


def test_a_tile_narrower_than_a_pixel_is_left_out():
    cand = _t("c", 0, 0, 1, 1)
    sliver = _t("s", 1, 0, 1.1, 1)  # 0.4 px at 4 px / deg: a box of zero width
    canvas, box, _ = mosaic_image([Image.new("RGB", (4, 4), (9, 9, 9)), Image.new("RGB", (1, 4), (250, 0, 0))],
                                  [cand, sliver])
    assert canvas.size == (4, 4) and box == (0, 0, 4, 4)
    assert (np.asarray(canvas) == 9).all()
    flat = _t("f", 0, 1, 1, 1.1)  # 0.4 px tall
    canvas, _, _ = mosaic_image([Image.new("RGB", (4, 4), (9, 9, 9)), Image.new("RGB", (4, 1), (250, 0, 0))],
                                [cand, flat])
    assert canvas.size == (4, 4) and (np.asarray(canvas) == 9).all()


# -- mosaic_to_tile --------------------------------------------------------------------------------------------


def test_the_map_back_to_the_candidate_with_different_scales_each_way():
    # the candidate's box (30, 10)-(60, 30) in a 90 x 40 mosaic, described at 45 x 80 (x / 2, y * 2);
    # the tile described at 60 x 20 px: its 30 x 20 box is 15 x 40 described px -> x * 4, y / 2
    # Edges: x -> 4x - 60, y -> y / 2 - 10. The map is between keypoint coordinates (pixel centres,
    # half a pixel inside the edges): x -> 4 (x + 0.5) - 60 - 0.5 = 4x - 58.5, y -> (y + 0.5) / 2 - 10 - 0.5
    m = mosaic_to_tile((30, 10, 60, 30), (90, 40), (45, 80), (60, 20))
    expected = np.array([[4.0, 0, -58.5], [0, 0.5, -10.25], [0, 0, 1]])
    np.testing.assert_allclose(m, expected, rtol=1e-12, atol=1e-12)
    # the box's corners (described edges (15, 20) and (30, 60): keypoint coordinates 0.5 less) go to
    # the tile's corners (its edges: (-0.5, -0.5) and (59.5, 19.5) in keypoint coordinates)
    assert m @ np.array([14.5, 19.5, 1.0]) == pytest.approx([-0.5, -0.5, 1.0])
    assert m @ np.array([29.5, 59.5, 1.0]) == pytest.approx([59.5, 19.5, 1.0])


# -- session 29 (grid29): a grid turned against the meridians ---------------------------------------------
def test_a_turned_grids_ring_is_its_own_neighbours_not_the_tiles_two_away():
    """RD New (EPSG:28992) level-13 tiles at Rotterdam are turned 0.8 degrees against the meridians, so
    their lon/lat bounds overlap; ring 1 must still be the 3 x 3 block of the grid (9 tiles; 4 at a
    corner of the block), ring 2 the 5 x 5 block. Before: 11 to 16 tiles at ring 1."""
    from tests.helpers import rd_level13_tiles

    cells, tiles = rd_level13_tiles()  # PDOK's RD set, level 13
    assert all(t.corners is not None for t in tiles)
    grid = NeighbourGrid(tiles)
    at = {cr: i for i, cr in enumerate(cells)}
    for (c, r), ring in (((3436, 4385), 1), ((3436, 4385), 2), ((3434, 4383), 1), ((3433, 4382), 1)):
        got = {cells[k] for k in grid.around(at[(c, r)], ring)}
        want = {(cc, rr) for cc in range(c - ring, c + ring + 1) for rr in range(r - ring, r + ring + 1)
                if (cc, rr) in at}
        assert got == want, ((c, r), ring, sorted(got - want), sorted(want - got))
    assert grid.around(at[(3436, 4385)], 1)[0] == at[(3436, 4385)]
