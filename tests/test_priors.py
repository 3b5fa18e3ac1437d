"""Priors from the drone's own records: off by default, and when on they do what they say."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.geo import haversine_m
from geolocator.core.media.telemetry import FrameTelemetry
from geolocator.core.model import LatLon, Query
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.priors import gnss_allowed, recorded_position
from geolocator.core.queries import load_region

from .flight_helpers import DEMO
from .helpers import grid_tiles
from .test_extract import tiny_backbone


def test_recorded_position_is_telemetry_or_exif_never_a_truth_file():
    here = LatLon(50.0005, 10.0005)
    assert recorded_position(Query("v#t=1", Path("v"), time_s=1.0, telemetry=FrameTelemetry(1.0, here))) == here
    assert recorded_position(Query("a.jpg", Path("a.jpg"), truth=here, truth_source="exif")) == here
    assert recorded_position(Query("b.jpg", Path("b.jpg"), truth=here, truth_source="truth.csv")) is None
    assert recorded_position(Query("c.jpg", Path("c.jpg"))) is None


def test_gnss_allowed_is_the_circle_around_the_recorded_position():
    tiles = grid_tiles(5, 5, size_deg=0.001)  # ~111 x 72 m tiles at 50 N
    centre = tiles[12].center  # the middle tile
    qs = [Query("a.jpg", Path("a.jpg"), truth=centre, truth_source="exif"), Query("b.jpg", Path("b.jpg"))]
    allowed = gnss_allowed(qs, tiles, 10.0)
    assert allowed[0].sum() == 1 and allowed[0, 12]
    assert allowed[1].all()  # no recorded position: searched everywhere
    wide = gnss_allowed(qs, tiles, 100.0)[0]
    assert wide[12] and 1 < wide.sum() < 25
    for i, t in enumerate(tiles):  # exactly the tiles whose nearest point is within 100 m
        b = t.bounds
        nearest = LatLon(min(max(centre.lat, b.south), b.north), min(max(centre.lon, b.west), b.east))
        assert wide[i] == (haversine_m(centre, nearest) <= 100.0)
    with pytest.raises(ValueError):
        gnss_allowed(qs, tiles, 0.0)


@pytest.mark.parametrize("verify", [False, True])
def test_gnss_prior_limits_candidates_and_is_off_by_default(tmp_path, verify):
    region = load_region(DEMO)
    # recorded positions 60 m east of the truth (a poor GNSS fix), as telemetry
    queries = []
    for q in region.queries[:6]:
        off = LatLon(q.truth.lat, q.truth.lon + 60 / 90_000)
        queries.append(replace(q, telemetry=FrameTelemetry(0.0, off)))

    def run(prior):
        ws = Workspace(Settings(cache_dir=tmp_path / "f", top_k=3, verify=verify, verify_candidates=4,
                                tile_views=("rot0",), gnss_prior_m=prior))
        ws._backbone = tiny_backbone()
        ws.open_tiles(region.tiles)
        return ws.locate(queries)

    off, default, on = run(None), run(0), run(40.0)
    assert [p.location for p in off] == [p.location for p in default]  # 0/None: no prior
    for p, q in zip(on, queries):
        for m in p.matches:
            if m.score > -1:  # every candidate shown lies within 40 m of the recorded position
                b = m.tile.bounds
                rec = q.telemetry.position
                nearest = LatLon(min(max(rec.lat, b.south), b.north), min(max(rec.lon, b.west), b.east))
                assert haversine_m(rec, nearest) <= 40.0
    assert np.mean([p.error_m for p in on]) < np.mean([p.error_m for p in off])
