"""A GNSS fix that froze: the receiver lost its fix and the camera kept writing its last position into
every photo, with no void flag (newuser_session18.md: 12 photos of a flight, 5 s apart, all recording
DJI_0001's position; the CSV and the app then called the 12 right answers 35-260 m wrong, `error_m`
and red markers). Such a fix is not truth: the photos say why (`truth_note`) and a warning says it once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image

from geolocator.core.queries import load_queries


def _dms(x: float):
    x = abs(x)
    d = int(x)
    m = int((x - d) * 60)
    return (d, m, round(((x - d) * 60 - m) * 60, 4))


def _photo(path: Path, lat: float, lon: float, when: datetime, model: str = "FC3411") -> None:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "DJI", model
    exif.get_ifd(0x8769)[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", _dms(lat), "W", _dms(lon)
    Image.new("RGB", (64, 48), (90, 120, 80)).save(path, exif=exif.tobytes())


T0 = datetime(2026, 11, 28, 15, 2, 11)


def test_one_fix_recorded_unchanged_by_a_flights_photos_is_not_truth(tmp_path, caplog):
    """4 photos, 5 s apart, one identical fix: none keeps it as truth (each says why); a photo of the same
    flight whose fix moves keeps its own."""
    for i in range(4):
        _photo(tmp_path / f"DJI_{i:04d}.JPG", 36.1394630, -115.2329441, T0 + timedelta(seconds=5 * i))
    _photo(tmp_path / "DJI_0009.JPG", 36.1405, -115.2320, T0 + timedelta(seconds=45))
    with caplog.at_level(logging.WARNING):
        qs = {q.id: q for q in load_queries(tmp_path)}
    frozen = [qs[f"DJI_{i:04d}.JPG"] for i in range(4)]
    assert [q.truth for q in frozen] == [None] * 4 and {q.truth_source for q in frozen} == {None}
    assert {q.truth_note for q in frozen} == {
        "the same GPS fix (36.1394630, -115.2329441) is recorded unchanged by 4 photos over 15 s: "
        "a frozen fix (the receiver lost it), not used as truth"}
    assert qs["DJI_0009.JPG"].truth is not None and qs["DJI_0009.JPG"].truth_source == "exif"
    said = [r.getMessage() for r in caplog.records if "frozen" in r.getMessage()]
    assert said == ["4 photos (DJI_0000.JPG … DJI_0003.JPG) record one unchanged GPS fix over 15 s: a frozen fix, "
                    "not used as truth"]


def test_a_burst_two_photos_or_two_cameras_at_one_place_keep_their_fix(tmp_path, caplog):
    """Not a frozen fix: 3 photos within 4 s (a burst, or a hover a moment long), 2 photos 20 s apart,
    and 3 photos of one fix from 2 different cameras (2 + 1): each keeps its recorded position."""
    burst, pair, cams = (tmp_path / n for n in ("burst", "pair", "cams"))
    for d in (burst, pair, cams):
        d.mkdir()
    for i in range(3):
        _photo(burst / f"B{i}.JPG", 36.14, -115.23, T0 + timedelta(seconds=2 * i))
    for i in range(2):
        _photo(pair / f"P{i}.JPG", 36.14, -115.23, T0 + timedelta(seconds=20 * i))
    for i, model in enumerate(("FC3411", "FC3411", "FC6310")):
        _photo(cams / f"C{i}.JPG", 36.14, -115.23, T0 + timedelta(seconds=10 * i), model=model)
    with caplog.at_level(logging.WARNING):
        for d in (burst, pair, cams):
            qs = load_queries(d)
            assert all(q.truth is not None and q.truth_source == "exif" for q in qs), d.name
    assert not [r for r in caplog.records if "frozen" in r.getMessage()]


def test_a_frozen_fix_is_no_prior_but_still_the_area_to_fetch(tmp_path):
    """Set aside as truth, the frozen fix must not become --gnss-prior's circle either (it is wrong by
    the flight's length); but fetch-tiles --around and the app's imagery dialog still get it as the
    area (before this, `fetch-tiles --around frozen/` said "none of the photos has a GPS position")."""
    from geolocator.core.priors import recorded_position, recorded_positions

    for i in range(3):
        _photo(tmp_path / f"DJI_{i:04d}.JPG", 36.1394630, -115.2329441, T0 + timedelta(seconds=6 * i))
    qs = load_queries(tmp_path)
    assert [recorded_position(q) for q in qs] == [None] * 3
    where = recorded_positions(qs)
    assert len(where) == 3 and {(round(p.lat, 7), round(p.lon, 7)) for p in where} == {(36.139463, -115.2329441)}
