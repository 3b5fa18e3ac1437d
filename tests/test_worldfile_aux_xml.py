"""Images with a world file whose coordinate system is in GDAL's sidecar `map.png.aux.xml` (an
<SRS> element: what QGIS's "Save as Image", GDAL's PNG/JPEG exports and ArcGIS write) need no
--epsg and no .prj (session 32, fieldfuzz32). Before, such a folder or image was refused with "needs
the EPSG code of its coordinates (e.g. --epsg 32633) or a .prj file beside it"."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from pyproj import CRS

from geolocator.core.errors import CrsMissing
from geolocator.core.tilesets import load_tiles_csv, load_tileset

from .demo_features import DEMO, demo_workspace

PAM = '<PAMDataset>\n  <SRS dataAxisToSRSAxisMapping="{axes}">{wkt}</SRS>\n</PAMDataset>\n'


def _aux(image: Path, epsg: int, axes: str = "1,2") -> Path:
    path = image.with_name(image.name + ".aux.xml")
    path.write_text(PAM.format(axes=axes, wkt=CRS.from_epsg(epsg).to_wkt("WKT1_GDAL")))
    return path


def _demo_worldfile_folder(folder: Path, aux: bool = True) -> Path:
    """The demo's 36 tiles as JPEG + .jgw (+ .jpg.aux.xml stating EPSG:4326), the same bytes."""
    folder.mkdir()
    for t in load_tiles_csv(DEMO / "tiles.csv").tiles:
        image = folder / Path(t.path).name
        shutil.copy(t.path, image)
        dx, dy = (t.bounds.east - t.bounds.west) / 256, (t.bounds.north - t.bounds.south) / 256
        image.with_suffix(".jgw").write_text(f"{dx!r}\n0\n0\n{-dy!r}\n{t.bounds.west + dx / 2!r}\n{t.bounds.north - dy / 2!r}\n")
        if aux:
            _aux(image, 4326, axes="2,1")
    return folder


def test_a_folder_whose_crs_is_in_aux_xml_sidecars_is_read_without_epsg(tmp_path):
    folder = _demo_worldfile_folder(tmp_path / "tiles")
    got = load_tileset(folder)
    want = load_tileset(folder, epsg=4326)
    assert len(got.tiles) == 36
    assert [t.bounds for t in got.tiles] == pytest.approx([t.bounds for t in want.tiles])
    demo = load_tiles_csv(DEMO / "tiles.csv").tiles
    for g, d in zip(got.tiles, demo):
        assert Path(g.path).name == Path(d.path).name
        for side in ("west", "south", "east", "north"):
            assert getattr(g.bounds, side) == pytest.approx(getattr(d.bounds, side), abs=1e-9)


def test_a_single_image_in_utm_whose_crs_is_in_its_aux_xml_is_cut_like_with_epsg(tmp_path):
    from PIL import Image

    image = tmp_path / "ortho.png"
    Image.new("RGB", (400, 300), (120, 110, 100)).save(image)
    image.with_suffix(".pgw").write_text("0.25\n0\n0\n-0.25\n600000.125\n4000000.125\n")
    _aux(image, 32611)
    got = load_tileset(image, tile_size_m=50)
    want = load_tileset(image, tile_size_m=50, epsg=32611)
    assert [t.bounds for t in got.tiles] == [t.bounds for t in want.tiles] and len(got.tiles) == 4


def test_a_statistics_only_aux_xml_states_no_crs(tmp_path):
    """ArcGIS writes .aux.xml files holding only band statistics: still "needs the EPSG code"."""
    folder = _demo_worldfile_folder(tmp_path / "tiles", aux=False)
    for image in folder.glob("*.jpg"):
        image.with_name(image.name + ".aux.xml").write_text(
            "<PAMDataset><PAMRasterBand band=\"1\"><Metadata><MDI key=\"STATISTICS_MEAN\">90</MDI></Metadata>"
            "</PAMRasterBand></PAMDataset>")
    with pytest.raises(CrsMissing):
        load_tileset(folder / "r00_c00.jpg", tile_size_m=50)


def test_epsg_that_contradicts_the_aux_xml_is_used_and_said(tmp_path, caplog):
    folder = _demo_worldfile_folder(tmp_path / "tiles")
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        load_tileset(folder / "r00_c00.jpg", tile_size_m=50, epsg=3857)
    said = [r.getMessage() for r in caplog.records if "r00_c00.jpg.aux.xml says" in r.getMessage()]
    assert said and "but --epsg 3857 was given; using 3857" in said[0]


def test_demo_photos_are_located_on_such_a_folder(tmp_path):
    """Real behaviour: the demo photos against the demo imagery as world-file tiles whose CRS is in
    .aux.xml sidecars (no --epsg): verified within 1 m of the demo's truth, as on its tiles.csv."""
    ws, region = demo_workspace(tmp_path)  # the committed features: the same 36 tiles in the same order
    ws.open_tiles(load_tileset(_demo_worldfile_folder(tmp_path / "tiles")))
    queries = [q for q in region.queries if Path(q.path).name in ("q_0001.jpg", "q_0030.jpg", "q_0060.jpg")]
    ws.locate(queries)
    assert len(ws.last.predictions) == 3
    for p in ws.last.predictions:
        assert p.status == "verified" and p.error_m < 1.0, (p.query.id, p.status, p.error_m)


def test_the_app_does_not_ask_for_a_crs_the_sidecars_state(tmp_path):
    pytest.importorskip("PySide6")
    from geolocator.gui.main_window import needs_epsg

    assert not needs_epsg(_demo_worldfile_folder(tmp_path / "stated"))
    assert needs_epsg(_demo_worldfile_folder(tmp_path / "unstated", aux=False))
