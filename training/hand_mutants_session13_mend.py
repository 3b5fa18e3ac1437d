"""Hand mutants of session 13 mend's core changes (run from the worktree; copies go to out/mut): each
applied to a fresh `git archive` of HEAD, the listed tests run (pytest -x); killed = any test fails.
Scope: Verifier.described (the one cache of photo descriptions, its over-budget rule), _verify_photo
describing through it, and Settings.matcher's default."""
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "out" / "mut"
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


def main():
    out = []
    for name, path, old, new, tests in MUTANTS:
        if WORK.exists():
            shutil.rmtree(WORK)
        WORK.mkdir(parents=True)
        subprocess.run(f"cd {ROOT} && git archive HEAD | tar -x -C {WORK}", shell=True, check=True)
        f = WORK / path
        s = f.read_text()
        assert s.count(old) == 1, (name, s.count(old))
        f.write_text(s.replace(old, new))
        t, c = time.time(), os.times()
        r = subprocess.run(["nice", "-n", "19", "/work/main/.venv/bin/python", "-m", "pytest", "-q", "-x", "-p",
                            "no:cacheprovider", *tests], cwd=WORK, capture_output=True, text=True,
                           env={**os.environ, "OMP_NUM_THREADS": "1"})
        c2 = os.times()
        last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr[-200:]
        out.append({"mutant": name, "killed": r.returncode != 0, "tail": last, "s": round(time.time() - t, 1),
                    "cpu_s": round(c2.children_user + c2.children_system - c.children_user - c.children_system, 1)})
        print(json.dumps(out[-1]), flush=True)
    print(f"{sum(o['killed'] for o in out)} of {len(out)} killed")


if __name__ == "__main__":
    main()
