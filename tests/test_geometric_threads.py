"""Adaptation's photo-photo chains verified side by side (session 24, issue 13).

The Adapt button's phase spent most of its time chaining photos to each other one at a time
(training/results/bench_gui_session24.md); a round's photos are independent (each reads only what
earlier rounds placed and its own partners tried), so they now run on the photo pool. The fakes of
test_geometric_exact make every label worked out by hand.
"""

import threading

import numpy as np

from geolocator.core.adapt import geometric
from geolocator.core.adapt.geometric import GeoLabel, geometric_labels
from .test_geometric_exact import L, T, TileSet, Verifier, make_fakes

NAMES = ["a", "b", "c", "d", "e"]


def _world(monkeypatch):
    fakes = make_fakes(monkeypatch)
    # a and b are anchors on tiles 0 and 1; c, d, e matched no tile
    direct = {"a": [(30, T(0.0), (0.5, 0.5))], "b": [(30, T(0.0), (0.5, 0.5))],
              "c": [(0, T(0.0), None)], "d": [(0, T(0.0), None)], "e": [(0, T(0.0), None)]}
    fakes.links[("c", "a")] = (15, L(0.25))  # round 1: c through a (tile 0)
    fakes.links[("d", "b")] = (20, L(0.5))  # round 1: d through b (tile 1), stronger than through a
    fakes.links[("d", "a")] = (13, L(0.0))
    fakes.links[("e", "c")] = (18, L(0.5))  # round 2: e only through c, an anchor from round 1 on
    similarity = np.ones((5, 5))
    return fakes, direct, similarity


def _labels(monkeypatch, workers):
    fakes, direct, similarity = _world(monkeypatch)
    labels = geometric_labels(NAMES, TileSet(), np.array([[0], [1], [2], [3], [0]]), similarity,
                              Verifier(direct), workers=workers)
    return labels, sorted(fakes.calls)


def test_a_round_s_photos_are_chained_side_by_side_to_the_same_labels(monkeypatch):
    """The first two links of round 1 must be under way at once (a barrier both must reach; before,
    the chains ran one after another on the caller's thread and the barrier broke), and the labels
    and the links tried are those of one photo at a time."""
    alone, tried_alone = _labels(monkeypatch, 1)
    assert alone == [GeoLabel(0, 30), GeoLabel(1, 30), GeoLabel(0, 15, via=0), GeoLabel(1, 20, via=1),
                     GeoLabel(0, 15, via=2)]

    barrier, lock, first = threading.Barrier(2, timeout=10), threading.Lock(), []
    threads = set()
    fakes, direct, similarity = _world(monkeypatch)
    fake = geometric.verify_pair

    def together(p, a, *args, **kwargs):
        threads.add(threading.current_thread().name)
        with lock:
            wait = len(first) < 2
            first.append(p.name)
        if wait:
            barrier.wait()  # raises BrokenBarrierError when the other link is not running meanwhile
        return fake(p, a, *args, **kwargs)

    monkeypatch.setattr(geometric, "verify_pair", together)
    side = geometric_labels(NAMES, TileSet(), np.array([[0], [1], [2], [3], [0]]), similarity,
                            Verifier(direct), workers=2)
    assert side == alone
    assert sorted(fakes.calls) == tried_alone
    assert len(threads) >= 2


def test_cancel_stops_every_running_chain_at_its_next_link(monkeypatch):
    """Cancel pressed during a link with two photos chaining: Cancelled is raised and no photo goes on
    to its next partner (each photo below has two partners to try)."""
    import pytest

    from geolocator.core.progress import CancelToken, Cancelled

    fakes, direct, similarity = _world(monkeypatch)
    fakes.links[("c", "b")] = (3, L(0.0))
    token = CancelToken()
    fake = geometric.verify_pair

    def pressed(*args, **kwargs):
        out = fake(*args, **kwargs)
        token.cancel()
        return out

    monkeypatch.setattr(geometric, "verify_pair", pressed)
    with pytest.raises(Cancelled):
        geometric_labels(NAMES, TileSet(), np.array([[0], [1], [2], [3], [0]]), similarity, Verifier(direct),
                         workers=2, cancel=token)
    per_photo = [name for name, *_ in fakes.calls]
    assert 1 <= len(per_photo) <= 2 and len(set(per_photo)) == len(per_photo)


def test_a_photo_that_fails_stops_the_other_running_chains_at_their_next_link(monkeypatch):
    """Session 25 (mutant G13, which checked the user's Cancel only): when one photo's link raises,
    the photo chaining beside it stops at its next link (the pool's token), and the error is raised;
    before the token was checked, the other photo went on through all its partners first."""
    import time

    import pytest

    fakes, direct, similarity = _world(monkeypatch)
    fake, real_check = geometric.verify_pair, geometric.check
    tokens, d_linking = {}, threading.Event()

    def seen(token):  # the token each photo's chain checks, by thread
        tokens[threading.current_thread().name] = token
        return real_check(token)

    def failing(p, a, *args, **kwargs):
        if p.name == "c":
            d_linking.wait(10)
            raise RuntimeError("c could not be read")
        if p.name == "d":
            d_linking.set()
            token = tokens.get(threading.current_thread().name)
            end = time.monotonic() + 10
            while (token is None or not token.cancelled) and time.monotonic() < end:
                time.sleep(0.01)  # until the pool has seen c's error (at most 10 s)
        return fake(p, a, *args, **kwargs)

    monkeypatch.setattr(geometric, "check", seen)
    monkeypatch.setattr(geometric, "verify_pair", failing)
    with pytest.raises(RuntimeError, match="c could not be read"):
        geometric_labels(NAMES, TileSet(), np.array([[0], [1], [2], [3], [0]]), similarity, Verifier(direct),
                         workers=2)
    assert [c[:2] for c in fakes.calls if c[0] == "d"] == [("d", "a")]  # d has b left to try: not tried


def hold_first_description(verifier, name: str) -> list[str]:
    """Patch verifier.described so that a first description of photo `name` is held until a second
    one has been asked for (1 s at most): two threads describing it at once would both get through.
    Returns the list of the threads' names that asked for it (one entry per ask)."""
    asked, second, lock = [], threading.Event(), threading.Lock()
    describe = verifier.described

    def described(query):
        if query == name:
            with lock:
                asked.append(threading.current_thread().name)
                if len(asked) >= 2:
                    second.set()
            second.wait(1.0)  # without the per-photo lock the second thread arrives here too; with it, it waits
        return describe(query)

    verifier.described = described
    return asked


def test_a_partner_shared_by_photos_chaining_at_once_is_described_once(monkeypatch):
    """Session 26 (mend26; mend25 saw it reading the code): the chaining rounds' keypoint cache was
    filled from the pool's threads without a lock, so two photos chaining at once through one anchor
    could both describe it. Here c, d and e all try anchor a first, on three threads; the fake
    verifier keeps nothing (Verifier.described asks each time) and holds a first description of a
    until a second one has been asked for (1 s at most): before the lock both threads described a
    (and every label is still the same as one photo at a time); now each photo is described once."""
    from collections import Counter

    alone, tried_alone = _labels(monkeypatch, 1)
    fakes, direct, similarity = _world(monkeypatch)
    verifier = Verifier(direct)
    asked = hold_first_description(verifier, "a")
    side = geometric_labels(NAMES, TileSet(), np.array([[0], [1], [2], [3], [0]]), similarity, verifier,
                            workers=3)
    assert side == alone
    assert sorted(fakes.calls) == tried_alone
    counts = Counter(verifier.photos)
    assert counts["a"] == 1 and len(asked) == 1, (counts, asked)
    assert max(counts.values()) == 1, counts
