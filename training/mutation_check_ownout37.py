"""Hand mutants of ownout37's code (session 37): core/own_outputs.py, queries.py's own outputs given
outside the photos' folder and join_queries' copy-first swap, priors/metadata's written answer, the
app's _take_out. Each mutant is one text replacement (training/hand_mutants.run applies it, runs its
tests with `pytest -x`, restores the file). Run it in a copy of the tree (`git archive HEAD`, .venv and
data linked), never in a worktree being edited:

    OMP_NUM_THREADS=1 QT_QPA_PLATFORM=offscreen PYTHONPATH=. python training/mutation_check_ownout37.py [OO1 ...]

Results: training/results/ownout37_session37.md."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hand_mutants import main_old_new  # noqa: E402

C = "geolocator/core/"
OO, QU, PR, MD, MW = (C + "own_outputs.py", C + "queries.py", C + "priors.py", C + "media/metadata.py",
                      "geolocator/gui/main_window.py")
T = ("tests/test_ownout37_own_outputs.py", "tests/test_newuser36_own_outputs.py")
T_APP = ("tests/test_ownout37_app_copies_first.py", "tests/test_leftovers36_geotagged_later.py")

M = [
 ("OO1", OO, "    return root if root is not None and has_fetcher_files(root) else None", "    return root", T),
 ("OO2", OO, "    root = tile_folder_of(Path(os.path.abspath(path)))", "    root = tile_folder_of(Path(path))", T),
 ("OO3", OO, "    ours = earlier_evidence(path)\n    if ours is not None:\n        return ours",
  "    ours = None\n    if ours is not None:\n        return ours", T),
 ("OO4", OO, "    return root if root is not None else Path(path).parent", "    return Path(path).parent", T),
 ("QO1", QU, "                if not found and not ours:", "                if not found:", T),
 ("QO2", QU, "            elif own_file(p) is not None:", "            elif False:", T),
 ("QO3", QU, "            ours = own_file(source)", "            ours = None", T),
 ("QO4", QU, "        root = tile_folder_of(Path(os.path.abspath(p)))", "        root = tile_folder_of(p)", T),
 ("QO5", QU, "        if named_ours and not files:", "        if False:", T),
 ("QO6", QU, "                taken.pop(replacing, None)", "                pass", T_APP),
 ("QO7", QU, "        if path in tagged_first and replaced is not None:", "        if False:", T_APP),
 ("QO8", QU, "        if replacing is not None:\n            replaced[replacing] = q.id",
  "        if False:\n            replaced[replacing] = q.id", T_APP),
 ("PR1", PR, "or frozen_position(q) or written_answer(q) for q", "or frozen_position(q) for q", T),
 ("MD1", MD, "        return _exif_position({tag: value for tag, value in gps.items() if tag != 27})",
  "        return _exif_position(gps)", T),
 ("MD2", MD, "    if _processing_method(gps.get(27)) != GEOLOCATOR_GPS_METHOD:\n        return None",
  "    if False:\n        return None", T),
 ("MW1", MW, "            self._take_out(list(loaded.replaced))", "            pass", T_APP),
 ("MW2", MW, "            for kept in (self.queries, self.predictions, self.failures, self.track_answers, self.track_shots,", "            for kept in (self.queries, self.failures, self.track_answers, self.track_shots,", T_APP),
 ("MW3", MW, "            for kept in (self.queries, self.predictions, self.failures, self.track_answers, self.track_shots,", "            for kept in (self.queries, self.predictions, self.track_answers, self.track_shots,", T_APP),
]

if __name__ == "__main__":
    raise SystemExit(main_old_new(M, (), sys.argv[1:]))
