import logging
import zlib

import pytest
from PIL import Image

from geolocator.core import images
from geolocator.core.errors import InputError
from geolocator.core.model import LatLon
from geolocator.core.queries import load_queries, load_region, read_truth_csv


def _img(path, size=(16, 12), gps=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    exif = Image.Exif()
    if gps is not None:
        lat, lon = gps
        exif[images.GPS_IFD] = {
            1: "N" if lat >= 0 else "S", 2: (abs(lat), 0.0, 0.0),
            3: "E" if lon >= 0 else "W", 4: (abs(lon), 0.0, 0.0),
        }
    # each file its own colour: two files of equal bytes are one photo copied twice (core/media/copies.py)
    colour = tuple(zlib.crc32(str(path).encode()).to_bytes(4, "big")[:3])
    if path.suffix.lower() == ".jpg":
        Image.new("RGB", size, colour).save(path, exif=exif)
    else:
        Image.new("RGB", size, colour).save(path)
    return path


def _region(root, truth=None):
    for name in ("a", "b"):
        _img(root / "tiles" / f"{name}.png")
    (root / "tiles.csv").write_text("path,west,south,east,north\ntiles/a.png,10,50,10.01,50.01\ntiles/b.png,10.01,50,10.02,50.01\n")
    _img(root / "queries" / "q1.jpg", gps=(50.005, 10.005))
    _img(root / "queries" / "sub" / "q2.png")
    if truth is not None:
        (root / "truth.csv").write_text(truth)
    return root


# ---------------------------------------------------------------- load_queries


def test_load_queries_folder_recursive_with_exif_truth(tmp_path):
    q = tmp_path / "q"
    _img(q / "b.jpg", gps=(-33.5, 151.25))
    _img(q / "a.png")
    _img(q / "deep" / "c.JPG")
    (q / "notes.txt").write_text("not an image, not even listed")
    got = load_queries(q)
    assert [x.id for x in got] == ["a.png", "b.jpg", "deep/c.JPG"]
    assert got[1].truth == LatLon(-33.5, 151.25) and got[1].truth_source == "exif"
    assert got[0].truth is None and got[0].truth_source is None
    assert got[2].path == q / "deep" / "c.JPG"


def test_load_queries_skips_corrupt_files_and_continues(tmp_path, caplog):
    q = tmp_path / "q"
    _img(q / "good.jpg")
    (q / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    (q / "empty.png").write_bytes(b"")
    skipped = []
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        got = load_queries(q, on_skip=lambda p, why: skipped.append((p.name, why)))
    assert [x.id for x in got] == ["good.jpg"]
    assert sorted(name for name, _ in skipped) == ["broken.jpg", "empty.png"]
    assert all(why for _, why in skipped)
    assert "broken.jpg" in caplog.text and "empty.png" in caplog.text


def test_load_queries_list_of_files(tmp_path):
    a = _img(tmp_path / "x" / "a.jpg")
    b = _img(tmp_path / "y" / "a.jpg")  # same name, other folder: ids must stay unique
    txt = tmp_path / "readme.txt"
    txt.write_text("hello")
    skipped = []
    got = load_queries([a, b, txt, tmp_path / "missing.jpg"], on_skip=lambda p, why: skipped.append(p))
    assert [x.path for x in got] == [a, b]
    assert len({x.id for x in got}) == 2 and got[0].id == "a.jpg"
    assert skipped == [txt, tmp_path / "missing.jpg"]
    with_base = load_queries([a, b], base=tmp_path)
    assert [x.id for x in with_base] == ["x/a.jpg", "y/a.jpg"]


def test_load_queries_list_reads_every_folder_and_file_given(tmp_path):
    # `locate flightA flightB` said "skipped (file not found)" for both folders; `locate folder x.jpg` dropped the folder
    _img(tmp_path / "flightA" / "DJI_0001.jpg")
    _img(tmp_path / "flightA" / "deep" / "DJI_0002.jpg")
    _img(tmp_path / "flightB" / "DJI_0001.jpg")
    (tmp_path / "flightB" / "notes.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    single = _img(tmp_path / "other" / "one.png")
    skipped = []
    got = load_queries([tmp_path / "flightA", tmp_path / "flightB", single, tmp_path / "empty"],
                       on_skip=lambda p, why: skipped.append((p.name, why)))
    assert [q.id for q in got] == ["flightA/DJI_0001.jpg", "flightA/deep/DJI_0002.jpg", "flightB/DJI_0001.jpg", "one.png"]
    assert [name for name, _ in skipped] == ["notes.txt", "empty"] and "no images" in skipped[1][1]
    region = _region(tmp_path / "region", truth="query,lat,lon\nqueries/sub/q2.png,50.002,10.002\n")
    mixed = load_queries([region, single])
    assert [q.id for q in mixed] == ["queries/q1.jpg", "queries/sub/q2.png", "one.png"]
    assert mixed[1].truth_source == "truth.csv"


def test_load_queries_empty_folder_is_an_error_naming_it(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")
    with pytest.raises(InputError) as ei:
        load_queries(tmp_path / "empty")
    assert ei.value.path == tmp_path / "empty" and "no images" in ei.value.problem


def test_load_queries_nothing_readable_is_an_error(tmp_path):
    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "bad.jpg").write_bytes(b"junk")
    with pytest.raises(InputError, match="the only query file could not be read"):
        load_queries(tmp_path / "q")
    with pytest.raises(InputError, match="not found"):
        load_queries(tmp_path / "nowhere")


# ---------------------------------------------------------------- truth.csv


def test_read_truth_csv(tmp_path):
    root = _region(tmp_path)
    (root / "truth.csv").write_text("query,lat,lon,tile\nqueries/q1.jpg,50.002,10.003,tiles/a.png\n./queries/sub/q2.png,-1.5,2.5,\n")
    truth = read_truth_csv(root / "truth.csv", root, tile_ids={"tiles/a.png", "tiles/b.png"})
    assert truth == {
        "queries/q1.jpg": (LatLon(50.002, 10.003), "tiles/a.png"),
        "queries/sub/q2.png": (LatLon(-1.5, 2.5), None),
    }
    (root / "t3.csv").write_text("query,lat,lon\nqueries/q1.jpg,1,2\n")  # tile column optional
    assert read_truth_csv(root / "t3.csv", root) == {"queries/q1.jpg": (LatLon(1, 2), None)}


@pytest.mark.parametrize(
    "body, line, needle",
    [
        ("queries/q1.jpg,50,10\nqueries/nope.jpg,50,10\n", 3, "names no file"),
        ("queries/q1.jpg,north,10\n", 2, "lat is not a number"),
        ("queries/q1.jpg,50,190\n", 2, "lon = 190.0 is out of range"),
        ("queries/q1.jpg,50,10,tiles/zzz.png\n", 2, "tile 'tiles/zzz.png' is not in the tile set"),
        ("../outside.jpg,50,10\n", 2, "outside the folder"),
        ("queries/q1.jpg,50,10\nqueries/q1.jpg,51,10\n", 3, "listed twice (first on line 2)"),
    ],
)
def test_read_truth_csv_errors_name_file_and_line(tmp_path, body, line, needle):
    root = _region(tmp_path / "r")
    (tmp_path / "outside.jpg").write_bytes(b"x")
    (root / "truth.csv").write_text("query,lat,lon,tile\n" + body)
    with pytest.raises(InputError) as ei:
        read_truth_csv(root / "truth.csv", root, tile_ids={"tiles/a.png", "tiles/b.png"})
    assert ei.value.path == root / "truth.csv" and ei.value.line == line
    assert needle in ei.value.problem


def test_read_truth_csv_missing_columns_and_empty(tmp_path):
    root = _region(tmp_path)
    (root / "truth.csv").write_text("query,latitude,lon\nqueries/q1.jpg,1,2\n")
    with pytest.raises(InputError, match="missing column"):
        read_truth_csv(root / "truth.csv", root)
    (root / "truth.csv").write_text("")
    with pytest.raises(InputError, match="empty"):
        read_truth_csv(root / "truth.csv", root)


# ---------------------------------------------------------------- region folders


def test_load_region_truth_csv_wins_over_exif(tmp_path):
    root = _region(tmp_path, truth="query,lat,lon,tile\nqueries/q1.jpg,50.001,10.002,tiles/a.png\n")
    region = load_region(root)
    assert region.root == root and [t.id for t in region.tiles.tiles] == ["tiles/a.png", "tiles/b.png"]
    q1, q2 = region.queries
    assert (q1.id, q2.id) == ("queries/q1.jpg", "queries/sub/q2.png")
    assert q1.truth == LatLon(50.001, 10.002) and q1.truth_tile == "tiles/a.png" and q1.truth_source == "truth.csv"
    assert q2.truth is None and q2.truth_source is None


def test_load_queries_on_a_region_folder_reads_only_its_queries(tmp_path):
    root = _region(tmp_path, truth="query,lat,lon\nqueries/sub/q2.png,50.001,10.002\n")
    got = load_queries(root)
    assert [q.id for q in got] == ["queries/q1.jpg", "queries/sub/q2.png"]  # no tiles/ images
    assert got[1].truth_source == "truth.csv" and got[0].truth_source == "exif"


def test_load_region_without_truth_uses_exif(tmp_path):
    region = load_region(_region(tmp_path))
    q1 = region.queries[0]
    assert q1.truth == LatLon(pytest.approx(50.005), pytest.approx(10.005)) and q1.truth_source == "exif"


def test_load_region_skips_corrupt_query_listed_in_truth(tmp_path):
    root = _region(tmp_path, truth="query,lat,lon\nqueries/bad.jpg,50,10\nqueries/q1.jpg,50,10\n")
    (root / "queries" / "bad.jpg").write_bytes(b"junk")
    skipped = []
    region = load_region(root, on_skip=lambda p, why: skipped.append(p.name))
    assert skipped == ["bad.jpg"] and [q.id for q in region.queries] == ["queries/q1.jpg", "queries/sub/q2.png"]


def test_load_region_errors(tmp_path):
    with pytest.raises(InputError, match="no tiles.csv"):
        (tmp_path / "r0").mkdir()
        load_region(tmp_path / "r0")
    root = _region(tmp_path / "r1", truth="query,lat,lon,tile\nqueries/q1.jpg,50,10,tiles/c.png\n")
    with pytest.raises(InputError) as ei:
        load_region(root)
    assert ei.value.path == root / "truth.csv" and ei.value.line == 2
    root = _region(tmp_path / "r2")
    for p in (root / "queries").rglob("*.*"):
        p.unlink()
    with pytest.raises(InputError, match="no images"):
        load_region(root)


# ---------------------------------------------------------------- truth.csv from spreadsheets


def test_semicolon_truth_csv_with_decimal_commas_is_read_and_says_so(tmp_path, caplog):
    root = _region(tmp_path)
    (root / "truth.csv").write_text("query;lat;lon;tile\nqueries/q1.jpg;50,002;10,003;tiles/a.png\nqueries/sub/q2.png;-1.5;2,5;\n")
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        truth = read_truth_csv(root / "truth.csv", root, tile_ids={"tiles/a.png", "tiles/b.png"})
    assert truth == {
        "queries/q1.jpg": (LatLon(50.002, 10.003), "tiles/a.png"),
        "queries/sub/q2.png": (LatLon(-1.5, 2.5), None),
    }
    assert "separated by ';'" in caplog.text and "truth.csv" in caplog.text
    assert load_region(root).queries[0].truth == LatLon(50.002, 10.003)


@pytest.mark.parametrize(
    "text, line, needle",
    [
        # a quoted decimal comma in a comma-separated file: ambiguous, explained with the fix
        ('query,lat,lon\nqueries/q1.jpg,"50,002",10.003\n', 2, "lat '50,002' has a decimal comma in a comma-separated file: write 50.002"),
        # unquoted, it splits the number into two columns
        ("query,lat,lon\nqueries/q1.jpg,50,002,10,003\n", 2, "a decimal comma (as in 50,005) splits a number in two"),
        # semicolon files keep every other check, with the line
        ("query;lat;lon\nqueries/q1.jpg;north;10\n", 2, "lat is not a number"),
        ("query;lat;lon\nqueries/q1.jpg;95,5;10\n", 2, "lat = 95.5 is out of range"),
        ("query;lat;lon\nqueries/q1.jpg;1,2,3;10\n", 2, "lat is not a number: '1,2,3'"),
        ("query;lat;lon\nqueries/q1.jpg;1;2;3;4\n", 2, "5 values but the header has 3 columns"),
        ("query;latitude;lon\nqueries/q1.jpg;1;2\n", 1, "missing column(s) lat"),
    ],
)
def test_truth_csv_spreadsheet_faults_name_file_and_line(tmp_path, text, line, needle):
    root = _region(tmp_path)
    (root / "truth.csv").write_text(text)
    with pytest.raises(InputError) as ei:
        read_truth_csv(root / "truth.csv", root)
    assert ei.value.path == root / "truth.csv" and ei.value.line == line
    assert needle in ei.value.problem
    assert str(root / "truth.csv") in str(ei.value) and f"line {line}" in str(ei.value)


def test_semicolon_truth_csv_with_only_a_header_is_an_error(tmp_path):
    root = _region(tmp_path)
    (root / "truth.csv").write_text("query;lat;lon\n")
    with pytest.raises(InputError, match="no data rows"):
        read_truth_csv(root / "truth.csv", root)


def test_truth_csv_replaces_a_rejected_exif_fix_and_its_note(tmp_path):
    root = _region(tmp_path, truth="query,lat,lon\nqueries/q1.jpg,50.001,10.002\n")
    exif = Image.Exif()
    exif[images.GPS_IFD] = {1: "N", 2: (50.0, 0.0, 0.0), 3: "E", 4: (10.0, 0.0, 0.0), 9: "V"}
    Image.new("RGB", (16, 12)).save(root / "queries" / "q1.jpg", exif=exif)
    q1 = load_region(root).queries[0]
    assert q1.truth == LatLon(50.001, 10.002) and q1.truth_source == "truth.csv" and q1.truth_note is None
    assert "void" in load_queries(root / "queries" / "q1.jpg")[0].truth_note
