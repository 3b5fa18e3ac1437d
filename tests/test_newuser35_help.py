"""Session 35 (newuser35): `geolocator index|locate|eval|adapt|eval-u1652 --help` went from the usage line
straight to the flags: nothing said what goes in, what comes out or how long it takes. Each command's help
now opens with that."""

from __future__ import annotations

import argparse

import pytest

from geolocator.cli import build_parser


def _commands():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


@pytest.mark.parametrize("name", ["index", "locate", "eval", "adapt", "eval-u1652", "fetch-tiles"])
def test_each_command_help_says_what_goes_in_what_comes_out_and_how_long(name):
    text = " ".join(_commands()[name].format_help().split())
    head = text.split(" positional arguments:")[0]  # before the flags
    for word in ("In:", "Out:", "Time:"):
        assert word in head, (name, word, head)


def test_locate_help_names_its_outputs_and_that_it_resumes():
    head = " ".join(_commands()["locate"].format_help().split()).split(" positional arguments:")[0]
    for phrase in (".geojson, .csv, .kml or .gpx", "one line a photo on stdout", "the same command resumes",
                   "no network needed"):
        assert phrase in head, phrase


def test_index_help_says_ctrl_c_keeps_every_tile_done():
    """Since flushcancel35 a stopped pass commits every tile it finished: the help no longer says the store
    keeps them a chunk (STORE_CHUNK tiles) at a time, which it said when newuser35 wrote it."""
    from geolocator.core.extract import STORE_CHUNK

    head = " ".join(_commands()["index"].format_help().split())
    assert "Ctrl-C keeps every tile done and the same command resumes" in head
    assert f"{STORE_CHUNK} at a time" not in head
