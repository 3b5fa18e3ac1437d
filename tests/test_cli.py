"""End to end on the bundled demo region with the real offline backbone (EfficientNet-Lite0, ImageNet)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from geolocator.cli import main
from geolocator.core.queries import load_region

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"
# the tests that run the backbone (they take the cache_dir or eval_reports fixture) are the slow tier


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    """One feature cache for the whole session: the backbone runs once per demo image."""
    return tmp_path_factory.mktemp("features")


def _common(cache_dir):
    return ["--backbone", "efficientnet_lite0", "--cache-dir", str(cache_dir), "-q"]


@pytest.fixture(scope="module")
def eval_reports(cache_dir):
    """`geolocator eval DEMO --json` with verification (the default) and with `--no-verify`, each run
    once in a subprocess and shared by the two tests below (verifying 108 photos is most of the cost)."""
    reports = {}
    for flag in ([], ["--no-verify"]):
        result = subprocess.run(
            [sys.executable, "-m", "geolocator", "eval", str(DEMO), "--json", *flag, *_common(cache_dir)],
            capture_output=True, text=True, timeout=1800, cwd=ROOT,  # minutes on a loaded machine
        )
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)  # exactly one JSON document on stdout
        assert report["verified"] is (not flag)
        reports[report["verified"]] = report
    return reports


@pytest.mark.slow
def test_eval_json_is_one_object_and_well_above_chance(eval_reports):
    report = eval_reports[True]
    for key in ("r1", "r5", "r10", "ap", "median_error_m", "mean_error_m", "n_queries", "n_tiles", "backbone",
                "adapted", "seconds"):
        assert key in report
    assert report["n_tiles"] == 36 and report["n_queries"] == 108
    assert report["backbone"] == "efficientnet_lite0" and report["adapted"] is False
    # the real backbone end to end (the fast floors in test_demo_floors.py use its committed features);
    # measured 2026-11-30 with verification (the default): R@1 85.2, R@5 90.7, AP 88.1, median error 13.4 m
    assert report["r1"] >= 82 and report["r5"] >= 87 and report["ap"] >= 85
    assert report["median_error_m"] < 20 and report["median_weighted_error_m"] < 1.0
    assert report["r1"] <= report["r5"] <= report["r10"] <= 100 and report["seconds"] > 0


@pytest.mark.slow
def test_geometric_verification_lifts_r1(eval_reports):
    """Measured on the demo 2026-11-30: R@1 36.1 -> 85.2 and a refined median error of 0.12 m (planar renders)."""
    # absolute floors: a relative "+25" let a 16-point loss of the verified pipeline pass
    assert eval_reports[True]["r1"] >= 82 and 33 <= eval_reports[False]["r1"] <= 45
    assert eval_reports[True]["median_weighted_error_m"] < 1.0 and eval_reports[False]["median_error_m"] > 60


def _linked_region(root: Path, every: int, truth: bool = True) -> Path:
    """A region folder of every `every`-th demo photo (and all 36 tiles) made of symlinks: the feature
    cache keys files by their resolved path, so the backbone is not run again on the copies."""
    root.mkdir(parents=True)
    (root / "tiles").symlink_to(DEMO / "tiles", target_is_directory=True)
    shutil.copy(DEMO / "tiles.csv", root / "tiles.csv")
    rows = (DEMO / "truth.csv").read_text().splitlines()
    kept = rows[1::every]
    (root / "queries").mkdir()
    for row in kept:
        name = row.split(",")[0]
        (root / name).symlink_to(DEMO / name)
    if truth:
        (root / "truth.csv").write_text("\n".join([rows[0], *kept]) + "\n")
    return root


@pytest.mark.slow
def test_locate_writes_geojson_with_one_point_per_image(cache_dir, tmp_path, capsys):
    """A folder of 12 demo photos located with verification (the default): every photo gets a Point
    on the demo's tiles, most of them placed by the homography."""
    folder = _linked_region(tmp_path / "region", every=9) / "queries"
    tiles = load_region(DEMO).tiles.tiles
    west, east = min(t.bounds.west for t in tiles), max(t.bounds.east for t in tiles)
    south, north = min(t.bounds.south for t in tiles), max(t.bounds.north for t in tiles)
    out = tmp_path / "predictions.geojson"
    assert main(["locate", str(folder), "--tiles", str(DEMO / "tiles.csv"), "--top-k", "3",
                 "--out", str(out), *_common(cache_dir)]) == 0
    doc = json.loads(out.read_text())
    statuses = [f["properties"]["status"] for f in doc["features"] if f["geometry"]["type"] == "Point"]
    levels = [f["properties"]["level"] for f in doc["features"] if f["geometry"]["type"] == "Point"]
    not_confident = levels.count("verified but not confident")
    assert "weak match" not in levels  # the demo's photos verify well: the closing line's form below holds
    # the closing line counts what the file holds, in its levels' words (core/levels.py, session 26)
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"wrote 12 predictions to {out}: {levels.count('confident')} confident, "
        + (f"{not_confident} verified but not confident, " if not_confident else "")
        + f"{statuses.count('retrieved')} tile level only" + (f", {statuses.count('not located')} not located"
                                                               if "not located" in statuses else ""))
    points = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
    assert sorted(Path(f["properties"]["query"]).name for f in points) == sorted(p.name for p in folder.iterdir())
    assert len(points) == 12 and all(len(f["properties"]["top_k"]) == 3 for f in points)
    for f in points:  # every Point on the demo's tiles (Las Vegas), not just somewhere plausible
        lon, lat = f["geometry"]["coordinates"]
        assert west <= lon <= east and south <= lat <= north, f["properties"]
    verified = [f for f in points if f["properties"]["status"] == "verified"]
    # measured 2026-11-30 (committed demo features, same photos): 11 of these 12 verified
    assert len(verified) >= 10, [f["properties"]["status"] for f in points]
    assert all(f["properties"]["location_source"] == "homography" for f in verified)


@pytest.mark.slow
def test_index_reports_tiles_and_views(cache_dir, capsys):
    assert main(["index", str(DEMO), *_common(cache_dir)]) == 0
    assert "indexed 36 tiles x 8 views" in capsys.readouterr().out  # small set: tiles at 8 headings


@pytest.mark.slow
def test_adapt_then_eval_with_the_saved_adapter(cache_dir, tmp_path, capsys):
    adapter = tmp_path / "demo.safetensors"
    assert main(["adapt", str(DEMO), "--steps", "5", "--out", str(adapter), *_common(cache_dir)]) == 0
    assert "photos placed by geometry" in capsys.readouterr().out
    card = json.loads(adapter.with_name(adapter.name + ".json").read_text())  # the readable copy of the card
    assert card["backbone"] == "efficientnet_lite0" and card["n_queries"] == 108
    assert card["geometry"]["used"] and card["geometric_anchors"] == card["geometry"]["direct"] + card["geometry"]["chained"]
    assert len(card["anchored_photos"]) == card["geometric_anchors"]
    # the saved adapter is used: features alone (no verification) rank far better with it
    runs = {}
    for extra in ([], ["--adapter", str(adapter)]):
        assert main(["eval", str(DEMO), "--json", "--no-verify", *extra, *_common(cache_dir)]) == 0
        runs[bool(extra)] = json.loads(capsys.readouterr().out)
    assert runs[True]["geometry"] == card["geometry"] and runs[True]["mode"] == "best"
    # measured 2026-11-30: R@1 36.1 frozen; with the 5-step adapter see the assertion's message
    assert runs[True]["r1"] >= runs[False]["r1"] + 10, (runs[False]["r1"], runs[True]["r1"])


@pytest.mark.slow
def test_adaptation_never_reads_the_truth(cache_dir, tmp_path):
    """Bit-identical adapters from the same photos with and without a truth.csv, on a third of the
    demo (36 photos, symlinked: no new extraction) so that the geometry step runs in both."""
    outs, cards = [], []
    for with_truth in (True, False):
        region = _linked_region(tmp_path / f"region-{with_truth}", every=3, truth=with_truth)
        assert all((q.truth is not None) is with_truth for q in load_region(region).queries)
        out = tmp_path / f"adapter-{with_truth}.safetensors"
        # one tile view keeps the tile store small; views do not change the point
        assert main(["adapt", str(region), "--steps", "4", "--tile-views", "1", "--out", str(out),
                     *_common(cache_dir)]) == 0
        outs.append(load_file(str(out)))
        cards.append(json.loads(out.with_name(out.name + ".json").read_text()))
    # the label-free signals truth could leak into actually ran: geometric anchors were found
    assert cards[0]["n_queries"] == 36 and cards[0]["geometry"]["used"] and cards[0]["geometric_anchors"] > 0
    assert cards[0]["geometry"] == cards[1]["geometry"] and cards[0]["anchored_photos"] == cards[1]["anchored_photos"]
    assert outs[0].keys() == outs[1].keys()
    for name in outs[0]:
        np.testing.assert_array_equal(outs[0][name], outs[1][name])


def test_bad_region_gives_a_clear_error(tmp_path, capsys):
    (tmp_path / "tiles.csv").write_text("path,west,south\nx.png,1,2\n")
    assert main(["eval", str(tmp_path), "--json", "-q"]) == 2
    err = capsys.readouterr().err
    assert "tiles.csv" in err and "Traceback" not in err


@pytest.mark.slow
def test_top_k_above_the_verified_candidates_is_not_cut(cache_dir, tmp_path):
    out = tmp_path / "p.geojson"
    assert main(["locate", str(DEMO / "queries" / "q_0001.jpg"), "--tiles", str(DEMO), "--top-k", "25",
                 "--verify-candidates", "3", "--out", str(out), *_common(cache_dir)]) == 0
    point = json.loads(out.read_text())["features"][0]
    assert len(point["properties"]["top_k"]) == 25


def test_no_arguments_or_app_flags_open_the_app_and_commands_run_the_cli(monkeypatch):
    import geolocator.__main__ as entry
    import geolocator.cli as cli
    import geolocator.gui.app as app

    calls = []
    monkeypatch.setattr(cli, "main", lambda argv: calls.append(("cli", argv)) or 0)
    monkeypatch.setattr(app, "main", lambda argv: calls.append(("app", argv)) or 0)
    for argv in ([], ["--demo"], [str(DEMO / "queries")], ["eval", "region"], ["eval-u1652", "root"], ["-h"]):
        entry.main(argv)
    assert [who for who, _ in calls] == ["app", "app", "app", "cli", "cli", "cli"]
