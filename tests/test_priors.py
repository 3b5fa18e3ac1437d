"""Priors from the drone's own records: off by default, and when on they do what they say."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.geo import haversine_m
from geolocator.core.media.telemetry import FrameTelemetry
from geolocator.core.model import LatLon, Query
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.priors import gnss_allowed, recorded_position, recorded_positions
from geolocator.core.queries import load_region

from .flight_helpers import DEMO
from .helpers import grid_tiles
from .test_extract import tiny_backbone


def test_recorded_position_is_telemetry_or_exif_never_a_truth_file():
    here = LatLon(50.0005, 10.0005)
    assert recorded_position(Query("v#t=1", Path("v"), time_s=1.0, telemetry=FrameTelemetry(1.0, here))) == here
    assert recorded_position(Query("a.jpg", Path("a.jpg"), truth=here, truth_source="exif")) == here
    assert recorded_position(Query("b.jpg", Path("b.jpg"), truth=here, truth_source="truth.csv")) is None
    assert recorded_position(Query("c.jpg", Path("c.jpg"))) is None


def test_recorded_positions_keep_order_and_skip_what_has_none():
    """The fetch area and the first map view come from these: a video's telemetry counts, a
    truth file does not (it is for scoring only)."""
    a, b = LatLon(50.0, 10.0), LatLon(51.0, 11.0)
    queries = [Query("a.jpg", Path("a.jpg"), truth=a, truth_source="truth.csv"),
               Query("v#t=1", Path("v"), time_s=1.0, telemetry=FrameTelemetry(1.0, b)),
               Query("c.jpg", Path("c.jpg")),
               Query("d.jpg", Path("d.jpg"), truth=a, truth_source="exif")]
    assert recorded_positions(queries) == [b, a]
    assert recorded_positions([]) == []


def test_gnss_allowed_is_the_circle_around_the_recorded_position():
    tiles = grid_tiles(5, 5, size_deg=0.001)  # ~111 x 72 m tiles at 50 N
    centre = tiles[12].center  # the middle tile
    qs = [Query("a.jpg", Path("a.jpg"), truth=centre, truth_source="exif"), Query("b.jpg", Path("b.jpg"))]
    allowed = gnss_allowed(qs, tiles, 10.0)
    assert allowed[0].sum() == 1 and allowed[0, 12]
    assert allowed[1].all()  # no recorded position: searched everywhere
    wide = gnss_allowed(qs, tiles, 100.0)[0]
    assert wide[12] and 1 < wide.sum() < 25
    for i, t in enumerate(tiles):  # exactly the tiles whose nearest point is within 100 m
        b = t.bounds
        nearest = LatLon(min(max(centre.lat, b.south), b.north), min(max(centre.lon, b.west), b.east))
        assert wide[i] == (haversine_m(centre, nearest) <= 100.0)
    with pytest.raises(ValueError):
        gnss_allowed(qs, tiles, 0.0)


@pytest.mark.parametrize("west,south", [(10.0, 50.0), (179.97, -40.0), (-180.0, 84.9), (-0.03, -0.03)])
def test_gnss_allowed_ids_preselect_exactly_the_circle(west, south):
    """The large-set form (a degree box preselects, the rule decides) keeps exactly the tiles
    gnss_allowed keeps: mid-latitudes, across +-180 deg, near a pole, across the equator and 0 deg."""
    from geolocator.core.model import Bounds, Tile
    from geolocator.core.priors import gnss_allowed_ids

    tiles = grid_tiles(8, 8, size_deg=0.01, west=west, south=south)
    tiles = [Tile(t.id, t.path, Bounds((t.bounds.west + 180) % 360 - 180, t.bounds.south,
                                       (t.bounds.east + 180) % 360 - 180, t.bounds.north)) for t in tiles]
    rng = np.random.default_rng(7)
    for _ in range(12):
        here = LatLon(south + rng.uniform(-0.02, 0.1), (west + rng.uniform(-0.02, 0.1) + 180) % 360 - 180)
        q = Query("a.jpg", Path("a.jpg"), truth=here, truth_source="exif")
        for radius in (1.0, 300.0, 2500.0, 50_000.0):
            want = np.flatnonzero(gnss_allowed([q], tiles, radius)[0])
            np.testing.assert_array_equal(gnss_allowed_ids(q, tiles, radius), want)
    assert gnss_allowed_ids(Query("b.jpg", Path("b.jpg")), tiles, 10.0) is None  # no position: everywhere
    with pytest.raises(ValueError):
        gnss_allowed_ids(Query("b.jpg", Path("b.jpg")), tiles, -1.0)


@pytest.mark.parametrize("verify", [False, True])
def test_gnss_prior_limits_candidates_and_is_off_by_default(tmp_path, verify):
    region = load_region(DEMO)
    # recorded positions 60 m east of the truth (a poor GNSS fix), as telemetry
    queries = []
    for q in region.queries[:6]:
        off = LatLon(q.truth.lat, q.truth.lon + 60 / 90_000)
        queries.append(replace(q, telemetry=FrameTelemetry(0.0, off)))

    def run(prior):
        ws = Workspace(Settings(cache_dir=tmp_path / "f", top_k=3, verify=verify, verify_candidates=4,
                                tile_views=("rot0",), gnss_prior_m=prior))
        ws._backbone = tiny_backbone()
        ws.open_tiles(region.tiles)
        return ws.locate(queries)

    off, default, on = run(None), run(0), run(40.0)
    assert [p.location for p in off] == [p.location for p in default]  # 0/None: no prior
    for p, q in zip(on, queries):
        for m in p.matches:
            if m.score > -1:  # every candidate shown lies within 40 m of the recorded position
                b = m.tile.bounds
                rec = q.telemetry.position
                nearest = LatLon(min(max(rec.lat, b.south), b.north), min(max(rec.lon, b.west), b.east))
                assert haversine_m(rec, nearest) <= 40.0
    assert np.mean([p.error_m for p in on]) < np.mean([p.error_m for p in off])


# -- heading prior ------------------------------------------------------------------------------------
def test_recorded_yaw_from_telemetry_and_real_dji_xmp():
    from geolocator.core.priors import recorded_yaw

    assert recorded_yaw(Query("v#t=0", Path("v"), time_s=0.0, telemetry=FrameTelemetry(0.0, gimbal_yaw_deg=-140.0))) == -140.0
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "real-dji"
    if not shared.is_dir():
        pytest.skip(f"{shared} is absent (shared material beside the clone)")
    yaws = {p.name: recorded_yaw(Query(p.name, p)) for p in sorted(shared.glob("DJI_*.JPG"))}
    assert yaws == {"DJI_0018.JPG": 45.0, "DJI_0024.JPG": -140.0, "DJI_0030.JPG": 44.2, "DJI_0035.JPG": 45.3}


def test_recorded_yaw_from_a_photo_xmp_packet(tmp_path):
    from geolocator.core.priors import recorded_yaw

    from PIL import Image

    path = tmp_path / "x.jpg"
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:GimbalYawDegree="+12.5"/>'
           b'</rdf:RDF></x:xmpmeta>')  # as DJI writes it: namespaces declared (read by core/media/metadata.py)
    Image.new("RGB", (8, 8)).save(path, xmp=xmp)
    assert recorded_yaw(Query("x.jpg", path)) == 12.5
    Image.new("RGB", (8, 8)).save(tmp_path / "y.jpg")
    assert recorded_yaw(Query("y.jpg", tmp_path / "y.jpg")) is None


def test_heading_views_keep_the_views_near_the_yaw():
    from geolocator.core.model import ROTATION_VIEWS
    from geolocator.core.priors import heading_views

    qs = [Query(f"v#t={i}", Path("v"), time_s=float(i), telemetry=FrameTelemetry(0.0, gimbal_yaw_deg=y))
          for i, y in enumerate((0.0, -140.0, 100.0, None))]
    allowed = heading_views(qs, ROTATION_VIEWS)
    names = [[v for v, a in zip(ROTATION_VIEWS, row) if a] for row in allowed]
    assert names[0] == ["rot0", "rot45", "rot315"]
    assert names[1] == ["rot180", "rot225", "rot270"]  # -140 = 220 deg
    assert names[2] == ["rot45", "rot90", "rot135"]
    assert names[3] == list(ROTATION_VIEWS)  # no yaw: every view
    assert heading_views(qs[:1], ("rot180",)).all()  # nothing near: no narrowing rather than no search


def test_a_verified_match_overrules_a_wrong_heading_prior(tmp_path):
    """Yaws 180 deg off (as real DJI files can carry): every photo that verified without the prior
    verifies the same tile with it."""
    region = load_region(DEMO)
    poses = {r.split(",")[0]: float(r.split(",")[1]) for r in (DEMO / "poses.csv").read_text().splitlines()[1:]}
    queries = [replace(q, telemetry=FrameTelemetry(0.0, gimbal_yaw_deg=poses[q.id] + 180.0)) for q in region.queries[:6]]

    def run(prior):
        ws = Workspace(Settings(cache_dir=tmp_path / "f", top_k=3, verify_candidates=5, heading_prior=prior))
        ws._backbone = tiny_backbone()
        ws.open_tiles(region.tiles)
        return ws.locate(queries)

    plain, wrong = run(False), run(True)
    verified = [i for i, p in enumerate(plain) if (p.top.inliers or 0) >= 8]
    assert verified  # the check means something
    for i in verified:
        assert wrong[i].top.tile.id == plain[i].top.tile.id and wrong[i].top.inliers >= 8


def test_heading_prior_on_photo_views_allows_the_view_that_turns_the_photo_north_up():
    """Tiles indexed north-up only (the default layout): a photo whose top points at compass yaw is
    brought north-up by its view rot(-yaw), and that view is among the allowed ones."""
    import numpy as np
    from PIL import Image

    from geolocator.core.extract import rotate_view
    from geolocator.core.model import ROTATION_VIEWS
    from geolocator.core.priors import heading_photo_views, keep_photo_views

    tile = Image.open(DEMO / "tiles" / "r01_c01.jpg").convert("RGB").resize((64, 64))
    for yaw in (0.0, 90.0, 180.0, 270.0):
        photo = rotate_view(tile, int(yaw))  # content turned CCW by yaw: its top points at compass yaw
        q = Query("v#t=0", Path("v"), time_s=0.0, telemetry=FrameTelemetry(0.0, gimbal_yaw_deg=yaw))
        allowed = heading_photo_views([q], ROTATION_VIEWS)[0]
        north_up = [v for v in ROTATION_VIEWS
                    if np.array_equal(np.asarray(rotate_view(photo, int(v[3:]))), np.asarray(tile))]
        assert north_up and all(allowed[ROTATION_VIEWS.index(v)] for v in north_up), (yaw, north_up)
        assert allowed.sum() == 3  # the view nearest north-up and its two 45-degree neighbours
    feats = np.arange(2 * 8 * 3, dtype=np.float32).reshape(2, 8, 3)
    mask = np.ones((2, 8), bool)
    mask[0, 3:] = False
    kept = keep_photo_views(feats, mask)
    assert (kept[1] == feats[1]).all() and (kept[0, 3:] == feats[0, 0]).all() and (kept[0, :3] == feats[0, :3]).all()


# -- the same priors and widening on every tile set size ---------------------------------------------
@pytest.mark.parametrize("tile_views", [None, ("rot0",)])  # heading narrows tile views / photo views
def test_priors_and_widening_are_honoured_above_dense_max(tmp_path, tile_views):
    """Above Settings.dense_max locate searches the TileIndex; the GNSS circle, the heading prior
    and --verify-widen give there what they give on the dense matrix (they were ignored there)."""
    region = load_region(DEMO)
    poses = {r.split(",")[0]: float(r.split(",")[1]) for r in (DEMO / "poses.csv").read_text().splitlines()[1:]}
    queries = []
    for q in region.queries[:6]:  # a poor GNSS fix 60 m east, a yaw 180 deg off (as real DJI files can carry)
        off = LatLon(q.truth.lat, q.truth.lon + 60 / 90_000)
        queries.append(replace(q, telemetry=FrameTelemetry(0.0, off, gimbal_yaw_deg=poses[q.id] + 180.0)))
    priors = dict(gnss_prior_m=40.0, heading_prior=True, verify_widen=6)

    def run(dense_max, **options):
        ws = Workspace(Settings(cache_dir=tmp_path / "f", top_k=3, verify_candidates=2, tile_views=tile_views,
                                dense_max=dense_max, **options))
        ws._backbone = tiny_backbone()
        ws.open_tiles(region.tiles)
        preds = ws.locate(queries)
        return ([[m.tile.id for m in p.matches] for p in preds], [[m.score for m in p.matches] for p in preds],
                [[m.inliers for m in p.matches] for p in preds], len(ws.verifier._pairs))

    dense, large, ignored = run(10**9, **priors), run(0, **priors), run(0)
    assert large[0] == dense[0] and large[2] == dense[2]
    np.testing.assert_allclose(large[1], dense[1], rtol=1e-5)
    assert large[3] == dense[3] > 6 * 2  # the same pairs verified, widened beyond 2 candidates a photo
    assert large[:2] != ignored[:2]  # the priors change the answer: the check means something
    for ids, scores, q in zip(large[0], large[1], queries):  # shown candidates lie in the 40 m circle
        rec = q.telemetry.position
        for tid, score in zip(ids, scores):
            if score > -1:
                b = next(t for t in region.tiles.tiles if t.id == tid).bounds
                nearest = LatLon(min(max(rec.lat, b.south), b.north), min(max(rec.lon, b.west), b.east))
                assert haversine_m(rec, nearest) <= 40.0
