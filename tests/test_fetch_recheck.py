"""fetch-tiles on an existing tile set re-checks what it stored before (core/sources/fetch.py).

Session 20 (newuser20, section 8): an .mbtiles fetched before tiles were decoded on arrival can
hold images cut short; a rerun counted them "already there" and never asked for them again, so
locate skipped them on every run. Now every stored tile's end is checked (no decode; a tile that
does not end as a whole image does is decoded to confirm), `verify=True` (--verify) decodes every
one, and a damaged tile is fetched again. Before the fix the first two tests saw the cut tiles
counted "already" and never requested (FetchReport had no `damaged`)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from geolocator.core.sources import fetch as F
from geolocator.core.sources.mbtiles import MBTilesWriter

from .test_fetch_tiles import FAST, _server, _template, open_image_bytes, served  # noqa: F401


def _stored_with(out, tiles, damage):
    """An .mbtiles (as an earlier fetch wrote it) holding `tiles`, with `damage[t]` bytes instead for some."""
    w = MBTilesWriter(out, name="demo", fmt="jpg")
    for (z, x, y), data in tiles.items():
        w.put(z, x, y, damage.get((z, x, y), data))
    w.close()




def _stored(out, t):
    w = MBTilesWriter(out)
    try:
        return w.stored(*t)
    finally:
        w.db.close()


def test_tiles_cut_short_by_an_earlier_fetch_are_fetched_again(tmp_path, served):
    tiles, _ = served
    wanted = sorted(tiles)[:6]
    a, b = wanted[1], wanted[4]
    out = tmp_path / "old.mbtiles"
    _stored_with(out, {t: tiles[t] for t in wanted}, {a: tiles[a][: len(tiles[a]) // 2], b: tiles[b][:40]})
    with _server(tiles) as server:
        report = F.fetch_tiles(_template(server), wanted, out, **FAST)
        asked = {t for t in wanted if server.requests_for(*t)}
    assert asked == {a, b}  # only the damaged ones: the 4 whole tiles are not fetched again
    assert sorted(report.damaged) == sorted(f"{t[0]}/{t[1]}/{t[2]}" for t in (a, b))
    assert all("the stored image is cut short or damaged" in why for why in report.damaged.values())
    assert report.fetched == 2 and report.already == 4 and not report.failed
    for t in (a, b):  # replaced by the whole tile
        assert np.array_equal(np.asarray(open_image_bytes(_stored(out, t))), np.asarray(open_image_bytes(tiles[t])))


def test_verify_decodes_every_stored_tile(tmp_path, served):
    """A tile damaged in its middle still ends as a whole JPEG does: only --verify (a decode of
    every stored tile) finds it."""
    tiles, _ = served
    wanted = sorted(tiles)[:4]
    bad = wanted[2]
    data = tiles[bad].replace(b"\xff\xc4", b"\xff\xc4\x00\x00", 1)  # a Huffman table garbled, the end kept
    assert image_bytes_fail(data) and data.endswith(b"\xff\xd9")
    out = tmp_path / "old.mbtiles"
    _stored_with(out, {t: tiles[t] for t in wanted}, {bad: data})
    with _server(tiles) as server:
        cheap = F.fetch_tiles(_template(server), wanted, out, **FAST)
        assert not cheap.damaged and cheap.already == 4 and not server.requests_for(*bad)
        full = F.fetch_tiles(_template(server), wanted, out, verify=True, **FAST)
        assert len(server.requests_for(*bad)) == 1
    assert list(full.damaged) == [f"{bad[0]}/{bad[1]}/{bad[2]}"] and full.fetched == 1 and full.already == 3


def test_a_folder_tile_cut_short_is_replaced_too(tmp_path, served):
    tiles, _ = served
    wanted = sorted(tiles)[:3]
    bad = wanted[0]
    with _server(tiles) as server:
        F.fetch_tiles(_template(server), wanted, tmp_path / "xyz", **FAST)
        (path,) = (tmp_path / "xyz" / str(bad[0]) / str(bad[1])).glob(f"{bad[2]}.*")
        path.write_bytes(path.read_bytes()[:100])
        report = F.fetch_tiles(_template(server), wanted, tmp_path / "xyz", **FAST)
    assert list(report.damaged) == [f"{bad[0]}/{bad[1]}/{bad[2]}"] and report.fetched == 1 and report.already == 2
    assert not image_bytes_fail(path.read_bytes())


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "GIF", "WEBP"])
def test_the_end_check_knows_each_kind_whole_and_cut(kind):
    """_ends_whole: whole images of each kind pass without a decode; the same cut short do not."""
    buf = io.BytesIO()
    Image.effect_noise((64, 64), 60).convert("RGB").save(buf, kind)
    whole = buf.getvalue()
    assert F._ends_whole(whole) and F.stored_damage(whole) is None
    cut = whole[: len(whole) * 2 // 3]
    assert not F._ends_whole(cut) and "cut short or damaged" in F.stored_damage(cut)


def image_bytes_fail(data: bytes) -> bool:
    return F.image_damage(data) is not None
