"""Hand mutants of session 12 mend's new core code (run from anywhere; ROOT is this checkout, copies go to
ROOT/out/mut): each applied to a fresh copy of HEAD, the
listed tests run; killed = any test fails."""
from pathlib import Path

from hand_mutants import run_mutants  # training/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]  # was /work/wt/mend, session 12's worktree
T12 = "tests/test_session12_mend.py"
MUTANTS = [
    ("control (unmutated)", "geolocator/core/pixel_grid.py", "SIFT_OFFSET_PX = 0.25", "SIFT_OFFSET_PX = 0.25", [T12, "tests/test_rerank_exact.py", "tests/test_pipeline_exact.py"]),
    ("pixel_grid EDGES_TO_CENTRES -0.5 -> +0.5", "geolocator/core/pixel_grid.py",
     "EDGES_TO_CENTRES = np.array([[1.0, 0.0, -0.5], [0.0, 1.0, -0.5], [0.0, 0.0, 1.0]])",
     "EDGES_TO_CENTRES = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])", [T12]),
    ("pixel_grid CENTRES_TO_EDGES y only 0.5 -> 0", "geolocator/core/pixel_grid.py",
     "CENTRES_TO_EDGES = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])",
     "CENTRES_TO_EDGES = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])", [T12]),
    ("centred: order swapped", "geolocator/core/pixel_grid.py",
     "return EDGES_TO_CENTRES @ np.asarray(edge_map, np.float64) @ CENTRES_TO_EDGES",
     "return CENTRES_TO_EDGES @ np.asarray(edge_map, np.float64) @ EDGES_TO_CENTRES", [T12]),
    ("resize_map: sy from widths", "geolocator/core/pixel_grid.py",
     "sx, sy = target_size[0] / source_size[0], target_size[1] / source_size[1]",
     "sx, sy = target_size[0] / source_size[0], target_size[0] / source_size[0]", [T12, "tests/test_rerank_exact.py"]),
    ("image_centre: w / 2", "geolocator/core/pixel_grid.py",
     "return (size[0] - 1) / 2.0, (size[1] - 1) / 2.0", "return size[0] / 2.0, (size[1] - 1) / 2.0", [T12]),
    ("image_corners: BR x w + 0.5", "geolocator/core/pixel_grid.py",
     "[w - 0.5, h - 0.5], [-0.5, h - 0.5]]", "[w + 0.5, h - 0.5], [-0.5, h - 0.5]]", [T12]),
    ("fraction: y + 0.5 dropped", "geolocator/core/pixel_grid.py",
     "return (x + 0.5) / size[0], (y + 0.5) / size[1]", "return (x + 0.5) / size[0], y / size[1]", [T12]),
    ("SIFT_OFFSET_PX 0.25 -> 0", "geolocator/core/pixel_grid.py",
     "SIFT_OFFSET_PX = 0.25", "SIFT_OFFSET_PX = 0.0", [T12]),
    ("sift_points: + offset", "geolocator/core/pixel_grid.py",
     ".reshape(-1, 2) - SIFT_OFFSET_PX", ".reshape(-1, 2) + SIFT_OFFSET_PX", [T12]),
    ("_nbytes: views left out", "geolocator/core/rerank.py",
     "return own + sum(_nbytes(view) for view, _ in features.views)", "return own", [T12]),
    ("described: no move_to_end", "geolocator/core/rerank.py",
     "            self._described.move_to_end(key)\n", "", [T12]),
    ("described: evict at >=", "geolocator/core/rerank.py",
     "while self._described_bytes > PHOTO_MEMORY_BYTES:", "while self._described_bytes >= PHOTO_MEMORY_BYTES:", [T12]),
    ("described: key without settings", "geolocator/core/rerank.py",
     "key = (query_key(query), self.settings)", "key = (query_key(query),)", [T12]),
    ("_tile_errors: OSError dropped", "geolocator/core/rerank.py",
     "return (GeolocatorError, OSError, ValueError,", "return (GeolocatorError, ValueError,", [T12]),
    ("target: no warning", "geolocator/core/rerank.py",
     'log.warning("mosaic around tile %s: %s: %s; the tile is matched alone",', 'log.debug("mosaic around tile %s: %s: %s; the tile is matched alone",', [T12]),
    ("verify_photo: decoded never called", "geolocator/core/rerank.py",
     "if decoded is not None and self._current.call._image is not None:", "if False:", [T12]),
    ("_survey: known ignored", "geolocator/core/pipeline.py",
     "results = [known[i] if i in known else survey(q) for i, q in enumerate(queries)]",
     "results = [survey(q) for i, q in enumerate(queries)]", [T12]),
    ("verify: decoded qi off by one", "geolocator/core/rerank.py",
     "seen = None if decoded is None else (lambda image, qi=qi: decoded(qi, image))",
     "seen = None if decoded is None else (lambda image, qi=qi: decoded(qi + 1, image))", [T12, "tests/test_pipeline_exact.py"]),
    ("fine unzoom: back to a plain scale", "geolocator/core/rerank.py",
     "homography = resize_map(zoomed.size, plain.size) @ result.homography",
     "homography = np.diag([plain.size[0] / zoomed.size[0], plain.size[1] / zoomed.size[1], 1.0]) @ result.homography", [T12]),
    ("geometric: photo() via verifier.photo", "geolocator/core/adapt/geometric.py",
     "loaded[i] = verifier.described(queries[i])", "loaded[i] = verifier.photo(queries[i])", [T12]),
]


if __name__ == "__main__":
    run_mutants(ROOT, MUTANTS)
