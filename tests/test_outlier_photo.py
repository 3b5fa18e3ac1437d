"""A photo of another place among a flight's photos (leftovers37). Label-free, its answer must say it is
unsure: 30 demo photos taken 3 s apart (verified, real SIFT on the committed demo features) and one
photo of Rotterdam (the benchmark's rotterdam/queries/q_0001.jpg, SpaceNet imagery CC BY-SA 4.0, its
EfficientNet-Lite0 feature committed beside it, made by the product's backbone as
tests/make_demo_features.py makes the demo's; 8,600 km from the demo's tiles).

Alone (no capture time, or taken an hour later: a flight of its own) its own answer stands: tile level
only, 0.128, unsure. Taken 3 s after the flight's last photo (a second drone of the same model, or a wrong
clock), the track extrapolated it at 0.964: "confident", 8,600 km off. Now a frame extrapolated past
verified frames whose own readable picture matched nothing (outside_tiles.unmatched_in_flight) claims at
most OUTSIDE_CEILING and says why (UNMATCHED_CAUTION)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.levels import level_of
from geolocator.core.model import CONFIDENT, WEAK_BELOW, PhotoMeta
from geolocator.core.outside_tiles import OUTSIDE_CEILING, UNMATCHED_CAUTION
from geolocator.core.predict import LOW_TEXTURE_CAUTION
from geolocator.core.queries import load_queries, load_region
from geolocator.core.sequence import smooth

from .demo_features import DEMO, DemoWorkspace, load_demo_features
from .test_sequence import flight, prediction

DATA = Path(__file__).resolve().parent / "data"
ELSEWHERE = DATA / "rotterdam_q_0001.jpg"
START = datetime(2026, 12, 4, 11, 0, 0)


def _camera(when: datetime | None) -> PhotoMeta:
    return PhotoMeta(captured_at=when, make="DJI", model="FC300S")


class _WithElsewhere(DemoWorkspace):
    """The demo's committed features, and the Rotterdam photo's own (its committed feature)."""

    def embed(self, queries, *, progress=None, cancel=None):
        mine = [q for q in queries if Path(q.path).name != ELSEWHERE.name]
        ok, feats, failures = super().embed(mine, progress=progress, cancel=cancel) if mine else ((), None, {})
        with np.load(DATA / "rotterdam_q_0001_feature.npz") as f:
            assert str(f["signature"]) == self.backbone.signature  # one backbone for both
            other = f["photo"].astype(np.float32)[None, None, :]
        rows = {q.id: i for i, q in enumerate(ok)}
        out = np.stack([other[0] if q.id not in rows else feats[rows[q.id]] for q in queries])
        return tuple(queries), out, failures


@pytest.fixture(scope="module")
def located(tmp_path_factory):
    """The 30 demo photos and the Rotterdam photo, located together (verification on, the product's
    settings): their predictions, Rotterdam's last."""
    from geolocator.core.pipeline import Settings

    tmp = tmp_path_factory.mktemp("outlier")
    region = load_region(DEMO)
    ws = _WithElsewhere(Settings(cache_dir=tmp / "cache", adapter_dir=tmp / "adapters", device="cpu"),
                        load_demo_features())
    ws.open_tiles(region.tiles)
    [elsewhere] = load_queries(ELSEWHERE, on_skip=lambda p, why: None)
    preds = ws.locate(list(region.queries[:30]) + [replace(elsewhere, id="elsewhere/q_0001.jpg")])
    assert [p.status for p in preds[:30]] == ["verified"] * 30  # the flight verified
    return preds


def _flight_with(preds, when: datetime | None):
    """The 30 demo photos as one camera's flight, 3 s apart, and the other photo taken at `when`."""
    photos = [replace(p, query=replace(p.query, meta=_camera(START + timedelta(seconds=3 * k))))
              for k, p in enumerate(preds[:30])]
    other = replace(preds[30], query=replace(preds[30].query, meta=_camera(when)))
    return photos + [other]


@pytest.mark.slow  # ~20 CPU s: the Rotterdam photo's verification widens its search
def test_a_photo_of_elsewhere_alone_says_it_is_unsure(located):
    other = located[30]
    assert other.status == "retrieved" and other.confidence < WEAK_BELOW
    assert level_of(other) == "tile level only"
    for when in (None, START + timedelta(hours=1)):  # no time, or a flight of its own
        preds = _flight_with(located, when)
        assert all(p.query.id != other.query.id for t in smooth(preds) for p in t.points)


@pytest.mark.slow
def test_a_photo_of_elsewhere_just_after_a_flight_is_not_confident(located):
    preds = _flight_with(located, START + timedelta(seconds=3 * 29 + 3))
    [track] = smooth(preds)
    point = next(p for p in track.points if p.query.id == located[30].query.id)
    assert point.status == "extrapolated"  # the track's place, as before
    assert point.confidence <= OUTSIDE_CEILING and point.caution == UNMATCHED_CAUTION  # before: 0.964, none
    assert point.shown_status == "weak track"
    assert all(p.confidence >= CONFIDENT for p in track.points if p.query.id != located[30].query.id)


def _blind_end(caution=None):
    """A flight verified up to frame 20; frames 20-29 matched nothing (a wrong tile on top)."""
    preds, _ = flight(n=30, bad=(), chance=())
    for i in range(20, 30):
        preds[i] = replace(prediction(preds[i].query, [(900, 900, 0.5, 0, False), (950, 50, 0.45, 2, False)]),
                           caution=caution)
    return preds


def test_only_extrapolated_readable_pictures_that_matched_nothing_are_capped():
    """Readable pictures that matched nothing past the verified frames: capped, placed as before; the same
    frames of featureless ground (their own caution: the table's case, a picture with nothing to match)
    keep the track's measured figure."""
    [readable] = smooth(_blind_end())
    [featureless] = smooth(_blind_end(LOW_TEXTURE_CAUTION))
    past = [i for i, p in enumerate(readable.points) if p.status == "extrapolated"]
    assert past == [20, 21, 22, 23, 24]
    for i in past:
        r, f = readable.points[i], featureless.points[i]
        assert r.location == f.location and f.status == "extrapolated"
        assert r.confidence <= OUTSIDE_CEILING < f.confidence and r.caution == UNMATCHED_CAUTION and f.caution is None
    assert readable.points[:20] == featureless.points[:20]


def test_a_readable_picture_that_matched_nothing_between_verified_frames_keeps_the_tracks_figure():
    """Between verified frames the rule does not apply: compare_sequence.py's two such frames over Las Vegas
    (its video's t=46, its stills' IMG_0036) were placed 0.1 and 0.5 m from their truth (leftovers37)."""
    preds, _ = flight(n=30, bad=(), chance=())
    unmatched = prediction(preds[15].query, [(900, 900, 0.5, 0, False), (950, 50, 0.45, 2, False)])
    [readable] = smooth(preds[:15] + [unmatched] + preds[16:])
    [featureless] = smooth(preds[:15] + [replace(unmatched, caution=LOW_TEXTURE_CAUTION)] + preds[16:])
    assert readable.points[15].status == "interpolated" and readable.points[15].caution is None
    assert readable.points[15].confidence == featureless.points[15].confidence > OUTSIDE_CEILING
