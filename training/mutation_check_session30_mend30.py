"""Hand mutants of the code sessions 28 and 29 changed that mend29's list (mutation_check_session29_mend29.py:
area_crs, wmts_grid's axis order and tile range, names, geotags, geotag_copies, parse_clock_zone) did not
cover. Session 29 (`git diff 5d2baff..ef4c5da -- geolocator/`): the byte-bounded LRU (BC) and the
Verifier's use of it and its resumed count (RR), the frame cache's listing and pruning (FP), the Excel
CSV (CE), a turned grid's mosaic ring (MO), the photo-support stage (PS), the GeoPackage's per-level
extent, Requirement 45 and zoom_other, polar/west-counted axes (WG), the antimeridian box (AC), the
sink's level (FE), SQLite URIs from a name's bytes (PK). Session 28 (`c42b140..5d2baff`), the parts
mend29 left: geometric._first_looks (GM), levels.frame_counts (LV), evidence._safe_stem (EV),
csv.not_utf8_error (CS), fetch.parse_bbox with a CRS and the national-grid plan line (FE), gpkg's
attribution (GP), wmts.py's national-grid layer (WM), geotiff.gdal_path (GD).

Each mutant is one text replacement: training/hand_mutants.run applies it, runs its test files with
`pytest -x`, restores the file (a test run past its timeout counts as killed). Run it in a copy of the
tree, never in a worktree being edited:

    python training/mutation_check_session30_mend30.py [FP1 BC2 ...] [--old-only | --new-only]

Results and what each survivor meant: training/results/mutation_session30_mend30.md."""
import sys

from hand_mutants import main_old_new

FP, VI = "geolocator/core/media/frame_prune.py", "geolocator/core/media/video.py"
BC, RR = "geolocator/core/bounded_cache.py", "geolocator/core/rerank.py"
CE, EX, EXS = "geolocator/core/csv_excel.py", "geolocator/core/export.py", "geolocator/core/exports.py"
MO, PS = "geolocator/core/mosaic.py", "geolocator/core/photo_support.py"
WG, AC = "geolocator/core/sources/wmts_grid.py", "geolocator/core/sources/area_crs.py"
FE, PK = "geolocator/core/sources/fetch.py", "geolocator/core/sources/package.py"
GM, LV, EV = "geolocator/core/adapt/geometric.py", "geolocator/core/levels.py", "geolocator/core/evidence.py"
CS, GP, WM = "geolocator/core/sources/csv.py", "geolocator/core/sources/gpkg.py", "geolocator/core/sources/wmts.py"
GD = "geolocator/core/sources/geotiff.py"
NEW = "tests/test_session29_mutants_mend30.py"
T_FP = ("tests/test_frame_prune.py", NEW)
T_BC = ("tests/test_verifier_memory.py", NEW)
T_RR = ("tests/test_verifier_memory.py", "tests/test_resumed_count.py", NEW)
T_CE = ("tests/test_csv_excel.py", NEW)
T_MO = ("tests/test_mosaic_exact.py", NEW)
T_PS = ("tests/test_photo_support.py", NEW)
T_WG = ("tests/test_wmts_grid.py", "tests/test_session28_mutants_mend29.py", "tests/test_epsg_disagrees.py", NEW)
T_AC = ("tests/test_session28_mutants_mend29.py", "tests/test_wmts_grid.py", NEW)
T_FE = ("tests/test_fetch_exact.py", "tests/test_fetch_exact2.py", "tests/test_wmts_grid.py", NEW)
T_PK = ("tests/test_names_readers.py", "tests/test_readers_package_exact.py", NEW)
T_GM = ("tests/test_geometric_link_cap.py", "tests/test_geometric_learned_links.py", "tests/test_session27_mutants_mend28.py", NEW)
T_LV = ("tests/test_frame_words_once.py", "tests/test_levels.py", NEW)
T_EV = ("tests/test_locale_names.py", NEW)
T_CS = ("tests/test_readers_csv_exact.py", "tests/test_locale_names.py", NEW)
T_GP = ("tests/test_wmts_grid.py", "tests/test_readers_package_exact.py", "tests/test_readers_gpkg_exact.py", NEW)
T_WM = ("tests/test_wmts_grid.py", "tests/test_wmts.py", "tests/test_imagery_layer_filter.py", NEW)
T_GD = ("tests/test_locale_names.py", "tests/test_names_readers.py", NEW)

M = [
 # core/media/frame_prune.py and its stamp in video.open_frame (session 29)
 ("FP1", FP, "        if not sub.is_dir() or len(sub.name) != 2:", "        if not sub.is_dir():", T_FP),
 ("FP2", FP, "            if not (p.suffix == \".jpg\" and p.is_file()):", "            if not p.is_file():", T_FP),
 # session 36: FP3, FP7, FP13, FP14 re-pointed (_old lists what goes; the stamp is cache_files.stamp_used)
 ("FP3", FP, "            if mtime <= (tmp_cutoff if", "            if mtime < (tmp_cutoff if", T_FP),
 ("FP4", FP, "        n += 1\n        freed += size\n", "        n += 1\n", T_FP),
 ("FP5", FP, "                sub.rmdir()  # only when empty", "                pass", T_FP),
 ("FP6", FP, "        if sub.is_dir() and len(sub.name) == 2:", "        if sub.is_dir():", T_FP),
 ("FP7", "geolocator/core/cache_files.py", "        os.utime(path)", "        pass", T_FP),
 ("FP8", FP, "        total += size", "        total += 1", T_FP),
 ("FP9", FP, "    now, cutoff = unused_cutoff(days, now)", "    now, cutoff = unused_cutoff(days, None)", T_FP),
 ("FP10", VI, "        touch(target)  # last used now", "        pass  # last used now", T_FP),
 ("FP11", FP, "        n += 1\n        total += size", "        total += size", T_FP),
 ("FP13", FP, "if p.name.startswith(TMP_PREFIX) else cutoff)]", "if False else cutoff)]", T_FP),
 ("FP14", FP, "    tmp_cutoff = min(cutoff, now - STALE_TMP_S)", "    tmp_cutoff = min(cutoff, now)", T_FP),
 ("FP12", FP, "        except OSError:\n            continue\n        n += 1", "        except OSError:\n            raise\n        n += 1", T_FP),
 # core/bounded_cache.py (session 29)
 ("BC1", BC, "            while self._bytes > self.budget and", "            while self._bytes >= self.budget and", T_BC),
 ("BC2", BC, "and len(self._items) > 1:", "and len(self._items) > 0:", T_BC),
 ("BC3", BC, "self._items.popitem(last=False)", "self._items.popitem(last=True)", T_BC),
 ("BC4", BC, "            if old is not None:\n                self._bytes -= old[1]", "            if False:\n                self._bytes -= old[1]", T_BC),
 ("BC5", BC, "                return default\n            self._items.move_to_end(key)\n", "                return default\n", T_BC),
 ("BC6", BC, "            found = self._items[key]  # KeyError as a dict's\n            self._items.move_to_end(key)\n",
  "            found = self._items[key]  # KeyError as a dict's\n", T_BC),
 ("BC7", BC, "                self.dropped += 1", "                pass", T_BC),
 ("BC8", BC, "        if budget < 0:", "        if budget < -1:", T_BC),
 ("BC9", BC, "            self._items.clear()\n            self._bytes = 0", "            self._items.clear()", T_BC),
 ("BC10", BC, "            if found is None:\n                return default", "            if found is None and key is None:\n                return default", T_BC),
 # core/rerank.py: the Verifier's bounded tiles and mosaics, its resumed count (session 29)
 ("RR1", RR, "        self._tiles: BytesLRU[LocalFeatures] = BytesLRU(TILE_MEMORY_BYTES, _nbytes)",
  "        self._tiles: BytesLRU[LocalFeatures] = BytesLRU(10**15, _nbytes)", T_BC),
 ("RR2", RR, "BytesLRU(MOSAIC_MEMORY_BYTES, lambda held: _nbytes(held[0]))", "BytesLRU(MOSAIC_MEMORY_BYTES, lambda held: 0)", T_BC),
 ("RR3", RR, "another thread put it there.\"\"\"\n        found = self._tiles.get(key)\n        if found is not None:\n            return found\n",
  "another thread put it there.\"\"\"\n", T_BC),
 ("RR4", RR, "            self._mosaics.put(key, held)\n        return held", "            pass\n        return held", T_BC),
 ("RR5", RR, "        if any(kept[k] for k in (\"first\", \"alike\", \"later\")) and self._holds_checks_of(tiles, kept):",
  "        if any(kept[k] for k in (\"first\", \"alike\", \"later\")):", T_RR),
 ("RR6", RR, "any(tile in keys for tile in kept[\"first\"]) or any(tile in keys for tile in kept[\"alike\"])",
  "any(tile in keys for tile in kept[\"first\"])", T_RR),
 ("RR7", RR, "                or any(tile in keys for _, _, tile, _ in kept[\"later\"]))", "                )", T_RR),
 ("RR8", RR, "        if self._kept_keys is None or self._kept_keys[0] is not tiles:", "        if self._kept_keys is None:", T_RR),
 # core/csv_excel.py, export.write_csv(excel=), exports.dialog_filters (session 29)
 ("CE1", CE, "    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):",
  "    if isinstance(value, float):", T_CE),
 ("CE2", CE, "and not isinstance(value, numbers.Integral):", ":", T_CE),
 ("CE3", EX, "    _write_atomic(path, (BOM if excel else \"\") + buf.getvalue())", "    _write_atomic(path, buf.getvalue())", T_CE),
 ("CE4", EX, "    writer = csv.writer(buf, delimiter=DELIMITER if excel else \",\")", "    writer = csv.writer(buf)", T_CE),
 ("CE5", EXS, "    at = next(i for i, f in enumerate(filters) if f.startswith(\"CSV \")) + 1",
  "    at = len(filters)", T_CE),
 # core/mosaic.py: a turned grid's ring (session 29)
 ("MO1", MO, "            if np.all(off - half < ring + 0.25):", "            if np.all(off - half < ring + 0.5):", T_MO),
 ("MO2", MO, "            if np.all(off - half < ring + 0.25):", "            if np.all(off - half < ring):", T_MO),
 ("MO3", MO, "            if np.all(off - half < ring + 0.25):", "            if np.any(off - half < ring + 0.25):", T_MO),
 ("MO4", MO, "    return float(np.cos(np.radians((b.north + b.south) / 2)))", "    return 1.0", T_MO),
 ("MO5", MO, "    return (tl + tr + br + bl) / 4, ((tr - tl) + (br - bl)) / 2, ((bl - tl) + (br - tr)) / 2",
  "    return (tl + tr + br + bl) / 4, (tr - tl), (bl - tl)", T_MO),
 ("MO6", MO, "            half = (np.abs(to_units @ a) + np.abs(to_units @ d)) / 2",
  "            half = np.full(2, 0.5)", T_MO),
 ("MO7", MO, "        if tile.corners is not None and found:", "        if False:", T_MO),
 ("MO8", MO, "            c, a, d = _frame(self.tiles[k], scale)", "            c, a, d = _frame(self.tiles[k], _lon_scale(self.tiles[k]))", T_MO),
 # core/photo_support.with_support's stage (session 29)
 ("PS1", PS, "        if pred.status != STATUS_VERIFIED or pred.confidence >= SUPPORT_BELOW or not pred.matches:",
  "        if pred.status != STATUS_VERIFIED or not pred.matches:", T_PS),
 ("PS2", PS, "        source = second if looked else verifier", "        source = verifier", T_PS),
 ("PS3", PS, "        if source is not None and not isinstance(query_outline(query), ViewGeometry):",
  "        if source is not None:", T_PS),
 ("PS4", PS, "        check(cancel)\n", "", T_PS),
 ("PS5", PS, "        emit(progress, ProgressEvent(\"support\", k, len(sources),", "        emit(progress, ProgressEvent(\"support\", k, len(predictions),", T_PS),
 ("PS6", PS, "        if conf != pred.confidence:\n            out[i] = replace(pred, confidence=conf)",
  "        if conf != pred.confidence:\n            out.append(replace(pred, confidence=conf))", T_PS),
 # core/sources/wmts_grid.py: per-level extent, Requirement 45, zoom_other, axes (session 29)
 ("WG1", WG, "        return all(abs(a - b) <= tol for a, b in zip(mine, extent))",
  "        return all(abs(a - b) <= tol for a, b in zip(mine[:2], extent[:2]))", T_WG),
 ("WG2", WG, "        return all(abs(a - b) <= tol for a, b in zip(mine, extent))",
  "        return all(abs(a - b) <= tol for a, b in zip(mine[::3], extent[::3]))", T_WG),
 ("WG3", WG, "        tol = CORNER_TOLERANCE * m.span_x\n        mine", "        tol = m.span_x\n        mine", T_WG),
 ("WG4", WG, "    return any(not math.isclose(grid.matrices[a].pixel, 2 * grid.matrices[b].pixel, rel_tol=1e-9)",
  "    return any(not math.isclose(grid.matrices[a].pixel, grid.matrices[b].pixel, rel_tol=1e-9)", T_WG),
 ("WG5", WG, "               for a, b in zip(levels, levels[1:])) or any(b != a + 1 for a, b in zip(levels, levels[1:]))",
  "               for a, b in zip(levels, levels[1:]))", T_WG),
 ("WG6", WG, "            if _zoom_other(grid, levels):", "            if False:", T_WG),
 ("WG7", WG, "        level = 0 if level is None else int(level)", "        level = 0", T_WG),
 ("WG8", WG, "            if level not in listed or not grid.covers_exactly(level, stored):",
  "            if level not in listed:", T_WG),
 ("WG9", WG, "            if level not in listed or not grid.covers_exactly(level, stored):",
  "            if not grid.covers_exactly(level, stored):", T_WG),
 ("WG10", WG, "            if int(row[0]) != srs[1] or not grid.levels_of(stored):", "            if int(row[0]) != srs[1]:", T_WG),
 ("WG11", WG, "                what = f\"level {held[0]}\" if len(held) == 1 else", "                what = f\"level {held[0]}\" if True else", T_WG),
 ("WG12", WG, "            levels = grid.levels_of(extent)", "            levels = list(range(len(grid.matrices)))", T_WG),
 ("WG13", WG, "        return axes[0].name.lower().startswith((\"northing\", \"southing\")), \"\"",
  "        return axes[0].name.lower().startswith(\"northing\"), \"\"", T_WG),
 ("WG14", WG, "    if first in ns and second in ns:  # polar", "    if first in ns and second in ns and False:  # polar", T_WG),
 ("WG15", WG, "    if (first in ns and second in ew) or (first in ew and second in ns):",
  "    if (first in ns and second in ew):", T_WG),
 ("WG16", WG, "        return first == \"north\", \"\"", "        return first != \"east\", \"\"", T_WG),
 ("WG17", WG, "    if {first, second} == {\"north\", \"east\"}:", "    if first in (\"north\", \"east\") and second in (\"north\", \"east\"):", T_WG),
 # core/sources/area_crs.py: a box across the antimeridian (session 29, mend29's fix)
 ("AC1", AC, "and w > e and s < n:  # pyproj's way", "and w > e:  # pyproj's way", T_AC),
 ("AC2", AC, "    if all(math.isfinite(v) for v in (w, s, e, n)) and w > e and s < n:", "    if w > e and s < n:", T_AC),
 # core/sources/fetch.py: the sink's level (s29), parse_bbox's CRS and the plan line (s28)
 ("FE1", FE, "            else open_sink(out, template, grid, tiles[0][0] if tiles else None))",
  "            else open_sink(out, template, grid))", T_FE),
 ("FE2", FE, "        return GpkgSink(out, template, grid, level)", "        return GpkgSink(out, template, grid)", T_FE),
 ("FE3", FE, "        if grid is None or out.suffix.lower() != \".gpkg\":", "        if grid is None:", T_FE),
 ("FE4", FE, "    if grid is not None or out.suffix.lower() == \".gpkg\":", "    if grid is not None:", T_FE),
 ("FE5", FE, "            return check_bbox(bbox_in_crs((w, s, e, n), projected, crs_label(projected)))",
  "            return bbox_in_crs((w, s, e, n), projected, crs_label(projected))", T_FE),
 ("FE6", FE, "        raise AreaCrsError(f\"--bbox-crs {crs!r}: {exc}\") from None", "        raise", T_FE),
 ("FE7", FE, "f\"{self.grid.pixel_m(self.zoom):.3g} m pixels)", "f\"{self.grid.pixel_m(0):.3g} m pixels)", T_FE),
 ("FE8", FE, "{self.grid.ground_m(self.zoom, c.lon, c.lat):.0f} m each", "{self.grid.ground_m(self.zoom, c.lat, c.lon):.0f} m each", T_FE),
 # core/sources/package.py: the SQLite URI from the name's bytes (session 29)
 ("PK1", PK, "        uri = f\"file:{quote(os.fsencode(Path(path).resolve()))}?mode=ro\"",
  "        uri = f\"file:{quote(str(Path(path).resolve()))}?mode=ro\"", T_PK),
 # core/adapt/geometric._first_looks (session 28)
 ("GM1", GM, "        if photo(qi) is None or photo(a) is None:\n            continue\n        if not precheck:",
  "        if photo(a) is None:\n            continue\n        if not precheck:", T_GM),
 ("GM2", GM, "        check(token)\n        tried.add(a)\n        if photo(qi)", "        tried.add(a)\n        if photo(qi)", T_GM),
 ("GM3", GM, "        if inliers >= precheck:  # below", "        if inliers > precheck:  # below", T_GM),
 ("GM4", GM, "        if a == qi or a in tried:\n            continue\n        check(token)\n        tried.add(a)",
  "        if a == qi:\n            continue\n        check(token)\n        tried.add(a)", T_GM),
 ("GM5", GM, "settings.link_precheck if bounded else 0, token))", "settings.link_precheck, token))", T_GM),
 ("GM6", GM, "    looked.sort(key=lambda row: row[:2])", "    looked.sort(key=lambda row: row[1])", T_GM),
 ("GM7", GM, "        tried.add(a)\n        if photo(qi) is None or photo(a) is None:", "        if photo(qi) is None or photo(a) is None:", T_GM),
 # core/levels.py (session 28)
 ("LV1", LV, "    words = [w for w in FRAME_COUNT_ORDER if w in levels] + list(dict.fromkeys(w for w in levels",
  "    words = [w for w in FRAME_COUNT_ORDER if w in levels] + list(set(w for w in levels", T_LV),
 ("LV2", LV, "    return \", \".join(f\"{levels.count(w):,} {w}\" for w in words)", "    return \", \".join(f\"{levels.count(w)} {w}\" for w in words)", T_LV),
 ("LV3", LV, "    words = [w for w in FRAME_COUNT_ORDER if w in levels] + ", "    words = ", T_LV),
 ("LV4", LV, "    levels = list(levels)\n    words", "    words", T_LV),
 # core/evidence._safe_stem (session 28)
 ("EV1", EV, "    while len(stem.encode(\"utf-8\")) > 120:", "    while len(stem) > 120:", T_EV),
 ("EV2", EV, "unicodedata.normalize(\"NFC\", text)", "text", T_EV),
 ("EV3", EV, "    stem = re.sub(r\"[^\\w.-]+\", \"_\",", "    stem = re.sub(r\"[^\\w.-]\", \"_\",", T_EV),
 ("EV4", EV, ".strip(\"._\") or \"photo\"", ".strip(\"._\")", T_EV),
 # core/sources/csv.not_utf8_error (session 28)
 ("CS1", CS, "    line = exc.object[:exc.start].count(b\"\\n\") + 1 if", "    line = exc.object[:exc.start].count(b\"\\n\") if", T_CS),
 ("CS2", CS, "    byte = exc.object[exc.start:exc.start + 1].hex()", "    byte = exc.object[exc.start - 1:exc.start].hex()", T_CS),
 ("CS3", CS, "\"\\\"CSV UTF-8\\\", or convert it, e.g. iconv -f WINDOWS-1252 -t UTF-8\", line=line)",
  "\"\\\"CSV UTF-8\\\", or convert it, e.g. iconv -f WINDOWS-1252 -t UTF-8\")", T_CS),
 # core/sources/gpkg._attribution (session 28)
 ("GP1", GP, "    if \"geolocator_metadata\" not in names:\n        return None", "    if False:\n        return None", T_GP),
 ("GP2", GP, "    return str(rows[0][0]) if rows and rows[0][0] else None", "    return str(rows[0][0]) if rows else None", T_GP),
 # core/sources/wmts.py: national-grid layers (session 28; set_levels session 29)
 ("WM1", WM, "        if self.grid is not None and suffix != \".gpkg\":", "        if False:", T_WM),
 ("WM2", WM, "        if self.grid is None and suffix == \".gpkg\":", "        if False:", T_WM),
 ("WM3", WM, "        suffix = Path(out).suffix.lower()\n        if self.grid", "        suffix = Path(out).suffix\n        if self.grid", T_WM),
 ("WM4", WM, "            return web_mercator_tile_m(zoom, c.lat) * self.tile_px / 256", "            return web_mercator_tile_m(zoom, c.lat)", T_WM),
 ("WM5", WM, "        return choose_zoom(self.zooms, lambda z: self.grid.ground_m(z, c.lon, c.lat), footprint_m)",
  "        return choose_zoom(self.zooms, lambda z: self.grid.pixel_m(z) * 256, footprint_m)", T_WM),
 ("WM6", WM, "        elif self.grid is not None:  # the national grid's own", "        elif False:  # the national grid's own", T_WM),
 ("WM7", WM, "        tms_id = max(usable, key=lambda i: (self.grid(i) is None, max(usable[i].values()),",
  "        tms_id = max(usable, key=lambda i: (max(usable[i].values()),", T_WM),
 ("WM8", WM, "    return [i for i in layers if low in i.identifier.lower() or low in i.title.lower()]",
  "    return [i for i in layers if low in i.identifier.lower()]", T_WM),
 ("WM9", WM, "    low = (word or \"\").strip().lower()", "    low = (word or \"\").lower()", T_WM),
 ("WM10", WM, "    return {m.identifier: i for i, m in enumerate(grid.matrices)}, \"\", grid",
  "    return {m.identifier: i for i, m in enumerate(grid.matrices) if i == 0 or grid.extent(i)[::3] == grid.extent(0)[::3]}, \"\", grid", T_WM),
 ("WM11", WM, "            what = \"zoom levels\" if self.grid is None else", "            what = \"zoom levels\" if True else", T_WM),
 ("WM12", WM, "            area = check_bbox(area)\n            inside", "            inside", T_WM),
 # core/sources/geotiff.gdal_path (session 28)
 ("GD1", GD, "    if not has_surrogates(text):\n        return path", "    if True:\n        return path", T_GD),
 ("GD2", GD, "        return text_bytes(text).decode(\"utf-8\")\n    except UnicodeDecodeError:\n        raise InputError(Path(readable(text))",
  "        return text_bytes(text).decode(\"utf-8\", \"replace\")\n    except UnicodeDecodeError:\n        raise InputError(Path(readable(text))", T_GD),
]

# session 36: through hand_mutants.main_old_new, which adds --check (run nothing, list the stale mutants)
if __name__ == "__main__":
    raise SystemExit(main_old_new(M, (NEW,), sys.argv[1:]))
