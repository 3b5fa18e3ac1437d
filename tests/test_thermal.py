"""Thermal photos (session 24, a search-and-rescue pilot's night flight): geolocator read DJI R-JPEGs,
ironbow palettes and 16-bit radiometric TIFFs like any photo and matched them against daytime imagery;
2-5 of 12 were placed, and nothing told the pilot that these were thermal photos, why so few placed,
or that the wide photo the drone took beside each thermal one (DJI_0001_W.JPG) would place it.
core/media/thermal.py tells thermal photos from visible ones by what the file holds (DJI's XMP
ImageSource, an R-JPEG's APP3 radiometric frame, FLIR's APP1 record, one 16-bit band at a thermal
core's size), finds the visible sibling, and `locate` says both in one line. Files are made here."""

from __future__ import annotations

import io
import logging
import struct
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from geolocator import cli
from geolocator.core.media.thermal import thermal_note, thermal_photos, thermal_reason, visible_sibling
from geolocator.core.pipeline import Settings

from .demo_features import DEMO, cli_on_demo_features

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REAL_DJI = SHARED / "real-dji"


def _xmp(source: str) -> bytes:
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
            'xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" '
            f'drone-dji:ImageSource="{source}" drone-dji:RelativeAltitude="+60.00"/></rdf:RDF></x:xmpmeta>'
            '<?xpacket end="w"?>').encode()


def _jpeg(path: Path, size=(640, 512), *, source: str | None = None, app3: bool = False, flir: bool = False,
          picture: Image.Image | None = None) -> Path:
    """A JPEG as a DJI/FLIR thermal camera writes one: the palette picture, optionally DJI's XMP
    ImageSource, the raw frame in APP3 segments (R-JPEG) or FLIR's APP1 record (contents made up)."""
    im = picture if picture is not None else Image.fromarray(
        np.random.default_rng(0).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85, **({"xmp": _xmp(source)} if source else {}))
    data = buf.getvalue()
    extra = b""
    if app3:
        raw = np.full(size[0] * size[1], 20000, "<u2").tobytes()
        for i in range(0, len(raw), 65000):
            chunk = raw[i:i + 65000]
            extra += b"\xff\xe3" + struct.pack(">H", len(chunk) + 2) + chunk
    if flir:
        record = b"FLIR\x00\x01\x01" + bytes(64)
        extra += b"\xff\xe1" + struct.pack(">H", len(record) + 2) + record
    path.write_bytes(data[:2] + extra + data[2:])
    return path


def test_what_in_the_file_marks_a_photo_thermal(tmp_path):
    assert "InfraredCamera" in thermal_reason(_jpeg(tmp_path / "a_T.JPG", source="InfraredCamera", app3=True))
    assert "R-JPEG" in thermal_reason(_jpeg(tmp_path / "b.jpg", app3=True))
    assert "FLIR" in thermal_reason(_jpeg(tmp_path / "c.jpg", flir=True))
    tifffile.imwrite(tmp_path / "ck.tiff", np.full((512, 640), 29315, np.uint16))  # centi-kelvin, 20 C
    assert thermal_reason(tmp_path / "ck.tiff") == "one 16-bit band, 640 x 512"


def test_visible_photos_are_not_thermal(tmp_path):
    """The wide photo of a dual camera (its ImageSource says so), an ordinary JPEG even when 640 x
    512 and named _T, a 16-bit multispectral band (1280 x 960), an unreadable file: none is."""
    assert thermal_reason(_jpeg(tmp_path / "DJI_0001_W.JPG", (1920, 1440), source="WideCamera")) is None
    assert thermal_reason(_jpeg(tmp_path / "x_T.jpg")) is None
    tifffile.imwrite(tmp_path / "IMG_0001_4.tif", np.full((960, 1280), 30000, np.uint16))
    assert thermal_reason(tmp_path / "IMG_0001_4.tif") is None
    (tmp_path / "notes.jpg").write_text("not an image")
    assert thermal_reason(tmp_path / "notes.jpg") is None
    assert thermal_reason(tmp_path / "missing.jpg") is None
    if REAL_DJI.is_dir():  # real Phantom 3 photos, untouched
        assert all(thermal_reason(p) is None for p in sorted(REAL_DJI.glob("*.JPG")))


def test_the_visible_photo_beside_a_thermal_one(tmp_path):
    t = _jpeg(tmp_path / "DJI_20261120231100_0001_T.JPG", source="InfraredCamera")
    assert visible_sibling(t) is None  # nothing beside it yet
    w = _jpeg(tmp_path / "DJI_20261120231100_0001_W.JPG", (1920, 1440), source="WideCamera")
    assert visible_sibling(t) == w
    assert visible_sibling(w) is None  # a wide photo has no sibling of its own here
    z = _jpeg(tmp_path / "DJI_0002_T.jpg", source="InfraredCamera")
    _jpeg(tmp_path / "DJI_0002_z.jpg", (1920, 1440))
    assert visible_sibling(z) == tmp_path / "DJI_0002_z.jpg"


def test_the_line_says_whether_the_visible_photos_are_in_the_run(tmp_path):
    t1 = _jpeg(tmp_path / "DJI_0001_T.JPG", source="InfraredCamera")
    w1 = _jpeg(tmp_path / "DJI_0001_W.JPG", (1920, 1440), source="WideCamera")
    t2 = _jpeg(tmp_path / "DJI_0002_T.JPG", app3=True)
    found = thermal_photos([t1, w1, t2])
    assert [f.path for f in found] == [t1, t2] and found[0].visible == w1 and found[1].visible is None
    alone = thermal_note(found, [t1, t2])
    assert alone.startswith("2 thermal photos (DJI_0001_T.JPG: DJI ImageSource InfraredCamera)")
    assert "1 of them has a visible photo beside it that was not given (DJI_0001_W.JPG" in alone
    together = thermal_note(found, [t1, w1, t2])
    assert "1 of them has its visible photo in this run" in together and "not given" not in together
    assert thermal_note([], [w1]) is None


def test_locate_says_it_before_the_work(tmp_path, monkeypatch, caplog):
    """`geolocator locate` on a folder holding an R-JPEG says the line once, naming the file and
    what marks it thermal, and verifies with reversed tones too (Settings.reversed_tones, which
    reaches the SIFT verifier); a run of visible photos says nothing of the kind and keeps them off.
    The demo's committed features stand in for the backbone (the thermal photo is saved under a
    demo photo's name); the Settings are the CLI's own."""
    made = cli_on_demo_features(monkeypatch, tmp_path)
    folder = tmp_path / "night"
    folder.mkdir()
    grey = Image.open(DEMO / "queries" / "q_0001.jpg").convert("L")
    inverted = Image.merge("RGB", [grey.point(lambda v: 255 - v)] * 3)  # white-hot-looking
    _jpeg(folder / "q_0001.jpg", inverted.size, source="InfraredCamera", app3=True, picture=inverted)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        assert cli.main(["locate", str(folder), "--tiles", str(DEMO), "--out", str(tmp_path / "p.csv"), "--no-verify"]) == 0
    said = [r.getMessage() for r in caplog.records if "thermal photo" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("1 thermal photo (q_0001.jpg: DJI ImageSource InfraredCamera)")
    assert made[-1].settings.reversed_tones and made[-1].verifier.settings.reversed_tones
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        assert cli.main(["locate", str(DEMO / "queries" / "q_0001.jpg"), "--tiles", str(DEMO),
                         "--out", str(tmp_path / "v.csv"), "--no-verify"]) == 0
    assert not [r for r in caplog.records if "thermal photo" in r.getMessage()]
    assert not made[-1].settings.reversed_tones and not made[-1].verifier.settings.reversed_tones


@pytest.mark.parametrize("mode", ["I;16", "F"])
def test_sixteen_bit_and_float_pngs_and_tiffs_read_by_pillow(tmp_path, mode):
    """A radiometric frame stored by Pillow (16-bit PNG, 32-bit float TIFF) is read as one band."""
    arr = np.full((512, 640), 300, np.uint16 if mode == "I;16" else np.float32)
    path = tmp_path / ("f.png" if mode == "I;16" else "f.tif")
    Image.fromarray(arr).save(path)
    reason = thermal_reason(path)
    assert reason is not None and reason.endswith("640 x 512")


def test_the_apps_locate_job_carries_the_line(tmp_path):
    """The app's locate job (gui.jobs.Session.locate) puts the same line in its Results, computed
    off the GUI thread; a tiny backbone, no verification."""
    from geolocator.core.model import Query, TileSet
    from geolocator.gui.jobs import Session
    from tests.test_extract import _tiles, tiny_backbone

    tiles = _tiles(tmp_path / "tiles", 4)
    photo = _jpeg(tmp_path / "DJI_0001_T.JPG", source="InfraredCamera", app3=True)
    session = Session(Settings(cache_dir=tmp_path / "cache", verify=False, tile_views=("rot0",)), map_dir=tmp_path / "maps")
    try:
        session.ws.set_backbone("tiny", loaded=tiny_backbone())
        session.ws.open_tiles(TileSet(tuple(tiles), tmp_path))
        results = session.locate([Query(photo.name, photo)])
    finally:
        session.close()
    assert results.thermal_note.startswith("1 thermal photo (DJI_0001_T.JPG: DJI ImageSource InfraredCamera)")


def test_the_apps_locate_verifies_thermal_photos_with_reversed_tones_as_the_cli_does(tmp_path):
    """Session 24: `geolocator locate` turned reversed tones on for a run holding thermal photos but
    the app did not: it verified them as the CLI did before, which placed 4 of 12 white-hot photos
    against 10 with reversed tones (newuser_session24.md; the app itself was not measured). Now the app's locate job turns it on for such a run, and off again for a
    run of visible photos (unless the user's settings asked for it)."""
    from geolocator.core.model import Query, TileSet
    from geolocator.gui.jobs import Session
    from tests.test_extract import _tiles, tiny_backbone

    tiles = _tiles(tmp_path / "tiles", 4)
    thermal = _jpeg(tmp_path / "DJI_0001_T.JPG", source="InfraredCamera", app3=True)
    visible = _jpeg(tmp_path / "DJI_0001_W.JPG", size=(1000, 750))
    for asked in (False, True):
        session = Session(Settings(cache_dir=tmp_path / "cache", tile_views=("rot0",), reversed_tones=asked),
                          map_dir=tmp_path / "maps")
        try:
            session.ws.set_backbone("tiny", loaded=tiny_backbone())
            session.ws.open_tiles(TileSet(tuple(tiles), tmp_path))
            session.locate([Query(thermal.name, thermal)])
            assert session.ws.settings.reversed_tones and session.ws.verifier.settings.reversed_tones
            session.locate([Query(visible.name, visible)])
            assert session.ws.settings.reversed_tones is asked
            assert session.ws.verifier.settings.reversed_tones is asked
        finally:
            session.close()


def test_the_app_shows_it_in_the_message_bar(qtbot, tmp_path, monkeypatch):
    """The app's message bar says the line after a locate, as the CLI warns it."""
    from geolocator.gui.jobs import Results
    from geolocator.gui.settings import AppSettings

    from .helpers import app_window

    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True))
    monkeypatch.setattr(w.runner, "submit", lambda job: job)  # no backbone load: only the bar is looked at
    line = "1 thermal photo (DJI_0001_T.JPG: DJI ImageSource InfraredCamera): thermal pictures are matched"
    w._show_results(Results([], {}, None, None, None, None, thermal_note=line))
    assert w.message_bar.level == "warning" and line in w.message_bar.text


def test_a_thermal_clip_is_told_by_its_name_and_frame_size(tmp_path):
    """Session 24: a white-hot DJI_0100_T.MP4 (640 x 512) was matched without a word and without
    reversed tones (4 of 16 frames placed). A clip named _T with a thermal core's frame size is
    thermal; the same name at 1920 x 1080, or 640 x 512 without the name, is not; its frames are
    counted once, as a clip, and no visible sibling is looked for."""
    import av

    from geolocator.core.model import Query

    def clip(name, w, h):
        path = tmp_path / name
        with av.open(str(path), "w") as c:
            st = c.add_stream("mpeg4", rate=5)
            st.width, st.height, st.pix_fmt = w, h, "yuv420p"
            for _ in range(3):
                for p in st.encode(av.VideoFrame.from_ndarray(np.zeros((h, w, 3), np.uint8), format="rgb24")):
                    c.mux(p)
            for p in st.encode():
                c.mux(p)
        return path

    t = clip("DJI_0100_T.MP4", 640, 512)
    _jpeg(tmp_path / "DJI_0100_W.MP4")  # not a clip: never taken as its sibling
    assert thermal_reason(t) == "a clip named _T, 640 x 512"
    assert thermal_reason(clip("DJI_0101_T.MP4", 1920, 1080)) is None
    assert thermal_reason(clip("DJI_0102.MP4", 640, 512)) is None
    assert visible_sibling(t) is None
    from geolocator.core.media.thermal import queries_note

    frames = [Query(f"{t.name}#t={s}", t, time_s=float(s)) for s in range(3)]
    photo = _jpeg(tmp_path / "DJI_0001_T.JPG", source="InfraredCamera")
    assert queries_note(frames).startswith("1 thermal clip (DJI_0100_T.MP4: a clip named _T, 640 x 512)")
    both = queries_note([*frames, Query(photo.name, photo)])
    assert both.startswith("1 thermal photo and 1 clip (DJI_0100_T.MP4")


def test_the_user_turns_reversed_tones_on_for_thermal_pictures_not_recognised(tmp_path, monkeypatch, caplog):
    """Session 25: a grey 8-bit JPEG without metadata is not told from a grey visible photo by its
    file (nor is a clip not named _T), so geolocator does not guess; `locate --reversed-tones` turns
    the verifier's reversed tones on for such a run (Settings.reversed_tones), without the thermal
    line. Failed before: no such option."""
    made = cli_on_demo_features(monkeypatch, tmp_path)
    folder = tmp_path / "grey"
    folder.mkdir()
    grey = Image.open(DEMO / "queries" / "q_0001.jpg").convert("L").point(lambda v: 255 - v)
    grey.save(folder / "q_0001.jpg", quality=90)  # 8 bits, one band, no metadata
    assert thermal_reason(folder / "q_0001.jpg") is None
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        assert cli.main(["locate", str(folder), "--tiles", str(DEMO), "--out", str(tmp_path / "g.csv"),
                         "--no-verify", "--reversed-tones"]) == 0
    assert not [r for r in caplog.records if "thermal" in r.getMessage()]
    assert made[-1].settings.reversed_tones and made[-1].verifier.settings.reversed_tones


def test_the_app_s_reversed_tones_box_reaches_every_locate(qtbot, tmp_path, monkeypatch):
    """Session 25: the app's Backbone panel has a "Reversed tones (thermal)" box, as `locate
    --reversed-tones`: ticked, it is saved in the app's settings and the session verifies every run
    with reversed tones, a run of visible-looking photos too (before, the app had no way to ask it:
    its locate job turned it off for any run without a recognised thermal photo). A saved choice
    ticks the box at the next start."""
    from geolocator.core.model import Query, TileSet
    from geolocator.gui.settings import AppSettings
    from tests.test_extract import _tiles, tiny_backbone

    from .helpers import app_window

    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True), tile_views=("rot0",))
    monkeypatch.setattr(w.runner, "submit", lambda job: job)
    assert not w.backbone_panel.tones.isChecked() and not w.session.ws.settings.reversed_tones
    w.backbone_panel.tones.setChecked(True)
    assert w.settings.reversed_tones and w.session.ws.settings.reversed_tones
    session = w.session
    tiles = _tiles(tmp_path / "tiles", 4)
    grey = tmp_path / "grey.jpg"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (480, 640), dtype=np.uint8)).save(grey)
    session.ws.set_backbone("tiny", loaded=tiny_backbone())
    session.ws.open_tiles(TileSet(tuple(tiles), tmp_path))
    session.locate([Query(grey.name, grey)])  # no thermal photo in it: the user's choice holds
    assert session.ws.settings.reversed_tones and session.ws.verifier.settings.reversed_tones
    w.backbone_panel.tones.setChecked(False)
    assert not w.settings.reversed_tones and not session.ws.settings.reversed_tones
    w.close()
    (tmp_path / "again").mkdir()
    again = app_window(qtbot, tmp_path / "again", AppSettings(demo_shown=True, reversed_tones=True))
    assert again.backbone_panel.tones.isChecked() and again.session.ws.settings.reversed_tones
    again.close()


def test_what_marks_a_photo_thermal_exactly(tmp_path):
    """Session 25 (hand mutants of session 24's thermal.py): the ImageSource value is read whatever
    its case and spaces; FLIR's record is told by its "FLIR\\0" start, not by any APP1 segment (every
    EXIF JPEG has one); a 16-bit frame stored portrait (512 x 640) or at 320 x 240 is a thermal
    core's; a TIFF's XMP (tag 700) is read; a 16-bit band at a size no thermal core has is not."""
    assert thermal_reason(_jpeg(tmp_path / "a.jpg", source=" infraredcamera ")) == "DJI ImageSource InfraredCamera"
    exif = Image.Exif()
    exif[0x010F] = "DJI"
    plain = tmp_path / "exif.jpg"
    Image.fromarray(np.zeros((512, 640, 3), np.uint8)).save(plain, exif=exif.tobytes())
    assert thermal_reason(plain) is None  # an APP1 (Exif) segment alone marks nothing
    tifffile.imwrite(tmp_path / "portrait.tiff", np.full((640, 512), 29315, np.uint16))
    assert thermal_reason(tmp_path / "portrait.tiff") == "one 16-bit band, 512 x 640"
    tifffile.imwrite(tmp_path / "qvga.tiff", np.full((240, 320), 29315, np.uint16))
    assert thermal_reason(tmp_path / "qvga.tiff") == "one 16-bit band, 320 x 240"
    tifffile.imwrite(tmp_path / "xmp.tiff", np.zeros((300, 400, 3), np.uint8), extratags=[(700, "B", 0, _xmp("InfraredCamera"), True)])
    assert thermal_reason(tmp_path / "xmp.tiff") == "DJI ImageSource InfraredCamera"
    tifffile.imwrite(tmp_path / "odd.tiff", np.full((500, 700), 29315, np.uint16))
    assert thermal_reason(tmp_path / "odd.tiff") is None


def test_the_visible_sibling_exactly(tmp_path):
    """visible_sibling's rules (session 25, mutants T10, T11): a lower-case `_w` is found, and where
    several visible photos lie beside it the wide one (`_W`) comes before `_V` and `_Z`."""
    t = _jpeg(tmp_path / "DJI_0003_T.JPG", source="InfraredCamera")
    low = _jpeg(tmp_path / "DJI_0003_w.JPG", (1920, 1440))
    assert visible_sibling(t) == low
    low.unlink()
    z = _jpeg(tmp_path / "DJI_0003_Z.JPG", (1920, 1440))
    assert visible_sibling(t) == z
    w = _jpeg(tmp_path / "DJI_0003_W.JPG", (1920, 1440))
    assert visible_sibling(t) == w


def test_the_line_compares_paths_however_they_are_written(tmp_path, monkeypatch):
    """The thermal photo given as a relative path (as a user types it) and its visible photo as an
    absolute one are still a pair in the run (session 25, mutant T13 compared the paths as written
    and said the visible photo was not given)."""
    monkeypatch.chdir(tmp_path)
    _jpeg(tmp_path / "DJI_0001_T.JPG", source="InfraredCamera")
    w = _jpeg(tmp_path / "DJI_0001_W.JPG", (1920, 1440), source="WideCamera")
    t = Path("DJI_0001_T.JPG")
    note = thermal_note(thermal_photos([t]), [t, w.resolve()])
    assert "1 of them has its visible photo in this run" in note and "not given" not in note


def test_the_line_counts_in_words(tmp_path):
    """One and several, in the line's words (mutants T15, T16): "1 of them has ... beside it", "2 of
    them have ... beside them", "2 of them have their visible photo"."""
    ts = [_jpeg(tmp_path / f"DJI_000{i}_T.JPG", source="InfraredCamera") for i in (1, 2)]
    ws = [_jpeg(tmp_path / f"DJI_000{i}_W.JPG", (1920, 1440)) for i in (1, 2)]
    found = thermal_photos(ts)
    assert "2 of them have a visible photo beside them that was not given" in thermal_note(found, ts)
    assert "2 of them have their visible photo in this run" in thermal_note(found, [*ts, *ws])
    assert "add them:" in thermal_note(found, ts)
    one = thermal_note(found[:1], ts[:1])
    assert "1 of them has a visible photo beside it that was not given" in one and "add it:" in one


def test_a_thermal_clip_held_portrait_and_an_unreadable_one(tmp_path):
    """A `_T` clip whose frames are a thermal core's size turned (512 x 640) is thermal; a `_T` file
    that is no clip is simply not thermal (its reader reports it), nothing raised (mutants T8, T9)."""
    import av

    path = tmp_path / "DJI_0200_T.MP4"
    with av.open(str(path), "w") as c:
        st = c.add_stream("mpeg4", rate=5)
        st.width, st.height, st.pix_fmt = 512, 640, "yuv420p"
        for p in st.encode(av.VideoFrame.from_ndarray(np.zeros((640, 512, 3), np.uint8), format="rgb24")):
            c.mux(p)
        for p in st.encode():
            c.mux(p)
    assert thermal_reason(path) == "a clip named _T, 512 x 640"
    (tmp_path / "DJI_0201_T.MP4").write_text("not a clip")
    assert thermal_reason(tmp_path / "DJI_0201_T.MP4") is None


def test_the_line_says_how_sure_in_the_levels_words(tmp_path):
    """Session 27 (mend26's record): the line said "take a thermal answer under 0.9 as unsure", a word
    the list, the map and the CLI never show; it now names the levels they show (core/levels.py)."""
    from geolocator.core.levels import LEVEL_CONFIDENT, LEVEL_NOT_CONFIDENT

    t1 = _jpeg(tmp_path / "DJI_0001_T.JPG", source="InfraredCamera")
    note = thermal_note(thermal_photos([t1]), [t1])
    assert f'rely only on a thermal answer that reads "{LEVEL_CONFIDENT}" (0.9 or more)' in note
    assert f'take "{LEVEL_NOT_CONFIDENT}" as unconfirmed (docs/inputs.md: Thermal photos)' in note
    assert "unsure" not in note
