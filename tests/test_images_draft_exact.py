"""JPEGs over the decode budget whose sides are no multiple of the draft factor (session 8 bug:
_draft_request asked Pillow for the decoded size ceil(side / s), but Pillow's draft takes the
scale floor(side / requested side), so such a JPEG was decoded at a lesser reduction, over the
budget, and refused "even at 1/8 scale")."""

from __future__ import annotations

import numpy as np
from PIL import Image

import geolocator.core.images as images


def test_the_draft_request_is_the_side_divided_by_the_factor_rounded_down(monkeypatch):
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 120 * 120)
    # 401 x 201 = 80,601 px: 1/2 gives 201 x 101 = 20,301 (over), 1/4 gives 101 x 51 = 5,151 (fits);
    # Pillow reduces by 4 when asked for at most 401 // 4 = 100 by 201 // 4 = 50
    assert images._draft_request(401, 201, None) == (100, 50)
    assert images._draft_request(400, 200, None) == (100, 50)
    assert images._draft_request(401, 201, 60) == (60, 50)  # a smaller min_side wins per side
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 16)
    assert images._draft_request(9, 64, None) == (1, 8)  # 1/8: 2 x 8 = 16 px


def test_an_odd_sized_jpeg_over_the_budget_is_drafted_not_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 120 * 120)
    Image.fromarray(np.full((201, 401, 3), 90, np.uint8)).save(tmp_path / "odd.jpg")
    assert images.open_image(tmp_path / "odd.jpg").size == (101, 51)  # ceil(401 / 4) x ceil(201 / 4)
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 16)
    Image.fromarray(np.full((64, 9, 3), 90, np.uint8)).save(tmp_path / "thin.jpg")
    assert images.open_image(tmp_path / "thin.jpg").size == (2, 8)  # ceil(9 / 8) x ceil(64 / 8)
