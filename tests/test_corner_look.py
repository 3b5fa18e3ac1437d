"""The corner look (VerifySettings.corners, issue 13, session 30): a weak photo lying across a tile
corner, verified again against full-size stitches of the tiles sharing that corner."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.geo import haversine_m
from geolocator.core.model import Bounds, LatLon, Query, Tile
from geolocator.core.mosaic import NeighbourGrid
from geolocator.core.rerank import PAIR_CHOICE_FIELDS, Verification, Verifier, VerifySettings
from geolocator.core.tilesets import load_tiles_csv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_rerank import DEMO, _demo_mosaic, _render  # noqa: E402


def _grid(cols: int, rows: int, size: float = 0.001) -> list[Tile]:
    """cols x rows tiles of `size` degrees, row 0 the northern one, index r * cols + c."""
    return [Tile(f"r{r}c{c}", Path(f"r{r}c{c}.png"),
                 Bounds(c * size, (rows - 1 - r) * size, (c + 1) * size, (rows - r) * size))
            for r in range(rows) for c in range(cols)]


def test_an_inner_tile_has_four_2x2_blocks_each_round_one_of_its_corners():
    tiles = _grid(3, 3)
    blocks = dict(NeighbourGrid(tiles).corner_blocks(4))  # the middle tile
    # x right, y down: (-1, -1) is the top left corner, shared with the tiles above and to the left
    assert blocks == {(-1, -1): [4, 0, 1, 3], (1, -1): [4, 1, 2, 5], (1, 1): [4, 5, 7, 8], (-1, 1): [4, 3, 6, 7]}


def test_a_tile_on_the_sets_edge_gets_2x1_blocks_and_a_lone_tile_none():
    tiles = _grid(3, 2)
    blocks = dict(NeighbourGrid(tiles).corner_blocks(0))  # top left tile of two rows
    assert blocks == {(1, -1): [0, 1], (1, 1): [0, 1, 3, 4], (-1, 1): [0, 3]}  # no tile beyond the top left corner
    assert NeighbourGrid(_grid(1, 1)).corner_blocks(0) == []


def test_the_corner_look_chooses_no_pairs_and_so_stays_out_of_the_pair_stores_key():
    assert "corners" in PAIR_CHOICE_FIELDS
    assert VerifySettings(corners=3).evaluation_key() == VerifySettings().evaluation_key()


@pytest.fixture(scope="module")
def demo():
    tiles = load_tiles_csv(DEMO / "tiles.csv").tiles
    return (tiles, *_demo_mosaic(tiles))


def _best(checks, tiles, candidates):
    """(inliers, the ground point under the photo's centre) of the best of `checks`."""
    b = int(np.argmax([c.inliers for c in checks]))
    c = checks[b]
    return c.inliers, (tiles[candidates[b]].bounds.point_at(*c.centre) if c.centre else None)


def test_a_weak_photo_across_a_tile_corner_verifies_on_the_stitch_at_its_true_place(demo, tmp_path):
    """A blurry (2.5 px) 160 x 120 px photo one tile (50 m) across, centred 3 px from the corner of four demo
    tiles (a quarter of it in each): no single tile verifies it, even finely; the stitch of the four
    does, and its homography, brought back into the candidate tile's pixels, puts the centre within
    a metre of where the photo was cut (the homography to ground is right for a stitched image)."""
    tiles, canvas, to_latlon = demo
    truth_xy = (771.0, 1022.0)  # the corner of tile columns 2-3 and rows 3-4 of the 6 x 6 canvas is (768, 1024)
    photo = _render(canvas, truth_xy, 256, tmp_path / "corner.jpg", size=(160, 120), blur=2.5)
    truth = to_latlon(*truth_xy)
    under = [i for i, t in enumerate(tiles) if any(t.bounds.contains(LatLon(truth.lat + dy, truth.lon + dx))
                                                   for dx in (-1e-4, 1e-4) for dy in (-1e-4, 1e-4))]
    assert len(under) == 4  # the photo lies across four tiles
    candidates = sorted(set(range(0, len(tiles), 4)) | set(under))
    query = Query("corner.jpg", photo)

    alone = Verifier(VerifySettings()).verify_photo(query, tiles, candidates)
    assert max(c.inliers for c in alone) < VerifySettings().min_inliers

    verifier = Verifier(VerifySettings(corners=3))
    found = verifier.verify_photo(query, tiles, candidates)
    inliers, ground = _best(found, tiles, candidates)
    assert inliers >= VerifySettings().min_inliers
    assert haversine_m(ground, truth) < 1.0
    # a second call reads the kept evaluations: no stitch is matched again
    verifier.corner_stitch = None  # would raise if called
    assert verifier.verify_photo(query, tiles, candidates) == found


def test_a_photo_with_a_clear_match_takes_no_corner_look(demo, tmp_path, monkeypatch):
    tiles, canvas, _ = demo
    photo = _render(canvas, (700.0, 820.0), 256, tmp_path / "clear.jpg")
    verifier = Verifier(VerifySettings(corners=3))
    monkeypatch.setattr(verifier, "corner_stitch", lambda *a: pytest.fail("a clear photo was looked at corners"))
    found = verifier.verify_photo(Query("clear.jpg", photo), tiles, [13, 14, 19, 20])
    assert max(c.inliers for c in found) >= VerifySettings().fine_threshold()


def test_only_the_strongest_pairs_look_at_the_corner_their_match_points_to(demo, tmp_path, monkeypatch):
    """corners=1: the pair with most inliers, and of its corners only the one on the side of its
    match's centre (x >= 0.5: right, y < 0.5: top)."""
    tiles, canvas, _ = demo
    photo = _render(canvas, (771.0, 1022.0), 256, tmp_path / "corner.jpg", size=(160, 120), blur=2.5)
    verifier = Verifier(VerifySettings(corners=1, fine_pass=False, deblock=False))
    weak = {14: Verification(5, (0.8, 0.3)), 20: Verification(3, (0.1, 0.9))}
    asked = []
    monkeypatch.setattr(verifier, "corner_stitch", lambda tiles_, members: asked.append(list(members)) or None)
    pairs_first = verifier._first
    key = verifier.photo_key(Query("corner.jpg", photo))
    from geolocator.core.cache import tile_key

    for t, v in weak.items():
        dict.__setitem__(pairs_first, (key, tile_key(tiles[t])), v)
    verifier.verify_photo(Query("corner.jpg", photo), tiles, [20, 14])
    right_top = dict(NeighbourGrid(tiles).corner_blocks(14))[(1, -1)]
    assert asked == [right_top]


def test_a_turned_grids_corner_blocks_are_its_own_2x2_blocks():
    """RD New level-13 tiles at Rotterdam (turned 0.8 degrees against the meridians, Tile.corners set;
    rotterdam q_0010 lay at such a corner, session 29): each corner's block is the tile and the three
    tiles sharing that corner by column and row (RD rows grow southwards, as y down)."""
    from tests.helpers import rd_level13_tiles

    cells, tiles = rd_level13_tiles()  # PDOK's RD set, level 13
    at = {cr: i for i, cr in enumerate(cells)}
    c, r = 3436, 4385
    got = {side: {cells[k] for k in members} for side, members in NeighbourGrid(tiles).corner_blocks(at[(c, r)])}
    assert got == {(sx, sy): {(c, r), (c + sx, r), (c, r + sy), (c + sx, r + sy)}
                   for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))}


def test_verify_corners_reaches_the_verifier_from_the_cli_and_is_off_unless_asked(tmp_path, monkeypatch):
    from types import SimpleNamespace

    import geolocator.core.pipeline as pipeline
    from geolocator.cli import _workspace, build_parser
    from geolocator.core.pipeline import Settings, Workspace

    assert Workspace(Settings(matcher="sift", verify_corners=3)).verifier.settings.corners == 3
    assert Workspace(Settings(matcher="sift")).verifier.settings.corners == 0
    made = []
    backbone = SimpleNamespace(fallback_reason=None, name="fake", dim=1, device="cpu")  # no weights loaded
    monkeypatch.setattr(pipeline, "Workspace", lambda settings: made.append(settings) or SimpleNamespace(backbone=backbone))
    parser = build_parser()
    _workspace(parser.parse_args(["eval", str(tmp_path), "--verify-corners", "2"]))
    _workspace(parser.parse_args(["eval", str(tmp_path)]))
    assert [m.verify_corners for m in made] == [2, 0]


def test_a_turned_grids_stitch_is_laid_out_by_column_and_row_not_stretched_to_its_bounds():
    """RD tiles' lon/lat bounds are larger than the tiles (turned 0.8 degrees): laid out by bounds
    (mosaic_layout) each would be stretched and overlap its neighbours (rotterdam q_0010's corner
    stitch: 6 inliers so, 9 by column and row, session 30). grid_layout puts them whole, side by side;
    tiles off one grid get None (they are laid out by bounds)."""
    from geolocator.core.mosaic import grid_layout
    from tests.helpers import rd_level13_tiles

    _, tiles = rd_level13_tiles([(3436, 4385), (3435, 4385), (3436, 4384), (3435, 4384)])
    size, placed = grid_layout(tiles, (256, 256))
    assert size == (512, 512)
    assert placed == [(256, 256, 512, 512), (0, 256, 256, 512), (256, 0, 512, 256), (0, 0, 256, 256)]
    north_up = _grid(2, 2)
    assert grid_layout(north_up, (100, 80)) == ((200, 160), [(0, 0, 100, 80), (100, 0, 200, 80),
                                                             (0, 80, 100, 160), (100, 80, 200, 160)])
    half_off = [north_up[0], Tile("x", Path("x.png"), Bounds(0.0005, 0.0, 0.0015, 0.001))]
    assert grid_layout(half_off, (100, 100)) is None
