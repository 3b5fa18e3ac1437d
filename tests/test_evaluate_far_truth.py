"""Workspace.evaluate scores the queries it is given (session 14): the app passes
evaluate.scored_queries' output, so truth far outside the tiles counts in no figure, as in
`geolocator eval`; the predictions keep their errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geolocator.core.evaluate import scored_queries
from geolocator.core.model import LatLon, Query

from .test_pipeline_exact import FakeWorkspace, centre_of, query, settings


@pytest.mark.parametrize("dense_max", [None, 1])  # the Q x N route and the streamed one (_evaluate_large)
def test_evaluate_leaves_out_truth_that_scored_queries_strips(tmp_path, dense_max):
    photos = {"a": [0.9, 0.8, 0.7, 0.1, 0.2, 0.3], "b": [0.1, 0.2, 0.3, 0.6, 0.7, 0.8],
              "x": [0, 0, 0, 0, 0, 1]}
    # x: truth at 50 N 50 E, thousands of km from the 2 x 3 grid near 10 N 0 E: far
    qs = [query("a", centre_of(2)), Query("x", Path("/nonexistent/photos/x.jpg"), truth=LatLon(50.0, 50.0)),
          query("b", centre_of(4))]
    kw = {} if dense_max is None else {"dense_max": dense_max}
    ws = FakeWorkspace(settings(tmp_path, verify=False, **kw), photos)
    preds = ws.locate(qs)
    scored, note = scored_queries(ws.last.queries, ws.tileset)
    assert note is not None and [q.has_truth for q in scored] == [True, False, True]

    ev = ws.evaluate(preds, queries=scored)
    # by hand, cosine order: a's tile 2 third (0.9, 0.8 above), b's tile 4 second (0.8 above)
    assert ev.n_queries == 2
    assert (ev.r1, ev.r5, ev.ap) == pytest.approx((0.0, 100.0, 100 * (1 / 3 + 1 / 2) / 2))
    near = [p.error_m for p in preds if p.query.id in ("a", "b")]
    assert ev.extra["median_error_best_m"] == pytest.approx(float(np.median(near)))
    assert next(p for p in preds if p.query.id == "x").error_m > 1e6  # the row keeps its error

    everything = ws.evaluate(preds)  # default: as located, x a miss with its error
    assert everything.n_queries == 3 and everything.r5 == pytest.approx(200 / 3)
    assert everything.extra["median_error_best_m"] > ev.extra["median_error_best_m"]


def test_evaluate_refuses_queries_that_are_not_the_last_locate_s(tmp_path):
    ws = FakeWorkspace(settings(tmp_path, verify=False), {"a": [1, 0, 0, 0, 0, 0], "b": [0, 1, 0, 0, 0, 0]})
    preds = ws.locate([query("a", centre_of(0)), query("b", centre_of(1))])
    with pytest.raises(ValueError, match="last locate"):
        ws.evaluate(preds, queries=[query("b", centre_of(1)), query("a", centre_of(0))])


def test_evaluate_with_every_truth_stripped_scores_nothing(tmp_path):
    ws = FakeWorkspace(settings(tmp_path, verify=False), {"x": [1, 0, 0, 0, 0, 0]})
    preds = ws.locate([Query("x", Path("/nonexistent/photos/x.jpg"), truth=LatLon(50.0, 50.0))])
    scored, _ = scored_queries(ws.last.queries, ws.tileset)
    assert ws.evaluate(preds, queries=scored) is None
    assert ws.evaluate(preds).n_queries == 1
