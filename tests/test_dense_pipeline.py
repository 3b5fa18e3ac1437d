"""How Workspace._verify uses the dense search (VerifySettings.dense_search; core/dense.py), on
test_pipeline_exact's made-up world, with the search itself replaced by a table of scores so the
expected orders are worked out by hand. The search's own correctness: tests/test_dense.py."""

from __future__ import annotations

import numpy as np
import pytest

from geolocator.core import dense
from tests.test_pipeline_exact import world


def _fake_search(table):
    calls = []

    def rank_unclear(queries, tiles, candidates, counts, clear, first, **_):
        calls.append(([q.id for q in queries], candidates.copy(), counts.copy(), clear, first))
        out = np.full(candidates.shape, np.nan)
        for qi, q in enumerate(queries):
            if counts[qi].max() < clear:
                for ci, t in enumerate(candidates[qi, :first]):
                    out[qi, ci] = table.get((q.id, int(t)), np.nan)
        return out

    return rank_unclear, calls


def test_photos_with_nothing_clear_are_ordered_by_the_dense_search(tmp_path, monkeypatch):
    """b verified nothing: its candidates 5, 4, 3 (cosine order); tile 3's dense score (0.6) beats
    the best tile not touching it (5: 0.4) by 0.2 >= decisive_gap, so it goes first, then 5, 4 in
    cosine order.
    a (20 inliers) and c (9 inliers on tile 4) verified, which for SIFT is clear (confident_at:
    its verified floor): they are not searched and keep their answers. The full ranking
    (evaluation) agrees."""
    rank_unclear, calls = _fake_search({("b", 3): 0.6, ("b", 5): 0.4, ("b", 4): 0.2})
    monkeypatch.setattr(dense, "rank_unclear", rank_unclear)
    ws, qs = world(tmp_path, vs={"dense_search": True})
    preds = ws.locate(qs)
    (ids, candidates, counts, clear, first), = calls
    assert ids == ["a", "b", "c"] and first == 3
    assert clear == ws.verifier.settings.confident_at()
    assert [m.tile.id for m in preds[1].matches] == ["r1c0", "r1c2"]  # tile 3 (dense 0.6), then 5 (0.4)
    assert preds[1].status == "retrieved"
    assert [m.tile.id for m in preds[0].matches] == ["r0c2", "r0c0"]  # as without the search
    assert [m.tile.id for m in preds[2].matches] == ["r1c1", "r1c0"]
    # evaluation reads the same order: b's truth is tile 1 (not a candidate), tile 3 now first
    row = ws.last.similarity[1]
    assert np.argsort(-row)[:3].tolist() == [3, 5, 4]
    assert row[3] > 1.0 > row[0]  # above every cosine, below any verified tile (>= 2)
    # the confidence claims no more than the cosine: tile 3's cosine (0.6) is below the best
    # rival's (tile 5, 0.8), so the margin is 0
    assert preds[1].confidence == pytest.approx(0.0)


def test_off_by_default_and_nothing_searched(tmp_path, monkeypatch):
    """Without the setting the search never runs (it costs seconds a photo)."""
    rank_unclear, calls = _fake_search({})
    monkeypatch.setattr(dense, "rank_unclear", rank_unclear)
    ws, qs = world(tmp_path)
    preds = ws.locate(qs)
    assert calls == []
    assert [m.tile.id for m in preds[1].matches] == ["r1c2", "r1c1"]


def test_cli_flag_reaches_the_verifier():
    """--dense-search sets Settings.dense_search, which the verifier's settings carry."""
    from geolocator import cli

    parser = cli.build_parser()
    args = parser.parse_args(["locate", "photos", "--tiles", "tiles", "--dense-search"])
    assert args.dense_search is True
    args = parser.parse_args(["locate", "photos", "--tiles", "tiles"])
    assert args.dense_search is False


def test_setting_reaches_the_verifier(tmp_path):
    """Settings.dense_search (what the CLI flag sets) is the verifier's VerifySettings.dense_search,
    which Workspace._verify reads."""
    from geolocator.core.pipeline import Workspace
    from tests.test_pipeline_exact import grid, settings

    for on in (True, False):
        ws = Workspace(settings(tmp_path, dense_search=on, use_cache=False))
        ws.open_tiles(grid())
        assert ws.verifier.settings.dense_search is on
