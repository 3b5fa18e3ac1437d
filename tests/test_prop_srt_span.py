"""Property tests of telemetry.span_mismatch (video37: an .SRT from before its clip was trimmed), propfuzz37.
A drone writes one cue a frame or a second from 0 s to its clip's end: such a sidecar always pairs with its clip,
whatever the clip's length, rate and the header's rounding. The same sidecar beside the clip trimmed by more than
max(1 s, 2 %) at either end never pairs. Any length (0, negative, NaN, infinite) and any record list never raise.
"""

from __future__ import annotations

import math

from hypothesis import given, strategies as st

from geolocator.core.media.telemetry import FrameTelemetry, span_mismatch

from .prop_profile import prop


def _cues(length_s: float, step_s: float) -> list[FrameTelemetry]:
    """The cues a drone writes for a clip of `length_s`: one every `step_s` from 0 s, the last before the end (the
    first two and last two of them: span_mismatch reads the ends; an hour at 60 cues a second is 216,000 records)."""
    n = max(1, math.ceil(length_s / step_s - 1e-9))
    return [FrameTelemetry(time_s=round(i * step_s, 3)) for i in sorted({0, min(1, n - 1), max(0, n - 2), n - 1})]


lengths = st.floats(0.2, 3600.0)
steps = st.sampled_from([1 / 60, 1 / 30, 1 / 25, 1 / 24, 0.5, 1.0])


@given(lengths, steps, st.floats(-0.05, 0.05))
@prop(100)
def test_a_drones_own_srt_always_pairs_with_its_clip(length_s, step_s, rounding_s):
    records = _cues(length_s, step_s)
    assert span_mismatch(records, max(0.01, length_s + rounding_s)) is None


@given(lengths, steps, st.floats(0.01, 5.0))
@prop(100)
def test_a_clip_trimmed_past_the_slack_never_pairs_with_its_old_srt(length_s, step_s, margin_s):
    records = _cues(length_s, step_s)
    kept = (records[-1].time_s - 1.0 - margin_s) / 1.02  # the last cue is past kept + max(1 s, 2 %)
    if kept > 0.1:
        assert "run to" in span_mismatch(records, kept)


@given(lengths, steps, st.floats(0.01, 5.0))
@prop(100)
def test_cues_of_a_later_stretch_never_pair(length_s, step_s, margin_s):
    """Another clip's .SRT, or one cut at its start: its first cue past max(1 s, 2 %) of the clip."""
    offset = max(1.0, 0.02 * (length_s + 60.0)) + margin_s
    later = [FrameTelemetry(time_s=r.time_s + offset) for r in _cues(length_s, step_s)]
    assert "first cue" in span_mismatch(later, length_s + 60.0)


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=5),
       st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just(0.0), st.just(-1.0)))
@prop(100)
def test_any_times_and_any_length_give_a_sentence_or_none(times, video_s):
    got = span_mismatch([FrameTelemetry(time_s=t) for t in sorted(t for t in times if not math.isnan(t))], video_s)
    assert got is None or isinstance(got, str)
