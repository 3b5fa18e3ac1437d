"""training/make_sar_day.py: a SAR team's day of three flights as it comes off the cards (session 30),
read as `geolocator locate DAY` reads it: every photo and frame once, the copies and the files cut short
said, each flight its own."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

import make_sar_day as day_maker  # noqa: E402

from geolocator.core.queries import load_queries  # noqa: E402
from geolocator.core.sequence import sequences  # noqa: E402

pytest.importorskip("piexif")
pytest.importorskip("av")


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    out = tmp_path_factory.mktemp("sar")
    return day_maker.make_day(ROOT / "resources" / "demo" / "tiles.csv", out, photos=6, c_photos=5, copied_twice=3,
                              blurred=(3,))


def test_the_day_reads_as_three_flights_each_photo_once(day):
    skipped = {}
    queries = load_queries(day, on_skip=lambda p, why: skipped.__setitem__(p.relative_to(day).as_posix(), why))
    ids = [q.id for q in queries]
    assert len(ids) == len(set(ids)) == 6 + 10 + 5  # flight A's photos, B's frames, C's (its last cut short later)
    copies = {p for p, why in skipped.items() if why.startswith("an identical copy of ")}
    assert copies == {"Flug A – DJI Fotos/DCIM/100MEDIA/DJI_0003 (1).JPG"} | {
        f"Flug A – DJI Fotos (Kopie)/DCIM/100MEDIA/DJI_000{i}.JPG" for i in (1, 2, 3)}
    assert skipped["Flug B Video/DJI_0101.MP4"].startswith("the video is cut short")
    c = [q for q in queries if q.id.startswith("Flug C")]
    assert c and all(q.truth is None for q in c)  # its GNSS failed: nothing recorded, nothing to score
    a = [q for q in queries if q.id.startswith("Flug A")]
    assert all(q.truth_source == "exif" and q.meta.serial == day_maker.DJI_SERIAL for q in a)
    flights = {name: len(items) for name, items in sequences(queries)}
    assert flights == {"Flug B Video/DJI_0100.MP4": 10, "photos DJI FC300S": 6, "photos Autel Robotics XT705": 5}
    truth = (day.parent / "truth-not-an-input" / "truth.csv").read_text(encoding="utf-8").splitlines()
    assert len(truth) == 1 + 6 + 100 + 5  # every photo and every frame (10 s at 10 fps), outside the flights
