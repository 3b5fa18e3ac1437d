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
    NZTM tiles at Wellington held 7 tiles (itself included), 2 from other columns, 4 of its block missing;
    ring 2 held 17 (4 from other columns, 12 missing). One
    map (the centre tile's scale) for every tile compared gives the 3 x 3 and 5 x 5 blocks. RD at
    Rotterdam (4.5 degrees east: the same error 40 times smaller) was right before and stays so."""
    from geolocator.core.mosaic import NeighbourGrid

    tiles, cells, (c0, r0) = _turned(crs, lon, lat)
    grid = NeighbourGrid(tiles)
    at = {cr: i for i, cr in enumerate(cells)}
    for ring in (1, 2):
        got = {cells[k] for k in grid.around(at[(c0, r0)], ring)}
        assert got == {(c, r) for c in range(c0 - ring, c0 + ring + 1) for r in range(r0 - ring, r0 + ring + 1)}


def _rd_tiles(boxes):
    """Tiles of RD New (EPSG:28992) boxes (min x, min y, max x, max y metres) with their corners."""
    from geolocator.core.geo import projected_boxes
    from geolocator.core.model import Tile

    made = projected_boxes(*zip(*boxes), "EPSG:28992")
    return [Tile(id=f"b{i}", path=Path("rd.gpkg"), bounds=b, ref=f"tiles/{i}", corners=k)
            for i, (b, k) in enumerate(made)]


def test_tiles_of_other_sizes_count_by_how_far_they_reach_into_the_ring():
    """MO2, MO6: in a set from two sources (tiles of other sizes in the same turned grid), a tile is a
    neighbour when it reaches into the grown tile by more than a quarter of the tile, whatever its size:
    a half-size tile reaching 0.4 of a tile into the ring (its near edge 1.1 widths from the centre) and
    a double-size tile reaching half a tile into it count; one that only touches the ring does not."""
    from geolocator.core.mosaic import NeighbourGrid

    x, y, s = 92_000.0, 437_000.0, 107.52  # Rotterdam; RD level 13's tile size
    tiles = _rd_tiles([(x, y, x + s, y + s),                                  # 0: the tile
                       (x + 1.6 * s, y, x + 2.1 * s, y + 0.5 * s),            # 1: half size, 0.4 of a tile in
                       (x + 1.5 * s, y - s, x + 3.5 * s, y + s),              # 2: double size, half a tile in
                       (x + 2 * s, y + s, x + 4 * s, y + 3 * s),              # 3: double size, touching only
                       (x - s, y, x, y + s)])                                 # 4: the column to the west
    assert NeighbourGrid(tiles).around(0, 1) == [0, 1, 2, 4]


# -- core/csv_excel.py and the save dialog's choice -----------------------------------------------------
def test_a_numpy_float32_cell_gets_a_decimal_comma_too():
    """CE1: numbers come from numpy as well as Python (a float32 keypoint figure, a numpy mean): every
    real number that is not whole is written with a decimal comma, not only Python floats."""
    from geolocator.core.csv_excel import excel_cell

    assert excel_cell(np.float32(46.5)) == "46,5" and excel_cell(np.float64(-0.25)) == "-0,25"
    assert excel_cell(np.int64(384)) == 384


def test_the_excel_choice_sits_right_after_the_plain_csv_in_the_save_dialog():
    """CE5: the save dialog lists the Excel flavour beside the CSV it is a flavour of, not at the end."""
    from geolocator.core.exports import EXCEL_CSV_FILTER, dialog_filters

    filters = dialog_filters()
    at = next(i for i, f in enumerate(filters) if f.startswith("CSV ("))
    assert filters[at + 1] == EXCEL_CSV_FILTER and filters.count(EXCEL_CSV_FILTER) == 1
    assert filters[0].startswith("GeoJSON")  # the first choice (the default) is unchanged


# -- core/levels.frame_counts (session 28) ---------------------------------------------------------------
def test_frame_counts_group_thousands_as_every_count_and_keep_unknown_words_in_first_met_order():
    """LV1, LV2, LV4: a long flight's line reads '1,200 confident' as wording.count writes every count;
    words not in FRAME_COUNT_ORDER follow in the order first met (not a set's order); any iterable of
    levels is taken (a generator too)."""
    from geolocator.core.levels import frame_counts
    from geolocator.core.wording import count

    assert frame_counts(["confident"] * 1200 + ["not located"]) == "1,200 confident, 1 not located"
    assert count(1200, "frame").startswith("1,200 ")  # the same grouping
    odd = ["zeta", "alpha", "mu", "beta", "omega", "kappa", "delta"]
    assert frame_counts(odd + ["alpha"]) == "1 zeta, 2 alpha, 1 mu, 1 beta, 1 omega, 1 kappa, 1 delta"
    assert frame_counts(w for w in ("extrapolated", "confident")) == "1 confident, 1 extrapolated"


# -- core/evidence._safe_stem (session 28) -----------------------------------------------------------------
def test_an_evidence_stem_makes_each_run_of_other_characters_one_underscore_and_never_nothing():
    """EV3, EV4: 'Flug 3 - #12.jpg' keeps one '_' for each run of spaces and signs (its docstring's
    rule), and an id of signs alone is still a name ('photo'), not '.evidence.png', a hidden file."""
    from geolocator.core.evidence import _safe_stem

    assert _safe_stem("Flug 3  #12.jpg") == "Flug_3_12.jpg"
    assert _safe_stem("?? ##") == "photo" and _safe_stem("../") == "photo"


# -- core/photo_support.with_support's stage (session 29) ---------------------------------------------------
def test_a_photo_whose_oblique_view_is_recorded_is_not_checked_nor_counted(monkeypatch):
    """PS3: the rule was measured on nadir photos without metadata only, so a photo whose camera is
    recorded oblique (rerank.query_outline gives a ViewGeometry) keeps its answer as it is, and the
    stage counts only the photos it checks."""
    from geolocator.core import rerank
    from geolocator.core.oblique import ViewGeometry
    from geolocator.core.photo_support import with_support
    from geolocator.core.rerank import Verification

    from .test_photo_support import _Verifier, _pair, _predictions, _tiles

    queries, before = _predictions([[10, 0, 0], [40, 0, 0], [10, 0, 0]], _tiles())
    photo, tile, h = _pair()
    verifier = _Verifier({q.id: photo for q in queries}, {"t0": tile},
                         {(q.id, "t0"): Verification(10, (0.5, 0.5), h) for q in queries})
    outline = rerank.query_outline
    monkeypatch.setattr(rerank, "query_outline", lambda q: ViewGeometry(-45.0, 80.0, 0.9) if q.id == "q0.jpg"
                        else outline(q))
    events = []
    after = with_support(queries, before, verifier, progress=events.append)
    assert [(e.stage, e.step, e.total) for e in events] == [("support", 1, 1)]
    assert after[0] is before[0]


# -- core/sources/wmts_grid.py: a GeoPackage's levels (Requirement 45) and zoom_other (session 29) ---------
def _matrix(ident: str, pixel: float, w: int, h: int, left: float = -10.0, top: float = 10.0):
    """A matrix in degrees: 256 px tiles of `pixel` degrees a pixel, w x h tiles from (left, top)."""
    from geolocator.core.sources.wmts_grid import OGC_PIXEL_M, GridMatrix, METRES_PER_DEGREE

    return GridMatrix(ident, pixel * METRES_PER_DEGREE / OGC_PIXEL_M, left, top, pixel, 256, 256, w, h)


def _deg(*matrices):
    from geolocator.core.sources.wmts_grid import GridSet, METRES_PER_DEGREE

    return GridSet("T", "EPSG:4326", "EPSG:4326", tuple(matrices), True, METRES_PER_DEGREE)


def _template():
    from types import SimpleNamespace

    return SimpleNamespace(name="t", url="https://g.test/{z}/{x}/{y}.png", attribution="(c) test")


def _gpkg_rows(path: Path, sql: str) -> list:
    import sqlite3

    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_a_level_of_the_same_lower_left_corner_but_another_size_does_not_cover_the_extent():
    """WG1: all four sides are compared: a matrix sharing the extent's lower-left corner but reaching
    further north and east is not one of the GeoPackage's zoom levels."""
    g = _deg(_matrix("0", 1 / 256, 5, 3), _matrix("1", 1 / 512, 10, 6), _matrix("x", 1 / 512, 10, 8, -10.0, 11.0))
    assert g.extent(2)[:2] == g.extent(0)[:2] and g.levels_of(g.extent(0)) == [0, 1]


def test_levels_a_factor_two_apart_and_numbered_one_after_another_need_no_zoom_other(tmp_path):
    """WG4, WG5: GeoPackage's default is 'zoom times two' (clause 2.2.3): levels 0, 1, 2 of pixels halving
    need no extension row; levels listed 0 and 2 (a level between covering another box) do, though their
    pixels are a factor two apart, since zoom 1 to 2 is then not a factor two."""
    from geolocator.core.sources.wmts_grid import GpkgSink

    halving = _deg(_matrix("0", 1 / 256, 5, 3), _matrix("1", 1 / 512, 10, 6), _matrix("2", 1 / 1024, 20, 12))
    GpkgSink(tmp_path / "a.gpkg", _template(), halving).close()
    assert _gpkg_rows(tmp_path / "a.gpkg", "SELECT zoom_level FROM gpkg_tile_matrix ORDER BY 1") == [(0,), (1,), (2,)]
    assert _gpkg_rows(tmp_path / "a.gpkg", "SELECT extension_name FROM gpkg_extensions") == []
    gap = _deg(_matrix("0", 1 / 256, 5, 3), _matrix("1", 1 / 384, 7, 4), _matrix("2", 1 / 512, 10, 6))
    GpkgSink(tmp_path / "b.gpkg", _template(), gap).close()
    assert _gpkg_rows(tmp_path / "b.gpkg", "SELECT zoom_level FROM gpkg_tile_matrix ORDER BY 1") == [(0,), (2,)]
    assert _gpkg_rows(tmp_path / "b.gpkg", "SELECT extension_name FROM gpkg_extensions") == [("gpkg_zoom_other",)]


def test_a_geopackage_refuses_a_level_its_table_does_not_list_or_whose_matrix_is_another(tmp_path):
    """WG8, WG9: a file written with set A (levels 0 and 1 covering its extent) is reopened with set B
    of the same CRS and extent: B's level 1 covers another box (listed, but not B's matrix), B's level 2
    covers the extent but is not listed (its tiles would have no gpkg_tile_matrix row); both refused,
    naming the file; B's level 0 is taken."""
    from geolocator.core.errors import InputError
    from geolocator.core.sources.wmts_grid import GpkgSink

    a = _deg(_matrix("0", 1 / 256, 5, 3), _matrix("1", 1 / 512, 10, 6))
    GpkgSink(tmp_path / "a.gpkg", _template(), a, 0).close()
    b = _deg(_matrix("0", 1 / 256, 5, 3), _matrix("1", 1 / 384, 7, 4), _matrix("2", 1 / 512, 10, 6))
    for level in (1, 2):  # WG11: the levels it holds, named as such
        with pytest.raises(InputError, match=r"a\.gpkg: holds levels 0, 1 of tile matrix set 'T'; level "
                                             rf"{level} .*give a new \.gpkg file for level {level}"):
            GpkgSink(tmp_path / "a.gpkg", _template(), b, level)
    GpkgSink(tmp_path / "a.gpkg", _template(), b, 0).close()


def test_a_geopackage_of_another_grid_in_the_same_crs_is_refused_as_another_grid(tmp_path):
    """WG10: a file none of whose extent the set's levels cover is 'another grid' (give a new file),
    not 'level N covers another extent' (which would suggest another level of this grid may fit)."""
    from geolocator.core.errors import InputError
    from geolocator.core.sources.wmts_grid import GpkgSink

    GpkgSink(tmp_path / "a.gpkg", _template(), _deg(_matrix("0", 1 / 256, 5, 3)), 0).close()
    shifted = _deg(_matrix("0", 1 / 256, 5, 3, -9.0, 10.0))
    with pytest.raises(InputError, match="holds tiles of another grid than the tile matrix set 'T'"):
        GpkgSink(tmp_path / "a.gpkg", _template(), shifted, 0)


def _axes(*pairs):
    from types import SimpleNamespace

    return [SimpleNamespace(direction=d, name=n) for d, n in pairs]


def test_axis_order_by_direction_and_for_polar_grids_by_name():
    """WG13, WG17: a polar grid (both axes towards a meridian) is northing first when its first axis is
    named Northing or Southing (ISO 19111 names); two axes that both point east are not a map grid."""
    from geolocator.core.sources.wmts_grid import axis_order

    assert axis_order(_axes(("south", "Southing"), ("south", "Westing"))) == (True, "")
    assert axis_order(_axes(("north", "Northing"), ("north", "Easting"))) == (True, "")
    assert axis_order(_axes(("south", "Easting"), ("south", "Northing"))) == (False, "")
    assert axis_order(_axes(("north", "Northing"), ("east", "Easting"))) == (True, "")
    assert axis_order(_axes(("east", "Easting"), ("north", "Northing"))) == (False, "")
    order, why = axis_order(_axes(("east", "x"), ("east", "y")))
    assert order is None and why == "its axes point east and east, not a map grid"


# -- core/sources/fetch.open_sink: a GeoPackage only for a national grid and a grid only into one ----------
def test_a_national_grid_goes_into_a_gpkg_only_and_a_gpkg_holds_only_a_national_grid(tmp_path):
    """FE3, FE4: a grid's tiles asked into a .mbtiles, or XYZ tiles into a .gpkg, are refused saying so,
    and nothing is made (no MBTiles in another grid's CRS, no folder named x.gpkg)."""
    from geolocator.core.sources.fetch import FetchError, TileTemplate, open_sink

    template = TileTemplate("https://t.test/{z}/{x}/{y}.png")
    grid = _deg(_matrix("0", 1 / 256, 5, 3))
    with pytest.raises(FetchError, match="a GeoPackage"):
        open_sink(tmp_path / "x.mbtiles", template, grid, 0)
    with pytest.raises(FetchError, match="a GeoPackage"):
        open_sink(tmp_path / "x.gpkg", template)
    assert list(tmp_path.iterdir()) == []


def test_a_national_grid_plan_describes_the_level_fetched_at_the_areas_latitude():
    """FE7, FE8: the plan's line gives the tile ground width and the pixel size of the level fetched
    (not the set's first), the width at the area's latitude (a degree of longitude shrinks north)."""
    from geolocator.core.geo import Bounds, metres_per_degree
    from geolocator.core.sources.fetch import FetchPlan, TileTemplate

    grid = _deg(_matrix("0", 1 / 256, 5, 3, 0.0, 50.0), _matrix("1", 1 / 512, 10, 6, 0.0, 50.0))
    area = Bounds(2.0, 48.0, 3.0, 49.0)  # centre 2.5 E, 48.5 N
    plan = FetchPlan(TileTemplate("https://t.test/{z}/{x}/{y}.png"), area, 1, Path("x.gpkg"), ((1, 4, 3),), grid=grid)
    ground = 0.5 * metres_per_degree(48.5)[1]  # a 0.5 degree tile there: about 36.9 km
    assert f"1 tile at level 1 of {grid.label()} (matrix '1', about {ground:.0f} m each on the ground, 217 m pixels)" \
        in plan.describe()
    assert 36_000 < ground < 37_500


# -- core/adapt/geometric._first_looks (session 28) ------------------------------------------------------------
def test_first_looks_skip_tried_partners_and_itself_and_an_unreadable_photo_links_to_none():
    """GM1, GM4, GM7: the partners a photo may glue, lazily: itself and partners already tried are
    skipped, every other partner reached is marked tried (an unreadable one too), and a photo without
    keypoints yields no partner at all (each would be a glue of nothing)."""
    from geolocator.core.adapt.geometric import _first_looks
    from geolocator.core.rerank import VerifySettings

    feats = {i: _feat(i) for i in range(6)}
    feats[4] = None  # a partner that could not be described
    photo = feats.get
    tried = {2}
    got = [a for a, heading, inliers in _first_looks(0, [0, 1, 2, 3, 4, 5], tried, photo, VerifySettings(), 0, None)]
    assert got == [1, 3, 5] and tried == {1, 2, 3, 4, 5}
    assert [a for a, _, _ in _first_looks(0, [1, 3, 5], tried, photo, VerifySettings(), 0, None)] == []
    feats[0] = None
    fresh = set()
    assert list(_first_looks(0, [1, 3, 5], fresh, photo, VerifySettings(), 0, None)) == [] and fresh == {1, 3, 5}


# -- core/sources/gpkg.py: the credit line fetch-tiles recorded (session 28) ----------------------------------
def test_a_geopackage_reads_its_recorded_credit_line_and_none_when_it_is_blank_or_absent(tmp_path):
    """GP1, GP2: read_info gives the attribution GpkgSink recorded; a blank one is no credit line (not
    ''), and a GeoPackage without our metadata table (one from QGIS or GDAL) has none and still opens."""
    import sqlite3

    from geolocator.core.sources.gpkg import read_info
    from geolocator.core.sources.wmts_grid import GpkgSink

    grid = _deg(_matrix("0", 1 / 256, 5, 3))
    path = tmp_path / "a.gpkg"
    GpkgSink(path, _template(), grid, 0).close()
    assert read_info(path).attribution == "(c) test"
    with sqlite3.connect(path) as db:
        db.execute("UPDATE geolocator_metadata SET value = '' WHERE name = 'attribution'")
    assert read_info(path).attribution is None
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE geolocator_metadata")
    info = read_info(path)
    assert info.attribution is None and info.kind == "gpkg"


# -- core/sources/wmts.py: a layer in a national grid or in Web Mercator (session 28) ------------------------
def _layer(grid=None, tile_px: int = 256):
    from geolocator.core.sources.fetch import parse_template
    from geolocator.core.sources.wmts import WmtsLayer

    zooms = tuple(range(len(grid.matrices))) if grid is not None else tuple(range(0, 20))
    return WmtsLayer(parse_template("https://w.test/{z}/{x}/{y}.jpg"), zooms, "caps.xml", "ortho", "default",
                     "NV" if grid is not None else "EPSG:3857", "image/jpeg", "RESTful", tile_px=tile_px, grid=grid)


def test_each_kind_of_layer_is_refused_the_other_kinds_output_before_the_work(tmp_path):
    """WM2, WM3: a Web Mercator layer refuses a .gpkg (written for national grids only) and a
    national-grid layer takes a GeoPackage whatever the case of its suffix (X.GPKG), as open_sink does."""
    from geolocator.core.sources.fetch import FetchError

    mercator, national = _layer(), _layer(_deg(_matrix("0", 1 / 256, 5, 3)))
    with pytest.raises(FetchError, match="is Web Mercator; a .gpkg is written for national-grid sets only"):
        mercator.check_out(tmp_path / "tiles.gpkg")
    with pytest.raises(FetchError, match="is Web Mercator"):
        mercator.check_out(tmp_path / "TILES.GPKG")
    mercator.check_out(tmp_path / "tiles.mbtiles")
    national.check_out(tmp_path / "KARTE.GPKG")
    with pytest.raises(FetchError, match="in a GeoPackage"):
        national.check_out(tmp_path / "karte.mbtiles")


def test_a_512_px_web_mercator_tile_covers_twice_the_ground_of_a_256_px_one():
    """WM4: the ground width of a tile of a 512 px set at zoom z is twice the slippy-map tile's there."""
    from geolocator.core.geo import Bounds
    from geolocator.core.sources.package import web_mercator_tile_m

    area = Bounds(7.4, 46.9, 7.5, 47.0)
    assert _layer(tile_px=512).tile_ground_m(15, area) == pytest.approx(2 * web_mercator_tile_m(15, 46.95))
    assert _layer().tile_ground_m(15, area) == pytest.approx(web_mercator_tile_m(15, 46.95))


def test_a_national_grids_level_is_suggested_by_its_ground_width_at_the_area():
    """WM5: the level whose tiles are nearest the footprint on the ground where the area is: at 60 N a
    degree of longitude is half its length at the equator, so 0.5 degree tiles are ~27.8 km there."""
    from geolocator.core.geo import Bounds

    grid = _deg(_matrix("0", 1 / 256, 5, 3), _matrix("1", 1 / 512, 10, 6), _matrix("2", 1 / 1024, 20, 12))
    area = Bounds(10.0, 59.9, 10.2, 60.1)
    assert _layer(grid).suggest_zoom(28_000, area) == 1
    assert _layer(grid).suggest_zoom(14_000, area) == 2


def test_a_layer_in_both_a_web_mercator_and_a_deeper_national_set_is_fetched_in_web_mercator():
    """WM7: Web Mercator first (XYZ, as before national grids were read), even where the national set
    has more levels; the national one when it is named."""
    from geolocator.core.sources.wmts import wmts_template

    from .test_wmts import capabilities, layer, mercator_set, rd_set

    doc = capabilities([layer("both", ["EPSG:28992", "EPSG:3857"], rest="https://w.test/{TileMatrix}/{TileCol}/"
                                                                      "{TileRow}.jpg")],
                       [rd_set(), mercator_set(zooms=range(0, 10))])
    chosen = wmts_template(doc, "caps.xml", "both")
    assert chosen.grid is None and chosen.tile_matrix_set == "EPSG:3857" and chosen.zooms == tuple(range(0, 10))
    named = wmts_template(doc, "caps.xml", "both", tile_matrix_set="EPSG:28992")
    assert named.grid is not None and named.zooms == tuple(range(0, 15))


def test_a_national_grid_plan_checks_the_area_as_every_plan_does(tmp_path):
    """WM12: an area inside out or off the globe is refused by check_bbox's words before any tile of
    the national grid is listed (as plan_fetch does for Web Mercator)."""
    from geolocator.core.geo import Bounds
    from geolocator.core.sources.fetch import FetchError

    national = _layer(_deg(_matrix("0", 1 / 256, 5, 3)))
    with pytest.raises(FetchError, match="west must be less than east"):
        national.plan(Bounds(-6.0, 8.0, -8.0, 9.0), 0, tmp_path / "a.gpkg", 100)
    with pytest.raises(FetchError, match="outside the globe"):
        national.plan(Bounds(-8.0, 8.0, -6.0, 95.0), 0, tmp_path / "a.gpkg", 100)
    assert national.plan(Bounds(-8.0, 8.0, -6.0, 9.0), 0, tmp_path / "a.gpkg", 100).tiles


# -- fresh eyes on session 29: tile stores written under a name that is not UTF-8 --------------------------------
def test_tiles_are_fetched_into_a_store_whose_name_is_not_utf8(tmp_path):
    """A real fault (session 30): session 29 made MBTiles and GeoPackages named b"Karte M\\xe4rz" (a Latin-1
    card) readable, but fetch-tiles could not write one: the store's name (its file name without a suffix,
    when the service gives none) went into SQLite text with Python's lone surrogate for \\xe4, and
    sqlite3 raised UnicodeEncodeError after creating the file. The name is stored as names.readable
    writes it ('Karte M\\\\xe4rz', as every export)."""
    import sqlite3
    from types import SimpleNamespace

    from geolocator.core.sources.fetch import MBTilesSink, TileTemplate
    from geolocator.core.sources.wmts_grid import GpkgSink

    mb = Path(os.fsdecode(os.fsencode(tmp_path) + b"/Karte M\xe4rz.mbtiles"))
    gp = Path(os.fsdecode(os.fsencode(tmp_path) + b"/Karte M\xe4rz.gpkg"))
    MBTilesSink(mb, TileTemplate("https://t.test/{z}/{x}/{y}.png")).close()
    GpkgSink(gp, SimpleNamespace(name=None, url="https://g.test/{z}/{x}/{y}.png", attribution=None),
             _deg(_matrix("0", 1 / 256, 5, 3)), 0).close()
    with sqlite3.connect(mb) as db:
        assert db.execute("SELECT value FROM metadata WHERE name = 'name'").fetchall() == [("Karte M\\xe4rz",)]
    with sqlite3.connect(gp) as db:
        assert db.execute("SELECT identifier FROM gpkg_contents").fetchall() == [("Karte M\\xe4rz",)]


def test_fetch_tiles_into_an_mbtiles_whose_name_is_not_utf8_and_says_so_readably(tmp_path, capsys):
    """The same through the CLI: before, `fetch-tiles URL --out "Karte M\\xe4rz.mbtiles"` stopped with a
    UnicodeEncodeError traceback and left an empty file; its lines named the file 'Karte M\\udce4rz' on
    stderr and with the raw byte on stdout. Now the tile is fetched and every line reads 'Karte
    M\\xe4rz.mbtiles', as the logs and the exports write such a name."""
    import io

    import mercantile

    from geolocator import cli

    from .tile_server import TileServer

    png = io.BytesIO()
    Image.new("RGB", (256, 256), (50, 90, 30)).save(png, "PNG")
    out = Path(os.fsdecode(os.fsencode(tmp_path) + b"/Karte M\xe4rz.mbtiles"))
    b = mercantile.bounds(34004, 22004, 16)
    with TileServer({(16, 34004, 22004): png.getvalue()}) as server:
        code = cli.main(["fetch-tiles", server.url, "--attribution", "test", "--zoom", "16", "--out", str(out), "-q",
                         f"--bbox={b.west + 1e-6},{b.south + 1e-6},{b.east - 1e-6},{b.north - 1e-6}"])
    said = capsys.readouterr()
    assert code == 0 and os.listdir(os.fsencode(tmp_path)) == [b"Karte M\xe4rz.mbtiles"]
    assert "\udce4" not in said.out + said.err
    assert "into " + str(tmp_path) + "/Karte M\\xe4rz.mbtiles" in said.err
    assert said.out.splitlines()[-1] == f"next: geolocator locate PHOTOS --tiles {tmp_path}/Karte M\\xe4rz.mbtiles"
