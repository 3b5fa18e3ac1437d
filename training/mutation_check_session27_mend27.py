"""Hand mutants of session 26's new code (`git diff 5e30e27 50d2cd8 -- geolocator/`), as this branch
holds it: core/photo_support.py (PS), core/recorded_view.py (RV), the SRT's gimbal roll and the band's
roll (TR), core/levels.py as session 27 left it (LV), the exports' `level` (EX) and
core/sources/wmts.py (WM): apply one replacement, run the test files that should kill it, restore
the file (training/hand_mutants.run; a test run past its timeout counts as killed). Run it in a copy
of the tree, never in a worktree being edited:

    python training/mutation_check_session27_mend27.py [PS1 RV2 ...]

Results and what each survivor meant: training/results/mutation_session27_mend27.md."""
import sys

from hand_mutants import main_old_new

PS, RV = "geolocator/core/photo_support.py", "geolocator/core/recorded_view.py"
GB, TEL = "geolocator/core/ground_band.py", "geolocator/core/media/telemetry.py"
LV, EXP, TRK = "geolocator/core/levels.py", "geolocator/core/export.py", "geolocator/core/export_track.py"
WM = "geolocator/core/sources/wmts.py"
NEW = "tests/test_session26_mutants_mend27.py"
T_PS = ("tests/test_photo_support.py", NEW)
T_RV = ("tests/test_ground_band.py", "tests/test_oblique.py", NEW)
T_TR = ("tests/test_telemetry_exact.py", "tests/test_frame_telemetry_export.py", "tests/test_ground_band.py", NEW)
T_LV = ("tests/test_levels.py", "tests/test_query_list_levels_fit.py", "tests/test_one_answer_one_wording.py",
        "tests/test_export_track_exact2.py", "tests/test_results_panel_fits.py", NEW)
T_EX = ("tests/test_levels.py", "tests/test_export_track_exact2.py", "tests/test_one_answer_one_wording.py", NEW)
T_WM = ("tests/test_wmts.py", NEW)

M = [
 # core/photo_support.py
 ("PS1", PS, "SUPPORT_BELOW = 0.95", "SUPPORT_BELOW = 0.9", T_PS),
 ("PS2", PS, "SUPPORT_MIN = 1", "SUPPORT_MIN = 2", T_PS),
 ("PS3", PS, "UNSUPPORTED_CEILING = 0.14", "UNSUPPORTED_CEILING = 0.3", T_PS),
 ("PS4", PS, "    if agreeing is None or confidence >= SUPPORT_BELOW or agreeing >= SUPPORT_MIN:",
  "    if agreeing is None or confidence > SUPPORT_BELOW or agreeing >= SUPPORT_MIN:", T_PS),
 ("PS5", PS, "    if agreeing is None or confidence >= SUPPORT_BELOW or agreeing >= SUPPORT_MIN:",
  "    if agreeing is None or confidence >= SUPPORT_BELOW or agreeing > SUPPORT_MIN:", T_PS),
 ("PS6", PS, "    return min(confidence, UNSUPPORTED_CEILING)", "    return UNSUPPORTED_CEILING", T_PS),
 ("PS7", PS, "    keep = err <= settings.ransac_px", "    keep = err < settings.ransac_px", T_PS),
 ("PS8", PS, "    err[ok] = np.hypot(mapped[ok, 0] / z[ok] - dst[ok, 0], mapped[ok, 1] / z[ok] - dst[ok, 1])",
  "    err[ok] = np.hypot(mapped[ok, 0] - dst[ok, 0], mapped[ok, 1] - dst[ok, 1])", T_PS),
 ("PS9", PS, "    return src[keep][np.sort(first)].astype(np.float32)", "    return src[keep].astype(np.float32)", T_PS),
 ("PS10", PS, "    pts = pts[inside]\n", "", T_PS),
 ("PS11", PS, "    return len(set(zip(cx.tolist(), cy.tolist()))) / (grid * grid)",
  "    return len(list(zip(cx.tolist(), cy.tolist()))) / (grid * grid)", T_PS),
 ("PS12", PS, "(best is None or got.inliers > best[1].inliers)", "(best is None or got.inliers < best[1].inliers)", T_PS),
 ("PS13", PS, "        if best is None or span.agreeing > best.agreeing:", "        if best is None:", T_PS),
 ("PS14", PS, "            h = np.linalg.inv(resize_map(target.size, verifier.tile(tile).size)) @ h\n", "", T_PS),
 ("PS15", PS, "        if source is not None and not isinstance(query_outline(query), ViewGeometry):", "        if source is not None:", T_PS),
 ("PS16", PS, "        source = second if looked else verifier", "        source = verifier", T_PS),
 ("PS17", PS, "        if pred.status != STATUS_VERIFIED or pred.confidence >= SUPPORT_BELOW or not pred.matches:",
  "        if pred.shown_status != STATUS_VERIFIED or pred.confidence >= SUPPORT_BELOW or not pred.matches:", T_PS),
 ("PS18", PS, "        span = answer_span(verifier, query, *found) if found is not None else None",
  "        span = answer_span(source, query, *found) if found is not None else None", T_PS),
 # core/recorded_view.py
 ("RV1", RV, "        meta = replace(meta, orientation=1)  # read as displayed: images.open_image turns it upright\n", "", T_RV),
 ("RV2", RV, "        ratio = float(focal35_mm) / FULL_FRAME_DIAGONAL_MM * math.hypot(w, h) / max(w, h)",
  "        ratio = float(focal35_mm) / FULL_FRAME_DIAGONAL_MM", T_RV),
 ("RV3", RV, "        ratio = float(focal35_mm) / FULL_FRAME_DIAGONAL_MM * math.hypot(w, h) / max(w, h)",
  "        ratio = float(focal35_mm) / 36.0", T_RV),
 ("RV4", RV, "    return (size[1], size[0]) if turned else size", "    return size", T_RV),
 ("RV5", RV, " and Path(query.path).suffix.lower() not in RAW_SUFFIXES", "", T_RV),
 ("RV6", RV, "    return value if math.isfinite(value) else None", "    return value", T_RV),
 ("RV7", RV, '        value = getattr(getattr(query, "telemetry", None), "gimbal_roll_deg", None)',
  '        value = getattr(getattr(query, "meta", None), "gimbal_roll_deg", None)', T_RV),
 ("RV8", RV, "    size = _size_for(identity, query.path, frame)", "    size = _size_for(str(query.path), query.path, frame)", T_RV),
 ("RV9", RV, "    if not (math.isfinite(ratio) and ratio > 0):", "    if not math.isfinite(ratio):", T_RV),
 ("RV10", RV, "        size = displayed_size(query) if focal else None", "        size = displayed_size(query)", T_RV),
 # the gimbal roll: SRT and band
 ("TR1", TEL, "        pitch, roll, yaw = _finite(m.group(1)), _finite(m.group(2)), _finite(m.group(3))",
  "        pitch, roll, yaw = _finite(m.group(1)), _finite(m.group(3)), _finite(m.group(3))", T_TR),
 ("TR2", TEL, 'fields.get("gb_pitch"), fields.get("gb_roll")', 'fields.get("gb_pitch"), None', T_TR),
 ("TR3", GB, "        if not (math.isfinite(roll) and abs(roll) < ROLL_LIMIT_DEG):",
  "        if not (math.isfinite(roll) and abs(roll) <= ROLL_LIMIT_DEG):", T_TR),
 ("TR4", GB, "        offset = (offset + width_px / 2.0 * math.sin(r)) / math.cos(r)",
  "        offset = offset + width_px / 2.0 * math.sin(r)", T_TR),
 ("TR5", GB, "        r = math.radians(abs(roll))", "        r = math.radians(roll)", T_TR),
 # core/levels.py (this branch's)
 ("LV1", LV, "        if confidence is not None and confidence >= CONFIDENT:", "        if confidence is not None and confidence > CONFIDENT:", T_LV),
 ("LV2", LV, "        if confidence is not None and confidence < WEAK_BELOW:", "        if confidence is not None and confidence <= WEAK_BELOW:", T_LV),
 ("LV3", LV, "        if confidence is not None and confidence >= CONFIDENT:", "        if confidence is None or confidence >= CONFIDENT:", T_LV),
 ("LV4", LV, '    by_track = ("interpolated", "extrapolated")  # a Prediction', '    by_track = ("interpolated",)  # a Prediction', T_LV),
 ("LV5", LV, 'VERIFIED_ON_TRACK = ("matched", "corrected")', 'VERIFIED_ON_TRACK = ("matched",)', T_LV),
 ("LV6", LV, '    return words if words.startswith(level) else f"{level}; {words}"', "    return words", T_LV),
 ("LV7", LV, "    return frame_level(point.status, point.confidence)", "    return frame_level(point.status, None)", T_LV),
 ("LV8", LV, "    return [\"flagged\" if p.query.id in flagged else s if s in by_track else level_of(p)\n"
  "            for s, p in zip(placed_statuses(predictions, tracks), predictions)]",
  "    return [level_of(p) for p in predictions]", T_LV),
 # the exports' level
 ("EX1", EXP, '        "level": level_of(p),', '        "level": p.shown_status,', T_EX),
 ("EX2", EXP, '            + [level_of(p) if flight is None else flight["level"]]', "            + [level_of(p)]", T_EX),
 ("EX3", TRK, "    props[\"level\"] = point_level(p)", "    props[\"level\"] = p.shown_status", T_EX),
 # core/sources/wmts.py
 ("WM1", WM, "    if re.search(r\"(^|&)request=\", parts.query, re.I) or parts.path.lower().endswith(\".xml\"):",
  "    if re.search(r\"(^|&)request=\", parts.query, re.I):", T_WM),
 ("WM2", WM, '    sep = "" if url.endswith(("?", "&")) else ("&" if parts.query else "?")\n    return f"{url}{sep}SERVICE',
  '    sep = "&" if parts.query else "?"\n    return f"{url}{sep}SERVICE', T_WM),
 ("WM3", WM, "        if abs(x + WEB_MERCATOR_HALF_M) > CORNER_TOLERANCE_M or abs(y - WEB_MERCATOR_HALF_M) > CORNER_TOLERANCE_M:",
  "        if abs(x + WEB_MERCATOR_HALF_M) > CORNER_TOLERANCE_M:", T_WM),
 ("WM4", WM, "        if tm.tilewidth != tm.tileheight or tm.tilewidth not in TILE_SIZES_PX:", "        if tm.tilewidth not in TILE_SIZES_PX:", T_WM),
 ("WM5", WM, "        if z in zooms.values():\n", "        if False:\n", T_WM),
 ("WM6", WM, "if not 0 <= z <= MAX_ZOOM or abs(2**z / ratio - 1) > SCALE_TOLERANCE:", "if not 0 <= z <= MAX_ZOOM or False:", T_WM),
 ("WM7", WM, "if z not in box or (box[z][0] <= y <= box[z][1] and box[z][2] <= x <= box[z][3])]",
  "if z not in box or (box[z][0] <= x <= box[z][1] and box[z][2] <= y <= box[z][3])]", T_WM),
 ("WM8", WM, "        if not prefix[-1:].isdigit() and not suffix[:1].isdigit():", "        if True:", T_WM),
 ("WM9", WM, '    values = {"z": quote(ident, safe=":"), "x": str(x), "y": str(y), "-y": str(2**z - 1 - y), "r": ""}',
  '    values = {"z": quote(ident, safe=":"), "x": str(x), "y": str(y), "-y": str(2**z - y), "r": ""}', T_WM),
 # session 36: WM4, WM6, WM10, WM11 re-pointed (512 px tiles and national grids are read since)
 ("WM10", WM, "(self.grid(i) is None, max(usable[i].values()), len(usable[i]),",
  "(self.grid(i) is None, -max(usable[i].values()), len(usable[i]),", T_WM),
 ("WM11", WM, "        if limits:\n            zooms = {i: z for i, z in zooms.items() if i in limits}\n",
  "        if False:\n            zooms = {i: z for i, z in zooms.items() if i in limits}\n", T_WM),
 ("WM12", WM, '        chosen_style = next((s for s in styles if lyr.styles[s].get("isDefault")), styles[0] if styles else "default")',
  '        chosen_style = styles[0] if styles else "default"', T_WM),
 ("WM13", WM, "    if access.lower() in (\"none\", \"no\", \"n/a\", \"-\"):\n        access = \"\"\n", "", T_WM),
 ("WM14", WM, "            if not encodings or \"KVP\" in encodings:", "            if True:", T_WM),
 ("WM15", WM, "    for f in PREFERRED_FORMATS:\n        if f in offered:\n            return f\n", "", T_WM),
 ("WM16", WM, "        if ident in zoom_of and None not in (lim.mintilerow, lim.maxtilerow, lim.mintilecol, lim.maxtilecol):",
  "        if None not in (lim.mintilerow, lim.maxtilerow, lim.mintilecol, lim.maxtilecol):", T_WM),
]

# session 36: through hand_mutants.main_old_new, which adds --check (run nothing, list the stale mutants)
if __name__ == "__main__":
    raise SystemExit(main_old_new(M, (), sys.argv[1:], pytest_args=("-p", "no:xdist")))
