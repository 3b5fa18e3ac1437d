"""metadata.exported_values: the one formatting of recorded fields for exports (session 15: it was
written twice, in meta_properties and export.recorded_properties). Values worked out by hand."""

from datetime import datetime, timedelta, timezone

from geolocator.core.media.metadata import exported_values


def test_none_left_out_times_iso_floats_to_3_decimals_order_kept():
    when = datetime(2024, 5, 1, 10, 20, 30, 250000, tzinfo=timezone(timedelta(hours=-4)))
    got = exported_values({"b": 12.34567, "a": None, "captured_at": when, "n": 7, "name": "DJI", "c": 0.0005})
    assert got == {"b": 12.346, "captured_at": "2024-05-01T10:20:30.250000-04:00", "n": 7, "name": "DJI", "c": 0.001}
    assert list(got) == ["b", "captured_at", "n", "name", "c"]
    assert exported_values({}) == {}
