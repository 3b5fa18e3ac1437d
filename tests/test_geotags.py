"""Geotags for photogrammetry (core/geotags.py): OpenDroneMap's geo.txt and a Metashape / PIX4Dmatic
reference CSV, written from the answers of a flight whose GNSS failed. Each file is parsed back the way
its tool reads it (geo.txt: ODM's opendm/geo.py splits lines at whitespace and reads the accuracies
from column 8-9 of a 9-column line; the CSV: PIX4Dmatic's 9 columns after a '#' first line)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from geolocator.core.errors import GeolocatorError
from geolocator.core.geotags import (GEOTAG_FORMATS, check_geotag_path, geotags_for, odm_geo_text,
                                     write_geotags)
from geolocator.core.model import (STATUS_NOT_LOCATED, STATUS_VERIFIED, LatLon, Match, PhotoMeta, Prediction,
                                   Query)
from geolocator.core.predict import answer_radius_m

from .helpers import grid_tiles

TILES = grid_tiles(2, 2)  # 0.001 deg tiles at 50 N: radius_m about 62 m


def _pred(name: str, confidence: float, *, at: LatLon | None = None, meta: PhotoMeta | None = None,
          truth: LatLon | None = None, status: str = STATUS_VERIFIED, folder: str = "flight",
          time_s: float | None = None) -> Prediction:
    tile = TILES[0]
    at = at or LatLon(tile.center.lat + 0.0001, tile.center.lon + 0.0002)
    query = Query(name, Path(folder) / name, truth=truth, truth_source="exif" if truth else None, meta=meta,
                  time_s=time_s)
    return Prediction(query=query, matches=(Match(tile, 0.8, 1, inliers=40, ground=at),), location=at,
                      weighted_location=tile.center, confidence=confidence, status=status,
                      location_source="homography")


def _odm_entries(text: str) -> tuple[str, dict[str, list[str]]]:
    """The projection and {name: columns} as ODM's GeoFile reads them (first line the projection;
    blank and '#' lines skipped; columns split at whitespace)."""
    lines = [line.strip() for line in text.strip().split("\n")]
    entries = {}
    for line in lines[1:]:
        if line and line[0] != "#":
            parts = line.split()
            assert len(parts) in (3, 9), line  # x y, or x y z yaw pitch roll h v: what we write
            entries[parts[0]] = parts[1:]
    return lines[0], entries


def test_geo_txt_parses_back_as_odm_reads_it_with_the_answers_accuracy_and_barometric_height(tmp_path):
    meta = PhotoMeta(relative_altitude_m=80.5, gimbal_pitch_deg=-90.0, gimbal_roll_deg=0.0, flight_yaw_deg=45.0)
    located = _pred("DJI_0001.JPG", 0.97, meta=meta)
    no_height = _pred("DJI_0002.JPG", 0.95)
    report = write_geotags(tmp_path / "geo.txt", [located, no_height])
    projection, entries = _odm_entries((tmp_path / "geo.txt").read_text(encoding="utf-8"))
    assert projection == "EPSG:4326"
    x, y, z, yaw, pitch, roll, h, v = (float(c) for c in entries["DJI_0001.JPG"])
    assert (x, y) == (pytest.approx(located.location.lon, abs=1e-8), pytest.approx(located.location.lat, abs=1e-8))
    assert z == 80.5  # RelativeAltitude: barometric, above take-off
    assert (yaw, pitch, roll) == (45.0, 0.0, 0.0)  # ODM's convention: pitch 0 = nadir (DJI's -90)
    radius = answer_radius_m(located)
    assert h == math.ceil(radius * 10) / 10 and h >= radius  # the answer's own radius, rounded up: never tighter
    assert v == h
    # no recorded height: x y only (the format allows it); no accuracy can then be given to ODM
    assert [float(c) for c in entries["DJI_0002.JPG"]] == pytest.approx([no_height.location.lon,
                                                                         no_height.location.lat], abs=1e-8)
    assert [t.name for t in report.written] == ["DJI_0001.JPG", "DJI_0002.JPG"] and not report.left_out
    assert report.summary() == (f"wrote 2 geotags to {tmp_path / 'geo.txt'} (OpenDroneMap geo.txt); 1 line without a "
                                "recorded height carries no accuracy (geo.txt gives one only with a height): ODM "
                                "assumes 10 m for it")


def test_one_geo_txt_line_checked_by_hand_against_the_documented_layout():
    """docs.opendronemap.org 'Image Geolocation Files': image_name geo_x geo_y [geo_z] [yaw] [pitch] [roll]
    [horz accuracy] [vert accuracy], x/y in the first line's projection (EPSG:4326: longitude, latitude)."""
    meta = PhotoMeta(relative_altitude_m=40.0, gimbal_pitch_deg=-90.0, gimbal_roll_deg=0.0, flight_yaw_deg=-140.0)
    p = _pred("DJI_0028.JPG", 0.99, at=LatLon(46.84252125, -91.9942096111111), meta=meta)
    tags, _ = geotags_for([p])
    line = odm_geo_text(tags).splitlines()[-1]
    radius = math.ceil(answer_radius_m(p) * 10) / 10
    assert line == f"DJI_0028.JPG -91.99420961 46.84252125 40 -140 0 0 {radius:g} {radius:g}"


def test_reference_csv_parses_back_in_pix4dmatic_column_order_and_keeps_names_with_spaces_and_commas(tmp_path):
    meta = PhotoMeta(relative_altitude_m=60.0)
    odd = _pred("survey photo, 8.jpg", 0.93, meta=meta)
    plain = _pred("IMG_0002.JPG", 0.99)
    write_geotags(tmp_path / "reference.csv", [odd, plain])
    text = (tmp_path / "reference.csv").read_text(encoding="utf-8")
    assert text.startswith("#")  # PIX4Dmatic: no header, but a first line starting with '#' is a comment
    rows = list(csv.reader(text.splitlines()[1:]))
    assert [len(r) for r in rows] == [9, 9]
    name, lat, lon, z, yaw, pitch, roll, h, v = rows[0]
    assert name == "survey photo, 8.jpg"
    assert (float(lat), float(lon)) == (pytest.approx(odd.location.lat, abs=1e-8), pytest.approx(odd.location.lon, abs=1e-8))
    assert float(z) == 60.0 and (yaw, pitch, roll) == ("", "", "")  # angles not recorded: empty, not 0
    assert float(h) == float(v) >= answer_radius_m(odd)
    assert rows[1][3] == "" and rows[1][8] == "" and float(rows[1][7]) >= answer_radius_m(plain)


def test_a_name_with_a_space_is_left_out_of_geo_txt_with_the_reason_and_kept_in_the_csv(tmp_path):
    spaced = _pred("survey photo 8.jpg", 0.99)
    report = write_geotags(tmp_path / "geo.txt", [spaced, _pred("q_1.jpg", 0.99)])
    _, entries = _odm_entries((tmp_path / "geo.txt").read_text(encoding="utf-8"))
    assert list(entries) == ["q_1.jpg"]  # a line "survey photo 8.jpg ..." would read as a photo named "survey"
    assert report.left_out == (("survey photo 8.jpg", "its file name holds a space, which a geo.txt line cannot "
                                "hold (ODM splits lines at spaces): rename it, or use the reference CSV"),)
    assert "left out 1 photo: survey photo 8.jpg: its file name holds a space" in report.summary()
    csv_report = write_geotags(tmp_path / "ref.csv", [spaced])
    assert [t.name for t in csv_report.written] == ["survey photo 8.jpg"]


def test_not_located_not_confident_oblique_video_frames_and_shared_names_are_left_out_and_named(tmp_path):
    preds = [
        _pred("ok.jpg", 0.99),
        _pred("blank.jpg", 0.0, status=STATUS_NOT_LOCATED),
        _pred("unsure.jpg", 0.81),
        _pred("oblique.jpg", 0.99, meta=PhotoMeta(gimbal_pitch_deg=-45.0, relative_altitude_m=100.0)),
        _pred("clip.mp4#t=1.000", 0.99, time_s=1.0),
        _pred("same.jpg", 0.99, folder="a"),
        _pred("same.jpg", 0.99, folder="b"),
    ]
    report = write_geotags(tmp_path / "geo.txt", preds)
    assert [t.name for t in report.written] == ["ok.jpg"]
    reasons = dict(report.left_out)
    assert reasons["blank.jpg"] == "not located"
    assert reasons["unsure.jpg"] == "not confident (confidence 0.810, below 0.9)"
    assert reasons["oblique.jpg"].startswith("oblique (gimbal pitch -45 deg)")
    assert reasons["clip.mp4#t=1.000"].startswith("a video frame")
    assert reasons["same.jpg"].startswith("2 photos are named same.jpg")
    assert len(report.left_out) == 6
    _, entries = _odm_entries((tmp_path / "geo.txt").read_text(encoding="utf-8"))
    assert list(entries) == ["ok.jpg"]


def test_a_nearly_nadir_photo_adds_height_times_tan_off_nadir_to_its_accuracy():
    meta = PhotoMeta(relative_altitude_m=100.0, gimbal_pitch_deg=-85.0)
    p = _pred("tilted.jpg", 0.99, meta=meta)
    (tag,), _ = geotags_for([p])
    expected = answer_radius_m(p) + 100.0 * math.tan(math.radians(5.0))
    assert expected <= tag.horizontal_accuracy_m < expected + 0.1


def test_truth_and_gnss_heights_are_never_written(tmp_path):
    """The photo's own EXIF GPS (Query.truth) and its GNSS heights (EXIF GPSAltitude, DJI
    AbsoluteAltitude) are scoring data from the failed receiver: neither file may hold them."""
    truth = LatLon(50.1234567, 10.7654321)  # far from the answer, with digits found nowhere else
    meta = PhotoMeta(gps_altitude_m=432.125, absolute_altitude_m=517.375, position=truth, position_source="exif")
    p = _pred("DJI_0100.JPG", 0.99, truth=truth, meta=meta)
    for name in ("geo.txt", "ref.csv"):
        report = write_geotags(tmp_path / name, [p])
        text = (tmp_path / name).read_text(encoding="utf-8")
        for secret in ("50.1234567", "10.7654321", "432.125", "517.375", "432.13", "517.38"):
            assert secret not in text, (name, secret)
        (tag,) = report.written
        assert tag.position == p.location and tag.altitude_m is None


def test_a_flights_photo_is_written_at_its_track_position_with_the_tracks_confidence(tmp_path):
    from geolocator.core.sequence import Track, TrackPoint

    p = _pred("DJI_0005.JPG", 0.6)  # its own answer is not confident
    on_track = LatLon(p.location.lat + 0.0002, p.location.lon)
    point = TrackPoint(query=p.query, time_s=4.0, location=on_track, status="interpolated", own=p.location,
                       confidence=0.95, radius_m=40.0)
    track = Track(name="flight", points=(point,))
    (tag,), left = geotags_for([p], [track])
    assert tag.position == on_track and tag.horizontal_accuracy_m == 40.0 and not left
    (_, left_out), = [geotags_for([p])]
    assert left_out and left_out[0][1].startswith("not confident")


def test_unknown_suffix_and_folder_are_refused_before_anything_is_written(tmp_path):
    assert set(GEOTAG_FORMATS) == {".txt", ".csv"}
    with pytest.raises(GeolocatorError, match=r"unknown geotag file type '\.json'"):
        write_geotags(tmp_path / "geo.json", [_pred("a.jpg", 0.99)])
    assert not (tmp_path / "geo.json").exists()
    with pytest.raises(GeolocatorError, match="is a folder"):
        check_geotag_path(tmp_path)


REAL_DJI = Path(__file__).resolve().parents[1].parent / "shared" / "real-dji"


@pytest.mark.skipif(not (REAL_DJI / "DJI_0018.JPG").is_file(), reason="the real DJI photos are not here")
def test_a_real_dji_photo_gets_its_barometric_height_and_odm_angles_and_never_its_gps(tmp_path):
    """DJI Phantom 3 photo (shared/real-dji): XMP RelativeAltitude +39.80, AbsoluteAltitude 198.31, EXIF
    GPSAltitude 198.309 and GPS position (the truth); FlightYawDegree 46, GimbalPitchDegree -89.9,
    GimbalRollDegree 0 (ODM reads these three: opendm/photo.py). Answer placed 36 m north-east of its GPS."""
    from geolocator.core.queries import query_from_photo

    query = query_from_photo(REAL_DJI / "DJI_0018.JPG", "DJI_0018.JPG")
    assert query.truth is not None and query.meta.relative_altitude_m == 39.8
    at = LatLon(query.truth.lat + 20.0 / 111_320,
                query.truth.lon + 30.0 / (111_320 * math.cos(math.radians(query.truth.lat))))
    tile = TILES[0]
    p = Prediction(query=query, matches=(Match(tile, 0.8, 1, inliers=40, ground=at),), location=at,
                   weighted_location=at, confidence=0.99, status=STATUS_VERIFIED, location_source="homography")
    write_geotags(tmp_path / "geo.txt", [p])
    text = (tmp_path / "geo.txt").read_text(encoding="utf-8")
    _, entries = _odm_entries(text)
    x, y, z, yaw, pitch, roll, h, v = (float(c) for c in entries["DJI_0018.JPG"])
    assert (y, x) == (pytest.approx(at.lat, abs=1e-8), pytest.approx(at.lon, abs=1e-8))
    assert (z, yaw, pitch, roll) == (39.8, 46.0, pytest.approx(0.1), 0.0)
    allowance = 39.8 * math.tan(math.radians(0.1))  # 0.07 m: the camera is that close above the centre
    assert answer_radius_m(p) + allowance <= h < answer_radius_m(p) + allowance + 0.1
    for gnss in (f"{query.truth.lat:.6f}", f"{query.truth.lon:.6f}", "198.3"):
        assert gnss not in text
