"""`geolocator COMMAND --help` says what every argument is: `eval REGION` and `adapt REGION`,
`--seed`, `--batch-size`, `eval-u1652 --adapt-on/--json` showed a bare name; fetch-tiles' numeric
options said nothing of their defaults and --zoom's default ignored the photos' footprint."""

from __future__ import annotations

import argparse

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
