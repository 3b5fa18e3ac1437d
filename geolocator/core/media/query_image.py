"""The one way to read a query's pixels and name its identity, photo or video frame alike.

Every step that looks at a drone image (feature extraction, geometric verification, thumbnails)
goes through `open_query_image`, so a video frame flows through the pipeline like a photo.
"""

from __future__ import annotations

import hashlib

from PIL import Image

from ..model import Query


def is_frame(query: Query) -> bool:
    return getattr(query, "time_s", None) is not None


def open_query_image(query: Query, *, min_side: int | None = None) -> Image.Image:
    """RGB pixels of a photo (JPEG may decode reduced, sides >= `min_side`) or of a video frame
    (decoded at its time through the frame cache). Raises InputError naming the file."""
    if is_frame(query):
        from .video import open_frame

        return open_frame(query.path, query.time_s)
    from ..images import open_image

    return open_image(query.path, None, min_side=min_side)


def query_identity(query: Query) -> str:
    """file_identity of the photo, or of the video plus the frame time. Raises OSError when the
    file cannot be stat'ed."""
    from ..cache import file_identity

    ident = file_identity(query.path)
    return f"{ident}#t={query.time_s:.3f}" if is_frame(query) else ident


def query_key(query: Query) -> str:
    """cache.file_key for a photo; for a frame the video's key with the time folded in."""
    from ..cache import file_key

    key = file_key(query.path)
    if not is_frame(query):
        return key
    return hashlib.sha256(f"{key}#t={query.time_s:.3f}".encode()).hexdigest()[:16]


def query_thumbnail(query: Query, size: int) -> Image.Image:
    """The query fitted into size x size pixels (a JPEG photo decodes reduced). Raises InputError."""
    if is_frame(query):
        image = open_query_image(query)
        image.thumbnail((size, size))
        return image
    from ..images import thumbnail

    return thumbnail(query.path, size)
