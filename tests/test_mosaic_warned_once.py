"""A damaged tile is said once per run, not once per mosaic it is part of (core/rerank.py).

Session 20 (newuser20, section 5): `locate` on an .mbtiles with 2 truncated tiles printed 6 lines
`mosaic around tile …: tile 19/94461/205577: corrupt image data …; the tile is matched alone`: each
damaged tile was said again for every candidate whose ring-1 mosaic holds it. Before the fix the
test below saw 12 warnings for 2 damaged tiles of a 3 x 3 grid."""

from tests.test_session12_mend import _Said, _tile_grid


def test_each_damaged_tile_is_said_once_however_many_mosaics_hold_it(tmp_path, monkeypatch):
    from geolocator.core.rerank import Verifier, VerifySettings

    tiles = _tile_grid(tmp_path)
    tiles[1].path.write_bytes(tiles[1].path.read_bytes()[:60])  # cut short, as a truncated download
    tiles[7].path.write_bytes(b"not an image")
    said = _Said(monkeypatch)
    try:
        v = Verifier(VerifySettings(mosaic=1, max_side=64))
        for _photo in range(2):  # two photos verified against every tile
            alone = [v.target(tiles, t)[1] is None for t in range(9)]
    finally:
        said.close()
    assert all(alone)  # every tile beside a damaged one is matched alone, as before
    assert len(said) == 2, said
    assert sum("t1.png" in s for s in said) == 1 and sum("t7.png" in s for s in said) == 1
    assert all(s.endswith("the tile is matched alone (and every other tile beside it; said once)") for s in said)
