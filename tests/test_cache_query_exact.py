"""Exact answers for core/cache.py (the on-disk feature cache, file identities) and
core/media/query_image.py (a query's pixels and identity, photo or video frame), never mutated before
session 8: written for their mutation run (training/results/mutation_readers.md). The cache file layout
is rebuilt here from struct and hashlib (magic, version, dim, dtype, blake2b-128, float32 data).
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core import cache as cc
from geolocator.core.media import query_image as qi
from geolocator.core.model import PixelWindow, Query
from .helpers import GeolocatorLogs


def _sha16(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_Logs = GeolocatorLogs


# ---------------------------------------------------------------------------------------- cache.py


def test_file_identity_and_key_name_path_size_mtime_window_and_entry(tmp_path):
    p = tmp_path / "a.png"
    p.write_bytes(b"12345")
    st = p.stat()
    base = f"{p.resolve()}|5|{st.st_mtime_ns}|"
    assert cc.file_identity(p) == base
    assert cc.file_identity(str(p), PixelWindow(1, 2, 30, 40)) == base + "1,2,30,40"
    assert cc.file_identity(p, None, "t/1/2/3") == base + "#t/1/2/3"
    assert cc.file_identity(p, PixelWindow(0, 0, 5, 6), "9/8/7") == base + "0,0,5,6#9/8/7"
    assert cc.file_key(p) == _sha16(base)
    assert cc.file_key(p, PixelWindow(1, 2, 30, 40), "r") == _sha16(base + "1,2,30,40#r")
    missing = tmp_path / "none.png"
    with pytest.raises(OSError):
        cc.file_identity(missing)
    assert cc.file_key(missing) == _sha16(f"{missing}|None")
    assert cc.file_key(missing, PixelWindow(1, 2, 3, 4), "r") == _sha16(f"{missing}|PixelWindow(col=1, row=2, width=3, height=4)#r")


def test_cache_root_key_and_file_layout(tmp_path):
    import platformdirs

    assert cc.default_cache_root() == Path(platformdirs.user_cache_dir("geolocator")) / "features"
    assert cc.FeatureCache().root == cc.default_cache_root()
    c = cc.FeatureCache(str(tmp_path))
    assert c.root == tmp_path and c.write_error is None
    key = c.key("sig", "view", "ident")
    assert key == hashlib.sha256(b"sig\nview\nident").hexdigest()
    vec = np.array([1.5, -2.0, 3.25], dtype=np.float64)
    c.put(key, vec)
    f = tmp_path / key[:2] / f"{key[2:]}.f32"
    body = struct.pack("<3f", 1.5, -2.0, 3.25)
    digest = hashlib.blake2b(body, digest_size=16).digest()
    assert f.read_bytes() == b"GLFC" + struct.pack("<HI", 1, 3) + b"<f4 " + digest + body
    assert sorted(p.name for p in f.parent.iterdir()) == [f.name]  # no temporary file left
    got = c.get(key, 3)
    assert got.dtype == np.float32 and got.tolist() == [1.5, -2.0, 3.25] and got.flags.writeable
    assert c.get(key, 4) is None and c.get(key, 2) is None and c.get("ab" + "0" * 62, 3) is None
    c.put(key, np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32))  # any shape: stored flat
    assert c.get(key, 4).tolist() == [1.0, 2.0, 3.0, 4.0]
    c.clear()
    assert not tmp_path.exists()
    c.clear()  # nothing to clear: fine


def _write(c: cc.FeatureCache, key: str, magic=b"GLFC", version=1, dim=2, dtype=b"<f4 ", values=(1.0, 2.0),
           digest=None) -> None:
    body = struct.pack(f"<{len(values)}f", *values)
    digest = hashlib.blake2b(body, digest_size=16).digest() if digest is None else digest
    f = c.root / key[:2] / f"{key[2:]}.f32"
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_bytes(magic + struct.pack("<HI", version, dim) + dtype + digest + body)


@pytest.mark.parametrize("field, value", [
    ("magic", b"GLFD"), ("version", 2), ("version", 0), ("dim", 3), ("dtype", b"<f8 "), ("digest", bytes(16)),
    ("values", (1.0, float("nan"))), ("values", (float("inf"), 1.0)),
])
def test_cache_entries_that_do_not_verify_are_misses(tmp_path, field, value):
    c = cc.FeatureCache(tmp_path)
    key = "cd" + "1" * 62
    _write(c, key)
    assert c.get(key, 2).tolist() == [1.0, 2.0]  # the well-formed entry first
    _write(c, key, **{field: value})
    assert c.get(key, 2) is None


def test_a_cache_that_cannot_be_written_warns_once_and_goes_on(tmp_path):
    root = tmp_path / "file"
    root.write_text("x")  # a file where the folder should be
    c = cc.FeatureCache(root)
    with _Logs() as logs:
        c.put("ab" + "0" * 62, np.ones(2))
        c.put("cd" + "0" * 62, np.ones(2))
    msg = f"the feature cache {root} cannot be written (a part of the path is a file, not a folder); going on without caching"
    assert c.write_error == msg
    assert [(r.levelno, r.getMessage()) for r in logs.records] == [(logging.WARNING, msg)]


def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    c = cc.FeatureCache(tmp_path)

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cc.os, "replace", refuse)
    key = "ef" + "2" * 62
    c.put(key, np.ones(3))
    assert c.write_error == f"the feature cache {tmp_path} cannot be written (the disk is full); going on without caching"
    assert list((tmp_path / "ef").iterdir()) == []
    monkeypatch.undo()
    c.put(key, np.ones(3))  # read-only from then on
    assert c.get(key, 3) is None

    c2 = cc.FeatureCache(tmp_path)

    def interrupt(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(cc.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        c2.put(key, np.ones(3))
    assert list((tmp_path / "ef").iterdir()) == [] and c2.write_error is None


def test_no_cache_keeps_nothing(tmp_path):
    n = cc.NoCache()
    assert n.root == Path(os.devnull) and n.write_error is None
    n.put("ab" + "0" * 62, np.ones(2))
    assert n.get("ab" + "0" * 62, 2) is None
    n.clear()
    assert Path(os.devnull).exists()


# ---------------------------------------------------------------------------------- query_image.py


def test_a_query_is_a_frame_when_it_has_a_time(tmp_path):
    assert not qi.is_frame(Query(id="a", path=tmp_path / "a.jpg"))
    assert qi.is_frame(Query(id="v#t=0", path=tmp_path / "v.mp4", time_s=0.0))
    assert not qi.is_frame(object())


def test_query_identity_and_key_fold_in_the_frame_time(tmp_path):
    p = tmp_path / "v.mp4"
    p.write_bytes(b"123")
    ident = f"{p.resolve()}|3|{p.stat().st_mtime_ns}|"
    photo = Query(id="v", path=p)
    frame = Query(id="v#t=1.5", path=p, time_s=1.5)
    assert qi.query_identity(photo) == ident
    assert qi.query_identity(frame) == ident + "#t=1.500"
    assert qi.query_identity(Query(id="f", path=p, time_s=2.0 / 3.0)) == ident + "#t=0.667"
    assert qi.query_key(photo) == _sha16(ident)
    assert qi.query_key(frame) == _sha16(_sha16(ident) + "#t=1.500")
    with pytest.raises(OSError):
        qi.query_identity(Query(id="m", path=tmp_path / "missing.jpg"))


def test_query_pixels_and_thumbnails_for_photos_and_frames(tmp_path, monkeypatch):
    from geolocator.core.media import video

    p = tmp_path / "a.jpg"
    Image.new("RGB", (64, 32), (0, 100, 200)).save(p, quality=95)
    photo = Query(id="a", path=p)
    assert qi.open_query_image(photo).size == (64, 32)
    assert qi.open_query_image(photo, min_side=8).size == (16, 8)  # JPEG drafted at 1/4
    assert qi.query_thumbnail(photo, 16).size == (16, 8)
    asked = []
    monkeypatch.setattr(video, "open_frame", lambda path, t: asked.append((path, t)) or Image.new("RGB", (40, 20)))
    frame = Query(id="v#t=2", path=tmp_path / "v.mp4", time_s=2.0)
    assert qi.open_query_image(frame, min_side=4).size == (40, 20)
    assert qi.query_thumbnail(frame, 10).size == (10, 5)
    assert asked == [(tmp_path / "v.mp4", 2.0), (tmp_path / "v.mp4", 2.0)]


def test_the_cache_folder_is_made_with_its_parents_and_written_through_a_hidden_part_file(tmp_path, monkeypatch):
    root = tmp_path / "not" / "yet"
    c = cc.FeatureCache(root)
    key = "ab" + "3" * 62
    moved = []
    real = os.replace

    def spy(src, dst):
        moved.append((Path(src), Path(dst)))
        real(src, dst)

    monkeypatch.setattr(cc.os, "replace", spy)
    c.put(key, np.array([0.5, 0.25]))
    final = root / "ab" / ("3" * 62 + ".f32")
    assert c.write_error is None and c.get(key, 2).tolist() == [0.5, 0.25]
    [(src, dst)] = moved
    assert dst == final and src.parent == final.parent
    assert src.name.startswith(".tmp-") and src.name.endswith(".part") and not src.exists()
