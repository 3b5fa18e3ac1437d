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
