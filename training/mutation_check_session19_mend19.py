"""Hand mutants of session 19's mend19 code: apply one replacement, run the test file that should kill it,
restore the file. Run from anywhere: python training/mutation_check_session19_mend19.py [M1 M2 ...]
(results: training/results/mend_session19.md)."""
import sys

from hand_mutants import main_old_new

M = [
 ("M1", "geolocator/core/sequence.py", "    if confidence is None or confidence >= WEAK_BELOW:", "    if confidence is None or confidence > WEAK_BELOW:", "tests/test_track_weak_status.py"),
 ("M2", "geolocator/core/sequence.py", '    if status in ("interpolated", "extrapolated"):\n        return STATUS_WEAK_TRACK', '    if status in ("interpolated",):\n        return STATUS_WEAK_TRACK', "tests/test_track_weak_status.py"),
 ("M3", "geolocator/core/export_track.py", "        \"status\": p.shown_status,", "        \"status\": p.status,", "tests/test_track_weak_status.py"),
 ("M4", "geolocator/gui/query_list.py", "            r.status = (frame_level(status, pred.confidence if conf is None else conf) if status", "            r.status = (str(status) if status", "tests/test_track_weak_status.py"),
 ("M5", "geolocator/core/predict.py", "    return _tile_radius_m(tile)\n", "    return _tile_radius_m(tile) / 2\n", "tests/test_confidence_radius.py"),
 ("M6", "geolocator/core/export.py", "        \"radius_m\": _round(answer_radius_m(p), 1),\n", "", "tests/test_confidence_radius.py"),
 ("M7", "geolocator/core/wording.py", "    return f\"{confidence} that it is within {radius_m:.0f} m\"", "    return confidence", "tests/test_confidence_radius.py"),
 ("M8", "geolocator/cli.py", "    if not args.quiet and predictions:  #", "    if False:  #", "tests/test_confidence_radius.py"),
 ("M9", "geolocator/core/media/metadata.py", "        if text and text.strip(\"0 \"):", "        if text:", "tests/test_two_drones_one_folder.py"),
 ("M10", "geolocator/core/sequence.py", "            photos.setdefault((camera, serial, clock_of(", "            photos.setdefault((camera, None, clock_of(", "tests/test_two_drones_one_folder.py"),
 ("M11", "geolocator/core/sequence.py", "        body = f\" serial {serial}\" if serials[camera] > 1 and serial else \"\"", "        body = f\" serial {serial}\" if serial else \"\"", "tests/test_two_drones_one_folder.py"),
 ("M12", "geolocator/gui/main_window.py", "        if path.is_dir() and needs_row_order(path):", "        if False:", "tests/test_gui_row_order.py"),
 ("M13", "geolocator/gui/main_window.py", "        if tms is not None:  # False (XYZ) is a choice too", "        if tms:  # False (XYZ) is a choice too", "tests/test_gui_row_order.py"),
 ("M14", "geolocator/gui/warnings_log.py", "        other = \"TMS\" if read_as == \"XYZ\" else \"XYZ\"", "        other = read_as", "tests/test_gui_row_order.py"),
 ("M15", "geolocator/core/export_track.py", "               \"interpolated\": \"Pin, Blue\", \"extrapolated\": \"Pin, Blue\",", "               \"interpolated\": \"Flag, Green\", \"extrapolated\": \"Pin, Blue\",", "tests/test_track_weak_status.py"),
]

# session 36: through hand_mutants.main_old_new, which adds --check (run nothing, list the stale mutants)
if __name__ == "__main__":
    raise SystemExit(main_old_new(M, (), sys.argv[1:], pytest_args=("-p", "no:xdist")))
