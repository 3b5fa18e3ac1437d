"""Smoke runs of the training/ scripts that reproduce the figures of README.md and docs/, on a small copy of the demo
(12 of its 36 tiles, 6 photos) with few steps: each must run to the end and print its table. The
figures themselves are checked elsewhere (test_demo_floors.py); here a broken script fails CI
instead of being found when someone re-runs it."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .helpers import copy_rows

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    """The demo's two western tile columns (12 of 36 tiles) and 6 photos whose centres lie on them, one
    per tile row: a third of the backbone's work of the whole tile set, same code paths."""
    root = tmp_path_factory.mktemp("small-demo") / "demo"
    tile_rows = [row for row in csv.DictReader((DEMO / "tiles.csv").open(newline=""))
                 if row["path"].endswith(("_c00.jpg", "_c01.jpg"))]
    copy_rows(DEMO, root, "tiles.csv", tile_rows, "path")
    rows = list(csv.DictReader((DEMO / "truth.csv").open(newline="")))[::18]  # 6 photos, one per tile row
    assert {row["tile"] for row in rows} <= {row["path"] for row in tile_rows}
    copy_rows(DEMO, root, "truth.csv", rows, "query")
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
    rows = [line for line in out_md.read_text().splitlines() if line.startswith("| demo (12 tiles, 6 photos)")]
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
        assert z["tile_feats"].shape == (12, 8, 1280) and z["query_feats"].shape == (6, 1280)
    out_md = tmp_path / "methods.md"
    out = _run("compare_methods.py", "--regions", "demo", "--features", str(features), "--seeds", "0",
               "--threads", "1", "--out", str(out_md))
    table = out_md.read_text()
    for method in ("vanilla rot0", "vanilla 8 rot", "best", "supervised ref."):  # the last: supervised_reference.py
        assert method in table and method in out


def test_bench_gui_scale_drives_the_window_and_prints_its_table(tmp_path):
    """The app-at-scale benchmark calls the window's done-callbacks directly: a small run keeps it
    in step with MainWindow (the figures themselves come from the 10k/100k run, bench_gui_scale.md)."""
    out_md = tmp_path / "gui.md"
    _run("bench_gui_scale.py", "--photos", "40", "--tiles", "60", "--workdir", str(tmp_path / "w"), "--out", str(out_md),
         timeout=600)
    text = out_md.read_text()
    # uiresults34: the results arrive through the window's JobRunner, the map page's load inside that step
    for step in ("add 40 photos", "results arrive (40 predictions", "select 40 photos", "scroll the photo list"):
        assert f"| {step}" in text, step
    assert "40 photos, 60 tiles" in text


def test_bench_adapt_estimate_adds_the_fixed_costs_once():
    """The paper-mode estimate is fixed + 200 x the median step after 2 warm-up steps: scaling a short
    run by 200 / N (the old method) multiplied the fixed costs and once printed 146 s for a 440-520 s run."""
    sys.path.insert(0, str(ROOT / "training"))
    try:
        from bench_adapt import estimate_full
    finally:
        sys.path.remove(str(ROOT / "training"))
    t0, c0 = 100.0, 50.0
    # 3 s of set-up, 2 warm-up steps of 5 s, 4 steps of 1, 1, 3 (an outlier) and 1 s, 2 s after the last step
    step_ends = t0 + 3 + np.cumsum([5, 5, 1, 1, 3, 1])
    cpu_ends = c0 + 6 + np.cumsum([10, 10, 2, 2, 2, 2])  # CPU: 2 per step after warm-up
    stamps = list(zip(step_ends, cpu_ends))
    wall, cpu = 3 + 16 + 2, 6 + 28 + 4
    est_wall, est_cpu, note = estimate_full(stamps, t0, c0, wall, cpu, full=200)
    # fixed = everything but steps 3..6 (21 - 6 = 15 s), plus 200 x the median of (1, 1, 3, 1) = 1 s
    assert est_wall == pytest.approx(15 + 200 * 1.0)
    assert est_cpu == pytest.approx((38 - 8) + 200 * 2.0)
    assert "estimated from 6 steps" in note and "fixed 15.0 s" in note and "200 x 1.00 s" in note
