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
import tempfile
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


def _run(script: str, *args: str, tmp: Path, timeout: int = 300, env: dict | None = None) -> str:
    # The default feature cache / adapter / settings folders (platformdirs) under tmp_path. The
    # temporary folder is a short one of its own: multiprocessing's AF_UNIX sockets live there, and
    # a path past 107 bytes (tmp_path under an xdist worker) made bench_extract's loader hang.
    short_tmp = tempfile.mkdtemp(prefix="gl-")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "TMPDIR": short_tmp,
           **{f"XDG_{kind}_HOME": str(tmp / f"xdg-{kind.lower()}") for kind in ("CACHE", "DATA", "CONFIG")}, **(env or {})}
    try:
        proc = subprocess.run([sys.executable, str(ROOT / "training" / script), *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout)
    finally:
        shutil.rmtree(short_tmp, ignore_errors=True)
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
    out = _run("calibration.py", "--regions", str(small_demo), "--modes", "frozen", "best", "--steps", "2",
               "--altitude", str(small_demo),
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
    _run("compare_matchers.py", "--regions", str(small_demo), "--matchers", "sift", "sift:mosaic=1,widen=12",
         "--modes", "frozen", "paper", "best",
         "--steps", "2", "--photos", "3", "--cache-dir", str(cache_dir), "--out", str(out_md), tmp=tmp_path)
    header, rows = _table(out_md.read_text(), "| region | tiles | photos |")
    assert header[4:9] == ["global R@1", "recall@5", "recall@10", "recall@20", "recall@40"] and len(header) == 17
    assert header[16] == "confidence >= 0.9: right / shown"
    assert header[10:12] == ["verified / photo", "recall verified"]
    assert [(r[0], r[1], r[2], r[3].split(" ")[0], r[9]) for r in rows] == [
        ("demo", "12", "3", mode, matcher) for mode in ("frozen", "paper", "best")
        for matcher in ("sift", "sift:mosaic=1,widen=12")]
    # SIFT verifies every candidate: all 12 tiles of the small set, so the list reaches every true tile there is
    assert {r[10] for r in rows} == {"12.0"} and len({r[11] for r in rows}) == 1


def test_compare_matchers_learned_rows_on_a_subset_of_the_route_photos(small_demo, cache_dir, tmp_path):
    """--learned-photos with --thin: `auto` (the product's route) scores every photo, a learned backend
    an evenly spaced subsample of them, thinned, in the same workspace (one adaptation per mode)."""
    out_md, per_photo = tmp_path / "matchers.md", tmp_path / "photos"
    _run("compare_matchers.py", "--regions", str(small_demo), "--matchers", "auto", "xfeat-mnn:widen=0",
         "--modes", "frozen", "--anchor-matcher", "auto", "--widen", "-1", "--learned-photos", "4", "--thin", "2",
         "--cache-dir", str(cache_dir), "--per-photo", str(per_photo), "--out", str(out_md), tmp=tmp_path)
    _, rows = _table(out_md.read_text(), "| region | tiles | photos |")
    # small_demo: 12 tiles, 6 photos; auto scores all 6, xfeat-mnn 2
    assert [(r[0], r[1], r[2], r[3], r[9]) for r in rows] == [
        ("demo", "12", "6", "frozen", "auto"), ("demo", "12", "2", "frozen", "xfeat-mnn:widen=0")]
    # the learned row's global R@1 is over its own 2 photos: a multiple of 50
    assert rows[1][4] in {"0.0", "50.0", "100.0"}

    def photos(name):
        return [row["photo"] for row in csv.DictReader((per_photo / name).open(newline=""))]

    every = photos("demo-frozen-auto.csv")
    # 4 evenly spaced of 6 photos: positions 0, 5/3, 10/3, 5 rounded: 0, 2, 3, 5; one in 2 of them (--thin 2):
    # 0 and 3. --thin does not thin auto's photos (all 6)
    assert len(every) == 6 and photos("demo-frozen-xfeat-mnn_widen=0.csv") == [every[0], every[3]]


def test_compare_photo_rotation_both_layouts_with_and_without_adaptation(small_demo, cache_dir, tmp_path):
    out_md = tmp_path / "rotation.md"
    _run("compare_photo_rotation.py", "--regions", str(small_demo), "--steps", "2", "--cache-dir", str(cache_dir),
         "--out", str(out_md), tmp=tmp_path)
    header, rows = _table(out_md.read_text(), "| region | layout | forward passes |")
    assert len(header) == 11 and header[4] == "labels (direct + chained)" and header[6:9] == ["R@1", "R@5", "AP"]
    # forward passes = tiles x tile views + photos x photo views (12 tiles, 6 photos)
    assert [(r[1], r[2], r[3], r[5]) for r in rows] == [
        (layout, passes, adapt, verify) for layout, passes in (("tiles x8, photo x1", "102"), ("tiles x1, photo x8", "60"))
        for adapt in ("none", "best") for verify in ("no", "yes")]
    # frozen rows have no labels; adapted rows count direct + chained labels, at most the 6 photos
    assert all(r[4] == "-" for r in rows if r[3] == "none")
    assert all(sum(map(int, r[4].split(" + "))) <= 6 for r in rows if r[3] == "best")
    # finer photo headings: 12 views each, 12 + 6 x 12 passes
    finer = tmp_path / "finer.md"
    _run("compare_photo_rotation.py", "--regions", str(small_demo), "--layouts", "after", "--photo-views", "12",
         "--no-adapt", "--verify-candidates", "5", "--fine-candidates", "3", "--cache-dir", str(cache_dir),
         "--out", str(finer), tmp=tmp_path)
    # --fine-candidates (session 9) reaches the verifier that verified (read back from it: open_tiles
    # drops a verifier set up before it)
    assert "SIFT's fine pass reached the first 3 verified candidates" in finer.read_text()
    _, rows = _table(finer.read_text(), "| region | layout | forward passes |")
    assert [(r[1], r[2], r[3], r[5]) for r in rows] == [("tiles x1, photo x12", "84", "none", v) for v in ("no", "yes")]


def test_compare_photo_rotation_verifies_more_candidates_in_the_photo_layout(small_demo, cache_dir, tmp_path):
    # --after-candidates (session 12): the photo-rotated layout verifies its own count (25 against
    # tiles x8's 20 in sessions 10-12) in the same call; read back from each verifier's fine pass,
    # which reaches max(20, verified) candidates (Workspace.verifier): 21 and 23 here
    out_md = tmp_path / "after.md"
    _run("compare_photo_rotation.py", "--regions", str(small_demo), "--no-adapt", "--photo-views", "4",
         "--verify-candidates", "21", "--after-candidates", "23", "--cache-dir", str(cache_dir),
         "--out", str(out_md), tmp=tmp_path)
    text = out_md.read_text()
    assert "21 tiles verified per photo (23 in the photo-rotated layouts)" in text
    assert "SIFT's fine pass reached the first 21 / 23 verified candidates" in text
    _, rows = _table(text, "| region | layout | forward passes |")
    assert [r[1] for r in rows] == ["tiles x8, photo x1"] * 2 + ["tiles x1, photo x4"] * 2


def test_photo_rotation_photo_probe_describes_the_photo_and_ranks_every_photo(small_demo, cache_dir, tmp_path):
    # session 12: one photo's ranks, winning view pairs and E-step labels in both layouts, then the
    # ranking variants of the adapted photo views over every photo (6 here)
    out = _run("photo_rotation_photo_probe.py", "--region", str(small_demo), "--cache-dir", str(cache_dir),
               "--store", str(tmp_path / "probe"), "--photo", "q_0001", "--photo-views", "4", tmp=tmp_path)
    assert "### tiles x8: q_0001" in out and "### photo x4: q_0001" in out
    # one E-step line per round (mode best: 5 rounds) in each layout
    assert len(re.findall(r"^  round \d: ", out, flags=re.M)) == 2 * 5
    _, rows = _table(out, "| ranking | R@1 all |")
    assert len(rows) == 5 and all(0.0 <= float(r[1]) <= float(r[2]) <= 100.0 for r in rows)
    # with 4 photo headings every heading is a quarter turn: that variant is the shipped max exactly
    assert rows[0][0].startswith("max over all photo headings") and rows[1][0].startswith("max over the 4 quarter")
    assert rows[0][1:] == rows[1][1:]
    assert 1 <= int(rows[0][5]) <= 12  # the photo's tile rank among the 12 tiles


def test_photo_rotation_diff_adapts_each_layout_and_reports_its_labels(small_demo, cache_dir, tmp_path):
    # --adapt (session 9): each layout adapted (mode best) before its candidates are verified, with
    # one Verifier per layout (--own-verifiers), then how many photos each adaptation labelled
    out = _run("photo_rotation_diff.py", "--region", str(small_demo), "--cache-dir", str(cache_dir),
               "--photo-views", "12", "--photo-candidates", "25", "--adapt", "--steps", "2", "--own-verifiers",
               "--explain", tmp=tmp_path)
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| layout | passes/photo |"))
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[header + 1:header + 3]]
    # layout and forward passes per photo: the photo once with tiles x8, 12 headings in photo x12;
    # every row has its verified R@1 (a number, not "-": verification ran)
    assert [(r[0], r[1]) for r in rows] == [("tiles x8", "1"), ("photo x12", "12")]
    assert all(len(r) == 13 and 0.0 <= float(r[8]) <= 100.0 for r in rows)
    # one labels line per layout, right + wrong = labelled <= the 6 photos of the small demo
    labels = [re.fullmatch(r"(tiles x8|photo x12): geometric labels (\d+) of (\d+), right (\d+), wrong (\d+)", line)
              for line in lines]
    labels = [m.groups() for m in labels if m]
    assert [m[0] for m in labels] == ["tiles x8", "photo x12"]
    assert all(m[2] == "6" and int(m[3]) + int(m[4]) == int(m[1]) <= 6 for m in labels)


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


def test_bench_extract_on_a_few_procedural_images(tmp_path):
    out = _run("bench_extract.py", "--procedural", "--images", "8", "--repeats", "1", "--batch", "4", "--workers", "1",
               tmp=tmp_path)
    assert "images: 8 procedural 320x320 JPEGs; 1 interleaved repeats" in out
    rows = {m.group(1).strip(): float(m.group(2)) for m in re.finditer(r"^(.{58}) +([\d.]+) +[\d.]+$", out, re.M)}
    assert list(rows) == ["raw timm forward_features (pre-decoded tensors)",
                          "extract_features, cold cache (decode+model+write)", "extract_features, no cache",
                          "extract_features, no cache, 1 decode thread (once)",
                          "DataLoader(1 worker processes) + encode (once)", "extract_features, warm cache (re-index)"]
    assert all(v > 0 for v in rows.values())
    assert "(a) pipeline / raw forward throughput:" in out and "(b) re-index speed-up, warm / cold cache:" in out


def test_bench_georef_on_small_tile_sets(tmp_path):
    out = _run("bench_georef.py", "--tiles", "10", "--side", "600", tmp=tmp_path)
    assert re.search(r"^XYZ folder, 10 RGB tiles:  open [\d.]+ s$", out, re.M)
    assert re.search(r"^XYZ folder, 10 RGBA tiles: open [\d.]+ s$", out, re.M)
    assert re.search(r"^GeoTIFF 600x600 RGBA, 50 m windows: open [\d.]+ s, \d+ tiles kept$", out, re.M)
    for name in ("GeoTIFF window 250 px (mask read)", "PNG tile RGB", "PNG tile RGBA (masked)"):
        assert re.search(rf"^decode {re.escape(name)}: [\d.]+ ms$", out, re.M), name


def test_bench_scale_one_small_size(small_demo, tmp_path):
    out_md = tmp_path / "scale.md"
    _run("bench_scale.py", "--sizes", "300", "--real", "8", "--verify-photos", "2", "--verify-region", str(small_demo),
         "--adapt-steps", "2", "--photos", "4", "--workdir", str(tmp_path / "work"), "--out", str(out_md), tmp=tmp_path)
    text = out_md.read_text()
    assert "Real extraction, 8 tiles: raw model" in text
    header, rows = _table(text, "| tiles | store (GB) |")
    assert len(header) == 13 and header[7] == "locate (s/photo)" and header[10] == "adapt (s, pool)"
    assert len(rows) == 1 and rows[0][0] == "300" and rows[0][4] == "flat" and rows[0][9] == "exact"
    assert re.fullmatch(r"[\d.]+ \(300\)", rows[0][10]) and "nan" not in rows[0][8]
    assert out_md.with_suffix(".png").exists() or "matplotlib is not installed" in text


def test_bench_stages_on_the_small_demo(small_demo, tmp_path):
    out = _run("bench_stages.py", "--region", str(small_demo), "--steps", "2", tmp=tmp_path)
    assert f"region {small_demo.name}" in out
    sections = out.split("\nadapt + locate: ")
    assert len(sections) == 2 and "\nopen (cold cache): " in sections[0]
    stages = [{m.group(1): int(m.group(2)) for m in re.finditer(r"^(\S+) +(\d+) +[\d.]+ +[\d.]+$", s, re.M)}
              for s in sections]
    assert stages[0]["extract:tiles"] == 12 and stages[0]["extract:queries"] == 6
    assert stages[1]["adapt"] == 2 and stages[1]["verify"] == 6


def test_bench_tile_packages_small(tmp_path):
    out = _run("bench_tile_packages.py", "--side", "16", tmp=tmp_path)  # it reads 200 random tiles: side >= 15
    assert "256 tiles of 256 px at zoom 18" in out
    for kind in ("mbtiles", "pmtiles", "gpkg"):
        assert re.search(rf"^  {kind} +list 256 tiles: [\d.]+ s CPU .* read \+ decode one tile: [\d.]+ ms CPU$", out,
                         re.M), kind
    assert re.search(r"^  fetch 256 tiles, server latency 20 ms, concurrency 4: .*max in flight [1-4]$", out, re.M)


def test_bench_video_short_clips(tmp_path):
    out_txt = tmp_path / "video.txt"
    _run("bench_video.py", "--seconds", "2", "--fps", "5", "--out", str(out_txt), tmp=tmp_path)
    command, *lines = out_txt.read_text().splitlines()
    assert command.startswith("# ") and "bench_video.py --seconds 2 --fps 5" in command  # its own command (session 26)
    rows = [re.match(r"4K clip ([\d.]+) s @ 5 fps .* -> (\d+) frames, (\S+) *: peak RSS \d+ MB", line) for line in lines[:4]]
    assert all(rows), lines
    assert [(m.group(1), m.group(2), m.group(3)) for m in rows] == [
        ("1", "1", "product"), ("1", "1", "keep-full"), ("2", "2", "product"), ("2", "2", "keep-full")]
    assert "frame cache" in lines[0] and lines[4].startswith("product = media.video")


def test_bench_decode_memory_main_writes_its_table(tmp_path):
    """tests/test_decode_memory.py runs the probe (measure); this runs main, on the one image under 30 MP."""
    out_md = tmp_path / "decode.md"
    _run("bench_decode_memory.py", "--max-mp", "30", "--out", str(out_md), tmp=tmp_path)
    header, rows = _table(out_md.read_text(), "| image | budget |")
    assert header == ["image", "budget", "result", "peak growth (MB)"]
    assert len(rows) == 1 and rows[0][0].startswith("JPEG RGB 6000x4000") and rows[0][1:3] == ["on", "decoded 6000x4000"]


PHASE_ROW = r"^(\w+) +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +(?:[\d.]+ \(\d+/\d+\)|no truth) +\d+ +\d+ +\d+ +\d+ +\d+$"
# each phase's longest stall split by the UI thread's scheduler figures (Linux; nan elsewhere)
SPLIT_ROW = r"^(\w+) +\d+ +(?:\d+|nan) +(?:\d+|nan) +(?:\d+|nan)(?:  .*)?$"


def test_bench_gui_offscreen_on_the_small_demo(small_demo, cache_dir, tmp_path):
    answers = tmp_path / "answers.tsv"
    out = _run("bench_gui.py", "--runs", "1", "--steps", "2", "--region", str(small_demo), "--cache", str(cache_dir),
               "--platform", "offscreen", "--answers", str(answers), tmp=tmp_path, env={"QTWEBENGINE_DISABLE_SANDBOX": "1"})
    assert re.search(r"^time to visible window: median [\d.]+ s \(runs: [\d.]+\); torch imported by then: False", out, re.M)
    assert "demo: 12 tiles, 6 drone images, backbone efficientnet_lite0, 2 adaptation steps, outcome done" in out
    # phase, seconds, CPU s, s/photo, CPU s/photo, R@1 of the answers (right/scored), ticks, longest
    # stall ms, p99 ms, stalls > 50 ms, stalls > 100 ms
    phases = re.findall(PHASE_ROW, out, re.M)
    assert phases == ["open", "adapt"] and "longest stall while adapting:" in out
    assert re.findall(SPLIT_ROW, out, re.M) == ["open", "adapt"]
    # where each phase's time went: a row per stage named by its progress message, numbers left out
    assert re.search(r"^open +geometric verification +[\d.]+ +[\d.]+ +[\d.]+$", out, re.M)
    assert re.search(r"^adapt +matching photos to tiles +[\d.]+ +[\d.]+ +[\d.]+$", out, re.M)
    # an extraction's "done: 0 failed" is the time after that stage, named by it (the window's job-wide
    # events name the stage in their metrics); it read "done: failed" when nothing had failed (session 29)
    assert re.search(r"^open +after indexing tiles +[\d.]+ +[\d.]+ +[\d.]+$", out, re.M)
    assert "failed" not in out and "job" not in out.split("where each phase's time went")[1]
    # --answers: each photo's answer after each phase, and the Adapt phase's geometric labels
    rows = [line.split("\t") for line in answers.read_text(encoding="utf-8").splitlines()]
    shown = [r for r in rows if r[0] == "answer"]
    assert sorted({(r[1], len(r)) for r in shown}) == [("adapt", 5), ("open", 5)]
    for phase in ("open", "adapt"):
        assert len([r for r in shown if r[1] == phase]) == 6 and all(r[4] in ("True", "False", "None") for r in shown)
    labels = [r for r in rows if r[0] == "label"]
    assert labels and all(len(r) == 7 and r[1] == "1" and r[6] in ("True", "False", "None") for r in labels)
    assert len(rows) == len(shown) + len(labels)


def test_bench_gui_selects_resizes_and_exports(small_demo, cache_dir, tmp_path):
    """The phases after opening: photos selected one after another, the window resized, the answers
    and the map exported; each with its row and its longest stall's split."""
    out = _run("bench_gui.py", "--skip-window", "--phases", "open,select,resize,export", "--region", str(small_demo),
               "--cache", str(cache_dir), "--platform", "offscreen", tmp=tmp_path,
               env={"QTWEBENGINE_DISABLE_SANDBOX": "1"})
    assert re.findall(PHASE_ROW, out, re.M) == ["open", "select", "resize", "export"]
    assert re.findall(SPLIT_ROW, out, re.M) == ["open", "select", "resize", "export"]


@pytest.mark.skipif(not WHEEL.is_file(), reason=f"{WHEEL} is absent (make_public_benchmark.py downloads it: ~60 MB)")
def test_make_public_benchmark_rebuilds_the_committed_demo(tmp_path):
    out_dir = tmp_path / "demo"
    out = _run("make_public_benchmark.py", "--demo", str(out_dir), "--wheel", str(WHEEL), tmp=tmp_path)
    row = next(line for line in out.splitlines() if line.startswith("demo "))
    assert row.split()[1:3] == ["36", "108"] and row.endswith(f"-> {out_dir}")
    for name in ("tiles.csv", "truth.csv", "poses.csv"):  # the committed demo, reproduced byte for byte
        assert (out_dir / name).read_bytes() == (DEMO / name).read_bytes(), name


@pytest.mark.skipif(not WHEEL.is_file(), reason=f"{WHEEL} is absent (make_public_benchmark.py downloads it: ~60 MB)")
def test_compare_sequence_one_scene_short_video(tmp_path):
    """The cheapest run there is (~60 s of CPU): one scene's 42 tiles, its fixed 44-photo lawnmower
    flight and a 6 s video; rendering, the product's video path, locate and the sequence model."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / WHEEL.name).symlink_to(WHEEL)  # the script looks for the wheel in --cache-dir
    out_md = tmp_path / "sequence.md"
    _run("compare_sequence.py", "--scenes", "vegas", "--seconds", "6", "--work", str(tmp_path / "flights"),
         "--cache-dir", str(cache), "--out", str(out_md), tmp=tmp_path)
    header, rows = _table(out_md.read_text(), "| scene | flight |")
    assert len(header) == 14 and header[2] == "frames (bad)" and header[8] == "broken"
    assert [(r[0].split(" (")[0], r[1]) for r in rows] == [("vegas", "video"), ("vegas", "stills")]
    assert rows[0][2] == "6 (0)" and rows[1][2] == "44 (4)"
    assert all(sum(map(int, r[11].split("/"))) == int(r[2].split()[0]) for r in rows)  # every frame has a status
