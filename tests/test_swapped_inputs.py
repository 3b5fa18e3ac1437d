"""Photos and tiles given the wrong way round, and a GeoTIFF without a CRS (session 14): the
messages say what the paths hold and how to go on (newuser_session13.md, sections 4 and 6)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

rasterio = pytest.importorskip("rasterio")
from rasterio.transform import Affine, from_bounds  # noqa: E402

from geolocator.core.errors import InputError  # noqa: E402
from geolocator.core.sources.geotiff import cut_geotiff  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


def _tif(path: Path, transform: Affine | None, crs: str | None) -> Path:
    """A 3-band 256 x 256 GeoTIFF; transform None: none written (rasterio's identity)."""
    kw = {} if transform is None else {"transform": transform}
    with rasterio.open(path, "w", driver="GTiff", width=256, height=256, count=3, dtype="uint8", crs=crs, **kw) as f:
        f.write(np.random.default_rng(0).integers(0, 255, (3, 256, 256), dtype=np.uint8))
    return path


def _ortho(path: Path, crs: str | None = "EPSG:4326") -> Path:
    # ~56 m square near the demo (Las Vegas): 256 px of ~0.2 m
    return _tif(path, from_bounds(-115.2337, 36.1417, -115.23318, 36.14215, 256, 256), crs)


@pytest.fixture
def photos(tmp_path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("q_0001.jpg", "q_0002.jpg"):
        shutil.copy(DEMO / "queries" / name, folder / name)
    return folder


@pytest.fixture
def no_model(monkeypatch):
    from geolocator import cli

    def model(args):
        raise AssertionError("the model loaded before the inputs were checked")

    monkeypatch.setattr(cli, "_workspace", model)
    return cli


@pytest.mark.parametrize("command", ["locate", "eval"])
def test_photos_given_as_tiles_and_imagery_as_photos_are_said_to_be_swapped(tmp_path, photos, no_model, capsys,
                                                                             command):
    ortho = _ortho(tmp_path / "ortho.tif")
    assert no_model.main([command, str(ortho), "--tiles", str(photos), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"{photos}: not a tile set" in err  # the reason stays
    assert f"{photos} holds photos (2 .jpg files) and {ortho} is imagery (GeoTIFF)" in err
    assert "were the photos and --tiles swapped?" in err
    assert f"geolocator {command} {photos} --tiles {ortho}" in err  # the command the right way round


def test_a_folder_of_photos_as_tiles_is_not_called_swapped_when_the_photos_are_no_tile_set(tmp_path, photos,
                                                                                          no_model, capsys):
    other = tmp_path / "more"
    shutil.copytree(photos, other)
    assert no_model.main(["locate", str(other), "--tiles", str(photos), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"{photos}: not a tile set" in err and "swapped" not in err


def test_a_geotiff_without_a_crs_says_how_to_add_one_and_the_advice_works(tmp_path):
    nocrs = _ortho(tmp_path / "nocrs.tif", crs=None)
    with pytest.raises(InputError) as ei:
        cut_geotiff(nocrs, 20)
    problem = ei.value.problem
    assert ei.value.path == nocrs
    assert problem == (
        "the GeoTIFF has no coordinate system (CRS); give the one it was made in with --epsg (e.g. --epsg 32611, "
        "UTM zone 11N: use your imagery's), or write it into the file: "
        f'gdal_edit.py -a_srs EPSG:32611 {nocrs} (GDAL) or in Python with rasterio.open("{nocrs}", "r+") as f: '
        'f.crs = "EPSG:32611"')
    assert "--epsg 32611" in problem and f"gdal_edit.py -a_srs EPSG:32611 {nocrs}" in problem
    assert f'with rasterio.open("{nocrs}", "r+") as f: f.crs = "EPSG:32611"' in problem
    # the Python line, run as written (with this file's own CRS): the file then opens as a tile set
    with rasterio.open(str(nocrs), "r+") as f:
        f.crs = "EPSG:4326"
    assert len(cut_geotiff(nocrs, 20)) >= 4  # 56 m square in 20 m windows


def test_a_tiff_with_no_georeference_at_all_is_not_told_to_add_only_a_crs(tmp_path):
    plain = _tif(tmp_path / "plain.tif", None, None)
    with pytest.raises(InputError) as ei:
        cut_geotiff(plain, 20)
    problem = ei.value.problem
    assert ei.value.path == plain
    assert problem == (
        "the TIFF has no georeference (no coordinate system (CRS) and no position on the ground): a plain image; "
        "georeference it first, e.g. gdal_translate -a_srs EPSG:32611 -a_ullr <west> <north> <east> <south> "
        f"{plain} out.tif (its corners in that CRS), or put a world file (.tfw) beside it and give --epsg")
    assert "no position on the ground" in problem and "gdal_edit.py" not in problem
    assert "gdal_translate -a_srs EPSG:32611 -a_ullr" in problem and str(plain) in problem
    # --epsg gives a CRS, not a position: the same refusal, not "only north-up GeoTIFFs"
    with pytest.raises(InputError) as ei:
        cut_geotiff(plain, 20, default_crs=4326)
    assert ei.value.problem == problem


def test_epsg_gives_a_geotiff_without_a_crs_its_crs_and_never_replaces_a_files_own(tmp_path):
    """`locate photos --tiles nocrs.tif --epsg 4326` ignored --epsg (it was read for world files
    only) and refused the file; the message now offers --epsg first."""
    from geolocator.core.tilesets import load_tileset

    with pytest.raises(InputError, match="give the one it was made in with --epsg"):
        load_tileset(_ortho(tmp_path / "nocrs.tif", crs=None), tile_size_m=20)
    given = load_tileset(tmp_path / "nocrs.tif", tile_size_m=20, epsg=4326)
    own = load_tileset(_ortho(tmp_path / "own.tif"), tile_size_m=20)  # the same grid, EPSG:4326 in the file
    assert len(given) >= 4 and [t.bounds for t in given.tiles] == [t.bounds for t in own.tiles]
    # a file's own CRS wins over --epsg (here a UTM code that would put it ~thousands of km away)
    assert [t.bounds for t in load_tileset(tmp_path / "own.tif", tile_size_m=20, epsg=32611).tiles] == \
        [t.bounds for t in own.tiles]


def test_swapped_hint_names_what_each_path_holds(tmp_path):
    from geolocator.core.sources.registry import swapped_hint

    ortho = _ortho(tmp_path / "ortho.tif")
    shots = tmp_path / "shots"
    (shots / "flight2").mkdir(parents=True)
    for name in ("a.jpg", "b.JPG", "flight2/c.dng", "flight2/d.jpg"):
        (shots / name).write_bytes(b"")  # names only: the hint reads no pixels
    (shots / "notes.txt").write_text("not a photo")
    (shots / "e.jpg").mkdir()  # a folder named like a photo is not one
    assert swapped_hint(shots, [ortho], "eval") == (
        f"{shots} holds photos (3 .jpg and 1 .dng files) and {ortho} is imagery (GeoTIFF): were the photos and "
        f"--tiles swapped? e.g. geolocator eval {shots} --tiles {ortho}")
    one = tmp_path / "one"
    one.mkdir()
    (one / "a.jpg").write_bytes(b"")
    assert swapped_hint(one, [tmp_path / "missing", ortho], "locate").startswith(
        f"{one} holds photos (1 .jpg file) and {ortho} is imagery (GeoTIFF): ")
    assert swapped_hint(shots / "a.jpg", [ortho], "locate").startswith(f"{shots / 'a.jpg'} is a photo and {ortho} ")
    spaced = tmp_path / "my shots"
    shutil.copytree(one, spaced)
    assert swapped_hint(spaced, [ortho], "locate").endswith(f"e.g. geolocator locate '{spaced}' --tiles {ortho}")
    # nothing to say: the photos are no tile set, the "tiles" hold no photos, or are a text file
    assert swapped_hint(shots, [shots / "a.jpg"], "locate") is None
    assert swapped_hint(tmp_path / "empty", [ortho], "locate") is None
    (tmp_path / "empty").mkdir()
    assert swapped_hint(tmp_path / "empty", [ortho], "locate") is None
    assert swapped_hint(shots / "notes.txt", [ortho], "locate") is None
    assert swapped_hint(shots, [], "locate") is None
