"""A photo the user may not read (copied from a card as another user, mode 000) is said in words, once
named: session 34 (newuser34) read "unreadable.jpg: skipped (cannot read image ([Errno 13] Permission
denied: '/tmp/…/unreadable.jpg'))", the path twice and Python's errno in the sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from geolocator.core import images
from geolocator.core.errors import InputError

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


def test_a_photo_without_read_permission_is_said_in_words(tmp_path, monkeypatch):
    photo = tmp_path / "unreadable.jpg"
    photo.write_bytes((DEMO / "queries" / "q_0001.jpg").read_bytes())

    def refuse(path, *a, **k):  # as open() answers a file of mode 000 for a user that is not root
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(images.Image, "open", refuse)
    with pytest.raises(InputError) as err:
        images.image_size(photo)
    assert err.value.problem == "permission denied: this user may not read the file (check its permissions)"
    assert "Errno" not in str(err.value) and str(err.value).count(str(photo)) <= 1
