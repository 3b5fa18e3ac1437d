"""The CSV flavour for Excel in a comma-decimal locale (session 29, names29; core/csv_excel.py): a German,
French or Dutch Excel opened our plain CSV in one column (its list separator is `;`), read `46.5` as text
or a date (its decimal mark is `,`) and "Übung März" as "Ãœbung MÃ¤rz" (no byte order mark: the ANSI code
page). `locate --csv-excel` and the app's "CSV for Excel" choice write UTF-8 with a BOM, `;` and decimal
commas; the plain CSV stays as GIS tools read it. Read back with Python's csv module."""

from __future__ import annotations

import csv
import io
import shutil

import pytest

from geolocator import cli

from .demo_features import DEMO, cli_on_demo_features


def _photos(tmp_path):
    folder = tmp_path / "Übung März"
    folder.mkdir()
    for name in ("q_0001.jpg", "q_0040.jpg"):
        shutil.copy(DEMO / "queries" / name, folder / name)  # the committed features are found by file name
    return tmp_path


def test_locate_csv_excel_writes_bom_semicolons_and_decimal_commas_with_the_plain_csvs_figures(tmp_path, monkeypatch):
    cli_on_demo_features(monkeypatch, tmp_path)
    photos = _photos(tmp_path)
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    assert cli.main(["locate", str(photos), "--tiles", str(DEMO), "--out", str(plain), "-q"]) == 0
    assert cli.main(["locate", str(photos), "--tiles", str(DEMO), "--out", str(excel), "--csv-excel", "-q"]) == 0

    raw = excel.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte order mark Excel recognises
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    want = list(csv.DictReader(io.StringIO(plain.read_text(encoding="utf-8"))))
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")  # the default CSV is as it was
    assert [list(r) for r in rows] == [list(r) for r in want]  # the same columns, in the same order
    assert sorted(r["query"] for r in rows) == ["Übung März/q_0001.jpg", "Übung März/q_0040.jpg"]
    for got, expected in zip(rows, want):
        for column in ("lat", "lon", "confidence", "score", "radius_m", "tile_center_lat"):
            assert "." not in got[column] and "," in got[column], column  # a decimal comma, not a point
            assert float(got[column].replace(",", ".")) == float(expected[column])
        for column in ("query", "tile", "status", "mgrs", "utm", "level", "attribution", "width"):
            assert got[column] == expected[column], column  # text (and whole numbers) as they are


def test_csv_excel_needs_a_csv_out_and_says_so_before_the_work(tmp_path, monkeypatch, capsys):
    made = cli_on_demo_features(monkeypatch, tmp_path)
    out = tmp_path / "p.geojson"
    assert cli.main(["locate", str(DEMO / "queries" / "q_0001.jpg"), "--tiles", str(DEMO), "--out", str(out),
                     "--csv-excel", "-q"]) == 2
    assert made == [] and not out.exists()
    assert f"--csv-excel writes the .csv --out for Excel, and --out is {out}: name a .csv file" in capsys.readouterr().err


@pytest.mark.parametrize("value, cell", [(46.5, "46,5"), (-115.2334185, "-115,2334185"), (1.5e-05, "1,5e-05"),
                                         (384, 384), (True, True), ("11S PA 58939 01125", "11S PA 58939 01125"),
                                         ("2026-05-27T13:14:22", "2026-05-27T13:14:22"), ("", "")])
def test_excel_cells_give_numbers_a_decimal_comma_and_leave_text_alone(value, cell):
    from geolocator.core.csv_excel import excel_cell

    assert excel_cell(value) == cell


def test_the_apps_export_writes_the_excel_flavour_when_it_is_chosen(qtbot, tmp_path):
    from geolocator.core.exports import EXCEL_CSV_FILTER, dialog_filters, with_suffix_of

    from .test_gui_first_hour import wait_idle
    from .test_geotags_wiring import _located_window

    assert EXCEL_CSV_FILTER in dialog_filters() and with_suffix_of(tmp_path / "p", EXCEL_CSV_FILTER).suffix == ".csv"
    from .demo_features import load_demo_features as features

    w, _ = _located_window(qtbot, tmp_path, features(), 2)
    excel, plain = tmp_path / "Ergebnis Übung.csv", tmp_path / "plain.csv"
    w.export_predictions(excel, csv_excel=True)
    wait_idle(qtbot, w)
    assert w.message_bar.text == f"Saved 2 predictions to {excel} for Excel (semicolons, decimal commas)"
    w.export_predictions(plain)
    wait_idle(qtbot, w)
    rows = list(csv.reader(io.StringIO(excel.read_bytes().decode("utf-8-sig")), delimiter=";"))
    want = list(csv.reader(io.StringIO(plain.read_text(encoding="utf-8"))))
    assert excel.read_bytes().startswith(b"\xef\xbb\xbf") and len(rows) == len(want) == 3
    assert rows[0] == want[0] and rows[1][1] == want[1][1].replace(".", ",")
    w.close()
