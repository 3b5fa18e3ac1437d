"""Contrast-reversal-invariant SIFT matching and contrast normalisation (core/rerank.py:
VerifySettings.reversed_tones / contrast_norm, reversed_descriptors, _match_pairs,
normalise_contrast). A synthetic texture seen through a known homography, with part or all of
the photo's tones reversed, must be verified with that homography with the option and not without
it; with the options off the matches are those of a plain ratio test. No image file decoded."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from geolocator.core.rerank import (
    VerifySettings,
    _match_pairs,
    image_local_features,
    normalise_contrast,
    reversed_descriptors,
    verify_pair,
)

# photo pixels -> tile pixels: 25 degrees of rotation, scale 1.1, shifted into the tile
_A = np.deg2rad(25.0)
H_TRUE = np.array([[1.1 * np.cos(_A), -1.1 * np.sin(_A), 70.0],
                   [1.1 * np.sin(_A), 1.1 * np.cos(_A), 20.0],
                   [0.0, 0.0, 1.0]])
PHOTO = (160, 120)  # width, height


def _texture(seed: int = 3, side: int = 256) -> np.ndarray:
    """A smooth random 8-bit grey texture (blobs a few pixels across: SIFT finds hundreds)."""
    rng = np.random.default_rng(seed)
    small = cv2.GaussianBlur(rng.normal(size=(side // 4, side // 4)).astype(np.float32), (0, 0), 1.0)
    big = cv2.resize(small, (side, side), interpolation=cv2.INTER_CUBIC)
    return np.clip(128 + 60 * big / big.std(), 0, 255).astype(np.uint8)


def _photo_of(tile: np.ndarray) -> np.ndarray:
    """The tile as the photo sees it: photo(x) = tile(H_TRUE x)."""
    return cv2.warpPerspective(tile, H_TRUE, PHOTO, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)


def _features(grey: np.ndarray, settings: VerifySettings):
    return image_local_features(Image.fromarray(grey), settings)


def _true_pairs(photo, tile, pairs, tol=2.0) -> np.ndarray:
    """Photo x of the matches that H_TRUE maps to within `tol` px of their tile keypoint."""
    if not pairs:
        return np.zeros(0)
    src = photo.points[[q for q, _ in pairs]].astype(np.float64)
    dst = tile.points[[t for _, t in pairs]].astype(np.float64)
    mapped = np.c_[src, np.ones(len(src))] @ H_TRUE.T
    ok = np.linalg.norm(mapped[:, :2] / mapped[:, 2:] - dst, axis=1) < tol
    return src[ok, 0]


def _centre_error_px(v, tile) -> float:
    """Pixels between where the verification and H_TRUE put the photo's centre in the tile."""
    truth = H_TRUE @ np.array([PHOTO[0] / 2, PHOTO[1] / 2, 1.0])
    got = np.array(v.centre) * tile.size
    return float(np.linalg.norm(got - truth[:2] / truth[2]))


# -- reversed_descriptors ------------------------------------------------------------------------------


def test_reversed_descriptors_turn_the_grid_of_cells_half_round_and_keep_the_bins():
    # OpenCV's layout: index (row * 4 + column) * 8 + bin. Turning the 4 x 4 grid by 180 degrees
    # sends cell (r, c) to (3 - r, 3 - c), i.e. cell k to 15 - k; the 8 bins stay in order.
    d = np.arange(2 * 128, dtype=np.float32).reshape(2, 128)
    out = reversed_descriptors(d)
    assert out.shape == (2, 128)
    assert out[0, 0:8].tolist() == list(range(120, 128))  # cell 0 <- cell 15
    assert out[0, 8:16].tolist() == list(range(112, 120))  # cell 1 <- cell 14
    assert out[1, 120:128].tolist() == list(range(128, 136))  # cell 15 <- cell 0 (second row)
    assert (reversed_descriptors(out) == d).all()  # half a turn twice is none


def test_reversed_descriptors_are_what_sift_gives_on_the_negative():
    # OpenCV SIFT run on 255 - image finds the same keypoints (DoG extrema of either sign), each
    # orientation turned by 180 degrees, and its descriptors equal the permuted ones up to the
    # rounding of a descriptor's bytes (entries are 0..255 integers stored as float).
    settings = VerifySettings()
    image = _texture()
    plain, negative = _features(image, settings), _features(255 - image, settings)
    assert len(plain.points) > 100
    permuted = reversed_descriptors(plain.descriptors)
    paired = 0
    for i, point in enumerate(negative.points):
        at = np.flatnonzero(np.linalg.norm(plain.points - point, axis=1) < 1e-3)
        errors = [np.abs(permuted[j] - negative.descriptors[i]).max() for j in at]
        if errors:
            paired += 1
            assert min(errors) <= 1.0
    assert paired >= 0.95 * len(negative.points)
    # while the plain descriptors of the negative are far from the original ones
    assert np.abs(plain.descriptors[0] - negative.descriptors[0]).max() > 10


# -- matching with reversed tones ---------------------------------------------------------------------


def test_half_reversed_photo_matches_both_halves_only_with_the_option():
    tile_img = _texture()
    photo_img = _photo_of(tile_img)
    photo_img[:, PHOTO[0] // 2:] = 255 - photo_img[:, PHOTO[0] // 2:]  # the right half's tones reversed
    on, off = VerifySettings(reversed_tones=True), VerifySettings()
    photo, tile = _features(photo_img, off), _features(tile_img, off)  # describing does not depend on it
    right = lambda xs: int((xs > PHOTO[0] / 2 + 8).sum())  # clear of the seam (SIFT's patch radius)
    left = lambda xs: int((xs < PHOTO[0] / 2 - 8).sum())
    plain = _true_pairs(photo, tile, _match_pairs(photo.descriptors, tile.descriptors, off))
    both = _true_pairs(photo, tile, _match_pairs(photo.descriptors, tile.descriptors, on))
    assert right(plain) == 0 and left(plain) >= 8  # the reversed half matches nothing plainly
    assert right(both) >= 8 and left(both) >= left(plain)
    v = verify_pair(photo, tile, on)
    assert v.inliers >= len(both) - 2 and _centre_error_px(v, tile) < 2.0


def test_a_photo_negative_is_verified_only_with_the_option():
    tile_img = _texture()
    photo_img = 255 - _photo_of(tile_img)
    photo, tile = _features(photo_img, VerifySettings()), _features(tile_img, VerifySettings())
    assert verify_pair(photo, tile, VerifySettings()).inliers < VerifySettings().min_inliers
    v = verify_pair(photo, tile, VerifySettings(reversed_tones=True))
    assert v.inliers >= 20
    assert _centre_error_px(v, tile) < 2.0
    corners = np.array(v.corners) * tile.size  # the photo's corners where H_TRUE puts them
    truth = np.c_[[[0, 0], [PHOTO[0], 0], [PHOTO[0], PHOTO[1]], [0, PHOTO[1]]], np.ones(4)] @ H_TRUE.T
    assert np.abs(corners - truth[:, :2] / truth[:, 2:]).max() < 3.0


def test_without_the_options_the_matches_are_a_plain_ratio_test():
    # the default path: OpenCV's two nearest tile descriptors per photo descriptor (L2), kept when
    # the nearest is closer than 0.85 x the second; each photo keypoint at most once
    tile_img = _texture()
    photo = _features(_photo_of(tile_img), VerifySettings())
    tile = _features(tile_img, VerifySettings())
    d = np.linalg.norm(photo.descriptors[:, None, :] - tile.descriptors[None, :, :], axis=2)
    first, second = np.sort(d, axis=1)[:, 0], np.sort(d, axis=1)[:, 1]
    expected = [(q, int(np.argmin(d[q]))) for q in range(len(d)) if first[q] < 0.85 * second[q]]
    got = _match_pairs(photo.descriptors, tile.descriptors, VerifySettings())
    assert got == expected
    # with the option those pairs come first, the negative's after them, none twice
    with_reversal = _match_pairs(photo.descriptors, tile.descriptors, VerifySettings(reversed_tones=True))
    assert with_reversal[: len(got)] == got and len(set(with_reversal)) == len(with_reversal)


# -- normalise_contrast --------------------------------------------------------------------------------


def test_stretch_maps_the_1st_and_99th_percentiles_to_the_ends():
    image = np.arange(100, dtype=np.uint8).reshape(10, 10)  # 0..99
    # numpy's linear percentiles of 0..99: 1st = 0.99, 99th = 98.01; 50 -> (50 - 0.99) * 255 / 97.02
    out = normalise_contrast(image, 1)
    assert out.dtype == np.uint8 and out.shape == (10, 10)
    assert out[5, 0] == round((50 - 0.99) * 255 / 97.02)  # 128.8 -> 129
    assert out[0, 0] == 0 and out[9, 9] == 255  # clipped beyond the percentiles
    assert out[0, 1] == 0  # (1 - 0.99) * 2.63 = 0.03 -> 0
    flat = np.full((4, 4), 7, np.uint8)
    assert (normalise_contrast(flat, 1) == flat).all()
    assert normalise_contrast(image, 0) is image  # off: the very same pixels
    with pytest.raises(ValueError):
        normalise_contrast(image, 3)


def test_clahe_is_opencvs_with_clip_2_on_8_by_8_cells():
    image = (_texture() // 3 + 40).astype(np.uint8)  # low contrast
    expected = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(image)
    assert (normalise_contrast(image, 2) == expected).all()
    assert normalise_contrast(image, 2).std() > image.std()


def test_contrast_norm_reaches_sift_through_image_local_features():
    # a low-contrast tile: more keypoints after the stretch (SIFT's contrast threshold is fixed)
    image = (_texture() // 8 + 100).astype(np.uint8)
    plain = _features(image, VerifySettings(contrast_norm=0))
    stretched = _features(image, VerifySettings(contrast_norm=1))
    assert len(stretched.points) > 2 * len(plain.points)
