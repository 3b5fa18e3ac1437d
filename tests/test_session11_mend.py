"""Faults found in session 10's review, mended in session 11 (task "mend"): the photo decoded once per
verification call, the quarter-turn homography's pixel convention, and the footprint lookup's narrowed
error handling. Each test failed before its fix."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core import rerank
from geolocator.core.model import Bounds, Query, Tile
from geolocator.core.rerank import Verifier, VerifySettings


def _noise_photo(path: Path, seed: int = 0) -> None:
    """A textured photo (smoothed noise: SIFT finds keypoints on it)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(24, 32), dtype=np.uint8)
    Image.fromarray(small).resize((320, 240), Image.BICUBIC).convert("RGB").save(path)


def _flat_tiles(folder: Path, n: int) -> list[Tile]:
    """Flat grey tiles: no keypoints, so nothing verifies against them."""
    tiles = []
    for i in range(n):
        path = folder / f"t{i}.png"
        Image.new("RGB", (256, 256), (120, 120, 120)).save(path)
        tiles.append(Tile(f"t{i}", path, Bounds(0.001 * i, 0.0, 0.001 * i + 0.001, 0.001)))
    return tiles


# ---------------------------------------------------------------- a. one decode per verify_photo call


def test_a_photo_that_verifies_nothing_is_decoded_once_for_all_three_passes(tmp_path, monkeypatch):
    from geolocator.core.media import query_image

    _noise_photo(tmp_path / "q.png")
    tiles = _flat_tiles(tmp_path, 2)
    decodes, fine_calls, turned = [], [], []
    real_open = query_image.open_query_image
    monkeypatch.setattr(query_image, "open_query_image",
                        lambda query, **kw: decodes.append((query.id, kw)) or real_open(query, **kw))
    real_photo = Verifier.photo
    monkeypatch.setattr(Verifier, "photo", lambda self, query, fine=False: fine_calls.append(fine) or real_photo(
        self, query, fine=fine))
    real_turned = rerank.rectified_local_features
    monkeypatch.setattr(rerank, "rectified_local_features",
                        lambda image, view, s, contrast=None, between=None: turned.append(view.tilt_deg) or real_turned(
                            image, view, s, contrast=contrast))
    v = Verifier(VerifySettings(max_side=320))
    got = v.verify_photo(Query("q", tmp_path / "q.png"), tiles, [0, 1])
    assert [r.inliers for r in got] == [0, 0]
    # all three passes ran: the first and the fine description of the photo, and the blind pass at
    # each of the default tilts (25, 40, 50 degrees)
    assert fine_calls == [False, True] and turned == pytest.approx([25.0, 40.0, 50.0])
    # ... on one decode at the working size (before: three, one per pass)
    assert decodes == [("q", {"min_side": 320})]
    # the decode is not kept past the call (no cache that could go stale): the photo edited (another
    # file identity, so its description and pairs are not kept either) is decoded anew
    _noise_photo(tmp_path / "q.png", seed=1)
    Image.open(tmp_path / "q.png").resize((300, 240)).save(tmp_path / "q.png")
    v.verify_photo(Query("q", tmp_path / "q.png"), tiles, [0])
    assert len(decodes) == 2 and v._current.call is None


def test_an_unreadable_photo_is_tried_once_in_a_call(tmp_path, monkeypatch):
    from geolocator.core.media import query_image

    tries = []

    def broken(query, **kw):
        tries.append(query.id)
        raise OSError("cannot read")

    monkeypatch.setattr(query_image, "open_query_image", broken)
    v = Verifier(VerifySettings())
    call = rerank._CallImage(Query("q", tmp_path / "absent.png"), 320)
    for _ in range(2):
        with pytest.raises(OSError, match="cannot read"):
            call.image()
    assert tries == ["q"]
    assert [r.inliers for r in v.verify_photo(Query("q", tmp_path / "absent.png"), _flat_tiles(tmp_path, 1), [0])] == [0]


# ---------------------------------------------------------------- b. quarter turns count pixel centres


def test_a_quarter_turn_maps_a_keypoint_onto_the_pixel_np_rot90_moves_it_to():
    from geolocator.core.matchers.verify import rotation_homography

    # worked by hand: a = [[0, 1, 2], [3, 4, 5]] (w = 3, h = 2); np.rot90(a) = [[2, 5], [1, 4], [0, 3]].
    # Value 2 sits at column 2, row 0 and goes to column 0, row 0; value 3 at (0, 1) goes to (1, 2).
    a = np.array([[0, 1, 2], [3, 4, 5]])
    assert np.rot90(a).tolist() == [[2, 5], [1, 4], [0, 3]]
    turn, size = rotation_homography(1, (3, 2))
    assert size == (2, 3)
    # keypoints (OpenCV KeyPoint.pt and the learned backends alike) put pixel (i, j)'s centre at (i, j)
    np.testing.assert_allclose((turn @ [2.0, 0.0, 1.0])[:2], [0.0, 0.0])  # before: (0, 1), a pixel off
    np.testing.assert_allclose((turn @ [0.0, 1.0, 1.0])[:2], [1.0, 2.0])
    # a half turn: np.rot90(a, 2) = [[5, 4, 3], [2, 1, 0]]: value 2 from (2, 0) to (0, 1)
    assert np.rot90(a, 2).tolist() == [[5, 4, 3], [2, 1, 0]]
    np.testing.assert_allclose((rotation_homography(2, (3, 2))[0] @ [2.0, 0.0, 1.0])[:2], [0.0, 1.0])
    # three turns: np.rot90(a, 3) = [[3, 0], [4, 1], [5, 2]]: value 2 from (2, 0) to (1, 2)
    assert np.rot90(a, 3).tolist() == [[3, 0], [4, 1], [5, 2]]
    np.testing.assert_allclose((rotation_homography(3, (3, 2))[0] @ [2.0, 0.0, 1.0])[:2], [1.0, 2.0])


def test_a_keypoint_belongs_to_the_pixel_its_rounded_coordinates_name():
    from geolocator.core.matchers.verify import inside

    mask = np.zeros((3, 4), np.uint8)
    mask[1, 1] = 255  # only pixel (x 1, y 1), its centre at (1, 1): it spans [0.5, 1.5] x [0.5, 1.5]
    points = np.float32([[1.4, 0.6], [0.6, 1.0], [1.0, 1.0], [1.6, 1.0], [1.0, 1.6], [0.4, 1.0], [9.0, 9.0]])
    # by hand: the first three lie within 0.5 of (1, 1) on both axes; (1.6, 1) is in pixel 2, (1, 1.6)
    # in row 2, (0.4, 1) in pixel 0; (9, 9) is beyond the image, clipped to the corner pixel (3, 2)
    # (before: floor put (1.4, 0.6) in row 0 and (0.6, 1) in column 0, (1.6, 1) and (1, 1.6) in (1, 1))
    assert inside(points, mask).tolist() == [True, True, True, False, False, False, False]
    mask[2, 3] = 255
    assert inside(points[-1:], mask).tolist() == [True]


def test_a_keypoint_beyond_the_image_counts_in_the_edge_pixel_and_any_non_zero_is_inside():
    from geolocator.core.matchers.verify import inside

    mask = np.zeros((3, 4), np.uint8)
    mask[1, 1] = mask[1, 3] = mask[2, 1] = 1  # a 0/1 mask: non-zero is inside; row 0 and column 0 off
    # by hand: (-1, 1) is left of column 0 -> pixel (0, 1), off; (1, -1) above row 0 -> pixel (1, 0),
    # off; (1, 0.2) rounds to row 0, off; (3.2, 1) and (1, 2.4) are in the two pixels that are on
    points = np.float32([[-1.0, 1.0], [1.0, -1.0], [1.0, 0.2], [3.2, 1.0], [1.0, 2.4]])
    assert inside(points, mask).tolist() == [False, False, False, True, True]


# ---------------------------------------------------------------- c. query_footprint_m's errors


def test_odd_metadata_is_no_footprint_but_a_programming_error_surfaces(monkeypatch):
    from types import SimpleNamespace

    import geolocator.core.media.metadata as metadata
    from geolocator.core.model import PhotoMeta
    from geolocator.core.rerank import query_footprint_m

    # real metadata, worked by hand: 100 m x 6.4 mm / 4.5 mm = 142.2 m across a 4000 x 3000 photo
    good = PhotoMeta(width=4000, height=3000, relative_altitude_m=100.0, focal_length_mm=4.5, sensor_width_mm=6.4)
    assert query_footprint_m(SimpleNamespace(meta=good)) == pytest.approx(100.0 * 6.4 / 4.5)
    # odd metadata (a reader that left text in a number field: "100" > 0 raises TypeError) is no footprint
    odd = PhotoMeta(width=4000, height=3000, relative_altitude_m="100", focal_length_mm=4.5, sensor_width_mm=6.4)
    assert query_footprint_m(SimpleNamespace(meta=odd)) is None
    for error in (ZeroDivisionError, OverflowError, ValueError):
        monkeypatch.setattr(metadata, "footprint_m", lambda meta, e=error: (_ for _ in ()).throw(e("odd")))
        assert query_footprint_m(SimpleNamespace(meta=good)) is None
    # a programming error in the footprint code is not swallowed (before: every exception gave None)
    for error in (NameError, AttributeError, KeyError, IndexError):
        monkeypatch.setattr(metadata, "footprint_m", lambda meta, e=error: (_ for _ in ()).throw(e("bug")))
        with pytest.raises(error):
            query_footprint_m(SimpleNamespace(meta=good))


# ---------------------------------------------------------------- d. a photo or tile that fails to be described is said


class _Said(list):
    """A logging handler that keeps each record's message (as caplog would; a plain class so the
    mutation checker, which provides only tmp_path and monkeypatch, runs the test too)."""

    def __init__(self):
        import logging

        super().__init__()
        self.handler = logging.Handler(logging.WARNING)
        self.handler.emit = lambda record: self.append(record.getMessage())


def test_a_photo_or_tile_that_fails_to_be_described_is_logged_naming_the_file(tmp_path, monkeypatch):
    import logging

    from geolocator.core.errors import InputError

    _noise_photo(tmp_path / "q.png")
    tile = _flat_tiles(tmp_path, 1)[0]
    query = Query("q", tmp_path / "q.png")
    said = _Said()
    logger = logging.getLogger("geolocator")
    logger.addHandler(said.handler)
    monkeypatch.setattr(logger, "level", logging.WARNING)
    try:
        def bug(*args, **kwargs):
            raise ZeroDivisionError("a bug in describing")

        monkeypatch.setattr(rerank, "image_local_features", bug)
        monkeypatch.setattr(rerank, "tile_local_features", bug)
        v = Verifier(VerifySettings(max_side=320))
        assert v.photo(query) is None  # one photo's failure still does not stop the others
        assert len(v.tile(tile).points) == 0
        # before: both swallowed without a word
        assert said == [
            f"photo {tmp_path / 'q.png'}: no keypoints for verification (ZeroDivisionError: a bug in describing); "
            "it verifies nothing",
            f"tile {tile.path}: no keypoints for verification (ZeroDivisionError: a bug in describing); "
            "it verifies nothing",
        ]
        # an unreadable file is not said again here: embedding and indexing report it, naming the file
        said.clear()

        def unreadable(*args, **kwargs):
            raise InputError(tmp_path / "q.png", "cannot decode")

        monkeypatch.setattr(rerank, "image_local_features", unreadable)
        monkeypatch.setattr(rerank, "tile_local_features", lambda *a, **k: (_ for _ in ()).throw(OSError("gone")))
        v = Verifier(VerifySettings(max_side=320))
        assert v.photo(query) is None
        assert len(v.tile(tile).points) == 0
        assert said == []
    finally:
        logger.removeHandler(said.handler)
