"""Hand mutants of session 19's mend19 code: apply one replacement, run the test file that should kill it,
restore the file. Run from anywhere: python training/mutation_check_session19_mend19.py [M1 M2 ...]
(results: training/results/mend_session19.md)."""
import sys

from hand_mutants import run

M = [
 ("M1", "geolocator/core/sequence.py", "    if confidence is None or confidence >= WEAK_BELOW:", "    if confidence is None or confidence > WEAK_BELOW:", "tests/test_track_weak_status.py"),
 ("M2", "geolocator/core/sequence.py", '    if status in ("interpolated", "extrapolated"):\n        return STATUS_WEAK_TRACK', '    if status in ("interpolated",):\n        return STATUS_WEAK_TRACK', "tests/test_track_weak_status.py"),
 ("M3", "geolocator/core/export_track.py", "        \"status\": p.shown_status,", "        \"status\": p.status,", "tests/test_track_weak_status.py"),
 ("M4", "geolocator/gui/query_list.py", "        r.status = (shown_track_status(", "        r.status = (str(", "tests/test_track_weak_status.py"),
 ("M5", "geolocator/core/predict.py", "    return _tile_radius_m(tile)\n", "    return _tile_radius_m(tile) / 2\n", "tests/test_confidence_radius.py"),
 ("M6", "geolocator/core/export.py", "        \"radius_m\": _round(answer_radius_m(p), 1),\n", "", "tests/test_confidence_radius.py"),
 ("M7", "geolocator/core/wording.py", "    return f\"{confidence} that it is within {radius_m:.0f} m\"", "    return confidence", "tests/test_confidence_radius.py"),
 ("M8", "geolocator/cli.py", "    if not args.quiet and predictions:  #", "    if False:  #", "tests/test_confidence_radius.py"),
 ("M9", "geolocator/core/media/metadata.py", "        if text and text.strip(\"0 \"):", "        if text:", "tests/test_two_drones_one_folder.py"),
 ("M10", "geolocator/core/sequence.py", "            photos.setdefault((camera, serial), []).append((when, q))", "            photos.setdefault((camera, None), []).append((when, q))", "tests/test_two_drones_one_folder.py"),
 ("M11", "geolocator/core/sequence.py", "        body = f\" serial {serial}\" if serials[camera] > 1 and serial else \"\"", "        body = f\" serial {serial}\" if serial else \"\"", "tests/test_two_drones_one_folder.py"),
 ("M12", "geolocator/gui/main_window.py", "        if path.is_dir() and needs_row_order(path):", "        if False:", "tests/test_gui_row_order.py"),
 ("M13", "geolocator/gui/main_window.py", "        if tms is not None:  # False (XYZ) is a choice too", "        if tms:  # False (XYZ) is a choice too", "tests/test_gui_row_order.py"),
 ("M14", "geolocator/gui/warnings_log.py", "        other = \"TMS\" if read_as == \"XYZ\" else \"XYZ\"", "        other = read_as", "tests/test_gui_row_order.py"),
 ("M15", "geolocator/core/export_track.py", "               \"interpolated\": \"Pin, Blue\", \"extrapolated\": \"Pin, Blue\",", "               \"interpolated\": \"Flag, Green\", \"extrapolated\": \"Pin, Blue\",", "tests/test_track_weak_status.py"),
]
run(M, sys.argv[1:], ("-p", "no:xdist"))
