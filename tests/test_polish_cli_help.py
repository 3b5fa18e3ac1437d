"""`geolocator COMMAND --help` says what every argument is: `eval REGION` and `adapt REGION`,
`--seed`, `--batch-size`, `eval-u1652 --adapt-on/--json` showed a bare name; fetch-tiles' numeric
options said nothing of their defaults and --zoom's default ignored the photos' footprint."""

from __future__ import annotations

import argparse

import pytest

from geolocator.cli import build_parser


def _commands():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


def test_every_argument_of_every_command_has_a_help_text():
    bare = [f"{name} {a.option_strings[-1] if a.option_strings else a.dest}"
            for name, p in _commands().items() for a in p._actions
            if not isinstance(a, argparse._HelpAction) and a.help != argparse.SUPPRESS and not (a.help or "").strip()]
    assert bare == []


def test_fetch_tiles_help_gives_the_defaults_a_user_would_otherwise_guess(capsys):
    text = " ".join(_commands()["fetch-tiles"].format_help().split())
    for phrase in ("default 250", "default 10,000", "default 4", "default 5", "photos' footprint"):
        assert phrase in text, phrase


def test_help_of_region_commands_says_what_a_region_is():
    for name in ("eval", "adapt"):
        text = " ".join(_commands()[name].format_help().split())
        assert "tiles.csv" in text and "truth.csv" in text, name


def test_help_names_every_tile_set_format_and_crs_form_the_readme_does():
    """newuser session 15: `index --help` listed no tile package, though `geolocator index
    area.mbtiles` indexes one (docs/inputs.md: every command reads .mbtiles/.pmtiles/.gpkg); --epsg named
    WKT but not the PROJ string docs/inputs.md offers, nor a GeoTIFF without a CRS, which it also serves."""
    text = " ".join(_commands()["index"].format_help().split())
    for fmt in (".mbtiles", ".pmtiles", ".gpkg", "GeoTIFF", "tiles.csv"):
        assert fmt in text, fmt
    for name in ("index", "locate", "eval", "adapt"):
        epsg = " ".join(_commands()[name].format_help().split())
        assert "PROJ string" in epsg and "GeoTIFF that has none" in epsg, name


@pytest.mark.parametrize("argv", [
    ["locate", "q.jpg", "--tiles", "t", "--top-k", "0"],  # was an IndexError traceback after the whole work
    ["eval", "region", "--top-k", "-1"],
    ["locate", "q.jpg", "--tiles", "t", "--verify-candidates", "0"],
    ["index", "t", "--batch-size", "0"],
    ["adapt", "region", "--steps", "0"],
    ["locate", "q", "--tiles", "t", "--verify-widen", "-2"],
    ["fetch-tiles", "http://127.0.0.1:9/{z}/{x}/{y}.png", "--bbox=1,2,3,4", "--out", "o", "--concurrency", "0"],
    ["fetch-tiles", "http://127.0.0.1:9/{z}/{x}/{y}.png", "--bbox=1,2,3,4", "--out", "o", "--max-tiles", "0"],
    ["fetch-tiles", "http://127.0.0.1:9/{z}/{x}/{y}.png", "--bbox=1,2,3,4", "--out", "o", "--retries", "-1"],
    ["locate", "q.jpg", "--tiles", "t", "--max-speed", "0"],
])
def test_counts_out_of_range_are_refused_by_name_before_any_work(argv, capsys):
    from geolocator.cli import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    option = next(a for a in argv if a.startswith("--") and a not in ("--tiles", "--out") and "=" not in a)
    assert exc.value.code == 2 and f"argument {option}" in err and "Traceback" not in err, err
    assert "must be" in err, err


def test_messages_put_their_nouns_in_the_right_number(tmp_path):
    """"none of the 1 query file(s) could be read", "1 truth point(s) lie far ...", "1 other file(s)"."""
    from pathlib import Path

    from geolocator.core.errors import InputError
    from geolocator.core.evaluate import scored_queries
    from geolocator.core.model import LatLon, Query, TileSet
    from geolocator.core.queries import load_queries

    from .helpers import grid_tiles

    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match=r"it holds 1 other file, e\.g\. notes\.txt"):
        load_queries(tmp_path)
    bad = tmp_path / "bad.jpg"
    bad.write_text("not a photo")
    with pytest.raises(InputError, match="the only query file could not be read"):
        load_queries([bad])
    two = tmp_path / "two.jpg"
    two.write_text("not a photo either")
    with pytest.raises(InputError, match="none of the 2 query files could be read"):
        load_queries([bad, two])
    tiles = TileSet(tuple(grid_tiles(2, 2)), Path("."))
    far = Query("far.jpg", Path("far.jpg"), truth=LatLon(48.0, 2.0))
    assert "1 truth point lies far outside the tiles and was ignored" in scored_queries([far], tiles)[1]
    two_far = [far, Query("b.jpg", Path("b.jpg"), truth=LatLon(48.0, 2.0))]
    assert "2 truth points lie far outside the tiles and were ignored" in scored_queries(two_far, tiles)[1]
    assert "(s)" not in scored_queries(two_far, tiles)[1]


def test_the_command_list_says_eval_takes_photos_with_gps_and_only_scores_with_it(capsys):
    """Session 34 (newuser34): `geolocator --help` said eval scores "a region's drone images … against its
    truth", so an inspector with photos carrying GPS and an orthophoto did not see it was for them."""
    from geolocator.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "photos with GPS (--tiles)" in text and "used only to score" in text
