"""Counts and sizes as they read in a sentence, for the CLI and the app alike."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 tile', '0 tiles', '1,200 tiles': `n` with its noun in the right number (`plural`
    when adding an s is wrong)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def first_named(names, inline: int) -> str:
    """'a.jpg, b.jpg, c.jpg and 4 more': the first `inline` of `names` (str), then how many more."""
    names = list(names)
    return ", ".join(names[:inline]) + (f" and {len(names) - inline} more" if len(names) > inline else "")


def imagery_line(attribution: str) -> str:
    """The CLI's line crediting a tile set's imagery: 'imagery: © Esri, Maxar'. A credit line that
    already begins with the word (fetch-tiles records 'Imagery: HOST (the provider's required
    attribution was not given)' for a plain URL) is said as it is: it read 'imagery: Imagery: HOST
    ...' (newuser32_session32.md)."""
    text = attribution.strip()
    return text if text.lower().startswith("imagery") else f"imagery: {text}"


def far_truth_not_scored(n: int) -> str:
    """What the app's Evaluation panel says of photos whose truth lies far outside the tiles
    (core.evaluate.scored_queries: `geolocator eval` ignores them too): '1 image with truth far from
    the tiles: not scored'. Their rows keep their errors; the scores leave them out."""
    return f"{count(n, 'image')} with truth far from the tiles: not scored"


def empty_map_hint(open_tiles_keys: str) -> str:
    """What the app's map pane says before any map is shown (it was a blank white pane): how to get
    one. `open_tiles_keys` is the Open Tile Set shortcut as the platform writes it ("Ctrl+Shift+O");
    empty when it has none."""
    keys = f" ({open_tiles_keys})" if open_tiles_keys else ""
    return f"Open a tile set{keys} or get imagery for this area (File menu) to see the map."


MAP_NOT_DRAWN = ("The map cannot be drawn: its folder cannot be written (a full disk?). The results are in the "
                 "list; the warnings say more. The map is drawn again at the next change once there is room.")


def megabytes(n_bytes: float, *, about: bool = False) -> str:
    """A size in MB (10^6 bytes) a reader can use: 'under 1 MB' rather than '0 MB' for a few
    kilobytes; '3.4 MB' measured, 'about 3 MB' for an estimate (`about`); 'about 1234 MB', never
    "1,234 MB", which a German reads as 1.2 MB before a download over a field link (session 28)."""
    if n_bytes < 1e6:
        return "under 1 MB" if about or n_bytes > 0 else "0 MB"
    return f"about {n_bytes / 1e6:.0f} MB" if about else f"{n_bytes / 1e6:.1f} MB"


_NBSP = "\u00a0"
_LABEL_NUMBER = re.compile(r"(?<=[\w@%]) (?=\d)")  # "median 0.10", "R@1 97.2%", "23 16:31"
_NUMBER_UNIT = re.compile(r"(?<=\d) (?=[a-z]+\b)")  # "0.10 m", "36 tiles"


def keep_figures_together(text: str) -> str:
    """`text` with no-break spaces (U+00A0) inside each figure (label, number, unit), so that a
    word-wrapped label breaks between figures, never in one ("mean 17" / "m" in the app's Evaluation
    panel at its default width). For display only: files and the CLI keep plain spaces."""
    return _NUMBER_UNIT.sub(_NBSP, _LABEL_NUMBER.sub(_NBSP, text))


def placed_summary(levels) -> str:
    """How the photos of a locate were placed, for the line that ends it and the app's Evaluation
    panel: '3 confident, 8 verified but not confident, 1 tile level only' (+ ', 2 weak matches
    (confidence below 0.5)', ', 1 flagged (verified, but at odds with its flight's track)', ', 2 placed
    by the track' and ', 2 not located' when any). `levels`:
    core/levels.py's words (levels.placed_levels: confident, verified but not confident, weak match,
    tile level only, not located), 'flagged' for a flight's frame whose verified answer contradicts
    its track, or 'interpolated' / 'extrapolated' for a flight's frame the track placed. A bare
    status is counted as its level would be where it can be: 'retrieved' as tile level only;
    'verified' given without its confidence is counted apart as 'verified'."""
    from .levels import LEVEL_CONFIDENT, LEVEL_NOT_CONFIDENT, LEVEL_NOT_LOCATED, LEVEL_TILE, LEVEL_WEAK
    from .model import STATUS_RETRIEVED, STATUS_VERIFIED, WEAK_BELOW

    levels = list(levels)
    parts = [f"{levels.count(LEVEL_CONFIDENT):,} {LEVEL_CONFIDENT}"]
    for word in (STATUS_VERIFIED, LEVEL_NOT_CONFIDENT):
        if word in levels:
            parts.append(f"{levels.count(word):,} {word}")
    if LEVEL_WEAK in levels:
        weak = levels.count(LEVEL_WEAK)
        parts.append(f"{weak:,} weak match{'es' if weak != 1 else ''} (confidence below {WEAK_BELOW:g})")
    parts.append(f"{levels.count(LEVEL_TILE) + levels.count(STATUS_RETRIEVED):,} {LEVEL_TILE}")
    flagged = levels.count("flagged")
    if flagged:
        parts.append(f"{flagged:,} flagged (verified, but at odds with {'its' if flagged == 1 else 'their'} flight's track)")
    by_track = levels.count("interpolated") + levels.count("extrapolated")
    if by_track:
        parts.append(f"{by_track:,} placed by the track")
    if LEVEL_NOT_LOCATED in levels:
        parts.append(f"{levels.count(LEVEL_NOT_LOCATED):,} not located")
    return ", ".join(parts)


def left_out_line(failures, *, in_file: bool = True, inline: int = 3, files: int = 1, folders=()) -> str:
    """What the closing line of a `locate` adds when photos given could not be read (a JPEG cut short by
    a card pulled mid-copy): '; 1 photo could not be read and is not in it: IMG_0010.JPG (the warning
    above says why)' (`in_file` False, the line of a run without --out: '… and is not located: …'),
    the first `inline` named by their file names ('… not in them: …' after several `files`); '' when there are
    none. `failures`: path -> reason,
    as Located.failures holds them. Before session 30 the line said only what the file held ("wrote 31
    predictions …"), and a photo missing from the coordinator's file was said only among the warnings.
    `folders`: the folders whose photos could not be listed (core.skipped.unread_folder), said in one
    clause after the photos' ('; 1 folder could not be read, so its photos are not in it: 101_PANO (the
    warning above says why)'): before leftovers36 the line counted none of them."""
    names = [Path(p).name for p in failures]
    where = ('not in it' if files == 1 else 'not in them') if in_file else 'not located'
    text = ""
    if names:
        one = len(names) == 1
        text = (f"; {count(len(names), 'photo')} could not be read and {'is' if one else 'are'} {where}: "
                f"{first_named(names, inline)} (the warning{'' if one else 's'} above {'says' if one else 'say'} why)")
    dirs = [Path(p).name or str(p) for p in folders]
    if dirs:
        one = len(dirs) == 1
        text += (f"; {count(len(dirs), 'folder')} could not be read, so {'its' if one else 'their'} photos are "
                 f"{where}: {first_named(dirs, inline)} (the warning{'' if one else 's'} above "
                 f"{'says' if one else 'say'} why)")
    return text


def confidence_within(confidence: str, radius_m: float | None) -> str:
    """'0.930 that it is within 35 m': a confidence as formatted (export.format_confidence) with the
    radius it speaks of (predict.confidence_radius_m: half the answer's tile's diagonal, the rule
    every confidence was measured by), whole metres, never grouped by a comma (geo.format_distance:
    "within 22,601 m" reads "within 22.6 m" where the comma is the decimal mark; before session 28);
    `confidence` alone when `radius_m` is None."""
    if radius_m is None:
        return confidence
    return f"{confidence} that it is within {radius_m:.0f} m"


def confidence_means(radii=()) -> str:
    """Said once where confidences are read in bulk (the CLI's summary, the app's list header): what
    the figure is sure of, since "0.9" alone does not say "sure of what": 'confidence: how often such an
    answer was right, that is within 35 m of where the photo was taken (radius_m: half the diagonal of
    the tile it matched)'. `radii`: the answers' predict.answer_radius_m in metres (None skipped); one
    figure when they round alike, else their range; none given: the rule alone."""
    metres = sorted({round(r) for r in radii if r is not None})
    # whole metres, no comma between thousands (confidence_within)
    where = ("" if not metres else f" {metres[0]} m" if len(metres) == 1 else f" {metres[0]}-{metres[-1]} m")
    return (f"confidence: how often such an answer was right, that is within{where or ' radius_m'} of where the photo "
            "was taken (radius_m: half the diagonal of the tile it matched)")


def resumed_line(resumed: int, total: int) -> str:
    """The one line a locate says when it read photos' verification from an earlier run (an
    interrupted or repeated locate: core/pair_store.py keeps each photo's checks in the cache
    folder): 'verify: 34 of 108 photos resumed from an earlier run (their checks were kept in the
    cache folder)'. `resumed`: Located.resumed; `total`: the photos located."""
    return (f"verify: {resumed:,} of {count(total, 'photo')} resumed from an earlier run "
            f"({'its checks were' if resumed == 1 else 'their checks were'} kept in the cache folder)")


def earlier_run_line(kind: str, kept: int, total: int) -> str:
    """The one line a run says at its start when an earlier run (an interrupted or repeated one, the
    cache folder) left part of its work, so the user knows at once that a rerun resumes (flushcancel35:
    before, only the locate's end said so). kind "tiles": tiles whose features are in the store
    (extract.extract_into_store's reused) -> 'tiles: 44 of 121 tiles have features from an earlier run
    (kept in the cache folder); the other 77 are computed now'; kind "photos": photos whose checks were
    kept (rerank.Verifier.restore_kept) -> 'verify: 34 of 108 photos were checked by an earlier run (kept
    in the cache folder); they resume where it stopped'. `kept` <= `total`; raises ValueError for
    another kind."""
    if kind == "tiles":
        rest = total - kept
        tail = f"the other {rest:,} {'is' if rest == 1 else 'are'} computed now" if rest else "none to compute"
        return (f"tiles: {kept:,} of {count(total, 'tile')} {'has' if kept == 1 else 'have'} features from an "
                f"earlier run (kept in the cache folder); {tail}")
    if kind == "photos":
        return (f"verify: {kept:,} of {count(total, 'photo')} {'was' if kept == 1 else 'were'} checked by an "
                f"earlier run (kept in the cache folder); {'it resumes' if kept == 1 else 'they resume'} where it stopped")
    raise ValueError(f"kind must be 'tiles' or 'photos', got {kind!r}")


EARLIER_RUN = "earlier_run"  # the ProgressEvent metrics key that carries earlier_run_line (the app's status bar)


# How a flight's frame got its exported Point (core/sequence.py STATUSES), as the app's Results pane
# says it beside the position: the same words as the flight table of docs/flights.md.
TRACK_STATUS_WORDS = {
    "matched": "matched: its own verified answer, on the flight's track",
    "corrected": "corrected by the track: another of its verified candidates",
    "interpolated": "interpolated by the track, between verified frames",
    "extrapolated": "extrapolated by the track, past the first or last verified frame",
    # not "on the flight's track": in a flight with verified frames the line does not pass it (Track.on_line)
    "retrieved": "tile level only: a tile it resembles (appearance only, not verified)",
    "flagged": "flagged: its own verified answer, which contradicts the flight's track",
    "not located": "not located: nothing on the flight's track placed it",
    # below model.WEAK_BELOW (sequence.shown_track_status): the words say it is unsure
    "weak match": "weak match: verified, but its confidence is below 0.5 (treat it as unconfirmed)",
    "weak track": "weak track: placed by the track, but its confidence is below 0.5 (treat it as unconfirmed)",
}


# What every export says of an answer "not located" (model.claims_place False) besides its level: the
# `caution` of its CSV row, GeoJSON Feature and evidence.json record (export.NOT_LOCATED_CAUTION), and the
# end of its KML description (not_located_words). Its level ("not located", the `status` and `level`
# fields) and why (the `note`: a blank frame, blur) are said in their own fields: before session 34 this
# sentence began "not located:" and gave a reason of its own ("nothing to match in the picture"), so a KML
# description read "not located; blank frame (…); not located: no place is claimed (nothing to match …)",
# and a flight's frame that only the track left unplaced was said to have nothing to match.
NO_PLACE_CLAIMED = "no place is claimed, so no coordinates are given; look at the photo itself"


def not_located_words(why: str | None = None, *, frame: bool = False) -> str:
    """'not located: blank frame (uniform: …)': the level and why, once, as a KML description or GPX <desc>
    opens for an answer not located. `why`: Prediction.note (core/content.py's words); none given: what the
    level means (levels.LEVEL_MEANS: 'nothing to match (blank, sky or blurred picture)'), or for a flight's
    `frame` the track's words (TRACK_STATUS_WORDS['not located']: 'nothing on the flight's track placed it')."""
    from .levels import LEVEL_MEANS, LEVEL_NOT_LOCATED

    if why:
        return f"{LEVEL_NOT_LOCATED}: {why}"
    return TRACK_STATUS_WORDS[LEVEL_NOT_LOCATED] if frame else f"{LEVEL_NOT_LOCATED}: {LEVEL_MEANS[LEVEL_NOT_LOCATED]}"


def track_status_words(status: str) -> str:
    """'interpolated by the track, between verified frames': what a flight frame's `status`
    (core/sequence.py STATUSES) says of where its exported Point comes from; an unknown status as is."""
    return TRACK_STATUS_WORDS.get(status, status)


def nothing_verified_note(predictions, verification: bool = True) -> str | None:
    """One sentence when verification ran (`verification`; with it off nothing can be verified), none
    of `predictions` (core.model.Prediction, a flight's frames by their own answer) was verified
    against the imagery and at least one was located (not all blank):
    'None of the 27 photos was verified against this imagery: they may have been taken outside it,
    or it is too different from them to match (season, resolution); their tile-level answers
    (confidence at most 0.241) are not places.' None when any photo shows as verified. Session 22:
    27 Las Vegas photos located in Rotterdam's imagery each said "tile level only" with a coordinate,
    and nothing said that the set as a whole matched nowhere. Confidence in export.format_confidence's
    form."""
    from .export import format_confidence
    from .model import STATUS_NOT_LOCATED, STATUS_VERIFIED

    preds = [p for p in predictions if p.status != STATUS_NOT_LOCATED]
    if not verification or not preds or any(p.shown_status == STATUS_VERIFIED for p in preds):
        return None
    top = max(p.confidence for p in preds)
    if len(preds) == 1:
        return ("The photo was not verified against this imagery: it may have been taken outside it, or the "
                "imagery is too different from it to match (season, resolution); its tile-level answer "
                f"(confidence {format_confidence(top)}) is not a place.")
    return (f"None of the {len(preds):,} photos was verified against this imagery: they may have been taken outside it, or "
            "the imagery is too different from them to match (season, resolution); their tile-level answers "
            f"(confidence at most {format_confidence(top)}) are not places.")


def _named_lines(named: dict[str, list[str]], lead: str, inline: int) -> list[str]:
    lines = []
    for text, names in named.items():
        shown = first_named(names, inline)
        lines.append(f"{lead} {count(len(names), 'photo')} ({shown}): {text}")
    return lines


def not_located_lines(predictions, tracks=(), *, inline: int = 3) -> list[str]:
    """Why photos were not located, one line per reason (core.model.Prediction.note, core/content.py's words),
    for under `locate`'s results table, whose rows say only "not located": 'not located: 2 photos (sky.jpg,
    fog.jpg): too blurred or featureless to match (blur, fog, clear sky)'; the first `inline` named by their
    file names. A frame of one of `tracks` that the track placed is left out (its row holds the track's
    Point); one the track left "not located" is named. [] when none. The CSV's `note` column, the GeoJSON,
    KML and GPX already said it."""
    track_status = {pt.query.id: pt.status for t in tracks for pt in t.points}
    named: dict[str, list[str]] = {}
    for p in predictions:
        if p.note and track_status.get(p.query.id, "not located") == "not located":
            named.setdefault(p.note, []).append(Path(p.query.id).name)
    return _named_lines(named, "not located:", inline)


def caution_lines(predictions, tracks=(), *, inline: int = 3) -> list[str]:
    """What `locate` says under its results table of the answers that are guesses (core.model.Prediction.caution:
    a low-texture photo nothing verified, predict.LOW_TEXTURE_CAUTION), one line per distinct caution:
    'caution on 2 photos (lake.jpg, fog.jpg): low texture (…): …, so this position is a guess'; the first
    `inline` named by their file names ('… and 3 more'). A frame of one of `tracks` (core.sequence.Track)
    is left out: its line is the track's Point, not its own answer (as the CSV's `caution` column, the
    map's popup, KML and GPX), unless the Point itself carries one (TrackPoint.caution: a flight that
    hardly verified, core/outside_tiles.py). [] when none. Before session 32 the CLI and the CSV did not say it at all,
    while the app, GeoJSON, KML, GPX and evidence.json did."""
    on_track = {pt.query.id: pt for t in tracks for pt in t.points}
    # a file name two answers share (two cards' DJI_0001.MP4 frames, read under their full paths) names neither
    short = Counter(Path(p.query.id).name for p in predictions)
    named: dict[str, list[str]] = {}
    for p in predictions:
        # a frame: the track Point's own caution (TrackPoint.caution: the flight hardly verified), if any
        caution = getattr(on_track[p.query.id], "caution", None) if p.query.id in on_track else p.caution
        if caution:
            name = Path(p.query.id).name
            named.setdefault(caution, []).append(name if short[name] == 1 else p.query.id)
    return _named_lines(named, "caution on", inline)


def shot_of(shot: int, shots: int) -> str:
    """'shot 3 of 5': which shot of an edited video a frame belongs to (core/media/cuts.py found
    the cuts from its pictures; sequence.Track.shot and .shots, 1-based)."""
    return f"shot {shot} of {shots}"


def shot_words(shot: int, shots: int) -> str:
    """What the app's Results pane says of a frame in a shot of an edited video: 'shot 3 of 5 of an
    edited video (cuts found in its pictures): tracked on its own, never joined to another shot'."""
    return (f"{shot_of(shot, shots)} of an edited video (cuts found in its pictures): "
            "tracked on its own, never joined to another shot")


def cuts_line(video: str, shots: int) -> str:
    """The line a locate says of a video edited from several shots: 'clip.mp4: 4 cuts found in its
    pictures: 5 shots, each tracked on its own (no frame is placed from another shot's)'."""
    return (f"{video}: {count(shots - 1, 'cut')} found in its pictures: {shots} shots, each tracked on its own "
            "(no frame is placed from another shot's)")


def about_duration(seconds: float) -> str:
    """An estimate of time a person can plan with: 'about 40 s' (under a minute, to 10 s; 'under 10 s'
    below), 'about 6 min' (under an hour), 'about 1 h 20 min' (to 10 min). Raises ValueError for a
    negative or non-finite figure."""
    import math

    if not (seconds >= 0 and math.isfinite(seconds)):
        raise ValueError(f"a duration must be 0 or more seconds, not {seconds}")
    if seconds < 10:
        return "under 10 s"
    if seconds < 59.5:
        return f"about {max(10, round(seconds / 10) * 10)} s" if seconds < 55 else "about 1 min"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min"
    tens = round(seconds / 600)  # to 10 min
    hours, rest = divmod(tens * 10, 60)
    return f"about {hours} h" + (f" {rest} min" if rest else "")


def clock_length(seconds: float) -> str:
    """A video's length as players show it: '0:10', '30:00', '1:02:03' (whole seconds, rounded down)."""
    total = int(max(0.0, seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def truth_used_line(sources) -> str:
    """What `geolocator eval` scored against, and that it only scores: 'truth: the GPS (EXIF/XMP)
    of 9 photos, used only to score the answers (the images alone place the photos)'. `sources`: each
    scored query's Query.truth_source ("truth.csv", "exif", "xmp:<prefix>", "srt"; None counts as
    truth.csv, a region's file), in any order; the kinds are said in that order, each counted.
    Session 34 (newuser34): eval on photos with GPS said "9 images with truth" and never that their GPS
    took no part in placing them, which an inspector scoring on trusted GPS needs to read."""
    sources = ["truth.csv" if s is None else str(s) for s in sources]
    kinds = (("the GPS (EXIF/XMP) of {}", "photo", lambda s: s == "exif" or s.startswith("xmp:")),
             ("the telemetry (SRT) of {}", "video frame", lambda s: s == "srt"),
             ("truth.csv for {}", "image", lambda s: s == "truth.csv"))
    said, left = [], list(sources)
    for words, noun, belongs in kinds:
        n = sum(1 for s in left if belongs(s))
        if n:
            said.append(words.format(count(n, noun)))
        left = [s for s in left if not belongs(s)]
    if left:
        said.append(f"{len(left):,} other ({', '.join(sorted(set(left)))})")
    return (f"truth: {', '.join(said) or 'none'}, used only to score the answers "
            "(the images alone place the photos)")


def adapter_saved_lines(mode: str, saved, geometry: dict, *, photos, tiles) -> list[str]:
    """What `geolocator adapt` prints when done: where the adapter went (its `mode` named as a mode:
    "saved the best adapter" read as the best of several, session 37), how its photos were placed by
    local-feature geometry (`geometry`: the adapter card's counts, said only when it was `used`),
    and the command that uses it, as fetch-tiles ends with the next step. `photos`: the folder or
    files adapt was given (a region folder: its queries/); `tiles`: --tiles, None for a region folder
    (which --tiles also takes). Paths are quoted for a POSIX shell (shlex.quote)."""
    import shlex
    from pathlib import Path

    lines = [f"saved the adapter (mode {mode}) to {saved}"]
    if geometry.get("used"):
        lines.append(f"  photos placed by geometry: {geometry['direct']} matched a tile, {geometry['chained']} through "
                     f"another photo that did, {geometry['unlabelled']} with no match (placed by their features alone)")
    shown_photos = photos if tiles is not None else Path(photos) / "queries"
    lines.append(f"next: geolocator locate {shlex.quote(str(shown_photos))} --tiles {shlex.quote(str(tiles or photos))} "
                 f"--adapter {shlex.quote(str(saved))}")
    return lines
