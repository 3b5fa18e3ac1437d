"""Hand mutants of session 18's mend18 code: apply one replacement, run the test file that should kill it,
restore the file. Run from anywhere: python training/mutation_check_session18_mend18.py [M1 M2 ...]
(results: training/results/mend_session18.md)."""
import sys

from hand_mutants import main_old_new

M = [
 ("M1", "geolocator/core/model.py", "self.confidence < WEAK_BELOW", "self.confidence <= WEAK_BELOW", "tests/test_weak_match_status.py"),
 ("M2", "geolocator/core/model.py", "if self.status == STATUS_VERIFIED and self.confidence", "if self.confidence", "tests/test_weak_match_status.py"),
 ("M3", "geolocator/core/export.py", '"status": p.shown_status,', '"status": p.status,', "tests/test_weak_match_status.py"),
 # session 36: M4, M5, M7 re-pointed at the code as it reads now (placed_summary counts levels; the
 # store's resumed count also asks _holds_checks_of; the unread tiles are left out by candidates.top_without)
 ("M4", "geolocator/core/wording.py", "    if LEVEL_WEAK in levels:", "    if False:", "tests/test_weak_match_status.py"),
 # M5 (session 36): equivalent now: _holds_checks_of is False for an empty store file too (any() of nothing),
 # so `any(kept.values())` only spares computing the tiles' keys when nothing was kept (no result changes)
 # (re-pointed in session 37 at resume37's guard, which names the three pair tables: still equivalent)
 ("M5", "geolocator/core/rerank.py", "if any(kept[k] for k in (\"first\", \"alike\", \"later\")) and self._holds_checks_of", "if True and self._holds_checks_of", "tests/test_resumed_count.py"),
 ("M6", "geolocator/gui/main_window.py", "        if results.resumed:  #", "        if False:  #", "tests/test_resumed_count.py"),
 ("M7", "geolocator/core/pipeline.py", "        dropped = np.fromiter(left_out, np.int64) if 0 < len(left_out) < n else np.zeros(0, np.int64)", "        dropped = np.zeros(0, np.int64)", "tests/test_unread_tiles_no_candidates.py"),
 ("M8", "geolocator/core/pipeline.py", "        pool, pool_anchors = self._without_unread(len(tile_features), pool, anchors if pool is None else pool_anchors)", "        pass", "tests/test_unread_tiles_no_candidates.py"),
 ("M9", "geolocator/core/pipeline.py", "        where[~np.isin(ids, dropped)] = np.arange(len(kept))", "        where[~np.isin(ids, dropped)] = np.arange(len(kept))[::-1]", "tests/test_unread_tiles_no_candidates.py"),
 ("M10", "geolocator/gui/map_view.py", "            QTimer.singleShot(0, self, self.focusWidgetAdded.emit)\n", "", "tests/test_gui_keyboard_panes.py"),
 ("M11", "geolocator/gui/panes.py", "    for k in range(1, n + 1):", "    for k in range(1, 2):", "tests/test_gui_keyboard_panes.py"),
 ("M12", "geolocator/gui/panes.py", "    step = 1 if forward else -1", "    step = 1", "tests/test_gui_keyboard_panes.py"),
 ("M13", "geolocator/__main__.py", "    if note:  #", "    if False:  #", "tests/test_command_shadows_path.py"),
 ("M14", "geolocator/gui/warnings_log.py", "    if not exc.placeable:", "    if False:", "tests/test_gui_crs_box.py"),
 ("M15", "geolocator/gui/main_window.py", "        if not (isinstance(exc, CrsMissing) and exc.placeable):", "        if not isinstance(exc, CrsMissing):", "tests/test_gui_crs_box.py"),
 ("M16", "geolocator/gui/warnings_log.py", "    if isinstance(facts, dict):\n        return (f\"{facts['head']}", "    if False:\n        return (f\"{facts['head']}", "tests/test_gui_warnings.py"),
]

# session 36: through hand_mutants.main_old_new, which adds --check (run nothing, list the stale mutants)
if __name__ == "__main__":
    raise SystemExit(main_old_new(M, (), sys.argv[1:]))
