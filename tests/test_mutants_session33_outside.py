"""Tests the session-33 mutation check (training/mutation_check_session33.py) found missing for the
job rule of core/outside_tiles.py: each kills a mutant the earlier tests let through (named in its
docstring). Through with_job_evidence's public signature only, on jobs of single photos (no flight),
so they hold whatever grouping the rule uses for flights."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.model import STATUS_NOT_LOCATED, STATUS_WEAK, WEAK_BELOW, Bounds, Query, Tile
from geolocator.core.outside_tiles import OUTSIDE_CAUTION, OUTSIDE_CEILING, with_job_evidence
from geolocator.core.predict import predict


def _job(inliers_rows):
    """predict() of one photo per row of top-3 inlier counts, cosines 0.9, 0.7, 0.6 (a clear win)."""
    tiles = [Tile(f"t{i}", Path(f"t{i}.jpg"), Bounds(8.0 + 0.01 * i, 47.0, 8.0 + 0.01 * i + 0.0006, 47.00045))
             for i in range(6)]
    rows = len(inliers_rows)
    queries = [Query(f"q{i}.jpg", Path(f"q{i}.jpg")) for i in range(rows)]
    scores = np.tile(np.array([[0.9, 0.7, 0.6]], np.float32), (rows, 1))
    ids = np.tile(np.array([[0, 1, 2]]), (rows, 1))
    return predict(queries, tiles, scores, ids, np.array(inliers_rows))


def test_weak_verified_answers_do_not_count_as_verified():
    """OT2: the share counts the status people read (shown_status): a job whose only "verified"
    answers are weak matches (below WEAK_BELOW) verified nothing people are told to trust, so its
    unverified answers are capped; the weak matches themselves keep their figure."""
    job = _job([[40, 0, 0], [40, 0, 0], [0, 0, 0], [0, 0, 0]])
    job[:2] = [replace(p, confidence=WEAK_BELOW - 0.2) for p in job[:2]]
    assert [p.shown_status for p in job[:2]] == [STATUS_WEAK] * 2 and job[2].status == "retrieved"
    after = with_job_evidence(job)
    assert after[:2] == job[:2]
    assert all(p.confidence == OUTSIDE_CEILING and p.caution == OUTSIDE_CAUTION for p in after[2:])


def test_a_not_located_photo_keeps_its_own_answer_in_a_job_that_hardly_verified():
    """OT5: only unverified ("retrieved") answers are capped and cautioned; a not-located photo in
    the same job stays exactly as it was (no "may not be in these tiles" on a blank frame)."""
    job = _job([[0, 0, 0]] * 3)
    job[1] = replace(job[1], status=STATUS_NOT_LOCATED, confidence=0.0, caution=None)
    after = with_job_evidence(job)
    assert after[1] == job[1] and after[1].caution is None
    assert after[0].caution == OUTSIDE_CAUTION and after[2].caution == OUTSIDE_CAUTION


@pytest.mark.parametrize("rows", [[[40, 0, 0]] * 3 + [[0, 0, 0]], [[0, 0, 0]] * 3])
def test_the_answers_come_back_as_a_new_list_the_callers_left_as_it_was(rows):
    """OT11: a new list either way (left as it is or capped): the caller's sequence is never the one
    returned, so changing the answers (the app's edits) cannot reach the job's own list."""
    job = tuple(_job(rows))
    after = with_job_evidence(job)
    assert isinstance(after, list) and after is not job and len(after) == len(job)
    assert job == tuple(_job(rows))  # the input is not changed in place


def test_the_ceiling_is_laplaces_share_right_of_its_committed_records():
    """OT9: OUTSIDE_CEILING is what its comment says it is: Laplace's (right + 1) / (n + 2) over the
    unverified answers with a cosine margin >= 0.5 of the jobs in training/results/calibration_records.csv
    that verified under OUTSIDE_SHARE_BAR (the figure training/calibration.py prints), to 0.01; a
    ceiling edited away from its records (or records re-made without it) is caught."""
    import csv
    import sys

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "training"))
    try:
        import calibration as cal
    finally:
        sys.path.remove(str(root / "training"))
    from geolocator.core.outside_tiles import OUTSIDE_SHARE_BAR

    with (root / "training/results/calibration_records.csv").open() as f:
        rows = [{k: (v if k in ("region", "mode", "matcher", "query", "status", "source") else float(v))
                 for k, v in r.items()} for r in csv.DictReader(f)]
    for r in rows:  # the confidence the current tables give (as calibration.py --from-records)
        r["matcher"] = r.get("matcher") or "sift"
        r["confidence"] = cal.record_confidence(r)
    low = [r for job in cal.jobs_of(rows).values() if (cal.job_share(job) or 0.0) < OUTSIDE_SHARE_BAR
           for r in cal.unverified_fit_records(job)]
    clear = [r["right"] for r in low if r["cosine_margin"] >= 0.5]
    assert len(clear) >= 10  # enough records for the figure to mean something
    assert OUTSIDE_CEILING == pytest.approx((sum(clear) + 1) / (len(clear) + 2), abs=0.005)
