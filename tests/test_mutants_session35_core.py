"""Tests the session-35 mutation check (training/mutation_check_session35.py) found missing in modules no
earlier check had looked at: each states a property of the code (from its docstring or what a user sees),
passes on the code as it is and fails on the mutant named (results: training/results/mutation35_session35.md)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from geolocator.core.model import Bounds, Tile, TileSet


# --- core/region_plan.py -------------------------------------------------------------------------------

def test_a_folder_with_a_queries_folder_but_no_tiles_csv_plans_no_photos(tmp_path):
    """RG4: only a region folder (tiles.csv and queries/ side by side) adds photos to the plan; a folder of
    photos that happens to hold a queries/ folder is not one (its photos are in the list already)."""
    from geolocator.core.region_plan import region_photo_count

    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "a.JPG").write_bytes(b"x")
    assert region_photo_count(tmp_path) == 0
    (tmp_path / "tiles.csv").write_text("path,west,south,east,north\n")
    assert region_photo_count(tmp_path) == 1


# --- core/tiles_among_photos.py ------------------------------------------------------------------------

def _geotiff(path: Path) -> Path:
    from tests.test_tiles_among_photos import _geotiff as make

    return make(path)


def test_the_orthophoto_and_a_link_to_it_are_said_once_as_the_imagery_itself(tmp_path):
    """TA5, TA7: a link to the tile set's source file is that file (real paths), not a copy of it, even
    when no tile's path is the file; and the one file given twice (itself and its link) is said once."""
    from geolocator.core.model import Query
    from geolocator.core.queries import load_queries
    from geolocator.core.tiles_among_photos import REASON, without_the_tile_set
    from tests.helpers import png_file

    folder = tmp_path / "flight"
    folder.mkdir()
    png_file(folder / "DJI_0001.png", size=(64, 48))
    ortho = _geotiff(folder / "ortho.tif")
    (folder / "same.tif").symlink_to(ortho)
    tileset = TileSet(tiles=(Tile("t", tmp_path / "elsewhere.tif", Bounds(10.0, 50.0, 10.001, 50.001)),), source=ortho)
    said = []
    kept = without_the_tile_set(load_queries(folder), tileset, on_skip=lambda p, r: said.append(r))
    assert [q.id for q in kept] == ["DJI_0001.png"]
    assert said == [REASON]
    # the file and its link both given (load_queries above left the link out as a copy): one file, said once
    said.clear()
    both = [Query("ortho.tif", ortho), Query("same.tif", folder / "same.tif"),
            Query("DJI_0001.png", folder / "DJI_0001.png")]
    assert [q.id for q in without_the_tile_set(both, tileset, on_skip=lambda p, r: said.append(r))] == ["DJI_0001.png"]
    assert said == [REASON]


def test_no_photos_given_is_no_error():
    """TA6: the error is for photos that were all the imagery; with none given there is nothing to say."""
    from geolocator.core.tiles_among_photos import without_the_tile_set

    tileset = TileSet(tiles=(Tile("t", Path("/nowhere/t.png"), Bounds(10.0, 50.0, 10.001, 50.001)),),
                      source=Path("/nowhere/tiles.csv"))
    assert without_the_tile_set([], tileset) == ()


# --- core/second_look.py -------------------------------------------------------------------------------

def _second_look(checks, inliers, upto, c=3, floor=8, clear=40, n_tiles=8):
    from tests.test_second_look import _FakeLearned, _queries
    from geolocator.core.second_look import second_look

    n = len(checks)
    order = np.array([list(range(n_tiles))] * n)
    learned = _FakeLearned(inliers)
    learned.settings.confident_at = lambda: clear
    out = second_look(learned, _queries(n), [None] * n_tiles, order, order[:, :c].copy(), checks, floor, "sift", upto)
    return learned, out


def test_a_photo_at_exactly_its_threshold_counts_as_verified_and_is_not_looked_at_again():
    """SL1: verified means inliers >= the threshold (rerank's rule): 8 of 8 is verified."""
    from geolocator.core.rerank import Verification

    learned, _ = _second_look([[Verification(8), Verification(0), Verification(0)]], {}, 8)
    assert learned.asked == []


def test_a_learned_match_at_exactly_its_clear_count_replaces_the_row():
    """SL4: the row is replaced when the best tile has at least confident_at() inliers."""
    from geolocator.core.rerank import Verification

    _, (cands, _, looked) = _second_look([[Verification(0)] * 3], {("p0.jpg", 6): 40}, 8)
    assert list(looked.rows) == [True] and cands[0][0] == 6


def test_upto_below_the_candidates_still_looks_at_as_many_tiles_as_the_row_holds():
    """SL3: a photo is looked at on max(upto, C) tiles: upto 2 with 3 candidates still fills a row of 3
    (a row cut short would be kept as the first look's, its clear match lost)."""
    from geolocator.core.rerank import Verification

    learned, (cands, _, looked) = _second_look([[Verification(0)] * 3], {("p0.jpg", 2): 50}, 2)
    assert learned.asked[0][1] == [0, 1, 2]
    assert list(looked.rows) == [True] and list(cands[0]) == [2, 0, 1]


# --- core/frozen_fix.py --------------------------------------------------------------------------------

def _fixes(source, seconds, time_s=None):
    """Photos of one camera recording one identical position at `seconds` after 12:00."""
    from datetime import datetime, timedelta

    from geolocator.core.model import LatLon, Query

    t0 = datetime(2026, 11, 28, 12, 0, 0)
    return [Query(f"P{i}.JPG", Path(f"P{i}.JPG"), truth=LatLon(36.14, -115.23), truth_source=source,
                  meta=SimpleNamespace(captured_at=t0 + timedelta(seconds=s), make="DJI", model="FC3411",
                                       position=LatLon(36.14, -115.23)), time_s=time_s)
            for i, s in enumerate(seconds)]


def test_a_fix_unchanged_over_exactly_the_least_span_is_frozen():
    """FF4: MIN_PHOTOS photos whose times span at least MIN_SPAN_S (10 s) seconds: 0, 5 and 10 s is one."""
    from geolocator.core.frozen_fix import drop_frozen_fixes

    assert [q.truth for q in drop_frozen_fixes(_fixes("exif", (0, 5, 10)))] == [None] * 3
    assert all(q.truth is not None for q in drop_frozen_fixes(_fixes("exif", (0, 5, 9.5))))


def test_positions_a_person_wrote_and_video_frames_are_never_called_frozen():
    """FF6, FF7: truth.csv positions (a person wrote one place for several photos on purpose) and video
    frames (time_s set: telemetry sampled finer than its rate repeats legitimately) keep their truth."""
    from geolocator.core.frozen_fix import drop_frozen_fixes

    for queries in (_fixes("truth.csv", (0, 10, 20)), _fixes("exif", (0, 10, 20), time_s=1.0)):
        assert drop_frozen_fixes(queries) == tuple(queries)


def test_a_photo_without_truth_for_another_reason_gives_no_frozen_position():
    """FF8: frozen_position is the fix drop_frozen_fixes set aside, not any photo's position without truth
    (a void fix, GPSStatus V, is no place to fetch imagery around)."""
    from dataclasses import replace

    from geolocator.core.frozen_fix import drop_frozen_fixes, frozen_position

    frozen = drop_frozen_fixes(_fixes("exif", (0, 10, 20)))
    assert frozen_position(frozen[0]) == frozen[0].meta.position
    void = replace(frozen[0], truth_note="its GPS fix is marked void (GPSStatus V)")
    assert frozen_position(void) is None


# --- core/deblock.py -----------------------------------------------------------------------------------

def test_each_block_of_a_random_tile_is_rebuilt_at_its_centre_with_its_own_value():
    """DB2, DB3: each replicated block is the one sample it is, taken at its centre, and the periods of the
    two axes are each their own: random block values (neighbours unalike, so a sample off its block's
    centre or a column grid drifting by the other axis's period shows) in blocks 10.23 px wide and 10.0 px
    tall (nearest-neighbour enlargement of 26 x 26 pixels to 266 x 260) come back at the blocks' centres
    within a few grey levels (4.6 on average here; 19-45 with the centres off)."""
    import cv2
    from PIL import Image

    from geolocator.core.deblock import smooth_replicated

    small = np.random.default_rng(7).integers(0, 256, (26, 26)).astype(np.uint8)
    out = np.asarray(smooth_replicated(Image.fromarray(cv2.resize(small, (266, 260), interpolation=cv2.INTER_NEAREST))),
                     np.float64)
    inner = np.arange(1, 25)  # the edge blocks have one neighbour side only
    cols = np.round((inner + 0.5) * 266 / 26 - 0.5).astype(int)  # the pixel nearest each block's centre
    rows = np.round((inner + 0.5) * 260 / 26 - 0.5).astype(int)
    err = np.abs(out[rows[:, None], cols[None, :]] - small[inner][:, inner])
    assert err.mean() < 8.0 and err[:, 12:].mean() < 8.0  # the far columns too


# --- core/cache_files.py -------------------------------------------------------------------------------

def _aged(path: Path, seconds: float, now: float) -> Path:
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * 10)
    os.utime(path, (now - seconds,) * 2)
    return path


def test_only_two_letter_folders_hold_the_caches_features_and_only_files_count():
    """CA1, CA7: features lie in `??/*.f32` (two hex letters): a folder `abc/` beside them, or a folder
    named like a feature file, is not the cache's and is neither listed nor pruned."""
    import tempfile
    import time

    from geolocator.core.cache_files import list_cache_files, prune_cache_files

    now = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _aged(root / "ab" / "0001.f32", 40 * 86_400, now)
        other = _aged(root / "abc" / "0002.f32", 40 * 86_400, now)
        (root / "ab" / "0003.f32").mkdir()
        assert [(c.files, c.bytes) for c in list_cache_files(root)] == [(1, 10)]
        assert [(c.files, c.bytes) for c in prune_cache_files(root, 30, now)] == [(1, 10)]
        assert other.exists() and (root / "ab" / "0003.f32").is_dir()


def test_a_temporary_write_counts_and_is_pruned_only_when_no_run_can_still_be_writing_it():
    """CA2, CA3, CA6: a write's temporary file (`.name`) takes the disk, so it is listed; `--prune 0`
    removes every file used up to now (the same second included, as the stores' prune) except a
    temporary younger than STALE_TMP_S (600 s): another run's write in flight."""
    import tempfile
    import time

    from geolocator.core.cache_files import list_cache_files, old_cache_files, prune_cache_files

    now = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        done = _aged(root / "ab" / "0001.f32", 0, now)  # used this very second
        old_tmp = _aged(root / "ab" / ".0002.part", 3600, now)
        young_tmp = _aged(root / "ab" / ".0003.part", 60, now)
        assert [c.files for c in list_cache_files(root)] == [3]
        assert old_cache_files(root, 0, now) == (2, 20)
        prune_cache_files(root, 0, now)
        assert not done.exists() and not old_tmp.exists() and young_tmp.exists()


# --- core/media/copies.py ------------------------------------------------------------------------------

def test_the_copy_kept_is_the_shorter_file_name_before_the_shorter_path(tmp_path):
    """CP1: a file manager's copy gains a suffix in its name (`DJI_0003 (1).JPG`): the shorter name is the
    original even when it lies in a longer folder path than the copy."""
    import shutil

    from geolocator.core.media.copies import identical_copies

    original = tmp_path / "Flight over the river" / "DJI_0003.JPG"
    original.parent.mkdir()
    original.write_bytes(bytes(range(256)) * 4)
    copy = tmp_path / "B" / "DJI_0003 (1).JPG"
    copy.parent.mkdir()
    shutil.copy2(original, copy)
    assert len(str(copy)) < len(str(original))
    assert identical_copies([copy, original]) == {copy: original}


# --- core/sources/northup.py ---------------------------------------------------------------------------

def test_a_flipped_geotiff_with_oblong_pixels_is_copied_with_its_own_values_only(tmp_path, monkeypatch):
    """NU4: a flip (rows running north) only moves pixels, so its north-up copy takes each pixel from one
    source pixel (nearest), never a blend: with pixels 2 m wide and 1 m tall (the copy's grid is 1 m, each
    source pixel two copy pixels wide) every value of the copy is a value of the source."""
    pytest.importorskip("rasterio")
    import rasterio
    from affine import Affine

    from geolocator.core.sources import northup

    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))
    data = np.random.default_rng(3).integers(0, 256, (1, 24, 32)).astype(np.uint8)
    tif = tmp_path / "flipped.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=32, height=24, count=1, dtype="uint8", crs="EPSG:32633",
                       transform=Affine(2.0, 0, 500_000.0, 0, 1.0, 5_000_000.0)) as ds:
        ds.write(data)
    with rasterio.open(northup.north_up_copy(tif, "EPSG:32633")) as copy:
        out = copy.read(1)
        assert (copy.width, copy.height) == (64, 24)
    assert np.array_equal(out, np.repeat(data[0][::-1], 2, axis=1))


# --- core/dense.py -------------------------------------------------------------------------------------

def test_each_orientation_channel_answers_its_own_direction_in_half_a_turn():
    """DN2: the channels are |gradient . direction| over directions k * 180 / orientations degrees (Ye et
    al. 2019: a half turn, as a reversed contrast is the same edge): a ramp rising along k * 22.5 degrees
    is strongest in channel k, for every k of 8."""
    from geolocator.core.dense import orientation_channels

    y, x = np.mgrid[0:64, 0:64].astype(np.float64)
    for k in range(8):
        angle = np.pi * k / 8
        channels = orientation_channels(3.0 * (x * np.cos(angle) + y * np.sin(angle)), orientations=8)
        assert int(channels[:, 32, 32].argmax()) == k


def _grid_tiles(n=5, side=0.01):
    return [Tile(f"r{r}_c{c}", Path(f"r{r}_c{c}.png"),
                 Bounds(4.0 + c * side, 52.0 - (r + 1) * side, 4.0 + (c + 1) * side, 52.0 - r * side))
            for r in range(n) for c in range(n)]


def test_a_dense_top_beating_the_rest_by_exactly_the_gap_is_decisive():
    """DN3: decisive means beating every candidate elsewhere by at least `gap` (docstring); 0.75 against
    0.25 with gap 0.5 (both exact in binary) is decisive."""
    from geolocator.core import dense

    top = dense.decisive_top(np.array([[0.25, 0.75]]), np.array([[0, 24]]), _grid_tiles(), 0.5)
    assert top.tolist() == [1]


def test_a_photo_whose_best_check_reaches_exactly_the_clear_count_is_not_searched(tmp_path):
    """DN7: the dense search is for photos none of whose candidates verified clearly: a photo with exactly
    `clear` inliers verified clearly (rerank's >= rule) and keeps a row of NaN; one below is searched."""
    from PIL import Image

    from geolocator.core import dense
    from geolocator.core.model import Query

    path = tmp_path / "q.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (48, 64, 3)).astype(np.uint8)).save(path)
    asked = []
    ranker = SimpleNamespace(scores=lambda grey, cands, outline: asked.append(list(cands)) or np.zeros(len(cands)))
    candidates = np.array([[0, 1], [0, 1]])
    got = dense.rank_unclear([Query("a", path), Query("b", path)], _grid_tiles(), candidates,
                             np.array([[40, 0], [39, 0]]), 40, 2, ranker=ranker)
    assert asked == [[0, 1]]
    assert np.isnan(got[0]).all() and got[1].tolist() == [0.0, 0.0]


def test_a_tiles_ground_side_is_its_shorter_side_in_metres_east_and_north():
    """DN8: a tile 0.01 degrees square at 60 N is ~557 m east-west (a degree of longitude shrinks by
    cos(latitude)) and ~1,112 m north-south: its ground is read ~557 px across at 1 m a pixel (the
    distances from geo.haversine_m, a sphere's, along its mid-latitude and a meridian: within 1 %)."""
    from geolocator.core.dense import ground_side_px
    from geolocator.core.geo import haversine_m
    from geolocator.core.model import LatLon

    tile = Tile("t", Path("t.png"), Bounds(10.0, 59.995, 10.01, 60.005))
    east_west = haversine_m(LatLon(60.0, 10.0), LatLon(60.0, 10.01))
    assert east_west < haversine_m(LatLon(59.995, 10.0), LatLon(60.005, 10.0))
    assert ground_side_px(tile, 1.0) == pytest.approx(east_west, rel=0.01)  # a sphere's metres vs the ellipsoid's


# --- core/adapt/resume.py ------------------------------------------------------------------------------

def _training(seed: int, scale_size: int = 1):
    """A tiny training state: (model, scale, AdamW after one step, its scheduler, a generator)."""
    import torch

    torch.manual_seed(seed)
    model, scale = torch.nn.Linear(3, 2), torch.nn.Linear(1, scale_size)
    opt = torch.optim.AdamW(list(model.parameters()) + list(scale.parameters()), lr=0.01)
    model(torch.ones(1, 3)).sum().backward()
    opt.step()
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)
    return model, scale, opt, sched, torch.Generator().manual_seed(seed)


def _saved(folder: Path, key: str, step: int, **changes) -> Path:
    from geolocator.core.adapt import resume

    model, scale, opt, sched, gen = _training(1)
    for name, value in changes.items():
        getattr(model, name).data[:] = value
    return resume.save_state(folder, key, step=step, round_done=step // 2, rounds=5, model=model, scale=scale,
                             opt=opt, sched=sched, gen=gen, metrics={})


def _load(folder: Path, key: str, scale_size: int = 1):
    from geolocator.core.adapt import resume

    model, scale, opt, sched, gen = _training(2, scale_size)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    card = resume.load_state(folder, key, steps=10, every=2, model=model, scale=scale, opt=opt, sched=sched, gen=gen)
    return card, all(np.array_equal(before[k].numpy(), v.numpy()) for k, v in model.state_dict().items())


def test_a_checkpoint_is_used_only_at_a_rounds_end_inside_the_run(tmp_path):
    """AR1-AR3: a checkpoint is taken at a round's end, step 1..steps-1: step 4 of 10 (rounds of 2) is
    used; step 0, step 10 (the run was done) and step 3 (no round ends there) are not, and leave the
    objects as they were."""
    key = "a" * 32
    _saved(tmp_path, key, 4)
    card, unchanged = _load(tmp_path, key)
    assert card is not None and card["step"] == 4 and not unchanged
    for step in (0, 10, 3):
        _saved(tmp_path, key, step)
        assert _load(tmp_path, key) == (None, True), step


def test_another_runs_checkpoint_or_one_holding_nan_is_never_used(tmp_path):
    """AR4, AR5: a checkpoint whose card names another run's key (a file copied or renamed) is not this
    run's; one whose tensors hold NaN would train on NaN. Neither is used."""
    import shutil

    from geolocator.core.adapt import resume

    mine, theirs = "a" * 32, "b" * 32
    shutil.copy(_saved(tmp_path, theirs, 4), resume.checkpoint_path(tmp_path, mine))
    assert _load(tmp_path, mine) == (None, True)
    _saved(tmp_path, mine, 4, weight=float("nan"))
    assert _load(tmp_path, mine) == (None, True)


def test_a_checkpoint_that_fits_the_model_but_not_the_scale_leaves_the_model_as_it_was(tmp_path):
    """AR11: a restore that fails part way (the network loaded, then the logit scale of another shape)
    puts the network back: the run starts over from its own weights, not half of another state."""
    key = "a" * 32
    _saved(tmp_path, key, 4)
    assert _load(tmp_path, key, scale_size=2) == (None, True)


def test_tidy_keeps_this_run_and_the_newest_others_and_a_write_still_in_flight(tmp_path):
    """AR7, AR8: the folder keeps run `keep` and the KEEP_RUNS - 1 newest other checkpoints (by time), and
    removes only temporary files older than STALE_TMP_S (a younger one is a write in flight)."""
    import time

    from geolocator.core.adapt import resume

    now = time.time()
    for i in range(6):  # run0 the oldest ... run5 the newest; "mine" older than all
        _aged(tmp_path / f"run{i}.safetensors", 1000 - 100 * i, now)
    _aged(tmp_path / "mine.safetensors", 5000, now)
    young = _aged(tmp_path / ".run9.safetensors.x.tmp", 60, now)
    old = _aged(tmp_path / ".run8.safetensors.y.tmp", resume.STALE_TMP_S + 60, now)
    resume.tidy(tmp_path, keep="mine", now=now)
    newest = [f"run{i}" for i in range(6)][-(resume.KEEP_RUNS - 1):]
    assert sorted(p.stem for p in tmp_path.glob("*.safetensors")) == sorted(["mine", *newest])
    assert young.exists() and not old.exists()


def test_the_run_key_tells_apart_runs_whose_anchors_differ_only_in_value():
    """AR10: the key hashes the geometric anchors themselves (docstring: every input that decides the
    result): the same photos with anchors on other tiles are another run, and never resume its state."""
    import torch

    from geolocator.core.adapt import resume
    from geolocator.core.adapt.em import Config

    tiles, queries = np.ones((4, 2, 3), np.float32), np.ones((2, 1, 3), np.float32)

    def key(anchors):
        return resume.run_key(tiles, queries, anchors, Config("best", 10), 3, torch.device("cpu"))

    assert key(np.array([0, 1], np.int64)) != key(np.array([2, 3], np.int64))
    assert key(np.array([0, 1], np.int64)) == key(np.array([0, 1], np.int64))


# --- core/kml_schema.py --------------------------------------------------------------------------------

def test_a_style_reference_to_no_id_of_the_document_is_left_as_it_is():
    """KS2: only `#id` references to the document's own ids follow their renamed targets; a reference to
    another file ("styles.kml#red") or to an id the document does not hold is written as it was."""
    from geolocator.core.kml_schema import schema_valid_kml

    text = ('<kml xmlns="http://www.opengis.net/kml/2.2"><Document id="7"><name>d</name>'
            '<Style id="3"><LineStyle><width>2</width></LineStyle></Style>'
            '<Placemark id="9"><name>a</name><styleUrl>#3</styleUrl></Placemark>'
            '<Placemark><name>b</name><styleUrl>styles.kml#red</styleUrl></Placemark>'
            '<Placemark><name>c</name><styleUrl>#elsewhere</styleUrl></Placemark></Document></kml>')
    out = schema_valid_kml(text)
    assert "<styleUrl>#id2</styleUrl>" in out  # the Style "3" is the second id in document order
    assert "<styleUrl>styles.kml#red</styleUrl>" in out and "<styleUrl>#elsewhere</styleUrl>" in out


def test_a_features_own_style_goes_after_its_style_url_as_the_schema_orders_them():
    """KS4: kml:AbstractFeatureType orders ... TimePrimitive, styleUrl, then the StyleSelectors (OGC
    07-147r2 §9.1.2): a Placemark's inline Style written first moves after both its name and its styleUrl."""
    from lxml import etree

    from geolocator.core.kml_schema import schema_valid_kml

    text = ('<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><Style><LineStyle><width>2</width></LineStyle>'
            '</Style><name>a</name><styleUrl>other.kml#s</styleUrl><Point><coordinates>4,52</coordinates></Point>'
            '</Placemark></kml>')
    placemark = etree.fromstring(schema_valid_kml(text).encode())[0]
    assert [etree.QName(c).localname for c in placemark] == ["name", "styleUrl", "Style", "Point"]
