"""How long a locate takes to end after Cancel (session 15, task "mend" item 1): the time from
`CancelToken.cancel()` to `Workspace.locate` raising Cancelled, with a learned matcher (aliked by
default) on the demo, before and after the token is checked between pairs.

  PYTHONPATH=. python training/cancel_latency.py --matcher aliked --photos 3 --presses 1 5 10 1 5 10

Cancel is pressed at the START of a unit of verification work (a learned pair evaluation, a
candidate's target: its keypoints, described on first use, or the photo's own description, at 4
headings for aliked: the one step no check splits), the worst moment inside that unit: the
job can only answer after it. Trial i presses at the start of the presses[i]-th unit the trial
reaches. Each trial is a fresh Workspace over one cache folder per mode, so it resumes the pairs
earlier trials kept (core/pair_store.py) and presses on new work, as a user who cancels, locates
again and cancels again would. Modes:
  before: Verifier._between_pairs is a no-op, so the token is checked only between photos
          (Verifier.verify), as before session 15;
  after:  the code as it is.
The global ranking comes from the committed demo features (tests/demo_features.py: EfficientNet-Lite0
frozen), so no backbone runs; verification is the product's (route `--matcher NAME`, its defaults,
keypoint cache in the cache folder). Truth is not read. Prints one line per trial and a summary.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--matcher", default="aliked")
    ap.add_argument("--photos", type=int, default=3, help="photos located (the demo's first ones, in order)")
    ap.add_argument("--presses", type=int, nargs="+", default=[1, 5, 10, 1, 5, 10],
                    help="per trial: Cancel at the start of this unit of work the trial reaches (1 = the first)")
    ap.add_argument("--modes", nargs="+", default=["before", "after"], choices=["before", "after"])
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "cancel_latency")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="instead: one uninterrupted locate of N demo photos (evenly spaced) from an empty cache "
                         "folder, timing each verify_photo call (Cancel's wait before) and each unit (after)")
    args = ap.parse_args()
    if args.profile:
        return profile(args)

    import torch

    from geolocator.core.errors import Cancelled
    from geolocator.core.matchers import verify as learned
    from geolocator.core.progress import CancelToken
    from geolocator.core.rerank import Verifier
    from tests.demo_features import demo_workspace, load_demo_features

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    features = load_demo_features()
    real_pair, real_target, real_between = learned.verify_pair, Verifier.target, Verifier._between_pairs
    real_described = Verifier.described
    print(f"matcher {args.matcher}, {args.photos} photos, torch threads {torch.get_num_threads()}, "
          f"load {os.getloadavg()[0]:.2f}", flush=True)
    summary = {}
    for mode in args.modes:
        Verifier._between_pairs = real_between if mode == "after" else (lambda self: None)
        root = args.out / mode
        latencies = []
        for trial, press in enumerate(args.presses):
            ws, region = demo_workspace(root, features, matcher=args.matcher)
            photos = region.queries[: args.photos]
            token, state = CancelToken(), {"units": 0, "pressed": None, "kind": None}

            def unit(kind, fn):
                def wrapped(*a, **k):
                    state["units"] += 1
                    if state["units"] == press and state["pressed"] is None:
                        token.cancel()
                        state["pressed"], state["kind"] = (time.perf_counter(), time.process_time(),
                                                           threading.get_ident()), kind
                    return fn(*a, **k)
                return wrapped

            learned.verify_pair = unit("pair", real_pair)
            Verifier.target = unit("target", real_target)
            Verifier.described = unit("photo description", real_described)
            start, cpu0 = time.perf_counter(), time.process_time()
            outcome = "finished"
            try:
                ws.locate(photos, cancel=token)
            except Cancelled:
                outcome = "cancelled"
            end, cpu1 = time.perf_counter(), time.process_time()
            learned.verify_pair, Verifier.target, Verifier.described = real_pair, real_target, real_described
            if state["pressed"] is None:
                print(f"{mode} trial {trial + 1}: press at unit {press} never came ({state['units']} units): "
                      f"{outcome} in {end - start:.1f} s, {cpu1 - cpu0:.1f} CPU s", flush=True)
                continue
            wall, cpu = end - state["pressed"][0], cpu1 - state["pressed"][1]
            latencies.append(wall)
            print(f"{mode} trial {trial + 1}: Cancel at the start of unit {press} ({state['kind']}) -> {outcome} "
                  f"{wall:.2f} s later ({cpu:.2f} CPU s); units run {state['units']}; trial {end - start:.1f} s, "
                  f"{cpu1 - cpu0:.1f} CPU s; load {os.getloadavg()[0]:.2f}", flush=True)
        if latencies:
            summary[mode] = (max(latencies), statistics.median(latencies), len(latencies))
    for mode, (worst, median, n) in summary.items():
        print(f"{mode}: worst {worst:.2f} s, median {median:.2f} s from Cancel to the job's end ({n} presses)")


def profile(args) -> None:
    """The worst waits from the timings of one uninterrupted run: before, Cancel pressed as a
    verify_photo call starts waits for the whole call (its pairs, tile descriptions, widening's
    call is a call of its own); after, pressed as a unit starts it waits for that unit."""
    import numpy as np
    import torch

    from geolocator.core.matchers import verify as learned
    from geolocator.core.rerank import Verifier
    from tests.demo_features import demo_workspace, load_demo_features

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    calls, units = [], []

    def timed(record, label, fn):
        def wrapped(*a, **k):
            t, c = time.perf_counter(), time.process_time()
            try:
                return fn(*a, **k)
            finally:
                record.append((label(*a), time.perf_counter() - t, time.process_time() - c))
        return wrapped

    Verifier.verify_photo = timed(calls, lambda self, q, *a: q.path.name, Verifier.verify_photo)
    Verifier.target = timed(units, lambda *a: "target", Verifier.target)
    learned.verify_pair = timed(units, lambda *a: "pair", learned.verify_pair)
    # not units a check falls between, but work inside a call that Cancel also waits for
    Verifier.described = timed(units, lambda *a: "photo description", Verifier.described)
    learned.headings_and_scores = timed(units, lambda *a: "heading scores", learned.headings_and_scores)
    ws, region = demo_workspace(args.out / "profile", load_demo_features(), matcher=args.matcher)
    pick = np.linspace(0, len(region.queries) - 1, args.profile).round().astype(int)
    photos = [region.queries[int(i)] for i in pick]
    print(f"matcher {args.matcher}, profile of {len(photos)} photos ({', '.join(q.path.name for q in photos)}), "
          f"torch threads {torch.get_num_threads()}, load {os.getloadavg()[0]:.2f}", flush=True)
    t, c = time.perf_counter(), time.process_time()
    ws.locate(photos)
    print(f"locate: {time.perf_counter() - t:.1f} s, {time.process_time() - c:.1f} CPU s; load {os.getloadavg()[0]:.2f}")
    for name, wall, cpu in calls:
        print(f"  verify_photo {name}: {wall:.2f} s, {cpu:.2f} CPU s")
    for kind in ("target", "pair", "photo description", "heading scores"):
        got = [(w, c) for k, w, c in units if k == kind]
        if got:
            w, c = np.array(got).T
            print(f"  {kind}: {len(got)} units, median {np.median(w):.2f} s / {np.median(c):.2f} CPU s, "
                  f"longest {w.max():.2f} s / {c.max():.2f} CPU s (the longest CPU: {c.max():.2f})")
    worst_call = max(calls, key=lambda r: r[1])
    worst_unit = max(units, key=lambda r: r[1])
    print(f"before (a check between photos): worst wait = the longest verify_photo call, {worst_call[1]:.2f} s "
          f"({worst_call[2]:.2f} CPU s, {worst_call[0]})")
    print(f"after (a check between units): worst wait = the longest unit, {worst_unit[1]:.2f} s "
          f"({worst_unit[2]:.2f} CPU s, a {worst_unit[0]})")


if __name__ == "__main__":
    main()
