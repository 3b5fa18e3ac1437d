"""A SAR team's day copied from its cards: files copied twice, cards with the same names (session 30).

Before: a card copied twice into two folders (and a file manager's `DJI_0003 (1).JPG` beside
its original) was located twice, counted twice ("wrote 37 predictions" for 31 photos and frames)
and the copy folder drawn as a second flight; in the app, two folders added one after another both
named their photos `DCIM/100MEDIA/DJI_0001.JPG` and the second folder's photos were dropped in
silence, a second drone's card as well as a copy. `training/results/flights30_session30.md`."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from geolocator.core.media.copies import identical_copies
from geolocator.core.queries import join_queries, load_queries


def _jpeg(path: Path, seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(path, quality=90)
    return path


def _card(root: Path, seed: int, n: int = 3) -> list[Path]:
    return [_jpeg(root / "DCIM" / "100MEDIA" / f"DJI_{i + 1:04d}.JPG", seed + i) for i in range(n)]


def test_identical_copies_keeps_the_plainer_name_and_only_equal_bytes(tmp_path):
    a = _jpeg(tmp_path / "A" / "DJI_0003.JPG", 1)
    copy = tmp_path / "A" / "DJI_0003 (1).JPG"
    shutil.copy2(a, copy)
    kopie = tmp_path / "A - Kopie" / "DJI_0003.JPG"
    kopie.parent.mkdir()
    shutil.copy2(a, kopie)
    same_size = tmp_path / "B" / "other.JPG"  # same length, another byte: not a copy
    same_size.parent.mkdir()
    data = bytearray(a.read_bytes())
    data[-3] ^= 0xFF
    same_size.write_bytes(bytes(data))
    (tmp_path / "e1.jpg").write_bytes(b"")
    (tmp_path / "e2.jpg").write_bytes(b"")  # two empty files: each refused by its reader, not copies
    # the order given puts the copies first: the shortest name, then the shortest path, is kept
    found = identical_copies([copy, kopie, a, same_size, tmp_path / "e1.jpg", tmp_path / "e2.jpg"])
    assert found == {copy: a, kopie: a}
    assert identical_copies([a, a]) == {}  # one path twice is one file
    # a file already taken (the app's list) is kept whatever its name; it is never reported
    assert identical_copies([a], earlier=[copy]) == {a: copy}
    assert identical_copies([same_size], earlier=[a]) == {}


def test_a_card_copied_twice_is_located_once_and_said(tmp_path, caplog):
    day = tmp_path / "Einsatz Übung"
    originals = _card(day / "Flug A", 10, 4)
    copy_folder = day / "Flug A (Kopie)" / "DCIM" / "100MEDIA"
    copy_folder.mkdir(parents=True)
    for p in originals[:2]:  # the second copy stopped after two photos
        shutil.copy2(p, copy_folder / p.name)
    shutil.copy2(originals[2], originals[2].with_name("DJI_0003 (1).JPG"))
    other = _card(day / "Flug C", 50, 2)
    skipped = []
    with caplog.at_level(logging.INFO, logger="geolocator"):
        queries = load_queries(day, on_skip=lambda p, why: skipped.append((p, why)))
    assert sorted(q.id for q in queries) == sorted(
        [f"Flug A/DCIM/100MEDIA/{p.name}" for p in originals] + [f"Flug C/DCIM/100MEDIA/{p.name}" for p in other])
    said = {p.relative_to(day).as_posix(): why for p, why in skipped}
    assert said == {
        "Flug A/DCIM/100MEDIA/DJI_0003 (1).JPG":
            "an identical copy of Flug A/DCIM/100MEDIA/DJI_0003.JPG: located once, as that file",
        "Flug A (Kopie)/DCIM/100MEDIA/DJI_0001.JPG":
            "an identical copy of Flug A/DCIM/100MEDIA/DJI_0001.JPG: located once, as that file",
        "Flug A (Kopie)/DCIM/100MEDIA/DJI_0002.JPG":
            "an identical copy of Flug A/DCIM/100MEDIA/DJI_0002.JPG: located once, as that file",
    }
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["3 files are byte-identical copies of other files given, so each is located once, under "
                        "the other's name: Flug A/DCIM/100MEDIA/DJI_0003 (1).JPG is a copy of "
                        "Flug A/DCIM/100MEDIA/DJI_0003.JPG (-v: each of them)"]


def test_a_folder_given_with_a_folder_inside_it_reads_each_photo_once(tmp_path):
    day = tmp_path / "day"
    photos = _card(day / "A", 1, 2)
    skipped = []
    queries = load_queries([day, day / "A"], on_skip=lambda p, why: skipped.append((p, why)))
    assert [q.id for q in queries] == [f"day/A/DCIM/100MEDIA/{p.name}" for p in photos]
    assert skipped == [(p, f"the same file as {p} (reached twice: a folder given with one inside it, or a link): "
                           "read once") for p in photos]
    link = day / "B" / "same.jpg"  # a link to a photo of the same run is that photo
    link.parent.mkdir()
    link.symlink_to(photos[0])
    skipped.clear()
    assert [q.id for q in load_queries(day, on_skip=lambda p, why: skipped.append((p, why)))] == [
        f"A/DCIM/100MEDIA/{p.name}" for p in photos]
    assert [p for p, _ in skipped] == [link]


def test_the_app_keeps_a_second_cards_photos_of_the_same_names(tmp_path):
    """Two drones' cards added as two folders: each holds DCIM/100MEDIA/DJI_0001.JPG. The second
    folder's photos are renamed after it, never dropped; a copy of a listed photo is said."""
    one, two = tmp_path / "Drohne 1", tmp_path / "Drohne 2"
    first, second = _card(one, 1, 2), _card(two, 7, 2)
    listed = {q.id: q.path for q in load_queries(one)}
    assert sorted(listed) == ["DCIM/100MEDIA/DJI_0001.JPG", "DCIM/100MEDIA/DJI_0002.JPG"]
    shutil.copy2(first[0], two / "DCIM" / "100MEDIA" / "DJI_0001 (1).JPG")
    skipped = []
    added = join_queries(load_queries(two), two, listed, on_skip=lambda p, why: skipped.append((p, why)))
    assert [(q.id, q.path) for q in added] == [("Drohne 2/DCIM/100MEDIA/DJI_0001.JPG", second[0]),
                                               ("Drohne 2/DCIM/100MEDIA/DJI_0002.JPG", second[1])]
    assert skipped == [(two / "DCIM" / "100MEDIA" / "DJI_0001 (1).JPG",
                        "an identical copy of DCIM/100MEDIA/DJI_0001.JPG, already in the list: located once, "
                        "as that file")]
    # the same folder added again (how a cancelled locate is resumed): nothing new, nothing said;
    # the folder above both: only what is not listed yet, each file listed once, said
    listed.update((q.id, q.path) for q in added)
    skipped.clear()
    assert join_queries(load_queries(one), one, listed, on_skip=lambda p, why: skipped.append((p, why))) == []
    assert skipped == []
    third = _jpeg(tmp_path / "Drohne 3" / "DJI_0001.JPG", 20)
    above = join_queries(load_queries(tmp_path), tmp_path, listed, on_skip=lambda p, why: skipped.append((p, why)))
    assert [(q.id, q.path) for q in above] == [("Drohne 3/DJI_0001.JPG", third)]
    assert dict(skipped) == {
        first[0]: "already in the list as DCIM/100MEDIA/DJI_0001.JPG: listed once",
        first[1]: "already in the list as DCIM/100MEDIA/DJI_0002.JPG: listed once"}  # Drohne 2's: the same ids


def test_the_apps_session_lists_both_cards_added_together_or_one_by_one(tmp_path):
    from geolocator.core.pipeline import Settings
    from geolocator.gui.jobs import Session

    one, two = tmp_path / "Drohne 1", tmp_path / "Drohne 2"
    _card(one, 1, 2), _card(two, 7, 2)
    for together in (True, False):
        session = Session(Settings(cache_dir=tmp_path / "cache"), map_dir=tmp_path / f"map{together}")
        try:
            loads = [session.load_queries([one, two])] if together else [session.load_queries([one]),
                                                                         session.load_queries([two])]
        finally:
            session.close()
        ids = [q.id for loaded in loads for q in loaded.queries]
        assert ids == ["DCIM/100MEDIA/DJI_0001.JPG", "DCIM/100MEDIA/DJI_0002.JPG",
                       "Drohne 2/DCIM/100MEDIA/DJI_0001.JPG", "Drohne 2/DCIM/100MEDIA/DJI_0002.JPG"]
        assert sum(len(loaded.thumbs) for loaded in loads) == 4  # each photo its own thumbnail


def test_a_video_copied_twice_gives_its_frames_once(tmp_path, monkeypatch):
    from geolocator.core import queries
    from geolocator.core.model import Query

    def frames(path, video_id, every_s):
        return [Query(f"{video_id}#t={t}", path, time_s=float(t)) for t in (0, 1)]

    monkeypatch.setattr(queries, "_video_frames", frames)
    clip = tmp_path / "Flug B" / "DJI_0100.MP4"
    clip.parent.mkdir()
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)))
    (tmp_path / "Flug B (Kopie)").mkdir()
    shutil.copy2(clip, tmp_path / "Flug B (Kopie)" / "DJI_0100.MP4")
    skipped = []
    out = load_queries(tmp_path, on_skip=lambda p, why: skipped.append((p, why)))
    assert [q.id for q in out] == ["Flug B/DJI_0100.MP4#t=0", "Flug B/DJI_0100.MP4#t=1"]
    assert skipped == [(tmp_path / "Flug B (Kopie)" / "DJI_0100.MP4",
                        "an identical copy of Flug B/DJI_0100.MP4: located once, as that file")]


def test_the_apps_message_names_a_damaged_file_before_the_copies(tmp_path):
    """The app's message bar (core/skipped.skipped_summary): a copy folder read first had its copies
    named inline and the video cut short, which needs copying again, hidden in "and 4 more"."""
    from geolocator.core.skipped import skipped_summary

    copies = {str(tmp_path / "A (Kopie)" / f"DJI_000{i}.JPG"):
              f"an identical copy of A/DJI_000{i}.JPG, already in the list: located once, as that file" for i in range(1, 6)}
    cut = {str(tmp_path / "B" / "DJI_0101.MP4"): "the video is cut short (…): copy it again"}
    line, details = skipped_summary({**copies, **cut})
    assert line == ("Skipped 6 files: DJI_0101.MP4: the video is cut short (…): copy it again; "
                    "5 of them are copies of photos located once")
    assert details.splitlines()[0] == f"{tmp_path / 'B' / 'DJI_0101.MP4'}: the video is cut short (…): copy it again"
    assert len(details.splitlines()) == 6
    # copies alone are named as before
    line, _ = skipped_summary(dict(list(copies.items())[:1]))
    assert line == "Skipped 1 file: DJI_0001.JPG: an identical copy of A/DJI_0001.JPG, already in the list: located once, as that file"
