"""Local-feature matcher backends: each recovers a known homography between a tile and a warped copy
of it, and loads its shipped weights without unpickling code."""

from pathlib import Path

import numpy as np
import pytest

from geolocator.core.matchers import MATCHERS, available, get_matcher

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


def _pair(angle_deg: float = 0.0):
    """A demo tile (256 px) and the same ground shifted, scaled 1.15x and rotated: the true
    homography from the warped image back to the tile is known."""
    import cv2
    from PIL import Image

    tile = np.asarray(Image.open(DEMO / "tiles" / "r02_c03.jpg").convert("RGB").resize((256, 256)))
    forward = cv2.getRotationMatrix2D((128, 128), angle_deg, 1.15)
    forward[:, 2] += (9.0, -6.0)
    warped = cv2.warpAffine(tile, forward, (256, 256), borderMode=cv2.BORDER_REFLECT)
    back = np.linalg.inv(np.vstack([forward, [0, 0, 1]]))
    return tile, warped, back


def _recovered(matcher, angle_deg):
    import cv2

    tile, warped, truth = _pair(angle_deg)
    a, b = matcher.extract(warped), matcher.extract(tile)
    ia, ib = matcher.match(a, b)
    assert len(ia) == len(ib) and (len(ia) == 0 or (ia.max() < len(a) and ib.max() < len(b)))
    assert len(ia) >= 8, f"{matcher.name}: only {len(ia)} matches"
    homography, mask = cv2.findHomography(a.points[ia], b.points[ib], cv2.USAC_MAGSAC, 4.0)
    assert homography is not None
    centre = homography @ np.array([128.0, 128.0, 1.0])
    expected = truth @ np.array([128.0, 128.0, 1.0])
    return int(mask.sum()), float(np.hypot(*(centre[:2] / centre[2] - expected[:2])))


def test_sift_recovers_a_rotated_scaled_view():
    inliers, error_px = _recovered(get_matcher("sift"), angle_deg=70.0)
    assert inliers >= 20 and error_px < 2.0


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in MATCHERS if n != "sift"])
def test_learned_matchers_recover_an_upright_view(name):
    if not available(name):
        pytest.skip(f"{name}: its package is not installed (packaging/setup.sh installs it)")
    inliers, error_px = _recovered(get_matcher(name), angle_deg=0.0)
    assert inliers >= 20 and error_px < 2.0


def test_unknown_matcher_is_refused_by_name():
    with pytest.raises(ValueError, match="xfeet"):
        get_matcher("xfeet")


def test_backends_load_weights_without_unpickling(monkeypatch):
    """Every torch.load while a backend is built is forced to weights_only=True."""
    torch = pytest.importorskip("torch")
    from geolocator.core.matchers.base import weights_only_loads

    seen = []

    def spy(*args, **kwargs):
        seen.append(kwargs.get("weights_only"))
        return {}

    monkeypatch.setattr(torch, "load", spy)
    with weights_only_loads():
        torch.load("x.pth", map_location="cpu")
        torch.load("y.pth", weights_only=False)
    assert seen == [True, True]
    assert torch.load is spy  # restored afterwards
