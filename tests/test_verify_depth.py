"""Issue 13: candidates that reach verification. Adaptive depth (widen where no candidate is
confident) and verification through a mosaic of a candidate and its neighbours (core/mosaic.py)."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core.model import Bounds, Query, Tile
from geolocator.core.mosaic import NeighbourGrid, mosaic_image, mosaic_to_tile, union_bounds
from geolocator.core.rerank import Verification, Verifier, VerifySettings, widen_unverified

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


def test_confident_inliers_default_to_the_learned_stop_or_the_verified_floor():
    assert VerifySettings().confident_at() == 8  # sift: any verified match settles a photo
    assert VerifySettings(matcher="xfeat").confident_at() == 40  # LEARNED_STOP_INLIERS
    assert VerifySettings(matcher="xfeat", stop_inliers=25).confident_at() == 25
    assert VerifySettings(matcher="xfeat", confident_inliers=60).confident_at() == 60
    assert VerifySettings(confident_inliers=30).confident_at() == 30


class FakeVerifier:  # tile 4 gives 50 inliers, tile 1 gives 20, every other tile none
    def __init__(self):
        self.asked = []

    def verify_photo(self, query, tiles, candidates, footprint_m=None, cancel=None):
        self.asked.append((query.id, [int(t) for t in candidates]))
        return [Verification({4: 50, 1: 20}.get(int(t), 0)) for t in candidates]


def _widen(confident):
    sim = np.array([[0.9, 0.8, 0.7, 0.6, 0.5, 0.4], [0.1, 0.9, 0.2, 0.3, 0.4, 0.8]])
    queries = [Query("a", Path("a.jpg")), Query("b", Path("b.jpg"))]
    candidates = np.array([[0, 1], [1, 5]])
    checks = [[Verification(0), Verification(20)], [Verification(45), Verification(0)]]
    verifier = FakeVerifier()
    order = np.argsort(-sim, axis=1, kind="stable")
    wide, out = widen_unverified(verifier, queries, [None] * 6, order, candidates, checks, 8, upto=4,
                                 confident=confident)
    return verifier.asked, wide, out


def test_a_weak_match_is_widened_only_below_the_confident_count():
    # photo a verified tile 1 with 20 inliers: settled at the floor (8), not at 40
    asked, wide, out = _widen(None)
    assert asked == [] and wide.tolist() == [[0, 1, 2, 3], [1, 5, 4, 3]]
    asked, wide, out = _widen(40)
    assert asked == [("a", [2, 3])]  # b has 45 >= 40: not widened
    assert [v.inliers for v in out[0]] == [0, 20, 0, 0] and [v.inliers for v in out[1]] == [45, 0, 0, 0]
    asked, _, _ = _widen(np.array([40, 50]))  # one threshold per photo: b's 45 < 50 now
    assert asked == [("a", [2, 3]), ("b", [4, 3])]


def _grid_tiles(rows: int, cols: int, size=0.001, west=10.0, south=50.0, prefix="t"):
    return [Tile(f"{prefix}{r}{c}", Path(f"{prefix}{r}{c}.png"),
                 Bounds(west + c * size, south + r * size, west + (c + 1) * size, south + (r + 1) * size))
            for r in range(rows) for c in range(cols)]


def test_neighbours_are_the_tiles_within_the_ring_and_not_a_patch_far_away():
    tiles = _grid_tiles(4, 4) + _grid_tiles(2, 2, west=10.02, prefix="far")  # a second patch 16 tiles east
    grid = NeighbourGrid(tiles)
    # index = row * 4 + col; tile 0 is the south-west corner
    assert grid.around(0, 1) == [0, 1, 4, 5]
    assert grid.around(5, 1) == [5, 0, 1, 2, 4, 6, 8, 9, 10]
    assert grid.around(5, 0) == [5]
    assert grid.around(0, 2) == [0, 1, 2, 4, 5, 6, 8, 9, 10]
    assert grid.around(16, 1) == [16, 17, 18, 19]  # the far patch's own 2 x 2
    across = Tile("x", Path("x.png"), Bounds(179.9995, 0.0, -179.9995, 0.001))
    assert NeighbourGrid([across, *tiles]).around(0, 1) == [0]


def test_mosaic_pastes_each_tile_at_its_bounds_and_maps_back_to_the_candidate():
    tiles = _grid_tiles(2, 2)  # t00 (SW), t01 (SE), t10 (NW), t11 (NE)
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    images = [Image.new("RGB", (10, 10), c) for c in colours]
    order = [1, 0, 2, 3]  # the candidate (first) is t01, the south-east tile
    canvas, box, union = mosaic_image([images[i] for i in order], [tiles[i] for i in order])
    assert canvas.size == (20, 20) and box == (10, 10, 20, 20)
    assert union == Bounds(10.0, 50.0, 10.002, 50.002) == union_bounds(tiles)
    pixels = np.asarray(canvas)
    assert tuple(pixels[15, 15]) == colours[1]  # south-east: bottom right
    assert tuple(pixels[15, 5]) == colours[0]  # south-west: bottom left
    assert tuple(pixels[5, 5]) == colours[2] and tuple(pixels[5, 15]) == colours[3]
    # the mosaic described at 16 x 16, the candidate tile at 8 x 8: mosaic px (8, 8) is the
    # candidate's top-left corner, (16, 16) its bottom-right, (12, 12) its centre
    to_tile = mosaic_to_tile(box, canvas.size, (16, 16), (8, 8))
    for (x, y), (u, v) in (((8, 8), (0, 0)), ((16, 16), (8, 8)), ((12, 12), (4, 4)), ((0, 0), (-8, -8))):
        p = to_tile @ np.array([x, y, 1.0])
        assert p[:2] / p[2] == pytest.approx([u, v])


def _demo_tiles():
    import csv

    rows = list(csv.DictReader(open(DEMO / "tiles.csv")))
    return [Tile(r["path"], DEMO / r["path"], Bounds(*(float(r[k]) for k in ("west", "south", "east", "north"))))
            for r in rows]


def test_a_photo_across_four_tiles_is_placed_through_the_mosaic(tmp_path):
    """A 'photo' of the ground around the corner shared by four demo tiles (a third of each
    tile's width from it, every way), rotated: through the mosaic of one of them its centre lands
    on that tile's corner, in the tile's own fractions."""
    import cv2

    tiles = _demo_tiles()
    grid = NeighbourGrid(tiles)
    centre = next(i for i, t in enumerate(tiles) if t.id == "tiles/r02_c02.jpg")
    members = [tiles[i] for i in grid.around(centre, 1)]
    assert len(members) == 9
    canvas, box, _ = mosaic_image([Image.open(m.path).convert("RGB") for m in members], members)
    x0, y0, x1, y1 = box  # the candidate's box; its top-right corner (x1, y0) is the photo's centre
    side = (x1 - x0) * 2 // 3
    ground = np.asarray(canvas)[y0 - side: y0 + side, x1 - side: x1 + side]
    turn = cv2.getRotationMatrix2D((side, side), 35.0, 1.0)
    photo = cv2.warpAffine(np.ascontiguousarray(ground), turn, (2 * side, 2 * side), borderMode=cv2.BORDER_REFLECT)
    path = tmp_path / "photo.png"
    Image.fromarray(photo).save(path)

    verifier = Verifier(VerifySettings(mosaic=1, fine_pass=False))
    result = verifier.verify_photo(Query("p", path), tiles, [centre])[0]
    assert result.inliers >= 20
    assert result.centre == pytest.approx((1.0, 0.0), abs=0.03)  # the tile's top-right corner
    corners = np.array(result.corners)
    assert np.linalg.norm(corners - corners.mean(axis=0), axis=1) == pytest.approx([0.939] * 4, abs=0.03)


def test_without_a_mosaic_the_verifier_matches_the_tile_alone(tmp_path):
    tiles = _demo_tiles()
    i = next(k for k, t in enumerate(tiles) if t.id == "tiles/r02_c02.jpg")
    verifier = Verifier(VerifySettings(fine_pass=False))
    features, to_tile, ground = verifier.target(tiles, i)
    assert to_tile is None and ground == tiles[i].bounds and features is verifier.tile(tiles[i])
    mosaic = Verifier(VerifySettings(mosaic=1, fine_pass=False))
    features, to_tile, ground = mosaic.target(tiles, i)
    assert ground == union_bounds([tiles[k] for k in NeighbourGrid(tiles).around(i, 1)])
    # the 3 x 3 mosaic (768 px) is described at 512: a third of it, 170.67 px, is the tile's 256.
    # Its edges at described 512/3 and 1024/3 are the tile's edges; in keypoint coordinates (pixel
    # centres) each edge is 0.5 less on both sides
    assert features.size == (512, 512)
    assert to_tile @ np.array([512 / 3 - 0.5, 512 / 3 - 0.5, 1.0]) == pytest.approx([-0.5, -0.5, 1.0], abs=1e-9)
    assert to_tile @ np.array([1024 / 3 - 0.5, 1024 / 3 - 0.5, 1.0]) == pytest.approx([255.5, 255.5, 1.0], abs=1e-9)


def test_a_learned_backends_mosaic_keypoints_are_cached_and_an_edited_neighbour_is_described_anew(
        tmp_path, monkeypatch):
    """The mosaic's keypoints go to the keypoint cache under every member's identity: a new
    session reads them back without describing; editing one neighbour describes it anew."""
    import shutil

    from geolocator.core import matchers
    from geolocator.core.matchers.sift import SiftMatcher

    class Counting(SiftMatcher):  # SIFT behind a learned backend's interface, counting extractions
        rotation_invariant = True
        signature = "stand-in|top1500"
        described = 0

        def extract(self, image):
            Counting.described += 1
            return super().extract(image)

    monkeypatch.setitem(matchers._cache, ("xfeat", "cpu"), Counting())
    tiles = []
    for t in _demo_tiles()[:12]:  # copies: one of them is edited below
        shutil.copy(t.path, tmp_path / Path(t.id).name)
        tiles.append(Tile(t.id, tmp_path / Path(t.id).name, t.bounds))
    settings = VerifySettings(matcher="xfeat", mosaic=1, keypoint_cache=tmp_path / "kp")
    first = Verifier(settings).target(tiles, 7)
    assert Counting.described == 2  # the tile itself (its pixels are the mosaic's frame) and the mosaic
    again = Verifier(settings).target(tiles, 7)
    assert Counting.described == 2  # both read back
    assert np.array_equal(again[0].descriptors, first[0].descriptors) and np.array_equal(again[1], first[1])
    neighbour = NeighbourGrid(tiles).around(7, 1)[-1]
    Image.open(tiles[neighbour].path).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(tiles[neighbour].path, "JPEG")
    Verifier(settings).target(tiles, 7)
    assert Counting.described == 3  # the mosaic again; the tile itself is unchanged


def test_the_default_depth_widens_learned_matchers_only():
    from geolocator.core.pipeline import Settings, Workspace

    assert Workspace(Settings(matcher="sift")).widen_to() == 0  # sift: as before
    assert Workspace(Settings(matcher="xfeat")).widen_to() == 64  # rerank.LEARNED_WIDEN
    assert Workspace(Settings(matcher="xfeat", verify_widen=0)).widen_to() == 0
    assert Workspace(Settings(verify_widen=30)).widen_to() == 30


def test_cli_leaves_the_depth_to_the_matcher_unless_given(tmp_path):
    from geolocator.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["eval", str(tmp_path), "--matcher", "xfeat", "--verify-mosaic", "1"])
    assert args.verify_widen is None and args.verify_mosaic == 1  # None: Workspace.widen_to decides
    args = parser.parse_args(["eval", str(tmp_path), "--verify-widen", "48"])
    assert args.verify_widen == 48 and args.verify_mosaic == 0


def test_mosaic_once_reaches_the_verifier_from_the_cli(tmp_path, monkeypatch):
    import geolocator.core.pipeline as pipeline
    from geolocator.cli import _workspace, build_parser

    from types import SimpleNamespace

    made = []
    backbone = SimpleNamespace(fallback_reason=None, name="fake", dim=1, device="cpu")  # no weights loaded
    monkeypatch.setattr(pipeline, "Workspace", lambda settings: made.append(settings) or SimpleNamespace(backbone=backbone))
    parser = build_parser()
    _workspace(parser.parse_args(["eval", str(tmp_path), "--verify-mosaic", "1", "--verify-mosaic-once"]))
    _workspace(parser.parse_args(["eval", str(tmp_path), "--verify-mosaic", "1"]))
    assert [(m.verify_mosaic, m.verify_mosaic_once) for m in made] == [(1, True), (1, False)]  # off unless asked


def test_settings_mosaic_once_reaches_the_verifier():
    from geolocator.core.pipeline import Settings, Workspace

    assert Workspace(Settings(matcher="sift", verify_mosaic=1, verify_mosaic_once=True)).verifier.settings.once()
    assert not Workspace(Settings(matcher="sift", verify_mosaic=1)).verifier.settings.once()
