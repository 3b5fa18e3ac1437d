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


def test_a_cancel_is_checked_before_each_photo_one_at_a_time_too():
    """map_photos' docstring: `cancel` is checked before each photo starts, whatever the worker count.
    With one worker (a plain loop) a Cancel pressed during photo 0 stops before photo 1 starts, even
    when the work itself never looks at the token (session 24: a mutant without that check passed)."""
    outer = CancelToken()
    started = []

    def work(i, token):
        started.append(i)
        outer.cancel()  # pressed while photo i runs; this work never checks
        return i

    with pytest.raises(Cancelled):
        map_photos(work, range(3), workers=1, cancel=outer)
    assert started == [0]


def test_the_pools_token_reads_cancelled_when_the_user_cancels():
    """The token a photo's work gets (_Linked) reads `cancelled` as soon as the caller's token is
    cancelled, not only through check(): work that polls it (as test_the_first_error_in_order… does)
    stops at the user's Cancel (session 24: a mutant reading only the pool's own event passed)."""
    outer = CancelToken()
    both = threading.Barrier(2)
    saw = {}

    def work(i, token):
        if i < 2:
            both.wait(timeout=5)
            if i == 1:
                outer.cancel()
                return i
            deadline = time.monotonic() + 5.0
            while not token.cancelled and time.monotonic() < deadline:
                time.sleep(0.005)
            saw[i] = token.cancelled
        return i

    with pytest.raises(Cancelled, match="cancelled by the user"):
        map_photos(work, range(4), workers=2, cancel=outer)
    assert saw == {0: True}


def test_photos_finished_after_a_cancel_are_not_reported():
    """map_photos: photos that finish after the user's Cancel are not reported through `done` (the job
    ends as at the Cancel: no progress moves after it). The Cancel is pressed as photo 0 finishes
    (session 24: a mutant that kept reporting finished photos after a Cancel passed every test, and
    one that raised the pool's own "stopped" instead of the user's Cancel when no photo raised)."""
    outer = CancelToken()
    reported = []
    both = threading.Barrier(2)

    def work(i, token):
        both.wait(timeout=5)  # both running before the Cancel: neither raises
        if i == 0:
            outer.cancel()
        else:
            time.sleep(0.3)  # photo 0, cancelled and done, comes back first
        return i

    # the Cancel raised is the user's, though no photo raised one (each returned)
    with pytest.raises(Cancelled, match="cancelled by the user"):
        map_photos(work, range(2), workers=2, cancel=outer, done=lambda k, i: reported.append(i))
    assert reported == []


def test_torch_and_opencv_run_one_thread_each_in_the_pool_and_are_restored_after():
    """Each photo's thread is one core's work: torch and OpenCV on one intra-op thread while the pool
    runs, and what they had before once it is done (a locate's adaptation after verification keeps
    its threads). Session 24: mutants that skipped OpenCV's setting or torch's restore passed."""
    torch = pytest.importorskip("torch")
    cv2 = pytest.importorskip("cv2")
    before = torch.get_num_threads(), cv2.getNumThreads()
    try:
        torch.set_num_threads(2)
        cv2.setNumThreads(2)
        seen = map_photos(lambda i, t: (torch.get_num_threads(), cv2.getNumThreads()), range(3), workers=2)
        assert seen == [(1, 1)] * 3
        assert (torch.get_num_threads(), cv2.getNumThreads()) == (2, 2)
    finally:
        torch.set_num_threads(before[0])
        cv2.setNumThreads(before[1])


def test_cores_are_those_this_process_may_run_on(monkeypatch):
    """cores(): the CPU affinity where the OS gives it (a container or `taskset` allows fewer cores than
    the machine has; one thread per core of the machine would oversubscribe them), else cpu_count.
    Session 24: a mutant that always read cpu_count passed (here the two agree)."""
    import os

    from geolocator.core import photo_pool

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert photo_pool.cores() == 1 and photo_pool.photo_workers(0) == 1

    def no_affinity(pid):
        raise AttributeError("no affinity call here")

    monkeypatch.setattr(os, "sched_getaffinity", no_affinity, raising=False)
    assert photo_pool.cores() == 16 and photo_pool.photo_workers(None) == MAX_AUTO_WORKERS
