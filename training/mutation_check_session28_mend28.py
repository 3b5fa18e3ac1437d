"""Hand mutants of session 27's new code, as this branch holds it: core/matchers/xfeat.py's
_PerThreadConf and its use (XF), the link cap and the first looks in core/adapt/geometric.py (GL),
core/sources/wmts.py's bounding-box refusal (WB) and "did you mean" (DY), core/levels.placed_levels
(LV): apply one replacement, run the test files that should kill it, restore the file
(training/hand_mutants.run; a test run past its timeout counts as killed). Run it in a copy of the
tree, never in a worktree being edited:

    python training/mutation_check_session28_mend28.py [XF1 GL2 ...]

Results and what each survivor meant: training/results/mutation_session28_mend28.md."""
import sys

from hand_mutants import main_old_new

XF, GEO = "geolocator/core/matchers/xfeat.py", "geolocator/core/adapt/geometric.py"
WM, LV = "geolocator/core/sources/wmts.py", "geolocator/core/levels.py"
NEW = "tests/test_session27_mutants_mend28.py"
T_XF = ("tests/test_verify_fast.py", NEW)
T_GL = ("tests/test_geometric_link_cap.py", "tests/test_geometric_learned_links.py", "tests/test_geometric_threads.py",
        "tests/test_geometric_exact.py", NEW)
T_WM = ("tests/test_wmts.py", "tests/test_session26_mutants_mend27.py", NEW)
T_LV = ("tests/test_levels.py", "tests/test_flight_summary.py", "tests/test_weak_match_status.py",
        "tests/test_session26_mutants_mend27.py", NEW)

M = [
 # core/matchers/xfeat.py: _PerThreadConf and the early exit through it
 ("XF1", XF, "        if overrides is not None and name in overrides:", "        if overrides is not None:", T_XF),
 ("XF2", XF, "            return overrides[name]", "            return getattr(self._shared, name)", T_XF),
 ("XF3", XF, "        setattr(self._shared, name, value)", "        object.__setattr__(self, name, value)", T_XF),
 ("XF4", XF, "        self._local.values = {**(before or {}), **values}", "        self._local.values = dict(values)", T_XF),
 ("XF5", XF, "            self._local.values = before", "            self._local.values = None", T_XF),
 ("XF6", XF, "        try:\n            yield\n        finally:\n            self._local.values = before",
  "        yield\n        self._local.values = before", T_XF),
 ("XF7", XF, "        object.__setattr__(self, \"_local\", threading.local())",
  "        object.__setattr__(self, \"_local\", type(\"Shared\", (), {})())", T_XF),
 ("XF8", XF, "            if hasattr(self.glue.net, \"conf\"):", "            if False:", T_XF),
 ("XF9", XF, "overriding(depth_confidence=float(early_exit))", "overriding(depth_confidence=-1)", T_XF),
 ("XF10", XF, "        if early_exit is not None:  # for this thread's call only", "        if early_exit:  # for this thread's call only", T_XF),
 ("XF11", XF, "        before = getattr(self._local, \"values\", None)\n", "        before = None\n", T_XF),
 # core/adapt/geometric.py: the link cap, the first looks
 ("GL1", GEO, "    capped = bounded and settings.link_precheck > 0 and settings.link_cap > 0",
  "    capped = bounded and settings.link_cap > 0", T_GL),
 ("GL2", GEO, "    capped = bounded and settings.link_precheck > 0 and settings.link_cap > 0",
  "    capped = bounded and settings.link_precheck > 0 and settings.link_cap >= 0", T_GL),
 ("GL3", GEO, "    looked.sort(key=lambda row: row[:2])", "    looked.sort(key=lambda row: row[1:2])", T_GL),
 ("GL4", GEO, "    return [(a, heading) for _, _, a, heading in looked[:cap]]",
  "    return [(a, heading) for _, _, a, heading in looked[:cap + 1]]", T_GL),
 ("GL5", GEO, "    looked = [(-inliers, rank, a, heading)", "    looked = [(inliers, rank, a, heading)", T_GL),
 ("GL6", GEO, "    if photo(qi) is None:\n        return []\n    looked", "    looked", T_GL),
 ("GL7", GEO, "            if capped:  # every first look before any glue", "            if bounded:  # every first look before any glue", T_GL),
 ("GL8", GEO, "    link_cap: int = 0", "    link_cap: int = 3", T_GL),
 ("GL9", GEO, "        if inliers >= precheck:  # below: hopeless", "        if inliers > precheck:  # below: hopeless", T_GL),
 ("GL10", GEO, "        tried.add(a)\n        if photo(qi) is None or photo(a) is None:",
  "        if photo(qi) is None or photo(a) is None:", T_GL),
 ("GL11", GEO, "        if a == qi or a in tried:\n            continue\n        check(token)",
  "        if a in tried:\n            continue\n        check(token)", T_GL),
 ("GL12", GEO, "            continue\n        check(token)\n        tried.add(a)", "            continue\n        tried.add(a)", T_GL),
 ("GL13", GEO, "settings.link_precheck, settings.link_cap, token)", "settings.link_precheck, settings.link_cap, None)", T_GL),
 ("GL14", GEO, "            yield a, None, None\n", "            yield a, None, 0\n", T_GL),
 # core/sources/wmts.py: the WGS84BoundingBox refusal
 ("WB1", WM, "if area.west <= e and area.east >= w and", "if area.west < e and area.east >= w and", T_WM),
 ("WB2", WM, "if area.west <= e and area.east >= w and", "if area.west <= e and area.east > w and", T_WM),
 ("WB3", WM, "area.south <= n and area.north >= s:", "area.south < n and area.north >= s:", T_WM),
 ("WB4", WM, "area.south <= n and area.north >= s:", "area.south <= n and area.north > s:", T_WM),
 ("WB5", WM, "if area.west <= e and area.east >= w and area.south <= n and area.north >= s:",
  "if (area.west <= e and area.east >= w) or (area.south <= n and area.north >= s):", T_WM),
 ("WB6", WM, "        self.check_coverage(area)\n", "", T_WM),
 ("WB7", WM, "    if not (-180.0 <= w < e <= 180.0 and -90.0 <= s < n <= 90.0):",
  "    if not (-180.0 <= w <= 180.0 and -180.0 <= e <= 180.0 and -90.0 <= s < n <= 90.0):", T_WM),
 ("WB8", WM, "    if not (-180.0 <= w < e <= 180.0 and -90.0 <= s < n <= 90.0):",
  "    if not (-180.0 <= w < e <= 180.0 and -90.0 <= s <= n <= 90.0):", T_WM),
 ("WB9", WM, "    if not (-180.0 <= w < e <= 180.0 and -90.0 <= s < n <= 90.0):",
  "    if not (-360.0 <= w < e <= 360.0 and -90.0 <= s < n <= 90.0):", T_WM),
 ("WB10", WM, "    except (TypeError, ValueError):\n        return None\n    if not (-180.0",
  "    except TypeError:\n        return None\n    if not (-180.0", T_WM),
 ("WB11", WM, "        w, s, e, n = (float(v) for v in box)", "        s, w, n, e = (float(v) for v in box)", T_WM),
 ("WB12", WM, "_tile_px(wmts.tilematrixsets[tms_id]), _coverage(lyr), grid)", "_tile_px(wmts.tilematrixsets[tms_id]), None, grid)", T_WM),
 ("WB13", WM, "        if self.coverage is None:\n            return\n        w, s, e, n = self.coverage",
  "        w, s, e, n = self.coverage or (-180.0, -90.0, 180.0, 90.0)", T_WM),
 # core/sources/wmts.py: "did you mean"
 ("DY1", WM, "    same = [o for o in offered if o.lower() == low]", "    same = []", T_WM),
 ("DY2", WM, "key=lambda o: (len(o), o))", "key=lambda o: o)", T_WM),
 ("DY3", WM, "cutoff=0.75)", "cutoff=0.6)", T_WM),
 ("DY4", WM, "    return list(dict.fromkeys(same + holding + close))[:most]", "    return list(dict.fromkeys(same + holding + close))", T_WM),
 ("DY5", WM, "def _like(name: str, offered: list[str], most: int = 8)", "def _like(name: str, offered: list[str], most: int = 3)", T_WM),
 ("DY6", WM, "    if not low:\n        return []\n    same", "    same", T_WM),
 ("DY7", WM, "(o for o in offered if low in o.lower() and o not in same)", "(o for o in offered if low in o and o not in same)", T_WM),
 ("DY8", WM, "            if like:  # a national service", "            if False:  # a national service", T_WM),
 ("DY9", WM, "f\"layer{'' if len(offered) == 1 else 's'} in all; \"", "f\"layers in all; \"", T_WM),
 ("DY10", WM, "    close = difflib.get_close_matches(name, offered, n=most, cutoff=0.75)", "    close = []", T_WM),
 ("DY11", WM, "    low = name.strip().lower()", "    low = name.lower()", T_WM),
 ("DY12", WM, "did you mean {' or '.join(repr(n) for n in like)}?", "did you mean {' or '.join(repr(n) for n in like[:1])}?", T_WM),
 # core/levels.py: placed_levels
 ("LV1", LV, "    by_track = (\"interpolated\", \"extrapolated\")  # a Prediction", "    by_track = (\"interpolated\",)  # a Prediction", T_LV),
 ("LV2", LV, "    by_track = (\"interpolated\", \"extrapolated\")  # a Prediction", "    by_track = (\"extrapolated\",)  # a Prediction", T_LV),
 # session 36: LV3, LV5, LV6 re-pointed (a flagged frame is said first since session 34)
 ("LV3", LV, "else s if s in by_track else level_of(p)\n", "else level_of(p)\n", T_LV),
 ("LV4", LV, "zip(placed_statuses(predictions, tracks), predictions)]", "zip(placed_statuses(predictions, ()), predictions)]", T_LV),
 # LV5, LV6: equivalent (session 28's reasons hold after the re-pointing, checked in session 36: `s` is
 # shown_status, answer_level reads "weak match" either way; placed_statuses never gives matched/corrected)
 ("LV5", LV, "else s if s in by_track else level_of(p)\n", "else s if s in by_track else answer_level(s, p.confidence)\n", T_LV),
 ("LV6", LV, "else s if s in by_track else level_of(p)\n",
  "else s if s in by_track + (\"matched\", \"corrected\") else level_of(p)\n", T_LV),
 ("LV7", LV, "zip(placed_statuses(predictions, tracks), predictions)]", "zip(placed_statuses(predictions, tracks), predictions[::-1])]", T_LV),
]

# session 36: through hand_mutants.main_old_new, which adds --check (run nothing, list the stale mutants)
if __name__ == "__main__":
    raise SystemExit(main_old_new(M, (), sys.argv[1:]))
