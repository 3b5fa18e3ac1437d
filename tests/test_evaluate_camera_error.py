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
from .test_cli_demo_features import demo_cli, features  # noqa: F401 - the fixtures (committed features)

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


def test_a_flight_frame_is_scored_as_the_track_files_state_it(tmp_path):
    """A frame on a track: the camera scored is the one on the track's footprint (TrackPoint.footprint,
    the chosen match's), as export_track.frame_errors and the track files state it, not the frame's
    own top match's (here: none)."""
    from dataclasses import replace

    from geolocator.core.evaluate import exported_answers
    from geolocator.core.export_track import frame_errors
    from geolocator.core.sequence import Track, TrackPoint

    pred, _ = _verified_photo(tmp_path)
    quad, centre = pred.top.footprint, pred.location
    own = replace(pred, matches=(replace(pred.top, footprint=None),), status="retrieved")  # its own: unverified
    point = TrackPoint(pred.query, 0.0, centre, "matched", centre, 1, True, pred.error_m, pred.error_m, quad, centre)
    track = Track("flight", (point,))
    [shown] = exported_answers([own], [track])
    err, kind = frame_errors([track])[pred.query.id]
    assert kind == "camera" and err < 1.0
    h = honesty_figures([shown])
    assert h["median_error_best_m"] == pytest.approx(err, abs=0.01) and h["n_error_camera"] == 1


@pytest.mark.slow
def test_cli_eval_gives_the_rows_figure_and_says_which(demo_cli, tmp_path, capsys):
    """End to end: photos with EXIF GPS and a focal length, verified: `eval`'s figure is the median and
    mean of the error_m that `locate`'s GeoJSON states for them (the camera's), and its line says so."""
    import csv
    import json

    from PIL import Image

    from geolocator.core.geo import format_distance

    from .demo_features import DEMO
    from .test_cli_fetch import _gps_photo

    truth = {r["query"].split("/")[-1]: r for r in csv.DictReader((DEMO / "truth.csv").open())}
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("q_0001.jpg", "q_0040.jpg", "q_0090.jpg", "q_0100.jpg"):
        dst = _gps_photo(DEMO / "queries" / name, folder / name, float(truth[name]["lat"]), float(truth[name]["lon"]))
        im = Image.open(dst)
        exif = im.getexif()
        exif.get_ifd(0x8769)[0xA405] = 24  # FocalLengthIn35mmFilm: PnP knows the camera
        im.save(dst, exif=exif)
    tiles = str(DEMO / "tiles.csv")
    assert demo_cli("locate", str(folder), "--tiles", tiles, "--out", str(tmp_path / "o.geojson"))[0] == 0
    rows = [f["properties"] for f in json.loads((tmp_path / "o.geojson").read_text())["features"]]
    assert [r["error_kind"] for r in rows] == ["camera"] * 4
    errors = np.array([r["error_m"] for r in rows])
    capsys.readouterr()
    assert demo_cli("eval", str(folder), "--tiles", tiles, "--json")[0] == 0
    report = json.loads(capsys.readouterr().out)
    assert report["median_error_best_m"] == pytest.approx(np.median(errors), abs=0.01)
    assert report["mean_error_best_m"] == pytest.approx(errors.mean(), abs=0.01)
    assert (report["n_error_camera"], report["n_error_centre"]) == (4, 0)
    assert demo_cli("eval", str(folder), "--tiles", tiles)[0] == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert (f"Camera position error: median {format_distance(report['median_error_best_m'])}, mean "
            f"{format_distance(report['mean_error_best_m'])} (camera position against its recorded GPS, 4 photos)") in lines
