"""Photos verified side by side (core/photo_pool.py): the same answers as one at a time, Cancel
still stops within a pair and resumes to the uninterrupted answers, errors come back in order."""

import threading
import time

import pytest

from geolocator.core import rerank
from geolocator.core.errors import Cancelled
from geolocator.core.photo_pool import MAX_AUTO_WORKERS, cores, map_photos, photo_workers
from geolocator.core.progress import CancelToken

from .demo_features import demo_workspace, load_demo_features
from .test_cancel_between_pairs import _cancel_after
from .test_pair_store import _answers


class _ThreadSpy:
    """The photo of each rerank.verify_pair call, photos verified side by side: the photo a thread is
    verifying is that thread's own (test_pair_store._Spy keeps one for all threads)."""

    def __init__(self, monkeypatch):
        self.calls: list[str] = []
        self._local = threading.local()
        real_pair, real_photo = rerank.verify_pair, rerank.Verifier._verify_photo

        def pair(*args, **kwargs):
            self.calls.append(self._local.photo)
            return real_pair(*args, **kwargs)

        def photo(verifier, query, *args, **kwargs):
            self._local.photo = query.path.name
            return real_photo(verifier, query, *args, **kwargs)

        monkeypatch.setattr(rerank, "verify_pair", pair)
        monkeypatch.setattr(rerank.Verifier, "_verify_photo", photo)

    def take(self) -> list[str]:
        out, self.calls = self.calls, []
        return out


def test_results_come_back_in_the_photos_order_and_progress_on_the_callers_thread():
    caller = threading.get_ident()
    seen = []

    def work(i, token):
        time.sleep(0.02 * (5 - i))  # the first photos finish last
        return i * i, threading.get_ident()

    out = map_photos(work, range(5), workers=3, done=lambda k, i: seen.append((k, i, threading.get_ident())))
    assert [r for r, _ in out] == [0, 1, 4, 9, 16]
    assert len({t for _, t in out} - {caller}) >= 2  # they ran on the pool's threads, more than one
    assert seen == [(k, k - 1, caller) for k in range(1, 6)]


def test_the_first_error_in_order_is_raised_after_the_running_photos_stopped():
    token_seen = []
    stopped = threading.Event()

    def work(i, token):
        if i == 1:
            raise ValueError("photo 1 is damaged")
        if i == 0:  # still running when photo 1 fails: told to stop through its token
            token_seen.append(token)
            while not token.cancelled:
                time.sleep(0.005)
            stopped.set()
            token.check()
        return i

    # photo 1's error, not photo 0's stop, is what the caller sees; photo 0 (still running, before it
    # in order) was told to stop and had stopped when map_photos raised (before: it waited for photo
    # 0 forever)
    with pytest.raises(ValueError, match="photo 1"):
        map_photos(work, range(4), workers=2)
    assert stopped.is_set() and token_seen[0].cancelled

    def work2(i, token):
        if i == 2:
            raise ValueError("photo 2 is damaged")
        return i

    with pytest.raises(ValueError, match="photo 2"):
        map_photos(work2, range(6), workers=2)


def test_the_users_cancel_reaches_every_thread_with_its_own_message():
    outer = CancelToken()
    started = threading.Barrier(2)

    def work(i, token):
        if i < 2:
            started.wait(timeout=5)  # both running
            if i == 0:
                outer.cancel()
            while True:
                token.check()
                time.sleep(0.005)
        return i

    with pytest.raises(Cancelled, match="cancelled by the user"):
        map_photos(work, range(8), workers=2, cancel=outer)


def test_one_worker_is_a_plain_loop_on_the_callers_thread():
    caller = threading.get_ident()
    assert map_photos(lambda i, t: threading.get_ident(), range(3), workers=1) == [caller] * 3


def test_the_worker_count():
    assert photo_workers(3) == 3
    assert photo_workers(0) == photo_workers(None) == min(cores(), MAX_AUTO_WORKERS)
    with pytest.raises(ValueError, match="-1"):
        photo_workers(-1)


def test_demo_answers_side_by_side_equal_one_at_a_time(tmp_path):
    """The product's path (SIFT, the demo's tiles): 2 photos at once answer as 1 at a time, every
    candidate's inliers alike, and a third run from the pair store alike too."""
    features = load_demo_features()
    one, region = demo_workspace(tmp_path / "one", features, verify_workers=1)
    photos = region.queries[:12]
    expected = one.locate(photos)
    two, _ = demo_workspace(tmp_path / "two", features, verify_workers=2)
    got = two.locate(photos)
    assert _answers(got) == _answers(expected)
    assert [[(m.tile.path.name, m.inliers, m.ground) for m in p.matches] for p in got] == \
        [[(m.tile.path.name, m.inliers, m.ground) for m in p.matches] for p in expected]


def test_a_cancel_side_by_side_resumes_to_the_uninterrupted_answers_verifying_each_pair_once(tmp_path, monkeypatch):
    """Cancel with two photos running: each stops at its next pair; a rerun verifies only the pairs
    not reached (none twice) and answers as a run never stopped."""
    spy = _ThreadSpy(monkeypatch)
    features = load_demo_features()
    whole, region = demo_workspace(tmp_path / "whole", features, verify_candidates=4, verify_workers=1)
    photos = region.queries[20:26]
    expected = whole.locate(photos)
    every = sorted(spy.take())

    token, matcher = CancelToken(), rerank.verify_pair
    _cancel_after(monkeypatch, rerank, "verify_pair", 5, token)  # Cancel pressed as the 5th pair returns
    ws, _ = demo_workspace(tmp_path / "run", features, verify_candidates=4, verify_workers=2)
    with pytest.raises(Cancelled):
        ws.locate(photos, cancel=token)
    first = spy.take()
    assert 5 <= len(first) <= 6  # the other photo's pair under way finished, nothing after it

    monkeypatch.setattr(rerank, "verify_pair", matcher)
    again, _ = demo_workspace(tmp_path / "run", features, verify_candidates=4, verify_workers=2)
    resumed = again.locate(photos)
    assert sorted(first + spy.take()) == every  # each pair once over both runs
    assert _answers(resumed) == _answers(expected)
