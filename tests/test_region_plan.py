"""The opening job of a region folder plans its photos (core/region_plan.py): a cold demo opening's ETA
left the 108 photos out until their own stages began (newuser32_session32.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geolocator.core.region_plan import region_photo_count

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


def test_a_region_folder_counts_its_photos_and_videos_without_opening_them(tmp_path):
    assert region_photo_count(DEMO) == 108
    region = tmp_path / "region"
    (region / "queries" / "sub").mkdir(parents=True)
    (region / "tiles.csv").write_text("path,west,south,east,north\n")
    for name in ("a.JPG", "sub/b.png", "c.MP4", "notes.txt", "d.SRT"):
        (region / "queries" / name).write_bytes(b"not even an image")
    assert region_photo_count(region) == 3
    assert region_photo_count(region / "tiles.csv") == 0  # a tile set alone: no photos
    assert region_photo_count(tmp_path / "nowhere") == 0


def test_opening_the_demo_plans_its_photos_stages(qtbot, tmp_path, monkeypatch):
    pytest.importorskip("pytestqt")
    from .helpers import app_window

    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var))
    w = app_window(qtbot, tmp_path, tile_views=("rot0",), verify=True)
    plans = []
    monkeypatch.setattr(w, "_submit", lambda title, fn, done, on_error=None, plan=None, **kw: plans.append(plan))
    w.open_tileset(DEMO)
    assert plans and {k: plans[-1].get(k) for k in ("extract:queries", "verify", "thumbnails")} == \
        {"extract:queries": 108, "verify": 108, "thumbnails": 108}
