"""Fast tests of rules whose breakage used to survive the whole suite (issue 15): the homography
plausibility check, the confidence of verified matches, the paper-mode E-step as the training loop
calls it, the geometry step's photo limit, and user files that are pickles."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from geolocator.core.model import LatLon, Query
from geolocator.core.predict import predict
from geolocator.core.rerank import VerifySettings, _plausible

from .helpers import grid_tiles, query_at


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # small matrices (tests/conftest.py)


# -- homography plausibility ---------------------------------------------------------------------
PHOTO, TILE = (400, 300), (512, 512)


def _scale_rotate(scale: float, angle_deg: float = 30.0) -> np.ndarray:
    """Photo -> tile: rotate about the photo centre, scale, and put the centre on the tile centre."""
    a = np.radians(angle_deg)
    r = scale * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    centre = np.array(PHOTO, float) / 2
    h = np.eye(3)
    h[:2, :2] = r
    h[:2, 2] = np.array(TILE, float) / 2 - r @ centre
    return h


# Footprint unknown: the outline's share of the tile area must lie in (min_area=0.02, max_area=16)
# (issue 9: the rule is geometric; the area bounds are wide, shape does most of the work).
# The outline covers 0.4578 * scale**2 tiles.
@pytest.mark.parametrize("scale, expected", [
    (1.0, True),  # 0.46 of the tile: a drone footprint
    (1.9, True),  # 1.65 tiles: still one tile's neighbourhood
    (0.35, True),  # 0.056 of the tile: a high tile zoom / low flight, still a view
    (0.25, True),  # 0.029: just above min_area
    (0.18, False),  # 0.015: below min_area, a chance fit that shrinks the photo
    (4.0, True),  # 7.3 tiles: a low tile zoom
    (5.5, True),  # 13.8 tiles: just under max_area
    (6.5, False),  # 19.3 tiles: over max_area, a chance fit that blows it up
])
def test_plausibility_bounds_the_footprint_area(scale, expected):
    assert _plausible(_scale_rotate(scale), PHOTO, TILE, VerifySettings()) is expected


# Footprint known (expected_share): the outline's area must be within footprint_tolerance=2.5 of
# it in length, i.e. a factor 6.25 in area, whatever min_area / max_area say.
@pytest.mark.parametrize("scale, expected", [
    (1.0, True),  # the expected size
    (2.4, True), (0.42, True),  # just inside 2.5x either way
    (2.6, False), (0.38, False),  # just outside
])
def test_plausibility_follows_a_known_footprint(scale, expected):
    share = 0.4578  # what scale 1 covers
    assert _plausible(_scale_rotate(scale), PHOTO, TILE, VerifySettings(), expected_share=share) is expected


def test_plausibility_rejects_folded_and_infinite_outlines():
    s = VerifySettings()
    # the photo's right half (x > 200) lies beyond the horizon (w < 0): the outline folds over
    across = np.float64([[1, 0, 50], [0, 1, 50], [-1 / 200, 0, 1]])
    assert not _plausible(across, PHOTO, TILE, s)
    # its lower part beyond the horizon: a non-convex outline of ~5 tiles' area
    below = np.float64([[1, 0, 50], [0, 1, 50], [0, -1 / 250, 1]])
    assert not _plausible(below, PHOTO, TILE, replace(s, max_area=100.0))  # refused for its shape alone
    degenerate = np.zeros((3, 3))  # every corner at infinity / NaN
    assert not _plausible(degenerate, PHOTO, TILE, s)
    # the bounds come from the settings, not from constants
    assert _plausible(_scale_rotate(1.0), PHOTO, TILE, replace(s, min_area=0.5)) is False
    assert _plausible(_scale_rotate(0.18), PHOTO, TILE, replace(s, min_area=0.01)) is True
    assert _plausible(_scale_rotate(1.9), PHOTO, TILE, replace(s, max_area=1.0)) is False


def test_plausibility_rejects_a_mirrored_bow_tie():
    """Two corners swapped (a bow tie) is what a fit to scattered chance matches often gives."""
    import cv2

    w, h = PHOTO
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[100, 100], [400, 100], [100, 400], [400, 400]])  # crossed
    assert not _plausible(cv2.getPerspectiveTransform(src, dst), PHOTO, TILE, VerifySettings())
    good = np.float32([[100, 100], [400, 120], [420, 400], [90, 380]])
    assert _plausible(cv2.getPerspectiveTransform(src, good), PHOTO, TILE, VerifySettings())


# -- confidence of verified matches ---------------------------------------------------------------
def _one(inliers, scores=(0.6, 0.59, 0.58), ids=(7, 8, 11), min_inliers=8, grounds=None):
    tiles = grid_tiles(3, 6)
    q = query_at(tiles[7], "a.jpg")
    return predict([q], tiles, np.array([scores], np.float32), np.array([ids]),
                   None if inliers is None else np.array([inliers]), grounds, min_inliers)[0]


def test_verified_confidence_is_the_inlier_margin_over_a_rival_elsewhere():
    # ids: r1c1 (top), r1c2 (its neighbour: agreement, not a rival), r1c5 (four tiles east: a rival).
    # The calibration table (predict.VERIFIED_MARGINS -> VERIFIED_RIGHT, issue 9 §4) interpolated
    # linearly, flat beyond its ends: (0, .25) (8.4, .833) (10.7, .941) (12.5, .966) (14.6, .967)
    # (17.9, .98) (39.5, .997).
    assert _one([40, 35, 0]).confidence == pytest.approx(0.997)  # the neighbour agrees: margin 40
    assert _one([40, 0, 35]).confidence == pytest.approx(0.25 + 0.583 * 5 / 8.4)  # 0.597: a rival at 35
    assert _one([40, 0, 30]).confidence == pytest.approx(0.833 + 0.108 * 1.6 / 2.3)  # margin 10: 0.908
    assert _one([40, 0, 10]).confidence == pytest.approx(0.98 + 0.017 * 12.1 / 21.6)  # margin 30: 0.990
    assert _one([40, 0, 45]).confidence == pytest.approx(0.25)  # a stronger rival: no margin
    # the margin, not the ratio: 20 over 10 is as sure as 40 over 30
    assert _one([20, 0, 10]).confidence == pytest.approx(_one([40, 0, 30]).confidence)


def test_confidence_scale_unverified_below_verified():
    from geolocator.core.predict import RETRIEVED_CEILING

    verified = _one([40, 0, 0])
    below = _one([5, 0, 0])  # verification ran but found too few inliers: cosine margin only
    never = _one(None, scores=(0.9, 0.5, 0.2))  # no verification: cosine margin only, capped
    assert verified.confidence == pytest.approx(0.997) and verified.status == "verified"
    # unverified: the measured share right at the cosine margin over the rival (r1c5), 0.02 / 0.10 =
    # 0.2: between the table's 0.118 -> 0.078 and 0.377 -> 0.103 (confidence_tables.UNVERIFIED_RIGHT)
    assert RETRIEVED_CEILING == 0.6
    assert below.confidence == pytest.approx(0.078 + 0.025 * (0.2 - 0.118) / 0.259, abs=1e-5) and below.status == "retrieved"
    assert never.confidence == pytest.approx(0.6) and never.status == "retrieved"  # a clear win: the cap
    # threshold per photo: 12 inliers count as verified at min 8 (margin 12), not at min 16
    assert _one([12, 0, 0], min_inliers=8).confidence == pytest.approx(0.941 + 0.025 * 1.3 / 1.8)  # 0.959
    assert _one([12, 0, 0], min_inliers=16).confidence == pytest.approx(below.confidence, abs=1e-5)  # unverified


def test_an_unverified_photo_known_to_be_far_smaller_than_a_tile_says_so_below_0_3():
    """Issue 9 §3: a photo whose metadata footprint (altitude x sensor width / focal length) is a
    quarter of a tile across and that nothing verified keeps a clear cosine win only up to
    SMALL_FOOTPRINT_CEILING (< 0.3); the same photo a tile across, or verified, is unchanged."""
    from dataclasses import replace

    from geolocator.core.geo import ground_size_m
    from geolocator.core.model import PhotoMeta
    from geolocator.core.predict import (RETRIEVED_CEILING, SMALL_FOOTPRINT_CEILING, SMALL_FOOTPRINT_RATIO,
                                         footprint_ratio, predict)

    tiles = grid_tiles(3, 6)
    width_m = ground_size_m(tiles[7].bounds)[0]  # ~71.6 m at 50 deg N

    def at(share, inliers=None, scores=(0.9, 0.5, 0.2)):
        # a 4000 x 3000 photo, 13.2 mm sensor behind 8.8 mm: footprint = altitude x 1.5
        meta = PhotoMeta(width=4000, height=3000, focal_length_mm=8.8, sensor_width_mm=13.2,
                         relative_altitude_m=share * width_m / 1.5)
        q = replace(query_at(tiles[7], "a.jpg"), meta=meta)
        return predict([q], tiles, np.array([scores], np.float32), np.array([(7, 8, 11)]),
                       None if inliers is None else np.array([inliers]))[0]

    assert footprint_ratio(at(0.25).query, tiles[7]) == pytest.approx(0.25, rel=1e-3)
    assert SMALL_FOOTPRINT_CEILING < 0.3 < RETRIEVED_CEILING and 0.3 < SMALL_FOOTPRINT_RATIO < 0.6
    quarter, whole = at(0.25), at(1.0)
    assert quarter.status == whole.status == "retrieved"
    assert quarter.confidence == pytest.approx(SMALL_FOOTPRINT_CEILING)  # a clear cosine win, capped low
    assert whole.confidence == pytest.approx(RETRIEVED_CEILING)
    assert at(SMALL_FOOTPRINT_RATIO * 1.05).confidence == pytest.approx(RETRIEVED_CEILING)  # the rule's edge
    assert footprint_ratio(query_at(tiles[7]), tiles[7]) is None  # no metadata: the general ceiling
    # a verified quarter-tile photo is scored by its inlier margin, as any verified photo
    assert at(0.25, inliers=[40, 0, 0]).confidence == pytest.approx(0.997)


def test_verified_top_with_a_ground_point_refines_the_location():
    from geolocator.core.predict import weighted_location

    tiles = grid_tiles(3, 6)
    ground = LatLon(tiles[7].bounds.south + 0.0001, tiles[7].bounds.west + 0.0002)
    p = _one([40, 0, 0], grounds=[[ground, None, None]])
    # the Point is the best estimate: the photo centre through the verified homography
    assert p.location == ground and p.location_source == "homography"
    assert p.weighted_location == weighted_location(p.matches) and p.weighted_location != ground
    assert p.tile_center == tiles[7].center
    weak = _one([5, 0, 0], grounds=[[ground, None, None]])  # too few inliers: no refined point
    assert weak.location != ground and weak.location == weak.weighted_location
    assert weak.location_source == "weighted"
    # verified but no ground point (the homography sends the centre off the ground): weighted
    bare = _one([40, 0, 0])
    assert bare.location == bare.weighted_location and bare.location_source == "weighted"


# -- paper-mode E-step as the loop calls it --------------------------------------------------------
@pytest.fixture(scope="module")
def paper_problem():
    from geolocator.core.adapt.synthetic import synthetic_cross_view

    return synthetic_cross_view(n_tiles=24, per_tile=3, views=2, dim=32, distortion=1.0, noise=0.5, seed=1)


def test_paper_loop_calls_mutual_nn_on_tiles_x_photos_with_its_config(paper_problem, monkeypatch):
    from geolocator.core.adapt import em
    from geolocator.core.adapt.pseudo_labels import mutual_nn as real

    tiles, photos, _ = paper_problem
    calls, nce_targets = [], []

    def spy(sim, **kwargs):
        pairs = real(sim, **kwargs)
        calls.append((tuple(sim.shape), sim.requires_grad, kwargs, pairs))
        return pairs

    real_infonce = em.infonce

    def infonce_spy(logits, target, **kwargs):
        nce_targets.append(target.clone())
        return real_infonce(logits, target, **kwargs)

    monkeypatch.setattr(em, "mutual_nn", spy)
    monkeypatch.setattr(em, "infonce", infonce_spy)
    events = []
    em.adapt(tiles, photos, mode="paper", steps=3, seed=0, device="cpu", progress=events.append)
    assert len(calls) == 3  # one E-step per step
    for (shape, grad, kwargs, pairs), event in zip(calls, events):
        assert shape == (len(tiles), len(tiles))  # tiles x (one photo per tile)
        assert not grad  # the E-step is label-making, not trained through
        assert kwargs == {"threshold": em.PAPER.threshold, "min_mutual": em.PAPER.min_mutual}
        assert event.metrics["pseudo_pairs"] == len(pairs.sat)
        assert event.metrics["quality"] == pytest.approx(pairs.n_mutual / len(tiles))
    # the M-step trains on exactly those pairs: tile rows -> their photo, photo columns -> their tile
    (_, _, _, first) = calls[0]
    assert torch.equal(nce_targets[0], first.drone) and torch.equal(nce_targets[1], first.sat)


def test_paper_loop_threshold_and_minimum_count_come_from_the_config(paper_problem):
    from geolocator.core.adapt import em

    tiles, photos, _ = paper_problem

    def pairs_per_step(**overrides):
        events = []
        em.adapt(tiles, photos, steps=2, seed=0, device="cpu", progress=events.append,
                 config=replace(em.PAPER, steps=2, **overrides))
        return [e.metrics["pseudo_pairs"] for e in events]

    assert pairs_per_step(threshold=1.5) == [0, 0]  # no cosine exceeds 1.5
    # fewer mutual pairs than min_mutual: every tile row is kept
    assert pairs_per_step(threshold=-1.5, min_mutual=10_000) == [len(tiles)] * 2
    mutual = pairs_per_step(threshold=-1.5, min_mutual=0)
    assert all(0 < n < len(tiles) for n in mutual)


# -- the geometry step's photo limit ---------------------------------------------------------------
class _Seen(list):
    """Counts of photos given to geometric_labels, one per call; their file names in .names."""

    def __init__(self):
        super().__init__()
        self.names = []


class _FeatureWorkspace:
    """A Workspace over synthetic features (no images, no backbone)."""

    @staticmethod
    def make(tmp_path, n_photos, monkeypatch):
        from types import SimpleNamespace

        from geolocator.core.adapt import geometric
        from geolocator.core.model import TileSet
        from geolocator.core.pipeline import Settings, Workspace

        rng = np.random.default_rng(0)
        tiles = grid_tiles(3, 4)
        tile_feats = rng.normal(size=(len(tiles), 1, 16)).astype(np.float32)
        photo_feats = rng.normal(size=(n_photos, 16)).astype(np.float32)
        tile_feats /= np.linalg.norm(tile_feats, axis=-1, keepdims=True)
        photo_feats /= np.linalg.norm(photo_feats, axis=-1, keepdims=True)

        class W(Workspace):
            def index(self, **_):
                return tile_feats

            def embed(self, queries, **_):
                return tuple(queries), photo_feats[: len(queries)], {}

        ws = W(Settings(cache_dir=tmp_path / "c", adapter_dir=tmp_path / "a", device="cpu", tile_views=("rot0",)))
        ws._backbone = SimpleNamespace(name="fake", weights_id="0", device="cpu", fallback_reason=None)
        ws.open_tiles(TileSet(tiles, tmp_path / "tiles.csv"))
        queries = [Query(f"q{i}.jpg", tmp_path / f"q{i}.jpg") for i in range(n_photos)]
        seen = _Seen()

        def fake_labels(qs, *args, **kwargs):
            seen.append(len(qs))
            seen.names.append([Path(q.path).name for q in qs])
            return [None] * len(qs)

        monkeypatch.setattr(geometric, "geometric_labels", fake_labels)
        return ws, queries, seen


@pytest.mark.parametrize("n_photos", [4000, 4001, 9000])
def test_geometry_labels_up_to_4000_photos_and_an_even_sample_above(tmp_path, monkeypatch, n_photos):
    """Issue 14: above GeometrySettings.max_photos (4000) the geometry step no longer stops; it
    labels an evenly spaced sample of 4000 photos (first and last included) and the card says so."""
    ws, queries, seen = _FeatureWorkspace.make(tmp_path, n_photos, monkeypatch)
    adapter = ws.adapt(queries, mode="best", steps=1, save_to=tmp_path / "a.safetensors")
    geometry = adapter.card["geometry"]
    assert geometry["used"] is True
    assert seen == [4000] and geometry["sampled_photos"] == 4000
    names = seen.names[0]
    assert names[0] == "q0.jpg" and names[-1] == f"q{n_photos - 1}.jpg" and len(set(names)) == 4000
    if n_photos == 9000:  # evenly spaced: steps of 9000 / 4000 photos, never two apart by more than 3
        idx = np.array([int(n[1:-4]) for n in names])
        assert np.diff(idx).min() >= 2 and np.diff(idx).max() <= 3
    assert geometry["unlabelled"] == n_photos and adapter.card["geometric_anchors"] == 0  # the fake labels none


# -- pickles offered as weights, backbone or adapter -----------------------------------------------
class _Evil:
    marker: Path

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


def _evil_pickle(path: Path, marker: Path) -> Path:
    evil = _Evil()
    evil.marker = marker
    path.write_bytes(pickle.dumps({"weight": evil}))
    return path


def test_a_pickle_offered_as_weights_or_adapter_is_never_run(tmp_path):
    from geolocator.core.adapt import RegionAdapter
    from geolocator.core.backbones import load_backbone, load_state_dict
    from geolocator.core.errors import GeolocatorError

    marker = tmp_path / "marker.txt"
    # the fixture itself works: unpickling it would write the marker
    pickle.loads(_evil_pickle(tmp_path / "check.pkl", marker).read_bytes())
    assert marker.exists()
    marker.unlink()

    offered = []
    for name in ("evil.pt", "evil.pth", "evil.bin", "evil.safetensors"):
        offered.append(_evil_pickle(tmp_path / name, marker))
    evil = _Evil()
    evil.marker = marker
    torch.save({"weight": evil}, tmp_path / "zipped.pt")  # torch's own zip format, same payload
    offered.append(tmp_path / "zipped.pt")
    for path in offered:
        with pytest.raises(GeolocatorError):
            load_state_dict(path)
        with pytest.raises(GeolocatorError):
            RegionAdapter.load(path)
        with pytest.raises(GeolocatorError):
            load_backbone("efficientnet_lite0", weights=path, device="cpu")
    with pytest.raises(GeolocatorError):
        load_backbone(str(offered[0]), device="cpu")  # a .pt as a TorchScript backbone
    assert not marker.exists()


def test_plausibility_scale_sign_non_square_tiles_and_infinite_entries():
    """Added for the mutation run's survivors (session 4)."""
    s = VerifySettings()
    h = _scale_rotate(1.0)
    # a homography is defined up to a scale factor, negative ones included: the same view
    assert _plausible(-0.5 * h, PHOTO, TILE, s) is True and _plausible(-3.0 * h, PHOTO, TILE, s) is True
    # the share is the outline's area over the tile's width x height: 1.83 of a 512 x 128 tile
    assert _plausible(h, PHOTO, (512, 128), replace(s, max_area=4.0)) is True
    assert _plausible(h, PHOTO, (128, 512), replace(s, max_area=1.5)) is False
    inf = h.copy()
    inf[0, 2] = np.inf  # every z stays positive, one coordinate is infinite
    assert _plausible(inf, PHOTO, TILE, s) is False
    # a concave outline (a dart) of sane area and orientation is no view of flat ground
    import cv2

    w, hh = PHOTO
    src = np.float32([[0, 0], [w, 0], [w, hh], [0, hh]])
    dart = np.float32([[100, 100], [400, 100], [250, 160], [100, 400]])  # the third corner pushed inside
    assert _plausible(cv2.getPerspectiveTransform(src, dart), PHOTO, TILE, s) is False


def test_plausibility_side_ratio_rule():
    import cv2

    w, hh = PHOTO
    src = np.float32([[0, 0], [w, 0], [w, hh], [0, hh]])
    sliver = np.float32([[0, 200], [500, 200], [500, 250], [0, 250]])  # sides 500 and 50: ratio 10 > 8
    ok = np.float32([[0, 200], [420, 200], [420, 260], [0, 260]])  # ratio 7
    assert _plausible(cv2.getPerspectiveTransform(src, sliver), PHOTO, TILE, VerifySettings()) is False
    assert _plausible(cv2.getPerspectiveTransform(src, ok), PHOTO, TILE, VerifySettings()) is True
