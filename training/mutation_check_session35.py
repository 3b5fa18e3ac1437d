"""Hand mutants of modules no earlier mutation check had looked at (session 35): what changes a user's
answer or what a run keeps or removes. region_plan's photo count (RG); tiles_among_photos, the tile set's
own imagery left out of the photos (TA); second_look, the learned matcher's look at photos nothing verified
(SL); frozen_fix, a GPS fix that stopped updating (FF); clock_zones per folder (CZ); deblock's smoothing of
replicated pixels (DB); cache_files' listing and prune (CA); media/copies, a card copied twice (CP);
matchers/base.mutual_nearest (MN); sources/northup's north-up grid (NU); dense search's channels, decisive
top and lift (DN); sources/arcgis_cache's recognition (AG). A second batch (02:30): adapt/resume's checkpoint
rules (AR) and kml_schema's ids and Style order (KS). A third batch (02:40): media/video.py's frame times (VI)
and telemetry_at, the SRT record a frame takes (TL).

Each mutant is one text replacement: training/hand_mutants.run applies it, runs the tests of its module
with `pytest -x` (the default tier), restores the file (a run past 600 s counts as killed). Run it in a
copy of the tree (`git archive HEAD`, .venv and data linked), never in a worktree being edited:

    OMP_NUM_THREADS=1 QT_QPA_PLATFORM=offscreen PYTHONPATH=. \
        python training/mutation_check_session35.py [TA1 SL3 ...] [--old-only | --new-only | --check]

--old-only: without the tests written for the survivors (tests/test_mutants_session35_*.py), i.e. the
tests as they were; --new-only: those new files alone; --check: run nothing, list the mutants that no
longer apply to today's code. Results and what each survivor meant: training/results/mutation35_session35.md."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hand_mutants import main_old_new  # noqa: E402

C = "geolocator/core/"
RG, TA, SL, FF = C + "region_plan.py", C + "tiles_among_photos.py", C + "second_look.py", C + "frozen_fix.py"
CZ, DB, CA, CP = C + "clock_zones.py", C + "deblock.py", C + "cache_files.py", C + "media/copies.py"
MN, NU, DN, AG = C + "matchers/base.py", C + "sources/northup.py", C + "dense.py", C + "sources/arcgis_cache.py"
AR, KS = C + "adapt/resume.py", C + "kml_schema.py"
VI, TL = C + "media/video.py", C + "media/telemetry.py"

NEW = "tests/test_mutants_session35_core.py"
T_RG = ("tests/test_region_plan.py", NEW)
T_TA = ("tests/test_tiles_among_photos.py", NEW)
T_SL = ("tests/test_second_look.py", NEW)
T_FF = ("tests/test_frozen_fix.py", NEW)
T_CZ = ("tests/test_clock_zones_per_folder.py", "tests/test_clock_zone.py", NEW)
T_DB = ("tests/test_deblock.py", NEW)
T_CA = ("tests/test_cache_prune_folders.py", "tests/test_gui_free_disk_space.py", NEW)
T_CP = ("tests/test_copied_twice.py", NEW)
T_MN = ("tests/test_verify_exact.py", "tests/test_learned_matchers_exact.py", NEW)
T_NU = ("tests/test_geotiff_not_north_up.py", "tests/test_folder_gcp_tiff.py", NEW)
T_DN = ("tests/test_dense.py", NEW)
T_AG = ("tests/test_arcgis_cache_said.py", NEW)
T_AR = ("tests/test_adapt_resume.py", "tests/test_adapt_resume_cache.py", NEW)
T_KS = ("tests/test_kml_schema_valid.py", NEW)
T_VI = ("tests/test_video.py", "tests/test_video_exact.py", "tests/test_frame_times_off_track.py", NEW)
T_TL = ("tests/test_telemetry_exact.py", "tests/test_video.py", "tests/test_video_exact.py", NEW)

M = [
 # core/region_plan.py: the photos a region folder adds to the job's plan
 ("RG1", RG, "if Path(name).suffix.lower() in suffixes)", "if Path(name).suffix in suffixes)", T_RG),
 ("RG2", RG, "        suffixes = PHOTO_SUFFIXES | VIDEO_SUFFIXES", "        suffixes = PHOTO_SUFFIXES", T_RG),
 ("RG3", RG, "os.walk(Path(path) / \"queries\")", "os.walk(Path(path))", T_RG),
 ("RG4", RG, "        if not is_region_folder(Path(path)):\n            return 0", "        if False:\n            return 0", T_RG),
 # core/tiles_among_photos.py: the tile set's own file among the photos
 ("TA1", TA, "    own.update(_real(t.path) for t in tileset.tiles if t.ref is None)", "    own.update(_real(t.path) for t in tileset.tiles)", T_TA),
 ("TA2", TA, "        reason = REASON if real in own else None", "        reason = None", T_TA),
 ("TA3", TA, "        if reason is None and size is not None and file_size(q.path) == size:", "        if False:", T_TA),
 ("TA4", TA, "            if digest[0] is not None and file_digest(q.path) == digest[0]:", "            if digest[0] is not None:", T_TA),
 ("TA5", TA, "        if real not in said:", "        if True:", T_TA),
 ("TA6", TA, "    if queries and not kept:", "    if not kept:", T_TA),
 ("TA7", TA, "    own = {_real(tileset.source)} if Path(tileset.source).is_file() else set()", "    own = set()", T_TA),
 # core/second_look.py
 ("SL1", SL, "if not any(v.inliers >= floor[qi] for v in checks[qi])", "if not any(v.inliers > floor[qi] for v in checks[qi])", T_SL),
 ("SL2", SL, "            and not (skip is not None and skip[qi])]", "            ]", T_SL),
 ("SL3", SL, "        return np.asarray(order[qi][: max(int(upto), c)])", "        return np.asarray(order[qi][: int(upto)])", T_SL),
 ("SL4", SL, "        if len(inliers) and inliers.max() >= clear:", "        if len(inliers) and inliers.max() > clear:", T_SL),
 ("SL5", SL, "            keep = np.argsort(-inliers, kind=\"stable\")[:c]", "            keep = np.argsort(inliers, kind=\"stable\")[:c]", T_SL),
 ("SL6", SL, "                candidates[qi] = tried_by(qi)[keep]", "                candidates[qi] = keep", T_SL),
 ("SL7", SL, "    thresholds = np.where(rows, clear, floor)", "    thresholds = floor", T_SL),
 ("SL8", SL, "    tables = tuple(second_table if r else first_table for r in rows)", "    tables = tuple(first_table for r in rows)", T_SL),
 ("SL9", SL, "                checks[qi] = [found[j] for j in keep]", "                checks[qi] = found[:c]", T_SL),
 # core/frozen_fix.py
 ("FF1", FF, "MIN_PHOTOS = 3", "MIN_PHOTOS = 2", T_FF),
 ("FF2", FF, "MIN_SPAN_S = 10.0", "MIN_SPAN_S = 1.0", T_FF),
 ("FF3", FF, "        if len(members) < MIN_PHOTOS or span < MIN_SPAN_S:", "        if len(members) <= MIN_PHOTOS or span < MIN_SPAN_S:", T_FF),
 ("FF4", FF, "        if len(members) < MIN_PHOTOS or span < MIN_SPAN_S:", "        if len(members) < MIN_PHOTOS or span <= MIN_SPAN_S:", T_FF),
 ("FF5", FF, "groups[(camera, q.truth.lat, q.truth.lon)]", "groups[(\"\", q.truth.lat, q.truth.lon)]", T_FF),
 ("FF6", FF, "q.truth_source not in CAMERA_RECORDS or q.time_s is not None:", "q.truth_source not in CAMERA_RECORDS:", T_FF),
 ("FF7", FF, "q.truth_source not in CAMERA_RECORDS or q.time_s", "q.truth_source is None or q.time_s", T_FF),
 ("FF8", FF, "    if query.truth is None and (query.truth_note or \"\").startswith(NOTE_START):", "    if query.truth is None:", T_FF),
 ("FF9", FF, "        span = (times[-1] - times[0]).total_seconds()", "        span = (times[-1] - times[1]).total_seconds()", T_FF),
 # core/clock_zones.py
 ("CZ1", CZ, "text.rsplit(SEPARATOR, 1)", "text.split(SEPARATOR, 1)", T_CZ),
 ("CZ2", CZ, "len(rule[0].parts) > len(best[0].parts)", "len(rule[0].parts) < len(best[0].parts)", T_CZ),
 ("CZ3", CZ, "            if (p == rule[0] or rule[0] in p.parents) and", "            if (rule[0] in p.parents) and", T_CZ),
 ("CZ4", CZ, "        return self.default if rule is None else rule[1]", "        return self.default", T_CZ),
 ("CZ5", CZ, "                if default is not None:\n", "                if False:\n", T_CZ),
 ("CZ6", CZ, "            if path in seen:", "            if False:", T_CZ),
 ("CZ7", CZ, "            held.update(p.parents)\n", "", T_CZ),
 ("CZ8", CZ, "        return None if rule is None else str(rule[0])", "        return None", T_CZ),
 # core/deblock.py
 ("DB1", DB, "    rebuilt = cv2.remap(samples, gx, gy, cv2.INTER_CUBIC,", "    rebuilt = cv2.remap(samples, gx, gy, cv2.INTER_NEAREST,", T_DB),
 ("DB2", DB, "    ux = ((np.arange(w) - cx[0]) / period_x)", "    ux = ((np.arange(w) - cx[0]) / period_y)", T_DB),
 ("DB3", DB, "        return edge + (np.arange(first, last + 1) + 0.5) * period", "        return edge + np.arange(first, last + 1) * period", T_DB),
 ("DB4", DB, "    mode = \"L\" if pil_image.mode == \"L\" else \"RGB\"", "    mode = \"RGB\"", T_DB),
 ("DB5", DB, "(max(1, int(period_x / 2)), max(1, int(period_y / 2)))", "(1, 1)", T_DB),
 ("DB6", DB, "    uy = ((np.arange(h) - cy[0]) / period_y)", "    uy = ((np.arange(h) - cx[0]) / period_y)", T_DB),
 # core/cache_files.py
 ("CA1", CA, "    return len(name) == 2 and all(c in \"0123456789abcdef\" for c in name)", "    return all(c in \"0123456789abcdef\" for c in name)", T_CA),
 ("CA2", CA, "            if not (entry.name.endswith(suffix) or entry.name.startswith(\".\")):", "            if not entry.name.endswith(suffix):", T_CA),
 ("CA3", CA, "    tmp_cutoff = min(cutoff, now - STALE_TMP_S)", "    tmp_cutoff = cutoff", T_CA),
 ("CA4", CA, "            if mtime <= (tmp_cutoff if", "            if mtime < (tmp_cutoff if", T_CA),
 ("CA5", CA, "        if _two_hex(path.parent.name):\n            emptied.add(path.parent)", "        if True:\n            emptied.add(path.parent)", T_CA),
 ("CA6", CA, "STALE_TMP_S = 600", "STALE_TMP_S = 0", T_CA),
 ("CA7", CA, "            if entry.is_file(follow_symlinks=False):", "            if True:", T_CA),
 # core/media/copies.py
 ("CP1", CP, "    return len(path.name), len(str(path))", "    return len(str(path)), len(path.name)", T_CP),
 ("CP2", CP, "            if key in seen:", "            if False:", T_CP),
 ("CP3", CP, "            if size:\n", "            if size is not None:\n", T_CP),
 ("CP4", CP, "        if len(group) < 2 or all(kind == 0 for kind, _, _ in group):", "        if len(group) < 2:", T_CP),
 ("CP5", CP, "                if item is not keep and item[0] == 1:", "                if item is not keep:", T_CP),
 ("CP6", CP, "            keep = min(olds, key=lambda x: x[1]) if olds else", "            keep = min(olds, key=lambda x: x[1]) if False else", T_CP),
 # core/matchers/base.mutual_nearest
 ("MN1", MN, "    mutual = sim.argmax(axis=0)[ab] == np.arange(len(a))", "    mutual = np.ones(len(a), bool)", T_MN),
 ("MN2", MN, "    keep = mutual & (sim[np.arange(len(a)), ab] >= min_cosine)", "    keep = mutual & (sim[np.arange(len(a)), ab] > min_cosine)", T_MN),
 ("MN3", MN, "    b = b / (np.linalg.norm(b, axis=1, keepdims=True) + 1e-12)\n", "", T_MN),
 # core/sources/northup.py
 ("NU1", NU, "    return t.b == 0 and t.d == 0 and t.a > 0 and t.e < 0", "    return t.b == 0 and t.d == 0 and t.a > 0", T_NU),
 ("NU2", NU, "    res = min(col_len, row_len)", "    res = max(col_len, row_len)", T_NU),
 ("NU3", NU, "Affine(res, 0.0, min(xs), 0.0, -res, max(ys))", "Affine(res, 0.0, min(xs), 0.0, -res, min(ys))", T_NU),
 ("NU4", NU, "resampling=Resampling.nearest if flip_only else Resampling.bilinear", "resampling=Resampling.bilinear", T_NU),
 ("NU5", NU, "    return t.b == 0 and t.d == 0 and t.a > 0 and t.e < 0", "    return t.b == 0 and t.d == 0 and t.e < 0", T_NU),
 # core/dense.py
 ("DN1", DN, "np.abs(math.cos(angle) * gx + math.sin(angle) * gy)", "(math.cos(angle) * gx + math.sin(angle) * gy)", T_DN),
 ("DN2", DN, "        angle = math.pi * k / orientations", "        angle = 2 * math.pi * k / orientations", T_DN),
 ("DN3", DN, "        if not rivals or row[best] - max(rivals) >= gap:", "        if not rivals or row[best] - max(rivals) > gap:", T_DN),
 ("DN4", DN, "if j != best and not np.isnan(row[j]) and int(candidates[q, j]) not in near]", "if j != best and not np.isnan(row[j])]", T_DN),
 ("DN5", DN, "    out[rows, top[rows]] = 1.5", "    out[rows, top[rows]] = 2.5", T_DN),
 ("DN6", DN, "    rows = rows[~verified[rows, top[rows]]]\n", "", T_DN),
 ("DN7", DN, "if counts[qi].max(initial=0) < need[qi]]", "if counts[qi].max(initial=0) <= need[qi]]", T_DN),
 ("DN8", DN, "    shorter_m = min(b.width_deg * per_lon, (b.north - b.south) * per_lat)", "    shorter_m = min(b.width_deg * per_lat, (b.north - b.south) * per_lat)", T_DN),
 ("DN9", DN, "    width_m = (union.east - union.west) * per_lon", "    width_m = (union.east - union.west) * per_lat", T_DN),
 # core/sources/arcgis_cache.py
 ("AG1", AG, "_LEVEL = re.compile(r\"L\\d\\d\")", "_LEVEL = re.compile(r\"L\\d\")", T_AG),
 ("AG2", AG, ", folder / \"Layers\" / \"_alllayers\"))", "))", T_AG),
 ("AG3", AG, " or (entry.is_file() and _BUNDLE.fullmatch(entry.name)):", ":", T_AG),
 # second batch: core/adapt/resume.py, an interrupted adaptation's checkpoint
 ("AR1", AR, "        if not 0 < int(card[\"step\"]) < steps:", "        if not 0 <= int(card[\"step\"]) < steps:", T_AR),
 ("AR2", AR, "        if not 0 < int(card[\"step\"]) < steps:", "        if not 0 < int(card[\"step\"]) <= steps:", T_AR),
 ("AR3", AR, "        if int(card[\"step\"]) % every:", "        if False:", T_AR),
 ("AR4", AR, "        if card.get(\"key\") != key:", "        if False:", T_AR),
 ("AR5", AR, "        if not all(torch.isfinite(t).all() for t in tensors.values() if t.is_floating_point()):", "        if False:", T_AR),
 ("AR6", AR, "    for _, p in sorted(others, reverse=True)[KEEP_RUNS - 1:]:", "    for _, p in sorted(others, reverse=True)[KEEP_RUNS:]:", T_AR),
 ("AR7", AR, "    for _, p in sorted(others, reverse=True)[KEEP_RUNS - 1:]:", "    for _, p in sorted(others)[KEEP_RUNS - 1:]:", T_AR),
 # session 37 (mutation37): re-pointed, faults37 read the mtime once and added dated_ahead
 ("AR8", AR, "                if now - mtime > STALE_TMP_S or dated_ahead(mtime, now):", "                if True:", T_AR),
 ("AR9", AR, "\"seed\": int(seed),", "\"seed\": 0,", T_AR),
 ("AR10", AR, "    for array in (tiles, queries) + (() if anchors is None else (anchors,)):", "    for array in (tiles, queries):", T_AR),
 ("AR11", AR, "            model.load_state_dict(snapshot[0])\n", "", T_AR),
 # core/kml_schema.py
 ("KS1", KS, "f\"id{len(renamed) + 1}\"))", "f\"{len(renamed) + 1}\"))", T_KS),
 ("KS2", KS, "        if ref.startswith(\"#\") and ref[1:] in renamed:", "        if ref.startswith(\"#\"):", T_KS),
 ("KS3", KS, "        at = before[-1] + 1 if before else 0", "        at = 0", T_KS),
 ("KS4", KS, "\"TimeStamp\", \"TimeSpan\", \"styleUrl\")]", "\"TimeStamp\", \"TimeSpan\")]", T_KS),
 # third batch: core/media/video.py, which frames of a video are located and at what time
 ("VI1", VI, "for i in range(n) if i * every_s < duration_s or i == 0]", "for i in range(n) if i * every_s <= duration_s or i == 0]", T_VI),
 ("VI2", VI, "    n = max(1, int(math.floor(duration_s / every_s - 1e-9)) + 1)", "    n = max(1, int(math.floor(duration_s / every_s - 1e-9)))", T_VI),
 ("VI3", VI, "        if len(sample_times(duration_s, step)) <= max_frames:\n            return step",
  "        if len(sample_times(duration_s, step)) < max_frames:\n            return step", T_VI),
 ("VI4", VI, "    step = float(math.ceil(duration_s / max_frames))", "    step = float(math.floor(duration_s / max_frames))", T_VI),
 ("VI5", VI, "    while len(sample_times(duration_s, step)) > max_frames:  # a duration just past a multiple\n        step += 1.0",
  "    while False:  # a duration just past a multiple\n        step += 1.0", T_VI),
 ("VI6", VI, "    return f\"{video_id}#t={time_s:.3f}\".rstrip(\"0\").rstrip(\".\")", "    return f\"{video_id}#t={time_s:.3f}\".rstrip(\"0\")", T_VI),
 ("VI7", VI, "telemetry_at(records, t, tolerance_s=max(0.5, every_s))", "telemetry_at(records, t, tolerance_s=0.5)", T_VI),
 ("VI8", VI, "            if frames is None or pos is None or (target - pos > SEEK_AHEAD_S\n                                                 and _seek_skips(stream, tb, start, pos, target, keys)):",
  "            if frames is None or pos is None:", T_VI),
 ("VI9", VI, "                    if t + 1e-6 < target:\n                        continue", "                    if t + 1e-6 < target - 0.5:\n                        continue", T_VI),
 ("VI10", VI, "                    while i < len(wanted) and wanted[i] <= t + 1e-6:", "                    while i < len(wanted) and wanted[i] < t - 1e-6:", T_VI),
 ("VI11", VI, "                image = _to_image(last, max_side)\n", "                image = image\n", T_VI),
 # core/media/telemetry.telemetry_at
 ("TL1", TL, "    best = min((j for j in (i - 1, i) if 0 <= j < len(records)), key=lambda j: abs(times[j] - time_s))",
  "    best = min((j for j in (i,) if 0 <= j < len(records)), key=lambda j: abs(times[j] - time_s))", T_TL),
 ("TL2", TL, "    return records[best] if abs(times[best] - time_s) <= tolerance_s else None", "    return records[best] if abs(times[best] - time_s) < tolerance_s else None", T_TL),
 ("TL3", TL, "    i = bisect.bisect_left(times, time_s)", "    i = bisect.bisect_right(times, time_s)", T_TL),
]

if __name__ == "__main__":
    raise SystemExit(main_old_new(M, (NEW,), sys.argv[1:]))
