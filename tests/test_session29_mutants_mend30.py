"""Tests that kill hand mutants of the code sessions 28 and 29 changed (session 30, mend30;
training/mutation_check_session30_mend30.py, training/results/mutation_session30_mend30.md). Each test
names the mutants it kills; each checks behaviour a user or a caller relies on, not the text of the
code."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core.bounded_cache import BytesLRU
from geolocator.core.media import frame_prune


# -- core/media/frame_prune.py: what the frame cache holds, and pruning it --------------------------------
def _jpg(path: Path, mtime: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (16, 12), (1, 2, 3)).save(path, "JPEG")
    os.utime(path, (mtime, mtime))
    return path


def test_only_frames_in_the_caches_two_letter_folders_are_counted_and_pruned(tmp_path):
    """FP1, FP2, FP6: the cache is `??/<hash>.jpg` (video._frame_file); a JPEG in another folder under
    it, another kind of file in a two-letter folder and an empty folder of another name are not its
    frames: not counted, not removed."""
    now = 2_000_000_000
    frame = _jpg(tmp_path / "ab" / "cdef.jpg", now - 40 * 86_400)
    elsewhere = _jpg(tmp_path / "photos" / "mine.jpg", now - 40 * 86_400)
    other = tmp_path / "ab" / "notes.txt"
    other.write_text("not a frame")
    os.utime(other, (now - 40 * 86_400, now - 40 * 86_400))
    empty = tmp_path / "keep-me"
    empty.mkdir()
    size = frame.stat().st_size
    assert frame_prune.frame_cache_size(tmp_path) == (1, size)
    assert frame_prune.prune_frames(tmp_path, 30, now) == (1, size)
    assert not frame.exists() and elsewhere.exists() and other.exists() and empty.is_dir()


def test_the_cache_size_is_the_frames_bytes_and_count(tmp_path):
    """FP8, FP11: (frames, bytes) is the number of frames and the sum of their sizes."""
    a = _jpg(tmp_path / "aa" / "1.jpg", 1e9)
    b = tmp_path / "bb" / "2.jpg"
    b.parent.mkdir()
    Image.new("RGB", (200, 150), (90, 20, 200)).save(b, "JPEG")
    assert frame_prune.frame_cache_size(tmp_path) == (2, a.stat().st_size + b.stat().st_size)


def test_prune_zero_days_removes_a_frame_last_used_this_very_second(tmp_path):
    """FP3: `--prune 0` removes every frame not in use (the stores' rule: last used at or before the
    cutoff); a frame stamped exactly `now` is removed, not kept as 'newer than 0 days'."""
    now = 2_000_000_000
    frame = _jpg(tmp_path / "ab" / "cd.jpg", now)
    assert frame_prune.prune_frames(tmp_path, 0, now)[0] == 1 and not frame.exists()


def test_a_frame_that_cannot_be_removed_is_left_and_the_rest_pruned(tmp_path, monkeypatch):
    """FP12: one frame that cannot be removed (held open on Windows, a read-only card) does not stop the
    prune or count as removed."""
    now = 2_000_000_000
    stuck = _jpg(tmp_path / "aa" / "stuck.jpg", now - 10 * 86_400)
    gone = _jpg(tmp_path / "bb" / "gone.jpg", now - 10 * 86_400)
    unlink = Path.unlink

    def refuse(self, *a, **k):
        if self.name == "stuck.jpg":
            raise PermissionError(13, "held", str(self))
        return unlink(self, *a, **k)

    monkeypatch.setattr(Path, "unlink", refuse)
    n, freed = frame_prune.prune_frames(tmp_path, 1, now)
    assert n == 1 and stuck.exists() and not gone.exists() and freed > 0


def test_a_frame_being_written_is_not_pruned_until_it_is_stale(tmp_path):
    """A real fault (session 30): video._store writes each frame as `??/.tmp-*.jpg` and renames it into
    place; `cache --prune 0` while another run decoded a video removed that file under it (the rename
    then failed and the frame was decoded again). As for the north-up copies' temporary files
    (store_prune), one younger than pair_store.STALE_TMP_S is another run's write in flight."""
    from geolocator.core.pair_store import STALE_TMP_S

    now = 2_000_000_000
    writing = _jpg(tmp_path / "ab" / ".tmp-k2j3.jpg", now - 5)
    crashed = _jpg(tmp_path / "ab" / ".tmp-old1.jpg", now - STALE_TMP_S - 60)
    frame = _jpg(tmp_path / "ab" / "ffff.jpg", now - 5)
    assert frame_prune.prune_frames(tmp_path, 0, now)[0] == 2
    assert writing.exists() and not crashed.exists() and not frame.exists()


def test_video_writes_its_frames_under_the_prefix_pruning_leaves_alone(tmp_path, monkeypatch):
    """The prefix video._store writes under is the one prune_frames knows (one name, TMP_PREFIX)."""
    import tempfile

    from geolocator.core.media import video

    seen = []
    real = tempfile.mkstemp
    monkeypatch.setattr(tempfile, "mkstemp", lambda **kw: seen.append(kw["prefix"]) or real(**kw))
    video._store(tmp_path / "ab" / "cd.jpg", Image.new("RGB", (8, 8)))
    assert seen == [frame_prune.TMP_PREFIX] and (tmp_path / "ab" / "cd.jpg").is_file()


# -- core/bounded_cache.py ---------------------------------------------------------------------------------
def test_values_filling_the_budget_exactly_are_all_kept():
    """BC1: the budget is 'at most': values whose sizes sum to it exactly are all kept."""
    cache = BytesLRU(8, len)
    cache.put("a", "xxxx")
    cache.put("b", "xxxx")
    assert "a" in cache and "b" in cache and cache.nbytes == 8 and cache.dropped == 0


def test_reading_by_index_makes_an_entry_the_most_recently_used():
    """BC6: cache[key] uses the entry as get() does: the one read stays when the next put needs room."""
    cache = BytesLRU(8, len)
    cache.put("a", "xxxx")
    cache.put("b", "xxxx")
    assert cache["a"] == "xxxx"
    cache.put("c", "xxxx")
    assert "a" in cache and "b" not in cache


def test_clear_empties_the_cache_and_its_byte_count():
    """BC9: after clear() nothing is held and no byte is counted (a later put is not dropped for bytes
    that are gone)."""
    cache = BytesLRU(10, len)
    cache.put("a", "xxxxxx")
    cache.clear()
    assert len(cache) == 0 and cache.nbytes == 0
    cache.put("b", "xxxxxxxx")
    cache.put("c", "xx")
    assert "b" in cache and "c" in cache and cache.dropped == 0


# -- core/rerank.py: the Verifier's bounded tiles and mosaics, its resumed count ----------------------------
def _tiles(tmp_path: Path, n: int):
    from geolocator.core.geo import Bounds
    from geolocator.core.model import Tile

    out = []
    tmp_path.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        path = tmp_path / f"t{i}.png"
        path.write_bytes(b"x")
        out.append(Tile(f"t{i}", path, Bounds(10 + i * 0.001, 50, 10 + (i + 1) * 0.001, 50.001)))
    return out


def _feat(tag: float):
    from geolocator.core.rerank import LocalFeatures

    return LocalFeatures(np.full((4, 2), tag, np.float32), np.full((4, 128), tag, np.float32), (64, 64))


def test_a_tile_asked_by_two_threads_at_once_is_described_once(tmp_path, monkeypatch):
    """RR3: the second thread, which missed the tile before the first had described it, finds it under
    the lock instead of describing it again (Verifier._fill_tile: 'unless another thread put it there')."""
    from geolocator.core import rerank

    tile = _tiles(tmp_path, 1)[0]
    inside, described = threading.Event(), []

    def describe(t, settings, **kw):
        described.append(t.id)
        inside.set()
        time.sleep(0.3)  # the second thread asks meanwhile, and misses
        return _feat(1)

    monkeypatch.setattr(rerank, "tile_local_features", describe)
    v = rerank.Verifier(rerank.VerifySettings())
    got = []
    first = threading.Thread(target=lambda: got.append(v.tile(tile)))
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=lambda: got.append(v.tile(tile)))
    second.start()
    first.join(10)
    second.join(10)
    assert described == ["t0"] and len(got) == 2 and got[0] is got[1]


def test_a_mosaic_asked_again_is_not_made_again(tmp_path, monkeypatch):
    """RR4: a mosaic is kept (within MOSAIC_MEMORY_BYTES) and the next target() of its tile reuses it."""
    import geolocator.core.sources.tile_image as tile_image
    from geolocator.core import rerank

    tiles = _tiles(tmp_path, 3)
    monkeypatch.setattr(rerank, "tile_local_features", lambda tile, s, **k: _feat(-1))
    monkeypatch.setattr(tile_image, "open_tile_image", lambda tile, min_side=None: Image.new("RGB", (8, 8)))
    made = []
    monkeypatch.setattr(rerank, "image_local_features",
                        lambda image, settings, contrast=None, zoom=1.0, between=None: made.append(1) or _feat(2))
    v = rerank.Verifier(rerank.VerifySettings(mosaic=1))
    first = v.target(tiles, 1)
    assert v.target(tiles, 1)[0] is first[0] and len(made) == 1


def _kept(first=(), alike=(), later=()):
    return {"first": {k: object() for k in first}, "alike": {k: (0.5, 0) for k in alike},
            "later": {("fine", 0, k, None): object() for k in later}}


def test_checks_kept_of_this_tile_set_in_any_pass_count_as_resumed(tmp_path):
    """RR6, RR7: a photo's kept evaluations hold pairs with these tiles when any of its three kinds
    (first pass, a learned backend's heading score, a later pass) names one of them; a store file with
    only other tiles' pairs does not."""
    from geolocator.core.cache import tile_key
    from geolocator.core.rerank import Verifier

    tiles = _tiles(tmp_path, 2)
    mine, other = tile_key(tiles[1]), "0123456789abcdef"
    v = Verifier()
    assert v._holds_checks_of(tiles, _kept(first=[mine]))
    assert v._holds_checks_of(tiles, _kept(alike=[mine]))
    assert v._holds_checks_of(tiles, _kept(later=[mine]))
    assert not v._holds_checks_of(tiles, _kept(first=[other], alike=[other], later=[other]))


def test_the_tile_keys_compared_are_those_of_the_tiles_given_each_time(tmp_path):
    """RR8: the keys are computed once per tile sequence, and again for another sequence (the app
    opening another tile store in the same Workspace keeps its Verifier)."""
    from geolocator.core.cache import tile_key
    from geolocator.core.rerank import Verifier

    a, b = _tiles(tmp_path / "a", 1), _tiles(tmp_path / "b", 1)
    v = Verifier()
    assert v._holds_checks_of(a, _kept(first=[tile_key(a[0])]))
    assert v._holds_checks_of(b, _kept(first=[tile_key(b[0])]))
    assert not v._holds_checks_of(b, _kept(first=[tile_key(a[0])]))


# -- core/mosaic.py: the ring of a tile turned against the meridians ------------------------------------
def _turned(crs: str, lon: float, lat: float, span: float = 107.52, half: int = 3):
    """A 7 x 7 block of `span` m tiles of a grid in projected `crs` around (lon, lat), as Tiles with
    corners (geo.projected_boxes), and the (col, row) of each."""
    from pyproj import Transformer

    from geolocator.core.geo import projected_boxes
    from geolocator.core.model import Tile

    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    c0, r0 = int(x // span), int(-y // span)
    cells = [(c, r) for c in range(c0 - half, c0 + half + 1) for r in range(r0 - half, r0 + half + 1)]
    boxes = projected_boxes([c * span for c, _ in cells], [-(r + 1) * span for _, r in cells],
                            [(c + 1) * span for c, _ in cells], [-r * span for _, r in cells], crs)
    tiles = [Tile(id=f"{c}/{r}", path=Path("grid.gpkg"), bounds=b, ref=f"tiles/{c}/{r}", corners=k)
             for (c, r), (b, k) in zip(cells, boxes)]
    return tiles, cells, (c0, r0)


@pytest.mark.parametrize("crs, lon, lat", [("EPSG:2193", 174.78, -41.29),   # NZTM at Wellington
                                           ("EPSG:28992", 4.48, 51.92)])    # RD New at Rotterdam
def test_a_turned_grids_ring_far_from_greenwich_is_its_own_block(crs, lon, lat):
    """A real fault (session 30, MO8): each tile's frame scaled its longitudes by its OWN cos(latitude),
    so at 175 degrees east a row 108 m north (scaled 1e-5 less) landed two tile widths west: ring 1 of
    NZTM tiles at Wellington held 7 tiles, 3 of them from the wrong columns; ring 2 held 17 of 25. One
    map (the centre tile's scale) for every tile compared gives the 3 x 3 and 5 x 5 blocks. RD at
    Rotterdam (4.5 degrees east: the same error 40 times smaller) was right before and stays so."""
    from geolocator.core.mosaic import NeighbourGrid

    tiles, cells, (c0, r0) = _turned(crs, lon, lat)
    grid = NeighbourGrid(tiles)
    at = {cr: i for i, cr in enumerate(cells)}
    for ring in (1, 2):
        got = {cells[k] for k in grid.around(at[(c0, r0)], ring)}
        assert got == {(c, r) for c in range(c0 - ring, c0 + ring + 1) for r in range(r0 - ring, r0 + ring + 1)}
