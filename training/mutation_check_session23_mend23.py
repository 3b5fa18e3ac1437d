"""Hand mutants of session 22's new code (bars, cuts, evidence, fetch.bbox_numbers, metadata.utc_offset,
gui/clock_zone): apply one replacement, run the test file that should kill it, restore the file
(training/hand_mutants.run). Run it in a copy of the tree, never in a worktree being edited:

    python training/mutation_check_session23_mend23.py [B1 C2 ...]

Results and what each survivor meant: training/results/mutation_session23_mend23.md."""
import sys

from hand_mutants import main_old_new

BARS, CUTS, EVID = "geolocator/core/media/bars.py", "geolocator/core/media/cuts.py", "geolocator/core/evidence.py"
FETCH, META, ZONE = "geolocator/core/sources/fetch.py", "geolocator/core/media/metadata.py", "geolocator/gui/clock_zone.py"
T_BARS, T_CUTS, T_EVID = "tests/test_bars.py", "tests/test_cuts.py", "tests/test_evidence.py"
T_BBOX, T_ZONE, T_GZONE = "tests/test_decimal_input_everywhere.py", "tests/test_clock_zone.py", "tests/test_gui_clock_zone.py"

M = [
 # bars.py: solid bars
 ("B1", BARS, "    if float(near[0].mean()) < EDGE_SOLID_SHARE:\n        return 0\n", "", T_BARS),
 ("B2", BARS, "    gap = max(1, int(GAP_SHARE * h))", "    gap = 1", T_BARS),
 ("B3", BARS, "        if run - y >= gap or run >= h:", "        if run - y >= gap:", T_BARS),
 ("B4", BARS, "    top, bottom = _solid_length(g), _solid_length(g[::-1])", "    top, bottom = _solid_length(g), _solid_length(g)", T_BARS),
 ("B5", BARS, "    return top >= least and bottom >= least and", "    return (top >= least or bottom >= least) and", T_BARS),
 ("B6", BARS, "h - top - bottom >= MIN_CONTENT_SHARE * h", "h - top >= MIN_CONTENT_SHARE * h", T_BARS),
 # bars.py: blurred bars
 ("B7", BARS, "if abs(t - b) <= slack and _sane(h, t, b)]", "if _sane(h, t, b)]", T_BARS),
 ("B8", BARS, "    return best if smoothness(best) < SMOOTH_SHARE else None", "    return best", T_BARS),
 ("B9", BARS, "    best = min(pairs, key=smoothness)", "    best = max(pairs, key=smoothness)", T_BARS),
 ("B10", BARS, "    tops = [y + 1 for y in", "    tops = [y for y in", T_BARS),
 ("B11", BARS, "    bottoms = [h - 1 - y for y in", "    bottoms = [h - y for y in", T_BARS),
 # bars.py: the box
 ("B12", BARS, "    cols = _axis_bars(g.T)", "    cols = None", T_BARS),
 ("B13", BARS, "float((w - right) / w)", "float((w - left) / w)", T_BARS),
 ("B14", BARS, "    if px[2] - px[0] < 1 or px[3] - px[1] < 1:\n        return image\n", "", T_BARS),
 ("B15", BARS, "    if g.shape[0] < 8 or g.shape[1] < 8:", "    if g.shape[0] < 2 or g.shape[1] < 2:", T_BARS),
 # cuts.py
 ("C1", CUTS, "if mad(thumbs[i - 1], thumbs[i]) >= SUSPECT_MAD]", "if mad(thumbs[i - 1], thumbs[i]) >= 4 * SUSPECT_MAD]", T_CUTS),
 ("C2", CUTS, "    return (fine[j] >= CUT_MAD and fine[j] >=", "    return (fine[j] >=", T_CUTS),
 ("C3", CUTS, "SPIKE_RATIO * max(float(np.median(fine)), 1.0)", "SPIKE_RATIO * float(np.median(fine))", T_CUTS),
 ("C4", CUTS, "\n            and steps[j][1] >= COARSE_MAD)", ")", T_CUTS),
 ("C5", CUTS, "    j = int(np.argmax(fine))", "    j = int(np.argmin(fine))", T_CUTS),
 ("C6", CUTS, "        shot += i in cut_before", "        shot += (i + 1) in cut_before", T_CUTS),
 ("C7", CUTS, "        out[i] = by_sorted[k]", "        out[k] = by_sorted[k]", T_CUTS),
 ("C8", CUTS, "for dy in range(-m, m + 1) for dx in range(-m, m + 1)", "for dy in range(-m, m) for dx in range(-m, m)", T_CUTS),
 ("C9", CUTS, "    key = (file_key(Path(path)), tuple(float(t) for t in times))", "    key = (file_key(Path(path)),)", T_CUTS),
 ("C10", CUTS, "    except (InputError, OSError) as exc:", "    except OSError as exc:", T_CUTS),
 ("C11", CUTS, "for a, b in zip(ts, ts[1:])]", "for a, b in zip(ts, ts[2:])]", T_CUTS),
 ("C12", CUTS, ".mean(axis=(1, 3))", ".mean(axis=(0, 1))", T_CUTS),
 # evidence.py
 ("E1", EVID, "        while stem in used:\n            stem += \"_\"\n", "", T_EVID),
 ("E2", EVID, "\"lat\": round(loc.lat, 7), \"lon\": round(loc.lon, 7)", "\"lat\": round(loc.lat, 7), \"lon\": round(loc.lat, 7)", T_EVID),
 ("E3", EVID, "    if is_frame(pred.query):\n        photo[\"frame_time_s\"] = pred.query.time_s\n", "", T_EVID),
 ("E4", EVID, "        if not pred.matches:\n            continue\n", "", T_EVID),
 ("E5", EVID, "        except (InputError, OSError) as exc:", "        except OSError as exc:", T_EVID),
 ("E6", EVID, "    for t in [*near, tile]:", "    for t in [tile, *near]:", T_EVID),
 ("E7", EVID, "t.bounds.south < view.north and t.bounds.north > view.south", "t.bounds.south < view.north", T_EVID),
 ("E8", EVID, "        draw.line([*pts, pts[0]], fill=(255, 220, 0), width=3)", "        pass", T_EVID),
 ("E9", EVID, "    if isinstance(value, Path):\n        return str(value)\n", "", T_EVID),
 ("E10", EVID, "if any(t.corners is not None for t in tileset.tiles[:1]) else \"\"", "if False else \"\"", T_EVID),
 ("E11", EVID, "    if box is not None:\n        photo[\"bars_cut_off\"]", "    if False:\n        photo[\"bars_cut_off\"]", T_EVID),
 # fetch.bbox_numbers
 ("F1", FETCH, "    if \";\" in text:\n        parts = text.split", "    if False:\n        parts = text.split", T_BBOX),
 ("F2", FETCH, "        if len(parts) != 4:\n            parts = words", "        if len(parts) > 4:\n            parts = words", T_BBOX),
 ("F3", FETCH, "float(v.strip().replace(\",\", \".\"))", "float(v.strip())", T_BBOX),
 ("F4", FETCH, "    elif len(words) == 4 and all(_DECIMAL_WORD.fullmatch(w) for w in words):", "    elif False:", T_BBOX),
 ("F5", FETCH, "        parts = text.replace(\" \", \"\").split(\",\")", "        parts = text.split(\",\")", "tests/test_fetch_exact2.py"),
 # metadata.utc_offset
 ("U1", META, "    if hours > 14 or minutes >= 60:", "    if hours > 24 or minutes >= 60:", T_ZONE),
 ("U2", META, "    if hours > 14 or minutes >= 60:", "    if hours > 14 or minutes > 60:", T_ZONE),
 ("U3", META, "    return timezone((-1 if text[0] == \"-\" else 1) *", "    return timezone(1 *", T_ZONE),
 ("U4", META, " or (len(text) == 6 and text[3] != \":\"):", ":", T_ZONE),
 ("U5", META, "    if not (digits.isascii() and digits.isdigit()):", "    if not digits.isdigit():", T_ZONE),
 ("U6", META, "len(text) not in (3, 6)", "len(text) not in (6,)", T_ZONE),
 # gui/clock_zone.py
 # session 36: G1-G3 re-pointed at the dialog session 31 wrote in place of QInputDialog (a zone per folder too)
 ("G1", ZONE, "        if dialog.exec():", "        if True:", T_GZONE),
 ("G2", ZONE, "ClockZoneDialog(window, window.settings.clock_zone,", "ClockZoneDialog(window, \"\",", T_GZONE),
 ("G3", ZONE, "            window.set_clock_zones(dialog.default_text(), dialog.folder_zones())", "            pass", T_GZONE),
]

# session 36: through hand_mutants.main_old_new, which adds --check (run nothing, list the stale mutants)
if __name__ == "__main__":
    raise SystemExit(main_old_new(M, (), sys.argv[1:], pytest_args=("-p", "no:xdist")))
