"""Session 35 (newuser35), a coordinator fetching imagery from a tile server on 127.0.0.1:
- a folder fetch-tiles wrote was read back with "the row order is not stated … and cannot be checked"
  (its metadata.json said nothing of the rows fetch-tiles itself had written);
- `${z}/${x}/${y}` (OpenLayers 2's form) was accepted, and every tile came back 404 with only "check the
  area, or try another --zoom"; braces URL-encoded by a browser (%7Bz%7D) read "the template needs {z}…";
- every tile 404: the message now shows one URL that was asked for and names the template too."""

from __future__ import annotations

import json
import logging

import pytest

from geolocator.cli import main
from geolocator.core.sources import fetch as F

from .tile_packages import demo_mosaic, demo_pyramid
from .tile_server import TileServer

FAST = dict(backoff_s=0.01, max_wait_s=2.0, timeout_s=10.0, concurrency=2)


@pytest.fixture(scope="module")
def tiles():
    return demo_pyramid(zooms=(19,))


def test_a_fetched_folder_says_its_rows_and_is_read_back_without_a_row_order_warning(tmp_path, tiles, caplog):
    from geolocator.core.tilesets import load_tileset

    out = tmp_path / "area"
    with TileServer(tiles) as server:
        report = F.fetch_tiles(F.parse_template(server.url, attribution="Test"), sorted(tiles), out, **FAST)
    assert report.fetched == len(tiles)
    assert json.loads((out / "metadata.json").read_text(encoding="utf-8"))["scheme"] == "xyz"
    with caplog.at_level(logging.INFO, logger="geolocator"):
        tileset = load_tileset(out)
    assert len(tileset.tiles) == len(tiles)
    said = [r.getMessage() for r in caplog.records if "row order" in r.getMessage()]
    assert not said, said


def test_a_scheme_an_earlier_file_stated_is_kept(tmp_path, tiles):
    out = tmp_path / "area"
    out.mkdir()
    (out / "metadata.json").write_text(json.dumps({"scheme": "tms", "name": "mine"}), encoding="utf-8")
    key = sorted(tiles)[0]
    with TileServer(tiles) as server:
        F.fetch_tiles(F.parse_template(server.url, attribution="Test"), [key], out, **FAST)
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["scheme"] == "tms" and meta["name"] == "mine" and meta["attribution"] == "Test"


@pytest.mark.parametrize("url, words", [
    ("http://127.0.0.1:9/${z}/${x}/${y}.jpg", 'write {z}, {x}, {y} without the "$"'),
    ("http://127.0.0.1:9/tiles/${z}/{x}/{y}.png", 'write {z} without the "$"'),
    ("http://127.0.0.1:9/%7Bz%7D/%7Bx%7D/%7By%7D.jpg", "its braces are URL-encoded (%7B, %7D)"),
    ("http://127.0.0.1:9/{z}/%7bx%7d/{y}.jpg", "its braces are URL-encoded (%7B, %7D)"),
])
def test_a_template_in_another_programs_form_is_refused_naming_it(url, words):
    with pytest.raises(F.FetchError) as err:
        F.parse_template(url)
    assert str(err.value).startswith(repr(url)) and words in str(err.value)


def test_other_dollar_signs_and_plain_templates_are_still_taken():
    assert F.parse_template("http://h/{z}/{x}/{y}.jpg?price=$5").url == "http://h/{z}/{x}/{y}.jpg?price=$5"
    with pytest.raises(F.FetchError, match=r"unknown placeholder\(s\) \{KEY\}"):
        F.parse_template("http://h/{z}/{x}/{y}.jpg?k=${KEY}")  # not one of ours: said as before


def test_cli_every_tile_404_shows_a_url_asked_for_and_names_the_template(tmp_path, tiles, capsys):
    _, area = demo_mosaic()
    out = tmp_path / "area.mbtiles"
    with TileServer(tiles) as server:  # holds tiles at z/x/y.jpg; the template swaps x and y
        swapped = server.url.replace("{x}/{y}", "{y}/{x}")
        rc = main(["fetch-tiles", swapped, f"--bbox={area.west},{area.south},{area.east},{area.north}",
                   "--zoom", "19", "--out", str(out), "--quiet", "--attribution", "Test"])
        asked = {path for path, _, _ in server.log}
    err = capsys.readouterr().err
    assert rc == 2 and not out.exists()
    last = err.strip().splitlines()[-1]
    z, x, y = F.tiles_for_bbox(area, 19)[0]
    example = swapped.format(z=z, x=x, y=y)
    assert f"every tile was missing on the server (404; e.g. {example}):" in last, last
    assert any(example.endswith(path) for path in asked), asked  # a URL the server was really asked for
    assert last.endswith("or the URL template (the order of {z}, {x}, {y}; the extension)"), last


def test_a_server_answering_every_tile_with_an_error_is_stopped_after_a_few(tmp_path, tiles):
    """A server answering 500 to everything took 140 s for 36 tiles (6 attempts with backoff each) and
    then said only "no tile could be fetched": hours on a large area. It stops after STOP_AFTER_ERRORS."""
    keys = sorted(tiles)
    assert len(keys) > 2 * F.STOP_AFTER_ERRORS
    out = tmp_path / "area.mbtiles"
    with TileServer(tiles, {t: [(500, {}, b"boom")] * 10 for t in keys}) as server:
        with pytest.raises(F.FetchError) as err:
            F.fetch_tiles(F.parse_template(server.url, attribution="Test"), keys, out, retries=2, **FAST)
        asked = len(server.log)
    text = str(err.value)
    assert text.startswith(f"127.0.0.1:{server.httpd.server_address[1]}: the server answered the first "
                           f"{F.STOP_AFTER_ERRORS} tiles only with errors (HTTP 500 after 3 attempts); stopped"), text
    assert server.url in text and f"({out} was not created)" in text and not out.exists()
    # the tiles that failed, and those in flight then: far from every tile's 3 attempts
    assert asked <= (F.STOP_AFTER_ERRORS + FAST["concurrency"]) * 3 < len(keys) * 3, asked


def test_errors_after_a_tile_came_do_not_stop_the_fetch(tmp_path, tiles):
    """A service that answered with a tile works: tiles it then answers with errors (no imagery there, a
    passing fault) are counted as failed, to be asked again by a rerun, and the fetch goes on."""
    keys = sorted(tiles)
    out = tmp_path / "area.mbtiles"
    with TileServer(tiles, {t: [(500, {}, b"boom")] * 3 for t in keys[1:]}) as server:
        report = F.fetch_tiles(F.parse_template(server.url, attribution="Test"), keys, out, retries=2,
                               **{**FAST, "concurrency": 1})  # one at a time: the first tile comes first
    assert report.fetched == 1 and len(report.failed) == len(keys) - 1
