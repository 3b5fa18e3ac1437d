"""Geotags for photogrammetry: where each located photo was taken, in a file OpenDroneMap / WebODM,
Agisoft Metashape or PIX4Dmatic reads as image positions (for a flight whose GNSS failed).

Two formats, chosen by the file's suffix (GEOTAG_FORMATS):

- ``.txt``: OpenDroneMap's image geolocation file (docs.opendronemap.org, "Image Geolocation
  Files", ODM 2.0 and later; put it in the project folder as ``geo.txt`` or give ``--geo FILE``).
  First line the projection (``EPSG:4326``: x = longitude, y = latitude, degrees), then one photo a
  line: ``image_name x y [z] [yaw pitch roll] [horizontal_accuracy vertical_accuracy]``, parted by
  whitespace; lines starting with ``#`` are skipped. ODM's parser (opendm/geo.py ``GeoFile``) splits
  each line at whitespace and reads the accuracies only from a line of 9 or more columns, so they
  come with a z and three angles; they become the photo's ``gps_xy_stddev`` / ``gps_z_stddev``
  (opendm/photo.py ``update_with_geo_entry``), and the larger of the two is the ``dop`` OpenSfM
  weighs the position with (``get_gps_dop``; 10 m when a line gives none).
- ``.csv``: a reference CSV in PIX4Dmatic's column order for geographic coordinates with angles and
  accuracies (support.pix4d.com, "Image geolocation and orientation import format":
  ``imagename, latitude, longitude, z [m], yaw, pitch, roll, accuracy horz [m], accuracy vert [m]``,
  commas, no header but a first line starting with ``#``), which Metashape's Reference pane
  imports too once the Import CSV dialog is told each value's column (label, latitude, longitude,
  altitude, and with Accuracy ticked the accuracy columns; agisoft.freshdesk.com "Import CSV").

What is written, and why (see also docs/outputs.md, *Geotags for photogrammetry*):

- **Only confident answers** (confidence >= model.CONFIDENT, 0.9; a flight's frame at its track
  position with the track's confidence): in a bundle adjustment a wrong position pulls the whole
  block, while a photo without a geotag is placed from its overlap with its neighbours (survey
  grids overlap 60-80 %). Answers below 0.9 were wrong 5 times in 52 on the benchmark regions
  (docs/outputs.md, *Outputs*), against 1 in 1,128 at 0.9 or more, so they are left out, each with its reason.
- **The position** is the answer's Point: the ground point at the photo's centre. A photogrammetry
  tool wants the camera's position; for a photo looking straight down the camera is above that
  point, off by height x tan(angle off nadir). A photo whose recorded gimbal pitch is more than
  NADIR_WITHIN_DEG off nadir is left out (its centre is not under the camera); for one within it,
  with a recorded height, height x tan(angle off nadir) is added to its accuracy.
- **The horizontal accuracy** is the answer's ``radius_m`` (predict.confidence_radius_m: half the
  diagonal of the tile it matched), the distance its confidence speaks of: "0.99 that the Point is
  within 35 m". Both tools take the figure as a standard deviation; a circular normal error that is
  within r with probability c >= 0.9 has a standard deviation of r / sqrt(-2 ln(1 - c)), at most
  r / 2.1, so writing r itself never claims a tighter position than geolocator measured.
- **The height** (z) is the photo's recorded height above the take-off point only
  (PhotoMeta.relative_altitude_m: DJI XMP RelativeAltitude, Parrot AboveGroundAltitude, a video
  frame's SRT rel_alt): a barometric height, not GNSS, so the model's heights come out above the
  take-off point, not above sea level. EXIF GPSAltitude and DJI's AbsoluteAltitude come from the
  failed GNSS receiver and are never written. Without a recorded height no z is written; ODM then
  also reads no accuracy for the line (see above) and assumes its own 10 m.
  Its vertical accuracy is the horizontal one: geolocator does not measure the barometer, and ODM
  takes the larger of the two as one figure, which then stays the horizontal one.
- **Angles**: the recorded flight yaw, gimbal pitch and roll in ODM's convention (yaw 0 = image top
  north, pitch 0 = nadir, opendm/photo.py), which is what ODM itself reads from a DJI photo's XMP;
  0 0 0 when the photo recorded none, as ODM's documentation says to write them (ODM uses them for
  radiometric calibration). The CSV leaves them empty instead.
- **Truth is never written**: a photo's own EXIF/XMP GPS position (Query.truth) and its GNSS heights
  are scoring data; nothing here reads them.
- Names are the photo's file name (what both tools match on). A name holding whitespace cannot be
  written to a geo.txt line (ODM splits at whitespace) and such a photo is left out of it with that
  reason; the CSV quotes what needs quoting. Two photos of one file name (from two folders) are
  both left out: the tool could not tell which the position belongs to. Video frames have no image
  file of their own and are left out.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import GeolocatorError
from .model import CONFIDENT, STATUS_NOT_LOCATED, LatLon, Prediction

# suffix -> the format's name, in the order a file dialog offers them
GEOTAG_FORMATS = {".txt": "OpenDroneMap geo.txt", ".csv": "Reference CSV (Metashape, PIX4Dmatic)"}
# A photo whose recorded gimbal pitch lies further than this from straight down is not written: its
# centre's ground point is not under the camera (at 45 deg and 100 m it is 100 m away).
NADIR_WITHIN_DEG = 10.0
DECIMALS = 8  # degrees: ~1 mm, below any accuracy written
ODM_PROJECTION = "EPSG:4326"  # x = longitude, y = latitude (ODM's documented example)
# ODM reads this accuracy when a line gives none (opendm/photo.py to_opensfm_exif)
ODM_DEFAULT_DOP_M = 10.0
REFERENCE_CSV_HEADER = ["#imagename", "latitude", "longitude", "altitude_above_takeoff_m", "yaw", "pitch", "roll",
                        "horizontal_accuracy_m", "vertical_accuracy_m"]


@dataclass(frozen=True)
class Geotag:
    """One photo's geotag. `position`: WGS84 degrees (the answer's Point); `horizontal_accuracy_m`:
    metres (radius_m, plus the nadir allowance); `altitude_m`: metres above the take-off point
    (barometric) or None; `vertical_accuracy_m`: metres or None (with `altitude_m`); `angles`:
    (yaw, pitch, roll) degrees in ODM's convention or None; `confidence` in [0, 1]."""

    name: str
    query_id: str
    position: LatLon
    horizontal_accuracy_m: float
    confidence: float
    altitude_m: float | None = None
    vertical_accuracy_m: float | None = None
    angles: tuple[float, float, float] | None = None


class LeftOutReport:
    """What the geotag file's and the geotagged copies' reports share: `summary()` (each its own) as a
    sentence, and the photos left out (`left_out`: (photo id, reason) pairs), one a line."""

    left_out: tuple[tuple[str, str], ...]

    def summary(self) -> str:
        raise NotImplementedError

    def sentence(self) -> str:
        """summary() as a sentence ("Wrote 7 geotags ..."), for the app's message bar."""
        line = self.summary()
        return line[:1].upper() + line[1:]

    def details(self) -> str:
        """Every photo left out, one a line with its reason ("" when none was)."""
        return left_out_details(self.left_out)


@dataclass(frozen=True)
class GeotagReport(LeftOutReport):
    """What a geotag file holds (`written`) and every photo left out of it with the reason
    (`left_out`: (photo id, reason) pairs, in the predictions' order)."""

    path: Path | None
    format: str
    written: tuple[Geotag, ...]
    left_out: tuple[tuple[str, str], ...]

    def summary(self) -> str:
        """One line: "wrote 7 geotags to geo.txt (OpenDroneMap geo.txt); left out 2 photos: ...",
        naming up to three photos left out with their reasons."""
        from .wording import count

        where = f" to {self.path}" if self.path is not None else ""
        line = f"wrote {count(len(self.written), 'geotag')}{where} ({self.format})"
        bare = sum(t.altitude_m is None for t in self.written)
        if bare and self.format == GEOTAG_FORMATS[".txt"]:
            line += (f"; {count(bare, 'line')} without a recorded height {'carries' if bare == 1 else 'carry'} no "
                     f"accuracy (geo.txt gives one only with a height): ODM assumes {ODM_DEFAULT_DOP_M:g} m for "
                     f"{'it' if bare == 1 else 'them'}")
        return line + left_out_clause(self.left_out)


def left_out_clause(left_out: Sequence[tuple[str, str]]) -> str:
    """"; left out 2 photos: q1: why; q2: why" naming up to three (photo id, reason) pairs ("" for none):
    the tail of a geotag file's or geotagged copies' summary line."""
    from .wording import count

    if not left_out:
        return ""
    shown = "; ".join(f"{q}: {why}" for q, why in left_out[:3])
    more = f"; and {len(left_out) - 3} more" if len(left_out) > 3 else ""
    return f"; left out {count(len(left_out), 'photo')}: {shown}{more}"


def left_out_details(left_out: Sequence[tuple[str, str]]) -> str:
    """Every (photo id, reason) pair on a line of its own ("" when none)."""
    return "\n".join(f"{q}: {why}" for q, why in left_out)


def check_geotag_path(path: Path | str) -> Path:
    """`path` when its suffix names a format of GEOTAG_FORMATS (case-insensitive). Raises
    GeolocatorError naming the file and the suffixes it may have; a folder is refused as a folder."""
    path = Path(path)
    if path.is_dir():
        raise GeolocatorError(f"{path}: is a folder; name a file in it, e.g. {path / 'geo.txt'} (OpenDroneMap) "
                              f"or {path / 'reference.csv'} (Metashape, PIX4Dmatic)")
    if path.suffix.lower() not in GEOTAG_FORMATS:
        raise GeolocatorError(f"{path}: unknown geotag file type '{path.suffix or '(no extension)'}': name it "
                              f".txt for OpenDroneMap's geo.txt or .csv for a Metashape / PIX4Dmatic reference CSV")
    return path


def _recorded(query) -> dict:
    from .export import recorded_properties

    return recorded_properties(query)


def _finite(x) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _answer(p: Prediction, on_track: dict):
    """(position, confidence, radius_m) as the other exports give the photo: a flight's frame at its
    track position with the track's confidence and radius, else the photo's own answer."""
    from .predict import answer_radius_m

    point = on_track.get(p.query.id)
    if point is not None:
        confidence = point.confidence if point.confidence is not None else p.confidence
        radius = point.radius_m if point.radius_m is not None else answer_radius_m(p)
        return point.location, confidence, radius
    return p.location, p.confidence, answer_radius_m(p)


def geotags_for(predictions: Sequence[Prediction], tracks: Sequence = (), *,
                min_confidence: float = CONFIDENT) -> tuple[list[Geotag], list[tuple[str, str]]]:
    """The geotags of `predictions` (core.model.Prediction; `tracks`: their flights, core.sequence.
    Track, whose frames are taken at their track position) and the photos left out with the reason,
    as the module doc says: confidence below `min_confidence`, not located, a video frame, an
    oblique view, a file name shared by two photos. Reads only the answers and the photos' recorded
    height and angles, never Query.truth."""
    on_track = {pt.query.id: pt for t in tracks for pt in t.points}
    names: dict[str, int] = {}
    for p in predictions:
        names[Path(p.query.path).name] = names.get(Path(p.query.path).name, 0) + 1
    tags: list[Geotag] = []
    left_out: list[tuple[str, str]] = []
    for p in predictions:
        qid = p.query.id
        if p.query.time_s is not None:
            left_out.append((qid, "a video frame: no image file of its own for photogrammetry"))
            continue
        name = Path(p.query.path).name
        if names[name] > 1:
            left_out.append((qid, f"{names[name]} photos are named {name}: the tool could not tell them apart"))
            continue
        position, confidence, radius = _answer(p, on_track)
        track_status = getattr(on_track.get(qid), "status", None)  # a flight's frame the track left not located too
        if STATUS_NOT_LOCATED in (p.status, track_status) or not p.matches or radius is None:
            left_out.append((qid, "not located"))
            continue
        if confidence is None or not confidence >= min_confidence:
            from .export import format_confidence

            left_out.append((qid, f"not confident (confidence {format_confidence(confidence)}, below {min_confidence:g})"))
            continue
        recorded = _recorded(p.query)
        pitch = _finite(recorded.get("gimbal_pitch_deg"))
        height = _finite(recorded.get("relative_altitude_m"))
        accuracy = float(radius)
        if pitch is not None:
            off_nadir = abs(pitch + 90.0)
            if off_nadir > NADIR_WITHIN_DEG:
                left_out.append((qid, f"oblique (gimbal pitch {pitch:g} deg): the ground at its centre is not "
                                      f"under the camera"))
                continue
            if height is not None:  # the camera lies within height x tan(off nadir) of the centre's ground point
                accuracy += abs(height) * math.tan(math.radians(off_nadir))
        angles = None
        yaw, roll = _finite(recorded.get("flight_yaw_deg")), _finite(recorded.get("gimbal_roll_deg"))
        if yaw is not None and pitch is not None and roll is not None:
            angles = (yaw, pitch + 90.0, roll)  # ODM: pitch 0 = nadir (DJI's -90)
        accuracy = math.ceil(accuracy * 10.0) / 10.0  # rounded up, never tighter
        tags.append(Geotag(name=name, query_id=qid, position=position, horizontal_accuracy_m=accuracy,
                           confidence=float(confidence), altitude_m=height,
                           vertical_accuracy_m=accuracy if height is not None else None, angles=angles))
    return tags, left_out


def _num(x: float, decimals: int) -> str:
    """A number as text with a dot whatever the locale, without trailing zeros ("35.4", "-91.99")."""
    text = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def odm_geo_text(tags: Sequence[Geotag], *, note: str = "") -> str:
    """ODM's geo.txt of `tags` (module doc): ``EPSG:4326``, `#` comment lines saying what the columns
    hold, then ``name lon lat`` or, with a height, ``name lon lat z yaw pitch roll h v``. Raises
    ValueError for a name holding whitespace (write_geotags leaves those out first)."""
    lines = [ODM_PROJECTION,
             "# geolocator geotags: x = longitude, y = latitude (WGS84 degrees), the ground point at each photo's "
             "centre (nadir photos)",
             "# z = recorded height above the take-off point (barometric, not GNSS), only where the photo recorded "
             "one; accuracies in metres (the answer's radius: its confidence is 0.9 or more that it lies within it)",
             "# a line without z carries no accuracy: ODM then assumes its default 10 m"]
    if note:
        lines.append(f"# {note}")
    for t in tags:
        if not t.name or any(ch.isspace() for ch in t.name):
            raise ValueError(f"{t.name!r}: a geo.txt name cannot hold whitespace")
        cells = [t.name, _num(t.position.lon, DECIMALS), _num(t.position.lat, DECIMALS)]
        if t.altitude_m is not None:
            yaw, pitch, roll = t.angles or (0.0, 0.0, 0.0)
            cells += [_num(t.altitude_m, 3), _num(yaw, 2), _num(pitch, 2), _num(roll, 2),
                      _num(t.horizontal_accuracy_m, 1), _num(t.vertical_accuracy_m, 1)]
        lines.append(" ".join(cells))
    return "\n".join(lines) + "\n"


def reference_csv_text(tags: Sequence[Geotag]) -> str:
    """The reference CSV of `tags` (module doc): a `#` header line, then one row a photo in
    REFERENCE_CSV_HEADER's order; cells the photo has no value for (height, angles, vertical
    accuracy) are empty. Names are quoted where CSV needs it (a comma, a quote)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(REFERENCE_CSV_HEADER)
    for t in tags:
        angles = [_num(a, 2) for a in t.angles] if t.angles else ["", "", ""]
        writer.writerow([t.name, _num(t.position.lat, DECIMALS), _num(t.position.lon, DECIMALS),
                         "" if t.altitude_m is None else _num(t.altitude_m, 3), *angles,
                         _num(t.horizontal_accuracy_m, 1),
                         "" if t.vertical_accuracy_m is None else _num(t.vertical_accuracy_m, 1)])
    return buf.getvalue()


def write_geotags(path: Path | str, predictions: Sequence[Prediction], tracks: Sequence = (), *,
                  min_confidence: float = CONFIDENT) -> GeotagReport:
    """Write the geotags of `predictions` (their flights' `tracks`: core.sequence.Track) to `path` in
    the format its suffix names (GEOTAG_FORMATS), atomically (outputs.write_text). Returns the
    GeotagReport (what was written, what was left out and why). Raises GeolocatorError for an
    unknown suffix or a folder (before anything is written) and outputs.OutputError when the file
    cannot be written."""
    from .outputs import write_text

    path = check_geotag_path(path)
    tags, left_out = geotags_for(predictions, tracks, min_confidence=min_confidence)
    if path.suffix.lower() == ".txt":
        kept = []
        for t in tags:
            if any(ch.isspace() for ch in t.name):
                left_out.append((t.query_id, "its file name holds a space, which a geo.txt line cannot hold "
                                             "(ODM splits lines at spaces): rename it, or use the reference CSV"))
            else:
                kept.append(t)
        tags = kept
        text = odm_geo_text(tags)
    else:
        text = reference_csv_text(tags)
    write_text(path, text)
    return GeotagReport(path=path, format=GEOTAG_FORMATS[path.suffix.lower()], written=tuple(tags),
                        left_out=tuple(left_out))
