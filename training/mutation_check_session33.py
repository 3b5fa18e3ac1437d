"""Hand mutants of the logic session 33 merged (`git diff f7125e5..3677273 -- geolocator/core
geolocator/gui/workers.py`): the job rule of core/outside_tiles.py (OT) and its switch in the pipeline (PL);
model.claims_place (MP) and its uses, "a not-located photo has no place", in core/export.py (EX),
export_track.py (ET), exports.left_out_of (EXS), geotags.py (GT), evidence.py (EV), webmap.py (WM);
kml_overlay.py's rotation on the ground, quad homography / ground control points, antimeridian quad and
tiled copy (KO); content.texture_spread's projection basis (CT); the no-op rerun that leaves an .mbtiles
(MB) or .gpkg (WG) as it was, fetch.stored_attribution / stored_count (FE); gui/workers.py's added
niceness (WK); sequence.py's own_placed and a not-located frame's confidence (SQ).

Each mutant is one text replacement: training/hand_mutants.run applies it, runs the tests of its module
with `pytest -x` (the default tier; PL1 names its slow test), restores the file (a run past its timeout
counts as killed). Run it in a copy of the tree (`git archive HEAD`, .venv and data linked), never in a
worktree being edited:

    OMP_NUM_THREADS=1 QT_QPA_PLATFORM=offscreen PYTHONPATH=. \
        python training/mutation_check_session33.py [OT1 KO3 ...] [--old-only | --new-only | --check]

--old-only: without the tests written for the survivors (tests/test_mutants_session33_*.py), i.e. the
tests as they were; --new-only: those new files alone; --check: run nothing, list the mutants that no
longer apply to today's code. Results and what each survivor meant: training/results/mutation_session33.md."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hand_mutants import main_old_new  # noqa: E402

C = "geolocator/core/"
OT, PL, MP = C + "outside_tiles.py", C + "pipeline.py", C + "model.py"
EX, ET, EXS, GT = C + "export.py", C + "export_track.py", C + "exports.py", C + "geotags.py"
EV, WMP, CT = C + "evidence.py", C + "webmap.py", C + "content.py"
KO, MB, WG = C + "sources/kml_overlay.py", C + "sources/mbtiles.py", C + "sources/wmts_grid.py"
FE, WK = C + "sources/fetch.py", "geolocator/gui/workers.py"
SQ = C + "sequence.py"

NEW_OT = "tests/test_mutants_session33_outside.py"
NEW_PL = "tests/test_mutants_session33_places.py"
NEW_KO = "tests/test_mutants_session33_overlay.py"
NEW_ST = "tests/test_mutants_session33_stores.py"
NEW = (NEW_OT, NEW_PL, NEW_KO, NEW_ST)
T_OT = ("tests/test_outside_tiles.py", NEW_OT)
T_PL = ("-m", "slow or not slow",
        "tests/test_outside_tiles.py::test_locate_says_plainly_that_the_photos_may_not_be_in_the_tiles", NEW_OT)
NL = "tests/test_not_located_exports.py"
T_EX = (NL, "tests/test_export_exact.py", "tests/test_csv_excel.py", NEW_PL)
T_ET = (NL, "tests/test_export_track.py", "tests/test_export_track_exact2.py", NEW_PL)
T_EXS = (NL, NEW_PL)
T_GT = (NL, "tests/test_geotags.py", "tests/test_geotag_copies.py", NEW_PL)
T_EV = (NL, "tests/test_evidence.py", NEW_PL)
T_WMP = (NL, "tests/test_webmap_exact.py", "tests/test_webmap_exact2.py", NEW_PL)
T_CT = ("tests/test_low_texture.py", "tests/test_content.py", NEW_ST)
T_KO = ("tests/test_kml_overlay.py", NEW_KO)
T_MB = ("tests/test_mbtiles_exact.py", "tests/test_fetch_exact2.py", NEW_ST)
T_WG = ("tests/test_wmts_grid.py", NEW_ST)
T_FE = ("tests/test_fetch_exact2.py", "tests/test_cli_fetch.py", NEW_ST)
T_WK = ("tests/test_worker_priority.py", NEW_ST)

M = [
 # core/outside_tiles.py: the job rule
 ("OT1", OT, "    located = [p for p in predictions if p.status != STATUS_NOT_LOCATED]", "    located = list(predictions)", T_OT),
 ("OT2", OT, "    return sum(p.shown_status == STATUS_VERIFIED for p in located)", "    return sum(p.status == STATUS_VERIFIED for p in located)", T_OT),
 # (session 35: OT3-OT5 and OT7 point at with_job_evidence as it reads now: with_flight_evidence has the
 # same test and loop below it, and the caution moved into _capped)
 ("OT3", OT, "    if share is None or share >= bar:\n        return list(predictions)",
  "    if share is None or share > bar:\n        return list(predictions)", T_OT),
 ("OT4", OT, "    if share is None or share >= bar:\n        return list(predictions)", "    if share >= bar:\n        return list(predictions)", T_OT),
 ("OT5", OT, "        if p.status == STATUS_RETRIEVED:\n            p = _capped", "        if p.status != STATUS_VERIFIED:\n            p = _capped", T_OT),
 ("OT6", OT, "confidence=min(p.confidence, ceiling)", "confidence=ceiling", T_OT),
 ("OT7", OT, "caution=p.caution or caution)", "caution=caution)", T_OT),
 ("OT8", OT, "OUTSIDE_SHARE_BAR = 0.25", "OUTSIDE_SHARE_BAR = 0.3", T_OT),
 ("OT9", OT, "OUTSIDE_CEILING = 0.13", "OUTSIDE_CEILING = 0.15", T_OT),
 ("OT10", OT, "    if not located:\n        return None", "    if not located:\n        return 0.0", T_OT),
 ("OT11", OT, "    if share is None or share >= bar:\n        return list(predictions)",
  "    if share is None or share >= bar:\n        return predictions", T_OT),
 ("PL1", PL, "        if self.settings.job_evidence:", "        if False:", T_PL),
 # model.claims_place
 ("MP1", MP, "    return status != STATUS_NOT_LOCATED", "    return True", T_EX),
 # core/sequence.py: whether a frame's own answer claims a place (TrackPoint.own_placed)
 ("SQ1", SQ, "            own_placed=pred.shown_status != STATUS_NOT_LOCATED,", "            own_placed=True,", (NL, NEW_PL)),
 ("SQ2", SQ, "        elif status == STATUS_NOT_LOCATED:  # claims no place (model.claims_place): nothing to be sure of\n            confidence = 0.0",
  "        elif status == STATUS_NOT_LOCATED:  # claims no place (model.claims_place): nothing to be sure of\n            confidence = pred.confidence", (NL, "tests/test_sequence_exact.py", NEW_PL)),
 # core/export.py
 ("EX1", EX, "    return props if claims_place(p.shown_status) else without_place(props)", "    return props", T_EX),
 ("EX2", EX, "    out[\"confidence\"] = 0.0\n", "", T_EX),
 ("EX3", EX, "    out[\"caution\"] = NOT_LOCATED_CAUTION", "    out[\"caution\"] = props.get(\"caution\")", T_EX),
 ("EX4", EX, "{\"type\": \"Point\", \"coordinates\": _point(location)} if claims_place(status) else None",
  "{\"type\": \"Point\", \"coordinates\": _point(location)}", T_EX),
 ("EX5", EX, "            if photo_feature(feature) and far.about(", "            if feature[\"geometry\"] and photo_feature(feature) and far.about(", T_EX),  # session 35: export.photo_feature
 ("EX6", EX, "round(p.weighted_location.lat, DECIMALS) if claims_place(p.shown_status) else \"\",",
  "round(p.weighted_location.lat, DECIMALS),", T_EX),
 ("EX7", EX, "        if not claims_place(p.shown_status if flight is None else flight[\"status\"]):",
  "        if not claims_place(p.shown_status):", T_EX),
 ("EX8", EX, "            row[header.index(\"confidence\")] = 0.0\n", "", T_EX),
 ("EX9", EX, "            row[-1] = NOT_LOCATED_CAUTION", "            pass", T_EX),
 ("EX10", EX, "\"error_kind\", \"mgrs\", \"utm\", \"camera_lat\"", "\"error_kind\", \"camera_lat\"", T_EX),
 ("EX11", EX, "\"single_lon\", \"radius_m\", \"error_m\"", "\"single_lon\", \"error_m\"", T_EX),
 ("EX12", EX, "                \"camera_heading_deg\", \"camera_tilt_deg\")", "                \"camera_heading_deg\")", T_EX),
 # core/export_track.py
 ("ET1", ET, "\"single_lat\": _round(p.own.lat, DECIMALS) if p.own_placed else None,", "\"single_lat\": _round(p.own.lat, DECIMALS),", T_ET),
 ("ET2", ET, "single_error_m=_round(p.own_error_m, 2) if p.own_placed else None)", "single_error_m=_round(p.own_error_m, 2))", T_ET),
 ("ET3", ET, "    return props if claims_place(p.status) else without_place(props)", "    return props", T_ET),
 ("ET4", ET, "    radius = p.radius_m if claims_place(p.status) else None", "    radius = p.radius_m", T_ET),
 ("ET5", ET, "    if not claims_place(pred.shown_status):  # \"not located\" and why once", "    if False:  # \"not located\" and why once", T_ET),
 ("ET6", ET, "\n            + [p.query.id for t in tracks for p in t.points if not claims_place(p.status)])", ")", T_ET),
 # session 35: left_out_note's names moved to wording.first_named (34's WL3/WL4 mutate the same text
 # against the exports' tests; here against the track exports')
 ("ET7", C + "wording.py", "more\" if len(names) > inline else \"\")", "more\" if len(names) >= inline else \"\")", T_ET),
 ("ET8", C + "wording.py", "    return \", \".join(names[:inline]) + (", "    return \", \".join(names) + (", T_ET),
 ("ET9", ET, "        if not claims_place(pred.shown_status):\n            continue", "        if False:\n            continue", T_ET),
 ("ET10", ET, "            if not claims_place(p.status):  # named in <metadata><desc> (not_located_ids)\n                continue",
  "            if False:\n                continue", T_ET),
 ("ET11", ET, "+ (f\"{p.own.lat:.7f},{p.own.lon:.7f}\" if p.own_placed else \"none (not located)\")",
  "+ (f\"{p.own.lat:.7f},{p.own.lon:.7f}\")", T_ET),
 ("ET12", ET, "    unplaced = [pred for pred in photos if not claims_place(pred.shown_status)]", "    unplaced = []", T_ET),
 ("ET13", ET, "            pt = _placemark(folder, p.query.id, p.location, claims_place(p.status))",
  "            pt = _placemark(folder, p.query.id, p.location, True)", T_ET),
 ("ET14", ET, "            if claims_place(p.status):\n                text = (f\"{point_level(p)}", "            if True:\n                text = (f\"{point_level(p)}", T_ET),  # session 35: the KML description's place words
 ("ET15", ET, "            feature[\"geometry\"] = photo_geometry(point.location, point.status)",
  "            feature[\"geometry\"] = {\"type\": \"Point\", \"coordinates\": _point(point.location)}", T_ET),
 ("ET16", ET, "                feature[\"properties\"] = without_place(feature[\"properties\"])", "                pass", T_ET),
 ("ET17", EX, "    return feature[\"geometry\"] is None or feature[\"geometry\"][\"type\"] == \"Point\"",  # moved to export.photo_feature
  "    return feature[\"geometry\"] is not None and feature[\"geometry\"][\"type\"] == \"Point\"", T_ET),
 ("ET18", ET, "    if placed:\n        return folder.newpoint(", "    if True:\n        return folder.newpoint(", T_ET),
 ("ET19", ET, "            if claims_place(pred.shown_status):  # no icon to colour", "            if True:  # no icon to colour", T_ET),
 # core/exports.left_out_of
 ("EXS1", EXS, "    if Path(path).suffix.lower() != \".gpx\":", "    if Path(path).suffix != \".gpx\":", T_EXS),
 ("EXS2", EXS, "not_located_ids(tracks, [p for p in predictions if p.query.id not in flown])", "not_located_ids(tracks, list(predictions))", T_EXS),
 # core/geotags.py: a frame the track left not located gets no GPS
 ("GT1", GT, "        if STATUS_NOT_LOCATED in (p.status, track_status) or", "        if STATUS_NOT_LOCATED in (p.status,) or", T_GT),
 # core/evidence.py
 ("EV1", EV, "    placed = claims_place(pred.shown_status)  # not located: no place in the record (session 33)",
  "    placed = True", T_EV),
 ("EV2", EV, "\"caution\": pred.caution if placed else NOT_LOCATED_CAUTION,", "\"caution\": pred.caution,", T_EV),
 ("EV3", EV, "    lons = [b.west, b.east_unwrapped, *([east_of_tile(pred.location.lon)] if placed else [])]\n    lats = [b.south, b.north, *([pred.location.lat] if placed else [])]",
  "    lons = [b.west, b.east_unwrapped, east_of_tile(pred.location.lon)]\n    lats = [b.south, b.north, pred.location.lat]", T_EV),  # session 35: east_of_tile
 ("EV4", EV, "    if placed:\n        cx, cy = xy(pred.location)", "    if True:\n        cx, cy = xy(pred.location)", T_EV),
 ("EV5", EV, "    radius = answer_radius_m(pred) if placed else None", "    radius = answer_radius_m(pred)", T_EV),
 # core/webmap.py
 ("WM1", WMP, "answer_radius_m(pred) if claims_place(pred.shown_status) else None)),", "answer_radius_m(pred))),", T_WMP),
 ("WM2", WMP, "         if claims_place(pred.shown_status) else \"none: not located\"),", "         if True else \"none: not located\"),", T_WMP),
 ("WM3", WMP, "radius = getattr(track_point, \"radius_m\", None) if claims_place(track_point.status) else None",
  "radius = getattr(track_point, \"radius_m\", None)", T_WMP),
 ("WM4", WMP, "(the flight's estimate)\" if claims_place(track_point.status)", "(the flight's estimate)\" if True", T_WMP),
 ("WM5", WMP, "        has_place = claims_place(pred.shown_status if point is None else point.status)",
  "        has_place = claims_place(pred.shown_status)", T_WMP),
 ("WM6", WMP, "        has_place = claims_place(pred.shown_status if point is None else point.status)", "        has_place = True", T_WMP),
 # core/content.texture_spread's basis
 ("CT1", CT, "    keep = sv > np.finfo(np.float64).eps * max(basis.shape) * sv[0]", "    keep = sv > 0", T_CT),
 ("CT2", CT, "    q = _surface_basis(grey.shape)\n", "    q = _surface_basis(grey.shape)[:, :3]\n", T_CT),
 ("CT3", CT, "np.ones_like(x), x, y, x * x, y * y, x * y]", "np.ones_like(x), x, y, x * x, y * y, x * x]", T_CT),
 ("CT4", CT, "@lru_cache(maxsize=8)\n", "", T_CT),
 ("CT5", CT, "    x, y = (xx / max(shape[1], 1)).ravel(), (yy / max(shape[0], 1)).ravel()",
  "    x, y = (xx / max(shape[0], 1)).ravel(), (yy / max(shape[1], 1)).ravel()", T_CT),
 ("CT6", CT, "    q.flags.writeable = False\n", "", T_CT),
 # core/sources/kml_overlay.py
 ("KO1", KO, "            k = math.cos(math.radians(cy))", "            k = 1.0", T_KO),
 ("KO2", KO, "            if not k > 1e-9:", "            if False:", T_KO),
 ("KO3", KO, "Affine.rotation(overlay.rotation_deg) @ to_metric", "Affine.rotation(-overlay.rotation_deg) @ to_metric", T_KO),
 ("KO4", KO, "to_metric = Affine.scale(k, 1.0) @", "to_metric = Affine.scale(1.0, k) @", T_KO),
 ("KO5", KO, "        points = [(lon + 360.0 * round((lon0 - lon) / 360.0), lat) for lon, lat in points]",
  "        points = [(lon, lat) for lon, lat in points]", T_KO),
 ("KO6", KO, "    if gap > QUAD_TOLERANCE * size:\n        return None", "    if False:\n        return None", T_KO),
 ("KO7", KO, "QUAD_TOLERANCE = 1e-3", "QUAD_TOLERANCE = 1e-1", T_KO),
 ("KO8", KO, "    if not (scale > 0 and (np.all(turns > 1e-9 * scale**2) or np.all(turns < -1e-9 * scale**2))):",
  "    if not scale > 0:", T_KO),
 ("KO9", KO, "    pixels = np.array([(0.0, height), (width, height), (width, 0.0), (0.0, 0.0)])",
  "    pixels = np.array([(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)])", T_KO),
 ("KO10", KO, "    return np.array([[1, 0, centre[0]], [0, 1, centre[1]], [0, 0, 1]]) @ h", "    return h", T_KO),
 ("KO11", KO, "QUAD_GCP_GRID = 17", "QUAD_GCP_GRID = 2", T_KO),
 ("KO12", KO, "            if is_north_up(t) and width * height > PLAIN_WINDOW_MAX_PIXELS", "            if False and width * height > PLAIN_WINDOW_MAX_PIXELS", T_KO),
 ("KO13", KO, "                jpeg = src.driver == \"JPEG\" and src.count == 3", "                jpeg = False", T_KO),
 ("KO14", KO, "                ds.transform, ds.crs = transform, CRS.from_epsg(4326)", "                ds.crs = CRS.from_epsg(4326)", T_KO),
 ("KO15", KO, "            cx, cy = (e + w) / 2, (n + s) / 2", "            cx, cy = w, n", T_KO),
 ("KO16", KO, "|{stat.st_mtime_ns}|{tuple(transform)}\")", "|{stat.st_mtime_ns}\")", T_KO),
 ("KO17", KO, "|{stat.st_mtime_ns}|{overlay.quad}\")", "|{stat.st_mtime_ns}\")", T_KO),
 ("KO18", KO, "return north_up_copy(vrt, 4326, gcps=gcps, gcp_method=\"GCP_TPS\")", "return north_up_copy(vrt, 4326, gcps=gcps)", T_KO),
 ("KO19", KO, "and image.suffix.lower() not in TIFF_SUFFIXES:", ":", T_KO),
 # core/sources/mbtiles.py, wmts_grid.GpkgSink: a rerun that changes nothing
 ("MB1", MB, " for k, v in defaults.items() if self.get_metadata(k) is None}", " for k, v in defaults.items()}", T_MB),
 ("MB2", MB, "            if value is not None and self.get_metadata(key) != str(value):", "            if value is not None:", T_MB),
 ("WG1", WG, "            if value is not None and self.get_metadata(key) != str(value):", "            if value is not None:", T_WG),
 ("WG2", WG, "        if self.db.total_changes > self._committed_changes:", "        if True:", T_WG),
 ("WG3", WG, "        self.db.commit()\n        self._committed_changes = self.db.total_changes", "        self.db.commit()", T_WG),
 # core/sources/fetch.py
 ("FE1", FE, "    placeholder = text.startswith(\"Imagery: \") and text.endswith(", "    placeholder = False and text.endswith(", T_FE),
 ("FE2", FE, "    return text if text and not placeholder else None", "    return text or None", T_FE),
 ("FE3", FE, "stored.update((z, int(c), 2**z - 1 - int(r)) for c, r in", "stored.update((z, int(c), int(r)) for c, r in", T_FE),
 ("FE4", FE, "            return sum(1 for t in tiles if tuple(t) in stored)", "            return len(stored)", T_FE),
 ("FE5", FE, "    return any((d / f\"{y}.{ext}\").is_file() for ext in TILE_EXTENSIONS)",
  "    return (d / f\"{y}.png\").is_file()", T_FE),  # session 35: fetch._folder_has
 # gui/workers.py
 ("WK1", WK, "min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice)", "max(os.getpriority(os.PRIO_PROCESS, tid), nice)", T_WK),
 ("WK2", WK, "min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice)", "min(20, os.getpriority(os.PRIO_PROCESS, tid) + nice)", T_WK),
 ("WK3", WK, "    if nice <= 0 or not sys.platform", "    if nice < 0 or not sys.platform", T_WK),
]

if __name__ == "__main__":
    raise SystemExit(main_old_new(M, NEW, sys.argv[1:]))
