"""Exact messages and choices of core/queries.py (session 8, written for mutation testing): what a
skipped file is called, a folder without images, telemetry sidecars beside a video, hidden files,
and the ';'-separated truth file's faults. Tiny files written by the tests; no benchmark data."""

import logging
import zlib
from pathlib import Path

import pytest
from PIL import Image

from geolocator.core import queries
from geolocator.core.errors import InputError
from geolocator.core.images import PHOTO_SUFFIXES

READS = ", ".join(sorted(PHOTO_SUFFIXES))


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append((record.levelno, record.getMessage()))


def _capture():
    h = _Records()
    logging.getLogger("geolocator").addHandler(h)
    return h


def _release(h):
    logging.getLogger("geolocator").removeHandler(h)


def test_skip_warns_with_path_and_reason_and_tells_the_callback():
    h, seen = _capture(), []
    try:
        queries._skip(Path("a/b.jpg"), "too small", lambda p, r: seen.append((p, r)))
        queries._skip(Path("c.jpg"), "why", None)
    finally:
        _release(h)
    assert h.messages == [(logging.WARNING, "a/b.jpg: skipped (too small)"), (logging.WARNING, "c.jpg: skipped (why)")]
    assert seen == [(Path("a/b.jpg"), "too small")]


def test_not_a_photo_names_the_kind_of_file():
    assert queries._not_a_photo(Path("f/DJI_0001.MP4")) == \
        "a preview video (.mp4), not read: open the full-resolution video instead"
    assert queries._not_a_photo(Path("f/DJI_0001.LRF")) == \
        "a preview video (.lrf), not read: open the full-resolution video instead"
    assert queries._not_a_photo(Path("f/DJI_0001.SRT")) == "a sidecar/text file (.srt), not a photo"
    assert queries._not_a_photo(Path("f/x.Zip")) == f"not a photo type geolocator reads (.zip; it reads {READS})"
    assert queries._not_a_photo(Path("f/README")) == f"not a photo type geolocator reads (no suffix; it reads {READS})"


def test_no_images_problem_counts_the_other_files():
    assert queries._no_images_problem([]) == f"no images ({READS}) in this folder"
    assert queries._no_images_problem([Path("f/notes.txt"), Path("f/x.srt")]) == \
        f"no images ({READS}) in this folder (it holds 2 other files, e.g. notes.txt)"
    assert queries._no_images_problem([Path("f/x.srt")]) == \
        f"no images ({READS}) in this folder (it holds 1 other file, e.g. x.srt)"


def test_only_a_video_s_own_sidecars_are_set_aside():
    d, e = Path("f"), Path("g")
    media = [d / "Flight.MP4", d / "photo.jpg"]
    others = [d / "flight.SRT", d / "FLIGHT.srt", d / "Flight.zip", e / "Flight.srt", d / "photo.srt", d / "notes.srt"]
    assert queries._beside_no_video(others, media) == [d / "Flight.zip", e / "Flight.srt", d / "photo.srt", d / "notes.srt"]


def _photo(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    # each file its own colour: two files of equal bytes are one photo copied twice (core/media/copies.py)
    Image.new("RGB", (64, 48), tuple(zlib.crc32(str(path).encode()).to_bytes(4, "big")[:3])).save(path)
    return path


def test_hidden_files_and_folders_are_neither_queries_nor_reported(tmp_path):
    _photo(tmp_path / "q.png")
    _photo(tmp_path / ".hidden" / "x.png")
    _photo(tmp_path / "._q.png")
    (tmp_path / ".DS_Store").write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    seen = []
    out = queries.load_queries(tmp_path, on_skip=lambda p, r: seen.append((p.name, r)))
    assert [q.id for q in out] == ["q.png"]
    assert seen == [("notes.txt", "a sidecar/text file (.txt), not a photo")]


def _problem(call):
    with pytest.raises(InputError) as info:
        call()
    return info.value.path, info.value.line, info.value.problem


def _truth(tmp_path, text):
    (tmp_path / "q.jpg").write_bytes(b"x")
    (tmp_path / "r.jpg").write_bytes(b"x")
    path = tmp_path / "truth.csv"
    path.write_text(text)
    return path


def test_a_decimal_comma_in_a_comma_separated_file_says_how_to_fix_it(tmp_path):
    path = _truth(tmp_path, 'query,lat,lon\nq.jpg,"50,5",4.0\n')
    assert _problem(lambda: queries.read_truth_csv(path, tmp_path)) == (
        path, 2, "lat '50,5' has a decimal comma in a comma-separated file: write 50.5 ('.' for decimals), "
                 "or separate the columns with ';'")


def test_semicolon_file_faults_by_exact_message(tmp_path):
    path = _truth(tmp_path, "query;lat\nq.jpg;50\n")
    assert _problem(lambda: queries.read_truth_csv(path, tmp_path)) == (
        path, 1, "missing column(s) lon; the header must contain query;lat;lon")
    path = _truth(tmp_path, "Query;x\n")
    assert _problem(lambda: queries.read_truth_csv(path, tmp_path)) == (
        path, 1, "missing column(s) lat, lon; the header must contain query;lat;lon")
    path = _truth(tmp_path, "query;lat;lon\n;;\n")
    assert _problem(lambda: queries.read_truth_csv(path, tmp_path)) == (path, None, "no data rows after the header")
    path = _truth(tmp_path, "query;lat;lon\nq.jpg;50,5\n")  # a short row: lon is empty
    assert _problem(lambda: queries.read_truth_csv(path, tmp_path)) == (path, 2, "lon is not a number: ''")
    path = _truth(tmp_path, "query;lat;lon\nq.jpg;50;4;9\n")
    assert _problem(lambda: queries.read_truth_csv(path, tmp_path)) == (
        path, 2, "4 values but the header has 3 columns")
    path = _truth(tmp_path, "query;lat;lon\nq.jpg;" + "5" * 200000 + ";4\n")
    assert _problem(lambda: queries.read_truth_csv(path, tmp_path)) == (
        path, 2, "not valid CSV (field larger than field limit (131072))")


def test_semicolon_file_reads_past_a_blank_row(tmp_path):
    path = _truth(tmp_path, "query;lat;lon\nq.jpg;50,5;4,25\n;;\n\nr.jpg;-1;2\n")
    truth = queries.read_truth_csv(path, tmp_path)
    assert {k: (v[0].lat, v[0].lon, v[1]) for k, v in truth.items()} == {"q.jpg": (50.5, 4.25, None),
                                                                          "r.jpg": (-1.0, 2.0, None)}


def test_a_header_with_both_separators_is_read_as_comma_separated(tmp_path):
    path = _truth(tmp_path, "query;x,lat,lon\nq.jpg;1,50,4\n")
    # ',' in the header: columns "query;x", "lat", "lon" -> no "query" column (read as ';'-separated
    # it would lack lat and lon instead, with the ';' file's wording)
    p, line, problem = _problem(lambda: queries.read_truth_csv(path, tmp_path))
    assert p == path and "query" in problem and "the header must contain query;lat;lon" not in problem


# ---------------------------------------------------------------- truth files: BOM, warning, hints


def test_a_byte_order_mark_is_no_part_of_the_header_and_the_semicolon_warning_is_exact(tmp_path):
    path = _truth(tmp_path, "\ufeffquery;lat;lon\nq.jpg;50,5;4\n")
    h = _capture()
    try:
        truth = queries.read_truth_csv(path, tmp_path)
    finally:
        _release(h)
    assert truth["q.jpg"][0].lat == 50.5
    assert h.messages == [(logging.WARNING, f"{path}: columns are separated by ';' (a spreadsheet's comma-decimal "
                                            "export); read with ';' between columns and ',' as the decimal mark")]
    path = _truth(tmp_path, "\ufeffquery,lat,lon\nq.jpg,50.5,4\n")
    assert queries.read_truth_csv(path, tmp_path)["q.jpg"][0].lat == 50.5


def test_a_decimal_comma_splitting_a_number_says_so(tmp_path):
    path = _truth(tmp_path, "query,lat,lon\nq.jpg,50,5,4\n")
    p, line, problem = _problem(lambda: queries.read_truth_csv(path, tmp_path))
    # one hint, not read_csv_rows' "decimal commas?" followed by this one (it was said twice)
    assert (p, line) == (path, 2)
    assert problem == ("4 values but the header has 3 columns: a decimal comma (as in 50,005) splits a number "
                       "in two; write decimals with '.', or separate the columns with ';'")
    path = _truth(tmp_path, "query,lat,lon\nq.jpg,x,y,z\n")  # no digit,digit: the plain message
    assert _problem(lambda: queries.read_truth_csv(path, tmp_path)) == (path, 2, "4 values but the header has 3 columns")


def test_a_truth_csv_without_its_header_gets_the_missing_columns_not_the_decimal_comma_hint(tmp_path):
    # the first data row read as the header: read_csv_rows names the missing columns on line 1. That
    # line holds "5,1" (digit,digit) but it is no row split by a decimal comma: no hint about one
    path = _truth(tmp_path, "q.jpg,50.5,10.5\nr.jpg,50.6,10.6\n")
    assert _problem(lambda: queries.read_truth_csv(path, tmp_path)) == (
        path, 1, "missing column(s) query, lat, lon; the header must contain query,lat,lon")


def test_a_split_row_whose_line_cannot_be_read_again_keeps_read_csv_rows_message(tmp_path, monkeypatch):
    # the file changed between read_csv_rows' read and the second read of its faulty line (here:
    # a line number past the end): read_csv_rows' own error goes through unchanged
    path = _truth(tmp_path, "query,lat,lon\nq.jpg,50,5,4\n")
    error = InputError(path, "4 values but the header has 3 columns", line=7)

    def read_csv_rows(p, columns):
        raise error

    monkeypatch.setattr(queries, "read_csv_rows", read_csv_rows)
    with pytest.raises(InputError) as info:
        queries.read_truth_csv(path, tmp_path)
    assert info.value is error


def test_a_region_folder_needs_tiles_csv_and_queries_side_by_side(tmp_path):
    (tmp_path / "queries").mkdir()
    assert not queries.is_region_folder(tmp_path)
    (tmp_path / "tiles.csv").write_text("x")
    assert queries.is_region_folder(tmp_path) and queries.is_region_folder(str(tmp_path))
    (tmp_path / "queries").rmdir()
    assert not queries.is_region_folder(tmp_path)


# ---------------------------------------------------------------- load_queries


def test_videos_give_frames_with_their_id_and_a_failing_one_is_skipped(tmp_path, monkeypatch):
    from geolocator.core.model import Query

    calls, skipped = [], []

    def frames(path, video_id, every_s):
        calls.append((path, video_id, every_s))
        if path.name == "a.mp4":
            raise InputError(path, "no video stream")
        return [Query(f"{video_id}#t=0.000", path)]

    monkeypatch.setattr(queries, "_video_frames", frames)
    for name in ("sub/a.mp4", "sub/b.mp4"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    _photo(tmp_path / "sub" / "c.png")
    out = queries.load_queries(tmp_path, on_skip=lambda p, r: skipped.append((p, r)))
    assert calls == [(tmp_path / "sub" / "a.mp4", "sub/a.mp4", 1.0), (tmp_path / "sub" / "b.mp4", "sub/b.mp4", 1.0)]
    assert [q.id for q in out] == ["sub/b.mp4#t=0.000", "sub/c.png"]
    assert skipped == [(tmp_path / "sub" / "a.mp4", "no video stream")]
    calls.clear()
    queries.load_queries([tmp_path / "sub" / "b.mp4"], every_s=2.5)
    assert calls == [(tmp_path / "sub" / "b.mp4", "b.mp4", 2.5)]


def test_a_list_names_what_it_skips_and_keeps_ids_unambiguous(tmp_path):
    a = _photo(tmp_path / "A" / "q.png")
    b = _photo(tmp_path / "B" / "q.png")
    (tmp_path / "x.zip").write_bytes(b"x")
    (tmp_path / "A" / "notes.txt").write_text("x")
    (tmp_path / "E").mkdir()
    (tmp_path / "E" / "log.srt").write_text("x")
    skipped = []
    out = queries.load_queries([a, b], on_skip=lambda p, r: skipped.append((p.name, r)))
    assert [q.id for q in out] == ["q.png", b.resolve().as_posix()]
    out = queries.load_queries([tmp_path / "x.zip", tmp_path / "A", tmp_path / "E"],
                               on_skip=lambda p, r: skipped.append((p.name, r)))
    assert [q.id for q in out] == ["A/q.png"]
    assert skipped == [("notes.txt", "a sidecar/text file (.txt), not a photo"),
                       ("E", f"no images ({READS}) in this folder (it holds 1 other file, e.g. log.srt)"),
                       ("log.srt", "a sidecar/text file (.srt), not a photo"),
                       ("x.zip", f"not a photo type geolocator reads (.zip; it reads {READS})")]


def test_errors_of_load_queries_name_the_place_and_the_count(tmp_path):
    assert _problem(lambda: queries.load_queries(tmp_path / "missing")) == (tmp_path / "missing", None, "not found")
    assert _problem(lambda: queries.load_queries([])) == (None, None, "no query images given")
    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "notes.txt").write_text("x")
    assert _problem(lambda: queries.load_queries(tmp_path / "only")) == (
        tmp_path / "only", None, f"no images ({READS}) in this folder (it holds 1 other file, e.g. notes.txt)")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.png").write_bytes(b"not a png")
    (bad / "y.png").write_bytes(b"not a png")
    (bad / "sub").mkdir()
    (bad / "sub" / "z.png").write_bytes(b"not a png")
    assert _problem(lambda: queries.load_queries(bad)) == (bad, None, "none of the 3 query files could be read")
    assert _problem(lambda: queries.load_queries([bad / "x.png"])) == (bad, None, "the only query file could not be read")
    assert _problem(lambda: queries.load_queries([bad / "x.png", bad / "sub" / "z.png"])) == (
        bad, None, "none of the 2 query files could be read")
    assert _problem(lambda: queries.load_queries([bad / "sub" / "z.png", bad / "y.png"]))[0] == bad / "sub"
    assert _problem(lambda: queries.load_queries([tmp_path / "only"])) == (
        tmp_path / "only", None, "the only query file could not be read")


def _region_with_a_bad_query(root):
    for name in ("a", "b"):
        _photo(root / "tiles" / f"{name}.png")
    (root / "tiles.csv").write_text("path,west,south,east,north\ntiles/a.png,10,50,10.01,50.01\n"
                                    "tiles/b.png,10.01,50,10.02,50.01\n")
    _photo(root / "queries" / "q1.png")
    (root / "queries" / "bad.png").write_bytes(b"not a png")
    return root


def test_a_region_s_skipped_queries_reach_the_callback_alone_or_in_a_list(tmp_path):
    root = _region_with_a_bad_query(tmp_path / "region")
    for source in (root, [root]):
        skipped = []
        out = queries.load_queries(source, on_skip=lambda p, r: skipped.append(p.name))
        assert [q.id for q in out] == ["queries/q1.png"] and skipped == ["bad.png"]


def test_a_list_with_a_base_a_missing_file_and_a_good_one(tmp_path):
    good = _photo(tmp_path / "A" / "q.png")
    skipped = []
    out = queries.load_queries([tmp_path / "gone.png", tmp_path / "A"], base=tmp_path.parent,
                               on_skip=lambda p, r: skipped.append((p.name, r)))
    assert [q.id for q in out] == [f"{tmp_path.name}/A/q.png"] and out[0].path == good.resolve()
    assert skipped == [("gone.png", "file not found")]


def test_load_region_errors_name_the_folder(tmp_path):
    assert _problem(lambda: queries.load_region(tmp_path / "none")) == (tmp_path / "none", None, "not a folder")
    assert _problem(lambda: queries.load_region(tmp_path)) == (tmp_path, None, "not a region folder: it has no tiles.csv")
    root = _region_with_a_bad_query(tmp_path / "r")
    import shutil

    shutil.rmtree(root / "queries")
    assert _problem(lambda: queries.load_region(root)) == (
        root / "queries", None, "missing: a region folder keeps its drone images in queries/")


def test_truth_rows_name_query_and_tile_faults_and_the_coordinate_ranges(tmp_path):
    path = _truth(tmp_path, "query,lat,lon\n../q.jpg,50,4\n")
    assert _problem(lambda: queries.read_truth_csv(path, tmp_path)) == (
        path, 2, f"query '../q.jpg' points outside the folder {tmp_path}")
    path = _truth(tmp_path, "query,lat,lon,tile\nq.jpg,50,4,../t\n")
    assert _problem(lambda: queries.read_truth_csv(path, tmp_path)) == (
        path, 2, f"tile '../t' points outside the folder {tmp_path}")
    for lat, lon, bad in [("90.5", "0", "lat = 90.5 is out of range [-90, 90]"),
                          ("-90.5", "0", "lat = -90.5 is out of range [-90, 90]"),
                          ("0", "180.5", "lon = 180.5 is out of range [-180, 180]"),
                          ("0", "-180.5", "lon = -180.5 is out of range [-180, 180]")]:
        path = _truth(tmp_path, f"query,lat,lon\nq.jpg,{lat},{lon}\n")
        assert _problem(lambda: queries.read_truth_csv(path, tmp_path)) == (path, 2, bad)
    path = _truth(tmp_path, "query,lat,lon\nq.jpg,90,180\nr.jpg,-90,-180\n")
    truth = queries.read_truth_csv(path, tmp_path)
    assert (truth["q.jpg"][0].lat, truth["r.jpg"][0].lon) == (90.0, -180.0)


def test_video_frames_pass_path_id_and_interval_to_the_video_reader(monkeypatch):
    from geolocator.core.media import video

    calls = []
    monkeypatch.setattr(video, "video_queries", lambda *a, **k: calls.append((a, k)) or ["frame"])
    assert queries._video_frames(Path("f/v.mp4"), "v.mp4", 2.5) == ["frame"]
    assert calls == [((Path("f/v.mp4"),), {"video_id": "v.mp4", "every_s": 2.5})]
