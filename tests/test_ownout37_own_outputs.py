"""geolocator's own outputs given *outside* the photos' folder (ownout37, session 36's open points:
newuser36_session36.md, leftovers36_session36.md; training/results/ownout37_session37.md).

- `locate area/19` (a folder inside a fetched z/x/y tile folder): its tiles were read as drone photos.
- `locate photos/ evidence/*` or `locate photos/ area/19/94460/*.jpg` (files named by a glob): the evidence
  pictures and the map tiles were read as photos.
- `locate photos/ evidence/`: the evidence folder was said twice, the second time as "no images … in this
  folder" (the app keeps one reason a path: that one).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.evidence import PICTURE_SUFFIX, RECORD_SUFFIX
from geolocator.core.own_outputs import own_file
from geolocator.core.queries import load_queries

TILES_SAID = ("a map tile folder (z/x/y, {n}), imagery, not drone photos: not read as photos (a tile set is opened "
              "with --tiles or the app's Open Tile Set)")


def _image(path: Path, size=(640, 480), shade: int = 60) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (90, 120, shade)).save(path, format="JPEG")
    return path


def _fetched(root: Path, z: int = 19, x: int = 94460, ys=(205576, 205577)) -> list[Path]:
    """A tile folder as fetch-tiles writes it: z/x/y tiles and metadata.json beside z/."""
    tiles = [_image(root / str(z) / str(x) / f"{y}.jpg", (256, 256), 30 * i) for i, y in enumerate(ys)]
    (root / "metadata.json").write_text('{"scheme": "xyz"}', encoding="utf-8")
    return tiles


def _evidence(folder: Path, stem: str) -> tuple[Path, Path]:
    picture = folder / f"{stem}{PICTURE_SUFFIX}"
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (960, 480), (200, 200, 200)).save(picture)
    record = folder / f"{stem}{RECORD_SUFFIX}"
    record.write_text(json.dumps({"geolocator": {}}), encoding="utf-8")
    return picture, record


def _load(source):
    skipped: list[tuple[Path, str]] = []
    queries = load_queries(source, on_skip=lambda p, why: skipped.append((p, why)))
    return [q.id for q in queries], skipped


def test_a_folder_given_inside_a_fetched_tile_folder_is_not_read_as_photos(tmp_path, monkeypatch):
    area = tmp_path / "area"
    _fetched(area)
    photos = tmp_path / "photos"
    _image(photos / "DJI_0001.JPG")
    ids, skipped = _load([photos, area / "19"])
    assert ids == ["photos/DJI_0001.JPG"]  # before: + 19/94460/205576.jpg and 19/94460/205577.jpg
    assert skipped == [(area, TILES_SAID.format(n="2 tiles"))]
    with pytest.raises(InputError, match="it holds only map tiles"):
        load_queries(area / "19" / "94460")
    monkeypatch.chdir(area)  # `locate 19` from inside the tile folder: its root is above the working folder's paths
    with pytest.raises(InputError, match="it holds only map tiles"):
        load_queries(Path("19"))
    ids, skipped = _load([photos / "DJI_0001.JPG", Path("19/94460/205576.jpg")])  # a tile named from there
    assert ids == ["DJI_0001.JPG"] and skipped == [(area, TILES_SAID.format(n="1 tile"))]


def test_square_numbered_photos_in_a_folder_given_below_a_z_x_like_path_stay_photos(tmp_path):
    """No fetcher's file above them: flights/12/3/{1,2}.jpg, 512 px square (a tile's size), are the photos
    asked for. Kills the mutant that takes a tile's size as enough above the folder given (QU2's place)."""
    folder = tmp_path / "flights" / "12" / "3"
    for i in (1, 2):
        _image(folder / f"{i}.jpg", (512, 512), 40 * i)
    assert _load(folder)[0] == ["1.jpg", "2.jpg"]
    assert own_file(folder / "1.jpg") is None


def test_evidence_and_tiles_named_as_files_are_skipped_one_line_a_folder(tmp_path):
    photo = _image(tmp_path / "photos" / "DJI_0001.JPG")
    ev = tmp_path / "evidence"
    named = [*_evidence(ev, "DJI_0001.JPG"), *_evidence(ev, "DJI_0002.JPG")]
    tiles = _fetched(tmp_path / "area")
    ids, skipped = _load([photo, *named, *tiles])
    assert ids == ["DJI_0001.JPG"]  # before: + DJI_0001.JPG.evidence.png and both tiles
    assert skipped == [
        (ev, "2 evidence pictures and 2 records geolocator wrote (--evidence or the app's Export Evidence), "
             "not drone photos: not read"),
        (tmp_path / "area", TILES_SAID.format(n="2 tiles"))]


def test_only_own_outputs_named_is_refused_saying_so(tmp_path):
    picture, _ = _evidence(tmp_path / "evidence", "DJI_0001.JPG")
    tile = _fetched(tmp_path / "area")[0]
    with pytest.raises(InputError, match="no drone images among the files given: they are map tiles or geolocator's"):
        load_queries([picture, tile])
    with pytest.raises(InputError, match="an evidence picture geolocator wrote"):
        load_queries(picture)
    with pytest.raises(InputError) as refused:
        load_queries(tile)
    assert refused.value.problem == (f"a map tile of the z/x/y tile folder {tmp_path / 'area'}, imagery, not a drone "
                                     "photo: not read as a photo (a tile set is opened with --tiles or the app's "
                                     "Open Tile Set)")


@pytest.mark.parametrize("kind", ["evidence", "tiles"])
def test_an_evidence_or_tile_folder_beside_the_photos_is_said_once(tmp_path, kind):
    photos = tmp_path / "photos"
    _image(photos / "DJI_0001.JPG")
    folder = tmp_path / kind
    _evidence(folder, "DJI_0001.JPG") if kind == "evidence" else _fetched(folder)
    ids, skipped = _load([photos, folder])
    assert ids == ["photos/DJI_0001.JPG"]
    assert [p for p, _ in skipped] == [folder]  # before: again as "no images (…) in this folder"
    assert "geolocator wrote" in skipped[0][1] or "map tile folder" in skipped[0][1]


def _tagged_demo_copies(folder: Path, n: int = 3) -> list:
    from geolocator.core.geotag_copies import geotagged_jpeg
    from geolocator.core.queries import load_region

    from .demo_features import DEMO

    folder.mkdir(parents=True, exist_ok=True)
    chosen = load_region(DEMO).queries[:n]
    for q in chosen:
        (folder / q.path.name).write_bytes(geotagged_jpeg(q.path.read_bytes(), q.truth.lat, q.truth.lon, 35.0))
    return chosen


def test_fetch_tiles_around_geotagged_copies_takes_their_answers_for_the_area_and_says_so(tmp_path, capsys):
    """`fetch-tiles --around tagged/` (the copies alone, their originals not given): since 20880bc3 their GPS is
    no truth, and fetch-tiles stopped: "none of the 3 photos in tagged records a GPS position", though each
    holds one. An area is a guess, not a measurement: the answers are taken, said in one warning (ownout37)."""
    from geolocator.cli import main

    tagged = tmp_path / "tagged"
    chosen = _tagged_demo_copies(tagged)
    assert main(["fetch-tiles", "http://127.0.0.1:9/{z}/{x}/{y}.jpg", "--around", str(tagged), "--zoom", "18",
                 "--out", str(tmp_path / "a.mbtiles"), "--dry-run"]) == 0
    err = capsys.readouterr().err
    assert ("the area is around the positions geolocator wrote into 3 geotagged copies (--geotag-copies, e.g. "
            "q_0001.jpg): earlier answers, not recorded GPS fixes") in err
    assert "area around 3 of 3 photos with GPS, 250 m margin" in err
    assert not (tmp_path / "a.mbtiles").exists()
    # still neither truth nor a GNSS prior: only the area's guess reads it
    from geolocator.core.priors import recorded_position, recorded_positions

    copies = load_queries(tagged)
    assert all(q.truth is None and recorded_position(q) is None for q in copies)
    found = [c for p in recorded_positions(copies) for c in (p.lat, p.lon)]
    assert found == pytest.approx([c for q in chosen for c in (q.truth.lat, q.truth.lon)], abs=1e-6)


def test_only_geolocator_s_own_mark_makes_a_written_answer(tmp_path):
    from geolocator.core.media.metadata import read_photo_meta

    from .demo_features import DEMO

    (copy,) = _tagged_demo_copies(tmp_path / "tagged", 1)
    assert read_photo_meta(tmp_path / "tagged" / copy.path.name).written_answer.lat == pytest.approx(copy.truth.lat)
    assert read_photo_meta(DEMO / "queries" / "q_0001.jpg").written_answer is None
    # a camera's own fix is a position (truth), never a written answer
    from .test_cli_fetch import _gps_photo

    camera = _gps_photo(DEMO / "queries" / "q_0001.jpg", tmp_path / "camera.jpg", 36.1418, -115.2334)
    meta = read_photo_meta(camera)
    assert meta.position is not None and meta.written_answer is None
