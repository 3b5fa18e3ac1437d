"""Property tests of the tile-package readers (core/sources/mbtiles.py, pmtiles.py): whatever a writer
puts in a package's metadata or header within the format's spec, the reader gives back the zoom levels
it holds, the declared bounds and format, and each tile where the spec's row convention puts it.
Deterministic (derandomize), like every tests/test_prop_*.py; each example writes one small file.
"""

from __future__ import annotations

import math
import sqlite3
import tempfile
from pathlib import Path

import pytest

from geolocator.core.errors import InputError
from geolocator.core.model import Bounds
from geolocator.core.sources import mbtiles
from geolocator.core.sources import pmtiles as pm

hypothesis = pytest.importorskip("hypothesis")
mercantile = pytest.importorskip("mercantile")
from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402


@st.composite
def tile_sets(draw, max_zoom: int = 22):
    """A few (z, x, y) XYZ tiles over one to three zoom levels, first/last rows and columns often."""
    zooms = draw(st.lists(st.integers(0, max_zoom), min_size=1, max_size=3, unique=True))
    out = set()
    for z in zooms:
        n = 2**z
        index = st.one_of(st.integers(0, n - 1), st.sampled_from([0, n - 1]))
        for _ in range(draw(st.integers(1, 4))):
            out.add((z, draw(index), draw(index)))
    return sorted(out)


# --- MBTiles 1.3 -------------------------------------------------------------------------------------

def _number_text(draw, v: float) -> str:
    """`v` as a writer may print it: repr, fixed decimals, a '+' sign, spaces round it."""
    form = draw(st.sampled_from(["repr", "fixed", "plus", "spaced"]))
    text = {"repr": repr(v), "fixed": f"{v:.8f}", "plus": f"+{v!r}" if math.copysign(1.0, v) > 0 else repr(v),
            "spaced": f" {v!r} "}[form]
    return text


@st.composite
def mbtiles_metadata(draw):
    """(metadata rows as written, what read_info must give). MBTiles 1.3 §Metadata: name, format
    (png/jpg/webp, or an IETF media type for other formats), bounds "left,bottom,right,top" in WGS84
    degrees (OpenLayers Bounds order; west > east crosses ±180°), attribution, minzoom/maxzoom (numbers,
    stored as TEXT); each row optional but format and name, a value SQL NULL when a writer had none."""
    rows, want = [], {"format": None, "bounds": None, "attribution": None, "name": None}

    def key(name: str) -> str:
        return draw(st.sampled_from([name, name.upper(), name.capitalize(), f" {name} "]))

    kind = draw(st.sampled_from(["absent", "null", "value"]))
    if kind != "absent":
        text, fmt = draw(st.sampled_from([("png", "png"), ("PNG", "png"), (" jpg ", "jpg"), ("jpeg", "jpeg"),
                                          ("webp", "webp"), ("image/png", "png"), ("image/jpeg", "jpg"),
                                          ("image/webp", "webp"), ("image/avif", "avif")]))
        rows.append((key("format"), None if kind == "null" else text))
        want["format"] = None if kind == "null" else fmt
    kind = draw(st.sampled_from(["absent", "null", "value"]))
    if kind != "absent":
        w = draw(st.floats(-180.0, 180.0))
        e = draw(st.floats(-180.0, 180.0))
        s = draw(st.floats(-85.06, 85.06))
        n = draw(st.floats(s, 85.06))
        sep = draw(st.sampled_from([",", ", ", " ,"]))
        texts = [_number_text(draw, v) for v in (w, s, e, n)]
        if float(texts[1]) > float(texts[3]):  # 8 decimals rounded a south a hair below the north above it
            texts[1], texts[3] = texts[3], texts[1]
        rows.append((key("bounds"), None if kind == "null" else sep.join(texts)))
        want["bounds"] = None if kind == "null" else Bounds(*(float(t) for t in texts))  # the numbers as written
    for name in ("attribution", "name"):
        kind = draw(st.sampled_from(["absent", "null", "empty", "value"]))
        if kind != "absent":
            value = {"null": None, "empty": "", "value": draw(st.text(min_size=1, max_size=20))}[kind]
            rows.append((key(name), value))
            want[name] = value or None
    for name in ("minzoom", "maxzoom"):  # not read (the tiles say which levels there are), never in the way
        kind = draw(st.sampled_from(["absent", "null", "int", "text", "junk"]))
        if kind != "absent":
            rows.append((name, {"null": None, "int": 3, "text": " 3 ", "junk": "three"}[kind]))
    return rows, want


def _write_mbtiles(path: Path, rows, tiles) -> Path:
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE metadata (name TEXT, value TEXT);"
                     "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);")
    db.executemany("INSERT INTO metadata VALUES (?, ?)", rows)
    db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                   [(z, x, 2**z - 1 - y, f"{z}/{x}/{y}".encode()) for z, x, y in tiles])  # TMS rows
    db.commit()
    db.close()
    return path


@prop(60)
@given(mbtiles_metadata(), tile_sets())
@example(([("format", "png"), ("attribution", None), ("name", None)], {"format": "png", "bounds": None,
                                                                          "attribution": None, "name": None}),
         [(3, 1, 1)])  # a NULL value read as the text "None"
@example(([("format", None)], {"format": None, "bounds": None, "attribution": None, "name": None}),
         [(3, 1, 1)])  # a NULL format: "its tiles are 'none', not imagery"
@example(([("format", "image/jpeg")], {"format": "jpg", "bounds": None, "attribution": None, "name": None}),
         [(3, 1, 1)])  # an IETF media type: "its tiles are 'image/jpeg', not imagery"
def test_mbtiles_metadata_as_any_writer_stores_it_reads_back(meta, tiles):
    """MBTiles 1.3: read_info gives the zoom levels the tiles table holds, the bounds numbers written
    (None when absent or NULL), the format in its short name (png, jpg/jpeg, webp, avif; None when
    absent or NULL), attribution and name as written (None when absent, NULL or empty); minzoom/maxzoom
    of any form change nothing. load(zoom) gives every tile of that level at mercantile's bounds of its
    XYZ row (the tiles table counts rows from the south: TMS), id "z/x/y"."""
    rows, want = meta
    with tempfile.TemporaryDirectory(prefix="propfuzz35-") as folder:
        path = _write_mbtiles(Path(folder) / "p.mbtiles", rows, tiles)
        info = mbtiles.read_info(path)
        assert info.zooms == tuple(sorted({z for z, _, _ in tiles}))
        assert (info.format, info.attribution, info.name) == (want["format"], want["attribution"], want["name"])
        assert info.bounds == want["bounds"]
        z = max(info.zooms)
        got = mbtiles.load(path, zoom=z)
        assert sorted(t.id for t in got.tiles) == sorted(f"{z}/{x}/{y}" for tz, x, y in tiles if tz == z)
        for t in got.tiles:
            _, x, y = map(int, t.id.split("/"))
            m = mercantile.bounds(x, y, z)
            assert max(abs(t.bounds.west - m.west), abs(t.bounds.east - m.east), abs(t.bounds.south - m.south),
                       abs(t.bounds.north - m.north)) < 1e-9
            assert mbtiles.read_tile(path, t.ref) == t.id.encode()


_NOT_DEGREES = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf]).map(lambda v: ("any", v)),
    st.floats(90.0, 1e8, exclude_min=True).map(lambda v: ("lat", v)),
    st.floats(180.0, 1e8, exclude_min=True).map(lambda v: ("lon", v)),
)


@prop(40)
@given(_NOT_DEGREES, st.sampled_from([0, 1, 2, 3]), st.booleans())
@example(("any", math.nan), 1, False)  # "0,nan,1,1" was read as a box whose centre is NaN
@example(("lon", 20037508.34), 0, False)  # Web Mercator metres written where degrees belong
def test_mbtiles_bounds_that_are_not_degrees_are_refused_naming_them(bad, where, negate):
    """MBTiles 1.3: bounds are WGS84 degrees. Four numbers of which one is no number, infinite, a
    latitude beyond ±90° or a longitude beyond ±180° (EPSG:3857 metres written by mistake), or a
    south above the north, are not a box on the globe: read_info refuses them with the message a
    malformed bounds text gets (naming the file and the text), never a box of NaN or metres."""
    axis, v = bad
    if axis == "lat" and where in (0, 2):
        where += 1
    if axis == "lon" and where in (1, 3):
        where -= 1
    numbers = [-1.0, 45.0, 1.0, 46.0]
    numbers[where] = -v if negate else v
    text = ",".join(repr(x) for x in numbers)
    with tempfile.TemporaryDirectory(prefix="propfuzz35-") as folder:
        path = _write_mbtiles(Path(folder) / "p.mbtiles", [("bounds", text)], [(3, 1, 1)])
        with pytest.raises(InputError) as err:
            mbtiles.read_info(path)
        assert err.value.path == path
        assert err.value.problem.startswith("metadata 'bounds' must be 'west,south,east,north' in degrees")
        assert repr(text) in err.value.problem


def test_mbtiles_bounds_with_the_south_above_the_north_are_refused(tmp_path):
    """MBTiles 1.3 (bottom before top): "7,47,8,46" is no box; read as one it held no point."""
    path = _write_mbtiles(tmp_path / "p.mbtiles", [("bounds", "7,47,8,46")], [(3, 1, 1)])
    with pytest.raises(InputError, match="must be 'west,south,east,north' in degrees"):
        mbtiles.read_info(path)


# --- PMTiles v3 --------------------------------------------------------------------------------------

def _write_pmtiles(path: Path, tiles, header: dict, tile_type: str = "PNG") -> Path:
    """The archive the `pmtiles` package's writer makes of `tiles` (data: b"z/x/y"), its header then
    given the fields in `header` (counts, clustered, bounds) as another writer may set them."""
    from pmtiles.tile import Compression, TileType, deserialize_header, serialize_header, zxy_to_tileid
    from pmtiles.writer import write

    zs = [z for z, _, _ in tiles]
    with write(str(path)) as writer:
        for tid, (z, x, y) in sorted((zxy_to_tileid(*t), t) for t in tiles):
            writer.write_tile(tid, f"{z}/{x}/{y}".encode())
        writer.finalize({"tile_type": TileType[tile_type], "tile_compression": Compression.NONE,
                         "min_zoom": min(zs), "max_zoom": max(zs), "center_zoom": min(zs)}, {})
    data = path.read_bytes()
    h = deserialize_header(data[:127])
    h.update(header)
    path.write_bytes(serialize_header(h) + data[127:])
    return path


@st.composite
def pmtiles_headers(draw):
    """Header fields a PMTiles v3 writer may set: the three counts (0 = unknown, spec v3 §3.2),
    clustered or not, bounds as int32 degrees x 1e7 (west > east across ±180°)."""
    out = {name: draw(st.sampled_from([0, 1, 7, 2**40])) for name in
           ("addressed_tiles_count", "tile_entries_count", "tile_contents_count")}
    out["clustered"] = draw(st.booleans())
    s = draw(st.integers(-850_511_287, 850_511_287))
    out.update(min_lon_e7=draw(st.integers(-1_800_000_000, 1_800_000_000)), min_lat_e7=s,
               max_lon_e7=draw(st.integers(-1_800_000_000, 1_800_000_000)),
               max_lat_e7=draw(st.integers(s, 850_511_287)))
    return out


@prop(40)
@given(tile_sets(max_zoom=14), pmtiles_headers(), st.sampled_from(["PNG", "JPEG", "WEBP", "AVIF"]))
@example([(3, 1, 1), (4, 2, 2)], {"addressed_tiles_count": 0, "tile_entries_count": 0, "tile_contents_count": 0,
                                  "clustered": False, "min_lon_e7": 0, "min_lat_e7": 0, "max_lon_e7": 10, "max_lat_e7": 10},
         "PNG")  # the counts unknown (0): "the tile package holds no tiles"
@example([(3, 1, 1)], {"addressed_tiles_count": 1, "tile_entries_count": 1, "tile_contents_count": 1,
                       "clustered": True, "min_lon_e7": 0, "min_lat_e7": 0, "max_lon_e7": 10, "max_lat_e7": 10},
         "AVIF")  # AVIF tiles (tile type 0x05): "its tiles are AVIF, not imagery"
def test_a_pmtiles_archive_with_any_valid_header_lists_its_tiles(tiles, header, tile_type):
    """PMTiles v3 §3: the header's counts of addressed tiles, entries and contents may be 0, "unknown";
    its bounds are int32 degrees x 1e7; tile type 0x01 MVT, 0x02 PNG, 0x03 JPEG, 0x04 WebP, 0x05 AVIF
    (the last four are imagery Pillow decodes). Property: read_info gives the header's bounds / 1e7 (none
    for a box of no area, which a writer that set no bounds leaves: pmtiles36) and the levels from
    min_zoom to max_zoom; load(zoom) lists exactly the tiles stored at that level (from the directories)
    and read_tile gives each one's bytes."""
    with tempfile.TemporaryDirectory(prefix="propfuzz35-") as folder:
        path = _write_pmtiles(Path(folder) / "p.pmtiles", tiles, header, tile_type)
        try:
            info = pm.read_info(path)
            zs = sorted({z for z, _, _ in tiles})
            assert info.zooms == tuple(range(zs[0], zs[-1] + 1))
            assert info.format == {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "AVIF": "avif"}[tile_type]
            box = Bounds(header["min_lon_e7"] / 1e7, header["min_lat_e7"] / 1e7,
                         header["max_lon_e7"] / 1e7, header["max_lat_e7"] / 1e7)
            no_area = box.west == box.east or box.south == box.north
            assert info.bounds == (None if no_area else box)
            for z in zs:
                got = pm.load(path, zoom=z)
                assert sorted(t.id for t in got.tiles) == sorted(f"{z}/{x}/{y}" for tz, x, y in tiles if tz == z)
                for t in got.tiles:
                    assert pm.read_tile(path, t.ref) == t.id.encode()
        finally:
            pm._pool.close_all()  # the archive's memory map, before its folder goes


def test_an_avif_tile_in_a_pmtiles_archive_decodes(tmp_path):
    """Regression: PMTiles v3 tile type 0x05 is AVIF imagery, which Pillow (11.3+) decodes as it does
    AVIF photos; the archive was refused ("its tiles are AVIF, not imagery"). Its tile now opens."""
    import io

    from PIL import Image, features

    from geolocator.core.sources.tile_image import load_package, open_tile_image

    if not features.check("avif"):
        pytest.skip("this Pillow has no AVIF support")
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (30, 140, 60)).save(buf, "AVIF")
    path = pm.write_pmtiles(tmp_path / "a.pmtiles", {(12, 2130, 1447): buf.getvalue()}, fmt="avif")
    try:
        tiles = load_package(path, zoom=12)
        image = open_tile_image(tiles.tiles[0])
        assert image.size == (256, 256) and abs(image.getpixel((128, 128))[1] - 140) < 12
    finally:
        pm._pool.close_all()


@pytest.mark.parametrize("packing", ["BROTLI", "ZSTD"])
def test_pmtiles_tiles_said_brotli_or_zstd_but_not_so_are_refused_by_name(tmp_path, packing):
    """PMTiles v3 §3 tile compression 0x03 brotli, 0x04 zstd: such archives are read since pmtiles36
    (test_pmtiles_compression.py); a tile that is not the data its header promises is refused when read,
    naming the archive, the tile and the codec (before session 35 every tile was "not an image")."""
    from pmtiles.tile import Compression

    path = _write_pmtiles(tmp_path / "p.pmtiles", [(3, 1, 1)], {"tile_compression": Compression[packing]})
    try:
        assert pm.read_info(path).zooms == (3,)
        with pytest.raises(InputError) as err:
            pm.read_tile(path, "3/1/1")
        assert err.value.path == path
        assert err.value.problem.startswith(f"tile 3/1/1: corrupt {packing.lower()} data (")
    finally:
        pm._pool.close_all()


@prop(40)
@given(tile_sets(max_zoom=24))
@example([(20, 500_123, 300_000)])  # a western edge at -8.3147048950195°: written a hair east of it
@example([(11, 1, 0), (11, 1026, 0)])  # tiles 180° apart: min longitude 0.35 written above max -179.65
def test_pmtiles_written_here_declare_bounds_that_hold_their_tiles(tiles):
    """PMTiles v3 §3 header bounds (int32 degrees x 1e7) "the bounds of the tiles": an archive written by
    write_pmtiles declares a box holding every tile it stores (rounded outward to the 1e-7° grid), so a
    reader that trusts the header (ours: info.bounds) never cuts a tile's edge off; min longitude is never
    above max longitude (the header has no antimeridian convention)."""
    with tempfile.TemporaryDirectory(prefix="propfuzz35-") as folder:
        path = pm.write_pmtiles(Path(folder) / "p.pmtiles", {t: b"x" for t in tiles})
        try:
            b = pm.read_info(path).bounds
        finally:
            pm._pool.close_all()
    for z, x, y in tiles:
        m = mercantile.bounds(x, y, z)
        assert b.west <= m.west + 1e-12 and m.east <= b.east + 1e-12, (b, m)
        assert b.south <= m.south + 1e-12 and m.north <= b.north + 1e-12, (b, m)
