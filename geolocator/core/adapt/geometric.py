"""Geometric pseudo-labels: the E-step's strongest evidence, from pixels alone (no labels).

1. Direct: each photo is verified against its best global candidates (rerank.verify_pair). A
   plausible homography with many inliers says which ground the photo's centre shows; the label is
   the tile that holds that ground point (near a tile edge it is often the neighbour of the tile
   that matched best).
2. Chained: a photo with no strong tile match is matched against photos that have one. Drone
   photos of one place share sensor, season and perspective, so they match each other far more
   easily than they match the satellite tile (on the demo 20 of 108 photos match no tile at all).
   Composing photo->photo and photo->tile homographies puts the photo's centre on the anchor's
   tile. Photos placed strongly this way anchor others in the next round.

Measured with frozen EfficientNet-Lite0 candidates (top 20; training/geometry_labels.py): on the
demo 83 photos of 108 are placed directly and 19 more through chains, all 102 on the right tile
(Las Vegas 208 of 210, Rotterdam 130 of 196, none wrong). An adapter trained on these labels (em.py,
mode best) then ranks the right tile first for 97% of demo photos (training/results/
compare_pipeline.md).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model import Query, TileSet
from ..progress import CancelToken, EtaClock, ProgressCallback, ProgressEvent, check, emit
from ..rerank import LocalFeatures, Verifier, photo_centre_in, verify_pair


def partner_scores(photo: LocalFeatures, partners: Sequence[LocalFeatures]) -> list[int]:
    """How alike `photo` is to each partner photo: the mutual-nearest-neighbour count of its best
    heading (matchers/verify.headings_and_scores), one number per partner, higher first tried."""
    from ..matchers import verify as learned

    return [score for _, score in learned.headings_and_scores(photo, list(partners))]


def link_heading(photo: LocalFeatures, partner: LocalFeatures):
    """The photo heading a learned link is looked at and glued at (matchers/verify.best_heading):
    searched once for both, not once by each (a heading search was a third of a link's cost on
    rotterdam-ms, session 25)."""
    from ..matchers import verify as learned

    return learned.best_heading(photo, partner)


def quick_link(photo: LocalFeatures, partner: LocalFeatures, settings, heading=None) -> int:
    """A photo-photo link's first look with a learned backend (matchers/verify.quick_inliers: mutual
    nearest neighbours and one homography, no glue): its inliers, 0 for a hopeless pair.
    `heading`: link_heading(photo, partner) when the caller has it."""
    from ..matchers import verify as learned

    return learned.quick_inliers(photo, partner, settings, expected_share=1.0, heading=heading)


@dataclass(frozen=True)
class GeometrySettings:
    # Measured on demo / Vegas / Rotterdam (truth used only to score, training/geometry_labels.py):
    # 102/102, 208/208 and 130/130 labels right with these; 9-inlier chains were often wrong.
    anchor_inliers: int = 12  # a label this strong may anchor other photos
    link_inliers: int = 12  # weakest link a chained label may have
    links: int = 48  # anchored photos tried per unplaced photo, most similar first
    rounds: int = 3  # chaining rounds (placed photos anchor the next round)
    max_photos: int = 4000  # photos labelled (an evenly spaced sample above it): keypoints in memory
    # With a learned backend (its verifier stops early: VerifySettings.stop_at() > 0) a link costs
    # a LighterGlue pair (~0.3-0.4 s on 2 loaded cores, 100x SIFT's), and 48 links x 3 rounds for
    # every unplaced photo kept mode best with xfeat anchors from finishing on rotterdam-coarse
    # (training/results/coarse.md, session 11). There the `links` most similar anchors are
    # ranked by their heading search's mutual-neighbour count (matchers/verify.py, milliseconds),
    # at most this many of them are matched per photo and round, and a photo stops at the first
    # chain as strong as that early stop. 0: no bound (every partner, as with SIFT). Measured with
    # learned_clear, xfeat through mosaics, all photos: adaptation 226-322 CPU s on rotterdam-coarse
    # (98 photos), 270 on vegas-coarse (126); R@1 after it 81.6 / 96.0 (frozen, mosaic_once: 59.2 / 76.2).
    learned_links: int = 8
    # ... and a label, an anchor and a link each need that early stop's inliers (a clear match)
    # instead of min_inliers / anchor_inliers / link_inliers: those were measured with SIFT, and a
    # learned backend finds more inliers by chance. Measured on 24 rotterdam-coarse photos, xfeat
    # through mosaics (training/profile_best_anchors.py, session 11): direct labels with 30-113
    # inliers all right (10), with 10-21 all wrong (3); chained ones 13-19 all wrong (5).
    learned_clear: bool = True
    # ... and a link is glued only when its first look (quick_link: descriptors' mutual nearest
    # neighbours and one homography, ~20 ms) finds this many inliers. On rotterdam-ms the Adapt
    # button tried 1,730 links, 16 of them clear (40+ glued inliers); their first looks found 15-439
    # inliers, and 867 of the 1,714 others fewer than 12 (training/results/bench_gui_session24.md):
    # half the glue's pairs skipped, the same labels. 0: every link glued.
    link_precheck: int = 12
    # ... and of a photo's partners in a round (at most learned_links), every first look is taken
    # before any glue, and at most this many links with a first look >= link_precheck are glued, the
    # highest first look first (ties: the partner-score order). Measured with every link glued
    # (training/profile_links.py; bench_gui_session25.md, profile_links_cir_session26.md): 3 a round
    # in first-look order glued 31-32 % fewer links and still found every clear one (rotterdam-ms
    # 16 of 16, rotterdam-cir 25 of 25); in partner-score order 3 lost 2 of cir's 25. 0: no cap,
    # each partner looked at and glued in partner-score order as the first look passes (session 26).
    # Used only where first looks are taken (a learned backend, learned_links and link_precheck > 0).
    # Off by default: the app's Adapt with 3, A/B in one sitting (links27_session27.md, load 5-14):
    # rotterdam-ms 595 links glued against 863, chains' CPU -10 %, the same R@1 (41.8); rotterdam-cir
    # 435 against 623, chains' CPU the same (163 against 161 s: more first looks), and R@1 after
    # Adapt 59.2 against 60.2 (one photo fewer right): a drop, so not the default. Session 28, after
    # the xfeat race fix (honest28_session28.md): cir's answers with 0 and 3 the same as session 27's,
    # photo for photo (not the race); with 4, 515 links glued and 61.2 (one photo more right than 0):
    # one run on one region, rotterdam-ms not measured with 4, so still off.
    link_cap: int = 0
    # Per-tile anchors (issue 13, session 31): with a second verifier that matches each tile alone
    # (geometric_labels' `tile_verifier`: the CPU route's mosaics lose pixel-replicated tiles' few real
    # pixels), a photo the route's own verifier left without an anchor is matched against at most
    # this many of its candidates, the most alike first (the heading search's mutual-neighbour
    # count over all of them; rerank.Verifier's learned order), stopping at the first clear pair.
    # 0: every candidate (the anchors of `--anchor-matcher xfeat`). Measured on rotterdam-ms
    # (training/profile_tile_anchors.py, training/results/anchors31_session31.md).
    tile_anchor_pairs: int = 3


@dataclass(frozen=True)
class GeoLabel:
    tile: int  # index of the tile holding the photo's centre
    inliers: int  # evidence: inliers of the direct match, or of the chain's weakest link
    via: int | None = None  # photo index the label was chained through (None: a direct match)


@dataclass
class _Placement:
    tile: int  # tile the homography maps into
    homography: np.ndarray  # photo (scaled pixels) -> that tile (scaled pixels)
    inliers: int
    via: int | None
    centre: tuple[float, float] | None  # the photo's centre in that tile, as fractions


def geometric_labels(
    queries: Sequence[Query],
    tileset: TileSet,
    tile_candidates: np.ndarray,
    photo_similarity: np.ndarray,
    verifier: Verifier,
    settings: GeometrySettings | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    workers: int = 1,
    tile_verifier: Verifier | None = None,
) -> list[GeoLabel | None]:
    """A label per photo (None where geometry found nothing trustworthy).

    tile_candidates: (Q, C) tile indices to verify per photo (the global ranking's top).
    photo_similarity: (Q, Q) global photo-photo similarity, to try likely partners first.
    workers: photos verified at once, in the direct pass and in each chaining round
        (core/photo_pool.py; the same labels).
    tile_verifier: a second verifier matching each tile alone (Workspace.geometric_labels gives one
        on pixel-replicated tiles verified through mosaics): after `verifier`'s direct pass, each
        photo it left without an anchor (anchor_inliers, or its early stop) is verified by it against
        its candidates, at most settings.tile_anchor_pairs pairs (its VerifySettings.patience, set
        by the caller), and the stronger placement counts. Chains describe photos with `verifier`.
    """
    from ..photo_pool import map_photos

    settings = settings or GeometrySettings()
    tiles = tileset.tiles
    n_q = len(queries)
    clock = EtaClock(n_q)
    placed: dict[int, _Placement] = {}
    stop = verifier.settings.stop_at()  # 0: SIFT, which never stops early (cheap pairs)
    clear = stop if settings.learned_clear else 0
    min_inliers = max(verifier.settings.min_inliers, clear)
    anchor_inliers, link_inliers = max(settings.anchor_inliers, clear), max(settings.link_inliers, clear)
    verifier.begin_pass()  # no mosaic skipped for what an earlier locate verified

    def direct(qi: int, token: CancelToken | None) -> list:  # 1. direct matches (kept by the verifier for locate)
        return verifier.verify_photo(queries[qi], tiles, tile_candidates[qi], cancel=token)

    def done(k: int, qi: int) -> None:
        emit(progress, ProgressEvent("geometry", k, n_q, "matching photos to tiles", clock.eta(k)))

    def keep_strongest(qi: int, found: list) -> None:  # a photo's strongest verified tile, over both passes
        for t, v in zip(tile_candidates[qi], found):
            best = placed.get(qi)
            if v.inliers >= min_inliers and (best is None or v.inliers > best.inliers):
                placed[qi] = _Placement(int(t), v.homography, v.inliers, None, v.centre)

    for qi, found in enumerate(map_photos(direct, range(n_q), workers=workers, cancel=cancel, done=done)):
        keep_strongest(qi, found)

    if tile_verifier is not None:  # 1b. per-tile anchors for the photos the first verifier left unanchored
        unanchored = [qi for qi in range(n_q) if qi not in placed or placed[qi].inliers < anchor_inliers]
        tile_verifier.begin_pass()
        clock = EtaClock(len(unanchored))

        def on_tiles(qi: int, token: CancelToken | None) -> list:
            return tile_verifier.verify_photo(queries[qi], tiles, tile_candidates[qi], cancel=token)

        def tiled(k: int, qi: int) -> None:
            emit(progress, ProgressEvent("geometry", k, len(unanchored), "matching photos to single tiles",
                                         clock.eta(k)))

        for qi, found in zip(unanchored, map_photos(on_tiles, unanchored, workers=workers, cancel=cancel, done=tiled)):
            keep_strongest(qi, found)

    loaded: dict[int, LocalFeatures | None] = {}
    # the pool's threads share `loaded`: one lock a photo, so a partner two photos chain through at
    # once is described once (the second waits for the first's description), while different
    # photos are still described side by side
    loading: dict[int, threading.Lock] = {}
    loading_guard = threading.Lock()

    def photo(i: int) -> LocalFeatures | None:  # keypoints of the photos that chaining needs
        if i in loaded:
            return loaded[i]
        with loading_guard:
            lock = loading.setdefault(i, threading.Lock())
        with lock:
            if i not in loaded:  # the direct pass's description where the verifier still keeps it
                loaded[i] = verifier.described(queries[i])
        return loaded[i]

    # partners already tried, per photo: a photo's chains touch only its own set, so photos of one
    # round can be chained on different threads
    tried: dict[int, set[int]] = {qi: set() for qi in range(n_q)}
    bounded = stop > 0 and settings.learned_links > 0
    capped = bounded and settings.link_precheck > 0 and settings.link_cap > 0
    for round_ in range(settings.rounds):  # 2. chains through strongly placed photos
        anchors = np.array(sorted(i for i, p in placed.items() if p.inliers >= anchor_inliers), int)
        todo = [i for i in range(n_q) if i not in placed or placed[i].inliers < anchor_inliers]
        clock = EtaClock(len(todo))

        # a photo's chain reads only what earlier rounds placed, so this round's photos are
        # independent: the same labels whichever photo runs first or on which thread
        def chain(qi: int, token: CancelToken | None) -> _Placement | None:
            partners = anchors[np.argsort(-photo_similarity[qi, anchors], kind="stable")][: settings.links]
            if bounded:
                partners = _most_alike(qi, partners, tried[qi], photo, settings.learned_links)
            if capped:  # every first look before any glue; the best few glued
                links = _first_look_order(qi, partners, tried[qi], photo, verifier.settings,
                                          settings.link_precheck, settings.link_cap, token)
            else:  # looked at as the glue goes (lazily): a clear link ends the search
                links = ((a, heading) for a, heading, _ in _first_looks(
                    qi, partners, tried[qi], photo, verifier.settings, settings.link_precheck if bounded else 0, token))
            best = None
            for a, heading in links:
                check(token)  # between links: a learned link is a LighterGlue pair (~0.3-1 s)
                # two photos of one flight see about the same footprint
                link = verify_pair(photo(qi), photo(a), verifier.settings, expected_share=1.0, heading=heading)
                anchor = placed[a]
                strength = min(link.inliers, anchor.inliers)
                current = best or placed.get(qi)
                if link.inliers >= link_inliers and (current is None or strength > current.inliers):
                    chained = anchor.homography @ link.homography
                    centre = photo_centre_in(chained, photo(qi), verifier.tile(tiles[anchor.tile]))
                    best = _Placement(anchor.tile, chained, strength, a, centre)
                if bounded and best is not None and best.inliers >= stop:
                    break  # a clear chain: the rest would cost LighterGlue pairs for little
            return best

        def chained(k: int, qi: int) -> None:
            emit(progress, ProgressEvent("geometry", k, len(todo),
                                         f"matching photos to each other (round {round_ + 1})", clock.eta(k)))

        found = map_photos(chain, todo, workers=workers, cancel=cancel, done=chained)
        new = {qi: p for qi, p in zip(todo, found) if p is not None}
        if not new:
            break
        placed.update(new)

    labels: list[GeoLabel | None] = [None] * n_q
    for qi, p in placed.items():
        tile = p.tile
        centre = p.centre
        if centre is not None and all(-1.0 <= f <= 2.0 for f in centre):  # else a degenerate chain
            holder = tileset.tile_at(tiles[p.tile].point_at(*centre))
            tile = p.tile if holder is None else holder
        labels[qi] = GeoLabel(tile, p.inliers, p.via)
    return labels


def _most_alike(qi: int, partners: np.ndarray, tried: set[int], photo, limit: int) -> list[int]:
    """Of `partners` (anchor photo indices, most similar globally first), the `limit` not yet tried
    with photo `qi` (`tried`: its partners tried in earlier rounds) whose keypoints agree most with
    its own (partner_scores; ties keep the global order). Partners without keypoints, and every
    partner when `qi` has none, are left out."""
    if photo(qi) is None:
        return []
    fresh = [int(a) for a in partners if int(a) != qi and int(a) not in tried and photo(int(a)) is not None]
    if not fresh:
        return []
    scores = partner_scores(photo(qi), [photo(a) for a in fresh])
    order = sorted(range(len(fresh)), key=lambda i: (-scores[i], i))
    return [fresh[i] for i in order[:limit]]


def _first_look_order(qi: int, partners: Sequence[int], tried: set[int], photo, verify_settings,
                      precheck: int, cap: int, token: CancelToken | None) -> list[tuple[int, object]]:
    """Which of `partners` (anchor photo indices in partner-score order: _most_alike's) photo `qi`
    glues this round, in the order it glues them: each partner's first look (quick_link at its
    link_heading) is taken, every partner looked at is added to `tried` (so a later round does not
    look again; only clear links place a photo with a learned backend, and profile_links found none
    past the cap), those below `precheck` inliers are dropped, and the `cap` with the most first-look
    inliers are kept, most first (ties: the order of `partners`, so the same links on any thread).
    Returns [(partner, heading)], the heading given to the glue. Partners already tried, `qi`
    itself and partners without keypoints are skipped, and nothing is looked at when `qi` has none.
    Raises Cancelled (progress.check) between first looks when `token` is cancelled."""
    if photo(qi) is None:
        return []
    looked = [(-inliers, rank, a, heading) for rank, (a, heading, inliers)
              in enumerate(_first_looks(qi, partners, tried, photo, verify_settings, precheck, token))]
    looked.sort(key=lambda row: row[:2])
    return [(a, heading) for _, _, a, heading in looked[:cap]]


def _first_looks(qi: int, partners: Sequence[int], tried: set[int], photo, verify_settings, precheck: int,
                 token: CancelToken | None):
    """Yields, lazily and in the order of `partners`, (partner, heading, first-look inliers) for each
    partner photo `qi` may glue: partners already in `tried` and `qi` itself are skipped, every other
    one reached is added to `tried`, those without keypoints (or when `qi` has none) are skipped, and
    with `precheck` > 0 those whose first look (quick_link at link_heading, the heading given to the
    glue) counts fewer than `precheck` inliers; `precheck` 0: no first look (heading and inliers
    None). Raises Cancelled (progress.check) before each partner when `token` is cancelled."""
    for a in partners:
        a = int(a)
        if a == qi or a in tried:
            continue
        check(token)
        tried.add(a)
        if photo(qi) is None or photo(a) is None:
            continue
        if not precheck:
            yield a, None, None
            continue
        heading = link_heading(photo(qi), photo(a))  # the first look's, and the glue's
        inliers = quick_link(photo(qi), photo(a), verify_settings, heading)
        if inliers >= precheck:  # below: hopeless by its first look, no LighterGlue pair for it
            yield a, heading, inliers
