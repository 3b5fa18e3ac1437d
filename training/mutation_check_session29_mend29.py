"""Hand mutants of session 28's new code, as this branch holds it: core/sources/area_crs.py (AC),
core/sources/wmts_grid.py's axis order, pixel size and tile range (WG), core/names.py (NM),
core/geotags.py (GT), core/geotag_copies.py's EXIF GPS (GC) and the clock-zone parser
core/export_track.parse_clock_zone (CZ): apply one replacement, run the test files that should
kill it, restore the file (training/hand_mutants.run; a test run past its timeout counts as
killed). Run it in a copy of the tree, never in a worktree being edited:

    python training/mutation_check_session29_mend29.py [AC1 WG2 ...] [--new-only]

Results and what each survivor meant: training/results/mutation_session29_mend29.md."""
import sys

from hand_mutants import main_old_new

AC, WG = "geolocator/core/sources/area_crs.py", "geolocator/core/sources/wmts_grid.py"
NM, GT, GC = "geolocator/core/names.py", "geolocator/core/geotags.py", "geolocator/core/geotag_copies.py"
CZ = "geolocator/core/export_track.py"
NEW = "tests/test_session28_mutants_mend29.py"
T_AC = ("tests/test_wmts_grid.py", NEW)
T_WG = ("tests/test_wmts_grid.py", "tests/test_wmts.py", NEW)
T_NM = ("tests/test_locale_names.py", NEW)
T_GT = ("tests/test_geotags.py", "tests/test_geotags_wiring.py", NEW)
T_GC = ("tests/test_geotag_copies.py", "tests/test_geotags_wiring.py", NEW)
T_CZ = ("tests/test_clock_zone.py", "tests/test_gui_clock_zone.py", "tests/test_small_modules_exact.py", NEW)

M = [
 # core/sources/area_crs.py: an area given in a national CRS
 ("AC1", AC, "    if auth in ((\"EPSG\", \"4326\"), (\"OGC\", \"CRS84\")):", "    if auth == (\"EPSG\", \"4326\"):", T_AC),
 ("AC2", AC, "    if text is None or not str(text).strip():", "    if text is None:", T_AC),
 ("AC3", AC, "    if not x0 < x1:", "    if not x0 <= x1:", T_AC),
 ("AC4", AC, "    if not y0 < y1:", "    if not y0 <= y1:", T_AC),
 ("AC5", AC, "densify_pts=DENSIFY_POINTS)", "densify_pts=0)", T_AC),
 ("AC6", AC, "CRS.from_epsg(4326), always_xy=True)", "CRS.from_epsg(4326), always_xy=False)", T_AC),
 # session 36: AC7/AC8 re-pointed at share_outside (a box across the antimeridian, session 30): AC7's
 # "not wholly inside" for "wholly outside" is now a share above 0 for a share of 1
 ("AC7", AC, "share_outside(Bounds(w, s, e, n), use) >= 1.0:", "share_outside(Bounds(w, s, e, n), use) > 0.0:", T_AC),
 ("AC8", AC, "    if use is not None and share_outside(", "    if False and share_outside(", T_AC),
 ("AC9", AC, "    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):", "    if False:", T_AC),
 ("AC10", AC, " or not (w < e and s < n):", ":", T_AC),
 # core/sources/wmts_grid.py: axis order, pixel size, tile range
 # session 36: WG1 re-pointed at axis_order's polar rule (a "south" axis), WG26 at the stored set's check;
 # WG7 dropped: GridSet.same_origin was removed (fa8fe06e, unused once each level is stored in its own extent)
 ("WG1", WG, "startswith((\"northing\", \"southing\"))", "startswith((\"northing\",))", T_WG),
 ("WG2", WG, "        left, top = (b, a) if northing_first else (a, b)", "        left, top = (a, b)", T_WG),
 ("WG3", WG, "        pixel = tm.scaledenominator * OGC_PIXEL_M / per_unit", "        pixel = tm.scaledenominator * OGC_PIXEL_M * per_unit", T_WG),
 ("WG4", WG, "OGC_PIXEL_M = 0.00028 ", "OGC_PIXEL_M = 0.00025 ", T_WG),
 ("WG5", WG, "METRES_PER_DEGREE = 6378137.0 * 2 * math.pi / 360 ", "METRES_PER_DEGREE = 111000.0 ", T_WG),
 ("WG6", WG, "    if crs.is_geographic:\n        per_unit = METRES_PER_DEGREE\n    else:\n        per_unit = float(",
  "    if False:\n        per_unit = METRES_PER_DEGREE\n    else:\n        per_unit = float(", T_WG),
 ("WG8", WG, "        return m.left, m.top - m.matrix_h * m.span_y, m.left + m.matrix_w * m.span_x, m.top",
  "        return m.left, m.top - m.matrix_w * m.span_y, m.left + m.matrix_w * m.span_x, m.top", T_WG),
 ("WG9", WG, "        c0 = max(0, math.floor((x0 - m.left) / m.span_x))", "        c0 = math.floor((x0 - m.left) / m.span_x)", T_WG),
 ("WG10", WG, "        c1 = min(m.matrix_w - 1, math.floor((x1 - m.left - hair) / m.span_x))",
  "        c1 = math.floor((x1 - m.left - hair) / m.span_x)", T_WG),
 ("WG11", WG, "        r0 = max(0, math.floor((m.top - y1) / m.span_y))", "        r0 = math.floor((m.top - y1) / m.span_y)", T_WG),
 ("WG12", WG, "        r1 = min(m.matrix_h - 1, math.floor((m.top - y0 - hair) / m.span_y))",
  "        r1 = math.floor((m.top - y0 - hair) / m.span_y)", T_WG),
 ("WG13", WG, "        c1 = min(m.matrix_w - 1, math.floor((x1 - m.left - hair) / m.span_x))",
  "        c1 = min(m.matrix_w - 1, math.floor((x1 - m.left) / m.span_x))", T_WG),
 ("WG14", WG, "        r1 = min(m.matrix_h - 1, math.floor((m.top - y0 - hair) / m.span_y))",
  "        r1 = min(m.matrix_h - 1, math.floor((m.top - y0) / m.span_y))", T_WG),
 ("WG15", WG, "        r1 = min(m.matrix_h - 1,", "        r1 = min(m.matrix_w - 1,", T_WG),
 ("WG16", WG, "        if n > max_tiles:\n            raise TooManyTiles", "        if n >= max_tiles:\n            raise TooManyTiles", T_WG),
 ("WG17", WG, "        if c1 < c0 or r1 < r0:\n            raise FetchError", "        if False:\n            raise FetchError", T_WG),
 ("WG18", WG, "        return x, y - m.span_y, x + m.span_x, y", "        return x, y - m.span_x, x + m.span_x, y", T_WG),
 ("WG19", WG, "    matrices.sort(key=lambda m: -m.pixel)", "    matrices.sort(key=lambda m: m.pixel)", T_WG),
 ("WG20", WG, "        if math.isclose(a.pixel, b.pixel, rel_tol=1e-9):", "        if False:", T_WG),
 ("WG21", WG, "        if crs.is_geographic and not (abs(left) <= 360 and abs(top) <= 90 + 1e-6):", "        if False:", T_WG),
 ("WG22", WG, "        return size / scale if scale > 0", "        return size * scale if scale > 0", T_WG),
 ("WG23", WG, "        return self.matrices[level].scale * OGC_PIXEL_M\n", "        return self.matrices[level].pixel\n", T_WG),
 ("WG24", WG, "        tries.insert(0, f\"EPSG:{m.group(1)}\")", "        pass", T_WG),
 ("WG25", WG, "                return m.span_x * metres_per_degree(lat)[1]", "                return m.span_x * metres_per_degree(lat)[0]", T_WG),
 ("WG26", WG, "            if int(row[0]) != srs[1] or not grid.levels_of(stored):",
  "            if int(row[0]) != srs[1]:", T_WG),
 ("WG27", WG, "        r0 = max(0, math.floor((m.top - y1) / m.span_y))", "        r0 = max(0, math.floor((m.top - y1) / m.span_x))", T_WG),
 ("WG28", WG, "    lo, hi = grid.pixel_m(levels[0]), grid.pixel_m(levels[-1])", "    lo, hi = grid.pixel_m(0), grid.pixel_m(-1)", T_WG),
 # core/names.py
 ("NM1", NM, "    return not text.isascii() and any(", "    return any(", T_NM),
 ("NM2", NM, "any(\"\\ud800\" <= ch <= \"\\udfff\" for ch in text)", "any(\"\\udc80\" <= ch <= \"\\udcff\" for ch in text)", T_NM),
 ("NM3", NM, "    return not text.isascii() and any(", "    return not text.isascii() or any(", T_NM),
 ("NM4", NM, "        return text.encode(\"utf-8\", \"surrogatepass\")", "        return text.encode(\"utf-8\", \"replace\")", T_NM),
 ("NM5", NM, "    return text_bytes(text).decode(\"utf-8\", \"backslashreplace\")", "    return text_bytes(text).decode(\"utf-8\", \"replace\")", T_NM),
 ("NM6", NM, "    if not has_surrogates(text):\n        return text\n    return", "    return", T_NM),
 ("NM7", NM, "        return text.encode(\"utf-8\", \"surrogateescape\")", "        return text.encode(\"utf-8\", \"surrogatepass\")", T_NM),
 ("NM8", NM, "    return text_bytes(text).decode(\"utf-8\", \"backslashreplace\")",
  "    return text_bytes(text).decode(\"latin-1\")", T_NM),
 # core/geotags.py: which answers are written, and how
 ("GT1", GT, "        if confidence is None or not confidence >= min_confidence:", "        if confidence is None or not confidence > min_confidence:", T_GT),
 ("GT2", GT, "            off_nadir = abs(pitch + 90.0)", "            off_nadir = abs(pitch)", T_GT),
 ("GT3", GT, "            if off_nadir > NADIR_WITHIN_DEG:", "            if off_nadir >= NADIR_WITHIN_DEG:", T_GT),
 ("GT4", GT, "                accuracy += abs(height) * math.tan(", "                accuracy += height * math.tan(", T_GT),
 ("GT5", GT, "        accuracy = math.ceil(accuracy * 10.0) / 10.0", "        accuracy = round(accuracy, 1)", T_GT),
 ("GT6", GT, "            angles = (yaw, pitch + 90.0, roll)", "            angles = (yaw, pitch, roll)", T_GT),
 ("GT7", GT, "        if names[name] > 1:", "        if names[name] > 2:", T_GT),
 ("GT8", GT, "        if p.query.time_s is not None:\n            left_out.append", "        if False:\n            left_out.append", T_GT),
 ("GT9", GT, "vertical_accuracy_m=accuracy if height is not None else None", "vertical_accuracy_m=accuracy", T_GT),
 ("GT10", GT, "        confidence = point.confidence if point.confidence is not None else p.confidence",
  "        confidence = p.confidence", T_GT),
 ("GT11", GT, "        radius = point.radius_m if point.radius_m is not None else answer_radius_m(p)",
  "        radius = answer_radius_m(p)", T_GT),
 ("GT12", GT, "        return point.location, confidence, radius", "        return p.location, confidence, radius", T_GT),
 ("GT13", GT, "    return \"0\" if text in (\"-0\", \"\") else text", "    return text", T_GT),
 ("GT14", GT, "DECIMALS = 8 ", "DECIMALS = 5 ", T_GT),
 # GT15: equivalent (session 29's reason, checked again in session 36: every Prediction has matches, and
 # answer_radius_m is None without them, so the `radius is None` clause leaves such a photo out anyway)
 ("GT15", GT, "        if STATUS_NOT_LOCATED in (p.status, track_status) or not p.matches or radius is None:",
  "        if STATUS_NOT_LOCATED in (p.status, track_status) or radius is None:", T_GT),  # session 36: re-pointed
 ("GT16", GT, "        if yaw is not None and pitch is not None and roll is not None:",
  "        if yaw is not None and pitch is not None:", T_GT),
 ("GT17", GT, "    if path.suffix.lower() not in GEOTAG_FORMATS:", "    if path.suffix not in GEOTAG_FORMATS:", T_GT),
 ("GT18", GT, "    if path.suffix.lower() == \".txt\":", "    if path.suffix == \".txt\":", T_GT),
 ("GT19", GT, "        if bare and self.format == GEOTAG_FORMATS[\".txt\"]:", "        if bare:", T_GT),
 ("GT20", GT, "    shown = \"; \".join(f\"{q}: {why}\" for q, why in left_out[:3])",
  "    shown = \"; \".join(f\"{q}: {why}\" for q, why in left_out[:4])", T_GT),
 ("GT21", GT, "    more = f\"; and {len(left_out) - 3} more\" if len(left_out) > 3 else \"\"", "    more = \"\"", T_GT),
 ("GT22", GT, "        names[Path(p.query.path).name] = names.get(Path(p.query.path).name, 0) + 1",
  "        names[p.query.id] = names.get(p.query.id, 0) + 1", T_GT),
 ("GT23", GT, "                      _num(t.horizontal_accuracy_m, 1), _num(t.vertical_accuracy_m, 1)]",
  "                      _num(t.horizontal_accuracy_m, 1), _num(t.horizontal_accuracy_m, 1)]", T_GT),
 # core/geotag_copies.py: the EXIF GPS written
 ("GC1", GC, "g.GPSLatitudeRef: b\"N\" if lat >= 0 else b\"S\"", "g.GPSLatitudeRef: b\"N\" if lat > 0 else b\"S\"", T_GC),
 ("GC2", GC, "g.GPSLongitudeRef: b\"E\" if lon >= 0 else b\"W\"", "g.GPSLongitudeRef: b\"E\" if lat >= 0 else b\"W\"", T_GC),
 ("GC3", GC, "g.GPSLatitudeRef: b\"N\" if lat >= 0 else b\"S\"", "g.GPSLatitudeRef: b\"N\" if lon >= 0 else b\"S\"", T_GC),
 # session 36: GC4 dropped: degrees are now rounded once, in whole 1/10,000 s, then split by divmod, so
 # no minutes are rounded on their own (the 60-minute carry GC4 mutated cannot occur); GC5/GC6 re-pointed
 ("GC5", GC, "    tenths_of_ms = round(abs(value) * 3600 * 10_000)", "    tenths_of_ms = int(abs(value) * 3600 * 10_000)", T_GC),
 ("GC6", GC, "    tenths_of_ms = round(abs(value) * 3600 * 10_000)", "    tenths_of_ms = round(value * 3600 * 10_000)", T_GC),
 ("GC7", GC, "    error = Fraction(accuracy_m).limit_denominator(1000)", "    error = Fraction(int(accuracy_m))", T_GC),
 ("GC8", GC, "            31: (error.numerator, error.denominator)}", "            6: (error.numerator, error.denominator)}", T_GC),
 ("GC9", GC, "            g.GPSMapDatum: b\"WGS-84\", ", "            ", T_GC),
 ("GC10", GC, "    return {g.GPSVersionID: (2, 3, 0, 0),", "    return {g.GPSVersionID: (2, 2, 0, 0),", T_GC),
 ("GC11", GC, "            segments[i] = new\n            break\n", "            segments[i] = new\n", T_GC),
 ("GC12", GC, "    if len(exif) + 2 > 0xFFFF:", "    if len(exif) > 0xFFFF:", T_GC),
 ("GC13", GC, "        exif[\"GPS\"] = gps_ifd(lat, lon, accuracy_m)", "        exif[\"GPS\"].update(gps_ifd(lat, lon, accuracy_m))", T_GC),
 ("GC14", GC, "copy = geotagged_jpeg(data, tag.position.lat, tag.position.lon, tag.horizontal_accuracy_m)",
  "copy = geotagged_jpeg(data, by_id[tag.query_id].location.lat, by_id[tag.query_id].location.lon, tag.horizontal_accuracy_m)", T_GC),
 ("GC15", GC, "    tags, left_out = geotags_for(predictions, tracks, min_confidence=min_confidence)",
  "    tags, left_out = geotags_for(predictions, (), min_confidence=min_confidence)", T_GC),
 ("GC16", GC, "    has_exif = any(_is_exif(s) for s in _segments(data)[0])", "    has_exif = True", T_GC),
 ("GC17", GC, "    return segment[:2] == b\"\\xff\\xe1\" and segment[4:10] == b\"Exif\\x00\\x00\"",
  "    return segment[:2] == b\"\\xff\\xe1\"", T_GC),
 ("GC18", GC, "        at = 1 if segments and segments[0][:2] == b\"\\xff\\xe0\" else 0", "        at = 0", T_GC),
 ("GC19", GC, "    tags, left_out = geotags_for(predictions, tracks, min_confidence=min_confidence)",
  "    tags, left_out = geotags_for(predictions, tracks)", T_GC),
 # core/export_track.parse_clock_zone
 ("CZ1", CZ, "    if text.upper() in (\"UTC\", \"Z\", \"GMT\"):", "    if text in (\"UTC\", \"Z\", \"GMT\"):", T_CZ),
 ("CZ2", CZ, "    if text.upper() in (\"UTC\", \"Z\", \"GMT\"):", "    if text.upper() in (\"UTC\", \"Z\"):", T_CZ),
 ("CZ3", CZ, "    text = text.strip()\n    if text.upper()", "    if text.upper()", T_CZ),
 ("CZ4", CZ, "r\"(?:UTC)?\\s*([+-])", "r\"(?:UTC|GMT)?\\s*([+-])", T_CZ),
 ("CZ5", CZ, "(\\d{2})(\\d{2}))\", text, re.IGNORECASE)", "(\\d{2})(\\d{2}))\", text)", T_CZ),
 ("CZ6", CZ, "r\"(?:UTC)?\\s*([+-])", "r\"(?:UTC)?([+-])", T_CZ),
 ("CZ7", CZ, "written[3] or written[5] or \"00\"", "written[3] or \"00\"", T_CZ),
 ("CZ8", CZ, "        text_offset = f\"{sign}{int(hours):02d}:{minutes}\"", "        text_offset = f\"+{int(hours):02d}:{minutes}\"", T_CZ),
 ("CZ9", CZ, "r\"(?:UTC)?\\s*([+-])(?:(\\d{1,2})", "r\"(?:UTC)?\\s*([+-])(?:(\\d{1,3})", T_CZ),
 ("CZ10", CZ, "    if \"/\" in text:\n        from zoneinfo", "    if True:\n        from zoneinfo", T_CZ),
 ("CZ11", CZ, "        except (ZoneInfoNotFoundError, ValueError, OSError):", "        except (ZoneInfoNotFoundError, OSError):", T_CZ),
 ("CZ12", CZ, "if re.fullmatch(r\"GMT\\s*[+-].*\", text, re.IGNORECASE) else", "if re.fullmatch(r\"GMT\\s*[+-].*\", text) else", T_CZ),
 ("CZ13", CZ, "text.isalpha() and text.isupper() and len(text) <= 5 else", "text.isalpha() and text.isupper() and len(text) <= 3 else", T_CZ),
 ("CZ14", CZ, "text.isalpha() and text.isupper() and len(text) <= 5 else", "text.isalpha() and len(text) <= 5 else", T_CZ),
]

# session 36: through hand_mutants.main_old_new, which adds --check (run nothing, list the stale mutants)
if __name__ == "__main__":
    raise SystemExit(main_old_new(M, (NEW,), sys.argv[1:]))
