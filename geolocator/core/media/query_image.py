"""The one way to read a query's pixels and name its identity, photo or video frame alike.

Every step that looks at a drone image (feature extraction, geometric verification, thumbnails)
goes through `open_query_image`, so a video frame flows through the pipeline like a photo.

A photo or frame posted with letterbox or pillarbox bars (black, or a blurred copy of itself: a
drone clip in a 9:16 feed) is cut to the picture inside them (`media.bars`, session 22) wherever its
pixels are read, so the bars neither shrink the picture at the working size nor move the centre
that the Point stands for. The cut is part of the query's identity and key, so features and
verification kept from before it never serve the cut picture. Metadata is never used to find bars.

An oblique photo whose metadata records its view (gimbal pitch, height, lens) and whose top rows
look near the horizon is cut, the same way and with the same effect on its identity and key, to its
ground band (`core/ground_band.py`: the rows at least 20 degrees below the horizon). A photo without
that metadata, a video frame, and a picture inside bars are read exactly as before.
"""

from __future__ import annotations

import functools
import hashlib
import logging

from PIL import Image

from ..model import Query
from .bars import Box, content_box, crop_to_box

log = logging.getLogger("geolocator")


def is_frame(query: Query) -> bool:
    return getattr(query, "time_s", None) is not None


def open_query_image(query: Query, *, min_side: int | None = None) -> Image.Image:
    """RGB pixels of a photo (JPEG may decode reduced, sides >= `min_side`) or of a video frame
    (decoded at its time through the frame cache), cut to the picture inside letterbox or pillarbox
    bars when it has them (`bars_box`), else to its ground band when it has one (`band_box`);
    `min_side` then holds for the uncut image. Raises InputError naming the file."""
    image = _open_whole(query, min_side)
    box = cut_box(query)
    return image if box is None else crop_to_box(image, box)


def band_box(query: Query) -> Box | None:
    """The query's ground band (ground_band.query_rows: an oblique photo with a recorded view whose
    top rows look near the horizon) as a (left, top, right, bottom) box of fractions, or None."""
    from ..ground_band import query_rows

    rows = query_rows(query)
    return None if rows is None else (0.0, rows[0], 1.0, rows[1])


def cut_box(query: Query) -> Box | None:
    """What of the query's image is read: the picture inside its bars (`bars_box`), else its
    ground band (`band_box`; never both: a picture inside bars was reframed), else None (all)."""
    return bars_box(query) or band_box(query)


def _open_whole(query: Query, min_side: int | None) -> Image.Image:
    if is_frame(query):
        from .video import open_frame

        return open_frame(query.path, query.time_s)
    from ..images import open_image

    return open_image(query.path, None, min_side=min_side)


def bars_box(query: Query) -> Box | None:
    """The picture inside the query's letterbox/pillarbox bars as (left, top, right, bottom)
    fractions of its width and height (`media.bars.content_box`), or None: no bars, or a file that
    cannot be read or stat'ed (its reader says why). Found once per file identity (a photo edited
    in place is looked at again) and logged at INFO when bars are found (a video once)."""
    from ..cache import file_identity

    try:
        ident = file_identity(query.path)
    except OSError:
        return None
    return _bars_for(ident, query.path, query.time_s if is_frame(query) else None)


@functools.lru_cache(maxsize=8192)
def _bars_for(identity: str, path, time_s: float | None) -> Box | None:
    from ..errors import InputError
    from .bars import WORK_SIDE

    try:
        probe = Query(id="", path=path, time_s=time_s)
        box = content_box(_open_whole(probe, WORK_SIDE))
    except InputError:
        return None  # an unreadable file: its reader says why when the pixels are asked for
    except Exception:  # noqa: BLE001 - looking for bars must never stop a run (a decoder's own error types)
        log.debug("%s: could not look for bars", path, exc_info=True)
        return None
    if box is not None and str(path) not in _SAID:  # a video: said once, at its first frame with bars
        _SAID.add(str(path))
        where = f"{path} (from {time_s:.1f} s)" if time_s is not None else str(path)
        log.info("%s: bars around the picture cut off (the picture is %.0f %% x %.0f %% of the image)",
                 where, 100 * (box[2] - box[0]), 100 * (box[3] - box[1]))
    return box


_SAID: set[str] = set()


def _box_tag(query: Query) -> str:
    box = bars_box(query)
    if box is not None:
        return "|bars=" + ",".join(f"{v:.4f}" for v in box)
    box = band_box(query)
    return "" if box is None else "|band=" + ",".join(f"{v:.4f}" for v in box)


def query_identity(query: Query) -> str:
    """file_identity of the photo, or of the video plus the frame time (and its decode_tag), plus the bars cut off
    (`bars_box`) or the ground band kept (`band_box`; nothing for a picture without either, whose
    identity is as before). Raises OSError
    when the file cannot be stat'ed."""
    from ..cache import file_identity

    ident = file_identity(query.path)
    ident = f"{ident}#t={query.time_s:.3f}{_decode_tag(query)}" if is_frame(query) else ident
    return ident + _box_tag(query)


def _decode_tag(query: Query) -> str:
    """media.video.decode_tag of a frame's video: "" unless its frames decode differently since session 36."""
    from .video import decode_tag

    return decode_tag(query.path)


def query_key(query: Query) -> str:
    """cache.file_key for a photo; for a frame the video's key with the time folded in."""
    from ..cache import file_key

    key = file_key(query.path)
    tag = _box_tag(query)  # empty without bars: such keys stay as they were
    if not is_frame(query):
        return key if not tag else hashlib.sha256(f"{key}{tag}".encode()).hexdigest()[:16]
    return hashlib.sha256(f"{key}#t={query.time_s:.3f}{_decode_tag(query)}{tag}".encode()).hexdigest()[:16]


def query_thumbnail(query: Query, size: int) -> Image.Image:
    """The query fitted into size x size pixels (a JPEG photo decodes reduced), never cut to its
    ground band (`band_box`), a photo as a video frame: the thumbnail (the list, the Results pane,
    the map's popup) is what a person knows the picture by, sky and horizon included; what was
    matched is drawn by the evidence figure. Before session 27 a -30 frame's thumbnail showed its
    band (it was drawn through open_query_image) while a photo's was whole. Both are cut to the
    picture inside letterbox/pillarbox bars: a frame by `bars_box` (found anyway wherever a frame
    is read); a photo (session 28; it kept its bars before) by `media.bars.content_box` of the
    reduced decode the thumbnail is made from, so no second decode: about 3 CPU ms more a photo at
    the list's 192 px (training/results/mend28_session28.md). Raises InputError."""
    if is_frame(query):
        image = _open_whole(query, None)
        box = bars_box(query)
        if box is not None:
            image = crop_to_box(image, box)
        image.thumbnail((size, size))
        return image
    image = _open_whole(query, size)
    # looked for in the reduced decode the thumbnail is made from (content_box works at most at
    # bars.WORK_SIDE): no second decode. At the thumbnail's own size blurred bars were missed.
    box = _thumbnail_bars(image, query)
    if box is not None:
        image = crop_to_box(image, box)
    image.thumbnail((size, size))
    return image


def _thumbnail_bars(image: Image.Image, query: Query) -> Box | None:
    """content_box of a photo's decoded pixels, None when looking fails (never stops a thumbnail)."""
    try:
        return content_box(image)
    except Exception:  # noqa: BLE001 - bars are a nicety for a thumbnail, as in _bars_for
        log.debug("%s: could not look for bars in its thumbnail", query.path, exc_info=True)
        return None
