"""The offline map page: no external reference, escaped names, one registered marker per prediction."""

import json
import re
from pathlib import Path

import pytest
from PIL import Image

from geolocator.core.model import Bounds, Match, Prediction, Query, Tile, TileSet
from geolocator.core import webmap

EVIL = "<img src=x onerror=alert(1)>${alert(2)}`{{ 7*7 }}.jpg"  # HTML, JS template literal, Jinja


def _tileset(tmp_path: Path) -> TileSet:
    tiles = []
    for i in range(2):
        for j in range(2):
            p = tmp_path / f"t{i}{j}.png"
            Image.new("RGB", (64, 64), (60 * i, 60 * j, 120)).save(p)
            b = Bounds(10 + 0.01 * j, 50 + 0.01 * i, 10 + 0.01 * (j + 1), 50 + 0.01 * (i + 1))
            tiles.append(Tile(f"tiles/{p.name}", p, b))
    return TileSet(tuple(tiles), tmp_path)


def _predictions(tmp_path: Path, ts: TileSet) -> list[Prediction]:
    preds = []
    for n, name in enumerate(["a.jpg", EVIL]):
        p = tmp_path / name
        Image.new("RGB", (100, 80), (200, 10 * n, 0)).save(p, "JPEG")
        truth = ts.tiles[0].center if n == 0 else None
        q = Query(f"queries/{name}", p, truth=truth)
        matches = tuple(Match(t, 0.9 - 0.1 * r, r + 1) for r, t in enumerate(ts.tiles[n:n + 3]))
        loc = matches[0].tile.center
        preds.append(Prediction(q, matches, loc, loc, 0.7, error_m=0.0 if truth else None))
    return preds


def _externals(page: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["'](?!file:|data:)([^"']+)""", page)


def test_page_is_offline_and_registers_every_marker(tmp_path):
    ts = _tileset(tmp_path)
    preds = _predictions(tmp_path, ts)
    out = webmap.write_map(tmp_path / "map" / "index.html", ts, preds)
    page = out.read_text()
    assert "http://" not in page and "https://" not in page
    assert _externals(page) == []
    assert page.count("geoloc.add(") == len(preds)
    assert (tmp_path / "map" / "index_files").is_dir()
    assert len(page) < 200_000  # images are linked, not embedded


def test_names_are_escaped_everywhere(tmp_path):
    ts = _tileset(tmp_path)
    preds = _predictions(tmp_path, ts)
    page = webmap.write_map(tmp_path / "m.html", ts, preds).read_text()
    assert "<img src=x" not in page  # JSON in the page spells < as \u003c
    data = [json.loads(m) for m in re.findall(r"geoloc\.add\((\{.*?\})\);\n", page)]
    assert len(data) == 2
    evil = data[1]
    assert evil["id"] == "queries/" + EVIL  # the id itself travels as JSON data, intact (no Jinja evaluation)
    assert data[0]["truth"] == [pytest.approx(ts.tiles[0].center.lat), pytest.approx(ts.tiles[0].center.lon)]
    assert evil["truth"] is None  # no truth: no line to draw
    assert "&lt;img src=x onerror=alert(1)&gt;" in evil["popup"]
    assert "<img src=x" not in evil["tooltip"]
    # folium writes HTML into JS template literals: ${...} and backticks must not survive there
    for text in (evil["popup"], evil["tooltip"]):
        assert "${" not in text and "`" not in text


def test_standalone_embeds_everything(tmp_path):
    ts = _tileset(tmp_path)
    preds = _predictions(tmp_path, ts)
    out = webmap.write_map(tmp_path / "export.html", ts, preds, standalone=True)
    page = out.read_text()
    assert "file://" not in page and "https://" not in page
    assert _externals(page) == []
    assert "data:text/javascript;base64," in page
    assert not (tmp_path / "export_files").exists()


def test_online_basemap_only_when_asked(tmp_path):
    ts = _tileset(tmp_path)
    page = webmap.write_map(tmp_path / "o.html", ts, [], online_basemap=True).read_text()
    assert webmap.ONLINE_BASEMAP_HOST in page


def test_basemap_keeps_ground_aspect_and_draws_tiles(tmp_path):
    ts = _tileset(tmp_path)
    img = webmap.render_basemap(ts, max_px=200)
    w, h = img.size
    assert h == 200 and 120 < w < 140  # 0.02 x 0.02 deg at 50 N: cos(50) narrower east-west on the ground
    # the top-left quadrant is the northern-western tile t10 (red channel 60)
    assert img.getpixel((10, 10))[0] == 60 and img.getpixel((10, h - 10))[0] == 0


def test_missing_tile_does_not_break_the_map(tmp_path):
    ts = _tileset(tmp_path)
    ts.tiles[0].path.unlink()
    img = webmap.render_basemap(ts, max_px=64)
    assert max(img.size) == 64


def test_not_located_photo_is_grey_with_its_own_legend_entry(tmp_path):
    from dataclasses import replace

    ts = _tileset(tmp_path)
    preds = _predictions(tmp_path, ts)
    blank = replace(preds[1], status="not located", confidence=0.0, note="blank frame")
    assert webmap.marker_colour(blank) == webmap.NOT_LOCATED_COLOUR
    assert webmap.marker_colour(replace(preds[0], status="not located")) == webmap.NOT_LOCATED_COLOUR  # even with truth
    assert webmap.marker_colour(preds[1]) != webmap.NOT_LOCATED_COLOUR
    page = webmap.write_map(tmp_path / "m.html", ts, [preds[0], blank]).read_text()
    assert "not located (nothing to match)" in page  # the legend
    assert "blank frame" in webmap.popup_html(blank, None) and "not located" in webmap.popup_html(blank, None)


def test_marker_sits_at_the_best_estimate(tmp_path):
    from dataclasses import replace

    from geolocator.core.model import LatLon

    ts = _tileset(tmp_path)
    pred = _predictions(tmp_path, ts)[0]
    refined = LatLon(pred.location.lat + 0.001, pred.location.lon - 0.002)
    pred = replace(pred, location=refined, location_source="homography")
    page = webmap.write_map(tmp_path / "m.html", ts, [pred]).read_text()
    data = json.loads(re.search(r"geoloc\.add\((\{.*?\})\);", page).group(1))
    assert (data["lat"], data["lon"]) == (refined.lat, refined.lon)


def test_large_sets_basemap_decodes_small_and_reports_a_few_hundred_events(tmp_path):
    """Issue 14 (100,000 tiles): one progress event per tile flooded the UI thread with queued
    signals; tiles a few pixels wide in the mosaic decode at a reduced JPEG scale and still paint."""
    src = tmp_path / "t.jpg"
    Image.new("RGB", (256, 256), (30, 160, 90)).save(src, "JPEG", quality=95)
    tiles = [Tile(f"t{r}_{c}", src, Bounds(10 + 0.001 * c, 50 - 0.001 * (r + 1), 10 + 0.001 * (c + 1), 50 - 0.001 * r))
             for r in range(30) for c in range(30)]
    events = []
    canvas = webmap.render_basemap(TileSet(tuple(tiles), tmp_path), max_px=300, progress=events.append)
    assert 1 <= len(events) <= 201 and events[-1].step == events[-1].total == 900
    px = canvas.load()
    for x, y in ((3, 3), (150, 150), (canvas.width - 4, canvas.height - 4)):
        assert abs(px[x, y][1] - 160) < 12 and px[x, y][0] < 60, px[x, y]  # the tiles' colour, no grey gaps


def test_thinned_progress_passes_a_few_hundred_events_and_always_the_last():
    """One throttle serves every long loop (the basemap and the markers had their own copies)."""
    from geolocator.core.progress import ProgressEvent, thinned

    assert thinned(None, 10) is None
    for total in (1, 7, 200, 201, 1000, 100_003):
        seen = []
        forward = thinned(seen.append, total)
        for step in range(1, total + 1):
            forward(ProgressEvent("map", step, total))
        assert 1 <= len(seen) <= 201 and seen[-1].step == total
        assert len(seen) == total if total <= 200 else len(seen) >= 100  # small stages: every step


def test_many_photos_are_drawn_on_a_canvas(tmp_path):
    ts = _tileset(tmp_path)
    preds = _predictions(tmp_path, ts)
    few = webmap.build_map(ts, preds, assets=webmap.Assets(tmp_path / "a")).get_root().render()
    many_preds = [p for _ in range(webmap.CANVAS_ABOVE // 2 + 1) for p in preds]
    many = webmap.build_map(ts, many_preds, assets=webmap.Assets(tmp_path / "b")).get_root().render()
    assert '"preferCanvas": false' in few and '"preferCanvas": true' in many


def test_a_marker_s_level_and_a_miss_are_told_apart_by_more_than_colour(tmp_path):
    """appwalk37: a reader who does not tell the colours apart (red-green colour blindness, about one man
    in twelve) could not tell on the map a photo whose top tile misses its truth (red) from one that holds
    it (green), nor the three levels' blues; every marker was a 6 px dot. Now the levels differ in size
    (the surer, the larger) and a miss is a ring; the legend draws each key as its marker is drawn, and a
    marker selected once gets its own size and edge back (the highlight reset them to a white 6 px dot)."""
    from dataclasses import replace

    from geolocator.core.model import LatLon

    ts = _tileset(tmp_path)
    hit, unscored = _predictions(tmp_path, ts)
    miss = replace(hit, query=replace(hit.query, truth=LatLon(50.015, 10.015)))  # in another tile than the top one
    forms = [webmap.marker_form(p) for p in (hit, miss)]
    assert forms[0]["ring"] is False and forms[1]["ring"] is True and forms[0]["radius"] == forms[1]["radius"]
    confident = replace(unscored, status="verified", confidence=0.95)
    not_confident = replace(unscored, status="verified", confidence=0.7)
    radii = [webmap.marker_form(p)["radius"] for p in (confident, not_confident, unscored)]  # unscored: tile level only
    assert radii[0] > radii[1] > radii[2]
    page = webmap.write_map(tmp_path / "m.html", ts, [hit, miss, confident, not_confident, unscored]).read_text()
    adds = [json.loads(a) for a in re.findall(r"geoloc\.add\((\{.*?\})\);", page)]
    assert [(a["radius"], a["ring"]) for a in adds] == [(6, False), (6, True), (radii[0], False), (radii[1], False),
                                                        (radii[2], False)]
    assert "if (d.ring) {" in page and "radius: d.radius || base.radius" in page  # the runtime draws them
    assert "', null, 6, true) + 'top tile misses it<br>'" in page  # its key a ring too
    assert "old.setStyle(old.options.geolocRest ||" in page
