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
