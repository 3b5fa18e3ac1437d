"""Hand mutants of session 13 mend's core changes (run from the worktree; copies go to out/mut): each
applied to a fresh `git archive` of HEAD, the listed tests run (pytest -x); killed = any test fails.
Scope: Verifier.described (the one cache of photo descriptions, its over-budget rule), _verify_photo
describing through it, and Settings.matcher's default."""
from pathlib import Path

from hand_mutants import run_mutants  # training/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
T13, T12, T11, TX2 = ("tests/test_session13_mend.py", "tests/test_session12_mend.py", "tests/test_session11_mend.py",
                      "tests/test_rerank_exact2.py")
R = "geolocator/core/rerank.py"
ALL = [T13, T12, T11, TX2]
MUTANTS = [
    ("control (unmutated)", R, "key = (query_key(query), self.settings)", "key = (query_key(query), self.settings)", ALL),
    ("described: an over-budget description is not kept (len > 1 dropped)", R,
     "while self._described_bytes > PHOTO_MEMORY_BYTES and len(self._described) > 1:",
     "while self._described_bytes > PHOTO_MEMORY_BYTES and len(self._described) > 0:", ALL),
    ("described: two kept over budget (len > 2)", R,
     "while self._described_bytes > PHOTO_MEMORY_BYTES and len(self._described) > 1:",
     "while self._described_bytes > PHOTO_MEMORY_BYTES and len(self._described) > 2:", ALL),
    ("described: evict at >=", R,
     "while self._described_bytes > PHOTO_MEMORY_BYTES and len(self._described) > 1:",
     "while self._described_bytes >= PHOTO_MEMORY_BYTES and len(self._described) > 1:", ALL),
    ("described: bytes not counted", R,
     "        self._described_bytes += _nbytes(found)\n", "", ALL),
    ("described: newest evicted first", R,
     "self._described_bytes -= _nbytes(self._described.popitem(last=False)[1])",
     "self._described_bytes -= _nbytes(self._described.popitem(last=True)[1])", ALL),
    ("described: nothing kept", R, "        self._described[key] = found\n", "        self._described.pop(key, None)\n", ALL),
    ("_verify_photo: describes anew each call (photo, not described)", R,
     "            photo = self.described(query)\n", "            photo = self.photo(query)\n", ALL),
    ("Settings.matcher default back to sift", "geolocator/core/pipeline.py",
     '    matcher: str = "auto"\n', '    matcher: str = "sift"\n', [T13]),
]



if __name__ == "__main__":
    run_mutants(ROOT, MUTANTS, nice=19)
