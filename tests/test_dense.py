"""The dense search (core/dense.py): oriented-gradient channels, blind pose hypotheses, the
correlation over a candidate's ground, and how its scores order the unverified candidates.

The synthetic ground: blocks and strips of random grey levels (roofs, roads, fields), blurred a
little, cut into 50 m tiles of 100 px; a photo rendered from it through a tilted pinhole camera
at a pose between the hypotheses' grid points (tilt 31 deg, heading 43 deg, 44 m wide), once as
the tiles show the ground and once with its tones reversed (another sensor: vegetation bright
in one, dark in the other)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core import dense
from geolocator.core.geo import metres_per_degree
from geolocator.core.model import Bounds, Tile

LAT, LON = 51.9, 4.4
TILE_M, TILE_PX, GRID = 50.0, 100, 5


def _ground_image(seed: int = 3) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(seed)
    side = TILE_PX * GRID
    img = np.full((side, side), 110.0, np.float32)
    for _ in range(260):
        x, y = rng.integers(0, side, 2)
        w, h = rng.integers(6, 40, 2)
        img[y:y + h, x:x + w] = rng.uniform(20, 235)
    for _ in range(14):  # roads
        if rng.random() < 0.5:
            y = int(rng.integers(0, side))
            img[y:y + 4, :] = 200.0
        else:
            x = int(rng.integers(0, side))
            img[:, x:x + 4] = 200.0
    return cv2.GaussianBlur(img, (0, 0), 1.0)


def _tiles(tmp_path: Path, ground: np.ndarray) -> list[Tile]:
    per_lat, per_lon = metres_per_degree(LAT)
    dlon, dlat = TILE_M / per_lon, TILE_M / per_lat
    north, west = LAT + GRID * dlat / 2, LON - GRID * dlon / 2
    tiles = []
    for r in range(GRID):
        for c in range(GRID):
            path = tmp_path / f"r{r}_c{c}.png"
            Image.fromarray(np.clip(ground[r * TILE_PX:(r + 1) * TILE_PX, c * TILE_PX:(c + 1) * TILE_PX], 0, 255)
                            .astype(np.uint8)).convert("RGB").save(path)
            tiles.append(Tile(f"r{r}_c{c}", path, Bounds(west + c * dlon, north - (r + 1) * dlat,
                                                          west + (c + 1) * dlon, north - r * dlat)))
    return tiles


def _photo(ground: np.ndarray, centre_px: tuple[float, float], tilt: float, heading: float, width_m: float,
           size=(384, 288)) -> np.ndarray:
    """The ground seen by a camera of that pose (dense._to_ground's geometry through a 55 deg lens,
    not the 65 deg the search assumes): each photo pixel sampled from the ground image."""
    import cv2

    to_ground = dense._to_ground(size, tilt, heading, width_m, 55.0)
    m_per_px = TILE_M / TILE_PX
    # ground metres (east, north of the centre) -> ground image pixels
    to_image = np.array([[1 / m_per_px, 0, centre_px[0]], [0, -1 / m_per_px, centre_px[1]], [0, 0, 1]])
    return cv2.warpPerspective(ground, to_image @ to_ground, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dense")
    ground = _ground_image()
    return ground, _tiles(tmp, ground)


def test_channels_are_unit_vectors_and_blind_to_reversed_tones():
    """Absolute projections (Ye et al. 2019): a contrast reversed between sensors gives the same
    channels, so a photo whose vegetation is bright still matches tiles where it is dark."""
    ground = _ground_image()[:120, :120]
    a = dense.orientation_channels(ground)
    b = dense.orientation_channels(255.0 - ground)
    assert a.shape == (8, 120, 120)
    norms = np.linalg.norm(a, axis=0)
    textured = norms > 0.5  # (where the gradient is ~0, float rounding of 255 - x decides the direction)
    np.testing.assert_allclose(a[:, textured], b[:, textured], atol=5e-3)  # OpenCV float rounding: < 1 %
    assert np.all((norms < 1.0 + 1e-4))
    assert np.median(norms) > 0.9  # textured ground: most pixels carry a unit vector


def test_the_true_tile_ranks_first_for_a_blind_oblique_photo(scene):
    """The photo's centre lies in tile r2_c3; of 9 tiles (neighbours and far ones) it scores best, for the photo
    as the tiles show the ground and with its tones reversed. Fails if the hypotheses' geometry
    (heading sense, nadir turn, scale) or the centre rule were wrong: then no tile stands out."""
    ground, tiles = scene
    centre = (3 * TILE_PX + 47.0, 2 * TILE_PX + 58.0)
    photo = _photo(ground, centre, 31.0, 43.0, 44.0)
    ranker = dense.DenseRanker(tiles)
    # the true tile (13), its 8 neighbours' half (sharing ground) and far ones (the test's time)
    candidates = [12, 13, 8, 14, 18, 0, 4, 20, 24]
    for image in (photo, 255.0 - photo):
        scores = ranker.scores(image, candidates)
        assert candidates[int(np.nanargmax(scores))] == 13 and tiles[13].id == "r2_c3"
        assert scores[1] - np.nanmax(np.delete(scores, 1)) > 0.01


def test_heading_is_found(scene):
    """The best hypothesis' heading is within one step of the camera's: the template is the ground
    turned the right way (a mirrored or reversed heading would win elsewhere, or not at all)."""
    ground, tiles = scene
    photo = _photo(ground, (2 * TILE_PX + 50.0, 2 * TILE_PX + 50.0), 37.0, 120.0, 50.0)
    settings = dense.DenseSettings()
    ranker = dense.DenseRanker(tiles, settings)
    hypotheses = dense.templates(photo, dense.hypotheses_for(None, ranker.tile_edge_m(12), settings), settings)
    _, chosen = dense.best_scores(hypotheses, [ranker.ground(12)], settings)[0]
    assert chosen is not None
    off = (chosen.pose[1] - 120.0 + 180.0) % 360.0 - 180.0
    assert abs(off) <= settings.heading_step_deg


def test_given_headings_are_the_only_ones_tried(scene):
    """Hypotheses.headings_deg (the known-pose ceiling, training/dense_pose_ceiling.py): exactly those
    headings are tried, each template carries its own, and the photo's true heading among them wins on
    the true tile; without them every settings.heading_step_deg is tried as before."""
    ground, tiles = scene
    photo = _photo(ground, (2 * TILE_PX + 50.0, 2 * TILE_PX + 50.0), 37.0, 120.0, 50.0)
    settings = dense.DenseSettings()
    ranker = dense.DenseRanker(tiles, settings)
    given = dense.Hypotheses((37.0,), 55.0, (50.0,), headings_deg=(300.0, 120.0, 210.0))
    hypotheses = dense.templates(photo, given, settings)
    assert sorted(t.pose[1] for t in hypotheses) == [120.0, 210.0, 300.0]
    _, chosen = dense.best_scores(hypotheses, [ranker.ground(12)], settings)[0]
    assert chosen is not None and chosen.pose[1] == 120.0
    every = dense.templates(photo, dense.Hypotheses((37.0,), 55.0, (50.0,)), settings)
    assert len(every) == round(360 / settings.heading_step_deg)


def test_flat_photo_gets_no_score(scene):
    """A featureless frame (a white wall, fog) has no template: NaN, never a score that orders."""
    _, tiles = scene
    scores = dense.DenseRanker(tiles).scores(np.full((288, 384), 200.0, np.float32), [0, 1, 2])
    assert np.isnan(scores).all()


def test_unreadable_ground_is_nan_not_an_error(scene, tmp_path):
    """A candidate whose tile cannot be read gets no score (logged), the others still do."""
    ground, tiles = scene
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    bad = list(tiles)
    bad[12] = Tile("r2_c2", broken, tiles[12].bounds)
    photo = _photo(ground, (3 * TILE_PX + 47.0, 2 * TILE_PX + 58.0), 31.0, 43.0, 44.0)
    scores = dense.DenseRanker(bad).scores(photo, [12, 13])
    assert np.isnan(scores[0]) and np.isfinite(scores[1])


def test_rank_unclear_scores_only_photos_with_nothing_clear(scene, tmp_path):
    """Photos with a clear match keep NaN rows (their order is the verifier's); an unclear photo
    is scored on its first `first` candidates only."""
    from geolocator.core.model import Query

    ground, tiles = scene
    path = tmp_path / "q.png"
    Image.fromarray(np.clip(_photo(ground, (3 * TILE_PX + 47.0, 2 * TILE_PX + 58.0), 31.0, 43.0, 44.0), 0, 255)
                    .astype(np.uint8)).convert("RGB").save(path)
    queries = [Query("a", path), Query("b", path)]
    candidates = np.array([[13, 12, 7, 0], [13, 12, 7, 0]])
    counts = np.array([[0, 5, 0, 0], [60, 0, 0, 0]])
    got = dense.rank_unclear(queries, tiles, candidates, counts, 40, 3)
    assert np.isfinite(got[0, :3]).all() and np.isnan(got[0, 3])
    assert np.isnan(got[1]).all()
    assert int(candidates[0, np.nanargmax(got[0])]) == 13


def test_decisive_top_order_key_and_lift(scene):
    """The dense top overrides the cosine order only when it beats every candidate elsewhere (not a
    neighbour, whose ground overlaps) by decisive_gap; then it goes first (1.5: above every cosine,
    below every verified tile) and the rest keep the cosine order. A photo not searched is untouched."""
    _, tiles = scene  # 5 x 5: tile 12 is r2_c2, 13 its east neighbour, 0 and 24 far corners
    candidates = np.array([[0, 12, 13, 24], [0, 12, 13, 24], [0, 12, 13, 24]])
    dense_scores = np.array([[0.30, 0.50, 0.49, 0.38],    # 12 beats 13 (a neighbour) by 0.01, far ones by 0.12
                             [0.45, 0.50, 0.20, 0.30],    # 12 beats far tile 0 by 0.05 only: not decisive
                             [np.nan] * 4])               # not searched
    top = dense.decisive_top(dense_scores, candidates, tiles, 0.1)
    assert top.tolist() == [1, -1, -1]
    scores = np.array([[0.9, 0.2, 0.3, 0.1]] * 3)
    key = dense.order_key(scores, top)
    np.testing.assert_allclose(key, [[0.9, 1.5, 0.3, 0.1], [0.9, 0.2, 0.3, 0.1], [0.9, 0.2, 0.3, 0.1]])
    ranking = np.zeros((3, 25))
    ranking[:, 0], ranking[:, 12] = 0.9, 0.2
    verified = np.zeros((3, 4), bool)
    lifted = dense.lift(ranking, candidates, top, verified)
    assert lifted[0, 12] == 1.5 and lifted[0, 0] == 0.9
    np.testing.assert_array_equal(lifted[1:], ranking[1:])
    verified[0, 1] = True  # a verified tile keeps its place (verified_ranking already put it above)
    assert dense.lift(ranking, candidates, top, verified)[0, 12] == 0.2


def test_best_scores_equal_direct_correlation_on_grounds_of_different_sizes():
    """best_scores pads every ground to one FFT size: each ground's best must still be the direct
    (loop) normalised correlation over placements wholly on that ground with the centre in its box.
    A padded placement counted, or a wrapped one, would change the best of the smaller grounds."""
    rng = np.random.default_rng(3)
    settings = dense.DenseSettings(chunk=3)  # several chunks: spectra reused across them
    grounds = [dense.Ground(rng.normal(size=(2, h, w)).astype(np.float32), box)
               for h, w, box in [(30, 40, (8.0, 6.0, 30.0, 22.0)), (22, 27, (0.0, 0.0, 27.0, 22.0)),
                                 (41, 25, (0.0, 10.0, 25.0, 30.0))]]
    templates = []
    for th, tw in [(7, 9), (12, 6), (5, 5), (24, 20), (10, 11)]:
        mask = (rng.random((th, tw)) > 0.2).astype(np.float32)
        channels = rng.normal(size=(2, th, tw)).astype(np.float32) * mask
        channels /= np.sqrt((channels ** 2).sum())
        # centres near the top left: most placements with the centre in a box that reaches its
        # ground's bottom and right edges would run off that ground (into another's FFT padding)
        templates.append(dense.Template(channels, mask, (1.0, 1.0), (0.0, 0.0, 1.0)))

    def direct(ground):
        best = -1.0
        _, h, w = ground.channels.shape
        x0, y0, x1, y1 = ground.centre_box
        for t in templates:
            th, tw = t.mask.shape
            for y in range(h - th + 1):
                for x in range(w - tw + 1):
                    if not (y0 <= y + t.centre[1] < y1 and x0 <= x + t.centre[0] < x1):
                        continue
                    patch = ground.channels[:, y:y + th, x:x + tw]
                    local = float(((patch ** 2).sum(axis=0) * t.mask).sum())
                    best = max(best, float((patch * t.channels).sum()) / np.sqrt(max(local, 1e-6)))
        return best

    got = dense.best_scores(templates, grounds, settings)
    for ground, (value, chosen) in zip(grounds, got):
        assert chosen is not None
        assert value == pytest.approx(direct(ground), abs=1e-4)
