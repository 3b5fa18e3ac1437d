"""Exact answers of the geometric pseudo-labels (session 8, written for mutation testing of
core/adapt/geometric.py).

No images: a fake verifier gives each photo's direct matches, a fake `verify_pair` each photo-photo
link's inliers and homography, and a fake `photo_centre_in` reads the chained homography's
translation as the centre, so every label below is worked out by hand. Tiles 0-3; the tile under
a point (i, fx, fy) of tile i is i + floor(fx) + floor(fy) (None outside 0-3).
"""

import math
from types import SimpleNamespace as NS

import numpy as np
import pytest

from geolocator.core.adapt import geometric
from geolocator.core.adapt.geometric import GeoLabel, GeometrySettings, geometric_labels
from geolocator.core.progress import CancelToken, Cancelled
from geolocator.core.rerank import VerifySettings


def T(tx, ty=0.5, scale=1.0):
    return np.array([[scale, 0, tx], [0, 1, ty], [0, 0, 1]], float)


def L(tx):
    """A photo-photo link: a shift along x only."""
    return T(tx, 0.0)


class Tile:
    def __init__(self, i):
        self.i = i

    def point_at(self, fx, fy):
        return (self.i, fx, fy)


class TileSet:
    def __init__(self):
        self.tiles = [Tile(i) for i in range(4)]
        self.asked = []

    def tile_at(self, point):
        self.asked.append(point)
        i, fx, fy = point
        j = i + math.floor(fx) + math.floor(fy)
        return j if 0 <= j < 4 else None


class Verifier:
    def __init__(self, direct, no_photo=(), min_inliers=8, cancel_at=None, cancel=None):
        self.settings = VerifySettings(min_inliers=min_inliers)
        self.direct, self.no_photo = direct, set(no_photo)
        self.verified, self.photos, self.tiles = [], [], []
        self.cancel_at, self.cancel = cancel_at, cancel
        self.passes_begun_at: list[int] = []  # photos verified when each pass began

    def begin_pass(self):
        self.passes_begun_at.append(len(self.verified))

    def verify_photo(self, query, tiles, candidates, cancel=None):
        self.verified.append((query, list(candidates)))
        self.tiles_given = tiles
        if query == self.cancel_at:
            self.cancel.cancel()
        return [NS(inliers=n, homography=h, centre=c) for n, h, c in self.direct[query]]

    def photo(self, query):
        self.photos.append(query)
        return None if query in self.no_photo else NS(name=query)

    def described(self, query):  # the real one keeps descriptions (Verifier.described); this one asks each time
        return self.photo(query)

    def tile(self, tile):
        self.tiles.append(tile.i)
        return ("T", tile.i)


def make_fakes(monkeypatch):
    """(Not a fixture: training/mutation_check_direct.py gives tests tmp_path and monkeypatch only.)"""
    links, calls, centres = {}, [], []
    quick, looked = {}, []  # a learned link's first look (geometric.quick_link): {(photo, partner): inliers}
    headings = []  # the heading each glued link was given (None: SIFT, or no first look)

    def verify_pair(p, a, settings, expected_share=None, heading=None):
        calls.append((p.name, a.name, settings.min_inliers, expected_share))
        headings.append(heading)
        n, h = links.get((p.name, a.name), (0, None))
        return NS(inliers=n, homography=h)

    def photo_centre_in(h, photo, tile):
        centres.append((h.copy(), photo.name, tile))
        return (float(h[0, 2]), float(h[1, 2]))

    class Clock:
        def __init__(self, total):
            self.total = total

        def eta(self, done):
            return f"{done}/{self.total}"

    def quick_link(p, a, settings, heading=None):
        looked.append((p.name, a.name))
        assert heading == ("heading", p.name, a.name)  # the link's own heading, searched once
        return quick.get((p.name, a.name), 1000)  # not hopeless unless a test says so

    def link_heading(p, a):
        return ("heading", p.name, a.name)

    monkeypatch.setattr(geometric, "verify_pair", verify_pair)
    monkeypatch.setattr(geometric, "quick_link", quick_link)
    monkeypatch.setattr(geometric, "link_heading", link_heading)
    monkeypatch.setattr(geometric, "photo_centre_in", photo_centre_in)
    monkeypatch.setattr(geometric, "EtaClock", Clock)
    return NS(links=links, calls=calls, centres=centres, quick=quick, looked=looked, headings=headings)


def test_settings_defaults():
    assert GeometrySettings() == GeometrySettings(anchor_inliers=12, link_inliers=12, links=48, rounds=3,
                                                  max_photos=4000)
    assert GeoLabel(1, 2) == GeoLabel(1, 2, None)


Q = [f"q{i}" for i in range(9)]
H0, H3 = T(0.25, scale=2.0), T(0.0)
DIRECT = {
    "q0": [(20, T(9), (0.5, 0.5)), (30, H0, (1.5, 0.5))],  # tile 0 (more inliers), centre in tile 1
    "q1": [(10, T(9), (0.5, 0.5))],  # weak on tile 3: replaced by a chain
    "q2": [(7, T(9), (0.5, 0.5))],  # below min_inliers: chained in round 2
    "q3": [(12, H3, (2.0, 0.5)), (12, T(9), (0.5, 0.5))],  # a tie keeps the first; holder 4: none
    "q4": [(9, T(9), (0.5, 0.5))],  # weak, chained through q3 (a tie with q0 later keeps q3)
    "q5": [(7, T(9), (0.5, 0.5))],  # unplaced, no keypoints: no label
    "q6": [(9, T(9), (0.5, 2.5))],  # centre below the tile: fy beyond 2, keeps its tile
    "q7": [(8, T(9), (-1.0, 0.5))],  # exactly min_inliers; fx exactly -1: moved to tile 2
    "q8": [(8, T(9), None)],  # no centre: keeps its tile
}
CANDIDATES = np.array([[2, 0], [3, 3], [1, 1], [2, 1], [2, 2], [0, 0], [1, 1], [3, 3], [1, 1]])
LINKS = {
    ("q1", "q3"): (15, L(0.3)), ("q1", "q0"): (40, L(0.5)),  # min(40, 30) = 30 beats min(15, 12)
    ("q2", "q0"): (5, L(0.0)), ("q2", "q3"): (5, L(0.0)),
    ("q4", "q3"): (12, L(0.5)), ("q4", "q0"): (12, L(0.0)),  # min(12, 30) = 12: no better
    ("q2", "q1"): (12, L(0.25)), ("q2", "q4"): (20, L(0.0)),  # min(20, 12) = 12: no better
}


def similarity():
    s = np.zeros((9, 9))
    s[1, [0, 3]] = [0.5, 0.9]
    s[2, [0, 1, 3, 4]] = [0.2, 0.15, 0.1, 0.05]
    s[4, [0, 1, 3]] = [0.3, 0.35, 0.4]
    return s


def test_direct_and_chained_labels_by_hand(monkeypatch):
    fakes = make_fakes(monkeypatch)
    fakes.links.update(LINKS)
    ts = TileSet()
    ver = Verifier(DIRECT, no_photo={"q5", "q6", "q7", "q8"})
    events = []
    labels = geometric_labels(Q, ts, CANDIDATES, similarity(), ver, GeometrySettings(rounds=5),
                              progress=events.append)
    # q1 through q0: H0 @ link = [[2, 0, 0.25 + 2 * 0.5], ...] -> centre (1.25, 0.5) in tile 0 -> tile 1
    # q2 through q1: (H0 @ T(0.5)) @ T(0.25) -> fx 1.25 + 2 * 0.25 = 1.75 in tile 0 -> tile 1
    # q4 through q3: H3 @ T(0.5) -> (0.5, 0.5) in tile 2
    assert labels == [GeoLabel(1, 30, None), GeoLabel(1, 30, 0), GeoLabel(1, 12, 1), GeoLabel(2, 12, None),
                      GeoLabel(2, 12, 3), None, GeoLabel(1, 9, None), GeoLabel(2, 8, None), GeoLabel(1, 8, None)]
    assert [(c[0], c[1], c[2], c[3]) for c in fakes.calls] == [
        ("q1", "q3", 8, 1.0), ("q1", "q0", 8, 1.0), ("q2", "q0", 8, 1.0), ("q2", "q3", 8, 1.0),
        ("q4", "q3", 8, 1.0), ("q4", "q0", 8, 1.0), ("q2", "q1", 8, 1.0), ("q2", "q4", 8, 1.0)]
    assert [c[3] for c in fakes.calls] == [1.0] * 8
    assert ver.verified == [(q, list(c)) for q, c in zip(Q, CANDIDATES.tolist())]
    assert ver.tiles_given is ts.tiles
    assert sorted(ver.photos) == sorted(["q1", "q3", "q0", "q2", "q4", "q5", "q6", "q7", "q8"])  # each once
    assert [(c[1], c[2]) for c in fakes.centres] == [("q1", ("T", 2)), ("q1", ("T", 0)), ("q4", ("T", 2)),
                                                      ("q2", ("T", 0))]
    assert np.allclose(fakes.centres[1][0], [[2, 0, 1.25], [0, 1, 0.5], [0, 0, 1]])
    assert np.allclose(fakes.centres[3][0], [[2, 0, 1.75], [0, 1, 0.5], [0, 0, 1]])
    # the tile under each kept centre is asked for (q3's in range, q6's not, q8's none)
    assert sorted(ts.asked) == sorted([(0, 1.5, 0.5), (0, 1.25, 0.5), (0, 1.75, 0.5), (2, 2.0, 0.5),
                                       (2, 0.5, 0.5), (3, -1.0, 0.5)])
    direct = [(e.stage, e.step, e.total, e.message, e.eta_s) for e in events[:9]]
    assert direct == [("geometry", k, 9, "matching photos to tiles", f"{k}/9") for k in range(1, 10)]
    chained = [(e.stage, e.step, e.total, e.message, e.eta_s) for e in events[9:]]
    want = [("geometry", k, n, f"matching photos to each other (round {r})", f"{k}/{n}")
            for r, n in ((1, 7), (2, 5), (3, 4)) for k in range(1, n + 1)]
    assert chained == want


def test_links_limit_the_partners_most_similar_first_and_ties_keep_order(monkeypatch):
    fakes = make_fakes(monkeypatch)
    ts = TileSet()
    direct = {"a": [(30, T(0.0), (0.5, 0.5))], "b": [(20, T(0.0), (0.5, 0.5))], "c": [(0, T(0.0), None)]}
    s = np.zeros((3, 3))
    s[2] = [0.5, 0.5, 1.0]  # a tie between a and b: a (listed first) is tried
    fakes.links[("c", "a")] = (13, L(0.0))
    fakes.links[("c", "b")] = (50, L(0.0))
    labels = geometric_labels(["a", "b", "c"], ts, np.array([[0], [1], [2]]), s, Verifier(direct),
                              GeometrySettings(links=1, rounds=1))
    assert [c[:2] for c in fakes.calls] == [("c", "a")]
    assert labels[2] == GeoLabel(0, 13, 0)
    fakes.calls.clear()
    s[2] = [0.4, 0.5, 1.0]
    labels = geometric_labels(["a", "b", "c"], ts, np.array([[0], [1], [2]]), s, Verifier(direct),
                              GeometrySettings(links=2, rounds=1))
    assert [c[:2] for c in fakes.calls] == [("c", "b"), ("c", "a")]
    assert labels[2] == GeoLabel(1, 20, 1)  # min(50, 20) beats min(13, 30)


def test_thresholds_of_anchors_links_and_rounds(monkeypatch):
    fakes = make_fakes(monkeypatch)
    ts = TileSet()
    direct = {"a": [(15, T(0.0), (0.5, 0.5))], "b": [(9, T(0.0), (0.5, 0.5))], "c": [(0, T(0.0), None)]}
    s = np.zeros((3, 3))
    s[2] = [0.9, 0.8, 0]
    fakes.links[("b", "a")] = (10, L(0.0))
    fakes.links[("c", "a")] = (10, L(0.0))
    fakes.links[("c", "b")] = (16, L(0.0))
    # anchor_inliers 15: a anchors; link_inliers 10: b (strength 10 > 9) and c (10) chain in round 1;
    # b's 10 is below 15, so in round 2 it anchors nobody; c tries b only if b anchors
    g = GeometrySettings(anchor_inliers=15, link_inliers=10, rounds=3)
    labels = geometric_labels(["a", "b", "c"], ts, np.array([[0], [1], [2]]), s, Verifier(direct), g)
    assert labels == [GeoLabel(0, 15, None), GeoLabel(0, 10, 0), GeoLabel(0, 10, 0)]
    assert [c[:2] for c in fakes.calls] == [("b", "a"), ("c", "a")]
    fakes.calls.clear()
    g = GeometrySettings(anchor_inliers=10, link_inliers=11, rounds=3)  # b anchors (9 < 10: no)
    labels = geometric_labels(["a", "b", "c"], ts, np.array([[0], [1], [2]]), s, Verifier(direct), g)
    # a (15) anchors; b's link 10 < 11; c's link to a 10 < 11: nothing chains
    assert labels == [GeoLabel(0, 15, None), GeoLabel(1, 9, None), None]
    assert [c[:2] for c in fakes.calls] == [("b", "a"), ("c", "a")]
    fakes.calls.clear()
    g = GeometrySettings(anchor_inliers=9, link_inliers=11, rounds=0)  # no chaining rounds
    labels = geometric_labels(["a", "b", "c"], ts, np.array([[0], [1], [2]]), s, Verifier(direct), g)
    assert labels == [GeoLabel(0, 15, None), GeoLabel(1, 9, None), None] and fakes.calls == []
    g = GeometrySettings(anchor_inliers=9, link_inliers=11, rounds=1)  # b anchors at exactly 9
    labels = geometric_labels(["a", "b", "c"], ts, np.array([[0], [1], [2]]), s, Verifier(direct), g)
    assert [c[:2] for c in fakes.calls] == [("c", "a"), ("c", "b")]
    assert labels[2] == GeoLabel(1, 9, 1)  # min(16, 9)


def test_default_settings_and_min_inliers_of_the_verifier(monkeypatch):
    fakes = make_fakes(monkeypatch)
    ts = TileSet()
    direct = {"a": [(12, T(0.0), (0.5, 0.5))], "b": [(11, T(0.0), (0.5, 0.5))], "c": [(5, T(0.0), (0.5, 0.5))]}
    s = np.zeros((3, 3))
    fakes.links[("b", "a")] = (12, L(0.0))
    fakes.links[("c", "a")] = (11, L(0.0))
    ver = Verifier(direct, min_inliers=6)
    labels = geometric_labels(["a", "b", "c"], ts, np.array([[0], [1], [2]]), s, ver)
    # defaults: a (12) anchors, b chains through it at exactly 12, c's link 11 is too weak; c's 5 < 6
    assert labels == [GeoLabel(0, 12, None), GeoLabel(0, 12, 0), None]
    # one pass, begun before the first photo: no mosaic an earlier locate verified is skipped (session 13)
    assert ver.passes_begun_at == [0] and len(ver.verified) == 3


def test_cancel_before_matching_and_between_chains(monkeypatch):
    fakes = make_fakes(monkeypatch)
    ts = TileSet()
    token = CancelToken()
    token.cancel()
    ver = Verifier({"a": [(30, T(0.0), None)]})
    with pytest.raises(Cancelled):
        geometric_labels(["a"], ts, np.array([[0]]), np.zeros((1, 1)), ver, cancel=token)
    assert ver.verified == []
    token = CancelToken()
    direct = {"a": [(30, T(0.0), None)], "b": [(0, T(0.0), None)]}
    fakes.links[("b", "a")] = (20, L(0.0))
    ver = Verifier(direct, cancel_at="b", cancel=token)  # cancelled while b is matched to tiles
    with pytest.raises(Cancelled):
        geometric_labels(["a", "b"], ts, np.array([[0], [1]]), np.zeros((2, 2)), ver, cancel=token)
    assert fakes.calls == []


def test_an_anchor_without_keypoints_is_passed_over(monkeypatch):
    fakes = make_fakes(monkeypatch)
    direct = {"a": [(30, T(0.0), (0.5, 0.5))], "b": [(20, T(0.0), (0.5, 0.5))], "c": [(0, T(0.0), None)]}
    s = np.zeros((3, 3))
    s[2] = [0.9, 0.5, 0]
    fakes.links[("c", "b")] = (15, L(0.0))
    labels = geometric_labels(["a", "b", "c"], TileSet(), np.array([[0], [1], [2]]), s,
                              Verifier(direct, no_photo={"a"}))
    assert labels[2] == GeoLabel(1, 15, 1) and [c[:2] for c in fakes.calls] == [("c", "b")]


def test_a_chain_must_beat_the_photo_s_own_weak_match(monkeypatch):
    fakes = make_fakes(monkeypatch)
    direct = {"a": [(30, T(0.0), (0.5, 0.5))], "b": [(10, T(0.0), (0.5, 0.5))]}
    fakes.links[("b", "a")] = (8, L(0.0))  # strength 8: a link (>= 5) but weaker than b's own 10
    labels = geometric_labels(["a", "b"], TileSet(), np.array([[0], [1]]), np.zeros((2, 2)), Verifier(direct),
                              GeometrySettings(link_inliers=5))
    assert labels == [GeoLabel(0, 30, None), GeoLabel(1, 10, None)]


def test_no_anchor_at_all_and_a_centre_beyond_minus_one(monkeypatch):
    make_fakes(monkeypatch)
    # weak matches only: nothing anchors, nothing chains; b's centre at fx -1.5 is a degenerate
    # fit (tile 3 + floor(-1.5) would be tile 1): it keeps its tile
    direct = {"a": [(9, T(0.0), (0.5, 0.5))], "b": [(9, T(0.0), (-1.5, 0.5))]}
    labels = geometric_labels(["a", "b"], TileSet(), np.array([[0], [3]]), np.zeros((2, 2)), Verifier(direct))
    assert labels == [GeoLabel(0, 9, None), GeoLabel(3, 9, None)]


def test_partners_with_equal_similarity_keep_their_order_among_many(monkeypatch):
    fakes = make_fakes(monkeypatch)
    n = 60  # 59 anchors (numpy's default sort reorders ties at this size), then the photo to chain
    names = [f"p{i}" for i in range(n)]
    direct = {q: [(30, T(0.0), None)] for q in names[:-1]}
    direct[names[-1]] = [(0, T(0.0), None)]
    s = np.zeros((n, n))
    s[-1, :-1] = [0.5, 0.2] * 29 + [0.5]
    labels = geometric_labels(names, TileSet(), np.zeros((n, 1), int), s, Verifier(direct),
                              GeometrySettings(links=4, rounds=1))
    assert [c[1] for c in fakes.calls] == ["p0", "p2", "p4", "p6"]
    assert labels[-1] is None
