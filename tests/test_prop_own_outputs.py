"""Property tests of a photos' folder that also holds geolocator's own outputs (newuser36: core/queries.py
listing, evidence.earlier_evidence, media/copies.geotagged_copies): evidence pictures and records, geotagged
copies and fetched z/x/y tile folders, at any depth and in any case of their names, beside photos of any
names and folders (numbered ones too) carrying any EXIF. A photo is never dropped and an own output is never
read as a photo. Settings: tests/prop_profile.py."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image

from geolocator.core.evidence import PICTURE_SUFFIX, RECORD_SUFFIX, earlier_evidence
from geolocator.core.media.copies import geotagged_copies
from geolocator.core.queries import load_queries

from .prop_profile import prop

piexif = pytest.importorskip("piexif")
from geolocator.core.geotag_copies import GEOLOCATOR_GPS_METHOD, geotagged_jpeg  # noqa: E402

CASES = (str.lower, str.upper, str.title, lambda s: s)
folder_parts = st.sampled_from(["a", "Flight 1", "2024", "05", "12", "3", "0", "1", "evidence", "tagged", "tiles",
                                "DCIM", "100MEDIA", "z"])
# text a camera or a tool may put in EXIF: anything, geolocator's own words among it
exif_texts = st.one_of(st.text(max_size=30), st.sampled_from(
    ["GPS", "CELLID", "geolocator", "geolocator image match", "GEOLOCATOR IMAGE MATCHING", "image matching"]))


def _photo(shade: int, size=(64, 48), exif: dict | None = None) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (shade % 256, (shade * 7) % 256, (shade * 13) % 256)).save(buf, format="JPEG")
    data = buf.getvalue()
    if exif:
        out = io.BytesIO()
        piexif.insert(piexif.dump(exif), data, out)
        data = out.getvalue()
    return data


@st.composite
def photo_exif(draw):
    """Any EXIF a camera or a tool writes: text fields, a GPS block with any processing method (as ASCII or
    UNICODE with the EXIF character code, or none), a user comment."""
    gps = {}
    if draw(st.booleans()):
        code = draw(st.sampled_from([b"ASCII\x00\x00\x00", b"UNICODE\x00", b"\x00" * 8, b""]))
        text = draw(exif_texts)
        gps[piexif.GPSIFD.GPSProcessingMethod] = code + (text.encode("utf-16-be") if code.startswith(b"UNI")
                                                         else text.encode("utf-8"))
        gps[piexif.GPSIFD.GPSLatitudeRef] = b"N"
        gps[piexif.GPSIFD.GPSLatitude] = ((47, 1), (3, 1), (0, 1))
    zeroth = {piexif.ImageIFD.Make: draw(exif_texts).encode("utf-8"),
              piexif.ImageIFD.ImageDescription: draw(exif_texts).encode("utf-8")}
    exif = {piexif.ExifIFD.UserComment: b"ASCII\x00\x00\x00" + draw(exif_texts).encode("utf-8")}
    return {"0th": zeroth, "Exif": exif, "GPS": gps, "1st": {}}


@st.composite
def folders(draw):
    """(layout {relative path: bytes}, the photos' relative paths): photos anywhere (numbered folders and
    names too), and geolocator's outputs of some of them: evidence (picture + record), geotagged copies
    (the photo's name in any case), a z/x/y tile folder; every name's case drawn."""
    files: dict[str, bytes] = {}
    photos = []
    n = draw(st.integers(1, 4))
    for i in range(n):
        parts = draw(st.lists(folder_parts, max_size=3))
        stem = draw(st.sampled_from([f"DJI_{i:04d}", f"{i}", f"{i:04d}", f"IMG {i}"]))
        ext = draw(st.sampled_from([".jpg", ".JPG", ".jpeg", ".Jpg"]))
        rel = "/".join([*parts, stem + ext])
        if any(rel.lower() == p.lower() or p.lower().startswith(rel.lower() + "/") or
               rel.lower().startswith(p.lower() + "/") for p in files):
            continue
        files[rel] = _photo(40 * i + 7, exif=draw(photo_exif()))
        photos.append(rel)
    if not photos:
        return files, photos
    where = draw(st.lists(folder_parts, max_size=2))
    for rel in draw(st.lists(st.sampled_from(photos), max_size=2, unique=True)):
        case = draw(st.sampled_from(CASES))
        name = rel.split("/")[-1]
        files["/".join([*where, "evidence", name + case(PICTURE_SUFFIX)])] = _photo(3, size=(96, 48))
        files["/".join([*where, "evidence", name + case(RECORD_SUFFIX)])] = b'{"what": "evidence"}'
    for rel in draw(st.lists(st.sampled_from(photos), max_size=2, unique=True)):
        name = draw(st.sampled_from(CASES))(rel.split("/")[-1])
        files["/".join([*where, "tagged", name])] = geotagged_jpeg(files[rel], 47.1, 8.2, 30.0)
    if draw(st.booleans()):
        root = "/".join([*where, draw(st.sampled_from(["tiles", "area", "Tiles 2024"]))])
        z = draw(st.integers(0, 19))
        ext = draw(st.sampled_from([".png", ".jpg", ".PNG", ".webp"]))
        for k in range(draw(st.integers(1, 3))):
            x, y = min(k, 2 ** z - 1), min(2 * k, 2 ** z - 1)
            files[f"{root}/{z}/{x}/{y}{ext}"] = _photo(200 + k, size=(256, 256))
        if draw(st.booleans()):  # fetch-tiles' record of the folder
            files[f"{root}/metadata.json"] = b'{"scheme": "xyz"}'
    files = {k: v for k, v in files.items()
             if k in photos or not any(k.lower() == p.lower() for p in photos)}
    return files, photos


def _write(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


@prop(25)
@given(folders())
@example(({"a/DJI_0000.jpg": _photo(7), "evidence/DJI_0000.jpg.EVIDENCE.PNG": _photo(3, (96, 48)),
           "evidence/DJI_0000.jpg.EVIDENCE.JSON": b"{}"}, ["a/DJI_0000.jpg"]))
@example(({"2024/05/12/0001.jpg": _photo(7, (400, 300)), "2024/05/12/0002.jpg": _photo(9, (400, 300))},
          ["2024/05/12/0001.jpg", "2024/05/12/0002.jpg"]))
def test_every_photo_is_listed_and_no_own_output_is(case):
    """load_queries of the folder: exactly the photos' ids, whatever outputs lie among them; each output is
    said (skipped), none silently."""
    files, photos = case
    with tempfile.TemporaryDirectory(prefix="propfuzz-own-") as d:
        root = Path(d) / "photos"
        root.mkdir()
        _write(root, files)
        skipped: list[tuple[Path, str]] = []
        if not photos:
            return
        queries = load_queries(root, on_skip=lambda p, why: skipped.append((p, why)))
        assert sorted(q.id for q in queries) == sorted(photos)
        said = {Path(p) for p, _ in skipped}
        for rel in files:
            if rel not in photos:  # said itself, or a folder above it was
                p = root / rel
                assert p in said or any(a in said for a in p.parents), rel


@prop(30)
@given(photo_exif(), photo_exif(), st.sampled_from(CASES), st.booleans())
def test_a_real_photo_with_any_exif_is_never_taken_for_a_geotagged_copy(first, second, case, same_pixels):
    """Two real photos of one name in two folders (two flights' DJI_0001.JPG, or one photo with its EXIF
    edited by another tool): neither is geolocator's copy of the other, whatever their EXIF says, unless
    it carries geolocator's exact processing method; geolocator's own copy of either is."""
    a, b = _photo(11, exif=first), _photo(11 if same_pixels else 99, exif=second)
    with tempfile.TemporaryDirectory(prefix="propfuzz-tag-") as d:
        pa, pb = Path(d) / "one" / "DJI_0001.JPG", Path(d) / "two" / case("DJI_0001.JPG")
        _write(Path(d), {"one/DJI_0001.JPG": a, f"two/{case('DJI_0001.JPG')}": b})
        marked = [GEOLOCATOR_GPS_METHOD.encode() in x for x in (a, b)]
        found = geotagged_copies([pa, pb])
        assert set(found) <= {p for p, m in zip((pa, pb), marked) if m}
        tagged = Path(d) / "tagged" / case("DJI_0001.JPG")
        _write(Path(d), {f"tagged/{case('DJI_0001.JPG')}": geotagged_jpeg(a, 47.0, 8.0, 20.0)})
        assert geotagged_copies([pa, tagged]) == {tagged: pa}


@prop(60)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1, max_size=20),
       st.sampled_from(CASES), st.sampled_from(CASES), st.booleans())
@example("DJI_0001.JPG", str.upper, str.upper, True)  # X.EVIDENCE.PNG beside X.EVIDENCE.JSON: read as a photo
def test_evidence_is_known_by_its_pair_in_any_case(stem, picture_case, record_case, with_record):
    """<stem>.evidence.png is geolocator's evidence exactly when its record lies beside it, the suffixes in
    any case (a copy through a tool or a file system that changed it); a record alone is always ours."""
    with tempfile.TemporaryDirectory(prefix="propfuzz-ev-") as d:
        picture = Path(d) / (stem + picture_case(PICTURE_SUFFIX))
        record = Path(d) / (stem + record_case(RECORD_SUFFIX))
        picture.write_bytes(b"png")
        if with_record:
            record.write_bytes(b"{}")
        assert (earlier_evidence(picture) is not None) == with_record
        assert earlier_evidence(record) is not None
