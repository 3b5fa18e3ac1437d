"""Hand mutants of the code merged in session 37 (mutation37; `git diff 15caff3b main -- geolocator/`: the work of
formats37, video37, ownout37, window37 and faults37): bom_text.decode_sidecar (BT), gone_folders (GF), own_outputs
and the queries that use it (OO, QU), telemetry's Mavic 2 altitude and span_mismatch (TE), video's mirror, cut-short
Matroska and decode tags (VI), the clock-ahead prunes (FP, CA, SP, PS, MT), fetch's missing.txt, empty bodies, 429s
and folders (FE), package_commit's 404 records (PC, WG), MBTiles' odd formats (MB, PK), PMTiles v1/v2 (PT, P2),
elevation rasters refused (EL), libtiff's lines (LT, LM), extract's partial commits (EX), written answers (PR, MD),
the CLI (CL), GeoPackage tables and the app (GP, XY, GU, TT, JB, MG, ID).

Each mutant is one text replacement: training/hand_mutants.run applies it IN PLACE, runs the tests of its module
with `pytest -x`, restores the file. Run it in your own worktree or a copy, never in /work/main:

    OMP_NUM_THREADS=1 QT_QPA_PLATFORM=offscreen PYTHONPATH=. \
        python training/mutation_check_session37.py [BT1 VI3 ...] [--check] [--old-only | --new-only]

--check: run nothing, list the mutants that no longer apply to today's code. --old-only: without the tests written
for the survivors (NEW). Results and what each survivor meant: training/results/mutation37_session37.md."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hand_mutants import main_old_new  # noqa: E402

C, G = "geolocator/core/", "geolocator/gui/"
BT, GF, OO, QU = C + "bom_text.py", C + "gone_folders.py", C + "own_outputs.py", C + "queries.py"
TE, VI, FP, CA = C + "media/telemetry.py", C + "media/video.py", C + "media/frame_prune.py", C + "cache_files.py"
SP, PS, MT, FE = C + "store_prune.py", C + "pair_store.py", C + "sources/missing_tiles.py", C + "sources/fetch.py"
PC, WG, MB, PK = C + "sources/package_commit.py", C + "sources/wmts_grid.py", C + "sources/mbtiles.py", C + "sources/package.py"
PT, P2, IM, GT = C + "sources/pmtiles.py", C + "sources/pmtiles_v2.py", C + "images.py", C + "sources/geotiff.py"
LM, EX, PR, MD = C + "libtiff_messages.py", C + "extract.py", C + "priors.py", C + "media/metadata.py"
CL, GP, XY = "geolocator/cli.py", C + "sources/gpkg.py", C + "sources/xyz.py"
MW, TT, JB, MG, ID = G + "main_window.py", G + "tile_tables.py", G + "jobs.py", G + "message_bar.py", G + "imagery_dialog.py"

NEW = ("tests/test_mutation37_mend.py",)  # the tests written for the survivors
T_BT = ("tests/test_bom_text.py", "tests/test_missing_txt_encodings.py", "tests/test_telemetry_exact.py", *NEW)
T_GF = ("tests/test_faults37_gone_folder.py", *NEW)
T_OO = ("tests/test_ownout37_own_outputs.py", *NEW)
T_QU = ("tests/test_ownout37_own_outputs.py", "tests/test_ownout37_app_copies_first.py", *NEW)
T_TE = ("tests/test_telemetry_exact.py", *NEW)
T_VI = ("tests/test_video_damage.py", "tests/test_video_real_files.py", *NEW)
T_CK = ("tests/test_faults37_clock_ahead.py", *NEW)
T_FE = ("tests/test_faults37_fetch.py", "tests/test_missing_txt_encodings.py", *NEW)
T_PC = ("tests/test_faults37_fetch.py", "tests/test_leftovers36_package_commit.py", *NEW)
T_MB = ("tests/test_mbtiles_odd_formats.py", *NEW)
T_P2 = ("tests/test_pmtiles_v2.py", "tests/test_readers_pmtiles_exact.py", *NEW)
T_EL = ("tests/test_geotiff_odd_rasters.py", *NEW)
T_LT = ("tests/test_faults37_libtiff.py", *NEW)
T_EX = ("tests/test_faults37_sigkill_chunk.py", *NEW)
T_WA = ("tests/test_ownout37_own_outputs.py", *NEW)
T_CL = ("tests/test_faults37_gone_folder.py", "tests/test_faults37_clock_ahead.py", "tests/test_ownout37_own_outputs.py", *NEW)
T_TT = ("tests/test_gui_tile_tables.py", *NEW)
T_GU = ("tests/test_gui_window_fits.py", "tests/test_ownout37_app_copies_first.py", "tests/test_faults37_gone_folder.py", *NEW)
T_MG = ("tests/test_gui_window_fits.py", *NEW)

M = [
 # core/bom_text.py: decode_sidecar
 ("BT1", BT, "    if odd >= 0.6 * pairs and even == 0:", "    if odd >= 0.6 * pairs:", T_BT),
 ("BT2", BT, "    if even >= 0.6 * pairs and odd == 0:", "    if False:", T_BT),
 ("BT3", BT, "head[0:2 * pairs:2].count(0), head[1:2 * pairs:2].count(0)", "head[1:2 * pairs:2].count(0), head[0:2 * pairs:2].count(0)", T_BT),
 ("BT4", BT, "raw.decode(\"cp1252\", errors=\"replace\"), \"cp1252\"", "raw.decode(\"utf-8\", errors=\"replace\"), \"utf-8\"", T_BT),
 ("BT5", BT, "    if utf16 is not None:\n        return raw.decode(utf16", "    if False:\n        return raw.decode(utf16", T_BT),
 ("BT6", BT, "    if mark != \"utf-8\":", "    if False:", T_BT),
 # core/gone_folders.py
 ("GF1", GF, "len(paths) >= 2}", "len(paths) >= 1}", T_GF),
 ("GF2", GF, "            break\n        gone = parent", "            break", T_GF),
 ("GF3", GF, "return grouped, {p: why for p, why in failures.items() if p not in held}", "return grouped, dict(failures)", T_GF),
 ("GF4", GF, "names = first_named([Path(p).name for p in paths], 3)", "names = first_named([Path(p).name for p in paths], 1)", T_GF),
 ("GF5", GF, "    folder = Path(os.path.abspath(path)).parent", "    folder = Path(path).parent", T_GF),
 # core/own_outputs.py, and queries.py's use of it
 ("OO1", OO, "return root if root is not None and has_fetcher_files(root) else None", "return root", T_OO),
 ("OO2", OO, "    ours = earlier_evidence(path)\n    if ours is not None:\n        return ours", "    ours = earlier_evidence(path)", T_OO),
 ("OO3", OO, "    return root if root is not None else Path(path).parent", "    return Path(path).parent", T_OO),
 ("OO4", OO, "root = tile_folder_of(Path(os.path.abspath(path)))", "root = tile_folder_of(Path(path))", T_OO),
 ("QU1", QU, "tile_root[root] = is_tile_folder(root, p) if root == top or top in root.parents else has_fetcher_files(root)",
  "tile_root[root] = is_tile_folder(root, p)", T_QU),
 ("QU2", QU, "key = folder / root.relative_to(top) if root == top or top in root.parents else root  # as given", "key = root  # as given", T_QU),
 ("QU3", QU, "root = tile_folder_of(Path(os.path.abspath(p)))  # absolute", "root = tile_folder_of(p)  # absolute", T_QU),
 ("QU4", QU, "            if ours is not None:\n                raise InputError(source, ours)", "            if False:\n                raise InputError(source, ours)", T_QU),
 ("QU5", QU, "if not found and not ours:  # a folder", "if not found:  # a folder", T_QU),
 ("QU6", QU, "            elif own_file(p) is not None:\n", "            elif False:\n", T_QU),
 ("QU7", QU, "        _skip_not_photos(named_ours, on_skip)\n", "", T_QU),
 ("QU8", QU, "        if named_ours and not files:", "        if False:", T_QU),
 ("QU9", QU, "        if path in tagged_first and replaced is not None:", "        if False:", T_QU),
 ("QU10", QU, "                taken.pop(replacing, None)  # the copy's id is free", "                pass  # the copy's id is free", T_QU),
 ("QU11", QU, "            replaced[replacing] = q.id", "            pass", T_QU),
 # core/media/telemetry.py
 ("TE1", TE, "    if absolute is None:  # Mavic 2 / Air", "    if False:  # Mavic 2 / Air", T_TE),
 ("TE2", TE, "        absolute = fields.get(\"altitude\")", "        rel = fields.get(\"altitude\")", T_TE),
 ("TE3", TE, "    m = _BARO.search(text)\n    if m and rel is None:", "    m = None\n    if m and rel is None:", T_TE),
 ("TE4", TE, "    m = _HEIGHT.search(text)\n    if m and rel is None:", "    m = None\n    if m and rel is None:", T_TE),
 ("TE5", TE, "r\"\\b(rel_alt|abs_alt|altitude)\\s*", "r\"\\b(rel_alt|abs_alt)\\s*", T_TE),
 ("TE6", TE, "    slack = max(1.0, 0.02 * video_s)", "    slack = max(1.0, 0.1 * video_s)", T_TE),
 ("TE7", TE, "    if last > video_s + slack:", "    if last > video_s + 10 * slack:", T_TE),
 ("TE8", TE, "    if first > slack:", "    if first > 10 * slack:", T_TE),
 ("TE9", TE, "    if not records or not (video_s > 0 and math.isfinite(video_s)):", "    if not records:", T_TE),
 ("TE10", TE, "    slack = max(1.0, 0.02 * video_s)", "    slack = 0.02 * video_s", T_TE),
 ("TE11", TE, "text = decode_sidecar(raw, errors=\"replace\")[0]", "text = raw.decode(\"utf-8-sig\", errors=\"replace\")", T_TE),
 # core/media/video.py
 ("VI1", VI, "    mirror = a * d - b * c < 0", "    mirror = a * d - b * c > 0", T_VI),
 ("VI2", VI, "        a, c = -a, -c", "        a, b = -a, -b", T_VI),
 ("VI3", VI, "return _quarter_turns(-math.degrees(math.atan2(b, a))), mirror", "return _quarter_turns(math.degrees(math.atan2(b, a))), mirror", T_VI),
 ("VI4", VI, "return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if mirror else image", "return image", T_VI),
 ("VI5", VI, "                    return m[0], m[1], m[3], m[4]", "                    return m[0], m[3], m[1], m[4]", T_VI),
 ("VI6", VI, "        held = _held_s(path, stream, rate)", "        held = _data_end_s(path, stream, rate)", T_VI),
 ("VI7", VI, "        if shown is None and header_duration is not None:", "        if False:", T_VI),
 ("VI8", VI, "    length = 9 - first.bit_length() if first else 9", "    length = 8 - first.bit_length() if first else 9", T_VI),
 ("VI9", VI, "return (None if value == (1 << (7 * length)) - 1 else value), length", "return value, length", T_VI),
 ("VI10", VI, "return size is not None and at + 4 + n + size > total", "return size is not None and at + 4 + n + size >= total", T_VI),
 ("VI11", VI, "                if latest is None:  # cut before its first whole frame\n                    end = 0.0",
  "                if latest is None:  # cut before its first whole frame\n                    end = None", T_VI),
 ("VI12", VI, "        tag += \"|mirror\" if mirror else \"\"", "        tag += \"\"", T_VI),
 ("VI13", VI, "        tag += f\"|held{held:.3f}\" if held is not None else \"\"", "        tag += \"\"", T_VI),
 ("VI14", VI, "        held = _held_s(Path(path), stream, rate)", "        held = _data_end_s(Path(path), stream, rate)", T_VI),
 ("VI15", VI, "problem = span_mismatch(records, info.header_duration_s or info.duration_s)", "problem = span_mismatch(records, info.duration_s)", T_VI),
 ("VI16", VI, "                records = []\n            if records and not any", "                pass\n            if records and not any", T_VI),
 ("VI17", VI, "tag = \"\" if stream is first and turn == 0 and not mirror else", "tag = \"\" if stream is first and turn == 0 else", T_VI),
 ("VI18", VI, "if packet.pts is not None and packet.size and (latest is None or packet.pts > latest):",
  "if packet.pts is not None and packet.size and (latest is None or packet.pts < latest):", T_VI),
 # the clock-ahead prunes: media/frame_prune.py, cache_files.py, store_prune.py, pair_store.py, missing_tiles.py
 ("FP1", FP, "        frames = [(p, size, mtime) for p, size, mtime in frames if not dated_ahead(mtime, now)]", "        pass", T_CK),
 ("FP2", FP, "    for p, size in _old(folder, days, now, restamp_ahead=True):", "    for p, size in _old(folder, days, now):", T_CK),
 ("FP3", FP, "            if dated_ahead(mtime, now):\n                restamp(p)", "            if dated_ahead(mtime, now):\n                pass", T_CK),
 ("CA1", CA, "            if restamp_ahead and dated_ahead(mtime, now):", "            if dated_ahead(mtime, now):", T_CK),
 ("CA2", CA, "                restamp(path)\n                continue", "                continue", T_CK),
 ("CA3", CA, "list(_old(root, days, now, restamp_ahead=True))", "list(_old(root, days, now))", T_CK),
 ("SP1", SP, "    return when - now > CLOCK_SKEW_S", "    return when - now > 0", T_CK),
 ("SP2", SP, "            restamp(info.path / USED)\n            continue", "            continue", T_CK),
 ("SP3", SP, "        if dated_ahead(info.last_used, now):  # the clock ran ahead when it was used", "        if False:", T_CK),
 ("SP4", SP, "if stamp is not None and dated_ahead(st.st_mtime, time.time()) and not dated_ahead(stamp, time.time()):", "if False:", T_CK),
 ("SP5", SP, "        if c.path.suffix == \".tif\" and dated_ahead(c.last_used, now):", "        if False:", T_CK),
 ("SP6", SP, "old = [c for c in copies if not dated_ahead(c.last_used, now)\n", "old = [c for c in copies if True\n", T_CK),
 ("SP7", SP, "    if restamp_ahead:  # (a prune, not its preview)", "    if True:  # (a prune, not its preview)", T_CK),
 ("SP8", SP, "_old_adapt_checkpoints(cache_root, days, now, restamp_ahead=True)", "_old_adapt_checkpoints(cache_root, days, now)", T_CK),
 ("PS1", PS, "                if mtime < cutoff or dated_ahead(mtime, now):", "                if mtime < cutoff:", T_CK),
 ("MT1", MT, "    if when - now > CLOCK_SKEW_S:\n        return math.inf", "    if when - now > CLOCK_SKEW_S:\n        return 0.0", T_FE),
 ("MT2", MT, "        self.db.execute(f\"CREATE TABLE IF NOT EXISTS {TIME_TABLE} (zoom_level INTEGER, tile_column INTEGER, \"\n"
  "                        \"tile_row INTEGER, recorded REAL, PRIMARY KEY (zoom_level, tile_column, tile_row))\")\n",
  "        if not self._made:\n            self.db.execute(f\"CREATE TABLE IF NOT EXISTS {TIME_TABLE} (zoom_level INTEGER, tile_column INTEGER, \"\n"
  "                        \"tile_row INTEGER, recorded REAL, PRIMARY KEY (zoom_level, tile_column, tile_row))\")\n", T_PC),
 ("MT3", MT, "record_age(self.undated if when is None else float(when), now)", "record_age(self.undated if when is None else float(when))", T_FE),
 # core/sources/fetch.py
 ("FE1", FE, "                if not data:  # nothing sent", "                if False:  # nothing sent", T_FE),
 ("FE2", FE, "\"missing\", why=\"HTTP 200 with an empty body\")", "\"failed\", why=\"HTTP 200 with an empty body\")", T_FE),
 ("FE3", FE, "    if why == \"HTTP 429\":  # said in words", "    if False:  # said in words", T_FE),
 ("FE4", FE, "        if errors_why.startswith(\"HTTP 429\"):", "        if False:", T_FE),
 ("FE5", FE, "    if \"\\x00\" in text:  # a NUL", "    if False:  # a NUL", T_FE),
 ("FE6", FE, "    if encoding.startswith((\"utf-16\", \"utf-32\")):", "    if False:", T_FE),
 ("FE7", FE, "            os.utime(path, (undated, undated))  # its undated keys", "            pass  # its undated keys", T_FE),
 ("FE8", FE, "        made = [d for d in (path.parent.parent, path.parent) if not d.is_dir()]", "        made = []", T_FE),
 ("FE9", FE, "            for d in reversed(made):", "            for d in made:", T_FE),
 ("FE10", FE, "        self._pending.add_missing(z, x, y, when)  # (XYZ here", "        pass  # (XYZ here", T_FE),
 ("FE11", FE, "return keep_stored(self.writer.db, self._pending, again, self.writer.missing)", "return keep_stored(self.writer.db, self._pending, again)", T_FE),
 # (mutation37's own fix: missing.txt keys before any stamp line dated before this run's first append)
 ("FE12", FE, "        if not self._recorded and self._missing:  # this run's first append", "        if False:  # this run's first append", T_FE),
 ("FE13", FE, "write_bytes(path, bom + stamp_line(mtime)", "write_bytes(path, stamp_line(mtime)", T_FE),
 ("FE14", FE, "            return  # the first key is dated", "            break  # the first key is dated", T_FE),
 # core/sources/package_commit.py, wmts_grid.GpkgSink
 ("PC1", PC, "    if missing and record is not None:", "    if False:", T_PC),
 ("PC2", PC, "        self.missing.clear()", "        pass", T_PC),
 ("PC3", PC, "        _alone(db, lambda: [record(*entry) for entry in missing])", "        [record(*entry) for entry in missing]", T_PC),
 ("WG1", WG, "        self._pending.add_missing(z, x, y, when)  # replayed by keep_stored", "        pass  # replayed by keep_stored", T_PC),
 ("WG2", WG, "lambda z, x, y, when: self._missing_times().record(z, x, y, when))", "None)", T_PC),
 # core/sources/mbtiles.py, package.image_format
 ("MB1", MB, "    if fmt is None or fmt not in IMAGE_FORMATS:", "    if fmt is not None and fmt not in IMAGE_FORMATS:", T_MB),
 ("MB2", MB, "        if told is None and fmt is not None:", "        if told is None:", T_MB),
 ("MB3", MB, "    if fmt in VECTOR_FORMATS:", "    if fmt == \"pbf\":", T_MB),
 ("MB4", MB, "self._missing_times.record(z, x, 2**z - 1 - y, when)", "self._missing_times.record(z, x, 2**z - 1 - y)", T_FE),
 ("PK1", PK, "\"JPEG\": \"jpg\", \"WEBP\": \"webp\", \"AVIF\": \"avif\"}", "\"JPEG\": \"jpeg\", \"WEBP\": \"webp\", \"AVIF\": \"avif\"}", T_MB),
 # core/sources/pmtiles.py, pmtiles_v2.py
 ("PT1", PT, "return pmtiles_v2.Archive(path) if pmtiles_v2.old_version(head) else _Archive(path)", "return _Archive(path)", T_P2),
 ("P2a", P2, "if not (0 <= z <= 127 and 0 <= x < 1 << z and 0 <= y < 1 << z):", "if not (0 <= z <= 127 and 0 <= x < 1 << z):", T_P2),
 ("P2b", P2, "self.leaf_level is not None and z >= self.leaf_level:", "self.leaf_level is not None and z > self.leaf_level:", T_P2),
 ("P2c", P2, "self.header.leaves.get((self.leaf_level, x >> d, y >> d))", "self.header.leaves.get((self.leaf_level, y >> d, x >> d))", T_P2),
 ("P2d", P2, "        if len(levels) > 1:", "        if len(levels) > 2:", T_P2),
 ("P2e", P2, "-90.0 <= s < n <= 90.0 and w != e:", "-90.0 <= s <= n <= 90.0:", T_P2),
 ("P2f", P2, "    if how in (\"\", \"NONE\"):\n        return bytes(data)", "    if True:\n        return bytes(data)", T_P2),
 ("P2g", P2, "    if declared in VECTOR_FORMATS:", "    if False:", T_P2),
 ("P2h", P2, "    if not (z <= 30 and x < 1 << z and y < 1 << z):", "    if not (z <= 30 and x < 1 << z):", T_P2),
 ("P2i", P2, "            self.version = old_version(self.map[:4]) or 2", "            self.version = 2", T_P2),
 ("P2j", P2, "key=lambda t: (t[1], t[2])):", "key=lambda t: (t[2], t[1])):", T_P2),
 # core/images.py elevation_data_problem, geotiff.py
 ("EL1", IM, " or ds.dtypes[bands[0] - 1] == \"uint8\":", ":", T_EL),
 ("EL2", IM, "    if unit.lower() in _LENGTH_UNITS:", "    if unit in _LENGTH_UNITS:", T_EL),
 ("EL3", IM, "    elif str(ds.tags().get(\"AREA_OR_POINT\", \"\")).strip().lower() == \"point\":", "    elif False:", T_EL),
 ("EL4", IM, "_ELEVATION_WORD.search(Path(path).stem.replace(\"_\", \" \"))", "_ELEVATION_WORD.search(Path(path).stem)", T_EL),
 ("EL5", IM, "height_problem = elevation_data_problem(ds, path) if georeferenced else None", "height_problem = elevation_data_problem(ds, path)", T_EL),
 ("EL6", GT, "            if height_problem:\n                raise InputError(shown, height_problem)", "            if False:\n                raise InputError(shown, height_problem)", T_EL),
 ("EL7", IM, "re.compile(r\"(?<![a-z])(dem|dsm|dtm|elevation|height|srtm)(?![a-z])\"", "re.compile(r\"(dem|dsm|dtm|elevation|height|srtm)\"", T_EL),
 ("EL8", IM, "    elif (found := _ELEVATION_WORD.search(words)) is not None:", "    elif False:", T_EL),
 # libtiff's lines: images.py, libtiff_messages.py
 ("LT1", IM, "    if libtiff_said and text.startswith(\"decoder error\"):", "    if libtiff_said:", T_LT),
 ("LT2", IM, "    libtiff_messages.last_error()  # forget a line of an earlier file", "    pass  # forget a line of an earlier file", T_LT),
 ("LM1", LM, "        if module:\n            text = f\"{module", "        if False:\n            text = f\"{module", T_LT),
 ("LM2", LM, "    if clear:\n        _local.last = None", "    if False:\n        _local.last = None", T_LT),
 ("LM3", LM, "        _local.last = text\n", "        pass\n", T_LT),
 # core/extract.py: partial commits
 ("EX1", EX, "            if time.monotonic() - committed_at[0] >= PARTIAL_COMMIT_S:", "            if False:", T_EX),
 ("EX2", EX, "                    in_flight.clear()  # in the store now", "                    pass  # in the store now", T_EX),
 ("EX3", EX, "    if not ids:\n        return True", "    if not ids:\n        return False", T_EX),
 # written answers: priors.py, media/metadata.py
 ("PR1", PR, "recorded_position(q) or frozen_position(q) or written_answer(q) for q in queries", "recorded_position(q) or frozen_position(q) for q in queries", T_WA),
 ("MD1", MD, "    if _processing_method(gps.get(27)) != GEOLOCATOR_GPS_METHOD:\n        return None", "    if False:\n        return None", T_WA),
 ("MD2", MD, "return _exif_position({tag: value for tag, value in gps.items() if tag != 27})", "return _exif_position(gps)", T_WA),
 # cli.py
 ("CL1", CL, "    gone, failures = split_gone(ws.last.failures)", "    gone, failures = {}, ws.last.failures", T_CL),
 ("CL2", CL, "log.warning(\"%s\", gone_line(as_given(folder, given), paths))", "log.warning(\"%s\", gone_line(folder, paths))", T_CL),
 ("CL3", CL, "ago = (f\"{days:.0f} days ago\" if not dated_ahead(info.last_used, now) else", "ago = (f\"{days:.0f} days ago\" if True else", T_CL),
 ("CL4", CL, "answers = [q for q in queries if recorded_position(q) is None and written_answer(q) is not None]", "answers = []", T_CL),
 # GeoPackage tables and the app: gpkg.py, xyz.py, gui/
 ("GP1", GP, "    return TableName(f\"{CONNECTION_PREFIX}{path}:{table}\")", "    return TableName(f\"{path}:{table}\")", T_TT),
 ("XY1", XY, "return (root / FOLDER_METADATA).is_file() or (root / \"tilemapresource.xml\").is_file()", "return (root / FOLDER_METADATA).is_file()", T_OO),
 ("GU1", MW, "        return split_table(path)[0]", "        return path", T_TT),
 ("GU2", MW, "            if path.suffix.lower() == \".gpkg\":  # several tile tables", "            if False:  # several tile tables", T_TT),
 ("GU3", MW, "self.open_tileset(connection(path, table) if table is not None else path, zoom=zoom)", "self.open_tileset(path, zoom=zoom)", T_TT),
 ("GU4", MW, "            self._take_out(list(loaded.replaced))", "            pass", T_GU),
 ("GU5", MW, "        self.query_list.remove_queries(ids)\n\n    def _add_queries(", "        pass\n\n    def _add_queries(", T_GU),
 ("GU6", MW, "        messages += [(\"warning\", line, details) for line, details in results.gone_folders]", "        pass", T_GU),
 ("GU7", MW, "            fit_to_screen(self, FIRST_SIZE)", "            pass", T_GU),
 ("GU8", MW, "            for kept in (self.queries, self.predictions, self.failures, self.track_answers, self.track_shots,", "            for kept in (self.queries, self.failures, self.track_answers, self.track_shots,", T_GU),
 ("TT1", TT, "    if len(tables) <= 1:", "    if len(tables) <= 2:", T_TT),
 ("TT2", TT, "    return (True, table) if ok else (False, None)", "    return (True, table)", T_TT),
 ("JB1", JB, "                listed.pop(copy_id, None)", "                pass", T_GU),
 ("JB2", JB, "qs = join_queries(qs, Path(p), listed, on_skip=skip, replaced=replaced)", "qs = join_queries(qs, Path(p), listed, on_skip=skip)", T_GU),
 ("MG1", MG, "return QSize(hint.width(), max(self.minimumSizeHint().height(), self.lines_height(width)))", "return QSize(hint.width(), self.minimumSizeHint().height())", T_MG),
 ("MG2", MG, "return QSize(4 * self.fontMetrics().averageCharWidth(), self.fontMetrics().lineSpacing())", "return QSize(4 * self.fontMetrics().averageCharWidth(), 4 * self.fontMetrics().lineSpacing())", T_MG),
 ("MG3", MG, "        self.setToolTip(self.label.text() if cut else \"\")", "        self.setToolTip(\"\")", T_MG),
 ("MG4", MG, "self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if cut else Qt.FocusPolicy.NoFocus)", "self.setFocusPolicy(Qt.FocusPolicy.NoFocus)", T_MG),
 ("MG5", MG, "        self.text_view.verticalScrollBar().setValue(0)", "        pass", T_MG),
 ("ID1", ID, "    info = package_info(path, table)", "    info = package_info(path)", T_TT),
]

if __name__ == "__main__":
    raise SystemExit(main_old_new(M, NEW, sys.argv[1:]))
