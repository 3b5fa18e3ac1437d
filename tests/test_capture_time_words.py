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


def test_a_time_without_a_zone_is_shown_in_the_zone_given_as_the_exports_read_it():
    """Session 22 (mend22): with File → Clock Zone of the Photos… set, the exports read a naive EXIF time
    in that zone while the Results pane still said "(camera clock, no zone recorded)". One reader now
    (metadata.in_clock_zone, the same as export_track._when): summer time by the date, the zone named."""
    from zoneinfo import ZoneInfo

    from geolocator.core.export_track import _when, parse_clock_zone

    naive = datetime(2026, 7, 1, 10, 0, 0)
    assert meta_summary(PhotoMeta(captured_at=naive), ZoneInfo("Europe/Zurich")) == \
        "2026-07-01 10:00:00+02:00 (camera clock read as Europe/Zurich, the clocks' zone given)"
    assert meta_summary(PhotoMeta(captured_at=naive.replace(month=12)), parse_clock_zone("-05:30")) == \
        "2026-12-01 10:00:00-05:30 (camera clock read as UTC-05:30, the clocks' zone given)"
    zoned = datetime(2026, 12, 2, 10, 0, 2, tzinfo=timezone(timedelta(hours=1)))  # a recorded offset is kept
    assert meta_summary(PhotoMeta(captured_at=zoned), ZoneInfo("Europe/Zurich")) == "2026-12-02 10:00:02+01:00"
    assert _when(naive, 0.0, ZoneInfo("Europe/Zurich")) == datetime(2026, 7, 1, 8, 0, tzinfo=timezone.utc)  # the same instant
