"""Flights, not single photos: locate a sequence of frames jointly under a motion model.

A drone cannot jump 2 km in a second. Each frame keeps its top candidates from retrieval and
geometric verification; the most plausible path through them is found by dynamic programming
(Viterbi over an HMM whose states are a frame's candidates), label-free:

- emission: a verified candidate (enough RANSAC inliers) is strong evidence, its position the
  photo centre through the homography; an unverified one is weak evidence (its cosine score
  against the frame's best), its position the tile centre, uncertain by the tile's half-diagonal;
- transition: two consecutive on-track candidates must be reachable at `max_speed_mps` in the time
  between them (plus both positions' uncertainty), shorter moves slightly preferred;
- smooth heading: the turn between two consecutive legs costs `turn_cost` x (1 - cos angle) / 2,
  scaled down when a leg is short against its ends' uncertainty (_turn_penalty); the programme is
  then second order (a state is a candidate with the on-track candidate before it);
- a frame may be left off the track at a fixed cost (`skip_cost`): blur, sky, water, or a chance
  match. The path then bridges the gap (at most `max_gap_frames` frames), so the speed limit spans
  the gap too (a skip-chain HMM; cf. map-matching HMMs, Newson & Krumm, ACM SIGSPATIAL 2009).

Every frame then says what is true of it (`status`, one of STATUSES):
- `matched`: its own top candidate, verified by geometry, is on the track;
- `corrected`: the track went through another of its VERIFIED candidates;
- `interpolated`: no verified answer of its own; its position is the track's, between two
  verified frames (a cubic spline in time through them); in a flight where nothing at all is
  verified, between two `retrieved` frames on the track (still `verified: false`);
- `extrapolated`: the same, but before the first or after the last verified frame, at constant
  velocity for at most `extrapolate_s` seconds (no later frame confirms where the drone went); the
  velocity measured over at least `velocity_base_s` seconds, the step within `max_speed_mps`'s reach (a burst's
  two photos 0.01 s apart measure none: the frames past them are not located);
- `retrieved`: on the track by appearance only (a tile it resembles, never verified) and not
  between verified frames: tile-level, as a single photo's "retrieved"; in a flight with verified
  frames the track line does not pass through it (Track.on_line);
- `flagged`: its own verified answer lies far from the track; it keeps that answer (the track may
  be what is wrong); the track line passes where the track says;
- `not located`: nothing placed it (nothing verified, nothing on the track, beyond the
  extrapolation horizon, or content-free). It keeps its single-photo estimate as the exported
  point, like a single "not located" photo, and the track line does not pass through it.
Only `matched`, `corrected` and `flagged` frames are verified. A frame the track placed
(`interpolated`, `extrapolated`) is trusted as often as such frames were right at its distance from
the verified frames around it (TrackPoint.confidence, core/track_confidence.py, measured), and never
more than those frames' own confidences (set: the track through a wrong anchor is wrong); so is a
`corrected` frame, against the other verified frames: its own confidence was about the top tile
the track rejected (moved_confidence); a `retrieved` one on another tile than its top claims no
more than its top did, nor than track_confidence.TWO_PLACES. Truth is never read here except to score.
"""

from __future__ import annotations

import logging
import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np

from .geo import haversine_m, local_metres, metres_per_degree
from .model import (SOURCE_HOMOGRAPHY, SOURCE_TILE_CENTRE, SOURCE_TRACK, STATUS_NOT_LOCATED, STATUS_WEAK, WEAK_BELOW,
                    LatLon, Match, Prediction, Query, Tile, _wrap_lon)
from .names import readable
from .outside_tiles import OUTSIDE_CEILING, UNMATCHED_CAUTION, flight_caution, unmatched_in_flight
from .predict import _tile_radius_m  # half a tile's diagonal: one rule with prediction's
from .track_confidence import TWO_PLACES, placed_confidence
from .wording import shot_of

log = logging.getLogger("geolocator")

STATUSES = ("matched", "corrected", "interpolated", "extrapolated", "retrieved", "flagged", "not located")
VERIFIED_STATUSES = ("matched", "corrected", "flagged")  # the frame's own answer is verified by geometry
# What a frame the track placed (interpolated, extrapolated) reads where its confidence is below
# model.WEAK_BELOW (shown_track_status): placed by the track, but right less than half the time.
STATUS_WEAK_TRACK = "weak track"


def shown_track_status(status: str, confidence: float | None) -> str:
    """The status people read for a flight's frame (`status`, one of STATUSES; `confidence`: its
    TrackPoint.confidence in [0, 1], None when not worked out), by the rule single photos follow
    (model.Prediction.shown_status): below model.WEAK_BELOW (0.5) a `matched` or `corrected` frame
    reads model.STATUS_WEAK ("weak match": verified, but such answers were right 29 % of the time,
    training/verified_by_confidence.py) and an `interpolated` or `extrapolated` one STATUS_WEAK_TRACK
    ("weak track"). `flagged`, `retrieved` and `not located` already say they are unsure: as they are.
    `status` itself stays what the track found (evaluation, the map's styles and `verified` read it)."""
    if confidence is None or confidence >= WEAK_BELOW:
        return status
    if status in ("matched", "corrected"):
        return STATUS_WEAK
    if status in ("interpolated", "extrapolated"):
        return STATUS_WEAK_TRACK
    return status


@dataclass(frozen=True)
class MotionModel:
    """Parameters of the sequence model (metres, seconds)."""

    max_speed_mps: float = 20.0  # about the top speed of consumer drones (DJI Mavic/Air class)
    verified_slack_m: float = 10.0  # a verified centre's uncertainty (oblique views, homography noise)
    min_inliers: int = 8  # as rerank.VerifySettings.min_inliers: fewer is no evidence of the place
    verified_bonus: float = 4.0  # log-odds of a verified candidate over the frame's unverified best
    cosine_temperature: float = 0.02  # as predict.WEIGHT_TEMPERATURE
    skip_cost: float = 3.0  # cost of leaving one frame off the track
    move_cost: float = 0.5  # cost of a move using all of its reach (shorter moves are cheaper)
    turn_cost: float = 3.0  # cost of a reversal between two well-measured legs (a right angle: half)
    max_gap_frames: int = 30  # longest stretch of frames the track may bridge
    max_photo_gap_s: float = 300.0  # photos further apart in time start a new flight
    extrapolate_s: float = 5.0  # past the first/last verified frame, constant velocity for this long
    # Between two verified frames at most this far apart in time, the track places the frames between
    # them; further apart (a pilot's photos taken a minute apart), nothing measured how far the drone
    # strayed in between (1.2 km a minute at max_speed), so a frame there keeps its own answer. 63 s:
    # the longest gap the interpolated table was measured on (fit_track_confidence.py: 20 stills 3 s
    # apart left out, 63 s between the anchors around them; video frames 1 s apart: 21 s;
    # track_confidence.md). Session 24.
    max_bridge_s: float = 63.0
    # Extrapolation's velocity (constant-velocity model) is measured over at least this many seconds:
    # from the end anchor to the nearest anchor at least this far before it (after it, at the
    # start). Two verified centres each off by ~0.5 m a burst 0.01 s apart read 100 m/s, and 5 s
    # of it puts a frame 500 m off; over 0.5 s the same noise is at most ~2 m/s, 10 m at the 5 s
    # horizon (verified_slack_m). 0.5 s, not 1: video is sampled every 1 s (compare_sequence.py)
    # and its frame times are not exact to the microsecond, so a 1 s base passed over the last
    # frame pair for one 6 s back on a curve (Vegas video: 2.0 -> 4.0 m); interval stills are 2 s
    # or more apart; a burst (under 0.1 s) or close video samples are less. Session 33.
    velocity_base_s: float = 0.5
    # Between verified frames the track is a cubic spline in time, which follows a curve sampled
    # often (the video: 28 -> 2.5 m) but, fed a corner, swings past it: a flight turning back at a
    # column's end with 20 s between two anchors put the frames between them 34-125 m off, read
    # 0.84-0.96 (track37_session37.md). Where the anchors' path turns by more than this many degrees
    # at an anchor (both legs longer than twice verified_slack_m, so their headings are measured,
    # not noise), the spline is split there: each side its own (_interpolate); and a frame placed
    # across a gap whose heading in and out differ by more than this claims less (smooth_flight:
    # read as extrapolated). 180: neither. 90 (turning back) chosen on the built flights of
    # track37_cases.py, the only ones measured: 60 and 120 did no better there
    # (training/results/track37_cases.md).
    sharp_turn_deg: float = 90.0


@dataclass(frozen=True)
class TrackPoint:
    """One frame of a flight after the sequence model."""

    query: Query
    time_s: float  # seconds from the flight's first frame
    location: LatLon  # the best estimate: on the track
    status: str  # one of STATUSES
    own: LatLon  # the frame's single-photo estimate (Prediction.location, the best estimate)
    rank: int | None = None  # which of the frame's candidates the track went through (1 = its top)
    verified: bool = False  # the location is a verified homography centre
    error_m: float | None = None  # to the truth (scoring only)
    own_error_m: float | None = None
    footprint: tuple[LatLon, ...] | None = None  # the chosen match's ground quad, when known
    # where the track passes at this frame's time; differs from `location` only for a flagged
    # frame, which keeps its own verified answer (the track may be the one that is wrong)
    track_location: LatLon | None = None
    # an extrapolated frame: seconds past the first/last verified frame (how far to trust it)
    extrapolated_s: float | None = None
    # Where `location` comes from when it is not the frame's own answer (Prediction.location): a
    # model.SOURCE_* value, with the candidate tile it comes from (None: the track between frames).
    # None: the frame's own answer, whose location_source and top tile say it.
    location_source: str | None = None
    tile: Tile | None = None
    # How far to trust `location`, in [0, 1]: the frame's own answer's confidence (Prediction.
    # confidence), or for a frame the track placed (interpolated, extrapolated) the measured share
    # of such frames that were right (track_confidence.placed_confidence); a corrected frame is
    # read likewise against the other verified frames (moved_confidence), and a frame retrieved on
    # another tile than its top claims at most track_confidence.TWO_PLACES: their own confidence is
    # about their top tile, which the track rejected. None: not worked out (a TrackPoint made by
    # hand); the exports then keep the prediction's.
    confidence: float | None = None
    # a frame the track placed: metres from its position to the nearest anchor of the track (a
    # verified frame's answer; in a flight with nothing verified, a retrieved one), the quantity
    # its confidence is read against
    anchor_distance_m: float | None = None
    # the radius `confidence` speaks of (predict.confidence_radius_m): half the diagonal of `tile`,
    # else of the frame's top tile; None: not worked out (a TrackPoint made by hand)
    radius_m: float | None = None
    # whether the frame's own single-frame answer claims a place (model.claims_place: False when it was
    # "not located"); `own` is then its candidates' middle, which no export gives (single_lat/lon null)
    own_placed: bool = True
    # Why the Point may be a guess, for the track's Point (not the frame's own answer, whose low-texture
    # caution stays off: the Point is the track's): outside_tiles.flight_caution when the run or the
    # flight hardly verified (the place may not be in the tiles), outside_tiles.UNMATCHED_CAUTION on a frame
    # extrapolated past verified frames whose own readable picture matched nothing (an interpolated one keeps
    # none: smooth_flight); set on unverified frames only.
    caution: str | None = None

    @property
    def shown_status(self) -> str:
        """`status` as people read it (shown_track_status): below model.WEAK_BELOW a verified frame
        reads "weak match" and a frame the track placed "weak track". Every export, the map, the app's
        list and Results pane and the CLI show this; `status` is what the track found."""
        return shown_track_status(self.status, self.confidence)


@dataclass(frozen=True)
class Track:
    name: str  # the video's id (+ "shot 2 of 5" in an edit), or "photos" (+ camera) for a still sequence
    points: tuple[TrackPoint, ...]
    # A shot of a video edited from several (core/media/cuts.py found the cuts from its pixels):
    # the video's id, which shot this is (1-based) and of how many. None: a whole video or photos.
    video: str | None = None
    shot: int | None = None
    shots: int | None = None

    @property
    def edit_shot(self) -> tuple[int, int] | None:
        """(shot, shots), 1-based, when this track is one shot of a video edited from several; None
        for a whole video or photos."""
        return None if self.shot is None or self.shots is None else (self.shot, self.shots)

    @property
    def on_line(self) -> list[TrackPoint]:
        """The frames the track line passes through, in time order: not the "not located" ones, and,
        in a flight where some frame is verified, not the "retrieved" ones either: those are past the
        extrapolation horizon, at a tile they merely resemble (a drone that flew off the imagery had
        its line drawn back across the searched area through three such guesses of confidence
        0.007-0.35, newuser_session18.md), so the line ends where the evidence (and the short
        extrapolation past it) ends. In a flight where nothing is verified the retrieved frames are
        all there is, and the line goes through them."""
        anchored = any(p.verified for p in self.points)
        return [p for p in self.points
                if p.status != STATUS_NOT_LOCATED and not (anchored and p.status == "retrieved")]

    @property
    def line(self) -> list[LatLon]:
        """The track through the frames' times (flagged frames at the track, not their own answer),
        through the frames of `on_line` only."""
        return [p.track_location or p.location for p in self.on_line]


def frame_shots(tracks: Sequence[Track]) -> dict[str, tuple[int, int]]:
    """{query id: (shot, shots)}, 1-based, of each frame of a video edited from several shots
    (core/media/cuts.py found the cuts from its pixels; Track.edit_shot). The one place every output
    reads a frame's shot from (the app's Results pane and photo list, the map, CSV, GeoJSON, GPX, KML),
    each writing it with wording.shot_of ("shot 2 of 5"). A shot of one sampled frame is a track of
    one point (`smooth`), so its frame is in it too. Frames of a whole video or of photos are not."""
    return {p.query.id: t.edit_shot for t in tracks if t.edit_shot is not None for p in t.points}


# -- sequences -----------------------------------------------------------------------------------
def photo_capture(path: Path) -> tuple[datetime | None, str]:
    """(capture time, camera make + model) of a photo from its EXIF (core/media/metadata.py);
    (None, "") when absent or unreadable. Naive local camera time: fine for ordering one camera's
    photos (the UTC offset, when recorded, is dropped so that photos with and without one compare)."""
    from .media.metadata import read_photo_meta

    return _capture_of(read_photo_meta(path))


def _capture_of(meta) -> tuple[datetime | None, str]:
    when = getattr(meta, "captured_at", None)
    camera = " ".join(x for x in (getattr(meta, "make", None), getattr(meta, "model", None)) if x).strip()
    return (when.replace(tzinfo=None) if isinstance(when, datetime) else None), camera


def _query_capture(query: Query) -> tuple[datetime | None, str]:
    meta = getattr(query, "meta", None)  # read when the photo was loaded
    return _capture_of(meta) if meta is not None else photo_capture(query.path)


def _query_identity(query: Query) -> tuple[datetime | None, str, str | None]:
    """(capture time, camera make + model, camera serial or None) of a photo (as _query_capture,
    plus PhotoMeta.serial: EXIF BodySerialNumber or the maker's XMP serial), its metadata read once."""
    meta = getattr(query, "meta", None)  # read when the photo was loaded
    if meta is None:
        from .media.metadata import read_photo_meta

        meta = read_photo_meta(query.path)
    when, camera = _capture_of(meta)
    return when, camera, getattr(meta, "serial", None)


def sequences(queries: Sequence[Query], model: MotionModel = MotionModel(),
              clock_zones=None) -> list[tuple[str, list[tuple[Query, float]]]]:
    """Flights among the queries: [(name, [(query, seconds from the flight's start), ...])].

    A video's frames form one flight (by frame time), or one per shot where the video is an edit
    (`_video_flights`: cuts found from its pixels; the frames of a shot are then timed from the
    video's first sampled frame, so a frame's time stays its time in the video). Photos with a capture time form flights per
    camera: make and model, and the body's serial number where the photos record one (two drones of
    one model in one folder: their photos interleave in time, and one track through both put each
    drone's frames on the other's path); and per folder where one model's folders overlap in time
    (two drones without serials, each card copied into its own folder: `_by_folder`). A flight of one
    model named among several serials says which ("photos DJI FC3411 serial 1581F4XF"). Split where
    consecutive photos are more than `max_photo_gap_s` apart. Photos without a capture time belong
    to none. Flights of one frame are dropped (nothing to smooth), except a shot of an edited video: a shot
    of one sampled frame is a flight of its own like any other shot, so that every output says its shot.
    `clock_zones` (core.clock_zones.ClockZones, `--clock-zone FOLDER=ZONE`): photos whose clocks the
    person said were set to different zones are different clocks, so never one flight (their naive
    times cannot be compared); a flight of one camera model under several such folders names its own.
    """
    return [(name, items) for name, items, _ in _sequences(queries, model, clock_zones)]


def _video_flights(frames: list[Query]) -> list[tuple[str, list[tuple[Query, float]], tuple[str, int, int] | None]]:
    """One video's frames (sorted by time) as flights: one, or one per shot when the video is an edit
    of several (core/media/cuts.py, from the pixels alone: never the telemetry, whose presence does
    not change the answer; a cut found in a video with a telemetry sidecar is unusual, a recorded
    flight being one shot, and is logged). The third item: (video id, shot, shots), 1-based; None
    for a video of one shot. A video whose file is not there now is one flight, as before."""
    name = frames[0].id.split("#t=")[0]
    t0 = float(frames[0].time_s)
    timed = [(q, float(q.time_s) - t0) for q in frames]
    path = frames[0].path
    if len(frames) < 2 or not Path(path).is_file():
        return [(name, timed, None)]
    from .media.cuts import video_shots_or_one

    index = video_shots_or_one(path, [float(q.time_s) for q in frames])
    n = max(index) + 1
    if n == 1:
        return [(name, timed, None)]
    if any(q.telemetry is not None for q in frames):
        log.warning("%s: %d shot cuts found in a video with a telemetry sidecar (a recorded flight is one shot: is the "
                    "sidecar this edit's?): its frames are tracked shot by shot", path, n - 1)
    return [(f"{name} {shot_of(k + 1, n)}", [x for x, s in zip(timed, index) if s == k], (name, k + 1, n))
            for k in range(n)]


def _sequences(queries: Sequence[Query], model: MotionModel = MotionModel(), clock_zones=None):
    """`sequences`, each flight with its shot: (name, items, (video id, shot, shots) or None)."""
    videos: dict[Path, list[Query]] = {}
    photos: dict[tuple[str, str | None, str | None], list[tuple[datetime, Query]]] = {}
    clock_of = getattr(clock_zones, "clock_of", None)  # a ClockZones: the folder rule each photo's clock is read by
    written = {str(path): text for path, _, text in getattr(clock_zones, "folders", ())}
    for q in queries:
        if q.time_s is not None:
            videos.setdefault(q.path, []).append(q)
            continue
        when, camera, serial = _query_identity(q)
        if when is not None:
            photos.setdefault((camera, serial, clock_of(q.path) if clock_of else None), []).append((when, q))
    serials: dict[str, int] = {}  # camera model -> how many bodies (serials, or none recorded) took its photos
    clocks: dict[tuple[str, str | None], int] = {}  # camera body -> how many clock zones its photos were given
    for camera, serial, _ in photos:
        clocks[(camera, serial)] = clocks.get((camera, serial), 0) + 1
    for camera, serial in clocks:
        serials[camera] = serials.get(camera, 0) + 1
    out: list[tuple] = []
    for path, frames in videos.items():
        frames.sort(key=lambda q: q.time_s)
        out.extend(_video_flights(frames))
    for (camera, serial, clock), same_body in photos.items():
        body = f" serial {serial}" if serials[camera] > 1 and serial else ""
        if clocks[(camera, serial)] > 1:  # one model's photos under folders given different clock zones
            body += f" clock of {written[clock]}" if clock is not None else " default clock"
        for folder, items in _by_folder(same_body):
            name = f"photos {camera}{body}".strip() + (f" ({folder})" if folder else "")
            items.sort(key=lambda x: (x[0], x[1].id))
            run: list[tuple[datetime, Query]] = []
            for when, q in items:
                if run and (when - run[-1][0]).total_seconds() > model.max_photo_gap_s:
                    out.append((name, [(p, (w - run[0][0]).total_seconds()) for w, p in run], None))
                    run = []
                run.append((when, q))
            if run:
                out.append((name, [(p, (w - run[0][0]).total_seconds()) for w, p in run], None))
    # a shot of one sampled frame stays (its frame is labelled "shot k of n" by every output, as the
    # frames of the other shots are: mend_session23.md); a one-frame flight of anything else is dropped
    return [(name, items, shot) for name, items, shot in out if len(items) >= 2 or shot is not None]


def _folder_label(query: Query, folder: Path) -> str:
    """The folder as the photo's id names it ("droneB/100MEDIA"), else (files given one by one, whose
    ids are bare names) the folder's own name."""
    parent = Path(query.id).parent
    return parent.as_posix() if parent != Path(".") else readable(folder.name)


def _by_folder(items: list[tuple[datetime, Query]]) -> list[tuple[str | None, list[tuple[datetime, Query]]]]:
    """One camera model's timed photos as [(folder label or None, photos)]: one group, unless photos of
    two folders were taken over overlapping times, which one camera cannot do: two drones of one model
    flying at once, each card copied into its own folder (newuser_session18.md: drone B's 9 verified
    photos were all `flagged` against a track along drone A's). Then one group per folder, labelled by
    the folder as the photo ids name it ("droneB/100MEDIA"). Folders one after another (DJI's 100MEDIA,
    101MEDIA) stay one group."""
    folders: dict[Path, list[tuple[datetime, Query]]] = {}
    for when, q in items:
        folders.setdefault(Path(q.path).parent, []).append((when, q))
    if len(folders) < 2:
        return [(None, items)]
    spans = sorted((min(w for w, _ in group), max(w for w, _ in group)) for group in folders.values())
    latest = spans[0][1]
    for start, end in spans[1:]:
        # Strictly before: a burst that straddles the rollover (DJI writes no SubSecTime, so its frames
        # share one second) puts 100MEDIA's last photo and 101MEDIA's first at the same time, and that
        # one camera can do (flights37_session37.md: the flight was cut in two at the folder).
        if start < latest:  # this folder began before an earlier one ended
            return [(_folder_label(group[0][1], folder), group) for folder, group in folders.items()]
        latest = max(latest, end)
    return [(None, items)]


# -- the model ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Candidate:
    match: Match
    position: LatLon
    slack_m: float
    verified: bool
    emission: float


def _candidates(pred: Prediction, model: MotionModel) -> list[_Candidate]:
    """A frame's states: its matches, verified ones at their homography centre. When any match is
    verified only the verified ones are states: geometry outranks appearance, and the track must
    not move a verified frame onto a tile it merely resembles."""
    if not pred.matches or pred.status == STATUS_NOT_LOCATED:  # content-free: its "matches" are noise
        return []
    best = max(m.score for m in pred.matches)
    out = []
    any_verified = any(m.ground is not None and (m.inliers or 0) >= model.min_inliers for m in pred.matches)
    for m in pred.matches:
        verified = m.ground is not None and (m.inliers or 0) >= model.min_inliers
        if any_verified and not verified:
            continue
        if verified:
            emission = model.verified_bonus + math.log((m.inliers or 1) / model.min_inliers)
            out.append(_Candidate(m, m.ground, model.verified_slack_m, True, emission))
        else:
            emission = max((m.score - best) / model.cosine_temperature, -20.0)
            out.append(_Candidate(m, m.tile.center, _tile_radius_m(m.tile), False, emission))
    return out


def _xy(points: Sequence[LatLon], origin: LatLon) -> np.ndarray:
    """Local east/north metres about `origin` (equirectangular: exact enough over a flight); east
    the short way round, so a point just across ±180° is metres away, not the globe's girth."""
    return local_metres(points, origin)


def _lon_step(a: float, b: float) -> float:
    """Degrees east from longitude a to b the short way round, in [-180, 180)."""
    return (b - a + 180.0) % 360.0 - 180.0


def _turn_penalty(prev_xy: np.ndarray, prev_slack: np.ndarray, mid_xy: np.ndarray, mid_slack: np.ndarray,
                  next_xy: np.ndarray, next_slack: np.ndarray) -> np.ndarray:
    """How implausible the turn prev -> mid -> next is, in [0, 1]: (1 - cos(turn angle)) / 2 (0
    straight on, 0.5 a right angle, 1 a reversal), times how well each leg's direction is known:
    d^2 / (d^2 + s^2) for a leg of length d whose ends are uncertain by s (quadrature of their
    slacks): a 5 m hop between two 10 m-uncertain points says nothing about the heading.
    Shapes: prev (P, 2), (P,); mid (K1, 2), (K1,); next (K2, 2), (K2,) -> (K1, P, K2); a previous
    position of NaN (the track starts at mid) gives 0."""
    v1 = mid_xy[:, None, :] - prev_xy[None, :, :]  # (K1, P, 2)
    v2 = next_xy[None, :, :] - mid_xy[:, None, :]  # (K1, K2, 2)
    l1, l2 = (v1**2).sum(-1), (v2**2).sum(-1)
    r1 = l1 / (l1 + mid_slack[:, None] ** 2 + prev_slack[None, :] ** 2)
    r2 = l2 / (l2 + mid_slack[:, None] ** 2 + next_slack[None, :] ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.einsum("apx,aqx->apq", v1, v2) / np.sqrt(l1[:, :, None] * l2[:, None, :])
    pen = (1.0 - np.clip(cos, -1.0, 1.0)) / 2.0 * r1[:, :, None] * r2[:, None, :]
    return np.nan_to_num(pen, nan=0.0)


def viterbi_path(times: Sequence[float], cands: Sequence[Sequence[_Candidate]], origin: LatLon,
                 model: MotionModel) -> list[int | None]:
    """The best candidate index per frame, None for frames left off the track.

    Maximises sum(emissions of on-track frames) - skip_cost * (frames off it) - move costs
    - turn_cost * turn penalties (_turn_penalty, for every three consecutive on-track frames),
    under the reach constraint |p_j - p_i| <= max_speed * (t_j - t_i) + slack_i + slack_j between
    consecutive on-track frames i < j (j - i <= max_gap_frames + 1).

    The turn term spans three frames, so the dynamic programme is second order: a state is a
    frame's candidate together with the on-track candidate before it (Viterbi on the pair chain,
    as for second-order HMMs, e.g. He, "Extended Viterbi algorithm for second order hidden Markov
    process", ICPR 1988); exact, not a greedy look-back. O(n * gap * K^2 * L) with gap the frames a
    leg may bridge and L the live previous slots per frame (see `live` below; at most gap * K);
    with turn_cost 0 it is the first-order skip-chain Viterbi.
    """
    n = len(times)
    if n == 0:
        return []
    xy = [_xy([c.position for c in cs], origin) for cs in cands]
    slack = [np.array([c.slack_m for c in cs], np.float64) for cs in cands]
    emit = [np.array([c.emission for c in cs], np.float64) for cs in cands]
    S, W = model.skip_cost, model.turn_cost
    # Per frame j: slots for "the on-track candidate before (j, b)": 0 = none (the track starts at
    # j), then (i, a) for every earlier frame i in reach and each of its candidates a.
    slots: list[list[tuple[int, int] | None]] = []
    slot_xy: list[np.ndarray] = []  # (P_j, 2) the previous candidate's position, NaN for slot 0
    slot_slack: list[np.ndarray] = []
    score: list[np.ndarray] = []  # (K_j, P_j) best path ending at candidate b with previous slot p
    back: list[np.ndarray] = []  # (K_j, P_j) the previous candidate's own slot
    # Slots that can still win (exact pruning): a turn costs at most W, so a slot scoring more
    # than W below the best slot of the same candidate never beats it, whatever comes next. Skips
    # cost S each, so this keeps a few slots per candidate instead of gap x K (measured: 7x faster
    # on 10 unverified candidates a frame).
    live: list[np.ndarray] = []
    for j in range(n):
        k = len(cands[j])
        window = [i for i in range(max(0, j - model.max_gap_frames - 1), j) if len(cands[i])]
        ids: list[tuple[int, int] | None] = [None] + [(i, a) for i in window for a in range(len(cands[i]))]
        sc = np.full((k, len(ids)), -np.inf)
        bk = np.zeros((k, len(ids)), np.int64)
        if k:
            sc[:, 0] = -S * j + emit[j]  # the track starts here: every earlier frame skipped
            col = 1
            for i in window:
                ki = len(cands[i])
                dt = max(times[j] - times[i], 0.0)
                d = np.linalg.norm(xy[i][:, None, :] - xy[j][None, :, :], axis=2)  # (Ki, Kj)
                reach = model.max_speed_mps * dt + slack[i][:, None] + slack[j][None, :]
                trans = np.where(d <= reach, -model.move_cost * (d / reach) ** 2, -np.inf)
                keep = live[i]
                total = score[i][:, keep, None] + trans[:, None, :] - S * (j - i - 1)  # (Ki, Pi live, Kj)
                if W > 0:
                    total = total - W * _turn_penalty(slot_xy[i][keep], slot_slack[i][keep], xy[i], slack[i],
                                                      xy[j], slack[j])
                p = np.argmax(total, axis=1)  # (Ki, Kj)
                val = np.take_along_axis(total, p[:, None, :], axis=1)[:, 0, :]
                sc[:, col:col + ki] = (val + emit[j][None, :]).T
                bk[:, col:col + ki] = keep[p].T
                col += ki
        slots.append(ids)
        slot_xy.append(np.vstack([np.full((1, 2), np.nan)] + [xy[i] for i in window]))
        slot_slack.append(np.concatenate([[0.0]] + [slack[i] for i in window]))
        score.append(sc)
        back.append(bk)
        if k:
            best = sc.max(axis=1, keepdims=True)
            live.append(np.flatnonzero((np.isfinite(sc) & (sc >= best - W - 1e-9)).any(axis=0)))
        else:
            live.append(np.zeros(0, np.int64))
    # the end: every later frame skipped; or no frame on the track at all
    end_val, end = -S * n, None
    for j in range(n):
        if len(cands[j]):
            b, p = np.unravel_index(int(np.argmax(score[j])), score[j].shape)
            v = float(score[j][b, p]) - S * (n - 1 - j)
            if v > end_val:
                end_val, end = v, (j, int(b), int(p))
    path: list[int | None] = [None] * n
    while end is not None:
        j, b, p = end
        path[j] = b
        prev = slots[j][p]
        end = None if prev is None else (prev[0], prev[1], int(back[j][b, p]))
    return path


def _own_top_when_one_place(path: list[int | None], cands: Sequence[Sequence[_Candidate]],
                            slack_m: float) -> list[int | None]:
    """`path` (viterbi_path: a candidate index per frame, None off the track) with each frame the
    track took through a verified candidate other than its own verified top moved back onto that top
    where the two lie within `slack_m` metres (MotionModel.verified_slack_m) of each other.

    The track treats a verified centre as uncertain by `slack_m`, so between two such centres of one
    frame its choice is the move and turn costs' noise, not evidence; the top is the photo's best
    verified answer, and its own confidence speaks of it. Without this the frame was "corrected" and
    read two places' confidence: a photo verified on two overlapping tiles 1.4 m apart, its own
    confidence 0.997 and 0.4 m from the truth, read "weak match 0.19" (flights37_session37.md)."""
    out = list(path)
    for j, c in enumerate(path):
        if c is None or not cands[j][c].verified or cands[j][c].match.rank == 1:
            continue
        top = next((k for k, x in enumerate(cands[j]) if x.match.rank == 1 and x.verified), None)
        if top is not None and haversine_m(cands[j][top].position, cands[j][c].position) <= slack_m:
            out[j] = top
    return out


def _unwrapped_lons(anchors: dict[int, LatLon], idx: Sequence[int]) -> np.ndarray:
    """The longitudes (degrees) of `anchors` in the order `idx`, each the short way round from the one
    before, so a flight across ±180° runs on through 180 instead of jumping back across the globe."""
    steps = [_lon_step(anchors[a].lon, anchors[b].lon) for a, b in zip(idx, idx[1:])]
    return anchors[idx[0]].lon + np.cumsum([0.0] + steps)


def _end_pair(t: np.ndarray, at_start: bool, min_base_s: float) -> tuple[int, int] | None:
    """(end index, other index) into the anchor times `t` (sorted, seconds) over which an end's
    velocity is measured: the end anchor and the nearest anchor at least `min_base_s` (and more
    than 0) seconds inside it; None when every other anchor is closer in time than that (a burst:
    no velocity is measured)."""
    if len(t) < 2:
        return None
    base = max(min_base_s, 1e-9)
    if at_start:
        inside = np.nonzero(t - t[0] >= base)[0]
        return (0, int(inside[0])) if len(inside) else None
    inside = np.nonzero(t[-1] - t >= base)[0]
    return (len(t) - 1, int(inside[-1])) if len(inside) else None


def _end_velocities(t: np.ndarray, lat: np.ndarray, lon: np.ndarray, min_base_s: float, max_speed_mps: float,
                    slack_m: float) -> dict[bool, tuple[float, float, float, bool] | None]:
    """Per end (True: before the first anchor, False: after the last): (degrees of latitude per
    second, degrees of longitude per second, metres per second, within the speed limit), or None
    where no velocity is measured (_end_pair). "within" is False when the two anchors are further
    apart than `max_speed_mps` (m/s) x their time apart + `slack_m` metres (the Viterbi reach rule:
    a drone cannot have flown that, one of them is wrong)."""
    out: dict[bool, tuple[float, float, float, bool] | None] = {}
    for at_start in (True, False):
        pair = _end_pair(t, at_start, min_base_s)
        if pair is None:
            out[at_start] = None
            continue
        a, b = pair
        dt = t[a] - t[b]  # signed: the velocity points outwards from the inner anchor to the end
        vlat, vlon = (lat[a] - lat[b]) / dt, (lon[a] - lon[b]) / dt
        m_lat, m_lon = metres_per_degree(float(lat[a]))
        speed = math.hypot(vlat * m_lat, vlon * m_lon)
        within = speed * abs(dt) <= max_speed_mps * abs(dt) + slack_m
        out[at_start] = (float(vlat), float(vlon), float(speed), bool(within))
    return out


def _sharp_turns(t: np.ndarray, lat: np.ndarray, lon: np.ndarray, turn_deg: float, min_leg_m: float) -> list[int]:
    """Indices k (1 .. len - 2) of the anchors (sorted by time `t`, seconds; `lat`, `lon` degrees,
    longitudes unwrapped) where the path through them turns by more than `turn_deg` degrees: the
    angle between the legs k-1 -> k and k -> k+1, each longer than `min_leg_m` metres (a shorter
    leg's heading is its ends' noise). Local metres about the first anchor (equirectangular)."""
    if len(t) < 3 or turn_deg >= 180.0:
        return []
    m_lat, m_lon = metres_per_degree(float(lat[0]))
    legs = np.diff(np.column_stack([(lon - lon[0]) * m_lon, (lat - lat[0]) * m_lat]), axis=0)  # (K-1, 2)
    length = np.hypot(legs[:, 0], legs[:, 1])
    out = []
    for k in range(1, len(t) - 1):
        a, b = legs[k - 1], legs[k]
        if length[k - 1] > min_leg_m and length[k] > min_leg_m:
            cos = float(a @ b) / (length[k - 1] * length[k])
            if cos < math.cos(math.radians(turn_deg)):
                out.append(k)
    return out


def _interpolate(times: Sequence[float], anchors: dict[int, LatLon], horizon_s: float = 0.0,
                 min_base_s: float = 0.0, max_speed_mps: float = math.inf, slack_m: float = 0.0,
                 sharp_turn_deg: float = 180.0) -> list[LatLon | None]:
    """Each frame's position between the anchors around it: a cubic spline in time through the
    anchors (scipy CubicSpline, not-a-knot) when there are 4 or more, so a gap on a curve follows
    the curve (measured on the synthetic flights: bad-stretch error 28 -> 2.5 m for the video),
    else linear. Where the anchors' path turns by more than `sharp_turn_deg` degrees at an anchor
    (MotionModel.sharp_turn_deg; legs longer than 2 x `slack_m`: _sharp_turns), the spline is
    split at that anchor, each piece its own spline (linear where a piece has under 4 anchors): one
    spline through a corner swings past it on both sides (track37_session37.md: 34-125 m across a
    20 s gap after a column's end). Before the first and after the last anchor: constant velocity for up to
    `horizon_s` seconds, then held. The velocity (constant-velocity model) is the end anchor's
    from the nearest anchor at least `min_base_s` seconds inside it (MotionModel.velocity_base_s:
    two anchors a burst apart give no velocity, and the end is held); the step is capped so that
    an extrapolated frame is never further from the end anchor than `max_speed_mps` (m/s,
    MotionModel.max_speed_mps) times its seconds past it + `slack_m` metres (the end's own
    uncertainty, MotionModel.verified_slack_m: the Viterbi reach rule; the tracked point is the
    image centre, which a turning camera moves faster than the drone: 22 m/s for 1 s on the
    Vegas video of compare_sequence.py)."""
    if not anchors:
        return [None] * len(times)
    idx = sorted(anchors, key=lambda i: (times[i], i))  # in time order (np.interp needs it)
    t = np.array([times[i] for i in idx])
    lat = np.array([anchors[i].lat for i in idx])
    # continued across ±180° (each step the short way), folded back below: a flight over the
    # antimeridian interpolates through it, not round the far side of the globe (session 33)
    lon = _unwrapped_lons(anchors, idx)
    # pieces of the anchors, [first, last] index, split at sharp turns (the corner anchor ends one
    # and starts the next); a piece of 4 or more strictly timed anchors gets its own spline,
    # not-a-knot at the cuts too (a natural end there, or a straight line over the two legs at each
    # corner, measured worse: more confident-wrong frames, track37_session37.md)
    splines = []
    if np.all(np.diff(t) > 0):
        from scipy.interpolate import CubicSpline

        cuts = [0, *_sharp_turns(t, lat, lon, sharp_turn_deg, 2 * slack_m), len(t) - 1]
        for a, b in zip(cuts, cuts[1:]):
            if b - a + 1 >= 4:
                splines.append((t[a], t[b], CubicSpline(t[a:b + 1], lat[a:b + 1]), CubicSpline(t[a:b + 1], lon[a:b + 1])))
    velocity = _end_velocities(t, lat, lon, min_base_s, max_speed_mps, math.inf)
    out = []
    for x in times:
        piece = next((s for s in splines if s[0] <= x <= s[1]), None)
        if piece is not None:
            out.append(LatLon(float(piece[2](x)), _wrap_lon(float(piece[3](x)))))
            continue
        y = (float(np.interp(x, t, lat)), float(np.interp(x, t, lon)))
        if x < t[0] or x > t[-1]:
            v = velocity[bool(x < t[0])]
            if v is not None:
                edge = t[0] if x < t[0] else t[-1]
                step = float(np.clip(x - edge, -horizon_s, horizon_s))
                reach = max_speed_mps * abs(step) + slack_m
                if v[2] * abs(step) > reach:  # past the speed limit's reach: shortened to it
                    step *= reach / (v[2] * abs(step))
                y = (y[0] + v[0] * step, y[1] + v[1] * step)
        out.append(LatLon(min(90.0, max(-90.0, y[0])), _wrap_lon(y[1])))
    return out


def _place(times: Sequence[float], anchors: dict[int, LatLon], j: int, horizon_s: float,
           bridge_s: float = math.inf, min_base_s: float = 0.0, max_speed_mps: float = math.inf,
           slack_m: float = math.inf) -> tuple[str, float | None] | None:
    """Where frame j's time lies against the anchors: ("interpolated", None) between the first and
    the last when the anchors just before and just after it are at most `bridge_s` seconds apart
    (MotionModel.max_bridge_s; further apart: None), ("extrapolated", seconds past them) within
    `horizon_s` outside, else None. Outside, also None where that end has no velocity measured
    over `min_base_s` seconds (a burst: MotionModel.velocity_base_s), or where its two anchors lie
    further apart than `max_speed_mps` (m/s) x their time apart + `slack_m` metres (the speed limit
    says one of them is wrong): _end_velocities."""
    if not anchors:
        return None
    first, last, t = times[min(anchors)], times[max(anchors)], times[j]
    if len(anchors) >= 2 and first <= t <= last:
        before = max(times[i] for i in anchors if times[i] <= t)
        after = min(times[i] for i in anchors if times[i] >= t)
        return ("interpolated", None) if after - before <= bridge_s else None
    beyond = first - t if t < first else t - last
    if len(anchors) >= 2 and beyond <= horizon_s:  # a velocity needs two anchors
        idx = sorted(anchors, key=lambda i: (times[i], i))
        lon = _unwrapped_lons(anchors, idx)
        v = _end_velocities(np.array([times[i] for i in idx]), np.array([anchors[i].lat for i in idx]), lon,
                            min_base_s, max_speed_mps, slack_m)[bool(t < first)]
        if v is not None and v[3]:  # measured, and within the speed limit
            return "extrapolated", float(beyond)
    return None


def _nearest_anchors(times: Sequence[float], anchors: dict[int, LatLon], j: int, at: LatLon) -> tuple[float | None, list[int]]:
    """(metres from `at`, frame j's place on the track, to the nearer of the anchors just before and
    just after frame j in time; those anchors' frame indices): one anchor past the track's ends,
    (None, []) without anchors."""
    before = [i for i in anchors if times[i] <= times[j]]
    after = [i for i in anchors if times[i] >= times[j]]
    near = ([max(before, key=lambda i: times[i])] if before else []) + ([min(after, key=lambda i: times[i])] if after else [])
    return min((haversine_m(at, anchors[i]) for i in near), default=None), near


def moved_confidence(times: Sequence[float], verified_anchors: dict[int, LatLon], j: int, at: LatLon,
                     horizon_s: float, bridge_s: float = math.inf, min_base_s: float = 0.0,
                     max_speed_mps: float = math.inf, slack_m: float = math.inf) -> tuple[float, float | None]:
    """(confidence in [0, 1], metres) of frame j whose exported Point `at` the track moved onto
    another of its verified candidates (`corrected`): its own confidence is about its top tile, a
    place the track rejected, so it cannot stand for `at`.

    Read as a frame the track placed (track_confidence.placed_confidence) against the OTHER verified
    frames (`verified_anchors` without j, frame index -> their Point): the track through them puts
    the frame about there, and that share right was measured (track_confidence.md); the frame's
    own verification of `at` is extra evidence that no table counts (corrected frames were 1-2 a
    flight there: too few to measure their own share). Without a place against them (fewer than
    two others, past the extrapolation horizon, or between anchors more than `bridge_s` apart, or
    past an end whose velocity is not measured or breaks the speed limit: _place's last three):
    track_confidence.TWO_PLACES (set, not measured). The metres: from `at` to the nearest of those
    anchors (None without a place)."""
    others = {i: p for i, p in verified_anchors.items() if i != j}
    placed = _place(times, others, j, horizon_s, bridge_s, min_base_s, max_speed_mps, slack_m)
    if placed is None:
        return TWO_PLACES, None
    distance, _ = _nearest_anchors(times, others, j, at)
    return placed_confidence(placed[0], distance), distance


def _turn_across(times: Sequence[float], anchors: dict[int, LatLon], idx: Sequence[int], near: Sequence[int]) -> tuple[float, float]:
    """(degrees, metres per second) of the gap between the anchors `near` (frame indices: the anchors
    just before and after a frame, _nearest_anchors) in `anchors` (frame index -> place; `idx`: its
    keys sorted by (time, index)): the angle between the track's heading into the gap (the anchor
    before near[0] -> near[0]) and out of it (near[1] -> the anchor after near[1]), and the mean speed
    over those two legs; (0, 0) where either leg is missing or has no length or time."""
    if len(near) != 2:
        return 0.0, 0.0
    a, b = bisect_left(idx, (times[near[0]], near[0]), key=lambda i: (times[i], i)), \
        bisect_left(idx, (times[near[1]], near[1]), key=lambda i: (times[i], i))
    if a == 0 or b + 1 >= len(idx):
        return 0.0, 0.0
    xy = local_metres([anchors[idx[a - 1]], anchors[idx[a]], anchors[idx[b]], anchors[idx[b + 1]]], anchors[idx[a]])
    u, w = xy[1] - xy[0], xy[3] - xy[2]
    nu, nw = float(np.hypot(*u)), float(np.hypot(*w))
    du, dw = times[idx[a]] - times[idx[a - 1]], times[idx[b + 1]] - times[idx[b]]
    if nu == 0 or nw == 0 or du <= 0 or dw <= 0:
        return 0.0, 0.0
    return math.degrees(math.acos(max(-1.0, min(1.0, float(u @ w) / (nu * nw))))), (nu / du + nw / dw) / 2


def smooth_flight(name: str, items: Sequence[tuple[Prediction, float]], model: MotionModel = MotionModel()) -> Track:
    """The track of one flight: (prediction, seconds) in time order -> Track (see the module doc
    for the statuses)."""
    preds = [p for p, _ in items]
    times = [float(t) for _, t in items]
    cands = [_candidates(p, model) for p in preds]
    # local metres about a place on the flight (a candidate's): a not-located frame's own estimate
    # may lie anywhere, and metres about a far origin put ±180° between two neighbouring frames
    origin = next((c.position for cs in cands for c in cs), next((p.location for p in preds), LatLon(0.0, 0.0)))
    path = _own_top_when_one_place(viterbi_path(times, cands, origin, model), cands, model.verified_slack_m)
    on_track = {j: cands[j][c] for j, c in enumerate(path) if c is not None}
    anchors = verified_anchors = {j: c.position for j, c in on_track.items() if c.verified}
    if not anchors:  # nothing verified: the tile centres on the track are the best there is
        anchors = {j: c.position for j, c in on_track.items()}
    track = _interpolate(times, anchors, model.extrapolate_s, model.velocity_base_s, model.max_speed_mps,
                         model.verified_slack_m, model.sharp_turn_deg)
    # past the ends: only where a velocity is measured over velocity_base_s and keeps the speed limit
    # (plus both anchors' slack, as the Viterbi reach); elsewhere not claimed (not located)
    ends = (model.velocity_base_s, model.max_speed_mps, 2 * model.verified_slack_m)
    points = []
    placed_from: dict[int, list[int]] = {}  # frame the track placed -> the anchor frames around it
    for j, pred in enumerate(preds):
        chosen = on_track.get(j)
        own = pred.location
        rank = chosen.match.rank if chosen is not None else None
        own_verified = (bool(pred.matches) and pred.status != STATUS_NOT_LOCATED and pred.top.ground is not None
                        and (pred.top.inliers or 0) >= model.min_inliers)
        track_location, extrapolated_s = track[j], None
        source, tile = None, None  # the frame's own answer unless a branch below says otherwise
        if chosen is not None and chosen.verified:
            location, status, verified = chosen.position, ("matched" if rank == 1 else "corrected"), True
            track_location = location
            source, tile = SOURCE_HOMOGRAPHY, chosen.match.tile
        elif chosen is not None:
            # On the track by an unverified tile. Between verified anchors (or a few seconds past
            # them, at constant velocity) the track places it to metres, a tile only to tens of
            # metres (unverified tops are right about a third of the time); elsewhere the tile is
            # all there is, and it says so: "retrieved", never "matched" (nothing verified it).
            verified = False
            placed = _place(times, verified_anchors, j, model.extrapolate_s, model.max_bridge_s, *ends)
            if placed is not None:
                (status, extrapolated_s), location = placed, track[j]
                source = SOURCE_TRACK
            else:  # its own top: its own single-photo estimate (which may refine the tile)
                location, status = (own if rank == 1 else chosen.position), "retrieved"
                track_location = location
                if rank != 1:  # another of its candidates: that tile's centre
                    source, tile = SOURCE_TILE_CENTRE, chosen.match.tile
        elif own_verified:  # off the track, its own verified answer: kept, and flagged when far
            far = track[j] is not None and haversine_m(own, track[j]) > 2 * model.verified_slack_m
            location, status, verified = own, ("flagged" if far else "matched"), True
            if track_location is None:
                track_location = own
        else:
            verified = False
            placed = _place(times, anchors, j, model.extrapolate_s, model.max_bridge_s, *ends)
            if placed is not None:
                (status, extrapolated_s), location = placed, track[j]
                source = SOURCE_TRACK
            else:
                # Beyond the extrapolation horizon (or no track at all). A search-and-rescue
                # reviewer acts on a position: the last velocity held for a minute puts a frame
                # hundreds of metres from anywhere the evidence says, under a label that reads as
                # located. "not located" sends them to the footage and its time instead; the
                # track's last verified and extrapolated frames stay on the map beside it.
                location, status, track_location = own, "not located", None
        confidence, distance = pred.confidence, None
        if source == SOURCE_TRACK:  # placed by the track: read against how far it stands from the evidence
            distance, near = _nearest_anchors(times, anchors, j, location)  # anchors: the verified ones, when any
            placed_from[j] = near  # its confidence is set below, once every anchor's own is final
        elif status == "corrected":
            # Its exported Point is another candidate's, not the top tile its own confidence was
            # measured for (that top is what the track rejected): read it as the track's instead.
            confidence, distance = moved_confidence(times, verified_anchors, j, location, model.extrapolate_s,
                                                    model.max_bridge_s, *ends)
        elif status == "retrieved" and rank != 1:
            # another tile than its top, by appearance and the track only (no verified frames place
            # it, or it would be interpolated): no more than its top claimed, nor than two places
            # claimed for one frame (set, not measured)
            confidence = min(pred.confidence, TWO_PLACES)
        elif status == STATUS_NOT_LOCATED:  # claims no place (model.claims_place): nothing to be sure of
            confidence = 0.0
        truth = pred.query.truth
        points.append(TrackPoint(
            query=pred.query, time_s=times[j], location=location, status=status, own=own, rank=rank,
            verified=verified,
            error_m=None if truth is None else haversine_m(location, truth),
            own_error_m=None if truth is None else haversine_m(own, truth),
            footprint=getattr(chosen.match, "footprint", None) if chosen is not None and chosen.verified
            else (pred.top.footprint if verified and status != "corrected" else None),
            track_location=track_location, extrapolated_s=extrapolated_s, location_source=source, tile=tile,
            confidence=confidence, anchor_distance_m=distance,
            radius_m=_tile_radius_m(tile) if tile is not None else (_tile_radius_m(pred.top.tile) if pred.matches else None),
            own_placed=pred.shown_status != STATUS_NOT_LOCATED,
        ))
    # A frame nothing verified is never shown more certain than the frames it was placed from (as
    # shown: an anchor is never itself placed, so its figure is final): the track through a wrong
    # anchor is wrong there too, and the table's first bucket (0.998) lies above many verified
    # frames' own figures (newuser_session16.md section 2: 0.998 beside verified 0.997).
    order = sorted(anchors, key=lambda i: (times[i], i))  # for _turn_across
    for j, near in placed_from.items():
        p = points[j]
        table, distance = p.status, p.anchor_distance_m
        if p.status == "interpolated":
            # Across a gap where the track turns by more than sharp_turn_deg (its heading into the
            # gap against its heading out), the drone turned somewhere in it, and no anchor says how
            # far it flew before turning: the frame is read as one past an end (the extrapolated
            # table), at no less than the track's speed times its seconds from the nearer anchor
            # (set, not measured: the tables were fitted on smooth flights; on the built flights of
            # track37_cases.py such frames were right 30 of 42 times while reading 0.83-0.99).
            turn, speed = _turn_across(times, anchors, order, near)
            if turn > model.sharp_turn_deg:
                table = "extrapolated"
                distance = max(distance, speed * min(abs(times[j] - times[i]) for i in near))
        points[j] = replace(p, confidence=placed_confidence(table, distance,
                                                            [points[i].confidence for i in near]))
    # A flight that hardly verified (outside_tiles: its frames' answers carry the caution): the table of
    # placed frames was fitted in-region, so a frame nothing verified claims no more than the rule lets
    # its own answer claim (outside_tiles.OUTSIDE_CEILING), and says why. Verified frames keep theirs.
    # A frame extrapolated past verified frames whose own readable picture matched nothing may be of
    # another place (outside_tiles.UNMATCHED_CAUTION): the track's place is kept, not its measured figure
    for j in placed_from:
        if verified_anchors and points[j].status == "extrapolated" and unmatched_in_flight(preds[j]):
            p = points[j]
            points[j] = replace(p, caution=UNMATCHED_CAUTION, confidence=min(p.confidence, OUTSIDE_CEILING))
    caution = flight_caution(preds)
    if caution is not None:
        points = [p if p.verified or p.status == STATUS_NOT_LOCATED else
                  replace(p, caution=caution, confidence=None if p.confidence is None else min(p.confidence, OUTSIDE_CEILING))
                  for p in points]
    return Track(name, tuple(points))


def placed_statuses(predictions: Sequence[Prediction], tracks: Sequence[Track]) -> list[str]:
    """How each prediction's exported position was found, in prediction order, for the count that
    ends a locate (wording.placed_summary): 'interpolated' or 'extrapolated' for a flight's frame
    the track placed (its single-frame status, often 'not located' for a blurred frame, is not what
    the file holds), else the prediction's own status as shown (Prediction.shown_status: 'verified',
    'weak match', 'retrieved', 'not located')."""
    by_track = {p.query.id: p.status for t in tracks for p in t.points
                if p.status in ("interpolated", "extrapolated")}
    return [by_track.get(p.query.id, p.shown_status) for p in predictions]


def smooth(predictions: Sequence[Prediction], model: MotionModel = MotionModel(), clock_zones=None,
           flights=None) -> list[Track]:
    """Tracks of every flight among the predictions (videos, timed photo series); predictions in
    no flight are not in any track and keep their single-photo answers. `clock_zones`: as `sequences`'.
    `flights` (core.flights.Flights): the run's flights as grouped once for its per-flight evidence
    (Workspace.locate's Located.flights), used as they are (`clock_zones` is then not read); a flight's
    frames without a prediction here are left out of its track (a flight left with one frame is none, as
    _sequences drops it, unless a shot of an edit)."""
    by_query = {p.query: p for p in predictions}
    grouped = (_sequences([p.query for p in predictions], model, clock_zones) if flights is None
               else flights.flights)
    tracks = []
    for name, items, shot in grouped:
        items = [(q, t) for q, t in items if q in by_query]
        if not items or (len(items) < 2 and shot is None):  # as _sequences: no flight of one frame
            continue
        track = smooth_flight(name, [(by_query[q], t) for q, t in items], model)
        if shot is not None:  # a shot of an edit: no frame of it was linked to another shot's
            track = replace(track, video=shot[0], shot=shot[1], shots=shot[2])
        tracks.append(track)
    return tracks
