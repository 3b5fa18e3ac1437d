"""Check mutants against one test module by calling its test functions directly, in-process.

training/mutation_check_survivors.py starts a pytest session per mutant: on the shared 2-core machine
at load 30 that cost 15-30 s a mutant (collection and conftest), this about 0.1 s. The trampolines of
mutmut 3 read MUTANT_UNDER_TEST at call time, so each mutant is switched on by setting it. Only for
test modules of plain functions: `tmp_path` (a fresh folder) and @pytest.mark.parametrize are
supported, no other fixture. Killed = some test raises (any exception, or 20 s of running).
The unmutated code must pass every test first (checked).

Run from mutants/ after copying the test module there (NAMES: one mutant name a line):

    PYTHONPATH=. python ../training/mutation_check_direct.py NAMES.txt OUT.json tests.test_x [-k SUBSTR]

Prints "name [killed, first failing test, exception]" per mutant and keeps them in OUT.json (resumable)."""
import importlib, inspect, json, os, signal, sys, tempfile, traceback
from pathlib import Path

names = [x.strip() for x in Path(sys.argv[1]).read_text().split() if x.strip()]
outp = Path(sys.argv[2]); mod = importlib.import_module(sys.argv[3])
ksub = sys.argv[5].lower() if len(sys.argv) > 5 and sys.argv[4] == "-k" else None
cases = []
for tname, fn in inspect.getmembers(mod, inspect.isfunction):
    if not tname.startswith("test_") or fn.__module__ != mod.__name__:
        continue
    marks = getattr(fn, "pytestmark", [])
    params = [m for m in marks if m.name == "parametrize"]
    combos = [dict()]
    for m in params:
        argnames = [a.strip() for a in (m.args[0].split(",") if isinstance(m.args[0], str) else m.args[0])]
        new = []
        for c in combos:
            for v in m.args[1]:
                vals = v if len(argnames) > 1 else (v,)
                new.append({**c, **dict(zip(argnames, vals))})
        combos = new
    for c in combos:
        cid = f"{tname}[{'-'.join(map(str, c.values()))}]" if c else tname
        if ksub and ksub not in cid.lower():
            continue
        cases.append((cid, fn, c))
print(len(cases), "cases", flush=True)

def alarm(*_): raise TimeoutError("mutant ran 20 s")
signal.signal(signal.SIGALRM, alarm)

def run_all():
    for cid, fn, kw in cases:
        args = dict(kw)
        if "tmp_path" in inspect.signature(fn).parameters:
            args["tmp_path"] = Path(tempfile.mkdtemp(dir=os.environ.get("CHECK_TMP")))
        try:
            signal.alarm(20); fn(**args)
        except BaseException as e:  # noqa: BLE001
            return cid, f"{type(e).__name__}"
        finally:
            signal.alarm(0)
    return None, None

os.environ.pop("MUTANT_UNDER_TEST", None)
os.environ["MUTANT_UNDER_TEST"] = ""
base = run_all()
print("unmutated:", base, flush=True)
assert base == (None, None), base
out = json.loads(outp.read_text()) if outp.exists() else {}
for name in names:
    if name in out: continue
    os.environ["MUTANT_UNDER_TEST"] = name
    cid, err = run_all()
    out[name] = [1 if cid else 0, cid, err]
    print(name, out[name], flush=True)
    outp.write_text(json.dumps(out, indent=0))
