"""missing.txt's last key cut mid-line by a full disk (smallfix37, propfuzz37's open point): write(2) on a
full disk stores part of the bytes and returns a short count, and the next call fails with ENOSPC. The key
"12/345/67" was left as "12/345/6", with no newline; the next run read it back as tile 12/345/6 -- another
tile, one that exists -- recorded missing, not asked for until the record aged out (a day). Read back, such a
line cannot be told from a last line an editor saved without its newline (which must stay a key: see
test_prop_missing_states), so the writer undoes its own cut write instead: missing.txt is as it was."""

from __future__ import annotations

import errno

import pytest

from geolocator.core.outputs import OutputError
from geolocator.core.sources import fetch as F

BEFORE = "# recorded 2026-12-01T10:00:00Z\n3/0/1\n"


class _FullDisk:
    """An unbuffered binary file on a disk that fills up after `room` more bytes, as write(2) behaves:
    a short count first, then ENOSPC."""

    def __init__(self, path, mode, room: int) -> None:
        self.f = open(path, mode, buffering=0)  # noqa: SIM115 - closed in __exit__
        self.room = room
        self.name = self.f.name

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def seek(self, *a):
        return self.f.seek(*a)

    def read(self, *a):
        return self.f.read(*a)

    def truncate(self, *a):
        return self.f.truncate(*a)

    def write(self, data):
        if not self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = self.f.write(bytes(data)[:self.room])
        self.room -= n
        return n


@pytest.mark.parametrize("room", [1, 7, 9])  # inside the key, just before its newline
def test_a_key_cut_by_a_full_disk_leaves_missing_txt_as_it_was(tmp_path, monkeypatch, room):
    out = tmp_path / "tiles"
    out.mkdir()
    (out / F.MISSING_FILE).write_text(BEFORE)
    sink = F.FolderSink(out, F.TileTemplate("http://h.example/{z}/{x}/{y}.png"))
    sink._stamped = F.time.time()  # within the minute of a stamp: the key alone is appended ("12/345/67\n")
    monkeypatch.setattr(F, "open", lambda path, mode, *a, **k: _FullDisk(path, mode, room), raising=False)
    try:
        sink.missing(12, 345, 67)
        said = None
    except OutputError as exc:
        said = str(exc)
    monkeypatch.undo()
    # before: "...3/0/1\n12/345/6" (room 7), read back as tile 12/345/6 missing, and nothing said
    assert (out / F.MISSING_FILE).read_text() == BEFORE
    assert said is not None and "disk is full" in said
    again = F.FolderSink(out, F.TileTemplate("http://h.example/{z}/{x}/{y}.png"))
    assert again.missing_age(12, 345, 6) is None and again.missing_age(3, 0, 1) is not None
    sink.missing(12, 345, 67)  # room again (the run goes on): written whole, once
    assert (out / F.MISSING_FILE).read_text() == BEFORE + "12/345/67\n"


def test_an_editors_last_line_without_its_newline_is_still_a_key(tmp_path):
    """The rule the fix keeps: a last key an editor saved without its newline is read (propfuzz36)."""
    out = tmp_path / "tiles"
    out.mkdir()
    (out / F.MISSING_FILE).write_text(BEFORE.rstrip("\n"))
    sink = F.FolderSink(out, F.TileTemplate("http://h.example/{z}/{x}/{y}.png"))
    assert sink.missing_age(3, 0, 1) is not None
    sink.missing(12, 345, 67)
    text = (out / F.MISSING_FILE).read_text()  # its own line ended, then this run's stamp and key
    assert text.startswith(BEFORE) and text.endswith("Z\n12/345/67\n") and text.count("\n") == 4
