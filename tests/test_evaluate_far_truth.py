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
    assert ev.n_queries == 2 and ev.n_tiles == 6  # the 2 x 3 grid
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
    with pytest.raises(ValueError) as err:
        ws.evaluate(preds, queries=[query("b", centre_of(1)), query("a", centre_of(0))])
    assert str(err.value) == "queries must be the last locate's, in its order"
    with pytest.raises(ValueError):  # one short
        ws.evaluate(preds, queries=[query("a", centre_of(0))])


def test_evaluate_before_any_locate_says_so(tmp_path):
    from geolocator.core.errors import GeolocatorError

    ws = FakeWorkspace(settings(tmp_path, verify=False), {"a": [1, 0, 0, 0, 0, 0]})
    with pytest.raises(GeolocatorError) as err:
        ws.evaluate(queries=[])
    assert str(err.value) == "locate some queries first"


def test_evaluate_with_every_truth_stripped_scores_nothing(tmp_path):
    ws = FakeWorkspace(settings(tmp_path, verify=False), {"x": [1, 0, 0, 0, 0, 0]})
    preds = ws.locate([Query("x", Path("/nonexistent/photos/x.jpg"), truth=LatLon(50.0, 50.0))])
    scored, _ = scored_queries(ws.last.queries, ws.tileset)
    assert ws.evaluate(preds, queries=scored) is None
    assert ws.evaluate(preds).n_queries == 1


def test_the_panel_words_photos_with_truth_far_from_the_tiles():
    """core.evaluate.panel_text, the app's Evaluation panel; expected strings written out by hand
    from the panel's layout (first line, the far line, R@k, the error lines)."""
    from geolocator.core.evaluate import panel_text
    from geolocator.core.model import Evaluation

    nb = "\xa0"
    assert panel_text(None, 0, adapted=False) == "Nothing located yet."
    assert panel_text(None, 0, adapted=False, n_far=2) == "Nothing located yet."
    assert panel_text(None, 3, adapted=False) == "3 images located. No truth known (truth.csv or EXIF GPS)."
    assert panel_text(None, 1, adapted=False, n_far=1) == \
        "1 image located. 1 image with truth far from the tiles: not scored."
    assert panel_text(None, 5, adapted=True, n_far=2) == \
        "5 images located. 2 images with truth far from the tiles: not scored."
    ev = Evaluation(50.0, 75.0, 100.0, 62.5, 12.0, 14.0, 2, 36,
                    extra={"median_error_best_m": 0.1, "mean_error_best_m": 0.25})
    lines = panel_text(ev, 3, adapted=False, n_far=1).replace(nb, " ").splitlines()
    assert lines == ["Frozen backbone · 2 images with truth, 36 tiles",
                     "1 image with truth far from the tiles: not scored",
                     "R@1 50.0%   R@5 75.0%   AP 62.5%",
                     "Point error: median 0.10 m, mean 0.25 m",
                     "top tile centre error: median 12 m, mean 14 m"]
    assert panel_text(ev, 2, adapted=False).replace(nb, " ").splitlines()[1] == "R@1 50.0%   R@5 75.0%   AP 62.5%"
    assert nb in panel_text(ev, 2, adapted=False)  # figures kept together for word-wrapping
    frozen = Evaluation(25.0, 40.0, 60.0, 30.0, 20.0, 22.0, 2, 36)
    adapted = panel_text(ev, 2, adapted=True, frozen=frozen).replace(nb, " ").splitlines()
    assert adapted[0].startswith("Adapted · ") and adapted[-1] == "frozen backbone: R@1 25.0%   R@5 40.0%"
    other = Evaluation(25.0, 40.0, 60.0, 30.0, 20.0, 22.0, 3, 36)  # another photo count: not comparable
    assert "frozen backbone:" not in panel_text(ev, 2, adapted=True, frozen=other)
    assert "frozen backbone:" not in panel_text(ev, 2, adapted=False, frozen=frozen)


def test_tile_key_is_the_file_key_of_the_tiles_file_window_and_entry(tmp_path):
    from geolocator.core.cache import file_identity, file_key, tile_identity, tile_key
    from geolocator.core.model import Bounds, PixelWindow, Tile

    f = tmp_path / "area.mbtiles"
    f.write_bytes(b"x")
    b = Bounds(0, 0, 1, 1)
    win = PixelWindow(1, 2, 3, 4)
    a = Tile("a", f, b, window=win, ref="3/1/2")
    assert tile_key(a) == file_key(f, win, "3/1/2") and tile_identity(a) == file_identity(f, win, "3/1/2")
    # each part counts: another window, another entry, none
    for other in (Tile("a", f, b, window=PixelWindow(1, 2, 3, 5), ref="3/1/2"), Tile("a", f, b, window=win, ref="3/1/3"),
                  Tile("a", f, b, ref="3/1/2"), Tile("a", f, b, window=win)):
        assert tile_key(other) != tile_key(a) and tile_identity(other) != tile_identity(a)
