"""A photo cut short by a card pulled mid-copy is named in the line that says what the file holds
(session 30, flights30_session30.md). Before, `wrote 31 predictions … to day.kml: 28 confident, …`
said nothing of IMG_0010.JPG, which the file lacks; only a warning among the others above it did."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geolocator.core.wording import left_out_line

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


def test_the_line_names_the_photos_it_lacks():
    assert left_out_line({}) == ""
    assert left_out_line({Path("/day/Flug C/IMG_0010.JPG"): "corrupt image data"}) == (
        "; 1 photo could not be read and is not in it: IMG_0010.JPG (the warning above says why)")
    many = {Path(f"/d/{n}.jpg"): "x" for n in "abcde"}
    assert left_out_line(many, in_file=False) == (
        "; 5 photos could not be read and are not located: a.jpg, b.jpg, c.jpg and 2 more (the warnings above say why)")


@pytest.mark.slow
def test_locate_names_a_photo_cut_short_in_its_closing_line(tmp_path, capsys):
    from geolocator.cli import main

    photos = tmp_path / "Flug C"
    photos.mkdir()
    for name in ("q_0001.jpg", "q_0002.jpg"):
        shutil.copy(DEMO / "queries" / name, photos / name)
    data = (DEMO / "queries" / "q_0003.jpg").read_bytes()
    (photos / "q_0003.jpg").write_bytes(data[: len(data) // 2])  # its header is whole: it fails mid-run
    out = tmp_path / "day.csv"
    assert main(["locate", str(photos), "--tiles", str(DEMO / "tiles.csv"), "--no-verify", "--out", str(out),
                 "--backbone", "efficientnet_lite0", "--cache-dir", str(tmp_path / "cache"), "-q"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith(f"wrote 2 predictions to {out}: ")
    assert line.endswith("; 1 photo could not be read and is not in it: q_0003.jpg (the warning above says why)")


def test_a_photo_that_failed_mid_run_is_named_as_typed(tmp_path, monkeypatch):
    """Session 32 (appuser32): a cut JPEG's warning named its absolute path while the files skipped on reading
    were named as typed ('p/notes.txt: skipped …'). core.skipped.as_given writes it from the path typed."""
    from geolocator.core.skipped import as_given

    monkeypatch.chdir(tmp_path)
    (tmp_path / "day" / "Flug C").mkdir(parents=True)
    cut = tmp_path / "day" / "Flug C" / "IMG_0010.JPG"
    assert as_given(cut, [Path("day")]) == str(Path("day") / "Flug C" / "IMG_0010.JPG")
    assert as_given(cut, [Path("day/Flug C/IMG_0010.JPG")]) == "day/Flug C/IMG_0010.JPG"  # the file itself given
    assert as_given(cut, ["other", "day", "day/Flug C"]) == str(Path("day/Flug C/IMG_0010.JPG"))  # the deepest
    assert as_given(cut, [tmp_path / "day"]) == str(cut)  # typed absolute: said absolute
    assert as_given(cut, [Path("./day/../day")]) == str(Path("./day/../day") / "Flug C" / "IMG_0010.JPG")
    assert as_given(cut, [Path("elsewhere")]) == str(cut)  # held by none: as it is
    assert as_given(cut, []) == str(cut)


@pytest.mark.slow
def test_locate_warns_of_a_cut_photo_under_the_path_typed(tmp_path, monkeypatch, caplog):
    from geolocator.cli import main

    monkeypatch.chdir(tmp_path)
    photos = Path("Flug C")
    photos.mkdir()
    shutil.copy(DEMO / "queries" / "q_0001.jpg", photos / "q_0001.jpg")
    data = (DEMO / "queries" / "q_0003.jpg").read_bytes()
    (photos / "q_0003.jpg").write_bytes(data[: len(data) // 2])  # its header is whole: it fails mid-run
    (photos / "notes.txt").write_text("a sidecar")
    with caplog.at_level("WARNING"):
        assert main(["locate", str(photos), "--tiles", str(DEMO / "tiles.csv"), "--no-verify",
                     "--backbone", "efficientnet_lite0", "--cache-dir", str(tmp_path / "cache"), "-q"]) == 0
    said = [r.getMessage() for r in caplog.records if ": skipped (" in r.getMessage()]
    assert any(m.startswith(str(photos / "notes.txt") + ": skipped") for m in said), said
    assert any(m.startswith(str(photos / "q_0003.jpg") + ": skipped (") for m in said), said
    assert not any(str(tmp_path) in m for m in said), said


def test_a_photo_unreadable_on_listing_counts_as_left_out(tmp_path):
    """Session 34 (newuser34): a text file named .jpg, warned of when the photos were listed, was not in the
    closing line; a sidecar, a folder and a copy located once under another name lose no photo and stay out."""
    from geolocator.core.skipped import unread_media

    assert unread_media(tmp_path / "text.jpg", "not an image, or a format that cannot be read")
    assert unread_media(tmp_path / "B" / "IMG_0001.HEIC", f"{tmp_path / 'B' / 'IMG_0001.HEIC'}: Permission denied")
    assert unread_media(tmp_path / "DJI_0001.MP4", "the video is cut short: copy it again")
    assert not unread_media(tmp_path / "notes.txt", "a sidecar/text file (.txt), not a photo")
    assert not unread_media(tmp_path / "empty", "no images (.jpg) in this folder")
    assert not unread_media(tmp_path / "a (1).jpg", "an identical copy of a.jpg: located once, as that file")
    assert not unread_media(tmp_path / "a.jpg", "the same file as x/a.jpg (reached twice: a folder given with one "
                                                "inside it, or a link): read once")


@pytest.mark.slow
def test_locate_names_a_photo_unreadable_on_listing_in_its_closing_line(tmp_path, capsys):
    from geolocator.cli import main

    photos = tmp_path / "Flug C"
    photos.mkdir()
    shutil.copy(DEMO / "queries" / "q_0001.jpg", photos / "q_0001.jpg")
    (photos / "text.jpg").write_text("not a photo")  # refused on listing, before the run
    (photos / "notes.txt").write_text("a sidecar")  # no photo: not said as lost
    out = tmp_path / "day.csv"
    assert main(["locate", str(photos), "--tiles", str(DEMO / "tiles.csv"), "--no-verify", "--out", str(out),
                 "--backbone", "efficientnet_lite0", "--cache-dir", str(tmp_path / "cache"), "-q"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith(f"wrote 1 prediction to {out}: ")
    assert line.endswith("; 1 photo could not be read and is not in it: text.jpg (the warning above says why)")
