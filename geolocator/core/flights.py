"""One run's flights, grouped once: the same groups for the per-flight evidence and for the tracks.

A run's photos and video frames are grouped into flights (core/sequence.py's `_sequences`: a video,
or one of its shots; one camera's timed photos per serial, folder and clock zone, split at gaps over
MotionModel.max_photo_gap_s). Two readers need that grouping: the per-flight evidence
(core/outside_tiles.with_flight_evidence: a flight that hardly verified may be elsewhere) and the
tracks (sequence.smooth). Until session 34 Workspace.locate grouped for the evidence with the default
motion model and no clock zones, and the CLI and the app grouped again for the tracks with the
person's clock zones: a flight the zones split off was drawn as a track of its own while its evidence
had been read over the frames of another clock (training/results/onegroup34_session34.md). A
FlightRule (the inputs) groups a run's queries into Flights (the groups) once; both readers take them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .model import Query
from .sequence import MotionModel, _sequences


@dataclass(frozen=True)
class FlightRule:
    """What a run's flights are grouped by: `model` (sequence.MotionModel; its max_photo_gap_s splits
    one camera's photos) and `clock_zones` (core.clock_zones.ClockZones or None: photos read in
    different clock zones are never one flight). The CLI's: its --max-speed, --turn-cost and
    --clock-zone; the app's: the default model and File -> Clock Zone of the Photos..."""

    model: MotionModel = field(default_factory=MotionModel)
    clock_zones: object = None

    def group(self, queries: Sequence[Query]) -> Flights:
        """The flights among `queries` (model.Query, one run's) under this rule (sequence._sequences:
        reads each photo's metadata, Query.meta when loaded, and an edited video's shot cuts, which
        media/cuts.py remembers per file). Photos without a capture time, and flights of one frame
        other than a shot of an edit, are in none."""
        return Flights(self, tuple((name, tuple(items), shot) for name, items, shot in
                                   _sequences(list(queries), self.model, self.clock_zones)))


@dataclass(frozen=True)
class Flights:
    """A run's flights as `rule` grouped them: ((name, ((Query, seconds from the flight's start), ...),
    shot), ...), shot being (video id, shot, shots) for a shot of an edited video, else None (the
    items of sequence._sequences, in its order)."""

    rule: FlightRule
    flights: tuple[tuple[str, tuple[tuple[Query, float], ...], tuple[str, int, int] | None], ...]

    def groups(self, queries: Sequence[Query]) -> list[list[int]]:
        """Each flight as the indices in `queries` of its frames (those of them in `queries`; a flight
        with none there is left out). Frames are matched by Query equality, as sequence.smooth matches
        predictions to them."""
        index = {q: i for i, q in enumerate(queries)}
        out = [[index[q] for q, _ in items if q in index] for _, items, _ in self.flights]
        return [g for g in out if g]


def located_flights(last, predictions: Sequence) -> Flights | None:
    """The flights a locate grouped (`last`: pipeline.Located, or None) when they are of `predictions`'
    photos (model.Prediction: the answers of that locate, any of them rewritten, none added); None
    otherwise (no locate, another run's, or one that grouped none): the caller then groups them itself."""
    flights = getattr(last, "flights", None)
    if flights is None or {p.query for p in predictions} != set(getattr(last, "queries", ())):
        return None
    return flights


def regrouped_evidence(predictions: Sequence, uncapped: dict, flights: Flights) -> list:
    """`predictions` (model.Prediction, the answers shown) with the per-flight evidence read again under
    `flights` (a new grouping: the app's clock zones changed), from the answers before any flight's cap:
    `uncapped` {query id: (the answer shown, the same answer before outside_tiles.with_flight_evidence)},
    as the locate left them (pipeline.Located.uncapped). An answer shown that is not the one stored
    (none stored: the evidence was not read, verification being off) is kept as it is, and counts in its
    flight's share as it is. Same order and length."""
    from .outside_tiles import with_flight_evidence

    own = [uncapped.get(p.query.id, (None, None)) for p in predictions]
    stored = [shown is p for p, (shown, _) in zip(predictions, own)]
    if not any(stored):
        return list(predictions)
    before = [u if ok else p for p, (_, u), ok in zip(predictions, own, stored)]
    again = with_flight_evidence(before, flights=flights)
    return [a if ok else p for p, a, ok in zip(predictions, again, stored)]
