"""`geolocator cache` (a subcommand since session 17) shadows a tile folder named `cache` given first
(`geolocator cache photos/` meant the app on the folder `cache` with the photos): the command ran, or
argparse said "unrecognized arguments: photos/", and nothing said why. The command still wins (a
subcommand must stay a subcommand wherever it is typed), and a note now says how to open the path
(`./cache`; `cache/` as shell completion writes it is no command either). Before the fix: no note."""

from __future__ import annotations

import pytest

from geolocator.__main__ import main
from geolocator.cli import command_names


def test_a_folder_named_like_a_command_is_said_and_the_way_to_open_it_given(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["cache", "--cache-dir", str(tmp_path / "features")]) == 0
    assert "is read as the command" not in capsys.readouterr().err  # no such folder here: no note
    (tmp_path / "cache").mkdir()
    assert main(["cache", "--cache-dir", str(tmp_path / "features")]) == 0
    err = capsys.readouterr().err
    assert ("geolocator: 'cache' is read as the command 'geolocator cache', not as the folder cache here; "
            "to open the folder in the app, write: geolocator ./cache") in err
    with pytest.raises(SystemExit) as exited:  # the photos after it: argparse refuses them, after the note
        main(["cache", "photos/"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.index("is read as the command") < err.index("unrecognized arguments: photos/")
    # the ways the note gives (and shell completion's `cache/`) are paths, not commands: the app opens them
    assert not {"./cache", "cache/"} & command_names()

