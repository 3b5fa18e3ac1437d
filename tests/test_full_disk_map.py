"""The app's map on a full disk (session 20).

Found by a user: with the disk full (`ulimit -f 300`), opening the demo's tiles.csv in the app failed
with "Opening tiles.csv failed: File too large" (the tile mosaic's JPEG could not be written into the
map's temporary folder): no tile set, no photo located. Now the map is the one thing lost, said in
the job's warnings, and no half-written file is left in the map folder.
"""

from __future__ import annotations

import errno
import logging
from pathlib import Path

from PIL import Image

from geolocator.core.model import Query, TileSet
from geolocator.core.pipeline import Settings


def test_locating_goes_on_when_the_map_folder_cannot_be_written(tmp_path, monkeypatch, caplog):
    from tests.test_extract import _tiles, tiny_backbone

    from geolocator.gui.jobs import Session

    maps = tmp_path / "maps"
    real_write_bytes, real_write_text = Path.write_bytes, Path.write_text

    def full(real):
        def write(self, *a, **kw):
            if maps in self.parents:
                self.touch()  # the partial file a full disk leaves, then the error
                raise OSError(errno.ENOSPC, "No space left on device", str(self))
            return real(self, *a, **kw)
        return write

    tiles = _tiles(tmp_path / "tiles", 4)
    Image.new("RGB", (64, 64), (120, 90, 60)).save(tmp_path / "photo.png")
    session = Session(Settings(cache_dir=tmp_path / "cache", verify=False, tile_views=("rot0",)), map_dir=maps)
    try:
        session.ws.set_backbone("tiny", loaded=tiny_backbone())
        session.ws.open_tiles(TileSet(tuple(tiles), tmp_path))
        monkeypatch.setattr(Path, "write_bytes", full(real_write_bytes))
        monkeypatch.setattr(Path, "write_text", full(real_write_text))
        with caplog.at_level(logging.WARNING, logger="geolocator"):
            results = session.locate([Query("photo.png", tmp_path / "photo.png")])
        monkeypatch.undo()
    finally:
        session.close()
    assert len(results.predictions) == 1 and results.map_path is None and results.map_failed
    said = [r.getMessage() for r in caplog.records if "the map cannot be drawn" in r.getMessage()]
    assert len(said) == 1 and str(maps) in said[0] and "the disk is full" in said[0]
    assert not [p for p in maps.rglob("*.part")]  # no half-written image or page left behind
