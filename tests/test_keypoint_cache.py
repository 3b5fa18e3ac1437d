"""The on-disk cache of a learned backend's tile keypoints (matchers/keypoint_cache.py): a miss is
computed and stored, a hit is read back without describing the tile again, an edited tile is
described anew, a damaged or half-written file is a miss, and verification gives the same result
with and without the cache. A SIFT-based stand-in plays the learned backend (fast, no torch); one
test runs the real XFeat when its package is installed."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core import matchers
from geolocator.core.matchers import available
from geolocator.core.matchers.keypoint_cache import KeypointCache
from geolocator.core.matchers.sift import SiftMatcher
from geolocator.core.model import Bounds, Query, Tile
from geolocator.core.rerank import Verifier, VerifySettings

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


class CountingBackend(SiftMatcher):
    """SIFT behind the learned backends' interface, counting the images it describes."""

    rotation_invariant = True
    signature = "stand-in|top1500"

    def __init__(self):
        super().__init__()
        self.described = 0

    def extract(self, image):
        self.described += 1
        return super().extract(image)


@pytest.fixture
def backend(monkeypatch):
    stand_in = CountingBackend()
    monkeypatch.setitem(matchers._cache, ("xfeat", "cpu"), stand_in)
    return stand_in


def _pair(tmp_path: Path) -> tuple[Query, Tile]:
    """A demo tile copied to tmp_path and a 'photo' of it (turned 30 degrees, shifted)."""
    import cv2

    tile_image = np.asarray(Image.open(DEMO / "tiles" / "r02_c03.jpg").convert("RGB").resize((256, 256)))
    forward = cv2.getRotationMatrix2D((128, 128), 30.0, 1.1)
    forward[:, 2] += (8.0, -5.0)
    photo = cv2.warpAffine(tile_image, forward, (256, 256), borderMode=cv2.BORDER_REFLECT)
    if not (tmp_path / "tile.png").exists():  # written once: rewriting it would make it another tile
        Image.fromarray(tile_image).save(tmp_path / "tile.png")
        Image.fromarray(photo).save(tmp_path / "photo.png")
    tile = Tile("tile.png", tmp_path / "tile.png", Bounds(0.0, 0.0, 0.001, 0.001))
    return Query("photo.png", tmp_path / "photo.png"), tile


def _settings(cache: Path | None, matcher: str = "xfeat") -> VerifySettings:
    return VerifySettings(matcher=matcher, max_side=256, keypoint_cache=cache)


def test_a_miss_is_stored_and_a_hit_is_read_without_describing_the_tile(tmp_path, backend):
    query, tile = _pair(tmp_path)
    first = Verifier(_settings(tmp_path / "kp")).tile(tile)
    assert backend.described == 1
    files = list((tmp_path / "kp").rglob("*.npz"))
    assert len(files) == 1
    again = Verifier(_settings(tmp_path / "kp")).tile(tile)  # a new session: nothing in memory
    assert backend.described == 1
    assert np.array_equal(again.points, first.points) and np.array_equal(again.descriptors, first.descriptors)
    assert again.size == first.size and again.points.dtype == np.float32


def test_another_signature_or_an_edited_tile_is_described_anew(tmp_path, backend):
    query, tile = _pair(tmp_path)
    before = Verifier(_settings(tmp_path / "kp")).tile(tile)
    Verifier(VerifySettings(matcher="xfeat", max_side=200, keypoint_cache=tmp_path / "kp")).tile(tile)
    assert backend.described == 2  # another working size is another signature
    flipped = np.asarray(Image.open(tile.path))[::-1].copy()
    Image.fromarray(flipped).save(tile.path)  # rewritten in place: size or mtime changes its identity
    after = Verifier(_settings(tmp_path / "kp")).tile(tile)
    assert backend.described == 3
    assert not np.array_equal(after.points, before.points)
    assert len(list((tmp_path / "kp").rglob("*.npz"))) == 3


@pytest.mark.parametrize("damage", ["truncated", "garbage", "wrong-shape", "nan"])
def test_a_damaged_file_is_a_miss_and_is_replaced(tmp_path, backend, damage):
    query, tile = _pair(tmp_path)
    good = Verifier(_settings(tmp_path / "kp")).tile(tile)
    path = next((tmp_path / "kp").rglob("*.npz"))
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\0" * 64)
    elif damage == "wrong-shape":
        np.savez(path.with_suffix(""), points=np.zeros((3, 3), np.float32), descriptors=np.zeros((3, 8), np.float32),
                 size=np.array([256, 256]))
    else:
        np.savez(path.with_suffix(""), points=np.full((2, 2), np.nan, np.float32),
                 descriptors=np.zeros((2, 8), np.float32), size=np.array([256, 256]))
    again = Verifier(_settings(tmp_path / "kp")).tile(tile)
    assert backend.described == 2
    assert np.array_equal(again.points, good.points)
    assert KeypointCache(tmp_path / "kp").get(*_key(tile)) is not None  # rewritten whole


def _key(tile: Tile) -> tuple[str, str]:
    from geolocator.core.cache import file_identity

    return f"{CountingBackend.signature}|side256", file_identity(tile.path, tile.window, tile.ref)


def test_a_crash_mid_write_leaves_no_file_that_is_read(tmp_path, backend, monkeypatch):
    query, tile = _pair(tmp_path)
    features = Verifier(_settings(None)).tile(tile)
    cache = KeypointCache(tmp_path / "kp")
    real_open = open

    def torn_open(path, mode="r", *args, **kwargs):
        f = real_open(path, mode, *args, **kwargs)
        if "w" in mode and str(path).endswith(".tmp"):
            f.write(b"PK\x03\x04 half a file")
            f.close()
            raise KeyboardInterrupt  # the process dies while writing
        return f

    monkeypatch.setattr("builtins.open", torn_open)
    with pytest.raises(KeyboardInterrupt):
        cache.put(*_key(tile), features)
    monkeypatch.setattr("builtins.open", real_open)
    assert cache.get(*_key(tile)) is None
    assert [p for p in (tmp_path / "kp").rglob("*") if p.is_file()] == []  # the temporary file is gone too


def test_a_folder_that_cannot_be_written_warns_once_and_goes_on(tmp_path, backend, caplog):
    query, tile = _pair(tmp_path)
    (tmp_path / "kp").write_text("a file, not a folder")
    verifier = Verifier(_settings(tmp_path / "kp"))
    features = verifier.tile(tile)
    assert len(features.points) > 20
    assert verifier._keypoints.write_error is not None
    assert "keypoint cache" in caplog.text


def test_sift_keeps_no_files(tmp_path):
    query, tile = _pair(tmp_path)
    Verifier(VerifySettings(max_side=256, keypoint_cache=tmp_path / "kp")).tile(tile)
    assert not (tmp_path / "kp").exists()


def _verify(tmp_path: Path, cache: Path | None, matcher: str = "xfeat"):
    query, tile = _pair(tmp_path)
    return Verifier(_settings(cache, matcher)).verify_photo(query, [tile], [0])[0]


def test_cached_and_uncached_verification_agree_exactly(tmp_path, backend):
    plain = _verify(tmp_path, None)
    _verify(tmp_path, tmp_path / "kp")  # fills the cache
    described = backend.described
    cached = _verify(tmp_path, tmp_path / "kp")
    assert backend.described == described + 1  # the photo only: the tile came from the cache
    assert plain.inliers >= 20
    assert (cached.inliers, cached.centre, cached.corners) == (plain.inliers, plain.centre, plain.corners)
    assert np.array_equal(cached.homography, plain.homography)


@pytest.mark.slow  # building XFeat (torch, kornia) takes seconds on a loaded machine
def test_cached_and_uncached_xfeat_verification_agree_exactly(tmp_path):
    """The same with real XFeat keypoints (its package installed), matched by mutual nearest
    neighbours: LighterGlue sees the same arrays, and would only add seconds here."""
    if not available("xfeat-mnn"):
        pytest.skip("xfeat: its package is not installed (packaging/setup.sh installs it)")
    plain = _verify(tmp_path, None, "xfeat-mnn")
    _verify(tmp_path, tmp_path / "kp", "xfeat-mnn")
    cached = _verify(tmp_path, tmp_path / "kp", "xfeat-mnn")

    assert plain.inliers >= 15
    assert (cached.inliers, cached.centre, cached.corners) == (plain.inliers, plain.centre, plain.corners)
    assert np.array_equal(cached.homography, plain.homography)
