"""Smoke runs of the training/ scripts that reproduce README figures, on a small copy of the demo
(all 36 tiles, 6 photos) with few steps: each must run to the end and print its table. The
figures themselves are checked elsewhere (test_demo_floors.py); here a broken script fails CI
instead of being found when someone re-runs it."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("small-demo") / "demo"
    shutil.copytree(DEMO / "tiles", root / "tiles")
    shutil.copy(DEMO / "tiles.csv", root / "tiles.csv")
    rows = list(csv.DictReader((DEMO / "truth.csv").open(newline="")))[::18]  # 6 photos across the region
    (root / "queries").mkdir()
    for row in rows:
        shutil.copy(DEMO / row["query"], root / row["query"])
    with (root / "truth.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("features")  # shared: the backbone runs once per image


def _run(script: str, *args: str, timeout: int = 900) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(ROOT / "training" / script), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_bench_adapt_prints_its_table_and_estimates_paper_mode_from_median_steps():
    out = _run("bench_adapt.py", "--dims", "32", "--modes", "best", "paper", "--tiles", "20", "--drones", "200",
               "--paper-steps", "5", "--threads", "1")
    rows = [line for line in out.splitlines() if line.startswith("| 32 |")]
    assert len(rows) == 2 and "| best | 60 |" in rows[0] and "| paper | 200 |" in rows[1]
    assert "estimated from 5 steps" in rows[1] and "median step after 2 warm-up steps" in rows[1]


def test_compare_pipeline_runs_every_variant(small_demo, cache_dir, tmp_path):
    out_md = tmp_path / "pipeline.md"
    out = _run("compare_pipeline.py", "--regions", str(small_demo), "--seeds", "0", "--steps", "2",
               "--cache-dir", str(cache_dir), "--out", str(out_md))
    rows = [line for line in out_md.read_text().splitlines() if line.startswith("| demo (36 tiles, 6 photos)")]
    assert len(rows) == 7  # frozen x2, paper x2, best features only, best anchored x2
    assert "| none (frozen) | yes |" in rows[1] and rows[0] in out


def test_compare_inductive_and_geometry_labels(small_demo, cache_dir, tmp_path):
    out_md = tmp_path / "inductive.md"
    _run("compare_inductive.py", "--regions", str(small_demo), "--seeds", "0", "--steps", "2",
         "--cache-dir", str(cache_dir), "--out", str(out_md))
    assert "| demo | 3 / 3 |" in out_md.read_text()
    labels_md = tmp_path / "labels.md"
    _run("geometry_labels.py", "--regions", str(small_demo), "--cache-dir", str(cache_dir), "--out", str(labels_md))
    row = [line for line in labels_md.read_text().splitlines() if line.startswith("| demo | 6 |")]
    assert len(row) == 1


def test_cache_benchmark_features_then_compare_methods(small_demo, tmp_path):
    features = tmp_path / "features"
    _run("cache_benchmark_features.py", "--benchmark", str(small_demo.parent), "--regions", "demo", "--out", str(features))
    with __import__("numpy").load(features / "demo.npz") as z:
        assert z["tile_feats"].shape == (36, 8, 1280) and z["query_feats"].shape == (6, 1280)
    out_md = tmp_path / "methods.md"
    out = _run("compare_methods.py", "--regions", "demo", "--features", str(features), "--seeds", "0",
               "--threads", "1", "--out", str(out_md))
    table = out_md.read_text()
    for method in ("vanilla rot0", "vanilla 8 rot", "best"):
        assert method in table and method in out


def test_bench_gui_scale_drives_the_window_and_prints_its_table(tmp_path):
    """The app-at-scale benchmark calls the window's done-callbacks directly: a small run keeps it
    in step with MainWindow (the figures themselves come from the 10k/100k run, bench_gui_scale.md)."""
    out_md = tmp_path / "gui.md"
    _run("bench_gui_scale.py", "--photos", "40", "--tiles", "60", "--workdir", str(tmp_path / "w"), "--out", str(out_md),
         timeout=600)
    text = out_md.read_text()
    for step in ("add 40 photos", "show the predictions", "load the map page", "select 40 photos", "scroll the photo list"):
        assert f"| {step}" in text, step
    assert "40 photos, 60 tiles" in text
