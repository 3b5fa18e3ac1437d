"""A field team on a non-English system (session 28, locale28): folders named "Einsätze/Übung März",
"捜索 2026", photos from a card written by another system whose names are not UTF-8 bytes, a service
account whose stdout is ASCII, a read-only card as the evidence folder.

Before session 28: a photo named b"Gel\\xe4nde.jpg" (Latin-1) stopped `locate` with a traceback
(UnicodeEncodeError while hashing its path for the feature cache, then while verifying, then while
writing any export); so did every non-ASCII name under ``LC_ALL=C PYTHONUTF8=0`` (Python decodes them
all to surrogates there); an ASCII stdout (``PYTHONIOENCODING=ascii``) stopped the per-photo lines at
the first "ä"; evidence files of "写真 q_0020.jpg" and "画像 q_0020.jpg" were both "q_0020.jpg…"; and
`--evidence` on a read-only card failed after all the locating, before `--out` was written.
Fast: the demo's committed features stand in for the backbone (tests/demo_features.py)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from geolocator import cli
from geolocator.core.cache import FeatureCache, file_identity, file_key
from geolocator.core.evidence import _safe_stem
from geolocator.core.names import readable, text_bytes
from geolocator.core.queries import load_queries
from geolocator.core.store import store_key

from .demo_features import DEMO, cli_on_demo_features

LATIN1_FOLDER = b"Eins\xe4tze"  # "Einsätze" as Latin-1 bytes: not UTF-8
LATIN1_READS = "Eins\\xe4tze"  # how geolocator writes it (names.readable)


def _latin1_folder(tmp_path: Path) -> Path:
    """tmp_path/<b"Eins\\xe4tze">/ holding two demo photos (their own names: the committed features
    are found by file name); returns tmp_path/photos, the folder above it."""
    root = tmp_path / "photos"
    root.mkdir()
    folder = os.path.join(os.fsencode(root), LATIN1_FOLDER)
    os.mkdir(folder)
    for name in ("q_0001.jpg", "q_0040.jpg"):
        shutil.copy(DEMO / "queries" / name, os.path.join(folder, name.encode()))
    return root


def test_readable_writes_each_byte_that_is_not_utf8_and_leaves_other_names_alone():
    assert readable("Gel\udce4nde.jpg") == "Gel\\xe4nde.jpg"
    # a UTF-8 name read under an ASCII locale (LC_ALL=C PYTHONUTF8=0): every byte a surrogate
    assert readable("Gel\udcc3\udca4nde.jpg") == "Gelände.jpg"
    for name in ("Gelände Süd.jpg", "写真 q_0020.jpg", "plain.jpg"):
        assert readable(name) == name
        assert text_bytes(name) == name.encode()  # keys of such names are those made before session 28
    assert text_bytes("Gel\udce4nde.jpg") == b"Gel\xe4nde.jpg"


@pytest.mark.parametrize("key", ["file_key", "feature_cache_key", "store_key"])
def test_cache_keys_of_a_photo_whose_name_is_not_utf8(tmp_path, key):
    """The keys the feature cache, the tile store and verification file a photo under: they hashed the
    path's text encoded as UTF-8 and raised UnicodeEncodeError for a surrogate. Two names give two keys."""
    root = _latin1_folder(tmp_path)
    (photo,) = [p for p in root.rglob("q_0001.jpg")]
    other = root / "q_0001.jpg"
    shutil.copy(photo, other)
    make = {"file_key": file_key,
            "feature_cache_key": lambda p: FeatureCache(tmp_path / "cache").key("sig", "rot0", file_identity(p)),
            "store_key": lambda p: store_key(file_identity(p))}[key]
    assert make(photo) != make(other)
    # a plain name keeps the key it always had (no cache made before is invalidated)
    expected = {"file_key": hashlib.sha256(file_identity(other).encode()).hexdigest()[:16],
                "feature_cache_key": hashlib.sha256(f"sig\nrot0\n{file_identity(other)}".encode()).hexdigest(),
                "store_key": hashlib.sha256(file_identity(other).encode()).hexdigest()[:32]}[key]
    assert make(other) == expected


def test_query_ids_of_names_that_are_not_utf8_are_readable(tmp_path):
    queries = load_queries(_latin1_folder(tmp_path))
    assert sorted(q.id for q in queries) == [f"{LATIN1_READS}/q_0001.jpg", f"{LATIN1_READS}/q_0040.jpg"]
    assert all(q.path.is_file() for q in queries)  # the file itself is still opened by its bytes


@pytest.mark.parametrize("suffix", ["csv", "geojson", "kml", "gpx"])
def test_locate_photos_whose_names_are_not_utf8_into_every_format(tmp_path, monkeypatch, capsys, suffix):
    """Both photos located and written (and their evidence), each named as readable() writes it."""
    made = cli_on_demo_features(monkeypatch, tmp_path)
    out, ev = tmp_path / f"p.{suffix}", tmp_path / "evidence"
    assert cli.main(["locate", str(_latin1_folder(tmp_path)), "--tiles", str(DEMO), "--out", str(out),
                     "--evidence", str(ev), "-q"]) == 0
    assert len(made) == 1
    text = out.read_text(encoding="utf-8")  # valid UTF-8 throughout
    if suffix == "csv":
        names = [row["query"] for row in csv.DictReader(io.StringIO(text))]
    elif suffix == "geojson":
        names = [f["properties"]["query"] for f in json.loads(text)["features"]
                 if f["geometry"]["type"] == "Point"]
    else:
        names = [n for n in (f"{LATIN1_READS}/q_0001.jpg", f"{LATIN1_READS}/q_0040.jpg") if n in text]
    assert sorted(names) == [f"{LATIN1_READS}/q_0001.jpg", f"{LATIN1_READS}/q_0040.jpg"]
    records = sorted(ev.glob("*.evidence.json"))
    assert len(records) == 2
    assert json.loads(records[0].read_text(encoding="utf-8"))["photo"]["file"].endswith(f"{LATIN1_READS}/q_0001.jpg")


def test_per_photo_lines_on_an_ascii_stdout(tmp_path, monkeypatch):
    """`PYTHONIOENCODING=ascii` or `LC_ALL=C PYTHONUTF8=0`: the lines write \\xNN for what ASCII lacks
    instead of stopping at the first "Ü" of "Übung März" with UnicodeEncodeError."""
    cli_on_demo_features(monkeypatch, tmp_path)
    folder = tmp_path / "Übung März"
    folder.mkdir()
    shutil.copy(DEMO / "queries" / "q_0001.jpg", folder / "q_0001.jpg")
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="ascii", errors="strict", newline="\n")
    monkeypatch.setattr(sys, "stdout", stdout)
    assert cli.main(["locate", str(tmp_path), "--tiles", str(DEMO), "-q", "--coords", "dmm"]) == 0
    stdout.flush()
    line = raw.getvalue().decode("ascii")
    assert line.startswith("\\xdcbung M\\xe4rz/q_0001.jpg\t36.14")
    assert "dmm=N 36\\xb0 08." in line


def test_writable_stdout_leaves_a_lenient_utf8_stream_alone():
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="surrogateescape")
    cli.writable_stdout(stream)
    assert stream.errors == "surrogateescape"  # the C locale's UTF-8 mode: names' own bytes go through
    strict = io.TextIOWrapper(io.BytesIO(), encoding="latin-1", errors="strict")
    cli.writable_stdout(strict)
    strict.write("≈ 78 px, Gelände")
    strict.flush()
    assert strict.buffer.getvalue() == "\\u2248 78 px, Gelände".encode("latin-1")


def test_evidence_file_names_keep_letters_of_every_script():
    """Two photos told apart only by Japanese (or German) letters get two names, not "q_0020.jpg" and
    "q_0020.jpg_"; a name in decomposed form (macOS) is written composed; the stem fits a file name."""
    assert _safe_stem("写真/写真 q_0020.jpg") == "写真_写真_q_0020.jpg"
    assert _safe_stem("写真/写真 q_0020.jpg") != _safe_stem("画像/画像 q_0020.jpg")
    assert _safe_stem("Übung März/Gelände Süd.jpg") == "Übung_März_Gelände_Süd.jpg"
    assert _safe_stem("Gela\u0308nde.jpg") == "Gelände.jpg"
    long = _safe_stem("捜索" * 100 + ".jpg")
    assert len(long.encode("utf-8")) <= 120 and long.startswith("捜索")
    assert _safe_stem("../x#t=1") == "x_t_1"  # separators never reach the file name


def test_evidence_folder_that_cannot_be_written_is_refused_before_the_work(tmp_path, monkeypatch, capsys):
    """A file (as a read-only card would be) where the evidence folder should go: refused at once with
    the folder named, not after locating every photo, with `--out` then never written."""
    made = cli_on_demo_features(monkeypatch, tmp_path)
    blocker = tmp_path / "card"
    blocker.write_text("not a folder")
    out = tmp_path / "p.csv"
    assert cli.main(["locate", str(DEMO / "queries" / "q_0001.jpg"), "--tiles", str(DEMO), "--out", str(out),
                     "--evidence", str(blocker / "evidence"), "-q"]) == 2
    assert made == []  # nothing was located first
    err = capsys.readouterr().err
    assert f"{blocker / 'evidence'}: the evidence folder: " in err and "is a file, not a folder" in err


@pytest.mark.parametrize("encoding", ["cp1252", "shift_jis"])
def test_a_csv_saved_in_a_windows_character_set_names_the_line_and_the_fix(tmp_path, encoding):
    """Excel's plain "CSV" on a German or Japanese Windows writes Windows-1252 / Shift_JIS: the message
    names the line and says to save as "CSV UTF-8" (before: only Python's codec error, no line)."""
    from geolocator.core.errors import InputError
    from geolocator.core.sources.csv import read_csv_rows

    name = {"cp1252": "Übersicht", "shift_jis": "写真"}[encoding]
    path = tmp_path / "truth.csv"
    path.write_bytes(f"query,lat,lon\nqueries/a.jpg,46.5,7.5\nqueries/{name}.jpg,46.5,7.5\n".encode(encoding))
    with pytest.raises(InputError) as info:
        read_csv_rows(path, ("query", "lat", "lon"))
    assert info.value.line == 3
    assert 'save it as "CSV UTF-8"' in str(info.value) and str(path) in str(info.value)


@pytest.mark.parametrize("make, expected", [
    (lambda: __import__("geolocator.core.geo", fromlist=["x"]).format_distance(2_258_995.9), "2259 km"),
    (lambda: __import__("geolocator.core.wording", fromlist=["x"]).confidence_within("0.700", 22_601.2),
     "0.700 that it is within 22601 m"),
    (lambda: __import__("geolocator.core.wording", fromlist=["x"]).megabytes(1_234_500_000, about=True), "about 1234 MB"),
    (lambda: __import__("geolocator.core.wording", fromlist=["x"]).megabytes(1_234_500_000), "1234.5 MB"),
])
def test_distances_and_sizes_people_read_have_no_comma_between_thousands(make, expected):
    """"within 22,601 m" reads "within 22.6 m" to a German, French or Brazilian team (the comma is their
    decimal mark): a tile-level answer 22 km wide taken for one 22 m wide; "about 1,234 MB" a 1 MB
    download. Written without a separator, each reads the same in every locale (SI: never a comma)."""
    assert make() == expected


def test_the_confidence_line_of_the_cli_has_no_comma_between_thousands():
    from geolocator.core.wording import confidence_means

    assert " 1414-22601 m of where" in confidence_means([1414.2, 22_601.2])



def _geotiff_named(folder: Path, name: bytes) -> Path:
    """A 120 px GeoTIFF (1 m pixels, UTM 33N) written as `name` (bytes) in `folder`; returns its path as
    Python names it (surrogates for bytes that are not UTF-8)."""
    np = pytest.importorskip("numpy")
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import Affine

    plain = folder / "plain.tif"
    with rasterio.open(plain, "w", driver="GTiff", width=120, height=120, count=3, dtype="uint8", crs="EPSG:32633",
                       transform=Affine(1, 0, 500_000, 0, -1, 5_500_000)) as ds:
        ds.write((np.arange(120 * 120 * 3) % 251).astype(np.uint8).reshape(3, 120, 120))
    target = os.path.join(os.fsencode(folder), name)
    os.rename(plain, target)
    return Path(os.fsdecode(target))


def test_a_geotiff_whose_name_is_not_utf8_is_refused_with_a_sentence(tmp_path):
    """rasterio hands GDAL the path as UTF-8: b"Ortho M\xe4rz.tif" raised UnicodeEncodeError (a traceback)."""
    from geolocator.core.errors import InputError
    from geolocator.core.tilesets import load_tileset

    tif = _geotiff_named(tmp_path, b"Ortho M\xe4rz.tif")
    with pytest.raises(InputError) as info:
        load_tileset(tif, tile_size_m=50)
    assert "Ortho M\\xe4rz.tif: its name is not UTF-8 text" in str(info.value)
    assert "copy it under a UTF-8 name" in str(info.value)


def test_a_utf8_geotiff_name_read_under_an_ascii_locale_opens_and_its_tiles_read_right(tmp_path):
    """LC_ALL=C with PYTHONUTF8=0: Python names "Orthofoto März.tif" with surrogates (it decodes names as
    ASCII); rasterio raised UnicodeEncodeError on it, and the tiles' ids could be written nowhere."""
    from geolocator.core.tilesets import load_tileset

    _geotiff_named(tmp_path, "Orthofoto März.tif".encode())
    as_ascii_locale = Path(os.fsencode(tmp_path).decode("ascii", "surrogateescape")) / \
        "Orthofoto März.tif".encode().decode("ascii", "surrogateescape")
    tiles = load_tileset(as_ascii_locale, tile_size_m=50).tiles
    assert tiles and all(t.id.startswith("Orthofoto März.tif@c") for t in tiles)


def test_a_dng_whose_name_is_not_utf8_is_decoded(tmp_path):
    """rawpy hands LibRaw the name as UTF-8: b"Foto \\xe4.dng" was skipped as "cannot read RAW image
    (UnicodeEncodeError: …)"; now its bytes are read."""
    from geolocator.core import images

    from .test_photo_formats import _dng

    _dng(tmp_path / "plain.dng")
    target = os.path.join(os.fsencode(tmp_path), b"Foto \xe4.dng")
    os.rename(tmp_path / "plain.dng", target)
    (q,) = load_queries(tmp_path)
    assert q.id == "Foto \\xe4.dng"
    assert images.open_image(q.path).size == (96, 64)
