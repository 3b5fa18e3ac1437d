"""The Results pane's "Photo" line says when a capture time has no zone.

Session 21 (newuser21): a drone photo's EXIF time without OffsetTimeOriginal (EXIF 2.32: the offset
is optional, and most drones leave it out) showed as "2026-12-02 10:00:00" beside a phone photo's
"2026-12-02 10:00:02+01:00": the two read as the same clock, though the drone's may be UTC or any
local zone. Now the zoneless one says so; a zoned one is shown with its offset, as before."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from geolocator.core.media.metadata import meta_summary
from geolocator.core.model import PhotoMeta


def test_a_time_without_a_zone_says_so_and_a_zoned_one_shows_its_offset():
    assert meta_summary(PhotoMeta(captured_at=datetime(2026, 12, 2, 10, 0, 0))) == \
        "2026-12-02 10:00:00 (camera clock, no zone recorded)"
    zoned = datetime(2026, 12, 2, 10, 0, 2, tzinfo=timezone(timedelta(hours=1)))
    assert meta_summary(PhotoMeta(captured_at=zoned)) == "2026-12-02 10:00:02+01:00"
