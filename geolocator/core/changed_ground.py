"""Photos of ground that changed since the imagery was taken (a flood, a fire, a storm): the
confidence tables (core/confidence_tables.py) were measured on photos of the ground as the imagery
shows it; after such an event they claim too much, so a run the user marks as taken on changed
ground (`locate --changed-ground`, pipeline.Settings.changed_ground) claims what was measured on
such photos instead.

Measured (training/results/newuser_session25.md, training/flood_photos.py): 252 "after the event"
photos made from 14 Las Vegas and 14 Rotterdam benchmark photos (muddy water over 20-70 % of the
frame, burnt patches, smoke haze, debris, messenger re-compression; 9 kinds), located against the
benchmark's own (before-the-event) tiles with the product's defaults, frozen features, SIFT route
with the xfeat second look. Right: the Point within 35 m (the confidence radius of 50 m tiles).

- verified answers the tables scored at 0.95 or more: 153 of 153 right (kept);
- verified answers they scored 0.5-0.95 (inlier margins of about 11 or less): 19 of 26 right
  (Las Vegas 3 of 9, Rotterdam 16 of 17); the 7 wrong ones claimed 0.81-0.93 (three at 0.91-0.93:
  shown confident) and lay 99 m to 2.8 km away. Laplace's rule of succession over both regions,
  (19 + 1) / (26 + 2) = 0.71: CHANGED_VERIFIED_SHARE (weak matches, below 0.5: 3 of 4 right, kept);
- answers nothing verified: 3 of 68 right (two of the wrong ones claimed 0.60, the most such an
  answer may claim): (3 + 1) / (68 + 2) = 0.06, CHANGED_UNVERIFIED_CEILING.

Synthetic damage on two regions, in-sample: a first measurement, not a calibration of real
after-event photos; the two regions differ widely (above), so the share is what both together
justify. Label-free: nothing here reads a truth; the user says the ground changed, the rule does
not guess it from the pixels (a flat-share measure did not tell flooded Rotterdam photos from its
own soft, clean ones)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .model import STATUS_VERIFIED, Prediction

# A verified answer at or above this confidence keeps it (153 of 153 right on changed ground).
CHANGED_VERIFIED_BELOW = 0.95
# ... one below it claims at most this (19 of 26 right; Laplace 0.71): never "confident" (0.9).
CHANGED_VERIFIED_SHARE = 0.71
# An answer nothing verified claims at most this on changed ground (3 of 68 right; Laplace 0.06).
CHANGED_UNVERIFIED_CEILING = 0.06


def changed_confidence(confidence: float, status: str) -> float:
    """In [0, 1]: what an answer of `confidence` (predict.confidence, in [0, 1]) and `status`
    (model.Prediction.status: "verified", "retrieved", "not located") may claim when the photo shows
    ground that changed since the imagery: a verified one below CHANGED_VERIFIED_BELOW at most
    CHANGED_VERIFIED_SHARE, an unverified one at most CHANGED_UNVERIFIED_CEILING; never more than
    it claimed. Figures: this module's docstring."""
    if status == STATUS_VERIFIED:
        return confidence if confidence >= CHANGED_VERIFIED_BELOW else min(confidence, CHANGED_VERIFIED_SHARE)
    return min(confidence, CHANGED_UNVERIFIED_CEILING)


def on_changed_ground(predictions: Sequence[Prediction]) -> list[Prediction]:
    """`predictions` with each confidence as changed_confidence gives it (a new Prediction where it
    changes; location, status and matches untouched). A verified answer whose confidence falls below
    model.WEAK_BELOW reads "weak match" as any other."""
    return [p if (c := changed_confidence(p.confidence, p.status)) == p.confidence else replace(p, confidence=c)
            for p in predictions]


def means_line() -> str:
    """Said beside wording.confidence_means on a run marked as changed ground: which figures the
    confidences are."""
    return ("ground changed since the imagery (--changed-ground): confidences are as measured on after-event photos "
            f"(verified answers below {CHANGED_VERIFIED_BELOW} claim at most {CHANGED_VERIFIED_SHARE}, unverified ones at "
            f"most {CHANGED_UNVERIFIED_CEILING}); answers at {CHANGED_VERIFIED_BELOW} or more are kept")
