"""PMTiles version 1/2 archives (formats37): read through the `pmtiles` package's v2 module; before,
they were refused with a go-pmtiles conversion command. The archives are laid out here by spec v2
(https://github.com/protomaps/PMTiles/blob/main/spec/v2/spec.md); the package has no v2 writer left."""

import io
import json
import struct

import numpy as np
import pytest
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.geo import xyz_tile_bounds
from geolocator.core.sources import pmtiles as pm
from geolocator.core.sources.package import decode_tile
from geolocator.core.sources.tile_image import load_package, open_tile_image

_HEADER = 512_000
_ENTRY = 17


def _entry(z, x, y, offset, length):
    return bytes([z]) + x.to_bytes(3, "little") + y.to_bytes(3, "little") + offset.to_bytes(6, "little") + \
        struct.pack("<I", length)


def write_v2(path, tiles, metadata, *, version=2, leaf_level=None):
    """`tiles` {(z, x, y) XYZ: bytes} as a spec v1/v2 archive: the 512,000-byte header (magic, version,
    metadata length, root entry count, JSON metadata, root), the tiles, then leaf directories (one per
    tile at `leaf_level`, holding the tiles at and below it; the root points to them with z | 0x80)."""
    body, root, leaves = bytearray(), [], {}
    for (z, x, y), data in sorted(tiles.items()):
        where = (z, x, y, _HEADER + len(body), len(data))
        body += data
        if leaf_level is not None and z >= leaf_level:
            d = z - leaf_level
            leaves.setdefault((leaf_level, x >> d, y >> d), []).append(where)
        else:
            root.append(where)
    for (lz, lx, ly), entries in sorted(leaves.items()):
        offset = _HEADER + len(body)
        body += b"".join(_entry(*e) for e in entries)
        root.append((lz | 0x80, lx, ly, offset, len(entries) * _ENTRY))
    meta = json.dumps(metadata).encode()
    head = b"PM" + version.to_bytes(2, "little") + len(meta).to_bytes(4, "little") + len(root).to_bytes(2, "little")
    head += meta + b"".join(_entry(*e) for e in root)
    path.write_bytes(head + bytes(_HEADER - len(head)) + bytes(body))
    return path


def _png(seed, size=64):
    im = Image.fromarray(np.random.default_rng(seed).integers(0, 255, (size, size, 3), dtype=np.uint8))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(autouse=True)
def _fresh_handles():
    yield
    pm._pool.close_all()


def test_a_version_2_archive_is_read_as_its_tiles_say(tmp_path):
    # was: "a PMTiles version 2 archive: geolocator reads version 3 (convert it with go-pmtiles ...)"
    tiles = {(14, 8600 + i, 5600 + j): _png(i * 3 + j) for i in range(3) for j in range(2)}
    tiles[(13, 4300, 2800)] = _png(99)
    path = write_v2(tmp_path / "old.pmtiles", tiles, {"format": "png", "name": "Old ortho", "attribution": "Amt",
                                                       "bounds": "9.0,47.0,9.2,47.2", "minzoom": 13, "maxzoom": 14})
    info = pm.read_info(path)
    assert (info.kind, info.zooms, info.format, info.name, info.attribution) == ("pmtiles", (13, 14), "png",
                                                                                 "Old ortho", "Amt")
    assert (info.bounds.west, info.bounds.south, info.bounds.east, info.bounds.north) == (9.0, 47.0, 9.2, 47.2)
    ts = pm.load(path, zoom=14)
    assert [t.ref for t in ts.tiles] == [f"14/{x}/{y}" for (z, x, y) in sorted(tiles) if z == 14]
    assert ts.tiles[0].bounds == xyz_tile_bounds(14, 8600, 5600)  # XYZ rows, as the v2 converter wrote them
    for (z, x, y), data in tiles.items():
        assert pm.read_tile(path, f"{z}/{x}/{y}") == data
    assert pm.read_tile(path, "14/1/1") is None and pm.read_tile(path, "1/5/5") is None
    img = open_tile_image(load_package(path, zoom=13).tiles[0])
    assert img.size == (64, 64)


def test_tiles_in_leaf_directories_are_found_and_listed(tmp_path):
    # the root holds zooms 0-1 and leaf pointers at zoom 2; the tiles of zooms 2-4 sit in the leaves
    tiles = {(0, 0, 0): b"a0"}
    tiles.update({(1, x, y): f"b{x}{y}".encode() for x in range(2) for y in range(2)})
    tiles.update({(z, x, y): f"{z}/{x}/{y}".encode() for z in (2, 3, 4) for x in range(1 << z) for y in range(1 << z)
                  if (x + y) % 3})
    path = write_v2(tmp_path / "leaves.pmtiles", tiles, {"format": "jpg"}, leaf_level=2)
    assert pm.read_info(path).zooms == (0, 1, 2, 3, 4)
    for (z, x, y), data in tiles.items():
        assert pm.read_tile(path, f"{z}/{x}/{y}") == data
    assert pm.read_tile(path, "4/0/0") is None  # (0 + 0) % 3 == 0: not stored
    listed = [t.ref for t in pm.load(path, zoom=4).tiles]
    assert listed == [f"4/{x}/{y}" for (z, x, y) in sorted(tiles) if z == 4]


def test_a_version_1_archive_and_one_without_format_or_bounds_are_read_by_their_tiles(tmp_path):
    tiles = {(16, 34000, 22000): _png(1), (16, 34001, 22000): _png(2)}
    path = write_v2(tmp_path / "v1.pmtiles", tiles, {}, version=1)
    info = pm.read_info(path)
    assert (info.format, info.bounds, info.zooms) == ("png", None, (16,))
    ts = pm.load(path, tile_size_m=300)  # only zoom 16: the first tile's latitude gives its ground size
    assert len(ts.tiles) == 2
    assert decode_tile(pm.read_tile(path, "16/34001/22000"), path, "16/34001/22000").size == (64, 64)


def test_a_vector_version_2_archive_is_refused_by_name(tmp_path):
    path = write_v2(tmp_path / "roads.pmtiles", {(0, 0, 0): b"\x1f\x8b\x08\x00pbf"},
                    {"format": "pbf", "compression": "gzip"})
    with pytest.raises(InputError) as err:
        pm.read_info(path)
    assert err.value.path == path
    assert err.value.problem == "its tiles are 'pbf', not imagery (geolocator needs png, jpg, webp or avif tiles)"


def test_an_unnamed_format_whose_first_tile_is_no_image_is_refused(tmp_path):
    path = write_v2(tmp_path / "odd.pmtiles", {(0, 0, 0): b"no image"}, {"format": "png8"})
    with pytest.raises(InputError) as err:
        pm.read_info(path)
    assert err.value.problem == ("its tiles are 'png8' and its first tile is not an image geolocator reads "
                                 "(geolocator needs png, jpg, webp or avif tiles)")


def test_gzipped_version_2_tiles_are_unpacked(tmp_path):
    import gzip

    data = _png(5)
    path = write_v2(tmp_path / "gz.pmtiles", {(3, 1, 2): gzip.compress(data)}, {"compression": "gzip"})
    assert pm.read_info(path).format == "png"
    assert pm.read_tile(path, "3/1/2") == data


@pytest.mark.parametrize("damage", ["cut", "json", "mixed leaves"])
def test_a_damaged_version_2_header_is_named(tmp_path, damage):
    path = tmp_path / "bad.pmtiles"
    if damage == "cut":
        path.write_bytes(b"PM\x02\x00" + (50).to_bytes(4, "little") + b"\x00\x00" + b'{"format": "pn')
        want = "damaged PMTiles version 2 header ("
    elif damage == "json":
        meta = b"{not json"
        path.write_bytes(b"PM\x02\x00" + len(meta).to_bytes(4, "little") + b"\x00\x00" + meta + bytes(100))
        want = "damaged PMTiles version 2 header ("
    else:
        root = _entry(0x82, 0, 0, _HEADER, _ENTRY) + _entry(0x83, 0, 0, _HEADER, _ENTRY)
        meta = b"{}"
        path.write_bytes(b"PM\x02\x00" + len(meta).to_bytes(4, "little") + (2).to_bytes(2, "little") + meta + root +
                         bytes(_HEADER) + _entry(2, 0, 0, 0, 1))
        want = "damaged PMTiles version 2 root: leaf directories at zooms [2, 3]"
    with pytest.raises(InputError) as err:
        pm.read_info(path)
    assert err.value.path == path and err.value.problem.startswith(want)
