"""Workspace._grounds: the outline of a photo whose oblique view is recorded may reach past [-2, 3]
of the tile.

Why (newuser_session23.md): an inspector's 20 MP photo at 60 m, gimbal pitch -45, verified on a 50 m
tile with its far corners 4.2 and 3.4 tile widths away; the [-2, 3] corner rule (set for photos at
most 4 tiles across) dropped its outline, so no camera position and no footprint were exported. More
than half of the verified photos of the benchmark's oblique regions had none for that reason. The
verifier had already sized that outline by the recorded camera's ground trapezoid."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from geolocator.core.media.metadata import PhotoMeta
from geolocator.core.model import Query
from geolocator.core.rerank import Verification
from tests.test_pipeline_exact import world

FAR = ((0.21, 4.18), (-3.42, 0.59), (0.06, -0.49), (1.26, 0.72))  # the session's photo, as the verifier gave it
CENTRE = (0.5, 0.5)
# a DJI FC6310 at 60 m, gimbal pitch -45: an oblique view (oblique.view_geometry)
OBLIQUE = PhotoMeta(gimbal_pitch_deg=-45.0, relative_altitude_m=60.0, focal_length_mm=8.8, sensor_width_mm=13.2)


def test_corners_of_a_recorded_oblique_view_may_reach_further(tmp_path):
    ws, _ = world(tmp_path)
    checks = [[Verification(30, CENTRE, None, FAR)], [Verification(30, CENTRE, None, FAR)]]
    candidates = np.array([[2], [2]])
    _, outlines = ws._grounds(checks, candidates, [True, False])
    assert outlines[0, 0] is not None and len(outlines[0, 0]) == 4
    assert outlines[1, 0] is None  # a photo without a recorded view: [-2, 3] as before
    _, outlines = ws._grounds(checks, candidates)
    assert outlines[0, 0] is None and outlines[1, 0] is None
    # never a corner at infinity or NaN, reach or not
    for bad in (math.inf, math.nan):
        odd = [[Verification(30, CENTRE, None, ((bad, 0.5),) + FAR[1:])]]
        _, outlines = ws._grounds(odd, np.array([[2]]), [True])
        assert outlines[0, 0] is None


def test_locate_exports_the_outline_of_a_far_reaching_oblique_view(tmp_path):
    """Photo "a" verifies on tile 2 with FAR corners: with its oblique view recorded the match keeps its
    footprint (which the camera position and the footprint polygons are made from); without, not."""
    for meta, kept in ((OBLIQUE, True), (None, False)):
        ws, qs = world(tmp_path / str(kept))
        ws._verifier.table[("a", 2)] = Verification(20, CENTRE, None, FAR)
        qs[0] = Query("a", Path("/nonexistent/photos/a.jpg"), truth=qs[0].truth, meta=meta)
        preds = ws.locate(qs)
        assert preds[0].status == "verified" and preds[0].matches[0].tile.id == "r0c2"
        assert (preds[0].matches[0].footprint is not None) is kept
