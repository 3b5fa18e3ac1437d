"""Video in: frames as queries (PyAV), the frame cache, DJI-style telemetry sidecars (srt)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.media import telemetry as T
from geolocator.core.media import video as V
from geolocator.core.media.query_image import open_query_image, query_identity, query_key
from geolocator.core.model import LatLon, Query
from geolocator.core.queries import load_queries

from .flight_helpers import straight_flight, write_dji_srt, write_video


@pytest.fixture(autouse=True)
def frame_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "frames"))
    return tmp_path / "frames"


def _grey_video(path, seconds=3, fps=10, size=(64, 48)):
    """Frame i is a flat grey of value 20 + 6 i: its time can be read back from its pixels."""
    frames = [Image.new("RGB", size, (20 + 6 * i,) * 3) for i in range(seconds * fps)]
    return write_video(path, frames, fps)


def test_sample_times_and_frame_ids():
    assert V.sample_times(3.0, 1.0) == [0.0, 1.0, 2.0]
    assert V.sample_times(2.5, 1.0) == [0.0, 1.0, 2.0]
    assert V.sample_times(0.2, 1.0) == [0.0]
    assert V.sample_times(1.0, 0.25) == [0.0, 0.25, 0.5, 0.75]
    with pytest.raises(ValueError):
        V.sample_times(3.0, 0)
    assert V.frame_id("a/flight.mp4", 12.0) == "a/flight.mp4#t=12"
    assert V.frame_id("flight.mp4", 0.5) == "flight.mp4#t=0.5"


def test_video_frames_are_queries_decoded_at_their_time(tmp_path):
    video = _grey_video(tmp_path / "flight.mp4")
    info = V.probe_video(video)
    assert info.width == 64 and info.height == 48 and abs(info.duration_s - 3.0) < 0.15
    queries = load_queries(video, every_s=0.5)
    assert [q.id for q in queries] == [f"flight.mp4#t={t}" for t in ("0", "0.5", "1", "1.5", "2", "2.5")]
    assert all(q.path == video.resolve() and q.truth is None for q in queries)
    for q in queries:
        value = float(np.asarray(open_query_image(q)).mean())
        expected = 20 + 6 * round(q.time_s * 10)
        assert abs(value - expected) < 2.5, (q.id, value, expected)  # the right frame, not a neighbour (6 apart)
    # every frame has its own identity and cache key; the photo-style key of the file differs from all
    assert len({query_identity(q) for q in queries}) == len({query_key(q) for q in queries}) == 6


def test_frames_are_cached_on_disk_keyed_by_the_video_file(tmp_path, frame_cache):
    video = _grey_video(tmp_path / "flight.mp4")
    q = Query("flight.mp4#t=1", video, time_s=1.0)
    first = np.asarray(open_query_image(q))
    assert len(list(frame_cache.rglob("*.jpg"))) == 1
    assert np.array_equal(np.asarray(open_query_image(q)), first)  # the cached copy, identical
    # a replaced video (other content, same name) is decoded anew, not served from the cache
    frames = [Image.new("RGB", (64, 48), (200, 10, 10)) for _ in range(30)]
    write_video(video, frames, 10)
    assert np.asarray(open_query_image(q))[..., 0].mean() > 150
    assert V.cache_frames(video, [0.0, 1.0, 2.0]) == 2  # 1.0 is cached already


def test_decoding_is_bounded_to_the_working_size(tmp_path):
    frames = [Image.new("RGB", (640, 360), (i * 20, 90, 90)) for i in range(10)]
    video = write_video(tmp_path / "big.mov", frames, 10)
    got = list(V.iter_frames(video, [0.0, 0.5, 0.9], max_side=128))
    assert [t for t, _ in got] == [0.0, 0.5, 0.9]
    assert all(max(im.size) == 128 for _, im in got)
    assert V.read_frame(video, 0.5, max_side=64).size == (64, 36)


def test_unreadable_video_is_skipped_with_its_reason(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00not a video at all" * 20)
    good = _grey_video(tmp_path / "ok.mp4", seconds=1)
    skipped = []
    queries = load_queries([bad, good], on_skip=lambda p, why: skipped.append((p, why)))
    assert [q.id for q in queries] == ["ok.mp4#t=0"]
    assert skipped and skipped[0][0] == bad and "video" in skipped[0][1]
    with pytest.raises(InputError, match="broken.mp4"):
        V.probe_video(bad)


def test_folder_lists_videos_beside_photos(tmp_path):
    _grey_video(tmp_path / "b.MP4", seconds=2)
    Image.new("RGB", (32, 32), (1, 2, 3)).save(tmp_path / "a.jpg")
    ids = [q.id for q in load_queries(tmp_path)]
    assert ids == ["a.jpg", "b.MP4#t=0", "b.MP4#t=1"]


# -- telemetry -----------------------------------------------------------------------------------
def test_srt_layouts_of_several_models():
    modern = T.parse_cue_text(
        '<font size="28">FrameCnt: 1, DiffTime: 40ms\n2026-05-27 13:14:22.911\n[iso: 200] [shutter: 1/6400.0] '
        "[fnum: 1.8] [focal_len: 24.00] [latitude: 46.842607] [longitude: -91.994559] [rel_alt: 39.800 "
        "abs_alt: 212.100] [gb_yaw: -140.0 gb_pitch: -89.9 gb_roll: 0.0] [ct: 5263] </font>", 0.04)
    assert modern.position == LatLon(46.842607, -91.994559)
    assert (modern.rel_alt_m, modern.abs_alt_m, modern.gimbal_yaw_deg, modern.gimbal_pitch_deg) == (39.8, 212.1, -140.0, -89.9)
    assert modern.focal_len == 24.0 and modern.time_s == 0.04
    legacy = T.parse_cue_text("GPS(-91.9945,46.8426,19) BAROMETER:39.8", 1.0)  # longitude first
    assert legacy.position == LatLon(46.8426, -91.9945) and legacy.rel_alt_m == 39.8 and legacy.abs_alt_m == 19
    compact = T.parse_cue_text("F/5.6, SS 400, ISO 100, EV 0, GPS (-58.851745, -34.237922, 15), HOME (-58.8, -34.2, "
                               "-57.98m), D 698.70m, H 85.80m, H.S 0.00m/s, G.PRY (-24.4°, 0.0°, 110.4°)", 2.0)
    assert compact.position == LatLon(-34.237922, -58.851745)
    assert compact.rel_alt_m == 85.8 and compact.gimbal_pitch_deg == -24.4 and compact.gimbal_yaw_deg == 110.4
    no_fix = T.parse_cue_text("[latitude: 0.000000] [longitude: 0.000000] [rel_alt: 0.0 abs_alt: 0.0]", 0)
    assert no_fix.position is None
    assert T.parse_cue_text("hello", 3.0) == T.FrameTelemetry(3.0)


def test_sidecar_positions_become_truth_for_scoring(tmp_path):
    frames, positions = straight_flight(10)
    video = write_video(tmp_path / "DJI_0001.MP4", frames, fps=5)
    write_dji_srt(tmp_path / "DJI_0001.SRT", positions, fps=5, yaw=[0.0] * 10)
    records = T.read_srt(tmp_path / "DJI_0001.SRT")
    assert len(records) == 10 and records[3].time_s == pytest.approx(0.6)
    queries = V.video_queries(video, every_s=1.0)
    assert [q.time_s for q in queries] == [0.0, 1.0]
    truth = queries[1].truth
    assert (truth.lat, truth.lon) == pytest.approx((positions[5].lat, positions[5].lon), abs=1e-7)
    assert queries[1].truth_source == "srt"
    assert queries[1].telemetry.gimbal_yaw_deg == 0.0 and queries[1].telemetry.rel_alt_m == 40.0
    blind = V.video_queries(video, every_s=1.0, telemetry=False)
    assert all(q.truth is None and q.telemetry is None for q in blind)
    assert [query_key(q) for q in blind] == [query_key(q) for q in queries]  # identity ignores telemetry


def test_a_sidecar_given_beside_its_video_is_read_with_it(tmp_path):
    # `locate DJI_0001.MP4 DJI_0001.SRT photos/` reads as the folder holding them would: no "skipped" sidecar
    frames, positions = straight_flight(10)
    video = write_video(tmp_path / "DJI_0001.MP4", frames, fps=5)
    srt = tmp_path / "DJI_0001.SRT"
    write_dji_srt(srt, positions, fps=5, yaw=[0.0] * 10)
    gpx = tmp_path / "DJI_0001.gpx"
    gpx.write_text("<gpx/>")
    photo = tmp_path / "photos" / "a.png"
    photo.parent.mkdir()
    Image.new("RGB", (64, 48)).save(photo)
    skipped = []
    got = load_queries([video, srt, gpx, photo.parent], on_skip=lambda p, why: skipped.append(p))
    assert skipped == []
    alone = load_queries(video)
    assert [q.id for q in got] == [q.id for q in alone] + ["photos/a.png"]
    assert [q.truth for q in got[:-1]] == [q.truth for q in alone] and got[0].truth_source == "srt"


def test_a_broken_sidecar_is_reported_not_fatal(tmp_path, caplog):
    video = _grey_video(tmp_path / "f.mp4", seconds=1)
    (tmp_path / "f.srt").write_bytes(b"\xff\xfe garbage --> nothing")
    queries = V.video_queries(video)
    assert len(queries) == 1 and queries[0].truth is None
    with pytest.raises(InputError, match="f.srt"):
        T.read_srt(tmp_path / "f.srt")


@pytest.mark.slow
def test_locating_frames_ignores_the_sidecar(tmp_path):
    """Telemetry is truth for scoring only: with and without the .SRT the answers are identical
    (tiles, scores, inliers, points); only the scoring (error_m) appears with it."""
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.tilesets import load_tileset

    from .flight_helpers import DEMO
    from .test_extract import tiny_backbone

    frames, positions = straight_flight(6, scale=1.0, out=(256, 192))
    video = write_video(tmp_path / "DJI_0002.MP4", frames, fps=2)
    sidecar = write_dji_srt(tmp_path / "DJI_0002.SRT", positions, fps=2, yaw=[180.0] * 6)

    def run(queries):
        ws = Workspace(Settings(cache_dir=tmp_path / "features", top_k=3, verify_candidates=4))
        ws._backbone = tiny_backbone()
        ws.open_tiles(load_tileset(DEMO / "tiles.csv"))
        return ws.locate(queries)

    with_srt = run(load_queries(video))
    sidecar.unlink()
    without = run(load_queries(video))
    assert [q.id for q in (p.query for p in with_srt)] == ["DJI_0002.MP4#t=0", "DJI_0002.MP4#t=1", "DJI_0002.MP4#t=2"]
    assert all(p.query.truth is not None and p.error_m is not None for p in with_srt)
    assert all(p.query.truth is None and p.error_m is None for p in without)
    for a, b in zip(with_srt, without):
        assert a.location == b.location and a.weighted_location == b.weighted_location
        assert a.confidence == b.confidence
        assert [(m.tile.id, m.score, m.inliers, m.ground) for m in a.matches] == \
               [(m.tile.id, m.score, m.inliers, m.ground) for m in b.matches]
    assert any(m.inliers for p in with_srt for m in p.matches)  # verification did look at the frames


def test_cli_every_flag():
    from geolocator.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["locate", "v.mp4", "--tiles", "t.csv"]).every == 1.0
    assert parser.parse_args(["locate", "v.mp4", "--tiles", "t.csv", "--every", "0.5"]).every == 0.5
    for bad in ("0", "-1", "nan", "soon"):
        with pytest.raises(SystemExit):
            parser.parse_args(["locate", "v.mp4", "--tiles", "t.csv", "--every", bad])


@pytest.mark.slow
def test_cli_locates_a_video_and_writes_its_track(tmp_path, capsys):
    """End to end with the real offline backbone: a 6-frame flight over the demo tiles -> GPX, KML
    and GeoJSON with the track; the frames land near the telemetry positions (scoring only)."""
    import json

    import gpxpy

    from geolocator.cli import main

    from .flight_helpers import DEMO

    frames, positions = straight_flight(16, scale=1.0, out=(256, 192))  # 200 m in 15 s: 13 m/s
    video = write_video(tmp_path / "DJI_0003.MP4", frames, fps=1)
    write_dji_srt(tmp_path / "DJI_0003.SRT", positions, fps=1)
    common = ["--tiles", str(DEMO / "tiles.csv"), "--backbone", "efficientnet_lite0", "--cache-dir",
              str(tmp_path / "features"), "-q", "--every", "3",
              "--tile-views", "1", "--verify-candidates", "5"]  # north-up frames: one view, few candidates
    assert main(["locate", str(video), "--out", str(tmp_path / "t.gpx"), *common]) == 0
    assert main(["locate", str(video), "--out", str(tmp_path / "t.geojson"), *common]) == 0
    gpx = gpxpy.parse((tmp_path / "t.gpx").read_text())
    points = gpx.tracks[0].segments[0].points
    assert [p.name for p in points] == [f"DJI_0003.MP4#t={i}" for i in range(0, 16, 3)]
    doc = json.loads((tmp_path / "t.geojson").read_text())
    frames_out = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
    assert [f["properties"]["time_s"] for f in frames_out] == [0.0, 3.0, 6.0, 9.0, 12.0, 15.0]
    assert all(f["properties"]["truth_source"] == "srt" for f in frames_out)
    assert sum(f["properties"]["error_m"] < 25 for f in frames_out) >= 5  # within half a 50 m tile
    assert any(f["geometry"]["type"] == "LineString" for f in doc["features"])
    # a photo in no flight (no capture time) is not a refusal; this one, black, is not located: a GPX waypoint
    # needs a position, so it has none, and the file names it (session 33)
    Image.new("RGB", (64, 64)).save(tmp_path / "single.jpg")
    assert main(["locate", str(tmp_path / "single.jpg"), "--out", str(tmp_path / "x.gpx"), *common]) == 0
    single = gpxpy.parse((tmp_path / "x.gpx").read_text())
    assert single.tracks == [] and single.waypoints == []
    assert "Not located, so left out (no position to give): single.jpg." in single.description


def test_a_miss_decodes_the_sampled_frames_ahead_in_one_pass(tmp_path, frame_cache):
    video = _grey_video(tmp_path / "flight.mp4", seconds=3)
    queries = load_queries(video, every_s=0.5)
    open_query_image(queries[2])  # t=1: decodes 1, 1.5, 2, 2.5 on the way
    assert len(list(frame_cache.rglob("*.jpg"))) == 4
    for q in queries:  # and each is the right frame
        assert abs(float(np.asarray(open_query_image(q)).mean()) - (20 + 6 * round(q.time_s * 10))) < 2.5
    # forward decoding and seeking agree on which frame a time is
    times = [0.0, 0.3, 0.4, 2.9]
    forward = [np.asarray(im).mean() for _, im in V.iter_frames(video, times)]
    seeking = [np.asarray(V.read_frame(video, t)).mean() for t in times]
    assert np.allclose(forward, seeking, atol=1.0)


def test_srt_wall_clock_dates_the_gpx(tmp_path):
    from datetime import datetime

    import gpxpy

    from geolocator.core.export_track import tracks_to_gpx
    from geolocator.core.sequence import Track, TrackPoint

    rec = T.parse_cue_text("FrameCnt: 5, DiffTime: 40ms\n2026-05-27 13:14:22.911\n[latitude: 1.5] [longitude: 2.5]", 2.0)
    assert rec.when == datetime(2026, 5, 27, 13, 14, 22, 911000)
    assert T.parse_cue_text("[latitude: 1.5] [longitude: 2.5]", 0).when is None
    q = Query("v.mp4#t=2", tmp_path / "v.mp4", time_s=2.0, telemetry=rec)
    point = TrackPoint(q, 0.0, LatLon(1.5, 2.5), "matched", LatLon(1.5, 2.5))
    gpx = gpxpy.parse(tracks_to_gpx([Track("v.mp4", (point,))]))
    assert gpx.tracks[0].segments[0].points[0].time.replace(tzinfo=None) == datetime(2026, 5, 27, 13, 14, 22, 911000)


def test_the_apps_automatic_interval_keeps_a_video_to_a_bounded_count_of_round_times():
    """session 30: the app samples a video it was given no interval for at auto_every_s of its length:
    every second for a short clip, a coarser round step for a long one, never more than max_frames."""
    assert V.auto_every_s(10.0) == 1.0 and V.auto_every_s(300.0) == 1.0  # 300 frames exactly
    assert V.auto_every_s(300.5) == 2.0  # 301 frames at 1 s: too many
    assert V.auto_every_s(1800.0) == 10.0  # a 30 min clip: 180 frames
    assert V.auto_every_s(3600.0) == 15.0  # an hour: 240 frames
    assert V.auto_every_s(18_000.0) == 60.0  # five hours: 300 frames
    five_h_plus = V.auto_every_s(18_061.0)  # past the largest step: whole seconds, still within the bound
    assert five_h_plus == 61.0 and len(V.sample_times(18_061.0, five_h_plus)) <= V.AUTO_MAX_FRAMES
    for duration in (0.4, 7.0, 299.9, 601.0, 4000.0, 9001.0, 50_000.0):
        step = V.auto_every_s(duration, max_frames=300)
        assert len(V.sample_times(duration, step)) <= 300, duration
    assert V.auto_every_s(100.0, max_frames=20) == 5.0
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            V.auto_every_s(bad)
    with pytest.raises(ValueError):
        V.auto_every_s(10.0, max_frames=0)


def test_no_interval_given_samples_at_the_automatic_one(tmp_path):
    video = _grey_video(tmp_path / "flight.mp4", seconds=4, fps=5)
    queries = load_queries(video, every_s=None)  # a 4 s clip: every second, as auto_every_s says
    assert [q.time_s for q in queries] == [0.0, 1.0, 2.0, 3.0]
    assert [q.time_s for q in V.video_queries(video, every_s=None)] == [0.0, 1.0, 2.0, 3.0]


def test_sampling_reuses_frames_another_interval_stored_says_progress_and_stops_when_cancelled(tmp_path, frame_cache):
    """The app samples a video's frames as a step of its own (progress, Cancel): frames stored at one
    interval serve every other interval whose times coincide (every 1 s, then every 0.5 s decodes only
    the new half), and a cancelled sampling keeps the frames it stored."""
    from geolocator.core.errors import Cancelled
    from geolocator.core.progress import CancelToken

    video = _grey_video(tmp_path / "flight.mp4", seconds=4)
    events = []
    assert V.sample_frames(video, V.sample_times(4.0, 1.0), progress=events.append) == (4, 0)
    assert [(e.stage, e.step, e.total) for e in events] == [("frames", i, 4) for i in range(5)]
    assert [e.message for e in events[:2]] == ["flight.mp4: 0 of 4 frames", "flight.mp4: 1 of 4 frames"]
    events.clear()
    assert V.sample_frames(video, V.sample_times(4.0, 0.5), progress=events.append) == (4, 4)
    # the stage counts the 4 to decode (the ETA's work); the words count the 4 reused too
    assert [(e.step, e.total) for e in events] == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert [e.message for e in events] == [f"flight.mp4: {n} of 8 frames" for n in range(4, 9)]
    events.clear()
    assert V.sample_frames(video, V.sample_times(4.0, 1.0), progress=events.append) == (0, 4)
    assert events == []  # all reused: nothing to show a bar for
    assert len(list(frame_cache.rglob("*.jpg"))) == 8
    for t in V.sample_times(4.0, 0.5):  # each stored frame is its own time's
        value = float(np.asarray(V.open_frame(video, t)).mean())
        assert abs(value - (20 + 6 * round(t * 10))) < 2.5, t

    other = _grey_video(tmp_path / "other.mp4", seconds=4)
    cancel = CancelToken()

    def cancel_after_two(event):
        if event.step >= 2:
            cancel.cancel()

    before = len(list(frame_cache.rglob("*.jpg")))
    with pytest.raises(Cancelled):
        V.sample_frames(other, V.sample_times(4.0, 0.5), progress=cancel_after_two, cancel=cancel)
    assert len(list(frame_cache.rglob("*.jpg"))) == before + 2  # the two stored before Cancel stay
    assert V.sample_frames(other, V.sample_times(4.0, 0.5)) == (6, 2)  # and are not decoded again


def test_a_region_folders_videos_are_sampled_at_the_interval_asked(tmp_path):
    """`locate REGION --every 5` and the app's Video Frames setting reached a folder's videos but not a
    region folder's queries/ (load_region always sampled every second; found in session 30)."""
    from geolocator import cli
    from geolocator.core.queries import load_region

    region = tmp_path / "region"
    (region / "queries").mkdir(parents=True)
    (region / "tiles.csv").write_text(
        "path,west,south,east,north\ntiles/t.png,10,50,10.001,50.001\n")
    (region / "tiles").mkdir()
    Image.new("RGB", (32, 32)).save(region / "tiles" / "t.png")
    _grey_video(region / "queries" / "flight.mp4", seconds=4, fps=5)
    assert [q.time_s for q in load_region(region).queries] == [0.0, 1.0, 2.0, 3.0]  # the default stays
    assert [q.time_s for q in load_region(region, every_s=2.0).queries] == [0.0, 2.0]
    assert [q.time_s for q in load_queries(region, every_s=2.0)] == [0.0, 2.0]
    assert [q.time_s for q in load_queries([region], every_s=None)] == [0.0, 1.0, 2.0, 3.0]
    assert [q.time_s for q in cli._load_queries([region], every_s=3.0)] == [0.0, 3.0]
