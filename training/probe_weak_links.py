"""Probe (ms29, session 29): do a photo's weak links to labelled photos say where it is?

After the Adapt button, the photos without a geometric label get the adapted ranking's answer, which
on rotterdam-ms / rotterdam-cir is right for about one in five of them. Chaining (adapt/geometric.py)
already takes first looks (quick_link: mutual nearest neighbours and one homography) from each
unplaced photo to its most alike labelled photos, and drops every link below a clear match (40
inliers with a learned backend). The idea probed: keep the strongest weak first look as a hint, and
answer among the tiles touching that partner's label tile. Label-free (pixels, and labels from
pixels); no extra CPU in the app (the first looks are taken anyway).

This script measures whether the hint is any good, before building it:

1. `probe`: for every photo the answers file leaves unlabelled, the first look (the app's own
   link_heading + quick_link, xfeat as the coarse route) to EVERY labelled photo, and the partner
   score (partner_scores) that chaining ranks partners by. Written to JSON.
2. `score` (truth for scoring only): for the strongest first look of each photo (among every labelled
   photo, or among the 8 most alike by partner score: what chaining looks at), its inliers against the
   truth distance to that partner; and, replayed on the adapted cosines of a compare_matchers.py
   --dense-dump (session 18's, a different adapter: a replay, not the app), R@1 of the unlabelled
   photos when the hint (>= T inliers) restricts the answer to the tiles touching the partner's label.

    python training/probe_weak_links.py probe REGION ANSWERS OUT.json --cache DIR
    python training/probe_weak_links.py score REGION OUT.json [--dump DUMP.npz]
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np


def probe(region: Path, answers: Path, out: Path, cache: Path | None) -> None:
    from geolocator.core.adapt.geometric import link_heading, partner_scores, quick_link
    from geolocator.core.queries import load_region
    from geolocator.core.rerank import Verifier, VerifySettings
    from training.why_unplaced import read_answers

    queries = {q.id: q for q in load_region(region).queries}
    _, labels = read_answers(answers)
    labelled = sorted(q for q, lab in labels.items() if lab[0] is not None)
    verifier = Verifier(VerifySettings(matcher="xfeat", mosaic=True, mosaic_once=True,
                                       keypoint_cache=None if cache is None else cache / "keypoints"))
    described: dict = {}

    def photo(q):
        if q not in described:
            described[q] = verifier.described(queries[q])
        return described[q]

    cpu = time.process_time()
    links = {}
    for q in sorted(queries):
        if q in labelled or photo(q) is None:
            continue
        partners = [p for p in labelled if photo(p) is not None]
        alike = partner_scores(photo(q), [photo(p) for p in partners])
        rows = []
        for p, score in zip(partners, alike):
            heading = link_heading(photo(q), photo(p))
            rows.append([p, int(score), int(quick_link(photo(q), photo(p), verifier.settings, heading))])
        links[q] = rows
    out.write_text(json.dumps({"labels": {q: labels[q][0] for q in labelled}, "links": links}))
    n = sum(len(r) for r in links.values())
    print(f"{len(links)} unlabelled photos x {len(labelled)} labelled: {n} first looks, "
          f"{time.process_time() - cpu:.1f} CPU s ({(time.process_time() - cpu) / max(n, 1):.3f} a first look)")


def strongest(rows: list, alike: int | None) -> list:
    """The [partner, partner score, inliers] row with the most first-look inliers (ties: higher
    partner score), among the `alike` most alike partners (None: all)."""
    if alike:
        rows = sorted(rows, key=lambda r: -r[1])[:alike]
    return max(rows, key=lambda r: (r[2], r[1]))


def score(region: Path, probed: Path, dump: Path | None) -> None:
    from geolocator.core.queries import load_region
    from training.dense_rules import neighbours
    from training.why_unplaced import metres

    tiles = load_region(region).tiles.tiles
    index = {t.id: i for i, t in enumerate(tiles)}
    near = neighbours(tiles)
    truth = {r["query"]: (float(r["lat"]), float(r["lon"])) for r in csv.DictReader(open(region / "truth.csv"))}
    data = json.loads(probed.read_text())
    label = {q: index[t] for q, t in data["labels"].items()}
    bands = ["< 20", "20-29", "30-39", ">= 40"]
    for alike in (None, 8):
        table = Counter()
        for q, rows in data["links"].items():
            p, _, n = strongest(rows, alike)
            d = metres(truth[q], truth[p])
            band = bands[0] if n < 20 else bands[1] if n < 30 else bands[2] if n < 40 else bands[3]
            table[(band, "< 30 m" if d < 30 else "30-60 m" if d < 60 else ">= 60 m")] += 1
        which = "every labelled photo" if alike is None else f"the {alike} most alike"
        print(f"strongest first look among {which}: inliers -> partner's truth distance (< 30 m / 30-60 m / >= 60 m)")
        for b in bands:
            print(f"  {b:>6} inliers: {table[(b, '< 30 m')]} / {table[(b, '30-60 m')]} / {table[(b, '>= 60 m')]}")
    if dump is None:
        return
    z = np.load(dump)
    ids = [str(i) for i in z["ids"]]
    print(f"replay on {dump.name} (its adapted cosines; labels from the answers file):")
    for alike in (None, 8):
        for floor in (12, 20, 30, 40):
            base = got = gained = lost = 0
            for i, q in enumerate(ids):
                if q not in data["links"]:
                    continue
                cands, cos, right = z["candidates"][i], z["scores"][i], z["right"][i]
                b = bool(right[int(np.argmax(cos))])
                p, _, n = strongest(data["links"][q], alike)
                g = b
                if n >= floor:
                    ok = np.array([near[int(c), label[p]] for c in cands])
                    g = bool(right[int(np.argmax(np.where(ok, cos, -np.inf)))])
                base, got = base + b, got + g
                gained, lost = gained + (g and not b), lost + (b and not g)
            which = "every labelled" if alike is None else f"{alike} most alike"
            print(f"  hint >= {floor:2d} inliers ({which}): unlabelled right {base} -> {got} (+{gained} / -{lost})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("probe")
    a.add_argument("region", type=Path)
    a.add_argument("answers", type=Path)
    a.add_argument("out", type=Path)
    a.add_argument("--cache", type=Path, default=None, help="feature cache folder (its keypoints/)")
    b = sub.add_parser("score")
    b.add_argument("region", type=Path)
    b.add_argument("probed", type=Path)
    b.add_argument("--dump", type=Path, default=None, help="a compare_matchers.py --dense-dump .npz of the region")
    args = ap.parse_args()
    if args.cmd == "probe":
        probe(args.region, args.answers, args.out, args.cache)
    else:
        score(args.region, args.probed, args.dump)


if __name__ == "__main__":
    main()
