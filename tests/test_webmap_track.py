"""The map draws a flight: its track line, frames at their track position, statuses distinct."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from geolocator.core import webmap
from geolocator.core.predict import LOW_TEXTURE_CAUTION
from geolocator.core.sequence import smooth

from .test_sequence import at, flight


def _adds(page: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(r"geoloc\.add\((\{.*?\})\);\n", page)]


def test_map_draws_the_track_and_frame_statuses(tmp_path):
    preds, _ = flight(n=30, bad=range(10, 14), chance=())
    q = preds[20].query
    from .test_sequence import prediction
    preds[20] = prediction(q, [(900, 900, 0.6, 30, True)])  # a verified answer far off the track
    [track] = smooth(preds)
    points = list(track.points)
    points[3] = replace(points[3], footprint=(at(30, 80), at(70, 80), at(70, 40), at(30, 40)))
    track = replace(track, points=tuple(points))
    page = webmap.write_map(tmp_path / "m.html", None, preds, thumbnail=None, tracks=[track]).read_text()
    assert "http://" not in page and "https://" not in page
    assert page.count("geoloc.track(") == 1
    adds = {d["id"]: d for d in _adds(page)}
    assert len(adds) == 30
    assert {adds[f"v.mp4#t={i}"]["status"] for i in range(10, 14)} == {"interpolated"}
    assert adds["v.mp4#t=20"]["status"] == "flagged"
    for p in track.points:  # every frame at its place on the track, not its single-photo answer
        d = adds[p.query.id]
        assert (d["lat"], d["lon"]) == (p.location.lat, p.location.lon)
        assert f"t={p.time_s:.1f} s" in d["tooltip"]
    assert len(adds["v.mp4#t=3"]["footprint"]) == 4
    line = json.loads(re.search(r"geoloc\.track\((\{.*?\})\);", page).group(1))
    assert len(line["coords"]) == 30


def test_write_map_finds_the_flights_itself(tmp_path):
    preds, _ = flight(n=8, bad=(), chance=())
    page = webmap.write_map(tmp_path / "m.html", None, preds, thumbnail=None).read_text()
    assert page.count("geoloc.track(") == 1
    single = webmap.write_map(tmp_path / "n.html", None, preds, thumbnail=None, tracks=[]).read_text()
    assert single.count("geoloc.track({") == 0


def test_map_legend_and_markers_say_extrapolated_and_not_located(tmp_path):
    """The map's frames carry the same statuses as the files: extrapolated past the verified
    frames, not located (grey, off the line) beyond; the legend explains them when a track is drawn."""
    from .test_sequence import prediction

    preds, _ = flight(n=20, bad=(), chance=())
    for i in range(12, 20):
        preds[i] = prediction(preds[i].query, [(900, 900, 0.5, 0, False), (950, 50, 0.45, 2, False)])
    page = webmap.write_map(tmp_path / "m.html", None, preds, thumbnail=None).read_text()
    adds = {d["id"]: d for d in _adds(page)}
    assert [adds[f"v.mp4#t={i}"]["status"] for i in range(12, 20)] == ["extrapolated"] * 5 + ["not located"] * 3
    assert adds["v.mp4#t=19"]["colour"] == webmap.NOT_LOCATED_COLOUR
    assert adds["v.mp4#t=12"]["colour"] != webmap.NOT_LOCATED_COLOUR
    line = json.loads(re.search(r"geoloc\.track\((\{.*?\})\);", page).group(1))
    assert len(line["coords"]) == 17
    assert "geoloc.legend(true, true);" in page and "extrapolated (past the verified frames)" in page
    photos = webmap.write_map(tmp_path / "n.html", None, preds, thumbnail=None, tracks=[]).read_text()
    assert "geoloc.legend(true, false);" in photos


def test_a_frames_popup_says_its_flight_status_and_the_markers_error(tmp_path):
    from .test_sequence import prediction

    preds, _ = flight(n=20, bad=(), chance=())
    for i in range(12, 20):  # featureless ground: the track's figure stands (test_outlier_photo.py)
        preds[i] = replace(prediction(preds[i].query, [(900, 900, 0.5, 0, False), (950, 50, 0.45, 2, False)]),
                           caution=LOW_TEXTURE_CAUTION)
    [track] = smooth(preds)
    page = webmap.write_map(tmp_path / "m.html", None, preds, thumbnail=None, tracks=[track]).read_text()
    adds = {d["id"]: d for d in _adds(page)}
    popup = adds["v.mp4#t=14"]["popup"]
    th = "<th style='text-align:left;padding-right:6px'>"
    assert f"{th}Status</th><td>extrapolated</td></tr>" in popup
    assert "t=14.0 s (3.0 s beyond the verified frames)" in popup
    assert f"{track.points[14].error_m:.1f} m" in popup and "the flight's estimate" in popup
    assert "Flight" not in webmap.popup_html(preds[14], None)  # a photo on its own: no flight row
