"""A flight's answers scored as they are shown and exported (newuser_session14.md section 7: the
app's Evaluation panel scored a flight's single-frame answers while the map, the list and every
exported file put the frames the track placed on the track)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from geolocator.core.evaluate import error_lines, exported_answers, panel_text
from geolocator.core.model import TileSet
from geolocator.core.pipeline import Located, Workspace
from geolocator.core.sequence import smooth

from .test_sequence import flight


def _flight():
    """30 frames; 10-13 verified nothing and rank a decoy tile hundreds of metres off first."""
    preds, _ = flight(n=30, bad=range(10, 14), chance=())
    preds = [replace(p, status="verified" if i not in range(10, 14) else "retrieved") for i, p in enumerate(preds)]
    [track] = smooth(preds)
    return preds, track


def _workspace(preds) -> Workspace:
    """A Workspace whose last locate gave `preds` (no backbone: evaluation reads only `last`)."""
    tiles = tuple({m.tile.id: m.tile for p in preds for m in p.matches}.values())
    index = {t.id: i for i, t in enumerate(tiles)}
    sim = np.zeros((len(preds), len(tiles)))
    for qi, p in enumerate(preds):  # each frame's ranking as its matches give it
        for m in p.matches:
            sim[qi, index[m.tile.id]] = max(sim[qi, index[m.tile.id]], m.score)
    ws = Workspace()
    ws.tileset = TileSet(tiles, source=None)
    ws.last = Located(tuple(p.query for p in preds), list(preds), sim)
    return ws


def test_exported_answers_put_a_flight_frame_where_the_files_do():
    preds, track = _flight()
    shown = exported_answers(preds, [track])
    assert len(shown) == len(preds)
    for p, s, tp in zip(preds, shown, track.points):
        assert s.query == p.query and s.location == tp.location and s.error_m == pytest.approx(tp.error_m)
    for i in range(10, 14):  # the bridged frames: the track's Point, within metres, not the decoy's
        assert track.points[i].status == "interpolated" and shown[i].status == "interpolated"
        assert shown[i].error_m < 15 and preds[i].error_m > 100
        assert shown[i].confidence == track.points[i].confidence
    assert shown[3].status == "verified"  # matched: verified, in Prediction's words
    # where each Point comes from, as the files say: the track for a placed frame, else the frame's own
    assert shown[11].location_source == "track" and preds[11].location_source != "track"
    assert shown[3].location_source == track.points[3].location_source == "homography"  # its verified match
    assert exported_answers(preds, []) == preds  # no flight: nothing changes


def test_a_track_point_without_a_confidence_keeps_the_prediction_s():
    from geolocator.core.sequence import Track, TrackPoint

    preds, _ = _flight()
    p = preds[5]
    bare = TrackPoint(p.query, 5.0, p.location, "matched", p.location)  # made by hand: confidence None
    [shown] = exported_answers([p], [Track("f", (bare,))])
    assert shown.confidence == p.confidence == 0.5
    assert shown.location_source == p.location_source  # the point names no source: the frame's own answer's


def test_the_evaluation_scores_the_track_and_says_the_single_frame_figure_beside():
    preds, track = _flight()
    ws = _workspace(preds)
    ev = ws.evaluate(preds, tracks=[track])
    # worked out from the track's own points and the frames' own answers, not from evaluate's code
    on_track = np.array([p.error_m for p in track.points])
    single = np.array([p.error_m for p in preds])
    assert ev.extra["mean_error_best_m"] == pytest.approx(on_track.mean())
    assert ev.extra["median_error_best_m"] == pytest.approx(np.median(on_track))
    assert ev.extra["single_frame_mean_error_best_m"] == pytest.approx(single.mean())
    assert single.mean() > 10 > on_track.mean()  # four decoys 100s of m off: the split mattered here
    assert ev.extra["n_moved_by_track"] == 4
    from geolocator.core.geo import format_distance as fd

    lines = error_lines(ev)
    assert lines[0] == (f"Point error: median {fd(np.median(on_track))}, mean {fd(on_track.mean())} "
                        "(as exported: flights' frames at their track position)")
    assert lines[1] == f"single-frame answers: Point error median {fd(np.median(single))}, mean {fd(single.mean())}"
    text = panel_text(ev, len(preds), adapted=False)
    assert "single-frame answers" in text
    # without the track (--no-track): the single-frame answers, as before, and no second line
    plain = ws.evaluate(preds)
    assert plain.extra["mean_error_best_m"] == pytest.approx(single.mean())
    assert "single_frame_mean_error_best_m" not in plain.extra
    assert len(error_lines(plain)) == 2
    assert error_lines(plain)[0] == f"Point error: median {fd(np.median(single))}, mean {fd(single.mean())}"
    # R@k and AP score each frame's own retrieval either way
    assert (ev.r1, ev.r5, ev.ap) == (plain.r1, plain.r5, plain.ap)


def test_a_flight_the_track_left_alone_reads_as_before():
    preds, _ = flight(n=12, bad=(), chance=())
    preds = [replace(p, status="verified") for p in preds]
    [track] = smooth(preds)
    ev = _workspace(preds).evaluate(preds, tracks=[track])
    assert all(p.status == "matched" for p in track.points)
    assert "single_frame_mean_error_best_m" not in ev.extra and "track" not in error_lines(ev)[0]
