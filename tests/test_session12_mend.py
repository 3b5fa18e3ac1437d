"""Session 12 "mend": faults seen in session 11 and not mended then. Each test fails on the fault.

Pixel convention (core/pixel_grid.py): keypoints put pixel (i, j)'s centre at (i, j), so an image
of width w spans [-0.5, w - 0.5], its centre is at (w - 1) / 2, and resampling by s maps
x -> (x + 0.5) s - 0.5. Fractions of an image and geographic bounds count from its edges. Every
expected value below is worked out by hand from that convention, in the comments.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from geolocator.core.model import Bounds

# ------------------------------------------------------------- a. half-pixel slips on the refined path


def test_a_photo_that_is_the_tile_halved_has_its_centre_and_corners_on_the_tiles():
    from geolocator.core.rerank import photo_centre_in, photo_corners_in

    # The photo is the 200 x 100 tile resampled to 100 x 50: it shows exactly the tile, so its
    # centre is the tile's centre (0.5, 0.5) and its corners the tile's corners. Keypoint map
    # photo -> tile: x_t = (x_p + 0.5) * 2 - 0.5 = 2 x_p + 0.5 (same for y).
    photo, tile = SimpleNamespace(size=(100, 50)), SimpleNamespace(size=(200, 100))
    h = np.array([[2.0, 0.0, 0.5], [0.0, 2.0, 0.5], [0.0, 0.0, 1.0]])
    # before: the centre taken at (w/2, h/2) = (50, 25) -> (100.5, 50.5) -> (0.5025, 0.505)
    assert photo_centre_in(h, photo, tile) == pytest.approx((0.5, 0.5), abs=1e-12)
    # before: the corners at the corner pixels' centres, (0, 0) -> (0.5, 0.5) / size = (0.0025, 0.005)
    np.testing.assert_allclose(photo_corners_in(h, photo, tile), [(0, 0), (1, 0), (1, 1), (0, 1)], atol=1e-12)


def test_the_fine_pass_brings_its_homography_back_to_the_plain_tiles_keypoints(monkeypatch):
    from geolocator.core import rerank
    from geolocator.core.rerank import LocalFeatures, Verification, Verifier

    empty = np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32)
    plain, zoomed = LocalFeatures(*empty, (100, 50)), LocalFeatures(*empty, (200, 100))
    photo = LocalFeatures(*empty, (80, 60))
    # the pair's fit against the zoomed tile: photo keypoint p -> p + (1.5, 1.5)
    shift = np.array([[1.0, 0.0, 1.5], [0.0, 1.0, 1.5], [0.0, 0.0, 1.0]])
    monkeypatch.setattr(rerank, "verify_pair", lambda *a, **k: Verification(30, (0.3, 0.4), shift, None))
    verifier = Verifier()
    monkeypatch.setattr(verifier, "tile", lambda tile, fine=False: zoomed if fine else plain)
    tile = SimpleNamespace(bounds=Bounds(0.0, 0.0, 1.0, 1.0))
    found = verifier._fine_pair(photo, tile, None)
    # zoomed keypoint 1.5 is the edge between zoomed pixels 1 and 2: zoomed edge 2.0, plain edge
    # 1.0, plain keypoint 0.5. So photo (0, 0) lands at (0.5, 0.5) on the plain tile (before: 0.75).
    np.testing.assert_allclose((found.homography @ [0.0, 0.0, 1.0])[:2], [0.5, 0.5], atol=1e-12)
    # photo (10, 20) -> zoomed (11.5, 21.5) -> zoomed edge (12, 22) -> plain edge (6, 11) -> keypoint (5.5, 10.5)
    np.testing.assert_allclose((found.homography @ [10.0, 20.0, 1.0])[:2], [5.5, 10.5], atol=1e-12)
    assert found.inliers == 30 and found.centre == (0.3, 0.4)  # fractions hold on either grid


def test_tile_to_tile_maps_keypoints_of_the_same_ground_described_twice_as_large():
    from geolocator.core.rerank import tile_to_tile

    ground = Bounds(south=0.0, west=0.0, north=1.0, east=1.0)
    between = tile_to_tile(ground, (100, 100), ground, (200, 200))
    # source pixel 0's centre: edge 0.5 of 100 -> 0.005 deg -> target edge 1.0 of 200 -> keypoint 0.5
    np.testing.assert_allclose((between @ [0.0, 0.0, 1.0])[:2], [0.5, 0.5], atol=1e-12)  # before: (0, 0)
    # the last pixel's centre 99: edge 99.5 -> target edge 199 -> keypoint 198.5
    np.testing.assert_allclose((between @ [99.0, 99.0, 1.0])[:2], [198.5, 198.5], atol=1e-12)
    # a neighbour to the east at the same pixel size: source keypoint x -> x - 100 (no half pixel
    # to add at one scale); rows: source and target span the same latitudes
    east = Bounds(south=0.0, west=-1.0, north=1.0, east=1.0)  # target holds the source in its east half
    np.testing.assert_allclose((tile_to_tile(ground, (100, 100), east, (200, 100)) @ [3.0, 7.0, 1.0])[:2],
                               [103.0, 7.0], atol=1e-9)


def test_mosaic_to_tile_maps_keypoints_of_the_described_mosaic_to_the_tiles():
    from geolocator.core.mosaic import mosaic_to_tile

    # a 300 x 300 mosaic of 3 x 3 tiles of 100 px, described at 150 x 150; the candidate is the
    # middle box (100, 100, 200, 200) and is described alone at 100 x 100. Described keypoint
    # 49.75: described edge 50.25 -> mosaic edge 100.5 -> tile edge 0.5 -> tile keypoint 0.0
    # (before: 2 * 49.75 - 100 = -0.5).
    m = mosaic_to_tile((100, 100, 200, 200), (300, 300), (150, 150), (100, 100))
    np.testing.assert_allclose((m @ [49.75, 49.75, 1.0])[:2], [0.0, 0.0], atol=1e-12)
    # described keypoint 99.25: edge 99.75 -> mosaic edge 199.5 -> tile edge 99.5 -> keypoint 99
    np.testing.assert_allclose((m @ [99.25, 99.25, 1.0])[:2], [99.0, 99.0], atol=1e-12)


def test_pixel_grid_resize_map_is_cv2_resizes_placement():
    import cv2

    from geolocator.core.pixel_grid import resize_map

    # a one-pixel impulse at column 3 of 8 resized (linear) to 16 becomes a triangle centred where
    # the map sends 3. By hand: output x samples input (x + 0.5) / 2 - 0.5, so x = 5, 6, 7, 8 see
    # the impulse with weights 0.25, 0.75, 0.75, 0.25: centroid 6.5 = (3 + 0.5) * 2 - 0.5
    # (a plain scale by 2 would say 6).
    row = np.zeros((4, 8), np.float32)
    row[:, 3] = 1.0
    out = cv2.resize(row, (16, 4), interpolation=cv2.INTER_LINEAR)[0]
    np.testing.assert_allclose(out[4:10], [0, 0.25, 0.75, 0.75, 0.25, 0], atol=1e-6)
    centroid = float((np.arange(16) * out).sum() / out.sum())
    assert centroid == pytest.approx(6.5, abs=1e-6)
    assert (resize_map((8, 4), (16, 4)) @ [3.0, 0.0, 1.0])[0] == pytest.approx(6.5)
    # each axis by its own ratio: 8 x 4 -> 16 x 12, y = 1 -> (1 + 0.5) * 3 - 0.5 = 4, x = 1 -> 2.5
    np.testing.assert_allclose((resize_map((8, 4), (16, 12)) @ [1.0, 1.0, 1.0])[:2], [2.5, 4.0])


def _blob(size=(121, 101), centre=(50, 40), sigma=3.0) -> np.ndarray:
    """A grey image (uint8, H x W) of one Gaussian blob centred on pixel `centre` (column, row)."""
    yy, xx = np.mgrid[0:size[1], 0:size[0]].astype(float)
    return (255 * np.exp(-((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / (2 * sigma ** 2))).astype(np.uint8)


@pytest.mark.parametrize("centre", [(50, 40), (70, 61)])
def test_sift_keypoints_name_the_pixel_centre_of_what_they_found(centre):
    from PIL import Image

    from geolocator.core.matchers.sift import SiftMatcher
    from geolocator.core.rerank import VerifySettings, image_local_features

    # a symmetric blob centred on a pixel centre: its keypoint is that pixel, (column, row), by
    # construction. OpenCV's KeyPoint.pt says (column + 0.24, row + 0.24) (its doubled base image).
    features = image_local_features(Image.fromarray(_blob(centre=centre)).convert("RGB"), VerifySettings(max_side=512))
    nearest = features.points[np.argmin(np.linalg.norm(features.points - centre, axis=1))]
    np.testing.assert_allclose(nearest, centre, atol=0.05)
    found = SiftMatcher().extract(_blob(centre=centre))
    nearest = found.points[np.argmin(np.linalg.norm(found.points - centre, axis=1))]
    np.testing.assert_allclose(nearest, centre, atol=0.05)


# ------------------------------------------------- b. locate decodes a photo once for survey and verification


def _noise_photo(path, seed=0):
    """A textured photo (smoothed noise: content enough to be located, SIFT keypoints)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(24, 32), dtype=np.uint8)
    Image.fromarray(small).resize((320, 240), Image.BICUBIC).convert("RGB").save(path)


def _decode_world(tmp_path, monkeypatch, second_look=None):
    """A Workspace over 3 flat tiles with made-up global features (no backbone, no decode to embed)
    and the real Verifier and content survey; photo "n" is textured, photo "b" blank (uniform).
    Returns (workspace, queries, decodes: the Query ids open_query_image was asked for)."""
    from PIL import Image

    from geolocator.core.media import query_image
    from geolocator.core.model import Query, Tile, TileSet
    from geolocator.core.pipeline import Settings, Workspace

    tiles = []
    for i in range(3):
        path = tmp_path / f"t{i}.png"
        Image.new("RGB", (256, 256), (120, 120, 120)).save(path)
        tiles.append(Tile(f"t{i}", path, Bounds(0.001 * i, 0.0, 0.001 * i + 0.001, 0.001)))
    _noise_photo(tmp_path / "n.png")
    Image.new("RGB", (320, 240), (0, 0, 0)).save(tmp_path / "b.png")
    queries = [Query("n", tmp_path / "n.png"), Query("b", tmp_path / "b.png")]

    class Made(Workspace):
        def index(self, *, progress=None, cancel=None):
            self._tile_features = np.repeat(np.eye(3, dtype=np.float32)[:, None, :], 8, axis=1)
            return self._tile_features

        def embed(self, queries_, *, progress=None, cancel=None):
            feats = np.float32([[0.9, 0.5, 0.1], [0.1, 0.5, 0.9]])[: len(queries_), None, :]
            return tuple(queries_), feats, {}

    # second_look off: it decodes a photo nothing verified once more, for its own matcher
    # (tests/test_second_look.py::test_a_blank_photo_is_not_looked_at_again covers it)
    ws = Made(Settings(cache_dir=tmp_path / "cache", adapter_dir=tmp_path / "adapters", device="cpu",
                       verify_candidates=3, top_k=3, second_look=second_look))
    ws.open_tiles(TileSet(tuple(tiles), tmp_path))
    decodes = []
    real_open = query_image.open_query_image
    monkeypatch.setattr(query_image, "open_query_image",
                        lambda query, **kw: decodes.append(query.id) or real_open(query, **kw))
    return ws, queries, decodes


def test_locate_decodes_each_photo_once_for_the_survey_and_verification(tmp_path, monkeypatch):
    ws, queries, decodes = _decode_world(tmp_path, monkeypatch)
    preds = ws.locate(queries)
    # one decode a photo: verification's, which the content survey reads too (before: 2 a photo,
    # the survey's own at 256 px and verification's at 512)
    assert sorted(decodes) == ["b", "n"]
    # the survey still judged each photo: the uniform one is not located, the textured one is
    assert preds[1].status == "not located" and preds[0].status != "not located"


def test_a_photo_whose_pairs_are_all_known_is_not_decoded_again_for_the_survey(tmp_path, monkeypatch):
    ws, queries, decodes = _decode_world(tmp_path, monkeypatch)
    ws.locate(queries)
    decodes.clear()
    # the verifier keeps its pair results: a second locate verifies nothing new and decodes
    # nothing, for verification or the survey: the survey the first one's decode gave is kept with
    # the photo's checks (resume37: before, the survey decoded each photo itself, at another size)
    preds = ws.locate(queries)
    assert decodes == []
    assert preds[1].status == "not located" and preds[0].status != "not located"
    # without verification only the survey decodes
    ws.settings.verify = False
    decodes.clear()
    preds = ws.locate(queries)
    assert sorted(decodes) == ["b", "n"] and preds[1].status == "not located"


# ------------------------------------------------- c. the mosaic path says what failed, and raises a bug


class _Said(list):
    """A logging handler keeping each warning's message (a plain class: the mutation checker
    provides only tmp_path and monkeypatch)."""

    def __init__(self, monkeypatch):
        import logging

        super().__init__()
        self.handler = logging.Handler(logging.WARNING)
        self.handler.emit = lambda record: self.append(record.getMessage())
        logger = logging.getLogger("geolocator")
        logger.addHandler(self.handler)
        monkeypatch.setattr(logger, "level", logging.WARNING)
        self.logger = logger

    def close(self):
        self.logger.removeHandler(self.handler)


def _tile_grid(tmp_path):
    """3 x 3 textured tiles of 0.001 deg (index row * 3 + column from the south-west), one file each."""
    from PIL import Image

    from geolocator.core.model import Tile

    tiles = []
    for r in range(3):
        for c in range(3):
            path = tmp_path / f"t{r * 3 + c}.png"
            _noise_photo(path, seed=r * 3 + c)
            Image.open(path).resize((64, 64)).save(path)
            tiles.append(Tile(f"t{r * 3 + c}", path, Bounds(10 + c * 0.001, 50 + r * 0.001,
                                                            10 + (c + 1) * 0.001, 50 + (r + 1) * 0.001)))
    return tiles


def _centre_target(monkeypatch, tiles):
    """What the centre tile (4) of _tile_grid is matched against through a ring-1 mosaic at 64 px,
    and the warnings that logged: (verifier, (keypoints, map to the tile, ground), messages)."""
    from geolocator.core.rerank import Verifier, VerifySettings

    said = _Said(monkeypatch)
    try:
        v = Verifier(VerifySettings(mosaic=1, max_side=64))
        return v, v.target(tiles, 4), said
    finally:
        said.close()


def test_a_broken_neighbour_leaves_the_tile_alone_and_says_which_mosaic(tmp_path, monkeypatch):
    tiles = _tile_grid(tmp_path)
    tiles[5].path.write_bytes(b"not an image")  # the centre tile's east neighbour
    v, (features, to_tile, ground), said = _centre_target(monkeypatch, tiles)
    # the tile alone, as without mosaics
    assert features is v.tile(tiles[4]) and to_tile is None and ground == tiles[4].bounds
    # before: nothing said. Now one warning naming the candidate and the error (which names the file)
    assert len(said) == 1 and str(tiles[4].path) in said[0] and "t5.png" in said[0], said
    assert said[0].endswith("the tile is matched alone (and every other tile beside it; said once)")


def test_a_programming_error_in_the_mosaic_path_is_raised(tmp_path, monkeypatch):
    from geolocator.core import mosaic
    from geolocator.core.rerank import Verifier, VerifySettings

    tiles = _tile_grid(tmp_path)

    def bug(*args, **kwargs):
        raise AttributeError("a bug in the mosaic")

    monkeypatch.setattr(mosaic, "mosaic_image", bug)
    v = Verifier(VerifySettings(mosaic=1, max_side=64))
    # before: swallowed, the tile matched alone without a word
    with pytest.raises(AttributeError, match="a bug in the mosaic"):
        v.target(tiles, 4)


# ------------------------------------------------- d. adaptation's chains reuse the direct pass's descriptions


def _anchor_world(monkeypatch, tmp_path):
    """Two photos, "a" placed directly (30 inliers on tile 0: an anchor), "b" matching nothing, so
    the chains try b against a. Keypoints, pairs and links are made up; Verifier.described and its
    memory are the real code. Returns (verifier, queries, tileset, descriptions asked: query ids)."""
    from geolocator.core import rerank
    from geolocator.core.adapt import geometric
    from geolocator.core.model import Query, Tile, TileSet
    from geolocator.core.rerank import LocalFeatures, Verification, Verifier, VerifySettings

    described = []

    def photo(self, query, *, fine=False):
        described.append(query.id)
        return LocalFeatures(np.zeros((4, 2), np.float32), np.zeros((4, 128), np.float32), (64, 48))

    monkeypatch.setattr(Verifier, "photo", photo)
    monkeypatch.setattr(Verifier, "tile", lambda self, tile, fine=False: LocalFeatures(
        np.zeros((4, 2), np.float32), np.zeros((4, 128), np.float32), (64, 64)))
    direct = {"a": Verification(30, (0.5, 0.5), np.eye(3)), "b": Verification(0)}
    monkeypatch.setattr(rerank, "verify_pair", lambda p, t, s, share=None: direct[current[0]])
    monkeypatch.setattr(geometric, "verify_pair", lambda *a, **k: Verification(0))  # no link found
    current = [None]
    real = Verifier.verify_photo

    def verify_photo(self, query, tiles, candidates, footprint_m=None, **kw):
        current[0] = query.id
        return real(self, query, tiles, candidates, footprint_m, **kw)

    monkeypatch.setattr(Verifier, "verify_photo", verify_photo)
    tiles = tuple(Tile(f"t{i}", tmp_path / f"t{i}.png", Bounds(0.001 * i, 0.0, 0.001 * i + 0.001, 0.001))
                  for i in range(2))
    queries = [Query("a", tmp_path / "a.jpg"), Query("b", tmp_path / "b.jpg")]
    return Verifier(VerifySettings(fine_pass=False)), queries, TileSet(tiles, tmp_path), described


def test_the_chains_reuse_the_direct_pass_descriptions(tmp_path, monkeypatch):
    from geolocator.core.adapt.geometric import geometric_labels

    verifier, queries, tileset, described = _anchor_world(monkeypatch, tmp_path)
    labels = geometric_labels(queries, tileset, np.array([[0], [0]]), np.array([[1.0, 0.9], [0.9, 1.0]]), verifier)
    assert labels[0] is not None and labels[0].tile == 0 and labels[1] is None  # the world as meant
    # each photo described once: the direct pass's descriptions serve the chain b -> a
    # (before: a and b described again for the chain, ["a", "b", "b", "a"])
    assert described == ["a", "b"]


def test_kept_descriptions_follow_the_file_and_the_settings_and_stay_bounded(tmp_path, monkeypatch):
    from dataclasses import replace

    from geolocator.core import rerank

    verifier, queries, _, described = _anchor_world(monkeypatch, tmp_path)
    a = queries[0]
    a.path.write_bytes(b"one")
    first = verifier.described(a)
    assert verifier.described(a) is first and described == ["a"]  # kept
    a.path.write_bytes(b"two!")  # the file edited (another size): described anew
    verifier.described(a)
    assert described == ["a", "a"]
    verifier.settings = replace(verifier.settings, n_features=500)  # other settings: described anew
    verifier.described(a)
    assert described == ["a", "a", "a"]
    # bounded: each description holds 4 x 2 + 4 x 128 float32 = 2080 bytes; room for two
    monkeypatch.setattr(rerank, "PHOTO_MEMORY_BYTES", 2 * 2080)
    verifier._described.clear()
    verifier._described_bytes = 0
    b = queries[1]
    c = rerank.Query("c", tmp_path / "c.jpg")
    for q in (a, b, a, c):  # a used again after b: b is the least recently used when c comes
        verifier.described(q)
    assert verifier._described_bytes == 2 * 2080 and len(verifier._described) == 2
    del described[:]
    verifier.described(a)
    verifier.described(c)
    assert described == []  # still kept
    verifier.described(b)
    assert described == ["b"]  # dropped, described anew


def test_a_descriptions_bytes_count_its_other_headings():
    from geolocator.core.rerank import LocalFeatures, _nbytes

    # 4 points (4 x 2 float32 = 32 bytes) and 4 descriptors (4 x 128 float32 = 2048): 2080 bytes a view
    one = LocalFeatures(np.zeros((4, 2), np.float32), np.zeros((4, 128), np.float32), (64, 48))
    turned = LocalFeatures(one.points, one.descriptors, one.size, views=((one, np.eye(3)), (one, np.eye(3))))
    assert _nbytes(one) == 2080 and _nbytes(turned) == 3 * 2080 and _nbytes(None) == 0


def _cv2_error():
    import cv2

    return cv2.error("OpenCV refused it")


@pytest.mark.parametrize("make", [lambda: OSError("disk gone"), lambda: ValueError("odd size"),
                                  lambda: ZeroDivisionError("zero-width tile"), lambda: MemoryError("too large"),
                                  _cv2_error])
def test_each_error_a_bad_tile_raises_leaves_the_tile_alone_with_a_warning(tmp_path, monkeypatch, make):
    from geolocator.core.sources import tile_image

    tiles = _tile_grid(tmp_path)
    real = tile_image.open_tile_image

    def open_tile_image(tile, min_side=None):
        if tile.id == "t5":
            raise make()
        return real(tile, min_side=min_side)

    monkeypatch.setattr(tile_image, "open_tile_image", open_tile_image)
    v, (features, to_tile, ground), said = _centre_target(monkeypatch, tiles)
    assert features is v.tile(tiles[4]) and to_tile is None and ground == tiles[4].bounds
    assert len(said) == 1 and str(tiles[4].path) in said[0] and type(make()).__name__ in said[0], said
