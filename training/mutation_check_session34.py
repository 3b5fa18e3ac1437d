"""Hand mutants of the logic session 34 merged (`git diff 86a9adf..9933380 -- geolocator/`): camera_fit's
pinhole-camera test of a verified outline (CF); flights.py, one grouping for the evidence and the tracks (FL);
gui/pane_widths.share_widths and its splitter (PW); results_panel's heights (RP); exports.wrote_line (WL);
wording.not_located_words / truth_used_line / placed_summary's flagged / left_out_line's files (WO);
telemetry's SRT numbers read whole and 'longtitude' (TE); geo.not_a_map (GE); geotag_copies._dms (GC);
skipped.unread_media (SK); the basemap's alpha (webmap._with_no_data, images._flatten_alpha keep_alpha) (WA);
levels' flagged frame (LV), a damaged year or SubSecTime in metadata.py (MD) and video_time.py (VT), area_crs'
refusal of a CRS that is no map's (AC).

Each mutant is one text replacement: training/hand_mutants.run applies it, runs the tests of its module
with `pytest -x` (the default tier), restores the file. Run it in a copy of the tree (`git archive`, .venv
and data linked), never in a worktree being edited:

    OMP_NUM_THREADS=1 QT_QPA_PLATFORM=offscreen PYTHONPATH=. \
        python training/mutation_check_session34.py [CF1 WL3 ...] [--old-only | --new-only | --check]

--old-only: without the tests written for the survivors (tests/test_mutants_session34_*.py); --new-only:
those new files alone; --check: run nothing, list the mutants that no longer apply to today's code. Results
and what each survivor meant: training/results/mutation_session34.md."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hand_mutants import main_old_new  # noqa: E402

C = "geolocator/core/"
CF, FL, EXS, WO = C + "camera_fit.py", C + "flights.py", C + "exports.py", C + "wording.py"
TE, GE, GC, SK = C + "media/telemetry.py", C + "geo.py", C + "geotag_copies.py", C + "skipped.py"
WMP, IM = C + "webmap.py", C + "images.py"
PW, RP = "geolocator/gui/pane_widths.py", "geolocator/gui/results_panel.py"
LV, MD, VT, AC = C + "levels.py", C + "media/metadata.py", C + "media/video_time.py", C + "sources/area_crs.py"

NEW_CORE = "tests/test_mutants_session34_core.py"
NEW_GUI = "tests/test_mutants_session34_gui.py"
NEW = (NEW_CORE, NEW_GUI)
T_CF = ("tests/test_camera_fit.py", NEW_CORE)
T_FL = ("tests/test_one_flight_grouping.py", NEW_CORE)
T_PW = ("tests/test_gui_laptop_widths.py", "tests/test_gui_short_window.py", NEW_GUI)
T_RP = ("tests/test_gui_short_window.py", NEW_GUI)
T_WL = ("tests/test_export_words.py", "tests/test_left_out_said.py", NEW_CORE)
T_WO = ("tests/test_export_words.py", "tests/test_wording.py", "tests/test_trial_eval_own_photos.py",
        "tests/test_left_out_said.py", "tests/test_flight_summary.py", "tests/test_levels.py", NEW_CORE)
T_TE = ("tests/test_telemetry_exact.py", "tests/test_prop_telemetry.py", "tests/test_srt_heights.py", NEW_CORE)
T_GE = ("tests/test_prop_area_crs.py", NEW_CORE)
T_GC = ("tests/test_geotag_copies.py", "tests/test_prop_metadata.py", NEW_CORE)
T_SK = ("tests/test_left_out_said.py", NEW_CORE)
T_WA = ("tests/test_map_tile_alpha.py", "tests/test_webmap_nodata.py", NEW_CORE)
T_LV = ("tests/test_levels.py", "tests/test_flight_summary.py", NEW_CORE)
T_MD = ("tests/test_metadata_damage.py", "tests/test_prop_times.py", "tests/test_prop_metadata.py", NEW_CORE)
T_VT = ("tests/test_video_time.py", "tests/test_prop_times.py", NEW_CORE)
T_AC = ("tests/test_prop_area_crs.py", NEW_CORE)

M = [
 # core/camera_fit.py
 ("CF1", CF, "not image_size or min(image_size) <= 0:", "not image_size or min(image_size) < 0:", T_CF),
 ("CF2", GE, "[((p.lon - origin.lon + 180.0) % 360.0 - 180.0) * m_lon, (p.lat - origin.lat) * m_lat]",
  "[(p.lon - origin.lon) * m_lon, (p.lat - origin.lat) * m_lat]", T_CF),  # geo.local_metres since the last read
 ("CF3", CF, "abs(cv2.contourArea(ground.astype(np.float32))) < 1e-6:", "abs(cv2.contourArea(ground.astype(np.float32))) < -1.0:", T_CF),
 ("CF4", CF, "    top, bottom = (0.0, 1.0) if rows is None else rows", "    top, bottom = (0.0, 1.0)", T_CF),
 ("CF5", CF, "    return ground - ground.mean(axis=0)", "    return ground - ground[0]", T_CF),
 ("CF6", CF, "FOV_RANGE_DEG = (10.0, 150.0)", "FOV_RANGE_DEG = (30.0, 150.0)", T_CF),
 ("CF7", CF, "    misfit = np.maximum(cos, np.abs(np.log(n1 / n2)))", "    misfit = cos", T_CF),
 ("CF8", CF, "    misfit = np.maximum(cos, np.abs(np.log(n1 / n2)))", "    misfit = np.abs(np.log(n1 / n2))", T_CF),
 ("CF9", CF, "    best = int(np.argmin(misfit))", "    best = int(np.argmax(misfit))", T_CF),
 ("CF10", CF, "MISFIT_BAR = 0.45", "MISFIT_BAR = 0.6", T_CF),
 ("CF11", CF, "    if fit is None or fit.misfit <= MISFIT_BAR:", "    if fit is None or fit.misfit < MISFIT_BAR:", T_CF),
 ("CF12", CF, "        size = (size[0] * (right - left), size[1] * (bottom - top))", "        pass", T_CF),
 ("CF13", CF, "                    check = replace(check, inliers=0)", "                    pass", T_CF),
 ("CF14", CF, "    f = (frame * w / 2.0) / np.tan(np.radians(fovs) / 2.0)", "    f = (frame * w) / np.tan(np.radians(fovs) / 2.0)", T_CF),
 ("CF15", CF, "abs(float(axis[2]) / float(np.linalg.norm(axis)))", "abs(float(axis[0]) / float(np.linalg.norm(axis)))", T_CF),
 ("CF16", CF, "    return CameraFit(float(misfit[best]), float(fovs[best]), tilt)", "    return CameraFit(float(misfit[best]), float(fovs[0]), tilt)", T_CF),
 ("CF17", CF, "    if not corners or len(corners) != 4:\n        return None", "    if not corners:\n        return None", T_CF),
 ("CF18", CF, "    rows = query_rows(query)", "    rows = None", T_CF),
 # core/flights.py
 ("FL1", FL, "        return [g for g in out if g]", "        return out", T_FL),
 ("FL2", FL, "    if flights is None or {p.query for p in predictions} != set(getattr(last, \"queries\", ())):",
  "    if flights is None:", T_FL),
 ("FL3", FL, "    if not any(stored):\n        return list(predictions)", "    if False:\n        return list(predictions)", T_FL),
 ("FL4", FL, "    before = [u if ok else p for p, (_, u), ok in zip(predictions, own, stored)]", "    before = list(predictions)", T_FL),
 ("FL5", FL, "    return [a if ok else p for p, a, ok in zip(predictions, again, stored)]", "    return again", T_FL),
 ("FL6", FL, "    stored = [shown is p for p, (shown, _) in zip(predictions, own)]",
  "    stored = [shown is not None for p, (shown, _) in zip(predictions, own)]", T_FL),
 ("FL7", FL, "_sequences(list(queries), self.model, self.clock_zones)", "_sequences(list(queries), self.model, None)", T_FL),
 ("FL8", FL, "    again = with_flight_evidence(before, flights=flights)", "    again = with_flight_evidence(before)", T_FL),
 # gui/pane_widths.py
 ("PW1", PW, "    sizes = [max(int(w), int(m)) for w, m in zip(wanted, least)]", "    sizes = [int(w) for w, m in zip(wanted, least)]", T_PW),
 ("PW2", PW, "    want = max(int(least[grow]), int(round(share * total)))", "    want = int(round(share * total))", T_PW),
 ("PW3", PW, "        if i == grow or room >= want:", "        if i == grow or room > want:", T_PW),
 ("PW4", PW, "        give = min(sizes[i] - int(least[i]), want - room)", "        give = want - room", T_PW),
 ("PW5", PW, "give_order: Sequence[int] = (2, 0), share: float = MAP_SHARE,\n                 collapse",
  "give_order: Sequence[int] = (0, 2), share: float = MAP_SHARE,\n                 collapse", T_PW),
 ("PW6", PW, "MAP_SHARE = 0.5  #", "MAP_SHARE = 0.4  #", T_PW),
 ("PW7", PW, "            collapsed = i < len(self.wanted) and self.wanted[i] == 0 and i != self.grow", "            collapsed = False", T_PW),
 ("PW8", PW, "        self.splitterMoved.connect(lambda *_: self._remember())\n", "", T_PW),
 ("PW9", PW, "    if (len(wanted) != len(least) or not 0 <= grow < len(wanted)\n",
  "    if (len(wanted) != len(least)\n", T_PW),
 ("PW10", PW, "MAP_HEIGHT_SHARE = 0.6", "MAP_HEIGHT_SHARE = 0.3", T_PW),
 ("PW11", PW, "        if i == grow or room >= want:", "        if room >= want:", T_PW),
 # gui/results_panel.py heights
 ("RP1", RP, "        return self.full_height() + 2 * self.details.fontMetrics().lineSpacing()",
  "        return self.full_height() + 1 * self.details.fontMetrics().lineSpacing()", T_RP),
 ("RP2", RP, "        show = self.height() >= self.full_height()", "        show = True", T_RP),
 ("RP3", RP, "        hint.setHeight(self.least_height())", "        hint.setHeight(self.full_height())", T_RP),
 ("RP4", RP, "LEAST_PHOTO_PX = 48", "LEAST_PHOTO_PX = 120", T_RP),
 # core/exports.wrote_line
 ("WL1", EXS, "        if parts:\n            held =", "        if False:\n            held =", T_WL),
 ("WL2", EXS, "        if not parts and tracks:", "        if tracks:", T_WL),
 ("WL3", WO, "more\" if len(names) > inline else \"\")", "more\" if len(names) >= inline else \"\")", T_WL),  # wording.first_named
 ("WL4", WO, "    return \", \".join(names[:inline]) + (", "    return \", \".join(names) + (", T_WL),
 ("WL5", EXS, "groups.setdefault(tuple(left_out_ids(out, predictions, tracks)), [])", "groups.setdefault(tuple(left_out_ids(out, predictions)), [])", T_WL),
 ("WL6", EXS, "else f\"{n - len(left):,} of {count(n, 'prediction')}\"", "else f\"{n:,} of {count(n, 'prediction')}\"", T_WL),
 ("WL7", EXS, "        shown = first_named((Path(i).name for i in left), inline)", "        shown = first_named(left, inline)", T_WL),
 ("WL8", EXS, "            held = f\"{n - len(left):,} of {n:,}\" if left else f\"{n:,}\"", "            held = f\"{n:,}\"", T_WL),
 # core/wording.py
 ("WO1", WO, "    if why:\n        return f\"{LEVEL_NOT_LOCATED}: {why}\"", "    if False:\n        return f\"{LEVEL_NOT_LOCATED}: {why}\"", T_WO),
 ("WO2", WO, "    return TRACK_STATUS_WORDS[LEVEL_NOT_LOCATED] if frame else", "    return TRACK_STATUS_WORDS[LEVEL_NOT_LOCATED] if not frame else", T_WO),
 ("WO3", WO, "lambda s: s == \"exif\" or s.startswith(\"xmp:\")),", "lambda s: s == \"exif\"),", T_WO),
 ("WO4", WO, "    sources = [\"truth.csv\" if s is None else str(s) for s in sources]", "    sources = [str(s) for s in sources]", T_WO),
 ("WO5", WO, "        left = [s for s in left if not belongs(s)]", "        pass", T_WO),
 ("WO6", WO, "    if left:\n        said.append(f\"{len(left):,} other", "    if False:\n        said.append(f\"{len(left):,} other", T_WO),
 ("WO7", WO, "{', '.join(said) or 'none'}", "{', '.join(said)}", T_WO),
 ("WO8", WO, "    if flagged:\n", "    if True:\n", T_WO),
 ("WO9", WO, "{'its' if flagged == 1 else 'their'}", "{'its'}", T_WO),
 ("WO10", WO, "    where = ('not in it' if files == 1 else 'not in them') if in_file else 'not located'", "    where = 'not in it' if in_file else 'not located'", T_WO),
 ("WO11", WO, "        n = sum(1 for s in left if belongs(s))", "        n = sum(1 for s in sources if belongs(s))", T_WO),
 # core/media/telemetry.py
 ("TE1", TE, "(?![\\d.]|,\\d|[eE][-+]?\\d)", "(?![\\d.]|[eE][-+]?\\d)", T_TE),
 ("TE2", TE, "(?![\\d.]|,\\d|[eE][-+]?\\d)", "(?!,\\d|[eE][-+]?\\d)", T_TE),
 ("TE3", TE, "(?:[eE][-+]?\\d+)?(?![", "(?![", T_TE),
 ("TE4", TE, "    lon = fields.get(\"longitude\", fields.get(\"longtitude\"))", "    lon = fields.get(\"longitude\")", T_TE),
 ("TE5", TE, "_BARO = re.compile(r\"BAROMETER\\s*[:(]\\s*(\" + _VALUE + r\")\")", "_BARO = re.compile(r\"BAROMETER\\s*[:(]\\s*(\" + _NUM + r\")\")", T_TE),
 ("TE6", TE, "_BRACKET = re.compile(r\"\\b([A-Za-z_]+)\\s*:\\s*(\" + _VALUE + r\")\")", "_BRACKET = re.compile(r\"\\b([A-Za-z_]+)\\s*:\\s*(\" + _NUM + r\")\")", T_TE),
 ("TE7", TE, "(?![\\d.]|,\\d|[eE][-+]?\\d)", "(?![\\d.]|,\\d)", T_TE),
 # core/geo.py not_a_map
 ("GE1", GE, "    if crs.is_geographic or crs.is_projected:\n        return None", "    if crs.is_geographic:\n        return None", T_GE),
 ("GE2", GE, "    if crs.is_vertical:\n", "    if False:\n", T_GE),
 ("GE3", GE, "    if crs.is_geocentric:\n", "    if False:\n", T_GE),
 ("GE4", GE, "    if not_a_map(crs):  # a height system", "    if False:  # a height system", T_GE),
 # core/geotag_copies._dms
 ("GC1", GC, "    tenths_of_ms = round(abs(value) * 3600 * 10_000)", "    tenths_of_ms = int(abs(value) * 3600 * 10_000)", T_GC),
 ("GC2", GC, "    tenths_of_ms = round(abs(value) * 3600 * 10_000)", "    tenths_of_ms = round(value * 3600 * 10_000)", T_GC),
 ("GC3", GC, "    minutes, seconds = divmod(rest, 60 * 10_000)", "    minutes, seconds = divmod(rest, 60 * 1_000)", T_GC),
 ("GC4", GC, "    return ((degrees, 1), (minutes, 1), (seconds, 10_000))", "    return ((degrees, 1), (minutes, 1), (seconds, 1_000))", T_GC),
 # core/skipped.unread_media
 ("SK1", SK, "    if Path(path).suffix.lower() not in PHOTO_SUFFIXES | VIDEO_SUFFIXES:", "    if Path(path).suffix not in PHOTO_SUFFIXES | VIDEO_SUFFIXES:", T_SK),
 ("SK2", SK, "    if Path(path).suffix.lower() not in PHOTO_SUFFIXES | VIDEO_SUFFIXES:", "    if Path(path).suffix.lower() not in PHOTO_SUFFIXES:", T_SK),
 ("SK3", SK, "    return not reason_without_path(path, reason).startswith(READ_ONCE)", "    return True", T_SK),
 # the basemap's alpha: webmap._with_no_data, render_basemap, images._flatten_alpha(keep_alpha)
 ("WA1", WMP, "    rgba[..., 3][~valid] = 0\n", "", T_WA),
 ("WA2", WMP, "    if valid is None:\n        return img\n    rgba", "    if True:\n        return img\n    rgba", T_WA),
 ("WA3", WMP, "                if img.mode == \"RGBA\":\n                    canvas.alpha_composite", "                if False:\n                    canvas.alpha_composite", T_WA),
 ("WA4", WMP, "    return canvas.convert(\"RGB\") if not _has_transparency(canvas) else canvas", "    return canvas", T_WA),
 ("WA5", IM, "        opaque = rgba[..., 3].min() == 255", "        opaque = False", T_WA),
 ("WA6", IM, "        opaque = rgba[..., 3].min() == 255", "        opaque = True", T_WA),
 # second batch (00:06): levels' flagged, a photo's/video's damaged year, SubSecTime, area_crs' not_a_map
 ("LV1", LV, "    return [\"flagged\" if p.query.id in flagged else s", "    return [s", T_LV),
 ("LV2", LV, "for p in t.points if p.status == \"flagged\"}", "for p in t.points if p.status == \"verified\"}", T_LV),
 ("MD1", MD, "    if not 1 < when.year < 9999:", "    if not 1 < when.year:", T_MD),
 ("MD2", MD, "    if not 1 < when.year < 9999:", "    if not 0 < when.year < 10000:", T_MD),
 ("MD3", MD, "    if sub and sub.isascii() and sub.isdigit():", "    if sub and sub.isdigit():", T_MD),
 ("VT1", VT, "    if not EARLIEST <= when.replace(tzinfo=None) < LATEST:", "    if not EARLIEST <= when.replace(tzinfo=None):", T_VT),
 ("VT2", VT, "LATEST = datetime(9999, 1, 1)", "LATEST = datetime(9999, 12, 31)", T_VT),
 ("AC1", AC, "    if not_a_map(crs):\n", "    if False:\n", T_AC),
 ("WA7", WMP, "    return open_tile_image(tile, min_side=min_side, keep_alpha=True)", "    return open_tile_image(tile, min_side=min_side)", T_WA),
]

if __name__ == "__main__":
    raise SystemExit(main_old_new(M, NEW, sys.argv[1:]))
