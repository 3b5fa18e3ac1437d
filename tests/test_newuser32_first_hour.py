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
