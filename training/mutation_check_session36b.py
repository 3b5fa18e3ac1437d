"""Hand mutants of the code merged in session 36 (mutation36b): core/media/framing.py, a crop or resize
read from the metadata (FR); camera_fit's principal point (CF); evidence.earlier_evidence (EV); media/
copies.geotagged_copies (CP); queries.py's own-output skipping, unreadable folders and truth.csv (QU);
sources/xyz.py's tile folders and suffixes (XY); sources/gpkg.py's table names (GP); sources/pmtiles.py's
codecs and headers (PM); outputs.py's write-failure words and special files (OU); fetch.TilesNotStored
(FE); the feature store, pair store and index writes (ST); cli._write_output (CL); gui/toolbar_fold.py
(TF), gui/screen_fit.py (SF), gui/number_input.py (NI).

Each mutant is one text replacement: training/hand_mutants.run applies it, runs the tests of its module
with `pytest -x`, restores the file. Run it in a copy of the tree (`git archive HEAD`, .venv and data
linked), never in a worktree being edited:

    OMP_NUM_THREADS=1 QT_QPA_PLATFORM=offscreen PYTHONPATH=. \
        python training/mutation_check_session36b.py [FR1 PM2 ...] [--check]

--check: run nothing, list the mutants that no longer apply to today's code. Results and what each
survivor meant: training/results/mutation36b_session36.md."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hand_mutants import main_old_new  # noqa: E402

C = "geolocator/core/"
FR, CF, EV, CP = C + "media/framing.py", C + "camera_fit.py", C + "evidence.py", C + "media/copies.py"
QU, XY, GP, PM = C + "queries.py", C + "sources/xyz.py", C + "sources/gpkg.py", C + "sources/pmtiles.py"
OU, FE, GC = C + "outputs.py", C + "sources/fetch.py", C + "geotag_copies.py"
ST, PS, RT = C + "store.py", C + "pair_store.py", C + "retrieval.py"
TF, SF, NI = "geolocator/gui/toolbar_fold.py", "geolocator/gui/screen_fit.py", "geolocator/gui/number_input.py"

T_FR = ("tests/test_framing.py",)
T_CF = ("tests/test_framing.py", "tests/test_camera_fit.py")
T_EV = ("tests/test_newuser36_own_outputs.py", "tests/test_evidence.py")
T_CP = ("tests/test_newuser36_own_outputs.py", "tests/test_geotag_copies.py", "tests/test_geotags_wiring.py")
T_QU = ("tests/test_newuser36_own_outputs.py", "tests/test_faults36_listing.py", "tests/test_queries.py",
        "tests/test_queries_exact.py", "tests/test_ownout37_own_outputs.py")
T_XY = ("tests/test_newuser36_own_outputs.py", "tests/test_xyz_fetched_kinds.py", "tests/test_prop_xyz_folders.py")
T_GP = ("tests/test_readers_gpkg_exact.py", "tests/test_gpkg_gdal_written.py", "tests/test_prop_gpkg.py")
T_PM = ("tests/test_pmtiles_compression.py", "tests/test_readers_pmtiles_exact.py")
T_OU = ("tests/test_faults36_fetch.py", "tests/test_faults36_northup.py", "tests/test_faults36_exports.py",
        "tests/test_faults36_long_names.py", "tests/test_faults36_store_index.py")
T_FE = ("tests/test_faults36_fetch.py",)
T_ST = ("tests/test_faults36_store_index.py",)
T_CL = ("tests/test_faults36_exports.py", "tests/test_newuser36_own_outputs.py")
T_GC = ("tests/test_faults36_exports.py", "tests/test_geotag_copies.py")
T_TF = ("tests/test_gui_toolbar_fold.py",)
T_SF = ("tests/test_gui_dialogs_fit.py", "tests/test_gui_row_order.py")
T_NI = ("tests/test_gui_free_disk_space.py", "tests/test_decimal_input.py")

M = [
 # core/media/framing.py
 ("FR1", FR, "    if not (_true(xmp.get(\"crs:AlreadyApplied\")) and _true(xmp.get(\"crs:HasCrop\"))):",
  "    if not _true(xmp.get(\"crs:HasCrop\")):", T_FR),
 ("FR2", FR, "0 <= left < right <= 1 and 0 <= top < bottom <= 1", "0 <= left <= right <= 1 and 0 <= top <= bottom <= 1", T_FR),
 ("FR3", FR, "    if (left, top, right, bottom) == (0, 0, 1, 1):\n        return None", "    if False:\n        return None", T_FR),
 ("FR4", FR, "    turned = abs(angle) > CROP_ANGLE_TOLERANCE_DEG", "    turned = angle > CROP_ANGLE_TOLERANCE_DEG", T_FR),
 ("FR5", FR, "    if orientation not in (None, 1):", "    if orientation not in (None, 1, 3):", T_FR),
 ("FR6", FR, "return int(x) if x is not None and x >= 1 and x == int(x) else None", "return int(x) if x is not None and x >= 1 else None", T_FR),
 ("FR7", FR, "((rw, rh, \"resized\"), (rh, rw, turned)):", "((rw, rh, \"resized\"),):", T_FR),
 ("FR8", FR, "if abs(w * ah - h * aw) <= aw + ah or", "if abs(w * ah - h * aw) <= 1 or", T_FR),
 ("FR9", FR, "SAME_ASPECT = 0.01", "SAME_ASPECT = 0.05", T_FR),
 ("FR10", FR, "    least = (w / rw, h / rh) if w <= rw and h <= rh else None", "    least = (w / rw, h / rh)", T_FR),
 ("FR11", FR, "    if None in recorded:\n        recorded = (", "    if False:\n        recorded = (", T_FR),
 ("FR12", FR, "    if found is not None and found.box is not None and by_size is not None and by_size.cropped:",
  "    if False:", T_FR),
 ("FR13", FR, "    return found if found is not None else by_size", "    return by_size if by_size is not None else found", T_FR),
 ("FR14", FR, "    return ((0.5 - left) / (right - left), (0.5 - top) / (bottom - top))",
  "    return ((0.5 - left) / (right - left), (0.5 - top) / (right - left))", T_FR),
 ("FR15", FR, "tuple((1.0 - 0.5 / c, 0.5 / c) for c", "tuple((0.0, 0.5 / c) for c", T_FR),
 ("FR16", FR, "    if framing is None or not framing.cropped:\n        return (0.5, 0.5)", "    if framing is None:\n        return (0.5, 0.5)", T_FR),
 ("FR17", FR, "    if framing.least_share is None:\n        return (0.0, 1.0), (0.0, 1.0)", "    if framing.least_share is None:\n        return (0.25, 0.75), (0.25, 0.75)", T_FR),
 # core/camera_fit.py: the principal point
 ("CF1", CF, "    px, py = principal[0] * w, principal[1] * h", "    px, py = 0.5 * w, 0.5 * h", T_CF),
 ("CF2", CF, "    f = (frame * w / 2.0) / np.tan(", "    f = (w / 2.0) / np.tan(", T_CF),
 ("CF3", CF, "for py in np.linspace(y0, y1, PRINCIPAL_GRID))", "for py in np.linspace(x0, x1, PRINCIPAL_GRID))", T_CF),
 ("CF4", CF, "key=lambda f: f.misfit, default=None)", "key=lambda f: -f.misfit, default=None)", T_CF),
 ("CF5", CF, "            principal = ((principal[0] - left) / (right - left), (principal[1] - top) / (bottom - top))",
  "            pass", T_CF),
 ("CF6", CF, "        frame = 1.0 / crop_width_share(framing)", "        frame = 1.0", T_CF),
 ("CF7", CF, "            bounds = (bounds[1], bounds[0])  # (each", "            pass  # (each", T_CF),
 ("CF8", CF, "    if getattr(query, \"time_s\", None) is None:  # a video frame", "    if False:  # a video frame", T_CF),
 # core/evidence.py
 ("EV1", EV, "        if _record_beside(path, name[: -len(PICTURE_SUFFIX)]):\n            return \"an evidence picture",
  "        if True:\n            return \"an evidence picture", T_EV),
 ("EV2", EV, "    lower = name.lower()", "    lower = name", T_EV),
 ("EV3", EV, "if n.endswith(RECORD_SUFFIX) and n not in mine]", "if n.endswith(RECORD_SUFFIX)]", T_EV),
 ("EV4", EV, "_record_beside(path, name[: -len(PICTURE_SUFFIX)])", "_record_beside(path, name)", T_EV),
 ("EV5", EV, "    if lower.endswith(RECORD_SUFFIX):\n        return \"an evidence record", "    if False:\n        return \"an evidence record", T_EV),
 # core/media/copies.py: geotagged copies
 # CP1 after perf36's segment walk: equivalent (a file without SOI fails the walk's own 0xFF check at once)
 ("CP1", CP, "            if fh.read(2) != b\"\\xff\\xd8\":\n                return False", "            if fh.read(2) is None:\n                return False", T_CP),
 ("CP2", CP, "        originals = [p for p in same_name if p not in marked]", "        originals = same_name", T_CP),
 ("CP3", CP, "by_name.setdefault(p.name.lower(), [])", "by_name.setdefault(p.name, [])", T_CP),
 ("CP4", CP, "    return b\"\".join(s for s in segments if not _is_exif(s)) + rest", "    return b\"\".join(segments) + rest", T_CP),
 ("CP5", CP, "                    body = fh.read(length - 2)", "                    body = fh.read(min(length - 2, 1024))", T_CP),
 ("CP6", CP, "        if p.suffix.lower() in (\".jpg\", \".jpeg\"):", "        if p.suffix.lower() in (\".jpg\",):", T_CP),
 # core/queries.py
 ("QU1", QU, "    if path.name.lower() == \"truth.csv\":", "    if path.name == \"truth.csv\":", T_QU),
 # QU2 survived since propfuzz36b's is_tile_folder: the place test decided only for a folder given inside a real
 # tile folder, whose tiles were then read as photos. ownout37 decides there by the fetcher's files alone: QU2 takes
 # a tile's size as enough there too (numbered square photos skipped), QU2b reads such a folder's tiles again
 ("QU2", QU, "is_tile_folder(root, p) if root == top or top in root.parents else has_fetcher_files(root)",
  "is_tile_folder(root, p)", T_QU),
 ("QU2b", QU, "is_tile_folder(root, p) if root == top or top in root.parents else has_fetcher_files(root)",
  "is_tile_folder(root, p) if root == top or top in root.parents else False", T_QU),
 ("QU3", QU, "        (ours[p.parent] if p.parent in tile_roots else kept).append(p)", "        kept.append(p)", T_QU),
 ("QU4", QU, "            tiles = sum(f.suffix.lower() in PHOTO_SUFFIXES for f in found)", "            tiles = len(found)", T_QU),
 ("QU5", QU, "        if exc.errno == errno.ELOOP:", "        if False:", T_QU),
 ("QU6", QU, "        if where == folder:\n            raise InputError", "        if False:\n            raise InputError", T_QU),
 ("QU7", QU, "_no_images_problem(others) if others or not ours else", "_no_images_problem(others) if True else", T_QU),
 ("QU8", QU, "                except InputError as exc:  # one folder of the list that cannot be read: the others go on\n"
  "                    _skip(p, exc.problem, on_skip)\n                    continue",
  "                except InputError as exc:  # one folder of the list that cannot be read: the others go on\n"
  "                    raise", T_QU),
 ("QU9", QU, "    tagged = geotagged_copies([p for p, _ in once if p not in copies])", "    tagged = {}", T_QU),
 ("QU10", QU, "    return [(p, b) for p, b in once if p not in tagged], copies", "    return once, copies", T_QU),
 ("QU11", QU, "    if suffix in _imagery_suffixes():", "    if False:", T_QU),
 ("QU12", QU, "    return found[0] if len(found) == 1 else None", "    return found[0] if found else None", T_QU),
 ("QU13", QU, "        elif earlier_evidence(p) is not None:\n            ours.setdefault(p.parent, []).append(p)",
  "        elif False:\n            ours.setdefault(p.parent, []).append(p)", T_QU),
 ("QU14", QU, "            if p.is_symlink() and not p.exists():\n                _skip(p, _dead_link(p), on_skip)",
  "            if False:\n                _skip(p, _dead_link(p), on_skip)", T_QU),
 ("QU15", QU, "count(len(found) - pictures, \"record\")", "count(len(found), \"record\")", T_QU),
 # core/sources/xyz.py
 ("XY1", XY, "or int(z) > 30:", "or int(z) > 3:", T_XY),
 ("XY2", XY, "    if int(x) >= 2 ** int(z) or int(m.group(1)) >= 2 ** int(z):\n        return None",
  "    if int(x) >= 2 ** int(z):\n        return None", T_XY),
 ("XY3", XY, "\".webp\", \".gif\", \".avif\"})", "\".webp\", \".avif\"})", T_XY),
 ("XY4", XY, "\".webp\", \".gif\", \".avif\"})", "\".webp\", \".gif\"})", T_XY),
 ("XY5", XY, "    return path.parents[2]\n", "    return path.parent\n", T_XY),
 # core/sources/gpkg.py
 ("GP1", GP, "    if not table or \"\\x00\" in table:", "    if \"\\x00\" in table:", T_GP),
 ("GP2", GP, "'\"' + table.replace('\"', '\"\"') + '\"'", "'\"' + table + '\"'", T_GP),
 ("GP3", GP, "        if \"2d-gridded-coverage\" in kinds:", "        if False:", T_GP),
 ("GP4", GP, "    table, *nums = str(ref).rsplit(\"/\", 3)", "    table, *nums = str(ref).split(\"/\", 3)", T_GP),
 ("GP5", GP, "    if table is None and len(tables := _tile_tables(path)) > 1:", "    if table is None and len(tables := _tile_tables(path)) > 2:", T_GP),
 # core/sources/pmtiles.py
 ("PM1", PM, "        if not unpacker.eof:\n            raise _Corrupt(\"corrupt zstd data (truncated frame)\")",
  "        if False:\n            raise _Corrupt(\"corrupt zstd data (truncated frame)\")", T_PM),
 ("PM2", PM, "    if not unpacker.is_finished():\n        raise _Corrupt(", "    if False:\n        raise _Corrupt(", T_PM),
 ("PM3", PM, "        rest = unpacker.unused_data\n    return", "        rest = b\"\"\n    return", T_PM),
 ("PM4", PM, "        if not unpacker.eof:\n            raise _Corrupt(\"corrupt gzip", "        if False:\n            raise _Corrupt(\"corrupt gzip", T_PM),
 ("PM5", PM, "            if size > MAX_UNPACKED_BYTES:\n                raise _bomb(\"zstd\")", "            if False:\n                raise _bomb(\"zstd\")", T_PM),
 ("PM6", PM, "        if size > MAX_UNPACKED_BYTES:\n            raise _bomb(\"brotli\")", "        if False:\n            raise _bomb(\"brotli\")", T_PM),
 ("PM7", PM, "            if size > MAX_UNPACKED_BYTES:\n                raise _bomb(\"gzip\")", "            if False:\n                raise _bomb(\"gzip\")", T_PM),
 ("PM8", PM, "    if compression in (\"NONE\", \"UNKNOWN\"):", "    if compression == \"NONE\":", T_PM),
 ("PM9", PM, "((\"directories\", head[97]), (\"tiles\", head[98])):", "((\"directories\", head[97]), (\"tiles\", head[97])):", T_PM),
 ("PM10", PM, "    if head[99] >= _TILE_TYPE_COUNT:", "    if head[99] > _TILE_TYPE_COUNT:", T_PM),
 # session 37 (mutation37): re-pointed, formats37 moved the v1/v2 test into pmtiles_v2.old_version (v1/v2 now read)
 ("PM11", C + "sources/pmtiles_v2.py", "        return version if version in (1, 2) else None", "        return version if version in (2,) else None",
  T_PM + ("tests/test_pmtiles_v2.py",)),
 ("PM12", PM, "unpack(self.get_bytes(offset, length), self.internal), compresslevel=0", "unpack(self.get_bytes(offset, length), \"GZIP\"), compresslevel=0", T_PM),
 ("PM13", PM, "if not (0 <= z <= 31 and 0 <= x < 1 << z and 0 <= y < 1 << z):", "if not (0 <= z <= 31 and 0 <= x < 1 << z):", T_PM),
 ("PM14", PM, "    if bounds.west == bounds.east or bounds.south == bounds.north:", "    if bounds.west == bounds.east and bounds.south == bounds.north:", T_PM),
 ("PM15", PM, "        for _ in range(4):  # the root", "        for _ in range(1):  # the root", T_PM),
 ("PM16", PM, "            if e.run_length > 0:", "            if True:", T_PM),
 ("PM17", PM, "        if self.internal == \"UNKNOWN\":", "        if False:", T_PM),
 ("PM18", PM, "_IN_STEP = 512", "_IN_STEP = 1 << 30", T_PM),
 # core/outputs.py
 ("OU1", OU, "    13: \"the disk is full\",  # SQLITE_FULL", "    13: \"database or disk is full\",  # SQLITE_FULL", T_OU),
 ("OU2", OU, "SQLITE_WORDS.get(code & 0xFF, str(exc))", "SQLITE_WORDS.get(code, str(exc))", T_OU),
 ("OU3", OU, "        if st.f_bavail * st.f_frsize < FULL_BYTES:", "        if st.f_bavail < FULL_BYTES:", T_OU),
 ("OU4", OU, "    if isinstance(exc, OSError) and exc.errno is not None:\n        return describe_os_error(exc)",
  "    if False:\n        return describe_os_error(exc)", T_OU),
 ("OU5", OU, "    if exc.errno == errno.ENAMETOOLONG:", "    if False:", T_OU),
 ("OU6", OU, "if len(os.fsencode(part)) > limit]", "if len(part) > limit]", T_OU),
 ("OU7", OU, "    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):\n        return None", "    if stat.S_ISREG(mode):\n        return None", T_OU),
 ("OU8", OU, "    if stat.S_ISFIFO(mode):\n        return \"a pipe\"", "    if False:\n        return \"a pipe\"", T_OU),
 ("OU9", OU, "    kind = special_file(path)\n    if kind is not None:  # os.replace", "    kind = None\n    if kind is not None:  # os.replace", T_OU),
 ("OU10", OU, "    except OSError as exc:\n        raise OutputError(path, _unlookable(path, exc)) from None",
  "    except ValueError as exc:\n        raise OutputError(path, _unlookable(path, exc)) from None", T_OU),
 # core/sources/fetch.py: TilesNotStored
 ("FE1", FE, "        return exc.path, exc.problem.removeprefix(\"could not write: \")", "        return exc.path, exc.problem", T_FE),
 ("FE2", FE, "        return Path(exc.filename) if exc.filename else Path(out), describe_os_error(exc)",
  "        return Path(out), describe_os_error(exc)", T_FE),
 ("FE3", FE, "None if report.discarded else stored_count(Path(out), tiles)", "stored_count(Path(out), tiles)", T_FE),
 ("FE4", FE, "            store_fault = store_fault or exc", "            store_fault = exc", T_FE),
 ("FE5", FE, "                try:\n                    sink.missing(item.z, item.x, item.y)\n                except (OSError, sqlite3.Error) as exc:\n"
  "                    store_fault = exc\n                    break", "                sink.missing(item.z, item.x, item.y)", T_FE),
 # the feature store, pair store, index
 ("ST1", ST, "        if self.write_error is None:\n            try:\n                self._meta()", "        if True:\n            try:\n                self._meta()", T_ST),
 ("ST2", PS, "            self.write_error = describe_os_error(exc)", "            self.write_error = str(exc)", T_ST),
 ("ST3", RT, "                    if failed:\n                        raise failed[0] from None", "                    if False:\n                        raise failed[0] from None", T_ST),
 ("ST4", RT, "        try:\n            twin.unlink(missing_ok=True)\n", "        try:\n            pass\n", T_ST),
 # cli._write_output, geotag_copies
 ("CL1", "geolocator/cli.py", "        where = \"\" if isinstance(exc, OutputError) or not exc.filename else f\"{exc.filename}: \"",
  "        where = \"\"", T_CL),
 ("GC1", GC, "count(len(tags) - i - 1, 'other')", "count(len(tags) - i, 'other')", T_GC),
 # gui/toolbar_fold.py
 ("TF1", TF, "        if not self.window.isVisible() or (self.toolbar.isHidden() and not self.folded):",
  "        if not self.window.isVisible():", T_TF),
 ("TF2", TF, "        elif self.folded and least + self.toolbar.sizeHint().height() <= height:", "        elif self.folded and least <= height:", T_TF),
 ("TF3", TF, "        if not self.folded and least > height:", "        if not self.folded and least >= height + 40:", T_TF),
 ("TF4", TF, "and not self.window.windowState() & states:", ":", T_TF),
 ("TF5", TF, "            self.window.resize(self.window.width(), max(height, least))", "            self.window.resize(self.window.width(), height)", T_TF),
 ("TF6", TF, "        for w in watch:\n            w.installEventFilter(self)", "        for w in watch:\n            pass", T_TF),
 # gui/screen_fit.py, gui/number_input.py
 ("SF1", SF, "    if need > window.height():\n        window.resize(window.width(), need)", "    if False:\n        window.resize(window.width(), need)", T_SF),
 ("SF2", SF, "        text.setWordWrap(True)", "        pass", T_SF),
 ("SF3", SF, "        box.setMinimumContentsLength(30)", "        box.setMinimumContentsLength(80)", T_SF),
 ("SF4", SF, "        box.setToolTip(box.currentText())  # the whole item", "        pass  # the whole item", T_SF),
 ("NI1", NI, "    width = min(60, len(label)) * dialog.fontMetrics().averageCharWidth() + 40", "    width = len(label) * dialog.fontMetrics().averageCharWidth() + 40", T_NI),
 ("NI2", NI, "    box.selectAll()\n    box.setFocus()", "    box.setFocus()", T_NI),
]

if __name__ == "__main__":
    raise SystemExit(main_old_new(M, (), sys.argv[1:]))
