"""`geolocator locate --geotags FILE` and the app's File → Export Geotags for Photogrammetry write
core/geotags.py's files from the same answers as the other exports (demo photos, committed features:
no backbone is loaded)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from geolocator import cli
from geolocator.core.errors import GeolocatorError
from geolocator.core.pipeline import Settings

from .demo_features import DEMO, DemoWorkspace, demo_workspace, load_demo_features
from .test_gui_first_hour import dirs  # noqa: F401 - fixture (settings and caches under tmp_path)


@pytest.fixture(scope="module")
def features():
    return load_demo_features()


def test_locate_geotags_writes_the_confident_answers_as_the_predictions_file_gives_them(features, tmp_path,
                                                                                        monkeypatch, capsys):
    def workspace(args):
        return DemoWorkspace(Settings(backbone=args.backbone, device="cpu", verify=args.verify,
                                      cache_dir=tmp_path / "cache", adapter_dir=tmp_path / "adapters"), features)

    monkeypatch.setattr(cli, "_workspace", workspace)
    photos = [str(DEMO / "queries" / f"q_{i:04d}.jpg") for i in (1, 2, 40)]
    out, geo = tmp_path / "p.csv", tmp_path / "geo.txt"
    assert cli.main(["locate", *photos, "--tiles", str(DEMO), "--out", str(out), "--geotags", str(geo), "-q"]) == 0
    rows = {r["query"]: r for r in csv.DictReader(out.open())}
    lines = geo.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "EPSG:4326"
    entries = {parts[0]: parts[1:] for parts in (line.split() for line in lines[1:] if not line.startswith("#"))}
    confident = {q for q, r in rows.items() if float(r["confidence"]) >= 0.9}
    assert confident and set(entries) == confident
    for name, (x, y) in entries.items():  # the demo photos record no height: x y only
        assert (float(y), float(x)) == (pytest.approx(float(rows[name]["lat"]), abs=2e-7),
                                        pytest.approx(float(rows[name]["lon"]), abs=2e-7))
    assert f"wrote {len(confident)} geotag" in capsys.readouterr().err


def test_locate_refuses_a_geotag_file_it_cannot_write_before_the_work(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "_load_queries", lambda *a: pytest.fail("the photos were read before the refusal"))
    with pytest.raises(GeolocatorError, match=r"unknown geotag file type '\.kml'"):
        cli.cmd_locate(cli.build_parser().parse_args(["locate", "x.jpg", "--tiles", "t", "--geotags",
                                                      str(tmp_path / "geo.kml")]))


def _located_window(qtbot, dirs, features, n: int):
    """The app's window with the demo's first `n` photos located (its menu's exports enabled)."""
    from .test_gui_first_hour import make_window

    w = make_window(qtbot, dirs)
    ws, region = demo_workspace(dirs, features)
    w.session.ws = ws
    ws.locate(region.queries[:n])
    w.predictions = {p.query.id: p for p in ws.last.predictions}
    w._refresh_actions()
    return w, ws


def test_the_app_exports_geotags_from_the_file_menu_and_names_what_it_left_out(qtbot, dirs, features):  # noqa: F811
    from .test_gui_first_hour import wait_idle

    w, ws = _located_window(qtbot, dirs, features, 3)
    assert w.act_export_geotags.isEnabled()
    assert w.act_export_geotags in w.menuBar().actions()[0].menu().actions()
    target = dirs / "reference.csv"
    w.export_geotags(target)
    wait_idle(qtbot, w)
    rows = list(csv.reader(target.read_text(encoding="utf-8").splitlines()[1:]))
    confident = [p for p in ws.last.predictions if p.confidence >= 0.9]
    assert [r[0] for r in rows] == [Path(p.query.path).name for p in confident]
    assert w.message_bar.text.startswith(f"Wrote {len(confident)} geotag")
    w.export_geotags(dirs / "geo.json")
    wait_idle(qtbot, w)
    assert "unknown geotag file type '.json'" in w.message_bar.text and not (dirs / "geo.json").exists()
    w.close()


def test_locate_geotag_copies_writes_copies_of_the_confident_photos_and_leaves_the_originals(features, tmp_path,
                                                                                            monkeypatch, capsys):
    pytest.importorskip("piexif")
    import hashlib

    def workspace(args):
        return DemoWorkspace(Settings(backbone=args.backbone, device="cpu", verify=args.verify,
                                      cache_dir=tmp_path / "cache", adapter_dir=tmp_path / "adapters"), features)

    monkeypatch.setattr(cli, "_workspace", workspace)
    photos = [DEMO / "queries" / f"q_{i:04d}.jpg" for i in (1, 2)]
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in photos]
    out, copies = tmp_path / "p.csv", tmp_path / "tagged"
    assert cli.main(["locate", *map(str, photos), "--tiles", str(DEMO), "--out", str(out),
                     "--geotag-copies", str(copies), "-q"]) == 0
    confident = {r["query"] for r in csv.DictReader(out.open()) if float(r["confidence"]) >= 0.9}
    assert confident and {p.name for p in copies.iterdir()} == confident
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in photos] == before
    assert f"wrote {len(confident)} geotagged cop" in capsys.readouterr().err


def test_the_app_exports_geotagged_copies_into_a_folder(qtbot, dirs, features):  # noqa: F811
    pytest.importorskip("piexif")
    from .test_gui_first_hour import wait_idle

    w, ws = _located_window(qtbot, dirs, features, 2)
    assert w.act_export_geotag_copies.isEnabled()
    assert w.act_export_geotag_copies in w.menuBar().actions()[0].menu().actions()
    w.export_geotag_copies(dirs / "tagged")
    wait_idle(qtbot, w)
    confident = [Path(p.query.path).name for p in ws.last.predictions if p.confidence >= 0.9]
    assert sorted(p.name for p in (dirs / "tagged").iterdir()) == sorted(confident)
    assert w.message_bar.text.startswith(f"Wrote {len(confident)} geotagged cop")
    w.close()
