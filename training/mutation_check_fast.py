"""Check mutants in-process without a pytest session per mutant (session 7, core/sequence.py).

The test module's functions are imported once and called directly for each mutant, MUTANT_UNDER_TEST
naming it (mutmut's trampolines read it at call time): first failure = killed (1), all pass = survived
(0), a 60 s alarm = timeout (2). Single @pytest.mark.parametrize decorators are expanded; tests taking
fixtures (tmp_path) are left out, so a survivor here should be confirmed with mutation_check_survivors.py.
Run from mutants/ after copying the test file there:

    PYTHONPATH=. python ../training/mutation_check_fast.py NAMES.txt OUT.json [TEST_MODULE]

NAMES.txt: mutant names, one a line; OUT.json: {name: rc}, resumed when it exists; TEST_MODULE
(dotted) defaults to tests.test_sequence_exact. K orders the tests most likely to kill a function's mutants first."""
import json, os, signal, sys, warnings, inspect, importlib, itertools
warnings.simplefilter("ignore")
sys.path.insert(0, ".")
mod = importlib.import_module(sys.argv[3] if len(sys.argv) > 3 else "tests.test_sequence_exact")
K = {"x__turn_penalty": ("turn", "off_track"), "x__xy": ("xy", "reach"), "x_viterbi_path": ("viterbi", "off_track"),
     "x_smooth_flight": ("smooth", "off_track", "verified_frame")}
cases = []
for name, fn in inspect.getmembers(mod, inspect.isfunction):
    if not name.startswith("test_") or fn.__module__ != mod.__name__:
        continue
    marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
    if marks:
        argnames, values = marks[0].args
        argnames = [a.strip() for a in argnames.split(",")] if isinstance(argnames, str) else list(argnames)
        for v in values:
            v = v if len(argnames) > 1 else (v,)
            cases.append((name, fn, dict(zip(argnames, v))))
    elif "tmp_path" in inspect.signature(fn).parameters:
        continue
    else:
        cases.append((name, fn, {}))
class Alarm(Exception): pass
def on_alarm(*_): raise Alarm()
signal.signal(signal.SIGALRM, on_alarm)
names = [l.strip() for l in open(sys.argv[1]) if l.strip()]
done = json.load(open(sys.argv[2])) if os.path.exists(sys.argv[2]) else {}
for mname in names:
    if mname in done:
        continue
    f = mname.rsplit(".", 1)[-1].split("__mutmut")[0]
    sel = [c for c in cases if any(k in c[0] for k in K.get(f, ()))]
    sel += [c for c in cases if c not in sel]  # the rest after
    os.environ["MUTANT_UNDER_TEST"] = mname
    rc = 0
    signal.alarm(60)
    try:
        for name, fn, kw in sel:
            try:
                fn(**kw)
            except Alarm:
                raise
            except BaseException:
                rc = 1
                break
    except Alarm:
        rc = 2
    signal.alarm(0)
    done[mname] = rc
    print(mname, rc, flush=True)
    json.dump(done, open(sys.argv[2], "w"), indent=0)
