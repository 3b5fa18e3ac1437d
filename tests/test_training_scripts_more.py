"""Smoke runs of the other training/ scripts that reproduce committed figures (test_training_scripts.py
has the first seven; a second file so pytest-xdist can run the two on different workers). Each runs to
the end on tiny inputs (the demo copy of test_training_scripts.small_demo plus its poses.csv, or
synthetic data the script makes itself, with its small-size flags) and the table it prints must have
its rows and columns; every file it writes goes under tmp_path (TMPDIR too). Figures are not checked
here: they depend on the sizes."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import copy_rows

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"
WHEEL = ROOT / "data" / "cache" / "solaris-0.4.0-py3-none-any.whl"  # make_public_benchmark.py keeps it there
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    """test_training_scripts.small_demo (12 tiles, 6 photos) with the demo's poses.csv (the flight
    metadata compare_footprint_scale and calibration --altitude simulate)."""
    root = tmp_path_factory.mktemp("small-demo") / "demo"
    tile_rows = [row for row in csv.DictReader((DEMO / "tiles.csv").open(newline=""))
                 if row["path"].endswith(("_c00.jpg", "_c01.jpg"))]
    copy_rows(DEMO, root, "tiles.csv", tile_rows, "path")
    copy_rows(DEMO, root, "truth.csv", list(csv.DictReader((DEMO / "truth.csv").open(newline="")))[::18], "query")
    shutil.copy(DEMO / "poses.csv", root / "poses.csv")
    return root


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("features")  # shared: the backbone runs once per image view


def _run(script: str, *args: str, tmp: Path, timeout: int = 600, env: dict | None = None) -> str:
    (tmp / "tmpdir").mkdir(exist_ok=True)  # the scripts' temporary folders land under tmp_path
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "TMPDIR": str(tmp / "tmpdir"), **(env or {})}
    proc = subprocess.run([sys.executable, str(ROOT / "training" / script), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _table(text: str, header_start: str) -> tuple[list[str], list[list[str]]]:
    """The markdown table whose header row starts with `header_start`: (columns, rows of cells)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    cells = lambda line: [c.strip() for c in line.strip().strip("|").split("|")]  # noqa: E731
    header = cells(lines[start])
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(cells(line))
        assert len(rows[-1]) == len(header), line
    return header, rows


def test_compare_honest_prints_both_verification_rules(small_demo, cache_dir, tmp_path):
    out_md = tmp_path / "honest.md"
    out = _run("compare_honest.py", "--regions", str(small_demo), "--cache-dir", str(cache_dir), "--out", str(out_md),
               tmp=tmp_path)
    header, rows = _table(out_md.read_text(), "| region | verification rule |")
    assert header[2:5] == ["R@1", "median error, tile centre (m)", "median error, Point (m)"] and len(header) == 10
    assert [r[0] for r in rows] == ["demo (12 tiles, 6 photos)"] * 2
    assert [r[1].split(":")[0] for r in rows] == ["before", "after"]
    assert all(r[6].endswith("/6") for r in rows)  # verified of 6 photos
    assert "| demo (12 tiles, 6 photos) | after" in out


def test_compare_footprint_scale_without_and_with_flight_altitude(small_demo, cache_dir, tmp_path):
    out_md = tmp_path / "footprint.md"
    _run("compare_footprint_scale.py", "--regions", str(small_demo), "--cache-dir", str(cache_dir), "--out", str(out_md),
         tmp=tmp_path)
    header, rows = _table(out_md.read_text(), "| region | verify-widen | altitude |")
    assert len(header) == 14 and header[4] == "R@1" and header[-1] == "locate (s)"
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [("demo", "off", "off", "6"), ("demo", "off", "on", "6")]
    assert all(re.fullmatch(r"\d+ / \d+ of 12", r[11]) for r in rows)  # global rank of the photo's tile


def test_calibration_writes_its_report_records_and_plot_where_told(small_demo, cache_dir, tmp_path):
    results = tmp_path / "results"
    out = _run("calibration.py", "--regions", str(small_demo), "--modes", "frozen", "best", "--altitude", str(small_demo),
               "--cache-dir", str(cache_dir), "--results", str(results), "--fit", tmp=tmp_path)
    assert "verified:" in out and "maximum likelihood: midpoint" in out
    text = (results / "calibration.md").read_text()
    header, rows = _table(text, "| region | mode | photos |")
    assert len(header) == 10 and header[-1] == "ECE"
    assert [(r[0], r[1], r[2]) for r in rows] == [("demo", "best", "6"), ("demo", "frozen", "6"),
                                                  ("demo+altitude", "frozen", "6"), ("all", "best", "6"),
                                                  ("all", "frozen", "12"), ("all", "all", "18")]
    assert "## Reliability diagram (all photos)" in text and "## Which estimate for an unverified photo" in text
    with (results / "calibration_records.csv").open() as f:
        assert len(list(csv.DictReader(f))) == 18
    # re-scored from the records it just wrote, locating nothing
    again = _run("calibration.py", "--from-records", "--results", str(results), tmp=tmp_path)
    assert [r[:3] for r in _table(again, "| region | mode | photos |")[1]] == [r[:3] for r in rows]
    if (results / "calibration.png").exists():  # matplotlib (the dev extra)
        assert (results / "calibration.png").stat().st_size > 1000


def test_compare_matchers_sift_on_a_few_photos(small_demo, cache_dir, tmp_path):
    out_md = tmp_path / "matchers.md"
    _run("compare_matchers.py", "--regions", str(small_demo), "--matchers", "sift", "--modes", "frozen", "paper", "best",
         "--steps", "2", "--photos", "3", "--cache-dir", str(cache_dir), "--out", str(out_md), tmp=tmp_path)
    header, rows = _table(out_md.read_text(), "| region | tiles | photos |")
    assert header[4:9] == ["global R@1", "recall@5", "recall@10", "recall@20", "recall@40"] and len(header) == 13
    assert [(r[0], r[1], r[2], r[3].split(" ")[0], r[9]) for r in rows] == [
        ("demo", "12", "3", mode, "sift") for mode in ("frozen", "paper", "best")]


def test_compare_photo_rotation_both_layouts_with_and_without_adaptation(small_demo, cache_dir, tmp_path):
    out_md = tmp_path / "rotation.md"
    _run("compare_photo_rotation.py", "--regions", str(small_demo), "--steps", "2", "--cache-dir", str(cache_dir),
         "--out", str(out_md), tmp=tmp_path)
    header, rows = _table(out_md.read_text(), "| region | layout | forward passes |")
    assert len(header) == 10 and header[5:8] == ["R@1", "R@5", "AP"]
    # forward passes = tiles x tile views + photos x photo views
    assert [(r[1].split(":")[0], r[2], r[3], r[4]) for r in rows] == [
        (layout, passes, adapt, verify) for layout, passes in (("before", "102"), ("after", "60"))
        for adapt in ("none", "best") for verify in ("no", "yes")]


def test_photo_rotation_cause_and_rotation_layouts(small_demo, cache_dir, tmp_path):
    cause = tmp_path / "cause.md"
    _run("photo_rotation_cause.py", "--regions", str(small_demo), "--cache-dir", str(cache_dir), "--out", str(cause),
         tmp=tmp_path)
    text = cause.read_text()
    _, headings = _table(text, "| region | relative heading |")
    assert [r[1] for r in headings] == [str(45 * k) for k in range(8)] and all(len(r) == 5 for r in headings)
    header, totals = _table(text, "| region | layout | passes per tile / photo |")
    assert header[3:] == ["R@1", "R@5", "AP"] and len(totals) == 7
    layouts = tmp_path / "layouts.md"
    _run("rotation_layouts.py", "--regions", str(small_demo), "--cache-dir", str(cache_dir), "--out", str(layouts),
         tmp=tmp_path)
    header, rows = _table(layouts.read_text(), "| region | layout |")
    assert header[3:] == ["R@1", "R@5", "AP"] and len(rows) == 8  # 7 layouts, one also with float16 tiles
    assert sum("float16" in r[1] for r in rows) == 1
