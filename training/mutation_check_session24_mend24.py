"""Hand mutants of session 23's new code (pose_check, sequence.frame_shots and the shots, wording.shot_of,
metadata.in_clock_zone, camera._image_size, export_track.counterclockwise, Workspace._grounds' reach,
photo_pool): apply one replacement, run the test files that should kill it, restore the file
(training/hand_mutants.run). Run it in a copy of the tree, never in a worktree being edited:

    python training/mutation_check_session24_mend24.py [P1 S2 ...]

Results and what each survivor meant: training/results/mutation_session24_mend24.md."""
import sys

from hand_mutants import main_old_new

POSE, SEQ, WORD = "geolocator/core/pose_check.py", "geolocator/core/sequence.py", "geolocator/core/wording.py"
META, CAM, TRK = "geolocator/core/media/metadata.py", "geolocator/core/camera.py", "geolocator/core/export_track.py"
PIPE, POOL = "geolocator/core/pipeline.py", "geolocator/core/photo_pool.py"
T_POSE = "tests/test_pose_check.py"
T_SHOT = ("tests/test_shot_everywhere.py", "tests/test_one_frame_shot.py", "tests/test_cuts.py")
T_ZONE = ("tests/test_capture_time_words.py", "tests/test_clock_zone.py")
T_CAM = ("tests/test_camera_exact.py", "tests/test_metadata.py", "tests/test_orientation_rule.py")
T_CCW = ("tests/test_export_track.py", "tests/test_export_track_exact.py", "tests/test_export_track_exact2.py")
T_REACH = "tests/test_oblique_outline_reach.py"
T_POOL = "tests/test_photo_pool.py"

M = [
 # pose_check.py
 ("P1", POSE, "TILT_TOLERANCE_DEG = 25.0", "TILT_TOLERANCE_DEG = 60.0", T_POSE),
 ("P2", POSE, "else abs(90.0 + pitch)", "else abs(90.0 - pitch)", T_POSE),
 ("P3", POSE, "else abs(90.0 + pitch)", "else (90.0 + pitch)", T_POSE),
 ("P4", POSE, "    if pitch is None:\n        meta = getattr(query, \"meta\", None)",
  "    if False:\n        meta = getattr(query, \"meta\", None)", T_POSE),
 ("P5", POSE, "    if telemetry is not None:\n", "    if False:\n", T_POSE),
 ("P6", POSE, "if not PITCH_RANGE_DEG[0] <= pitch <= PITCH_RANGE_DEG[1]:", "if not PITCH_RANGE_DEG[0] < pitch < PITCH_RANGE_DEG[1]:", T_POSE),
 ("P7", POSE, "PITCH_RANGE_DEG = (-120.0, 0.0)", "PITCH_RANGE_DEG = (-120.0, 90.0)", T_POSE),
 ("P8", POSE, "abs(implied - recorded) <= TILT_TOLERANCE_DEG", "abs(implied - recorded) < TILT_TOLERANCE_DEG", T_POSE),
 ("P9", POSE, "tile.point_at(x, y) for x, y in corners", "tile.point_at(y, x) for x, y in corners", T_POSE),
 ("P10", POSE, "                check = replace(check, inliers=0)", "                pass", T_POSE),
 ("P11", POSE, "            if check.inliers and check.corners is not None:", "            if False:", T_POSE),
 ("P12", POSE, "if implied is None or abs(", "if implied is None or recorded < 5 or abs(", T_POSE),
 # sequence: the shots
 ("S1", SEQ, "t.edit_shot for t in tracks if t.edit_shot is not None for p", "t.edit_shot for t in tracks for p", T_SHOT),
 ("S2", SEQ, "else (self.shot, self.shots)", "else (self.shots, self.shot)", T_SHOT),
 ("S3", SEQ, ", (name, k + 1, n))", ", (name, k, n))", T_SHOT),
 ("S4", SEQ, "f\"{name} {shot_of(k + 1, n)}\"", "f\"{name} {shot_of(k, n)}\"", T_SHOT),
 ("S5", SEQ, "if len(items) >= 2 or shot is not None]", "if len(items) >= 2]", T_SHOT),
 ("S6", SEQ, "    if n == 1:\n        return [(name, timed, None)]\n", "", T_SHOT),
 ("S7", SEQ, "[x for x, s in zip(timed, index) if s == k]", "[x for x, s in zip(timed, index) if s <= k]", T_SHOT),
 # wording
 ("W1", WORD, "    return f\"shot {shot} of {shots}\"", "    return f\"shot {shots} of {shot}\"", T_SHOT),
 ("W2", WORD, "{count(shots - 1, 'cut')}", "{count(shots, 'cut')}", T_SHOT),
 # metadata.in_clock_zone
 ("Z1", META, "    return when if when.tzinfo is not None or clock_zone is None else when.replace(tzinfo=clock_zone)",
  "    return when if clock_zone is None else when.replace(tzinfo=clock_zone)", T_ZONE),
 ("Z2", META, "    return when if when.tzinfo is not None or clock_zone is None else when.replace(tzinfo=clock_zone)",
  "    return when if when.tzinfo is not None or clock_zone is None else when.astimezone(clock_zone)", T_ZONE),
 # camera._image_size and the orientation rule
 ("C1", CAM, "    return (h, w) if _quarter_turned(query) else (w, h)", "    return (w, h)", T_CAM),
 ("C2", CAM, "            return info.width, info.height", "            return info.height, info.width", T_CAM),
 ("C3", META, "    return meta is not None and meta.orientation in (5, 6, 7, 8)",
  "    return meta is not None and meta.orientation in (6, 8)", T_CAM),
 ("C4", CAM, "quarter_turned(meta if meta is not None else read_photo_meta(query.path))", "quarter_turned(meta)", T_CAM),
 ("C5", META, "    if quarter_turned(meta):  # displayed", "    if False:  # displayed", T_CAM),
 # export_track.counterclockwise
 ("K1", TRK, "    return pts if twice_area >= 0 else", "    return pts if twice_area <= 0 else", T_CCW),
 ("K2", TRK, "else [pts[0], *reversed(pts[1:])]", "else list(reversed(pts))", T_CCW),
 ("K3", TRK, "(((p.lon - pts[0].lon + 180.0) % 360.0) - 180.0, p.lat)", "(p.lon - pts[0].lon, p.lat)", T_CCW),
 ("K4", TRK, "    if len(pts) < 3:\n        return pts\n    xy", "    if len(pts) < 4:\n        return pts\n    xy", T_CCW),
 ("K5", TRK, "zip(xy, xy[1:] + xy[:1]))", "zip(xy, xy[1:]))", T_CCW),
 ("K6", TRK, "(((p.lon - pts[0].lon + 180.0) % 360.0) - 180.0, p.lat)", "(p.lat, ((p.lon - pts[0].lon + 180.0) % 360.0) - 180.0)", T_CCW),
 # Workspace._grounds' reach
 ("R1", PIPE, "                far = reach is not None and reach[qi]", "                far = False", T_REACH),
 ("R2", PIPE, "                far = reach is not None and reach[qi]", "                far = reach is not None", T_REACH),
 ("R3", PIPE, "(math.isfinite(f) if far else -2.0 <= f <= 3.0)", "(True if far else -2.0 <= f <= 3.0)", T_REACH),
 ("R4", PIPE, "self._grounds(checks, candidates, [isinstance(f, ViewGeometry) for f in footprints],",
  "self._grounds(checks, candidates, None,", T_REACH),  # session 36: the bands follow it now
 # photo_pool.py (mutated only here, never committed)
 ("PP1", POOL, "if requested is not None and int(requested) < 0:", "if requested is not None and int(requested) <= 0:", T_POOL),
 ("PP2", POOL, "    return min(cores(), MAX_AUTO_WORKERS)", "    return max(cores(), MAX_AUTO_WORKERS)", T_POOL),
 ("PP3", POOL, "    if workers <= 1 or len(indices) <= 1:", "    if workers <= 1:", T_POOL),
 ("PP4", POOL, "        for k, i in enumerate(indices, 1):\n            check(cancel)\n",
  "        for k, i in enumerate(indices, 1):\n", T_POOL),
 ("PP5", POOL, "        return self._event.is_set() or (self._outer is not None and self._outer.cancelled)",
  "        return self._event.is_set()", T_POOL),
 ("PP6", POOL, "        check(self._outer)  # the user's Cancel", "        pass  # the user's Cancel", T_POOL),
 ("PP7", POOL, "futures[k].done() and not token.cancelled:", "futures[k].done():", T_POOL),
 ("PP8", POOL, "                if any(f.exception() is not None for f in finished):\n                    break",
  "                if False:\n                    break", T_POOL),
 ("PP9", POOL, "    fault = next((e for e in errors if not isinstance(e, Cancelled)), None)",
  "    fault = next((e for e in errors), None)", T_POOL),
 ("PP10", POOL, "            wait(futures)  # every started", "            pass  # every started", T_POOL),
 ("PP11", POOL, "            torch.set_num_threads(before_torch)", "            pass", T_POOL),
 ("PP12", POOL, "            cv2.setNumThreads(1)", "            pass", T_POOL),
 ("PP13", POOL, "                token.cancel()\n                for future in futures:", "                for future in futures:", T_POOL),
 ("PP14", POOL, "        return max(1, len(os.sched_getaffinity(0)))", "        return max(1, os.cpu_count() or 1)", T_POOL),
 ("PP15", POOL, "    check(cancel)\n    raise errors[0] if errors else", "    raise errors[0] if errors else", T_POOL),
]

# session 36: through hand_mutants.main_old_new, which adds --check (run nothing, list the stale mutants)
if __name__ == "__main__":
    raise SystemExit(main_old_new(M, (), sys.argv[1:], pytest_args=("-p", "no:xdist")))
