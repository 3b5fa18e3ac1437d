"""The app with a flight: drop a video, its frames are listed with their time, the map draws the track."""

from __future__ import annotations

import json

import pytest

from geolocator.core.sequence import STATUSES

from .flight_helpers import DEMO, straight_flight, write_video
from .test_gui_app import dirs, drop, js, make_window, wait_idle, wait_map  # noqa: F401 - fixtures too

pytestmark = pytest.mark.slow


def test_drop_a_video_lists_frames_and_draws_the_track(qtbot, dirs, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "frames"))
    frames, _ = straight_flight(6, scale=1.0, out=(256, 192), span=(0.2, 0.45))  # ~75 m in 5 s
    video = write_video(tmp_path / "DJI_0100.MP4", frames, fps=1)
    w = make_window(qtbot, dirs, "flight", demo_shown=True)
    w.open_tileset(DEMO / "tiles.csv")
    wait_idle(qtbot, w)
    drop(w, [video])
    wait_idle(qtbot, w)
    wait_map(qtbot, w)
    names = [w.query_list.topLevelItem(i).text(0) for i in range(w.query_list.topLevelItemCount())]
    assert names == [f"DJI_0100.MP4#t={i}" for i in range(6)]
    assert len(w.predictions) == 6
    assert js(qtbot, w, "geoloc.count()") == 6
    assert js(qtbot, w, "geoloc.tracks") == 1
    statuses = json.loads(js(qtbot, w, f"JSON.stringify({json.dumps(list(STATUSES))}"
                                       ".map(function (s) { return geoloc.countStatus(s); }))"))
    assert sum(statuses) == 6  # every frame carries its status from the sequence model
    from geolocator.gui.query_list import COL_STATUS

    listed = [w.query_list.topLevelItem(i).text(COL_STATUS) for i in range(6)]
    on_map = json.loads(js(qtbot, w, "JSON.stringify(Object.keys(geoloc.data).sort().map(function (k) "
                                     "{ return [geoloc.data[k].status, geoloc.data[k].tooltip]; }))"))
    assert {status for status, _ in on_map} <= set(STATUSES)  # the markers keep the track's machine status
    # the list says what the map's tooltip says: the level (core/levels.frame_level; session 27: a matched
    # frame reads its level, e.g. "confident"), the tooltip's "label · t=… s · LEVEL · conf …"
    assert sorted(listed) == sorted(tooltip.split(" · ")[-2] for _, tooltip in on_map)
    w.close()
