"""Session 35 (newuser35): Ctrl-C in `locate photos/ --out p.geojson --out p.kml` while the tiles' features
were computed said "interrupted: p.geojson was not written; photos already verified are kept…": the KML was
not named, and what the rerun would find (tile features, kept a chunk at a time) was not said."""

from __future__ import annotations

from pathlib import Path

from geolocator import cli

DEMO = Path(__file__).parents[1] / "resources" / "demo"


def _interrupt(monkeypatch, argv, capsys) -> str:
    import geolocator.core.extract  # noqa: F401 - loaded, as it is once a run reaches the tiles' features

    monkeypatch.setattr(cli, "_workspace", lambda args: (_ for _ in ()).throw(KeyboardInterrupt))
    monkeypatch.setattr(cli, "cmd_index", lambda args: (_ for _ in ()).throw(KeyboardInterrupt))
    assert cli.main(argv) == 130
    return capsys.readouterr().err.splitlines()[-1]


def test_ctrl_c_in_locate_names_every_out_and_what_the_cache_keeps(tmp_path, monkeypatch, capsys):
    gj, kml = tmp_path / "p.geojson", tmp_path / "p.kml"
    argv = ["locate", str(DEMO / "queries" / "q_0002.jpg"), "--tiles", str(DEMO / "tiles.csv"), "-q",
            "--out", str(gj), "--out", str(kml)]
    kept = ("kept in the cache folder (when writable): the tile features computed so far, and each photo "
            "once verified: the same command resumes from them")
    assert _interrupt(monkeypatch, argv, capsys) == f"interrupted: {gj}, {kml} were not written; {kept}"
    kml.write_text("earlier run")
    assert _interrupt(monkeypatch, argv, capsys) == (f"interrupted: {gj}, {kml} were not written "
                                                     f"(the earlier {kml} is as it was); {kept}")
    assert kml.read_text() == "earlier run"
    gj.write_text("earlier run")
    assert _interrupt(monkeypatch, argv, capsys) == (f"interrupted: {gj}, {kml} were not written "
                                                     f"(the earlier {gj}, {kml} are as they were); {kept}")


def test_ctrl_c_in_index_says_the_tile_features_are_kept(tmp_path, monkeypatch, capsys):
    # flushcancel35: every tile finished before the stop is kept (it said "512 tiles at a time" before)
    line = _interrupt(monkeypatch, ["index", str(DEMO / "tiles.csv"), "-q"], capsys)
    assert line == ("interrupted; the tile features computed so far are kept in the cache folder (when writable): "
                    "the same command resumes")
