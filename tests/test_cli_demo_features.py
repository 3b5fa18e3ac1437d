"""The command line on the demo region, fast: `geolocator.cli` runs as it does for a user, with
the backbone's features served from tests/data/demo_features.npz (see tests/demo_features.py)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from PIL import Image

from geolocator import cli
from geolocator.core.model import ROTATION_VIEWS
from geolocator.core.pipeline import Settings

from . import rfc7946
from .demo_features import DEMO, DemoWorkspace, load_demo_features


@pytest.fixture(scope="module")
def features():
    return load_demo_features()


@pytest.fixture
def demo_cli(features, tmp_path, monkeypatch):
    """cli.main with the committed features instead of the backbone; returns the workspaces made."""
    made = []

    def workspace(args):
        settings = Settings(
            backbone=args.backbone, device="cpu", top_k=getattr(args, "top_k", 5),
            tile_views=None if args.tile_views is None else ROTATION_VIEWS[:: 8 // args.tile_views],
            query_views=None if getattr(args, "photo_views", None) is None else ROTATION_VIEWS[:: 8 // args.photo_views],
            verify=args.verify,
            verify_candidates=args.verify_candidates, cache_dir=tmp_path / "cache", adapter_dir=tmp_path / "adapters",
        )
        ws = DemoWorkspace(settings, features)
        made.append(ws)
        return ws

    monkeypatch.setattr(cli, "_workspace", workspace)

    def run(*argv):
        code = cli.main([*argv, "-q"])
        return code, made[-1] if made else None

    return run


def _points(path):
    doc = json.loads(path.read_text())
    return doc, {f["properties"]["query"]: f for f in doc["features"] if f["geometry"]["type"] == "Point"}


def test_locate_geojson_with_footprints_follows_rfc7946(demo_cli, tmp_path):
    plain, with_fp = tmp_path / "plain.geojson", tmp_path / "fp.geojson"
    photos = [str(DEMO / "queries" / f"q_{i:04d}.jpg") for i in (1, 40, 90)]
    assert demo_cli("locate", *photos, "--tiles", str(DEMO), "--no-verify", "--top-k", "3", "--out", str(plain))[0] == 0
    assert demo_cli("locate", *photos, "--tiles", str(DEMO), "--no-verify", "--top-k", "3", "--footprints",
                    "--out", str(with_fp))[0] == 0
    doc_plain, points_plain = _points(plain)
    doc_fp, points_fp = _points(with_fp)
    assert rfc7946.validate(plain.read_text()) == [] and rfc7946.validate(with_fp.read_text()) == []
    assert [f["geometry"]["type"] for f in doc_plain["features"]] == ["Point"] * 3
    polygons = [f for f in doc_fp["features"] if f["geometry"]["type"] == "Polygon"]
    matched = {t for f in points_fp.values() for t in (m["tile"] for m in f["properties"]["top_k"])}
    assert {f["properties"]["tile"] for f in polygons} == matched  # one footprint per matched tile
    assert points_plain == points_fp
    # each footprint is its tile's bounds from tiles.csv
    rows = {r["path"]: r for r in csv.DictReader((DEMO / "tiles.csv").open())}
    for f in polygons:
        row = rows[f["properties"]["tile"]]
        lons = [p[0] for p in f["geometry"]["coordinates"][0]]
        lats = [p[1] for p in f["geometry"]["coordinates"][0]]
        assert min(lons) == pytest.approx(float(row["west"]), abs=1e-7)
        assert max(lats) == pytest.approx(float(row["north"]), abs=1e-7)


def test_rfc7946_checker_catches_what_it_claims():
    ok = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [-115.2, 36.1]}},
        {"type": "Feature", "properties": None,
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}},
    ]}
    assert rfc7946.validate(ok) == []
    bad = json.loads(json.dumps(ok))
    bad["features"][0]["geometry"]["coordinates"] = [36.1, -115.2]  # lat, lon swapped
    assert any("out of range" in p for p in rfc7946.validate(bad))
    bad = json.loads(json.dumps(ok))
    bad["features"][1]["geometry"]["coordinates"][0].reverse()  # clockwise exterior
    assert any("counter-clockwise" in p for p in rfc7946.validate(bad))
    bad = json.loads(json.dumps(ok))
    bad["features"][1]["geometry"]["coordinates"][0].pop()  # not closed
    assert any("closed" in p for p in rfc7946.validate(bad))
    assert any("crs" in p for p in rfc7946.validate({**ok, "crs": {"type": "name"}}))
    assert any("NaN" in p for p in rfc7946.validate(json.dumps(ok).replace("-115.2", "NaN")))


def test_locate_csv_output_matches_the_geojson(demo_cli, tmp_path, capsys):
    out_csv, out_json = tmp_path / "p.csv", tmp_path / "p.geojson"
    folder = str(DEMO / "queries")
    assert demo_cli("locate", folder, "--tiles", str(DEMO / "tiles.csv"), "--no-verify", "--out", str(out_csv))[0] == 0
    # the closing line says how the file's photos were placed, counted here from the file itself
    # (session 13: it said only "wrote 108 predictions", and a volunteer had to open the file to know)
    statuses = [r["status"] for r in csv.DictReader(out_csv.open(newline=""))]
    located = statuses.count("retrieved")
    tail = f", {statuses.count('not located')} not located" if "not located" in statuses else ""
    assert located + statuses.count("not located") == 108  # --no-verify: nothing is verified
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"wrote 108 predictions to {out_csv}: 0 confident, {located} tile level only{tail}")
    assert demo_cli("locate", folder, "--tiles", str(DEMO / "tiles.csv"), "--no-verify", "--out", str(out_json))[0] == 0
    rows = list(csv.DictReader(out_csv.open(newline="")))
    _, points = _points(out_json)
    assert len(rows) == 108 == len(points)
    for row in rows:
        lon, lat = points[row["query"]]["geometry"]["coordinates"]
        assert float(row["lat"]) == pytest.approx(lat, abs=1e-7) and float(row["lon"]) == pytest.approx(lon, abs=1e-7)
    # the demo folder has no truth beside it when given as a folder of photos: no error column values
    assert all(r.get("error_m", "") == "" for r in rows)


def test_eval_adapt_saves_the_adapter_it_evaluated_and_locate_adapter_changes_results(demo_cli, tmp_path, capsys):
    saved = tmp_path / "demo.safetensors"
    common = ("--no-verify", "--json")
    assert demo_cli("eval", str(DEMO), *common)[0] == 0
    frozen = json.loads(capsys.readouterr().out)
    code, ws = demo_cli("eval", str(DEMO), *common, "--adapt", "--steps", "12", "--save-adapter", str(saved))
    assert code == 0
    adapted = json.loads(capsys.readouterr().out)
    assert adapted["adapted"] and adapted["mode"] == "best"
    assert ws.adapter is not None and ws.adapter.card["steps"] == 12 and saved.exists()
    # the saved file is the adapter eval used: evaluating with it gives the same figures
    assert demo_cli("eval", str(DEMO), *common, "--adapter", str(saved))[0] == 0
    reloaded = json.loads(capsys.readouterr().out)
    assert {k: reloaded[k] for k in ("r1", "r5", "r10", "ap")} == {k: adapted[k] for k in ("r1", "r5", "r10", "ap")}
    assert (adapted["r1"], adapted["ap"]) != (frozen["r1"], frozen["ap"])  # adaptation changed the ranking
    assert frozen["adapted"] is False and "mode" not in frozen

    # locate --adapter: the adapter changes which tiles are found
    a, b = tmp_path / "frozen.geojson", tmp_path / "adapted.geojson"
    photos = str(DEMO / "queries")
    assert demo_cli("locate", photos, "--tiles", str(DEMO), "--no-verify", "--out", str(a))[0] == 0
    assert demo_cli("locate", photos, "--tiles", str(DEMO), "--no-verify", "--adapter", str(saved), "--out", str(b))[0] == 0
    tops_a = {q: f["properties"]["tile"] for q, f in _points(a)[1].items()}
    tops_b = {q: f["properties"]["tile"] for q, f in _points(b)[1].items()}
    assert tops_a.keys() == tops_b.keys() and sum(tops_a[q] != tops_b[q] for q in tops_a) >= 5


def test_locate_refuses_an_adapter_of_another_backbone(demo_cli, tmp_path, features, capsys):
    from geolocator.core.adapt import adapt

    other = adapt(features["tiles"][:6], features["photos"][:12], mode="best", steps=1, device="cpu")
    path = tmp_path / "other.safetensors"
    other.save(path, {"backbone": "dinov2_vits14"})
    code, _ = demo_cli("locate", str(DEMO / "queries" / "q_0001.jpg"), "--tiles", str(DEMO), "--no-verify",
                       "--adapter", str(path))
    assert code == 2
    err = capsys.readouterr().err
    assert "dinov2_vits14" in err and "Traceback" not in err


def _xyz_tile(root, z, x, y):
    path = root / str(z) / str(x) / f"{y}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (16, 16), "gray").save(path)


def test_tms_and_epsg_reach_the_tile_set_through_the_cli(demo_cli, tmp_path, monkeypatch):
    from geolocator.core import tilesets
    from geolocator.core.geo import xyz_tile_bounds

    opened = []
    real = tilesets.load_tileset

    def spy(*args, **kwargs):
        ts = real(*args, **kwargs)
        opened.append(ts)
        return ts

    monkeypatch.setattr(tilesets, "load_tileset", spy)
    # index on a non-demo tile set: the fake workspace serves only the demo's features, so stop at index
    # (it opens the store as the real index does: `geolocator index` names the store's folder)
    monkeypatch.setattr(DemoWorkspace, "index",
                        lambda self, **_: (setattr(self, "_store", self.open_store()),
                                           np.zeros((len(self.tileset), 1, 4), np.float32))[1])
    xyz = tmp_path / "xyz"
    _xyz_tile(xyz, 3, 2, 1)
    assert demo_cli("index", str(xyz))[0] == 0
    assert demo_cli("index", str(xyz), "--tms")[0] == 0
    assert opened[0].tiles[0].bounds == xyz_tile_bounds(3, 2, 1)
    assert opened[1].tiles[0].bounds == xyz_tile_bounds(3, 2, 6)  # TMS row 1 is XYZ row 2**3 - 1 - 1

    wf = tmp_path / "wf"
    wf.mkdir()
    Image.new("RGB", (100, 50), "gray").save(wf / "a.png")
    (wf / "a.pgw").write_text("10\n0\n0\n-10\n500005\n5500995\n")
    assert demo_cli("index", str(wf))[0] == 2  # a world file needs its EPSG code
    assert demo_cli("index", str(wf), "--epsg", "32633")[0] == 0
    assert opened[-1].tiles[0].bounds.west == pytest.approx(15.0, abs=1e-9)  # UTM 33N central meridian
    assert demo_cli("index", str(wf), "--epsg", "32611")[0] == 0
    assert opened[-1].tiles[0].bounds.west == pytest.approx(-117.0, abs=1e-9)  # zone 11N: another place


def test_eval_headline_is_the_points_error_and_the_json_keys_keep_their_meaning(demo_cli, capsys):
    """The human output led with "error: median 12.9 m" (the top tile centre's) while the exported
    Point's was 0.10 m; --json keeps median_error_m (tile centre) and median_error_best_m (Point)."""
    from geolocator.core.geo import format_distance

    assert demo_cli("eval", str(DEMO), "--no-verify", "--json")[0] == 0
    report = json.loads(capsys.readouterr().out)
    # metres and percentages, every one rounded alike (0.09877941714759012 sat beside 12.94)
    assert all(v == round(v, 2) for v in report.values() if isinstance(v, float))
    assert {"median_error_best_m", "within_5m_pct", "median_weighted_error_m"} <= set(report)
    assert demo_cli("eval", str(DEMO), "--no-verify")[0] == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    point = next(i for i, line in enumerate(lines) if line.startswith("Point error: median"))
    assert lines[point].startswith(f"Point error: median {format_distance(report['median_error_best_m'])}, mean ")
    assert lines[point + 1].startswith(f"top tile centre error: median {format_distance(report['median_error_m'])}")
    assert not any(line.startswith("error: median") for line in lines)


def test_locate_lines_agree_with_the_geojson_and_never_show_a_confidence_of_one(demo_cli, tmp_path, capsys):
    """Without --out, one tab-separated line per photo: the Point, the tile and a confidence written
    as the other outputs write it (export.format_confidence: 0.997 is not '1.00')."""
    photos, out_json = [str(p) for p in sorted((DEMO / "queries").glob("*.jpg"))[:8]], tmp_path / "p.geojson"
    assert demo_cli("locate", *photos, "--tiles", str(DEMO / "tiles.csv"), "--out", str(out_json))[0] == 0
    capsys.readouterr()
    assert demo_cli("locate", *photos, "--tiles", str(DEMO / "tiles.csv"))[0] == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines() if line.count("\t") >= 5]
    _, points = _points(out_json)
    assert len(lines) == 8
    for query, lat, lon, tile, _score, conf, *_ in lines:
        props = points[query]["properties"]
        assert (float(lon), float(lat)) == pytest.approx(tuple(points[query]["geometry"]["coordinates"]), abs=1e-7)
        assert tile == props["tile"] and float(conf.split("=")[1]) == pytest.approx(props["confidence"], abs=0.005)
    shown = [conf.split("=")[1] for *_, conf, _status in lines]
    assert "1.00" not in shown and any(c.startswith("0.99") for c in shown)  # verified demo photos: 0.99x
