"""The EXIF-thumbnail crop search skipped where the whole frame's score settles the answer (thumbcost37).

media/thumb_framing.place_in_thumbnail scores the whole frame first; where that is at least WHOLE_SCORE and
within PLACE_MARGIN of 1 (settled_whole), no share can be placed, so the 57 share searches are skipped.
These check that rule against the verdict, OpenCV's bound it rests on, and that the photos crop37's tests
pin read the same with the search forced."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from geolocator.core.media import thumb_framing
from geolocator.core.media.metadata import read_photo_meta
from geolocator.core.media.thumb_framing import _verdict, settled_whole
from tests.test_framing import _camera_exif, _cut, _photo, _scene

unit = st.floats(-1.0, 1.0, allow_nan=False)


@given(whole=unit, score=unit)
def test_a_settled_whole_score_is_read_whole_whatever_a_share_scores(whole, score):
    """Any share's score (at most 1) leaves the verdict "whole" once settled_whole holds, box or none."""
    if settled_whole(whole):
        assert _verdict((0.1, 0.1, 0.5, 0.5), score, whole) == "whole"
        assert _verdict(None, -1.0, whole) == "whole"


def test_the_settled_bound_sits_where_the_verdict_changes():
    """0.9 (WHOLE_SCORE) settles: a perfect share scores 1 - 0.9 < 0.1 in floats; below 0.9 nothing settles."""
    assert settled_whole(0.9) and _verdict((0, 0, 0.5, 0.5), 1.0, 0.9) == "whole"
    below = np.nextafter(0.9, 0.0)
    assert not settled_whole(below) and _verdict((0, 0, 0.5, 0.5), 1.0, below) == "placed"


@settings(max_examples=60, deadline=None)
@given(picture=arrays(np.float32, st.tuples(st.integers(8, 40), st.integers(8, 40)),
                      elements=st.floats(0, 255, width=32)),
       corner=st.tuples(st.integers(0, 4), st.integers(0, 4)))
def test_opencv_normed_correlation_never_exceeds_one(picture, corner):
    """settled_whole rests on TM_CCOEFF_NORMED being at most 1, a template cut from the picture included."""
    template = picture[corner[0]:corner[0] + 4 + picture.shape[0] // 2, corner[1]:corner[1] + 4 + picture.shape[1] // 2]
    assert cv2.matchTemplate(picture, np.ascontiguousarray(template), cv2.TM_CCOEFF_NORMED).max() <= 1.0


def _counted(monkeypatch) -> list:
    calls = []
    real = cv2.matchTemplate

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(cv2, "matchTemplate", counting)
    return calls


def test_a_resize_with_the_camera_thumbnail_is_not_searched_share_by_share(tmp_path, monkeypatch):
    """The whole frame shrunk, the camera's EXIF thumbnail kept: three whole-frame matches (as is, turned a
    quarter either way), not 3 + 57; read as before (the thumbnail agrees)."""
    frame = _scene()
    small = tmp_path / "small.jpg"
    Image.fromarray(frame).resize((300, 200), Image.Resampling.LANCZOS).save(small, exif=_camera_exif(frame))
    calls = _counted(monkeypatch)
    framing = read_photo_meta(small).framing
    assert len(calls) == 3
    assert not framing.cropped and "thumbnail shows the same picture" in framing.source
    monkeypatch.setattr(thumb_framing, "settled_whole", lambda whole: False)
    calls.clear()
    assert read_photo_meta(small).framing == framing and len(calls) > 3


def _crop37_photos(tmp_path):
    """The photos crop37's thumbnail tests pin (tests/test_framing.py), written the same way."""
    frame = _scene()
    out = []
    for i, box in enumerate([(0.7, 0.7, 1.0, 1.0), (0.0, 0.1, 0.5, 0.6), (0.25, 0.0, 0.85, 0.6)]):
        path = tmp_path / f"crop{i}.jpg"
        Image.fromarray(_cut(frame, box)).save(path, exif=_camera_exif(frame), quality=92)
        out.append(path)
    small = tmp_path / "small.jpg"
    Image.fromarray(frame).resize((300, 200), Image.Resampling.LANCZOS).save(small, exif=_camera_exif(frame))
    crop = _cut(frame, (0.0, 0.0, 0.5, 0.5))
    renewed = tmp_path / "renewed.jpg"
    Image.fromarray(crop).save(renewed, exif=_camera_exif(frame, thumb_of=crop))
    wide = _scene(size=(800, 600))
    portrait = tmp_path / "portrait.jpg"
    Image.fromarray(_cut(wide, (0.5, 0.0, 0.875, 1.0))).save(portrait, exif=_camera_exif(wide))
    turned = tmp_path / "turned.jpg"
    Image.fromarray(np.ascontiguousarray(np.rot90(wide))).resize((300, 400)).save(turned, exif=_camera_exif(wide))
    bare = _photo(tmp_path / "bare.jpg", size=(300, 400), recorded=(800, 600))
    strip_frame = _scene(size=(1600, 900), seed=5)
    strip = tmp_path / "strip.jpg"
    Image.fromarray(_cut(strip_frame, (0.3, 0.0, 0.6125, 1.0))).save(strip, exif=_camera_exif(strip_frame), quality=92)
    return out + [small, renewed, portrait, turned, bare, strip]


def test_the_photos_crop37_pins_read_the_same_with_the_search_forced(tmp_path, monkeypatch):
    """Every framing (box, scores in the source, cropped or not) equal with and without the skip; at least
    the resize, the renewed thumbnail and the turned frame took it."""
    paths = _crop37_photos(tmp_path)
    calls = _counted(monkeypatch)
    skipped = {}
    quick = {}
    for p in paths:
        calls.clear()
        quick[p] = read_photo_meta(p).framing
        skipped[p.name] = len(calls) == 3
    monkeypatch.setattr(thumb_framing, "settled_whole", lambda whole: False)
    for p in paths:
        assert read_photo_meta(p).framing == quick[p], p.name
    assert skipped["small.jpg"] and skipped["renewed.jpg"] and skipped["turned.jpg"]
    assert not any(skipped[f"crop{i}.jpg"] for i in range(3)) and not skipped["strip.jpg"]
    assert [quick[p].box is not None for p in paths[:3]] == [True] * 3
