"""A photo's thumbnail is cut to the picture inside letterbox/pillarbox bars, as a video frame's was
(session 28, mend28; mend27 left photos' bars in the list, the Results pane and the map's popup). Bars
are looked for at the thumbnail's own size (media.bars.content_box); a photo without bars gets the
very thumbnail it got before."""

from __future__ import annotations

import glob

import numpy as np
import pytest
from PIL import Image

from geolocator.core.images import thumbnail
from geolocator.core.media.query_image import query_thumbnail
from geolocator.core.model import Query

from .demo_features import DEMO
from .test_bars import _fit_width, _photo, black_post, blurred_post


def _pillarbox(im: Image.Image) -> tuple[Image.Image, Image.Image]:
    pic = im.rotate(90, expand=True)  # a tall picture in a wide frame: bars left and right
    pic = pic.resize((round(pic.width * 540 / pic.height), 540))
    canvas = Image.new("RGB", (960, 540))
    canvas.paste(pic, ((960 - pic.width) // 2, 0))
    return canvas, pic


@pytest.mark.parametrize("size", [96, 192])
@pytest.mark.parametrize("make", ["black", "black+caption", "blurred", "pillarbox"])
def test_a_photo_s_thumbnail_is_the_picture_inside_its_bars(tmp_path, make, size):
    im = _photo()
    if make == "pillarbox":
        post, pic = _pillarbox(im)
    else:
        post = {"black": black_post, "black+caption": lambda i: black_post(i, caption=True),
                "blurred": blurred_post}[make](im)
        pic = _fit_width(im)
    path = tmp_path / "post.jpg"
    post.save(path, quality=85)
    thumb = query_thumbnail(Query(id="post.jpg", path=path), size)
    want = pic.copy()
    want.thumbnail((size, size))
    assert abs(thumb.width - want.width) <= 2 and abs(thumb.height - want.height) <= 2, (thumb.size, want.size)
    # the picture itself, not a band of bars: close to the picture's own thumbnail pixel for pixel
    diff = np.abs(np.asarray(thumb.resize(want.size), dtype=float) - np.asarray(want, dtype=float)).mean()
    assert diff < 20, diff


def test_photos_without_bars_get_the_thumbnail_they_got_before(tmp_path):
    paths = sorted(glob.glob(str(DEMO / "queries" / "*.jpg")))[::9]
    dark_top = _fit_width(_photo())  # an even dark band at one end only is no pair of bars
    canvas = Image.new("RGB", (dark_top.width, dark_top.height + 200))
    canvas.paste(dark_top, (0, 200))
    canvas.save(tmp_path / "dark_top.jpg", quality=90)
    for p in paths + [str(tmp_path / "dark_top.jpg")]:
        for size in (96, 192):
            got, before = query_thumbnail(Query(id=p, path=p), size), thumbnail(p, size)
            assert got.size == before.size and np.array_equal(np.asarray(got), np.asarray(before)), p
