"""The committed demo region is well-formed, and the benchmark generator's camera geometry is right."""

from __future__ import annotations

import csv
import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"


def _load_generator():
    # training/ is not a package: load the script by path (it imports rasterio/scipy lazily).
    script = ROOT / "training" / "make_public_benchmark.py"
    spec = importlib.util.spec_from_file_location("make_public_benchmark", script)
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = mod  # dataclasses look their module up while the script executes
    spec.loader.exec_module(mod)
    return mod


def _tiles() -> dict[str, tuple[float, float, float, float]]:
    with open(DEMO / "tiles.csv", newline="") as fh:
        reader = csv.reader(fh)
        assert next(reader) == ["path", "west", "south", "east", "north"]
        out = {}
        for row in reader:
            path, *nums = row
            w, s, e, n = map(float, nums)
            assert path not in out, f"duplicate tile {path}"
            out[path] = (w, s, e, n)
    return out


def _truth() -> list[tuple[str, float, float, str]]:
    with open(DEMO / "truth.csv", newline="") as fh:
        reader = csv.reader(fh)
        assert next(reader) == ["query", "lat", "lon", "tile"]
        return [(q, float(lat), float(lon), t) for q, lat, lon, t in reader]


def test_tiles_csv_parses_and_every_tile_is_a_north_up_image_inside_the_region():
    tiles = _tiles()
    assert 25 <= len(tiles) <= 64
    for path, (w, s, e, n) in tiles.items():
        assert -180 <= w < e <= 180 and -90 <= s < n <= 90, path
        f = (DEMO / path).resolve()
        assert f.is_relative_to(DEMO.resolve()) and f.is_file(), path
        with Image.open(f) as im:
            im.load()
            assert im.size == (256, 256) and im.mode == "RGB", path


def test_tiles_form_a_non_overlapping_grid_of_equal_ground_size():
    boxes = list(_tiles().values())
    widths = [e - w for w, _, e, _ in boxes]
    heights = [n - s for _, s, _, n in boxes]
    assert max(widths) - min(widths) < 1e-7 and max(heights) - min(heights) < 1e-7  # CSV has 8 decimals
    # ~50 m on the ground in both directions (degrees of longitude shrink with cos(lat)).
    (w, s, e, n) = boxes[0]
    lat = math.radians((s + n) / 2)
    assert (e - w) * 111195 * math.cos(lat) == pytest.approx(50, rel=0.01)
    assert (n - s) * 111195 == pytest.approx(50, rel=0.01)
    centres = {(round((w + e) / 2, 7), round((s + n) / 2, 7)) for w, s, e, n in boxes}
    assert len(centres) == len(boxes)


def test_truth_points_lie_in_the_middle_of_their_tiles_and_every_query_is_listed_once():
    tiles = _tiles()
    truth = _truth()
    listed = [q for q, *_ in truth]
    on_disk = sorted(p.relative_to(DEMO).as_posix() for p in (DEMO / "queries").iterdir())
    assert sorted(listed) == on_disk and len(set(listed)) == len(listed)
    assert len(truth) >= 2 * len(tiles)
    per_tile: dict[str, int] = {}
    for q, lat, lon, tile in truth:
        assert tile in tiles, f"{q}: unknown tile {tile}"
        w, s, e, n = tiles[tile]
        # The generator centres each view in the middle 60 % of its tile.
        assert w + 0.2 * (e - w) - 1e-9 <= lon <= e - 0.2 * (e - w) + 1e-9, q
        assert s + 0.2 * (n - s) - 1e-9 <= lat <= n - 0.2 * (n - s) + 1e-9, q
        holders = [t for t, (w2, s2, e2, n2) in tiles.items() if w2 <= lon <= e2 and s2 <= lat <= n2]
        assert holders == [tile], q
        per_tile[tile] = per_tile.get(tile, 0) + 1
    assert set(per_tile) == set(tiles)  # every tile has drone views


def test_query_images_open_and_differ_from_tiles_photometrically():
    truth = _truth()
    tiles = _tiles()
    q_means, t_means = [], []
    for q, *_ in truth:
        with Image.open(DEMO / q) as im:
            im.load()
            assert im.format == "JPEG" and im.size == (384, 288) and im.mode == "RGB", q
            q_means.append(np.asarray(im, float).reshape(-1, 3).mean(0))
    for t in tiles:
        with Image.open(DEMO / t) as im:
            t_means.append(np.asarray(im.convert("RGB"), float).reshape(-1, 3).mean(0))
    q_rb = np.mean([m[0] - m[2] for m in q_means])
    t_rb = np.mean([m[0] - m[2] for m in t_means])
    assert q_rb > 0 > t_rb  # warm drone photos, cool satellite tiles: not the same pixels


def test_demo_is_small_and_credits_the_imagery():
    total = sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file())
    assert total <= 4_000_000
    credits = (DEMO / "CREDITS.md").read_text(encoding="utf-8")
    for needle in ("SpaceNet", "CC BY-SA 4.0", "solaris", "road_mask_input.tif", "make_public_benchmark.py"):
        assert needle in credits


def test_demo_region_loads_with_the_core_reader():
    from geolocator.core.queries import load_region  # the reader exists: a failed import is a failure

    region = load_region(DEMO)
    assert len(region.tiles.tiles) == len(_tiles())
    assert len(region.queries) == len(_truth())
    assert all(q.truth is not None and q.truth_tile is not None for q in region.queries)


# ---- generator geometry (no imagery needed) ---------------------------------------------------------


def test_camera_centre_pixel_sees_the_target_and_nadir_view_is_north_up():
    gen = _load_generator()
    w, h = 33, 25  # odd: one pixel sits exactly on the optical axis
    de, dn = gen.camera_ground_points(0.0, 0.0, 50.0, w, h)
    assert abs(de[h // 2, w // 2]) < 1e-9 and abs(dn[h // 2, w // 2]) < 1e-9
    assert dn[0, w // 2] > 0 > dn[-1, w // 2]  # top row is north
    assert de[h // 2, 0] < 0 < de[h // 2, -1]  # left column is west
    assert de[h // 2, -1] - de[h // 2, 0] == pytest.approx(50.0 * (w - 1) / w)
    de90, dn90 = gen.camera_ground_points(90.0, 0.0, 50.0, w, h)
    assert de90[0, w // 2] > 0 and abs(dn90[0, w // 2]) < 1e-9  # yaw 90: top of the image is east


@pytest.mark.parametrize("yaw", [0.0, 137.0, 290.0])
def test_oblique_view_is_a_trapezoid_widening_away_from_the_camera(yaw):
    gen = _load_generator()
    w, h = 33, 25
    de, dn = gen.camera_ground_points(yaw, 40.0, 60.0, w, h)
    assert abs(de[h // 2, w // 2]) < 1e-9 and abs(dn[h // 2, w // 2]) < 1e-9
    far = math.hypot(de[0, -1] - de[0, 0], dn[0, -1] - dn[0, 0])
    near = math.hypot(de[-1, -1] - de[-1, 0], dn[-1, -1] - dn[-1, 0])
    mid = math.hypot(de[h // 2, -1] - de[h // 2, 0], dn[h // 2, -1] - dn[h // 2, 0])
    assert far > mid > near
    assert mid == pytest.approx(60.0 * (w - 1) / w)
    # The top of the image lies in the heading direction.
    heading = np.array([math.sin(math.radians(yaw)), math.cos(math.radians(yaw))])
    assert np.dot([de[0, w // 2], dn[0, w // 2]], heading) > 0 > np.dot([de[-1, w // 2], dn[-1, w // 2]], heading)
    # Straight ground lines stay straight under a homography: the centre column is collinear.
    pts = np.stack([de[:, w // 2], dn[:, w // 2]], 1)
    d = pts - pts[0]
    cross = d[:, 0] * d[-1, 1] - d[:, 1] * d[-1, 0]
    assert np.abs(cross).max() < 1e-6 * np.abs(d).max() ** 2


def test_rendering_is_deterministic_for_a_seed():
    gen = _load_generator()
    rng = np.random.default_rng(5)
    base = rng.random((200, 200)).astype(np.float32)

    def lonlat_to_px(lon, lat):  # a toy north-up image: 0.5 m pixels around (0, 0)
        mlat, mlon = gen.metres_per_degree(0.0)
        return 100 - np.asarray(lat) * mlat / 0.5, 100 + np.asarray(lon) * mlon / 0.5

    scene = gen.Scene("toy", "", base, np.ones_like(base, bool), lonlat_to_px, (-4e-4, -4e-4, 4e-4, 4e-4), (0.5, 0.5))
    box = gen.TileBox("tiles/t.jpg", -2e-4, -2e-4, 2e-4, 2e-4)
    outs = []
    for _ in range(2):
        r = np.random.default_rng(11)
        pose, ok = gen.choose_pose(scene, box, 40.0, r)
        img, quality = gen.render_query(scene, pose, r)
        outs.append((pose, np.asarray(img), quality))
        assert box.west + 0.2 * 4e-4 <= pose.lon <= box.east - 0.2 * 4e-4
        assert 20 <= pose.tilt <= 50 and 24 <= pose.footprint_m <= 48 and 70 <= quality <= 90
    assert outs[0][0] == outs[1][0] and outs[0][2] == outs[1][2]
    assert np.array_equal(outs[0][1], outs[1][1])
