"""A photo or tile whose bytes cannot be read (faults36, session 36): a failing or pulled SD card (EIO)
was said as "corrupt image data ([Errno 5] Input/output error)" or "cannot read image ([Errno 5]
Input/output error: '<the path again>')", blaming the file for the card; a photo still being copied
(cut short when read) said only Pillow's "image file is truncated". Each now says what it is."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from PIL import ImageFile

from geolocator.core import images
from geolocator.core.errors import InputError

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo" / "queries"
EIO_SAID = "input/output error while reading it (the disk or card may be failing, or was removed)"


def _photo(tmp_path, cut: float = 1.0) -> Path:
    data = (DEMO / "q_0001.jpg").read_bytes()
    path = tmp_path / "DJI_0001.JPG"
    path.write_bytes(data[: int(len(data) * cut)])
    return path


def test_a_photo_cut_short_mid_copy_says_so(tmp_path):
    path = _photo(tmp_path, cut=0.4)
    assert images.image_size(path)  # the header is whole: it is listed as a photo
    with pytest.raises(InputError) as e:
        images.open_image(path)
    assert e.value.problem.startswith("the file ends early: a copy not finished or cut off, or a damaged file (")
    assert "truncated" in e.value.problem


def test_a_card_failing_while_the_pixels_are_read_is_not_called_corrupt_data(tmp_path, monkeypatch):
    path = _photo(tmp_path)

    def load(self):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    with pytest.raises(InputError) as e:
        images.open_image(path)
    assert e.value.path == path and e.value.problem == EIO_SAID


def test_a_card_failing_at_the_header_names_the_file_once(tmp_path, monkeypatch):
    path = _photo(tmp_path)

    def fail(p, *a, **kw):
        raise OSError(errno.EIO, "Input/output error", str(p))

    monkeypatch.setattr(images.Image, "open", fail)
    with pytest.raises(InputError) as e:
        images.image_size(path)
    assert e.value.problem == EIO_SAID and str(e.value).count(str(path)) == 1 and "Errno" not in str(e.value)
