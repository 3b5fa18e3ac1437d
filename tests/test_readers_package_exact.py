"""Exact answers for core/sources/package.py (what the MBTiles / PMTiles / GeoPackage readers share:
the zoom choice, one tile's decoding, per-thread file handles, read-only SQLite), never mutated before
session 8: written for the survivors of its mutation run (training/results/mutation_readers.md).
Every expected value is worked out by hand in the comments.
"""

from __future__ import annotations

import io
import math
import sqlite3
import threading
from pathlib import Path

import pytest
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.model import Bounds, Tile, TileSet
from geolocator.core.sources import package as pk


def _err(fn, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        fn(*args, **kwargs)
    return info.value


def _encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def test_web_mercator_tile_size_is_the_circumference_over_two_to_the_zoom():
    # 2 pi x 6 378 137 m = 40 075 016.686 m
    assert pk.WEB_MERCATOR_CIRCUMFERENCE_M == pytest.approx(40_075_016.686, abs=1e-3)
    assert pk.web_mercator_tile_m(0, 0.0) == pytest.approx(40_075_016.686, abs=1e-3)
    assert pk.web_mercator_tile_m(2, 60.0) == pytest.approx(40_075_016.686 * 0.5 / 4, rel=1e-9)
    assert pk.web_mercator_tile_m(18, -60.0) == pytest.approx(40_075_016.686 * 0.5 / 2**18, rel=1e-9)
    assert (pk.DEFAULT_TILE_GROUND_M, pk.RASTER_FORMATS) == (100.0, frozenset({"png", "jpg", "jpeg", "webp"}))


def test_photos_ground_size_is_the_median_square_of_the_footprints_that_say_it(monkeypatch):
    import geolocator.core.media.metadata as md

    class Q:
        def __init__(self, meta):
            self.meta = meta

    footprints = {"a": (30.0, 120.0), "b": (10.0, 40.0), "c": (100.0, 100.0), "zero": (0.0, 50.0),
                  "neg": (-1.0, -4.0), "inf": (math.inf, 1.0), "nan": (math.nan, 1.0)}
    monkeypatch.setattr(md, "footprint_m", lambda meta: footprints.get(meta))
    # sqrt(30 x 120) = 60, sqrt(10 x 40) = 20, sqrt(100 x 100) = 100: median 60 of 3
    qs = [Q("a"), Q("zero"), Q("b"), Q(None), Q("neg"), Q("c"), Q("inf"), Q("nan"), object()]
    assert pk.photos_ground_m(qs) == (60.0, 3)
    assert pk.photos_ground_m([Q("a"), Q("b")]) == (40.0, 2)  # the mean of the middle two
    assert pk.photos_ground_m([Q("zero"), Q(None), object()]) == (None, 0)
    assert pk.photos_ground_m([]) == (None, 0)


def test_choose_zoom_is_the_nearest_on_a_log_scale_ties_to_the_finer_level():
    sizes = {1: 400.0, 2: 200.0, 3: 50.0, 4: 0.0}
    # 100 m: 200 and 50 are both a factor 2 away: the finer (3) wins; 0 m counts as 1e-9 m
    assert pk.choose_zoom([2, 1, 3, 3], sizes.__getitem__, None) == 3
    assert pk.choose_zoom([1, 2, 3], sizes.__getitem__, 100) == 3
    assert pk.choose_zoom([1, 2, 3], sizes.__getitem__, 150.0) == 2  # 200/150 = 1.33 < 150/50 = 3
    assert pk.choose_zoom([1, 2, 3], sizes.__getitem__, 290.0) == 1  # 400/290 = 1.379 < 290/200 = 1.45
    assert pk.choose_zoom([1, 2, 3], sizes.__getitem__, 280.0) == 2  # 280/200 = 1.4 < 400/280 = 1.429
    assert pk.choose_zoom([1, 2, 3, 4], sizes.__getitem__, 1e-6) == 4  # 1e-9 m is 1000x off, 50 m 5e7x
    assert pk.choose_zoom((5,), lambda z: 1e9, 1.0) == 5
    with pytest.raises(ValueError, match=r"^the package holds no tiles$"):
        pk.choose_zoom([], sizes.__getitem__, None)
    for bad in (0, -5, math.nan, math.inf, "-1"):
        with pytest.raises(ValueError) as info:
            pk.choose_zoom([1], sizes.__getitem__, bad)
        assert str(info.value) == f"target tile ground size must be a positive number of metres, got {bad}"


def test_pick_zoom_checks_a_given_zoom_and_names_the_levels(tmp_path):
    p = tmp_path / "x.mbtiles"
    sizes = {1: 400.0, 2: 200.0, 3: 50.0, 4: 25.0, 7: 1.0}
    assert pk.pick_zoom(p, (1, 2, 3), 2, sizes.__getitem__, 50.0) == 2
    assert pk.pick_zoom(p, (1, 2, 3), None, sizes.__getitem__, 400.0) == 1
    assert pk.pick_zoom(p, (1, 2, 3), None, sizes.__getitem__, None) == 3
    e = _err(pk.pick_zoom, p, (1, 2, 3), 5, sizes.__getitem__, None)
    assert (e.path, e.problem) == (p, "no tiles at zoom 5; the package has zoom levels 1-3")
    e = _err(pk.pick_zoom, p, (1, 3, 4), 2, sizes.__getitem__, None)
    assert e.problem == "no tiles at zoom 2; the package has zoom levels 1, 3, 4"
    e = _err(pk.pick_zoom, p, (7,), 0, sizes.__getitem__, None)
    assert e.problem == "no tiles at zoom 0; the package has zoom levels 7-7"
    e = _err(pk.pick_zoom, p, (), 1, sizes.__getitem__, None)
    assert e.problem == "the tile package holds no tiles"
    e = _err(pk.pick_zoom, p, (1, 2), None, sizes.__getitem__, -1.0)
    assert e.problem == "target tile ground size must be a positive number of metres, got -1.0"


def test_decode_tile_reads_png_jpeg_webp_and_fills_transparent_pixels(tmp_path):
    p = tmp_path / "x.mbtiles"
    rgb = Image.new("RGB", (4, 2), (200, 100, 50))
    for fmt in ("PNG", "WEBP"):
        im = pk.decode_tile(_encode(rgb, fmt, lossless=True) if fmt == "WEBP" else _encode(rgb, fmt), p, "r")
        assert (im.mode, im.size, im.getpixel((3, 1))) == ("RGB", (4, 2), (200, 100, 50))
    # transparent pixels take the opaque pixels' mean colour: (10+30)/2, (20+40)/2, (30+50)/2
    rgba = Image.new("RGBA", (2, 2), (0, 0, 0, 0))
    rgba.putpixel((0, 0), (10, 20, 30, 255))
    rgba.putpixel((1, 0), (30, 40, 50, 255))
    im = pk.decode_tile(_encode(rgba, "PNG"), p, "r")
    assert im.mode == "RGB" and [im.getpixel((x, y)) for y in range(2) for x in range(2)] == [(10, 20, 30), (30, 40, 50), (20, 30, 40), (20, 30, 40)]
    # a 64 x 64 JPEG with min_side 16 decodes at 1/4 (the smallest reduction keeping both sides >= 16)
    jpg = _encode(Image.new("RGB", (64, 64), (0, 128, 255)), "JPEG")
    assert pk.decode_tile(jpg, p, "r", min_side=16).size == (16, 16)
    assert pk.decode_tile(jpg, p, "r").size == (64, 64)


def test_decode_tile_refusals_name_the_package_and_the_entry(tmp_path, monkeypatch):
    from geolocator.core import images

    p = tmp_path / "x.gpkg"
    e = _err(pk.decode_tile, None, p, "t/1/2/3")
    assert (e.path, e.problem) == (p, "tile t/1/2/3 is not in the package")
    assert _err(pk.decode_tile, b"", p, "r").problem == "tile r: not an image, or a format that cannot be read"
    assert _err(pk.decode_tile, b"junkjunk", p, "r").problem == "tile r: not an image, or a format that cannot be read"
    png = _encode(Image.new("RGB", (64, 64), (1, 2, 3)), "PNG")
    e = _err(pk.decode_tile, png[: len(png) // 2], p, "r")
    assert e.problem.startswith("tile r: corrupt image data (")
    big = _encode(Image.new("RGB", (1500, 1000), (1, 2, 3)), "PNG")
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 1_000_000)
    # 1.5 MP over a 1 MP budget: a PNG cannot be drafted, so it is refused
    assert _err(pk.decode_tile, big, p, "r").problem == "tile r: image is 1500x1000 = 2 MP, over the 1 MP decode budget"
    # a JPEG is drafted to 750 x 500 = 0.375 MP instead
    jpg = _encode(Image.new("RGB", (1500, 1000), (1, 2, 3)), "JPEG")
    assert pk.decode_tile(jpg, p, "r").size == (750, 500)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # PIL's bomb check: over 2 x 100 pixels
    assert _err(pk.decode_tile, png, p, "r").problem == "tile r: image is too large, refusing to decode it"


def test_handle_pool_reopens_a_rewritten_file_and_keeps_one_handle_per_thread(tmp_path):
    opened, closed = [], []

    class H:
        def __init__(self, path):
            self.path, self.n = path, len(opened)
            opened.append(self)

        def close(self):
            closed.append(self.n)

    pool = pk.HandlePool(H)
    a, b = tmp_path / "a.pmtiles", tmp_path / "b.pmtiles"
    a.write_bytes(b"1")
    b.write_bytes(b"2")
    h0 = pool.get(a)
    assert pool.get(str(a)) is h0 and h0.path == a and pool.get(b).n == 1 and len(opened) == 2
    a.write_bytes(b"longer")  # a new size: a new version of the file
    h2 = pool.get(a)
    assert h2.n == 2 and closed == [0] and pool.get(b).n == 1  # only a's old handle closed
    other = []
    t = threading.Thread(target=lambda: other.append(pool.get(a)))
    t.start()
    t.join()
    assert other[0].n == 3 and pool.get(a) is h2
    pool.close_all()
    assert sorted(closed) == [0, 1, 2] and pool.get(a).n == 4
    e = _err(pool.get, tmp_path / "none.pmtiles")
    assert (e.path, e.problem) == (tmp_path / "none.pmtiles", "cannot read the tile package (No such file or directory)")


def test_closing_a_handle_without_close_or_whose_close_fails_is_quiet():
    calls = []

    class Bad:
        def close(self):
            calls.append(1)
            raise RuntimeError("already closed")

    pk._close(object())
    pk._close(Bad())
    assert calls == [1]


def test_refs_split_into_fields_and_numbers(tmp_path):
    p = tmp_path / "x.mbtiles"
    assert pk.parse_ref(p, "1/2/3", 3) == ["1", "2", "3"]
    assert pk.parse_ref(p, 7, 1) == ["7"]
    for ref, parts in (("1/2", 3), ("1/2/3/4", 3), ("", 2)):
        e = _err(pk.parse_ref, p, ref, parts)
        assert (e.path, e.problem) == (p, f"malformed tile reference {ref!r}")
    assert pk.as_int(p, "r", " 12 ") == 12
    assert _err(pk.as_int, p, "1/x/2", "x").problem == "malformed tile reference '1/x/2'"


def _ts(ids, attribution=None, source=Path("f")):
    return TileSet(tuple(Tile(id=i, path=Path(i), bounds=Bounds(0, 0, 1, 1)) for i in ids), source, attribution=attribution)


def test_folder_attribution_comes_from_metadata_json_when_the_set_has_none(tmp_path):
    ts = _ts(["18/1/2.jpg"])
    assert pk.FOLDER_METADATA == "metadata.json"
    assert pk.with_folder_attribution(ts, tmp_path) is ts  # no sidecar
    meta = tmp_path / "metadata.json"
    for text in ("{broken", '["a list"]', '{"attribution": ""}', '{"name": "x"}', '"just text"'):
        meta.write_text(text, encoding="utf-8")
        assert pk.with_folder_attribution(ts, tmp_path) is ts
    meta.write_text('{"attribution": "(c) OSM"}', encoding="utf-8")
    got = pk.with_folder_attribution(ts, tmp_path)
    assert got.attribution == "(c) OSM" and got.tiles == ts.tiles and got.source == ts.source
    assert pk.with_folder_attribution(_ts(["a"], attribution="mine"), tmp_path).attribution == "mine"
    meta.write_text('{"attribution": 5}', encoding="utf-8")
    assert pk.with_folder_attribution(ts, tmp_path).attribution == "5"
    meta.write_bytes(b"\xff\xfe{")
    assert pk.with_folder_attribution(ts, tmp_path) is ts  # a UTF-16 mark and an odd byte: no text, left alone
    meta.write_text('{"attribution": "(c) Kanton Z\u00fcrich"}', encoding="utf-16")  # Notepad's "Unicode" (smallfield35)
    assert pk.with_folder_attribution(ts, tmp_path).attribution == "(c) Kanton Z\u00fcrich"


def test_only_zoom_keeps_one_level_of_an_xyz_folder(tmp_path):
    ts = _ts(["18/1/2.jpg", "180/1/2.jpg", "17/0/0.jpg", "18/3/4.jpg", "x/1.jpg"], source=tmp_path)
    assert pk.only_zoom(ts, None) is ts
    got = pk.only_zoom(ts, 18)
    assert [t.id for t in got.tiles] == ["18/1/2.jpg", "18/3/4.jpg"] and got.zoom == 18 and got.source == tmp_path
    e = _err(pk.only_zoom, ts, 5)
    assert (e.path, e.problem) == (tmp_path, "no tiles at zoom 5; the folder has zoom levels 17, 18, 180")


def test_readonly_sqlite_reads_never_writes_and_names_a_broken_file(tmp_path):
    q = pk.readonly_sqlite("GeoPackage")
    p = tmp_path / "odd name #1?.gpkg"  # '#' and '?' must be quoted in the file: URI
    db = sqlite3.connect(p)
    db.execute("CREATE TABLE t (a INTEGER)")
    db.executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
    db.commit()
    db.close()
    assert q(p, "SELECT a FROM t ORDER BY a") == [(1,), (2,)]
    assert q(p, "SELECT a FROM t WHERE a = ?", (2,)) == [(2,)]
    e = _err(q, p, "INSERT INTO t VALUES (3)")
    assert (e.path, e.problem) == (p, "not a readable GeoPackage file (attempt to write a readonly database)")
    assert q(p, "SELECT COUNT(*) FROM t") == [(2,)]
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"x" * 1000)
    e = pk.readonly_sqlite("MBTiles")
    assert _err(e, junk, "SELECT 1 FROM tiles").problem == "not a readable MBTiles file (file is not a database)"
    folder = tmp_path / "dir.gpkg"
    folder.mkdir()
    # a folder: SQLite refuses to open it (the reason is SQLite's own words)
    assert _err(q, folder, "SELECT 1").problem.startswith("cannot open as a GeoPackage (SQLite) file (")


def test_package_refusals_name_the_file(tmp_path, monkeypatch):
    """The refusals above, with the package named in the error (not only the problem)."""
    from geolocator.core import images

    p = tmp_path / "x.gpkg"
    assert _err(pk.as_int, p, "r", "x").path == p
    assert _err(pk.pick_zoom, p, (), None, float, None).path == p
    assert _err(pk.pick_zoom, p, (1,), None, float, -1.0).path == p
    assert _err(pk.decode_tile, b"junk", p, "r").path == p
    png = _encode(Image.new("RGB", (64, 64), (1, 2, 3)), "PNG")
    assert _err(pk.decode_tile, png[: len(png) // 2], p, "r").path == p
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 100)
    assert _err(pk.decode_tile, png, p, "r").path == p
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    assert _err(pk.decode_tile, png, p, "r").path == p
    folder = tmp_path / "dir.gpkg"
    folder.mkdir()
    assert _err(pk.readonly_sqlite("GeoPackage"), folder, "SELECT 1").path == folder


def test_decode_budget_is_inclusive_and_named_in_rounded_megapixels(monkeypatch):
    from geolocator.core import images

    p = Path("x.mbtiles")
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 16)
    assert pk.decode_tile(_encode(Image.new("RGB", (4, 4)), "PNG"), p, "r").size == (4, 4)  # 16 px: at the budget
    assert _err(pk.decode_tile, _encode(Image.new("RGB", (17, 1)), "PNG"), p, "r").problem == (
        "tile r: image is 17x1 = 0 MP, over the 0 MP decode budget")
    # 1.5 MP is written "2" (Python rounds the exact half to even), 2 MP "2"
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 1_500_000)
    big = _encode(Image.new("RGB", (2000, 1000)), "PNG")
    assert _err(pk.decode_tile, big, p, "r").problem == "tile r: image is 2000x1000 = 2 MP, over the 2 MP decode budget"


def test_choose_zoom_counts_a_ground_size_under_a_metre_as_it_is():
    # 0.001 m vs 0.1 m is 100x off, 2 m vs 0.1 m 20x: zoom 2 (sizes are only floored at 1e-9 m)
    assert pk.choose_zoom([1, 2], {1: 0.001, 2: 2.0}.__getitem__, 0.1) == 2


def test_photos_ground_size_keeps_footprints_under_a_metre(monkeypatch):
    import geolocator.core.media.metadata as md

    class Q:
        meta = "m"

    monkeypatch.setattr(md, "footprint_m", lambda meta: (0.5, 2.0))
    assert pk.photos_ground_m([Q()]) == (1.0, 1)  # sqrt(0.5 x 2) = 1


def test_closing_a_pool_never_used_in_this_thread_is_fine():
    pool = pk.HandlePool(lambda path: None)
    pool.close_all()
    pool.close_all()
    assert pool._local.handles == {}
