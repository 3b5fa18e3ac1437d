"""One entry point for writing predictions in the format a file's suffix names, shared by
`geolocator locate --out` and the app's Export Predictions, so both write the same files.

Formats: GeoJSON (RFC 7946; export.py, export_track.py), CSV (export.write_csv), GPX 1.1 and
KML 2.2 (export_track.write_track: flights as tracks, other photos as waypoints/placemarks).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .errors import GeolocatorError

# suffix -> the format's name, in the order a file dialog offers them
PREDICTION_FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".csv": "CSV", ".kml": "KML", ".gpx": "GPX"}


# the save dialog's choice of the CSV flavour for Excel in a comma-decimal locale (core/csv_excel.py)
EXCEL_CSV_FILTER = "CSV for Excel with decimal commas: semicolons, UTF-8 with BOM (*.csv)"


def dialog_filters() -> list[str]:
    """Qt-style file filters, one per format: ["GeoJSON (*.geojson *.json)", "CSV (*.csv)", ...], the
    Excel flavour of CSV (EXCEL_CSV_FILTER) right after the plain CSV."""
    by_name: dict[str, list[str]] = {}
    for suffix, name in PREDICTION_FORMATS.items():
        by_name.setdefault(name, []).append(f"*{suffix}")
    filters = [f"{name} ({' '.join(globs)})" for name, globs in by_name.items()]
    at = next(i for i, f in enumerate(filters) if f.startswith("CSV ")) + 1
    return filters[:at] + [EXCEL_CSV_FILTER] + filters[at:]


def with_suffix_of(path: Path | str, chosen_filter: str) -> Path:
    """`path` as is when its suffix names a format; else with the first suffix of `chosen_filter`
    (a file dialog's selected filter, e.g. "KML (*.kml)") appended: "flight" + KML -> "flight.kml"."""
    path = Path(path)
    if path.suffix.lower() in PREDICTION_FORMATS:
        return path
    for word in chosen_filter.replace("(", " ").replace(")", " ").split():
        if word.startswith("*.") and word[1:].lower() in PREDICTION_FORMATS:
            return path.with_name(path.name + word[1:])
    return path


def name_for_filter(name: str, chosen_filter: str) -> str:
    """The file name a save dialog's name box should show once `chosen_filter` (e.g. "KML (*.kml)") is
    picked: a format suffix of PREDICTION_FORMATS is swapped for the filter's first one
    ("predictions.geojson" + KML -> "predictions.kml"); a name without one keeps its text (the suffix is
    added on saving, by `with_suffix_of`); a filter naming no format leaves `name` as it is.
    Only the last path part is looked at; `name` may be a bare name or a path."""
    first = next((w[1:].lower() for w in chosen_filter.replace("(", " ").replace(")", " ").split()
                  if w.startswith("*.") and w[1:].lower() in PREDICTION_FORMATS), None)
    suffix = Path(name).suffix
    if first is None or suffix.lower() not in PREDICTION_FORMATS or PREDICTION_FORMATS[suffix.lower()] == PREDICTION_FORMATS[first]:
        return name  # ".json" under the GeoJSON filter is kept: both are GeoJSON
    return name[: len(name) - len(suffix)] + first


def check_prediction_path(path: Path | str) -> Path:
    """`path` if its suffix names a format of PREDICTION_FORMATS (case-insensitive).

    Raises GeolocatorError naming the file and the suffixes it may have (a .txt or .shp used to get
    GeoJSON in silence); a folder is refused as a folder (`--out results/` is a common slip))."""
    path = Path(path)
    if path.is_dir():
        *first, last = PREDICTION_FORMATS
        formats = ", ".join(first) + " or " + last
        raise GeolocatorError(f"{path}: is a folder; name a file in it, e.g. {path / 'predictions.geojson'} ({formats})")
    if path.suffix.lower() not in PREDICTION_FORMATS:
        raise GeolocatorError(f"{path}: unknown output type '{path.suffix or '(no extension)'}': "
                              f"name the file with one of {', '.join(PREDICTION_FORMATS)}")
    return path


def left_out_of(path: Path | str, predictions: Sequence, tracks: Sequence = ()) -> str | None:
    """What a file at `path` leaves out of `predictions` (core.model.Prediction; `tracks`: their flights,
    core.sequence.Track), in words for the CLI and the app: a GPX has no waypoint for a photo or frame "not
    located" (a <wpt> needs lat/lon; export_track.left_out_note names them); None for the other formats,
    which list every photo (a not-located one without coordinates), and when none is left out."""
    from .export_track import left_out_note

    return left_out_note(left_out_ids(path, predictions, tracks))


def left_out_ids(path: Path | str, predictions: Sequence, tracks: Sequence = ()) -> list[str]:
    """The query ids a file at `path` has no entry for, in the order left_out_of names them: a GPX's
    not-located photos and frames (export_track.not_located_ids); [] for the other formats."""
    if Path(path).suffix.lower() != ".gpx":
        return []
    from .export_track import not_located_ids

    flown = {p.query.id for t in tracks for p in t.points}
    return not_located_ids(tracks, [p for p in predictions if p.query.id not in flown])


def wrote_line(outs: Sequence[Path | str], predictions: Sequence, tracks: Sequence = (), *, inline: int = 3) -> str:
    """What `locate --out` says it wrote, counting what each file holds (core.model.Prediction
    `predictions`, their flights' `tracks`): 'wrote 3 predictions to p.geojson, p.csv' when every file
    holds every photo; a file that leaves some out (a GPX: no waypoint for a photo or frame "not located",
    left_out_ids) is counted apart, naming the first `inline` left out: 'wrote 3 predictions to p.csv and
    1 of 3 to p.gpx (2 not located, so left out: DJI_1101.JPG, DJI_1102.JPG)'. With flights, ' and 1
    track' after the first count, counting those with a frame placed on them (Track.line). Before session 34 the line said "wrote 3 predictions to … p.gpx" for a
    GPX holding 1, and the left-out photos followed on stderr."""
    from .wording import count, first_named

    n = len(predictions)
    # a flight none of whose frames was placed has no track to show (no point, no line in any format):
    # "wrote 2 predictions and 1 track" for two photos of water claimed one (session 37)
    tracks = [t for t in tracks if t.line]
    groups: dict[tuple[str, ...], list[str]] = {}  # the ids a file leaves out -> those files, in --out order
    for out in outs:
        groups.setdefault(tuple(left_out_ids(out, predictions, tracks)), []).append(str(out))
    parts = []
    for left, paths in groups.items():
        held = count(n, "prediction") if not left else f"{n - len(left):,} of {count(n, 'prediction')}"
        if parts:
            held = f"{n - len(left):,} of {n:,}" if left else f"{n:,}"  # "and 1 of 3 to p.gpx": the noun said once
        if not parts and tracks:
            held += f" and {count(len(tracks), 'track')}"
        shown = first_named((Path(i).name for i in left), inline)
        why = f" ({len(left):,} not located, so left out: {shown})" if left else ""
        parts.append(f"{held} to {', '.join(paths)}{why}")
    return "wrote " + " and ".join(parts)


def write_predictions(path: Path | str, predictions: Sequence, tracks: Sequence = (), *,
                      attribution: str | None = None, far=None, tile_footprints: bool = False,
                      clock_zone=None, csv_excel: bool = False) -> Path:
    """Write `predictions` (core.model.Prediction) and their flights' `tracks` (core.sequence.Track)
    to `path` in the format its suffix names. `attribution`: the imagery's credit line; `far`:
    evaluate.far_from_tiles (said in every format); `tile_footprints`: GeoJSON only, each photo's
    tile outline; `clock_zone` (export_track.parse_clock_zone, or a clock_zones.ClockZones: a zone per
    folder): the zone of capture times and telemetry clocks that recorded none (GPX/KML: None, written
    as if UTC, and the file says so; CSV and GeoJSON: each flight frame's time_utc, left out when unknown);
    `csv_excel`: CSV only, the flavour for Excel in a comma-decimal locale (core/csv_excel.py).
    Each writer writes atomically. Raises GeolocatorError for an unknown suffix
    (check_prediction_path) before anything is written."""
    path = check_prediction_path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from .export import write_csv

        write_csv(predictions, path, tracks=tracks, attribution=attribution, far=far, excel=csv_excel,
                  clock_zone=clock_zone)
    elif suffix in (".gpx", ".kml"):
        from .export_track import write_track

        # photos in no flight (no capture time, --no-track): waypoints / placemarks, not dropped
        flown = {p.query.id for t in tracks for p in t.points}
        write_track(tracks, path, photos=[p for p in predictions if p.query.id not in flown],
                    attribution=attribution, far=far, clock_zone=clock_zone)
    else:
        from .export_track import write_predictions_geojson

        write_predictions_geojson(predictions, tracks, path, tile_footprints=tile_footprints,
                                  attribution=attribution, far=far, clock_zone=clock_zone)
    return path
