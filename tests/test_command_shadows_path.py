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



def test_the_app_takes_a_geopackage_table_as_gdal_names_it(tmp_path, monkeypatch, capsys):
    """Input (trial37): `geolocator 'GPKG:two.gpkg:ortho 2024' photos/`, the name the several-tables warning
    and docs/inputs.md offer for the app's command line. Before: "'GPKG:…' is not a command and no such file
    or folder exists", exit 2, no window. Now the app is started with it; a table of a missing file is
    still refused by name."""
    import geolocator.gui.app as app

    started = []
    monkeypatch.setattr(app, "main", lambda argv: started.append(argv) or 0)
    (tmp_path / "two.gpkg").write_bytes(b"")
    (tmp_path / "photos").mkdir()
    given = [f"GPKG:{tmp_path / 'two.gpkg'}:ortho 2024", str(tmp_path / "photos")]
    assert main(given) == 0
    assert started == [given]
    assert main([f"GPKG:{tmp_path / 'gone.gpkg'}:ortho 2024"]) == 2
    assert f"'GPKG:{tmp_path / 'gone.gpkg'}:ortho 2024' is not a command" in capsys.readouterr().err
    assert len(started) == 1


def test_sigterm_ends_any_command_with_130_as_ctrl_c_does(tmp_path):
    """Input (trial37): `kill PID` (SIGTERM) of a running `geolocator locate`. Before: the process vanished with
    status 143 and no line, though docs/command-line.md says 130 after Ctrl-C or SIGTERM (only fetch-tiles
    caught it). A command that signals itself stands in for the long run (a subprocess: without the fix the
    signal ends the process)."""
    import subprocess
    import sys

    code = ("import os, signal, sys, time\n"
            "from geolocator import cli\n"
            "def slow(args):\n"
            "    os.kill(os.getpid(), signal.SIGTERM)\n"
            "    time.sleep(20)\n"
            "    return 0\n"
            "cli.cmd_cache = slow\n"
            f"sys.exit(cli.main(['cache', '--cache-dir', {str(tmp_path)!r}]))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
