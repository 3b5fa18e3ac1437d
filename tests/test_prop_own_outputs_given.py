"""Property tests of geolocator's own outputs given among the photos in every way a user gives them
(ownout37: core/own_outputs.py and load_queries), propfuzz37. A fetched z/x/y tile folder (its fetcher's
metadata.json or gdal2tiles' tilemapresource.xml beside z/) and evidence pairs lie beside photos kept in numbered
folders whose paths look like tiles (`5/12/1.jpg`). Given as the folder above all, as a folder inside the tile
folder (`area/19`, `area/19/94460`), as a shell's glob of every file (in any order, absolute or relative to the
working folder), or a mix: every photo given is a query, no tile and no evidence picture ever is, and a call given
only own outputs raises InputError naming what they are.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.queries import load_queries

from .prop_profile import prop


def _image(size, fmt, shade=0) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (40 + 20 * shade, 90, 140)).save(buf, format=fmt)
    return buf.getvalue()


TILE = {"png": _image((8, 8), "PNG"), "jpg": _image((8, 8), "JPEG")}
PHOTOS = [_image((64, 48), "JPEG", i) for i in range(5)]  # each its own pixels: byte-identical copies are said once


@st.composite
def layouts(draw):
    """(tile paths, photo paths, evidence paths, the tile folder's root), relative to the test folder."""
    inside = draw(st.booleans())  # fetched into the photos' folder (`fetch-tiles --out photos/area`)
    root = Path("photos/area") if inside else Path("area")
    fetcher = draw(st.sampled_from(["metadata.json", "tilemapresource.xml"]))
    ext = draw(st.sampled_from(["png", "jpg"]))
    keys = draw(st.sets(st.integers(1, 19).flatmap(
        lambda z: st.tuples(st.just(z), st.integers(0, min((1 << z) - 1, 3)), st.integers(0, min((1 << z) - 1, 3)))),
        min_size=1, max_size=4))
    tiles = [root / str(z) / str(x) / f"{y}.{ext}" for z, x, y in sorted(keys)]
    numbered = draw(st.lists(st.tuples(st.integers(1, 30), st.integers(0, 40), st.integers(0, 9)), min_size=1,
                             max_size=3, unique=True))
    photos = [Path("photos") / str(a) / str(b) / f"{c}.jpg" for a, b, c in numbered]
    photos.append(Path("photos") / draw(st.sampled_from(["DJI_0001.JPG", "IMG_1.jpg", "0001.jpeg"])))
    evidence = []
    if draw(st.booleans()):
        stem = Path("photos") / draw(st.sampled_from(["DJI_0001", "x"]))
        case = draw(st.sampled_from([str, str.upper]))
        evidence = [stem.parent / (stem.name + case(suffix)) for suffix in (".evidence.png", ".evidence.json")]
    return tiles, photos, evidence, root, fetcher


def _make(base: Path, tiles, photos, evidence, root, fetcher) -> None:
    for t in tiles:
        t = base / t
        t.parent.mkdir(parents=True, exist_ok=True)
        t.write_bytes(TILE[t.suffix[1:]])
    (base / root / fetcher).write_text(json.dumps({"format": "png"}) if fetcher.endswith(".json") else
                                       '<?xml version="1.0"?><TileMap version="1.0.0"></TileMap>')
    for i, p in enumerate(photos):
        (base / p).parent.mkdir(parents=True, exist_ok=True)
        (base / p).write_bytes(PHOTOS[i])
    for e in evidence:
        (base / e).write_bytes(TILE["png"] if e.suffix.lower() == ".png" else b"{}")


def _located(source) -> set[Path]:
    return {Path(q.path).resolve() for q in load_queries(source, on_skip=lambda p, why: None)}


@given(layouts(), st.randoms(use_true_random=False), st.booleans())
@prop(25, fixtures=True)
def test_own_outputs_are_never_photos_however_they_are_given(tmp_path_factory, layout, rnd, relative):
    tiles, photos, evidence, root, fetcher = layout
    base = tmp_path_factory.mktemp("given")
    _make(base, tiles, photos, evidence, root, fetcher)
    ours = {(base / p).resolve() for p in [*tiles, *evidence, root / fetcher]}
    real = {(base / p).resolve() for p in photos}
    here = os.getcwd()
    try:
        os.chdir(base)
        at = (lambda p: p) if relative else (lambda p: base / p)
        assert _located(at(Path("."))) == real  # the folder above all
        everything = [*tiles, *photos, *evidence]
        rnd.shuffle(everything)
        assert _located([at(p) for p in everything]) == real  # a shell's glob of every file
        z_folder, x_folder = tiles[0].parent.parent, tiles[0].parent
        for inside in (z_folder, x_folder):  # a folder given inside the tile folder
            try:
                got = _located(at(inside))
            except InputError as exc:
                assert "map tiles" in str(exc) or "no drone images" in str(exc), str(exc)
            else:
                assert not got & ours
            assert _located([at(inside), at(photos[0].parent)]) == {(base / photos[0]).resolve()} | {
                (base / p).resolve() for p in photos if p.parent == photos[0].parent or photos[0].parent in p.parents}
        with pytest.raises(InputError):
            load_queries([at(p) for p in [*tiles, *evidence[:1]]], on_skip=lambda p, why: None)  # only ours
    finally:
        os.chdir(here)
