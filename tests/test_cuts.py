"""Shot cuts in an edited video (session 22): a clip posted on social media is often shots of
different places cut together, and the sequence model read it as one flight, interpolating frames
between verified frames of different shots at confidence 0.924 (newuser_session22.md,
clip_blackbars.mp4). Cuts are found from the pixels alone (core/media/cuts.py) and the track never
links frames across one. Clips are made here, small, from the demo's photos and tiles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core.media import cuts
from geolocator.core.media.video import probe_video, sample_times
from geolocator.core.model import Query

from .flight_helpers import DEMO, demo_mosaic, render_view, straight_flight, write_video
from .test_sequence import prediction

pytest.importorskip("av")
W, H = 160, 120
FPS = 10


def _photo(i: int) -> Image.Image:
    return Image.open(DEMO / "queries" / f"q_{i:04d}.jpg").convert("RGB").resize((W, H))


def _pan(im: Image.Image, n: int) -> list[Image.Image]:
    """`n` frames sliding a W x H window across `im` enlarged 1.3 times (a slow pan within one shot)."""
    big = im.resize((round(W * 1.3), round(H * 1.3)))
    return [big.crop((x, 0, x + W, H)) for x in np.linspace(0, big.width - W, n).round().astype(int)]


@pytest.fixture(autouse=True)
def _frame_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "frames"))
    cuts._MEMO.clear()


def _shots(path: Path) -> list[int]:
    return cuts.video_shots(path, sample_times(probe_video(path).duration_s, 1.0))


def test_cuts_between_demo_photos_are_found(tmp_path):
    """Six demo photos, each a one-second shot panning within it (13 and 14 are look-alike fields,
    the hardest measured pair), cut together: a new shot at every photo, and no other."""
    frames = [f for i in (11, 12, 13, 14, 15, 16) for f in _pan(_photo(i), FPS)]
    path = write_video(tmp_path / "edit.mp4", frames, fps=FPS)
    assert _shots(path) == [0, 1, 2, 3, 4, 5]


def test_a_continuous_pan_is_one_shot(tmp_path):
    """A window sliding across one demo tile (enlarged, 1/20 of the frame a frame; the bundled demo,
    so a fresh clone without the benchmark runs it) and a flight over the demo mosaic: sampled frames
    a second apart differ a lot, but no decoded frame jumps."""
    tile = Image.open(Path(__file__).resolve().parents[1] / "resources" / "demo" / "tiles" / "r03_c03.jpg")
    big = tile.convert("RGB").resize((tile.width * 2, tile.height * 2))
    pan = [big.crop((x, 100, x + W, 100 + H)) for x in range(0, big.width - W, 8)]
    flight, _ = straight_flight(40, out=(W, H))
    for name, frames in (("pan.mp4", pan), ("flight.mp4", flight)):
        path = write_video(tmp_path / name, frames, fps=FPS)
        shots = _shots(path)
        assert len(shots) >= 3 and set(shots) == {0}, (name, shots)


def test_a_cut_between_far_views_of_one_place_is_found(tmp_path):
    """Two shots of one area from far-apart points (views of the demo mosaic 500 px apart)."""
    mosaic, _ = demo_mosaic(0.5)
    a = [render_view(mosaic, 200 + 2 * k, 300, 0.0, (W, H), 128) for k in range(2 * FPS)]
    b = [render_view(mosaic, 600 + 2 * k, 500, 0.0, (W, H), 128) for k in range(2 * FPS)]
    path = write_video(tmp_path / "far.mp4", a + b, fps=FPS)
    assert _shots(path) == [0, 0, 1, 1]


def test_the_track_never_links_frames_across_a_cut(tmp_path):
    """Two shots of three frames; the first frame of shot 1 and the last of shot 2 are verified,
    80 m apart (reachable in 5 s), the frames between verified nothing. Read as one flight, the
    four frames between were interpolated on a straight line from one place to the other; read
    shot by shot, nothing places them (one verified frame a shot gives no track), and each shot
    is its own track."""
    from geolocator.core.sequence import smooth

    frames = [f for i in (21, 22) for f in _pan(_photo(i), 3 * FPS)]
    path = write_video(tmp_path / "edit.mp4", frames, fps=FPS)
    queries = [Query(f"edit.mp4#t={t}", path, time_s=float(t)) for t in range(6)]
    places = [(0.0, 0.0), None, None, None, None, (80.0, 0.0)]
    decoy = (300.0, 300.0, 0.4, 0, False)
    preds = [prediction(q, [(p[0], p[1], 0.6, 40, True), decoy] if p else [decoy, (40.0, 0.0, 0.39, 0, False)])
             for q, p in zip(queries, places)]
    tracks = smooth(preds)
    assert [(t.name, t.shot, t.shots, len(t.points)) for t in tracks] == [
        ("edit.mp4 shot 1 of 2", 1, 2, 3), ("edit.mp4 shot 2 of 2", 2, 2, 3)]
    statuses = [p.status for t in tracks for p in t.points]
    assert not {"interpolated", "extrapolated", "corrected"} & set(statuses), statuses
    assert [p.time_s for t in tracks for p in t.points] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]  # times in the video


def _edit_tracks(tmp_path):
    """test_the_track_never_links_frames_across_a_cut's edit, with a third verified frame in each
    shot so that each shot has a line: (predictions, tracks)."""
    from geolocator.core.sequence import smooth

    frames = [f for i in (21, 22) for f in _pan(_photo(i), 3 * FPS)]
    path = write_video(tmp_path / "edit.mp4", frames, fps=FPS)
    queries = [Query(f"edit.mp4#t={t}", path, time_s=float(t)) for t in range(6)]
    places = [(0.0, 0.0), (5.0, 0.0), (10.0, 0.0), (80.0, 0.0), (85.0, 0.0), (90.0, 0.0)]
    preds = [prediction(q, [(e, n, 0.6, 40, True), (300.0, 300.0, 0.4, 0, False)]) for q, (e, n) in zip(queries, places)]
    return preds, smooth(preds)


def test_gpx_gives_an_edited_video_one_segment_per_shot(tmp_path):
    """A GPX track drew one line through both shots' places (a jump no drone flew); now the video
    is one <trk> with a <trkseg> per shot, and each frame's waypoint says its shot."""
    import gpxpy

    from geolocator.core.export_track import tracks_to_gpx

    _, tracks = _edit_tracks(tmp_path)
    gpx = gpxpy.parse(tracks_to_gpx(tracks))
    assert [t.name for t in gpx.tracks] == ["edit.mp4"]
    assert [len(s.points) for s in gpx.tracks[0].segments] == [3, 3]
    assert [w.description.split(";")[1].strip() for w in gpx.waypoints] == ["shot 1 of 2"] * 3 + ["shot 2 of 2"] * 3


def test_the_cli_and_the_results_pane_say_the_shot(tmp_path, qtbot, caplog):
    """The CLI says the cuts once per video; the app's Results pane says a frame's shot."""
    import logging
    from types import SimpleNamespace

    from geolocator.cli import _tracks
    from geolocator.core.export_track import frame_errors
    from geolocator.core.sequence import frame_shots
    from geolocator.gui.jobs import Results, _track_answers

    from .helpers import results_window

    preds, tracks = _edit_tracks(tmp_path)
    with caplog.at_level(logging.INFO, logger="geolocator"):
        _tracks(preds, SimpleNamespace(track=True))
    said = [r.getMessage() for r in caplog.records]
    assert "edit.mp4: 1 cut found in its pictures: 2 shots, each tracked on its own (no frame is placed from another shot's)" in said
    assert any(m.startswith("flight edit.mp4 shot 2 of 2: 3 frames") for m in said), said

    w = results_window(qtbot, tmp_path, preds, Results(
        preds, {}, None, None, None, None, track_status={p.query.id: p.status for t in tracks for p in t.points},
        track_error=frame_errors(tracks), track_answers=_track_answers(preds, tracks), track_shot=frame_shots(tracks)))
    w.select_query(preds[4].query.id)
    lines = w.results.details.text().replace("\xa0", " ").splitlines()
    # its level (a verified answer, at its track confidence), then how the track placed it (levels.frame_words)
    assert lines[1].startswith("Status  verified but not confident; matched: ")
    assert lines[2] == ("Shot  shot 2 of 2 of an edited video (cuts found in its pictures): tracked on its own, "
                        "never joined to another shot")


def test_a_sudden_blur_is_not_a_cut(tmp_path):
    """A shot whose last second is suddenly blurred (focus lost, or a smudge): the fine detail
    changes in one frame, as at a cut, but the picture's layout does not. Without the coarse check
    each blur onset read as a cut (on newuser22's nine photos: 10 cuts found for 8), and the
    blurred frames lost their shot's track."""
    from PIL import ImageFilter

    frames = []
    for i in (92, 105):  # the two of the nine whose blur onsets read as cuts
        im = Image.open(DEMO / "queries" / f"q_{i:04d}.jpg").convert("RGB").resize((640, 480))
        frames += [im] * 10 + [im.filter(ImageFilter.GaussianBlur(12))] * 5  # 3 s at 5 fps
    path = write_video(tmp_path / "blur.mp4", frames, fps=5)
    assert _shots(path) == [0, 0, 0, 1, 1, 1]


def test_the_shots_follow_the_order_of_the_times_asked(tmp_path):
    """video_shots takes the sampled times in any order and answers in that order (its contract;
    a mutant that answered in sorted order passed every test before). Two shots of three seconds."""
    frames = [f for i in (21, 22) for f in _pan(_photo(i), 3 * FPS)]
    path = write_video(tmp_path / "edit.mp4", frames, fps=FPS)
    assert cuts.video_shots(path, [5.0, 0.0, 4.0, 1.0]) == [1, 0, 1, 0]


def test_remembered_shots_are_those_of_the_times_asked(tmp_path):
    """The shots are remembered per file AND sampled times: the same clip sampled anew (another
    `--every`, a re-locate in the app) gets an answer of its own length, never the last one's."""
    frames = [f for i in (21, 22) for f in _pan(_photo(i), 3 * FPS)]
    path = write_video(tmp_path / "edit.mp4", frames, fps=FPS)
    assert cuts.video_shots_or_one(path, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]) == [0, 0, 0, 1, 1, 1]
    assert cuts.video_shots_or_one(path, [0.0, 5.0]) == [0, 1]


def test_a_video_that_cannot_be_read_now_is_one_shot_and_said(tmp_path, caplog):
    """A clip whose bytes are not a video (damaged or replaced since it was located): one shot with a
    warning naming it, never an error that would lose the whole track."""
    import logging

    bad = tmp_path / "gone.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        assert cuts.video_shots_or_one(bad, [0.0, 1.0, 2.0]) == [0, 0, 0]
    assert any("gone.mp4: shot cuts not looked for" in r.getMessage() for r in caplog.records)


def test_a_shift_of_two_thumbnail_pixels_is_forgiven_either_way():
    """`mad` forgives a pan or drift of up to SHIFT thumbnail pixels in every direction alike (a
    mutant that tried -2..+1 only passed every clip test: a fast pan one way read larger steps)."""
    rng = np.random.default_rng(0)
    a = np.asarray(Image.fromarray(rng.integers(0, 255, (32, 32), dtype=np.uint8)).resize((32, 32)), np.float32)
    for dy, dx in ((0, 2), (0, -2), (2, 0), (-2, 0), (2, -2)):
        assert cuts.mad(a, np.roll(a, (dy, dx), axis=(0, 1))) == 0.0, (dy, dx)
    assert cuts.mad(a, np.roll(a, 3, axis=1)) > 10  # past the tolerance: a change


def test_fine_detail_alone_is_no_coarse_change():
    """coarse_change compares the 8 x 8 block means only: one-pixel stripes and a flat grey of the same
    mean have the same layout (0), a bright left half against a bright right half does not."""
    stripes = np.tile(np.array([0.0, 255.0], np.float32), (32, 16))
    flat = np.full((32, 32), 127.5, np.float32)
    assert cuts.coarse_change(stripes, flat) == 0.0
    left = np.zeros((32, 32), np.float32)
    left[:, :16] = 200
    assert cuts.coarse_change(left, left[:, ::-1]) == 200.0


def test_every_decoded_frame_of_a_gap_is_compared_with_the_next(tmp_path):
    """decoded_steps gives one step per pair of consecutive decoded frames of a gap (at 10 fps, a
    gap of one second holds 10 steps): skipping frames doubles a pan's step, as a cut's."""
    frames = _pan(_photo(21), 3 * FPS)
    path = write_video(tmp_path / "pan.mp4", frames, fps=FPS)
    (steps,) = cuts.decoded_steps(path, [(0.0, 1.0)])
    assert len(steps) == FPS


def test_an_exposure_step_is_not_a_cut(tmp_path):
    """Auto exposure can brighten a whole shot at once by a few grey levels: the layout's mean moves
    (coarse change 6) and the step is the gap's only one, but it stays below CUT_MAD (7): one shot."""
    im = _photo(21)
    frames = [im] * 15 + [Image.eval(im, lambda v: min(255, v + 6))] * 15
    path = write_video(tmp_path / "exposure.mp4", frames, fps=FPS)
    assert _shots(path) == [0, 0, 0]
