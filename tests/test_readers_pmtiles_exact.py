"""Exact answers for core/sources/pmtiles.py (PMTiles v3 archives), never mutated before session 8:
written for the survivors of its mutation run (training/results/mutation_readers.md). The archives are
assembled here from the `pmtiles` package's own serialisers (header, gzip directories, leaf
directories, tile data), so every directory layout the reader must walk (leaves skipped by tile id,
runs crossing a zoom level, leaves nested 3 deep) is built on purpose; tile ids and positions are
checked against pmtiles.tile's one-at-a-time conversions and hand-worked Hilbert positions.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from geolocator.core.errors import InputError
from geolocator.core.geo import xyz_tile_bounds
from geolocator.core.model import Bounds
from geolocator.core.sources import pmtiles as pm
from geolocator.core.sources.package import PackageInfo


def _err(fn, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        fn(*args, **kwargs)
    return info.value


def _entries(rows):
    from pmtiles.tile import Entry

    return [Entry(*r) for r in rows]


def _archive(path: Path, root, leaves: bytes = b"", data: bytes = b"", *, tile_type="PNG", tile_comp="NONE",
             internal="GZIP", zooms=(1, 2), bounds_e7=(-1234567890, -456789012, 1234567890, 456789012),
             metadata=None, addressed=1) -> Path:
    """header + root directory + metadata + leaf directories + tile data, as the spec lays them out.
    `root`: rows (tile_id, offset, length, run_length) or raw bytes; `metadata`: a JSON value or raw bytes."""
    from pmtiles.tile import Compression, TileType, serialize_directory, serialize_header

    root_bytes = root if isinstance(root, bytes) else serialize_directory(_entries(root))
    if metadata is None:
        meta = b""
    elif isinstance(metadata, bytes):
        meta = metadata
    else:
        meta = gzip.compress(json.dumps(metadata).encode())
    h = {
        "root_offset": 127, "root_length": len(root_bytes), "metadata_offset": 127 + len(root_bytes),
        "metadata_length": len(meta), "leaf_directory_offset": 127 + len(root_bytes) + len(meta),
        "leaf_directory_length": len(leaves), "tile_data_offset": 127 + len(root_bytes) + len(meta) + len(leaves),
        "tile_data_length": len(data), "addressed_tiles_count": addressed, "tile_entries_count": 1,
        "tile_contents_count": 1, "clustered": True, "internal_compression": Compression[internal],
        "tile_compression": Compression[tile_comp], "tile_type": TileType[tile_type], "min_zoom": zooms[0],
        "max_zoom": zooms[1], "min_lon_e7": bounds_e7[0], "min_lat_e7": bounds_e7[1], "max_lon_e7": bounds_e7[2],
        "max_lat_e7": bounds_e7[3], "center_zoom": zooms[0], "center_lon_e7": 0, "center_lat_e7": 0,
    }
    path.write_bytes(serialize_header(h) + root_bytes + meta + leaves + data)
    return path


def _leaves(*dirs):
    """Concatenated serialised leaf directories and each one's (offset, length) in the leaf section."""
    from pmtiles.tile import serialize_directory

    out, spans = b"", []
    for rows in dirs:
        b = rows if isinstance(rows, bytes) else serialize_directory(_entries(rows))
        spans.append((len(out), len(b)))
        out += b
    return out, spans


GARBAGE = b"not a gzip directory"

# zoom 1 tile ids 1..4 are (x, y) = (0, 0), (0, 1), (1, 1), (1, 0) (the Hilbert curve of spec v3: down
# the left column, then up the right one); zoom 2 starts at id 5 = (0, 0), then id 6 = (1, 0) (the curve
# of order 2 turns the other way first); zoom 3 starts at id 21.
Z1 = {1: (0, 0), 2: (0, 1), 3: (1, 1), 4: (1, 0)}


def _two_zoom_archive(path: Path, **kw) -> Path:
    """Tiles 1..4 (zoom 1, data b"t1".."t4") and 5, 6 (zoom 2, b"t5", b"t6"), each zoom in its own
    leaf; a garbage leaf for ids from 21 (zoom 3), which no listing of zoom 1 or 2 may read."""
    data = b"t1t2t3t4t5t6"
    leaves, spans = _leaves([(i, 2 * (i - 1), 2, 1) for i in range(1, 5)], [(5, 8, 2, 1), (6, 10, 2, 1)], GARBAGE)
    root = [(1, *spans[0], 0), (5, *spans[1], 0), (21, *spans[2], 0)]
    return _archive(path, root, leaves, data, zooms=(1, 3), **kw)


def test_pmtiles_tile_ids_to_columns_and_rows_agree_with_the_package_and_by_hand():
    import numpy as np
    from pmtiles.tile import tileid_to_zxy, zxy_to_tileid

    xs, ys = pm.tileids_to_xy(np.array([1, 2, 3, 4]), 1)
    assert (xs.tolist(), ys.tolist()) == ([0, 0, 1, 1], [0, 1, 1, 0])
    assert [zxy_to_tileid(1, x, y) for x, y in Z1.values()] == [1, 2, 3, 4]
    for z in range(0, 6):
        lo = zxy_to_tileid(z, 0, 0)
        ids = np.arange(lo, lo + 4**z)
        xs, ys = pm.tileids_to_xy(ids, z)
        assert [(z, x, y) for x, y in zip(xs.tolist(), ys.tolist())] == [tileid_to_zxy(int(i)) for i in ids]


def test_pmtiles_info_from_the_header_and_metadata(tmp_path):
    p = _two_zoom_archive(tmp_path / "a.pmtiles", metadata={"attribution": "(c) me", "name": "Demo"})
    assert pm.read_info(p) == PackageInfo(p, "pmtiles", (1, 2, 3), "png",
                                          Bounds(-123.456789, -45.6789012, 123.456789, 45.6789012), "(c) me", "Demo")
    for i, (tile_type, fmt) in enumerate([("JPEG", "jpg"), ("WEBP", "webp")]):
        q = _two_zoom_archive(tmp_path / f"b{i}.pmtiles", tile_type=tile_type)
        assert pm.read_info(q) == PackageInfo(q, "pmtiles", (1, 2, 3), fmt,
                                              Bounds(-123.456789, -45.6789012, 123.456789, 45.6789012), None, None)
    for i, meta in enumerate([["a list"], {"attribution": "", "name": ""}, b"not gzip", {"other": 1}]):
        q = _two_zoom_archive(tmp_path / f"c{i}.pmtiles", metadata=meta)
        info = pm.read_info(q)
        assert (info.attribution, info.name, info.format, info.zooms) == (None, None, "png", (1, 2, 3))
    q = _two_zoom_archive(tmp_path / "d.pmtiles", addressed=0)  # 0: the count is unknown (spec v3 §3.2)
    assert pm.read_info(q).zooms == (1, 2, 3)
    q = _two_zoom_archive(tmp_path / "eMVT.pmtiles", tile_type="MVT")  # AVIF (0x05) is imagery: test_prop_packages.py
    assert _err(pm.read_info, q).problem == (
        "its tiles are MVT, not imagery (geolocator needs png, jpg, webp or avif tiles)")
    # type 0, unknown: told from the first tile (test_pmtiles_compression.py), here b"t1", no image
    q = _two_zoom_archive(tmp_path / "eUNKNOWN.pmtiles", tile_type="UNKNOWN")
    assert _err(pm.read_info, q).problem == ("its header leaves the tile type unknown (0) and its first tile, 1/0/0, "
                                             "is not an image geolocator reads (png, jpg, webp or avif)")


def test_pmtiles_files_that_are_not_v3_gzip_archives_are_refused(tmp_path):
    empty = tmp_path / "empty.pmtiles"
    empty.write_bytes(b"")
    e = _err(pm.read_info, empty)
    assert e.problem.startswith("not a PMTiles archive (") and e.path == empty
    other = tmp_path / "other.pmtiles"
    other.write_bytes(b"SQLite format 3\x00" + bytes(200))
    assert _err(pm.read_info, other).problem == "not a PMTiles archive (no 'PMTiles' magic number)"
    v2 = tmp_path / "v2.pmtiles"
    v2.write_bytes(b"PMTiles\x02" + bytes(200))
    assert _err(pm.read_info, v2).problem == "only PMTiles version 3 archives are supported"
    short = tmp_path / "short.pmtiles"
    short.write_bytes(b"PMTiles\x03" + bytes(40))
    assert _err(pm.read_info, short).problem.startswith("damaged PMTiles header (")
    # directories of unknown compression (0): brotli has no signature to tell it by (pmtiles36; none and
    # brotli directories are read now: test_pmtiles_compression.py)
    q = _two_zoom_archive(tmp_path / "UNKNOWN.pmtiles", internal="UNKNOWN")
    assert _err(pm.read_info, q).problem == ("its header does not say how its directories are compressed (code 0, "
                                             "unknown): geolocator reads none, gzip, brotli or zstd")
    folder = tmp_path / "dir.pmtiles"
    folder.mkdir()
    assert _err(pm.read_info, folder).problem == "cannot open (Is a directory)"


def test_pmtiles_listing_reads_only_the_leaves_that_can_hold_the_zoom(tmp_path):
    p = _two_zoom_archive(tmp_path / "a.pmtiles")
    ts = pm.load(p, zoom=1)
    assert ts.zoom == 1 and ts.source == p and ts.attribution is None
    # sorted by column, then row
    assert [(t.id, t.ref, t.path, t.bounds) for t in ts.tiles] == [
        (f"1/{x}/{y}", f"1/{x}/{y}", p, xyz_tile_bounds(1, x, y)) for x, y in [(0, 0), (0, 1), (1, 0), (1, 1)]]
    assert [t.id for t in pm.load(p, zoom=2).tiles] == ["2/0/0", "2/1/0"]  # ids 5, 6
    assert pm._tiles_at_zoom(pm._pool.get(p), 2) == [(2, 0, 0), (2, 1, 0)]
    e = _err(pm.load, p, zoom=3)  # the garbage leaf is read only now
    assert e.problem.startswith("damaged PMTiles directory (")
    assert [pm.read_tile(p, f"1/{x}/{y}") for x, y in [(0, 0), (0, 1), (1, 1), (1, 0)]] == [b"t1", b"t2", b"t3", b"t4"]
    assert pm.read_tile(p, "2/1/0") == b"t6" and pm.read_tile(p, "2/0/1") is None and pm.read_tile(p, "0/0/0") is None


def test_pmtiles_a_leaf_ending_where_the_zoom_begins_is_not_read(tmp_path):
    # root: a garbage leaf for ids 1..4 (zoom 1), ids 5, 6 in a good leaf, a garbage leaf from 21
    leaves, spans = _leaves(GARBAGE, [(5, 0, 2, 1), (6, 2, 2, 1)], GARBAGE)
    root = [(1, *spans[0], 0), (5, *spans[1], 0), (21, *spans[2], 0)]
    p = _archive(tmp_path / "a.pmtiles", root, leaves, b"t5t6", zooms=(1, 3))
    assert pm._tiles_at_zoom(pm._Archive(p), 2) == [(2, 0, 0), (2, 1, 0)]
    assert _err(pm._tiles_at_zoom, pm._Archive(p), 1).problem.startswith("damaged PMTiles directory (")
    # the last leaf has no end: read for every zoom from its first id on
    assert _err(pm._tiles_at_zoom, pm._Archive(p), 4).problem.startswith("damaged PMTiles directory (")
    assert pm._tiles_at_zoom(pm._Archive(p), 0) == []  # id 0: before every leaf


def test_pmtiles_a_run_across_two_zoom_levels_is_cut_at_the_boundary(tmp_path):
    # one entry: ids 3, 4 (zoom 1) and 5, 6 (zoom 2) all share the same 2 bytes
    p = _archive(tmp_path / "a.pmtiles", [(3, 0, 2, 4)], b"", b"tt", zooms=(1, 2))
    a = pm._Archive(p)
    assert pm._tiles_at_zoom(a, 1) == [(1, 1, 1), (1, 1, 0)]
    assert pm._tiles_at_zoom(a, 2) == [(2, 0, 0), (2, 1, 0)]
    assert pm._tiles_at_zoom(a, 0) == [] and pm._tiles_at_zoom(a, 3) == []
    assert [pm.read_tile(p, r) for r in ("1/1/1", "1/1/0", "2/0/0", "2/1/0", "2/1/1", "1/0/1")] == [
        b"tt", b"tt", b"tt", b"tt", None, None]


def _nested(path: Path, depth: int) -> Path:
    """Tile 0/0/0 (id 0, data b"deep") behind `depth` levels of one-entry leaf directories."""
    from pmtiles.tile import serialize_directory

    tile_dir = serialize_directory(_entries([(0, 0, 4, 1)]))
    leaves, offset, length = b"", None, None
    chain = [tile_dir]
    for _ in range(depth - 1):
        prev_offset = sum(len(b) for b in chain[:-1])
        chain.append(serialize_directory(_entries([(0, prev_offset, len(chain[-1]), 0)])))
    leaves = b"".join(chain)
    offset, length = sum(len(b) for b in chain[:-1]), len(chain[-1])
    return _archive(path, [(0, offset, length, 0)], leaves, b"deep", zooms=(0, 0))


def test_pmtiles_leaves_three_deep_are_read_and_four_deep_refused(tmp_path):
    p = _nested(tmp_path / "three.pmtiles", 3)
    assert pm.read_tile(p, "0/0/0") == b"deep"
    assert [t.id for t in pm.load(p).tiles] == ["0/0/0"]
    q = _nested(tmp_path / "four.pmtiles", 4)
    assert pm.read_tile(q, "0/0/0") is None
    assert _err(pm.load, q).problem == "PMTiles directories nested too deep (damaged archive?)"


def test_pmtiles_parsed_directories_are_kept_up_to_64(tmp_path, monkeypatch):
    import pmtiles.tile

    p = _two_zoom_archive(tmp_path / "a.pmtiles")
    a = pm._Archive(p)
    a.internal = "NONE"  # one-byte slices as directories: unpack() passes them through (it refuses a cut gzip)
    parsed = []
    monkeypatch.setattr(pmtiles.tile, "deserialize_directory",
                        lambda b: parsed.append(gzip.decompress(b)) or [len(parsed)])
    for i in range(64):
        assert a.directory(i, 1) == [i + 1]
    assert a.directory(5, 1) == [6] and len(parsed) == 64  # kept: not parsed again
    assert a.directory(64, 1) == [65] and len(a._dirs) == 64  # the 65th pushes out the oldest, (0, 1)
    assert (0, 1) not in a._dirs and (1, 1) in a._dirs and (64, 1) in a._dirs
    assert a.directory(1, 1) == [2] and len(parsed) == 65
    assert a.directory(0, 1) == [66] and parsed[-1] == p.read_bytes()[0:1]
    assert a.get_bytes(0, 7) == b"PMTiles" and a.get_bytes(127, 0) == b""


def test_pmtiles_zoom_is_chosen_at_the_archives_latitude_and_empty_levels_are_skipped(tmp_path):
    from pmtiles.tile import zxy_to_tileid

    # tiles at zoom 15 and 16 only (min zoom 15, max 17); 1 tile each
    ids = sorted([zxy_to_tileid(15, 0, 0), zxy_to_tileid(16, 0, 0)])
    root = [(ids[0], 0, 2, 1), (ids[1], 2, 2, 1)]
    # a tile at zoom z is 40 075 016.7 m x cos(lat) / 2^z: 1223 m (z 15) and 611.5 m (z 16) at the
    # equator, half that at 60 deg; a 611 m target is zoom 16 at the equator and zoom 15 at 60 deg
    eq = _archive(tmp_path / "eq.pmtiles", root, b"", b"aabb", zooms=(15, 17), bounds_e7=(0, -10000000, 10000000, 10000000))
    north = _archive(tmp_path / "n.pmtiles", root, b"", b"aabb", zooms=(15, 17), bounds_e7=(0, 590000000, 10000000, 610000000))
    assert pm.load(eq, tile_size_m=611).zoom == 16 and pm.load(north, tile_size_m=611).zoom == 15
    # 150 m is nearest zoom 17 (153 m at the equator), which is empty: the next nearest, 16
    assert pm.load(eq, tile_size_m=150).zoom == 16
    assert _err(pm.load, eq, zoom=17).problem == "no tiles at zoom 17"
    assert _err(pm.load, eq, zoom=14).problem == "no tiles at zoom 14; the package has zoom levels 15-17"
    # every level empty: the last one tried is named
    empty = _archive(tmp_path / "e.pmtiles", [(zxy_to_tileid(18, 0, 0), 0, 2, 1)], b"", b"aa", zooms=(15, 16))
    assert _err(pm.load, empty, tile_size_m=1000).problem == "no tiles at zoom 16"  # 15 (1223 m) tried first
    single = _archive(tmp_path / "s.pmtiles", [(zxy_to_tileid(18, 0, 0), 0, 2, 1)], b"", b"aa", zooms=(15, 15))
    assert _err(pm.load, single).problem == "no tiles at zoom 15"


def test_pmtiles_gzip_tiles_are_inflated_and_damage_is_named(tmp_path):
    packed = gzip.compress(b"tile one")
    p = _archive(tmp_path / "g.pmtiles", [(1, 0, len(packed), 1), (2, len(packed), 5, 1)], b"", packed + b"abcde",
                 zooms=(1, 1), tile_comp="GZIP")
    assert pm.read_tile(p, "1/0/0") == b"tile one"
    e = _err(pm.read_tile, p, "1/0/1")
    assert e.problem.startswith("tile 1/0/1: corrupt gzip data (") and e.path == p
    q = _archive(tmp_path / "d.pmtiles", GARBAGE, b"", b"", zooms=(1, 1))
    assert _err(pm.read_tile, q, "1/0/0").problem.startswith("tile 1/0/0: damaged PMTiles directory (")
    for ref in ("1/0", "1/0/0/0", "1/x/0"):
        assert _err(pm.read_tile, p, ref).problem == f"malformed tile reference {ref!r}"


def test_pmtiles_writer_header_and_metadata(tmp_path):
    from pmtiles.reader import MmapSource, Reader
    from pmtiles.tile import Compression, TileType

    tiles = {(2, 1, 1): b"A", (3, 3, 2): b"B"}
    p = pm.write_pmtiles(tmp_path / "w.pmtiles", tiles, fmt="jpg")
    assert p == tmp_path / "w.pmtiles"
    with open(p, "rb") as f:
        r = Reader(MmapSource(f))
        h, meta = r.header(), r.metadata()
        got = {(z, x, y): r.get(z, x, y) for z, x, y in tiles}
    # tile 2/1/1 spans lon -90..0, lat 0..66.51 (Web Mercator); 3/3/2 lies inside it
    b = xyz_tile_bounds(2, 1, 1)
    assert (b.west, b.east, b.south) == (-90.0, 0.0, 0.0)
    assert (h["tile_type"], h["tile_compression"], h["min_zoom"], h["max_zoom"], h["center_zoom"]) == (
        TileType.JPEG, Compression.NONE, 2, 3, 3)
    assert (h["min_lon_e7"], h["min_lat_e7"], h["max_lon_e7"], h["max_lat_e7"]) == (
        -900000000, 0, 0, math.ceil(b.north * 1e7))  # rounded outward (propfuzz35)
    assert (h["center_lon_e7"], h["center_lat_e7"]) == (-450000000, int(b.north / 2 * 1e7))
    assert meta == {"attribution": "", "name": "w"} and got == tiles
    q = pm.write_pmtiles(tmp_path / "q.pmtiles", {(0, 0, 0): b"X"}, attribution="(c) x", name="N")
    info = pm.read_info(q)
    assert (info.format, info.attribution, info.name, info.zooms) == ("png", "(c) x", "N", (0,))
    for fmt, kind in (("jpeg", "jpg"), ("webp", "webp")):
        assert pm.read_info(pm.write_pmtiles(tmp_path / f"{fmt}.pmtiles", {(0, 0, 0): b"X"}, fmt=fmt)).format == kind
    with pytest.raises(ValueError, match="^no tiles to write$"):
        pm.write_pmtiles(tmp_path / "none.pmtiles", {})


def test_pmtiles_writer_header_rounds_each_bound_and_the_centre_itself():
    """A zoom-13 tile whose bounds are not whole in 1e-7 degrees: each header bound is the tile's own
    bound x 1e7 rounded outward (floor west/south, ceil east/north: int() truncated toward 0, which put a
    negative western edge inside the tile, propfuzz35), the centre int() of the tile's own centre (the
    library's default centre, the rounded mean of the rounded bounds, differs by one in both axes here)."""
    import math
    import tempfile

    from pmtiles.reader import MmapSource, Reader

    z, x, y = 13, 5, 3000
    n = 2**z
    west, east = -180 + 360 * x / n, -180 + 360 * (x + 1) / n  # -179.7802734375, -179.736328125
    north = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))  # 43.325177679...
    south = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 1) / n))))  # 43.293200313...
    with tempfile.TemporaryDirectory() as d:
        p = pm.write_pmtiles(Path(d) / "t.pmtiles", {(z, x, y): b"A"})
        with open(p, "rb") as f:
            h = Reader(MmapSource(f)).header()
    assert (h["min_lon_e7"], h["max_lon_e7"]) == (-1797802735, -1797363281)
    assert (h["min_lat_e7"], h["max_lat_e7"]) == (math.floor(south * 1e7), math.ceil(north * 1e7)) == (432932003, 433251777)
    assert h["center_lon_e7"] == int((west + east) / 2 * 1e7) == -1797583007
    assert h["center_lat_e7"] == int((south + north) / 2 * 1e7) == 433091889
    assert (h["min_zoom"], h["max_zoom"], h["center_zoom"]) == (13, 13, 13)


def test_pmtiles_refusals_name_the_archive(tmp_path):
    """The refusals above, with the archive named in the error (not only the problem)."""
    empty = tmp_path / "empty.pmtiles"
    empty.write_bytes(b"")
    other = tmp_path / "other.pmtiles"
    other.write_bytes(b"SQLite format 3\x00" + bytes(200))
    v2 = tmp_path / "v2.pmtiles"
    v2.write_bytes(b"PMTiles\x02" + bytes(200))
    short = tmp_path / "short.pmtiles"
    short.write_bytes(b"PMTiles\x03" + bytes(40))
    plain = _two_zoom_archive(tmp_path / "none.pmtiles", internal="UNKNOWN")
    mvt = _two_zoom_archive(tmp_path / "mvt.pmtiles", tile_type="MVT")
    folder = tmp_path / "dir.pmtiles"
    folder.mkdir()
    for p in (empty, other, v2, short, plain, mvt, folder):
        assert _err(pm.read_info, p).path == p
    q = _nested(tmp_path / "four.pmtiles", 4)
    assert _err(pm.load, q).path == q
    assert pm._Archive(q).path == q
    g = _two_zoom_archive(tmp_path / "g.pmtiles")
    assert _err(pm.load, g, zoom=3).path == g  # a damaged leaf
    assert _err(pm.load, g, zoom=9).path == g  # a zoom it does not hold
    for ref in ("1/0", "1/x/0"):
        assert _err(pm.read_tile, g, ref).path == g
    d = _archive(tmp_path / "d.pmtiles", GARBAGE, b"", b"", zooms=(1, 1))
    assert _err(pm.read_tile, d, "1/0/0").path == d
    packed = _archive(tmp_path / "z.pmtiles", [(1, 0, 5, 1)], b"", b"abcde", zooms=(1, 1), tile_comp="GZIP")
    assert _err(pm.read_tile, packed, "1/0/0").path == packed
    single = _archive(tmp_path / "s.pmtiles", [(21, 0, 2, 1)], b"", b"aa", zooms=(1, 1))
    assert _err(pm.load, single).path == single  # no tiles at zoom 1


def test_pmtiles_the_next_to_last_leaf_ends_at_the_last_ones_first_id(tmp_path):
    # two leaves: garbage for ids 1..4 (zoom 1), then ids 5, 6: listing zoom 2 must not read the first
    leaves, spans = _leaves(GARBAGE, [(5, 0, 2, 1), (6, 2, 2, 1)])
    p = _archive(tmp_path / "a.pmtiles", [(1, *spans[0], 0), (5, *spans[1], 0)], leaves, b"t5t6", zooms=(1, 2))
    assert pm._tiles_at_zoom(pm._Archive(p), 2) == [(2, 0, 0), (2, 1, 0)]


def test_pmtiles_tile_set_carries_the_archives_attribution(tmp_path):
    p = _two_zoom_archive(tmp_path / "a.pmtiles", metadata={"attribution": "(c) me", "name": "Demo"})
    assert pm.load(p, zoom=1).attribution == "(c) me"


def test_pmtiles_a_tile_outside_the_xyz_grid_is_not_in_the_archive(tmp_path):
    """Regression (pmtiles36): a column or row beyond 2^z - 1, or a negative one, was read as "tile 1/5/5:
    damaged PMTiles directory (tile x/y outside zoom level bounds)" (pmtiles.tile.zxy_to_tileid's
    ValueError); no archive holds such a tile, so it is missing, as in an MBTiles or GeoPackage."""
    p = _two_zoom_archive(tmp_path / "a.pmtiles")
    for ref in ("1/5/5", "1/2/0", "1/0/2", "1/-1/0", "2/0/-1", "40/0/0", "-1/0/0"):
        assert pm.read_tile(p, ref) is None
    assert pm.read_tile(p, "1/1/0") == b"t4"


def test_pmtiles_a_version_2_archive_is_read_and_other_pm_files_named(tmp_path):
    """pmtiles36 named a spec v2 archive ("PM" and its version as a uint16, read here by the pmtiles
    package's own v2 reader) with a conversion command, where it had been "not a PMTiles archive (no
    'PMTiles' magic number)"; formats37 reads it (tests/test_pmtiles_v2.py)."""
    import json

    from pmtiles.reader import MemorySource
    from pmtiles.v2 import Reader as V2Reader

    meta = json.dumps({"format": "png", "name": "old"}).encode()
    entry = (0).to_bytes(1, "little") + bytes(6) + (512000).to_bytes(6, "little") + (2).to_bytes(4, "little")
    head = b"PM" + (2).to_bytes(2, "little") + len(meta).to_bytes(4, "little") + (1).to_bytes(2, "little") + meta + entry
    data = head + bytes(512000 - len(head)) + b"t0"
    assert V2Reader(MemorySource(data)).get(0, 0, 0) == b"t0"  # a v2 archive by the package's own reading
    p = tmp_path / "old.pmtiles"
    p.write_bytes(data)
    assert (pm.read_info(p).zooms, pm.read_info(p).name, pm.read_tile(p, "0/0/0")) == ((0,), "old", b"t0")
    other = tmp_path / "pm.pmtiles"
    other.write_bytes(b"PM\x07\x00" + bytes(200))  # "PM" and no version v2 had: some other file
    assert _err(pm.read_info, other).problem == "not a PMTiles archive (no 'PMTiles' magic number)"
    first = tmp_path / "v1.pmtiles"  # spec v1 began the same way, version 1; no metadata: no JSON to read
    first.write_bytes(b"PM\x01\x00" + bytes(200))
    assert _err(pm.read_info, first).problem.startswith("damaged PMTiles version 1 header (")


def test_pmtiles_a_header_without_bounds_takes_the_latitude_of_its_tiles(tmp_path):
    """Regression (pmtiles36): go-pmtiles convert leaves the header bounds 0, 0, 0, 0 for an MBTiles without
    'bounds'; that box was read as the archive's bounds, at the equator, so the zoom for 611 m tiles was 16
    for tiles at 60° N where zoom 15's are 611 m (and the app's zoom list gave equator sizes). A box of no
    area is no bounds now, and the first tile's latitude is used."""
    import mercantile
    from pmtiles.tile import zxy_to_tileid

    t15, t16 = mercantile.tile(10.0, 60.0, 15), mercantile.tile(10.0, 60.0, 16)
    ids = sorted([zxy_to_tileid(15, t15.x, t15.y), zxy_to_tileid(16, t16.x, t16.y)])
    root = [(ids[0], 0, 2, 1), (ids[1], 2, 2, 1)]
    p = _archive(tmp_path / "n.pmtiles", root, b"", b"aabb", zooms=(15, 16), bounds_e7=(0, 0, 0, 0))
    assert pm.read_info(p).bounds is None
    assert pm.load(p, tile_size_m=611).zoom == 15
    flat = _archive(tmp_path / "f.pmtiles", root, b"", b"aabb", zooms=(15, 16), bounds_e7=(100000000, 0, 100000000, 600000000))
    assert pm.read_info(flat).bounds is None  # a line is no box either
    boxed = _archive(tmp_path / "b.pmtiles", root, b"", b"aabb", zooms=(15, 16), bounds_e7=(0, -10000000, 10000000, 10000000))
    assert pm.load(boxed, tile_size_m=611).zoom == 16  # bounds given (at the equator): they are trusted
