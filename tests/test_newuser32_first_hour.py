"""What a new user met in session 32 (training/results/newuser32_session32.md), each fixed here."""

from __future__ import annotations

import argparse
import logging

from geolocator.core.wording import imagery_line

from .tile_packages import demo_pyramid, write_mbtiles

FETCHED = "Imagery: 127.0.0.1:8732 (the provider's required attribution was not given)"


def _args(**kw):
    base = dict(epsg=None, tms=None, tile_size_m=None, overlap=0.0, area=None, zoom=None)
    return argparse.Namespace(**{**base, **kw})


def test_a_fetched_tile_set_s_credit_line_is_said_once(tmp_path, caplog):
    """fetch-tiles from a plain URL records 'Imagery: HOST (...)'; `locate` then printed
    'INFO: imagery: Imagery: 127.0.0.1:8732 (...)'."""
    from geolocator.cli import _load_tiles

    pkg = write_mbtiles(tmp_path / "area.mbtiles", demo_pyramid(zooms=(19,)), attribution=FETCHED)
    with caplog.at_level(logging.INFO, logger="geolocator"):
        _load_tiles(pkg, _args())
    credits = [m for m in caplog.messages if "127.0.0.1:8732" in m]
    assert credits == [FETCHED]


def test_a_provider_s_credit_line_keeps_its_label():
    assert imagery_line("© Esri, Maxar, Earthstar Geographics") == "imagery: © Esri, Maxar, Earthstar Geographics"
    assert imagery_line("  imagery © swisstopo ") == "imagery © swisstopo"


def _aged(path, days, now):
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(b"\0" * 400_000)
    os.utime(path, (now - days * 86_400, now - days * 86_400))
    return path


def test_the_cache_command_lists_and_prunes_the_files_beside_the_stores(tmp_path, capsys, monkeypatch):
    """After a morning's work `geolocator cache` said '2 feature stores, under 1 MB' of a 41 MB folder,
    and after `--prune 0` '0 feature stores, 0 MB' with 33 MB of tile keypoints left, never listed,
    never removed. Now each kind is listed and pruned by when it was last used."""
    import time

    from geolocator import cli

    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "frames"))
    root = tmp_path / "cache"
    now = time.time()
    old_kp = _aged(root / "keypoints" / "ab" / "0123.npz", 40, now)
    new_kp = _aged(root / "keypoints" / "cd" / "4567.npz", 1, now)
    old_f = _aged(root / "0f" / "89ab.f32", 40, now)
    pair = _aged(root / "pairs" / "ffff.json", 40, now)
    writing = _aged(root / "keypoints" / "ab" / ".0123.npz.x1.tmp", 0, now)  # another run's write in flight
    assert cli.main(["cache", "--cache-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"tile keypoints for verification: 3 files, 1.2 MB, in {root / 'keypoints'}" in out
    assert f"photo and tile features (a file per image): 1 file, under 1 MB, in {root}" in out
    assert f"verification results kept to resume a locate: 1 file, under 1 MB, in {root / 'pairs'}" in out

    assert cli.main(["cache", "--cache-dir", str(root), "--prune", "30"]) == 0
    out = capsys.readouterr().out
    assert f"removed 1 file of tile keypoints for verification not used for 30 days (under 1 MB freed) from " \
           f"{root / 'keypoints'}" in out
    assert not old_kp.exists() and not old_f.exists() and not pair.exists()
    assert new_kp.exists() and writing.exists()


def test_a_cached_file_read_back_counts_as_used(tmp_path):
    """Pruning goes by last use: a feature or keypoint file read back is stamped, as the verification
    results and video frames already were."""
    import os
    import time

    import numpy as np

    from geolocator.core.cache import FeatureCache
    from geolocator.core.cache_files import prune_cache_files
    from geolocator.core.matchers.keypoint_cache import KeypointCache
    from geolocator.core.rerank import LocalFeatures

    now = time.time()
    cache = FeatureCache(tmp_path)
    cache.put("ab" * 32, np.ones(8, np.float32))
    keypoints = KeypointCache(tmp_path / "keypoints")
    keypoints.put("sift", "tile.png", LocalFeatures(np.zeros((3, 2), np.float32), np.ones((3, 4), np.float32), (64, 64)))
    files = [cache._path("ab" * 32), keypoints.path("sift", "tile.png")]
    for f in files:
        os.utime(f, (now - 40 * 86_400,) * 2)
    assert cache.get("ab" * 32, 8) is not None and keypoints.get("sift", "tile.png") is not None
    assert prune_cache_files(tmp_path, 30) == [] and all(f.exists() for f in files)


def test_the_help_names_every_tile_set_the_app_and_fetch_tiles_take(capsys):
    """`geolocator --help` said the app's PATH is 'drone images/folders, or a region folder / tiles.csv'
    (a GeoTIFF, an .mbtiles or a video given there opens too: docs/app.md, Using the app) and that
    fetch-tiles writes '(folder or .mbtiles)' (national grids go into a .gpkg)."""
    import pytest

    from geolocator import cli

    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "into a tile set (folder, .mbtiles or .gpkg)" in out
    path_help = out.split("PATH ...", 2)[2]
    assert all(word in path_help for word in ("videos", "GeoTIFF", ".mbtiles", "tiles.csv"))
