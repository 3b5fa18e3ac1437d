"""`locate --out A --out B`: one run writes every file asked for (session 33, newuser33: a mapper wanting a
flight's GPX for the GPS unit and its KML for Google Earth ran `locate` once per format)."""

from __future__ import annotations

import json
import shutil

import pytest

from geolocator import cli

from .demo_features import DEMO, cli_on_demo_features


def test_one_locate_run_writes_each_out_given(tmp_path, monkeypatch, capsys):
    cli_on_demo_features(monkeypatch, tmp_path)
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("q_0001.jpg", "q_0040.jpg"):
        shutil.copy(DEMO / "queries" / name, photos / name)  # the committed features are found by file name
    gpx, kml, csv_, geojson = (tmp_path / f"p.{s}" for s in ("gpx", "kml", "csv", "geojson"))
    assert cli.main(["locate", str(photos), "--tiles", str(DEMO), "--out", str(gpx), "--out", str(kml),
                     "--out", str(csv_), "--out", str(geojson), "--csv-excel", "-q"]) == 0
    assert f"wrote 2 predictions to {gpx}, {kml}, {csv_}, {geojson}: " in capsys.readouterr().out
    assert gpx.read_text(encoding="utf-8").count("<wpt ") == 2
    assert kml.read_text(encoding="utf-8").count("<Placemark") >= 2
    assert csv_.read_bytes().startswith(b"\xef\xbb\xbf")  # --csv-excel reaches the .csv among them
    assert len([f for f in json.loads(geojson.read_text())["features"] if f["geometry"]["type"] == "Point"]) == 2


def test_any_out_with_an_unknown_suffix_is_refused_before_the_work(tmp_path, monkeypatch, capsys):
    # before, the last --out replaced the others: a wrong first one was dropped without a word
    cli_on_demo_features(monkeypatch, tmp_path)
    bad, ok = tmp_path / "p.txt", tmp_path / "p.gpx"
    assert cli.main(["locate", str(DEMO / "queries" / "q_0001.jpg"), "--tiles", str(DEMO), "--out", str(bad),
                     "--out", str(ok), "-q"]) == 2
    assert "p.txt" in capsys.readouterr().err and not ok.exists()


@pytest.mark.slow  # the demo's features, verification of two photos: ~13 s
def test_a_gpx_given_after_another_out_still_names_the_photos_it_leaves_out(tmp_path, monkeypatch, capsys):
    """Session 33 (appuser33): `--out p.csv --out p.gpx` wrote the GPX without its not-located photo, and
    the line naming it was printed only when the GPX was the first --out."""
    from PIL import Image

    cli_on_demo_features(monkeypatch, tmp_path)
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copy(DEMO / "queries" / "q_0001.jpg", photos / "q_0001.jpg")
    # a lens-cap frame under a demo photo's name (its committed features are found by name): blank, not located
    Image.new("RGB", (640, 480), (0, 0, 0)).save(photos / "q_0040.jpg")
    csv_, gpx = tmp_path / "p.csv", tmp_path / "p.gpx"
    assert cli.main(["locate", str(photos), "--tiles", str(DEMO), "--out", str(csv_), "--out", str(gpx), "-q"]) == 0
    out = capsys.readouterr().out
    # session 34: the count line counts what each file holds and names what the GPX left out, in one breath
    # (before: "wrote 2 predictions to p.csv, p.gpx", the GPX holding 1, the note on stderr after it)
    assert f"wrote 2 predictions to {csv_} and 1 of 2 to {gpx} (1 not located, so left out: q_0040.jpg): " in out
    assert gpx.read_text(encoding="utf-8").count("<wpt ") == 1
