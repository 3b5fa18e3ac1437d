"""A flight's orange track line is seen at the opening zoom (session 33, newuser33 then appuser33 on
make_sample_flight.py's clip): its frames, 10 m apart, are ~10 px apart on the map, closer than a marker's
12 px, and the line, drawn before them, lay under them: a row of green dots and no line. Now the line is
drawn after the frames, over their markers; a click on the line where it crosses a marker selects that frame."""

from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWebEngineWidgets")

from geolocator.core import webmap  # noqa: E402
from geolocator.core.sequence import smooth  # noqa: E402
from geolocator.gui.map_view import MapView  # noqa: E402

from .helpers import page_js  # noqa: E402
from .test_sequence import flight  # noqa: E402


@pytest.fixture
def view(map_view_at):
    return map_view_at(750, 520)  # the app's map in a 1440 x 900 window


def test_the_track_line_is_drawn_over_its_frames_markers(qtbot, view, tmp_path):
    preds, _ = flight(n=12, bad=(), chance=())
    [track] = smooth(preds)
    page = webmap.write_map(tmp_path / "m.html", None, preds, thumbnail=None, tracks=[track])
    with qtbot.waitSignal(view.ready, timeout=30_000):
        view.show_map(page)
    # the SVG paths in drawing order: the orange line's after (over) every frame's marker
    order = page_js(qtbot, view, """(function () { try {
      var paths = Array.prototype.slice.call(document.querySelectorAll('.leaflet-overlay-pane path'));
      var line = paths.findIndex(function (p) { return p.getAttribute('stroke') === '#ff7f00'; });
      var marks = Object.keys(geoloc.markers).map(function (id) { return paths.indexOf(geoloc.markers[id].getElement()); });
      return JSON.stringify([line, Math.max.apply(null, marks), marks.length]);
    } catch (e) { return String(e); } })()""")
    order = json.loads(order)
    line, last_marker, n = order
    assert n == 12 and line > last_marker >= 0
    # a click on the line at a frame's marker selects that frame (the line no longer hides it from the mouse)
    frame = track.points[5].query.id
    picked = page_js(qtbot, view, f"""(function () {{
      var m = geoloc.markers[{frame!r}], lines = [];
      geoloc.map.eachLayer(function (l) {{ if (l instanceof L.Polyline && l.options.color === '#ff7f00') {{ lines.push(l); }} }});
      lines[0].fire('click', {{latlng: m.getLatLng(), containerPoint: geoloc.map.latLngToContainerPoint(m.getLatLng())}});
      return geoloc.selected;
    }})()""")
    assert picked == frame
    # selecting another frame puts the line back over the first (which the selection had raised) and the
    # newly selected marker over the line
    other = track.points[8].query.id
    page_js(qtbot, view, f"geoloc.highlight({other!r}, false)")
    order = json.loads(page_js(qtbot, view, f"""(function () {{
      var paths = Array.prototype.slice.call(document.querySelectorAll('.leaflet-overlay-pane path'));
      var line = paths.findIndex(function (p) {{ return p.getAttribute('stroke') === '#ff7f00'; }});
      return JSON.stringify([paths.indexOf(geoloc.markers[{frame!r}].getElement()), line,
                             paths.indexOf(geoloc.markers[{other!r}].getElement())]);
    }})()"""))
    assert order[0] < order[1] < order[2]
