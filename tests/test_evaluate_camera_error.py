"""`geolocator eval` and the app's Evaluation panel score the error the rows and files state
(export.compared_error), like with like: a photo whose EXIF GPS is the camera's position is scored by the
estimated camera position (PnP on its verified footprint), not by the image centre's ground point, which
on an oblique photo lies tens of metres from the camera without any error of the method (newuser34:
`eval` said 0.04 m where the rows said 7-31 m). truth.csv's truth (the image centre) keeps the Point's."""

from __future__ import annotations

import numpy as np
import pytest

from geolocator.core.evaluate import error_lines, evaluate, honesty_figures, panel_text
from geolocator.core.export import prediction_properties

from .test_camera import _verified_photo

def _photos(tmp_path):
    """Two oblique EXIF photos (camera 50 m up, 30 deg off nadir: the centre ~29 m from the camera)
    and one whose truth comes from truth.csv (the image centre's ground point)."""
    from dataclasses import replace

    preds = []
    for i, source in enumerate(("exif", "xmp:drone-dji", "truth.csv")):
        (tmp_path / str(i)).mkdir()
        pred, _ = _verified_photo(tmp_path / str(i), truth_source=source)
        preds.append(replace(pred, query=replace(pred.query, id=f"p{i}.jpg")))
    return preds

def test_eval_and_panel_score_the_error_each_row_states(tmp_path):
    preds = _photos(tmp_path)
    rows = [prediction_properties(p) for p in preds]  # what the files and the list's Error column state
    assert [r["error_kind"] for r in rows] == ["camera", "camera", "centre"]
    row_errors = np.array([r["error_m"] for r in rows])
    assert row_errors[:2].max() < 1.0 and row_errors[2] > 20  # the camera found; truth.csv's centre offset kept
    h = honesty_figures(preds)
    assert h["median_error_best_m"] == pytest.approx(np.median(row_errors), abs=0.01)
    assert h["mean_error_best_m"] == pytest.approx(row_errors.mean(), abs=0.01)
    assert (h["n_error_camera"], h["n_error_centre"]) == (2, 1)
    # the Point against the camera's GPS would be ~29 m for each: not what is scored
    assert all(p.error_m > 20 for p in preds)
    assert h["within_5m_pct"] == pytest.approx(200 / 3)

def test_the_lines_say_which_error_they_are(tmp_path):
    from geolocator.core.geo import format_distance

    preds = _photos(tmp_path)
    tiles = [p.top.tile for p in preds[:1]]
    queries = [p.query for p in preds]
    ev = evaluate(queries, tiles, np.ones((3, 1)), preds)
    errors = [prediction_properties(p)["error_m"] for p in preds]
    head = error_lines(ev)[0]
    assert head == (f"Error: median {format_distance(float(np.median(errors)))}, mean "
                    f"{format_distance(float(np.mean(errors)))} (camera position against its recorded GPS, "
                    "2 photos; image centre against the truth, 1)")
    assert head in panel_text(ev, 3, adapted=False).replace("\u00a0", " ")  # the panel: the same line
    # all EXIF: the camera position's error, named so
    exif_only = evaluate(queries[:2], tiles, np.ones((2, 1)), preds[:2])
    assert error_lines(exif_only)[0].startswith("Camera position error: median ")
    assert error_lines(exif_only)[0].endswith("(camera position against its recorded GPS, 2 photos)")
    # truth.csv only (the benchmark): the Point's error, worded as before
    centre = evaluate(queries[2:], tiles, np.ones((1, 1)), preds[2:])
    assert error_lines(centre)[0] == f"Point error: median {format_distance(preds[2].error_m)}, " \
                                     f"mean {format_distance(preds[2].error_m)}"
