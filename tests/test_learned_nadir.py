"""Learned matchers on an oblique photo turned to nadir (issue 13, session 10): matchers/verify.
features(view=...) describes the nadir image (rerank.nadir_image, the view SIFT gets) at each
heading, and verify_pair matches there and composes the homography back to the photo's pixels.

No learned backend is built: a fake matcher finds coloured blobs (keypoint = the blob's
intensity-weighted centroid, descriptor = its colour) and reports the four corners of every image
it is shown as well, so keypoints outside the photo's area can be seen dropped. Expected positions
are where the test drew the blobs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core.matchers import verify
from geolocator.core.matchers.base import Features
from geolocator.core.model import PhotoMeta, Query
from geolocator.core.oblique import ViewGeometry, view_geometry
from geolocator.core.rerank import LocalFeatures, Verifier, VerifySettings

SIZE = (384, 288)
SPOTS = np.array([(100, 80), (260, 90), (190, 150), (80, 220), (300, 230), (200, 250)], float)
COLOURS = np.array([(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (255, 0, 255), (0, 255, 255)], float)
VIEW = ViewGeometry(-50.0, 30.0, 4.5 / 6.4)  # 40 deg off nadir: the blobs move by tens of pixels


def _photo() -> Image.Image:
    w, h = SIZE
    yy, xx = np.mgrid[0:h, 0:w]
    image = np.full((h, w, 3), 20.0)
    for (x, y), colour in zip(SPOTS, COLOURS):
        image += colour * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * 6.0 ** 2))[:, :, None]
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


class BlobMatcher:
    """Keypoints: each blob's centroid (pixels brighter than 100 in any channel, weighted by that
    brightness), descriptor its mean colour (unit length); then the image's 4 corner pixels'
    centres with descriptor 0. Matching: each keypoint of `a` with the most alike of `b` (cosine
    above 0.9), corners never."""

    name, rotation_invariant, signature = "fake", False, "fake/1"

    def __init__(self):
        self.seen, self.matched = [], []

    def extract(self, image):
        import cv2

        self.seen.append(image)
        h, w = image.shape[:2]
        bright = image.max(axis=2).astype(float)
        n, labels = cv2.connectedComponents((bright > 100).astype(np.uint8))
        points, descriptors = [], []
        for i in range(1, n):
            ys, xs = np.nonzero(labels == i)
            weight = bright[ys, xs]
            # pixel centres at integers, as OpenCV's keypoints and warps count them
            points.append((np.average(xs, weights=weight), np.average(ys, weights=weight)))
            colour = image[ys, xs].astype(float).mean(axis=0)
            descriptors.append(colour / np.linalg.norm(colour))
        for x, y in ((0, 0), (w - 1, 0), (w - 1, h - 1), (0, h - 1)):
            points.append((x, y))
            descriptors.append((0.0, 0.0, 0.0))
        return Features(np.float32(points), np.float32(descriptors), (w, h))

    def match(self, a, b):
        self.matched.append((a, b))
        sim = a.descriptors @ b.descriptors.T
        best = sim.argmax(axis=1)
        keep = sim[np.arange(len(a)), best] > 0.9
        return np.flatnonzero(keep), best[keep]


@pytest.fixture
def fake(monkeypatch):
    m = BlobMatcher()
    monkeypatch.setattr(verify, "get_matcher", lambda name, device="cpu": m)
    return m


def _apply(h, points):
    p = np.c_[points, np.ones(len(points))] @ np.asarray(h, float).T
    return p[:, :2] / p[:, 2:]


def _nearest_index(points):
    """For each point, the index of the SPOTS blob nearest it."""
    return np.argmin(np.linalg.norm(points[:, None] - SPOTS[None], axis=2), axis=1)


def _nearest(points, targets):
    return np.min(np.linalg.norm(points[:, None] - targets[None], axis=2), axis=1)


def test_a_learned_backend_describes_the_photo_turned_to_nadir_at_each_heading(fake):
    f = verify.features(_photo(), VerifySettings(matcher="xfeat", max_side=384), view=VIEW)
    assert f.nadir_only and f.size == SIZE and len(f.views) == 4  # 4 headings: not rotation invariant
    nadir = fake.seen[0]
    assert nadir.shape[2] == 3 and nadir.shape[:2] != (SIZE[1], SIZE[0])  # the nadir image, in colour
    first_map = f.views[0][1]
    for k, (view, to_view) in enumerate(f.views):
        assert np.array_equal(fake.seen[k], np.rot90(nadir, k))
        # a quarter turn of the nadir image: its map is the turn's (rotation_homography, as for
        # photos as taken) after the first heading's
        assert np.array_equal(to_view, verify.rotation_homography(k, (nadir.shape[1], nadir.shape[0]))[0] @ first_map)
        back = _apply(np.linalg.inv(to_view), view.points)
        blobs = np.linalg.norm(view.descriptors, axis=1) > 0
        assert blobs.sum() == 6
        # keypoints outside the photo's area (the nadir image's empty corners) are dropped: all that
        # is kept lies on the photo (3 px: the mask is eroded, the warp resamples), and fewer than
        # the 4 corners the matcher reported survive
        assert ((back > -3) & (back < np.array(SIZE) + 3)).all()
        assert (~blobs).sum() < 4
        # the turns move pixels exactly (np.rot90, centres at integers like the keypoints): each
        # blob comes back to the same place from every heading (session 11: before, a turned
        # heading's came back 1-2 px off, the turn counting from pixel edges)
        back_blobs = back[blobs][np.argsort(_nearest_index(back[blobs]))]
        if k == 0:
            first_blobs = back_blobs
        np.testing.assert_allclose(back_blobs, first_blobs, atol=1e-3)
    # every blob is found where the photo has it, once brought back (within a pixel: the warp
    # resamples); what the matcher saw is far from there (the two frames differ)
    view, to_view = f.views[0]
    blobs = np.linalg.norm(view.descriptors, axis=1) > 0
    off = _nearest(SPOTS, _apply(np.linalg.inv(to_view), view.points[blobs]))
    assert (off < 1.0).all(), off
    assert _nearest(SPOTS, view.points[blobs]).min() > 5.0
    # .points: the first heading's keypoints in the photo's pixels, with its descriptors
    np.testing.assert_allclose(f.points, _apply(np.linalg.inv(f.views[0][1]), f.views[0][0].points), atol=1e-3)
    assert np.array_equal(f.descriptors, f.views[0][0].descriptors)


def test_a_rotation_invariant_backend_gets_the_nadir_image_once(fake):
    fake.rotation_invariant = True
    f = verify.features(_photo(), VerifySettings(matcher="aliked", max_side=384), view=VIEW)
    assert f.nadir_only and len(f.views) == 1 and len(fake.seen) == 1
    # headings=1 likewise, for a backend that is not
    fake.rotation_invariant = False
    assert len(verify.features(_photo(), VerifySettings(matcher="xfeat", max_side=384, headings=1), view=VIEW).views) == 1


def _true_homography(size=SIZE):
    """Photo pixels -> a 256 px tile of 30 m: the camera's real ground plane (tests/test_oblique.py)."""
    from tests.test_oblique import _true_homography as true

    return true(VIEW, size, 30.0, 256, 200.0)


def test_matched_on_the_nadir_view_the_homography_maps_the_photos_pixels_to_the_tile(fake):
    photo = verify.features(_photo(), VerifySettings(matcher="xfeat", max_side=384), view=VIEW)
    truth = _true_homography()
    tile = LocalFeatures(np.float32(_apply(truth, SPOTS)), np.float32(COLOURS / np.linalg.norm(COLOURS, axis=1)[:, None]),
                         (256, 256))
    result = verify.verify_pair(photo, tile, VerifySettings(matcher="xfeat", max_side=384, glue_keypoints=0))
    # matched where the keypoints were found: a nadir view (the photo's own frame is never a candidate)
    matched = fake.matched[0][0]
    assert matched.size != SIZE
    assert any(np.array_equal(matched.points, v.points) for v, _ in photo.views)
    assert result.inliers == 6
    # the homography is photo -> tile: the blobs and the photo's centre land where the camera puts
    # them (within a pixel: the keypoints are resampled centroids), its corners too (the far ones
    # hundreds of pixels beyond the tile: within 1 %)
    np.testing.assert_allclose(_apply(result.homography, SPOTS), _apply(truth, SPOTS), atol=1.0)
    # the tile's keypoints are truth(SPOTS), keypoint coordinates (pixel centres) on both sides: the
    # photo's centre is (191.5, 143.5) there, and a fraction of the tile counts from its edge, half a
    # pixel before its keypoint coordinate 0 (session 12; the answer lies within 0.31 px of this)
    np.testing.assert_allclose(np.array(result.centre) * 256 - 0.5, _apply(truth, [(191.5, 143.5)])[0], atol=1.0)
    corners = np.array([(0, 0), (384, 0), (384, 288), (0, 288)], float)
    np.testing.assert_allclose(_apply(result.homography, corners), _apply(truth, corners), rtol=0.01, atol=1.0)


def _query(tmp_path, **meta) -> Query:
    path = tmp_path / "q.png"
    _photo().save(path)
    return Query("q", path, meta=PhotoMeta(width=384, height=288, **meta))


OBLIQUE = dict(gimbal_pitch_deg=-50.0, relative_altitude_m=30.0, focal_length_mm=4.5, sensor_width_mm=6.4)


def test_the_verifier_turns_an_oblique_photo_to_nadir_for_a_learned_backend_too(fake, tmp_path):
    query = _query(tmp_path, **OBLIQUE)
    assert view_geometry(query.meta) == VIEW
    s = VerifySettings(matcher="xfeat", max_side=384)
    turned = Verifier(s).photo(query)
    direct = verify.features(_photo(), s, view=VIEW)
    assert turned.nadir_only and np.array_equal(turned.points, direct.points)
    plain = Verifier(replace(s, rectify=False)).photo(query)
    assert not plain.nadir_only and plain.points.shape != turned.points.shape


@pytest.mark.parametrize("meta", [dict(), dict(OBLIQUE, gimbal_pitch_deg=None),
                                  dict(OBLIQUE, gimbal_pitch_deg=-85.0)],  # none, no pitch, near nadir
                         ids=["no metadata", "no pitch", "near nadir"])
def test_photos_without_an_oblique_view_are_described_as_before(fake, tmp_path, meta):
    query = _query(tmp_path, **meta)
    s = VerifySettings(matcher="xfeat", max_side=384)
    on, off = Verifier(s).photo(query), Verifier(replace(s, rectify=False)).photo(query)
    assert not on.nadir_only and on.size == off.size == SIZE
    assert np.array_equal(on.points, off.points) and np.array_equal(on.descriptors, off.descriptors)
    assert len(on.views) == len(off.views) == 3
    for (a, ha), (b, hb) in zip(on.views, off.views):
        assert np.array_equal(a.points, b.points) and np.array_equal(ha, hb)
    # ... which is the photo as taken: the first image the matcher saw is the photo itself
    assert np.array_equal(fake.seen[0], np.asarray(_photo()))
