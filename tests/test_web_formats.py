"""Formats that media found online comes in (session 22): AVIF stills (screenshots, web images) and
VP9 WebM clips. Before session 22 a query folder skipped both ("not a photo type geolocator reads
(.avif …)", "(.webm …)") although Pillow decodes AVIF and PyAV decodes WebM here."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, features

from geolocator.core.media.query_image import open_query_image
from geolocator.core.queries import load_queries

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


@pytest.mark.skipif(not features.check("avif"), reason="this Pillow has no AVIF codec")
def test_avif_photo_is_read_as_a_query(tmp_path):
    """An AVIF still in a query folder is a query whose pixels are the photo's (same size)."""
    im = Image.open(DEMO / "queries" / "q_0001.jpg").convert("RGB")
    im.save(tmp_path / "still.avif", quality=50)
    skipped = []
    queries = load_queries(tmp_path, on_skip=lambda p, why: skipped.append((p, why)))
    assert skipped == [] and [Path(q.path).name for q in queries] == ["still.avif"]
    assert open_query_image(queries[0]).size == im.size


def test_webm_clip_is_read_as_video_frames(tmp_path):
    """A VP9 WebM clip in a query folder gives one query a second, each decoded to a frame."""
    av = pytest.importorskip("av")
    if "libvpx-vp9" not in av.codecs_available:
        pytest.skip("this PyAV has no VP9 encoder to make the clip")
    path = tmp_path / "clip.webm"
    frame = Image.open(DEMO / "queries" / "q_0001.jpg").convert("RGB")
    with av.open(str(path), "w", format="webm") as c:
        s = c.add_stream("libvpx-vp9", rate=5)
        s.width, s.height, s.pix_fmt = frame.width, frame.height, "yuv420p"
        for _ in range(15):
            for pkt in s.encode(av.VideoFrame.from_image(frame)):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    skipped = []
    queries = load_queries(tmp_path, every_s=1.0, on_skip=lambda p, why: skipped.append((p, why)))
    assert skipped == []
    assert len(queries) >= 2 and all(q.time_s is not None for q in queries)
    assert open_query_image(queries[1]).size == frame.size
