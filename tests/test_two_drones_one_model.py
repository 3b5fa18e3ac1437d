"""Two drones of one model flying at once, each card copied into its own folder (newuser_session18.md:
droneA/ and droneB/, both DJI FC3411, photos 5 s apart on one clock): they were one flight, "photos DJI
FC3411", and all 9 of drone B's verified photos came out `flagged` (contradicting a track drawn along
drone A's pass only), although every one of them was within 0.5 m. Folders whose capture times overlap
are separate flights now; folders one after another (DJI's 100MEDIA then 101MEDIA) stay one flight."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from geolocator.core.model import PhotoMeta, Query
from geolocator.core.sequence import sequences

T0 = datetime(2026, 11, 28, 15, 2, 11)


def _shots(root: Path, folder: str, seconds, model="FC3411"):
    return [Query(f"{folder}/DJI_{i:04d}.JPG", root / folder / f"DJI_{i:04d}.JPG",
                  meta=PhotoMeta(make="DJI", model=model, captured_at=T0 + timedelta(seconds=s)))
            for i, s in enumerate(seconds)]


def test_two_folders_of_one_model_at_the_same_time_are_two_flights(tmp_path):
    a = _shots(tmp_path, "droneA", (0, 5, 10, 15))
    b = _shots(tmp_path, "droneB/100MEDIA", (2, 7, 12))
    flights = {name: [q.id for q, _ in items] for name, items in sequences(a + b)}
    assert flights == {"photos DJI FC3411 (droneA)": [q.id for q in a],
                       "photos DJI FC3411 (droneB/100MEDIA)": [q.id for q in b]}


def test_folders_one_after_another_stay_one_flight(tmp_path):
    """A guard beside the fix (it passed before it too): a drone's card rolls over from 100MEDIA to
    101MEDIA within one flight, and that flight must not be cut at the folder."""
    first = _shots(tmp_path, "DCIM/100MEDIA", (0, 5, 10))
    then = _shots(tmp_path, "DCIM/101MEDIA", (15, 20))
    [(name, items)] = sequences(then + first)
    assert name == "photos DJI FC3411" and [q.id for q, _ in items] == [q.id for q in first + then]
    assert [t for _, t in items] == [0.0, 5.0, 10.0, 15.0, 20.0]


def test_photos_given_one_by_one_are_labelled_by_their_folders_name(tmp_path):
    a = [Query(q.path.name, q.path, meta=q.meta) for q in _shots(tmp_path, "droneA", (0, 5))]
    b = [Query(q.path.name + "b", q.path, meta=q.meta) for q in _shots(tmp_path, "droneB", (1, 6))]
    assert sorted(name for name, _ in sequences(a + b)) == ["photos DJI FC3411 (droneA)", "photos DJI FC3411 (droneB)"]


def test_a_burst_across_the_folder_rollover_stays_one_flight(tmp_path):
    """flights37: a burst of 3 in one second (no SubSecTime, as DJI writes it) whose first two frames are
    100MEDIA's last photos and whose third is 101MEDIA's first: the folders touch at that second, which
    one camera can do. Before, `start <= latest` read that as two drones at once and cut the flight in
    two at the folder ("(DCIM/100MEDIA)" and "(DCIM/101MEDIA)", each tracked alone)."""
    first = _shots(tmp_path, "DCIM/100MEDIA", (0, 4, 8, 12, 12))
    then = _shots(tmp_path, "DCIM/101MEDIA", (12, 16, 20))
    [(name, items)] = sequences(then + first)
    assert name == "photos DJI FC3411"
    assert [q.id for q, _ in items] == [q.id for q in first + then]  # 100MEDIA's first at the tie: id order
    assert [t for _, t in items] == [0.0, 4.0, 8.0, 12.0, 12.0, 12.0, 16.0, 20.0]
    # two drones: the second folder starts before the first ends, and still two flights
    assert len(sequences(_shots(tmp_path, "A", (0, 12)) + _shots(tmp_path, "B", (11, 20)))) == 2
