"""Exact answers of the photo-metadata readers (core/media/metadata.py) on EXIF/XMP values given
directly (no file), written for session 6's mutation run (training/results/mutation.md)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest

from geolocator.core.media import metadata as M
from geolocator.core.model import LatLon, PhotoMeta


class _Rational:
    """An EXIF rational as Pillow gives it (IFDRational), with any denominator, 0 included."""

    def __init__(self, num, den):
        self.numerator, self.denominator = num, den

    def __float__(self):
        return self.numerator / self.denominator


def test_numbers_from_rationals_texts_and_bytes():
    assert M._float("4971569/65536") == 4971569 / 65536
    assert M._float(b" +36.5\x00") == 36.5 and M._float(" -7 ") == -7.0
    assert [M._float(v) for v in ("1/0", "nan", "inf", "abc", None, _Rational(3, 0), b"", "1e999")] == [None] * 8
    assert M._float(Fraction(3, 4)) == 0.75 and M._float(_Rational(7, 2)) == 3.5
    assert [M._angle(v) for v in ("360", "-360", "360.5", "-361", "12.25")] == [360.0, -360.0, None, None, 12.25]


def test_texts_drop_nuls_and_blanks():
    assert [M._text(v) for v in (b"DJI\x00\x00", " FC6310 ", "\x00", None, 12)] == ["DJI", "FC6310", None, None, "12"]
    assert M._ref(b"n\x00") == "N" and M._ref(None) == ""


def test_namespaces_are_known_by_uri_whatever_the_scheme_case_or_slash():
    for uri in ("http://www.dji.com/drone-dji/1.0/", "HTTPS://DJI.COM/drone-dji/1.0", " dji.com/drone-dji/1.0/ "):
        assert M._ns_key(uri, {}) == "drone-dji"
    assert M._ns_key("http://ns.sensefly.com/Camera/1.0/", {}) == "Camera"
    assert M._ns_key("http://example.com/x/", {"http://example.com/x/": "ex"}) == "ex"
    assert M._ns_key("http://example.com/x/", {}) == "http://example.com/x/"
    assert M._split("{http://www.dji.com/drone-dji/1.0/}GpsStatus", {}) == "drone-dji:GpsStatus"
    assert M._split("plain", {}) == "plain"


@pytest.mark.parametrize("values, want", [((10, 30, 36), 10.51), ((10,), 10.0), ((10, 30), 10.5), (12.25, 12.25),
                                          ((_Rational(21, 2), 0, 0), 10.5)])
def test_degrees_minutes_seconds(values, want):
    assert M._dms(values, "latitude") == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("values, want", [((10, 60, 0), 11.0), ((10, 0, 60), 10 + 1 / 60),
                                          ((52, 22, _Rational(6000, 100)), 52 + 23 / 60),
                                          ((10, _Rational(600000, 10000), 0), 11.0)])
def test_a_minute_or_second_of_exactly_60_is_the_next_one(values, want):
    """Session 35 changed the rule (these were refused since session 6): writers that round write exactly
    60 (59.9996" as 60.00", 59.99999' as 60.0000'), exiftool reads deg + min/60 + sec/3600 without refusing,
    and CIPA DC-008 gives GPSLatitude's form, not a range; a fix on a minute's edge was lost as truth."""
    assert M._dms(values, "latitude") == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("values, why", [
    ((1, 2, 3, 4), "EXIF GPS latitude has 4 values instead of degrees, minutes, seconds"),
    ((), "EXIF GPS latitude has 0 values instead of degrees, minutes, seconds"),
    ((10, _Rational(1, 0), 0), "EXIF GPS latitude has a zero denominator"),
    ((10, 60.5, 0), "EXIF GPS latitude is not valid degrees/minutes/seconds (10.0, 60.5, 0.0)"),
    ((10, 0, _Rational(6001, 100)), "EXIF GPS latitude is not valid degrees/minutes/seconds (10.0, 0.0, 60.01)"),
    ((10, 0, 75), "EXIF GPS latitude is not valid degrees/minutes/seconds (10.0, 0.0, 75.0)"),
    ((-1, 0, 0), "EXIF GPS latitude is not valid degrees/minutes/seconds (-1.0, 0.0, 0.0)"),
    ((10, -1, 0), "EXIF GPS latitude is not valid degrees/minutes/seconds (10.0, -1.0, 0.0)"),
    ((10, 0, "x"), "EXIF GPS latitude is not a number ('x')"),
])
def test_bad_degrees_minutes_seconds_say_why(values, why):
    with pytest.raises(M._Reject) as err:
        M._dms(values, "latitude")
    assert str(err.value) == why


def test_exif_positions_and_their_refusals():
    assert M._exif_position({}) is None
    assert M._exif_position({1: "S", 2: (33, 52, 4.8), 3: "W", 4: (151, 12, 36)}) == \
        LatLon(-(33 + 52 / 60 + 4.8 / 3600), -(151 + 12 / 60 + 36 / 3600))
    assert M._exif_position({1: "N", 2: (1, 0, 0), 3: "E", 4: (2, 0, 0), 9: "A"}) == LatLon(1.0, 2.0)
    cases = [
        ({2: (1, 0, 0)}, M._Reject, "EXIF GPS has a latitude or a longitude but not both"),
        ({4: (1, 0, 0)}, M._Reject, "EXIF GPS has a latitude or a longitude but not both"),
        ({1: "N", 2: (1, 0, 0), 3: "E", 4: (2, 0, 0), 9: "v"}, M._Void, "EXIF GPS fix is void (GPSStatus V, measurement void)"),
        ({2: (1, 0, 0), 3: "E", 4: (2, 0, 0)}, M._Reject, "EXIF GPS latitude has no N/S reference (GPSLatitudeRef)"),
        ({1: "X", 2: (1, 0, 0), 3: "E", 4: (2, 0, 0)}, M._Reject, "EXIF GPS latitude reference is 'X', not N or S"),
        ({1: "N", 2: (1, 0, 0), 4: (2, 0, 0)}, M._Reject, "EXIF GPS longitude has no E/W reference (GPSLongitudeRef)"),
        ({1: "N", 2: (1, 0, 0), 3: "Q", 4: (2, 0, 0)}, M._Reject, "EXIF GPS longitude reference is 'Q', not E or W"),
        ({1: "N", 2: (91, 0, 0), 3: "E", 4: (2, 0, 0)}, M._Reject,
         "EXIF GPS position 91.0000000, 2.0000000 is outside the globe"),
        ({1: "S", 2: (0, 0, 0), 3: "W", 4: (0, 0, 0)}, M._Reject,
         "EXIF GPS position is 0, 0 (what a receiver without a fix writes)"),
    ]
    for gps, kind, why in cases:
        with pytest.raises(kind) as err:
            M._exif_position(gps)
        assert str(err.value) == why and type(err.value) is kind


def test_positions_on_the_globes_edges_are_positions():
    for lat, lon in ((90.0, 180.0), (-90.0, -180.0), (0.0, 1e-9), (1e-9, 0.0)):
        assert M._checked(lat, lon, "X") == LatLon(lat, lon)
    for lat, lon in ((90.0000001, 0.0), (0.0, -180.0000001), (-90.5, 10.0), (10.0, 180.5)):
        with pytest.raises(M._Reject):
            M._checked(lat, lon, "X")


def test_maker_xmp_positions_and_their_refusals():
    dji = {"drone-dji:GpsLatitude": "+36.1", "drone-dji:GpsLongtitude": "-115.2"}
    assert M._xmp_position(dji) == (LatLon(36.1, -115.2), "xmp:drone-dji")
    assert M._xmp_position({"drone-skydio:Latitude": "1.5", "drone-skydio:Longitude": "2.5"}) == \
        (LatLon(1.5, 2.5), "xmp:drone-skydio")
    assert M._xmp_position({"drone-dji:GpsStatus": "Invalid"}) is None
    assert M._xmp_position({**dji, "drone-dji:GpsStatus": "RTK"}) == (LatLon(36.1, -115.2), "xmp:drone-dji")
    cases = [
        ({"drone-dji:GpsLatitude": "1"}, "XMP drone-dji has a latitude or a longitude but not both"),
        ({"drone-skydio:Longitude": "1"}, "XMP drone-skydio has a latitude or a longitude but not both"),
        ({**dji, "drone-dji:GpsStatus": " No Fix "}, "XMP drone-dji GpsStatus is ' No Fix ': the fix is not valid"),
        ({"drone-dji:GpsLatitude": "north", "drone-dji:GpsLongitude": "2"},
         "XMP drone-dji position is not a number ('north', '2')"),
        ({"drone-skydio:Latitude": "0", "drone-skydio:Longitude": "0"},
         "XMP drone-skydio position is 0, 0 (what a receiver without a fix writes)"),
    ]
    for xmp, why in cases:
        with pytest.raises(M._Reject) as err:
            M._xmp_position(xmp)
        assert str(err.value) == why


def test_capture_times_from_each_exif_tag_they_may_be_in():
    assert M._capture_time({0x9004: "2024:05:01 10:20:30", 0x9292: "5", 0x9010: "+05:30"}) == \
        datetime(2024, 5, 1, 10, 20, 30, 500000, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert M._capture_time({0x9003: "2024:05:01 10:20:30extra", 0x9291: "1234567"}) == \
        datetime(2024, 5, 1, 10, 20, 30, 123456)
    for offset in ("+0530", "05:30", "+05-30", "+aa:bb"):  # not ±HH:MM: the time stays naive
        assert M._capture_time({0x9003: "2024:05:01 10:20:30", 0x9011: offset}).tzinfo is None
    assert M._capture_time({0x9003: "2024:05:01 10:20:30", 0x9291: "x5"}).microsecond == 0
    assert M._capture_time({}) is None and M._capture_time({0x9003: "yesterday"}) is None


def test_sensor_sizes_by_each_rule():
    # focal-plane resolution in centimetres (unit 3): 4000 px at 4000 / 1.32 px per cm = 13.2 mm
    ifd = {0xA20E: 4000 / 1.32, 0xA210: 3}
    assert M._sensor(ifd, None, 4000, 3000) == pytest.approx((13.2, 9.9, "focal-plane resolution"))
    # the stored pixel dimensions (0xA002/3) win over the decoded size, and fy gives the height
    ifd = {0xA20E: 1000.0, 0xA20F: 500.0, 0xA210: 4, 0xA002: 5000, 0xA003: 2000}
    assert M._sensor(ifd, None, 10, 10) == (5.0, 4.0, "focal-plane resolution")
    # no unit tag: inches (EXIF's default, 2)
    assert M._sensor({0xA20E: 254.0}, None, 100, None) == pytest.approx((10.0, None, "focal-plane resolution"))
    # a width outside 1-100 mm is not a sensor: the table or the 35 mm equivalent next
    assert M._sensor({0xA20E: 1.0, 0xA210: 4}, "fc6310", 4000, 3000)[2] == "camera table"
    # a 16:9 frame from the 3:2 1" sensor covers its full width and 13.2 x 9/16 of its height
    assert M._sensor({}, "FC6310", 3840, 2160) == pytest.approx((13.2, 13.2 * 2160 / 3840, "camera table"))
    assert M._sensor({}, "FC6310", None, None) == (13.2, 8.8, "camera table")
    assert M._sensor({0x920A: 4.5, 0xA405: 24}, None, 30, 40) == pytest.approx(
        (M.FULL_FRAME_DIAGONAL_MM * 4.5 / 24 * 0.8, M.FULL_FRAME_DIAGONAL_MM * 4.5 / 24 * 0.6, "35 mm equivalent"))
    assert M._sensor({0x920A: 4.5, 0xA405: 0}, None, 30, 40) == (None, None, None)
    assert M._sensor({0xA405: 24}, None, 30, 40) == (None, None, None)


def test_orientation_takes_the_first_known_key_and_converts_pix4d_pitch():
    out = M._orientation({"drone-parrot:CameraYawDegree": "400", "Camera:Yaw": "12", "Camera:Pitch": "5",
                          "Camera:Roll": "-1", "drone-parrot:DroneYawDegree": "33"})
    assert out == {"gimbal_yaw_deg": 12.0, "gimbal_pitch_deg": -85.0, "gimbal_roll_deg": -1.0, "flight_yaw_deg": 33.0,
                   "flight_pitch_deg": None, "flight_roll_deg": None}
    dji = M._orientation({"drone-dji:GimbalPitchDegree": "-90.0", "Camera:Pitch": "5",
                          "drone-dji:FlightPitchDegree": "1.5", "drone-dji:FlightRollDegree": "-2"})
    assert (dji["gimbal_pitch_deg"], dji["flight_pitch_deg"], dji["flight_roll_deg"]) == (-90.0, 1.5, -2.0)


def test_properties_and_summary_for_people():
    meta = PhotoMeta(make="DJI", model="FC6310", width=4000, height=3000, relative_altitude_m=100.04,
                     focal_length_mm=8.8, sensor_width_mm=13.2, gimbal_yaw_deg=12.345, gimbal_pitch_deg=-90.0,
                     captured_at=datetime(2024, 5, 1, 10, 20, 30))
    assert M.meta_summary(meta) == ("DJI FC6310  ·  100.0 m above take-off  ·  gimbal yaw 12.3°, pitch -90.0°"
                                    "  ·  footprint ~150 x 113 m  ·  2024-05-01 10:20:30 (camera clock, no zone recorded)")
    assert M.meta_summary(PhotoMeta(model="X", gimbal_pitch_deg=-45.0)) == "X  ·  gimbal pitch -45.0°"
    props = M.meta_properties(meta)
    assert props == {"captured_at": "2024-05-01T10:20:30", "make": "DJI", "model": "FC6310", "width": 4000,
                     "height": 3000, "relative_altitude_m": 100.04, "gimbal_yaw_deg": 12.345,
                     "gimbal_pitch_deg": -90.0, "focal_length_mm": 8.8, "sensor_width_mm": 13.2,
                     "footprint_w_m": 150.06, "footprint_h_m": 112.545}
    assert M.meta_properties(None) == {} and M.meta_properties(PhotoMeta()) == {}


RDF_NS = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
DJI = 'xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/"'


def test_an_xmp_packet_is_read_exactly_whatever_surrounds_it():
    body = f'<rdf:RDF {RDF_NS}><rdf:Description rdf:about="" {DJI} drone-dji:GimbalYawDegree="+4.5" ' \
           'drone-dji:Maker="Société"/></rdf:RDF>'
    want = {"drone-dji:GimbalYawDegree": "+4.5", "drone-dji:Maker": "Société"}
    wrapped = f'<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core">{body}</x:xmpmeta>'
    assert M.parse_xmp(body) == want  # a str, non-ASCII included (UTF-8)
    assert M.parse_xmp(body.encode() + b"\x00\x00 \n") == want  # NUL padding after a bare rdf:RDF
    assert M.parse_xmp(b"J" + body.encode()) == want  # junk before it (one byte is enough)
    assert M.parse_xmp(b"JUNK" + body.encode()) == want
    assert M.parse_xmp(b"<?xpacket begin='' ?>junk" + wrapped.encode() + b"<?xpacket end='w'?>junk") == want
    with pytest.raises(ValueError, match=r"^XMP is not well-formed XML \(ParseError: "):
        M.parse_xmp(b"<x:xmpmeta")


def test_xmp_struct_fields_in_any_namespace_or_none_and_empty_ones_left_out():
    packet = (f'<rdf:RDF {RDF_NS}><rdf:Description {DJI} xmlns:o="http://example.com/other/">'
              '<drone-dji:Cam Yaw="1" o:Pitch="2">'
              '<rdf:Description o:Roll="3"/><o:Zoom>4</o:Zoom><Plain>5</Plain><o:Empty/><o:Blank> </o:Blank>'
              '</drone-dji:Cam></rdf:Description></rdf:RDF>')
    assert M.parse_xmp(packet) == {"drone-dji:Cam/Yaw": "1", "drone-dji:Cam/Pitch": "2", "drone-dji:Cam/Roll": "3",
                                   "drone-dji:Cam/Zoom": "4", "drone-dji:Cam/Plain": "5",
                                   "o:Roll": "3"}  # a nested rdf:Description is also read as one of its own


def test_footprints_for_any_positive_height_focal_length_and_sensor():
    tiny = PhotoMeta(width=4000, height=3000, relative_altitude_m=0.5, focal_length_mm=0.5, sensor_width_mm=0.5)
    assert M.footprint_m(tiny) == (0.5, 0.375)


@pytest.mark.parametrize("pitch, nadir", [(-80.0, True), (-100.0, True), (-80.5, True), (-99.5, True),
                                          (-79.9, False), (-100.1, False), (0.0, False)])
def test_footprints_only_within_ten_degrees_of_nadir(pitch, nadir):
    meta = PhotoMeta(width=4000, height=3000, relative_altitude_m=100.0, focal_length_mm=10.0, sensor_width_mm=13.2,
                     gimbal_pitch_deg=pitch)
    assert M.footprint_m(meta) == ((132.0, 99.0) if nadir else None)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_footprints_of_portrait_photos_and_every_exif_orientation(orientation):
    portrait = PhotoMeta(width=3000, height=4000, relative_altitude_m=100.0, focal_length_mm=10.0,
                         sensor_width_mm=13.2, orientation=orientation)
    turned = orientation >= 5  # 5-8: displayed a quarter turn from how they are stored
    assert M.footprint_m(portrait) == ((132.0, 99.0) if turned else (99.0, 132.0))


def test_the_summary_shows_a_gimbal_yaw_without_a_pitch():
    assert M.meta_summary(PhotoMeta(gimbal_yaw_deg=-12.34)) == "gimbal yaw -12.3°"


def _jpeg(path, *, ifd0=None, gps=None, exif_ifd=None, xmp=None):
    from PIL import Image

    exif = Image.Exif()
    for k, v in (ifd0 or {}).items():
        exif[k] = v
    if gps is not None:
        exif[M.GPS_IFD] = gps
    if exif_ifd:
        exif[M.EXIF_IFD] = exif_ifd
    Image.new("RGB", (40, 30), (90, 120, 60)).save(path, exif=exif, **({"xmp": xmp} if xmp else {}))
    return path


def _packet(attrs: str) -> bytes:
    return (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF {RDF_NS}><rdf:Description rdf:about="" {DJI} {attrs}/>'
            '</rdf:RDF></x:xmpmeta>').encode()


def test_a_photos_recorded_fields_each_read_from_its_own_tag(tmp_path):
    xmp = _packet('drone-dji:AbsoluteAltitude="+512.25" drone-dji:GimbalRollDegree="1.5" '
                  'drone-dji:FlightYawDegree="-170.5" drone-dji:FlightPitchDegree="2.5" drone-dji:FlightRollDegree="-3.5"')
    meta = M.read_photo_meta(_jpeg(tmp_path / "a.jpg", ifd0={0x0112: 6}, exif_ifd={0xA405: 24}, xmp=xmp))
    assert (meta.orientation, meta.focal_length_35mm, meta.absolute_altitude_m) == (6, 24.0, 512.25)
    assert (meta.gimbal_roll_deg, meta.flight_yaw_deg, meta.flight_pitch_deg, meta.flight_roll_deg) == (1.5, -170.5, 2.5, -3.5)
    other = M.read_photo_meta(_jpeg(tmp_path / "b.jpg", ifd0={0x0112: 1}, exif_ifd={0xA405: 0}))
    assert (other.orientation, other.focal_length_35mm) == (1, None)
    assert M.read_photo_meta(_jpeg(tmp_path / "c.jpg", ifd0={0x0112: 8})).orientation == 8
    assert M.read_photo_meta(_jpeg(tmp_path / "d.jpg", ifd0={0x0112: 9})).orientation is None


@pytest.mark.parametrize("ref, metres", [(1, -12.5), (0, 12.5), (None, 12.5)])
def test_a_gps_altitude_below_sea_level_is_negative(tmp_path, ref, metres):
    # GPSAltitudeRef is an EXIF BYTE, which Pillow reads back as b"\x01" (the bug this test was written for)
    gps = {6: 12.5} if ref is None else {5: ref, 6: 12.5}
    assert M.read_photo_meta(_jpeg(tmp_path / "a.jpg", gps=gps)).gps_altitude_m == metres


@pytest.mark.parametrize("status", ["Invalid", "void", "V", "NONE", "NoFix", "no fix"])
def test_every_word_for_a_void_dji_fix_is_refused(status):
    with pytest.raises(M._Reject):
        M._xmp_position({"drone-dji:GpsLatitude": "1", "drone-dji:GpsLongitude": "2", "drone-dji:GpsStatus": status})


def test_a_refused_exif_fix_rescued_by_xmp_says_both(tmp_path):
    xmp = _packet('drone-dji:GpsLatitude="+36.5" drone-dji:GpsLongitude="-115.25"')
    meta = M.read_photo_meta(_jpeg(tmp_path / "a.jpg", gps={2: (1.0, 0.0, 0.0), 4: (2.0, 0.0, 0.0)}, xmp=xmp))
    assert (meta.position, meta.position_source) == (LatLon(36.5, -115.25), "xmp:drone-dji")
    assert meta.position_note == ("EXIF GPS latitude has no N/S reference (GPSLatitudeRef); "
                                  "position taken from xmp:drone-dji")
    both = M.read_photo_meta(_jpeg(tmp_path / "b.jpg", gps={2: (1.0, 0.0, 0.0), 4: (2.0, 0.0, 0.0)},
                                   xmp=_packet('drone-dji:GpsLatitude="0" drone-dji:GpsLongitude="0"')))
    assert both.position is None and both.position_note == (
        "EXIF GPS latitude has no N/S reference (GPSLatitudeRef); "
        "XMP drone-dji position is 0, 0 (what a receiver without a fix writes): not used as truth")


def test_xmp_elements_empty_listed_or_with_fields_of_their_own():
    packet = (f'<rdf:RDF {RDF_NS}><rdf:Description {DJI} xmlns:o="http://example.com/other/">'
              '<drone-dji:Empty/><o:List><rdf:Seq><rdf:li/></rdf:Seq></o:List><o:Height o:unit="m">5</o:Height>'
              '</rdf:Description></rdf:RDF>')
    assert M.parse_xmp(packet) == {"o:List": "", "o:Height/unit": "m"}


def test_a_photo_without_any_fix_has_no_position_source_and_no_note(tmp_path):
    meta = M.read_photo_meta(_jpeg(tmp_path / "a.jpg", ifd0={0x010F: "DJI"}))
    assert (meta.position, meta.position_source, meta.position_note, meta.make) == (None, None, None, "DJI")


def test_two_digit_offset_hours_and_invalid_utf8_texts():
    assert M._capture_time({0x9003: "2024:05:01 10:20:30", 0x9011: "+10:00"}).utcoffset() == timedelta(hours=10)
    assert M._capture_time({0x9003: "2024:05:01 10:20:30", 0x9011: "X05:30"}).tzinfo is None
    assert M._text(b"DJI\xff\xfe FC") == "DJI FC"  # bytes that are not UTF-8 are dropped, never raised on
