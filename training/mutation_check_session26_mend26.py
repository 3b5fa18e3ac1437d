"""Hand mutants of session 25's new code (`git diff 3e26dd2 5e30e27 -- geolocator/`): core/ground_band.py
(GB), core/changed_ground.py and the switch that applies it in the Workspace, the CLI, the evidence
record and the app (CG), matchers/verify._mutual (MU), adapt/geometric.link_heading and its callers
(LH), the KML pins of photos in no flight (KP; as session 26 left them: by level, core/levels.py)
and the app's reversed-tones switch (TA): apply one replacement, run the test files that should kill
it, restore the file (training/hand_mutants.run; a test run past its timeout counts as killed).
Run it in a copy of the tree, never in a worktree being edited:

    python training/mutation_check_session26_mend26.py [GB1 CG2 ...]

Results and what each survivor meant: training/results/mutation_session26_mend26.md."""
import sys

from hand_mutants import main_old_new

GB, CG = "geolocator/core/ground_band.py", "geolocator/core/changed_ground.py"
VER, GEO = "geolocator/core/matchers/verify.py", "geolocator/core/adapt/geometric.py"
KML, PIPE, CLI = "geolocator/core/export_track.py", "geolocator/core/pipeline.py", "geolocator/cli.py"
EVI, MAIN = "geolocator/core/evidence.py", "geolocator/gui/main_window.py"
JOBS, SIDE = "geolocator/gui/jobs.py", "geolocator/gui/side_panels.py"
T_GB = ("tests/test_ground_band.py", "tests/test_oblique_exact.py", "tests/test_session25_mutants_mend26.py")
T_CG = ("tests/test_changed_ground.py", "tests/test_session25_mutants_mend26.py")
T_MU = ("tests/test_mutual_exact.py", "tests/test_verify_exact.py", "tests/test_session25_mutants_mend26.py")
T_LH = ("tests/test_geometric_exact.py", "tests/test_geometric_learned_links.py", "tests/test_session25_mutants_mend26.py")
T_KP = ("tests/test_levels.py", "tests/test_changed_ground.py", "tests/test_export_track_exact2.py")
T_TA = ("tests/test_thermal.py", "tests/test_gui_keyboard_panes.py", "tests/test_session25_mutants_mend26.py")

M = [
 # core/ground_band.py
 ("GB1", GB, "BELOW_HORIZON_DEG = 20.0", "BELOW_HORIZON_DEG = 25.0", T_GB),
 ("GB2", GB, '    if raw.strip().lower() in ("", "off", "none"):', '    if raw.strip().lower() in ("off",):', T_GB),
 ("GB3", GB, "    if not math.isfinite(value) or not 0.0 <= value < 90.0:", "    if not math.isfinite(value) or not 0.0 <= value <= 90.0:", T_GB),
 ("GB4", GB, "    top = min(0.5, top_px / height_px)", "    top = top_px / height_px", T_GB),
 ("GB5", GB, "math.tan(math.radians(max(-89.0, min(89.0, below_deg - p))))", "math.tan(math.radians(below_deg - p))", T_GB),
 ("GB6", GB, "    return None if top <= 0.0 else (top, 1.0)", "    return (max(top, 0.0), 1.0)", T_GB),
 ("GB7", GB, "    p = -float(pitch_deg)  # the axis' dip below the horizon", "    p = float(pitch_deg)", T_GB),
 # session 36: GB8, GB11, GB17 re-pointed (the offset is computed apart for the roll; the roll passed on;
 # the size is read per file identity in recorded_view.displayed_size). GB9 dropped: a video frame is
 # no longer refused a band (26bb524e: its telemetry records the view), so no such line is left to mutate.
 ("GB8", GB, "    top_px = height_px / 2.0 + offset", "    top_px = height_px / 2.0 - offset", T_GB),
 ("GB10", GB, "    if bars_box(query) is not None:\n        return None\n", "", T_GB),
 ("GB11", GB, "view_rows(view, size, below, recorded_roll_deg(query))",
  "view_rows(view, (size[1], size[0]), below, recorded_roll_deg(query))", T_GB),
 ("GB12", GB, "    pts = np.c_[whole[:, 0], (whole[:, 1] - top) / span, np.ones(len(whole))] @ h.T",
  "    pts = np.c_[whole[:, 0], whole[:, 1] - top, np.ones(len(whole))] @ h.T", T_GB),
 ("GB13", GB, "    side = np.sign(band_z[:, 2].mean())", "    side = 1.0", T_GB),
 ("GB14", GB, "    ok = pts[:, 2] * side > 1e-9", "    ok = pts[:, 2] * side > -1e-9", T_GB),
 ("GB15", GB, "    if not ok.all():\n        return centre, None", "    if False:\n        return centre, None", T_GB),
 ("GB16", GB, "    if not np.isfinite(h).all() or abs(np.linalg.det(h)) < 1e-12 * max(1.0, float(np.abs(h).max())) ** 3:",
  "    if not np.isfinite(h).all():", T_GB),
 ("GB17", "geolocator/core/recorded_view.py", "        identity = file_identity(query.path)", "        identity = str(query.path)", T_GB),
 ("GB18", GB, "    if not ok[0]:\n        return None, None", "    if False:\n        return None, None", T_GB),
 # core/changed_ground.py and where it is applied
 ("CG1", CG, "CHANGED_VERIFIED_BELOW = 0.95", "CHANGED_VERIFIED_BELOW = 0.9", T_CG),
 ("CG2", CG, "CHANGED_VERIFIED_SHARE = 0.71", "CHANGED_VERIFIED_SHARE = 0.75", T_CG),
 ("CG3", CG, "CHANGED_UNVERIFIED_CEILING = 0.06", "CHANGED_UNVERIFIED_CEILING = 0.1", T_CG),
 ("CG4", CG, "confidence if confidence >= CHANGED_VERIFIED_BELOW else", "confidence if confidence > CHANGED_VERIFIED_BELOW else", T_CG),
 ("CG5", CG, "else min(confidence, CHANGED_VERIFIED_SHARE)", "else CHANGED_VERIFIED_SHARE", T_CG),
 ("CG6", CG, "    return min(confidence, CHANGED_UNVERIFIED_CEILING)", "    return CHANGED_UNVERIFIED_CEILING", T_CG),
 ("CG7", CG, "(c := changed_confidence(p.confidence, p.status))", "(c := changed_confidence(p.confidence, p.shown_status))", T_CG),
 ("CG8", PIPE, "        if not self.settings.changed_ground:", "        if True:", T_CG),
 ("CG9", CLI, '        changed_ground=getattr(args, "changed_ground", False),', "        changed_ground=False,", T_CG),
 ("CG10", CLI, "        if ws.settings.changed_ground:", "        if False:", T_CG),
 ("CG11", EVI, '    if getattr(settings, "changed_ground", False):', "    if False:", T_CG),
 ("CG12", MAIN, "        if self.predictions and self.queries and not self.runner.busy:\n            self.locate()",
  "        if False:\n            self.locate()", T_CG),
 ("CG13", MAIN, "        self.session.ws.settings.changed_ground = bool(on)\n", "", T_CG),
 ("CG14", MAIN, "        core.changed_ground = bool(self.settings.changed_ground)\n", "", T_CG),
 ("CG15", MAIN, "        self.backbone_panel.changed_ground.setEnabled(not busy)", "        self.backbone_panel.changed_ground.setEnabled(True)", T_CG),
 # matchers/verify._mutual
 ("MU1", VER, "    mutual = mine == top[columns, ab]", "    mutual = np.ones_like(mine, bool)", T_MU),
 ("MU2", VER, "    repeated = np.count_nonzero(sim == top[None], axis=0) > 1  # (T, K)",
  "    repeated = np.count_nonzero(sim == top[None], axis=0) > 2  # (T, K)", T_MU),
 ("MU3", VER, "        mutual[i, t] = int(np.argmax(sim[:, t, ab[i, t]])) == i", "        mutual[i, t] = True", T_MU),
 ("MU4", VER, "        mutual[i, t] = int(np.argmax(sim[:, t, ab[i, t]])) == i",
  "        mutual[i, t] = int(np.argmax(sim[::-1, t, ab[i, t]])) == len(sim) - 1 - i", T_MU),
 # adapt/geometric.link_heading and its callers
 ("LH1", GEO, "    return learned.best_heading(photo, partner)", "    return learned.best_heading(partner, photo)", T_LH),
 ("LH2", GEO, "        heading = link_heading(photo(qi), photo(a))  # the first look's", "        heading = None  # the first look's", T_LH),
 ("LH3", GEO, "expected_share=1.0, heading=heading)\n                anchor", "expected_share=1.0)\n                anchor", T_LH),
 ("LH4", GEO, "    return learned.quick_inliers(photo, partner, settings, expected_share=1.0, heading=heading)",
  "    return learned.quick_inliers(photo, partner, settings, expected_share=1.0)", T_LH),
 # KML pins of photos in no flight
 ("KP1", KML, "    if level_of(pred) == LEVEL_NOT_CONFIDENT:", "    if False:", T_KP),
 ("KP2", KML, "        return simplekml.Color.yellow\n", "        return simplekml.Color.green\n", T_KP),
 ("KP3", KML, "            pt.style.iconstyle.color = _photo_colour(pred, colours)",
  "            pt.style.iconstyle.color = colours.get(pred.shown_status, simplekml.Color.white)", T_KP),
 ("KP4", KML, '               "weak match": simplekml.Color.orange,', '               "weak match": simplekml.Color.green,', T_KP),
 # the app's reversed-tones switch
 ("TA1", MAIN, "        core.reversed_tones = bool(self.settings.reversed_tones)\n", "", T_TA),
 ("TA2", MAIN, "        self.backbone_panel.tones.setChecked(bool(self.settings.reversed_tones))\n", "", T_TA),
 ("TA3", MAIN, "        self.backbone_panel.tonesChanged.connect(self.set_reversed_tones)\n", "", T_TA),
 ("TA4", MAIN, "        self.settings.reversed_tones = bool(on)\n        self.session.set_reversed_tones(bool(on))",
  "        self.session.set_reversed_tones(bool(on))", T_TA),
 ("TA5", JOBS, "        self._reversed_tones = bool(on)\n        self.ws.set_reversed_tones(bool(on))",
  "        self.ws.set_reversed_tones(bool(on))", T_TA),
 ("TA6", SIDE, "        self.tones.toggled.connect(self.tonesChanged)\n", "", T_TA),
]

# session 36: through hand_mutants.main_old_new, which adds --check (run nothing, list the stale mutants)
if __name__ == "__main__":
    raise SystemExit(main_old_new(M, (), sys.argv[1:], pytest_args=("-p", "no:xdist")))
