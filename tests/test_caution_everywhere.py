"""A low-texture answer's caution ("this position is a guess", Prediction.caution) in the CSV and the CLI
(session 32, ux32). Before: the app, GeoJSON, KML, GPX and evidence.json said it; the CSV had no such
column and `locate`'s results table said nothing, so a spreadsheet or a terminal showed a guessed lake
position as any other. Now: a `caution` column last in the CSV (after `time_utc`: spreadsheets read
columns by position, none moves), empty where there is none, and a line under the CLI's table naming
the photos."""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from geolocator import cli
from geolocator.core import export
from geolocator.core.export import NOT_LOCATED_CAUTION
from geolocator.core.model import Bounds, LatLon, Match, PhotoMeta, Prediction, Query, Tile
from geolocator.core.predict import LOW_TEXTURE_CAUTION
from geolocator.core.sequence import Track, TrackPoint
from geolocator.core.content import BLURRED
from geolocator.core.wording import caution_lines, not_located_lines

from .demo_features import DEMO, DemoWorkspace, cli_on_demo_features

TILE = Tile("t", Path("t.png"), Bounds(8.999, 45.999, 9.001, 46.001))


def _pred(qid: str, caution: str | None = None) -> Prediction:
    q = Query(qid, Path(qid), meta=PhotoMeta(captured_at=datetime(2026, 12, 4, 10, 0, 0)))
    return Prediction(q, (Match(TILE, 0.4, 1),), LatLon(46.0, 9.0), LatLon(46.0, 9.0), 0.05,
                      status="retrieved", caution=caution)


def _rows(path: Path, **kw) -> tuple[list[str], list[dict]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh, **kw))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


def test_the_csv_says_the_caution_in_a_last_column_empty_where_there_is_none(tmp_path):
    out = tmp_path / "p.csv"
    export.write_csv([_pred("lake.jpg", LOW_TEXTURE_CAUTION), _pred("town.jpg")], out)
    header, (lake, town) = _rows(out)
    assert header[-2:] == ["time_utc", "caution"] and export.CAUTION_CSV_COLUMNS == ["caution"]
    assert lake["caution"] == LOW_TEXTURE_CAUTION and town["caution"] == ""
    # the Excel flavour: the same column, the same words (its `,` is inside one quoted cell)
    excel = tmp_path / "x.csv"
    export.write_csv([_pred("lake.jpg", LOW_TEXTURE_CAUTION), _pred("town.jpg")], excel, excel=True)
    header_x, (lake_x, town_x) = _rows(excel, delimiter=";")
    assert header_x == header and lake_x["caution"] == LOW_TEXTURE_CAUTION and town_x["caution"] == ""


def test_a_flight_frames_row_holds_the_tracks_point_and_no_caution(tmp_path):
    frame = _pred("f0.jpg", LOW_TEXTURE_CAUTION)
    point = TrackPoint(frame.query, 0.0, LatLon(46.0001, 9.0), "interpolated", LatLon(46.0, 9.0))
    out = tmp_path / "p.csv"
    export.write_csv([frame, _pred("lake.jpg", LOW_TEXTURE_CAUTION)], out, [Track("photos DJI", (point,))])
    _, (row_frame, row_lake) = _rows(out)
    assert row_frame["flight"] == "photos DJI" and row_frame["caution"] == ""
    assert row_lake["caution"] == LOW_TEXTURE_CAUTION
    assert caution_lines([frame], [Track("photos DJI", (point,))]) == []


def test_a_flight_frames_geojson_point_is_the_tracks_and_carries_no_caution():
    """The GeoJSON as the CSV, the map, KML and GPX: a frame the track placed is not a guess of its own."""
    from geolocator.core.export_track import predictions_and_tracks_to_geojson

    frame = _pred("f0.jpg", LOW_TEXTURE_CAUTION)
    point = TrackPoint(frame.query, 0.0, LatLon(46.0001, 9.0), "interpolated", LatLon(46.0, 9.0))
    doc = predictions_and_tracks_to_geojson([frame, _pred("lake.jpg", LOW_TEXTURE_CAUTION)],
                                            [Track("photos DJI", (point,))])
    props = {f["properties"]["query"]: f["properties"] for f in doc["features"]
             if f["geometry"]["type"] == "Point" and "query" in f["properties"]}
    assert "caution" not in props["f0.jpg"] and props["f0.jpg"]["status"] == "interpolated"
    assert props["lake.jpg"]["caution"] == LOW_TEXTURE_CAUTION


def test_caution_lines_name_the_photos_a_few_at_a_time():
    preds = [_pred(f"folder/p{i}.jpg", LOW_TEXTURE_CAUTION) for i in range(5)] + [_pred("town.jpg")]
    assert caution_lines(preds) == [f"caution on 5 photos (p0.jpg, p1.jpg, p2.jpg and 2 more): {LOW_TEXTURE_CAUTION}"]
    assert caution_lines(preds[:1]) == [f"caution on 1 photo (p0.jpg): {LOW_TEXTURE_CAUTION}"]
    assert caution_lines(preds[-1:]) == []


def test_not_located_lines_say_why_by_reason_and_leave_out_frames_the_track_placed():
    """`locate`'s table said "not located" and nothing said why (the CSV's `note`, GeoJSON, KML and GPX did)."""
    sky = replace(_pred("f/sky.jpg"), status="not located", confidence=0.0, note=BLURRED)
    frame = replace(_pred("f0.jpg"), status="not located", confidence=0.0, note=BLURRED)
    assert not_located_lines([sky, _pred("town.jpg")]) == [f"not located: 1 photo (sky.jpg): {BLURRED}"]
    placed = Track("photos DJI", (TrackPoint(frame.query, 0.0, LatLon(46.0, 9.0), "interpolated", LatLon(46.0, 9.0)),))
    left = Track("photos DJI", (TrackPoint(frame.query, 0.0, LatLon(46.0, 9.0), "not located", LatLon(46.0, 9.0)),))
    assert not_located_lines([sky, frame], [placed]) == [f"not located: 1 photo (sky.jpg): {BLURRED}"]
    assert not_located_lines([sky, frame], [left]) == [f"not located: 2 photos (sky.jpg, f0.jpg): {BLURRED}"]


def test_locate_says_the_caution_under_its_table_and_keeps_stdout_one_line_a_photo(tmp_path, monkeypatch, capsys):
    cli_on_demo_features(monkeypatch, tmp_path)
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("q_0001.jpg", "q_0040.jpg"):
        shutil.copy(DEMO / "queries" / name, photos / name)
    real = DemoWorkspace.locate

    def locate(self, queries, **kw):  # the first photo as a low-texture one nothing verified would be
        preds = real(self, queries, **kw)
        return [replace(p, caution=LOW_TEXTURE_CAUTION) if Path(p.query.id).name == "q_0001.jpg"
                else replace(p, status="not located", confidence=0.0, note=BLURRED) for p in preds]

    monkeypatch.setattr(DemoWorkspace, "locate", locate)
    assert cli.main(["locate", str(photos), "--tiles", str(DEMO), "-q"]) == 0
    got = capsys.readouterr()
    lines = got.out.strip().splitlines()
    assert len(lines) == 2 and {len(line.split("\t")) for line in lines} == {7}  # the table as scripts read it
    assert f"caution on 1 photo (q_0001.jpg): {LOW_TEXTURE_CAUTION}" in got.err
    assert f"not located: 1 photo (q_0040.jpg): {BLURRED}" in got.err  # the table's row says only "not located"
    out = tmp_path / "p.csv"
    assert cli.main(["locate", str(photos), "--tiles", str(DEMO), "--out", str(out), "-q"]) == 0
    _, rows = _rows(out)
    # the not-located row: why it has no coordinates (session 33), not the low-texture words
    assert {Path(r["query"]).name: r["caution"] for r in rows} == {"q_0001.jpg": LOW_TEXTURE_CAUTION,
                                                                   "q_0040.jpg": NOT_LOCATED_CAUTION}
    assert "caution on 1 photo (q_0001.jpg)" in capsys.readouterr().err
