"""Hand mutants of session 24's new code (adapt/geometric.py's chaining rounds on the photo pool,
link_precheck and quick_link; matchers/verify.quick_inliers and _plausible_fit; media/thermal.py;
sequence's MotionModel.max_bridge_s; the reversed-tones switch of the CLI, the Workspace and the
app's locate job; metadata.quarter_turned): apply one replacement, run the test files that should
kill it, restore the file (training/hand_mutants.run; a test run past its timeout counts as killed).
Run it in a copy of the tree, never in a worktree being edited:

    python training/mutation_check_session25_mend25.py [G1 V2 ...] [--check]

--check: run nothing, list the mutants whose text today's code no longer holds exactly once.

Results and what each survivor meant: training/results/mutation_session25_mend25.md."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hand_mutants import main_old_new  # noqa: E402

GEO, VER = "geolocator/core/adapt/geometric.py", "geolocator/core/matchers/verify.py"
THM, SEQ = "geolocator/core/media/thermal.py", "geolocator/core/sequence.py"
PIPE, JOBS, CLI = "geolocator/core/pipeline.py", "geolocator/gui/jobs.py", "geolocator/cli.py"
MAIN, META = "geolocator/gui/main_window.py", "geolocator/core/media/metadata.py"
T_GEO = ("tests/test_geometric_learned_links.py", "tests/test_geometric_threads.py", "tests/test_geometric_exact.py",
         "tests/test_geometric_labels.py")
T_VER = ("tests/test_geometric_learned_links.py", "tests/test_verify_matchers.py", "tests/test_verify_exact.py",
         "tests/test_verify_fast.py", "tests/test_learned_nadir.py")
T_THM = "tests/test_thermal.py"
T_SEQ = ("tests/test_sequence.py", "tests/test_sequence_exact.py", "tests/test_track_confidence.py")
T_TONES = ("tests/test_thermal.py", "tests/test_rerank_reversal.py")
T_ORI = ("tests/test_orientation_rule.py", "tests/test_metadata.py", "tests/test_camera_exact.py")

M = [
 # adapt/geometric.py: chaining rounds on the photo pool, link_precheck, quick_link
 # (session 35: G1-G4, G6, G7 point at the code as it reads now: the first looks moved into _first_looks
 # and _first_look_order, `tried` is one photo's set there, quick_link takes the glue's heading)
 ("G1", GEO, "settings.link_precheck if bounded else 0, token))", "settings.link_precheck, token))", T_GEO),
 ("G2", GEO, "        if inliers >= precheck:  # below: hopeless", "        if inliers > precheck:  # below: hopeless", T_GEO),
 ("G3", GEO, "        inliers = quick_link(photo(qi), photo(a), verify_settings, heading)",
  "        inliers = quick_link(photo(a), photo(qi), verify_settings, heading)", T_GEO),
 ("G4", GEO, "    return learned.quick_inliers(photo, partner, settings, expected_share=1.0, heading=heading)",
  "    return learned.quick_inliers(photo, partner, settings, heading=heading)", T_GEO),
 ("G5", GEO, "    link_precheck: int = 12", "    link_precheck: int = 0", T_GEO),
 ("G6", GEO, "        tried.add(a)\n", "", T_GEO),
 ("G7", GEO, "        if a == qi or a in tried:", "        if a == qi:", T_GEO),
 ("G8", GEO, "                current = best or placed.get(qi)", "                current = placed.get(qi)", T_GEO),
 ("G9", GEO, "                if bounded and best is not None and best.inliers >= stop:",
  "                if bounded and best is not None and best.inliers > stop:", T_GEO),
 ("G10", GEO, "        found = map_photos(chain, todo, workers=workers, cancel=cancel, done=chained)",
  "        found = map_photos(chain, todo, workers=1, cancel=cancel, done=chained)", T_GEO),
 ("G11", GEO, "        found = map_photos(chain, todo, workers=workers, cancel=cancel, done=chained)",
  "        found = map_photos(chain, todo, workers=workers, cancel=None, done=chained)", T_GEO),
 ("G12", GEO, "                check(token)  # between links", "                pass  # between links", T_GEO),
 ("G13", GEO, "                check(token)  # between links", "                check(cancel)  # between links", T_GEO),
 ("G14", GEO, "        if not new:\n            break", "        if not new:\n            continue", T_GEO),
 ("G15", GEO, "                partners = _most_alike(qi, partners, tried[qi], photo, settings.learned_links)",
  "                partners = _most_alike(qi, partners, set(), photo, settings.learned_links)", T_GEO),
 ("G16", GEO, "    fresh = [int(a) for a in partners if int(a) != qi and int(a) not in tried and",
  "    fresh = [int(a) for a in partners if int(a) != qi and", T_GEO),
 ("G17", GEO, "        new = {qi: p for qi, p in zip(todo, found) if p is not None}",
  "        new = {qi: p for qi, p in zip(sorted(todo, reverse=True), found) if p is not None}", T_GEO),
 ("G18", GEO, "            emit(progress, ProgressEvent(\"geometry\", k, len(todo),",
  "            emit(progress, ProgressEvent(\"geometry\", k - 1, len(todo),", T_GEO),
 ("G19", GEO, "f\"matching photos to each other (round {round_ + 1})\"", "f\"matching photos to each other (round {round_})\"", T_GEO),
 ("G20", GEO, "                    best = _Placement(anchor.tile, chained, strength, a, centre)",
  "                    best = _Placement(anchor.tile, chained, strength, qi, centre)", T_GEO),
 ("G21", GEO, "    tried: dict[int, set[int]] = {qi: set() for qi in range(n_q)}",
  "    tried: dict[int, set[int]] = dict.fromkeys(range(n_q), set())", T_GEO),
 # matchers/verify.py: quick_inliers, _plausible_fit
 ("V1", VER, "    ia, ib = mutual_nearest(view.descriptors[:keypoints], target.descriptors[:keypoints], -np.inf)",
  "    ia, ib = mutual_nearest(view.descriptors[:keypoints], target.descriptors, -np.inf)", T_VER),
 ("V2", VER, "    ia, ib = mutual_nearest(view.descriptors[:keypoints], target.descriptors[:keypoints], -np.inf)",
  "    ia, ib = mutual_nearest(view.descriptors, target.descriptors[:keypoints], -np.inf)", T_VER),
 ("V3", VER, "    ia, ib = mutual_nearest(view.descriptors[:keypoints], target.descriptors[:keypoints], -np.inf)",
  "    ia, ib = mutual_nearest(view.descriptors[:keypoints], target.descriptors[:keypoints], 0.9)", T_VER),
 ("V4", VER, "QUICK_KEYPOINTS = 1024", "QUICK_KEYPOINTS = 512", T_VER),
 ("V5", VER, "    view, to_view = heading if heading is not None else best_heading(photo, target)\n    ia, ib = mutual_nearest(",
  "    view, to_view = photo, np.eye(3)\n    ia, ib = mutual_nearest(", T_VER),
 ("V6", VER, "    return 0 if fit is None else fit[1]", "    return 0 if fit is None else len(ib)", T_VER),
 ("V7", VER, "    return (homography, int(mask.sum())) if plausible else None", "    return (homography, len(mask)) if plausible else None", T_VER),
 ("V8", VER, "    return (homography, int(mask.sum())) if plausible else None", "    return (homography, int(mask.sum()))", T_VER),
 ("V9", VER, "    homography = homography @ to_view  # upright photo -> view -> target", "    pass", T_VER),
 ("V10", VER, "    plausible = (_plausible(homography, photo.size, target.size, settings) if expected_share is None",
  "    plausible = (_plausible(homography, photo.size, target.size, settings) if True", T_VER),
 ("V11", VER, "    if len(photo.descriptors) < 4 or len(target.descriptors) < 4:\n        return 0",
  "    if len(photo.descriptors) < 1 or len(target.descriptors) < 1:\n        return 0", T_VER),
 ("V12", VER, "    fit = _plausible_fit(photo, view, to_view, target, ia, ib, settings, expected_share)\n    if fit is None:\n        return Verification(0)",
  "    fit = _plausible_fit(photo, view, to_view, target, ia, ib, settings, None)\n    if fit is None:\n        return Verification(0)", T_VER),
 # media/thermal.py
 ("T1", THM, "        if source.strip().lower() == \"infraredcamera\":", "        if source == \"InfraredCamera\":", T_THM),
 ("T2", THM, "        if any(marker == \"APP3\" for marker, _ in applist):", "        if False:", T_THM),
 ("T3", THM, "        if any(marker == \"APP1\" and bytes(data[:5]) == b\"FLIR\\x00\" for marker, data in applist):",
  "        if any(marker == \"APP1\" for marker, data in applist):", T_THM),
 ("T4", THM, "    if mode in _WIDE_MODES and (size in THERMAL_SIZES or size[::-1] in THERMAL_SIZES):",
  "    if mode in _WIDE_MODES and size in THERMAL_SIZES:", T_THM),
 ("T5", THM, "    if mode in _WIDE_MODES and (size in THERMAL_SIZES or size[::-1] in THERMAL_SIZES):",
  "    if mode in _WIDE_MODES or (size in THERMAL_SIZES or size[::-1] in THERMAL_SIZES):", T_THM),
 ("T6", THM, "    if not path.stem.upper().endswith(\"_T\"):\n        return None\n    try:", "    try:", T_THM),
 ("T7", THM, "    if size in THERMAL_SIZES or size[::-1] in THERMAL_SIZES:\n        return f\"a clip",
  "    if True:\n        return f\"a clip", T_THM),
 ("T8", THM, "    if size in THERMAL_SIZES or size[::-1] in THERMAL_SIZES:\n        return f\"a clip",
  "    if size in THERMAL_SIZES:\n        return f\"a clip", T_THM),
 ("T9", THM, "    except (InputError, OSError, ImportError):\n        return None", "    except ImportError:\n        return None", T_THM),
 ("T10", THM, "        for case in (suffix, suffix.lower()):", "        for case in (suffix,):", T_THM),
 ("T11", THM, "VISIBLE_SUFFIXES = (\"_W\", \"_V\", \"_Z\")", "VISIBLE_SUFFIXES = (\"_Z\", \"_V\", \"_W\")", T_THM),
 ("T12", THM, "    if not stem.upper().endswith(\"_T\") or path.suffix.lower() in VIDEO_SUFFIXES:",
  "    if not stem.upper().endswith(\"_T\"):", T_THM),
 ("T13", THM, "        missing = [t for t in paired if t.visible.resolve() not in located]",
  "        missing = [t for t in paired if t.visible not in located]", T_THM),
 ("T14", THM, "    files = list(dict.fromkeys(q.path for q in queries))", "    files = [q.path for q in queries]", T_THM),
 ("T15", THM, "    return \"has\" if n == 1 else \"have\"", "    return \"has\"", T_THM),
 ("T16", THM, "    return \"it\" if n == 1 else \"them\"", "    return \"them\"", T_THM),
 ("T17", THM, "count(clips, \"clip\" if photos else \"thermal clip\")", "count(clips, \"thermal clip\")", T_THM),
 ("T18", THM, "            xmp = im.info.get(\"xmp\")\n            if xmp is None and fmt == \"TIFF\":",
  "            xmp = im.info.get(\"xmp\")\n            if False:", T_THM),
 ("T19", THM, "    (640, 480), (320, 240)})", "    (640, 480)})", T_THM),
 # sequence: MotionModel.max_bridge_s (session 35: S5-S8 point at the calls as they read now, the bridge
 # positional before the ends, so the mutant passes math.inf in its place)
 ("S1", SEQ, "    max_bridge_s: float = 63.0", "    max_bridge_s: float = math.inf", T_SEQ),
 ("S2", SEQ, "        return (\"interpolated\", None) if after - before <= bridge_s else None",
  "        return (\"interpolated\", None) if after - before < bridge_s else None", T_SEQ),
 ("S3", SEQ, "        before = max(times[i] for i in anchors if times[i] <= t)", "        before = first", T_SEQ),
 ("S4", SEQ, "        after = min(times[i] for i in anchors if times[i] >= t)", "        after = last", T_SEQ),
 ("S5", SEQ, "    placed = _place(times, others, j, horizon_s, bridge_s, min_base_s,",
  "    placed = _place(times, others, j, horizon_s, math.inf, min_base_s,", T_SEQ),
 ("S6", SEQ, "            placed = _place(times, verified_anchors, j, model.extrapolate_s, model.max_bridge_s, *ends)",
  "            placed = _place(times, verified_anchors, j, model.extrapolate_s, math.inf, *ends)", T_SEQ),
 ("S7", SEQ, "            placed = _place(times, anchors, j, model.extrapolate_s, model.max_bridge_s, *ends)",
  "            placed = _place(times, anchors, j, model.extrapolate_s, math.inf, *ends)", T_SEQ),
 ("S8", SEQ, "moved_confidence(times, verified_anchors, j, location, model.extrapolate_s,\n                                                    model.max_bridge_s, *ends)",
  "moved_confidence(times, verified_anchors, j, location, model.extrapolate_s,\n                                                    math.inf, *ends)", T_SEQ),
 # the reversed-tones switch: CLI, Workspace, the app's locate job
 ("A1", JOBS, "        self.ws.set_reversed_tones(self._reversed_tones or thermal is not None)",
  "        self.ws.set_reversed_tones(thermal is not None)", T_TONES),
 ("A2", JOBS, "        self.ws.set_reversed_tones(self._reversed_tones or thermal is not None)",
  "        self.ws.set_reversed_tones(self._reversed_tones)", T_TONES),
 ("A3", JOBS, "        results.thermal_note = thermal\n", "", T_TONES),  # session 35: set on the results, no longer a keyword
 ("A4", PIPE, "            self.settings.reversed_tones = bool(on)\n            self._verifier = None",
  "            self.settings.reversed_tones = bool(on)", T_TONES),
 ("A5", PIPE, "                                                   reversed_tones=self.settings.reversed_tones,\n", "", T_TONES),
 ("A6", CLI, "    if thermal is not None:\n        ws.set_reversed_tones(True)", "    if False:\n        ws.set_reversed_tones(True)", T_TONES),
 ("A7", MAIN, "        if results.thermal_note:  # thermal photos", "        if False:  # thermal photos", T_TONES),
 ("A8", CLI, "    if thermal:  # what thermal photos can expect", "    if False:  # what thermal photos can expect", T_TONES),
 # metadata.quarter_turned
 ("Q1", META, "    return meta is not None and meta.orientation in (5, 6, 7, 8)",
  "    return meta is not None and meta.orientation in (5, 6, 7, 8, 3)", T_ORI),
 ("Q2", META, "    return meta is not None and meta.orientation in (5, 6, 7, 8)",
  "    return meta is not None and meta.orientation in (5, 6, 7)", T_ORI),
]

if __name__ == "__main__":
    raise SystemExit(main_old_new(M, (), sys.argv[1:], pytest_args=("-p", "no:xdist")))
