"""Exact answers of core/webmap.py, the page (session 8, written for its mutants; split from
test_webmap_exact.py so that the mutation checker runs the page tests only where they are needed):
what build_map/write_map put in the page."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from PIL import Image

from geolocator.core import webmap
from geolocator.core.model import Bounds, LatLon, Match, Prediction, Query, Tile, TileSet
from geolocator.core.progress import CancelToken

from .helpers import two_tile_prediction


def _tile(tmp_path, name, colour, bounds, size=(16, 16)):
    p = tmp_path / f"{name}.png"
    Image.new("RGB", size, colour).save(p)
    return Tile(name, p, bounds)


_pred = two_tile_prediction


# ---- the page -------------------------------------------------------------------------------------------

def _adds(page):
    return [json.loads(m) for m in re.findall(r"geoloc\.add\((\{.*?\})\);\n", page)]


def _page(*args, **kw):
    kw.setdefault("assets", webmap.Assets(None))
    return webmap.build_map(*args, **kw).get_root().render()


def _fit(page):
    m = re.search(r"\.fitBounds\(\s*(\[\[.*?\]\]),\s*(\{.*?\})\s*\);", page, re.S)
    return json.loads(m.group(1)), json.loads(m.group(2))


def test_build_map_marker_data_and_fit(tmp_path):
    pred = _pred(tmp_path, truth=LatLon(50.1, 10.1), error_m=3.0)
    page = _page(None, [pred])
    (data,) = _adds(page)
    assert data == {
        "id": "queries/a<b>.jpg", "lat": 50.125, "lon": 10.25, "truth": [50.1, 10.1], "colour": "#1a9850",
        "radius": 6, "ring": False,  # a filled dot: its top tile holds the truth (webmap.marker_form)
        "popup": webmap.popup_html(pred, None),
        "tooltip": "a&lt;b&gt;.jpg · tile level only · conf 0.700",  # its level (core/levels.py)
        "topk": [[50, 10, 50.25, 10.5, 1, 0.8766], [50, 10.5, 50.25, 11, 2, 0.5]],
    }
    assert _fit(page) == ([[50.125, 10.25], [50.125, 10.25]], {"padding": [20, 20]})
    assert "geoloc.legend(true, false);" in page and "geoloc.drawControl();" not in page
    assert re.search(r"geoloc\.init\(map_[0-9a-f]+\);\ngeoloc\.legend", page)
    # zoom steps of 0.1: a pane a few px shorter must not drop the fit a quarter step (session 15)
    assert '"preferCanvas": false' in page and '"zoomSnap": 0.1' in page and '"zoomDelta": 0.5' in page
    assert '"zoom": 2' in page and "center: [0.0, 0.0]" in page and "L.control.scale()" in page
    assert "tile.openstreetmap.org" not in page and "L.control.layers" not in page
    assert page.count("window.geoloc = (function () {") == 1  # the runtime, in the header
    assert page.count("<style>.geoloc-popup th,.geoloc-popup td{vertical-align:top}"
                      "div.leaflet-container{background:#4a4a4a}"
                      "div.leaflet-control-scale{pointer-events:none}"
                      "div.leaflet-control-scale-line{background:rgba(255,255,255,.5)}</style>") == 1


def test_build_map_without_truth_or_predictions(tmp_path):
    page = _page(None, [_pred(tmp_path)], draw_area=True)
    assert "geoloc.drawControl();\ngeoloc.legend(false, false);" in page
    assert _adds(page)[0]["truth"] is None
    empty = _page(None, [])
    assert "geoloc.legend" not in empty and "geoloc.add(" not in empty and ".fitBounds(" not in empty
    view = _page(None, [], view=Bounds(1, 2, 3, 4))
    assert _fit(view)[0] == [[2, 1], [4, 3]]


def test_build_map_canvas_above_the_threshold(tmp_path, monkeypatch):
    monkeypatch.setattr(webmap, "CANVAS_ABOVE", 1)
    assert '"preferCanvas": false' in _page(None, [_pred(tmp_path)])
    assert '"preferCanvas": true' in _page(None, [_pred(tmp_path)] * 2)


def test_build_map_tileset_overlay_fit_and_view_ignored(tmp_path):
    ts = TileSet((_tile(tmp_path, "a", (255, 0, 0), Bounds(10, 50, 10.5, 50.25)),), tmp_path, attribution="© <Me>")
    pred = _pred(tmp_path)
    page = _page(ts, [pred], view=Bounds(0, 0, 1, 1), online_basemap=True)
    m = re.search(r'L\.imageOverlay\(\s*"([^"]*)",\s*(\[\[.*?\]\]),\s*(\{.*?\})\s*\)', page, re.S)
    assert m.group(1).startswith("data:image/jpeg;base64,")
    assert json.loads(m.group(2)) == [[50, 10], [50.25, 10.5]]
    opts = m.group(3)
    assert '"opacity": 1.0' in opts and '"attribution": "\\u00a9 \\u0026lt;Me\\u0026gt;"' in opts
    assert re.search(r'"Tiles"\s*:\s*image_overlay_', page) and re.search(r'"OpenStreetMap"\s*:\s*tile_layer_', page)
    assert _fit(page)[0] == [[50, 10], [50.25, 10.5]]  # the tile set holds the marker: its bounds
    assert "image-rendering" not in page  # pixelated=False: a downscaled mosaic is smoothed, not blocky
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in page and "OpenStreetMap contributors" in page
    assert "L.control.layers" in page and '"collapsed": true' in page
    no_attr = _page(TileSet(ts.tiles, tmp_path), [])
    assert '"attribution"' not in re.search(r"L\.imageOverlay\((.*?)\);", no_attr, re.S).group(1)


def test_build_map_cached_basemap_and_thumbnails(tmp_path):
    ts = TileSet((_tile(tmp_path, "a", (255, 0, 0), Bounds(10, 50, 10.5, 50.25)),), tmp_path)
    folder = tmp_path / "assets"
    assets = webmap.Assets(folder)
    name = f"basemap_{ts.fingerprint()}_2048_d{webmap.BASEMAP_DRAWING}.jpg"
    calls = []

    def thumb(pred):
        calls.append(pred.query.id)
        return Image.new("RGB", (3, 3), (0, 0, 0))

    pred = _pred(tmp_path)
    page = _page(ts, [pred], assets=assets, thumbnail=thumb)
    from geolocator.core.media.query_image import query_key

    tname = f"thumb_{query_key(pred.query)}.jpg"
    assert sorted(p.name for p in folder.iterdir()) == sorted([name, tname])
    assert (folder / name).resolve().as_uri() in page
    assert calls == [pred.query.id]
    assert f'src=\\"{(folder / tname).resolve().as_uri()}\\"' in page.replace("\\u003c", "<")
    (folder / name).write_bytes(b"cached")  # reused as it is, not redrawn
    _page(ts, [pred], assets=assets, thumbnail=thumb)
    assert (folder / name).read_bytes() == b"cached" and calls == [pred.query.id]
    none = _page(None, [pred], thumbnail=lambda p: None)
    assert "<img" not in _adds(none)[0]["popup"]


def test_build_map_near_the_antimeridian(tmp_path):
    w = _tile(tmp_path, "w", (255, 0, 0), Bounds(179.5, 0, 180, 1))
    e = _tile(tmp_path, "e", (0, 0, 255), Bounds(-180, 0, -179.5, 1))
    ts = TileSet((w, e), tmp_path)
    q = Query("q.jpg", tmp_path / "q.jpg", truth=LatLon(0.5, -179.75))
    pred = Prediction(q, (Match(e, 0.9, 1), Match(w, 0.8, 2)), LatLon(0.5, -179.8), LatLon(0.5, -179.8), 0.9)
    page = _page(ts, [pred])
    (data,) = _adds(page)
    assert data["lon"] == pytest.approx(180.2) and data["truth"] == [0.5, pytest.approx(180.25)]
    assert data["topk"] == [[0, 180, 1, 180.5, 1, 0.9], [0, 179.5, 1, 180, 2, 0.8]]
    m = re.search(r'L\.imageOverlay\(\s*"[^"]*",\s*(\[\[.*?\]\])', page, re.S)
    assert json.loads(m.group(1)) == [[0, 179.5], [1, 180.5]]


def test_build_map_flight_frames_and_track(tmp_path):
    from geolocator.core.sequence import Track, TrackPoint

    pred = _pred(tmp_path, truth=LatLon(50.1, 10.1))
    other = replace(_pred(tmp_path), query=Query("q/b.jpg", tmp_path / "b.jpg"))
    point = TrackPoint(pred.query, 2.25, LatLon(50.2, 10.3), "interpolated", pred.location,
                       footprint=(LatLon(1, 2), LatLon(3, 4), LatLon(5, 6), LatLon(7, 8)))
    lost = TrackPoint(other.query, 4.0, LatLon(50.3, 10.4), "not located", other.location)
    track = Track("flight<1>", (point, lost))
    page = _page(None, [pred, other], tracks=[track, Track("one", (point,))])
    a, b = _adds(page)
    assert (a["lat"], a["lon"], a["status"], a["colour"]) == (50.2, 10.3, "interpolated", "#1a9850")
    # its track position's confidence (None here: not worked out, so its own 0.7), as the list gives it
    assert a["tooltip"] == "a&lt;b&gt;.jpg · t=2.2 s · interpolated · conf 0.700"
    assert a["footprint"] == [[1, 2], [3, 4], [5, 6], [7, 8]]
    assert a["popup"] == webmap.popup_html(pred, None, point)
    assert (b["status"], b["colour"], "footprint" in b) == ("not located", "#9e9e9e", False)
    assert (b["lat"], b["lon"], b["truth"]) == (None, None, None)  # listed, no marker (session 33)
    tracks = [json.loads(t) for t in re.findall(r"geoloc\.track\((\{.*?\})\);\n", page)]
    assert tracks == []  # "not located" is off the line; each track has one placed point
    assert "geoloc.legend(true, false);" in page
    two = TrackPoint(other.query, 4.0, LatLon(50.3, 10.4), "matched", other.location)
    page2 = _page(None, [pred, other], tracks=[Track("f", (point, two))])
    assert [json.loads(t) for t in re.findall(r"geoloc\.track\((\{.*?\})\);\n", page2)] == [
        {"coords": [[50.2, 10.3], [50.3, 10.4]], "tooltip": "f · 2 frames"}]
    # b.jpg (no truth) is now placed: a blue marker beside a.jpg's green one, so both keys
    assert "geoloc.legend(true, true, true);\ngeoloc.add(" in page2
    # the track after its frames (session 33, appuser33): its line over their markers
    assert page2.rindex("geoloc.add(") < page2.index("geoloc.track(")
    assert _fit(page2)[0] == [[50.2, 10.3], [50.3, 10.4]]  # the frames' track positions


def test_write_map_default_assets_folder_and_no_part(tmp_path):
    ts = TileSet((_tile(tmp_path, "a", (255, 0, 0), Bounds(10, 50, 10.5, 50.25)),), tmp_path)
    out = webmap.write_map(tmp_path / "new" / "deep" / "m.x.html", ts, [], thumbnail=None)
    assert out == tmp_path / "new" / "deep" / "m.x.html"
    assert sorted(p.name for p in (tmp_path / "new" / "deep").iterdir()) == ["m.x.html", "m.x_files"]
    assert len(list((tmp_path / "new" / "deep" / "m.x_files").iterdir())) == 1
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and (tmp_path / "new" / "deep" / "m.x_files").resolve().as_uri() in page
    own = webmap.write_map(tmp_path / "n.html", ts, [], thumbnail=None, assets_dir=tmp_path / "own")
    assert (tmp_path / "own").is_dir() and not (tmp_path / "n_files").exists() and own.is_file()


def test_write_map_passes_its_options_on(tmp_path, monkeypatch):
    seen = {}
    real = webmap.build_map

    def spy(tileset, predictions, **kw):
        seen.update(kw)
        return real(tileset, predictions, **kw)

    monkeypatch.setattr(webmap, "build_map", spy)
    token = CancelToken()
    events = []
    thumb = lambda p: None  # noqa: E731
    webmap.write_map(tmp_path / "m.html", None, [], standalone=True, online_basemap=True, thumbnail=thumb,
                     progress=events.append, cancel=token, tracks=[], draw_area=True, view=Bounds(1, 2, 3, 4))
    assert seen["assets"].inline and seen["online_basemap"] is True and seen["thumbnail"] is thumb
    assert seen["progress"] == events.append and seen["cancel"] is token and seen["tracks"] == []
    assert seen["draw_area"] is True and seen["view"] == Bounds(1, 2, 3, 4)
    assert not (tmp_path / "m.html.part").exists()
    webmap.write_map(tmp_path / "d.html", None, [])
    assert seen["online_basemap"] is False and seen["draw_area"] is False and seen["view"] is None
    assert seen["thumbnail"] is webmap.default_thumbnail and seen["tracks"] == []  # smooth([]): no flight
    assert seen["progress"] is None and seen["cancel"] is None and not seen["assets"].inline


def test_build_map_progress_and_cancel(tmp_path):
    events = []
    preds = [_pred(tmp_path), _pred(tmp_path)]
    _page(None, preds, progress=events.append)
    assert [(e.stage, e.step, e.total, e.message) for e in events] == [
        ("map", 1, 2, "placing markers"), ("map", 2, 2, "placing markers")]
    token = CancelToken()
    token.cancel()
    with pytest.raises(Exception) as e:
        _page(None, preds, cancel=token)
    assert type(e.value).__name__ == "Cancelled"


def test_build_map_basemap_progress_and_cancel(tmp_path):
    ts = TileSet((_tile(tmp_path, "a", (255, 0, 0), Bounds(10, 50, 10.5, 50.25)),), tmp_path)
    events = []
    _page(ts, [], progress=events.append)
    assert [(e.step, e.total, e.message) for e in events] == [(1, 1, "drawing the basemap")]
    token = CancelToken()
    token.cancel()
    with pytest.raises(Exception) as e:
        _page(ts, [], cancel=token)
    assert type(e.value).__name__ == "Cancelled"


# -- session 9: the last three survivors of session 8's run (training/results/mutation_web.md) ------
def test_the_online_basemap_credits_openstreetmap_exactly():
    page = _page(None, [], online_basemap=True, thumbnail=None)
    m = re.search(r'L\.tileLayer\(\s*"https://tile\.openstreetmap\.org/\{z\}/\{x\}/\{y\}\.png",\s*\{(.*?)\}\s*\)',
                  page, re.S)
    attribution = re.findall(r'^\s*"attribution": ("(?:[^"\\]|\\.)*"),?$', m.group(1), re.M)
    # OpenStreetMap's tile usage policy asks for "© OpenStreetMap contributors"; &copy; is the HTML entity
    # Leaflet shows as ©. The value is a JSON string (folium escapes & as \u0026, json.loads undoes it)
    assert [json.loads(a) for a in attribution] == ["&copy; OpenStreetMap contributors"]


def test_write_map_writes_utf8_whatever_the_locale(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from .helpers import under_c_locale

    # The page declares charset=UTF-8 (folium's <meta>). Every page build_map makes today is ASCII (JSON is
    # written with \\u escapes, file URIs percent-encoded), so a stand-in page with non-ASCII text checks
    # that write_map itself writes UTF-8, not the locale's encoding (ASCII under the C locale)
    text = '<meta http-equiv="content-type" content="text/html; charset=UTF-8" />Zürich · 50° N'
    root = SimpleNamespace(render=lambda: text)
    monkeypatch.setattr(webmap, "build_map", lambda *a, **kw: SimpleNamespace(get_root=lambda: root))
    out = under_c_locale(lambda: webmap.write_map(tmp_path / "m.html", None, [], tracks=[]))
    assert out.read_bytes() == text.encode("utf-8") and not (tmp_path / "m.html.part").exists()


def test_the_online_basemap_does_not_cap_the_map_zoom_at_18():
    """Bug found by session 9's review of build_map mutant 64 (session 8 had called it equivalent): the OSM
    layer had folium's default maxZoom 18, and Leaflet caps a map that sets no maxZoom at its tile layers'
    deepest maxZoom (leaflet-src.js, Map.getMaxZoom / _updateZoomLevels), so switching the online basemap
    on stopped zooming into a drone tile set at zoom 18 (~0.6 m/px at the equator) and fitted it less closely."""
    page = _page(None, [], online_basemap=True, thumbnail=None)
    opts = re.search(r'L\.tileLayer\(\s*"https://tile\.openstreetmap\.org/\{z\}/\{x\}/\{y\}\.png",\s*\{(.*?)\}\s*\)',
                     page, re.S).group(1)
    zoom = {k: int(v) for k, v in re.findall(r'^\s*"(maxZoom|maxNativeZoom)": (\d+),?$', opts, re.M)}
    # OSM's standard tiles exist for zooms 0-19: deeper views upscale zoom 19 instead of asking for tiles
    # that are not there; a 2 cm/px tile set is zoom 23 (156543 m / 2**23 = 0.019 m/px at the equator)
    assert zoom["maxNativeZoom"] == 19 and zoom["maxZoom"] >= 23
    map_opts = re.search(r"L\.map\(\s*\"map_\w+\",\s*\{(.*?)\}\s*\);", page, re.S).group(1)
    assert "maxZoom" not in map_opts  # the map's own limit is its layers'


def test_legend_keys_blue_markers_beside_green_and_red(tmp_path):
    """newuser session 15: photos with EXIF GPS (green/red) and one without any metadata (blue,
    shaded by confidence) on one map; the legend keyed green/red only, so the blue marker went
    unexplained. Mixed sets now get both keys; a truthless 'not located' photo is grey (its own key)."""
    scored = _pred(tmp_path, truth=LatLon(50.1, 10.1), error_m=3.0)
    unscored = _pred(tmp_path)
    mixed = _page(None, [scored, unscored])
    assert [a["colour"] for a in _adds(mixed)] == ["#1a9850", "#abd9e9"]  # green, light blue (conf 0.7 < 0.9)
    assert "geoloc.legend(true, false, true);" in mixed
    # the runtime draws the blue keys when the third argument says so, labelled as having no truth
    # by level, in the list's and the CLI's words (core/levels.py, session 26; was "unsure" below 0.9)
    assert ("(!withTruth || alsoUnscored ? dot('#2b83ba', null, 8) + noTruth + 'confident (0.9 or more)' + '<br>' + "
            "dot('#6aaed6', null, 6) + noTruth + 'verified but not confident (0.5-0.9)' + '<br>' + "
            "dot('#abd9e9', null, 4) + noTruth + 'weak match or tile level only' : '')") in mixed
    assert "unsure" not in mixed
    assert "var noTruth = alsoUnscored ? 'no truth: ' : '';" in mixed
    assert "'truth (dashed line: error)' + (alsoUnscored ? '<br>' : '')" in mixed  # one key a line
    assert "geoloc.legend(true, false);" in _page(None, [scored, scored])  # all scored: as before
    assert "geoloc.legend(false, false);" in _page(None, [unscored])  # none scored: the blue keys alone
    grey = replace(unscored, status="not located")
    assert "geoloc.legend(true, false);" in _page(None, [scored, grey])
    unsure = _pred(tmp_path, conf=0.3)  # light blue: tile level only
    page = _page(None, [scored, unsure])
    assert [a["colour"] for a in _adds(page)] == ["#1a9850", "#abd9e9"]
    assert "geoloc.legend(true, false, true);" in page
    # a photo verified at 0.7 without truth: mid blue, and its key is drawn beside green and red
    page = _page(None, [scored, _pred(tmp_path, status="verified")])
    assert [a["colour"] for a in _adds(page)] == ["#1a9850", "#6aaed6"]
    assert "geoloc.legend(true, false, true);" in page
    assert "verified but not confident" in _adds(page)[1]["tooltip"]
