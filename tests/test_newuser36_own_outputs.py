"""geolocator's own outputs kept inside the photos' folder, read on the next run (session 36,
training/results/newuser36_session36.md).

- `locate photos/ --evidence photos/evidence` then the same again: the 8 evidence pictures were read as
  8 more drone photos, "16 confident", and evidence was written for the evidence.
- `locate photos/ --geotag-copies photos/tagged` then `eval photos/ --tiles …`: the copies' EXIF GPS (the
  answers) was taken as truth, "8 images with truth … Point error: median 0.00 m": geolocator scored
  against itself.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from geolocator.core.evidence import PICTURE_SUFFIX, RECORD_SUFFIX, earlier_evidence
from geolocator.core.media.metadata import read_photo_meta
from geolocator.core.queries import load_queries

piexif = pytest.importorskip("piexif")


def _jpeg(path: Path, gps: dict | None = None, shade: int = 60) -> Path:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, shade)).save(buf, format="JPEG")  # two photos alike are one (copies)
    data = buf.getvalue()
    if gps is not None:
        out = io.BytesIO()
        piexif.insert(piexif.dump({"0th": {}, "Exif": {}, "GPS": gps, "1st": {}}), data, out)
        data = out.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _evidence_pair(folder: Path, stem: str) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    picture = folder / f"{stem}{PICTURE_SUFFIX}"
    Image.new("RGB", (960, 480), (200, 200, 200)).save(picture)
    record = folder / f"{stem}{RECORD_SUFFIX}"
    record.write_text(json.dumps({"what": "where this photo was taken", "geolocator": {}}), encoding="utf-8")
    return picture, record


def test_evidence_kept_in_the_photos_folder_is_not_read_as_photos(tmp_path):
    photos = tmp_path / "photos"
    _jpeg(photos / "q_0001.jpg")
    _jpeg(photos / "q_0010.jpg", shade=160)
    pictures = [_evidence_pair(photos / "evidence", f"q_{i}.jpg")[0] for i in ("0001", "0010")]
    skipped: list[tuple[Path, str]] = []
    queries = load_queries(photos, on_skip=lambda p, why: skipped.append((p, why)))
    assert [q.id for q in queries] == ["q_0001.jpg", "q_0010.jpg"]
    # one line for the folder, not one a file (16 warnings for 8 photos' evidence before the fix)
    assert skipped == [(photos / "evidence", "2 evidence pictures and 2 records geolocator wrote "
                                             "(--evidence or the app's Export Evidence), not drone photos: not read")]
    assert all(earlier_evidence(p) for p in pictures)


def test_evidence_is_not_counted_among_the_photos_that_could_not_be_read(tmp_path):
    from geolocator.core.skipped import unread_media

    photos = tmp_path / "photos"
    _jpeg(photos / "q_0001.jpg")
    _evidence_pair(photos, "q_0001.jpg")  # written into the photos' folder itself
    skipped: list[tuple[Path, str]] = []
    assert [q.id for q in load_queries(photos, on_skip=lambda p, why: skipped.append((p, why)))] == ["q_0001.jpg"]
    assert len(skipped) == 1 and not any(unread_media(p, why) for p, why in skipped)


def test_a_png_named_like_evidence_without_its_record_is_still_a_photo(tmp_path):
    photos = tmp_path / "photos"
    lone = photos / f"field{PICTURE_SUFFIX}"
    photos.mkdir()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(lone)
    assert earlier_evidence(lone) is None
    assert [q.path.name for q in load_queries(photos)] == [lone.name]


def test_evidence_renamed_in_upper_case_is_still_ours(tmp_path):
    """A folder copied through a tool that upper-cased the suffixes (FAT, a Windows share): `.EVIDENCE.PNG`
    beside its record, and a `.Evidence.JSON` record, are still evidence (EV2: only lower case was)."""
    picture = tmp_path / "Q_0001.JPG.EVIDENCE.PNG"
    Image.new("RGB", (64, 48), (10, 20, 30)).save(picture, format="PNG")
    (tmp_path / "Q_0001.JPG.evidence.json").write_text("{}", encoding="utf-8")
    assert earlier_evidence(picture).startswith("an evidence picture geolocator wrote")
    assert earlier_evidence(tmp_path / "Q_0002.JPG.Evidence.JSON").startswith("an evidence record geolocator wrote")
    assert earlier_evidence(tmp_path / "Q_0003.JPG.EVIDENCE.PNG") is None  # no record beside it: a photo


def _camera_gps(lat: float, lon: float) -> dict:
    def dms(x: float):
        d = int(x)
        m = int((x - d) * 60)
        s = round(((x - d) * 60 - m) * 60 * 10_000)
        return ((d, 1), (m, 1), (s, 10_000))

    return {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: dms(lat),
            piexif.GPSIFD.GPSLongitudeRef: b"W", piexif.GPSIFD.GPSLongitude: dms(lon)}


def test_a_geotagged_copy_s_gps_is_an_answer_not_truth(tmp_path):
    from geolocator.core.geotag_copies import geotagged_jpeg

    original = _jpeg(tmp_path / "photos" / "DJI_0001.JPG", _camera_gps(36.142, 115.233))
    copy = tmp_path / "photos" / "tagged" / "DJI_0001.JPG"
    copy.parent.mkdir()
    copy.write_bytes(geotagged_jpeg(original.read_bytes(), 36.1415, -115.2331, 35.0))

    meta = read_photo_meta(copy)
    assert meta.position is None
    assert "written by geolocator" in meta.position_note and meta.position_note.endswith("not used as truth")

    (own,) = load_queries(original)
    assert own.truth is not None and own.truth.lat == pytest.approx(36.142, abs=1e-6)  # the camera's fix still scores
    (tagged,) = load_queries(copy.parent)  # the copies alone (with their originals they are read once: below)
    assert tagged.truth is None and "geolocator" in tagged.truth_note


def test_a_gps_with_another_processing_method_is_still_a_position(tmp_path):
    gps = _camera_gps(36.142, 115.233)
    gps[piexif.GPSIFD.GPSProcessingMethod] = b"ASCII\x00\x00\x00GPS"
    meta = read_photo_meta(_jpeg(tmp_path / "p.jpg", gps))
    assert meta.position is not None and meta.position.lon == pytest.approx(-115.233, abs=1e-6)


def test_eval_with_tiles_reads_a_truth_csv_beside_the_photos(tmp_path, caplog):
    """`eval own/ --tiles …` with own/truth.csv (a spreadsheet's ';' export): the CSV was skipped as "a
    sidecar/text file (.csv), not a photo" and eval stopped: "no query has a known location (truth.csv
    or EXIF GPS)" though a truth.csv was right there."""
    import argparse
    import logging

    from geolocator.cli import _region_or_photos

    own = tmp_path / "own"
    _jpeg(own / "q_0001.jpg")
    _jpeg(own / "sub" / "q_0002.jpg", shade=160)
    (own / "truth.csv").write_bytes("query;lat;lon\r\nq_0001.jpg;36,1418;-115,2334\r\nsub/q_0002.jpg;36,1420;-115,2317\r\n"
                                     .encode("utf-8-sig"))
    tiles = tmp_path / "tiles.csv"
    tile = tmp_path / "t.jpg"
    Image.new("RGB", (256, 256), (50, 80, 50)).save(tile)
    tiles.write_text("path,west,south,east,north\nt.jpg,-115.24,36.14,-115.23,36.15\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        region = _region_or_photos(argparse.Namespace(region=own, tiles=tiles, epsg=None, tms=False, xyz=False,
                                                      area=None, tile_size_m=None, overlap=None, zoom=None))
    by_id = {q.id: q for q in region.queries}
    assert by_id["q_0001.jpg"].truth.lat == pytest.approx(36.1418) and by_id["q_0001.jpg"].truth_source == "truth.csv"
    assert by_id["sub/q_0002.jpg"].truth.lon == pytest.approx(-115.2317)
    assert "read by 'geolocator eval' to score the answers" in caplog.text  # said what it is, not "a stray .csv"


def test_geotagged_copies_in_the_photos_folder_are_located_once_as_their_originals(tmp_path):
    """`locate photos/ --geotag-copies photos/tagged`, then `locate photos/` again: each photo was
    located twice (q_0001.jpg and tagged/q_0001.jpg), in every export and summary."""
    from geolocator.core.geotag_copies import geotagged_jpeg
    from geolocator.core.skipped import unread_media

    photos = tmp_path / "photos"
    a = _jpeg(photos / "DJI_0001.JPG", _camera_gps(36.142, 115.233))
    b = _jpeg(photos / "DJI_0002.JPG", shade=160)  # no EXIF at all: the copy gains an EXIF segment
    (photos / "tagged").mkdir()
    for original in (a, b):
        (photos / "tagged" / original.name).write_bytes(geotagged_jpeg(original.read_bytes(), 36.1415, -115.2331, 35.0))
    # a photo of the same name that is not a copy of anything here stays a photo
    other = tmp_path / "photos" / "card2" / "DJI_0001.JPG"
    _jpeg(other, shade=250)
    skipped: list[tuple[Path, str]] = []
    queries = load_queries(photos, on_skip=lambda p, why: skipped.append((p, why)))
    assert sorted(q.id for q in queries) == ["DJI_0001.JPG", "DJI_0002.JPG", "card2/DJI_0001.JPG"]
    said = dict(skipped)
    assert said[photos / "tagged" / "DJI_0001.JPG"] == (
        f"a geotagged copy of {a} that geolocator wrote (--geotag-copies or the app's Export Geotagged Copies): "
        "located once, as that file")
    assert not any(unread_media(p, why) for p, why in skipped)  # not "could not be read"


def test_a_geotagged_copy_given_alone_is_a_photo_to_locate(tmp_path):
    from geolocator.core.geotag_copies import geotagged_jpeg

    original = _jpeg(tmp_path / "DJI_0001.JPG")
    tagged = tmp_path / "tagged" / "DJI_0001.JPG"
    tagged.parent.mkdir()
    tagged.write_bytes(geotagged_jpeg(original.read_bytes(), 36.1415, -115.2331, 35.0))
    assert [q.id for q in load_queries(tagged.parent)] == ["DJI_0001.JPG"]


def test_a_geotagged_copy_is_matched_to_its_original_never_to_itself_or_another_copy(tmp_path):
    """A copy listed before its original maps to the original, not to itself; two runs' copies of one photo
    given without it are both photos to locate (CP2: a copy taken for an original made each the other's
    copy, and both were dropped: the photo was not located at all)."""
    from geolocator.core.geotag_copies import geotagged_jpeg
    from geolocator.core.media.copies import geotagged_copies

    original = _jpeg(tmp_path / "z_card" / "DJI_0001.JPG")
    copies = []
    for run, lat in (("a_tagged", 36.1415), ("b_tagged", 36.1416)):
        copies.append(tmp_path / run / "DJI_0001.JPG")
        copies[-1].parent.mkdir()
        copies[-1].write_bytes(geotagged_jpeg(original.read_bytes(), lat, -115.2331, 35.0))
    assert geotagged_copies([copies[0], original]) == {copies[0]: original}
    assert geotagged_copies(copies) == {}
    found = load_queries([copies[0].parent, copies[1].parent])
    assert sorted(str(q.path) for q in found) == sorted(map(str, copies))


def test_a_copy_of_a_photo_with_a_large_maker_note_is_still_found(tmp_path):
    """Cameras write maker notes of tens of kB into the EXIF segment, ahead of the GPS fields the copy's
    mark is in: the mark is looked for in the whole segment (64 KiB at most), not its first kB (CP5)."""
    from geolocator.core.geotag_copies import geotagged_jpeg
    from geolocator.core.media.copies import geotagged_copies

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 60)).save(buf, format="JPEG")
    out = io.BytesIO()
    note = bytes(range(256)) * 160  # 40 kB
    piexif.insert(piexif.dump({"0th": {}, "Exif": {piexif.ExifIFD.MakerNote: note}, "GPS": {}, "1st": {}}),
                  buf.getvalue(), out)
    original = tmp_path / "DJI_0001.JPG"
    original.write_bytes(out.getvalue())
    copy = tmp_path / "tagged" / "DJI_0001.JPG"
    copy.parent.mkdir()
    copy.write_bytes(geotagged_jpeg(original.read_bytes(), 36.1415, -115.2331, 35.0))
    assert copy.read_bytes().find(b"geolocator") > 40_000  # the mark lies past the maker note
    assert geotagged_copies([original, copy]) == {copy: original}


def test_a_copy_whose_name_changed_case_is_still_its_original_s(tmp_path):
    """A copy moved through a FAT card or a Windows share as dji_0001.jpg is still DJI_0001.JPG's (CP3)."""
    from geolocator.core.geotag_copies import geotagged_jpeg
    from geolocator.core.media.copies import geotagged_copies

    original = _jpeg(tmp_path / "DJI_0001.JPG")
    copy = tmp_path / "tagged" / "dji_0001.jpg"
    copy.parent.mkdir()
    copy.write_bytes(geotagged_jpeg(original.read_bytes(), 36.1415, -115.2331, 35.0))
    assert geotagged_copies([original, copy]) == {copy: original}
    # a camera's .JPEG names too (CP6: only .jpg copies were looked for)
    long_original = _jpeg(tmp_path / "IMG_0002.JPEG")
    long_copy = tmp_path / "tagged" / "IMG_0002.JPEG"
    long_copy.write_bytes(geotagged_jpeg(long_original.read_bytes(), 36.1415, -115.2331, 35.0))
    assert geotagged_copies([long_original, long_copy]) == {long_copy: long_original}


def test_a_second_run_into_an_evidence_folder_says_the_earlier_run_s_records_it_holds(tmp_path, monkeypatch, capsys):
    """`locate A --evidence ev/` then `locate B --evidence ev/`: the second said only "wrote evidence for 1
    photo", while ev/ held the first run's records too, to be handed on with it."""
    from geolocator import cli
    from geolocator.core.pipeline import Settings

    from .demo_features import DEMO, DemoWorkspace, load_demo_features

    features = load_demo_features()

    def workspace(args):
        return DemoWorkspace(Settings(backbone=args.backbone, device="cpu", verify=args.verify,
                                      cache_dir=tmp_path / "cache", adapter_dir=tmp_path / "adapters"), features)

    monkeypatch.setattr(cli, "_workspace", workspace)
    ev = tmp_path / "evidence"
    first = [str(DEMO / "queries" / f"q_{i:04d}.jpg") for i in (1, 40)]
    assert cli.main(["locate", *first, "--tiles", str(DEMO), "--out", str(tmp_path / "a.csv"), "--evidence", str(ev), "-q"]) == 0
    capsys.readouterr()
    second = str(DEMO / "queries" / "q_0060.jpg")
    assert cli.main(["locate", second, "--tiles", str(DEMO), "--out", str(tmp_path / "b.csv"), "--evidence", str(ev), "-q"]) == 0
    line = next(x for x in capsys.readouterr().err.splitlines() if x.startswith("wrote evidence"))
    assert line == (f"wrote evidence for 1 photo to {ev} (1 picture and records); it also holds the evidence of "
                    "2 other photos from an earlier run, kept: q_0001.jpg, q_0040.jpg")
    assert (ev / "q_0001.jpg.evidence.json").is_file()  # kept, never removed


def _tile_folder(root: Path, z: int = 19, x: int = 94460, ys=(205576, 205577)) -> list[Path]:
    made = []
    for i, y in enumerate(ys):
        made.append(root / str(z) / str(x) / f"{y}.jpg")
        _jpeg(made[-1], shade=20 * i)
    (root / "metadata.json").write_text('{"scheme": "xyz"}', encoding="utf-8")
    return made


def test_a_tile_folder_fetched_into_the_photos_folder_is_not_read_as_photos(tmp_path):
    """`fetch-tiles … --out photos/area` then `locate photos/ --tiles …`: the 20 map tiles were located as
    20 more drone photos ("28 confident" for 8 photos)."""
    photos = tmp_path / "photos"
    _jpeg(photos / "DJI_0001.JPG", shade=200)
    _tile_folder(photos / "area")
    # a date-sorted folder is not a tile folder: 2024 is no zoom level
    _jpeg(photos / "2024" / "05" / "12.jpg", shade=120)
    skipped: list[tuple[Path, str]] = []
    queries = load_queries(photos, on_skip=lambda p, why: skipped.append((p, why)))
    assert sorted(q.id for q in queries) == ["2024/05/12.jpg", "DJI_0001.JPG"]
    assert skipped == [(photos / "area", "a map tile folder (z/x/y, 2 tiles), imagery, not drone photos: "
                                         "not read as photos (a tile set is opened with --tiles or the app's Open Tile Set)")]  # its metadata.json with it


def test_numbered_photos_in_a_folder_given_below_a_z_x_like_path_are_photos(tmp_path):
    """Photos 1.jpg and 2.jpg in flights/12/3, that folder given: the z/x/y folder their path looks like
    would begin above what was given, so they are the photos asked for, not a tile folder's tiles (QU2:
    refused as "only map tiles")."""
    folder = tmp_path / "flights" / "12" / "3"
    _jpeg(folder / "1.jpg")
    _jpeg(folder / "2.jpg", shade=160)
    assert [q.id for q in load_queries(folder)] == ["1.jpg", "2.jpg"]


def test_a_z_x_y_path_whose_row_is_outside_the_zoom_is_no_tile():
    """At zoom 2 rows run 0-3: area/2/1/7.png is no tile, area/2/1/3.png is (XY2: the row was not checked)."""
    from geolocator.core.sources.xyz import tile_folder_of

    assert tile_folder_of(Path("/data/area/2/1/3.png")) == Path("/data/area")
    assert tile_folder_of(Path("/data/area/2/1/7.png")) is None
    assert tile_folder_of(Path("/data/area/2/4/3.png")) is None


def test_a_tile_folder_given_as_the_photos_is_refused_saying_so(tmp_path):
    from geolocator.core.errors import InputError

    _tile_folder(tmp_path / "area")
    with pytest.raises(InputError, match="it holds only map tiles"):
        load_queries(tmp_path / "area")


@pytest.mark.parametrize("name", ["area.mbtiles", "area.PMTILES", "area.gpkg", "overlay.kmz", "mosaic.vrt", "ortho.jp2"])
def test_a_tile_set_among_the_photos_is_named_as_imagery_not_as_an_unknown_type(name):
    """`photos/area.mbtiles` was said as "not a photo type geolocator reads (.mbtiles; it reads …)", which
    reads as if geolocator could not read .mbtiles at all."""
    from geolocator.core.queries import _not_a_photo

    suffix = Path(name).suffix.lower()
    assert _not_a_photo(Path("photos") / name) == f"a tile set ({suffix}: imagery), not a drone photo: give it with --tiles"


@pytest.mark.parametrize("argv, said", [
    (["cache", "--prune", "-5"], "argument --prune: must be zero or a positive number, not '-5'"),
    (["cache", "--prune", "nan"], "argument --prune: must be zero or a positive number, not 'nan'"),
    (["locate", "p", "--tiles", "t", "--gnss-prior", "-100"], "argument --gnss-prior: must be a positive number of metres, not '-100'"),
    (["locate", "p", "--tiles", "t", "--gnss-prior", "inf"], "argument --gnss-prior: must be a positive number of metres, not 'inf'"),
])
def test_a_negative_or_non_finite_number_is_refused_by_the_flag_not_by_a_traceback(argv, said, capsys):
    """`cache --prune -5` and `locate … --gnss-prior -100` ended in a Python traceback (ValueError from
    core); `--prune nan` removed nothing and said "not used for nan days"."""
    from geolocator import cli

    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    assert stop.value.code == 2 and said in capsys.readouterr().err


def test_eval_on_geotagged_copies_alone_says_why_their_gps_is_not_truth(tmp_path, capsys):
    """`eval tagged/ --tiles …` (after the fix above): "no query has a known location (truth.csv or EXIF
    GPS)" read as if the copies had no GPS at all; it now names what their GPS is."""
    from geolocator import cli
    from geolocator.core.geotag_copies import geotagged_jpeg

    from .demo_features import DEMO

    tagged = tmp_path / "tagged"
    tagged.mkdir()
    photo = DEMO / "queries" / "q_0001.jpg"
    (tagged / photo.name).write_bytes(geotagged_jpeg(photo.read_bytes(), 36.1418, -115.2334, 35.0))
    assert cli.main(["eval", str(tagged), "--tiles", str(DEMO / "tiles.csv")]) == 2
    err = capsys.readouterr().err
    assert "no query has a known location (truth.csv or EXIF GPS) (1 photo recorded one not taken as truth, " \
           "e.g. q_0001.jpg: EXIF GPS was written by geolocator" in err


def test_ctrl_c_in_locate_names_the_evidence_geotags_and_copies_not_written(tmp_path, monkeypatch, capsys):
    """Ctrl-C in `locate … --out int.geojson --evidence int_ev --geotags geo.txt --geotag-copies int_tag`
    said only "int.geojson was not written"."""
    from geolocator import cli

    from .demo_features import DEMO

    monkeypatch.setattr(cli, "_workspace", lambda args: (_ for _ in ()).throw(KeyboardInterrupt))
    gj, ev, geo, tag = tmp_path / "p.geojson", tmp_path / "ev", tmp_path / "geo.txt", tmp_path / "tagged"
    argv = ["locate", str(DEMO / "queries" / "q_0002.jpg"), "--tiles", str(DEMO / "tiles.csv"), "-q", "--out", str(gj),
            "--evidence", str(ev), "--geotags", str(geo), "--geotag-copies", str(tag)]
    assert cli.main(argv) == 130
    line = capsys.readouterr().err.splitlines()[-1]
    assert line.startswith(f"interrupted: {gj} was not written; nor the evidence ({ev}), the geotags ({geo}) or "
                           f"the geotagged copies ({tag}); kept in the cache folder")


@pytest.mark.parametrize("name", ["located.geojson", "map.html"])
def test_a_predictions_file_or_map_beside_the_photos_is_a_text_file_not_an_unknown_type(name):
    from geolocator.core.queries import _not_a_photo

    suffix = Path(name).suffix
    assert _not_a_photo(Path("photos") / name) == f"a sidecar/text file ({suffix}), not a photo"


def test_a_truth_csv_saved_in_another_case_is_read_as_the_listing_says(tmp_path):
    """The listing names `Truth.CSV` as the photos' truth whatever its case; reading it only as `truth.csv`
    would leave that sentence untrue on Linux."""
    from geolocator.core.queries import with_truth_csv

    own = tmp_path / "own"
    _jpeg(own / "q_0001.jpg")
    (own / "Truth.CSV").write_text("query,lat,lon\nq_0001.jpg,36.1418,-115.2334\n", encoding="utf-8")
    skipped: list[tuple[Path, str]] = []
    (q,) = with_truth_csv(load_queries(own, on_skip=lambda p, why: skipped.append((p, why))), own)
    assert q.truth_source == "truth.csv" and q.truth.lat == pytest.approx(36.1418)
    # the listing's sentence for it, whatever its case (QU1: Truth.CSV named a stray .csv sidecar)
    assert skipped == [(own / "Truth.CSV", "the photos' truth (query,lat,lon): read by 'geolocator eval' "
                                           "to score the answers, not a photo")]


def test_two_truth_files_in_other_cases_are_not_chosen_between(tmp_path):
    """Truth.csv and TRUTH.CSV (no truth.csv): which is the truth is not known, so neither is read rather than
    whichever the folder lists first (QU12)."""
    from geolocator.core.queries import with_truth_csv

    own = tmp_path / "own"
    _jpeg(own / "q_0001.jpg")
    (own / "Truth.csv").write_text("query,lat,lon\nq_0001.jpg,36.1418,-115.2334\n", encoding="utf-8")
    (own / "TRUTH.CSV").write_text("query,lat,lon\nq_0001.jpg,10.0,10.0\n", encoding="utf-8")
    (q,) = with_truth_csv(load_queries(own), own)
    assert q.truth_source != "truth.csv"


def test_a_region_folder_scored_on_other_tiles_reads_its_truth_once_as_before(tmp_path):
    """`eval region/ --tiles other.tif`: the region's truth.csv (with a `tile` column naming the region's
    own tiles) is applied by load_region; read a second time against the other tile set's ids, it stopped
    eval ("tile 'tiles/r00_c00.jpg' is not in the tile set"), a regression of this session caught before
    its end."""
    import argparse

    import numpy as np
    import rasterio
    from rasterio.transform import from_bounds

    from geolocator.cli import _region_or_photos

    from .demo_features import DEMO

    region = tmp_path / "region"
    (region / "queries").mkdir(parents=True)
    (region / "queries" / "q_0001.jpg").write_bytes((DEMO / "queries" / "q_0001.jpg").read_bytes())
    (region / "tiles.csv").write_text((DEMO / "tiles.csv").read_text(encoding="utf-8"), encoding="utf-8")
    (region / "tiles").symlink_to(DEMO / "tiles")
    row = next(r for r in (DEMO / "truth.csv").read_text(encoding="utf-8").splitlines() if "q_0001" in r)
    (region / "truth.csv").write_text("query,lat,lon,tile\n" + row + "\n", encoding="utf-8")
    tif = tmp_path / "one.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=64, height=64, count=3, dtype="uint8", crs="EPSG:4326",
                       transform=from_bounds(-115.2338, 36.1416, -115.2330, 36.1422, 64, 64)) as out:
        out.write(np.full((3, 64, 64), 90, dtype=np.uint8))
    got = _region_or_photos(argparse.Namespace(region=region, tiles=tif, epsg=None, tms=False, xyz=False,
                                               area=None, tile_size_m=None, overlap=0.0, zoom=None))
    (q,) = got.queries
    assert q.truth_source == "truth.csv" and q.truth_tile == "tiles/r00_c00.jpg"
