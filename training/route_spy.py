"""pytest plugin for training/results/session13_api_matcher_default.md: records each route.choose_route call
of a test run (the test, the matcher chosen, px across, CPU and wall s) as JSON lines in $ROUTESPY_OUT
(default /tmp/mend_routes.jsonl). Load it with PYTHONPATH=training and -p route_spy."""
import json
import os
import time

import pytest

OUT = os.environ.get("ROUTESPY_OUT", "/tmp/mend_routes.jsonl")
_current = [None]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    _current[0] = item.nodeid
    yield
    _current[0] = None


def pytest_configure(config):
    from geolocator.core import route

    real = route.choose_route

    def spy(tiles, **kw):
        t0 = time.process_time(); w0 = time.perf_counter()
        r = real(tiles, **kw)
        rec = {"test": _current[0], "matcher": r.matcher, "px": None if r.detail is None else round(r.detail.pixels_across, 1),
               "ntiles": len(tiles), "cpu_s": round(time.process_time() - t0, 3), "wall_s": round(time.perf_counter() - w0, 3)}
        with open(OUT, "a") as f:
            f.write(json.dumps(rec) + "\n")
        return r

    route.choose_route = spy
