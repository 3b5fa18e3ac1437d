"""Property tests of the PMTiles version 1/2 reader (core/sources/pmtiles_v2.py, formats37), propfuzz37.

Archives are laid out by spec v2 (tests/test_pmtiles_v2.write_v2: the 512,000-byte header section, tiles, then
leaf directories). What must always hold:
- a whole archive of any tiles (zooms 0-9, a leaf level or none, version 1 or 2, the format declared, as a media
  type, or left to the first tile) lists exactly its tiles per zoom and reads every one back byte for byte;
- the same archive cut at any byte, or with bytes changed in its header section, raises only InputError naming
  the file, and whatever it does give is of the archive: its zooms, its tiles, their exact bytes. The package
  reads bytes past the end as zeros, so before propfuzz37 a cut file listed a phantom tile 0/0/0 and read tiles
  short or empty.
"""

from __future__ import annotations

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given, strategies as st  # noqa: E402

from geolocator.core.errors import InputError  # noqa: E402
from geolocator.core.sources import pmtiles as pm  # noqa: E402

from .prop_profile import prop  # noqa: E402
from .test_pmtiles_v2 import _HEADER, _png, write_v2  # noqa: E402

PNGS = [_png(seed, 8) for seed in range(4)]  # real images: a format left out is told by the first tile


@st.composite
def archives(draw):
    """(tiles {(z, x, y): bytes}, metadata, version, leaf level or None)."""
    leaf_level = draw(st.sampled_from([None, 2, 4]))
    keys = draw(st.sets(st.integers(0, 9).flatmap(
        lambda z: st.tuples(st.just(z), st.integers(0, (1 << z) - 1), st.integers(0, (1 << z) - 1))),
        min_size=1, max_size=12))
    if leaf_level is not None:  # the root keeps the tiles above the leaf level, the leaves the rest
        keys = {k for k in keys if k[0] != leaf_level - 1} or {(leaf_level, 0, 0)}
    tiles = {k: PNGS[i % len(PNGS)] + bytes([i]) * draw(st.integers(0, 3)) for i, k in enumerate(sorted(keys))}
    fmt = draw(st.sampled_from([{"format": "png"}, {"format": "image/png"}, {"format": " PNG "}, {}]))
    meta = {**fmt, **draw(st.sampled_from([{}, {"bounds": "9.0,47.0,9.2,47.2"}, {"bounds": [9.0, 47.0, 9.2, 47.2]},
                                           {"bounds": "junk", "name": 5, "attribution": None}]))}
    return tiles, meta, draw(st.sampled_from([1, 2])), leaf_level


def _read_all(path):
    """(zooms, {zoom: [refs]}, {ref: bytes}) as the app reads an archive: its info, each zoom's listing, every
    listed tile."""
    info = pm.read_info(path)
    listed, got = {}, {}
    for z in info.zooms:
        listed[z] = [t.ref for t in pm.load(path, zoom=z).tiles]
        for ref in listed[z]:
            got[ref] = pm.read_tile(path, ref)
    return info.zooms, listed, got


def _key(ref):
    return tuple(int(v) for v in ref.split("/"))


@pytest.fixture(autouse=True)
def _fresh_handles():
    yield
    pm._pool.close_all()


@given(archives())
@prop(60, fixtures=True)
def test_a_whole_archive_reads_back_every_tile(tmp_path, drawn):
    tiles, meta, version, leaf_level = drawn
    path = write_v2(tmp_path / "a.pmtiles", tiles, meta, version=version, leaf_level=leaf_level)
    pm._pool.close_all()
    zooms, listed, got = _read_all(path)
    assert zooms == tuple(sorted({z for z, _, _ in tiles}))
    for z in zooms:
        assert sorted(map(_key, listed[z])) == sorted(k for k in tiles if k[0] == z)
    assert {_key(r): b for r, b in got.items()} == tiles
    z, x, y = max(tiles)
    assert pm.read_tile(path, f"{z}/{x}/{(y + 1) % (1 << z)}") in (None, tiles.get((z, x, (y + 1) % (1 << z))))


def _consistent_or_refused(path, tiles):
    """Reading `path` raises only InputError naming it; what it gives is of the archive `tiles`."""
    pm._pool.close_all()
    try:
        info = pm.read_info(path)
    except InputError as exc:
        assert str(path) in str(exc)
        return "refused"
    assert set(info.zooms) <= {z for z, _, _ in tiles}, info.zooms
    for z in info.zooms:
        try:
            refs = [t.ref for t in pm.load(path, zoom=z).tiles]
        except InputError as exc:
            assert str(path) in str(exc)
            continue
        assert {_key(r) for r in refs} <= set(tiles), refs
    for (z, x, y), data in tiles.items():
        try:
            got = pm.read_tile(path, f"{z}/{x}/{y}")
        except InputError as exc:
            assert str(path) in str(exc)
            continue
        assert got is None or got == data, (z, x, y, len(got), len(data))
    return "read"


def _cuts(raw_len, root_end):
    """Cut points a real copy could stop at: the magic and counts, inside the metadata and root, in the header's
    padding, in the tile data and leaf directories, one byte short."""
    return st.one_of(st.integers(0, root_end + 2), st.integers(root_end, _HEADER),
                     st.integers(_HEADER, raw_len - 1), st.just(raw_len - 1))


@given(archives(), st.data())
@example(({(3, 1, 2): PNGS[0], (4, 2, 4): PNGS[1]}, {"format": "png"}, 2, 4), None)  # marker: cut inside the root
@prop(60, fixtures=True)
def test_an_archive_cut_at_any_byte_is_refused_by_name_or_read_as_it_was(tmp_path, drawn, data):
    tiles, meta, version, leaf_level = drawn
    src = write_v2(tmp_path / "whole.pmtiles", tiles, meta, version=version, leaf_level=leaf_level)
    raw = src.read_bytes()
    root_end = 10 + int.from_bytes(raw[4:8], "little") + 17 * int.from_bytes(raw[8:10], "little")
    cuts = [root_end - 3] if data is None else [data.draw(_cuts(len(raw), root_end), label="cut")]
    for cut in cuts:
        path = tmp_path / "cut.pmtiles"
        path.write_bytes(raw[:cut])
        _consistent_or_refused(path, tiles)


@given(archives(), st.data())
@prop(60, fixtures=True)
def test_changed_bytes_in_the_header_section_never_raise_anything_but_input_error(tmp_path, drawn, data):
    tiles, meta, version, leaf_level = drawn
    raw = bytearray(write_v2(tmp_path / "whole.pmtiles", tiles, meta, version=version, leaf_level=leaf_level)
                    .read_bytes())
    root_end = 10 + int.from_bytes(raw[4:8], "little") + 17 * int.from_bytes(raw[8:10], "little")
    edits = data.draw(st.lists(st.tuples(st.integers(2, root_end - 1), st.integers(1, 255)), min_size=1, max_size=3),
                      label="edits")
    for at, xor in edits:
        raw[at] ^= xor
    path = tmp_path / "changed.pmtiles"
    path.write_bytes(bytes(raw))
    pm._pool.close_all()
    try:
        _read_all(path)  # what a changed offset points at cannot be told from a tile: only the kind of error is checked
    except InputError as exc:
        assert str(path) in str(exc)


# --- the failing inputs, as plain regression tests ---------------------------------------------------------------

def test_an_archive_cut_inside_its_root_directory_is_refused_as_cut_short(tmp_path):
    # was: read as a whole archive with a phantom tile 0/0/0 of no bytes (zooms (0, 3)) and tile 3/1/2 read as b""
    tiles = {(3, 1, 2): PNGS[0], (4, 2, 4): PNGS[1]}
    raw = write_v2(tmp_path / "whole.pmtiles", tiles, {"format": "png"}, leaf_level=4).read_bytes()
    cut = tmp_path / "cut.pmtiles"
    cut.write_bytes(raw[:55])
    with pytest.raises(InputError, match=r"cut short: its root directory runs to byte 61 but the file holds 55 bytes"):
        pm.read_info(cut)


def test_a_tile_past_the_end_of_an_archive_cut_short_is_an_error_naming_it_not_short_bytes(tmp_path):
    # was: read_tile gave the bytes left before the cut (here none: b"") as if they were the tile
    tiles = {(3, 1, 2): PNGS[0], (3, 1, 3): PNGS[1]}
    raw = write_v2(tmp_path / "whole.pmtiles", tiles, {"format": "png"}).read_bytes()
    cut = tmp_path / "cut.pmtiles"
    cut.write_bytes(raw[:_HEADER + len(PNGS[0]) + 5])
    assert pm.read_info(cut).zooms == (3,)
    assert pm.read_tile(cut, "3/1/2") == PNGS[0]  # the tile before the cut stands
    with pytest.raises(InputError, match=r"tile 3/1/3: its bytes run to byte .* \(cut short: copy it again\)"):
        pm.read_tile(cut, "3/1/3")


def test_an_archive_cut_inside_a_leaf_directory_is_refused_as_cut_short(tmp_path):
    # was: the leaf's missing entries read as zeros, a phantom tile 0/0/0 at zoom 0 listed beside the real ones
    tiles = {(4, 2, 4): PNGS[0], (5, 4, 9): PNGS[1]}
    raw = write_v2(tmp_path / "whole.pmtiles", tiles, {"format": "png"}, leaf_level=4).read_bytes()
    cut = tmp_path / "cut.pmtiles"
    cut.write_bytes(raw[:-5])
    with pytest.raises(InputError, match="cut short: a leaf directory runs to byte"):
        pm.read_info(cut)


def test_metadata_nested_past_pythons_recursion_limit_is_a_damaged_header(tmp_path):
    # was: RecursionError out of json.loads, through read_info (a traceback, not the file named)
    path = tmp_path / "deep.pmtiles"
    meta = b"[" * 100_000
    head = b"PM\x02\x00" + len(meta).to_bytes(4, "little") + b"\x00\x00" + meta
    path.write_bytes(head + bytes(_HEADER - len(head)))
    with pytest.raises(InputError, match="damaged PMTiles version 2 header"):
        pm.read_info(path)


# found by the nightly run of the changed-bytes property (and a 600-archive /tmp run: 36 TypeErrors, 23 ValueErrors)

def test_a_root_entry_outside_its_zoom_is_a_damaged_directory_not_a_value_error(tmp_path):
    # was: ValueError "tile z=1 x=1 y=131073 does not exist" out of load (the first tile's bounds, no metadata bounds)
    path = write_v2(tmp_path / "a.pmtiles", {(1, 1, 131073): PNGS[0]}, {"format": "png"})
    with pytest.raises(InputError, match="damaged PMTiles version 2 directory: tile 1/1/131073 is outside zoom 1"):
        pm.load(path, zoom=1)


def test_an_entry_at_a_zoom_over_30_is_a_damaged_directory_not_a_value_error(tmp_path):
    # was: ValueError "zoom level 40 is out of range 0..30" out of load (xyz_tile_bounds), bounds given or not
    path = write_v2(tmp_path / "a.pmtiles", {(40, 0, 0): PNGS[0]}, {"format": "png", "bounds": "9,47,9.2,47.2"})
    with pytest.raises(InputError, match=r"tile 40/0/0 \(zoom over 30\)"):
        pm.load(path, zoom=40)


def test_a_tile_in_a_leaf_not_its_own_is_a_damaged_directory_not_a_type_error(tmp_path):
    # was: TypeError "cannot convert 'NoneType' object to bytes" out of read_info: no format in the metadata, the
    # first tile (3/0/0) listed in leaf 2/1/0, where no look-up of 3/0/0 goes
    raw = bytearray(write_v2(tmp_path / "a.pmtiles", {(3, 0, 0): PNGS[0]}, {}, leaf_level=2).read_bytes())
    root = 10 + int.from_bytes(raw[4:8], "little")
    assert raw[root] == 2 | 0x80
    raw[root + 1] = 1  # the leaf's column: 1
    path = tmp_path / "b.pmtiles"
    path.write_bytes(bytes(raw))
    with pytest.raises(InputError, match="tile 3/0/0 is listed in a leaf directory that is not its own"):
        pm.read_info(path)
