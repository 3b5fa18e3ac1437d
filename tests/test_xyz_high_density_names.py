"""An XYZ folder whose tiles are named for high-density screens, `z/x/y@2x.png` (Mapbox's and
Leaflet's `{r}` naming: 512 px for the ground of a 256 px tile), is read like z/x/y.png (session 32,
fieldfuzz32); it was "not a tile set". Where both densities are stored, the denser tile is used."""

from __future__ import annotations

import io

import mercantile
import numpy as np

from geolocator.core.geo import xyz_tile_bounds
from geolocator.core.sources.tile_image import open_tile_image
from geolocator.core.sources.xyz import looks_like_xyz
from geolocator.core.tilesets import load_tileset

from .tile_packages import cut, demo_mosaic


def _png(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _write(folder, names=("@2x",), z=19):
    mosaic, b = demo_mosaic()
    for t in mercantile.tiles(b.west, b.south, b.east, b.north, [z]):
        for suffix in names:
            side = 512 if suffix == "@2x" else 256
            path = folder / str(z) / str(t.x) / f"{t.y}{suffix}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_png(cut(mosaic, b, xyz_tile_bounds(t.z, t.x, t.y), side)))
    return folder, mosaic, b


def test_at_2x_tiles_are_read_as_the_xyz_tiles_of_their_names(tmp_path):
    folder, mosaic, b = _write(tmp_path / "tiles")
    assert looks_like_xyz(folder)
    tiles = load_tileset(folder, tms=False).tiles
    plain = load_tileset(_write(tmp_path / "plain", names=("",))[0], tms=False).tiles
    assert [t.bounds for t in tiles] == [t.bounds for t in plain] and len(tiles) > 4
    inside = [t for t in tiles if b.west < t.bounds.west and t.bounds.east < b.east
              and b.south < t.bounds.south and t.bounds.north < b.north]
    assert inside
    for t in inside:
        image = open_tile_image(t)
        assert image.size == (512, 512) and t.path.name.endswith("@2x.png")
        want = np.asarray(cut(mosaic, b, t.bounds, 512), np.float32)
        assert np.abs(np.asarray(image, np.float32) - want).mean() < 1.0


def test_where_both_densities_are_stored_the_denser_tile_is_used(tmp_path):
    folder, _, _ = _write(tmp_path / "tiles", names=("", "@2x"))
    tiles = load_tileset(folder, tms=False).tiles
    assert tiles and all(t.path.name.endswith("@2x.png") for t in tiles)
    assert len({t.bounds for t in tiles}) == len(tiles)  # one tile a place, not two
