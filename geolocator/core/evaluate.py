"""Retrieval metrics against known truth: R@k, AP, localisation error in metres.

A retrieved tile is a hit when its bounds contain the truth point or it is the truth tile named in
the truth file. AP averages precision over every such tile in the full ranking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .model import CONFIDENT, Evaluation, Prediction, Query, Tile, claims_place


def positives(query: Query, tiles: Sequence[Tile]) -> np.ndarray:
    """Boolean mask of the tiles that count as a correct answer for this query."""
    mask = np.zeros(len(tiles), bool)
    for i, tile in enumerate(tiles):
        if (query.truth is not None and tile.bounds.contains(query.truth)) or tile.id == query.truth_tile:
            mask[i] = True
    return mask


def rank_metrics(sim_row: np.ndarray, positive: np.ndarray, ks: Sequence[int] = (1, 5, 10)) -> tuple[dict[int, float], float]:
    """Recall@k (0/1 each) and average precision for one query's scores over the gallery."""
    order = np.argsort(-sim_row, kind="stable")
    hits = positive[order]
    recall = {k: float(hits[:k].any()) for k in ks}
    if not hits.any():
        return recall, 0.0
    hit_ranks = np.flatnonzero(hits) + 1  # 1-based ranks of the positives
    precision_at_hits = np.arange(1, len(hit_ranks) + 1) / hit_ranks
    return recall, float(precision_at_hits.mean())


def evaluate(
    queries: Sequence[Query],
    tiles: Sequence[Tile],
    sim: np.ndarray,
    predictions: Sequence[Prediction] | None = None,
) -> Evaluation | None:
    """Metrics (percent) over the queries with a known truth; None when none has one.

    `sim` is the full (Q, N) similarity of `queries` to `tiles`. A query whose truth lies in no tile
    still counts, as a miss: the tile set simply cannot locate it (reported in extra.n_outside).
    """
    known = [i for i, q in enumerate(queries) if q.has_truth]
    if not known:
        return None
    recalls = {1: [], 5: [], 10: []}
    aps, outside = [], 0
    for i in known:
        mask = positives(queries[i], tiles)
        outside += int(not mask.any())
        recall, ap = rank_metrics(sim[i], mask)
        for k in recalls:
            recalls[k].append(recall[k])
        aps.append(ap)
    errors, weighted, honesty = _error_figures(predictions)
    return Evaluation(
        r1=100 * float(np.mean(recalls[1])),
        r5=100 * float(np.mean(recalls[5])),
        r10=100 * float(np.mean(recalls[10])),
        ap=100 * float(np.mean(aps)),
        median_error_m=float(np.median(errors)) if errors else None,
        mean_error_m=float(np.mean(errors)) if errors else None,
        n_queries=len(known),
        n_tiles=len(tiles),
        extra={
            "n_outside": outside,
            "median_weighted_error_m": float(np.median(weighted)) if weighted else None,
            **honesty,
        },
    )


def _error_figures(predictions: Sequence[Prediction] | None) -> tuple[list[float], list[float], dict]:
    """The errors (metres) both evaluations report, over predictions with a known truth: the top-1
    tile centre's (median_error_m / mean_error_m keep that meaning), the refined estimate's
    (homography, else weighted: median_weighted_error_m) and the exported Point's (honesty_figures)."""
    scored = [p for p in predictions or () if p.error_m is not None]
    errors = [p.tile_error_m if p.tile_error_m is not None else p.error_m for p in scored]
    weighted = [p.error_m if p.location_source == "homography" else p.weighted_error_m for p in scored
                if p.weighted_error_m is not None]
    return errors, weighted, honesty_figures(scored)


def exported_answers(predictions: Sequence[Prediction], tracks: Sequence = ()) -> list[Prediction]:
    """`predictions` as the exports and the map give them: a flight's frame (one of `tracks`,
    core.sequence.Track) at its place on the track, with that place's error to the truth
    (TrackPoint.error_m: the image centre's, as Prediction.error_m), its confidence (where worked
    out) and its status in Prediction's words: "verified" for the track's verified statuses
    (matched, corrected, flagged), "not located", "retrieved", or the track's "interpolated" /
    "extrapolated", the top match's footprint the track's (TrackPoint.footprint), and the Point's caution (TrackPoint.caution; the frame's own low-texture caution is not
    about the track's Point). Other predictions unchanged. Same order and length."""
    from dataclasses import replace

    from .model import STATUS_VERIFIED

    on_track = {p.query.id: p for t in tracks for p in t.points}
    out = []
    for pred in predictions:
        point = on_track.get(pred.query.id)
        if point is None:
            out.append(pred)
            continue
        status = STATUS_VERIFIED if point.verified else point.status
        # the footprint the track's Point stands on (TrackPoint.footprint: a corrected frame's chosen
        # match), so that the camera scored (export.compared_error) is the one the track's files give
        matches = (replace(pred.top, footprint=point.footprint), *pred.matches[1:]) if pred.matches else pred.matches
        out.append(replace(pred, location=point.location, error_m=point.error_m, status=status, matches=matches,
                           confidence=pred.confidence if point.confidence is None else point.confidence,
                           location_source=point.location_source or pred.location_source,
                           caution=getattr(point, "caution", None)))  # the Point's (the frame's own is not about it)
    return out


def with_single_frames(ev: Evaluation | None, single: Sequence[Prediction], shown: Sequence[Prediction]) -> Evaluation | None:
    """`ev` (scored on `shown`, the answers as exported: exported_answers) with the single-frame
    answers' Point error beside it, when any of the scored answers differ from their single-frame
    ones (a flight's frames on their track): extra single_frame_median_error_best_m /
    single_frame_mean_error_best_m (metres) and n_moved_by_track (frames whose exported Point is not
    their own). `single`, `shown`: the same predictions in the same order (those scored)."""
    if ev is None:
        return None
    from dataclasses import replace

    pairs = [(a, b) for a, b in zip(single, shown) if a.error_m is not None and b.error_m is not None]
    moved = sum(a.location != b.location for a, b in pairs)
    if not pairs or not moved:
        return ev
    from .export import compared_error

    errors = np.array([compared_error(a)[0] for a, _ in pairs], float)  # like with like, as the headline
    return replace(ev, extra={**ev.extra, "single_frame_median_error_best_m": float(np.median(errors)),
                              "single_frame_mean_error_best_m": float(np.mean(errors)),
                              "n_moved_by_track": int(moved)})


def error_lines(ev: Evaluation) -> list[str]:
    """What the CLI's eval and the app's Evaluation panel say about errors: the exported Point's (the
    best estimate, `median_error_best_m` in --json) as the headline, then the top tile centre's
    (`median_error_m`), labelled as such; distances as geo.format_distance writes them. Where a
    flight's track moved frames (with_single_frames), the headline says the Point is the track's
    for them, and a line gives the single-frame answers' Point error, labelled. Each error is the one
    the rows and files state (export.compared_error): where any is the camera position's against a
    recorded GPS, the headline says how many of each (_best_kinds)."""
    from .geo import format_distance

    lines = []
    best, best_mean = ev.extra.get("median_error_best_m"), ev.extra.get("mean_error_best_m")
    single = ev.extra.get("single_frame_median_error_best_m")
    if best is not None:
        unplaced = ev.extra.get("n_not_located") or 0
        lines.append(f"{_best_label(ev.extra)}: median {format_distance(best)}, mean {format_distance(best_mean)}"
                     + _best_kinds(ev.extra)
                     + (" (as exported: flights' frames at their track position)" if single is not None else "")
                     + (f" ({unplaced} not located: no Point, not counted)" if unplaced else ""))
    if single is not None:
        what = "Point error" if not ev.extra.get("n_error_camera") else "error (each as above)"
        lines.append(f"single-frame answers: {what} median {format_distance(single)}, "
                     f"mean {format_distance(ev.extra['single_frame_mean_error_best_m'])}")
    if ev.median_error_m is not None:
        lines.append(f"top tile centre error: median {format_distance(ev.median_error_m)}, "
                     f"mean {format_distance(ev.mean_error_m)}")
    return lines


def figures_legend(ev: Evaluation) -> list[str]:
    """What `geolocator eval`'s figures mean, in words, under them (session 37: a newcomer read
    "R@1 100.0%  R@5 … AP 100.0%" and "top tile centre error" with nothing saying what they are; the
    docs named them only as "R@1/5/10, AP"). R@k and AP are rank_metrics' definitions (a right tile is
    one whose bounds hold the truth, or the truth file's tile: `positives`); the errors are
    error_lines'. The tile centre line is explained only where error_lines prints it."""
    lines = ["R@k: the share of photos whose right tile (the one holding the true position) is among the "
             "first k tiles ranked for them; AP: average precision of that ranking (100 % = every right "
             "tile ranked above every other)"]
    said = []
    if ev.extra.get("median_error_best_m") is not None and _best_label(ev.extra) == "Point error":
        said.append("Point error: from each photo's Point (where its centre lies, as the files give it) to the truth")
    if ev.median_error_m is not None:
        said.append("top tile centre error: from the centre of its first-ranked tile to the truth")
    if said:
        lines.append("; ".join(said))
    return lines


def _best_label(extra: dict) -> str:
    """"Point error" where every scored error is the image centre's (truth.csv, or no camera known),
    "Camera position error" where every one is the camera's, "Error" where they are mixed."""
    camera, centre = extra.get("n_error_camera") or 0, extra.get("n_error_centre") or 0
    return "Point error" if not camera else "Camera position error" if not centre else "Error"


def _best_kinds(extra: dict) -> str:
    """Which error the headline is, where any is the camera's (export.compared_error): " (camera
    position against its GPS, 12 photos; image centre against the truth, 3)"; "" where all are the
    image centre's (the Point's, as before)."""
    from .wording import count

    camera, centre = extra.get("n_error_camera") or 0, extra.get("n_error_centre") or 0
    if not camera:
        return ""
    kinds = f"camera position against its recorded GPS, {count(camera, 'photo')}"
    return f" ({kinds}; image centre against the truth, {centre})" if centre else f" ({kinds})"


def panel_text(ev: Evaluation | None, n_located: int, *, adapted: bool, frozen: Evaluation | None = None,
               n_far: int = 0, placed: str | None = None) -> str:
    """The app's Evaluation panel: `ev` (None: no photo scored) over `n_located` located photos,
    `adapted` or the frozen backbone, the `frozen` backbone's R@k beside adapted figures (when it
    scored the same number of photos), and `n_far` photos whose truth lies far outside the tiles
    (scored_queries: ignored in the scores, as `geolocator eval` ignores them). `placed`: how the
    photos were placed, as `locate` ends (wording.placed_summary: "30 confident, 3 verified but not confident, 5 tile level only"),
    said after the count when no truth is known, which is when nothing else says it (a flight
    whose GNSS failed: "38 images located" put 0.007 guesses beside verified photos). Figures are
    kept together for word-wrapping (wording.keep_figures_together)."""
    from .wording import count, far_truth_not_scored, keep_figures_together

    far = [far_truth_not_scored(n_far)] if n_far else []
    if ev is None:
        if not n_located:
            return "Nothing located yet."
        # truth known for some (far from the tiles) is not "no truth known"
        rest = f"{far[0]}." if far else "No truth known (truth.csv or EXIF GPS)."
        return f"{count(n_located, 'image')} located{': ' + placed if placed else ''}. {rest}"
    lines = [
        f"{'Adapted' if adapted else 'Frozen backbone'} · {count(ev.n_queries, 'image')} with truth, {count(ev.n_tiles, 'tile')}",
        *far,
        f"R@1 {ev.r1:.1f}%   R@5 {ev.r5:.1f}%   AP {ev.ap:.1f}%",
        *error_lines(ev),  # the Point's error first (what each row shows), the tile centre's labelled
    ]
    if adapted and frozen is not None and frozen.n_queries == ev.n_queries:
        lines.append(f"frozen backbone: R@1 {frozen.r1:.1f}%   R@5 {frozen.r5:.1f}%")
    return keep_figures_together("\n".join(lines))


def positive_ids(query: Query, bounds: np.ndarray, ids_by_name: dict[str, int]) -> np.ndarray:
    """`positives` for large tile sets, vectorised: bounds (N, 4) west, south, east, north;
    returns the indices of the tiles that count as a correct answer."""
    mask = np.zeros(len(bounds), bool)
    if query.truth is not None:
        lat, lon = query.truth.lat, query.truth.lon
        mask = (bounds[:, 1] <= lat) & (lat <= bounds[:, 3]) & (bounds[:, 0] <= lon) & (lon <= bounds[:, 2])
    if query.truth_tile is not None and query.truth_tile in ids_by_name:
        mask[ids_by_name[query.truth_tile]] = True
    return np.flatnonzero(mask)


def evaluate_ranks(
    queries: Sequence[Query],
    known: Sequence[int],
    ranks: dict[int, np.ndarray],
    n_tiles: int,
    predictions: Sequence[Prediction] | None = None,
) -> Evaluation | None:
    """`evaluate` from the 1-based ranks of each known query's positives (no Q x N matrix):
    ranks[i] for every i in `known` (empty: its truth lies in no tile, a miss)."""
    from .retrieval import ap_from_ranks

    if not known:
        return None
    recalls = {1: [], 5: [], 10: []}
    aps, outside = [], 0
    for i in known:
        outside += int(len(ranks[i]) == 0)
        recall, ap = ap_from_ranks(ranks[i])
        for k in recalls:
            recalls[k].append(recall[k])
        aps.append(ap)
    errors, weighted, honesty = _error_figures(predictions)  # the same figures as `evaluate`
    return Evaluation(
        r1=100 * float(np.mean(recalls[1])), r5=100 * float(np.mean(recalls[5])),
        r10=100 * float(np.mean(recalls[10])), ap=100 * float(np.mean(aps)),
        median_error_m=float(np.median(errors)) if errors else None,
        mean_error_m=float(np.mean(errors)) if errors else None,
        n_queries=len(known), n_tiles=n_tiles,
        extra={"n_outside": outside, "median_weighted_error_m": float(np.median(weighted)) if weighted else None,
               **honesty},
    )


def honesty_figures(scored: Sequence[Prediction]) -> dict:
    """Figures about the exported Point (the best estimate) and the confidence, over predictions
    with a known truth: its median / mean error and the share within 5 m (metres; over the answers that
    claim a place, model.claims_place: None where none does), each error as the rows and files state
    it (export.compared_error: the camera position's where the truth is a recorded camera position
    and PnP knows the camera, n_error_camera; else the image centre's, n_error_centre), how many photos were
    verified or not located, and how often a photo shown with confidence >= 0.9 is right (its
    Point within the top tile's half-diagonal of the truth; training/calibration.py)."""
    from .predict import _tile_radius_m

    if not scored:
        return {}
    from .export import compared_error

    # the Point's error only where a Point is exported: a "not located" answer claims no place
    # (model.claims_place), so its candidates' middle is not a Point with an error (session 33).
    # Like with like, as each row and file states it (export.compared_error): the estimated camera
    # against a recorded camera position (EXIF/XMP GPS, telemetry) where PnP knows the camera, else
    # the Point (image centre) against the truth (truth.csv: the image centre's ground point)
    compared = [compared_error(p) for p in scored if claims_place(p.status)]
    best = np.array([e for e, _ in compared], float)
    n_camera = sum(kind == "camera" for _, kind in compared)
    right = np.array([p.error_m <= _tile_radius_m(p.top.tile) for p in scored])
    confident = np.array([p.confidence >= CONFIDENT for p in scored])
    return {
        "median_error_best_m": float(np.median(best)) if best.size else None,
        "mean_error_best_m": float(np.mean(best)) if best.size else None,
        "within_5m_pct": 100 * float(np.mean(best <= 5.0)) if best.size else None,
        # which error those figures are (error_lines says so): the camera position's, the image centre's
        "n_error_camera": n_camera,
        "n_error_centre": len(compared) - n_camera,
        "right_pct": 100 * float(np.mean(right)),
        "n_verified": sum(p.status == "verified" for p in scored),
        "n_not_located": sum(p.status == "not located" for p in scored),
        "n_confident": int(confident.sum()),
        "confident_right_pct": 100 * float(np.mean(right[confident])) if confident.any() else None,
    }


def scored_queries(queries: Sequence[Query], tiles) -> tuple[tuple[Query, ...], str | None]:
    """`queries` with truth points far outside the tile set stripped of their truth (they cannot be
    scored: no tile could be right), and a sentence naming those ignored (None when none is).

    Far: beyond the tile set's bounds (`tiles`: a TileSet) by more than one median tile size, north
    -south and east-west; the east-west test is measured eastwards from the west edge, so a set
    across ±180° works."""
    from dataclasses import replace

    b = tiles.bounds
    dlat = float(np.median([t.bounds.north - t.bounds.south for t in tiles.tiles]))
    dlon = float(np.median([t.bounds.width_deg for t in tiles.tiles]))  # width_deg: right across ±180° too

    def near_lon(lon: float) -> bool:
        east_of_west = (lon - b.west) % 360.0
        return east_of_west <= b.width_deg + dlon or east_of_west >= 360.0 - dlon

    kept, far = [], []
    for q in queries:
        t = q.truth
        if t is not None and not (b.south - dlat <= t.lat <= b.north + dlat and near_lon(t.lon)):
            far.append(q.id)
            q = replace(q, truth=None, truth_tile=None, truth_source=None)
        kept.append(q)
    note = None
    if far:
        names = ", ".join(far[:3]) + (f" and {len(far) - 3} more" if len(far) > 3 else "")
        from .wording import count

        note = (f"{count(len(far), 'truth point')} {'lies' if len(far) == 1 else 'lie'} far outside the tiles and "
                f"{'was' if len(far) == 1 else 'were'} ignored in the scores "
                f"(the photos are still located): {names}")
    return tuple(kept), note


@dataclass(frozen=True)
class FarFromTiles:
    """Photos recorded far from every tile (far_from_tiles): the sentence to show, and which photos
    (Query.id) it is about, so that an export can mark their rows and features."""

    note: str
    query_ids: frozenset[str]

    def about(self, query_id: str) -> str | None:
        return self.note if query_id in self.query_ids else None


def far_from_tiles(queries: Sequence[Query], tiles) -> FarFromTiles | None:
    """When photos' own recorded positions (EXIF/XMP GPS, telemetry, truth.csv) lie far from every
    tile (far as in `scored_queries`): most likely the wrong tile set, and then no answer can be
    right. None when all are near. The distance is the haversine (geo.haversine_m) from the tile
    set's centre, in km."""
    from .geo import haversine_m

    queries = tuple(queries)
    scored, _ = scored_queries(queries, tiles)
    far = [q for q, s in zip(queries, scored) if q.truth is not None and s.truth is None]
    if not far:
        return None
    km = min(haversine_m(q.truth, tiles.bounds.center) for q in far) / 1000
    with_gps = sum(q.truth is not None for q in queries)
    from .wording import count

    # one far photo reads in the singular ('1 of 1 photo ... lies', newuser32_session32.md: it read
    # '1 of 1 photos ... lie ... the nearest'); several keep 'the nearest'
    one = len(far) == 1
    return FarFromTiles(
        f"{len(far)} of {count(with_gps, 'photo')} with a recorded position {'lies' if one else 'lie'} far from the "
        f"tiles ({'' if one else 'the nearest '}{km:.0f} km from their centre): is this the tile set of the place "
        f"{'it was' if one else 'they were'} taken? {'Its answer is the best tile' if one else 'Their answers are the best tiles'}"
        " of this set and cannot be right", frozenset(q.id for q in far))


def far_from_tiles_note(queries: Sequence[Query], tiles) -> str | None:
    """far_from_tiles' sentence (None when every photo is near). The CLI logs it; the app shows it
    in its message bar; the exports carry it (see export.write_csv)."""
    far = far_from_tiles(queries, tiles)
    return None if far is None else far.note
