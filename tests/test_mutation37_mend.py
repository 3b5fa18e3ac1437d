"""Tests written for the hand mutants of session 37's merged code that the tests of their modules let live
(training/mutation_check_session37.py; what each meant: training/results/mutation37_session37.md). Each test
names its mutant; each passes on today's code and fails with its mutant applied."""

from __future__ import annotations

import pytest

from geolocator.core.errors import InputError
from geolocator.core.bom_text import decode_sidecar
from geolocator.core.gone_folders import split_gone


def test_bt1_nuls_on_both_sides_are_not_utf16():
    """UTF-32 without its mark has NULs at even and odd offsets: not UTF-16 (the rule wants none on the
    other side); read as UTF-16-LE its digits came out as pairs of characters."""
    text, encoding = decode_sidecar("18/2/3\n".encode("utf-32-le"))
    assert encoding == "utf-8" and text.replace("\x00", "") == "18/2/3\n"


def test_gf1_one_photo_of_a_gone_folder_is_said_on_its_own(tmp_path):
    """A folder gone holding one failed photo is that photo's own fault said as it was, not a folder line."""
    photo = tmp_path / "card" / "DCIM" / "DJI_0001.JPG"  # card/DCIM never made: gone
    (tmp_path / "card").mkdir()
    grouped, rest = split_gone({photo: "cannot read file"})
    assert grouped == {} and rest == {photo: "cannot read file"}


def _jpeg(path, size=(640, 480), shade=60):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (90, 120, shade)).save(path, format="JPEG")
    return path


def test_qu2_a_tile_folder_inside_a_folder_given_is_named_as_given(tmp_path, monkeypatch):
    """`locate photos` from its parent: the tile folder inside is said as photos/area (the path typed), as
    every other skipped path is, not as its absolute path."""
    from pathlib import Path

    from geolocator.core.queries import load_queries

    _jpeg(tmp_path / "photos" / "DJI_0001.JPG")
    for y in (5, 6):
        _jpeg(tmp_path / "photos" / "area" / "12" / "3" / f"{y}.jpg", (256, 256), 30 * y)
    (tmp_path / "photos" / "area" / "metadata.json").write_text('{"scheme": "xyz"}', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    skipped = []
    queries = load_queries(Path("photos"), on_skip=lambda p, why: skipped.append((p, why)))
    assert [q.id for q in queries] == ["DJI_0001.JPG"]  # (a folder given alone: ids inside it)
    assert [p for p, _ in skipped] == [Path("photos/area")]


def _cues(*times):
    from geolocator.core.media.telemetry import FrameTelemetry

    return [FrameTelemetry(time_s=t) for t in times]


def test_te6_to_te10_span_mismatch_bounds():
    """span_mismatch's slack is max(1 s, 2 % of the video) at either end (its docstring): pinned on both sides of
    each bound. 100 s video: slack 2 s; 10 s video: slack 1 s (2 % would be 0.2 s); no length: nothing said."""
    from geolocator.core.media.telemetry import span_mismatch

    assert span_mismatch(_cues(0.0, 101.9), 100.0) is None
    assert "its cues run to 102.1 s" in span_mismatch(_cues(0.0, 102.1), 100.0)  # TE6, TE7
    assert span_mismatch(_cues(1.9, 50.0), 100.0) is None
    assert "its first cue is at 2.1 s" in span_mismatch(_cues(2.1, 50.0), 100.0)  # TE8
    assert span_mismatch(_cues(0.9, 10.9), 10.0) is None  # TE10: the 1 s floor
    assert "its cues run to 11.1 s" in span_mismatch(_cues(0.0, 11.1), 10.0)
    for length in (0.0, -5.0, float("nan"), float("inf")):  # TE9
        assert span_mismatch(_cues(0.0, 500.0), length) is None


def test_vi9_a_segment_of_unknown_size_is_not_cut_short(tmp_path):
    """EBML's all-ones size is "unknown" (RFC 8794 section 6.2: a live recording never closed), not 2**56 - 1 bytes:
    such a Matroska file is whole as far as anything declares."""
    from geolocator.core.media import video as V

    assert V._ebml_vint(b"\xff", 0) == (None, 1) and V._ebml_vint(b"\x81", 0) == (1, 1)
    assert V._ebml_vint(b"\x01\xff\xff\xff\xff\xff\xff\xff", 0) == (None, 8)
    assert V._ebml_vint(b"\x40\x02", 0) == (2, 2)
    header = V.EBML_MAGIC + b"\x84" + b"\x42\x86\x81\x01"  # a 4-byte EBML header body
    live = tmp_path / "live.mkv"
    live.write_bytes(header + V.SEGMENT_ID + b"\x01\xff\xff\xff\xff\xff\xff\xff" + b"\x00" * 64)
    assert not V._matroska_cut_short(live)
    cut = tmp_path / "cut.mkv"  # a declared 1000-byte Segment of which 64 bytes are there
    cut.write_bytes(header + V.SEGMENT_ID + b"\x43\xe8" + b"\x00" * 64)
    assert V._matroska_cut_short(cut)


def test_vi15_the_srt_of_a_whole_clip_beside_its_cut_short_copy_is_paired(tmp_path):
    """A 10 s Matroska clip cut in half, its .SRT (cues 0-9 s) as the drone wrote it: the .SRT is the clip's, as its
    header says, so the frames that are left get their telemetry (span_mismatch is asked against the header's length,
    not the data's end: against 5 s the cues seemed to run 4 s past the clip and were all dropped)."""
    import numpy as np

    from geolocator.core.media import video as V

    av = pytest.importorskip("av")
    whole = tmp_path / "whole.mkv"
    with av.open(str(whole), "w") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = 160, 96, "yuv420p"
        for i in range(100):
            a = np.zeros((96, 160, 3), np.uint8)
            a[..., 0] = (i * 20) % 250
            for p in s.encode(av.VideoFrame.from_ndarray(a, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    cut = tmp_path / "DJI_0004.MKV"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    (tmp_path / "DJI_0004.SRT").write_text("\n".join(
        f"{i + 1}\n00:00:{i:02d},000 --> 00:00:{i + 1:02d},000\n[latitude: 36.{i:02d}] [longitude: -115.{i:02d}] "
        "[rel_alt: 40.0]\n" for i in range(10)))
    info = V.probe_video(cut)
    assert info.header_duration_s == pytest.approx(10.0) and info.duration_s < 8.0
    frames = V.video_queries(cut, every_s=1.0)
    assert frames and all(q.truth is not None for q in frames)
    assert frames[1].truth.lat == pytest.approx(36.01)


def test_vi17_a_mirrored_clip_s_tag_names_its_stream_and_turn(tmp_path):
    """decode_tag's documented form for a clip whose frames changed: "|stream<index>|turn<q>[|mirror]"."""
    import numpy as np

    from geolocator.core.media import video as V

    av = pytest.importorskip("av")
    one, unit = 1 << 16, 1 << 30
    clip = tmp_path / "clip.mov"
    with av.open(str(clip), "w") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = 160, 96, "yuv420p"
        s.set_display_matrix((-one, 0, 0, 0, one, 0, 0, 0, unit))  # av_display_matrix_flip(hflip=1)
        for i in range(10):
            for p in s.encode(av.VideoFrame.from_ndarray(np.full((96, 160, 3), i * 10, np.uint8), format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    assert V.decode_tag(clip) == "|stream0|turn0|mirror"


def test_sp1_a_last_use_a_few_minutes_ahead_is_two_clocks_apart_not_a_clock_run_ahead(tmp_path):
    """dated_ahead: more than CLOCK_SKEW_S (an hour) after now; a cache on a share written by a machine whose clock
    is ten minutes ahead keeps its dates (a prune does not restamp it)."""
    import os
    import time

    from geolocator.core import store_prune
    from geolocator.core.media.frame_prune import prune_frames

    now = 1_800_000_000.0
    assert not store_prune.dated_ahead(now + 600, now) and not store_prune.dated_ahead(now + 3600, now)
    assert store_prune.dated_ahead(now + 3601, now)
    soon = time.time() + 600
    frames = tmp_path / "frames"
    (frames / "ab").mkdir(parents=True)
    g = frames / "ab" / "abc.jpg"  # (the frame cache's layout: two-hex folder)
    g.write_bytes(b"x")
    os.utime(g, (soon, soon))
    prune_frames(frames, 30)
    assert g.stat().st_mtime == soon


def test_sp7_the_prune_preview_restamps_no_checkpoint_dated_in_the_future(tmp_path):
    """prune_preview (the app's Free Disk Space… confirmation) removes and writes nothing: a checkpoint dated 2036
    keeps its date until the prune itself (cache_files' preview and the frames' are pinned the same way)."""
    import os

    from geolocator.core import store_prune

    y2036 = 2_082_758_400.0
    folder = tmp_path / store_prune.ADAPT_RESUME
    folder.mkdir()
    ckpt = folder / "k.safetensors"
    ckpt.write_bytes(b"x")
    os.utime(ckpt, (y2036, y2036))
    assert store_prune.prune_preview(tmp_path, tmp_path / "northup", 30)[2] == []
    assert ckpt.stat().st_mtime == y2036


def test_mt3_a_package_404_s_age_is_counted_to_the_time_asked(tmp_path):
    """SqliteMissingTimes.age(..., now): the age as of `now` (a record a day old then), and a record more than an
    hour after `now` is of a clock run ahead: infinitely old (missing_tiles.record_age)."""
    import math
    import sqlite3

    from geolocator.core.sources.missing_tiles import SqliteMissingTimes

    db = sqlite3.connect(tmp_path / "a.mbtiles")
    db.execute("CREATE TABLE geolocator_missing (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER)")
    times = SqliteMissingTimes(db, tmp_path / "a.mbtiles")
    times.record(12, 3, 4, now=1_000_000.0)
    assert times.age(12, 3, 4, now=1_086_400.0) == 86_400.0
    assert times.age(12, 3, 4, now=1_000_000.0 - 7200) == math.inf
    assert times.age(12, 3, 5, now=1_086_400.0) is None


def test_fe7_undated_404s_of_a_utf16_missing_txt_keep_their_age_after_it_is_rewritten(tmp_path):
    """A missing.txt saved as UTF-16 without stamp lines, 40 days old: its keys date from the file's mtime. Rewritten
    as UTF-8 on reading, the file keeps that mtime, so the next run still finds them 40 days old (stamped now by the
    rewrite, they would not be asked for again for another --recheck-missing period)."""
    import os
    import time

    from geolocator.core.sources import fetch as F

    out = tmp_path / "tiles"
    out.mkdir()
    f = out / F.MISSING_FILE
    f.write_bytes("17/1/2\r\n".encode("utf-16-le"))
    then = time.time() - 40 * 86_400.0
    os.utime(f, (then, then))
    template = F.TileTemplate("http://h/{z}/{x}/{y}")
    F.FolderSink(out, template)
    assert b"\x00" not in f.read_bytes()  # rewritten as UTF-8
    age = F.FolderSink(out, template).missing_age(17, 1, 2)
    assert age is not None and abs(age - 40 * 86_400.0) < 120


def test_pc2_a_commit_forgets_the_404s_it_made_durable():
    """Uncommitted.clear (each commit): the 404 records go with the tiles, or every later failed write put back
    every 404 of the run again, and the list grew by one a 404 for the whole fetch."""
    import sqlite3

    from geolocator.core.sources.package_commit import Uncommitted, keep_stored

    pending = Uncommitted()
    pending.add(1, 0, 0, b"x", "png")
    pending.add_missing(1, 1, 0, 5.0)
    pending.clear()
    assert pending.tiles == [] and pending.missing == []
    pending.add_missing(1, 1, 1, 6.0)
    replayed = []
    keep_stored(sqlite3.connect(":memory:"), pending, lambda *a: None, lambda *a: replayed.append(a))
    assert replayed == [(1, 1, 1, 6.0)] and pending.missing == []


def test_p2a_p2h_a_v2_entry_outside_its_zoom_is_no_tile(tmp_path):
    """A damaged v2 root holding tile 1/0/5 (zoom 1 has rows 0 and 1): asked for it, the archive lacks it
    (Archive.get's range check), as pmtiles v3's reader says of such a tile; its bytes are not served."""
    from geolocator.core.sources import pmtiles as pm
    from tests.test_pmtiles_v2 import _png, write_v2

    path = write_v2(tmp_path / "odd.pmtiles", {(1, 0, 0): _png(1), (1, 0, 5): _png(2)}, {"format": "png"})
    try:
        assert pm.read_tile(path, "1/0/0") is not None
        assert pm.read_tile(path, "1/0/5") is None
        with pytest.raises(InputError, match="tile 1/0/5 is outside zoom 1"):  # P2h: its row checked too
            pm.load(path, zoom=1)
    finally:
        pm._pool.close_all()


def test_p2e_v2_bounds_of_no_area_are_no_bounds():
    """The metadata's bounds are a box (south below north, west apart from east), else none: the first tile's
    latitude picks the zoom instead of a line's."""
    from geolocator.core.sources.pmtiles_v2 import _bounds

    assert _bounds({"bounds": "1,2,3,4"}) is not None
    assert _bounds({"bounds": "1,2,3,2"}) is None and _bounds({"bounds": "1,2,1,4"}) is None


def _geotiff(path, data, *, units=None, area_or_point=None):
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_origin

    with rasterio.open(path, "w", driver="GTiff", crs="EPSG:32633", transform=from_origin(500_000, 5_000_000, 0.5, 0.5),
                       width=data.shape[2], height=data.shape[1], count=data.shape[0], dtype=data.dtype) as ds:
        ds.write(data)
        if units:
            ds.units = (units,)
        if area_or_point:
            ds.update_tags(AREA_OR_POINT=area_or_point)
    return path


def test_el1_an_8_bit_band_is_a_picture_whatever_its_name_says(tmp_path):
    """One 8-bit band named like a DEM (a hillshade of one, pixels as points): a grey picture, read as imagery;
    elevation_data_problem speaks of bands that are not 8-bit only."""
    import numpy as np

    from geolocator.core.sources.geotiff import cut_geotiff

    data = np.random.default_rng(2).integers(0, 255, (1, 256, 256)).astype("uint8")
    path = _geotiff(tmp_path / "hillshade_dem.tif", data, area_or_point="Point")
    assert len(cut_geotiff(path, 20)) == 49


def test_el2_a_height_unit_is_known_in_capitals_too(tmp_path):
    """GDAL's unit type as a writer spelled it ("M", "Metre"): the length unit is told whatever its case."""
    import numpy as np

    from geolocator.core.sources.geotiff import cut_geotiff

    path = _geotiff(tmp_path / "area.tif", np.full((1, 256, 256), 1200.0, np.float32), units="M")
    with pytest.raises(InputError, match="one band of float32 values and its unit is 'M': heights"):
        cut_geotiff(path, 20)


def test_el7_an_elevation_word_counts_only_as_a_word(tmp_path):
    """"dem" inside a word ("academy") is no clue: a one-band float raster named academy_pan.tif is read as grey
    imagery, as any without a clue (the name is split at what is not a letter: "_DEM", "dsm_2023")."""
    import numpy as np

    from geolocator.core.sources.geotiff import cut_geotiff

    data = (np.random.default_rng(3).integers(0, 4000, (1, 256, 256)) / 4000).astype("float32")
    assert len(cut_geotiff(_geotiff(tmp_path / "academy_pan.tif", data, area_or_point="Area"), 20)) == 49


def test_el5_a_photo_not_georeferenced_is_no_dem_whatever_its_unit(tmp_path):
    """One 16-bit band in metres but no CRS, transform or GCPs (a thermal or radiometric photo): read as a picture,
    never refused as heights (elevation_data_problem is asked of georeferenced rasters only)."""
    import warnings

    import numpy as np

    from geolocator.core import images

    rasterio = pytest.importorskip("rasterio")
    path = tmp_path / "thermal_dem.tif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NotGeoreferencedWarning: the point
        with rasterio.open(path, "w", driver="GTiff", width=64, height=48, count=1, dtype="uint16") as ds:
            ds.write(np.random.default_rng(0).integers(0, 4000, (1, 48, 64)).astype("uint16"))
            ds.units = ("m",)
    assert images.open_image(path).size == (64, 48)


def test_lt1_libtiffs_line_names_only_pillows_bare_decoder_code():
    """libtiff's last line stands in for Pillow's "decoder error -2" only; Pillow's own words (a truncated
    file) are kept, not replaced by a line libtiff printed for something else."""
    from geolocator.core.images import _decode_problem

    said = _decode_problem(OSError("image file is truncated (3 bytes not processed)"), "ZIPDecode: stale")
    assert "ZIPDecode" not in said and said.startswith("the file ends early")
    assert _decode_problem(OSError("decoder error -2"), "ZIPDecode: bad") == "corrupt image data (ZIPDecode: bad)"


def test_lt2_an_earlier_files_libtiff_line_is_forgotten_before_the_next_read(tmp_path, monkeypatch):
    """A line left from an earlier file (read where nothing took it) is not said of the next file whose decoder
    fails with a bare code and no line of its own: _read_pil forgets it first."""
    from PIL import Image, TiffImagePlugin

    from geolocator.core import images, libtiff_messages

    path = tmp_path / "a.tif"
    Image.new("RGB", (64, 64)).save(path, compression="tiff_adobe_deflate")

    def fails(self):
        raise OSError("decoder error -2")

    monkeypatch.setattr(TiffImagePlugin.TiffImageFile, "load", fails)
    libtiff_messages._local.last = "ZIPDecode: stale"
    with pytest.raises(InputError) as e:
        images._read_pil(path, None)
    assert "stale" not in str(e.value) and "decoder error -2" in str(e.value)


def test_ex2_a_partial_commit_sends_each_finished_tile_once(tmp_path, monkeypatch):
    """Committed every tile (PARTIAL_COMMIT_S = 0), each tile's row goes to one partial commit only: what a partial
    commit made durable leaves the chunk's list (the mutant sent the whole chunk so far again every commit, its keys
    then skipped: a store batch growing with the chunk, up to 512 tiles' rows each 30 s)."""
    from geolocator.core import extract
    from geolocator.core.store import FeatureStore
    from tests.test_extract import _tiles, tiny_backbone

    monkeypatch.setattr(extract, "PARTIAL_COMMIT_S", 0.0)
    tiles = _tiles(tmp_path / "tiles", 6)
    bb = tiny_backbone()
    store = FeatureStore(tmp_path / "stores" / "s", signature=bb.signature, views=("rot0",), dim=bb.dim)
    sent: list[str] = []
    append = store.append

    def counted(keys, features):
        sent.extend(keys)
        return append(keys, features)

    monkeypatch.setattr(store, "append", counted)
    result = extract.extract_into_store(tiles, bb, store, batch_size=1, workers=1)
    assert result.computed == 6 and len(store) == 6
    # once by its partial commit, once in the chunk's own append (whose keys the store then skips)
    assert len(set(sent)) == 6 and all(sent.count(k) == 2 for k in set(sent))


def test_xy1_a_folder_given_inside_a_gdal2tiles_folder_is_not_read_as_photos(tmp_path):
    """gdal2tiles writes tilemapresource.xml beside z/ (fetch-tiles metadata.json): either tells a tile folder
    that begins above the folder given (`locate photos area/19`)."""
    from geolocator.core.queries import load_queries

    photo = _jpeg(tmp_path / "photos" / "DJI_0001.JPG")
    for y in (5, 6):
        _jpeg(tmp_path / "area" / "19" / "3" / f"{y}.jpg", (256, 256), 30 * y)
    (tmp_path / "area" / "tilemapresource.xml").write_text("<TileMap/>", encoding="utf-8")
    skipped = []
    queries = load_queries([photo.parent, tmp_path / "area" / "19"], on_skip=lambda p, why: skipped.append(p))
    assert [q.id for q in queries] == ["photos/DJI_0001.JPG"] and skipped == [tmp_path / "area"]


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    """The app's folders in tmp_path (test_gui_first_hour's fixture; not imported, so that this module's core
    tests run where Qt is missing)."""
    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        (tmp_path / var).mkdir()
        monkeypatch.setenv(var, str(tmp_path / var))
    monkeypatch.setattr("geolocator.gui.workers.WORKER_NICE", 0)
    return tmp_path


def test_gu5_jb1_a_copy_listed_under_another_id_leaves_the_list_s_rows(qtbot, dirs):
    """The copies added from their parent folder (ids export's tagged/DJI_000N.JPG), then the originals (ids
    DJI_000N.JPG): each copy's row goes from the list widget too, not only from the window's queries, so no row is
    left that names a photo no longer listed."""
    pytest.importorskip("pytestqt")
    from tests.test_gui_first_hour import make_window, wait_idle
    from tests.test_ownout37_app_copies_first import _photos_and_copies

    photos, tagged = _photos_and_copies(dirs / "data")
    w = make_window(qtbot, dirs)
    w.add_paths([tagged.parent])
    wait_idle(qtbot, w)
    assert sorted(w.queries) == ["tagged/DJI_0001.JPG", "tagged/DJI_0002.JPG"]
    w.add_paths([photos])
    wait_idle(qtbot, w)
    assert sorted(w.queries) == ["DJI_0001.JPG", "DJI_0002.JPG"]
    assert sorted(w.query_list.model_.index_of) == ["DJI_0001.JPG", "DJI_0002.JPG"]
    # JB1: nor does the session keep the copies among the files it lists (a stale id -> copy path)
    assert sorted(w.session._listed) == ["DJI_0001.JPG", "DJI_0002.JPG"]


def test_mg5_a_new_message_is_shown_from_its_first_line(qtbot):
    """A long message scrolled to its end in a short bar, then another: the new one shows its first line (its
    scroll bar back at 0), not the place the old one was scrolled to."""
    pytest.importorskip("pytestqt")
    from geolocator.gui.message_bar import MessageBar

    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.setFixedSize(360, 40)
    bar.show()
    qtbot.waitExposed(bar)
    long = " ".join(f"word{i}" for i in range(200))
    bar.show_message("info", long)
    scroll = bar.text_view.verticalScrollBar()
    qtbot.waitUntil(lambda: scroll.maximum() > 0, timeout=5_000)
    scroll.setValue(scroll.maximum())
    assert scroll.value() > 0
    bar.show_message("warning", long.replace("word", "line"))
    assert scroll.value() == 0


def test_id1_the_zoom_box_offers_the_levels_of_the_table_chosen(tmp_path):
    """A GeoPackage whose table "t" holds zooms 0 and 1 and table "u" zoom 1 only: the Zoom level box asked after
    the Tile table box lists u's levels for u (before: the first table's, whichever was chosen)."""
    import io
    import sqlite3

    from PIL import Image

    pytest.importorskip("PySide6.QtCore")
    from geolocator.gui.imagery_dialog import zoom_choices
    from tests.test_readers_gpkg_exact import _gpkg

    buf = io.BytesIO()
    Image.new("RGB", (4, 2), (10, 20, 30)).save(buf, "PNG")
    png = buf.getvalue()
    p = _gpkg(tmp_path / "two.gpkg", {(0, 0, 0): png, (1, 0, 0): png},
              contents=[("t", "tiles", "t"), ("u", "tiles", "u")])
    db = sqlite3.connect(p)
    db.execute("INSERT INTO gpkg_tile_matrix_set VALUES ('u', 4326, 10.0, 40.0, 12.0, 41.0)")
    db.execute("INSERT INTO gpkg_tile_matrix VALUES ('u', 1, 4, 4, 4, 2, 0.125, 0.125)")
    db.execute("CREATE TABLE u (id INTEGER PRIMARY KEY, zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
               "tile_data BLOB)")
    db.execute("INSERT INTO u (zoom_level, tile_column, tile_row, tile_data) VALUES (1, 0, 0, ?)", (png,))
    db.commit()
    db.close()
    assert [z for _, z in zoom_choices(p, "t")] == [None, 0, 1]
    assert [z for _, z in zoom_choices(p, "u")] == [None, 1]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_404s_no_stamp_dates_keep_their_age_when_this_run_appends(tmp_path, bom):
    """Bug found beside FE7: missing.txt keys before its first stamp line (written by hand, or before stamp lines)
    are dated by the file's mtime, which this run's first append moved to now: a 404 recorded 40 days before was
    re-dated to today and not asked again for another --recheck-missing period. The append now first dates them
    with a stamp line of that mtime at the top (after a byte order mark), so they keep their age."""
    import os
    import time

    from geolocator.core.sources import fetch as F

    out = tmp_path / "tiles"
    out.mkdir()
    f = out / F.MISSING_FILE
    f.write_bytes(bom + b"# tiles the server had not\n17/1/2\n")
    then = time.time() - 40 * 86_400.0
    os.utime(f, (then, then))
    template = F.TileTemplate("http://h/{z}/{x}/{y}")
    sink = F.FolderSink(out, template)
    sink.missing(17, 3, 4)
    sink.missing(17, 3, 5)
    again = F.FolderSink(out, template)
    assert abs(again.missing_age(17, 1, 2) - 40 * 86_400.0) < 120  # before: 0 (re-dated by the append)
    assert again.missing_age(17, 3, 4) < 120 and again.missing_age(17, 3, 5) < 120
    data = f.read_bytes()
    assert data.startswith(bom + b"# recorded ") and data.count(b"# recorded ") == 2 and data.count(b"\xef\xbb\xbf") == len(bom) // 3


def test_a_missing_txt_whose_first_key_is_dated_is_only_appended_to(tmp_path):
    """(FE14) The stamp line is put at the top only where a key comes before any stamp line: a file written by
    fetch-tiles (its first key dated) gets this run's stamp and key appended, nothing more."""
    import time

    from geolocator.core.sources import fetch as F
    from geolocator.core.sources.missing_tiles import stamp_line

    out = tmp_path / "tiles"
    out.mkdir()
    f = out / F.MISSING_FILE
    before = f"{stamp_line(time.time() - 86_400.0)}\n17/1/2\n".encode()
    f.write_bytes(before)
    F.FolderSink(out, F.TileTemplate("http://h/{z}/{x}/{y}")).missing(17, 3, 4)
    data = f.read_bytes()
    assert data.startswith(before) and data.count(b"# recorded ") == 2 and data.endswith(b"\n17/3/4\n")
