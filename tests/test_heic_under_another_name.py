"""A HEIC photo under a .jpg name (an iPhone photo renamed, or exported by a tool that keeps its bytes)
is read by its content, its metadata too (session 32, fieldfuzz32). pillow-heif's opener was
registered only on the first .heic name, so in a folder without one the photo was refused as "not
an image, or a format that cannot be read"; without pillow-heif the sentence now says what it is."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from geolocator.core import images
from geolocator.core.errors import InputError
from geolocator.core.images import open_image
from geolocator.core.media.metadata import read_photo_meta
from geolocator.core.queries import load_queries

from .demo_features import DEMO

pillow_heif = pytest.importorskip("pillow_heif")


@pytest.fixture
def no_heif_opener_yet(monkeypatch):
    """The state of a fresh process that has seen no .heic name: Pillow knows no HEIF opener."""
    Image.init()  # Pillow's own plugins first (they load lazily), then take HEIF out
    monkeypatch.setattr(images, "_heif_state", {})
    monkeypatch.setattr(Image, "ID", [i for i in Image.ID if i != "HEIF"])
    monkeypatch.delitem(Image.OPEN, "HEIF", raising=False)


def _heic_named_jpg(tmp_path):
    upright = Image.open(DEMO / "queries" / "q_0001.jpg").convert("RGB")
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (36.0, 8.0, 30.5), 3: "W", 4: (115.0, 14.0, 0.25)})
    path = tmp_path / "IMG_0001.jpg"
    pillow_heif.from_pillow(upright).save(path, quality=-1, exif=exif.tobytes())  # lossless
    assert path.read_bytes()[4:12] == b"ftypheic"
    return upright, path


def test_a_heic_named_jpg_is_read_by_its_content(tmp_path, no_heif_opener_yet):
    upright, path = _heic_named_jpg(tmp_path)
    read = open_image(path)
    assert read.size == upright.size
    assert np.abs(np.asarray(read, np.float32) - np.asarray(upright, np.float32)).mean() < 2.0
    meta = read_photo_meta(path)
    assert meta.position.lat == pytest.approx(36 + 8 / 60 + 30.5 / 3600)
    assert meta.position.lon == pytest.approx(-(115 + 14 / 60 + 0.25 / 3600))


def test_a_folder_holding_only_such_photos_loads_them(tmp_path, no_heif_opener_yet):
    _, path = _heic_named_jpg(tmp_path)
    skipped = []
    queries = load_queries(tmp_path, on_skip=lambda p, why: skipped.append((p, why)))
    assert [q.path for q in queries] == [path] and skipped == []
    assert queries[0].meta.position is not None


def test_without_pillow_heif_the_sentence_says_it_is_a_heic(tmp_path, monkeypatch, no_heif_opener_yet):
    _, path = _heic_named_jpg(tmp_path)
    monkeypatch.setattr(images, "_heif_state", {"ok": False})
    with pytest.raises(InputError) as err:
        open_image(path)
    assert str(err.value) == (f"{path}: a HEIC/HEIF photo (whatever its name says): it needs the pillow-heif "
                              "package (pip install pillow-heif)")


def test_a_file_that_is_no_image_is_still_said_so(tmp_path, no_heif_opener_yet):
    path = tmp_path / "notes.jpg"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 40)  # an MP4's first box, named .jpg
    with pytest.raises(InputError) as err:
        open_image(path)
    assert err.value.problem == "not an image, or a format that cannot be read"
