"""Two drones of one model, their photos in ONE folder, are two flights (session 19, mend19).

Session 18 split two drones of one model whose cards were copied into separate folders
(test_two_drones_one_model.py). Photos of two drones copied into one folder still formed one
flight, "photos DJI FC3411": their capture times interleave, and one track through both positions
streams leaves one drone's verified frames `flagged` against the other's path. Each drone's body
serial (EXIF BodySerialNumber, or DJI's XMP drone-dji:DroneSerialNumber) tells them apart. Before
the fix the serial was not read (PhotoMeta had no `serial`) and sequences() gave one flight; the
smoothing test had drone B's frames `flagged`."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from geolocator.core.media.metadata import read_photo_meta
from geolocator.core.model import PhotoMeta, Query
from geolocator.core.sequence import sequences, smooth

from .test_metadata import DJI_NS, EXIF_IFD, _photo, _xmp
from .test_sequence import prediction

T0 = datetime(2026, 11, 28, 15, 2, 11)


def test_the_body_serial_is_read_from_exif_or_djis_xmp(tmp_path):
    body = _photo(tmp_path / "a.jpg", ifd0={0x010F: "DJI", 0x0110: "FC3411"}, exif_ifd={0xA431: "1581F4XFA22"})
    assert read_photo_meta(body).serial == "1581F4XFA22"
    xmp = _photo(tmp_path / "b.jpg", ifd0={0x010F: "DJI", 0x0110: "FC3411"},
                 xmp=_xmp('drone-dji:DroneSerialNumber="1581F4XFB07"', ns=DJI_NS))
    assert read_photo_meta(xmp).serial == "1581F4XFB07"
    zeros = _photo(tmp_path / "c.jpg", ifd0={0x010F: "DJI", 0x0110: "FC3411"}, exif_ifd={0xA431: "0000000000"})
    assert read_photo_meta(zeros).serial is None  # a blank serial names no body
    assert read_photo_meta(_photo(tmp_path / "d.jpg")).serial is None


def _shots(root: Path, serial: str | None, seconds, start: int = 0):
    return [Query(f"DCIM/DJI_{start + i:04d}.JPG", root / "DCIM" / f"DJI_{start + i:04d}.JPG",
                  meta=PhotoMeta(make="DJI", model="FC3411", serial=serial, captured_at=T0 + timedelta(seconds=s)))
            for i, s in enumerate(seconds)]


def test_two_serials_in_one_folder_are_two_flights(tmp_path):
    a = _shots(tmp_path, "1581F4XFA22", (0, 4, 8, 12))
    b = _shots(tmp_path, "1581F4XFB07", (2, 6, 10), start=100)  # interleaved with drone A's
    flights = {name: [q.id for q, _ in items] for name, items in sequences(a + b)}
    assert flights == {"photos DJI FC3411 serial 1581F4XFA22": [q.id for q in a],
                       "photos DJI FC3411 serial 1581F4XFB07": [q.id for q in b]}


def test_one_serial_keeps_the_flights_old_name(tmp_path):
    """A guard beside the fix (it passed before it too): one drone's flight is named as before."""
    a = _shots(tmp_path, "1581F4XFA22", (0, 4, 8))
    [(name, items)] = sequences(a)
    assert name == "photos DJI FC3411" and len(items) == 3


def test_each_drone_keeps_its_verified_answers(tmp_path):
    """Drone A flies east along one street, drone B 300 m north of it, photos 2 s apart by turns;
    every photo verified within metres. One flight through both put one drone's frames off the track
    (`flagged`); two flights keep every frame `matched`."""
    a = _shots(tmp_path, "1581F4XFA22", range(0, 40, 4))
    b = _shots(tmp_path, "1581F4XFB07", range(2, 40, 4), start=100)
    preds = []
    for i, q in enumerate(a):
        preds.append(prediction(q, [(40 + 8 * i, 60, 0.6, 40, True), (900, 900, 0.4, 0, False)]))
    for i, q in enumerate(b):
        preds.append(prediction(q, [(40 + 8 * i, 360, 0.6, 40, True), (900, 900, 0.4, 0, False)]))
    preds = [replace(p, confidence=0.99) for p in preds]
    tracks = smooth(preds)
    assert len(tracks) == 2
    statuses = {p.status for t in tracks for p in t.points}
    assert statuses == {"matched"}, statuses
