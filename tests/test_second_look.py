"""core/second_look.py: a learned matcher verifies again only the photos the first verified nothing
for, and replaces a photo's row only on a clear match, with its own threshold and table."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from geolocator.core.rerank import Verification, VerifySettings
from geolocator.core.second_look import second_look


class _FakeLearned:
    """verify_photo answers from a table {(photo path, tile): inliers}; records what it was asked."""

    def __init__(self, inliers):
        self.inliers = inliers
        self.asked = []
        self.settings = SimpleNamespace(matcher="xfeat", mosaic=0, confident_at=lambda: 40)

    def verify_photo(self, query, tiles, candidates, footprint=None, *, cancel=None):
        self.asked.append((query.path, [int(t) for t in candidates]))
        return [Verification(self.inliers.get((query.path, int(t)), 0)) for t in candidates]


def _queries(n):
    return [SimpleNamespace(path=f"p{i}.jpg") for i in range(n)]


def test_only_unverified_photos_are_looked_at_and_only_clear_matches_replace_a_row():
    """Photo 0 verified with SIFT (9 >= 8): not asked. Photo 1: the learned matcher finds 55 on tile
    7 (beyond its 3 candidates, within `upto`): its row becomes tile 7 first, with learned counts,
    threshold 40 and table "xfeat". Photo 2: 39 learned inliers, not clear: its row, threshold and
    table stay SIFT's, although 39 > SIFT's 8 (a weak learned match is often chance)."""
    order = np.array([[0, 1, 2, 3, 4, 5, 6, 7]] * 3)
    candidates = order[:, :3].copy()
    checks = [[Verification(9), Verification(0), Verification(0)],
              [Verification(3), Verification(0), Verification(0)],
              [Verification(0), Verification(5), Verification(0)]]
    learned = _FakeLearned({("p1.jpg", 7): 55, ("p1.jpg", 2): 12, ("p2.jpg", 4): 39})
    new_candidates, new_checks, looked = second_look(learned, _queries(3), [None] * 8, order, candidates, checks,
                                                     8, "sift", 8)
    assert [path for path, _ in learned.asked] == ["p1.jpg", "p2.jpg"]
    assert learned.asked[0][1] == list(range(8))  # the global top `upto`, not only the 3 candidates
    assert list(new_candidates[1]) == [7, 2, 0]  # most learned inliers first, ties in global order
    assert [v.inliers for v in new_checks[1]] == [55, 12, 0]
    assert list(new_candidates[0]) == [0, 1, 2] and new_checks[0] is checks[0]
    assert list(new_candidates[2]) == [0, 1, 2] and new_checks[2] is checks[2]
    assert list(looked.rows) == [False, True, False]
    assert list(looked.min_inliers) == [8, 40, 8]
    assert looked.tables == ("sift", "xfeat", "sift")
    assert list(candidates[1]) == [0, 1, 2]  # the caller's arrays are not changed in place


def test_per_photo_thresholds_are_respected():
    """A photo the adapter learned needs 12 SIFT inliers (Workspace._min_inliers): with 10 it counts
    as unverified and is looked at."""
    order = np.array([[0, 1, 2]] * 2)
    checks = [[Verification(10), Verification(0), Verification(0)]] * 2
    learned = _FakeLearned({})
    second_look(learned, _queries(2), [None] * 3, order, order.copy(), checks, np.array([8, 12]), "sift", 3)
    assert [path for path, _ in learned.asked] == ["p1.jpg"]


def test_workspace_answers_a_photo_sift_verified_nothing_with_the_learned_clear_match(tmp_path, monkeypatch):
    """test_pipeline_exact's world: b verified nothing with SIFT (its candidates 5, 4, 3). The second
    look (a fake learned verifier) finds 50 inliers on tile 1 (b's truth, 5th in its cosine order,
    beyond the 3 candidates) and 20 on tile 3: b is answered tile 1, verified, its Point through
    that homography (mid-tile). Tile 3's 20 are below the learned clear count (40), so it is not
    lifted: next comes tile 5 by cosine, and the confidence is the xfeat table's at margin 50 - 0. a and c verified with
    SIFT: never looked at, their answers as without the second look. With the setting off the
    second verifier is never asked (test_locate_verified_dense's answers)."""
    from geolocator.core.confidence_tables import verified_confidence
    from tests.test_pipeline_exact import FakeVerifier, centre_of, v, world

    ws, qs = world(tmp_path, second_look="xfeat")
    learned = FakeVerifier({("b", 1): v(50), ("b", 3): v(20)}, VerifySettings(matcher="xfeat"))
    monkeypatch.setattr(type(ws), "_second_verifier", lambda self: learned)
    preds = ws.locate(qs)
    assert [ids for ids, _, _ in learned.calls] == [["b"]]
    assert learned.calls[0][1].tolist() == [[5, 4, 3, 2, 1, 0]]  # b's global order, up to 64
    b = preds[1]
    assert [m.tile.id for m in b.matches] == ["r0c1", "r1c2"]
    assert b.status == "verified" and b.location_source == "homography"
    assert b.location.lat == pytest.approx(centre_of(1).lat) and b.location.lon == pytest.approx(centre_of(1).lon)
    assert b.confidence == pytest.approx(verified_confidence(50, "xfeat"))
    assert [m.tile.id for m in preds[0].matches] == ["r0c2", "r0c0"]
    assert [m.tile.id for m in preds[2].matches] == ["r1c1", "r1c0"]
    assert ws.evaluate().r1 == pytest.approx(100.0)  # a and b (c has no truth)

    off, qs = world(tmp_path, second_look=None)
    quiet = FakeVerifier({("b", 1): v(50)}, VerifySettings(matcher="xfeat"))
    monkeypatch.setattr(type(off), "_second_verifier", lambda self: quiet if self.settings.second_look else None)
    assert [m.tile.id for m in off.locate(qs)[1].matches] == ["r1c2", "r1c1"]
    assert quiet.calls == []


def test_a_weak_learned_match_changes_nothing(tmp_path, monkeypatch):
    """39 learned inliers (below its clear 40) on b's truth tile: b stays retrieved in cosine order."""
    from tests.test_pipeline_exact import FakeVerifier, v, world

    ws, qs = world(tmp_path, second_look="xfeat")
    learned = FakeVerifier({("b", 1): v(39)}, VerifySettings(matcher="xfeat"))
    monkeypatch.setattr(type(ws), "_second_verifier", lambda self: learned)
    b = ws.locate(qs)[1]
    assert [m.tile.id for m in b.matches] == ["r1c2", "r1c1"] and b.status == "retrieved"


def test_cli_flag_sets_the_setting():
    """--second-look off turns it off, --second-look aliked picks another matcher, no flag keeps the
    Settings default."""
    from geolocator import cli

    parser = cli.build_parser()
    assert cli._second_look(parser.parse_args(["locate", "photos", "--tiles", "tiles", "--second-look", "off"])) == \
        {"second_look": None}
    assert cli._second_look(parser.parse_args(["locate", "photos", "--tiles", "tiles", "--second-look", "aliked"])) == \
        {"second_look": "aliked"}
    assert cli._second_look(parser.parse_args(["locate", "photos", "--tiles", "tiles"])) == {}


def test_skipped_photos_are_not_looked_at():
    """A photo marked skip (the content survey found nothing to locate in it) keeps its row."""
    order = np.array([[0, 1, 2]] * 2)
    checks = [[Verification(0)] * 3] * 2
    learned = _FakeLearned({("p0.jpg", 1): 90, ("p1.jpg", 1): 90})
    _, _, looked = second_look(learned, _queries(2), [None] * 3, order, order.copy(), checks, 8, "sift", 3,
                               skip=[True, False])
    assert [path for path, _ in learned.asked] == ["p1.jpg"] and list(looked.rows) == [False, True]


def test_a_blank_photo_is_not_looked_at_again(tmp_path, monkeypatch):
    """test_session12_mend's world with the real second look (xfeat): the noise photo n verified
    nothing and is looked at (decoded once more, by the learned verifier); the blank photo b, which
    the content survey found nothing in, is not (one decode) and stays not located."""
    from tests.test_session12_mend import _decode_world

    ws, queries, decodes = _decode_world(tmp_path, monkeypatch, second_look="xfeat")
    preds = ws.locate(queries)
    assert sorted(decodes) == ["b", "n", "n"]
    assert preds[1].status == "not located"


def test_the_second_verifier_carries_the_patience(tmp_path):
    """Settings.second_look_patience reaches the second look's verifier (VerifySettings.patience),
    32 by default (session 20: a photo with no clear match costs at most 32 learned pairs, not 64),
    and a changed setting builds a new verifier; the route's own verifier has none."""
    from tests.test_pipeline_exact import world

    ws, _ = world(tmp_path, second_look="xfeat")
    ws.route = lambda: SimpleNamespace(matcher="sift")  # the route of sharp tiles
    assert ws.settings.second_look_patience == 32
    second = ws._second_verifier()
    assert second.settings.matcher == "xfeat" and second.settings.patience == 32
    assert ws._second_verifier() is second
    ws.settings.second_look_patience = 0
    assert ws._second_verifier().settings.patience == 0
    assert VerifySettings().patience == 0


def test_the_second_verifier_uses_the_early_exit(tmp_path):
    """Settings.second_look_early_exit (0.95 by default) reaches the xfeat second look's verifier
    as VerifySettings.glue_depth; another learned matcher gets none (its match has no such knob)."""
    from tests.test_pipeline_exact import world

    ws, _ = world(tmp_path, second_look="xfeat")
    ws.route = lambda: SimpleNamespace(matcher="sift")
    assert ws._second_verifier().settings.glue_depth == 0.95
    ws.settings.second_look_early_exit = None
    assert ws._second_verifier().settings.glue_depth is None
    assert VerifySettings(matcher="xfeat").glue_depth is None  # the route's xfeat: off (route_early_exit.md: it loses matches there)
