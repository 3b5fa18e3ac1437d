"""Hand mutants of session 31's clock zones per folder (clock31): core/clock_zones.py (CZ: the split
at the last "=", the most specific folder, unused folders), core/export_track.py (ET: each flight's
clock, the UTC order, utc_times), core/sequence.py (SQ: photos of different clocks never one flight),
cli.py (CL) and gui/clock_zone.py (GZ): apply one replacement, run the test files that should kill it,
restore the file (training/hand_mutants.run; a test run past its timeout counts as killed). Run it in a
copy of the tree, never in a worktree being edited:

    python training/mutation_check_session31_clock31.py [CZ1 ET2 ...]

Results: training/results/clock31_session31.md."""
import sys

from hand_mutants import main_old_new

CZ, ET, SQ = "geolocator/core/clock_zones.py", "geolocator/core/export_track.py", "geolocator/core/sequence.py"
CL, GZ = "geolocator/cli.py", "geolocator/gui/clock_zone.py"
T = ("tests/test_clock_zones_per_folder.py", "tests/test_clock_zone.py")
T_GUI = ("tests/test_gui_clock_zones_per_folder.py", "tests/test_gui_clock_zone.py")
T_DAY = ("tests/test_make_sar_day.py",)

M = [
 ("CZ1", CZ, 'folder, zone = (x.strip() for x in text.rsplit(SEPARATOR, 1))',
  'folder, zone = (x.strip() for x in text.split(SEPARATOR, 1))', T),
 ("CZ2", CZ, "len(rule[0].parts) > len(best[0].parts)", "len(rule[0].parts) < len(best[0].parts)", T),
 ("CZ3", CZ, "(p == rule[0] or rule[0] in p.parents)", "(str(p).startswith(str(rule[0])))", T),
 ("CZ4", CZ, "            if not path.exists():", "            if False:", T),
 ("CZ5", CZ, "                if default is not None:\n", "                if False:\n", T),
 ("CZ6", CZ, "            if path in seen:", "            if False:", T),
 ("CZ7", CZ, "        return self.default if rule is None else rule[1]", "        return self.default", T),
 ("CZ8", CZ, "            held.update(p.parents)", "            pass", T),
 ("CZ9", CZ, "    if not folder:\n", "    if False:\n", T),
 ("CZ10", CZ, "    if not zone:\n", "    if False:\n", T),
 ("ET1", ET, "    for track in _in_time_order(tracks, clock_zone):\n        start = _start_of(track)\n        zone = zone_at(clock_zone, track.points[0].query.path if track.points else None)  # this flight's clock\n        if track.video",
  "    for track in tracks:\n        start = _start_of(track)\n        zone = zone_at(clock_zone, track.points[0].query.path if track.points else None)  # this flight's clock\n        if track.video", T),
 ("ET2", ET, "        zone = zone_at(clock_zone, track.points[0].query.path if track.points else None)  # this flight's clock\n        if track.video",
  "        zone = clock_zone.default if hasattr(clock_zone, 'default') else clock_zone\n        if track.video", T),
 ("ET3", ET, "    return sorted(tracks, key=key)", "    return list(tracks)", T),
 ("ET4", ET, "        if start.tzinfo is None and zone is None:\n            continue", "        if False:\n            continue", T),
 ("ET5", ET, "        if when is not None and (when.tzinfo is not None or zone is not None):",
  "        if when is not None and zone is not None:", T),
 ("ET6", ET, "    for track in _in_time_order(tracks, clock_zone):  # the zones named in the order the flights flew",
  "    for track in tracks:  # the zones named in the order the flights flew", T),
 ("SQ1", SQ, "photos.setdefault((camera, serial, clock_of(q.path) if clock_of else None), []).append((when, q))",
  "photos.setdefault((camera, serial, None), []).append((when, q))", T + T_DAY),
 ("CL1", CL, "    args.clock_zones = clock_zones = _clock_zones(args, queries)", "    args.clock_zones = clock_zones = _clock_zones(args)", T),
 ("CL2", CL, "                          tile_footprints=args.footprints, clock_zone=clock_zones,",
  "                          tile_footprints=args.footprints, clock_zone=clock_zones and clock_zones.default,", T),
 ("GZ1", GZ, "            if folder and not zone:", "            if False:", T_GUI),
 ("GZ2", GZ, "        if problem:\n", "        if False:\n", T_GUI),
 ("GZ3", GZ, "            window.set_clock_zones(dialog.default_text(), dialog.folder_zones())",
  "            window.set_clock_zones(dialog.default_text(), {})", T_GUI),
]

# session 36: through hand_mutants.main_old_new, which adds --check (run nothing, list the stale mutants)
if __name__ == "__main__":
    raise SystemExit(main_old_new(M, (), sys.argv[1:]))
