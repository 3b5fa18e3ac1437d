"""Frozen GNSS fixes: recorded positions that are not truth although no flag says so.

A receiver that loses its fix can go on handing the camera its last position, and the camera writes
it into every photo that follows, without GPSStatus `V` or DJI's `GpsStatus="Invalid"` (those are
caught in core.media.metadata). Scored against such a fix, every right answer of the flight after it
reads tens to hundreds of metres wrong (newuser_session18.md: 12 photos 5 s apart recording one
fix; errors 35-260 m reported for answers within 0.5 m).

The sign used here is in the metadata alone (never in the answers): one camera's photos recording
the identical position (to the last digit stored) at capture times that span several seconds. A live
fix moves by centimetres between readings even when the drone hovers, so `MIN_PHOTOS` photos over
`MIN_SPAN_S` seconds with bit-identical coordinates is a fix that stopped updating. Those photos get
no truth and a `truth_note` saying why, as a void fix does; positions a person wrote (truth.csv) and
video telemetry (which a sampling finer than the sidecar's rate legitimately repeats) are not looked at.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from .model import LatLon, Query

log = logging.getLogger(__name__)

NOTE_START = "the same GPS fix ("  # how each such photo's truth_note begins (frozen_position reads it)
MIN_PHOTOS = 3  # photos recording the one identical fix (two could be a hover a moment long)
MIN_SPAN_S = 10.0  # seconds between the first and the last of them (shorter: a burst)
CAMERA_RECORDS = ("exif", "xmp:drone-dji", "xmp:drone-skydio")  # positions a photo recorded itself


def _capture(query: Query) -> tuple[datetime | None, str]:
    """(naive capture time, "make model") of a photo, from the metadata read when it was loaded."""
    meta = query.meta
    when = getattr(meta, "captured_at", None)
    camera = " ".join(x for x in (getattr(meta, "make", None), getattr(meta, "model", None)) if x)
    return (when.replace(tzinfo=None) if isinstance(when, datetime) else None), camera


def drop_frozen_fixes(queries: Sequence[Query]) -> tuple[Query, ...]:
    """`queries` in the same order, where each group of photos from one camera (EXIF Make + Model)
    recording one identical position (truth_source `exif` or a drone XMP) is, when it holds at least
    MIN_PHOTOS photos whose capture times span at least MIN_SPAN_S seconds, given truth None,
    truth_source None and a `truth_note` naming the fix, the count and the span (degrees WGS84,
    seconds). One warning per such group is logged. Photos without a capture time, video frames
    (`time_s` set) and truth.csv positions are left as they are. Raises nothing."""
    groups: dict[tuple, list[tuple[int, datetime]]] = defaultdict(list)
    for i, q in enumerate(queries):
        if q.truth is None or q.truth_source not in CAMERA_RECORDS or q.time_s is not None:
            continue
        when, camera = _capture(q)
        if when is not None:
            groups[(camera, q.truth.lat, q.truth.lon)].append((i, when))
    out = list(queries)
    for (_, lat, lon), members in groups.items():
        times = sorted(when for _, when in members)
        span = (times[-1] - times[0]).total_seconds()
        if len(members) < MIN_PHOTOS or span < MIN_SPAN_S:
            continue
        note = (f"{NOTE_START}{lat:.7f}, {lon:.7f}) is recorded unchanged by {len(members)} photos over "
                f"{span:.0f} s: a frozen fix (the receiver lost it), not used as truth")
        for i, _ in members:
            out[i] = replace(out[i], truth=None, truth_source=None, truth_note=note)
        ids = sorted(queries[i].id for i, _ in members)
        log.warning("%d photos (%s … %s) record one unchanged GPS fix over %.0f s: a frozen fix, not used as truth",
                    len(members), ids[0], ids[-1], span)
    return tuple(out)


def frozen_position(query: Query) -> LatLon | None:
    """The frozen fix drop_frozen_fixes set aside for this photo (its EXIF/XMP position, degrees WGS84),
    else None. Not truth and no prior (--gnss-prior ignores it); it is still the last place the receiver
    knew, so priors.recorded_positions offers it for choosing an area (fetch-tiles --around, the
    imagery dialog, the map before any tile set)."""
    if query.truth is None and (query.truth_note or "").startswith(NOTE_START):
        return getattr(query.meta, "position", None)
    return None
