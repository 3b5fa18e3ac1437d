"""Evidence someone can publish for an answer (session 22, `core/evidence.py`, `locate --evidence`):
before it, a verification desk had the predictions file and the app's screenshot, but nothing that
puts the photo beside the imagery it matched with the coordinates, the confidence and what it
means, the imagery's credit and the version and settings in one file to attach. Fast: the demo's
committed features stand in for the backbone (tests/demo_features.py)."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator import __version__, cli
from geolocator.core.evidence import evidence_facts, write_evidence
from geolocator.core.model import LatLon
from geolocator.core.pipeline import Settings

from .demo_features import DEMO, DemoWorkspace, demo_workspace, load_demo_features
from .test_gui_first_hour import dirs  # noqa: F401 - fixture (settings and caches under tmp_path)


@pytest.fixture(scope="module")
def features():
    return load_demo_features()


def test_evidence_states_the_answer_and_never_the_truth(features, tmp_path):
    """For demo photos whose truth is known, each gets a picture (photo beside imagery,
    wider than tall) and a record whose coordinates, confidence and radius are the answer's, with the
    imagery's source, the version and the settings; no truth, no error, and the truth's coordinates
    appear nowhere in it."""
    ws, region = demo_workspace(tmp_path, features)
    # a truth no answer can be near, so that any of its digits in the record could only be the truth's
    queries = [dataclasses.replace(q, truth=LatLon(12.3456789, 98.7654321), truth_source="truth.csv")
               for q in region.queries[:2]]
    ws.locate(queries)
    preds = ws.last.predictions
    written = write_evidence(tmp_path / "ev", preds, ws.tileset, settings=ws.settings, backbone="demo", matcher="sift")
    assert sorted(p.name for p in written) == sorted(
        f"{q.id.replace('/', '_')}.evidence.{ext}" for q in queries for ext in ("png", "json"))
    for pred in preds:
        stem = tmp_path / "ev" / pred.query.id.replace("/", "_")  # a region photo's id holds its folder
        with Image.open(f"{stem}.evidence.png") as im:
            assert im.width > im.height > 300
        text = Path(f"{stem}.evidence.json").read_text(encoding="utf-8")
        facts = json.loads(text)
        assert facts["location"]["lat"] == round(pred.location.lat, 7)
        assert facts["location"]["lon"] == round(pred.location.lon, 7)
        assert facts["confidence"] == round(pred.confidence, 4)
        assert facts["confidence_means"].startswith(f"{pred.confidence:.3f}"[:4])
        assert "within 35 m" in facts["confidence_means"]
        assert facts["geolocator"]["version"] == __version__
        assert facts["geolocator"]["settings"]["top_k"] == ws.settings.top_k
        assert facts["imagery"]["source"] == str(ws.tileset.source)
        assert facts["matched_tile"]["id"] == pred.top.tile.id
        assert "truth" not in text and "error" not in text
        assert "12.345" not in text and "98.765" not in text


def test_evidence_of_a_letterboxed_photo_says_what_was_matched(features, tmp_path):
    """A 9:16 post's record says the bars were cut off (the picture inside them is what was matched)."""
    im = Image.open(DEMO / "queries" / "q_0001.jpg").convert("RGB")
    canvas = Image.new("RGB", (384, 683))
    canvas.paste(im, (0, (683 - im.height) // 2))
    post = tmp_path / "q_0001.jpg"  # the demo photo's name: its committed features apply
    canvas.save(post, quality=90)
    ws, _ = demo_workspace(tmp_path, features)
    from geolocator.core.model import Query

    ws.locate([Query(id="q_0001.jpg", path=post)])
    facts = evidence_facts(ws.last.predictions[0], ws.tileset)
    assert facts["photo"]["bars_cut_off"]["top"] == pytest.approx((683 - im.height) // 2 / 683, abs=0.01)


def test_locate_evidence_flag_writes_the_files_beside_the_predictions(features, tmp_path, monkeypatch):
    """`locate --evidence FOLDER` writes a picture and a record per photo whose coordinates are the
    ones the predictions file holds, and says so on stderr."""

    def workspace(args):
        return DemoWorkspace(Settings(backbone=args.backbone, device="cpu", verify=args.verify,
                                      cache_dir=tmp_path / "cache", adapter_dir=tmp_path / "adapters"), features)

    monkeypatch.setattr(cli, "_workspace", workspace)
    photos = [str(DEMO / "queries" / f"q_{i:04d}.jpg") for i in (1, 40)]
    out, ev = tmp_path / "p.csv", tmp_path / "evidence"
    assert cli.main(["locate", *photos, "--tiles", str(DEMO), "--out", str(out), "--evidence", str(ev), "-q"]) == 0
    rows = {r["query"]: r for r in csv.DictReader(out.open())}
    for name, row in rows.items():
        facts = json.loads((ev / f"{name}.evidence.json").read_text())
        assert (facts["location"]["lat"], facts["location"]["lon"]) == (float(row["lat"]), float(row["lon"]))
        assert (ev / f"{name}.evidence.png").stat().st_size > 0


def test_app_session_exports_evidence_like_the_cli(features, tmp_path):
    """The app's File → Export Evidence runs gui.jobs.Session.export_evidence in its worker: it writes
    the same picture and record per photo into the chosen folder, and refuses an unwritable one in a
    sentence before writing anything (a file where the folder should be)."""
    from geolocator.core.outputs import OutputError
    from geolocator.gui.jobs import Session

    session = Session(Settings(cache_dir=tmp_path / "cache"), map_dir=tmp_path / "map")
    ws, region = demo_workspace(tmp_path, features)
    session.ws = ws
    ws.locate(region.queries[:2])
    written = session.export_evidence(ws.last.predictions, tmp_path / "ev")
    assert sorted(p.suffix for p in written) == [".json", ".json", ".png", ".png"]
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    with pytest.raises(OutputError):
        session.export_evidence(ws.last.predictions, blocker)


def test_the_app_exports_evidence_from_the_file_menu(qtbot, dirs, features):  # noqa: F811
    """File → Export Evidence (PNG + JSON)… is in the File menu, and its job writes a picture and a
    record per located photo and says so in the message bar (the window's worker, not the GUI thread)."""
    from .test_gui_first_hour import make_window, wait_idle

    w = make_window(qtbot, dirs)
    ws, region = demo_workspace(dirs, features)
    w.session.ws = ws  # as a finished locate on the demo leaves it (committed features: no backbone here)
    ws.locate(region.queries[:2])
    w.predictions = {p.query.id: p for p in ws.last.predictions}
    file_menu = w.menuBar().actions()[0].menu()
    assert w.act_export_evidence in file_menu.actions()
    w.export_evidence(dirs / "evidence")
    wait_idle(qtbot, w)
    assert w.message_bar.text == f"Saved evidence for 2 photos to {dirs / 'evidence'} (a picture and a record each)"
    assert len(list((dirs / "evidence").glob("*.evidence.png"))) == 2
    w.close()


def test_every_photo_gets_its_own_files_and_a_photo_that_cannot_be_drawn_its_record(features, tmp_path):
    """Ids that make the same file name ("a b.jpg", "a_b.jpg") get two sets of files, never one written
    over the other; an answer with no matched tile gets none (nothing to show); a photo whose pixels
    cannot be read now gets its record with `figure_error` and no picture; a video frame's record says
    its time."""
    ws, region = demo_workspace(tmp_path, features)
    ws.locate(region.queries[:1])
    (pred,) = ws.last.predictions

    def as_(id_, path=None, **kw):
        return dataclasses.replace(pred, query=dataclasses.replace(pred.query, id=id_, path=path or pred.query.path, **kw))

    preds = [as_("a b.jpg"), as_("a_b.jpg"), dataclasses.replace(as_("none.jpg"), matches=()),
             as_("gone.jpg", tmp_path / "gone.jpg")]
    written = write_evidence(tmp_path / "ev", preds, ws.tileset)
    assert sorted(p.name for p in written) == ["a_b.jpg.evidence.json", "a_b.jpg.evidence.png", "a_b.jpg_.evidence.json",
                                               "a_b.jpg_.evidence.png", "gone.jpg.evidence.json"]
    assert "gone.jpg" in json.loads((tmp_path / "ev" / "gone.jpg.evidence.json").read_text())["figure_error"]
    frame = evidence_facts(as_("clip.mp4#t=2.5", tmp_path / "clip.mp4", time_s=2.5), ws.tileset)
    assert frame["photo"]["frame_time_s"] == 2.5


def test_the_picture_draws_the_verified_outline(features, tmp_path):
    """The imagery panel draws the photo's verified outline in yellow (and the Point as a red cross)."""
    from geolocator.core.evidence import evidence_figure

    ws, region = demo_workspace(tmp_path, features)
    ws.locate(region.queries[:1])
    (pred,) = ws.last.predictions
    assert pred.top.footprint is not None
    px = np.asarray(evidence_figure(pred, ws.tileset, evidence_facts(pred, ws.tileset)).convert("RGB")).astype(int)
    yellow = (px[..., 0] > 220) & (px[..., 1] > 180) & (px[..., 1] < 245) & (px[..., 2] < 60)
    assert yellow.sum() > 100


def test_the_record_says_when_the_drawing_can_be_off(features, tmp_path):
    """A tile set whose grid is turned against the meridians (Tile.corners set: UTM) is drawn north-up
    from lon/lat bounds, a few metres off: the record says so; a north-up set's does not."""
    ws, region = demo_workspace(tmp_path, features)
    ws.locate(region.queries[:1])
    (pred,) = ws.last.predictions
    assert "turned" not in evidence_facts(pred, ws.tileset)["imagery"]["drawn"]
    tiles = list(ws.tileset.tiles)
    b = tiles[0].bounds
    tiles[0] = dataclasses.replace(tiles[0], corners=(LatLon(b.north, b.west), LatLon(b.north, b.east),
                                                      LatLon(b.south, b.east), LatLon(b.south, b.west)))
    turned = dataclasses.replace(ws.tileset, tiles=tuple(tiles))
    assert "turned against the meridians" in evidence_facts(pred, turned)["imagery"]["drawn"]


def test_the_imagery_panel_shows_the_neighbours_in_view_and_the_matched_tile_on_top(tmp_path):
    """The panel pastes the tiles in view around the matched tile (red here), the matched one last.
    Made tiles, 100 m a side: 30 far to the south listed first (out of view: they must not take the
    MAX_TILES places, which left the green neighbour to the north a grey gap), the green neighbour,
    and a blue tile overlapping the matched one's centre (another flight in one folder): the matched
    tile's own pixels are the ones shown where they overlap."""
    from geolocator.core.evidence import MAX_TILES, _imagery_panel
    from geolocator.core.model import Bounds, Match, Prediction, Query, Tile, TileSet

    def tile(name, colour, south, west=10.0):
        path = tmp_path / f"{name}.png"
        Image.new("RGB", (64, 64), colour).save(path)
        return Tile(name, path, Bounds(west, south, west + 0.001, south + 0.001))

    far = [tile(f"far{k}", (0, 0, 0), 49.0 + 0.001 * k) for k in range(MAX_TILES + 5)]
    red, green = tile("red", (255, 0, 0), 50.0), tile("green", (0, 255, 0), 50.001)
    blue = tile("blue", (0, 0, 255), 49.9995, 9.9995)
    centre = red.bounds.center
    pred = Prediction(Query("q.jpg", tmp_path / "q.jpg"), (Match(red, 0.9, 1),), centre, centre, 0.9)
    panel, view = _imagery_panel(pred, TileSet(tuple([*far, green, blue, red]), tmp_path))
    px = np.asarray(panel)
    top = px[1, px.shape[1] // 2]  # just inside the view's north edge: the green neighbour
    assert tuple(top) == (0, 255, 0), top
    middle = px[px.shape[0] * 2 // 3, px.shape[1] // 3]  # inside the red tile's south-west quarter, under blue
    assert tuple(middle) == (255, 0, 0), middle
