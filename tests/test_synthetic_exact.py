"""The synthetic cross-view problem's structure (session 8, written for mutation testing of
core/adapt/synthetic.py): shapes, unit rows, the truth, what each perturbation does alone, and the
recipe restated draw by draw from one seeded generator."""

import numpy as np

from geolocator.core.adapt.synthetic import _norm, synthetic_cross_view

ZERO = dict(view_noise=0.0, distortion=0.0, offset=0.0, noise=0.0)


def test_shapes_dtypes_unit_rows_and_truth():
    tiles, photos, truth = synthetic_cross_view(n_tiles=4, per_tile=3, views=2, dim=5, seed=1)
    assert tiles.shape == (4, 2, 5) and photos.shape == (12, 5) and truth.shape == (12,)
    assert tiles.dtype == np.float32 and photos.dtype == np.float32
    assert truth.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert np.allclose(np.linalg.norm(tiles, axis=-1), 1, atol=1e-6)
    assert np.allclose(np.linalg.norm(photos, axis=-1), 1, atol=1e-6)
    d = synthetic_cross_view()
    assert d[0].shape == (60, 8, 96) and d[1].shape == (300, 96)


def test_norm_is_per_row():
    assert np.allclose(_norm(np.array([[3.0, 4.0], [0.0, 2.0]])), [[0.6, 0.8], [0, 1]])
    assert np.allclose(_norm(np.array([[[1.0, 1.0, 1.0, 1.0]]])), [[[0.5] * 4]])


def test_without_perturbations_a_photo_is_its_place_and_all_views_are_alike():
    tiles, photos, truth = synthetic_cross_view(n_tiles=5, per_tile=2, views=3, dim=4, seed=2, **ZERO)
    assert np.allclose(tiles, tiles[:, :1], atol=1e-6)
    assert np.allclose(photos, tiles[truth, 0], atol=1e-6)
    # the places differ from each other
    assert np.abs(tiles[:, 0] @ tiles[:, 0].T - np.eye(5)).max() > 0.01


def test_view_noise_alone_gives_each_photo_one_of_its_place_s_views():
    tiles, photos, truth = synthetic_cross_view(n_tiles=5, per_tile=4, views=3, dim=6, seed=3,
                                                **{**ZERO, "view_noise": 0.7})
    assert np.abs(tiles[:, 0] - tiles[:, 1]).max() > 0.05
    best = np.einsum("qd,qvd->qv", photos, tiles[truth]).max(axis=1)
    assert np.allclose(best, 1.0, atol=1e-6)


def test_each_other_perturbation_alone_moves_the_photos_off_their_place():
    for name in ("distortion", "offset", "noise"):
        tiles, photos, truth = synthetic_cross_view(n_tiles=5, per_tile=2, views=2, dim=6, seed=4,
                                                    **{**ZERO, name: 0.8})
        cos = np.einsum("qd,qd->q", photos, tiles[truth, 0])
        assert cos.max() < 0.9999, name
        if name != "offset":  # only the offset moves the tiles too
            assert np.allclose(tiles, tiles[:, :1], atol=1e-6)


def _recipe(n, per, v, dim, vn, dist, off, noise, seed):
    rng = np.random.default_rng(seed)
    place = rng.normal(size=(n, 1, dim))
    view_part = vn * rng.normal(size=(n, v, dim))
    tile_offset = off * rng.normal(size=dim) * 0.3  # (/ sqrt(dim) * sqrt(dim) cancels)
    unit = lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True)  # noqa: E731
    tiles = unit(unit(place + view_part) + tile_offset)
    truth = np.repeat(np.arange(n), per)
    seen = rng.integers(0, v, size=len(truth))
    mix = np.eye(dim) + dist * rng.normal(size=(dim, dim)) / np.sqrt(dim)
    photo_offset = off * rng.normal(size=dim) * 0.3
    raw = (place[truth, 0] + view_part[truth, seen]) @ mix.T
    photos = unit(unit(raw + noise * rng.normal(size=raw.shape)) + photo_offset)
    return tiles, photos, truth


def test_the_recipe_draw_by_draw():
    tiles, photos, truth = _recipe(3, 2, 2, 4, 0.7, 0.8, 1.0, 0.5, 7)
    t, p, tr = synthetic_cross_view(3, 2, 2, 4, view_noise=0.7, distortion=0.8, offset=1.0, noise=0.5, seed=7)
    assert np.allclose(t, tiles, atol=1e-6) and np.allclose(p, photos, atol=1e-6) and tr.tolist() == truth.tolist()
    tiles, photos, truth = _recipe(4, 3, 3, 5, 0.2, 1.5, 2.0, 0.1, 9)
    t, p, tr = synthetic_cross_view(4, 3, 3, 5, view_noise=0.2, distortion=1.5, offset=2.0, noise=0.1, seed=9)
    assert np.allclose(t, tiles, atol=1e-6) and np.allclose(p, photos, atol=1e-6)


def test_the_default_perturbations_and_seed():
    # defaults: view_noise 0.7, distortion 0.8, offset 1.0, noise 0.5, seed 0
    tiles, photos, _ = _recipe(3, 2, 2, 4, 0.7, 0.8, 1.0, 0.5, 0)
    t, p, _ = synthetic_cross_view(3, 2, 2, 4)
    assert np.allclose(t, tiles, atol=1e-6) and np.allclose(p, photos, atol=1e-6)
