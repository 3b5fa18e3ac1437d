"""Property tests of slippy-map tile folders (core/sources/xyz.py): a z/x/y folder whose row order is
stated the ways tools state it (gdal2tiles' tilemapresource.xml, a TileJSON's "scheme" or "{-y}" URL
template, saved by any editor; --tms / --xyz) is read with that order, every tile at mercantile's bounds
of its XYZ row. test_prop_tiles.py checks the row arithmetic (xyz_tile_bounds); these check the folder.
Deterministic (derandomize), like every tests/test_prop_*.py.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest

from geolocator.core.sources.registry import LoadOptions
from geolocator.core.sources.xyz import load_xyz_folder, stated_grid

hypothesis = pytest.importorskip("hypothesis")
mercantile = pytest.importorskip("mercantile")
from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

_PNG = None


def _png() -> bytes:
    global _PNG
    if _PNG is None:
        from PIL import Image

        buf = io.BytesIO()
        Image.new("RGB", (8, 8), (80, 120, 60)).save(buf, "PNG")
        _PNG = buf.getvalue()
    return _PNG


TILEMAPRESOURCE = """<?xml version="1.0" encoding="utf-8"?>
<TileMap version="1.0.0" tilemapservice="http://tms.osgeo.org/1.0.0">
  <SRS>EPSG:3857</SRS>
  <TileSets profile="mercator"><TileSet href="{z}" units-per-pixel="1.0" order="{z}"/></TileSets>
  <TileFormat width="256" height="256" mime-type="image/png" extension="png"/>
</TileMap>
"""

# how the folder states its rows: (files beside the tiles {name: text}, LoadOptions.tms, rows are TMS)
_STATED = st.sampled_from([
    ("tilemapresource", None, True),
    ("scheme tms", None, True), ("scheme TMS", None, True), ("scheme xyz", None, False),
    ("template -y", None, True), ("template y", None, False),
    ("none", True, True), ("none", False, False), ("scheme xyz", True, True),
])


@st.composite
def folders(draw):
    z = draw(st.integers(1, 20))
    n = 2**z
    index = st.one_of(st.integers(0, n - 1), st.sampled_from([0, n - 1]))
    cells = draw(st.lists(st.tuples(index, index), min_size=1, max_size=4, unique=True))
    return z, cells, draw(_STATED), draw(_SAVED), draw(st.sampled_from(["metadata.json", "tilejson.json",
                                                                              "area.tilejson"]))


# how a Windows editor saves JSON: UTF-8, with its byte order mark ("UTF-8"), UTF-16 with one ("Unicode")
_SAVED = st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])


def _write_statement(folder: Path, how: str, z: int, saved: str, name: str) -> None:
    if how == "tilemapresource":
        (folder / "tilemapresource.xml").write_text(TILEMAPRESOURCE.replace("{z}", str(z)), encoding="utf-8")
    elif how.startswith("scheme"):
        doc = {"tilejson": "2.2.0", "scheme": how.split()[1], "tiles": ["https://example.org/{z}/{x}/{y}.png"]}
        (folder / name).write_text(json.dumps(doc), encoding=saved)
    elif how.startswith("template"):
        t = "{-y}" if how.endswith("-y") else "{y}"
        doc = {"tilejson": "2.2.0", "tiles": [f"https://example.org/{{z}}/{{x}}/{t}.png"]}
        (folder / name).write_text(json.dumps(doc), encoding=saved)


@prop(40)
@given(folders())
@example((5, [(3, 7)], ("scheme tms", None, True), "utf-8-sig", "metadata.json"))  # a TileJSON saved with a BOM
@example((5, [(3, 7)], ("scheme tms", None, True), "utf-16", "metadata.json"))  # ... as "Unicode" (UTF-16)
def test_a_tile_folder_is_read_in_the_row_order_it_states(folder_spec):
    """TMS 1.0.0 (tilemapresource.xml: rows from the south), TileJSON 2.x ("scheme": "xyz" | "tms"; a
    "{-y}" template is the flipped-row convention of Leaflet/QGIS/JOSM), the user's --tms/--xyz above
    all. JSON text may begin with a UTF-8 byte order mark (RFC 8259 §8.1: a parser MAY ignore it; Windows
    editors write one) or be UTF-16 with its mark (Notepad's "Unicode"; the mark names the encoding). Property: each file z/x/y.png is the tile at mercantile's bounds of XYZ row y
    (XYZ) or 2^z-1-y (TMS), to 1e-9°."""
    z, cells, (how, tms, rows_tms), saved, name = folder_spec
    with tempfile.TemporaryDirectory(prefix="propfuzz35-") as root:
        folder = Path(root)
        for x, y in cells:
            (folder / str(z) / str(x)).mkdir(parents=True, exist_ok=True)
            (folder / str(z) / str(x) / f"{y}.png").write_bytes(_png())
        _write_statement(folder, how, z, saved, name)
        tiles = load_xyz_folder(folder, options=LoadOptions(tms=tms)).tiles
        assert len(tiles) == len(cells)
        for t in tiles:
            tz, x, y = (int(v) for v in t.id.removesuffix(".png").split("/"))
            m = mercantile.bounds(x, (2**z - 1 - y) if rows_tms else y, z)
            got = t.bounds
            assert max(abs(got.west - m.west), abs(got.east - m.east), abs(got.south - m.south),
                       abs(got.north - m.north)) < 1e-9, (how, tms, t.id)


def test_a_tilejson_with_a_byte_order_mark_states_its_scheme(tmp_path):
    """Regression: a metadata.json saved with a BOM ("scheme": "tms") was "not readable JSON; ignored for
    the tiles' row order", so TMS tiles were read as XYZ (placed at the mirror-image latitude) or guessed."""
    (tmp_path / "metadata.json").write_text("\ufeff" + json.dumps({"scheme": "tms"}), encoding="utf-8")
    grid = stated_grid(tmp_path)
    assert grid is not None and grid.tms and grid.source == "metadata.json (scheme tms)"


def test_a_tilejson_saved_as_unicode_states_its_scheme_and_one_without_its_mark_stays_unread(tmp_path, caplog):
    """Regression (smallfield35): a metadata.json saved by Notepad as "Unicode" (UTF-16 with its byte order
    mark) was "not readable JSON". The mark names the encoding; without one, UTF-16 is not guessed: the
    file stays "not readable JSON" and states nothing, as any other garbage."""
    import codecs

    (tmp_path / "metadata.json").write_bytes(codecs.BOM_UTF16_LE + json.dumps({"scheme": "tms"}).encode("utf-16-le"))
    grid = stated_grid(tmp_path)
    assert grid is not None and grid.tms and grid.source == "metadata.json (scheme tms)"
    (tmp_path / "metadata.json").write_bytes(json.dumps({"scheme": "tms"}).encode("utf-16-le"))  # no mark
    with caplog.at_level("WARNING"):
        assert stated_grid(tmp_path) is None
    assert "metadata.json: not readable JSON" in caplog.text
