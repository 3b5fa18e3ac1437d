"""Peak memory of decoding a huge photo stays bounded (issue 10: a 1.2 MB PNG of 20000x20000 px
took 6-7 GB). Measured in a fresh subprocess as its peak resident memory (VmHWM, reset after a
warm-up; ru_maxrss where that reset is not allowed) minus its memory before, not by timing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PIL import Image

from geolocator.core import images

from .helpers import load_script

ROOT = Path(__file__).resolve().parents[1]


def _bench_module():
    # One probe for this test and training/bench_decode_memory.py's table: they measure the same way.
    return load_script(ROOT / "training" / "bench_decode_memory.py", "bench_decode_memory")


def _decode_in_subprocess(path: Path, tmp_path: Path) -> dict:
    got = _bench_module().measure(path, "on", tmp_path / "warm.png")
    assert not got["result"].startswith("failed"), got
    return got


@pytest.mark.skipif(sys.platform != "linux", reason="/proc and ru_maxrss in KiB are Linux-only")
def test_huge_png_is_refused_with_a_sentence_and_bounded_memory(tmp_path):
    path = tmp_path / "huge.png"
    # Issue 10's file was 20000x20000 (1.2 MB); 12000x12000 is the same kind at a third of the
    # cost to write: ~20 KB on disk, 144 MP, ~580 MB as RGB, more through conversions.
    Image.new("1", (12000, 12000)).save(path)
    got = _decode_in_subprocess(path, tmp_path)
    assert "12000x12000 = 144 MP" in got["error"] and "decoding budget" in got["error"] and str(path) in got["error"]
    assert got["grew_mb"] < 100, got  # refused from the header: nothing was decoded


@pytest.mark.skipif(sys.platform != "linux", reason="/proc and ru_maxrss in KiB are Linux-only")
def test_huge_jpeg_decodes_reduced_within_the_budget(tmp_path):
    path = tmp_path / "huge.jpg"
    Image.new("L", (9000, 8000), 128).save(path, quality=50)  # 72 MP: over the 64 MP budget
    got = _decode_in_subprocess(path, tmp_path)
    assert got["size"] == [4500, 4000]  # drafted at 1/2 scale, the least reduction that fits
    # Measured ~100 MB; the same file decoded whole took ~410 MB (training/results/decode_memory.md).
    assert got["grew_mb"] < 250, got


def test_draft_request_picks_the_least_reduction_that_fits_the_budget():
    budget = images.DECODE_BUDGET_PIXELS
    assert images._draft_request(4000, 3000, None) is None  # under budget: decoded as is
    assert images._draft_request(4000, 3000, 320) == (320, 320)
    assert images._draft_request(12000, 9000, None) == (6000, 4500)  # 108 MP -> 27 MP at 1/2
    assert images._draft_request(30000, 30000, None) == (7500, 7500)  # 900 MP -> 56 MP at 1/4
    w, h = images._draft_request(40000, 40000, None)
    assert (w, h) == (5000, 5000) and w * h <= budget  # 1600 MP -> 1/8
    assert images._draft_request(80000, 80000, None) == (10000, 10000)  # even 1/8 is over: open_image refuses
    assert images._draft_request(12000, 9000, 320) == (320, 320)
