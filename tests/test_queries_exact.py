"""Exact messages and choices of core/queries.py (session 8, written for mutation testing): what a
skipped file is called, a folder without images, telemetry sidecars beside a video, hidden files,
and the ';'-separated truth file's faults. Tiny files written by the tests; no benchmark data."""

import logging
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
    Image.new("RGB", (64, 48), "blue").save(path)
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
