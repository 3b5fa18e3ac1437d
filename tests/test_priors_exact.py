"""Exact answers of core/priors.py (mutation testing, issue 15): the GNSS circle at its edge, the
degree-box preselection against the per-tile rule, the heading tolerance at its edge, duck-typed queries."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from geolocator.core import priors
from geolocator.core.media.telemetry import FrameTelemetry
from geolocator.core.model import Bounds, LatLon, PhotoMeta, Query, Tile


def _tile(i, west, south, east, north):
    return Tile(f"t{i}", Path(f"t{i}.png"), Bounds(west, south, east, north))


def _exif(lat, lon):
    return Query("a.jpg", Path("missing.jpg"), truth=LatLon(lat, lon), truth_source="exif")


def test_a_tile_exactly_at_the_radius_is_allowed():
    q = _exif(36.0, -115.0)
    t = _tile(0, -114.99, 35.9, -114.98, 36.1)
    d = priors._distance_to_tile_m(q.truth, t)
    assert priors.gnss_allowed([q], [t], d).tolist() == [[True]]
    assert priors.gnss_allowed([q], [t], d * 0.999).tolist() == [[False]]


def test_the_radius_error_names_the_radius():
    with pytest.raises(ValueError, match="positive number of metres, not -5"):
        priors.gnss_allowed([], [], -5)


@pytest.mark.parametrize("lat,lon,radius", [(36.0, -115.0, 5_000.0), (70.0, 20.0, 300_000.0), (-75.0, 179.5, 400_000.0),
                                            (10.0, 0.0, 2_000_000.0), (0.0, 0.0, 900_000.0)])
def test_the_preselection_keeps_exactly_the_tiles_of_the_circle(lat, lon, radius):
    rng = np.random.default_rng(7)
    spread = min(25.0, 3.0 * radius / 111_000.0)
    tiles = []
    for i in range(400):
        s = float(np.clip(lat + rng.uniform(-spread, spread), -89.0, 88.0))
        w = float((lon + rng.uniform(-2 * spread, 2 * spread) + 180.0) % 360.0 - 180.0)
        size = float(rng.uniform(0.001, 0.2 * spread))
        e = w + size if w + size <= 180.0 else w + size - 360.0  # some cross the antimeridian
        tiles.append(_tile(i, w, s, e, s + size))
    q = _exif(lat, lon)
    expected = np.flatnonzero(priors.gnss_allowed([q], tiles, radius)[0])
    assert 0 < len(expected) < len(tiles)
    assert priors.gnss_allowed_ids(q, tiles, radius).tolist() == expected.tolist()


def test_recorded_position_of_duck_typed_queries_and_telemetry_without_a_position():
    truth = LatLon(1.0, 2.0)
    assert priors.recorded_position(SimpleNamespace(truth=truth, truth_source="exif")) == truth
    assert priors.recorded_position(SimpleNamespace(telemetry=SimpleNamespace(), truth=truth, truth_source="exif")) == truth
    q = Query("a.jpg", Path("a.jpg"), truth=truth, truth_source="exif", telemetry=FrameTelemetry(0.0))
    assert priors.recorded_position(q) == truth


def test_recorded_yaw_from_the_meta_already_read_and_duck_typed_queries():
    q = Query("a.jpg", Path("missing.jpg"), meta=PhotoMeta(gimbal_yaw_deg=30.0))
    assert priors.recorded_yaw(q) == 30.0
    assert priors.recorded_yaw(SimpleNamespace(time_s=None, meta=PhotoMeta(gimbal_yaw_deg=12.5))) == 12.5
    assert priors.recorded_yaw(SimpleNamespace(telemetry=SimpleNamespace(), time_s=0.0)) is None
    with_meta_attr_missing = SimpleNamespace(telemetry=None, time_s=None, path=Path("missing.jpg"))
    assert priors.recorded_yaw(with_meta_attr_missing) is None


VIEWS = ["rot0", "rot45", "rot90", "rot135", "rot180", "rot225", "rot270", "rot315"]


def test_the_heading_tolerance_is_inclusive_and_exact():
    q = Query("a.jpg", Path("missing.jpg"), meta=PhotoMeta(gimbal_yaw_deg=67.5))
    got = priors.heading_views([q], VIEWS)
    assert got.dtype == bool
    assert got.tolist() == [[True, True, True, True, False, False, False, False]]
    # photo views: -K near the yaw (K near 292.5: rot225 to rot360)
    assert priors.heading_photo_views([q], VIEWS).tolist() == [[True, False, False, False, False, True, True, True]]
    # a tolerance 1 degree narrower drops the two edge views
    assert priors.heading_views([q], VIEWS, 66.5).tolist() == [[False, True, True, False, False, False, False, False]]
    # no view near: no narrowing
    assert priors.heading_views([q], ["rot180"], 10.0).tolist() == [[True]]
    assert priors.heading_views([Query("b.jpg", Path("missing.jpg"), meta=PhotoMeta())], VIEWS).dtype == bool


def test_keep_photo_views_replaces_only_the_disallowed_views_of_each_row_and_copies():
    feats = np.arange(2 * 3 * 2, dtype=np.float32).reshape(2, 3, 2)
    before = feats.copy()
    allowed = np.array([[True, True, True], [False, True, False]])
    out = priors.keep_photo_views(feats, allowed)
    assert np.array_equal(feats, before)
    assert out[0].tolist() == before[0].tolist()
    assert out[1].tolist() == [before[1, 1].tolist()] * 3


def test_views_only_at_the_tolerance_still_narrow():
    q = Query("a.jpg", Path("missing.jpg"), meta=PhotoMeta(gimbal_yaw_deg=67.5))
    assert priors.heading_views([q], ["rot0", "rot180"]).tolist() == [[True, False]]


def test_apply_allowed_pushes_excluded_scores_below_everything():
    scores = np.array([[0.5, -0.9], [3.0, 1.0]])
    assert priors.apply_allowed(scores, None) is scores
    out = priors.apply_allowed(scores, np.array([[True, False], [False, True]]))
    assert out.tolist() == [[0.5, -1e6], [-1e6, 1.0]]
    assert priors.EXCLUDED == -1e6
    assert scores.tolist() == [[0.5, -0.9], [3.0, 1.0]]


def test_similarity_in_views_is_the_max_cosine_over_the_allowed_views():
    q = np.array([[1.0, 0.0], [0.0, 1.0]], np.float64)
    tiles = np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.6, 0.8], [-1.0, 0.0]]])  # (N=2, V=2, D=2)
    both = priors.similarity_in_views(q, tiles, np.array([[True, True], [True, True]]))
    assert both.dtype == np.float32 and both.shape == (2, 2)
    assert np.allclose(both, [[1.0, 0.6], [1.0, 0.8]], atol=1e-6)
    first = priors.similarity_in_views(q, tiles, np.array([[False, True], [True, False]]))
    assert np.allclose(first, [[0.0, -1.0], [0.0, 0.8]], atol=1e-6)
    # one view per tile (N, D)
    flat = priors.similarity_in_views(q, tiles[:, 0, :], np.array([[True], [True]]))
    assert np.allclose(flat, [[1.0, 0.6], [0.0, 0.8]], atol=1e-6)
