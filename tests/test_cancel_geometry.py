"""Cancelling during geometric verification (locate) and during photo-to-photo chaining (adapt)
stops within one photo and leaves the previous results and adapter in place (demo photos, with the
backbone's committed features)."""

from __future__ import annotations

import pytest

from geolocator.core.errors import Cancelled
from geolocator.core.progress import CancelToken

from .demo_features import demo_workspace


def _cancel_when(token, events, predicate):
    def progress(event):
        events.append(event)
        if predicate(event):
            token.cancel()

    return progress


def test_cancel_during_verification_keeps_the_last_results(tmp_path):
    ws, region = demo_workspace(tmp_path, verify_candidates=3)
    first = ws.locate(region.queries[:2])
    before = ws.last
    token, events = CancelToken(), []
    with pytest.raises(Cancelled):
        ws.locate(region.queries[10:30], cancel=token,
                  progress=_cancel_when(token, events, lambda e: e.stage == "verify" and e.step == 2))
    verify_steps = [e.step for e in events if e.stage == "verify"]
    assert verify_steps == [1, 2]  # stopped before the third photo
    assert ws.last is before and ws.last.predictions == first
    # and the workspace still works afterwards
    assert len(ws.locate(region.queries[10:13])) == 3


@pytest.mark.slow  # 18 photos matched to tiles first: ~10 s of CPU
def test_cancel_during_chaining_saves_no_adapter(tmp_path):
    ws, region = demo_workspace(tmp_path, verify_candidates=2)
    photos = region.queries[::6]  # 18 photos; with 2 candidates several match no tile and need chains
    token, events = CancelToken(), []
    out = tmp_path / "cancelled.safetensors"
    chaining = lambda e: e.stage == "geometry" and "each other" in e.message  # noqa: E731
    with pytest.raises(Cancelled):
        ws.adapt(photos, mode="best", steps=2, save_to=out, cancel=token, progress=_cancel_when(token, events, chaining))
    direct = [e for e in events if e.stage == "geometry" and "tiles" in e.message]
    chained = [e for e in events if chaining(e)]
    assert len(direct) == len(photos)  # every photo was matched to its tiles first
    assert len(chained) == 1  # then the first chained photo, and no other
    assert not any(e.stage == "adapt" for e in events)
    assert not out.exists() and not list(tmp_path.glob("**/*.part")) and ws.adapter is None
