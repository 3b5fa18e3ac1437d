"""At most GeometrySettings.link_cap links a photo and round glued, in first-look order (session 27,
issue 13's time goal for the Adapt button; an option, off by default: it cost rotterdam-cir one
right photo in the app's A/B).

Session 26 looked at each partner (quick_link) just before gluing it, in partner-score order, and
glued every one whose first look reached link_precheck. Now every first look of a photo's round is
taken before any glue, and at most link_cap (3) links with a first look >= link_precheck are glued,
the highest first look first; link_cap 0 (the default) keeps session 26's order. The fakes of
test_geometric_exact (fake first looks, glue counts and partner scores), so every call is by hand.
"""


import numpy as np
import pytest

from geolocator.core.adapt import geometric
from geolocator.core.adapt.geometric import GeoLabel, GeometrySettings, geometric_labels
from geolocator.core.progress import CancelToken, Cancelled
from .test_geometric_exact import L, T, TileSet, make_fakes
from .test_geometric_learned_links import NAMES, _learned, _scores, _setup
from .test_geometric_threads import hold_first_description

CAND = np.array([[i] for i in range(6)]) % 4  # a0..a3 on tiles 0..3, a4 on tile 0


def _events(monkeypatch, fakes):
    """One list of what happened, in order: ("look", partner) for a first look, ("glue", partner)."""
    events = []
    look, glue = geometric.quick_link, geometric.verify_pair

    def looked(p, a, *args, **kwargs):
        events.append(("look", a.name))
        return look(p, a, *args, **kwargs)

    def glued(p, a, *args, **kwargs):
        events.append(("glue", a.name))
        return glue(p, a, *args, **kwargs)

    monkeypatch.setattr(geometric, "quick_link", looked)
    monkeypatch.setattr(geometric, "verify_pair", glued)
    return events


def _world(monkeypatch):
    """c's partners a0..a4 in that partner-score order; first looks 15, 11, 60, 15, 30; every glue
    finds 30 inliers (not clear: below the early stop of 40), so nothing stops a photo's search."""
    fakes = make_fakes(monkeypatch)
    direct, s = _setup()
    _scores(monkeypatch, {("c", "a0"): 50, ("c", "a1"): 40, ("c", "a2"): 30, ("c", "a3"): 20, ("c", "a4"): 10})
    for name, look in zip(["a0", "a1", "a2", "a3", "a4"], [15, 11, 60, 15, 30]):
        fakes.quick[("c", name)] = look
        fakes.links[("c", name)] = (30, L(0.0))
    return fakes, direct, s, _events(monkeypatch, fakes)


def test_every_first_look_comes_before_the_three_best_are_glued(monkeypatch):
    """A cap of 3: the five first looks, then a2 (60), a4 (30) and a0 (15, a tie with a3 broken
    by the partner-score order); a3 is past the cap, a1 below link_precheck (12). Session 26 glued a0,
    a2, a3 and a4, each right after its own first look."""
    fakes, direct, s, events = _world(monkeypatch)
    labels = geometric_labels(NAMES, TileSet(), CAND, s, _learned(direct), GeometrySettings(rounds=1, link_cap=3))
    assert events == [("look", "a0"), ("look", "a1"), ("look", "a2"), ("look", "a3"), ("look", "a4"),
                      ("glue", "a2"), ("glue", "a4"), ("glue", "a0")]
    assert fakes.headings == [("heading", "c", "a2"), ("heading", "c", "a4"), ("heading", "c", "a0")]
    assert labels[5] is None  # 30 inliers: no clear link, no chain


def test_the_cap_is_off_by_default():
    """Session 27's A/B in the app: with a cap of 3 rotterdam-cir's R@1 after Adapt fell from 60.2 to
    59.2 (links27_session27.md), so the default keeps session 26's order."""
    assert GeometrySettings().link_cap == 0


def test_a_clear_link_still_ends_the_search(monkeypatch):
    """a2 (the best first look) glues 39, not clear; a4 glues 45: a chain as strong as the early
    stop, so a0 (third by its first look) is not glued."""
    fakes, direct, s, events = _world(monkeypatch)
    fakes.links[("c", "a2")] = (39, L(0.0))
    fakes.links[("c", "a4")] = (45, L(0.0))
    labels = geometric_labels(NAMES, TileSet(), CAND, s, _learned(direct), GeometrySettings(rounds=1, link_cap=3))
    assert [e for e in events if e[0] == "glue"] == [("glue", "a2"), ("glue", "a4")]
    assert labels[5] == GeoLabel(0, 45, 4)  # min(45, 60) through a4, on tile 0


def test_links_below_link_precheck_are_never_glued_however_much_room(monkeypatch):
    """Only a0 (12, exactly enough) of five partners reaches link_precheck: one glue, with room for
    two more under the cap and under a cap of 8."""
    fakes, direct, s, events = _world(monkeypatch)
    for name, look in zip(["a0", "a1", "a2", "a3", "a4"], [12, 11, 0, 5, 11]):
        fakes.quick[("c", name)] = look
    for cap in (3, 8):
        events.clear()
        geometric_labels(NAMES, TileSet(), CAND, s, _learned(direct), GeometrySettings(rounds=1, link_cap=cap))
        assert [e for e in events if e[0] == "glue"] == [("glue", "a0")]
        assert len([e for e in events if e[0] == "look"]) == 5


def test_cap_off_is_session_26_s_order_and_a_large_cap_the_same_links(monkeypatch):
    """link_cap 0 (the A of the A/B): each partner looked at just before its glue, in partner-score
    order, every one >= 12 glued: a0, a2, a3, a4. A cap as large as the partners glues those same
    links, in first-look order."""
    fakes, direct, s, events = _world(monkeypatch)
    geometric_labels(NAMES, TileSet(), CAND, s, _learned(direct), GeometrySettings(rounds=1, link_cap=0))
    assert events == [("look", "a0"), ("glue", "a0"), ("look", "a1"), ("look", "a2"), ("glue", "a2"),
                      ("look", "a3"), ("glue", "a3"), ("look", "a4"), ("glue", "a4")]
    events.clear()
    geometric_labels(NAMES, TileSet(), CAND, s, _learned(direct), GeometrySettings(rounds=1, link_cap=8))
    assert [e for e in events if e[0] == "glue"] == [("glue", "a2"), ("glue", "a4"), ("glue", "a0"), ("glue", "a3")]


def test_partners_looked_at_are_not_looked_at_again_next_round(monkeypatch):
    """Round 1: d chains through a2 (45, clear) and anchors round 2; c looks at a0, a1 and a2 and
    glues only a1 (the best first look, 39 inliers: no chain) under a cap of 1. Round 2: c's only
    partner not looked at is d (a0 and a2, past the cap, are tried): c chains through d."""
    fakes = make_fakes(monkeypatch)
    events = _events(monkeypatch, fakes)
    names = ["a0", "a1", "a2", "d", "c"]
    direct = {n: [(60, T(0.0), (0.5, 0.5))] for n in ("a0", "a1", "a2")}
    direct["d"] = direct["c"] = [(0, T(0.0), None)]
    s = np.zeros((5, 5))
    s[3, :3] = [0.9, 0.8, 0.7]
    s[4, :4] = [0.9, 0.8, 0.7, 0.6]
    _scores(monkeypatch, {("d", "a2"): 9, ("c", "a0"): 10, ("c", "a1"): 4, ("c", "a2"): 3, ("c", "d"): 9})
    fakes.quick.update({("d", "a2"): 50, ("d", "a0"): 5, ("d", "a1"): 5, ("c", "a0"): 20, ("c", "a1"): 30, ("c", "a2"): 25})
    fakes.links[("d", "a2")] = (45, L(0.0))
    fakes.links[("c", "a1")] = (39, L(0.0))
    fakes.links[("c", "d")] = (42, L(0.0))
    labels = geometric_labels(names, TileSet(), np.array([[0], [1], [2], [3], [3]]), s, _learned(direct),
                              GeometrySettings(learned_links=3, rounds=3, link_cap=1))
    assert fakes.looked == [("d", "a2"), ("d", "a0"), ("d", "a1"), ("c", "a0"), ("c", "a1"), ("c", "a2"), ("c", "d")]
    assert [c[:2] for c in fakes.calls] == [("d", "a2"), ("c", "a1"), ("c", "d")]
    assert labels[3] == GeoLabel(2, 45, 2) and labels[4] == GeoLabel(2, 42, 3)
    assert events[-2:] == [("look", "d"), ("glue", "d")]


def test_cancel_between_first_looks_glues_nothing(monkeypatch):
    """Cancel pressed during c's first look at a0: Cancelled, and no other first look nor any glue
    (session 26 glued a0 right after that first look before it checked the token)."""
    fakes, direct, s, events = _world(monkeypatch)
    token = CancelToken()
    look = geometric.quick_link

    def cancelling(p, a, *args, **kwargs):
        token.cancel()
        return look(p, a, *args, **kwargs)

    monkeypatch.setattr(geometric, "quick_link", cancelling)
    with pytest.raises(Cancelled):
        geometric_labels(NAMES, TileSet(), CAND, s, _learned(direct), GeometrySettings(rounds=1, link_cap=3),
                         cancel=token)
    assert events == [("look", "a0")]


def test_photos_sharing_a_partner_on_three_threads_describe_it_once_with_the_cap(monkeypatch):
    """Session 26's lock (each photo described once) holds where the first looks describe the
    partners: c, d and e look at anchor a first, on three threads; the fake verifier keeps nothing and
    holds a first description of a until a second is asked for (1 s at most). The same labels and
    links as one photo at a time."""
    from collections import Counter

    def world():
        fakes = make_fakes(monkeypatch)
        names = ["a", "b", "c", "d", "e"]
        direct = {"a": [(60, T(0.0), (0.5, 0.5))], "b": [(60, T(0.0), (0.5, 0.5))],
                  "c": [(0, T(0.0), None)], "d": [(0, T(0.0), None)], "e": [(0, T(0.0), None)]}
        _scores(monkeypatch, {(p, "a"): 9 for p in "cde"})
        for p in "cde":
            fakes.links[(p, "a")] = (45, L(0.0))
        return fakes, names, direct, np.ones((5, 5))

    fakes, names, direct, s = world()
    cand = np.array([[0], [1], [2], [3], [0]])
    alone = geometric_labels(names, TileSet(), cand, s, _learned(direct), GeometrySettings(link_cap=3), workers=1)
    links_alone = sorted(c[:2] for c in fakes.calls)
    assert alone[2:] == [GeoLabel(0, 45, 0)] * 3 and links_alone == [("c", "a"), ("d", "a"), ("e", "a")]

    fakes, names, direct, s = world()
    verifier = _learned(direct)
    asked = hold_first_description(verifier, "a")
    side = geometric_labels(names, TileSet(), cand, s, verifier, GeometrySettings(link_cap=3), workers=3)
    assert side == alone and sorted(c[:2] for c in fakes.calls) == links_alone
    counts = Counter(verifier.photos)
    assert counts["a"] == 1 and len(asked) == 1 and max(counts.values()) == 1, (counts, asked)
